"""The report's community sections on the demo town: action labels with the community's unit
word and direction, names in the reasons, the radius rule stated, and the circle each action
row applies."""

from __future__ import annotations

import re

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
    rep = build_report(results, lang=lang)
    f = _actions(rep, "李庄镇（虚构）")
    outside = f[f.iloc[:, 0].isin(["覆盖最差的服务", "步行圈外住户", "worst-covered service",
                                   "households outside the circle"])]
    assert len(outside) == 5
    limits = {label(c, lang): m for c, m in results.reach.category_limits_m.items()}
    pattern = (r"[\d,]+ 户在 ([\d,]+) 米步行圈外 \(.*%\)" if lang == "zh"
               else r"[\d,]+ households outside the ([\d,]+) m circle \(.*%\)")
    for what, gap in zip(outside.iloc[:, 1], outside.iloc[:, 2], strict=True):
        m = re.fullmatch(pattern, gap)
        assert m and float(m.group(1).replace(",", "")) == limits[what], gap
