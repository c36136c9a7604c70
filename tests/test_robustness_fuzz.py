"""Fuzzing the readers: random bytes, CSV-like text, JSON structures and TOML-like configs.

Whatever the input, a reader either succeeds or raises one of the project's own errors
(:class:`~gis_planner._errors.GisPlannerError` subclasses, whose messages the CLI prints as one
line); never an unhandled ``KeyError``, ``ValueError`` or GDAL error. Each test runs at most 50
examples so the suite stays fast.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gis_planner._errors import GisPlannerError
from gis_planner.io import read_compounds, read_facilities, read_points
from gis_planner.pipeline import read_plan_config

FUZZ = settings(max_examples=50, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _only_own_errors(fn, *args, **kwargs):
    """Call ``fn``; success and GisPlannerError are fine, anything else fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs)
        except GisPlannerError as exc:
            assert str(exc).strip(), "an error needs a message"
            return None


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    """One folder per module; each example overwrites its file."""
    return tmp_path_factory.mktemp("fuzz")


def _tmp_file(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------ CSV
COLUMNS = ["compound_id", "id", "小区编号", "households", "户数", "name", "名称", "lng", "lat", "lon",
           "经度", "纬度", "x", "y", "population", "floors", "high_rise", "高层", "community_code",
           "category", "type", "typecode", "amenity", "shop", "capacity", "area_m2", "address", ""]
CELLS = st.one_of(
    st.sampled_from(["", "0", "-1", "1e309", "nan", "NaN", "inf", "120.5", "31.2", "31.2,120.5",
                     "是", "否", "yes", "kindergarten", "wet_market", "spaceport", "141204",
                     "科教文化服务;学校;幼儿园", "\"", "\"\"", "=1+1", "<script>", "\t"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-10**30, max_value=10**30).map(str),
    st.text(max_size=12),
)


@st.composite
def csv_texts(draw) -> str:
    sep = draw(st.sampled_from([",", "\t", ";"]))
    header = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=7))
    rows = draw(st.lists(st.lists(CELLS, min_size=0, max_size=len(header) + 1), max_size=6))
    newline = draw(st.sampled_from(["\n", "\r\n", ""]))
    lines = [sep.join(header)] + [sep.join(r) for r in rows]
    return "\n".join(lines) + newline


ENCODE = st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])


@FUZZ
@given(data=st.binary(max_size=400))
def test_csv_readers_on_random_bytes(scratch, data):
    path = _tmp_file(scratch, "random.csv", data)
    _only_own_errors(read_compounds, path, source_coords="wgs84")
    _only_own_errors(read_facilities, path, source_coords="gcj02")
    assert path.read_bytes() == data  # inputs are never modified


@FUZZ
@given(text=csv_texts(), encoding=ENCODE)
def test_csv_readers_on_csv_like_text(scratch, text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    path = _tmp_file(scratch, "table.csv", data)
    homes = _only_own_errors(read_compounds, path, source_coords="wgs84")
    if homes is not None:  # what is accepted obeys the layer contract
        assert homes.index.is_unique and homes.crs.is_projected
        counts = homes["households"].to_numpy(float)
        assert all(math.isfinite(v) and v >= 0 for v in counts)
    fac = _only_own_errors(read_facilities, path, source_coords="gcj02")
    if fac is not None:
        assert fac.index.is_unique and fac.crs.is_projected


# ------------------------------------------------------------------ GeoJSON
JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                        st.floats(allow_nan=False), st.text(max_size=8))
JSON_VALUES = st.recursive(JSON_LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)), max_leaves=20)

COORD = st.one_of(st.floats(-200, 200, allow_nan=False), st.sampled_from([119.91, 32.45, 0.0, 1e300]))
POSITION = st.lists(COORD, min_size=0, max_size=3)
GEOMETRY = st.one_of(
    st.none(),
    st.builds(lambda c: {"type": "Point", "coordinates": c}, POSITION),
    st.builds(lambda c: {"type": "LineString", "coordinates": c}, st.lists(POSITION, max_size=4)),
    st.builds(lambda c: {"type": "Polygon", "coordinates": [c + c[:1]]}, st.lists(POSITION, max_size=5)),
    st.builds(lambda t, c: {"type": t, "coordinates": c}, st.text(max_size=10), JSON_VALUES),
)
PROPERTIES = st.dictionaries(st.sampled_from(COLUMNS), st.one_of(JSON_LEAVES, CELLS), max_size=6)


@st.composite
def feature_collections(draw) -> object:
    if draw(st.booleans()):
        return draw(JSON_VALUES)  # any JSON at all
    features = draw(st.lists(st.builds(lambda g, p: {"type": "Feature", "geometry": g, "properties": p},
                                       GEOMETRY, PROPERTIES), max_size=5))
    doc: dict = {"type": draw(st.sampled_from(["FeatureCollection", "Feature", "Topology", ""])),
                 "features": features}
    if draw(st.booleans()):
        doc["crs"] = draw(st.one_of(JSON_VALUES, st.just(
            {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4549"}})))
    return doc


@FUZZ
@given(doc=feature_collections())
def test_geojson_readers_on_random_json(scratch, doc):
    path = _tmp_file(scratch, "layer.geojson", json.dumps(doc).encode("utf-8"))
    homes = _only_own_errors(read_compounds, path, source_coords="wgs84")
    if homes is not None:
        assert homes.index.is_unique and homes.crs.is_projected and len(homes)
    _only_own_errors(read_points, path, source_coords="wgs84")
    _only_own_errors(read_facilities, path, source_coords="wgs84")


@FUZZ
@given(data=st.binary(max_size=300), prefix=st.sampled_from([b"", b'{"type":"FeatureCollection","features":[']))
def test_geojson_readers_on_random_bytes(scratch, data, prefix):
    path = _tmp_file(scratch, "noise.geojson", prefix + data)
    _only_own_errors(read_compounds, path, source_coords="wgs84")


# ------------------------------------------------------------------ plan configs (TOML)
KEYS = ["title", "profile", "lang", "inputs", "siting", "reach", "network", "compounds", "facilities",
        "gates", "communities", "facilities_coords", "mclp_sites", "mclp_category", "time_limit_s",
        "elderly_per_subdistrict", "demand", "x", "0"]
TOML_VALUES = st.one_of(
    st.sampled_from(['"roads.geojson"', '"compounds.geojson"', '"facilities.csv"', '"gcj02"', '"zh"',
                     '"en"', '"taizhou-2023"', '"../.."', '"/"', '""', '"a\\u0000b"', "3", "-1", "0",
                     "1.5", "inf", "nan", "true", "[1, 2]", '["a"]', "{a = 1}", "1979-05-27", '"""x"""']),
    st.integers(-10**6, 10**6).map(str),
    st.text(max_size=10).map(json.dumps),
)


@st.composite
def toml_texts(draw) -> str:
    if draw(st.integers(0, 4)) == 0:
        return draw(st.text(max_size=200))  # anything at all
    lines = []
    for _ in range(draw(st.integers(0, 10))):
        kind = draw(st.integers(0, 5))
        if kind == 0:
            lines.append(f"[{draw(st.sampled_from(['inputs', 'siting', 'reach', 'title', 'x.y', '']))}]")
        else:
            lines.append(f"{draw(st.sampled_from(KEYS))} = {draw(TOML_VALUES)}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def plan_folder(tmp_path_factory) -> Path:
    """Empty stand-ins for the input files a config may name (the config reader checks existence)."""
    folder = tmp_path_factory.mktemp("plan")
    for name in ("roads.geojson", "compounds.geojson", "facilities.csv"):
        (folder / name).write_text("", encoding="utf-8")
    return folder


@FUZZ
@given(text=toml_texts())
def test_plan_config_reader_on_toml_like_text(plan_folder, text):
    path = plan_folder / "plan.toml"
    path.write_text(text, encoding="utf-8")
    cfg = _only_own_errors(read_plan_config, path)
    if cfg is not None:  # what is accepted is well-typed
        assert {"network", "compounds", "facilities"} <= set(cfg.inputs)
        assert all(isinstance(v, Path) and v.exists() for v in cfg.inputs.values())
        assert all(isinstance(v, str) for v in cfg.coords.values())
        assert cfg.lang in ("zh", "en") and isinstance(cfg.title, str)


@FUZZ
@given(data=st.binary(max_size=300))
def test_plan_config_reader_on_random_bytes(plan_folder, data):
    path = plan_folder / "plan.toml"
    path.write_bytes(data)
    _only_own_errors(read_plan_config, path)
