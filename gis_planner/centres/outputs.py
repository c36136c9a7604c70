"""Report-ready tables of a neighbourhood-centre plan, and writing them as files.

Every table has headers in the requested language (``zh`` or ``en``), functions by name, the
community's name beside its code, counts as whole numbers and shares as fractions (0-1). The
coverage table says what each function counts (``80岁及以上老人（人）`` for day care, as the
elderly-care network's day-care level; ``60岁及以上老人（人）``, ``住户（户）``) and which facility
category counts as the function existing today: only that category, unlike the elderly-care
levels, where a higher level also serves the lower ones. The standard table gives the census
shares the elderly residents are estimated with, and says of a rule of another city or province
that it is one.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from gis_planner.categories import Lang, check_lang
from gis_planner.categories import label as category_label
from gis_planner.centres.plan import CentrePlan, function_names
from gis_planner.elderly.labels import group_label, standard_table, whole
from gis_planner.policy.centres import CentreStandard

_HEAD = {
    "zh": {
        "space_id": "空间编号", "name": "名称", "rank": "排序", "area_m2": "可用面积(m²)", "floor": "楼层",
        "lift": "电梯", "ownership": "产权", "cost": "费用", "functions": "功能组合",
        "area_used_m2": "功能用房(m²)", "new_households": "新增可达(户/人)", "community_code": "社区编码",
        "community_name": "社区名称", "reason": "理由", "households": "户数",
        "norm_m2_per_100_households": "配置指标(m²/百户)", "need_m2": "应有面积(m²)",
        "area_before_m2": "现有面积(m²)", "area_source": "现有面积来源", "area_after_m2": "实施后面积(m²)",
        "gap_before_m2": "现状缺口(m²)", "gap_after_m2": "实施后缺口(m²)", "function": "功能",
        "demand": "服务对象", "category": "计入现状的设施类别", "walk_limit_m": "步行上限(m)",
        "total": "服务对象总数", "before": "现状可达", "after": "实施后可达", "share_before": "现状可达比例",
        "share_after": "实施后可达比例", "new": "新增可达", "sites": "设置处数",
    },
    "en": {
        "space_id": "Space", "name": "Name", "rank": "Rank", "area_m2": "Usable area (m²)", "floor": "Floor",
        "lift": "Lift", "ownership": "Ownership", "cost": "Cost", "functions": "Functions",
        "area_used_m2": "Rooms used (m²)", "new_households": "Newly within reach (households/persons)",
        "community_code": "Community code", "community_name": "Community", "reason": "Reason",
        "households": "Households", "norm_m2_per_100_households": "Norm (m² per 100 households)",
        "need_m2": "Needed (m²)", "area_before_m2": "Existing (m²)", "area_source": "Source of the existing area",
        "area_after_m2": "After (m²)", "gap_before_m2": "Gap today (m²)", "gap_after_m2": "Gap after (m²)",
        "function": "Function", "demand": "Counts", "category": "Existing facilities counted (category)",
        "walk_limit_m": "Walking limit (m)", "total": "Total counted", "before": "Within reach today",
        "after": "Within reach after", "share_before": "Share within reach today",
        "share_after": "Share within reach after", "new": "Newly within reach", "sites": "Sites",
    },
}
_OWNERSHIP = {"zh": {"public": "公有", "soe": "国企", "lease": "租赁"},
              "en": {"public": "public", "soe": "state-owned enterprise", "lease": "leased"}}
_AREA_SOURCE = {"zh": {"attribute": "社区属性表（service_area_m2）", "facilities": "社区服务中心点位面积",
                       "none": "无数据（按 0 计）"},
                "en": {"attribute": "attribute table (service_area_m2)",
                       "facilities": "community service centre points", "none": "no data (counted as 0)"}}
#: What a function's demand counts, as a group of :data:`gis_planner.elderly.labels.GROUPS`.
_GROUP = {"elderly": "elderly_60", "elderly_80": "elderly_80", "households": "households", "children": "children"}
_COUNTS = ("new_households", "households", "total", "before", "after", "new")
_SHARES = ("share_before", "share_after")
#: Labels of the standard's keys (see :meth:`CentreStandard.rows`); {function} is filled in.
_PARAMS: dict[str, tuple[str, str]] = {
    "m2_per_100_households": ("社区综合服务设施面积(m²/百户)", "Community service floor area (m² per 100 households)"),
    "households_per_m2": ("目标权重：每 m² 面积缺口折合住户(户)",
                          "Objective weight: households per m² of floor-area gap"),
    "programme_sites": ("邻里中心示范项目数量（全市目标，处）",
                        "Neighbourhood-centre programme sites (city-wide target)"),
    "persons_per_household": ("户均人口(人/户)", "Persons per household"),
    "share_60_plus": ("60岁及以上人口占常住人口比例", "Share of residents aged 60+"),
    "share_80_plus": ("80岁及以上人口占常住人口比例", "Share of residents aged 80+"),
    "min_area_m2": ("{function}：最小用房面积(m²)", "{function}: smallest room (m²)"),
    "walk_limit_m": ("{function}：步行上限(m)", "{function}: walking limit (m)"),
    "per_community": ("{function}：每个城市社区至少(处)", "{function}: at least per urban community"),
}
_KEY = re.compile(r"^(?:(?P<function>[^.]+)\.)?(?P<field>[a-z0-9_]+)$")


def _spaces_frame(plan: CentrePlan, lang: Lang) -> pd.DataFrame:
    drop = [plan.spaces.geometry.name, *[c for c in [plan.spaces.index.name] if c in plan.spaces.columns]]
    s = pd.DataFrame(plan.spaces.drop(columns=drop))
    s["reason"] = plan.reasons(lang)
    s = s.reset_index().sort_values(["chosen", "rank"], ascending=[False, True])  # the id column is the index
    s["functions"] = [function_names(plan.standard, str(v), lang) for v in s["functions"]]
    s["ownership"] = s["ownership"].map(lambda v: _OWNERSHIP[lang].get(str(v), str(v)))
    cols = ["space_id", "name", "rank", "area_m2", "floor", "lift", "ownership", "cost", "functions",
            "area_used_m2", "new_households", "community_code", "community_name", "reason"]
    return whole(s[[c for c in cols if c in s.columns]], _COUNTS)


def _communities_frame(plan: CentrePlan, lang: Lang) -> pd.DataFrame:
    c = plan.communities.reset_index().rename(columns={"name": "community_name"})
    c.insert(3, "norm_m2_per_100_households", plan.standard.m2_per_100_households.value)
    c["area_source"] = c["area_source"].map(lambda v: _AREA_SOURCE[lang].get(str(v), str(v)))
    return whole(c.round(1), _COUNTS)


def _coverage_frame(plan: CentrePlan, lang: Lang) -> pd.DataFrame:
    names = {f.id: f.name(lang) for f in plan.standard.functions}
    c = plan.coverage.copy()
    c["function"] = c["function"].map(lambda x: names.get(x, x))
    c["demand"] = [group_label(_GROUP.get(str(x), str(x)), lang) for x in c["demand"]]
    c["category"] = c["category"].map(lambda x: category_label(x, lang))
    return whole(c.round({"share_before": 4, "share_after": 4}), _COUNTS, shares=_SHARES)


def _standard_rows(std: CentreStandard) -> list[dict[str, object]]:
    """The standard's numbers (:meth:`CentreStandard.rows`) plus its per-community rules."""
    rows = list(std.rows())
    rows += [{"key": f"{f.id}.per_community", "value": f.per_community.value, "source": f.per_community.source,
              "status": f.per_community.status, "places": f.per_community.places}
             for f in std.functions if f.per_community is not None]
    return rows


def _param_label(key: str, std: CentreStandard, lang: Lang) -> str:
    """A key of :func:`_standard_rows` in words (the key itself when it is not known)."""
    m = _KEY.match(key)
    if m is None or m["field"] not in _PARAMS:
        return key
    names = {f.id: f.name(lang) for f in std.functions}
    if m["function"] and m["function"] not in names:
        return key
    return _PARAMS[m["field"]][0 if lang == "zh" else 1].format(function=names.get(m["function"] or "", ""))


def centre_tables(plan: CentrePlan, *, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The plan as named tables with headers in ``lang`` (``zh`` or ``en``).

    Returns
    -------
    dict
        ``spaces`` (chosen first, ranked, then the rest; each with its reason in ``lang``),
        ``communities`` (floor area before/after, with the source of today's area),
        ``coverage`` (per function: what it counts, the existing facilities counted, reach before
        and after) and ``standard`` (every number with its source and status in words, a rule of
        another place than the standard's ``plan_place`` said to be one).

    Raises
    ------
    ValueError
        ``lang`` is neither ``zh`` nor ``en``.
    """
    lg = check_lang(lang)
    std = plan.standard
    tables = {"spaces": _spaces_frame(plan, lg), "communities": _communities_frame(plan, lg),
              "coverage": _coverage_frame(plan, lg)}
    tables = {k: v.rename(columns=_HEAD[lg]) for k, v in tables.items()}
    tables["standard"] = standard_table(_standard_rows(std), lambda k: _param_label(k, std, lg), lg,
                                        plan_place=std.plan_place)
    return tables


def write_centres(plan: CentrePlan, folder: str | os.PathLike[str], *, lang: str = "zh",
                  out_crs: object = None) -> list[str]:
    """Write ``centres.gpkg`` (layer ``spaces``, ``reason`` in ``lang``), one CSV per table and
    ``centres.xlsx`` into ``folder`` (a temporary folder the caller swaps into place); return the
    file names. ``out_crs``: the layer's coordinate system (see
    :func:`gis_planner.io.write.to_output_crs`)."""
    from gis_planner.io.write import write_layers, write_table

    folder = Path(folder)
    spaces = plan.spaces.assign(reason=plan.reasons(lang))
    write_layers(folder / "centres.gpkg", {"spaces": spaces}, overwrite=True, out_crs=out_crs)
    names = ["centres.gpkg"]
    tables = centre_tables(plan, lang=lang)
    for key, frame in tables.items():
        write_table(folder / f"centres_{key}.csv", frame, overwrite=True)
        names.append(f"centres_{key}.csv")
    write_table(folder / "centres.xlsx", tables, overwrite=True)
    return [*names, "centres.xlsx"]
