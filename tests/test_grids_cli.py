"""``gis-planner grids`` on the demo town, plus option errors and the refusal to overwrite."""

from __future__ import annotations

import contextlib
import io

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from gis_planner.cli import main


@pytest.fixture(scope="module")
def demo_run(demo_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("grids") / "out"
    d = demo_dir
    args = ["grids", "--communities", str(d / "communities.geojson"),
            "--compounds", str(d / "compounds.geojson"),
            "--buildings", str(d / "buildings.geojson"), "--network", str(d / "roads.geojson"),
            "--audit", str(d / "existing_grids.geojson"),
            "--departments", str(d / "police_grids.geojson"), "--department-code", "police_grid",
            "--time-limit-s", "3", "--out", str(out)]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(args)
    return args, out, code, printed.getvalue()


def test_demo_writes_grids_micro_grids_audit_and_crosswalk(demo_run, demo_dir):
    _args, out, code, printed = demo_run
    assert code == 0
    for name in ("grids.gpkg", "grids.geojson", "micro_grids.geojson", "grids.csv",
                 "micro_grids.csv", "grid_summary.csv", "audit.csv", "audit_grids.csv",
                 "crosswalk.csv", "crosswalk_pairs.csv", "grids.xlsx"):
        assert (out / name).is_file(), name
    homes = gpd.read_file(demo_dir / "compounds.geojson")
    grids = gpd.read_file(out / "grids.gpkg", layer="grids")
    micro = gpd.read_file(out / "grids.gpkg", layer="micro_grids")
    total = int(homes["households"].sum())
    assert int(grids["households"].sum()) == total == int(micro["households"].sum())
    assert grids["grid_code"].str.len().eq(14).all()  # 12-digit community code + 2
    assert set(grids["community_code"]) == set(homes["community_code"])
    assert {"subsistence_allowance", "left_behind_children", "community_correction"} \
        <= set(grids.columns)
    assert int(grids["elderly_alone"].sum()) > 0
    assert gpd.read_file(out / "grids.geojson").crs.to_epsg() == 4326
    audit = pd.read_csv(out / "audit.csv", encoding="utf-8-sig").set_index("check")["failing"]
    assert audit["nesting"] == 1 and audit["overlaps"] == 1 and audit["workers"] == 1
    assert audit["gaps"] >= 1
    walk = pd.read_csv(out / "crosswalk.csv", encoding="utf-8-sig")
    assert {"1:n", "broken"} <= set(walk["class"])
    sheets = pd.read_excel(out / "grids.xlsx", sheet_name=None)
    assert {"grid_summary", "grids", "micro_grids", "grid_settings", "audit_summary",
            "crosswalk"} <= set(sheets)
    assert "audit: band" in printed and "crosswalk:" in printed and "distances: network" in printed


def test_refuses_to_overwrite(demo_run, capsys):
    args, _out, _code, _printed = demo_run
    assert main(args) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_help_ends_with_a_runnable_demo_example(capsys):
    assert main(["grids", "--help"]) == 0
    text = capsys.readouterr().out
    description = text.split("Options")[0]
    assert "$ gis-planner grids --communities data/demo/communities.geojson" in description
    assert description.rstrip().endswith("--out grids_out")


@pytest.fixture
def small(tmp_path):
    com = gpd.GeoDataFrame({"community_code": ["K1"], "name": ["一社区"]},
                           geometry=[shapely.box(500_000, 3_600_000, 500_400, 3_600_400)],
                           crs=32650)
    homes = gpd.GeoDataFrame({"compound_id": ["A", "B"], "households": [350, 400]},
                             geometry=[shapely.box(500_010, 3_600_010, 500_190, 3_600_390),
                                       shapely.box(500_210, 3_600_010, 500_390, 3_600_390)],
                             crs=32650)
    paths = {"communities": tmp_path / "com.gpkg", "compounds": tmp_path / "homes.gpkg"}
    com.to_file(paths["communities"])
    homes.to_file(paths["compounds"])
    return paths


def test_small_run_and_overwrite(small, tmp_path):
    out = tmp_path / "out"
    args = ["grids", "--communities", str(small["communities"]), "--compounds",
            str(small["compounds"]), "--no-micro", "--out", str(out)]
    assert main(args) == 0
    grids = gpd.read_file(out / "grids.gpkg", layer="grids")
    assert sorted(grids["households"]) == [350, 400]
    assert main([*args, "--overwrite", "--grid-max", "800", "--grid-min", "700"]) == 0
    grids = gpd.read_file(out / "grids.gpkg", layer="grids")
    assert grids["households"].tolist() == [750]


def test_errors_are_one_line_with_exit_2(small, tmp_path, capsys):
    base = ["grids", "--communities", str(small["communities"]), "--out", str(tmp_path / "o")]
    assert main([*base, "--compounds", str(tmp_path / "missing.gpkg")]) == 2
    err = capsys.readouterr().err
    assert "missing.gpkg" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert main([*base, "--compounds", str(small["compounds"]), "--scheduler",
                 "tcp://127.0.0.1:1"]) == 2
    assert "--dask" in capsys.readouterr().err
    assert main([*base, "--compounds", str(small["compounds"]), "--grid-min", "900"]) == 2
    assert "min <= max" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_dask_run_equals_the_single_process_run(small, tmp_path):
    pytest.importorskip("dask.distributed")
    base = ["grids", "--communities", str(small["communities"]), "--compounds",
            str(small["compounds"]), "--no-micro"]
    assert main([*base, "--out", str(tmp_path / "one")]) == 0
    assert main([*base, "--dask", "--workers", "1", "--out", str(tmp_path / "dask")]) == 0
    one = gpd.read_file(tmp_path / "one" / "grids.gpkg", layer="grids")
    dask = gpd.read_file(tmp_path / "dask" / "grids.gpkg", layer="grids")
    pd.testing.assert_frame_equal(one.drop(columns="geometry"), dask.drop(columns="geometry"))
    assert one.geometry.geom_equals_exact(dask.geometry, 0).all()
