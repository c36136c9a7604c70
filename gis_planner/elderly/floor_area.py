"""Elderly-care floor area per community against the standard's norms, and the gap in m²."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gis_planner.policy.elderly import ElderlyStandard


def floor_area_gaps(
    households: pd.Series,
    existing_area_m2: pd.Series,
    standard: ElderlyStandard,
    *,
    new_residential_floor_area_m2: pd.Series | None = None,
    new_site_area_m2: pd.Series | None = None,
) -> pd.DataFrame:
    """Floor area of elderly-care rooms needed, existing and missing per community (m²).

    Existing residential areas need ``m2_per_100_households_existing`` m² per 100 households;
    new residential projects need ``new_floor_area_permille`` ‰ of their residential floor area
    (at least ``new_site_min_m2`` per site), on top.

    Parameters
    ----------
    households
        Households per community (index = community code).
    existing_area_m2
        Elderly-care floor area in each community today (m²); missing communities count 0.
    new_residential_floor_area_m2
        Residential floor area of new projects per community (m²), where known.
    new_site_area_m2
        The smallest planned elderly-care room of the new projects per community (m²), checked
        against ``new_site_min_m2``.

    Returns
    -------
    pandas.DataFrame
        Index = community: ``households``, ``norm_m2_per_100_households``, ``need_existing_m2``,
        ``need_new_m2``, ``need_m2``, ``existing_m2``, ``gap_m2`` (>= 0), ``met`` (bool) and,
        with ``new_site_area_m2``, ``new_site_ok``.
    """
    hh = households.astype(float)
    out = pd.DataFrame({"households": hh})
    norm = standard.m2_per_100_households_existing.value
    out["norm_m2_per_100_households"] = norm
    out["need_existing_m2"] = hh / 100.0 * norm
    new = (new_residential_floor_area_m2.reindex(out.index).fillna(0.0).astype(float)
           if new_residential_floor_area_m2 is not None else pd.Series(0.0, index=out.index))
    need_new = new * standard.new_floor_area_permille.value / 1000.0
    out["need_new_m2"] = np.where(need_new > 0, np.maximum(need_new, standard.new_site_min_m2.value), 0.0)
    out["need_m2"] = out["need_existing_m2"] + out["need_new_m2"]
    out["existing_m2"] = existing_area_m2.reindex(out.index).fillna(0.0).astype(float)
    out["gap_m2"] = (out["need_m2"] - out["existing_m2"]).clip(lower=0.0)
    out["met"] = out["gap_m2"] <= 0.0
    if new_site_area_m2 is not None:
        site = new_site_area_m2.reindex(out.index)
        out["new_site_ok"] = site.isna() | (site >= standard.new_site_min_m2.value)
    return out
