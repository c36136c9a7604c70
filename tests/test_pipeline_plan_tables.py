"""The plan config's [elderly], [centres] and [grids] tables, and the plan run on the demo town
with all three: results, report sections (zh and en), the planner answers and the map layers."""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest

from gis_planner._errors import InputDataError
from gis_planner.pipeline import load_plan_inputs, read_plan_config, run_plan
from gis_planner.report import build_report

BASE = """title = "t"
[inputs]
network = "roads.geojson"
compounds = "compounds.geojson"
facilities = "facilities.csv"
facilities_coords = "gcj02"
communities = "communities.geojson"
"""


@pytest.fixture()
def folder(tmp_path, demo_dir):
    for name in ("roads.geojson", "compounds.geojson", "facilities.csv", "communities.geojson", "spaces.csv",
                 "buildings.geojson"):
        shutil.copy(demo_dir / name, tmp_path / name)
    return tmp_path


def _config(folder, extra):
    p = folder / "plan.toml"
    p.write_text(BASE + extra, encoding="utf-8")
    return p


def test_tables_absent_or_disabled_run_nothing(folder):
    cfg = read_plan_config(_config(folder, ""))
    assert (cfg.elderly, cfg.centres, cfg.grids) == ({}, {}, {})
    cfg = read_plan_config(_config(folder, "[elderly]\nenabled = false\nsites = 2\n[grids]\nenabled = false\n"))
    assert (cfg.elderly, cfg.grids) == ({}, {})


def test_tables_are_read_with_files_resolved(folder):
    cfg = read_plan_config(_config(folder, (
        '[elderly]\nobjective = "max_cover"\nsites = 3\ndecay = "gaussian"\n'
        '[centres]\nspaces = "spaces.csv"\nspaces_coords = "wgs84"\nbudget = 50\n'
        '[grids]\nbuildings = "buildings.geojson"\ngrid_min = 250\ngrid_max = 450\nmicro = false\n')))
    assert cfg.elderly == {"objective": "max_cover", "sites": 3, "decay": "gaussian", "enabled": True}
    assert cfg.centres["spaces"] == (folder / "spaces.csv").resolve() and cfg.centres["budget"] == 50.0
    assert cfg.grids["buildings"].name == "buildings.geojson" and cfg.grids["micro"] is False
    assert read_plan_config(_config(folder, "[grids]\n")).grids == {}  # an empty table is off
    assert read_plan_config(_config(folder, "[grids]\nenabled = true\n")).grids == {"enabled": True}


@pytest.mark.parametrize(("extra", "message"), [
    ("[elderly]\nsitez = 3\n", r"unknown key\(s\) elderly\.sitez; expected budget"),
    ('[elderly]\nobjective = "cheapest"\n', r"elderly\.objective = 'cheapest'; expected one of min_cost, max_cover"),
    ('[elderly]\nobjective = "max_cover"\n', r"max_cover\" needs budget or sites"),
    ("[elderly]\nsites = 0\n", r"elderly\.sites = 0; expected a whole number >= 1"),
    ("[elderly]\nbudget = nan\n", r"elderly\.budget = nan; expected a number > 0"),
    ('[elderly]\nstandard = "mine.toml"\n', r"elderly\.standard = 'mine\.toml': file not found"),
    ("[centres]\nsites = 3\n", r"\[centres\] needs spaces"),
    ('[centres]\nspaces = "spaces.csv"\n', r"\[centres\] needs sites or budget"),
    ('[centres]\nspaces = "spaces.csv"\nsites = true\n', r"centres\.sites = True; expected a whole number"),
    ("[grids]\ngrid_min = 600\ngrid_max = 500\n", r"grids\.grid_min = 600 is above grids\.grid_max = 500"),
    ('[grids]\nbuildings_coords = "wgs84"\n', r"grids\.buildings_coords is given without grids\.buildings"),
])
def test_bad_tables_name_the_file_and_key(folder, extra, message):
    p = _config(folder, extra)
    with pytest.raises(InputDataError, match=r"plan\.toml.*" + message):
        read_plan_config(p)


def test_a_table_that_is_not_a_table(folder):
    p = folder / "plan.toml"
    p.write_text("grids = 3\n" + BASE, encoding="utf-8")
    with pytest.raises(InputDataError, match=r"plan\.toml: \[grids\] must be a table; got 3"):
        read_plan_config(p)


def test_grids_need_communities(folder):
    p = folder / "plan.toml"
    p.write_text(BASE.replace('communities = "communities.geojson"\n', "") + "[grids]\nmicro = false\n",
                 encoding="utf-8")
    with pytest.raises(InputDataError, match=r"\[grids\] needs inputs\.communities"):
        read_plan_config(p)


def test_coverage_at_budgets_is_distance_within_budget():
    from types import SimpleNamespace

    import geopandas as gpd

    from gis_planner.report.model import coverage_at_budgets

    hh = gpd.GeoDataFrame({"households": [10, 30, 60], "a_dist_m": [700.0, 900.0, float("inf")],
                           "b_dist_m": [float("inf")] * 3}, geometry=gpd.points_from_xy([0, 1, 2], [0, 0, 0]))
    fac = pd.DataFrame({"category": ["a"]})
    reach = SimpleNamespace(households=hh, households_col="households", facilities=fac)
    got = coverage_at_budgets(reach, pd.Series({"a": 800.0, "b": 800.0, "c": 800.0}))
    assert got["a"] == pytest.approx(0.1)  # 700 m <= 800 m; 900 m is beyond
    assert coverage_at_budgets(reach, pd.Series({"a": 900.0}))["a"] == pytest.approx(0.4)  # inclusive
    assert pd.isna(got["b"])  # no facility of b: no data, never 0 %
    assert "c" not in got.index  # not computed at all


# ------------------------------------------------------------------ the demo plan, end to end

@pytest.fixture(scope="module")
def demo_results(demo_dir):
    cfg = read_plan_config(demo_dir / "plan.toml")
    return run_plan(cfg, load_plan_inputs(cfg))


def test_demo_plan_runs_all_three(demo_results):
    r = demo_results
    assert r.config.elderly and r.config.centres and r.config.grids
    assert r.elderly is not None and r.elderly.sites is not None and len(r.elderly.sites) <= 3
    assert r.centres is not None and 0 < len(r.centres.chosen) <= 4
    s = r.centres.spaces
    assert "面积过小" in s.loc["SP01", "reason"] and not s.loc["SP01", "chosen"]
    assert "elderly_day_care" not in s.loc["SP02", "functions"]
    assert s.loc["SP03+SP04", "chosen"] and "elderly_day_care" in s.loc["SP03+SP04", "functions"]
    assert r.grids is not None and len(r.grids.grids) and len(r.grids.micro_grids)
    assert r.grid_audit is not None and set(r.grid_audit.summary["check"]) >= {"band", "gaps", "overlaps"}
    assert r.grid_crosswalk is not None and len(r.grid_crosswalk.departments)
    # the compounds' elderly columns are used, not estimated
    assert r.elderly.compounds["elderly_60"].sum() == r.inputs.compounds["elderly_60"].sum()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_sections_present(demo_results, lang):
    from gis_planner.report.model import build_report

    rep = build_report(demo_results, lang=lang)
    keys = [s.key for s in rep.sections]
    for key in ("headline", "coverage", "elderly", "centres", "grids", "actions", "data_problems"):
        assert key in keys, key
    assert keys.index("headline") < keys.index("coverage")
    tables = {tb.key for tb in rep.tables()}
    assert {"elderly_levels", "elderly_by_community", "elderly_structure", "elderly_floor_area",
            "elderly_sites", "centres_spaces", "centres_communities", "centres_coverage",
            "grids_settings", "grids_summary", "grids_out_of_band", "grids_audit", "grids_crossings",
            "grids_crosswalk", "data_problems"} <= tables


def test_headline_counts_plan_indicators_only(demo_results):
    from gis_planner.policy.compliance import headline_table
    from gis_planner.report.model import build_report

    head = headline_table(demo_results.compliance)
    assert set(head["tier"]) == {"plan"}
    rep = build_report(demo_results, lang="zh")
    kn = dict(rep.key_numbers)
    failed = kn["未达标规划指标（条，仅规划文件所定指标）"]
    assert failed.endswith(f"（共 {len(head)} 条规划指标）")
    city = demo_results.compliance.table
    assert len(head) < int((city["unit_type"] == "city").sum())  # standard checks and readings left out
    sec = next(s for s in rep.sections if s.key == "headline")
    assert any(re.search(r"\d+/\d+ 个社区达标", p) for p in sec.paragraphs)
    assert not any(re.fullmatch(r"\d+ / \d+", v) for k, v in rep.key_numbers if "指标" in k)
    # standard checks and readings are reported apart, labelled
    titles = {tb.key: tb for tb in sec.tables}
    assert set(titles) == {"tier_standard", "tier_reading"}
    assert set(titles["tier_reading"].frame["性质"]) == {"本工具的解读"}
    assert "verified" not in set(titles["tier_reading"].frame["核实状态"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_coverage_shows_both_walking_assumptions(demo_results, lang):
    from gis_planner.report.model import build_report

    rep = build_report(demo_results, lang=lang)
    sec = next(s for s in rep.sections if s.key == "coverage")
    cols = list(sec.tables[0].frame.columns)
    slow = [c for c in cols if "3.2 km/h" in c and "800 m" in c]
    fast = [c for c in cols if "4.0 km/h" in c and "1,000 m" in c]
    assert slow and fast
    frame = sec.tables[0].frame.set_index(cols[0])
    store = "便利店" if lang == "zh" else "Convenience store"
    pct = {c: float(frame.at[store, c].rstrip("%")) for c in (slow[0], fast[0])}
    assert pct[slow[0]] < pct[fast[0]]  # a 15-minute category reaches fewer at the slower speed
    text = " ".join(sec.paragraphs)
    assert "3.2" in text and "4.0" in text and "2.8" in text  # elderly facilities at the elderly speed
    no_data = "无数据" if lang == "zh" else "no data"
    culture = "文化活动站" if lang == "zh" else "Culture station"
    if culture in frame.index:  # no culture station in the demo: no data, never 0 %
        share = "覆盖率" if lang == "zh" else "Share covered"
        assert frame.at[culture, share] == no_data
        assert frame.at[culture, slow[0]] == frame.at[culture, fast[0]] == no_data
    assert lang == "en" or culture in frame.index
    elderly = next(s for s in rep.sections if s.key == "elderly")
    assert "2.8" in elderly.paragraphs[0]


def test_actions_per_subdistrict(demo_results):
    from gis_planner.report.model import build_report

    rep = build_report(demo_results, lang="zh")
    sec = next(s for s in rep.sections if s.key == "actions")
    subs = demo_results.inputs.subdistricts
    assert {tb.sheet for tb in sec.tables} == set(subs["name"])
    demo = next(tb for tb in sec.tables if tb.sheet == "示范街道（虚构）")
    f = demo.frame
    area = f[f["事项"] == "每百户居民拥有社区综合服务设施面积"]
    assert len(area) == 1 and re.fullmatch(r"缺 [\d,]+ m² 服务用房", area["缺口"].iloc[0])
    assert (f["类型"] == "覆盖最差的服务").sum() == 1
    assert f.loc[f["类型"] == "覆盖最差的服务", "缺口"].iloc[0].endswith("%)")
    assert (f["类型"] == "社区调整").any()
    fenghuang = next(tb for tb in sec.tables if tb.sheet == "凤凰街道（虚构）").frame
    sites = fenghuang[fenghuang["类型"] == "建议选址"]
    assert len(sites) and sites["涉及单位或选址"].str.contains(r"（(?:空地|闲置公房|社区用房|待更新厂房)）").all()


def test_data_problems_section(demo_results):
    from gis_planner.report.model import build_report

    for lang in ("zh", "en"):
        rep = build_report(demo_results, lang=lang)
        sec = next(s for s in rep.sections if s.key == "data_problems")
        f = sec.tables[0].frame
        assert len(f) >= 4
    f = next(s for s in build_report(demo_results, lang="zh").sections if s.key == "data_problems").tables[0].frame
    off = f[f["问题"].str.startswith("不在路网上的小区")]["数量"].iloc[0]
    n_off = int((~demo_results.reach.households["snapped"].astype(bool)).sum())
    assert off.startswith(f"{n_off} / ")
    nod = f[f["问题"].str.startswith("没有输入设施的类别")]["数量"].iloc[0]
    assert "文化活动站" in nod


def test_map_has_the_new_layers(demo_results, tmp_path):
    from gis_planner.maps.plan import plan_layers, plan_map, save_map

    for lang in ("zh", "en"):
        keys = [x["key"] for x in plan_layers(demo_results, lang=lang)]
        assert keys == ["elderly_scores", "elderly_shortfall", "elderly_sites", "centre_spaces", "grids",
                        "micro_grids", "audit"]
    out = save_map(plan_map(demo_results), tmp_path / "map.html")
    html = out.read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="gp-data">(.*?)</script>', html,
                                re.S).group(1))
    layers = {x["key"]: x for x in data["plan_layers"]}
    for x in layers.values():
        n = len(x["xy"]) // 2 if x["kind"] == "point" else len(x["geom"])
        assert len(x["colour"]) == len(x["popup"]) == n, x["key"]
    assert len(layers["grids"]["geom"]) == len(demo_results.grids.grids)
    assert len(layers["elderly_sites"]["popup"]) == len(demo_results.elderly.sites)
    spaces = layers["centre_spaces"]["popup"]
    merged = next(p for p in spaces if p[0][1] == "SP03+SP04")
    assert any("老年人日间照料" in v for _k, v in merged)
    statuses = {row[1] for p in layers["grids"]["popup"] for row in p if row[0] == "规模状态"}
    assert statuses <= {"户数在区间内", "户数低于区间", "户数高于区间"}


def test_hostile_names_in_the_new_layers_stay_data(demo_results, tmp_path):
    import dataclasses

    from gis_planner.maps.plan import plan_map, save_map

    evil = "{{ 6*7 }}</script><script>alert(1)</script>"
    plan = demo_results.centres
    spaces = plan.spaces.copy()
    spaces.loc[spaces["chosen"], "name"] = evil
    results = dataclasses.replace(demo_results, centres=dataclasses.replace(plan, spaces=spaces))
    html = save_map(plan_map(results), tmp_path / "map.html").read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="gp-data">(.*?)</script>', html, re.S)
    outside = html[:block.start()] + html[block.end():]
    assert "alert(1)" not in outside and ">42<" not in html
    data = json.loads(block.group(1))
    names = [row[1] for p in next(x for x in data["plan_layers"] if x["key"] == "centre_spaces")["popup"]
             for row in p if row[0] == "名称"]
    assert names and set(names) == {evil}


def test_one_proposed_centre_per_subdistrict(demo_results):
    """The elderly-care network sizes the 街道 centres; the per-sub-district siting job of the
    same rule counts them as built, so that no 街道 gets a second proposal from it."""
    r = demo_results
    sited = r.elderly.sites
    job = next(o for o in r.siting if o.job.model == "per-subdistrict")
    assert len(sited) and job.planned == tuple(map(str, sited.index))
    new = job.result.chosen.loc[~job.result.chosen["existing"]] if job.result is not None else []
    assert len(new) == 0  # 凤凰街道's centre is the network's own proposal
    rep = build_report(r, lang="zh")
    kn = dict(rep.key_numbers)
    assert int(kn["建议新增设施点（个）"]) >= len(sited)
    siting = next(s for s in rep.sections if s.key == "siting")
    assert any(f"{sited.index[0]}" in p and "按已建计入" in p for p in siting.paragraphs)
    en = next(s for s in build_report(r, lang="en").sections if s.key == "siting")
    assert any("count as built" in p for p in en.paragraphs)


def test_one_urban_rural_reading_for_every_stage(demo_results):
    """学苑社区 and 周庄村 leave urban_rural blank: the size check reads them by their names
    (社区: urban, 村: rural), and compliance, elderly care and centres judge them the same way."""
    r = demo_results
    com = r.inputs.communities.set_index("name")
    assert com.loc["学苑社区", "urban_rural"] == "urban" and com.loc["周庄村", "urban_rural"] == "rural"
    assert com.loc["周庄村", "urban_rural_rule"] == "name_suffix"
    check = r.community_check.communities.set_index("name")
    assert (check.loc[["学苑社区", "周庄村"], "urban_rural"] == com.loc[["学苑社区", "周庄村"], "urban_rural"]).all()
    structure = r.elderly.structure.set_index("name")
    assert structure.loc["学苑社区", "met"] in (True, False)  # judged, as an urban community
    assert not any("城乡属性未填写" in n for n in r.centres.notes)


def test_a_share_over_100_percent_is_a_data_problem_not_a_pass(demo_results):
    """和平社区's attribute row gives 756 m² of activity area in a 450 m² service facility: the
    share (168 %) cannot be, so the indicator is not assessable there, saying which two values
    to check, in the report's language."""
    from gis_planner.plan.i18n import localize

    t = demo_results.compliance.table
    row = t[(t["indicator_id"] == "activity_area_share") & (t["unit_name"] == "和平社区")].iloc[0]
    assert row["status"] == "not assessable" and "exceeds `service_area_m2`" in row["needs"]
    assert "大于`service_area_m2`" in localize(row["needs"], "zh") and "占比超过 100%" in localize(row["needs"], "zh")
    assert not ((t["unit"] == "%") & (t["unit_type"] != "city") & (t["value"] > 100)).any()
    # the city row asks to check 和平社区's values, and to fill only what is missing elsewhere
    city = t[(t["indicator_id"] == "activity_area_share") & (t["unit_type"] == "city")].iloc[0]["needs"]
    fill, check = city.split("; check the values of community ")
    assert row["unit_id"] not in fill and check.startswith(row["unit_id"])


def test_rules_of_other_places_are_marked_for_the_plans_place(demo_results):
    """The demo's plan applies in 泰州: a rule of 衡阳 (day care in every urban community) or of
    广东/贵州 is said to be another place's, 泰州's own are not, and no table says the plan's
    place is unknown. Day care is counted among residents aged 80+ in both sections."""
    from gis_planner.report.model import build_report

    assert demo_results.profile.place == "jiangsu/taizhou"
    rep = build_report(demo_results, lang="zh")
    cells = [str(v) for tb in rep.tables() for v in tb.frame.to_numpy().ravel()]
    assert any("其他地区规定（衡阳）" in c for c in cells)
    assert any("其他地区规定（广东、贵州）" in c for c in cells)
    assert not any("规划地点未指定" in c for c in cells)
    assert not any("其他地区规定（泰州）" in c for c in cells)
    tables = {tb.key: tb.frame for tb in rep.tables()}
    levels = tables["elderly_levels"].set_index("层级")
    centres = tables["centres_coverage"].set_index("功能")
    station = levels.loc["社区养老服务站/日间照料中心"]
    day_care = centres.loc["老年人日间照料"]
    assert station["服务对象"] == "80岁及以上老人"
    assert str(day_care["服务对象"]).startswith("80岁及以上老人")
    assert station["服务对象人数(人)"] == day_care["服务对象总数"]  # one population in both sections
    assert station["仅本层级可达比例"] == day_care["现状可达比例"]  # and one share by day care itself


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_key_numbers_name_the_list_and_the_limits_they_count(demo_results, lang):
    """The completeness figures name the list they count (the profile's 12 basic formats, not
    the whole plan) and that each category counts within its own limit."""
    from gis_planner.report.model import build_report

    keys = [k for k, _v in build_report(demo_results, lang=lang).key_numbers]
    n = len(demo_results.reach.required_categories)
    if lang == "zh":
        assert f"平均配套完整度（{n} 类：基本保障类业态，各按其步行上限）" in keys
        assert f"必配设施全部可达的住户占比（{n} 类：基本保障类业态，各按其步行上限）" in keys
        assert "覆盖率最低的设施（住户，按该类步行上限）" in keys
    else:
        assert f"Mean completeness ({n} categories; each within its walking limit)" in keys
        assert all(k.isascii() for k in keys)


def test_the_coverage_table_gives_an_elderly_limits_status_as_the_standard_does(demo_results):
    """The 街道 centre's 700 m: the same status (derived; 贵州's rule) in the coverage table as in
    the elderly-care standard's own table."""
    from gis_planner.report.model import build_report

    rep = build_report(demo_results, lang="zh")
    cov = next(s for s in rep.sections if s.key == "coverage").tables[0].frame.set_index("设施类别")
    cell = cov.loc["综合性养老服务中心（街道级）"].iloc[-1]
    assert cell.endswith("（养老服务设施网络 700 m，本工具推导；其他地区规定（贵州））")


def test_action_rows_give_a_proposed_elderly_sites_capacity_in_its_unit(demo_results):
    """A proposed 街道 centre's capacity is in beds (床位), its level's unit, not a bare 位."""
    from gis_planner.report.model import build_report

    rep = build_report(demo_results, lang="zh")
    sec = next(s for s in rep.sections if s.key == "actions")
    rows = pd.concat([tb.frame for tb in sec.tables])
    sites = rows[rows["类型"] == "建议养老设施"]
    assert len(sites) == len(demo_results.elderly.sites) > 0
    assert sites["缺口"].str.fullmatch(r"[\d,]+ 床位，服务老人 [\d,]+").all()


def test_grid_section_speaks_of_a_target_band_and_formats_the_gap_area(demo_results):
    from gis_planner.report.model import build_report

    sec = next(s for s in build_report(demo_results, lang="zh").sections if s.key == "grids")
    assert "目标户数区间为 300–500 户" in sec.paragraphs[0]
    assert sec.paragraphs[-1] == "网格内的步行距离按道路网络计算。"
    audit = next(tb.frame for tb in sec.tables if tb.key == "grids_audit")
    gaps = " ".join(map(str, audit.to_numpy().ravel()))
    assert re.search(r"\b\d{1,3}(,\d{3})+ m2 in all", gaps)  # 4,820,001, not 4820001


def test_villages_are_not_judged_by_an_urban_radius_in_the_action_lists(demo_results):
    """李庄镇's villages: a category the rural circles do not list (day care, GB 50180's urban
    300 m) is not among the township's households outside a circle; those listed name the
    rural level they are judged by."""
    from gis_planner.report.model import build_report

    sec = next(s for s in build_report(demo_results, lang="zh").sections if s.key == "actions")
    town = next(tb.frame for tb in sec.tables if tb.sheet.startswith("李庄镇"))
    outside = town[town["类型"].isin(["覆盖最差的服务", "步行圈外住户"])]
    assert len(outside) and "社区养老服务站/老年人日间照料中心" not in set(outside["事项"])
    assert outside["缺口"].str.contains("（村/组层级）").all()


def test_the_compliance_table_says_what_kind_each_figure_is(demo_results):
    """A workbook filter on 未达标 can be narrowed to the plan's own indicators: each row says
    whether it is one (约束性 / 预期性), a national standard check or the project's reading."""
    from gis_planner.policy.compliance import headline_table
    from gis_planner.report.model import build_report

    sec = next(s for s in build_report(demo_results, lang="zh").sections if s.key == "compliance")
    frame = sec.tables[0].frame
    # a plan indicator whose document gives no 约束性/预期性 is a plan indicator alone
    assert set(frame["性质"]) == {"规划指标（约束性）", "规划指标（预期性）", "规划指标", "标准核查", "本工具的解读"}
    plan_rows = frame["性质"].str.startswith("规划指标").sum()
    assert plan_rows == len(headline_table(demo_results.compliance))


def test_the_centres_section_names_limits_that_differ_from_the_coverage_tables(demo_results):
    """社区卫生服务站 counts reach within 500 m as a centre function and within 1,000 m in the
    coverage table: the section says so; the elderly functions share their limits and are not
    named."""
    from gis_planner.report.model import build_report

    sec = next(s for s in build_report(demo_results, lang="zh").sections if s.key == "centres")
    said = [p for p in sec.paragraphs if "覆盖率表" in p]
    assert len(said) == 1 and "社区卫生服务站 500 m（覆盖率表 1,000 m）" in said[0]
    assert "日间照料" not in said[0] and "助餐" not in said[0]
