"""Elderly residents per compound (or building): from columns where the data has them, else
households x persons per household x the census share, each row saying which."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gis_planner._errors import InputDataError
from gis_planner._validate import require_columns
from gis_planner.policy.elderly import ElderlyStandard

#: Accepted column names (first found wins) for each demand group.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "population": ("population", "residents", "常住人口", "人口"),
    "elderly_60": ("elderly_60", "elderly", "aged_60_plus", "60岁以上", "60岁及以上", "老年人口"),
    "elderly_80": ("elderly_80", "aged_80_plus", "80岁以上", "80岁及以上", "高龄老人"),
    "elderly_disabled": ("elderly_disabled", "disabled_elderly", "失能老人", "失能半失能老人"),
}


def _column(frame: pd.DataFrame, group: str) -> str | None:
    return next((c for c in COLUMN_ALIASES[group] if c in frame.columns), None)


def _numbers(frame: pd.DataFrame, col: str, what: str) -> pd.Series:
    values = pd.to_numeric(frame[col], errors="coerce")
    bad = frame.index[(values.isna() & frame[col].notna()) | (values < 0) | ~np.isfinite(values.fillna(0))]
    if len(bad):
        raise InputDataError(f"{what}: column {col!r} has {len(bad)} values that are not counts >= 0 "
                             f"(index {', '.join(map(str, bad[:5]))}).")
    return values


def elderly_demand(compounds: pd.DataFrame, standard: ElderlyStandard, *,
                   what: str = "compounds") -> pd.DataFrame:
    """Residents, elderly 60+, 80+ and disabled elderly per row of ``compounds``.

    A column (see :data:`COLUMN_ALIASES`, e.g. ``elderly_60`` or ``60岁以上``) gives the count
    where it is filled; elsewhere ``population`` (or households x persons per household) x the
    standard's census share is used, and 80+ and disabled elderly are estimated the same way
    (disabled as a share of 60+).

    Parameters
    ----------
    compounds
        Compounds or buildings with ``households``; optional count columns.
    standard
        The elderly-care standard (shares, persons per household).

    Returns
    -------
    pandas.DataFrame
        Same index: ``population``, ``elderly_60``, ``elderly_80``, ``elderly_disabled`` (floats,
        persons) and ``<group>_source`` (``column`` or ``estimate``) for each.

    Raises
    ------
    InputDataError
        No ``households`` column, or a count column with negative or non-numeric values.
    """
    require_columns(compounds, ["households"], what=what)
    households = _numbers(compounds, "households", what).fillna(0.0).astype(float)
    out = pd.DataFrame(index=compounds.index)
    pph = standard.persons_per_household.value
    shares = standard.shares
    estimate = {
        "population": lambda: households * pph,
        "elderly_60": lambda: out["population"] * shares["60_plus"].value,
        "elderly_80": lambda: out["population"] * shares["80_plus"].value,
        "elderly_disabled": lambda: out["elderly_60"] * shares["disabled_of_60_plus"].value,
    }
    for group, make in estimate.items():
        col = _column(compounds, group)
        est = make()
        if col is None:
            out[group] = est.astype(float)
            out[f"{group}_source"] = "estimate"
            continue
        given = _numbers(compounds, col, what)
        out[group] = given.where(given.notna(), est).astype(float)
        out[f"{group}_source"] = np.where(given.notna(), "column", "estimate")
    return out
