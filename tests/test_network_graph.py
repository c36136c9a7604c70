"""WalkNetwork: construction from lines, component cleaning, CSR, networkx view."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis_planner._errors import CRSError, InputDataError
from gis_planner.network import WalkNetwork


def _lines(coords, crs=32651, **cols):
    return gpd.GeoDataFrame(cols, geometry=[shapely.LineString(c) for c in coords], crs=crs)


def test_from_lines_joins_end_points_and_keeps_geometry_length():
    # An L of two 100 m edges plus a bent 150 m edge closing a triangle-ish loop.
    net = WalkNetwork.from_lines(
        _lines([[(0, 0), (100, 0)], [(100, 0), (100, 100)], [(0, 0), (0, 100), (100, 100)]],
               highway=["residential", "footway", "path"])
    )
    assert net.n_nodes == 3
    assert net.n_edges == 3
    assert sorted(net.edges["length_m"].round(6)) == [100.0, 100.0, 200.0]
    assert set(net.edges["highway"]) == {"residential", "footway", "path"}
    assert net.total_length_m == pytest.approx(400.0)


def test_parallel_edges_keep_the_shortest_in_csr():
    net = WalkNetwork.from_lines(_lines([[(0, 0), (100, 0)], [(0, 0), (50, 40), (100, 0)]]))
    m = net.csr().toarray()
    assert m[0, 1] == pytest.approx(100.0)
    assert m[1, 0] == pytest.approx(100.0)
    assert net.n_edges == 2  # both kept as edges; only the matrix takes the minimum


def test_largest_component_kept_and_drop_reported():
    net = WalkNetwork.from_lines(
        _lines([[(0, 0), (100, 0)], [(100, 0), (200, 0)], [(1000, 1000), (1050, 1000)]])
    )
    assert net.n_nodes == 3
    assert net.build_report["dropped_edges_outside_largest_component"] == 1
    assert net.build_report["dropped_nodes_outside_largest_component"] == 2
    assert net.build_report["dropped_length_m_outside_largest_component"] == pytest.approx(50.0)
    keep_all = WalkNetwork.from_lines(
        _lines([[(0, 0), (100, 0)], [(1000, 1000), (1050, 1000)]]), keep_largest_component=False
    )
    assert keep_all.n_edges == 2


def test_zero_length_and_loops_dropped():
    net = WalkNetwork.from_lines(
        _lines([[(0, 0), (100, 0)], [(5, 5), (5, 5)], [(0, 0), (50, 50), (0, 0)]])
    )
    assert net.n_edges == 1
    assert net.build_report["dropped_zero_length_or_loops"] == 2


def test_to_networkx_matches_csr_distances():
    import networkx as nx
    from scipy.sparse.csgraph import dijkstra

    rng = np.random.default_rng(3)
    pts = rng.uniform(0, 1000, size=(40, 2))
    segs = [[tuple(pts[i]), tuple(pts[(i * 7 + 3) % 40])] for i in range(40)]
    segs += [[tuple(pts[i]), tuple(pts[i + 1])] for i in range(39)]
    net = WalkNetwork.from_lines(_lines(segs))
    d_csr = dijkstra(net.csr(), directed=False, indices=0)
    d_nx = nx.single_source_dijkstra_path_length(net.to_networkx(), 0, weight="length_m")
    for node, d in d_nx.items():
        assert d_csr[node] == pytest.approx(d, abs=1e-9)


def test_geographic_crs_rejected():
    with pytest.raises(CRSError, match="distances need metres"):
        WalkNetwork.from_lines(_lines([[(121.4, 31.2), (121.5, 31.2)]], crs=4326))


def test_multilines_rejected_with_count():
    gdf = gpd.GeoDataFrame(
        geometry=[shapely.MultiLineString([[(0, 0), (1, 0)], [(2, 0), (3, 0)]])], crs=32651
    )
    with pytest.raises(InputDataError, match="1 geometries are not LineStrings"):
        WalkNetwork.from_lines(gdf)


def test_no_edges_left_is_an_error():
    with pytest.raises(InputDataError, match="no walkable edges"):
        WalkNetwork.from_lines(_lines([[(5, 5), (5, 5)]]))


def test_sort_based_node_join_equals_numpy_unique():
    # the sort-based join must give exactly np.unique's nodes and node ids (duplicates, shared
    # x with different y, negative zero and large UTM coordinates included)
    from gis_planner.network.graph import _unique_points

    rng = np.random.default_rng(3)
    base = np.round(rng.uniform(0, 5000, (2000, 2)) + np.array([500000.0, 3500000.0]), 2)
    base[:50, 0] = base[50:100, 0]
    pts = np.vstack([base, base[rng.integers(0, len(base), 3000)], [[0.0, -0.0], [-0.0, 0.0]]])
    want_u, want_inv = np.unique(pts, axis=0, return_inverse=True)
    got_u, got_inv = _unique_points(pts)
    np.testing.assert_array_equal(got_u, want_u)
    np.testing.assert_array_equal(got_inv, want_inv.ravel())
    empty_u, empty_inv = _unique_points(np.zeros((0, 2)))
    assert empty_u.shape == (0, 2) and len(empty_inv) == 0
