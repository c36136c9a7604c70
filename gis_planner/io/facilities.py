"""Existing facilities as points with a project category (glossary identifiers).

The category of each row comes from, in this order of precedence:

1. a ``category=`` argument for the whole file;
2. a column of project category ids (``category``, ``类别``, or ``category_col=``);
3. Amap columns (``type`` such as ``科教文化服务;学校;小学``, ``typecode``, ``name``) matched
   against the editable table ``io/data/amap_categories.csv``;
4. OSM tag columns (``amenity``, ``shop``, ``healthcare``, ``social_facility`` …) matched
   against ``io/data/osm_categories.csv``.

Both tables are ordered rule lists: **the first rule that matches a row decides**. A rule with
an empty category excludes the row on purpose (veterinary clinics, hospitals, banks …). Rows
that no rule matches are excluded too, counted in ``attrs["unmapped"]`` with examples, and
reported with a :class:`~gis_planner._errors.GisPlannerWarning`: never dropped silently.

Amap table columns: ``field`` (``type``, ``name``, ``any`` = type or name, ``typecode`` =
prefix of the 6-digit Amap code), ``keyword`` (a substring, no wildcards), ``category``,
``note``. OSM table columns: ``key``, ``value`` (matched against each ``;``-separated part of
the tag), ``name_keyword`` (optional: the name must contain it), ``category``, ``note``.
Names are matched without their bracketed parts (Amap's ``店名(分店/位置)`` notes).
"""

from __future__ import annotations

import functools
import logging
import os
import warnings
from collections import Counter
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis_planner._errors import GisPlannerWarning, InputDataError
from gis_planner._validate import _rows
from gis_planner.categories import known_categories
from gis_planner.io.crs import resolve_metric_crs
from gis_planner.io.points import find_column, read_layer
from gis_planner.io.tables import read_table

logger = logging.getLogger(__name__)

TYPE_ALIASES = ("type", "类型", "types", "poi_type", "amap_type", "分类")
TYPECODE_ALIASES = ("typecode", "type_code", "类型编码", "分类编码")
NAME_ALIASES = ("name", "名称", "poi_name", "设施名称")
CATEGORY_ALIASES = ("category", "类别", "设施类别")
CAPACITY_ALIASES = ("capacity", "容量", "床位数", "学位数")
AREA_ALIASES = ("area_m2", "面积", "建筑面积", "用地面积")
ADDRESS_ALIASES = ("address", "地址", "详细地址")
AMAP_FIELDS = ("type", "name", "any", "typecode")
MappingArg = str | os.PathLike[str] | None


@functools.cache
def _packaged_table(name: str) -> pd.DataFrame:
    with resources.files("gis_planner.io.data").joinpath(name).open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


def _table(path: MappingArg, packaged: str, required: tuple[str, ...]) -> pd.DataFrame:
    if path is None or (isinstance(path, str) and path == "auto"):
        table, what = _packaged_table(packaged), packaged
    else:
        table, what = read_table(path).fillna(""), str(path)
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise InputDataError(f"{what}: mapping table lacks column(s) {', '.join(map(repr, missing))}; "
                             f"expected {', '.join(required)} (see docs/data-formats.md).")
    table = table.copy()
    for c in table.columns:
        table[c] = table[c].astype(str).str.strip()
    _check_categories(table["category"], what=what)
    return table


def amap_mapping(path: MappingArg = None) -> pd.DataFrame:
    """The ordered Amap rule table (``field``, ``keyword``, ``category``, ``note``).

    Parameters
    ----------
    path
        Your own table (CSV, same columns), or None/``"auto"`` for the packaged one.

    Raises
    ------
    InputDataError
        Missing columns, unknown fields, empty keywords or unknown category ids.
    """
    table = _table(path, "amap_categories.csv", ("field", "keyword", "category"))
    what = str(path or "amap_categories.csv")
    bad = ~table["field"].isin(AMAP_FIELDS)
    if bad.any():
        raise InputDataError(f"{what}: unknown field(s) {sorted(set(table.loc[bad, 'field']))} in "
                             f"rows {', '.join(str(i + 2) for i in np.flatnonzero(bad)[:5])}; "
                             f"expected one of {', '.join(AMAP_FIELDS)}.")
    empty = (table["keyword"] == "").to_numpy()
    if empty.any():
        raise InputDataError(f"{what}: empty keyword in rows "
                             f"{', '.join(str(i + 2) for i in np.flatnonzero(empty)[:5])}.")
    return table


def osm_mapping(path: MappingArg = None) -> pd.DataFrame:
    """The ordered OSM rule table (``key``, ``value``, ``name_keyword``, ``category``, ``note``).

    Parameters
    ----------
    path
        Your own table (CSV, same columns), or None/``"auto"`` for the packaged one.
    """
    table = _table(path, "osm_categories.csv", ("key", "value", "category"))
    if "name_keyword" not in table.columns:
        table["name_keyword"] = ""
    return table


def _check_categories(values: pd.Series, *, what: str) -> None:
    known = set(known_categories())
    bad = sorted({v for v in values if v and v not in known})
    if bad:
        raise InputDataError(f"{what}: unknown categories {', '.join(map(repr, bad))}; known: "
                             f"{', '.join(known_categories())}.")


def categorise_amap(types: pd.Series, names: pd.Series, table: pd.DataFrame,
                    typecodes: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """Category per row from Amap type strings, type codes and names.

    Returns
    -------
    (category, rule)
        ``category``: the category id, ``""`` for a row excluded by a rule, NaN where no rule
        matches. ``rule``: the matching rule as ``"field:keyword"`` (NaN where none).
    """
    # Amap names carry branch and location notes in brackets, e.g. 咪咪幼儿园(莲花公寓社区卫生服务站东):
    # names are matched without them
    bare = names.fillna("").astype(str).str.replace(r"[（(][^（()）]*[)）]", "", regex=True)
    text = {"type": types.fillna("").astype(str), "name": bare}
    codes = (typecodes if typecodes is not None else pd.Series("", index=types.index))
    code_parts = codes.fillna("").astype(str).str.split("|")
    result = pd.Series(np.nan, index=types.index, dtype=object)
    rule = pd.Series(np.nan, index=types.index, dtype=object)
    todo = np.ones(len(types), dtype=bool)
    for field, kw, cat in zip(table["field"], table["keyword"], table["category"], strict=True):
        if not todo.any():
            break
        if field == "typecode":
            hit = code_parts.map(lambda parts, kw=kw: any(p.strip().startswith(kw) for p in parts))
            hit = hit.to_numpy(dtype=bool) & todo
        elif field == "any":
            hit = (text["type"].str.contains(kw, regex=False)
                   | text["name"].str.contains(kw, regex=False)).to_numpy() & todo
        else:
            hit = text[field].str.contains(kw, regex=False).to_numpy() & todo
        result[hit] = cat
        rule[hit] = f"{field}:{kw}"
        todo &= ~hit
    return result, rule


def categorise_osm(frame: pd.DataFrame, table: pd.DataFrame,
                   names: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """Category per row from OSM tag columns (first matching rule wins); see
    :func:`categorise_amap` for the return values."""
    result = pd.Series(np.nan, index=frame.index, dtype=object)
    rule = pd.Series(np.nan, index=frame.index, dtype=object)
    name = (names if names is not None else pd.Series("", index=frame.index)).fillna("").astype(str)
    todo = np.ones(len(frame), dtype=bool)
    parts_cache: dict[str, pd.Series] = {}
    for key, value, name_kw, cat in zip(table["key"], table["value"], table["name_keyword"],
                                        table["category"], strict=True):
        if key not in frame.columns or not todo.any():
            continue
        if key not in parts_cache:
            parts_cache[key] = frame[key].astype("string").fillna("").str.split(";").map(
                lambda ps: {p.strip() for p in ps})
        hit = parts_cache[key].map(lambda ps, v=value: v in ps).to_numpy(dtype=bool) & todo
        if name_kw:
            hit &= name.str.contains(name_kw, regex=False).to_numpy()
        result[hit] = cat
        rule[hit] = f"{key}={value}" + (f"+name:{name_kw}" if name_kw else "")
        todo &= ~hit
    return result, rule


def _source_text(types: pd.Series, names: pd.Series) -> pd.Series:
    return types.where(types != "", names)


def _finish(gdf: gpd.GeoDataFrame, cats: pd.Series, rules: pd.Series, names: pd.Series,
            source_type: pd.Series, *, what: str) -> gpd.GeoDataFrame:
    """Keep categorised rows; count and report the rest."""
    no_rule = cats.isna().to_numpy()
    excluded = (cats == "").to_numpy() & ~no_rule
    keep = ~(no_rule | excluded)
    out = gpd.GeoDataFrame({"category": cats.astype(object), "name": names,
                            "source_type": source_type}, index=gdf.index,
                           geometry=gdf.geometry, crs=gdf.crs)
    cap = find_column(gdf, CAPACITY_ALIASES, what=what, role="capacity", required=False)
    area = find_column(gdf, AREA_ALIASES, what=what, role="area", required=False)
    for target, col in (("capacity", cap), ("area_m2", area)):
        if col is not None:
            vals = pd.to_numeric(gdf[col], errors="coerce")
            text = gdf[col].astype("string").str.strip()
            bad = (vals.isna() & text.notna() & (text != "")).to_numpy() | (vals < 0).to_numpy()
            if bad.any():
                raise InputDataError(f"{what}: column {col!r} has {int(bad.sum())} values that are "
                                     f"not numbers >= 0 ({_rows(gdf.index, bad)}).")
            out[target] = vals.astype(float)
    addr = find_column(gdf, ADDRESS_ALIASES, what=what, role="address", required=False)
    if addr is not None:
        out["address"] = gdf[addr].fillna("").astype(str)
    out = out.loc[keep]
    examples = list(dict.fromkeys(_source_text(source_type, names)[no_rule]))[:5]
    out.attrs.update(gdf.attrs)
    out.attrs["unmapped"] = int(no_rule.sum())
    out.attrs["unmapped_examples"] = examples
    out.attrs["excluded"] = int(excluded.sum())
    out.attrs["excluded_by"] = dict(Counter(rules[excluded]).most_common())
    if excluded.any():
        logger.info("%s: %d rows excluded by mapping rules (%s)", what, int(excluded.sum()),
                    ", ".join(f"{k} {v}" for k, v in out.attrs["excluded_by"].items()))
    if no_rule.any():
        warnings.warn(
            f"{what}: {int(no_rule.sum())} of {len(gdf)} rows match no category rule and are left "
            f"out ({_rows(gdf.index, no_rule)}; e.g. {', '.join(examples)}). Add rules to a copy "
            "of the mapping table and pass mapping='my_table.csv', or give a category column.",
            GisPlannerWarning, stacklevel=3,
        )
    if len(out) == 0:
        raise InputDataError(f"{what}: no row could be given a category ({int(no_rule.sum())} "
                             f"unmatched, {int(excluded.sum())} excluded by rules); check the "
                             "type values, pass a mapping table, or category='…'.")
    logger.info("%s: %d facilities (%s)", what, len(out),
                ", ".join(f"{k} {v}" for k, v in out["category"].value_counts().items()))
    return out


def read_facilities(
    path: str | os.PathLike[str],
    *,
    source_coords: str | None = None,
    metric_crs: object = None,
    category: str | None = None,
    category_col: str | None = None,
    mapping: MappingArg = "auto",
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read facility points and give each a project category.

    Parameters
    ----------
    path
        CSV with lon/lat columns (e.g. an Amap POI export) or a point vector file.
    source_coords
        ``wgs84``, ``gcj02``, ``bd09``, ``cgcs2000`` or ``EPSG:<code>``; required for lon/lat
        CSVs (Amap exports are GCJ-02 unless converted).
    metric_crs
        Target projected CRS; pass ``network.crs``.
    category
        One category id for every row (e.g. a file of kindergartens).
    category_col
        Column of project category ids (default: ``category`` or ``类别`` when present).
    mapping
        ``"auto"`` (the packaged tables) or the path of your own Amap or OSM rule table (its
        columns say which kind it is).
    layer
        Layer of a GeoPackage.

    Returns
    -------
    GeoDataFrame
        Index ``facility_id`` (string); ``category`` (glossary id), ``name``, ``source_type``
        (the original type text), ``capacity`` and ``area_m2`` (m²) and ``address`` (used by
        :func:`~gis_planner.io.alignment.check_alignment`) where present; Point
        geometry in the metric CRS. ``attrs``: ``unmapped`` (rows no rule matched),
        ``unmapped_examples``, ``excluded`` (rows excluded by a rule), ``excluded_by``
        (rule -> rows).

    Raises
    ------
    InputDataError
        Unknown category ids (the valid ones listed), no way to categorise the rows, nothing left
        after mapping, bad capacity/area values, plus every error of
        :func:`gis_planner.io.points.read_layer`.

    Warns
    -----
    GisPlannerWarning
        When rows match no rule (count, rows and examples named).
    """
    gdf = read_layer(path, source_coords=source_coords, metric_crs=metric_crs, layer=layer,
                     id_aliases=("facility_id", "id", "ID", "编号", "poi_id", "uid"), id_prefix="F",
                     index_name="facility_id")
    what = Path(path).name
    ncol = find_column(gdf, NAME_ALIASES, what=what, role="name", required=False)
    tcol = find_column(gdf, TYPE_ALIASES, what=what, role="type", required=False)
    ccode = find_column(gdf, TYPECODE_ALIASES, what=what, role="typecode", required=False)
    names = gdf[ncol].fillna("").astype(str) if ncol else pd.Series("", index=gdf.index)
    types = gdf[tcol].fillna("").astype(str) if tcol else pd.Series("", index=gdf.index)
    ccol = find_column(gdf, CATEGORY_ALIASES, category_col, what=what, role="category",
                       required=False)
    rules = pd.Series(np.nan, index=gdf.index, dtype=object)
    if category is not None:
        _check_categories(pd.Series([category]), what="category argument")
        cats = pd.Series(category, index=gdf.index, dtype=object)
    elif ccol is not None:
        cats = gdf[ccol].astype("string").str.strip().astype(object)
        cats = cats.where(cats.notna() & (cats != ""), np.nan)
        _check_categories(cats.dropna(), what=f"{what} column {ccol!r}")
    else:
        osm_keys = set(osm_mapping()["key"])
        user = None if mapping is None or mapping == "auto" else read_table(mapping)
        use_osm = (user is not None and "key" in user.columns) or (
            user is None and tcol is None and ccode is None and bool(osm_keys & set(gdf.columns)))
        if use_osm:
            table = osm_mapping(mapping)
            cats, rules = categorise_osm(gdf, table, names)
            types = _osm_tag_text(gdf, list(dict.fromkeys(table["key"])))
        elif tcol is not None or ccode is not None or ncol is not None:
            codes = gdf[ccode] if ccode else None
            cats, rules = categorise_amap(types, names, amap_mapping(mapping), codes)
        else:
            raise InputDataError(
                f"{what}: cannot tell the facility category: no 'category' column, no Amap "
                f"'type'/'typecode'/'name' column and no OSM tag column ({', '.join(sorted(osm_keys))}); "
                f"found {', '.join(map(repr, map(str, gdf.columns)))}. Pass category='…' "
                f"(one of {', '.join(known_categories())}).")
    return _finish(gdf, cats, rules, names, types, what=what)


def _osm_tag_text(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    """``key=value;key=value`` of the mapped keys present, per row (the ``source_type``)."""
    parts = [frame[k].astype("string").radd(f"{k}=").fillna("") for k in keys if k in frame.columns]
    if not parts:
        return pd.Series("", index=frame.index)
    text = parts[0]
    for s in parts[1:]:
        text = text.str.cat(s, sep=";")
    return text.str.replace(r";{2,}", ";", regex=True).str.strip(";").astype(str)


def read_osm_facilities(
    path: str | os.PathLike[str],
    *,
    metric_crs: object = None,
    mapping: MappingArg = "auto",
) -> gpd.GeoDataFrame:
    """Read facilities from an OSM file (PBF, XML, compressed XML) with ``osmium``.

    Tagged nodes become points; closed ways and multipolygon relations become the centroid of
    their area (a point on the surface when the centroid falls outside). Tags are matched
    against the OSM rule table.

    Parameters
    ----------
    path
        ``.osm.pbf``, ``.osm``, ``.osm.bz2`` …
    metric_crs
        Target projected CRS; pass ``network.crs``.
    mapping
        ``"auto"`` or your own OSM rule table (CSV).

    Returns
    -------
    GeoDataFrame
        As :func:`read_facilities`; index ``facility_id`` = ``n<id>``, ``w<id>`` or ``r<id>``.
        Objects whose tags match no rule (amenity=bench …) are counted in
        ``attrs["excluded_by"]["no rule"]``; ways clipped at the extract's edge in
        ``attrs["incomplete"]``.

    Raises
    ------
    InputDataError
        Missing or unreadable file, no mapped facility in it.
    """
    import osmium
    import osmium.geom

    p = Path(path)
    if not p.is_file():
        raise InputDataError(f"{p}: file not found.")
    table = osm_mapping(mapping)
    keys = list(dict.fromkeys(table["key"]))
    keyset = set(keys)
    ids: list[str] = []
    geoms: list[shapely.Geometry] = []
    tags: list[dict[str, str]] = []
    # closed ways kept aside: used where osmium cannot assemble their area (self-touching rings)
    closed: dict[str, tuple[shapely.Geometry, dict[str, str]]] = {}
    incomplete = 0
    wkb = osmium.geom.WKBFactory()

    def surface_point(poly: shapely.Geometry) -> shapely.Geometry:
        c = poly.centroid
        return c if poly.contains(c) else poly.point_on_surface()

    try:
        for obj in osmium.FileProcessor(str(p)).with_locations().with_areas():
            if (obj.is_node() or obj.is_way() or obj.is_area()) and not keyset.intersection(
                    t.k for t in obj.tags):
                continue
            if obj.is_node():
                if not obj.location.valid():
                    continue
                ids.append(f"n{obj.id}")
                geoms.append(shapely.Point(obj.location.lon, obj.location.lat))
            elif obj.is_way():
                if not all(n.location.valid() for n in obj.nodes):
                    incomplete += 1  # clipped at the extract's edge
                elif obj.is_closed() and len(obj.nodes) >= 4:
                    ring = [(n.location.lon, n.location.lat) for n in obj.nodes]
                    closed[f"w{obj.id}"] = (shapely.Polygon(ring), {t.k: t.v for t in obj.tags})
                continue
            elif obj.is_area():
                try:
                    poly = shapely.from_wkb(wkb.create_multipolygon(obj))
                except RuntimeError:  # broken rings of clipped extracts
                    continue
                ids.append(("w" if obj.from_way() else "r") + str(obj.orig_id()))
                geoms.append(surface_point(poly))
            else:
                continue
            tags.append({t.k: t.v for t in obj.tags})
    except RuntimeError as exc:
        raise InputDataError(f"{p}: cannot read as OSM data ({exc}).") from exc
    seen = set(ids)
    for wid, (poly, way_tags) in closed.items():
        if wid not in seen:
            ids.append(wid)
            geoms.append(surface_point(shapely.make_valid(poly)))
            tags.append(way_tags)
    if not ids:
        raise InputDataError(f"{p}: no object with any of the tags {', '.join(keys)}.")
    frame = pd.DataFrame(tags, index=pd.Index(ids, dtype=object, name="facility_id"))
    for k in [*keys, "name"]:
        if k not in frame.columns:
            frame[k] = None
    gdf = gpd.GeoDataFrame(frame[[*keys, "name"]], geometry=geoms, crs=4326)
    gdf = gdf.loc[~gdf.index.duplicated()]
    crs = resolve_metric_crs(tuple(gdf.total_bounds), metric_crs, what=str(p))
    gdf = gdf.to_crs(crs)
    gdf.attrs["source"] = p.name
    gdf.attrs["source_coords"] = "wgs84"
    names = gdf["name"].fillna("").astype(str)
    cats, rules = categorise_osm(gdf, table, names)
    # objects with only unrelated values of the keys (amenity=bench …) are not facilities at all:
    # they are counted under excluded_by["no rule"] rather than warned about one by one
    out = _finish(gdf, cats.where(cats.notna(), ""), rules.where(cats.notna(), "no rule"), names,
                  _osm_tag_text(gdf, keys), what=p.name)
    out.attrs["incomplete"] = incomplete
    if incomplete:
        logger.info("%s: %d tagged ways clipped at the extract's edge were skipped", p.name, incomplete)
    return out
