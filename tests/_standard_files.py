"""Planners' own elderly-care standard files for tests: the shipped ``[[levels]]`` written out
again as TOML, with some walking limits replaced."""

from __future__ import annotations

import tomllib
from pathlib import Path

from gis_planner import policy


def levels_toml(walk_limits: dict[int, str] | None = None) -> str:
    """The shipped elderly-care ``[[levels]]`` as TOML text, level ``i``'s ``walk_limit_m``
    written as ``walk_limits[i]`` (a TOML value, e.g. ``"450"`` or ``"1e9"``)."""
    walk_limits = walk_limits or {}
    shipped = tomllib.loads((Path(policy.__file__).parent / "data" / "_elderly_care.toml").read_text("utf-8"))
    out = []
    for i, lv in enumerate(shipped["levels"]):
        rows = [f"{k} = {walk_limits[i] if (k == 'walk_limit_m' and i in walk_limits) else _toml(v)}"
                for k, v in lv.items()]
        out.append("[[levels]]\n" + "\n".join(rows))
    return "\n\n".join(out) + "\n"


def _toml(value: object) -> str:
    """A TOML value: a quoted text, an array, a boolean or a number."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value).lower() if isinstance(value, bool) else str(value)
