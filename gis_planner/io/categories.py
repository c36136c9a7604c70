"""The planner's own facility categories from a CSV or TOML file (see
:func:`gis_planner.categories.declare_categories`, which declares an already-read table)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pandas as pd

from gis_planner import categories
from gis_planner._errors import InputDataError
from gis_planner.io._open import check_input_path
from gis_planner.io.tables import read_table


def read_category_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a table of declared categories.

    Parameters
    ----------
    path
        A CSV (UTF-8 or GBK) with columns ``id``, ``name_zh``, ``name_en``, ``group`` and
        optionally ``radius_m`` (metres) or ``walk_minutes``; or a TOML file of
        ``[[category]]`` tables with the same keys.

    Returns
    -------
    DataFrame
        One row per category as written (text cells), checked by
        :func:`gis_planner.categories.declare_categories`.

    Raises
    ------
    InputDataError
        A missing file, TOML that does not parse or holds no ``[[category]]`` tables, or a
        table without rows; naming the file.
    """
    path = check_input_path(path)
    if not path.is_file():
        raise InputDataError(f"{path}: file not found.")
    if path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputDataError(f"{path}: not valid TOML ({exc}).") from exc
        items = data.get("category")
        if not isinstance(items, list) or not all(isinstance(x, dict) for x in items) or not items:
            raise InputDataError(f"{path}: expected [[category]] tables (id, name_zh, name_en, "
                                 "group, radius_m or walk_minutes).")
        return pd.DataFrame(items)
    frame = read_table(path)
    if len(frame) == 0:
        raise InputDataError(f"{path}: the table has no rows.")
    return frame


def declare_categories(table: str | os.PathLike[str] | pd.DataFrame) -> pd.DataFrame:
    """Declare a project's own facility categories for this Python session, from a file
    (:func:`read_category_table`) or a DataFrame.

    Returns
    -------
    DataFrame
        The declared rows as :func:`gis_planner.categories.category_table` shows them.

    Raises
    ------
    InputDataError
        As :func:`read_category_table` and :func:`gis_planner.categories.declare_categories`
        say, naming the file and row.
    """
    if isinstance(table, pd.DataFrame):
        return categories.declare_categories(table)
    return categories.declare_categories(read_category_table(table), what=str(Path(table)))


__all__ = ["declare_categories", "read_category_table"]
