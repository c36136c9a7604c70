"""The local search of the regionalisation passes units on through a neighbour (a relay) where
no single move lowers the band violation, so it finds a grouping where it used to give up."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

from gis_planner.community import _regions as R
from gis_planner.community._regions import RegionProblem, solve_regions


def _path_problem() -> RegionProblem:
    """Six units on a line: A = [0] (90 households, below the floor of 100), B = [1, 2]
    (60 + 60: one unit more for A leaves B below the floor, and A + B is above the ceiling of
    200, so A cannot dissolve into it), C = [3, 4, 5] (50 + 60 + 60, room to give 50)."""
    h = np.array([90, 60, 60, 50, 60, 60])
    edges = np.array([[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]])
    return RegionProblem(h, edges, np.array([0, 1, 1, 2, 2, 2]), 3, (100, 200))


def _valid(region: np.ndarray, problem: RegionProblem) -> bool:
    adj = R._adjacency(problem)
    lo, hi = problem.band
    for r in np.unique(region):
        inside = region == r
        if len(R._pieces(np.flatnonzero(inside).tolist(), inside, adj)) != 1:
            return False
        if not lo <= problem.households[inside].sum() <= hi:
            return False
    return True


def test_relay_finds_the_two_moves_no_single_move_can_start():
    p = _path_problem()
    adj = R._adjacency(p)
    cur = np.asarray(p.current)
    st = R._Search(p, adj, cur.copy(), np.bincount(cur, weights=p.households,
                                                    minlength=R._slots(p)), R._slots(p))
    assert not R._improve(st, cur)  # every single move raises the violation
    assert not R._seed_new_region(st)  # nothing is above the ceiling
    found = R._local_search(p, adj, cur, R._slots(p), deadline=math.inf)
    assert found is not None
    assert _valid(found, p)
    assert found.tolist() == [0, 0, 1, 1, 2, 2]  # unit 1 into A, unit 3 into B
    sol = solve_regions(p, time_limit_s=10.0)
    assert sol.status == "optimal" and sol.moved == 2


@pytest.mark.parametrize("seed", range(40))
def test_local_search_answers_stay_valid_and_relays_never_raise_the_violation(seed):
    rng = np.random.default_rng(seed)
    rows, cols = 4, 4
    idx = np.arange(rows * cols).reshape(rows, cols)
    edges = np.r_[np.c_[idx[:, :-1].ravel(), idx[:, 1:].ravel()],
                  np.c_[idx[:-1, :].ravel(), idx[1:, :].ravel()]]
    h = rng.integers(60, 241, rows * cols)
    cur = np.repeat(np.arange(4), 4)  # four strips of four units
    p = RegionProblem(h, edges, cur, 4, (500, 700))
    adj = R._adjacency(p)
    r_n = R._slots(p)
    st = R._Search(p, adj, cur.copy(), np.bincount(cur, weights=h, minlength=r_n), r_n)
    before = sum(st.violation(r) for r in range(r_n))
    if R._relay(st, cur):
        after = sum(st.violation(r) for r in range(r_n))
        assert after < before
        for r in np.unique(st.region):
            inside = st.region == r
            assert len(R._pieces(np.flatnonzero(inside).tolist(), inside, adj)) == 1
        assert np.array_equal(st.size, np.bincount(st.region, weights=h, minlength=r_n))
    found = R._local_search(p, adj, cur, r_n, deadline=math.inf)
    if found is not None:
        assert _valid(found, p)


@pytest.fixture(scope="module")
def bench_regions():
    """The generator of benchmarks/bench_regions.py (grid clusters of 300 compounds)."""
    path = str(Path(__file__).resolve().parents[1] / "benchmarks")
    sys.path.insert(0, path)
    try:
        import bench_regions
    finally:
        sys.path.remove(path)
    return bench_regions


@pytest.mark.parametrize("seed", [6, 8])
def test_the_local_search_leaves_cycles_and_dead_ends_of_generated_clusters(bench_regions, seed,
                                                                           monkeypatch):
    """Seed 8: a community just below the floor whose neighbours are just above it (a dead end
    without a relay). Seed 6: 17 of 18 communities outside the band, where seeding a new region
    and dissolving it again cycled until the step limit (9.5 s) and found nothing."""
    p, _xy = bench_regions.instance(300, seed)
    steps = []
    improve = R._improve

    def counted(st, cur):
        steps.append(1)
        return improve(st, cur)

    monkeypatch.setattr(R, "_improve", counted)
    found = R._local_search(p, R._adjacency(p), np.asarray(p.current), R._slots(p),
                            deadline=math.inf)
    assert found is not None and _valid(found, p)
    assert len(steps) < 1_000  # the step limit is 20 n + 100 = 6,100
