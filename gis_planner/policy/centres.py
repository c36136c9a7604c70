"""The neighbourhood-centre standard: service functions, their rooms, floor rules, walking limits,
which may share a space, and the community floor-area norm.

Shipped values: ``policy/data/_centres.toml``, each number with its source and status; a
planner's TOML file with the same layout overrides any table (``[[functions]]`` replaces the list).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from gis_planner._errors import PolicyError
from gis_planner.policy.sourced import (
    STATUSES,
    Sourced,
    check_number,
    check_status,
    shipped_with_overrides,
    sourced_flat,
)

DEMANDS = ("households", "elderly", "children")


@dataclass(frozen=True)
class CentreFunction:
    """One service function a neighbourhood centre can hold.

    ``min_area_m2`` is its smallest room (m²); ``walk_limit_m`` the walk (m) within which it serves
    a household; ``ground_or_lift`` whether it needs the ground floor or a lift; ``category`` the
    facility category that counts as this function already existing; ``per_community`` whether
    every community should have one.
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
    """The validated neighbourhood-centre standard."""

    id: str
    functions: tuple[CentreFunction, ...]
    apart: tuple[tuple[str, str], ...]
    apart_source: str
    m2_per_100_households: Sourced
    households_per_m2: Sourced
    programme_sites: Sourced
    source_file: str = ""

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

    def rows(self) -> list[dict[str, object]]:
        """Every number with its source and status, for a report's assumptions table."""
        out: list[dict[str, object]] = []
        for key, s in (("m2_per_100_households", self.m2_per_100_households),
                       ("households_per_m2", self.households_per_m2), ("programme_sites", self.programme_sites)):
            out.append({"key": key, "value": s.value, "source": s.source, "status": s.status})
        for f in self.functions:
            for key, s in (("min_area_m2", f.min_area_m2), ("walk_limit_m", f.walk_limit_m)):
                out.append({"key": f"{f.id}.{key}", "value": s.value, "source": s.source, "status": s.status})
        return out


_FUNCTION_KEYS = frozenset({
    "id", "name_zh", "name_en", "category", "min_area_m2", "area_source", "area_status", "walk_limit_m",
    "walk_source", "walk_status", "ground_or_lift", "demand", "per_community", "per_community_source",
    "per_community_status",
})


def load_centre_standard(path: str | os.PathLike[str] | None = None) -> CentreStandard:
    """The shipped neighbourhood-centre standard, overridden by the TOML file ``path``.

    Raises
    ------
    PolicyError
        A file that is missing or not TOML, unknown keys, missing sources, bad statuses, numbers
        that are not finite and > 0, functions that repeat or that ``[sharing]`` does not know.
    """
    doc, label = shipped_with_overrides("_centres.toml", path, what="centre standard")
    return _build(doc, label)


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
        per = Sourced(1.0, str(raw["per_community_source"]), str(raw["per_community_status"]))
    return CentreFunction(
        id=raw["id"], name_zh=raw["name_zh"], name_en=raw["name_en"], category=raw["category"],
        min_area_m2=sourced_flat(label, where, raw, "min_area_m2", prefix="area_"),
        walk_limit_m=sourced_flat(label, where, raw, "walk_limit_m", prefix="walk_"),
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
