"""The plan map: offline by default (nothing fetched), escaped user strings, GCJ-02 for Amap."""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pytest

from gis_planner.io.coords import wgs84_to_gcj02
from gis_planner.maps import plan_map, save_map
from gis_planner.pipeline import load_plan_inputs, read_plan_config, run_plan

EVIL = "<script>alert(1)</script>`${alert(2)}`"


@pytest.fixture(scope="module")
def results(demo_dir):
    cfg = read_plan_config(demo_dir / "plan.toml")
    return run_plan(cfg, load_plan_inputs(cfg))


@pytest.fixture(scope="module")
def offline_html(results, tmp_path_factory):
    path = tmp_path_factory.mktemp("map") / "map.html"
    save_map(plan_map(results, lang="zh"), path)
    return path.read_text(encoding="utf-8")


def test_offline_map_loads_nothing_from_the_internet(offline_html):
    assert not re.findall(r"<script[^>]+src=", offline_html)
    assert not re.findall(r"<link[^>]+href=", offline_html)
    assert "L.tileLayer" not in offline_html
    assert "Leaflet 1.9.4" in offline_html  # the vendored copy is inlined


def test_layers_legend_and_markers_present(results, offline_html):
    assert offline_html.count("L.circleMarker(") == (len(results.reach.households)
                                                    + len(results.inputs.facilities))
    assert "L.control.layers" in offline_html
    for name in ("道路网络", "现有设施", "建议新增设施点", "社区规模状态", "图例"):
        assert name in offline_html or json.dumps(name)[1:-1] in offline_html, name


def test_english_map(results):
    html = plan_map(results, lang="en").get_root().render()
    assert "Road network" in html and "Proposed sites" in html
    assert json.dumps("道路网络")[1:-1] not in html and "道路网络" not in html


def test_user_strings_are_inert(results):
    inputs = results.inputs
    fac = inputs.facilities.copy()
    fac.iloc[0, fac.columns.get_loc("name")] = EVIL
    evil = dataclasses.replace(results, inputs=dataclasses.replace(inputs, facilities=fac))
    html = plan_map(evil, lang="zh").get_root().render()
    assert "<script>alert(1)" not in html
    assert "${alert(2)}" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#96;&#36;{alert(2)}&#96;" in html


def test_amap_tiles_shift_layers_to_gcj02(results):
    html_w = plan_map(results, offline=False, tiles="osm").get_root().render()
    html_g = plan_map(results, offline=False, tiles="amap").get_root().render()
    assert "tile.openstreetmap.org" in html_w and "autonavi.com" in html_g
    fac = results.inputs.facilities.to_crs(4326)
    lon, lat = fac.geometry.x.iloc[0], fac.geometry.y.iloc[0]
    glon, glat = wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    assert abs(glon[0] - lon) > 1e-3  # the shift is a few hundred metres
    assert f"[{lat}, {lon}]" in html_w and f"[{lat}, {lon}]" not in html_g
    assert f"[{glat[0]}, {glon[0]}]" in html_g


def test_tianditu_needs_a_key_and_does_not_shift(results):
    with pytest.raises(ValueError, match="tianditu_key"):
        plan_map(results, offline=False, tiles="tianditu")
    html = plan_map(results, offline=False, tiles="tianditu", tianditu_key="K").get_root().render()
    fac = results.inputs.facilities.to_crs(4326)
    assert f"[{fac.geometry.y.iloc[0]}, {fac.geometry.x.iloc[0]}]" in html


def test_bad_options(results):
    with pytest.raises(ValueError, match="offline=False"):
        plan_map(results, tiles="osm")
    with pytest.raises(ValueError, match="tiles must be one of"):
        plan_map(results, offline=False, tiles="google")
