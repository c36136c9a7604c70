"""The synthetic demo town 示范区 (虚构): generator of ``data/demo``."""

from __future__ import annotations

from gis_planner.demo.town import DemoTown, build_demo_town, write_demo_town

__all__ = ["DemoTown", "build_demo_town", "write_demo_town"]
