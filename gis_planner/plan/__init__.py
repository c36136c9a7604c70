"""The typed contracts between the stages of a plan run: its configuration (with its siting
jobs), its inputs and its results, and the strings of its outputs (:mod:`gis_planner.plan.i18n`).
Below both the report and the maps, so both read the same types and words; the stages
themselves live in :mod:`gis_planner.pipeline`."""

from __future__ import annotations

from gis_planner.plan.config import SITING_MODELS, PlanConfig, SitingJob, jobs_from_table
from gis_planner.plan.results import PlanInputs, PlanResults, SitingOutcome, new_sites

__all__ = ["SITING_MODELS", "PlanConfig", "PlanInputs", "PlanResults", "SitingJob", "SitingOutcome",
           "jobs_from_table", "new_sites"]
