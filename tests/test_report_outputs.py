"""The report: key numbers, six output files in zh and en, one sheet per table, atomicity."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from docx import Document

from gis_planner._errors import InputDataError
from gis_planner.pipeline import load_plan_inputs, read_plan_config, run_plan
from gis_planner.report import (
    OUTPUT_FILES,
    build_report,
    render_html,
    render_markdown,
    write_plan_outputs,
)


@pytest.fixture(scope="module")
def results(demo_dir):
    cfg = read_plan_config(demo_dir / "plan.toml")
    return run_plan(cfg, load_plan_inputs(cfg))


def test_key_numbers_come_first_and_match_results(results):
    rep = build_report(results, lang="zh")
    kn = dict(rep.key_numbers)
    hh = results.reach.households
    assert kn["住户（户）"] == f"{int(hh['households'].sum()):,}"
    assert kn["小区（个）"] == str(len(hh))
    new = sum(int((~r.chosen["existing"]).sum()) for r in (results.siting_mclp,
                                                           results.siting_elderly) if r)
    new += len(results.elderly.sites)  # the elderly-care network's sized places count too
    assert kn["建议新增设施点（个）"] == str(new) and len(results.elderly.sites) >= 1
    # the headline counts plan indicators only (tier "plan"), failing in some unit or city-wide
    from gis_planner.policy.compliance import headline_table

    head = headline_table(results.compliance)
    # a city-wide target (a share of communities) is judged by the city's verdict: 全科服务 at
    # 95 % against >= 90 % passes although one community lacks it
    general = head[head["indicator_id"] == "general_service_model_coverage"].iloc[0]
    assert general["city_status"] == "pass" and general["units_passing"] < general["units_assessed"]
    by_city = (head["scope"] == "city") & (head["city_status"] != "")
    failing = int(((head["city_status"] == "fail")
                   | (~by_city & (head["units_passing"] < head["units_assessed"]))).sum())
    assert 0 < failing < len(head)
    assert kn["未达标规划指标（条，仅规划文件所定指标）"] == f"{failing} 条（共 {len(head)} 条规划指标）"
    assert [s.key for s in rep.sections][:3] == ["headline", "coverage", "worst"]
    assert rep.sections[-1].key == "method"


def test_coverage_table_is_sorted_and_has_a_chart(results):
    rep = build_report(results, lang="en")
    cov = next(s for s in rep.sections if s.key == "coverage")
    column = list(cov.tables[0].frame["Share covered"])
    shares = [float(v.rstrip("%")) for v in column if v != "no data"]
    assert shares == sorted(shares, reverse=True)
    assert column[len(shares):] == ["no data"] * (len(column) - len(shares))  # never 0 %
    assert len(column) >= len(results.reach.categories)  # + profile categories with no input
    assert cov.charts[0].png[:8] == b"\x89PNG\r\n\x1a\n"


def test_siting_section_gives_a_reason_per_site(results):
    rep = build_report(results, lang="zh")
    siting = next(s for s in rep.sections if s.key == "siting")
    mclp = next(tb.frame for tb in siting.tables if tb.key == "siting_mclp")
    assert list(mclp["地块"]) == list(results.siting_mclp.chosen.index[
        ~results.siting_mclp.chosen["existing"]])
    assert all(len(r) > 10 for r in mclp["理由"])


def test_method_states_synthetic_profile_speed_and_versions(results):
    for lang, words in (("zh", ("虚构", "4 千米/小时", "taizhou-2023", "gis_planner 0.1.0")),
                        ("en", ("synthetic", "4 km/h", "taizhou-2023", "gis_planner 0.1.0"))):
        text = render_markdown(build_report(results, lang=lang))
        for w in words:
            assert w in text, (lang, w)


def test_html_is_self_contained_and_escaped(results):
    page = render_html(build_report(results, lang="zh"))
    assert "<script" not in page and "http" not in page.replace("http-equiv", "")
    assert 'src="data:image/png;base64,' in page


def test_unknown_language_is_refused(results):
    with pytest.raises(ValueError, match="lang"):
        build_report(results, lang="fr")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_six_files_written(results, tmp_path, lang):
    out = tmp_path / lang
    written = write_plan_outputs(results, out, lang=lang)
    assert [p.name for p in written] == list(OUTPUT_FILES)
    assert all(p.stat().st_size > 1000 for p in written)
    md = (out / "report.md").read_text(encoding="utf-8")
    assert ("关键数据" in md) == (lang == "zh") and ("Key numbers" in md) == (lang == "en")
    rep = build_report(results, lang=lang)
    wb = openpyxl.load_workbook(out / "report.xlsx", read_only=True)
    split = [tb for tb in rep.tables() if tb.split_by]
    per_unit = sum(tb.frame[tb.split_by].nunique(dropna=False) for tb in split)
    assert len(wb.sheetnames) == 2 + len(rep.tables()) - len(split) + per_unit  # + 说明
    doc = Document(str(out / "report.docx"))
    assert len(doc.tables) == len(rep.tables())
    import pyogrio

    layers = {name for name, _ in pyogrio.list_layers(out / "results.gpkg")}
    assert {"households", "facilities", "roads", "service_areas", "sites_mclp"} <= layers
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp dir left


def test_failure_mid_run_leaves_no_new_file(results, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep", encoding="utf-8")

    def boom(*_a, **_k):
        raise RuntimeError("injected failure while writing the Word file")

    monkeypatch.setattr("gis_planner.report.render.write_docx", boom)
    with pytest.raises(RuntimeError, match="injected"):
        write_plan_outputs(results, out, lang="zh")
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_refuses_to_overwrite_without_flag(results, tmp_path):
    out = tmp_path / "o"
    write_plan_outputs(results, out, lang="en")
    with pytest.raises(InputDataError, match=r"report\.html.*--overwrite"):
        write_plan_outputs(results, out, lang="en")
    before = (out / "report.md").read_text(encoding="utf-8")
    write_plan_outputs(results, out, lang="zh", overwrite=True)
    assert (out / "report.md").read_text(encoding="utf-8") != before


def test_reach_table_of_the_plan_overrides_the_profile(demo_dir, tmp_path):
    """[reach] sets speed, thresholds, snap tolerance and cap; a facility radius (GB 50180:
    kindergarten 300 m) stays 300 m at another speed, only its minutes change."""
    import shutil

    from gis_planner.pipeline import plan_reach_parameters, read_plan_config
    from gis_planner.policy import load_profile

    profile = load_profile("taizhou-2023")
    base = plan_reach_parameters(read_plan_config(demo_dir / "plan.toml"), profile).reach_kwargs()
    expected = profile.reach_parameters()
    assert {k: base[k] for k in expected} == expected

    shutil.copytree(demo_dir, tmp_path / "plan")
    plan = tmp_path / "plan" / "plan.toml"
    with plan.open("a", encoding="utf-8") as f:
        f.write("\n[reach]\nspeed_kmh = 3.0\nwalk_minutes = [15, 5]\nsnap_tolerance_m = 120\nsearch_cap_m = 1200\n")
    resolved = plan_reach_parameters(read_plan_config(plan), profile)
    assert resolved.sources["speed_kmh"] == "plan config [reach]"
    params = resolved.reach_kwargs()
    assert params["speed_kmh"] == 3.0 and params["walk_minutes"] == (5.0, 15.0)
    assert params["headline_minutes"] == 15.0
    assert params["snap_tolerance_m"] == 120.0 and params["search_cap_m"] == 1200.0
    k_base, k_new = base["category_minutes"]["kindergarten"], params["category_minutes"]["kindergarten"]
    assert k_base * 4.0 == pytest.approx(k_new * 3.0)  # the same 300 m at both speeds
    assert k_new * 3.0 / 60 * 1000 == pytest.approx(300.0)


def test_section_tables_are_written_as_numbers_with_their_sources(results):
    """The elderly-care and centres tables: counts with thousands separators, shares as
    percentages, small figures with their digits, and the standard's numbers with their
    sources at the end of each section; the workbook reads them back as numbers."""
    from gis_planner.report.model import _display
    from gis_planner.report.render import parse_display_number

    frame = _display(pd.DataFrame({"服务对象人数(人)": [25378.0, 3386.0], "可达比例": [0.303, 0.154],
                                   "数值": [2.62, 0.0254], "community_code": ["321202001001", "x"]}))
    assert frame["服务对象人数(人)"].tolist() == ["25,378", "3,386"]
    assert frame["可达比例"].tolist() == ["30.3%", "15.4%"]
    assert frame["数值"].tolist() == ["2.62", "0.0254"]
    assert frame["community_code"].tolist() == ["321202001001", "x"]
    assert parse_display_number("25,378").value == 25378
    rep = build_report(results, lang="zh")
    for key in ("elderly", "centres"):
        section = next(s for s in rep.sections if s.key == key)
        assert section.tables[-1].key == f"{key}_standard"
        assert {"依据", "核实状态"} <= set(section.tables[-1].frame.columns)


def test_worst_served_compounds_off_the_network_say_so(results):
    """A compound beyond the snapping distance reaches nothing (completeness 0): its row says
    why, so a planner does not read it as a compound with no service nearby."""
    hh = results.reach.households
    off = set(hh.index[~hh["snapped"].astype(bool)].astype(str))
    assert off
    for lang, mark in (("zh", "不在路网上"), ("en", "not on the network")):
        frame = next(s for s in build_report(results, lang=lang).sections if s.key == "worst").tables[0].frame
        for i, name in zip(frame["id"], frame.iloc[:, 1], strict=True):
            assert (mark in name) == (i in off), (i, name)


def test_coverage_section_names_the_elderly_networks_own_limits(results):
    """The coverage table's meal-point column is the 15-minute circle; the elderly-care section
    uses 500 m: the coverage section says so, with each level's limit."""
    sec = next(s for s in build_report(results, lang="zh").sections if s.key == "coverage")
    text = " ".join(sec.paragraphs)
    for lv in results.elderly.standard.levels:
        assert f"{lv.name('zh')} {lv.walk_limit_m.value:,.0f} 米" in text
