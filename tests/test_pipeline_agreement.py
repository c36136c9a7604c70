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
