"""Exact contiguous regionalisation with a household floor AND ceiling, on HiGHS.

The problem: re-group the compounds (or buildings, or any units) of a cluster into regions so
that every region holds between ``L`` and ``U`` households (both inclusive) and is contiguous on
the unit adjacency graph; units are never split. Among all such groupings, minimise
lexicographically

1. the number of units whose region changes (the plan asks to adjust "carefully",
   审慎推进社区调整);
2. the number of regions (a split creates one only when needed);
3. the number of adjacency links cut by the new boundaries (a compactness proxy: short,
   simple boundaries).

Regions are labelled: one per current region of the cluster (keeping its code) plus ``n_new``
unlabelled slots for split-off regions. Variables: ``x[i,r]`` (unit i in region r), ``u[r]``
(region r used) and cut indicators ``z[e]``. The weights make the objective lexicographic: a
moved unit costs ``R + 2`` (more than any number of regions plus the whole compactness term,
which is below 1).

Contiguity is imposed lazily with vertex-separator cuts (the cut formulation of contiguity,
Oehrlein and Haunert 2017, "A cutting-plane method for contiguity-constrained spatial
aggregation", Journal of Spatial Information Science 15; Validi, Buchanan and Lykhovyd 2022,
"Imposing contiguity constraints in political districting models", Operations Research
70(2)): solve without contiguity, find every region that falls apart, and for two of its
pieces S and T add, for every region r, ``x[i,r] + x[j,r] - sum(x[k,r] for k in N(S)) <= 1``
(i in S, j in T, N(S) the units adjacent to S that separate it from j): if i and j share a
region, so does some unit between them. Then solve again, until the regions are contiguous.
Each model has no flow variables, so it stays small; a cut, once added, holds for all later
solves.

A good start comes first: local search from the current grouping (move a boundary unit to a
neighbouring region, dissolve a small region into a neighbour, seed a new region in a large
one, always keeping regions contiguous) until every region is in the band. HiGHS receives the
best contiguous grouping known (``setSolution``) in every solve, and a solve's disconnected
answer is repaired by the same local search into a new candidate. Because the model without
(all) contiguity is a relaxation, its bound is a valid bound of the true problem: the
grouping is proven optimal as soon as the best contiguous grouping is within the absolute gap
(below 1, which certifies both integer terms) of that bound.

A time-out is never reported as infeasible: the status is ``feasible`` (with the gap to the
bound) when a valid grouping is known, ``no_solution`` otherwise; ``infeasible`` means proven.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from gis_planner.siting.milp import ModelBuilder


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


def _adjacency(problem: RegionProblem) -> list[list[int]]:
    """Neighbour lists of the units."""
    adj: list[list[int]] = [[] for _ in range(problem.n)]
    for a, b in np.asarray(problem.edges, dtype=np.int64).reshape(-1, 2):
        if a != b:
            adj[int(a)].append(int(b))
            adj[int(b)].append(int(a))
    return adj


def _pieces(nodes: Iterable[int], inside: np.ndarray, adj: list[list[int]]) -> list[list[int]]:
    """Connected pieces of ``nodes`` (``inside`` marks them) on the adjacency."""
    seen: set[int] = set()
    out: list[list[int]] = []
    for s in nodes:
        if s in seen:
            continue
        stack, piece = [s], []
        seen.add(s)
        while stack:
            a = stack.pop()
            piece.append(a)
            for b in adj[a]:
                if inside[b] and b not in seen:
                    seen.add(b)
                    stack.append(b)
        out.append(piece)
    return out


def _stays_connected(region: np.ndarray, i: int, adj: list[list[int]]) -> bool:
    """Whether i's region stays connected (or becomes empty) without i."""
    r = region[i]
    nbrs = [b for b in adj[i] if region[b] == r]
    if len(nbrs) <= 1:
        return True
    inside = region == r
    inside[i] = False
    piece = _pieces([nbrs[0]], inside, adj)[0]
    return all(b in set(piece) for b in nbrs[1:]) if len(nbrs) > 1 else True


@dataclass
class _Search:
    """State of the local search: region per unit and households per region."""

    problem: RegionProblem
    adj: list[list[int]]
    region: np.ndarray
    size: np.ndarray
    r_n: int

    def violation(self, r: int, size: float | None = None) -> float:
        s = self.size[r] if size is None else size
        lo, hi = self.problem.band
        return 0.0 if s == 0 else max(0.0, lo - s) + max(0.0, s - hi)

    def move(self, i: int, r: int) -> None:
        h = self.problem.households[i]
        self.size[self.region[i]] -= h
        self.size[r] += h
        self.region[i] = r


def _local_search(problem: RegionProblem, adj: list[list[int]], start: np.ndarray, r_n: int,
                  *, deadline: float) -> np.ndarray | None:
    """A contiguous grouping within the band found by local search from ``start`` (any
    grouping, contiguous or not), or None."""
    h = np.asarray(problem.households, dtype=np.int64)
    split = _split_pieces(np.asarray(start, dtype=np.int64).copy(), h, adj, r_n)
    if split is None:
        return None
    region = split
    st = _Search(problem, adj, region, np.bincount(region, weights=h, minlength=r_n), r_n)
    cur = np.asarray(problem.current, dtype=np.int64)
    for _ in range(20 * problem.n + 100):
        if time.perf_counter() > deadline:
            break
        if _improve(st, cur):
            continue
        if not _seed_new_region(st):
            break
    if any(st.violation(r) > 0 for r in range(r_n)):
        return None
    return st.region


def _split_pieces(region: np.ndarray, h: np.ndarray, adj: list[list[int]],
                  r_n: int) -> np.ndarray | None:
    """Give every disconnected piece of a region (but its largest) a free region slot, or
    join it to a neighbouring region when no slot is free."""
    for r in range(r_n):
        nodes = np.flatnonzero(region == r)
        if len(nodes) < 2:
            continue
        pieces = _pieces(nodes.tolist(), region == r, adj)
        if len(pieces) < 2:
            continue
        pieces.sort(key=lambda p: -h[p].sum())
        for piece in pieces[1:]:
            used = set(np.unique(region).tolist())
            free = [s for s in range(r_n) if s not in used]
            if free:
                region[piece] = free[0]
                continue
            nbr = [region[b] for a in piece for b in adj[a] if region[b] != r]
            if not nbr:
                return None
            region[piece] = nbr[0]
    return region


def _improve(st: _Search, cur: np.ndarray) -> bool:
    """Apply the first move that lowers (band violation, moved units); True if one did."""
    h = st.problem.households
    lo, hi = st.problem.band
    for i in range(st.problem.n):
        a = int(st.region[i])
        targets = {int(st.region[b]) for b in st.adj[i]} - {a}
        if not targets:
            continue
        for b in sorted(targets):
            dv = (st.violation(a, st.size[a] - h[i]) + st.violation(b, st.size[b] + h[i])
                  - st.violation(a) - st.violation(b))
            dm = int(b != cur[i]) - int(a != cur[i])
            if (dv < 0 or (dv == 0 and dm < 0)) and _stays_connected(st.region, i, st.adj):
                st.move(i, b)
                return True
    # dissolve a region below the floor into one neighbour
    for a in range(st.r_n):
        if 0 < st.size[a] < lo:
            nodes = np.flatnonzero(st.region == a)
            nbrs = {int(st.region[b]) for i in nodes for b in st.adj[i]} - {a}
            for b in sorted(nbrs, key=lambda r: st.size[r]):
                if st.size[b] + st.size[a] <= hi:
                    for node in nodes:
                        st.move(int(node), b)
                    return True
    return False


def _seed_new_region(st: _Search) -> bool:
    """Start a new region in a region above the ceiling, at its boundary unit farthest from
    its other units (in links); False when none can be seeded."""
    hi = st.problem.band[1]
    used = set(np.unique(st.region).tolist())
    free = [s for s in range(st.r_n) if s not in used]
    if not free:
        return False
    for a in np.argsort(-st.size):
        if st.size[a] <= hi:
            return False
        nodes = np.flatnonzero(st.region == a)
        inside = st.region == a
        # breadth-first from an arbitrary unit, then seed at the last unit reached
        order = _bfs_order(int(nodes[0]), inside, st.adj)
        for i in reversed(order):
            if _stays_connected(st.region, i, st.adj):
                st.move(i, free[0])
                return True
    return False


def _bfs_order(s: int, inside: np.ndarray, adj: list[list[int]]) -> list[int]:
    seen, order, k = {s}, [s], 0
    while k < len(order):
        for b in adj[order[k]]:
            if inside[b] and b not in seen:
                seen.add(b)
                order.append(b)
        k += 1
    return order


def _relabel(region: np.ndarray, problem: RegionProblem, r_n: int) -> np.ndarray:
    """The same grouping with region positions chosen to move the fewest units: each current
    label goes to the region keeping most of its units (an assignment problem); regions that
    keep no label take the unused labels, then the new slots in order."""
    from scipy.optimize import linear_sum_assignment

    groups = np.unique(region)
    cur = np.asarray(problem.current, dtype=np.int64)
    overlap = np.array([np.bincount(cur[region == g], minlength=problem.n_labels)
                        for g in groups])
    rows, cols = linear_sum_assignment(-overlap)
    position = {int(groups[r]): int(c) for r, c in zip(rows, cols, strict=True)
                if overlap[r, c] > 0}
    spare = iter(list(range(problem.n_labels, r_n))
                 + [c for c in range(problem.n_labels) if c not in position.values()])
    out = np.empty_like(region)
    for g in groups.tolist():
        out[region == g] = position[g] if g in position else next(spare)
    return out


@dataclass
class _Model:
    """A model without contiguity (plus the cuts found so far) and its columns."""

    mb: ModelBuilder
    x: np.ndarray  # n x R
    u: np.ndarray
    r_n: int


def _build(problem: RegionProblem, space: _Space, cuts: list[tuple[int, int, np.ndarray]], *,
           phase: int, moves_max: int = 0, regions: int = 0,
           anchor_cost: np.ndarray | None = None) -> _Model:
    """The model; phase 1 minimises moves, then regions (weights); phase 2
    fixes moves <= ``moves_max`` and ``regions`` and minimises ``anchor_cost`` (n x R: the
    household-weighted distance of unit i to region r's anchor). ``cuts``: (i, j, separator)
    for every region."""
    h = np.asarray(problem.households, dtype=np.float64)
    n = problem.n
    lo, hi = problem.band
    k_min, k_max = problem.region_range()
    r_n = space.r_n
    cur = np.asarray(problem.current, dtype=np.int64)
    w_move = _move_weight(problem) if phase == 1 else 0.0

    mb = ModelBuilder()
    moved = np.ones((n, r_n))
    moved[np.arange(n), cur] = 0.0
    cost_x = moved * w_move if phase == 1 else np.asarray(anchor_cost)
    x = mb.add_cols(cost_x.ravel(), 0, 1, integer=True).reshape(n, r_n)
    u = mb.add_cols(np.full(r_n, 1.0 if phase == 1 else 0.0), 0, 1, integer=True)
    mb.fix_to_zero(x[~space.allowed])  # places no optimal grouping uses (see _space)
    # (1) each unit in exactly one region; (2) x <= u
    mb.add_rows(1, 1, np.full(n, r_n), x.ravel(), np.ones(n * r_n))
    mb.add_rows(-np.inf, 0, np.full(n * r_n, 2), np.c_[x.ravel(), np.tile(u, n)].ravel(),
                np.tile([1.0, -1.0], n * r_n))
    # (3) floor and ceiling of every used region
    for r in range(r_n):
        idx = np.r_[x[:, r], u[r]]
        mb.add_row(0, np.inf, idx, np.r_[h, -float(lo)])
        mb.add_row(-np.inf, 0, idx, np.r_[h, -float(hi)])
    # (4) new slots are used in order; (5) the number of regions is within reach
    for s in range(problem.n_labels, r_n - 1):
        mb.add_row(0, np.inf, np.array([u[s], u[s + 1]]), np.array([1.0, -1.0]))
    if phase == 1:
        mb.add_row(k_min, min(k_max, r_n), u, np.ones(r_n))
    else:
        mb.add_row(regions, regions, u, np.ones(r_n))
        mb.add_row(-np.inf, moves_max, x.ravel(), moved.ravel())
    # (5b) counting: a label above the ceiling loses at least the fewest of its units whose
    # households cover the excess; a used label below the floor gains at least the fewest
    # outside units that cover the deficit
    for r in range(problem.n_labels):
        own = np.flatnonzero(cur == r)
        total = float(h[own].sum())
        if total > hi:
            k = _fewest_to_cover(h[own], total - hi)
            mb.add_row(-np.inf, len(own) - k, x[own, r], np.ones(len(own)))
        elif 0 < total < lo:
            others = np.flatnonzero(cur != r)
            k = _fewest_to_cover(h[others], lo - total)
            mb.add_row(0, np.inf, np.r_[x[others, r], u[r]],
                       np.r_[np.ones(len(others)), -float(k)])
    # (6) a unit too small to be a region alone has a neighbour in its region (contiguity
    # for regions of more than one unit; the pieces left are cut lazily by (7))
    adj = _adjacency(problem)
    small = [i for i in range(n) if h[i] < lo and adj[i]]
    lone = [i for i in range(n) if h[i] < lo and not adj[i]]
    if lone:  # a unit without neighbours that is too small cannot be placed at all
        mb.add_row(1, 1, np.array([x[lone[0], 0]]), np.array([0.0]))
    for i in small:
        nb = np.asarray(adj[i], dtype=np.int64)
        k = len(nb)
        mb.add_rows(-np.inf, 0, np.full(r_n, k + 1),
                    np.c_[x[i, :], x[nb, :].T].ravel(),
                    np.tile(np.r_[1.0, -np.ones(k)], r_n))
    # (7) contiguity cuts found so far, for every region
    for i, j, sep in cuts:
        for r in range(r_n):
            mb.add_row(-np.inf, 1, np.r_[x[i, r], x[j, r], x[sep, r]],
                       np.r_[1.0, 1.0, -np.ones(len(sep))])
    return _Model(mb, x, u, r_n)


def _fewest_to_cover(h: np.ndarray, amount: float) -> int:
    """The fewest of the households ``h`` whose sum reaches ``amount``."""
    reach = np.cumsum(np.sort(np.asarray(h, dtype=np.float64))[::-1])
    return min(int(np.searchsorted(reach, amount - 1e-9)) + 1, len(h))


@dataclass(frozen=True)
class _Space:
    """Region positions (``r_n``: the labels, then new slots) and the unit x position pairs
    the model may use (``allowed``, n x r_n)."""

    r_n: int
    allowed: np.ndarray


def _space(problem: RegionProblem, moves_max: int | None) -> _Space:
    """Where units may go when an optimal grouping moves at most ``moves_max`` units.

    Label every region of a grouping to move the fewest units (see :func:`_relabel`): a
    region holding a label keeps some of that label's units, and a moved unit in it reaches
    one of them through moved units only (its own region is contiguous, and any unit of the
    label on the way would be nearer), so it lies at most ``moves_max`` links from the label's
    units. A region keeping no label consists of moved units only, so there are at most
    ``moves_max // f`` such regions, ``f`` being the fewest units that reach the floor; they
    take the new slots. Without ``moves_max`` (no valid grouping known) nothing is excluded.
    """
    n, n_lab = problem.n, problem.n_labels
    _k_min, k_max = problem.region_range()
    cur = np.asarray(problem.current, dtype=np.int64)
    if moves_max is None:
        r_n = n_lab + max(0, min(k_max, n) - n_lab)
        return _Space(r_n, np.ones((n, r_n), dtype=bool))
    h = np.sort(np.asarray(problem.households, dtype=np.int64))[::-1]
    fewest = int(np.searchsorted(np.cumsum(h), problem.band[0], side="left")) + 1
    n_new = min(k_max, n, moves_max // max(fewest, 1))
    r_n = n_lab + n_new
    allowed = np.ones((n, r_n), dtype=bool)
    edges = np.asarray(problem.edges, dtype=np.int64).reshape(-1, 2)
    graph = sp.csr_matrix((np.ones(2 * len(edges)), (np.r_[edges[:, 0], edges[:, 1]],
                                                     np.r_[edges[:, 1], edges[:, 0]])),
                          shape=(n, n))
    for r in range(n_lab):
        members = np.flatnonzero(cur == r)
        if len(members) == 0:
            allowed[:, r] = False
            continue
        links = dijkstra(graph, indices=members, unweighted=True, min_only=True,
                         limit=moves_max + 0.5)
        allowed[:, r] = links <= moves_max
    return _Space(r_n, allowed)


def _slots(problem: RegionProblem) -> int:
    """Region positions: the current labels plus the new slots that could ever be used."""
    _k_min, k_max = problem.region_range()
    return problem.n_labels + max(0, min(k_max, problem.n) - problem.n_labels)


def _columns(model: _Model, region: np.ndarray) -> np.ndarray:
    """Every column's value for a grouping (a warm start HiGHS can check)."""
    vals = np.zeros(model.mb.n_cols)
    vals[model.x[np.arange(len(region)), region]] = 1.0
    vals[model.u[np.unique(region)]] = 1.0
    return vals


def _separator_cuts(region: np.ndarray, adj: list[list[int]],
                    h: np.ndarray) -> list[tuple[int, int, np.ndarray]]:
    """For every region that falls apart: for each piece S but the largest, the cut between a
    unit of S and a unit of the largest piece T through the units next to S that can reach T
    without crossing S (a minimal side of the separator N(S))."""
    cuts: list[tuple[int, int, np.ndarray]] = []
    n = len(region)
    for r in np.unique(region):
        nodes = np.flatnonzero(region == r)
        pieces = _pieces(nodes.tolist(), region == r, adj)
        if len(pieces) < 2:
            continue
        pieces.sort(key=lambda p: -h[p].sum())
        big = pieces[0]
        for piece in pieces[1:]:
            in_s = np.zeros(n, dtype=bool)
            in_s[piece] = True
            border = {b for a in piece for b in adj[a] if not in_s[b]}
            # units outside S reachable from T without entering S or the border
            free = ~in_s
            free[list(border)] = False
            reach_t = np.zeros(n, dtype=bool)
            reach_t[_bfs_order(big[0], free, adj)] = True
            sep = np.array(sorted(b for b in border if any(reach_t[c] for c in adj[b])),
                           dtype=np.int64)
            cuts.extend((int(i), int(big[0]), sep) for i in piece)
    return cuts


def _move_weight(problem: RegionProblem) -> float:
    """Weight of a moved unit: more than any number of regions."""
    return float(_slots(problem) + 2)


def _objective(region: np.ndarray, problem: RegionProblem) -> float:
    """Phase-1 objective of a grouping: moved units weigh more than all regions together."""
    cur = np.asarray(problem.current, dtype=np.int64)
    return float((region != cur).sum()) * _move_weight(problem) + len(np.unique(region))


@dataclass
class _Outcome:
    status: str
    region: np.ndarray | None
    gap: float
    runtime_s: float
    rounds: int


def _cut_loop(problem: RegionProblem, adj: list[list[int]], space_of: Any, make: Any, *,
              incumbent: np.ndarray | None, score: Any, deadline: float,
              abs_gap: float | None, rel_gap: float, repair: bool) -> _Outcome:
    """Solve, cut off disconnected regions, solve again, until contiguous, proven or out of
    time. ``space_of(best)`` gives the places units may take given the best grouping so far
    (None: none known), ``make(space, cuts)`` builds the model, ``score(region)`` is the
    objective of a grouping. The first solve gets a third of the time, so that its answer
    (repaired if disconnected) can tighten the places before the rest is spent."""
    h = np.asarray(problem.households, dtype=np.int64)
    cuts: list[tuple[int, int, np.ndarray]] = []
    t0 = time.perf_counter()
    best, best_obj = incumbent, (score(incumbent) if incumbent is not None else math.inf)
    bound, rounds = -math.inf, 0
    while (left := deadline - time.perf_counter()) > 0.01:
        space = space_of(best)
        model = make(space, cuts)
        start = _columns(model, best) if best is not None else None
        out = model.mb.solve(time_limit_s=left / 3 if rounds == 0 and left > 3 else left,
                             mip_gap=rel_gap, mip_abs_gap=abs_gap, start=start,
                             start_cols=None if start is None else np.arange(len(start)))
        rounds += 1
        if out.status == "infeasible":
            return _Outcome("infeasible", None, math.inf, time.perf_counter() - t0, rounds)
        if np.isfinite(out.bound):
            bound = max(bound, out.bound)
        if out.x is None:
            continue
        region = np.argmax(out.x[model.x.ravel()].reshape(problem.n, model.r_n), axis=1)
        new_cuts = _separator_cuts(region, adj, h)
        if new_cuts:
            cuts.extend(new_cuts)
            region = (_local_search(problem, adj, region, model.r_n,
                                    deadline=min(deadline, time.perf_counter() + 0.5))
                      if repair else None)
            if region is not None:
                region = _relabel(region, problem, model.r_n)
                if not space.allowed[np.arange(problem.n), region].all():
                    region = None
        if region is not None and score(region) < best_obj:
            best, best_obj = region, score(region)
        if best is not None and _proven(best_obj, bound, abs_gap, rel_gap):
            return _Outcome("optimal", best, 0.0, time.perf_counter() - t0, rounds)
        if not new_cuts and out.status == "optimal":  # contiguous and proven
            return _Outcome("optimal", best, 0.0, time.perf_counter() - t0, rounds)
    runtime = time.perf_counter() - t0
    if best is None:
        return _Outcome("no_solution", None, math.inf, runtime, rounds)
    gap = (best_obj - bound) / abs(best_obj) if np.isfinite(bound) and best_obj else math.inf
    return _Outcome("feasible", best, max(gap, 0.0), runtime, rounds)


def _proven(obj: float, bound: float, abs_gap: float | None, rel_gap: float) -> bool:
    if not np.isfinite(bound):
        return False
    if abs_gap is not None and obj - bound < abs_gap:
        return True
    return obj - bound <= rel_gap * max(abs(obj), 1e-9)


def solve_regions(problem: RegionProblem, *, xy: np.ndarray | None = None,
                  time_limit_s: float = 30.0, compact_rounds: int = 2,
                  compact_time_s: float = 5.0) -> RegionSolution:
    """Group units into contiguous regions within a household band (see the module docstring).

    Public entry point of the regionalisation (community proposals, governance grids).
    Phase 1 proves the fewest moved units and then the fewest regions (an absolute gap below
    1 certifies both integer terms; the cut-link term breaks ties). Phase 2 keeps both numbers
    and makes the regions compact: each region gets an anchor (the household-weighted centroid
    of its units in the best grouping so far) and the grouping minimising the household-
    weighted straight-line distance to the anchors is solved (warm-started, same lazy
    contiguity cuts), ``compact_rounds`` times, each within ``compact_time_s``; the grouping
    with the smallest household-weighted distance to its own centroids is kept.

    Parameters
    ----------
    problem
        The units, their adjacency, current labels and the band.
    xy
        Unit coordinates (n x 2, metres) for phase 2; None skips phase 2.
    time_limit_s
        Wall-clock limit of phase 1 in seconds. On reaching it the best valid grouping found
        is returned with status ``feasible`` and its gap to the proven bound, or, when none was
        found, ``no_solution`` (never ``infeasible``, which means proven).
    compact_rounds
        Rounds of phase 2 (0 skips it).
    compact_time_s
        Wall-clock limit of each phase-2 round in seconds.

    Returns
    -------
    RegionSolution
        ``status``, ``region`` (region position per unit: labels first, then new slots),
        ``moved``, ``n_regions``, ``cut_links``, ``gap`` (relative, 0 when proven optimal) and
        ``runtime_s``.
    """
    obstacle = find_obstacle(problem)
    if obstacle is not None:
        return RegionSolution("obstacle", None, 0, 0, 0, math.inf, 0.0, obstacle)
    t0 = time.perf_counter()
    edges = np.asarray(problem.edges, dtype=np.int64).reshape(-1, 2)
    cur = np.asarray(problem.current, dtype=np.int64)
    adj = _adjacency(problem)
    r_full = _slots(problem)
    deadline = t0 + float(time_limit_s)
    start = _local_search(problem, adj, cur, r_full,
                          deadline=min(deadline, t0 + 0.25 * float(time_limit_s)))
    if start is not None:
        start = _relabel(start, problem, r_full)
    def space_of(best: np.ndarray | None) -> _Space:
        space = _space(problem, int((best != cur).sum()) if best is not None else None)
        if best is not None and (best.max() >= space.r_n
                                 or not space.allowed[np.arange(problem.n), best].all()):
            return _space(problem, None)  # cannot happen by the argument of _space; stay exact
        return space

    def score1(region: np.ndarray) -> float:
        return _objective(region, problem)

    first = _cut_loop(problem, adj, space_of,
                      lambda space, cuts: _build(problem, space, cuts, phase=1),
                      incumbent=start, score=score1, deadline=deadline, abs_gap=ABS_GAP, rel_gap=0.0,
                      repair=True)
    if first.region is None:
        return RegionSolution(first.status, None, 0, 0, 0, math.inf,
                              time.perf_counter() - t0)
    region = first.region
    moved = int((region != cur).sum())
    k = len(np.unique(region))
    h = np.asarray(problem.households, dtype=np.float64)
    if xy is not None and k > 0:
        region = _compact(problem, adj, space_of(region), region,
                          h=h, xy=np.asarray(xy, dtype=np.float64),
                          moved=moved, k=k, rounds=compact_rounds, time_s=compact_time_s)
    return RegionSolution(first.status, region, int((region != cur).sum()),
                          len(np.unique(region)), _cut(region, edges), first.gap,
                          time.perf_counter() - t0)


def _compact(problem: RegionProblem, adj: list[list[int]], space: _Space, region: np.ndarray, *,
             h: np.ndarray, xy: np.ndarray, moved: int, k: int, rounds: int,
             time_s: float) -> np.ndarray:
    """Phase 2: re-solve towards anchor points with the moves and regions of phase 1 fixed;
    keep the grouping with the smallest spread."""
    r_n = space.r_n
    cur = np.asarray(problem.current, dtype=np.int64)
    best, best_cost = region, _spread(region, h, xy)
    for _ in range(rounds):
        anchors = np.zeros((r_n, 2))
        for r in np.unique(best):
            sel = best == r
            ww = h[sel] + 1e-9
            anchors[r] = (xy[sel] * ww[:, None]).sum(axis=0) / ww.sum()
        d = np.hypot(xy[:, None, 0] - anchors[None, :, 0], xy[:, None, 1] - anchors[None, :, 1])
        cost = (h + 1e-3)[:, None] * d

        def make(space: _Space, cuts: list, cost: np.ndarray = cost) -> _Model:
            return _build(problem, space, cuts, phase=2, moves_max=moved, regions=k,
                          anchor_cost=cost)

        def score2(g: np.ndarray, cost: np.ndarray = cost) -> float:
            return float(cost[np.arange(len(g)), g].sum())

        out = _cut_loop(problem, adj, lambda _best: space, make, incumbent=best, score=score2,
                        deadline=time.perf_counter() + time_s, abs_gap=None, rel_gap=1e-6,
                        repair=False)
        cand = out.region
        if cand is None or int((cand != cur).sum()) > moved:
            break
        spread = _spread(cand, h, xy)
        if spread >= best_cost - 1e-6:
            break
        best, best_cost = cand, spread
    return best


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
