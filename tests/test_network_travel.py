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


def _whole_graph_blocks(monkeypatch, chunk_rows: int) -> None:
    """Make od_costs use the limited Dijkstra over the whole graph (the method it falls back
    to where the straight-line bound does not hold), in blocks of ``chunk_rows``."""
    monkeypatch.setattr(travel, "OD_CHUNK_ROWS", chunk_rows)
    monkeypatch.setattr(travel, "_ball_radius_m", lambda *a, **k: np.inf)


@pytest.mark.parametrize(("method", "size"), [("blocks", 1), ("blocks", 7), ("blocks", 64),
                                              ("separated", 0), ("singletons", 0)])
def test_od_costs_and_node_distances_match_networkx(monkeypatch, method, size):
    """Every pair within 400 m equals networkx's shortest path on the split graph (0.01 m), with
    searches from groups of distant destinations (or one destination per search), or whole-graph
    searches in any chunking of the destinations; no pair beyond is stored."""
    if method == "blocks":
        _whole_graph_blocks(monkeypatch, size)
    elif method == "singletons":
        monkeypatch.setattr(travel, "_separated_groups", lambda xy, sep: np.arange(len(xy)))
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


def _same_matrix(a, b, *, atol: float = 1e-9) -> None:
    a, b = a.tocsr(), b.tocsr()
    a.sort_indices()
    b.sort_indices()
    assert a.shape == b.shape
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_allclose(a.data, b.data, rtol=0, atol=atol)


def test_grouped_searches_equal_whole_graph_search_on_shanghai(shared_data, monkeypatch):
    """Searches shared by distant destinations store exactly the pairs of the whole-graph
    search (and of one search per destination), with the same metres (1e-9 m), on real
    central-Shanghai streets (bent edges, dense junctions)."""
    from gis_planner.io import read_network

    net = read_network(shared_data / "shanghai-central" / "roads_shanghai_center_overpass_2025-08.osm")
    x0, y0, x1, y1 = net.edges.total_bounds
    rng = np.random.default_rng(8)
    o = snap_points(net, _pts(np.c_[rng.uniform(x0, x1, 3000), rng.uniform(y0, y1, 3000)], "O"))
    d = snap_points(net, _pts(np.c_[rng.uniform(x0, x1, 150), rng.uniform(y0, y1, 150)], "D"))
    local = od_costs(net, o, d, cutoff_m=1000.0)
    assert np.isfinite(travel._ball_radius_m(
        net, d["edge"].to_numpy()[d["snapped"]], d["offset_m"].to_numpy()[d["snapped"]],
        d[["x", "y"]].to_numpy()[d["snapped"].to_numpy()], 1000.0))
    groups = travel._separated_groups(d[["x", "y"]].to_numpy()[d["snapped"].to_numpy()], 2000.0)
    assert 1 < groups.max() + 1 < d["snapped"].sum()  # searches really are shared
    monkeypatch.setattr(travel, "_separated_groups", lambda xy, sep: np.arange(len(xy)))
    small_blocks = od_costs(net, o, d, cutoff_m=1000.0)
    _whole_graph_blocks(monkeypatch, 64)
    whole = od_costs(net, o, d, cutoff_m=1000.0)
    assert whole.nnz > 2_000
    _same_matrix(local, whole)
    _same_matrix(small_blocks, whole)


def test_edges_shorter_than_their_chord_widen_the_search():
    """A network whose stated lengths are shorter than the straight line (e.g. a GMNS file)
    breaks the straight-line bound: the radius grows by the ratio, and the answer stays exact."""
    net = _jittered(4)
    edges = net.edges.copy()
    edges.loc[edges.index[:5], "length_m"] *= 0.5
    short = WalkNetwork(nodes=net.nodes, edges=edges, source="short")
    rng = np.random.default_rng(2)
    o = snap_points(short, _pts(rng.uniform(0, 810, (80, 2)), "O"), tolerance_m=40)
    d = snap_points(short, _pts(rng.uniform(0, 810, (20, 2)), "D"), tolerance_m=40)
    got = od_costs(short, o, d, cutoff_m=350.0)
    g = nx.Graph()
    for uu, vv, w in zip(edges["u"], edges["v"], edges["length_m"], strict=True):
        if not g.has_edge(uu, vv) or g[uu][vv]["w"] > w:
            g.add_edge(int(uu), int(vv), w=float(w))
    assert travel._edge_chords(short)[2] < 0.6
    m = _dense(got)
    assert len(m) > 50
    for (i, j), val in m.items():
        oi, dj = o.iloc[i], d.iloc[j]
        ou, ov = (int(x) for x in edges.iloc[int(oi["edge"])][["u", "v"]])
        du, dv = (int(x) for x in edges.iloc[int(dj["edge"])][["u", "v"]])
        lo, ld = float(edges.iloc[int(oi["edge"])]["length_m"]), float(edges.iloc[int(dj["edge"])]["length_m"])
        best = abs(oi["offset_m"] - dj["offset_m"]) if oi["edge"] == dj["edge"] else np.inf
        for a, da in ((du, dj["offset_m"]), (dv, ld - dj["offset_m"])):
            dist = nx.single_source_dijkstra_path_length(g, a, weight="w")
            for b, db in ((ou, oi["offset_m"]), (ov, lo - oi["offset_m"])):
                best = min(best, da + dist.get(b, np.inf) + db)
        assert val == pytest.approx(best, abs=1e-6)


def test_separated_groups_keep_members_apart():
    rng = np.random.default_rng(4)
    xy = rng.uniform(0, 3000, (400, 2))
    group = travel._separated_groups(xy, 500.0)
    for g in np.unique(group):
        pts = xy[group == g]
        if len(pts) > 1:
            gap = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
            assert gap[~np.eye(len(pts), dtype=bool)].min() > 500.0
    assert group.max() + 1 < 60  # far fewer searches than destinations


def _od_row_counts(net, o, d, cutoff_m, extra):
    od = od_costs(net, o, d, cutoff_m=cutoff_m).tocoo()
    keep = od.data + extra[od.row] <= cutoff_m
    return np.bincount(od.row[keep], minlength=len(o))


def test_counts_within_equal_the_row_counts_of_od_costs_on_shanghai(shared_data):
    """The counts made in place equal the stored pairs of ``od_costs`` per origin (with and
    without metres added per origin), on real central-Shanghai streets, including origins and
    destinations on one edge and destinations at one point."""
    from gis_planner.io import read_network

    net = read_network(shared_data / "shanghai-central" / "roads_shanghai_center_overpass_2025-08.osm")
    x0, y0, x1, y1 = net.edges.total_bounds
    rng = np.random.default_rng(11)
    d_xy = np.c_[rng.uniform(x0, x1, 120), rng.uniform(y0, y1, 120)]
    d_xy[100:110] = d_xy[:10]  # two destinations at one point
    o_xy = np.r_[np.c_[rng.uniform(x0, x1, 4000), rng.uniform(y0, y1, 4000)],
                 d_xy[:40] + rng.normal(0, 5, (40, 2))]  # origins on the destinations' edges
    o = snap_points(net, _pts(o_xy, "O"))
    d = snap_points(net, _pts(d_xy, "D"))
    for extra in (np.zeros(len(o)), rng.uniform(0, 300, len(o))):
        got = travel.counts_within(net, o, d, cutoff_m=800.0, origin_extra_m=extra)
        want = _od_row_counts(net, o, d, 800.0, extra)
        assert want.sum() > 1_000
        np.testing.assert_array_equal(got, want)
    same_o, _same_d = travel._same_edge_pairs(o["edge"].to_numpy(), d["edge"].to_numpy())
    assert len(same_o) >= 40


def test_counts_within_hand_checked_and_without_a_straight_line_bound(grid):
    """On the grid: an origin at (0, 50) has destinations on its own edge (30 m) and beyond its
    end (150 m, 250 m); one at (200, 400) reaches (400, 300) at exactly 300 m (inclusive); an
    origin off the network counts 0. A network whose lengths fall short of the straight line
    (no straight-line bound) counts the pairs of ``od_costs`` and agrees with them."""
    o = snap_points(grid, _pts([(0, 50), (200, 400), (9000, 0)], "O"))
    d = snap_points(grid, _pts([(0, 80), (100, 0), (200, 0), (400, 300)], "D"))
    assert travel.counts_within(grid, o, d, cutoff_m=260.0).tolist() == [3, 0, 0]
    assert travel.counts_within(grid, o, d, cutoff_m=300.0).tolist() == [3, 1, 0]
    assert travel.counts_within(grid, o, d, cutoff_m=300.0,
                                origin_extra_m=np.array([0.0, 0.5, 0.0])).tolist() == [3, 0, 0]
    assert travel.counts_within(grid, o, d.iloc[:0], cutoff_m=300.0).tolist() == [0, 0, 0]
    net = _jittered(4)
    edges = net.edges.copy()
    edges.loc[edges.index[:5], "length_m"] *= 0.5
    short = WalkNetwork(nodes=net.nodes, edges=edges, source="short")
    rng = np.random.default_rng(2)
    o = snap_points(short, _pts(rng.uniform(0, 810, (80, 2)), "O"), tolerance_m=40)
    d = snap_points(short, _pts(rng.uniform(0, 810, (20, 2)), "D"), tolerance_m=40)
    extra = rng.uniform(0, 50, len(o))
    got = travel.counts_within(short, o, d, cutoff_m=350.0, origin_extra_m=extra)
    want = _od_row_counts(short, o, d, 350.0, extra)
    assert want.sum() > 50
    np.testing.assert_array_equal(got, want)
