"""Snapping points to the nearest edge: hand-checked positions, tolerance, polygons, a brute-force oracle."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from _networks import grid_network

from gis_planner._errors import CRSError
from gis_planner.network import WalkNetwork, snap_points

CRS = 32651


@pytest.fixture(scope="module")
def bent() -> WalkNetwork:
    """Two edges: A = (0,0)->(100,0)->(100,100) (an L, 200 m) and B = (100,100)->(300,100)."""
    lines = [shapely.LineString([(0, 0), (100, 0), (100, 100)]),
             shapely.LineString([(100, 100), (300, 100)])]
    return WalkNetwork.from_lines(gpd.GeoDataFrame(geometry=lines, crs=CRS), source="bent")


def _pts(xy, crs=CRS):
    return gpd.GeoDataFrame(geometry=shapely.points(np.asarray(xy, float)), crs=crs,
                            index=[f"P{i}" for i in range(len(xy))])


def _edge_of(net: WalkNetwork, start_xy) -> int:
    """Position of the edge whose geometry starts or ends at ``start_xy``."""
    first = shapely.get_coordinates(shapely.get_point(net.edges.geometry.to_numpy(), 0))
    last = shapely.get_coordinates(shapely.get_point(net.edges.geometry.to_numpy(), -1))
    hit = np.flatnonzero((first == start_xy).all(axis=1) | (last == start_xy).all(axis=1))
    return int(hit[0])


def test_offset_follows_the_linestring(bent):
    """P0 at (110, 50) projects onto the L's vertical leg at (100, 50): 10 m away, 150 m along the
    L from (0,0) (100 m east, then 50 m north). P1 at (200, 130) projects onto B at (200, 100):
    30 m away, 100 m from B's start. P2 at (500, 500) is 447 m from everything: not snapped."""
    s = snap_points(bent, _pts([(110, 50), (200, 130), (500, 500)]), tolerance_m=250)
    a = _edge_of(bent, (0.0, 0.0))
    e = bent.edges.loc[a]
    from_u = 150.0 if tuple(e.geometry.coords[0]) == (0.0, 0.0) else 50.0
    assert s.loc["P0", "edge"] == a
    assert s.loc["P0", "offset_m"] == pytest.approx(from_u)
    assert s.loc["P0", "snap_dist_m"] == pytest.approx(10.0)
    assert (s.loc["P0", "x"], s.loc["P0", "y"]) == pytest.approx((100.0, 50.0))
    b = bent.edges.loc[s.loc["P1", "edge"]]
    assert s.loc["P1", "offset_m"] == pytest.approx(shapely.line_locate_point(
        b.geometry, shapely.Point(200, 100)))
    assert s.loc["P1", "snap_dist_m"] == pytest.approx(30.0)
    assert s.loc["P2", "edge"] == -1 and not s.loc["P2", "snapped"]
    assert np.isnan(s.loc["P2", "offset_m"]) and np.isnan(s.loc["P2", "snap_dist_m"])
    assert list(s.index) == ["P0", "P1", "P2"]
    assert s["edge"].dtype == np.int64 and s["snapped"].dtype == bool


def test_tolerance_is_inclusive(bent):
    s = snap_points(bent, _pts([(150, 130), (150, 130.5)]), tolerance_m=30.0)
    assert s["snapped"].tolist() == [True, False]
    assert s["edge"].tolist()[1] == -1


def test_polygon_uses_a_point_inside(bent):
    """A 20 m square spanning y 130..150 above B (y = 100): its representative point lies inside
    the square, so it snaps onto B from 30 to 50 m away, and going back up from the snapped point
    by the snap distance lands inside the square."""
    poly = gpd.GeoDataFrame(geometry=[shapely.box(150, 130, 170, 150)], crs=CRS, index=["C"])
    s = snap_points(bent, poly, tolerance_m=250)
    inside = shapely.Point(s.loc["C", "x"], s.loc["C", "y"] + s.loc["C", "snap_dist_m"])
    assert 30.0 <= s.loc["C", "snap_dist_m"] <= 50.0
    assert shapely.covers(poly.geometry.iloc[0], inside)


def test_crs_is_checked(bent):
    with pytest.raises(CRSError, match="reproject"):
        snap_points(bent, _pts([(0, 0)], crs=32650))
    with pytest.raises(CRSError, match="geographic"):
        snap_points(bent, _pts([(121.4, 31.2)], crs=4326))


def test_empty_input_and_missing_geometry(bent):
    assert len(snap_points(bent, _pts(np.zeros((0, 2))))) == 0
    pts = _pts([(10, 5), (0, 0)])
    pts.loc["P1", "geometry"] = None
    s = snap_points(bent, pts)
    assert s["snapped"].tolist() == [True, False]


def test_brute_force_oracle_on_a_jittered_grid():
    """Every point's snap distance equals the minimum distance over all edges (brute force), and
    its offset lands on the chosen edge at that distance."""
    rng = np.random.default_rng(3)
    side, step = 12, 80.0
    xy = np.array([(i * step, j * step) for j in range(side) for i in range(side)])
    xy += rng.normal(0, 8, xy.shape)
    node = np.arange(side * side).reshape(side, side)
    a = np.r_[node[:, :-1].ravel(), node[:-1, :].ravel()]
    b = np.r_[node[:, 1:].ravel(), node[1:, :].ravel()]
    mid = (xy[a] + xy[b]) / 2 + rng.normal(0, 10, (len(a), 2))  # one bend per edge
    lines = shapely.linestrings(np.stack([xy[a], mid, xy[b]], axis=1))
    net = WalkNetwork.from_lines(gpd.GeoDataFrame(geometry=lines, crs=CRS))
    pts = _pts(rng.uniform(-100, side * step + 100, (600, 2)))
    s = snap_points(net, pts, tolerance_m=60)
    edges = net.edges.geometry.to_numpy()
    d_all = shapely.distance(pts.geometry.to_numpy()[:, None], edges[None, :])
    best = d_all.min(axis=1)
    ok = s["snapped"].to_numpy()
    assert (ok == (best <= 60)).all()
    assert ok.sum() > 400
    np.testing.assert_allclose(s["snap_dist_m"].to_numpy()[ok], best[ok], atol=1e-6)
    chosen = edges[s["edge"].to_numpy()[ok]]
    on = shapely.line_interpolate_point(chosen, s["offset_m"].to_numpy()[ok])
    np.testing.assert_allclose(shapely.get_coordinates(on), s.loc[ok, ["x", "y"]].to_numpy(),
                               atol=1e-6)
    np.testing.assert_allclose(shapely.distance(on, pts.geometry.to_numpy()[ok]), best[ok],
                               atol=1e-6)


def _nearest_query_snap(net: WalkNetwork, pts: gpd.GeoDataFrame, tolerance_m: float):
    """The former method, kept as the oracle: one STRtree nearest query per point (ties: the
    edge the nearest-neighbour query returns), then line_locate_point."""
    from gis_planner.network.snap import _tree

    geoms = pts.geometry.to_numpy()
    edges = net.edges.geometry.to_numpy()
    kw = {"max_distance": float(tolerance_m)} if tolerance_m > 0 else {}
    (p_i, e_i), d = _tree(net).query_nearest(geoms, return_distance=True, all_matches=False, **kw)
    ok = d <= tolerance_m
    p_i, e_i, d = p_i[ok], e_i[ok], d[ok]
    edge = np.full(len(geoms), -1)
    edge[p_i] = e_i
    dist = np.full(len(geoms), np.nan)
    dist[p_i] = d
    off = np.full(len(geoms), np.nan)
    off[p_i] = shapely.line_locate_point(edges[e_i], geoms[p_i])
    return edge, dist, off


@pytest.mark.parametrize("tolerance_m", [0.0, 25.0, 250.0])
def test_identical_snaps_to_the_nearest_query_with_ties(tolerance_m):
    """Radius rounds + vectorised distances give exactly the former snaps, ties included:
    points on junctions (4 edges at distance 0), block centres (4 edges equally near) and
    points on a street's mid-line."""
    net = grid_network(20, 100.0, crs=CRS)
    rng = np.random.default_rng(0)
    xy = np.r_[rng.integers(0, 20, (300, 2)) * 100.0, rng.integers(0, 19, (300, 2)) * 100.0 + 50,
               np.round(rng.uniform(-300, 2200, (1500, 2))), rng.uniform(-300, 2200, (1500, 2))]
    pts = _pts(xy)
    s = snap_points(net, pts, tolerance_m=tolerance_m)
    edge, dist, off = _nearest_query_snap(net, pts, tolerance_m)
    np.testing.assert_array_equal(s["edge"].to_numpy(), edge)
    np.testing.assert_array_equal(s["snap_dist_m"].to_numpy(), dist)
    np.testing.assert_array_equal(s["offset_m"].to_numpy(), off)
    assert s["snapped"].sum() > (250 if tolerance_m == 0 else 1000)


def test_identical_snaps_on_shanghai(shared_data):
    from gis_planner.io import read_network

    net = read_network(shared_data / "shanghai-central" / "roads_shanghai_center_overpass_2025-08.osm")
    x0, y0, x1, y1 = net.edges.total_bounds
    rng = np.random.default_rng(5)
    xy = np.c_[rng.uniform(x0 - 300, x1 + 300, 20_000), rng.uniform(y0 - 300, y1 + 300, 20_000)]
    nodes = shapely.get_coordinates(net.nodes.geometry.to_numpy())
    pts = _pts(np.r_[xy, nodes[:2000]])
    s = snap_points(net, pts, tolerance_m=250)
    edge, dist, off = _nearest_query_snap(net, pts, 250)
    np.testing.assert_array_equal(s["edge"].to_numpy(), edge)
    np.testing.assert_array_equal(s["snap_dist_m"].to_numpy(), dist)
    np.testing.assert_array_equal(s["offset_m"].to_numpy(), off)


def test_snap_cache_reuses_and_is_bounded(bent):
    from gis_planner.network.snap import SNAP_CACHE_SIZE

    bent._cache.pop("snaps", None)
    pts = _pts([(10, 5), (150, 90)])
    first = snap_points(bent, pts)
    first.loc["P0", "edge"] = 99  # the caller's copy; the cache must not see it
    again = snap_points(bent, pts.set_axis(["a", "b"]))
    assert again.index.tolist() == ["a", "b"]
    assert again["edge"].tolist() == snap_points(bent, pts)["edge"].tolist() != [99, 99]
    assert again.loc["a", "edge"] != 99
    assert len(bent._cache["snaps"]) == 1
    # another tolerance or other coordinates are other entries; the oldest go first
    assert not snap_points(bent, pts, tolerance_m=5)["snapped"].all()
    for k in range(SNAP_CACHE_SIZE + 2):
        snap_points(bent, _pts([(10 + k, 5)]))
    assert len(bent._cache["snaps"]) == SNAP_CACHE_SIZE
