"""Neighbourhood centres in existing buildings, from validated layers: which idle spaces to use,
for which bundle of functions, who gains access, and how much of each community's floor-area gap
closes."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from gis_planner._errors import InputDataError
from gis_planner._validate import require_columns, require_same_crs
from gis_planner.centres.model import CentreProblem, CentreSolution, solve_centres
from gis_planner.community.units import unit_codes
from gis_planner.coverage.costs import compound_costs
from gis_planner.network.graph import WalkNetwork
from gis_planner.policy.centres import CentreStandard, load_centre_standard

#: Accepted names of a compound's count of children (for functions whose demand is children).
CHILDREN_ALIASES = ("children", "儿童", "children_0_14")


@dataclass(frozen=True)
class CentrePlan:
    """The proposal and its effect.

    ``spaces``: every space of the inventory (and every merged pair, id ``a+b``) with ``chosen``,
    ``functions`` (ids placed, ``;``-separated), ``area_used_m2`` (the rooms), ``new_households``
    (demand newly within reach, summed over functions), ``rank`` (1 = largest contribution) and
    ``reason`` (why chosen, or why it could not be used: too small for any function, upper floor
    without a lift, …). ``communities``: floor area before and after, gap before and after (m²).
    ``coverage``: per function, demand within reach before and after. ``status``/``gap``: HiGHS's.
    """

    spaces: gpd.GeoDataFrame
    communities: pd.DataFrame
    coverage: pd.DataFrame
    solution: CentreSolution
    standard: CentreStandard
    notes: list[str] = field(default_factory=list)

    @property
    def chosen(self) -> gpd.GeoDataFrame:
        """The chosen spaces, best first."""
        return self.spaces.loc[self.spaces["chosen"]].sort_values("rank")


def _with_merged(spaces: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[tuple[int, ...]]]:
    """``spaces`` plus one row per mergeable pair (id ``a+b``: summed area and cost, the midpoint,
    usable by ground-floor or lift functions only when both parts are), and the exclusive groups."""
    rows = []
    groups: list[tuple[int, ...]] = []
    ids = list(spaces.index)
    seen: set[frozenset[str]] = set()
    for a in ids:
        b = spaces.at[a, "merge_with"]
        if not b or frozenset((a, b)) in seen:
            continue
        seen.add(frozenset((a, b)))
        sa, sb = spaces.loc[a], spaces.loc[b]
        access_a = sa["floor"] == 1 or bool(sa["lift"])
        access_b = sb["floor"] == 1 or bool(sb["lift"])
        rows.append({"space_id": f"{a}+{b}", "name": f"{sa['name']}+{sb['name']}",
                     "area_m2": sa["area_m2"] + sb["area_m2"], "cost": sa["cost"] + sb["cost"],
                     "floor": 1 if access_a and access_b else max(int(sa["floor"]), int(sb["floor"]), 2),
                     "lift": False, "ownership": sa["ownership"], "current_use": "", "merge_with": "",
                     "merged_from": f"{a};{b}",
                     "geometry": shapely.centroid(shapely.multipoints([sa.geometry, sb.geometry]))})
    base = spaces.copy()
    base["merged_from"] = ""
    if not rows:
        return base, groups
    merged = gpd.GeoDataFrame(rows, crs=spaces.crs).set_index("space_id")
    out = pd.concat([base, merged[[c for c in merged.columns if c in base.columns]]])
    pos = {sid: i for i, sid in enumerate(out.index)}
    for sid in merged.index:
        a, b = sid.split("+", 1)
        groups.append((pos[a], pos[b], pos[sid]))
    return gpd.GeoDataFrame(out, geometry=out.geometry.name, crs=spaces.crs), groups


def _demand(compounds: pd.DataFrame, std: CentreStandard) -> np.ndarray:
    from gis_planner.elderly.demand import elderly_demand
    from gis_planner.policy.elderly import load_elderly_standard

    hh = pd.to_numeric(compounds["households"], errors="coerce").fillna(0).to_numpy(float)
    elderly = elderly_demand(compounds, load_elderly_standard())["elderly_60"].to_numpy(float)
    child_col = next((c for c in CHILDREN_ALIASES if c in compounds.columns), None)
    children = (pd.to_numeric(compounds[child_col], errors="coerce").fillna(0).to_numpy(float)
                if child_col else hh)
    by = {"households": hh, "elderly": elderly, "children": children}
    return np.column_stack([by[f.demand] for f in std.functions])


def plan_centres(
    network: WalkNetwork,
    compounds: gpd.GeoDataFrame,
    spaces: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    standard: CentreStandard | None = None,
    communities: gpd.GeoDataFrame | None = None,
    existing_area_m2: pd.Series | None = None,
    gates: gpd.GeoDataFrame | None = None,
    max_sites: int | None = None,
    budget: float | None = None,
    snap_tolerance_m: float,
    time_limit_s: float = 30.0,
) -> CentrePlan:
    """Choose idle spaces and the bundle of functions each holds.

    Parameters
    ----------
    network
        The walk network (metric CRS shared by every layer).
    compounds
        Compounds with ``households`` and ``community_code`` (for the floor-area gaps; else
        located in ``communities``); optional elderly and children columns.
    spaces
        The inventory (:func:`gis_planner.io.read_spaces`).
    facilities
        Existing facilities (``category``): a household already within a function's limit of a
        facility of its category does not count as newly served.
    standard
        The neighbourhood-centre standard (default: the shipped one).
    communities
        Community polygons (``urban_rural``): which community each space lies in; the
        per-community functions are required in urban communities only.
    existing_area_m2
        Community service floor area per community today (m², e.g. the attribute table's
        ``service_area_m2``); default the ``area_m2`` of each community's
        ``community_service_centre`` facilities.
    max_sites, budget
        At most this many spaces (e.g. the programme's 60 across a city) and/or this total cost.
    snap_tolerance_m
        Largest snap distance to the network (m).
    time_limit_s
        HiGHS time limit (s).

    Returns
    -------
    CentrePlan

    Raises
    ------
    InputDataError
        Layers in another CRS, missing columns, neither ``max_sites`` nor ``budget``.
    """
    std = standard if standard is not None else load_centre_standard()
    require_columns(compounds, ["households"], what="compounds")
    require_columns(facilities, ["category"], what="facilities")
    require_same_crs(spaces, compounds, what_a="spaces", what_b="compounds")
    if max_sites is None and budget is None:
        raise InputDataError("centres: give a number of sites (--sites) or a budget (--budget).")
    sp_all, exclusive = _with_merged(spaces)
    funcs = std.functions
    n_f = len(funcs)
    limits = np.array([f.walk_limit_m.value for f in funcs])
    costs = compound_costs(network, compounds, sp_all, cutoff_m=float(limits.max()), gates=gates,
                           snap_tolerance_m=snap_tolerance_m)
    reach = tuple(_within(costs, lim) for lim in limits)
    served_before = np.zeros((len(compounds), n_f), dtype=bool)
    cats = facilities["category"].astype(str)
    for j, f in enumerate(funcs):
        fac = facilities.loc[cats == f.category]
        if len(fac):
            m = compound_costs(network, compounds, fac, cutoff_m=f.walk_limit_m.value, gates=gates,
                               snap_tolerance_m=snap_tolerance_m)
            served_before[:, j] = np.diff(m.indptr) > 0
    weight = _demand(compounds, std)
    com_codes, space_com, gap, hh_by_com, area_before, urban = _communities(
        compounds, sp_all, facilities, communities, existing_area_m2=existing_area_m2, std=std)
    fits = np.ones((len(sp_all), n_f), dtype=bool)
    step_free = ((sp_all["floor"] == 1) | sp_all["lift"].astype(bool)).to_numpy()
    for j, f in enumerate(funcs):
        if f.ground_or_lift:
            fits[:, j] &= step_free
        fits[:, j] &= sp_all["area_m2"].to_numpy(float) >= f.min_area_m2.value
    required = np.zeros((len(com_codes), n_f), dtype=bool)
    for j, f in enumerate(funcs):
        if f.per_community is None:
            continue
        fac = facilities.loc[cats == f.category]
        have = set(_unit_codes(fac, communities)) if len(fac) else set()
        required[:, j] = [urban.get(c, True) and c not in have for c in com_codes]
    fpos = {f.id: i for i, f in enumerate(funcs)}
    problem = CentreProblem(
        reach=reach, served_before=served_before, weight=weight, area_m2=sp_all["area_m2"].to_numpy(float),
        cost=sp_all["cost"].to_numpy(float), fits=fits,
        min_area_m2=np.array([f.min_area_m2.value for f in funcs]),
        apart=tuple((fpos[a], fpos[b]) for a, b in std.apart), exclusive=tuple(exclusive),
        community=space_com, gap_m2=gap, required=required)
    sol = solve_centres(problem, max_sites=max_sites, budget=budget, weight_m2=std.households_per_m2.value,
                        time_limit_s=time_limit_s)
    return _plan(std, sp_all, problem, sol, com_codes=com_codes, hh_by_com=hh_by_com, area_before=area_before,
                 weight=weight, served_before=served_before)


def _within(costs: sp.csr_matrix, limit_m: float) -> sp.csr_matrix:
    coo = costs.tocoo()
    keep = coo.data <= limit_m
    return sp.csr_matrix((np.ones(int(keep.sum()), dtype=bool), (coo.row[keep], coo.col[keep])), shape=costs.shape)


def _unit_codes(points: gpd.GeoDataFrame, communities: gpd.GeoDataFrame | None) -> pd.Series:
    return unit_codes(points, communities, "community_code").fillna("")


def _communities(
    compounds: gpd.GeoDataFrame, spaces: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame | None, *, existing_area_m2: pd.Series | None, std: CentreStandard,
) -> tuple[list[str], np.ndarray, np.ndarray, pd.Series, pd.Series, dict[str, bool]]:
    """Community codes (with households), each space's community position (-1 outside any), the
    floor-area gap (m²) per community, its households, its centre floor area before (m²) and
    whether it is urban."""
    codes = _unit_codes(compounds, communities)
    hh = pd.to_numeric(compounds["households"], errors="coerce").fillna(0.0).groupby(codes).sum()
    hh = hh.loc[hh.index != ""]
    com_codes = list(hh.index)
    pos = {c: i for i, c in enumerate(com_codes)}
    space_com = np.array([pos.get(c, -1) for c in _unit_codes(spaces, communities)], dtype=int)
    if existing_area_m2 is not None:
        before = existing_area_m2.reindex(com_codes).fillna(0.0).astype(float)
    else:
        centres = facilities.loc[facilities["category"].astype(str) == "community_service_centre"]
        area_col = next((c for c in ("area_m2", "floor_area_m2", "建筑面积") if c in centres.columns), None)
        if area_col is None or centres.empty:
            before = pd.Series(0.0, index=com_codes)
        else:
            area = pd.to_numeric(centres[area_col], errors="coerce").fillna(0.0)
            before = area.groupby(_unit_codes(centres, communities)).sum().reindex(com_codes).fillna(0.0)
    need = hh * std.m2_per_100_households.value / 100.0
    gap = (need - before).clip(lower=0.0).to_numpy(float)
    urban: dict[str, bool] = {}
    if communities is not None and "urban_rural" in communities:
        urban = {str(c): v == "urban" for c, v in communities["urban_rural"].astype(str).items()}
    return com_codes, space_com, gap, hh, before, urban


def _why_not(row: pd.Series, std: CentreStandard) -> str:
    smallest = min(f.min_area_m2.value for f in std.functions)
    if row["area_m2"] < smallest:
        return f"too small for any function ({row['area_m2']:g} m² < {smallest:g} m²)"
    if not (row["floor"] == 1 or row["lift"]):
        upper = [f for f in std.functions if not f.ground_or_lift and row["area_m2"] >= f.min_area_m2.value]
        if not upper:
            return "upper floor without a lift: only functions that need the ground floor or a lift fit its area"
        return "upper floor without a lift: other spaces serve more"
    return "other spaces serve more within the sites or budget"


def _plan(std: CentreStandard, sp_all: gpd.GeoDataFrame, problem: CentreProblem, sol: CentreSolution, *,
          com_codes: list[str], hh_by_com: pd.Series, area_before: pd.Series, weight: np.ndarray,
          served_before: np.ndarray) -> CentrePlan:
    funcs = std.functions
    out = sp_all.copy()
    out["chosen"] = sol.open
    out["functions"] = [";".join(f.id for f, p in zip(funcs, row, strict=True) if p) for row in sol.put]
    mins = np.array([f.min_area_m2.value for f in funcs])
    out["area_used_m2"] = (sol.put * mins).sum(axis=1)
    # demand newly within reach credited to each chosen space: rows whose only new access is it
    gain = np.zeros(len(out))
    for j in range(len(funcs)):
        r = problem.reach[j].tocsr()
        for k in np.flatnonzero(sol.put[:, j]).tolist():
            rows = r[:, k].nonzero()[0]
            gain[k] += float((weight[rows, j] * sol.new[rows, j] / np.maximum(
                1, np.asarray(r[rows][:, sol.put[:, j]].sum(axis=1)).ravel())).sum())
    out["new_households"] = np.round(gain, 1)
    contribution = gain + std.households_per_m2.value * np.where(sol.open, out["area_m2"].to_numpy(float), 0)
    order = np.argsort(-contribution, kind="stable")
    rank = np.zeros(len(out), dtype=int)
    chosen_order = [k for k in order if sol.open[k]]
    for r_, k_chosen in enumerate(chosen_order, start=1):
        rank[k_chosen] = r_
    out["rank"] = rank
    com_names = np.array([com_codes[c] if c >= 0 else "" for c in problem.community], dtype=object)
    out["community_code"] = com_names
    reasons = []
    for k, row in enumerate(out.itertuples()):
        if sol.open[k]:
            names = "、".join(f.name_zh for f, p in zip(funcs, sol.put[k], strict=True) if p)
            reasons.append(f"{names}: {row.area_used_m2:g}/{row.area_m2:g} m²; "
                           f"{gain[k]:,.0f} newly within reach")
        else:
            reasons.append(_why_not(out.iloc[k], std))
    out["reason"] = reasons
    after = area_before.copy()
    for c, code in enumerate(com_codes):
        ks = np.flatnonzero((problem.community == c) & sol.open)
        after[code] = area_before[code] + float(out["area_m2"].to_numpy(float)[ks].sum())
    need = hh_by_com * std.m2_per_100_households.value / 100.0
    communities = pd.DataFrame({
        "households": hh_by_com, "need_m2": need, "area_before_m2": area_before, "area_after_m2": after,
        "gap_before_m2": (need - area_before).clip(lower=0), "gap_after_m2": (need - after).clip(lower=0)})
    communities.index.name = "community_code"
    cov_rows = []
    for j, f in enumerate(funcs):
        total = float(weight[:, j].sum())
        before = float(weight[served_before[:, j], j].sum())
        new = float((weight[:, j] * sol.new[:, j]).sum())
        cov_rows.append({"function": f.id, "name": f.name_zh, "demand": f.demand, "walk_limit_m": f.walk_limit_m.value,
                         "total": total, "before": before, "after": before + new,
                         "share_before": before / total if total else np.nan,
                         "share_after": (before + new) / total if total else np.nan,
                         "sites": int(sol.put[:, j].sum())})
    notes = []
    if sol.status != "optimal":
        notes.append(f"the solver stopped with status {sol.status} (gap {sol.gap:.2%})")
    unmet = [(com_codes[c], funcs[f].id) for c, f in zip(*np.nonzero(problem.required & (sol.got < 0.5)), strict=True)]
    if unmet:
        notes.append("required but not placed (no suitable space): "
                     + ", ".join(f"{c} {f}" for c, f in unmet[:10]))
    return CentrePlan(spaces=out, communities=communities, coverage=pd.DataFrame(cov_rows), solution=sol,
                      standard=std, notes=notes)
