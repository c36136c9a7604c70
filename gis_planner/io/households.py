"""Where households live: compounds (小区) with counts, their gates, buildings, population rasters.

Defaults with their sources (every one is an argument):

- :data:`PERSONS_PER_HOUSEHOLD` = 2.62 persons per household: China's 7th national population
  census (2020), 国家统计局《第七次全国人口普查公报（第二号）》: "平均每个家庭户的人口为2.62人".
- :data:`M2_PER_HOUSEHOLD` = 92.17 m² of housing floor area per urban family household:
  《中国人口普查年鉴-2020》(国家统计局, 2022), 城市家庭户平均每户住房建筑面积 92.17 m²
  (36.52 m² per person), as reported when the yearbook was published (e.g. 北京日报,
  2022-06-27). Shanghai's urban figure is 73.86 m² and Beijing's 77.64 m²: pass
  ``m2_per_household=`` for the city you plan.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gis_planner._errors import CRSError, InputDataError
from gis_planner._validate import offending_rows, require_nonnegative_numbers
from gis_planner.io._open import check_input_path, open_raster
from gis_planner.io.crs import resolve_metric_crs
from gis_planner.io.points import find_column, read_layer

logger = logging.getLogger(__name__)

#: Average family-household size, China 2020 census (第七次全国人口普查公报 第二号).
PERSONS_PER_HOUSEHOLD = 2.62
#: Housing floor area per urban family household (m²), 中国人口普查年鉴-2020.
M2_PER_HOUSEHOLD = 92.17
#: Above this many households one compound is implausible (a data-entry error such as persons
#: typed as households, or a whole sub-district in one row); it is refused with the rows named.
MAX_HOUSEHOLDS_PER_COMPOUND = 20_000
#: Floors from which a building counts as high-rise (GB 50352-2019: residential buildings of
#: more than 27 m, about 10 floors and more).
HIGH_RISE_FLOORS = 10

HOUSEHOLD_ALIASES = ("households", "户数", "hh", "households_count", "household", "总户数", "住户数")
NAME_ALIASES = ("name", "名称", "小区名称", "小区名", "小区")
COMPOUND_ID_ALIASES = ("compound_id", "id", "ID", "hh_id", "小区编号", "小区代码", "小区ID", "编号")
OPTIONAL = {
    "population": ("population", "人口", "常住人口", "人数"),
    "community_code": ("community_code", "社区代码", "村代码", "社区编码", "居委会代码"),
    "subdistrict_code": ("subdistrict_code", "街道代码", "街道编码", "乡镇代码"),
    "floors": ("floors", "层数", "楼层", "楼层数"),
    "high_rise": ("high_rise", "高层"),
}
#: Values of a building-use column that mean "residential" (OSM ``building=*`` and Chinese).
RESIDENTIAL_USES = ("residential", "apartments", "house", "detached", "semidetached_house",
                    "terrace", "dormitory", "bungalow", "住宅", "居住", "住宅楼", "公寓", "宿舍",
                    "商住", "r")
USE_ALIASES = ("building", "use", "用途", "建筑用途", "功能", "landuse", "用地性质")


def largest_remainder(values: np.ndarray) -> np.ndarray:
    """Round non-negative ``values`` to integers whose sum is ``round(values.sum())``.

    Each value is floored, then the units left over go to the largest fractional parts (ties to
    the first row), so no row moves by a whole unit or more and the total is kept.

    >>> largest_remainder(np.array([0.4, 0.4, 0.2, 1.0])).tolist()
    [1, 0, 0, 1]
    """
    v = np.asarray(values, dtype=float)
    base = np.floor(v)
    left = round(float(v.sum() - base.sum()))
    if left > 0:
        order = np.argsort(-(v - base), kind="stable")[:left]
        base[order] += 1
    return base.astype(np.int64)


#: Household counts written as text: digits, optionally grouped by commas in threes ("1,200")
#: and a ".0" tail; full-width forms ("１２００", "１，２００") are read after NFKC normalisation.
_COUNT_GROUPED = re.compile(r"[+]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.0*)?")
#: Text the numeric checks judge themselves (signs, decimals, "inf"): negative, fractional and
#: infinite counts get their own messages.
_COUNT_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)|[+-]?(?:inf|infinity)",
                           re.IGNORECASE)


def _count_text(s: pd.Series, *, col: str, what: str) -> pd.Series:
    """Text counts in the documented forms as plain numbers; anything else is refused.

    Accepted: ``1200``, ``1,200`` (commas only between groups of three digits), ``1200.0``
    and the same in full-width characters (``１２００``, ``１，２００``). Refused, with the rows
    named: other text (``many``, ``1e3``, ``1.200,5``, ``true``), and, by the numeric checks
    that follow, negative, fractional, infinite and boolean values.
    """
    if not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)):
        return s
    values = s.to_numpy(dtype=object).copy()
    bad = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values):
        if not isinstance(v, str):
            continue
        t = unicodedata.normalize("NFKC", v).strip()
        if _COUNT_GROUPED.fullmatch(t):
            t = t.replace(",", "")
        elif not _COUNT_NUMBER.fullmatch(t):
            bad[i] = t != ""
        values[i] = t if t else None
    if bad.any():
        raise InputDataError(
            f"{what}: column {col!r} has {int(bad.sum())} non-numeric values "
            f"({offending_rows(s.index, bad)}), e.g. {str(s[bad].iloc[0])!r}; expected whole numbers "
            "written like 1200, 1,200 or １２００.")
    return pd.Series(values, index=s.index, dtype=object)


def _households(gdf: pd.DataFrame, col: str, *, what: str) -> pd.Series:
    """Household counts as int64: whole numbers >= 0 (see :func:`_count_text` for text)."""
    counts = gdf[[col]].copy()
    counts[col] = _count_text(gdf[col], col=col, what=what)
    require_nonnegative_numbers(counts, col, what=what)
    vals = pd.to_numeric(counts[col]).to_numpy(dtype=float)
    frac = np.abs(vals - np.round(vals)) > 1e-9
    if frac.any():
        raise InputDataError(f"{what}: column {col!r} has {int(frac.sum())} non-integer household "
                             f"counts ({offending_rows(gdf.index, frac)}); expected whole numbers.")
    huge = vals > MAX_HOUSEHOLDS_PER_COMPOUND
    if huge.any():
        raise InputDataError(
            f"{what}: column {col!r} has {int(huge.sum())} counts above "
            f"{MAX_HOUSEHOLDS_PER_COMPOUND} households per compound ({offending_rows(gdf.index, huge)}); "
            "is it persons rather than households? Split the compound or fix the count."
        )
    return pd.Series(np.round(vals).astype(np.int64), index=gdf.index)


def _optional_number(df: pd.DataFrame, col: str, *, what: str) -> pd.Series:
    """A numeric column where empty cells are allowed (NaN) but text and negatives are not."""
    vals = pd.to_numeric(df[col], errors="coerce")
    text = df[col].astype("string").str.strip()
    bad = (vals.isna() & text.notna() & (text != "")).to_numpy()
    if bad.any():
        raise InputDataError(f"{what}: column {col!r} has {int(bad.sum())} non-numeric values "
                             f"({offending_rows(df.index, bad)}); expected numbers or empty cells.")
    neg = (vals < 0).to_numpy()
    if neg.any():
        raise InputDataError(f"{what}: column {col!r} has {int(neg.sum())} negative values "
                             f"({offending_rows(df.index, neg)}); expected numbers >= 0.")
    return vals.astype(float)


def _boolean(s: pd.Series, *, what: str, col: str) -> pd.Series:
    """Yes/no column (是/否, yes/no, true/false, 1/0; empty = no)."""
    truthy = {"1", "1.0", "true", "yes", "y", "是", "t"}
    falsy = {"0", "0.0", "false", "no", "n", "否", "f", ""}
    text = s.astype("string").str.strip().str.lower().fillna("")
    bad = ~text.isin(truthy | falsy)
    if bad.any():
        raise InputDataError(f"{what}: column {col!r} has {int(bad.sum())} values that are not "
                             f"yes/no ({offending_rows(s.index, bad.to_numpy())}); use 是/否, yes/no or 1/0.")
    return text.isin(truthy)


def _code(s: pd.Series) -> pd.Series:
    """Codes as text: stripped, a float-looking '310101002.0' is not produced (read as text)."""
    return s.astype("string").str.strip().astype(object).where(s.notna(), None)


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

    Parameters
    ----------
    path
        CSV with lon/lat columns (points) or a vector file (points or polygons).
    source_coords
        ``wgs84``, ``gcj02``, ``bd09``, ``cgcs2000`` or ``EPSG:<code>``; required for lon/lat
        CSVs (see :func:`gis_planner.io.points.read_layer`).
    metric_crs
        Target projected CRS; pass ``network.crs``.
    id_col
        The file's own id column, any name (default: ``compound_id``, ``id``, ``hh_id``,
        ``小区编号`` …; else ``C<row>``); it becomes the index and stays a column too.
    households_col
        Household-count column (default: ``households``, ``户数``, ``hh``, ``households_count``).
    layer
        Layer of a GeoPackage.

    Returns
    -------
    GeoDataFrame
        Index ``compound_id`` (string); ``households`` (int >= 0, households), ``name``; where
        present ``population`` (persons), ``community_code``, ``subdistrict_code`` (strings,
        leading zeros kept), ``floors``, ``high_rise`` (bool); then every other column of the
        file, unchanged; Point or (Multi)Polygon geometry (as in the file) in the metric CRS.

    Raises
    ------
    InputDataError
        Missing/non-numeric/negative/empty/non-integer counts, counts above
        :data:`MAX_HOUSEHOLDS_PER_COMPOUND` (rows named), plus every error of
        :func:`gis_planner.io.points.read_layer` (mixed points and polygons included).
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
            out[target] = _code(gdf[col])
        elif target == "high_rise":
            out[target] = _boolean(gdf[col], what=what, col=col)
        else:
            out[target] = _optional_number(gdf, col, what=what)
    # the file's own columns (its id column included), unchanged, beside the computed ones
    own = [c for c in gdf.columns
           if c != gdf.geometry.name and c not in out.columns and c != gdf.index.name]
    out = gpd.GeoDataFrame(pd.concat([pd.DataFrame(out.drop(columns="geometry")), gdf[own]], axis=1),
                           geometry=gdf.geometry.to_numpy(), crs=gdf.crs)
    out = out[[c for c in out.columns if c != "geometry"] + ["geometry"]]
    out.attrs.update(gdf.attrs)
    logger.info("%s: %d compounds, %d households", what, len(out), int(out["households"].sum()))
    return out


def read_gates(
    path: str | os.PathLike[str],
    *,
    compounds: gpd.GeoDataFrame,
    source_coords: str | None = None,
    metric_crs: object = None,
    compound_col: str | None = None,
) -> gpd.GeoDataFrame:
    """Read compound gates (出入口) as points linked to ``compounds`` by ``compound_id``.

    Parameters
    ----------
    path
        CSV with lon/lat columns or a point vector file.
    compounds
        The compounds the gates belong to (from :func:`read_compounds`).
    source_coords
        As for :func:`read_compounds`.
    metric_crs
        Target CRS; None uses the compounds' CRS. When given it must be that CRS.
    compound_col
        Column naming each gate's compound (default ``compound_id``, ``小区编号``, ``compound``).

    Returns
    -------
    GeoDataFrame
        Index ``gate_id`` (string); ``compound_id`` (string); Point geometry in the compounds' CRS.

    Raises
    ------
    InputDataError
        A gate names a compound that does not exist (ids listed), a gate without a compound id,
        plus every error of :func:`gis_planner.io.points.read_layer`.
    CRSError
        ``metric_crs`` differs from the compounds' CRS.
    """
    if metric_crs is not None:
        try:
            target = pyproj.CRS.from_user_input(metric_crs)
        except Exception:  # pyproj.exceptions.CRSError, or "utm"
            target = None
        if target is None or compounds.crs is None or not target.equals(compounds.crs):
            raise CRSError(f"read_gates: metric_crs {metric_crs!r} differs from the compounds' CRS "
                           f"{compounds.crs and compounds.crs.to_string()}; gates are read in the "
                           "compounds' CRS: leave metric_crs unset.")
    gdf = read_layer(path, source_coords=source_coords, metric_crs=compounds.crs,
                     id_aliases=("gate_id", "id", "ID", "编号", "出入口编号"), id_prefix="G",
                     index_name="gate_id")
    what = Path(path).name
    col = find_column(gdf, ("compound_id", "小区编号", "小区代码", "compound"), compound_col,
                      what=what, role="compound id")
    ids = gdf[col].astype("string").str.strip()
    empty = (ids.isna() | (ids == "")).to_numpy()
    if empty.any():
        raise InputDataError(f"{what}: column {col!r} is empty for {int(empty.sum())} gates "
                             f"({offending_rows(gdf.index, empty)}); every gate needs its compound's id.")
    unknown = ~ids.isin(compounds.index.astype(str)).to_numpy()
    if unknown.any():
        names = sorted(set(ids[unknown]))
        raise InputDataError(
            f"{what}: {int(unknown.sum())} gates name compounds that are not in the compound "
            f"layer ({', '.join(names[:5])}{' …' if len(names) > 5 else ''}): gates "
            f"{offending_rows(gdf.index, unknown)}; fix the ids in column {col!r}.")
    out = gpd.GeoDataFrame({"compound_id": ids.astype(object).to_numpy()}, index=gdf.index,
                           geometry=gdf.geometry, crs=gdf.crs)
    out.attrs.update(gdf.attrs)
    return out


def households_from_buildings(
    buildings: gpd.GeoDataFrame,
    *,
    m2_per_household: float = M2_PER_HOUSEHOLD,
    floors_col: str = "floors",
    residential_only: bool = True,
    use_col: str | None = None,
    households_col: str | None = None,
    metric_crs: object = None,
) -> gpd.GeoDataFrame:
    """Estimate households per residential building from its floor area.

    households = footprint area (m²) × floors ÷ ``m2_per_household`` (m² of housing floor area
    per household; default 92.17, urban China, 2020 census yearbook, see the module notes).

    Parameters
    ----------
    buildings
        Building footprints (Polygon/MultiPolygon) with a floors column; in a projected CRS, or
        geographic (then projected to ``metric_crs``).
    m2_per_household
        Gross housing floor area per household (m²), > 0.
    floors_col
        Number of floors (>= 1; 层数).
    residential_only
        Keep only residential buildings when a use column is present (``building``, ``use``,
        ``用途`` … with values in :data:`RESIDENTIAL_USES`); without such a column every
        building is treated as residential (logged).
    use_col
        The use column (default: first of :data:`USE_ALIASES` present).
    households_col
        A column of known household counts; where it is filled it wins over the estimate
        (default: first of ``households``, ``户数``, ``hh`` … present).
    metric_crs
        Target CRS for geographic input (None: the UTM zone of the data).

    Returns
    -------
    GeoDataFrame
        A compounds-like layer: index ``compound_id`` (the buildings' index as strings);
        ``households`` (int), ``name``, ``floors``, ``floor_area_m2``, ``households_estimated``
        (bool: False where the count was given), ``high_rise`` (floors >= 10). Estimated counts
        are rounded by largest remainder, so their total equals the rounded sum of the
        unrounded estimates.

    Raises
    ------
    InputDataError
        Empty layer, non-polygon geometries, missing/non-numeric/<1 floors (rows named),
        bad known counts, ``m2_per_household`` <= 0, no residential building left.
    """
    what = "buildings"
    if m2_per_household <= 0:
        raise InputDataError(f"m2_per_household must be > 0 m²; got {m2_per_household}.")
    if len(buildings) == 0:
        raise InputDataError(f"{what}: the layer is empty; expected building footprints.")
    if buildings.crs is None:
        raise CRSError(f"{what}: no CRS; set one (e.g. .set_crs(4326)) before estimating areas.")
    b = buildings.copy()
    b.index = pd.Index(b.index.astype(str), dtype=object)
    dup = b.index.duplicated(keep=False)
    if dup.any():
        raise InputDataError(f"{what}: duplicate ids ({offending_rows(b.index, dup)}); ids must be unique.")
    types = b.geometry.geom_type.to_numpy()
    wrong = ~np.isin(types, ["Polygon", "MultiPolygon"])
    if wrong.any():
        raise InputDataError(f"{what}: {int(wrong.sum())} geometries are not polygons "
                             f"({offending_rows(b.index, wrong)}); footprints must be polygons.")
    if not b.crs.is_projected:
        b = b.to_crs(resolve_metric_crs(tuple(b.to_crs(4326).total_bounds), metric_crs, what=what))
    if residential_only:
        ucol = find_column(b, USE_ALIASES, use_col, what=what, role="building use", required=False)
        if ucol is None:
            logger.info("buildings: no use column (%s); every building treated as residential",
                        "/".join(USE_ALIASES))
        else:
            use = b[ucol].astype("string").str.strip().str.lower()
            keep = use.isin([u.lower() for u in RESIDENTIAL_USES]).fillna(False).to_numpy()
            logger.info("buildings: %d of %d are residential by column %r", int(keep.sum()), len(b), ucol)
            if not keep.any():
                raise InputDataError(
                    f"{what}: no residential building in column {ucol!r} (values such as "
                    f"{', '.join(RESIDENTIAL_USES[:5])}, 住宅); pass residential_only=False to use all.")
            b = b.loc[keep]
    if floors_col not in b.columns:
        raise InputDataError(f"{what}: no column {floors_col!r} (number of floors); found "
                             f"{', '.join(map(repr, map(str, b.columns)))}. Pass floors_col=.")
    require_nonnegative_numbers(b, floors_col, what=what)
    floors = pd.to_numeric(b[floors_col]).to_numpy(float)
    low = floors < 1
    if low.any():
        raise InputDataError(f"{what}: column {floors_col!r} has {int(low.sum())} values < 1 "
                             f"({offending_rows(b.index, low)}); expected floors >= 1.")
    floor_area = shapely.area(b.geometry.to_numpy()) * floors
    households = largest_remainder(floor_area / m2_per_household)
    estimated = np.ones(len(b), dtype=bool)
    hcol = find_column(b, HOUSEHOLD_ALIASES, households_col, what=what, role="households",
                       required=False)
    if hcol is not None:
        given = _optional_number(b, hcol, what=what).to_numpy()
        has = ~np.isnan(given)
        households[has] = np.round(given[has]).astype(np.int64)
        estimated[has] = False
    names = b["name"].fillna("").astype(str).to_numpy() if "name" in b.columns else b.index.to_numpy()
    out = gpd.GeoDataFrame(
        {"households": households, "name": names, "floors": floors,
         "floor_area_m2": floor_area, "households_estimated": estimated,
         "high_rise": floors >= HIGH_RISE_FLOORS},
        index=b.index.rename("compound_id"), geometry=b.geometry.to_numpy(), crs=b.crs,
    )
    logger.info("buildings: %d households in %d buildings (%d estimated at %.2f m² each)",
                int(households.sum()), len(out), int(estimated.sum()), m2_per_household)
    return out


def households_from_raster(
    path: str | os.PathLike[str],
    *,
    persons_per_household: float = PERSONS_PER_HOUSEHOLD,
    mask: gpd.GeoDataFrame | None = None,
    metric_crs: object = None,
    band: int = 1,
) -> gpd.GeoDataFrame:
    """Population raster (GeoTIFF, persons per cell) -> one point per populated cell centre.

    Parameters
    ----------
    path
        A georeferenced raster (GeoTIFF; e.g. WorldPop or GHS-POP), values in persons per cell.
    persons_per_household
        Persons per household (default 2.62, China 2020 census).
    mask
        Optional residential-land polygons: only cells whose centre lies inside are kept (the
        number dropped is logged).
    metric_crs
        Target projected CRS (pass ``network.crs``); None chooses the UTM zone.
    band
        Raster band (1-based).

    Returns
    -------
    GeoDataFrame
        Index ``compound_id`` (``R<row>_<col>`` of the cell); ``population`` (persons, the
        cell values unchanged, so the total is exact), ``households`` (float,
        population ÷ persons_per_household, not rounded, so its total is exact too; round with
        :func:`largest_remainder` if integers are needed), ``name``; Point geometry.

    Raises
    ------
    InputDataError
        Missing/unreadable file, no CRS, negative cells, nothing populated (inside the mask).
    """
    import rasterio
    import rasterio.errors
    import rasterio.transform

    p = check_input_path(path)
    if not p.is_file():
        raise InputDataError(f"{p}: file not found.")
    if persons_per_household <= 0:
        raise InputDataError(f"persons_per_household must be > 0; got {persons_per_household}.")
    try:  # GeoTIFF driver only, GDAL network access off (gis_planner.io._open)
        with open_raster(p, purpose=f"band {band} as a raster") as src:
            values = src.read(band, masked=True).astype(float).filled(0.0)
            transform, crs = src.transform, src.crs
    except (rasterio.errors.RasterioIOError, IndexError) as exc:
        raise InputDataError(f"{p}: cannot read band {band} as a raster ({exc}).") from exc
    if crs is None:
        raise CRSError(f"{p}: the raster has no CRS; expected a georeferenced GeoTIFF.")
    values = np.where(np.isfinite(values), values, 0.0)
    if (values < 0).any():
        raise InputDataError(f"{p}: {int((values < 0).sum())} cells have negative population; "
                             "set them to nodata or 0.")
    rows, cols = np.nonzero(values > 0)
    if len(rows) == 0:
        raise InputDataError(f"{p}: no populated cells (every value is 0 or nodata).")
    xs, ys = rasterio.transform.xy(transform, rows, cols, offset="center")
    ids = np.char.add(np.char.add(np.char.add("R", rows.astype(str)), "_"), cols.astype(str))
    pts = gpd.GeoDataFrame(
        {"population": values[rows, cols]},
        index=pd.Index(ids.astype(object), name="compound_id"),
        geometry=shapely.points(np.asarray(xs, float), np.asarray(ys, float)), crs=crs.to_wkt(),
    )
    target = resolve_metric_crs(tuple(pts.to_crs(4326).total_bounds), metric_crs, what=str(p))
    pts = pts.to_crs(target)
    if mask is not None:
        pts = _apply_mask(pts, mask, what=p.name)
    pts["households"] = pts["population"] / persons_per_household
    pts["name"] = pts.index.astype(str)
    pts.attrs["source"] = p.name
    logger.info("%s: %d populated cells, %.0f persons, %.1f households", p.name, len(pts),
                pts["population"].sum(), pts["households"].sum())
    return pts[["population", "households", "name", "geometry"]]


def _apply_mask(pts: gpd.GeoDataFrame, mask: gpd.GeoDataFrame, *, what: str) -> gpd.GeoDataFrame:
    if mask.crs is None:
        raise CRSError("mask: no CRS; set one before masking the raster.")
    area = shapely.union_all(mask.to_crs(pts.crs).geometry.to_numpy())
    shapely.prepare(area)
    xy = shapely.get_coordinates(pts.geometry.to_numpy())
    inside = shapely.contains_xy(area, xy[:, 0], xy[:, 1]) | shapely.intersects_xy(area, xy[:, 0], xy[:, 1])
    logger.info("%s: %d of %d populated cells outside the residential mask dropped",
                what, int((~inside).sum()), len(pts))
    if not inside.any():
        raise InputDataError(f"{what}: no populated cell centre lies inside the mask.")
    return pts.loc[inside]


def estimate_households(population: Sequence[float] | np.ndarray, *,
                        persons_per_household: float = PERSONS_PER_HOUSEHOLD) -> np.ndarray:
    """Whole households from persons, total preserved by largest remainder.

    Parameters
    ----------
    population
        Persons per unit (>= 0).
    persons_per_household
        Persons per household (default 2.62, China 2020 census).

    Returns
    -------
    numpy.ndarray
        int64 households, summing to ``round(sum(population) / persons_per_household)``.
    """
    pop = np.asarray(population, dtype=float)
    if persons_per_household <= 0:
        raise InputDataError(f"persons_per_household must be > 0; got {persons_per_household}.")
    if (pop < 0).any() or not np.isfinite(pop).all():
        raise InputDataError("population: values must be finite and >= 0.")
    return largest_remainder(pop / persons_per_household)
