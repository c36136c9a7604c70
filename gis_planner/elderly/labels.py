"""Words shared by the report tables of the elderly-care network and of the neighbourhood
centres, in Chinese (``zh``) and English (``en``): the groups of residents a service counts, the
statuses of the standards' numbers (with a rule of another city or province said to be one), and a
standard's rows as a readable table.

>>> group_label("elderly_80", "zh")
'80岁及以上老人（人）'
>>> status_label("reading", "en")
"the tool's own reading (no text gives the number)"
>>> status_label("verified", "zh", places=("hunan/hengyang",), plan_place="jiangsu/taizhou")
'已核实（原文）；其他地区规定（衡阳）'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from gis_planner.categories import Lang
from gis_planner.policy.places import place_label

#: Who a level or function counts: group -> (zh noun, en noun, zh unit, en unit).
GROUPS: dict[str, tuple[str, str, str, str]] = {
    "elderly_60": ("60岁及以上老人", "residents aged 60+", "人", "persons"),
    "elderly_80": ("80岁及以上老人", "residents aged 80+", "人", "persons"),
    "elderly_disabled": ("失能、半失能老人", "disabled residents aged 60+", "人", "persons"),
    "households": ("住户", "households", "户", "households"),
    "children": ("儿童", "children", "人", "persons"),
}

#: Statuses of a standard's numbers (see :mod:`gis_planner.policy.sourced`) in words.
STATUSES: dict[str, tuple[str, str]] = {
    "verified": ("已核实（原文）", "verified (the clause text was read)"),
    "secondary": ("二手来源", "secondary (a report of the text)"),
    "derived": ("本工具推导", "derived (arithmetic from sourced numbers)"),
    "reading": ("本工具取值（无条文给出数值）", "the tool's own reading (no text gives the number)"),
}

#: Headers of a standard's table.
STANDARD_HEAD = {
    "zh": {"key": "配置键", "label": "参数", "value": "数值", "source": "依据", "status": "核实状态"},
    "en": {"key": "Key", "label": "Parameter", "value": "Value", "source": "Source", "status": "Status"},
}


def group_label(group: str, lang: Lang, *, unit: bool = True) -> str:
    """The residents ``group`` counts in ``lang``, with the unit of the count (``unit``);
    an unknown group is returned unchanged."""
    if group not in GROUPS:
        return group
    zh, en, unit_zh, unit_en = GROUPS[group]
    if lang == "zh":
        return f"{zh}（{unit_zh}）" if unit else zh
    return f"{en} ({unit_en})" if unit and en != unit_en else en


def status_label(status: object, lang: Lang, *, places: Iterable[str] = (), plan_place: str = "") -> str:
    """A standard number's status in words (an unknown status unchanged), followed by
    :func:`place_label` when the number is a rule of another place than ``plan_place``."""
    pair = STATUSES.get(str(status))
    words = str(status) if pair is None else pair[0 if lang == "zh" else 1]
    elsewhere = place_label(places, plan_place, lang)
    return f"{words}{'；' if lang == 'zh' else '; '}{elsewhere}" if elsewhere else words


def whole(frame: pd.DataFrame, counts: Iterable[str], *, shares: Iterable[str] = ()) -> pd.DataFrame:
    """``frame`` with its ``counts`` columns (persons, households) rounded to whole numbers, and
    every other float column whose values are all whole (a limit of 700.0 m, a capacity of 150.0
    places) as integers; ``shares`` (fractions 0-1) stay floats. Integers are ``int64``, or
    nullable ``Int64`` where a value is missing."""
    out = frame.copy()
    counts, shares = set(counts), set(shares)
    for col in out.columns:
        values = out[col]
        if col in counts:
            values = pd.to_numeric(values, errors="coerce").round()
        elif col in shares or not pd.api.types.is_float_dtype(values):
            continue
        finite = values.dropna()
        if len(finite) and not (finite == finite.round()).all():
            continue
        out[col] = values.astype("Int64") if values.isna().any() else values.astype(np.int64)
    return out


def standard_table(rows: Iterable[dict[str, object]], label: Callable[[str], str], lang: Lang, *,
                   plan_place: str = "") -> pd.DataFrame:
    """A standard's rows (``key``, ``value``, ``source``, ``status``, optional ``places``) as a
    table in ``lang``: the key, its readable ``label(key)``, the value, the source and the status
    in words, which says so of a rule of another place than ``plan_place``."""
    frame = pd.DataFrame(list(rows), columns=["key", "value", "source", "status", "places"])
    frame.insert(1, "label", [label(str(k)) for k in frame["key"]])
    frame["status"] = [status_label(s, lang, places=p if isinstance(p, tuple) else (), plan_place=plan_place)
                       for s, p in zip(frame["status"], frame["places"], strict=True)]
    return frame.drop(columns="places").rename(columns=STANDARD_HEAD[lang])
