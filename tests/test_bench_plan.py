"""The whole-plan benchmark's own parts: grouping, the central-Shanghai plan it builds, and the
section it writes into RESULTS.md (the timings themselves are measured by the benchmark)."""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_plan


def test_bisect_makes_compact_groups_of_equal_weight():
    """Eight points in a row, weight 1 each, four parts: pairs of neighbours, left to right."""
    xy = np.c_[np.arange(8.0) * 100.0, np.zeros(8)]
    groups = bench_plan._bisect(xy, np.ones(8), 4)
    assert groups.tolist() == [0, 0, 1, 1, 2, 2, 3, 3]


def test_bisect_follows_the_weights():
    """Weights 3, 1, 1, 1 in a row, two parts: the heavy point alone, then the other three."""
    xy = np.c_[np.arange(4.0), np.zeros(4)]
    assert bench_plan._bisect(xy, np.array([3.0, 1.0, 1.0, 1.0]), 2).tolist() == [0, 1, 1, 1]


def test_central_shanghai_plan_reads_and_says_households_are_assumed(shared_data, tmp_path):
    from gis_planner.pipeline import load_plan_inputs, read_plan_config

    info = bench_plan.build_shanghai_plan(tmp_path, compounds=300, shared=shared_data)
    assert info["compounds"] == 300 and info["households"] > 0
    cfg = read_plan_config(tmp_path / "plan.toml")
    assert cfg.grids and cfg.elderly
    inputs = load_plan_inputs(cfg)
    homes, coms = inputs.compounds, inputs.communities
    assert len(homes) == 300 and set(homes["community_code"]) <= set(coms.index)
    per = homes.groupby("community_code")["households"].sum()
    assert per.sum() == info["households"]
    # communities are grouped to the middle of the urban band: all but a few inside 2,000-3,000
    assert ((per >= 2000) & (per <= 3000)).mean() >= 0.8
    assert set(coms["subdistrict_code"]) == set(inputs.subdistricts.index)
    assert len(inputs.candidates) > 0 and len(inputs.facilities) > 0
    src = gpd.read_file(tmp_path / "compounds.geojson")
    assert src["name"].str.startswith("假定").all()  # names say the compounds are assumed


def test_write_section_replaces_only_its_own_section(tmp_path):
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\n## Reachability\n\nkeep me\n\n## Whole-plan runs\n\nold\n\n"
                       "## Performance targets\n\nkeep me too\n", encoding="utf-8")
    bench_plan.write_section(["## Whole-plan runs", "", "new figures", ""], results)
    text = results.read_text(encoding="utf-8")
    assert "old" not in text and "new figures" in text
    assert text.index("## Reachability") < text.index("new figures") < text.index("## Performance targets")
    assert text.count("keep me") == 2


def test_write_section_appends_when_missing(tmp_path):
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\n## Siting\n\nx\n", encoding="utf-8")
    bench_plan.write_section(["## Whole-plan runs", "", "figures"], results)
    assert results.read_text(encoding="utf-8").endswith("## Whole-plan runs\n\nfigures\n\n")


@pytest.mark.parametrize("bad", ["0", "-1"])
def test_runs_must_be_positive(monkeypatch, bad):
    monkeypatch.setattr(sys, "argv", ["bench_plan.py", "--runs", bad])
    with pytest.raises(SystemExit) as exc:
        bench_plan.main()
    assert exc.value.code == 2


def test_paired_lines_give_each_plans_ratio_run_by_run():
    ours = [bench_plan.Run(9.0, 12.0, 400.0), bench_plan.Run(10.0, 13.0, 400.0),
            bench_plan.Run(12.0, 14.0, 400.0)]
    theirs = [bench_plan.Run(12.0, 13.0, 350.0), bench_plan.Run(10.0, 14.0, 350.0),
              bench_plan.Run(16.0, 15.0, 350.0)]
    lines = bench_plan.paired_lines([("demo town", ours, theirs)], bench_plan.ROOT)
    row = next(line for line in lines if line.startswith("| demo town"))
    # per-run ratios 0.75, 1.00, 0.75: median 0.75, range 0.75-1.00 (not 10/12 of the medians)
    assert row.endswith("| 0.75x (0.75-1.00) |")
    assert "10.0 s (9.0-12.0)" in row and "12.0 s (10.0-16.0)" in row
