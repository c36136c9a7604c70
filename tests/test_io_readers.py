"""Readers of compounds, gates, facilities, boundaries and rasters; encodings; coordinates; bad input."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis_planner._errors import CRSError, GisPlannerWarning, InputDataError
from gis_planner.io import (
    check_alignment,
    households_from_buildings,
    households_from_raster,
    read_communities,
    read_compounds,
    read_facilities,
    read_gates,
    read_network,
    read_subdistricts,
)
from gis_planner.io.coords import (
    bd09_to_wgs84,
    gcj02_to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from gis_planner.io.tables import read_table

CSV = "id,name,households,lng,lat\nC1,阳光小区,1200,121.47,31.23\nC2,和平花园,800,121.48,31.235\n"


def _write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


# ------------------------------------------------------------------ encodings and tables
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_read_identically(tmp_path, encoding):
    p = _write(tmp_path, f"homes_{encoding}.csv", CSV, encoding)
    gdf = read_compounds(p, source_coords="wgs84", metric_crs=32651)
    assert list(gdf.index) == ["C1", "C2"]
    assert list(gdf["name"]) == ["阳光小区", "和平花园"]
    assert gdf["households"].tolist() == [1200, 800]
    assert gdf.crs.to_epsg() == 32651


def test_utf16_is_refused(tmp_path):
    p = _write(tmp_path, "homes.csv", CSV, "utf-16")
    with pytest.raises(InputDataError, match=r"homes\.csv: UTF-16"):
        read_table(p)


def test_codes_keep_leading_zeros(tmp_path):
    p = _write(tmp_path, "c.csv", "community_code,x\n010203004005,1\n")
    assert read_table(p)["community_code"].iloc[0] == "010203004005"


# ------------------------------------------------------------------ coordinates
def test_gcj02_and_bd09_round_trip_under_1mm():
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(73, 135, 10_000), rng.uniform(18, 53, 10_000)
    for fwd, back in ((wgs84_to_gcj02, gcj02_to_wgs84), (wgs84_to_bd09, bd09_to_wgs84)):
        blon, blat = back(*fwd(lon, lat))
        assert np.abs(blon - lon).max() < 1e-8 and np.abs(blat - lat).max() < 1e-8


def test_gcj02_offset_size_in_shanghai_and_outside_china():
    glon, glat = wgs84_to_gcj02(121.4737, 31.2304)  # People's Square
    moved = gpd.GeoSeries(shapely.points([121.4737, float(glon)], [31.2304, float(glat)]), crs=4326).to_crs(32651)
    offset_m = moved.iloc[0].distance(moved.iloc[1])
    assert 300 < offset_m < 700
    assert wgs84_to_gcj02(24.94, 60.17) == (24.94, 60.17)  # Helsinki: no offset outside China


def test_reference_vectors_of_the_public_formulas():
    """Reference outputs published with the widely used coordTransform implementations for the
    point (116.404, 39.915). Their inverses are one-step approximations (a few cm off); ours are
    iterated to exactness, so those two are compared at 1e-6 degrees (about 10 cm)."""
    from gis_planner.io.coords import bd09_to_gcj02, gcj02_to_bd09

    assert tuple(map(float, wgs84_to_gcj02(116.404, 39.915))) == pytest.approx(
        (116.41024449916938, 39.91640428150164), abs=1e-12)
    assert tuple(map(float, gcj02_to_bd09(116.404, 39.915))) == pytest.approx(
        (116.41036949371029, 39.92133699351021), abs=1e-12)
    assert tuple(map(float, gcj02_to_wgs84(116.404, 39.915))) == pytest.approx(
        (116.39775550083061, 39.91359571849836), abs=1e-6)
    assert tuple(map(float, bd09_to_gcj02(116.404, 39.915))) == pytest.approx(
        (116.39762729119315, 39.90865673957631), abs=1e-6)


def test_gcj02_csv_is_converted_before_projection(tmp_path):
    glon, glat = wgs84_to_gcj02(121.47, 31.23)
    p = _write(tmp_path, "g.csv", f"id,households,lng,lat\nA,10,{float(glon)},{float(glat)}\n")
    gdf = read_compounds(p, source_coords="gcj02", metric_crs=32651)
    truth = gpd.GeoSeries([shapely.Point(121.47, 31.23)], crs=4326).to_crs(32651).iloc[0]
    assert gdf.geometry.iloc[0].distance(truth) < 0.01


def test_undeclared_coordinates_refused(tmp_path):
    p = _write(tmp_path, "homes.csv", CSV)
    with pytest.raises(CRSError, match=r"homes\.csv: longitude/latitude columns \('lng', 'lat'\).*--coords gcj02"):
        read_compounds(p)


def test_swapped_lat_lon_named(tmp_path):
    p = _write(tmp_path, "homes.csv", "id,households,lng,lat\nA,10,31.23,121.47\n")
    with pytest.raises(CRSError, match=r"homes\.csv: 1 coordinates outside.*swap the longitude and latitude"):
        read_compounds(p, source_coords="wgs84")


def test_projected_epsg_csv_uses_xy(tmp_path):
    p = _write(tmp_path, "xy.csv", "id,households,x,y\nA,10,40500000.0,3456000.0\n")
    gdf = read_compounds(p, source_coords="EPSG:4528", metric_crs=4528)
    assert gdf.geometry.iloc[0].x == pytest.approx(40500000.0)


# ------------------------------------------------------------------ compounds and gates: bad input
@pytest.mark.parametrize(
    ("body", "pattern"),
    [
        ("id,households,lng,lat\nA,x,121.4,31.2\n", r"homes\.csv: column 'households' has 1 non-numeric values \(index A\)"),
        ("id,households,lng,lat\nA,-5,121.4,31.2\n", r"'households' has 1 negative or infinite values \(index A\)"),
        ("id,households,lng,lat\nA,,121.4,31.2\n", r"'households' has 1 empty values \(index A\)"),
        ("id,households,lng,lat\nA,12.5,121.4,31.2\n", r"1 non-integer household counts"),
        ("id,households,lng,lat\nA,250000,121.4,31.2\n", r"above 20000 households per compound"),
        ("id,households,lng,lat\nA,5,121.4,31.2\nA,6,121.5,31.2\n", r"duplicate ids \(A\)"),
        ("id,hh_total,lng,lat\nA,5,121.4,31.2\n", r"no households column; expected one of 'households'"),
        ("id,households,lon\nA,5,121.4\n", r"no latitude column"),
        ("id,households,lng,lat\n", r"header but no rows"),
        ("id,households,lng,lat\nA,5,abc,31.2\n", r"column 'lng' has 1 empty or non-numeric values"),
    ],
)
def test_compound_csv_errors(tmp_path, body, pattern):
    p = _write(tmp_path, "homes.csv", body)
    with pytest.raises(InputDataError, match=pattern):
        read_compounds(p, source_coords="wgs84")


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(InputDataError, match=r"nope\.csv: file not found"):
        read_compounds(tmp_path / "nope.csv", source_coords="wgs84")
    with pytest.raises(InputDataError, match=r"empty\.csv: the file is empty"):
        read_compounds(_write(tmp_path, "empty.csv", ""), source_coords="wgs84")
    with pytest.raises(InputDataError, match=r"homes\.dbf: unsupported format"):
        read_compounds(_write(tmp_path, "homes.dbf", "x"))


def test_vector_errors(tmp_path):
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    p = tmp_path / "bad.geojson"
    gpd.GeoDataFrame({"households": [5]}, geometry=[shapely.affinity.translate(bowtie, 121, 31)],
                     crs=4326).to_file(p)
    with pytest.raises(InputDataError, match=r"bad\.geojson: 1 invalid geometries.*Self-intersection"):
        read_compounds(p)
    mixed = tmp_path / "mixed.geojson"
    gpd.GeoDataFrame({"households": [5, 6]}, geometry=[shapely.Point(121, 31),
                     shapely.LineString([(121, 31), (121.1, 31)])], crs=4326).to_file(mixed)
    with pytest.raises(InputDataError, match=r"mixed\.geojson: 1 geometries of type LineString"):
        read_compounds(mixed)


def test_gates_link_to_known_compounds(tmp_path):
    homes = read_compounds(_write(tmp_path, "homes.csv", CSV), source_coords="wgs84", metric_crs=32651)
    ok = _write(tmp_path, "gates.csv", "gate_id,compound_id,lng,lat\nG1,C1,121.4701,31.2301\n")
    gates = read_gates(ok, compounds=homes, source_coords="wgs84")
    assert gates.loc["G1", "compound_id"] == "C1"
    assert gates.crs == homes.crs
    bad = _write(tmp_path, "gates2.csv", "gate_id,compound_id,lng,lat\nG1,C9,121.47,31.23\n")
    with pytest.raises(InputDataError, match=r"gates2\.csv: 1 gates name compounds that are not in the compound layer \(C9\)"):
        read_gates(bad, compounds=homes, source_coords="wgs84")


# ------------------------------------------------------------------ facilities
def test_amap_types_are_mapped_and_unmapped_reported(tmp_path):
    body = ("name,type,lng,lat\n阳光幼儿园,科教文化服务;学校;幼儿园,121.47,31.23\n"
            "某宠物医院,医疗保健服务;动物医疗场所;动物医院,121.47,31.23\n"
            "老年人日间照料中心,生活服务;,121.47,31.23\n某某公司,公司企业;公司;公司,121.47,31.23\n")
    fac = read_facilities(_write(tmp_path, "poi.csv", body, "gbk"), source_coords="gcj02", metric_crs=32651)
    assert fac["category"].tolist() == ["kindergarten", "elderly_day_care"]
    assert fac.attrs["unmapped"] == 2


def test_unknown_category_id(tmp_path):
    p = _write(tmp_path, "poi.csv", "name,category,lng,lat\nA,spaceport,121.47,31.23\n")
    with pytest.raises(InputDataError, match=r"unknown categories 'spaceport'; known: subdistrict_elderly_centre"):
        read_facilities(p, source_coords="wgs84")


def test_osm_tags_are_mapped(tmp_path):
    p = tmp_path / "osm.geojson"
    gpd.GeoDataFrame({"amenity": ["pharmacy", None], "shop": [None, "convenience"]},
                     geometry=[shapely.Point(24.94, 60.17)] * 2, crs=4326).to_file(p)
    fac = read_facilities(p)
    assert fac["category"].tolist() == ["pharmacy", "convenience_store"]


def test_amap_pois_of_shanghai(shared_data):
    folder = shared_data / "shanghai-huangpu"
    bbox = (121.4093, 31.1788, 121.5520, 31.2785)  # central Shanghai road network (PROVENANCE)
    expected = {"kindergarten": (2284, 435), "primary_school": (931, 211), "middle_school": (983, 220)}
    for cat, (total, inside) in expected.items():
        fac = read_facilities(folder / f"poi_amap_{cat}.csv", source_coords="wgs84", metric_crs=32651)
        assert len(fac) == total and set(fac["category"]) == {cat}
        ll = fac.to_crs(4326).geometry
        # PROVENANCE counts 219 middle schools by a slightly different bbox test; 220 by ours
        assert int(ll.x.between(bbox[0], bbox[2]).mul(ll.y.between(bbox[1], bbox[3])).sum()) == inside
    health = read_facilities(folder / "poi_amap_health.csv", source_coords="wgs84", metric_crs=32651)
    assert not health["source_type"].str.contains("动物医疗").any()  # 381 veterinary rows excluded
    assert health.attrs["unmapped"] == 4391  # hospitals and specialist clinics are not community services
    assert health["category"].value_counts()["health_station"] == 2036


# ------------------------------------------------------------------ alignment
def test_gcj02_shift_is_detected(shared_data):
    folder = shared_data / "shanghai-huangpu"
    net = read_network(folder / "roads_huangpu_drive_osmnx.osm")
    fac = read_facilities(folder / "poi_amap_health.csv", source_coords="wgs84", metric_crs=net.crs)
    lo, la, hi, ha = net.lonlat_bounds()
    ll = fac.to_crs(4326).geometry
    inside = fac[ll.x.between(lo, hi) & ll.y.between(la, ha)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", GisPlannerWarning)
        report = check_alignment(inside, net, what="health POIs")
    assert report["suspected"] == ""
    glon, glat = wgs84_to_gcj02(*np.array([inside.to_crs(4326).geometry.x, inside.to_crs(4326).geometry.y]))
    shifted = gpd.GeoDataFrame(geometry=shapely.points(glon, glat), crs=4326).to_crs(net.crs)
    with pytest.warns(GisPlannerWarning, match=r"look like GCJ02.*source_coords='gcj02'"):
        report = check_alignment(shifted, net, what="health POIs")
    assert report["median_m"] > 1.5 * report["median_if_gcj02_m"]


# ------------------------------------------------------------------ boundaries, buildings, raster
def test_communities_and_subdistricts(tmp_path):
    sq = shapely.box(121.0, 31.0, 121.01, 31.01)
    c = tmp_path / "communities.geojson"
    gpd.GeoDataFrame({"community_code": ["320101001001", "320101001201"], "name": ["阳光社区", "李庄村"],
                      "城乡": ["城镇", None]}, geometry=[sq, shapely.affinity.translate(sq, 0.01)], crs=4326).to_file(c)
    com = read_communities(c)
    assert com.index.tolist() == ["320101001001", "320101001201"]
    assert com["urban_rural"].tolist() == ["urban", None]
    s = tmp_path / "sub.geojson"
    gpd.GeoDataFrame({"code": ["320101001", "320101100"], "name": ["示范街道", "李家镇"]},
                     geometry=[sq, shapely.affinity.translate(sq, 0.01)], crs=4326).to_file(s)
    sub = read_subdistricts(s)
    assert sub["kind"].tolist() == ["subdistrict", "township"]
    pts = tmp_path / "pts.geojson"
    gpd.GeoDataFrame({"name": ["x"]}, geometry=[shapely.Point(121, 31)], crs=4326).to_file(pts)
    with pytest.raises(InputDataError, match=r"pts\.geojson: 1 geometries of type Point.*expected Polygon"):
        read_communities(pts)


def test_households_from_buildings():
    b = gpd.GeoDataFrame({"floors": [6, 18]}, geometry=[shapely.box(0, 0, 20, 50), shapely.box(100, 0, 130, 30)],
                         index=["B1", "B2"], crs=32651)
    out = households_from_buildings(b, m2_per_household=100.0)
    assert out["households"].tolist() == [60, 162]  # 1000 m² x 6 / 100; 900 m² x 18 / 100
    assert out["high_rise"].tolist() == [False, True]
    with pytest.raises(InputDataError, match=r"'floors' has 1 values < 1 \(index B1\)"):
        households_from_buildings(b.assign(floors=[0, 3]))


def test_households_from_population_raster(shared_data, tmp_path):
    import rasterio
    from rasterio.features import rasterize
    from rasterio.transform import from_origin

    grid = gpd.read_file(shared_data / "helsinki" / "helsinki_population_grid_2020.gpkg").to_crs(3067)
    assert len(grid) == 92 and grid["population"].sum() == 71724
    minx, miny, maxx, maxy = grid.total_bounds
    transform = from_origin(minx, maxy, 250, 250)
    shape = (int(np.ceil((maxy - miny) / 250)), int(np.ceil((maxx - minx) / 250)))
    # one raster cell per grid polygon: burn each cell's population at its centroid
    arr = rasterize(zip(grid.geometry.centroid, grid["population"], strict=True), out_shape=shape,
                    transform=transform, fill=0, dtype="float64", merge_alg=rasterio.enums.MergeAlg.add)
    tif = tmp_path / "pop.tif"
    with rasterio.open(tif, "w", driver="GTiff", height=shape[0], width=shape[1], count=1,
                       dtype="float64", crs="EPSG:3067", transform=transform) as dst:
        dst.write(arr, 1)
    pts = households_from_raster(tif)
    assert pts.crs.to_epsg() == 32635
    assert pts["population"].sum() == pytest.approx(71724)
    assert pts["households"].sum() == pytest.approx(71724 / 2.62)
    half = gpd.GeoDataFrame(geometry=[shapely.box(minx, miny, (minx + maxx) / 2, maxy)], crs=3067)
    masked = households_from_raster(tif, mask=half)
    assert 0 < masked["population"].sum() < 71724
