"""Community checks and adjustment proposals run group by group on Dask, merged exactly.

The check itself (households per community, urban/rural and high-rise classification, bands,
ratios) is a handful of vectorised joins over every compound: the lead runs it once, with
:func:`gis_planner.community.check_communities` (``propose=False``), so every number in the
check table is the single-process one by construction. The expensive part — the exact
re-grouping MILPs of :func:`gis_planner.community.propose_adjustments`, the compound cells and
the walking distances before and after — runs on Dask, one task per *group* of communities.

Why groups give the single-process answer
-----------------------------------------
``propose_adjustments`` only ever puts communities of the same sub-district, urban/rural type
and band in one cluster, and a cluster's cells, adjacency and solver problem are built from the
compounds of that cluster alone. So communities are grouped by the partition polygon holding
their representative point, and groups are joined (union-find) when they share a
``subdistrict_code`` (communities without one form a single sub-district in the proposals, so
they are joined too), or when a community without compounds overlaps a community of another
group (its area "joins" the proposed communities it overlaps, wherever they are). Each task gets
its communities in their original order, the compounds assigned to them (same order), the
facilities within its window and, with a network, the edges meeting the window: the group's
bounding box grown by half the walk cut-off plus twice the snap tolerance (every point of a
walk of length ≤ cut-off between two points of the group lies within half the cut-off of one of
them; snapping adds at most the tolerance at each end), in their original order, with every
connected component kept. The lead then rebuilds the single-process tables: the proposed
layer in its order (unchanged communities in input order, then the re-grouped ones sorted by
code), the change list in community order, and the clusters renumbered in the order one
process solves them (stage 1 before stage 2, each in the order of the out-of-band communities
by deviation).
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import time
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis_planner._errors import InputDataError

logger = logging.getLogger(__name__)

#: Padding (m) added to every window so that edges just outside it by rounding are kept.
WINDOW_PAD_M = 1.0


def _proposal_option_names() -> set[str]:
    from gis_planner.community import propose_adjustments

    names = set(inspect.signature(propose_adjustments).parameters)
    return names - {"check", "network", "facilities"}


@dataclasses.dataclass(frozen=True)
class CommunityGroup:
    """Communities proposed together in one task.

    Attributes
    ----------
    group_id
        The partition ids it spans, joined by ``+`` (sorted).
    codes
        Its community codes, in the input order.
    window
        Bounding box (m) of its communities and their compounds.
    """

    group_id: str
    codes: tuple[str, ...]
    window: tuple[float, float, float, float]


def community_groups(check: Any, partition_by: gpd.GeoDataFrame) -> list[CommunityGroup]:
    """Groups of communities whose proposals are independent of every other group.

    Parameters
    ----------
    check
        A :class:`~gis_planner.community.CommunityCheck` (``propose=False`` is enough).
    partition_by
        Polygons (districts, sub-districts), index = partition id, in the communities' CRS.

    Returns
    -------
    list of CommunityGroup
        Sorted by the position of their first community in the input.

    Raises
    ------
    InputDataError
        Polygons in another CRS, empty or with duplicate ids; a community code containing a
        comma (proposal tables list codes comma-separated).
    """
    import networkx as nx

    from gis_planner.partition.plan import Layout, representative_xy

    com = check.communities
    if partition_by.crs != com.crs:
        raise InputDataError(f"partition polygons are in {partition_by.crs}, the communities in {com.crs}; "
                             "read them with metric_crs=communities.crs.")
    codes = com.index.astype(str).to_numpy()
    comma = [c for c in codes if "," in c]
    if comma:
        raise InputDataError(f"communities: codes {comma[:5]} contain a comma; proposals list codes "
                             "comma-separated, so a partitioned run needs codes without commas.")
    layout = Layout.polygons(partition_by)
    part = np.asarray(layout.assign(representative_xy(com.geometry.to_numpy())))
    part_id = [layout.partition_id(k) for k in part]
    g = nx.Graph()
    g.add_nodes_from(range(len(codes)))
    for key in (part_id, [("sub", v if isinstance(v, str) else None) for v in com["subdistrict_code"]]):
        first: dict[Any, int] = {}
        for i, k in enumerate(key):
            g.add_edge(first.setdefault(k, i), i)
    assign = check.counts.assignment
    members = assign["community_code"].dropna().astype(str)
    empty = np.flatnonzero(~np.isin(codes, members.unique()))
    if len(empty):  # an empty community's area joins whichever proposed community overlaps it
        geoms = com.geometry.to_numpy()
        a, b = shapely.STRtree(geoms).query(geoms[empty], predicate="intersects")
        a = empty[a]
        keep = (a != b) & (shapely.area(shapely.intersection(geoms[a], geoms[b])) > 0)
        g.add_edges_from(zip(a[keep].tolist(), b[keep].tolist(), strict=True))
    pts = compounds_bounds(check.compounds, members)
    groups = []
    for comp in nx.connected_components(g):
        pos = sorted(comp)
        gcodes = tuple(codes[pos])
        boxes = [com.geometry.iloc[pos].total_bounds]
        inside = members.index[members.isin(gcodes)]
        if len(inside):
            boxes.append(pts.loc[inside].to_numpy())
        b = np.vstack([np.asarray(x).reshape(-1, 4) for x in boxes])
        window = (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))
        gid = "+".join(sorted({part_id[i] for i in pos}))
        groups.append((pos[0], CommunityGroup(gid, gcodes, window)))
    return [grp for _, grp in sorted(groups, key=lambda t: t[0])]


def compounds_bounds(compounds: gpd.GeoDataFrame, ids: pd.Series) -> pd.DataFrame:
    """Bounds (minx, miny, maxx, maxy; m) of the compounds named by ``ids``' index."""
    sel = compounds.loc[ids.index]
    return pd.DataFrame(shapely.bounds(sel.geometry.to_numpy()), index=sel.index,
                        columns=["minx", "miny", "maxx", "maxy"])


def _subset_check(check: Any, codes: tuple[str, ...]) -> Any:
    """``check`` restricted to the communities ``codes`` and the compounds assigned to them."""
    com = check.communities
    keep = com.index.astype(str).isin(codes)
    assign = check.counts.assignment
    mine = assign["community_code"].isin(codes).to_numpy()
    counts = dataclasses.replace(
        check.counts, communities=check.counts.communities[keep], assignment=assign[mine],
        straddling=check.counts.straddling[check.counts.straddling["community_code"].isin(codes)])
    return dataclasses.replace(check, table=check.table[keep], communities=com[keep], counts=counts,
                               compounds=check.compounds.loc[assign.index[mine]])


def _window(group: CommunityGroup, halo_m: float) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = group.window
    r = halo_m + WINDOW_PAD_M
    return (x0 - r, y0 - r, x1 + r, y1 + r)


def propose_group(check: Any, edges: gpd.GeoDataFrame | None, facilities: gpd.GeoDataFrame | None,
                  options: Mapping[str, Any], group_id: str) -> dict[str, Any]:
    """Run on a worker: the proposals of one group.

    Parameters
    ----------
    check
        The group's :class:`~gis_planner.community.CommunityCheck` (see :func:`_subset_check`).
    edges
        The edges meeting the group's window, in network order, or None (straight lines).
    facilities
        The facilities within the window, or None.
    options
        Keyword arguments of ``propose_adjustments``.

    Returns
    -------
    dict
        ``group``, ``proposal`` (an ``AdjustmentProposal``), ``communities``, ``compounds``,
        ``edges``, ``seconds``.
    """
    from gis_planner.community import propose_adjustments

    t0 = time.perf_counter()
    net = None
    if edges is not None and len(edges):
        from gis_planner.network import WalkNetwork

        net = WalkNetwork.from_lines(edges, source=f"group {group_id}", keep_largest_component=False)
    elif edges is not None:  # no road near the group: nothing snaps, as in one run
        net = _remote_network(check, options)
    adj = propose_adjustments(check, network=net, facilities=facilities, **options)
    return {"group": group_id, "proposal": adj, "communities": len(check.communities),
            "compounds": len(check.compounds), "edges": 0 if edges is None else len(edges),
            "seconds": round(time.perf_counter() - t0, 3)}


def _remote_network(check: Any, options: Mapping[str, Any]) -> Any:
    """A 1 m road beyond the snap tolerance of everything in the group (a group without roads
    in its window: every compound comes out unreachable, as with the whole network)."""
    from gis_planner.network import WalkNetwork

    tol = float(options.get("snap_tolerance_m", 250.0))
    x0, y0, x1, y1 = check.communities.total_bounds
    bx = check.compounds.total_bounds if len(check.compounds) else (x0, y0, x1, y1)
    x, y = max(x1, bx[2]) + tol + 10.0, max(y1, bx[3]) + tol + 10.0
    line = gpd.GeoDataFrame({"highway": [""], "name": [""]},
                            geometry=[shapely.LineString([(x, y), (x + 1.0, y)])], crs=check.communities.crs)
    return WalkNetwork.from_lines(line, source="no road", keep_largest_component=False)


def partitioned_check_communities(
    communities: gpd.GeoDataFrame,
    compounds: gpd.GeoDataFrame,
    *,
    partition_by: gpd.GeoDataFrame,
    network: Any = None,
    facilities: gpd.GeoDataFrame | None = None,
    scheduler: str | None = None,
    n_workers: int = 2,
    client: Any = None,
    processes: bool = True,
    progress: bool = False,
    scheduler_timeout_s: float = 10.0,
    **options: Any,
) -> Any:
    """:func:`~gis_planner.community.check_communities` with the proposals run group by group
    on Dask; the result equals the single-process one.

    Parameters
    ----------
    communities, compounds
        As for ``check_communities`` (metric CRS).
    partition_by
        Polygons (districts, sub-districts), index = id, in the communities' CRS: communities
        are grouped by the polygon holding their representative point (see the module doc).
    network
        A :class:`~gis_planner.network.WalkNetwork` for walking distances, or None for straight
        lines. Each task gets the edges meeting its window (half the walk cut-off plus twice the
        snap tolerance around its communities and compounds).
    facilities
        Facilities with ``category`` (service centres), in the communities' CRS.
    scheduler, n_workers, client, processes, scheduler_timeout_s
        Where to run: see :func:`gis_planner.partition.connect` (``processes=False`` runs the
        local workers as threads of this process).
    progress
        Show a progress bar over the groups (a log line per group is always written).
    **options
        Every other keyword of ``check_communities`` (``bands``, ``assign``, ``gates``,
        ``attributes``, the ratio targets …) and of ``propose_adjustments`` (``max_gap_m``,
        ``time_limit_s``, ``walk_cutoff_m`` (m), ``snap_tolerance_m`` (m) …).

    Returns
    -------
    CommunityCheck
        With ``adjustment`` set, as ``check_communities(..., propose=True)`` returns it.

    Raises
    ------
    InputDataError
        As ``check_communities``; partition polygons in another CRS; community codes with commas.
    ImportError
        Without Dask (``pip install "gis_planner[province]"``).
    """
    from gis_planner.community import check_communities
    from gis_planner.community.checks import with_proposal
    from gis_planner.partition.run import _require_dask, connect

    dd = _require_dask()
    names = _proposal_option_names()
    prop_opts = {k: v for k, v in options.items() if k in names}
    check_opts = {k: v for k, v in options.items() if k not in names}
    if "propose" in check_opts:
        raise InputDataError("partitioned_check_communities always proposes; call check_communities("
                             "propose=False) for the check alone.")
    check = check_communities(communities, compounds, propose=False, **check_opts)
    if facilities is not None:
        from gis_planner._validate import require_same_crs

        require_same_crs(facilities, check.compounds, what_a="facilities", what_b="compounds")
    groups = community_groups(check, partition_by)
    from gis_planner.community import propose_adjustments

    defaults = inspect.signature(propose_adjustments).parameters
    cutoff_m = float(prop_opts.get("walk_cutoff_m", defaults["walk_cutoff_m"].default))
    tol_m = float(prop_opts.get("snap_tolerance_m", defaults["snap_tolerance_m"].default))
    halo_m = cutoff_m / 2.0 + 2.0 * tol_m
    edges = None
    if network is not None:
        from gis_planner.partition.store import edges_frame

        edges = edges_frame(network.edges)
    logger.info("%d communities in %d groups; network window halo %.0f m", len(check.communities),
                len(groups), halo_m)
    own = client is None
    cluster = None
    if own:
        client, cluster = connect(scheduler, n_workers=n_workers, timeout_s=scheduler_timeout_s,
                                  processes=processes)
    try:
        results = _submit(dd, client, check, groups, edges, facilities=facilities, options=prop_opts,
                          halo_m=halo_m, progress=progress)
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()
    adj = merge_proposals(check, [results[g.group_id]["proposal"] for g in groups])
    return with_proposal(check, adj)


def _submit(dd: Any, client: Any, check: Any, groups: list[CommunityGroup], edges: gpd.GeoDataFrame | None, *,
            facilities: gpd.GeoDataFrame | None, options: Mapping[str, Any], halo_m: float,
            progress: bool) -> dict[str, dict[str, Any]]:
    from tqdm.auto import tqdm

    futures = []
    for grp in groups:
        sub = _subset_check(check, grp.codes)
        box = _window(grp, halo_m)
        e = None
        if edges is not None:
            sel = edges.iloc[edges.sindex.query(shapely.box(*box), predicate="intersects")]
            e = sel.sort_values("edge_order", kind="mergesort").drop(columns="edge_order").reset_index(drop=True)
        fac = None
        if facilities is not None:
            fac = facilities.iloc[np.sort(facilities.sindex.query(shapely.box(*box), predicate="intersects"))]
        futures.append(client.submit(propose_group, sub, e, fac, dict(options), grp.group_id, pure=False,
                                     key=f"communities-{grp.group_id}-{time.time_ns()}"))
    out: dict[str, dict[str, Any]] = {}
    with tqdm(total=len(futures), desc="community groups", unit="group", disable=not progress) as bar:
        for fut in dd.as_completed(futures):
            info = fut.result()
            out[info["group"]] = info
            logger.info("group %s: %d communities, %d compounds, %d edges, %s s", info["group"],
                        info["communities"], info["compounds"], info["edges"], info["seconds"])
            bar.update()
    return out


def merge_proposals(check: Any, parts: list[Any]) -> Any:
    """One ``AdjustmentProposal`` from the proposals of independent groups, in the order and
    numbering one ``propose_adjustments`` call over every community gives."""
    from gis_planner.community.adjust import CHANGE_COLUMNS, METHOD, AdjustmentProposal

    com = check.communities
    codes = com.index.astype(str)
    pos = pd.Series(np.arange(len(codes)), index=codes)
    status = com["status"].to_numpy()
    out_of_band = [c for c, s in zip(codes, status, strict=True) if s in ("too_small", "too_large")]
    dev = com["deviation_pct"].set_axis(codes)
    order = sorted(out_of_band, key=lambda c: -abs(float(dev.at[c])))
    rank = {c: k for k, c in enumerate(order)}
    # clusters: stage 1 before stage 2, each in the order of its first (seed) community
    rows, renumber = [], {}
    for k, p in enumerate(parts):
        for r in p.clusters.to_dict("records"):
            rows.append((int(r["stage"]), rank[r["communities"].split(",")[0]], k, r))
    rows.sort(key=lambda t: t[:2])
    for new, (_s, _r, k, r) in enumerate(rows, start=1):
        renumber[(k, int(r["cluster"]))] = new
        r["cluster"] = new
    clusters = pd.DataFrame([t[3] for t in rows], columns=["cluster", "stage", "communities", "compounds",
                                                           "adjacency_links", "status", "moved", "regions",
                                                           "runtime_s"])
    # proposed: unchanged communities in input order, then the re-grouped ones sorted by code
    first, second = [], []
    for p in parts:
        changed = {c for r in p.clusters.itertuples() if r.regions > 0 for c in r.communities.split(",")}
        block2 = p.proposed.index.isin(list(changed)) | ~p.proposed.index.isin(codes)
        first.append(p.proposed[~block2])
        second.append(p.proposed[block2])
    one = _concat(first)
    one = one.iloc[np.argsort(pos.loc[one.index.astype(str)].to_numpy(), kind="stable")]
    two = _concat(second)
    two = two.iloc[np.argsort(two.index.to_numpy(dtype=object), kind="stable")]
    proposed = _concat([one, two])
    current = _concat([p.current for p in parts])
    current = current.iloc[np.argsort(pos.loc[current.index.astype(str)].to_numpy(), kind="stable")]
    # changes: one row per community, in input order, clusters renumbered
    records: list[tuple[int, dict[str, Any]]] = []
    rank_of = {code: k for k, code in enumerate(codes)}
    for k, p in enumerate(parts):
        for r in p.changes.to_dict("records"):
            c = r["cluster"]
            if c is not None and c == c:
                r["cluster"] = renumber[(k, int(c))]
            records.append((rank_of[str(r["community_code"])], r))
    records.sort(key=lambda t: t[0])
    changes = pd.DataFrame([r for _, r in records], columns=CHANGE_COLUMNS).astype({"feasible": bool})
    # assignment: as propose_adjustments builds it, from the proposed code of every compound
    assign = check.counts.assignment
    cur = assign["community_code"]
    prop = cur.copy().astype(object)
    for p in parts:
        a = p.assignment
        diff = a.index[(a["proposed_code"] != a["community_code"]).to_numpy()]
        for i in diff:
            prop.loc[i] = a.at[i, "proposed_code"]
    moved = (prop != cur) & cur.notna()
    assignment = pd.DataFrame({"community_code": cur, "proposed_code": prop, "moved": moved,
                               "households": assign["households"].astype(np.int64), "rule": assign["rule"],
                               "straddles": assign["straddles"]}, index=assign.index)
    kinds = {p.distance_kind for p in parts}
    kind = kinds.pop() if len(kinds) == 1 else "straight line"
    return AdjustmentProposal(proposed=proposed, current=current, changes=changes, assignment=assignment,
                              clusters=clusters, distance_kind=kind, method=METHOD)


def _concat(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Concatenate frames of one layout, skipping empty ones (their columns are untyped)."""
    full = [f for f in frames if len(f)]
    if not full:
        return frames[0].iloc[:0] if frames else gpd.GeoDataFrame()
    if len(full) == 1:
        return full[0]
    return gpd.GeoDataFrame(pd.concat(full), crs=full[0].crs)


__all__ = ["CommunityGroup", "community_groups", "merge_proposals", "partitioned_check_communities"]
