"""Every grid a group of units could form, enumerated, and the exact choice among them.

A grid of the districting model (:mod:`gis_planner.grids.solve`) is a centre unit ``j`` and a
set of units around it in which every unit but ``j`` may take ``j`` as its centre and has a
neighbour in the set one hop nearer ``j`` ("star-contiguous"), holding between the floor and
the centre's ceiling of households. Where a group's households make grids of a handful of units
(the usual case: 300-500 households of compounds of 100-300), such grids are few: a few hundred
to a few tens of thousands. Then the districting is a set-partitioning model over them: choose
``k`` grids that hold every unit exactly once, at the least household-weighted walk.

It is the same problem as the compact model (one column per unit and centre, rows for the band
and the chains of neighbours): the same feasible groupings at the same costs, so the same
optimum. But its LP relaxation is far tighter (fractions of whole grids instead of fractions
of single assignments). On the grid stage of central Shanghai's 180 communities
(``python benchmarks/bench_grids.py --shanghai --threads 1``), the solver time falls from 22.4 s
with the compact model to 3.1 s, enumeration included, and a grid count that 200 search nodes
could not decide there is proven to have no grouping. A unit that no grid can hold proves at
once, without HiGHS, that the count has no grouping.

Where grids would hold many units (small units, a wide band), the candidates multiply; past
:data:`MAX_CANDIDATES` the enumeration stops and the compact model is solved instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gis_planner._threads import own_clock
from gis_planner.siting.milp import MipOutcome, ModelBuilder

#: Most candidate grids enumerated for one model; beyond it the compact model is solved. Our
#: reading, not a standard: reaching it takes 0.2-0.4 s of enumeration; the largest model of
#: central Shanghai has 16,907 candidates (solved in 0.15 s), and a 60-unit lattice with
#: 74,621 took 12 s (where the compact model stopped at its 200 nodes after 28 s), one with
#: 790,756 did not finish in 500 s.
MAX_CANDIDATES = 50_000


@dataclass(frozen=True)
class CandidateGrids:
    """Candidate grids of one group, in the order enumerated.

    Attributes
    ----------
    centre
        Centre unit of each grid (unit position), length m.
    start
        Offsets of each grid's units in ``members``, length m + 1.
    members
        Unit positions of every grid, grid after grid (the centre first).
    walk
        Household-weighted walk of each grid to its centre (household-metres), length m.
    households
        Households of each grid, length m.
    """

    centre: np.ndarray
    start: np.ndarray
    members: np.ndarray
    walk: np.ndarray
    households: np.ndarray

    def __len__(self) -> int:
        return len(self.centre)

    def grid_of_member(self) -> np.ndarray:
        """The grid (position in this table) of every entry of ``members``."""
        return np.repeat(np.arange(len(self.centre)), np.diff(self.start))


def star_grids(h: np.ndarray, w: np.ndarray, cost: np.ndarray, *, nb: list[list[int]],
               hops: np.ndarray, ok: np.ndarray, floor: float, caps: np.ndarray,
               limit: int | None = None) -> CandidateGrids | None:
    """Every star-contiguous grid holding ``floor`` to ``caps[centre]`` households, or None
    when there are more than ``limit``.

    Parameters
    ----------
    h, w
        Households of each unit and its weight in the walk (households; a small weight for a
        unit without households), length n.
    cost
        (n, n) walk from unit i to centre j (m).
    nb
        Neighbours of each unit on the adjacency graph.
    hops
        (n, n) hop distances on the adjacency graph.
    ok
        (n, n) whether unit i may take j as its centre (``ok[i, j]``).
    floor
        Least households of a grid.
    caps
        Most households of a grid centred on each unit, length n.
    limit
        Most grids enumerated (default :data:`MAX_CANDIDATES`).

    Depth-first over the units a centre may hold, nearest (by hops, then position) first: a
    unit is taken or left, and may be taken only when a neighbour one hop nearer the centre was
    taken and the ceiling allows; a branch ends when even every later unit would leave it
    below the floor. Each grid is found once.
    """
    n = len(h)
    found = _Found(MAX_CANDIDATES if limit is None else limit)
    hh = [int(x) for x in h]
    hv = np.asarray(h, dtype=float)
    try:
        for j in range(n):
            allowed = np.flatnonzero(ok[:, j] & (np.arange(n) != j))
            order = allowed[np.lexsort((allowed, hops[allowed, j]))].tolist()
            parents = [[q for q in nb[i] if ok[q, j] and hops[q, j] < hops[i, j]] for i in order]
            walk = (w * np.where(np.isfinite(cost[:, j]), cost[:, j], 0.0)).tolist()
            rest = np.r_[np.cumsum(hv[order][::-1])[::-1], 0.0].tolist()
            _around(j, order, parents, hh=hh, walk=walk, rest=rest, floor=floor,
                    cap=float(caps[j]), found=found)
    except _TooMany:
        return None
    start = np.zeros(len(found.sizes) + 1, dtype=np.int64)
    np.cumsum(found.sizes, out=start[1:])
    return CandidateGrids(np.asarray(found.centres, dtype=np.int64), start,
                          np.asarray(found.members, dtype=np.int64),
                          np.asarray(found.walks, dtype=float),
                          np.asarray(found.totals, dtype=np.int64))


class _Found:
    """Grids found so far (flat lists), up to a limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.centres: list[int] = []
        self.members: list[int] = []
        self.sizes: list[int] = []
        self.walks: list[float] = []
        self.totals: list[int] = []

    def add(self, units: list[int], walk: float, total: int) -> None:
        if len(self.centres) >= self.limit:
            raise _TooMany
        self.centres.append(units[0])
        self.members.extend(units)
        self.sizes.append(len(units))
        self.walks.append(walk)
        self.totals.append(total)


def _around(j: int, order: list[int], parents: list[list[int]], *, hh: list[int],
            walk: list[float], rest: list[float], floor: float, cap: float, found: _Found) -> None:
    """Every grid centred on ``j``: ``order`` holds the units that may take ``j`` as centre,
    nearest first, ``parents[t]`` the neighbours of ``order[t]`` one hop nearer ``j``,
    ``rest[t]`` the households of ``order[t:]``; ``walk[i]`` is unit i's weighted walk to ``j``."""
    taken = [False] * len(hh)
    taken[j] = True
    chosen = [j]
    last = len(order)
    # depth first without recursion (a group may hold more units than Python's recursion
    # limit): a task (t, total, walk) looks for the next unit from order[t] on; (-1 - i, 0, 0)
    # gives unit i back after the branch that took it, before the branch that leaves it
    todo: list[tuple[int, int, float]] = [(0, hh[j], 0.0)]
    while todo:
        t, total, cost = todo.pop()
        if t < 0:
            taken[-1 - t] = False
            chosen.pop()
            continue
        if total + rest[t] < floor:
            continue
        while t < last:  # the next unit that may join
            i = order[t]
            if total + hh[i] <= cap and any(taken[q] for q in parents[t]):
                break
            t += 1
        if t == last:
            if total >= floor:
                found.add(chosen, cost, total)
            continue
        i = order[t]
        todo.append((t + 1, total, cost))  # then leave it
        todo.append((-1 - i, 0, 0.0))
        taken[i] = True  # take it first
        chosen.append(i)
        todo.append((t + 1, total + hh[i], cost + walk[i]))


class _TooMany(Exception):
    """More candidate grids than the limit."""


#: What a choice returns: centre per unit (None without a grouping), HiGHS's status, the walk
#: (household-metres), its bound.
Choice = tuple[np.ndarray | None, str, float, float]


def choose_grids(grids: CandidateGrids, n: int, *, k: int, max_nodes: int, time_limit_s: float,
                 mip_gap: float) -> Choice:
    """``k`` of the candidate grids holding each of the ``n`` units exactly once, at the least
    total walk. A unit that no grid holds means that no choice exists: ``infeasible`` at once,
    without HiGHS."""
    if len(grids) == 0 or (np.bincount(grids.members, minlength=n) == 0).any():
        return None, "infeasible", np.inf, np.inf
    out, cols = _partition(grids, n, grids.walk, k=(k, k), max_nodes=max_nodes,
                           time_limit_s=time_limit_s, mip_gap=mip_gap)
    if out.x is None:
        return None, out.status, np.inf, np.inf
    return _centres(grids, n, out, cols), out.status, out.objective, out.bound


def choose_grids_soft(grids: CandidateGrids, n: int, *, k: int, floor: int, max_nodes: int,
                      time_limit_s: float, mip_gap: float) -> Choice:
    """At least ``k`` of the candidate grids (every grid up to its ceiling, none below a floor)
    holding each unit exactly once: the fewest households missing from the ``floor`` of their
    grid, then the fewest grids, then the least walk, solved in that order (each solve keeps
    the optimum of the ones before as a constraint). The status is the first that is not
    ``optimal``; the bound is the last solve's. ``time_limit_s`` is shared by the solves.

    In turn, each solve has a plain objective, where one weighted sum of the three
    (:func:`gis_planner.grids.solve._soft_weights`: 10^9 and more per missing household) leaves
    HiGHS a relaxation it bounds poorly: the demo's 凤凰社区 (36 units) kept a 5.1 % gap on its
    walk that way; in turn the same walk is proven (gap 0).
    """
    short = np.maximum(floor - grids.households, 0).astype(float)
    t0 = own_clock()

    def solve(cost: np.ndarray, k: tuple[float, float], keep: list[tuple[np.ndarray, float]],
              ) -> tuple[MipOutcome, np.ndarray]:
        return _partition(grids, n, cost, k=k, keep=keep, max_nodes=max_nodes, mip_gap=mip_gap,
                          time_limit_s=time_limit_s - (own_clock() - t0))

    missing, _ = solve(short, (k, np.inf), [])
    if missing.x is None:
        return None, missing.status, np.inf, np.inf
    keep = [(short, round(missing.objective) + 0.5)]  # households short: whole numbers
    fewest, _ = solve(np.ones(len(grids)), (k, np.inf), keep)
    if fewest.x is None:
        return None, fewest.status, np.inf, np.inf
    m = round(fewest.objective)
    out, cols = solve(grids.walk, (m, m), keep)
    if out.x is None:
        return None, out.status, np.inf, np.inf
    status = next((o.status for o in (missing, fewest, out) if o.status != "optimal"), "optimal")
    return _centres(grids, n, out, cols), status, out.objective, out.bound


def _partition(grids: CandidateGrids, n: int, cost: np.ndarray, *, k: tuple[float, float],
               max_nodes: int, time_limit_s: float, mip_gap: float,
               keep: list[tuple[np.ndarray, float]] | None = None) -> tuple[MipOutcome, np.ndarray]:
    """The set-partitioning model: binary columns (one per grid) at ``cost``, every unit held
    once, ``k[0]`` to ``k[1]`` grids and each ``keep`` row ``sum(values * x) <= most``."""
    mb = ModelBuilder()
    cols = mb.add_cols(cost, 0, 1, integer=True)
    order = np.argsort(grids.members, kind="stable")
    mb.add_rows(1, 1, np.bincount(grids.members, minlength=n),
                cols[grids.grid_of_member()[order]], np.ones(len(order)))
    mb.add_row(k[0], k[1], cols, np.ones(len(cols)))
    for values, most in keep or []:
        mb.add_row(-np.inf, most, cols, values)
    out = mb.solve(time_limit_s=max(time_limit_s, 0.0), max_nodes=max_nodes, mip_gap=mip_gap)
    return out, cols


def _centres(grids: CandidateGrids, n: int, out: MipOutcome, cols: np.ndarray) -> np.ndarray:
    """The centre of every unit in the grids a solve chose (a solve with a solution)."""
    assert out.x is not None
    chosen = out.x[cols] > 0.5
    entry = chosen[grids.grid_of_member()]
    centre = np.full(n, -1, dtype=np.int64)
    centre[grids.members[entry]] = np.repeat(grids.centre[chosen], np.diff(grids.start)[chosen])
    return centre


__all__ = ["MAX_CANDIDATES", "CandidateGrids", "Choice", "choose_grids", "choose_grids_soft", "star_grids"]
