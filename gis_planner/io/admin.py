"""Communities (社区/村) and sub-districts (街道/乡镇) as polygons with string codes and names."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gis_planner._errors import InputDataError
from gis_planner._validate import _rows
from gis_planner.io.points import find_column, read_layer
from gis_planner.io.tables import read_table

POLY = ("Polygon", "MultiPolygon")
URBAN_WORDS = {"urban": "urban", "城镇": "urban", "城市": "urban", "城": "urban",
               "rural": "rural", "农村": "rural", "乡村": "rural", "乡": "rural"}


def read_communities(
    path: str | os.PathLike[str],
    *,
    metric_crs: object = None,
    code_col: str | None = None,
    name_col: str | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read community polygons: index ``community_code`` (string), ``name``,
    ``subdistrict_code`` (when present), ``urban_rural`` (``urban``/``rural``/missing when the
    file does not say; the community module classifies those), ``high_rise`` (when present)."""
    gdf = read_layer(path, metric_crs=metric_crs, layer=layer, id_col=code_col,
                     id_aliases=("community_code", "code", "社区代码", "村代码", "区划代码"),
                     index_name="community_code", allowed_types=POLY)
    what = Path(path).name
    out = gpd.GeoDataFrame(index=gdf.index, geometry=gdf.geometry, crs=gdf.crs)
    ncol = find_column(gdf, ("name", "名称", "社区名称", "村名称"), name_col, what=what, role="name")
    out["name"] = gdf[ncol].astype(str)
    scol = find_column(gdf, ("subdistrict_code", "街道代码", "乡镇代码"), what=what,
                       role="subdistrict code", required=False)
    if scol:
        out["subdistrict_code"] = gdf[scol].astype("string").str.strip().astype(object)
    ucol = find_column(gdf, ("urban_rural", "城乡", "城乡类型", "类型"), what=what,
                       role="urban/rural", required=False)
    if ucol:
        raw = gdf[ucol].astype("string").str.strip().str.lower()
        mapped = raw.map(URBAN_WORDS)
        bad = raw.notna() & (raw != "") & mapped.isna()
        if bad.any():
            raise InputDataError(f"{what}: column {ucol!r} has values that are neither urban nor "
                                 f"rural ({_rows(gdf.index, bad.to_numpy())}); use urban/rural or 城镇/农村.")
        out["urban_rural"] = mapped.astype(object).where(mapped.notna(), None)
    if "high_rise" in gdf.columns:
        from gis_planner.io.households import _boolean

        out["high_rise"] = _boolean(gdf["high_rise"], what=what, col="high_rise")
    out = out[[c for c in out.columns if c != "geometry"] + ["geometry"]]
    out.attrs.update(gdf.attrs)
    return out


def read_subdistricts(
    path: str | os.PathLike[str],
    *,
    metric_crs: object = None,
    code_col: str | None = None,
    name_col: str | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read sub-district polygons: index ``subdistrict_code`` (string), ``name``, ``kind``
    (``subdistrict`` for 街道, ``township`` for 乡/镇; from a column or the name's suffix)."""
    gdf = read_layer(path, metric_crs=metric_crs, layer=layer, id_col=code_col,
                     id_aliases=("subdistrict_code", "code", "街道代码", "乡镇代码", "区划代码"),
                     index_name="subdistrict_code", allowed_types=POLY)
    what = Path(path).name
    ncol = find_column(gdf, ("name", "名称", "街道名称"), name_col, what=what, role="name")
    out = gpd.GeoDataFrame({"name": gdf[ncol].astype(str)}, index=gdf.index,
                           geometry=gdf.geometry, crs=gdf.crs)
    if "kind" in gdf.columns:
        out["kind"] = gdf["kind"].astype(str)
    else:
        out["kind"] = ["township" if n.endswith(("镇", "乡")) else "subdistrict" for n in out["name"]]
    out = out[["name", "kind", "geometry"]]
    out.attrs.update(gdf.attrs)
    return out


def read_admin_names(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read an NBS division-code list (codes kept as strings with their leading digits)."""
    df = read_table(path)
    if len(df) == 0:
        raise InputDataError(f"{path}: the table has no rows.")
    return df
