"""Partitioned runs on Dask equal the single-process run exactly; merge, manifest, errors."""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

dd = pytest.importorskip("dask.distributed", reason='needs the province extra: pip install "gis_planner[province]"')

from gis_planner._errors import GisPlannerError, GisPlannerWarning, InputDataError  # noqa: E402
from gis_planner.coverage import reach  # noqa: E402
from gis_planner.coverage.summary import coverage_summary  # noqa: E402
from gis_planner.partition import (  # noqa: E402
    household_total,
    partitioned_reach,
    partitioned_summary,
    prepare_store,
    reach_result,
    read_results,
)
from gis_planner.partition.store import read_manifest  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from _citygen import generate_city  # noqa: E402

SPEED = 4.0
TILE_M = 3000.0


@pytest.fixture(scope="module")
def city():
    """A 10 km generated city with gates crossing tile borders and facilities on tile borders."""
    net, hh, fac = generate_city(10_000, 3_000, 3, seed=3, facilities_per_category=(10, 40))
    rng = np.random.default_rng(4)
    x0, y0, x1, _y1 = hh.total_bounds
    hh = hh.assign(subdistrict_code=np.where(hh.geometry.x < (x0 + x1) / 2, "S1", "S2"))
    # two gates for every fifth compound, up to 300 m away (many on the far side of a tile border)
    owners = hh.index[::5].repeat(2)
    pts = shapely.get_coordinates(hh.geometry.loc[owners].to_numpy()) + rng.uniform(-300, 300, (len(owners), 2))
    gates = gpd.GeoDataFrame({"compound_id": owners.to_numpy()}, geometry=shapely.points(pts), crs=hh.crs,
                             index=pd.Index([f"G{i}" for i in range(len(owners))], name="gate_id"))
    cats = list(dict.fromkeys(fac["category"]))
    # facilities on, and a hair either side of, the tile borders x0 + 3 km and y0 + 6 km
    border = []
    for k, c in enumerate(cats):
        for d in (0.0, -0.01, 0.01, 40.0):
            border.append((c, x0 + TILE_M + d, y0 + 1_000 + 700 * k + 90 * d))
            border.append((c, x0 + 2_500 * k + 300 + 7 * d, y0 + 2 * TILE_M + d))
    extra = gpd.GeoDataFrame({"category": [b[0] for b in border]},
                             geometry=shapely.points([b[1:] for b in border]), crs=hh.crs,
                             index=pd.Index([f"B{i}" for i in range(len(border))], name="facility_id"))
    fac = pd.concat([fac, extra])
    single = reach(net, hh, fac, gates=gates, speed_kmh=SPEED, categories=cats)
    return net, hh, fac, gates, cats, single


@pytest.fixture(scope="module")
def client():
    """One cluster of two single-threaded worker processes for the module (processes, not threads:
    workers record reach's warnings, and Python's warning filters are shared by threads)."""
    cluster = dd.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    c = dd.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Without geometry, sorted by index. GeoParquet stores text as Arrow strings, which pandas
    reads back as ``str`` where a reader may have built ``object``: text is compared as ``str``
    (values untouched; every other dtype must match exactly)."""
    out = pd.DataFrame(df.drop(columns="geometry")).sort_index()
    out.index = out.index.astype(pd.StringDtype(na_value=np.nan))
    for col in out.columns:
        values = out[col].dropna()
        if out[col].dtype == object and len(values) and all(isinstance(v, str) for v in values):
            out[col] = out[col].astype(pd.StringDtype(na_value=np.nan))
    return out


def _same(res: gpd.GeoDataFrame, single: gpd.GeoDataFrame) -> None:
    """Identical household tables after sorting by index: every column, exactly."""
    assert len(res) == len(single) and not res.index.has_duplicates
    pd.testing.assert_frame_equal(_plain(res), _plain(single), check_exact=True)
    assert res.sort_index().geometry.geom_equals_exact(single.sort_index().geometry, 0).all()


def test_tiles_on_two_worker_processes_equal_single_process(city, tmp_path):
    net, hh, fac, gates, cats, single = city
    out = tmp_path / "out"
    info = partitioned_reach(net, hh, fac, gates=gates, out_dir=out, speed_kmh=SPEED, categories=cats,
                             tile_m=TILE_M, n_workers=2)
    assert len(info["partitions"]) == 16 and info["households"] == len(hh)
    assert len({p["worker"] for p in info["partitions"]}) == 2  # both worker processes took partitions
    res = read_results(out)
    _same(res, single.households)
    # facilities near borders were duplicated into every halo that holds them
    assert sum(p["facilities"] for p in info["partitions"]) > 2 * len(fac)
    # manifest and GeoParquet outputs are readable on their own
    meta = read_manifest(out)
    assert meta["run"]["categories"] == cats and meta["run"]["compounds"] == len(hh)
    assert sum(p["households"] for p in meta["partitions"]) == len(hh)
    one = gpd.read_parquet(out / meta["partitions"][0]["file"])
    assert one.crs == hh.crs and "completeness" in one.columns
    assert sorted(p.name for p in out.iterdir()) == ["_metadata.json", *sorted(p["file"] for p in meta["partitions"])]


def test_store_paths_on_a_shared_cluster_equal_single_process(city, client, tmp_path):
    net, hh, fac, gates, cats, single = city
    store = prepare_store(tmp_path / "store", edges=net.edges, households=hh, facilities=fac, gates=gates)
    out = tmp_path / "out"
    info = partitioned_reach(store / "network_edges.parquet", store / "households.parquet",
                             store / "facilities.parquet", gates=store / "gates.parquet", out_dir=out,
                             speed_kmh=SPEED, categories=cats, tile_m=2_500.0, client=client)
    assert len(info["partitions"]) == 16
    assert not (tmp_path / "out.store").exists()  # every input was a path: nothing copied
    _same(read_results(out), single.households)
    assert household_total(out) == (len(hh), float(hh["households"].sum()))
    # a second run into the same folder is refused unless overwrite
    with pytest.raises(InputDataError, match="holds a partitioned run"):
        partitioned_reach(store / "network_edges.parquet", store / "households.parquet",
                          store / "facilities.parquet", out_dir=out, speed_kmh=SPEED, tile_m=2_500.0,
                          client=client)


def test_subdistrict_partitions_and_summaries(city, client, tmp_path):
    net, hh, fac, gates, cats, single = city
    x0, y0, x1, y1 = hh.total_bounds
    xm = (x0 + x1) / 2
    subs = gpd.GeoDataFrame({"name": ["西", "东"]},
                            geometry=[shapely.box(x0 - 1, y0 - 1, xm, y1 + 1), shapely.box(xm, y0 - 1, x1 + 1, y1 + 1)],
                            index=pd.Index(["S1", "S2"], name="subdistrict_code"), crs=hh.crs)
    out = tmp_path / "o"
    info = partitioned_reach(net, hh, fac, gates=gates, out_dir=out, speed_kmh=SPEED, categories=cats,
                             partition_by=subs, client=client)
    assert [p["partition"] for p in info["partitions"]] == ["S1", "S2"]
    _same(read_results(out), single.households)
    for by in (None, "subdistrict_code"):
        got = partitioned_summary(out, by=by)
        want = coverage_summary(single, by=by)
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12)
    merged = reach_result(out, facilities=fac, network=net)
    _same(merged.households, single.households)
    assert merged.categories == single.categories and merged.category_limits_m == single.category_limits_m
    assert (merged.facilities["snapped"] == single.facilities.loc[merged.facilities.index, "snapped"]).all()
    per_part = partitioned_summary(out, by="partition")
    parts = per_part[per_part["partition"] != "all"]
    assert set(parts["partition"]) == {"S1", "S2"}
    totals = parts.groupby("category")["households"].sum()
    assert len(totals) == len(cats) and (totals == float(hh["households"].sum())).all()
    s1 = hh.loc[hh["subdistrict_code"] == "S1", "households"].sum()
    assert (parts.loc[parts["partition"] == "S1", "households"] == float(s1)).all()


def test_demo_town_with_gates_partitioned_by_subdistrict(demo_dir, client, tmp_path):
    from gis_planner import io

    net = io.read_network(demo_dir / "roads.geojson")
    homes = io.read_compounds(demo_dir / "compounds.geojson", metric_crs=net.crs)
    gates = io.read_gates(demo_dir / "gates.csv", compounds=homes, source_coords="wgs84")
    fac = io.read_facilities(demo_dir / "facilities.csv", source_coords="gcj02", metric_crs=net.crs)
    subs = io.read_subdistricts(demo_dir / "subdistricts.geojson", metric_crs=net.crs)
    want = reach(net, homes, fac, gates=gates, speed_kmh=SPEED, category_minutes={"kindergarten": 4.5})
    info = partitioned_reach(net, homes, fac, gates=gates, out_dir=tmp_path / "o", speed_kmh=SPEED,
                             partition_by=subs, client=client, category_minutes={"kindergarten": 4.5})
    assert len(info["partitions"]) == len(subs) and info["households"] == len(homes)
    _same(read_results(tmp_path / "o"), want.households)


def test_cli_entry_point_reads_the_partition_polygons_and_summarises(demo_dir, client, tmp_path):
    from gis_planner import io
    from gis_planner.coverage.parameters import resolve_reach_parameters
    from gis_planner.partition import partitioned_reach_cli

    net = io.read_network(demo_dir / "roads.geojson")
    homes = io.read_compounds(demo_dir / "compounds.geojson", metric_crs=net.crs)
    fac = io.read_facilities(demo_dir / "facilities.csv", source_coords="gcj02", metric_crs=net.crs)
    params = {k: v for k, v in resolve_reach_parameters("taizhou-2023").reach_kwargs().items()
              if k not in ("snap_tolerance_m", "search_cap_m")}
    # without the demo's laundries, the profile requires a category with no facility: the lead
    # says so once
    fac = fac[fac["category"] != "laundry"]
    with pytest.warns(GisPlannerWarning, match="have no facility in the facilities"):
        info, summary = partitioned_reach_cli(net, homes, fac, out=tmp_path / "o", params=params,
                                              partition_by=demo_dir / "subdistricts.geojson", client=client,
                                              by="community_code")
    with warnings.catch_warnings():  # the single run's own notes are not under test here
        warnings.simplefilter("ignore", GisPlannerWarning)
        want = coverage_summary(reach(net, homes, fac, **params), by="community_code")
    pd.testing.assert_frame_equal(summary, want, check_exact=False, rtol=1e-12)
    assert info["households"] == len(homes)
    assert read_manifest(tmp_path / "o")["run"]["profile_id"] == "taizhou-2023"


def test_a_malformed_scheduler_address_is_refused_before_any_work(city, tmp_path):
    net, hh, fac, _gates, _cats, _single = city
    with pytest.raises(InputDataError, match=r"expected an address such as tcp://HOST:8786"):
        partitioned_reach(net, hh, fac, out_dir=tmp_path / "x", speed_kmh=SPEED, tile_m=TILE_M,
                          scheduler="localhost 8786")
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_scheduler_fails_fast(city, tmp_path):
    net, hh, fac, _gates, cats, _single = city
    t = time.perf_counter()
    with pytest.raises(GisPlannerError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:1 within 2 s"):
        partitioned_reach(net, hh, fac, out_dir=tmp_path / "x", speed_kmh=SPEED, categories=cats,
                          tile_m=TILE_M, scheduler="tcp://127.0.0.1:1", scheduler_timeout_s=2)
    assert time.perf_counter() - t < 30  # a guard against hanging, not a speed measurement
    assert list(tmp_path.iterdir()) == []


def test_missing_dask_says_how_to_install(monkeypatch, city, tmp_path):
    import builtins

    real = builtins.__import__

    def fake(name, *args, **kwargs):
        if name.startswith("dask"):
            raise ImportError("No module named 'dask'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    net, hh, fac, _gates, _cats, _single = city
    with pytest.raises(ImportError, match=r'pip install "gis_planner\[province\]"'):
        partitioned_reach(net, hh, fac, out_dir=tmp_path / "x", speed_kmh=SPEED, tile_m=TILE_M)
    assert list(tmp_path.iterdir()) == []  # refused before writing anything


def test_remote_compounds_and_partitions_without_facilities(client, tmp_path):
    """A tile whose compounds are far from every road and facility: all unsnapped, as in one run."""
    net, hh, fac = generate_city(2_500, 400, 2, seed=9, facilities_per_category=(5, 10))
    x1, y1 = hh.total_bounds[2:]
    remote = gpd.GeoDataFrame({"households": [10, 20, 30]},
                              geometry=shapely.points([(x1 + 6_000, y1), (x1 + 6_100, y1 + 50), (x1 + 6_050, y1 - 80)]),
                              crs=hh.crs, index=pd.Index(["R0", "R1", "R2"], name="compound_id"))
    hh = pd.concat([hh, remote])
    cats = list(dict.fromkeys(fac["category"]))
    single = reach(net, hh, fac, speed_kmh=SPEED, categories=cats).households
    assert not single.loc[["R0", "R1", "R2"], "snapped"].any()
    info = partitioned_reach(net, hh, fac, out_dir=tmp_path / "o", speed_kmh=SPEED, categories=cats,
                             tile_m=2_000.0, client=client)
    remote_part = next(p for p in info["partitions"] if p["households"] == 3)
    assert remote_part["facilities"] == 0
    assert any("no facility" in w for w in remote_part["warnings"])
    _same(read_results(tmp_path / "o"), single)
