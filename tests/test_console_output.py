"""What the command line prints for people: warnings as one line each, once per run, in the
run's language; summaries with category names, whole households and percentages."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd

from gis_planner.cli import main
from gis_planner.cli._common import ConsoleFormatter, OnceFilter, set_lang, start_console

REPO = Path(__file__).resolve().parents[1]


def _poi(tmp_path: Path) -> Path:
    """Two Amap-style rows (WGS-84): a convenience store, and a type no rule maps (a warning)."""
    path = tmp_path / "poi.csv"
    pd.DataFrame({"name": ["凤城便利店", "某某公司"], "type": ["购物服务;便民商店/便利店;便利店", "公司企业;公司;公司"],
                  "lng": [119.9290, 119.9217], "lat": [32.4459, 32.4515]}).to_csv(path, index=False)
    return path


def test_warnings_are_one_line_each_without_source_lines(demo_dir, tmp_path):
    """A real process (no test runner in between): Python warnings and log warnings are single
    ``警告: …`` lines (the default language is Chinese), none repeated, no file:line, no source."""
    args = [sys.executable, "-m", "gis_planner", "reach", "--network", str(demo_dir / "roads.geojson"),
            "--households", str(demo_dir / "compounds.geojson"), "--coords", "wgs84",
            "--facilities", str(_poi(tmp_path)), "--out", str(tmp_path / "reach.gpkg")]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    done = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [x for x in done.stderr.splitlines() if x.strip()]
    assert lines and all(x.startswith("警告: ") for x in lines), lines
    assert len(lines) == len(set(lines))
    assert any("poi.csv: 1 of 2 rows match no category rule" in x for x in lines)
    assert any("separate street networks" in x for x in lines)
    text = done.stderr
    for technical in ("UserWarning", "GisPlannerWarning", "warnings.warn", ".py:", "WARNING gis_planner"):
        assert technical not in text


def test_each_distinct_warning_once_and_recorders_still_see_them(capsys):
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ConsoleFormatter())
    handler.addFilter(OnceFilter())
    log = logging.getLogger("gis_planner.test_console")
    log.addHandler(handler)
    log.propagate = False
    restore = None
    try:
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            restore = start_console()  # as a run does, inside whatever recorder is active
            set_lang("en")
            for _ in range(3):
                warnings.warn("homes.csv: 2 rows\n   without a count", UserWarning, stacklevel=1)
                log.warning("roads.gpkg: 1 island left out")
            warnings.warn("facilities.csv: 1 row unmapped", UserWarning, stacklevel=1)
        err = capsys.readouterr().err.splitlines()
        assert err == ["warning: homes.csv: 2 rows without a count", "warning: roads.gpkg: 1 island left out",
                       "warning: facilities.csv: 1 row unmapped"]
        assert len(rec) == 4  # a recorder (a notebook, a test) still receives every warning
        log.info("read 3 files")  # below WARNING: unchanged, for -v
        set_lang("zh")
        log.warning("network: 2 islands")
        assert capsys.readouterr().err.splitlines() == ["警告: network: 2 islands"]
    finally:
        log.removeHandler(handler)
        log.propagate = True
        if restore is not None:
            restore()


def test_reach_summary_for_people(demo_dir, tmp_path, capsys):
    common = ["reach", "--network", str(demo_dir / "roads.geojson"), "--households",
              str(demo_dir / "compounds.geojson"), "--gates", str(demo_dir / "gates.csv"), "--coords", "wgs84",
              "--facilities", str(demo_dir / "facilities.csv"), "--facility-coords", "gcj02",
              "--profile", "taizhou-2023", "--no-service-areas"]
    assert main([*common, "--out", str(tmp_path / "zh.gpkg")]) == 0
    out = capsys.readouterr().out
    assert "便利店" in out and "菜市场" in out and "覆盖率" in out
    row = next(x for x in out.splitlines() if x.startswith("便利店"))
    assert row.split()[1:] == ["1,000", "51,070", "45,191", "88.5%"]
    assert "51,070.000" not in out and "0.885" not in out
    assert main([*common, "--lang", "en", "--out", str(tmp_path / "en.gpkg")]) == 0
    out = capsys.readouterr().out
    row = next(x for x in out.splitlines() if x.startswith("Convenience store"))
    assert row.split()[2:] == ["1,000", "51,070", "45,191", "88.5%"]


def test_communities_summary_households_are_whole_numbers(demo_dir, tmp_path, capsys):
    assert main(["communities", "--communities", str(demo_dir / "communities.geojson"),
                 "--compounds", str(demo_dir / "compounds.geojson"), "--coords", "wgs84",
                 "--out", str(tmp_path / "c.gpkg")]) == 0
    out = capsys.readouterr().out
    row = next(x for x in out.splitlines() if x.startswith("321202001001"))
    assert "4,600" in row.split() and "2,000" in row.split() and ".0" not in row
