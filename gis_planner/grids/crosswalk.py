"""Department work grids (警格, 城管网格 …) against community grids ("一张网").

Each department grid should be one community grid (1:1) or a union of whole community grids
(1:n). A department grid that covers part of a community grid is *broken*. The proposed
realignment gives every community grid to the department grid that overlaps it most, so each
department grid becomes a union of whole community grids.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis_planner._validate import require_metric_crs, require_same_crs
from gis_planner.community.adjacency import GRID_M, polygonal


@dataclass(frozen=True)
class CrosswalkResult:
    """Outcome of :func:`crosswalk_grids`.

    Attributes
    ----------
    pairs
        One row per department grid and community grid that overlap: ``department_grid``,
        ``community_grid``, ``overlap_m2``, ``share_of_department``, ``share_of_community``,
        ``whole`` (the community grid lies inside the department grid).
    departments
        One row per department grid: ``class`` (``1:1``, ``1:n``, ``broken``, or ``none`` when
        it covers no community grid), ``community_grids`` (covered, ``、``-joined),
        ``partial_grids`` (covered only in part), ``outside_share`` (share of its area in no
        community grid), ``proposed_grids`` (community grids it gets in the realignment),
        ``changed`` (bool).
    proposed
        The realigned department grids (union of their community grids), indexed by
        department grid; department grids that get no community grid are absent.
    """

    pairs: pd.DataFrame
    departments: pd.DataFrame
    proposed: gpd.GeoDataFrame


def crosswalk_grids(
    department: gpd.GeoDataFrame,
    community_grids: gpd.GeoDataFrame,
    *,
    tolerance_share: float = 0.05,
) -> CrosswalkResult:
    """Classify department grids against community grids and propose a realignment.

    Parameters
    ----------
    department
        Department grid polygons (index = their code), metric CRS.
    community_grids
        Community grid polygons (index = grid code), same CRS.
    tolerance_share
        Digitising tolerance as a share (0–1, inclusive) of a grid's area: overlaps smaller
        than this share of the community grid are ignored, and a community grid counts as
        whole when at least ``1 - tolerance_share`` of it lies in the department grid.

    Returns
    -------
    CrosswalkResult

    Raises
    ------
    InputDataError, CRSError
        Non-metric or mismatched CRS; a tolerance outside [0, 0.5).
    """
    from gis_planner._errors import InputDataError

    if not 0 <= tolerance_share < 0.5:
        raise InputDataError(f"tolerance_share must be in [0, 0.5); got {tolerance_share}.")
    dname = department.attrs.get("source", "department grids")
    require_metric_crs(department, what=dname)
    require_same_crs(department, community_grids, what_a=dname, what_b="community grids")
    dg, cg = department.geometry.to_numpy(), community_grids.geometry.to_numpy()
    d_area, c_area = shapely.area(dg), shapely.area(cg)
    d_i, c_i = shapely.STRtree(cg).query(dg, predicate="intersects")
    ov = shapely.area(shapely.intersection(dg[d_i], cg[c_i], grid_size=GRID_M))
    share_c = ov / np.maximum(c_area[c_i], 1e-9)
    keep = share_c >= tolerance_share if tolerance_share > 0 else ov > 0
    d_i, c_i, ov, share_c = d_i[keep], c_i[keep], ov[keep], share_c[keep]
    d_codes = department.index.astype(str).to_numpy()
    c_codes = community_grids.index.astype(str).to_numpy()
    pairs = pd.DataFrame({"department_grid": d_codes[d_i], "community_grid": c_codes[c_i],
                          "overlap_m2": ov, "share_of_department": ov / np.maximum(d_area[d_i], 1e-9),
                          "share_of_community": share_c,
                          "whole": share_c >= 1.0 - tolerance_share})
    pairs = pairs.sort_values(["department_grid", "overlap_m2"], ascending=[True, False]) \
        .reset_index(drop=True)
    # realignment: each community grid goes to the department grid overlapping it most
    # (ties to the first department grid by code)
    best = pairs.sort_values(["community_grid", "overlap_m2", "department_grid"],
                             ascending=[True, False, True]).drop_duplicates("community_grid")
    gets = best.groupby("department_grid")["community_grid"].apply(list)
    rows = []
    for code, area in zip(d_codes, d_area, strict=True):
        mine = pairs[pairs["department_grid"] == code]
        whole = mine.loc[mine["whole"], "community_grid"].tolist()
        part = mine.loc[~mine["whole"], "community_grid"].tolist()
        outside = 1.0 - float(mine["overlap_m2"].sum()) / max(area, 1e-9)
        if len(mine) == 0:
            cls = "none"
        elif part or outside > tolerance_share:
            cls = "broken"
        else:
            cls = "1:1" if len(whole) == 1 else "1:n"
        proposed = sorted(gets.get(code, []))
        rows.append({"department_grid": code, "class": cls,
                     "community_grids": "、".join(sorted(whole + part)),
                     "partial_grids": "、".join(sorted(part)), "outside_share": max(outside, 0.0),
                     "proposed_grids": "、".join(proposed),
                     "changed": sorted(whole + part) != proposed})
    departments = pd.DataFrame(rows)
    pos = pd.Series(np.arange(len(c_codes)), index=c_codes)
    prop_rows = [{"department_grid": code, "community_grids": "、".join(sorted(grids)),
                  "geometry": polygonal(shapely.union_all(cg[pos.loc[grids].to_numpy()],
                                                          grid_size=GRID_M))}
                 for code, grids in gets.items()]
    proposed = gpd.GeoDataFrame(prop_rows or {"department_grid": [], "community_grids": []},
                                geometry="geometry" if prop_rows else gpd.GeoSeries([]),
                                crs=department.crs).set_index("department_grid")
    return CrosswalkResult(pairs, departments, proposed)


__all__ = ["CrosswalkResult", "crosswalk_grids"]
