"""Benchmark: a generated province run partition by partition on Dask with 1, 2 and N workers.

Run from the repository root (needs the ``province`` extra):

    python benchmarks/bench_province.py            # >= 2M nodes, >= 2M households, 10 categories
    python benchmarks/bench_province.py --quick    # 200k nodes, 200k households

Measures wall time, the peak resident memory (VmHWM) of every worker process and of a
single-process run of the same data, and the scaling efficiency T1 / (N x TN). Facility counts within the
limit (``count_within``) are off in every run, single and partitioned alike.
On a multi-machine cluster: start ``dask scheduler`` on one machine and ``dask worker
tcp://HOST:8786`` on each, put the work folder on a shared filesystem, and pass
``--scheduler tcp://HOST:8786``.
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

SINGLE = """
import json, resource, sys, time
import geopandas as gpd
from gis_planner.coverage import reach
from gis_planner.network import WalkNetwork
store = sys.argv[1]
t0 = time.perf_counter()
e = gpd.read_parquet(store + "/network_edges.parquet").sort_values("edge_order")
net = WalkNetwork.from_lines(e.drop(columns="edge_order").reset_index(drop=True), keep_largest_component=False)
hh = gpd.read_parquet(store + "/households.parquet").set_index("compound_id").drop(columns="partition")
fac = gpd.read_parquet(store + "/facilities.parquet").set_index("facility_id")
t1 = time.perf_counter()
r = reach(net, hh, fac, speed_kmh=4.0, walk_minutes=(15,), count_within=False)
t2 = time.perf_counter()
from gis_planner.partition.run import peak_rss_mb
print(json.dumps({"load_s": t1 - t0, "reach_s": t2 - t1, "peak_rss_mb": peak_rss_mb()}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--scheduler", default=None)
    ap.add_argument("--tile-m", type=float, default=None)
    args = ap.parse_args()
    from _citygen import generate_city

    from gis_planner.partition import partitioned_reach
    from gis_planner.partition.run import peak_rss_mb

    n = 200_000 if args.quick else 2_010_000
    tile = args.tile_m or (15_000.0 if args.quick else 25_000.0)
    work = HERE / "_work"
    work.mkdir(exist_ok=True)
    t = time.perf_counter()
    net, hh, fac = generate_city(n, n, 10, seed=11, facilities_per_category=(2_000, 8_000))
    t_gen = time.perf_counter() - t
    cats = list(dict.fromkeys(fac["category"]))
    print(f"province: {net.n_nodes:,} nodes, {net.n_edges:,} edges, {len(hh):,} households, "
          f"{len(fac):,} facilities, {len(cats)} categories; generated in {t_gen:.0f} s", flush=True)
    rows = []
    n_cores = os.cpu_count() or 1
    workers = sorted({1, 2, n_cores})
    store = work / "store"
    for w in workers:
        out = work / f"out_{w}"
        info = partitioned_reach(net, hh, fac, out_dir=out, speed_kmh=4.0, categories=cats,
                                 walk_minutes=(15,), count_within=False, tile_m=tile,
                                 n_workers=w, scheduler=args.scheduler, store_dir=store,
                                 overwrite=True)
        parts = [p for p in info["partitions"] if p["households"]]
        peak = max(p["worker_peak_rss_mb"] for p in parts)
        biggest = max(parts, key=lambda p: p["edges"])
        rows.append({"workers": w, "seconds": info["seconds"], "partitions": len(parts),
                     "peak_worker_rss_mb": peak, "largest_partition_edges": biggest["edges"],
                     "largest_partition_households": max(p["households"] for p in parts)})
        print(rows[-1], flush=True)
    del net, hh, fac
    single = subprocess.run([sys.executable, "-c", SINGLE, str(store)], capture_output=True,
                            text=True, check=True)
    s = json.loads(single.stdout.strip().splitlines()[-1])
    t1 = next(r["seconds"] for r in rows if r["workers"] == 1)
    print("\n| workers | wall time (s) | scaling efficiency | peak RSS per worker (MB) | partitions |")
    print("|---|---|---|---|---|")
    for r in rows:
        eff = t1 / (r["workers"] * r["seconds"])
        print(f"| {r['workers']} | {r['seconds']:.1f} | {eff:.2f} | {r['peak_worker_rss_mb']:,.0f} | {r['partitions']} |")
    print(f"| single process (no Dask) | {s['reach_s']:.1f} (+ {s['load_s']:.1f} load) | — | "
          f"{s['peak_rss_mb']:,.0f} | 1 |")
    print(f"\nlargest partition: {rows[0]['largest_partition_edges']:,} edges, "
          f"{rows[0]['largest_partition_households']:,} households; tile {tile:,.0f} m")
    print(f"machine: {platform.machine()}, {n_cores} cores, Python {platform.python_version()}; "
          f"lead process peak RSS {peak_rss_mb():,.0f} MB (holds the generated province)")


if __name__ == "__main__":
    main()
