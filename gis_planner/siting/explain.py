"""Why each chosen site: demand newly covered, the requirement met, its catchment, in zh or en."""

from __future__ import annotations

from dataclasses import dataclass
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
    ctx = _Wording.of(result, lang)
    sentence = _site_zh if lang == "zh" else _site_en
    req, text = [], []
    for cid, row in ch.iterrows():
        r, t = sentence(ctx, cid, row)
        req.append(r)
        text.append(t)
    return pd.DataFrame(
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
            "area_coverage": ctx.area,
        },
        index=ch.index,
    )


@dataclass(frozen=True)
class _Wording:
    """What every sentence of one result shares: category, demand unit, budget, area change."""

    cat: str
    unit: str
    budget: str
    area: str
    dist: float | None
    group_kind: str
    speed_kmh: float | None

    @classmethod
    def of(cls, result: SitingResult, lang: Lang) -> _Wording:
        minutes, dist, s = result.walk_minutes, result.max_cost_m, result.summary
        default_cat = "设施" if lang == "zh" else "facility"
        cat = label(result.category, lang) if result.category else default_cat
        if lang == "zh":
            budget = f"{minutes:g}分钟步行" if minutes else (f"{dist:,.0f}米" if dist else "")
            area = (
                f"全域覆盖率由{s['covered_share_before']:.1%}提高到{s['covered_share_after']:.1%}"
                "（全部新增点合计）"
                if dist
                else ""
            )
        else:
            budget = f"{minutes:g} minutes' walk" if minutes else (f"{dist:,.0f} m" if dist else "")
            area = (
                f"area coverage {s['covered_share_before']:.1%} -> {s['covered_share_after']:.1%} "
                "(all new sites together)"
                if dist
                else ""
            )
        return cls(cat, _unit(result.demand_col, lang), budget, area, dist, result.group_kind,
                   result.speed_kmh)


@dataclass(frozen=True)
class _Site:
    """The figures of one chosen site that the sentences cite."""

    name: str
    newly: float
    catch: float
    points: int
    mean_m: float
    group_first: bool  # the first site of its unit (group)
    group_name: str

    @classmethod
    def of(cls, cid: object, row: pd.Series) -> _Site:
        return cls(
            name=str(row.get("name") or cid),
            newly=float(row.get("weight_newly_covered", 0.0)),
            catch=float(row.get("catchment_weight", 0.0)),
            points=int(row.get("catchment_points", 0)),
            mean_m=float(row.get("mean_cost_m", np.nan)),
            group_first="group" in row.index and not bool(row.get("group_had_site", True)),
            group_name=str(row.get("group_name", row.get("group", ""))),
        )


def _site_zh(w: _Wording, cid: object, row: pd.Series) -> tuple[str, str]:
    """(requirement met, explanation) of one site in Chinese."""
    x, kind, cat, unit = _Site.of(cid, row), w.group_kind, w.cat, w.unit
    if x.group_first:
        r = f"{kind}{x.group_name}此前没有{cat}，本址满足每个{kind}至少一处的要求"
    elif w.dist:
        r = f"覆盖{_count(x.newly)}{unit}此前{w.budget}范围内没有{cat}的居民"
    else:
        r = f"服务{_count(x.catch)}{unit}，平均步行{x.mean_m:,.0f}米"
    walk = (
        f"，平均步行{x.mean_m:,.0f}米（约{distance_to_minutes(x.mean_m, w.speed_kmh):.0f}分钟）"
        if w.speed_kmh and np.isfinite(x.mean_m)
        else ""
    )
    t = (
        f"{x.name}：服务范围内{_count(x.catch)}{unit}（{x.points}个需求点）{walk}；"
        f"新增覆盖{_count(x.newly)}{unit}。"
    )
    return r, t


def _site_en(w: _Wording, cid: object, row: pd.Series) -> tuple[str, str]:
    """(requirement met, explanation) of one site in English."""
    x, kind, cat, unit = _Site.of(cid, row), w.group_kind, w.cat, w.unit
    if x.group_first:
        r = f"{kind} {x.group_name} had no {cat.lower()}; this site meets the minimum of one per {kind}"
    elif w.dist:
        r = f"covers {_count(x.newly)} {unit} previously outside {w.budget} of a {cat.lower()}"
    else:
        r = f"serves {_count(x.catch)} {unit} at a mean walk of {x.mean_m:,.0f} m"
    walk = (
        f", mean walk {x.mean_m:,.0f} m (about "
        f"{distance_to_minutes(x.mean_m, w.speed_kmh):.0f} min)"
        if w.speed_kmh and np.isfinite(x.mean_m)
        else ""
    )
    t = (
        f"{x.name}: catchment {_count(x.catch)} {unit} ({x.points} demand points){walk}; "
        f"newly covers {_count(x.newly)} {unit}."
    )
    return r, t
