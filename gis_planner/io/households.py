"""Where households live: compounds (小区) with counts, their gates, buildings, population rasters.

Defaults with their sources (every one is an argument):

- persons per household 2.62: China's 7th national population census (2020), average family
  household size (国家统计局, 第七次全国人口普查公报 第二号).
- 36.52 m² of housing floor area per person in urban households: 2020 census (城市家庭户人均住房
  建筑面积; secondary source, check against the bulletin before normative use), so one household
  occupies 36.52 × 2.62 ≈ 95.7 m² of residential floor area.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis_planner._errors import InputDataError
from gis_planner._validate import _rows, require_nonnegative_numbers
from gis_planner.io.crs import resolve_metric_crs
from gis_planner.io.points import find_column, read_layer

logger = logging.getLogger(__name__)

PERSONS_PER_HOUSEHOLD = 2.62
URBAN_FLOOR_AREA_M2_PER_PERSON = 36.52
M2_PER_HOUSEHOLD = URBAN_FLOOR_AREA_M2_PER_PERSON * PERSONS_PER_HOUSEHOLD
#: Above this many households one compound is implausible (a data-entry error such as persons
#: typed as households); it is refused with the rows named.
MAX_HOUSEHOLDS_PER_COMPOUND = 20_000

HOUSEHOLD_ALIASES = ("households", "户数", "hh", "household", "households_count", "总户数")
NAME_ALIASES = ("name", "名称", "小区名称", "小区名")
COMPOUND_ID_ALIASES = ("compound_id", "id", "ID", "小区编号", "编号")
OPTIONAL = {
    "population": ("population", "人口", "常住人口"),
    "community_code": ("community_code", "社区代码", "村代码", "社区编码"),
    "subdistrict_code": ("subdistrict_code", "街道代码", "街道编码"),
    "floors": ("floors", "层数", "楼层"),
    "high_rise": ("high_rise", "高层"),
}


def _households(gdf: pd.DataFrame, col: str, *, what: str) -> pd.Series:
    require_nonnegative_numbers(gdf, col, what=what)
    vals = pd.to_numeric(gdf[col]).to_numpy(dtype=float)
    frac = np.abs(vals - np.round(vals)) > 1e-9
    if frac.any():
        raise InputDataError(f"{what}: column {col!r} has {int(frac.sum())} non-integer household "
                             f"counts ({_rows(gdf.index, frac)}); expected whole numbers.")
    huge = vals > MAX_HOUSEHOLDS_PER_COMPOUND
    if huge.any():
        raise InputDataError(
            f"{what}: column {col!r} has {int(huge.sum())} counts above "
            f"{MAX_HOUSEHOLDS_PER_COMPOUND} households per compound ({_rows(gdf.index, huge)}); "
            "is it persons rather than households? Split the compound or fix the count."
        )
    return pd.Series(np.round(vals).astype(np.int64), index=gdf.index)


def read_compounds(
    path: str | os.PathLike[str],
    *,
    source_coords: str | None = None,
    metric_crs: object = None,
    id_col: str | None = None,
    households_col: str | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read residential compounds (小区) as points or polygons with a household count.

    Returns
    -------
    GeoDataFrame
        Index ``compound_id`` (string); ``households`` (int >= 0), ``name``; where present
        ``population``, ``community_code``, ``subdistrict_code`` (strings), ``floors``,
        ``high_rise`` (bool); Point or (Multi)Polygon geometry in the metric CRS.

    Raises
    ------
    InputDataError
        Missing/non-numeric/negative/non-integer/implausibly large counts (rows named), plus
        every error of :func:`gis_planner.io.points.read_layer`.
    """
    gdf = read_layer(path, source_coords=source_coords, metric_crs=metric_crs, layer=layer,
                     id_col=id_col, id_aliases=COMPOUND_ID_ALIASES, id_prefix="C",
                     index_name="compound_id",
                     allowed_types=("Point", "Polygon", "MultiPolygon"))
    what = Path(path).name
    hcol = find_column(gdf, HOUSEHOLD_ALIASES, households_col, what=what, role="households")
    out = gpd.GeoDataFrame(index=gdf.index, geometry=gdf.geometry, crs=gdf.crs)
    out["households"] = _households(gdf, hcol, what=what)
    ncol = find_column(gdf, NAME_ALIASES, what=what, role="name", required=False)
    out["name"] = gdf[ncol].fillna("").astype(str) if ncol else out.index.astype(str)
    for target, aliases in OPTIONAL.items():
        col = find_column(gdf, aliases, what=what, role=target, required=False)
        if col is None:
            continue
        if target in ("community_code", "subdistrict_code"):
            out[target] = gdf[col].astype("string").str.strip().astype(object)
        elif target == "high_rise":
            out[target] = _boolean(gdf[col], what=what, col=col)
        else:
            require_nonnegative_numbers(gdf, col, what=what)
            out[target] = pd.to_numeric(gdf[col])
    out = out[[c for c in out.columns if c != "geometry"] + ["geometry"]]
    out.attrs.update(gdf.attrs)
    logger.info("%s: %d compounds, %d households", what, len(out), int(out["households"].sum()))
    return out


def _boolean(s: pd.Series, *, what: str, col: str) -> pd.Series:
    truthy = {"1", "true", "yes", "y", "是", "t"}
    falsy = {"0", "false", "no", "n", "否", "f", ""}
    text = s.astype("string").str.strip().str.lower().fillna("")
    bad = ~text.isin(truthy | falsy)
    if bad.any():
        raise InputDataError(f"{what}: column {col!r} has {int(bad.sum())} values that are not "
                             f"yes/no ({_rows(s.index, bad.to_numpy())}); use 是/否, yes/no or 1/0.")
    return text.isin(truthy)


def read_gates(
    path: str | os.PathLike[str],
    *,
    compounds: gpd.GeoDataFrame,
    source_coords: str | None = None,
    compound_col: str | None = None,
) -> gpd.GeoDataFrame:
    """Read compound gates (出入口) as points linked to ``compounds`` by ``compound_id``.

    Gates are projected to the compounds' CRS. Raises :class:`InputDataError` when a gate names
    a compound that does not exist (ids listed).
    """
    gdf = read_layer(path, source_coords=source_coords, metric_crs=compounds.crs,
                     id_aliases=("gate_id", "id", "编号"), id_prefix="G", index_name="gate_id")
    what = Path(path).name
    col = find_column(gdf, ("compound_id", "小区编号", "compound"), compound_col, what=what,
                      role="compound id")
    ids = gdf[col].astype("string").str.strip()
    unknown = ~ids.isin(compounds.index.astype(str))
    if unknown.any():
        raise InputDataError(f"{what}: {int(unknown.sum())} gates name compounds that are not in "
                             f"the compound layer ({', '.join(sorted(set(ids[unknown]))[:5])}).")
    return gpd.GeoDataFrame({"compound_id": ids.astype(object).to_numpy()}, index=gdf.index,
                            geometry=gdf.geometry, crs=gdf.crs)


def households_from_buildings(
    buildings: gpd.GeoDataFrame,
    *,
    m2_per_household: float = M2_PER_HOUSEHOLD,
    floors_col: str = "floors",
    households_col: str | None = None,
) -> gpd.GeoDataFrame:
    """Estimate households per residential building: footprint area (m²) × floors ÷ floor area
    per household (m², default ≈ 95.7 = 36.52 m² per person × 2.62 persons, 2020 census).

    A column of explicit household counts (``households_col``) wins where it is filled. Floors
    must be >= 1. Returns a compound-like layer (polygons, ``households`` int, ``floors``,
    ``floor_area_m2``); totals are rounded per building.
    """
    from gis_planner._validate import require_metric_crs

    require_metric_crs(buildings, what="buildings")
    if m2_per_household <= 0:
        raise InputDataError(f"m2_per_household must be > 0 m²; got {m2_per_household}.")
    if floors_col not in buildings.columns:
        raise InputDataError(f"buildings: no column {floors_col!r} (number of floors); found "
                             f"{', '.join(map(repr, buildings.columns))}.")
    require_nonnegative_numbers(buildings, floors_col, what="buildings")
    floors = pd.to_numeric(buildings[floors_col]).to_numpy(float)
    zero = floors < 1
    if zero.any():
        raise InputDataError(f"buildings: column {floors_col!r} has {int(zero.sum())} values < 1 "
                             f"({_rows(buildings.index, zero)}); expected floors >= 1.")
    area = shapely.area(buildings.geometry.to_numpy())
    est = area * floors / m2_per_household
    out = gpd.GeoDataFrame(
        {"floors": floors, "floor_area_m2": area * floors, "households": np.round(est).astype(np.int64),
         "name": buildings.index.astype(str)},
        index=buildings.index.astype(str).rename("compound_id"), geometry=buildings.geometry.to_numpy(),
        crs=buildings.crs,
    )
    if households_col is not None and households_col in buildings.columns:
        given = pd.to_numeric(buildings[households_col], errors="coerce").to_numpy()
        has = ~np.isnan(given)
        out.loc[has, "households"] = np.round(given[has]).astype(np.int64)
    out["high_rise"] = out["floors"] >= 10
    return out


def households_from_raster(
    path: str | os.PathLike[str],
    *,
    persons_per_household: float = PERSONS_PER_HOUSEHOLD,
    mask: gpd.GeoDataFrame | None = None,
    metric_crs: object = None,
) -> gpd.GeoDataFrame:
    """Population raster (GeoTIFF, persons per cell) -> one point per populated cell.

    ``households = population / persons_per_household`` is kept as a float so totals are exact;
    ``population`` keeps the raster's values. With ``mask`` (e.g. residential land polygons) only
    cells whose centre lies inside it are kept (the count removed is logged).

    Raises
    ------
    InputDataError
        Missing/unreadable file, no CRS, negative cells, nothing populated.
    """
    import rasterio

    p = Path(path)
    if not p.is_file():
        raise InputDataError(f"{p}: file not found.")
    if persons_per_household <= 0:
        raise InputDataError(f"persons_per_household must be > 0; got {persons_per_household}.")
    try:
        with rasterio.open(p) as src:
            band = src.read(1, masked=True).astype(float)
            transform, crs = src.transform, src.crs
    except rasterio.errors.RasterioIOError as exc:
        raise InputDataError(f"{p}: cannot read as a raster ({exc}).") from exc
    if crs is None:
        raise InputDataError(f"{p}: the raster has no CRS; expected a georeferenced GeoTIFF.")
    values = band.filled(0.0)
    if (values < 0).any():
        raise InputDataError(f"{p}: {int((values < 0).sum())} cells have negative population.")
    rows, cols = np.nonzero(values > 0)
    if len(rows) == 0:
        raise InputDataError(f"{p}: no populated cells.")
    xs, ys = rasterio.transform.xy(transform, rows, cols, offset="center")
    pts = gpd.GeoDataFrame(
        {"population": values[rows, cols]},
        index=pd.Index([f"R{r}_{c}" for r, c in zip(rows, cols, strict=True)], name="compound_id"),
        geometry=shapely.points(np.asarray(xs), np.asarray(ys)), crs=crs.to_wkt(),
    )
    target = resolve_metric_crs(tuple(pts.to_crs(4326).total_bounds), metric_crs, what=str(p))
    pts = pts.to_crs(target)
    if mask is not None:
        inside = pts.geometry.within(mask.to_crs(target).union_all()).to_numpy()
        logger.info("%s: %d of %d populated cells outside the residential mask dropped",
                    p.name, int((~inside).sum()), len(pts))
        pts = pts.loc[inside]
    pts["households"] = pts["population"] / persons_per_household
    pts["name"] = pts.index.astype(str)
    return pts
