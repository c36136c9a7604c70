"""Where a rule comes from, and whether it applies where the plan is made.

A place is a path from the province-level unit down: ``jiangsu`` (江苏省), ``jiangsu/taizhou``
(泰州市). A number of a standard names the places whose documents give it (none: a national
document, the census or the project's own reading); a profile names the place its plan is for.
A rule applies in the plan's place when its place is that place or contains it:

>>> applies_in("jiangsu", "jiangsu/taizhou"), applies_in("hunan/hengyang", "jiangsu/taizhou")
(True, False)
>>> place_name("hunan/hengyang", "en")
'Hengyang'

Names and kinds: ``policy/data/_places.toml``, which lists every province-level unit.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from gis_planner._errors import PolicyError

#: One or two ids (lower-case letters, digits, ``-``) joined by ``/``: province, then city.
_PATH = re.compile(r"[a-z][a-z0-9-]*(/[a-z][a-z0-9-]*)?")


@dataclass(frozen=True)
class Place:
    """A place's names and kind (``province`` or ``city``: 直辖市 and cities within a province)."""

    path: str
    name_zh: str
    name_en: str
    kind: str

    def name(self, lang: str) -> str:
        """The place's name in ``lang`` (``zh`` or ``en``)."""
        return self.name_zh if lang == "zh" else self.name_en


@functools.cache
def known_places() -> dict[str, Place]:
    """The shipped places (``policy/data/_places.toml``) by path."""
    text = resources.files("gis_planner.policy").joinpath("data", "_places.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text)["places"]
    return {path: Place(path, str(p["zh"]), str(p["en"]), str(p["kind"])) for path, p in raw.items()}


def place(path: str) -> Place:
    """The place ``path`` (see :func:`check_place`); a city not listed is named by its id."""
    found = known_places().get(path)
    if found is not None:
        return found
    last = path.rsplit("/", 1)[-1]
    return Place(path, last, last, "city" if "/" in path else "province")


def place_name(path: str, lang: str) -> str:
    """The name of the place ``path`` in ``lang``."""
    return place(path).name(lang)


def check_place(label: str, key: str, value: Any) -> str:
    """``value`` as a place path: ``""`` for none, else ``province`` or ``province/city`` with a
    known province-level id (:class:`PolicyError` naming the file ``label`` and the ``key``)."""
    if value is None or value == "":
        return ""
    ok = isinstance(value, str) and _PATH.fullmatch(value) is not None
    if ok and str(value).split("/", 1)[0] not in known_places():
        ok = False
    if not ok:
        provinces = ", ".join(p for p in known_places() if "/" not in p)
        raise PolicyError(f"{label}: {key} = {value!r}; expected a place such as \"jiangsu\" or "
                          f"\"jiangsu/taizhou\" (province-level ids: {provinces}).")
    return str(value)


def check_places(label: str, key: str, value: Any) -> tuple[str, ...]:
    """``value`` (a place path, or a list of them: a rule several places share) as a tuple of
    checked paths; ``()`` when absent."""
    if value is None or value == "" or value == []:
        return ()
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) and v for v in items):
        raise PolicyError(f"{label}: {key} = {value!r}; expected a place path or a list of them.")
    return tuple(dict.fromkeys(check_place(label, key, v) for v in items))


def applies_in(rule_place: str, plan_place: str) -> bool | None:
    """Whether a rule of ``rule_place`` applies in ``plan_place``: True for a national rule
    (``""``) or a place that is or contains the plan's; None when the plan's place is not given."""
    if not rule_place:
        return True
    if not plan_place:
        return None
    return plan_place == rule_place or plan_place.startswith(rule_place + "/")


def foreign_places(places: Iterable[str], plan_place: str) -> tuple[str, ...]:
    """The places of a rule whose documents do not cover ``plan_place`` (all of them when the
    plan's place is not given); ``()`` when the rule is national or one of its places covers the
    plan's place (a rule Guangdong and Guizhou share is in force in Guizhou)."""
    places = tuple(p for p in places if p)
    if any(applies_in(p, plan_place) for p in places):
        return ()
    return places


def place_label(places: Iterable[str], plan_place: str, lang: str) -> str:
    """Whose rule a number is, when not the plan's own: ``其他地区规定（衡阳）`` / ``another
    city's rule (Hengyang)`` when no place of the rule covers ``plan_place``; ``地方规定（衡阳），…``
    / ``a local rule (Hengyang): …`` asking to check it when the plan's place is not given; ``""``
    for a national rule or one of the plan's own place (see :func:`gis_planner.policy.places.applies_in`)."""
    others = [place(p) for p in foreign_places(places, plan_place)]
    if not others:
        return ""
    names = ("、" if lang == "zh" else ", ").join(p.name(lang) for p in others)
    if not plan_place:
        return (f"地方规定（{names}），规划地点未指定，须确认是否适用于本地" if lang == "zh" else
                f"a local rule ({names}): the plan's place is not given, check that it applies here")
    # one term in each language, whatever the kind and number of places
    return f"其他地区规定（{names}）" if lang == "zh" else f"another region's rule ({names})"


__all__ = ["Place", "applies_in", "check_place", "check_places", "foreign_places", "known_places", "place",
           "place_label", "place_name"]
