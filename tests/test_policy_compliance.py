"""The compliance check on hand-made communities: each kind passes, fails and is not assessable.

The communities, facilities and household counts below are invented for the test; they are
small enough to check every number by hand.
"""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point, box

from gis_planner._errors import CRSError, InputDataError, PolicyError
from gis_planner.policy.compliance import (
    NOT_ASSESSABLE,
    TABLE_COLUMNS,
    check_compliance,
    community_size_table,
    read_community_attributes,
    write_compliance,
)
from gis_planner.policy.template import template_fields, write_attribute_template

CRS = "EPSG:32651"


@pytest.fixture
def communities():
    """Four 1 km squares side by side: C1, C2, C3 (high-rise) urban; V1 rural."""
    return gpd.GeoDataFrame(
        {
            "community_code": ["C1", "C2", "C3", "V1"],
            "name": ["一", "二", "三", "村"],
            "subdistrict_code": ["S1", "S1", "S2", "T1"],
            "urban_rural": ["urban", "urban", "urban", "rural"],
            "high_rise": [False, False, True, False],
        },
        geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(4)],
        crs=CRS,
    ).set_index("community_code", drop=False)


@pytest.fixture
def subdistricts():
    """S1 = C1 + C2 (sub-district), S2 = C3 (sub-district), T1 = V1 (township)."""
    return gpd.GeoDataFrame(
        {
            "subdistrict_code": ["S1", "S2", "T1"],
            "name": ["甲街道", "乙街道", "丙镇"],
            "kind": ["subdistrict", "subdistrict", "township"],
        },
        geometry=[box(0, 0, 2000, 1000), box(2000, 0, 3000, 1000), box(3000, 0, 4000, 1000)],
        crs=CRS,
    ).set_index("subdistrict_code", drop=False)


@pytest.fixture
def facilities():
    """One elderly centre (in S1), minor protection stations in every unit, a day-care in C1."""
    rows = [
        ("subdistrict_elderly_centre", 500, 500),
        ("minor_protection_station", 500, 400),
        ("minor_protection_station", 2500, 500),
        ("minor_protection_station", 3500, 500),
        ("elderly_day_care", 200, 200),
        ("health_station", 1500, 500),
    ]
    return gpd.GeoDataFrame(
        {"category": [r[0] for r in rows]}, geometry=[Point(x, y) for _, x, y in rows], crs=CRS
    )


@pytest.fixture
def attributes():
    return pd.DataFrame(
        {
            "community_code": ["C1", "C2", "C3", "V1"],
            "households": [2500, 3000, 4000, 1200],
            "service_area_m2": [900, 600, 1300, 650],  # per 100 hh: 36, 20, 32.5, 54.2
            "activity_area_m2": [700, 500, None, 500],  # share: 77.8, 83.3, -, 76.9
            "has_volunteer_station": ["是", "否", "yes", "1"],
            "community_workers": [10, 6, 8, 2],
            "urban_resident_population": [6000, 7000, 9000, 0],
            "opening_hours_per_day": [8, 9, 7.5, 8],
            "social_organisations": [13, 4, 12, 6],
        }
    )


def row(res, indicator_id, unit_id="city", category=""):
    t = res.table
    m = (t.indicator_id == indicator_id) & (t.unit_id == unit_id)
    if category:
        m &= t.category == category
    assert m.sum() == 1, (indicator_id, unit_id, category)
    return t[m].iloc[0]


def test_table_shape_and_ratio_per_community(attributes, communities):
    res = check_compliance("taizhou-2023", attributes=attributes, communities=communities)
    assert tuple(res.table.columns) == TABLE_COLUMNS
    r = row(res, "service_area_m2_per_100_households", "C1")
    assert r.value == pytest.approx(36.0) and r.status == "pass" and r.unit_name == "一"
    r = row(res, "service_area_m2_per_100_households", "C2")
    assert r.value == pytest.approx(20.0) and r.status == "fail"
    city = row(res, "service_area_m2_per_100_households")
    assert city.value == pytest.approx(75.0) and city.status == "fail"  # 3 of 4 pass
    # activity share: C3 lacks activity_area_m2, the others pass -> city not assessable
    r = row(res, "activity_area_share", "C3")
    assert r.status == NOT_ASSESSABLE and "`activity_area_m2`" in r.needs
    city = row(res, "activity_area_share")
    assert city.status == NOT_ASSESSABLE and city.value == pytest.approx(100.0)
    assert "for community C3" in city.needs and "service_area_m2" not in city.needs
    # value kind restricted to rural communities, and to new or rebuilt centres: not said here
    r = row(res, "village_service_centre_area_m2", "V1")
    assert r.status == NOT_ASSESSABLE and "centre_new_or_rebuilt" in r.needs
    assert (
        res.table.indicator_id.eq("village_service_centre_area_m2") & res.table.unit_id.eq("C1")
    ).sum() == 0
    assert row(res, "service_hours_per_day", "C3").status == "fail"


def test_flag_share_and_city_ratio(attributes):
    res = check_compliance("taizhou-2023", attributes=attributes)
    vol = row(res, "volunteer_station_coverage")
    assert vol.value == pytest.approx(75.0) and vol.status == "fail"  # 100 % needed
    assert row(res, "volunteer_station_coverage", "C2").status == "fail"
    assert row(res, "volunteer_station_coverage", "V1").status == "pass"
    res_tj = check_compliance("tianjin-14fyp", attributes=attributes)
    assert row(res_tj, "volunteer_station_coverage").status == "fail"  # 75 % < 80 %
    better = attributes.assign(has_volunteer_station=["是", "是", "是", "否"])
    assert (
        row(
            check_compliance("tianjin-14fyp", attributes=better), "volunteer_station_coverage"
        ).status
        == "fail"
    )  # still 75 %
    better = attributes.assign(has_volunteer_station=["是", "是", None, "是"])
    # 3 of 3 known, 1 unknown: between 75 % and 100 % -> undecided for 80 %
    r = row(check_compliance("tianjin-14fyp", attributes=better), "volunteer_station_coverage")
    assert r.status == NOT_ASSESSABLE and "C3" in r.needs
    # workers per 10,000 urban residents: urban communities only; unknown without urban_rural
    w = row(res, "community_workers_per_10k_urban_residents")
    assert w.status == NOT_ASSESSABLE and "urban_rural" in w.needs
    urban = attributes.assign(urban_rural=["urban", "urban", "urban", "rural"])
    # city ratio of sums over C1-C3: (10+6+8) / (6000+7000+9000) x 10000 = 10.9 < 18; V1's
    # two village workers do not count
    w = row(check_compliance("taizhou-2023", attributes=urban),
            "community_workers_per_10k_urban_residents")
    assert w.value == pytest.approx(24 / 22000 * 10000) and w.status == "fail"
    more = urban.assign(community_workers=[12, 14, 17, 200])  # 43 / 22000 -> 19.5
    w = row(
        check_compliance("taizhou-2023", attributes=more),
        "community_workers_per_10k_urban_residents",
    )
    assert w.value == pytest.approx(43 / 22000 * 10000) and w.status == "pass"
    # not filled at all
    s = row(res, "licensed_social_workers_per_10k")
    assert s.status == NOT_ASSESSABLE
    assert "fill column `licensed_social_workers` (持证社会工作专业人才数, persons)" in s.needs
    assert "`registered_population`" in s.needs


def test_min_households_and_urban_rural(attributes, communities):
    res = check_compliance("tianjin-14fyp", attributes=attributes, communities=communities)
    assert row(res, "community_social_organisations", "C1").status == "pass"  # 13 >= 12
    assert row(res, "community_social_organisations", "C2").status == "fail"  # 4 < 12
    assert row(res, "community_social_organisations_rural", "V1").status == "pass"  # 6 >= 6
    # without urban_rural the applicability is unknown
    res = check_compliance("tianjin-14fyp", attributes=attributes)
    r = row(res, "community_social_organisations", "C1")
    assert r.status == NOT_ASSESSABLE and "urban_rural" in r.needs


def test_facility_counts_per_subdistrict_and_community(facilities, subdistricts, communities):
    res = check_compliance(
        "taizhou-2023", facilities=facilities, subdistricts=subdistricts, communities=communities
    )
    assert row(res, "subdistrict_elderly_centre_coverage", "S1").value == 1
    assert row(res, "subdistrict_elderly_centre_coverage", "S2").status == "fail"
    city = row(res, "subdistrict_elderly_centre_coverage")
    assert city.value == pytest.approx(50.0) and city.status == "fail"  # urban S1, S2 only
    mp = row(res, "minor_protection_station_coverage")
    assert mp.value == pytest.approx(100.0) and mp.status == "pass"  # all three units
    hy = check_compliance(
        "hengyang-measures",
        facilities=facilities,
        communities=communities,
        subdistricts=subdistricts,
    )
    day = row(hy, "elderly_day_care_coverage")
    assert day.value == pytest.approx(100 / 3) and day.status == "fail"
    assert row(hy, "elderly_day_care_coverage", "C1").status == "pass"
    health = row(hy, "health_facility_coverage")
    assert health.value == pytest.approx(25.0)  # only C2 holds a health station
    # a proposed elderly centre in S2 closes the gap
    proposed = gpd.GeoDataFrame(
        {"category": ["subdistrict_elderly_centre"]}, geometry=[Point(2500, 300)], crs=CRS
    )
    res2 = check_compliance(
        "taizhou-2023", facilities=facilities, subdistricts=subdistricts, siting=proposed
    )
    city = row(res2, "subdistrict_elderly_centre_coverage")
    assert city.status == "pass" and "1 proposed" in city.note
    # no layers -> not assessable, naming what to give
    r = row(check_compliance("taizhou-2023"), "subdistrict_elderly_centre_coverage")
    assert r.status == NOT_ASSESSABLE and "--facilities" in r.needs and "--subdistricts" in r.needs


def test_facility_counts_refuse_mixed_crs(facilities, subdistricts):
    with pytest.raises(CRSError):
        check_compliance(
            "taizhou-2023", facilities=facilities.to_crs("EPSG:4326"), subdistricts=subdistricts
        )


def test_reach_share_uses_category_minutes():
    hh = pd.DataFrame(
        {
            "households": [100, 100, 200],
            "wet_market_min": [3.0, 10.0, 7.0],
            "kindergarten_min": [4.0, 4.6, 1.0],
        }
    )
    res = check_compliance("tianjin-14fyp", reach=hh)
    wm = row(res, "wet_market_coverage", category="wet_market")
    assert wm.value == pytest.approx(100.0) and wm.status == "pass"  # within 15 min
    assert "urban/rural unknown: all households counted" in wm.note  # said, never silent
    radius = row(res, "service_radius_coverage", category="wet_market")
    assert radius.value == pytest.approx(75.0) and radius.status == "fail"  # 500 m = 7.5 min
    kg = row(res, "service_radius_coverage", category="kindergarten")
    assert kg.value == pytest.approx(75.0)  # 300 m = 4.5 min: the 4.6-minute household is out
    r = row(res, "service_radius_coverage", category="primary_school")
    assert r.status == NOT_ASSESSABLE and "primary_school" in r.needs


def test_community_size_rows(attributes, communities):
    chk = pd.DataFrame(
        {
            "community_code": ["C1", "C2", "C3"],
            "households": [2500, 3600, 4000],
            "status": ["within_band", "too_large", "within_band"],
        }
    )
    # a founding standard, not a yearly indicator: not in the compliance table
    res = check_compliance("taizhou-2023", community_check=chk, communities=communities)
    assert "community_size_within_band" not in set(res.table.indicator_id)
    size = SimpleNamespace(table=community_size_table("taizhou-2023", chk,
                                                      communities=communities))
    assert row(size, "community_size_within_band", "C2").status == "fail"
    c3 = row(size, "community_size_within_band", "C3")
    assert c3.status == "pass" and (c3.target, c3.target_max) == (2000, 5000)  # high-rise band
    city = row(size, "community_size_within_band")
    assert city.value == pytest.approx(200 / 3) and city.status == "fail"
    assert c3.source.startswith("二(二)6") and c3.tier == "plan"
    none = SimpleNamespace(table=community_size_table("taizhou-2023", None))
    assert row(none, "community_size_within_band").status == NOT_ASSESSABLE
    with pytest.raises(PolicyError, match="no \\[community_bands\\]"):
        community_size_table("tianjin-14fyp", chk)


def test_manual_indicators_are_not_assessable():
    r = row(check_compliance("taizhou-2023"), "mental_health_rehab_district_coverage")
    assert r.status == NOT_ASSESSABLE and "by hand" in r.needs
    r = row(check_compliance("jiangsu-14fyp"), "needy_visit_mechanism_rate")
    assert "no target" in r.needs


def test_read_attributes_gbk_csv_with_chinese_header(tmp_path):
    path = tmp_path / "attrs.csv"
    text = (
        "社区代码,户数,社区综合服务设施（党群服务中心）建筑面积,综合服务设施内设有志愿服务站点,城乡类型\n"
        "001,2500,900,是,城市\n002,1200,,否,农村\n"
    )
    path.write_bytes(text.encode("gbk"))
    df = read_community_attributes(path)
    assert list(df.index) == ["001", "002"]
    assert df.loc["001", "service_area_m2"] == 900.0 and pd.isna(df.loc["002", "service_area_m2"])
    assert bool(df.loc["001", "has_volunteer_station"]) and not bool(
        df.loc["002", "has_volunteer_station"]
    )
    assert list(df["urban_rural"]) == ["urban", "rural"]
    res = check_compliance("taizhou-2023", attributes=df)
    assert row(res, "service_area_m2_per_100_households", "001").status == "pass"


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (
            "community_code,households\nA,12x\nB,3\n",
            r"attrs\.csv: column 'households' has non-numeric values \(community_code A\)",
        ),
        ("community_code,households\nA,-5\n", r"column 'households' has negative"),
        (
            "community_code,has_volunteer_station\nA,maybe\n",
            r"column 'has_volunteer_station' has values that are not 是/否.*community_code A",
        ),
        ("community_code,households\nA,1\nA,2\n", r"duplicate community_code A"),
        ("code,households\nA,1\n", r"no 'community_code' column"),
        ("community_code,urban_rural\nA,suburb\n", r"column 'urban_rural'.*community_code A"),
    ],
)
def test_read_attributes_errors_name_the_rows(tmp_path, content, match):
    path = tmp_path / "attrs.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputDataError, match=match):
        read_community_attributes(path)


def test_template_round_trip(tmp_path, communities):
    out = tmp_path / "template.xlsx"
    write_attribute_template(out, "taizhou-2023", communities)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["attributes", "fields"]
    ws = wb["attributes"]
    ids = [c.value for c in ws[2]]
    assert ids[:5] == ["community_code", "name", "subdistrict_code", "urban_rural", "high_rise"]
    assert set(template_fields("taizhou-2023").index) <= set(ids)
    assert ws.cell(row=1, column=1).value == "社区代码"
    assert [ws.cell(row=r, column=1).value for r in range(3, 7)] == ["C1", "C2", "C3", "V1"]
    assert ws.cell(row=5, column=5).value == "是"  # C3 is high-rise
    fields = {r[0]: r for r in wb["fields"].iter_rows(min_row=2, values_only=True) if r and r[0]}
    assert fields["service_area_m2"][3] == "m2"
    assert "service_area_m2_per_100_households" in fields["service_area_m2"][6]
    assert "activity_area_share" in fields["service_area_m2"][6]
    # fill one cell and read it back
    col = ids.index("service_area_m2") + 1
    ws.cell(row=3, column=col, value=900)
    ws.cell(row=3, column=ids.index("households") + 1, value=2500)
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    df = read_community_attributes(filled)
    assert df.loc["C1", "service_area_m2"] == 900.0 and bool(df.loc["C3", "high_rise"])
    res = check_compliance("taizhou-2023", attributes=df)
    assert row(res, "service_area_m2_per_100_households", "C1").value == pytest.approx(36.0)
    with pytest.raises(InputDataError, match="exists"):
        write_attribute_template(out, "taizhou-2023")


def test_write_compliance_csv_and_xlsx(tmp_path, attributes):
    res = check_compliance("taizhou-2023", attributes=attributes)
    csv = write_compliance(res, tmp_path / "c.csv")
    back = pd.read_csv(csv, encoding="utf-8-sig", dtype={"unit_id": str})
    assert len(back) == len(res.table) and set(back.status) <= {"pass", "fail", NOT_ASSESSABLE}
    xlsx = write_compliance(res, tmp_path / "c.xlsx")
    assert openpyxl.load_workbook(xlsx).sheetnames == ["compliance", "summary"]
    with pytest.raises(InputDataError, match="exists"):
        write_compliance(res, csv)
    summary = res.summary()
    assert summary.loc["service_area_m2_per_100_households", "pass"] == 3


def test_names_starting_with_equals_stay_text_in_workbooks(tmp_path, communities):
    hostile = communities.assign(name=['=HYPERLINK("http://x","y")', "二", "三", "村"])
    out = write_attribute_template(tmp_path / "t.xlsx", "taizhou-2023", hostile)
    cell = openpyxl.load_workbook(out)["attributes"].cell(row=3, column=2)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    res = check_compliance("taizhou-2023", communities=hostile)
    xlsx = write_compliance(res, tmp_path / "c.xlsx")
    ws = openpyxl.load_workbook(xlsx)["compliance"]
    names = [c for row in ws.iter_rows(min_row=2) for c in row if c.value == hostile["name"].iloc[0]]
    assert names and all(c.data_type == "s" for c in names)
