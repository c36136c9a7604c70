"""Network distances exact at partial edges: hand-checked grid, same-edge detours, a networkx oracle."""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from _networks import grid_network

from gis_planner.network import WalkNetwork, node_distances, od_costs, point_distances, snap_points, travel

CRS = 32651


@pytest.fixture(scope="module")
def grid() -> WalkNetwork:
    """A 5 x 5 grid of 100 m blocks, nodes at (0..400, 0..400)."""
    return grid_network(crs=CRS)


def _pts(xy, prefix):
    return gpd.GeoDataFrame(geometry=shapely.points(np.asarray(xy, float)), crs=CRS,
                            index=[f"{prefix}{i}" for i in range(len(xy))])


def _node(net: WalkNetwork, x: float, y: float) -> int:
    xy = shapely.get_coordinates(net.nodes.geometry.to_numpy())
    return int(np.flatnonzero((xy == (x, y)).all(axis=1))[0])


def _dense(m) -> dict[tuple[int, int], float]:
    c = m.tocoo()
    return {(int(r), int(k)): float(v) for r, k, v in zip(c.row, c.col, c.data, strict=True)}


def test_node_distances_from_a_mid_edge_source(grid):
    """Source S at (250, 0), mid-way along the edge (200,0)-(300,0): 50 m to either end;
    (0,0) is 250 m away; (400,400) is 50 + 100 + 400 = 550 m; the cut-off is inclusive."""
    s = snap_points(grid, _pts([(250, 0)], "S"))
    d = node_distances(grid, s, cutoff_m=550)
    assert d[_node(grid, 200, 0)] == pytest.approx(50)
    assert d[_node(grid, 300, 0)] == pytest.approx(50)
    assert d[_node(grid, 0, 0)] == pytest.approx(250)
    assert d[_node(grid, 400, 400)] == pytest.approx(550)
    short = node_distances(grid, s, cutoff_m=500)
    assert np.isinf(short[_node(grid, 400, 400)]) and short[_node(grid, 0, 0)] == pytest.approx(250)
    none = node_distances(grid, s.assign(edge=-1), cutoff_m=500)
    assert np.isinf(none).all()


def test_od_costs_hand_checked(grid):
    """Origins: H0 (10, 30) snaps onto x = 0 at y = 30; H1 (210, 5) onto y = 0 at x = 210; H2 sits
    exactly on S0; H3 is 4 km from any road. Destinations S0 (250, 0), S1 (0, 0).
    H0-S0 = 30 + 250 = 280 (beyond the 250 m cut-off: missing), H0-S1 = 30, H1-S0 = 40 (same
    edge), H1-S1 = 210, H2-S0 = 0 (stored explicitly), H2-S1 = 250 (cut-off inclusive)."""
    o = snap_points(grid, _pts([(10, 30), (210, 5), (250, 0), (5000, 5000)], "H"))
    d = snap_points(grid, _pts([(250, 0), (0, 0)], "S"))
    m = od_costs(grid, o, d, cutoff_m=250)
    assert m.shape == (4, 2) and m.format == "csr"
    got = _dense(m)
    want = {(0, 1): 30.0, (1, 0): 40.0, (1, 1): 210.0, (2, 0): 0.0, (2, 1): 250.0}
    assert got.keys() == want.keys()
    for k, v in want.items():
        assert got[k] == pytest.approx(v, abs=1e-9)
    assert m.nnz == 5  # the exact zero is a stored entry
    assert m.getrow(3).nnz == 0  # unsnapped origin: out of reach of everything
    # the network is undirected: the reverse matrix is the transpose
    back = od_costs(grid, d, o, cutoff_m=250)
    assert _dense(back) == {(c, r): v for (r, c), v in got.items()}


def test_same_edge_pairs_take_the_shorter_way_round():
    """Edge A is a U (0,0)->(0,500)->(100,500)->(100,0), 1100 m; edge B joins its ends directly
    (100 m). P at 10 m along A and Q at 1090 m along A are 1080 m apart along A but only
    10 + 100 + 10 = 120 m apart via B."""
    lines = [shapely.LineString([(0, 0), (0, 500), (100, 500), (100, 0)]),
             shapely.LineString([(0, 0), (100, 0)])]
    net = WalkNetwork.from_lines(gpd.GeoDataFrame(geometry=lines, crs=CRS))
    p = snap_points(net, _pts([(-3, 10)], "P"))
    q = snap_points(net, _pts([(103, 10)], "Q"))
    assert p.loc["P0", "edge"] == q.loc["Q0", "edge"]
    assert _dense(od_costs(net, p, q, cutoff_m=2000)) == {(0, 0): pytest.approx(120.0)}
    assert point_distances(net, q, p, cutoff_m=2000)[0] == pytest.approx(120.0)
    # two points 30 m apart on the straight edge B: the direct way
    r = snap_points(net, _pts([(20, -1), (50, -1)], "R"))
    assert _dense(od_costs(net, r.iloc[[0]], r.iloc[[1]], cutoff_m=2000)) == {
        (0, 0): pytest.approx(30.0)}


def _jittered(seed: int, side: int = 10, step: float = 90.0) -> WalkNetwork:
    rng = np.random.default_rng(seed)
    xy = np.array([(i * step, j * step) for j in range(side) for i in range(side)])
    xy += rng.normal(0, 9, xy.shape)
    node = np.arange(side * side).reshape(side, side)
    a = np.r_[node[:, :-1].ravel(), node[:-1, :].ravel()]
    b = np.r_[node[:, 1:].ravel(), node[1:, :].ravel()]
    keep = rng.random(len(a)) > 0.12
    a, b = a[keep], b[keep]
    mid = (xy[a] + xy[b]) / 2 + rng.normal(0, 6, (len(a), 2))
    lines = shapely.linestrings(np.stack([xy[a], mid, xy[b]], axis=1))
    return WalkNetwork.from_lines(gpd.GeoDataFrame(geometry=lines, crs=CRS))


def _split_graph(net: WalkNetwork, snaps: dict[str, pd.DataFrame]) -> nx.Graph:
    """networkx graph with every snapped point inserted as a node splitting its edge."""
    g = nx.Graph()
    on_edge: dict[int, list[tuple[float, str]]] = {}
    for prefix, s in snaps.items():
        for pid, row in s.loc[s["snapped"]].iterrows():
            on_edge.setdefault(int(row["edge"]), []).append((float(row["offset_m"]), f"{prefix}:{pid}"))
    e = net.edges
    for k, (u, v, w) in enumerate(zip(e["u"], e["v"], e["length_m"], strict=True)):
        chain = [(0.0, int(u)), *sorted(on_edge.get(k, [])), (float(w), int(v))]
        for (o1, a), (o2, b) in itertools.pairwise(chain):
            if a == b:
                continue
            if not g.has_edge(a, b) or g[a][b]["w"] > o2 - o1:
                g.add_edge(a, b, w=o2 - o1)
    return g


@pytest.mark.parametrize("chunk_rows", [1, 7, 64])
def test_od_costs_and_node_distances_match_networkx(monkeypatch, chunk_rows):
    """Every pair within 400 m equals networkx's shortest path on the split graph (0.01 m), in
    any chunking of the destinations; no pair beyond is stored."""
    monkeypatch.setattr(travel, "OD_CHUNK_ROWS", chunk_rows)
    net = _jittered(11)
    rng = np.random.default_rng(5)
    o = snap_points(net, _pts(rng.uniform(0, 810, (70, 2)), "O"), tolerance_m=40)
    d = snap_points(net, _pts(rng.uniform(0, 810, (25, 2)), "D"), tolerance_m=40)
    cut = 400.0
    m = _dense(od_costs(net, o, d, cutoff_m=cut))
    g = _split_graph(net, {"O": o, "D": d})
    n_pairs = 0
    for j, did in enumerate(d.index):
        if not d.loc[did, "snapped"]:
            assert not any(c == j for _, c in m)
            continue
        ref = nx.single_source_dijkstra_path_length(g, f"D:{did}", cutoff=cut, weight="w")
        for i, oid in enumerate(o.index):
            want = ref.get(f"O:{oid}")
            if want is None:
                assert (i, j) not in m
            else:
                assert m[(i, j)] == pytest.approx(want, abs=0.01)
                n_pairs += 1
    assert n_pairs > 100
    # node distances from all destinations at once equal networkx's multi-source search
    nd = node_distances(net, d, cutoff_m=cut)
    sources = [f"D:{i}" for i in d.index[d["snapped"]]]
    ref = nx.multi_source_dijkstra_path_length(g, sources, cutoff=cut, weight="w")
    for node in range(net.n_nodes):
        want = ref.get(node, np.inf)
        assert nd[node] == pytest.approx(want, abs=0.01) if np.isfinite(want) else np.isinf(nd[node])
