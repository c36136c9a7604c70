"""Facility siting: LSCP, MCLP, p-median and p-center on HiGHS, candidates, demand and explanations.

Cost-matrix functions (:func:`p_median`, :func:`mclp`, :func:`lscp`, :func:`p_center`) work on
plain matrices in metres; the classes (:class:`MaxCoverageSiting`, :class:`CoverageSetSiting`,
:class:`PMedianSiting`, :class:`PCenterSiting`) build them from a walk network and GeoDataFrames
and return an immutable :class:`SitingResult`. See ``docs/siting.md``.
"""

from __future__ import annotations

from gis_planner.siting.candidates import (
    candidates_from_landuse,
    candidates_from_layer,
    candidates_from_underserved,
)
from gis_planner.siting.demand import (
    CENSUS_2020_PERSONS_PER_HOUSEHOLD,
    CENSUS_2020_SHARE_AGED_60_PLUS,
    demand_weights,
)
from gis_planner.siting.explain import explain_sites
from gis_planner.siting.matrix import SiteConstraints, SolveResult, lscp, mclp, p_center, p_median
from gis_planner.siting.models import (
    CoverageSetSiting,
    MaxCoverageSiting,
    PCenterSiting,
    PMedianSiting,
    SitingModel,
    SitingResult,
    elderly_centres_per_subdistrict,
)

__all__ = [
    "CENSUS_2020_PERSONS_PER_HOUSEHOLD",
    "CENSUS_2020_SHARE_AGED_60_PLUS",
    "CoverageSetSiting",
    "MaxCoverageSiting",
    "PCenterSiting",
    "PMedianSiting",
    "SiteConstraints",
    "SitingModel",
    "SitingResult",
    "SolveResult",
    "candidates_from_landuse",
    "candidates_from_layer",
    "candidates_from_underserved",
    "demand_weights",
    "elderly_centres_per_subdistrict",
    "explain_sites",
    "lscp",
    "mclp",
    "p_center",
    "p_median",
]
