"""Run a whole plan for the report: config -> read inputs -> every analysis -> :class:`PlanResults`.

No analysis logic lives here: inputs are read through :mod:`gis_planner.io`, planning numbers
come from the policy profile (:meth:`Profile.reach_parameters`), and ``coverage``,
``community``, ``siting`` and ``policy`` do the work.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from gis_planner import __version__
from gis_planner.config import PlanConfig

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlanResults:
    """Everything a plan run produced, with the config and profile that produced it.

    Attributes
    ----------
    config, profile
        The validated plan config and the loaded policy profile.
    network, compounds, gates, facilities, candidates, communities, subdistricts, attributes
        The inputs as read (all in the network's metric CRS).
    reach
        The :class:`~gis_planner.coverage.ReachResult` (None when not run).
    coverage
        Households covered per category (:func:`~gis_planner.coverage.coverage_summary`).
    worst
        The worst-served compounds (:func:`~gis_planner.coverage.worst_served`).
    service_areas
        Service-area polygons of the facilities of ``service_area_category``.
    community_check, community_proposals
        Community size check (a frame with ``status``) and boundary adjustment proposals.
    siting, elderly_siting
        MCLP proposal for ``analyses.siting.category``; elderly-care centres per sub-district.
    compliance
        The :class:`~gis_planner.policy.ComplianceResult`.
    steps
        Per step ``"ok"`` or ``"skipped: <reason>"``.
    versions
        Software versions used.
    """

    config: PlanConfig
    profile: Any
    network: Any
    compounds: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    gates: gpd.GeoDataFrame | None = None
    candidates: gpd.GeoDataFrame | None = None
    communities: gpd.GeoDataFrame | None = None
    subdistricts: gpd.GeoDataFrame | None = None
    attributes: pd.DataFrame | None = None
    reach: Any = None
    coverage: pd.DataFrame | None = None
    worst: pd.DataFrame | None = None
    service_areas: gpd.GeoDataFrame | None = None
    service_area_category: str | None = None
    community_check: pd.DataFrame | None = None
    community_proposals: pd.DataFrame | None = None
    siting: Any = None
    elderly_siting: Any = None
    compliance: Any = None
    steps: dict[str, str] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def crs(self) -> Any:
        """The metric CRS every layer is in."""
        return self.compounds.crs

    @property
    def map_category(self) -> str | None:
        """The category the household layer of the map is coloured by."""
        if self.reach is None:
            return None
        cat = self.config.analyses.get("reach", {}).get("map_category")
        if cat in self.reach.categories:
            return str(cat)
        req = [c for c in self.reach.required_categories if c in self.reach.categories]
        return req[0] if req else self.reach.categories[0]


def software_versions() -> dict[str, str]:
    """Versions of Python, gis_planner and the main libraries."""
    out = {"python": platform.python_version(), "gis_planner": __version__}
    for name in ("geopandas", "shapely", "pyproj", "scipy", "highspy", "folium", "matplotlib"):
        try:
            mod = importlib.import_module(name)
        except ImportError:  # pragma: no cover - all are dependencies
            out[name] = "absent"
            continue
        out[name] = str(getattr(mod, "__version__", "")) or "installed"
    return out


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` with those optional keyword arguments its signature accepts."""
    params = inspect.signature(fn).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return fn(*args, **kwargs)
    return fn(*args, **{k: v for k, v in kwargs.items() if k in params and v is not None})


def _as_frame(obj: Any) -> pd.DataFrame | None:
    """A community-check result as a frame (results may wrap it in ``.table``)."""
    if obj is None or isinstance(obj, pd.DataFrame):
        return obj
    for attr in ("table", "communities", "frame", "proposals"):
        val = getattr(obj, attr, None)
        if isinstance(val, pd.DataFrame):
            return val
    return None


def read_plan_inputs(cfg: PlanConfig) -> dict[str, Any]:
    """Read every input of ``cfg`` through :mod:`gis_planner.io`, in the network's metric CRS.

    Returns
    -------
    dict
        ``network``, ``compounds``, ``facilities`` and, when configured, ``gates``,
        ``candidates``, ``communities``, ``subdistricts``, ``attributes``.
    """
    from gis_planner import io

    spec = cfg.inputs
    net = io.read_network(spec["network"].path, metric_crs=cfg.metric_crs,
                          layer=spec["network"].layer)
    crs = net.crs
    out: dict[str, Any] = {"network": net}
    comp = spec["compounds"]
    compounds = io.read_compounds(comp.path, source_coords=comp.coords, metric_crs=crs,
                                  layer=comp.layer)
    f = spec["facilities"]
    out["facilities"] = io.read_facilities(f.path, source_coords=f.coords, metric_crs=crs,
                                           category_col=f.category_col, layer=f.layer)
    if "candidates" in spec:
        c = spec["candidates"]
        out["candidates"] = io.read_points(c.path, source_coords=c.coords, metric_crs=crs,
                                           layer=c.layer, id_aliases=("candidate_id", "id"),
                                           index_name="candidate_id")
    if "communities" in spec:
        out["communities"] = io.read_communities(spec["communities"].path, metric_crs=crs,
                                                 layer=spec["communities"].layer)
        com = out["communities"]
        if ("community_code" in compounds.columns and "subdistrict_code" not in compounds.columns
                and "subdistrict_code" in com.columns):
            compounds = compounds.copy()
            compounds["subdistrict_code"] = compounds["community_code"].map(
                com["subdistrict_code"])
    out["compounds"] = compounds
    if "gates" in spec:
        g = spec["gates"]
        out["gates"] = io.read_gates(g.path, compounds=compounds, source_coords=g.coords)
    if "subdistricts" in spec:
        out["subdistricts"] = io.read_subdistricts(spec["subdistricts"].path, metric_crs=crs,
                                                   layer=spec["subdistricts"].layer)
    if "community_attributes" in spec:
        from gis_planner.policy import read_community_attributes

        out["attributes"] = read_community_attributes(spec["community_attributes"].path)
    return out


def run_plan(cfg: PlanConfig, *, progress: bool = False) -> PlanResults:
    """Read the inputs of ``cfg`` and run every enabled analysis.

    Parameters
    ----------
    cfg
        A validated plan config (:func:`gis_planner.config.load_config`).
    progress
        Show tqdm progress bars (steps, and inside long steps).

    Returns
    -------
    PlanResults
        Inputs, results and the step log.

    Raises
    ------
    InputDataError, CRSError, PolicyError, InfeasibleError
        From the readers and the analyses, unchanged.
    """
    from tqdm.auto import tqdm

    from gis_planner import coverage
    from gis_planner.policy import load_profile

    profile = load_profile(cfg.profile)
    steps: dict[str, str] = {}
    bar = tqdm(total=5, desc="gis-planner", disable=not progress, unit="step")

    def tick(name: str) -> None:
        bar.set_postfix_str(name)
        bar.update(1)

    data = read_plan_inputs(cfg)
    tick("inputs")
    res: dict[str, Any] = {}
    net = data["network"]
    params = profile.reach_parameters()
    ropts = cfg.analyses["reach"]
    if ropts["enabled"]:
        present = set(data["facilities"]["category"].astype(str))
        cats = ropts.get("categories")
        if cats is None:
            cats = sorted(present)
        kwargs = dict(params)
        kwargs["required_categories"] = tuple(c for c in params["required_categories"]
                                              if c in cats)
        r = coverage.reach(net, data["compounds"], data["facilities"], categories=list(cats),
                           gates=data.get("gates"), progress=progress, **kwargs)
        res["reach"] = r
        res["coverage"] = coverage.coverage_summary(r)
        res["worst"] = coverage.worst_served(r, n=10, lang="zh")
        sa_cat = ropts.get("service_area_category") or ropts.get("map_category")
        if sa_cat is None and r.required_categories:
            sa_cat = r.required_categories[0]
        fac = data["facilities"]
        fac = fac[fac["category"] == sa_cat] if sa_cat else fac.iloc[0:0]
        if len(fac):
            _lines, polys = coverage.service_areas(
                net, fac, walk_minutes=params["category_minutes"].get(
                    sa_cat, params["headline_minutes"]), speed_kmh=params["speed_kmh"])
            res["service_areas"] = polys
            res["service_area_category"] = sa_cat
        steps["reach"] = "ok"
    else:
        steps["reach"] = "skipped: disabled"
    tick("reach")

    if cfg.analyses["communities"]["enabled"]:
        try:
            community = importlib.import_module("gis_planner.community")
            check = community.check_communities
        except (ModuleNotFoundError, AttributeError):
            steps["communities"] = "skipped: gis_planner.community is not available"
        else:
            chk = _call(check, data["communities"], data["compounds"],
                        bands=profile.community_bands, profile=profile, network=net,
                        gates=data.get("gates"))
            res["community_check"] = _as_frame(chk)
            prop = getattr(community, "propose_adjustments", None)
            if prop is not None:
                res["community_proposals"] = _as_frame(_call(
                    prop, chk, bands=profile.community_bands, profile=profile,
                    communities=data["communities"], compounds=data["compounds"], network=net))
            steps["communities"] = "ok"
    else:
        steps["communities"] = "skipped: disabled"
    tick("communities")

    sopts = cfg.analyses["siting"]
    if sopts["enabled"]:
        from gis_planner import siting

        cat = sopts.get("category") or (params["required_categories"] or [None])[0]
        minutes = params["category_minutes"].get(cat, params["headline_minutes"])
        model = siting.MaxCoverageSiting.from_network(
            net, data["compounds"], data["candidates"], walk_minutes=minutes,
            speed_kmh=params["speed_kmh"], facilities=data["facilities"], category=cat)
        res["siting"] = model.solve(n_sites=int(sopts.get("n_sites", 3)))
        if sopts.get("elderly_per_subdistrict", False) and data.get("subdistricts") is not None:
            ecat = str(sopts.get("elderly_category", "subdistrict_elderly_centre"))
            emin = params["category_minutes"].get(ecat, params["headline_minutes"])
            emodel = siting.MaxCoverageSiting.from_network(
                net, data["compounds"], data["candidates"], walk_minutes=emin,
                speed_kmh=params["speed_kmh"],
                weights=siting.demand_weights(data["compounds"], kind="elderly"),
                facilities=data["facilities"], category=ecat)
            res["elderly_siting"] = siting.elderly_centres_per_subdistrict(
                emodel, data["subdistricts"], category=ecat)
        steps["siting"] = "ok"
    else:
        steps["siting"] = "skipped: disabled"
    tick("siting")

    if cfg.analyses["compliance"]["enabled"]:
        from gis_planner.policy import check_compliance

        res["compliance"] = check_compliance(
            profile, communities=data.get("communities"), attributes=data.get("attributes"),
            reach=res.get("reach"), community_check=res.get("community_check"),
            facilities=data["facilities"], subdistricts=data.get("subdistricts"),
            siting=res.get("siting"))
        steps["compliance"] = "ok"
    else:
        steps["compliance"] = "skipped: disabled"
    tick("compliance")
    bar.close()
    logger.info("plan %s: %s", cfg.name, steps)
    return PlanResults(config=cfg, profile=profile, steps=steps, versions=software_versions(),
                       **data, **res)
