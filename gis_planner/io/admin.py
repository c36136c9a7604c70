"""Communities (社区/村) and sub-districts (街道/乡镇): polygons with string codes and names, and the
NBS division-code lists (统计用区划代码) as name tables."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gis_planner._errors import InputDataError
from gis_planner._validate import offending_rows
from gis_planner.io.points import find_column, read_layer
from gis_planner.io.tables import read_table

logger = logging.getLogger(__name__)

POLY = ("Polygon", "MultiPolygon")
#: Accepted values of an urban/rural column (lower-cased) -> ``urban``/``rural``.
URBAN_WORDS = {"urban": "urban", "城镇": "urban", "城市": "urban", "城": "urban", "社区": "urban",
               "居委会": "urban", "rural": "rural", "农村": "rural", "乡村": "rural", "乡": "rural",
               "村": "rural", "村委会": "rural"}
COMMUNITY_CODE_ALIASES = ("community_code", "code", "社区代码", "村代码", "区划代码", "村级代码",
                          "village_code")
COMMUNITY_NAME_ALIASES = ("name", "名称", "社区名称", "村名称", "社区", "village_name")
SUBDISTRICT_CODE_ALIASES = ("subdistrict_code", "街道代码", "乡镇代码", "street_code")
SUBDISTRICT_NAME_ALIASES = ("name", "名称", "街道名称", "乡镇名称", "street_name")
URBAN_RURAL_ALIASES = ("urban_rural", "城乡", "城乡类型", "城乡分类", "类型")
COMMITTEE_TYPE_ALIASES = ("committee_type", "委员会类型", "居村委类型", "居村类型")
DIVISION_CODE_ALIASES = ("division_code", "统计用区划代码")
#: Accepted committee types (lower-cased) -> 居委会 / 村委会.
COMMITTEE_TYPES = {"居委会": "居委会", "居民委员会": "居委会", "社区居委会": "居委会",
                   "社区居民委员会": "居委会", "urban": "居委会", "村委会": "村委会",
                   "村民委员会": "村委会", "rural": "村委会"}


def _committee_type(values: pd.Series, *, what: str, col: str) -> pd.Series:
    raw = values.astype("string").str.strip().str.lower()
    mapped = raw.map(COMMITTEE_TYPES)
    bad = (raw.notna() & (raw != "") & mapped.isna()).to_numpy()
    if bad.any():
        raise InputDataError(f"{what}: column {col!r} has {int(bad.sum())} values that are not a "
                             f"committee type ({offending_rows(values.index, bad)}); use 居委会/居民委员会 "
                             "or 村委会/村民委员会, or leave the cell empty.")
    return mapped.astype(object).where(mapped.notna(), None)


def _urban_rural(values: pd.Series, *, what: str, col: str) -> pd.Series:
    raw = values.astype("string").str.strip().str.lower()
    mapped = raw.map(URBAN_WORDS)
    bad = (raw.notna() & (raw != "") & mapped.isna()).to_numpy()
    if bad.any():
        raise InputDataError(f"{what}: column {col!r} has {int(bad.sum())} values that are neither "
                             f"urban nor rural ({offending_rows(values.index, bad)}); use urban/rural or "
                             "城镇/农村, or leave the cell empty to have it classified.")
    return mapped.astype(object).where(mapped.notna(), None)


def read_communities(
    path: str | os.PathLike[str],
    *,
    metric_crs: object = None,
    code_col: str | None = None,
    name_col: str | None = None,
    subdistrict_col: str | None = None,
    urban_rural_col: str | None = None,
    layer: str | None = None,
    source_coords: str | None = None,
) -> gpd.GeoDataFrame:
    """Read community (社区/居委会/村) polygons.

    Parameters
    ----------
    path
        A polygon vector file (GeoJSON, GeoPackage, Shapefile …).
    metric_crs
        Target projected CRS; pass ``network.crs``.
    code_col, name_col, subdistrict_col, urban_rural_col
        Column names when they are not among the accepted ones (``community_code``/``code``/
        ``社区代码``/``村代码``; ``name``/``名称``/``社区名称``; ``subdistrict_code``/``街道代码``;
        ``urban_rural``/``城乡``/``类型``).
    layer
        Layer of a GeoPackage.
    source_coords
        Only for files without a CRS, or boundaries in GCJ-02/BD-09 labelled EPSG:4326.

    Returns
    -------
    GeoDataFrame
        Index ``community_code`` (string, leading zeros kept); ``name``; ``subdistrict_code``
        (string) when present; ``committee_type`` (居委会/村委会, from ``committee_type``/
        ``委员会类型``; accepts 居民委员会, 村民委员会, urban, rural) and ``division_code`` (the
        12-digit 统计用区划代码) when present; ``urban_rural`` (``urban``/``rural``, None where the file does not
        say; the column is absent when the file has none, and the community module classifies
        those); ``high_rise`` (bool) when present; (Multi)Polygon geometry in the metric CRS.

    Raises
    ------
    InputDataError
        Missing name column, unknown urban/rural values, plus every error of
        :func:`gis_planner.io.points.read_layer` (duplicate codes, invalid polygons, no CRS …).
    """
    gdf = read_layer(path, source_coords=source_coords, metric_crs=metric_crs, layer=layer,
                     id_col=code_col, id_aliases=COMMUNITY_CODE_ALIASES, id_prefix="COM",
                     index_name="community_code", allowed_types=POLY)
    what = Path(path).name
    out = gpd.GeoDataFrame(index=gdf.index, geometry=gdf.geometry, crs=gdf.crs)
    ncol = find_column(gdf, COMMUNITY_NAME_ALIASES, name_col, what=what, role="name")
    out["name"] = gdf[ncol].fillna("").astype(str)
    scol = find_column(gdf, SUBDISTRICT_CODE_ALIASES, subdistrict_col, what=what,
                       role="subdistrict code", required=False)
    if scol:
        s = gdf[scol].astype("string").str.strip()
        out["subdistrict_code"] = s.astype(object).where(s.notna() & (s != ""), None)
    ucol = find_column(gdf, URBAN_RURAL_ALIASES, urban_rural_col, what=what, role="urban/rural",
                       required=False)
    if ucol:
        out["urban_rural"] = _urban_rural(gdf[ucol], what=what, col=ucol)
    tcol = find_column(gdf, COMMITTEE_TYPE_ALIASES, what=what, role="committee type",
                       required=False)
    if tcol:
        out["committee_type"] = _committee_type(gdf[tcol], what=what, col=tcol)
    dcol = find_column(gdf, DIVISION_CODE_ALIASES, what=what, role="division code",
                       required=False)
    if dcol:
        d = gdf[dcol].astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
        bad = (d.notna() & (d != "") & ~d.str.fullmatch(r"\d{12}").fillna(False)).to_numpy(bool)
        if bad.any():
            raise InputDataError(f"{what}: column {dcol!r} has {int(bad.sum())} values that are "
                                 f"not 12-digit NBS division codes ({offending_rows(gdf.index, bad)}).")
        out["division_code"] = d.astype(object).where(d.notna() & (d != ""), None)
    hcol = find_column(gdf, ("high_rise", "高层"), what=what, role="high-rise", required=False)
    if hcol:
        from gis_planner.io.households import _boolean

        out["high_rise"] = _boolean(gdf[hcol], what=what, col=hcol)
    out = out[[c for c in out.columns if c != "geometry"] + ["geometry"]]
    out.attrs.update(gdf.attrs)
    logger.info("%s: %d communities", what, len(out))
    return out


def subdistrict_kind(names: pd.Series) -> pd.Series:
    """``township`` for names ending in 镇/乡 (乡镇), else ``subdistrict`` (街道).

    >>> subdistrict_kind(pd.Series(["外滩街道", "朱家角镇", "某某乡"])).tolist()
    ['subdistrict', 'township', 'township']
    """
    s = names.fillna("").astype(str).str.strip()
    return pd.Series(np.where(s.str.endswith(("镇", "乡")), "township", "subdistrict"),
                     index=names.index, dtype=object)


def read_subdistricts(
    path: str | os.PathLike[str],
    *,
    metric_crs: object = None,
    code_col: str | None = None,
    name_col: str | None = None,
    layer: str | None = None,
    source_coords: str | None = None,
) -> gpd.GeoDataFrame:
    """Read sub-district (街道/乡镇) polygons.

    Parameters
    ----------
    path
        A polygon vector file.
    metric_crs
        Target projected CRS; pass ``network.crs``.
    code_col, name_col
        Column names when they are not among the accepted ones (``subdistrict_code``/``code``/
        ``街道代码``/``乡镇代码``; ``name``/``名称``/``街道名称``).
    layer
        Layer of a GeoPackage.
    source_coords
        Only for files without a CRS, or boundaries in GCJ-02/BD-09 labelled EPSG:4326.

    Returns
    -------
    GeoDataFrame
        Index ``subdistrict_code`` (string); ``name``; ``kind`` (``subdistrict`` for 街道,
        ``township`` for 乡/镇; from a ``kind`` column or the name's suffix); (Multi)Polygon.

    Raises
    ------
    InputDataError
        Missing name column, bad ``kind`` values, plus every error of
        :func:`gis_planner.io.points.read_layer`.
    """
    gdf = read_layer(path, source_coords=source_coords, metric_crs=metric_crs, layer=layer,
                     id_col=code_col, id_aliases=("subdistrict_code", "code", "街道代码", "乡镇代码",
                                                  "区划代码", "street_code"),
                     id_prefix="SUB", index_name="subdistrict_code", allowed_types=POLY)
    what = Path(path).name
    ncol = find_column(gdf, SUBDISTRICT_NAME_ALIASES, name_col, what=what, role="name")
    out = gpd.GeoDataFrame({"name": gdf[ncol].fillna("").astype(str)}, index=gdf.index,
                           geometry=gdf.geometry, crs=gdf.crs)
    kcol = find_column(gdf, ("kind", "级别", "类型"), what=what, role="kind", required=False)
    if kcol:
        words = {"subdistrict": "subdistrict", "街道": "subdistrict", "township": "township",
                 "镇": "township", "乡": "township", "乡镇": "township"}
        raw = gdf[kcol].astype("string").str.strip().str.lower()
        kind = raw.map(words)
        bad = (raw.notna() & (raw != "") & kind.isna()).to_numpy()
        if bad.any():
            raise InputDataError(f"{what}: column {kcol!r} has {int(bad.sum())} values that are "
                                 f"neither subdistrict nor township ({offending_rows(gdf.index, bad)}); "
                                 "use subdistrict/township or 街道/镇/乡.")
        out["kind"] = kind.astype(object).where(kind.notna(), subdistrict_kind(out["name"]))
    else:
        out["kind"] = subdistrict_kind(out["name"])
    out = out[["name", "kind", "geometry"]]
    out.attrs.update(gdf.attrs)
    logger.info("%s: %d sub-districts", what, len(out))
    return out


def read_admin_names(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read an NBS division-code list (统计用区划代码) of sub-districts or communities.

    Two layouts are recognised by their columns: village rows (``village_code``,
    ``village_name``, ``street_code``, ``street_name``, ``area_code``, ``area_name``) and street
    rows (``street_code``, ``street_name``, ``area_code``, ``area_name``); Chinese headers
    (``村级代码``/``名称`` …) are not guessed.

    Parameters
    ----------
    path
        The CSV (UTF-8 or GBK).

    Returns
    -------
    pandas.DataFrame
        For villages: index ``community_code`` (12-digit string); ``name``, ``subdistrict_code``,
        ``subdistrict_name``, ``district_code``, ``district_name``, ``urban_rural`` (``urban``
        for 居委会, ``rural`` for 村委会, None otherwise) and ``committee_type`` (居委会 / 村委会 /
        None, from the name). For streets: index
        ``subdistrict_code`` (9-digit string); ``name``, ``kind`` (``subdistrict``/``township``),
        ``district_code``, ``district_name``. ``attrs["level"]`` is ``community`` or
        ``subdistrict``.

    Raises
    ------
    InputDataError
        Missing file, unknown layout, codes that are not digits, duplicate codes, no rows.
    """
    what = Path(path).name
    df = read_table(path)
    if len(df) == 0:
        raise InputDataError(f"{what}: the table has a header but no rows.")
    if {"village_code", "village_name"} <= set(df.columns):
        level, code, name = "community", "village_code", "village_name"
        rename = {"street_code": "subdistrict_code", "street_name": "subdistrict_name",
                  "area_code": "district_code", "area_name": "district_name"}
        index_name = "community_code"
    elif {"street_code", "street_name"} <= set(df.columns):
        level, code, name = "subdistrict", "street_code", "street_name"
        rename = {"area_code": "district_code", "area_name": "district_name"}
        index_name = "subdistrict_code"
    else:
        raise InputDataError(
            f"{what}: not an NBS code list; expected columns village_code, village_name, "
            f"street_code … or street_code, street_name, area_code …; found "
            f"{', '.join(map(repr, map(str, df.columns)))}.")
    codes = df[code].astype("string").str.strip()
    bad = ~codes.str.fullmatch(r"\d+").fillna(False).to_numpy()
    if bad.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(bad)[:5])
        raise InputDataError(f"{what}: column {code!r} has {int(bad.sum())} codes that are not "
                             f"digits (lines {rows}).")
    dup = codes.duplicated(keep=False).to_numpy()
    if dup.any():
        raise InputDataError(f"{what}: column {code!r} has duplicate codes "
                             f"({', '.join(sorted(set(codes[dup]))[:5])}).")
    out = pd.DataFrame({"name": df[name].fillna("").astype(str).str.strip().to_numpy()},
                       index=pd.Index(codes.astype(object).to_numpy(), name=index_name))
    for src, dst in rename.items():
        if src in df.columns:
            out[dst] = df[src].astype("string").str.strip().astype(object).to_numpy()
    if level == "community":
        n = out["name"]
        rural = np.where(n.str.contains("村委会|村民委员会"), "rural", np.array(None, dtype=object))
        out["urban_rural"] = np.where(n.str.endswith("居委会") | n.str.endswith("社区居民委员会"), "urban", rural)
        out["urban_rural"] = out["urban_rural"].astype(object)
        out["committee_type"] = out["urban_rural"].map({"urban": "居委会", "rural": "村委会"})
        out["committee_type"] = out["committee_type"].astype(object).where(
            out["committee_type"].notna(), None)
    else:
        out.insert(1, "kind", subdistrict_kind(out["name"]).to_numpy())
    out.attrs["level"] = level
    out.attrs["source"] = what
    return out
