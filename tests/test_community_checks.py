"""Band checks: where the bands come from, statuses, ratios, sub-districts, walking distance."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gis_planner._errors import GisPlannerWarning, InputDataError
from gis_planner.community import ExplicitBands, check_communities, ratio_targets
from gis_planner.community.walk import farthest_walk
from gis_planner.network.graph import WalkNetwork
from gis_planner.policy import load_profile

CRS = 32650


def small():
    """Three 400 m squares with 12-digit codes (sub-district = first 9 digits):
    321202001001 甲社区 2 x 1100 = 2200 (urban, within 2000-3000);
    321202001002 乙社区 2 x 900 = 1800 (urban, too small by 200 = -10 %);
    321202101001 丙村 2 x 800 = 1600 (rural 1000-1500, too large by 100 = +6.67 %)."""
    codes = ["321202001001", "321202001002", "321202101001"]
    com = gpd.GeoDataFrame({"name": ["甲社区", "乙社区", "丙村"]},
                           index=pd.Index(codes, name="community_code"),
                           geometry=[shapely.box(400 * i, 0, 400 * (i + 1), 400) for i in range(3)],
                           crs=CRS)
    rows = []
    for i, h in enumerate([1100, 900, 800]):
        for j in range(2):
            rows.append({"compound_id": f"C{i}{j}", "households": h,
                         "geometry": shapely.Point(400 * i + 100 + 200 * j, 200)})
    return com, gpd.GeoDataFrame(rows, crs=CRS).set_index("compound_id")


def test_profile_and_explicit_bands_agree():
    com, homes = small()
    prof = load_profile("taizhou-2023")
    a = check_communities(com, homes, bands=prof.community_bands, propose=False).table
    b = check_communities(com, homes, urban=(2000, 3000), urban_high_rise=(2000, 5000),
                          rural=(1000, 1500), propose=False).table
    pd.testing.assert_frame_equal(a, b)
    assert a["status"].tolist() == ["within_band", "too_small", "too_large"]
    assert a["deviation_households"].tolist() == [0, -200, 100]
    assert a["deviation_pct"].tolist() == pytest.approx([0.0, -10.0, 100 / 15])
    assert a["subdistrict_code"].tolist() == ["321202001", "321202001", "321202101"]
    assert a["band_max"].tolist() == [3000, 3000, 1500]


def test_band_arguments_are_checked():
    com, homes = small()
    with pytest.raises(InputDataError, match="bands missing"):
        check_communities(com, homes, urban=(2000, 3000))
    with pytest.raises(InputDataError, match="given twice"):
        check_communities(com, homes, bands=load_profile("taizhou-2023").community_bands,
                          urban=(2000, 3000))
    with pytest.raises(InputDataError, match="0 <= min <= max"):
        ExplicitBands(urban=(3000, 2000), urban_high_rise=(2000, 5000), rural=(1000, 1500))


def test_ratio_checks_with_targets_from_the_profile():
    """甲社区: 660 m2 / 2200 households = 30 m2 per 100 (passes >= 30); workers 11 per 6000
    urban residents = 18.33 per 10k (passes); 乙社区: 500 / 1800 = 27.8 (fails), workers 9 /
    5000 = 18.0 (passes, inclusive); 丙村: rural, resident_population not counted as urban."""
    com, homes = small()
    attrs = pd.DataFrame({"community_code": list(com.index), "service_area_m2": [660, 500, 480],
                          "community_workers": [11, 9, 2],
                          "resident_population": [6000, 5000, 4000]})
    targets = ratio_targets(load_profile("taizhou-2023"))
    assert targets == {"service_area_m2_per_100_households": 30.0,
                       "workers_per_10k_urban_residents": 18.0}
    t = check_communities(com, homes, bands=load_profile("taizhou-2023").community_bands,
                          attributes=attrs, propose=False, **targets).table.set_index(
                              "community_code")
    area = t["service_area_m2_per_100_households"]
    assert area.tolist() == pytest.approx([30.0, 500 / 18, 30.0])
    assert t["service_area_ok"].tolist() == [True, False, True]
    w = t["community_workers_per_10k_urban_residents"]
    assert w.iloc[:2].tolist() == pytest.approx([11 / 6000 * 1e4, 18.0])
    assert np.isnan(w.iloc[2])
    assert t["community_workers_ok"].tolist()[:2] == [True, True]
    assert pd.isna(t["community_workers_ok"].iloc[2])


def test_unclassified_and_missing_subdistrict_warn():
    com, homes = small()
    com = com.set_axis(["A", "B", "C"]).assign(name=["甲", "乙", "丙"])
    with pytest.warns(GisPlannerWarning) as rec:
        t = check_communities(com, homes, urban=(2000, 3000), urban_high_rise=(2000, 5000),
                              rural=(1000, 1500)).table
    messages = " ".join(str(w.message) for w in rec)
    assert "no subdistrict_code" in messages and "could not be classified" in messages
    assert (t["status"] == "unclassified").all()


def _l_network() -> WalkNetwork:
    lines = [shapely.LineString([(0, 0), (400, 0)]), shapely.LineString([(400, 0), (400, 300)])]
    return WalkNetwork.from_lines(gpd.GeoDataFrame(geometry=lines, crs=CRS), source="test")


def test_farthest_walk_by_hand():
    """Roads (0,0)-(400,0)-(400,300); compounds at (0,10) and (400,310), 100 households each.
    Their household-weighted centroid (200,160) snaps to (200,0), 160 m away. Walks:
    10 + 200 + 160 = 370 and 10 + 300 + 200 + 160 = 670 -> 670. Straight line: 250.
    With a service centre at (400,0): 10 + 400 = 410 and 10 + 300 = 310 -> 410."""
    homes = gpd.GeoDataFrame({"households": [100, 100]}, index=["a", "b"],
                             geometry=[shapely.Point(0, 10), shapely.Point(400, 310)], crs=CRS)
    group = [("K", pd.Index(["a", "b"]), shapely.box(-50, -50, 450, 350))]
    net = _l_network()
    w = farthest_walk(group, homes, network=net)
    assert w.loc["K", "max_walk_m"] == pytest.approx(670.0)
    assert w.loc["K", "centre_kind"] == "weighted_centroid"
    assert farthest_walk(group, homes).loc["K", "max_walk_m"] == pytest.approx(250.0)
    fac = gpd.GeoDataFrame({"category": ["community_service_centre", "pharmacy"]},
                           index=["F1", "F2"],
                           geometry=[shapely.Point(400, 0), shapely.Point(0, 0)], crs=CRS)
    w = farthest_walk(group, homes, network=net, facilities=fac)
    assert w.loc["K", "max_walk_m"] == pytest.approx(410.0)
    assert (w.loc["K", "centre_kind"], w.loc["K", "centre_facility"]) == ("service_centre", "F1")
    far = farthest_walk(group, homes, network=net, cutoff_m=450.0)  # b: 500 m on the network
    assert far.loc["K", "unreachable_compounds"] == 1
