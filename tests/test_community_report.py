"""The report's community sections on the demo town: action labels with the community's unit
word and direction, names in the reasons, the radius rule stated, and the circle each action
row applies."""

from __future__ import annotations

import pytest

from gis_planner.categories import label
from gis_planner.pipeline import load_plan_inputs, read_plan_config, run_plan
from gis_planner.report import build_report


@pytest.fixture(scope="module")
def results(demo_dir):
    cfg = read_plan_config(demo_dir / "plan.toml")
    return run_plan(cfg, load_plan_inputs(cfg))


def _proposals(rep):
    sec = next(s for s in rep.sections if s.key == "communities")
    return sec, next(tb for tb in sec.tables if tb.key == "proposals").frame


def _actions(rep, sheet):
    sec = next(s for s in rep.sections if s.key == "actions")
    return next(tb for tb in sec.tables if tb.sheet == sheet).frame


@pytest.mark.parametrize(("lang", "want"), [
    ("zh", {"陈堡村": "划出村民小组给相邻村", "周庄村": "调整边界（划入相邻村的村民小组）",
            "迎春社区": "划出小区给相邻社区", "鼓楼社区": "调整边界（划入相邻社区的小区）",
            "阳光社区": "拆分", "梅园社区": "无可行调整"}),
    ("en", {"陈堡村": "gives villagers' groups to a neighbouring village",
            "周庄村": "boundary change (takes villagers' groups from a neighbouring village)",
            "迎春社区": "gives compounds to a neighbouring community",
            "鼓楼社区": "boundary change (takes compounds from a neighbouring community)",
            "阳光社区": "split", "梅园社区": "no feasible change"}),
])
def test_action_labels_name_the_unit_and_the_giving_side(results, lang, want):
    rep = build_report(results, lang=lang)
    _sec, f = _proposals(rep)
    name, act = ("名称", "建议") if lang == "zh" else ("Name", "Action")
    assert f.set_index(name)[act].loc[list(want)].to_dict() == want
    rows = [(_actions(rep, s), s) for s in ("李庄镇（虚构）", "凤凰街道（虚构）")]
    items = {v for f2, _s in rows for v in f2.iloc[:, 1]}
    sep = "：" if lang == "zh" else ": "
    for n in ("陈堡村", "周庄村", "迎春社区", "鼓楼社区"):
        assert f"{n}{sep}{want[n]}" in items


def test_reasons_name_communities_and_the_radius_rule_is_stated(results):
    rep = build_report(results, lang="zh")
    sec, f = _proposals(rep)
    codes = set(results.community_check.table["community_code"].astype(str))
    for text in f["理由"]:
        assert not any(c in text.replace(f"{c}-N", "") for c in codes), text
    assert "服务半径只用于城市社区" in sec.paragraphs[0] and "村的调整不按此核查" in sec.paragraphs[0]
    en, _f = _proposals(build_report(results, lang="en"))
    assert "applied to urban communities only" in en.paragraphs[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_households_outside_name_the_circle_they_are_judged_by(results, lang):
    """李庄镇: the villages' households are judged by the rural profile's budgets (TD/T 1062-2021
    村/组 15 min = 1,000 m; 乡集镇 3,750 m lies beyond the 1,500 m search and is not judged), and
    not by an urban radius for a category the rural circles do not list; each row names the
    circles it applies, and the counts
    agree with the distances of the reach result."""
    from gis_planner.coverage.columns import dist_col

    rep = build_report(results, lang=lang)
    f = _actions(rep, "李庄镇（虚构）")
    outside = f[f.iloc[:, 0].isin(["覆盖最差的服务", "步行圈外住户", "worst-covered service",
                                   "households outside the circle"])]
    # the rural circles list four of the categories; the others (day care: GB 50180's urban 300 m)
    # are not judged for villages, and every household of 李庄镇 lies in one
    assert len(outside) == 4
    hh = results.reach.households
    mine = hh[hh["subdistrict_code"].astype(str) == "321202101"]
    com = results.inputs.communities
    rural = mine["community_code"].astype(str).map(com["urban_rural"].astype(str)).eq("rural").to_numpy()
    limits = {label(c, lang): (c, m) for c, m in results.reach.category_limits_m.items()}
    village = {"community_service_centre", "health_station", "convenience_store", "parcel_point"}
    for what, gap in zip(outside.iloc[:, 1], outside.iloc[:, 2], strict=True):
        c, urban_m = limits[what]
        n = int(gap.split(" ")[0].replace(",", ""))
        d = mine[dist_col(c)].fillna(float("inf")).to_numpy(float)
        h = mine["households"].to_numpy(float)
        far = d > urban_m + 1e-6
        if c in village:  # rural households at the village level's 1,000 m
            far = ((~rural) & far) | (rural & (d > 1000 + 1e-6))
            assert ("1,000 米（村/组层级）" if lang == "zh" else "1,000 m (Village") in gap
        elif c in {"kindergarten", "primary_school", "middle_school"}:  # the township level: not judged
            far &= ~rural
            assert ("未判定" if lang == "zh" else "not judged") in gap
        else:  # not listed by the rural circles: not judged for villages
            far &= ~rural
        assert n == int(h[far].sum()), gap
        circles = (gap.split(" 户在 ")[1].split(" 步行圈外")[0].split("、") if lang == "zh" else
                   gap.split("outside the ")[1].split(" circle")[0].split(", "))
        urban = f"{urban_m:,.0f} 米" if lang == "zh" else f"{urban_m:,.0f} m"
        assert (urban in circles) == bool((~rural).any()), gap  # the urban limit where urban households are


@pytest.mark.parametrize(("lang", "split"), [("zh", "阳光社区、阳光社区（拆分1）"),
                                             ("en", "阳光社区, 阳光社区 (split 1)")])
def test_result_communities_are_named_as_the_proposed_layer_names_them(results, lang, split):
    _sec, f = _proposals(build_report(results, lang=lang))
    result = f.iloc[:, 4]
    assert result.iloc[0] == split and "321202001001-N1" not in " ".join(result)


@pytest.mark.parametrize(("lang", "words"), [
    ("zh", ("户数区间依据：《泰州市", "二(二)6", "已核实", "服务半径 1,000 米：本工具推导")),
    ("en", ("The bands come from Taizhou", "二(二)6", "(verified)", "The service radius of 1,000 m: derived"))])
def test_the_bands_and_the_radius_say_where_they_come_from(results, lang, words):
    sec, _f = _proposals(build_report(results, lang=lang))
    from gis_planner.plan.i18n import localize

    text = " ".join(localize(p, lang) for p in sec.paragraphs)
    assert all(w in text for w in words), text
    if lang == "zh":
        assert "we read it" not in text
