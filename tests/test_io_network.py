"""Network readers on the real shared data, round trips through GraphML and centre-lines, bad input."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pytest
import shapely

from gis_planner._errors import CRSError, InputDataError, OfflineError
from gis_planner.io import network as netio
from gis_planner.io.network import network_from_place, read_network
from gis_planner.io.walk_rules import exclusion_reason


@pytest.fixture(scope="module")
def central(shared_data):
    return read_network(shared_data / "shanghai-central" / "roads_shanghai_center_overpass_2025-08.osm")


@pytest.fixture(scope="module")
def huangpu(shared_data):
    return read_network(shared_data / "shanghai-huangpu" / "roads_huangpu_drive_osmnx.osm")


def test_shanghai_central_osm_xml(central):
    r = central.build_report
    assert central.crs.to_epsg() == 32651
    assert r["ways_read"] == 4701  # every way of the file is a highway way (PROVENANCE)
    assert r["excluded"] == {"access=no": 4, "foot=no": 151}  # elevated roads closed to walkers
    assert (central.n_nodes, central.n_edges) == (3708, 5754)
    assert r["dropped_nodes_outside_largest_component"] == 775
    assert central.total_length_m == pytest.approx(750_125, rel=1e-4)
    assert not central.edges["highway"].isin(["motorway", "trunk"]).any()


def test_huangpu_drops_trunk_roads(huangpu):
    r = huangpu.build_report
    # PROVENANCE: trunk 25 + trunk_link 75 ways in this osmnx drive export
    assert r["excluded"]["highway=trunk"] == 25
    assert r["excluded"]["highway=trunk_link"] == 75
    assert (huangpu.n_nodes, huangpu.n_edges) == (529, 810)
    assert huangpu.crs.to_epsg() == 32651


def test_nanjing_gmns_zip_gbk(shared_data):
    net = read_network(shared_data / "nanjing" / "nanjing_gmns_auto_osm2gmns_2020.zip")
    r = net.build_report
    assert r["links_read"] == 53822
    assert r["excluded"] == {"highway=motorway": 1538, "highway=trunk": 2317}
    assert r["reverse_duplicates_dropped"] == 19412
    assert (net.n_nodes, net.n_edges) == (14796, 21628)
    assert net.crs.to_epsg() == 32650
    assert net.edges["name"].str.contains("将军大道").sum() == 94  # GBK names decoded


def test_helsinki_pbf_keeps_footways(shared_data):
    net = read_network(shared_data / "helsinki" / "Helsinki.osm.pbf")
    assert net.crs.to_epsg() == 32635
    assert (net.n_nodes, net.n_edges) == (3260, 4226)
    counts = net.edges["highway"].value_counts()
    assert counts["footway"] > 1000
    assert counts["steps"] > 50
    assert net.build_report["excluded"]["foot=no"] == 33


def test_cgcs2000_zone_on_request(shared_data):
    net = read_network(shared_data / "shanghai-huangpu" / "roads_huangpu_drive_osmnx.osm",
                       metric_crs="cgcs2000_3deg")
    assert net.crs.to_epsg() == 4549  # CGCS2000 / 3-degree Gauss-Kruger CM 120E
    assert net.n_edges == 810


def test_graphml_and_centreline_round_trip(huangpu, tmp_path):
    import osmnx as ox

    lines = huangpu.edges[["highway", "name", "geometry"]].to_crs(4326)
    gpkg = tmp_path / "roads.gpkg"
    lines.to_file(gpkg, layer="roads")
    back = read_network(gpkg, node_intersections=False)
    assert (back.n_nodes, back.n_edges) == (huangpu.n_nodes, huangpu.n_edges)
    assert back.total_length_m == pytest.approx(huangpu.total_length_m, rel=1e-3)

    g = ox.graph_from_gdfs(
        gpd.GeoDataFrame({"x": huangpu.nodes.to_crs(4326).geometry.x,
                          "y": huangpu.nodes.to_crs(4326).geometry.y},
                         geometry=huangpu.nodes.to_crs(4326).geometry, crs=4326),
        lines.assign(u=huangpu.edges["u"].to_numpy(), v=huangpu.edges["v"].to_numpy(),
                     key=huangpu.edges.groupby(["u", "v"]).cumcount().to_numpy(), osmid=range(len(lines)), length=huangpu.edges["length_m"].to_numpy())
        .set_index(["u", "v", "key"]),
    )
    path = tmp_path / "roads.graphml"
    ox.save_graphml(g, path)
    gm = read_network(path)
    # GraphML readers drop exact duplicate and reverse links (two-way roads stored twice)
    e = huangpu.edges
    key = [(min(a, b), max(a, b), round(w, 1)) for a, b, w in zip(e["u"], e["v"], e["length_m"], strict=True)]
    assert gm.n_nodes == huangpu.n_nodes
    assert gm.n_edges == len(set(key)) == 709
    assert gm.build_report["reverse_duplicates_dropped"] == huangpu.n_edges - 709


def test_centre_lines_are_noded_at_crossings(tmp_path):
    # A plus sign (two 200 m lines crossing at the middle) and a T: 4 + 2 = 6 edges, 7 nodes
    lines = gpd.GeoDataFrame(
        {"highway": ["residential", "residential", "footway"]},
        geometry=[shapely.LineString([(0, 100), (200, 100)]), shapely.LineString([(100, 0), (100, 200)]),
                  shapely.LineString([(200, 100), (300, 100)])],
        crs=32651,
    )
    path = tmp_path / "plus.geojson"
    lines.to_file(path)
    net = read_network(path, metric_crs=32651)
    assert (net.n_nodes, net.n_edges) == (6, 5)
    assert sorted(net.edges["length_m"].round(6)) == [100.0] * 5
    unnoded = read_network(path, metric_crs=32651, node_intersections=False, keep_largest_component=False)
    assert unnoded.n_edges == 3


def test_walk_rules():
    assert exclusion_reason({"highway": "motorway"}) == "highway=motorway"
    assert exclusion_reason({"highway": "footway"}) is None
    assert exclusion_reason({"highway": "residential", "foot": "no"}) == "foot=no"
    assert exclusion_reason({"highway": "service", "access": "private"}) == "access=private"
    assert exclusion_reason({"highway": "service", "access": "private", "foot": "designated"}) is None


# ------------------------------------------------------------------ bad input
def test_missing_file(tmp_path):
    with pytest.raises(InputDataError, match=r"nowhere\.osm: file not found"):
        read_network(tmp_path / "nowhere.osm")


def test_unknown_format(tmp_path):
    p = tmp_path / "roads.dwg"
    p.write_bytes(b"x")
    with pytest.raises(InputDataError, match=r"roads\.dwg: unsupported network format '\.dwg'"):
        read_network(p)


def test_osm_without_highways(tmp_path):
    p = tmp_path / "empty.osm"
    p.write_text('<?xml version="1.0"?><osm version="0.6"><node id="1" lat="31" lon="121"/></osm>',
                 encoding="utf-8")
    with pytest.raises(InputDataError, match=r"empty\.osm: no roads found"):
        read_network(p)


def test_no_walkable_roads(tmp_path):
    p = tmp_path / "motorway.geojson"
    gpd.GeoDataFrame({"highway": ["motorway"]}, geometry=[shapely.LineString([(121, 31), (121.01, 31)])],
                     crs=4326).to_file(p)
    with pytest.raises(InputDataError, match=r"no walkable roads: all 1 ways were excluded \(highway=motorway: 1\)"):
        read_network(p)


def test_lines_without_crs(tmp_path):
    p = tmp_path / "nocrs.geojson"
    p.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
                 '"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}]}', encoding="utf-8")
    shp = tmp_path / "nocrs.shp"
    with pytest.warns(UserWarning, match="crs"):
        gpd.read_file(p).set_crs(None, allow_override=True).to_file(shp)
    with pytest.raises(CRSError, match=r"nocrs\.shp: the file has no CRS"):
        read_network(shp)


def test_points_in_a_lines_file(tmp_path):
    p = tmp_path / "pts.geojson"
    gpd.GeoDataFrame(geometry=[shapely.Point(121, 31)], crs=4326).to_file(p)
    with pytest.raises(InputDataError, match=r"pts\.geojson: 1 geometries are not lines"):
        read_network(p)


def test_empty_layer(tmp_path):
    p = tmp_path / "empty.gpkg"
    gpd.GeoDataFrame({"highway": []}, geometry=[], crs=4326).to_file(p, layer="roads")
    with pytest.raises(InputDataError, match=r"empty\.gpkg.*empty"):
        read_network(p)


def test_swapped_lonlat_lines(tmp_path):
    p = tmp_path / "swapped.geojson"
    p.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"highway":"residential"},'
                 '"geometry":{"type":"LineString","coordinates":[[31.2,121.4],[31.21,121.41]]}}]}',
                 encoding="utf-8")
    with pytest.raises(CRSError, match=r"outside longitude .* swapped"):
        read_network(p)


def test_gmns_missing_link_and_unknown_nodes(tmp_path):
    z = tmp_path / "net.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("node.csv", "node_id,x_coord,y_coord\n1,121.0,31.0\n")
    with pytest.raises(InputDataError, match=r"net\.zip: the zip holds no link\.csv"):
        read_network(z)
    d = tmp_path / "gmns"
    d.mkdir()
    (d / "node.csv").write_text("node_id,x_coord,y_coord\n1,121.0,31.0\n2,121.01,31.0\n", encoding="gbk")
    (d / "link.csv").write_text("link_id,from_node_id,to_node_id,link_type_name\nL1,1,9,residential\n",
                                encoding="gbk")
    with pytest.raises(InputDataError, match=r"1 links name node ids missing from node\.csv \(link_id L1\)"):
        read_network(d)
    (d / "link.csv").write_text("link_id,from_node,to_node\nL1,1,2\n", encoding="gbk")
    with pytest.raises(InputDataError, match=r"link\.csv: missing column\(s\) 'from_node_id', 'to_node_id'"):
        read_network(d / "node.csv")


def test_offline_download_fails_fast(monkeypatch, tmp_path):
    monkeypatch.setattr(netio, "_online", lambda *a, **k: False)
    with pytest.raises(OfflineError, match="no internet"):
        network_from_place("黄浦区, 上海市", cache_dir=tmp_path)


@pytest.mark.network
def test_download_by_place(tmp_path):  # pragma: no cover - needs internet
    net = network_from_place("Kamppi, Helsinki, Finland", cache_dir=tmp_path)
    assert net.n_edges > 100


def test_compressed_osm_xml(shared_data, tmp_path):
    import bz2

    src = shared_data / "shanghai-huangpu" / "roads_huangpu_drive_osmnx.osm"
    packed = tmp_path / "huangpu.osm.bz2"
    packed.write_bytes(bz2.compress(src.read_bytes()))
    net = read_network(packed)
    assert (net.n_nodes, net.n_edges) == (529, 810)
