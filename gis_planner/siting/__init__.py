"""Facility siting: LSCP, MCLP, p-median and p-center on HiGHS, candidates, demand and explanations.

Cost-matrix functions (:func:`p_median`, :func:`mclp`, :func:`lscp`, :func:`p_center`) work on
plain matrices in metres; the classes in :mod:`gis_planner.siting.models` build those matrices
from a walk network and GeoDataFrames. See ``docs/siting.md``.
"""

from __future__ import annotations

from gis_planner.siting.matrix import SolveResult, lscp, mclp, p_center, p_median

__all__ = ["SolveResult", "lscp", "mclp", "p_center", "p_median"]
