"""Audit of existing grids and the department-grid crosswalk, on hand-drawn squares."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from gis_planner._errors import InputDataError
from gis_planner.grids import audit_grids, crosswalk_grids

CRS = 32650
X0, Y0 = 500_000.0, 3_600_000.0


def box(x0, y0, x1, y1):
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


@pytest.fixture
def communities():
    """K1 = [0, 400] x [0, 400], K2 = [400, 800] x [0, 400]."""
    return gpd.GeoDataFrame({"name": ["一", "二"]}, index=pd.Index(["K1", "K2"],
                                                                    name="community_code"),
                            geometry=[box(0, 0, 400, 400), box(400, 0, 800, 400)], crs=CRS)


@pytest.fixture
def grids():
    """G1 = K1's south half; G2 = K1's north half reaching 40 m into K2 (crossing, and
    overlapping G3 by 40 x 200 = 8,000 m2); G3 = K2's north half; K2's south half [400, 800] x
    [0, 200] has no grid (gap 80,000 m2). G3 has no worker. Households 350, 600, 450."""
    return gpd.GeoDataFrame(
        {"households": [350, 600, 450], "网格员": ["张三", "李四", ""]},
        index=pd.Index(["K101", "K102", "K201"], name="grid_code"),
        geometry=[box(0, 0, 400, 200), box(0, 200, 440, 400), box(400, 200, 800, 400)], crs=CRS)


def test_audit_finds_every_planted_fault(grids, communities):
    a = audit_grids(grids, communities, min_households=300, max_households=500)
    g = a.grids
    assert g["band_status"].to_dict() == {"K101": "in_band", "K102": "over_band",
                                          "K201": "in_band"}
    assert g["nested"].to_dict() == {"K101": True, "K102": False, "K201": True}
    assert g.loc["K102", "community_code"] == "K1"
    cross = a.crossings.set_index("community_code")
    assert cross.loc["K2", "overlap_m2"] == pytest.approx(8_000.0)
    assert cross.loc["K2", "share"] == pytest.approx(8_000 / 88_000)
    assert len(a.gaps) == 1 and a.gaps["community_code"].iloc[0] == "K2"
    assert a.gaps["area_m2"].iloc[0] == pytest.approx(80_000.0)
    assert a.overlaps[["grid_a", "grid_b"]].values.tolist() == [["K102", "K201"]]
    assert a.overlaps["overlap_m2"].iloc[0] == pytest.approx(8_000.0)
    assert g["has_worker"].to_dict() == {"K101": True, "K102": True, "K201": False}
    failing = a.summary.set_index("check")["failing"].to_dict()
    assert failing == {"band": 1, "nesting": 1, "gaps": 1, "overlaps": 1, "workers": 1}


def test_audit_counts_households_from_units(grids, communities):
    pts = gpd.GeoDataFrame({"households": [100, 250, 70]},
                           geometry=[shapely.Point(X0 + 50, Y0 + 50),
                                     shapely.Point(X0 + 300, Y0 + 100),
                                     shapely.Point(X0 + 600, Y0 + 300)], crs=CRS)
    a = audit_grids(grids.drop(columns="households"), communities, min_households=300,
                    max_households=500, units=pts)
    assert a.grids["households"].to_dict() == {"K101": 350, "K102": 0, "K201": 70}


def test_audit_without_workers_or_households(grids, communities):
    a = audit_grids(grids.drop(columns="网格员"), communities, min_households=300,
                    max_households=500)
    assert a.grids["has_worker"].isna().all()
    assert "not assessable" in a.summary.set_index("check").loc["workers", "note"]
    with pytest.raises(InputDataError, match="no household column"):
        audit_grids(grids.drop(columns="households"), communities, min_households=300,
                    max_households=500)
    with pytest.raises(InputDataError, match="'worker_name'"):
        audit_grids(grids, communities, min_households=300, max_households=500,
                    worker_col="worker_name")


@pytest.fixture
def community_grids():
    """Four community grids, 200 m squares: C1 [0,200]x[0,200], C2 [200,400]x[0,200],
    C3 [0,200]x[200,400], C4 [200,400]x[200,400]."""
    cells = [(0, 0), (200, 0), (0, 200), (200, 200)]
    return gpd.GeoDataFrame(index=pd.Index([f"C{i + 1}" for i in range(4)], name="grid_code"),
                            geometry=[box(x, y, x + 200, y + 200) for x, y in cells], crs=CRS)


def test_crosswalk_classes_and_realignment(community_grids):
    """D1 = C1 exactly (1:1); D2 = C2 + C4 (1:n); D3 = C3 and 50 m of C4 (broken)."""
    dept = gpd.GeoDataFrame(index=pd.Index(["D1", "D2", "D3"], name="police"),
                            geometry=[box(0, 0, 200, 200), box(200, 0, 400, 400),
                                      box(0, 200, 250, 400)], crs=CRS)
    cw = crosswalk_grids(dept, community_grids)
    d = cw.departments.set_index("department_grid")
    assert d["class"].to_dict() == {"D1": "1:1", "D2": "1:n", "D3": "broken"}
    assert d.loc["D2", "community_grids"] == "C2、C4"
    assert d.loc["D3", "partial_grids"] == "C4"
    # realignment: C4 overlaps D2 by 40,000 m2 and D3 by 10,000 m2: it stays with D2
    assert d["proposed_grids"].to_dict() == {"D1": "C1", "D2": "C2、C4", "D3": "C3"}
    assert d["changed"].to_dict() == {"D1": False, "D2": False, "D3": True}
    assert cw.proposed.geometry.loc["D3"].area == pytest.approx(40_000.0)
    pair = cw.pairs.set_index(["department_grid", "community_grid"])
    assert pair.loc[("D3", "C4"), "share_of_community"] == pytest.approx(0.25)
    assert not pair.loc[("D3", "C4"), "whole"]


def test_crosswalk_tolerance_ignores_slivers(community_grids):
    """A department grid digitised 2 m too wide (1% of the neighbour) still reads 1:1."""
    dept = gpd.GeoDataFrame(index=pd.Index(["D1"]), geometry=[box(0, 0, 202, 200)], crs=CRS)
    cw = crosswalk_grids(dept, community_grids)
    assert cw.departments["class"].tolist() == ["1:1"]
    assert crosswalk_grids(dept, community_grids, tolerance_share=0.0) \
        .departments["class"].tolist() == ["broken"]
    with pytest.raises(InputDataError, match="tolerance_share"):
        crosswalk_grids(dept, community_grids, tolerance_share=0.7)
