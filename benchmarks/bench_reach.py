"""Benchmark: the reach step against the usual recipes, on a generated city and real Shanghai.

Run from the repository root (needs the ``bench`` extra: pandana):

    python benchmarks/bench_reach.py            # 200k-node city + central Shanghai
    python benchmarks/bench_reach.py --quick    # 40k-node city, for a smoke run

Every row is timed in the same run on the same graph; ratios are against (d), the bare scipy
multi-source call. Slow baselines are timed on a sample of categories/facilities and
extrapolated linearly (marked "extrapolated").
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
from scipy.sparse.csgraph import dijkstra

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _citygen import generate_city

from gis_planner.coverage import reach
from gis_planner.network.snap import snap_points
from gis_planner.network.travel import _targets_from_nodes, node_distances

SPEED_KMH = 4.0
CAP_M = 1000.0


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def run(name, net, homes, fac, *, nx_sample=2, ego_sample=20):
    cats = list(dict.fromkeys(fac["category"]))
    rows = []
    # ours, snapping included: the whole public call (no facility counts: the baselines have none)
    _res, t_total = timed(reach, net, homes, fac, speed_kmh=SPEED_KMH, walk_minutes=(15,),
                         search_cap_m=CAP_M, count_within=False)
    # ours, snapping excluded: the same distances from pre-snapped points
    (s_h, s_f), t_snap = timed(lambda: (snap_points(net, homes), snap_points(net, fac)))

    def ours_query():
        out = {}
        for c in cats:
            fs = s_f[(fac["category"] == c).to_numpy() & s_f["snapped"].to_numpy()]
            d = node_distances(net, fs, cutoff_m=CAP_M)
            out[c] = _targets_from_nodes(net, d, fs, s_h, cutoff_m=CAP_M)
        return out

    _mine, t_query = timed(ours_query)
    csr = net.csr()
    nearest_node = np.where(s_f["offset_m"] <= net.edges["length_m"].to_numpy()[s_f["edge"]] / 2,
                            net.edges["u"].to_numpy()[s_f["edge"]], net.edges["v"].to_numpy()[s_f["edge"]])

    def bare():
        for c in cats:
            idx = np.unique(nearest_node[(fac["category"] == c).to_numpy() & s_f["snapped"].to_numpy()])
            dijkstra(csr, directed=False, indices=idx, min_only=True, limit=CAP_M)

    _, t_bare = timed(bare)
    rows.append(("gis_planner reach(), snapping included", t_total, ""))
    rows.append(("gis_planner distances, snapping excluded", t_query, ""))
    rows.append(("(d) bare scipy multi-source dijkstra (node-based)", t_bare, ""))
    # (b) networkx multi_source_dijkstra per category
    import networkx as nx

    g = nx.Graph()
    coo = csr.tocoo()
    g.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True))
    sample = cats[:nx_sample]
    t0 = time.perf_counter()
    for c in sample:
        idx = set(nearest_node[(fac["category"] == c).to_numpy() & s_f["snapped"].to_numpy()].tolist())
        nx.multi_source_dijkstra_path_length(g, idx, cutoff=CAP_M)
    t_nx = (time.perf_counter() - t0) * len(cats) / len(sample)
    rows.append((f"(b) networkx multi_source_dijkstra per category (extrapolated from {len(sample)})", t_nx, ""))
    # (a) OSMnx-style: one ego_graph per facility
    fac_nodes = nearest_node[s_f["snapped"].to_numpy()]
    pick = fac_nodes[:ego_sample]
    t0 = time.perf_counter()
    for n in pick:
        nx.ego_graph(g, int(n), radius=CAP_M, distance="weight")
    t_ego = (time.perf_counter() - t0) * len(fac_nodes) / len(pick)
    rows.append((f"(a) osmnx-style ego_graph per facility (extrapolated from {len(pick)} of {len(fac_nodes)})", t_ego, ""))
    # (c) pandana nearest_pois
    try:
        import pandana

        nodes_xy = net.nodes.geometry
        e = net.edges
        t0 = time.perf_counter()
        pn = pandana.Network(nodes_xy.x, nodes_xy.y, e["u"], e["v"], e[["length_m"]], twoway=True)
        pn.precompute(CAP_M)
        t_build = time.perf_counter() - t0
        hx, hy = homes.geometry.x, homes.geometry.y
        t0 = time.perf_counter()
        h_nodes = pn.get_node_ids(hx, hy)
        for c in cats:
            sel = fac[fac["category"] == c]
            pn.set_pois(c, CAP_M, 1, sel.geometry.x, sel.geometry.y)
            pn.nearest_pois(CAP_M, c, num_pois=1).loc[h_nodes]
        t_pd = time.perf_counter() - t0
        rows.append((f"(c) pandana nearest_pois (query; + {t_build:.1f} s network build/precompute)", t_pd, ""))
    except Exception as exc:  # pandana missing or failing: say so in the table
        rows.append((f"(c) pandana nearest_pois: not run ({type(exc).__name__}: {exc})", float("nan"), ""))
    table = pd.DataFrame(rows, columns=["method", "seconds", "note"])
    table["ratio_to_bare_scipy"] = table["seconds"] / t_bare
    table["ours_faster_by"] = table["seconds"] / t_query
    print(f"\n## {name}: {net.n_nodes:,} nodes, {net.n_edges:,} edges, {len(homes):,} households, "
          f"{len(fac):,} facilities in {len(cats)} categories; snapping {t_snap:.2f} s")
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    return table, t_snap


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    n_nodes, n_hh = (40_000, 20_000) if args.quick else (200_000, 100_000)
    (net, homes, fac), t_gen = timed(generate_city, n_nodes, n_hh, 10)
    results = [("Generated city", *run("Generated city", net, homes, fac))]
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    if shared.is_dir():
        from gis_planner.io import read_facilities, read_network

        sh = read_network(shared / "shanghai-central" / "roads_shanghai_center_overpass_2025-08.osm")
        folder = shared / "shanghai-huangpu"
        parts = [read_facilities(folder / f"poi_amap_{c}.csv", source_coords="wgs84", metric_crs=sh.crs)
                 .rename(index=lambda i, c=c: f"{c}:{i}")
                 for c in ("kindergarten", "primary_school", "middle_school", "health")]
        f = pd.concat(parts)
        x0, y0, x1, y1 = sh.edges.total_bounds
        f = f[f.geometry.x.between(x0, x1) & f.geometry.y.between(y0, y1)]
        rng = np.random.default_rng(5)
        import geopandas as gpd
        import shapely

        # No real household counts exist for Shanghai: 50,000 points with assumed counts.
        h = gpd.GeoDataFrame({"households": rng.integers(20, 800, 50_000)},
                             geometry=shapely.points(rng.uniform(x0, x1, 50_000), rng.uniform(y0, y1, 50_000)),
                             crs=sh.crs, index=[f"H{i}" for i in range(50_000)])
        results.append(("Central Shanghai (real OSM streets, Amap POIs)",
                        *run("Central Shanghai", sh, h, f, nx_sample=5, ego_sample=50)))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory of the whole benchmark process: {peak_mb:,.0f} MB")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}, scipy {scipy.__version__}; city generated in {t_gen:.1f} s")


if __name__ == "__main__":
    main()
