"""Every user-facing string of the reports and maps, in Chinese (zh) and English (en).

Below both :mod:`gis_planner.report` and :mod:`gis_planner.maps`, so both show the same words;
:mod:`gis_planner.report.i18n` gives the report's modules the same names."""

from __future__ import annotations

import re
from collections.abc import Callable

from gis_planner.categories import Lang as Lang
from gis_planner.categories import check_lang as check_lang  # the one check, re-exported
from gis_planner.policy.sourced import STATUS_ZH

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
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    # static map figure
    "fig_map_title": {"zh": "{cat}：步行 {minutes} 分钟（{metres} m）覆盖与建议新增点",
                      "en": "{cat}: coverage within a {minutes}-min walk ({metres} m) and "
                            "proposed sites"},
    "fig_cls_half": {"zh": "覆盖（一半时限内）", "en": "covered within half the limit"},
    "fig_cls_covered": {"zh": "覆盖", "en": "covered"},
    "fig_cls_near": {"zh": "未覆盖（1.5 倍时限内）", "en": "not covered, within 1.5 x limit"},
    "fig_cls_far": {"zh": "未覆盖（更远或超出搜索范围）",
                    "en": "not covered, farther or beyond search"},
    "fig_cls_off": {"zh": "未接入路网", "en": "off the network"},
    "fig_facilities": {"zh": "现有{cat}", "en": "existing {cat}"},
    "fig_subdistricts": {"zh": "街道边界", "en": "sub-district boundary"},
    "fig_communities": {"zh": "社区边界", "en": "community boundary"},
    "fig_north": {"zh": "北", "en": "N"},
    "fig_caption": {"zh": "图：{title}。小区圆点大小表示户数，颜色按该类设施自身的服务时限着色。",
                    "en": "Figure: {title}. Compound circles are sized by households and "
                          "coloured at the category's own limit."},
    # documents
    "cover_date": {"zh": "日期", "en": "Date"},
    "cover_area": {"zh": "研究范围", "en": "Study area"},
    "cover_profile": {"zh": "政策依据", "en": "Policy profile"},
    "cover_area_value": {"zh": "{names}（{n} 个街道，{communities} 个社区，约 {km2} km²）",
                         "en": "{names} ({n} sub-districts, {communities} communities, "
                               "about {km2} km²)"},
    "cover_more": {"zh": "等", "en": "and others"},
    "toc": {"zh": "目录", "en": "Contents"},
    "toc_hint": {"zh": "（打开文档时 Word 将更新目录及页码；如未更新，请右键目录选择“更新域”。）",
                 "en": "(Word updates the table of contents and page numbers on opening; "
                       "otherwise right-click it and choose Update Field.)"},
    "page": {"zh": "第 {page} 页，共 {pages} 页", "en": "Page {page} of {pages}"},
    "long_table": {"zh": "表格共 {n} 行，此处列出前 {k} 行；完整表格见 report.xlsx 的工作表“{sheet}”。",
                   "en": "The table has {n} rows; the first {k} are shown here. Full table: "
                         "sheet \"{sheet}\" of report.xlsx."},
    "long_table_split": {"zh": "表格共 {n} 行，此处列出前 {k} 行；完整表格按{col}分列于 report.xlsx "
                               "的 {m} 个工作表。",
                         "en": "The table has {n} rows; the first {k} are shown here. Full table: "
                               "one sheet per {col} ({m} sheets) of report.xlsx."},
    "notes_sheet": {"zh": "说明", "en": "Notes"},
    "notes_term": {"zh": "术语", "en": "Term"},
    "notes_meaning": {"zh": "含义", "en": "Meaning"},
    "notes_definitions": {"zh": "定义", "en": "Definitions"},
    "notes_assumptions": {"zh": "方法与假设", "en": "Method and assumptions"},
    "notes_sheets": {"zh": "工作表", "en": "Sheets"},
    "def_coverage": {"zh": "住户所在小区经出入口沿道路网络步行到最近一处该类设施的距离不超过该类设施的"
                           "服务半径（含边界），即视为覆盖；覆盖率按住户数加权。",
                     "en": "A compound is covered when the walk over the street network from its "
                           "best gate to the nearest facility of the category is within the "
                           "category's limit (inclusive); shares are weighted by households."},
    "def_limit": {"zh": "服务半径取自政策文件（米），步行时间 = 服务半径 ÷ 步行速度。",
                  "en": "Limits come from the policy profile (metres); walking minutes = limit "
                        "÷ walking speed."},
    "def_completeness": {"zh": "所选政策文件组合的一刻钟生活圈必配清单（如商务部指南的基本保障类业态）中，"
                               "小区在各类步行上限内可达的类别比例。",
                         "en": "Share of the categories of the profile's 15-minute-circle list (e.g. the "
                               "MOFCOM guide's basic formats) a compound reaches within each one's limit."},
    "def_status": {"zh": "“达标”“未达标”按政策文件的目标值判断；“无法评估”表示缺少数据，"
                         "所缺数据见“缺少数据”列。",
                   "en": "pass / fail compare the value with the profile's target; not "
                         "assessable means data is missing (see the Data needed column)."},
    "def_numbers": {"zh": "工作表中的数字以数值存储（百分比为百分数格式），可直接筛选和计算；“–”表示无数值。",
                    "en": "Numbers are stored as numbers (shares as percentages) and can be "
                          "filtered and summed; \"–\" means no value."},
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


# Plan sections: the three tiers of indicators, walking assumptions, elderly care, neighbourhood
# centres, governance grids, the per-街道 actions and the data problems.
STRINGS.update({
    "plan_indicators_failed": {"zh": "未达标规划指标（条，仅规划文件所定指标）",
                               "en": "Plan indicators failed (numbers a plan states)"},
    "of_plan_indicators": {"zh": "{n} 条（共 {total} 条规划指标）", "en": "{n} of {total} plan indicators"},
    "headline": {"zh": "规划指标达标情况", "en": "Plan indicators"},
    "headline_intro": {
        "zh": "只列规划文件所定的指标（约束性/预期性照原文），按社区或单元计“n/N 个社区达标”。"
              "国家标准核查与本工具的解读另列于下，不计入本节。",
        "en": "Only indicators a plan document states (binding/expected as the document says), "
              "counted per unit (\"n of N communities pass\"). Standard checks and the tool's own "
              "readings are listed below and not counted here."},
    "headline_none": {"zh": "所选政策文件没有规划指标。", "en": "The profile states no plan indicators."},
    "tier_standard": {"zh": "国家标准核查（不计入规划指标）", "en": "Standard checks (not plan indicators)"},
    "tier_reading": {"zh": "本工具的解读（非文件原文，不计入规划指标）",
                     "en": "The tool's own readings (in no document; not plan indicators)"},
    "tier": {"zh": "性质", "en": "Tier"},
    "verification": {"zh": "核实状态", "en": "Verification"},
    "walk_assumption": {"zh": "步行假设", "en": "Walking assumption"},
    "coverage_assumptions": {
        "zh": "覆盖率按两种步行假设并列：GB 50180-2018 的 15 分钟生活圈为 800–1000 m，即步行 "
              "{slow} km/h 与 {fast} km/h 两端。以半径规定的设施（如幼儿园 300 m）和按步行距离上限判断的"
              "老年人设施（上限由老年人步行 {old} km/h 等推得，见下）两种假设下距离不变；表中步行时间"
              "均按本次运行的步行速度计。",
        "en": "Coverage is shown under two walking assumptions side by side: GB 50180-2018 puts "
              "the 15-minute circle at 800–1000 m, i.e. walking at {slow} and {fast} km/h. Categories "
              "set by a radius (kindergarten 300 m) and elderly-care facilities, judged by a walking "
              "distance (derived from the elderly speed of {old} km/h and others, see below), keep their "
              "metres under both; the table's walking minutes are at the run's walking speed."},
    "covered_at": {"zh": "覆盖率（{speed} km/h，{dist} m）", "en": "Covered at {speed} km/h ({dist} m)"},
    "no_data": {"zh": "无数据", "en": "no data"},
    "elderly": {"zh": "养老服务设施网络", "en": "Elderly-care network"},
    "elderly_intro": {
        "zh": "按层级统计服务对象（各层级所列老人）步行可达、每千名服务对象床位/容量（2SFCA）、缺口；"
              "步行假设：老年人 {speed} km/h。老年人数取小区数据，缺失处按户数 × 2.62 × 人口普查比例估算。"
              "每个数值的来源及是否为本工具取值见本节末“养老服务标准数值及其依据”表。",
        "en": "Per level: the residents it serves (the older residents named per level) within "
              "walking reach, places per 1,000 of them (2SFCA) and shortfalls; walking assumption: "
              "older people at {speed} km/h. Elderly counts come from the compounds, else households "
              "x 2.62 x the census shares. Each number's source, and whether it is the tool's own "
              "reading, is in the table at the end of this section."},
    "elderly_shortfalls": {
        "zh": "缺口按所在范围分别计算：一个社区的富余容量不抵扣另一个社区的缺口，故各社区缺口之和大于全域缺口，"
              "小区图层（results.gpkg）逐小区计算，合计更大。",
        "en": "Shortfalls are computed within each area: one community's spare places do not offset another's "
              "shortfall, so the communities' shortfalls add up to more than the whole area's, and the compounds' "
              "(results.gpkg) to more still."},
    "elderly_levels": {"zh": "各层级设施", "en": "Levels"},
    "elderly_by_community": {"zh": "各社区缺口", "en": "Shortfall per community"},
    "elderly_structure": {"zh": "配置结构核查", "en": "Structure checks"},
    "elderly_floor_area": {"zh": "养老服务用房面积缺口", "en": "Floor-area gaps"},
    "elderly_sites": {"zh": "建议新增养老设施（含规模）", "en": "Proposed elderly-care sites with sizes"},
    "elderly_standard": {"zh": "养老服务标准数值及其依据", "en": "Elderly-care norms and their sources"},
    "centres": {"zh": "社区服务中心（存量空间利用）", "en": "Neighbourhood centres in idle spaces"},
    "centres_intro": {
        "zh": "从闲置空间清单中选用空间并确定功能组合；每个空间都给出选用或不能使用的理由。"
              "用房面积按每百户 30 m² 计缺口。",
        "en": "Idle spaces chosen from the inventory with the bundle of functions each holds; "
              "every space has the reason it was chosen or cannot be used. Floor-area gaps at "
              "30 m² per 100 households."},
    "centres_spaces": {"zh": "空间排序与功能组合", "en": "Spaces ranked, with their bundles"},
    "centres_communities": {"zh": "各社区用房面积（实施前后）", "en": "Floor area per community, before and after"},
    "centres_coverage": {"zh": "各功能可达（实施前后）", "en": "Reach per function, before and after"},
    "centres_standard": {"zh": "社区服务中心标准数值及其依据（标准表）",
                         "en": "Centre norms and their sources (standard table)"},
    "grids": {"zh": "网格化治理（网格与微网格）", "en": "Governance grids (网格 and 微网格)"},
    "grids_intro": {
        "zh": "每个网格位于一个社区内、连片，目标户数区间为 {grid} 户（微网格 {micro} 户）；"
              "区间为默认值，未经核实，见 docs/grids.md。",
        "en": "Every grid lies in one community and is contiguous; the target is {grid} households "
              "per grid (微网格 {micro}); the bands are defaults, unverified (see docs/grids.md)."},
    "grids_summary": {"zh": "各社区网格", "en": "Grids per community"},
    "grids_settings": {"zh": "网格划分参数（含核实状态）", "en": "Grid settings (with their status)"},
    "grids_out_of_band": {"zh": "户数超出区间的网格", "en": "Grids outside the household band"},
    "grids_crossings": {"zh": "跨越社区边界的网格", "en": "Grids crossing a community boundary"},
    "grids_audit": {"zh": "现有网格核查", "en": "Audit of the existing grids"},
    "grids_crosswalk": {"zh": "部门网格对应关系", "en": "Department grids cross-walk"},
    "actions": {"zh": "各街道行动清单", "en": "Actions per sub-district"},
    "actions_intro": {
        "zh": "每个街道一张表：未达标的规划指标及缺口规模（服务用房面积按每百户 30 m² 计、"
              "需新增设施处数、各类设施步行圈外的住户），建议选址及其用地类型，社区调整建议，"
              "以及覆盖最差的服务。",
        "en": "One table per sub-district: each failing plan indicator with the size of its gap "
              "(service floor area at 30 m² per 100 households, sites needed, households outside "
              "each circle), proposed sites with their site type, community changes, and the "
              "worst-covered service."},
    "action": {"zh": "事项", "en": "Item"},
    "gap": {"zh": "缺口", "en": "Gap"},
    "what_to_do": {"zh": "建议", "en": "What to do"},
    "data_problems": {"zh": "数据问题", "en": "Data problems"},
    "data_problems_intro": {
        "zh": "以下问题影响结果的可信度，按提示修正数据后重算。",
        "en": "These problems limit what the results can say; fix the data as suggested and run again."},
    "problem": {"zh": "问题", "en": "Problem"},
    "count": {"zh": "数量", "en": "Count"},
    "fix": {"zh": "如何修正", "en": "What to fix"},
})


#: Units of indicators (profile ``unit`` fields) in Chinese; units that are symbols
#: (``%``, ``‰``, ``km/h``) stay as they are.
UNITS_ZH: dict[str, str] = {
    "% of communities passing": "达标社区占比（%）",
    "persons/10k urban residents": "人/万城镇常住人口",
    "persons/10k registered residents": "人/万户籍人口",
    "persons": "人", "households": "户", "communities": "个社区", "indicators": "项指标",
    "institutions": "个机构", "organisations": "个组织", "performances/year": "场/年",
    "projects": "个项目", "rooms": "间", "sites": "处", "units": "个", "universities": "所",
    "zones": "个片区", "x": "倍", "yes/no": "是/否", "h": "小时", "h/day": "小时/天",
    "min": "分钟", "m2": "m²", "m2/100 households": "m²/百户",
}

#: Where a missing column is filled in.
_PLACES_ZH = {
    "the community attribute table or the communities layer": "社区属性表或社区图层",
    "the community attribute table": "社区属性表",
    "the communities layer": "社区图层",
    "the subdistricts layer": "街道图层",
}

#: Input keys of a plan config, as the method section names them.
INPUTS_ZH = {
    "network": "路网", "compounds": "小区", "gates": "出入口", "facilities": "设施",
    "communities": "社区", "subdistricts": "街道", "candidates": "候选地块",
    "attributes": "社区属性表", "buildings": "建筑", "spaces": "可用空间", "grids": "网格",
    "existing_grids": "现有网格",
    "department_grids": "部门网格", "police_grids": "警务网格", "elderly": "老年人口",
}

#: English phrases of profile sources and compliance messages, in Chinese (longest first).
PHRASES_ZH: tuple[tuple[str, str], ...] = (
    ("a figure the check cannot compute from community data; assess it by hand",
     "无法由社区数据计算，需人工核定"),
    (" (read as: every household reaches each format)", "（理解为：每户均能到达每一业态）"),
    (" (read as: every rural household reaches each element within the level's budget)",
     "（理解为：每个农村住户均能在该层级时限内到达每一要素）"),
    (" (urban/rural)", "（城镇/乡村）"), (" (yes/no)", "（是/否）"),
    (" (subdistrict/township)", "（街道/乡镇）"),
    ("(urban/rural)", "（城镇/乡村）"), ("(yes/no)", "（是/否）"),
    ("(subdistrict/township)", "（街道/乡镇）"),
    ("; fill the real values", "；请填写实际数值"), ("; fill the real value", "；请填写实际数值"),
    (" sums to 0", " 合计为 0"), (" is 0", " 为 0"),
    ("households in the reach result sum to 0", "可达性结果中的住户数合计为 0"),
    (" more)", " 个)"),
    ("persons/10k registered residents", "人/万户籍人口"),
    ("persons/10k urban residents", "人/万城镇常住人口"),
    ("upper floor without a lift: only functions that need the ground floor or a lift fit its "
     "area", "楼上且无电梯：适合其面积的功能均需设在首层或有电梯"),
    ("upper floor without a lift: other spaces serve more", "楼上且无电梯：其他空间服务更多"),
    ("other spaces serve more within the sites or budget", "在处数或预算限制内，其他空间服务更多"),
    ("required but not placed (no suitable space): ", "应设但未能安排（无合适空间）："),
    ("grids overlapping more than one community (or none)",
     "跨越多个社区（或不属于任何社区）的网格"),
)

#: Messages with numbers or names in them: (pattern, Chinese replacement).
PATTERNS_ZH: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"a reach result searched to at least ([\d,]+) m \(its search cap is ([\d,]+) m; "
                r"pass search_cap_m=(\d+) to reach\)"),
     r"需要搜索范围至少 \1 m 的可达性结果（当前搜索上限 \2 m；在规划配置的可达性参数表中设 search_cap_m = \3）"),
    (re.compile(r"too small for any function \((.+?)\)"), r"面积过小，无法设置任何功能（\1）"),
    (re.compile(r"check the values of community (.+?) \(see its row\)"), r"核对社区 \1 的数值（见该社区行）"),
    (re.compile(r"(`\w+`(?: \([^()]*\))?) \(([\d.e+]+)\) exceeds (`\w+`(?: \([^()]*\))?) \(([\d.e+]+)\), "
                r"a share over 100 %; check both values"),
     r"\1（\2）大于\3（\4），占比超过 100%，请核对两项数值"),
    (re.compile(r"([\d,]+) newly within reach"), r"新增可达 \1"),
    (re.compile(r"households per grid (\S+)"), r"每网格户数 \1"),
    (re.compile(r"pieces of community land in no grid \(>= ([\d.]+) m2\), ([\d.,]+) m2 in all"),
     r"未纳入任何网格的社区用地（≥ \1 m²），共 \2 m²"),
    (re.compile(r"pairs of grids sharing land \(>= ([\d.]+) m2\)"), r"用地重叠的网格对（≥ \1 m²）"),
    (re.compile(r"grids without a worker \(column '(.+?)'\)"), r"未配网格员的网格（列“\1”）"),
    (re.compile(r"a reach result that includes category (\w+) \(columns (\w+)(?: or (\w+))?\)"),
     r"包含类别 `\1` 的可达性结果（列 `\2`）"),
    (re.compile(r"(?<=输入（)([a-z_, ]+)(?=）)"),
     lambda m: "、".join(INPUTS_ZH.get(k.strip(), k.strip()) for k in m[1].split(","))),
)

_FILL = re.compile(r"fill column (?P<what>.+?)(?: in (?P<place>the community attribute table or "
                   r"the communities layer|the community attribute table|the communities layer|"
                   r"the subdistricts layer))?(?: for community (?P<codes>[^;]+))?(?=;|$)")
_FIELD_UNIT = re.compile(r", (?P<unit>[A-Za-z0-9/% ]+)\)")
_PUBLISHED = re.compile(r",? \(published (\d{4}-\d{2}-\d{2})\)")
_EFFECTIVE = re.compile(r", effective (\d{4}-\d{2}-\d{2})")
_UTM = re.compile(r"UTM zone (\d{1,2})([NS])")
_INPUT_KEY = re.compile(r"(?P<lead>^输入数据：|; )(?P<key>[a-z_]+): ")
_AND = re.compile(r"(?<=[\u3000-\u9fff）)]) and (?=[\u3000-\u9fff（(])")


def _fill_zh(m: re.Match[str]) -> str:
    what = _FIELD_UNIT.sub(lambda u: "，" + UNITS_ZH.get(u["unit"], u["unit"]) + ")",
                           m["what"])
    place = _PLACES_ZH.get(m["place"] or "", "")
    codes = f"（社区 {m['codes'].strip()}）" if m["codes"] else ""
    return f"在{place}中填写 {what} 列{codes}" if place else f"填写 {what} 列{codes}"


#: The sources of the elderly-care and centre standards (policy/data/_elderly_care.toml,
#: _centres.toml) and of the community service radius in Chinese, as a Chinese report cites them.
STANDARD_SOURCES_ZH: dict[str, str] = {
    "derived: 二(二)6 sets the bands 在满足社区合理服务半径的前提下 but gives no radius; we read it as the "
    "farthest household within the 15-minute walk to the community centre, the upper end of 800–1000 m "
    "(GB 50180-2018 表3.0.4)":
        "本工具推导：二(二)6 要求“在满足社区合理服务半径的前提下”设立社区，但未给半径；本工具理解为最远住户步行 15 "
        "分钟可到社区服务中心，取 800–1000 米的上限（GB 50180-2018 表3.0.4）",
    "GB 50180-2018 profile: 700 m in 15 min (Guizhou elderly service radius < 700 m)":
        "GB 50180-2018 规划方案：15 分钟 700 米（贵州老年人服务半径 < 700 米）",
    "全国老龄办 estimates of about 4,000万 失能、半失能老人 among 2.64亿 aged 60+ (press reports)":
        "全国老龄办估计 2.64亿 60岁及以上老人中约 4,000万 失能、半失能老人（媒体报道）",
    "15 min at the elderly speed 2.8 km/h (Guizhou 15分钟养老服务圈 < 700 m)":
        "老年人步速 2.8 km/h 步行 15 分钟（贵州 15分钟养老服务圈 < 700 米）",
    "assumed for a facility without a capacity column value":
        "设施无容量数值时的假定值",
    "the project's reading: day-care places for one in five residents aged 80+; no national norm "
    "found":
        "本工具的取值：每五名 80 岁及以上老人一个日托位；未找到国家标准",
    "民发〔2023〕58号 asks for a 服务半径 but gives no number; 500 m is the project's reading (a 10-minute "
    "elderly walk)":
        "民发〔2023〕58号要求服务半径但未给数值；500 米为本工具的取值（老年人步行约 10 分钟）",
    "the project's reading: meals per day for one in ten residents aged 60+; no national norm found":
        "本工具的取值：每十名 60 岁及以上老人每日一餐；未找到国家标准",
    "泰州 行动方案 第7项 推动社区卫生服务中心与居家养老服务设施毗邻建设; 'adjacent' read as within 300 m on foot":
        "泰州 行动方案 第7项 推动社区卫生服务中心与居家养老服务设施毗邻建设；“毗邻”理解为步行 300 米以内",
    "≥ 1,000 m² (Guizhou, Guangzhou 街道级综合养老服务中心); capacity and relative cost are the project's "
    "reading":
        "≥ 1,000 m²（贵州、广州 街道级综合养老服务中心）；容量与相对造价为本工具的取值",
    "≥ 350 m² (Guizhou 社区养老服务站); capacity and relative cost are the project's reading":
        "≥ 350 m²（贵州 社区养老服务站）；容量与相对造价为本工具的取值",
    "350–750 m² (GB 50180-2018 附录C 老年人日间照料中心); capacity and cost are the project's reading":
        "350–750 m²（GB 50180-2018 附录C 老年人日间照料中心）；容量与造价为本工具的取值",
    "Guangdong and Guizhou (2022) provincial rules: 新建居住区 ≥ 20 m²/百户, 已建成居住区 ≥ 15 m²/百户 (other "
    "provinces use 30/20)":
        "广东、贵州（2022）省级规定：新建居住区 ≥ 20 m²/百户，已建成居住区 ≥ 15 m²/百户（其他省份取 30/20）",
    "the project's reading: 30 m² serves 100 households, so closing 1 m² of the floor-area gap "
    "weighs as much as bringing 3.33 households within reach of one function":
        "本工具的取值：30 m² 服务 100 户，故补上 1 m² 面积缺口与让 3.33 户步行可达一项功能同权",
    "泰州 行动方案 第8项: 建设不少于60个'邻里中心·五美驿站'示范项目 (a city-wide target, not per study area)":
        "泰州 行动方案 第8项：建设不少于60个“邻里中心·五美驿站”示范项目（全市目标，非每个研究范围）",
    "GB 50180-2018 附录C 老年人日间照料中心 350–750 m²; 社区养老服务站 ≥ 350 m² (Guizhou)":
        "GB 50180-2018 附录C 老年人日间照料中心 350–750 m²；社区养老服务站 ≥ 350 m²（贵州）",
    "the project's reading: a dining room for about 30 seats":
        "本工具的取值：约 30 座的餐厅",
    "民发〔2023〕58号 asks for a 服务半径 but gives no number; 500 m is the project's reading":
        "民发〔2023〕58号要求服务半径但未给数值；500 米为本工具的取值",
    "完整居住社区建设标准(试行): 社区卫生服务站 ≥ 120 m² (not verified in the text)":
        "完整居住社区建设标准(试行)：社区卫生服务站 ≥ 120 m²（未核对原文）",
    "the project's reading: a 5–10 minute life-circle element (TD/T 1062-2021, not verified)":
        "本工具的取值：5–10 分钟生活圈要素（TD/T 1062-2021，未核实）",
    "the project's reading: one office room":
        "本工具的取值：一间办公室",
    "the project's reading: a 15-minute circle element":
        "本工具的取值：15 分钟生活圈要素",
    "the project's reading: one activity room":
        "本工具的取值：一间活动室",
    "the project's reading: as a primary school (GB 50180-2018 附录C 500 m)":
        "本工具的取值：同小学（GB 50180-2018 附录C 500 米）",
    "the project's reading: a room for about 50 people":
        "本工具的取值：约容纳 50 人的房间",
    "the project's reading: one shop unit":
        "本工具的取值：一间商铺",
    "商务部 城市一刻钟便民生活圈建设指南: 基本保障类业态 within the 5–10 minute circle (our reading of the distance)":
        "商务部 城市一刻钟便民生活圈建设指南：基本保障类业态在 5–10 分钟生活圈内（距离为本工具的解读）",
    "the project's reading: clinics kept apart from children's rooms and kitchens":
        "本工具的取值：诊室与儿童用房、厨房分开设置",
    "the project's reading":
        "本工具的取值",
}


#: Whole messages (a cell holding exactly one of them) in Chinese: verification statuses.
EXACT_ZH: dict[str, str] = {
    **STATUS_ZH, "True": "是", "False": "否", "yes": "是", "no": "否",
    "subdistrict": "街道", "township": "乡镇", "community": "社区", "village": "村",
    "city": "全域", "elderly": "老年人", "households": "住户",
    "large": "大型", "medium": "中型", "small": "小型",
    "public": "公有", "lease": "租赁", "soe": "国企", "private": "私有",
    "band": "户数区间", "nesting": "嵌套", "gaps": "空隙", "overlaps": "重叠",
    "workers": "网格员", "broken": "跨界", "network": "按路网划分",
    "1:1": "一对一", "1:n": "一对多", "n:1": "多对一",
    "relaxed": "已放宽下限", "exact": "精确求解", "heuristic": "启发式求解", "optimal": "最优",
    "in_band": "区间内", "under_band": "低于下限", "over_band": "高于上限",
    **STANDARD_SOURCES_ZH,
}


def localize_unit(text: object, lang: Lang) -> str:
    """An indicator unit in ``lang``: Chinese units for ``zh`` (:data:`UNITS_ZH`)."""
    s = "" if text is None else str(text)
    return UNITS_ZH.get(s.strip(), s) if lang == "zh" else s


def localize(text: object, lang: Lang) -> str:
    """A message of the analysis (compliance hints, profile sources, method lines) in
    ``lang``: for ``zh``, the known English phrases of those messages in Chinese; ``en`` and
    every other text unchanged.

    Only whole, known phrases are replaced (a name from the data is kept as it is unless it
    literally contains one of them).
    """
    s = "" if text is None else str(text)
    if lang != "zh" or not any("a" <= c.lower() <= "z" for c in s):
        return s
    if s.strip() in EXACT_ZH:
        return EXACT_ZH[s.strip()]
    if "fill column" in s:
        s = _FILL.sub(_fill_zh, s)
    for en, zh in PHRASES_ZH:
        s = s.replace(en, zh)
    for pattern, repl in PATTERNS_ZH:
        s = pattern.sub(repl, s)
    s = s.replace("derived: ", "本工具推导：")  # also inside a citation, after the document
    s = _PUBLISHED.sub(r"（\1 公布）", s)
    s = _EFFECTIVE.sub(r"，\1 实施", s)
    s = _UTM.sub(r"UTM 第 \1\2 带", s)
    if s.startswith("输入数据："):
        s = _INPUT_KEY.sub(lambda m: m["lead"] + INPUTS_ZH.get(m["key"], m["key"]) + "：", s)
    return _AND.sub("及", s)
