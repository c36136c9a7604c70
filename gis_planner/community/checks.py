"""Community size checks against household bands, and adjustment proposals for those outside."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis_planner._errors import InputDataError
from gis_planner._validate import require_same_crs
from gis_planner.community.adjust import contiguity_graph, split_community, transfer, voronoi_cells
from gis_planner.community.classify import classify_communities
from gis_planner.community.counts import AssignRule, count_households_by_community

logger = logging.getLogger(__name__)


class BandSource(Protocol):
    """Anything with ``band_for(urban_rural, high_rise) -> (min, max)`` (a profile's bands)."""

    def band_for(self, urban_rural: str, high_rise: bool) -> tuple[int, int]: ...


@dataclass(frozen=True)
class ExplicitBands:
    """Household bands given as arguments: (min, max) households, inclusive."""

    urban: tuple[int, int]
    urban_high_rise: tuple[int, int]
    rural: tuple[int, int]

    def band_for(self, urban_rural: str, high_rise: bool) -> tuple[int, int]:
        """The band of a community type."""
        if urban_rural == "rural":
            return self.rural
        return self.urban_high_rise if high_rise else self.urban


@dataclass(frozen=True)
class CommunityCheck:
    """Outcome of :func:`check_communities`.

    Attributes
    ----------
    table
        One row per community: ``community_code``, ``name``, ``subdistrict_code``,
        ``urban_rural`` (+ rule), ``high_rise`` (+ rule), ``households``, ``compounds``,
        ``straddling_compounds``, ``band_min``, ``band_max``, ``status`` (``too_small`` /
        ``within_band`` / ``too_large`` / ``unclassified``), ``deviation_households``,
        ``deviation_pct``, and where attributes exist ``service_area_m2_per_100_households`` and
        ``community_workers_per_10k_urban_residents`` with pass/fail columns.
    communities
        The communities with those columns (polygons).
    proposed
        Proposed communities (polygons: Voronoi cells of their compounds within the affected
        communities, or the original polygon when unchanged): ``proposed_code``, ``households``,
        ``band_min``, ``band_max``, ``from_codes``, ``action``, ``max_walk_m``.
    changes
        One row per out-of-band community: ``action`` (split / merge / transfer / none),
        ``feasible``, ``result`` codes, ``reason`` (English) and ``reason_zh`` (Chinese),
        ``max_walk_m_before``/``after``.
    assignment
        Compound -> current and proposed community.
    """

    table: pd.DataFrame
    communities: gpd.GeoDataFrame
    proposed: gpd.GeoDataFrame
    changes: pd.DataFrame
    assignment: pd.DataFrame
    rule: str
    distance_kind: str


def _bands(bands: Any, urban: Any, urban_high_rise: Any, rural: Any) -> BandSource:
    if bands is not None:
        return bands
    if urban is None or rural is None:
        raise InputDataError("community bands missing: pass bands=load_profile(id).community_bands "
                             "or urban=(min, max), urban_high_rise=(min, max), rural=(min, max).")
    return ExplicitBands(tuple(urban), tuple(urban_high_rise or urban), tuple(rural))


def check_communities(
    communities: gpd.GeoDataFrame,
    compounds: gpd.GeoDataFrame,
    *,
    bands: BandSource | None = None,
    urban: tuple[int, int] | None = None,
    urban_high_rise: tuple[int, int] | None = None,
    rural: tuple[int, int] | None = None,
    rule: AssignRule = "centroid",
    gates: gpd.GeoDataFrame | None = None,
    network: Any = None,
    facilities: gpd.GeoDataFrame | None = None,
    attributes: pd.DataFrame | None = None,
    service_area_m2_per_100_households: float | None = None,
    workers_per_10k_urban_residents: float | None = None,
    max_link_m: float = 600.0,
    propose: bool = True,
) -> CommunityCheck:
    """Count households per community, classify, check against the bands, propose adjustments.

    Parameters
    ----------
    bands
        An object with ``band_for(urban_rural, high_rise)`` (``load_profile(id).community_bands``),
        or give ``urban``, ``urban_high_rise`` and ``rural`` as (min, max) households, inclusive.
    rule
        How a compound straddling a boundary is assigned: ``centroid``, ``gate`` or ``area``.
    network
        A walk network for compactness (walking metres from each community's service centre —
        a ``community_service_centre`` facility inside it — or its household-weighted centroid
        to its farthest compound); without it straight-line metres are reported.
    attributes
        Community attribute table (``community_code``; ``service_area_m2``,
        ``community_workers``, ``urban_resident_population``) for the ratio checks, with targets
        ``service_area_m2_per_100_households`` and ``workers_per_10k_urban_residents``.
    max_link_m
        Longest link (m) between neighbouring compounds in the contiguity graph.
    """
    require_same_crs(compounds, communities, what_a="compounds", what_b="communities")
    band_src = _bands(bands, urban, urban_high_rise, rural)
    counts = count_households_by_community(compounds, communities, rule=rule, gates=gates)
    assign = counts.attrs["assignment"]
    com = classify_communities(communities, high_rise_share=counts["high_rise_share"])
    com.index = com.index.astype(str)
    com = com.join(counts)
    lo, hi = [], []
    for ur, hr in zip(com["urban_rural"], com["high_rise"], strict=True):
        b = band_src.band_for(ur, bool(hr)) if ur in ("urban", "rural") else (np.nan, np.nan)
        lo.append(b[0])
        hi.append(b[1])
    com["band_min"], com["band_max"] = lo, hi
    h = com["households"].astype(float)
    status = np.where(com["urban_rural"].isna(), "unclassified",
                      np.where(h < com["band_min"], "too_small",
                               np.where(h > com["band_max"], "too_large", "within_band")))
    com["status"] = status
    dev = np.where(status == "too_small", h - com["band_min"],
                   np.where(status == "too_large", h - com["band_max"], 0.0))
    com["deviation_households"] = dev
    ref = np.where(status == "too_small", com["band_min"], com["band_max"])
    com["deviation_pct"] = np.where(status == "within_band", 0.0, 100 * dev / ref)
    if attributes is not None:
        com = _ratio_checks(com, attributes, service_area_m2_per_100_households,
                            workers_per_10k_urban_residents)
    hh = pd.to_numeric(compounds["households"]).astype(np.int64)
    cur = assign["community_code"]
    new_assign = cur.copy()
    changes = []
    if propose:
        new_assign, changes = _propose(com, compounds, hh, cur, band_src, max_link_m)
    proposed = _proposed_layer(com, compounds, hh, cur, new_assign, band_src)
    dist_kind = "network" if network is not None else "straight line"
    before = _max_walk(com.index, compounds, cur, network, facilities, com)
    after = _max_walk(pd.Index(proposed.index), compounds, new_assign, network, facilities, com)
    proposed["max_walk_m"] = after.reindex(proposed.index).to_numpy()
    com["max_walk_m"] = before.reindex(com.index).to_numpy()
    change_df = pd.DataFrame(changes, columns=["community_code", "status", "action", "feasible",
                                               "result", "reason", "reason_zh"]).astype({"feasible": bool})
    if len(change_df):
        change_df["max_walk_m_before"] = change_df["community_code"].map(before)
        change_df["max_walk_m_after"] = [
            max((after.get(c, np.nan) for c in str(r).split(",") if c), default=np.nan)
            for r in change_df["result"]]
    table_cols = [c for c in com.columns if c != com.geometry.name]
    table = pd.DataFrame(com[table_cols]).reset_index(names="community_code")
    assignment = pd.DataFrame({"community_code": cur, "proposed_code": new_assign,
                               "straddles": assign["straddles"], "households": hh})
    n_straddle = int(assign["straddles"].sum())
    logger.info("%d communities checked; %d compounds straddle a boundary (rule: %s)",
                len(com), n_straddle, rule)
    return CommunityCheck(table=table, communities=com, proposed=proposed, changes=change_df,
                          assignment=assignment, rule=rule, distance_kind=dist_kind)


def _ratio_checks(com: gpd.GeoDataFrame, attributes: pd.DataFrame, area_target: float | None,
                  worker_target: float | None) -> gpd.GeoDataFrame:
    attrs = attributes.copy()
    if "community_code" in attrs.columns:
        attrs = attrs.set_index("community_code")
    attrs.index = attrs.index.astype(str)
    com = com.copy()
    if "service_area_m2" in attrs.columns:
        area = pd.to_numeric(attrs["service_area_m2"], errors="coerce").reindex(com.index)
        com["service_area_m2_per_100_households"] = area / com["households"].where(com["households"] > 0) * 100
        if area_target is not None:
            v = com["service_area_m2_per_100_households"]
            com["service_area_ok"] = np.where(v.isna(), None, v >= area_target)
    if {"community_workers", "urban_resident_population"} <= set(attrs.columns):
        w = pd.to_numeric(attrs["community_workers"], errors="coerce").reindex(com.index)
        p = pd.to_numeric(attrs["urban_resident_population"], errors="coerce").reindex(com.index)
        com["community_workers_per_10k_urban_residents"] = w / p.where(p > 0) * 10_000
        if worker_target is not None:
            v = com["community_workers_per_10k_urban_residents"]
            com["community_workers_ok"] = np.where(v.isna(), None, v >= worker_target)
    return com


def _graphs(com: gpd.GeoDataFrame, compounds: gpd.GeoDataFrame, cur: pd.Series,
            max_link_m: float) -> dict[tuple[Any, Any], Any]:
    """Contiguity graph per (sub-district, urban/rural type)."""
    pts = compounds.geometry.representative_point()
    key = cur.map(lambda c: (com.at[c, "subdistrict_code"] if "subdistrict_code" in com else None,
                             com.at[c, "urban_rural"]) if isinstance(c, str) and c in com.index else None)
    out = {}
    for k in set(key.dropna()):
        ids = list(key.index[key == k])
        xy = np.c_[pts.loc[ids].x, pts.loc[ids].y]
        out[k] = contiguity_graph(xy, ids, max_link_m=max_link_m)
    return out


def _propose(com, compounds, hh, cur, band_src, max_link_m):
    graphs = _graphs(com, compounds, cur, max_link_m)
    members = {c: list(cur.index[cur == c]) for c in com.index}
    h = hh.to_dict()
    pts = compounds.geometry.representative_point()
    touched = set()
    changes = []
    adjacency = _community_adjacency(com)
    order = com.sort_values("deviation_households", key=np.abs, ascending=False).index
    for code in order:
        st = com.at[code, "status"]
        if st not in ("too_small", "too_large") or code in touched:
            continue
        key = (com.at[code, "subdistrict_code"] if "subdistrict_code" in com else None, com.at[code, "urban_rural"])
        g = graphs.get(key)
        band = (int(com.at[code, "band_min"]), int(com.at[code, "band_max"]))
        total = sum(h[c] for c in members[code])
        neigh = [n for n in adjacency.get(code, []) if n not in touched and n != code
                 and com.at[n, "urban_rural"] == com.at[code, "urban_rural"]
                 and com.at[n, "subdistrict_code"] == com.at[code, "subdistrict_code"]]
        if st == "too_large":
            biggest = max(members[code], key=lambda c: h[c])
            if h[biggest] > band[1]:
                changes.append((code, st, "none", False, "",
                                f"compound {biggest} alone holds {h[biggest]} households, above the "
                                f"ceiling of {band[1]}; no split can keep compounds whole",
                                f"小区{biggest}单独即有{h[biggest]}户，超过上限{band[1]}户；"
                                "不拆分小区无法调整"))
                continue
            ids = members[code]
            xy = np.c_[pts.loc[ids].x, pts.loc[ids].y]
            parts = split_community(ids, xy, np.array([h[c] for c in ids]), band, g)
            if parts:
                codes = [code] + [f"{code}-N{i}" for i in range(1, len(parts))]
                for c_new, part in zip(codes, parts, strict=True):
                    members[c_new] = part
                touched.update([code])
                sizes = [str(sum(h[c] for c in p)) for p in parts]
                changes.append((code, st, "split", True, ",".join(codes),
                                f"split into {len(parts)} contiguous communities of "
                                f"{', '.join(sizes)} households",
                                f"拆分为{len(parts)}个连片社区，分别{'、'.join(sizes)}户"))
                continue
            n = _transfer_with_neighbour(code, neigh, members, h, g, com, band, giving=True)
            if n is not None:
                touched.update([code, n])
                changes.append((code, st, "transfer", True, f"{code},{n}",
                                f"border compounds moved to {n}", f"边界小区划入相邻社区{n}"))
            else:
                changes.append((code, st, "none", False, "",
                                f"{total} households cannot be split into parts of {band[0]}-{band[1]} "
                                "that are contiguous, and no neighbour of the same type has room",
                                f"{total}户无法拆分为{band[0]}—{band[1]}户的连片社区，"
                                "且同类型相邻社区均无容量"))
            continue
        # too small: merge, else take compounds from a neighbour
        options = []
        for n in neigh:
            nt = sum(h[c] for c in members[n])
            nb = (int(com.at[n, "band_min"]), int(com.at[n, "band_max"]))
            if nb[0] <= total + nt <= nb[1]:
                options.append((abs(total + nt - sum(nb) / 2), n))
        if options:
            n = min(options)[1]
            members[n] = members[n] + members[code]
            members[code] = []
            touched.update([code, n])
            merged = sum(h[c] for c in members[n])
            changes.append((code, st, "merge", True, n, f"merged into {n} ({merged} households)",
                            f"并入相邻社区{n}（合并后{merged}户）"))
            continue
        n = _transfer_with_neighbour(code, neigh, members, h, g, com, band, giving=False)
        if n is not None:
            touched.update([code, n])
            changes.append((code, st, "transfer", True, f"{code},{n}", f"took border compounds from {n}",
                            f"从相邻社区{n}划入边界小区"))
            continue
        reason, reason_zh = (
            ("no adjacent community of the same type in the same sub-district",
             "同一街道内没有同类型的相邻社区") if not neigh else
            ("no neighbour can merge within the band or give compounds and stay within it",
             "相邻社区合并后超出区间，划出小区后又低于区间"))
        changes.append((code, st, "none", False, "", reason, reason_zh))
    new_assign = cur.copy()
    for code, ids in members.items():
        new_assign.loc[ids] = code
    return new_assign, changes


def _transfer_with_neighbour(code, neigh, members, h, g, com, band, *, giving: bool):
    """Move border compounds between ``code`` and the first neighbour for which both end inside
    their bands (``giving``: ``code`` is the donor); returns that neighbour or None."""
    for n in neigh:
        nb = (int(com.at[n, "band_min"]), int(com.at[n, "band_max"]))
        if giving:
            res = transfer(members[code], members[n], h, g, donor_band=band, recipient_band=nb,
                           goal=lambda d, r, nb=nb: d <= band[1] and nb[0] <= r <= nb[1])
        else:
            res = transfer(members[n], members[code], h, g, donor_band=nb, recipient_band=band,
                           goal=lambda d, r, nb=nb: r >= band[0] and nb[0] <= d <= nb[1])
        if res:
            if giving:
                members[code], members[n] = res
            else:
                members[n], members[code] = res
            return n
    return None


def _community_adjacency(com: gpd.GeoDataFrame) -> dict[str, list[str]]:
    geoms = com.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    out: dict[str, list[str]] = {}
    for a, b in zip(left, right, strict=True):
        if a != b and shapely.length(shapely.intersection(geoms[a], geoms[b])) > 1.0:
            out.setdefault(com.index[a], []).append(com.index[b])
    return out


def _proposed_layer(com, compounds, hh, cur, new_assign, band_src) -> gpd.GeoDataFrame:
    changed_codes = set(new_assign[new_assign != cur].dropna()) | set(cur[new_assign != cur].dropna())
    rows = []
    pts = compounds.geometry.representative_point()
    cells: dict[str, Any] = {}
    if changed_codes:
        parents = {c for c in changed_codes if c in com.index}
        extent = shapely.union_all(com.loc[sorted(parents)].geometry.to_numpy())
        inside = [i for i in compounds.index if isinstance(cur.get(i), str) and cur[i] in parents]
        cells = voronoi_cells(shapely.MultiPoint(list(pts.loc[inside])), inside, extent)
    for code in sorted(set(new_assign.dropna())):
        ids = list(new_assign.index[new_assign == code])
        parent = code.split("-N")[0]
        base = com.loc[parent]
        if code in changed_codes or code not in com.index:
            geom = shapely.union_all([cells[i] for i in ids if i in cells])
            from_codes = ",".join(sorted(set(cur.loc[ids].dropna())))
            action = "changed"
        else:
            geom = base.geometry
            from_codes, action = code, "unchanged"
        total = int(hh.loc[ids].sum())
        band = band_src.band_for(base["urban_rural"], bool(base["high_rise"])) \
            if base["urban_rural"] in ("urban", "rural") else (np.nan, np.nan)
        rows.append({"proposed_code": code, "name": base.get("name", "") if code == parent else
                     f"{base.get('name', '')}（拆分{code.split('-N')[1]}）",
                     "subdistrict_code": base.get("subdistrict_code"), "urban_rural": base["urban_rural"],
                     "households": total, "compounds": len(ids), "band_min": band[0], "band_max": band[1],
                     "within_band": bool(band[0] <= total <= band[1]) if band[0] == band[0] else None,
                     "from_codes": from_codes, "action": action, "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=com.crs).set_index("proposed_code")


def _max_walk(codes: pd.Index, compounds: gpd.GeoDataFrame, assign: pd.Series, network: Any,
              facilities: gpd.GeoDataFrame | None, com: gpd.GeoDataFrame) -> pd.Series:
    """Farthest compound from each community's centre (m): its community_service_centre if one
    lies inside the community, else the household-weighted centroid of its compounds."""
    pts = compounds.geometry.representative_point()
    w = pd.to_numeric(compounds["households"]).astype(float)
    centres = {}
    for code in codes:
        ids = assign.index[assign == code]
        if len(ids) == 0:
            continue
        c = None
        parent = str(code).split("-N")[0]
        if facilities is not None and parent in com.index and str(code) == parent:
            fac = facilities[facilities["category"] == "community_service_centre"]
            inside = fac[fac.within(com.at[parent, com.geometry.name])]
            if len(inside):
                c = inside.geometry.iloc[0]
        if c is None:
            ww = w.loc[ids].to_numpy() + 1e-9
            c = shapely.Point(np.average(pts.loc[ids].x, weights=ww), np.average(pts.loc[ids].y, weights=ww))
        centres[code] = (c, ids)
    out = {}
    if network is None:
        for code, (c, ids) in centres.items():
            out[code] = float(pts.loc[ids].distance(c).max())
        return pd.Series(out, dtype=float)
    from gis_planner.network.snap import snap_points
    from gis_planner.network.travel import od_costs

    cen = gpd.GeoDataFrame(geometry=[v[0] for v in centres.values()], crs=compounds.crs,
                           index=list(centres))
    s_c = snap_points(network, cen, tolerance_m=1000)
    s_h = snap_points(network, gpd.GeoDataFrame(geometry=pts, crs=compounds.crs), tolerance_m=1000)
    od = od_costs(network, s_h, s_c, cutoff_m=20_000).tocsc()
    pos = {cid: i for i, cid in enumerate(compounds.index)}
    for j, (code, (_c, ids)) in enumerate(centres.items()):
        got = od.getcol(j).tocoo()
        reach = np.full(len(compounds), np.nan)
        reach[got.row] = got.data
        vals = reach[[pos[i] for i in ids]]
        out[code] = float(np.nanmax(vals)) if np.isfinite(vals).any() else np.nan
    return pd.Series(out, dtype=float)
