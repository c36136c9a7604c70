"""What a plan run reads and what it finds: the contract between the pipeline and the report
and map builders (no ``Any`` fields, no alias probing)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from gis_planner.plan.config import PlanConfig, SitingJob

if TYPE_CHECKING:
    from gis_planner.centres.plan import CentrePlan
    from gis_planner.community.checks import CommunityCheck
    from gis_planner.coverage.parameters import ReachParameters
    from gis_planner.coverage.reach import ReachResult
    from gis_planner.elderly.assess import ElderlyResult
    from gis_planner.grids import AuditResult, CrosswalkResult, GridResult
    from gis_planner.network.graph import WalkNetwork
    from gis_planner.policy.compliance import ComplianceResult
    from gis_planner.policy.profile import Profile
    from gis_planner.siting.models import SitingResult


@dataclass(frozen=True)
class PlanInputs:
    """Every input layer of a plan, read and in the network's metric CRS.

    ``facility_audit``: one row per input facility row (category, or why it was dropped), when
    the facilities were read with an audit; ``sources``: input key -> file name. ``spaces``
    (the idle-space inventory of ``[centres]``), ``buildings``, ``existing_grids`` and
    ``department_grids`` (of ``[grids]``) are read only when the plan asks for them.
    """

    network: WalkNetwork
    compounds: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    gates: gpd.GeoDataFrame | None = None
    communities: gpd.GeoDataFrame | None = None
    subdistricts: gpd.GeoDataFrame | None = None
    candidates: gpd.GeoDataFrame | None = None
    attributes: pd.DataFrame | None = None
    facility_audit: pd.DataFrame | None = None
    sources: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    spaces: gpd.GeoDataFrame | None = None
    buildings: gpd.GeoDataFrame | None = None
    existing_grids: gpd.GeoDataFrame | None = None
    department_grids: gpd.GeoDataFrame | None = None


def new_sites(result: SitingResult) -> gpd.GeoDataFrame:
    """The newly proposed (not existing) rows of a siting result's ``chosen``."""
    ch = result.chosen
    return ch[~ch["existing"].astype(bool)] if "existing" in ch.columns else ch


@dataclass(frozen=True)
class SitingOutcome:
    """One siting job and what it gave: ``result`` (None when it could not run), ``note`` (why
    not, or a warning) and ``planned`` (the elderly-care stage's sites it counted as built)."""

    job: SitingJob
    result: SitingResult | None
    note: str = ""
    #: sites proposed by the elderly-care stage that this job counted as built
    planned: tuple[str, ...] = ()
    #: every unit already has (or, with ``planned``, is proposed) what the job sites: nothing to site
    served: bool = False


@dataclass(frozen=True)
class PlanResults:
    """Everything a report and a map show, with the inputs, profile and walking assumptions
    that produced it.

    ``elderly``, ``centres`` and ``grids`` (with ``grid_audit`` and ``grid_crosswalk``) hold the
    elderly-care assessment, the neighbourhood-centre plan and the governance grids when the plan
    config asks for them (``[elderly]``, ``[centres]``, ``[grids]``), else None.
    """

    config: PlanConfig
    inputs: PlanInputs
    profile: Profile
    parameters: ReachParameters
    reach: ReachResult
    coverage: pd.DataFrame
    coverage_by_subdistrict: pd.DataFrame | None
    completeness: pd.DataFrame
    worst_served: pd.DataFrame
    community_check: CommunityCheck | None
    compliance: ComplianceResult
    siting: tuple[SitingOutcome, ...]
    service_areas: gpd.GeoDataFrame | None
    notes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    elderly: ElderlyResult | None = None
    centres: CentrePlan | None = None
    grids: GridResult | None = None
    grid_audit: AuditResult | None = None
    grid_crosswalk: CrosswalkResult | None = None

    def siting_of(self, model: str) -> SitingOutcome | None:
        """The first siting outcome of ``model`` (``mclp``, ``per-subdistrict`` …), or None."""
        return next((s for s in self.siting if s.job.model == model), None)

    @property
    def siting_elderly(self) -> SitingResult | None:
        """The per-sub-district elderly-care centre job's result (None without it)."""
        s = self.siting_of("per-subdistrict")
        return s.result if s is not None else None

    @property
    def siting_mclp(self) -> SitingResult | None:
        """The first maximum-coverage job's result (None without it)."""
        s = self.siting_of("mclp")
        return s.result if s is not None else None
