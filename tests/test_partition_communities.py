"""Community checks and proposals run group by group on Dask equal the single-process run exactly."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

dd = pytest.importorskip("dask.distributed", reason='needs the province extra: pip install "gis_planner[province]"')

from gis_planner import io  # noqa: E402
from gis_planner._errors import InputDataError  # noqa: E402
from gis_planner.community import check_communities, ratio_targets  # noqa: E402
from gis_planner.partition.communities import (  # noqa: E402
    community_groups,
    partitioned_check_communities,
)
from gis_planner.policy import load_profile  # noqa: E402


@pytest.fixture(scope="module")
def demo(demo_dir):
    """The demo town as data/demo/plan.toml reads it: facilities GBK + GCJ-02, gates WGS-84."""
    net = io.read_network(demo_dir / "roads.geojson")
    com = io.read_communities(demo_dir / "communities.geojson", metric_crs=net.crs)
    homes = io.read_compounds(demo_dir / "compounds.geojson", metric_crs=net.crs)
    gates = io.read_gates(demo_dir / "gates.csv", compounds=homes, source_coords="wgs84")
    fac = io.read_facilities(demo_dir / "facilities.csv", source_coords="gcj02", metric_crs=net.crs)
    subs = io.read_subdistricts(demo_dir / "subdistricts.geojson", metric_crs=net.crs)
    prof = load_profile("taizhou-2023")
    return {"net": net, "com": com, "homes": homes, "gates": gates, "fac": fac, "subs": subs,
            "bands": prof.community_bands, "targets": ratio_targets(prof)}


@pytest.fixture(scope="module")
def client():
    """Two single-threaded workers as threads of this process (fast to start)."""
    cluster = dd.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
    c = dd.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _frames_equal(got, want) -> None:
    """Same rows, order, columns, dtypes and values (geometries exactly)."""
    if isinstance(want, gpd.GeoDataFrame):
        assert got.crs == want.crs
        assert got.geometry.geom_equals_exact(want.geometry, 0).all()
        got, want = (pd.DataFrame(f.drop(columns=f.geometry.name)) for f in (got, want))
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def _same_check(got, want) -> None:
    _frames_equal(got.table, want.table)
    _frames_equal(got.communities, want.communities)
    a, b = got.adjustment, want.adjustment
    for name in ("proposed", "current", "changes", "assignment"):
        _frames_equal(getattr(a, name), getattr(b, name))
    # the clusters in the order and numbering one process gives them (run times aside)
    _frames_equal(a.clusters.drop(columns="runtime_s"), b.clusters.drop(columns="runtime_s"))
    assert a.distance_kind == b.distance_kind and a.method == b.method


def test_demo_by_subdistrict_with_network_gates_and_centres_equals_one_process(demo, client):
    d = demo
    # without the service-radius rule the demo exercises every kind of proposal (the rule, which
    # withdraws the 梅园/稻河 merge, is exercised by the next test)
    kw = {"bands": d["bands"], "assign": "gate", "gates": d["gates"], "network": d["net"],
          "facilities": d["fac"], "service_radius_m": None, **d["targets"]}
    want = check_communities(d["com"], d["homes"], **kw)
    got = partitioned_check_communities(d["com"], d["homes"], partition_by=d["subs"], client=client, **kw)
    _same_check(got, want)
    # every kind of proposal, and three independent groups
    assert set(want.changes["action"]) >= {"split", "merge", "transfer", "none"}
    assert want.adjustment.distance_kind == "network"
    groups = community_groups(want, d["subs"])
    assert [g.group_id for g in groups] == sorted(d["subs"].index)
    assert sum(len(g.codes) for g in groups) == len(d["com"])


def test_partitions_across_subdistricts_are_joined_and_still_exact(demo, client):
    """Two halves cutting through sub-districts: groups join along shared sub-districts, so the
    proposals never see half a sub-district; straight-line distances, centroid rule."""
    d = demo
    x0, y0, x1, y1 = d["com"].total_bounds
    xm = (x0 + x1) / 2
    halves = gpd.GeoDataFrame(geometry=[shapely.box(x0 - 1, y0 - 1, xm, y1 + 1),
                                        shapely.box(xm, y0 - 1, x1 + 1, y1 + 1)],
                              index=pd.Index(["E", "W"], name="subdistrict_code"), crs=d["com"].crs)
    kw = {"bands": d["bands"], "assign": "centroid", "facilities": d["fac"], "time_limit_s": 20.0}
    want = check_communities(d["com"], d["homes"], **kw)
    groups = community_groups(want, halves)
    subs_of = want.communities["subdistrict_code"]
    group_of_sub = {}
    for g in groups:  # every sub-district lies in exactly one group
        for s in set(subs_of.loc[list(g.codes)]):
            assert group_of_sub.setdefault(s, g.group_id) == g.group_id
    assert sorted(c for g in groups for c in g.codes) == sorted(want.communities.index)
    assert any("+" in g.group_id for g in groups)  # a sub-district spans both halves
    got = partitioned_check_communities(d["com"], d["homes"], partition_by=halves, client=client, **kw)
    _same_check(got, want)
    assert got.adjustment.distance_kind == "straight line"


def test_an_empty_community_overlapping_another_group_joins_it(demo):
    """A community without compounds gives its area to whichever proposed community overlaps it,
    wherever that is: it must be proposed with that community's group."""
    d = demo
    com = d["com"]
    a, b = com.index[0], com.index[-1]  # in different sub-districts
    assert com.at[a, "subdistrict_code"] != com.at[b, "subdistrict_code"]
    extra = gpd.GeoDataFrame({"name": ["空社区"], "subdistrict_code": [com.at[a, "subdistrict_code"]],
                              "urban_rural": ["urban"], "high_rise": [False]},
                             geometry=[com.geometry.loc[b].centroid.buffer(30)],
                             index=pd.Index(["999999999999"], name=com.index.name), crs=com.crs)
    com2 = pd.concat([com, extra])
    check = check_communities(com2, d["homes"], bands=d["bands"], propose=False)
    groups = community_groups(check, d["subs"])
    holding = [g for g in groups if "999999999999" in g.codes]
    assert len(holding) == 1 and a in holding[0].codes and b in holding[0].codes


def test_errors_name_the_problem(demo, client):
    d = demo
    with pytest.raises(InputDataError, match="partition polygons are in"):
        partitioned_check_communities(d["com"], d["homes"], partition_by=d["subs"].to_crs(4326),
                                      bands=d["bands"], client=client)
    com = d["com"].rename(index={d["com"].index[0]: "32120,2001001"})
    homes = d["homes"]
    with pytest.raises(InputDataError, match="contain a comma"):
        partitioned_check_communities(com, homes, partition_by=d["subs"], bands=d["bands"], client=client)
    with pytest.raises(InputDataError, match="always proposes"):
        partitioned_check_communities(d["com"], homes, partition_by=d["subs"], bands=d["bands"], client=client,
                                      propose=False)


def test_a_group_without_roads_in_its_window_equals_one_process(demo, client):
    """Roads only in one sub-district and a short walk cut-off: the rural township's window
    holds no road, so its compounds are unreachable, exactly as with the whole network."""
    from gis_planner.network import WalkNetwork

    d = demo
    edges = d["net"].edges
    edges = edges[edges.intersects(d["subs"].geometry.loc["321202001"])]
    net = WalkNetwork.from_lines(edges[["highway", "name", "geometry"]], keep_largest_component=False)
    kw = {"bands": d["bands"], "network": net, "facilities": d["fac"], "walk_cutoff_m": 1000.0,
          "snap_tolerance_m": 50.0}
    want = check_communities(d["com"], d["homes"], **kw)
    got = partitioned_check_communities(d["com"], d["homes"], partition_by=d["subs"], client=client, **kw)
    _same_check(got, want)
    rural = got.table["subdistrict_code"] == "321202101"
    assert got.table.loc[rural, "max_walk_m"].isna().all()
    assert got.table.loc[~rural, "max_walk_m"].notna().any()
