"""The difference map of a scenario comparison (see :func:`compare_map`).

Compounds are coloured by how their coverage of one facility category changed from run A to
run B: gained, lost, covered in both, covered in neither; a selector in the side panel
switches the category. Run B's sub-district boundaries are drawn with their names. As in
:mod:`gis_planner.maps.plan`, no text from the data goes through folium's templates: the map
is a plain :class:`folium.Map` plus one element writing the data as escaped JSON
(``<script type="application/json" id="gp-compare">``) and the static renderer
``assets/compare.js``, which shows data text with ``textContent`` only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import shapely

from gis_planner.categories import check_lang, label
from gis_planner.maps.plan import (
    COORD_SCALE,
    JsonLayers,
    _asset,
    _display,
    _points,
    _polygons,
    _Raw,
    _simplified,
    _stable_ids,
    _texts,
)

if TYPE_CHECKING:
    import folium
    from branca.element import Figure

#: Colour of each change class: gained, lost, covered in both, covered in neither. Display
#: choices of our own (green and red for the change, greys for no change).
CHANGE_COLOURS = {"gained": "#1a9850", "lost": "#d73027", "covered": "#b8d8be",
                  "uncovered": "#d9d9d9"}
#: One letter per change class in the JSON data.
CHANGE_CODES = {"gained": "g", "lost": "l", "covered": "c", "uncovered": "u"}

UI: dict[str, dict[str, str]] = {
    "category": {"zh": "设施类别", "en": "Category"},
    "gained": {"zh": "获得覆盖（A 未覆盖，B 覆盖）", "en": "gained (not covered in A, covered in B)"},
    "lost": {"zh": "失去覆盖（A 覆盖，B 未覆盖）", "en": "lost (covered in A, not in B)"},
    "covered": {"zh": "两方案均覆盖", "en": "covered in both"},
    "uncovered": {"zh": "两方案均未覆盖", "en": "covered in neither"},
    "counts": {"zh": "获得 {g} 个小区（{gh} 户），失去 {l} 个小区（{lh} 户）",
               "en": "gained {g} compounds ({gh} households), lost {l} ({lh} households)"},
    "change": {"zh": "变化", "en": "Change"},
    "id": {"zh": "编号", "en": "Id"},
    "legend": {"zh": "图例", "en": "Legend"},
    "name": {"zh": "名称", "en": "Name"},
    "households": {"zh": "住户（户）", "en": "Households"},
    "subdistricts": {"zh": "街道/乡镇边界", "en": "Sub-district boundaries"},
}


def _ui(lang: Literal["zh", "en"]) -> dict[str, str]:
    return {k: v[lang] for k, v in UI.items()}


class CompareLayers(JsonLayers):
    """The comparison's compounds: data block ``gp-compare``, renderer ``assets/compare.js``."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data, name="CompareLayers", data_id="gp-compare", script="compare.js")


def compare_map(comparison: Any, *, lang: str = "zh", category: str | None = None,
                title: str | None = None) -> folium.Map:
    """The difference map of a comparison, offline (Leaflet inlined, no base map).

    Parameters
    ----------
    comparison
        A :class:`gis_planner.report.compare.RunComparison`.
    lang
        ``zh`` or ``en``: panel, legend and popups.
    category
        Category shown first (default: the first compared); every compared category can be
        chosen in the map.
    title
        Map title (default: "run A → run B").

    Returns
    -------
    folium.Map
        Save it with :func:`gis_planner.maps.save_map`, or get the page with
        :func:`compare_map_html`.

    Raises
    ------
    ValueError
        Bad ``lang`` or a ``category`` that was not compared.
    """
    import folium

    lg = check_lang(lang)
    cats = list(comparison.categories)
    first = category if category is not None else cats[0]
    if first not in cats:
        raise ValueError(f"category {first!r} is not compared; expected one of {', '.join(cats)}.")
    cp = comparison.compounds
    disp = _display(_simplified(cp[[cp.geometry.name]]), False)
    polygonal = bool(len(disp)) and bool(np.all(np.isin(shapely.get_type_id(disp.geometry.to_numpy()),
                                                          (3, 6))))
    minx, miny, maxx, maxy = (float(v) for v in disp.total_bounds) if len(disp) else (0, 0, 0, 0)
    cov = comparison.coverage.set_index("category")
    compounds: dict[str, Any] = {
        "id": _texts(cp.index), "name": _texts(cp["name"] if "name" in cp.columns else [""] * len(cp)),
        "households": [int(v) for v in cp["households"].fillna(0)],
        "change": {c: "".join(CHANGE_CODES[v] for v in cp[f"{c}_change"]) for c in cats},
    }
    if polygonal:
        compounds["geom"] = _polygons(disp.geometry)
    else:
        pts = _display(cp.set_geometry(cp.geometry.representative_point())[[cp.geometry.name]], False)
        compounds["xy"] = _points(pts.geometry)
    data = {
        "version": 1, "lang": lg, "ui": _ui(lg),
        "title": title if title is not None else f"{comparison.name_a} → {comparison.name_b}",
        "bounds": [miny, minx, maxy, maxx], "coord_scale": COORD_SCALE,
        "categories": [{"id": c, "label": label(c, lg),
                        "gained": int(cov.at[c, "gained_compounds"]),
                        "lost": int(cov.at[c, "lost_compounds"]),
                        "gained_households": int(cov.at[c, "gained_households"]),
                        "lost_households": int(cov.at[c, "lost_households"])} for c in cats],
        "category": first,
        "classes": [{"code": CHANGE_CODES[k], "key": k, "colour": col}
                    for k, col in CHANGE_COLOURS.items()],
        "compounds": compounds,
    }
    subs = comparison.boundaries
    if subs is not None and len(subs):
        label_pts = _display(subs.set_geometry(subs.geometry.representative_point())[[subs.geometry.name]],
                             False)
        names = subs["name"] if "name" in subs.columns else subs.get("subdistrict_code", [""] * len(subs))
        data["subdistricts"] = {"name": _texts(names),
                                "geom": _polygons(_display(_simplified(subs[[subs.geometry.name]]),
                                                           False).geometry),
                                "label_xy": _points(label_pts.geometry)}
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None,
                   control_scale=False, zoom_control=True, prefer_canvas=True)
    m.default_js = []
    m.default_css = []
    cast("Figure", m.get_root()).header.add_child(_Raw(
        f"<style>{_asset('leaflet.css')}</style><script>{_asset('leaflet.js')}</script>"),
        name="gp_leaflet_inline", index=0)
    m.add_child(CompareLayers(data), name="gp_compare_layers")
    return m


def compare_map_html(comparison: Any, *, lang: str = "zh", category: str | None = None) -> str:
    """:func:`compare_map` as the text of one HTML page (folium's random element ids replaced
    by numbers, so one comparison gives the same bytes run to run)."""
    m = compare_map(comparison, lang=lang, category=category)
    return _stable_ids(m.get_root().render())
