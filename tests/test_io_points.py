"""io.points: coordinate columns, declared coordinate systems, vector files, bad input."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis_planner._errors import CRSError, GisPlannerWarning, InputDataError
from gis_planner.io import read_points
from gis_planner.io.coords import wgs84_to_bd09, wgs84_to_gcj02

TRUE = (121.4737, 31.2304)  # People's Square, WGS-84


def _csv(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def _truth(crs=32651):
    return gpd.GeoSeries([shapely.Point(*TRUE)], crs=4326).to_crs(crs).iloc[0]


@pytest.mark.parametrize(("lon_col", "lat_col"), [("lng", "lat"), ("LON", "LAT"), ("Longitude", "Latitude"),
                                                  ("经度", "纬度"), ("long", "latitude")])
def test_lonlat_columns_found_by_name(tmp_path, lon_col, lat_col):
    p = _csv(tmp_path, "pts.csv", f"id,{lon_col},{lat_col}\nA,{TRUE[0]},{TRUE[1]}\n")
    gdf = read_points(p, source_coords="wgs84", metric_crs=32651)
    assert gdf.index.tolist() == ["A"] and gdf.index.name == "id"
    assert gdf.geometry.iloc[0].distance(_truth()) < 1e-6
    assert lon_col not in gdf.columns  # coordinates live in the geometry only


@pytest.mark.parametrize(("system", "forward"), [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_chinese_systems_are_converted_exactly(tmp_path, system, forward):
    lon, lat = (float(v) for v in forward(*TRUE))
    p = _csv(tmp_path, "pts.csv", f"name,lng,lat\n某点,{lon!r},{lat!r}\n")
    gdf = read_points(p, source_coords=system, metric_crs=32651)
    assert gdf.geometry.iloc[0].distance(_truth()) < 0.001  # < 1 mm
    raw = read_points(p, source_coords="wgs84", metric_crs=32651)
    assert 300 < raw.geometry.iloc[0].distance(_truth()) < 1500  # what not converting would cost
    assert gdf.attrs["source_coords"] == system


def test_metric_crs_choices(tmp_path):
    p = _csv(tmp_path, "pts.csv", f"lng,lat\n{TRUE[0]},{TRUE[1]}\n121.48,31.24\n")
    assert read_points(p, source_coords="wgs84").crs.to_epsg() == 32651  # UTM chosen
    assert read_points(p, source_coords="wgs84", metric_crs="cgcs2000_3deg").crs.to_epsg() == 4549
    assert read_points(p, source_coords="cgcs2000", metric_crs="EPSG:4549").crs.to_epsg() == 4549
    assert read_points(p, source_coords="wgs84").index.tolist() == ["1", "2"]  # data row numbers
    with pytest.raises(CRSError, match=r"metric_crs EPSG:4326 is not projected"):
        read_points(p, source_coords="wgs84", metric_crs=4326)


def test_projected_csv_uses_xy_columns(tmp_path):
    x, y = _truth(4549).x, _truth(4549).y
    p = _csv(tmp_path, "xy.csv", f"id,x,y\nA,{x},{y}\n")
    gdf = read_points(p, source_coords="EPSG:4549", metric_crs=32651)
    assert gdf.geometry.iloc[0].distance(_truth()) < 0.01
    # x/y declared as degrees: read as lon/lat; metres declared as degrees: refused
    deg = _csv(tmp_path, "deg.csv", f"id,x,y\nA,{TRUE[0]},{TRUE[1]}\n")
    assert read_points(deg, source_coords="wgs84", metric_crs=32651).geometry.iloc[0].distance(_truth()) < 1e-6
    with pytest.raises(CRSError, match=r"xy\.csv: columns 'x'/'y' hold projected metres.*EPSG:<code>"):
        read_points(p, source_coords="wgs84")


def test_undeclared_system_on_lonlat_csv(tmp_path):
    p = _csv(tmp_path, "pois.csv", f"name,lng,lat\nA,{TRUE[0]},{TRUE[1]}\n")
    with pytest.raises(CRSError, match=r"pois\.csv: longitude/latitude columns \('lng', 'lat'\) but no "
                                       r"declared coordinate system.*source_coords='gcj02'.*--coords gcj02"):
        read_points(p)
    with pytest.raises(CRSError, match=r"unknown coordinate system 'mars'.*gcj02"):
        read_points(p, source_coords="mars")


def test_swapped_lat_lon(tmp_path):
    # eastern China: latitude column > 90
    p = _csv(tmp_path, "homes.csv", f"id,lng,lat\nA,{TRUE[1]},{TRUE[0]}\n")
    with pytest.raises(CRSError, match=r"homes\.csv: 1 coordinates outside longitude.*\(index A\).*swap"):
        read_points(p, source_coords="wgs84")
    # western China (Kashgar 75.99E 39.47N): a swapped pair stays within ±90 but leaves China
    rows = "id,lng,lat\nK1,75.99,39.47\nK2,76.01,39.48\nK3,39.46,75.98\n"
    with pytest.raises(CRSError, match=r"1 coordinates lie in China only when longitude and latitude "
                                       r"are swapped \(index K3\)"):
        read_points(_csv(tmp_path, "kashgar.csv", rows), source_coords="wgs84")
    # a whole GCJ-02 file swapped
    with pytest.raises(CRSError, match=r"declared gcj02.*only when longitude and latitude are swapped"):
        read_points(_csv(tmp_path, "g.csv", "id,lng,lat\nA,39.47,75.99\nB,39.48,76.0\n"), source_coords="gcj02")


def test_gcj02_outside_china_warns(tmp_path):
    p = _csv(tmp_path, "hel.csv", "id,lng,lat\nA,24.94,60.17\n")
    with pytest.warns(GisPlannerWarning, match=r"1 points declared gcj02 lie outside China"):
        gdf = read_points(p, source_coords="gcj02")
    assert gdf.crs.to_epsg() == 32635


@pytest.mark.parametrize(
    ("name", "body", "exc", "pattern"),
    [
        ("nolat.csv", "id,lng\nA,121.4\n", InputDataError, r"nolat\.csv: no latitude column; expected one of 'lat'"),
        ("nocoords.csv", "id,name\nA,x\n", InputDataError, r"nocoords\.csv: no longitude column"),
        ("text.csv", "id,lng,lat\nA,121.4,abc\nB,121.4,31.2\n", InputDataError,
         r"text\.csv: column 'lat' has 1 empty or non-numeric values \(index A\)"),
        ("range.csv", "id,lng,lat\nA,200,31\nB,121,31\n", CRSError, r"range\.csv: 1 coordinates outside.*\(index A\)"),
        ("dup.csv", "id,lng,lat\nA,121.4,31.2\nA,121.5,31.2\nB,121.5,31.3\nB,121.5,31.3\n", InputDataError,
         r"dup\.csv: column 'id' has duplicate ids \(A, B\)"),
        ("noid.csv", "id,lng,lat\n,121.4,31.2\n", InputDataError,
         r"noid\.csv: column 'id' has 1 empty ids \(data rows 1\)"),
        ("header.csv", "id,lng,lat\n", InputDataError, r"header\.csv: the table has a header but no rows"),
    ],
)
def test_csv_errors(tmp_path, name, body, exc, pattern):
    with pytest.raises(exc, match=pattern):
        read_points(_csv(tmp_path, name, body), source_coords="wgs84")


def test_file_errors(tmp_path):
    with pytest.raises(InputDataError, match=r"nope\.csv: file not found"):
        read_points(tmp_path / "nope.csv", source_coords="wgs84")
    with pytest.raises(InputDataError, match=r"empty\.csv: the file is empty"):
        read_points(_csv(tmp_path, "empty.csv", ""), source_coords="wgs84")
    with pytest.raises(InputDataError, match=r"pts\.csv: UTF-16"):
        read_points(_csv(tmp_path, "pts.csv", "id,lng,lat\nA,121.4,31.2\n", "utf-16"), source_coords="wgs84")
    with pytest.raises(InputDataError, match=r"pts\.xlsx: unsupported format '\.xlsx'"):
        read_points(_csv(tmp_path, "pts.xlsx", "x"), source_coords="wgs84")
    with pytest.raises(InputDataError, match=r"broken\.geojson: cannot read as a vector file"):
        read_points(_csv(tmp_path, "broken.geojson", "{not json"))


def test_vector_file_crs_handling(tmp_path):
    glon, glat = (float(v) for v in wgs84_to_gcj02(*TRUE))
    p = tmp_path / "amap.geojson"  # Amap export: GCJ-02 numbers labelled EPSG:4326
    gpd.GeoDataFrame({"id": ["A"]}, geometry=[shapely.Point(glon, glat)], crs=4326).to_file(p)
    assert read_points(p, metric_crs=32651).geometry.iloc[0].distance(_truth()) > 300
    assert read_points(p, source_coords="gcj02", metric_crs=32651).geometry.iloc[0].distance(_truth()) < 0.001
    # a projected file is reprojected from its own CRS
    q = tmp_path / "gk.gpkg"
    gpd.GeoDataFrame({"id": ["A"]}, geometry=[_truth(4549)], crs=4549).to_file(q)
    assert read_points(q, metric_crs=32651).geometry.iloc[0].distance(_truth()) < 0.01
    with pytest.raises(CRSError, match=r"gk\.gpkg: declared gcj02 but the file's CRS EPSG:4549 is projected"):
        read_points(q, source_coords="gcj02")
    with pytest.raises(CRSError, match=r"gk\.gpkg: the file says EPSG:4549 but EPSG:32651 was declared"):
        read_points(q, source_coords="EPSG:32651")


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_vector_without_crs(tmp_path):
    p = tmp_path / "nocrs.geojson"
    p.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"A"},'
                 f'"geometry":{{"type":"Point","coordinates":[{TRUE[0]},{TRUE[1]}]}}}}]}}', encoding="utf-8")
    shp = tmp_path / "nocrs.shp"
    gpd.GeoDataFrame({"id": ["A"]}, geometry=[shapely.Point(*TRUE)]).to_file(shp)
    with pytest.raises(CRSError, match=r"nocrs\.shp: the file has no CRS.*source_coords='wgs84'"):
        read_points(shp)
    gdf = read_points(shp, source_coords="wgs84", metric_crs=32651)
    assert gdf.geometry.iloc[0].distance(_truth()) < 1e-6
    assert read_points(p).crs.to_epsg() == 32651  # GeoJSON is WGS-84 by definition


def test_vector_geometry_errors(tmp_path):
    def write(name, geoms, **cols):
        path = tmp_path / name
        gpd.GeoDataFrame(cols or {"id": [f"P{i}" for i in range(len(geoms))]}, geometry=geoms,
                         crs=4326).to_file(path)
        return path

    pt = shapely.Point(*TRUE)
    sq = shapely.box(121.47, 31.23, 121.48, 31.24)
    with pytest.raises(InputDataError, match=r"mixed\.gpkg: mixed geometry types \(2 points, 1 polygons\); "
                                             r"the polygons are index P2"):
        read_points(write("mixed.gpkg", [pt, pt, sq]), allowed_types=("Point", "Polygon"))
    with pytest.raises(InputDataError, match=r"poly\.gpkg: 1 geometries of type Polygon \(index P0\); expected Point"):
        read_points(write("poly.gpkg", [sq]))
    with pytest.raises(InputDataError, match=r"hole\.gpkg: 1 empty or missing geometries \(index P1\)"):
        read_points(write("hole.gpkg", [pt, None]))
    bowtie = shapely.Polygon([(121.47, 31.23), (121.48, 31.24), (121.48, 31.23), (121.47, 31.24)])
    with pytest.raises(InputDataError, match=r"bowtie\.gpkg: 1 invalid geometries \(index P0\).*Self-intersection"):
        read_points(write("bowtie.gpkg", [bowtie]), allowed_types=("Polygon",))
    empty = tmp_path / "empty.gpkg"
    gpd.GeoDataFrame({"id": ["x"]}, geometry=[pt], crs=4326).iloc[:0].to_file(empty)
    with pytest.raises(InputDataError, match=r"empty\.gpkg: the layer is empty"):
        read_points(empty)
    far = write("far.gpkg", [shapely.Point(3_000_000, 31)])
    with pytest.raises(CRSError, match=r"far\.gpkg: 1 features have coordinates outside.*\(index P0\)"):
        read_points(far)


def test_read_points_does_not_modify_the_file(tmp_path):
    body = f"id,lng,lat\nA,{TRUE[0]},{TRUE[1]}\n"
    p = _csv(tmp_path, "pts.csv", body)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_points(p, source_coords="gcj02")
    assert p.read_text(encoding="utf-8") == body
    assert np.isfinite(read_points(p, source_coords="bd09").geometry.x).all()
