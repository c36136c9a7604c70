"""Neighbourhood centres in existing buildings (存量空间): fit service bundles into idle spaces.

:func:`plan_centres` chooses spaces from an inventory (:func:`gis_planner.io.read_spaces`) and the
functions each holds, to bring the most households (or elderly, children) within each function's
walking limit and close each community's floor-area gap, within a number of sites or a budget.
"""

from __future__ import annotations

from gis_planner.centres.model import CentreProblem, CentreSolution, solve_centres
from gis_planner.centres.plan import CentrePlan, plan_centres

__all__ = ["CentrePlan", "CentreProblem", "CentreSolution", "plan_centres", "solve_centres"]
