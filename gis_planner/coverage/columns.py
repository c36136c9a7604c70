"""Names of the columns :func:`gis_planner.coverage.reach` adds to the compounds.

Other modules build the names with these functions instead of writing or parsing
``f"{c}_covered"`` themselves, so the naming lives in one place (see ``docs/reach.md``).

Per category ``c`` (a glossary identifier such as ``pharmacy``):

==========================  ==================================================================
``dist_col(c)``             ``<c>_dist_m``: network metres to the nearest facility (NaN beyond
                            the search cap or when not snapped)
``minutes_col(c)``          ``<c>_min``: the same in walking minutes
``covered_col(c)``          ``<c>_covered``: within the category's headline limit (inclusive)
``covered_col(c, T)``       ``<c>_covered_<T>min``: within T minutes (inclusive)
``n_within_col(c)``         ``<c>_n_within``: facilities within the headline limit
``gate_col(c)``             ``<c>_gate_id``: the gate of the best route (only with gates)
==========================  ==================================================================

and once per compound: :data:`SNAPPED`, :data:`SNAP_DIST_M`, :data:`N_GATES`, :data:`GATE_ID`,
:data:`COMPLETENESS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Whether the compound (or one of its gates) lies within the snap tolerance of a road.
SNAPPED = "snapped"
#: Metres from the compound (or its nearest gate) to the road it was snapped to.
SNAP_DIST_M = "snap_dist_m"
#: Number of gates of the compound.
N_GATES = "n_gates"
#: The gate on the best route for the most categories (None without gates).
GATE_ID = "gate_id"
#: Share of the required categories covered at their headline limit (0..1).
COMPLETENESS = "completeness"


def minutes_label(minutes: float) -> str:
    """A threshold as written in column names: 15.0 -> ``'15'``, 7.5 -> ``'7.5'``."""
    return f"{float(minutes):g}"


def dist_col(category: str) -> str:
    """``<c>_dist_m``: network metres to the nearest facility of the category."""
    return f"{category}_dist_m"


def minutes_col(category: str) -> str:
    """``<c>_min``: walking minutes to the nearest facility of the category."""
    return f"{category}_min"


def covered_col(category: str, minutes: float | None = None) -> str:
    """``<c>_covered`` (headline limit) or, with ``minutes``, ``<c>_covered_<T>min``."""
    if minutes is None:
        return f"{category}_covered"
    return f"{category}_covered_{minutes_label(minutes)}min"


def n_within_col(category: str) -> str:
    """``<c>_n_within``: facilities of the category within its headline limit."""
    return f"{category}_n_within"


def gate_col(category: str) -> str:
    """``<c>_gate_id``: the gate of the best route to the category (only with gates)."""
    return f"{category}_gate_id"


def category_columns(category: str, thresholds_minutes: Iterable[float] = ()) -> list[str]:
    """Every per-category column name of ``category`` that :func:`reach` can write, in its
    order (the gate column last; it exists only when gates were given)."""
    return [dist_col(category), minutes_col(category), covered_col(category),
            *(covered_col(category, m) for m in thresholds_minutes), n_within_col(category),
            gate_col(category)]


_THRESHOLD = re.compile(r"^(?P<category>.+)_covered_(?P<minutes>[0-9.e+-]+)min$")


def threshold_of(column: str) -> tuple[str, float] | None:
    """``(category, minutes)`` of a ``<c>_covered_<T>min`` column name, or None for any other
    name (the one place that reads a threshold back from a column name)."""
    match = _THRESHOLD.match(column)
    if match is None:
        return None
    try:
        return match["category"], float(match["minutes"])
    except ValueError:
        return None


__all__ = [
    "COMPLETENESS",
    "GATE_ID",
    "N_GATES",
    "SNAPPED",
    "SNAP_DIST_M",
    "category_columns",
    "covered_col",
    "dist_col",
    "gate_col",
    "minutes_col",
    "minutes_label",
    "n_within_col",
    "threshold_of",
]
