"""Every street kept: ring streets (self-loops in GraphML and GMNS, closed lines in centre-line
files), zero-length edges between two nodes at one place, and the component kept, checked
against an independent networkx reference on real files with rings."""

from __future__ import annotations

import io
import zipfile

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.spatial import cKDTree

from gis_planner.io import read_network
from gis_planner.network import WalkNetwork
from gis_planner.network.snap import snap_points
from gis_planner.network.travel import node_distances

CENTRAL = ("shanghai-central", "roads_shanghai_center_overpass_2025-08.osm")
NANJING = ("nanjing", "nanjing_gmns_auto_osm2gmns_2020.zip")
CUTOFF_M = 2000.0


# ------------------------------------------------------------------ the independent reference
def _reference(ends: list[tuple[object, object]], lines: np.ndarray) -> nx.MultiGraph:
    """networkx MultiGraph of the given (a, b) ends and metric LineStrings (weight = length)."""
    g = nx.MultiGraph()
    for (a, b), line in zip(ends, lines, strict=True):
        g.add_edge(a, b, length=float(shapely.length(line)))
    return g


def _ref_distances(g: nx.MultiGraph, a: object, b: object, length_m: float,
                   offset_m: float) -> dict[object, float]:
    """Metres from a point ``offset_m`` along the edge a-b (of ``length_m``) to every node."""
    h = g.copy()
    h.add_edge("P", a, length=offset_m)
    h.add_edge("P", b, length=length_m - offset_m)
    dist = nx.single_source_dijkstra_path_length(h, "P", cutoff=CUTOFF_M, weight="length")
    dist.pop("P")
    return dist


def _our_distances(net: WalkNetwork, point: shapely.Point) -> tuple[np.ndarray, float]:
    snapped = snap_points(net, gpd.GeoDataFrame(geometry=[point], crs=net.crs), tolerance_m=250.0)
    return node_distances(net, snapped, cutoff_m=CUTOFF_M + 1), float(snapped["snap_dist_m"].iloc[0])


def _compare(net: WalkNetwork, ref: dict[object, float], ref_xy: dict[object, np.ndarray],
             ours: np.ndarray) -> int:
    """Assert equal metres at every reference node matched to one of ours by place; return
    the number of nodes compared."""
    tree = cKDTree(shapely.get_coordinates(net.nodes.geometry.to_numpy()))
    keys = [k for k in ref if k in ref_xy]
    gap, idx = tree.query(np.array([ref_xy[k] for k in keys]))
    matched = gap < 0.01
    want = np.array([ref[k] for k in keys])[matched]
    np.testing.assert_allclose(ours[idx[matched]], want, atol=0.05)
    return int(matched.sum())


def _ring_points(rings: list[tuple[object, shapely.LineString]], fraction: float) -> list:
    return [(a, line, shapely.line_interpolate_point(line, fraction, normalized=True))
            for a, line in rings]


# ------------------------------------------------------------------ GraphML from a real extract
@pytest.fixture(scope="module")
def central_graphml(shared_data, tmp_path_factory):
    """Central Shanghai (OSM XML, 2025-08) written as osmnx GraphML: the 5 ring streets that
    meet the rest at one node are self-loops there (10 directed edges)."""
    import osmnx as ox

    saved = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = [*saved, "foot"]
    try:
        g = ox.graph_from_xml(shared_data.joinpath(*CENTRAL), simplify=False, retain_all=True,
                              bidirectional=True)
    finally:
        ox.settings.useful_tags_way = saved
    g = ox.simplify_graph(g, edge_attrs_differ=["highway", "foot", "access", "area"],
                          remove_rings=False)
    assert nx.number_of_selfloops(g) == 10
    path = tmp_path_factory.mktemp("graphml") / "central.graphml"
    ox.save_graphml(g, path)
    return path, g


def test_graphml_ring_gives_the_distances_of_the_osm_xml(shared_data, central_graphml):
    path, g = central_graphml
    osm = read_network(shared_data.joinpath(*CENTRAL))
    gml = read_network(path)
    assert gml.build_report["loops_split"] == 5
    # every street kept: the same street length as the OSM XML (rings included)
    assert gml.total_length_m == pytest.approx(osm.total_length_m, rel=1e-6)
    loops = {}
    for a, _, d in nx.selfloop_edges(g, data=True):
        loops.setdefault(round(d["length"], 3), (a, d["geometry"]))
    kept = set(osm.nodes["osm_id"])
    rings = gpd.GeoSeries([line for a, line in loops.values() if str(a) in kept], crs=4326
                          ).to_crs(osm.crs)
    assert len(rings) >= 3  # the others hang on streets outside the kept network (Lujiazui)
    ids_osm = osm.nodes["osm_id"].to_numpy()
    pos_gml = pd.Series(np.arange(gml.n_nodes), index=gml.nodes["osm_id"].to_numpy())
    pos_gml = pos_gml[pos_gml.index != ""]
    compared = 0
    for fraction in (0.3, 0.5):
        for ring in rings:
            point = shapely.line_interpolate_point(ring, fraction, normalized=True)
            d_osm, snap_osm = _our_distances(osm, point)
            d_gml, snap_gml = _our_distances(gml, point)
            # a household on the ring snaps to the ring itself, not to a street nearby
            assert snap_osm < 0.01
            assert snap_gml < 0.01
            common = np.isin(ids_osm, pos_gml.index) & np.isfinite(d_osm)
            np.testing.assert_allclose(d_gml[pos_gml[ids_osm[common]].to_numpy()], d_osm[common],
                                       atol=0.01)
            compared += int(common.sum())
    assert compared > 1000


def test_graphml_rings_match_networkx_reference(central_graphml):
    path, g = central_graphml
    net = read_network(path)
    und = nx.MultiGraph(g)
    crs = net.crs
    ends, geoms = [], []
    for a, b, d in und.edges(data=True):
        if "geometry" in d:
            geom = d["geometry"]
        else:
            geom = shapely.LineString([(g.nodes[a]["x"], g.nodes[a]["y"]), (g.nodes[b]["x"], g.nodes[b]["y"])])
        ends.append((a, b))
        geoms.append(geom)
    metric = gpd.GeoSeries(geoms, crs=4326).to_crs(crs).to_numpy()
    # the reference drops what the walk rules drop here (foot=no; access=no/private without
    # foot=yes|designated|permissive): every highway class of the file is walkable
    keep = np.array([not _closed_to_walkers(d) for *_, d in und.edges(data=True)])
    ref = _reference([e for e, k in zip(ends, keep, strict=True) if k], metric[keep])
    xy = gpd.GeoSeries(gpd.points_from_xy([g.nodes[n]["x"] for n in g], [g.nodes[n]["y"] for n in g]),
                       crs=4326).to_crs(crs)
    ref_xy = dict(zip(g.nodes, shapely.get_coordinates(xy.to_numpy()), strict=True))
    kept_ids = set(net.nodes["osm_id"])
    loops = {round(float(shapely.length(line)), 3): (a, line)
             for (a, b), line, k in zip(ends, metric, keep, strict=True)
             if k and a == b and str(a) in kept_ids}
    assert len(loops) == 4  # the fifth hangs on Lujiazui's streets, cut off by the river
    loops = list(loops.values())
    for a, line, point in _ring_points(loops, 0.3):
        length = float(shapely.length(line))
        want = _ref_distances(ref, a, a, length, 0.3 * length)
        ours, snap = _our_distances(net, point)
        assert snap < 0.01
        assert _compare(net, want, ref_xy, ours) > 10


def _closed_to_walkers(d: dict) -> bool:
    def first(v):
        return (v[0] if isinstance(v, list) else v) or ""

    foot, access = first(d.get("foot")), first(d.get("access"))
    return foot == "no" or (access in ("no", "private")
                            and foot not in ("yes", "designated", "permissive"))


# ------------------------------------------------------------------ GMNS (Nanjing, osm2gmns)
def test_gmns_rings_and_zero_length_links_match_networkx_reference(shared_data):
    path = shared_data.joinpath(*NANJING)
    net = read_network(path)
    r = net.build_report
    assert r["loops_split"] == 36  # 73 self-loop links: 36 two-way rings (2 links) and 1 one-way
    assert r["zero_length_edges_joined"] == 1
    with zipfile.ZipFile(path) as zf:
        links = pd.read_csv(io.BytesIO(zf.read("link.csv")), encoding="gbk")
        nodes = pd.read_csv(io.BytesIO(zf.read("node.csv")), encoding="gbk")
    links = links[~links["link_type_name"].isin(["motorway", "trunk"])]  # the walk rules' exclusions
    metric = gpd.GeoSeries.from_wkt(links["geometry"], crs=4326).to_crs(net.crs).to_numpy()
    # the reader pins link ends on their nodes: so does the reference
    node_xy = gpd.GeoSeries(gpd.points_from_xy(nodes["x_coord"], nodes["y_coord"]), crs=4326
                            ).to_crs(net.crs)
    ref_xy = dict(zip(nodes["node_id"], shapely.get_coordinates(node_xy.to_numpy()), strict=True))
    ends = list(zip(links["from_node_id"], links["to_node_id"], strict=True))
    ref = _reference(ends, metric)
    components = sorted(nx.connected_components(ref),
                        key=lambda c: sum(d["length"] for *_, d in ref.subgraph(c).edges(data=True)))
    main = components[-1]
    loops = [(a, line) for (a, b), line in zip(ends, metric, strict=True)
             if a == b and a in main and shapely.length(line) > 0][::8]
    assert len(loops) >= 4
    compared = 0
    for a, line, point in _ring_points(loops, 0.3):
        length = float(shapely.length(line))
        want = _ref_distances(ref, a, a, length, 0.3 * length)
        ours, snap = _our_distances(net, point)
        assert snap < 0.01
        compared += _compare(net, want, ref_xy, ours)
    assert compared > 100
    # nodes 7852 and 7853 stand at one place, joined by zero-length links: one node now
    zero = links[(links["length"] == 0) & (links["from_node_id"] != links["to_node_id"])]
    assert set(zero["from_node_id"]) | set(zero["to_node_id"]) == {7852, 7853}
    assert {7852, 7853} <= main
    np.testing.assert_array_equal(ref_xy[7852], ref_xy[7853])
    tree = cKDTree(shapely.get_coordinates(net.nodes.geometry.to_numpy()))
    assert len(tree.query_ball_point(ref_xy[7852], 0.01)) == 1


# ------------------------------------------------------------------ centre-lines
def test_centre_lines_with_rings_match_networkx_reference(central_graphml, tmp_path):
    import osmnx as ox

    _, g = central_graphml
    edges = ox.graph_to_gdfs(ox.convert.to_undirected(g), nodes=False)
    lines = gpd.GeoDataFrame({"name": edges["name"].astype(str).to_numpy()},
                             geometry=edges.geometry.to_numpy(), crs=4326)
    gpkg = tmp_path / "central_lines.gpkg"
    lines.to_file(gpkg, layer="roads")
    net = read_network(gpkg, layer="roads", walk_only=False, node_intersections=False)
    assert net.build_report["closed_lines_split"] == 5
    metric = lines.to_crs(net.crs).geometry.to_numpy()
    start = np.round(shapely.get_coordinates(shapely.get_point(metric, 0)), 2)
    end = np.round(shapely.get_coordinates(shapely.get_point(metric, -1)), 2)
    ends = [(tuple(s), tuple(e)) for s, e in zip(start, end, strict=True)]
    ref = _reference(ends, metric)
    ref_xy = {n: np.array(n) for n in ref.nodes}
    loops = [(a, line) for (a, b), line in zip(ends, metric, strict=True) if a == b]
    assert len(loops) == 5
    main = max(nx.connected_components(ref), key=len)
    for a, line, point in _ring_points(loops, 0.3):
        if a not in main:
            continue
        length = float(shapely.length(line))
        want = _ref_distances(ref, a, a, length, 0.3 * length)
        ours, snap = _our_distances(net, point)
        assert snap < 0.01
        assert _compare(net, want, ref_xy, ours) > 10
    # every street of the file is kept, rings included
    whole = read_network(gpkg, layer="roads", walk_only=False, node_intersections=False,
                         keep_largest_component=False)
    assert whole.total_length_m == pytest.approx(float(shapely.length(metric).sum()), rel=1e-9)
    # noded at crossings, a ring that a street crosses is split there; the others are split here
    noded = read_network(gpkg, layer="roads", walk_only=False)
    assert noded.build_report["closed_lines_split"] == 4


# ------------------------------------------------------------------ hand-checkable fixtures
def _frames(xy, links, crs=32651):
    nodes = gpd.GeoDataFrame({"osm_id": [str(i) for i in range(len(xy))]},
                             geometry=shapely.points(xy), crs=crs)
    edges = gpd.GeoDataFrame({"u": [a for a, _, _ in links], "v": [b for _, b, _ in links]},
                             geometry=[shapely.LineString(c) for _, _, c in links], crs=crs)
    return nodes, edges


def test_loop_split_at_its_middle_vertex():
    # a 400 m square ring at node 1, hung on a 100 m street 0-1
    xy = [(0, 0), (100, 0)]
    ring = [(100, 0), (200, 0), (200, 100), (100, 100), (100, 0)]
    nodes, edges = _frames(xy, [(0, 1, xy), (1, 1, ring)])
    net = WalkNetwork.from_frames(nodes, edges)
    assert net.build_report["loops_split"] == 1
    assert (net.n_nodes, net.n_edges) == (3, 3)
    assert net.total_length_m == pytest.approx(500.0)
    assert sorted(net.edges["length_m"].round(6)) == [100.0, 200.0, 200.0]
    mid = net.nodes.index[net.nodes["osm_id"] == ""][0]
    assert net.nodes.geometry[mid].equals(shapely.Point(200, 100))
    d, _ = _our_distances(net, shapely.Point(200, 50))  # on the ring, 150 m from node 1
    assert d[0] == pytest.approx(250.0)


def test_zero_length_edge_joins_its_nodes():
    # two networks meeting at (100, 0) through a zero-length link between nodes 1 and 2
    xy = [(0, 0), (100, 0), (100, 0), (300, 0)]
    nodes, edges = _frames(xy, [(0, 1, [xy[0], xy[1]]), (1, 2, [xy[1], xy[2]]), (2, 3, [xy[2], xy[3]])])
    net = WalkNetwork.from_frames(nodes, edges)
    assert net.build_report["zero_length_edges_joined"] == 1
    assert net.build_report["components"] == 1
    assert (net.n_nodes, net.n_edges) == (3, 2)
    assert net.total_length_m == pytest.approx(300.0)


def test_largest_component_by_length_and_others_reported():
    # A: 3 nodes, 2 x 50 m; B: 2 nodes, 800 m; C: 2 nodes, 120 m; D: 2 nodes, 20 m
    lines = [[(0, 0), (50, 0)], [(50, 0), (100, 0)],
             [(1000, 0), (1800, 0)], [(0, 500), (120, 500)], [(0, 900), (20, 900)]]
    net = WalkNetwork.from_lines(gpd.GeoDataFrame(geometry=[shapely.LineString(c) for c in lines],
                                                  crs=32651))
    assert net.total_length_m == pytest.approx(800.0)  # the longest, not the one with most nodes
    listed = net.dropped_components
    assert list(listed["length_m"]) == [120.0, 100.0]  # D (20 m) is below the listing size
    assert list(listed["nodes"]) == [2, 3]
    assert list(listed.columns) == ["nodes", "edges", "length_m", "x", "y"]
    assert net.build_report["dropped_edges_outside_largest_component"] == 4
    single = WalkNetwork.from_lines(gpd.GeoDataFrame(geometry=[shapely.LineString(lines[0])], crs=32651))
    assert single.dropped_components.empty
