"""io.facilities (Amap/OSM category mapping, OSM files) and io.alignment (GCJ-02 shift detection)."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gis_planner._errors import GisPlannerWarning, InputDataError
from gis_planner.categories import known_categories
from gis_planner.io import check_alignment, read_facilities, read_osm_facilities
from gis_planner.io.coords import wgs84_to_bd09, wgs84_to_gcj02
from gis_planner.io.facilities import amap_mapping, categorise_amap, osm_mapping

# exact node extent of shanghai-central/roads_shanghai_center_overpass_2025-08.osm (PROVENANCE
# rounds it to lon 121.4093-121.5520, lat 31.1788-31.2785)
CENTRAL_BBOX = (121.4092739, 31.1788495, 121.5520316, 31.2785296)

AMAP_ROWS = [  # (name, Amap type, expected category; "" = excluded on purpose)
    ("阳光幼儿园", "科教文化服务;学校;幼儿园", "kindergarten"),
    ("咪咪幼儿园(莲花公寓社区卫生服务站东)", "科教文化服务;学校;幼儿园", "kindergarten"),
    ("第一小学", "科教文化服务;学校;小学", "primary_school"),
    ("某某初级中学", "科教文化服务;学校;中学", "middle_school"),
    ("爱宠动物医院", "医疗保健服务;动物医疗场所;宠物诊所", ""),
    ("福寿养老院", "生活服务;生活服务场所;生活服务场所", "nursing_home"),
    ("长桥街道老年人日间照料中心", "生活服务;生活服务场所;生活服务场所", "elderly_day_care"),
    ("外滩街道综合为老服务中心", "生活服务;生活服务场所;生活服务场所", "subdistrict_elderly_centre"),
    ("金陵东路党群服务中心", "政府机构及社会团体;社会团体;社会团体", "community_service_centre"),
    ("新新菜市场", "购物服务;综合市场;菜市场", "wet_market"),
    ("好德便利店", "购物服务;便民商店/便利店;便利店", "convenience_store"),
    ("联华超市", "购物服务;超级市场;超市", "supermarket"),
    ("盒马生鲜超市", "购物服务;超级市场;超市", "fresh_food_store"),
    ("第一医药大药房", "医疗保健服务;医药保健销售店;药房", "pharmacy"),
    ("复三社区卫生服务站", "医疗保健服务;综合医院;卫生院", "health_station"),
    ("老西门街道社区卫生服务中心", "医疗保健服务;综合医院;卫生院", "health_centre"),
    ("某镇卫生院", "医疗保健服务;综合医院;卫生院", "health_centre"),
    ("花仓村卫生室", "医疗保健服务;诊所;诊所", "health_station"),
    ("瑞金医院", "医疗保健服务;综合医院;三级甲等医院", ""),
    ("张氏口腔诊所", "医疗保健服务;诊所;诊所", ""),
    ("菜鸟驿站(复兴中路)", "生活服务;物流速递;物流速递", "parcel_point"),
    ("中国邮政", "生活服务;邮局;邮政速递", "parcel_point"),
    ("中国邮政储蓄银行", "金融保险服务;银行;中国邮政储蓄银行", ""),
    ("好帮手家政", "生活服务;家政服务;家政服务", "housekeeping"),
    ("小王家电维修", "生活服务;维修站点;维修站点", "repair"),
    ("途虎汽车维修", "汽车服务;汽车养护/装饰;汽车养护", ""),
    ("丝艺美容美发", "生活服务;美容美发店;美容美发店", "hairdresser"),
    ("象王洗衣", "生活服务;洗衣店;洗衣店", "laundry"),
    ("巴比早餐", "餐饮服务;快餐厅;快餐厅", "breakfast"),
]


def _write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def _amap_csv(rows):
    return "name,type,lng,lat\n" + "".join(f"{n},{t},121.47,31.23\n" for n, t, _ in rows)


# ------------------------------------------------------------------ Amap mapping
def test_amap_keyword_table_by_hand(tmp_path):
    fac = read_facilities(_write(tmp_path, "poi.csv", _amap_csv(AMAP_ROWS), "gbk"),
                          source_coords="gcj02", metric_crs=32651)
    expected = {f"F{i + 1}": c for i, (_, _, c) in enumerate(AMAP_ROWS) if c}
    assert fac["category"].to_dict() == expected
    assert fac.attrs["excluded"] == sum(1 for *_, c in AMAP_ROWS if not c)
    assert fac.attrs["unmapped"] == 0
    assert fac.attrs["excluded_by"]["type:动物医疗"] == 1
    assert fac.index.name == "facility_id" and fac["source_type"].iloc[0] == "科教文化服务;学校;幼儿园"
    assert set(fac["category"]) <= set(known_categories())


def test_unmapped_rows_are_reported_not_dropped_silently(tmp_path):
    rows = [("阳光幼儿园", "科教文化服务;学校;幼儿园", ""), ("某某公司", "公司企业;公司;公司", ""),
            ("某某大厦", "商务住宅;楼宇;商务写字楼", "")]
    p = _write(tmp_path, "poi.csv", _amap_csv(rows))
    with pytest.warns(GisPlannerWarning, match=r"poi\.csv: 2 of 3 rows match no category rule and are "
                                                r"left out \(index F2, F3; e\.g\. 公司企业;公司;公司, 商务住宅"):
        fac = read_facilities(p, source_coords="gcj02")
    assert fac.index.tolist() == ["F1"]
    assert fac.attrs["unmapped"] == 2 and fac.attrs["unmapped_examples"][0] == "公司企业;公司;公司"
    only_bad = _write(tmp_path, "bad.csv", _amap_csv(rows[1:]))
    with pytest.warns(GisPlannerWarning), \
            pytest.raises(InputDataError, match=r"bad\.csv: no facility is left \(2 unmapped\)"):
        read_facilities(only_bad, source_coords="gcj02")


def test_typecodes_and_names_without_type(tmp_path):
    body = "name,typecode,lng,lat\n甲,141204,121.47,31.23\n乙,141203,121.47,31.23\n丙,090701,121.47,31.23\n"
    fac = read_facilities(_write(tmp_path, "codes.csv", body), source_coords="wgs84")
    assert fac["category"].tolist() == ["kindergarten", "primary_school"]
    assert fac.attrs["excluded_by"] == {"typecode:0907": 1}
    names = read_facilities(_write(tmp_path, "names.csv", "name,lng,lat\n某某药房,121.47,31.23\n"),
                            source_coords="wgs84")
    assert names["category"].tolist() == ["pharmacy"]


def test_category_column_argument_and_unknown_ids(tmp_path):
    body = "id,name,类别,capacity,area_m2,lng,lat\nA,甲,kindergarten,300,2500,121.47,31.23\nB,乙,,,,121.47,31.23\n"
    with pytest.warns(GisPlannerWarning, match=r"1 of 2 rows match no category rule.*index B"):
        fac = read_facilities(_write(tmp_path, "f.csv", body), source_coords="wgs84")
    assert fac.loc["A", "category"] == "kindergarten"
    assert fac.loc["A", "capacity"] == 300 and fac.loc["A", "area_m2"] == 2500
    one = read_facilities(_write(tmp_path, "g.csv", "name,lng,lat\n甲,121.47,31.23\n"), source_coords="wgs84",
                          category="pharmacy")
    assert one["category"].tolist() == ["pharmacy"]
    bad = _write(tmp_path, "poi.csv", "name,category,lng,lat\nA,spaceport,121.47,31.23\nB,kindergarten,121.47,31.23\n")
    with pytest.raises(InputDataError, match=r"poi\.csv column 'category': unknown categories 'spaceport'; "
                                             r"known: subdistrict_elderly_centre, elderly_day_care"):
        read_facilities(bad, source_coords="wgs84")
    with pytest.raises(InputDataError, match=r"category argument: unknown categories 'school'"):
        read_facilities(bad, source_coords="wgs84", category="school")
    with pytest.raises(InputDataError, match=r"f2\.csv: column 'capacity' has 1 values that are not numbers"):
        read_facilities(_write(tmp_path, "f2.csv", "name,category,capacity,lng,lat\n甲,pharmacy,-3,121.47,31.23\n"),
                        source_coords="wgs84")
    with pytest.raises(InputDataError, match=r"none\.csv: cannot tell the facility category.*Pass category="):
        read_facilities(_write(tmp_path, "none.csv", "id,lng,lat\nA,121.47,31.23\n"), source_coords="wgs84")


def test_mapping_tables_are_valid_and_user_tables_checked(tmp_path):
    amap, osm = amap_mapping(), osm_mapping()
    assert set(amap["field"]) <= {"type", "name", "any", "typecode", "rawname"}
    known = set(known_categories()) | {""}
    assert set(amap["category"]) <= known and set(osm["category"]) <= known
    # transport stops and closed places go first, then vets and the other exclusions
    assert amap.iloc[0]["keyword"] == "15" and amap.iloc[0]["reason"] == "transport_stop"
    first_vet = amap.index[amap["keyword"] == "动物医疗"][0]
    assert set(amap.loc[: first_vet - 1, "reason"]) == {"transport_stop", "closed"}
    assert (amap.loc[amap["category"] == "", "reason"] != "").all()
    assert (amap.loc[amap["category"] != "", "reason"] == "").all()
    bad = _write(tmp_path, "mine.csv", "field,keyword,category\ntype,学校,school\n")
    with pytest.raises(InputDataError, match=r"mine\.csv: unknown categories 'school'"):
        amap_mapping(bad)
    worse = _write(tmp_path, "worse.csv", "field,keyword,category\ntitle,学校,kindergarten\n")
    with pytest.raises(InputDataError, match=r"worse\.csv: unknown field\(s\) \['title'\] in rows 2"):
        amap_mapping(worse)
    with pytest.raises(InputDataError, match=r"cols\.csv: mapping table lacks column\(s\) 'field'"):
        amap_mapping(_write(tmp_path, "cols.csv", "keyword,category\n学校,kindergarten\n"))


def test_categorise_amap_first_rule_wins():
    table = pd.DataFrame({"field": ["name", "type", "any"], "keyword": ["卫生室", "诊所", "店"],
                          "category": ["health_station", "", "convenience_store"]})
    types = pd.Series(["医疗;诊所", "医疗;诊所", "购物;店", "其他"])
    names = pd.Series(["村卫生室", "私人诊所", "某店", "某某"])
    cats, rules = categorise_amap(types, names, table)
    assert cats.tolist()[:3] == ["health_station", "", "convenience_store"] and pd.isna(cats.iloc[3])
    assert rules.tolist()[:3] == ["name:卫生室", "type:诊所", "any:店"]


# ------------------------------------------------------------------ real Amap POIs
def _inside(fac, bbox=CENTRAL_BBOX) -> int:
    ll = fac.to_crs(4326).geometry
    return int((ll.x.between(bbox[0], bbox[2]) & ll.y.between(bbox[1], bbox[3])).sum())


@pytest.mark.parametrize(("file", "total", "inside", "dropped"), [
    ("kindergarten", 2284, 435, {"excluded": 51, "duplicate": 45, "closed": 7}),  # 早教, 亲子 …
    ("primary_school", 931, 211, {"duplicate": 9, "closed": 3}),
    ("middle_school", 983, 219, {"duplicate": 12, "closed": 2, "excluded": 2}),  # 培训, 职业技术
])
def test_amap_schools_of_shanghai(shared_data, file, total, inside, dropped):
    # PROVENANCE: the CSVs look already converted to WGS-84, hence source_coords="wgs84"
    path = shared_data / "shanghai-huangpu" / f"poi_amap_{file}.csv"
    fac = read_facilities(path, source_coords="wgs84", metric_crs=32651)
    # 托班/日托 in a name is infant day care (托育), whatever Amap's type
    assert set(fac["category"]) == ({file, "nursery"} if file == "kindergarten" else {file})
    nursery = fac[fac["category"] == "nursery"]
    assert nursery["name"].str.contains("托班|日托").all()
    assert fac.attrs["unmapped"] == 0 and fac.attrs["dropped"] == dropped
    assert len(fac) + sum(dropped.values()) == total
    # PROVENANCE counts inside the central-Shanghai road extent, before cleaning
    every = read_facilities(path, source_coords="wgs84", metric_crs=32651, merge_within_m=None,
                            mapping=_plain_table(file))
    assert len(every) == total and _inside(every) == inside


def _plain_table(category):
    """One rule: every row is ``category`` (for PROVENANCE's raw counts)."""
    return pd.DataFrame({"field": ["any"], "keyword": [";"], "category": [category]})


def test_amap_health_of_shanghai(shared_data):
    path = shared_data / "shanghai-huangpu" / "poi_amap_health.csv"
    raw = pd.read_csv(path, dtype=str)
    assert len(raw) == 7513
    assert (raw["type"].str.split(";").str[1] == "动物医疗场所").sum() == 381  # PROVENANCE
    vets = raw["type"].str.contains("动物医疗", regex=False)  # one more lists it second
    assert vets.sum() == 382
    fac = read_facilities(path, source_coords="wgs84", metric_crs=32651)
    assert set(fac["category"]) == {"health_centre", "health_station"}
    assert not fac["source_type"].str.contains("动物医疗").any()
    assert fac.attrs["unmapped"] == 0  # every row is either a community health facility or excluded
    assert fac.attrs["dropped"] == {"excluded": 5941, "duplicate": 47, "closed": 7}
    assert fac.attrs["excluded"] + fac.attrs["dropped"]["duplicate"] + len(fac) == 7513
    assert fac.attrs["excluded_by"]["type:动物医疗"] == 382
    assert fac.attrs["excluded_by"]["name:接种"] == 19  # vaccination points are not health centres
    counts = fac["category"].value_counts()
    assert counts["health_station"] == 1021 and counts["health_centre"] == 497
    # every 社区卫生服务中心 named as such is a health centre unless it names a 服务站
    named = fac[fac["name"].str.contains("社区卫生服务中心") & ~fac["name"].str.contains("服务站")]
    assert (named["category"] == "health_centre").all() and len(named) > 400


def test_own_mapping_table_excludes_senior_high_schools(shared_data, tmp_path):
    mine = tmp_path / "my_amap.csv"
    base = amap_mapping().drop(columns=["note"])
    extra = pd.DataFrame({"field": ["name", "name"], "keyword": ["高级中学", "高中"], "category": ["", ""]})
    pd.concat([extra, base]).to_csv(mine, index=False, encoding="gbk")
    path = shared_data / "shanghai-huangpu" / "poi_amap_middle_school.csv"
    names = pd.read_csv(path, dtype=str)["name"].str.replace(r"[（(][^（()）]*[)）]", "", regex=True)
    senior = int(names.str.contains("高级中学|高中").sum())
    fac = read_facilities(path, source_coords="wgs84", mapping=mine, merge_within_m=None)
    # the packaged rules also drop 2 closed schools and 2 misfits (培训, 职业技术 …高级中学)
    assert senior == 67 and len(fac) == 983 - senior - 3 and fac.attrs["excluded"] == senior + 3


# ------------------------------------------------------------------ OSM
def test_osm_tag_columns(tmp_path):
    p = tmp_path / "osm.geojson"
    tags = pd.DataFrame({
        "name": ["A", "B", "第一小学", "某初级中学", "Koulu", "C", "D", "E"],
        "amenity": ["pharmacy", None, "school", "school", "school", "school", "veterinary", "bench"],
        "shop": [None, "convenience", None, None, None, None, None, None],
        "isced:level": [None, None, None, None, "1;2", None, None, None],
    })
    gpd.GeoDataFrame(tags, geometry=[shapely.Point(24.94, 60.17)] * 8, crs=4326).to_file(p)
    with pytest.warns(GisPlannerWarning, match=r"2 of 8 rows match no category rule.*index F6, F8"):
        fac = read_facilities(p)
    assert fac["category"].to_dict() == {"F1": "pharmacy", "F2": "convenience_store", "F3": "primary_school",
                                         "F4": "middle_school", "F5": "primary_school"}
    assert fac.attrs["excluded_by"] == {"amenity=veterinary": 1}
    assert fac.loc["F1", "source_type"] == "amenity=pharmacy"


def test_read_osm_facilities_against_gdal(shared_data):
    path = shared_data / "helsinki" / "Helsinki.osm.pbf"
    fac = read_osm_facilities(path)
    assert fac.crs.to_epsg() == 32635
    nodes = fac[fac.index.str.startswith("n")]
    # oracle: GDAL's OSM driver, points layer, tags in the hstore column
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        pts = gpd.read_file(path, layer="points")
    other = pts["other_tags"].fillna("")

    def gdal(key, value):
        return int(other.str.contains(f'"{key}"=>"{value}"', regex=False).sum())

    got = nodes["category"].value_counts()
    assert got["supermarket"] == gdal("shop", "supermarket") == 6
    assert got["convenience_store"] == gdal("shop", "convenience") == 9
    assert got["pharmacy"] == gdal("amenity", "pharmacy") == 6
    assert got["hairdresser"] == gdal("shop", "hairdresser") + gdal("shop", "beauty") == 66
    ways = fac[fac.index.str.startswith("w")]
    assert ways.loc["w123814071", "category"] == "wet_market"  # Vanha Kauppahalli, a closed way
    assert (ways["category"] == "sports_ground").sum() == 6
    assert fac.attrs["incomplete"] == 15 and len(fac) == 114
    lines = shapely.box(*gpd.GeoSeries(shapely.points(24.9352, 60.1642), crs=4326).to_crs(32635).total_bounds)
    assert lines.buffer(3000).contains(shapely.union_all(fac.geometry.to_numpy()))


def test_read_osm_facilities_errors(tmp_path):
    with pytest.raises(InputDataError, match=r"none\.osm\.pbf: file not found"):
        read_osm_facilities(tmp_path / "none.osm.pbf")
    junk = _write(tmp_path, "junk.osm", "<osm><node id='1' lat='1' lon='1'/></osm>")
    with pytest.raises(InputDataError, match=r"junk\.osm: (no object with any of the tags|cannot read)"):
        read_osm_facilities(junk)


# ------------------------------------------------------------------ alignment
def _shift(fac, forward):
    ll = fac.to_crs(4326).geometry
    lon, lat = forward(ll.x.to_numpy(), ll.y.to_numpy())
    return gpd.GeoDataFrame(fac.drop(columns="geometry"), geometry=shapely.points(lon, lat),
                            crs=4326).to_crs(fac.crs)


def test_gcj02_shift_detected_on_huangpu(shared_data):
    from gis_planner.io import read_network

    folder = shared_data / "shanghai-huangpu"
    net = read_network(folder / "roads_huangpu_drive_osmnx.osm")
    fac = read_facilities(folder / "poi_amap_kindergarten.csv", source_coords="wgs84", metric_crs=net.crs)
    x0, y0, x1, y1 = net.edges.total_bounds
    inside = fac[fac.geometry.x.between(x0, x1) & fac.geometry.y.between(y0, y1)]
    assert len(inside) == 16  # PROVENANCE: 16 kindergartens in the road bbox
    with warnings.catch_warnings():
        warnings.simplefilter("error", GisPlannerWarning)
        report = check_alignment(inside, net, what="kindergartens")
    assert report["suspected"] == "" and report["method"] == "named_roads"
    assert report["n_points"] == 12 and report["median_m"] < 150
    with pytest.warns(GisPlannerWarning, match=r"kindergartens: points lie a median \d+ m from the road named.*"
                                                r"look like GCJ-02.*source_coords='gcj02' \(CLI: --coords gcj02\)"):
        report = check_alignment(_shift(inside, wgs84_to_gcj02), net, what="kindergartens")
    assert report["suspected"] == "gcj02"
    assert report["median_m"] > 2 * report["median_if_gcj02_m"]


def test_bd09_shift_detected_on_central_shanghai(shared_data):
    from gis_planner.io import read_network

    net = read_network(shared_data / "shanghai-central" / "roads_shanghai_center_overpass_2025-08.osm")
    fac = read_facilities(shared_data / "shanghai-huangpu" / "poi_amap_primary_school.csv",
                          source_coords="wgs84", metric_crs=net.crs)
    ok = check_alignment(fac, net, what="schools")
    assert ok["suspected"] == "" and ok["n_points"] > 100 and ok["median_m"] < 80
    with pytest.warns(GisPlannerWarning, match=r"look like BD-09 \(Baidu\).*source_coords='bd09'"):
        bad = check_alignment(_shift(fac, wgs84_to_bd09), net, what="schools")
    assert bad["suspected"] == "bd09" and bad["median_m"] > 600 > 100 > bad["median_if_bd09_m"]


def test_nearest_road_statistic_on_a_sparse_network():
    from gis_planner.network.graph import WalkNetwork

    # roads 3 km apart around Shanghai; unnamed points 0-20 m from them
    lon0, lat0 = 121.2, 31.0
    lines = [shapely.LineString([(lon0 + i * 0.0315, lat0), (lon0 + i * 0.0315, lat0 + 0.2)]) for i in range(6)]
    roads = gpd.GeoDataFrame({"highway": ["residential"] * 6, "name": [""] * 6}, geometry=lines,
                             crs=4326).to_crs(32651)
    net = WalkNetwork.from_lines(roads, keep_largest_component=False)
    rng = np.random.default_rng(1)
    xs = net.edges.geometry.iloc[rng.integers(0, len(net.edges), 60)].centroid.x.to_numpy()
    ys = net.edges.geometry.iloc[rng.integers(0, len(net.edges), 60)].centroid.y.to_numpy()
    ys = np.clip(ys, *net.edges.total_bounds[[1, 3]])
    pts = gpd.GeoDataFrame(geometry=shapely.points(xs + rng.uniform(-20, 20, 60), ys), crs=32651)
    good = check_alignment(pts, net, what="pts")
    assert good["method"] == "nearest_road" and good["suspected"] == "" and good["median_m"] < 20
    with pytest.warns(GisPlannerWarning, match="look like GCJ-02"):
        bad = check_alignment(_shift(pts, wgs84_to_gcj02), net, what="pts")
    assert bad["median_m"] > 150 and bad["median_if_gcj02_m"] < 20
    few = check_alignment(pts.iloc[:3], net, what="pts")
    assert few["method"] == "" and few["n_points"] == 3
