"""Benchmark: governance grids (网格 / 微网格) for a generated 街道, single process and on Dask.

Run from the repository root (Dask runs need the ``province`` extra):

    python benchmarks/bench_grids.py                  # 20 communities, 50,000 households
    python benchmarks/bench_grids.py --communities 40 --dask-workers 2

The 街道 is generated, not real (no household counts exist in the shared data): communities of
400 m x 1200 m side by side, each with eight 180 m compounds on a 200 m street lattice
(arterials, class ``primary``, every 800 m: barriers), household counts drawn so the 街道 holds
``--households`` in all, and buildings of 24-48 households filling every compound (so
compounds above the 500 ceiling are split and every grid gets 微网格). Measured: wall time of
``partition_grids`` with compounds only (网格), with buildings (网格 + 微网格), and of
``partitioned_grids`` on a local Dask cluster, whose result is checked equal to the single
process when every solve is proven. Printed as JSON lines.

    python benchmarks/bench_grids.py --communities 400 --households 1000000 --compounds-only

Each measurement runs ``--runs`` times (default 3) and is reported as its median and range, wall
and CPU seconds; the Dask rows also give their ratio to the single process, paired run by run.

    python benchmarks/bench_grids.py --shanghai [--threads 1]

runs instead the grid stage of the central-Shanghai plan of ``bench_plan.py`` (real streets, 3,000
street-block compounds with **assumed** households, 180 assumed communities; read as ``gis-planner
report`` reads it), with the exact solves over the enumerated grids (``grids/candidates.py``) and
with the compact model only (``MAX_CANDIDATES = 0``), alternately: wall and CPU time of
``partition_grids``, the solver time it reports, and whether both give the same grid counts.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from gis_planner import _threads
from gis_planner.grids import candidates, partition_grids
from gis_planner.network import WalkNetwork
from gis_planner.pipeline import load_plan_inputs, plan_reach_parameters, read_plan_config, with_subdistrict

CRS = "EPSG:32650"
X0, Y0 = 500_000.0, 3_600_000.0
COMMUNITY_W_M, COMMUNITY_H_M, BLOCK_M = 400.0, 1200.0, 200.0


def street(n_communities: int, households: int, *, seed: int = 1) -> tuple:
    """(communities, compounds, buildings, network) of a generated 街道."""
    rng = np.random.default_rng(seed)
    cols = math.ceil(n_communities / 2)
    com_rows, comp_rows, bld_rows = [], [], []
    weights = rng.uniform(0.7, 1.3, n_communities * 8)
    hh = np.floor(households * weights / weights.sum()).astype(int)
    hh[0] += households - hh.sum()
    k = 0
    for c in range(n_communities):
        x0 = X0 + (c % cols) * COMMUNITY_W_M
        y0 = Y0 + (c // cols) * COMMUNITY_H_M
        code = f"320000001{c + 1:03d}"
        com_rows.append({"community_code": code, "name": f"社区{c + 1}",
                         "geometry": shapely.box(x0, y0, x0 + COMMUNITY_W_M, y0 + COMMUNITY_H_M)})
        for j in range(8):
            bx, by = x0 + (j % 2) * BLOCK_M + 10, y0 + (j // 2) * BLOCK_M + 10
            if j >= 6:  # the top row of blocks sits higher, leaving a park strip
                by += 2 * BLOCK_M
            cid = f"C{k:05d}"
            comp_rows.append({"compound_id": cid, "households": int(hh[k]),
                              "community_code": code,
                              "geometry": shapely.box(bx, by, bx + 180, by + 180)})
            per = int(rng.integers(24, 49))
            nb = max(1, round(hh[k] / per))
            split = np.full(nb, hh[k] // nb)
            split[: hh[k] - split.sum()] += 1
            side = math.ceil(math.sqrt(nb))
            step = 180.0 / side
            for b in range(nb):
                px, py = bx + step * (b % side), by + step * (b // side)
                bld_rows.append({"building_id": f"{cid}-{b:02d}", "compound_id": cid,
                                 "households": int(split[b]),
                                 "低保对象": int(rng.binomial(split[b], 0.02)),
                                 "geometry": shapely.box(px + step * 0.2, py + step * 0.2,
                                                         px + step * 0.8, py + step * 0.8)})
            k += 1
    com = gpd.GeoDataFrame(com_rows, crs=CRS).set_index("community_code")
    homes = gpd.GeoDataFrame(comp_rows, crs=CRS).set_index("compound_id")
    bld = gpd.GeoDataFrame(bld_rows, crs=CRS).set_index("building_id")
    xmax, ymax = X0 + cols * COMMUNITY_W_M, Y0 + 2 * COMMUNITY_H_M
    lines, kinds = [], []
    for x in np.arange(X0, xmax + 1, BLOCK_M):
        for y in np.arange(Y0, ymax, BLOCK_M):
            lines.append(shapely.LineString([(x, y), (x, y + BLOCK_M)]))
            kinds.append("primary" if (x - X0) % 800 == 0 else "residential")
    for y in np.arange(Y0, ymax + 1, BLOCK_M):
        for x in np.arange(X0, xmax, BLOCK_M):
            lines.append(shapely.LineString([(x, y), (x + BLOCK_M, y)]))
            kinds.append("primary" if (y - Y0) % 1200 == 0 else "residential")
    net = WalkNetwork.from_lines(gpd.GeoDataFrame({"highway": kinds}, geometry=lines, crs=CRS))
    return com, homes, bld, net


def _timed(runs: int, fn, *args, **kwargs):
    """(last result, wall seconds of each run, CPU seconds of each run) of ``runs`` calls."""
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn(*args, **kwargs)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return out, wall, cpu


def _spread(values: list[float]) -> dict:
    """Median and range (seconds) of the runs."""
    return {"median": round(statistics.median(values), 2), "min": round(min(values), 2),
            "max": round(max(values), 2)}


def _summary(name: str, result, wall: list[float], cpu: list[float] | None = None, **extra) -> dict:
    s = result.solver
    times = {"wall_s": _spread(wall), **({"cpu_s": _spread(cpu)} if cpu else {}), "runs": len(wall)}
    return {"run": name, **times, "grids": len(result.grids),
            "micro_grids": len(result.micro_grids),
            "grids_in_band": int((result.grids["band_status"] == "in_band").sum()),
            "solves": len(s), "exact": int((s["method"] == "exact").sum()),
            "heuristic": int((s["method"] == "heuristic").sum()),
            "proven": int(((s["method"] == "exact")
                           & s["status"].isin(["optimal", "relaxed"])).sum()),
            "max_gap": round(float(s["gap"].max()), 4), **extra}


def _show(row: dict) -> None:
    print(json.dumps(row, ensure_ascii=False), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--communities", type=int, default=20)
    ap.add_argument("--households", type=int, default=50_000)
    ap.add_argument("--dask-workers", type=int, default=2, help="0 skips the Dask run")
    ap.add_argument("--compounds-only", action="store_true",
                    help="网格 from compounds only (no buildings, no 微网格), single and on Dask")
    ap.add_argument("--runs", type=int, default=3, help="runs of each measurement (median, range)")
    ap.add_argument("--threads", type=int, default=None,
                    help="threads for the communities (default: gis_planner._threads.THREADS)")
    ap.add_argument("--shanghai", action="store_true",
                    help="the central-Shanghai grid stage: enumerated grids against the compact model "
                         "(needs ../shared/data)")
    args = ap.parse_args()
    if args.threads is not None:
        _threads.THREADS = max(1, args.threads)
    if args.shanghai:
        with tempfile.TemporaryDirectory(prefix="bench_grids_") as tmp:
            shanghai(Path(tmp) / "shanghai", args.runs)
        return
    com, homes, bld, net = street(args.communities, args.households)
    _show({"machine": platform.processor() or platform.machine(),
           "python": platform.python_version(), "communities": len(com),
           "compounds": len(homes), "buildings": len(bld),
           "households": int(homes["households"].sum()), "network_edges": net.n_edges})
    only, wall, cpu = _timed(args.runs, partition_grids, com, homes, network=net, micro=False)
    _show(_summary("compounds, 网格 only, 1 process", only, wall, cpu))
    if args.compounds_only:
        bld, full, label, single = None, only, "compounds, 网格 only", wall
    else:
        full, single, cpu = _timed(args.runs, partition_grids, com, homes, bld, network=net)
        label = "buildings, 网格 + 微网格"
        _show(_summary(f"{label}, 1 process", full, single, cpu))
    if args.dask_workers:
        dist, wall, _cpu = _timed(args.runs, _on_dask, com, homes, bld, net, args.dask_workers,
                                  micro=not args.compounds_only)
        clocked = (full.solver["status"] == "feasible").any()
        same = all(a.equals(b) for a, b in ((dist.grids, full.grids),
                                             (dist.micro_grids, full.micro_grids)))
        ratios = [d / s for d, s in zip(wall, single, strict=True)]
        _show(_summary(f"{label}, Dask {args.dask_workers} workers (cluster start included)", dist,
                       wall, equal_to_single_process=bool(same),
                       a_solve_stopped_by_the_clock=bool(clocked),
                       wall_ratio_to_1_process=_spread(ratios)))


def shanghai(folder: Path, runs: int) -> None:
    """The grid stage of the central-Shanghai plan: enumerated grids against the compact model,
    alternately, ``runs`` times each (see the module docstring)."""
    from bench_plan import build_shanghai_plan  # the script beside this one

    build_shanghai_plan(folder)
    cfg = read_plan_config(folder / "plan.toml")
    inputs = load_plan_inputs(cfg)
    homes = with_subdistrict(inputs.compounds, inputs.communities)
    tolerance = plan_reach_parameters(cfg).snap_tolerance_m
    _show({"machine": platform.processor() or platform.machine(),
           "python": platform.python_version(), "threads": _threads.THREADS,
           "plan": "central Shanghai (bench_plan.py)",
           "communities": len(inputs.communities), "compounds": len(homes),
           "households_assumed": int(homes["households"].sum()),
           "network_edges": inputs.network.n_edges})
    limit = candidates.MAX_CANDIDATES
    timed: dict[str, list[tuple[float, float, object]]] = {"enumerated": [], "compact": []}
    try:
        for _ in range(runs):
            for name, most in (("enumerated", limit), ("compact", 0)):
                candidates.MAX_CANDIDATES = most
                out, wall, cpu = _timed(1, partition_grids, inputs.communities, homes,
                                        network=inputs.network, snap_tolerance_m=tolerance)
                timed[name].append((wall[0], cpu[0], out))
    finally:
        candidates.MAX_CANDIDATES = limit
    for name, rows in timed.items():
        last = rows[-1][2]
        _show(_summary(f"central Shanghai grid stage, {name}", last, [r[0] for r in rows],
                       [r[1] for r in rows],
                       solver_s=_spread([float(r[2].solver["runtime_s"].sum()) for r in rows]),
                       walk_hh_m=round(float(last.solver["objective_hh_m"].sum()))))
    new, old = timed["enumerated"][-1][2], timed["compact"][-1][2]
    _show({"paired_wall_ratio": _spread([a[0] / b[0] for a, b in
                                         zip(timed["enumerated"], timed["compact"], strict=True)]),
           "same_grids_per_community": bool(_per_community(new).equals(_per_community(old))),
           "same_micro_grids": len(new.micro_grids) == len(old.micro_grids),
           "same_band_status": bool(new.grids["band_status"].value_counts().equals(
               old.grids["band_status"].value_counts()))})


def _per_community(result) -> object:
    """Grids per community (the community-level solver rows)."""
    s = result.solver
    return s.loc[s["level"] == "grid"].set_index("community_code")["grids"].sort_index()


def _on_dask(com, homes, bld, net, workers: int, *, micro: bool):
    """``partitioned_grids`` on a new local cluster of ``workers`` processes (its start included)."""
    from gis_planner.grids.parallel import partitioned_grids
    from gis_planner.partition.run import connect

    client, cluster = connect(None, n_workers=workers)
    try:
        return partitioned_grids(com, homes, bld, network=net, micro=micro, client=client)
    finally:
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()
