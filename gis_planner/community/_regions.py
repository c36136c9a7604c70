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
70(2)): solve without (all of) contiguity, find every region that falls apart, cut that answer
off and solve again, until the regions are contiguous. Each model has no flow variables, so it
stays small; a cut, once added, holds for all later solves. Three kinds of cut (``_Cut``):

* two units: ``x[i,r] + x[j,r] - sum(x[k,r] for k in N(S)) <= 1`` for a piece S holding i
  and a unit j of another piece, N(S) reduced to the units through which S reaches j;
* too small: ``x[i,r] <= sum(x[k,r] for k in N(S))`` for a set S around i holding fewer
  households than the floor: a region holding i is larger than S. Written up front for the
  breadth-first layers around every unit (new slots) and for every small stray piece;
* anchored: the same with S holding no unit of the current label r (below).

Three more families make the relaxation closer to the true problem, each exact:

* anchored labels: the grouping is numbered as :func:`_relabel` numbers it (each region takes
  the current label keeping most of its units, which never moves more units), so a used
  label keeps one of its own units (``sum(x[own, r]) >= u[r]``). Then a unit t + 1 links from
  label r's units joins region r only if region r also holds a unit exactly t links away
  (the path inside the region crosses every level in between): moving a unit d links
  into a region costs d moves, not one, in the relaxation too;
* new slots in the order of their lowest unit (they are interchangeable);
* per label, a label above the ceiling loses at least the fewest of its units covering the
  excess; a used label below the floor gains at least the fewest outside units covering the
  deficit (else it is dissolved: ``u[r] = 0``). The same counting gives a bound known before
  any solve (:func:`_counting_bound`).

A good start comes first: local search from the current grouping (move a boundary unit to a
neighbouring region, best move first by band violation and then by moved units; dissolve a
small region into a neighbour; seed a new region in a large one; where none of these helps,
two moves through a neighbour, a relay: the neighbour gives the unit it can only spare once a
third region has given it one; regions always contiguous) until every region is in the band.
Then the same model restricted to units within ``NEAR_LINKS`` links of their new region's own
units is solved for a while (a restriction: its groupings are valid, its bound is not used).
HiGHS receives the best contiguous grouping known (``setSolution``) in every solve, and a
solve's disconnected answer is repaired (stray pieces back to their current label, then the
local search) into a new candidate. Because
the model without (all) contiguity is a relaxation, its bound is a valid bound of the true
problem: the grouping is proven optimal as soon as the best contiguous grouping is within
the absolute gap (below 1, which certifies both integer terms) of that bound.

What stops the search is effort, never the clock, so a grouping is the same on any machine:
each HiGHS solve searches at most :data:`NODE_LIMIT` branch-and-bound nodes, each cut loop
solves at most a fixed number of rounds (:data:`CUT_ROUNDS`, :data:`NEAR_ROUNDS`,
:data:`COMPACT_CUT_ROUNDS`), and the local search makes at most ``20 n + 100`` steps. The
wall-clock ``time_limit_s`` stays as a safety valve far above that effort; when it binds,
``RegionSolution.stopped_by`` is ``time_limit`` (that grouping may depend on the machine's
speed). An exhausted effort is never reported as infeasible: the status is ``feasible`` (with
the gap to the bound) when a valid grouping is known, ``no_solution`` otherwise;
``infeasible`` means proven.
"""

from __future__ import annotations

import logging
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

logger = logging.getLogger(__name__)


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
        """Smallest and largest possible number of regions: ceil(H / max), floor(H / min)
        (without a floor, one region per unit at most)."""
        k_min, k_max = _k_range(int(np.sum(self.households)), self.band)
        if self.band[0] <= 0 < self.band[1]:
            k_max = max(k_max, self.n)
        return k_min, k_max


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

    ``status``: ``optimal``, ``feasible`` (the search effort, or the safety valve, ran out
    with a solution; not proven best), ``infeasible`` (proven: no valid grouping),
    ``no_solution`` (the effort ran out, none found) or ``obstacle`` (see ``obstacle``).
    ``region``: region position per compound (labels first, then new slots) or None.
    ``stopped_by``: ``""`` (nothing cut the search short), ``effort`` (node or round limits:
    the answer is reproducible) or ``time_limit`` (the wall-clock safety valve: the answer
    may depend on the machine's speed).
    """

    status: str
    region: np.ndarray | None
    moved: int
    n_regions: int
    cut_links: int
    gap: float
    runtime_s: float
    obstacle: Obstacle | None = None
    stopped_by: str = ""


ABS_GAP = 0.99
#: Search effort (solver settings, not planning numbers; our reading of the measurements in
#: docs/communities.md: a 60-compound cluster is proven optimal in about 8 s, as it was with
#: the former wall-clock shares of a long limit). Branch-and-bound nodes of one HiGHS solve:
NODE_LIMIT = 200
#: Solve-and-cut rounds of the exact phase-1 search, of each search near the start (cheap:
#: its model is small), of each compactness round; and searches near the start (each around a
#: better grouping).
CUT_ROUNDS = 20
NEAR_ROUNDS = 30
COMPACT_CUT_ROUNDS = 5
NEAR_PASSES = 5
#: Share of the safety valve kept for the compactness phase (so that it still runs when
#: phase 1 is stopped by the valve).
COMPACT_SHARE = 0.2
#: The search near the start keeps units within this many links of their region's own units.
NEAR_LINKS = 2
#: Depth (links) of the breadth-first layers of the too-small cuts written up front.
LAYER_DEPTH = 3
#: Labels below the floor up to which the counting bound tries every dissolve/gain split.
MAX_SPLIT_SEARCH = 12
#: A round needs at least this many seconds left before the safety valve.
MIN_ROUND_S = 0.05


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
                  *, deadline: float, valve: list[bool] | None = None) -> np.ndarray | None:
    """A contiguous grouping within the band found by local search from ``start`` (any
    grouping, contiguous or not), or None. At most ``20 n + 100`` steps; back at a grouping it
    has passed (it would cycle), it tries a relay and stops unless that leads somewhere new.
    ``deadline`` (``time.perf_counter()`` seconds) is the safety valve, recorded in ``valve``
    when it binds."""
    h = np.asarray(problem.households, dtype=np.int64)
    split = _split_pieces(_revert_strays(np.asarray(start, dtype=np.int64).copy(), problem, adj),
                          h, adj, r_n, floor=problem.band[0])
    if split is None:
        return None
    region = split
    st = _Search(problem, adj, region, np.bincount(region, weights=h, minlength=r_n), r_n)
    cur = np.asarray(problem.current, dtype=np.int64)
    seen: set[int] = set()  # the groupings passed (hashes): a search back at one is cycling
    for _ in range(20 * problem.n + 100):
        if time.perf_counter() > deadline:
            if valve is not None:
                valve[0] = True
            break
        if not (_improve(st, cur) or _seed_new_region(st) or _relay(st, cur)):
            break
        key = hash(st.region.tobytes())
        if key in seen:  # cycling (e.g. seeding a new region and dissolving it again)
            if not _relay(st, cur):
                break
            key = hash(st.region.tobytes())
            if key in seen:
                break
        seen.add(key)
    if any(st.violation(r) > 0 for r in range(r_n)):
        return None
    return st.region


def _revert_strays(region: np.ndarray, problem: RegionProblem,
                   adj: list[list[int]]) -> np.ndarray:
    """Send the units of every stray piece of a region (all pieces but the main one: for a
    current label the piece keeping most of its own households, else the largest) back to
    their current label, a few times over; what stays disconnected is left to the search."""
    h = np.asarray(problem.households, dtype=np.int64)
    cur = np.asarray(problem.current, dtype=np.int64)
    for _ in range(3):
        changed = False
        for r in np.unique(region).tolist():
            inside = region == r
            pieces = _pieces(np.flatnonzero(inside).tolist(), inside, adj)
            if len(pieces) < 2:
                continue
            own = cur == r
            pieces.sort(key=lambda p: (-int(h[p][own[p]].sum()), -int(h[p].sum())))
            for piece in pieces[1:]:
                back = [i for i in piece if cur[i] != r]
                if back:
                    region[back] = cur[back]
                    changed = True
        if not changed:
            break
    return region


def _split_pieces(region: np.ndarray, h: np.ndarray, adj: list[list[int]],
                  r_n: int, floor: float = 0.0) -> np.ndarray | None:
    """Give every disconnected piece of a region (but its largest) to the neighbouring region
    with fewest households when it is below ``floor``, else a free region slot (else a
    neighbouring region)."""
    for r in range(r_n):
        nodes = np.flatnonzero(region == r)
        if len(nodes) < 2:
            continue
        pieces = _pieces(nodes.tolist(), region == r, adj)
        if len(pieces) < 2:
            continue
        pieces.sort(key=lambda p: -h[p].sum())
        for piece in pieces[1:]:
            nbr = sorted({int(region[b]) for a in piece for b in adj[a] if region[b] != r})
            if h[piece].sum() < floor and nbr:
                size = {q: int(h[region == q].sum()) for q in nbr}
                region[piece] = min(nbr, key=lambda q: (size[q], q))
                continue
            used = set(np.unique(region).tolist())
            free = [s for s in range(r_n) if s not in used]
            if free:
                region[piece] = free[0]
                continue
            if not nbr:
                return None
            region[piece] = nbr[0]
    return region


def _improve(st: _Search, cur: np.ndarray) -> bool:
    """Apply the best move by (band violation, moved units) that lowers either without
    raising the violation; True if one did."""
    h = st.problem.households
    lo, hi = st.problem.band
    cands: list[tuple[float, int, int, int]] = []
    for i in range(st.problem.n):
        a = int(st.region[i])
        targets = {int(st.region[b]) for b in st.adj[i]} - {a}
        for b in sorted(targets):
            dv = (st.violation(a, st.size[a] - h[i]) + st.violation(b, st.size[b] + h[i])
                  - st.violation(a) - st.violation(b))
            dm = int(b != cur[i]) - int(a != cur[i])
            if dv < 0 or (dv == 0 and dm < 0):
                cands.append((float(dv), dm, i, b))
    for _dv, _dm, i, b in sorted(cands):
        if _stays_connected(st.region, i, st.adj):
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


def _relay(st: _Search, cur: np.ndarray) -> bool:
    """Two moves that together lower the band violation where no single move does (a relay):
    a region outside the band takes a unit from a neighbour (below the floor) or gives one to
    it (above the ceiling), and that neighbour, pushed out of the band by it, takes one from
    or passes one on to a third region. The pair lowering the violation most, then moving
    fewest units, is applied (every region stays contiguous); True if one was."""
    h = st.problem.households
    lo = st.problem.band[0]
    best: tuple[float, int, int, int, int, int] | None = None
    for a in range(st.r_n):
        if st.violation(a) == 0:
            continue
        under = st.size[a] < lo
        # first move (unit, to): a neighbour's unit into a, or a's unit into a neighbour
        first = sorted({(int(n), a) if under else (int(k), int(st.region[n]))
                        for k in np.flatnonzero(st.region == a) for n in st.adj[k]
                        if st.region[n] != a})
        for i, b in first:
            src = int(st.region[i])
            mid = src if under else b  # the region the first move pushes out of the band
            before = st.violation(a) + st.violation(mid)
            if not _stays_connected(st.region, i, st.adj):
                continue
            st.move(i, b)
            try:
                if st.violation(mid) == 0:
                    continue  # a single move (left to _improve, which found it blocked)
                for j, c_from, c_to in _second_moves(st, mid, a, i, under):
                    third = c_from if under else c_to
                    old = before + st.violation(third)
                    after = (st.violation(a) + st.violation(mid, st.size[mid] + (h[j] if under
                                                                                  else -h[j]))
                             + st.violation(third, st.size[third] + (-h[j] if under else h[j])))
                    if after >= old:
                        continue
                    dm = (int(b != cur[i]) - int(src != cur[i])
                          + int(c_to != cur[j]) - int(c_from != cur[j]))
                    key = (after - old, dm, i, b, j, c_to)
                    if (best is None or key < best) and _stays_connected(st.region, j, st.adj):
                        best = key
            finally:
                st.move(i, src)
    if best is None:
        return False
    _dv, _dm, i, b, j, c_to = best
    st.move(i, b)
    st.move(j, c_to)
    return True


def _second_moves(st: _Search, mid: int, a: int, i: int,
                  under: bool) -> list[tuple[int, int, int]]:
    """Moves (unit, from, to) that bring region ``mid`` back towards the band without touching
    region ``a`` or unit ``i``: units of a third region next to ``mid`` moving in (``under``),
    or units of ``mid`` next to a third region moving out."""
    out: set[tuple[int, int, int]] = set()
    for k in np.flatnonzero(st.region == mid):
        if k == i:
            continue
        for j in st.adj[k]:
            c = int(st.region[j])
            if c not in (a, mid):
                out.add((int(j), c, mid) if under else (int(k), mid, c))
    return sorted(out)


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
    first_unit = {int(g): int(np.flatnonzero(region == g)[0]) for g in groups}
    for g in sorted(groups.tolist(), key=first_unit.__getitem__):  # new slots by lowest unit
        out[region == g] = position[g] if g in position else next(spare)
    return out


@dataclass
class _Model:
    """A model without contiguity (plus the cuts found so far) and its columns."""

    mb: ModelBuilder
    x: np.ndarray  # n x R
    u: np.ndarray
    r_n: int


def _build(problem: RegionProblem, space: _Space, cuts: list[_Cut], *,
           phase: int, moves_max: int = 0, regions: int = 0,
           anchor_cost: np.ndarray | None = None, anchored: bool = False) -> _Model:
    """The model; phase 1 minimises moves, then regions (weights); phase 2
    fixes moves <= ``moves_max`` and ``regions`` and minimises ``anchor_cost`` (n x R: the
    household-weighted distance of unit i to region r's anchor). ``cuts``: contiguity cuts
    (:class:`_Cut`). ``anchored`` (phase 1) adds the rows that hold for groupings numbered by
    :func:`_relabel`: used labels keep a unit of their own, distance levels, slot order."""
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
    # (5a) a used new slot holds at least the fewest units reaching the floor (all moved)
    _slot_size_rows(mb, x, u, problem, space)
    # (5b') a guest unit that overfills a label's region pushes out that many of its units
    _guest_rows(mb, x, problem, space)
    # (5c) anchored labels: a used label keeps at least one of its units (true of the
    # grouping relabelled by _relabel, which moves no more units; the regions keeping no
    # label fit in the new slots, see _space); distance levels; slot order
    if anchored:
        _anchor_rows(mb, x, u, problem)
        _level_rows(mb, x, problem, space)
        _slot_order_rows(mb, x, problem, space)
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
    # (7) contiguity cuts (see _Cut): the layers around each unit and those found so far
    _add_cuts(mb, x, space, cuts)
    return _Model(mb, x, u, r_n)


def _slot_size_rows(mb: ModelBuilder, x: np.ndarray, u: np.ndarray, problem: RegionProblem,
                    space: _Space) -> None:
    """A used new slot holds at least the fewest units whose households reach the floor."""
    lo = problem.band[0]
    n = problem.n
    fewest = _fewest_to_cover(np.asarray(problem.households, dtype=np.float64),
                              float(lo)) if lo > 0 else 1
    for s in range(problem.n_labels, space.r_n):
        mb.add_row(0, np.inf, np.r_[x[:, s], u[s]], np.r_[np.ones(n), -float(fewest)])


def _anchor_rows(mb: ModelBuilder, x: np.ndarray, u: np.ndarray,
                 problem: RegionProblem) -> None:
    """A used current label keeps at least one of its own units: ``sum(x[own, r]) >= u[r]``."""
    cur = np.asarray(problem.current, dtype=np.int64)
    for r in range(problem.n_labels):
        own = np.flatnonzero(cur == r)
        mb.add_row(0, np.inf, np.r_[x[own, r], u[r]], np.r_[np.ones(len(own)), -1.0])


def _guest_rows(mb: ModelBuilder, x: np.ndarray, problem: RegionProblem,
                space: _Space) -> None:
    """A guest i (a unit of another label) in label r's region leaves room for at most
    ``max - h[i]`` of r's own households, so at least ``k_i`` of r's units (the fewest whose
    households cover ``H_r + h[i] - max``) leave: ``sum(x[own, r]) + k_i x[i,r] <= |own|``."""
    h = np.asarray(problem.households, dtype=np.float64)
    cur = np.asarray(problem.current, dtype=np.int64)
    hi = problem.band[1]
    for r in range(problem.n_labels):
        own = np.flatnonzero(cur == r)
        if len(own) == 0:
            continue
        total = float(h[own].sum())
        order = np.cumsum(np.sort(h[own])[::-1])
        guests = np.flatnonzero(space.allowed[:, r] & (cur != r) & (h + total > hi))
        if len(guests) == 0:
            continue
        need = np.minimum(np.searchsorted(order, h[guests] + total - hi - 1e-9) + 1, len(own))
        k = len(own) + 1
        mb.add_rows(-np.inf, float(len(own)), np.full(len(guests), k),
                    np.c_[np.tile(x[own, r], (len(guests), 1)), x[guests, r]].ravel(),
                    np.c_[np.ones((len(guests), len(own))), need.astype(np.float64)].ravel())


def _slot_order_rows(mb: ModelBuilder, x: np.ndarray, problem: RegionProblem,
                     space: _Space) -> None:
    """New slots in the order of their lowest unit: a unit i joins slot s + 1 only if slot s
    holds a unit before i. New slots are interchangeable in phase 1 (all their units are
    moved), and :func:`_relabel` numbers them so. Written with running sums
    ``c[i] = c[i-1] + x[i,s]`` and ``x[i,s+1] <= c[i-1]``."""
    n, first = problem.n, problem.n_labels
    for s in range(first, space.r_n - 1):
        c = mb.add_cols(np.zeros(n), 0, np.inf, integer=False)
        mb.add_row(0, 0, np.array([c[0], x[0, s]]), np.array([1.0, -1.0]))
        mb.add_rows(0, 0, np.full(n - 1, 3),
                    np.c_[c[1:], c[:-1], x[1:, s]].ravel(), np.tile([1.0, -1.0, -1.0], n - 1))
        mb.fix_to_zero(x[:1, s + 1])
        mb.add_rows(-np.inf, 0, np.full(n - 1, 2), np.c_[x[1:, s + 1], c[:-1]].ravel(),
                    np.tile([1.0, -1.0], n - 1))


def _level_rows(mb: ModelBuilder, x: np.ndarray, problem: RegionProblem,
                space: _Space) -> None:
    """Distance levels around each anchored label r: a unit t + 1 or more links from r's own
    units joins region r only if region r also holds a unit exactly t links away (t >= 1).

    Why: the region is contiguous and keeps one of r's units, so the path inside it from the
    unit to r's units crosses every level in between. Written with one column ``g[t]`` per
    level (the largest x[i,r] beyond level t): ``x[i,r] <= g[d(i) - 1]``, ``g[t + 1] <=
    g[t]`` and ``g[t] <= sum(x[k,r] for k at level t)``.
    """
    cur = np.asarray(problem.current, dtype=np.int64)
    edges = np.asarray(problem.edges, dtype=np.int64).reshape(-1, 2)
    n = problem.n
    graph = sp.csr_matrix((np.ones(2 * len(edges)), (np.r_[edges[:, 0], edges[:, 1]],
                                                     np.r_[edges[:, 1], edges[:, 0]])),
                          shape=(n, n))
    for r in range(problem.n_labels):
        members = np.flatnonzero(cur == r)
        if len(members) == 0:
            continue
        level = dijkstra(graph, indices=members, unweighted=True, min_only=True)
        ok = space.allowed[:, r] & np.isfinite(level) & (level >= 2)
        if not ok.any():
            continue
        d_max = int(level[ok].max())
        g = mb.add_cols(np.zeros(d_max), 0, 1, integer=False)  # g[t-1] for t = 1..d_max-1
        # x[i,r] <= g[d(i) - 1]
        units = np.flatnonzero(ok)
        k = len(units)
        mb.add_rows(-np.inf, 0, np.full(k, 2),
                    np.c_[x[units, r], g[level[units].astype(np.int64) - 2]].ravel(),
                    np.tile([1.0, -1.0], k))
        for t in range(1, d_max):
            at = np.flatnonzero((level == t) & space.allowed[:, r])
            mb.add_row(-np.inf, 0, np.r_[g[t - 1], x[at, r]], np.r_[1.0, -np.ones(len(at))])
            if t + 1 < d_max:
                mb.add_row(-np.inf, 0, np.r_[g[t], g[t - 1]], np.array([1.0, -1.0]))


def _add_cuts(mb: ModelBuilder, x: np.ndarray, space: _Space, cuts: list[_Cut]) -> None:
    """Add the rows of ``cuts`` for every region they hold for; a cut whose x[i,r] (or
    x[j,r]) is fixed at 0 holds anyway and is left out."""
    r_n = space.r_n
    lengths: list[int] = []
    index: list[np.ndarray] = []
    value: list[np.ndarray] = []
    upper: list[float] = []
    for cut in cuts:
        for r in (range(r_n) if cut.region < 0 else (cut.region,)):
            if r >= r_n or not space.allowed[cut.i, r] or (cut.j >= 0 and not space.allowed[cut.j, r]):
                continue
            head = [cut.i] if cut.j < 0 else [cut.i, cut.j]
            index.append(np.r_[x[head, r], x[cut.sep, r]])
            value.append(np.r_[np.ones(len(head)), -np.ones(len(cut.sep))])
            lengths.append(len(head) + len(cut.sep))
            upper.append(float(len(head) - 1))
    if lengths:
        mb.add_rows(-np.inf, np.asarray(upper), np.asarray(lengths), np.concatenate(index),
                    np.concatenate(value))


def _layer_cuts(problem: RegionProblem, adj: list[list[int]], *, depth: int,
                regions: Iterable[int]) -> list[_Cut]:
    """Too-small cuts on the breadth-first layers around every unit i, for ``regions``: with
    S the units fewer than t + 1 links from i (t = 1 .. ``depth`` - 1; t = 0 is row (6)) and
    N(S) those exactly t + 1 links away, when S holds fewer households than the floor."""
    h = np.asarray(problem.households, dtype=np.float64)
    lo = problem.band[0]
    targets = list(regions)
    cuts: list[_Cut] = []
    for i in range(problem.n):
        ball, layer, seen = [i], [i], {i}
        for _t in range(depth):
            nxt = sorted({b for a in layer for b in adj[a] if b not in seen})
            if not nxt or h[ball].sum() >= lo:
                break
            if len(ball) > 1:
                sep = np.asarray(nxt, dtype=np.int64)
                cuts.extend(_Cut(i, -1, sep, r) for r in targets)
            seen.update(nxt)
            ball = ball + nxt
            layer = nxt
    return cuts


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
    moves_max: int | None = None


def _space(problem: RegionProblem, moves_max: int | None, *,
           radius: int | None = None) -> _Space:
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
        r_n = n_lab + min(k_max, n)
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
        reach = moves_max if radius is None else min(radius, moves_max)
        links = dijkstra(graph, indices=members, unweighted=True, min_only=True,
                         limit=reach + 0.5)
        allowed[:, r] = links <= reach
    return _Space(r_n, allowed, moves_max)


def _near_space(problem: RegionProblem, best: np.ndarray) -> _Space:
    """The places of :func:`_space` for ``best`` restricted to units within ``NEAR_LINKS``
    links of their label's own units or of ``best``'s region (a neighbourhood of ``best``)."""
    space = _space(problem, int((best != np.asarray(problem.current)).sum()))
    if best.max() >= space.r_n:
        space = _space(problem, None)
    n = problem.n
    edges = np.asarray(problem.edges, dtype=np.int64).reshape(-1, 2)
    graph = sp.csr_matrix((np.ones(2 * len(edges)), (np.r_[edges[:, 0], edges[:, 1]],
                                                     np.r_[edges[:, 1], edges[:, 0]])),
                          shape=(n, n))
    cur = np.asarray(problem.current, dtype=np.int64)
    near = np.zeros_like(space.allowed)
    for r in range(space.r_n):
        seeds = np.flatnonzero((best == r) | (cur == r))
        if len(seeds):
            links = dijkstra(graph, indices=seeds, unweighted=True, min_only=True,
                             limit=NEAR_LINKS + 0.5)
            near[:, r] = links <= NEAR_LINKS
    near[np.arange(n), best] = True
    return _Space(space.r_n, space.allowed & near, space.moves_max)


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


@dataclass(frozen=True)
class _Cut:
    """A contiguity cut ``x[i,r] (+ x[j,r]) - sum(x[k,r] for k in sep) <= 1 (0 without j)``.

    ``j`` is -1 for a one-sided cut; ``region`` is the only region the cut holds for, or -1
    for every region. Three kinds (see :func:`_separator_cuts` for why each is valid):

    * two units (``j >= 0``, every region): if i and j share a region, so does a unit of a
      separator between them;
    * too small (``j = -1``, every region): i lies in a set S of units whose households are
      below the floor; a region holding i is larger than S, so it holds a unit of N(S);
    * anchored (``j = -1``, one current label r): i lies in a set S holding no unit of label
      r; region r keeps a unit of its label, so a region r holding i also holds a unit of the
      separator between S and that label.
    """

    i: int
    j: int
    sep: np.ndarray
    region: int = -1


def _separator(piece: list[int], targets: np.ndarray, adj: list[list[int]]) -> np.ndarray:
    """The units next to ``piece`` (S) through which a path from S reaches a unit of
    ``targets`` (bool mask, none in S): the last unit of N(S) on any such path is a target or
    touches a unit that reaches a target without entering S or N(S)."""
    n = len(targets)
    in_s = np.zeros(n, dtype=bool)
    in_s[piece] = True
    border = sorted({b for a in piece for b in adj[a] if not in_s[b]})
    free = ~in_s
    free[border] = False
    reach = np.zeros(n, dtype=bool)
    seeds = [int(t) for t in np.flatnonzero(targets & free)]
    reach[seeds] = True
    stack = list(seeds)
    while stack:
        a = stack.pop()
        for b in adj[a]:
            if free[b] and not reach[b]:
                reach[b] = True
                stack.append(b)
    return np.array([b for b in border if targets[b] or any(reach[c] for c in adj[b])],
                    dtype=np.int64)


def _separator_cuts(region: np.ndarray, adj: list[list[int]], h: np.ndarray, *,
                    floor: float, current: np.ndarray | None, n_labels: int) -> list[_Cut]:
    """Cuts that the disconnected regions of an integer answer violate.

    For every region that falls apart, its main piece is the one with most households (for a
    current label, among the pieces keeping units of that label when ``current`` is given:
    anchored labels). Every other piece S gets, for each of its units i: the anchored cut (a
    piece of label r keeping none of r's units), else the too-small cut when S holds fewer
    households than ``floor``, else the two-unit cut between i and a unit of the main piece
    through a minimal side of the separator N(S).
    """
    cuts: list[_Cut] = []
    n = len(region)
    for r in np.unique(region).tolist():
        inside = region == r
        pieces = _pieces(np.flatnonzero(inside).tolist(), inside, adj)
        if len(pieces) < 2:
            continue
        own = (current == r) if current is not None and r < n_labels else None
        pieces.sort(key=lambda p: (own is not None and not own[p].any(), -h[p].sum()))
        big = pieces[0]
        for piece in pieces[1:]:
            if own is not None and own[big].any() and not own[piece].any():
                sep = _separator(piece, own, adj)
                cuts.extend(_Cut(int(i), -1, sep, int(r)) for i in piece)
            elif h[piece].sum() < floor:
                in_s = np.zeros(n, dtype=bool)
                in_s[piece] = True
                sep = np.array(sorted({b for a in piece for b in adj[a] if not in_s[b]}),
                               dtype=np.int64)
                cuts.extend(_Cut(int(i), -1, sep) for i in piece)
            else:
                target = np.zeros(n, dtype=bool)
                target[big[0]] = True
                sep = _separator(piece, target, adj)
                cuts.extend(_Cut(int(i), int(big[0]), sep) for i in piece)
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
    stopped_by: str = ""  # "", "effort" (nodes or rounds) or "time_limit" (the safety valve)


def _cut_loop(problem: RegionProblem, adj: list[list[int]], space_of: Any, make: Any, *,
              incumbent: np.ndarray | None, score: Any, deadline: float, max_rounds: int,
              abs_gap: float | None, rel_gap: float, repair: bool,
              anchored: bool = False, bound: float = -math.inf) -> _Outcome:
    """Solve, cut off disconnected regions, solve again, until contiguous, proven or out of
    effort (``max_rounds`` solves of at most :data:`NODE_LIMIT` nodes each). ``space_of(best)``
    gives the places units may take given the best grouping so far (None: none known),
    ``make(space, cuts)`` builds the model, ``score(region)`` is the objective of a grouping,
    ``bound`` a proven lower bound known beforehand. ``deadline`` (``time.perf_counter()``
    seconds) is only the safety valve; the outcome's ``stopped_by`` says when it bound."""
    h = np.asarray(problem.households, dtype=np.int64)
    cur = np.asarray(problem.current, dtype=np.int64)
    cuts: list[_Cut] = []
    t0 = time.perf_counter()
    best, best_obj = incumbent, (score(incumbent) if incumbent is not None else math.inf)
    rounds = 0
    stopped = "effort"
    valve = [False]
    while rounds < max_rounds:
        if deadline - time.perf_counter() < MIN_ROUND_S:
            stopped = "time_limit"
            break
        space = space_of(best)
        model = make(space, cuts)
        start = _columns(model, best) if best is not None else None
        out = model.mb.solve(time_limit_s=max(deadline - time.perf_counter(), MIN_ROUND_S),
                             max_nodes=NODE_LIMIT, mip_gap=rel_gap, mip_abs_gap=abs_gap,
                             start=start,
                             start_cols=None if start is None else np.arange(len(start)))
        rounds += 1
        valve[0] |= out.status == "time_limit"
        if out.status == "infeasible":
            return _Outcome("infeasible", None, math.inf, time.perf_counter() - t0, rounds)
        if np.isfinite(out.bound):
            bound = max(bound, out.bound)
        if out.x is None:
            continue
        region = np.argmax(out.x[model.x.ravel()].reshape(problem.n, model.r_n), axis=1)
        new_cuts = _separator_cuts(region, adj, h, floor=problem.band[0],
                                   current=cur if anchored else None,
                                   n_labels=problem.n_labels)
        if new_cuts:
            cuts.extend(new_cuts)
            region = (_local_search(problem, adj, region, model.r_n, deadline=deadline,
                                    valve=valve)
                      if repair else None)
            if region is not None:
                region = _relabel(region, problem, model.r_n)
                if not space.allowed[np.arange(problem.n), region].all():
                    region = None
        elif anchored:  # numbered to move the fewest units (never more than the answer)
            region = _relabel(region, problem, model.r_n)
        if region is not None and score(region) < best_obj:
            best, best_obj = region, score(region)
        logger.debug("regions round %d: %s in %.2f s, bound %.2f, incumbent %.2f, %d cuts "
                     "(%d new), %d x columns free", rounds, out.status, out.runtime_s, bound,
                     best_obj, len(cuts), len(new_cuts), int(space.allowed.sum()))
        if ((best is not None and _proven(best_obj, bound, abs_gap, rel_gap))
                or (not new_cuts and out.status == "optimal")):  # proven, or contiguous and proven
            return _Outcome("optimal", best, 0.0, time.perf_counter() - t0, rounds,
                            "time_limit" if valve[0] else "")
    runtime = time.perf_counter() - t0
    stopped = "time_limit" if valve[0] else stopped
    if best is None:
        return _Outcome("no_solution", None, math.inf, runtime, rounds, stopped)
    gap = (best_obj - bound) / abs(best_obj) if np.isfinite(bound) and best_obj else math.inf
    return _Outcome("feasible", best, max(gap, 0.0), runtime, rounds, stopped)


def _counting_bound(problem: RegionProblem) -> float:
    """A lower bound of the phase-1 objective from counting alone.

    A moved unit leaves one label and enters one region. Leaving: a label above the ceiling
    loses at least the fewest of its units covering the excess; a label below the floor either
    loses all its units (dissolved, set D) or gains at least the fewest outside units covering
    the deficit (set G), which enter it. So moves >= leaving (over labels + D) and >= entering
    (G), for the best split of the labels below the floor; regions >= the fewest possible.
    """
    h = np.asarray(problem.households, dtype=np.float64)
    cur = np.asarray(problem.current, dtype=np.int64)
    lo, hi = problem.band
    leave, under = 0, []
    for r in range(problem.n_labels):
        own = np.flatnonzero(cur == r)
        total = float(h[own].sum())
        if total > hi:
            leave += _fewest_to_cover(h[own], total - hi)
        elif 0 < total < lo:
            under.append((len(own), _fewest_to_cover(h[cur != r], lo - total)))
    moves = leave  # valid whatever the split; the split is searched when there are few
    if len(under) <= MAX_SPLIT_SEARCH:
        moves = min(max(leave + sum(n for k, (n, _g) in enumerate(under) if mask >> k & 1),
                        sum(g for k, (_n, g) in enumerate(under) if not mask >> k & 1))
                    for mask in range(2 ** len(under)))
    return moves * _move_weight(problem) + problem.region_range()[0]


def _proven(obj: float, bound: float, abs_gap: float | None, rel_gap: float) -> bool:
    if not np.isfinite(bound):
        return False
    if abs_gap is not None and obj - bound < abs_gap:
        return True
    return obj - bound <= rel_gap * max(abs(obj), 1e-9)


def solve_regions(problem: RegionProblem, *, xy: np.ndarray | None = None,
                  time_limit_s: float = 30.0, compact_rounds: int = 2,
                  compact_time_s: float = 15.0) -> RegionSolution:
    """Group units into contiguous regions within a household band (see the module docstring).

    Public entry point of the regionalisation (community proposals, governance grids).
    Phase 1 proves the fewest moved units and then the fewest regions (an absolute gap below
    1 certifies both integer terms; the cut-link term breaks ties). Phase 2 keeps both numbers
    and makes the regions compact: each region gets an anchor (the household-weighted centroid
    of its units in the best grouping so far) and the grouping minimising the household-
    weighted straight-line distance to the anchors is solved (warm-started, same lazy
    contiguity cuts), ``compact_rounds`` times, each within ``compact_time_s``; the grouping
    with the smallest household-weighted distance to its own centroids is kept.

    What stops each phase is search effort (:data:`NODE_LIMIT` nodes per solve,
    :data:`CUT_ROUNDS`, :data:`NEAR_ROUNDS` and :data:`COMPACT_CUT_ROUNDS` solves per loop,
    ``20 n + 100`` local-search steps), so the answer is the same on any machine; the
    wall-clock limits are safety valves.

    Parameters
    ----------
    problem
        The units, their adjacency, current labels and the band.
    xy
        Unit coordinates (n x 2, metres) for phase 2; None skips phase 2.
    time_limit_s
        Wall-clock safety valve of the whole solve in seconds, meant far above the time the
        effort limits take (phase 2 keeps ``COMPACT_SHARE`` of it). When the effort runs out
        (or the valve binds) before a proof, the best valid grouping found is returned with
        status ``feasible`` and its gap to the proven bound, or, when none was found,
        ``no_solution`` (never ``infeasible``, which means proven); ``stopped_by`` says
        which limit bound (``time_limit``: the answer may depend on the machine's speed).
    compact_rounds
        Rounds of phase 2 (0 skips it).
    compact_time_s
        Wall-clock safety valve of each phase-2 round in seconds (within ``time_limit_s``).

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
    budget = float(time_limit_s)
    deadline = t0 + budget
    compacting = xy is not None and compact_rounds > 0
    phase1_end = deadline - (min(compact_rounds * compact_time_s, COMPACT_SHARE * budget)
                             if compacting else 0.0)
    valve = [False]
    start = _local_search(problem, adj, cur, r_full, deadline=phase1_end, valve=valve)
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

    layers = _layer_cuts(problem, adj, depth=LAYER_DEPTH,
                         regions=range(problem.n_labels, _space(problem, None).r_n))

    def make1(space: _Space, cuts: list[_Cut]) -> _Model:
        return _build(problem, space, layers + cuts, phase=1, anchored=True)

    for _ in range(NEAR_PASSES):
        if start is None or int((start != cur).sum()) <= NEAR_LINKS:
            break
        # a better start: the same model with every unit kept within NEAR_LINKS links of its
        # own label's units or of the start's region (a restriction: its groupings are
        # valid, its bound is not); again around each better grouping found
        near = _near_space(problem, start)
        heur = _cut_loop(problem, adj, lambda _best, near=near: near, make1, incumbent=start,
                         score=score1, deadline=phase1_end, max_rounds=NEAR_ROUNDS,
                         abs_gap=ABS_GAP, rel_gap=0.0, repair=True, anchored=True)
        valve[0] |= heur.stopped_by == "time_limit"
        if heur.region is None or score1(heur.region) >= score1(start):
            break
        start = heur.region
    first = _cut_loop(problem, adj, space_of, make1,
                      incumbent=start, score=score1, deadline=phase1_end, max_rounds=CUT_ROUNDS,
                      abs_gap=ABS_GAP, rel_gap=0.0, repair=True, anchored=True,
                      bound=_counting_bound(problem))
    valve[0] |= first.stopped_by == "time_limit"
    stopped_by = "time_limit" if valve[0] else first.stopped_by
    if first.region is None:
        return RegionSolution(first.status, None, 0, 0, 0, math.inf,
                              time.perf_counter() - t0, stopped_by=stopped_by)
    region = first.region
    moved = int((region != cur).sum())
    k = len(np.unique(region))
    logger.debug("regions phase 1: %s, %d moved, %d regions, gap %.3f, %.2f s of %.2f s",
                 first.status, moved, k, first.gap, time.perf_counter() - t0, budget)
    h = np.asarray(problem.households, dtype=np.float64)
    if compacting and k > 0:
        region, compact_valve = _compact(problem, adj, space_of(region), region,
                                         h=h, xy=np.asarray(xy, dtype=np.float64), moved=moved,
                                         k=k, rounds=compact_rounds, time_s=compact_time_s,
                                         deadline=deadline)
        if compact_valve:
            stopped_by = "time_limit"
    if stopped_by == "time_limit":
        logger.warning("regionalisation of %d units: the safety time limit of %g s bound; this "
                       "grouping may differ on a faster or slower machine", problem.n, budget)
    return RegionSolution(first.status, region, int((region != cur).sum()),
                          len(np.unique(region)), _cut(region, edges), first.gap,
                          time.perf_counter() - t0, stopped_by=stopped_by)


def _compact(problem: RegionProblem, adj: list[list[int]], space: _Space, region: np.ndarray, *,
             h: np.ndarray, xy: np.ndarray, moved: int, k: int, rounds: int,
             time_s: float, deadline: float) -> tuple[np.ndarray, bool]:
    """Phase 2: re-solve towards anchor points with the moves and regions of phase 1 fixed;
    keep the grouping with the smallest spread. Also returns whether a safety valve
    (``time_s`` per round, ``deadline`` overall) bound."""
    r_n = space.r_n
    cur = np.asarray(problem.current, dtype=np.int64)
    best, best_cost = region, _spread(region, h, xy)
    valve = False
    for _ in range(rounds):
        if deadline - time.perf_counter() < MIN_ROUND_S:
            valve = True
            break
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
                        deadline=min(deadline, time.perf_counter() + time_s),
                        max_rounds=COMPACT_CUT_ROUNDS, abs_gap=None, rel_gap=1e-6,
                        repair=False)
        valve |= out.stopped_by == "time_limit"
        cand = out.region
        if cand is None or int((cand != cur).sum()) > moved:
            break
        spread = _spread(cand, h, xy)
        if spread >= best_cost - 1e-6:
            break
        best, best_cost = cand, spread
    return best, valve


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
