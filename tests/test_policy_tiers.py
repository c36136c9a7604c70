"""Planner-grade answers: indicator tiers, scope, rural life circles, walking assumptions.

The communities and households below are invented for the test and small enough to check by
hand.
"""

from __future__ import annotations

import pandas as pd
import pytest

from gis_planner._errors import InputDataError, PolicyError
from gis_planner.categories import known_categories
from gis_planner.policy import check_compliance, list_profiles, load_profile
from gis_planner.policy.compliance import (
    HEADLINE_COLUMNS,
    INFORMATION,
    NOT_ASSESSABLE,
    headline_table,
    profiles_for_communities,
    tier_table,
)

SHIPPED = [p["id"] for p in list_profiles()]


def test_every_indicator_has_a_tier_and_readings_are_never_verified():
    for pid in SHIPPED:
        for ind in load_profile(pid).indicators:
            assert ind.tier in ("plan", "standard", "reading"), (pid, ind.id)
            if ind.tier == "reading":
                assert ind.status != "verified", (pid, ind.id)
    tz = load_profile("taizhou-2023")
    tiers = {i.id: i.tier for i in tz.indicators}
    assert tiers["service_area_m2_per_100_households"] == "plan"
    assert tiers["basic_formats_15min_coverage"] == "reading"  # 100 % is in no text
    assert tiers["service_radius_coverage"] == "standard"  # GB 50180 radii
    assert tz.indicator("community_workers_per_10k_urban_residents").binding_zh == "约束性"
    assert tz.indicator("activity_area_share").binding_zh == "预期性"


def test_product_text_cites_documents_not_internal_files():
    for pid in SHIPPED:
        p = load_profile(pid)
        texts = [p.source, p.notes] + [i.source + i.note for i in p.indicators]
        texts += [q.source for q in p.walk.values()]
        for text in texts:
            assert "seed" not in text.lower() and "reference notes" not in text, (pid, text)
    assert "泰州市人民政府办公室" in load_profile("taizhou-2023").source


def _profile(tmp_path, body):
    p = tmp_path / "p.toml"
    p.write_text('id = "x"\ntitle = { zh = "x", en = "x" }\nsource = "x"\n' + body,
                 encoding="utf-8")
    return p


INDICATOR = """
[indicators.a]
label_zh = "a"
label_en = "a"
kind = "value"
column = "opening_hours_per_day"
comparison = ">="
target = 8
unit = "h"
scope = "community"
applies_to = "all"
"""


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (INDICATOR + 'source = "derived: our count"\nstatus = "verified"\n',
         r"p\.toml: indicators\.a\.status: 'verified' for a number whose source is the "
         r"project's own reading"),
        (INDICATOR + 'source = "item 2"\nstatus = "verified"\ntier = "reading"\n',
         r"indicators\.a\.status: 'verified' on a tier 'reading' indicator"),
        (INDICATOR + 'source = "item 2"\nstatus = "derived"\ntier = "plan"\n',
         r"indicators\.a\.tier: 'plan' for a number that is the project's own reading"),
        (INDICATOR + 'source = "item 2"\nstatus = "verified"\ntier = "guess"\n',
         r"indicators\.a\.tier: expected one of plan, standard, reading"),
        (INDICATOR + 'source = "item 2"\nstatus = "verified"\ncondition = "households"\n',
         r"indicators\.a\.condition: 'households' is not a yes/no attribute field"),
        ('[walk.speed_kmh]\nvalue = 4.0\nsource = "our reading of 800 m"\nstatus = "verified"\n',
         r"walk\.speed_kmh\.status: 'verified' for a number whose source is the project's own"),
        ('document_type = "law"\n', r"p\.toml: document_type: expected one of plan, standard"),
    ],
)
def test_loader_refuses_verified_readings_and_bad_tiers(tmp_path, body, match):
    with pytest.raises(PolicyError, match=match):
        load_profile(_profile(tmp_path, body))


def test_standard_document_defaults_to_tier_standard(tmp_path):
    body = 'document_type = "standard"\n' + INDICATOR + 'source = "5.0.2"\nstatus = "unverified"\n'
    assert load_profile(_profile(tmp_path, body)).indicator("a").tier == "standard"
    body = INDICATOR + 'source = "derived: our count"\nstatus = "derived"\n'
    assert load_profile(_profile(tmp_path, body)).indicator("a").tier == "reading"


@pytest.fixture
def communities():
    return pd.DataFrame({
        "community_code": ["C1", "C2", "C3", "V1", "V2"],
        "name": ["一社区", "二社区", "三社区", "甲村", "乙村"],
        "urban_rural": ["urban", "urban", "urban", "rural", "rural"],
    })


@pytest.fixture
def attributes():
    return pd.DataFrame({
        "community_code": ["C1", "C2", "C3", "V1", "V2"],
        "households": [2500, 3000, 2000, 1200, 1000],
        "service_area_m2": [900, 600, 700, 500, 650],  # per 100 hh: 36, 20, 35, 41.7, 65
        "opening_hours_per_day": [8, 9, None, 8, 8],
        "centre_new_or_rebuilt": [None, None, None, "否", "是"],
        "community_workers": [10, 6, 8, 50, 40],
        "urban_resident_population": [6000, 7000, 9000, 0, 0],
    })


def test_headline_counts_plan_indicators_per_unit(communities, attributes):
    res = check_compliance("taizhou-2023", communities=communities, attributes=attributes)
    head = headline_table(res)
    assert tuple(head.columns) == HEADLINE_COLUMNS
    assert set(head["tier"]) == {"plan"}
    assert "basic_formats_15min_coverage" not in set(head["indicator_id"])
    assert "service_radius_coverage" not in set(head["indicator_id"])
    h = head.set_index("indicator_id")
    area = h.loc["service_area_m2_per_100_households"]
    assert (area.units_assessed, area.units_passing, area.not_assessable) == (5, 4, 0)
    assert area.sentence_zh == "[预期性] 每百户居民拥有社区综合服务设施面积：4/5 个社区达标"
    assert area.sentence_en.endswith("4 of 5 communities pass")
    hours = h.loc["service_hours_per_day"]
    assert (hours.units_assessed, hours.units_passing, hours.not_assessable) == (4, 4, 1)
    assert "另 1 个社区无法评估" in hours.sentence_zh
    # workers per 10,000 urban residents: urban communities only, city-wide ratio of sums
    w = h.loc["community_workers_per_10k_urban_residents"]
    assert w.unit_type == "city" and w.city_value == pytest.approx(24 / 22000 * 10000)
    assert w.city_status == "fail" and (w.units_assessed, w.units_passing) == (1, 0)
    assert w.binding_zh == "约束性" and "全市 10.9" in w.sentence_zh
    assert area.citation_zh == ("《泰州市城乡社区服务体系建设行动方案（2023—2025年）》"
                                "（泰州市人民政府办公室，2023-08-31）专栏1 第1项; 二(二)6 "
                                "(社区党群服务中心建筑面积每百户不低于30平方米)")
    assert area.citation_en.startswith("Taizhou action plan") and "2023-08-31" in area.citation_en
    assert res.headline().equals(head)


def test_village_centre_judges_new_or_rebuilt_only(communities, attributes):
    res = check_compliance("taizhou-2023", communities=communities, attributes=attributes)
    t = res.table[res.table["indicator_id"] == "village_service_centre_area_m2"].set_index("unit_id")
    assert t.loc["V1", "status"] == INFORMATION and t.loc["V1", "value"] == 500  # existing
    assert t.loc["V2", "status"] == "pass"  # new, 650 >= 600
    assert "C1" not in t.index  # rural only
    row = headline_table(res).set_index("indicator_id").loc["village_service_centre_area_m2"]
    assert (row.units_assessed, row.units_passing, row.information) == (1, 1, 1)
    assert "1 个社区仅列示" in row.sentence_zh


def test_standard_and_reading_tables_are_labelled(communities):
    hh = pd.DataFrame({"community_code": ["C1", "C2", "V1"], "households": [100, 300, 400],
                       "wet_market_min": [3.0, 20.0, 1.0], "kindergarten_min": [4.0, 4.6, 1.0]})
    res = check_compliance("taizhou-2023", communities=communities, reach=hh)
    reading = tier_table(res, "reading")
    assert set(reading["tier_zh"]) == {"本工具的解读"}
    wm = reading[reading["category"] == "wet_market"].iloc[0]
    # MOFCOM urban formats: urban households only (V1's 400 are left out): 100 of 400
    assert wm["value"] == pytest.approx(25.0) and "urban communities only" in wm["note"]
    std = tier_table(res, "standard")
    kg = std[std["category"] == "kindergarten"].iloc[0]
    assert kg["citation_zh"].startswith("《城市居住区规划设计标准》（中华人民共和国住房和城乡建设部，"
                                        "GB 50180-2018，2018-07-10）附录C")
    assert kg["source_status"] == "unverified" and kg["tier_en"] == "standard check"
    assert kg["value"] == pytest.approx(25.0)  # 300 m = 4.5 min; only C1's 100 of 400
    assert res.checks("plan").equals(tier_table(res, "plan"))
    with pytest.raises(PolicyError, match="tier 'other'"):
        tier_table(res, "other")


def test_rural_communities_are_judged_by_the_rural_profile(communities):
    hh = pd.DataFrame({
        "community_code": ["C1", "V1", "V2", "V2"],
        "households": [500, 100, 200, 100],
        "health_station_dist_m": [100.0, 900.0, 1200.0, 400.0],
        "township_health_centre_min": [5.0, 50.0, 60.0, 30.0],  # at 4 km/h: 3333, 4000, 2000 m
    })
    hh.attrs["speed_kmh"] = 4.0
    res = check_compliance("taizhou-2023", communities=communities, reach=hh,
                           rural_profile="rural-tdt1062")
    t = res.table[res.table["judged_by"] == "rural-tdt1062"].set_index("category")
    village = t[t["indicator_id"] == "village_level_coverage"]
    # village clinic within 1,000 m walking: V1 100 + V2 100 of 400 rural households
    assert village.loc["health_station", "value"] == pytest.approx(50.0)
    assert village.loc["health_station", "source_status"] == "unverified"
    assert "1,000 m" in village.loc["health_station", "note"]
    town = t[t["indicator_id"] == "township_level_coverage"]
    # township health centre within 3,750 m by e-bike: V1 (3,333 m) and 100 of V2 (2,000 m)
    assert town.loc["township_health_centre", "value"] == pytest.approx(50.0)
    assert "e-bike" in town.loc["township_health_centre", "note"]
    assert town.loc["middle_school", "status"] == NOT_ASSESSABLE
    assert set(t["tier"]) == {"reading"} and res.rural_profile_id == "rural-tdt1062"
    # a reach result searched only to 3,000 m cannot judge a 3,750 m budget
    short = hh.copy()
    short.attrs.update(speed_kmh=4.0, search_cap_m=3000.0)
    res3 = check_compliance("taizhou-2023", communities=communities, reach=short,
                            rural_profile="rural-tdt1062")
    t3 = res3.table[res3.table["judged_by"] == "rural-tdt1062"].set_index("category")
    r3 = t3[t3["indicator_id"] == "township_level_coverage"].loc["township_health_centre"]
    assert r3["status"] == NOT_ASSESSABLE and "search_cap_m=3750" in r3["needs"]
    village3 = t3[t3["indicator_id"] == "village_level_coverage"]
    assert village3.loc["health_station", "value"] == pytest.approx(50.0)  # 1,000 m < cap
    # without urban/rural the rural profile never counts every household
    res2 = check_compliance("taizhou-2023", reach=hh, rural_profile="rural-tdt1062")
    r = res2.table[res2.table["judged_by"] == "rural-tdt1062"].iloc[0]
    assert r["status"] == NOT_ASSESSABLE and "urban_rural" in r["needs"]


def test_profiles_for_communities_and_unit_words(communities):
    out = profiles_for_communities(communities.assign(urban_rural=["urban", "urban", None,
                                                                   "rural", "rural"]),
                                   profile="taizhou-2023", rural_profile="rural-tdt1062")
    assert out["profile_id"].tolist() == ["taizhou-2023", "taizhou-2023", "", "rural-tdt1062",
                                          "rural-tdt1062"]
    assert out.loc["V1", "unit_word_zh"] == "村民小组" and out.loc["C1", "unit_word_zh"] == "小区"
    alone = profiles_for_communities(communities, profile="taizhou-2023")
    assert set(alone["profile_id"]) == {"taizhou-2023"}
    # committee type first, when the frame is not classified
    ct = profiles_for_communities(
        communities.assign(committee_type=["村委会", None, "居民委员会", None, None]),
        profile="taizhou-2023", rural_profile="rural-tdt1062")
    assert ct["urban_rural"].tolist() == ["rural", "urban", "urban", "rural", "rural"]
    assert ct["urban_rural_rule"].tolist() == ["committee_type", "column", "committee_type",
                                               "column", "column"]
    assert ct.loc["C1", "profile_id"] == "rural-tdt1062"
    with pytest.raises(InputDataError, match="no 'urban_rural' or 'committee_type' column"):
        profiles_for_communities(communities.drop(columns="urban_rural"), profile="taizhou-2023")


def test_rural_profile_levels_and_elements():
    p = load_profile("rural-tdt1062")
    assert [lv.label_zh for lv in p.levels] == ["乡集镇层级", "村/组层级"]
    village = p.level("village")
    assert village.unit_word_zh == "村民小组" and village.distance_m == pytest.approx(1000.0)
    town = p.level("township")
    assert town.mode == "e-bike" and town.distance_m == pytest.approx(3750.0)
    assert {e.zh for e in village.elements} >= {"村卫生室", "互助养老幸福院", "健身场地",
                                                "便民商店", "村级寄递物流站（快递点）"}
    assert {e.zh for e in town.elements} >= {"卫生院", "集贸市场", "综合文化站"}
    # standards.md: the element lists are recalled [U]; no rural distance was found
    assert {e.status for lv in p.levels for e in lv.elements} == {"unverified"}
    assert {lv.status for lv in p.levels} == {"derived"}
    for lv in p.levels:
        assert set(lv.categories) <= set(known_categories())
    assert {"township_health_centre", "rural_elderly_home"} <= set(known_categories())
    with pytest.raises(PolicyError, match="no level 'county'"):
        p.level("county")


def test_walking_assumptions_at_both_ends_of_800_1000_m():
    p = load_profile("taizhou-2023")
    wa = p.walking_assumptions().set_index("assumption")
    assert wa.loc["standard", "headline_distance_m"] == pytest.approx(1000.0)
    assert wa.loc["conservative", "headline_distance_m"] == pytest.approx(800.0)
    assert wa.loc["elderly", "speed_kmh"] == pytest.approx(2.8)
    assert wa.loc["conservative", "text_zh"] == "按步行 3.2 km/h 计（15 分钟约 800 m）"
    assert set(wa["tier"]) == {"reading"}  # GB 50180 states no speed
    low = p.category_budgets(assumption="conservative")
    high = p.category_budgets(assumption="standard")
    assert low.loc["pharmacy", "distance_m"] == pytest.approx(800.0)
    assert high.loc["pharmacy", "distance_m"] == pytest.approx(1000.0)
    assert high.loc["kindergarten", "distance_m"] == 300.0  # a radius keeps its metres
    assert high.loc["kindergarten", "unverified"]  # GB 50180 附录C radii are unverified
    assert high.loc["elderly_day_care", "speed_basis"] == "elderly"
    assert high.loc["elderly_day_care", "minutes"] == pytest.approx(300 * 60 / 2800)
    with pytest.raises(PolicyError, match="no 'brisk' walking speed"):
        p.assumption_speed("brisk")


def test_template_asks_for_the_condition_column():
    from gis_planner.policy.template import template_fields

    fields = template_fields("taizhou-2023")
    assert fields.loc["centre_new_or_rebuilt", "indicators"] == "village_service_centre_area_m2"
    assert fields.loc["centre_new_or_rebuilt", "type"] == "bool"


def test_service_radius_of_the_community_centre_is_exposed():
    bands = load_profile("taizhou-2023").community_bands
    r = bands.service_radius_m
    assert r.value == 1000 and r.status == "derived" and "在满足社区合理服务半径的前提下" in r.source
