"""Property tests: more candidates never hurt; group minimums and capacities always hold."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gis_planner.siting import mclp, p_median

SMALL = settings(max_examples=25, deadline=None)


def _costs(seed: int, n_d: int, n_c: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 2000, size=(n_d, 2))
    b = rng.uniform(0, 2000, size=(n_c, 2))
    return np.round(np.hypot(*(a[:, None, :] - b[None, :, :]).transpose(2, 0, 1)))


@SMALL
@given(seed=st.integers(0, 10_000), p=st.integers(1, 3))
def test_adding_a_candidate_never_worsens(seed, p):
    d = _costs(seed, 25, 8)
    w = np.random.default_rng(seed).integers(1, 50, size=25)
    base = p_median(d[:, :-1], w, p=p)
    more = p_median(d, w, p=p)
    assert more.objective <= base.objective + 1e-6
    cb = mclp(d[:, :-1], w, p=p, max_cost_m=600)
    cm = mclp(d, w, p=p, max_cost_m=600)
    assert cm.objective >= cb.objective - 1e-6


@SMALL
@given(seed=st.integers(0, 10_000), extra=st.integers(0, 2))
def test_group_minimums_hold(seed, extra):
    d = _costs(seed, 30, 9)
    groups = np.array(list("AAABBBCCC"))
    res = mclp(d, p=3 + extra, max_cost_m=400, groups=groups, min_per_group=1)
    counts = {g: int((groups[res.chosen] == g).sum()) for g in "ABC"}
    assert min(counts.values()) >= 1
    res = p_median(d, p=3 + extra, groups=groups, min_per_group=1, max_per_group=2)
    counts = [int((groups[res.chosen] == g).sum()) for g in "ABC"]
    assert min(counts) >= 1 and max(counts) <= 2


@SMALL
@given(seed=st.integers(0, 10_000))
def test_capacities_never_exceeded(seed):
    rng = np.random.default_rng(seed)
    d = _costs(seed, 20, 6)
    need = rng.integers(1, 10, size=20).astype(float)
    caps = np.full(6, need.sum() / 2.5)
    res = p_median(d, need, p=3, capacities=caps)
    load = res.details["site_load"]
    assert (load <= caps + 1e-6).all()
    assert load.sum() == np.float64(need.sum()) or abs(load.sum() - need.sum()) < 1e-6
    assert (load[np.setdiff1d(np.arange(6), res.open)] <= 1e-9).all()
    assert len(res.chosen) == 3
