"""Open the offline map and report in a real headless Chromium with networking disabled.

Needs Debian's ``chromium`` (``apt-get install -y chromium fonts-noto-cjk``); skipped when it is
absent. Chromium runs through ``tests/_chromium.py``: a virtual-time budget, no sleeps; the map
script marks its end with ``data-gp-ready`` on the page, which every DOM test checks. Screenshots go to
``tests/_artifacts/browser`` (kept by CI as artefacts), or to
``$GIS_PLANNER_TEST_ARTIFACTS/browser`` when that variable is set.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import numpy as np
import pytest
from _chromium import console_errors, run_chromium

from gis_planner.maps import plan_map, save_map
from gis_planner.maps.plan import COVERAGE_CLASSES
from gis_planner.pipeline import load_plan_inputs, read_plan_config, run_plan
from gis_planner.report import write_plan_outputs

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]


def _dom(tmp: Path, url: str) -> str:
    run = run_chromium(tmp, url, "--dump-dom")
    assert run.returncode == 0, run.stderr[-2000:]
    assert console_errors(run.stderr) == []
    assert 'data-gp-ready="1"' in run.stdout  # the map script finished
    return re.sub(r"<(script|style)\b.*?</\1>", "", run.stdout, flags=re.S)  # what is shown


def _shot(tmp: Path, url: str, png: Path) -> None:
    run = run_chromium(tmp, url, f"--screenshot={png}")
    assert run.returncode == 0, run.stderr[-2000:]
    assert png.stat().st_size > 20_000


def _classes(reach, cat: str) -> list[int]:
    """Compounds per map class at ``cat``'s own limit, computed here from the reach result:
    covered within half the limit, covered, not covered up to 1.5 x the limit, farther (or
    beyond the search range), off the network."""
    hh = reach.households
    limit = reach.category_limits_m[cat] * 60 / (reach.speed_kmh * 1000)
    cap = reach.search_cap_m * 60 / (reach.speed_kmh * 1000)
    half, _, late, _ = (c[0] for c in COVERAGE_CLASSES)
    snapped = hh["snapped"].to_numpy(dtype=bool)
    minutes = hh[f"{cat}_min"].round(1).to_numpy(dtype=float)
    ratio = np.where(np.isnan(minutes), np.inf if cap >= late * limit else late, minutes / limit)
    covered = hh[f"{cat}_covered"].fillna(False).astype(bool).to_numpy()
    return [int((snapped & covered & (ratio <= half)).sum()),
            int((snapped & covered & (ratio > half)).sum()),
            int((snapped & ~covered & (ratio <= late)).sum()),
            int((snapped & ~covered & (ratio > late)).sum()), int((~snapped).sum())]


@pytest.fixture(scope="module")
def results(demo_dir):
    cfg = read_plan_config(demo_dir / "plan.toml")
    return run_plan(cfg, load_plan_inputs(cfg))


@pytest.fixture(scope="module")
def outputs(results, tmp_path_factory):
    out = tmp_path_factory.mktemp("browser_out")
    write_plan_outputs(results, out, lang="zh")
    return out


@pytest.fixture(scope="module")
def artifacts():
    root = os.environ.get("GIS_PLANNER_TEST_ARTIFACTS")
    path = (Path(root) if root else REPO / "tests" / "_artifacts") / "browser"
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_console_error_detection_works(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>notDefinedAnywhere();</script></body></html>")
    run = run_chromium(tmp_path, page.as_uri(), "--dump-dom")
    assert console_errors(run.stderr), run.stderr[-2000:]


def test_demo_map_renders_offline(results, outputs, artifacts, tmp_path):
    url = (outputs / "map.html").as_uri()
    dom = _dom(tmp_path, url)
    reach = results.reach
    assert f'data-gp-compounds="{len(reach.households)}"' in dom
    assert int(re.search(r'data-gp-facilities="(\d+)"', dom).group(1)) > 100
    assert 'data-gp-category="wet_market"' in dom
    # the side panel holds title, category selector, legend and layers: nothing covers the map
    side = dom[dom.index('<aside class="gp-side"'):]
    assert 'id="gp-legend"' in side and 'id="gp-category"' in side
    assert "leaflet-control-layers-selector" in side
    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', side)
    assert {v for v, _ in options} == set(reach.categories)
    assert ("wet_market", "菜市场") in options and ("kindergarten", "幼儿园") in options
    assert "覆盖：3.8–7.5 分钟" in side and "未覆盖：7.5–11.3 分钟" in side
    # on the map: north arrow and one metric scale line, no imperial one
    assert "gp-north" in dom and dom.count("leaflet-control-scale-line") == 1
    assert re.search(r'leaflet-control-scale-line"[^>]*>\d+ k?m<', dom)
    assert "gp-site" in dom and "gp-lbl-sub" in dom and "gp-lbl-com" in dom
    _shot(tmp_path, url, artifacts / "map_demo.png")


@pytest.mark.parametrize("cat", ["wet_market", "kindergarten", "elderly_day_care"])
def test_compounds_are_coloured_at_the_chosen_categorys_limit(results, outputs, tmp_path, cat):
    dom = _dom(tmp_path, (outputs / "map.html").as_uri() + f"#category={cat}")
    assert f'data-gp-category="{cat}"' in dom
    shown = [int(v) for v in re.search(r'data-gp-classes="([\d,]+)"', dom).group(1).split(",")]
    assert shown == _classes(results.reach, cat)


def test_data_text_is_shown_as_text(results, tmp_path, artifacts):
    import dataclasses

    com = results.inputs.communities.copy()
    evil = '<img src=x onerror="document.title=666">{{ 6*7 }}'
    com.iloc[0, com.columns.get_loc("name")] = evil
    res = dataclasses.replace(results, inputs=dataclasses.replace(results.inputs, communities=com))
    page = save_map(plan_map(res, title="标题<b>粗</b>{{ 6*7 }}"), tmp_path / "evil.html")
    shown = _dom(tmp_path, page.as_uri())  # the page without its scripts and styles
    assert "<img" not in shown and "<b>" not in shown and "<title>666" not in shown
    assert html.escape(evil, quote=False) in shown
    assert "<title>标题&lt;b&gt;粗&lt;/b&gt;{{ 6*7 }}</title>" in shown


def test_real_data_map_renders(shared_data, tmp_path, artifacts):
    """Central Shanghai: real OSM streets and Amap POIs; compounds and household counts are
    assumed (a 400 m grid of 600 households each, see ``tests/_realplan.py``)."""
    from _realplan import write_real_plan

    cfg = read_plan_config(write_real_plan(shared_data, tmp_path / "plan",
                                           title="上海中心城区（真实路网与高德POI，小区与户数为假定）"))
    res = run_plan(cfg, load_plan_inputs(cfg))
    page = save_map(plan_map(res), tmp_path / "map.html")
    assert page.stat().st_size < 3_000_000
    dom = _dom(tmp_path, page.as_uri())
    assert f'data-gp-compounds="{len(res.reach.households)}"' in dom
    _shot(tmp_path, page.as_uri(), artifacts / "map_shanghai.png")
    _shot(tmp_path, page.as_uri() + "#category=kindergarten", artifacts / "map_shanghai_kg.png")


def test_report_renders_offline(outputs, artifacts, tmp_path):
    url = (outputs / "report.html").as_uri()
    run = run_chromium(tmp_path, url, "--dump-dom")
    assert run.returncode == 0
    assert console_errors(run.stderr) == []
    assert run.stdout.count("<table>") >= 5 and "data:image/png;base64," in run.stdout
    _shot(tmp_path, url, artifacts / "report.png")
