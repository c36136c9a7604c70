"""Shortest walking distances over the network, exact at partial edges.

The hot path runs on ``scipy.sparse.csgraph.dijkstra`` (compiled, over the CSR matrix the network
builds once) rather than networkx: one call per category for nearest-facility distances, and
chunked multi-row calls for origin-destination matrices. Points sit *on* edges: a source at
``offset_m`` along edge (u, v) of length L enters the graph through a virtual node joined one way
to ``u`` (cost offset) and to ``v`` (cost L - offset), so no path can pass through it; a target on
edge (u, v) is reached at ``min(d[u] + offset, d[v] + L - offset)``; a source and a target on the
same edge also get the direct ``|offset_s - offset_t|``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

if TYPE_CHECKING:
    from gis_planner.network.graph import WalkNetwork

#: Most rows (destinations) of one Dijkstra call in :func:`od_costs`.
OD_CHUNK_ROWS = 64
#: Cap on the cells of the dense (rows x nodes) and (rows x origins) blocks of one call, so that
#: memory stays bounded (~100 MB per block) whatever the network size.
OD_CHUNK_CELLS = 12_000_000


def edge_arrays(network: WalkNetwork) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(u, v, length_m)`` of every edge as arrays (int64 node positions, float metres),
    built once per network and cached on it."""
    if "edge_arrays" not in network._cache:
        e = network.edges
        network._cache["edge_arrays"] = (
            e["u"].to_numpy(np.int64), e["v"].to_numpy(np.int64), e["length_m"].to_numpy(float)
        )
    return network._cache["edge_arrays"]


def _on_network(snapped: pd.DataFrame | SnappedPoints) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions, edges and offsets of the snapped rows (``edge >= 0``)."""
    if isinstance(snapped, SnappedPoints):
        return snapped.pos, snapped.edge, snapped.off
    edge = snapped["edge"].to_numpy(np.int64)
    pos = np.flatnonzero(edge >= 0)
    return pos, edge[pos], snapped["offset_m"].to_numpy(float)[pos]


class SnappedPoints(NamedTuple):
    """Snapped points as arrays (see :func:`snapped_arrays`), prepared once and reused, e.g.
    for every category of a reach run. Accepted wherever a snap frame is."""

    n: int  # rows of the snapped frame, snapped or not
    pos: np.ndarray  # positions of the snapped rows
    edge: np.ndarray
    off: np.ndarray  # metres from the edge's u end
    u: np.ndarray  # the edge's end nodes
    v: np.ndarray
    rest: np.ndarray  # metres to the edge's v end


def snapped_arrays(network: WalkNetwork, snapped: pd.DataFrame | SnappedPoints) -> SnappedPoints:
    """The snapped rows of a :func:`~gis_planner.network.snap.snap_points` frame as arrays.

    Returns
    -------
    SnappedPoints
        ``n`` (rows of the frame, snapped or not), ``pos`` (positions of the snapped rows),
        ``edge``, ``off`` (metres from the edge's ``u`` end), ``u``, ``v`` (the edge's end
        nodes) and ``rest`` (metres to the ``v`` end), one entry per snapped row.
    """
    if isinstance(snapped, SnappedPoints):
        return snapped
    u, v, length = edge_arrays(network)
    pos, edge, off = _on_network(snapped)
    return SnappedPoints(len(snapped), pos, edge, off, u[edge], v[edge], length[edge] - off)


def graph_with_sources(network: WalkNetwork, groups: np.ndarray, edges: np.ndarray,
                       offsets: np.ndarray, n_groups: int) -> sp.csr_matrix:
    """The network's CSR with ``n_groups`` virtual source nodes appended (positions
    ``n_nodes + g``).

    Virtual node ``g`` links one way to both ends of the edge of every source ``i`` with
    ``groups[i] == g`` (costs ``offsets[i]`` metres to ``u`` and ``length - offsets[i]`` to
    ``v``; the cheapest link per end node is kept), so a Dijkstra from it is exact at the
    sources' partial edges and no path passes through a virtual node.
    """
    u, v, length = edge_arrays(network)
    n = network.n_nodes
    rows = np.concatenate([groups, groups])
    cols = np.concatenate([u[edges], v[edges]])
    w = np.concatenate([offsets, length[edges] - offsets])
    # keep the minimum weight per (row, col): sort descending so the last (smallest) wins
    order = np.lexsort((-w, cols, rows))
    rows, cols, w = rows[order], cols[order], w[order]
    last = np.ones(len(rows), dtype=bool)
    last[:-1] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    # a zero-cost link must survive as an explicit entry: csgraph treats stored zeros as absent
    # edges, so use the smallest positive float instead (below any distance we report)
    w = np.maximum(w[last], np.finfo(float).tiny)
    rows, cols = rows[last], cols[last]
    # stack the base rows (unchanged) over the virtual rows without a sparse addition: the
    # virtual nodes have outgoing links only, so no base row gains a column; the links are
    # sorted by (row, col), which is CSR order already
    base = network.csr()
    extra_ptr = np.cumsum(np.bincount(rows, minlength=n_groups))
    indptr = np.concatenate([base.indptr, base.indptr[-1] + extra_ptr]).astype(base.indptr.dtype)
    indices = np.concatenate([base.indices, cols.astype(base.indices.dtype)])
    m = sp.csr_matrix((np.concatenate([base.data, w]), indices, indptr),
                      shape=(n + n_groups, n + n_groups))
    m.has_sorted_indices = True
    return m


def node_distances(network: WalkNetwork, snapped: pd.DataFrame, *, cutoff_m: float) -> np.ndarray:
    """Metres from the nearest snapped source to every node (``inf`` beyond ``cutoff_m``).

    One multi-source Dijkstra (compiled, scipy) from a virtual node joined one way to both ends
    of every source's edge, so the partial edge from each source to its edge's ends is exact.

    Parameters
    ----------
    snapped
        Output of :func:`gis_planner.network.snap.snap_points` for the sources; rows with
        ``edge == -1`` are ignored.
    cutoff_m
        Search limit in metres (inclusive).

    Returns
    -------
    numpy.ndarray
        Float metres, one per node (``network.nodes`` order); ``inf`` for nodes farther than
        ``cutoff_m`` or when no source is snapped.
    """
    _pos, edges, offsets = _on_network(snapped)
    n = network.n_nodes
    if len(edges) == 0:
        return np.full(n, np.inf)
    graph = graph_with_sources(network, np.zeros(len(edges), dtype=np.int64), edges, offsets, 1)
    dist = dijkstra(graph, directed=True, indices=n, limit=cutoff_m)
    return dist[:n]


def point_distances(
    network: WalkNetwork, sources: pd.DataFrame, targets: pd.DataFrame, *, cutoff_m: float
) -> np.ndarray:
    """Metres from each snapped target to its nearest snapped source (``inf`` beyond the cutoff
    or when either is not snapped); one multi-source Dijkstra."""
    d_node = node_distances(network, sources, cutoff_m=cutoff_m)
    return distances_from_nodes(network, d_node, sources, targets, cutoff_m=cutoff_m)


def distances_from_nodes(network: WalkNetwork, d_node: np.ndarray,
                         sources: pd.DataFrame | SnappedPoints,
                         targets: pd.DataFrame | SnappedPoints, *, cutoff_m: float) -> np.ndarray:
    """Metres from each target to its nearest source, given the sources' node distances.

    Parameters
    ----------
    d_node
        Output of :func:`node_distances` for ``sources``.
    sources, targets
        Snap frames (or :class:`SnappedPoints`) of the sources and the targets.
    cutoff_m
        Search limit in metres (inclusive), the one ``d_node`` was computed with.

    Returns
    -------
    numpy.ndarray
        One value per row of ``targets``: the shorter way through either end of its edge, or
        directly along the edge from a source on the same edge; ``inf`` beyond ``cutoff_m`` or
        when not snapped.
    """
    t = snapped_arrays(network, targets)
    out = np.full(t.n, np.inf)
    if len(t.pos) == 0:
        return out
    best = np.minimum(d_node[t.u] + t.off, d_node[t.v] + t.rest)
    _s_pos, s_edge, s_off = _on_network(sources)
    if len(s_edge):
        direct = _same_edge_min(network, t.edge, t.off, s_edge, s_off)
        best = np.minimum(best, direct)
    best[best > cutoff_m] = np.inf
    out[t.pos] = best
    return out


def _same_edge_min(network: WalkNetwork, t_edge: np.ndarray, t_off: np.ndarray,
                   s_edge: np.ndarray, s_off: np.ndarray) -> np.ndarray:
    """For each target, min |t_off - s_off| over sources on the same edge (inf if none)."""
    result = np.full(len(t_edge), np.inf)
    has_source = np.zeros(network.n_edges, dtype=bool)
    has_source[s_edge] = True
    shared = np.flatnonzero(has_source[t_edge])
    if len(shared) == 0:
        return result
    order = np.lexsort((s_off, s_edge))
    se, so = s_edge[order], s_off[order]
    te, to = t_edge[shared], t_off[shared]
    # sources on edge e occupy se[lo:hi], sorted by offset: the nearest is at the insertion point
    lo = np.searchsorted(se, te, side="left")
    hi = np.searchsorted(se, te, side="right")
    # search offsets within each edge block by shifting offsets per edge into disjoint ranges
    span = float(max(so.max(), to.max()) + 1.0)
    s_key = se * span + so
    t_key = te * span + to
    ins = np.searchsorted(s_key, t_key)
    best = np.full(len(te), np.inf)
    for cand in (ins - 1, ins):
        ok = (cand >= lo) & (cand < hi)
        c = np.where(ok, cand, 0)
        d = np.abs(so[c] - to)
        best = np.where(ok, np.minimum(best, d), best)
    result[shared] = best
    return result


def _block_pairs(network: WalkNetwork, o: SnappedPoints, d_edge: np.ndarray, d_off: np.ndarray,
                 cutoff_m: float) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(origin, destination, metres) pairs within the cut-off through the edge ends: limited
    Dijkstra over the whole graph from blocks of destinations (dense rows x nodes blocks; used
    only where the straight-line bound of :func:`_local_pairs` does not hold)."""
    n = network.n_nodes
    graph = graph_with_sources(network, np.arange(len(d_edge)), d_edge, d_off, len(d_edge))
    rows_per_call = max(1, min(OD_CHUNK_ROWS,
                               OD_CHUNK_CELLS // max(n + len(d_edge), len(o.pos), 1)))
    for start in range(0, len(d_edge), rows_per_call):
        stop = min(start + rows_per_call, len(d_edge))
        dist = dijkstra(graph, directed=True, indices=np.arange(start, stop) + n,
                        limit=cutoff_m)[:, :n]
        # only origins on an edge with a reached end can be within the cut-off
        reached = np.isfinite(dist).any(axis=0)
        cand = np.flatnonzero(reached[o.u] | reached[o.v])
        best = np.minimum(dist[:, o.u[cand]] + o.off[cand], dist[:, o.v[cand]] + o.rest[cand])
        r_idx, c_idx = np.nonzero(best <= cutoff_m)
        yield cand[c_idx], r_idx + start, best[r_idx, c_idx]


def _node_xy(network: WalkNetwork) -> np.ndarray:
    if "node_xy" not in network._cache:
        network._cache["node_xy"] = shapely.get_coordinates(network.nodes.geometry.to_numpy())
    return network._cache["node_xy"]


def _snapped_xy(network: WalkNetwork, snapped: pd.DataFrame | SnappedPoints, pos: np.ndarray,
                edge: np.ndarray, off: np.ndarray) -> np.ndarray:
    """Coordinates of the snapped points (the projected point on the edge)."""
    if isinstance(snapped, pd.DataFrame) and {"x", "y"} <= set(snapped.columns):
        xy = snapped[["x", "y"]].to_numpy(float)[pos]
        if np.isfinite(xy).all():
            return xy
    geoms = network.edges.geometry.to_numpy()[edge]
    return shapely.get_coordinates(shapely.line_interpolate_point(geoms, off))


def _edge_chords(network: WalkNetwork) -> tuple[float, float, float]:
    """(largest excess of an edge's end-to-end straight line over its length, shortest edge,
    smallest length / straight-line ratio capped at 1), metres; cached on the network.

    Lengths come from the geometries, whose ends sit on the nodes up to the rounding of node
    coordinates, so the excess is a few millimetres; a network whose stated lengths are
    shorter than the straight line has a ratio below 1.
    """
    if "edge_chords" not in network._cache:
        u, v, length = edge_arrays(network)
        xy = _node_xy(network)
        chord = np.hypot(*(xy[u] - xy[v]).T)
        excess = float(np.max(chord - length, initial=0.0))
        ratio = np.divide(length, chord, out=np.full(len(u), np.inf), where=chord > 0)
        network._cache["edge_chords"] = (max(excess, 0.0), float(length.min(initial=np.inf)),
                                         float(min(1.0, ratio.min(initial=np.inf))))
    return network._cache["edge_chords"]


def _ball_radius_m(network: WalkNetwork, d_edge: np.ndarray, d_off: np.ndarray, d_xy: np.ndarray,
                   cutoff_m: float) -> float:
    """Straight-line radius around every destination that holds every node within
    ``cutoff_m`` network metres of it (inf when no finite radius is guaranteed).

    A walk from a destination to a node leaves along a partial edge (straight line at most its
    length plus ``part_excess``) and then follows at most ``cutoff_m / shortest`` whole edges,
    each spanning a straight line of at most its length plus ``excess``: radius
    ``cutoff_m + part_excess + excess * cutoff_m / shortest``. Where lengths are shorter than
    the straight line (ratio ``k`` < 1), ``cutoff_m / k + part_excess`` holds as well; the
    smaller radius is used.
    """
    u, v, length = edge_arrays(network)
    xy = _node_xy(network)
    ends = np.concatenate([u[d_edge], v[d_edge]])
    part = np.concatenate([d_off, length[d_edge] - d_off])
    chord = np.hypot(*(np.vstack([d_xy, d_xy]) - xy[ends]).T)
    part_excess = max(0.0, float(np.max(chord - part, initial=0.0)))
    excess, shortest, k = _edge_chords(network)
    by_steps = (cutoff_m + part_excess + excess * (cutoff_m / shortest + 1)
                if shortest > 0 else np.inf)
    by_ratio = cutoff_m / k + part_excess if k > 0 else np.inf
    radius = min(by_steps, by_ratio)
    # relative and absolute margins for the rounding of the sums above
    return radius * (1 + 1e-9) + 1e-6 if np.isfinite(radius) else np.inf


def _separated_pairs(network: WalkNetwork, o: SnappedPoints, d_edge: np.ndarray, d_off: np.ndarray, *,
                     d_xy: np.ndarray, radius_m: float,
                     cutoff_m: float) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(origin, destination, metres) pairs within the cut-off through the edge ends, from one
    limited multi-source Dijkstra per group of mutually distant destinations
    (:func:`_group_searches`)."""
    n = network.n_nodes
    for _members, dist, source in _group_searches(network, d_edge, d_off, d_xy=d_xy,
                                                  radius_m=radius_m, cutoff_m=cutoff_m):
        reached = np.isfinite(dist[:n])
        cand = np.flatnonzero(reached[o.u] | reached[o.v])
        for end, extra in ((o.u[cand], o.off[cand]), (o.v[cand], o.rest[cand])):
            val = dist[end] + extra
            keep = val <= cutoff_m
            yield cand[keep], source[end[keep]] - n, val[keep]


def _group_searches(network: WalkNetwork, d_edge: np.ndarray, d_off: np.ndarray, *,
                    d_xy: np.ndarray, radius_m: float,
                    cutoff_m: float) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(destinations, node metres, source) of one limited multi-source Dijkstra per group of
    mutually distant destinations; ``source`` is ``n_nodes + destination`` (-9999 where
    unreached).

    Every node within ``cutoff_m`` of a destination lies within ``radius_m`` (straight line)
    of it. Destinations more than ``2 * radius_m`` apart therefore never reach the same node
    within the cut-off, so one multi-source search (``min_only``, labelled with the source)
    over such a group gives every destination's own distances exactly. Each search holds one
    row of node distances: nothing is allocated per destination, no dense destinations x
    nodes block. The groups come from a greedy colouring of the destinations closer than
    ``2 * radius_m``; their number is about the most destinations within that distance of
    one another.
    """
    n = network.n_nodes
    graph = graph_with_sources(network, np.arange(len(d_edge)), d_edge, d_off, len(d_edge))
    group = _separated_groups(d_xy, 2.0 * radius_m)
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.r_[True, group[order][1:] != group[order][:-1], True])
    for lo, hi in itertools.pairwise(bounds):
        members = order[lo:hi]
        dist, _pred, source = dijkstra(graph, directed=True, indices=members + n, limit=cutoff_m,
                                       min_only=True, return_predecessors=True)
        yield members, dist, source


def _same_edge_pairs(o_edge: np.ndarray, d_edge: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (origin, destination) pair of positions on the same edge (an inner join on the
    edge, by sorting)."""
    o_order = np.argsort(o_edge, kind="stable")
    d_order = np.argsort(d_edge, kind="stable")
    o_sorted, d_sorted = o_edge[o_order], d_edge[d_order]
    lo = np.searchsorted(o_sorted, d_sorted, side="left")
    count = np.searchsorted(o_sorted, d_sorted, side="right") - lo
    total = int(count.sum())
    first = np.repeat(np.cumsum(count) - count, count)
    oi = o_order[np.repeat(lo, count) + (np.arange(total) - first)]
    return oi, np.repeat(d_order, count)


def counts_within(
    network: WalkNetwork,
    origins_snapped: pd.DataFrame | SnappedPoints,
    destinations_snapped: pd.DataFrame,
    *,
    cutoff_m: float,
    origin_extra_m: np.ndarray | None = None,
) -> np.ndarray:
    """Number of destinations within ``cutoff_m`` of each origin: the row counts of
    :func:`od_costs` (entries with ``cost + origin_extra_m <= cutoff_m``), without building it.

    Each group search of :func:`_group_searches` labels a node with at most one destination,
    so an origin gets at most two candidates per group (through its edge's two ends, one if
    both ends carry the same destination) plus the destinations on its own edge: counted in
    place, with no pair list, no sort and no matrix.

    Parameters
    ----------
    origins_snapped, destinations_snapped
        Outputs of :func:`gis_planner.network.snap.snap_points` (or :class:`SnappedPoints` for
        the origins); rows with ``edge == -1`` count 0.
    cutoff_m
        Largest distance counted, metres (inclusive).
    origin_extra_m
        Metres added to every distance from each origin (e.g. a walk to the gate), one per row
        of ``origins_snapped``; default 0.

    Returns
    -------
    numpy.ndarray
        int64 count per row of ``origins_snapped``.
    """
    d_pos, d_edge, d_off = _on_network(destinations_snapped)
    o = snapped_arrays(network, origins_snapped)
    counts = np.zeros(o.n, dtype=np.int64)
    if len(d_pos) == 0 or len(o.pos) == 0:
        return counts
    extra = (np.zeros(len(o.pos)) if origin_extra_m is None
             else np.asarray(origin_extra_m, float)[o.pos])
    d_xy = _snapped_xy(network, destinations_snapped, d_pos, d_edge, d_off)
    radius_m = _ball_radius_m(network, d_edge, d_off, d_xy, cutoff_m)
    if not np.isfinite(radius_m):  # no straight-line bound: count the pairs of od_costs
        od = od_costs(network, o, destinations_snapped, cutoff_m=cutoff_m).tocoo()
        extra_all = np.zeros(o.n) if origin_extra_m is None else np.asarray(origin_extra_m, float)
        keep = od.data + extra_all[od.row] <= cutoff_m
        return np.bincount(od.row[keep], minlength=o.n).astype(np.int64)
    n = network.n_nodes
    # pairs on the same edge: the direct along-edge distance, by destination group below
    s_oi, s_dk = _same_edge_pairs(o.edge, d_edge)
    s_ok = np.abs(o.off[s_oi] - d_off[s_dk]) + extra[s_oi] <= cutoff_m
    s_oi, s_dk = s_oi[s_ok], s_dk[s_ok]
    in_group = np.zeros(len(d_edge), dtype=np.int64)
    local = np.zeros(len(o.pos), dtype=np.int64)
    for g, (members, dist, source) in enumerate(_group_searches(
            network, d_edge, d_off, d_xy=d_xy, radius_m=radius_m, cutoff_m=cutoff_m)):
        reached = np.isfinite(dist[:n])
        cand = np.flatnonzero(reached[o.u] | reached[o.v])
        su, sv = source[o.u[cand]], source[o.v[cand]]
        ok_u = dist[o.u[cand]] + o.off[cand] + extra[cand] <= cutoff_m
        ok_v = dist[o.v[cand]] + o.rest[cand] + extra[cand] <= cutoff_m
        add = ok_u.astype(np.int64) + (ok_v & ~(ok_u & (su == sv)))
        local += np.bincount(cand, weights=add, minlength=len(o.pos)).astype(np.int64)
        # same-edge pairs of this group's destinations not already counted through an end
        in_group[members] = g + 1
        sel = np.flatnonzero(in_group[s_dk] == g + 1)
        oi, dk = s_oi[sel], s_dk[sel]
        via_end = (((source[o.u[oi]] == dk + n)
                    & (dist[o.u[oi]] + o.off[oi] + extra[oi] <= cutoff_m))
                   | ((source[o.v[oi]] == dk + n)
                      & (dist[o.v[oi]] + o.rest[oi] + extra[oi] <= cutoff_m)))
        local += np.bincount(oi[~via_end], minlength=len(o.pos))
    counts[o.pos] = local
    return counts


def _separated_groups(xy: np.ndarray, separation_m: float) -> np.ndarray:
    """Group of every point such that two points of one group are more than ``separation_m``
    apart (greedy colouring: each point takes the lowest group no nearer point holds)."""
    near = cKDTree(xy).query_ball_point(xy, r=separation_m)
    group = np.full(len(xy), -1, dtype=np.int64)
    for i, others in enumerate(near):
        taken = {int(group[j]) for j in others if group[j] >= 0}
        g = 0
        while g in taken:
            g += 1
        group[i] = g
    return group


def od_costs(
    network: WalkNetwork,
    origins_snapped: pd.DataFrame | SnappedPoints,
    destinations_snapped: pd.DataFrame,
    *,
    cutoff_m: float,
) -> sp.csr_matrix:
    """Sparse origin x destination matrix of network metres, only pairs within ``cutoff_m``.

    Package convention for sparse costs: a stored entry is a pair within reach (an exact 0 is
    stored explicitly), a missing entry is out of reach.

    Destinations far enough apart never reach the same node within the cut-off (see
    :func:`_ball_radius_m`), so they share one limited multi-source Dijkstra labelled with the
    source (:func:`_separated_pairs`): one row of node distances per group of distant
    destinations, nothing per destination. Where no straight-line bound holds (stated lengths
    far below the straight line), limited Dijkstra runs from blocks of at most
    :data:`OD_CHUNK_ROWS` destinations (fewer on large networks, see :data:`OD_CHUNK_CELLS`).

    Parameters
    ----------
    origins_snapped, destinations_snapped
        Outputs of :func:`gis_planner.network.snap.snap_points`; rows with ``edge == -1`` get no
        entries (out of reach of everything).
    cutoff_m
        Largest network distance kept, metres (inclusive).

    Returns
    -------
    scipy.sparse.csr_matrix
        Shape (len(origins_snapped), len(destinations_snapped)), float metres, in the row and
        column order of the two frames; the distance runs from the origin's position on its edge
        to the destination's position on its edge (partial edges at both ends; two points on the
        same edge also get the direct ``|offset difference|``). The network is undirected, so
        the matrix of the reverse direction is the transpose.
    """
    d_pos, d_edge, d_off = _on_network(destinations_snapped)
    o = snapped_arrays(network, origins_snapped)
    n_o, n_d = o.n, len(destinations_snapped)
    rows_all: list[np.ndarray] = []
    cols_all: list[np.ndarray] = []
    vals_all: list[np.ndarray] = []
    if len(d_pos) and len(o.pos):
        # origin/destination pairs on the same edge also get the direct along-edge distance
        s_oi, s_dk = _same_edge_pairs(o.edge, d_edge)
        s_dist = np.abs(o.off[s_oi] - d_off[s_dk])
        near = s_dist <= cutoff_m
        rows_all.append(o.pos[s_oi[near]])
        cols_all.append(d_pos[s_dk[near]])
        vals_all.append(s_dist[near])
        d_xy = _snapped_xy(network, destinations_snapped, d_pos, d_edge, d_off)
        radius_m = _ball_radius_m(network, d_edge, d_off, d_xy, cutoff_m)
        pairs = (_separated_pairs(network, o, d_edge, d_off, d_xy=d_xy, radius_m=radius_m,
                                          cutoff_m=cutoff_m)
                 if np.isfinite(radius_m) else _block_pairs(network, o, d_edge, d_off, cutoff_m))
        for oi, dk, dist in pairs:
            rows_all.append(o.pos[oi])
            cols_all.append(d_pos[dk])
            vals_all.append(dist)
    rows = np.concatenate(rows_all).astype(np.int64) if rows_all else np.zeros(0, np.int64)
    cols = np.concatenate(cols_all).astype(np.int64) if cols_all else np.zeros(0, np.int64)
    vals = np.concatenate(vals_all) if vals_all else np.zeros(0)
    # a pair found more than once (along the shared edge, through either end) keeps the
    # smallest distance: one sort of a single (row, column) key, then a minimum per key
    key = rows * max(n_d, 1) + cols
    order = np.argsort(key)
    key, vals = key[order], vals[order]
    start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, int)
    if len(key):
        vals = np.minimum.reduceat(vals, start)
        key = key[start]
    rows, cols = np.divmod(key, max(n_d, 1))
    vals = np.where(vals < 1e-9, 0.0, vals)  # undo the tiny positive stand-in for zero links
    # (row, column) order is CSR order: build the matrix from its parts, explicit zeros kept
    indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=n_o))]
    m = sp.csr_matrix((vals, cols, indptr), shape=(n_o, n_d))
    m.has_sorted_indices = True
    return m


__all__ = [
    "SnappedPoints",
    "counts_within",
    "distances_from_nodes",
    "edge_arrays",
    "graph_with_sources",
    "node_distances",
    "od_costs",
    "point_distances",
    "snapped_arrays",
]
