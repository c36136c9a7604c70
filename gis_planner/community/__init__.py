"""Households per community, size checks against the plan's bands, and adjustment proposals.

Typical use::

    from gis_planner.community import check_communities, ratio_targets
    from gis_planner.policy import load_profile

    profile = load_profile("taizhou-2023")
    check = check_communities(communities, compounds, bands=profile.community_bands,
                              **ratio_targets(profile), attributes=attrs, network=net)
    check.table      # households, band, status, deviation per community
    check.changes    # split / merge / transfer per out-of-band community, or the reason none exists
    check.proposed   # the proposed communities (polygons)
"""

from __future__ import annotations

from gis_planner.community.adjust import AdjustmentProposal, propose_adjustments
from gis_planner.community.bands import BandSource, ExplicitBands
from gis_planner.community.checks import CommunityCheck, check_sizes, ratio_targets
from gis_planner.community.classify import NBS_CODES, NBS_URBAN_CODES, classify_communities
from gis_planner.community.counts import (
    HouseholdCounts,
    assign_compounds,
    count_households_by_community,
)
from gis_planner.community.review import check_communities

__all__ = [
    "NBS_CODES",
    "NBS_URBAN_CODES",
    "AdjustmentProposal",
    "BandSource",
    "CommunityCheck",
    "ExplicitBands",
    "HouseholdCounts",
    "assign_compounds",
    "check_communities",
    "check_sizes",
    "classify_communities",
    "count_households_by_community",
    "propose_adjustments",
    "ratio_targets",
]
