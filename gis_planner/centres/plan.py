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
from gis_planner.categories import Lang, check_lang
from gis_planner.centres.model import CentreProblem, CentreSolution, solve_centres
from gis_planner.community.units import unit_codes
from gis_planner.coverage.costs import compound_costs
from gis_planner.network.graph import WalkNetwork
from gis_planner.policy.centres import CentreFunction, CentreStandard, load_centre_standard

#: Accepted names of a compound's count of children (for functions whose demand is children).
CHILDREN_ALIASES = ("children", "儿童", "children_0_14")


@dataclass(frozen=True)
class CentrePlan:
    """The proposal and its effect.

    ``spaces``: every space of the inventory (and every merged pair, id ``a+b``) with ``chosen``,
    ``functions`` (ids placed, ``;``-separated), ``area_used_m2`` (the rooms), ``new_households``
    (demand newly within reach, summed over functions: households, or persons for elderly
    functions), ``rank`` (1 = largest contribution), ``community_code`` / ``community_name`` and
    ``reason`` (in ``lang``: why chosen, or why it could not be used: too small for any function,
    upper floor without a lift, …). ``communities``: per community ``name``, ``households``,
    floor area before (``area_before_m2`` with ``area_source``: ``attribute``, ``facilities`` or
    ``none``) and after, gap before and after (m²). ``coverage``: per function, the demand it
    counts (``demand``: households, elderly (aged 60+), elderly_80 or children), the facility
    ``category`` counted as existing, demand within reach before and after. ``notes`` are in ``lang``.
    """

    spaces: gpd.GeoDataFrame
    communities: pd.DataFrame
    coverage: pd.DataFrame
    solution: CentreSolution
    standard: CentreStandard
    notes: list[str] = field(default_factory=list)
    lang: str = "zh"
    #: the notes in each language (``zh``, ``en``), for a report in another language than the run's
    notes_by_lang: dict[str, list[str]] = field(default_factory=dict)

    @property
    def chosen(self) -> gpd.GeoDataFrame:
        """The chosen spaces, best first."""
        return self.spaces.loc[self.spaces["chosen"]].sort_values("rank")

    def notes_in(self, lang: str) -> list[str]:
        """The notes in ``lang`` (``zh`` or ``en``; the run's own when not kept in it)."""
        return self.notes_by_lang.get(lang, self.notes)

    def reasons(self, lang: str) -> pd.Series:
        """The ``reason`` of every space in ``lang`` (``zh`` or ``en``)."""
        pairs = merged_into(self.spaces)
        return pd.Series([space_reason(row, self.standard, lang, pair=pairs.get(str(i)))
                          for i, row in self.spaces.iterrows()], index=self.spaces.index, dtype=object)


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
    merged = gpd.GeoDataFrame(rows, crs=spaces.crs).set_index("space_id", drop=False)
    out = pd.concat([base, merged[[c for c in merged.columns if c in base.columns]]])
    pos = {sid: i for i, sid in enumerate(out.index)}
    for sid in merged.index:
        a, b = sid.split("+", 1)
        groups.append((pos[a], pos[b], pos[sid]))
    return gpd.GeoDataFrame(out, geometry=out.geometry.name, crs=spaces.crs), groups


def _demand(compounds: pd.DataFrame, std: CentreStandard) -> tuple[np.ndarray, list[str]]:
    """Demand of each compound for each function (rows x functions), and what each function's
    demand counts: ``households``, ``elderly`` (aged 60+), ``elderly_80`` (aged 80+) or
    ``children`` (households where the compounds have no children column). Elderly residents
    are counted as the elderly-care network counts them (:func:`gis_planner.elderly.demand.elderly_demand`
    with the standard's ``elderly``): the compounds' columns, else the census shares."""
    from gis_planner.elderly.demand import elderly_demand
    from gis_planner.policy.elderly import load_elderly_standard

    hh = pd.to_numeric(compounds["households"], errors="coerce").fillna(0).to_numpy(float)
    older = elderly_demand(compounds, std.elderly if std.elderly is not None else load_elderly_standard())
    child_col = next((c for c in CHILDREN_ALIASES if c in compounds.columns), None)
    children = (pd.to_numeric(compounds[child_col], errors="coerce").fillna(0).to_numpy(float)
                if child_col else hh)
    by = {"households": hh, "elderly": older["elderly_60"].to_numpy(float),
          "elderly_80": older["elderly_80"].to_numpy(float), "children": children}
    kinds = ["households" if f.demand == "children" and child_col is None else f.demand for f in std.functions]
    return np.column_stack([by[f.demand] for f in std.functions]), kinds


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
    lang: str = "zh",
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
        Community polygons (``name``, ``urban_rural``): which community each space lies in; the
        per-community functions are required in urban communities only (a community whose
        ``urban_rural`` is blank is not required, and the notes name it).
    existing_area_m2
        Community service floor area per community today (m², index = community code): the
        attribute table's ``service_area_m2``, which the compliance check reads too. Where it is
        missing or blank, the ``area_m2`` of the community's ``community_service_centre``
        facilities is used; ``communities.area_source`` says which.
    max_sites, budget
        At most this many spaces (e.g. the programme's 60 across a city) and/or this total cost.
    snap_tolerance_m
        Largest snap distance to the network (m).
    time_limit_s
        HiGHS time limit (s).
    lang
        Language of the spaces' ``reason`` and of the notes: ``zh`` (default) or ``en``.

    Returns
    -------
    CentrePlan

    Raises
    ------
    InputDataError
        Layers in another CRS, missing columns, neither ``max_sites`` nor ``budget``.
    ValueError
        ``lang`` is neither ``zh`` nor ``en``.
    """
    lg = check_lang(lang)
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
    weight, kinds = _demand(compounds, std)
    units = _communities(compounds, sp_all, facilities, communities, existing_area_m2=existing_area_m2, std=std)
    fits = np.ones((len(sp_all), n_f), dtype=bool)
    step_free = ((sp_all["floor"] == 1) | sp_all["lift"].astype(bool)).to_numpy()
    for j, f in enumerate(funcs):
        if f.ground_or_lift:
            fits[:, j] &= step_free
        fits[:, j] &= sp_all["area_m2"].to_numpy(float) >= f.min_area_m2.value
    required = np.zeros((len(units.codes), n_f), dtype=bool)
    for j, f in enumerate(funcs):
        if f.per_community is None:
            continue
        fac = facilities.loc[cats == f.category]
        have = set(_unit_codes(fac, communities)) if len(fac) else set()
        required[:, j] = [units.urban.get(c, True) is True and c not in have for c in units.codes]
    fpos = {f.id: i for i, f in enumerate(funcs)}
    problem = CentreProblem(
        reach=reach, served_before=served_before, weight=weight, area_m2=sp_all["area_m2"].to_numpy(float),
        cost=sp_all["cost"].to_numpy(float), fits=fits,
        min_area_m2=np.array([f.min_area_m2.value for f in funcs]),
        apart=tuple((fpos[a], fpos[b]) for a, b in std.apart), exclusive=tuple(exclusive),
        community=units.of_space, gap_m2=units.gap, required=required)
    sol = solve_centres(problem, max_sites=max_sites, budget=budget, weight_m2=std.households_per_m2.value,
                        time_limit_s=time_limit_s)
    known = np.array([(cats == f.category).any() for f in funcs], dtype=bool)
    return _plan(std, sp_all, problem, sol, units=units, weight=weight, kinds=kinds,
                 served_before=served_before, known=known, lang=lg)


def _within(costs: sp.csr_matrix, limit_m: float) -> sp.csr_matrix:
    coo = costs.tocoo()
    keep = coo.data <= limit_m
    return sp.csr_matrix((np.ones(int(keep.sum()), dtype=bool), (coo.row[keep], coo.col[keep])), shape=costs.shape)


def _unit_codes(points: gpd.GeoDataFrame, communities: gpd.GeoDataFrame | None) -> pd.Series:
    return unit_codes(points, communities, "community_code").fillna("")


@dataclass(frozen=True)
class _Units:
    """The communities of a plan: ``codes`` (those with households), each space's position in
    them (``of_space``, -1 outside any), ``households``, floor area before (m²) with its
    ``area_source``, the gap (m²) against the norm, whether each is urban (None: not given) and
    its name."""

    codes: list[str]
    of_space: np.ndarray
    households: pd.Series
    area_before: pd.Series
    area_source: pd.Series
    gap: np.ndarray
    urban: dict[str, bool | None]
    names: pd.Series

    def label(self, code: str, lang: Lang) -> str:
        """``name（code）`` (``name (code)`` in English), the code alone without a name."""
        name = str(self.names.get(code, "") or "")
        if not name:
            return code
        return f"{name}（{code}）" if lang == "zh" else f"{name} ({code})"


def _centre_area(facilities: gpd.GeoDataFrame, communities: gpd.GeoDataFrame | None) -> pd.Series:
    """Floor area (m²) of the ``community_service_centre`` facilities per community code; only
    communities with such a facility and an area value are listed."""
    centres = facilities.loc[facilities["category"].astype(str) == "community_service_centre"]
    area_col = next((c for c in ("area_m2", "floor_area_m2", "建筑面积") if c in centres.columns), None)
    if area_col is None or centres.empty:
        return pd.Series(dtype=float)
    area = pd.to_numeric(centres[area_col], errors="coerce")
    return area.groupby(_unit_codes(centres, communities)).sum(min_count=1).dropna()


def _communities(
    compounds: gpd.GeoDataFrame, spaces: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame | None, *, existing_area_m2: pd.Series | None, std: CentreStandard,
) -> _Units:
    """The communities with households, and today's floor area of each: ``existing_area_m2``
    where given (``attribute``), else its centre facilities' area (``facilities``), else 0
    (``none``)."""
    codes = _unit_codes(compounds, communities)
    hh = pd.to_numeric(compounds["households"], errors="coerce").fillna(0.0).groupby(codes).sum()
    hh = hh.loc[hh.index != ""]
    com_codes = list(hh.index)
    pos = {c: i for i, c in enumerate(com_codes)}
    space_com = np.array([pos.get(c, -1) for c in _unit_codes(spaces, communities)], dtype=int)
    given = (pd.to_numeric(pd.Series(existing_area_m2.to_numpy(), index=existing_area_m2.index.astype(str)),
                           errors="coerce").reindex(com_codes)
             if existing_area_m2 is not None else pd.Series(np.nan, index=com_codes))
    points = _centre_area(facilities, communities).reindex(com_codes)
    before = given.where(given.notna(), points).fillna(0.0).astype(float)
    source = pd.Series(np.where(given.notna(), "attribute", np.where(points.notna(), "facilities", "none")),
                       index=com_codes)
    need = hh * std.m2_per_100_households.value / 100.0
    urban: dict[str, bool | None] = {}
    if communities is not None and "urban_rural" in communities:
        urban = {str(c): (v == "urban") if isinstance(v, str) and v.strip() else None
                 for c, v in communities["urban_rural"].items()}
    names = (pd.Series(communities["name"].fillna("").astype(str).to_numpy(), index=communities.index.astype(str))
             if communities is not None and "name" in communities else pd.Series(dtype=str))
    return _Units(codes=com_codes, of_space=space_com, households=hh, area_before=before, area_source=source,
                  gap=(need - before).clip(lower=0.0).to_numpy(float), urban=urban, names=names)


def function_names(std: CentreStandard, ids: str, lang: Lang) -> str:
    """The functions ``ids`` (``;``-separated) by name in ``lang``."""
    names = {f.id: f.name(lang) for f in std.functions}
    return ("、" if lang == "zh" else ", ").join(names.get(x, x) for x in ids.split(";") if x)


def merged_into(spaces: pd.DataFrame) -> dict[str, str]:
    """Each space used as part of a chosen merged pair (id ``a+b``) -> the pair's id."""
    return {part: str(pair) for pair in spaces.index[spaces["chosen"].astype(bool)]
            if "+" in str(pair) for part in str(pair).split("+")}


def space_reason(row: pd.Series, std: CentreStandard, lang: str, *, pair: str | None = None) -> str:
    """Why a space (a row of :attr:`CentrePlan.spaces`) is chosen, in ``lang``: the functions
    placed, the m² of rooms in its area and the demand newly within reach (households, or
    persons for elderly functions, summed over functions); or why it is not (``pair``: the
    chosen merged pair it is part of, see :func:`merged_into`)."""
    lg = check_lang(lang)
    if not row["chosen"] and pair:
        return f"与相邻空间合并使用，见 {pair}" if lg == "zh" else f"used merged with its neighbour: see {pair}"
    if not row["chosen"]:
        return _why_not(row, std, lg)
    names = function_names(std, str(row["functions"]), lg)
    used, area, gain = float(row["area_used_m2"]), float(row["area_m2"]), float(row["new_households"])
    if lg == "zh":
        return f"{names}：功能用房 {used:g}/{area:g} m²；新增可达 {gain:,.0f}（户/人，各功能合计）"
    return f"{names}: rooms {used:g}/{area:g} m²; {gain:,.0f} newly within reach (households/persons, all functions)"


def _why_not(row: pd.Series, std: CentreStandard, lang: Lang) -> str:
    zh = lang == "zh"
    smallest = min(f.min_area_m2.value for f in std.functions)
    if row["area_m2"] < smallest:
        sizes = f"{row['area_m2']:g} m² < {smallest:g} m²"
        return f"面积过小，无法设置任何功能（{sizes}）" if zh else f"too small for any function ({sizes})"
    if not (row["floor"] == 1 or row["lift"]):
        upper = [f for f in std.functions if not f.ground_or_lift and row["area_m2"] >= f.min_area_m2.value]
        if not upper:
            return ("楼上且无电梯：适合其面积的功能均需设在首层或有电梯" if zh else
                    "upper floor without a lift: only functions that need the ground floor or a lift fit its area")
        return "楼上且无电梯：其他空间服务更多" if zh else "upper floor without a lift: other spaces serve more"
    return "在处数或预算限制内，其他空间服务更多" if zh else "other spaces serve more within the sites or budget"


def _unmet_reason(problem: CentreProblem, c: int, j: int, f: CentreFunction, lang: Lang) -> str:
    """Why required function ``f`` (position ``j``) was not placed in community ``c``."""
    zh = lang == "zh"
    here = problem.community == c
    if not here.any():
        return "空间清单中没有位于本社区的空间" if zh else "no space of the inventory lies in it"
    if not problem.fits[here, j].any():
        floor = ("、首层或有电梯" if zh else ", on the ground floor or with a lift") if f.ground_or_lift else ""
        need = f"≥ {f.min_area_m2.value:g} m²{floor}"
        return f"本社区的空间均不满足 {need}" if zh else f"no space in it fits: {need}"
    return "在处数或预算限制内未能安排" if zh else "not placed within the number of sites or the budget"


def _notes(std: CentreStandard, problem: CentreProblem, sol: CentreSolution, units: _Units, *,
           lang: Lang, known: np.ndarray) -> list[str]:
    """The plan's notes in ``lang``: the functions whose facility category is not in the input
    (``known`` False: today's reach is no data), the solver's status when not optimal, required
    functions not placed (community, function and why), communities whose urban/rural class is
    not given, and where today's floor area comes from."""
    zh = lang == "zh"
    notes = []
    absent = [f.name(lang) for f, k in zip(std.functions, known, strict=True) if not k]
    if absent:
        names = ("、" if zh else ", ").join(absent)
        notes.append(f"输入中没有这些功能的现有设施：{names}，现状与实施后可达记为“–”（无数据，不是 0），"
                     "只给出新增可达" if zh else
                     f"the input has no existing facility of {names}: reach today and after is '–' (no data, "
                     "not 0); only the reach the new rooms add is given")
    if sol.status != "optimal":
        notes.append(f"求解器以状态 {sol.status} 停止（间隙 {sol.gap:.2%}）" if zh else
                     f"the solver stopped with status {sol.status} (gap {sol.gap:.2%})")
    funcs = std.functions
    unmet: dict[tuple[str, str], list[str]] = {}
    for c, j in zip(*np.nonzero(problem.required & (sol.got < 0.5)), strict=True):
        why = (funcs[j].name(lang), _unmet_reason(problem, c, j, funcs[j], lang))
        unmet.setdefault(why, []).append(units.label(units.codes[c], lang))
    if unmet:
        sep = "、" if zh else ", "
        notes.append("；".join(f"应设{f}但未能安排：{sep.join(cs)}（原因：{why}）" for (f, why), cs in unmet.items())
                     if zh else "; ".join(f"{f} required but not placed in {sep.join(cs)} ({why})"
                                          for (f, why), cs in unmet.items()))
    blank = [units.label(c, lang) for c in units.codes if c in units.urban and units.urban[c] is None]
    if blank and any(f.per_community is not None for f in funcs):
        names = ("、" if zh else ", ").join(blank)
        notes.append(f"城乡属性未填写，未要求设置每社区应有的功能：{names}" if zh else
                     f"urban/rural class not given, so the per-community functions are not required: {names}")
    notes.append(_area_note(units.area_source, lang))
    return notes


def _area_note(source: pd.Series, lang: Lang) -> str:
    """How many communities' floor area today comes from each source."""
    n = source.value_counts()
    if lang == "zh":
        parts = {"attribute": "取社区属性表 service_area_m2", "facilities": "无属性表数值，取社区服务中心点位面积",
                 "none": "无数据，按 0 计"}
        return "现有用房面积：" + "；".join(f"{int(n[k])} 个社区{v}" for k, v in parts.items() if k in n)
    parts = {"attribute": "from the attribute table's service_area_m2",
             "facilities": "from the community service centre points (no attribute value)",
             "none": "without data, counted as 0"}
    return "Floor area today: " + "; ".join(f"{int(n[k])} communities {v}" for k, v in parts.items() if k in n)


def _gains(problem: CentreProblem, sol: CentreSolution, weight: np.ndarray) -> np.ndarray:
    """Demand newly within reach credited to each space: each row's new access shared equally
    among the chosen spaces holding the function within its reach."""
    gain = np.zeros(len(sol.open))
    for j in range(weight.shape[1]):
        r = problem.reach[j].tocsr()
        for k in np.flatnonzero(sol.put[:, j]).tolist():
            rows = r[:, k].nonzero()[0]
            gain[k] += float((weight[rows, j] * sol.new[rows, j] / np.maximum(
                1, np.asarray(r[rows][:, sol.put[:, j]].sum(axis=1)).ravel())).sum())
    return gain


def _plan(std: CentreStandard, sp_all: gpd.GeoDataFrame, problem: CentreProblem, sol: CentreSolution, *,
          units: _Units, weight: np.ndarray, kinds: list[str], served_before: np.ndarray, known: np.ndarray,
          lang: Lang) -> CentrePlan:
    funcs = std.functions
    out = sp_all.copy()
    out["chosen"] = sol.open
    out["functions"] = [";".join(f.id for f, p in zip(funcs, row, strict=True) if p) for row in sol.put]
    mins = np.array([f.min_area_m2.value for f in funcs])
    out["area_used_m2"] = (sol.put * mins).sum(axis=1)
    gain = _gains(problem, sol, weight)
    out["new_households"] = np.round(gain, 1)
    contribution = gain + std.households_per_m2.value * np.where(sol.open, out["area_m2"].to_numpy(float), 0)
    order = np.argsort(-contribution, kind="stable")
    rank = np.zeros(len(out), dtype=int)
    chosen_order = [k for k in order if sol.open[k]]
    for r_, k_chosen in enumerate(chosen_order, start=1):
        rank[k_chosen] = r_
    out["rank"] = rank
    codes = np.array([units.codes[c] if c >= 0 else "" for c in problem.community], dtype=object)
    out["community_code"] = codes
    out["community_name"] = [str(units.names.get(c, "")) for c in codes]
    pairs = merged_into(out)
    out["reason"] = [space_reason(row, std, lang, pair=pairs.get(str(i))) for i, row in out.iterrows()]
    after = units.area_before.copy()
    for c, code in enumerate(units.codes):
        ks = np.flatnonzero((problem.community == c) & sol.open)
        after[code] = units.area_before[code] + float(out["area_m2"].to_numpy(float)[ks].sum())
    need = units.households * std.m2_per_100_households.value / 100.0
    communities = pd.DataFrame({
        "name": units.names.reindex(units.codes).fillna("").to_numpy(), "households": units.households,
        "need_m2": need, "area_before_m2": units.area_before, "area_source": units.area_source,
        "area_after_m2": after, "gap_before_m2": (need - units.area_before).clip(lower=0),
        "gap_after_m2": (need - after).clip(lower=0)})
    communities.index.name = "community_code"
    cov_rows = []
    for j, f in enumerate(funcs):
        total = float(weight[:, j].sum())
        # no facility of the category in the input: today's reach is not known (no data, not 0),
        # nor is the reach after (new rooms may serve residents an unlisted facility serves)
        before = float(weight[served_before[:, j], j].sum()) if known[j] else np.nan
        new = float((weight[:, j] * sol.new[:, j]).sum())
        cov_rows.append({"function": f.id, "demand": kinds[j], "category": f.category,
                         "walk_limit_m": f.walk_limit_m.value, "total": total, "before": before,
                         "after": before + new, "share_before": before / total if total else np.nan,
                         "share_after": (before + new) / total if total else np.nan,
                         "new": new, "sites": int(sol.put[:, j].sum())})
    both = {lg: _notes(std, problem, sol, units, lang=lg, known=known) for lg in ("zh", "en")}
    return CentrePlan(spaces=out, communities=communities, coverage=pd.DataFrame(cov_rows), solution=sol,
                      standard=std, notes=both[lang], lang=lang, notes_by_lang=both)
