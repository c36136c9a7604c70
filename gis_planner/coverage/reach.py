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
    require_points,
    require_positive_number,
    require_same_crs,
    require_unique_index,
)
from gis_planner.categories import known_categories
from gis_planner.coverage import columns
from gis_planner.network.snap import snap_points
from gis_planner.network.travel import (
    SnappedPoints,
    counts_within,
    distances_from_nodes,
    node_distances,
    od_costs,
    snapped_arrays,
)

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
        ``gate_id`` (the gate used for the most categories; None without gates), with gates
        ``c_gate_id`` (the gate of the best route per category), and ``completeness`` (share of
        ``required_categories`` covered).
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
    require_points(gates, what="gates")
    require_unique_index(gates, what="gates")
    known = gates["compound_id"].isin(compounds.index).to_numpy()
    if not known.all():
        orphans = gates.index[~known]
        warnings.warn(
            f"gates: {len(orphans)} gates name a compound_id not among the compounds "
            f"(e.g. gate {orphans[0]!r} -> {gates['compound_id'].iloc[int(np.argmin(known))]!r}); "
            "they are ignored. Check the compound_id column of the gates.",
            GisPlannerWarning, stacklevel=3)
    g = gates.loc[known]
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
        Compounds (Point, Polygon or MultiPolygon) with a household count column; index = ids.
    facilities
        Facility points with a ``category`` column (glossary identifiers); index = ids.
    speed_kmh
        Walking speed in km/h (GB 50180-2018's 15 minutes ≈ 800-1000 m means 3.2-4.0 km/h).
    walk_minutes
        Thresholds in minutes (inclusive); coverage is reported at each.
    headline_minutes
        The threshold in minutes that ``<c>_covered`` uses (default: the largest of
        ``walk_minutes``).
    category_minutes
        Per-category headline limits in minutes overriding ``headline_minutes`` (e.g. a
        kindergarten's 300 m radius at 4 km/h is 4.5 minutes).
    categories
        Categories to assess (default: every category present in ``facilities``, plus the
        required ones). A category without facilities leaves every household uncovered for it
        and warns.
    required_categories
        Categories counted in ``completeness`` (default: the assessed categories). Required
        categories missing from ``categories`` are assessed too.
    gates
        Gates (Points, index ``gate_id``) with a ``compound_id`` column; residents of gated
        compounds leave through them: straight line from the compound's representative point to
        the gate plus the network distance from the gate; the best gate wins per category.
    snap_tolerance_m
        Points farther than this (m, inclusive) from every road are excluded and reported.
    search_cap_m
        Longest distance searched in metres (access + network); default 1.5 × the largest limit.
        Distances beyond it are NaN.
    households_col, population_col
        Columns of ``compounds`` holding household counts (required, >= 0) and, optionally,
        population (for population-weighted summaries).
    count_within
        Count the facilities within the headline limit (``<c>_n_within``).
    profile_id
        The policy profile the parameters came from, kept in the result for reports.
    progress
        Show a progress bar over categories.

    Returns
    -------
    ReachResult
        ``households`` (a new GeoDataFrame: the compounds' index, CRS and columns plus the
        reach columns, see ``docs/reach.md``), ``facilities`` (with ``snapped``,
        ``snap_dist_m``, ``excluded_reason``) and the parameters.

    Raises
    ------
    InputDataError
        Unknown categories, bad household counts, duplicate ids, bad geometries, bad minutes.
    CRSError
        Layers not in the network's metric CRS.
    """
    params = _checked_parameters(
        network, compounds, facilities, speed_kmh=speed_kmh, walk_minutes=walk_minutes,
        headline_minutes=headline_minutes, category_minutes=category_minutes,
        categories=categories, required_categories=required_categories,
        snap_tolerance_m=snap_tolerance_m, search_cap_m=search_cap_m,
        households_col=households_col, population_col=population_col)
    snapped = _snap(network, compounds, facilities, gates, params)
    from tqdm.auto import tqdm

    new_cols: dict[str, np.ndarray] = {}
    best_gate: dict[str, np.ndarray] = {}
    no_facility: list[str] = []
    for c in tqdm(params.categories, desc="categories", disable=not progress):
        fs = snapped.facilities_of(c)
        if len(fs) == 0:
            _warn_no_facility(c, snapped, params, requested=categories is not None
                              and c in set(categories))
            no_facility.append(c)
            dist = np.full(snapped.n_compounds, np.inf)
            via = np.full(snapped.n_compounds, -1, dtype=np.int64)
        else:
            dist, via = _nearest(network, fs, snapped, cap_m=params.cap_m)
        if snapped.has_gates:
            best_gate[c] = via
        new_cols.update(_distance_columns(c, dist, params))
        if count_within:
            new_cols[columns.n_within_col(c)] = (
                _count_within(network, snapped, fs, limit_m=params.limits_m[c]) if len(fs)
                else np.zeros(snapped.n_compounds, dtype=np.int64))
        if snapped.has_gates:
            new_cols[columns.gate_col(c)] = np.where(via >= 0, snapped.o_gate[np.maximum(via, 0)],
                                                     np.array(None, dtype=object))
    out = _households_frame(compounds, snapped, new_cols, best_gate, params)
    fac = _facilities_frame(facilities, snapped, params)
    n_unsnapped, hh_unsnapped, n_fac_off = _log_unsnapped(compounds, snapped, params)
    return ReachResult(
        households=out, facilities=fac, categories=params.categories,
        walk_minutes=params.minutes, headline_minutes=params.headline_minutes,
        speed_kmh=float(speed_kmh), category_limits_m=params.limits_m,
        required_categories=params.required, snap_tolerance_m=float(snap_tolerance_m),
        search_cap_m=params.cap_m, households_col=households_col, population_col=population_col,
        profile_id=profile_id,
        notes={"unsnapped_compounds": n_unsnapped, "unsnapped_households": hh_unsnapped,
               "unsnapped_facilities": n_fac_off, "gates_used": snapped.has_gates,
               "categories_without_facilities": tuple(no_facility),
               "network": network.source, "crs": str(network.crs)},
    )


@dataclass(frozen=True)
class _Parameters:
    """The checked parameters of one :func:`reach` call."""

    categories: tuple[str, ...]
    required: tuple[str, ...]
    minutes: tuple[float, ...]
    headline_minutes: float
    limits_m: dict[str, float]
    cap_m: float
    speed_kmh: float
    snap_tolerance_m: float
    households_col: str


def _checked_parameters(
    network: WalkNetwork, compounds: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, *,
    speed_kmh: float, walk_minutes: Sequence[float], headline_minutes: float | None,
    category_minutes: Mapping[str, float] | None, categories: Sequence[str] | None,
    required_categories: Sequence[str] | None, snap_tolerance_m: float,
    search_cap_m: float | None, households_col: str, population_col: str | None,
) -> _Parameters:
    """Stage 1: check the layers and the numbers; the limits and the search cap in metres."""
    require_metric_crs(compounds, what="compounds")
    require_same_crs(compounds, network.edges, what_a="compounds", what_b="the network")
    require_metric_crs(facilities, what="facilities")
    require_same_crs(facilities, network.edges, what_a="facilities", what_b="the network")
    require_unique_index(compounds, what="compounds")
    require_unique_index(facilities, what="facilities")
    _require_compound_geometry(compounds)
    require_columns(compounds, [households_col], what="compounds")
    require_nonnegative_numbers(compounds, households_col, what="compounds")
    if population_col is not None:
        require_columns(compounds, [population_col], what="compounds")
        require_nonnegative_numbers(compounds, population_col, what="compounds")
    require_columns(facilities, ["category"], what="facilities")
    if len(facilities):
        require_points(facilities, what="facilities")
    if not speed_kmh > 0:
        raise InputDataError(f"speed_kmh must be > 0 km/h; got {speed_kmh}.")
    if not snap_tolerance_m >= 0:
        raise InputDataError(f"snap_tolerance_m must be >= 0 m; got {snap_tolerance_m}.")
    # finite numbers > 0 (NaN and inf would pass the comparisons and give silent answers)
    require_positive_number(speed_kmh, what="speed_kmh", unit="km/h")
    if not np.isfinite(snap_tolerance_m):
        raise InputDataError(f"snap_tolerance_m must be a finite number of metres; got {snap_tolerance_m}.")
    for name, value in (("search_cap_m", search_cap_m),
                        ("headline_minutes", headline_minutes), *(("walk_minutes", m) for m in walk_minutes),
                        *((f"category_minutes[{c!r}]", m) for c, m in (category_minutes or {}).items())):
        if value is not None:
            require_positive_number(value, what=name, unit="m" if name.endswith("_m") else "minutes")
    minutes = tuple(sorted({float(m) for m in walk_minutes}))
    if not minutes or minutes[0] <= 0:
        raise InputDataError(f"walk_minutes must be positive minutes; got {tuple(walk_minutes)}.")
    headline = float(headline_minutes) if headline_minutes is not None else minutes[-1]
    if headline <= 0:
        raise InputDataError(f"headline_minutes must be > 0; got {headline_minutes}.")
    cats, required = _categories(facilities, categories, required_categories)
    bad_minutes = {c: m for c, m in (category_minutes or {}).items() if not float(m) > 0}
    if bad_minutes:
        raise InputDataError(f"category_minutes must be > 0 minutes; got {bad_minutes}.")
    cat_minutes = {c: float((category_minutes or {}).get(c, headline)) for c in cats}
    limits = {c: _units.walk_distance_m(m, speed_kmh) for c, m in cat_minutes.items()}
    largest = max([*limits.values(), _units.walk_distance_m(minutes[-1], speed_kmh)])
    cap = float(search_cap_m) if search_cap_m is not None else SEARCH_CAP_FACTOR * largest
    if cap < largest:
        raise InputDataError(f"search_cap_m {cap:.0f} m is shorter than the largest limit "
                             f"{largest:.0f} m; raise it.")
    return _Parameters(cats, required, minutes, headline, limits, cap, float(speed_kmh),
                       float(snap_tolerance_m), households_col)


@dataclass(frozen=True)
class _Snapped:
    """Stage 2: where compounds (through their gates) and facilities join the network."""

    o_snap: pd.DataFrame  # one row per origin (a gate, or the compound's own point)
    o_arrays: SnappedPoints  # the origins' edge arrays, built once for all categories
    access_m: np.ndarray  # straight line from the compound point to the origin
    c_pos: np.ndarray  # compound position of every origin
    o_gate: np.ndarray  # gate id of every origin (None for a compound's own point)
    has_gates: bool
    member: sp.csr_matrix  # compounds x origins indicator
    snapped_any: np.ndarray  # per compound
    f_snap: pd.DataFrame
    f_codes: np.ndarray  # category of every facility

    @property
    def n_compounds(self) -> int:
        """Number of compounds."""
        return len(self.snapped_any)

    @property
    def one_origin_each(self) -> bool:
        """Whether origin ``i`` is compound ``i`` for every compound (no compound has several
        gates)."""
        return len(self.c_pos) == self.n_compounds and bool(
            np.array_equal(self.c_pos, np.arange(self.n_compounds)))

    def facilities_of(self, category: str) -> pd.DataFrame:
        """The snap rows of the category's facilities that reach the network."""
        return self.f_snap.loc[(self.f_codes == category) & self.f_snap["snapped"].to_numpy()]


def _snap(network: WalkNetwork, compounds: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame,
          gates: gpd.GeoDataFrame | None, params: _Parameters) -> _Snapped:
    """Stage 2: snap the origins (gates or compound points) and the facilities; refuse layers
    none of whose points reach the network."""
    tol = params.snap_tolerance_m
    origins = _origins(compounds, gates)
    o_gdf = gpd.GeoDataFrame(origins[["compound_pos"]], geometry=origins["geometry"].to_numpy(),
                             crs=compounds.crs)
    o_snap = snap_points(network, o_gdf, tolerance_m=tol)
    c_pos = origins["compound_pos"].to_numpy(np.int64)
    o_gate = origins["gate_id"].to_numpy(object).copy()
    o_gate[pd.isna(o_gate)] = None
    n_c = len(compounds)
    f_snap = snap_points(network, facilities, tolerance_m=tol)
    snapped_any = np.zeros(n_c, dtype=bool)
    np.logical_or.at(snapped_any, c_pos, o_snap["snapped"].to_numpy())
    _require_some_snapped(network, compounds, snapped_any, "compounds", tol)
    if len(facilities):
        _require_some_snapped(network, facilities, f_snap["snapped"].to_numpy(bool), "facilities",
                              tol)
    member = sp.csr_matrix((np.ones(len(c_pos)), (c_pos, np.arange(len(c_pos)))),
                           shape=(n_c, len(c_pos)))
    return _Snapped(o_snap=o_snap, o_arrays=snapped_arrays(network, o_snap),
                    access_m=origins["access_m"].to_numpy(float), c_pos=c_pos, o_gate=o_gate,
                    has_gates=bool(pd.notna(o_gate).any()), member=member,
                    snapped_any=snapped_any, f_snap=f_snap,
                    f_codes=facilities["category"].astype(str).to_numpy())


def _warn_no_facility(c: str, snapped: _Snapped, params: _Parameters, *, requested: bool) -> None:
    """A category without a facility on the network: warn (asked for, or all off the network)
    or log (only on the required list)."""
    n_off = int((snapped.f_codes == c).sum())
    tol = params.snap_tolerance_m
    msg = (f"category {c!r} has no facility on the network"
           + (f" ({n_off} lie farther than {tol:g} m from any road)" if n_off
              else " (none in the facilities)")
           + "; every household is uncovered for it.")
    if n_off or requested:
        warnings.warn(msg, GisPlannerWarning, stacklevel=3)
    else:  # only on the required list (e.g. a profile's): logged and kept in notes
        logger.warning("%s It is required for completeness; add its facilities to the input if "
                       "they exist.", msg)


def _nearest(network: WalkNetwork, fs: pd.DataFrame, snapped: _Snapped,
             *, cap_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Stage 3: metres from every compound to the category's nearest facility (inf beyond the
    cap) and the origin of the best route (-1 where none): one multi-source Dijkstra
    (compiled scipy; see network.travel), exact partial edges, the best origin per compound."""
    d_node = node_distances(network, fs, cutoff_m=cap_m)
    d_o = distances_from_nodes(network, d_node, fs, snapped.o_arrays, cutoff_m=cap_m)
    dist, via = _best_per_compound(d_o + snapped.access_m, snapped.c_pos, snapped.n_compounds)
    dist[dist > cap_m] = np.inf
    via[~np.isfinite(dist)] = -1
    return dist, via


def _distance_columns(c: str, dist: np.ndarray, params: _Parameters) -> dict[str, np.ndarray]:
    """Stage 4: the distance, minutes and coverage columns of one category."""
    finite = np.isfinite(dist)
    cols = {
        columns.dist_col(c): np.where(finite, dist, np.nan),
        columns.minutes_col(c): np.where(
            finite, _units.distance_to_minutes(dist, params.speed_kmh), np.nan),
        columns.covered_col(c): dist <= params.limits_m[c],
    }
    for m in params.minutes:
        cols[columns.covered_col(c, m)] = dist <= _units.walk_distance_m(m, params.speed_kmh)
    return cols


def _households_frame(compounds: gpd.GeoDataFrame, snapped: _Snapped,
                      new_cols: dict[str, np.ndarray], best_gate: dict[str, np.ndarray],
                      params: _Parameters) -> gpd.GeoDataFrame:
    """Stage 5: the compounds (same index, CRS, columns) plus the reach columns."""
    n_c = snapped.n_compounds
    snap_d = np.full(n_c, np.inf)
    np.fmin.at(snap_d, snapped.c_pos, snapped.o_snap["snap_dist_m"].to_numpy(float))
    base_cols: dict[str, np.ndarray] = {
        columns.SNAPPED: snapped.snapped_any,
        columns.SNAP_DIST_M: np.where(np.isfinite(snap_d), snap_d, np.nan),
        columns.N_GATES: np.bincount(snapped.c_pos[pd.notna(snapped.o_gate)],
                                     minlength=n_c).astype(np.int64),
        columns.GATE_ID: (_most_used_gate(best_gate, snapped.o_gate, n_c) if snapped.has_gates
                          else np.full(n_c, None, dtype=object)),
    }
    required = params.required
    covered = (np.column_stack([new_cols[columns.covered_col(c)] for c in required]) if required
               else np.zeros((n_c, 0), dtype=bool))
    tail = {columns.COMPLETENESS: covered.mean(axis=1) if covered.shape[1]
            else np.full(n_c, np.nan)}
    extra = pd.DataFrame({**base_cols, **new_cols, **tail}, index=compounds.index)
    gate_cols = {columns.GATE_ID, *(columns.gate_col(c) for c in params.categories)}
    for col in [c for c in extra.columns if c in gate_cols]:
        extra[col] = extra[col].astype("str")  # ids are strings; missing (no gate) is NA
    clash = [c for c in extra.columns if c in compounds.columns]
    if clash:
        logger.info("compounds: columns %s are replaced by the reach result", clash)
    out = pd.concat([compounds.drop(columns=clash), extra], axis=1)
    return gpd.GeoDataFrame(out, geometry=compounds.geometry.name, crs=compounds.crs)


def _facilities_frame(facilities: gpd.GeoDataFrame, snapped: _Snapped,
                      params: _Parameters) -> gpd.GeoDataFrame:
    """Stage 5: the facilities plus where they joined the network and why any is unused."""
    f_snap = snapped.f_snap
    f_ok = f_snap["snapped"].to_numpy()
    fac = facilities.copy()
    fac["snapped"] = f_ok
    fac["snap_dist_m"] = f_snap["snap_dist_m"].to_numpy()
    fac["edge"] = f_snap["edge"].to_numpy()
    fac["offset_m"] = f_snap["offset_m"].to_numpy()
    fac["excluded_reason"] = np.where(
        f_ok, "", f"farther than {params.snap_tolerance_m:g} m from any road")
    outside = ~np.isin(snapped.f_codes, params.categories)
    fac.loc[outside & f_ok, "excluded_reason"] = "category not assessed"
    return fac


def _log_unsnapped(compounds: gpd.GeoDataFrame, snapped: _Snapped,
                   params: _Parameters) -> tuple[int, float, int]:
    """Log the compounds and facilities left off the network; their numbers for the notes."""
    tol = params.snap_tolerance_m
    off = ~snapped.snapped_any
    n_unsnapped = int(off.sum())
    hh_unsnapped = float(pd.to_numeric(compounds[params.households_col]).to_numpy()[off].sum())
    if n_unsnapped:
        logger.warning("%d compounds (%g households) lie farther than %g m from any road and "
                       "are excluded from coverage", n_unsnapped, hh_unsnapped, tol)
    n_fac_off = int((~snapped.f_snap["snapped"].to_numpy()).sum())
    if n_fac_off:
        logger.warning("%d facilities lie farther than %g m from any road and are not used",
                       n_fac_off, tol)
    return n_unsnapped, hh_unsnapped, n_fac_off


def _require_some_snapped(network: WalkNetwork, points: gpd.GeoDataFrame, snapped: np.ndarray,
                          what: str, tolerance_m: float) -> None:
    """Refuse a layer none of whose points reach the network: a silent all-uncovered result
    would hide a wrong file or coordinate system."""
    if len(points) == 0 or bool(np.any(snapped)):
        return

    def _box(bounds: np.ndarray) -> str:
        return f"x {bounds[0]:.0f}..{bounds[2]:.0f}, y {bounds[1]:.0f}..{bounds[3]:.0f}"
    raise InputDataError(
        f"{what}: none of the {len(points)} {what} lies within {tolerance_m:g} m of the network "
        f"{network.source or ''} (they span {_box(points.total_bounds)}, the network spans "
        f"{_box(network.edges.total_bounds)}, metres in {network.crs.to_string()}). "
        "The network covers another area, or a layer's coordinate system is wrong: check the files and their declared "
        "coordinates (--coords / source_coords), or raise the snap tolerance.")


def _require_compound_geometry(compounds: gpd.GeoDataFrame) -> None:
    """Compounds must be non-empty Points, Polygons or MultiPolygons."""
    geom = compounds.geometry
    bad = (geom.isna() | geom.is_empty
           | ~geom.geom_type.isin(["Point", "Polygon", "MultiPolygon"])).to_numpy()
    if bad.any():
        kinds = sorted({str(t) for t in geom[bad].geom_type.fillna("missing")})
        first = ", ".join(str(i) for i in compounds.index[bad][:5])
        raise InputDataError(
            f"compounds: {int(bad.sum())} geometries are empty or not Point/Polygon/MultiPolygon "
            f"({', '.join(kinds)}; index {first}); give each compound a point or its outline.")


def _categories(facilities: gpd.GeoDataFrame, categories: Sequence[str] | None,
                required_categories: Sequence[str] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The assessed and the required categories, checked against the known identifiers."""
    known = set(known_categories())
    present = list(dict.fromkeys(facilities["category"].astype(str)))
    if isinstance(categories, str) or isinstance(required_categories, str):
        raise InputDataError("categories and required_categories take lists of identifiers, "
                             "not one string; write ['pharmacy'].")
    cats = list(dict.fromkeys(categories if categories is not None else present))
    required = list(dict.fromkeys(required_categories if required_categories is not None
                                  else cats))
    cats += [c for c in required if c not in cats]
    for what, values in (("categories", cats), ("facilities: column 'category'",
                                                present if categories is None else [])):
        unknown = [c for c in values if c not in known]
        if unknown:
            raise InputDataError(
                f"{what}: unknown categories {', '.join(map(repr, unknown))}; known: "
                f"{', '.join(sorted(known))}. Map source types to these identifiers first "
                "(gis_planner.io.read_facilities does it for Amap and OSM).")
    return tuple(cats), tuple(required)


def _best_per_compound(d_o: np.ndarray, c_pos: np.ndarray,
                       n_c: int) -> tuple[np.ndarray, np.ndarray]:
    """Smallest origin distance per compound and the origin giving it (-1 where none)."""
    dist = np.full(n_c, np.inf)
    via = np.full(n_c, -1, dtype=np.int64)
    if len(d_o) == 0:
        return dist, via
    if len(c_pos) == n_c and np.array_equal(c_pos, np.arange(n_c)):  # one origin each
        return d_o.copy(), np.arange(n_c, dtype=np.int64)
    order = np.lexsort((d_o, c_pos))
    first = np.ones(len(order), dtype=bool)
    first[1:] = c_pos[order][1:] != c_pos[order][:-1]
    pick = order[first]
    dist[c_pos[pick]] = d_o[pick]
    via[c_pos[pick]] = pick
    return dist, via


def _most_used_gate(best_gate: Mapping[str, np.ndarray], o_gate: np.ndarray,
                    n_c: int) -> np.ndarray:
    """Per compound, the gate on the best route for the most categories (ties: the gate used
    by the earliest category); None for compounds with no gate on any best route."""
    out = np.full(n_c, None, dtype=object)
    if not best_gate:
        return out
    via = np.column_stack(list(best_gate.values()))  # compounds x categories, origin or -1
    rows = np.repeat(np.arange(n_c), via.shape[1])
    order_in_cat = np.tile(np.arange(via.shape[1]), n_c)
    flat = via.ravel()
    ok = flat >= 0
    ok[ok] = pd.notna(o_gate[flat[ok]])
    if not ok.any():
        return out
    df = pd.DataFrame({"row": rows[ok], "origin": flat[ok], "first": order_in_cat[ok]})
    agg = df.groupby(["row", "origin"], sort=False).agg(n=("first", "size"),
                                                        first=("first", "min")).reset_index()
    agg = agg.sort_values(["row", "n", "first"], ascending=[True, False, True], kind="mergesort")
    top = agg.drop_duplicates("row")
    out[top["row"].to_numpy()] = o_gate[top["origin"].to_numpy()]
    return out


def _count_within(network: WalkNetwork, snapped: _Snapped, fs: pd.DataFrame, *,
                  limit_m: float) -> np.ndarray:
    """Stage 4 (optional): facilities within ``limit_m`` of each compound (via its best gate
    for each facility). The origin x facility pairs within the limit come from
    :func:`~gis_planner.network.travel.od_costs` (searches shared by distant facilities, one
    row of node distances each: nothing per facility, no dense block); the access distance is
    added per origin, then the pairs are OR-ed over each compound's origins. Where every
    compound has one origin (no gates, or one gate each) the counts come straight from
    :func:`~gis_planner.network.travel.counts_within` (the same searches, no pair list)."""
    if snapped.one_origin_each:
        return counts_within(network, snapped.o_arrays, fs, cutoff_m=limit_m,
                             origin_extra_m=snapped.access_m)
    od = od_costs(network, snapped.o_arrays, fs, cutoff_m=limit_m).tocoo()
    keep = od.data + snapped.access_m[od.row] <= limit_m
    hit = sp.csr_matrix((np.ones(int(keep.sum())), (od.row[keep], od.col[keep])), shape=od.shape)
    per_compound = (snapped.member @ hit) > 0
    return np.asarray(per_compound.sum(axis=1)).ravel().astype(np.int64)


_fmt = columns.minutes_label  # former name
