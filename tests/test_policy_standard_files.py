"""A planner's own elderly-care or centre standard file (``[elderly] standard``, ``[centres]
standard``): a malformed one is refused with one line naming the file and the key, never a
Python error; a walking limit outside 1-16,000 m is a likely mistake and refused."""

from __future__ import annotations

import pytest
from _standard_files import levels_toml

from gis_planner._errors import PolicyError
from gis_planner.policy.centres import load_centre_standard
from gis_planner.policy.elderly import load_elderly_standard

BIG = "1" + "0" * 400  # a valid TOML integer no float holds


@pytest.mark.parametrize(("text", "message"), [
    ("speed = 5\n", r"speed is a number; expected a table"),
    ('demand = "x"\n', r"demand is a text; expected a table"),
    ('[speed]\nstatus = ["verified"]\n', r"speed\.status is an array; expected a text"),
    ('[speed]\nwhatever = 1\n', r"speed\.whatever is an unknown key"),
    ('[health_adjacency]\ncategories = "health_centre"\n', r"health_adjacency\.categories is a text"),
    ('[health_adjacency]\ncategories = [1]\n', r"health_adjacency\.categories holds a number"),
    (f"[speed]\nelderly_speed_kmh = {BIG}\n", r"speed\.elderly_speed_kmh = 1000"),
    ('[[sizes]]\nlevel = ["x"]\nid = "a"\ncapacity = 1\nfloor_area_m2 = 1\ncost = 1\nsource = "s"\n'
     'status = "reading"\n', r"sizes\[0\]\.level is an array; expected a text"),
])
def test_malformed_elderly_standards_are_refused_in_one_line(tmp_path, text, message):
    own = tmp_path / "own.toml"
    own.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match=r"own\.toml: " + message):
        load_elderly_standard(own)


@pytest.mark.parametrize(("text", "message"), [
    ("sharing = 5\n", r"sharing is a number; expected a table"),
    ('floor_area = "x"\n', r"floor_area is a text; expected a table"),
    ("[programme]\nstatus = { a = 1 }\n", r"programme\.status is a table; expected a text"),
])
def test_malformed_centre_standards_are_refused_in_one_line(tmp_path, text, message):
    own = tmp_path / "own.toml"
    own.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match=r"own\.toml: " + message):
        load_centre_standard(own)


@pytest.mark.parametrize("value", ["1e9", "1e308", "1e-300", "0.5", BIG])
def test_an_implausible_walking_limit_is_refused_naming_the_key(tmp_path, value):
    own = tmp_path / "own.toml"
    own.write_text(levels_toml({0: value}), encoding="utf-8")
    with pytest.raises(PolicyError, match=r"own\.toml: levels\[0\]\.walk_limit_m"):
        load_elderly_standard(own)


def test_a_plausible_walking_limit_of_the_planners_own_loads(tmp_path):
    own = tmp_path / "own.toml"
    own.write_text(levels_toml({0: "900"}), encoding="utf-8")
    assert load_elderly_standard(own).levels[0].walk_limit_m.value == 900.0
