"""Partition planning: every household in exactly one partition, halos that hold the exactness argument."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gis_planner._errors import InputDataError
from gis_planner.partition import Layout, halo_m, plan_partitions
from gis_planner.partition.plan import facility_halo_m, representative_xy

CRS = "EPSG:32650"


def _points(xy, prefix="H"):
    xy = np.asarray(xy, dtype=float)
    return gpd.GeoDataFrame({"households": np.arange(len(xy)) + 1}, geometry=shapely.points(xy), crs=CRS,
                            index=pd.Index([f"{prefix}{i}" for i in range(len(xy))], name="compound_id"))


def test_tiles_are_half_open_and_every_household_is_assigned_once():
    # 0 and 1000 lie on tile borders: a border point goes to the tile on its upper/right side
    hh = _points([(0, 0), (999.9, 0), (1000, 0), (1000, 1000), (2500, 10), (2500, 2999)])
    parts, assign = plan_partitions(hh, search_cap_m=1500, snap_tolerance_m=250, tile_m=1000)
    assert assign.to_dict() == {"H0": "T0000_0000", "H1": "T0000_0000", "H2": "T0000_0001",
                                "H3": "T0001_0001", "H4": "T0000_0002", "H5": "T0002_0002"}
    assert [p.partition_id for p in parts] == ["T0000_0000", "T0000_0001", "T0000_0002", "T0001_0001",
                                               "T0002_0002"]
    # the layout agrees with the plan point by point (workers recompute it)
    layout = Layout.tiles((0, 0, 2500, 2999), 1000)
    codes = layout.assign(representative_xy(hh.geometry.to_numpy()))
    assert [layout.partition_id(c) for c in codes] == list(assign)


def test_polygons_border_ties_go_to_the_lowest_id_and_outside_points_to_the_nearest():
    polys = gpd.GeoDataFrame(geometry=[shapely.box(1000, 0, 2000, 1000), shapely.box(0, 0, 1000, 1000)],
                             index=["b", "a"], crs=CRS)
    # on the shared border; inside b; outside, nearer b; outside, equidistant from both
    hh = _points([(1000, 500), (1500, 500), (2600, 500), (1000, 1400)])
    parts, assign = plan_partitions(hh, search_cap_m=1000, snap_tolerance_m=100, by=polys)
    assert list(assign) == ["a", "b", "b", "a"]
    # a core grows to cover its households outside the polygon
    b = next(p for p in parts if p.partition_id == "b")
    assert b.core.covers(shapely.Point(2600, 500))


def test_every_household_of_a_random_layer_lands_in_exactly_one_core():
    rng = np.random.default_rng(5)
    hh = _points(rng.uniform(0, 10_000, (2_000, 2)))
    parts, assign = plan_partitions(hh, search_cap_m=1200, snap_tolerance_m=250, tile_m=2500)
    assert assign.index.equals(hh.index) and assign.notna().all()
    assert {p.partition_id for p in parts} == set(assign)
    counts = assign.value_counts()
    assert counts.sum() == len(hh) == 2_000
    for p in parts:
        mine = hh.geometry[assign == p.partition_id]
        assert mine.within(p.core.buffer(1e-6)).all()


def test_halos_contain_the_true_discs():
    hh = _points([(0, 0), (4000, 3000), (8000, 100)])
    cap, tol = 1500.0, 250.0
    parts, _ = plan_partitions(hh, search_cap_m=cap, snap_tolerance_m=tol, tile_m=3000)
    assert halo_m(cap, tol) == 2250 and facility_halo_m(cap, tol) == 2000
    for p in parts:
        # every point of each region's boundary lies at least the halo from the core
        edge_ring = shapely.get_coordinates(p.edge_region.exterior)
        fac_ring = shapely.get_coordinates(p.facility_region.exterior)
        assert shapely.distance(p.core, shapely.points(edge_ring)).min() >= halo_m(cap, tol)
        assert shapely.distance(p.core, shapely.points(fac_ring)).min() >= facility_halo_m(cap, tol)
        # and everything within the tolerance of the facility region is in the edge region
        assert p.edge_region.contains(p.facility_region.buffer(tol))


def test_gates_extend_the_core_of_their_compound():
    hh = _points([(100, 100), (2900, 100)])
    gates = gpd.GeoDataFrame({"compound_id": ["H0", "H1"]}, geometry=shapely.points([(100, 1800), (3200, 100)]),
                             crs=CRS, index=pd.Index(["G0", "G1"], name="gate_id"))
    parts, assign = plan_partitions(hh, search_cap_m=1000, snap_tolerance_m=100, tile_m=1000, gates=gates)
    by_id = {p.partition_id: p for p in parts}
    assert by_id[assign["H0"]].core.covers(shapely.Point(100, 1800))
    assert by_id[assign["H1"]].core.covers(shapely.Point(3200, 100))


def test_polygon_compounds_use_a_point_inside_them():
    poly = shapely.Polygon([(0, 0), (3000, 0), (3000, 200), (200, 200), (200, 3000), (0, 3000)])  # an L
    # a second compound at the origin fixes the tiles' lower-left corner at (0, 0)
    hh = gpd.GeoDataFrame({"households": [10, 5]}, geometry=[poly, shapely.Point(0, 0)], crs=CRS,
                          index=pd.Index(["P", "O"], name="compound_id"))
    _, assign = plan_partitions(hh, search_cap_m=1000, snap_tolerance_m=100, tile_m=1000)
    x, y = representative_xy(hh.geometry.to_numpy())[0]
    assert poly.contains(shapely.Point(x, y))
    assert assign["P"] == f"T{int(y // 1000):04d}_{int(x // 1000):04d}"


@pytest.mark.parametrize("kwargs, match", [
    ({}, "exactly one"),
    ({"tile_m": 1000, "by": "polys"}, "exactly one"),
    ({"tile_m": -5}, "tile_m must be a positive"),
    ({"by": "dups"}, "duplicate ids"),
    ({"by": "wgs84"}, "partition polygons"),
])
def test_bad_partition_arguments_are_named(kwargs, match):
    hh = _points([(0, 0), (10, 10)])
    layers = {
        "polys": gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 5, 5)], index=["a"], crs=CRS),
        "dups": gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 5, 5)] * 2, index=["a", "a"], crs=CRS),
        "wgs84": gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 5, 5)], index=["a"], crs=4326),
    }
    if "by" in kwargs:
        kwargs = {**kwargs, "by": layers[kwargs["by"]]}
    with pytest.raises(InputDataError, match=match):
        plan_partitions(hh, search_cap_m=1000, snap_tolerance_m=100, **kwargs)
