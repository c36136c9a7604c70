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
prefix of the 6-digit Amap code, ``rawname`` = the name with its bracketed notes), ``keyword``
(a substring, no wildcards), ``category``, ``reason`` (optional: why a row without a category is
dropped: ``transport_stop``, ``closed`` or ``excluded``, the default), ``note``. OSM table
columns: ``key``, ``value`` (matched against each ``;``-separated part of the tag),
``name_keyword`` (optional: the name must contain it), ``category``, ``note``. Names are matched
without their bracketed parts (Amap's ``店名(分店/位置)`` notes), except by ``rawname`` rules
(``七宝农贸市场(公交站)``, ``某门诊部(暂停营业)``).

After the rules, two cleaning steps: facilities beyond the study area (when one is given) are
left out, with one summary line; and copies of one place (same category, the same name or one
name the other plus a branch or building suffix, within :data:`MERGE_WITHIN_M`) are merged into
the one with the shortest name. :func:`read_facilities_with_audit` returns, beside the
facilities, the audit table: one row per input row with what became of it, for a planner to
review (see docs/data-formats.md).
"""

from __future__ import annotations

import functools
import logging
import os
import warnings
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

from gis_planner._errors import GisPlannerWarning, InputDataError
from gis_planner._validate import offending_rows
from gis_planner.categories import known_categories, label
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
FACILITY_ID_ALIASES = ("facility_id", "id", "ID", "编号", "设施编号", "poi_id", "uid")
AMAP_FIELDS = ("type", "name", "any", "typecode", "rawname")
#: Why a row is not a facility, in the audit table's ``status`` column (``kept`` for the others).
DROP_REASONS = ("transport_stop", "closed", "excluded", "unmapped", "out_of_study_area", "duplicate")
#: Reasons a mapping rule may give for the rows it drops.
RULE_REASONS = ("transport_stop", "closed", "excluded")
#: Facilities of one category with the same name (or one name the other plus a suffix) this
#: close are one place (metres, inclusive). Our own reading of the Shanghai Amap export: copies of
#: one kindergarten, school or health centre lie 1-50 m apart; distinct places of one name
#: (campuses) lie hundreds of metres apart.
MERGE_WITHIN_M = 50.0
AUDIT_COLUMNS = ("name", "source_type", "typecode", "status", "category", "category_zh", "rule",
                 "reason", "merged_into")
MappingArg = str | os.PathLike[str] | pd.DataFrame | None


@functools.cache
def _packaged_table(name: str) -> pd.DataFrame:
    with resources.files("gis_planner.io.data").joinpath(name).open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


def _table(path: MappingArg, packaged: str, required: tuple[str, ...]) -> pd.DataFrame:
    if path is None or (isinstance(path, str) and path == "auto"):
        table, what = _packaged_table(packaged), packaged
    elif isinstance(path, pd.DataFrame):
        table, what = path.fillna("").astype(str), "mapping table"
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
    """The ordered Amap rule table (``field``, ``keyword``, ``category``, ``reason``, ``note``).

    Parameters
    ----------
    path
        Your own table (CSV or DataFrame, same columns), or None/``"auto"`` for the packaged
        one.

    Raises
    ------
    InputDataError
        Missing columns, unknown fields, empty keywords or unknown category ids.
    """
    table = _table(path, "amap_categories.csv", ("field", "keyword", "category"))
    what = ("mapping table" if isinstance(path, pd.DataFrame)
            else str(path or "amap_categories.csv"))
    if "reason" not in table.columns:
        table["reason"] = ""
    table["reason"] = table["reason"].where(table["reason"] != "", "excluded").where(
        table["category"] == "", "")
    bad_reason = ~table["reason"].isin(("", *RULE_REASONS))
    if bad_reason.any():
        raise InputDataError(f"{what}: unknown reason(s) {sorted(set(table.loc[bad_reason, 'reason']))} "
                             f"in rows {', '.join(str(i + 2) for i in np.flatnonzero(bad_reason)[:5])}; "
                             f"expected one of {', '.join(RULE_REASONS)} (or empty).")
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
    raw = names.fillna("").astype(str)
    text = {"type": types.fillna("").astype(str), "name": bare_names(raw), "rawname": raw}
    codes = (typecodes if typecodes is not None else pd.Series("", index=types.index))
    code_parts = codes.fillna("").astype(str).str.split("|")
    result: pd.Series[Any] = pd.Series(np.nan, index=types.index, dtype=object)
    rule: pd.Series[Any] = pd.Series(np.nan, index=types.index, dtype=object)
    todo = np.ones(len(types), dtype=bool)
    for field, kw, cat in zip(table["field"], table["keyword"], table["category"], strict=True):
        if not todo.any():
            break
        if field == "typecode":
            by_code = code_parts.map(lambda parts, kw=kw: any(p.strip().startswith(kw) for p in parts))
            hit = by_code.to_numpy(dtype=bool) & todo
        elif field == "any":
            hit = (text["type"].str.contains(kw, regex=False)
                   | text["name"].str.contains(kw, regex=False)).to_numpy() & todo
        else:
            hit = text[field].str.contains(kw, regex=False).to_numpy() & todo
        result[hit] = cat
        rule[hit] = f"{field}:{kw}"
        todo &= ~hit
    return result, rule


def bare_names(names: pd.Series) -> pd.Series:
    """Names without their bracketed notes (``咪咪幼儿园(莲花公寓东)`` -> ``咪咪幼儿园``), stripped."""
    return names.fillna("").astype(str).str.replace(r"[（(][^（()）]*[)）]", "",
                                                    regex=True).str.strip()


def categorise_osm(frame: pd.DataFrame, table: pd.DataFrame,
                   names: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """Category per row from OSM tag columns (first matching rule wins); see
    :func:`categorise_amap` for the return values."""
    result: pd.Series[Any] = pd.Series(np.nan, index=frame.index, dtype=object)
    rule: pd.Series[Any] = pd.Series(np.nan, index=frame.index, dtype=object)
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


def _numeric_columns(gdf: gpd.GeoDataFrame, *, what: str) -> dict[str, pd.Series]:
    """``capacity`` and ``area_m2`` (floats) from their alias columns, checked >= 0."""
    out: dict[str, pd.Series] = {}
    cap = find_column(gdf, CAPACITY_ALIASES, what=what, role="capacity", required=False)
    area = find_column(gdf, AREA_ALIASES, what=what, role="area", required=False)
    for target, col in (("capacity", cap), ("area_m2", area)):
        if col is not None:
            vals = pd.to_numeric(gdf[col], errors="coerce")
            text = gdf[col].astype("string").str.strip()
            bad = (vals.isna() & text.notna() & (text != "")).to_numpy() | (vals < 0).to_numpy()
            # infinite and boolean values are not capacities or areas either
            bad |= np.isinf(vals.to_numpy(dtype=float)) | gdf[col].map(
                lambda v: isinstance(v, (bool, np.bool_))).to_numpy(dtype=bool)
            if bad.any():
                raise InputDataError(f"{what}: column {col!r} has {int(bad.sum())} values that are "
                                     f"not numbers >= 0 ({offending_rows(gdf.index, bad)}); expected finite "
                                     "numbers (not true/false) or empty cells.")
            out[target] = vals.astype(float)
    return out


def _study_area_bounds(study_area: object) -> tuple[np.ndarray, pyproj.CRS | None]:
    """(minx, miny, maxx, maxy) and CRS of a WalkNetwork, a GeoDataFrame/GeoSeries or bounds."""
    edges = getattr(study_area, "edges", None)
    frame = edges if edges is not None else study_area
    if isinstance(frame, (gpd.GeoDataFrame, gpd.GeoSeries)):
        return np.asarray(frame.total_bounds, dtype=float), frame.crs
    bounds = np.asarray(study_area, dtype=float).ravel()
    if bounds.shape != (4,) or not np.isfinite(bounds).all():
        raise InputDataError("study_area: expected a WalkNetwork, a GeoDataFrame or (minx, miny, "
                             f"maxx, maxy) in the facilities' metric CRS; got {study_area!r:.80}.")
    return bounds, None


def _outside(geoms: np.ndarray, bounds: np.ndarray, margin_m: float) -> np.ndarray:
    """Metres beyond ``bounds`` grown by ``margin_m`` (0 inside)."""
    xy = shapely.get_coordinates(geoms)
    lo, hi = bounds[:2] - margin_m, bounds[2:] + margin_m
    gap = np.maximum(np.maximum(lo - xy, xy - hi), 0.0)
    return np.hypot(gap[:, 0], gap[:, 1])


def _duplicates(geoms: np.ndarray, cats: np.ndarray, bare: np.ndarray,
                within_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Per point: the position of the point it is a copy of (-1 for none) and the distance (m).

    Two points are copies of one place when they share a category, lie within ``within_m``
    metres and their bracket-free names are equal or one begins with the other (a branch or
    building suffix: ``某某学校`` and ``某某学校行知楼``); unnamed points are never merged. Each
    group keeps the point with the shortest name (then the first in the file).
    """
    n = len(geoms)
    into = np.full(n, -1, dtype=np.int64)
    dist = np.zeros(n)
    if n < 2 or within_m <= 0:
        return into, dist
    i, j = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=within_m)
    pair = (i < j) & (cats[i] == cats[j]) & (bare[i] != "") & (bare[j] != "")
    i, j = i[pair], j[pair]
    related = np.array([a.startswith(b) or b.startswith(a) for a, b in zip(bare[i], bare[j], strict=True)],
                       dtype=bool)
    i, j = i[related], j[related]
    if not len(i):
        return into, dist
    graph = sp.coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    name_len = np.array([len(b) for b in bare])
    order = np.lexsort((np.arange(n), name_len, labels))  # per group: shortest name, then first
    first = np.ones(n, dtype=bool)
    first[1:] = labels[order][1:] != labels[order][:-1]
    keeper = np.empty(labels.max() + 1, dtype=np.int64)
    keeper[labels[order][first]] = order[first]
    rep = keeper[labels]
    copy = rep != np.arange(n)
    into[copy] = rep[copy]
    dist[copy] = shapely.distance(geoms[copy], geoms[rep[copy]])
    return into, dist


def _beyond_study_area(gdf: gpd.GeoDataFrame, geoms: np.ndarray, study_area: object,
                       margin_m: float | None, *, what: str) -> np.ndarray:
    """Metres by which each facility lies beyond the study area plus ``margin_m`` (0 within)."""
    if margin_m is None or not np.isfinite(margin_m) or margin_m < 0:
        raise InputDataError(f"{what}: a study area needs margin_m, the search cap in metres "
                             f"(>= 0), got {margin_m!r}.")
    bounds, area_crs = _study_area_bounds(study_area)
    if area_crs is not None and gdf.crs is not None and not gdf.crs.equals(area_crs):
        raise InputDataError(f"{what}: the study area is in {area_crs.to_string()} but the "
                             f"facilities in {gdf.crs.to_string()}; pass metric_crs=network.crs.")
    return _outside(geoms, bounds, float(margin_m))


def _facility_frame(gdf: gpd.GeoDataFrame, cats: pd.Series, names: pd.Series, source_type: pd.Series, *,
                    what: str) -> gpd.GeoDataFrame:
    """Every row with its category, name, source type, numbers, address and the input's own columns."""
    index = gdf.index
    out = gpd.GeoDataFrame({"category": cats.astype(object), "name": names,
                            "source_type": source_type}, index=index,
                           geometry=gdf.geometry, crs=gdf.crs)
    for target, values in _numeric_columns(gdf, what=what).items():
        out[target] = values
    addr = find_column(gdf, ADDRESS_ALIASES, what=what, role="address", required=False)
    if addr is not None:
        out["address"] = gdf[addr].fillna("").astype(str)
    # the input's own columns, unchanged, beside the computed ones
    geom_name = gdf.geometry.name
    own = [c for c in gdf.columns if c != geom_name and c not in out.columns and c != index.name]
    out = pd.concat([out.drop(columns=geom_name), gdf[own]], axis=1)
    out = gpd.GeoDataFrame(out, geometry=gdf.geometry.to_numpy(), crs=gdf.crs)
    out.index.name = index.name
    return out


def _finish(gdf: gpd.GeoDataFrame, cats: pd.Series, rules: pd.Series, names: pd.Series,
            source_type: pd.Series, *, what: str, reasons: dict[str, str] | None = None,
            notes: dict[str, str] | None = None, typecodes: pd.Series | None = None, study_area: object = None,
            margin_m: float | None = None, merge_within_m: float | None = MERGE_WITHIN_M,
            empty_ok: bool = False) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Keep categorised rows inside the study area, merge copies, and build the audit table."""
    index = gdf.index
    no_rule = cats.isna().to_numpy()
    excluded = (cats == "").to_numpy() & ~no_rule
    status = np.full(len(gdf), "kept", dtype=object)
    status[no_rule] = "unmapped"
    rule_text = rules.fillna("").astype(str).to_numpy(dtype=object)
    reason_of = reasons or {}
    status[excluded] = [reason_of.get(r, "excluded") for r in rule_text[excluded]]
    reason = np.full(len(gdf), "", dtype=object)
    reason[no_rule] = "no mapping rule matches"
    note_of = notes or {}
    reason[excluded] = [note_of.get(r) or f"mapping rule {r}" for r in rule_text[excluded]]
    merged_into = np.full(len(gdf), "", dtype=object)
    geoms = gdf.geometry.to_numpy()
    if study_area is not None:
        beyond = _beyond_study_area(gdf, geoms, study_area, margin_m, what=what)
        out_of_area = (status == "kept") & (beyond > 0)
        status[out_of_area] = "out_of_study_area"
        reason[out_of_area] = [f"{d:,.0f} m beyond the study area" for d in beyond[out_of_area]]
        if out_of_area.any():
            logger.info("%s: %d of %d facilities lie beyond the study area (the network's extent "
                        "plus %g m) and are left out", what, int(out_of_area.sum()),
                        int((status != "unmapped").sum() - excluded.sum()), margin_m)
    bare = bare_names(names).to_numpy(dtype=object)
    kept_pos = np.flatnonzero(status == "kept")
    if merge_within_m is not None and len(kept_pos) > 1:
        into, dist = _duplicates(geoms[kept_pos], cats.to_numpy(dtype=object)[kept_pos],
                                 bare[kept_pos], float(merge_within_m))
        copy = into >= 0
        if copy.any():
            rows, reps = kept_pos[copy], kept_pos[into[copy]]
            status[rows] = "duplicate"
            merged_into[rows] = index[reps].astype(str)
            reason[rows] = [f"same place as {index[r]} {names.iloc[r]} ({d:.0f} m)"
                            for r, d in zip(reps, dist[copy], strict=True)]
            logger.info("%s: %d copies of %d places merged (same category and name within %g m)",
                        what, int(copy.sum()), len(np.unique(reps)), merge_within_m)
    keep = status == "kept"
    category = cats.where(~pd.Series(no_rule | excluded, index=index), "").astype(object)
    audit = pd.DataFrame({
        "name": names.to_numpy(dtype=object),
        "source_type": source_type.to_numpy(dtype=object),
        "typecode": (typecodes.fillna("").astype(str).to_numpy(dtype=object)
                     if typecodes is not None else np.full(len(gdf), "", dtype=object)),
        "status": status, "category": category.to_numpy(dtype=object),
        "category_zh": [label(c, "zh") if c else "" for c in category],
        "rule": rule_text, "reason": reason, "merged_into": merged_into,
    }, index=index, columns=list(AUDIT_COLUMNS))

    out = _facility_frame(gdf, cats, names, source_type, what=what).loc[keep]
    examples = list(dict.fromkeys(_source_text(source_type, names)[no_rule]))[:5]
    out.attrs.update(gdf.attrs)
    out.attrs["unmapped"] = int(no_rule.sum())
    out.attrs["unmapped_examples"] = examples
    out.attrs["excluded"] = int(excluded.sum())
    out.attrs["excluded_by"] = dict(Counter(rules[excluded]).most_common())
    out.attrs["dropped"] = {k: int(v) for k, v in Counter(status[~keep]).most_common()}
    if excluded.any():
        logger.info("%s: %d rows excluded by mapping rules (%s)", what, int(excluded.sum()),
                    ", ".join(f"{k} {v}" for k, v in out.attrs["excluded_by"].items()))
    if no_rule.any():
        warnings.warn(
            f"{what}: {int(no_rule.sum())} of {len(gdf)} rows match no category rule and are left "
            f"out ({offending_rows(gdf.index, no_rule)}; e.g. {', '.join(examples)}). Add rules to a copy "
            "of the mapping table and pass mapping='my_table.csv', or give a category column.",
            GisPlannerWarning, stacklevel=3,
        )
    if len(out) == 0:
        found = ", ".join(f"{v} {k}" for k, v in out.attrs["dropped"].items())
        if empty_ok:
            logger.warning("%s: no facility is left (%s); every row is in the facility audit", what, found)
            return out, audit
        raise InputDataError(f"{what}: no facility is left ({found}); check the type values and "
                             "the study area, pass a mapping table, or category='…'.")
    logger.info("%s: %d facilities (%s)", what, len(out),
                ", ".join(f"{k} {v}" for k, v in out["category"].value_counts().items()))
    return out, audit


def read_facilities(
    path: str | os.PathLike[str],
    *,
    source_coords: str | None = None,
    metric_crs: object = None,
    category: str | None = None,
    category_col: str | None = None,
    mapping: MappingArg = "auto",
    layer: str | None = None,
    id_col: str | None = None,
    study_area: object = None,
    margin_m: float | None = None,
    merge_within_m: float | None = MERGE_WITHIN_M,
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
        Target projected CRS; pass ``network.crs`` (default: the study area's CRS when it has
        one).
    category
        One category id for every row (e.g. a file of kindergartens).
    category_col
        Column of project category ids (default: ``category`` or ``类别`` when present).
    mapping
        ``"auto"`` (the packaged tables) or your own Amap or OSM rule table, a CSV path or a
        DataFrame (its columns say which kind it is).
    layer
        Layer of a GeoPackage.
    id_col
        The file's own id column, any name (default: ``facility_id``, ``id``, ``编号``,
        ``设施编号``, ``poi_id``, ``uid``; else ``F<row>``); it becomes the index and stays a
        column too.
    study_area
        A :class:`~gis_planner.network.graph.WalkNetwork`, a GeoDataFrame or (minx, miny, maxx,
        maxy) in the metric CRS: facilities beyond its extent plus ``margin_m`` are left out
        (counted in one log line and in the audit table). None keeps every row.
    margin_m
        Metres added around the study area (inclusive): the search cap of the analysis, so a
        facility just outside still serves the households at the edge. Required with
        ``study_area``.
    merge_within_m
        Copies of one place (same category, same name or one name the other plus a suffix) this
        close (metres, inclusive) are merged into one; None keeps every copy.

    Returns
    -------
    GeoDataFrame
        Index ``facility_id`` (string); ``category`` (glossary id), ``name``, ``source_type``
        (the original type text), ``capacity`` and ``area_m2`` (m²) and ``address`` (used by
        :func:`~gis_planner.io.alignment.check_alignment`) where present, then every other
        column of the file unchanged; Point geometry in the metric CRS. ``attrs``:
        ``unmapped`` (rows no rule matched), ``unmapped_examples``, ``excluded`` (rows
        excluded by a rule), ``excluded_by`` (rule -> rows), ``dropped`` (status -> rows, see
        :func:`read_facilities_with_audit`).

    Raises
    ------
    InputDataError
        Unknown category ids (the valid ones listed), no way to categorise the rows, nothing left
        after mapping, clipping and merging, bad capacity/area values, a study area without
        ``margin_m`` or in another CRS, plus every error of
        :func:`gis_planner.io.points.read_layer`.

    Warns
    -----
    GisPlannerWarning
        When rows match no rule (count, rows and examples named).
    """
    return read_facilities_with_audit(
        path, source_coords=source_coords, metric_crs=metric_crs, category=category,
        category_col=category_col, mapping=mapping, layer=layer, id_col=id_col,
        study_area=study_area, margin_m=margin_m, merge_within_m=merge_within_m)[0]


def read_facilities_with_audit(
    path: str | os.PathLike[str],
    *,
    source_coords: str | None = None,
    metric_crs: object = None,
    category: str | None = None,
    category_col: str | None = None,
    mapping: MappingArg = "auto",
    layer: str | None = None,
    id_col: str | None = None,
    study_area: object = None,
    margin_m: float | None = None,
    merge_within_m: float | None = MERGE_WITHIN_M,
    empty_ok: bool = False,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """:func:`read_facilities`, plus the audit table of every input row.

    ``empty_ok``: a file whose every row is dropped (e.g. an export of bus stops among several
    files) gives an empty layer and a warning instead of an error.

    Returns
    -------
    (facilities, audit)
        ``facilities`` as :func:`read_facilities`. ``audit``: a DataFrame indexed like the input
        (``facility_id``, every row) with ``name``, ``source_type`` (input type text),
        ``typecode``, ``status`` (``kept`` or one of :data:`DROP_REASONS`: ``transport_stop``
        bus/metro stops, ``closed`` 暂停营业/已关闭/停业/拆除, ``excluded`` by a rule,
        ``unmapped`` no rule matches, ``out_of_study_area``, ``duplicate`` merged into
        another), ``category`` (the category given, also for duplicates and rows beyond the
        study area), ``category_zh``, ``rule`` (the deciding rule, ``field:keyword``),
        ``reason`` (in words) and ``merged_into`` (the id kept for a duplicate). Write it with
        :func:`gis_planner.io.write.write_facility_audit`.
    """
    if metric_crs is None and study_area is not None:
        metric_crs = getattr(study_area, "crs", None)
    gdf = read_layer(path, source_coords=source_coords, metric_crs=metric_crs, layer=layer,
                     id_col=id_col, id_aliases=FACILITY_ID_ALIASES, id_prefix="F",
                     index_name="facility_id")
    what = Path(path).name
    ncol = find_column(gdf, NAME_ALIASES, what=what, role="name", required=False)
    tcol = find_column(gdf, TYPE_ALIASES, what=what, role="type", required=False)
    ccode = find_column(gdf, TYPECODE_ALIASES, what=what, role="typecode", required=False)
    names = gdf[ncol].fillna("").astype(str) if ncol else pd.Series("", index=gdf.index)
    types = gdf[tcol].fillna("").astype(str) if tcol else pd.Series("", index=gdf.index)
    codes = gdf[ccode].astype("string").fillna("").astype(str) if ccode else None
    ccol = find_column(gdf, CATEGORY_ALIASES, category_col, what=what, role="category",
                       required=False)
    rules = pd.Series(np.nan, index=gdf.index, dtype=object)
    reasons: dict[str, str] = {}
    notes: dict[str, str] = {}
    if category is not None:
        _check_categories(pd.Series([category]), what="category argument")
        cats = pd.Series(category, index=gdf.index, dtype=object)
    elif ccol is not None:
        cats = gdf[ccol].astype("string").str.strip().astype(object)
        cats = cats.where(cats.notna() & (cats != ""), np.nan)
        _check_categories(cats.dropna(), what=f"{what} column {ccol!r}")
    else:
        osm_keys = set(osm_mapping()["key"])
        user = (None if mapping is None or (isinstance(mapping, str) and mapping == "auto")
                else mapping if isinstance(mapping, pd.DataFrame) else read_table(mapping))
        use_osm = (user is not None and "key" in user.columns) or (
            user is None and tcol is None and ccode is None and bool(osm_keys & set(gdf.columns)))
        if use_osm:
            table = osm_mapping(mapping)
            cats, rules = categorise_osm(gdf, table, names)
            types = _osm_tag_text(gdf, list(dict.fromkeys(table["key"])))
        elif tcol is not None or ccode is not None or ncol is not None:
            table = amap_mapping(mapping)
            cats, rules = categorise_amap(types, names, table, codes)
            reasons = {f"{f}:{k}": r for f, k, r in zip(table["field"], table["keyword"],
                                                        table["reason"], strict=True) if r}
            if "note" in table.columns:
                notes = {f"{f}:{k}": n for f, k, n in zip(table["field"], table["keyword"],
                                                          table["note"], strict=True) if n}
        else:
            raise InputDataError(
                f"{what}: cannot tell the facility category: no 'category' column, no Amap "
                f"'type'/'typecode'/'name' column and no OSM tag column ({', '.join(sorted(osm_keys))}); "
                f"found {', '.join(map(repr, map(str, gdf.columns)))}. Pass category='…' "
                f"(one of {', '.join(known_categories())}).")
    return _finish(gdf, cats, rules, names, types, what=what, reasons=reasons, notes=notes,
                   typecodes=codes, study_area=study_area, margin_m=margin_m,
                   merge_within_m=merge_within_m, empty_ok=empty_ok)


def _osm_tag_text(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    """``key=value;key=value`` of the mapped keys present, per row (the ``source_type``)."""
    parts = [frame[k].astype("string").radd(f"{k}=").fillna("") for k in keys if k in frame.columns]
    if not parts:
        return pd.Series("", index=frame.index)
    text = parts[0]
    for s in parts[1:]:
        text = text.str.cat(s, sep=";")
    return text.str.replace(r";{2,}", ";", regex=True).str.strip(";").astype(str)


def _surface_point(poly: shapely.Geometry) -> shapely.Geometry:
    """The centroid of ``poly``, or a point on its surface when the centroid falls outside."""
    c = poly.centroid
    return c if poly.contains(c) else poly.point_on_surface()


def _osm_object_point(obj: Any, wkb: Any) -> tuple[str, shapely.Geometry] | None:
    """Id and point (lon/lat) of a tagged OSM node or area; None when it has no usable geometry."""
    if obj.is_node():
        if not obj.location.valid():
            return None
        return f"n{obj.id}", shapely.Point(obj.location.lon, obj.location.lat)
    if obj.is_area():
        try:
            poly = shapely.from_wkb(wkb.create_multipolygon(obj))
        except RuntimeError:  # broken rings of clipped extracts
            return None
        return ("w" if obj.from_way() else "r") + str(obj.orig_id()), _surface_point(poly)
    return None


def _osm_tagged_points(p: Path, keyset: set[str]) -> tuple[list[str], list[shapely.Geometry],
                                                            list[dict[str, str]], int]:
    """Ids, points (lon/lat) and tags of the OSM objects carrying one of ``keyset``, and the
    number of tagged ways clipped at the extract's edge."""
    import osmium.geom

    from gis_planner.io._osm import osm_objects  # no URLs; .bz2/.gz bounded, every stream read

    ids: list[str] = []
    geoms: list[shapely.Geometry] = []
    tags: list[dict[str, str]] = []
    # closed ways kept aside: used where osmium cannot assemble their area (self-touching rings)
    closed: dict[str, tuple[shapely.Geometry, dict[str, str]]] = {}
    incomplete = 0
    wkb = osmium.geom.WKBFactory()
    try:
        for obj in osm_objects(p, areas=True):
            if (obj.is_node() or obj.is_way() or obj.is_area()) and not keyset.intersection(
                    t.k for t in obj.tags):
                continue
            if obj.is_way():
                if not all(n.location.valid() for n in obj.nodes):
                    incomplete += 1  # clipped at the extract's edge
                elif obj.is_closed() and len(obj.nodes) >= 4:
                    ring = [(n.location.lon, n.location.lat) for n in obj.nodes]
                    closed[f"w{obj.id}"] = (shapely.Polygon(ring), {t.k: t.v for t in obj.tags})
                continue
            found = _osm_object_point(obj, wkb)
            if found is None:
                continue
            ids.append(found[0])
            geoms.append(found[1])
            tags.append({t.k: t.v for t in obj.tags})
    except RuntimeError as exc:
        raise InputDataError(f"{p}: cannot read as OSM data ({exc}).") from exc
    seen = set(ids)
    for wid, (poly, way_tags) in closed.items():
        if wid not in seen:
            ids.append(wid)
            geoms.append(_surface_point(shapely.make_valid(poly)))
            tags.append(way_tags)
    return ids, geoms, tags, incomplete


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
    p = Path(path)
    if not p.is_file():
        raise InputDataError(f"{p}: file not found.")
    table = osm_mapping(mapping)
    keys = list(dict.fromkeys(table["key"]))
    ids, geoms, tags, incomplete = _osm_tagged_points(p, set(keys))
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
    out, _audit = _finish(gdf, cats.where(cats.notna(), ""), rules.where(cats.notna(), "no rule"),
                          names, _osm_tag_text(gdf, keys), what=p.name, merge_within_m=None)
    out.attrs["incomplete"] = incomplete
    if incomplete:
        logger.info("%s: %d tagged ways clipped at the extract's edge were skipped", p.name, incomplete)
    return out
