"""Results -> report tables (pure: no files, no printing)."""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from gis_planner import __version__
from gis_planner.categories import label
from gis_planner.report.i18n import t

if TYPE_CHECKING:
    from gis_planner.pipeline import PlanResults


@dataclass(frozen=True)
class Report:
    """A report: a title, ordered sections of paragraphs and tables, in one language."""

    title: str
    lang: str
    key_numbers: pd.DataFrame
    sections: list[tuple[str, list[str], dict[str, pd.DataFrame]]] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name (for one Excel sheet each)."""
        out = {t("key_numbers", self.lang): self.key_numbers}
        for _title, _paras, tables in self.sections:
            out.update(tables)
        return out


def _num(v: object) -> str:
    """A number for a table cell: 1 decimal, '' when missing."""
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(v)
    return "" if f != f else f"{f:,.1f}"


def _status(value: str, lang: str) -> str:
    return t(value, lang) if value in ("pass", "fail", "not assessable") else value


def build_report(results: PlanResults, *, lang: str = "zh") -> Report:
    """Turn plan results into a :class:`Report` in ``lang`` (``zh`` or ``en``)."""
    r = results.reach
    hh = r.households
    col = r.households_col
    comp = results.completeness.iloc[0]
    n_fail = 0
    comp_table = None
    if results.compliance is not None:
        table = results.compliance.table
        city = table[table["unit_type"] == "city"]
        n_fail = int((city["status"] == "fail").sum())
        comp_table = pd.DataFrame({
            ("指标" if lang == "zh" else "Indicator"): [
                f"{lab}（{label(c, lang)}）" if isinstance(c, str) and c else lab
                for lab, c in zip(city[f"label_{lang}"], city["category"], strict=True)],
            ("比较" if lang == "zh" else "Rule"): city["comparison"].astype(str).to_numpy(),
            ("目标" if lang == "zh" else "Target"): [_num(v) for v in city["target"]],
            ("现状值" if lang == "zh" else "Value"): [_num(v) for v in city["value"]],
            ("单位" if lang == "zh" else "Unit"): city["unit"].astype(str).to_numpy(),
            ("结论" if lang == "zh" else "Status"): [_status(v, lang) for v in city["status"]],
            ("所需数据" if lang == "zh" else "Data needed"): city["needs"].fillna("").astype(str).to_numpy(),
            ("来源" if lang == "zh" else "Source"): city["source"].astype(str).to_numpy(),
        })
    sites = 0
    for res in (results.siting_elderly, results.siting_mclp):
        if res is not None:
            sites += int((~res.chosen["existing"]).sum()) if "existing" in res.chosen else len(res.chosen)
    key = pd.DataFrame({
        ("项目" if lang == "zh" else "Item"): [
            t("households", lang), t("compounds", lang), t("facilities", lang),
            t("mean_completeness", lang), t("share_all", lang),
            ("拟新增设施数" if lang == "zh" else "New sites proposed"),
            ("未达标指标数（全市）" if lang == "zh" else "Indicators failed (city-wide)"),
        ],
        ("数值" if lang == "zh" else "Value"): [
            f"{int(pd.to_numeric(hh[col]).sum()):,}", f"{len(hh):,}",
            f"{int(r.facilities['snapped'].sum()):,}", f"{comp['mean_completeness']:.1%}",
            f"{comp['share_with_all_required']:.1%}", f"{sites}", f"{n_fail}",
        ],
    })
    cov = results.coverage
    cov_table = pd.DataFrame({
        t("category", lang): [label(c, lang) for c in cov["category"]],
        t("limit_m", lang): cov["limit_m"].round(0).astype(int),
        t("households", lang): cov["households"].astype(int),
        t("covered_households", lang): cov["covered_households"].astype(int),
        t("covered_share", lang): (cov["covered_share"] * 100).round(1),
    }).sort_values(t("covered_share", lang))
    worst = results.worst_served.reset_index()
    worst_table = pd.DataFrame({
        ("小区" if lang == "zh" else "Compound"): worst.get("name", worst.iloc[:, 0]),
        t("households", lang): worst[col],
        t("completeness", lang): (worst["completeness"] * 100).round(0),
        t("missing", lang): worst["missing"],
    })
    sections: list[tuple[str, list[str], dict[str, pd.DataFrame]]] = []
    sections.append((t("coverage", lang), [
        (f"步行速度 {r.speed_kmh:g} km/h，阈值 {', '.join(f'{m:g}' for m in r.walk_minutes)} 分钟；"
         "各类设施按其服务半径（见政策配置）判断是否覆盖，距离为沿道路网络的实际步行距离。")
        if lang == "zh" else
        (f"Walking speed {r.speed_kmh:g} km/h, thresholds {', '.join(f'{m:g}' for m in r.walk_minutes)} "
         "min; each category is judged at its own service radius from the profile, over the street network."),
    ], {t("coverage", lang): cov_table}))
    sections.append((t("worst", lang), [], {t("worst", lang): worst_table}))
    if results.community_check is not None:
        ct = results.community_check.table
        sections.append((t("community_sizes", lang), [], {t("community_sizes", lang): ct}))
    for key_name, res in (("siting_elderly", results.siting_elderly), ("siting_mclp", results.siting_mclp)):
        if res is None:
            continue
        ex = res.explain(lang=lang).reset_index()
        keep = [c for c in ("candidate_id", "name", "requirement", "explanation", "area_coverage") if c in ex]
        sections.append((t(key_name, lang), [], {t(key_name, lang): ex[keep]}))
    if comp_table is not None:
        sections.append((t("compliance", lang), [], {t("compliance", lang): comp_table}))
    prof = results.profile
    method = [
        (f"政策配置：{prof.id}（{prof.title_zh}）" if lang == "zh" else f"Profile: {prof.id} ({prof.title_en})"),
        (f"坐标系：{r.crs.to_string()}；路网：{results.inputs.network.source}，"
         f"{results.inputs.network.n_nodes} 个节点、{results.inputs.network.n_edges} 条路段" if lang == "zh" else
         f"CRS: {r.crs.to_string()}; network: {results.inputs.network.source}, "
         f"{results.inputs.network.n_nodes} nodes, {results.inputs.network.n_edges} edges"),
        (f"吸附容差 {r.snap_tolerance_m:g} 米；超出者不计入覆盖：{r.notes['unsnapped_compounds']} 个小区"
         if lang == "zh" else
         f"Snap tolerance {r.snap_tolerance_m:g} m; compounds beyond it are excluded: "
         f"{r.notes['unsnapped_compounds']}"),
        (f"输入文件：{', '.join(f'{k}={v}' for k, v in results.inputs.sources.items())}"
         if lang == "zh" else
         f"Inputs: {', '.join(f'{k}={v}' for k, v in results.inputs.sources.items())}"),
        f"gis_planner {__version__}, Python {platform.python_version()}",
    ]
    if "demo" in results.config.title.lower() or "示范" in results.config.title:
        method.append(t("synthetic", lang))
    sections.append((t("method", lang), method, {}))
    return Report(title=results.config.title or t("title", lang), lang=lang, key_numbers=key,
                  sections=sections)
