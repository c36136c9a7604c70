"""Which roads a pedestrian may use: an editable table of highway classes plus access tags.

The table ``gis_planner/io/data/walk_highways.csv`` lists every highway class with ``walk`` yes/no;
classes not listed are excluded (and counted). A way is also excluded when tagged ``foot=no``,
``area=yes``, or ``access=private|no`` without ``foot=yes|designated|permissive``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources

import pandas as pd

FOOT_ALLOWED = frozenset({"yes", "designated", "permissive"})
ACCESS_DENIED = frozenset({"private", "no"})


@functools.cache
def walk_table() -> pd.DataFrame:
    """The walk rule table: index ``highway``, columns ``walk`` (bool) and ``note``."""
    with resources.files("gis_planner.io.data").joinpath("walk_highways.csv").open(
        encoding="utf-8"
    ) as f:
        table = pd.read_csv(f, dtype=str, keep_default_na=False).set_index("highway")
    table["walk"] = table["walk"] == "yes"
    return table


def walkable_highways() -> frozenset[str]:
    """Highway classes open to pedestrians."""
    t = walk_table()
    return frozenset(t.index[t["walk"]])


def exclusion_reason(tags: Mapping[str, str]) -> str | None:
    """Why a way with these OSM tags is not walkable, or None when it is.

    >>> exclusion_reason({"highway": "trunk"})
    'highway=trunk'
    >>> exclusion_reason({"highway": "service", "access": "private", "foot": "yes"}) is None
    True
    """
    hw = str(tags.get("highway", "")).split(";")[0].strip()
    if hw not in walkable_highways():
        return f"highway={hw or 'missing'}"
    foot = str(tags.get("foot", "")).strip()
    if foot == "no":
        return "foot=no"
    if str(tags.get("area", "")).strip() == "yes":
        return "area=yes"
    if str(tags.get("access", "")).strip() in ACCESS_DENIED and foot not in FOOT_ALLOWED:
        return f"access={tags.get('access')}"
    return None
