"""Units, validation, atomic writes and settings."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gis_planner import _units
from gis_planner._errors import CRSError, InputDataError
from gis_planner._fs import atomic_dir, atomic_path
from gis_planner._validate import (
    require_columns,
    require_metric_crs,
    require_nonnegative_numbers,
    require_points,
    require_same_crs,
    require_unique_index,
)
from gis_planner.settings import options


def test_walk_distance_and_minutes_are_inverse():
    assert _units.walk_distance_m(15, 4.0) == pytest.approx(1000.0)
    assert _units.walk_distance_m(15, 3.2) == pytest.approx(800.0)
    assert _units.distance_to_minutes(np.array([1000.0, 500.0]), 4.0).tolist() == [15.0, 7.5]
    assert _units.kmh_to_mps(3.6) == pytest.approx(1.0)
    assert _units.minutes_to_seconds(2.5) == 150.0


def test_require_columns_names_missing_and_found():
    df = pd.DataFrame({"name": ["a"], "户数": [1]})
    with pytest.raises(InputDataError, match=r"homes\.csv: missing column\(s\) 'households'.*'户数'"):
        require_columns(df, ["name", "households"], what="homes.csv")


def test_require_nonnegative_numbers_names_rows():
    df = pd.DataFrame({"households": ["10", "-3", "x", None]}, index=["a", "b", "c", "d"])
    with pytest.raises(InputDataError, match=r"1 non-numeric values \(index c\)"):
        require_nonnegative_numbers(df, "households", what="homes.csv")
    df2 = pd.DataFrame({"households": [10, -3, np.inf]}, index=["a", "b", "c"])
    with pytest.raises(InputDataError, match=r"2 negative or infinite values \(index b, c\)"):
        require_nonnegative_numbers(df2, "households", what="homes.csv")
    df3 = pd.DataFrame({"households": [10, np.nan]}, index=["a", "b"])
    with pytest.raises(InputDataError, match=r"1 empty values \(index b\)"):
        require_nonnegative_numbers(df3, "households", what="homes.csv")


def test_require_points_and_crs_checks():
    pts = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0), shapely.LineString([(0, 0), (1, 1)])],
                           crs=32651, index=["p1", "p2"])
    with pytest.raises(InputDataError, match=r"1 geometries are not points.*index p2"):
        require_points(pts, what="facilities")
    with pytest.raises(InputDataError, match="is empty"):
        require_points(pts.iloc[:0], what="facilities")
    with pytest.raises(CRSError, match="geographic CRS"):
        require_metric_crs(pts.set_crs(4326, allow_override=True), what="facilities")
    with pytest.raises(CRSError, match="no CRS"):
        require_metric_crs(gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)]), what="facilities")
    with pytest.raises(CRSError, match="reproject"):
        require_same_crs(pts, pts.to_crs(3857), what_a="a", what_b="b")


def test_require_unique_index_names_duplicates():
    df = pd.DataFrame({"x": [1, 2, 3]}, index=["C1", "C2", "C1"])
    with pytest.raises(InputDataError, match=r"duplicate ids \(index C1, C1\)"):
        require_unique_index(df, what="compounds")


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    with atomic_path(target) as tmp:
        tmp.write_text("new", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "new"
    with pytest.raises(InputDataError, match="--overwrite"), atomic_path(target, overwrite=False):
        pass


def test_atomic_dir_moves_in_only_on_success(tmp_path):
    out = tmp_path / "report"
    with pytest.raises(KeyboardInterrupt), atomic_dir(out) as tmp:
        (tmp / "a.txt").write_text("x", encoding="utf-8")
        raise KeyboardInterrupt
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
    with atomic_dir(out) as tmp:
        (tmp / "a.txt").write_text("x", encoding="utf-8")
    assert (out / "a.txt").read_text(encoding="utf-8") == "x"
    with pytest.raises(InputDataError, match=r"would overwrite a\.txt"), atomic_dir(out) as tmp:
        (tmp / "a.txt").write_text("y", encoding="utf-8")
    assert (out / "a.txt").read_text(encoding="utf-8") == "x"


def test_atomic_dir_interrupted_just_after_creating_its_folder(tmp_path, monkeypatch):
    """Ctrl-C landing the moment the temporary folder exists still leaves nothing behind."""
    import pathlib

    real_mkdir = pathlib.Path.mkdir

    def mkdir_then_interrupt(self, *args, **kwargs):
        real_mkdir(self, *args, **kwargs)
        if self.name.endswith(".tmp"):
            raise KeyboardInterrupt

    monkeypatch.setattr(pathlib.Path, "mkdir", mkdir_then_interrupt)
    with pytest.raises(KeyboardInterrupt), atomic_dir(tmp_path / "out"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_options_reject_unknown_names():
    assert options.progress is False
    with pytest.raises(AttributeError, match="unknown option"):
        options.colour = "red"
