"""Compactness of a community: the walk from its farthest household to its service centre.

The centre is the community's 党群服务中心 / 社区综合服务设施 (a ``community_service_centre``
facility inside its polygon; the one nearest the household-weighted centroid when there are
several), else the household-weighted centroid of its compounds; a community that continues in a
proposal keeps its centre facility (``centre_of``). The distance is measured
from each compound's representative point over the walk network (snapped at both ends, the
straight access legs from the points to the network included), or in a straight line when no
network is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

CENTRE_CATEGORY = "community_service_centre"


def _centres(groups: Sequence[tuple[Any, pd.Index, Any]], pts: gpd.GeoSeries, w: pd.Series,
             facilities: gpd.GeoDataFrame | None,
             centre_of: Mapping[Any, str]) -> tuple[list[Any], list[str], list[str]]:
    fac = None
    if facilities is not None and "category" in facilities.columns:
        fac = facilities[facilities["category"].astype(str) == CENTRE_CATEGORY]
        fac = fac.set_axis(fac.index.astype(str))
    kept = set(centre_of.values())
    geoms, kinds, names = [], [], []
    for key, ids, polygon in groups:
        ww = w.loc[ids].to_numpy(dtype=float) + 1e-9
        p = pts.loc[ids]
        centroid = shapely.Point(np.average(p.x, weights=ww), np.average(p.y, weights=ww))
        inside = None
        if fac is not None and centre_of.get(key) in fac.index:
            inside = fac.loc[[centre_of[key]]]
        elif fac is not None and len(fac) and polygon is not None and not shapely.is_empty(polygon):
            inside = fac[fac.geometry.within(polygon) & ~fac.index.isin(kept)]
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


def community_centres(
    groups: Sequence[tuple[Any, pd.Index, Any]],
    compounds: gpd.GeoDataFrame,
    *,
    facilities: gpd.GeoDataFrame | None = None,
    centre_of: Mapping[Any, str] | None = None,
    households_col: str = "households",
) -> gpd.GeoDataFrame:
    """The centre of each group (no walking distances; see :func:`compound_walks`).

    Parameters are those of :func:`compound_walks`.

    Returns
    -------
    GeoDataFrame
        Indexed by key: ``centre_kind`` (``service_centre``/``weighted_centroid``),
        ``centre_facility`` (facility id or "") and the centre point, in the compounds' CRS.
    """
    pts = compounds.geometry.representative_point()
    w = pd.to_numeric(compounds[households_col]).astype(float)
    geoms, kinds, names = _centres(groups, pts, w, facilities, centre_of or {})
    return gpd.GeoDataFrame({"centre_kind": kinds, "centre_facility": names},
                            index=pd.Index([g[0] for g in groups]), geometry=geoms,
                            crs=compounds.crs)


def compound_walks(
    groups: Sequence[tuple[Any, pd.Index, Any]],
    compounds: gpd.GeoDataFrame,
    *,
    network: Any = None,
    facilities: gpd.GeoDataFrame | None = None,
    centre_of: Mapping[Any, str] | None = None,
    cutoff_m: float = 20_000.0,
    snap_tolerance_m: float = 250.0,
    households_col: str = "households",
) -> tuple[pd.DataFrame, list[pd.Series]]:
    """Walk from every compound of each group to the group's centre.

    Parameters
    ----------
    groups, compounds, network, facilities, cutoff_m, snap_tolerance_m, households_col
        As :func:`farthest_walk`.
    centre_of
        Group key -> id of the ``community_service_centre`` facility that is its centre
        wherever it lies (a community that continues keeps its 党群服务中心 even where a
        proposed boundary leaves it outside); no other group takes these facilities.

    Returns
    -------
    centres : DataFrame
        As :func:`community_centres`.
    walks : list of Series
        One per group, in order, indexed by its compound ids: metres to the centre (NaN for a
        compound not snapped or beyond ``cutoff_m``).
    """
    if not groups:
        return pd.DataFrame(columns=["centre_kind", "centre_facility"]), []
    centres = community_centres(groups, compounds, facilities=facilities, centre_of=centre_of,
                                households_col=households_col)
    pts = compounds.geometry.representative_point()
    walks: list[pd.Series] = []
    if network is None:
        for j, (_key, ids, _poly) in enumerate(groups):
            walks.append(pd.Series(pts.loc[ids].distance(centres.geometry.iloc[j]).to_numpy(dtype=float),
                                   index=ids, dtype=float))
    else:
        from gis_planner.network.snap import snap_points
        from gis_planner.network.travel import od_costs

        used = pd.Index(sorted(set().union(*[set(g[1]) for g in groups])))
        s_h = snap_points(network, gpd.GeoDataFrame(geometry=pts.loc[used], crs=compounds.crs),
                          tolerance_m=snap_tolerance_m)
        s_c = snap_points(network, gpd.GeoDataFrame(geometry=centres.geometry.to_numpy(),
                                                    crs=compounds.crs),
                          tolerance_m=snap_tolerance_m)
        od = od_costs(network, s_h, s_c, cutoff_m=cutoff_m).tocsc()
        pos = pd.Series(np.arange(len(used)), index=used)
        h_leg = s_h["snap_dist_m"].to_numpy(dtype=float)
        c_leg = s_c["snap_dist_m"].to_numpy(dtype=float)
        for j, (_key, ids, _poly) in enumerate(groups):
            col = od.getcol(j).tocoo()
            reach = np.full(len(used), np.nan)
            reach[col.row] = col.data + h_leg[col.row] + c_leg[j]
            walks.append(pd.Series(reach[pos.loc[ids].to_numpy()], index=ids, dtype=float))
    return pd.DataFrame(centres[["centre_kind", "centre_facility"]]), walks


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
    centres, walks = compound_walks(groups, compounds, network=network, facilities=facilities,
                                    cutoff_m=cutoff_m, snap_tolerance_m=snap_tolerance_m,
                                    households_col=households_col)
    return walk_summary(centres, walks)


def walk_summary(centres: pd.DataFrame, walks: list[pd.Series]) -> pd.DataFrame:
    """:func:`farthest_walk`'s table from :func:`compound_walks`' answer."""
    out = centres.copy()
    out["max_walk_m"] = [float(w.max()) if w.notna().any() else np.nan for w in walks]
    out["unreachable_compounds"] = np.array([int(w.isna().sum()) for w in walks], dtype=np.int64)
    return out


__all__ = ["CENTRE_CATEGORY", "community_centres", "compound_walks", "farthest_walk",
           "walk_summary"]
