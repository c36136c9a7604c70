"""``gis-planner compare``: two runs of the demo town (4.0 and 3.2 km/h) side by side."""

from __future__ import annotations

import shutil

import pandas as pd
import pyogrio
import pytest

from gis_planner._errors import InputDataError
from gis_planner.cli import main
from gis_planner.io.runs import read_run
from gis_planner.io.write import write_layers
from gis_planner.report.compare import (
    COMPARISON_FILES,
    build_comparison_report,
    compare_runs,
    households_changed,
)
from gis_planner.report.render import render_html


@pytest.fixture(scope="module")
def runs(demo_dir, tmp_path_factory):
    """The demo plan run at the profile's 4.0 km/h (A, Chinese report) and at 3.2 km/h set in
    plan.toml ``[reach]`` (B, English report)."""
    base = tmp_path_factory.mktemp("runs")
    slow = base / "slow_plan"
    shutil.copytree(demo_dir, slow)
    cfg = slow / "plan.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + "\n[reach]\nspeed_kmh = 3.2\n", encoding="utf-8")
    a, b = base / "run_4kmh", base / "run_3kmh"
    assert main(["report", "--config", str(demo_dir / "plan.toml"), "--out", str(a)]) == 0
    assert main(["report", "--config", str(cfg), "--out", str(b), "--lang", "en"]) == 0
    return a, b


@pytest.fixture(scope="module")
def comparison(runs):
    return compare_runs(read_run(runs[0]), read_run(runs[1]))


def _altered_run(run, dest, change):
    """A copy of ``run`` whose households layer is ``change(households)``."""
    shutil.copytree(run, dest)
    layers = {name: pyogrio.read_dataframe(run / "results.gpkg", layer=name)
              for name, _ in pyogrio.list_layers(run / "results.gpkg")}
    layers["households"] = change(layers["households"])
    (dest / "results.gpkg").unlink()
    write_layers(dest / "results.gpkg", layers)
    return dest


def test_slower_walk_never_gains_and_loses_households(comparison):
    cov = comparison.coverage.set_index("category")
    assert len(cov) >= 10
    assert (cov["share_b"] <= cov["share_a"] + 1e-12).all()
    assert (cov["gained_households"] == 0).all() and (cov["gained_compounds"] == 0).all()
    assert cov["lost_households"].sum() > 0
    assert households_changed(comparison, "lost") > 0
    # the change columns agree with the shares: A covered - lost + gained = B covered
    assert ((cov["covered_a"] - cov["lost_households"] + cov["gained_households"]
             - cov["covered_b"]).abs() < 1e-6).all()
    # the counts follow the compounds' own flags
    cp = comparison.compounds
    for c in comparison.categories:
        assert (cp[f"{c}_change"] == "lost").sum() == cov.at[c, "lost_compounds"]
        assert set(cp[f"{c}_change"]) <= {"lost", "covered", "uncovered"}


def test_per_subdistrict_and_indicators_across_languages(comparison):
    sd = comparison.subdistricts
    assert sd["subdistrict_code"].nunique() == 3 and sd["name"].str.len().gt(0).all()
    assert (sd["share_b"] <= sd["share_a"] + 1e-12).all()
    # A's report is Chinese, B's English: indicators are still matched one to one
    ind = comparison.indicators
    assert ind is not None and len(ind) > 10
    assert set(ind["status_a"]) | set(ind["status_b"]) <= {"pass", "fail", "not assessable"}
    # a slower walk never turns a fail into a pass
    assert not ((ind["status_a"] == "fail") & (ind["status_b"] == "pass")).any()


def test_an_indicator_whose_status_changed_is_listed(runs):
    a, b = read_run(runs[0]), read_run(runs[1])
    name = next(k for k, v in b.sheets.items() if {"Indicator", "Unit", "Status", "Clause"} <= set(v.columns))
    sheet = b.sheets[name].copy()
    i = sheet.index[sheet["Status"] == "fail"][0]
    sheet.loc[i, "Status"] = "pass"
    b = type(b)(folder=b.folder, households=b.households, boundaries=b.boundaries,
                sheets={**b.sheets, name: sheet})
    comp = compare_runs(a, b)
    base = compare_runs(a, read_run(runs[1])).indicators
    assert int(comp.indicators["changed"].sum()) == int(base["changed"].sum()) + 1
    row = comp.indicators.loc[comp.indicators["changed"] & ~base["changed"]].iloc[0]
    assert (row["status_a"], row["status_b"]) == ("fail", "pass")
    report = build_comparison_report(comp, lang="zh")
    tables = {tb.key: tb.frame for tb in report.tables()}
    assert row["indicator"] in set(tables["indicators"]["指标"])
    assert "达标" in set(tables["indicators"]["B 状态"])


def test_cli_writes_every_file_and_refuses_to_overwrite(runs, tmp_path, capsys):
    out = tmp_path / "cmp"
    args = ["compare", str(runs[0]), str(runs[1]), "--out", str(out), "--lang", "en"]
    assert main(args) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(COMPARISON_FILES)
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "Coverage per sub-district" in md and "Households lost" in md
    assert "Compounds whose coverage changed" in md
    html = (out / "map.html").read_text(encoding="utf-8")
    assert 'id="gp-compare"' in html and "compare.js" not in html  # inlined, not linked
    xlsx = pd.ExcelFile(out / "report.xlsx")
    assert len(xlsx.sheet_names) >= 4
    layer = pyogrio.read_dataframe(out / "comparison.gpkg", layer="compounds")
    assert (layer["wet_market_change"].isin(["gained", "lost", "covered", "uncovered"])).all()
    capsys.readouterr()
    stamp = (out / "report.html").stat().st_mtime_ns
    assert main(args) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "report.html").stat().st_mtime_ns == stamp
    assert main([*args, "--overwrite", "--category", "pharmacy"]) == 0


def test_chinese_is_the_default_language(runs, tmp_path):
    out = tmp_path / "cmp"
    assert main(["compare", str(runs[0]), str(runs[1]), "--out", str(out)]) == 0
    assert "各街道覆盖率" in (out / "report.md").read_text(encoding="utf-8")


def test_refuses_runs_in_different_coordinate_systems(runs, tmp_path, capsys):
    other = _altered_run(runs[1], tmp_path / "run_3857", lambda h: h.to_crs(3857))
    assert main(["compare", str(runs[0]), str(other), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "coordinate systems" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_refuses_runs_of_different_study_areas(runs, tmp_path, capsys):
    def elsewhere(h):
        h = h.copy()
        h["compound_id"] = "X" + h["compound_id"].astype(str)
        return h.set_geometry(h.geometry.translate(50_000, 0))

    other = _altered_run(runs[1], tmp_path / "run_far", elsewhere)
    assert main(["compare", str(runs[0]), str(other), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "different study areas" in err


def test_a_folder_that_is_not_a_run_is_named(runs, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["compare", str(runs[0]), str(empty), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "empty" in err and "results.gpkg" in err
    with pytest.raises(InputDataError, match="not a folder"):
        read_run(tmp_path / "missing")


def test_hostile_names_stay_text(runs, tmp_path):
    evil = '<script>alert("x")</script>'

    def rename(h):
        h = h.copy()
        h["name"] = evil
        return h

    other = _altered_run(runs[1], tmp_path / "run_evil", rename)
    out = tmp_path / "cmp"
    assert main(["compare", str(runs[0]), str(other), "--out", str(out)]) == 0
    assert evil not in (out / "map.html").read_text(encoding="utf-8")
    assert evil not in (out / "report.html").read_text(encoding="utf-8")
    comp = compare_runs(read_run(runs[0]), read_run(other))
    assert evil not in render_html(build_comparison_report(comp))


@pytest.mark.browser
def test_difference_map_draws_in_a_browser(runs, tmp_path):
    """The difference map opens offline in headless Chromium: every compound drawn, coloured
    by its change for the category in the URL, no script error."""
    from _chromium import console_errors, run_chromium

    out = tmp_path / "cmp"
    assert main(["compare", str(runs[0]), str(runs[1]), "--out", str(out)]) == 0
    comp = compare_runs(read_run(runs[0]), read_run(runs[1]))
    run = run_chromium(tmp_path, (out / "map.html").as_uri() + "#category=pharmacy", "--dump-dom")
    assert run.returncode == 0, run.stderr[-2000:]
    assert console_errors(run.stderr) == []
    assert 'data-gp-ready="1"' in run.stdout
    assert f'data-gp-compounds="{len(comp.compounds)}"' in run.stdout
    assert 'data-gp-category="pharmacy"' in run.stdout
    change = comp.compounds["pharmacy_change"]
    want = ",".join(str(int((change == k).sum())) for k in ("gained", "lost", "covered", "uncovered"))
    assert f'data-gp-changes="{want}"' in run.stdout
