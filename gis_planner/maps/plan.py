"""The plan map: one folium map with every layer of a plan run (see :func:`plan_map`)."""

from __future__ import annotations

import html
import math
import os
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from gis_planner._fs import atomic_path
from gis_planner.categories import category_table, label
from gis_planner.report.i18n import STRINGS, Lang, check_lang, t

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

#: Online base maps: name -> (URL template, attribution, coordinate system of the tiles).
TILES: dict[str, tuple[str, str, str]] = {
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "&copy; OpenStreetMap contributors", "wgs84"),
    "amap": ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
             "&x={x}&y={y}&z={z}", "&copy; 高德地图 AutoNavi", "gcj02"),
    "tianditu": ("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                 "&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                 "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}",
                 "&copy; 天地图 Tianditu", "wgs84"),
}
_SUBDOMAINS = {"amap": "1234", "tianditu": "01234567"}

#: Walking-minute classes of the compound layer: (upper bound in minutes, colour).
MINUTE_CLASSES: tuple[tuple[float, str], ...] = (
    (5.0, "#1a9850"), (10.0, "#91cf60"), (15.0, "#fc8d59"), (math.inf, "#d73027"))
UNREACHABLE = "#7f7f7f"
GROUP_COLOURS = {"elderly": "#984ea3", "civic": "#377eb8", "health": "#e41a1c",
                 "education": "#ff7f00", "commerce": "#4daf4a", "culture": "#a65628",
                 "sport": "#f781bf"}
STATUS_COLOURS = {"within_band": "#66bd63", "too_small": "#fdae61", "too_large": "#8c510a"}

# folium wraps popup and tooltip HTML in JavaScript template literals (`...`), so besides the
# HTML metacharacters the backtick, "$" (for ${...}) and the backslash must be neutralised too.
_JS_TEMPLATE = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})
# A tiny stand-in for the one jQuery call folium's popups make: $(`<div>…</div>`)[0].
_DOLLAR_SHIM = ("window.$=window.$||function(s){var t=document.createElement('template');"
                "t.innerHTML=String(s).trim();return [t.content.firstChild];};")


def esc(value: object) -> str:
    """``value`` as text safe inside HTML and inside folium's JavaScript template literals."""
    return html.escape(str(value), quote=True).translate(_JS_TEMPLATE)


def _asset(name: str) -> str:
    return resources.files("gis_planner.maps").joinpath("assets", name).read_text(encoding="utf-8")


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


def _minute_colour(minutes: float) -> str:
    if minutes is None or not np.isfinite(minutes):
        return UNREACHABLE
    return next(c for ub, c in MINUTE_CLASSES if minutes <= ub)


def _popup(rows: list[tuple[str, object]]) -> folium.Popup:
    import folium

    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return folium.Popup(f"<table>{body}</table>", parse_html=False, max_width=320)


def _geojson(gdf: gpd.GeoDataFrame, name: str, style: dict[str, Any]) -> folium.GeoJson:
    """Geometry-only GeoJSON layer (no attribute reaches the page)."""
    import folium

    geo = gdf[[gdf.geometry.name]].reset_index(drop=True)
    return folium.GeoJson(geo.to_json(drop_id=True), name=name,
                          style_function=lambda _f, s=style: s)


def _frame(obj: Any) -> Any:
    from gis_planner.report.model import frame_of

    return frame_of(obj)


def _legend(lang: Lang, *, cat_label: str, groups: list[str], with_status: bool,
            with_sites: bool) -> str:
    rows = [f"<b>{esc(t('map_legend', lang))}</b>",
            f"<i>{esc(t('map_households', lang, cat=cat_label))}</i>"]
    lower = 0.0
    for ub, colour in MINUTE_CLASSES:
        rng = f"{lower:g}–{ub:g}" if np.isfinite(ub) else f"> {lower:g}"
        rows.append(f'<span style="background:{colour}" class=gp-sw></span>{esc(rng)}')
        lower = ub
    rows.append(f'<span style="background:{UNREACHABLE}" class=gp-sw></span>'
                f"{esc(t('map_unreachable', lang))}")
    if groups:
        rows.append(f"<i>{esc(t('map_facilities', lang))}</i>")
        for g in groups:
            name = t(f"group_{g}", lang) if f"group_{g}" in STRINGS else g
            rows.append(f'<span style="background:{GROUP_COLOURS.get(g, "#333")};'
                        f'border-radius:50%" class=gp-sw></span>{esc(name)}')
    if with_status:
        rows.append(f"<i>{esc(t('map_communities', lang))}</i>")
        for s, colour in STATUS_COLOURS.items():
            rows.append(f'<span style="background:{colour}" class=gp-sw></span>{esc(t(s, lang))}')
    if with_sites:
        rows.append(f'<span class=gp-star>★</span>{esc(t("map_sites", lang))}')
    return ('<div id="gp-legend" style="position:absolute;bottom:48px;left:10px;'
            'max-width:300px;z-index:1000;'
            'background:rgba(255,255,255,.92);padding:8px 10px;border-radius:6px;'
            'font:12px sans-serif;line-height:18px;box-shadow:0 1px 4px rgba(0,0,0,.3)">'
            '<style>.gp-sw{display:inline-block;width:12px;height:12px;margin-right:6px;'
            'vertical-align:middle}.gp-star{color:#c51b7d;font-size:16px;margin-right:4px}'
            "</style>" + "<br>".join(rows) + "</div>")


def plan_map(results: Any, *, lang: str = "zh", offline: bool = True,
             tiles: str | None = None, tianditu_key: str | None = None,
             category: str | None = None) -> folium.Map:
    """The plan map of a plan run, one call.

    Parameters
    ----------
    results
        A :class:`gis_planner.pipeline.PlanResults`.
    lang
        ``zh`` or ``en``: layer names, popups and legend.
    offline
        True (default): Leaflet's script and stylesheet are inlined and no base tiles are
        drawn, so the saved page needs no internet; every vector layer shows.
    tiles
        Online base map (needs ``offline=False``): ``"osm"``, ``"amap"`` (GCJ-02 tiles: every
        vector layer is shifted WGS-84 -> GCJ-02 so it lines up) or ``"tianditu"``
        (CGCS2000 ≈ WGS-84, no shift; needs ``tianditu_key``).
    tianditu_key
        Tianditu API key.
    category
        Category the compounds are coloured by (default: the plan's map category).

    Returns
    -------
    folium.Map
        Save it with :func:`save_map`.

    Raises
    ------
    ValueError
        Bad ``lang``, unknown ``tiles``, ``tiles`` with ``offline=True``, or Tianditu without
        a key.
    """
    import folium

    lg = check_lang(lang)
    if tiles is not None and tiles not in TILES:
        raise ValueError(f"tiles must be one of {', '.join(TILES)}; got {tiles!r}.")
    if offline and tiles is not None:
        raise ValueError("tiles need the internet; pass offline=False to use them.")
    if tiles == "tianditu" and not tianditu_key:
        raise ValueError("tiles='tianditu' needs tianditu_key (a Tianditu API key).")
    gcj = tiles is not None and TILES[tiles][2] == "gcj02"
    reach = getattr(results, "reach", None)
    inputs = getattr(results, "inputs", results)
    network = inputs.network
    roads = _display(network.edges, gcj)
    minx, miny, maxx, maxy = roads.total_bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None,
                   control_scale=True, prefer_canvas=False)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    if offline:
        m.default_js = []
        m.default_css = []
        m.get_root().header.add_child(folium.Element(
            f"<style>{_asset('leaflet.css')}</style><script>{_asset('leaflet.js')}</script>"
            f"<script>{_DOLLAR_SHIM}</script>"), name="gp_leaflet_inline", index=0)
    else:
        m.get_root().header.add_child(folium.Element(f"<script>{_DOLLAR_SHIM}</script>"),
                                      name="gp_shim")
    if tiles is not None:
        url, attr, _ = TILES[tiles]
        folium.TileLayer(url.replace("{key}", tianditu_key or ""), attr=attr, name=tiles,
                         subdomains=_SUBDOMAINS.get(tiles, "abc"), max_zoom=18).add_to(m)

    _geojson(roads, t("map_roads", lg), {"color": "#555555", "weight": 1.2,
                                          "opacity": 0.7}).add_to(m)
    # communities by size status
    communities = getattr(inputs, "communities", None)
    chk = _frame(getattr(results, "community_check", None))
    with_status = False
    if communities is not None:
        fg = folium.FeatureGroup(name=t("map_communities", lg))
        com = _display(communities, gcj)
        status = (chk.set_index("community_code")["status"] if chk is not None and
                  "community_code" in chk.columns else
                  chk["status"] if chk is not None and "status" in chk.columns else None)
        with_status = status is not None
        for code, row in com.iterrows():
            st = str(status.get(code, "unknown")) if status is not None else "unknown"
            colour = STATUS_COLOURS.get(st, "#9e9ecb")
            style = {"color": colour, "weight": 2, "fillColor": colour, "fillOpacity": 0.12}
            gj = folium.GeoJson(shapely.to_geojson(row.geometry),
                                style_function=lambda _f, s=style: s)
            st_text = t(st, lg) if st in STATUS_COLOURS or st == "unknown" else st
            folium.Tooltip(esc(f"{row.get('name', '')} ({code}) · {st_text}")).add_to(gj)
            gj.add_to(fg)
        fg.add_to(m)
    # service areas
    sa = getattr(results, "service_areas", None)
    if sa is not None and len(sa):
        sa_cat = str(sa["category"].iloc[0]) if "category" in sa.columns else ""
        minutes = ""
        if reach is not None and sa_cat in reach.category_limits_m:
            minutes = f"{reach.category_limits_m[sa_cat] / (reach.speed_kmh * 1000 / 60):g}"
        _geojson(_display(sa, gcj), t("map_service_areas", lg, cat=label(sa_cat, lg),
                                      minutes=minutes),
                 {"color": "#2c7fb8", "weight": 1, "fillColor": "#41b6c4",
                  "fillOpacity": 0.18}).add_to(m)
    # compounds coloured by walking minutes
    cat = category or getattr(results, "map_category", None) or _default_category(results)
    cat_label = label(cat, lg) if cat else ""
    if reach is not None:
        hh = reach.households
        pts = hh.copy()
        pts = pts.set_geometry(hh.geometry.representative_point())
        pts = _display(pts, gcj)
        fg = folium.FeatureGroup(name=t("map_households", lg, cat=cat_label))
        col = f"{cat}_min"
        for cid, row in pts.iterrows():
            minutes = float(row[col]) if col in pts.columns and row[col] == row[col] else math.nan
            n = float(row[reach.households_col])
            folium.CircleMarker(
                [row.geometry.y, row.geometry.x], radius=3 + min(n, 2000) ** 0.5 / 6,
                color="#333", weight=0.6, fill=True, fill_color=_minute_colour(minutes),
                fill_opacity=0.9,
                popup=_popup([(t("name", lg), row.get("name", "")), ("id", cid),
                              (t("households", lg), f"{n:,.0f}"),
                              (f"{cat_label} – {t('map_minutes', lg)}",
                               f"{minutes:.1f}" if np.isfinite(minutes)
                               else t("map_unreachable", lg)),
                              (t("completeness", lg), f"{100 * float(row['completeness']):.0f}%")]),
                tooltip=folium.Tooltip(esc(row.get("name", cid))),
            ).add_to(fg)
        fg.add_to(m)
    # facilities by category
    fac = _display(inputs.facilities, gcj)
    table = category_table()
    groups = sorted({str(table.at[c, "group"]) for c in fac["category"] if c in table.index})
    fg = folium.FeatureGroup(name=t("map_facilities", lg))
    for fid, row in fac.iterrows():
        c = str(row["category"])
        g = str(table.at[c, "group"]) if c in table.index else ""
        folium.CircleMarker(
            [row.geometry.y, row.geometry.x], radius=5, color="#ffffff", weight=1.2, fill=True,
            fill_color=GROUP_COLOURS.get(g, "#333333"), fill_opacity=1.0,
            popup=_popup([(t("name", lg), row.get("name", "")), ("id", fid),
                          (t("category", lg), label(c, lg))]),
            tooltip=folium.Tooltip(esc(f"{row.get('name', '')} · {label(c, lg)}")),
        ).add_to(fg)
    fg.add_to(m)
    # proposed sites
    sites = _proposed(results, lg)
    if len(sites):
        fg = folium.FeatureGroup(name=t("map_sites", lg))
        sd = _display(sites, gcj)
        for sid, row in sd.iterrows():
            folium.Marker(
                [row.geometry.y, row.geometry.x],
                icon=folium.DivIcon(html='<div style="color:#c51b7d;font-size:26px;'
                                         'text-shadow:0 0 3px #fff;line-height:26px">★</div>',
                                    icon_size=(26, 26), icon_anchor=(13, 13),
                                    class_name="gp-site"),
                popup=_popup([(t("site", lg), sid), (t("name", lg), row.get("name", "")),
                              (t("category", lg), label(str(row.get("category", "")), lg)),
                              (t("reason", lg), row.get("reason", ""))]),
                tooltip=folium.Tooltip(esc(f"★ {row.get('name', sid)}")),
            ).add_to(fg)
        fg.add_to(m)
    m.get_root().html.add_child(folium.Element(_legend(
        lg, cat_label=cat_label, groups=groups, with_status=with_status,
        with_sites=bool(len(sites)))))
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def _default_category(results: Any) -> str | None:
    s = getattr(getattr(results, "config", None), "siting", None) or {}
    cat = s.get("mclp_category") if isinstance(s, dict) else None
    reach = getattr(results, "reach", None)
    if cat and reach is not None and cat in reach.categories:
        return str(cat)
    if reach is not None:
        req = [c for c in reach.required_categories if c in reach.categories]
        return req[0] if req else reach.categories[0]
    return None


def _proposed(results: Any, lang: Lang = "zh") -> gpd.GeoDataFrame:
    """New sites of every siting result, with ``category`` and ``reason``."""
    import geopandas as gpd
    import pandas as pd

    from gis_planner.report.model import new_sites

    parts = []
    for attr in ("siting_mclp", "siting_elderly", "siting", "elderly_siting"):
        res = getattr(results, attr, None)
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


def save_map(m: folium.Map, path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
    """Save ``m`` as one HTML file (atomically)."""
    path = Path(path)
    with atomic_path(path, overwrite=overwrite) as tmp:
        m.save(str(tmp))
        text = tmp.read_text(encoding="utf-8")
        tmp.write_text(_stable_ids(text), encoding="utf-8")
    return path


_FOLIUM_ID = re.compile(r"(?<=_)([0-9a-f]{32})(?![0-9a-f])")


def _stable_ids(text: str) -> str:
    """Replace folium's random element ids (``map_<uuid4 hex>``) by numbers in order of first
    appearance, so the same map gives the same bytes run to run."""
    numbers: dict[str, str] = {}

    def _number(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in numbers:
            numbers[key] = f"{len(numbers) + 1:032x}"
        return numbers[key]

    return _FOLIUM_ID.sub(_number, text)
