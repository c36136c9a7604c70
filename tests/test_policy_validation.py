"""Inheritance, overrides and validation errors of user-written profiles."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import pytest

from gis_planner._errors import PolicyError
from gis_planner.policy import load_profile

HEAD = 'id = "{id}"\ntitle = {{ zh = "测试", en = "Test" }}\nsource = "test file"\n'


def write(tmp_path: Path, name: str, body: str, pid: str | None = None) -> Path:
    path = tmp_path / name
    path.write_text(HEAD.format(id=pid or path.stem) + textwrap.dedent(body), encoding="utf-8")
    return path


def test_child_overrides_target_and_keeps_the_rest(tmp_path):
    path = write(
        tmp_path,
        "mycity.toml",
        """
        inherits = "taizhou-2023"

        [indicators.activity_area_share]
        target = 75
        source = "市文件 第2条"
        status = "verified"

        [community_bands]
        urban_max = 3500
        source = "市文件 第3条"
        status = "verified"
    """,
    )
    p = load_profile(path)
    ind = p.indicator("activity_area_share")
    assert ind.target == 75.0 and ind.source == "市文件 第2条"
    assert ind.label_zh == load_profile("taizhou-2023").indicator("activity_area_share").label_zh
    assert p.community_bands.band_for("urban", False) == (2000, 3500)
    assert p.community_bands.band_for("rural", False) == (1000, 1500)  # tables merge
    assert p.lineage == ("gb50180-2018", "mofcom-15min", "taizhou-2023", "mycity")
    assert p.doc_number == ""  # metadata is never inherited
    assert p.reach_parameters()["category_minutes"]["kindergarten"] == 4.5


def test_arrays_replace_and_exclude_removes(tmp_path):
    path = write(
        tmp_path,
        "narrow.toml",
        """
        inherits = ["taizhou-2023"]
        exclude = ["indicators.service_radius_coverage",
                   "indicators.mental_health_rehab_district_coverage"]

        [living_circle]
        required_categories = ["wet_market", "pharmacy"]
        source = "市文件 附表"
        status = "verified"
    """,
    )
    p = load_profile(path)
    assert p.reach_parameters()["required_categories"] == ("wet_market", "pharmacy")
    ids = [i.id for i in p.indicators]
    assert (
        "service_radius_coverage" not in ids and "mental_health_rehab_district_coverage" not in ids
    )
    assert len(ids) == len(load_profile("taizhou-2023").indicators) - 2


def test_parent_by_relative_path_and_new_field(tmp_path):
    write(
        tmp_path,
        "base.toml",
        """
        [walk.speed_kmh]
        value = 3.6
        source = "x"
        status = "derived"

        [walk.headline_minutes]
        value = 15
        source = "x"
        status = "derived"

        [facilities.kindergarten]
        radius_m = 300
        source = "y"
        status = "unverified"
    """,
    )
    path = write(
        tmp_path,
        "child.toml",
        """
        inherits = "base.toml"

        [fields.library_seats]
        label_zh = "图书室座位数"
        label_en = "Library seats"
        unit = "seats"
        type = "number"

        [indicators.library_seats]
        label_zh = "社区图书室座位"
        label_en = "Community library seats"
        kind = "value"
        column = "library_seats"
        comparison = ">="
        target = 20
        unit = "seats"
        scope = "community"
        applies_to = "all"
        source = "z"
        status = "verified"
    """,
    )
    p = load_profile(path)
    assert p.reach_parameters()["category_minutes"] == {"kindergarten": 5.0}  # 300 m at 3.6 km/h
    assert p.needed_fields() == ("library_seats",)


@pytest.mark.parametrize(
    ("body", "match"),
    [
        # unknown key
        (
            """
     [indicators.activity_area_share]
     targett = 70
     source = "a"
     status = "verified"
     """,
            r"bad\.toml: indicators\.activity_area_share\.targett: unknown key",
        ),
        # wrong type
        (
            """
     [walk.speed_kmh]
     value = "fast"
     source = "a"
     status = "derived"
     """,
            r"bad\.toml: walk\.speed_kmh\.value: expected a number, found str",
        ),
        # negative number
        (
            """
     [facilities.kindergarten]
     radius_m = -300
     source = "a"
     status = "unverified"
     """,
            r"bad\.toml: facilities\.kindergarten\.radius_m: "
            r"expected a positive number, found -300",
        ),
        # missing source
        (
            """
     [community_bands]
     urban_min = 2000
     urban_max = 3000
     rural_min = 1000
     rural_max = 1500
     status = "verified"
     """,
            r"bad\.toml: community_bands\.source: missing",
        ),
        # bad status
        (
            """
     [walk.speed_kmh]
     value = 4.0
     source = "a"
     status = "guessed"
     """,
            r"bad\.toml: walk\.speed_kmh\.status: expected one of verified",
        ),
        # unknown category (as a table key and in a list)
        (
            """
     [facilities.bubble_tea]
     radius_m = 300
     source = "a"
     status = "unverified"
     """,
            r"bad\.toml: facilities\.bubble_tea: unknown facility category 'bubble_tea'",
        ),
        (
            """
     [living_circle]
     required_categories = ["wet_market", "karaoke"]
     source = "a"
     status = "verified"
     """,
            r"bad\.toml: living_circle\.required_categories\[1\]: "
            r"unknown facility category 'karaoke'",
        ),
        # unknown parent
        (
            'inherits = "atlantis-2030"\n',
            r"bad\.toml: inherits: unknown parent profile 'atlantis-2030'",
        ),
        # unknown top-level key
        ('colour = "red"\n', r"bad\.toml: colour: unknown key"),
        # missing piece of an indicator after the merge
        (
            """
     [indicators.new_one]
     label_zh = "新"
     label_en = "New"
     kind = "value"
     comparison = ">="
     target = 3
     unit = "x"
     scope = "community"
     applies_to = "all"
     source = "a"
     status = "verified"
     """,
            r"bad\.toml: indicators\.new_one\.column: missing",
        ),
        # unknown attribute field
        (
            """
     [indicators.new_one]
     label_zh = "新"
     label_en = "New"
     kind = "value"
     column = "unicorns"
     comparison = ">="
     target = 3
     unit = "x"
     scope = "community"
     applies_to = "all"
     source = "a"
     status = "verified"
     """,
            r"bad\.toml: indicators\.new_one\.column: unknown attribute field 'unicorns'",
        ),
        # range inverted
        (
            """
     [community_bands]
     urban_min = 3000
     urban_max = 2000
     rural_min = 1000
     rural_max = 1500
     source = "a"
     status = "verified"
     """,
            r"bad\.toml: community_bands\.urban_min: 3000 exceeds urban_max 2000",
        ),
    ],
)
def test_validation_errors_name_file_and_key(tmp_path, body, match):
    path = write(tmp_path, "bad.toml", body)
    with pytest.raises(PolicyError, match=match):
        load_profile(path)


def test_inheritance_cycle(tmp_path):
    write(tmp_path, "a.toml", 'inherits = "b.toml"\n')
    write(tmp_path, "b.toml", 'inherits = "a.toml"\n')
    with pytest.raises(
        PolicyError,
        match=r"a\.toml: inherits: inheritance cycle .*a\.toml -> .*b\.toml -> .*a\.toml",
    ):
        load_profile(tmp_path / "a.toml")


def test_missing_title_and_bad_toml(tmp_path):
    path = tmp_path / "notitle.toml"
    path.write_text('id = "x"\nsource = "s"\n', encoding="utf-8")
    with pytest.raises(PolicyError, match=r"notitle\.toml: title: missing"):
        load_profile(path)
    path.write_text('id = "x\n', encoding="utf-8")
    with pytest.raises(PolicyError, match=r"notitle\.toml: not valid TOML"):
        load_profile(path)


def test_exclude_of_nothing_and_unknown_profile(tmp_path):
    path = write(tmp_path, "ex.toml", 'inherits = "gb50180-2018"\nexclude = ["indicators.nope"]\n')
    with pytest.raises(PolicyError, match=r"ex\.toml: exclude: 'indicators\.nope' names nothing"):
        load_profile(path)
    with pytest.raises(
        PolicyError, match=r"unknown profile 'no-such-id'; shipped profiles: gb50180-2018"
    ):
        load_profile("no-such-id")
    with pytest.raises(PolicyError, match=r"missing\.toml: profile file not found"):
        load_profile(tmp_path / "missing.toml")


def test_reach_parameters_need_a_speed(tmp_path):
    path = write(
        tmp_path,
        "nospeed.toml",
        """
        [facilities.kindergarten]
        radius_m = 300
        source = "a"
        status = "unverified"
    """,
    )
    with pytest.raises(PolicyError, match=r"nospeed\.toml.*walk\.speed_kmh"):
        load_profile(path).reach_parameters()


@pytest.mark.skipif(importlib.util.find_spec("yaml") is not None, reason="PyYAML installed")
def test_yaml_without_pyyaml_says_how_to_fix(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("id: x\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"p\.yaml: YAML profiles need PyYAML"):
        load_profile(path)


@pytest.mark.skipif(importlib.util.find_spec("yaml") is None, reason="PyYAML not installed")
def test_yaml_profile_inherits(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        "id: yml\ntitle: {zh: 测试, en: Test}\nsource: s\ninherits: taizhou-2023\n",
        encoding="utf-8",
    )
    assert load_profile(path).indicator("activity_area_share").target == 70


def test_documented_example_profile_loads(tmp_path):
    doc = (Path(__file__).resolve().parents[1] / "docs" / "policy.md").read_text(encoding="utf-8")
    example = doc.split("# my_city.toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "my_city.toml"
    path.write_text(example, encoding="utf-8")
    p = load_profile(path)
    assert p.id == "my-city-2024"
    assert p.indicator("activity_area_share").target == 75
    assert p.indicator("library_seats").column == "library_seats"
    assert p.community_bands.band_for("urban", False) == (2000, 3500)
    assert "mental_health_rehab_district_coverage" not in [i.id for i in p.indicators]
