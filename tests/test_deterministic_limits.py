"""Optimisation results never depend on the machine's speed.

Every search stops at an effort limit (HiGHS branch-and-bound nodes, solve-and-cut rounds,
local-search steps); the wall-clock limits are safety valves, and when one binds the output
says so. A "slow machine" is simulated by a clock that runs fast: every reading of
``time.perf_counter`` in the solver modules advances by several seconds, as if each step had
taken that long. The grids of the demo's 凤凰社区 and a regionalisation must not change.
"""

from __future__ import annotations

import time
import types

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from gis_planner import io
from gis_planner._errors import PolicyError
from gis_planner.community import _regions
from gis_planner.community._regions import RegionProblem, solve_regions
from gis_planner.grids import load_grid_defaults, partition_grids
from gis_planner.grids.inputs import read_buildings
from gis_planner.siting import milp
from gis_planner.siting.milp import LIMIT_STATUSES, ModelBuilder

PHOENIX = "321202002001"  # 凤凰社区 of the demo town


class _FastClock:
    """``time.perf_counter`` that gains ``step_s`` seconds at every reading."""

    def __init__(self, step_s: float) -> None:
        self.step_s = step_s
        self.readings = 0

    def perf_counter(self) -> float:
        self.readings += 1
        return time.perf_counter() + self.readings * self.step_s


def _slow_machine(monkeypatch, module, step_s: float) -> _FastClock:
    clock = _FastClock(step_s)
    monkeypatch.setattr(module, "time", types.SimpleNamespace(perf_counter=clock.perf_counter))
    return clock


def _knapsack(seed: int) -> ModelBuilder:
    """A 5-constraint 0-1 knapsack of 30 items that HiGHS needs several nodes to prove
    (seed 4: 54 nodes)."""
    rng = np.random.default_rng(seed)
    w = rng.integers(20, 100, (5, 30))
    mb = ModelBuilder(maximise=True)
    x = mb.add_cols(rng.integers(20, 100, 30).astype(float), 0, 1, integer=True)
    for row in w:
        mb.add_row(-np.inf, float(row.sum() // 2), x, row.astype(float))
    return mb


def test_node_limit_keeps_the_incumbent_and_its_gap():
    mb = _knapsack(4)
    full = mb.solve(mip_gap=0.0)
    assert full.status == "optimal" and full.nodes > 2
    cut = mb.solve(max_nodes=2, mip_gap=0.0)
    assert cut.status == "node_limit" and cut.status in LIMIT_STATUSES
    assert cut.x is not None and cut.objective <= full.objective + 1e-9
    assert cut.gap > 0 and cut.bound >= full.objective - 1e-9
    again = mb.solve(max_nodes=2, mip_gap=0.0)
    np.testing.assert_array_equal(again.x, cut.x)
    assert (again.objective, again.bound, again.nodes) == (cut.objective, cut.bound, cut.nodes)


def test_time_limit_status_names_the_safety_valve():
    out = _knapsack(4).solve(time_limit_s=1e-9, max_nodes=10_000, mip_gap=0.0)
    assert out.status == "time_limit" and out.status in LIMIT_STATUSES


def test_node_limit_does_not_apply_to_a_relaxation():
    out = _knapsack(4).solve(relax=True, max_nodes=1)
    assert out.status == "optimal" and out.nodes == 0


@pytest.fixture(scope="module")
def phoenix(demo_dir):
    net = io.read_network(demo_dir / "roads.geojson")
    com = io.read_communities(demo_dir / "communities.geojson", metric_crs=net.crs)
    com = com.loc[[PHOENIX]]
    homes = io.read_compounds(demo_dir / "compounds.geojson", metric_crs=net.crs)
    homes = homes[homes["community_code"] == PHOENIX]
    bld = read_buildings(demo_dir / "buildings.geojson", metric_crs=net.crs)
    bld = bld[bld["compound_id"].isin(homes.index)]
    return com, homes, bld, net


def _grids(phoenix, settings=None):
    com, homes, bld, net = phoenix
    return partition_grids(com, homes, bld, network=net, settings=settings)


def test_phoenix_grids_are_the_same_on_a_slow_machine(phoenix, monkeypatch):
    """凤凰社区's 网格 and 微网格 on a machine eight times slower: every HiGHS time limit
    divided by 8 (the former 10 s per group became 1.25 s, less than HiGHS's root node of this
    community takes, so the heuristic took over), and every solve seemingly taking 8 s on the
    package's own clock: the same grids, and no limit named but the node limit."""
    normal = _grids(phoenix)
    solves = []
    plain_solve = ModelBuilder.solve

    def slower(self, *, time_limit_s=None, **kw):
        solves.append(time_limit_s)
        return plain_solve(self, time_limit_s=None if time_limit_s is None else time_limit_s / 8,
                           **kw)

    monkeypatch.setattr(ModelBuilder, "solve", slower)
    clock = _slow_machine(monkeypatch, milp, 4.0)
    slow = _grids(phoenix)
    assert solves and clock.readings >= 2 * len(solves)  # every solve ran on the slow machine
    assert len(normal.grids) == 11
    cols = ["community_code", "households", "units", "band_status", "centre_unit", "max_walk_m"]
    pd.testing.assert_frame_equal(pd.DataFrame(slow.grids[cols]), pd.DataFrame(normal.grids[cols]))
    pd.testing.assert_frame_equal(pd.DataFrame(slow.micro_grids[cols]),
                                  pd.DataFrame(normal.micro_grids[cols]))
    pd.testing.assert_frame_equal(pd.DataFrame(slow.units), pd.DataFrame(normal.units))
    same = ["community_code", "level", "grids", "method", "status", "objective_hh_m", "stopped_by"]
    pd.testing.assert_frame_equal(slow.solver[same], normal.solver[same])
    assert not (normal.solver["stopped_by"] == "time_limit").any()
    assert not (normal.solver["status"] == "time_limit").any()


def test_phoenix_grids_say_when_the_safety_valve_binds(phoenix):
    """A safety valve far below the time the search takes: the solver table says the answer
    was cut by the clock (it may then differ between machines)."""
    settings = load_grid_defaults().with_overrides(time_limit_s=1e-3)
    res = _grids(phoenix, settings)
    grid = res.solver[res.solver["level"] == "grid"].iloc[0]
    assert grid["stopped_by"] == "time_limit"
    assert grid["status"] in ("time_limit", "relaxed")


def test_grid_settings_state_the_node_limit():
    s = load_grid_defaults()
    assert s.max_nodes >= 1 and s.time_limit_s >= 10 * 10  # a valve ten times the former limit
    row = next(r for r in s.table() if r["setting"] == "solver")
    assert f"{s.max_nodes} search nodes" in row["value"] and "safety valve" in row["value"]


def _strips() -> RegionProblem:
    """Three vertical strips (24, 24 and 12 units) of a 6 x 10 grid; band 2000-3000."""
    rng = np.random.default_rng(3)
    idx = np.arange(60).reshape(6, 10)
    edges = np.r_[np.c_[idx[:, :-1].ravel(), idx[:, 1:].ravel()],
                  np.c_[idx[:-1, :].ravel(), idx[1:, :].ravel()]]
    return RegionProblem(rng.integers(60, 240, 60), edges, (idx.ravel() % 10) // 4, 3,
                         (2000, 3000))


def test_regions_are_the_same_on_a_slow_machine(monkeypatch):
    """The regionalisation (local search, near-start search, cut loop, compactness) with a
    clock gaining 6 s at every reading (a few hundred readings: the run seems to take over
    20 minutes, within the 1-hour safety valve): the former shares of the time limit (a tenth
    for the start, a third for the near-start search …) would have cut the searches short;
    now only effort counts, and the grouping is proven optimal."""
    problem = _strips()
    xy = np.c_[np.arange(60) % 10, np.arange(60) // 10] * 100.0
    normal = solve_regions(problem, xy=xy, time_limit_s=3600.0, compact_time_s=900.0)
    clock = _slow_machine(monkeypatch, _regions, 6.0)
    slow = solve_regions(problem, xy=xy, time_limit_s=3600.0, compact_time_s=900.0)
    assert clock.readings * clock.step_s > 1200  # over 20 minutes on the slow clock
    assert normal.status == "optimal" and normal.moved == 8
    assert normal.stopped_by != "time_limit" and slow.stopped_by == normal.stopped_by
    assert slow.status == normal.status
    np.testing.assert_array_equal(slow.region, normal.region)
    assert (slow.moved, slow.n_regions, slow.cut_links) == (
        normal.moved, normal.n_regions, normal.cut_links)
    g = nx.Graph(list(map(tuple, problem.edges)))
    for r in np.unique(slow.region):
        part = np.flatnonzero(slow.region == r)
        assert 2000 <= problem.households[part].sum() <= 3000
        assert nx.is_connected(g.subgraph(part))


def test_regions_say_when_the_safety_valve_binds():
    sol = solve_regions(_strips(), time_limit_s=1e-3, compact_rounds=0)
    assert sol.stopped_by == "time_limit"
    assert sol.status in ("feasible", "no_solution", "optimal")


def test_grid_settings_refuse_a_bad_node_limit(tmp_path):
    bad = tmp_path / "my_grids.toml"
    bad.write_text("[solver]\nmax_nodes = 0\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"my_grids\.toml: max_nodes must be >= 1; found 0"):
        load_grid_defaults(bad)
    bad.write_text("[solver]\nmax_nodes = 2.5\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"my_grids\.toml: solver\.max_nodes: expected int"):
        load_grid_defaults(bad)
    own = tmp_path / "own.toml"
    own.write_text("[solver]\nmax_nodes = 50\n", encoding="utf-8")
    assert load_grid_defaults(own).max_nodes == 50
