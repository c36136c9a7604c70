"""Exact contiguous regionalisation with a household floor AND ceiling, on HiGHS.

The problem: re-group the compounds of a cluster of communities into regions (communities) so
that every region holds between ``L`` and ``U`` households (both inclusive) and is contiguous on
the compound adjacency graph; compounds are never split. Among all such groupings, minimise
lexicographically

1. the number of compounds whose community changes (the plan asks to adjust "carefully",
   审慎推进社区调整);
2. the number of communities (a split creates one only when needed);
3. the number of adjacency links cut by the new boundaries (a compactness proxy: short,
   simple boundaries).

Regions are labelled: one per current community of the cluster (keeping its code) plus
``n_new`` unlabelled slots for split-off communities. Variables: ``x[i,r]`` (compound i in region
r), ``u[r]`` (region r used), ``w[i,r]`` (i is r's root), per-region flows ``f[a->b,r]`` and cut
indicators ``z[e]``. Contiguity uses single-commodity flow constraints per region (Shirabe 2005,
"A model of contiguity for spatial unit allocation", Geographical Analysis 37(1)): every
non-root compound of a region sends one unit of flow, which can only travel along links inside
the region and must be absorbed by the region's root, so a part cut off from the root cannot
exist.

The weights make the objective lexicographic: a moved compound costs ``R + 2`` (more than any
number of regions plus the whole compactness term, which is below 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np

from gis_planner.siting._milp import ModelBuilder


@dataclass(frozen=True)
class RegionProblem:
    """A cluster to re-group.

    Attributes
    ----------
    households
        Households per compound (int >= 0), length n.
    edges
        Undirected adjacency links between compounds, shape (m, 2), positions into ``households``.
    current
        Current community of each compound as a label position 0..``n_labels``-1.
    n_labels
        Number of current communities in the cluster.
    band
        ``(min, max)`` households of every region, inclusive.
    """

    households: np.ndarray
    edges: np.ndarray
    current: np.ndarray
    n_labels: int
    band: tuple[int, int]

    @property
    def n(self) -> int:
        """Number of compounds."""
        return len(self.households)

    def region_range(self) -> tuple[int, int]:
        """Smallest and largest possible number of regions: ceil(H / max), floor(H / min)."""
        return _k_range(int(np.sum(self.households)), self.band)


@dataclass(frozen=True)
class Obstacle:
    """Why a cluster has no valid grouping, found before solving.

    ``kind``: ``compound_over_ceiling`` (``nodes`` = the compounds), ``total_out_of_reach``
    (the cluster total cannot be cut into parts inside the band), ``isolated_group`` (``nodes``
    = a group of compounds with no link to the rest whose total cannot be cut into such parts).
    """

    kind: str
    nodes: tuple[int, ...]
    households: int


@dataclass(frozen=True)
class RegionSolution:
    """Outcome of :func:`solve_regions`.

    ``status``: ``optimal``, ``feasible`` (time limit hit with a solution; not proven best),
    ``infeasible`` (proven: no valid grouping), ``no_solution`` (time limit, none found) or
    ``obstacle`` (see ``obstacle``). ``region``: region position per compound (labels first,
    then new slots) or None.
    """

    status: str
    region: np.ndarray | None
    moved: int
    n_regions: int
    cut_links: int
    gap: float
    runtime_s: float
    obstacle: Obstacle | None = None


ABS_GAP = 0.99


def _k_range(total: int, band: tuple[int, int]) -> tuple[int, int]:
    """(fewest, most) regions for ``total`` households; fewest > most when impossible."""
    lo, hi = band
    if hi <= 0:
        return (1, 1) if total == 0 and lo == 0 else (1, 0)
    k_min = max(1, math.ceil(total / hi))
    k_max = total // lo if lo > 0 else k_min
    return int(k_min), int(k_max)


def find_obstacle(problem: RegionProblem) -> Obstacle | None:
    """A reason the cluster cannot be grouped, from counting alone (no solver), or None."""
    h = np.asarray(problem.households, dtype=np.int64)
    lo, hi = problem.band
    over = np.flatnonzero(h > hi)
    if len(over):
        return Obstacle("compound_over_ceiling", tuple(int(i) for i in over), int(h[over].max()))
    k_min, k_max = problem.region_range()
    if k_min > k_max:
        return Obstacle("total_out_of_reach", tuple(range(problem.n)), int(h.sum()))
    g = nx.Graph()
    g.add_nodes_from(range(problem.n))
    g.add_edges_from(map(tuple, np.asarray(problem.edges, dtype=np.int64).reshape(-1, 2)))
    for comp in sorted(nx.connected_components(g), key=min):
        nodes = sorted(comp)
        total = int(h[nodes].sum())
        a, b = _k_range(total, (lo, hi))
        if a > b:
            return Obstacle("isolated_group", tuple(nodes), total)
    return None


def _build(problem: RegionProblem, *, phase: int, moves_max: int = 0, regions: int = 0,
           anchor_cost: np.ndarray | None = None) -> tuple[ModelBuilder, np.ndarray]:
    """The model; phase 1 minimises moves, then regions, then cut links (weights); phase 2
    fixes moves <= ``moves_max`` and ``regions`` and minimises ``anchor_cost`` (n x R: the
    household-weighted distance of compound i to region r's anchor)."""
    h = np.asarray(problem.households, dtype=np.float64)
    n = problem.n
    edges = np.asarray(problem.edges, dtype=np.int64).reshape(-1, 2)
    m = len(edges)
    lo, hi = problem.band
    k_min, k_max = problem.region_range()
    n_new = max(0, min(k_max, n) - problem.n_labels)
    r_n = problem.n_labels + n_new
    cur = np.asarray(problem.current, dtype=np.int64)
    w_move = float(r_n + 2) if phase == 1 else 0.0

    mb = ModelBuilder()
    moved = np.ones((n, r_n))
    moved[np.arange(n), cur] = 0.0
    cost_x = moved * w_move if phase == 1 else np.asarray(anchor_cost)
    x = mb.add_cols(cost_x.ravel(), 0, 1, integer=True).reshape(n, r_n)
    u = mb.add_cols(np.full(r_n, 1.0 if phase == 1 else 0.0), 0, 1, integer=True)
    w = mb.add_cols(np.zeros(n * r_n), 0, 1, integer=True).reshape(n, r_n)
    tail = np.concatenate([edges[:, 0], edges[:, 1]])
    head = np.concatenate([edges[:, 1], edges[:, 0]])
    n_arc = len(tail)
    f = mb.add_cols(np.zeros(n_arc * r_n), 0, max(n - 1, 0), integer=False).reshape(n_arc, r_n)
    z = mb.add_cols(np.full(m, 1.0 / (m + 1) if phase == 1 else 0.0), 0, 1, integer=False)

    # (1) each compound in exactly one region
    mb.add_rows(1, 1, np.full(n, r_n), x.ravel(), np.ones(n * r_n))
    # (2) x <= u ; (4b) w <= x
    pair = np.full(n * r_n, 2)
    mb.add_rows(-np.inf, 0, pair, np.c_[x.ravel(), np.tile(u, n)].ravel(),
                np.tile([1.0, -1.0], n * r_n))
    mb.add_rows(-np.inf, 0, pair, np.c_[w.ravel(), x.ravel()].ravel(),
                np.tile([1.0, -1.0], n * r_n))
    # (3) floor and ceiling of every used region
    for r in range(r_n):
        idx = np.r_[x[:, r], u[r]]
        mb.add_row(0, np.inf, idx, np.r_[h, -float(lo)])
        mb.add_row(-np.inf, 0, idx, np.r_[h, -float(hi)])
    # (4a) one root per used region
    for r in range(r_n):
        mb.add_row(0, 0, np.r_[w[:, r], u[r]], np.r_[np.ones(n), -1.0])
    if n_arc:
        # a region holds at most as many compounds as its smallest ones fit under the ceiling
        fit = int(np.searchsorted(np.cumsum(np.sort(h)), hi, side="right"))
        cap = float(max(min(n, fit) - 1, 1))
        fr = f.ravel()
        # (5) flow only between compounds of the same region
        xt = x[np.repeat(tail, r_n), np.tile(np.arange(r_n), n_arc)]
        xh = x[np.repeat(head, r_n), np.tile(np.arange(r_n), n_arc)]
        k2 = np.full(len(fr), 2)
        mb.add_rows(-np.inf, 0, k2, np.c_[fr, xt].ravel(), np.tile([1.0, -cap], len(fr)))
        mb.add_rows(-np.inf, 0, k2, np.c_[fr, xh].ravel(), np.tile([1.0, -cap], len(fr)))
    # (6) every non-root compound sends one unit; roots absorb
    for i in range(n):
        out_arcs, in_arcs = np.flatnonzero(tail == i), np.flatnonzero(head == i)
        for r in range(r_n):
            idx = np.r_[f[out_arcs, r], f[in_arcs, r], x[i, r], w[i, r]]
            val = np.r_[np.ones(len(out_arcs)), -np.ones(len(in_arcs)), -1.0, float(n)]
            mb.add_row(0, np.inf, idx, val)
    # (7) z_e = 1 when the link's ends are in different regions
    if m:
        xa = x[np.repeat(edges[:, 0], r_n), np.tile(np.arange(r_n), m)]
        xb = x[np.repeat(edges[:, 1], r_n), np.tile(np.arange(r_n), m)]
        ze = np.repeat(z, r_n)
        k3 = np.full(len(ze), 3)
        mb.add_rows(0, np.inf, k3, np.c_[ze, xa, xb].ravel(), np.tile([1.0, -1.0, 1.0], len(ze)))
        mb.add_rows(0, np.inf, k3, np.c_[ze, xa, xb].ravel(), np.tile([1.0, 1.0, -1.0], len(ze)))
    # (8) new slots are used in order; (9) the number of regions is within reach
    for s in range(problem.n_labels, r_n - 1):
        mb.add_row(0, np.inf, np.array([u[s], u[s + 1]]), np.array([1.0, -1.0]))
    if phase == 1:
        mb.add_row(k_min, k_max, u, np.ones(r_n))
    else:
        mb.add_row(regions, regions, u, np.ones(r_n))
        mb.add_row(-np.inf, moves_max, x.ravel(), moved.ravel())
    return mb, x


def solve_regions(problem: RegionProblem, *, xy: np.ndarray | None = None,
                  time_limit_s: float = 30.0, compact_rounds: int = 2,
                  compact_time_s: float = 5.0) -> RegionSolution:
    """Solve the cluster (see the module docstring).

    Phase 1 proves the fewest moved compounds and then the fewest communities (HiGHS stops at
    an absolute gap below 1, which certifies both integer terms; the cut-link term breaks ties).
    Phase 2 keeps both numbers and makes the regions compact: each region gets an anchor (the
    household-weighted centroid of its compounds in the best grouping so far) and the grouping
    minimising the household-weighted straight-line distance to the anchors is solved exactly
    (warm-started), ``compact_rounds`` times, each within ``compact_time_s``; the grouping with
    the smallest household-weighted distance to its own centroids is kept.

    Parameters
    ----------
    problem
        The cluster.
    xy
        Compound coordinates (n x 2, metres) for phase 2; None skips phase 2.
    time_limit_s
        Wall-clock limit of phase 1 in seconds; on reaching it the best solution found is
        returned with status ``feasible`` (or ``no_solution``).
    compact_rounds
        Rounds of phase 2 (0 skips it).
    compact_time_s
        Wall-clock limit of each phase-2 round in seconds.

    Returns
    -------
    RegionSolution
    """
    obstacle = find_obstacle(problem)
    if obstacle is not None:
        return RegionSolution("obstacle", None, 0, 0, 0, math.inf, 0.0, obstacle)
    n = problem.n
    edges = np.asarray(problem.edges, dtype=np.int64).reshape(-1, 2)
    cur = np.asarray(problem.current, dtype=np.int64)
    mb, x = _build(problem, phase=1)
    out = mb.solve(time_limit_s=time_limit_s, mip_gap=0.0, mip_abs_gap=ABS_GAP)
    if out.x is None:
        status = "infeasible" if out.status == "infeasible" else "no_solution"
        return RegionSolution(status, None, 0, 0, 0, math.inf, out.runtime_s)
    r_n = x.shape[1]
    region = np.argmax(out.x[x.ravel()].reshape(n, r_n), axis=1)
    status = "optimal" if out.status == "optimal" else "feasible"
    runtime = out.runtime_s
    moved = int((region != cur).sum())
    k = len(np.unique(region))
    h = np.asarray(problem.households, dtype=np.float64)
    if xy is not None and k > 0:
        xy = np.asarray(xy, dtype=np.float64)
        best, best_cost, start = region, _spread(region, h, xy), out.x
        for _ in range(compact_rounds):
            anchors = np.zeros((r_n, 2))
            for r in np.unique(best):
                sel = best == r
                ww = h[sel] + 1e-9
                anchors[r] = (xy[sel] * ww[:, None]).sum(axis=0) / ww.sum()
            d = np.hypot(xy[:, None, 0] - anchors[None, :, 0], xy[:, None, 1] - anchors[None, :, 1])
            mb2, x2 = _build(problem, phase=2, moves_max=moved, regions=k,
                             anchor_cost=(h + 1e-3)[:, None] * d)
            second = mb2.solve(time_limit_s=compact_time_s, mip_gap=1e-6, start=start,
                               start_cols=np.arange(len(start)))
            runtime += second.runtime_s
            if second.x is None:
                break
            cand = np.argmax(second.x[x2.ravel()].reshape(n, r_n), axis=1)
            cost = _spread(cand, h, xy)
            if cost >= best_cost - 1e-6:
                break
            best, best_cost, start = cand, cost, second.x
        region = best
    return RegionSolution(status, region, int((region != cur).sum()), len(np.unique(region)),
                          _cut(region, edges), out.gap, runtime)


def _spread(region: np.ndarray, h: np.ndarray, xy: np.ndarray) -> float:
    """Household-weighted straight-line distance of compounds to their region's centroid."""
    total = 0.0
    for r in np.unique(region):
        sel = region == r
        ww = h[sel] + 1e-9
        c = (xy[sel] * ww[:, None]).sum(axis=0) / ww.sum()
        total += float((ww * np.hypot(*(xy[sel] - c).T)).sum())
    return total


def _cut(region: np.ndarray, edges: np.ndarray) -> int:
    return int((region[edges[:, 0]] != region[edges[:, 1]]).sum()) if len(edges) else 0


__all__ = ["Obstacle", "RegionProblem", "RegionSolution", "find_obstacle", "solve_regions"]
