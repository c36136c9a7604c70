"""The report's strings: the names of :mod:`gis_planner.plan.i18n`, which holds every
user-facing string of the reports and maps (below both, so the maps read the same table)."""

from __future__ import annotations

from gis_planner.plan.i18n import (
    EXACT_ZH,
    INPUTS_ZH,
    PATTERNS_ZH,
    PHRASES_ZH,
    STRINGS,
    UNITS_ZH,
    Lang,
    check_lang,
    localize,
    localize_unit,
    t,
)

__all__ = ["EXACT_ZH", "INPUTS_ZH", "PATTERNS_ZH", "PHRASES_ZH", "STRINGS", "UNITS_ZH", "Lang",
           "check_lang", "localize", "localize_unit", "t"]
