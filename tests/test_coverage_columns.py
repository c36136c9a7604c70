"""Reach column names: built in one place (coverage.columns) and written exactly so by reach()."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from _networks import grid_network

from gis_planner.coverage import columns, reach
from gis_planner.network import travel

CRS = 32651


def _pts(xy, *, prefix, **cols):
    return gpd.GeoDataFrame(cols, geometry=shapely.points(np.asarray(xy, dtype=float)), crs=CRS,
                            index=[f"{prefix}{i}" for i in range(len(xy))])


def test_names():
    assert columns.dist_col("pharmacy") == "pharmacy_dist_m"
    assert columns.minutes_col("pharmacy") == "pharmacy_min"
    assert columns.covered_col("pharmacy") == "pharmacy_covered"
    assert columns.covered_col("pharmacy", 15) == "pharmacy_covered_15min"
    assert columns.covered_col("pharmacy", 7.5) == "pharmacy_covered_7.5min"
    assert columns.n_within_col("pharmacy") == "pharmacy_n_within"
    assert columns.gate_col("pharmacy") == "pharmacy_gate_id"
    assert columns.threshold_of("wet_market_covered_7.5min") == ("wet_market", 7.5)
    assert columns.threshold_of("wet_market_covered") is None
    assert columns.threshold_of("wet_market_covered_xmin") is None
    assert columns.threshold_of("wet_market_dist_m") is None


def test_reach_writes_exactly_these_columns_and_count_within_can_be_skipped():
    net = grid_network(5, 100.0, crs=CRS)
    homes = _pts([(10, 30), (210, 5), (390, 390)], prefix="H", households=[100, 50, 7])
    fac = _pts([(250, 0), (0, 200), (400, 300)], prefix="F",
               category=["pharmacy", "pharmacy", "wet_market"])
    full = reach(net, homes, fac, speed_kmh=4.0, walk_minutes=(5, 7.5))
    want = [columns.SNAPPED, columns.SNAP_DIST_M, columns.N_GATES, columns.GATE_ID]
    for c in ("pharmacy", "wet_market"):
        want += columns.category_columns(c, (5, 7.5))[:-1]  # no gates: no gate column
    want.append(columns.COMPLETENESS)
    assert [c for c in full.households.columns if c != "geometry"] == ["households", *want]
    assert full.households[columns.n_within_col("pharmacy")].tolist() == [2, 2, 0]
    fast = reach(net, homes, fac, speed_kmh=4.0, walk_minutes=(5, 7.5), count_within=False)
    assert not any(c.endswith("_n_within") for c in fast.households.columns)
    assert fast.households.equals(full.households.drop(
        columns=[columns.n_within_col("pharmacy"), columns.n_within_col("wet_market")]))


def test_facility_counts_run_no_search_when_off(monkeypatch):
    """count_within=False runs no origin x facility search at all."""
    calls = []

    def spy(real):
        def run(*args, **kwargs):
            calls.append(1)
            return real(*args, **kwargs)
        return run

    import importlib

    reach_module = importlib.import_module("gis_planner.coverage.reach")

    monkeypatch.setattr(reach_module, "od_costs", spy(travel.od_costs))
    monkeypatch.setattr(reach_module, "counts_within", spy(travel.counts_within))
    net = grid_network(5, 100.0, crs=CRS)
    homes = _pts([(10, 30)], prefix="H", households=[1])
    fac = _pts([(250, 0)], prefix="F", category=["pharmacy"])
    reach(net, homes, fac, speed_kmh=4.0, count_within=False)
    assert calls == []
    reach(net, homes, fac, speed_kmh=4.0)
    assert calls == [1]


@pytest.mark.parametrize("gated", [False, True])
def test_counts_equal_the_whole_graph_search(shared_data, monkeypatch, gated):
    """Facility counts from the shared searches equal those of the former whole-graph search
    (dense blocks), with and without gates, on central-Shanghai streets."""
    from gis_planner.io import read_facilities, read_network

    net = read_network(shared_data / "shanghai-central" / "roads_shanghai_center_overpass_2025-08.osm")
    fac = read_facilities(shared_data / "shanghai-huangpu" / "poi_amap_kindergarten.csv",
                          source_coords="wgs84", metric_crs=net.crs)
    x0, y0, x1, y1 = net.edges.total_bounds
    fac = fac[fac.geometry.x.between(x0, x1) & fac.geometry.y.between(y0, y1)]
    rng = np.random.default_rng(1)
    # assumed household counts (no real counts exist)
    homes = _pts(np.c_[rng.uniform(x0, x1, 2000), rng.uniform(y0, y1, 2000)], prefix="H",
                 households=rng.integers(20, 800, 2000))
    homes = homes.set_crs(net.crs, allow_override=True)
    gates = None
    if gated:
        pick = rng.choice(2000, 600, replace=False)
        xy = shapely.get_coordinates(homes.geometry.to_numpy()[pick]) + rng.normal(0, 60, (600, 2))
        gates = gpd.GeoDataFrame({"compound_id": homes.index[pick]},
                                 geometry=shapely.points(xy), crs=net.crs,
                                 index=[f"G{i}" for i in range(600)])
    got = reach(net, homes, fac, speed_kmh=4.0, gates=gates).households
    monkeypatch.setattr(travel, "_ball_radius_m", lambda *a, **k: np.inf)
    want = reach(net, homes, fac, speed_kmh=4.0, gates=gates).households
    col = columns.n_within_col("kindergarten")
    assert got[col].sum() > 1000
    np.testing.assert_array_equal(got[col].to_numpy(), want[col].to_numpy())
