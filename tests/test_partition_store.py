"""The partition store: GeoParquet / GPKG / FlatGeobuf read by bounding box, conversion, streaming."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

pytest.importorskip("pyarrow", reason='needs the province extra: pip install "gis_planner[province]"')

from gis_planner._errors import InputDataError
from gis_planner.partition import convert_to_geoparquet, read_bbox, read_layer, write_parquet
from gis_planner.partition.store import iter_points, layer_crs, read_column

CRS = "EPSG:32650"
BOX = (2_000.0, 3_000.0, 4_500.0, 5_000.0)


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(8)
    xy = rng.uniform(0, 10_000, (3_000, 2))
    return gpd.GeoDataFrame({"households": rng.integers(1, 500, len(xy)), "name": [f"小区{i}" for i in range(len(xy))]},
                            geometry=shapely.points(xy), crs=CRS,
                            index=pd.Index([f"H{i}" for i in range(len(xy))], name="compound_id"))


def _inside(gdf, bbox):
    return set(gdf.index[gdf.geometry.intersects(shapely.box(*bbox))])


@pytest.mark.parametrize("fmt", ["parquet", "folder", "gpkg", "fgb"])
def test_bbox_reads_return_exactly_the_rows_in_the_box(points, tmp_path, fmt):
    frame = points.reset_index()
    if fmt == "parquet":
        path = write_parquet(frame, tmp_path / "households.parquet")
    elif fmt == "folder":  # pre-split: two parts of one layer
        path = tmp_path / "households"
        path.mkdir()
        write_parquet(frame.iloc[:1_700], path / "part-00000.parquet", total_bounds=(0, 0, 10_000, 10_000))
        write_parquet(frame.iloc[1_700:], path / "part-00001.parquet", total_bounds=(0, 0, 10_000, 10_000))
    else:
        path = tmp_path / f"households.{fmt}"
        frame.to_file(path)
    got = read_layer(path, "households", BOX)
    assert set(got.index) == _inside(points, BOX) and 0 < len(got) < len(points)
    assert got.index.name == "compound_id" and got.crs == points.crs
    assert (got["households"] == points.loc[got.index, "households"]).all()
    assert layer_crs(path) == points.crs
    # the whole layer, streamed in batches: every point once
    batches = list(iter_points(path, columns=["compound_id"], batch_rows=1_000))
    assert len(batches) >= 3
    ids = pd.concat([b[1]["compound_id"] for b in batches]).astype(str)
    xy = np.vstack([b[0] for b in batches])
    assert sorted(ids) == sorted(points.index)
    want = shapely.get_coordinates(points.geometry.loc[ids.to_numpy()].to_numpy())
    np.testing.assert_array_equal(xy, want)
    assert len(read_bbox(path)) == 3_000


def test_parquet_is_hilbert_sorted_in_row_groups_with_a_bbox_column(points, tmp_path):
    import pyarrow.parquet as pq

    path = write_parquet(points.reset_index(), tmp_path / "h.parquet")
    assert "bbox" in pq.read_schema(path).names
    xy = shapely.get_coordinates(gpd.read_parquet(path).geometry.to_numpy())
    # neighbours in the file are neighbours on the ground: far shorter steps than in random order
    step = np.hypot(*np.diff(xy, axis=0).T).mean()
    assert step < 600  # random order: about 5,200 m on a 10 km square


def test_convert_demo_inputs_equals_the_readers(demo_dir, tmp_path):
    from gis_planner import io

    net = io.read_network(demo_dir / "roads.geojson")
    edges_file = convert_to_geoparquet(demo_dir / "roads.geojson", tmp_path / "network_edges.parquet", kind="network")
    stored = read_layer(edges_file, "network_edges")
    assert len(stored) == net.n_edges
    assert stored.geometry.geom_equals_exact(net.edges.geometry.reset_index(drop=True), 0).all()
    crs = layer_crs(edges_file)
    assert crs == net.crs
    fac = io.read_facilities(demo_dir / "facilities.csv", source_coords="gcj02", metric_crs=crs)
    out = convert_to_geoparquet(demo_dir / "facilities.csv", tmp_path / "facilities.parquet", kind="facilities",
                                metric_crs=crs, source_coords="gcj02")
    got = read_layer(out, "facilities")
    assert got.sort_index().geometry.geom_equals_exact(fac.sort_index().geometry, 0).all()
    assert list(dict.fromkeys(read_column(out, "category"))) != []
    homes = convert_to_geoparquet([demo_dir / "compounds.geojson"], tmp_path / "households", kind="compounds",
                                  metric_crs=crs)
    assert (homes / "part-00000.parquet").exists()
    want = io.read_compounds(demo_dir / "compounds.geojson", metric_crs=crs)
    got = read_layer(homes, "households")
    assert int(got["households"].sum()) == int(want["households"].sum())
    assert set(got.index) == set(want.index.astype(str))


def test_store_errors_name_the_file(tmp_path):
    with pytest.raises(InputDataError, match="no such file"):
        read_bbox(tmp_path / "missing.parquet", BOX)
    (tmp_path / "x.csv").write_text("a\n1\n")
    with pytest.raises(InputDataError, match="GeoParquet, GeoPackage or FlatGeobuf"):
        read_bbox(tmp_path / "x.csv", BOX)
    with pytest.raises(InputDataError, match="metric_crs"):
        convert_to_geoparquet(tmp_path / "x.csv", tmp_path / "o.parquet", kind="facilities")
    with pytest.raises(InputDataError, match="kind must be"):
        convert_to_geoparquet(tmp_path / "x.csv", tmp_path / "o.parquet", kind="roads")
