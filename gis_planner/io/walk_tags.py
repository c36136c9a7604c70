"""Apply the walk rules to a whole table of way tags at once, and count what is excluded.

The rules themselves (which highway classes a pedestrian may use, and the ``foot`` / ``access``
/ ``area`` overrides) live in :mod:`gis_planner.io.walk_rules` and its editable table
``gis_planner/io/data/walk_highways.csv``; this module applies them to one row per way or link,
vectorised, so that a 50,000-link network is filtered in milliseconds. The reason strings match
:func:`gis_planner.io.walk_rules.exclusion_reason` exactly.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from gis_planner._errors import InputDataError
from gis_planner.io.walk_rules import ACCESS_DENIED, FOOT_ALLOWED, walk_table

logger = logging.getLogger(__name__)

#: Tag columns the rules look at; absent columns count as untagged.
TAG_COLUMNS = ("highway", "foot", "access", "area")


def first_class(values: pd.Series) -> pd.Series:
    """The first class of tag values such as ``"footway;steps"`` (stripped; '' where missing)."""
    s = values.astype("string").fillna("")
    return s.str.split(";", n=1).str[0].str.strip().astype(object)


def exclusion_reasons(tags: pd.DataFrame) -> pd.Series:
    """Why each row of ``tags`` is not walkable (``"highway=trunk"``, ``"foot=no"``, ...), or None.

    Parameters
    ----------
    tags
        One row per way or link; columns among :data:`TAG_COLUMNS` (strings; missing columns
        and missing values count as untagged).

    Returns
    -------
    pandas.Series
        Same index as ``tags``: the reason string, or None for walkable rows.
    """
    col = {c: (tags[c].astype("string").fillna("").str.strip().astype(object) if c in tags
               else pd.Series("", index=tags.index, dtype=object)) for c in TAG_COLUMNS}
    hw = first_class(tags["highway"]) if "highway" in tags else col["highway"]
    walkable = walk_table().index[walk_table()["walk"]]
    foot = col["foot"]
    bad_class = ~hw.isin(walkable)
    foot_no = foot == "no"
    area = col["area"] == "yes"
    access = col["access"].isin(sorted(ACCESS_DENIED)) & ~foot.isin(sorted(FOOT_ALLOWED))
    reason = pd.Series(None, index=tags.index, dtype=object)
    reason[access] = "access=" + col["access"][access]
    reason[area] = "area=yes"
    reason[foot_no] = "foot=no"
    reason[bad_class] = "highway=" + hw[bad_class].where(hw[bad_class] != "", "missing")
    return reason.astype(object).where(reason.notna(), None)


def walk_filter(tags: pd.DataFrame, *, walk_only: bool, what: str,
                unit: str = "ways") -> tuple[np.ndarray, dict[str, Any]]:
    """Boolean mask of the walkable rows of ``tags`` and the report of what was excluded.

    Parameters
    ----------
    tags
        One row per way (OSM), edge (GraphML), line or link (GMNS); see :func:`exclusion_reasons`.
    walk_only
        False keeps every row (the report then excludes nothing).
    what
        The input, for messages (file name, and layer where there is one).
    unit
        What a row is, for messages and report keys (``"ways"``, ``"links"``, ``"edges"``).

    Returns
    -------
    keep, report
        ``keep`` is a boolean array; ``report`` holds ``<unit>_read``, ``<unit>_walkable`` and
        ``excluded`` (reason -> count, sorted by reason).

    Raises
    ------
    InputDataError
        When there are no rows, or when every row is excluded (the counts by reason are named).
    """
    n = len(tags)
    if n == 0:
        raise InputDataError(f"{what}: no roads found (no highway {unit}); expected a road network.")
    if not walk_only:
        return np.ones(n, dtype=bool), {f"{unit}_read": n, f"{unit}_walkable": n, "excluded": {}}
    reasons = exclusion_reasons(tags)
    keep = reasons.isna().to_numpy()
    excluded = {str(k): int(v) for k, v in sorted(reasons.dropna().value_counts().items())}
    if not keep.any():
        raise InputDataError(
            f"{what}: no walkable roads: all {n} {unit} were excluded "
            f"({', '.join(f'{k}: {v}' for k, v in excluded.items())}). "
            "Pass walk_only=False to keep every road, or edit the walk rules "
            "(gis_planner/io/data/walk_highways.csv)."
        )
    logger.info("%s: %d of %d %s walkable; excluded %s", what, int(keep.sum()), n, unit, excluded)
    return keep, {f"{unit}_read": n, f"{unit}_walkable": int(keep.sum()), "excluded": excluded}


__all__ = ["TAG_COLUMNS", "exclusion_reasons", "first_class", "walk_filter"]
