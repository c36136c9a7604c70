"""Coverage summaries: totals equal the input, groups plus the whole area, population, worst served."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _networks import grid_network
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gis_planner._errors import InputDataError
from gis_planner.coverage import completeness_summary, coverage_summary, reach, worst_served
from gis_planner.network import WalkNetwork

CRS = 32651


def _grid(n: int = 5, spacing: float = 100.0) -> WalkNetwork:
    return grid_network(n, spacing, crs=CRS)


GRID = _grid()


def _result():
    """Four compounds on a 400 m grid: A (0, 0), B (400, 0), C (400, 400) in community X / Y, and D
    5 km away (not snapped). A pharmacy at (0, 100) and a kindergarten at (400, 100), with a
    kindergarten limit of 4.5 min (300 m) at 4 km/h and the 15-minute (1000 m) headline.
    Distances: A pharmacy 100, kindergarten 500 (> 300); B pharmacy 500, kindergarten 100;
    C pharmacy 800, kindergarten 300 (inclusive: covered)."""
    homes = gpd.GeoDataFrame(
        {"households": [100, 200, 300, 400], "population": [250.0, 500.0, 800.0, 1000.0],
         "community_code": ["X", "X", "Y", "Y"], "name": ["A", "B", "C", "D"]},
        geometry=shapely.points([(0, 0), (400, 0), (400, 400), (5000, 5000)]), crs=CRS,
        index=pd.Index(["A", "B", "C", "D"], name="compound_id"))
    fac = gpd.GeoDataFrame({"category": ["pharmacy", "kindergarten"]},
                           geometry=shapely.points([(0, 100), (400, 100)]), crs=CRS,
                           index=["F1", "F2"])
    return reach(GRID, homes, fac, speed_kmh=4.0, category_minutes={"kindergarten": 4.5},
                 population_col="population")


def test_summary_overall_and_by_group():
    r = _result()
    s = coverage_summary(r).set_index("category")
    assert s.loc["pharmacy", "households"] == 1000
    assert s.loc["pharmacy", "households_unsnapped"] == 400
    assert s.loc["pharmacy", "covered_households"] == 600  # A, B, C
    assert s.loc["pharmacy", "covered_share"] == pytest.approx(0.6)
    assert s.loc["kindergarten", "covered_households"] == 500  # B, C
    assert s.loc["kindergarten", "limit_m"] == pytest.approx(300.0)
    assert s.loc["kindergarten", "covered_population"] == pytest.approx(1300.0)
    assert s.loc["kindergarten", "covered_population_share"] == pytest.approx(1300 / 2550)
    g = coverage_summary(r, by="community_code").set_index(["community_code", "category"])
    assert g.loc[("X", "kindergarten"), "covered_households"] == 200
    assert g.loc[("X", "kindergarten"), "households"] == 300
    assert g.loc[("Y", "pharmacy"), "households_unsnapped"] == 400
    assert g.loc[("Y", "pharmacy"), "covered_share"] == pytest.approx(300 / 700)
    # the whole-area rows follow the groups and repeat the overall summary
    assert g.loc[("all", "pharmacy"), "covered_households"] == 600
    per_group = g.drop(index="all", level=0)
    assert per_group.groupby(level="category")["households"].sum().eq(1000).all()
    with pytest.raises(InputDataError, match="by='district' is not a column"):
        coverage_summary(r, by="district")


def test_completeness_and_worst_served():
    r = _result()
    c = completeness_summary(r).iloc[0]
    # A 0.5, B 1, C 1, D 0 -> (50 + 200 + 300 + 0) / 1000
    assert c["mean_completeness"] == pytest.approx(0.55)
    assert c["share_with_all_required"] == pytest.approx(0.5)
    by = completeness_summary(r, by="community_code").set_index("community_code")
    assert by.loc["X", "mean_completeness"] == pytest.approx(250 / 300)
    assert list(by.index) == ["X", "Y", "all"]
    w = worst_served(r, n=2)
    assert list(w.index) == ["D", "A"]
    assert w.loc["D", "missing"] == "药店、幼儿园" and w.loc["D", "n_missing"] == 2
    assert not w.loc["D", "snapped"]
    assert w.loc["A", "missing"] == "幼儿园"
    assert worst_served(r, n=1, lang="en").loc["D", "missing"] == "Pharmacy, Kindergarten"
    assert r.worst_served(n=4).index.tolist() == ["D", "A", "C", "B"]  # ties: most households first


_coords = st.lists(st.tuples(st.floats(-300, 700), st.floats(-300, 700)), min_size=1, max_size=10)
_on_grid = st.lists(st.tuples(st.floats(0, 400), st.floats(0, 400)), min_size=1, max_size=5)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(homes=_coords, shops=_on_grid, counts=st.lists(st.integers(0, 5000), min_size=10, max_size=10),
       groups=st.lists(st.sampled_from(["a", "b", "c"]), min_size=10, max_size=10))
def test_totals_always_equal_the_input(homes, shops, counts, groups):
    """Snapped and unsnapped households together always equal the input total, per group too."""
    n = len(homes)
    h = gpd.GeoDataFrame({"households": counts[:n], "community_code": groups[:n]},
                         geometry=shapely.points(np.asarray(homes)), crs=CRS,
                         index=[f"H{i}" for i in range(n)])
    f = gpd.GeoDataFrame({"category": ["pharmacy"] * len(shops)},
                         geometry=shapely.points(np.asarray(shops)), crs=CRS,
                         index=[f"S{i}" for i in range(len(shops))])
    if not (h.geometry.distance(shapely.box(0, 0, 400, 400).boundary) <= 100).any():
        h.loc["H0", "geometry"] = shapely.Point(0, 0)  # at least one compound on the network
    r = reach(GRID, h, f, speed_kmh=4.0, snap_tolerance_m=100)
    total = sum(counts[:n])
    s = coverage_summary(r)
    assert s["households"].sum() == total
    assert s["covered_households"].sum() <= total - s["households_unsnapped"].sum()
    g = coverage_summary(r, by="community_code")
    assert g.loc[g["community_code"] != "all", "households"].sum() == total
    assert completeness_summary(r)["households"].sum() == total
