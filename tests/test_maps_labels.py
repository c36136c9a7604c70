"""Boundary names on the plan map: every community and village name is shown at the default
zoom without touching another name, or, when a town has more names than fit, listed in the side
panel. The positions a name may take are computed here; the browser tests check the drawn page.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re

import numpy as np
import pytest
import shapely
from _chromium import console_errors, run_chromium

from gis_planner.maps import plan, plan_map, save_map
from gis_planner.pipeline import load_plan_inputs, read_plan_config, run_plan

#: A label drawn by the page: its marker's position (pixels) and visibility, and its text.
LABEL = re.compile(r'<div class="leaflet-marker-icon gp-lbl (gp-lbl-\w+)[^"]*" style="[^"]*?'
                   r'translate3d\((-?[\d.]+)px, (-?[\d.]+)px, 0px\)[^"]*?visibility: (\w+);[^"]*">'
                   r"<span>([^<]*)</span></div>")
DATA = re.compile(r'<script type="application/json" id="gp-data">(.*?)</script>', re.S)
#: Font sizes of the labels (px, plan.css); the names here are CJK, one em wide per character.
FONT_PX = {"gp-lbl-sub": 14.0, "gp-lbl-com": 11.5}
LINE_HEIGHT = 1.45  # body line height (plan.css)
CJK_DIGITS = "零一二三四五六七八九"


@pytest.fixture(scope="module")
def results(demo_dir):
    cfg = read_plan_config(demo_dir / "plan.toml")
    return run_plan(cfg, load_plan_inputs(cfg))


def _labels(dom: str) -> list[tuple[str, float, float, bool, str]]:
    """(class, x, y, visible, name) of every boundary label in a dumped page."""
    return [(cls, float(x), float(y), vis == "visible", html.unescape(name))
            for cls, x, y, vis, name in LABEL.findall(dom)]


def _touching(labels: list[tuple[str, float, float, bool, str]]) -> list[tuple[str, str]]:
    """Pairs of visible labels whose text boxes (centred on the marker) overlap."""
    boxes = [(name, x, y, FONT_PX[cls] * len(name) / 2, FONT_PX[cls] * LINE_HEIGHT / 2)
             for cls, x, y, vis, name in labels if vis]
    return [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if abs(a[1] - b[1]) < a[3] + b[3] - 1 and abs(a[2] - b[2]) < a[4] + b[4] - 1]


def _listed(dom: str) -> list[str]:
    """The names listed as hidden in the side panel."""
    return [html.unescape(n) for n in
            re.findall(r'<button class="gp-hidden-name" type="button">([^<]*)</button>', dom)]


def _dom(tmp_path, page, window: str = "1400,1000") -> str:
    run = run_chromium(tmp_path, page.as_uri(), "--dump-dom", window=window)
    assert run.returncode == 0, run.stderr[-2000:]
    assert console_errors(run.stderr) == []
    assert 'data-gp-ready="1"' in run.stdout
    return run.stdout


def _dense_town(results, columns: int, rows: int, suffix: str = "社区"):
    """The demo with its communities replaced by a ``columns`` x ``rows`` grid over the same
    area, named with CJK digits and ``suffix`` (e.g. 一二社区): more names than fit at the
    default zoom."""
    com = results.inputs.communities
    minx, miny, maxx, maxy = com.total_bounds
    xs, ys = np.linspace(minx, maxx, columns + 1), np.linspace(miny, maxy, rows + 1)
    cells = [shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1])
             for j in range(rows) for i in range(columns)]
    codes = [f"9{k:04d}" for k in range(len(cells))]
    names = ["".join(CJK_DIGITS[int(d)] for d in str(k + 1)) + suffix for k in range(len(cells))]
    dense = com.iloc[:0].reindex(codes)
    dense["name"] = names
    dense = dense.set_geometry(cells, crs=com.crs)
    dense.index.name = com.index.name
    inputs = dataclasses.replace(results.inputs, communities=dense)
    return dataclasses.replace(results, inputs=inputs), names


# ------------------------------------------------------------------ positions (no browser)
def test_label_spots_start_at_the_representative_point_and_stay_inside(results):
    com = results.inputs.communities
    spots = plan.label_spots(com.geometry)
    assert len(spots) == len(com)
    for g, s in zip(com.geometry, spots, strict=True):
        assert 2 <= len(s) <= plan.LABEL_SPOTS
        assert np.allclose(s[0], shapely.get_coordinates(g.representative_point())[0])
        assert shapely.contains_xy(g, s[:, 0], s[:, 1]).all()
        assert len(np.unique(np.round(s, 3), axis=0)) == len(s)
        d = np.hypot(*(s - s[0]).T)
        assert (np.diff(d) >= -1e-9).all()  # nearest first


def test_a_long_narrow_village_gets_spots_along_its_length(results):
    """The demo's villages are 500 m wide and 2,400 m long: their names can move up or down
    out of the way of the township's name, which sits across their middle."""
    com = results.inputs.communities
    villages = com[com["name"].str.endswith("村")]
    assert len(villages) == 4
    for g, s in zip(villages.geometry, plan.label_spots(villages.geometry), strict=True):
        height_m = g.bounds[3] - g.bounds[1]
        moved = s[1:] - s[0]
        assert (np.abs(moved[:, 1]) >= height_m / 10).sum() >= 4  # up and down, several steps


def test_label_spots_of_empty_and_degenerate_shapes():
    square = shapely.box(0, 0, 100, 100)
    ring = square.difference(shapely.box(20, 20, 80, 80))  # a hole where the centre would be
    spots = plan.label_spots([None, shapely.Polygon(), square, ring])
    assert [len(s) for s in spots[:2]] == [0, 0]
    assert len(spots[2]) == plan.LABEL_SPOTS
    assert shapely.contains_xy(ring, spots[3][:, 0], spots[3][:, 1]).all()
    assert len(plan.label_spots([square], spots=1)[0]) == 1


@pytest.mark.parametrize("gcj02", [False, True])
def test_map_data_carries_every_labels_spots(results, gcj02):
    page = plan_map(results, offline=not gcj02, tiles="amap" if gcj02 else None)
    data = json.loads(DATA.search(page.get_root().render()).group(1))
    for key, gdf in (("communities", results.inputs.communities),
                     ("subdistricts", results.inputs.subdistricts)):
        block = data[key]
        assert len(block["label_xy"]) == 2 * len(gdf) and len(block["label_dxy"]) == len(gdf)
        for i, (g, d) in enumerate(zip(block["geom"], block["label_dxy"], strict=True)):
            assert d and len(d) % 2 == 0
            x0, y0 = block["label_xy"][2 * i], block["label_xy"][2 * i + 1]
            ring = np.cumsum(np.reshape(g[0][0], (-1, 2)), axis=0) / plan.COORD_SCALE
            pts = (np.array([x0, y0]) + np.reshape(d, (-1, 2))) / plan.COORD_SCALE
            poly = shapely.Polygon(ring).buffer(2 / plan.COORD_SCALE)  # rounding of 1e-5 degree
            assert shapely.contains_xy(poly, pts[:, 0], pts[:, 1]).all()


# ------------------------------------------------------------------ the drawn page
@pytest.mark.browser
@pytest.mark.parametrize("window", ["1400,1000", "1000,650"])
def test_every_demo_name_is_shown_at_the_default_zoom(results, tmp_path, window):
    """Two of the four village names used to be hidden: they sat under the township's name."""
    page = save_map(plan_map(results), tmp_path / "map.html")
    labels = _labels(_dom(tmp_path, page, window))
    names = set(results.inputs.communities["name"]) | set(results.inputs.subdistricts["name"])
    assert {name for *_, name in labels} == names
    assert [name for _, _, _, vis, name in labels if not vis] == []
    assert _touching(labels) == []


@pytest.mark.browser
def test_names_that_do_not_fit_are_listed_beside_the_map(results, tmp_path):
    """A town with 240 communities: the names that fit are drawn without touching; every
    other one is a button in the side panel (a click zooms to its boundary)."""
    dense, names = _dense_town(results, 24, 10)
    page = save_map(plan_map(dense), tmp_path / "map.html")
    dom = _dom(tmp_path, page)
    labels = [lb for lb in _labels(dom) if lb[0] == "gp-lbl-com"]
    shown = [name for _, _, _, vis, name in labels if vis]
    section = re.search(r'<section class="gp-hidden" id="gp-hidden-labels"[^>]*>(.*?)</section>',
                        dom, re.S)
    assert section is not None
    listed = _listed(section.group(1))
    assert shown and listed
    assert sorted(shown + listed) == sorted(names)  # each name once: on the map or in the list
    assert f"{len(listed)} 个名称" in section.group(1)
    assert _touching(_labels(dom)) == []


@pytest.mark.browser
def test_listed_names_are_text(results, tmp_path):
    evil = '<img src=x onerror="document.title=666">{{ 6*7 }}'
    dense, _ = _dense_town(results, 24, 10, suffix=evil)
    dom = _dom(tmp_path, save_map(plan_map(dense), tmp_path / "map.html"))
    shown = re.sub(r"<(script|style)\b.*?</\1>", "", dom, flags=re.S)
    assert "<img" not in shown and "<title>666" not in shown
    listed = _listed(shown)
    assert listed and all(n.endswith(evil) for n in listed)


@pytest.mark.browser
def test_a_click_on_a_listed_name_zooms_to_it_and_shows_it(results, tmp_path):
    dense, _ = _dense_town(results, 24, 10)
    page = save_map(plan_map(dense), tmp_path / "map.html")
    click = """<script>window.addEventListener("load", function () {
      var b = document.querySelector("#gp-hidden-labels button"), m = window.gpPlanMap.map;
      var z0 = m.getZoom(), name = b.textContent;
      b.click();
      var shown = [].some.call(document.querySelectorAll(".gp-lbl-com"), function (e) {
        return e.textContent === name && e.style.visibility === "visible";
      });
      document.documentElement.setAttribute("data-test-click", [m.getZoom() > z0, shown].join());
    });</script>"""
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", click + "</body>"),
                    encoding="utf-8")
    assert 'data-test-click="true,true"' in _dom(tmp_path, page)


@pytest.mark.browser
def test_a_point_sized_community_a_blank_name_and_a_long_name_keep_the_map_working(results, tmp_path):
    """The last community of a crowded town is a 0.3 m sliver (a point once rounded): listed,
    a click on it zooms to at most the closest fit zoom with no script error; a blank name is
    drawn as the community's code, a very long one within a bounded width."""
    dense, names = _dense_town(results, 24, 10)
    com = dense.inputs.communities.copy()
    x, y = com.geometry.iloc[-1].representative_point().coords[0]
    geoms = com.geometry.to_numpy()
    geoms[-1] = shapely.box(x, y, x + 0.3, y + 0.3)
    com = com.set_geometry(list(geoms), crs=com.crs)
    long_name = "长" * 300 + "社区"
    com.iloc[0, com.columns.get_loc("name")] = "   "
    com.iloc[1, com.columns.get_loc("name")] = long_name
    town = dataclasses.replace(dense, inputs=dataclasses.replace(dense.inputs, communities=com))
    page = save_map(plan_map(town), tmp_path / "map.html")
    click = """<script>window.addEventListener("load", function () {
      var m = window.gpPlanMap.map, hit = "none";
      [].forEach.call(document.querySelectorAll("#gp-hidden-labels button"), function (b) {
        if (b.textContent === TINY) { b.click(); hit = String(isFinite(m.getZoom()) && m.getZoom() <= 18); }
      });
      var widths = [].map.call(document.querySelectorAll(".gp-lbl-com span"), function (e) {
        return e.getBoundingClientRect().width; });
      document.documentElement.setAttribute("data-test-tiny", hit);
      document.documentElement.setAttribute("data-test-widest",
                                            String(Math.round(Math.max.apply(null, widths))));
    });</script>""".replace("TINY", json.dumps(names[-1]))
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", click + "</body>"),
                    encoding="utf-8")
    dom = _dom(tmp_path, page)  # no console error
    assert 'data-test-tiny="true"' in dom
    widest = int(re.search(r'data-test-widest="(\d+)"', dom).group(1))
    assert widest <= 16 * FONT_PX["gp-lbl-com"] + 2
    code = com.index[0]
    assert any(name == code for *_, name in _labels(dom))
