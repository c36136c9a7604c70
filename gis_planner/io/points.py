"""Point layers from CSV (longitude/latitude columns) or vector files, in a metric CRS.

Coordinates are never guessed: a lon/lat CSV must say which system it is in (``source_coords``:
``wgs84``, ``gcj02`` for Amap/Tencent, ``bd09`` for Baidu, ``cgcs2000``, or ``EPSG:<code>``).
GCJ-02 and BD-09 are converted exactly (:mod:`gis_planner.io.coords`), then everything is
projected to one metric CRS (normally the network's).

Column rules (case-insensitive):

- longitude: ``lng``, ``lon``, ``long``, ``longitude``, ``经度`` (also ``wgs84_lng`` …);
  latitude: ``lat``, ``latitude``, ``纬度``.
- ``x``/``y`` (``easting``/``northing``, ``X坐标``/``Y坐标``) are projected coordinates: they are
  read when ``source_coords`` is a projected ``EPSG:<code>``. With a geographic system
  (``wgs84`` …) they are read as longitude/latitude only when no longitude/latitude column
  exists, i.e. when declaring the system says they are degrees; values outside ±180/±90 are then
  refused with a hint to declare the projected EPSG code instead.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, overload

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gis_planner._errors import CRSError, GisPlannerWarning, InputDataError
from gis_planner._validate import offending_rows, strip_control_characters
from gis_planner.io._open import check_input_path, read_vector
from gis_planner.io.coords import CHINESE_SYSTEMS, in_china, to_wgs84
from gis_planner.io.crs import resolve_metric_crs
from gis_planner.io.tables import read_table

logger = logging.getLogger(__name__)

LON_ALIASES = ("lng", "lon", "long", "longitude", "经度", "wgs84_lng", "gcj02_lng", "bd09_lng",
               "wgs84_lon", "gcj02_lon", "bd09_lon")
LAT_ALIASES = ("lat", "latitude", "纬度", "wgs84_lat", "gcj02_lat", "bd09_lat")
X_ALIASES = ("x", "x_coord", "easting", "X坐标")
Y_ALIASES = ("y", "y_coord", "northing", "Y坐标")
ID_ALIASES = ("id", "ID", "编号", "poi_id", "uid")
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".parquet")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
#: Geometry families; one layer must not mix them.
_FAMILY = {"Point": "point", "MultiPoint": "point", "LineString": "line",
           "MultiLineString": "line", "Polygon": "polygon", "MultiPolygon": "polygon"}
_DECLARE = "declare it with source_coords='gcj02' (API) or --coords gcj02 (CLI)"


@overload
def find_column(df: pd.DataFrame, aliases: Sequence[str], explicit: str | None = None, *,
                what: str, role: str, required: Literal[True] = True) -> str: ...
@overload
def find_column(df: pd.DataFrame, aliases: Sequence[str], explicit: str | None = None, *,
                what: str, role: str, required: bool) -> str | None: ...
def find_column(df: pd.DataFrame, aliases: Sequence[str], explicit: str | None = None, *,
                what: str, role: str, required: bool = True) -> str | None:
    """Name of the first column matching ``aliases`` (case-insensitive), or ``explicit``.

    Parameters
    ----------
    df
        The table.
    aliases
        Accepted names in priority order.
    explicit
        A column the user named; it must exist.
    what, role
        Used in messages (the file, and what the column holds).
    required
        Raise when nothing matches (else return None).

    Raises
    ------
    InputDataError
        When ``explicit`` is missing, or nothing matches and ``required``.
    """
    if explicit is not None:
        if explicit not in df.columns:
            raise InputDataError(f"{what}: no column {explicit!r} ({role}); found "
                                 f"{', '.join(map(repr, map(str, df.columns)))}.")
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


def _source_system(source_coords: str | None, *, what: str = "") -> tuple[str, pyproj.CRS | None]:
    """('wgs84'|'gcj02'|..., None) for the Chinese systems, ('epsg', CRS) for EPSG codes; an
    unknown one is refused, naming ``what`` (an option or a config key) when given."""
    if source_coords is None:
        return "", None
    s = str(source_coords).strip().lower()
    if s in CHINESE_SYSTEMS:
        return s, None
    try:
        return "epsg", pyproj.CRS.from_user_input(source_coords)
    except Exception as exc:  # pyproj.exceptions.CRSError
        named = (f"{what} = {source_coords!r}: unknown coordinate system" if what else
                 f"unknown coordinate system {source_coords!r}")
        raise CRSError(f"{named}; expected one of {', '.join(CHINESE_SYSTEMS)} or 'EPSG:<code>'.") from exc


def check_source_coords(source_coords: str | None, *, what: str) -> None:
    """Refuse, before any file is read, a coordinate system the readers do not know
    (``source_coords=`` of :func:`read_points`); one line naming ``what``, the option or the
    config key that gave it (``plan.toml: inputs.facilities_coords``).

    Raises
    ------
    CRSError
        Neither wgs84, gcj02, bd09, cgcs2000 nor a CRS pyproj knows (``EPSG:<code>``).
    """
    _source_system(source_coords, what=what)


def _numeric(df: pd.DataFrame, col: str, *, what: str) -> np.ndarray:
    vals = pd.to_numeric(df[col], errors="coerce")
    bad = vals.isna().to_numpy()
    if bad.any():
        raise InputDataError(f"{what}: column {col!r} has {int(bad.sum())} empty or non-numeric "
                             f"values ({offending_rows(df.index, bad)}); expected numbers.")
    return vals.to_numpy(dtype=float)


def check_lonlat(lon: np.ndarray, lat: np.ndarray, index: pd.Index, *, what: str,
                 system: str = "") -> None:
    """Raise :class:`CRSError` for out-of-range or swapped longitude/latitude pairs.

    A pair is reported as swapped when it is out of range but valid once swapped, or when most of
    the layer lies in China and the pair lies in China only once swapped (the typical
    spreadsheet mistake in western China, where a swapped pair stays within ±90). For layers
    declared GCJ-02/BD-09 (systems that exist only in China) a layer lying wholly outside China
    but inside it once swapped is refused too.

    Parameters
    ----------
    lon, lat
        Degrees, one value per row of ``index``.
    index
        Row labels used in messages.
    what
        The file (for messages).
    system
        The declared system (``gcj02`` … or ``""``).
    """
    fix = " The values look like (lat, lon): swap the longitude and latitude columns."
    bad = ~((np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if bad.any():
        swapped = bool((np.abs(lat[bad]) <= 180).all() and (np.abs(lon[bad]) <= 90).all())
        raise CRSError(f"{what}: {int(bad.sum())} coordinates outside longitude -180..180 / "
                       f"latitude -90..90 ({offending_rows(index, bad)}).{fix if swapped else ''}")
    inside = in_china(lon, lat)
    swapped_in = in_china(lat, lon) & ~inside
    if len(lon) and inside.mean() >= 0.5 and swapped_in.any():
        raise CRSError(f"{what}: {int(swapped_in.sum())} coordinates lie in China only when "
                       f"longitude and latitude are swapped ({offending_rows(index, swapped_in)}).{fix}")
    if system in ("gcj02", "bd09") and len(lon) and not inside.any() and swapped_in.all():
        raise CRSError(f"{what}: declared {system}, which exists only in China, but every point "
                       f"lies in China only when longitude and latitude are swapped.{fix}")


def _ids(df: pd.DataFrame, id_col: str | None, prefix: str, *, what: str,
         aliases: Sequence[str] = ID_ALIASES) -> pd.Index:
    """String ids from the id column, or ``<prefix><row number>`` (1 = first data row)."""
    col = find_column(df, aliases, id_col, what=what, role="id", required=False)
    if col is None:
        return pd.Index([f"{prefix}{i}" for i in range(1, len(df) + 1)], dtype=object)
    ids = df[col].astype("string").str.strip()
    empty = (ids.isna() | (ids == "")).to_numpy()
    if empty.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(empty)[:5])
        raise InputDataError(f"{what}: column {col!r} has {int(empty.sum())} empty ids "
                             f"(data rows {rows}); every row needs an id.")
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        names = sorted(set(ids[dup]))
        more = f" (+{len(names) - 5} more)" if len(names) > 5 else ""
        raise InputDataError(f"{what}: column {col!r} has duplicate ids "
                             f"({', '.join(names[:5])}{more}); ids must be unique.")
    return pd.Index(ids.astype(object).to_numpy(), dtype=object)


def _read_vector(p: Path, layer: str | None, what: str) -> gpd.GeoDataFrame:
    """The layer, with the driver its extension names (see :mod:`gis_planner.io._open`)."""
    return read_vector(p, layer=layer, what=what)


def _csv_layer(p: Path, df: pd.DataFrame, system: str, epsg: pyproj.CRS | None) -> gpd.GeoDataFrame:
    """Points of a CSV in EPSG:4326 (converted from GCJ-02/BD-09 where declared)."""
    what = str(p)
    if system == "epsg" and epsg is not None and epsg.is_projected:
        xc = find_column(df, X_ALIASES, what=what, role="x (easting)")
        yc = find_column(df, Y_ALIASES, what=what, role="y (northing)")
        x, y = _numeric(df, xc, what=what), _numeric(df, yc, what=what)
        gdf = gpd.GeoDataFrame(df.drop(columns=[xc, yc]), geometry=shapely.points(x, y), crs=epsg)
        out = gdf.to_crs(4326)
        xy = shapely.get_coordinates(out.geometry.to_numpy())
        check_lonlat(xy[:, 0], xy[:, 1], df.index, what=what)
        return out
    lon_c = find_column(df, LON_ALIASES, what=what, role="longitude", required=False)
    lat_c = find_column(df, LAT_ALIASES, what=what, role="latitude", required=False)
    xy_cols = False
    if lon_c is None and lat_c is None and system:
        lon_c = find_column(df, X_ALIASES, what=what, role="longitude", required=False)
        lat_c = find_column(df, Y_ALIASES, what=what, role="latitude", required=False)
        xy_cols = lon_c is not None and lat_c is not None
    if lon_c is None or lat_c is None:
        missing = "longitude" if lon_c is None else "latitude"
        aliases = LON_ALIASES if lon_c is None else LAT_ALIASES
        raise InputDataError(
            f"{what}: no {missing} column; expected one of {', '.join(map(repr, aliases[:5]))}, "
            f"found {', '.join(map(repr, map(str, df.columns)))}. Projected x/y columns need "
            "source_coords='EPSG:<code>'."
        )
    if not system:
        raise CRSError(
            f"{what}: longitude/latitude columns ({lon_c!r}, {lat_c!r}) but no declared "
            "coordinate system. Amap/Tencent data are GCJ-02, Baidu BD-09, GPS/OSM WGS-84: "
            f"{_DECLARE}; use 'wgs84' if they are already WGS-84."
        )
    lon, lat = _numeric(df, lon_c, what=what), _numeric(df, lat_c, what=what)
    if xy_cols and not ((np.abs(lon) <= 180) & (np.abs(lat) <= 90)).all():
        raise CRSError(f"{what}: columns {lon_c!r}/{lat_c!r} hold projected metres, not degrees; "
                       "declare their system as source_coords='EPSG:<code>' (e.g. 'EPSG:4549').")
    check_lonlat(lon, lat, df.index, what=what, system=system)
    rest = df.drop(columns=[lon_c, lat_c])
    if system == "epsg":
        return gpd.GeoDataFrame(rest, geometry=shapely.points(lon, lat), crs=epsg).to_crs(4326)
    _warn_outside_china(lon, lat, system, what=what)
    wlon, wlat = to_wgs84(lon, lat, system)
    if system in ("gcj02", "bd09"):
        logger.info("%s: %d points converted %s -> WGS-84", what, len(df), system)
    return gpd.GeoDataFrame(rest, geometry=shapely.points(wlon, wlat), crs=4326)


def _warn_outside_china(lon: np.ndarray, lat: np.ndarray, system: str, *, what: str) -> None:
    if system in ("gcj02", "bd09"):
        out = ~in_china(lon, lat)
        if out.any():
            warnings.warn(f"{what}: {int(out.sum())} points declared {system} lie outside China, "
                          "where that system has no offset; they are kept unchanged.",
                          GisPlannerWarning, stacklevel=4)


def _vector_layer(p: Path, gdf: gpd.GeoDataFrame, system: str, epsg: pyproj.CRS | None,
                  what: str) -> gpd.GeoDataFrame:
    """A vector layer in EPSG:4326, converted from GCJ-02/BD-09 where declared."""
    if gdf.crs is None:
        if not system:
            raise CRSError(f"{what}: the file has no CRS. Save it with one (e.g. EPSG:4326), or "
                           "declare it: source_coords='wgs84' / 'gcj02' / 'EPSG:4549' (API) or "
                           "--coords (CLI).")
        gdf = gdf.set_crs(epsg if system == "epsg" else (4490 if system == "cgcs2000" else 4326))
        logger.info("%s: no CRS in the file; declared %s used", what, system)
    elif system == "epsg" and epsg is not None and not gdf.crs.equals(epsg):
        raise CRSError(f"{what}: the file says {gdf.crs.to_string()} but {epsg.to_string()} was "
                       "declared; drop source_coords to use the file's CRS, or fix the file.")
    if system in ("gcj02", "bd09"):
        if not gdf.crs.is_geographic:
            raise CRSError(f"{what}: declared {system} but the file's CRS "
                           f"{gdf.crs.to_string()} is projected; GCJ-02/BD-09 are lon/lat systems.")
        g4326 = gdf.to_crs(4326)
        geoms = g4326.geometry.to_numpy()
        coords, idx = shapely.get_coordinates(geoms, return_index=True)
        _check_vector_lonlat(coords, idx, gdf.index, what=what, system=system)
        _warn_outside_china(coords[:, 0], coords[:, 1], system, what=what)
        wlon, wlat = to_wgs84(coords[:, 0], coords[:, 1], system)
        logger.info("%s: %d features converted %s -> WGS-84", what, len(gdf), system)
        return g4326.set_geometry(shapely.set_coordinates(geoms.copy(), np.c_[wlon, wlat]))
    out = gdf.to_crs(4326)
    coords, idx = shapely.get_coordinates(out.geometry.to_numpy(), return_index=True)
    _check_vector_lonlat(coords, idx, gdf.index, what=what, system=system)
    return out


def _check_vector_lonlat(coords: np.ndarray, idx: np.ndarray, index: pd.Index, *, what: str,
                         system: str) -> None:
    """:func:`check_lonlat` on a vector layer, naming features (by their first vertex)."""
    if not len(coords):
        return
    lon, lat = coords[:, 0], coords[:, 1]
    bad_vertex = ~((np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if bad_vertex.any():
        rows = np.zeros(len(index), dtype=bool)
        rows[np.unique(idx[bad_vertex])] = True
        swapped = bool((np.abs(lat[bad_vertex]) <= 180).all() and (np.abs(lon[bad_vertex]) <= 90).all())
        hint = " The values look like (lat, lon): swap the coordinates." if swapped else (
            " Is the CRS in the file wrong (projected metres labelled as degrees)?")
        raise CRSError(f"{what}: {int(rows.sum())} features have coordinates outside longitude "
                       f"-180..180 / latitude -90..90 ({offending_rows(index, rows)}).{hint}")
    feats, first = np.unique(idx, return_index=True)
    check_lonlat(lon[first], lat[first], index[feats], what=what, system=system)


def _check_geometries(gdf: gpd.GeoDataFrame, allowed: Sequence[str], *, what: str) -> None:
    """Empty/missing, wrong-type, mixed-type and invalid geometries, rows named."""
    geom = gdf.geometry
    missing = (geom.isna() | geom.is_empty).to_numpy()
    if missing.any():
        raise InputDataError(f"{what}: {int(missing.sum())} empty or missing geometries "
                             f"({offending_rows(gdf.index, missing)}); every row needs a geometry.")
    types = geom.geom_type.to_numpy()
    wrong = ~np.isin(types, list(allowed))
    if wrong.any():
        raise InputDataError(
            f"{what}: {int(wrong.sum())} geometries of type {', '.join(sorted(set(types[wrong])))} "
            f"({offending_rows(gdf.index, wrong)}); expected {' or '.join(allowed)}."
        )
    families = np.array([_FAMILY.get(t, t) for t in types])
    kinds = pd.Series(families).value_counts()
    if len(kinds) > 1:
        minority = families == kinds.index[-1]
        raise InputDataError(
            f"{what}: mixed geometry types ({', '.join(f'{n} {k}s' for k, n in kinds.items())}); "
            f"the {kinds.index[-1]}s are {offending_rows(gdf.index, minority)}. Keep one geometry type per "
            "file (e.g. points in one file, polygons in another)."
        )
    invalid = ~geom.is_valid.to_numpy()
    if invalid.any():
        raise InputDataError(
            f"{what}: {int(invalid.sum())} invalid geometries ({offending_rows(gdf.index, invalid)}), e.g. "
            f"{shapely.is_valid_reason(geom.to_numpy()[invalid][0])}; repair them (make_valid) first."
        )


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
    path
        CSV/TXT/TSV (lon/lat or x/y columns) or GeoJSON, GeoPackage, Shapefile, FlatGeobuf,
        GeoParquet.
    source_coords
        Coordinate system of the input: ``wgs84``, ``gcj02``, ``bd09``, ``cgcs2000`` or
        ``EPSG:<code>``. Required for lon/lat CSVs. For vector files it supplies a missing CRS,
        and for a file labelled with a geographic CRS (Amap exports labelled EPSG:4326),
        ``gcj02``/``bd09`` converts the coordinates to WGS-84.
    metric_crs
        Target CRS: None/``"utm"``/``"cgcs2000_3deg"`` (chosen from the data's extent), or a
        projected CRS, EPSG code or string (pass ``network.crs`` so every layer shares the
        network's CRS).
    layer
        Layer of a multi-layer file (GeoPackage).
    id_col, id_aliases, id_prefix
        The id column (explicit, or the first of ``id_aliases`` found); without one, ids are
        ``<id_prefix><data row number>`` (1 = first data row).
    index_name
        Name of the returned index.
    allowed_types
        Geometry types accepted (``"Point"``, ``"Polygon"``, ``"MultiPolygon"`` …); one layer
        must not mix points with polygons.

    Returns
    -------
    GeoDataFrame
        The file's columns (coordinate columns of a CSV removed), string index ``index_name``,
        geometry in the metric CRS; ``attrs["source"]`` (file name) and
        ``attrs["source_coords"]``.

    Raises
    ------
    InputDataError, CRSError
        Missing file, unknown format, missing or non-numeric coordinates, out-of-range or swapped
        coordinates, undeclared coordinate system, no CRS, empty layer, empty/invalid/mixed
        geometries, duplicate or empty ids.
    """
    p = check_input_path(path)
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
        lonlat = _csv_layer(p, df, system, epsg)
        _check_geometries(lonlat, allowed_types, what=what)
    elif suffix in VECTOR_SUFFIXES:
        gdf = strip_control_characters(_read_vector(p, layer, what), what=what)
        if len(gdf) == 0:
            raise InputDataError(f"{what}: the layer is empty; expected at least one feature.")
        gdf.index = _ids(gdf, id_col, id_prefix, what=what, aliases=id_aliases)
        _check_geometries(gdf, allowed_types, what=what)
        file_crs = gdf.crs  # the file's own CRS, for outputs written back in it (io.write)
        lonlat = _vector_layer(p, gdf, system, epsg, what)
        if not lonlat.geometry.is_valid.all():
            _check_geometries(lonlat, allowed_types, what=f"{what} (after reprojection)")
    else:
        raise InputDataError(f"{p}: unsupported format {p.suffix!r}; expected "
                             f"{', '.join(CSV_SUFFIXES + VECTOR_SUFFIXES)}.")
    crs = resolve_metric_crs(tuple(lonlat.total_bounds), metric_crs, what=what)
    out = lonlat.to_crs(crs)
    out.index.name = index_name
    out.attrs["source"] = p.name
    out.attrs["source_coords"] = system if system and system != "epsg" else (
        epsg.to_string() if epsg is not None else "file CRS")
    if suffix in VECTOR_SUFFIXES and file_crs is not None:
        out.attrs["input_crs"] = file_crs.to_string()
    return out


def read_points(
    path: str | os.PathLike[str],
    *,
    source_coords: str | None = None,
    metric_crs: object = None,
    layer: str | None = None,
    id_col: str | None = None,
    id_aliases: Sequence[str] = ID_ALIASES,
    index_name: str = "id",
    allowed_types: Sequence[str] = ("Point",),
) -> gpd.GeoDataFrame:
    """Read a point layer (CSV with lon/lat or x/y columns, or a vector file) in a metric CRS.

    Parameters
    ----------
    path
        The file.
    source_coords
        ``wgs84``, ``gcj02``, ``bd09``, ``cgcs2000`` or ``EPSG:<code>``; required for lon/lat
        CSVs (see :func:`read_layer`).
    metric_crs
        Target projected CRS (``network.crs``), or None/``"utm"``/``"cgcs2000_3deg"``.
    layer, id_col, id_aliases, index_name, allowed_types
        As in :func:`read_layer`.

    Returns
    -------
    GeoDataFrame
        String index ``index_name``; the file's attribute columns; geometry in metres.

    Raises
    ------
    InputDataError, CRSError
        See :func:`read_layer`.

    Examples
    --------
    >>> pts = read_points("pois.csv", source_coords="gcj02", metric_crs=network.crs)  # doctest: +SKIP
    """
    return read_layer(path, source_coords=source_coords, metric_crs=metric_crs, layer=layer,
                      id_col=id_col, id_aliases=id_aliases, index_name=index_name,
                      allowed_types=allowed_types)
