"""report.html in a real headless Chromium (networking off): the static map figures, the
coloured status cells and the summarised long tables render; screenshots of the top, the siting
section (with the map figures) and the compliance section are kept as CI artefacts.

Needs Debian's ``chromium`` (``apt-get install -y chromium fonts-noto-cjk``); skipped without it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from _chromium import run_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]


def _chromium(tmp: Path, url: str, *extra: str):
    return run_chromium(tmp, url, *extra, window="1200,2400", budget_ms=5000)


@pytest.fixture(scope="module")
def report_html(demo_dir, tmp_path_factory):
    from gis_planner.pipeline import load_plan_inputs, read_plan_config, run_plan
    from gis_planner.report import write_plan_outputs

    cfg = read_plan_config(demo_dir / "plan.toml")
    out = tmp_path_factory.mktemp("report_browser") / "out"
    write_plan_outputs(run_plan(cfg, load_plan_inputs(cfg)), out, lang="zh")
    return out / "report.html"


@pytest.fixture(scope="module")
def artifacts():
    root = os.environ.get("GIS_PLANNER_TEST_ARTIFACTS")
    path = (Path(root) if root else REPO / "tests" / "_artifacts") / "browser"
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_report_dom_has_figures_status_colours_and_summaries(report_html, tmp_path):
    run = _chromium(tmp_path, report_html.as_uri(), "--dump-dom")
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    figures = re.findall(r'<figure><img alt="(图：[^"]*)" src="data:image/png;base64,', dom)
    assert any("菜市场：步行 7.5 分钟（500 m）" in f for f in figures), figures
    assert 'class="st st-bad"' in dom and 'class="st st-ok"' in dom
    assert "完整表格见 report.xlsx 的工作表" in dom
    assert "http" not in re.sub(r'src="data:[^"]*"', "", dom).replace("http-equiv", "")


@pytest.mark.parametrize("anchor", ["", "siting", "compliance"])
def test_report_screenshots(report_html, tmp_path, artifacts, anchor):
    png = artifacts / f"report_{anchor or 'top'}.png"
    png.unlink(missing_ok=True)
    page = report_html
    if anchor:  # headless screenshots ignore #fragments: show the title and that section only
        page = tmp_path / f"{anchor}.html"
        hide = f"<style>body>h2,.kn,section:not(#{anchor}){{display:none}}</style></head>"
        page.write_text(report_html.read_text(encoding="utf-8").replace("</head>", hide, 1),
                        encoding="utf-8")
    run = _chromium(tmp_path, page.as_uri(), f"--screenshot={png}")
    assert run.returncode == 0, run.stderr[-2000:]
    assert png.stat().st_size > 50_000  # a page of text and figures, not a blank one
