"""Service areas: the street network each facility reaches within a walking budget.

Returned as lines (whole edges plus the partial edges cut at the remaining budget) and as
polygons built from those lines (buffered by ``buffer_m``; never a convex hull, which would
claim land across rivers and rail lines the network does not cross). With ``split=True`` every
piece of street belongs to its nearest facility (a network Voronoi partition), so areas do not
overlap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely.ops import substring

from gis_planner import _units
from gis_planner._validate import require_same_crs
from gis_planner.network.snap import snap_points
from gis_planner.network.travel import OD_CHUNK_ROWS, _augmented, _edge_arrays

if TYPE_CHECKING:
    from gis_planner.network.graph import WalkNetwork


def _pieces(dist_u: float, dist_v: float, length: float, budget: float,
            split_at: float | None = None, side: str = "both") -> list[tuple[float, float]]:
    """Reachable [start, end] intervals (m from u) of one edge given distances to its ends."""
    out = []
    r_u = budget - dist_u
    r_v = budget - dist_v
    if r_u >= 0 and r_v >= 0 and r_u + r_v >= length:
        lo_hi = [(0.0, length)]
    else:
        lo_hi = []
        if r_u > 0:
            lo_hi.append((0.0, min(r_u, length)))
        if r_v > 0:
            lo_hi.append((max(length - r_v, 0.0), length))
    for a, b in lo_hi:
        if split_at is not None:
            a, b = (a, min(b, split_at)) if side == "u" else (max(a, split_at), b)
        if b - a > 1e-9:
            out.append((a, b))
    return out


def service_areas(
    network: WalkNetwork,
    facilities: gpd.GeoDataFrame,
    *,
    walk_minutes: float,
    speed_kmh: float,
    buffer_m: float = 50.0,
    split: bool = False,
    snap_tolerance_m: float = 250.0,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Streets reachable from each facility within ``walk_minutes`` at ``speed_kmh``.

    Returns
    -------
    (lines, polygons)
        Two GeoDataFrames indexed by the facilities' index (facilities not on the network are
        left out): ``lines`` (MultiLineString of reachable street, ``length_m``) and ``polygons``
        (the lines buffered by ``buffer_m`` metres and merged, ``area_m2``); both carry
        ``category`` and ``name`` where the facilities have them.
    """
    require_same_crs(facilities, network.edges, what_a="facilities", what_b="the network")
    budget = _units.walk_distance_m(walk_minutes, speed_kmh)
    snap = snap_points(network, facilities, tolerance_m=snap_tolerance_m)
    snap = snap.loc[snap["snapped"]]
    u, v, length = _edge_arrays(network)
    geoms = network.edges.geometry.to_numpy()
    n = network.n_nodes
    k = len(snap)
    f_edge = snap["edge"].to_numpy()
    f_off = snap["offset_m"].to_numpy()
    graph = _augmented(network, np.arange(k), f_edge, f_off, k)
    owner_u = owner_v = dist_min = None
    if split:  # nearest facility of every node: one multi-source call with labels
        dist_min, _pred, sources = dijkstra(graph, directed=True, indices=np.arange(k) + n,
                                            min_only=True, return_predecessors=True,
                                            limit=budget)
        owner = np.where(sources >= 0, sources - n, -1)
        owner_u, owner_v = owner[u], owner[v]
    parts: dict[int, list[shapely.LineString]] = {i: [] for i in range(k)}
    for start in range(0, k, OD_CHUNK_ROWS):
        stop = min(start + OD_CHUNK_ROWS, k)
        dist = dijkstra(graph, directed=True, indices=np.arange(start, stop) + n, limit=budget)
        for r, fi in enumerate(range(start, stop)):
            du, dv = dist[r, u], dist[r, v]
            touched = np.flatnonzero((du <= budget) | (dv <= budget))
            for e in touched:
                if e == f_edge[fi]:
                    continue
                spans: list[tuple[float, float]]
                if split:
                    spans = []
                    a_u, a_v = owner_u[e], owner_v[e]
                    if a_u == fi and a_v == fi:
                        spans = _pieces(du[e], dv[e], length[e], budget)
                    elif a_u == fi or a_v == fi:
                        x = (length[e] + dist_min[v[e]] - dist_min[u[e]]) / 2.0
                        side = "u" if a_u == fi else "v"
                        spans = _pieces(du[e], dv[e], length[e], budget, split_at=x, side=side)
                else:
                    spans = _pieces(du[e], dv[e], length[e], budget)
                parts[fi].extend(substring(geoms[e], a, b) for a, b in spans)
            # the facility's own edge: reachable directly along it in both directions
            e = f_edge[fi]
            a, b = max(0.0, f_off[fi] - budget), min(length[e], f_off[fi] + budget)
            parts[fi].append(substring(geoms[e], a, b))
    index = snap.index
    lines = np.array([shapely.MultiLineString([g for g in parts[i] if isinstance(g, shapely.LineString) and g.length > 0])
                      for i in range(k)], dtype=object)
    extra = {c: facilities.loc[index, c].to_numpy() for c in ("category", "name") if c in facilities}
    line_gdf = gpd.GeoDataFrame({**extra, "length_m": shapely.length(lines)}, index=index,
                                geometry=lines, crs=network.crs)
    polys = shapely.buffer(lines, buffer_m)
    poly_gdf = gpd.GeoDataFrame({**extra, "area_m2": shapely.area(polys)}, index=index,
                                geometry=polys, crs=network.crs)
    line_gdf.attrs.update(walk_minutes=walk_minutes, speed_kmh=speed_kmh, budget_m=budget,
                          split=split, buffer_m=buffer_m)
    poly_gdf.attrs.update(line_gdf.attrs)
    return line_gdf, poly_gdf


__all__ = ["service_areas"]
