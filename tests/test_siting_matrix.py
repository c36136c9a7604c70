"""Options of the cost-matrix solvers on hand-checkable matrices, and their error messages."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from gis_planner._errors import InfeasibleError, InputDataError
from gis_planner.siting import lscp, mclp, p_center, p_median

# 4 demand points on a line at x = 0, 100, 1000, 1100 m; candidates at the same places.
X = np.array([0.0, 100.0, 1000.0, 1100.0])
LINE = np.abs(X[:, None] - X[None, :])


def test_pmedian_line_two_sites():
    res = p_median(LINE, [1, 1, 1, 1], p=2)
    # one site per pair: cost 100 + 100
    assert res.objective == 200
    assert res.status == "optimal"
    assert set(res.chosen // 2) == {0, 1}


def test_existing_kept_open_and_not_counted():
    res = p_median(LINE, p=1, existing=[0])
    assert 0 in res.open and 0 not in res.chosen
    assert len(res.chosen) == 1 and res.chosen[0] in (2, 3)
    assert res.objective == 200


def test_forced_and_excluded():
    res = p_median(LINE, p=2, forced=[1], excluded=[2])
    assert 1 in res.chosen and 2 not in res.chosen
    assert res.objective == 200  # {1, 3}
    with pytest.raises(InputDataError, match="both excluded and forced"):
        p_median(LINE, p=1, forced=[1], excluded=[1])


def test_group_minimum_and_message():
    groups = ["A", "A", "B", "B"]
    res = mclp(LINE, [5, 5, 1, 1], p=2, max_cost_m=50, groups=groups, min_per_group=1)
    assert sorted(np.asarray(groups)[res.chosen]) == ["A", "B"]
    with pytest.raises(
        InfeasibleError, match=r"街道 江宁路街道 \(code 310106013\) has no candidate site"
    ):
        mclp(
            LINE,
            p=2,
            max_cost_m=50,
            groups=groups,
            min_per_group={"A": 1, "310106013": 1},
            group_names={"310106013": "江宁路街道"},
            group_kind="街道",
        )
    with pytest.raises(InfeasibleError, match=r"街道 B has no candidate site"):
        mclp(
            LINE,
            p=2,
            max_cost_m=50,
            groups=groups,
            min_per_group=1,
            excluded=[2, 3],
            group_kind="街道",
        )


def test_minimums_above_p_named():
    with pytest.raises(InfeasibleError, match="minimums need at least 2 new sites"):
        mclp(LINE, p=1, max_cost_m=50, groups=["A", "A", "B", "B"], min_per_group=1)


def test_capacities_never_exceeded():
    demand = np.array([30.0, 30.0, 30.0, 30.0])
    caps = np.array([70.0, 70.0, 70.0, 70.0])
    res = p_median(LINE, demand, p=2, capacities=caps)
    assert res.status == "optimal"
    assert (res.details["site_load"] <= caps + 1e-6).all()
    assert res.details["site_load"].sum() == pytest.approx(120.0)
    with pytest.raises(InfeasibleError, match="total capacity"):
        p_median(LINE, demand, p=1, capacities=np.full(4, 20.0))
    with pytest.raises(InfeasibleError, match="capacities"):
        p_median(LINE, demand, p=1, capacities=np.full(4, 50.0))


def test_capacitated_lscp_and_mclp():
    caps = np.array([1.0, 1.0, 1.0, 1.0])
    res = lscp(LINE, max_cost_m=150, capacities=caps)
    assert res.objective == 4  # each site serves one point
    res = mclp(LINE, p=1, max_cost_m=150, capacities=caps)
    assert res.objective == pytest.approx(1.0)


def test_sparse_missing_is_out_of_reach():
    # only pairs within 150 m stored; explicit zeros on the diagonal
    rows, cols = np.nonzero(LINE <= 150)
    m = sp.csr_matrix((LINE[rows, cols], (rows, cols)), shape=LINE.shape)
    assert m.nnz == 8
    assert mclp(m, p=1).objective == 2
    assert p_median(m, p=2).objective == 200
    with pytest.raises(InfeasibleError, match=r"2 demand point\(s\) \(rows 2, 3\)"):
        p_median(m, p=1, excluded=[2, 3])


def test_pcenter_line():
    res = p_center(LINE, p=2)
    assert res.objective == 100
    res = p_center(LINE, p=1)
    assert res.objective == 1000


def test_heuristic_gap_reported():
    rng = np.random.default_rng(3)
    pts = rng.uniform(0, 5000, size=(150, 2))
    d = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    exact = p_median(d, p=6, method="exact")
    heur = p_median(d, p=6, method="heuristic")
    assert heur.method == "heuristic"
    assert heur.bound <= exact.objective + 1e-6
    assert heur.objective >= exact.objective - 1e-6
    assert heur.gap == pytest.approx((heur.objective - heur.bound) / heur.objective)
    h2 = mclp(d, p=4, max_cost_m=800, method="heuristic")
    e2 = mclp(d, p=4, max_cost_m=800)
    assert h2.objective <= e2.objective + 1e-9 and h2.bound >= e2.objective - 1e-6


def test_time_limit_honoured_status():
    rng = np.random.default_rng(4)
    pts = rng.uniform(0, 5000, size=(300, 2))
    d = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    res = p_median(d, p=20, time_limit_s=0.5)
    assert res.status in ("optimal", "time_limit", "heuristic")
    assert res.bound <= res.objective + 1e-6


def test_bad_inputs_named():
    with pytest.raises(InputDataError, match="weights: 3 values for 4 demand rows"):
        p_median(LINE, [1, 1, 1], p=1)
    with pytest.raises(InputDataError, match="negative costs"):
        p_median(-LINE - 1, p=1)
    with pytest.raises(InfeasibleError, match="5 new sites asked for but only 4"):
        p_median(LINE, p=5)


def test_result_is_frozen():
    res = p_median(LINE, p=1)
    with pytest.raises(ValueError, match="read-only"):
        res.chosen[0] = 3
    with pytest.raises(AttributeError):
        res.objective = 0.0  # type: ignore[misc]


def test_constraints_object_equals_keywords_and_keywords_override():
    from gis_planner.siting import SiteConstraints

    groups = ["A", "A", "B", "B"]
    c = SiteConstraints(existing=[0], groups=groups, max_per_group=1)
    by_object = p_median(LINE, p=1, constraints=c)
    by_keywords = p_median(LINE, p=1, existing=[0], groups=groups, max_per_group=1)
    assert by_object.chosen.tolist() == by_keywords.chosen.tolist()
    assert by_object.objective == by_keywords.objective == 200
    # a keyword replaces the object's field: without the existing site, one new site per pair
    # is impossible with p=1, so the best single site serves all four at 100 + 900 + 1000 m
    res = p_median(LINE, p=1, constraints=c, existing=None)
    assert res.open.tolist() == res.chosen.tolist() and len(res.chosen) == 1
    assert res.objective == 2000
    for solve, kw in ((mclp, {"p": 1, "max_cost_m": 50}), (lscp, {"max_cost_m": 150}),
                      (p_center, {"p": 2})):
        assert solve(LINE, constraints=c, **kw).open.tolist() == solve(
            LINE, existing=[0], groups=groups, max_per_group=1, **kw
        ).open.tolist()


def test_unknown_constraint_names_the_solver():
    with pytest.raises(TypeError, match=r"mclp\(\) got unexpected keyword argument\(s\) \['max_sites'\]"):
        mclp(LINE, p=1, max_sites=2)
