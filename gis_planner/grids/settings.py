"""Grid defaults: household bands, worker ratios, barriers and solver limits, from a TOML file.

The shipped defaults live in ``gis_planner/policy/data/_grids.toml``, each value with its
source and status. A planner's own file of the same shape overrides any subset of them, and
keyword overrides (the command line's options) override both.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from gis_planner._errors import PolicyError
from gis_planner.policy.places import check_places, place_label
from gis_planner.policy.sourced import STATUS_ZH

DEFAULTS_FILE = "_grids.toml"

#: Allowed keys per section (besides ``source``, ``status`` and ``note``).
_SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "grid_households": {"min": int, "max": int},
    "micro_grid_households": {"min": int, "max": int},
    "workers": {"per_grid": (int, float), "per_micro_grid": (int, float)},
    "persons_per_household": {"value": (int, float)},
    "barriers": {"highway": list, "penalty_m": (int, float)},
    "solver": {"exact_max_units": int, "max_nodes": int, "time_limit_s": (int, float),
               "max_walk_m": (int, float)},
}
_META = ("source", "source_zh", "status", "note", "place")


@dataclass(frozen=True)
class GridSettings:
    """Numbers the grid partition uses; see ``_grids.toml`` for each one's source and status.

    Attributes
    ----------
    grid_min, grid_max
        Households per 网格, both inclusive.
    micro_min, micro_max
        Households per 微网格, both inclusive.
    workers_per_grid, workers_per_micro_grid
        Grid workers needed per 网格 (full-time) and per 微网格 (part-time).
    persons_per_household
        Persons per household, for residents when units carry no population.
    barrier_highways
        Network highway classes that act as barriers (plus ``railway``).
    barrier_penalty_m
        Extra metres charged to a household per barrier between it and its grid centre.
    exact_max_units
        Largest number of units solved exactly (HiGHS); above it the heuristic runs, and its
        grids outside the band are solved again exactly with the grids around them.
    max_nodes
        Search effort of one exact solve, branch-and-bound nodes: what decides when an exact
        solve stops, so the grids are the same on any machine.
    time_limit_s
        Wall-clock safety valve of the exact solves of one connected group of units, seconds,
        far above the time ``max_nodes`` takes; when it binds the solver table says so
        (``time_limit``), as that answer may depend on the machine's speed.
    max_walk_m
        Longest walk (m, inclusive) from a unit to a grid centre that may join them.
    status
        Section name -> ``verified``/``unverified``.
    sources
        Section name -> source text.
    """

    grid_min: int
    grid_max: int
    micro_min: int
    micro_max: int
    workers_per_grid: float
    workers_per_micro_grid: float
    persons_per_household: float
    barrier_highways: tuple[str, ...]
    barrier_penalty_m: float
    exact_max_units: int
    max_nodes: int
    time_limit_s: float
    max_walk_m: float
    status: dict[str, str]
    sources: dict[str, str]
    sources_zh: dict[str, str] = field(default_factory=dict)
    #: per section: the places whose documents give its numbers (``()``: national or our
    #: reading), so that another region's rule says so (:mod:`gis_planner.policy.places`)
    places: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def with_overrides(self, **values: Any) -> GridSettings:
        """A copy with the given fields replaced (None values are ignored), checked again."""
        out = replace(self, **{k: v for k, v in values.items() if v is not None})
        _check(out, label="overrides")
        return out

    def table(self, lang: str = "en", *, plan_place: str = "") -> list[dict[str, Any]]:
        """One row per setting: name, value, status and source (for reports), in ``lang``; the
        status of another region's rule than ``plan_place``'s (the profile's ``place``) says so
        (舟山's 300-500 households per grid: ``未核实；其他地区规定（舟山）``)."""
        if lang == "zh":
            return self._table_zh(plan_place)
        rows = [("grid_households", f"{self.grid_min}–{self.grid_max}"),
                ("micro_grid_households", f"{self.micro_min}–{self.micro_max}"),
                ("workers", f"{self.workers_per_grid:g} full-time per grid, "
                            f"{self.workers_per_micro_grid:g} part-time per micro-grid"),
                ("persons_per_household", f"{self.persons_per_household:g}"),
                ("barriers", f"{', '.join(self.barrier_highways)}; "
                             f"{self.barrier_penalty_m:g} m per crossing"),
                ("solver", f"exact up to {self.exact_max_units} units, "
                           f"{self.max_nodes} search nodes per solve (safety valve "
                           f"{self.time_limit_s:g} s); walks up to {self.max_walk_m:g} m")]
        return [{"setting": k, "value": v, "status": self._status(k, "en", plan_place),
                 "source": self.sources.get(k, "")} for k, v in rows]

    def _status(self, key: str, lang: str, plan_place: str) -> str:
        """The status of section ``key``, followed by whose rule it is when another region's."""
        status = self.status.get(key, "")
        elsewhere = place_label(self.places.get(key, ()), plan_place, lang)
        if not elsewhere:
            return status  # the report puts it into words
        words = STATUS_ZH.get(status, status) if lang == "zh" else status
        return f"{words}{'；' if lang == 'zh' else '; '}{elsewhere}"

    def _table_zh(self, plan_place: str = "") -> list[dict[str, Any]]:
        rows = [("grid_households", "网格户数", f"{self.grid_min}–{self.grid_max}"),
                ("micro_grid_households", "微网格户数", f"{self.micro_min}–{self.micro_max}"),
                ("workers", "网格员", f"每网格{self.workers_per_grid:g}名专职，每微网格"
                                      f"{self.workers_per_micro_grid:g}名兼职"),
                ("persons_per_household", "户均人口", f"{self.persons_per_household:g}"),
                ("barriers", "分隔障碍", f"{len(self.barrier_highways)}类道路与铁路；每跨越一次计"
                                        f"{self.barrier_penalty_m:g}米"),
                ("solver", "求解", f"{self.exact_max_units}个单元以内精确求解，每次搜索至多"
                                   f"{self.max_nodes}个节点（安全时限{self.time_limit_s:g}秒）；"
                                   f"步行上限{self.max_walk_m:g}米")]
        return [{"setting": name, "value": v, "status": self._status(k, "zh", plan_place),
                 "source": self.sources_zh.get(k) or self.sources.get(k, "")} for k, name, v in rows]


def _read(raw: bytes, label: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{label}: not valid TOML ({exc}).") from exc
    for section, table in data.items():
        if section not in _SCHEMA:
            raise PolicyError(f"{label}: unknown section [{section}]; expected one of "
                              f"{', '.join(_SCHEMA)}.")
        if not isinstance(table, dict):
            raise PolicyError(f"{label}: [{section}] must be a table.")
        for key, value in table.items():
            if key in _META:
                if not isinstance(value, str):
                    raise PolicyError(f"{label}: {section}.{key}: expected text.")
                continue
            kind = _SCHEMA[section].get(key)
            if kind is None:
                raise PolicyError(f"{label}: {section}.{key}: unknown key; allowed here: "
                                  f"{', '.join([*_SCHEMA[section], *_META])}.")
            if isinstance(value, bool) or not isinstance(value, kind):
                raise PolicyError(f"{label}: {section}.{key}: expected "
                                  f"{getattr(kind, '__name__', 'a number')}, found {value!r}.")
    return data


def _check(s: GridSettings, *, label: str) -> None:
    for name, lo, hi in (("grid households", s.grid_min, s.grid_max),
                         ("micro-grid households", s.micro_min, s.micro_max)):
        if lo < 0 or hi <= 0 or lo > hi:
            raise PolicyError(f"{label}: {name}: expected 0 <= min <= max and max > 0; "
                              f"found {lo}–{hi}.")
    if s.micro_max > s.grid_max:
        raise PolicyError(f"{label}: the micro-grid ceiling ({s.micro_max}) exceeds the grid "
                          f"ceiling ({s.grid_max}).")
    for name in ("workers_per_grid", "workers_per_micro_grid", "barrier_penalty_m"):
        if getattr(s, name) < 0:
            raise PolicyError(f"{label}: {name} must be >= 0; found {getattr(s, name)}.")
    for name in ("persons_per_household", "time_limit_s", "max_walk_m"):
        if getattr(s, name) <= 0:
            raise PolicyError(f"{label}: {name} must be > 0; found {getattr(s, name)}.")
    if s.exact_max_units < 1:
        raise PolicyError(f"{label}: exact_max_units must be >= 1; found {s.exact_max_units}.")
    if s.max_nodes < 1:
        raise PolicyError(f"{label}: max_nodes must be >= 1; found {s.max_nodes}.")


def load_grid_defaults(path: str | os.PathLike[str] | None = None) -> GridSettings:
    """The shipped grid defaults, overridden by ``path`` (a TOML file of the same shape).

    Parameters
    ----------
    path
        A planner's grid settings file; any subset of the sections and keys of
        ``gis_planner/policy/data/_grids.toml``. None for the shipped defaults.

    Returns
    -------
    GridSettings

    Raises
    ------
    PolicyError
        Missing file, invalid TOML, unknown sections or keys, wrong types, inconsistent bands;
        the message names the file and the key.
    """
    shipped = resources.files("gis_planner.policy").joinpath("data").joinpath(DEFAULTS_FILE)
    data = _read(shipped.read_bytes(), f"gis_planner/policy/data/{DEFAULTS_FILE}")
    label = f"gis_planner/policy/data/{DEFAULTS_FILE}"
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise PolicyError(f"{p}: grid settings file not found.")
        label = str(p)
        for section, table in _read(p.read_bytes(), label).items():
            merged = dict(data.get(section, {}))
            merged.update(table)
            if any(k not in _META for k in table) and "status" not in table:
                merged["status"] = "unverified"
                merged["source"] = f"{p.name} (the planner's own settings)"
                merged.pop("source_zh", None)
            if "source" in merged and merged.get("source") != data.get(section, {}).get("source") \
                    and "place" not in table:  # the planner's own source: not the shipped place
                merged.pop("place", None)
            data[section] = merged
    g, m, w = data["grid_households"], data["micro_grid_households"], data["workers"]
    b, so = data["barriers"], data["solver"]
    if not all(isinstance(v, str) for v in b["highway"]):
        raise PolicyError(f"{label}: barriers.highway: expected a list of highway classes.")
    s = GridSettings(
        grid_min=g["min"], grid_max=g["max"], micro_min=m["min"], micro_max=m["max"],
        workers_per_grid=float(w["per_grid"]), workers_per_micro_grid=float(w["per_micro_grid"]),
        persons_per_household=float(data["persons_per_household"]["value"]),
        barrier_highways=tuple(b["highway"]), barrier_penalty_m=float(b["penalty_m"]),
        exact_max_units=so["exact_max_units"], max_nodes=so["max_nodes"],
        time_limit_s=float(so["time_limit_s"]),
        max_walk_m=float(so["max_walk_m"]),
        status={k: str(v.get("status", "")) for k, v in data.items()},
        sources={k: str(v.get("source", "")) for k, v in data.items()},
        sources_zh={k: str(v["source_zh"]) for k, v in data.items() if "source_zh" in v},
        places={k: check_places(label, f"{k}.place", v.get("place")) for k, v in data.items()},
    )
    _check(s, label=label)
    return s


__all__ = ["GridSettings", "load_grid_defaults"]
