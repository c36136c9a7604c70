"""The plan map: data travel as JSON only, every category can be chosen, offline by default,
GCJ-02 for Amap, local basemaps embedded, facilities outside the study area left out."""

from __future__ import annotations

import dataclasses
import html as html_lib
import io
import json
import re
import sqlite3

import numpy as np
import pytest
import shapely

from gis_planner.categories import label
from gis_planner.io.coords import wgs84_to_gcj02
from gis_planner.maps import plan, plan_map, save_map
from gis_planner.pipeline import load_plan_inputs, read_plan_config, run_plan

EVIL = "</script><script>alert(1)</script>`${alert(2)}`{{ 6*7 }}\u2028"
DATA = re.compile(r'<script type="application/json" id="gp-data">(.*?)</script>', re.S)


def map_data(page: str) -> dict:
    """The JSON data block of a map page (exactly one)."""
    blocks = DATA.findall(page)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def xy(data_xy: list[int], i: int) -> tuple[float, float]:
    return data_xy[2 * i] / plan.COORD_SCALE, data_xy[2 * i + 1] / plan.COORD_SCALE


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
    assert "Leaflet 1.9.4" in offline_html  # the vendored copy is inlined
    assert "tiles" not in map_data(offline_html)  # no base map at all


def test_every_category_can_be_chosen_with_its_own_limit(results, offline_html):
    data = map_data(offline_html)
    reach = results.reach
    cats = {c["id"]: c for c in data["categories"]}
    for c in reach.categories:
        assert cats[c]["label"] == label(c, "zh")
        limit_min = reach.category_limits_m[c] * 60 / (reach.speed_kmh * 1000)
        assert cats[c]["limit_min"] == pytest.approx(limit_min, abs=0.01)
    assert cats["wet_market"]["label"] == "菜市场"
    assert data["category"] == "wet_market"  # the plan's siting category comes first
    hh = reach.households
    comp = data["compounds"]
    for c in reach.categories:
        assert comp["covered"][c] == "".join("1" if v else "0" for v in hh[f"{c}_covered"])
        got = np.array([np.nan if v is None else v for v in comp["minutes"][c]])
        want = hh[f"{c}_min"].to_numpy(dtype=float)
        assert np.allclose(got, want, atol=0.051, equal_nan=True)


def test_a_compound_beyond_its_category_limit_is_never_green(results):
    """9 minutes from a wet market with a 7.5-minute limit: not covered (orange class)."""
    reach = results.reach
    lim = reach.category_limits_m["wet_market"] * 60 / (reach.speed_kmh * 1000)
    assert lim == pytest.approx(7.5)
    hh = reach.households
    late = hh.index[(hh["wet_market_min"] > lim) & (hh["wet_market_min"] < 15)]
    assert len(late)  # the demo has such compounds: covered at 15 min, not at 7.5
    assert not hh.loc[late, "wet_market_covered"].any()
    assert hh.loc[late, "wet_market_covered_15min"].all()


def test_symbols_colours_and_panel(offline_html):
    data = map_data(offline_html)
    coverage_colours = {c["colour"] for c in data["classes"]}
    group_colours = {g["colour"] for g in data["groups"]}
    assert not coverage_colours & group_colours  # no colour means two things
    js = plan._asset("plan.js")
    assert "new Square(" in js and "L.circleMarker(" in js  # facilities squares, compounds circles
    assert "L.control.scale({metric: true, imperial: false" in js
    assert "gp-north" in js
    assert ".innerHTML" not in js.replace("return d.innerHTML;", "")  # only esc() reads it
    assert data["ui"]["map_legend"] == "图例"
    assert data["title"] == "示范区（虚构）社区生活圈规划分析（示范数据）"


def test_boundaries_labels_and_sites(results, offline_html):
    data = map_data(offline_html)
    com = results.inputs.communities
    sub = results.inputs.subdistricts
    assert data["communities"]["name"] == list(com["name"])
    assert data["subdistricts"]["name"] == list(sub["name"])
    assert len(data["communities"]["label_xy"]) == 2 * len(com)
    assert set(data["communities"]["status"]) <= {"规模适中", "规模偏小", "规模偏大", "未知"}
    sites = data["sites"]
    assert sites["id"] and all(r for r in sites["reason"])
    assert sites["category"][0] in {"菜市场", "综合性养老服务中心（街道级）"}


def test_facilities_outside_the_study_area_are_not_drawn(results):
    inputs = results.inputs
    fac = inputs.facilities.copy()
    far = fac.iloc[[0]].copy()
    far.index = ["FAR"]
    far = far.set_geometry(far.geometry.translate(20_000, 0))
    import pandas as pd

    fac = pd.concat([fac, far])
    moved = dataclasses.replace(results, reach=dataclasses.replace(results.reach, facilities=fac))
    data = map_data(plan_map(moved).get_root().render())
    assert "FAR" not in data["facilities"]["id"]
    area = plan.study_area(inputs)
    assert len(data["facilities"]["id"]) == int(shapely.covers(area, fac.geometry.to_numpy()).sum())


def test_english_map(results):
    page = plan_map(results, lang="en").get_root().render()
    data = map_data(page)
    assert data["ui"]["map_roads"] == "Road network" and data["ui"]["map_sites"] == "Proposed sites"
    assert {c["id"]: c["label"] for c in data["categories"]}["wet_market"] == "Wet market"
    assert "道路网络" not in page


def test_user_strings_travel_as_inert_json(results):
    inputs = results.inputs
    reach = results.reach
    fac = reach.facilities.copy()
    fac.iloc[0, fac.columns.get_loc("name")] = EVIL
    evil = dataclasses.replace(results, reach=dataclasses.replace(reach, facilities=fac),
                               inputs=inputs)
    page = plan_map(evil, lang="zh", title=EVIL).get_root().render()
    assert "<script>alert(1)" not in page and "\u2028" not in page
    data = map_data(page)
    assert data["title"] == EVIL and EVIL in data["facilities"]["name"]
    assert "42" not in data["title"]


def test_map_is_deterministic_and_jupyter_displays_it(results, tmp_path):
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    save_map(plan_map(results), a)
    save_map(plan_map(results), b)
    assert a.read_bytes() == b.read_bytes()
    shown = plan_map(results)._repr_html_()
    assert "srcdoc" in shown and 'id="gp-data"' in html_lib.unescape(shown)


def test_amap_tiles_shift_layers_to_gcj02(results):
    dw = map_data(plan_map(results, offline=False, tiles="osm").get_root().render())
    dg = map_data(plan_map(results, offline=False, tiles="amap").get_root().render())
    assert "tile.openstreetmap.org" in dw["tiles"]["url"] and "autonavi.com" in dg["tiles"]["url"]
    fid = dw["facilities"]["id"][0]
    fac = results.reach.facilities.to_crs(4326).loc[fid]
    lon, lat = fac.geometry.x, fac.geometry.y
    glon, glat = wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    assert abs(glon[0] - lon) > 1e-3  # the shift is a few hundred metres
    assert xy(dw["facilities"]["xy"], 0) == pytest.approx((lon, lat), abs=1e-5)
    assert xy(dg["facilities"]["xy"], 0) == pytest.approx((glon[0], glat[0]), abs=1e-5)


def test_tianditu_needs_a_clean_key_and_does_not_shift(results):
    with pytest.raises(ValueError, match="tianditu_key"):
        plan_map(results, offline=False, tiles="tianditu")
    with pytest.raises(ValueError, match="tianditu_key"):
        plan_map(results, offline=False, tiles="tianditu", tianditu_key="k'};alert(1)//")
    data = map_data(plan_map(results, offline=False, tiles="tianditu",
                             tianditu_key="K1").get_root().render())
    assert data["tiles"]["key"] == "K1"
    fac = results.reach.facilities.to_crs(4326).loc[data["facilities"]["id"][0]]
    assert xy(data["facilities"]["xy"], 0) == pytest.approx((fac.geometry.x, fac.geometry.y),
                                                            abs=1e-5)


def test_bad_options(results, tmp_path):
    with pytest.raises(ValueError, match="offline=False"):
        plan_map(results, tiles="osm")
    with pytest.raises(ValueError, match="tiles must be one of"):
        plan_map(results, offline=False, tiles="google")
    with pytest.raises(ValueError, match="not in this plan"):
        plan_map(results, category="no_such_category")
    with pytest.raises(ValueError, match="not both"):
        plan_map(results, offline=False, tiles="osm", basemap=tmp_path)
    (tmp_path / "x.vrt").write_text("<VRTDataset/>")
    with pytest.raises(ValueError, match=r"x\.vrt.*mbtiles"):
        plan_map(results, basemap=tmp_path / "x.vrt")


# ------------------------------------------------------------------ local basemaps
def _png(seed: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    rng = np.random.default_rng(seed)  # noise: tiles that do not compress away
    Image.fromarray(rng.integers(0, 255, (256, 256, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def _covering(results, zooms):
    b = results.inputs.network.edges.to_crs(4326).total_bounds
    for z in zooms:
        x0, y0, x1, y1 = plan._tile_range(tuple(b), z)
        yield from ((z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1))


def test_local_tile_folder_is_embedded_and_needs_no_network(results, tmp_path):
    for z, x, y in _covering(results, (12, 13, 14)):
        f = tmp_path / "tiles" / str(z) / str(x) / f"{y}.png"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(_png(z))
    page = plan_map(results, basemap=tmp_path / "tiles").get_root().render()
    tiles = map_data(page)["tiles"]
    assert tiles["max_native_zoom"] == 14 and tiles["min_zoom"] == 12
    assert len(tiles["local"]) == len(list(_covering(results, (12, 13, 14))))
    assert all(v.startswith("data:image/png;base64,") for v in tiles["local"].values())
    assert not re.findall(r"<script[^>]+src=|<link[^>]+href=", page)


def test_mbtiles_rows_are_tms_and_size_is_bounded(results, tmp_path, monkeypatch):
    db = tmp_path / "base.mbtiles"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE tiles (zoom_level int, tile_column int, tile_row int, tile_data blob)")
    for z, x, y in _covering(results, (13, 14, 15, 16)):
        con.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, 2 ** z - 1 - y, _png(z)))
    con.commit()
    con.close()
    level = len(plan.base64.b64encode(_png(0))) + 40
    n13 = len(list(_covering(results, (13,))))
    n14 = len(list(_covering(results, (14,))))
    monkeypatch.setattr(plan, "MAX_EMBEDDED_TILES_BYTES", (n13 + n14 + 1) * level)
    tiles = map_data(plan_map(results, basemap=db).get_root().render())["tiles"]
    assert tiles["max_native_zoom"] == 14  # zoom 15 would pass the size limit
    assert set(tiles["local"]) == {f"{z}/{x}/{y}" for z, x, y in _covering(results, (13, 14))}
    before = db.read_bytes()
    plan_map(results, basemap=db)
    assert db.read_bytes() == before  # read only


def test_bad_tiles_are_refused(results, tmp_path):
    (z, x, y), *_ = _covering(results, (14,))
    f = tmp_path / "t" / str(z) / str(x) / f"{y}.png"
    f.parent.mkdir(parents=True)
    f.write_bytes(b"<svg onload=alert(1)>")
    with pytest.raises(ValueError, match="not a PNG, JPEG or WebP"):
        plan_map(results, basemap=tmp_path / "t")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no tile covers the plan area"):
        plan_map(results, basemap=tmp_path / "empty")
    (tmp_path / "bad.mbtiles").write_bytes(b"not sqlite at all" * 10)
    with pytest.raises(ValueError, match="not a readable MBTiles"):
        plan_map(results, basemap=tmp_path / "bad.mbtiles")


# ------------------------------------------------------------------ real data
def test_central_shanghai_map_stays_small(shared_data, tmp_path):
    from _realplan import write_real_plan

    cfg = read_plan_config(write_real_plan(shared_data, tmp_path / "plan", title="上海中心城区"))
    res = run_plan(cfg, load_plan_inputs(cfg))
    path = save_map(plan_map(res), tmp_path / "map.html")
    size = path.stat().st_size
    assert size < 3_000_000, size
    data = map_data(path.read_text(encoding="utf-8"))
    fac = res.reach.facilities
    assert 0 < len(data["facilities"]["id"]) < len(fac)  # Amap POIs beyond the streets left out
    assert data["category"] in {c for c in res.reach.categories
                                if (fac["category"] == c).any()}


def test_report_command_embeds_a_local_basemap(results, demo_dir, tmp_path):
    from typer.testing import CliRunner

    from gis_planner.cli import app

    for z, x, y in _covering(results, (13, 14)):
        f = tmp_path / "tiles" / str(z) / str(x) / f"{y}.png"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(_png(z))
    runner = CliRunner()
    bad = runner.invoke(app, ["report", "--config", str(demo_dir / "plan.toml"), "--out",
                              str(tmp_path / "bad"), "--basemap", str(tmp_path / "nope.vrt")])
    assert bad.exit_code == 2 and "--basemap" in bad.output
    assert not (tmp_path / "bad").exists()
    run = runner.invoke(app, ["report", "--config", str(demo_dir / "plan.toml"), "--out",
                              str(tmp_path / "out"), "--basemap", str(tmp_path / "tiles")])
    assert run.exit_code == 0, run.output
    tiles = map_data((tmp_path / "out" / "map.html").read_text(encoding="utf-8"))["tiles"]
    assert tiles["max_native_zoom"] == 14 and len(tiles["local"]) == len(
        list(_covering(results, (13, 14))))


def test_facilities_off_the_network_are_marked(results, offline_html):
    data = map_data(offline_html)
    fac = results.reach.facilities.loc[data["facilities"]["id"]]
    assert data["facilities"]["snapped"] == "".join("1" if v else "0" for v in fac["snapped"])
    assert "fac_off" in data["ui"] and "F.snapped.charAt(i)" in plan._asset("plan.js")


def test_popups_of_sites_and_spaces_speak_the_map_language(results):
    """The chosen spaces' functions and reasons and the elderly-care sites' sizes in the map's
    language, whatever the language of the run (the demo runs in Chinese)."""
    assert results.centres.lang == "zh"
    en = {layer["key"]: layer for layer in plan._centre_layers(results, False, "en")}
    rows = [dict(p) for p in en["centre_spaces"]["popup"]]
    assert all(not re.search(r"[\u4e00-\u9fff]", r["Functions"]) for r in rows)
    assert all(not re.search(r"[\u4e00-\u9fff]", r["Reason"]) for r in rows)
    zh = {layer["key"]: layer for layer in plan._elderly_layers(results, False, "zh")}
    sizes = {dict(p)["规模"] for p in zh["elderly_sites"]["popup"]}
    assert sizes and sizes <= {"大型", "中型", "小型"}
