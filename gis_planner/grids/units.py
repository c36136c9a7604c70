"""Partition units: compounds, or their buildings when a compound alone exceeds a band.

A building is never split. A compound is split, by its buildings, only when it alone holds
more households than the band's ceiling and buildings are given for it. When buildings are
given their household counts are scaled (largest remainder) to their compound's count, so the
compound layer's totals are kept whichever units a level uses.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis_planner._errors import GisPlannerWarning, InputDataError
from gis_planner._validate import require_metric_crs, require_same_crs
from gis_planner.grids.groups import SPECIAL_GROUPS, group_counts
from gis_planner.io.households import largest_remainder

#: Columns of a unit frame besides the special groups.
UNIT_COLUMNS = ("kind", "compound_id", "community_code", "households", "population")


def _households(frame: pd.DataFrame, *, what: str) -> pd.Series:
    if "households" not in frame.columns:
        raise InputDataError(f"{what}: no 'households' column; expected households per row.")
    v = pd.to_numeric(frame["households"], errors="coerce")
    bad = v.isna() | (v < 0) | (v % 1 != 0)
    if bad.any():
        rows = ", ".join(map(str, frame.index[bad.to_numpy()][:5]))
        raise InputDataError(f"{what}: column 'households' has {int(bad.sum())} values that are "
                             f"not whole numbers >= 0 (rows {rows}).")
    return v.astype(np.int64)


def _inside(points: gpd.GeoSeries, polygons: gpd.GeoDataFrame) -> pd.Series:
    """Index label of the polygon holding each point (the first by position), or None."""
    out = pd.Series(None, index=points.index, dtype=object)
    if len(polygons) == 0 or len(points) == 0:
        return out
    pt_i, poly_i = shapely.STRtree(polygons.geometry.to_numpy()).query(
        points.to_numpy(), predicate="within")
    order = np.lexsort((poly_i, pt_i))
    pt_i, poly_i = pt_i[order], poly_i[order]
    first = np.unique(pt_i, return_index=True)[1]
    out.iloc[pt_i[first]] = polygons.index.to_numpy()[poly_i[first]].astype(str)
    return out


def compound_units(communities: gpd.GeoDataFrame, compounds: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Compounds as units, each with its community (its ``community_code`` column, else the
    community holding its representative point); compounds in no community are dropped with a
    warning naming them.

    Returns
    -------
    GeoDataFrame
        Indexed like ``compounds``; ``kind`` = ``compound``, ``compound_id``,
        ``community_code``, ``households``, ``population`` (NaN when absent) and one column per
        special group present.
    """
    what = compounds.attrs.get("source", "compounds")
    require_metric_crs(compounds, what=what)
    require_same_crs(compounds, communities, what_a=what, what_b="communities")
    code = None
    if "community_code" in compounds.columns:
        code = compounds["community_code"].astype(object).where(
            compounds["community_code"].isin(communities.index), None)
    where = _inside(compounds.geometry.representative_point(), communities)
    code = where if code is None else code.where(code.notna(), where)
    missing = code.isna()
    if missing.any():
        ids = ", ".join(map(str, compounds.index[missing.to_numpy()][:10]))
        warnings.warn(f"{what}: {int(missing.sum())} compounds lie in no community and are left "
                      f"out of the grids ({ids}).", GisPlannerWarning, stacklevel=3)
    out = gpd.GeoDataFrame({"kind": "compound", "compound_id": compounds.index.astype(str),
                            "community_code": code, "households": _households(compounds, what=what),
                            "population": pd.to_numeric(compounds.get("population"),
                                                        errors="coerce")
                            if "population" in compounds.columns else np.nan},
                           index=compounds.index, geometry=compounds.geometry, crs=compounds.crs)
    out = out.join(group_counts(compounds, what=what))
    return out.loc[~missing.to_numpy()]


def building_units(compounds: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Buildings as units, each with its compound (its ``compound_id`` column, else the
    compound holding its representative point), households scaled to the compound's count.

    Parameters
    ----------
    compounds
        Output of :func:`compound_units`.
    buildings
        Buildings (points or polygons) with ``households``; optional ``compound_id``,
        ``population`` and special-group columns.

    Returns
    -------
    GeoDataFrame
        Indexed like ``buildings`` (buildings in no compound dropped, with a warning);
        columns as :func:`compound_units` with ``kind`` = ``building``.

    Raises
    ------
    InputDataError
        Bad household or group counts; a compound with households whose buildings hold none.
    """
    what = buildings.attrs.get("source", "buildings")
    require_metric_crs(buildings, what=what)
    require_same_crs(buildings, compounds, what_a=what, what_b="compounds")
    hh = _households(buildings, what=what)
    owner = None
    if "compound_id" in buildings.columns:
        owner = buildings["compound_id"].astype(object).where(
            buildings["compound_id"].astype(str).isin(compounds.index.astype(str)), None)
        owner = owner.map(lambda v: None if v is None else str(v))
    polys = compounds[compounds.geom_type.isin(["Polygon", "MultiPolygon"])]
    where = (_inside(buildings.geometry.representative_point(), polys) if len(polys)
             else pd.Series(None, index=buildings.index, dtype=object))
    owner = where if owner is None else owner.where(owner.notna(), where)
    missing = owner.isna()
    if missing.any():
        ids = ", ".join(map(str, buildings.index[missing.to_numpy()][:10]))
        warnings.warn(f"{what}: {int(missing.sum())} buildings lie in no compound and are left "
                      f"out ({ids}).", GisPlannerWarning, stacklevel=3)
    b = buildings.loc[~missing.to_numpy()]
    owner = owner.loc[~missing.to_numpy()].astype(str)
    hh = hh.loc[b.index].astype(float)
    target = compounds["households"].reindex(owner.to_numpy()).to_numpy(dtype=float)
    sums = hh.groupby(owner.to_numpy()).transform("sum").to_numpy(dtype=float)
    empty = (sums == 0) & (target > 0)
    if empty.any():
        raise InputDataError(f"{what}: the buildings of compound {owner[empty].iloc[0]} hold no "
                             "households but the compound has some; give building counts.")
    scaled = np.zeros(len(b), dtype=np.int64)
    share = np.divide(hh.to_numpy() * target, sums, out=np.zeros(len(b)), where=sums > 0)
    for cid in pd.unique(owner.to_numpy()):
        sel = np.flatnonzero(owner.to_numpy() == cid)
        scaled[sel] = largest_remainder(share[sel])
    changed = int((scaled != hh.to_numpy()).sum())
    if changed:
        warnings.warn(f"{what}: building households differ from their compounds' counts; "
                      f"{changed} buildings scaled to the compound totals.", GisPlannerWarning,
                      stacklevel=3)
    pop = (pd.to_numeric(b["population"], errors="coerce") if "population" in b.columns
           else pd.Series(np.nan, index=b.index))
    out = gpd.GeoDataFrame({"kind": "building", "compound_id": owner.to_numpy(),
                            "community_code": compounds["community_code"].reindex(
                                owner.to_numpy()).to_numpy(),
                            "households": scaled, "population": pop.to_numpy()},
                           index=b.index, geometry=b.geometry, crs=b.crs)
    return out.join(group_counts(b, what=what))


def split_units(units: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame | None, *,
                max_households: int) -> gpd.GeoDataFrame:
    """``units`` with every compound above ``max_households`` replaced by its buildings.

    A compound's special groups go to its buildings only when the buildings carry none: then
    they stay with the compound's first building (so the totals are kept).
    """
    if buildings is None or len(buildings) == 0:
        return units
    over = (units["kind"] == "compound") & (units["households"] > max_households)
    split_ids = set(units.loc[over, "compound_id"])
    split_ids &= set(buildings["compound_id"])
    if not split_ids:
        return units
    keep = units[~units["compound_id"].isin(split_ids) | (units["kind"] != "compound")]
    add = buildings[buildings["compound_id"].isin(split_ids)].copy()
    for gid in SPECIAL_GROUPS:
        if gid in units.columns and gid not in buildings.columns:
            first = ~add["compound_id"].duplicated()
            add[gid] = 0
            src = units.loc[over].set_index("compound_id")[gid]
            add.loc[first, gid] = add.loc[first, "compound_id"].map(src).to_numpy()
    out = pd.concat([keep, add])
    for gid in SPECIAL_GROUPS:
        if gid in out.columns:
            out[gid] = out[gid].fillna(0).astype(np.int64)
    return gpd.GeoDataFrame(out, geometry=units.geometry.name, crs=units.crs)


__all__ = ["building_units", "compound_units", "split_units"]
