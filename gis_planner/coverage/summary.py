"""Coverage summaries per category and group, and the worst-served compounds.

Every household of the input is counted: ``households`` in a summary is the input total of the
group (snapped or not), and the households of compounds farther than the snap tolerance from any
road are reported separately in ``households_unsnapped`` (they count as not covered).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gis_planner._errors import InputDataError
from gis_planner.categories import label
from gis_planner.coverage import columns

if TYPE_CHECKING:
    from gis_planner.coverage.reach import ReachResult

#: Group label of the rows covering the whole area.
ALL = "all"


def _groups(result: ReachResult, by: str | None) -> pd.Series:
    hh = result.households
    if by is None:
        return pd.Series(ALL, index=hh.index)
    if by not in hh.columns:
        raise InputDataError(
            f"coverage summary: by={by!r} is not a column of the reach result; available "
            f"grouping columns: {', '.join(c for c in hh.columns if not _is_reach_column(result, c))}."
        )
    return hh[by].astype("string").fillna("(none)").astype(str)


def _is_reach_column(result: ReachResult, col: str) -> bool:
    return any(col.startswith(f"{c}_") for c in result.categories) or col in (
        "snapped", "snap_dist_m", "n_gates", "gate_id", "completeness", "geometry")


def coverage_summary(result: ReachResult, *, by: str | None = None) -> pd.DataFrame:
    """Households (and population) covered per category, overall or per group.

    Parameters
    ----------
    result
        The output of :func:`gis_planner.coverage.reach`.
    by
        None for the whole area, or a compound column such as ``community_code`` or
        ``subdistrict_code``; the area-wide rows (group ``"all"``) then follow the group rows.

    Returns
    -------
    DataFrame
        One row per (group, category): the group column (``group`` or the ``by`` name),
        ``category``, ``limit_m`` (the category's headline limit, metres), ``households`` (all
        households of the group, snapped or not), ``households_unsnapped`` (excluded: farther
        than the snap tolerance from any road), ``covered_households``, ``covered_share`` (of
        all households, 0-1), and where ``result.population_col`` is set ``population``,
        ``covered_population``, ``covered_population_share``. ``households`` summed over the
        categories of one group equals the input total of that group.

    Raises
    ------
    InputDataError
        When ``by`` is not a column of the result.
    """
    hh = result.households
    groups = _groups(result, by)
    weights = pd.to_numeric(hh[result.households_col]).astype(float).to_numpy()
    pop = (pd.to_numeric(hh[result.population_col]).astype(float).to_numpy()
           if result.population_col else None)
    unsnapped = ~hh["snapped"].astype(bool).to_numpy()
    keys = [groups.to_numpy()] if by is None else [groups.to_numpy(), np.full(len(hh), ALL)]
    frames = []
    for key in keys:
        base = pd.DataFrame({"g": key, "w": weights, "uw": np.where(unsnapped, weights, 0.0)})
        if pop is not None:
            base["p"] = pop
        for c in result.categories:
            cov = hh[columns.covered_col(c)].astype(bool).to_numpy()
            frame = base.assign(cw=np.where(cov, weights, 0.0))
            if pop is not None:
                frame["cp"] = np.where(cov, pop, 0.0)
            agg = frame.groupby("g", sort=True).sum(numeric_only=True)
            if len(agg) == 0 and (by is None or key is keys[-1]):  # no compounds: zero rows
                agg = pd.DataFrame(0.0, index=pd.Index([ALL]), columns=frame.columns.drop("g"))
            part = pd.DataFrame({
                "group": agg.index.astype(str), "category": c,
                "limit_m": result.category_limits_m[c],
                "households": agg["w"].to_numpy(), "households_unsnapped": agg["uw"].to_numpy(),
                "covered_households": agg["cw"].to_numpy(),
                "covered_share": _share(agg["cw"].to_numpy(), agg["w"].to_numpy()),
            })
            if pop is not None:
                part["population"] = agg["p"].to_numpy()
                part["covered_population"] = agg["cp"].to_numpy()
                part["covered_population_share"] = _share(agg["cp"].to_numpy(),
                                                          agg["p"].to_numpy())
            frames.append(part)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["group", "category", "limit_m", "households", "households_unsnapped",
                 "covered_households", "covered_share"])
    if by:
        out = out.rename(columns={"group": by})
    return out


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(whole > 0, part / np.where(whole > 0, whole, 1.0), np.nan)


def completeness_summary(result: ReachResult, *, by: str | None = None) -> pd.DataFrame:
    """Household-weighted living-circle completeness, overall or per group.

    Returns
    -------
    DataFrame
        One row per group (column ``group`` or the ``by`` name; with ``by`` the area-wide row
        ``"all"`` follows): ``households``, ``mean_completeness`` (household-weighted mean share
        of the required categories within their limits, 0-1) and ``share_with_all_required``
        (share of households reaching every required category, 0-1).
    """
    hh = result.households
    w = pd.to_numeric(hh[result.households_col]).astype(float).to_numpy()
    comp = hh["completeness"].astype(float).to_numpy()
    groups = _groups(result, by).to_numpy()
    keys = [groups] if by is None else [groups, np.full(len(hh), ALL)]
    parts = []
    for key in keys:
        frame = pd.DataFrame({"g": key, "w": w, "wc": w * np.nan_to_num(comp),
                              "full": np.where(comp >= 1.0, w, 0.0)})
        agg = frame.groupby("g", sort=True).sum()
        parts.append(pd.DataFrame({
            "group": agg.index.astype(str), "households": agg["w"].to_numpy(),
            "mean_completeness": _share(agg["wc"].to_numpy(), agg["w"].to_numpy()),
            "share_with_all_required": _share(agg["full"].to_numpy(), agg["w"].to_numpy()),
        }))
    out = pd.concat(parts, ignore_index=True)
    return out.rename(columns={"group": by}) if by else out


def worst_served(result: ReachResult, *, n: int = 20, lang: str = "zh") -> pd.DataFrame:
    """The ``n`` compounds with the lowest completeness (ties: most households first).

    Parameters
    ----------
    n
        Number of compounds returned.
    lang
        ``"zh"`` or ``"en"``: language of the category labels in ``missing``.

    Returns
    -------
    DataFrame
        Indexed like the compounds: ``name``, the households column, ``community_code`` and
        ``subdistrict_code`` where present, ``completeness`` (0-1), ``n_missing`` (required
        categories not within their limit), ``missing`` (their labels in ``lang``, joined with
        "、" in Chinese and ", " in English) and ``snapped``.
    """
    hh = result.households
    req = list(result.required_categories)
    w = pd.to_numeric(hh[result.households_col]).astype(float)
    order = pd.DataFrame({"c": hh["completeness"].astype(float).fillna(-1.0).to_numpy(),
                          "w": w.to_numpy()}, index=hh.index)
    top = order.sort_values(["c", "w"], ascending=[True, False], kind="mergesort").index[:n]
    sel = hh.loc[top]
    cols = [c for c in ("name", result.households_col, "community_code", "subdistrict_code")
            if c in hh.columns]
    out = pd.DataFrame(sel[cols])
    out["completeness"] = sel["completeness"].astype(float)
    if req:
        missing = ~np.column_stack([sel[columns.covered_col(c)].astype(bool).to_numpy() for c in req])
    else:
        missing = np.zeros((len(sel), 0), dtype=bool)
    labels = [label(c, lang) for c in req]  # type: ignore[arg-type]
    sep = "、" if lang == "zh" else ", "
    out["n_missing"] = missing.sum(axis=1).astype(np.int64)
    out["missing"] = [sep.join(lb for lb, m in zip(labels, row, strict=True) if m)
                      for row in missing]
    out["snapped"] = sel["snapped"].astype(bool)
    return out
