"""Benchmark: reach() end to end against the bare shortest-path limit, on a generated city and
real central-Shanghai streets; service areas, snapping and the network build against the
former methods.

Run from the repository root:

    python benchmarks/bench_reach.py            # 200k-node city + central Shanghai, 3 runs
    python benchmarks/bench_reach.py --quick    # 40k-node city, for a smoke run
    python benchmarks/bench_reach.py --runs 5 --pandana --write

Every figure is the median of ``--runs`` runs with its range (min-max). The methods compared in
one table run in the same process, interleaved within each run, and each ratio is the median of
the per-run ratios (paired), because the machine is shared and absolute times drift with its
load. Every peer is timed on all categories (nothing is extrapolated).

The limit (baseline) is the fastest fair call of the bare libraries on the same points:
shapely ``STRtree.query_nearest`` snapping of households and facilities (+ ``line_locate_point``)
plus one ``scipy.sparse.csgraph.dijkstra(directed=True, min_only=True, limit=...)`` per category
from the facilities' nearest nodes on the symmetric CSR (node-based: no partial edges, no
per-household step, no columns).
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
import shapely
from scipy.sparse.csgraph import dijkstra

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _citygen import generate_city

from gis_planner import _threads
from gis_planner.coverage import reach, service_areas
from gis_planner.coverage import service_area as sa
from gis_planner.network import WalkNetwork
from gis_planner.network import graph as graph_module
from gis_planner.network.snap import _tree, snap_points

SPEED_KMH = 4.0
CAP_M = 1000.0  # 15 minutes at 4 km/h
WALK_MINUTES = (5.0, 10.0, 15.0)


def paired(methods: dict[str, Callable[[], object]], runs: int) -> dict[str, list[float]]:
    """Seconds of every method in each of ``runs`` runs; within a run the methods run one
    after the other (in a rotating order), so a load change hits them alike."""
    names = list(methods)
    times: dict[str, list[float]] = {k: [] for k in names}
    for r in range(runs):
        for k in names[r % len(names):] + names[:r % len(names)]:
            t = time.perf_counter()
            methods[k]()
            times[k].append(time.perf_counter() - t)
    return times


def fmt(times: list[float]) -> str:
    return f"{statistics.median(times):.3f} ({min(times):.3f}-{max(times):.3f})"


def ratio(a: list[float], b: list[float]) -> str:
    per_run = [x / y for x, y in zip(a, b, strict=True)]
    return f"{statistics.median(per_run):.2f} ({min(per_run):.2f}-{max(per_run):.2f})"


def baseline(net: WalkNetwork, homes, fac, cats) -> Callable[[], None]:
    """The bare limit: STRtree nearest snapping + one scipy Dijkstra per category."""
    tree = _tree(net)
    edges = net.edges.geometry.to_numpy()
    u, v = net.edges["u"].to_numpy(), net.edges["v"].to_numpy()
    length = net.edges["length_m"].to_numpy()
    csr = net.csr()
    codes = fac["category"].to_numpy()

    def run() -> None:
        for pts in (homes.geometry.to_numpy(), fac.geometry.to_numpy()):
            (p_i, e_i), _d = tree.query_nearest(pts, return_distance=True, all_matches=False,
                                                max_distance=250.0)
            off = shapely.line_locate_point(edges[e_i], pts[p_i])
        node = np.where(off <= length[e_i] / 2, u[e_i], v[e_i])
        for c in cats:
            dijkstra(csr, directed=True, indices=np.unique(node[codes[p_i] == c]),
                     min_only=True, limit=CAP_M)
    return run


def networkx_peer(net: WalkNetwork, fac, cats) -> Callable[[], None]:
    """networkx multi_source_dijkstra per category (all categories), nearest nodes seeded."""
    import networkx as nx

    g = nx.Graph()
    coo = net.csr().tocoo()
    g.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(),
                                  strict=True))
    s_f = snap_points(net, fac)
    ok = s_f["snapped"].to_numpy()
    e = s_f["edge"].to_numpy()[ok]
    near = np.where(s_f["offset_m"].to_numpy()[ok] <= net.edges["length_m"].to_numpy()[e] / 2,
                    net.edges["u"].to_numpy()[e], net.edges["v"].to_numpy()[e])
    codes = fac["category"].to_numpy()[ok]
    seeds = {c: set(near[codes == c].tolist()) for c in cats}

    def run() -> None:
        for c in cats:
            nx.multi_source_dijkstra_path_length(g, seeds[c], cutoff=CAP_M)
    return run


def pandana_peer(net: WalkNetwork, homes, fac, cats) -> tuple[Callable[[], None], float]:
    import pandana

    xy = net.nodes.geometry
    e = net.edges
    t0 = time.perf_counter()
    pn = pandana.Network(xy.x, xy.y, e["u"], e["v"], e[["length_m"]], twoway=True)
    pn.precompute(CAP_M)
    build_s = time.perf_counter() - t0

    def run() -> None:
        h_nodes = pn.get_node_ids(homes.geometry.x, homes.geometry.y)
        for c in cats:
            sel = fac[fac["category"] == c]
            pn.set_pois(c, CAP_M, 1, sel.geometry.x, sel.geometry.y)
            pn.nearest_pois(CAP_M, c, num_pois=1).loc[h_nodes]
    return run, build_s


def reach_table(name: str, net: WalkNetwork, homes, fac, *, runs: int, peers: bool,
                with_pandana: bool) -> list[str]:
    """reach() end to end (cold snap cache every run) against the limit and the peers."""
    cats = list(dict.fromkeys(fac["category"]))

    def ours(count_within: bool) -> Callable[[], None]:
        def run() -> None:
            net._cache.pop("snaps", None)  # cold: every run snaps again
            reach(net, homes, fac, speed_kmh=SPEED_KMH, walk_minutes=WALK_MINUTES,
                  search_cap_m=CAP_M, count_within=count_within)
        return run

    def warm() -> None:
        reach(net, homes, fac, speed_kmh=SPEED_KMH, walk_minutes=WALK_MINUTES,
              search_cap_m=CAP_M)

    methods = {"reach_counts": ours(True), "reach_nocounts": ours(False), "warm": warm,
               "limit": baseline(net, homes, fac, cats)}
    extra = ""
    if peers:
        methods["networkx"] = networkx_peer(net, fac, cats)
        if with_pandana:
            methods["pandana"], build_s = pandana_peer(net, homes, fac, cats)
            extra = f" (+ {build_s:.1f} s network build and precompute, once)"
    warm()  # fill the snap cache and the network's cached structures once
    t = paired(methods, runs)
    tracemalloc.start()
    net._cache.pop("snaps", None)
    reach(net, homes, fac, speed_kmh=SPEED_KMH, walk_minutes=WALK_MINUTES, search_cap_m=CAP_M)
    peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    lim = t["limit"]
    rows = [
        ("gis_planner `reach()` end to end: snapping (cold cache), distances, facility counts, "
         "3 thresholds, all columns", "reach_counts"),
        ("gis_planner `reach()` end to end without facility counts (`count_within=False`)",
         "reach_nocounts"),
        ("gis_planner `reach()` again on the same network and households (snap cache hit)",
         "warm"),
        ("**limit**: STRtree nearest snapping + scipy `dijkstra(directed=True)` per category",
         "limit"),
    ]
    if peers:
        rows.append(("networkx `multi_source_dijkstra_path_length` per category (query only)",
                     "networkx"))
        if with_pandana:
            rows.append((f"pandana `nearest_pois` per category (query only{extra})", "pandana"))
    out = [f"**{name}**: {net.n_nodes:,} nodes, {net.n_edges:,} edges, {len(homes):,} household "
           f"points, {len(fac):,} facilities in {len(cats)} categories; {runs} runs. Peak traced "
           f"(Python + numpy) memory of one cold `reach()` call: {peak_mb:,.0f} MB.", "",
           "| method | seconds, median (range) | ÷ limit, paired median (range) |", "|---|---|---|"]
    for label, key in rows:
        out.append(f"| {label} | {fmt(t[key])} | {ratio(t[key], lim)} |")
    out.append("")
    print("\n".join(out))
    return out


def snap_and_build_table(net: WalkNetwork, homes, lines, *, runs: int) -> list[str]:
    """Snapping (former: one nearest query per point) and the network build (former:
    np.unique(axis=0)) against the current methods."""
    tree = _tree(net)
    edges = net.edges.geometry.to_numpy()
    pts = homes.geometry.to_numpy()

    def old_snap() -> None:
        (p_i, e_i), _d = tree.query_nearest(pts, return_distance=True, all_matches=False,
                                            max_distance=250.0)
        shapely.line_interpolate_point(edges[e_i], shapely.line_locate_point(edges[e_i], pts[p_i]))

    def new_snap() -> None:
        net._cache.pop("snaps", None)
        snap_points(net, homes)

    def np_unique(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        uniq, inv = np.unique(xy, axis=0, return_inverse=True)
        return uniq, inv.ravel()

    def build(join: Callable) -> Callable[[], None]:
        def run() -> None:
            saved = graph_module._unique_points
            graph_module._unique_points = join
            try:
                WalkNetwork.from_lines(lines, source="bench")
            finally:
                graph_module._unique_points = saved
        return run

    keys = np.round(np.vstack([
        shapely.get_coordinates(shapely.get_point(lines.geometry.to_numpy(), 0)),
        shapely.get_coordinates(shapely.get_point(lines.geometry.to_numpy(), -1))]), 2)
    t = paired({"old_snap": old_snap, "new_snap": new_snap,
                "old_join": lambda: np_unique(keys),
                "new_join": lambda: graph_module._unique_points(keys),
                "old_build": build(np_unique), "new_build": build(graph_module._unique_points)},
               runs)
    out = ["| step | former method, s | current, s | former ÷ current (paired) |",
           "|---|---|---|---|",
           f"| snap {len(homes):,} households (former: `query_nearest` per point; current: "
           f"radius rounds of `dwithin` + vectorised distances; identical snaps) | "
           f"{fmt(t['old_snap'])} | {fmt(t['new_snap'])} | {ratio(t['old_snap'], t['new_snap'])} |",
           f"| node join of {len(keys):,} end points (former: `np.unique(axis=0)`; current: "
           f"`lexsort`; identical nodes) | {fmt(t['old_join'])} | {fmt(t['new_join'])} | "
           f"{ratio(t['old_join'], t['new_join'])} |",
           f"| `WalkNetwork.from_lines` on {len(lines):,} lines, whole build | "
           f"{fmt(t['old_build'])} | {fmt(t['new_build'])} | "
           f"{ratio(t['old_build'], t['new_build'])} |", ""]
    print("\n".join(out))
    return out


def service_area_table(net: WalkNetwork, homes, fac, *, runs: int) -> list[str]:
    """Service-area polygons on central Shanghai: former (one buffer of each facility's
    MultiLineString) against current (shared block and edge buffers plus the cut pieces'
    buffers, merged per facility), from the same reachable pieces; and reach with service areas
    for every category at its limit, as `gis-planner reach --service-areas` runs it."""
    cats = list(dict.fromkeys(fac["category"]))
    budget = 15 * SPEED_KMH * 1000 / 60
    pieces = {}
    for c in cats:
        snap = snap_points(net, fac[fac["category"] == c])
        snap = snap.loc[snap["snapped"]]
        owner, edge, a, b = sa._own_intervals(net, snap["edge"].to_numpy(np.int64),
                                              snap["offset_m"].to_numpy(float), budget)
        lines, parts, full = sa._assemble(net, owner, edge, a, b, k=len(snap))
        pieces[c] = (lines, owner, edge, full, parts, len(snap))
    n_parts = sum(len(p[1]) for p in pieces.values())
    n_fac = sum(p[5] for p in pieces.values())
    cache_key = "buffer_blocks_50.0"

    def old() -> dict[str, np.ndarray]:
        return {c: shapely.buffer(p[0], 50.0) for c, p in pieces.items()}

    def parts_union() -> None:
        # every piece buffered on its own, then one union per facility, in the same threads
        for lines, *_rest in pieces.values():
            parts, idx = shapely.get_parts(lines, return_index=True)
            buffered = shapely.buffer(parts, 50.0)
            bounds = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1], True])
            _threads.thread_map(lambda ab, b=buffered: shapely.union_all(b[ab[0]:ab[1]]),
                                list(itertools.pairwise(bounds)))

    def current() -> dict[str, np.ndarray]:
        return {c: sa._polygons(net, owner, edge, full, parts, k=k, buffer_m=50.0)
                for c, (_l, owner, edge, full, parts, k) in pieces.items()}

    def new_cold() -> None:
        net._cache.pop(cache_key, None)  # cold: edge and block buffers built within the run
        current()

    def new_warm() -> None:
        current()

    def reach_with_areas() -> None:
        net._cache.pop(cache_key, None)
        r = reach(net, homes, fac, speed_kmh=SPEED_KMH, walk_minutes=WALK_MINUTES,
                  search_cap_m=CAP_M)
        f = r.facilities
        for c in cats:
            sel = f.loc[f["snapped"] & (f["category"] == c)]
            service_areas(net, sel, walk_minutes=15, speed_kmh=SPEED_KMH)

    done = current()  # warm the block cache once for the warm row
    # reference: one GEOS union per facility of two finished polygons (its own and its nearest
    # same-category neighbour's), in the same threads: what a method finishing with a single
    # overlay of polygons of this size costs at the least
    pairs = []
    for c in cats:
        polys = done[c]
        if len(polys) > 1:
            centres = shapely.centroid(polys)
            near = shapely.STRtree(centres).query_nearest(centres, exclusive=True,
                                                          all_matches=False)
            pairs += [(polys[a], polys[b]) for a, b in zip(*near, strict=True)]

    def one_union() -> None:
        _threads.thread_map(lambda ab: shapely.union(*ab), pairs)

    t = paired({"old": old, "parts": parts_union, "new": new_cold, "warm": new_warm,
                "reach_sa": reach_with_areas, "floor": one_union}, runs)
    before, after = old(), current()
    worst = max(float((shapely.area(shapely.symmetric_difference(before[c], after[c]))
                       / np.maximum(shapely.area(before[c]), 1e-9)).max()) for c in cats)
    out = [f"Service areas, central Shanghai: {n_fac} facilities in {len(cats)} categories, 15 "
           f"min at {SPEED_KMH:g} km/h, 50 m buffer; {n_parts:,} street pieces in all. Largest "
           f"symmetric difference between the two polygons of one facility: {worst:.1e} of its "
           f"area. Current method: whole edges come as merged buffers of 125-1,000 m blocks "
           f"whose every edge the facility reaches (or as the edge's own buffer), computed once "
           f"per network; only cut pieces are buffered per facility; facilities are merged in "
           f"{_threads.THREADS} threads.", "",
           "| step | seconds, median (range) | former ÷ current (paired) |", "|---|---|---|",
           f"| polygons, former: `buffer(MultiLineString)` per facility | {fmt(t['old'])} | |",
           f"| polygons, each piece buffered, one union per facility (`union_all(buffer(parts))`"
           f", same threads) | {fmt(t['parts'])} | {ratio(t['old'], t['parts'])} |",
           f"| polygons, current, block and edge buffers built in the run (cold) | "
           f"{fmt(t['new'])} | {ratio(t['old'], t['new'])} |",
           f"| polygons, current, block and edge buffers already on the network (warm) | "
           f"{fmt(t['warm'])} | {ratio(t['old'], t['warm'])} |",
           f"| reference: one union of two finished polygons per facility (its own and its "
           f"nearest same-category neighbour's), same threads | {fmt(t['floor'])} | "
           f"{ratio(t['old'], t['floor'])} |",
           f"| `reach()` with facility counts + service areas of every category (cold) | "
           f"{fmt(t['reach_sa'])} | |", ""]
    print("\n".join(out))
    return out


def shanghai(shared: Path):
    from gis_planner.io import read_facilities, read_network

    net = read_network(shared / "shanghai-central" / "roads_shanghai_center_overpass_2025-08.osm")
    folder = shared / "shanghai-huangpu"
    parts = [read_facilities(folder / f"poi_amap_{c}.csv", source_coords="wgs84",
                             metric_crs=net.crs).rename(index=lambda i, c=c: f"{c}:{i}")
             for c in ("kindergarten", "primary_school", "middle_school", "health")]
    fac = pd.concat(parts)
    x0, y0, x1, y1 = net.edges.total_bounds
    fac = fac[fac.geometry.x.between(x0, x1) & fac.geometry.y.between(y0, y1)]
    rng = np.random.default_rng(5)
    import geopandas as gpd

    # No real household counts exist for Shanghai: 50,000 points with assumed counts.
    homes = gpd.GeoDataFrame(
        {"households": rng.integers(20, 800, 50_000)},
        geometry=shapely.points(rng.uniform(x0, x1, 50_000), rng.uniform(y0, y1, 50_000)),
        crs=net.crs, index=[f"H{i}" for i in range(50_000)])
    return net, homes, fac


def machine() -> str:
    """CPU model, cores, RAM and library versions."""
    import geopandas
    import networkx

    try:
        cpu = next(line.split(":", 1)[1].strip() for line in subprocess.run(
            ["lscpu"], capture_output=True, text=True, check=False).stdout.splitlines()
            if line.startswith("Model name"))
    except StopIteration:
        cpu = platform.processor() or "unknown CPU"
    ram_gb = next((int(line.split()[1]) / 2**20 for line in
                   Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), float("nan"))
    return (f"{cpu}, {os.cpu_count()} cores, {ram_gb:.0f} GB RAM, {platform.system()} "
            f"{platform.machine()}; Python {platform.python_version()}, numpy {np.__version__}, "
            f"scipy {scipy.__version__}, shapely {shapely.__version__}, geopandas "
            f"{geopandas.__version__}, networkx {networkx.__version__}")


def write_section(text: str, path: Path) -> None:
    """Replace the ``## Reachability`` section of ``path`` (or add it), keeping the others."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    lines = old.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "## Reachability"), None)
    if start is None:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
                   len(lines))
        new = "\n".join(lines[:start] + text.rstrip("\n").splitlines() + [""] + lines[end:]) + "\n"
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(new, encoding="utf-8")
    tmp.replace(path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="40k-node city (smoke run)")
    ap.add_argument("--runs", type=int, default=3, help="runs per figure (>= 3 for results)")
    ap.add_argument("--pandana", action="store_true",
                    help="add pandana (its precompute takes minutes on the 200k city)")
    ap.add_argument("--write", action="store_true", help="replace the section in RESULTS.md")
    args = ap.parse_args()
    load0 = os.getloadavg()[0]
    n_nodes, n_hh = (40_000, 20_000) if args.quick else (200_000, 100_000)
    net, homes, fac = generate_city(n_nodes, n_hh, 10, seed=1)
    text = ["## Reachability", "",
            f"Command (from the repository root): `python benchmarks/bench_reach.py"
            f"{' --quick' if args.quick else ''} --runs {args.runs}"
            f"{' --pandana' if args.pandana else ''} --write`. Run on "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", "",
            "How to read it: each figure is the median of the runs with its range; the methods of "
            "one table run interleaved in the same process and each ratio is the median of the "
            "per-run ratios. Absolute seconds depend on what else the machine runs (the load "
            "average is given below the tables); the paired ratios are what the benchmark "
            "reproduces. Every peer "
            "runs all categories (nothing extrapolated); all search to the same "
            f"{CAP_M:,.0f} m cap (15 min at {SPEED_KMH:g} km/h). The limit is node-based (no "
            "partial edges, no per-household step, no output columns); `reach()` computes exact "
            "partial-edge distances for every household and writes every column.", ""]
    text += reach_table(f"Generated city (`benchmarks/_citygen.py`, seed 1, {n_nodes:,} nodes "
                        "requested)", net, homes, fac, runs=args.runs, peers=True,
                        with_pandana=args.pandana)
    city_lines = net.edges[["geometry"]].copy()
    text += ["Snapping and network build on the same city:", ""]
    text += snap_and_build_table(net, homes, city_lines, runs=args.runs)
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    if shared.is_dir():
        sh_net, sh_homes, sh_fac = shanghai(shared)
        text += reach_table("Central Shanghai (real OSM streets, Amap POIs; 50,000 random "
                            "household points with assumed counts: no real counts exist)",
                            sh_net, sh_homes, sh_fac, runs=args.runs, peers=True,
                            with_pandana=args.pandana)
        text += service_area_table(sh_net, sh_homes, sh_fac, runs=args.runs)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load1 = os.getloadavg()[0]
    text += [f"Peak resident memory of the whole benchmark process (networkx graphs included): "
             f"{peak_mb:,.0f} MB. 1-minute load average {load0:.1f} before and {load1:.1f} after.",
             "", f"Machine: {machine()}.", ""]
    print("\n".join(text[-4:]))
    if args.write:
        write_section("\n".join(text), Path(__file__).resolve().parent / "RESULTS.md")
        print("wrote the Reachability section of benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
