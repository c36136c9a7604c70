"""Benchmark: a generated province run partition by partition on Dask with 1, 2 and N workers.

Run from the repository root (needs the ``province`` and ``bench`` extras):

    python benchmarks/bench_province.py            # 32 city tiles: 2.1M nodes, 2.1M households, 10 categories
    python benchmarks/bench_province.py --quick    # 4 tiles: 200k nodes, 200k households

The province is generated tile by tile (a jittered street grid per city tile, joined to its
neighbours by the roads that cross tile edges) and written once as GeoParquet parts into
``benchmarks/_work/province[_quick]/`` (kept for later runs; ``--regenerate`` rewrites it); no
process ever holds more than one tile while generating. Each run reads only the store: the lead
streams household coordinates to plan partitions, every worker reads its partition by bounding
box. Measured: wall time, peak resident memory (VmHWM) of every worker process and of the lead,
scaling efficiency T1 / (N × TN), and a single process that loads the whole province for
comparison. Facility counts within the limit (``count_within``) are off in every run, single and
partitioned alike.

On a multi-machine cluster: put the repository's ``benchmarks/_work`` on a filesystem every
machine mounts at the same path, start ``dask scheduler`` on one machine and ``dask worker
tcp://HOST:8786 --nthreads 1`` on each, then ``python benchmarks/bench_province.py --scheduler
tcp://HOST:8786 --workers 0`` (``0``: use the cluster's workers as they are).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

HERE = Path(__file__).resolve().parent
CRS = "EPSG:32650"
SPACING_M = 100.0
CATEGORIES = ["convenience_store", "pharmacy", "wet_market", "kindergarten", "primary_school",
              "middle_school", "health_station", "elderly_day_care", "parcel_point", "supermarket"]
SPEED_KMH = 4.0
MINUTES = (15,)

SINGLE = """
import json, sys, time
from gis_planner.coverage import reach
from gis_planner.network import WalkNetwork
from gis_planner.partition.store import read_layer
from gis_planner.partition.run import peak_rss_mb
store = sys.argv[1]
t0 = time.perf_counter()
edges = read_layer(store + "/network_edges", "network_edges")
net = WalkNetwork.from_lines(edges, keep_largest_component=False)
del edges
hh = read_layer(store + "/households", "households")
fac = read_layer(store + "/facilities", "facilities")
t1 = time.perf_counter()
r = reach(net, hh, fac, speed_kmh=SPEED_KMH, walk_minutes=MINUTES, count_within=False)
t2 = time.perf_counter()
print(json.dumps({"load_s": t1 - t0, "reach_s": t2 - t1, "peak_rss_mb": peak_rss_mb(),
                  "nodes": net.n_nodes, "edges": net.n_edges}))
""".replace("SPEED_KMH", repr(SPEED_KMH)).replace("MINUTES", repr(MINUTES))


def _jitter(seed: int, ti: int, tj: int, side: int) -> np.ndarray:
    """Node offsets (m) of tile (ti, tj): a pure function of the tile, so neighbours agree."""
    return np.random.default_rng([seed, ti, tj]).normal(0, SPACING_M * 0.1, (side, side, 2))


def generate_tile(seed: int, ti: int, tj: int, *, nti: int, ntj: int, side: int, households: int,
                  edge_start: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Edges, households and facilities of one city tile of ``side`` × ``side`` grid nodes.

    Edges run to the first row and column of the neighbouring tiles (the roads joining the
    cities); 8 % of the edges are removed (irregular blocks).
    """
    rng = np.random.default_rng([seed, ti, tj, 1])
    ext_i = side + (1 if ti + 1 < nti else 0)
    ext_j = side + (1 if tj + 1 < ntj else 0)
    jit = np.zeros((ext_i, ext_j, 2))
    jit[:side, :side] = _jitter(seed, ti, tj, side)
    if ext_i > side:
        jit[side, :side] = _jitter(seed, ti + 1, tj, side)[0, :]
    if ext_j > side:
        jit[:side, side] = _jitter(seed, ti, tj + 1, side)[:, 0]
    if ext_i > side and ext_j > side:
        jit[side, side] = _jitter(seed, ti + 1, tj + 1, side)[0, 0]
    gi, gj = np.meshgrid(np.arange(ext_i) + ti * side, np.arange(ext_j) + tj * side, indexing="ij")
    xy = np.stack([gi, gj], axis=-1) * SPACING_M + jit
    node = np.arange(ext_i * ext_j).reshape(ext_i, ext_j)
    own = np.zeros((ext_i, ext_j), dtype=bool)
    own[:side, :side] = True
    # edges from an own node to its +i and +j neighbours (which may belong to the next tile)
    a = np.r_[node[:-1, :][own[:-1, :]], node[:, :-1][own[:, :-1]]]
    b = np.r_[node[1:, :][own[:-1, :]], node[:, 1:][own[:, :-1]]]
    keep = rng.random(len(a)) > 0.08
    a, b = a[keep], b[keep]
    flat = xy.reshape(-1, 2)
    edges = gpd.GeoDataFrame({"highway": "residential", "name": "",
                              "edge_order": np.arange(edge_start, edge_start + len(a), dtype=np.int64)},
                             geometry=shapely.linestrings(np.stack([flat[a], flat[b]], axis=1)), crs=CRS)
    x0, y0 = ti * side * SPACING_M, tj * side * SPACING_M
    size = side * SPACING_M
    hxy = rng.uniform(0, size, (households, 2)) + np.array([x0, y0])
    hh = gpd.GeoDataFrame({"compound_id": [f"H{ti:02d}{tj:02d}_{k}" for k in range(households)],
                           "households": rng.integers(20, 800, households)},
                          geometry=shapely.points(hxy), crs=CRS)
    counts = rng.integers(50, 200, len(CATEGORIES))
    cat = np.repeat(CATEGORIES, counts)
    fxy = rng.uniform(0, size, (len(cat), 2)) + np.array([x0, y0])
    fac = gpd.GeoDataFrame({"facility_id": [f"F{ti:02d}{tj:02d}_{k}" for k in range(len(cat))], "category": cat},
                           geometry=shapely.points(fxy), crs=CRS)
    return edges, hh, fac


def generate_province(store: Path, *, nti: int, ntj: int, side: int, seed: int = 11) -> dict:
    """Write the province tile by tile as GeoParquet parts into ``store``; return its sizes."""
    from gis_planner.partition.store import write_parquet

    for layer in ("network_edges", "households", "facilities"):
        (store / layer).mkdir(parents=True, exist_ok=True)
    bounds = (0.0, 0.0, nti * side * SPACING_M, ntj * side * SPACING_M)
    sizes = {"nodes": nti * side * ntj * side, "edges": 0, "households": 0, "household_total": 0.0,
             "facilities": 0}
    for ti in range(nti):
        for tj in range(ntj):
            e, h, f = generate_tile(seed, ti, tj, nti=nti, ntj=ntj, side=side, households=side * side,
                                    edge_start=sizes["edges"])
            name = f"part-{ti:02d}_{tj:02d}.parquet"
            write_parquet(e, store / "network_edges" / name, total_bounds=bounds)
            write_parquet(h, store / "households" / name, total_bounds=bounds)
            write_parquet(f, store / "facilities" / name, total_bounds=bounds)
            sizes["edges"] += len(e)
            sizes["households"] += len(h)
            sizes["household_total"] += float(h["households"].sum())
            sizes["facilities"] += len(f)
    (store / "sizes.json").write_text(json.dumps(sizes))
    return sizes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="4 tiles (200k nodes) instead of 32 (2.1M)")
    ap.add_argument("--scheduler", default=None, help="tcp://HOST:8786 of a running Dask scheduler")
    ap.add_argument("--workers", default=None, help="comma-separated worker counts (default 1,2,cores)")
    ap.add_argument("--tile-m", type=float, default=None, help="partition tile size (m)")
    ap.add_argument("--regenerate", action="store_true", help="rewrite the generated province")
    ap.add_argument("--no-single", action="store_true", help="skip the single-process comparison")
    args = ap.parse_args()

    from gis_planner.partition import household_total, partitioned_reach
    from gis_planner.partition.run import peak_rss_mb

    nti, ntj, side = (2, 2, 224) if args.quick else (8, 4, 256)
    tile = args.tile_m or side * SPACING_M
    work = HERE / "_work"
    store = work / ("province_quick" if args.quick else "province")
    t = time.perf_counter()
    if args.regenerate or not (store / "sizes.json").exists():
        sizes = generate_province(store, nti=nti, ntj=ntj, side=side)
        print(f"generated in {time.perf_counter() - t:.0f} s", flush=True)
    sizes = json.loads((store / "sizes.json").read_text())
    print(f"province: {sizes['nodes']:,} nodes, {sizes['edges']:,} edges, {sizes['households']:,} households, "
          f"{sizes['facilities']:,} facilities, {len(CATEGORIES)} categories; "
          f"{nti * side * SPACING_M / 1000:.0f} km x {ntj * side * SPACING_M / 1000:.0f} km; "
          f"lead peak so far {peak_rss_mb():,.0f} MB", flush=True)
    n_cores = os.cpu_count() or 1
    counts = [int(w) for w in args.workers.split(",")] if args.workers else sorted({1, 2, n_cores})
    rows = []
    for w in counts:
        out = work / f"province_out_{w}"
        info = partitioned_reach(store / "network_edges", store / "households", store / "facilities",
                                 out_dir=out, speed_kmh=SPEED_KMH, categories=CATEGORIES, walk_minutes=MINUTES,
                                 count_within=False, tile_m=tile, n_workers=max(w, 1), scheduler=args.scheduler,
                                 overwrite=True)
        parts = [p for p in info["partitions"] if p["households"]]
        n_out, hh_out = household_total(out)
        assert (n_out, hh_out) == (sizes["households"], sizes["household_total"]), (n_out, hh_out)
        biggest = max(parts, key=lambda p: p["edges"])
        rows.append({"workers": w, "seconds": info["seconds"], "partitions": len(parts),
                     "peak_worker_rss_mb": max(p["worker_peak_rss_mb"] for p in parts),
                     "worker_processes": len({p["worker"] for p in parts}),
                     "largest_partition_edges": biggest["edges"],
                     "largest_partition_households": max(p["households"] for p in parts),
                     "partition_edges_total": sum(p["edges"] for p in parts),
                     "lead_peak_rss_mb": peak_rss_mb()})
        print(json.dumps(rows[-1]), flush=True)
    single = None
    if not args.no_single:
        proc = subprocess.run([sys.executable, "-c", SINGLE, str(store)], capture_output=True, text=True, check=True)
        single = json.loads(proc.stdout.strip().splitlines()[-1])
        print(json.dumps(single), flush=True)
    t1 = next((r["seconds"] for r in rows if r["workers"] == 1), None)
    print("\n| workers | wall time (s) | scaling efficiency T1 / (N·TN) | peak RSS per worker (MB) | partitions |")
    print("|---|---|---|---|---|")
    for r in rows:
        eff = f"{t1 / (r['workers'] * r['seconds']):.2f}" if t1 and r["workers"] else "—"
        print(f"| {r['workers']} | {r['seconds']:.1f} | {eff} | {r['peak_worker_rss_mb']:,.0f} | {r['partitions']} |")
    if single:
        print(f"| single process (no Dask) | {single['reach_s']:.1f} (+ {single['load_s']:.1f} to load) | — | "
              f"{single['peak_rss_mb']:,.0f} | 1 |")
    r0 = rows[0]
    print(f"\nlargest partition: {r0['largest_partition_edges']:,} edges, {r0['largest_partition_households']:,} "
          f"households; tiles {tile:,.0f} m; halo overlap {r0['partition_edges_total'] / sizes['edges'] - 1:.0%} "
          f"extra edges; lead process peak {max(r['lead_peak_rss_mb'] for r in rows):,.0f} MB")
    load = os.getloadavg()
    print(f"machine: {platform.processor() or platform.machine()}, {n_cores} cores, Python "
          f"{platform.python_version()}; load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")


if __name__ == "__main__":
    main()
