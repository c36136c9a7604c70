"""Existing facilities as points with a project category (glossary identifiers).

The category of each row comes, in this order, from: a ``category`` argument for the whole file;
a column of project category ids; the Amap ``type`` string (and then the name) matched against
the editable keyword table ``io/data/amap_categories.csv`` (first matching keyword wins; an empty
category excludes the row, e.g. veterinary clinics); or OSM tag columns (``amenity``, ``shop``,
``healthcare``, ``social_facility`` …) matched against ``io/data/osm_categories.csv``. Rows that
match nothing are reported and excluded, never guessed.
"""

from __future__ import annotations

import functools
import logging
import os
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gis_planner._errors import InputDataError
from gis_planner.categories import known_categories
from gis_planner.io.points import find_column, read_layer
from gis_planner.io.tables import read_table

logger = logging.getLogger(__name__)

TYPE_ALIASES = ("type", "类型", "types", "poi_type", "amap_type", "分类")
NAME_ALIASES = ("name", "名称", "poi_name")


@functools.cache
def _packaged_table(name: str) -> pd.DataFrame:
    with resources.files("gis_planner.io.data").joinpath(name).open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


def amap_mapping(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The keyword -> category table (columns ``keyword``, ``category``), packaged or your own."""
    table = read_table(path).fillna("") if path else _packaged_table("amap_categories.csv")
    _check_categories(table["category"], what=str(path or "amap_categories.csv"))
    return table


def osm_mapping(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The OSM tag -> category table (columns ``key``, ``value``, ``category``)."""
    table = read_table(path).fillna("") if path else _packaged_table("osm_categories.csv")
    _check_categories(table["category"], what=str(path or "osm_categories.csv"))
    return table


def _check_categories(values: pd.Series, *, what: str) -> None:
    known = set(known_categories())
    bad = sorted({v for v in values if v and v not in known})
    if bad:
        raise InputDataError(f"{what}: unknown categories {', '.join(map(repr, bad))}; known: "
                             f"{', '.join(known_categories())}.")


def categorise_amap(types: pd.Series, names: pd.Series, table: pd.DataFrame) -> pd.Series:
    """Category per row from Amap type strings, then names (NaN where nothing matches,
    '' where a keyword excludes the row)."""
    result = pd.Series(np.nan, index=types.index, dtype=object)
    for text in (types.fillna("").astype(str), names.fillna("").astype(str)):
        todo = result.isna()
        for kw, cat in zip(table["keyword"], table["category"], strict=True):
            if not todo.any():
                break
            hit = todo & text.str.contains(kw, regex=False)
            result[hit] = cat
            todo &= ~hit
    return result


def categorise_osm(frame: pd.DataFrame, table: pd.DataFrame) -> pd.Series:
    """Category per row from OSM tag columns (first table row that matches wins)."""
    result = pd.Series(np.nan, index=frame.index, dtype=object)
    for key, value, cat in zip(table["key"], table["value"], table["category"], strict=True):
        if key in frame.columns:
            hit = result.isna() & (frame[key].astype("string") == value).fillna(False)
            result[hit.to_numpy()] = cat
    return result


def read_facilities(
    path: str | os.PathLike[str],
    *,
    source_coords: str | None = None,
    metric_crs: object = None,
    category: str | None = None,
    category_col: str | None = None,
    mapping: str | os.PathLike[str] | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read facility points and give each a project category.

    Returns
    -------
    GeoDataFrame
        Index ``facility_id`` (string); ``category``, ``name``, ``source_type`` (the original
        type text), and ``capacity`` / ``area_m2`` where present. ``attrs["unmapped"]`` holds the
        number of excluded rows and ``attrs["unmapped_examples"]`` a few of their types.

    Raises
    ------
    InputDataError
        Unknown category ids, no way to categorise the rows, nothing left after mapping.
    """
    gdf = read_layer(path, source_coords=source_coords, metric_crs=metric_crs, layer=layer,
                     id_aliases=("facility_id", "id", "ID", "编号", "poi_id"), id_prefix="F",
                     index_name="facility_id")
    what = Path(path).name
    ncol = find_column(gdf, NAME_ALIASES, what=what, role="name", required=False)
    tcol = find_column(gdf, TYPE_ALIASES, what=what, role="type", required=False)
    names = gdf[ncol].fillna("").astype(str) if ncol else pd.Series("", index=gdf.index)
    types = gdf[tcol].fillna("").astype(str) if tcol else pd.Series("", index=gdf.index)
    ccol = category_col or ("category" if "category" in gdf.columns else None)
    if category is not None:
        _check_categories(pd.Series([category]), what="category argument")
        cats = pd.Series(category, index=gdf.index, dtype=object)
    elif ccol is not None:
        if ccol not in gdf.columns:
            raise InputDataError(f"{what}: no column {ccol!r}.")
        cats = gdf[ccol].astype("string").str.strip().astype(object)
        _check_categories(cats.dropna(), what=f"{what} column {ccol!r}")
    elif tcol is not None or ncol is not None:
        cats = categorise_amap(types, names, amap_mapping(mapping))
    elif set(osm_mapping()["key"]) & set(gdf.columns):
        cats = categorise_osm(gdf, osm_mapping(mapping))
    else:
        raise InputDataError(f"{what}: cannot tell the facility category: no 'category' or "
                             "'type' column and no OSM tag columns; pass category='…'.")
    unmapped = cats.isna() | (cats == "")
    out = gpd.GeoDataFrame({"category": cats, "name": names, "source_type": types},
                           index=gdf.index, geometry=gdf.geometry, crs=gdf.crs)
    for col in ("capacity", "area_m2"):
        if col in gdf.columns:
            out[col] = pd.to_numeric(gdf[col], errors="coerce")
    out = out.loc[~unmapped.to_numpy()]
    out.attrs.update(gdf.attrs)
    out.attrs["unmapped"] = int(unmapped.sum())
    out.attrs["unmapped_examples"] = sorted(set(types[unmapped]))[:5]
    if unmapped.any():
        logger.warning("%s: %d of %d rows have no category and are excluded (e.g. %s)", what,
                       int(unmapped.sum()), len(gdf), ", ".join(out.attrs["unmapped_examples"]))
    if len(out) == 0:
        raise InputDataError(f"{what}: no row could be given a category; check the 'type' values "
                             "or pass category='…'.")
    return out
