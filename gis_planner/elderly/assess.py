"""The whole elderly-care assessment: demand, levels, scores, shortfalls, structure checks,
floor-area gaps and (with candidate sites) capacitated siting, from validated layers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from gis_planner._errors import InputDataError
from gis_planner._validate import require_columns, require_same_crs
from gis_planner.community.units import unit_codes
from gis_planner.coverage.costs import compound_costs
from gis_planner.elderly.capacity import CapacitatedSitingResult, Objective, capacitated_siting
from gis_planner.elderly.demand import elderly_demand
from gis_planner.elderly.fca import gaussian_weight
from gis_planner.elderly.floor_area import floor_area_gaps
from gis_planner.elderly.hierarchy import facility_capacity, level_assessment, summarise_levels
from gis_planner.network.graph import WalkNetwork
from gis_planner.policy.elderly import ElderlyStandard, load_elderly_standard

#: Accepted names of a facility's floor-area column (m²).
AREA_ALIASES = ("area_m2", "floor_area_m2", "建筑面积", "面积")
#: Accepted names of a compound's new residential floor area column (m², new projects only).
NEW_AREA_ALIASES = ("new_residential_floor_area_m2", "新建住宅建筑面积")
HealthRule = Literal["constraint", "check", "off"]
Decay = Literal["step", "gaussian"]


@dataclass(frozen=True)
class ElderlyResult:
    """Everything the elderly-care assessment found, with the standard that produced it.

    ``compounds``: the input compounds (index, geometry, ``community_code``/``subdistrict_code``
    where known) plus demand columns and, per level ``<L>``, ``<L>_covered``, ``<L>_walk_m``,
    ``<L>_places_per_1000``, ``<L>_shortfall``. ``facilities``: elderly-care facilities with
    ``level``, ``capacity``, ``capacity_source`` and ``health_walk_m``/``health_ok``.
    ``levels``: totals per level; ``by_community`` / ``by_subdistrict``: the same per unit;
    ``structure``: the per-unit rules (a centre per urban sub-district, day care per urban
    community) with ``required``, ``existing`` (the level's own facilities), ``higher`` (higher
    levels' facilities in the unit, not counted) and ``met``; ``floor_area``: m² per community;
    ``siting`` and ``sites``: the capacitated siting and its chosen sites (None without
    candidates); ``community_names`` / ``subdistrict_names``: code -> name of the units (None
    without the layer or its ``name`` column).
    """

    standard: ElderlyStandard
    compounds: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    levels: pd.DataFrame
    by_community: pd.DataFrame | None
    by_subdistrict: pd.DataFrame | None
    structure: pd.DataFrame
    floor_area: pd.DataFrame | None
    siting: CapacitatedSitingResult | None
    sites: gpd.GeoDataFrame | None
    speed_kmh: float
    decay: str
    notes: list[str] = field(default_factory=list)
    community_names: pd.Series | None = None
    subdistrict_names: pd.Series | None = None


def _column(frame: pd.DataFrame, aliases: tuple[str, ...]) -> str | None:
    return next((c for c in aliases if c in frame.columns), None)


def assess_elderly_care(
    network: WalkNetwork,
    compounds: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    standard: ElderlyStandard | None = None,
    gates: gpd.GeoDataFrame | None = None,
    communities: gpd.GeoDataFrame | None = None,
    subdistricts: gpd.GeoDataFrame | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    siting_level: str | None = None,
    objective: Objective = "min_cost",
    budget: float | None = None,
    max_sites: int | None = None,
    health_rule: HealthRule = "check",
    decay: Decay = "step",
    snap_tolerance_m: float,
    time_limit_s: float = 30.0,
) -> ElderlyResult:
    """Assess the elderly-care network of a study area, and site new places when candidates are given.

    Parameters
    ----------
    network
        The walk network (metric CRS); every layer shares its CRS.
    compounds
        Compounds with ``households``; optional elderly count columns (see
        :func:`gis_planner.elderly.elderly_demand`), ``community_code``, ``subdistrict_code`` and
        ``new_residential_floor_area_m2`` (new projects).
    facilities
        Facilities with ``category``; optional ``capacity`` (places) and ``area_m2`` (m²).
        Categories of the standard's levels are elderly-care facilities; its health categories
        are used for the 医养结合 rule.
    standard
        The elderly-care standard (default: the shipped one).
    gates, communities, subdistricts
        Optional layers: gates (best-gate walks), community polygons (``urban_rural``) and
        sub-district polygons (``kind``: ``subdistrict`` = urban).
    candidates
        Candidate sites (points) for new places; without them no siting is done.
    siting_level
        The level whose places are sited (default: the highest level).
    objective, budget, max_sites
        ``min_cost`` (serve every servable place at least cost) or ``max_cover`` (most places
        within ``budget`` and/or ``max_sites``); see :func:`gis_planner.elderly.capacitated_siting`.
    health_rule
        医养结合: ``constraint`` opens only candidates within the standard's walk of a health
        facility; ``check`` reports it per site; ``off`` skips it.
    decay
        ``step`` (classic 2SFCA) or ``gaussian`` (enhanced 2SFCA; sigma = half the level limit).
    snap_tolerance_m
        Largest snap distance to the network, metres.
    time_limit_s
        HiGHS time limit for the siting model, seconds.

    Returns
    -------
    ElderlyResult

    Raises
    ------
    InputDataError
        Layers in another CRS, missing columns, bad counts or capacities, an unknown level.
    """
    std = standard if standard is not None else load_elderly_standard()
    require_columns(facilities, ["category"], what="facilities")
    for other, what in ((facilities, "facilities"), (candidates, "candidates"),
                        (communities, "communities"), (subdistricts, "subdistricts")):
        if other is not None:
            require_same_crs(other, compounds, what_a=what, what_b="compounds")
    notes: list[str] = []
    demand = elderly_demand(compounds, std)
    cap = facility_capacity(facilities, std)
    fac = facilities.loc[cap.index].copy()
    for col in ("level", "level_rank", "capacity", "capacity_source"):
        fac[col] = cap[col]
    if (cap["capacity_source"] == "default").any():
        n = int((cap["capacity_source"] == "default").sum())
        notes.append(f"{n} elderly-care facilities have no capacity value; the level's default was used")
    max_limit = max(lv.walk_limit_m.value for lv in std.levels)
    costs = compound_costs(network, compounds, fac, cutoff_m=max_limit, gates=gates,
                           snap_tolerance_m=snap_tolerance_m)
    weight = None
    if decay == "gaussian":
        weight = gaussian_weight(max_limit / 2.0)
    elif decay != "step":
        raise InputDataError(f"decay {decay!r}; expected 'step' or 'gaussian'.")
    levels = level_assessment(costs, demand, cap, std, weight=weight)

    homes = compounds.copy()
    homes["community_code"] = unit_codes(compounds, communities, "community_code")
    sub_of_com = (communities["subdistrict_code"].astype("string")
                  if communities is not None and "subdistrict_code" in communities else None)
    if "subdistrict_code" in compounds.columns:
        homes["subdistrict_code"] = compounds["subdistrict_code"].astype("string")
    elif sub_of_com is not None:
        homes["subdistrict_code"] = homes["community_code"].map(sub_of_com)
    else:
        homes["subdistrict_code"] = unit_codes(compounds, subdistricts, "subdistrict_code")
    for col in ("population", "elderly_60", "elderly_80", "elderly_disabled"):
        homes[col] = demand[col]
    for lv_id, t in levels.items():
        for col in ("covered", "walk_m", "places_per_1000", "shortfall"):
            homes[f"{lv_id}_{col}"] = t[col]

    fac["community_code"] = unit_codes(fac, communities, "community_code")
    fac["subdistrict_code"] = unit_codes(fac, subdistricts, "subdistrict_code")
    if fac["subdistrict_code"].isna().all() and sub_of_com is not None:
        fac["subdistrict_code"] = fac["community_code"].map(sub_of_com)
    health = _health_walk(network, fac, facilities, std, snap_tolerance_m)
    fac["health_walk_m"] = health
    fac["health_ok"] = health <= std.health_max_walk_m.value

    summary = summarise_levels(levels, std)
    by_com = (summarise_levels(levels, std, homes["community_code"].rename("community_code"))
              if homes["community_code"].notna().any() else None)
    by_sub = (summarise_levels(levels, std, homes["subdistrict_code"].rename("subdistrict_code"))
              if homes["subdistrict_code"].notna().any() else None)
    structure = _structure(std, fac, communities, subdistricts)
    floor = _floor_area(std, homes, fac, facilities)
    siting = sites = None
    if candidates is not None and len(candidates):
        siting, sites = _site(network, compounds, gates, candidates, fac, facilities=facilities, levels=levels,
                              costs=costs, cap=cap, std=std, subdistricts=subdistricts, structure=structure,
                              siting_level=siting_level, objective=objective,
                              budget=budget, max_sites=max_sites, health_rule=health_rule,
                              snap_tolerance_m=snap_tolerance_m, time_limit_s=time_limit_s)
        notes += siting.notes
    return ElderlyResult(standard=std, compounds=homes, facilities=fac, levels=summary, by_community=by_com,
                         by_subdistrict=by_sub, structure=structure, floor_area=floor, siting=siting,
                         sites=sites, speed_kmh=std.elderly_speed_kmh.value, decay=decay, notes=notes,
                         community_names=_names(communities), subdistrict_names=_names(subdistricts))


def _names(units: gpd.GeoDataFrame | None) -> pd.Series | None:
    """Code (str) -> name of each unit of a layer, None without the layer or its ``name``."""
    if units is None or "name" not in units.columns:
        return None
    return pd.Series(units["name"].fillna("").astype(str).to_numpy(), index=units.index.astype(str))


def _health_walk(network: WalkNetwork, points: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame,
                 std: ElderlyStandard, snap_tolerance_m: float) -> np.ndarray:
    """Walk (m) from each point to the nearest health facility, NaN beyond 4 x the rule's walk."""
    out = np.full(len(points), np.nan)
    health = facilities.loc[facilities["category"].astype(str).isin(std.health_categories)]
    if len(points) == 0 or len(health) == 0:
        return out
    m = compound_costs(network, points, health, cutoff_m=4 * std.health_max_walk_m.value,
                       snap_tolerance_m=snap_tolerance_m).tocoo()
    best = np.full(len(points), np.inf)
    np.minimum.at(best, m.row, m.data)
    return np.where(np.isfinite(best), best, np.nan)


#: Columns of :attr:`ElderlyResult.structure`.
STRUCTURE_COLUMNS = ("level", "unit", "code", "name", "required", "existing", "higher", "higher_facilities",
                     "classified", "met", "source", "status", "place")


def _structure(std: ElderlyStandard, fac: gpd.GeoDataFrame, communities: gpd.GeoDataFrame | None,
               subdistricts: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """Per-unit rules: ``per_urban_subdistrict`` and ``per_urban_community`` of each level.

    ``existing`` counts the facilities of the level itself in the unit. Facilities of a higher
    level there (a 街道 centre that may also offer day care) are counted apart in ``higher`` and
    named in ``higher_facilities`` (``;``-separated ``id name``), not towards ``met``. A unit
    whose urban/rural class is blank is listed with ``classified`` False and ``met`` NA; rural
    communities and 乡镇 are left out (the rules are for urban units). ``source``, ``status``
    and ``place`` (the rule's places, ``;``-separated; blank for a national rule) are the rule's.
    """
    rows: list[dict[str, object]] = []
    labels = _facility_labels(fac)
    for r, lv in enumerate(std.levels):
        for rule, units, col, urban in (
                (lv.per_urban_subdistrict, subdistricts, "subdistrict_code", ("kind", "subdistrict")),
                (lv.per_urban_community, communities, "community_code", ("urban_rural", "urban"))):
            if rule is None or units is None:
                continue
            own = fac.loc[fac["level_rank"] == r, col].value_counts()
            higher = labels.groupby(fac[col].where(fac["level_rank"] < r)).agg(list)
            kind = units[urban[0]] if urban[0] in units else pd.Series(urban[1], index=units.index)
            known = kind.notna() & (kind.astype(str).str.strip() != "")
            for code in units.index[(known & (kind.astype(str) == urban[1])) | ~known]:
                have = int(own.get(str(code), 0))
                up = higher.get(str(code), [])
                rows.append({"level": lv.id, "unit": col.removesuffix("_code"), "code": str(code),
                             "name": str(units.loc[code, "name"]) if "name" in units else "",
                             "required": int(rule.value), "existing": have, "higher": len(up),
                             "higher_facilities": ";".join(up), "classified": bool(known.loc[code]),
                             "met": have >= rule.value if known.loc[code] else pd.NA,
                             "source": rule.source, "status": rule.status, "place": ";".join(rule.places)})
    out = pd.DataFrame(rows, columns=list(STRUCTURE_COLUMNS))
    out["met"] = out["met"].astype("boolean")
    return out


def _facility_labels(fac: pd.DataFrame) -> pd.Series:
    """``<id> <name>`` of each facility (the id alone where it has no name)."""
    names = fac["name"].fillna("").astype(str) if "name" in fac.columns else pd.Series("", index=fac.index)
    return pd.Series([f"{i} {n}".strip() for i, n in zip(fac.index, names, strict=True)], index=fac.index)


def _floor_area(std: ElderlyStandard, homes: gpd.GeoDataFrame, fac: gpd.GeoDataFrame,
                facilities: gpd.GeoDataFrame) -> pd.DataFrame | None:
    if homes["community_code"].isna().all():
        return None
    hh = pd.to_numeric(homes["households"], errors="coerce").groupby(homes["community_code"]).sum()
    area_col = _column(facilities, AREA_ALIASES)
    if area_col is None:
        existing = pd.Series(0.0, index=hh.index)
    else:
        area = pd.to_numeric(facilities.loc[fac.index, area_col], errors="coerce").fillna(0.0)
        existing = area.groupby(fac["community_code"]).sum()
    new_col = _column(homes, NEW_AREA_ALIASES)
    new = (pd.to_numeric(homes[new_col], errors="coerce").groupby(homes["community_code"]).sum()
           if new_col else None)
    return floor_area_gaps(hh, existing, std, new_residential_floor_area_m2=new)


def _site(network: WalkNetwork, compounds: gpd.GeoDataFrame, gates: gpd.GeoDataFrame | None,
          candidates: gpd.GeoDataFrame, fac: gpd.GeoDataFrame, *, facilities: gpd.GeoDataFrame,
          levels: dict[str, pd.DataFrame], costs: sp.csr_matrix, cap: pd.DataFrame, std: ElderlyStandard,
          subdistricts: gpd.GeoDataFrame | None, structure: pd.DataFrame, siting_level: str | None,
          objective: Objective, budget: float | None, max_sites: int | None, health_rule: HealthRule,
          snap_tolerance_m: float, time_limit_s: float) -> tuple[CapacitatedSitingResult, gpd.GeoDataFrame]:
    """Capacitated siting at one level, existing facilities of that level or higher fixed."""
    from gis_planner.elderly.hierarchy import within_limits

    lv = std.level(siting_level) if siting_level else std.levels[0]
    rank = [x.id for x in std.levels].index(lv.id)
    sizes = pd.DataFrame([{"id": s.id, "capacity": s.capacity, "floor_area_m2": s.floor_area_m2,
                           "cost": s.cost} for s in std.sizes_for(lv.id)])
    if sizes.empty:
        raise InputDataError(f"elderly-care standard: level {lv.id!r} has no [[sizes]]; "
                             "give at least one size to site it.")
    sizes = sizes.set_index("id")
    limit = lv.walk_limit_m.value
    cand_costs = compound_costs(network, compounds, candidates, cutoff_m=limit, gates=gates,
                                snap_tolerance_m=snap_tolerance_m)
    limits = np.array([std.levels[r].walk_limit_m.value for r in cap["level_rank"]], dtype=float)
    exist_cols = np.flatnonzero(cap["level_rank"].to_numpy(int) <= rank)
    exist_costs = within_limits(costs.tocsr(), limits)[:, exist_cols]
    cand_health = _health_walk(network, candidates, facilities, std, snap_tolerance_m)
    allowed = (cand_health <= std.health_max_walk_m.value) if health_rule == "constraint" else None
    groups = min_per = None
    req = structure.loc[(structure["level"] == lv.id) & (structure["unit"] == "subdistrict")]
    if len(req) and subdistricts is not None:
        groups = unit_codes(candidates, subdistricts, "subdistrict_code")
        min_per = {str(code): max(0, int(n_req) - int(n_have)) for code, n_req, n_have
                   in zip(req["code"], req["required"].to_numpy(int), req["existing"].to_numpy(int), strict=True)}
    res = capacitated_siting(levels[lv.id]["need"], cand_costs, exist_costs,
                             cap["capacity"].to_numpy(float)[exist_cols], sizes, limit_m=np.inf,
                             objective=objective, budget=budget, max_sites=max_sites,
                             candidate_labels=candidates.index, candidate_groups=groups,
                             min_per_group=min_per, allowed=allowed, time_limit_s=time_limit_s)
    chosen = candidates.loc[res.chosen.index].copy()
    for col in res.chosen.columns:
        chosen[col] = res.chosen[col]
    chosen["level"] = lv.id
    pos = candidates.index.get_indexer(res.chosen.index)
    chosen["health_walk_m"] = cand_health[pos]
    chosen["health_ok"] = chosen["health_walk_m"] <= std.health_max_walk_m.value
    share = lv.places_per_1000.value / 1000.0
    chosen["elderly_served"] = chosen["served"] / share
    return res, chosen
