"""io.coords (GCJ-02/BD-09), io.tables (encodings) and io.crs (metric CRS choice)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS, Geod

from gis_planner._errors import CRSError, InputDataError
from gis_planner.io.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from gis_planner.io.crs import choose_metric_crs, resolve_metric_crs
from gis_planner.io.tables import detect_encoding, read_table

GEOD = Geod(ellps="WGS84")


def _metres(lon0, lat0, lon1, lat1) -> np.ndarray:
    return GEOD.inv(lon0, lat0, lon1, lat1)[2]


# ------------------------------------------------------------------ coords
def test_round_trip_below_1m_on_a_grid_of_10000_points_in_china():
    lon, lat = np.meshgrid(np.linspace(73.7, 134.9, 100), np.linspace(18.2, 53.4, 100))
    lon, lat = lon.ravel(), lat.ravel()
    assert len(lon) == 10_000
    for fwd, back in ((wgs84_to_gcj02, gcj02_to_wgs84), (wgs84_to_bd09, bd09_to_wgs84),
                      (gcj02_to_bd09, bd09_to_gcj02)):
        blon, blat = back(*fwd(lon, lat))
        assert blon.shape == lon.shape  # vectorised: one array in, one array out
        assert _metres(lon, lat, blon, blat).max() < 1.0
        assert np.abs(blon - lon).max() < 1e-8  # in fact about 1 mm


def test_published_reference_vectors():
    """wandergis/coordtransform test fixture for (116.404, 39.915): the forward formulas must
    match to the last digits; its inverses are one-step approximations, ours are iterated,
    so those agree to about 1e-6 degrees (10 cm) only."""
    assert tuple(map(float, wgs84_to_gcj02(116.404, 39.915))) == pytest.approx(
        (116.41024449916938, 39.91640428150164), abs=1e-12)
    assert tuple(map(float, gcj02_to_bd09(116.404, 39.915))) == pytest.approx(
        (116.41036949371029, 39.92133699351021), abs=1e-12)
    assert tuple(map(float, wgs84_to_bd09(116.404, 39.915))) == pytest.approx(
        (116.41662724378733, 39.922699552216216), abs=1e-12)
    assert tuple(map(float, gcj02_to_wgs84(116.404, 39.915))) == pytest.approx(
        (116.39775550083061, 39.91359571849836), abs=1e-6)
    assert tuple(map(float, bd09_to_gcj02(116.404, 39.915))) == pytest.approx(
        (116.39762729119315, 39.90865673957631), abs=1e-6)


@pytest.mark.parametrize(("place", "lon", "lat"), [("Shanghai People's Square", 121.4737, 31.2304),
                                                   ("Beijing Tiananmen", 116.3975, 39.9087),
                                                   ("Guangzhou", 113.2644, 23.1291)])
def test_gcj02_offset_is_300_to_700_m(place, lon, lat):
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert 300 < _metres(lon, lat, glon, glat) < 700, place
    blon, blat = wgs84_to_bd09(lon, lat)
    assert 700 < _metres(lon, lat, blon, blat) < 1500, place  # BD-09 adds ~0.0065°/0.006°


def test_points_outside_china_are_unchanged():
    lon = np.array([24.94, -0.1276, 151.21, 139.69 + 0.0])
    lat = np.array([60.17, 51.5072, -33.87, 60.0])
    assert not in_china(lon, lat).any()
    glon, glat = wgs84_to_gcj02(lon, lat)
    np.testing.assert_array_equal(glon, lon)
    np.testing.assert_array_equal(glat, lat)
    np.testing.assert_array_equal(gcj02_to_wgs84(lon, lat)[0], lon)


def test_to_and_from_wgs84_dispatch():
    lon, lat = np.array([121.47, 116.40]), np.array([31.23, 39.91])
    for system in ("wgs84", "cgcs2000", "gcj02", "bd09"):
        back = to_wgs84(*from_wgs84(lon, lat, system), system)
        assert _metres(lon, lat, *back).max() < 0.01
    np.testing.assert_array_equal(to_wgs84(lon, lat, "cgcs2000")[0], lon)
    with pytest.raises(ValueError, match="unknown coordinate system 'utm'"):
        to_wgs84(lon, lat, "utm")


# ------------------------------------------------------------------ tables
TABLE = "code,name,households\n310101002001,云南中路居委会,1200\n310101002002,龙泉园路居委会,800\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_four_encodings_read_identically(tmp_path, encoding):
    p = tmp_path / f"t_{encoding}.csv"
    p.write_bytes(TABLE.encode(encoding))
    df = read_table(p)
    assert df.columns.tolist() == ["code", "name", "households"]  # no BOM left in the header
    assert df["name"].tolist() == ["云南中路居委会", "龙泉园路居委会"]
    assert df["code"].tolist() == ["310101002001", "310101002002"]  # text: leading digits kept
    assert df.attrs["encoding"] == {"utf-8": "utf-8-sig", "utf-8-sig": "utf-8-sig",
                                    "gbk": "gbk", "gb18030": "gbk"}[encoding]


def test_gb18030_only_characters_and_separators(tmp_path):
    # 𠀀 (U+20000) exists in GB18030 but not in GBK
    p = tmp_path / "t.tsv"
    p.write_bytes("code\tname\n007\t𠀀社区\n".encode("gb18030"))
    assert detect_encoding(p.read_bytes()) == "gb18030"
    df = read_table(p)
    assert df.loc[0, "code"] == "007" and df.loc[0, "name"] == "𠀀社区"
    q = tmp_path / "semi.csv"
    q.write_text("a;b\n1;2\n", encoding="utf-8")
    assert read_table(q).columns.tolist() == ["a", "b"]


def test_table_errors(tmp_path):
    p = tmp_path / "homes.csv"
    p.write_bytes(TABLE.encode("utf-16"))
    with pytest.raises(InputDataError, match=r"homes\.csv: UTF-16 text is not supported; save it as UTF-8"):
        read_table(p)
    with pytest.raises(InputDataError, match=r"missing\.csv: file not found"):
        read_table(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"  \n")
    with pytest.raises(InputDataError, match=r"empty\.csv: the file is empty"):
        read_table(empty)
    binary = tmp_path / "bin.csv"
    binary.write_bytes(bytes([0x81, 0x20, 0xFF, 0xFE, 0x00, 0x81]) * 10)
    with pytest.raises(InputDataError, match=r"bin\.csv: cannot decode the text as UTF-8, GBK or GB18030"):
        read_table(binary)


# ------------------------------------------------------------------ crs
def test_choose_metric_crs():
    assert choose_metric_crs((121.46, 31.22, 121.49, 31.24)).to_epsg() == 32651  # Shanghai
    assert choose_metric_crs((24.93, 60.16, 24.95, 60.18)).to_epsg() == 32635  # Helsinki
    assert choose_metric_crs((121.46, 31.22, 121.49, 31.24), system="cgcs2000_3deg").to_epsg() == 4549
    assert choose_metric_crs((116.3, 39.8, 116.5, 40.0), system="cgcs2000_3deg").to_epsg() == 4548  # CM 117°E
    assert choose_metric_crs((-58.5, -34.7, -58.3, -34.5)).to_epsg() == 32721  # southern hemisphere
    with pytest.raises(CRSError, match=r"not longitude/latitude degrees.*swapped"):
        choose_metric_crs((31.2, 121.4, 31.3, 121.5))
    with pytest.raises(CRSError, match="CGCS2000 3-degree zones cover"):
        choose_metric_crs((24.93, 60.16, 24.95, 60.18), system="cgcs2000_3deg")


def test_resolve_metric_crs():
    bounds = (121.46, 31.22, 121.49, 31.24)
    assert resolve_metric_crs(bounds, None, what="x").to_epsg() == 32651
    assert resolve_metric_crs(bounds, "EPSG:4549", what="x").to_epsg() == 4549
    assert resolve_metric_crs(bounds, CRS.from_epsg(32651), what="x").to_epsg() == 32651
    with pytest.raises(CRSError, match=r"homes\.csv: metric_crs EPSG:4326 is not projected"):
        resolve_metric_crs(bounds, 4326, what="homes.csv")
    with pytest.raises(CRSError, match=r"homes\.csv: unknown metric_crs 'EPSG:99999'"):
        resolve_metric_crs(bounds, "EPSG:99999", what="homes.csv")


def test_cgcs2000_zone_is_metric_and_matches_utm_distances():
    pts = gpd.GeoSeries(shapely.points([121.46, 121.49], [31.22, 31.24]), crs=4326)
    d_utm = pts.to_crs(32651).distance(pts.to_crs(32651).shift()).iloc[1]
    d_gk = pts.to_crs(4549).distance(pts.to_crs(4549).shift()).iloc[1]
    d_geod = _metres(121.46, 31.22, 121.49, 31.24)
    assert abs(d_gk - d_geod) < 1.0 and abs(d_utm - d_geod) < 2.0  # UTM scale factor 0.9996
    assert pd.notna(d_utm)
