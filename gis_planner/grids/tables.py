"""Report-ready tables of the grid results (plain DataFrames, one per section or sheet)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from gis_planner.grids.audit import AuditResult
from gis_planner.grids.crosswalk import CrosswalkResult
from gis_planner.grids.groups import SPECIAL_GROUPS
from gis_planner.grids.partition import GridResult


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(frame.drop(columns=[frame.geometry.name], errors="ignore")
                       if isinstance(frame, gpd.GeoDataFrame) else frame)
    if out.index.name in out.columns:  # a layer that also keeps its id as a column
        out = out.drop(columns=out.index.name)
    return out.reset_index()


def community_summary(result: GridResult) -> pd.DataFrame:
    """One row per community: grids, 微网格, households, grids in/out of band, workers needed,
    the longest walk to a grid centre (m) and the special groups."""
    g, m = result.grids, result.micro_grids
    if len(g) == 0:
        return pd.DataFrame(columns=["community_code", "grids", "micro_grids", "households"])
    by = g.groupby("community_code")
    out = pd.DataFrame({
        "grids": by.size(),
        "grids_in_band": by["band_status"].apply(lambda s: int((s == "in_band").sum())),
        "micro_grids": m.groupby("community_code").size() if len(m) else 0,
        "micro_grids_in_band": (m.groupby("community_code")["band_status"].apply(
            lambda s: int((s == "in_band").sum())) if len(m) else 0),
        "households": by["households"].sum(),
        "residents": by["residents"].sum(),
        "grid_workers_needed": by["workers_needed"].sum(),
        "micro_grid_workers_needed": (m.groupby("community_code")["workers_needed"].sum()
                                      if len(m) else 0.0),
        "max_walk_m": by["max_walk_m"].max(),
    })
    for gid in result.groups:
        out[gid] = by[gid].sum()
    out = out.fillna(0)
    out.index.name = "community_code"
    return out.reset_index()


def report_tables(result: GridResult, *, audit: AuditResult | None = None,
                  crosswalk: CrosswalkResult | None = None) -> dict[str, pd.DataFrame]:
    """Tables for a report section or workbook, by sheet name.

    Returns
    -------
    dict of str to DataFrame
        ``grid_summary`` (per community), ``grids``, ``micro_grids``, ``solver``,
        ``grid_settings`` (each number's value, status and source), ``special_groups`` (id ->
        Chinese name, for headers); with ``audit``: ``audit_summary``, ``audit_grids``,
        ``audit_crossings``, ``audit_gaps``, ``audit_overlaps``; with ``crosswalk``:
        ``crosswalk`` (per department grid) and ``crosswalk_pairs``.
    """
    tables = {
        "grid_summary": community_summary(result),
        "grids": _plain(result.grids),
        "micro_grids": _plain(result.micro_grids),
        "solver": result.solver.copy(),
        "grid_settings": pd.DataFrame(result.settings.table()),
        "special_groups": pd.DataFrame({"group": list(SPECIAL_GROUPS),
                                        "name_zh": list(SPECIAL_GROUPS.values()),
                                        "present": [g in result.groups for g in SPECIAL_GROUPS]}),
    }
    if audit is not None:
        tables.update(audit_tables(audit))
    if crosswalk is not None:
        tables.update(crosswalk_tables(crosswalk))
    return tables


def audit_tables(audit: AuditResult) -> dict[str, pd.DataFrame]:
    """The audit's tables by sheet name (``audit_summary``, ``audit_grids`` …)."""
    return {"audit_summary": audit.summary.copy(), "audit_grids": _plain(audit.grids),
            "audit_crossings": audit.crossings.copy(), "audit_gaps": _plain(audit.gaps),
            "audit_overlaps": _plain(audit.overlaps)}


def crosswalk_tables(crosswalk: CrosswalkResult) -> dict[str, pd.DataFrame]:
    """The crosswalk's tables by sheet name (``crosswalk``, ``crosswalk_pairs``)."""
    return {"crosswalk": crosswalk.departments.copy(), "crosswalk_pairs": crosswalk.pairs.copy()}


__all__ = ["audit_tables", "community_summary", "crosswalk_tables", "report_tables"]
