"""Every user-facing string of the reports and maps, in Chinese (zh) and English (en)."""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]

STRINGS: dict[str, dict[str, str]] = {
    "key_numbers": {"zh": "关键数据", "en": "Key numbers"},
    "households": {"zh": "住户（户）", "en": "Households"},
    "compounds": {"zh": "小区（个）", "en": "Compounds"},
    "mean_completeness": {"zh": "平均配套完整度", "en": "Mean completeness"},
    "share_all_required": {"zh": "必配设施全部可达的住户占比",
                           "en": "Households reaching every required category"},
    "worst_category": {"zh": "覆盖率最低的设施", "en": "Least covered category"},
    "communities_out_of_band": {"zh": "规模超出标准区间的社区（个）",
                                "en": "Communities outside the size band"},
    "sites_proposed": {"zh": "建议新增设施点（个）", "en": "Sites proposed"},
    "indicators_failed": {"zh": "未达标指标（条，全域）", "en": "Indicators failed (city-wide)"},
    "coverage": {"zh": "各类设施步行可达覆盖", "en": "Walking coverage per category"},
    "coverage_intro": {
        "zh": "按政策文件规定的服务半径（步行分钟）统计能到达最近设施的住户占比。",
        "en": "Share of households that reach the nearest facility of each category within "
              "the walking limit set by the policy profile."},
    "category": {"zh": "设施类别", "en": "Category"},
    "limit_m": {"zh": "服务半径（米）", "en": "Limit (m)"},
    "limit_min": {"zh": "步行时间（分钟）", "en": "Walk (min)"},
    "covered_households": {"zh": "覆盖住户（户）", "en": "Households covered"},
    "covered_share": {"zh": "覆盖率", "en": "Share covered"},
    "chart_coverage_title": {"zh": "各类设施步行覆盖率", "en": "Households covered per category"},
    "worst": {"zh": "服务最差的小区", "en": "Worst-served compounds"},
    "name": {"zh": "名称", "en": "Name"},
    "completeness": {"zh": "完整度", "en": "Completeness"},
    "missing": {"zh": "缺少的设施", "en": "Missing categories"},
    "community": {"zh": "社区", "en": "Community"},
    "communities": {"zh": "社区规模核查与调整建议", "en": "Community sizes and proposals"},
    "communities_absent": {"zh": "本次未进行社区规模核查。",
                           "en": "The community size check was not run."},
    "status": {"zh": "状态", "en": "Status"},
    "siting": {"zh": "选址建议", "en": "Siting proposal"},
    "siting_mclp": {"zh": "最大覆盖选址（{cat}，新增 {n} 处）",
                    "en": "Maximum-coverage siting ({cat}, {n} new sites)"},
    "siting_elderly": {"zh": "街道综合养老服务中心（每个缺少的街道一处）",
                       "en": "Elderly-care centres (one per sub-district that lacks one)"},
    "siting_absent": {"zh": "本次未进行选址。", "en": "Siting was not run."},
    "site": {"zh": "地块", "en": "Site"},
    "reason": {"zh": "理由", "en": "Reason"},
    "area_coverage": {"zh": "全域效果", "en": "Whole-area effect"},
    "compliance": {"zh": "规划指标达标核查", "en": "Compliance with the policy profile"},
    "indicator": {"zh": "指标", "en": "Indicator"},
    "value": {"zh": "现状值", "en": "Value"},
    "target": {"zh": "目标", "en": "Target"},
    "unit": {"zh": "单位", "en": "Unit"},
    "source": {"zh": "依据条款", "en": "Clause"},
    "pass": {"zh": "达标", "en": "pass"},
    "fail": {"zh": "未达标", "en": "fail"},
    "not assessable": {"zh": "无法评估", "en": "not assessable"},
    "needs": {"zh": "缺少数据", "en": "Data needed"},
    "method": {"zh": "方法与假设", "en": "Method and assumptions"},
    "m_network": {"zh": "步行距离按道路网络最短路径计算（不是直线距离），入口（出入口）到设施。",
                  "en": "Walking distances are shortest paths over the street network (not "
                        "straight lines), from compound gates to facilities."},
    "m_speed": {"zh": "步行速度 {speed} 千米/小时；总体时间预算 {minutes} 分钟（含边界）。",
                "en": "Walking speed {speed} km/h; headline budget {minutes} minutes "
                      "(inclusive)."},
    "m_profile": {"zh": "政策依据：{title}（{id}），{issued}。",
                  "en": "Policy profile: {title} ({id}), {issued}."},
    "m_profile_source": {"zh": "来源：{source}", "en": "Source: {source}"},
    "m_crs": {"zh": "计算坐标系：{crs}（米）。", "en": "Computation CRS: {crs} (metres)."},
    "m_gcj02": {"zh": "以 GCJ-02（高德）坐标提供的输入（{names}）在读取时转换为 WGS-84。",
                "en": "Inputs given in GCJ-02 (Amap) coordinates ({names}) were converted to "
                      "WGS-84 when read."},
    "m_inputs": {"zh": "输入数据：{files}", "en": "Input files: {files}"},
    "m_software": {"zh": "软件版本：{versions}", "en": "Software: {versions}"},
    "m_synthetic": {"zh": "注意：示范数据中的住户数、小区和设施均为虚构（合成）数据，"
                          "不代表任何真实地区。",
                    "en": "Note: household counts, compounds and facilities in the demo are "
                          "synthetic (invented) and describe no real place."},
    "m_households": {"zh": "住户数为输入数据给定，未经核实。",
                     "en": "Household counts are taken from the input as given; unverified."},
    "table_of": {"zh": "表", "en": "Table"},
    "generated": {"zh": "生成工具：gis_planner {version}", "en": "Made with gis_planner {version}"},
    # maps
    "map_roads": {"zh": "道路网络", "en": "Road network"},
    "map_households": {"zh": "小区：到{cat}步行时间（分钟）",
                       "en": "Compounds: walk to {cat} (min)"},
    "map_facilities": {"zh": "现有设施", "en": "Existing facilities"},
    "map_service_areas": {"zh": "{cat}服务范围（{minutes}分钟步行）",
                          "en": "{cat} service areas ({minutes}-min walk)"},
    "map_communities": {"zh": "社区规模状态", "en": "Community size status"},
    "map_sites": {"zh": "建议新增设施点", "en": "Proposed sites"},
    "map_minutes": {"zh": "步行（分钟）", "en": "Walk (min)"},
    "map_unreachable": {"zh": "超出搜索范围或未接入路网",
                        "en": "beyond search range / off network"},
    "group_elderly": {"zh": "养老", "en": "Elderly care"},
    "group_civic": {"zh": "社区服务", "en": "Community services"},
    "group_health": {"zh": "医疗卫生", "en": "Health"},
    "group_education": {"zh": "教育", "en": "Education"},
    "group_commerce": {"zh": "商业便民", "en": "Daily shopping"},
    "group_culture": {"zh": "文化", "en": "Culture"},
    "group_sport": {"zh": "体育", "en": "Sport"},
    "map_legend": {"zh": "图例", "en": "Legend"},
    "within_band": {"zh": "规模适中", "en": "within band"},
    "too_small": {"zh": "规模偏小", "en": "too small"},
    "too_large": {"zh": "规模偏大", "en": "too large"},
    "unknown": {"zh": "未知", "en": "unknown"},
    "action_split": {"zh": "拆分", "en": "split"},
    "action_merge": {"zh": "合并", "en": "merge"},
    "action_transfer": {"zh": "调整边界（划入相邻小区）", "en": "transfer compounds"},
    "action_none": {"zh": "无可行调整", "en": "no feasible change"},
    "m_unit": {"zh": "米", "en": "m"},
}


def t(key: str, lang: Lang, **fmt: object) -> str:
    """The string ``key`` in ``lang``, formatted with ``fmt``.

    Raises
    ------
    KeyError
        When ``key`` is not a known string.
    """
    text = STRINGS[key][lang]
    return text.format(**fmt) if fmt else text


def check_lang(lang: str) -> Lang:
    """``lang`` when it is ``zh`` or ``en``; else :class:`ValueError` naming it."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en'; got {lang!r}.")
    return lang  # type: ignore[return-value]
