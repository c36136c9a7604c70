"""Audit of an existing grid layer: band, nesting in communities, gaps, overlaps and workers.

Every grid should hold a household count inside the band, lie inside exactly one community
(Xi'an DB6101/T 3185-2024 5.2 b; Beijing DB11 coding; Zhoushan Art. 8), cover its communities
without gaps or overlaps (closed polygons with topology: CJ/T 349-2010 6.1.1, read as "no gaps,
no overlaps"), and have a grid worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis_planner._errors import InputDataError
from gis_planner._validate import require_metric_crs, require_same_crs
from gis_planner.community.adjacency import GRID_M

#: Column names taken as the grid worker, in priority order.
WORKER_ALIASES = ("worker", "grid_worker", "workers", "网格员", "专职网格员", "网格员姓名")
#: Column names taken as the grid's household count.
HOUSEHOLD_ALIASES = ("households", "户数", "总户数")


@dataclass(frozen=True)
class AuditResult:
    """Outcome of :func:`audit_grids`.

    Attributes
    ----------
    grids
        The grid layer (its index) with ``households``, ``band_min``, ``band_max``,
        ``band_status`` (``in_band``/``under_band``/``over_band``), ``community_code`` (the
        community holding most of it), ``communities`` (how many it overlaps), ``nested``
        (bool), ``has_worker`` (bool, or None without a worker column), ``area_m2``.
    crossings
        One row per grid and community it overlaps, for grids crossing a community boundary:
        ``grid_code``, ``community_code``, ``overlap_m2``, ``share`` (of the grid's area).
    gaps
        Land of the communities covered by no grid (polygons of at least ``min_area_m2``):
        ``community_code``, ``area_m2``.
    overlaps
        Land covered by two grids: ``grid_a``, ``grid_b``, ``overlap_m2``.
    summary
        One row per check: ``check``, ``failing``, ``of``, ``note``.
    """

    grids: gpd.GeoDataFrame
    crossings: pd.DataFrame
    gaps: gpd.GeoDataFrame
    overlaps: gpd.GeoDataFrame
    summary: pd.DataFrame


def _column(frame: pd.DataFrame, aliases: tuple[str, ...], explicit: str | None, *,
            what: str, role: str) -> str | None:
    if explicit is not None:
        if explicit not in frame.columns:
            raise InputDataError(f"{what}: no column {explicit!r} ({role}); columns: "
                                 f"{', '.join(map(str, frame.columns))}.")
        return explicit
    lower = {str(c).lower(): c for c in frame.columns}
    return next((lower[a.lower()] for a in aliases if a.lower() in lower), None)


def _household_counts(grids: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> pd.Series:
    """Households per grid from units (by representative point; the first grid wins)."""
    pts = units.geometry.representative_point().to_numpy()
    u_i, g_i = shapely.STRtree(grids.geometry.to_numpy()).query(pts, predicate="within")
    order = np.lexsort((g_i, u_i))
    u_i, g_i = u_i[order], g_i[order]
    first = np.unique(u_i, return_index=True)[1]
    hh = units["households"].to_numpy(dtype=np.int64)
    sums = np.bincount(g_i[first], weights=hh[u_i[first]], minlength=len(grids))
    return pd.Series(sums.astype(np.int64), index=grids.index)


def _gaps(communities: gpd.GeoDataFrame, geoms: np.ndarray, *, crs: Any,
          min_area_m2: float) -> gpd.GeoDataFrame:
    """Pieces of community land covered by no grid (polygons of at least ``min_area_m2``)."""
    com_geoms = communities.geometry.to_numpy()
    covered = shapely.union_all(geoms, grid_size=GRID_M)
    gap_rows = []
    for code, cg in zip(communities.index.astype(str), com_geoms, strict=True):
        rest = shapely.difference(cg, covered, grid_size=GRID_M)
        for part in shapely.get_parts(rest):
            if shapely.get_type_id(part) == 3 and shapely.area(part) >= min_area_m2:
                gap_rows.append({"community_code": code, "area_m2": float(shapely.area(part)),
                                 "geometry": part})
    return gpd.GeoDataFrame(gap_rows or {"community_code": [], "area_m2": []},
                            geometry="geometry" if gap_rows else gpd.GeoSeries([]),
                            crs=crs)


def _overlaps(index: pd.Index, geoms: np.ndarray, *, crs: Any, min_area_m2: float) -> gpd.GeoDataFrame:
    """Pairs of grids sharing at least ``min_area_m2`` of land, with the shared piece."""
    a_i, b_i = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    sel = a_i < b_i
    a_i, b_i = a_i[sel], b_i[sel]
    inter = shapely.intersection(geoms[a_i], geoms[b_i], grid_size=GRID_M)
    ov_area = shapely.area(inter)
    ok = ov_area >= min_area_m2
    return gpd.GeoDataFrame({"grid_a": index.to_numpy()[a_i[ok]],
                             "grid_b": index.to_numpy()[b_i[ok]],
                             "overlap_m2": ov_area[ok]},
                            geometry=list(inter[ok]), crs=crs)


def audit_grids(
    grids: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    *,
    min_households: int,
    max_households: int,
    units: gpd.GeoDataFrame | None = None,
    worker_col: str | None = None,
    households_col: str | None = None,
    min_area_m2: float = 10.0,
) -> AuditResult:
    """Check an existing grid layer.

    Parameters
    ----------
    grids
        Grid polygons (index = grid code) in a metric CRS.
    communities
        Community polygons (index ``community_code``), same CRS.
    min_households, max_households
        The band, households per grid, both inclusive.
    units
        Compounds or buildings with ``households``: counted into the grid holding their
        representative point. Without them the grid layer's own household column is used.
    worker_col
        Column naming the grid's worker (default: ``worker``, ``网格员`` …); empty cells
        mean no worker. Without such a column the worker check is not assessable.
    households_col
        The grid layer's household column (default ``households``, ``户数``).
    min_area_m2
        Smallest gap or overlap reported, m² (inclusive); smaller slivers are digitising noise.

    Returns
    -------
    AuditResult

    Raises
    ------
    InputDataError, CRSError
        Non-metric or mismatched CRS; no household count (neither ``units`` nor a column).
    """
    what = grids.attrs.get("source", "grids")
    require_metric_crs(grids, what=what)
    require_same_crs(grids, communities, what_a=what, what_b="communities")
    out = grids.copy()
    geoms = out.geometry.to_numpy()
    if units is not None:
        require_same_crs(units, grids, what_a="units", what_b=what)
        hh = _household_counts(out, units)
    else:
        col = _column(out, HOUSEHOLD_ALIASES, households_col, what=what, role="households")
        if col is None:
            raise InputDataError(f"{what}: no household column (households, 户数) and no "
                                 "compounds or buildings to count them; give either.")
        hh = pd.to_numeric(out[col], errors="coerce")
        if hh.isna().any():
            rows = ", ".join(map(str, out.index[hh.isna().to_numpy()][:5]))
            raise InputDataError(f"{what}: column {col!r} has empty or non-numeric values "
                                 f"(rows {rows}); expected households per grid.")
    out["households"] = hh.astype(np.int64).to_numpy()
    out["band_min"], out["band_max"] = min_households, max_households
    out["band_status"] = np.where(out["households"] < min_households, "under_band",
                                  np.where(out["households"] > max_households, "over_band",
                                           "in_band"))
    out["area_m2"] = shapely.area(geoms)
    # nesting
    com_geoms = communities.geometry.to_numpy()
    g_i, c_i = shapely.STRtree(com_geoms).query(geoms, predicate="intersects")
    area = shapely.area(shapely.intersection(geoms[g_i], com_geoms[c_i], grid_size=GRID_M))
    keep = area >= min_area_m2
    pairs = pd.DataFrame({"grid_code": out.index.to_numpy()[g_i[keep]],
                          "community_code": communities.index.to_numpy()[c_i[keep]].astype(str),
                          "overlap_m2": area[keep],
                          "share": area[keep] / np.maximum(out["area_m2"].to_numpy()[g_i[keep]],
                                                           1e-9)})
    per = pairs.groupby("grid_code", sort=False)
    n_com = per.size().reindex(out.index, fill_value=0)
    main = pairs.sort_values(["grid_code", "overlap_m2"], ascending=[True, False]) \
        .drop_duplicates("grid_code").set_index("grid_code")["community_code"]
    out["community_code"] = main.reindex(out.index).to_numpy()
    out["communities"] = n_com.to_numpy()
    out["nested"] = out["communities"] == 1
    crossings = pairs[pairs["grid_code"].isin(out.index[out["communities"] > 1])] \
        .sort_values(["grid_code", "overlap_m2"], ascending=[True, False]).reset_index(drop=True)
    # workers
    wcol = _column(out, WORKER_ALIASES, worker_col, what=what, role="worker")
    if wcol is not None:
        w = out[wcol]
        out["has_worker"] = ~(w.isna() | w.astype(str).str.strip().isin(["", "0", "nan", "None"]))
    else:
        out["has_worker"] = None
    gaps = _gaps(communities, geoms, crs=grids.crs, min_area_m2=min_area_m2)
    overlaps = _overlaps(out.index, geoms, crs=grids.crs, min_area_m2=min_area_m2)
    n = len(out)
    summary = pd.DataFrame([
        {"check": "band", "failing": int((out["band_status"] != "in_band").sum()), "of": n,
         "note": f"households per grid {min_households}–{max_households}"},
        {"check": "nesting", "failing": int((~out["nested"]).sum()), "of": n,
         "note": "grids overlapping more than one community (or none)"},
        {"check": "gaps", "failing": len(gaps), "of": len(communities),
         "note": f"pieces of community land in no grid (>= {min_area_m2:g} m2), "
                 f"{float(gaps['area_m2'].sum()) if len(gaps) else 0.0:,.0f} m2 in all"},
        {"check": "overlaps", "failing": len(overlaps), "of": n,
         "note": f"pairs of grids sharing land (>= {min_area_m2:g} m2)"},
        {"check": "workers",
         "failing": int((out["has_worker"] == False).sum()) if wcol else 0,  # noqa: E712
         "of": n, "note": f"grids without a worker (column {wcol!r})" if wcol
         else "not assessable: no worker column"},
    ])
    return AuditResult(out, crossings, gaps, overlaps, summary)


__all__ = ["AuditResult", "audit_grids"]
