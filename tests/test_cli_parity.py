"""The command line reads what the API reads: noded centre-lines, several facility files, the
compounds' own id column, the output CRS, a planner's own categories, and every run that reads
facilities writes their audit."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from gis_planner import categories, io
from gis_planner._errors import InputDataError
from gis_planner.cli import main
from gis_planner.io import read_network
from gis_planner.pipeline import load_plan_inputs, read_facility_files, read_plan_config

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "docs" / "examples"
#: A point in UTM zone 51N (Taizhou): the toy network's crossing.
X0, Y0 = 500_000.0, 3_600_000.0


@pytest.fixture
def no_declared():
    categories.clear_declared_categories()
    yield
    categories.clear_declared_categories()


@pytest.fixture
def overpass(tmp_path):
    """An overpass: road A (north-south, 200 m) passes over road B (east-west, 200 m) at their
    middles, without a junction; road C (200 m) joins A's north end to B's east end.

    A compound at A's south end, a kindergarten at B's west end. Split at the crossing, the walk
    is 100 + 100 = 200 m (inside the 300 m limit); with the overpass kept, it goes round
    A (200 m), C (200 m) and B (200 m): 600 m (outside).
    """
    lines = [shapely.LineString([(X0, Y0 - 100), (X0, Y0 + 100)]),
             shapely.LineString([(X0 - 100, Y0), (X0 + 100, Y0)]),
             shapely.LineString([(X0, Y0 + 100), (X0 + 100, Y0 + 100), (X0 + 100, Y0)])]
    roads = gpd.GeoDataFrame({"highway": ["residential", "primary", "residential"]}, geometry=lines,
                             crs="EPSG:32651")
    roads.to_file(tmp_path / "roads.gpkg", driver="GPKG")
    homes = gpd.GeoDataFrame({"compound_id": ["H1"], "households": [120]},
                             geometry=[shapely.Point(X0, Y0 - 100)], crs="EPSG:32651")
    homes.to_file(tmp_path / "homes.gpkg", driver="GPKG")
    shops = gpd.GeoDataFrame({"facility_id": ["K1"], "name": ["幼儿园"], "category": ["kindergarten"]},
                             geometry=[shapely.Point(X0 - 100, Y0)], crs="EPSG:32651")
    shops.to_file(tmp_path / "kindergartens.gpkg", driver="GPKG")
    return tmp_path


def _reach(folder: Path, out: str, *extra: str) -> gpd.GeoDataFrame:
    code = main(["reach", "--network", str(folder / "roads.gpkg"), "--households", str(folder / "homes.gpkg"),
                 "--facilities", str(folder / "kindergartens.gpkg"), "--out", str(folder / out), *extra])
    assert code == 0
    return gpd.read_file(folder / out, layer="households")


def test_noded_keeps_an_overpass_a_crossing(overpass):
    split = _reach(overpass, "split.gpkg")
    kept = _reach(overpass, "noded.gpkg", "--noded")
    assert split["kindergarten_dist_m"].iloc[0] == pytest.approx(200.0, abs=0.01)
    assert kept["kindergarten_dist_m"].iloc[0] == pytest.approx(600.0, abs=0.01)
    assert bool(split["kindergarten_covered"].iloc[0]) and not bool(kept["kindergarten_covered"].iloc[0])


def test_read_network_noded_keyword(overpass):
    roads = overpass / "roads.gpkg"
    noded = read_network(roads, noded=True)
    split = read_network(roads)
    assert noded.build_report["noded_at_crossings"] is False and split.build_report["noded_at_crossings"] is True
    assert (noded.n_edges, split.n_edges) == (3, 5)
    assert read_network(roads, node_intersections=False).n_edges == 3
    with pytest.raises(InputDataError, match=r"roads\.gpkg: noded=True and node_intersections=True contradict"):
        read_network(roads, noded=True, node_intersections=True)


def _plan(folder: Path, inputs: str, top: str = "") -> Path:
    path = folder / "plan.toml"
    path.write_text(f'title = "parity"\nprofile = "gb50180-2018"\n{top}\n[inputs]\n{inputs}', encoding="utf-8")
    return path


def test_plan_noded_reads_the_network_unsplit(overpass):
    base = 'network = "roads.gpkg"\ncompounds = "homes.gpkg"\nfacilities = "kindergartens.gpkg"\n'
    cfg = read_plan_config(_plan(overpass, base + "noded = true\n"))
    assert cfg.noded is True
    assert load_plan_inputs(cfg).network.n_edges == 3
    assert load_plan_inputs(read_plan_config(_plan(overpass, base))).network.n_edges == 5
    with pytest.raises(InputDataError, match=r"plan\.toml: inputs\.noded = 'yes'; expected true"):
        read_plan_config(_plan(overpass, base + 'noded = "yes"\n'))


def test_several_facility_files_with_own_categories(demo_dir, tmp_path, no_declared, capsys):
    out = tmp_path / "reach.gpkg"
    code = main(["reach", "--network", str(demo_dir / "roads.geojson"),
                 "--households", str(demo_dir / "compounds.geojson"), "--coords", "wgs84",
                 "--facilities", str(demo_dir / "facilities.csv"), "--facility-coords", "gcj02",
                 "--facilities", str(EXAMPLES / "canteens.csv"), "--facility-coords", "wgs84",
                 "--categories", str(EXAMPLES / "my_categories.csv"), "--lang", "en", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    audit = pd.read_csv(tmp_path / "reach_facility_audit.csv", encoding="utf-8-sig", dtype=str)
    n_demo = len(pd.read_csv(demo_dir / "facilities.csv", encoding="gbk"))
    assert audit["source_file"].value_counts().to_dict() == {"facilities.csv": n_demo, "canteens.csv": 3}
    assert audit["facility_id"].is_unique and {"K01", "K02", "K03"} <= set(audit["facility_id"])
    fac = gpd.read_file(out, layer="facilities")
    assert (fac.loc[fac["source_file"] == "canteens.csv", "category"].tolist()
            == ["community_canteen", "community_canteen", "ev_charger"])
    summary = pd.read_csv(tmp_path / "reach_summary.csv", encoding="utf-8-sig").set_index("category")
    assert summary.loc["community_canteen", "limit_m"] == pytest.approx(500.0)  # radius_m of the table
    assert summary.loc["ev_charger", "limit_m"] == pytest.approx(10 / 60 * 4000)  # 10 min at 4 km/h
    assert summary.loc["community_canteen", "category_zh"] == "社区食堂"
    printed = capsys.readouterr().out
    assert "Community canteen" in printed and "EV charging point" in printed
    # the run's categories last as long as the run
    assert "community_canteen" not in categories.known_categories()


def test_clashing_ids_are_prefixed_with_the_file_name(tmp_path):
    shutil.copy(EXAMPLES / "canteens.csv", tmp_path / "north.csv")
    shutil.copy(EXAMPLES / "canteens.csv", tmp_path / "south.csv")
    categories.clear_declared_categories()
    try:
        io.declare_categories(EXAMPLES / "my_categories.csv")
        fac, audit = read_facility_files([tmp_path / "north.csv", tmp_path / "south.csv"], source_coords="wgs84")
        assert list(fac.index[:2]) == ["north:K01", "north:K02"] and "south:K03" in fac.index
        assert audit.index.is_unique and len(audit) == 6
        (tmp_path / "b").mkdir()
        shutil.copy(EXAMPLES / "canteens.csv", tmp_path / "b" / "north.csv")
        with pytest.raises(InputDataError, match=r"occur in more than one file and the files share the name 'north'"):
            read_facility_files([tmp_path / "north.csv", tmp_path / "b" / "north.csv"], source_coords="wgs84")
        with pytest.raises(InputDataError, match=r"north\.csv: facility file given twice"):
            read_facility_files([tmp_path / "north.csv", tmp_path / "north.csv"], source_coords="wgs84")
        with pytest.raises(InputDataError, match="3 facility coordinate systems for 2 facility files"):
            read_facility_files([tmp_path / "north.csv", tmp_path / "south.csv"],
                                source_coords=["wgs84", "wgs84", "gcj02"])
    finally:
        categories.clear_declared_categories()


def test_facility_coords_count_must_fit(demo_dir, tmp_path, capsys):
    out = tmp_path / "reach.gpkg"
    code = main(["reach", "--network", str(demo_dir / "roads.geojson"),
                 "--households", str(demo_dir / "compounds.geojson"), "--coords", "wgs84",
                 "--facilities", str(demo_dir / "facilities.csv"), "--facilities", str(EXAMPLES / "canteens.csv"),
                 "--facilities", str(demo_dir / "candidates.csv"),
                 "--facility-coords", "gcj02", "--facility-coords", "wgs84", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "2 values for 3 --facilities files" in err and "Traceback" not in err
    assert not out.exists()


def test_plan_lists_facility_files_ids_categories_and_out_crs(demo_dir, tmp_path, no_declared):
    inputs = (f'network = "{demo_dir / "roads.geojson"}"\ncompounds = "{demo_dir / "compounds.geojson"}"\n'
              f'facilities = ["{demo_dir / "facilities.csv"}", "{EXAMPLES / "canteens.csv"}"]\n'
              'facilities_coords = ["gcj02", "wgs84"]\n'
              f'categories = "{EXAMPLES / "my_categories.csv"}"\ncompounds_id_col = "compound_id"\n')
    cfg = read_plan_config(_plan(tmp_path, inputs, top='out_crs = "cgcs2000"'))
    assert [f.name for f in cfg.facility_files] == ["facilities.csv", "canteens.csv"]
    assert cfg.facility_coords == ("gcj02", "wgs84") and cfg.inputs["facilities"].name == "facilities.csv"
    assert (cfg.id_col, cfg.out_crs) == ("compound_id", "cgcs2000")
    loaded = load_plan_inputs(cfg)
    assert set(loaded.facilities["source_file"]) == {"facilities.csv", "canteens.csv"}
    assert "community_canteen" in set(loaded.facilities["category"])
    assert set(loaded.facility_audit["source_file"]) == {"facilities.csv", "canteens.csv"}
    assert loaded.sources["facilities"] == "facilities.csv, canteens.csv"
    bad = inputs.replace('facilities_coords = ["gcj02", "wgs84"]', 'facilities_coords = ["gcj02"]')
    with pytest.raises(InputDataError, match=r"inputs\.facilities_coords = \['gcj02'\]; expected one coordinate "
                                             r"system for all facility files or a list of 2"):
        read_plan_config(_plan(tmp_path, bad))
    with pytest.raises(InputDataError, match=r"out_crs 'nowhere' is not a coordinate system"):
        read_plan_config(_plan(tmp_path, inputs, top='out_crs = "nowhere"'))
    with pytest.raises(InputDataError, match=r"inputs\.facilities\[1\] = 'missing\.csv': file not found"):
        read_plan_config(_plan(tmp_path, inputs.replace(str(EXAMPLES / "canteens.csv"), "missing.csv")))


def test_id_col_and_out_crs(demo_dir, tmp_path, capsys):
    homes = gpd.read_file(demo_dir / "compounds.geojson")
    homes = homes.rename(columns={"compound_id": "小区代号"})
    homes["小区代号"] = "X-" + homes["小区代号"]
    homes.to_file(tmp_path / "homes.gpkg", driver="GPKG")
    common = ["reach", "--network", str(demo_dir / "roads.geojson"), "--households", str(tmp_path / "homes.gpkg"),
              "--facilities", str(demo_dir / "facilities.csv"), "--facility-coords", "gcj02",
              "--id-col", "小区代号", "--no-service-areas"]
    assert main([*common, "--out-crs", "cgcs2000", "--out", str(tmp_path / "a.gpkg")]) == 0
    layer = gpd.read_file(tmp_path / "a.gpkg", layer="households")
    assert layer.crs.to_epsg() == 4490 and layer["compound_id"].str.startswith("X-").all()
    assert gpd.read_file(tmp_path / "a.gpkg", layer="facilities").crs.to_epsg() == 4490
    assert main([*common, "--out-crs", "input", "--out", str(tmp_path / "b.gpkg")]) == 0
    back = gpd.read_file(tmp_path / "b.gpkg", layer="households")
    assert back.crs.to_epsg() == 4326
    assert shapely.equals_exact(back.geometry.to_numpy(), homes.geometry.to_numpy(), tolerance=1e-7).all()
    capsys.readouterr()
    assert main([*common, "--out-crs", "EPSG:999999", "--out", str(tmp_path / "c.gpkg")]) == 2
    err = capsys.readouterr().err.strip()
    assert "--out-crs" in err and "EPSG:999999" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "c.gpkg").exists()


def test_every_facility_reading_command_writes_the_audit(demo_dir, tmp_path):
    fac = ["--facilities", str(demo_dir / "facilities.csv"), "--facility-coords", "gcj02"]
    out = tmp_path / "communities.gpkg"
    assert main(["communities", "--communities", str(demo_dir / "communities.geojson"),
                 "--compounds", str(demo_dir / "compounds.geojson"), "--coords", "wgs84", *fac,
                 "--out", str(out)]) == 0
    assert (tmp_path / "communities_facility_audit.csv").is_file()
    check = tmp_path / "check.csv"
    assert main(["check", "--profile", "taizhou-2023", "--communities", str(demo_dir / "communities.geojson"),
                 *fac, "--facilities", str(EXAMPLES / "canteens.csv"), "--facility-coords", "wgs84",
                 "--categories", str(EXAMPLES / "my_categories.csv"), "--out", str(check)]) == 0
    audit = pd.read_csv(tmp_path / "check_facility_audit.csv", encoding="utf-8-sig")
    assert set(audit["source_file"]) == {"facilities.csv", "canteens.csv"}
    # the audit is an output like any other: an existing one is refused without --overwrite
    assert main(["check", "--profile", "taizhou-2023", "--communities", str(demo_dir / "communities.geojson"),
                 *fac, "--out", str(tmp_path / "check.xlsx")]) == 2
    assert not (tmp_path / "check.xlsx").exists()
    assert main(["site", "--network", str(demo_dir / "roads.geojson"),
                 "--households", str(demo_dir / "compounds.geojson"), "--coords", "wgs84",
                 "--candidates", str(demo_dir / "candidates.csv"), *fac, "--category", "wet_market",
                 "--sites", "1", "--out", str(tmp_path / "site.gpkg")]) == 0
    kept = pd.read_csv(tmp_path / "site_facility_audit.csv", encoding="utf-8-sig")
    assert len(kept) == len(pd.read_csv(demo_dir / "facilities.csv", encoding="gbk"))
    assert set(kept["status"]) >= {"kept"}


def test_report_reads_the_plans_options_and_writes_the_audit(demo_dir, tmp_path, no_declared, capsys):
    """A plan with two facility files, own categories, noded centre-lines and out_crs; the
    command line's --out-crs overrides the plan's."""
    inputs = (f'network = "{demo_dir / "roads.geojson"}"\ncompounds = "{demo_dir / "compounds.geojson"}"\n'
              f'facilities = ["{demo_dir / "facilities.csv"}", "{EXAMPLES / "canteens.csv"}"]\n'
              'facilities_coords = ["gcj02", "wgs84"]\n'
              f'categories = "{EXAMPLES / "my_categories.csv"}"\nnoded = true\n'
              f'candidates = "{demo_dir / "candidates.csv"}"\ncandidates_coords = "wgs84"\n'
              "[siting]\nelderly_per_subdistrict = 0\nmclp_sites = 1\n")
    plan = _plan(tmp_path, inputs, top='out_crs = "input"')
    out = tmp_path / "out"
    assert main(["report", "--config", str(plan), "--out", str(out), "--lang", "en",
                 "--out-crs", "cgcs2000"]) == 0, capsys.readouterr().err
    from gis_planner.report import OUTPUT_FILES

    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)
    assert gpd.read_file(out / "results.gpkg", layer="households").crs.to_epsg() == 4490
    audit = pd.read_csv(out / "facility_audit.csv", encoding="utf-8-sig", dtype=str)
    assert set(audit["source_file"]) == {"facilities.csv", "canteens.csv"}
    assert "Community canteen" in (out / "report.md").read_text(encoding="utf-8")
    assert "Community canteen" in capsys.readouterr().out
