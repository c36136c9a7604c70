"""The elderly-care network: elderly demand, accessibility scores (2SFCA), the hierarchy of
levels with capacities, capacitated siting and floor-area gaps.

Entry point for a whole assessment: :func:`assess_elderly_care`; the pieces are public too.
"""

from __future__ import annotations

from gis_planner.elderly.assess import ElderlyResult, assess_elderly_care
from gis_planner.elderly.capacity import CapacitatedSitingResult, capacitated_siting
from gis_planner.elderly.demand import elderly_demand
from gis_planner.elderly.fca import gaussian_weight, two_step_fca
from gis_planner.elderly.floor_area import floor_area_gaps
from gis_planner.elderly.hierarchy import facility_capacity, level_assessment

__all__ = [
    "CapacitatedSitingResult",
    "ElderlyResult",
    "assess_elderly_care",
    "capacitated_siting",
    "elderly_demand",
    "facility_capacity",
    "floor_area_gaps",
    "gaussian_weight",
    "level_assessment",
    "two_step_fca",
]
