"""The ``reach`` command end to end on a hand-checkable grid written as files."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Transformer
from typer.testing import CliRunner

from gis_planner.cli import app, main

X0, Y0 = 350_000.0, 3_450_000.0  # a corner near Shanghai in UTM 51N (EPSG:32651)


def _lonlat(xy):
    t = Transformer.from_crs(32651, 4326, always_xy=True)
    lon, lat = t.transform(X0 + np.asarray(xy, float)[:, 0], Y0 + np.asarray(xy, float)[:, 1])
    return lon, lat


@pytest.fixture
def inputs(tmp_path):
    """A 5 x 5 grid of 100 m blocks; compounds A (10, 30) and B (210, 5), polygon C (120..180,
    120..180) with a gate at (150, 100); a pharmacy at (250, 0) and a kindergarten at (0, 300).
    Expected (4 km/h): A-pharmacy 30 + 250 = 280 m (4.2 min), B-pharmacy 40 m (same edge),
    C-pharmacy via its gate 50 + 50 + 100 + 50 = 250 m; A-kindergarten 270 m, B 510 m,
    C 50 + 150 + 200 = 400 m. Household counts are made up for the test."""
    lines = []
    for i in range(5):
        for j in range(4):
            lines.append(shapely.LineString([(X0 + j * 100, Y0 + i * 100), (X0 + (j + 1) * 100, Y0 + i * 100)]))
            lines.append(shapely.LineString([(X0 + i * 100, Y0 + j * 100), (X0 + i * 100, Y0 + (j + 1) * 100)]))
    roads = gpd.GeoDataFrame({"highway": ["residential"] * len(lines), "name": [""] * len(lines)},
                             geometry=lines, crs=32651)
    roads.to_file(tmp_path / "roads.gpkg", driver="GPKG")
    homes = gpd.GeoDataFrame(
        {"compound_id": ["A", "B", "C"], "name": ["甲小区", "乙小区", "丙小区"],
         "households": [100, 50, 400]},
        geometry=[shapely.Point(X0 + 10, Y0 + 30), shapely.Point(X0 + 210, Y0 + 5),
                  shapely.box(X0 + 120, Y0 + 120, X0 + 180, Y0 + 180).centroid], crs=32651)
    homes.to_file(tmp_path / "compounds.gpkg", driver="GPKG")
    lon, lat = _lonlat([(150, 100)])
    pd.DataFrame({"gate_id": ["G1"], "compound_id": ["C"], "lon": lon, "lat": lat}).to_csv(
        tmp_path / "gates.csv", index=False)
    lon, lat = _lonlat([(250, 0), (0, 300)])
    pd.DataFrame({"facility_id": ["F1", "F2"], "name": ["药店", "幼儿园"],
                  "category": ["pharmacy", "kindergarten"], "lon": lon, "lat": lat}).to_csv(
        tmp_path / "facilities.csv", index=False)
    return tmp_path


def _args(d, *extra):
    return ["reach", "--network", str(d / "roads.gpkg"), "--households", str(d / "compounds.gpkg"),
            "--facilities", str(d / "facilities.csv"), "--coords", "wgs84",
            "--out", str(d / "out.gpkg"), *extra]


def test_reach_writes_layers_and_summary(inputs):
    res = CliRunner().invoke(app, _args(inputs, "--gates", str(inputs / "gates.csv")))
    assert res.exit_code == 0, res.output
    assert "speed 4 km/h (default profile gb50180-2018)" in res.output
    out = inputs / "out.gpkg"
    assert {name for name, _ in pyogrio.list_layers(out)} == {"households", "facilities",
                                                              "service_areas"}
    hh = gpd.read_file(out, layer="households").set_index("compound_id")
    assert hh.loc["A", "pharmacy_dist_m"] == pytest.approx(280.0, abs=0.01)
    assert hh.loc["A", "pharmacy_min"] == pytest.approx(4.2, abs=0.001)
    assert hh.loc["B", "pharmacy_dist_m"] == pytest.approx(40.0, abs=0.01)
    assert hh.loc["C", "pharmacy_dist_m"] == pytest.approx(250.0, abs=0.01)
    assert hh.loc["C", "kindergarten_dist_m"] == pytest.approx(400.0, abs=0.01)
    assert hh.loc["C", "gate_id"] == "G1"
    assert hh.loc["B", "kindergarten_dist_m"] == pytest.approx(510.0, abs=0.01)
    assert bool(hh.loc["B", "kindergarten_covered_10min"]) and not hh.loc["B", "kindergarten_covered_5min"]
    raw = (inputs / "out_summary.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    summary = pd.read_csv(inputs / "out_summary.csv", encoding="utf-8-sig").set_index("category")
    assert summary.loc["kindergarten", "category_zh"] == "幼儿园"
    assert summary.loc["pharmacy", "households"] == 550
    assert summary.loc["pharmacy", "covered_households"] == 550
    areas = gpd.read_file(out, layer="service_areas")
    assert len(areas) == 2 and (areas.geometry.geom_type.isin(["Polygon", "MultiPolygon"])).all()


def test_refuses_to_overwrite_then_overwrites(inputs):
    out = inputs / "out.gpkg"
    out.write_bytes(b"keep")
    assert main(_args(inputs)) == 2
    assert out.read_bytes() == b"keep" and not (inputs / "out_summary.csv").exists()
    assert main(_args(inputs, "--overwrite", "--no-service-areas")) == 0
    assert {name for name, _ in pyogrio.list_layers(out)} == {"households", "facilities"}


def test_profile_with_explicit_overrides(inputs):
    """gb50180-2018 gives the kindergarten a 300 m radius (4.5 minutes at its 4 km/h); --speed-kmh 2
    overrides the speed: the radius stays 300 m (a distance standard, now 9 minutes) while the
    time thresholds shrink (10 minutes = 333 m); --minutes 5,10 replaces the thresholds."""
    res = CliRunner().invoke(app, _args(inputs, "--profile", "gb50180-2018", "--speed-kmh", "2",
                                        "--minutes", "5,10"))
    assert res.exit_code == 0, res.output
    assert "profile gb50180-2018" in res.output and "default" not in res.output
    summary = pd.read_csv(inputs / "out_summary.csv", encoding="utf-8-sig").set_index("category")
    assert summary.loc["kindergarten", "limit_m"] == pytest.approx(300.0)
    assert summary.loc["pharmacy", "limit_m"] == pytest.approx(10 * 2000 / 60)
    hh = gpd.read_file(inputs / "out.gpkg", layer="households")
    assert "pharmacy_covered_10min" in hh and "pharmacy_covered_15min" not in hh


def test_refuses_an_input_as_output(inputs):
    args = _args(inputs)
    args[args.index("--out") + 1] = str(inputs / "roads.gpkg")
    before = (inputs / "roads.gpkg").read_bytes()
    assert main([*args, "--overwrite"]) == 2
    assert (inputs / "roads.gpkg").read_bytes() == before
