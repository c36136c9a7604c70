"""Determinism: the same inputs give byte-identical tables and the same chosen sites, run to run.

Text outputs (CSV, Markdown, report.html, map.html) are compared byte for byte. Three formats
carry the time they were written, by their specification, and are compared by content instead:
``.xlsx`` and ``.docx`` (``docProps/core.xml`` created/modified and the zip entries' dates) and
GeoPackage (``gpkg_contents.last_change``). See docs/robustness.md.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from gis_planner.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::gis_planner._errors.GisPlannerWarning")


def _run(args: list) -> None:
    assert main([str(a) for a in args]) == 0


def _same_layers(a: Path, b: Path) -> None:
    layers_a = [name for name, _ in pyogrio.list_layers(a)]
    assert layers_a == [name for name, _ in pyogrio.list_layers(b)]
    for layer in layers_a:
        pd.testing.assert_frame_equal(gpd.read_file(a, layer=layer), gpd.read_file(b, layer=layer))


def _zip_parts(path: Path) -> dict[str, bytes]:
    """The parts of an Office file, without the time-stamped core properties."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in sorted(z.namelist()) if n != "docProps/core.xml"}


def test_reach_and_communities_tables_are_byte_identical(demo_dir, tmp_path, capsys):
    for run in ("a", "b"):
        _run(["reach", "--network", demo_dir / "roads.geojson", "--households", demo_dir / "compounds.geojson",
              "--gates", demo_dir / "gates.csv", "--facilities", demo_dir / "facilities.csv", "--coords", "wgs84",
              "--facility-coords", "gcj02", "--profile", "taizhou-2023", "--out", tmp_path / run / "reach.gpkg"])
        _run(["communities", "--communities", demo_dir / "communities.geojson", "--compounds",
              demo_dir / "compounds.geojson", "--network", demo_dir / "roads.geojson",
              "--out", tmp_path / run / "communities.gpkg"])
        _run(["site", "--network", demo_dir / "roads.geojson", "--households", demo_dir / "compounds.geojson",
              "--candidates", demo_dir / "candidates.csv", "--coords", "wgs84", "--category", "wet_market",
              "--sites", "3", "--out", tmp_path / run / "sites.gpkg"])
    capsys.readouterr()
    a, b = tmp_path / "a", tmp_path / "b"
    for table in ("reach_summary.csv", "communities_table.csv", "sites.csv"):
        data = (a / table).read_bytes()
        assert len(data) > 100 and data == (b / table).read_bytes(), table
    for layers in ("reach.gpkg", "communities.gpkg", "sites.gpkg"):
        _same_layers(a / layers, b / layers)
    chosen = pd.read_csv(a / "sites.csv", dtype=str)["candidate_id"]
    assert len(chosen) == 3 and chosen.str.startswith("S").all()


def test_plan_outputs_are_identical_run_to_run(demo_dir, tmp_path):
    from gis_planner.pipeline import load_plan_inputs, read_plan_config, run_plan
    from gis_planner.report import write_plan_outputs

    runs = []
    for name in ("a", "b"):
        cfg = read_plan_config(demo_dir / "plan.toml")
        results = run_plan(cfg, load_plan_inputs(cfg))  # everything recomputed from the files
        write_plan_outputs(results, tmp_path / name)
        runs.append(results)
    a, b = tmp_path / "a", tmp_path / "b"
    for text in ("report.md", "report.html", "map.html"):
        assert (a / text).read_bytes() == (b / text).read_bytes(), text
    for office in ("report.xlsx", "report.docx"):
        assert _zip_parts(a / office) == _zip_parts(b / office), office
    _same_layers(a / "results.gpkg", b / "results.gpkg")
    for attr in ("siting_mclp", "siting_elderly"):
        first, second = getattr(runs[0], attr), getattr(runs[1], attr)
        if first is None:
            assert second is None
            continue
        assert list(first.chosen.index) == list(second.chosen.index) and len(first.chosen)
    assert "map_00000000000000000000000000000001" in (a / "map.html").read_text(encoding="utf-8")
