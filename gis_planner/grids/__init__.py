"""Governance grids (网格 / 微网格): partition communities, audit existing grids, and
cross-walk department grids to community grids. See ``docs/grids.md``."""

from __future__ import annotations

from gis_planner.grids.audit import AuditResult, audit_grids
from gis_planner.grids.crosswalk import CrosswalkResult, crosswalk_grids
from gis_planner.grids.groups import SPECIAL_GROUPS
from gis_planner.grids.partition import GridResult, partition_grids
from gis_planner.grids.settings import GridSettings, load_grid_defaults
from gis_planner.grids.tables import report_tables

__all__ = [
    "SPECIAL_GROUPS",
    "AuditResult",
    "CrosswalkResult",
    "GridResult",
    "GridSettings",
    "audit_grids",
    "crosswalk_grids",
    "load_grid_defaults",
    "partition_grids",
    "partitioned_grids",
    "report_tables",
]


def __getattr__(name: str) -> object:
    if name == "partitioned_grids":  # Dask is an extra: imported on first use
        from gis_planner.grids.parallel import partitioned_grids

        return partitioned_grids
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
