"""The demo town's planted buildings, special groups, existing grids and police grids, and
the grids drawn on it as the report's 网格化治理 section shows them."""

from __future__ import annotations

import re
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import pytest

from gis_planner import io
from gis_planner.demo import build_demo_town
from gis_planner.grids import SPECIAL_GROUPS, load_grid_defaults, partition_grids
from gis_planner.grids.inputs import read_buildings

PHOENIX, FUQIAN = "321202002001", "321202002005"  # 凤凰社区, 府前社区: high-rise buildings


def test_buildings_add_up_to_their_compounds(demo_dir):
    homes = gpd.read_file(demo_dir / "compounds.geojson").set_index("compound_id")
    b = gpd.read_file(demo_dir / "buildings.geojson")
    assert b["building_id"].is_unique
    per = b.groupby("compound_id")["households"].sum()
    pd.testing.assert_series_equal(per.sort_index(), homes["households"].sort_index(),
                                   check_names=False)
    assert set(SPECIAL_GROUPS.values()) <= set(b.columns)
    assert (b[list(SPECIAL_GROUPS.values())] >= 0).all().all()
    # the planted case: compounds above the grid ceiling, to be split by their buildings
    assert (homes["households"] > load_grid_defaults().grid_max).sum() >= 10


def test_existing_and_police_grids_are_planted(demo_dir):
    ex = gpd.read_file(demo_dir / "existing_grids.geojson")
    assert ex["grid_code"].is_unique and (ex["网格员"].fillna("") == "").sum() == 1
    police = gpd.read_file(demo_dir / "police_grids.geojson")
    assert police["police_grid"].is_unique and len(police) >= 10


def test_other_seeds_keep_the_old_layers_draws():
    """Buildings draw from their own stream: the compounds of a seed are the same with or
    without them (the layers written before buildings existed are unchanged)."""
    a, b = build_demo_town(seed=7), build_demo_town(seed=7)
    pd.testing.assert_frame_equal(a.buildings, b.buildings)
    assert int(a.buildings["households"].sum()) == int(a.compounds["households"].sum())


@pytest.fixture(scope="module")
def demo_grids(demo_dir):
    net = io.read_network(demo_dir / "roads.geojson")
    com = io.read_communities(demo_dir / "communities.geojson", metric_crs=net.crs)
    homes = io.read_compounds(demo_dir / "compounds.geojson", metric_crs=net.crs)
    bld = read_buildings(demo_dir / "buildings.geojson", metric_crs=net.crs)
    return partition_grids(com, homes, bld, network=net), bld


def _section(res, lang):
    """The report's grid tables by key, as the report shows them."""
    from gis_planner.policy import load_profile
    from gis_planner.report.model import _grids_section

    plan = SimpleNamespace(grids=res, grid_audit=None, grid_crosswalk=None, profile=load_profile("taizhou-2023"))
    sec = _grids_section(plan, lang)  # the demo's profile: a 泰州 plan
    return sec, {tb.key: tb.frame for tb in sec.tables}


def test_micro_grids_above_the_band_are_single_high_rise_buildings(demo_grids, demo_dir):
    """凤凰社区 and 府前社区 hold only buildings above the 50-household ceiling (88–157
    households): each 微网格 is one building, never split, and says so."""
    res, bld = demo_grids
    homes = gpd.read_file(demo_dir / "compounds.geojson").set_index("compound_id")
    per = bld["households"].groupby(bld["compound_id"].map(homes["community_code"]))
    m = res.micro_grids
    for code, n, most in ((PHOENIX, 42, 135), (FUQIAN, 81, 157)):
        assert per.min()[code] > res.settings.micro_max and per.max()[code] == most
        mine = m[m["community_code"] == code]
        assert len(mine) == n and (mine["band_reason"] == "building_over_max").all()
        assert (mine["units"] == 1).all() and int(mine["households"].max()) == most
    _sec, zh = _section(res, "zh")
    table = zh["grids_micro_out_of_band"].set_index("社区编码")
    assert table.loc[PHOENIX, "说明"] == "42 个微网格高于上限（最多 135 户）：单栋楼户数已超过 50 户，微网格不拆分楼栋"
    assert table.loc[FUQIAN, "说明"] == "81 个微网格高于上限（最多 157 户）：单栋楼户数已超过 50 户，微网格不拆分楼栋"
    assert (table.loc[PHOENIX, "微网格数"], table.loc[PHOENIX, "户数超出区间"]) == ("42", "42")
    _sec, en = _section(res, "en")
    assert en["grids_micro_out_of_band"].set_index("Community code").loc[FUQIAN, "Note"].startswith(
        "81 micro-grids above the ceiling (up to 157 households): a single building")


def test_no_grid_passes_the_ceiling_where_the_band_can_be_met(demo_grids):
    """府前社区 (77 units: more than the exact solve takes) is grouped by the heuristic, which
    left a grid of seven 75-household buildings, 525 households, and three buildings of 157
    alone below the floor. The repair solves such grids again with the grids around them: all
    15 grids hold 300–500 households, and no grid of the demo passes its ceiling."""
    res, _bld = demo_grids
    g = res.grids[res.grids["community_code"] == FUQIAN]
    solver = res.solver.set_index("community_code").loc[FUQIAN].query("level == 'grid'").iloc[0]
    assert (solver["method"], solver["status"], solver["stopped_by"]) == ("heuristic", "feasible", "")
    assert len(g) == 15 and (g["band_status"] == "in_band").all() and (g["band_reason"] == "").all()
    assert int(g["households"].sum()) == 6400 and int(g["households"].max()) <= 500
    assert not (res.grids["band_status"] == "over_band").any()


def test_the_reason_column_is_the_grids_own(demo_grids):
    """The grids outside the band are below the floor of communities whose solve relaxed it,
    each with that reason (the grid's own, not the community's solve status, which the table
    does not show)."""
    res, _bld = demo_grids
    sec, zh = _section(res, "zh")
    out = zh["grids_out_of_band"].set_index("网格编码")
    assert "求解状态" not in out.columns
    assert len(out) == 28 and (out["户数区间状态"] == "under_band").all()
    assert out["原因"].str.endswith("已放宽下限").all()
    assert FUQIAN not in set(out["社区编码"])
    assert "但 140 个网格中有 28 个、1,176 个微网格中有 123 个户数不在区间内，原因见下表。" in sec.paragraphs


def test_one_compound_grids_show_no_walk_rather_than_0_m(demo_grids):
    """A community whose every grid is one compound has no walk to a grid centre (each grid is
    measured from its own point): the summary says so instead of a bare 0 m."""
    res, _bld = demo_grids
    g = res.grids
    alone = g.groupby("community_code")["units"].max() == 1
    assert alone.sum() == 12
    assert (g.loc[g["community_code"].isin(alone.index[alone]), "max_walk_m"] == 0).all()
    for lang, mark in (("zh", "–（各网格均为单一小区）"), ("en", "– (each grid a single compound)")):
        summary = _section(res, lang)[1]["grids_summary"]
        walk = summary.set_index(summary.columns[0]).iloc[:, 8]  # 至网格中心最远步行 / max_walk_m
        assert (walk[alone[alone].index] == mark).all()
        assert not walk[alone[~alone].index].str.startswith("–").any()
        assert not walk.isin(["0", "0.00", "0.0"]).any()


def _cells(frame, lang, skip=()):
    """The cells as the renderers write them (Chinese reports translate known values)."""
    from gis_planner.report.i18n import localize

    return [localize(v, lang) for c in frame.columns if c not in skip for v in frame[c]]


def test_grid_tables_are_in_one_language(demo_grids):
    """Chinese tables: Chinese headers, no English words but codes and units; English tables:
    no Chinese of their own (the settings' sources quote Chinese documents)."""
    res, _bld = demo_grids
    _sec, zh = _section(res, "zh")
    word = re.compile(r"[A-Za-z]{2,}")
    for key, frame in zh.items():
        assert not [c for c in frame.columns if word.search(str(c))], key
        assert not [v for v in _cells(frame, "zh", skip=("依据",)) if word.search(v)], key
    cjk = re.compile(r"[\u4e00-\u9fff]")
    _sec, en = _section(res, "en")
    ident = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")  # a column id or status code, not English words
    for key, frame in en.items():
        assert not [c for c in frame.columns if cjk.search(str(c)) or ident.match(str(c))], key
        assert not [v for v in _cells(frame, "en", skip=("Source",)) if cjk.search(v)], key
        assert "Band status" not in frame or not frame["Band status"].str.contains("_").any(), key
        for col in ("Setting", "Check"):  # settings and audit checks in words, not ids
            assert col not in frame or not frame[col].astype(str).str.match(r"^[a-z_]+$").any(), key
