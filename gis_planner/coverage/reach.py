"""15-minute living-circle reachability: network walking distance from every compound to the
nearest facility of every category, coverage at each threshold, and facility counts.

Model (see ``docs/reach.md``):

- Compounds without gates are snapped at their point (polygons: a point inside them) to the
  nearest road *edge*; with gates, residents leave through a gate: distance = straight line from
  the compound point to the gate + network distance from the gate; the best gate wins.
- Facilities are snapped to edges too; distances are exact at partial edges
  (:mod:`gis_planner.network.travel`). Points farther than ``snap_tolerance_m`` from any road are
  reported and excluded, never used.
- One multi-source Dijkstra per category (compiled, scipy), limited to the search cap.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from gis_planner import _units
from gis_planner._errors import GisPlannerWarning, InputDataError
from gis_planner._validate import (
    require_columns,
    require_metric_crs,
    require_nonnegative_numbers,
    require_same_crs,
    require_unique_index,
)
from gis_planner.categories import known_categories
from gis_planner.network.snap import snap_points
from gis_planner.network.travel import _targets_from_nodes as _dist_from_nodes
from gis_planner.network.travel import node_distances, od_costs

if TYPE_CHECKING:
    from gis_planner.network.graph import WalkNetwork

logger = logging.getLogger(__name__)

#: The search cap defaults to this multiple of the largest threshold distance.
SEARCH_CAP_FACTOR = 1.5


@dataclass(frozen=True)
class ReachResult:
    """Reachability per compound and category, with the parameters that produced it.

    Attributes
    ----------
    households
        A copy of the compounds (same index, CRS, columns) plus, per category ``c``:
        ``c_dist_m`` (network metres to the nearest facility, NaN beyond the search cap or when
        not snapped), ``c_min`` (walking minutes), ``c_covered`` (within the category's headline
        limit, inclusive), ``c_covered_<T>min`` per threshold T, ``c_n_within`` (facilities of
        the category within the headline limit); and ``snapped``, ``snap_dist_m``, ``n_gates``,
        ``completeness`` (share of ``required_categories`` covered).
    facilities
        A copy of the facilities plus ``snapped``, ``snap_dist_m``, ``excluded_reason``.
    category_limits_m
        Headline limit per category in metres (``category_minutes`` or ``headline_minutes``
        times the speed).
    """

    households: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    categories: tuple[str, ...]
    walk_minutes: tuple[float, ...]
    headline_minutes: float
    speed_kmh: float
    category_limits_m: dict[str, float]
    required_categories: tuple[str, ...]
    snap_tolerance_m: float
    search_cap_m: float
    households_col: str = "households"
    population_col: str | None = None
    profile_id: str | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def crs(self) -> Any:
        """The metric CRS of the results."""
        return self.households.crs

    def summary(self, *, by: str | None = None) -> pd.DataFrame:
        """Coverage per category (and group); see :func:`coverage_summary`."""
        from gis_planner.coverage.summary import coverage_summary

        return coverage_summary(self, by=by)

    def worst_served(self, *, n: int = 20, lang: str = "zh") -> pd.DataFrame:
        """The ``n`` worst-served compounds; see :func:`worst_served`."""
        from gis_planner.coverage.summary import worst_served

        return worst_served(self, n=n, lang=lang)


def _origins(compounds: gpd.GeoDataFrame, gates: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """One row per place a compound's residents enter the network: compound_pos, geometry,
    access_m (straight line from the compound point to the gate; 0 without gates)."""
    points = compounds.geometry.copy()
    is_point = (points.geom_type == "Point").to_numpy()
    points[~is_point] = points[~is_point].representative_point()
    pos = pd.Series(np.arange(len(compounds)), index=compounds.index)
    if gates is None or len(gates) == 0:
        return pd.DataFrame({"compound_pos": pos.to_numpy(), "access_m": 0.0,
                             "geometry": points.to_numpy(), "gate_id": None})
    require_same_crs(gates, compounds, what_a="gates", what_b="compounds")
    require_columns(gates, ["compound_id"], what="gates")
    g = gates.loc[gates["compound_id"].isin(compounds.index)]
    g_pos = pos.loc[g["compound_id"]].to_numpy()
    access = g.geometry.distance(gpd.GeoSeries(points.to_numpy()[g_pos], crs=compounds.crs),
                                 align=False).to_numpy()
    gated = np.zeros(len(compounds), dtype=bool)
    gated[g_pos] = True
    rows = pd.DataFrame({"compound_pos": g_pos, "access_m": access,
                         "geometry": g.geometry.to_numpy(), "gate_id": g.index.to_numpy()})
    free = pd.DataFrame({"compound_pos": np.flatnonzero(~gated), "access_m": 0.0,
                         "geometry": points.to_numpy()[~gated], "gate_id": None})
    return pd.concat([rows, free], ignore_index=True)


def reach(
    network: WalkNetwork,
    compounds: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    speed_kmh: float,
    walk_minutes: Sequence[float] = (5, 10, 15),
    headline_minutes: float | None = None,
    category_minutes: Mapping[str, float] | None = None,
    categories: Sequence[str] | None = None,
    required_categories: Sequence[str] | None = None,
    gates: gpd.GeoDataFrame | None = None,
    snap_tolerance_m: float = 250.0,
    search_cap_m: float | None = None,
    households_col: str = "households",
    population_col: str | None = None,
    count_within: bool = True,
    profile_id: str | None = None,
    progress: bool = False,
) -> ReachResult:
    """Walking distance from every compound to the nearest facility of every category.

    Parameters
    ----------
    network
        The walk network (metric CRS); compounds, gates and facilities must share its CRS.
    compounds
        Compounds (points or polygons) with a household count column.
    facilities
        Facility points with a ``category`` column.
    speed_kmh
        Walking speed in km/h (GB 50180-2018's 15 minutes ≈ 800-1000 m means 3.2-4.0 km/h).
    walk_minutes
        Thresholds in minutes (inclusive); coverage is reported at each.
    headline_minutes
        The threshold that ``<c>_covered`` uses (default: the largest of ``walk_minutes``).
    category_minutes
        Per-category headline limits in minutes overriding ``headline_minutes`` (e.g. a
        kindergarten's 300 m radius at 4 km/h is 4.5 minutes).
    categories
        Categories to assess (default: every category present in ``facilities``).
    required_categories
        Categories counted in ``completeness`` (default: ``categories``).
    gates
        Gates with a ``compound_id`` column; residents of gated compounds leave through them.
    snap_tolerance_m
        Points farther than this (m, inclusive) from every road are excluded and reported.
    search_cap_m
        Longest network distance searched (m); default 1.5 × the largest limit.
    count_within
        Count the facilities within the headline limit (``<c>_n_within``).

    Raises
    ------
    InputDataError
        Unknown categories, bad household counts, duplicate ids, non-point facilities.
    CRSError
        Layers not in the network's metric CRS.
    """
    from gis_planner._validate import require_points

    require_metric_crs(compounds, what="compounds")
    require_same_crs(compounds, network.edges, what_a="compounds", what_b="the network")
    require_same_crs(facilities, network.edges, what_a="facilities", what_b="the network")
    require_unique_index(compounds, what="compounds")
    require_unique_index(facilities, what="facilities")
    require_columns(compounds, [households_col], what="compounds")
    require_nonnegative_numbers(compounds, households_col, what="compounds")
    require_columns(facilities, ["category"], what="facilities")
    require_points(facilities, what="facilities")
    if speed_kmh <= 0:
        raise InputDataError(f"speed_kmh must be > 0 km/h; got {speed_kmh}.")
    minutes = tuple(sorted({float(m) for m in walk_minutes}))
    if not minutes or minutes[0] <= 0:
        raise InputDataError(f"walk_minutes must be positive minutes; got {tuple(walk_minutes)}.")
    headline = float(headline_minutes) if headline_minutes is not None else minutes[-1]
    known = set(known_categories())
    present = list(dict.fromkeys(facilities["category"].astype(str)))
    cats = tuple(categories) if categories is not None else tuple(present)
    unknown = [c for c in cats if c not in known]
    if unknown:
        raise InputDataError(f"unknown categories {', '.join(map(repr, unknown))}; known: "
                             f"{', '.join(sorted(known))}.")
    required = tuple(required_categories) if required_categories is not None else cats
    cat_minutes = {c: float((category_minutes or {}).get(c, headline)) for c in cats}
    limits = {c: _units.walk_distance_m(m, speed_kmh) for c, m in cat_minutes.items()}
    largest = max([*limits.values(), _units.walk_distance_m(minutes[-1], speed_kmh)])
    cap = float(search_cap_m) if search_cap_m is not None else SEARCH_CAP_FACTOR * largest
    if cap < largest:
        raise InputDataError(f"search_cap_m {cap:.0f} m is shorter than the largest limit "
                             f"{largest:.0f} m; raise it.")

    origins = _origins(compounds, gates)
    o_gdf = gpd.GeoDataFrame(origins[["compound_pos"]], geometry=origins["geometry"].to_numpy(),
                             crs=compounds.crs)
    o_snap = snap_points(network, o_gdf, tolerance_m=snap_tolerance_m)
    access = origins["access_m"].to_numpy()
    c_pos = origins["compound_pos"].to_numpy()
    n_c = len(compounds)
    f_snap = snap_points(network, facilities, tolerance_m=snap_tolerance_m)

    out = compounds.copy()
    snapped_any = np.zeros(n_c, dtype=bool)
    np.logical_or.at(snapped_any, c_pos, o_snap["snapped"].to_numpy())
    best_snap = pd.Series(o_snap["snap_dist_m"].to_numpy()).groupby(c_pos).min()
    out["snapped"] = snapped_any
    out["snap_dist_m"] = np.nan
    out.iloc[best_snap.index.to_numpy(), out.columns.get_loc("snap_dist_m")] = best_snap.to_numpy()
    out["n_gates"] = np.bincount(c_pos[origins["gate_id"].notna().to_numpy()], minlength=n_c)
    # which compound each origin belongs to, as a sparse (compounds x origins) indicator
    member = sp.csr_matrix((np.ones(len(c_pos)), (c_pos, np.arange(len(c_pos)))),
                           shape=(n_c, len(c_pos)))

    from tqdm.auto import tqdm

    new_cols: dict[str, np.ndarray] = {}
    cat_codes = facilities["category"].astype(str).to_numpy()
    for c in tqdm(cats, desc="categories", disable=not progress):
        mask = cat_codes == c
        fs = f_snap.loc[mask]
        fs = fs.loc[fs["snapped"]]
        if len(fs) == 0:
            warnings.warn(f"category {c!r} has no facility on the network; every household is "
                          "uncovered for it.", GisPlannerWarning, stacklevel=2)
            dist = np.full(n_c, np.inf)
        else:
            d_node = node_distances(network, fs, cutoff_m=cap)
            d_o = _dist_from_nodes(network, d_node, fs, o_snap, cutoff_m=cap) + access
            dist = np.full(n_c, np.inf)
            np.minimum.at(dist, c_pos, d_o)
            dist[dist > cap] = np.inf
        finite = np.isfinite(dist)
        new_cols[f"{c}_dist_m"] = np.where(finite, dist, np.nan)
        new_cols[f"{c}_min"] = np.where(finite, _units.distance_to_minutes(dist, speed_kmh), np.nan)
        new_cols[f"{c}_covered"] = dist <= limits[c]
        for m in minutes:
            new_cols[f"{c}_covered_{_fmt(m)}min"] = dist <= _units.walk_distance_m(m, speed_kmh)
        if count_within:
            new_cols[f"{c}_n_within"] = _count_within(network, o_snap, fs, access, member,
                                                      limit_m=limits[c])
    out = pd.concat([out, pd.DataFrame(new_cols, index=out.index)], axis=1)
    covered = np.column_stack([out[f"{c}_covered"].to_numpy() for c in required if c in cats]) \
        if required else np.zeros((n_c, 0), dtype=bool)
    out["completeness"] = covered.mean(axis=1) if covered.shape[1] else np.nan
    out = gpd.GeoDataFrame(out, geometry=compounds.geometry.name, crs=compounds.crs)

    fac = facilities.copy()
    fac["snapped"] = f_snap["snapped"].to_numpy()
    fac["snap_dist_m"] = f_snap["snap_dist_m"].to_numpy()
    fac["excluded_reason"] = np.where(
        fac["snapped"], "", f"farther than {snap_tolerance_m:.0f} m from any road")
    n_unsnapped = int((~snapped_any).sum())
    if n_unsnapped:
        hh = int(pd.to_numeric(out.loc[~snapped_any, households_col]).sum())
        logger.warning("%d compounds (%d households) lie farther than %.0f m from any road and "
                       "are excluded from coverage", n_unsnapped, hh, snap_tolerance_m)
    return ReachResult(
        households=out, facilities=fac, categories=cats, walk_minutes=minutes,
        headline_minutes=headline, speed_kmh=float(speed_kmh), category_limits_m=limits,
        required_categories=tuple(c for c in required if c in cats),
        snap_tolerance_m=float(snap_tolerance_m), search_cap_m=cap,
        households_col=households_col, population_col=population_col, profile_id=profile_id,
        notes={"unsnapped_compounds": n_unsnapped,
               "unsnapped_facilities": int((~fac["snapped"]).sum()),
               "network": network.source, "crs": str(network.crs)},
    )


def _count_within(network: WalkNetwork, o_snap: pd.DataFrame, fs: pd.DataFrame,
                  access: np.ndarray, member: sp.csr_matrix, *, limit_m: float) -> np.ndarray:
    """Facilities within ``limit_m`` of each compound (via its best gate), without a dense
    compounds x facilities matrix: sparse OD (origins x facilities) within the limit, access
    distance added per origin, then OR-ed over each compound's origins."""
    od = od_costs(network, o_snap, fs, cutoff_m=limit_m).tocoo()
    keep = od.data + access[od.row] <= limit_m
    hit = sp.csr_matrix((np.ones(int(keep.sum())), (od.row[keep], od.col[keep])), shape=od.shape)
    per_compound = (member @ hit) > 0
    return np.asarray(per_compound.sum(axis=1)).ravel().astype(np.int64)


def _fmt(minutes: float) -> str:
    """Threshold as text for column names: 15.0 -> '15', 7.5 -> '7.5'."""
    return f"{minutes:g}"
