"""Coverage summaries per category and group, and the worst-served compounds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gis_planner.categories import label

if TYPE_CHECKING:
    from gis_planner.coverage.reach import ReachResult

ALL = "all"


def coverage_summary(result: ReachResult, *, by: str | None = None) -> pd.DataFrame:
    """Households (and population) covered per category, overall or per group.

    Parameters
    ----------
    by
        None for the whole area, or a compound column such as ``community_code`` or
        ``subdistrict_code``.

    Returns
    -------
    DataFrame
        One row per (group, category): ``group``, ``category``, ``limit_m``, ``households``
        (all households of the group, snapped or not), ``households_unsnapped`` (excluded: too
        far from any road), ``covered_households``, ``covered_share`` (of all households), and
        where a population column was given ``population``, ``covered_population``,
        ``covered_population_share``. Totals equal the input totals.
    """
    hh = result.households
    col = result.households_col
    if by is not None and by not in hh.columns:
        raise KeyError(f"no column {by!r} in the reach result; available: {', '.join(hh.columns)}")
    groups = hh[by].astype(str) if by else pd.Series(ALL, index=hh.index)
    weights = pd.to_numeric(hh[col]).astype(float)
    pop = pd.to_numeric(hh[result.population_col]).astype(float) if result.population_col else None
    rows = []
    for c in result.categories:
        cov = hh[f"{c}_covered"].astype(bool)
        frame = pd.DataFrame({"g": groups, "w": weights, "cw": weights.where(cov, 0.0),
                              "uw": weights.where(~hh["snapped"].astype(bool), 0.0)})
        if pop is not None:
            frame["p"] = pop
            frame["cp"] = pop.where(cov, 0.0)
        agg = frame.groupby("g", sort=True).sum(numeric_only=True)
        for g, r in agg.iterrows():
            row = {"group": g, "category": c, "limit_m": result.category_limits_m[c],
                   "households": r["w"], "households_unsnapped": r["uw"],
                   "covered_households": r["cw"],
                   "covered_share": r["cw"] / r["w"] if r["w"] > 0 else np.nan}
            if pop is not None:
                row.update(population=r["p"], covered_population=r["cp"],
                           covered_population_share=r["cp"] / r["p"] if r["p"] > 0 else np.nan)
            rows.append(row)
    out = pd.DataFrame(rows)
    if by:
        out = out.rename(columns={"group": by})
    return out


def completeness_summary(result: ReachResult, *, by: str | None = None) -> pd.DataFrame:
    """Household-weighted mean living-circle completeness (share of required categories within
    their limits), overall or per group, with the share of households having all of them."""
    hh = result.households
    w = pd.to_numeric(hh[result.households_col]).astype(float)
    groups = hh[by].astype(str) if by else pd.Series(ALL, index=hh.index)
    comp = hh["completeness"].astype(float)
    frame = pd.DataFrame({"g": groups, "w": w, "wc": w * comp, "full": w.where(comp >= 1.0, 0.0)})
    agg = frame.groupby("g").sum()
    out = pd.DataFrame({
        "households": agg["w"],
        "mean_completeness": agg["wc"] / agg["w"].where(agg["w"] > 0),
        "share_with_all_required": agg["full"] / agg["w"].where(agg["w"] > 0),
    })
    out.index.name = by or "group"
    return out.reset_index()


def worst_served(result: ReachResult, *, n: int = 20, lang: str = "zh") -> pd.DataFrame:
    """The ``n`` compounds with the lowest completeness (ties: most households first).

    Returns a frame indexed like the compounds with ``name``, households, ``completeness``,
    ``missing`` (labels of the required categories not within their limit, in ``lang``) and
    ``community_code``/``subdistrict_code`` where present.
    """
    hh = result.households
    req = list(result.required_categories)
    missing = [
        "、".join(label(c, lang) for c in req if not row[f"{c}_covered"]) if lang == "zh" else
        ", ".join(label(c, lang) for c in req if not row[f"{c}_covered"])
        for _, row in hh[[f"{c}_covered" for c in req]].iterrows()
    ]
    cols = [c for c in ("name", result.households_col, "community_code", "subdistrict_code")
            if c in hh.columns]
    out = hh[cols].copy()
    out["completeness"] = hh["completeness"]
    out["n_missing"] = [sum(not hh.at[i, f"{c}_covered"] for c in req) for i in hh.index]
    out["missing"] = missing
    out = out.sort_values(["completeness", result.households_col], ascending=[True, False],
                          kind="mergesort")
    return pd.DataFrame(out.head(n))
