"""Where a standard's rule comes from: places of numbers and profiles, whether a rule applies
where the plan is made, and planners' own files with and without places."""

from __future__ import annotations

import pytest

from gis_planner._errors import PolicyError
from gis_planner.elderly.labels import status_label
from gis_planner.policy import load_profile
from gis_planner.policy.centres import load_centre_standard
from gis_planner.policy.elderly import load_elderly_standard
from gis_planner.policy.places import applies_in, check_place, foreign_places, known_places, place_label


def test_a_rule_applies_in_its_place_and_below():
    assert applies_in("", "jiangsu/taizhou") is True  # a national rule
    assert applies_in("jiangsu", "jiangsu/taizhou") is True
    assert applies_in("jiangsu/taizhou", "jiangsu/taizhou") is True
    assert applies_in("jiangsu/taizhou", "jiangsu") is False  # a city's rule is not the province's
    assert applies_in("hunan/hengyang", "jiangsu/taizhou") is False
    assert applies_in("jiangsu/taizhou", "jiangsu/taizhou-x") is False  # a whole id, not a prefix
    assert applies_in("hunan/hengyang", "") is None  # the plan's place is not given
    # a rule two provinces share is in force in either
    assert foreign_places(("guangdong", "guizhou"), "guizhou") == ()
    assert foreign_places(("guangdong", "guizhou"), "jiangsu/taizhou") == ("guangdong", "guizhou")


def test_place_words_in_both_languages():
    here = "jiangsu/taizhou"
    assert place_label(("hunan/hengyang",), here, "zh") == "其他地区规定（衡阳）"
    assert place_label(("hunan/hengyang",), here, "en") == "another region's rule (Hengyang)"
    assert place_label(("guizhou",), here, "en") == "another region's rule (Guizhou)"
    assert place_label(("guangdong", "guizhou"), here, "en") == "another region's rule (Guangdong, Guizhou)"
    assert place_label(("jiangsu",), here, "zh") == place_label((), here, "zh") == ""
    assert place_label(("hunan/hengyang",), "", "zh") == "地方规定（衡阳），规划地点未指定，须确认是否适用于本地"
    assert status_label("verified", "en", places=("hunan/hengyang",), plan_place=here) == (
        "verified (the clause text was read); another region's rule (Hengyang)")
    assert status_label("verified", "zh", places=("jiangsu/taizhou",), plan_place=here) == "已核实（原文）"


@pytest.mark.parametrize("value", ["atlantis", "Jiangsu", "jiangsu/", "jiangsu/taizhou/hailing", 3,
                                   "jiangsu/taizhou\n", "jiangsu\n"])
def test_bad_places_are_refused(value):
    with pytest.raises(PolicyError, match=r"f\.toml: x\.place = .*expected a place such as"):
        check_place("f.toml", "x.place", value)


def test_shipped_rules_of_one_place_carry_it():
    """衡阳 措施 12 (day care in every urban community), 衡阳 措施 5 and the Guangdong/Guizhou
    15/20 m² norm are marked in both standards; 泰州's own rules name 泰州; every place is named."""
    eld = load_elderly_standard()
    assert eld.level("community_station").per_urban_community.places == ("hunan/hengyang",)
    assert eld.level("subdistrict_centre").per_urban_subdistrict.places == ("jiangsu/taizhou",)
    assert eld.m2_per_100_households_existing.places == eld.m2_per_100_households_new.places == (
        "guangdong", "guizhou")
    assert eld.new_floor_area_permille.places == eld.new_site_min_m2.places == ("hunan/hengyang",)
    assert eld.shares["80_plus"].places == ()  # the national census
    cen = load_centre_standard()
    assert cen.function("elderly_day_care").per_community.places == ("hunan/hengyang",)
    assert cen.m2_per_100_households.places == ("jiangsu/taizhou",)
    used = {p for r in [*eld.rows(), *cen.rows()] for p in r["places"]}  # type: ignore[attr-defined]
    used |= {p for s in eld.sizes for p in s.places}
    assert used and used <= set(known_places())


def test_the_profiles_say_where_they_apply(tmp_path):
    assert load_profile("taizhou-2023").place == "jiangsu/taizhou"
    assert load_profile("hengyang-measures").place == "hunan/hengyang"
    assert load_profile("jiangsu-14fyp").place == "jiangsu"
    assert load_profile("gb50180-2018").place == ""  # a national standard
    child = tmp_path / "child.toml"
    child.write_text('id = "child"\ntitle = { zh = "子", en = "Child" }\nsource = "s"\n'
                     'inherits = "taizhou-2023"\n', encoding="utf-8")
    assert load_profile(child).place == ""  # metadata is not inherited: the file says its own place
    child.write_text('id = "child"\ntitle = { zh = "子", en = "Child" }\nsource = "s"\nplace = "mars"\n',
                     encoding="utf-8")
    with pytest.raises(PolicyError, match=r"child\.toml: place = 'mars'"):
        load_profile(child)


def test_a_provincial_plan_keeps_its_provinces_rules(tmp_path):
    """A planner's number from a Jiangsu document is not marked in a plan for 泰州 (in Jiangsu)
    nor in a Jiangsu plan; 泰州's own rule is marked in the Jiangsu plan."""
    own = tmp_path / "own.toml"
    own.write_text('[floor_area]\nm2_per_100_households_existing = 20\nm2_per_100_households_new = 30\n'
                   'per_100_households_source = "江苏省 规定"\nper_100_households_status = "verified"\n'
                   'per_100_households_place = "jiangsu"\n', encoding="utf-8")
    for here in ("jiangsu/taizhou", "jiangsu"):
        std = load_elderly_standard(own, plan_place=here)
        rows = {r["key"]: r for r in std.rows()}
        rule = rows["m2_per_100_households_existing"]
        assert rule["places"] == ("jiangsu",)
        assert status_label(rule["status"], "zh", places=rule["places"], plan_place=here) == "已核实（原文）"
    jiangsu = load_elderly_standard(plan_place="jiangsu")
    home = jiangsu.home_service_min_share_pct  # 泰州 专栏3
    marked = status_label(home.status, "zh", places=home.places, plan_place="jiangsu")
    assert marked == "已核实（原文）；其他地区规定（泰州）"


def test_planners_files_without_places_still_load(tmp_path):
    """An override without ``place`` loads; one that gives its own source drops the shipped place
    (its number is no longer Guangdong's or Hengyang's); a bad place names the file and key."""
    own = tmp_path / "own.toml"
    own.write_text('[floor_area]\nm2_per_100_households_existing = 30\nm2_per_100_households_new = 40\n'
                   'per_100_households_source = "our bureau"\nper_100_households_status = "reading"\n',
                   encoding="utf-8")
    std = load_elderly_standard(own)
    assert std.m2_per_100_households_existing.places == ()
    assert std.new_site_min_m2.places == ("hunan/hengyang",)  # a number the file leaves alone keeps its place
    own.write_text('[floor_area]\nm2_per_100_households_existing = 30\n', encoding="utf-8")
    assert load_elderly_standard(own).m2_per_100_households_existing.places == ("guangdong", "guizhou")
    centres = tmp_path / "centres.toml"
    centres.write_text('[[functions]]\nid = "day"\nname_zh = "日间照料"\nname_en = "Day care"\n'
                       'category = "elderly_day_care"\nmin_area_m2 = 300\narea_source = "ours"\n'
                       'area_status = "reading"\nwalk_limit_m = 300\nwalk_source = "ours"\nwalk_status = "reading"\n'
                       'ground_or_lift = true\ndemand = "elderly_80"\nper_community = true\n'
                       'per_community_source = "第三条"\nper_community_status = "verified"\n'
                       '[sharing]\napart = []\n', encoding="utf-8")
    fn = load_centre_standard(centres).function("day")
    assert fn.per_community is not None and fn.per_community.places == () and fn.demand == "elderly_80"
    own.write_text('[floor_area]\nper_100_households_place = "atlantis"\n', encoding="utf-8")
    with pytest.raises(PolicyError, match=r"own\.toml: floor_area\.per_100_households_place = 'atlantis'"):
        load_elderly_standard(own)
    with pytest.raises(PolicyError, match=r"plan: place = 'Taizhou'"):
        load_centre_standard(plan_place="Taizhou")

