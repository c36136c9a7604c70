"""Special groups (重点人群) that grid workers visit, and their column names.

The Taizhou plan (item 5) lists the groups a 微网格 worker visits. Units (compounds or
buildings) may carry a count per group under its English id or its Chinese name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gis_planner._errors import InputDataError

#: Group id -> Chinese name, in the plan's order.
SPECIAL_GROUPS: dict[str, str] = {
    "subsistence_allowance": "低保对象",
    "extreme_poverty": "特困人员",
    "elderly_alone": "空巢独居老人",
    "children_in_difficulty": "困境儿童",
    "left_behind_children": "留守儿童",
    "disabled": "残疾人",
    "community_correction": "社区矫正对象",
}


def group_columns(frame: pd.DataFrame, *, what: str) -> dict[str, str]:
    """The special-group columns of ``frame``: group id -> column name found.

    Raises
    ------
    InputDataError
        When a group appears under both its id and its Chinese name.
    """
    found: dict[str, str] = {}
    for gid, zh in SPECIAL_GROUPS.items():
        cols = [c for c in (gid, zh) if c in frame.columns]
        if len(cols) > 1:
            raise InputDataError(f"{what}: special group {zh} appears twice (columns {gid!r} and "
                                 f"{zh!r}); keep one.")
        if cols:
            found[gid] = cols[0]
    return found


def group_counts(frame: pd.DataFrame, *, what: str) -> pd.DataFrame:
    """Special-group counts of ``frame`` under their ids (int >= 0; empty cells count 0).

    Returns
    -------
    DataFrame
        Indexed like ``frame``; one column per group present.

    Raises
    ------
    InputDataError
        Non-numeric, negative or fractional counts (column and rows named).
    """
    out = pd.DataFrame(index=frame.index)
    for gid, col in group_columns(frame, what=what).items():
        v = pd.to_numeric(frame[col], errors="coerce")
        bad = (v.isna() & frame[col].notna()) | (v < 0) | (v.fillna(0) % 1 != 0)
        if bad.any():
            rows = ", ".join(map(str, frame.index[bad.to_numpy()][:5]))
            raise InputDataError(f"{what}: column {col!r} has {int(bad.sum())} values that are not "
                                 f"whole numbers >= 0 (rows {rows}); expected a count of persons.")
        out[gid] = v.fillna(0).astype(np.int64)
    return out


__all__ = ["SPECIAL_GROUPS", "group_columns", "group_counts"]
