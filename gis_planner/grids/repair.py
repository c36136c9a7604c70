"""Repair of a heuristic grouping: a grid outside its band is solved again, exactly, with the
grids around it.

The heuristic of :mod:`gis_planner.grids.solve` (region growing, then single boundary moves
between a fixed number of grids) can leave a grid above the ceiling where a grouping within
the band exists. In the demo's 府前社区 (77 units), the seven 157-household buildings of one
compound lie next to each other: farthest-first seeding put six seeds among them, three of
them stayed alone below the floor, and the units the ceiling left out joined a grid of 450
households, making 525; no single move of a unit could mend it.

The repair mends such grids with the exact model of :mod:`gis_planner.grids.solve`. A grid
outside its band and the grids around it (those adjacent to it, then those adjacent to them,
nearest centre first, while the region holds at most :data:`REGION_SIZES` units) form a
*region*: whole grids, so a connected group of units. Where the region's grids are too many
to list (small units in wide grids), the grid added last is left out, and so on. The region
is solved exactly (its enumerated grids, the ceiling kept and the floor made soft where it
must be), and its new grids replace the old ones when they are better: fewer households above
ceilings, then fewer below floors, then fewer grids. The grids outside the region do not
change, so the whole grouping is better by the same measure. On 府前社区 two regions of 13 and
11 units put all its grids in the band.

Grids are tried the farthest above the ceiling first, then the farthest below the floor,
until no region improves or :data:`MAX_REGION_SOLVES` regions have been solved. Every solve
stops at its search effort (branch-and-bound nodes, at most :data:`REGION_MAX_CANDIDATES`
enumerated grids), so the repair gives the same grids on any machine; a wall-clock limit
stays as a safety valve, and when it binds ``stopped_by`` says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gis_planner._threads import own_clock

#: Most units of a region, tried in turn: a small region first (solved in hundredths of a
#: second), a larger one where it finds no improvement. Our reading, from 200 generated
#: lattices of 25-64 units where grids hold two to eight units: regions of at most 14 units
#: put every grid in the band in 171 (5.7 s in all), of at most 24 in 177 (13 s), of 30 in
#: 177 (33 s); 14 then 24: 177 (9-10 s).
REGION_SIZES = (14, 24)
#: Most candidate grids enumerated for a region; a region with more is solved again without
#: its last grid (the compact model, its other form, takes seconds to minutes). Our reading:
#: on 30 generated lattices of 64-121 units of about 30 households in the tight band 440-500,
#: 20,000 took up to 28 s for one group, 5,000 up to 8.5 s, 2,000 up to 2.6 s but left three
#: more groups above the ceiling.
REGION_MAX_CANDIDATES = 5_000
#: Most regions solved in the repair of one connected group of units (the same 30 lattices:
#: 60 took up to 8.5 s for one group, 30 up to 5 s, with as many groups in the band).
MAX_REGION_SOLVES = 30

#: Solves a region exactly: (households, cost (m), neighbours, time limit (s)) of its units ->
#: (centre per unit, positions in the region; None when no grouping was found within the
#: limits), whether the region has more than :data:`REGION_MAX_CANDIDATES` grids (then it is
#: not solved), runtime (s), the limit that bound (``""``, ``node_limit`` or ``time_limit``).
RegionSolver = Callable[[np.ndarray, np.ndarray, list[list[int]], float],
                        tuple[np.ndarray | None, bool, float, str]]


@dataclass(frozen=True)
class Repair:
    """Outcome of :func:`repair_grids`.

    Attributes
    ----------
    centre
        Position of each unit's grid centre after the repair, length n.
    solves
        Regions solved.
    mended
        Regions whose new grids replaced the old ones.
    runtime_s
        Time of the region solves, seconds.
    stopped_by
        ``""``, ``node_limit`` (a region solve ran out of search effort: reproducible) or
        ``time_limit`` (the safety valve bound: the answer may depend on the machine's speed).
    """

    centre: np.ndarray
    solves: int
    mended: int
    runtime_s: float
    stopped_by: str


def alone_over(hg: np.ndarray, hi: int) -> bool:
    """Whether a grid's households (per unit) are one unit's above the ceiling: such a unit
    stands alone (units without households may share its grid, as the model allows)."""
    return int(hg.sum()) > hi and int(np.count_nonzero(hg)) == 1


def band_gap(hg: np.ndarray, lo: int, hi: int) -> tuple[int, int]:
    """(households above the ceiling, households short of the floor) of a grid with ``hg``
    households per unit; (0, 0) for a unit alone above the ceiling (nothing can mend it)."""
    if alone_over(hg, hi):
        return 0, 0
    total = int(hg.sum())
    return max(0, total - hi), max(0, lo - total)


def _grids(centre: np.ndarray) -> dict[int, np.ndarray]:
    """Unit positions of each grid, by centre, in the order of the centres."""
    return {int(c): np.flatnonzero(centre == c) for c in np.unique(centre)}


def _score(h: np.ndarray, centre: np.ndarray, lo: int, hi: int) -> tuple[int, int, int]:
    """(households above ceilings, households short of floors, grids) of a grouping."""
    gaps = [band_gap(h[centre == c], lo, hi) for c in np.unique(centre)]
    return sum(g[0] for g in gaps), sum(g[1] for g in gaps), len(gaps)


def _region(seed: int, grids: dict[int, np.ndarray], centre: np.ndarray, *, nb: list[list[int]],
            cost: np.ndarray, max_units: int) -> np.ndarray:
    """Unit positions (increasing) of the region around the grid centred on ``seed``: the
    grids adjacent to it, then those adjacent to them, each ring nearest centre first (by the
    cost to ``seed``, then position), while the region holds at most ``max_units`` units."""
    chosen, seen = [seed], {seed}
    size = len(grids[seed])
    ring = [seed]
    while ring:
        near = {int(centre[q]) for g in ring for i in grids[g] for q in nb[i]} - seen
        seen |= near
        ring = []
        for g in sorted(near, key=lambda g: (float(cost[g, seed]), g)):
            if size + len(grids[g]) <= max_units:
                chosen.append(g)
                ring.append(g)
                size += len(grids[g])
    return np.sort(np.concatenate([grids[g] for g in chosen]))


def _local_neighbours(units: np.ndarray, nb: list[list[int]], n: int) -> list[list[int]]:
    """Neighbours of each unit of ``units`` within them, as positions in ``units``."""
    at = np.full(n, -1, dtype=np.int64)
    at[units] = np.arange(len(units))
    return [[int(at[q]) for q in nb[i] if at[q] >= 0] for i in units]


def _worse_limit(a: str, b: str) -> str:
    """The more telling of two limits: ``time_limit``, then ``node_limit``, then ``""``."""
    return "time_limit" if "time_limit" in (a, b) else "node_limit" if "node_limit" in (a, b) else ""


class _Repair:
    """The state of one repair: the grouping so far, the regions tried and the effort spent."""

    def __init__(self, h: np.ndarray, cost: np.ndarray, nb: list[list[int]], centre: np.ndarray,
                 *, band: tuple[int, int], solve_region: RegionSolver, time_limit_s: float) -> None:
        self.h, self.cost, self.nb, self.band = h, cost, nb, band
        self.centre = np.asarray(centre, dtype=np.int64).copy()
        self.solve_region = solve_region
        self.deadline_s = own_clock() + time_limit_s
        self.tried: set[tuple[tuple[int, ...], tuple[int, ...]]] = set()
        self.solves, self.mended, self.runtime_s, self.stopped_by = 0, 0, 0.0, ""

    def outside(self) -> tuple[dict[int, np.ndarray], list[int]]:
        """The grids by centre, and the centres of the grids outside the band: the most
        households above the ceiling first, then the most short of the floor, then position."""
        grids = _grids(self.centre)
        gaps = {c: band_gap(self.h[m], *self.band) for c, m in grids.items()}
        return grids, sorted((c for c, g in gaps.items() if g != (0, 0)),
                             key=lambda c: (-gaps[c][0], -gaps[c][1], c))

    def mend(self, seed: int, grids: dict[int, np.ndarray], *, sizes: tuple[int, ...],
             max_solves: int) -> bool:
        """Solve the regions around the grid centred on ``seed``, of at most each of ``sizes``
        units in turn, until one improves the grouping (True) or none does (False). A region
        with too many grids to list is solved again without its last grid."""
        for size in sizes:
            cap = size
            while cap >= len(grids[seed]) and self.solves < max_solves:
                units = _region(seed, grids, self.centre, nb=self.nb, cost=self.cost,
                                max_units=cap)
                key = (tuple(units.tolist()), tuple(self.centre[units].tolist()))
                if key in self.tried:  # the same region as it was: the same answer
                    break
                self.tried.add(key)
                got, too_many = self.solve(units)
                if got is not None and (_score(self.h[units], units[got], *self.band)
                                        < _score(self.h[units], self.centre[units], *self.band)):
                    self.centre[units] = units[got]
                    self.mended += 1
                    return True
                cap = len(units) - 1 if too_many else -1
        return False

    def solve(self, units: np.ndarray) -> tuple[np.ndarray | None, bool]:
        """The region's new grouping (positions in ``units``; None without one) and whether
        it has too many grids to list; raises :class:`_OutOfTime` past the safety valve."""
        budget = self.deadline_s - own_clock()
        if budget <= 0:
            raise _OutOfTime
        got, too_many, runtime, limit = self.solve_region(
            self.h[units], self.cost[np.ix_(units, units)],
            _local_neighbours(units, self.nb, len(self.h)), budget)
        self.solves += 1
        self.runtime_s += runtime
        self.stopped_by = _worse_limit(self.stopped_by, limit)
        return got, too_many


class _OutOfTime(Exception):
    """The repair's wall-clock safety valve bound."""


def repair_grids(h: np.ndarray, cost: np.ndarray, nb: list[list[int]], centre: np.ndarray, *,
                 lo: int, hi: int, solve_region: RegionSolver, time_limit_s: float,
                 sizes: tuple[int, ...] = REGION_SIZES,
                 max_solves: int = MAX_REGION_SOLVES) -> Repair:
    """Mend the grids of a connected group that are outside the band ``lo``-``hi``
    (households, inclusive) by solving each with the grids around it (see the module
    docstring).

    Parameters
    ----------
    h
        Households per unit, length n.
    cost
        (n, n) cost from unit i to centre j (m), ``inf`` where j may not be i's centre.
    nb
        Neighbours of each unit on the adjacency graph.
    centre
        Position of each unit's grid centre; every grid is contiguous.
    lo, hi
        The band, households per grid.
    solve_region
        The exact solve of a region (:data:`RegionSolver`).
    time_limit_s
        Wall-clock safety valve of the whole repair, seconds.
    sizes
        Most units of a region, tried in turn for each grid outside the band.
    max_solves
        Most regions solved.

    Returns
    -------
    Repair
        Its ``centre`` is never worse than the given one: no more households above ceilings,
        and as many only with no more short of floors.
    """
    state = _Repair(np.asarray(h), np.asarray(cost), nb, centre, band=(lo, hi),
                    solve_region=solve_region, time_limit_s=time_limit_s)
    try:
        improved = True
        while improved and state.solves < max_solves:
            grids, outside = state.outside()
            improved = any(state.mend(seed, grids, sizes=sizes, max_solves=max_solves)
                           for seed in outside)
    except _OutOfTime:
        state.stopped_by = "time_limit"
    return Repair(state.centre, state.solves, state.mended, state.runtime_s, state.stopped_by)


__all__ = ["MAX_REGION_SOLVES", "REGION_MAX_CANDIDATES", "REGION_SIZES", "RegionSolver",
           "Repair", "alone_over", "band_gap", "repair_grids"]
