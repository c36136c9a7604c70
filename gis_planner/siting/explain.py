"""Why each chosen site: demand newly covered, the requirement met, its catchment, in zh or en."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from gis_planner._units import distance_to_minutes
from gis_planner.categories import label
from gis_planner.siting.demand import UNIT_WORDS

if TYPE_CHECKING:
    from gis_planner.siting.models import SitingResult

Lang = Literal["zh", "en"]


def _count(x: float) -> str:
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 or x >= 100 else f"{x:,.1f}"


def _unit(demand_col: str, lang: Lang) -> str:
    key = demand_col.removeprefix("demand_")
    words = UNIT_WORDS.get(key, {"zh": "", "en": key})
    return words[lang]


def explain_sites(result: SitingResult, *, lang: Lang = "zh") -> pd.DataFrame:
    """One explanation row per chosen site.

    Parameters
    ----------
    result
        A :class:`~gis_planner.siting.models.SitingResult`.
    lang
        ``"zh"`` (Chinese) or ``"en"`` (English).

    Returns
    -------
    pandas.DataFrame
        Index ``candidate_id``; columns ``name``, ``weight_newly_covered``,
        ``catchment_weight``, ``catchment_points``, ``mean_cost_m``, ``requirement`` (the
        planning requirement the site satisfies), ``explanation`` (one sentence) and
        ``area_coverage`` (whole-area coverage before -> after).
    """
    ch = result.chosen
    cat = (
        label(result.category, lang)
        if result.category
        else ("设施" if lang == "zh" else "facility")
    )
    unit = _unit(result.demand_col, lang)
    minutes = result.walk_minutes
    dist = result.max_cost_m
    s = result.summary
    if lang == "zh":
        budget = f"{minutes:g}分钟步行" if minutes else (f"{dist:,.0f}米" if dist else "")
        area = (
            f"全域覆盖率由{s['covered_share_before']:.1%}提高到{s['covered_share_after']:.1%}"
            if dist
            else ""
        )
    else:
        budget = f"{minutes:g} minutes' walk" if minutes else (f"{dist:,.0f} m" if dist else "")
        area = (
            f"area coverage {s['covered_share_before']:.1%} -> {s['covered_share_after']:.1%}"
            if dist
            else ""
        )
    req, text = [], []
    for cid, row in ch.iterrows():
        newly = float(row.get("weight_newly_covered", 0.0))
        catch = float(row.get("catchment_weight", 0.0))
        mean_m = float(row.get("mean_cost_m", np.nan))
        group_first = "group" in ch.columns and not bool(row.get("group_had_site", True))
        gname = str(row.get("group_name", row.get("group", "")))
        kind = result.group_kind
        if lang == "zh":
            if group_first:
                r = f"{kind}{gname}此前没有{cat}，本址满足每个{kind}至少一处的要求"
            elif dist:
                r = f"覆盖{_count(newly)}{unit}此前{budget}范围内没有{cat}的居民"
            else:
                r = f"服务{_count(catch)}{unit}，平均步行{mean_m:,.0f}米"
            walk = (
                f"，平均步行{mean_m:,.0f}米"
                f"（约{distance_to_minutes(mean_m, result.speed_kmh):.0f}分钟）"
                if result.speed_kmh and np.isfinite(mean_m)
                else ""
            )
            t = (
                f"{row.get('name') or cid}：服务范围内{_count(catch)}{unit}"
                f"（{int(row.get('catchment_points', 0))}个需求点）{walk}；"
                f"新增覆盖{_count(newly)}{unit}。"
            )
        else:
            if group_first:
                r = (
                    f"{kind} {gname} had no {cat.lower()}; "
                    f"this site meets the minimum of one per {kind}"
                )
            elif dist:
                r = f"covers {_count(newly)} {unit} previously outside {budget} of a {cat.lower()}"
            else:
                r = f"serves {_count(catch)} {unit} at a mean walk of {mean_m:,.0f} m"
            walk = (
                f", mean walk {mean_m:,.0f} m (about "
                f"{distance_to_minutes(mean_m, result.speed_kmh):.0f} min)"
                if result.speed_kmh and np.isfinite(mean_m)
                else ""
            )
            t = (
                f"{row.get('name') or cid}: catchment {_count(catch)} {unit} "
                f"({int(row.get('catchment_points', 0))} demand points){walk}; "
                f"newly covers {_count(newly)} {unit}."
            )
        req.append(r)
        text.append(t)
    out = pd.DataFrame(
        {
            "name": ch["name"].to_numpy() if "name" in ch.columns else "",
            "weight_newly_covered": ch.get(
                "weight_newly_covered", pd.Series(dtype=float)
            ).to_numpy(),
            "catchment_weight": ch.get("catchment_weight", pd.Series(dtype=float)).to_numpy(),
            "catchment_points": ch.get("catchment_points", pd.Series(dtype=int)).to_numpy(),
            "mean_cost_m": ch.get("mean_cost_m", pd.Series(dtype=float)).to_numpy(),
            "requirement": req,
            "explanation": text,
            "area_coverage": area,
        },
        index=ch.index,
    )
    return out
