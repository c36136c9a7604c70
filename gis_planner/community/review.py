"""The community review a plan runs: the size check (:func:`~gis_planner.community.checks.check_sizes`)
with the adjustment proposals (:func:`~gis_planner.community.adjust.propose_adjustments`) attached.

It sits above both modules, so the check never imports the proposals that read it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gis_planner.community.adjust import propose_adjustments
from gis_planner.community.checks import CommunityCheck, check_sizes, with_proposal

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from gis_planner.community.bands import BandSource
    from gis_planner.community.counts import AssignRule


def check_communities(
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
    propose: bool = True,
    network: Any = None,
    facilities: gpd.GeoDataFrame | None = None,
    **proposal_options: Any,
) -> CommunityCheck:
    """Count households per community, classify it, check it against its band and propose
    adjustments for the communities outside it.

    Parameters
    ----------
    communities, compounds, bands, urban, urban_high_rise, rural, assign, gates, attributes
        As :func:`~gis_planner.community.checks.check_sizes`.
    service_area_m2_per_100_households, workers_per_10k_urban_residents
        Ratio targets (inclusive), as :func:`~gis_planner.community.checks.check_sizes`;
        :func:`~gis_planner.community.checks.ratio_targets` reads them from a profile.
    straddle_tolerance_m2, high_rise_floors, high_rise_threshold
        As :func:`~gis_planner.community.checks.check_sizes` (m², floors, share 0–1).
    propose
        Also propose adjustments for communities outside their band
        (:func:`~gis_planner.community.adjust.propose_adjustments`); False returns the check
        alone.
    network, facilities, **proposal_options
        Passed to :func:`~gis_planner.community.adjust.propose_adjustments`.

    Returns
    -------
    CommunityCheck
        With ``adjustment`` (and ``max_walk_m``, ``centre_kind`` per community) when
        ``propose`` is true.

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
    check = check_sizes(
        communities, compounds, bands=bands, urban=urban, urban_high_rise=urban_high_rise,
        rural=rural, assign=assign, gates=gates, attributes=attributes,
        service_area_m2_per_100_households=service_area_m2_per_100_households,
        workers_per_10k_urban_residents=workers_per_10k_urban_residents,
        straddle_tolerance_m2=straddle_tolerance_m2, high_rise_floors=high_rise_floors,
        high_rise_threshold=high_rise_threshold)
    if not propose:
        return check
    adj = propose_adjustments(check, network=network, facilities=facilities, **proposal_options)
    return with_proposal(check, adj)


__all__ = ["check_communities"]
