"""A cluster that runs out of time without a grouping says so, and what to try."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gis_planner.community._regions import RegionSolution
from gis_planner.community.adjust import _State, _why


def test_time_out_reason_names_the_limit_and_what_to_try():
    com = pd.DataFrame({"band_min": [2000, 2000], "band_max": [3000, 3000]}, index=["A1", "A2"])
    h = pd.Series([1200, 900, 1500], index=["c1", "c2", "c3"])
    state = _State(members={"A1": ["c1", "c2"], "A2": ["c3"]})
    sol = RegionSolution("no_solution", None, 0, 0, 0, float("inf"), 10.2)
    en, zh = _why(sol, ["A1", "A2"], com, h, state, time_limit_s=10.0)
    assert en == ("no solution found within 10 s for the re-grouping of A1+A2 (not proven "
                  "impossible); try a longer time_limit_s, e.g. 40 s")
    assert zh.startswith("10秒内未找到A1+A2的调整方案（未证明无解）") and "40秒" in zh
    assert "infeasible" not in en


def test_proven_infeasible_reason_differs_from_time_out():
    com = pd.DataFrame({"band_min": [2000], "band_max": [3000]}, index=["L1"])
    h = pd.Series([900, 900, 900], index=["c1", "c2", "c3"])
    state = _State(members={"L1": ["c1", "c2", "c3"]})
    sol = RegionSolution("infeasible", None, 0, 0, 0, float("inf"), 0.3)
    en, _zh = _why(sol, ["L1"], com, h, state, time_limit_s=10.0)
    assert "proven by the solver" in en and "no solution found within" not in en
    assert np.isfinite(sol.runtime_s)


def test_effort_exhausted_reason_does_not_ask_for_more_time():
    com = pd.DataFrame({"band_min": [2000, 2000], "band_max": [3000, 3000]}, index=["A1", "A2"])
    h = pd.Series([1200, 900, 1500], index=["c1", "c2", "c3"])
    state = _State(members={"A1": ["c1", "c2"], "A2": ["c3"]})
    sol = RegionSolution("no_solution", None, 0, 0, 0, float("inf"), 10.2, stopped_by="effort")
    en, zh = _why(sol, ["A1", "A2"], com, h, state, time_limit_s=10.0)
    assert en.startswith("no valid re-grouping of A1+A2 found within the solver's search effort")
    assert "time_limit_s" not in en and "same answer on any machine" in en
    assert zh.startswith("在求解器的搜索量内未找到A1+A2的调整方案（未证明无解）")
