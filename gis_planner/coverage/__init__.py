"""Which households reach which facilities within a walking budget, over the street network."""

from __future__ import annotations

from gis_planner.coverage.reach import ReachResult, reach
from gis_planner.coverage.service_area import service_areas
from gis_planner.coverage.summary import completeness_summary, coverage_summary, worst_served

__all__ = [
    "ReachResult",
    "completeness_summary",
    "coverage_summary",
    "reach",
    "service_areas",
    "worst_served",
]
