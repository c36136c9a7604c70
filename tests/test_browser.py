"""Open the offline map and report in a real headless Chromium with networking disabled.

Needs Debian's ``chromium`` (``apt-get install -y chromium fonts-noto-cjk``); skipped when it is
absent. Screenshots go to ``$GIS_PLANNER_TEST_ARTIFACTS/browser`` when that variable is set,
else into the test's temporary folder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from gis_planner.pipeline import load_plan_inputs, read_plan_config, run_plan
from gis_planner.report import write_plan_outputs

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _chromium(tmp: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    if CHROMIUM is None:
        pytest.skip("chromium not installed (apt-get install -y chromium fonts-noto-cjk)")
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", f"--user-data-dir={tmp / 'profile'}",
            "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
            "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
            "--window-size=1400,1000", *extra, url]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


def _console_errors(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if "CONSOLE" in ln and
            re.search(r"Uncaught|Error|Failed to load", ln)]


@pytest.fixture(scope="module")
def outputs(demo_dir, tmp_path_factory):
    cfg = read_plan_config(demo_dir / "plan.toml")
    out = tmp_path_factory.mktemp("browser_out")
    write_plan_outputs(run_plan(cfg, load_plan_inputs(cfg)), out, lang="zh")
    return out


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    root = os.environ.get("GIS_PLANNER_TEST_ARTIFACTS")
    path = Path(root) / "browser" if root else tmp_path_factory.mktemp("artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_console_error_detection_works(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>notDefinedAnywhere();</script></body></html>")
    run = _chromium(tmp_path, page.as_uri(), "--dump-dom")
    assert _console_errors(run.stderr), run.stderr[-2000:]


def test_map_renders_offline(outputs, artifacts, tmp_path):
    url = (outputs / "map.html").as_uri()
    run = _chromium(tmp_path, url, "--dump-dom")
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    assert _console_errors(run.stderr) == []
    n_paths = len(re.findall(r'<path[^>]*class="[^"]*leaflet-interactive', dom))
    assert n_paths > 300  # roads, areas, communities, compounds and facilities drawn as SVG
    assert dom.count("leaflet-control-layers-selector") >= 5
    assert "gp-site" in dom and 'id="gp-legend"' in dom
    shot = _chromium(tmp_path, url, f"--screenshot={artifacts / 'map.png'}")
    assert shot.returncode == 0 and (artifacts / "map.png").stat().st_size > 20_000


def test_report_renders_offline(outputs, artifacts, tmp_path):
    url = (outputs / "report.html").as_uri()
    run = _chromium(tmp_path, url, "--dump-dom")
    assert run.returncode == 0
    assert _console_errors(run.stderr) == []
    assert run.stdout.count("<table>") >= 5 and "data:image/png;base64," in run.stdout
    shot = _chromium(tmp_path, url, f"--screenshot={artifacts / 'report.png'}")
    assert shot.returncode == 0 and (artifacts / "report.png").stat().st_size > 20_000
