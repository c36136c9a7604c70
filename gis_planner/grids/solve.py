"""Contiguous, compact, household-banded districting of units around centre units.

The model (a capacitated p-median with contiguity; the classic districting model of Hess et
al. 1965 with the "shortest-path" contiguity constraints of Oehrlein and Haunert 2017 and
Validi, Buchanan and Lykhovyd 2022): choose ``k`` centre units and assign every unit to one
centre so that

- every grid holds between ``min`` and ``max`` households (both inclusive); a unit that alone
  exceeds ``max`` may only form a grid by itself;
- every unit ``i`` of the grid centred on ``j`` has a neighbour (on the unit adjacency graph)
  in the same grid that is nearer to ``j`` (by the cost below, ties broken by position): so
  every grid is contiguous, joined to its centre by chains of neighbours that step nearer;
- the total household-weighted cost ``sum h_i * c_ij`` is smallest, where ``c_ij`` is the
  walking distance from unit ``i`` to centre ``j`` plus a penalty per barrier (arterial road,
  railway, river) between them.

``k`` is the fewest grids the band allows (each grid needs a worker); when no grouping with
that many grids exists, the next ``k`` is tried. The contiguity rule is a restriction of plain
contiguity ("star-contiguous" grids); proven optimality and gaps refer to that model.

Exact: HiGHS on this model when a group has at most ``exact_max_units`` units: over the grids
it allows, enumerated (:mod:`gis_planner.grids.candidates`: a set-partitioning model with a
much tighter relaxation) where they are few enough, else on the compact model (a column per
unit and possible centre, rows for the band and the chains of neighbours). Each
solve is stopped at a search effort (``max_nodes`` branch-and-bound nodes) with its gap, so the
answer is the same on any machine; a wall-clock limit stays as a safety valve far above that effort,
and when it binds the status says so (``time_limit``: that answer may depend on the machine's
speed). Larger groups: region growing from farthest-first seeds, then a local
search moving boundary units, then, for the grids still outside the band, the repair of
:mod:`gis_planner.grids.repair` (each solved exactly again with the grids around it); its gap is
stated against a lower bound valid for any grouping into its ``k`` grids (each non-centre unit
at least at its cheapest other unit; at most ``k`` units are centres).
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, shortest_path

from gis_planner._threads import own_clock
from gis_planner.grids.candidates import Choice, choose_grids, choose_grids_soft, star_grids
from gis_planner.grids.repair import REGION_MAX_CANDIDATES, RegionSolver, band_gap, repair_grids
from gis_planner.siting.milp import ModelBuilder

#: Weight given to a unit without households, so that it still joins a near centre.
EMPTY_WEIGHT = 1e-3
#: Least objective weight of one household missing from a grid's floor (soft-floor model):
#: above any number of grids times the grid weight (see :func:`_soft_weights`).
SHORT_WEIGHT = 1e9
#: Least objective weight of one grid (soft-floor model): above any walking cost
#: (household-metres) of a community below about 10,000 households.
GRID_WEIGHT = 1e7
#: Relative gap at which an exact solve stops as optimal.
MIP_GAP = 1e-6
#: Passes of the local search.
LOCAL_SEARCH_PASSES = 50


@dataclass(frozen=True)
class Districting:
    """Outcome of :func:`solve_districts`.

    Attributes
    ----------
    centre
        Position of each unit's grid centre (a unit position), length n.
    method
        ``exact`` (every group solved by HiGHS), ``heuristic`` or ``mixed``.
    status
        ``optimal`` (every exact group proven), ``feasible`` (the node limit or the
        heuristic), ``time_limit`` (the wall-clock safety valve stopped a solve: the answer
        may depend on the machine's speed) or ``relaxed`` (some group has no grouping in the
        band; its grids keep only the ceiling and the band check reports them).
    objective
        Household-weighted cost (household-metres).
    bound
        Lower bound on the objective (household-metres).
    gap
        ``(objective - bound) / objective`` (0 when proven optimal).
    runtime_s
        Solver time, seconds.
    stopped_by
        ``""`` (no limit bound), ``node_limit`` (a solve ran out of search effort: the
        answer is reproducible) or ``time_limit`` (the safety valve bound: it may not be).
    """

    centre: np.ndarray
    method: str
    status: str
    objective: float
    bound: float
    gap: float
    runtime_s: float
    stopped_by: str = ""


def _neighbours(n: int, edges: np.ndarray) -> list[list[int]]:
    nb: list[list[int]] = [[] for _ in range(n)]
    for a, b in np.asarray(edges, dtype=np.int64).reshape(-1, 2):
        if a != b:
            nb[a].append(int(b))
            nb[b].append(int(a))
    return [sorted(set(x)) for x in nb]


def _weights(h: np.ndarray) -> np.ndarray:
    return np.where(h > 0, h, EMPTY_WEIGHT).astype(float)


def _hops(n: int, nb: list[list[int]]) -> np.ndarray:
    """Hop distances on the unit adjacency graph (inf between separate parts)."""
    rows = [i for i in range(n) for _ in nb[i]]
    cols = [q for i in range(n) for q in nb[i]]
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr()
    return shortest_path(graph, unweighted=True, directed=False)


def _star_pairs(cost: np.ndarray, hops: np.ndarray, nb: list[list[int]]) -> np.ndarray:
    """Allowed (unit, centre) pairs: finite cost and a chain of neighbours, each one hop
    nearer the centre on the adjacency graph, whose costs are finite too."""
    n = len(cost)
    ok = np.zeros((n, n), dtype=bool)
    for j in range(n):
        order = np.lexsort((np.arange(n), hops[:, j]))
        ok[j, j] = True
        for i in order[1:]:
            if not np.isfinite(hops[i, j]):
                break
            ok[i, j] = np.isfinite(cost[i, j]) and any(
                ok[k, j] and hops[k, j] < hops[i, j] for k in nb[i])
    return ok


def _star(h: np.ndarray, cost: np.ndarray, nb: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Hop distances and allowed (unit, centre) pairs of a group (see :func:`_star_pairs`)."""
    hops = _hops(len(h), nb)
    return hops, _star_pairs(cost, hops, nb)


def _lower_bound(w: np.ndarray, cost: np.ndarray, k: int) -> float:
    c = np.where(np.eye(len(cost), dtype=bool), np.inf, cost)
    m = c.min(axis=1) if len(c) > 1 else np.zeros(len(c))
    m = np.where(np.isfinite(m), m, 0.0)
    v = np.sort(w * m)
    return float(v[: max(len(v) - k, 0)].sum())


def _caps(h: np.ndarray, hi: int) -> np.ndarray:
    return np.maximum(h, hi).astype(float)


def _implied_band(h: np.ndarray, k: int, lo: int, hi: int) -> tuple[int, np.ndarray]:
    """The floor every grid of an exactly-``k`` grouping must meet, and each unit's ceiling
    as a centre (households).

    Units above ``hi`` stand alone, so the other ``m`` grids share the rest ``R`` of the
    households; each of them is at least ``R - (m - 1) * hi`` (the others hold at most ``hi``
    each) and at most ``R - (m - 1) * lo``. The tighter band has exactly the same groupings,
    but a much stronger LP relaxation where ``k`` grids barely hold the households (e.g.
    2,403 households in 5 grids of at most 500: every grid holds at least 403), which is
    where proving that no grouping exists used to take seconds.
    """
    over = h > hi
    m = k - int(over.sum())
    lo2, hi2 = lo, hi
    if m >= 1:
        rest = int(h[~over].sum())
        lo2 = max(lo, rest - (m - 1) * hi)
        hi2 = min(hi, rest - (m - 1) * lo)
    return lo2, np.where(over, h, hi2).astype(float)


def _soft_weights(w: np.ndarray, cost: np.ndarray, ok: np.ndarray) -> tuple[float, float]:
    """Objective weights of one grid and of one household missing from a floor in the
    soft-floor model, so that the order (missing households, then grids, then walk) is
    exact: a grid weighs more than any walking cost (every unit at its farthest allowed
    centre, household-metres) and a missing household more than every unit being a grid.
    At least :data:`GRID_WEIGHT` and :data:`SHORT_WEIGHT`: larger only for a community
    whose walking cost could exceed them (about 10,000 households or more)."""
    far = np.where(ok, cost, 0.0).max(axis=1)
    grid_weight = max(GRID_WEIGHT, float(w @ far) + 1.0)
    return grid_weight, max(SHORT_WEIGHT, grid_weight * (len(w) + 1))


def _exact(h: np.ndarray, cost: np.ndarray, nb: list[list[int]], k: int, *, lo: int, hi: int,
           max_nodes: int, time_limit_s: float, soft_floor: bool = False,
           star: tuple[np.ndarray, np.ndarray] | None = None, max_candidates: int | None = None,
           ) -> tuple[np.ndarray | None, str, float, float, float]:
    """(centre per unit or None, status, walking cost, its bound, runtime in seconds); the
    status is HiGHS's (``optimal``, ``node_limit``, ``time_limit``, ``infeasible`` …).

    ``soft_floor``: the floor may be missed and ``k`` is a lower limit: fewest missing
    households first, then fewest grids, then the walking cost. ``star``: the group's hop
    distances and allowed (unit, centre) pairs (:func:`_star_pairs`) when already known; they
    do not depend on ``k``.

    The model is solved over its grids, enumerated (:mod:`gis_planner.grids.candidates`),
    where they are at most :data:`~gis_planner.grids.candidates.MAX_CANDIDATES`: the same
    optimum, found much faster. Otherwise the compact model (:func:`_exact_compact`), unless
    ``max_candidates`` is given: then only the enumerated model is solved, and a group with
    more grids than that gives the status ``candidate_limit`` and no grouping.
    """
    t0 = own_clock()
    w = _weights(h)
    hops, ok = star if star is not None else _star(h, cost, nb)
    floor, caps = (0, _caps(h, hi)) if soft_floor else _implied_band(h, k, lo, hi)
    grids = star_grids(h, w, cost, nb=nb, hops=hops, ok=ok, floor=floor, caps=caps,
                       limit=max_candidates)
    if grids is None and max_candidates is not None:
        return None, "candidate_limit", math.inf, math.inf, own_clock() - t0
    if grids is None:
        centre, status, walk, bound = _exact_compact(
            h, cost, nb, k, lo=lo, hi=hi, max_nodes=max_nodes, time_limit_s=time_limit_s,
            soft_floor=soft_floor, hops=hops, ok=ok)
        return centre, status, walk, bound, own_clock() - t0
    if soft_floor:
        centre, status, walk, bound = choose_grids_soft(
            grids, len(h), k=k, floor=lo, max_nodes=max_nodes, time_limit_s=time_limit_s,
            mip_gap=MIP_GAP)
    else:
        centre, status, walk, bound = choose_grids(
            grids, len(h), k=k, max_nodes=max_nodes, time_limit_s=time_limit_s, mip_gap=MIP_GAP)
    return centre, status, walk, bound, own_clock() - t0


def _exact_compact(h: np.ndarray, cost: np.ndarray, nb: list[list[int]], k: int, *, lo: int,
                   hi: int, max_nodes: int, time_limit_s: float, soft_floor: bool,
                   hops: np.ndarray, ok: np.ndarray) -> Choice:
    """:func:`_exact` on the compact model: a column per unit and allowed centre, rows for the
    band and the chains of neighbours; with a soft floor, the three aims as one weighted sum
    (:func:`_soft_weights`)."""
    n = len(h)
    w = _weights(h)
    ii, jj = np.nonzero(ok)
    pos = -np.ones((n, n), dtype=np.int64)
    mb = ModelBuilder()
    cols = mb.add_cols(w[ii] * np.where(ii == jj, 0.0, cost[ii, jj]), 0, 1, integer=True)
    pos[ii, jj] = cols
    diag = pos[np.arange(n), np.arange(n)]
    # every unit in exactly one grid
    order = np.argsort(ii, kind="stable")
    mb.add_rows(1, 1, np.bincount(ii, minlength=n), pos[ii[order], jj[order]],
                np.ones(len(ii)))
    # assigned only to an open centre
    off = ii != jj
    oi, oj = ii[off], jj[off]
    mb.add_rows(-np.inf, 0, np.full(len(oi), 2), np.c_[pos[oi, oj], diag[oj]].ravel(),
                np.tile([1.0, -1.0], len(oi)))
    # star contiguity: a neighbour one hop nearer the centre in the same grid
    lengths, idx, val = [], [], []
    for i, j in zip(oi, oj, strict=True):
        nearer = [pos[q, j] for q in nb[i] if pos[q, j] >= 0 and hops[q, j] < hops[i, j]]
        lengths.append(1 + len(nearer))
        idx.extend([pos[i, j], *nearer])
        val.extend([1.0] + [-1.0] * len(nearer))
    mb.add_rows(-np.inf, 0, np.array(lengths, dtype=np.int64), np.array(idx, dtype=np.int64),
                np.array(val))
    # band of every open grid (a unit above the ceiling may stand alone); with exactly k
    # grids, the band they imply (the same groupings, a stronger relaxation)
    if soft_floor:
        cap = _caps(h, hi)
        grid_weight, short_weight = _soft_weights(w, cost, ok)
        short = mb.add_cols(np.full(n, short_weight), 0, float(lo), integer=False)
    else:
        lo, cap = _implied_band(h, k, lo, hi)
        short = None
    for j in range(n):
        members = np.flatnonzero(pos[:, j] >= 0)
        idx = np.r_[pos[members, j]]
        hv = h[members].astype(float)
        self_at = np.flatnonzero(members == j)[0]
        lo_v = hv.copy()
        lo_v[self_at] -= lo
        if short is not None:
            mb.add_row(0, np.inf, np.r_[idx, short[j]], np.r_[lo_v, 1.0])
        else:
            mb.add_row(0, np.inf, idx, lo_v)
        hi_v = hv.copy()
        hi_v[self_at] -= cap[j]
        mb.add_row(-np.inf, 0, idx, hi_v)
    if soft_floor:
        k_var = mb.add_cols(np.array([grid_weight]), 0, n, integer=True)
        mb.add_row(0, 0, np.r_[diag, k_var], np.r_[np.ones(n), -1.0])
        mb.add_row(k, np.inf, diag, np.ones(n))
    else:
        mb.add_row(k, k, diag, np.ones(n))
    out = mb.solve(time_limit_s=time_limit_s, max_nodes=max_nodes, mip_gap=MIP_GAP)
    if out.x is None:
        return None, out.status, math.inf, math.inf
    sol = out.x[cols] > 0.5
    centre = np.full(n, -1, dtype=np.int64)
    centre[ii[sol]] = jj[sol]
    if soft_floor:
        fixed = out.objective - float(out.x[cols] @ (w[ii] * np.where(ii == jj, 0.0, cost[ii, jj])))
        return centre, out.status, out.objective - fixed, max(out.bound - fixed, 0.0)
    return centre, out.status, float(out.objective), float(out.bound)


def _connected(members: set[int], nb: list[list[int]]) -> bool:
    if len(members) <= 1:
        return True
    start = next(iter(members))
    seen = {start}
    todo = deque([start])
    while todo:
        a = todo.popleft()
        for b in nb[a]:
            if b in members and b not in seen:
                seen.add(b)
                todo.append(b)
    return len(seen) == len(members)


def _best_centre(members: list[int], w: np.ndarray, cost: np.ndarray) -> int:
    sub = cost[np.ix_(members, members)]
    total = (w[members][:, None] * np.where(np.isfinite(sub), sub, 1e12)).sum(axis=0)
    return members[int(np.argmin(total))]


def _heuristic(h: np.ndarray, cost: np.ndarray, nb: list[list[int]], k: int, *, lo: int,
               hi: int) -> np.ndarray:
    """Region growing from ``k`` farthest-first seeds, then boundary moves; centre per unit."""
    n = len(h)
    w = _weights(h)
    big = np.where(np.isfinite(cost), cost, 1e12)
    region, load = _grow_regions(h, w, big, nb, k=k, hi=hi)
    members = [set(np.flatnonzero(region == r).tolist()) for r in range(k)]
    centres = [_best_centre(sorted(m), w, big) for m in members]

    def violation(x: float) -> float:
        return max(0.0, lo - x) + max(0.0, x - hi)

    for _ in range(LOCAL_SEARCH_PASSES):
        moved = False
        for i in range(n):
            a = int(region[i])
            if i == centres[a] or len(members[a]) == 1:
                continue
            for b in sorted({int(region[q]) for q in nb[i]} - {a}):
                va = violation(load[a]) + violation(load[b])
                vb = violation(load[a] - h[i]) + violation(load[b] + h[i])
                gain = w[i] * (big[i, centres[a]] - big[i, centres[b]])
                if (vb, -gain) >= (va, 0.0) or not _connected(members[a] - {i}, nb):
                    continue
                members[a].discard(i)
                members[b].add(i)
                region[i] = b
                load[a] -= h[i]
                load[b] += h[i]
                moved = True
                break
        centres = [_best_centre(sorted(m), w, big) for m in members]
        if not moved:
            break
    return np.array([centres[r] for r in region], dtype=np.int64)


def _grow_regions(h: np.ndarray, w: np.ndarray, big: np.ndarray, nb: list[list[int]], *, k: int,
                  hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Grid of each unit (0..k-1) grown from ``k`` farthest-first seeds up to the ceiling
    ``hi``, and the households of each grid."""
    n = len(h)
    seeds = [int(np.argmin((w[:, None] * big).sum(axis=0)))]
    while len(seeds) < k:
        d = big[:, seeds].min(axis=1) * w
        d[seeds] = -1.0
        seeds.append(int(np.argmax(d)))
    region = np.full(n, -1, dtype=np.int64)
    load = np.zeros(k)
    heap = [(0.0, s, r) for r, s in enumerate(seeds)]
    heapq.heapify(heap)
    while heap:
        _d, i, r = heapq.heappop(heap)
        if region[i] >= 0 or (load[r] + h[i] > max(hi, h[i]) and load[r] > 0):
            continue
        region[i] = r
        load[r] += h[i]
        for q in nb[i]:
            if region[q] < 0:
                heapq.heappush(heap, (float(big[q, seeds[r]]), q, r))
    while (region < 0).any():  # units the ceiling left out join the lightest neighbouring grid
        progress = False
        for i in np.flatnonzero(region < 0).tolist():
            near = [int(region[q]) for q in nb[i] if region[q] >= 0]
            if near:
                best = min(near, key=lambda g: (load[g], g))
                region[i] = best
                load[best] += h[i]
                progress = True
        if not progress:  # not reached on a connected group; kept so the loop always ends
            region[region < 0] = 0
    return region, load


def _best_heuristic(hc: np.ndarray, cc: np.ndarray, nb: list[list[int]], *, k_min: int, k_max: int,
                    lo: int, hi: int) -> np.ndarray:
    """The heuristic grouping of one connected group with the least band violation over the
    grid counts ``k_min``.. (the first without violation wins)."""
    best = None
    for k in range(k_min, min(len(hc), k_max + 1) + 1):
        cand = _heuristic(hc, cc, nb, k, lo=lo, hi=hi)
        v = _violation(hc, cand, lo, hi)
        if best is None or v < best[0]:
            best = (v, cand)
        if v == 0:
            break
    assert best is not None
    return best[1]


def _region_solver(*, lo: int, hi: int, max_nodes: int) -> RegionSolver:
    """The exact solve of a region for :func:`~gis_planner.grids.repair.repair_grids`: the
    model of :func:`_exact_group` over at most
    :data:`~gis_planner.grids.repair.REGION_MAX_CANDIDATES` enumerated grids."""

    def solve(h: np.ndarray, cost: np.ndarray, nb: list[list[int]], time_limit_s: float,
              ) -> tuple[np.ndarray | None, bool, float, str]:
        got, status, _bound, runtime, stopped = _exact_group(
            h, cost, nb, lo=lo, hi=hi, max_nodes=max_nodes, time_limit_s=time_limit_s,
            max_candidates=REGION_MAX_CANDIDATES)
        return got, status == "candidate_limit", runtime, stopped

    return solve


def _heuristic_group(hc: np.ndarray, cc: np.ndarray, nb: list[list[int]], *, lo: int, hi: int,
                     max_nodes: int, time_limit_s: float) -> tuple[np.ndarray, float, float, str]:
    """The heuristic grouping of one connected group, repaired where it leaves grids outside
    the band (:func:`~gis_planner.grids.repair.repair_grids`): (centre per unit, lower bound
    of its walk for its number of grids (household-metres), runtime of the repair's solves
    (s), the limit that bound them: ``""``, ``node_limit`` or ``time_limit``)."""
    k_min, k_max = _k_range(hc, lo, hi)
    found = _best_heuristic(hc, cc, nb, k_min=k_min, k_max=k_max, lo=lo, hi=hi)
    runtime, stopped = 0.0, ""
    if not _in_band(hc, found, lo, hi):
        fix = repair_grids(hc, cc, nb, found, lo=lo, hi=hi, time_limit_s=time_limit_s,
                           solve_region=_region_solver(lo=lo, hi=hi, max_nodes=max_nodes))
        found, runtime, stopped = fix.centre, fix.runtime_s, fix.stopped_by
    bound = _lower_bound(_weights(hc), cc, len(np.unique(found)))
    return found, bound, runtime, stopped


def _alone(h: np.ndarray, nb: list[list[int]], hi: int) -> np.ndarray:
    """Units that no grid can share with a neighbour: every neighbour together with the unit
    passes the ceiling of any grid holding both (a grid of two or more units is contiguous, so
    each of its units has a neighbour in it). Every grouping leaves such a unit alone."""
    return np.array([bool(nb[i]) and all(h[i] + h[q] > max(hi, h[i], h[q]) for q in nb[i])
                     for i in range(len(h))], dtype=bool)


def _exact_pieces(h: np.ndarray, nb: list[list[int]], hi: int) -> list[np.ndarray]:
    """The connected pieces (unit positions) left when the units that must stand alone
    (:func:`_alone`) are taken out of a connected group; each such unit is a piece of its own.

    Grids never span two pieces, so the group meets the band only if every piece does, and
    the group needs at least as many grids as its pieces need together.
    """
    n = len(h)
    alone = _alone(h, nb, hi)
    if not alone.any():
        return [np.arange(n)]
    rest = np.flatnonzero(~alone)
    keep = ~alone
    rows = [i for i in rest for q in nb[i] if keep[q]]
    cols = [q for i in rest for q in nb[i] if keep[q]]
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _n, label = connected_components(graph, directed=False)
    pieces = [np.array([i]) for i in np.flatnonzero(alone)]
    pieces += [rest[label[rest] == c] for c in dict.fromkeys(label[rest].tolist())]
    return pieces


def _exact_group(h: np.ndarray, cost: np.ndarray, nb: list[list[int]], *, lo: int, hi: int,
                 max_nodes: int, time_limit_s: float, max_candidates: int | None = None,
                 ) -> tuple[np.ndarray | None, str, float, float, str]:
    """Exact grouping of one connected group: (centre per unit or None when the search found
    none within its limits, status, bound, runtime, limit that bound: ``""``, ``node_limit``
    or ``time_limit``).

    Every solve searches at most ``max_nodes`` nodes; ``time_limit_s`` (seconds, shared by
    the solves of the group) is only a safety valve.

    The fewest grids ``k`` the band allows, trying ``k`` upwards, then, when no ``k`` meets
    the band, the floor made soft (the same model at every ``k``). The pieces of the group
    (:func:`_exact_pieces`) skip what arithmetic proves: a piece that plainly cannot meet the
    band (a unit that must stand alone below the floor; fewer grids reaching the floor than
    the ceiling needs) means that no ``k`` can, so the soft-floor model is solved at once;
    otherwise ``k`` starts at the sum of the pieces' fewest grids. The first ``k`` that meets
    the band and the model solved at it are the same as when every ``k`` is tried.

    ``max_candidates``: solve only over enumerated grids, at most that many per model (see
    :func:`_exact`); past it, no grouping (status ``candidate_limit``).
    """
    k_min, k_max = _k_range(h, lo, hi)
    pieces = _exact_pieces(h, nb, hi)
    if len(pieces) == len(h):  # every unit must stand alone: the only grouping
        return np.arange(len(h)), "optimal", 0.0, 0.0, ""
    t0 = own_clock()
    star = _star(h, cost, nb)  # the same for every k
    runtime = own_clock() - t0
    budget = float(time_limit_s) - runtime
    stopped = ""

    def limit_of(st: str) -> str:
        return "time_limit" if "time_limit" in (st, stopped) else (
            "node_limit" if "node_limit" in (st, stopped) else "")

    if not any(_band_impossible(h[p], lo, hi) for p in pieces):
        k_from = max(k_min, sum(_k_range(h[p], lo, hi)[0] for p in pieces))
        for k in range(k_from, min(k_max, len(h)) + 1):
            if budget <= 0:
                return None, "time_limit", 0.0, runtime, "time_limit"
            got, st, _obj, bnd, rt = _exact(h, cost, nb, k, lo=lo, hi=hi, max_nodes=max_nodes,
                                            time_limit_s=budget, star=star,
                                            max_candidates=max_candidates)
            runtime += rt
            budget -= rt
            stopped = limit_of(st)
            if got is not None:
                return got, _group_status(st), bnd, runtime, stopped
            if st == "candidate_limit":
                return None, st, 0.0, runtime, stopped
    if budget <= 0:
        return None, "time_limit", 0.0, runtime, "time_limit"
    # the floor made soft: fewest households short of it, then fewest grids, then the walk
    got, st, _obj, bnd, rt = _exact(h, cost, nb, k_min, lo=lo, hi=hi, max_nodes=max_nodes,
                                    time_limit_s=budget, soft_floor=True, star=star,
                                    max_candidates=max_candidates)
    runtime += rt
    stopped = limit_of(st)
    if got is None:
        return None, st, 0.0, runtime, stopped
    return got, _group_status(st), bnd, runtime, stopped


def _group_status(highs_status: str) -> str:
    """``optimal`` when HiGHS proved the grouping, ``time_limit`` when the safety valve
    stopped it, else ``feasible`` (the node limit: the best incumbent, reproducible)."""
    return highs_status if highs_status in ("optimal", "time_limit") else "feasible"


def _band_impossible(h: np.ndarray, lo: int, hi: int) -> bool:
    """Whether a piece plainly cannot be grouped within the band: a single unit below the
    floor, or fewer grids reaching the floor than the ceiling needs."""
    if len(h) == 1:
        return bool(h[0] < lo)
    k_min, k_max = _k_range(h, lo, hi)
    return k_max < k_min


def _k_range(h: np.ndarray, lo: int, hi: int) -> tuple[int, int]:
    over = h > hi
    rest = int(h[~over].sum())
    k_min = int(over.sum()) + (math.ceil(rest / hi) if rest > 0 else 0)
    k_min = max(k_min, 1)
    k_max = int(over.sum()) + (rest // lo if lo > 0 else int((~over).sum()))
    return k_min, max(k_max, k_min if lo == 0 else k_max)


def _objective(h: np.ndarray, cost: np.ndarray, centre: np.ndarray) -> float:
    c = cost[np.arange(len(h)), centre]
    return float((_weights(h) * np.where(np.isfinite(c), c, 0.0)).sum())


def solve_districts(
    households: np.ndarray,
    cost_m: np.ndarray,
    edges: np.ndarray,
    *,
    min_households: int,
    max_households: int,
    exact_max_units: int,
    max_nodes: int,
    time_limit_s: float,
) -> Districting:
    """Group units into contiguous grids in a household band (see the module docstring).

    Parameters
    ----------
    households
        Households per unit (int >= 0), length n.
    cost_m
        (n, n) cost in metres from unit i to centre j (walk plus barrier penalties), ``inf``
        where j may not be i's centre (beyond the longest walk); zero on the diagonal.
    edges
        Unit adjacency links, shape (m, 2), positions.
    min_households, max_households
        The band, households per grid, both inclusive.
    exact_max_units
        Largest connected group of units solved exactly.
    max_nodes
        Search effort of each exact solve, branch-and-bound nodes (HiGHS ``mip_max_nodes``);
        when it binds, the best grouping found is kept (status ``feasible``, with its gap) or,
        when none was found, the heuristic runs. The result depends on it, never on the
        machine's speed.
    time_limit_s
        Wall-clock safety valve of each connected group's exact solves (and of the repair of
        its heuristic grids), seconds, meant far above the time ``max_nodes`` takes. When it
        binds, the status is ``time_limit`` and ``stopped_by`` says so: that answer may differ
        between machines.

    Returns
    -------
    Districting
    """
    h = np.asarray(households, dtype=np.int64)
    cost = np.asarray(cost_m, dtype=float)
    n = len(h)
    centre = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return Districting(centre, "exact", "optimal", 0.0, 0.0, 0.0, 0.0)
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    n_comp, label = connected_components(graph, directed=False)
    lo, hi = int(min_households), int(max_households)
    methods, statuses, limits = set(), set(), set()
    bound, runtime = 0.0, 0.0
    for comp in range(n_comp):
        units = np.flatnonzero(label == comp)
        hc, cc = h[units], cost[np.ix_(units, units)]
        sub_edges = edges[np.isin(edges[:, 0], units) & np.isin(edges[:, 1], units)]
        local = -np.ones(n, dtype=np.int64)
        local[units] = np.arange(len(units))
        nb = _neighbours(len(units), local[sub_edges])
        k_min = _k_range(hc, lo, hi)[0]
        found: np.ndarray | None = None
        exact = len(units) <= exact_max_units
        if k_min == 1 and hc.sum() <= max(hi, hc.max()):
            found = np.full(len(units), _best_centre(list(range(len(units))), _weights(hc),
                                                     np.where(np.isfinite(cc), cc, 1e12)))
            status, b = "optimal", _objective(hc, cc, found)
            exact = True
        else:
            status, b, spent = "feasible", 0.0, 0.0
            if exact:
                got, st, bnd, rt, stop = _exact_group(hc, cc, nb, lo=lo, hi=hi,
                                                      max_nodes=max_nodes, time_limit_s=time_limit_s)
                runtime += rt
                spent = rt
                limits.add(stop)
                if got is not None:
                    found, status, b = got, st, bnd
            if found is None:  # too large, or no grouping within the limits: the heuristic
                exact = False
                found, b, rt, stop = _heuristic_group(hc, cc, nb, lo=lo, hi=hi,
                                                      max_nodes=max_nodes,
                                                      time_limit_s=time_limit_s - spent)
                runtime += rt
                limits.add(stop)
                status = "time_limit" if "time_limit" in limits else "feasible"
        assert found is not None  # k = n with no floor always fits
        if not _in_band(hc, found, lo, hi):
            status = "relaxed"
        centre[units] = units[found]
        methods.add("exact" if exact else "heuristic")
        statuses.add(status)
        bound += b
    objective = _objective(h, cost, centre)
    bound = min(bound, objective)
    status = ("relaxed" if "relaxed" in statuses else
              "time_limit" if "time_limit" in limits else
              "optimal" if statuses == {"optimal"} else "feasible")
    stopped_by = ("time_limit" if "time_limit" in limits else
                  "node_limit" if "node_limit" in limits else "")
    gap = 0.0 if objective <= 0 else max(0.0, (objective - bound) / objective)
    if status == "optimal":
        gap = min(gap, 1e-6)
    method = methods.pop() if len(methods) == 1 else "mixed"
    return Districting(centre, method, status, objective, bound, gap, runtime, stopped_by)


def _violation(h: np.ndarray, centre: np.ndarray, lo: int, hi: int) -> int:
    """Households outside the band, summed over grids (a unit alone above the ceiling is
    not counted: nothing can fix it)."""
    return sum(sum(band_gap(h[centre == c], lo, hi)) for c in np.unique(centre))


def _in_band(h: np.ndarray, centre: np.ndarray, lo: int, hi: int) -> bool:
    """Every grid within the band (or a unit alone above the ceiling)."""
    return _violation(h, centre, lo, hi) == 0


__all__ = ["Districting", "solve_districts"]
