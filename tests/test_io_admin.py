"""io.admin: community and sub-district polygons, NBS division-code lists."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from gis_planner._errors import CRSError, InputDataError
from gis_planner.io import read_admin_names, read_communities, read_subdistricts

SQ = shapely.box(121.47, 31.22, 121.48, 31.23)


def _layer(tmp_path, fname, geoms=None, /, **cols):
    p = tmp_path / fname
    n = len(next(iter(cols.values())))
    geoms = geoms or [shapely.affinity.translate(SQ, 0.01 * i) for i in range(n)]
    gpd.GeoDataFrame(cols, geometry=geoms, crs=4326).to_file(p)
    return p


def test_communities_with_chinese_columns(tmp_path):
    p = _layer(tmp_path, "communities.gpkg", 社区代码=["310101002001", "310101002002", "310101100201"],
               社区名称=["云南中路居委会", "龙泉园路居委会", "李庄村"],
               街道代码=["310101002", "310101002", "310101100"],
               城乡=["城镇", None, "农村"], high_rise=["是", "否", "否"])
    com = read_communities(p, metric_crs=32651)
    assert com.index.name == "community_code"
    assert com.index.tolist() == ["310101002001", "310101002002", "310101100201"]
    assert com["name"].tolist() == ["云南中路居委会", "龙泉园路居委会", "李庄村"]
    assert com["subdistrict_code"].tolist() == ["310101002", "310101002", "310101100"]
    assert com["urban_rural"].tolist() == ["urban", None, "rural"]  # None: classified later
    assert com["high_rise"].tolist() == [True, False, False]
    assert com.crs.to_epsg() == 32651 and (com.geom_type == "Polygon").all()
    assert com.area.iloc[0] == pytest.approx(951.6 * 1109.0, rel=0.02)  # 0.01° x 0.01° at 31.2°N, m²


def test_urban_rural_absent_and_english_values(tmp_path):
    plain = read_communities(_layer(tmp_path, "c.geojson", community_code=["A1"], name=["甲"]))
    assert "urban_rural" not in plain.columns  # left to the community module's classification
    eng = read_communities(_layer(tmp_path, "e.geojson", code=["A1", "A2"], name=["甲", "乙"],
                                  urban_rural=["Urban", "rural"]))
    assert eng["urban_rural"].tolist() == ["urban", "rural"]
    custom = read_communities(_layer(tmp_path, "x.geojson", 编码=["001"], 名字=["甲"], 属性=["农村"]),
                              code_col="编码", name_col="名字", urban_rural_col="属性")
    assert custom.index.tolist() == ["001"] and custom["urban_rural"].tolist() == ["rural"]


def test_community_errors(tmp_path):
    with pytest.raises(InputDataError, match=r"ur\.geojson: column '城乡' has 1 values that are neither urban "
                                             r"nor rural \(index A2\)"):
        read_communities(_layer(tmp_path, "ur.geojson", code=["A1", "A2"], name=["甲", "乙"], 城乡=["城镇", "郊区"]))
    with pytest.raises(InputDataError, match=r"dup\.geojson: column 'community_code' has duplicate ids \(A1\)"):
        read_communities(_layer(tmp_path, "dup.geojson", community_code=["A1", "A1"], name=["甲", "乙"]))
    with pytest.raises(InputDataError, match=r"noname\.geojson: no name column; expected one of 'name'"):
        read_communities(_layer(tmp_path, "noname.geojson", community_code=["A1"], 备注=["x"]))
    with pytest.raises(InputDataError,
                       match=r"pts\.geojson: 1 geometries of type Point \(index A1\); expected Polygon"):
        read_communities(_layer(tmp_path, "pts.geojson", [shapely.Point(121.47, 31.22)],
                                community_code=["A1"], name=["甲"]))
    bowtie = shapely.Polygon([(121.47, 31.22), (121.48, 31.23), (121.48, 31.22), (121.47, 31.23)])
    with pytest.raises(InputDataError, match=r"bow\.geojson: 1 invalid geometries \(index A1\)"):
        read_communities(_layer(tmp_path, "bow.geojson", [bowtie], community_code=["A1"], name=["甲"]))


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_boundaries_without_crs(tmp_path):
    p = tmp_path / "nocrs.shp"
    gpd.GeoDataFrame({"code": ["310101002"], "name": ["南京东路街道"]}, geometry=[SQ]).to_file(p)
    with pytest.raises(CRSError, match=r"nocrs\.shp: the file has no CRS"):
        read_subdistricts(p)
    assert read_subdistricts(p, source_coords="wgs84").crs.to_epsg() == 32651


def test_subdistricts(tmp_path):
    p = _layer(tmp_path, "sub.geojson", 街道代码=["310101002", "310118101", "310230201"],
               街道名称=["南京东路街道", "朱家角镇", "某某乡"])
    sub = read_subdistricts(p)
    assert sub.index.name == "subdistrict_code" and sub.index.tolist() == ["310101002", "310118101", "310230201"]
    assert sub["kind"].tolist() == ["subdistrict", "township", "township"]
    assert list(sub.columns) == ["name", "kind", "geometry"]
    given = read_subdistricts(_layer(tmp_path, "k.geojson", code=["1", "2"], name=["甲", "乙"],
                                     kind=["街道", "township"]))
    assert given["kind"].tolist() == ["subdistrict", "township"]
    with pytest.raises(InputDataError, match=r"bad\.geojson: column 'kind' has 1 values that are neither"):
        read_subdistricts(_layer(tmp_path, "bad.geojson", code=["1"], name=["甲"], kind=["county"]))


def test_nbs_name_lists(shared_data):
    folder = shared_data / "shanghai-huangpu"
    streets = read_admin_names(folder / "admin_shanghai_streets_nbs2023.csv")
    assert streets.attrs["level"] == "subdistrict" and len(streets) == 234
    assert streets.index.name == "subdistrict_code" and (streets.index.str.len() == 9).all()
    assert streets.loc["310101002", "name"] == "南京东路街道"
    huangpu = streets[streets["district_name"] == "黄浦区"]
    assert sorted(huangpu["name"]) == sorted(["南京东路街道", "外滩街道", "半淞园路街道", "小东门街道", "豫园街道",
                                              "老西门街道", "五里桥街道", "打浦桥街道", "淮海中路街道", "瑞金二路街道"])
    assert (huangpu["kind"] == "subdistrict").all()
    assert streets["kind"].value_counts()["township"] == 108  # names ending in 镇/乡
    villages = read_admin_names(folder / "admin_shanghai_villages_nbs2023.csv")
    assert villages.attrs["level"] == "community" and len(villages) == 6509
    assert (villages.index.str.len() == 12).all() and villages.index[0] == "310101002001"
    counts = villages["urban_rural"].value_counts(dropna=False)
    assert counts["urban"] == 4941 and counts["rural"] == 1555 and counts.isna().sum() == 0
    assert villages["urban_rural"].isna().sum() == 13  # 虚拟社区/虚拟生活区: neither
    hp = villages[villages["district_name"] == "黄浦区"].groupby("subdistrict_name").size()
    assert hp.sum() == 170 and hp.min() == 13 and hp.max() == 22


def test_nbs_name_list_errors(tmp_path):
    p = tmp_path / "codes.csv"
    p.write_text("street_code,street_name\n31010100x,甲街道\n", encoding="utf-8")
    with pytest.raises(InputDataError,
                       match=r"codes\.csv: column 'street_code' has 1 codes that are not digits \(lines 2\)"):
        read_admin_names(p)
    p.write_text("street_code,street_name\n310101002,甲\n310101002,乙\n", encoding="gbk")
    with pytest.raises(InputDataError, match=r"codes\.csv: column 'street_code' has duplicate codes \(310101002\)"):
        read_admin_names(p)
    p.write_text("code,名称\n1,甲\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"codes\.csv: not an NBS code list"):
        read_admin_names(p)
    p.write_text("street_code,street_name\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"codes\.csv: the table has a header but no rows"):
        read_admin_names(p)


def test_committee_type_and_division_code(tmp_path):
    p = _layer(tmp_path, "c.geojson", community_code=["A", "B", "C"], name=["甲", "乙", "丙"],
               委员会类型=["居民委员会", "村委会", None],
               division_code=["310101002001", "310117101201", None])
    com = read_communities(p, metric_crs=32651)
    assert com["committee_type"].tolist() == ["居委会", "村委会", None]
    assert com["division_code"].tolist() == ["310101002001", "310117101201", None]
    bad = _layer(tmp_path, "bad.geojson", community_code=["A"], name=["甲"],
                 committee_type=["街道办"])
    with pytest.raises(InputDataError, match=r"bad\.geojson: column 'committee_type' has 1 "
                       r"values that are not a committee type"):
        read_communities(bad, metric_crs=32651)
    bad = _layer(tmp_path, "bad2.geojson", community_code=["A"], name=["甲"],
                 division_code=["3101"])
    with pytest.raises(InputDataError, match="not 12-digit NBS division codes"):
        read_communities(bad, metric_crs=32651)


def test_nbs_list_committee_type(shared_data):
    villages = read_admin_names(shared_data / "shanghai-huangpu" / "admin_shanghai_villages_nbs2023.csv")
    counts = villages["committee_type"].value_counts(dropna=False)
    assert counts["居委会"] == 4941 and counts["村委会"] == 1555
    assert villages["committee_type"].isna().sum() == 13
