"""The command line on real files: Huangpu's OSM streets and three Amap POI exports.

A planner's run: several ``--facilities`` files (kindergartens, health, bus stops), the compounds'
own id column under a name the reader does not know (``--id-col 项目编号``), the output in
CGCS2000 (``--out-crs cgcs2000``), and ``--noded`` centre-lines written from the same streets.

No real household counts exist in the shared data: the compounds here are points drawn at random
inside the network's extent with ASSUMED household counts; only the streets and POIs are real.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import CRS

from gis_planner.io import read_network

HUANGPU = ("shanghai-huangpu", "roads_huangpu_drive_osmnx.osm")
POI_FILES = ("kindergarten", "health", "bus_stop")


@pytest.fixture(scope="module")
def huangpu(shared_data):
    return read_network(shared_data.joinpath(*HUANGPU))


@pytest.fixture(scope="module")
def compounds_csv(huangpu, tmp_path_factory):
    """120 compound points inside the network's lon/lat extent, with ASSUMED households."""
    rng = np.random.default_rng(11)
    w, s, e, n = huangpu.lonlat_bounds()
    k = 120
    frame = pd.DataFrame({
        "项目编号": [f"HP-{i:04d}" for i in range(k)],
        "名称": [f"小区{i}" for i in range(k)],
        "户数": rng.integers(200, 1500, size=k),  # assumed: no real counts exist
        "物业类型": rng.choice(["商品房", "售后公房", "老洋房"], size=k),
        "lon": rng.uniform(w + 0.2 * (e - w), e - 0.2 * (e - w), size=k),
        "lat": rng.uniform(s + 0.2 * (n - s), n - 0.2 * (n - s), size=k),
    })
    path = tmp_path_factory.mktemp("hp") / "compounds.csv"
    frame.to_csv(path, index=False)
    return path, frame


@pytest.fixture(scope="module")
def reach_run(shared_data, compounds_csv, tmp_path_factory):
    """One ``gis-planner reach`` process on the real files: (exit code, out path, stdout, stderr)."""
    out = tmp_path_factory.mktemp("reach") / "hp.gpkg"
    poi = shared_data / "shanghai-huangpu"
    args = ["reach", "--network", str(shared_data.joinpath(*HUANGPU)),
            "--households", str(compounds_csv[0]), "--id-col", "项目编号", "--coords", "wgs84",
            *[a for f in POI_FILES for a in ("--facilities", str(poi / f"poi_amap_{f}.csv"))],
            "--facility-coords", "wgs84", "--out-crs", "cgcs2000", "--no-service-areas",
            "--out", str(out)]
    run = subprocess.run([sys.executable, "-m", "gis_planner", *args], capture_output=True, text=True,
                         timeout=600, env={**os.environ, "PYTHONWARNINGS": ""})
    return run.returncode, out, run.stdout, run.stderr


def test_the_users_id_and_columns_stay_and_households_stay_integers(reach_run, compounds_csv):
    rc, out, _, err = reach_run
    assert rc == 0, err
    homes = gpd.read_file(out, layer="households")
    frame = compounds_csv[1]
    assert list(homes["项目编号"]) == list(frame["项目编号"])
    assert list(homes["物业类型"]) == list(frame["物业类型"])
    # the count is read into ``households`` as integers; the user's own column stays as it was
    assert pd.api.types.is_integer_dtype(homes["households"])
    assert list(homes["households"]) == list(frame["户数"])
    assert list(homes["户数"].astype(int)) == list(frame["户数"])
    assert CRS.from_user_input(homes.crs).to_epsg() == 4490


def test_three_amap_files_give_one_audit_without_transport_stops(reach_run, shared_data):
    rc, out, _, err = reach_run
    assert rc == 0, err
    audit = pd.read_csv(out.with_name("hp_facility_audit.csv"), dtype=str, encoding="utf-8-sig")
    sizes = {f: len(pd.read_csv(shared_data / "shanghai-huangpu" / f"poi_amap_{f}.csv")) for f in POI_FILES}
    assert len(audit) == sum(sizes.values())
    assert audit["source_file"].nunique() == 3
    bus = audit[audit["source_file"].str.contains("bus_stop")]
    assert len(bus) == sizes["bus_stop"]
    assert bus["category"].fillna("").eq("").all()  # no bus stop became a facility
    fac = gpd.read_file(out, layer="facilities")
    assert len(fac) > 100
    assert not fac["name"].astype(str).str.contains("公交站|地铁站").any()
    assert {"kindergarten"} <= set(fac["category"])


def test_the_console_is_for_people(reach_run):
    rc, _, text, err = reach_run
    assert rc == 0, err
    assert "幼儿园" in text
    assert re.search(r"\d+\.\d%", text)
    assert not re.search(r"\d,\d{3}\.\d{3}", text)  # households are whole numbers
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert not [ln for ln in lines if ".py:" in ln or "warnings.warn" in ln or "Traceback" in ln]
    warned = [ln for ln in lines if ln.startswith(("警告:", "warning:"))]
    assert len(warned) == len(set(warned))


def test_noded_centre_lines_written_from_osm_give_the_osm_network(huangpu, tmp_path):
    """The OSM streets written as centre-lines that meet at their ends: read ``noded``, they make
    the same network as the OSM file (overpasses stay overpasses); split at every crossing, they
    do not."""
    lines = huangpu.edges[["geometry"]].to_crs(4326)
    path = tmp_path / "centre_lines.geojson"
    lines.to_file(path, driver="GeoJSON")
    noded = read_network(path, noded=True, walk_only=False, metric_crs=huangpu.crs)
    split = read_network(path, walk_only=False, metric_crs=huangpu.crs)
    assert noded.n_nodes == huangpu.n_nodes
    assert noded.n_edges == huangpu.n_edges
    assert noded.total_length_m == pytest.approx(huangpu.total_length_m, rel=1e-6)
    # real Huangpu has bridges and elevated roads crossing streets without a junction
    assert split.n_nodes > noded.n_nodes


def test_stops_only_files_are_refused_together_and_alone_only_warn(shared_data):
    from gis_planner._errors import InputDataError
    from gis_planner.pipeline import read_facility_files

    poi = shared_data / "shanghai-huangpu"
    stops = [poi / "poi_amap_bus_stop.csv", poi / "poi_amap_metro_station.csv"]
    both = re.escape("poi_amap_bus_stop.csv, poi_amap_metro_station.csv: no facility")
    with pytest.raises(InputDataError, match=both):
        read_facility_files(stops, source_coords="wgs84")
    fac, audit = read_facility_files([poi / "poi_amap_kindergarten.csv", *stops], source_coords="wgs84")
    assert set(fac["source_file"]) == {"poi_amap_kindergarten.csv"}
    assert set(audit["source_file"]) == {"poi_amap_kindergarten.csv", *(p.name for p in stops)}
    assert set(audit.loc[audit["source_file"] != "poi_amap_kindergarten.csv", "status"]) == {"transport_stop"}
