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

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

if TYPE_CHECKING:
    from gis_planner.network.graph import WalkNetwork

#: Most rows (destinations) of one Dijkstra call in :func:`od_costs`.
OD_CHUNK_ROWS = 64
#: Cap on the cells of the dense (rows x nodes) and (rows x origins) blocks of one call, so that
#: memory stays bounded (~100 MB per block) whatever the network size.
OD_CHUNK_CELLS = 12_000_000


def _edge_arrays(network: WalkNetwork) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if "edge_arrays" not in network._cache:
        e = network.edges
        network._cache["edge_arrays"] = (
            e["u"].to_numpy(np.int64), e["v"].to_numpy(np.int64), e["length_m"].to_numpy(float)
        )
    return network._cache["edge_arrays"]


def _on_network(snapped: pd.DataFrame | _Points) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions, edges and offsets of the snapped rows (``edge >= 0``)."""
    if isinstance(snapped, _Points):
        return snapped.pos, snapped.edge, snapped.off
    edge = snapped["edge"].to_numpy(np.int64)
    pos = np.flatnonzero(edge >= 0)
    return pos, edge[pos], snapped["offset_m"].to_numpy(float)[pos]


class _Points(NamedTuple):
    """Snapped points as arrays, prepared once and reused for every category."""

    n: int  # rows of the snapped frame, snapped or not
    pos: np.ndarray  # positions of the snapped rows
    edge: np.ndarray
    off: np.ndarray  # metres from the edge's u end
    u: np.ndarray  # the edge's end nodes
    v: np.ndarray
    rest: np.ndarray  # metres to the edge's v end


def _points(network: WalkNetwork, snapped: pd.DataFrame | _Points) -> _Points:
    """Arrays of the snapped rows of ``snapped`` (output of ``snap_points``)."""
    if isinstance(snapped, _Points):
        return snapped
    u, v, length = _edge_arrays(network)
    pos, edge, off = _on_network(snapped)
    return _Points(len(snapped), pos, edge, off, u[edge], v[edge], length[edge] - off)


def _augmented(network: WalkNetwork, groups: np.ndarray, edges: np.ndarray,
               offsets: np.ndarray, n_groups: int) -> sp.csr_matrix:
    """CSR with ``n_groups`` virtual nodes appended; virtual node g links one way to the ends of
    the edges of its sources (the cheapest link per end node is kept)."""
    u, v, length = _edge_arrays(network)
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
    graph = _augmented(network, np.zeros(len(edges), dtype=np.int64), edges, offsets, 1)
    dist = dijkstra(graph, directed=True, indices=n, limit=cutoff_m)
    return dist[:n]


def point_distances(
    network: WalkNetwork, sources: pd.DataFrame, targets: pd.DataFrame, *, cutoff_m: float
) -> np.ndarray:
    """Metres from each snapped target to its nearest snapped source (``inf`` beyond the cutoff
    or when either is not snapped); one multi-source Dijkstra."""
    d_node = node_distances(network, sources, cutoff_m=cutoff_m)
    return _targets_from_nodes(network, d_node, sources, targets, cutoff_m=cutoff_m)


def _targets_from_nodes(network: WalkNetwork, d_node: np.ndarray, sources: pd.DataFrame | _Points,
                        targets: pd.DataFrame | _Points, *, cutoff_m: float) -> np.ndarray:
    """Metres from each target to its nearest source given the sources' node distances: through
    either end of the target's edge, or directly along it from a source on the same edge."""
    t = _points(network, targets)
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


def od_costs(
    network: WalkNetwork,
    origins_snapped: pd.DataFrame,
    destinations_snapped: pd.DataFrame,
    *,
    cutoff_m: float,
) -> sp.csr_matrix:
    """Sparse origin x destination matrix of network metres, only pairs within ``cutoff_m``.

    Package convention for sparse costs: a stored entry is a pair within reach (an exact 0 is
    stored explicitly), a missing entry is out of reach. Memory is bounded by computing a block
    of at most :data:`OD_CHUNK_ROWS` destinations (fewer on large networks, see
    :data:`OD_CHUNK_CELLS`) per Dijkstra call.

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
    o = _points(network, origins_snapped)
    n_o, n_d = o.n, len(destinations_snapped)
    n = network.n_nodes
    rows_all: list[np.ndarray] = []
    cols_all: list[np.ndarray] = []
    vals_all: list[np.ndarray] = []
    if len(d_pos) and len(o.pos):
        graph = _augmented(network, np.arange(len(d_pos)), d_edge, d_off, len(d_pos))
        # origin/destination pairs on the same edge also get the direct along-edge distance
        same = pd.merge(
            pd.DataFrame({"edge": o.edge, "oi": np.arange(len(o.edge))}),
            pd.DataFrame({"edge": d_edge, "dk": np.arange(len(d_edge))}),
            on="edge",
        )
        s_oi, s_dk = same["oi"].to_numpy(), same["dk"].to_numpy()
        s_dist = np.abs(o.off[s_oi] - d_off[s_dk])
        near = s_dist <= cutoff_m
        rows_all.append(o.pos[s_oi[near]])
        cols_all.append(d_pos[s_dk[near]])
        vals_all.append(s_dist[near])
        rows_per_call = max(1, min(OD_CHUNK_ROWS,
                                   OD_CHUNK_CELLS // max(n + len(d_pos), len(o.pos), 1)))
        for start in range(0, len(d_pos), rows_per_call):
            stop = min(start + rows_per_call, len(d_pos))
            dist = dijkstra(graph, directed=True, indices=np.arange(start, stop) + n,
                            limit=cutoff_m)[:, :n]
            # only origins on an edge with a reached end can be within the cut-off
            reached = np.isfinite(dist).any(axis=0)
            cand = np.flatnonzero(reached[o.u] | reached[o.v])
            best = np.minimum(dist[:, o.u[cand]] + o.off[cand], dist[:, o.v[cand]] + o.rest[cand])
            r_idx, c_idx = np.nonzero(best <= cutoff_m)
            rows_all.append(o.pos[cand[c_idx]])
            cols_all.append(d_pos[r_idx + start])
            vals_all.append(best[r_idx, c_idx])
    rows = np.concatenate(rows_all) if rows_all else np.zeros(0, np.int64)
    cols = np.concatenate(cols_all) if cols_all else np.zeros(0, np.int64)
    vals = np.concatenate(vals_all) if vals_all else np.zeros(0)
    # a pair found both along the shared edge and through the nodes keeps the smaller distance
    order = np.lexsort((vals, cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    rows, cols, vals = rows[first], cols[first], vals[first]
    vals = np.where(vals < 1e-9, 0.0, vals)  # undo the tiny positive stand-in for zero links
    m = sp.csr_matrix((vals, (rows, cols)), shape=(n_o, n_d))
    m.sort_indices()
    return m
