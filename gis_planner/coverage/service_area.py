"""Service areas: the street network each facility reaches within a walking budget.

Returned as lines (whole edges plus the partial edges cut at the remaining budget with
``shapely.ops.substring``) and as polygons built from those lines (buffered by ``buffer_m`` and
merged; never a convex hull, which would claim land across rivers and rail lines the network
does not cross). With ``split=True`` every piece of street belongs to its nearest facility (a
network Voronoi partition), so the lines of different facilities do not overlap.

How an edge (u, v) of length L is cut: a facility reaches a point at ``x`` metres from ``u`` at
``min(d(u) + x, d(v) + L - x, |x - o|)`` (the last term only for a facility on the edge itself at
offset ``o``). Each term is a "cone" of slope 1 around a site (the end ``u`` at 0, the end ``v``
at L, the facility at ``o``), so the reachable part is a union of at most three intervals, and
the nearest-facility partition of the edge splits between neighbouring sites where their cones
cross. All of this is vectorised over (facility, edge) pairs; the only Python loop runs over the
partial pieces that need ``substring``.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely.ops import substring

from gis_planner import _units
from gis_planner._errors import InputDataError
from gis_planner._validate import require_metric_crs, require_points, require_same_crs
from gis_planner.network.snap import snap_points
from gis_planner.network.travel import edge_arrays, graph_with_sources

if TYPE_CHECKING:
    from gis_planner.network.graph import WalkNetwork

#: Lengths below this (metres) are treated as zero when cutting edges.
EPS_M = 1e-9
#: Upper bound on the number of (rows x nodes) distances held per Dijkstra call.
_CHUNK_CELLS = 8_000_000


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

    Parameters
    ----------
    network
        The walk network (metric CRS).
    facilities
        Facility points in the network's CRS; index = facility ids.
    walk_minutes
        Walking budget in minutes (inclusive).
    speed_kmh
        Walking speed in km/h; the budget in metres is ``walk_minutes × speed``.
    buffer_m
        Half-width in metres of the polygon drawn around the reachable street lines.
    split
        Assign every piece of street to its nearest facility (network Voronoi), so that the
        lines of different facilities do not overlap (their buffered polygons still overlap by
        up to ``buffer_m`` along the boundaries). Ties go to one of the tied facilities.
    snap_tolerance_m
        Facilities farther than this (m) from every road are left out.

    Returns
    -------
    (lines, polygons)
        Two GeoDataFrames indexed by the ids of the facilities on the network: ``lines``
        (MultiLineString of the reachable street, ``length_m`` in metres) and ``polygons``
        (the lines buffered by ``buffer_m`` and merged, ``area_m2``); both carry ``category``
        and ``name`` where the facilities have them, plus ``walk_minutes`` and ``budget_m``.

    Raises
    ------
    InputDataError
        Non-point facilities, duplicate ids or non-positive minutes, speed or buffer.
    CRSError
        Facilities not in the network's CRS.
    """
    require_metric_crs(facilities, what="facilities")
    require_same_crs(facilities, network.edges, what_a="facilities", what_b="the network")
    if len(facilities):
        require_points(facilities, what="facilities")
    if facilities.index.has_duplicates:
        raise InputDataError("facilities: duplicate ids in the index; service areas are indexed "
                             "by facility id, which must be unique.")
    for name, value in (("walk_minutes", walk_minutes), ("speed_kmh", speed_kmh)):
        if not value > 0:
            raise InputDataError(f"service_areas: {name} must be > 0; got {value}.")
    if not buffer_m > 0:
        raise InputDataError(f"service_areas: buffer_m must be > 0 m; got {buffer_m}.")
    budget = _units.walk_distance_m(walk_minutes, speed_kmh)
    snap = snap_points(network, facilities, tolerance_m=snap_tolerance_m)
    snap = snap.loc[snap["snapped"]]
    k = len(snap)
    f_edge = snap["edge"].to_numpy(np.int64)
    f_off = snap["offset_m"].to_numpy(float)
    if k == 0:
        owner = edge = np.zeros(0, np.int64)
        a = b = np.zeros(0)
    elif split:
        owner, edge, a, b = _split_intervals(network, f_edge, f_off, budget)
    else:
        owner, edge, a, b = _own_intervals(network, f_edge, f_off, budget)
    lines = _assemble(network, owner, edge, a, b, k=k)
    index = snap.index
    extra = {c: facilities.loc[index, c].to_numpy() for c in ("category", "name")
             if c in facilities.columns}
    common = {**extra, "walk_minutes": float(walk_minutes), "budget_m": budget}
    line_gdf = gpd.GeoDataFrame({**common, "length_m": shapely.length(lines)}, index=index,
                                geometry=lines, crs=network.crs)
    polys = _polygons(lines, buffer_m)
    poly_gdf = gpd.GeoDataFrame({**common, "area_m2": shapely.area(polys)}, index=index,
                                geometry=polys, crs=network.crs)
    attrs = {"walk_minutes": float(walk_minutes), "speed_kmh": float(speed_kmh),
             "budget_m": budget, "split": split, "buffer_m": float(buffer_m)}
    line_gdf.attrs.update(attrs)
    poly_gdf.attrs.update(attrs)
    return line_gdf, poly_gdf


def _polygons(lines: np.ndarray, buffer_m: float) -> np.ndarray:
    """Each MultiLineString buffered by ``buffer_m``: every part buffered on its own, then the
    part buffers of one facility merged (``union_all``).

    The same polygon as buffering the MultiLineString in one call (symmetric difference below
    1e-7 of the area: floating-point noise of the two GEOS noding orders), and several times
    faster on large areas, where buffering one geometry of thousands of parts is dominated by
    noding every offset curve against every other; unioning small buffers is a cascaded
    (tree) merge.
    """
    out = np.array([shapely.Polygon()] * len(lines), dtype=object)
    parts, owner = shapely.get_parts(lines, return_index=True)
    if len(parts) == 0:
        return out
    buffered = shapely.buffer(parts, buffer_m)
    bounds = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1], True])
    for lo, hi in itertools.pairwise(bounds):
        out[owner[lo]] = shapely.union_all(buffered[lo:hi])
    return out


def _incidence(network: WalkNetwork) -> sp.csr_matrix:
    """Node x edge incidence (CSR), cached on the network."""
    if "incidence" not in network._cache:
        u, v, _ = edge_arrays(network)
        m = len(u)
        network._cache["incidence"] = sp.csr_matrix(
            (np.ones(2 * m, dtype=np.int8), (np.r_[u, v], np.r_[np.arange(m), np.arange(m)])),
            shape=(network.n_nodes, m))
    return network._cache["incidence"]


def _edges_of_nodes(network: WalkNetwork, rows: np.ndarray,
                    nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique (row, edge) pairs for every edge incident to the given (row, node) pairs."""
    inc = _incidence(network)
    start = inc.indptr[nodes]
    count = inc.indptr[nodes + 1] - start
    total = int(count.sum())
    first = np.repeat(np.cumsum(count) - count, count)
    idx = np.repeat(start, count) + (np.arange(total) - first)
    r = np.repeat(rows, count)
    e = inc.indices[idx].astype(np.int64)
    key = np.unique(r * network.n_edges + e)
    return key // network.n_edges, key % network.n_edges


def _own_intervals(network: WalkNetwork, f_edge: np.ndarray, f_off: np.ndarray,
                   budget: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Reachable intervals (facility, edge, start_m, end_m) of each facility on its own."""
    u, v, length = edge_arrays(network)
    n, k = network.n_nodes, len(f_edge)
    graph = graph_with_sources(network, np.arange(k), f_edge, f_off, k)
    chunk = max(1, min(k, _CHUNK_CELLS // max(n + k, 1)))
    parts: list[tuple[np.ndarray, ...]] = []
    for start in range(0, k, chunk):
        stop = min(start + chunk, k)
        # compiled Dijkstra from a block of facilities' virtual nodes, stopped at the budget
        dist = dijkstra(graph, directed=True, indices=np.arange(start, stop) + n, limit=budget)
        dist = dist[:, :n]
        r, node = np.nonzero(dist <= budget)
        r, e = _edges_of_nodes(network, r, node)
        du, dv, le = dist[r, u[e]], dist[r, v[e]], length[e]
        fi = r + start
        # cone around u: [0, budget - d(u)]; cone around v: [L - (budget - d(v)), L]
        parts.append((fi, e, np.zeros(len(e)), np.minimum(le, budget - du)))
        parts.append((fi, e, np.maximum(0.0, le - (budget - dv)), le))
    # cone around the facility itself on its own edge
    fi = np.arange(k)
    parts.append((fi, f_edge, np.maximum(0.0, f_off - budget),
                  np.minimum(length[f_edge], f_off + budget)))
    fi, e, a, b = (np.concatenate(x) for x in zip(*parts, strict=True))
    return _merge(fi, e, a, b)


def _split_intervals(network: WalkNetwork, f_edge: np.ndarray, f_off: np.ndarray,
                     budget: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Intervals (facility, edge, start_m, end_m) of the nearest-facility partition within the
    budget: one multi-source Dijkstra labelled with the nearest facility of every node."""
    u, v, length = edge_arrays(network)
    n, k = network.n_nodes, len(f_edge)
    graph = graph_with_sources(network, np.arange(k), f_edge, f_off, k)
    dist, _pred, sources = dijkstra(graph, directed=True, indices=np.arange(k) + n,
                                    min_only=True, return_predecessors=True, limit=budget)
    d_node = dist[:n]
    owner_node = np.where(sources[:n] >= n, sources[:n] - n, -1)
    reached = np.isfinite(d_node)
    near = np.flatnonzero(reached[u] | reached[v])
    # sites along each edge: its two ends (extra = distance to the end) and facilities on it
    s_edge = np.concatenate([near, near, f_edge])
    s_pos = np.concatenate([np.zeros(len(near)), length[near], f_off])
    s_extra = np.concatenate([d_node[u[near]], d_node[v[near]], np.zeros(k)])
    s_owner = np.concatenate([owner_node[u[near]], owner_node[v[near]], np.arange(k)])
    keep = np.isfinite(s_extra) & (s_owner >= 0)
    s_edge, s_pos, s_extra, s_owner = s_edge[keep], s_pos[keep], s_extra[keep], s_owner[keep]
    order = np.lexsort((s_extra, s_pos, s_edge))
    s_edge, s_pos, s_extra, s_owner = s_edge[order], s_pos[order], s_extra[order], s_owner[order]
    le = length[s_edge]
    # boundary between neighbouring sites s, t on one edge: where extra_s + (x - p_s) equals
    # extra_t + (p_t - x), clamped to [p_s, p_t]
    same_next = np.zeros(len(s_edge), dtype=bool)
    same_next[:-1] = s_edge[1:] == s_edge[:-1]
    bound = np.full(len(s_edge), np.nan)
    i = np.flatnonzero(same_next)
    bound[i] = np.clip((s_pos[i] + s_pos[i + 1] + s_extra[i + 1] - s_extra[i]) / 2.0,
                       s_pos[i], s_pos[i + 1])
    right = np.where(same_next, bound, le)
    left = np.zeros(len(s_edge))
    left[1:] = np.where(same_next[:-1], bound[:-1], 0.0)
    rest = budget - s_extra
    a = np.maximum(left, s_pos - rest)
    b = np.minimum(right, s_pos + rest)
    return _merge(s_owner, s_edge, a, b)


def _merge(fi: np.ndarray, e: np.ndarray, a: np.ndarray,
           b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Drop empty intervals and merge overlapping ones per (facility, edge)."""
    ok = b - a > EPS_M
    fi, e, a, b = fi[ok], e[ok], a[ok], b[ok]
    if len(fi) == 0:
        return fi, e, a, b
    order = np.lexsort((a, e, fi))
    fi, e, a, b = fi[order], e[order], a[order], b[order]
    group_start = np.ones(len(fi), dtype=bool)
    group_start[1:] = (fi[1:] != fi[:-1]) | (e[1:] != e[:-1])
    gid = np.cumsum(group_start) - 1
    # running maximum of the end within each group (offset groups so one cummax serves all)
    shift = gid * (float(b.max()) + 1.0)
    run_end = np.maximum.accumulate(b + shift) - shift
    new = group_start.copy()
    new[1:] |= a[1:] > run_end[:-1] + EPS_M
    start = np.flatnonzero(new)
    return fi[start], e[start], a[start], np.maximum.reduceat(b, start)


def _assemble(network: WalkNetwork, owner: np.ndarray, edge: np.ndarray, a: np.ndarray,
              b: np.ndarray, *, k: int) -> np.ndarray:
    """One MultiLineString per facility (0..k-1) from its intervals."""
    _u, _v, length = edge_arrays(network)
    geoms = network.edges.geometry.to_numpy()
    pieces = geoms[edge].copy()
    partial = np.flatnonzero((a > EPS_M) | (b < length[edge] - EPS_M))
    for i in partial:  # shapely has no vectorised substring; only cut edges pass through here
        pieces[i] = substring(geoms[edge[i]], float(a[i]), float(b[i]))
    out = np.array([shapely.MultiLineString()] * k, dtype=object)
    if len(pieces):
        present, dense = np.unique(owner, return_inverse=True)
        order = np.argsort(dense, kind="stable")
        out[present] = shapely.multilinestrings(pieces[order], indices=dense[order])
    return out


__all__ = ["service_areas"]
