"""Road centre-lines (GeoPackage, Shapefile, GeoJSON, FlatGeobuf) -> noded walk lines, and the
line helpers the other network readers share (lon/lat check, road-class aliases, duplicates,
end points pinned to their nodes)."""

from __future__ import annotations

import functools
import logging
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis_planner._errors import CRSError, InputDataError
from gis_planner.io._open import read_vector
from gis_planner.io.walk_tags import TAG_COLUMNS, first_class, walk_filter

logger = logging.getLogger(__name__)

#: Columns that may hold the road class in centre-line files, in order of preference.
HIGHWAY_ALIASES = ("highway", "fclass", "road_type", "roadclass", "类型", "道路等级")
#: Columns that may hold the road name.
NAME_ALIASES = ("name", "road_name", "名称", "道路名称")


# ---------------------------------------------------------------------------------- shared helpers
def check_lonlat(xy: np.ndarray, *, what: str) -> None:
    """Raise :class:`CRSError` when any (lon, lat) pair lies outside -180..180 / -90..90 degrees."""
    bad = ~((np.abs(xy[:, 0]) <= 180) & (np.abs(xy[:, 1]) <= 90))
    if bad.any():
        first = xy[np.flatnonzero(bad)[0]]
        raise CRSError(
            f"{what}: {int(bad.sum())} coordinates are outside longitude -180..180 / latitude "
            f"-90..90 (first: {first[0]:.6g}, {first[1]:.6g}); the file is not in lon/lat degrees "
            "(declare its CRS) or x/y are swapped."
        )


@functools.cache
def _alias_table() -> dict[str, str]:
    with resources.files("gis_planner.io.data").joinpath("road_class_aliases.csv").open(
        encoding="utf-8"
    ) as f:
        table = pd.read_csv(f, dtype=str, keep_default_na=False)
    return dict(zip(table["value"].str.strip().str.lower(), table["highway"].str.strip(), strict=True))


def road_class(values: pd.Series) -> pd.Series:
    """OSM highway classes of road-class values from other sources.

    Takes the first of ``a;b`` or an osmnx list, lower-cases it, and maps Geofabrik, osm2gmns
    and Chinese class names through ``gis_planner/io/data/road_class_aliases.csv``
    (``track_grade3`` -> ``track``, ``主干路`` -> ``primary``, ``快速路`` -> ``trunk`` ...);
    values already in OSM form pass unchanged.
    """
    first = first_class(values.map(_first_of_list)).str.lower()
    aliases = _alias_table()
    return first.map(lambda v: aliases.get(v, v)).astype(object)


def _first_of_list(value: object) -> object:
    """First element of a list value, or of an osmnx list written as text (``"['a', 'b']"``)."""
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        inner = value[1:-1].split(",")[0].strip()
        return inner.strip("'\"")
    return value


def text_values(values: pd.Series | None, n: int) -> np.ndarray:
    """Object array of strings ('' where missing; first element of lists)."""
    if values is None:
        return np.full(n, "", dtype=object)
    s = values.map(_first_of_list).astype("string").fillna("").str.strip()
    return s.to_numpy(dtype=object)


def duplicate_mask(u: np.ndarray, v: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """True for every edge after the first that joins the same two nodes (either direction)
    with equal ``keys`` (e.g. length): the reverse link of a two-way road, or a repeat."""
    frame = pd.DataFrame({"lo": np.minimum(u, v), "hi": np.maximum(u, v),
                          **{f"k{i}": k for i, k in enumerate(keys)}})
    return frame.duplicated().to_numpy()


def geometry_signature(geoms: np.ndarray, *, decimals: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Direction-free keys of LineStrings: vertex count and the sums of x and of y of the
    vertices rounded to ``decimals`` (7 for degrees, 2 for metres: about 1 cm)."""
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    coords = np.round(coords, decimals)
    n = len(geoms)
    count = np.bincount(idx, minlength=n)
    sx = np.round(np.bincount(idx, weights=coords[:, 0], minlength=n), decimals)
    sy = np.round(np.bincount(idx, weights=coords[:, 1], minlength=n), decimals)
    return count, sx, sy


def pin_ends(geoms: np.ndarray, start_xy: np.ndarray, end_xy: np.ndarray) -> np.ndarray:
    """Orient every line from its start node to its end node and set its end vertices exactly
    on the nodes (lines drawn the other way round are reversed)."""
    first = shapely.get_coordinates(shapely.get_point(geoms, 0))
    last = shapely.get_coordinates(shapely.get_point(geoms, -1))
    flip = (np.hypot(*(first - end_xy).T) + np.hypot(*(last - start_xy).T)
            < np.hypot(*(first - start_xy).T) + np.hypot(*(last - end_xy).T))
    geoms = np.where(flip, shapely.reverse(geoms), geoms)
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    starts = np.r_[0, np.flatnonzero(idx[1:] != idx[:-1]) + 1]
    ends = np.r_[starts[1:] - 1, len(idx) - 1]
    coords[starts] = start_xy[idx[starts]]
    coords[ends] = end_xy[idx[ends]]
    return shapely.set_coordinates(geoms.copy(), coords)


# ---------------------------------------------------------------------------------- centre-lines
def read_lines(path: Path, *, walk_only: bool, layer: str | None,
               node: bool) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Walkable centre-lines of a vector file, exploded to LineStrings and (``node``) split where
    they cross; in the file's CRS, with columns ``highway`` and ``name``."""
    what = f"{path}" + (f" [layer={layer}]" if layer else "")
    gdf = read_vector(path, layer=layer, what=what)  # the driver named by the extension
    if len(gdf) == 0:
        raise InputDataError(f"{what}: the layer is empty; expected road lines.")
    if gdf.crs is None:
        raise CRSError(f"{what}: the file has no CRS; save it with one (e.g. EPSG:4326), "
                       "or add the .prj file of a Shapefile.")
    kind = gdf.geometry.geom_type
    bad = ~kind.isin(["LineString", "MultiLineString"]).to_numpy()
    if bad.any():
        found = ", ".join(f"{k} {v}" for k, v in kind[bad].fillna("empty").value_counts().items())
        raise InputDataError(
            f"{what}: {int(bad.sum())} geometries are not lines ({found}; rows "
            f"{', '.join(map(str, np.flatnonzero(bad)[:5]))}); expected LineString or MultiLineString."
        )
    hw_col = next((c for c in HIGHWAY_ALIASES if c in gdf.columns), None)
    name_col = next((c for c in NAME_ALIASES if c in gdf.columns), None)
    gdf = gdf.explode(index_parts=False).reset_index(drop=True)
    gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    if hw_col is not None:
        tags = pd.DataFrame({c: gdf[c] for c in TAG_COLUMNS[1:] if c in gdf.columns}, index=gdf.index)
        tags["highway"] = road_class(gdf[hw_col])
        keep, report = walk_filter(tags, walk_only=walk_only, what=what, unit="lines")
        gdf = gdf.loc[keep]
        highway = tags["highway"].to_numpy()[keep]
        report["road_class_column"] = hw_col
    else:
        report = {"lines_read": len(gdf), "lines_walkable": len(gdf), "excluded": {},
                  "note": f"no road-class column ({'/'.join(HIGHWAY_ALIASES)}); every line kept"}
        logger.warning("%s: no road-class column; every line is treated as walkable", what)
        highway = np.full(len(gdf), "", dtype=object)
    geoms = shapely.force_2d(gdf.geometry.to_numpy())
    if gdf.crs.is_geographic:
        check_lonlat(shapely.get_coordinates(geoms), what=what)
    lines = gpd.GeoDataFrame(
        {"highway": highway,
         "name": text_values(gdf[name_col] if name_col else None, len(gdf))},
        geometry=geoms, crs=gdf.crs,
    )
    if node:
        before = len(lines)
        lines = node_lines(lines)
        logger.info("%s: %d lines noded into %d segments at their crossings", what, before, len(lines))
    lines, report["closed_lines_split"] = split_closed_lines(lines)
    if report["closed_lines_split"]:
        logger.info("%s: %d closed lines (ring streets) split at their middle vertex", what,
                    report["closed_lines_split"])
    report["noded_at_crossings"] = bool(node)
    report["segments"] = len(lines)
    return lines, report


def split_closed_lines(lines: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Split every closed line of positive length (a ring street that meets the rest at one
    point) at its middle vertex into two lines, as the OSM reader splits closed ways; a closed
    line would otherwise be a loop of one node, which the network cannot hold.

    Returns
    -------
    lines, count
        The lines (split ones replaced by their two halves, attributes copied; index reset) and
        the number split.
    """
    geoms = lines.geometry.to_numpy()
    n_coords = shapely.get_num_coordinates(geoms)
    closed = np.zeros(len(geoms), dtype=bool)
    candidates = np.flatnonzero(n_coords >= 3)
    if len(candidates):
        first = shapely.get_coordinates(shapely.get_point(geoms[candidates], 0))
        last = shapely.get_coordinates(shapely.get_point(geoms[candidates], -1))
        closed[candidates] = (first == last).all(axis=1) & (shapely.length(geoms[candidates]) > 0)
    if not closed.any():
        return lines, 0
    rows = np.flatnonzero(closed)
    halves = []
    for i in rows:
        xy = shapely.get_coordinates(geoms[i])
        mid = (len(xy) - 1) // 2
        halves += [shapely.LineString(xy[: mid + 1]), shapely.LineString(xy[mid:])]
    pieces = lines.iloc[np.repeat(rows, 2)].copy()
    pieces = pieces.set_geometry(np.asarray(halves, dtype=object), crs=lines.crs)
    out = pd.concat([lines.loc[~closed], pieces], ignore_index=True)
    return gpd.GeoDataFrame(out, geometry=lines.geometry.name, crs=lines.crs), int(closed.sum())


def node_lines(lines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Split lines wherever they cross or touch; each piece takes the attributes of the source
    line nearest to its midpoint (overlapping stretches are kept once)."""
    noded = shapely.node(shapely.GeometryCollection(list(lines.geometry.to_numpy())))
    parts = np.asarray(shapely.get_parts(noded))
    parts = parts[shapely.length(parts) > 0]
    mids = shapely.line_interpolate_point(parts, 0.5, normalized=True)
    tree = shapely.STRtree(lines.geometry.to_numpy())
    idx = tree.query_nearest(mids, all_matches=False)
    src = np.empty(len(parts), dtype=np.int64)
    src[idx[0]] = idx[1]
    attrs = lines.drop(columns="geometry").iloc[src].reset_index(drop=True)
    return gpd.GeoDataFrame(attrs, geometry=parts, crs=lines.crs)


__all__ = [
    "HIGHWAY_ALIASES", "NAME_ALIASES", "check_lonlat", "duplicate_mask", "geometry_signature",
    "node_lines", "pin_ends", "read_lines", "road_class", "split_closed_lines", "text_values",
]
