"""Siting benchmark: MCLP with >= 2,000 candidates and >= 50,000 demand points at a 15-minute
walk on a generated city, gis_planner (HiGHS) against spopt (PuLP + CBC) on the same instance.

Run from the repository root:

    python benchmarks/bench_siting.py [--demand 50000] [--candidates 2000] [--sites 100]

Timings include building the cost matrix for both: gis_planner builds the sparse matrix of
pairs within the cut-off; spopt's ``MCLP.from_cost_matrix`` needs a dense demand x candidates
array, built here from the same shortest-path distances.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis_planner._units import walk_distance_m
from gis_planner.network.graph import WalkNetwork
from gis_planner.network.snap import snap_points
from gis_planner.network.travel import od_costs
from gis_planner.siting import mclp

CRS = 32651

WALK_MINUTES = 15.0
SPEED_KMH = 4.8  # 15 min -> 1200 m


def grid_city(size_m: float, spacing_m: float, n_demand: int, n_cand: int, seed: int):
    """A street grid (``WalkNetwork.from_lines``), demand points clustered around 8 centres with
    20-400 households each, and candidates at random street nodes."""
    rng = np.random.default_rng(seed)
    k = int(size_m // spacing_m) + 1
    xs = np.arange(k) * spacing_m
    lines = [shapely.LineString([(x0, y), (x0 + spacing_m, y)]) for y in xs for x0 in xs[:-1]]
    lines += [shapely.LineString([(x, y0), (x, y0 + spacing_m)]) for x in xs for y0 in xs[:-1]]
    net = WalkNetwork.from_lines(gpd.GeoDataFrame(geometry=lines, crs=CRS), source="grid city")
    centres = rng.uniform(0.15 * size_m, 0.85 * size_m, size=(8, 2))
    which = rng.integers(0, len(centres), n_demand)
    pts = np.clip(centres[which] + rng.normal(0, size_m / 8, size=(n_demand, 2)), 0, size_m)
    demand = gpd.GeoDataFrame(
        {"households": rng.integers(20, 400, n_demand)},
        geometry=shapely.points(pts),
        crs=CRS,
        index=pd.Index([f"c{i}" for i in range(n_demand)], name="compound_id"),
    )
    nodes = rng.choice(net.n_nodes, n_cand, replace=False)
    cands = gpd.GeoDataFrame(
        {"name": [f"node {i}" for i in nodes], "kind": "layer"},
        geometry=net.nodes.geometry.to_numpy()[nodes],
        crs=CRS,
        index=pd.Index([f"k{i}" for i in range(n_cand)], name="candidate_id"),
    )
    return net, demand, cands


def network_costs(net, demand, cands, cutoff_m):
    """Demand x candidates network metres within ``cutoff_m`` (the package's sparse convention),
    through the package's own snapping and shortest paths."""
    sd = snap_points(net, demand, tolerance_m=250.0)
    sc = snap_points(net, cands, tolerance_m=250.0)
    return od_costs(net, sd, sc, cutoff_m=cutoff_m)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--demand", type=int, default=50_000)
    ap.add_argument("--candidates", type=int, default=2_000)
    ap.add_argument("--sites", type=int, default=100)
    ap.add_argument("--size-m", type=float, default=12_000.0)
    ap.add_argument("--spacing-m", type=float, default=100.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--no-spopt", action="store_true")
    args = ap.parse_args()
    cutoff = walk_distance_m(WALK_MINUTES, SPEED_KMH)
    net, demand, cands = grid_city(
        args.size_m, args.spacing_m, args.demand, args.candidates, args.seed
    )
    w = demand["households"].to_numpy(dtype=float)
    print(
        f"city: {net.n_nodes} nodes, {net.n_edges} edges; {args.demand} demand points, "
        f"{args.candidates} candidates, p = {args.sites}, cut-off {cutoff:.0f} m"
    )
    t0 = time.perf_counter()
    costs = network_costs(net, demand, cands, cutoff)
    t_matrix = time.perf_counter() - t0
    res = mclp(costs, w, p=args.sites, time_limit_s=args.time_limit)
    t_ours = time.perf_counter() - t0
    print(
        f"gis_planner: matrix {t_matrix:.1f} s ({costs.nnz:,} pairs), total {t_ours:.1f} s; "
        f"status {res.status}, objective {res.objective:,.0f}, bound {res.bound:,.0f}, "
        f"gap {res.gap:.4%}, model rows {res.details['model_rows']:,}"
    )
    if args.no_spopt:
        return 0
    import pulp
    from spopt.locate import MCLP

    t1 = time.perf_counter()
    # spopt takes a dense matrix: the same network distances, out-of-reach pairs set far away
    pairs = network_costs(net, demand, cands, cutoff).tocoo()
    dense = np.full(pairs.shape, 1e9)
    dense[pairs.row, pairs.col] = pairs.data
    model = MCLP.from_cost_matrix(dense, w, service_radius=cutoff, p_facilities=args.sites)
    model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    t_spopt = time.perf_counter() - t1
    obj = pulp.value(model.problem.objective)
    print(f"spopt+CBC: total {t_spopt:.1f} s; objective {obj:,.0f}")
    print(
        f"same objective: {abs(obj - res.objective) <= 1e-6 * max(1.0, obj)}; "
        f"speed ratio {t_spopt / t_ours:.1f}x"
    )
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}, {platform.system()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
