"""io.households: compounds, gates, households from buildings and from population rasters."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis_planner._errors import CRSError, InputDataError
from gis_planner.io import households_from_buildings, households_from_raster, read_compounds, read_gates
from gis_planner.io.households import (
    M2_PER_HOUSEHOLD,
    PERSONS_PER_HOUSEHOLD,
    estimate_households,
    largest_remainder,
)

# Invented compounds: no real household counts exist for the shared areas.
CSV = ("小区编号,小区名称,户数,社区代码,街道代码,层数,高层,lng,lat\n"
       "C1,阳光小区,1200,310101002001,310101002,6,否,121.47,31.23\n"
       "C2,和平花园,800,310101002002,310101002,18,是,121.48,31.235\n"
       "C3,新村,0,310101002002,310101002,,否,121.475,31.232\n")


def _write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


# ------------------------------------------------------------------ compounds
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_compounds_with_chinese_columns(tmp_path, encoding):
    gdf = read_compounds(_write(tmp_path, "homes.csv", CSV, encoding), source_coords="wgs84",
                         metric_crs=32651)
    assert gdf.index.name == "compound_id" and gdf.index.tolist() == ["C1", "C2", "C3"]
    assert gdf["households"].tolist() == [1200, 800, 0]
    assert gdf["households"].dtype == np.int64
    assert gdf["name"].tolist() == ["阳光小区", "和平花园", "新村"]
    assert gdf["community_code"].tolist() == ["310101002001", "310101002002", "310101002002"]
    assert gdf["subdistrict_code"].iloc[0] == "310101002"
    assert gdf["high_rise"].tolist() == [False, True, False]
    assert gdf["floors"].iloc[1] == 18 and np.isnan(gdf["floors"].iloc[2])  # empty floors allowed
    assert gdf.crs.to_epsg() == 32651
    assert list(gdf.columns)[-1] == "geometry"


@pytest.mark.parametrize("col", ["households", "hh", "households_count", "HH", "户数"])
def test_household_column_aliases(tmp_path, col):
    gdf = read_compounds(_write(tmp_path, "h.csv", f"id,{col},lng,lat\nA,7,121.4,31.2\n"), source_coords="wgs84")
    assert gdf.loc["A", "households"] == 7
    assert gdf.loc["A", "name"] == "A"  # no name column: the id


def test_codes_keep_leading_zeros_and_explicit_columns(tmp_path):
    body = "code,n_hh,community_code,lng,lat\n007,12,010203004005,121.4,31.2\n"
    gdf = read_compounds(_write(tmp_path, "h.csv", body), source_coords="wgs84", id_col="code",
                         households_col="n_hh")
    assert gdf.index.tolist() == ["007"]
    assert gdf["community_code"].tolist() == ["010203004005"]


def test_polygon_compounds_stay_polygons(tmp_path):
    p = tmp_path / "compounds.geojson"
    polys = [shapely.box(121.47, 31.23, 121.472, 31.232),
             shapely.MultiPolygon([shapely.box(121.48, 31.23, 121.481, 31.231),
                                   shapely.box(121.482, 31.23, 121.483, 31.231)])]
    gpd.GeoDataFrame({"compound_id": ["P1", "P2"], "households": [300, 450], "名称": ["甲", "乙"]},
                     geometry=polys, crs=4326).to_file(p)
    gdf = read_compounds(p)
    assert gdf.geom_type.tolist() == ["Polygon", "MultiPolygon"]
    assert gdf["name"].tolist() == ["甲", "乙"]
    assert gdf.area.iloc[0] == pytest.approx(190.6 * 222.0, rel=0.03)  # 0.002° x 0.002° at 31°N, m²


H = "id,households,lng,lat\n"
P = r"homes\.csv: column "


@pytest.mark.parametrize(
    ("body", "pattern"),
    [
        (H + "A,many,121.4,31.2\n", P + r"'households' has 1 non-numeric values \(index A\)"),
        (H + "A,5,121.4,31.2\nB,-5,121.4,31.2\n", P + r"'households' has 1 negative or infinite values \(index B\)"),
        (H + "A,,121.4,31.2\n", P + r"'households' has 1 empty values \(index A\)"),
        (H + "A,nan,121.4,31.2\n", P + r"'households' has 1 empty values \(index A\)"),
        (H + "A,12.5,121.4,31.2\n", P + r"'households' has 1 non-integer household counts \(index A\)"),
        (H + "A,25000,121.4,31.2\n",
         P + r"'households' has 1 counts above 20000 households per compound \(index A\); is it persons"),
        (H + "A,5,121.4,31.2\nA,6,121.5,31.2\n", P + r"'id' has duplicate ids \(A\)"),
        ("id,hh_total,lng,lat\nA,5,121.4,31.2\n", r"homes\.csv: no households column; expected one of 'households'"),
        ("id,households,层数,lng,lat\nA,5,六,121.4,31.2\n", P + r"'层数' has 1 non-numeric values \(index A\)"),
        ("id,households,高层,lng,lat\nA,5,maybe,121.4,31.2\n", P + r"'高层' has 1 values that are not yes/no"),
    ],
)
def test_compound_errors(tmp_path, body, pattern):
    with pytest.raises(InputDataError, match=pattern):
        read_compounds(_write(tmp_path, "homes.csv", body), source_coords="wgs84")


def test_mixed_points_and_polygons_refused(tmp_path):
    p = tmp_path / "mixed.geojson"
    gpd.GeoDataFrame({"id": ["A", "B"], "households": [5, 6]},
                     geometry=[shapely.Point(121.47, 31.23), shapely.box(121.47, 31.23, 121.48, 31.24)],
                     crs=4326).to_file(p)
    with pytest.raises(InputDataError, match=r"mixed\.geojson: mixed geometry types \(1 points, 1 polygons\)"):
        read_compounds(p)


def test_invalid_polygon_refused(tmp_path):
    p = tmp_path / "bad.geojson"
    bowtie = shapely.Polygon([(121.47, 31.23), (121.48, 31.24), (121.48, 31.23), (121.47, 31.24)])
    gpd.GeoDataFrame({"id": ["X"], "households": [5]}, geometry=[bowtie], crs=4326).to_file(p)
    with pytest.raises(InputDataError, match=r"bad\.geojson: 1 invalid geometries \(index X\).*make_valid"):
        read_compounds(p)


# ------------------------------------------------------------------ gates
def test_gates(tmp_path):
    homes = read_compounds(_write(tmp_path, "homes.csv", CSV), source_coords="wgs84", metric_crs=32651)
    ok = _write(tmp_path, "gates.csv", "gate_id,compound_id,lng,lat\nG1,C1,121.4701,31.2301\nG2,C1,121.4699,31.23\n")
    gates = read_gates(ok, compounds=homes, source_coords="wgs84")
    assert gates.index.name == "gate_id" and gates["compound_id"].tolist() == ["C1", "C1"]
    assert gates.crs == homes.crs
    assert read_gates(ok, compounds=homes, source_coords="wgs84", metric_crs=32651).crs == homes.crs
    with pytest.raises(CRSError, match=r"read_gates: metric_crs 4549 differs from the compounds' CRS EPSG:32651"):
        read_gates(ok, compounds=homes, source_coords="wgs84", metric_crs=4549)
    bad = _write(tmp_path, "gates2.csv", "gate_id,compound_id,lng,lat\nG1,C9,121.47,31.23\n"
                 "G2,C1,121.47,31.23\nG3,C8,121.47,31.23\n")
    with pytest.raises(InputDataError, match=r"gates2\.csv: 2 gates name compounds that are not in the compound "
                                             r"layer \(C8, C9\): gates index G1, G3"):
        read_gates(bad, compounds=homes, source_coords="wgs84")
    blank = _write(tmp_path, "gates3.csv", "gate_id,compound_id,lng,lat\nG1,,121.47,31.23\n")
    with pytest.raises(InputDataError, match=r"gates3\.csv: column 'compound_id' is empty for 1 gates \(index G1\)"):
        read_gates(blank, compounds=homes, source_coords="wgs84")


# ------------------------------------------------------------------ buildings
def _buildings(**cols):
    geoms = [shapely.box(0, 0, 20, 50), shapely.box(100, 0, 130, 30), shapely.box(200, 0, 210, 10)]
    data = {"floors": [6, 18, 2], **cols}
    return gpd.GeoDataFrame(data, geometry=geoms, index=["B1", "B2", "B3"], crs=32651)


def test_households_from_buildings_by_hand():
    out = households_from_buildings(_buildings(), m2_per_household=100.0)
    # 1000 m² x 6 / 100 = 60; 900 m² x 18 / 100 = 162; 100 m² x 2 / 100 = 2
    assert out["households"].tolist() == [60, 162, 2]
    assert out["floor_area_m2"].tolist() == [6000.0, 16200.0, 200.0]
    assert out["high_rise"].tolist() == [False, True, False]
    assert out.index.name == "compound_id" and out.index.tolist() == ["B1", "B2", "B3"]
    default = households_from_buildings(_buildings())
    assert M2_PER_HOUSEHOLD == 92.17  # 2020 census yearbook, urban family households
    assert default["households"].sum() == round(22400 / 92.17)  # 243, total kept by largest remainder


def test_buildings_known_counts_win_and_residential_filter():
    b = _buildings(户数=[None, 150, None], building=["residential", "apartments", "retail"])
    out = households_from_buildings(b, m2_per_household=100.0)
    assert out.index.tolist() == ["B1", "B2"]  # the shop is left out
    assert out["households"].tolist() == [60, 150]
    assert out["households_estimated"].tolist() == [True, False]
    assert len(households_from_buildings(b, residential_only=False)) == 3
    with pytest.raises(InputDataError, match=r"no residential building in column 'building'"):
        households_from_buildings(b.assign(building="retail"))


def test_buildings_errors():
    with pytest.raises(InputDataError, match=r"buildings: column 'floors' has 1 values < 1 \(index B1\)"):
        households_from_buildings(_buildings().assign(floors=[0, 3, 2]))
    with pytest.raises(InputDataError, match=r"buildings: column 'floors' has 1 empty values \(index B2\)"):
        households_from_buildings(_buildings().assign(floors=[1, None, 2]))
    with pytest.raises(InputDataError, match=r"buildings: no column 'floors'.*floors_col"):
        households_from_buildings(_buildings().drop(columns="floors"))
    with pytest.raises(InputDataError, match="m2_per_household must be > 0"):
        households_from_buildings(_buildings(), m2_per_household=0)
    pts = gpd.GeoDataFrame({"floors": [3]}, geometry=[shapely.Point(0, 0)], crs=32651)
    with pytest.raises(InputDataError, match=r"buildings: 1 geometries are not polygons \(index 0\)"):
        households_from_buildings(pts)


def test_buildings_in_degrees_are_projected():
    b = gpd.GeoDataFrame({"floors": [10]}, geometry=[shapely.box(121.47, 31.23, 121.471, 31.231)], crs=4326)
    out = households_from_buildings(b, m2_per_household=100.0)
    assert out.crs.to_epsg() == 32651
    assert out["households"].iloc[0] == round(out.area.iloc[0] * 10 / 100)


def test_largest_remainder_keeps_totals():
    rng = np.random.default_rng(3)
    v = rng.uniform(0, 40, 1000)
    r = largest_remainder(v)
    assert r.sum() == round(v.sum())
    assert np.abs(r - v).max() < 1.0
    assert largest_remainder(np.array([0.5, 0.5, 0.5, 0.5])).tolist() == [1, 1, 0, 0]
    hh = estimate_households([262, 131, 1])
    assert hh.sum() == round(394 / 2.62) and hh.tolist()[:2] == [100, 50]


# ------------------------------------------------------------------ population raster
def _helsinki_raster(shared_data, tmp_path):
    import rasterio
    from affine import Affine
    from rasterio.features import rasterize

    grid = gpd.read_file(shared_data / "helsinki" / "helsinki_population_grid_2020.gpkg").to_crs(3879)
    minx, miny, maxx, maxy = grid.total_bounds
    x0, y0 = round(minx / 250) * 250, round(maxy / 250) * 250  # the grid's own 250 m lattice (GK25)
    shape = (round((y0 - miny) / 250), round((maxx - x0) / 250))
    transform = Affine(250, 0, x0, 0, -250, y0)
    arr = rasterize(zip(grid.geometry, grid["population"], strict=True), out_shape=shape,
                    transform=transform, fill=0, dtype="float64")
    tif = tmp_path / "pop.tif"
    with rasterio.open(tif, "w", driver="GTiff", height=shape[0], width=shape[1], count=1,
                       dtype="float64", crs="EPSG:3879", transform=transform, nodata=-1) as dst:
        dst.write(arr, 1)
    return grid, tif


def test_households_from_population_raster(shared_data, tmp_path):
    grid, tif = _helsinki_raster(shared_data, tmp_path)
    assert len(grid) == 92 and grid["population"].sum() == 71724
    pts = households_from_raster(tif)
    assert pts.crs.to_epsg() == 32635 and pts.index.name == "compound_id"
    assert len(pts) == 92  # one populated cell per grid polygon
    assert pts["population"].sum() == 71724  # exact: values are kept as they are
    assert pts["households"].sum() == pytest.approx(71724 / PERSONS_PER_HOUSEHOLD, rel=1e-12)
    # every cell centre lies in the polygon whose population it carries
    joined = gpd.sjoin(pts, grid.to_crs(pts.crs), predicate="within")
    assert (joined["population_left"] == joined["population_right"]).all() and len(joined) == 92
    same = households_from_raster(tif, metric_crs=3067, persons_per_household=2.0)
    assert same.crs.to_epsg() == 3067 and same["households"].sum() == 71724 / 2


def test_population_raster_mask(shared_data, tmp_path):
    grid, tif = _helsinki_raster(shared_data, tmp_path)
    west = grid[grid.geometry.centroid.x < grid.geometry.centroid.x.median()]
    masked = households_from_raster(tif, mask=west)
    assert len(masked) == len(west)
    assert masked["population"].sum() == west["population"].sum()


def test_population_raster_errors(tmp_path):
    import rasterio
    from affine import Affine

    with pytest.raises(InputDataError, match=r"pop\.tif: file not found"):
        households_from_raster(tmp_path / "pop.tif")
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"not a tiff")
    with pytest.raises(InputDataError, match=r"bad\.tif: cannot read band 1 as a raster"):
        households_from_raster(bad)
    neg = tmp_path / "neg.tif"
    with rasterio.open(neg, "w", driver="GTiff", height=2, width=2, count=1, dtype="float64",
                       crs="EPSG:32651", transform=Affine(100, 0, 350000, 0, -100, 3460000)) as dst:
        dst.write(np.array([[5.0, -1.0], [0.0, 2.0]]), 1)
    with pytest.raises(InputDataError, match=r"neg\.tif: 1 cells have negative population"):
        households_from_raster(neg)
    with pytest.raises(InputDataError, match="persons_per_household must be > 0"):
        households_from_raster(neg, persons_per_household=0)
