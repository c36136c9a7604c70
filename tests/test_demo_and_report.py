"""The demo town (deterministic, planted cases) and the whole job through the CLI."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from gis_planner.cli import main
from gis_planner.io import read_communities, read_compounds, read_facilities, read_network


@pytest.fixture(scope="module")
def town(demo_dir):
    net = read_network(demo_dir / "roads.geojson")
    return {
        "net": net,
        "compounds": read_compounds(demo_dir / "compounds.geojson", metric_crs=net.crs),
        "communities": read_communities(demo_dir / "communities.geojson", metric_crs=net.crs),
        "facilities": read_facilities(demo_dir / "facilities.csv", source_coords="gcj02", metric_crs=net.crs),
    }


def test_planted_facts(town, demo_dir):
    hh = town["compounds"]
    assert 50_000 <= hh["households"].sum() <= 80_000
    assert 140 <= len(hh) <= 160
    per = hh.groupby("community_code")["households"].sum()
    com = town["communities"].assign(households=per)
    urban = com["name"].str.endswith("社区")
    high = com["high_rise"]
    too_large = (urban & ~high & (com["households"] > 3000)) | (urban & high & (com["households"] > 5000))
    too_small = (urban & (com["households"] < 2000)) | (~urban & (com["households"] < 1000))
    assert too_large.sum() >= 2 and too_small.sum() >= 2
    assert len(com) == 20
    # exactly one urban sub-district without a comprehensive elderly-care centre
    subs = gpd.read_file(demo_dir / "subdistricts.geojson").to_crs(town["net"].crs)
    centres = town["facilities"][town["facilities"]["category"] == "subdistrict_elderly_centre"]
    has = gpd.sjoin(subs, centres, predicate="contains")["subdistrict_code"].unique()
    lacking = set(subs.loc[subs["kind"] == "subdistrict", "subdistrict_code"]) - set(has)
    assert lacking == {"321202002"}
    # the expressway is excluded for walking and the footway island is dropped
    r = town["net"].build_report
    assert r["excluded"] == {"highway=motorway": 2}
    assert r["dropped_edges_outside_largest_component"] == 2


def test_facilities_file_is_gbk_and_gcj02(town, demo_dir):
    raw = (demo_dir / "facilities.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "菜市场" in raw.decode("gbk")
    from gis_planner.network.snap import snap_points

    ok = snap_points(town["net"], town["facilities"], tolerance_m=1000)
    assert ok["snap_dist_m"].median() < 20  # read as GCJ-02: on the streets
    assert ok["snap_dist_m"].max() < 250  # every facility within the snap tolerance
    wrong = read_facilities(demo_dir / "facilities.csv", source_coords="wgs84", metric_crs=town["net"].crs)
    off = snap_points(town["net"], wrong, tolerance_m=2000)
    # facilities stand 15 m from a street centre line: true read as GCJ-02, not as WGS-84
    assert (ok["snap_dist_m"] <= 16).mean() > 0.8
    assert (off["snap_dist_m"] <= 16).mean() < 0.2


def test_demo_command_end_to_end(tmp_path, capsys):
    out = tmp_path / "demo_output"
    assert main(["demo", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "households 51,070" in printed
    # every basic format of the living circle exists somewhere, unevenly: completeness varies
    # (docs/demo-town.md quotes the mean) and no category is at 0 %
    assert "mean completeness 60.4%" in printed
    assert not [line for line in printed.splitlines() if line.rstrip().endswith(" 0.0%")]
    for name in ("report.md", "report.html", "report.xlsx", "results.gpkg"):
        assert (out / name).stat().st_size > 1000
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "菜市场" in md and "规划指标达标核查" in md and "虚构" in md
    sheets = pd.read_excel(out / "report.xlsx", sheet_name=None)
    assert "关键数据" in sheets
    import pyogrio

    layers = {name for name, _ in pyogrio.list_layers(out / "results.gpkg")}
    assert {"households", "facilities", "roads", "elderly_sites", "sites_mclp"} <= layers
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "<script" not in html
    # a second run refuses to overwrite, then succeeds with --overwrite; English on request
    assert main(["demo", "--out", str(out)]) == 2
    assert main(["demo", "--out", str(out), "--overwrite", "--lang", "en"]) == 0
    assert "Key numbers" in (out / "report.md").read_text(encoding="utf-8")


def test_report_config_errors_exit_2(tmp_path, capsys, demo_dir):
    cfg = tmp_path / "plan.toml"
    cfg.write_text('profile = "taizhou-2023"\ncolour = "red"\n[inputs]\nnetwork = "x"\n', encoding="utf-8")
    assert main(["report", "--config", str(cfg), "--out", str(tmp_path / "o")]) == 2
    assert "unknown key(s) colour" in capsys.readouterr().err
    cfg.write_text('[inputs]\nnetwork = "missing.geojson"\n', encoding="utf-8")
    assert main(["report", "--config", str(cfg), "--out", str(tmp_path / "o")]) == 2
    assert (f"inputs.network = 'missing.geojson': file not found (looked for {tmp_path / 'missing.geojson'})"
            in capsys.readouterr().err)
    assert not (tmp_path / "o").exists()


def test_failed_run_leaves_no_partial_output(tmp_path, monkeypatch, demo_dir):
    import gis_planner.io.write as iw

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(iw, "write_layers", boom)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        main(["report", "--config", str(demo_dir / "plan.toml"), "--out", str(out)])
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == []


def test_failed_demo_leaves_nothing(tmp_path, monkeypatch):
    import gis_planner.io.write as iw

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(iw, "write_layers", boom)
    with pytest.raises(RuntimeError):
        main(["demo", "--out", str(tmp_path / "demo_output")])
    assert list(tmp_path.iterdir()) == []  # neither the reports nor the generated inputs
