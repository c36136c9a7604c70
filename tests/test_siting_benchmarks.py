"""Exact optima on published instances: OR-Library p-median/p-center, spopt's San Francisco set."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from gis_planner._errors import InfeasibleError
from gis_planner.siting import lscp, mclp, p_center, p_median

# optimum per instance (PROVENANCE.md of orlib-pmed)
PMED_OPT = {
    "pmed1": 5819,
    "pmed5": 1355,
    "pmed10": 1255,
    "pmed20": 1789,
    "pmed30": 1989,
    "pmed40": 5128,
    "pmed38": 11060,
}


def load_pmed(path):
    """All-pairs shortest paths of an OR-Library pmed file; duplicate edges: LAST one wins."""
    lines = path.read_text().split("\n")
    n, m, p = map(int, lines[0].split())
    edges = {}
    for ln in lines[1 : m + 1]:
        i, j, c = map(int, ln.split())
        edges[(min(i, j) - 1, max(i, j) - 1)] = c
    r, c = zip(*edges, strict=True)
    g = sp.csr_matrix((list(edges.values()), (r, c)), shape=(n, n))
    return shortest_path(g, directed=False), p


@pytest.mark.shared
@pytest.mark.parametrize(
    "name",
    [
        "pmed1",
        "pmed5",
        "pmed10",
        "pmed20",
        "pmed30",
        "pmed40",
        pytest.param("pmed38", marks=pytest.mark.slow),  # n=900, p=5: about 50 s, still in the suite
    ],
)
def test_orlib_pmedian_optimum(shared_data, name):
    dist, p = load_pmed(shared_data / "orlib-pmed" / f"{name}.txt")
    res = p_median(dist, p=p)
    assert res.status == "optimal"
    assert res.objective == PMED_OPT[name]
    assert len(res.chosen) == p
    assert res.bound <= res.objective + 1e-6


@pytest.mark.shared
@pytest.mark.parametrize(("name", "radius"), [("pmed1", 127), ("pmed5", 48)])
def test_orlib_pcenter_optimum(shared_data, name, radius):
    dist, p = load_pmed(shared_data / "orlib-pmed" / f"{name}.txt")
    res = p_center(dist, p=p)
    assert res.status == "optimal"
    assert res.objective == radius
    assert len(res.chosen) == p


@pytest.fixture(scope="module")
def sf(shared_data):
    d = shared_data / "spopt-sf"
    dist = pd.read_csv(
        d / "SF_network_distance_candidateStore_16_censusTract_205_new.csv",
        dtype={"DestinationName": str},
    )
    dem = pd.read_csv(d / "SF_demand_205_centroid_uniform_weight.csv", dtype={"NAME": str})
    costs = dist.pivot_table(index="DestinationName", columns="name", values="distance")
    weights = dem.set_index("NAME")["POP2000"].reindex(costs.index).to_numpy(dtype=float)
    assert not np.isnan(weights).any()
    return costs.to_numpy(), weights


@pytest.mark.shared
def test_sf_mclp(sf):
    costs, w = sf
    res = mclp(costs, w, p=4, max_cost_m=5000)
    assert res.status == "optimal"
    assert res.n_uncovered == 21
    # the same with the sparse convention (only pairs within 5000 m stored)
    sparse = sp.csr_matrix(np.where(costs <= 5000, costs, 0.0))
    assert mclp(sparse, w, p=4).n_uncovered == 21


@pytest.mark.shared
def test_sf_pmedian(sf):
    costs, w = sf
    res = p_median(costs, w, p=4)
    assert res.status == "optimal"
    assert res.mean_cost_m == pytest.approx(2982.1268579890657, rel=1e-6)


@pytest.mark.shared
def test_sf_lscp(sf):
    costs, _ = sf
    ok = lscp(costs, max_cost_m=5000)
    assert ok.status == "optimal"
    assert ok.n_uncovered == 0
    with pytest.raises(InfeasibleError, match=r"205 demand point\(s\).*within 20"):
        lscp(costs, max_cost_m=20)
    reported = lscp(costs, max_cost_m=20, raise_infeasible=False)
    assert reported.status == "infeasible"
