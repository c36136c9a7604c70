"""Households per community, size checks against the plan's bands, and adjustment proposals."""

from __future__ import annotations

from gis_planner.community.checks import CommunityCheck, ExplicitBands, check_communities
from gis_planner.community.classify import classify_communities
from gis_planner.community.counts import assign_compounds, count_households_by_community

__all__ = [
    "CommunityCheck",
    "ExplicitBands",
    "assign_compounds",
    "check_communities",
    "classify_communities",
    "count_households_by_community",
]
