"""Point layers from CSV (longitude/latitude columns) or vector files, in a metric CRS.

Coordinates are never guessed: a lon/lat CSV must say which system it is in (``source_coords``:
``wgs84``, ``gcj02`` for Amap/Tencent, ``bd09`` for Baidu, ``cgcs2000``, or ``EPSG:<code>``).
GCJ-02 and BD-09 are converted exactly (:mod:`gis_planner.io.coords`), then everything is
projected to one metric CRS (normally the network's).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gis_planner._errors import CRSError, InputDataError
from gis_planner._validate import _rows
from gis_planner.io.coords import CHINESE_SYSTEMS, to_wgs84
from gis_planner.io.crs import resolve_metric_crs
from gis_planner.io.tables import read_table

logger = logging.getLogger(__name__)

LON_ALIASES = ("lng", "lon", "long", "longitude", "经度", "wgs84_lng", "gcj02_lng", "bd09_lng")
LAT_ALIASES = ("lat", "latitude", "纬度", "wgs84_lat", "gcj02_lat", "bd09_lat")
X_ALIASES = ("x", "x_coord", "easting", "X坐标")
Y_ALIASES = ("y", "y_coord", "northing", "Y坐标")
ID_ALIASES = ("id", "ID", "编号", "poi_id", "uid")
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".parquet")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")


def find_column(df: pd.DataFrame, aliases: Sequence[str], explicit: str | None = None, *,
                what: str, role: str, required: bool = True) -> str | None:
    """Name of the first column matching ``aliases`` (case-insensitive), or ``explicit``.

    Raises
    ------
    InputDataError
        When ``explicit`` is missing, or nothing matches and ``required``.
    """
    if explicit is not None:
        if explicit not in df.columns:
            raise InputDataError(f"{what}: no column {explicit!r} ({role}); found "
                                 f"{', '.join(map(repr, df.columns))}.")
        return explicit
    lower = {str(c).lower(): c for c in df.columns}
    for a in aliases:
        if a.lower() in lower:
            return str(lower[a.lower()])
    if required:
        raise InputDataError(
            f"{what}: no {role} column; expected one of {', '.join(map(repr, aliases))}, found "
            f"{', '.join(map(repr, map(str, df.columns)))}."
        )
    return None


def _source_system(source_coords: str | None) -> tuple[str, pyproj.CRS | None]:
    """('wgs84'|'gcj02'|..., None) for the Chinese systems, ('epsg', CRS) for EPSG codes."""
    if source_coords is None:
        return "", None
    s = str(source_coords).strip().lower()
    if s in CHINESE_SYSTEMS:
        return s, None
    try:
        return "epsg", pyproj.CRS.from_user_input(source_coords)
    except Exception as exc:  # pyproj.exceptions.CRSError
        raise CRSError(f"unknown coordinate system {source_coords!r}; expected one of "
                       f"{', '.join(CHINESE_SYSTEMS)} or 'EPSG:<code>'.") from exc


def _numeric(df: pd.DataFrame, col: str, *, what: str) -> np.ndarray:
    vals = pd.to_numeric(df[col], errors="coerce")
    bad = vals.isna().to_numpy()
    if bad.any():
        raise InputDataError(f"{what}: column {col!r} has {int(bad.sum())} empty or non-numeric "
                             f"values ({_rows(df.index, bad)}); expected numbers.")
    return vals.to_numpy(dtype=float)


def check_lonlat(lon: np.ndarray, lat: np.ndarray, index: pd.Index, *, what: str) -> None:
    """Raise when coordinates are out of range; say so when they look swapped."""
    bad = ~((np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if bad.any():
        swapped = (np.abs(lat[bad]) <= 180).all() and (np.abs(lon[bad]) <= 90).all()
        hint = (" The values look like (lat, lon): swap the longitude and latitude columns."
                if swapped else "")
        raise CRSError(f"{what}: {int(bad.sum())} coordinates outside longitude -180..180 / "
                       f"latitude -90..90 ({_rows(index, bad)}).{hint}")


def _ids(df: pd.DataFrame, id_col: str | None, prefix: str, *, what: str,
         aliases: Sequence[str] = ID_ALIASES) -> pd.Index:
    col = find_column(df, aliases, id_col, what=what, role="id", required=False)
    if col is None:
        return pd.Index([f"{prefix}{i + 1}" for i in range(len(df))], dtype=object)
    ids = df[col].astype("string").str.strip()
    empty = ids.isna() | (ids == "")
    if empty.any():
        raise InputDataError(f"{what}: column {col!r} has {int(empty.sum())} empty ids "
                             f"(rows {', '.join(map(str, np.flatnonzero(empty.to_numpy())[:5] + 2))}).")
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        raise InputDataError(f"{what}: column {col!r} has duplicate ids "
                             f"({', '.join(sorted(set(ids[dup]))[:5])}); ids must be unique.")
    return pd.Index(ids.astype(object).to_numpy(), dtype=object)


def read_layer(
    path: str | os.PathLike[str],
    *,
    source_coords: str | None = None,
    metric_crs: object = None,
    layer: str | None = None,
    id_col: str | None = None,
    id_aliases: Sequence[str] = ID_ALIASES,
    id_prefix: str = "",
    index_name: str = "id",
    allowed_types: Sequence[str] = ("Point",),
) -> gpd.GeoDataFrame:
    """Read a CSV of lon/lat (or x/y) points or a vector file into a metric-CRS GeoDataFrame.

    Parameters
    ----------
    source_coords
        Coordinate system of the input: ``wgs84``, ``gcj02``, ``bd09``, ``cgcs2000`` or
        ``EPSG:<code>``. Required for CSV; for vector files it overrides a geographic CRS when
        the data are really GCJ-02/BD-09 (Amap exports labelled EPSG:4326).
    metric_crs
        Target CRS: None/``"utm"``/``"cgcs2000_3deg"`` (chosen from the data) or a projected CRS
        (pass ``network.crs`` so every layer shares the network's CRS).
    allowed_types
        Geometry types accepted (``"Point"``, ``"Polygon"``, ``"MultiPolygon"`` …).

    Raises
    ------
    InputDataError, CRSError
        Missing file, unknown format, missing or non-numeric coordinates, out-of-range or swapped
        coordinates, undeclared coordinate system, empty layer, invalid geometries, duplicate ids.
    """
    p = Path(path)
    what = str(p) + (f" [layer={layer}]" if layer else "")
    if not p.is_file():
        raise InputDataError(f"{p}: file not found.")
    system, epsg = _source_system(source_coords)
    suffix = p.suffix.lower()
    if suffix in CSV_SUFFIXES:
        df = read_table(p, what=str(p))
        if len(df) == 0:
            raise InputDataError(f"{p}: the table has a header but no rows.")
        df.index = _ids(df, id_col, id_prefix, what=str(p), aliases=id_aliases)
        if system == "epsg" and epsg is not None and epsg.is_projected:
            xc = find_column(df, X_ALIASES, what=str(p), role="x (easting)")
            yc = find_column(df, Y_ALIASES, what=str(p), role="y (northing)")
            x, y = _numeric(df, xc, what=str(p)), _numeric(df, yc, what=str(p))
            gdf = gpd.GeoDataFrame(df.drop(columns=[xc, yc]), geometry=shapely.points(x, y), crs=epsg)
            lonlat = gdf.to_crs(4326)
        else:
            lon_c = find_column(df, LON_ALIASES, what=str(p), role="longitude")
            lat_c = find_column(df, LAT_ALIASES, what=str(p), role="latitude")
            if not system:
                raise CRSError(
                    f"{p}: longitude/latitude columns ({lon_c!r}, {lat_c!r}) but no declared "
                    "coordinate system. Amap/Tencent data are GCJ-02, Baidu BD-09, GPS/OSM WGS-84: "
                    "declare it with source_coords='gcj02' (API) or --coords gcj02 (CLI)."
                )
            lon, lat = _numeric(df, lon_c, what=str(p)), _numeric(df, lat_c, what=str(p))
            check_lonlat(lon, lat, df.index, what=str(p))
            if system == "epsg":
                lonlat = gpd.GeoDataFrame(df.drop(columns=[lon_c, lat_c]),
                                          geometry=shapely.points(lon, lat), crs=epsg).to_crs(4326)
            else:
                wlon, wlat = to_wgs84(lon, lat, system)
                lonlat = gpd.GeoDataFrame(df.drop(columns=[lon_c, lat_c]),
                                          geometry=shapely.points(wlon, wlat), crs=4326)
                if system in ("gcj02", "bd09"):
                    logger.info("%s: %d points converted %s -> WGS-84", p, len(df), system)
    elif suffix in VECTOR_SUFFIXES:
        try:
            gdf = gpd.read_parquet(p) if suffix == ".parquet" else (
                gpd.read_file(p, layer=layer) if layer else gpd.read_file(p))
        except Exception as exc:  # pyogrio DataSourceError and friends
            raise InputDataError(f"{what}: cannot read as a vector file ({exc}).") from exc
        if len(gdf) == 0:
            raise InputDataError(f"{what}: the layer is empty.")
        if gdf.crs is None:
            raise CRSError(f"{what}: the file has no CRS; save it with one, e.g. EPSG:4326.")
        gdf.index = _ids(gdf, id_col, id_prefix, what=what, aliases=id_aliases)
        _check_geometries(gdf, allowed_types, what=what)
        if system in ("gcj02", "bd09"):
            if not gdf.crs.is_geographic:
                raise CRSError(f"{what}: declared {system} but the file's CRS "
                               f"{gdf.crs.to_string()} is projected.")
            g4326 = gdf.to_crs(4326)
            coords = shapely.get_coordinates(g4326.geometry.to_numpy())
            wlon, wlat = to_wgs84(coords[:, 0], coords[:, 1], system)
            geoms = shapely.set_coordinates(g4326.geometry.to_numpy().copy(), np.c_[wlon, wlat])
            lonlat = g4326.set_geometry(geoms)
        else:
            lonlat = gdf.to_crs(4326)
            xy = shapely.get_coordinates(lonlat.geometry.to_numpy())
            if len(xy):
                check_lonlat(xy[:, 0], xy[:, 1], pd.RangeIndex(len(xy)), what=what)
    else:
        raise InputDataError(f"{p}: unsupported format {p.suffix!r}; expected "
                             f"{', '.join(CSV_SUFFIXES + VECTOR_SUFFIXES)}.")
    _check_geometries(lonlat, allowed_types, what=what)
    crs = resolve_metric_crs(tuple(lonlat.total_bounds), metric_crs, what=what)
    out = lonlat.to_crs(crs)
    out.index.name = index_name
    out.attrs["source"] = p.name
    out.attrs["source_coords"] = system or (epsg.to_string() if epsg else "file CRS")
    return out


def _check_geometries(gdf: gpd.GeoDataFrame, allowed: Sequence[str], *, what: str) -> None:
    geom = gdf.geometry
    missing = (geom.isna() | geom.is_empty).to_numpy()
    if missing.any():
        raise InputDataError(f"{what}: {int(missing.sum())} empty or missing geometries "
                             f"({_rows(gdf.index, missing)}).")
    types = geom.geom_type.to_numpy()
    wrong = ~np.isin(types, list(allowed))
    if wrong.any():
        raise InputDataError(
            f"{what}: {int(wrong.sum())} geometries of type {', '.join(sorted(set(types[wrong])))} "
            f"({_rows(gdf.index, wrong)}); expected {' or '.join(allowed)}."
        )
    invalid = ~geom.is_valid.to_numpy()
    if invalid.any():
        raise InputDataError(
            f"{what}: {int(invalid.sum())} invalid geometries ({_rows(gdf.index, invalid)}), e.g. "
            f"{shapely.is_valid_reason(geom.to_numpy()[invalid][0])}; repair them (make_valid) first."
        )


def read_points(path: str | os.PathLike[str], **kwargs: object) -> gpd.GeoDataFrame:
    """Read a point layer (see :func:`read_layer` for the arguments)."""
    return read_layer(path, **kwargs)  # type: ignore[arg-type]
