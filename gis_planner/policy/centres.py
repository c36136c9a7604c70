"""The neighbourhood-centre standard: service functions, their rooms, floor rules, walking limits,
which may share a space, and the community floor-area norm.

Shipped values: ``policy/data/_centres.toml``, each number with its source, status and, for a
rule of one city or province, its ``place``; a planner's TOML file with the same layout overrides
any table (``[[functions]]`` replaces the list). Elderly residents are counted as the elderly-care
standard counts them (its census shares of residents aged 60+ and 80+), so that a facility both
models size (day care) is sized from one population in a report.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any

from gis_planner._errors import PolicyError
from gis_planner.policy.elderly import ElderlyStandard, load_elderly_standard
from gis_planner.policy.places import check_place, check_places
from gis_planner.policy.sourced import (
    STATUSES,
    Sourced,
    check_number,
    check_status,
    check_walk_limit,
    shipped_with_overrides,
    sourced_flat,
)

#: What a function's demand counts: households, residents aged 60+ (``elderly``) or 80+
#: (``elderly_80``), children.
DEMANDS = ("households", "elderly", "elderly_80", "children")
#: The elderly-care standard's census share behind each elderly demand (see :meth:`CentreStandard.rows`).
_SHARE_OF = {"elderly": "60_plus", "elderly_80": "80_plus"}


@dataclass(frozen=True)
class CentreFunction:
    """One service function a neighbourhood centre can hold.

    ``min_area_m2`` is its smallest room (m²); ``walk_limit_m`` the walk (m) within which it serves
    a household; ``ground_or_lift`` whether it needs the ground floor or a lift; ``category`` the
    facility category that counts as this function already existing; ``demand`` what it counts
    (one of :data:`DEMANDS`); ``per_community`` whether every community should have one.
    """

    id: str
    name_zh: str
    name_en: str
    category: str
    min_area_m2: Sourced
    walk_limit_m: Sourced
    ground_or_lift: bool
    demand: str
    per_community: Sourced | None = None

    def name(self, lang: str) -> str:
        """The function's name in ``lang``."""
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class CentreStandard:
    """The validated neighbourhood-centre standard.

    ``elderly`` is the elderly-care standard whose census shares and persons per household
    estimate elderly residents where the compounds have no such column (None: the shipped one);
    ``plan_place`` the place the plan is made for (``""``: not given), against which the
    numbers' places are judged.
    """

    id: str
    functions: tuple[CentreFunction, ...]
    apart: tuple[tuple[str, str], ...]
    apart_source: str
    m2_per_100_households: Sourced
    households_per_m2: Sourced
    programme_sites: Sourced
    source_file: str = ""
    elderly: ElderlyStandard | None = None
    plan_place: str = ""

    def function(self, function_id: str) -> CentreFunction:
        """The function named ``function_id``.

        Raises
        ------
        PolicyError
            An unknown function (the known ones are listed).
        """
        for f in self.functions:
            if f.id == function_id:
                return f
        raise PolicyError(f"centre function {function_id!r} is unknown; known: "
                          f"{', '.join(f.id for f in self.functions)}.")

    def demand_numbers(self) -> list[tuple[str, Sourced]]:
        """The elderly-care standard's numbers that estimate the elderly residents the functions
        count (``persons_per_household``, ``share_60_plus``, ``share_80_plus``), as keyed in its
        own table; empty when no function counts elderly residents."""
        kinds = [_SHARE_OF[f.demand] for f in self.functions if f.demand in _SHARE_OF]
        if not kinds:
            return []
        elderly = self.elderly if self.elderly is not None else load_elderly_standard()
        return [("persons_per_household", elderly.persons_per_household),
                *((f"share_{k}", elderly.shares[k]) for k in sorted(set(kinds)))]

    def rows(self) -> list[dict[str, object]]:
        """Every number with its source, status and places, for a report's assumptions table."""
        pairs = [("m2_per_100_households", self.m2_per_100_households),
                 ("households_per_m2", self.households_per_m2), ("programme_sites", self.programme_sites),
                 *self.demand_numbers()]
        for f in self.functions:
            pairs += [(f"{f.id}.min_area_m2", f.min_area_m2), (f"{f.id}.walk_limit_m", f.walk_limit_m)]
        return [{"key": key, "value": s.value, "source": s.source, "status": s.status, "places": s.places}
                for key, s in pairs]


_FUNCTION_KEYS = frozenset({
    "id", "name_zh", "name_en", "category", "min_area_m2", "area_source", "area_status", "area_place",
    "walk_limit_m", "walk_source", "walk_status", "walk_place", "ground_or_lift", "demand", "per_community",
    "per_community_source", "per_community_status", "per_community_place",
})


def load_centre_standard(path: str | os.PathLike[str] | None = None, *, elderly: ElderlyStandard | None = None,
                         plan_place: str = "") -> CentreStandard:
    """The shipped neighbourhood-centre standard, overridden by the TOML file ``path``.

    Parameters
    ----------
    path
        A planner's TOML file with any of the shipped tables.
    elderly
        The elderly-care standard the report's elderly-care network uses (a planner's own census
        shares included): the centres count elderly residents as it does. Default: the shipped
        one, for ``plan_place``.
    plan_place
        The place the plan is made for (a profile's ``place``, e.g. ``"jiangsu/taizhou"``;
        ``""``: not given).

    Raises
    ------
    PolicyError
        A file that is missing or not TOML, unknown keys, missing sources, bad statuses, numbers
        that are not finite and > 0, functions that repeat or that ``[sharing]`` does not know,
        places that are not place paths.
    """
    doc, label = shipped_with_overrides("_centres.toml", path, what="centre standard")
    here = check_place("plan", "place", plan_place)
    std = _build(doc, label)
    return dataclasses.replace(std, plan_place=here,
                               elderly=elderly if elderly is not None else load_elderly_standard(plan_place=here))


def _function(label: str, i: int, raw: Any) -> CentreFunction:
    where = f"functions[{i}]"
    if not isinstance(raw, dict):
        raise PolicyError(f"{label}: {where} must be a table.")
    unknown = sorted(set(raw) - _FUNCTION_KEYS)
    if unknown:
        raise PolicyError(f"{label}: {where} has unknown key(s) {', '.join(unknown)}.")
    for key in ("id", "name_zh", "name_en", "category"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise PolicyError(f"{label}: {where}.{key} must be a non-empty text.")
    if not isinstance(raw.get("ground_or_lift"), bool):
        raise PolicyError(f"{label}: {where}.ground_or_lift must be true or false.")
    if raw.get("demand") not in DEMANDS:
        raise PolicyError(f"{label}: {where}.demand = {raw.get('demand')!r}; expected one of {', '.join(DEMANDS)}.")
    per = None
    if raw.get("per_community"):
        check_status(label, f"{where}.per_community", raw.get("per_community_status"),
                      raw.get("per_community_source"))
        per = Sourced(1.0, str(raw["per_community_source"]), str(raw["per_community_status"]),
                      check_places(label, f"{where}.per_community_place", raw.get("per_community_place")))
    return CentreFunction(
        id=raw["id"], name_zh=raw["name_zh"], name_en=raw["name_en"], category=raw["category"],
        min_area_m2=sourced_flat(label, where, raw, "min_area_m2", prefix="area_"),
        walk_limit_m=check_walk_limit(label, f"{where}.walk_limit_m",
                                      sourced_flat(label, where, raw, "walk_limit_m", prefix="walk_")),
        ground_or_lift=raw["ground_or_lift"], demand=raw["demand"], per_community=per)


def _build(doc: dict[str, Any], label: str) -> CentreStandard:
    raw_functions = doc.get("functions")
    if not isinstance(raw_functions, list) or not raw_functions:
        raise PolicyError(f"{label}: [[functions]] must list at least one function.")
    functions = tuple(_function(label, i, raw) for i, raw in enumerate(raw_functions))
    ids = [f.id for f in functions]
    if len(set(ids)) != len(ids):
        raise PolicyError(f"{label}: [[functions]] repeats an id ({', '.join(ids)}).")
    sharing = doc.get("sharing", {})
    apart_raw = sharing.get("apart", [])
    if not isinstance(apart_raw, list) or not all(isinstance(p, list) and len(p) == 2 for p in apart_raw):
        raise PolicyError(f"{label}: sharing.apart must be a list of [function, function] pairs.")
    for a, b in apart_raw:
        for name in (a, b):
            if name not in ids:
                raise PolicyError(f"{label}: sharing.apart names {name!r}, not a function "
                                  f"({', '.join(ids)}).")
    check_status(label, "sharing", sharing.get("status", "reading"), sharing.get("source", "?"))
    fa, ob, prog = doc["floor_area"], doc["objective"], doc["programme"]
    sites = sourced_flat(label, "programme", prog, "sites")
    check_number(label, "programme.sites", sites.value)
    return CentreStandard(
        id=str(doc.get("id", "neighbourhood-centres")), functions=functions,
        apart=tuple((str(a), str(b)) for a, b in apart_raw), apart_source=str(sharing.get("source", "")),
        m2_per_100_households=sourced_flat(label, "floor_area", fa, "m2_per_100_households"),
        households_per_m2=sourced_flat(label, "objective", ob, "households_per_m2"),
        programme_sites=sites, source_file=label)


__all__ = ["STATUSES", "CentreFunction", "CentreStandard", "load_centre_standard"]
