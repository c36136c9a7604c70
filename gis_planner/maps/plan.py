"""The plan map: one folium map with every layer of a plan run (see :func:`plan_map`).

Text from the data never becomes code. folium and branca compile every element's template as
Jinja, and branca compiles the *rendered* output of each element once more when it moves it
into the page's header, body or script. So no name, code, title or label from the data goes
through folium here: the map is a plain :class:`folium.Map` (no tiles, no folium layers) plus
one :class:`PlanLayers` element whose output is never a template. That element writes

- the plan's data as one JSON document in ``<script type="application/json" id="gp-data">``
  (``<``, ``>``, ``&``, U+2028 and U+2029 escaped, so nothing in it can close the tag), and
- the static renderer ``assets/plan.js`` and ``assets/plan.css`` shipped with the package,
  which draw every layer in the browser and put data text into the page with ``textContent``
  only.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import sqlite3
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import shapely
from branca.element import Element, MacroElement

from gis_planner._errors import InputDataError
from gis_planner._fs import atomic_path
from gis_planner._units import distance_to_minutes
from gis_planner.categories import category_table, label
from gis_planner.coverage.columns import COMPLETENESS, SNAPPED, covered_col, minutes_col
from gis_planner.plan.i18n import STRINGS, Lang, check_lang, localize, t
from gis_planner.plan.results import new_sites

if TYPE_CHECKING:
    import folium
    import geopandas as gpd
    import pandas as pd
    from branca.element import Figure

    from gis_planner.coverage.reach import ReachResult
    from gis_planner.plan import PlanInputs, PlanResults

logger = logging.getLogger(__name__)

#: Online base maps: name -> (URL template, attribution, coordinate system of the tiles).
TILES: dict[str, tuple[str, str, str]] = {
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "© OpenStreetMap contributors", "wgs84"),
    "amap": ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
             "&x={x}&y={y}&z={z}", "© 高德地图 AutoNavi", "gcj02"),
    "tianditu": ("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                 "&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                 "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}",
                 "© 天地图 Tianditu", "wgs84"),
}
_SUBDOMAINS = {"amap": "1234", "tianditu": "01234567"}

#: Colours of the facility groups (squares). None of them is a colour of the compound
#: classes (green, light green, orange, red; hollow grey for unreachable) or of the proposed
#: sites (gold stars), so no colour means two things on the map.
GROUP_COLOURS = {"elderly": "#762a83", "civic": "#2166ac", "health": "#e7298a",
                 "education": "#8c510a", "commerce": "#00838f", "culture": "#9e9ac8",
                 "sport": "#1b1b6b", "safety": "#000000"}
OTHER_GROUP_COLOUR = "#666666"

#: Compound classes by walking time relative to the category's own limit:
#: (largest share of the limit, covered, colour). A compound is green only when the
#: reachability result marks it covered at that category's limit. The shares (half the
#: limit, 1.5 x the limit) are display classes of our own choosing, not planning standards:
#: the limit itself comes from the profile.
COVERAGE_CLASSES: tuple[tuple[float, bool, str], ...] = (
    (0.5, True, "#1a9850"), (1.0, True, "#a6d96a"),
    (1.5, False, "#fdae61"), (float("inf"), False, "#d73027"))

#: Coordinates travel as integers in units of 1e-5 degree (about 1.1 m).
COORD_SCALE = 100_000
#: Roads and boundaries are simplified by this much (m) before they are drawn; it is below
#: the coordinate precision, so nothing visible changes.
SIMPLIFY_M = 1.0
#: Label positions sent per boundary: its representative point and the nearest points of a
#: square grid through it that lie inside the boundary. The page draws each name at the first
#: position where it fits inside its boundary without touching a name already drawn.
LABEL_SPOTS = 16
#: Step of that grid, in grid steps per longer side of the boundary's bounding box.
LABEL_GRID_STEPS = 8
#: Largest total size of local basemap tiles embedded in one map (bytes).
MAX_EMBEDDED_TILES_BYTES = 20_000_000
#: Deepest zoom level embedded from a local tile source.
MAX_EMBEDDED_ZOOM = 18

_TILE_TYPES = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg", b"RIFF": "image/webp"}
_TILE_EXTS = (".png", ".jpg", ".jpeg", ".webp")
_KEY_CHARS = re.compile(r"[A-Za-z0-9_-]+")

#: Map texts that are not in the report's string table.
UI: dict[str, dict[str, str]] = {
    "category": {"zh": "设施类别", "en": "Category"},
    "speed": {"zh": "步行速度 {speed} km/h", "en": "walking speed {speed} km/h"},
    "limit": {"zh": "步行时间上限 {minutes} 分钟（{metres} 米）",
              "en": "walking limit {minutes} min ({metres} m)"},
    "covered_share": {"zh": "覆盖住户 {share}", "en": "households covered {share}"},
    "compounds": {"zh": "小区（圆点，面积∝户数）", "en": "Compounds (circles, area ∝ households)"},
    "cls_covered": {"zh": "覆盖：{a}–{b} 分钟", "en": "covered: {a}–{b} min"},
    "cls_not": {"zh": "未覆盖：{a}–{b} 分钟", "en": "not covered: {a}–{b} min"},
    "cls_far": {"zh": "未覆盖：> {a} 分钟", "en": "not covered: > {a} min"},
    "facilities": {"zh": "现有设施（方块，按类组着色；当前类别加框）",
                   "en": "Existing facilities (squares by group; chosen category outlined)"},
    "subdistricts": {"zh": "街道/乡镇边界", "en": "Sub-district boundaries"},
    "communities": {"zh": "社区边界", "en": "Community boundaries"},
    "labels": {"zh": "边界名称", "en": "Boundary labels"},
    "hidden_labels": {"zh": "{n} 个名称在当前比例下放不下，点击名称定位：",
                      "en": "Names that do not fit at this zoom ({n}); click one to zoom to it:"},
    "status": {"zh": "规模状态", "en": "Size status"},
    "code": {"zh": "编码", "en": "Code"},
    "north": {"zh": "北", "en": "N"},
    "layers": {"zh": "图层", "en": "Layers"},
    "source": {"zh": "底图", "en": "Base map"},
    "no_basemap": {"zh": "无底图（离线）", "en": "no base map (offline)"},
    "local_tiles": {"zh": "本地瓦片 {name}（已嵌入，离线）", "en": "local tiles {name} (embedded, offline)"},
    "covered": {"zh": "是否覆盖", "en": "Covered"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "other": {"zh": "其他", "en": "Other"},
    "fac_off": {"zh": "空心：未接入路网（距道路超过 {metres} 米），未计入可达性",
                "en": "hollow: off the network (more than {metres} m from a street), not used"},
    "not_used": {"zh": "未计入可达性（距道路超过 {metres} 米）",
                 "en": "not used (more than {metres} m from a street)"},
    "beyond": {"zh": "> {minutes}（超出搜索范围）", "en": "> {minutes} (beyond the search range)"},
    "off_network": {"zh": "未接入路网（距道路超过 {metres} 米）",
                    "en": "off the network (more than {metres} m from a street)"},
}
_REPORT_KEYS = ("map_roads", "map_facilities", "map_sites", "map_minutes", "map_unreachable",
                "map_legend", "name", "households", "category", "completeness", "site",
                "reason")


def _ui(lang: Lang) -> dict[str, str]:
    out = {k: v[lang] for k, v in UI.items()}
    out.update({k: t(k, lang) for k in _REPORT_KEYS})
    return out


def _asset(name: str) -> str:
    return resources.files("gis_planner.maps").joinpath("assets", name).read_text(encoding="utf-8")


_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                 "\u2029": "\\u2029"}
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029]")


def json_for_html(data: object) -> str:
    """``data`` as JSON that is inert inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e``, ``\\u0026`` (nothing can close the
    element or open a comment), U+2028/U+2029 are escaped too; non-finite numbers are
    refused (JSON has none).
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return _JSON_UNSAFE.sub(lambda m: _JSON_ESCAPES[m.group(0)], text)


class _Raw(Element):
    """A page fragment that is output as it is: never compiled as a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: Any) -> str:
        return self._text


class JsonLayers(MacroElement):
    """Layers drawn in the browser: the data as one escaped JSON block (:func:`json_for_html`)
    plus a fixed script and style of the package, added to a :class:`folium.Map`.

    Unlike other folium elements nothing here is a template: data text never becomes code.
    """

    def __init__(self, data: dict[str, Any], *, name: str, data_id: str, script: str) -> None:
        super().__init__()
        self._name = name
        self.data = data
        self.data_id = data_id
        self.script = script

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Put the style, the JSON data and the fixed script into the page (no template)."""
        figure = cast("Figure", self.get_root())
        parent = cast("Element", self._parent)
        payload = dict(self.data, map=parent.get_name())
        figure.header.add_child(_Raw(f"<style>{_asset('plan.css')}</style>"), name="gp_style")
        figure.html.add_child(_Raw(f'<script type="application/json" id="{self.data_id}">'
                                   f"{json_for_html(payload)}</script>"), name=f"{self.data_id}_data")
        figure.script.add_child(_Raw(_asset("dom.js")), name="gp_dom")  # helpers both renderers use
        figure.script.add_child(_Raw(_asset(self.script)), name=f"{self.data_id}_script")


class PlanLayers(JsonLayers):
    """The plan's layers (``map.html``): data block ``gp-data``, renderer ``assets/plan.js``."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data, name="PlanLayers", data_id="gp-data", script="plan.js")


# ------------------------------------------------------------------ geometry encoding
def _display(gdf: gpd.GeoDataFrame, gcj02: bool) -> gpd.GeoDataFrame:
    """``gdf`` in lon/lat (EPSG:4326), shifted to GCJ-02 when the tiles need it."""
    out = gdf.to_crs(4326)
    if gcj02:
        from gis_planner.io.coords import wgs84_to_gcj02

        def shift(xy: np.ndarray) -> np.ndarray:
            lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
            return np.column_stack([lon, lat])

        out = out.set_geometry(shapely.transform(out.geometry.to_numpy(), shift))
    return out


def _ints(xy: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(xy, dtype=float) * COORD_SCALE).astype(np.int64)


def _line(coords: np.ndarray) -> list[int]:
    """Flat ``[x0, y0, dx1, dy1, …]`` in 1e-5 degree, consecutive duplicates dropped."""
    q = _ints(coords[:, :2])
    d = np.diff(q, axis=0)
    d = d[(d != 0).any(axis=1)]
    return [*q[0].tolist(), *d.ravel().tolist()]


def _lines(geoms: Any) -> list[list[int]]:
    out: list[list[int]] = []
    for g in geoms:
        if g is None or g.is_empty:
            continue
        out += [_line(np.asarray(p.coords)) for p in shapely.get_parts(g) if len(p.coords) >= 2]
    return out


def _polygons(geoms: Any) -> list[list[list[list[int]]]]:
    """Per feature: a list of polygons, each a list of rings (flat delta arrays)."""
    out = []
    for g in geoms:
        polys = [] if g is None or g.is_empty else shapely.get_parts(g)
        out.append([[_line(np.asarray(r.coords)) for r in (p.exterior, *p.interiors)]
                    for p in polys if p.geom_type == "Polygon"])
    return out


def _points(geoms: Any) -> list[int]:
    xy = shapely.get_coordinates(np.asarray(geoms))
    return _ints(xy).ravel().tolist()


def _texts(values: Any) -> list[str]:
    return ["" if v is None or (isinstance(v, float) and v != v) else str(v) for v in values]


def _simplified(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.set_geometry(gdf.geometry.simplify(SIMPLIFY_M, preserve_topology=True))


# ------------------------------------------------------------------ layers
def study_area(inputs: PlanInputs) -> Any:
    """The study area (a shapely geometry in the network's CRS): the union of the sub-districts,
    else of the communities, else the convex hull of the street network."""
    for gdf in (inputs.subdistricts, inputs.communities):
        if gdf is not None and len(gdf):
            return shapely.union_all(gdf.geometry.to_crs(inputs.network.edges.crs).to_numpy())
    return shapely.convex_hull(shapely.union_all(inputs.network.edges.geometry.to_numpy()))


def _categories(results: PlanResults, fac: gpd.GeoDataFrame, lg: Lang) -> tuple[list[dict[str, Any]],
                                                                                   dict[str, int]]:
    """Every category of the reach result (with its limit) and of the facilities, in order."""
    table = category_table()
    reach = results.reach
    ids: list[str] = list(reach.categories)
    ids += [c for c in dict.fromkeys(_texts(fac["category"])) if c not in ids]
    cov = results.coverage
    share = (dict(zip(cov["category"], cov["covered_share"], strict=False))
             if {"category", "covered_share"} <= set(cov.columns) else {})
    out = []
    for c in ids:
        entry: dict[str, Any] = {"id": c, "label": label(c, lg),
                                 "group": str(table.at[c, "group"]) if c in table.index else ""}
        if c in reach.category_limits_m:
            limit_m = float(reach.category_limits_m[c])
            entry["limit_m"] = round(limit_m, 1)
            entry["limit_min"] = round(float(distance_to_minutes(limit_m, reach.speed_kmh)), 2)
            entry["required"] = c in reach.required_categories
            if c in share and share[c] == share[c]:
                entry["share"] = round(float(share[c]), 4)
        out.append(entry)
    return out, {c["id"]: i for i, c in enumerate(out)}


def _compounds(reach: ReachResult, gcj: bool, cats: list[dict[str, Any]]) -> dict[str, Any]:
    hh = reach.households
    pts = _display(hh.set_geometry(hh.geometry.representative_point()), gcj)
    minutes: dict[str, list[float | None]] = {}
    covered: dict[str, str] = {}
    for c in (x["id"] for x in cats if "limit_m" in x):
        col = minutes_col(c)
        if col not in hh.columns:
            continue
        m = hh[col].to_numpy(dtype=float)
        minutes[c] = [round(float(v), 1) if np.isfinite(v) else None for v in m]
        cov = (hh[covered_col(c)].fillna(False).astype(bool).to_numpy()
               if covered_col(c) in hh.columns else np.zeros(len(hh), dtype=bool))
        covered[c] = "".join("1" if v else "0" for v in cov)
    comp = (hh[COMPLETENESS].to_numpy(dtype=float) if COMPLETENESS in hh.columns
            else np.full(len(hh), np.nan))
    snapped = (hh[SNAPPED].fillna(False).astype(bool).to_numpy() if SNAPPED in hh.columns
               else np.ones(len(hh), dtype=bool))
    return {"id": _texts(hh.index), "name": _texts(hh.get("name", [""] * len(hh))),
            "snapped": "".join("1" if v else "0" for v in snapped),
            "households": [int(v) for v in hh[reach.households_col].fillna(0)],
            "completeness": [round(float(v), 3) if np.isfinite(v) else None for v in comp],
            "xy": _points(pts.geometry), "minutes": minutes, "covered": covered}


def label_spots(geoms: Any, *, spots: int = LABEL_SPOTS,
                grid_steps: int = LABEL_GRID_STEPS) -> list[np.ndarray]:
    """Where each polygon's name may be drawn, best first.

    Per polygon of ``geoms`` (shapely polygons in a metric CRS), an array of shape ``(k, 2)``
    with ``k <= spots`` points in the same CRS (m): the representative point, then the points
    of a square grid through it that lie inside the polygon, nearest first. The grid step is
    the longer side of the polygon's bounding box divided by ``grid_steps`` (m), so a long,
    narrow village gets spots along its length. A missing or empty polygon gets none (k = 0).
    """
    out = []
    for g in geoms:
        if g is None or g.is_empty:
            out.append(np.zeros((0, 2)))
            continue
        x0, y0 = shapely.get_coordinates(g.representative_point())[0]
        minx, miny, maxx, maxy = g.bounds
        step_m = max(maxx - minx, maxy - miny) / grid_steps
        if step_m <= 0:
            out.append(np.array([[x0, y0]]))
            continue
        ks = np.arange(-grid_steps, grid_steps + 1, dtype=float)
        gx, gy = np.meshgrid(x0 + ks * step_m, y0 + ks * step_m)
        dx_m, dy_m = gx.ravel() - x0, gy.ravel() - y0
        inside = shapely.contains_xy(g, gx.ravel(), gy.ravel())
        dist_m = np.hypot(dx_m, dy_m)
        order = np.lexsort((dx_m, dy_m, dist_m))  # nearest first; ties broken by position
        order = order[inside[order] & (dist_m[order] > 0)][:spots - 1]
        out.append(np.vstack([[x0, y0], np.column_stack([gx.ravel(), gy.ravel()])[order]]))
    return out


def _label_positions(gdf: gpd.GeoDataFrame, gcj: bool) -> tuple[list[int], list[list[int]]]:
    """``label_xy`` (the representative points, flat, 1e-5 degree) and ``label_dxy`` (per
    feature, the other spots of :func:`label_spots` as flat offsets from it, 1e-5 degree)."""
    import geopandas as gpd

    spots = label_spots(gdf.geometry)
    counts = [len(s) for s in spots]
    flat = np.vstack([s for s in spots if len(s)]) if any(counts) else np.zeros((0, 2))
    pts = _display(gpd.GeoDataFrame(geometry=shapely.points(flat), crs=gdf.crs), gcj)
    q = _ints(shapely.get_coordinates(pts.geometry.to_numpy()))
    label_xy: list[int] = []
    label_dxy: list[list[int]] = []
    start = 0
    for n in counts:
        own = q[start:start + n]
        start += n
        label_xy += own[0].tolist() if n else [0, 0]
        label_dxy.append((own[1:] - own[0]).ravel().tolist() if n else [])
    return label_xy, label_dxy


def _boundaries(gdf: gpd.GeoDataFrame, gcj: bool, *, status: pd.Series | None = None,
                lg: Lang = "zh") -> dict[str, Any]:
    disp = _display(_simplified(gdf), gcj)
    label_xy, label_dxy = _label_positions(gdf, gcj)
    out: dict[str, Any] = {"code": _texts(gdf.index),
                           "name": _texts(gdf.get("name", [""] * len(gdf))),
                           "geom": _polygons(disp.geometry), "label_xy": label_xy,
                           "label_dxy": label_dxy}
    if status is not None:
        st = [str(status.get(code, "unknown")) for code in gdf.index]
        out["status"] = [t(s, lg) if s in STRINGS else s for s in st]
    return out


def _community_status(results: PlanResults) -> pd.Series | None:
    if results.community_check is None:
        return None
    chk = results.community_check.table
    if "status" not in chk.columns:
        return None
    return chk.set_index("community_code")["status"]


def _proposed(results: PlanResults, lang: Lang = "zh") -> gpd.GeoDataFrame:
    """New sites of every siting result, with ``category`` and ``reason``."""
    import geopandas as gpd
    import pandas as pd

    parts = []
    for outcome in results.siting:
        res = outcome.result
        if res is None:
            continue
        ch = new_sites(res)
        ex = res.explain(lang)
        part = gpd.GeoDataFrame({"name": ch.get("name", pd.Series("", index=ch.index)),
                                 "category": res.category or "",
                                 "reason": [str(ex.at[i, "explanation"]) if i in ex.index
                                            and "explanation" in ex.columns else ""
                                            for i in ch.index]},
                                index=ch.index, geometry=ch.geometry, crs=ch.crs)
        parts.append(part)
    if not parts:
        return gpd.GeoDataFrame(geometry=[], crs=4326)
    return pd.concat(parts)


def _default_category(results: PlanResults) -> str | None:
    """The category shown first: the plan's siting category, else the first required one,
    else the first one, preferring categories that have at least one facility."""
    reach = results.reach
    if not reach.categories:
        return None
    first = [j.category for j in results.config.jobs if j.model != "per-subdistrict"]
    order = [c for c in (*first, *reach.required_categories, *reach.categories)
             if c in reach.categories]
    present = set(_texts(reach.facilities["category"])) if "category" in reach.facilities else set()
    return next((str(c) for c in order if c in present), str(order[0]))


# ------------------------------------------------------------------ local basemap
def _tile_type(blob: bytes, where: str) -> str:
    for magic, mime in _TILE_TYPES.items():
        if blob.startswith(magic):
            return mime
    raise InputDataError(f"{where}: not a PNG, JPEG or WebP image tile.")


def _tile_range(bounds: tuple[float, float, float, float], z: int) -> tuple[int, int, int, int]:
    """XYZ tile columns and rows covering lon/lat ``bounds`` at zoom ``z``."""
    w, s, e, n = bounds
    count = 2 ** z

    def col(lon: float) -> int:
        return min(count - 1, max(0, int((lon + 180.0) / 360.0 * count)))

    def row(lat: float) -> int:
        lat_r = np.radians(max(min(lat, 85.0511), -85.0511))
        y = (1.0 - np.log(np.tan(lat_r) + 1.0 / np.cos(lat_r)) / np.pi) / 2.0
        return min(count - 1, max(0, int(y * count)))

    return col(w), row(n), col(e), row(s)


TileGetter = Callable[[int, int, int], "bytes | None"]


def _tile_source(source: Path) -> tuple[list[int], TileGetter, Callable[[], None] | None]:
    """The zoom levels, a tile reader ``(z, x, y) -> bytes | None`` (XYZ rows) and a closer of a
    local tile source (an MBTiles file or a ``z/x/y`` folder).

    Raises
    ------
    InputDataError
        A source that is neither, or an unreadable MBTiles file.
    """
    if source.is_dir():
        def get_file(z: int, x: int, y: int) -> bytes | None:
            for ext in _TILE_EXTS:
                f = source / str(z) / str(x) / f"{y}{ext}"
                if f.is_file():
                    return f.read_bytes()
            return None

        zooms = sorted(int(p.name) for p in source.iterdir() if p.is_dir() and p.name.isdigit())
        return zooms, get_file, None
    if not (source.is_file() and source.suffix.lower() == ".mbtiles"):
        raise InputDataError(f"{source}: a local basemap is an .mbtiles file or a folder of "
                             "z/x/y.png tiles.")
    try:
        con = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        zooms = [int(r[0]) for r in con.execute("SELECT DISTINCT zoom_level FROM tiles ORDER BY zoom_level")]
    except sqlite3.Error as exc:
        raise InputDataError(f"{source}: not a readable MBTiles file ({exc}).") from exc

    def get_row(z: int, x: int, y: int) -> bytes | None:
        r = con.execute("SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? "
                        "AND tile_row=?", (z, x, 2 ** z - 1 - y)).fetchone()  # TMS rows
        return bytes(r[0]) if r else None

    return zooms, get_row, con.close


def _local_tiles(source: Path, bounds: tuple[float, float, float, float], *,
                 max_bytes: int) -> dict[str, Any]:
    """Tiles of an MBTiles file or a ``z/x/y.png`` folder covering ``bounds`` (lon/lat),
    zoom by zoom from the shallowest, as data URIs, until ``max_bytes`` would be exceeded."""
    zooms, get, close = _tile_source(source)
    tiles: dict[str, str] = {}
    used = 0
    deepest = None
    try:
        for z in (z for z in zooms if 0 <= z <= MAX_EMBEDDED_ZOOM):
            x0, y0, x1, y1 = _tile_range(bounds, z)
            level: dict[str, str] = {}
            size = 0
            for x in range(x0, x1 + 1):
                for y in range(y0, y1 + 1):
                    blob = get(z, x, y)
                    if blob is None:
                        continue
                    mime = _tile_type(blob, f"{source} tile {z}/{x}/{y}")
                    level[f"{z}/{x}/{y}"] = f"data:{mime};base64,{base64.b64encode(blob).decode()}"
                    size += len(level[f"{z}/{x}/{y}"])
            if used + size > max_bytes:
                break
            if level:
                tiles.update(level)
                used += size
                deepest = z
    finally:
        if close is not None:
            close()
    if deepest is None:
        raise InputDataError(f"{source}: no tile covers the plan area "
                         f"(lon {bounds[0]:.4f}–{bounds[2]:.4f}, lat {bounds[1]:.4f}–{bounds[3]:.4f})"
                         " within the size limit.")
    logger.info("embedded %d basemap tiles (%.1f MB, zoom %d–%d) from %s", len(tiles), used / 1e6,
                min(int(k.split("/")[0]) for k in tiles), deepest, source.name)
    return {"local": tiles, "max_native_zoom": deepest, "source": source.name,
            "min_zoom": min(int(k.split("/")[0]) for k in tiles)}


# ------------------------------------------------------------------ the map
# ---------------------------------------------------- the plan's extra layers (elderly, centres, grids)
#: Colours of the extra layers. Choropleth classes run red (worst) to green (meets the norm);
#: grid outlines are coloured by band status. Display classes of our own choosing, not
#: planning standards: the norms they compare with come from the standards' files.
SCORE_COLOURS = ("#d73027", "#fc8d59", "#fee08b", "#1a9850")
BAND_COLOURS = {"in_band": "#1a9850", "under_band": "#4575b4", "over_band": "#d73027"}
ELDERLY_SITE_COLOUR = "#762a83"
SPACE_COLOUR = "#00838f"
AUDIT_COLOURS = {"gap": "#e41a1c", "overlap": "#984ea3", "crossing": "#ff7f00"}

#: Texts of the extra layers.
LAYER_UI: dict[str, dict[str, str]] = {
    "elderly_scores": {"zh": "老年人可达容量（每千名老人，{level}）",
                       "en": "Places per 1,000 older residents ({level})"},
    "elderly_shortfall": {"zh": "各社区养老容量缺口（{level}，{unit}）",
                          "en": "Elderly-care shortfall per community ({level}, {unit})"},
    "elderly_sites": {"zh": "建议新增养老设施", "en": "Proposed elderly-care sites"},
    "centre_spaces": {"zh": "选用的存量空间（社区服务功能组合）", "en": "Chosen idle spaces (bundles)"},
    "grids": {"zh": "网格（按户数区间着色）", "en": "Grids (coloured by household band)"},
    "micro_grids": {"zh": "微网格", "en": "Micro-grids (微网格)"},
    "audit": {"zh": "现有网格核查：缺口、重叠、跨社区", "en": "Grid audit: gaps, overlaps, crossings"},
    "score_none": {"zh": "0（步行范围内无容量）", "en": "0 (no places within walking reach)"},
    "score_low": {"zh": "低于标准一半", "en": "below half the norm"},
    "score_mid": {"zh": "标准一半至标准", "en": "half the norm to the norm"},
    "score_ok": {"zh": "达到标准（{norm}）", "en": "meets the norm ({norm})"},
    "short_none": {"zh": "无缺口", "en": "no shortfall"},
    "short_low": {"zh": "缺口 ≤ {v} {unit}（有缺口社区的中位数）",
                  "en": "shortfall up to {v} {unit} (the median of the communities with one)"},
    "short_high": {"zh": "缺口 > {v} {unit}", "en": "shortfall above {v} {unit}"},
    "in_band": {"zh": "户数在区间内", "en": "households within the band"},
    "under_band": {"zh": "户数低于区间", "en": "households below the band"},
    "over_band": {"zh": "户数高于区间", "en": "households above the band"},
    "gap": {"zh": "未划入网格的社区用地", "en": "community land in no grid"},
    "overlap": {"zh": "网格重叠", "en": "grids overlapping"},
    "crossing": {"zh": "跨越社区边界的网格", "en": "grid crossing a community boundary"},
    "level": {"zh": "层级", "en": "Level"}, "places_per_1000": {"zh": "每千名老人容量", "en": "Places per 1,000"},
    "elderly_60": {"zh": "60岁以上老人", "en": "Residents 60+"}, "shortfall": {"zh": "缺口", "en": "Shortfall"},
    "size": {"zh": "规模", "en": "Size"}, "capacity": {"zh": "容量", "en": "Capacity"},
    "floor_area_m2": {"zh": "建筑面积（m²）", "en": "Floor area (m²)"},
    "elderly_served": {"zh": "服务老人", "en": "Older residents served"},
    "functions": {"zh": "功能组合", "en": "Functions"}, "area": {"zh": "面积（m²，使用/可用）",
                                                        "en": "Area (m², used/available)"},
    "new_households": {"zh": "新增可达", "en": "Newly within reach"},
    "grid_code": {"zh": "网格编码", "en": "Grid code"}, "band": {"zh": "户数区间", "en": "Band"},
    "area_m2": {"zh": "面积（m²）", "en": "Area (m²)"},
}


def _lt(key: str, lg: Lang, **fmt: object) -> str:
    text = LAYER_UI[key][lg]
    return text.format(**fmt) if fmt else text


def _n(v: Any) -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not np.isfinite(x):
        return "–"
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else f"{x:,.1f}"


def _layer(key: str, name: str, kind: str, gdf: gpd.GeoDataFrame, *, gcj: bool, colours: list[str],
           popups: list[list[list[str]]], legend: list[list[str]], show: bool = False) -> dict[str, Any]:
    """One extra layer as JSON data: ``kind`` ``fill`` (polygons), ``outline`` (polygons,
    stroke only) or ``point``; one colour and popup (rows of [label, text]) per feature."""
    disp = _display(gdf if kind == "point" else _simplified(gdf), gcj)
    out: dict[str, Any] = {"key": key, "name": name, "kind": kind, "colour": colours, "popup": popups,
                           "legend": legend, "show": show}
    if kind == "point":
        out["xy"] = _points(disp.geometry)
    else:
        out["geom"] = _polygons(disp.geometry)
    return out


def _elderly_layers(results: PlanResults, gcj: bool, lg: Lang) -> list[dict[str, Any]]:
    """Elderly scores per compound (choropleth), shortfall per community, proposed sites."""
    import geopandas as gpd

    res = results.elderly
    if res is None:
        return []
    levels = {lv.id: lv for lv in res.standard.levels}
    totals = res.levels.set_index("level")
    sites = res.sites
    level = (str(sites["level"].iloc[0]) if sites is not None and len(sites) and "level" in sites.columns
             else str(res.levels["level"].iloc[0]))  # the sited level
    level = level if level in levels else str(res.levels["level"].iloc[0])
    lname, unit = levels[level].name(lg), levels[level].unit(lg)
    out = []
    c = res.compounds
    col = f"{level}_places_per_1000"
    if col in c.columns:
        demand, need = (float(x) for x in totals.loc[level, ["demand", "need"]].to_numpy(float))
        norm = 1000.0 * need / demand if demand > 0 else float("nan")
        v = c[col].to_numpy(float)
        cls = np.where(~(v > 0), 0, np.where(v < norm / 2, 1, np.where(v < norm, 2, 3)))
        polys = c[c.geometry.geom_type.isin(["Polygon", "MultiPolygon"])].index
        sel = c.loc[polys]
        # plain column arrays: one frame lookup per column, not per compound
        names = sel["name"].to_numpy() if "name" in sel else sel.index.to_numpy()
        elderly = sel["elderly_60"].to_numpy() if "elderly_60" in sel else None
        short_col = f"{level}_shortfall"
        short = sel[short_col].to_numpy() if short_col in sel else None
        labels = (_ui(lg)["name"], _lt("elderly_60", lg), _lt("places_per_1000", lg),
                  _lt("shortfall", lg))
        pops = [[[labels[0], str(names[r])],
                 [labels[1], _n(elderly[r]) if elderly is not None else "–"],
                 [labels[2], _n(v)],
                 [labels[3], _n(short[r]) if short is not None else "–"]]
                for r, v in enumerate(sel[col].to_numpy())]
        colours = [SCORE_COLOURS[int(k)] for k, keep in zip(cls, c.index.isin(polys), strict=True) if keep]
        legend = [[SCORE_COLOURS[0], _lt("score_none", lg)], [SCORE_COLOURS[1], _lt("score_low", lg)],
                  [SCORE_COLOURS[2], _lt("score_mid", lg)], [SCORE_COLOURS[3], _lt("score_ok", lg, norm=_n(norm))]]
        if len(sel):
            out.append(_layer("elderly_scores", _lt("elderly_scores", lg, level=lname), "fill",
                              gpd.GeoDataFrame(sel, geometry=sel.geometry, crs=c.crs), gcj=gcj,
                              colours=colours, popups=pops, legend=legend))
    com = results.inputs.communities
    if res.by_community is not None and com is not None and len(com):
        bc = res.by_community[res.by_community["level"] == level].set_index("community_code")
        short = bc["shortfall"].reindex(com.index.astype(str)).fillna(0.0).to_numpy(float)
        pos = short[short > 0]
        mid = float(np.median(pos)) if len(pos) else 0.0
        colours = [SCORE_COLOURS[3] if x <= 0 else (SCORE_COLOURS[1] if x <= mid else SCORE_COLOURS[0])
                   for x in short]
        pops = [[[_ui(lg)["name"], str(com.at[i, "name"]) if "name" in com else str(i)],
                 [_ui(lg)["code"], str(i)], [_lt("shortfall", lg), f"{_n(x)} {unit}"]]
                for i, x in zip(com.index, short, strict=True)]
        legend = [[SCORE_COLOURS[3], _lt("short_none", lg)],
                  [SCORE_COLOURS[1], _lt("short_low", lg, v=_n(mid), unit=unit)],
                  [SCORE_COLOURS[0], _lt("short_high", lg, v=_n(mid), unit=unit)]]
        out.append(_layer("elderly_shortfall", _lt("elderly_shortfall", lg, level=lname, unit=unit), "fill",
                          com, gcj=gcj, colours=colours, popups=pops, legend=legend))
    if res.sites is not None and len(res.sites):
        st = res.sites
        pops = [[[_ui(lg)["site"], str(i)], [_ui(lg)["name"], str(st.at[i, "name"]) if "name" in st else ""],
                 [_lt("level", lg), levels[str(st.at[i, "level"])].name(lg) if str(st.at[i, "level"]) in levels
                  else str(st.at[i, "level"])],
                 [_lt("size", lg), localize(st.at[i, "size"], lg) if "size" in st else ""],
                 [_lt("capacity", lg), _n(st.at[i, "capacity"]) if "capacity" in st else ""],
                 [_lt("floor_area_m2", lg), _n(st.at[i, "floor_area_m2"]) if "floor_area_m2" in st else ""],
                 [_lt("elderly_served", lg), _n(st.at[i, "elderly_served"]) if "elderly_served" in st else ""]]
                for i in st.index]
        out.append(_layer("elderly_sites", _lt("elderly_sites", lg), "point", st, gcj=gcj,
                          colours=[ELDERLY_SITE_COLOUR] * len(st), popups=pops,
                          legend=[[ELDERLY_SITE_COLOUR, _lt("elderly_sites", lg)]], show=True))
    return out


def _centre_layers(results: PlanResults, gcj: bool, lg: Lang) -> list[dict[str, Any]]:
    """The chosen idle spaces with their bundle."""
    plan = results.centres
    if plan is None:
        return []
    ch = plan.chosen
    if not len(ch):
        return []
    names = {f.id: f.name(lg) for f in plan.standard.functions}
    sep = "、" if lg == "zh" else ", "
    reasons = plan.reasons(lg)  # in the map's language, whatever the run's
    pops = [[[_ui(lg)["site"], str(i)], [_ui(lg)["name"], str(ch.at[i, "name"])],
             [_lt("functions", lg), sep.join(names.get(x, x) for x in str(ch.at[i, "functions"]).split(";") if x)],
             [_lt("area", lg), f"{_n(ch.at[i, 'area_used_m2'])}/{_n(ch.at[i, 'area_m2'])}"],
             [_lt("new_households", lg), _n(ch.at[i, "new_households"])],
             [_ui(lg)["reason"], str(reasons.get(i, ch.at[i, "reason"]))]] for i in ch.index]
    return [_layer("centre_spaces", _lt("centre_spaces", lg), "point", ch, gcj=gcj,
                   colours=[SPACE_COLOUR] * len(ch), popups=pops,
                   legend=[[SPACE_COLOUR, _lt("centre_spaces", lg)]], show=True)]


def _grid_layers(results: PlanResults, gcj: bool, lg: Lang) -> list[dict[str, Any]]:
    """Grids and 微网格 outlined by band status, with their codes; the audit's gaps, overlaps and
    grids crossing a community boundary."""
    import geopandas as gpd

    res = results.grids
    if res is None:
        return []
    out = []
    legend = [[BAND_COLOURS[k], _lt(k, lg)] for k in BAND_COLOURS]
    for key, layer in (("grids", res.grids), ("micro_grids", res.micro_grids)):
        if not len(layer):
            continue
        st = layer["band_status"].astype(str)
        ui, code_label, band_label = _ui(lg), _lt("grid_code", lg), _lt("band", lg)
        pops = [[[code_label, str(i)], [ui["households"], _n(hh)],
                 [band_label, f"{_n(lo)}–{_n(hi)}"],
                 [ui["status"], _lt(status, lg) if status in LAYER_UI else status]]
                for i, hh, lo, hi, status in zip(
                    layer.index, layer["households"].to_numpy(), layer["band_min"].to_numpy(),
                    layer["band_max"].to_numpy(), st.to_numpy(), strict=True)]
        out.append(_layer(key, _lt(key, lg), "outline", layer, gcj=gcj,
                          colours=[BAND_COLOURS.get(x, OTHER_GROUP_COLOUR) for x in st], popups=pops,
                          legend=legend))
    audit = results.grid_audit
    if audit is not None:
        parts, colours, pops = [], [], []
        for kind, frame in (("gap", audit.gaps), ("overlap", audit.overlaps)):
            if len(frame):
                parts.append(frame[[frame.geometry.name]])
                colours += [AUDIT_COLOURS[kind]] * len(frame)
                pops += [[[_ui(lg)["status"], _lt(kind, lg)], [_lt("area_m2", lg), _n(a)]]
                         for a in frame.geometry.area]
        crossing = audit.grids[~audit.grids["nested"].astype(bool)] if "nested" in audit.grids else audit.grids.iloc[:0]
        if len(crossing):
            parts.append(crossing[[crossing.geometry.name]])
            colours += [AUDIT_COLOURS["crossing"]] * len(crossing)
            pops += [[[_ui(lg)["status"], _lt("crossing", lg)], [_lt("grid_code", lg), str(i)]]
                     for i in crossing.index]
        if parts:
            import pandas as pd

            frame = gpd.GeoDataFrame(pd.concat(parts), crs=parts[0].crs)
            out.append(_layer("audit", _lt("audit", lg), "fill", frame, gcj=gcj, colours=colours, popups=pops,
                              legend=[[AUDIT_COLOURS[k], _lt(k, lg)] for k in AUDIT_COLOURS]))
    return out


def plan_layers(results: PlanResults, *, lang: str = "zh", gcj02: bool = False) -> list[dict[str, Any]]:
    """The plan's extra map layers as JSON-ready data (what :func:`plan_map` embeds as
    ``plan_layers``): elderly scores per compound, elderly shortfall per community, proposed
    elderly sites, chosen idle spaces with their bundles, grids and 微网格 by band status and
    the grid audit. Empty when the plan ran none of them.

    Each layer: ``key``, ``name``, ``kind`` (``fill``, ``outline`` or ``point``), ``geom`` or
    ``xy`` (integer coordinates, see :data:`COORD_SCALE`), ``colour`` and ``popup`` (rows of
    [label, text]) per feature, ``legend`` ([colour, text] rows) and ``show`` (on at start:
    the point layers; the area layers are switched on in the layer list, so the coverage
    colours of the compounds stay readable).
    """
    lg = check_lang(lang)
    return [*_elderly_layers(results, gcj02, lg), *_centre_layers(results, gcj02, lg),
            *_grid_layers(results, gcj02, lg)]


def _check_base_options(*, offline: bool, tiles: str | None, tianditu_key: str | None,
                        basemap: str | os.PathLike[str] | None, basemap_coords: str) -> bool:
    """Check the base-map options of :func:`plan_map`; True when the layers must be shifted to
    GCJ-02 to line up with the tiles.

    Raises
    ------
    ValueError
        As :func:`plan_map` says.
    """
    if tiles is not None and tiles not in TILES:
        raise ValueError(f"tiles must be one of {', '.join(TILES)}; got {tiles!r}.")
    if offline and tiles is not None:
        raise ValueError("tiles need the internet; pass offline=False to use them.")
    if tiles is not None and basemap is not None:
        raise ValueError("give tiles (online) or basemap (a local tile source), not both.")
    if tiles == "tianditu" and not tianditu_key:
        raise ValueError("tiles='tianditu' needs tianditu_key (a Tianditu API key).")
    if tianditu_key is not None and not _KEY_CHARS.fullmatch(tianditu_key):
        raise ValueError("tianditu_key holds characters other than letters, digits, - and _.")
    if basemap_coords not in ("wgs84", "gcj02"):
        raise ValueError(f"basemap_coords must be 'wgs84' or 'gcj02'; got {basemap_coords!r}.")
    return (tiles is not None and TILES[tiles][2] == "gcj02") or (
        basemap is not None and basemap_coords == "gcj02")


def plan_map(results: PlanResults, *, lang: str = "zh", offline: bool = True,
             tiles: str | None = None, tianditu_key: str | None = None,
             category: str | None = None, basemap: str | os.PathLike[str] | None = None,
             basemap_coords: str = "wgs84", title: str | None = None) -> folium.Map:
    """The plan map of a plan run, one call.

    Parameters
    ----------
    results
        A :class:`gis_planner.plan.PlanResults`.
    lang
        ``zh`` or ``en``: panel, layer names, popups and legend.
    offline
        True (default): Leaflet and the renderer are inlined and nothing is fetched; with no
        ``basemap`` the background is blank and every vector layer shows.
    tiles
        Online base map (needs ``offline=False``): ``"osm"``, ``"amap"`` (GCJ-02 tiles: every
        vector layer is shifted WGS-84 -> GCJ-02 so it lines up) or ``"tianditu"``
        (CGCS2000 ≈ WGS-84, no shift; needs ``tianditu_key``).
    tianditu_key
        Tianditu API key (letters, digits, ``-`` and ``_``).
    category
        Category shown first (default: the plan's siting category, else the first required
        one); every category can be chosen in the map.
    basemap
        A local tile source: an ``.mbtiles`` file or a folder of ``z/x/y.png`` (``.jpg``,
        ``.webp``) XYZ tiles. The tiles covering the plan area are embedded in the page, zoom
        level by zoom level, up to :data:`MAX_EMBEDDED_TILES_BYTES`; no network is used.
    basemap_coords
        ``wgs84`` (default) or ``gcj02``: the coordinate system the local tiles are drawn in
        (tiles cut from Amap are GCJ-02: every vector layer is then shifted to match).
    title
        Map title (default: the plan's title).

    Returns
    -------
    folium.Map
        Save it with :func:`save_map`; in Jupyter it displays as it is.

    Raises
    ------
    ValueError
        Bad ``lang``, unknown ``tiles``, ``tiles`` with ``offline=True``, ``tiles`` together
        with ``basemap``, Tianditu without a key, or an unusable ``basemap``.
    """
    import folium

    lg = check_lang(lang)
    gcj = _check_base_options(offline=offline, tiles=tiles, tianditu_key=tianditu_key, basemap=basemap,
                              basemap_coords=basemap_coords)
    reach = results.reach
    inputs = results.inputs
    network = inputs.network
    roads = _display(_simplified(network.edges[[network.edges.geometry.name]]), gcj)
    minx, miny, maxx, maxy = (float(v) for v in roads.total_bounds)

    # facilities: inside the study area only
    area = study_area(inputs)
    fac_all = reach.facilities
    inside = shapely.covers(area, fac_all.geometry.to_crs(network.edges.crs).to_numpy())
    if (~inside).any():
        logger.info("map: %d of %d facilities lie outside the study area and are not drawn",
                    int((~inside).sum()), len(fac_all))
    fac = _display(fac_all.loc[inside], gcj)
    cats, cat_index = _categories(results, fac, lg)
    first = category if category is not None else _default_category(results)
    if first is not None and first not in cat_index:
        raise ValueError(f"category {first!r} is not in this plan; expected one of "
                         f"{', '.join(cat_index)}.")
    groups = sorted({c["group"] for c in cats if c["group"]})

    data: dict[str, Any] = {
        "version": 1, "lang": lg, "ui": _ui(lg),
        "title": title if title is not None else results.config.title,
        "speed_kmh": float(reach.speed_kmh),
        "search_cap_min": round(float(distance_to_minutes(reach.search_cap_m, reach.speed_kmh)), 2),
        "snap_tolerance_m": float(reach.snap_tolerance_m),
        "bounds": [miny, minx, maxy, maxx], "coord_scale": COORD_SCALE,
        "categories": cats, "category": first,
        "classes": [{"share": None if not np.isfinite(s) else s, "covered": c, "colour": col}
                    for s, c, col in COVERAGE_CLASSES],
        "groups": [{"id": g, "label": t(f"group_{g}", lg) if f"group_{g}" in STRINGS else g,
                    "colour": GROUP_COLOURS.get(g, OTHER_GROUP_COLOUR)} for g in groups],
        "other_colour": OTHER_GROUP_COLOUR,
        "roads": _lines(roads.geometry),
        "facilities": {"id": _texts(fac.index), "name": _texts(fac.get("name", [""] * len(fac))),
                       "category": [cat_index[c] for c in _texts(fac["category"])],
                       "snapped": "".join("1" if v else "0" for v in (
                           fac[SNAPPED].fillna(False).astype(bool) if SNAPPED in fac.columns
                           else np.ones(len(fac), dtype=bool))),
                       "xy": _points(fac.geometry)},
    }
    data["compounds"] = _compounds(reach, gcj, cats)
    subs = inputs.subdistricts
    if subs is not None and len(subs):
        data["subdistricts"] = _boundaries(subs, gcj)
    com = inputs.communities
    if com is not None and len(com):
        data["communities"] = _boundaries(com, gcj, status=_community_status(results), lg=lg)
    sa = results.service_areas
    if sa is not None and len(sa):
        sa_cat = str(sa["category"].iloc[0]) if "category" in sa.columns else ""
        minutes = next((f"{c['limit_min']:g}" for c in cats
                        if c["id"] == sa_cat and "limit_min" in c), "")
        data["service_areas"] = {"label": t("map_service_areas", lg, cat=label(sa_cat, lg),
                                            minutes=minutes),
                                 "geom": _polygons(_display(_simplified(sa), gcj).geometry)}
    sites = _proposed(results, lg)
    if len(sites):
        sd = _display(sites, gcj)
        data["sites"] = {"id": _texts(sd.index), "name": _texts(sd["name"]),
                         "category": [label(c, lg) for c in _texts(sd["category"])],
                         "reason": _texts(sd["reason"]), "xy": _points(sd.geometry)}
    data["plan_layers"] = plan_layers(results, lang=lg, gcj02=gcj)
    if tiles is not None:
        url, attr, _ = TILES[tiles]
        data["tiles"] = {"url": url, "attribution": attr, "max_zoom": 18,
                         "subdomains": _SUBDOMAINS.get(tiles, "abc"), "key": tianditu_key or ""}
    elif basemap is not None:
        data["tiles"] = {**_local_tiles(Path(basemap), (minx, miny, maxx, maxy),
                                        max_bytes=MAX_EMBEDDED_TILES_BYTES),
                         "attribution": "", "max_zoom": 19}

    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None,
                   control_scale=False, zoom_control=True, prefer_canvas=True)
    if offline:
        m.default_js = []
        m.default_css = []
        cast("Figure", m.get_root()).header.add_child(_Raw(
            f"<style>{_asset('leaflet.css')}</style><script>{_asset('leaflet.js')}</script>"),
            name="gp_leaflet_inline", index=0)
    m.add_child(PlanLayers(data), name="gp_plan_layers")
    return m


def save_map(m: folium.Map, path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
    """Save ``m`` as one HTML file (atomically)."""
    path = Path(path)
    text = _stable_ids(m.get_root().render())
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


_FOLIUM_ID = re.compile(r"(?<=_)([0-9a-f]{32})(?![0-9a-f])")
_MAP_NAME = re.compile(r'("map":"map_)([0-9a-f]{32})(?=")')
_DATA_BLOCK = re.compile(r'(<script type="application/json" id="gp-data">.*?</script>)', re.S)


def _stable_ids(text: str) -> str:
    """Replace folium's random element ids (``map_<uuid4 hex>``) by numbers in order of first
    appearance, so the same map gives the same bytes run to run. Inside the data block only
    the map's own name is replaced: data text is never changed."""
    numbers: dict[str, str] = {}

    def _number(key: str) -> str:
        if key not in numbers:
            numbers[key] = f"{len(numbers) + 1:032x}"
        return numbers[key]

    parts = _DATA_BLOCK.split(text)
    out = []
    for i, part in enumerate(parts):
        if i % 2:  # the data block: only its "map" entry is a folium id
            part = _MAP_NAME.sub(lambda mt: mt.group(1) + _number(mt.group(2)), part, count=1)
        else:
            part = _FOLIUM_ID.sub(lambda mt: _number(mt.group(1)), part)
        out.append(part)
    return "".join(out)
