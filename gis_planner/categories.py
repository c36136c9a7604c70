"""The project's facility categories (identifiers from the glossary) with Chinese and English names,
plus the categories a planner declares for a project (助餐点, 充电桩 …).

>>> label("kindergarten", "zh")
'幼儿园'

A planner adds categories with :func:`declare_categories`, from a small table (a DataFrame;
:func:`gis_planner.io.declare_categories` reads it from a CSV or TOML file first), without
editing package data::

    id,name_zh,name_en,group,radius_m
    meal_point,助餐点,Community meal point,elderly,500
    ev_charger,充电桩,EV charging point,transport,

Each declared category has a Chinese and an English name, a group, and a walking radius
(``radius_m``, metres) or a walking time (``walk_minutes``), or neither when the profile or the
call gives it. Once declared, an id is accepted everywhere a category id is (facility files,
mapping tables, ``coverage.reach``); ids neither packaged nor declared are still refused.
"""

from __future__ import annotations

import functools
import math
import re
from importlib import resources
from typing import Literal, cast

import pandas as pd

from gis_planner._errors import InputDataError
from gis_planner._text import control_characters

Lang = Literal["zh", "en"]


def check_lang(lang: str) -> Lang:
    """``lang`` when it is ``zh`` or ``en``; else :class:`ValueError` naming it (the one check of
    the report, map, table and reason languages)."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en'; got {lang!r}.")
    return cast(Lang, lang)

#: Columns of a declared-category table (aliases accepted: ``category`` for ``id``, ``zh``/``en``
#: for the names, ``minutes`` for ``walk_minutes``).
DECLARE_COLUMNS = ("id", "name_zh", "name_en", "group", "radius_m", "walk_minutes")
_ALIASES = {"category": "id", "zh": "name_zh", "en": "name_en", "minutes": "walk_minutes",
            "类别": "id", "中文名": "name_zh", "英文名": "name_en", "分组": "group",
            "半径": "radius_m", "步行时间": "walk_minutes"}
_ID = re.compile(r"[a-z][a-z0-9_]{1,39}")

_declared: dict[str, dict[str, object]] = {}


@functools.cache
def _packaged() -> pd.DataFrame:
    with resources.files("gis_planner.data").joinpath("categories.csv").open(encoding="utf-8") as f:
        table = pd.read_csv(f, dtype=str).set_index("category")
    table["radius_m"] = math.nan
    table["walk_minutes"] = math.nan
    table["declared"] = False
    return table


@functools.cache
def _combined(key: tuple[str, ...]) -> pd.DataFrame:
    table = _packaged()
    if not key:
        return table
    extra = pd.DataFrame.from_dict({k: _declared[k] for k in key}, orient="index")
    extra.index.name = "category"
    extra["declared"] = True
    return pd.concat([table, extra[table.columns]])


def category_table() -> pd.DataFrame:
    """All known categories: index ``category``; columns ``zh``, ``en``, ``group``,
    ``radius_m`` and ``walk_minutes`` (NaN unless declared with one), ``declared`` (bool)."""
    return _combined(tuple(_declared))


def known_categories() -> list[str]:
    """Identifiers of every known category, in table order (declared ones last)."""
    return list(category_table().index)


def label(category: str, lang: Lang = "zh") -> str:
    """Display name of ``category`` in ``lang``; unknown identifiers are returned unchanged."""
    table = category_table()
    return str(table.at[category, lang]) if category in table.index else category


def declare_categories(table: pd.DataFrame, *, what: str = "category table") -> pd.DataFrame:
    """Declare a project's own facility categories for this Python session.

    Parameters
    ----------
    table
        One row per category, with columns ``id`` (lower-case letters, digits and ``_``,
        starting with a letter), ``name_zh``, ``name_en``, ``group``, and optionally
        ``radius_m`` (metres, > 0) or ``walk_minutes`` (> 0), not both. To declare the
        categories of a CSV or TOML file, use :func:`gis_planner.io.declare_categories`.
    what
        The table's name in messages (the file it was read from).

    Returns
    -------
    DataFrame
        The declared rows as :func:`category_table` shows them.

    Raises
    ------
    InputDataError
        Naming the file and row: a missing column, a bad or repeated id, an id of a packaged
        category, an empty name or group, a radius or time that is not a number > 0, both given,
        or an id declared before with other values.
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"declare_categories takes a DataFrame; got {type(table).__name__}. Read a "
                        "file with gis_planner.io.declare_categories.")
    frame = table.rename(columns={c: _ALIASES.get(str(c).strip(), str(c).strip()) for c in table.columns})
    missing = [c for c in DECLARE_COLUMNS[:4] if c not in frame.columns]
    if missing:
        raise InputDataError(f"{what}: lacks column(s) {', '.join(map(repr, missing))}; expected "
                             f"{', '.join(DECLARE_COLUMNS)} (radius_m or walk_minutes optional).")
    unknown = [c for c in frame.columns if c not in DECLARE_COLUMNS and c != "note"]
    if unknown:
        raise InputDataError(f"{what}: unknown column(s) {', '.join(map(repr, unknown))}; "
                             f"expected {', '.join(DECLARE_COLUMNS)} (and note).")
    rows: dict[str, dict[str, object]] = {}
    for i, rec in enumerate(frame.to_dict("records")):
        where = f"{what} row {i + 1}"
        cid = _text(rec.get("id"))
        if not _ID.fullmatch(cid):
            raise InputDataError(f"{where}: id {cid!r} is not an identifier; use 2-40 lower-case "
                                 "letters, digits and '_', starting with a letter (e.g. meal_point).")
        if cid in _packaged().index:
            raise InputDataError(f"{where}: {cid!r} is a packaged category already "
                                 f"({label(cid, 'zh')}); choose another id.")
        if cid in rows:
            raise InputDataError(f"{where}: id {cid!r} is declared twice.")
        entry: dict[str, object] = {"zh": _text(rec.get("name_zh")), "en": _text(rec.get("name_en")),
                                    "group": _text(rec.get("group"))}
        for key in ("zh", "en", "group"):
            col = {"zh": "name_zh", "en": "name_en"}.get(key, key)
            if not entry[key]:
                raise InputDataError(f"{where} ({cid}): {col} is empty; every category needs it.")
            bad = control_characters(str(entry[key]), allow="")
            if bad:
                raise InputDataError(f"{where} ({cid}): {col} holds control or invisible "
                                     f"characters ({', '.join(bad)}); remove them.")
        for key in ("radius_m", "walk_minutes"):
            entry[key] = _positive(rec.get(key), where=f"{where} ({cid}): {key}")
        if not (math.isnan(entry["radius_m"]) or math.isnan(entry["walk_minutes"])):  # type: ignore[arg-type]
            raise InputDataError(f"{where} ({cid}): give radius_m or walk_minutes, not both.")
        old = _declared.get(cid)
        if old is not None and not _same(old, entry):
            raise InputDataError(f"{where}: {cid!r} was declared before with other values "
                                 f"({old['zh']}, {old['group']}); ids must keep one meaning.")
        rows[cid] = entry
    _declared.update(rows)
    return category_table().loc[list(rows)]


def clear_declared_categories() -> None:
    """Forget every declared category (the packaged ones stay)."""
    _declared.clear()
    _combined.cache_clear()


def declared_minutes(*, speed_kmh: float) -> dict[str, float]:
    """Walking minutes of the declared categories that carry a radius or a time.

    Parameters
    ----------
    speed_kmh
        Walking speed in km/h (> 0), turning ``radius_m`` into minutes.

    Returns
    -------
    dict
        Category id -> minutes; pass it (merged with a profile's) as ``category_minutes`` to
        :func:`gis_planner.coverage.reach`.
    """
    from gis_planner._units import distance_to_minutes

    out: dict[str, float] = {}
    for cid, entry in _declared.items():
        radius, minutes = float(entry["radius_m"]), float(entry["walk_minutes"])  # type: ignore[arg-type]
        if not math.isnan(minutes):
            out[cid] = minutes
        elif not math.isnan(radius):
            out[cid] = round(float(distance_to_minutes(radius, speed_kmh)), 6)
    return out


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _positive(value: object, *, where: str) -> float:
    text = _text(value)
    if text == "":
        return math.nan
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise InputDataError(f"{where} is {text!r}; expected a number > 0 (or leave it empty).")
    return number


def _same(a: dict[str, object], b: dict[str, object]) -> bool:
    def norm(v: object) -> object:
        return None if isinstance(v, float) and math.isnan(v) else v

    return all(norm(a[k]) == norm(b[k]) for k in ("zh", "en", "group", "radius_m", "walk_minutes"))
