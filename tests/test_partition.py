"""Partitioned runs on Dask equal the single-process run exactly; halos; errors."""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

pytest.importorskip("dask.distributed", reason='needs the province extra: pip install "gis_planner[province]"')

from gis_planner.coverage import reach  # noqa: E402
from gis_planner.partition import partitioned_reach, partitioned_summary, plan_partitions, read_results  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from _citygen import generate_city  # noqa: E402


@pytest.fixture(scope="module")
def city():
    net, hh, fac = generate_city(10_000, 3_000, 3, seed=3, facilities_per_category=(10, 40))
    cats = list(dict.fromkeys(fac["category"]))
    single = reach(net, hh, fac, speed_kmh=4.0, categories=cats)
    return net, hh, fac, cats, single


def _text_as_object(df: pd.DataFrame) -> pd.DataFrame:
    """GeoParquet round trips give Arrow-backed strings; compare text as plain objects."""
    out = pd.DataFrame(df.drop(columns="geometry"))
    out.index = out.index.astype(object)
    for col in out.columns:
        if pd.api.types.is_string_dtype(out[col]) or out[col].dtype == object:
            out[col] = out[col].astype(object)
    return out


def _same(res: gpd.GeoDataFrame, single: gpd.GeoDataFrame) -> None:
    res, single = res.sort_index(), single.sort_index()
    pd.testing.assert_frame_equal(_text_as_object(res), _text_as_object(single), check_exact=True)
    assert res.geometry.geom_equals(single.geometry).all()


def test_tiles_on_two_worker_processes_equal_single_process(city, tmp_path):
    net, hh, fac, cats, single = city
    out = tmp_path / "out"
    info = partitioned_reach(net, hh, fac, out_dir=out, speed_kmh=4.0, categories=cats,
                             tile_m=3000, n_workers=2)
    assert len(info["partitions"]) == 16 and info["households"] == len(hh)
    assert len({p["worker_pid"] for p in info["partitions"] if p["households"]}) == 2
    _same(read_results(out), single.households)
    summary = partitioned_summary(out, categories=cats)
    assert (summary["households"] == hh["households"].sum()).all()
    assert sorted(p.name for p in out.iterdir())[0] == "_metadata.json"


def test_polygon_partitions_with_facilities_on_borders(city, tmp_path):
    net, hh, fac, cats, single = city
    x0, y0, x1, y1 = hh.total_bounds
    xm = (x0 + x1) / 2
    districts = gpd.GeoDataFrame(geometry=[shapely.box(x0 - 1, y0 - 1, xm, y1 + 1),
                                           shapely.box(xm, y0 - 1, x1 + 1, y1 + 1)],
                                 index=["west", "east"], crs=hh.crs)
    # a facility of every category exactly on the border
    border = gpd.GeoDataFrame({"category": cats}, index=[f"B{i}" for i in range(len(cats))],
                              geometry=[shapely.Point(xm, (y0 + y1) / 2 + 37 * i) for i in range(len(cats))],
                              crs=hh.crs)
    fac2 = pd.concat([fac, border])
    want = reach(net, hh, fac2, speed_kmh=4.0, categories=cats).households
    info = partitioned_reach(net, hh, fac2, out_dir=tmp_path / "o", speed_kmh=4.0, categories=cats,
                             partition_by=districts, n_workers=1)
    assert [p["partition"] for p in info["partitions"]] == ["east", "west"]
    _same(read_results(tmp_path / "o"), want)


def test_every_household_assigned_once(city):
    _net, hh, _fac, _cats, single = city
    parts, assign = plan_partitions(hh, search_cap_m=single.search_cap_m, snap_tolerance_m=250, tile_m=2500)
    assert assign.index.equals(hh.index) and assign.notna().all()
    assert {p.partition_id for p in parts} == set(assign)
    for p in parts:
        assert p.edge_region.contains(p.core)


def test_bad_scheduler_fails_fast(city, tmp_path):
    import time

    from gis_planner._errors import GisPlannerError

    net, hh, fac, cats, _single = city
    t = time.perf_counter()
    with pytest.raises(GisPlannerError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:1"):
        partitioned_reach(net, hh, fac, out_dir=tmp_path / "x", speed_kmh=4.0, categories=cats,
                          tile_m=3000, scheduler="tcp://127.0.0.1:1")
    assert time.perf_counter() - t < 30
    assert not (tmp_path / "x").exists()


def test_missing_dask_says_how_to_install(monkeypatch):
    import builtins

    from gis_planner.partition import run

    real = builtins.__import__

    def fake(name, *args, **kwargs):
        if name.startswith("dask"):
            raise ImportError("no dask")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(ImportError, match=r'pip install "gis_planner\[province\]"'):
        run._require_dask()


def test_demo_town_with_gates_partitioned_by_subdistrict(demo_dir, tmp_path):
    from gis_planner import io

    net = io.read_network(demo_dir / "roads.geojson")
    homes = io.read_compounds(demo_dir / "compounds.geojson", metric_crs=net.crs)
    gates = io.read_gates(demo_dir / "gates.csv", compounds=homes, source_coords="wgs84")
    fac = io.read_facilities(demo_dir / "facilities.csv", source_coords="gcj02", metric_crs=net.crs)
    subs = io.read_subdistricts(demo_dir / "subdistricts.geojson", metric_crs=net.crs)
    cats = list(dict.fromkeys(fac["category"]))
    want = reach(net, homes, fac, gates=gates, speed_kmh=4.0, categories=cats,
                 category_minutes={"kindergarten": 4.5}).households
    partitioned_reach(net, homes, fac, gates=gates, out_dir=tmp_path / "o", speed_kmh=4.0,
                      categories=cats, partition_by=subs, n_workers=1,
                      category_minutes={"kindergarten": 4.5})
    _same(read_results(tmp_path / "o"), want)
