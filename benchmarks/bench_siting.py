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
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra

from gis_planner._units import walk_distance_m
from gis_planner.network.graph import WalkNetwork
from gis_planner.siting import mclp

WALK_MINUTES = 15.0
SPEED_KMH = 4.8  # 15 min -> 1200 m


def grid_city(size_m: float, spacing_m: float, n_demand: int, n_cand: int, seed: int):
    """A street grid (``WalkNetwork.from_lines``), demand points clustered in a few centres and
    candidates at random nodes; each point sits at its nearest node plus its offset to it."""
    rng = np.random.default_rng(seed)
    k = int(size_m // spacing_m) + 1
    xs = np.arange(k) * spacing_m
    lines = [shapely.LineString([(x0, y), (x0 + spacing_m, y)]) for y in xs for x0 in xs[:-1]]
    lines += [shapely.LineString([(x, y0), (x, y0 + spacing_m)]) for x in xs for y0 in xs[:-1]]
    net = WalkNetwork.from_lines(gpd.GeoDataFrame(geometry=lines, crs=32651), source="grid city")
    centres = rng.uniform(0.15 * size_m, 0.85 * size_m, size=(8, 2))
    which = rng.integers(0, len(centres), n_demand)
    pts = centres[which] + rng.normal(0, size_m / 8, size=(n_demand, 2))
    pts = np.clip(pts, 0, size_m)
    weights = rng.integers(20, 400, n_demand).astype(float)  # households per compound
    node_xy = shapely.get_coordinates(net.nodes.geometry.to_numpy())
    tree = shapely.STRtree(net.nodes.geometry.to_numpy())
    d_node = tree.nearest(shapely.points(pts))
    d_off = np.hypot(*(pts - node_xy[d_node]).T)
    c_node = rng.choice(net.n_nodes, n_cand, replace=False)
    return net, d_node, d_off, c_node, weights


def sparse_costs(net, d_node, d_off, c_node, cutoff_m):
    """Demand x candidates network metres within ``cutoff_m`` (the package's sparse convention)."""
    dist = dijkstra(net.csr(), directed=False, indices=c_node, limit=cutoff_m)  # cand x nodes
    cols = []
    rows = []
    vals = []
    for j in range(len(c_node)):
        node_d = dist[j, d_node] + d_off
        ok = np.flatnonzero(node_d <= cutoff_m)
        rows.append(ok)
        cols.append(np.full(len(ok), j))
        vals.append(node_d[ok])
    r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    return sp.csr_matrix((v, (r, c)), shape=(len(d_node), len(c_node))), dist


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
    net, d_node, d_off, c_node, w = grid_city(
        args.size_m, args.spacing_m, args.demand, args.candidates, args.seed
    )
    print(
        f"city: {net.n_nodes} nodes, {net.n_edges} edges; {args.demand} demand points, "
        f"{args.candidates} candidates, p = {args.sites}, cut-off {cutoff:.0f} m"
    )
    t0 = time.perf_counter()
    costs, dist = sparse_costs(net, d_node, d_off, c_node, cutoff)
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
    dense = dist[:, d_node].T + d_off[:, None]  # demand x candidates, every pair (inf -> big)
    dense[~np.isfinite(dense)] = 1e9
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
