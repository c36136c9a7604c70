"""City scale: one Dask task (or one thread) per community gives exactly the single-process result."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from gis_planner.grids import partition_grids
from gis_planner.network import WalkNetwork

dd = pytest.importorskip("dask.distributed")

CRS = 32650
X0, Y0 = 500_000.0, 3_600_000.0


@pytest.fixture(scope="module")
def street_town():
    """Three 400 m communities in a row, each with four compounds of 4 buildings; streets every
    100 m (the one at y = 200 m is a primary road: a barrier)."""
    com = gpd.GeoDataFrame({"name": ["一", "二", "三"]},
                           index=pd.Index(["K1", "K2", "K3"], name="community_code"),
                           geometry=[shapely.box(X0 + 400 * i, Y0, X0 + 400 * (i + 1), Y0 + 400)
                                     for i in range(3)], crs=CRS)
    comp, bld = [], []
    for c in range(3):
        for j in range(4):
            x, y = X0 + 400 * c + 10 + (j % 2) * 200, Y0 + 10 + (j // 2) * 200
            hh = [60, 70, 80, 90][(j + c) % 4]
            comp.append({"compound_id": f"P{c}{j}", "households": 4 * hh,
                         "geometry": shapely.box(x, y, x + 180, y + 180)})
            for b in range(4):
                bx, by = x + 20 + 80 * (b % 2), y + 20 + 80 * (b // 2)
                bld.append({"building_id": f"P{c}{j}-{b}", "compound_id": f"P{c}{j}",
                            "households": hh, "留守儿童": b,
                            "geometry": shapely.box(bx, by, bx + 60, by + 60)})
    lines, kinds = [], []
    for k in range(5):  # one edge per 100 m block side, noded at every crossing
        for m in range(12):
            lines.append(shapely.LineString([(X0 + 100 * m, Y0 + 100 * k),
                                             (X0 + 100 * (m + 1), Y0 + 100 * k)]))
            kinds.append("primary" if k == 2 else "residential")
    for k in range(13):
        for m in range(4):
            lines.append(shapely.LineString([(X0 + 100 * k, Y0 + 100 * m),
                                             (X0 + 100 * k, Y0 + 100 * (m + 1))]))
            kinds.append("residential")
    net = WalkNetwork.from_lines(gpd.GeoDataFrame({"highway": kinds}, geometry=lines, crs=CRS))
    homes = gpd.GeoDataFrame(comp, crs=CRS).set_index("compound_id")
    buildings = gpd.GeoDataFrame(bld, crs=CRS).set_index("building_id")
    single = partition_grids(com, homes, buildings, network=net)
    return com, homes, buildings, net, single


def _same(a, b):
    assert_geodataframe_equal(a.grids, b.grids)
    assert_geodataframe_equal(a.micro_grids, b.micro_grids)
    assert_geodataframe_equal(a.units, b.units)
    cols = [c for c in a.solver.columns if c != "runtime_s"]
    pd.testing.assert_frame_equal(a.solver[cols], b.solver[cols])


def test_single_process_result_is_sound(street_town):
    _com, homes, _b, _net, single = street_town
    assert single.distance_kind == "network"
    assert int(single.grids["households"].sum()) == int(homes["households"].sum())
    # every solve proven (none stopped by the clock), so the result is deterministic
    assert (single.solver["method"] == "exact").all()
    assert (single.solver["status"] != "feasible").all()
    assert int(single.grids["left_behind_children"].sum()) == 3 * 2 * 4 * 3


def test_synchronous_scheduler_equals_single_process(street_town):
    from gis_planner.grids.parallel import partitioned_grids

    com, homes, buildings, net, single = street_town
    _same(partitioned_grids(com, homes, buildings, network=net, scheduler="synchronous"), single)


def test_local_cluster_equals_single_process(street_town):
    from gis_planner.grids.parallel import partitioned_grids

    com, homes, buildings, net, single = street_town
    cluster = dd.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                              dashboard_address=None)
    try:
        with dd.Client(cluster) as client:
            got = partitioned_grids(com, homes, buildings, network=net, client=client)
    finally:
        cluster.close()
    _same(got, single)


def test_threads_equal_one_thread(street_town, monkeypatch):
    """``partition_grids`` solves communities in threads; one thread gives the same result."""
    from gis_planner import _threads

    com, homes, buildings, net, single = street_town
    assert _threads.THREADS >= 1
    monkeypatch.setattr(_threads, "THREADS", 1)
    _same(partition_grids(com, homes, buildings, network=net), single)
    monkeypatch.setattr(_threads, "THREADS", 3)  # more threads than cores changes nothing
    _same(partition_grids(com, homes, buildings, network=net), single)
