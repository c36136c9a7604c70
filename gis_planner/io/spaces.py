"""The inventory of idle spaces (存量空间) that could hold neighbourhood-centre functions.

One row per space: an idle public room, a ground-floor unit, an old factory bay, a shop. Read
like every other point layer (CSV with lon/lat columns in a declared coordinate system, or a
vector file), with Chinese or English column names:

| column | aliases | meaning |
|---|---|---|
| ``space_id`` | ``id``, ``编号`` | unique id (text) |
| ``name`` | ``名称`` | name |
| ``area_m2`` | ``usable_area_m2``, ``可用面积``, ``面积`` | usable floor area, m² (> 0) |
| ``floor`` | ``楼层`` | storey, 1 = ground floor (whole number; basements < 1) |
| ``lift`` | ``elevator``, ``电梯`` | a lift serves the space (是/否, 有/无, yes/no, true/false, 1/0) |
| ``ownership`` | ``产权`` | 公有, 国企 or 租赁 (public, soe, lease) |
| ``current_use`` | ``现状用途`` | today's use (text, optional) |
| ``cost`` | ``rent``, ``改造费用``, ``租金`` | cost of fitting it out or renting it (>= 0, any one unit) |
| ``merge_with`` | ``可合并``, ``merge_group`` | id of a neighbouring space it can be merged with (optional) |
"""

from __future__ import annotations

import os

import geopandas as gpd
import numpy as np
import pandas as pd

from gis_planner._errors import InputDataError
from gis_planner.io.points import read_points

ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "名称"),
    "area_m2": ("area_m2", "usable_area_m2", "可用面积", "面积"),
    "floor": ("floor", "楼层"),
    "lift": ("lift", "elevator", "电梯"),
    "ownership": ("ownership", "产权"),
    "current_use": ("current_use", "现状用途"),
    "cost": ("cost", "rent", "改造费用", "租金"),
    "merge_with": ("merge_with", "可合并", "merge_group"),
}
REQUIRED = ("area_m2", "floor", "cost")
_TRUE = {"是", "有", "yes", "y", "true", "1", "t"}
_FALSE = {"否", "无", "no", "n", "false", "0", "f", ""}
OWNERSHIP = {"公有": "public", "public": "public", "国企": "soe", "soe": "soe", "租赁": "lease",
             "lease": "lease"}


def _rows(index: pd.Index, mask: np.ndarray) -> str:
    bad = index[mask]
    more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
    return ", ".join(map(str, bad[:5])) + more


def read_spaces(
    path: str | os.PathLike[str],
    *,
    source_coords: str | None = None,
    metric_crs: object = None,
) -> gpd.GeoDataFrame:
    """Read and validate an inventory of idle spaces (see the module docstring for the columns).

    Parameters
    ----------
    path
        CSV/XLSX with lon/lat columns, or a point vector file.
    source_coords
        ``wgs84``, ``gcj02``, ``bd09``, ``cgcs2000`` or ``EPSG:<code>`` (lon/lat tables).
    metric_crs
        The network's projected CRS.

    Returns
    -------
    GeoDataFrame
        Index ``space_id``; ``name``, ``area_m2`` (float), ``floor`` (int), ``lift`` (bool),
        ``ownership`` (``public``/``soe``/``lease``/""), ``current_use``, ``cost`` (float),
        ``merge_with`` (id or ""), the file's other columns unchanged, geometry in metres.

    Raises
    ------
    InputDataError
        Missing columns, values that are not numbers, areas <= 0, fractional floors, unreadable
        lift or ownership words, a ``merge_with`` naming an unknown space; each with the file,
        column and rows.
    """
    gdf = read_points(path, source_coords=source_coords, metric_crs=metric_crs,
                      id_aliases=("space_id", "id", "编号"), index_name="space_id")
    what = os.fspath(path)
    out = gdf.copy()
    for canon, aliases in ALIASES.items():
        col = next((c for c in aliases if c in out.columns), None)
        if col is None:
            if canon in REQUIRED:
                raise InputDataError(f"{what}: no {canon!r} column (also accepted: {', '.join(aliases[1:])}); "
                                     "every space needs its usable area (m²), floor and cost.")
            out[canon] = "" if canon not in ("lift",) else False
            continue
        if col != canon:
            out = out.rename(columns={col: canon})
    for col, positive in (("area_m2", True), ("cost", False)):
        num = pd.to_numeric(out[col], errors="coerce")
        bad = num.isna().to_numpy() | ~np.isfinite(num.fillna(0).to_numpy()) | (
            (num <= 0) if positive else (num < 0)).to_numpy()
        if bad.any():
            want = "numbers > 0 (m²)" if positive else "numbers >= 0"
            raise InputDataError(f"{what}: column {col!r} has {int(bad.sum())} values that are not {want} "
                                 f"(space {_rows(out.index, bad)}).")
        out[col] = num.astype(float)
    floor = pd.to_numeric(out["floor"], errors="coerce")
    bad = floor.isna().to_numpy() | (floor.fillna(0) % 1 != 0).to_numpy()
    if bad.any():
        raise InputDataError(f"{what}: column 'floor' has {int(bad.sum())} values that are not whole storeys "
                             f"(space {_rows(out.index, bad)}); 1 = ground floor.")
    out["floor"] = floor.astype(int)
    if out["lift"].dtype != bool:
        words = out["lift"].fillna("").astype(str).str.strip().str.lower()
        bad = ~words.isin(_TRUE | _FALSE).to_numpy()
        if bad.any():
            raise InputDataError(f"{what}: column 'lift' has {int(bad.sum())} values that are not yes/no "
                                 f"(是/否, 有/无, yes/no, 1/0) (space {_rows(out.index, bad)}).")
        out["lift"] = words.isin(_TRUE).to_numpy()
    own = out["ownership"].fillna("").astype(str).str.strip()
    mapped = own.map(lambda v: OWNERSHIP.get(v, OWNERSHIP.get(v.lower())) if v else "")
    bad = mapped.isna().to_numpy()
    if bad.any():
        raise InputDataError(f"{what}: column 'ownership' has {int(bad.sum())} values other than 公有, 国企, "
                             f"租赁 (public, soe, lease) (space {_rows(out.index, bad)}).")
    out["ownership"] = mapped
    merge = out["merge_with"].fillna("").astype(str).str.strip()
    bad = ((merge != "") & ~merge.isin(out.index)).to_numpy() | (merge == out.index.to_series()).to_numpy()
    if bad.any():
        raise InputDataError(f"{what}: column 'merge_with' names spaces that are not in the file or the space "
                             f"itself (space {_rows(out.index, bad)}).")
    out["merge_with"] = merge
    out["name"] = out["name"].fillna("").astype(str)
    out["current_use"] = out["current_use"].fillna("").astype(str)
    return out
