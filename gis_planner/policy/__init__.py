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
    read_community_attributes,
    write_compliance,
)
from gis_planner.policy.profile import (
    CommunityBands,
    FacilityRule,
    FieldInfo,
    Indicator,
    LifeCircle,
    LivingCircle,
    Profile,
    ProgrammeTarget,
    Quantity,
    known_fields,
    list_profiles,
    load_profile,
)
from gis_planner.policy.template import write_attribute_template

__all__ = [
    "CommunityBands",
    "ComplianceResult",
    "FacilityRule",
    "FieldInfo",
    "Indicator",
    "LifeCircle",
    "LivingCircle",
    "Profile",
    "ProgrammeTarget",
    "Quantity",
    "check_compliance",
    "known_fields",
    "list_profiles",
    "load_profile",
    "read_community_attributes",
    "write_attribute_template",
    "write_compliance",
]
