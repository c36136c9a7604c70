"""Service areas: partial edges cut at the remaining budget, buffered lines, network Voronoi split."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _networks import grid_network

from gis_planner._errors import InputDataError
from gis_planner.coverage import service_areas
from gis_planner.network import WalkNetwork, point_distances, snap_points

CRS = 32651


def _grid(n: int = 5, spacing: float = 100.0) -> WalkNetwork:
    return grid_network(n, spacing, crs=CRS)


GRID = _grid()
MIN_PER_M = 60 / 4000  # minutes per metre at 4 km/h


def _pts(xy, prefix, **cols):
    return gpd.GeoDataFrame(cols, geometry=shapely.points(np.asarray(xy, float)), crs=CRS,
                            index=pd.Index([f"{prefix}{i}" for i in range(len(xy))], name="facility_id"))


def test_corner_facility_hand_checked():
    """A facility at the corner (0, 0) with a 150 m budget: 100 m to each of (100,0) and (0,100),
    then 50 m on in both directions from each: 2 x (100 + 50 + 50) = 400 m of street, with four
    partial edges. The polygon is the lines buffered by 10 m, not a hull."""
    fac = _pts([(0, 0)], "F", category=["pharmacy"], name=["A"])
    lines, polys = service_areas(GRID, fac, walk_minutes=150 * MIN_PER_M, speed_kmh=4.0,
                                 buffer_m=10)
    assert lines.loc["F0", "length_m"] == pytest.approx(400.0)
    assert lines.loc["F0", "budget_m"] == pytest.approx(150.0)
    assert lines.loc["F0", "category"] == "pharmacy" and lines.index.name == "facility_id"
    poly = polys.loc["F0", "geometry"]
    assert poly.geom_type in ("Polygon", "MultiPolygon")
    assert shapely.covers(poly, shapely.Point(150, 0)) and shapely.covers(poly, shapely.Point(100, 50))
    assert not shapely.covers(poly, shapely.Point(60, 60))  # inside the block: no street there
    assert polys.loc["F0", "area_m2"] == pytest.approx(poly.area)
    assert polys.loc["F0", "area_m2"] < 400 * 20 + np.pi * 100  # a thin band, not a hull


def test_mid_edge_facility_and_own_edge():
    """A facility at (150, 0), budget 80 m: only its own edge (100..230 would leave it) is reached,
    cut at 70..230 clipped to 100..200 plus 30 m each way beyond the ends: 100 + 30 + 30 + 30 +
    30 = 220 m (up x = 100 and x = 200, and along y = 0 to 70 and to 230)."""
    fac = _pts([(150, 0)], "F")
    lines, _ = service_areas(GRID, fac, walk_minutes=80 * MIN_PER_M, speed_kmh=4.0)
    assert lines.loc["F0", "length_m"] == pytest.approx(220.0)


def test_split_never_overlaps_and_covers_everything_once():
    """Two facilities at (0, 0) and (400, 0) with 1000 m (covers the grid): unsplit areas overlap,
    split pieces add up to the grid's 4000 m exactly; the boundary is the middle x = 200 (the
    street x = 200 itself is equidistant and goes whole to one of them: 1800 or 2200 m each)."""
    two = _pts([(0, 0), (400, 0)], "F", category=["pharmacy", "pharmacy"])
    full, _ = service_areas(GRID, two, walk_minutes=15, speed_kmh=4.0)
    split, _ = service_areas(GRID, two, walk_minutes=15, speed_kmh=4.0, split=True)
    assert full["length_m"].sum() == pytest.approx(2 * GRID.total_length_m)
    assert split["length_m"].sum() == pytest.approx(GRID.total_length_m)
    assert sorted(split["length_m"]) == pytest.approx([1800.0, 2200.0])
    left = split.loc["F0", "geometry"]
    assert shapely.covers(left, shapely.Point(199, 0)) and not shapely.covers(left, shapely.Point(201, 0))
    assert shapely.intersection(left, split.loc["F1", "geometry"]).length == pytest.approx(0.0)


def test_two_facilities_on_one_edge_split_at_the_middle():
    """Facilities at (120, 0) and (180, 0) share the edge 100..200; budget 50 m. Split: the left one
    owns 100..150 on the edge plus 30 m beyond (100, 0) in each of three directions (x < 100 on
    y = 0 and up x = 100) — 50 + 30 + 30 = 110 m; the right one the mirror image."""
    fac = _pts([(120, 0), (180, 0)], "F")
    split, _ = service_areas(GRID, fac, walk_minutes=50 * MIN_PER_M, speed_kmh=4.0, split=True)
    assert split["length_m"].tolist() == pytest.approx([110.0, 110.0])
    own, _ = service_areas(GRID, fac, walk_minutes=50 * MIN_PER_M, speed_kmh=4.0)
    assert own["length_m"].tolist() == pytest.approx([130.0, 130.0])  # 70..170 + 30 + 30


def _jittered(seed: int, side: int = 9, step: float = 90.0) -> WalkNetwork:
    rng = np.random.default_rng(seed)
    xy = np.array([(i * step, j * step) for j in range(side) for i in range(side)])
    xy += rng.normal(0, 8, xy.shape)
    node = np.arange(side * side).reshape(side, side)
    a = np.r_[node[:, :-1].ravel(), node[:-1, :].ravel()]
    b = np.r_[node[:, 1:].ravel(), node[1:, :].ravel()]
    keep = rng.random(len(a)) > 0.15
    a, b = a[keep], b[keep]
    mid = (xy[a] + xy[b]) / 2 + rng.normal(0, 5, (len(a), 2))
    lines = shapely.linestrings(np.stack([xy[a], mid, xy[b]], axis=1))
    return WalkNetwork.from_lines(gpd.GeoDataFrame(geometry=lines, crs=CRS))


@pytest.mark.parametrize("split", [False, True])
def test_sampled_points_oracle(split):
    """Sample points every ~7 m along every edge; a sample is in a facility's area exactly when its
    network distance from that facility (``point_distances``, itself checked against networkx)
    is within the budget — and, split, when that facility is also the nearest."""
    net = _jittered(4)
    rng = np.random.default_rng(9)
    fac = _pts(rng.uniform(0, 720, (6, 2)), "F")
    budget = 230.0
    lines, _ = service_areas(net, fac, walk_minutes=budget * MIN_PER_M, speed_kmh=4.0,
                             split=split, snap_tolerance_m=100)
    geoms = net.edges.geometry.to_numpy()
    frac = np.linspace(0.013, 0.987, 15)
    edge = np.repeat(np.arange(net.n_edges), len(frac))
    off = np.tile(frac, net.n_edges) * net.edges["length_m"].to_numpy()[edge]
    samples = pd.DataFrame({"edge": edge, "offset_m": off, "snapped": True})
    sample_pts = shapely.line_interpolate_point(geoms[edge], off)
    f_snap = snap_points(net, fac, tolerance_m=100)
    dist = np.column_stack([
        point_distances(net, f_snap.iloc[[k]], samples, cutoff_m=10_000) for k in range(len(fac))])
    nearest = dist.min(axis=1)
    margin = 0.5
    checked = 0
    for k, fid in enumerate(fac.index):
        area = lines.loc[fid, "geometry"]
        covered = shapely.distance(area, sample_pts) < 1e-6
        inside = dist[:, k] <= budget - margin
        outside = dist[:, k] >= budget + margin
        if split:
            mine = dist[:, k] <= nearest + 1e-9
            others = dist[:, k] > nearest + margin
            assert covered[inside & mine & (nearest < budget - margin)].all()
            assert not covered[outside | others].any()
        else:
            assert covered[inside].all()
            assert not covered[outside].any()
        checked += int(inside.sum())
    assert checked > 200
    if split:  # pieces of different facilities never overlap
        for a, b in [(0, 1), (2, 3), (4, 5)]:
            assert shapely.intersection(lines.geometry.iloc[a], lines.geometry.iloc[b]).length < 1e-6


def test_bad_arguments_and_facilities_off_the_network():
    fac = _pts([(0, 0), (9000, 9000)], "F")
    lines, polys = service_areas(GRID, fac, walk_minutes=5, speed_kmh=4.0)
    assert list(lines.index) == ["F0"] and list(polys.index) == ["F0"]
    with pytest.raises(InputDataError, match="walk_minutes must be > 0"):
        service_areas(GRID, fac, walk_minutes=0, speed_kmh=4.0)
    with pytest.raises(InputDataError, match="buffer_m must be > 0"):
        service_areas(GRID, fac, walk_minutes=5, speed_kmh=4.0, buffer_m=0)


@pytest.mark.parametrize("split", [False, True])
def test_polygons_equal_one_buffer_of_the_lines_on_shanghai(shared_data, split, monkeypatch):
    """The polygons (shared block and edge buffers plus the cut pieces' buffers, merged) are the
    polygon of the former method, buffering each facility's MultiLineString in one call: same
    area, relative symmetric difference below 1e-6 (floating-point noise of the GEOS noding
    orders), on real central-Shanghai streets; again with the network's buffer cache warm."""
    from gis_planner import _threads
    from gis_planner.io import read_facilities, read_network

    net = read_network(shared_data / "shanghai-central" / "roads_shanghai_center_overpass_2025-08.osm")
    fac = read_facilities(shared_data / "shanghai-huangpu" / "poi_amap_primary_school.csv",
                          source_coords="wgs84", metric_crs=net.crs)
    x0, y0, x1, y1 = net.edges.total_bounds
    fac = fac[fac.geometry.x.between(x0, x1) & fac.geometry.y.between(y0, y1)].iloc[:40]
    lines, polys = service_areas(net, fac, walk_minutes=15, speed_kmh=4.0, buffer_m=50.0,
                                 split=split)
    assert len(polys) >= 35  # the few farther than the snap tolerance are left out
    blocks = net._cache["buffer_blocks_50.0"]
    assert sum(len(p) for p in blocks.polygon[1:]) > 0  # merged blocks were used
    want = shapely.buffer(lines.geometry.to_numpy(), 50.0)  # the former method
    got = polys.geometry.to_numpy()
    area = shapely.area(want)
    assert (area > 0).all()
    assert (shapely.area(shapely.symmetric_difference(got, want)) / area).max() < 1e-6
    np.testing.assert_allclose(polys["area_m2"].to_numpy(), area, rtol=1e-6)
    assert (shapely.get_type_id(got) != 7).all()  # (Multi)Polygons, never collections
    assert shapely.is_valid(got).all()
    _lines2, polys2 = service_areas(net, fac, walk_minutes=15, speed_kmh=4.0, buffer_m=50.0,
                                    split=split)
    assert shapely.equals_exact(polys2.geometry.to_numpy(), got, tolerance=0).all()
    monkeypatch.setattr(_threads, "THREADS", 1)  # one thread gives the same polygons
    net._cache.pop("buffer_blocks_50.0")
    _lines3, polys3 = service_areas(net, fac, walk_minutes=15, speed_kmh=4.0, buffer_m=50.0,
                                    split=split)
    assert shapely.equals_exact(polys3.geometry.to_numpy(), got, tolerance=0).all()


def test_cut_pieces_are_shapely_substrings_on_shanghai(shared_data):
    """The vectorised cut of edges is ``shapely.ops.substring``, vertex for vertex."""
    from shapely.ops import substring

    from gis_planner.coverage.service_area import _substrings
    from gis_planner.io import read_network

    net = read_network(shared_data / "shanghai-central" / "roads_shanghai_center_overpass_2025-08.osm")
    geoms = net.edges.geometry.to_numpy()
    rng = np.random.default_rng(3)
    idx = rng.integers(0, len(geoms), 3000)
    length = shapely.length(geoms[idx])
    a = rng.uniform(0, 0.6, len(idx)) * length
    b = a + rng.uniform(0.01, 1.0, len(idx)) * (length - a)
    a[:300] = 0.0
    b[300:600] = length[300:600]
    got = _substrings(geoms[idx], a, b)
    want = [substring(geoms[i], x, y) for i, x, y in zip(idx, a, b, strict=True)]
    assert shapely.equals_exact(got, np.array(want, dtype=object), tolerance=0).all()
    assert len(_substrings(geoms[:0], a[:0], b[:0])) == 0


def test_facility_without_pieces_gets_an_empty_polygon_and_others_their_buffer():
    from gis_planner.coverage.service_area import _polygons

    geoms = GRID.edges.geometry.to_numpy()
    two = np.array([geoms[0], geoms[1]], dtype=object)
    out = _polygons(GRID, np.array([1, 1]), np.array([0, 1]), np.array([True, True]), two, k=3,
                    buffer_m=10.0)
    want = shapely.buffer(shapely.multilinestrings(two), 10.0)
    assert out[0].is_empty and out[0].geom_type == "Polygon" and out[2].is_empty
    assert shapely.symmetric_difference(out[1], want).area < 1e-6
    assert out[1].area == pytest.approx(want.area)


def test_shared_buffers_are_kept_for_the_last_buffer_width_only():
    fac = _pts([(0, 0), (400, 400)], "F")
    _l, p10 = service_areas(GRID, fac, walk_minutes=10, speed_kmh=4.0, buffer_m=10.0)
    assert "buffer_blocks_10.0" in GRID._cache
    _l, p20 = service_areas(GRID, fac, walk_minutes=10, speed_kmh=4.0, buffer_m=20.0)
    assert [k for k in GRID._cache if k.startswith("buffer_blocks_")] == ["buffer_blocks_20.0"]
    lines, again = service_areas(GRID, fac, walk_minutes=10, speed_kmh=4.0, buffer_m=10.0)
    assert shapely.equals_exact(again.geometry.to_numpy(), p10.geometry.to_numpy(), tolerance=0).all()
    want = shapely.buffer(lines.geometry.to_numpy(), 10.0)
    assert (shapely.area(shapely.symmetric_difference(again.geometry.to_numpy(), want))
            < 1e-6 * shapely.area(want)).all()
    assert (p20["area_m2"] > p10["area_m2"]).all()
