"""Candidate grids, enumerated, and the set-partitioning choice among them: the same grids as
the definition, the same optima and proofs as the compact model."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gis_planner.grids import candidates, solve
from gis_planner.grids.candidates import choose_grids, star_grids


def _lattice(w: int, h: int, rng: np.random.Generator) -> tuple[np.ndarray, list[list[int]]]:
    xy = np.array([(100.0 * (i % w), 100.0 * (i // w)) for i in range(w * h)])
    cost = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    cost = cost * rng.uniform(0.8, 1.2, cost.shape)  # uneven walks: fewer ties
    np.fill_diagonal(cost, 0.0)
    edges = [(i, i + 1) for i in range(w * h) if i % w < w - 1]
    edges += [(i, i + w) for i in range(w * (h - 1))]
    return cost, solve._neighbours(w * h, np.array(edges))


def _inputs(seed: int, w: int = 4, h: int = 3):
    rng = np.random.default_rng(seed)
    cost, nb = _lattice(w, h, rng)
    n = w * h
    hh = rng.integers(0, 160, n)
    if seed % 3 == 0:
        cost[rng.random((n, n)) < 0.15] = np.inf  # some walks beyond the longest allowed
        np.fill_diagonal(cost, 0.0)
    hops = solve._hops(n, nb)
    return hh, solve._weights(hh), cost, nb, hops, solve._star_pairs(cost, hops, nb)


def _by_definition(h, cost, nb, hops, ok, floor, caps) -> set[tuple[int, frozenset[int]]]:
    """Every (centre, units) whose every unit but the centre may take it and has a neighbour
    in the set one hop nearer, within the floor and the centre's ceiling: all subsets tried."""
    n = len(h)
    out = set()
    for size in range(1, n + 1):
        for units in itertools.combinations(range(n), size):
            total = int(h[list(units)].sum())
            for j in units:
                if not floor <= total <= caps[j]:
                    continue
                if all(ok[i, j] and any(q in units and hops[q, j] < hops[i, j] for q in nb[i])
                       for i in units if i != j):
                    out.add((j, frozenset(units)))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_the_enumeration_finds_every_grid_of_the_definition_once(seed):
    """On a 3 x 3 lattice every subset of units is tried against the definition: the
    enumerated grids are exactly those, none twice, with their walks and households."""
    h, w, cost, nb, hops, ok = _inputs(seed, 3, 3)
    floor = float(np.random.default_rng(seed).integers(0, 200))
    caps = np.maximum(h, 300).astype(float)
    grids = star_grids(h, w, cost, nb=nb, hops=hops, ok=ok, floor=floor, caps=caps)
    assert grids is not None
    found = []
    for t in range(len(grids)):
        units = grids.members[grids.start[t]:grids.start[t + 1]]
        j = int(grids.centre[t])
        assert units[0] == j
        found.append((j, frozenset(units.tolist())))
        assert grids.households[t] == h[units].sum()
        others = units[1:]
        assert grids.walk[t] == pytest.approx(float((w[others] * cost[others, j]).sum()))
    assert len(found) == len(set(found))
    assert set(found) == _by_definition(h, cost, nb, hops, ok, floor, caps)


def test_past_the_limit_the_enumeration_gives_up():
    h, w, cost, nb, hops, ok = _inputs(1)
    caps = np.full(len(h), 10_000.0)
    every = star_grids(h, w, cost, nb=nb, hops=hops, ok=ok, floor=0, caps=caps)
    assert every is not None and len(every) > 10
    assert star_grids(h, w, cost, nb=nb, hops=hops, ok=ok, floor=0, caps=caps, limit=len(every)) is not None
    assert star_grids(h, w, cost, nb=nb, hops=hops, ok=ok, floor=0, caps=caps, limit=len(every) - 1) is None


@pytest.mark.parametrize("seed", range(30))
def test_the_set_partitioning_model_equals_the_compact_model(seed, monkeypatch):
    """Random 4 x 3 lattices, bands and grid counts (feasible and not): the model over the
    enumerated grids and the compact model (forced by a limit of 0 grids) give the same status
    and the same least walk."""
    rng = np.random.default_rng(1000 + seed)
    h, _w, cost, nb, _hops, _ok = _inputs(seed)
    lo = int(rng.integers(50, 250))
    hi = lo + int(rng.integers(50, 300))
    k_min, k_max = solve._k_range(h, lo, hi)
    k = int(rng.integers(k_min, max(k_min, k_max) + 1))
    args = {"lo": lo, "hi": hi, "max_nodes": 100_000, "time_limit_s": 60}
    sets = solve._exact(h, cost, nb, k, **args)
    monkeypatch.setattr(candidates, "MAX_CANDIDATES", 0)
    compact = solve._exact(h, cost, nb, k, **args)
    assert sets[1] == compact[1]
    assert sets[1] in ("optimal", "infeasible")
    if sets[1] == "optimal":
        assert sets[2] == pytest.approx(compact[2], rel=1e-6)
        assert solve._objective(h, cost, sets[0]) == pytest.approx(sets[2], rel=1e-9)
        assert solve._in_band(h, sets[0], lo, hi) and len(set(sets[0].tolist())) == k


def _shortage(h: np.ndarray, centre: np.ndarray, lo: int) -> int:
    return sum(max(0, lo - int(h[centre == c].sum())) for c in np.unique(centre))


@pytest.mark.parametrize("seed", range(20))
def test_the_soft_floor_in_turn_equals_the_compact_weighted_model(seed, monkeypatch):
    """Floors that no grouping meets: the three solves in turn over the enumerated grids and
    the compact model's one weighted sum (solved to a zero gap here, so that its walk is exact
    too) give the same households short, the same number of grids and the same walk."""
    rng = np.random.default_rng(2000 + seed)
    h, _w, cost, nb, _hops, _ok = _inputs(seed)
    hi = int(rng.integers(200, 500))
    lo = int(hi * rng.uniform(0.6, 0.95))
    k = solve._k_range(h, lo, hi)[0]
    args = {"lo": lo, "hi": hi, "max_nodes": 100_000, "time_limit_s": 60, "soft_floor": True}
    sets = solve._exact(h, cost, nb, k, **args)
    monkeypatch.setattr(candidates, "MAX_CANDIDATES", 0)
    monkeypatch.setattr(solve, "MIP_GAP", 0.0)
    compact = solve._exact(h, cost, nb, k, **args)
    assert sets[1] == compact[1] == "optimal"
    assert _shortage(h, sets[0], lo) == _shortage(h, compact[0], lo)
    assert len(set(sets[0].tolist())) == len(set(compact[0].tolist())) >= k
    assert sets[2] == pytest.approx(compact[2], rel=1e-6, abs=1e-6)
    assert solve._objective(h, cost, sets[0]) == pytest.approx(sets[2], rel=1e-9)


def test_a_unit_no_grid_can_hold_is_proven_without_highs(monkeypatch):
    """Three units of 100 households on a line, two grids of 150-200: they would each hold
    exactly 150 (the band that two grids imply), which no set of units makes. No grid exists,
    so HiGHS is never called."""
    def refuse(*_a, **_k):
        raise AssertionError("HiGHS should not be called")

    monkeypatch.setattr(candidates.ModelBuilder, "solve", refuse)
    cost = np.abs(np.arange(3.0)[:, None] - np.arange(3.0)[None, :]) * 100
    nb = [[1], [0, 2], [1]]
    got = solve._exact(np.array([100, 100, 100]), cost, nb, 2, lo=150, hi=200, max_nodes=200,
                       time_limit_s=10)
    assert got[0] is None and got[1] == "infeasible"


def test_choose_grids_returns_each_units_centre():
    """Two candidate grids cover four units on a line; choosing both puts each unit with its
    grid's centre, at the sum of the two walks."""
    grids = candidates.CandidateGrids(
        centre=np.array([0, 3, 1]), start=np.array([0, 2, 4, 7]),
        members=np.array([0, 1, 3, 2, 1, 0, 2]), walk=np.array([10.0, 20.0, 1.0]),
        households=np.array([2, 2, 3]))
    centre, status, walk, _bound = choose_grids(grids, 4, k=2, max_nodes=200, time_limit_s=10,
                                                mip_gap=1e-6)
    assert status == "optimal"
    assert centre.tolist() == [0, 0, 3, 3]
    assert walk == pytest.approx(30.0)


def test_a_grid_deeper_than_the_recursion_limit_is_listed():
    """A path of 1,500 units that must all join unit 0 (the floor is every household): one
    grid, found by a search 1,499 units deep, beyond Python's recursion limit."""
    n = 1_500
    h = np.ones(n, dtype=np.int64)
    nb = [[q for q in (i - 1, i + 1) if 0 <= q < n] for i in range(n)]
    cost = np.abs(np.arange(n, dtype=float)[:, None] - np.arange(n, dtype=float)[None, :])
    ok = np.eye(n, dtype=bool)
    ok[:, 0] = True
    hops = solve._hops(n, nb)
    grids = star_grids(h, solve._weights(h), cost, nb=nb, hops=hops, ok=ok, floor=n,
                       caps=np.full(n, float(n)))
    assert grids is not None and len(grids) == 1
    assert grids.centre.tolist() == [0] and grids.members.tolist() == list(range(n))
