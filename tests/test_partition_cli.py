"""Province-scale commands: convert, reach on GeoParquet stores, communities and report partitioned."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

pytest.importorskip("dask.distributed", reason='needs the province extra: pip install "gis_planner[province]"')

from gis_planner._errors import InputDataError
from gis_planner.cli import main
from gis_planner.partition import partitioned_summary, read_results
from gis_planner.partition.store import layer_crs, read_manifest
from gis_planner.pipeline import read_plan_config


@pytest.fixture(scope="module")
def store(demo_dir, tmp_path_factory):
    """The demo's network, compounds and facilities converted with ``gis-planner convert``."""
    folder = tmp_path_factory.mktemp("store")
    net = folder / "network_edges.parquet"
    assert main(["convert", "--kind", "network", str(demo_dir / "roads.geojson"), "--out", str(net)]) == 0
    assert main(["convert", "--kind", "compounds", str(demo_dir / "compounds.geojson"), "--coords", "wgs84",
                 "--metric-crs", str(net), "--out", str(folder / "households.parquet")]) == 0
    assert main(["convert", "--kind", "facilities", str(demo_dir / "facilities.csv"), "--coords", "gcj02",
                 "--metric-crs", layer_crs(net).to_string(), "--out", str(folder / "facilities.parquet")]) == 0
    return folder


def test_convert_writes_a_store_in_the_network_crs(store, demo_dir, capsys):
    crs = layer_crs(store / "network_edges.parquet")
    assert crs.is_projected
    for name, n in (("households", 144), ("facilities", len(pd.read_csv(demo_dir / "facilities.csv",
                                                                         encoding="gbk")))):
        gdf = gpd.read_parquet(store / f"{name}.parquet")
        assert gdf.crs == crs and len(gdf) == n
    assert "facility_id" in gpd.read_parquet(store / "facilities.parquet").columns


def test_convert_errors_exit_2_and_name_the_problem(store, demo_dir, tmp_path, capsys):
    src = str(demo_dir / "compounds.geojson")
    cases = [
        (["--kind", "roads", src, "--out", str(tmp_path / "a.parquet")], "network, compounds, facilities"),
        (["--kind", "compounds", src, "--coords", "wgs84", "--out", str(tmp_path / "a.parquet")],
         "pass --metric-crs"),
        (["--kind", "compounds", src, "--metric-crs", "4326", "--out", str(tmp_path / "a.parquet")],
         "not projected"),
        (["--kind", "compounds", src, "--metric-crs", "EPSG:99999999", "--out", str(tmp_path / "a.parquet")],
         "not a CRS"),
        (["--kind", "compounds", str(tmp_path / "nope.csv"), "--metric-crs", "32650", "--out",
          str(tmp_path / "a.parquet")], "nope.csv: compounds file not found"),
        (["--kind", "network", src, src, "--out", str(tmp_path / "n")], "give one road file"),
        (["--kind", "compounds", src, "--coords", "wgs84", "--metric-crs", "32650", "--out",
          str(store / "households.parquet")], "exists; pass --overwrite"),
    ]
    for args, message in cases:
        assert main(["convert", *args]) == 2, args
        assert message in capsys.readouterr().err, args
    assert not (tmp_path / "a.parquet").exists()


def test_convert_several_sources_to_a_folder_of_parts(demo_dir, tmp_path, capsys):
    """Pre-split files become part-00000.parquet, …; converting fewer files over it removes the
    parts the earlier conversion left (they would be read as part of the layer)."""
    rows = pd.read_csv(demo_dir / "facilities.csv", encoding="gbk", dtype=str)
    src = [str(tmp_path / f"facilities_{k}.csv") for k in range(3)]
    for k, path in enumerate(src):
        rows.iloc[k::3].to_csv(path, index=False)
    dest = tmp_path / "facilities"
    base = ["convert", "--kind", "facilities", "--coords", "gcj02", "--metric-crs", "32650", "--out", str(dest)]
    assert main([*base[:2], *base[2:], *src]) == 0
    assert sorted(p.name for p in dest.iterdir()) == [f"part-0000{k}.parquet" for k in range(3)]
    assert main([*base, *src[:2]]) == 2  # refused without --overwrite
    assert "exists" in capsys.readouterr().err
    assert main([*base, *src[:2], "--overwrite"]) == 0
    assert sorted(p.name for p in dest.iterdir()) == ["part-00000.parquet", "part-00001.parquet"]
    assert "wrote" in capsys.readouterr().out


def _single_reach(demo_dir, tmp_path):
    out = tmp_path / "single.gpkg"
    assert main(["reach", "--network", str(demo_dir / "roads.geojson"), "--households",
                 str(demo_dir / "compounds.geojson"), "--gates", str(demo_dir / "gates.csv"),
                 "--facilities", str(demo_dir / "facilities.csv"), "--coords", "wgs84",
                 "--facility-coords", "gcj02", "--minutes", "5,10,15", "--no-service-areas",
                 "--out", str(out)]) == 0
    return pd.read_csv(tmp_path / "single_summary.csv", encoding="utf-8-sig"), gpd.read_file(out, layer="households")


def test_reach_on_store_paths_equals_the_single_run(store, demo_dir, tmp_path, capsys):
    """Network and facilities as GeoParquet files, compounds as a folder of two pre-split parts,
    gates as the CSV (checked against the store's compound ids)."""
    want, want_hh = _single_reach(demo_dir, tmp_path)
    homes = gpd.read_file(demo_dir / "compounds.geojson")
    halves = [tmp_path / "north.geojson", tmp_path / "south.geojson"]
    north = homes.geometry.representative_point().y > homes.geometry.representative_point().y.median()
    homes[north].to_file(halves[0])
    homes[~north].to_file(halves[1])
    parts = tmp_path / "households"
    assert main(["convert", "--kind", "compounds", *map(str, halves), "--coords", "wgs84", "--metric-crs",
                 str(store / "network_edges.parquet"), "--out", str(parts)]) == 0
    assert len(list(parts.glob("part-*.parquet"))) == 2
    out = tmp_path / "province_out"
    code = main(["reach", "--network", str(store / "network_edges.parquet"),
                 "--households", str(parts), "--gates", str(demo_dir / "gates.csv"),
                 "--facilities", str(store / "facilities.parquet"), "--coords", "wgs84", "--minutes", "5,10,15",
                 "--partition-by", str(demo_dir / "subdistricts.geojson"), "--workers", "1", "--out", str(out)])
    assert code == 0
    assert "3 partitions, 144 compounds" in capsys.readouterr().out
    meta = read_manifest(out)
    # the lead passed the store layers on as paths (only the gates file was read and stored)
    assert meta["run"]["inputs"]["network_edges"] == str(store / "network_edges.parquet")
    assert meta["run"]["inputs"]["households"] == str(parts)
    assert meta["run"]["inputs"]["facilities"] == str(store / "facilities.parquet")
    got = partitioned_summary(out).set_index("category")
    cols = ["limit_m", "households", "households_unsnapped", "covered_households", "covered_share"]
    pd.testing.assert_frame_equal(got.loc[want["category"], cols], want.set_index("category")[cols],
                                  check_exact=True)
    res = read_results(out).loc[want_hh["compound_id"]]
    for c in ("snap_dist_m", "pharmacy_dist_m", "wet_market_covered", "completeness"):
        pd.testing.assert_series_equal(res[c].reset_index(drop=True), want_hh[c], check_names=False,
                                       check_dtype=False, check_exact=True)


def test_reach_option_errors(store, demo_dir, tmp_path, capsys):
    args = ["reach", "--network", str(store / "network_edges.parquet"), "--households",
            str(store / "households.parquet"), "--facilities", str(store / "facilities.parquet")]
    assert main([*args, "--scheduler", "tcp://head:8786", "--out", str(tmp_path / "o.gpkg")]) == 2
    assert "--scheduler needs --partition-by or --tile-m" in capsys.readouterr().err
    (tmp_path / "file").write_text("x")
    assert main([*args, "--tile-m", "2000", "--out", str(tmp_path / "file")]) == 2
    assert "expected an output folder" in capsys.readouterr().err
    assert main([*args[:-1], str(tmp_path / "missing.parquet"), "--tile-m", "2000",
                 "--out", str(tmp_path / "o")]) == 2
    assert "missing.parquet: no such file" in capsys.readouterr().err


def test_communities_partitioned_writes_the_same_files(demo_dir, tmp_path, capsys):
    base = ["communities", "--communities", str(demo_dir / "communities.geojson"),
            "--compounds", str(demo_dir / "compounds.geojson"), "--gates", str(demo_dir / "gates.csv"),
            "--coords", "wgs84", "--assign", "gate", "--network", str(demo_dir / "roads.geojson"),
            "--facilities", str(demo_dir / "facilities.csv"), "--facility-coords", "gcj02"]
    assert main([*base, "--out", str(tmp_path / "one.gpkg")]) == 0
    assert main([*base, "--partition-by", str(demo_dir / "subdistricts.geojson"), "--workers", "1",
                 "--out", str(tmp_path / "part.gpkg")]) == 0
    for suffix in ("_table.csv", "_changes.csv"):
        assert (tmp_path / f"part{suffix}").read_bytes() == (tmp_path / f"one{suffix}").read_bytes()
    for layer in ("communities_current", "communities_proposed", "compounds"):
        a = gpd.read_file(tmp_path / "one.gpkg", layer=layer)
        b = gpd.read_file(tmp_path / "part.gpkg", layer=layer)
        pd.testing.assert_frame_equal(pd.DataFrame(b.drop(columns="geometry")),
                                      pd.DataFrame(a.drop(columns="geometry")), check_exact=True)
        assert b.geometry.geom_equals_exact(a.geometry, 0).all()
    assert main([*base, "--scheduler", "tcp://head:8786", "--out", str(tmp_path / "x.gpkg")]) == 2
    assert "--scheduler needs --partition-by" in capsys.readouterr().err


def _plan(demo_dir, tmp_path, extra: str = "") -> str:
    """data/demo/plan.toml with absolute input paths (written elsewhere) plus ``extra``."""
    text = (demo_dir / "plan.toml").read_text(encoding="utf-8")
    for f in demo_dir.iterdir():
        text = text.replace(f'"{f.name}"', f'"{f.as_posix()}"')
    path = tmp_path / "plan.toml"
    path.write_text(text + extra, encoding="utf-8")
    return str(path)


def test_report_partitioned_by_the_config_equals_the_single_run(demo_dir, tmp_path, capsys):
    one, part = tmp_path / "one", tmp_path / "part"
    assert main(["report", "--config", _plan(demo_dir, tmp_path), "--out", str(one)]) == 0
    cfg = _plan(demo_dir, tmp_path, f'\n[partition]\nby = "{(demo_dir / "subdistricts.geojson").as_posix()}"\n'
                                    "workers = 1\n")
    assert main(["report", "--config", cfg, "--out", str(part)]) == 0
    meta = read_manifest(part / "partitions")
    assert sorted(p["partition"] for p in meta["partitions"]) == ["321202001", "321202002", "321202101"]
    assert sum(p["households"] for p in meta["partitions"]) == 144
    assert (part / "report.md").read_text(encoding="utf-8") == (one / "report.md").read_text(encoding="utf-8")
    a = pd.read_excel(one / "report.xlsx", sheet_name=None)
    b = pd.read_excel(part / "report.xlsx", sheet_name=None)
    assert list(a) == list(b)
    for sheet in a:  # coverage summary, community checks, chosen sites, indicators …
        pd.testing.assert_frame_equal(b[sheet], a[sheet], check_exact=True)
    for layer in pyogrio.list_layers(one / "results.gpkg")[:, 0]:
        x = gpd.read_file(one / "results.gpkg", layer=layer)
        y = gpd.read_file(part / "results.gpkg", layer=layer)
        pd.testing.assert_frame_equal(pd.DataFrame(y.drop(columns="geometry")),
                                      pd.DataFrame(x.drop(columns="geometry")), check_exact=True)
    capsys.readouterr()
    # refused before the long run when the output holds a report, unless --overwrite
    assert main(["report", "--config", cfg, "--out", str(part), "--tile-m", "2000"]) == 2
    assert "would overwrite" in capsys.readouterr().err


def test_report_options_override_and_check(demo_dir, tmp_path, capsys):
    cfg = _plan(demo_dir, tmp_path)
    assert main(["report", "--config", cfg, "--out", str(tmp_path / "o"), "--scheduler", "tcp://h:8786"]) == 2
    assert "--scheduler needs --partition-by or --tile-m" in capsys.readouterr().err
    assert main(["report", "--config", cfg, "--out", str(tmp_path / "o"), "--partition-by",
                 str(tmp_path / "none.geojson")]) == 2
    assert "none.geojson: file not found" in capsys.readouterr().err
    assert main(["report", "--config", cfg, "--out", str(tmp_path / "o"), "--tile-m", "2000",
                 "--partition-by", str(demo_dir / "subdistricts.geojson")]) == 2
    assert "not both" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(("extra", "message"), [
    ('[partition]\nby = "subdistricts.geojson"\nfoo = 1\n', r"unknown key\(s\) partition\.foo"),
    ("[partition]\ntile_m = -5\n", r"partition\.tile_m = -5; expected a number of metres > 0"),
    ("[partition]\ntile_m = true\n", r"partition\.tile_m = True"),
    ("[partition]\ntile_m = 2000\nworkers = 0\n", r"partition\.workers = 0; expected a whole number >= 1"),
    ('[partition]\ntile_m = 2000\nscheduler = 8786\n', r"partition\.scheduler is not read.*--scheduler"),
    ('[partition]\ntile_m = 2000\nby = "subdistricts.geojson"\n', "exactly one of by"),
    ("[partition]\nworkers = 2\n", "exactly one of by"),
    ('[partition]\nby = "nowhere.geojson"\n', r"partition\.by = 'nowhere\.geojson': file not found"),
    ('partition = "subdistricts.geojson"\n', r"\[partition\] must be a table"),
])
def test_plan_partition_table_is_validated(demo_dir, tmp_path, extra, message):
    text = (demo_dir / "plan.toml").read_text(encoding="utf-8")
    if not extra.startswith("["):  # a top-level key goes before the first table
        text = extra + text
        extra = ""
    for f in demo_dir.iterdir():
        text = text.replace(f'"{f.name}"', f'"{f.as_posix()}"')
    path = tmp_path / "plan.toml"
    path.write_text(text + "\n" + extra.replace('"subdistricts.geojson"',
                                                f'"{(demo_dir / "subdistricts.geojson").as_posix()}"'),
                    encoding="utf-8")
    with pytest.raises(InputDataError, match=message):
        read_plan_config(path)


def test_plan_partition_table_is_read(demo_dir, tmp_path):
    cfg = read_plan_config(_plan(demo_dir, tmp_path, "\n[partition]\ntile_m = 2500\nworkers = 3\n"))
    assert cfg.partition == {"tile_m": 2500.0, "workers": 3}
    assert read_plan_config(demo_dir / "plan.toml").partition == {}
