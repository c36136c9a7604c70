"""Households per community: which community each compound belongs to, by a stated rule.

A compound (小区) is never split: all its households go to one community. Three rules decide
which, for a compound on a boundary:

``centroid``
    the community containing the compound's representative point (a point guaranteed inside
    the polygon; for point compounds, the point itself);
``area``
    the community holding the largest share of the compound's area (polygons; point compounds
    fall back to ``centroid``);
``gate``
    the community holding most of the compound's gates (出入口), where residents actually enter;
    compounds without gates inside any community, and ties, fall back to ``centroid``.

Households can come from compounds, from buildings or from population-raster points
(:func:`gis_planner.io.households_from_buildings`, :func:`~gis_planner.io.households_from_raster`):
all arrive as compound-like layers with a ``households`` column.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from gis_planner._errors import InputDataError
from gis_planner._validate import (
    require_columns,
    require_metric_crs,
    require_nonnegative_numbers,
    require_same_crs,
    require_unique_index,
)

logger = logging.getLogger(__name__)

AssignRule = Literal["centroid", "gate", "area"]
ASSIGN_RULES: tuple[str, ...] = ("centroid", "gate", "area")
POLYGONS = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class HouseholdCounts:
    """Outcome of :func:`count_households_by_community`.

    Attributes
    ----------
    communities
        The communities (same index, CRS and geometry) plus ``households``, ``compounds``,
        ``straddling_compounds`` (compounds assigned here that overlap another community),
        ``high_rise_households`` and ``high_rise_share`` (share of households in compounds of
        ``high_rise_floors`` or more floors; NaN where no compound says).
    assignment
        One row per compound (index ``compound_id``): ``community_code`` (None outside every
        community), ``rule`` (the rule that decided, e.g. ``"gate"`` or ``"centroid (no gates)"``),
        ``straddles`` (bool), ``overlaps`` (codes of the communities the polygon overlaps by more
        than the tolerance, comma-separated), ``households``.
    straddling
        The straddling compounds: ``compound_id``, ``community_code`` (assigned), ``overlaps``,
        ``assigned_area_share`` (share of the compound's area inside the assigned community).
    assign
        The assignment rule used.
    straddle_tolerance_m2
        Overlap (m²) above which a polygon compound counts as overlapping a community.
    """

    communities: gpd.GeoDataFrame
    assignment: pd.DataFrame
    straddling: pd.DataFrame
    assign: str
    straddle_tolerance_m2: float

    @property
    def unassigned(self) -> pd.Index:
        """Compounds outside every community (not counted)."""
        return self.assignment.index[self.assignment["community_code"].isna()]


def _code_frame(communities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"community_code": communities.index.astype(str).to_numpy()},
                            geometry=communities.geometry.to_numpy(), crs=communities.crs)


def _validate(compounds: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, households_col: str,
              assign: str) -> None:
    if assign not in ASSIGN_RULES:
        raise InputDataError(f"assign={assign!r}: expected one of {', '.join(ASSIGN_RULES)}.")
    require_metric_crs(compounds, what="compounds")
    require_same_crs(compounds, communities, what_a="compounds", what_b="communities")
    require_columns(compounds, [households_col], what="compounds")
    require_nonnegative_numbers(compounds, households_col, what="compounds")
    require_unique_index(compounds, what="compounds")
    require_unique_index(communities, what="communities")
    bad = ~communities.geom_type.isin(POLYGONS).to_numpy()
    if bad.any():
        raise InputDataError(f"communities: {int(bad.sum())} geometries are not polygons "
                             f"(index {', '.join(map(str, communities.index[bad][:5]))}); "
                             "expected (Multi)Polygon boundaries.")


def assign_compounds(
    compounds: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    *,
    assign: AssignRule = "centroid",
    gates: gpd.GeoDataFrame | None = None,
    straddle_tolerance_m2: float = 100.0,
    households_col: str = "households",
) -> pd.DataFrame:
    """The community of every compound, never splitting a compound.

    Parameters
    ----------
    compounds
        Points or (Multi)Polygons (index ``compound_id``) with ``households`` (>= 0), in a
        metric CRS.
    communities
        Community polygons (index ``community_code``) in the same CRS.
    assign
        ``"centroid"``, ``"area"`` or ``"gate"`` (see the module docstring).
    gates
        Gates with ``compound_id`` (points, same CRS); required for ``assign="gate"``.
    straddle_tolerance_m2
        A polygon compound overlapping a community by more than this many square metres
        (exclusive) overlaps it; one overlapping two or more communities *straddles*. The
        default (100 m²) ignores digitising slivers such as a 1 m shift along a 100 m edge.
    households_col
        Household-count column.

    Returns
    -------
    DataFrame
        Indexed like ``compounds``: ``community_code``, ``rule``, ``straddles``, ``overlaps``,
        ``assigned_area_share``, ``households`` (see :class:`HouseholdCounts`).

    Raises
    ------
    InputDataError
        Unknown rule; ``assign="gate"`` without gates; missing or negative households; no
        compound in any community (the layers cover different areas).
    CRSError
        Compounds and communities in different or non-metric CRSs.
    """
    _validate(compounds, communities, households_col, assign)
    com = _code_frame(communities)
    pts = gpd.GeoDataFrame(geometry=compounds.geometry.representative_point(), crs=compounds.crs,
                           index=compounds.index)
    hit = gpd.sjoin(pts, com, predicate="within", how="left")
    hit = hit[~hit.index.duplicated(keep="first")]
    code = hit["community_code"].reindex(compounds.index).astype(object)
    code = code.where(code.notna(), None)
    rule = pd.Series("centroid", index=compounds.index, dtype=object)
    is_poly = compounds.geom_type.isin(POLYGONS).to_numpy()
    straddles = pd.Series(False, index=compounds.index)
    overlaps = pd.Series("", index=compounds.index, dtype=object)
    share = pd.Series(np.where(code.notna(), 1.0, np.nan), index=compounds.index, dtype=float)
    if is_poly.any():
        sub = compounds.loc[is_poly]
        inter = gpd.overlay(
            gpd.GeoDataFrame({"compound_id": sub.index.astype(str).to_numpy()},
                             geometry=sub.geometry.to_numpy(), crs=compounds.crs),
            com, how="intersection", keep_geom_type=True)
        total = pd.Series(sub.geometry.area.to_numpy(), index=sub.index.astype(str))
        inter["area_m2"] = inter.geometry.area
        inter["share"] = inter["area_m2"] / inter["compound_id"].map(total).astype(float).clip(lower=1e-9)
        sig = inter[inter["area_m2"] > straddle_tolerance_m2]
        over = sig.sort_values(["compound_id", "area_m2"], ascending=[True, False]) \
            .groupby("compound_id")["community_code"].agg(lambda s: ",".join(s))
        pos = pd.Series(np.arange(len(compounds)), index=compounds.index.astype(str))
        idx = compounds.index[pos.loc[over.index].to_numpy()]
        overlaps.loc[idx] = over.to_numpy()
        straddles.loc[idx] = np.array([len(v.split(",")) > 1 for v in over.to_numpy()], dtype=bool)
        by_pair = inter.set_index(["compound_id", "community_code"])["share"]
        if assign == "area":
            best = inter.sort_values(["compound_id", "share", "community_code"],
                                     ascending=[True, False, True]).drop_duplicates("compound_id")
            bidx = compounds.index[pos.loc[best["compound_id"]].to_numpy()]
            code.loc[bidx] = best["community_code"].to_numpy()
            rule.loc[bidx] = "area"
    else:
        by_pair = pd.Series(dtype=float)
    if assign == "area":
        rule[~is_poly] = "centroid (point compound)"
    if assign == "gate":
        code, rule = _by_gates(compounds, com, gates, code, rule)
    if is_poly.any():
        keys = list(zip(compounds.index.astype(str), code, strict=True))
        share = pd.Series([by_pair.get(k, np.nan) if k[1] is not None else np.nan for k in keys],
                          index=compounds.index, dtype=float)
        share[~is_poly] = np.where(code[~is_poly].notna(), 1.0, np.nan)
    n_out = int(code.isna().sum())
    _require_some_inside(compounds, communities, n_out)
    if n_out:
        logger.warning("%d compounds lie outside every community and are not counted", n_out)
    hh = pd.to_numeric(compounds[households_col]).astype(np.int64)
    return pd.DataFrame({"community_code": code, "rule": rule, "straddles": straddles,
                         "overlaps": overlaps, "assigned_area_share": share, "households": hh},
                        index=compounds.index)


def _require_some_inside(compounds: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, n_out: int) -> None:
    """Refuse compounds none of which lies in a community: every count would be zero, a silent
    empty result hiding a wrong file or coordinate system."""
    if n_out == 0 or n_out < len(compounds):
        return

    def _box(layer: gpd.GeoDataFrame) -> str:
        b = layer.total_bounds
        return f"x {b[0]:.0f}..{b[2]:.0f}, y {b[1]:.0f}..{b[3]:.0f}"

    what = compounds.attrs.get("source", "compounds")
    where = communities.attrs.get("source", "the communities")
    raise InputDataError(
        f"{what}: none of the {len(compounds)} compounds lies in any community of {where} (the "
        f"compounds span {_box(compounds)}, the communities {_box(communities)}, metres in "
        f"{compounds.crs.to_string()}). The files cover different areas, or a layer's coordinate "
        "system is wrong: check the files and their declared coordinates (--coords / source_coords).")


def _by_gates(compounds: gpd.GeoDataFrame, com: gpd.GeoDataFrame,
              gates: gpd.GeoDataFrame | None, code: pd.Series, rule: pd.Series
              ) -> tuple[pd.Series, pd.Series]:
    """Majority of gates; compounds without gates inside a community and ties keep the
    representative-point community."""
    if gates is None or len(gates) == 0:
        raise InputDataError("assign='gate' needs gates: pass gates= (a point layer with "
                             "compound_id, e.g. from gis_planner.io.read_gates) or use "
                             "assign='centroid' or 'area'.")
    require_columns(gates, ["compound_id"], what="gates")
    require_same_crs(gates, com, what_a="gates", what_b="communities")
    code, rule = code.copy(), rule.copy()
    g = gpd.sjoin(gates[["compound_id", gates.geometry.name]], com, predicate="within",
                  how="inner")
    votes = g.groupby(["compound_id", "community_code"]).size().rename("n").reset_index()
    votes = votes.sort_values(["compound_id", "n", "community_code"],
                              ascending=[True, False, True])
    first = votes.drop_duplicates("compound_id").set_index("compound_id")
    second = votes[votes.duplicated("compound_id")].drop_duplicates("compound_id") \
        .set_index("compound_id")["n"]
    tie = first["n"] == second.reindex(first.index).fillna(-1)
    ids = compounds.index.astype(str)
    pos = pd.Series(np.arange(len(ids)), index=ids)
    known = first.index.intersection(ids)
    clear = known[~tie.loc[known].to_numpy()]
    tied = known[tie.loc[known].to_numpy()]
    code.iloc[pos.loc[clear].to_numpy()] = first.loc[clear, "community_code"].to_numpy()
    rule.iloc[pos.loc[clear].to_numpy()] = "gate"
    rule.iloc[pos.loc[tied].to_numpy()] = "centroid (gate tie)"
    none = ~ids.isin(known)
    rule[none] = "centroid (no gates)"
    return code, rule


def count_households_by_community(
    compounds: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    *,
    assign: AssignRule = "centroid",
    gates: gpd.GeoDataFrame | None = None,
    straddle_tolerance_m2: float = 100.0,
    households_col: str = "households",
    high_rise_floors: int = 10,
) -> HouseholdCounts:
    """Count households per community from compounds, never splitting a compound.

    Parameters
    ----------
    compounds, communities, assign, gates, straddle_tolerance_m2, households_col
        As for :func:`assign_compounds`.
    high_rise_floors
        Floors (inclusive) from which a compound's households count as high-rise. The default
        10 follows 住宅设计规范 GB 50096-2011 (高层住宅: 10 floors and above). Uses the
        compounds' ``floors`` column; where it is empty, their ``high_rise`` (bool) column.

    Returns
    -------
    HouseholdCounts
        Per-community counts (every community, zeros where empty) and per-compound assignment.

    Raises
    ------
    InputDataError, CRSError
        As for :func:`assign_compounds`.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> com = gpd.GeoDataFrame({"name": ["甲社区", "乙社区"]}, geometry=[shapely.box(0, 0, 100, 100),
    ...     shapely.box(100, 0, 200, 100)], crs=32650, index=["K1", "K2"])
    >>> homes = gpd.GeoDataFrame({"households": [30, 50]}, geometry=[shapely.box(10, 10, 40, 40),
    ...     shapely.box(60, 10, 180, 40)], crs=32650, index=["A", "B"])
    >>> c = count_households_by_community(homes, com, assign="area")
    >>> c.communities["households"].tolist(), list(c.straddling["compound_id"])
    ([30, 50], ['B'])
    """
    a = assign_compounds(compounds, communities, assign=assign, gates=gates,
                         straddle_tolerance_m2=straddle_tolerance_m2,
                         households_col=households_col)
    hh = a["households"]
    tall = pd.Series(np.nan, index=compounds.index)
    if "high_rise" in compounds.columns:
        flag = compounds["high_rise"]
        tall = tall.where(flag.isna(), flag.astype(object).eq(True).astype(float))
    if "floors" in compounds.columns:
        fl = pd.to_numeric(compounds["floors"], errors="coerce")
        tall = tall.where(fl.isna(), (fl >= high_rise_floors).astype(float))
    frame = pd.DataFrame({"code": a["community_code"], "h": hh, "s": a["straddles"],
                          "t": hh.where(tall == 1, 0), "known": hh.where(tall.notna(), 0),
                          "has": tall.notna()})
    g = frame.dropna(subset=["code"]).groupby("code")
    out = communities.copy()
    idx = communities.index.astype(str)

    def col(series: pd.Series) -> np.ndarray:
        return series.reindex(idx).fillna(0).to_numpy()

    out["households"] = col(g["h"].sum()).astype(np.int64)
    out["compounds"] = col(g.size()).astype(np.int64)
    out["straddling_compounds"] = col(g["s"].sum()).astype(np.int64)
    out["high_rise_households"] = col(g["t"].sum()).astype(np.int64)
    known = g["known"].sum().reindex(idx).to_numpy(dtype=float)
    has = g["has"].any().reindex(idx).fillna(False).to_numpy(dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(has & (known > 0), out["high_rise_households"].to_numpy() / known,
                         np.nan)
    out["high_rise_share"] = share
    st = a[a["straddles"]]
    straddling = pd.DataFrame({"compound_id": st.index.astype(str),
                               "community_code": st["community_code"].to_numpy(),
                               "overlaps": st["overlaps"].to_numpy(),
                               "assigned_area_share": st["assigned_area_share"].to_numpy()})
    logger.info("%d compounds assigned to %d communities by %s; %d straddle a boundary",
                int(a["community_code"].notna().sum()), len(communities), assign, len(st))
    return HouseholdCounts(communities=out, assignment=a, straddling=straddling, assign=assign,
                           straddle_tolerance_m2=float(straddle_tolerance_m2))


__all__ = ["ASSIGN_RULES", "AssignRule", "HouseholdCounts", "assign_compounds",
           "count_households_by_community"]
