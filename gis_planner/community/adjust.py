"""Boundary adjustment proposals for communities outside their household band.

Why not spopt's max-p or AZP: max-p-regions guarantees only a *floor* per region (regions grow
past any ceiling, and it maximises the number of regions), and AZP fixes the number of regions;
the plan's bands are two-sided (Taizhou: urban 2000–3000 households, high-rise up to 5000,
rural 1000–1500). This module solves each affected cluster of communities exactly as a mixed-
integer programme on HiGHS (:mod:`gis_planner.community._regions`) with a floor AND a ceiling
on every proposed community, contiguity by lazily added separator cuts on the compound
adjacency graph (:mod:`gis_planner.community.adjacency`), and compounds kept whole; it
minimises the compounds that change community, then the number of communities, then makes the
result compact. When a cluster has no valid grouping it says why, per community.

Clusters, in two stages:

1. an oversized community alone (split it); a group of adjacent undersized communities of the
   same type in one sub-district (merge them, re-cutting if the total is too large);
2. for what stage 1 cannot fix: the community (or group) plus every adjacent community of the
   same type and band in its sub-district that no earlier proposal changed (boundary transfer
   or merge with neighbours that are within their band).

"Same type" means the same sub-district, urban/rural type and band (a high-rise community
only re-groups with high-rise ones).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from gis_planner._validate import require_same_crs
from gis_planner.community._regions import RegionProblem, RegionSolution, solve_regions
from gis_planner.community.adjacency import compound_adjacency, compound_cells, polygonal
from gis_planner.community.checks import CommunityCheck, require_check
from gis_planner.community.classify import unit_word
from gis_planner.community.walk import community_centres, compound_walks, walk_summary

logger = logging.getLogger(__name__)

METHOD = ("exact MILP (HiGHS) per cluster on the compound adjacency graph: floor and ceiling "
          "per community, contiguity by lazy separator cuts, compounds whole; minimises moved "
          "compounds, then communities, then household-weighted distance to centroids")
CHANGE_COLUMNS = ["community_code", "name", "status", "households", "band_min", "band_max",
                  "action", "feasible", "result", "households_after", "compounds_moved_out",
                  "households_moved_out", "compounds_moved_in", "households_moved_in",
                  "reason", "reason_zh", "max_walk_m_before", "max_walk_m_after", "cluster",
                  "solver_status"]


@dataclass(frozen=True)
class AdjustmentProposal:
    """Outcome of :func:`propose_adjustments`.

    Attributes
    ----------
    proposed
        Every proposed community (index ``proposed_code``): unchanged ones keep their code and
        polygon; changed ones keep the code of the community they continue (new ones get
        ``<code>-N<k>``) and get a polygon re-cut along compound groupings: the union of their
        compounds' cells (the land nearer to them than to other compounds) within the
        communities of their cluster. Columns: ``name``, ``subdistrict_code``, ``urban_rural``,
        ``high_rise``, ``households``, ``compounds``, ``band_min``, ``band_max``, ``status``,
        ``within_band``, ``action`` (``unchanged``, ``split``, ``merged``, ``adjusted``,
        ``new``), ``from_codes`` (current communities its compounds come from), ``centre_kind``,
        ``max_walk_m`` (farthest household to the centre), ``unreachable_compounds``,
        ``n_parts`` (polygon pieces; 1 for a contiguous polygon).
    current
        The current communities with ``max_walk_m``, ``centre_kind`` and
        ``unreachable_compounds`` (before).
    changes
        One row per community that is out of band or changed by a proposal: ``action``
        (``split``, ``merge``, ``transfer``, ``unchanged`` or ``none``), ``feasible``, ``result``
        (proposed codes, comma-separated), ``households_after``, compounds and households moved
        out and in, ``reason`` / ``reason_zh``, ``max_walk_m_before`` / ``after`` (after: the
        largest over its result communities), ``cluster``, ``solver_status``.
    assignment
        Per compound: ``community_code`` (current), ``proposed_code``, ``moved`` (bool),
        ``households``, ``rule``, ``straddles``.
    clusters
        Per cluster solved: ``cluster``, ``stage``, ``communities``, ``compounds``,
        ``adjacency_links``, ``status``, ``moved``, ``regions``, ``runtime_s``.
    distance_kind
        ``network`` or ``straight line``.
    method
        The method, in words.
    """

    proposed: gpd.GeoDataFrame
    current: gpd.GeoDataFrame
    changes: pd.DataFrame
    assignment: pd.DataFrame
    clusters: pd.DataFrame
    distance_kind: str
    method: str = METHOD


@dataclass
class _State:
    """Working state: who is where, which communities are settled, and the reasons."""

    members: dict[str, list[str]]
    locked: set[str] = field(default_factory=set)
    region_of: dict[str, str] = field(default_factory=dict)          # compound -> proposed code
    new_codes: dict[str, str] = field(default_factory=dict)          # new code -> parent code
    cluster_of: dict[str, int] = field(default_factory=dict)         # community -> cluster id
    solver_of: dict[int, str] = field(default_factory=dict)
    failures: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # code -> reason
    cells: dict[str, Any] = field(default_factory=dict)              # compound -> cell
    clip: dict[int, Any] = field(default_factory=dict)               # cluster -> extent
    cluster_rows: list[dict[str, Any]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)              # code -> name in reasons
    radius_m: float | None = None                                    # urban service radius

    def name(self, code: Any, lang: str = "zh") -> str:
        """The community's name in a reason: a new one split off is named after the community it
        comes from, as the proposed layer names it (阳光社区（拆分1）, in English "(split 1)");
        its code where it has no name."""
        code = str(code)
        parent = self.new_codes.get(code)
        if parent is not None and self.names.get(str(parent)):
            n = code.rsplit("-N", 1)[-1]
            return (f"{self.names[str(parent)]}（拆分{n}）" if lang == "zh"
                    else f"{self.names[str(parent)]} (split {n})")
        return self.names.get(code) or code


def _fmt(v: float) -> str:
    """1234.0 -> '1,234'."""
    return f"{round(v):,}"


def _zh(v: float) -> str:
    """1234.0 -> '1234' (Chinese text writes numbers without separators)."""
    return str(round(v))


def _neighbours(com: gpd.GeoDataFrame, *, gap_m: float = 5.0,
                min_shared_m: float = 10.0) -> dict[str, set[str]]:
    """Communities sharing a border of at least ``min_shared_m`` (gaps up to ``gap_m`` bridged)."""
    geoms = com.geometry.to_numpy()
    codes = com.index.astype(str).to_numpy()
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="dwithin", distance=gap_m)
    keep = a < b
    a, b = a[keep], b[keep]
    out: dict[str, set[str]] = {c: set() for c in codes}
    if len(a):
        shared = shapely.length(shapely.intersection(shapely.boundary(geoms[a]),
                                                     shapely.buffer(geoms[b], gap_m)))
        for i, j, s in zip(a, b, shared, strict=True):
            if s >= min_shared_m:
                out[codes[i]].add(codes[j])
                out[codes[j]].add(codes[i])
    return out


def _kind(com: gpd.GeoDataFrame, code: str) -> tuple[Any, ...]:
    row = com.loc[code]
    return (row["subdistrict_code"], row["urban_rural"], row["band_min"], row["band_max"])


def _units(com: gpd.GeoDataFrame, code: str) -> tuple[str, str]:
    """The English and Chinese word for the community's sub-units: compound / 小区, or in a
    village villagers' group / 村民小组."""
    rural = "urban_rural" in com.columns and str(com.at[code, "urban_rural"]) == "rural"
    return unit_word("rural" if rural else "urban", "en"), unit_word("rural" if rural else "urban", "zh")


def _type_text(com: gpd.GeoDataFrame, code: str) -> tuple[str, str]:
    row = com.loc[code]
    ur, hr = row["urban_rural"], bool(row["high_rise"])
    en = "rural" if ur == "rural" else ("urban high-rise" if hr else "urban")
    zh = "农村社区" if ur == "rural" else ("高层住宅社区" if hr else "城市社区")
    return en, zh


def propose_adjustments(
    check: CommunityCheck,
    *,
    network: Any = None,
    facilities: gpd.GeoDataFrame | None = None,
    max_gap_m: float | None = None,
    sample_step_m: float = 20.0,
    time_limit_s: float = 30.0,
    compact_rounds: int = 2,
    compact_time_s: float = 15.0,
    walk_cutoff_m: float = 20_000.0,
    snap_tolerance_m: float = 250.0,
    service_radius_m: float | Literal["bands"] | None = "bands",
) -> AdjustmentProposal:
    """Propose splits, merges and boundary transfers for communities outside their band.

    Every proposed community is contiguous (on the compound adjacency graph, and its polygon is
    the union of its compounds' cells), lies in one sub-district, is of one type, holds a number
    of households inside its band, and no compound is cut; the household total is preserved
    exactly. Where no such proposal exists the community is listed with the reason.

    Parameters
    ----------
    check
        The result of :func:`~gis_planner.community.checks.check_communities`.
    network
        A walk network (:class:`~gis_planner.network.graph.WalkNetwork`) for the walking
        distances reported before and after; None reports straight-line metres
        (``distance_kind``).
    facilities
        Facilities with ``category``: a ``community_service_centre`` inside a community is its
        centre (else the household-weighted centroid).
    max_gap_m
        Largest distance (m, inclusive) between two compounds that can be neighbours; None
        links every pair whose cells touch (see :mod:`gis_planner.community.adjacency`).
    sample_step_m
        Spacing (m) of the points that represent polygon outlines in the cells.
    time_limit_s
        Wall-clock safety valve per cluster (s) of the whole solve. What stops the search is
        its effort (HiGHS nodes per solve, solve-and-cut rounds, local-search steps; see
        :mod:`gis_planner.community._regions`), so proposals are the same on any machine; the
        valve is meant to bind only on clusters far larger than a planning meeting's, and
        then the log warns that the answer may depend on the machine's speed. A cluster whose
        effort runs out keeps the best valid grouping found (status ``feasible``, with its
        gap) or, without one, says no solution was found.
    compact_rounds, compact_time_s
        Rounds of the compactness phase (0 skips it) and the safety valve of each round (s),
        inside ``time_limit_s``.
    walk_cutoff_m
        Longest walk (m) searched for the distances.
    snap_tolerance_m
        Largest snapping distance (m, inclusive) to the network.
    service_radius_m
        The community's service radius (m): an urban proposal that would leave a household
        farther than this from its community centre *and* farther than it walks today is not
        made, and the communities it concerned are listed with the reason, which names the
        compound and both walks (the bands hold "在满足社区合理服务半径的前提下", Taizhou plan
        二(二)6). A walk already beyond the radius today that the proposal does not lengthen
        does not block it. ``"bands"`` (default): the radius the check's bands carry (a
        profile's ``[community_bands.service_radius_m]``), if any; None: no limit. Rural
        villages are not held to it (no text gives a rural radius), and their reasons say so.

    Returns
    -------
    AdjustmentProposal

    Raises
    ------
    InputDataError
        ``check`` is not a :class:`CommunityCheck`.
    CRSError
        Facilities in another CRS than the compounds.
    """
    check = require_check(check)
    com = check.communities
    compounds = check.compounds
    if facilities is not None:
        require_same_crs(facilities, compounds, what_a="facilities", what_b="compounds")
    assign = check.counts.assignment
    h = assign["households"].astype(np.int64)
    codes = com.index.astype(str)
    com = com.set_axis(codes)
    radius = _radius_of(check) if service_radius_m == "bands" else service_radius_m
    state = _State(members={c: list(assign.index[assign["community_code"] == c]) for c in codes},
                   names=_names(com), radius_m=None if radius is None else float(radius))
    job = _Clusters(com=com, compounds=compounds, h=h, state=state, neighbours=_neighbours(com),
                    opts=_ClusterOptions(time_limit_s=time_limit_s, compact_rounds=compact_rounds,
                                         compact_time_s=compact_time_s, max_gap_m=max_gap_m,
                                         sample_step_m=sample_step_m))
    out_of_band = [c for c in codes if com.at[c, "status"] in ("too_small", "too_large")]
    order = sorted(out_of_band, key=lambda c: -abs(float(com.at[c, "deviation_pct"])))
    _lock_blocked(job, order)
    comp_of = _small_components(job, order)
    stage1_reason = _stage_one(job, order, comp_of)
    _stage_two(job, order, comp_of, stage1_reason)
    adj, walks = _assemble(check, com, compounds, h, state, network=network,
                           facilities=facilities, walk_cutoff_m=walk_cutoff_m,
                           snap_tolerance_m=snap_tolerance_m)
    if _withdraw_beyond_radius(com, state, walks):
        adj, _ = _assemble(check, com, compounds, h, state, network=network,
                           facilities=facilities, walk_cutoff_m=walk_cutoff_m,
                           snap_tolerance_m=snap_tolerance_m)
    return adj


def _names(com: gpd.GeoDataFrame) -> dict[str, str]:
    """Each community's name (communities without one are left out)."""
    if "name" not in com.columns:
        return {}
    return {c: str(n).strip() for c, n in com["name"].items() if pd.notna(n) and str(n).strip()}


def _radius_of(check: CommunityCheck) -> float | None:
    """The service radius (m) the check's bands carry, or None."""
    radius = getattr(check.bands, "service_radius_m", None)
    return None if radius is None else float(radius.value)


def _withdraw_beyond_radius(com: gpd.GeoDataFrame, state: _State, walks: pd.DataFrame) -> bool:
    """Withdraw the urban clusters whose proposal lengthens a household's walk to its community
    centre beyond the service radius (``state.radius_m``, m); their out-of-band communities get
    the reason. A walk that is no longer than the same household's walk today does not count,
    even beyond the radius: the proposal leaves it as it is. True when any cluster was withdrawn.

    ``walks``: per compound, ``before_m`` and ``after_m`` (m, NaN where not reachable)."""
    if state.radius_m is None or not state.region_of:
        return False
    radius = state.radius_m
    w = walks.reindex(list(state.region_of))
    w["cluster"] = [state.cluster_of.get(state.new_codes.get(c, c)) for c in state.region_of.values()]
    urban = {k for c, k in state.cluster_of.items() if com.at[c, "urban_rural"] != "rural"}
    longer = w["before_m"].isna() | (w["after_m"].round() > w["before_m"].round())
    beyond = w[(w["after_m"] > radius + 1e-6) & longer & w["cluster"].isin(urban)]
    for cid in sorted(set(beyond["cluster"])):
        grp = beyond[beyond["cluster"] == cid]
        worst = grp.index[int(np.argmax(grp["after_m"].to_numpy()))]
        _withdraw(cid, com, state, _radius_reason(str(worst), grp.loc[worst], radius))
    return not beyond.empty


def _radius_reason(compound: str, walk: pd.Series, radius_m: float) -> tuple[str, str, str]:
    """English and Chinese reason (and status) for a proposal withdrawn for ``compound``'s walk
    (``before_m`` today, ``after_m`` proposed, m) beyond ``radius_m`` (m)."""
    before, after = walk["before_m"], walk["after_m"]
    if pd.notna(before):
        what_en = (f"lengthen the walk from compound {compound} to its community centre from "
                   f"{_fmt(before)} m today to {_fmt(after)} m")
        what_zh = f"使小区{compound}到社区服务中心的步行距离由现状{_zh(before)}米增至{_zh(after)}米"
    else:
        what_en = (f"leave compound {compound} {_fmt(after)} m from its community centre (not "
                   "reachable on the network today)")
        what_zh = f"使小区{compound}到社区服务中心的步行距离为{_zh(after)}米（现状无法经路网到达）"
    return (f"the re-grouping found would {what_en}, beyond the service radius of "
            f"{_fmt(radius_m)} m; not proposed (the bands apply 'within a reasonable service "
            "radius'; only a walk the re-grouping lengthens beyond it counts)",
            f"找到的调整方案会{what_zh}，超过服务半径{_zh(radius_m)}米，"
            "不满足“在满足社区合理服务半径的前提下”，不予建议（只计因调整而超过服务半径的步行）",
            "service_radius")


def _withdraw(cid: int, com: gpd.GeoDataFrame, state: _State, reason: tuple[str, str, str]) -> None:
    """Take cluster ``cid``'s proposal back: its communities stay as they are and its
    out-of-band ones get ``reason``."""
    codes = [c for c, k in state.cluster_of.items() if k == cid]
    for i in [i for i, c in state.region_of.items()
              if state.cluster_of.get(state.new_codes.get(c, c)) == cid]:
        del state.region_of[i]
    for new in [n for n, p in state.new_codes.items() if p in codes]:
        del state.new_codes[new]
    state.clip.pop(cid, None)
    for row in state.cluster_rows:
        if row.get("cluster") == cid:
            row.update(status="beyond_service_radius", moved=0, regions=0)
    for c in codes:
        if com.at[c, "status"] in ("too_small", "too_large"):
            state.failures[c] = reason


@dataclass(frozen=True)
class _ClusterOptions:
    """Solver options shared by every cluster (see :func:`propose_adjustments`)."""

    time_limit_s: float
    compact_rounds: int
    compact_time_s: float
    max_gap_m: float | None
    sample_step_m: float


@dataclass(frozen=True)
class _Clusters:
    """What every stage of :func:`propose_adjustments` reads and the state it updates."""

    com: gpd.GeoDataFrame
    compounds: gpd.GeoDataFrame
    h: pd.Series
    state: _State
    neighbours: dict[str, set[str]]
    opts: _ClusterOptions


def _lock_blocked(job: _Clusters, order: list[str]) -> None:
    """Lock the communities with a compound that alone is above the ceiling."""
    com, h, state = job.com, job.h, job.state
    for c in order:
        hi = float(com.at[c, "band_max"])
        big = [i for i in state.members[c] if h[i] > hi]
        if big:
            top = max(big, key=lambda i: h[i])
            u_en, u_zh = _units(com, c)
            state.failures[c] = (
                f"{u_en} {top} alone holds {_fmt(h[top])} households, above the ceiling of "
                f"{_fmt(hi)}; no proposal can keep {u_en}s whole",
                f"{u_zh}{top}单独即有{_zh(h[top])}户，超过上限{_zh(hi)}户；不拆分{u_zh}无法调整",
                "obstacle")
            state.locked.add(c)


def _small_components(job: _Clusters, order: list[str]) -> dict[str, list[str]]:
    """The group of each pending too-small community: the adjacent too-small ones of its type."""
    com, nb = job.com, job.neighbours
    small = [c for c in order if c not in job.state.locked and com.at[c, "status"] == "too_small"]
    g_small = nx.Graph()
    g_small.add_nodes_from(small)
    g_small.add_edges_from((a, b) for a in small for b in nb[a]
                           if b in small and _kind(com, a) == _kind(com, b))
    comp_of: dict[str, list[str]] = {}
    for comp in nx.connected_components(g_small):
        grp = sorted(comp, key=order.index)
        for c in grp:
            comp_of[c] = grp
    return comp_of


def _stage_one(job: _Clusters, order: list[str],
               comp_of: dict[str, list[str]]) -> dict[str, tuple[str, str]]:
    """Re-group each pending community (or group of small ones) on its own; the reasons
    (English, Chinese) of those that fail."""
    pending = [c for c in order if c not in job.state.locked]
    groups: list[list[str]] = []
    seen: set[str] = set()
    for c in pending:
        if c in seen:
            continue
        grp = comp_of.get(c, [c])
        seen.update(grp)
        groups.append(grp)
    reasons: dict[str, tuple[str, str]] = {}
    for grp in groups:
        sol = _solve_cluster(grp, job, stage=1)
        if sol is None or sol.region is None:
            reasons.update({c: _why(sol, grp, job.com, job.h, job.state,
                                    time_limit_s=job.opts.time_limit_s) for c in grp})
    return reasons


def _no_neighbour_reason(com: gpd.GeoDataFrame, c: str,
                         stage1_reason: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """English and Chinese reason for a community left without a neighbour to re-group with."""
    t_en, t_zh = _type_text(com, c)
    u_en, u_zh = _units(com, c)
    sub = com.at[c, "subdistrict_code"]
    if com.at[c, "status"] == "too_small":
        return (f"no adjacent {t_en} community in sub-district {sub} left to merge with "
                f"or take {u_en}s from",
                f"所在街道（乡镇）{sub}内没有可合并或可划入{u_zh}的相邻{t_zh}")
    s_en, s_zh = stage1_reason.get(c, ("", ""))
    return (f"{s_en}; and no adjacent {t_en} community in sub-district {sub} can take {u_en}s",
            f"{s_zh}；所在街道（乡镇）{sub}内也没有可划入{u_zh}的相邻{t_zh}")


def _stage_two(job: _Clusters, order: list[str], comp_of: dict[str, list[str]],
               stage1_reason: dict[str, tuple[str, str]]) -> None:
    """Re-group each community still unsolved together with its adjacent communities of the
    same type; record why where that fails too."""
    com, state = job.com, job.state
    for c in order:
        if c in state.locked:
            continue
        grp = [g for g in comp_of.get(c, [c]) if g not in state.locked]
        neigh = sorted({n for g in grp for n in job.neighbours[g]
                        if n not in state.locked and n not in grp
                        and com.at[n, "status"] != "unclassified"
                        and _kind(com, n) == _kind(com, c)})
        if not neigh:
            en, zh = _no_neighbour_reason(com, c, stage1_reason)
            for g in grp:
                state.failures[g] = (en, zh, "no_neighbour")
                state.locked.add(g)
            continue
        cluster = grp + neigh
        sol = _solve_cluster(cluster, job, stage=2)
        if sol is None or sol.region is None:
            en, zh = _why(sol, cluster, com, job.h, state, time_limit_s=job.opts.time_limit_s)
            s_en, s_zh = stage1_reason.get(c, ("", ""))
            if s_en and com.at[c, "status"] == "too_large":
                en, zh = f"{s_en}; with its neighbours: {en}", f"{s_zh}；与相邻社区一并调整：{zh}"
            status = sol.status if sol is not None else "obstacle"
            for g in grp:
                state.failures[g] = (en, zh, status)
                state.locked.add(g)


def _why(sol: RegionSolution | None, cluster: Sequence[str], com: gpd.GeoDataFrame,
         h: pd.Series, state: _State, *, time_limit_s: float | None = None) -> tuple[str, str]:
    """English and Chinese reason for a cluster without a valid grouping (``time_limit_s``:
    the solver's limit, named when it ran out)."""
    lo, hi = float(com.at[cluster[0], "band_min"]), float(com.at[cluster[0], "band_max"])
    band_en, band_zh = f"{_fmt(lo)}–{_fmt(hi)}", f"{_zh(lo)}—{_zh(hi)}"
    names = "+".join(map(state.name, cluster))
    u_en, u_zh = _units(com, cluster[0])
    ids = [i for c in cluster for i in state.members[c]]
    total = int(h.loc[ids].sum()) if ids else 0
    if sol is None or sol.obstacle is not None:
        ob = sol.obstacle if sol is not None else None
        if ob is not None and ob.kind == "isolated_group":
            grp = [ids[i] for i in ob.nodes]
            shown = ", ".join(grp[:5]) + (" …" if len(grp) > 5 else "")
            return (f"{u_en}s {shown} ({_fmt(ob.households)} households) have no neighbouring "
                    f"{u_en} in {names} and cannot form communities of {band_en} households",
                    f"{u_zh}{'、'.join(grp[:5])}（{_zh(ob.households)}户）与{names}的其他{u_zh}"
                    f"不相邻，无法单独组成{band_zh}户的社区")
        return (f"{_fmt(total)} households of {names} cannot be divided into communities of "
                f"{band_en} households",
                f"{names}共{_zh(total)}户，无法划分为每个{band_zh}户的社区")
    if sol.status == "infeasible":
        return (f"no contiguous re-grouping of the {len(ids)} {u_en}s of {names} keeps every "
                f"community within {band_en} households (proven by the solver)",
                f"{names}的{len(ids)}个{u_zh}无法重新组合为每个都在{band_zh}户之间的连片社区"
                "（经求解器证明无解）")
    if sol.stopped_by == "effort":
        return (f"no valid re-grouping of {names} found within the solver's search effort (not "
                "proven impossible); the same inputs give the same answer on any machine, so "
                "adjust these communities by hand or try another band",
                f"在求解器的搜索量内未找到{names}的调整方案（未证明无解）；相同输入在任何计算机上结果相同，"
                "请人工调整这些社区或尝试其他户数区间")
    limit_s = float(time_limit_s if time_limit_s is not None else round(sol.runtime_s))
    limit = f"{limit_s:g}"
    return (f"no solution found within {limit} s for the re-grouping of {names} (not proven "
            f"impossible); try a longer time_limit_s, e.g. {_fmt(4 * limit_s)} s",
            f"{limit}秒内未找到{names}的调整方案（未证明无解）；可延长求解时限 time_limit_s，"
            f"如{_zh(4 * limit_s)}秒")


def _solve_cluster(cluster: list[str], job: _Clusters, *, stage: int) -> RegionSolution | None:
    """Solve one cluster and, when it succeeds, record the new grouping and lock it."""
    com, compounds, h, state, opts = job.com, job.compounds, job.h, job.state, job.opts
    ids = [i for c in cluster for i in state.members[c]]
    cid = len(state.cluster_rows) + 1
    band = (int(com.at[cluster[0], "band_min"]), int(com.at[cluster[0], "band_max"]))
    row = {"cluster": cid, "stage": stage, "communities": ",".join(cluster),
           "compounds": len(ids), "adjacency_links": 0, "status": "obstacle", "moved": 0,
           "regions": 0, "runtime_s": 0.0}
    state.cluster_rows.append(row)
    if not ids:
        return None
    sub = compounds.loc[ids]
    area = shapely.union_all(com.loc[cluster].geometry.to_numpy())
    extent = shapely.union_all([area, *sub.geometry.to_numpy()])
    cells = compound_cells(sub, extent, sample_step_m=opts.sample_step_m)
    edges = compound_adjacency(sub, cells, max_gap_m=opts.max_gap_m)
    label = {c: k for k, c in enumerate(cluster)}
    current = np.array([label[c] for c in cluster for _ in state.members[c]], dtype=np.int64)
    pts = sub.geometry.representative_point()
    problem = RegionProblem(households=h.loc[ids].to_numpy(dtype=np.int64), edges=edges,
                            current=current, n_labels=len(cluster), band=band)
    sol = solve_regions(problem, xy=np.c_[pts.x, pts.y], time_limit_s=opts.time_limit_s,
                        compact_rounds=opts.compact_rounds, compact_time_s=opts.compact_time_s)
    row.update(adjacency_links=len(edges), status=sol.status, moved=sol.moved,
               regions=sol.n_regions, runtime_s=round(sol.runtime_s, 3))
    logger.info("cluster %d (stage %d, %s): %d compounds, %d links -> %s in %.2f s", cid, stage,
                ",".join(cluster), len(ids), len(edges), sol.status, sol.runtime_s)
    if sol.region is None:
        return sol
    _verify(sol.region, problem)
    codes = _region_codes(sol.region, current, cluster, ids, h=h, taken=set(com.index), state=state)
    for k, i in enumerate(ids):
        state.region_of[i] = codes[sol.region[k]]
        state.cells[i] = cells.iloc[k]
    for c in cluster:
        state.locked.add(c)
        state.cluster_of[c] = cid
    state.clip[cid] = area
    state.solver_of[cid] = sol.status
    return sol


def _verify(region: np.ndarray, p: RegionProblem) -> None:
    """Check the solver's grouping (band, contiguity, every compound once); raise if broken."""
    g = nx.Graph()
    g.add_nodes_from(range(p.n))
    g.add_edges_from(map(tuple, p.edges))
    for r in np.unique(region):
        nodes = np.flatnonzero(region == r)
        total = int(p.households[nodes].sum())
        if not (p.band[0] <= total <= p.band[1]) or not nx.is_connected(g.subgraph(nodes)):
            raise RuntimeError(f"internal error: region {r} of the solver's grouping breaks the "
                               f"band or contiguity ({total} households, {len(nodes)} compounds)")


def _region_codes(region: np.ndarray, current: np.ndarray, cluster: list[str], ids: list[str], *,
                  h: pd.Series, taken: set[str], state: _State) -> dict[int, str]:
    """Proposed code of each region: the label's code, or ``<parent>-N<k>`` for a new one
    (parent: the current community giving it the most households)."""
    hh = h.loc[ids].to_numpy()
    out: dict[int, str] = {}
    for r in np.unique(region):
        if r < len(cluster):
            out[int(r)] = cluster[r]
            continue
        sel = region == r
        by = pd.Series(hh[sel]).groupby(current[sel]).sum()
        parent = cluster[int(by.index[int(by.to_numpy().argmax())])]
        k = 1
        while f"{parent}-N{k}" in taken or f"{parent}-N{k}" in state.new_codes:
            k += 1
        out[int(r)] = f"{parent}-N{k}"
        state.new_codes[out[int(r)]] = parent
    return out


def _assemble(check: CommunityCheck, com: gpd.GeoDataFrame, compounds: gpd.GeoDataFrame,
              h: pd.Series, state: _State, *, network: Any, facilities: Any,
              walk_cutoff_m: float, snap_tolerance_m: float
              ) -> tuple[AdjustmentProposal, pd.DataFrame]:
    """The proposal from the state, and per compound the walk (m) to its community centre
    today and as proposed (``before_m``, ``after_m``)."""
    assign = check.counts.assignment
    cur = assign["community_code"]
    prop = cur.copy().astype(object)
    for i, code in state.region_of.items():
        prop.loc[i] = code
    moved = (prop != cur) & cur.notna()
    assignment = pd.DataFrame({"community_code": cur, "proposed_code": prop, "moved": moved,
                               "households": h, "rule": assign["rule"],
                               "straddles": assign["straddles"]}, index=assign.index)
    changed_clusters = set(state.clip)
    changed_codes = {c for c, k in state.cluster_of.items() if k in changed_clusters}
    # proposed layer
    rows = []
    for code in com.index:
        if code in changed_codes:
            continue
        r = com.loc[code]
        rows.append(_prop_row(code, r, r.geometry, households=int(r["households"]),
                              n=int(r["compounds"]), from_codes=code, action="unchanged"))
    alive_codes = set(prop[prop.notna()])
    for code in sorted(alive_codes - (set(com.index) - changed_codes)):
        ids = list(prop.index[prop == code])
        parent = state.new_codes.get(code, code)
        base = com.loc[parent]
        clip = state.clip[state.cluster_of[parent]]
        geom = polygonal(shapely.intersection(
            shapely.union_all([state.cells[i] for i in ids], grid_size=0.01), clip,
            grid_size=0.01))
        from_codes = sorted(set(cur.loc[ids].dropna()))
        if code in state.new_codes:
            action = "new"
        elif set(ids) == set(state.members[code]):
            action = "unchanged"
        elif any(p == code for p in state.new_codes.values()):
            action = "split"
        elif any(f != code and f not in alive_codes for f in from_codes):
            action = "merged"
        else:
            action = "adjusted"
        name = base.get("name", "")
        if code in state.new_codes:
            name = f"{name}（拆分{code.rsplit('-N', 1)[1]}）"
        rows.append(_prop_row(code, base, geom, households=int(h.loc[ids].sum()), n=len(ids),
                              from_codes=",".join(from_codes), action=action, name=name))
    proposed = gpd.GeoDataFrame(rows, geometry="geometry", crs=com.crs).set_index("proposed_code")
    proposed["n_parts"] = [len(shapely.get_parts(g)) if not shapely.is_empty(g) else 0
                           for g in proposed.geometry]
    # walking distances before and after
    groups_cur = [(("current", c), pd.Index(state.members[c]), com.geometry.loc[c])
                  for c in com.index if state.members[c]]
    new_rows = proposed.index[proposed["action"] != "unchanged"]
    groups_new = [(("proposed", c), pd.Index(prop.index[prop == c]), proposed.at[c, "geometry"])
                  for c in new_rows]
    centre_of = _kept_centres(groups_cur, set(proposed.index[proposed["action"] != "merged"]),
                              compounds, facilities)
    cen, walks = compound_walks(groups_cur + groups_new, compounds, network=network,
                                facilities=facilities, centre_of=centre_of,
                                cutoff_m=walk_cutoff_m, snap_tolerance_m=snap_tolerance_m)
    walk = walk_summary(cen, walks)
    before = walk.loc[[k for k in walk.index if k[0] == "current"]]
    before.index = [k[1] for k in before.index]
    after = walk.loc[[k for k in walk.index if k[0] == "proposed"]]
    after.index = [k[1] for k in after.index]
    current = com.copy()
    for col in ("centre_kind", "max_walk_m", "unreachable_compounds"):
        current[col] = before[col].reindex(current.index).to_numpy()
    for col in ("centre_kind", "max_walk_m", "unreachable_compounds"):
        vals = before[col].reindex(proposed.index)
        if len(after):
            vals = vals.where(~proposed.index.isin(after.index), after[col].reindex(proposed.index))
        proposed[col] = vals.to_numpy()
    proposed = proposed[[c for c in proposed.columns if c != "geometry"] + ["geometry"]]
    changes = _changes(com, state, assignment, proposed=proposed, current=current,
                       changed_codes=changed_codes)
    clusters = pd.DataFrame(state.cluster_rows, columns=["cluster", "stage", "communities",
                                                         "compounds", "adjacency_links",
                                                         "status", "moved", "regions",
                                                         "runtime_s"])
    kind = "network" if network is not None else "straight line"
    logger.info("proposals: %d clusters solved, %d communities without a feasible proposal",
                len(changed_clusters), len(state.failures))
    return (AdjustmentProposal(proposed=proposed, current=current, changes=changes,
                               assignment=assignment, clusters=clusters, distance_kind=kind),
            _compound_walks(walks, len(groups_cur)))


def _kept_centres(groups_cur: list[tuple[Any, pd.Index, Any]], alive: set[str],
                  compounds: gpd.GeoDataFrame, facilities: Any) -> dict[Any, str]:
    """The centre facility of every current community that has one and continues in the
    proposal (``alive``: not merged), for both its current and its proposed group: a community
    that is split, adjusted or unchanged keeps its 党群服务中心; a merged community takes the
    centre nearest its households' centroid among those inside it that no other one keeps."""
    if facilities is None or not groups_cur:
        return {}
    cen = community_centres(groups_cur, compounds, facilities=facilities)
    kept: dict[Any, str] = {}
    for (_kind, code), fac in cen["centre_facility"].items():
        if fac and code in alive:
            kept[("current", code)] = kept[("proposed", code)] = str(fac)
    return kept


def _compound_walks(walks: list[pd.Series], n_current: int) -> pd.DataFrame:
    """Per compound, the walk (m) today (the first ``n_current`` groups) and as proposed (the
    others; where a compound is in none of them, as today)."""
    before = pd.concat(walks[:n_current]) if n_current else pd.Series(dtype=float)
    after = pd.concat(walks[n_current:]) if len(walks) > n_current else pd.Series(dtype=float)
    return pd.DataFrame({"before_m": before, "after_m": after.combine_first(before)})


def _prop_row(code: str, base: pd.Series, geom: Any, *, households: int, n: int, from_codes: str,
              action: str, name: str | None = None) -> dict[str, Any]:
    lo, hi = base["band_min"], base["band_max"]
    known = lo == lo
    status = ("unclassified" if not known else "too_small" if households < lo else
              "too_large" if households > hi else "within_band")
    return {"proposed_code": code, "name": base.get("name", "") if name is None else name,
            "subdistrict_code": base.get("subdistrict_code"), "urban_rural": base["urban_rural"],
            "high_rise": bool(base["high_rise"]), "households": households, "compounds": n,
            "band_min": lo, "band_max": hi, "status": status,
            "within_band": bool(status == "within_band"), "action": action,
            "from_codes": from_codes, "geometry": geom}


def _flows(code: str, assignment: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    a = assignment
    out = a[(a["community_code"] == code) & (a["proposed_code"] != code)]
    inn = a[(a["proposed_code"] == code) & (a["community_code"] != code)]
    return out, inn


def _n_units(n: int, word: str) -> str:
    """2, 'compound' -> '2 compounds'."""
    return f"{n} {word}{'s' if n != 1 else ''}"


def _moves_text(out: pd.DataFrame, inn: pd.DataFrame, skip: Sequence[str], *,
                units: tuple[str, str], state: _State) -> tuple[str, str]:
    """'; gives 2 compounds (680 households) to 鼓楼社区; takes …' and its Chinese, each part led
    by a separator (communities in ``skip`` are left out); ``units``: the English and Chinese
    word for the sub-units moved (compound / 小区, villagers' group / 村民小组)."""
    en, zh = "", ""
    u_en, u_zh = units
    for dest, grp in out.groupby("proposed_code"):
        hh = grp["households"].sum()
        en += f"; gives {_n_units(len(grp), u_en)} ({_fmt(hh)} households) to {state.name(dest)}"
        zh += f"；划出{len(grp)}个{u_zh}（{_zh(hh)}户）给{state.name(dest)}"
    for src, grp in inn.groupby("community_code"):
        if src in skip:
            continue
        hh = grp["households"].sum()
        en += f"; takes {_n_units(len(grp), u_en)} ({_fmt(hh)} households) from {state.name(src)}"
        zh += f"；从{state.name(src)}划入{len(grp)}个{u_zh}（{_zh(hh)}户）"
    return en, zh


def _join(items: Iterable[str], sep: str = ", ") -> str:
    return sep.join(items)


def _change_text(action: str, code: str, *, com: gpd.GeoDataFrame, state: _State,
                 proposed: gpd.GeoDataFrame, out: pd.DataFrame, inn: pd.DataFrame,
                 absorbed: list[str], children: list[str], alive: bool,
                 after_h: int) -> tuple[list[str], str, str]:
    """The resulting communities of ``code``'s change and its English and Chinese description
    (communities by name, new ones by code)."""
    units = _units(com, code)
    if action == "merge" and alive:
        result = [code]
        m_en, m_zh = _moves_text(out, inn, absorbed, units=units, state=state)
        en = (f"absorbs {_join(map(state.name, absorbed))} (merged community: "
              f"{_fmt(after_h)} households)" + m_en)
        zh = f"与{'、'.join(map(state.name, absorbed))}合并（合并后{_zh(after_h)}户）" + m_zh
    elif action == "merge" and not len(out):  # a community without compounds
        poly = com.geometry.loc[code]
        dest = sorted(c for c, g in proposed.geometry.items()
                      if shapely.area(shapely.intersection(g, poly)) > 1.0)
        result = dest
        en = f"has no {units[0]}s; its area joins {_join(map(state.name, dest))}"
        zh = f"无{units[1]}；其范围并入{'、'.join(map(state.name, dest))}"
    elif action == "merge":
        dest = sorted(set(out["proposed_code"]))
        result = dest
        sizes = [int(proposed.at[d, "households"]) for d in dest]
        en = "merged into " + _join(f"{state.name(d)} (now {_fmt(s)} households)"
                                    for d, s in zip(dest, sizes, strict=True))
        zh = "并入" + _join((f"{state.name(d)}（合并后{_zh(s)}户）"
                           for d, s in zip(dest, sizes, strict=True)), "、")
    elif action == "split":
        result = [code, *children]
        sizes = [int(proposed.at[c, "households"]) for c in result]
        en = (f"split into {len(result)} contiguous communities "
              f"({_join(state.name(c, 'en') for c in result)}) of {_join(_fmt(s) for s in sizes)} households")
        zh = (f"拆分为{len(result)}个连片社区（{'、'.join(map(state.name, result))}），分别"
              f"{'、'.join(_zh(s) for s in sizes)}户")
    elif action == "transfer":
        result = sorted({code, *set(out["proposed_code"])} - {None})
        m_en, m_zh = _moves_text(out, inn, [], units=units, state=state)
        en = m_en.removeprefix("; ") + f"; now {_fmt(after_h)} households"
        zh = m_zh.removeprefix("；") + f"；调整后{_zh(after_h)}户"
    else:
        result, en, zh = [code], "unchanged", "不变"
    return result, en, zh


def _village_note(state: _State) -> tuple[str, str]:
    """What a proposal for a village adds to its reason: the legal process and, when a service
    radius is in force, that villages are not held to it."""
    en = ("; a village's boundary changes only on the villagers' assembly's consent and the "
          "county government's approval (Organic Law of the Villagers' Committees, art. 3)")
    zh = "；村的范围调整须经村民会议讨论同意后报县级人民政府批准（《村民委员会组织法》第三条）"
    if state.radius_m is not None:
        en += (f"; the service radius of {_fmt(state.radius_m)} m is applied to urban "
               "communities only (no text gives a rural one): this change's walks were not "
               "held to it")
        zh += (f"；服务半径{_zh(state.radius_m)}米只用于城市社区（未见文件规定村的服务半径），"
               "本调整的步行距离未按此核查")
    return en, zh


def _changes(com: gpd.GeoDataFrame, state: _State, assignment: pd.DataFrame, *,
             proposed: gpd.GeoDataFrame, current: gpd.GeoDataFrame,
             changed_codes: set[str]) -> pd.DataFrame:
    rows = []
    for code in com.index:
        r = com.loc[code]
        oob = r["status"] in ("too_small", "too_large")
        if code not in changed_codes and code not in state.failures:
            continue
        base = {"community_code": code, "name": r.get("name", ""), "status": r["status"],
                "households": int(r["households"]), "band_min": r["band_min"],
                "band_max": r["band_max"], "max_walk_m_before": current.at[code, "max_walk_m"]}
        if code in state.failures:
            en, zh, st = state.failures[code]
            rows.append({**base, "action": "none", "feasible": False, "result": "",
                         "households_after": int(r["households"]), "compounds_moved_out": 0,
                         "households_moved_out": 0, "compounds_moved_in": 0,
                         "households_moved_in": 0, "reason": en, "reason_zh": zh,
                         "max_walk_m_after": np.nan, "cluster": state.cluster_of.get(code),
                         "solver_status": st})
            continue
        out, inn = _flows(code, assignment)
        cid = state.cluster_of[code]
        children = sorted(c for c, p in state.new_codes.items() if p == code)
        alive = code in proposed.index
        after_h = int(proposed.at[code, "households"]) if alive else 0
        absorbed = sorted(c for c in set(inn["community_code"].dropna())
                          if c not in proposed.index
                          and set(state.members[c]) <= set(inn.index))
        if not alive:
            action = "merge"
        elif not len(out) and not len(inn) and not children:
            action = "unchanged"
        elif absorbed:
            action = "merge"
        elif children and set(out["proposed_code"]) <= set(children):
            action = "split"
        else:
            action = "transfer"
        if action == "unchanged" and not oob:
            continue
        result, en, zh = _change_text(action, code, com=com, state=state, proposed=proposed,
                                      out=out, inn=inn, absorbed=absorbed, children=children,
                                      alive=alive, after_h=after_h)
        if com.at[code, "urban_rural"] == "rural" and action != "unchanged":
            note_en, note_zh = _village_note(state)
            en, zh = en + note_en, zh + note_zh
        # the community's own farthest walk after the change; a split community's over its parts,
        # a dissolved one's over the communities its compounds join
        own = [code, *children] if alive else result
        walk_after = proposed["max_walk_m"].reindex(own).max() if own else np.nan
        rows.append({**base, "action": action, "feasible": True, "result": ",".join(result),
                     "households_after": after_h, "compounds_moved_out": len(out),
                     "households_moved_out": int(out["households"].sum()),
                     "compounds_moved_in": len(inn),
                     "households_moved_in": int(inn["households"].sum()), "reason": en,
                     "reason_zh": zh, "max_walk_m_after": walk_after, "cluster": cid,
                     "solver_status": state.solver_of.get(cid, "")})
    frame = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    return frame.astype({"feasible": bool})


def transfer_label(change: Mapping[Any, Any] | pd.Series, urban_rural: str, lang: str = "zh") -> str:
    """A ``transfer`` row of :attr:`AdjustmentProposal.changes` in words, naming the sub-units
    its community moves (小区, or 村民小组 in a village:
    :func:`~gis_planner.community.classify.unit_word`) and which way they go.

    A community that only takes units is adjusted (调整边界（划入相邻社区的小区）); one that only
    gives them is the giving side (划出村民小组给相邻村), and is called adjusted itself
    (调整边界（…）) only when it is outside its band too.

    >>> transfer_label({"status": "within_band", "compounds_moved_out": 1,
    ...                 "compounds_moved_in": 0}, "rural")
    '划出村民小组给相邻村'

    Parameters
    ----------
    change
        A row (mapping or Series) with ``status``, ``compounds_moved_out`` and
        ``compounds_moved_in``.
    urban_rural
        The community's type, ``urban`` or ``rural``.
    lang
        ``zh`` or ``en``.
    """
    ur = "rural" if urban_rural == "rural" else "urban"
    unit, units = unit_word(ur, "zh"), f"{unit_word(ur, 'en')}s"
    place, place_en = ("村", "village") if ur == "rural" else ("社区", "community")
    gives = int(change.get("compounds_moved_out", 0)) > 0
    takes = int(change.get("compounds_moved_in", 0)) > 0
    if gives and takes:
        zh, en = f"与相邻{place}互划{unit}", f"exchanges {units} with neighbouring {place_en}s"
    elif gives:
        zh, en = f"划出{unit}给相邻{place}", f"gives {units} to a neighbouring {place_en}"
    else:
        zh, en = f"划入相邻{place}的{unit}", f"takes {units} from a neighbouring {place_en}"
    if change.get("status") == "within_band":
        return zh if lang == "zh" else en
    return f"调整边界（{zh}）" if lang == "zh" else f"boundary change ({en})"


__all__ = ["METHOD", "AdjustmentProposal", "propose_adjustments", "transfer_label"]
