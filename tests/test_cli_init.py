"""``gis-planner init``: a commented plan.toml guessed from the files in a folder."""

from __future__ import annotations

import shutil
import tomllib

import pandas as pd
import pytest

from gis_planner.cli import main
from gis_planner.io.coords import wgs84_to_gcj02
from gis_planner.io.survey import survey_folder
from gis_planner.pipeline import read_plan_config


@pytest.fixture
def demo_copy(demo_dir, tmp_path):
    """The demo town's files without its plan.toml."""
    folder = tmp_path / "town"
    shutil.copytree(demo_dir, folder, ignore=shutil.ignore_patterns("plan.toml"))
    return folder


def test_init_guesses_the_demo_plan_and_report_runs_on_it(demo_copy, tmp_path, capsys):
    assert main(["init", str(demo_copy)]) == 0
    plan = demo_copy / "plan.toml"
    cfg = read_plan_config(plan)
    assert {k: v.name for k, v in cfg.inputs.items()} == {
        "network": "roads.geojson", "compounds": "compounds.geojson", "gates": "gates.csv",
        "facilities": "facilities.csv", "communities": "communities.geojson",
        "subdistricts": "subdistricts.geojson", "candidates": "candidates.csv",
        "attributes": "community_attributes.csv"}
    # the demo declares its Amap-style facilities GCJ-02 and the rest WGS-84
    assert cfg.coords["facilities"] == "gcj02"
    assert cfg.coords["gates"] == cfg.coords["candidates"] == "wgs84"
    text = plan.read_text(encoding="utf-8")
    assert "CHECK facilities_coords" in text and "cannot be told apart" in text
    assert '"spaces.csv"' in text and "gis-planner centres" in text  # other files are listed
    out = capsys.readouterr()
    assert "facilities.csv" in out.out and "gcj02" in out.out and "CHECK" in out.err
    assert main(["report", "--config", str(plan), "--out", str(tmp_path / "report")]) == 0
    assert (tmp_path / "report" / "results.gpkg").is_file()


def test_init_never_overwrites_without_the_option(demo_copy, capsys):
    assert main(["init", str(demo_copy)]) == 0
    plan = demo_copy / "plan.toml"
    plan.write_text("# my own edits\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["init", str(demo_copy)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert plan.read_text(encoding="utf-8") == "# my own edits\n"
    assert main(["init", str(demo_copy), "--overwrite"]) == 0
    assert read_plan_config(plan).inputs["network"].name == "roads.geojson"


def test_a_plan_written_elsewhere_names_the_files_relative_to_itself(demo_copy, tmp_path):
    plan = tmp_path / "plans" / "town.toml"
    assert main(["init", str(demo_copy), "--out", str(plan)]) == 0
    doc = tomllib.loads(plan.read_text(encoding="utf-8"))
    assert doc["inputs"]["network"] == "../town/roads.geojson"
    assert read_plan_config(plan).inputs["compounds"] == (demo_copy / "compounds.geojson").resolve()
    assert main(["init", str(demo_copy), "--out", str(tmp_path / "plan.txt")]) == 2


def test_hostile_file_names_stay_strings(demo_dir, tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    evil = 'roads" [siting] mclp_sites = 99 #\\.geojson'
    unreadable = 'streets"\n[siting]\nmclp_sites = 99\n#.geojson'  # GDAL cannot open it
    shutil.copy(demo_dir / "roads.geojson", folder / evil)
    shutil.copy(demo_dir / "roads.geojson", folder / unreadable)
    shutil.copy(demo_dir / "compounds.geojson", folder / "compounds.geojson")
    shutil.copy(demo_dir / "facilities.csv", folder / "facilities.csv")
    assert main(["init", str(folder)]) == 0
    cfg = read_plan_config(folder / "plan.toml")
    assert cfg.inputs["network"].name == evil and cfg.siting == {}
    assert "Files that could not be read" in (folder / "plan.toml").read_text(encoding="utf-8")


def test_missing_required_inputs_are_named(demo_dir, tmp_path, capsys):
    folder = tmp_path / "f"
    folder.mkdir()
    shutil.copy(demo_dir / "gates.csv", folder / "gates.csv")
    assert main(["init", str(folder)]) == 0
    err = capsys.readouterr().err
    assert "missing: network, compounds, facilities" in err
    assert "# network: no file found (required: fill it in)" in (folder / "plan.toml").read_text("utf-8")
    assert main(["init", str(tmp_path / "nowhere")]) == 2


def test_coordinate_system_named_by_columns_or_file_name(demo_dir, tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    gates = pd.read_csv(demo_dir / "gates.csv", dtype=str)
    gates.rename(columns={"lng": "gcj02_lng", "lat": "gcj02_lat"}).to_csv(folder / "gates.csv", index=False)
    shutil.copy(demo_dir / "candidates.csv", folder / "candidates_baidu.csv")
    found = {g.role: g for g in survey_folder(folder)}
    assert found["gates"].coords == "gcj02" and "gcj02_lng" in found["gates"].coords_reason
    assert found["candidates"].coords == "bd09" and "baidu" in found["candidates"].coords_reason


def test_gcj02_points_are_caught_by_the_alignment_test(tmp_path):
    """A sparse street grid (roads 1 km apart near 泰州) and gates on its roads, stored shifted
    WGS-84 -> GCJ-02 (as an Amap export holds them) under neutral names: only their distance
    to the roads tells. Read as WGS-84 they lie a median ~200-400 m off, as GCJ-02 on them."""
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import LineString

    lon0, lat0, step = 119.90, 32.44, 0.01
    lines = [LineString([(lon0, lat0 + k * step), (lon0 + 3 * step, lat0 + k * step)]) for k in range(4)]
    lines += [LineString([(lon0 + k * step, lat0), (lon0 + k * step, lat0 + 3 * step)]) for k in range(4)]
    folder = tmp_path / "f"
    folder.mkdir()
    gpd.GeoDataFrame({"name": [f"路{k}" for k in range(8)]}, geometry=lines, crs=4326).to_file(
        folder / "lines.geojson", driver="GeoJSON")
    t = np.linspace(0.05, 0.95, 30)
    lon = np.concatenate([lon0 + 3 * step * t, np.full(30, lon0 + step)])
    lat = np.concatenate([np.full(30, lat0 + step), lat0 + 3 * step * t])
    glon, glat = wgs84_to_gcj02(lon, lat)
    pd.DataFrame({"gate_id": [f"G{i}" for i in range(60)], "compound_id": "C1",
                  "lng": glon, "lat": glat}).to_csv(folder / "points.csv", index=False)
    g = next(x for x in survey_folder(folder) if x.role == "gates")
    assert g.coords == "gcj02" and "alignment test" in g.coords_reason
    # the same points unshifted stay WGS-84
    pd.DataFrame({"gate_id": [f"G{i}" for i in range(60)], "compound_id": "C1",
                  "lng": lon, "lat": lat}).to_csv(folder / "points.csv", index=False)
    g = next(x for x in survey_folder(folder) if x.role == "gates")
    assert g.coords == "wgs84" and "does not bring them closer" in g.coords_reason
