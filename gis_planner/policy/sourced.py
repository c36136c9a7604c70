"""Numbers that carry their source and status, as the data files of the policy package store them.

Statuses: ``verified`` (the clause text was read), ``secondary`` (a report of the text),
``derived`` (arithmetic from tagged numbers), ``reading`` (the project's own reading where no text
gives a number). Beside them, ``place``: whose document gives the number (a place path such as
``hunan/hengyang``, or a list of them; absent for a national document, the census or the
project's own reading), so that a rule of another city or province is never read as this
plan's own (:mod:`gis_planner.policy.places`).
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from gis_planner._errors import PolicyError
from gis_planner.policy.places import check_places

STATUSES = frozenset({"verified", "secondary", "derived", "reading"})
#: Verification statuses in Chinese words, as every table shows them (``unverified``: the
#: status of profiles' and grid settings' numbers whose text was not read).
STATUS_ZH = {"verified": "已核实（原文）", "secondary": "二手来源", "unverified": "未核实", "derived": "本工具推导"}


@dataclass(frozen=True)
class Sourced:
    """A number with its source, status and the places whose documents give it (``()``: a
    national document, the census or the project's own reading)."""

    value: float
    source: str
    status: str
    places: tuple[str, ...] = ()


def check_number(label: str, key: str, value: Any, *, share: bool = False) -> float:
    """``value`` as a float when finite and > 0 (a share: within 0-1); else :class:`PolicyError`
    naming the file ``label`` and the ``key``."""
    try:  # an integer of hundreds of digits (valid TOML) overflows a float: not a number here
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    except OverflowError:
        ok = False
    if ok and share:
        ok = 0 <= value <= 1
    elif ok:
        ok = value > 0
    if not ok:
        want = "a share within 0-1" if share else "a finite number > 0"
        raise PolicyError(f"{label}: {key} = {value!r}; expected {want}.")
    return float(value)


def check_walk_limit(label: str, key: str, limit: Sourced) -> Sourced:
    """``limit`` when its metres lie in the plausible range of a walking limit (``[walk_limit_m]``
    of ``_limits.toml``: 1-16,000 m), else :class:`PolicyError` naming the file and the key: a
    standard's numbers are never forced."""
    from gis_planner._validate import plausible_range

    low, high, unit = plausible_range("walk_limit_m")
    if not low <= limit.value <= high:
        raise PolicyError(f"{label}: {key} = {limit.value:g} {unit}; expected a walking limit of "
                          f"{low:g}-{high:,.0f} {unit} (kilometres typed as metres?).")
    return limit


def check_status(label: str, key: str, status: Any, source: Any) -> None:
    """Refuse a missing source or a status outside :data:`STATUSES` (:class:`PolicyError`)."""
    if not isinstance(source, str) or not source.strip():
        raise PolicyError(f"{label}: {key} has no source; every number names where it comes from.")
    if not isinstance(status, str) or status not in STATUSES:
        raise PolicyError(f"{label}: {key} status {status!r}; expected one of {', '.join(sorted(STATUSES))}.")


def sourced(label: str, key: str, raw: Any, *, share: bool = False) -> Sourced:
    """A ``{value, source, status}`` table (and optional ``place``) as a checked :class:`Sourced`."""
    if not isinstance(raw, dict):
        raise PolicyError(f"{label}: {key} must be a table with value, source and status.")
    check_status(label, key, raw.get("status"), raw.get("source"))
    return Sourced(check_number(label, f"{key}.value", raw.get("value"), share=share),
                   str(raw["source"]), str(raw["status"]), check_places(label, f"{key}.place", raw.get("place")))


def sourced_flat(label: str, table: str, raw: dict[str, Any], key: str, *, prefix: str = "") -> Sourced:
    """``raw[key]`` with its source ``raw[prefix + "source"]``, status ``raw[prefix + "status"]``
    and places ``raw[prefix + "place"]`` (optional), checked (a table that holds several numbers
    names their sources ``walk_source``, ``area_source`` …)."""
    source_key, status_key, place_key = f"{prefix}source", f"{prefix}status", f"{prefix}place"
    full = f"{table}.{key}"
    check_status(label, full, raw.get(status_key), raw.get(source_key))
    return Sourced(check_number(label, full, raw.get(key)), str(raw[source_key]), str(raw[status_key]),
                   check_places(label, f"{table}.{place_key}", raw.get(place_key)))


def shipped_with_overrides(file_name: str, path: str | os.PathLike[str] | None, *,
                           what: str) -> tuple[dict[str, Any], str]:
    """The shipped data file ``policy/data/<file_name>`` as a dict, with the planner's TOML file
    ``path`` laid over it table by table (a table merges key by key; anything else, an array
    of tables included, replaces), and the label of the file that has the last word.

    A table of the planner's that gives a number's source (``source``, ``walk_source`` …) but
    not its place (``place``, ``walk_place`` …) drops the shipped place: the planner's source
    is national or their own unless they say otherwise.

    Raises
    ------
    PolicyError
        ``path`` missing or not TOML, or naming a top-level key the shipped file lacks.
    """
    doc: dict[str, Any] = tomllib.loads(resources.files("gis_planner.policy").joinpath("data", file_name)
                                        .read_text(encoding="utf-8"))
    if path is None:
        return doc, f"gis_planner/policy/data/{file_name}"
    p = Path(path)
    try:
        user = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PolicyError(f"{p}: {what} file not found.") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{p}: not valid TOML ({exc}).") from exc
    unknown = sorted(set(user) - set(doc))
    if unknown:
        raise PolicyError(f"{p}: unknown key(s) {', '.join(unknown)}; expected {', '.join(sorted(doc))}.")
    for key, value in user.items():
        _check_shape(doc[key], value, str(p), key)
    for key, value in user.items():
        doc[key] = _merge(doc[key], value) if isinstance(value, dict) and isinstance(doc.get(key), dict) else value
    return doc, str(p)


#: Keys a planner's table may add to a shipped one: notes, and the place beside any source.
_FREE_KEYS = ("note", "notes")


def _kind(value: Any) -> str:
    """The TOML kind of a value, as the messages name it."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a text"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def _check_shape(shipped: Any, user: Any, label: str, where: str) -> None:
    """Refuse a planner's value of another kind than the shipped one at the same key (a text
    where a table is expected, a text where a list of categories is), or a key the shipped
    table lacks (:class:`PolicyError` naming the file ``label`` and the key ``where``). An
    array of tables is checked entry by entry against the keys of all the shipped entries."""
    if where.endswith("place"):  # a place or a list of them, checked where it is read
        return
    if _kind(user) != _kind(shipped):
        raise PolicyError(f"{label}: {where} is {_kind(user)}; expected {_kind(shipped)}.")
    if isinstance(shipped, list):
        tables = [e for e in shipped if isinstance(e, dict)]
        if not tables:  # a list of texts or numbers: each entry of the shipped entries' kind
            kinds = {_kind(e) for e in shipped}
            bad = [e for e in user if kinds and _kind(e) not in kinds]
            if bad:
                raise PolicyError(f"{label}: {where} holds {_kind(bad[0])}; expected {' or '.join(sorted(kinds))}.")
            return
        union: dict[str, Any] = {}
        for entry in tables:
            for k, v in entry.items():
                union.setdefault(k, v)
        for i, entry in enumerate(user):
            _check_shape(union, entry, label, f"{where}[{i}]")
        return
    if isinstance(shipped, dict):
        for k, v in user.items():
            if k in shipped:
                _check_shape(shipped[k], v, label, f"{where}.{k}")
            elif not (k in _FREE_KEYS or k.endswith("place")):
                raise PolicyError(f"{label}: {where}.{k} is an unknown key; expected one of "
                                  f"{', '.join(sorted(shipped))}.")


def _merge(shipped: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
    """``shipped`` with ``user``'s keys laid over it, without the shipped ``<prefix>place`` of any
    ``<prefix>source`` the user gives without a place."""
    out = {**shipped, **user}
    for key in user:
        if key.endswith("source") and f"{key.removesuffix('source')}place" not in user:
            out.pop(f"{key.removesuffix('source')}place", None)
    return out
