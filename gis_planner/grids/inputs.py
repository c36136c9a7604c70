"""Readers of the grid inputs that the shared readers do not cover: buildings, grid layers
(existing or department grids) and barrier lines. Files are opened by
:func:`gis_planner.io.points.read_layer` (explicit driver by extension, coordinates declared)."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd

from gis_planner._errors import InputDataError
from gis_planner.io.households import HOUSEHOLD_ALIASES
from gis_planner.io.points import find_column, read_layer

BUILDING_ID_ALIASES = ("building_id", "id", "楼栋编号", "楼栋id", "bldg_id")
GRID_ID_ALIASES = ("grid_code", "grid_id", "code", "id", "网格编码", "网格编号")
POLYGONS = ("Polygon", "MultiPolygon")


def read_buildings(path: str | os.PathLike[str], *, metric_crs: object,
                   source_coords: str | None = None, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read buildings (楼栋: points or polygons) with a household count.

    Returns
    -------
    GeoDataFrame
        Index ``building_id`` (string); ``households`` under that name; every other column of
        the file (``compound_id``, ``population``, special groups) as read.

    Raises
    ------
    InputDataError
        Every error of :func:`gis_planner.io.points.read_layer`; no household column.
    """
    gdf = read_layer(path, source_coords=source_coords, metric_crs=metric_crs, layer=layer,
                     id_aliases=BUILDING_ID_ALIASES, id_prefix="B", index_name="building_id",
                     allowed_types=("Point", *POLYGONS))
    what = Path(path).name
    hcol = find_column(gdf, HOUSEHOLD_ALIASES, what=what, role="households")
    out = gdf.rename(columns={hcol: "households"})
    if "compound_id" in out.columns:
        out["compound_id"] = out["compound_id"].astype("string").str.strip().astype(object)
    out.attrs["source"] = what
    return out


def read_grid_layer(path: str | os.PathLike[str], *, metric_crs: object,
                    source_coords: str | None = None, layer: str | None = None,
                    code_col: str | None = None) -> gpd.GeoDataFrame:
    """Read grid polygons (existing 网格 or a department's work grids).

    Returns
    -------
    GeoDataFrame
        Index ``grid_code`` (string), the file's other columns, polygons in ``metric_crs``.
    """
    gdf = read_layer(path, source_coords=source_coords, metric_crs=metric_crs, layer=layer,
                     id_col=code_col, id_aliases=GRID_ID_ALIASES, id_prefix="G",
                     index_name="grid_code", allowed_types=POLYGONS)
    gdf.attrs["source"] = Path(path).name
    return gdf


def read_barriers(path: str | os.PathLike[str], *, metric_crs: object,
                  source_coords: str | None = None, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read barrier lines (rivers, railways, walls) as LineStrings in ``metric_crs``.

    Raises
    ------
    InputDataError
        Every error of :func:`gis_planner.io.points.read_layer`; a layer of no lines.
    """
    gdf = read_layer(path, source_coords=source_coords, metric_crs=metric_crs, layer=layer,
                     id_prefix="L", index_name="barrier_id",
                     allowed_types=("LineString", "MultiLineString"))
    if len(gdf) == 0:
        raise InputDataError(f"{Path(path).name}: no barrier lines.")
    return gdf


__all__ = ["read_barriers", "read_buildings", "read_grid_layer"]
