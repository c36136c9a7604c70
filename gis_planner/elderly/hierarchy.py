"""The levels of the elderly-care network, with capacities: who is within reach of which level,
places per 1,000 elderly (2SFCA) and capacity shortfalls.

Levels run from the highest (the sub-district centre) down to the meal point. A facility serves
its own level's demand within its level's walking limit, and it also serves every lower level's
demand within that same limit (a sub-district centre also offers day care and meals): at level
``L`` the supply is every facility of level ``L`` or higher, each with its own capacity and
catchment. Capacities are counted per level, so one centre's places appear at each level it
serves; that is the reading of "a higher level also serves the lower levels' demand".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from gis_planner._errors import InputDataError
from gis_planner.elderly.fca import WeightFn, two_step_fca
from gis_planner.policy.elderly import ElderlyStandard

#: Accepted capacity column names of the facilities (places, beds, meals per day).
CAPACITY_ALIASES = ("capacity", "places", "beds", "床位", "床位数", "容量", "服务能力")


def facility_capacity(facilities: pd.DataFrame, standard: ElderlyStandard) -> pd.DataFrame:
    """Level and capacity of each elderly-care facility (other categories are left out).

    Parameters
    ----------
    facilities
        Facilities with ``category``; optional capacity column (see :data:`CAPACITY_ALIASES`).
    standard
        The elderly-care standard (levels, their categories and default capacities).

    Returns
    -------
    pandas.DataFrame
        Index of the elderly-care facilities: ``level`` (the highest level listing the category),
        ``level_rank`` (0 = highest), ``capacity`` (places) and ``capacity_source``
        (``column`` or ``default``).

    Raises
    ------
    InputDataError
        A capacity value that is negative or not a number.
    """
    rank: dict[str, int] = {}
    for r, lv in enumerate(standard.levels):
        for c in lv.categories:
            rank.setdefault(c, r)
    cats = facilities["category"].astype(str)
    sel = facilities.loc[cats.isin(rank)]
    out = pd.DataFrame(index=sel.index)
    out["level_rank"] = sel["category"].astype(str).map(rank).astype(int)
    out["level"] = [standard.levels[r].id for r in out["level_rank"]]
    default = np.array([standard.levels[r].default_capacity.value for r in out["level_rank"]], dtype=float)
    col = next((c for c in CAPACITY_ALIASES if c in sel.columns), None)
    if col is None:
        out["capacity"] = default
        out["capacity_source"] = "default"
        return out
    given = pd.to_numeric(sel[col], errors="coerce")
    bad = sel.index[(given.isna() & sel[col].notna()) | (given < 0) | ~np.isfinite(given.fillna(0))]
    if len(bad):
        raise InputDataError(f"facilities: column {col!r} has {len(bad)} capacities that are not "
                             f"numbers >= 0 (index {', '.join(map(str, bad[:5]))}).")
    out["capacity"] = given.where(given.notna(), default).astype(float)
    out["capacity_source"] = np.where(given.notna(), "column", "default")
    return out


def within_limits(costs_m: sp.csr_matrix, limits_m: np.ndarray) -> sp.csr_matrix:
    """``costs_m`` keeping, per column, only walks within that column's limit (metres)."""
    coo = costs_m.tocoo()
    keep = coo.data <= limits_m[coo.col]
    return sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=costs_m.shape)


def level_assessment(
    costs_m: sp.spmatrix,
    demand: pd.DataFrame,
    capacity: pd.DataFrame,
    standard: ElderlyStandard,
    *,
    weight: WeightFn | None = None,
) -> dict[str, pd.DataFrame]:
    """Coverage, 2SFCA scores and shortfall of every level, per demand row.

    Parameters
    ----------
    costs_m
        Sparse demand x elderly-care facility matrix of walking metres (rows = ``demand``'s rows,
        columns = ``capacity``'s rows), at least up to the largest level limit.
    demand
        Output of :func:`gis_planner.elderly.elderly_demand`.
    capacity
        Output of :func:`facility_capacity`.
    weight
        Distance decay for the enhanced 2SFCA (None: the classic step).

    Returns
    -------
    dict
        level id -> frame with ``demand`` (persons of the level's group), ``covered`` (within a
        facility of this level or higher), ``covered_own`` (within a facility of this level
        itself), ``walk_m`` (nearest facility of this level or higher, NaN beyond),
        ``places_per_1000`` (2SFCA score x 1,000), ``places`` (score x demand: the places
        reachable by the row's residents), ``need`` (demand x the norm / 1,000) and ``shortfall``
        (need - places, >= 0).
    """
    m = sp.csr_matrix(costs_m)
    if m.shape != (len(demand), len(capacity)):
        raise InputDataError(f"elderly levels: costs are {m.shape}, expected "
                             f"({len(demand)}, {len(capacity)}).")
    limits = np.array([standard.levels[r].walk_limit_m.value for r in capacity["level_rank"]], dtype=float)
    within = within_limits(m, limits)
    ranks = capacity["level_rank"].to_numpy(int)
    out: dict[str, pd.DataFrame] = {}
    for r, lv in enumerate(standard.levels):
        cols = np.flatnonzero(ranks <= r)
        sub = within[:, cols]
        d = demand[lv.demand].to_numpy(float)
        cap = capacity["capacity"].to_numpy(float)[cols]
        scores, _ratios = two_step_fca(sub, d, cap, max_cost_m=np.inf, weight=weight)
        walk = np.full(len(d), np.nan)
        if sub.nnz:
            coo = sub.tocoo()
            best = np.full(len(d), np.inf)
            np.minimum.at(best, coo.row, coo.data)
            walk = np.where(np.isfinite(best), best, np.nan)
        own = within[:, np.flatnonzero(ranks == r)]
        need = d * lv.places_per_1000.value / 1000.0
        places = scores * d
        out[lv.id] = pd.DataFrame({
            "demand": d, "covered": np.isfinite(walk), "covered_own": np.diff(own.tocsr().indptr) > 0,
            "walk_m": walk,
            "places_per_1000": scores * 1000.0, "places": places, "need": need,
            "shortfall": np.clip(need - places, 0.0, None),
        }, index=demand.index)
    return out


def summarise_levels(levels: dict[str, pd.DataFrame], standard: ElderlyStandard,
                     groups: pd.Series | None = None) -> pd.DataFrame:
    """Totals per level (and per group, e.g. community code, when ``groups`` is given).

    Returns
    -------
    pandas.DataFrame
        One row per level (x group): ``demand`` (persons of the level's group),
        ``covered_demand`` (within reach of a facility of the level or higher),
        ``covered_own_demand`` (within reach of a facility of the level itself),
        ``covered_share`` (covered_demand / demand, 0-1), ``covered_own_share``
        (covered_own_demand / demand, 0-1: the level's own facilities, as the
        neighbourhood-centres section and the coverage table count), ``places``, ``places_per_1000``
        (places / demand x 1,000), ``need``, ``shortfall`` (need - places per group, >= 0),
        ``walk_limit_m``.
    """
    frames = []
    for lv in standard.levels:
        t = levels[lv.id].copy()
        t["covered_demand"] = t["demand"].where(t["covered"], 0.0)
        t["covered_own_demand"] = t["demand"].where(t["covered_own"], 0.0)
        keys = [groups.reindex(t.index).fillna("").astype(str)] if groups is not None else [np.zeros(len(t))]
        g = t.groupby(keys)[["demand", "covered_demand", "covered_own_demand", "places", "need"]].sum()
        g.index.name = groups.name if groups is not None else None
        with np.errstate(divide="ignore", invalid="ignore"):
            g["covered_share"] = np.where(g["demand"] > 0, g["covered_demand"] / g["demand"], np.nan)
            g["covered_own_share"] = np.where(g["demand"] > 0, g["covered_own_demand"] / g["demand"], np.nan)
            g["places_per_1000"] = np.where(g["demand"] > 0, g["places"] / g["demand"] * 1000.0, np.nan)
        g["shortfall"] = (g["need"] - g["places"]).clip(lower=0.0)
        g["level"] = lv.id
        g["walk_limit_m"] = lv.walk_limit_m.value
        frames.append(g.reset_index(drop=groups is None))
    return pd.concat(frames, ignore_index=True)
