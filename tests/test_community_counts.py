"""Household counts per community: assignment rules, straddling compounds, high-rise share."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gis_planner._errors import CRSError, InputDataError
from gis_planner.community import assign_compounds, count_households_by_community

CRS = 32650


@pytest.fixture(scope="module")
def two():
    """K1 = x 0-400, K2 = x 400-800 (squares of 400 m).

    - A: 300 m x 100 m at x 50-350 (inside K1), 10 households, 12 floors;
    - B: x 300-700, y 200-300: straddles; 100 m (25 %) in K1, 300 m (75 %) in K2;
      its representative point lies in K2; 20 households, 6 floors;
    - P: a point compound at (600, 50) in K2, 5 households, no floors;
    - O: a point outside both communities, 7 households.
    """
    com = gpd.GeoDataFrame({"name": ["甲社区", "乙社区"]},
                           index=pd.Index(["K1", "K2"], name="community_code"),
                           geometry=[shapely.box(0, 0, 400, 400), shapely.box(400, 0, 800, 400)],
                           crs=CRS)
    homes = gpd.GeoDataFrame(
        {"households": [10, 20, 5, 7], "floors": [12, 6, np.nan, np.nan]},
        index=pd.Index(["A", "B", "P", "O"], name="compound_id"),
        geometry=[shapely.box(50, 50, 350, 150), shapely.box(300, 200, 700, 300),
                  shapely.Point(600, 50), shapely.Point(900, 50)], crs=CRS)
    return com, homes


def test_centroid_rule(two):
    com, homes = two
    a = assign_compounds(homes, com)
    assert a["community_code"].to_dict() == {"A": "K1", "B": "K2", "P": "K2", "O": None}
    assert a["straddles"].to_dict() == {"A": False, "B": True, "P": False, "O": False}
    assert a.loc["B", "overlaps"] == "K2,K1"  # largest overlap first
    assert a.loc["B", "assigned_area_share"] == pytest.approx(0.75)


def test_area_rule_and_point_fallback(two):
    com, homes = two
    a = assign_compounds(homes, com, assign="area")
    assert a.loc["B", "community_code"] == "K2" and a.loc["B", "rule"] == "area"
    assert a.loc["P", "rule"] == "centroid (point compound)"


def test_gate_rule_majority_tie_and_no_gates(two):
    """B has two gates in K1 and one in K2 -> K1 (although 75 % of it lies in K2); A has one
    gate in each community -> tie, keeps its point's community; P has none."""
    com, homes = two
    gates = gpd.GeoDataFrame(
        {"compound_id": ["B", "B", "B", "A", "A"]},
        index=pd.Index([f"G{i}" for i in range(5)], name="gate_id"),
        geometry=[shapely.Point(310, 200), shapely.Point(320, 200), shapely.Point(600, 200),
                  shapely.Point(100, 50), shapely.Point(500, 50)], crs=CRS)
    a = assign_compounds(homes, com, assign="gate", gates=gates)
    assert a.loc["B", "community_code"] == "K1" and a.loc["B", "rule"] == "gate"
    assert a.loc["A", "community_code"] == "K1" and a.loc["A", "rule"] == "centroid (gate tie)"
    assert a.loc["P", "rule"] == "centroid (no gates)"
    c = count_households_by_community(homes, com, assign="gate", gates=gates)
    assert c.communities["households"].to_dict() == {"K1": 30, "K2": 5}
    assert c.communities["straddling_compounds"].to_dict() == {"K1": 1, "K2": 0}


def test_counts_high_rise_share_and_unassigned(two):
    com, homes = two
    c = count_households_by_community(homes, com)
    got = c.communities
    assert got["households"].to_dict() == {"K1": 10, "K2": 25}
    assert got["compounds"].to_dict() == {"K1": 1, "K2": 2}
    # K1: A (12 floors) is high-rise -> 10 / 10; K2: B has 6 floors, P unknown -> 0 / 20
    assert got.loc["K1", "high_rise_share"] == pytest.approx(1.0)
    assert got.loc["K2", "high_rise_share"] == pytest.approx(0.0)
    assert list(c.unassigned) == ["O"]
    assert list(c.straddling["compound_id"]) == ["B"]
    # never split, never lost: assigned households + unassigned = input total
    assert got["households"].sum() + 7 == homes["households"].sum()
    assert got.index.equals(com.index) and got.crs == com.crs


def test_straddle_tolerance(two):
    com, homes = two
    # B overlaps K1 by 100 m x 100 m = 10,000 m2: not a straddle above that tolerance
    a = assign_compounds(homes, com, straddle_tolerance_m2=10_000.0)
    assert not a["straddles"].any()


def test_errors_name_the_problem(two):
    com, homes = two
    with pytest.raises(InputDataError, match="assign='gate' needs gates"):
        assign_compounds(homes, com, assign="gate")
    with pytest.raises(InputDataError, match="assign='nearest'"):
        assign_compounds(homes, com, assign="nearest")  # type: ignore[arg-type]
    with pytest.raises(CRSError, match="compounds is in"):
        assign_compounds(homes.to_crs(32651), com)
    bad = homes.assign(households=[10, -1, 5, 7])
    with pytest.raises(InputDataError, match=r"'households'.*negative"):
        count_households_by_community(bad, com)
    with pytest.raises(CRSError, match="geographic"):
        count_households_by_community(homes.to_crs(4326), com.to_crs(4326))
