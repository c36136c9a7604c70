"""Boundary adjustment proposals with a household floor AND ceiling.

Why not spopt's max-p or AZP: max-p guarantees only a floor per region (any region may grow past
the ceiling), and AZP fixes the number of regions rather than a band. Planning bands are two-sided
(Taizhou: urban 2000-3000 households, high-rise up to 5000, rural 1000-1500), so this module uses
its own method that enforces both bounds and contiguity, and says so when no proposal exists:

1. Compounds are joined by a contiguity graph: the Delaunay triangulation of their points within
   a sub-district and urban/rural type, without links longer than ``max_link_m``.
2. An oversized community is split into k parts (k from ceil(H / max) up), cutting the compounds
   ordered along a direction (its principal axis, then 0°, 45°, 90°, 135°) with an exact dynamic
   programme that keeps every part inside the band; a cut is kept only if every part is
   contiguous. Failing that, its border compounds move to adjacent same-type communities with room.
3. An undersized community merges with the adjacent same-type community of its sub-district that
   gives a total inside the band (nearest to the band's middle); failing that, it takes border
   compounds from a neighbour that stays inside the band.
4. Every proposal is checked (band, contiguity, one sub-district, one type, compounds whole,
   household total unchanged); a community with no valid proposal is reported with the reason.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import networkx as nx
import numpy as np
import shapely
from scipy.spatial import Delaunay

Band = tuple[int, int]


def contiguity_graph(points: np.ndarray, ids: list[str], *, max_link_m: float) -> nx.Graph:
    """Delaunay graph of compound points without links longer than ``max_link_m`` metres."""
    g = nx.Graph()
    g.add_nodes_from(ids)
    if len(ids) == 2:
        if np.hypot(*(points[0] - points[1])) <= max_link_m:
            g.add_edge(ids[0], ids[1])
    elif len(ids) > 2:
        try:
            tri = Delaunay(points)
        except Exception:  # collinear points (qhull): chain them in order along the line
            order = np.argsort(points[:, 0] + points[:, 1])
            for a, b in itertools.pairwise(order):
                if np.hypot(*(points[a] - points[b])) <= max_link_m:
                    g.add_edge(ids[a], ids[b])
            return g
        for s in tri.simplices:
            for a, b in ((s[0], s[1]), (s[1], s[2]), (s[0], s[2])):
                if np.hypot(*(points[a] - points[b])) <= max_link_m:
                    g.add_edge(ids[a], ids[b])
    return g


def _connected(g: nx.Graph, nodes: list[str]) -> bool:
    return len(nodes) > 0 and nx.is_connected(g.subgraph(nodes))


def _cuts(values: np.ndarray, k: int, band: Band) -> list[int] | None:
    """Exact DP: cut the ordered ``values`` into k consecutive parts with sums inside ``band``,
    minimising the largest distance of a part from the band's middle; None if impossible."""
    lo, hi = band
    mid = (lo + hi) / 2
    n = len(values)
    pre = np.concatenate([[0], np.cumsum(values)])
    best = {(0, 0): (0.0, [])}
    for parts in range(1, k + 1):
        for j in range(parts, n + 1):
            cand = None
            for i in range(parts - 1, j):
                prev = best.get((i, parts - 1))
                if prev is None:
                    continue
                s = pre[j] - pre[i]
                if lo <= s <= hi:
                    score = max(prev[0], abs(s - mid))
                    if cand is None or score < cand[0]:
                        cand = (score, [*prev[1], j])
            if cand is not None:
                best[(j, parts)] = cand
    got = best.get((n, k))
    return got[1] if got else None


def split_community(ids: list[str], xy: np.ndarray, households: np.ndarray, band: Band,
                    graph: nx.Graph) -> list[list[str]] | None:
    """Split into contiguous parts inside ``band`` (see module doc), or None."""
    total = households.sum()
    k_min = max(2, math.ceil(total / band[1]))
    k_max = max(k_min, math.floor(total / band[0]))
    centred = xy - xy.mean(axis=0)
    dirs = []
    if len(ids) > 1:
        _u, _s, vt = np.linalg.svd(centred, full_matrices=False)
        dirs.append(vt[0])
    dirs += [np.array([math.cos(a), math.sin(a)]) for a in np.deg2rad([0, 45, 90, 135])]
    for k in range(k_min, k_max + 1):
        for d in dirs:
            order = np.argsort(centred @ d, kind="stable")
            cuts = _cuts(households[order], k, band)
            if cuts is None:
                continue
            parts = [[ids[i] for i in order[a:b]] for a, b in zip([0, *cuts[:-1]], cuts, strict=True)]
            if all(_connected(graph, p) for p in parts):
                return parts
    return None


def transfer(donor: list[str], recipient: list[str], h: dict[str, int], graph: nx.Graph, *,
             donor_band: Band, recipient_band: Band, goal: Callable[[int, int], bool]
             ) -> tuple[list[str], list[str]] | None:
    """Move border compounds from ``donor`` to ``recipient`` one at a time (each move keeps both
    contiguous and the donor above its floor) until ``goal(donor_total, recipient_total)``."""
    donor, recipient = list(donor), list(recipient)
    for _ in range(len(donor)):
        dt = sum(h[c] for c in donor)
        rt = sum(h[c] for c in recipient)
        if goal(dt, rt):
            return donor, recipient
        border = sorted({c for c in donor for nb in graph.neighbors(c) if nb in recipient},
                        key=lambda c: (h[c], c))
        feasible = [c for c in border
                    if dt - h[c] >= donor_band[0] and rt + h[c] <= recipient_band[1]
                    and _connected(graph, [x for x in donor if x != c])]
        # a move that reaches the goal (the smallest such) beats progress (the largest move)
        finishing = [c for c in feasible if goal(dt - h[c], rt + h[c])]
        pick = finishing[0] if finishing else (feasible[-1] if feasible else None)
        moved = pick is not None
        if moved:
            donor = [x for x in donor if x != pick]
            recipient = [*recipient, pick]
        if not moved:
            return None
    dt, rt = sum(h[c] for c in donor), sum(h[c] for c in recipient)
    return (donor, recipient) if goal(dt, rt) else None


def voronoi_cells(points: shapely.MultiPoint, ids: list[str], extent: shapely.Geometry) -> dict[str, shapely.Geometry]:
    """Voronoi cell of every compound point, clipped to ``extent``."""
    cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=extent))
    out = {}
    tree = shapely.STRtree(cells)
    for pid, pt in zip(ids, shapely.get_parts(points), strict=True):
        hit = tree.query(pt, predicate="intersects")
        out[pid] = shapely.intersection(cells[hit[0]], extent) if len(hit) else shapely.Polygon()
    return out


__all__ = ["contiguity_graph", "split_community", "transfer", "voronoi_cells"]
