"""The elderly-care standard: demand shares, network levels, siting sizes and floor-area norms.

The shipped values live in ``policy/data/_elderly_care.toml``, each with its source, a status
(``verified``, ``secondary``, ``derived`` or ``reading``: the project's own reading where no text
gives a number) and, for a rule of one city or province, its ``place`` (see
:mod:`gis_planner.policy.places`). A planner's TOML file with the same layout overrides any table
or value:

>>> std = load_elderly_standard()                       # doctest: +SKIP
>>> std.level("community_station").walk_limit_m          # doctest: +SKIP
300.0
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from gis_planner._errors import PolicyError
from gis_planner.policy.places import check_place, check_places
from gis_planner.policy.sourced import (
    Sourced,
    check_number,
    check_status,
    check_walk_limit,
    shipped_with_overrides,
    sourced,
    sourced_flat,
)

DEMAND_KINDS = ("elderly_60", "elderly_80", "elderly_disabled")


@dataclass(frozen=True)
class ElderlyLevel:
    """One level of the elderly-care network (highest first in :attr:`ElderlyStandard.levels`).

    ``walk_limit_m`` (m) is the walk within which a facility of this level serves demand;
    ``places_per_1000`` the places needed per 1,000 residents of the ``demand`` group;
    ``default_capacity`` (places) stands in for a facility without a capacity value.
    """

    id: str
    name_zh: str
    name_en: str
    categories: tuple[str, ...]
    walk_limit_m: Sourced
    demand: str
    capacity_unit_zh: str
    capacity_unit_en: str
    places_per_1000: Sourced
    default_capacity: Sourced
    per_urban_subdistrict: Sourced | None = None
    per_urban_community: Sourced | None = None

    def name(self, lang: str) -> str:
        """The level's name in ``lang`` (``zh`` or ``en``)."""
        return self.name_zh if lang == "zh" else self.name_en

    def unit(self, lang: str) -> str:
        """The capacity unit in ``lang``."""
        return self.capacity_unit_zh if lang == "zh" else self.capacity_unit_en


@dataclass(frozen=True)
class SizeOption:
    """A size a new site of ``level`` can be built in: capacity (places), floor area (m²) and
    relative cost (any consistent unit, e.g. 10,000 yuan), with the source, status and places
    (see :class:`~gis_planner.policy.sourced.Sourced`) of the three."""

    level: str
    id: str
    capacity: float
    floor_area_m2: float
    cost: float
    source: str
    status: str
    places: tuple[str, ...] = ()


@dataclass(frozen=True)
class ElderlyStandard:
    """The validated elderly-care standard (see the module docstring).

    ``plan_place`` is the place the plan is made for (the profile's ``place``, ``""`` when not
    given): a number whose places do not cover it is a rule of somewhere else, and the report
    tables say so.
    """

    id: str
    version: str
    elderly_speed_kmh: Sourced
    shares: dict[str, Sourced]
    persons_per_household: Sourced
    levels: tuple[ElderlyLevel, ...]
    home_service_min_share_pct: Sourced
    health_categories: tuple[str, ...]
    health_max_walk_m: Sourced
    sizes: tuple[SizeOption, ...]
    m2_per_100_households_existing: Sourced
    m2_per_100_households_new: Sourced
    new_floor_area_permille: Sourced
    new_site_min_m2: Sourced
    source_file: str = ""
    plan_place: str = ""

    def level(self, level_id: str) -> ElderlyLevel:
        """The level named ``level_id``.

        Raises
        ------
        PolicyError
            An unknown level id (the known ones are listed).
        """
        for lv in self.levels:
            if lv.id == level_id:
                return lv
        raise PolicyError(f"elderly-care level {level_id!r} is unknown; known: "
                          f"{', '.join(lv.id for lv in self.levels)}.")

    def sizes_for(self, level_id: str) -> tuple[SizeOption, ...]:
        """The size options of ``level_id``, smallest capacity first."""
        self.level(level_id)
        return tuple(sorted((s for s in self.sizes if s.level == level_id), key=lambda s: s.capacity))

    def rows(self, lang: str = "zh") -> list[dict[str, object]]:
        """Every number with its source and status, for a report's assumptions table."""
        out: list[dict[str, object]] = [
            _row("elderly_speed_kmh", self.elderly_speed_kmh),
            _row("persons_per_household", self.persons_per_household),
            *(_row(f"share_{k}", v) for k, v in self.shares.items()),
        ]
        for lv in self.levels:
            out.append(_row(f"{lv.id}.walk_limit_m", lv.walk_limit_m))
            out.append(_row(f"{lv.id}.places_per_1000 ({lv.unit(lang)})", lv.places_per_1000))
            out.append(_row(f"{lv.id}.default_capacity", lv.default_capacity))
        out += [_row("home_service_min_share_pct", self.home_service_min_share_pct),
                _row("health_max_walk_m", self.health_max_walk_m),
                _row("m2_per_100_households_existing", self.m2_per_100_households_existing),
                _row("m2_per_100_households_new", self.m2_per_100_households_new),
                _row("new_floor_area_permille", self.new_floor_area_permille),
                _row("new_site_min_m2", self.new_site_min_m2)]
        return out


def _row(key: str, s: Sourced) -> dict[str, object]:
    return {"key": key, "value": s.value, "source": s.source, "status": s.status, "places": s.places}


def load_elderly_standard(path: str | os.PathLike[str] | None = None, *, plan_place: str = "") -> ElderlyStandard:
    """The shipped elderly-care standard, overridden table by table by the TOML file ``path``.

    Parameters
    ----------
    path
        A planner's TOML file with any of the shipped tables (``[speed]``, ``[demand.*]``,
        ``[[levels]]``, ``[home_service]``, ``[health_adjacency]``, ``[[sizes]]``,
        ``[floor_area]``); a ``[[levels]]`` or ``[[sizes]]`` array replaces the shipped one.
    plan_place
        The place the plan is made for (a profile's ``place``, e.g. ``"jiangsu/taizhou"``;
        ``""``: not given), against which the numbers' places are judged.

    Raises
    ------
    PolicyError
        A file that is missing or not TOML, unknown keys, missing sources, statuses outside
        verified/secondary/derived/reading, numbers that are not finite and > 0 (shares 0-1),
        places that are not place paths.
    """
    shipped, label = shipped_with_overrides("_elderly_care.toml", path, what="elderly-care standard")
    return _build(shipped, label, plan_place=check_place("plan", "place", plan_place))


def _build(doc: dict[str, Any], label: str, *, plan_place: str = "") -> ElderlyStandard:
    speed = doc["speed"]
    demand = doc["demand"]
    levels = tuple(_level(label, i, raw) for i, raw in enumerate(_list(label, doc, "levels")))
    if not levels:
        raise PolicyError(f"{label}: [[levels]] is empty; give at least one level.")
    ids = [lv.id for lv in levels]
    if len(set(ids)) != len(ids):
        raise PolicyError(f"{label}: [[levels]] repeats an id ({', '.join(ids)}).")
    sizes = tuple(_size(label, i, raw, set(ids)) for i, raw in enumerate(_list(label, doc, "sizes")))
    home = doc["home_service"]
    health = doc["health_adjacency"]
    fa = doc["floor_area"]
    shares = {k: sourced(label, f"demand.share_{k}", demand.get(f"share_{k}"), share=True)
              for k in ("60_plus", "80_plus", "disabled_of_60_plus")}
    return ElderlyStandard(
        id=str(doc.get("id", "elderly-care")), version=str(doc.get("version", "")),
        elderly_speed_kmh=sourced_flat(label, "speed", speed, "elderly_speed_kmh"),
        shares=shares,
        persons_per_household=sourced(label, "demand.persons_per_household",
                                       demand.get("persons_per_household")),
        levels=levels,
        home_service_min_share_pct=sourced_flat(label, "home_service", home, "min_share_pct"),
        health_categories=tuple(str(c) for c in health.get("categories", ())),
        health_max_walk_m=sourced_flat(label, "health_adjacency", health, "max_walk_m"),
        sizes=sizes,
        m2_per_100_households_existing=sourced_flat(label, "floor_area", fa, "m2_per_100_households_existing",
                                             prefix="per_100_households_"),
        m2_per_100_households_new=sourced_flat(label, "floor_area", fa, "m2_per_100_households_new",
                                        prefix="per_100_households_"),
        new_floor_area_permille=sourced_flat(label, "floor_area", fa, "new_floor_area_permille",
                                      prefix="new_"),
        new_site_min_m2=sourced_flat(label, "floor_area", fa, "new_site_min_m2", prefix="new_"),
        source_file=label, plan_place=plan_place,
    )


def _list(label: str, doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise PolicyError(f"{label}: {key} must be an array of tables ([[{key}]]).")
    return value


_LEVEL_KEYS = frozenset({
    "id", "name_zh", "name_en", "categories", "walk_limit_m", "walk_limit_source", "walk_limit_status",
    "walk_limit_place", "demand", "capacity_unit_zh", "capacity_unit_en", "places_per_1000", "places_source",
    "places_status", "places_place", "default_capacity", "default_capacity_source", "default_capacity_status",
    "default_capacity_place", "per_urban_subdistrict", "per_urban_subdistrict_source",
    "per_urban_subdistrict_status", "per_urban_subdistrict_place", "per_urban_community",
    "per_urban_community_source", "per_urban_community_status", "per_urban_community_place",
})


def _level(label: str, i: int, raw: dict[str, Any]) -> ElderlyLevel:
    where = f"levels[{i}]"
    unknown = sorted(set(raw) - _LEVEL_KEYS)
    if unknown:
        raise PolicyError(f"{label}: {where} has unknown key(s) {', '.join(unknown)}.")
    for key in ("id", "name_zh", "name_en", "capacity_unit_zh", "capacity_unit_en"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise PolicyError(f"{label}: {where}.{key} must be a non-empty text.")
    cats = raw.get("categories")
    if not isinstance(cats, list) or not cats or not all(isinstance(c, str) for c in cats):
        raise PolicyError(f"{label}: {where}.categories must be a non-empty list of category ids.")
    if raw.get("demand") not in DEMAND_KINDS:
        raise PolicyError(f"{label}: {where}.demand = {raw.get('demand')!r}; expected one of "
                          f"{', '.join(DEMAND_KINDS)}.")

    def opt(name: str) -> Sourced | None:
        return (sourced_flat(label, where, raw, name, prefix=f"{name}_")
                if name in raw else None)

    return ElderlyLevel(
        id=raw["id"], name_zh=raw["name_zh"], name_en=raw["name_en"], categories=tuple(cats),
        walk_limit_m=check_walk_limit(label, f"{where}.walk_limit_m",
                                      sourced_flat(label, where, raw, "walk_limit_m", prefix="walk_limit_")),
        demand=raw["demand"], capacity_unit_zh=raw["capacity_unit_zh"],
        capacity_unit_en=raw["capacity_unit_en"],
        places_per_1000=sourced_flat(label, where, raw, "places_per_1000", prefix="places_"),
        default_capacity=sourced_flat(label, where, raw, "default_capacity", prefix="default_capacity_"),
        per_urban_subdistrict=opt("per_urban_subdistrict"), per_urban_community=opt("per_urban_community"),
    )


def _size(label: str, i: int, raw: dict[str, Any], levels: set[str]) -> SizeOption:
    where = f"sizes[{i}]"
    if raw.get("level") not in levels:
        raise PolicyError(f"{label}: {where}.level = {raw.get('level')!r}; expected one of "
                          f"{', '.join(sorted(levels))}.")
    if not isinstance(raw.get("id"), str) or not raw["id"].strip():
        raise PolicyError(f"{label}: {where}.id must be a non-empty text.")
    check_status(label, where, raw.get("status"), raw.get("source"))
    return SizeOption(level=raw["level"], id=raw["id"],
                      capacity=check_number(label, f"{where}.capacity", raw.get("capacity")),
                      floor_area_m2=check_number(label, f"{where}.floor_area_m2", raw.get("floor_area_m2")),
                      cost=check_number(label, f"{where}.cost", raw.get("cost")),
                      source=str(raw["source"]), status=str(raw["status"]),
                      places=check_places(label, f"{where}.place", raw.get("place")))
