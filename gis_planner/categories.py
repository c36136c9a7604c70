"""The project's facility categories (identifiers from the glossary) with Chinese and English names.

>>> label("kindergarten", "zh")
'幼儿园'
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Literal

import pandas as pd

Lang = Literal["zh", "en"]


@functools.cache
def category_table() -> pd.DataFrame:
    """All known categories: index ``category``; columns ``zh``, ``en``, ``group``."""
    with resources.files("gis_planner.data").joinpath("categories.csv").open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str).set_index("category")


def known_categories() -> list[str]:
    """Identifiers of every known category, in table order."""
    return list(category_table().index)


def label(category: str, lang: Lang = "zh") -> str:
    """Display name of ``category`` in ``lang``; unknown identifiers are returned unchanged."""
    table = category_table()
    return str(table.at[category, lang]) if category in table.index else category
