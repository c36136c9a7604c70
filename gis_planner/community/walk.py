"""Compactness of a community: the walk from its farthest household to its service centre.

The centre is the community's 党群服务中心 / 社区综合服务设施 (a ``community_service_centre``
facility inside its polygon; the one nearest the household-weighted centroid when there are
several), else the household-weighted centroid of its compounds. The distance is measured
from each compound's representative point over the walk network (snapped at both ends, the
straight access legs from the points to the network included), or in a straight line when no
network is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

CENTRE_CATEGORY = "community_service_centre"


def _centres(groups: Sequence[tuple[Any, pd.Index, Any]], pts: gpd.GeoSeries, w: pd.Series,
             facilities: gpd.GeoDataFrame | None) -> tuple[list[Any], list[str], list[str]]:
    fac = None
    if facilities is not None and "category" in facilities.columns:
        fac = facilities[facilities["category"].astype(str) == CENTRE_CATEGORY]
    geoms, kinds, names = [], [], []
    for _key, ids, polygon in groups:
        ww = w.loc[ids].to_numpy(dtype=float) + 1e-9
        p = pts.loc[ids]
        centroid = shapely.Point(np.average(p.x, weights=ww), np.average(p.y, weights=ww))
        inside = None
        if fac is not None and len(fac) and polygon is not None and not shapely.is_empty(polygon):
            inside = fac[fac.geometry.within(polygon)]
        if inside is not None and len(inside):
            best = inside.geometry.distance(centroid).idxmin()
            geoms.append(inside.geometry.loc[best])
            kinds.append("service_centre")
            names.append(str(best))
        else:
            geoms.append(centroid)
            kinds.append("weighted_centroid")
            names.append("")
    return geoms, kinds, names


def farthest_walk(
    groups: Sequence[tuple[Any, pd.Index, Any]],
    compounds: gpd.GeoDataFrame,
    *,
    network: Any = None,
    facilities: gpd.GeoDataFrame | None = None,
    cutoff_m: float = 20_000.0,
    snap_tolerance_m: float = 250.0,
    households_col: str = "households",
) -> pd.DataFrame:
    """Distance from each group's farthest compound to the group's centre.

    Parameters
    ----------
    groups
        ``(key, compound ids, polygon)`` per community (polygon: where to look for a service
        centre; None to use the centroid).
    compounds
        Compounds (metric CRS), indexed by id, with ``households_col``.
    network
        A :class:`~gis_planner.network.graph.WalkNetwork`; None for straight-line metres.
    facilities
        Facilities with ``category`` (service centres), in the compounds' CRS.
    cutoff_m
        Longest walk searched (m); farther compounds count as unreachable.
    snap_tolerance_m
        Largest distance (m, inclusive) from a point to the network.

    Returns
    -------
    DataFrame
        Indexed by key: ``centre_kind`` (``service_centre``/``weighted_centroid``),
        ``centre_facility`` (facility id or ""), ``max_walk_m`` (NaN when nothing is
        reachable), ``unreachable_compounds`` (compounds not snapped or beyond the cut-off).
    """
    keys = [g[0] for g in groups]
    if not groups:
        return pd.DataFrame(columns=["centre_kind", "centre_facility", "max_walk_m",
                                     "unreachable_compounds"])
    pts = compounds.geometry.representative_point()
    w = pd.to_numeric(compounds[households_col]).astype(float)
    centres, kinds, names = _centres(groups, pts, w, facilities)
    max_m = np.full(len(groups), np.nan)
    unreachable = np.zeros(len(groups), dtype=np.int64)
    if network is None:
        for j, (_key, ids, _poly) in enumerate(groups):
            d = pts.loc[ids].distance(centres[j]).to_numpy()
            max_m[j] = float(d.max()) if len(d) else np.nan
    else:
        from gis_planner.network.snap import snap_points
        from gis_planner.network.travel import od_costs

        used = pd.Index(sorted(set().union(*[set(g[1]) for g in groups])))
        s_h = snap_points(network, gpd.GeoDataFrame(geometry=pts.loc[used], crs=compounds.crs),
                          tolerance_m=snap_tolerance_m)
        s_c = snap_points(network, gpd.GeoDataFrame(geometry=centres, crs=compounds.crs),
                          tolerance_m=snap_tolerance_m)
        od = od_costs(network, s_h, s_c, cutoff_m=cutoff_m).tocsc()
        pos = pd.Series(np.arange(len(used)), index=used)
        h_leg = s_h["snap_dist_m"].to_numpy(dtype=float)
        c_leg = s_c["snap_dist_m"].to_numpy(dtype=float)
        for j, (_key, ids, _poly) in enumerate(groups):
            col = od.getcol(j).tocoo()
            reach = np.full(len(used), np.nan)
            reach[col.row] = col.data + h_leg[col.row] + c_leg[j]
            vals = reach[pos.loc[ids].to_numpy()]
            ok = np.isfinite(vals)
            unreachable[j] = int((~ok).sum())
            max_m[j] = float(vals[ok].max()) if ok.any() else np.nan
    return pd.DataFrame({"centre_kind": kinds, "centre_facility": names, "max_walk_m": max_m,
                         "unreachable_compounds": unreachable}, index=pd.Index(keys))


__all__ = ["CENTRE_CATEGORY", "farthest_walk"]
