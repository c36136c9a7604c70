"""The Office and HTML documents a planning bureau shows: Excel with numbers as numbers, frozen
headers, filters and pass/fail colours; Word on A4 with a cover, contents, page numbers and the
map figure; long tables summarised; file metadata dated by the run (or a fixed setting)."""

from __future__ import annotations

import datetime
import re
import zipfile

import openpyxl
import pandas as pd
import pytest
from docx import Document

from gis_planner.outputs import prepare_report, write_plan_outputs
from gis_planner.report import Report, Section, Table, render_html, render_markdown
from gis_planner.report.i18n import t
from gis_planner.report.render import (
    LONG_TABLE_ROWS,
    SUMMARY_ROWS,
    parse_display_number,
    workbook_layout,
    write_docx,
    write_xlsx,
)
from gis_planner.settings import options

FIXED = datetime.datetime(2025, 3, 14, 9, 26, 53, tzinfo=datetime.UTC)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def results(demo_dir):
    from gis_planner.pipeline import load_plan_inputs, read_plan_config, run_plan

    cfg = read_plan_config(demo_dir / "plan.toml")
    return run_plan(cfg, load_plan_inputs(cfg))


@pytest.fixture(scope="module")
def out(results, tmp_path_factory):
    root = tmp_path_factory.mktemp("docs")
    before = options.report_date
    options.report_date = FIXED
    try:
        write_plan_outputs(results, root / "zh", lang="zh")
        write_plan_outputs(results, root / "zh_again", lang="zh")
    finally:
        options.report_date = before
    return root


# ------------------------------------------------------------------ Excel


def _sheet(wb, title: str):
    return next(ws for ws in wb.worksheets if ws.title.startswith(title[:28]))


def test_xlsx_numbers_are_numbers_with_formats(out, results):
    wb = openpyxl.load_workbook(out / "zh" / "report.xlsx")
    cov = _sheet(wb, t("coverage", "zh"))
    head = [c.value for c in cov[1]]
    hh = cov.cell(2, head.index(t("households", "zh")) + 1)
    assert hh.value == int(results.reach.households["households"].sum())
    assert hh.number_format == "#,##0"
    share = cov.cell(2, head.index(t("covered_share", "zh")) + 1)
    top = results.coverage["covered_share"].max()
    assert isinstance(share.value, float) and share.value == pytest.approx(top, abs=5e-4)
    assert share.number_format == "0.0%"
    kn = wb.worksheets[0]
    assert kn["B1"].value == int(results.reach.households["households"].sum())
    comm = _sheet(wb, t("communities", "zh"))
    codes = [r[0].value for r in comm.iter_rows(min_row=2) if r[0].value]
    assert codes and all(isinstance(c, str) and len(c) == 12 for c in codes)  # codes stay text


def test_xlsx_noted_figures_are_numbers_with_their_note_beside(out, results):
    """The coverage columns at both walking speeds carry notes ("32.9%（未核实）"): the
    workbook stores the figure as a number and the note in the column after it."""
    wb = openpyxl.load_workbook(out / "zh" / "report.xlsx")
    cov = _sheet(wb, t("coverage", "zh"))
    head = [c.value for c in cov[1]]
    speed = [h for h in head if "km/h" in str(h) and not str(h).endswith("（说明）")]
    assert len(speed) == 2
    for col in speed:
        j = head.index(col)
        assert head[j + 1] == f"{col}（说明）"
        rows = [(r[0].value, r[j].value, r[j + 1].value) for r in cov.iter_rows(min_row=2)]
        shares = [v for _c, v, _n in rows if v not in (None, "无数据")]
        assert shares and all(isinstance(v, float) and 0 <= v <= 1 for v in shares)
        notes = {c: n for c, v, n in rows}
        assert notes["初中"] == "未核实"
        assert notes["老年助餐点"] == "养老服务设施网络 500 m，本工具取值（无条文给出数值）"
        assert notes["便利店"] is None


@pytest.mark.parametrize(("cell", "number", "note"), [
    ("19.8%（养老服务设施网络 500 m，未核实）", "19.8%", "养老服务设施网络 500 m，未核实"),
    ("32.9% (unverified)", "32.9%", "unverified"),
    ("1,234", "1,234", ""),
    ("19.8%（未核实）（另注）", "19.8%", "（未核实）（另注）"),
    ("19.8%（网络 500 m，本工具取值（无条文给出数值））", "19.8%", "网络 500 m，本工具取值（无条文给出数值）"),
])
def test_noted_numbers_split(cell, number, note):
    from gis_planner.report.render import _split_note

    assert _split_note(cell) == (number, note)


def test_only_the_reports_noted_columns_are_split():
    """A column of data whose values look like noted figures (candidate names "17（地块）") is
    never split; a noted column the report built is, unless a cell of it is text."""
    from gis_planner.report.render import split_noted_numbers

    frame = pd.DataFrame({"名称": ["17（=HYPERLINK(\"http://e\")）", "2（地块）"],
                          "覆盖率": ["19.8%（未核实）", "5.0%"], "指标": ["5 条（共 17 条）", "3"]})
    out = split_noted_numbers(frame, "zh", ("覆盖率", "指标"))
    assert list(out.columns) == ["名称", "覆盖率", "覆盖率（说明）", "指标"]
    assert out["名称"].equals(frame["名称"]) and out["指标"].equals(frame["指标"])
    assert list(out["覆盖率"]) == ["19.8%", "5.0%"] and list(out["覆盖率（说明）"]) == ["未核实", ""]
    assert split_noted_numbers(frame, "zh", ()).equals(frame)


def test_xlsx_names_from_data_stay_text(tmp_path):
    frame = pd.DataFrame({"街道": ["东街道"], "事项": ["17（地块）"], "户数": ["1,200"]})
    wb = openpyxl.load_workbook(write_xlsx(_report(frame), tmp_path / "r.xlsx"))
    sheet = wb.worksheets[2]
    assert [c.value for c in sheet[1]] == ["街道", "事项", "户数"]
    assert sheet["B2"].value == "17（地块）" and sheet["C2"].value == 1200


def test_xlsx_every_table_has_frozen_header_filter_and_fitting_widths(out):
    wb = openpyxl.load_workbook(out / "zh" / "report.xlsx")
    for ws in wb.worksheets[2:]:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        for col in ws.iter_cols(min_row=1, max_row=1):
            text = str(col[0].value or "")
            wide = sum(2 if "\u4e00" <= ch <= "\u9fff" else 1 for ch in text)
            width = ws.column_dimensions[col[0].column_letter].width
            assert width >= min(wide, 60), (ws.title, text, width)
    for name in wb.sheetnames:
        assert len(name) <= 31 and not set(name) & set("[]:*?/\\")
    assert len({n.casefold() for n in wb.sheetnames}) == len(wb.sheetnames)


def test_xlsx_status_columns_are_coloured_by_rule(out):
    wb = openpyxl.load_workbook(out / "zh" / "report.xlsx")
    ws = _sheet(wb, t("compliance", "zh"))
    rules = {r.formula[0]: r.dxf.fill.bgColor.rgb for cf in ws.conditional_formatting
             for r in cf.rules}
    assert rules['"达标"'].endswith("D9F0D3") and rules['"未达标"'].endswith("F8D0CC")
    status_col = [c.value for c in ws[1]].index(t("status", "zh")) + 1
    letter = openpyxl.utils.get_column_letter(status_col)
    ranges = [str(cf.sqref) for cf in ws.conditional_formatting]
    assert any(r.startswith(f"{letter}2:{letter}") for r in ranges)


def test_xlsx_notes_sheet_defines_terms_and_lists_sheets(out):
    wb = openpyxl.load_workbook(out / "zh" / "report.xlsx")
    assert wb.sheetnames[1] == "说明"
    notes = wb["说明"]
    text = "\n".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    assert "覆盖率" in text and "含边界" in text and "步行速度" in text
    assert all(name in text for name in wb.sheetnames[2:])


def _report(frame: pd.DataFrame, *, split_by: str | None = None, lang: str = "zh") -> Report:
    table = Table("actions", "各街道行动清单", frame, split_by=split_by)
    return Report("标题", lang, (("住户（户）", "1,234"),), (Section("actions", "行动", (), (table,)),))


def test_a_per_unit_table_gets_one_sheet_per_unit(tmp_path):
    frame = pd.DataFrame({"街道": ["东/街道", "西:街道", "东/街道", "History"],
                          "事项": ["a", "b", "c", "d"], "户数": ["1,200", "300", "45", "7"]})
    rep = _report(frame, split_by="街道")
    path = write_xlsx(rep, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[2:] == ["东街道", "西街道", "History_"]
    assert [r[2].value for r in wb["东街道"].iter_rows(min_row=2)] == [1200, 45]
    assert _sheet_names_plan(rep) == [("东街道", 2), ("西街道", 1), ("History_", 1)]


def _sheet_names_plan(rep):
    return [(name, len(part)) for plan in workbook_layout(rep)[2] for name, part in plan.sheets]


def test_long_tables_are_summarised_in_the_report_and_whole_in_the_workbook(tmp_path):
    n = LONG_TABLE_ROWS + 25
    frame = pd.DataFrame({"社区": [f"3212{i:08d}" for i in range(n)],
                          "状态": ["达标" if i % 2 else "未达标" for i in range(n)]})
    rep = _report(frame)
    page = render_html(rep)
    assert page.count("<tr>") == 1 + SUMMARY_ROWS
    assert f"共 {n} 行" in page and "report.xlsx 的工作表“各街道行动清单”" in page
    assert "st-bad" in page and "st-ok" in page
    md = render_markdown(rep)
    assert md.count("| 3212") == SUMMARY_ROWS and "完整表格见 report.xlsx" in md
    wb = openpyxl.load_workbook(write_xlsx(rep, tmp_path / "r.xlsx"))
    assert wb["各街道行动清单"].max_row == n + 1
    doc = Document(str(write_docx(rep, tmp_path / "r.docx")))
    assert len(doc.tables[0].rows) == 1 + SUMMARY_ROWS
    split = render_html(_report(frame.assign(街道="东"), split_by="街道"))
    assert "完整表格按街道分列于 report.xlsx 的 1 个工作表" in split


@pytest.mark.parametrize(("text", "value", "fmt"), [
    ("51,070", 51070, "#,##0"), ("144", 144, "#,##0"), ("94.44", 94.44, "#,##0.00"),
    ("1,234.5", 1234.5, "#,##0.0"), ("45.3%", 0.453, "0.0%"), ("+53%", 0.53, "+0%;-0%;0%"),
    ("-30%", -0.30, "0%"),
])
def test_display_numbers_parse(text, value, fmt):
    num = parse_display_number(text)
    assert num is not None and num.value == pytest.approx(value) and num.fmt == fmt


@pytest.mark.parametrize("text", ["321202001001", "007", "C134", ">= 100", "6 / 20", "–",
                                  "=1+2", "+1+2", "1:n", "2,000–3,000"])
def test_codes_and_text_are_not_numbers(text):
    assert parse_display_number(text) is None


# ------------------------------------------------------------------ Word


def test_docx_is_a4_with_cover_contents_page_numbers_and_figures(out, results):
    path = out / "zh" / "report.docx"
    doc = Document(str(path))
    sec = doc.sections[0]
    assert (sec.page_width.twips, sec.page_height.twips) == (11906, 16838)  # A4
    body = doc.element.body.xml
    assert re.search(r"<w:instrText[^>]*> TOC \\o", body)
    with zipfile.ZipFile(path) as z:
        assert b'<w:updateFields w:val="true"/>' in z.read("word/settings.xml")
    footer = sec.footer.paragraphs[0]._p.xml
    assert " PAGE " in footer and " NUMPAGES " in footer
    first = [p.text for p in doc.paragraphs[:14] if p.text]
    assert first[0] == results.config.title
    assert "日期：2025年3月14日" in first
    assert any(x.startswith("研究范围：") and "3 个街道" in x for x in first)
    assert any(x.startswith("政策依据：") and "taizhou-2023" in x for x in first)
    heads = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert len(heads) == len(set(heads))  # each section heading once
    rep = prepare_report(results, lang="zh", date=FIXED)
    charts = [c for s in rep.sections for c in s.charts]
    assert any(c.key.startswith("map_") for c in charts)
    assert len(doc.inline_shapes) == len(charts)
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert any("菜市场：步行 7.5 分钟（500 m）覆盖与建议新增点" in c for c in captions)


def test_docx_status_cells_are_shaded_and_wide_enough(out):
    doc = Document(str(out / "zh" / "report.docx"))
    shaded = 0
    for table in doc.tables:
        head = [c.text for c in table.rows[0].cells]
        if "状态" not in head:
            continue
        j = head.index("状态")
        assert table.rows[0].cells[j].width.cm >= 1.85
        for row in table.rows[1:]:
            cell = row.cells[j]
            shd = cell._tc.find(f"{W}tcPr/{W}shd")
            if cell.text in ("达标", "未达标"):
                assert shd is not None and shd.get(f"{W}fill") in ("D9F0D3", "F8D0CC")
                shaded += 1
    assert shaded > 10


# ------------------------------------------------------------------ HTML


def test_html_has_the_map_figure_coloured_status_and_no_repeated_heading(out):
    page = (out / "zh" / "report.html").read_text(encoding="utf-8")
    assert re.search(r'<img alt="图：菜市场：步行 7\.5 分钟[^"]*" src="data:image/png;base64,', page)
    assert 'class="st st-bad"' in page and 'class="st st-ok"' in page
    for sec in re.findall(r"<section.*?</section>", page, flags=re.S):
        h2 = re.search(r"<h2>(.*?)</h2>", sec)[1]
        assert f"<h3>{h2}</h3>" not in sec


# ------------------------------------------------------------------ reproducible files


def test_office_files_carry_the_fixed_date_and_are_byte_identical(out):
    for name in ("report.xlsx", "report.docx"):
        a, b = out / "zh" / name, out / "zh_again" / name
        assert a.read_bytes() == b.read_bytes(), name
        with zipfile.ZipFile(a) as z:
            assert {i.date_time for i in z.infolist()} == {(2025, 3, 14, 9, 26, 52)}
            core = z.read("docProps/core.xml").decode()
        for tag in ("created", "modified"):
            assert re.search(rf"<dcterms:{tag}\b[^>]*>2025-03-14T09:26:53Z<", core), (name, tag)
    assert Document(str(out / "zh" / "report.docx")).core_properties.created.replace(
        tzinfo=None) == FIXED.replace(tzinfo=None)
    assert openpyxl.load_workbook(out / "zh" / "report.xlsx").properties.created == \
        FIXED.replace(tzinfo=None)


def test_without_the_setting_the_files_carry_the_run_date(tmp_path, monkeypatch):
    monkeypatch.setattr(options, "report_date", None)  # also when SOURCE_DATE_EPOCH is set
    frame = pd.DataFrame({"a": ["1"]})
    before = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
    doc = Document(str(write_docx(_report(frame), tmp_path / "r.docx")))
    wb = openpyxl.load_workbook(write_xlsx(_report(frame), tmp_path / "r.xlsx"))
    after = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    for created in (doc.core_properties.created, doc.core_properties.modified,
                    wb.properties.created, wb.properties.modified):
        assert before <= created.replace(tzinfo=None) <= after  # not the template's 2013


def test_the_setting_rejects_a_plain_string():
    with pytest.raises(ValueError, match="report_date"):
        options.report_date = "2025-01-01"


def test_tables_of_a_group_are_named_by_the_group(tmp_path):
    frame = pd.DataFrame({"事项": ["a"], "缺口": ["383 m²"]})
    tables = tuple(Table(f"actions_{i}", f"各街道行动清单 – {name}", frame, sheet=name)
                   for i, name in enumerate(["示范街道（虚构）", "凤凰街道（虚构）", "凤凰街道（虚构）"]))
    rep = Report("标题", "zh", (), (Section("actions", "各街道行动清单", (), tables),))
    wb = openpyxl.load_workbook(write_xlsx(rep, tmp_path / "r.xlsx"))
    assert wb.sheetnames[2:] == ["示范街道（虚构）", "凤凰街道（虚构）", "凤凰街道（虚构）_2"]
    assert all(ws.auto_filter.ref == "A1:B2" for ws in wb.worksheets[2:])


def test_sheet_names_from_hostile_text_are_valid(tmp_path):
    names = ["a[b]:c*d?e/f\\g", "'quoted'", "x" * 40, "X" * 40, "", "history"]
    tables = tuple(Table(f"t{i}", n, pd.DataFrame({"a": ["1"]})) for i, n in enumerate(names))
    rep = Report("标题", "zh", (), (Section("s", "s", (), tables),))
    wb = openpyxl.load_workbook(write_xlsx(rep, tmp_path / "r.xlsx"))
    got = wb.sheetnames[2:]
    assert got[:2] == ["abcdefg", "quoted"] and got[2] == "x" * 30 + "…"
    assert got[3] == "X" * 29 + "_2" and got[4] == "t4" and got[5] == "history_"


def test_docx_table_cells_hold_their_text_as_python_docx_writes_it():
    """Data rows are copies of one template row with the texts put in: each cell's run is the
    run python-docx writes for the same text (tabs, line breaks, outer spaces, empty text),
    and status cells are shaded."""
    from docx.shared import Pt

    from gis_planner.report.render import _docx_table

    texts = ["plain", "a\tb", " lead", "trail ", "", "x\ny", "和平<小区>&"]
    df = pd.DataFrame({"name": texts, "households": list(range(len(texts))),
                       "status": ["pass"] * len(texts)})
    doc = Document()
    _docx_table(doc, df, "en", 16.0)
    rows = doc.tables[0].rows[1:]
    assert [r.cells[0].text for r in rows] == texts
    ref = Document()
    for text, row in zip(texts, rows, strict=True):
        want = ref.add_paragraph().add_run(text)
        want.font.size = Pt(8.5)
        got = row.cells[0].paragraphs[0].runs[0]
        assert got._r.xml == want._r.xml
    shaded = [r.cells[2]._tc.tcPr.xpath("./w:shd/@w:fill") for r in rows]
    assert all(s == ["D9F0D3"] for s in shaded)
    assert all(r.cells[1].paragraphs[0].alignment is not None for r in rows)  # numbers right
