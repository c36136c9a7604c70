"""Community size checks against household bands, and the service-area and worker ratios.

:func:`check_sizes` checks; :func:`gis_planner.community.check_communities` (in
:mod:`gis_planner.community.review`) checks and attaches the adjustment proposals of
:mod:`gis_planner.community.adjust`, which reads this module's :class:`CommunityCheck` (so this
module never imports it)."""

from __future__ import annotations

import dataclasses
import logging
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gis_planner._errors import GisPlannerWarning, InputDataError, PolicyError
from gis_planner._validate import require_columns
from gis_planner.community.bands import BandSource, resolve_bands
from gis_planner.community.classify import classify_communities
from gis_planner.community.counts import AssignRule, HouseholdCounts, count_households_by_community

if TYPE_CHECKING:
    from gis_planner.community.adjust import AdjustmentProposal

logger = logging.getLogger(__name__)

STATUSES = ("too_small", "within_band", "too_large", "unclassified")
#: Profile indicators that give the ratio targets (see :func:`ratio_targets`).
AREA_INDICATOR = "service_area_m2_per_100_households"
WORKER_INDICATOR = "community_workers_per_10k_urban_residents"


@dataclass(frozen=True)
class CommunityCheck:
    """Outcome of :func:`check_communities`.

    Attributes
    ----------
    table
        One row per community: ``community_code``, ``name``, ``subdistrict_code``,
        ``urban_rural`` and ``urban_rural_rule``, ``high_rise`` and ``high_rise_rule``,
        ``households``, ``compounds``, ``straddling_compounds``, ``high_rise_share``,
        ``band_min``, ``band_max`` (households, inclusive), ``status`` (``too_small``,
        ``within_band``, ``too_large`` or ``unclassified``), ``deviation_households`` (below the
        floor: negative; above the ceiling: positive; else 0) and ``deviation_pct`` (per cent of
        the bound crossed); with attributes, ``service_area_m2_per_100_households``,
        ``community_workers_per_10k_urban_residents`` and, with targets, ``service_area_ok`` /
        ``community_workers_ok``; with a proposal, ``max_walk_m`` (before).
    communities
        The communities (polygons, index ``community_code``) with the same columns.
    counts
        The household counts and compound assignment (:class:`HouseholdCounts`).
    compounds
        The compounds checked (the input, unchanged).
    bands
        Where the bands came from (a profile's ``community_bands`` or :class:`ExplicitBands`).
    adjustment
        The proposals (:class:`~gis_planner.community.adjust.AdjustmentProposal`), or None
        without them (:func:`check_sizes`, or ``check_communities(..., propose=False)``).
    """

    table: pd.DataFrame
    communities: gpd.GeoDataFrame
    counts: HouseholdCounts
    compounds: gpd.GeoDataFrame
    bands: Any
    adjustment: AdjustmentProposal | None = None

    @property
    def assign(self) -> str:
        """The rule that assigned compounds on a boundary."""
        return self.counts.assign

    @property
    def straddling(self) -> pd.DataFrame:
        """Compounds overlapping more than one community (see :class:`HouseholdCounts`)."""
        return self.counts.straddling

    @property
    def assignment(self) -> pd.DataFrame:
        """Per compound: current ``community_code`` and, with a proposal, ``proposed_code``."""
        if self.adjustment is not None:
            return self.adjustment.assignment
        return self.counts.assignment

    @property
    def proposed(self) -> gpd.GeoDataFrame | None:
        """Proposed communities, or None without a proposal."""
        return self.adjustment.proposed if self.adjustment is not None else None

    @property
    def changes(self) -> pd.DataFrame | None:
        """One row per community a proposal changes or cannot fix, or None without one."""
        return self.adjustment.changes if self.adjustment is not None else None

    @property
    def distance_kind(self) -> str | None:
        """``network`` or ``straight line`` (the proposal's walking distances)."""
        return self.adjustment.distance_kind if self.adjustment is not None else None


def ratio_targets(profile: Any) -> dict[str, float]:
    """The ratio targets of a profile, as keyword arguments of :func:`check_communities`.

    Reads the indicators ``service_area_m2_per_100_households`` (m² per 100 households) and
    ``community_workers_per_10k_urban_residents`` (workers per 10,000 urban residents); a
    profile without one simply leaves that target out.

    Examples
    --------
    >>> from gis_planner.policy import load_profile
    >>> ratio_targets(load_profile("taizhou-2023"))
    {'service_area_m2_per_100_households': 30.0, 'workers_per_10k_urban_residents': 18.0}
    """
    out: dict[str, float] = {}
    for ind_id, kw in ((AREA_INDICATOR, "service_area_m2_per_100_households"),
                       (WORKER_INDICATOR, "workers_per_10k_urban_residents")):
        try:
            ind = profile.indicator(ind_id)
        except PolicyError:
            continue
        if ind.target is not None:
            out[kw] = float(ind.target)
    return out


def _subdistricts(com: gpd.GeoDataFrame) -> pd.Series:
    """Sub-district of each community: the column, else the first 9 digits of a 12-digit NBS
    code (统计用区划代码: province 2, city 2, county 2, township/sub-district 3, village 3)."""
    idx = com.index.astype(str)
    if "subdistrict_code" in com.columns:
        s = com["subdistrict_code"].astype(object).where(com["subdistrict_code"].notna(), None)
        s = pd.Series([None if v is None or str(v).strip() == "" else str(v).strip() for v in s],
                      index=com.index, dtype=object)
    else:
        s = pd.Series(None, index=com.index, dtype=object)
    derive = s.isna().to_numpy() & np.asarray(idx.str.fullmatch(r"\d{12}"), dtype=bool)
    if derive.any():
        s[derive] = [c[:9] for c in idx[derive]]
        logger.info("sub-district of %d communities taken from their 12-digit codes",
                    int(derive.sum()))
    if s.isna().any():
        warnings.warn(
            f"communities: {int(s.isna().sum())} communities have no subdistrict_code and no "
            "12-digit NBS code; proposals treat them as one sub-district. Add a "
            "'subdistrict_code' column to keep adjustments inside each 街道/乡镇.",
            GisPlannerWarning, stacklevel=3)
    return s


def _ratio_checks(com: pd.DataFrame, attributes: pd.DataFrame, area_target: float | None,
                  worker_target: float | None) -> pd.DataFrame:
    attrs = pd.DataFrame(attributes).copy()
    if "community_code" in attrs.columns:
        attrs = attrs.set_index("community_code")
    attrs.index = attrs.index.astype(str)
    if attrs.index.duplicated().any():
        dup = attrs.index[attrs.index.duplicated()].unique()
        raise InputDataError(f"community attributes: duplicate community codes "
                             f"({', '.join(dup[:5])}); give one row per community.")
    out = com.copy()
    idx = out.index.astype(str)
    hh = out["households"].astype(float)
    if "service_area_m2" in attrs.columns:
        area = pd.to_numeric(attrs["service_area_m2"], errors="coerce").reindex(idx).to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            v = np.where(hh.to_numpy() > 0, area / hh.to_numpy() * 100.0, np.nan)
        out["service_area_m2_per_100_households"] = v
        if area_target is not None:
            out["service_area_ok"] = pd.array(np.where(np.isnan(v), np.array(None, dtype=object), v >= area_target),
                                              dtype="boolean")
    if "community_workers" in attrs.columns:
        workers = pd.to_numeric(attrs["community_workers"], errors="coerce").reindex(idx)
        pop = pd.Series(np.nan, index=idx)
        if "urban_resident_population" in attrs.columns:
            pop = pd.to_numeric(attrs["urban_resident_population"], errors="coerce").reindex(idx)
        if "resident_population" in attrs.columns:
            res = pd.to_numeric(attrs["resident_population"], errors="coerce").reindex(idx)
            urban = (out["urban_rural"] == "urban").to_numpy()
            pop = pop.where(pop.notna() | ~urban, res)
        if pop.notna().any():
            p = pop.to_numpy(dtype=float)
            with np.errstate(invalid="ignore", divide="ignore"):
                v = np.where(p > 0, workers.to_numpy(dtype=float) / p * 10_000.0, np.nan)
            out["community_workers_per_10k_urban_residents"] = v
            if worker_target is not None:
                out["community_workers_ok"] = pd.array(
                    np.where(np.isnan(v), np.array(None, dtype=object), v >= worker_target), dtype="boolean")
    return out


def check_sizes(
    communities: gpd.GeoDataFrame,
    compounds: gpd.GeoDataFrame,
    *,
    bands: BandSource | None = None,
    urban: tuple[int, int] | None = None,
    urban_high_rise: tuple[int, int] | None = None,
    rural: tuple[int, int] | None = None,
    assign: AssignRule = "centroid",
    gates: gpd.GeoDataFrame | None = None,
    attributes: pd.DataFrame | None = None,
    service_area_m2_per_100_households: float | None = None,
    workers_per_10k_urban_residents: float | None = None,
    straddle_tolerance_m2: float = 100.0,
    high_rise_floors: int = 10,
    high_rise_threshold: float = 0.5,
) -> CommunityCheck:
    """Count households per community, classify it, and check it against its band (no
    adjustment proposals: :func:`gis_planner.community.check_communities` adds them).

    Parameters
    ----------
    communities
        Community polygons (index ``community_code``) with ``name``; ``subdistrict_code``,
        ``urban_rural``, ``high_rise`` and an NBS code column where known (see
        :func:`~gis_planner.community.classify.classify_communities`). Metric CRS.
    compounds
        Compounds (points or polygons, index ``compound_id``) with ``households``; optional
        ``floors`` / ``high_rise``. Same CRS.
    bands
        An object with ``band_for(urban_rural, high_rise) -> (min, max)`` households, e.g.
        ``gis_planner.policy.load_profile("taizhou-2023").community_bands``. Or give
    urban, urban_high_rise, rural
        ``(min, max)`` households per type, both inclusive (all three, and not with ``bands``).
    assign
        Rule for compounds on a boundary: ``centroid``, ``area`` or ``gate`` (see
        :func:`~gis_planner.community.counts.assign_compounds`).
    gates
        Compound gates (required for ``assign="gate"``).
    attributes
        Community attribute table (``community_code`` column or index) with
        ``service_area_m2`` (m² of community service facility floor area), ``community_workers``
        (persons) and ``urban_resident_population`` (persons; or ``resident_population``, used
        for urban communities only) — from :func:`gis_planner.policy.read_community_attributes`.
    service_area_m2_per_100_households
        Target (inclusive) of service facility area per 100 households, e.g. 30; None reports
        the ratio without pass/fail. :func:`ratio_targets` reads it from a profile.
    workers_per_10k_urban_residents
        Target (inclusive) of community workers per 10,000 urban residents, e.g. 18.
    straddle_tolerance_m2
        Overlap (m², exclusive) from which a compound overlaps a community.
    high_rise_floors
        Floors (inclusive) of a high-rise building (GB 50096-2011: 10).
    high_rise_threshold
        Share (0–1, inclusive) of households in high-rise compounds that makes a community
        high-rise when its ``high_rise`` value is missing.

    Returns
    -------
    CommunityCheck

    Raises
    ------
    InputDataError
        Missing or conflicting bands; bad households, urban/rural values or NBS codes; a gate
        rule without gates.
    CRSError
        Inputs in different or non-metric CRSs.
    InfeasibleError
        Never for an out-of-band community: those get a per-community reason instead.
    """
    band_src = resolve_bands(bands, urban=urban, urban_high_rise=urban_high_rise, rural=rural)
    if "name" not in communities.columns:
        communities = communities.assign(name="")
    counts = count_households_by_community(
        compounds, communities, assign=assign, gates=gates,
        straddle_tolerance_m2=straddle_tolerance_m2, high_rise_floors=high_rise_floors)
    com = classify_communities(counts.communities,
                               high_rise_share=counts.communities["high_rise_share"]
                               .set_axis(counts.communities.index.astype(str)),
                               high_rise_threshold=high_rise_threshold)
    com["subdistrict_code"] = _subdistricts(com)
    lo = np.full(len(com), np.nan)
    hi = np.full(len(com), np.nan)
    for i, (ur, hr) in enumerate(zip(com["urban_rural"], com["high_rise"], strict=True)):
        if ur in ("urban", "rural"):
            lo[i], hi[i] = band_src.band_for(ur, bool(hr))
    com["band_min"], com["band_max"] = lo, hi
    h = com["households"].to_numpy(dtype=float)
    status = np.where(np.isnan(lo), "unclassified",
                      np.where(h < lo, "too_small", np.where(h > hi, "too_large", "within_band")))
    com["status"] = status
    dev = np.where(status == "too_small", h - lo, np.where(status == "too_large", h - hi, 0.0))
    com["deviation_households"] = dev
    with np.errstate(invalid="ignore", divide="ignore"):
        ref = np.where(status == "too_small", lo, hi)
        com["deviation_pct"] = np.where(np.isin(status, ("too_small", "too_large")),
                                        100.0 * dev / np.where(ref > 0, ref, np.nan), 0.0)
    com.loc[status == "unclassified", "deviation_pct"] = np.nan
    if attributes is not None:
        com = _ratio_checks(com, attributes, service_area_m2_per_100_households,
                            workers_per_10k_urban_residents)
    n_un = int((status == "unclassified").sum())
    if n_un:
        warnings.warn(
            f"communities: {n_un} communities could not be classified urban/rural "
            f"({', '.join(map(str, com.index[status == 'unclassified'][:5]))}); fill their "
            "'urban_rural' column (urban/rural) or an NBS code column 'urban_rural_code'.",
            GisPlannerWarning, stacklevel=2)
    com = com[[c for c in com.columns if c != com.geometry.name] + [com.geometry.name]]
    check = CommunityCheck(table=_table(com), communities=com, counts=counts,
                           compounds=compounds, bands=band_src)
    logger.info("%d communities checked: %s", len(com),
                ", ".join(f"{k} {v}" for k, v in pd.Series(status).value_counts().items()))
    return check


def with_proposal(check: CommunityCheck, adj: AdjustmentProposal) -> CommunityCheck:
    """The check with the proposal ``adj`` attached and its ``max_walk_m`` and ``centre_kind``
    (before the adjustment) added to the communities, as
    :func:`gis_planner.community.check_communities` returns it."""
    com2 = check.communities.copy()
    before = adj.current[["max_walk_m", "centre_kind"]].reindex(com2.index)
    com2["max_walk_m"] = before["max_walk_m"].to_numpy()
    com2["centre_kind"] = before["centre_kind"].to_numpy()
    com2 = com2[[c for c in com2.columns if c != com2.geometry.name] + [com2.geometry.name]]
    return dataclasses.replace(check, table=_table(com2), communities=com2, adjustment=adj)


def _table(com: gpd.GeoDataFrame) -> pd.DataFrame:
    cols = [c for c in com.columns if c != com.geometry.name]
    table = pd.DataFrame(com[cols]).copy()
    table.insert(0, "community_code", com.index.astype(str).to_numpy())
    return table.reset_index(drop=True)


def require_check(check: Any) -> CommunityCheck:
    """Raise :class:`InputDataError` unless ``check`` is a :class:`CommunityCheck`."""
    if not isinstance(check, CommunityCheck):
        raise InputDataError(f"expected the result of check_communities (a CommunityCheck); got "
                             f"{type(check).__name__}.")
    require_columns(check.communities, ["status", "band_min", "band_max", "subdistrict_code"],
                    what="community check")
    return check


__all__ = ["STATUSES", "CommunityCheck", "check_sizes", "ratio_targets", "require_check", "with_proposal"]
