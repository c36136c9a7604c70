"""The pieces that keep the imports one-way (``docs/architecture.md``): what the report and the
maps share below both, the output folder above both, the size check apart from its proposals,
the ground's own plausible ranges, the category table read by ``io``, and the public store and
opener names."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import resources
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pandas.testing import assert_frame_equal

from gis_planner._errors import InputDataError

CRS = 32650


@pytest.mark.parametrize("first", ["gis_planner.outputs", "gis_planner.report",
                                   "gis_planner.report.model", "gis_planner.maps"])
def test_each_package_can_be_imported_first(first):
    # outputs imports the report and the maps inside its functions, and the report package
    # gives the outputs' names: any order of first import must work in a fresh interpreter
    code = (f"import {first}\n"
            "import gis_planner.maps, gis_planner.outputs, gis_planner.report\n"
            "from gis_planner.report import OUTPUT_FILES, write_plan_outputs\n"
            "assert write_plan_outputs is gis_planner.outputs.write_plan_outputs\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_the_report_package_gives_the_output_folder_names():
    from gis_planner import outputs, report

    assert report.OUTPUT_FILES is outputs.OUTPUT_FILES
    assert report.prepare_report is outputs.prepare_report
    assert report.result_layers is outputs.result_layers
    assert "map.html" in report.OUTPUT_FILES and "results.gpkg" in report.OUTPUT_FILES


def test_report_and_maps_read_one_string_table():
    from gis_planner.plan import i18n
    from gis_planner.report import i18n as report_i18n

    assert report_i18n.STRINGS is i18n.STRINGS and report_i18n.t is i18n.t
    assert i18n.t("sites_proposed", "en") == "Sites proposed"
    with pytest.raises(ValueError, match="lang must be 'zh' or 'en'; got 'fr'"):
        i18n.check_lang("fr")


def test_new_sites_leaves_out_the_existing_ones():
    from gis_planner.plan import new_sites

    chosen = gpd.GeoDataFrame({"existing": [True, False, False]}, index=["E1", "N1", "N2"],
                              geometry=[shapely.Point(i, 0) for i in range(3)], crs=CRS)
    assert list(new_sites(SimpleNamespace(chosen=chosen)).index) == ["N1", "N2"]
    assert list(new_sites(SimpleNamespace(chosen=chosen.drop(columns="existing"))).index) == [
        "E1", "N1", "N2"]


def _communities() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Two 400 m squares, 2 x 1100 = 2200 households (within 2000-3000) and 2 x 900 = 1800
    (too small by 200)."""
    codes = ["321202001001", "321202001002"]
    com = gpd.GeoDataFrame({"name": ["甲社区", "乙社区"]}, index=pd.Index(codes, name="community_code"),
                           geometry=[shapely.box(400 * i, 0, 400 * (i + 1), 400) for i in range(2)], crs=CRS)
    rows = [{"compound_id": f"C{i}{j}", "households": h, "geometry": shapely.Point(400 * i + 100 + 200 * j, 200)}
            for i, h in enumerate([1100, 900]) for j in range(2)]
    return com, gpd.GeoDataFrame(rows, crs=CRS).set_index("compound_id")


def test_the_size_check_alone_is_the_review_without_proposals():
    from gis_planner.community import check_communities, check_sizes

    com, homes = _communities()
    bands = {"urban": (2000, 3000), "urban_high_rise": (2000, 5000), "rural": (1000, 1500)}
    alone = check_sizes(com, homes, **bands)
    review = check_communities(com, homes, propose=False, **bands)
    assert alone.adjustment is None and review.adjustment is None
    assert_frame_equal(alone.table, review.table)
    assert alone.table.set_index("community_code")["status"].to_dict() == {
        "321202001001": "within_band", "321202001002": "too_small"}


def test_categories_take_a_frame_and_io_reads_the_file(tmp_path):
    from gis_planner import categories, io

    csv = tmp_path / "cats.csv"
    csv.write_text("id,name_zh,name_en,group,radius_m\npocket_park,口袋公园,Pocket park,sport,300\n",
                   encoding="gbk")
    with pytest.raises(TypeError, match=r"gis_planner\.io\.declare_categories"):
        categories.declare_categories(csv)  # type: ignore[arg-type]
    frame = io.read_category_table(csv)
    assert frame.to_dict("records") == [{"id": "pocket_park", "name_zh": "口袋公园", "name_en": "Pocket park",
                                         "group": "sport", "radius_m": "300"}]
    (tmp_path / "empty.toml").write_text("title = 'no categories'\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"empty\.toml: expected \[\[category\]\] tables"):
        io.read_category_table(tmp_path / "empty.toml")
    (tmp_path / "header.csv").write_text("id,name_zh,name_en,group\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"header\.csv: the table has no rows"):
        io.declare_categories(tmp_path / "header.csv")
    with pytest.raises(InputDataError, match=r"missing\.csv: file not found"):
        io.declare_categories(tmp_path / "missing.csv")
    # a bad row is named with the file it came from
    (tmp_path / "bad.csv").write_text("id,name_zh,name_en,group\nkindergarten,幼儿园,K,education\n",
                                      encoding="utf-8")
    with pytest.raises(InputDataError, match=r"bad\.csv row 1: 'kindergarten' is a packaged category"):
        io.declare_categories(tmp_path / "bad.csv")
    assert "pocket_park" not in categories.known_categories()  # nothing declared


def test_plausible_ranges_are_read_by_the_ground_from_the_shipped_file():
    from gis_planner import _validate
    from gis_planner.policy import profile

    assert profile.plausible_range is _validate.plausible_range
    text = resources.files("gis_planner.policy.data").joinpath(_validate.LIMITS_FILE).read_text(encoding="utf-8")
    for quantity, table in tomllib.loads(text).items():
        assert _validate.plausible_range(quantity) == (table["min"], table["max"], table["unit"])
    with pytest.raises(KeyError):
        _validate.plausible_range("speed_mps")


def test_text_checks_are_one_module():
    from gis_planner import _text, _validate

    assert _validate.clean_text is _text.clean_text
    assert _validate.control_characters("a\x07b") == ["U+0007"]


def test_store_layer_files_are_public(tmp_path):
    from gis_planner.partition.store import layer_files

    folder = tmp_path / "households"
    folder.mkdir()
    for name in ("part-b.parquet", "part-a.parquet", ".hidden.parquet", "notes.txt"):
        (folder / name).write_bytes(b"")
    assert [p.name for p in layer_files(folder)] == ["part-a.parquet", "part-b.parquet"]
    assert layer_files(folder / "part-a.parquet") == [folder / "part-a.parquet"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputDataError, match=r"a layer folder without \.parquet/\.gpkg/\.fgb files"):
        layer_files(tmp_path / "empty")
    with pytest.raises(InputDataError, match=r"notes\.txt: a store layer must be GeoParquet"):
        layer_files(folder / "notes.txt")
    with pytest.raises(InputDataError, match="a URL or GDAL virtual path"):
        layer_files("https://example.org/households.parquet")
