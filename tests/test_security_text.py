"""Text from data is never code.

Names, the plan title, a planner's own profile (title, issuer, source) and file names holding
template syntax, HTML and script payloads go through the real ``gis-planner report`` on a copy
of the demo town and come out literally, and inert, in map.html, report.html, report.md,
report.docx and report.xlsx, in Chinese and in English.

One payload, if it were ever evaluated as a Jinja template (as folium/branca do with element
templates), would run a shell command that creates a file; the test checks the file is absent.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from gis_planner.cli import app
from gis_planner.report.render import _md_cell, _md_text

OUTPUTS = ("map.html", "report.html", "report.md", "report.docx", "report.xlsx")
BROKEN = "{# {% {{ unclosed"
MARKER_DIR = "gp_evaluated_dir"
#: Cell texts a spreadsheet would run as formulas if they were stored as formulas.
FORMULAS = ('=HYPERLINK("http://example.invalid","x")', "+1+2", "-3+4", "@SUM(1,2)")


def payload(marker: Path) -> str:
    """Template syntax, would-be shell commands, HTML and JavaScript breakers in one text.

    The commands use no quotes (HTML escaping cannot defuse them): evaluated in the working
    folder they would create the folder ``MARKER_DIR``; the quoted one would create ``marker``.
    """
    return ("{{ 6*7 }}{% if 1 %}{{ dict(gpeval=1)|first ~ dict(uated=1)|first }}{% endif %}{# c #}"
            "</script><script>alert(1)</script><!--${alert(2)}`bt`\\ "
            f"{{{{ cycler.__init__.__globals__.os.mkdir(dict({MARKER_DIR}=1)|first) }}}}"
            f"{{{{ lipsum.__globals__.os.popen('touch {marker}').read() }}}}")


def _read_csv(path: Path) -> pd.DataFrame:
    for enc in ("utf-8", "gb18030"):
        try:
            return pd.read_csv(path, dtype=str, encoding=enc, keep_default_na=False)
        except UnicodeDecodeError:
            continue
    raise AssertionError(path)


def _rename_geojson(path: Path, names: list[str]) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    for feat, name in zip(doc["features"], names, strict=False):
        feat["properties"]["name"] = name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


@pytest.fixture(scope="module")
def hostile(demo_dir, tmp_path_factory):
    """A copy of the demo whose every name (and the title, and a file name) carries payloads."""
    root = tmp_path_factory.mktemp("hostile")
    marker = root / "evaluated-marker"
    p = payload(marker)
    folder = root / "plan"
    shutil.copytree(demo_dir, folder)
    texts: dict[str, list[str]] = {}

    def names(field: str, old: list[str]) -> list[str]:
        # the original name stays at the end: classification reads 社区/村 from its suffix
        out = [f"{field}{p}·{o}" for o in old]
        texts[field] = out
        return out

    for field, file in (("compound", "compounds.geojson"), ("community", "communities.geojson"),
                        ("subdistrict", "subdistricts.geojson")):
        feats = json.loads((folder / file).read_text(encoding="utf-8"))["features"]
        new = names(field, [f["properties"]["name"] for f in feats])
        if field == "compound":  # compound names that start like spreadsheet formulas
            new = [FORMULAS[i % len(FORMULAS)] + n for i, n in enumerate(new)]
            new[1] = f"小区B{BROKEN}"
            texts[field] = new
        _rename_geojson(folder / file, new)
    for field, file in (("facility", "facilities.csv"), ("candidate", "candidates.csv")):
        df = _read_csv(folder / file)
        df["name"] = names(field, list(df["name"]))
        if field == "facility":
            df.loc[1, "name"] = f"设施B{BROKEN}"
        df.to_csv(folder / file, index=False, encoding="utf-8")
    attrs = "属性 {{ 7*7 }} {% raw %}.csv"
    (folder / "community_attributes.csv").rename(folder / attrs)
    title = f"规划标题 Plan title {p}"
    texts["title"] = [title]
    # a planner's own profile (plan.toml names it) whose texts carry the payload too
    prof_title = f"某市配置要求 My city {p}"
    texts["profile"] = [prof_title]
    q = json.dumps(prof_title, ensure_ascii=False)
    profile = "my {{ 7*7 }} profile.toml"
    (folder / profile).write_text(
        f'id = "my-city"\ntitle = {{ zh = {q}, en = {q} }}\nissuer = {q}\n'
        f'date = "2024-03-01"\nsource = {q}\ninherits = "taizhou-2023"\n', encoding="utf-8")
    plan = (folder / "plan.toml").read_text(encoding="utf-8")
    plan = plan.replace('profile = "taizhou-2023"', "profile = " + json.dumps(
        str(folder / profile), ensure_ascii=False))
    plan = re.sub(r"(?m)^title = .*$", lambda _m: "title = " + json.dumps(title, ensure_ascii=False),
                  plan)
    plan = plan.replace('"community_attributes.csv"', json.dumps(attrs, ensure_ascii=False))
    (folder / "plan.toml").write_text(plan, encoding="utf-8")
    return {"root": root, "plan": folder / "plan.toml", "marker": marker, "texts": texts,
            "file": attrs, "title": title}


@pytest.fixture(scope="module", params=["zh", "en"])
def written(request, hostile):
    out = hostile["root"] / f"out_{request.param}"
    cwd = Path.cwd()
    os.chdir(hostile["root"])  # where the quote-free payload would create its folder
    try:
        run = CliRunner().invoke(app, ["report", "--config", str(hostile["plan"]),
                                       "--out", str(out), "--lang", request.param])
    finally:
        os.chdir(cwd)
    assert run.exit_code == 0, run.output
    return out


def _strings(obj: object) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return []


def _docx_text(path: Path) -> str:
    from docx import Document

    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for tb in doc.tables for row in tb.rows for c in row.cells]
    return "\n".join(parts)


def _xlsx_cells(path: Path) -> list:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def test_nothing_was_evaluated(written, hostile):
    assert not hostile["marker"].exists()
    assert not (hostile["root"] / MARKER_DIR).exists()
    for name in OUTPUTS[:3]:
        text = (written / name).read_text(encoding="utf-8")
        assert "gpevaluated" not in text, name
    assert "gpevaluated" not in _docx_text(written / "report.docx")
    assert not any("gpevaluated" in str(c.value) for c in _xlsx_cells(written / "report.xlsx"))


def test_map_carries_every_text_literally_as_data(written, hostile):
    page = (written / "map.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page and "<!--$" not in page
    blocks = re.findall(r'<script type="application/json" id="gp-data">(.*?)</script>', page, re.S)
    assert len(blocks) == 1
    data = json.loads(blocks[0])
    strings = set(_strings(data))
    texts = hostile["texts"]
    assert data["title"] == hostile["title"]
    for field in ("compound", "community", "subdistrict", "facility"):
        shown = [s for s in texts[field] if s in strings]
        assert shown, field
    assert set(texts["compound"]) == set(data["compounds"]["name"])
    assert f"小区B{BROKEN}" in data["compounds"]["name"]
    assert set(texts["community"]) == set(data["communities"]["name"])
    assert set(texts["subdistrict"]) == set(data["subdistricts"]["name"])
    assert f"设施B{BROKEN}" in data["facilities"]["name"]
    assert set(data["sites"]["name"]) <= set(texts["candidate"]) | {""}
    assert any(n in texts["candidate"] for n in data["sites"]["name"])
    # the page around the data is the package's own: no data text outside the JSON block
    outside = page.replace(blocks[0], "")
    assert "规划标题" not in outside and "{{ 6*7 }}" not in outside


def _report_texts(written: Path) -> dict[str, str]:
    return {"report.html": html.unescape((written / "report.html").read_text(encoding="utf-8")),
            "report.md": (written / "report.md").read_text(encoding="utf-8"),
            "report.docx": _docx_text(written / "report.docx"),
            "report.xlsx": "\n".join(str(c.value) for c in _xlsx_cells(written / "report.xlsx"))}


def _shows(name: str, text: str, body: str) -> bool:
    """Whether ``body`` shows ``text`` literally (Markdown: as escaped text or table cell)."""
    if name == "report.md":
        return _md_text(text) in body or _md_cell(text) in body
    return text in body


def test_reports_show_the_texts_literally(written, hostile):
    texts = hostile["texts"]
    raw_html = (written / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in raw_html and "{{ 6*7 }}" in raw_html
    for name, body in _report_texts(written).items():
        if name != "report.xlsx":  # the workbook holds tables, not the title page
            assert _shows(name, hostile["title"], body), name
        assert any(_shows(name, s, body) for s in texts["compound"]), name
        assert any(_shows(name, s, body) for s in texts["candidate"]), name
        if name in ("report.html", "report.md", "report.docx"):
            assert hostile["file"] in body.replace("\\[", "[").replace("\\]", "]"), name


def test_reports_show_every_field_somewhere(written, hostile):
    bodies = _report_texts(written)
    for field in ("compound", "community", "subdistrict", "candidate", "title", "profile"):
        assert any(_shows(name, s, body) for name, body in bodies.items()
                   for s in hostile["texts"][field]), field


def test_spreadsheet_cells_hold_text_not_formulas(written):
    cells = _xlsx_cells(written / "report.xlsx")
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    risky = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@"
             and "compound{{ 6*7 }}" in c.value]
    assert {c.value[0] for c in risky} >= {"="}  # the worst-served table lists such compounds
    assert all(c.data_type == "s" for c in risky)
