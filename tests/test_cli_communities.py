"""``gis-planner communities``: outputs, option errors, refusal to overwrite."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from gis_planner.cli import main

CRS = 32650
X0, Y0 = 500_000.0, 3_600_000.0  # a UTM zone 50N position (about 117°E, 32.5°N)


@pytest.fixture
def files(tmp_path):
    """K1 4 x 1200 = 4800 (too large: split 2400 + 2400) beside K2 4 x 600 = 2400, written as
    GeoPackages in EPSG:32650, and one gate (of compound C00, inside K1)."""
    com = gpd.GeoDataFrame(
        {"community_code": ["K1", "K2"], "name": ["一社区", "二社区"],
         "subdistrict_code": ["S1", "S1"]},
        geometry=[shapely.box(X0 + 400 * i, Y0, X0 + 400 * (i + 1), Y0 + 400) for i in range(2)],
        crs=CRS)
    rows = []
    for i, h in enumerate([1200, 600]):
        for j in range(4):
            x = X0 + 400 * i + 50 + (j % 2) * 200
            y = Y0 + 50 + (j // 2) * 200
            rows.append({"compound_id": f"C{i}{j}", "households": h,
                         "geometry": shapely.box(x, y, x + 100, y + 100)})
    homes = gpd.GeoDataFrame(rows, crs=CRS)
    gates = gpd.GeoDataFrame({"gate_id": ["G1"], "compound_id": ["C00"]},
                             geometry=[shapely.Point(X0 + 100, Y0 + 50)], crs=CRS)
    paths = {k: tmp_path / f"{k}.gpkg" for k in ("communities", "compounds", "gates")}
    com.to_file(paths["communities"])
    homes.to_file(paths["compounds"])
    gates.to_file(paths["gates"])
    return paths


def run(files, out, *extra):
    return main(["communities", "--communities", str(files["communities"]),
                 "--compounds", str(files["compounds"]), "--out", str(out), *extra])


def test_writes_layers_and_tables(files, tmp_path, capsys):
    out = tmp_path / "res.gpkg"
    assert run(files, out, "--gates", str(files["gates"]), "--assign", "gate") == 0
    printed = capsys.readouterr().out
    assert "split" in printed and "assigned by gate" in printed
    assert "distances: straight line" in printed
    cur = gpd.read_file(out, layer="communities_current")
    prop = gpd.read_file(out, layer="communities_proposed")
    comp = gpd.read_file(out, layer="compounds")
    assert cur.set_index("community_code")["status"].to_dict() == {"K1": "too_large",
                                                                   "K2": "within_band"}
    assert sorted(prop["households"]) == [2400, 2400, 2400]
    assert comp["households"].sum() == 7200 and comp["moved"].sum() == 2
    table = pd.read_csv(tmp_path / "res_table.csv", dtype={"community_code": str})
    changes = pd.read_csv(tmp_path / "res_changes.csv", dtype={"community_code": str})
    assert table["status"].tolist() == ["too_large", "within_band"]
    assert changes.set_index("community_code").loc["K1", "action"] == "split"
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary files left


def test_refuses_to_overwrite_and_bad_options(files, tmp_path, capsys):
    out = tmp_path / "res.gpkg"
    assert run(files, out) == 0
    before = out.stat().st_mtime_ns
    assert run(files, out) == 2
    assert "exists; pass --overwrite" in capsys.readouterr().err
    assert out.stat().st_mtime_ns == before
    assert run(files, out, "--overwrite") == 0
    assert run(files, tmp_path / "x.gpkg", "--assign", "nearest") == 2
    assert run(files, tmp_path / "x.gpkg", "--assign", "gate") == 2
    assert "--assign gate needs --gates" in capsys.readouterr().err
    assert run(files, files["compounds"], "--overwrite") == 2  # never writes over an input
    assert not (tmp_path / "x.gpkg").exists()


def test_demo_town_cli(demo_dir, tmp_path, capsys):
    if not (demo_dir / "compounds.geojson").exists():
        pytest.skip("the demo town is not generated")
    out = tmp_path / "demo.gpkg"
    rc = main(["communities", "--communities", str(demo_dir / "communities.geojson"),
               "--compounds", str(demo_dir / "compounds.geojson"),
               "--gates", str(demo_dir / "gates.csv"), "--coords", "wgs84", "--assign", "gate",
               "--attributes", str(demo_dir / "community_attributes.csv"), "--out", str(out)])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "C073 alone holds 5,301 households" in printed and "[no feasible proposal]" in printed
    table = pd.read_csv(tmp_path / "demo_table.csv", dtype={"community_code": str})
    assert {"service_area_ok", "community_workers_ok"} <= set(table.columns)
    # 和平社区 is the planted service-area failure of the attribute table
    assert not table.set_index("name").loc["和平社区", "service_area_ok"]
