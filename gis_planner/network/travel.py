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

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

if TYPE_CHECKING:
    from gis_planner.network.graph import WalkNetwork

#: Rows of the dense (sources x nodes) block computed per Dijkstra call in :func:`od_costs`.
OD_CHUNK_ROWS = 64


def _edge_arrays(network: WalkNetwork) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if "edge_arrays" not in network._cache:
        e = network.edges
        network._cache["edge_arrays"] = (
            e["u"].to_numpy(np.int64), e["v"].to_numpy(np.int64), e["length_m"].to_numpy(float)
        )
    return network._cache["edge_arrays"]


def _on_network(snapped: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions, edges and offsets of the snapped rows (``edge >= 0``)."""
    edge = snapped["edge"].to_numpy(np.int64)
    pos = np.flatnonzero(edge >= 0)
    return pos, edge[pos], snapped["offset_m"].to_numpy(float)[pos]


def _augmented(network: WalkNetwork, groups: np.ndarray, edges: np.ndarray,
               offsets: np.ndarray, n_groups: int) -> sp.csr_matrix:
    """CSR with ``n_groups`` virtual nodes appended; virtual node g links one way to the ends of
    the edges of its sources (the cheapest link per end node is kept)."""
    u, v, length = _edge_arrays(network)
    n = network.n_nodes
    rows = np.concatenate([groups, groups]) + n
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
    extra = sp.csr_matrix((w, (rows[last] - n, cols[last])), shape=(n_groups, n + n_groups))
    extra.sort_indices()
    # stack the base rows (unchanged) over the virtual rows without a sparse addition: the
    # virtual nodes have outgoing links only, so no base row gains a column
    base = network.csr()
    indptr = np.concatenate([base.indptr, base.indptr[-1] + extra.indptr[1:]])
    return sp.csr_matrix(
        (np.concatenate([base.data, extra.data]), np.concatenate([base.indices, extra.indices]),
         indptr),
        shape=(n + n_groups, n + n_groups),
    )


def node_distances(network: WalkNetwork, snapped: pd.DataFrame, *, cutoff_m: float) -> np.ndarray:
    """Metres from the nearest snapped source to every node (``inf`` beyond ``cutoff_m``).

    Parameters
    ----------
    snapped
        Output of :func:`gis_planner.network.snap.snap_points` for the sources; rows with
        ``edge == -1`` are ignored.
    cutoff_m
        Search limit in metres (inclusive).
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


def _targets_from_nodes(network: WalkNetwork, d_node: np.ndarray, sources: pd.DataFrame,
                        targets: pd.DataFrame, *, cutoff_m: float) -> np.ndarray:
    u, v, length = _edge_arrays(network)
    out = np.full(len(targets), np.inf)
    t_pos, t_edge, t_off = _on_network(targets)
    if len(t_pos) == 0:
        return out
    via_u = d_node[u[t_edge]] + t_off
    via_v = d_node[v[t_edge]] + (length[t_edge] - t_off)
    best = np.minimum(via_u, via_v)
    _s_pos, s_edge, s_off = _on_network(sources)
    if len(s_edge):
        direct = _same_edge_min(t_edge, t_off, s_edge, s_off)
        best = np.minimum(best, direct)
    best[best > cutoff_m] = np.inf
    out[t_pos] = best
    return out


def _same_edge_min(t_edge: np.ndarray, t_off: np.ndarray, s_edge: np.ndarray,
                   s_off: np.ndarray) -> np.ndarray:
    """For each target, min |t_off - s_off| over sources on the same edge (inf if none)."""
    result = np.full(len(t_edge), np.inf)
    shared = np.isin(t_edge, s_edge)
    if not shared.any():
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
    stored explicitly), a missing entry is out of reach. Memory is bounded by computing
    :data:`OD_CHUNK_ROWS` destinations per Dijkstra call.
    """
    n_o, n_d = len(origins_snapped), len(destinations_snapped)
    d_pos, d_edge, d_off = _on_network(destinations_snapped)
    o_pos, o_edge, o_off = _on_network(origins_snapped)
    u, v, length = _edge_arrays(network)
    n = network.n_nodes
    rows_all: list[np.ndarray] = []
    cols_all: list[np.ndarray] = []
    vals_all: list[np.ndarray] = []
    if len(d_pos) and len(o_pos):
        graph = _augmented(network, np.arange(len(d_pos)), d_edge, d_off, len(d_pos))
        ou, ov = u[o_edge], v[o_edge]
        o_rest = length[o_edge] - o_off
        # origin/destination pairs on the same edge also get the direct along-edge distance
        same = pd.merge(
            pd.DataFrame({"edge": o_edge, "oi": np.arange(len(o_edge))}),
            pd.DataFrame({"edge": d_edge, "dk": np.arange(len(d_edge))}),
            on="edge",
        )
        s_oi, s_dk = same["oi"].to_numpy(), same["dk"].to_numpy()
        s_dist = np.abs(o_off[s_oi] - d_off[s_dk])
        for start in range(0, len(d_pos), OD_CHUNK_ROWS):
            stop = min(start + OD_CHUNK_ROWS, len(d_pos))
            dist = dijkstra(graph, directed=True, indices=np.arange(start, stop) + n,
                            limit=cutoff_m)
            best = np.minimum(dist[:, ou] + o_off, dist[:, ov] + o_rest)
            in_chunk = (s_dk >= start) & (s_dk < stop)
            if in_chunk.any():
                r, c = s_dk[in_chunk] - start, s_oi[in_chunk]
                np.minimum.at(best, (r, c), s_dist[in_chunk])
            r_idx, c_idx = np.nonzero(best <= cutoff_m)
            rows_all.append(o_pos[c_idx])
            cols_all.append(d_pos[r_idx + start])
            vals_all.append(best[r_idx, c_idx])
    rows = np.concatenate(rows_all) if rows_all else np.zeros(0, np.int64)
    cols = np.concatenate(cols_all) if cols_all else np.zeros(0, np.int64)
    vals = np.concatenate(vals_all) if vals_all else np.zeros(0)
    vals = np.where(vals < 1e-9, 0.0, vals)  # undo the tiny positive stand-in for zero links
    m = sp.csr_matrix((vals, (rows, cols)), shape=(n_o, n_d))
    m.sort_indices()
    return m
