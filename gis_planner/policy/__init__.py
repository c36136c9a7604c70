"""Machine-readable planning policy profiles and the indicator compliance check.

Profiles live in ``policy/data/*.toml`` (one planning document each, every number with its
clause and status); :func:`load_profile` reads, merges (inheritance) and validates them.
:func:`~gis_planner.policy.compliance.check_compliance` compares community data against a
profile's indicators.

>>> from gis_planner.policy import load_profile
>>> load_profile("taizhou-2023").indicator("activity_area_share").target
70.0
"""

from __future__ import annotations

from gis_planner.policy.compliance import (
    ComplianceResult,
    check_compliance,
    community_size_table,
    headline_table,
    profiles_for_communities,
    read_community_attributes,
    tier_table,
    write_compliance,
)
from gis_planner.policy.profile import (
    CircleLevel,
    CommunityBands,
    FacilityRule,
    FieldInfo,
    Indicator,
    LevelElement,
    LifeCircle,
    LivingCircle,
    Profile,
    ProgrammeTarget,
    Quantity,
    known_fields,
    list_profiles,
    load_profile,
    unit_word,
)
from gis_planner.policy.template import write_attribute_template

__all__ = [
    "CircleLevel",
    "CommunityBands",
    "ComplianceResult",
    "FacilityRule",
    "FieldInfo",
    "Indicator",
    "LevelElement",
    "LifeCircle",
    "LivingCircle",
    "Profile",
    "ProgrammeTarget",
    "Quantity",
    "check_compliance",
    "community_size_table",
    "headline_table",
    "known_fields",
    "list_profiles",
    "load_profile",
    "profiles_for_communities",
    "read_community_attributes",
    "tier_table",
    "unit_word",
    "write_attribute_template",
    "write_compliance",
]
