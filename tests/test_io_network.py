"""Network readers: real shared data, round trips through GraphML and centre-lines, small
hand-checkable fixtures, the walk rules, and bad input."""

from __future__ import annotations

import bz2
import itertools
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gis_planner._errors import CRSError, InputDataError, OfflineError
from gis_planner.io import network as netio
from gis_planner.io import read_network
from gis_planner.io.network import network_from_place
from gis_planner.io.walk_rules import exclusion_reason
from gis_planner.io.walk_tags import exclusion_reasons

CENTRAL = ("shanghai-central", "roads_shanghai_center_overpass_2025-08.osm")
HUANGPU = ("shanghai-huangpu", "roads_huangpu_drive_osmnx.osm")


@pytest.fixture(scope="module")
def central(shared_data):
    return read_network(shared_data.joinpath(*CENTRAL))


@pytest.fixture(scope="module")
def huangpu(shared_data):
    return read_network(shared_data.joinpath(*HUANGPU))


def _nx_components(net):
    import networkx as nx

    return nx.number_connected_components(net.to_networkx())


# ------------------------------------------------------------------ real data
def test_shanghai_central_osm_xml(central):
    r = central.build_report
    assert central.crs.to_epsg() == 32651
    assert r["crs"] == "EPSG:32651"
    assert r["ways_read"] == 4701  # PROVENANCE: every way of the file is a highway way
    # elevated roads and the river tunnels/bridges are closed to walkers
    assert r["excluded"] == {"access=no": 4, "foot=no": 151}
    assert (central.n_nodes, central.n_edges) == (3709, 5756)
    # Lujiazui (Pudong) is cut off once the foot=no river crossings go: 775 nodes, 163 km
    assert r["dropped_nodes_outside_largest_component"] == 775
    assert r["dropped_length_m_outside_largest_component"] == pytest.approx(163_000, rel=1e-3)
    assert central.total_length_m == pytest.approx(750_313, rel=1e-5)
    assert not central.edges["highway"].isin(["motorway", "trunk"]).any()
    assert _nx_components(central) == 1
    # OSM ids kept as strings: way ids on edges, node ids on nodes
    assert central.nodes["osm_id"].str.fullmatch(r"\d+").all()
    assert central.nodes["osm_id"].is_unique
    assert central.edges["osm_id"].str.fullmatch(r"\d+").all()
    # every edge runs from its u node to its v node
    e = central.edges.geometry.to_numpy()
    nodes = central.nodes.geometry.to_numpy()
    assert shapely.equals(shapely.get_point(e, 0), nodes[central.edges["u"]]).all()
    assert shapely.equals(shapely.get_point(e, -1), nodes[central.edges["v"]]).all()


def test_shanghai_central_matches_provenance_when_unfiltered(shared_data):
    net = read_network(shared_data.joinpath(*CENTRAL), walk_only=False, keep_largest_component=False)
    geoms = net.edges.geometry.to_numpy()
    # PROVENANCE: 24,275 undirected node-to-node segments, 974 km; ~3,800 nodes of degree != 2
    assert int((shapely.get_num_coordinates(geoms) - 1).sum()) == 24_275
    assert net.total_length_m == pytest.approx(974_839, rel=1e-5)
    assert (net.n_nodes, net.n_edges) == (4589, 7078)
    degree = np.bincount(np.r_[net.edges["u"], net.edges["v"]], minlength=net.n_nodes)
    assert int((degree != 2).sum()) == 3798
    assert net.build_report["closed_loops_split"] == 1  # a closed way meeting the rest at one node


def test_huangpu_drops_trunk_roads(huangpu):
    r = huangpu.build_report
    # PROVENANCE: trunk 25 + trunk_link 75 ways in this osmnx drive export
    assert r["excluded"]["highway=trunk"] + r["excluded"]["highway=trunk_link"] == 100
    assert r["excluded"] == {"access=no": 3, "highway=trunk": 25, "highway=trunk_link": 75}
    # osmnx's XML export draws two-way roads there and back (A, B, A): the return is a repeat
    assert r["duplicate_segments_dropped"] == 265
    assert (huangpu.n_nodes, huangpu.n_edges) == (566, 746)
    assert huangpu.total_length_m == pytest.approx(64_558, rel=1e-4)
    assert huangpu.crs.to_epsg() == 32651
    assert not huangpu.edges["highway"].str.startswith("trunk").any()


def test_nanjing_gmns_zip_gbk(shared_data):
    net = read_network(shared_data / "nanjing" / "nanjing_gmns_auto_osm2gmns_2020.zip")
    r = net.build_report
    assert r["links_read"] == 53_822  # PROVENANCE
    assert r["excluded"] == {"highway=motorway": 1538, "highway=trunk": 2317}  # PROVENANCE counts
    assert r["reverse_duplicates_dropped"] == 19_419
    # 36 two-way ring streets (self-loop links) split in two, one zero-length link joins its nodes
    assert (r["loops_split"], r["zero_length_edges_joined"]) == (36, 1)
    assert (net.n_nodes, net.n_edges) == (14_822, 21_675)
    assert net.crs.to_epsg() == 32650
    assert not net.edges["highway"].isin(["motorway", "trunk"]).any()
    assert (net.edges["name"] == "将军大道").sum() == 94  # GBK names decoded
    assert net.edges["name"].str.contains("中山").sum() == 167
    assert (net.edges["name"] != "").sum() == 10_534
    assert {"osm_id", "link_id"} <= set(net.edges.columns)
    # the middle vertices of split rings are new nodes without an id
    assert net.nodes["osm_id"].str.fullmatch(r"\d*").all()
    assert (net.nodes["osm_id"] == "").sum() == 26


def test_helsinki_pbf_keeps_footways(shared_data):
    net = read_network(shared_data / "helsinki" / "Helsinki.osm.pbf")
    r = net.build_report
    assert net.crs.to_epsg() == 32635
    assert (net.n_nodes, net.n_edges) == (3461, 4570)
    counts = net.edges["highway"].value_counts()
    assert counts["footway"] == 2250
    assert counts["steps"] == 116
    assert r["excluded"] == {"access=no": 13, "access=private": 17, "area=yes": 53, "foot=no": 35,
                             "highway=construction": 3}
    # the extract is clipped: ways that leave it are kept in the pieces that are inside
    assert (r["ways_with_missing_nodes"], r["missing_node_refs"]) == (172, 743)


def test_cgcs2000_zone_on_request(shared_data):
    net = read_network(shared_data.joinpath(*HUANGPU), metric_crs="cgcs2000_3deg")
    assert net.crs.to_epsg() == 4549  # CGCS2000 / 3-degree Gauss-Kruger CM 120E
    assert net.build_report["crs"] == "EPSG:4549"
    assert net.n_edges == 746
    net = read_network(shared_data.joinpath(*HUANGPU), metric_crs="EPSG:32651")
    assert net.crs.to_epsg() == 32651


def test_compressed_osm_xml(shared_data, tmp_path):
    packed = tmp_path / "huangpu.osm.bz2"
    packed.write_bytes(bz2.compress(shared_data.joinpath(*HUANGPU).read_bytes()))
    net = read_network(packed)
    assert (net.n_nodes, net.n_edges) == (566, 746)


# ------------------------------------------------------------------ round trips
def _to_osmnx(net, *, both_directions=False):
    import osmnx as ox

    nodes = net.nodes.to_crs(4326)
    node_ids = nodes["osm_id"].astype(np.int64).to_numpy()
    node_frame = gpd.GeoDataFrame({"x": nodes.geometry.x.to_numpy(), "y": nodes.geometry.y.to_numpy()},
                                  geometry=nodes.geometry.to_numpy(), crs=4326,
                                  index=pd.Index(node_ids, name="osmid"))
    e = net.edges.to_crs(4326)
    edges = pd.DataFrame({"u": node_ids[e["u"]], "v": node_ids[e["v"]], "osmid": e["osm_id"].to_numpy(),
                          "highway": e["highway"].to_numpy(), "name": e["name"].to_numpy(),
                          "length": net.edges["length_m"].to_numpy(), "geometry": e.geometry.to_numpy()})
    if both_directions:
        back = edges.assign(u=edges["v"], v=edges["u"], geometry=shapely.reverse(edges["geometry"].to_numpy()))
        edges = pd.concat([edges, back], ignore_index=True)
    edges["key"] = edges.groupby(["u", "v"]).cumcount()
    edge_frame = gpd.GeoDataFrame(edges.set_index(["u", "v", "key"]), geometry="geometry", crs=4326)
    return ox.graph_from_gdfs(node_frame, edge_frame)


def test_graphml_round_trip(huangpu, tmp_path):
    import osmnx as ox

    path = tmp_path / "huangpu.graphml"
    ox.save_graphml(_to_osmnx(huangpu), path)
    back = read_network(path)
    assert (back.n_nodes, back.n_edges) == (huangpu.n_nodes, huangpu.n_edges)
    assert back.total_length_m == pytest.approx(huangpu.total_length_m, rel=1e-3)
    assert back.build_report["reverse_duplicates_dropped"] == 0
    assert set(back.nodes["osm_id"]) == set(huangpu.nodes["osm_id"])
    assert sorted(back.edges["name"]) == sorted(huangpu.edges["name"])
    # an osmnx graph holds both directions of every street: the reverse copies are dropped
    both = tmp_path / "both.graphml"
    ox.save_graphml(_to_osmnx(huangpu, both_directions=True), both)
    back = read_network(both)
    assert back.build_report["reverse_duplicates_dropped"] == huangpu.n_edges
    assert (back.n_nodes, back.n_edges) == (huangpu.n_nodes, huangpu.n_edges)


def test_centre_line_round_trip(huangpu, tmp_path):
    lines = huangpu.edges[["highway", "name", "geometry"]].to_crs(4326)
    gpkg = tmp_path / "roads.gpkg"
    lines.to_file(gpkg, layer="roads")
    back = read_network(gpkg, layer="roads", node_intersections=False)
    assert (back.n_nodes, back.n_edges) == (huangpu.n_nodes, huangpu.n_edges)
    assert back.total_length_m == pytest.approx(huangpu.total_length_m, rel=1e-3)
    assert back.build_report["excluded"] == {}
    # noding adds junctions where streets cross without sharing an OSM node (overpasses)
    noded = read_network(gpkg, layer="roads")
    assert noded.build_report["noded_at_crossings"] is True
    assert (noded.n_nodes, noded.n_edges) == (582, 778)
    assert noded.total_length_m == pytest.approx(huangpu.total_length_m, rel=1e-3)
    # a Geofabrik-style shapefile: road class in 'fclass'
    shp = tmp_path / "roads.shp"
    lines.rename(columns={"highway": "fclass"}).to_file(shp, encoding="utf-8")
    back = read_network(shp, node_intersections=False)
    assert (back.n_nodes, back.n_edges) == (huangpu.n_nodes, huangpu.n_edges)
    assert back.build_report["road_class_column"] == "fclass"


# ------------------------------------------------------------------ small hand-checkable fixtures
def _osm_xml(nodes: dict[int, tuple[float, float]], ways: list[tuple[int, list[int], dict[str, str]]]) -> str:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">']
    parts += [f'<node id="{i}" lon="{x}" lat="{y}"/>' for i, (x, y) in nodes.items()]
    for wid, refs, tags in ways:
        parts.append(f'<way id="{wid}">' + "".join(f'<nd ref="{r}"/>' for r in refs)
                     + "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()) + "</way>")
    return "\n".join([*parts, "</osm>"])


def test_osm_ways_split_at_junctions(tmp_path):
    # A grid of 0.001 degrees near Shanghai. Way 1 runs 1-2-3 (west-east), way 2 runs 4-2-5
    # (south-north) and crosses it at node 2; way 3 goes 3-6-3 (there and back: a spur to 6);
    # way 4 is a closed loop 5-7-8-9-5 meeting the rest only at 5; way 5 (1-10) lost node 10
    # (clipped extract); way 6 is a motorway, way 7 is foot=no.
    d = 0.001
    nodes = {1: (121.0, 31.0), 2: (121.0 + d, 31.0), 3: (121.0 + 2 * d, 31.0), 4: (121.0 + d, 31.0 - d),
             5: (121.0 + d, 31.0 + d), 6: (121.0 + 3 * d, 31.0), 7: (121.0 + d, 31.0 + 2 * d),
             8: (121.0 + 2 * d, 31.0 + 2 * d), 9: (121.0 + 2 * d, 31.0 + d), 11: (121.0, 31.0 + d)}
    ways = [(1, [1, 2, 3], {"highway": "residential", "name": "一号路"}),
            (2, [4, 2, 5], {"highway": "footway"}),
            (3, [3, 6, 3], {"highway": "service"}),
            (4, [5, 7, 8, 9, 5], {"highway": "pedestrian"}),
            (5, [1, 10], {"highway": "path"}),
            (6, [1, 11], {"highway": "motorway"}),
            (7, [11, 5], {"highway": "residential", "foot": "no"})]
    path = tmp_path / "grid.osm"
    path.write_text(_osm_xml(nodes, ways), encoding="utf-8")
    net = read_network(path)
    r = net.build_report
    assert r["excluded"] == {"foot=no": 1, "highway=motorway": 1}
    assert (r["ways_with_missing_nodes"], r["missing_node_refs"]) == (1, 1)
    assert r["duplicate_segments_dropped"] == 1  # 6-3 repeats 3-6
    assert r["closed_loops_split"] == 1  # the loop 5-7-8-9-5 is cut at 8
    # junctions 1-6 and 8 (7 and 9 are vertices); edges 1-2, 2-3, 4-2, 2-5, 3-6, 5-7-8, 8-9-5
    assert sorted(net.nodes["osm_id"]) == ["1", "2", "3", "4", "5", "6", "8"]
    ids = net.nodes["osm_id"].to_numpy()
    pairs = sorted(tuple(sorted((int(ids[a]), int(ids[b])))) for a, b in zip(net.edges["u"], net.edges["v"],
                                                                                strict=True))
    assert pairs == [(1, 2), (2, 3), (2, 4), (2, 5), (3, 6), (5, 8), (5, 8)]
    assert sorted(shapely.get_num_coordinates(net.edges.geometry.to_numpy())) == [2, 2, 2, 2, 2, 3, 3]
    assert set(net.edges.loc[net.edges["osm_id"] == "1", "name"]) == {"一号路"}
    # at 31 deg N, 0.001 deg of longitude is 95.5 m, 0.001 deg of latitude 110.9 m
    one = net.edges.loc[net.edges["osm_id"] == "1", "length_m"]
    assert one.to_numpy() == pytest.approx([95.5, 95.5], abs=0.1)
    two = net.edges.loc[net.edges["osm_id"] == "2", "length_m"]
    assert two.to_numpy() == pytest.approx([110.9, 110.9], abs=0.1)
    # walk_only=False keeps the motorway and the foot=no road too
    every = read_network(path, walk_only=False)
    assert every.n_edges == net.n_edges + 2


def test_centre_lines_are_noded_at_crossings(tmp_path):
    # A plus sign (two 200 m lines crossing at the middle) and a T: 4 + 1 = 5 edges, 6 nodes
    lines = gpd.GeoDataFrame(
        {"highway": ["residential", "residential", "footway"], "name": ["东西路", "南北路", ""]},
        geometry=[shapely.LineString([(0, 100), (200, 100)]), shapely.LineString([(100, 0), (100, 200)]),
                  shapely.LineString([(200, 100), (300, 100)])],
        crs=32651,
    )
    path = tmp_path / "plus.geojson"
    lines.to_file(path)
    net = read_network(path, metric_crs=32651)
    assert (net.n_nodes, net.n_edges) == (6, 5)
    assert sorted(net.edges["length_m"].round(6)) == [100.0] * 5
    assert sorted(net.edges["name"]) == ["", "东西路", "东西路", "南北路", "南北路"]
    unnoded = read_network(path, metric_crs=32651, node_intersections=False, keep_largest_component=False)
    assert unnoded.n_edges == 3
    assert unnoded.build_report["components"] == 2  # the plus sign's lines do not meet


def test_road_class_aliases(tmp_path):
    # Chinese class names and Geofabrik fclass values map to OSM classes
    lines = gpd.GeoDataFrame(
        {"类型": ["快速路", "主干路", "支路", "track_grade2"]},
        geometry=[shapely.LineString([(0, 0), (100, 0)]), shapely.LineString([(100, 0), (200, 0)]),
                  shapely.LineString([(200, 0), (300, 0)]), shapely.LineString([(300, 0), (400, 0)])],
        crs=4549,
    )
    path = tmp_path / "classes.gpkg"
    lines.to_file(path)
    net = read_network(path, metric_crs=4549)
    assert net.build_report["excluded"] == {"highway=trunk": 1}
    assert sorted(net.edges["highway"]) == ["primary", "residential", "track"]
    assert net.build_report["road_class_column"] == "类型"


def _gmns(folder, *, encoding="gbk"):
    folder.mkdir()
    (folder / "node.csv").write_text(
        "node_id,osm_node_id,x_coord,y_coord\n1,101,121.000,31.000\n2,102,121.001,31.000\n"
        "3,103,121.002,31.000\n4,104,121.001,31.001\n", encoding=encoding)
    (folder / "link.csv").write_text(
        "link_id,osm_way_id,from_node_id,to_node_id,length,link_type_name,name,geometry\n"
        '1,9,1,2,95.35,residential,人民路,"LINESTRING (121.000 31.000, 121.001 31.000)"\n'
        '2,9,2,1,95.35,residential,人民路,"LINESTRING (121.001 31.000, 121.000 31.000)"\n'
        '3,9,2,3,95.35,residential,人民路,"LINESTRING (121.001 31.000, 121.002 31.000)"\n'
        '4,9,3,2,95.35,residential,人民路,"LINESTRING (121.002 31.000, 121.001 31.000)"\n'
        '5,8,2,4,110.9,tertiary,南京路,\n'
        '6,7,4,3,150.0,motorway,高架,"LINESTRING (121.001 31.001, 121.002 31.001, 121.002 31.000)"\n',
        encoding=encoding)
    return folder


def test_gmns_folder_zip_and_either_file(tmp_path):
    folder = _gmns(tmp_path / "net")
    z = tmp_path / "net.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in ("node.csv", "link.csv"):
            zf.write(folder / f, arcname=f"net/{f}")
    results = [read_network(p) for p in (folder, folder / "node.csv", folder / "link.csv", z)]
    for net in results:
        r = net.build_report
        assert (r["links_read"], r["reverse_duplicates_dropped"]) == (6, 2)
        assert r["excluded"] == {"highway=motorway": 1}
        assert (net.n_nodes, net.n_edges) == (4, 3)
        assert sorted(net.edges["name"]) == ["人民路", "人民路", "南京路"]
        assert sorted(net.nodes["osm_id"]) == ["101", "102", "103", "104"]
        assert sorted(net.edges["link_id"]) == ["1", "3", "5"]
    # link 5 has no WKT: a straight line between its nodes
    assert results[0].edges.loc[results[0].edges["link_id"] == "5", "length_m"].item() == pytest.approx(110.9, abs=0.2)


def test_walk_rules_table_and_vectorised_rules_agree():
    assert exclusion_reason({"highway": "motorway"}) == "highway=motorway"
    assert exclusion_reason({"highway": "footway"}) is None
    assert exclusion_reason({"highway": "cycleway", "foot": "no"}) == "foot=no"
    assert exclusion_reason({"highway": "service", "access": "private"}) == "access=private"
    assert exclusion_reason({"highway": "service", "access": "private", "foot": "designated"}) is None
    assert exclusion_reason({"highway": "pedestrian", "area": "yes"}) == "area=yes"
    combos = list(itertools.product(
        ["footway", "steps", "trunk", "motorway_link", "primary", "construction", "", "footway;steps", "unknown"],
        ["", "no", "yes", "designated"], ["", "private", "no", "yes"], ["", "yes", "no"]))
    tags = pd.DataFrame(combos, columns=["highway", "foot", "access", "area"])
    scalar = [exclusion_reason(t) for t in tags.to_dict("records")]
    assert list(exclusion_reasons(tags)) == scalar
    # walkable: 4 walkable classes; per class the (foot, access) pairs that pass, times area '' or 'no'
    pairs = itertools.product(["", "no", "yes", "designated"], ["", "private", "no", "yes"])
    walkable_per_class = sum(1 for f, a in pairs
                             if f != "no" and (a not in ("private", "no") or f in ("yes", "designated")))
    assert scalar.count(None) == 4 * walkable_per_class * 2


# ------------------------------------------------------------------ online (no real network in tests)
def test_offline_download_fails_fast(monkeypatch, tmp_path):
    asked = []
    monkeypatch.setattr(netio, "_reachable", lambda host, **k: asked.append(host) or False)
    with pytest.raises(OfflineError, match=r"cannot reach overpass-api\.de .*read_network"):
        network_from_place("黄浦区, 上海市", cache_dir=tmp_path)
    assert asked == ["overpass-api.de"]
    assert not (tmp_path / "networks").exists()


def test_cached_download_needs_no_network(monkeypatch, huangpu, tmp_path):
    import osmnx as ox

    def no_network(*args, **kwargs):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(netio, "_reachable", no_network)
    monkeypatch.setattr(ox, "graph_from_place", no_network)
    key = "黄浦区, 上海市"
    import hashlib

    cache = tmp_path / "networks" / (hashlib.sha256(f"walk|{key}".encode()).hexdigest()[:16] + ".graphml")
    cache.parent.mkdir()
    ox.save_graphml(_to_osmnx(huangpu), cache)
    net = network_from_place(key, cache_dir=tmp_path)
    assert (net.n_nodes, net.n_edges) == (huangpu.n_nodes, huangpu.n_edges)


def test_download_is_cached_as_graphml(monkeypatch, huangpu, tmp_path):
    import osmnx as ox

    calls = []

    def fake_download(query, **kwargs):
        calls.append((query, kwargs, ox.settings.requests_timeout))
        return _to_osmnx(huangpu, both_directions=True)

    monkeypatch.setattr(netio, "_reachable", lambda host, **k: True)
    monkeypatch.setattr(ox, "graph_from_place", fake_download)
    timeout_before = ox.settings.requests_timeout
    net = network_from_place("黄浦区, 上海市", cache_dir=tmp_path, timeout_s=7)
    assert calls == [("黄浦区, 上海市", {"network_type": "walk", "simplify": True, "retain_all": True}, 7)]
    assert ox.settings.requests_timeout == timeout_before  # osmnx settings restored
    assert (net.n_nodes, net.n_edges) == (huangpu.n_nodes, huangpu.n_edges)
    assert net.build_report["reverse_duplicates_dropped"] == huangpu.n_edges
    assert len(list((tmp_path / "networks").glob("*.graphml"))) == 1
    again = network_from_place("黄浦区, 上海市", cache_dir=tmp_path)  # from the cache: no second call
    assert len(calls) == 1 and again.n_edges == net.n_edges


def test_reachability_check_on_local_ports():
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert netio._reachable("127.0.0.1", port=port, timeout_s=1.0) is True
    assert netio._reachable("127.0.0.1", port=port, timeout_s=1.0) is False  # closed now


@pytest.mark.network
def test_download_by_place(tmp_path):  # pragma: no cover - needs internet
    net = network_from_place("Kamppi, Helsinki, Finland", cache_dir=tmp_path)
    assert net.crs.to_epsg() == 32635
    assert net.n_edges > 100


# ------------------------------------------------------------------ bad input
def test_missing_file(tmp_path):
    with pytest.raises(InputDataError, match=r"nowhere\.osm: file not found"):
        read_network(tmp_path / "nowhere.osm")


def test_unknown_format(tmp_path):
    p = tmp_path / "roads.dwg"
    p.write_bytes(b"x")
    with pytest.raises(InputDataError, match=r"roads\.dwg: unsupported network format '\.dwg'; expected one of "
                                             r"\.osm\.pbf, .*\.graphml, \.gpkg"):
        read_network(p)


def test_osm_without_highways(tmp_path):
    p = tmp_path / "empty.osm"
    p.write_text(_osm_xml({1: (121.0, 31.0), 2: (121.1, 31.0)}, [(1, [1, 2], {"building": "yes"})]),
                 encoding="utf-8")
    with pytest.raises(InputDataError, match=r"empty\.osm: no roads found \(no highway ways\)"):
        read_network(p)


def test_not_an_osm_file(tmp_path):
    p = tmp_path / "broken.osm.pbf"
    p.write_bytes(b"not a pbf at all")
    with pytest.raises(InputDataError, match=r"broken\.osm\.pbf: cannot read as OSM data"):
        read_network(p)


def test_no_walkable_roads(tmp_path):
    p = tmp_path / "motorway.geojson"
    gpd.GeoDataFrame({"highway": ["motorway", "trunk"]},
                     geometry=[shapely.LineString([(121, 31), (121.01, 31)]),
                               shapely.LineString([(121.01, 31), (121.02, 31)])], crs=4326).to_file(p)
    with pytest.raises(InputDataError, match=r"motorway\.geojson: no walkable roads: all 2 lines were excluded "
                                             r"\(highway=motorway: 1, highway=trunk: 1\)\. Pass walk_only=False"):
        read_network(p)
    assert read_network(p, walk_only=False).n_edges == 2


def test_lines_without_crs(tmp_path):
    shp = tmp_path / "nocrs.shp"
    with pytest.warns(UserWarning, match="crs"):
        gpd.GeoDataFrame({"highway": ["residential"]}, geometry=[shapely.LineString([(0, 0), (1, 1)])]).to_file(shp)
    with pytest.raises(CRSError, match=r"nocrs\.shp: the file has no CRS"):
        read_network(shp)


def test_points_in_a_lines_file(tmp_path):
    p = tmp_path / "mixed.geojson"
    gpd.GeoDataFrame(geometry=[shapely.LineString([(121, 31), (121.01, 31)]), shapely.Point(121, 31)],
                     crs=4326).to_file(p)
    with pytest.raises(InputDataError, match=r"mixed\.geojson: 1 geometries are not lines \(Point 1; rows 1\)"):
        read_network(p)


def test_empty_layer(tmp_path):
    p = tmp_path / "empty.gpkg"
    gpd.GeoDataFrame({"highway": []}, geometry=[], crs=4326).to_file(p, layer="roads")
    with pytest.raises(InputDataError, match=r"empty\.gpkg \[layer=roads\]: the layer is empty"):
        read_network(p, layer="roads")


def test_swapped_lonlat_lines(tmp_path):
    p = tmp_path / "swapped.geojson"
    p.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"highway":"residential"},'
                 '"geometry":{"type":"LineString","coordinates":[[31.2,121.4],[31.21,121.41]]}}]}',
                 encoding="utf-8")
    with pytest.raises(CRSError, match=r"swapped\.geojson: 2 coordinates are outside longitude .* swapped"):
        read_network(p)


def test_osm_lonlat_out_of_range(tmp_path):
    p = tmp_path / "bad.osm"
    p.write_text(_osm_xml({1: (121.0, 31.0), 2: (121.0, 95.0)}, [(1, [1, 2], {"highway": "footway"})]),
                 encoding="utf-8")
    # pyosmium marks a latitude beyond 90 as an invalid location: the way has one node left
    with pytest.raises(InputDataError, match=r"bad\.osm: the walkable ways have no two nodes with locations"):
        read_network(p)


def test_geographic_metric_crs_refused(shared_data):
    with pytest.raises(CRSError, match=r"metric_crs EPSG:4326 is not projected"):
        read_network(shared_data.joinpath(*HUANGPU), metric_crs=4326)


def test_gmns_missing_link_file(tmp_path):
    z = tmp_path / "net.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("node.csv", "node_id,x_coord,y_coord\n1,121.0,31.0\n")
    with pytest.raises(InputDataError, match=r"net\.zip: the zip holds no link\.csv"):
        read_network(z)
    d = tmp_path / "only_nodes"
    d.mkdir()
    (d / "node.csv").write_text("node_id,x_coord,y_coord\n1,121.0,31.0\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"only_nodes/link\.csv: file not found"):
        read_network(d / "node.csv")


def test_gmns_unknown_nodes_and_missing_columns(tmp_path):
    d = _gmns(tmp_path / "gmns")
    link = (d / "link.csv").read_text(encoding="gbk")
    (d / "link.csv").write_text(link.replace("\n5,8,2,4,", "\n5,8,2,44,").replace("\n6,7,4,3,", "\n6,7,4,33,"),
                                encoding="gbk")
    with pytest.raises(InputDataError, match=r"2 links name node ids missing from node\.csv \(link_id 5, 6\)"):
        read_network(d)
    (d / "link.csv").write_text("link_id,from_node,to_node\nL1,1,2\n", encoding="gbk")
    with pytest.raises(InputDataError, match=r"link\.csv: missing column\(s\) 'from_node_id', 'to_node_id'"):
        read_network(d / "node.csv")


def test_gmns_bad_wkt_and_coordinates(tmp_path):
    d = _gmns(tmp_path / "gmns")
    link = (d / "link.csv").read_text(encoding="gbk")
    (d / "link.csv").write_text(link.replace('"LINESTRING (121.001 31.000, 121.002 31.000)"', '"POINT (1 2)"'),
                                encoding="gbk")
    with pytest.raises(InputDataError, match=r"'geometry' is not a WKT LineString in 1 links \(link_id 3\)"):
        read_network(d)
    (d / "node.csv").write_text("node_id,x_coord,y_coord\n1,31.0,121.0\n2,31.0,121.001\n", encoding="gbk")
    with pytest.raises(CRSError, match=r"node\.csv: 2 coordinates are outside longitude"):
        read_network(d)


def test_bad_graphml(tmp_path):
    p = tmp_path / "bad.graphml"
    p.write_text("<graphml><graph", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"bad\.graphml: cannot read as GraphML"):
        read_network(p)
    p.write_text(
        '<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<key id="x" for="node" attr.name="x" attr.type="string"/>'
        '<key id="hw" for="edge" attr.name="highway" attr.type="string"/>'
        '<graph edgedefault="directed"><node id="a"><data key="x">121.0</data></node><node id="b"/>'
        '<edge source="a" target="b"><data key="hw">footway</data></edge></graph></graphml>',
        encoding="utf-8")
    with pytest.raises(InputDataError, match=r"bad\.graphml: node attribute 'x' is missing or not a number on 1 "
                                             r"nodes \(node b\)"):
        read_network(p)
