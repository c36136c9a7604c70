"""The ``site`` command: options are checked before any work; full runs need the readers."""

from __future__ import annotations

from typer.testing import CliRunner

from gis_planner.cli import app, main

runner = CliRunner()


def test_site_help_lists_options():
    res = runner.invoke(app, ["site", "--help"])
    assert res.exit_code == 0
    for opt in ("--network", "--model", "--per-subdistrict-min", "--overwrite", "--time-limit"):
        assert opt in res.output


def test_site_rejects_bad_model(tmp_path):
    args = [
        "site",
        "--network",
        str(tmp_path / "n.gpkg"),
        "--households",
        str(tmp_path / "h.gpkg"),
        "--candidates",
        str(tmp_path / "c.gpkg"),
        "--out",
        str(tmp_path / "o.gpkg"),
        "--model",
        "k-means",
        "--sites",
        "2",
    ]
    assert main(args) == 2


def test_site_refuses_to_overwrite(tmp_path):
    out = tmp_path / "o.gpkg"
    out.write_bytes(b"keep")
    args = [
        "site",
        "--network",
        str(tmp_path / "n.gpkg"),
        "--households",
        str(tmp_path / "h.gpkg"),
        "--candidates",
        str(tmp_path / "c.gpkg"),
        "--out",
        str(out),
        "--sites",
        "2",
    ]
    assert main(args) == 2
    assert out.read_bytes() == b"keep"


def _write_inputs(tmp_path):
    """The ladder of ``test_siting_network`` as files (EPSG:32651): roads, compounds, candidates,
    and an existing wet market at the west end (household counts assumed)."""
    import geopandas as gpd
    import shapely

    lines = []
    for y in (0, 100):
        lines += [shapely.LineString([(x, y), (x + 100, y)]) for x in range(0, 1000, 100)]
    lines += [shapely.LineString([(x, 0), (x, 100)]) for x in range(0, 1001, 100)]
    gpd.GeoDataFrame({"highway": ["residential"] * len(lines)}, geometry=lines, crs=32651).to_file(
        tmp_path / "roads.gpkg"
    )
    gpd.GeoDataFrame(
        {
            "compound_id": ["h1", "h2", "h3"],
            "households": [100, 200, 300],
            "name": ["甲", "乙", "丙"],
        },
        geometry=shapely.points([(0, 0), (500, 0), (1000, 0)]),
        crs=32651,
    ).to_file(tmp_path / "homes.gpkg")
    gpd.GeoDataFrame(
        {"id": ["k1", "k2", "k3"], "name": ["空地一", "空地二", "空地三"]},
        geometry=shapely.points([(0, 0), (500, 0), (1000, 0)]),
        crs=32651,
    ).to_file(tmp_path / "sites.gpkg")
    gpd.GeoDataFrame(
        {"id": ["f1"], "name": ["老菜场"], "category": ["wet_market"]},
        geometry=shapely.points([(0, 0)]),
        crs=32651,
    ).to_file(tmp_path / "pois.gpkg")


def test_site_end_to_end(tmp_path):
    import geopandas as gpd
    import pandas as pd

    _write_inputs(tmp_path)
    out = tmp_path / "new_markets.gpkg"
    args = [
        "site", "--network", str(tmp_path / "roads.gpkg"),
        "--households", str(tmp_path / "homes.gpkg"),
        "--candidates", str(tmp_path / "sites.gpkg"),
        "--facilities", str(tmp_path / "pois.gpkg"), "--category", "wet_market",
        "--model", "mclp", "--sites", "1", "--minutes", "6", "--speed-kmh", "4",
        "--lang", "en", "--out", str(out),
    ]  # fmt: skip
    assert main(args) == 0
    chosen = gpd.read_file(out, layer="chosen_sites")
    assert len(chosen) == 1
    assert chosen["weight_newly_covered"].iloc[0] == 300
    assert (
        "covers 300 households previously outside 6 minutes' walk of a wet market"
        in (chosen["requirement"].iloc[0])
    )
    table = pd.read_csv(out.with_suffix(".csv"), encoding="utf-8-sig")
    assert table["status"].iloc[0] == "optimal"
    # a second run refuses to overwrite, then replaces with --overwrite
    assert main(args) == 2
    assert main([*args, "--overwrite"]) == 0


def test_site_per_subdistrict_elderly(tmp_path):
    import geopandas as gpd
    import shapely

    _write_inputs(tmp_path)
    gpd.GeoDataFrame(
        {"id": ["e1"], "name": ["一街道养老中心"], "category": ["subdistrict_elderly_centre"]},
        geometry=shapely.points([(0, 0)]),
        crs=32651,
    ).to_file(tmp_path / "elderly.gpkg")
    gpd.GeoDataFrame(
        {"subdistrict_code": ["S1", "S2"], "name": ["一街道", "二街道"],
         "kind": ["subdistrict", "subdistrict"]},
        geometry=[shapely.box(-50, -50, 700, 150), shapely.box(700, -50, 1050, 150)],
        crs=32651,
    ).to_file(tmp_path / "subs.gpkg")  # fmt: skip
    out = tmp_path / "elderly_sites.gpkg"
    args = [
        "site", "--network", str(tmp_path / "roads.gpkg"),
        "--households", str(tmp_path / "homes.gpkg"),
        "--candidates", str(tmp_path / "sites.gpkg"),
        "--facilities", str(tmp_path / "elderly.gpkg"),
        "--category", "subdistrict_elderly_centre", "--model", "p-median",
        "--per-subdistrict-min", "1", "--subdistricts", str(tmp_path / "subs.gpkg"),
        "--demand", "elderly", "--out", str(out),
    ]  # fmt: skip
    assert main(args) == 0
    chosen = gpd.read_file(out, layer="chosen_sites")
    # S1 already has a centre; S2 holds only k3
    assert chosen["candidate_id"].tolist() == ["k3"]
    assert chosen["requirement"].iloc[0].startswith("街道二街道此前没有综合性养老服务中心")
