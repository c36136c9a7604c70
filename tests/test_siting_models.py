"""GeoDataFrame API: models from costs, explanations, per-sub-district centres, demand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gis_planner._errors import InfeasibleError, InputDataError
from gis_planner.siting import (
    MaxCoverageSiting,
    PMedianSiting,
    candidates_from_layer,
    candidates_from_underserved,
    demand_weights,
    elderly_centres_per_subdistrict,
)

CRS = 32651


@pytest.fixture(scope="module")
def town():
    """Two sub-districts side by side (x < 1000: S1, x >= 1000: S2); 4 compounds, 4 candidates,
    1 existing elderly centre in S1 at x=100. Costs are straight-line metres (assumed household
    counts; no real ones exist)."""
    homes = gpd.GeoDataFrame(
        {"households": [100, 200, 300, 400], "name": ["a", "b", "c", "d"]},
        geometry=shapely.points([(100, 0), (600, 0), (1200, 0), (1900, 0)]),
        crs=CRS,
        index=pd.Index(["h1", "h2", "h3", "h4"], name="compound_id"),
    )
    cands = gpd.GeoDataFrame(
        {
            "name": ["c1", "c2", "c3", "c4(existing)"],
            "kind": "layer",
            "existing": [False, False, False, True],
        },
        geometry=shapely.points([(600, 0), (1200, 0), (1900, 0), (100, 0)]),
        crs=CRS,
        index=pd.Index(["k1", "k2", "k3", "e1"], name="candidate_id"),
    )
    xy_h = shapely.get_coordinates(homes.geometry.to_numpy())
    xy_c = shapely.get_coordinates(cands.geometry.to_numpy())
    costs = np.hypot(*(xy_h[:, None, :] - xy_c[None, :, :]).transpose(2, 0, 1))
    subs = gpd.GeoDataFrame(
        {"name": ["一街道", "二街道"], "kind": ["subdistrict", "subdistrict"]},
        geometry=[shapely.box(-500, -500, 1000, 500), shapely.box(1000, -500, 2500, 500)],
        crs=CRS,
        index=pd.Index(["S1", "S2"], name="subdistrict_code"),
    )
    return homes, cands, costs, subs


def test_mclp_from_costs_result_and_explanations(town):
    homes, cands, costs, _ = town
    model = MaxCoverageSiting.from_costs(
        costs,
        demand=homes,
        candidates=cands,
        demand_col="households",
        max_cost_m=750.0,
        walk_minutes=15,
        speed_kmh=3.0,
        category="wet_market",
    )
    res = model.solve(n_sites=1)
    assert res.status == "optimal"
    # existing covers h1 (100) and h2 (500 m away: 200); best new site covers c and d: k2 or k3
    assert list(res.chosen.index) in (["k2"], ["k3"])
    assert res.summary["covered_weight_before"] == 300
    assert res.summary["covered_weight_after"] == 1000
    row = res.chosen.iloc[0]
    assert row["weight_newly_covered"] == 700
    zh = res.explain("zh")
    en = res.explain("en")
    assert zh["requirement"].iloc[0] == "覆盖700户此前15分钟步行范围内没有菜市场的居民"
    assert en["requirement"].iloc[0] == (
        "covers 700 households previously outside 15 minutes' walk of a wet market"
    )
    assert "30.0% -> 100.0%" in en["area_coverage"].iloc[0]
    assert res.demand.index.equals(homes.index)
    assert isinstance(res.chosen, gpd.GeoDataFrame) and res.chosen.crs == homes.crs
    with pytest.raises(AttributeError):
        res.model = "x"  # type: ignore[misc]


def test_elderly_per_subdistrict(town):
    homes, cands, costs, subs = town
    model = PMedianSiting.from_costs(
        costs,
        demand=homes,
        candidates=cands,
        demand_col="households",
        category="subdistrict_elderly_centre",
    )
    res = elderly_centres_per_subdistrict(model, subs)
    # S1 has the existing centre; S2 lacks one -> one site among k2, k3 (d is heavier: k3)
    assert list(res.chosen.index) == ["k3"]
    assert res.chosen["group"].iloc[0] == "S2"
    zh = res.explain("zh")["requirement"].iloc[0]
    assert zh == "街道二街道此前没有综合性养老服务中心（街道级），本址满足每个街道至少一处的要求"
    en = res.explain("en")["requirement"].iloc[0]
    assert en.startswith("街道 二街道 had no sub-district comprehensive elderly-care centre")
    # a lacking sub-district without candidates is named with its code
    no_s2 = cands.drop(index=["k2", "k3"])
    m2 = PMedianSiting.from_costs(
        costs[:, [0, 3]], demand=homes, candidates=no_s2, demand_col="households"
    )
    with pytest.raises(InfeasibleError, match=r"街道 二街道 \(code S2\) has no candidate site"):
        elderly_centres_per_subdistrict(m2, subs)


def test_demand_weights_census_defaults_and_overrides():
    df = pd.DataFrame(
        {"households": [100, 200], "population": [None, 500], "elderly_share": [None, 0.3]},
        index=["a", "b"],
    )
    hh = demand_weights(df, kind="households")
    assert hh.tolist() == [100, 200]
    pop = demand_weights(df, kind="population")
    assert pop.tolist() == pytest.approx([262.0, 500.0])
    old = demand_weights(df, kind="elderly")
    assert old.tolist() == pytest.approx([262.0 * 0.187, 150.0])
    with pytest.raises(InputDataError, match="'elderly_share' has 1 values outside 0-1"):
        demand_weights(df.assign(elderly_share=[None, 30]), kind="elderly")
    with pytest.raises(InputDataError, match="missing column"):
        demand_weights(df.drop(columns="households"))


def test_candidates_layer_and_clusters(town):
    homes, _, _, _ = town
    poly = gpd.GeoDataFrame(
        {"name": ["空地"]}, geometry=[shapely.box(0, 0, 10, 10)], crs=CRS, index=[7]
    )
    c = candidates_from_layer(poly)
    assert c.index.tolist() == ["7"] and c["kind"].iloc[0] == "layer"
    assert c.geometry.iloc[0].within(shapely.box(0, 0, 10, 10))
    cl = candidates_from_underserved(homes, uncovered=[False, False, True, True], n_clusters=1)
    # weighted centre of c (300 at x=1200) and d (400 at x=1900): x = 1600
    assert cl.geometry.iloc[0].x == pytest.approx(1600.0)
    assert cl["kind"].iloc[0] == "cluster" and cl["cluster_weight"].iloc[0] == 700
