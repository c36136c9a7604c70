"""Hostile names stay inert in every output; configs and profiles cannot run code; no output
escapes ``--out``; nothing touches the network unless a download is asked for."""

from __future__ import annotations

import ast
import io
import json
import re
import shutil
import socket
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from gis_planner._errors import GisPlannerError, PolicyError
from gis_planner.cli import main
from gis_planner.report import OUTPUT_FILES

pytestmark = pytest.mark.filterwarnings("ignore::gis_planner._errors.GisPlannerWarning")

PACKAGE = Path(__file__).resolve().parents[1] / "gis_planner"

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "`${alert(1)}`",
    '=HYPERLINK("http://evil.example","x")',
    "</script><script>alert(2)</script>",
    "[x](javascript:alert(3))",
    "../../escaped",
)
#: Raw fragments that would act in HTML or Markdown if they were not escaped.
ACTIVE = ("<script>alert(", "<img src=x")


def _hostile_plan(demo_dir: Path, folder: Path) -> Path:
    """A copy of the demo plan whose compound, community, POI and candidate names (and title)
    carry the payloads."""
    shutil.copytree(demo_dir, folder)

    def _names(n: int, tag: str) -> list[str]:
        return [f"{PAYLOADS[i % len(PAYLOADS)]} {tag}{i}" for i in range(n)]

    for layer in ("compounds", "communities"):
        doc = json.loads((folder / f"{layer}.geojson").read_text(encoding="utf-8"))
        for ft, name in zip(doc["features"], _names(len(doc["features"]), layer[:3]), strict=True):
            ft["properties"]["name"] = name
        (folder / f"{layer}.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    poi_raw = (folder / "facilities.csv").read_bytes()
    poi = pd.read_csv(io.BytesIO(poi_raw), dtype=str, keep_default_na=False, encoding="gbk")
    poi["name"] = [f"{p} {n}" for p, n in zip(_names(len(poi), "poi"), poi["name"], strict=True)]
    (folder / "facilities.csv").write_bytes(poi.to_csv(index=False).encode("gbk"))
    for table in ("candidates.csv", "community_attributes.csv"):
        df = pd.read_csv(folder / table, dtype=str, keep_default_na=False)
        df["name"] = _names(len(df), table[:3])
        df.to_csv(folder / table, index=False)
    cfg = folder / "plan.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(
        'title = "', 'title = "<script>alert(9)</script> ../../title `${x}` '), encoding="utf-8")
    return cfg


@pytest.fixture(scope="module")
def hostile_run(demo_dir, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    cfg = _hostile_plan(demo_dir, root / "plan")
    assert main(["report", "--config", str(cfg), "--out", str(root / "out")]) == 0
    return root


def test_nothing_escapes_the_output_folder(hostile_run):
    assert sorted(p.name for p in hostile_run.iterdir()) == ["out", "plan"]
    assert sorted(p.name for p in (hostile_run / "out").iterdir()) == sorted(OUTPUT_FILES)


@pytest.mark.parametrize("name", ["report.html", "report.md", "map.html"])
def test_names_are_inert_in_html_and_markdown(hostile_run, name):
    text = (hostile_run / "out" / name).read_text(encoding="utf-8")
    for fragment in ACTIVE:
        assert fragment not in text, (name, fragment)
    # the names are there, escaped, not dropped
    if name == "map.html":  # names travel as JSON data only (see tests/test_security_text.py)
        assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in text
        scripts = re.findall(r"<script>(.*?)</script>", text, flags=re.S)
        assert scripts and not any("alert(" in s for s in scripts)
    else:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "onerror=alert(1)&gt;" in text
    if name == "report.md":  # no live link or code span either
        assert not re.search(r"(?<!\\)\]\(javascript:", text)
        assert "\\[x\\](javascript:alert(3))" in text and "\\`${alert(1)}\\`" in text


def test_names_are_text_in_excel(hostile_run):
    wb = openpyxl.load_workbook(hostile_run / "out" / "report.xlsx")
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "no cell may be a formula"
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert any(t.startswith('=HYPERLINK("http://evil.example"') for t in texts)
    assert any("<script>alert(1)</script>" in t for t in texts)  # Excel shows text as text


#: Texts a spreadsheet would take for formulas (or error values) if they were not strings.
FORMULA_TEXTS = ('=HYPERLINK("http://evil.example/x","click")', "+1+1", "-2", "@SUM(A1)", "#N/A")


def test_every_table_workbook_holds_text_not_formulas(tmp_path):
    # the elderly, centres and grids workbooks and an .xlsx facility audit go through
    # write_table; a name or code from a third party must stay a string cell
    from gis_planner.io.write import write_facility_audit, write_table

    frame = pd.DataFrame({"name": list(FORMULA_TEXTS), "code": [f"C{i}" for i in range(5)],
                          "households": [10, 20, 30, 40, 50]})
    books = [write_table(tmp_path / "tables.xlsx", {"units": frame, "=SUM(A1)": frame}),
             write_table(tmp_path / "indexed.xlsx", frame.set_index("name"), index=True),
             write_facility_audit(tmp_path / "audit.xlsx", frame.set_index("code"))]
    for path in books:
        wb = openpyxl.load_workbook(path)
        for ws in wb:
            cells = [c for row in ws.iter_rows() for c in row]
            assert not [c.coordinate for c in cells if c.data_type == "f"], path.name
            texts = [c for c in cells if c.value in FORMULA_TEXTS]
            assert sorted(c.value for c in texts) == sorted(FORMULA_TEXTS), path.name
            assert all(c.data_type == "s" for c in texts), path.name
            column = next(c.column for c in cells if c.value == "households")
            numbers = [c for c in cells if c.column == column and c.row > 1]
            assert [c.value for c in numbers] == [10, 20, 30, 40, 50], path.name
            assert all(c.data_type == "n" for c in numbers), path.name


def test_names_are_text_in_word(hostile_run):
    with zipfile.ZipFile(hostile_run / "out" / "report.docx") as z:
        body = z.read("word/document.xml").decode("utf-8")
        rels = z.read("word/_rels/document.xml.rels").decode("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>" not in body
    # field codes are the package's own fixed ones (table of contents, page numbers), never
    # one built from data (HYPERLINK, INCLUDETEXT, DDE …) and never a simple field
    import re

    fields = [f.strip() for f in re.findall(r"<w:instrText[^>]*>([^<]*)</w:instrText>", body)]
    allowed = {'TOC \\o "1-2" \\h \\z \\u'.replace('"', "&quot;"), 'TOC \\o "1-2" \\h \\z \\u', "PAGE", "NUMPAGES"}
    assert fields and set(fields) <= allowed, fields
    assert "fldSimple" not in body
    assert "evil.example" not in rels  # no external relationship


def test_names_are_data_in_the_geopackage(hostile_run):
    import geopandas as gpd

    homes = gpd.read_file(hostile_run / "out" / "results.gpkg", layer="households")
    assert homes["name"].str.startswith("<script>alert(1)</script>").sum() > 0


# ------------------------------------------------------------------ no code execution
#: The one allowed call: a constant ``exec`` that clears CPython's record of an interrupt that
#: left a string ``exec`` (``cli._forget_unhandled_interrupt``); no data can reach it.
ALLOWED_CALLS = {("__init__.py", "exec('pass', {})")}


def test_package_has_no_eval_exec_pickle_or_unsafe_yaml():
    """Static check of the whole package: user files are parsed by tomllib / yaml.safe_load only."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                fn = node.func
                name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
                if name in ("eval", "exec", "compile") and isinstance(fn, ast.Name) \
                        and (path.name, ast.unparse(node)) not in ALLOWED_CALLS:
                    offenders.append(f"{path.name}:{node.lineno} {name}")
                if name in ("load", "unsafe_load", "full_load") and isinstance(fn, ast.Attribute) \
                        and isinstance(fn.value, ast.Name) and fn.value.id in ("yaml", "pickle", "marshal"):
                    offenders.append(f"{path.name}:{node.lineno} {fn.value.id}.{name}")
                if any(k.arg == "shell" for k in node.keywords):
                    offenders.append(f"{path.name}:{node.lineno} shell=")
            if isinstance(node, ast.Import | ast.ImportFrom):
                mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                offenders += [f"{path.name}:{node.lineno} import {m}" for m in mods
                              if m.split(".")[0] in ("pickle", "marshal", "shelve", "dill")]
    assert offenders == []


def test_yaml_profile_with_a_python_tag_is_refused(tmp_path):
    pytest.importorskip("yaml")
    from gis_planner.policy import load_profile

    marker = tmp_path / "ran"
    bad = tmp_path / "evil.yaml"
    bad.write_text(f"id: evil\ntitle: !!python/object/apply:os.system ['touch {marker}']\n",
                   encoding="utf-8")
    with pytest.raises(PolicyError, match=r"evil\.yaml"):
        load_profile(bad)
    assert not marker.exists()


def test_toml_values_are_only_data(demo_dir, tmp_path):
    from gis_planner.pipeline import read_plan_config

    folder = tmp_path / "plan"
    shutil.copytree(demo_dir, folder)
    cfg = folder / "plan.toml"
    marker = tmp_path / "ran"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(
        'title = "', f'title = "__import__(\'os\').system(\'touch {marker}\') '), encoding="utf-8")
    plan = read_plan_config(cfg)
    assert plan.title.startswith("__import__(") and not marker.exists()


# ------------------------------------------------------------------ no network access
def test_demo_runs_with_the_network_switched_off(tmp_path, monkeypatch, capsys):
    attempts: list[object] = []

    def _refuse(*args, **kwargs):
        attempts.append(args[1:] if args else kwargs)
        raise OSError("network access is switched off in this test")

    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    monkeypatch.setattr(socket, "getaddrinfo", _refuse)
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 0
    assert attempts == []
    html = (tmp_path / "demo" / "map.html").read_text(encoding="utf-8")
    assert "tile.openstreetmap.org" not in html  # the offline map has no tile layer to fetch
    capsys.readouterr()


def test_download_under_the_guard_fails_with_the_projects_error(monkeypatch):
    """A download that was asked for is the one path that may go online; offline it says so."""
    from gis_planner.io import network_from_place

    def _refuse(*args, **kwargs):
        raise OSError("network access is switched off in this test")

    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    monkeypatch.setattr(socket, "getaddrinfo", _refuse)
    with pytest.raises(GisPlannerError):
        network_from_place("黄浦区, 上海市")
