"""Demand weights for siting: households, population or elderly population per compound.

Defaults are national figures of the 7th national population census (2020), National Bureau of
Statistics of China, *Bulletin of the Seventh National Population Census (No. 5: age
composition)*, 11 May 2021: 264.02 million people aged 60 and over, 18.70 % of the population;
and *Bulletin No. 2 (households)*: 2.62 persons per family household. Local shares differ a lot
(Shanghai 23.4 % aged 60+ in the same census), so pass the local figure, or a per-compound
column, whenever it is known.
"""

from __future__ import annotations

import logging
from typing import Literal

import pandas as pd

from gis_planner._errors import InputDataError
from gis_planner._validate import require_columns, require_nonnegative_numbers

logger = logging.getLogger(__name__)

DemandKind = Literal["households", "population", "elderly"]

#: Share of the population aged 60+ in China, 2020 census (Bulletin No. 5): 18.70 %.
CENSUS_2020_SHARE_AGED_60_PLUS = 0.1870
#: Persons per family household in China, 2020 census (Bulletin No. 2): 2.62.
CENSUS_2020_PERSONS_PER_HOUSEHOLD = 2.62

#: Display words for demand units.
UNIT_WORDS = {
    "households": {"zh": "户", "en": "households"},
    "population": {"zh": "人", "en": "residents"},
    "elderly": {"zh": "名老年人", "en": "older residents (60+)"},
}


def demand_weights(
    compounds: pd.DataFrame,
    *,
    kind: DemandKind = "households",
    elderly_share: float = CENSUS_2020_SHARE_AGED_60_PLUS,
    persons_per_household: float = CENSUS_2020_PERSONS_PER_HOUSEHOLD,
    elderly_col: str = "elderly",
    elderly_share_col: str = "elderly_share",
    what: str = "compounds",
) -> pd.Series:
    """Demand weight per compound (same index), as households, residents or residents aged 60+.

    Parameters
    ----------
    compounds
        Frame with ``households``; optional ``population``, ``elderly`` (count aged 60+) and
        ``elderly_share`` (0-1) columns that override the defaults row by row where not empty.
    kind
        ``"households"``, ``"population"`` (``population`` column, else households x
        ``persons_per_household``) or ``"elderly"`` (``elderly`` column, else population x
        ``elderly_share`` column, else population x ``elderly_share``).
    elderly_share
        Share aged 60+, 0-1 (default: 18.70 %, China, 2020 census).
    persons_per_household
        Persons per household (default 2.62, China, 2020 census).

    Returns
    -------
    pandas.Series
        Float weights named ``demand_<kind>``, index of ``compounds``.

    Raises
    ------
    InputDataError
        Missing ``households``, negative or non-numeric counts, a share outside 0-1.
    """
    if kind not in ("households", "population", "elderly"):
        raise InputDataError(
            f"demand kind {kind!r} is unknown; expected 'households', 'population' or 'elderly'."
        )
    if not 0 <= elderly_share <= 1:
        raise InputDataError(f"elderly_share must be within 0-1; found {elderly_share}.")
    if persons_per_household <= 0:
        raise InputDataError(f"persons_per_household must be > 0; found {persons_per_household}.")
    require_columns(compounds, ["households"], what=what)
    require_nonnegative_numbers(compounds, "households", what=what)
    hh = pd.to_numeric(compounds["households"]).astype(float)
    if kind == "households":
        return hh.rename("demand_households")
    pop = hh * persons_per_household
    if "population" in compounds.columns:
        given = pd.to_numeric(compounds["population"], errors="coerce")
        if (given < 0).any():
            raise InputDataError(
                f"{what}: column 'population' has negative values; counts must be >= 0."
            )
        pop = given.where(given.notna(), pop).astype(float)
        logger.info(
            "%s: population column used for %d of %d rows", what, int(given.notna().sum()), len(pop)
        )
    if kind == "population":
        return pop.rename("demand_population")
    share = pd.Series(elderly_share, index=compounds.index, dtype=float)
    if elderly_share_col in compounds.columns:
        s = pd.to_numeric(compounds[elderly_share_col], errors="coerce")
        bad = s.notna() & ((s < 0) | (s > 1))
        if bad.any():
            raise InputDataError(
                f"{what}: column {elderly_share_col!r} has {int(bad.sum())} values outside 0-1 "
                f"(index {', '.join(map(str, compounds.index[bad.to_numpy()][:5]))}); "
                "give shares, not percentages."
            )
        share = s.where(s.notna(), share)
    elderly = pop * share
    if elderly_col in compounds.columns:
        e = pd.to_numeric(compounds[elderly_col], errors="coerce")
        if (e < 0).any():
            raise InputDataError(
                f"{what}: column {elderly_col!r} has negative values; counts must be >= 0."
            )
        elderly = e.where(e.notna(), elderly)
    return elderly.astype(float).rename("demand_elderly")
