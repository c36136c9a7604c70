"""Shipped profiles against the text of the plans they transcribe (the shared seeds)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gis_planner.categories import known_categories
from gis_planner.policy import list_profiles, load_profile

SHIPPED = (
    "gb50180-2018",
    "mofcom-15min",
    "taizhou-2023",
    "tianjin-14fyp",
    "hengyang-measures",
    "jiangsu-14fyp",
)


def seed_text(shared_data: Path, number: str) -> str:
    files = sorted((shared_data.parent / "seeds").glob(f"{number}_*.txt"))
    if not files:
        pytest.skip(f"seed {number} not found beside the shared data")
    text = files[0].read_text(encoding="utf-8")
    # seed 002 carries pinyin after some characters, e.g. "進(jìn)"; drop it
    return re.sub(r"\([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", "", text)


def numbers_after(text: str, keyword: str, window: int = 60) -> list[float]:
    """Numbers written within ``window`` characters after the first ``keyword`` in ``text``."""
    pos = text.find(keyword)
    assert pos >= 0, f"{keyword!r} not in the seed"
    chunk = text[pos + len(keyword) : pos + len(keyword) + window]
    return [float(x) for x in re.findall(r"\d+(?:\.\d+)?", chunk)]


def test_list_profiles_has_every_shipped_profile():
    rows = {r["id"]: r for r in list_profiles()}
    assert set(SHIPPED) <= set(rows)
    assert rows["taizhou-2023"]["n_indicators"] == len(load_profile("taizhou-2023").indicators)
    assert rows["taizhou-2023"]["date"] == "2023-08-31"


@pytest.mark.parametrize("pid", SHIPPED)
def test_every_number_has_source_and_status(pid):
    p = load_profile(pid)
    statuses = {"verified", "secondary", "unverified", "derived"}
    for ind in p.indicators:
        assert ind.source and ind.status in statuses, ind.id
    for rule in p.facilities.values():
        assert rule.source and rule.status in statuses
        assert rule.category in known_categories()
    for q in p.walk.values():
        assert q.source and q.status in statuses
    for c in p.reach_parameters()["required_categories"]:
        assert c in known_categories()


# ---- taizhou-2023 (seed 000) ----------------------------------------------------------------


def test_taizhou_seed_is_the_taizhou_plan(shared_data):
    text = seed_text(shared_data, "000")
    assert "泰州市城鄉社區服務體系建設行動方案(2023—2025年)" in text


def test_taizhou_has_all_13_indicators_of_box_1(shared_data):
    text = seed_text(shared_data, "000")
    box = text[text.index("專欄1") : text.index("二、重點任務")]
    rows = [ln for ln in box.splitlines() if re.match(r"^\d+ \|", ln)]
    assert len(rows) == 13
    p = load_profile("taizhou-2023")
    box_items = sorted(
        int(m.group(1)) for i in p.indicators for m in [re.match(r"专栏1 第(\d+)项", i.source)] if m
    )
    assert box_items == list(range(1, 14))


@pytest.mark.parametrize(
    ("indicator_id", "keyword", "expected"),
    [
        (
            "service_area_m2_per_100_households",
            "每百戶居民擁有社區綜合服務設施面積 | ≥30平方米 |",
            30,
        ),
        (
            "commercial_service_area_share",
            "社區商業和綜合服務設施面積占社區總建筑面積的比例 | — |",
            10,
        ),
        ("activity_area_share", "居民活動區域面積占社區綜合服務設施總建筑面積比例 | — |", 70),
        ("volunteer_station_coverage", "志愿服務站點在社區綜合服務設施中的覆蓋率 | — |", 100),
        ("general_service_model_coverage", "實行全科服務模式的城鄉社區覆蓋率 | 60% |", 90),
        ("home_service_elderly_share", "接受上門服務的居家老年人數占比 | 17.8% |", 18),
        (
            "community_workers_per_10k_urban_residents",
            "每萬城鎮常住人口擁有社區工作者數量 | 18人 |",
            18,
        ),
        ("licensed_social_workers_per_10k", "每萬戶籍人口擁有持證社會工作專業人才數 | 10人 |", 10),
        ("village_service_centre_area_m2", "新建和改擴建村黨群服務中心建筑面積不低于", 600),
        ("service_hours_per_day", "開放時間每天不少于", 8),
    ],
)
def test_taizhou_targets_match_the_seed(shared_data, indicator_id, keyword, expected):
    text = seed_text(shared_data, "000")
    found = numbers_after(text, keyword, window=12)
    ind = load_profile("taizhou-2023").indicator(indicator_id)
    assert found[0] == expected == ind.target


def test_taizhou_strict_comparisons_and_baselines(shared_data):
    text = seed_text(shared_data, "000")
    assert "| 18人 | >18人 | 約束性 |" in text
    p = load_profile("taizhou-2023")
    workers = p.indicator("community_workers_per_10k_urban_residents")
    assert (workers.comparison, workers.baseline, workers.binding) == (">", 18.0, "binding")
    assert p.indicator("home_service_elderly_share").baseline == 17.8


def test_taizhou_community_bands_match_item_6(shared_data):
    text = seed_text(shared_data, "000")
    assert numbers_after(text, "城市社區按照", 30)[:3] == [2000, 3000, 5000]
    assert numbers_after(text, "農村社區按照", 12)[:2] == [1000, 1500]
    bands = load_profile("taizhou-2023").community_bands
    assert bands.band_for("urban", False) == (2000, 3000)
    assert bands.band_for("urban", True) == (2000, 5000)
    assert bands.band_for("rural", True) == (1000, 1500)
    assert "二(二)6" in bands.source


def test_taizhou_subdistrict_elderly_centre_and_minor_protection(shared_data):
    text = seed_text(shared_data, "000")
    assert "至少建成1所綜合性養老服務中心" in text
    assert numbers_after(text, "到2025年底,所有市(區)建有未成年人救助保護機構,", 6) == [90]
    p = load_profile("taizhou-2023")
    eld = p.indicator("subdistrict_elderly_centre_coverage")
    assert (eld.categories, eld.min_count, eld.target, eld.applies_to) == (
        ("subdistrict_elderly_centre",),
        1,
        100.0,
        "urban",
    )
    assert p.indicator("minor_protection_station_coverage").target == 90


def test_taizhou_inherits_gb50180_then_mofcom():
    p = load_profile("taizhou-2023")
    assert p.lineage == ("gb50180-2018", "mofcom-15min", "taizhou-2023")
    params = p.reach_parameters()
    assert (
        params["required_categories"]
        == load_profile("mofcom-15min").living_circle.required_categories
    )
    assert params["category_minutes"]["kindergarten"] == 4.5
    assert params["profile_id"] == "taizhou-2023"
    # own indicators are listed before inherited ones
    assert p.indicators[0].id == "service_area_m2_per_100_households"
    assert p.indicators[-1].origin == "gb50180-2018"


# ---- tianjin-14fyp (seed 004) -----------------------------------------------------------------


def test_tianjin_nine_indicators(shared_data):
    text = seed_text(shared_data, "004")
    assert "《天津市“十四五”城乡社区服务体系建设规划》" in text
    assert numbers_after(text, "《规划》设置了", 3) == [9]
    p = load_profile("tianjin-14fyp")
    nine = [i for i in p.indicators if i.source.startswith("指标")]
    assert sorted({re.match(r"指标(\d)", i.source).group(1) for i in nine}) == list("123456789")
    checks = {
        "service_area_m2_per_100_households": (
            "城市社区每百户居民拥有社区综合服务设施建筑面积为",
            30,
        ),
        "village_service_area_m2": ("每个村拥有社区综合服务设施建筑面积为", 300),
        "activity_area_share": ("居民活动区域面积占社区综合服务设施总建筑面积的比例为", 60),
        "commercial_service_area_share": (
            "新建社区商业和综合服务设施面积占社区总建筑面积的比例为",
            10,
        ),
        "community_workers_per_10k_urban_residents": ("每万城镇常住人口拥有社区工作者为", 18),
        "volunteer_station_coverage": ("志愿服务站点在社区综合服务设施中的覆盖率为", 80),
        "wet_market_coverage": ("中心城区菜市场服务覆盖范围达", 95),
        "service_hours_per_day": ("开放服务时间不少于每天", 8),
    }
    for ind_id, (keyword, value) in checks.items():
        assert numbers_after(text, keyword, 6)[0] == value == p.indicator(ind_id).target, ind_id


def test_tianjin_social_organisations_by_size(shared_data):
    text = seed_text(shared_data, "004")
    found = numbers_after(text, "户以上的城市社区、", 60)
    assert found[:3] == [300, 12, 6]
    p = load_profile("tianjin-14fyp")
    urban = p.indicator("community_social_organisations")
    rural = p.indicator("community_social_organisations_rural")
    assert (urban.target, urban.min_households, urban.applies_to) == (12, 500, "urban")
    assert (rural.target, rural.min_households, rural.applies_to) == (6, 300, "rural")
    assert "500户以上的城市社区" in text


# ---- hengyang-measures (seed 001) -----------------------------------------------------------


def test_hengyang_numbers(shared_data):
    text = seed_text(shared_data, "001")
    p = load_profile("hengyang-measures")
    assert numbers_after(text, "培育扶持每个城市社区拥有", 4) == [5, 10]
    assert p.indicator("community_social_organisations").target == 5
    assert (
        numbers_after(text, "农村社区", 4)[0]
        == 1
        == p.indicator("community_social_organisations_rural").target
    )
    assert numbers_after(text, "建设村(社区)社会工作室", 4) == [180]
    assert {t.id: t.value for t in p.programme}["social_work_rooms"] == 180
    assert numbers_after(
        text, "依托湖南省公益慈善基地培育社区基金会或社区治理基金(市民政局)。在", 4
    ) == [80]
    assert p.indicator("volunteer_station_coverage").target == 80
    assert numbers_after(text, "新建居住区按总建筑面积", 2) == [5]
    assert "5‰" in text and p.indicator("elderly_care_floor_area_permille").unit == "‰"
    assert p.indicator("elderly_care_floor_area_permille").target == 5
    assert numbers_after(text, "单处用房建筑面积不得少于", 4) == [200]
    assert p.indicator("elderly_care_room_area_m2").target == 200
    assert numbers_after(text, "实现每万城镇常住人口拥有社区工作者", 3) == [18]
    assert p.indicator("community_workers_per_10k_urban_residents").target == 18
    assert numbers_after(text, "均设置", 2) == [1]
    assert p.indicator("disaster_info_officers").target == 1


def test_hengyang_coverage_indicators_use_known_categories():
    p = load_profile("hengyang-measures")
    assert p.indicator("elderly_day_care_coverage").scope == "community"
    assert p.indicator("health_facility_coverage").categories == ("health_centre", "health_station")
    assert p.community_bands is None


# ---- jiangsu-14fyp (seed 002) ---------------------------------------------------------------


def test_jiangsu_as_far_as_the_seed_states(shared_data):
    text = seed_text(shared_data, "002")
    p = load_profile("jiangsu-14fyp")
    assert "蘇政辦發〔2022〕60號" in text and p.doc_number == "苏政办发〔2022〕60号"
    assert numbers_after(text, "細化設置了", 3) == [12]
    assert {t.id: t.value for t in p.programme}["main_indicators"] == 12
    for ind_id, trad in (
        ("needy_visit_mechanism_rate", "困難群眾走訪發現機制建成率"),
        ("home_service_elderly_share", "接受上門服務的居家老年人數占比"),
    ):
        assert trad in text
        ind = p.indicator(ind_id)
        assert ind.kind == "manual" and ind.target is None and ind.status == "unverified"


# ---- gb50180-2018 and mofcom-15min (reference notes) ---------------------------------------


def test_gb50180_reach_parameters():
    params = load_profile("gb50180-2018").reach_parameters()
    assert params["speed_kmh"] == 4.0
    assert params["walk_minutes"] == (5.0, 10.0, 15.0)
    assert params["headline_minutes"] == 15.0
    cm = params["category_minutes"]
    assert cm["kindergarten"] == 4.5  # 300 m at 4.0 km/h
    assert cm["primary_school"] == 7.5  # 500 m
    assert cm["middle_school"] == 15.0  # 1000 m
    assert cm["elderly_day_care"] == 4.5
    assert "nursery" not in params["required_categories"]  # ▲: only where needed


def test_gb50180_radii_and_status_match_the_reference(shared_data):
    ref = (shared_data.parent / "reference" / "standards.md").read_text(encoding="utf-8")
    p = load_profile("gb50180-2018")
    for key, cat in (
        ("kindergarten", "kindergarten"),
        ("primary_school", "primary_school"),
        ("middle_school", "middle_school"),
        ("wet_market", "wet_market"),
    ):
        m = re.search(rf"^\| {key} \|[^\n]*?≤(\d+) m[^\n]*\[U\]", ref, flags=re.M)
        assert m, key
        assert p.facilities[cat].radius_m == float(m.group(1))
        assert p.facilities[cat].status == "unverified"
    circles = {lc.minutes: lc for lc in p.life_circles}
    assert (circles[15].distance_m_min, circles[15].distance_m_max, circles[15].status) == (
        800,
        1000,
        "verified",
    )
    assert (circles[5].distance_m_max, circles[5].status) == (300, "unverified")
    assert p.walk["speed_kmh"].status == "derived"


def test_mofcom_basic_list(shared_data):
    ref = (shared_data.parent / "reference" / "standards.md").read_text(encoding="utf-8")
    p = load_profile("mofcom-15min")
    zh = [z for z, _ in p.living_circle.basic_formats]
    for name in (
        "便利店",
        "综合超市",
        "菜市场",
        "早餐店",
        "洗染店",
        "美容美发店",
        "照相文印店",
        "家政服务点",
        "维修点",
        "药店",
    ):
        assert name in ref and name in zh
    assert p.reach_parameters()["required_categories"] == (
        "convenience_store",
        "supermarket",
        "wet_market",
        "fresh_food_store",
        "breakfast",
        "laundry",
        "hairdresser",
        "photo_print",
        "housekeeping",
        "repair",
        "pharmacy",
        "parcel_point",
    )
    assert p.reach_parameters()["category_minutes"] == {}
