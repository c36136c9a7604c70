"""``partition_grids``: nesting, contiguity, bands, conservation, buildings never split, special
groups, codes, settings and errors, on a small hand-made town."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gis_planner._errors import CRSError, InputDataError, PolicyError
from gis_planner.grids import SPECIAL_GROUPS, load_grid_defaults, partition_grids, report_tables

CRS = 32650
X0, Y0 = 500_000.0, 3_600_000.0


def town(k2_households=(100,) * 9):
    """K1 (400 x 400 m) holds four 200-household compounds, each of five 40-household
    buildings; K2 beside it holds one compound of sum(k2_households) (900 by default, above
    the 500 ceiling) made of nine buildings in a 3 x 3 block. Buildings carry 低保对象 = 1 and
    残疾人 = 2 each (Chinese column names)."""
    com = gpd.GeoDataFrame({"name": ["一社区", "二社区"]},
                           index=pd.Index(["K1", "K2"], name="community_code"),
                           geometry=[shapely.box(X0 + 400 * i, Y0, X0 + 400 * (i + 1), Y0 + 400)
                                     for i in range(2)], crs=CRS)
    comp, bld = [], []
    for j in range(4):
        x, y = X0 + 20 + (j % 2) * 200, Y0 + 20 + (j // 2) * 200
        comp.append({"compound_id": f"A{j}", "households": 200,
                     "geometry": shapely.box(x, y, x + 160, y + 160)})
        for b in range(5):
            bx = x + 10 + 30 * b
            bld.append({"building_id": f"A{j}-{b}", "compound_id": f"A{j}", "households": 40,
                        "geometry": shapely.box(bx, y + 60, bx + 20, y + 100)})
    comp.append({"compound_id": "B0", "households": int(sum(k2_households)),
                 "geometry": shapely.box(X0 + 420, Y0 + 20, X0 + 780, Y0 + 380)})
    for b, hh in enumerate(k2_households):
        bx, by = X0 + 440 + 120 * (b % 3), Y0 + 40 + 120 * (b // 3)
        bld.append({"building_id": f"B0-{b}", "compound_id": "B0", "households": int(hh),
                    "geometry": shapely.box(bx, by, bx + 80, by + 80)})
    homes = gpd.GeoDataFrame(comp, crs=CRS).set_index("compound_id")
    buildings = gpd.GeoDataFrame(bld, crs=CRS).set_index("building_id")
    buildings["低保对象"] = 1
    buildings["残疾人"] = 2
    return com, homes, buildings


@pytest.fixture(scope="module")
def result():
    com, homes, buildings = town()
    return com, homes, buildings, partition_grids(com, homes, buildings)


def test_households_are_conserved(result):
    _com, homes, _b, r = result
    total = int(homes["households"].sum())
    assert int(r.grids["households"].sum()) == total
    assert int(r.micro_grids["households"].sum()) == total
    assert int(r.units["households"].sum()) == total


def test_grids_nest_in_their_community_and_tile_it(result):
    com, _h, _b, r = result
    for code, poly in com.geometry.items():
        mine = r.grids[r.grids["community_code"] == code]
        assert all(g.buffer(0.05).covers(g) and poly.buffer(0.05).covers(g) for g in mine.geometry)
        assert mine.geometry.area.sum() == pytest.approx(poly.area, abs=1.0)  # no gaps
        assert shapely.union_all(mine.geometry.to_numpy()).area == pytest.approx(poly.area,
                                                                                  abs=1.0)
        assert all(c.startswith(code) and len(c) == len(code) + 2 for c in mine.index)
    for code, row in r.micro_grids.iterrows():
        assert code.startswith(row["grid_code"]) and len(code) == len(row["grid_code"]) + 2
        assert r.grids.geometry.loc[row["grid_code"]].buffer(0.05).covers(row.geometry)


def test_grids_and_micro_grids_are_contiguous(result):
    _c, _h, _b, r = result
    assert set(r.grids.geom_type) == {"Polygon"}
    assert set(r.micro_grids.geom_type) == {"Polygon"}


def test_bands_and_the_hand_checked_answer(result):
    """K1: 800 households in 200-household compounds -> two grids of two compounds (400);
    K2: the 900-household compound exceeds 500, so it is split by its buildings into two grids
    (500 + 400). 微网格: every 40-household building of K1 is one (20-50); K2's 100-household
    buildings stand alone above the micro ceiling."""
    _c, _h, _b, r = result
    assert r.grids.groupby("community_code").size().to_dict() == {"K1": 2, "K2": 2}
    assert sorted(r.grids["households"]) == [400, 400, 400, 500]
    assert (r.grids["band_status"] == "in_band").all()
    k1 = r.micro_grids[r.micro_grids["community_code"] == "K1"]
    assert (k1["households"] == 40).all() and len(k1) == 20
    k2 = r.micro_grids[r.micro_grids["community_code"] == "K2"]
    assert (k2["band_status"] == "over_band").all() and (k2["units"] == 1).all()
    assert (r.grids["workers_needed"] == r.settings.workers_per_grid).all()
    assert r.grids.index.name == "grid_code" and r.micro_grids.index.name == "micro_code"


def test_buildings_never_split_and_compounds_only_when_too_large(result):
    _c, _homes, buildings, r = result
    u = r.units
    assert u.index.is_unique
    assert set(u.index[u["kind"] == "building"]) == set(buildings.index)
    for cid in ("A0", "A1", "A2", "A3"):  # 200 households: never split across grids
        assert u.loc[u["compound_id"] == cid, "grid_code"].nunique() == 1
    assert u.loc[u["compound_id"] == "B0", "grid_code"].nunique() == 2


def test_special_groups_are_counted_from_chinese_columns(result):
    _c, _h, buildings, r = result
    assert r.groups == ("subsistence_allowance", "disabled")
    assert int(r.grids["subsistence_allowance"].sum()) == len(buildings)
    assert int(r.micro_grids["disabled"].sum()) == 2 * len(buildings)
    tables = report_tables(r)
    assert set(tables) >= {"grid_summary", "grids", "micro_grids", "solver", "grid_settings"}
    assert int(tables["grid_summary"]["households"].sum()) == 1700
    present = tables["special_groups"].set_index("group")["present"]
    assert present["subsistence_allowance"] and not present["extreme_poverty"]


def test_compounds_alone_with_english_group_columns_and_population():
    com, homes, _b = town()
    homes = homes.assign(elderly_alone=3, population=500)
    r = partition_grids(com, homes, micro=False)
    assert int(r.grids["elderly_alone"].sum()) == 3 * len(homes)
    assert int(r.grids["residents"].sum()) == 500 * len(homes)
    assert not r.grids["residents_estimated"].any()
    big = r.grids[r.grids["households"] > 500]  # the 900 compound has no buildings to split by
    assert len(big) == 1 and big["band_status"].iloc[0] == "over_band"
    assert r.micro_grids.empty


def test_settings_and_overrides(tmp_path):
    s = load_grid_defaults()
    assert (s.grid_min, s.grid_max, s.micro_min, s.micro_max) == (300, 500, 20, 50)
    assert s.status["grid_households"] == "unverified"
    assert s.status["micro_grid_households"] == "unverified"
    assert "舟山" in s.sources["grid_households"]
    own = tmp_path / "mine.toml"
    own.write_text("[micro_grid_households]\nmin = 50\nmax = 80\n", encoding="utf-8")
    mine = load_grid_defaults(own)
    assert (mine.micro_min, mine.micro_max, mine.grid_max) == (50, 80, 500)
    assert mine.sources["micro_grid_households"].startswith("mine.toml")
    assert s.with_overrides(grid_max=600, grid_min=None).grid_max == 600
    bad = tmp_path / "bad.toml"
    bad.write_text("[grid_households]\nmaximum = 3\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"bad\.toml: grid_households\.maximum: unknown key"):
        load_grid_defaults(bad)
    with pytest.raises(PolicyError, match="min <= max"):
        s.with_overrides(grid_min=600)


def test_the_zhoushan_band_is_marked_as_another_regions_rule(tmp_path):
    """300-500 households per grid come from 舟山's regulation: a 泰州 plan's table says so, a
    舟山 plan's does not; a planner's own band (own source) carries no shipped place."""
    s = load_grid_defaults()
    assert s.places["grid_households"] == ("zhejiang/zhoushan",)
    taizhou = {r["setting"]: r["status"] for r in s.table("zh", plan_place="jiangsu/taizhou")}
    assert taizhou["网格户数"] == "未核实；其他地区规定（舟山）"
    assert taizhou["微网格户数"] == "unverified"  # our reading: no region's rule
    zhoushan = {r["setting"]: r["status"] for r in s.table("en", plan_place="zhejiang/zhoushan")}
    assert zhoushan["grid_households"] == "unverified"
    unplaced = {r["setting"]: r["status"] for r in s.table("en")}
    assert unplaced["grid_households"].startswith("unverified; a local rule (Zhoushan)")
    own = tmp_path / "mine.toml"
    own.write_text("[grid_households]\nmin = 250\nmax = 400\n", encoding="utf-8")
    mine = load_grid_defaults(own)
    assert mine.places["grid_households"] == ()
    row = next(r for r in mine.table("zh", plan_place="jiangsu/taizhou") if r["setting"] == "网格户数")
    assert row["status"] == "unverified" and row["source"].startswith("mine.toml")  # not 舟山's text
    bad = tmp_path / "bad_place.toml"
    bad.write_text('[grid_households]\nplace = "atlantis"\n', encoding="utf-8")
    with pytest.raises(PolicyError, match=r"bad_place\.toml: grid_households\.place"):
        load_grid_defaults(bad)


def test_bad_inputs_name_the_problem():
    com, homes, buildings = town()
    with pytest.raises(CRSError):
        partition_grids(com, homes.to_crs(4326))
    with pytest.raises(InputDataError, match="'households'"):
        partition_grids(com, homes.drop(columns="households"))
    bad = buildings.assign(残疾人=-1)
    with pytest.raises(InputDataError, match="残疾人"):
        partition_grids(com, homes, bad)
    both = buildings.assign(disabled=2)
    with pytest.raises(InputDataError, match="appears twice"):
        partition_grids(com, homes, both)


def test_input_frames_are_not_modified():
    com, homes, buildings = town()
    before = (com.copy(), homes.copy(), buildings.copy())
    partition_grids(com, homes, buildings, micro=False)
    for a, b in zip(before, (com, homes, buildings), strict=True):
        pd.testing.assert_frame_equal(a, b)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hh=st.lists(st.integers(10, 260), min_size=9, max_size=9))
def test_properties_on_random_buildings(hh):
    """Whatever the building counts of K2: households conserved, every building in exactly one
    grid and one 微网格, grids contiguous and inside their community, and no grid above the
    ceiling unless it is one building."""
    com, homes, buildings = town(tuple(hh))
    r = partition_grids(com, homes, buildings)
    assert int(r.grids["households"].sum()) == int(homes["households"].sum())
    assert int(r.micro_grids["households"].sum()) == int(homes["households"].sum())
    blds = r.units[r.units["kind"] == "building"]
    assert blds.index.is_unique and (blds["micro_code"] != "").all()
    assert set(r.grids.geom_type) <= {"Polygon"}
    for _code, g in r.grids.iterrows():
        assert com.geometry.loc[g["community_code"]].buffer(0.05).covers(g.geometry)
        solved = r.solver[(r.solver["community_code"] == g["community_code"])
                          & (r.solver["level"] == "grid")]
        if solved["method"].iloc[0] == "exact":  # the ceiling is a hard constraint
            assert g["households"] <= r.settings.grid_max or g["units"] == 1
    assert set(SPECIAL_GROUPS) >= set(r.groups)
    assert np.isfinite(r.solver["gap"]).all()


def test_buildings_outside_compounds_and_mismatched_counts_are_reported():
    from gis_planner._errors import GisPlannerWarning

    com, homes, buildings = town()
    stray = buildings.iloc[[0]].copy()
    stray.index = ["stray"]
    stray["compound_id"] = None
    stray.geometry = [shapely.box(X0 + 395, Y0 + 395, X0 + 399, Y0 + 399)]
    with pytest.warns(GisPlannerWarning, match=r"1 buildings lie in no compound.*stray"):
        r = partition_grids(com, homes, pd.concat([buildings, stray]), micro=False)
    assert int(r.grids["households"].sum()) == int(homes["households"].sum())
    off = buildings.assign(households=buildings["households"] * 2)
    with pytest.warns(GisPlannerWarning, match="scaled to the compound totals"):
        r = partition_grids(com, homes, off)
    assert int(r.micro_grids["households"].sum()) == int(homes["households"].sum())
    clash = buildings.rename(index={"A0-0": "A1"})
    with pytest.raises(InputDataError, match="also compound ids"):
        partition_grids(com, homes, clash)


@pytest.mark.parametrize(("line", "pairs"), [
    ([(0, 200), (400, 200)], [["A0", "A1"], ["A2", "A3"]]),   # a river across: rows
    ([(200, 0), (200, 400)], [["A0", "A2"], ["A1", "A3"]]),   # a railway down: columns
])
def test_barrier_lines_become_grid_boundaries(line, pairs):
    """K1's four 200-household compounds, band exactly 400: two pairs. The barrier line
    decides which pairs."""
    com, homes, _b = town()
    barriers = gpd.GeoDataFrame(geometry=[shapely.LineString([(X0 + x, Y0 + y) for x, y in line])],
                                crs=CRS)
    s = load_grid_defaults().with_overrides(grid_min=400, grid_max=400)
    r = partition_grids(com.loc[["K1"]], homes.loc[["A0", "A1", "A2", "A3"]], barriers=barriers,
                        settings=s, micro=False)
    got = sorted(sorted(g.index) for _, g in r.units.groupby("grid_code"))
    assert got == pairs


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), share=st.floats(0.2, 0.9))
def test_a_grid_keeps_the_adjacency_of_its_units_in_the_community(seed, share):
    """A 微网格 level whose units are those of its grid reuses the grid level's cells and
    their adjacent pairs, restricted to the grid (``_pairs_within``): the same pairs, in the
    same order, as the adjacency computed again from those cells. Random compound squares
    in a 600 m community, a random subset of them as the grid."""
    from gis_planner.community.adjacency import compound_adjacency, compound_cells
    from gis_planner.grids.partition import _pairs_within

    rng = np.random.default_rng(seed)
    n = 24
    xy = rng.uniform(0, 560, (n, 2))
    homes = gpd.GeoSeries([shapely.box(x, y, x + rng.uniform(10, 40), y + rng.uniform(10, 40))
                           for x, y in xy], crs=CRS)
    cells = compound_cells(homes, shapely.box(0, 0, 600, 600))
    pairs = compound_adjacency(homes, cells)
    assert np.array_equal(pairs, pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))])  # sorted
    members = np.flatnonzero(rng.random(n) < share)
    again = compound_adjacency(homes.iloc[members], cells.iloc[members])
    assert np.array_equal(_pairs_within(pairs, members, n), again)


def test_band_reason_says_why_a_grid_is_outside_its_band():
    from gis_planner.grids.partition import band_reason

    kinds = np.array(["building", "compound", "building"])
    band = (20, 50)
    assert band_reason(np.array([30, 0, 0]), kinds, band) == ""
    assert band_reason(np.array([120, 0, 0]), kinds, band) == "building_over_max"  # empty units join
    assert band_reason(np.array([0, 120, 0]), kinds, band) == "compound_over_max"
    assert band_reason(np.array([30, 30, 0]), kinds, band) == "ceiling_relaxed"
    assert band_reason(np.array([10, 0, 5]), kinds, band) == "floor_relaxed"


def test_micro_grids_above_the_band_carry_the_reason(result):
    """K2's 100-household buildings are each a 微网格 above the 50 ceiling: the layer, the
    per-community table and its sentence say it is the building, which is never split."""
    from gis_planner.grids.tables import band_exceptions, band_notes

    _c, _h, _b, r = result
    k2 = r.micro_grids[r.micro_grids["community_code"] == "K2"]
    assert (k2["band_reason"] == "building_over_max").all()
    assert (r.micro_grids.loc[r.micro_grids["band_status"] == "in_band", "band_reason"] == "").all()
    assert (r.grids["band_reason"] == "").all()
    ex = band_exceptions(r).set_index(["community_code", "level"])
    row = ex.loc[("K2", "micro_grid")]
    assert (row["count"], row["of"], row["households_max"], row["band_reason"]) == (9, 9, 100,
                                                                                     "building_over_max")
    assert ("K1", "micro_grid") not in ex.index
    zh = band_notes(r, lang="zh").set_index("community_code")
    assert list(zh.index) == ["K2"] and (zh.loc["K2", "micro_grids"], zh.loc["K2", "out_of_band"]) == (9, 9)
    assert zh.loc["K2", "note"] == "9 个微网格高于上限（最多 100 户）：单栋楼户数已超过 50 户，微网格不拆分楼栋"
    en = band_notes(r, lang="en").set_index("community_code")
    assert en.loc["K2", "note"].startswith("9 micro-grids above the ceiling (up to 100 households): "
                                           "a single building of more than 50 households")
    assert "band_exceptions" in report_tables(r)


def test_a_compound_without_buildings_above_the_ceiling_and_its_walk():
    """Without buildings K2's 900-household compound is one grid above the ceiling (it cannot
    be split), and its walk to the grid centre is 0 m because the grid is one unit: the summary
    names that instead of a walk."""
    from gis_planner.grids.tables import reason_text, single_unit_walks

    com, homes, _b = town()
    r = partition_grids(com, homes, micro=False)
    big = r.grids[r.grids["community_code"] == "K2"].iloc[0]
    assert big["band_reason"] == "compound_over_max" and big["max_walk_m"] == 0.0
    assert reason_text(big["band_reason"], level="grid", band_min=300, band_max=500, lang="zh") == \
        "单个小区户数已超过 500 户，且没有可供拆分的楼栋数据"
    assert single_unit_walks(r, "zh").to_dict() == {"K2": "各网格均为单一小区"}  # K1: grids of two compounds
    assert single_unit_walks(r, "en").to_dict() == {"K2": "each grid a single compound"}
    com, homes, buildings = town()
    assert single_unit_walks(partition_grids(com, homes, buildings, micro=False)).empty  # split by buildings


def test_english_settings_name_no_chinese_levels():
    rows = {r["setting"]: r["value"] for r in load_grid_defaults().table("en")}
    assert rows["workers"] == "1 full-time per grid, 1 part-time per micro-grid"
    assert not any("\u4e00" <= ch <= "\u9fff" for v in rows.values() for ch in v)


def test_persons_per_household_is_one_figure_with_one_status():
    """The grids and the elderly-care standard use the same 2.62 persons per household (第七次
    全国人口普查): the same value, source document and verification status in both tables."""
    from gis_planner.grids import load_grid_defaults
    from gis_planner.policy.elderly import load_elderly_standard

    grids, elderly = load_grid_defaults(), load_elderly_standard().persons_per_household
    assert grids.persons_per_household == elderly.value
    assert grids.status["persons_per_household"] == elderly.status
    assert "第七次全国人口普查公报（第二号）" in grids.sources["persons_per_household"]
