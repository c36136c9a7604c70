"""The synthetic demo town 示范区 (虚构): generator of ``data/demo``.

``build_demo_town(seed=2025)`` returns the layers in memory (EPSG:32650);
``write_demo_town(folder, seed=2025)`` writes the files of ``data/demo`` byte for byte.
"""

from __future__ import annotations

from gis_planner.demo.town import DEFAULT_SEED, DemoTown, build_demo_town, write_demo_town

__all__ = ["DEFAULT_SEED", "DemoTown", "build_demo_town", "write_demo_town"]
