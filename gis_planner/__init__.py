"""gis_planner: 15-minute living circles, community sizing and facility siting for Chinese cities.

The package is organised by stage (see ``docs/architecture.md``)::

    io / policy  ->  network  ->  coverage  ->  community / siting  ->  report / maps  ->  cli

Import the sub-packages you need, for example ``from gis_planner import io, coverage``.
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

__all__ = ["__version__"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
