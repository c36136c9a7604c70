"""Snapping points to the nearest edge: hand-checked positions, tolerance, polygons, a brute-force oracle."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

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
