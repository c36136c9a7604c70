"""Real-data fidelity of facilities and compounds: Amap POIs cleaned (transport stops, closed
places, copies of one place, misfits, the study area) with an audit table; a project's own
categories end to end; the user's id and attribute columns kept; outputs in the input's CRS."""

from __future__ import annotations

import logging
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gis_planner import categories
from gis_planner._errors import CRSError, GisPlannerWarning, InputDataError
from gis_planner.categories import declared_minutes, known_categories, label
from gis_planner.coverage import coverage_summary, reach
from gis_planner.io import (
    declare_categories,
    read_compounds,
    read_facilities,
    read_facilities_with_audit,
    read_network,
)
from gis_planner.io.coords import wgs84_to_gcj02
from gis_planner.io.facilities import DROP_REASONS
from gis_planner.io.write import to_output_crs, write_facility_audit, write_layers

HUANGPU = ("shanghai-huangpu", "roads_huangpu_drive_osmnx.osm")
CENTRAL = ("shanghai-central", "roads_shanghai_center_overpass_2025-08.osm")
POI_FILES = ("bus_stop", "metro_station", "health", "kindergarten", "primary_school", "middle_school")
#: the search cap a planner would use: 15 minutes at 4.8 km/h
SEARCH_CAP_M = 1200.0


@pytest.fixture(scope="module")
def central(shared_data):
    return read_network(shared_data.joinpath(*CENTRAL))


@pytest.fixture(scope="module")
def huangpu(shared_data):
    return read_network(shared_data.joinpath(*HUANGPU))


@pytest.fixture(scope="module")
def amap_shanghai(shared_data, tmp_path_factory):
    """Every Amap POI of the six Shanghai files in one export, as a planner downloads a city."""
    frames = [pd.read_csv(shared_data / "shanghai-huangpu" / f"poi_amap_{f}.csv", dtype=str)
              for f in POI_FILES]
    path = tmp_path_factory.mktemp("amap") / "shanghai_pois.csv"
    pd.concat(frames, ignore_index=True).to_csv(path, index=False)
    return path


@pytest.fixture
def no_declared():
    categories.clear_declared_categories()
    yield
    categories.clear_declared_categories()


def _csv(tmp_path, name, frame):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


# ------------------------------------------------------------------ Amap POIs of Shanghai
def test_shanghai_amap_audit_has_no_transport_stop_facilities(amap_shanghai, central, caplog):
    with caplog.at_level(logging.INFO, logger="gis_planner.io.facilities"), \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fac, audit = read_facilities_with_audit(amap_shanghai, source_coords="wgs84",
                                                study_area=central, margin_m=SEARCH_CAP_M)
    raw = pd.read_csv(amap_shanghai, dtype=str)
    assert len(audit) == len(raw) == 22_346
    assert audit.index.equals(pd.Index([f"F{i}" for i in range(1, len(raw) + 1)], name="facility_id"))
    transport = raw["type"].str.contains("交通设施服务").to_numpy()
    assert transport.sum() == 10_186 + 449  # PROVENANCE: bus stops and metro stations
    # no transport stop is a facility, whatever its name (敬老院(公交站), 南苑小学(公交站) …)
    assert (audit["status"][transport] == "transport_stop").all()
    assert not fac["source_type"].str.contains("交通设施服务").any()
    assert not fac["name"].str.contains("公交站|地铁站").any()
    stops = audit.loc[raw.index[raw["name"] == "敬老院(公交站)"].map(lambda i: f"F{i + 1}")]
    assert len(stops) == 4
    assert (stops["status"] == "transport_stop").all() and (stops["category"] == "").all()
    # every row has a status, and the kept ones are the facilities returned
    assert set(audit["status"]) <= {"kept", *DROP_REASONS}
    assert audit.index[audit["status"] == "kept"].equals(fac.index)
    assert (audit.loc[fac.index, "category"] == fac["category"]).all()
    counts = audit["status"].value_counts().to_dict()
    # the export covers the whole city: 4,423 facilities lie beyond the central network
    assert counts == {"transport_stop": 10_635, "excluded": 5994, "out_of_study_area": 4423,
                      "kept": 1244, "duplicate": 31, "closed": 19}
    # clipping is one summary line, not one message per point
    clip = [r for r in caplog.records if "beyond the study area" in r.getMessage()]
    assert len(clip) == 1
    assert f"{counts['out_of_study_area']} of" in clip[0].getMessage()
    assert not [w for w in caught if "study area" in str(w.message)]
    # facilities inside the central network's extent plus the cap only
    lo = central.edges.total_bounds - np.array([SEARCH_CAP_M, SEARCH_CAP_M, -SEARCH_CAP_M, -SEARCH_CAP_M])
    assert fac.geometry.x.between(lo[0], lo[2]).all() and fac.geometry.y.between(lo[1], lo[3]).all()
    assert fac.crs == central.crs
    beyond = audit[audit["status"] == "out_of_study_area"]
    assert beyond["reason"].str.fullmatch(r"[\d,]+ m beyond the study area").all()
    assert (beyond["category"] != "").all()  # what they would have been, for review


def test_bus_stops_named_after_places_without_a_type_column(shared_data, tmp_path):
    bus = pd.read_csv(shared_data / "shanghai-huangpu" / "poi_amap_bus_stop.csv", dtype=str)
    named = bus[bus["name"].str.contains("敬老院|小学|幼儿园|卫生服务中心")]
    assert len(named) > 20
    only_names = _csv(tmp_path, "stops.csv", named[["name", "lat", "lon"]])
    with pytest.raises(InputDataError, match=rf"stops\.csv: no facility is left \({len(named)} transport_stop\)"):
        read_facilities(only_names, source_coords="wgs84")
    with pytest.raises(InputDataError, match=r"poi_amap_bus_stop\.csv: no facility is left \(10186 transport_stop\)"):
        read_facilities(shared_data / "shanghai-huangpu" / "poi_amap_bus_stop.csv", source_coords="wgs84")


def _audit_of(shared_data, file, **kw):
    path = shared_data / "shanghai-huangpu" / f"poi_amap_{file}.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return read_facilities_with_audit(path, source_coords="wgs84", metric_crs=32651, **kw)


def _by_name(audit, name):
    rows = audit[audit["name"] == name]
    assert len(rows) >= 1, name
    return rows.iloc[0]


def test_misfits_on_real_rows(shared_data):
    _, health = _audit_of(shared_data, "health")
    # vaccination points named after their health centre are not health centres
    for name in ("豫园街道社区卫生服务中心预防接种室", "外滩街道社区卫生服务中心预防接种门诊",
                 "瑞金二路街道社区卫生服务中心成人接种门诊", "徐汇区中心医院-狂犬疫苗接种室"):
        row = _by_name(health, name)
        assert (row["status"], row["category"]) == ("excluded", ""), name
        assert row["rule"] in ("name:接种", "name:疫苗")
        assert row["reason"].startswith("vaccination points")  # the rule's note, for review
    assert _by_name(health, "老西门街道社区卫生服务中心")["category"] == "health_centre"
    row = _by_name(health, "上海复医门诊部(暂停营业)")
    assert (row["status"], row["rule"]) == ("closed", "rawname:暂停营业")
    _, kinder = _audit_of(shared_data, "kindergarten")
    # early-education centres and parent-child clubs are not kindergartens
    for name in ("震旦益智早教中心", "绿地世纪城幼儿园早教分园", "静安苗苗亲子园"):
        row = _by_name(kinder, name)
        assert (row["status"], row["category"]) == ("excluded", ""), name
    assert _by_name(kinder, "鲱鱼宝宝早教托班(虹口星星堂店)")["category"] == "nursery"
    assert _by_name(kinder, "思南路幼儿园")["category"] == "kindergarten"
    assert _by_name(kinder, "上海市市立幼儿园(暂停营业)")["status"] == "closed"
    _, middle = _audit_of(shared_data, "middle_school")
    row = _by_name(middle, "上海建峰职业技术学院附属高级中学")
    assert (row["status"], row["rule"]) == ("excluded", "name:职业技术")
    assert _by_name(middle, "向明中学(暂停营业)")["status"] == "closed"
    assert _by_name(middle, "市南中学")["category"] == "middle_school"


def test_adult_schools_are_not_middle_schools(tmp_path):
    # the shared Amap files hold no adult school: these rows follow Amap's format
    rows = pd.DataFrame({
        "name": ["黄浦区业余大学成人学校", "上海市成人教育中心", "某某区成人中专", "某某初级中学",
                 "某某职业学校", "某某中学(已关闭)", "某某小学(拆除)", "某某幼儿园(停业)"],
        "type": ["科教文化服务;学校;中学"] * 5 + ["科教文化服务;学校;中学", "科教文化服务;学校;小学",
                                             "科教文化服务;学校;幼儿园"],
        "lon": 121.47, "lat": 31.23})
    fac, audit = read_facilities_with_audit(_csv(tmp_path, "adult.csv", rows), source_coords="wgs84")
    assert fac["name"].tolist() == ["某某初级中学"]
    assert audit["status"].tolist() == ["excluded"] * 3 + ["kept", "excluded"] + ["closed"] * 3
    assert audit["rule"].tolist()[:3] == ["name:成人学校", "name:成人教育", "name:成人中专"]


def test_copies_of_one_place_are_merged(shared_data, tmp_path):
    fac, audit = _audit_of(shared_data, "health")
    # 小东门's centre at 南仓街 is in the file twice (5 m apart); its 光启南路 site, 700 m away, is
    # another place
    copies = audit[audit["name"].str.startswith("小东门街道社区卫生服务中心")]
    assert copies["status"].to_dict() == {"F66": "kept", "F234": "kept", "F328": "duplicate"}
    assert copies.loc["F328", "merged_into"] == "F234"
    assert copies.loc["F328", "reason"] == "same place as F234 小东门街道社区卫生服务中心 (5 m)"
    assert "F328" not in fac.index
    # merging can be turned off
    every, _ = _audit_of(shared_data, "health", merge_within_m=None)
    assert len(every) == len(fac) + len(audit[audit["status"] == "duplicate"])
    # by hand: same name 30 m apart -> one; 300 m apart -> two; other category or no name -> kept
    x0, y0 = 356_000.0, 3_455_000.0
    pts = pd.DataFrame({
        "name": ["甲幼儿园", "甲幼儿园(东门)", "甲幼儿园", "甲小学", "", ""],
        "type": ["科教文化服务;学校;幼儿园"] * 3 + ["科教文化服务;学校;小学", "科教文化服务;学校;幼儿园",
                                               "科教文化服务;学校;幼儿园"],
        "x": [x0, x0 + 30, x0 + 300, x0 + 5, x0, x0 + 1], "y": y0})
    pts.loc[4:, "type"] = "科教文化服务;学校;幼儿园"
    pts.loc[4:, "name"] = ["", ""]
    gdf = gpd.GeoDataFrame(pts, geometry=gpd.points_from_xy(pts["x"], pts["y"]), crs=32651)
    gdf.drop(columns=["x", "y"]).to_file(tmp_path / "pts.gpkg")
    fac, audit = read_facilities_with_audit(tmp_path / "pts.gpkg", metric_crs=32651)
    assert audit["status"].tolist() == ["kept", "duplicate", "kept", "kept", "kept", "kept"]
    assert audit["merged_into"].tolist() == ["", "F1", "", "", "", ""]
    assert len(fac) == 5


def test_study_area_needs_a_margin_and_the_same_crs(amap_shanghai, huangpu):
    with pytest.raises(InputDataError, match=r"shanghai_pois\.csv: a study area needs margin_m"):
        read_facilities(amap_shanghai, source_coords="wgs84", study_area=huangpu)
    with pytest.raises(InputDataError, match=r"the study area is in EPSG:32651 but the facilities in EPSG:4549"):
        read_facilities(amap_shanghai, source_coords="wgs84", study_area=huangpu, margin_m=500,
                        metric_crs="EPSG:4549")
    far = tuple(huangpu.edges.total_bounds + 200_000)
    with pytest.raises(InputDataError, match=r"no facility is left \(.*out_of_study_area"):
        read_facilities(amap_shanghai, source_coords="wgs84", study_area=far, margin_m=0,
                        metric_crs=huangpu.crs)


def test_audit_written_for_review(shared_data, tmp_path):
    _, audit = _audit_of(shared_data, "kindergarten")
    path = write_facility_audit(tmp_path / "facility_audit.csv", audit)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel shows the Chinese names
    back = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(back.columns) == ["facility_id", "name", "source_type", "typecode", "status",
                                  "category", "category_zh", "rule", "reason", "merged_into"]
    assert len(back) == 2284 and back["facility_id"].iloc[0] == "F1"
    assert (back.loc[back["category"] == "kindergarten", "category_zh"] == "幼儿园").all()
    with pytest.raises(InputDataError, match="exists"):
        write_facility_audit(path, audit)


# ------------------------------------------------------------------ own categories
def test_declared_categories_reach_coverage_end_to_end(huangpu, tmp_path, no_declared):
    table = tmp_path / "my_categories.csv"
    table.write_text("id,name_zh,name_en,group,radius_m,walk_minutes\n"
                     "community_canteen,社区食堂,Community canteen,elderly,500,\n"
                     "ev_charger,充电桩,EV charging point,transport,,10\n"
                     "pocket_park,口袋公园,Pocket park,sport,,\n", encoding="gbk")
    assert "community_canteen" not in known_categories()
    # a facility file using an undeclared id is refused
    nodes = huangpu.nodes.to_crs(4326).geometry
    rows = pd.DataFrame({"name": ["长者社区食堂", "某某社区食堂", "充电站"],
                         "category": ["community_canteen", "community_canteen", "ev_charger"],
                         "lon": nodes.x.iloc[[10, 300, 50]].to_numpy(),
                         "lat": nodes.y.iloc[[10, 300, 50]].to_numpy()})
    path = _csv(tmp_path, "own.csv", rows)
    with pytest.raises(InputDataError,
                       match=r"own\.csv column 'category': unknown categories 'community_canteen', 'ev_charger'"):
        read_facilities(path, source_coords="wgs84", metric_crs=huangpu.crs)
    declared = declare_categories(table)
    assert list(declared.index) == ["community_canteen", "ev_charger", "pocket_park"]
    assert label("community_canteen", "zh") == "社区食堂" and label("ev_charger", "en") == "EV charging point"
    assert known_categories()[-3:] == ["community_canteen", "ev_charger", "pocket_park"]
    assert declared_minutes(speed_kmh=4.0) == {"community_canteen": 7.5, "ev_charger": 10.0}
    fac = read_facilities(path, source_coords="wgs84", metric_crs=huangpu.crs)
    # an Amap-style export mapped by the planner's own rule onto the declared category
    amap = _csv(tmp_path, "amap.csv", rows.drop(columns="category").assign(type="餐饮服务;快餐厅;快餐厅"))
    rule = pd.DataFrame({"field": ["name"], "keyword": ["食堂"], "category": ["community_canteen"]})
    with pytest.warns(GisPlannerWarning, match="1 of 3 rows match no category rule"):
        mapped = read_facilities(amap, source_coords="wgs84", metric_crs=huangpu.crs, mapping=rule)
    assert mapped["category"].tolist() == ["community_canteen", "community_canteen"]
    # households (assumed counts: no real counts exist for Huangpu) at three nodes
    homes = gpd.GeoDataFrame({"households": [100, 200, 300]},
                             geometry=huangpu.nodes.geometry.iloc[[10, 11, 500]].to_numpy(),
                             crs=huangpu.crs, index=pd.Index(["A", "B", "C"], name="compound_id"))
    result = reach(huangpu, homes, fac, speed_kmh=4.0, walk_minutes=(5, 10, 15),
                   category_minutes=declared_minutes(speed_kmh=4.0))
    assert result.category_limits_m["community_canteen"] == pytest.approx(500.0)
    assert result.category_limits_m["ev_charger"] == pytest.approx(10 / 60 * 4000)
    h = result.households
    assert h.loc["A", "community_canteen_dist_m"] == pytest.approx(0.0, abs=0.01)
    assert bool(h.loc["A", "community_canteen_covered"])
    summary = coverage_summary(result)
    assert set(summary["category"]) == {"community_canteen", "ev_charger"}


def test_declared_categories_refuse_bad_tables(tmp_path, no_declared):
    def table(text, name="t.csv"):
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        return p

    head = "id,name_zh,name_en,group,radius_m\n"
    with pytest.raises(InputDataError, match=r"t\.csv row 1: 'kindergarten' is a packaged category"):
        declare_categories(table(head + "kindergarten,幼儿园,Kindergarten,education,300\n"))
    with pytest.raises(InputDataError, match=r"row 1: id 'Meal Point' is not an identifier"):
        declare_categories(table(head + "Meal Point,社区食堂,Meal,elderly,500\n"))
    with pytest.raises(InputDataError, match=r"row 1 \(community_canteen\): radius_m is '-5'; expected a number > 0"):
        declare_categories(table(head + "community_canteen,社区食堂,Meal,elderly,-5\n"))
    with pytest.raises(InputDataError, match=r"row 2: id 'community_canteen' is declared twice"):
        declare_categories(table(head + "community_canteen,社区食堂,Meal,elderly,500\n" * 2))
    with pytest.raises(InputDataError, match=r"lacks column\(s\) 'group'"):
        declare_categories(table("id,name_zh,name_en\ncommunity_canteen,社区食堂,Meal\n"))
    with pytest.raises(InputDataError, match=r"row 1 \(community_canteen\): name_en is empty"):
        declare_categories(table(head + "community_canteen,社区食堂,,elderly,500\n"))
    with pytest.raises(InputDataError, match=r"row 1 \(pocket_park\): name_zh holds control or invisible "
                                             r"characters \(U\+202E\)"):
        declare_categories(pd.DataFrame({"id": ["pocket_park"], "name_zh": ["口袋\u202e公园"],
                                         "name_en": ["Pocket park"], "group": ["sport"]}))
    with pytest.raises(InputDataError, match=r"give radius_m or walk_minutes, not both"):
        declare_categories(table("id,name_zh,name_en,group,radius_m,walk_minutes\ncommunity_canteen,社区食堂,Meal,elderly,500,5\n"))
    assert "community_canteen" not in known_categories()  # nothing half-declared
    # TOML, and a second declaration of the same values is harmless; other values are refused
    toml = table('[[category]]\nid = "community_canteen"\nname_zh = "社区食堂"\nname_en = "Meal point"\n'
                 'group = "elderly"\nwalk_minutes = 10\n', "cats.toml")
    declare_categories(toml)
    declare_categories(toml)
    with pytest.raises(InputDataError, match=r"'community_canteen' was declared before with other values"):
        declare_categories(table(head + "community_canteen,社区食堂,Meal point,elderly,800\n"))
    categories.clear_declared_categories()
    assert "community_canteen" not in known_categories()


# ------------------------------------------------------------------ the user's own data
def test_own_id_and_attribute_columns_are_kept(huangpu, tmp_path):
    nodes = huangpu.nodes.to_crs(4326).geometry
    homes = pd.DataFrame({"小区编号": ["HP-001", "HP-002", "HP-003"], "名称": ["甲小区", "乙小区", "丙小区"],
                          "户数": [1200, 850, 40], "物业": ["甲物业", "", "丙物业"], "建成年代": [1995, 2003, 1988],
                          "lon": nodes.x.iloc[[1, 2, 3]].to_numpy(), "lat": nodes.y.iloc[[1, 2, 3]].to_numpy()})
    path = _csv(tmp_path, "homes.csv", homes)
    got = read_compounds(path, source_coords="wgs84", metric_crs=huangpu.crs)
    assert got.index.tolist() == ["HP-001", "HP-002", "HP-003"]
    assert got["households"].dtype == np.int64 and got["households"].tolist() == [1200, 850, 40]
    for col in ("小区编号", "名称", "户数", "物业", "建成年代"):
        assert col in got.columns
    assert got["建成年代"].tolist() == ["1995", "2003", "1988"]  # as written in the file
    assert got["物业"].tolist()[0] == "甲物业"
    # any id column by name, or the hh_id alias
    renamed = _csv(tmp_path, "hh.csv", homes.rename(columns={"小区编号": "hh_id"}))
    assert read_compounds(renamed, source_coords="wgs84").index.tolist() == ["HP-001", "HP-002", "HP-003"]
    mine = _csv(tmp_path, "mine.csv", homes.rename(columns={"小区编号": "my_code"}))
    assert read_compounds(mine, source_coords="wgs84", id_col="my_code").index[0] == "HP-001"
    # facilities keep theirs too, and reach keeps every column of both beside the computed ones
    fac_rows = pd.DataFrame({"poi_code": ["K9", "K7"], "name": ["甲幼儿园", "乙幼儿园"],
                             "type": ["科教文化服务;学校;幼儿园"] * 2, "办学性质": ["公办", "民办"],
                             "lon": nodes.x.iloc[[1, 200]].to_numpy(), "lat": nodes.y.iloc[[1, 200]].to_numpy()})
    fac = read_facilities(_csv(tmp_path, "kg.csv", fac_rows), source_coords="wgs84",
                          metric_crs=huangpu.crs, id_col="poi_code")
    assert fac.index.tolist() == ["K9", "K7"] and fac["办学性质"].tolist() == ["公办", "民办"]
    assert {"poi_code", "type"} <= set(fac.columns)
    result = reach(huangpu, got, fac, speed_kmh=4.0, walk_minutes=(5, 10, 15))
    h = result.households
    assert h.index.tolist() == ["HP-001", "HP-002", "HP-003"]
    assert h["households"].dtype == np.int64
    assert h["物业"].fillna("").tolist() == ["甲物业", "", "丙物业"]
    assert "kindergarten_dist_m" in h.columns and "建成年代" in h.columns


def test_outputs_in_the_input_crs_or_cgcs2000(huangpu, tmp_path):
    nodes = huangpu.nodes.to_crs(4326).geometry
    lon, lat = nodes.x.iloc[[1, 2]].to_numpy(), nodes.y.iloc[[1, 2]].to_numpy()
    glon, glat = wgs84_to_gcj02(lon, lat)
    rows = pd.DataFrame({"id": ["a", "b"], "name": ["甲", "乙"], "households": [10, 20], "lon": glon, "lat": glat})
    homes = read_compounds(_csv(tmp_path, "gcj.csv", rows), source_coords="gcj02", metric_crs=huangpu.crs)
    back = to_output_crs(homes, "input")  # GCJ-02 in, GCJ-02 out: lines up with Amap's map again
    np.testing.assert_allclose(back.geometry.x, glon, atol=1e-7)
    np.testing.assert_allclose(back.geometry.y, glat, atol=1e-7)
    assert back.attrs["out_crs"] == "gcj02"
    national = to_output_crs(homes, "cgcs2000")
    assert national.crs.to_epsg() == 4490 and national.index.equals(homes.index)
    # a vector file in CGCS2000 3-degree Gauss-Kruger comes back in it; results take it from the input
    gk = gpd.GeoDataFrame(rows.drop(columns=["lon", "lat"]), geometry=gpd.points_from_xy(lon, lat),
                          crs=4326).to_crs(4549)
    gk.to_file(tmp_path / "gk.gpkg")
    homes_gk = read_compounds(tmp_path / "gk.gpkg", metric_crs=huangpu.crs)
    result = reach(huangpu, homes_gk, read_facilities(_csv(tmp_path, "f.csv", pd.DataFrame(
        {"name": ["某幼儿园"], "category": ["kindergarten"], "lon": [lon[0]], "lat": [lat[0]]})),
        source_coords="wgs84", metric_crs=huangpu.crs), speed_kmh=4.0, walk_minutes=(15,))
    out = write_layers(tmp_path / "results.gpkg", {"households": result.households}, out_crs="input",
                       like={"households": homes_gk})
    written = gpd.read_file(out, layer="households")
    assert written.crs.to_epsg() == 4549
    np.testing.assert_allclose(written.geometry.x, gk.geometry.x, atol=1e-3)
    with pytest.raises(CRSError, match="out_crs='input'"):
        to_output_crs(gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=huangpu.crs), "input")
    with pytest.raises(CRSError, match=r"out_crs='EPSG:99999' is not a coordinate system"):
        to_output_crs(homes, "EPSG:99999")
