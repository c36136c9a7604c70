"""One pipeline: `reach`, `site`, `check` and `report` give the same numbers on the same inputs.

Every command builds its walking assumptions with the same merge (profile, plan config, command
line) and runs the same stages, so the demo's wet-market coverage is one number everywhere: in
the reach summary, in the coverage before siting, in the compliance table of `check` (from the
reach output) and in the plan run behind `report`.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gis_planner.cli import main
from gis_planner.pipeline import load_plan_inputs, read_plan_config, run_plan

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
COMMON = ["--network", str(DEMO / "roads.geojson"), "--households", str(DEMO / "compounds.geojson"),
          "--gates", str(DEMO / "gates.csv"), "--coords", "wgs84", "--facility-coords", "gcj02",
          "--facilities", str(DEMO / "facilities.csv"), "--profile", "taizhou-2023"]


@pytest.fixture(scope="module")
def plan():
    cfg = read_plan_config(DEMO / "plan.toml")
    return run_plan(cfg, load_plan_inputs(cfg))


@pytest.fixture(scope="module")
def reach_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("reach") / "reach.gpkg"
    assert main(["reach", *COMMON, "--no-service-areas", "--out", str(out)]) == 0
    return out


def _share(summary: pd.DataFrame, category: str) -> float:
    return float(summary.set_index("category").loc[category, "covered_share"])


def test_reach_and_report_agree(plan, reach_out):
    cli = pd.read_csv(reach_out.with_name("reach_summary.csv"))
    api = plan.coverage
    assert set(cli["category"]) == set(api["category"])
    for cat in api["category"]:
        assert _share(cli, cat) == pytest.approx(_share(api, cat), abs=1e-12), cat
    # the walking assumptions are stated, with their origin
    assert plan.parameters.sources["speed_kmh"] == "profile taizhou-2023"
    assert plan.reach.speed_kmh == cli["speed_kmh"].iloc[0]


def test_site_coverage_before_equals_reach(plan, reach_out, tmp_path, capsys):
    cli = pd.read_csv(reach_out.with_name("reach_summary.csv"))
    out = tmp_path / "markets.gpkg"
    code = main(["site", *COMMON, "--candidates", str(DEMO / "candidates.csv"), "--category", "wet_market",
                 "--model", "mclp", "--sites", "2", "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    before = float(re.search(r"coverage ([\d.]+)% ->", text).group(1)) / 100
    assert before == pytest.approx(_share(cli, "wet_market"), abs=5e-4)  # printed to 0.1 %
    # the plan's MCLP job: same baseline, same sites
    mclp = plan.siting_mclp
    assert mclp.summary["covered_share_before"] == pytest.approx(_share(plan.coverage, "wet_market"), abs=1e-9)
    chosen = pd.read_csv(out.with_suffix(".csv"), index_col=0)
    assert set(chosen.index.astype(str)) == set(mclp.chosen.index[~mclp.chosen["existing"]].astype(str))


def test_check_from_the_reach_output_equals_the_plan_run(plan, reach_out, tmp_path):
    # the plan run checks community sizes first (its classification scopes urban-only indicators):
    # the same inputs for `check` are the reach output and the `communities` table
    com = tmp_path / "communities.gpkg"
    assert main(["communities", "--communities", str(DEMO / "communities.geojson"), "--compounds",
                 str(DEMO / "compounds.geojson"), "--gates", str(DEMO / "gates.csv"), "--coords", "wgs84",
                 "--network", str(DEMO / "roads.geojson"), "--facilities", str(DEMO / "facilities.csv"),
                 "--facility-coords", "gcj02", "--attributes", str(DEMO / "community_attributes.csv"),
                 "--profile", "taizhou-2023", "--out", str(com)]) == 0
    out = tmp_path / "check.csv"
    code = main(["check", "--profile", "taizhou-2023", "--communities", str(DEMO / "communities.geojson"),
                 "--community-check", str(com.with_name("communities_table.csv")),
                 "--attributes", str(DEMO / "community_attributes.csv"), "--facilities", str(DEMO / "facilities.csv"),
                 "--coords", "gcj02", "--subdistricts", str(DEMO / "subdistricts.geojson"),
                 "--reach", str(reach_out), "--out", str(out)])
    assert code == 0
    cli = pd.read_csv(out, dtype=str, keep_default_na=False)
    api = plan.compliance.table.astype(str).replace({"nan": "", "None": "", "<NA>": ""})
    reach_rows = {ind.id for ind in plan.profile.indicators if ind.kind == "reach_share"}
    assert reach_rows, "the profile has indicators computed from reachability"
    keys = ["indicator_id", "unit_type", "unit_id", "category"]
    a = api[api["indicator_id"].isin(reach_rows)].set_index(keys).sort_index()
    c = cli[cli["indicator_id"].isin(reach_rows)].set_index(keys).sort_index()
    assert len(a) == len(c) > 0
    pd.testing.assert_series_equal(a["status"], c["status"], check_names=False)
    np.testing.assert_allclose(pd.to_numeric(a["value"], errors="coerce"), pd.to_numeric(c["value"], errors="coerce"),
                               rtol=1e-9, equal_nan=True)


def test_elderly_categories_are_judged_by_the_network_limits_everywhere(plan):
    """老年助餐点 and the 街道 centre: one walking limit (m) in the reach columns, the coverage
    table's two speed columns and the elderly-care network (before: 1,000 m, 700 m and 500 m)."""
    from gis_planner.report.model import build_report

    std = plan.elderly.standard
    hh = plan.reach.households
    budgets = plan.profile.category_budgets(elderly_standard=std)
    checked = 0
    for level in std.levels:
        for cat in level.categories:
            if cat not in plan.reach.categories:
                continue
            limit = level.walk_limit_m.value
            assert plan.parameters.limit_m(cat) == pytest.approx(limit), cat
            assert budgets.loc[cat, "distance_m"] == pytest.approx(limit), cat
            dist = hh[f"{cat}_dist_m"].astype(float)
            assert hh[f"{cat}_covered"].astype(bool).equals(dist <= limit + 1e-9), cat
            checked += 1
    assert checked >= 3  # day care, meal point, 街道 centre
    assert plan.parameters.limit_m("meal_point") == pytest.approx(500.0)
    rep = build_report(plan, lang="zh")
    sec = next(s for s in rep.sections if s.key == "coverage")
    frame = sec.tables[0].frame.set_index("设施类别")
    assert frame.loc["老年助餐点", "服务半径（米）"] in (500, "500")
    speed_cols = [c for c in frame.columns if "km/h" in c]
    assert all("养老服务设施网络 500 m" in frame.at["老年助餐点", c] for c in speed_cols)
    assert any("口径一致" in p and "老年助餐点 500 米" in p for p in sec.paragraphs)


def test_a_plans_elderly_standard_sets_the_elderly_limits():
    """A planner's own elderly-care standard (here: meal points within 400 m) changes the limit
    of the category in the run's walking assumptions, with its source; a category the profile
    itself gives a radius (day care: GB 50180 300 m) keeps the profile's."""
    import dataclasses

    from gis_planner.coverage.parameters import resolve_reach_parameters
    from gis_planner.policy.elderly import load_elderly_standard

    std = load_elderly_standard()
    levels = tuple(dataclasses.replace(lv, walk_limit_m=dataclasses.replace(lv.walk_limit_m, value=400.0))
                   if lv.id == "meal_point" else lv for lv in std.levels)
    own = dataclasses.replace(std, levels=levels)
    shipped = resolve_reach_parameters("taizhou-2023")
    params = resolve_reach_parameters("taizhou-2023", elderly_standard=own)
    assert shipped.limit_m("meal_point") == pytest.approx(500.0)
    assert params.limit_m("meal_point") == pytest.approx(400.0)
    assert "meal_point" in params.sources["category_minutes.meal_point"]
    assert params.limit_m("subdistrict_elderly_centre") == pytest.approx(700.0)
    assert params.limit_m("elderly_day_care") == pytest.approx(300.0)
    at_slow = params.at_speed(3.2, source="test")  # a distance limit keeps its metres
    assert at_slow.limit_m("meal_point") == pytest.approx(400.0)


def test_the_plans_elderly_standard_file_reaches_the_walking_assumptions(tmp_path):
    """``[elderly] standard = FILE``: the file's level limits serve the run's reach columns too."""
    import dataclasses

    from _standard_files import levels_toml

    from gis_planner.pipeline import plan_reach_parameters

    own = tmp_path / "own_elderly.toml"
    own.write_text(levels_toml({2: "450"}), encoding="utf-8")  # the meal point's level
    cfg = read_plan_config(DEMO / "plan.toml")
    assert plan_reach_parameters(cfg).limit_m("meal_point") == pytest.approx(500.0)
    cfg = dataclasses.replace(cfg, elderly={**cfg.elderly, "standard": own})
    assert plan_reach_parameters(cfg).limit_m("meal_point") == pytest.approx(450.0)

