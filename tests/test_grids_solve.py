"""The grid districting solver: hand-checked cases, barriers, the heuristic and properties."""

from __future__ import annotations

import time

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gis_planner.grids.solve import solve_districts


def _line(n: int) -> tuple[np.ndarray, np.ndarray]:
    xy = np.arange(n, dtype=float) * 100.0
    return np.abs(xy[:, None] - xy[None, :]), np.c_[np.arange(n - 1), np.arange(1, n)]


def _lattice(w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    xy = np.array([(100.0 * (i % w), 100.0 * (i // w)) for i in range(w * h)])
    cost = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    edges = [(i, i + 1) for i in range(w * h) if i % w < w - 1]
    edges += [(i, i + w) for i in range(w * (h - 1))]
    return cost, np.array(edges)


def _groups(centre: np.ndarray) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for i, c in enumerate(centre):
        out.setdefault(int(c), []).append(i)
    return out


def _connected(members: list[int], edges: np.ndarray) -> bool:
    g = nx.Graph()
    g.add_nodes_from(members)
    g.add_edges_from((a, b) for a, b in edges if a in members and b in members)
    return nx.is_connected(g)


def test_hand_checked_line_of_six():
    """Six units of 100 households 100 m apart, band 150-350: the fewest grids is 2 (600 / 350
    rounded up) and only 3 + 3 fits; centres are the middle units, so the cost is
    4 units x 100 households x 100 m = 40,000 household-metres."""
    cost, edges = _line(6)
    sol = solve_districts(np.full(6, 100), cost, edges, min_households=150, max_households=350,
                          exact_max_units=60, max_nodes=200, time_limit_s=10)
    assert sol.centre.tolist() == [1, 1, 1, 4, 4, 4]
    assert sol.objective == pytest.approx(40_000.0)
    assert sol.method == "exact" and sol.status == "optimal" and sol.gap < 1e-6


def test_barrier_penalty_turns_the_boundary_onto_the_barrier():
    """A 2 x 2 square of 100-household units, band exactly 200: two pairs. A barrier between
    the bottom row (0, 1) and the top row (2, 3) makes the horizontal pairs the answer."""
    cost, edges = _lattice(2, 2)
    crossing = np.array([[0, 0, 1, 1], [0, 0, 1, 1], [1, 1, 0, 0], [1, 1, 0, 0]], dtype=float)
    sol = solve_districts(np.full(4, 100), cost + 400.0 * crossing, edges, min_households=200,
                          max_households=200, exact_max_units=60, max_nodes=200, time_limit_s=10)
    assert sorted(map(sorted, _groups(sol.centre).values())) == [[0, 1], [2, 3]]
    # without the barrier a vertical split is as good: the penalty decided it
    rotated = solve_districts(np.full(4, 100), cost + 400.0 * crossing.T[[0, 2, 1, 3]][:, [0, 2, 1, 3]],
                              edges, min_households=200, max_households=200,
                              exact_max_units=60, max_nodes=200, time_limit_s=10)
    assert sorted(map(sorted, _groups(rotated.centre).values())) == [[0, 2], [1, 3]]


def test_a_unit_above_the_ceiling_stands_alone():
    cost, edges = _line(4)
    sol = solve_districts(np.array([100, 900, 100, 100]), cost, edges, min_households=150,
                          max_households=300, exact_max_units=60, max_nodes=200, time_limit_s=10)
    groups = _groups(sol.centre)
    assert [1] in groups.values()


def test_infeasible_band_is_relaxed_and_said():
    """Four units of 100 in a line with band 250-300: one grid of 400 breaks the ceiling and
    two grids fall short of the floor. The floor is made soft (fewest households short, then
    fewest grids), the ceiling is kept: two grids of 200, status relaxed."""
    cost, edges = _line(4)
    sol = solve_districts(np.full(4, 100), cost, edges, min_households=250, max_households=300,
                          exact_max_units=60, max_nodes=200, time_limit_s=10)
    assert sol.status == "relaxed"
    assert sorted(map(sorted, _groups(sol.centre).values())) == [[0, 1], [2, 3]]


def test_heuristic_has_a_stated_gap_against_a_lower_bound():
    cost, edges = _lattice(6, 5)
    h = np.full(30, 50)
    sol = solve_districts(h, cost, edges, min_households=300, max_households=500,
                          exact_max_units=10, max_nodes=200, time_limit_s=10)
    assert sol.method == "heuristic"
    assert 0 <= sol.bound <= sol.objective
    assert 0 <= sol.gap <= 1
    for members in _groups(sol.centre).values():
        assert _connected(members, edges)
        assert int(h[members].sum()) <= 500


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(w=st.integers(2, 4), hgt=st.integers(1, 3), data=st.data(),
       exact_max=st.sampled_from([1, 60]))
def test_grids_are_contiguous_and_respect_the_ceiling(w, hgt, data, exact_max):
    cost, edges = _lattice(w, hgt)
    n = w * hgt
    h = np.array(data.draw(st.lists(st.integers(0, 150), min_size=n, max_size=n)))
    sol = solve_districts(h, cost, edges, min_households=100, max_households=300,
                          exact_max_units=exact_max, max_nodes=200, time_limit_s=10)
    groups = _groups(sol.centre)
    assert sorted(i for m in groups.values() for i in m) == list(range(n))
    for c, members in groups.items():
        assert c in members  # the centre is one of its grid's units
        assert _connected(members, edges)
        assert int(h[members].sum()) <= 300
    if sol.status != "relaxed":
        assert all(100 <= int(h[m].sum()) <= 300 for m in groups.values())


def test_a_pocket_that_cannot_meet_the_band_goes_straight_to_the_soft_floor(monkeypatch):
    """Units 0-1 (400 households each) meet the band 300-500 alone and no neighbour can join
    them (400 + 135 > 500); the pocket 2-5 (4 x 135 = 540) needs two grids by the ceiling but
    can fill only one to the floor. Arithmetic proves the band cannot be met, so the soft-floor
    model is the only solve: two pairs of 270 (60 households short in all; 405 + 135 would be
    165 short), status relaxed."""
    from gis_planner.grids import solve as solve_module

    calls = []
    real = solve_module._exact

    def counted(*args, **kwargs):
        calls.append(kwargs.get("soft_floor", False))
        return real(*args, **kwargs)

    monkeypatch.setattr(solve_module, "_exact", counted)
    cost, edges = _line(6)
    sol = solve_districts(np.array([400, 400, 135, 135, 135, 135]), cost, edges, min_households=300,
                          max_households=500, exact_max_units=60, max_nodes=200, time_limit_s=10)
    assert calls == [True]
    assert sol.status == "relaxed" and sol.method == "exact"
    assert sorted(map(sorted, _groups(sol.centre).values())) == [[0], [1], [2, 3], [4, 5]]


def test_units_that_must_all_stand_alone_need_no_solver(monkeypatch):
    """Buildings of 40 households in a band of 20-50: no two fit together, so each is its own
    grid, proven without HiGHS."""
    from gis_planner.grids import solve as solve_module

    monkeypatch.setattr(solve_module, "_exact", lambda *a, **k: pytest.fail("HiGHS was called"))
    cost, edges = _line(4)
    sol = solve_districts(np.full(4, 40), cost, edges, min_households=20, max_households=50,
                          exact_max_units=60, max_nodes=200, time_limit_s=10)
    assert sol.centre.tolist() == [0, 1, 2, 3]
    assert sol.status == "optimal" and sol.gap == 0 and sol.objective == 0


def _partitions(items: list[int]):
    """Every set partition of ``items`` (lists of blocks)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in _partitions(rest):
        yield [[first], *part]
        for b in range(len(part)):
            yield [*part[:b], [first, *part[b]], *part[b + 1:]]


def _brute_force(h: np.ndarray, cost: np.ndarray, edges: np.ndarray, lo: int, hi: int):
    """(fewest grids, least cost) over every star-contiguous grouping in the band, by
    enumeration; None when no grouping meets the band."""
    n = len(h)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(map(tuple, edges))
    hops = dict(nx.all_pairs_shortest_path_length(g))
    w = np.where(h > 0, h, 1e-3)

    def block_cost(block: list[int]) -> float:
        tot = int(h[block].sum())
        # a unit above the ceiling stands alone (units without households may join it)
        if not (lo <= tot <= hi) and not (tot > hi and tot == int(h[block].max())):
            return np.inf
        best = np.inf
        for j in block:  # every unit steps to a neighbour in the block one hop nearer j
            if all(any(q in block and hops[q][j] < hops[i][j] for q in g[i])
                   for i in block if i != j):
                best = min(best, float(sum(w[i] * cost[i, j] for i in block if i != j)))
        return best

    best: dict[int, float] = {}
    for part in _partitions(list(range(n))):
        total = sum(block_cost(b) for b in part)
        if np.isfinite(total):
            best[len(part)] = min(best.get(len(part), np.inf), total)
    if not best:
        return None
    k = min(best)
    return k, best[k]


@pytest.mark.parametrize("seed", range(24))
def test_exact_grids_equal_brute_force_on_tight_bands(seed):
    """Random 2 x 4 lattices whose band is barely wide enough for the fewest grids (the case
    the implied band tightens): the exact solver finds the same fewest grids and the same
    least cost as enumerating every grouping. Seeds from 12 on add units without households
    and a unit above the ceiling."""
    rng = np.random.default_rng(seed)
    cost, edges = _lattice(4, 2)
    cost = cost * rng.uniform(0.8, 1.2, cost.shape)  # uneven walks: fewer ties
    np.fill_diagonal(cost, 0.0)
    h = rng.integers(20, 160, 8)
    k = int(rng.integers(2, 4))
    hi = int(np.ceil(h.sum() / k)) + int(rng.integers(0, 25))
    lo = int(rng.integers(40, 120))
    if seed >= 12:
        h[rng.choice(8, 2, replace=False)] = 0
        h[int(rng.integers(0, 8))] = hi + int(rng.integers(1, 200))
    truth = _brute_force(h, cost, edges, lo, hi)
    sol = solve_districts(h, cost, edges, min_households=lo, max_households=hi,
                          exact_max_units=60, max_nodes=10_000, time_limit_s=60)
    if truth is None:
        assert sol.status == "relaxed"
        return
    assert sol.status == "optimal"
    assert len(_groups(sol.centre)) == truth[0]
    assert sol.objective == pytest.approx(truth[1], rel=1e-9)


def test_soft_floor_keeps_fewest_grids_when_the_walk_is_large():
    """Units 0-1-2-3 on a line: unit 0 (50 households) must stand alone below the floor of
    1,000 (with unit 1 it passes the ceiling of 12,000), so the floor is soft. Units 2 and 3
    (3,000 each) can be one grid or two; both miss no household, so the fewest grids wins
    although walking 5,000 m costs 15 million household-metres, more than any fixed weight
    of a grid below that would allow."""
    x = np.array([0.0, 100.0, 200.0, 5200.0])
    cost = np.abs(x[:, None] - x[None, :])
    edges = np.array([[0, 1], [1, 2], [2, 3]])
    sol = solve_districts(np.array([50, 11_990, 3_000, 3_000]), cost, edges,
                          min_households=1_000, max_households=12_000,
                          exact_max_units=60, max_nodes=200, time_limit_s=10)
    assert sol.status == "relaxed"
    assert sorted(map(sorted, _groups(sol.centre).values())) == [[0], [1], [2, 3]]


# The repair of the heuristic's grids (gis_planner.grids.repair). A 4 x 2 lattice, 100 m apart,
# band 200-300; units 0-3 are the first row, 4-7 the second. With ``exact_max_units=1`` the
# heuristic groups it.
MENDABLE = np.array([100, 150, 100, 100,
                     50, 200, 200, 150])
#: Unit 4 (150 households) can join neither neighbour (units 0 and 5, 200 each) without
#: passing 300: it stands alone below the floor in every grouping.
NO_BAND = np.array([200, 150, 150, 200,
                    150, 200, 200, 50])


def _heuristic(h: np.ndarray, **kwargs):
    cost, edges = _lattice(4, 2)
    return solve_districts(h, cost, edges, min_households=200, max_households=300,
                           exact_max_units=1, max_nodes=200, **{"time_limit_s": 10, **kwargs})


def _totals(h: np.ndarray, centre: np.ndarray) -> list[int]:
    return sorted(int(h[m].sum()) for m in _groups(centre).values())


def _no_region_solved(*_args):
    """A region solve that finds no grouping within its limits."""
    return None, False, 0.0, ""


def _without_repair(monkeypatch) -> None:
    """The heuristic alone: no region is solved, so the repair changes nothing."""
    from gis_planner.grids import solve as solve_module

    monkeypatch.setattr(solve_module, "_region_solver", lambda **_kw: _no_region_solved)


def test_the_repair_mends_a_grid_the_heuristic_leaves_above_the_ceiling(monkeypatch):
    """The heuristic pairs the units column by column: 0-1, 2-3, 4-5 and 6-7, which holds
    350 households. Solved again with the grids around it, the grids are 0-1, 4-5, 2-6 and
    3-7 (250, 250, 300, 250): all in the band, the exact solve's own answer, 35,000
    household-metres."""
    sol = _heuristic(MENDABLE)
    assert sol.method == "heuristic" and sol.status == "feasible" and sol.stopped_by == ""
    assert sorted(map(sorted, _groups(sol.centre).values())) == [[0, 1], [2, 6], [3, 7], [4, 5]]
    assert sol.objective == pytest.approx(35_000.0)
    cost, edges = _lattice(4, 2)
    exact = solve_districts(MENDABLE, cost, edges, min_households=200, max_households=300,
                            exact_max_units=60, max_nodes=200, time_limit_s=10)
    assert sol.centre.tolist() == exact.centre.tolist()
    assert 0 <= sol.bound <= sol.objective
    _without_repair(monkeypatch)
    assert _totals(MENDABLE, _heuristic(MENDABLE).centre) == [200, 250, 250, 350]


def test_without_a_grouping_in_the_band_the_ceiling_is_kept_and_the_floor_relaxed(monkeypatch):
    """Unit 4 must stand alone below the floor, so no grouping meets the band. The heuristic
    puts it with unit 5 (350, above the ceiling); the repair keeps the ceiling instead and
    relaxes the floor, as the exact solve does: unit 4 alone (150), its reason the floor."""
    from gis_planner.grids.partition import band_reason

    sol = _heuristic(NO_BAND)
    assert sol.method == "heuristic" and sol.status == "relaxed"
    groups = sorted(map(sorted, _groups(sol.centre).values()))
    assert groups == [[0], [1, 2], [3, 7], [4], [5], [6]]
    kinds = np.full(8, "compound")
    assert [band_reason(NO_BAND[g], kinds[g], (200, 300)) for g in groups] == [
        "", "", "", "floor_relaxed", "", ""]
    _without_repair(monkeypatch)
    old = _heuristic(NO_BAND)
    assert max(_totals(NO_BAND, old.centre)) == 350


def test_a_region_the_repair_cannot_solve_keeps_the_grid_and_its_reason(monkeypatch):
    """Where no region around it is solved within its limits, the heuristic's grid above the
    ceiling stays, the solve says ``relaxed`` and the grid's reason says the heuristic passed
    the ceiling."""
    from gis_planner.grids.partition import band_reason

    _without_repair(monkeypatch)
    sol = _heuristic(MENDABLE)
    assert sol.status == "relaxed"
    over = [m for m in _groups(sol.centre).values() if MENDABLE[m].sum() > 300]
    assert over == [[6, 7]]
    assert band_reason(MENDABLE[over[0]], np.full(2, "compound"), (200, 300)) == "ceiling_relaxed"


def test_the_repair_takes_no_decision_by_the_clock_but_its_safety_valve(monkeypatch):
    """On a machine that seems slow (every clock reading of the repair one second later) the
    repaired grids are the same; when the repair's safety valve binds, the grids keep the
    heuristic's and ``stopped_by`` says ``time_limit``."""
    from gis_planner.grids import repair

    real = _heuristic(MENDABLE).centre.tolist()
    clock = {"readings": 0}

    def slow(step_s: float):
        def own_clock() -> float:
            clock["readings"] += 1
            return time.perf_counter() + clock["readings"] * step_s
        return own_clock

    monkeypatch.setattr(repair, "own_clock", slow(1.0))
    sol = _heuristic(MENDABLE)
    assert sol.centre.tolist() == real and sol.stopped_by == ""
    monkeypatch.setattr(repair, "own_clock", slow(1_000.0))
    sol = _heuristic(MENDABLE)
    assert sol.stopped_by == "time_limit" and sol.status == "relaxed"
    assert _totals(MENDABLE, sol.centre) == [200, 250, 250, 350]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(w=st.integers(3, 5), hgt=st.integers(2, 4), data=st.data())
def test_the_repair_never_leaves_more_households_outside_the_band(w, hgt, data):
    """On random lattices the repaired grids are contiguous and never worse than the
    heuristic's: no more households above ceilings, and as many only with no more below
    floors."""
    from gis_planner.grids import solve as solve_module
    from gis_planner.grids.repair import band_gap

    cost, edges = _lattice(w, hgt)
    n = w * hgt
    h = np.array(data.draw(st.lists(st.integers(0, 220), min_size=n, max_size=n)))

    def outside(centre: np.ndarray) -> tuple[int, int]:
        gaps = [band_gap(h[m], 200, 300) for m in _groups(centre).values()]
        return sum(g[0] for g in gaps), sum(g[1] for g in gaps)

    kwargs = {"min_households": 200, "max_households": 300, "exact_max_units": 1,
              "max_nodes": 200, "time_limit_s": 10}
    sol = solve_districts(h, cost, edges, **kwargs)
    for members in _groups(sol.centre).values():
        assert _connected(members, edges)
    real = solve_module._region_solver
    try:
        solve_module._region_solver = lambda **_kw: _no_region_solved
        old = solve_districts(h, cost, edges, **kwargs)
    finally:
        solve_module._region_solver = real
    assert outside(sol.centre) <= outside(old.centre)
    assert outside(sol.centre)[0] == 0  # the exact model of a region always keeps the ceiling
