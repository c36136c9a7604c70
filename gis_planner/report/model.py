"""Report objects: :func:`build_report` turns plan results into a :class:`Report` (pure).

A report is a title, the key numbers, and sections of paragraphs, tables and charts; the
renderers (:mod:`gis_planner.report.render`) turn it into Markdown, HTML, Excel or Word.
Every user string stays raw here; renderers escape it for their format.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gis_planner import __version__
from gis_planner._errors import PolicyError
from gis_planner.categories import label
from gis_planner.coverage.columns import COMPLETENESS, SNAPPED, covered_col, dist_col
from gis_planner.plan.i18n import STRINGS, Lang, check_lang, localize, localize_unit, t
from gis_planner.plan.results import new_sites

if TYPE_CHECKING:
    from shapely import Geometry

    from gis_planner.coverage.reach import ReachResult
    from gis_planner.plan import PlanResults, SitingOutcome
    from gis_planner.siting.models import SitingResult

STATUS_KEYS = ("pass", "fail", "not assessable")


@dataclass(frozen=True)
class Table:
    """A titled table; ``frame`` holds display strings/numbers with display column names.

    ``sheet``: the group the table belongs to when a renderer writes one sheet per group (the
    per-街道 action tables carry the 街道's name; empty: the table is its own sheet).
    """

    key: str
    title: str
    frame: pd.DataFrame
    sheet: str = ""
    #: Column whose values each get their own workbook sheet (e.g. the 街道 of an action
    #: table); ``None``: one sheet for the whole table.
    split_by: str | None = None
    #: Columns the report builds as a figure with a bracketed note ("32.9%（未核实）"): a
    #: workbook stores the figure as a number and the note beside it. Only these: a column of
    #: data (a name such as "17（地块）") is never split.
    noted: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chart:
    """A titled PNG chart."""

    key: str
    title: str
    png: bytes


@dataclass(frozen=True)
class Section:
    """A report section: title, paragraphs, tables and charts (shown in that order)."""

    key: str
    title: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()


@dataclass(frozen=True)
class Report:
    """A rendered-language-independent report body in one language."""

    title: str
    lang: Lang
    key_numbers: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    footer: str = ""
    layers: dict[str, Any] = field(default_factory=dict, repr=False)
    #: Cover-page lines ``(label, value)``: date, study area, profile (set by the writer).
    cover: tuple[tuple[str, str], ...] = ()

    def tables(self) -> list[Table]:
        """Every table of the report, in order."""
        return [tb for s in self.sections for tb in s.tables]


def _pct(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def _num(x: Any) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "" if x is None else str(x)
    if math.isnan(v):
        return "–"
    return f"{v:,.0f}" if abs(v - round(v)) < 1e-9 else f"{v:,.2f}"


def _coverage_section(results: PlanResults, lang: Lang) -> Section:
    from gis_planner.report.charts import coverage_bar_chart

    cov = results.coverage
    reach = results.reach
    cov = cov[cov["group"] == cov["group"].iloc[0]] if "group" in cov.columns else cov
    cov = cov.sort_values("covered_share", ascending=False)
    speed = float(reach.speed_kmh)
    no_data = set(_no_data_categories(results))
    frame = pd.DataFrame({
        t("category", lang): [label(c, lang) for c in cov["category"]],
        t("limit_m", lang): [_num(v) for v in cov["limit_m"]],
        t("limit_min", lang): [f"{v / (speed * 1000 / 60):.1f}" for v in cov["limit_m"]],
        t("households", lang): [_num(v) for v in cov["households"]],
        t("covered_households", lang): [_num(v) for v in cov["covered_households"]],
        t("covered_share", lang): [t("no_data", lang) if c in no_data else _pct(v)
                                   for c, v in zip(cov["category"], cov["covered_share"], strict=True)],
    })
    missing = [c for c in sorted(no_data) if c not in set(cov["category"])]
    if missing:
        blank = {col: ["–"] * len(missing) for col in frame.columns}
        blank[t("category", lang)] = [label(c, lang) for c in missing]
        blank[t("covered_share", lang)] = [t("no_data", lang)] * len(missing)
        frame = pd.concat([frame, pd.DataFrame(blank)], ignore_index=True)
    speed_columns = _assumption_columns(results, [*cov["category"], *missing], lang)
    for name, vals in speed_columns.items():
        frame[name] = vals
    png = coverage_bar_chart([label(c, lang) for c in cov["category"]],
                             list(cov["covered_share"].astype(float)),
                             title=t("chart_coverage_title", lang),
                             xlabel=t("covered_share", lang) + " (%)")
    intro: tuple[str, ...] = (t("coverage_intro", lang), t("walk_assumption", lang) + ("：" if lang == "zh" else ": ")
             + t("m_speed", lang, speed=f"{speed:g}", minutes=f"{reach.headline_minutes:g}"),
             _assumption_sentence(results, lang), *_elderly_limits_sentence(results, lang))
    return Section("coverage", t("coverage", lang), intro,
                   (Table("coverage", t("coverage", lang), frame, noted=tuple(speed_columns)),),
                   (Chart("coverage_chart", t("chart_coverage_title", lang), png),))


def _worst_section(results: PlanResults, lang: Lang) -> Section:
    from gis_planner.coverage import worst_served

    reach = results.reach
    w = worst_served(reach, n=10, lang=lang)
    hh_col = reach.households_col
    names = w["name"].astype(str) if "name" in w else pd.Series("", index=w.index)
    if "snapped" in w:  # a compound beyond the snapping distance reaches nothing: say why
        off = "（不在路网上，超出吸附距离）" if lang == "zh" else " (not on the network: beyond snapping)"
        names = names.where(w["snapped"].astype(bool), names + off)
    frame = pd.DataFrame({
        "id": [str(i) for i in w.index],
        t("name", lang): names.to_list(),
        t("households", lang): [_num(v) for v in w[hh_col]],
        t("completeness", lang): [_pct(v) for v in w["completeness"]],
        t("missing", lang): w["missing"].astype(str).to_list(),
    })
    return Section("worst", t("worst", lang), (), (Table("worst", t("worst", lang), frame),))


def _community_section(results: PlanResults, lang: Lang) -> Section:
    check = results.community_check
    if check is None or check.table.empty:
        return Section("communities", t("communities", lang), (t("communities_absent", lang),))
    chk = check.table
    zh = lang == "zh"
    frame = pd.DataFrame({
        t("community", lang): chk["community_code"].astype(str).to_list(),
        t("name", lang): chk["name"].astype(str).to_list() if "name" in chk else "",
        t("households", lang): [_num(v) for v in chk["households"]],
        ("标准区间（户）" if zh else "Band (households)"): [
            f"{_num(a)}–{_num(b)}" for a, b in zip(chk["band_min"], chk["band_max"], strict=True)]
        if {"band_min", "band_max"} <= set(chk.columns) else "",
        t("status", lang): [t(s, lang) if s in ("within_band", "too_small", "too_large") else s
                            for s in chk["status"].astype(str)],
    })
    if "deviation_pct" in chk.columns:
        frame["偏差" if zh else "Deviation"] = [
            "" if v == 0 or v != v else f"{v:+.0f}%" for v in chk["deviation_pct"].astype(float)]
    tables = [Table("communities", t("communities", lang), frame)]
    changes = check.changes
    if changes is not None and not changes.empty:
        ch = changes.reset_index() if "community_code" not in changes.columns else changes
        if zh and "reason_zh" in ch.columns:
            ch = ch.assign(reason=ch["reason_zh"])
        cols = {"community_code": t("community", lang), "status": t("status", lang),
                "action": "建议" if zh else "Action", "result": "结果社区" if zh else "Result",
                "reason": t("reason", lang)}
        pf = pd.DataFrame({name: ch[c].astype(str).to_list() for c, name in cols.items()
                           if c in ch.columns})
        names = (dict(zip(chk["community_code"].astype(str), chk["name"].astype(str), strict=True))
                 if "name" in chk else {})
        if names and "community_code" in ch.columns:
            pf.insert(1, t("name", lang), [names.get(c, "") for c in ch["community_code"].astype(str)])
        result = "结果社区" if zh else "Result"
        proposed = check.proposed
        if proposed is not None and "name" in proposed.columns:  # new communities by their new names
            new = proposed["name"].astype(str)
            if not zh:  # 阳光社区（拆分1） -> 阳光社区 (split 1), as the English reasons write it
                new = new.str.replace(r"（拆分(\d+)）$", r" (split \1)", regex=True)
            names = {**names, **dict(zip(proposed.index.astype(str), new, strict=True))}
        if names and result in pf.columns:  # the resulting communities by name
            pf[result] = [("、" if zh else ", ").join(names.get(c, c) for c in v.split(",") if c)
                          for v in pf[result]]
        act = "建议" if zh else "Action"
        if act in pf.columns:
            from gis_planner.community.adjust import transfer_label

            types = (dict(zip(chk["community_code"].astype(str), chk["urban_rural"].astype(str), strict=True))
                     if "urban_rural" in chk else {})
            pf[act] = [transfer_label(r, types.get(str(r.get("community_code", "")), "urban"), lang)
                       if a == "transfer" else t(f"action_{a}", lang) if f"action_{a}" in STRINGS else a
                       for a, r in zip(pf[act], ch.to_dict("records"), strict=True)]
        if t("status", lang) in pf.columns:
            pf[t("status", lang)] = [t(s, lang) if s in ("within_band", "too_small", "too_large")
                                     else s for s in pf[t("status", lang)]]
        walk = (("max_walk_m_before", "调整前最远步行（米）" if zh else "Max walk before (m)"),
                ("max_walk_m_after", "调整后最远步行（米）" if zh else "Max walk after (m)"))
        for c, name in walk:
            if c in ch.columns:
                pf[name] = [_num(round(float(v))) if v == v else "–" for v in ch[c]]
        tables.append(Table("proposals", "社区调整建议" if zh else "Boundary adjustment proposals",
                            pf))
    advice = ("户数区间是设立和调整社区的参考标准（“审慎推进”），仅在满足社区合理服务半径的前提下提出调整："
              "调整不得使住户到社区服务中心的步行距离超过服务半径且比现状更远（现状已超过的不因调整而变远即可）。"
              "服务半径只用于城市社区：未见文件规定村的服务半径，村的调整不按此核查。"
              "农村社区的调整单位是村民小组。" if zh else
              "The household bands are advice for setting up and adjusting communities (to be done "
              "carefully, 审慎推进); an adjustment is proposed only within a reasonable service radius: it "
              "may not leave a household farther from its community centre than the radius and farther than "
              "today (a walk already beyond it today may stay as it is). The radius is applied to urban "
              "communities only: no text gives one for villages, whose adjustments are not held to it. In "
              "villages the units moved are villagers' groups (村民小组).")
    return Section("communities", t("communities", lang), (advice, *_band_sources(results, lang)),
                   tuple(tables))


def _band_sources(results: PlanResults, lang: Lang) -> tuple[str, ...]:
    """Where the household bands and the service radius come from: the profile's document and
    clause with its verification status (the radius is the tool's own reading)."""
    bands = results.profile.community_bands
    if bands is None:
        return ()
    zh = lang == "zh"
    cite = results.profile.citation(bands.source, lang)
    status = localize(bands.status, lang)
    out = [f"户数区间依据：{cite}（{status}）。" if zh else f"The bands come from {cite} ({status})."]
    radius = bands.service_radius_m
    if radius is not None:
        metres, source, status = _num(radius.value), localize(radius.source, lang), localize(radius.status, lang)
        out.append(f"服务半径 {metres} 米：{source}（{status}）。" if zh else
                   f"The service radius of {metres} m: {source} ({status}).")
    return tuple(out)


def _siting_table(res: SitingResult, lang: Lang, key: str, title: str) -> Table:
    ex = res.explain(lang)
    chosen = res.chosen
    if "existing" in chosen.columns:
        ex = ex.loc[[i for i in ex.index if not bool(chosen.loc[i, "existing"])]] \
            if set(ex.index) <= set(chosen.index) else ex
    cols = {"name": t("name", lang), "explanation": t("reason", lang),
            "area_coverage": t("area_coverage", lang)}
    frame = pd.DataFrame({t("site", lang): [str(i) for i in ex.index]})
    for c, name in cols.items():
        if c in ex.columns:
            frame[name] = ex[c].astype(str).to_list()
    if "group_name" in chosen.columns:
        frame.insert(1, "街道" if lang == "zh" else "Sub-district",
                     [str(chosen.loc[i, "group_name"]) if i in chosen.index else ""
                      for i in ex.index])
    return Table(key, title, frame)


def _siting_title(outcome: SitingOutcome, lang: Lang) -> str:
    job, res = outcome.job, outcome.result
    cat = label(job.category, lang)
    if job.model == "per-subdistrict":
        return t("siting_elderly", lang) if job.category == "subdistrict_elderly_centre" else f"{cat}（每街道）"
    n = len(new_sites(res)) if res is not None else 0
    if job.model == "mclp":
        return t("siting_mclp", lang, cat=cat, n=n)
    return f"{cat} · {job.model} · {n}"


def sites_layer_name(outcome: SitingOutcome, results: PlanResults) -> str:
    """GeoPackage layer of a siting job's new sites: ``sites_elderly`` and ``sites_mclp`` for the
    first job of those kinds (as earlier versions wrote them), ``sites_<job key>`` otherwise."""
    first = {"per-subdistrict": "sites_elderly", "mclp": "sites_mclp"}
    model = outcome.job.model
    if model in first and results.siting_of(model) is outcome:
        return first[model]
    return f"sites_{outcome.job.key}"


def _siting_section(results: PlanResults, lang: Lang) -> Section:
    tables = []
    paras: list[str] = []
    for outcome in results.siting:
        if outcome.planned:
            ids = ("、" if lang == "zh" else ", ").join(outcome.planned)
            paras.append(f"{_siting_title(outcome, lang)}: " + (
                f"养老服务设施网络一节按床位缺口与每街道至少一处建议的 {ids} 按已建计入，不再重复建议"
                + ("；每个城市街道均已有或已建议一处，无需另行选址。" if outcome.served else "。")
                if lang == "zh" else
                f"the sites {ids}, proposed in the elderly-care network section for the bed shortfall "
                "and one centre per sub-district, count as built and are not proposed again"
                + ("; every urban sub-district has one, built or proposed." if outcome.served else ".")))
            if outcome.served:
                continue
        if outcome.result is None:
            paras.append(f"{_siting_title(outcome, lang)}: {outcome.note}")
            continue
        key = sites_layer_name(outcome, results).replace("sites_", "siting_", 1)
        tables.append(_siting_table(outcome.result, lang, key, _siting_title(outcome, lang)))
    if not tables and not paras:
        paras.append(t("siting_absent", lang))
    return Section("siting", t("siting", lang), tuple(paras), tuple(tables))


def _with_category(indicator: object, category: object, lang: Lang) -> str:
    """An indicator's label with its facility category, if any, in the language's brackets."""
    if not category:
        return str(indicator)
    cat = label(str(category), lang)
    return f"{indicator}（{cat}）" if lang == "zh" else f"{indicator} ({cat})"


def _compliance_section(results: PlanResults, lang: Lang) -> Section:
    tab = results.compliance.table
    city = tab[tab["unit_type"] == "city"]
    lab = "label_zh" if lang == "zh" else "label_en"
    frame = pd.DataFrame({
        t("indicator", lang): [
            _with_category(r[lab], r["category"], lang)
            for _, r in city.iterrows()],
        t("tier", lang): [_tier_text(r["tier"], r["binding"], lang) for _, r in city.iterrows()],
        t("value", lang): [_num(v) for v in city["value"]],
        t("target", lang): [f"{r['comparison']} {_num(r['target'])}" for _, r in city.iterrows()],
        t("unit", lang): city["unit"].astype(str).to_list(),
        t("status", lang): [t(s, lang) if s in STATUS_KEYS else s for s in city["status"]],
        t("needs", lang): city["needs"].astype(str).to_list(),
        t("source", lang): city["source"].astype(str).to_list(),
    })
    tables = [Table("compliance", t("compliance", lang), frame)]
    units = tab[tab["unit_type"] != "city"]
    if len(units):
        uf = pd.DataFrame({
            t("indicator", lang): units[lab].astype(str).to_list(),
            t("community", lang): units["unit_name"].astype(str).to_list(),
            t("value", lang): [_num(v) for v in units["value"]],
            t("target", lang): [f"{r['comparison']} {_num(r['target'])}"
                                for _, r in units.iterrows()],
            t("status", lang): [t(s, lang) if s in STATUS_KEYS else s for s in units["status"]],
        })
        tables.append(Table("compliance_units", t("compliance", lang) + " – "
                            + ("分单元" if lang == "zh" else "per unit"), uf))
    return Section("compliance", t("compliance", lang), (), tuple(tables))


def _tier_text(tier: object, binding: object, lang: Lang) -> str:
    """What kind of number an indicator is, as the headline counts it: a plan's own indicator
    (约束性 / 预期性 as the document says), a national standard check, or the project's reading;
    so that a filter on 未达标 in the workbook can be narrowed to the plan's indicators."""
    from gis_planner.policy.compliance import TIER_EN, TIER_ZH

    words = (TIER_ZH if lang == "zh" else TIER_EN).get(str(tier), str(tier))
    bind = {"binding": ("约束性", "binding"), "expected": ("预期性", "expected")}.get(str(binding))
    if str(tier) == "plan" and bind:
        return f"{words}（{bind[0]}）" if lang == "zh" else f"{words} ({bind[1]})"
    return words


def _method_section(results: PlanResults, lang: Lang) -> Section:
    reach = results.reach
    prof = results.profile
    title = prof.title_zh if lang == "zh" else prof.title_en
    paras = [t("m_network", lang), t("m_speed", lang, speed=f"{reach.speed_kmh:g}",
                                     minutes=f"{reach.headline_minutes:g}")]
    issued = " ".join(x for x in (prof.issuer, prof.doc_number) if x)
    issued = ("，" if lang == "zh" else ", ").join(x for x in (issued, prof.date) if x)
    paras.append(t("m_profile", lang, title=title, id=prof.id, issued=issued))
    if prof.source:
        paras.append(t("m_profile_source", lang, source=prof.source))
    crs = reach.crs
    if crs is not None:
        paras.append(t("m_crs", lang, crs=crs.name))
    gcj = [k for k, v in results.config.coords.items() if str(v).lower() == "gcj02"]
    if gcj:
        paras.append(t("m_gcj02", lang, names=", ".join(gcj)))
    files = dict(results.inputs.sources) or {k: v.name for k, v in results.config.inputs.items()}
    if files:
        paras.append(t("m_inputs", lang, files="; ".join(f"{k}: {v}" for k, v in files.items())))
    paras.append(t("m_synthetic", lang) if is_synthetic(results) else t("m_households", lang))
    from gis_planner.report.versions import software_versions

    paras.append(t("m_software", lang, versions=", ".join(
        f"{k} {v}" for k, v in software_versions().items())))
    return Section("method", t("method", lang), tuple(paras))


def is_synthetic(results: PlanResults) -> bool:
    """Whether the inputs are the synthetic demo town (the plan says so in its title or source)."""
    text = f"{results.config.title} {results.config.source}"
    return any(w in text for w in ("虚构", "synthetic", "demo"))


def key_numbers(results: PlanResults, lang: Lang) -> list[tuple[str, str]]:
    """The headline figures: households, coverage, communities out of band, sites, failures."""
    from gis_planner.policy.compliance import headline_table

    out: list[tuple[str, str]] = []
    reach = results.reach
    hh = reach.households
    out.append((t("households", lang), _num(hh[reach.households_col].sum())))
    out.append((t("compounds", lang), _num(len(hh))))
    req = list(reach.required_categories)
    which = _required_list(results, len(req), lang)  # which list the two completeness figures count
    out.append((t("mean_completeness", lang) + which,
                _pct(float((hh[COMPLETENESS] * hh[reach.households_col]).sum()
                           / max(hh[reach.households_col].sum(), 1)))))
    if req:
        all_ok = hh[[covered_col(c) for c in req]].all(axis=1)
        share = hh.loc[all_ok, reach.households_col].sum() / max(hh[reach.households_col].sum(), 1)
        out.append((t("share_all_required", lang) + which, _pct(float(share))))
    cov = results.coverage
    if len(cov):
        low = cov.sort_values("covered_share").iloc[0]
        out.append((t("worst_category", lang) + ("（住户，按该类步行上限）" if lang == "zh" else
                                                 " (households within its walking limit)"),
                    f"{label(low['category'], lang)} {_pct(low['covered_share'])}"))
    if results.community_check is not None:
        chk = results.community_check.table
        out.append((t("communities_out_of_band", lang),
                    f"{int((chk['status'].astype(str) != 'within_band').sum())} / {len(chk)}"))
    n_sites = sum(len(new_sites(o.result)) for o in results.siting if o.result is not None)
    if results.elderly is not None and results.elderly.sites is not None:
        n_sites += len(results.elderly.sites)
    out.append((t("sites_proposed", lang), str(n_sites)))
    head = headline_table(results.compliance)
    out.append((t("plan_indicators_failed", lang),
                t("of_plan_indicators", lang, n=int(_failing(head).sum()), total=len(head))))
    return out


def _required_list(results: PlanResults, n: int, lang: Lang) -> str:
    """``（12 类：基本保障类业态，各按其步行上限）``: how many categories the completeness list
    holds and what the profile calls it, for the key numbers that count it."""
    if not n:
        return ""
    lc = results.profile.living_circle
    name = lc.source if lc is not None and lc.source else ""
    if lang == "zh":
        return f"（{n} 类{'：' + name if name else ''}，各按其步行上限）"
    name = name if name.isascii() else ""  # the list's name in the profile is Chinese
    return f" ({n} categories{': ' + name if name else ''}; each within its walking limit)"


def _failing(head: pd.DataFrame) -> pd.Series:
    """Which headline indicators fail: a city-wide target (a share of communities, a ratio of
    sums) by the city's verdict, a per-unit target when any assessed unit fails it."""
    by_city = (head["scope"] == "city") & (head["city_status"].astype(str) != "")
    return ((head["city_status"] == "fail")
            | (~by_city & (head["units_passing"] < head["units_assessed"])))


def build_report(results: PlanResults, *, lang: str = "zh") -> Report:
    """Build the report of a plan run (pure: no files are read or written).

    Parameters
    ----------
    results
        A :class:`gis_planner.plan.PlanResults`.
    lang
        ``zh`` (default) or ``en``.

    Returns
    -------
    Report
        Key numbers first (the failing plan indicators counted among plan indicators only),
        then the plan indicators ("n/N 个社区达标") with the standard checks and the tool's
        readings labelled apart, coverage (table + chart, at both ends of the 15-minute circle),
        worst-served compounds, community sizes, siting with the reason for each site, the
        elderly-care network, neighbourhood centres and governance grids (when run), the
        per-街道 actions (``Table.sheet`` = the 街道), compliance, data problems, and method
        and assumptions.

    Raises
    ------
    ValueError
        When ``lang`` is neither ``zh`` nor ``en``.
    """
    lg = check_lang(lang)
    sections = [s for s in (_headline_section(results, lg), _coverage_section(results, lg),
                            _worst_section(results, lg), _community_section(results, lg),
                            _siting_section(results, lg), _elderly_section(results, lg),
                            _centres_section(results, lg), _grids_section(results, lg),
                            _actions_section(results, lg), _compliance_section(results, lg),
                            _data_section(results, lg), _method_section(results, lg))
                if s is not None]
    title = results.config.title or "gis_planner"
    return Report(title=title, lang=lg, key_numbers=tuple(key_numbers(results, lg)),
                  sections=tuple(sections), footer=t("generated", lg, version=__version__))


# ------------------------------------------------------------------ planner answers and the plan
# sections: indicator tiers, walking assumptions, elderly care, neighbourhood centres, grids,
# per-街道 actions and data problems.

#: The two ends of GB 50180-2018's 15-minute circle (800–1000 m) as the profile's walking
#: assumptions (see :meth:`gis_planner.policy.profile.Profile.walking_assumptions`).
COVERAGE_ASSUMPTIONS = ("conservative", "standard")


def coverage_at_budgets(reach: ReachResult, budgets_m: pd.Series) -> pd.Series:
    """Share of households within a distance budget per category.

    A household is covered when its network distance to the nearest facility of the category
    (the reach result's ``<c>_dist_m``) is at most the budget, inclusive: coverage at another
    walking speed v is ``dist_m <= minutes x v``, with no new shortest-path run.

    Parameters
    ----------
    reach
        A :class:`gis_planner.coverage.ReachResult`.
    budgets_m
        Budget per category id, metres.

    Returns
    -------
    pandas.Series
        Share (0–1) per category of ``budgets_m`` that the reach result has; NaN for a category
        with no input facility (report 无数据, never 0 %).
    """
    hh = reach.households
    w = hh[reach.households_col].astype(float)
    total = max(float(w.sum()), 1.0)
    n_fac = reach.facilities["category"].value_counts() if len(reach.facilities) else pd.Series(dtype=int)
    out = {}
    for cat, budget in budgets_m.items():
        col = dist_col(str(cat))
        if col not in hh.columns:
            continue
        if int(n_fac.get(cat, 0)) == 0:
            out[cat] = float("nan")
            continue
        out[cat] = float(w[hh[col].astype(float) <= float(budget)].sum()) / total
    return pd.Series(out, dtype=float)


def _no_data_categories(results: PlanResults) -> list[str]:
    """Categories the plan asks about (the reach result's and the profile's) with no input
    facility at all: their coverage is 无数据 (no data), never 0 %."""
    reach = results.reach
    counts = reach.facilities["category"].value_counts() if len(reach.facilities) else pd.Series(dtype=int)
    cats = list(reach.categories)
    with contextlib.suppress(PolicyError):  # a profile without walking budgets lists none
        cats += [c for c in results.profile.category_budgets(elderly_standard=_elderly_standard(results)).index
                 if c not in cats]
    return [c for c in cats if int(counts.get(c, 0)) == 0]


def _elderly_standard(results: PlanResults) -> Any:
    """The run's elderly-care standard (the plan's ``[elderly] standard`` file over the shipped
    one) when the elderly-care stage ran, else None (the shipped one): the walking limits of
    the elderly-care categories in every table come from it."""
    return results.elderly.standard if results.elderly is not None else None


def _share_or_no_data(x: float, lang: Lang) -> str:
    return t("no_data", lang) if x is None or (isinstance(x, float) and math.isnan(x)) else _pct(x)


def _assumption_columns(results: PlanResults, cats: list[str], lang: Lang) -> dict[str, list[str]]:
    """Coverage of ``cats`` at both ends of the 15-minute circle (the profile's conservative and
    standard speeds; elderly categories at the elderly speed), as display columns."""
    prof = results.profile
    cols: dict[str, list[str]] = {}
    for assumption in COVERAGE_ASSUMPTIONS:
        try:
            budgets = prof.category_budgets(assumption=assumption, elderly_standard=_elderly_standard(results))
            speed = prof.assumption_speed(assumption)
        except PolicyError:  # a profile without the speed: the column is left out
            continue
        budgets_m = budgets["distance_m"].copy()
        elderly = set(prof.elderly_categories())
        params = results.parameters
        notes = {}  # elderly categories: the limit they are judged by, said in the cell
        for c in cats:
            if c not in budgets_m.index:
                v = prof.assumption_speed("elderly") if c in elderly else speed
                budgets_m[c] = params.minutes_for(c) * v * 1000.0 / 60.0
                if c in elderly:
                    notes[c] = (f"（老年人 {v:.1f} km/h，{budgets_m[c]:,.0f} m）" if lang == "zh" else
                                f" (older people, {v:.1f} km/h, {budgets_m[c]:,.0f} m)")
            elif budgets.loc[c, "budget_basis"] == "elderly_level":  # its status said here, once,
                notes[c] = _elderly_limit_note(results, c, budgets_m[c], lang)  # as the standard's table does
        shares = coverage_at_budgets(results.reach, budgets_m)
        dist = (prof.headline_minutes or 15) * speed * 1000.0 / 60.0
        name = t("covered_at", lang, speed=f"{speed:.1f}", dist=f"{dist:,.0f}")
        vals = []
        for c in cats:
            v = shares.get(c, float("nan"))
            unverified = bool(budgets["unverified"].get(c, False)) if c in budgets.index else False
            mark = "" if not unverified or v != v or c in notes else ("（未核实）" if lang == "zh" else " (unverified)")
            vals.append(_share_or_no_data(v, lang) + mark + (notes.get(c, "") if v == v else ""))
        cols[name] = vals
    return cols


def _elderly_limit_note(results: PlanResults, category: str, limit_m: float, lang: Lang) -> str:
    """The note of a coverage cell judged by the elderly-care network's limit: the limit with
    its status and, for another region's rule, whose (as the standard's own table says)."""
    from gis_planner.elderly.labels import status_label

    limit = results.profile.elderly_levels(_elderly_standard(results))[category].walk_limit_m
    status = "" if limit.status == "verified" and not limit.places else status_label(
        limit.status, lang, places=limit.places, plan_place=results.profile.place)
    if lang == "zh":
        return f"（养老服务设施网络 {limit_m:,.0f} m{'，' + status if status else ''}）"
    return f" (elderly-care network, {limit_m:,.0f} m{', ' + status if status else ''})"


def _elderly_limits_sentence(results: PlanResults, lang: Lang) -> tuple[str, ...]:
    """The walking limits (m) of the elderly-care categories: their levels' limits in the
    elderly-care network, the same in this table, the maps and the network's own section; a
    category whose profile rule sets another limit is named with both."""
    prof = results.profile
    levels = prof.elderly_levels(_elderly_standard(results))
    if results.elderly is None:  # without the network's section: the categories this table shows
        levels = {c: lv for c, lv in levels.items() if c in results.reach.categories}
    if not levels:
        return ()
    zh = lang == "zh"
    unit = "米" if zh else "m"
    by_level: dict[tuple[str, float], list[str]] = {}  # (level name, limit m) -> its categories
    differ = []
    for cat, lv in levels.items():
        limit = lv.walk_limit_m.value
        own = results.parameters.limit_m(cat)
        if abs(own - limit) > 0.5:  # the profile's own rule for the category sets another limit
            differ.append(f"{label(cat, lang)} {_num(own)} {unit}（养老服务设施网络 {_num(limit)} {unit}）" if zh else
                          f"{label(cat, lang)} {_num(own)} {unit} (elderly-care network: {_num(limit)} {unit})")
        else:
            by_level.setdefault((lv.name(lang), limit), []).append(label(cat, lang))
    sep = "、" if zh else ", "
    parts = []
    for (name, limit), names in by_level.items():
        text = f"{name} {_num(limit)} {unit}"
        if names != [name]:  # a level's categories are named unless its own name says it (老年助餐点)
            text += f"（{sep.join(names)}）" if zh else f" ({sep.join(names)})"
        parts.append(text)
    listed = ("；" if zh else "; ").join(parts)
    out = []
    if listed:
        out.append(f"老年人设施按养老服务设施网络各层级的步行上限判断可达：{listed}；本表、地图与养老服务设施网络一节口径一致。"
                   if zh else f"Elderly-care facilities are judged by the walking limit of their level in the "
                   f"elderly-care network: {listed}; this table, the maps and the elderly-care network section "
                   "use the same limits.")
    if differ:
        out.append(f"以下类别由规划文件另定步行上限，本表按其判断：{sep.join(differ)}。" if zh else
                   f"These categories have their own limit in the plan's profile, which this table uses: "
                   f"{sep.join(differ)}.")
    return tuple(out)


def _assumption_sentence(results: PlanResults, lang: Lang) -> str:
    prof = results.profile
    try:
        slow, fast = (prof.assumption_speed(a) for a in COVERAGE_ASSUMPTIONS)
        old = prof.assumption_speed("elderly")
    except PolicyError:  # a profile without them: state the run's own speed only
        return t("m_speed", lang, speed=f"{results.reach.speed_kmh:g}",
                 minutes=f"{results.reach.headline_minutes:g}")
    return t("coverage_assumptions", lang, slow=f"{slow:.1f}", fast=f"{fast:.1f}", old=f"{old:.1f}")


def _headline_section(results: PlanResults, lang: Lang) -> Section:
    from gis_planner.policy.compliance import headline_table, tier_table

    comp = results.compliance
    head = headline_table(comp)
    paras = [t("headline_intro", lang)]
    col = "sentence_zh" if lang == "zh" else "sentence_en"
    paras += [str(x) for x in head[col]] if len(head) else [t("headline_none", lang)]
    tables = []
    lab = "label_zh" if lang == "zh" else "label_en"
    for tier in ("standard", "reading"):
        rows = tier_table(comp, tier)
        if not len(rows):
            continue
        frame = pd.DataFrame({
            t("indicator", lang): [_with_category(r[lab], r["category"], lang)
                                   for _, r in rows.iterrows()],
            t("tier", lang): rows["tier_zh" if lang == "zh" else "tier_en"].astype(str).to_list(),
            t("value", lang): [_num(v) for v in rows["value"]],
            t("target", lang): [f"{r['comparison']} {_num(r['target'])}" for _, r in rows.iterrows()],
            t("unit", lang): [localize_unit(u, lang) for u in rows["unit"]],
            t("status", lang): [t(x, lang) if x in STATUS_KEYS else x for x in rows["status"]],
            t("verification", lang): rows["source_status"].astype(str).to_list(),
            # whose households or communities the value counts (urban-only indicators leave
            # the villages out, so their shares differ from the coverage table's)
            ("适用范围" if lang == "zh" else "Applies to"): [
                _APPLIES.get(str(a), (str(a), str(a)))[lang != "zh"] for a in rows["applies_to"]],
            t("source", lang): rows["citation_zh" if lang == "zh" else "citation_en"].astype(str).to_list(),
        })
        tables.append(Table(f"tier_{tier}", t(f"tier_{tier}", lang), frame))
    return Section("headline", t("headline", lang), tuple(paras), tuple(tables))


#: What an indicator's ``applies_to`` counts, in Chinese and English.
_APPLIES = {"urban": ("城市社区", "urban communities"), "rural": ("农村社区", "rural communities"),
            "all": ("全部社区", "all communities")}


def _elderly_section(results: PlanResults, lang: Lang) -> Section | None:
    res = results.elderly
    if res is None:
        return None
    from gis_planner.elderly.outputs import elderly_tables

    tabs = elderly_tables(res, lang=lang)
    tables = [Table(f"elderly_{k}", t(f"elderly_{k}", lang), _display(tabs[k]))
              for k in ("levels", "by_community", "structure", "floor_area", "sites", "standard") if k in tabs]
    paras = [t("elderly_intro", lang, speed=f"{res.speed_kmh:.1f}"), t("elderly_shortfalls", lang),
             *map(str, res.notes)]
    return Section("elderly", t("elderly", lang), tuple(paras), tuple(tables))


def _centres_section(results: PlanResults, lang: Lang) -> Section | None:
    plan = results.centres
    if plan is None:
        return None
    from gis_planner.centres.outputs import centre_tables

    tabs = centre_tables(plan, lang=lang)
    tables = [Table(f"centres_{k}", t(f"centres_{k}", lang), _display(tabs[k]))
              for k in ("spaces", "communities", "coverage", "standard") if k in tabs]
    walk = ("可达按各功能的步行上限（米，见标准表）计，老年人功能按老年人服务对象统计。" if lang == "zh" else
            "Reach uses each function's walking limit in metres (see the standard table); elderly "
            "functions count older residents.")
    return Section("centres", t("centres", lang),
                   (t("centres_intro", lang), walk, *_centre_limits_differ(results, lang), *plan.notes_in(lang)),
                   tuple(tables))


def _centre_limits_differ(results: PlanResults, lang: Lang) -> tuple[str, ...]:
    """A sentence naming the functions whose walking limit in the centre standard differs from
    their category's limit in the coverage table (社区卫生服务站: 500 m here, 1,000 m there), so
    that two shares of one category are not read as a contradiction."""
    plan = results.centres
    if plan is None:
        return ()
    zh = lang == "zh"
    pairs = []
    for f in plan.standard.functions:
        if f.category not in results.reach.categories:
            continue
        here, there = f.walk_limit_m.value, results.parameters.limit_m(f.category)
        if abs(here - there) > 0.5:
            pairs.append(f"{f.name_zh if zh else f.name_en} {_num(here)} m（覆盖率表 {_num(there)} m）" if zh else
                         f"{f.name_en} {_num(here)} m (coverage table: {_num(there)} m)")
    if not pairs:
        return ()
    sep = "、" if zh else "; "
    return (f"以下功能按社区服务中心标准的步行上限计，与覆盖率表中该类设施的上限不同，两处的可达比例因此不同："
            f"{sep.join(pairs)}。" if zh else
            "These functions count reach within the centre standard's walking limit, not the coverage table's "
            f"limit for their category, so the two shares differ: {sep.join(pairs)}.",)


def _grids_section(results: PlanResults, lang: Lang) -> Section | None:
    res = results.grids
    if res is None:
        return None
    from gis_planner.grids.tables import band_notes, reason_text, report_tables, single_unit_walks

    zh = lang == "zh"
    tabs = report_tables(res, audit=results.grid_audit, crosswalk=results.grid_crosswalk)
    st = res.settings
    head = dict(_GRID_HEAD_ZH)
    if "special_groups" in tabs:
        head.update(zip(tabs["special_groups"]["group"], tabs["special_groups"]["name_zh"], strict=True))
    g, m = tabs["grids"], tabs["micro_grids"]
    out = g[g["band_status"] != "in_band"]
    out_band = out[["grid_code", "community_code", "households", "band_min", "band_max", "band_status"]].assign(
        band_reason=[reason_text(r["band_reason"], level="grid", band_min=r["band_min"], band_max=r["band_max"],
                                 lang=lang) for _, r in out.iterrows()])
    frames: dict[str, pd.DataFrame | None] = {
        "settings": pd.DataFrame(st.table(lang, plan_place=results.profile.place)),  # another region's rule said
        "summary": tabs["grid_summary"], "out_of_band": out_band,
        "micro_out_of_band": band_notes(res, level="micro_grid", lang=lang), "audit": tabs.get("audit_summary"),
        "crossings": tabs.get("audit_crossings"), "crosswalk": tabs.get("crosswalk")}
    shown = {k: _display(v) for k, v in frames.items() if v is not None and (k != "micro_out_of_band" or len(v))}
    # one unit per grid: its walk is measured from its own point, nothing to walk
    marks = {c: f"–（{w}）" if zh else f"– ({w})" for c, w in single_unit_walks(res, lang).items()}
    if marks:
        summary = shown["summary"]
        summary["max_walk_m"] = [marks.get(c, v) for c, v in zip(summary["community_code"], summary["max_walk_m"],
                                                                  strict=True)]
    titles = {"micro_out_of_band": ("户数超出区间的微网格（按社区汇总）",
                                    "Micro-grids outside the household band, per community")}
    if not zh:  # English words for the headers and the band statuses (the Chinese come at render)
        head = _GRID_HEAD_EN
        for frame in shown.values():
            for col in ("band_status", "setting", "check"):  # ids of statuses, settings and checks
                if col in frame.columns:
                    frame[col] = frame[col].map(lambda v: _GRID_WORDS_EN.get(str(v), v))
    tables = [Table(f"grids_{k}", titles[k][0 if zh else 1] if k in titles else t(f"grids_{k}", lang),
                    frame.rename(columns=head)) for k, frame in shown.items()]
    intro = t("grids_intro", lang, grid=f"{st.grid_min}–{st.grid_max}", micro=f"{st.micro_min}–{st.micro_max}")
    n_micro = int((m["band_status"] != "in_band").sum())
    outside = (() if not len(out) + n_micro else
               (f"但 {len(g):,} 个网格中有 {len(out):,} 个、{len(m):,} 个微网格中有 {n_micro:,} 个户数不在区间内，"
                "原因见下表。",) if zh else
               (f"However, {len(out):,} of {len(g):,} grids and {n_micro:,} of {len(m):,} micro-grids fall "
                "outside their household band; the tables below give the reasons.",))
    distance = {"network": ("网格内的步行距离按道路网络计算。",
                            "Walks within grids are measured over the street network."),
                "straight_line": ("网格内的距离按直线计算（未给道路网络）。",
                                  "Distances within grids are straight lines (no network was given).")}
    zh_en = distance.get(res.distance_kind, (res.distance_kind, res.distance_kind))
    return Section("grids", t("grids", lang), (intro, *outside, zh_en[0] if zh else zh_en[1]), tuple(tables))


#: Chinese headers of the grid tables (the grids package writes English column names).
_GRID_HEAD_ZH = {
    "community_code": "社区编码", "grids": "网格数", "grids_in_band": "户数在区间内的网格",
    "micro_grids": "微网格数", "micro_grids_in_band": "户数在区间内的微网格", "households": "户数",
    "residents": "人口", "grid_workers_needed": "需专职网格员", "micro_grid_workers_needed": "需微网格员",
    "max_walk_m": "至网格中心最远步行(m)", "check": "核查项", "failing": "不符合", "of": "共",
    "note": "说明", "department_grid": "部门网格", "class": "对应关系", "community_grids": "对应社区网格",
    "partial_grids": "部分重叠的网格", "outside_share": "超出社区网格的比例", "proposed_grids": "建议对应网格",
    "changed": "需调整", "grid_code": "网格编码", "band_min": "户数下限", "band_max": "户数上限",
    "band_status": "户数区间状态", "band_reason": "原因", "out_of_band": "户数超出区间",
    "overlap_m2": "重叠面积(m²)",
    "share": "占网格面积比例", "setting": "参数", "value": "数值", "status": "核实状态", "source": "依据",
}


#: English headers of the grid tables.
_GRID_HEAD_EN = {
    "community_code": "Community code", "grids": "Grids", "grids_in_band": "Grids within the band",
    "micro_grids": "Micro-grids", "micro_grids_in_band": "Micro-grids within the band",
    "households": "Households", "residents": "Residents", "grid_workers_needed": "Full-time grid workers needed",
    "micro_grid_workers_needed": "Micro-grid workers needed", "max_walk_m": "Farthest walk to the grid centre (m)",
    "check": "Check", "failing": "Failing", "of": "Of", "note": "Note", "department_grid": "Department grid",
    "class": "Match", "community_grids": "Community grids", "partial_grids": "Partly overlapping grids",
    "outside_share": "Share outside the community grids", "proposed_grids": "Proposed matching grids",
    "changed": "To adjust", "grid_code": "Grid code", "band_min": "Band minimum (households)",
    "band_max": "Band maximum (households)", "band_status": "Band status", "band_reason": "Reason",
    "out_of_band": "Outside the band", "overlap_m2": "Overlap (m²)", "share": "Share of the grid's area",
    "setting": "Setting", "value": "Value", "status": "Verification", "source": "Source",
    # the special groups (gis_planner.grids.groups.SPECIAL_GROUPS)
    "subsistence_allowance": "Subsistence-allowance recipients", "extreme_poverty": "People in extreme poverty",
    "elderly_alone": "Older people living alone", "children_in_difficulty": "Children in difficulty",
    "left_behind_children": "Left-behind children", "disabled": "People with disabilities",
    "community_correction": "People under community correction",
}
#: Band statuses, settings and audit checks of the grid tables in English words.
_GRID_WORDS_EN = {
    "in_band": "within the band", "under_band": "below the band", "over_band": "above the band",
    "grid_households": "Households per grid", "micro_grid_households": "Households per micro-grid",
    "workers": "Grid workers", "persons_per_household": "Persons per household",
    "barriers": "Barriers", "solver": "Solver", "band": "Household band", "nesting": "Nesting",
    "gaps": "Gaps", "overlaps": "Overlaps"}


#: Words of a header that names a share (0..1 in the tables, a percentage in the report).
_SHARE_WORDS = ("比例", "占比", "覆盖率", "share", "ratio")
#: Words of a header that names an identifier (never written with thousands separators).
_ID_WORDS = ("code", "编码", "编号", "_id", " id", "地块", "candidate")


def _display(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a section's table with numbers written as the report writes them: thousands
    separators, a column of whole numbers without decimals, any other with 2 decimals (3
    significant digits below 1, so 0.0254 keeps its digits), shares (a
    header naming a share, values within 0..1) as percentages; identifiers and text unchanged.
    The workbook reads the numbers back as numbers."""
    out = frame.copy()
    for c in out.columns:
        col = out[c]
        name = str(c).lower()
        if (pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col)
                or any(w in name for w in _ID_WORDS)):
            continue
        values = pd.to_numeric(col, errors="coerce")
        if any(w in name for w in _SHARE_WORDS) and values.dropna().between(0, 1).all():
            out[c] = [_pct(float(v)) for v in values]
        else:
            whole = bool(((values - values.round()).abs().dropna() < 1e-9).all())
            out[c] = ["–" if pd.isna(v) else f"{v:,.0f}" if whole else f"{v:,.2f}" if abs(v) >= 1
                      else f"{v:.3g}" for v in values]
    return out


def _subdistrict_names(results: PlanResults) -> dict[str, str]:
    subs = results.inputs.subdistricts
    if subs is None or "name" not in subs.columns:
        return {}
    return {str(k): str(v) for k, v in subs["name"].items()}


def _floor_area_gaps(results: PlanResults) -> pd.Series:
    """m² of service floor area each community lacks to reach the profile's per-100-household
    figure (from the compliance rows of that indicator: (target - value) / 100 x households)."""
    comp = results.compliance
    tab = comp.table
    rows = tab[(tab["indicator_id"] == "service_area_m2_per_100_households") & (tab["unit_type"] == "community")
               & (tab["status"] == "fail")]
    if rows.empty:
        return pd.Series(dtype=float)
    hh = results.reach.households
    by_com = (hh.groupby("community_code")[results.reach.households_col].sum()
              if "community_code" in hh.columns else pd.Series(dtype=float))
    out = {}
    for _, r in rows.iterrows():
        n = float(by_com.get(r["unit_id"], float("nan")))
        out[str(r["unit_id"])] = max(float(r["target"]) - float(r["value"]), 0.0) / 100.0 * n
    return pd.Series(out, dtype=float)


@dataclass(frozen=True)
class _ActionContext:
    """What every per-街道 action table reads, looked up once."""

    lang: Lang
    com_sub: pd.Series
    com_name: pd.Series
    failing: pd.DataFrame
    unit_sub: pd.Series
    gaps: pd.Series
    no_data: frozenset[str]
    level_names: dict[str, str]
    #: plan indicators with a city-wide target the city meets (a share of communities): the
    #: units without them are listed as not yet covered, not as failing
    met_citywide: frozenset[str] = frozenset()
    #: rural communities (urban_rural = rural) and, per category, the rural profile's budget in
    #: metres and the name of its level (TD/T 1062-2021 村/组, 乡集镇), by which their households
    #: are judged in the action lists
    rural: frozenset[str] = frozenset()
    rural_limits: dict[str, tuple[float, str]] = field(default_factory=dict)

    @property
    def zh(self) -> bool:
        return self.lang == "zh"

    @property
    def sep(self) -> str:
        return "、" if self.zh else ", "


def _action_context(results: PlanResults, lang: Lang) -> _ActionContext:
    comp = results.compliance.table
    coms = results.inputs.communities
    com_sub = (coms["subdistrict_code"].astype(str) if coms is not None and "subdistrict_code" in coms
               else pd.Series(dtype=str))
    failing = comp[(comp["tier"] == "plan") & (comp["status"] == "fail") & (comp["unit_type"] != "city")]
    city_met = comp[(comp["tier"] == "plan") & (comp["unit_type"] == "city") & (comp["scope"] == "city")
                    & (comp["status"] == "pass")]
    el = results.elderly
    return _ActionContext(
        lang=lang, com_sub=com_sub,
        com_name=coms["name"].astype(str) if coms is not None and "name" in coms else pd.Series(dtype=str),
        failing=failing, unit_sub=failing["unit_id"].astype(str).map(lambda u: com_sub.get(u, u)),
        gaps=_floor_area_gaps(results), no_data=frozenset(_no_data_categories(results)),
        level_names={lv.id: lv.name(lang) for lv in el.standard.levels} if el is not None else {},
        met_citywide=frozenset(city_met["indicator_id"].astype(str)),
        rural=frozenset(coms.index[coms["urban_rural"].astype(str) == "rural"].astype(str))
        if coms is not None and "urban_rural" in coms else frozenset(),
        rural_limits=_rural_limits(results.config.rural_profile, lang))


def _rural_limits(rural_profile: str, lang: Lang) -> dict[str, tuple[float, str]]:
    """Per category, the rural profile's travel budget in metres (minutes x speed of the first
    level that lists it) and the level's name; empty without a rural profile."""
    if not rural_profile:
        return {}
    from gis_planner.policy import load_profile

    out: dict[str, tuple[float, str]] = {}
    for lv in reversed(load_profile(rural_profile).levels):  # the nearer level wins
        if lv.minutes and lv.speed_kmh:
            for el in lv.elements:
                out[el.category] = (lv.minutes * lv.speed_kmh * 1000.0 / 60.0,
                                    lv.label_zh if lang == "zh" else lv.label_en)
    return out


def _indicator_rows(ctx: _ActionContext, sub: str) -> list[tuple[str, str, str, str]]:
    """Failing plan indicators of the 街道's units, with the floor-area gap in m²."""
    zh, lab = ctx.zh, "label_zh" if ctx.zh else "label_en"
    rows = []
    for (ind_id, lbl), g in ctx.failing[ctx.unit_sub == sub].groupby(["indicator_id", lab], sort=False):
        gap = ""
        if ind_id == "service_area_m2_per_100_households":
            m2 = float(ctx.gaps.reindex(g["unit_id"].astype(str)).sum())
            gap = f"缺 {_num(round(m2))} m² 服务用房" if zh else f"{_num(round(m2))} m² of service floor area"
        if ind_id in ctx.met_citywide:
            kind = "规划指标全市已达标，本单位尚未覆盖" if zh else "not yet covered (city-wide target met)"
        else:
            kind = "未达标规划指标" if zh else "failing plan indicator"
        rows.append((kind, str(lbl), gap, ctx.sep.join(g["unit_name"].astype(str))))
    return rows


def _outside_rows(ctx: _ActionContext, reach: ReachResult, mine: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    """Households outside each circle, the worst-covered service first (five), and the
    categories without data. Urban households are judged by the category's headline limit of
    the plan's profile (``reach.category_limits_m``), rural ones by the rural profile's level
    budget (村/组 or 乡集镇, ``ctx.rural_limits``) where it lists the category and the search
    reached that far, and not at all where the rural profile does not list it (an urban radius
    such as GB 50180's 300 m for day care is not a village's standard); each row names the
    metres it applies."""
    zh, hcol = ctx.zh, reach.households_col
    rural = (mine["community_code"].astype(str).isin(ctx.rural).to_numpy()
             if "community_code" in mine.columns else np.zeros(len(mine), dtype=bool))
    outside = []
    for c in reach.categories:
        if c in ctx.no_data or covered_col(c) not in mine.columns:
            continue
        out, judged, limits, notes = _outside_of(ctx, reach, mine, c, rural)
        w = float(mine.loc[judged, hcol].sum())
        out_hh = float(mine.loc[out, hcol].sum())
        if w > 0:
            outside.append((out_hh / w, c, out_hh, out, limits, notes))
    # the most households outside first (a share of few judged households ranks by its count)
    outside.sort(key=lambda x: (-x[2], -x[0], x[1]))
    rows = []
    for i, (share, c, out_hh, out, limits, notes) in enumerate(outside[:5]):
        kind = ("覆盖最差的服务" if zh else "worst-covered service") if i == 0 else (
            "步行圈外住户" if zh else "households outside the circle")
        coms_out = mine.loc[out]
        where = (ctx.sep.join(dict.fromkeys(ctx.com_name.get(x, str(x))
                                            for x in coms_out["community_code"].astype(str)))
                 if "community_code" in coms_out.columns else "")
        circle = ("、" if zh else ", ").join(limits)
        gap = "；".join([f"{_num(out_hh)} 户在 {circle} 步行圈外 ({_pct(share)})", *notes]) if zh else "; ".join(
            [f"{_num(out_hh)} households outside the {circle} circle ({_pct(share)})", *notes])
        rows.append((kind, label(c, ctx.lang), gap, where))
    rows += [("数据问题" if zh else "data problem", label(c, ctx.lang), t("no_data", ctx.lang),
              "补充该类设施数据" if zh else "supply the facilities of this category") for c in sorted(ctx.no_data)]
    return rows


def _outside_of(ctx: _ActionContext, reach: ReachResult, mine: pd.DataFrame, c: str,
                rural: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """For category ``c``: which of ``mine`` are outside their circle, which are judged at all
    (a rural budget beyond the search is not), the circles applied and what was not judged, in
    words."""
    zh = ctx.zh
    out = ~mine[covered_col(c)].astype(bool).to_numpy()
    judged = np.ones(len(mine), dtype=bool)
    urban_m = _num(reach.category_limits_m.get(c, float("nan")))
    limits = [f"{urban_m} 米" if zh else f"{urban_m} m"] if (~rural).any() else []
    notes: list[str] = []
    budget = ctx.rural_limits.get(c)
    if rural.any() and budget is not None and dist_col(c) in mine.columns:
        metres, level = budget
        if metres <= reach.search_cap_m:
            d = pd.to_numeric(mine[dist_col(c)], errors="coerce").fillna(np.inf).to_numpy(float)
            out = np.where(rural, d > metres + 1e-6, out)
            limits.append(f"{_num(metres)} 米（{level}）" if zh else f"{_num(metres)} m ({level})")
        else:  # the search stopped short of the level's budget: not judged here
            judged &= ~rural
            out &= ~rural
            hh, cap = _num(mine.loc[rural, reach.households_col].sum()), _num(reach.search_cap_m)
            notes.append(f"乡村 {hh} 户按{level} {_num(metres)} 米计，超出步行搜索范围（{cap} 米），未判定" if zh else
                         f"{hh} rural households, judged at the {level} budget of {_num(metres)} m, lie beyond "
                         f"the walking search ({cap} m) and are not judged")
    elif rural.any() and ctx.rural_limits:  # the rural circles do not list it: no urban radius for villages
        judged &= ~rural
        out &= ~rural
        hh = _num(mine.loc[rural, reach.households_col].sum())
        notes.append(f"乡村 {hh} 户：乡村生活圈未列此类设施，不按城市标准判定" if zh else
                     f"{hh} rural households: the rural circles do not list this category, so they are not "
                     "judged by the urban standard")
    elif rural.any() and not limits:
        limits.append(f"{urban_m} 米" if zh else f"{urban_m} m")
    return out, judged, limits, notes


def _site_rows(ctx: _ActionContext, results: PlanResults, area: Geometry) -> list[tuple[str, str, str, str]]:
    """The proposed sites inside the 街道 (``area``), with their site type; the elderly-care
    places with their capacity and the older residents they serve."""
    zh = ctx.zh
    rows = []
    for o in results.siting:
        if o.result is None:
            continue
        new = new_sites(o.result)
        new = new[new.geometry.within(area)]
        if new.empty:
            continue
        kinds = [str(k) for k in new["kind"]] if "kind" in new.columns else [""] * len(new)
        names = new["name"] if "name" in new.columns else pd.Series("", index=new.index)
        where = ctx.sep.join(f"{i} {n}（{k}）" if zh else f"{i} {n} ({k})"
                             for i, n, k in zip(new.index, names, kinds, strict=True))
        rows.append(("建议选址" if zh else "proposed sites", label(o.job.category, ctx.lang),
                     f"新增 {len(new)} 处" if zh else f"new sites: {len(new)}", where))
    el = results.elderly
    if el is not None and el.sites is not None:
        for i, r in el.sites[el.sites.geometry.within(area)].iterrows():
            level = str(r.get("level", ""))
            kind = f"（{r.get('kind', '')}）" if zh else f" ({r.get('kind', '')})"
            unit = _level_unit(el.standard, level, ctx.lang)  # 床位 at a 街道 centre
            rows.append(("建议养老设施" if zh else "proposed elderly-care site", ctx.level_names.get(level, level),
                         f"{_num(r.get('capacity', ''))} {unit}{'，服务老人' if zh else ', serving'} "
                         f"{_num(round(float(r.get('elderly_served', 0))))}", f"{i} {r.get('name', '')}{kind}"))
    return rows


def _level_unit(standard: Any, level: str, lang: Lang) -> str:
    """The capacity unit of an elderly-care level (床位, 日托位 …); places for an unknown level."""
    try:
        return str(standard.level(level).unit(lang))
    except PolicyError:
        return "位" if lang == "zh" else "places"


def _change_rows(ctx: _ActionContext, results: PlanResults, sub: str) -> list[tuple[str, str, str, str]]:
    """The community changes proposed for the 街道's communities."""
    from gis_planner.community.adjust import transfer_label

    check = results.community_check
    changes = check.changes if check is not None else None
    if check is None or changes is None or changes.empty:
        return []
    zh = ctx.zh
    ch = changes.reset_index() if "community_code" not in changes.columns else changes
    ch = ch[ch["community_code"].astype(str).map(lambda u: ctx.com_sub.get(u, "")) == sub]
    reason = "reason_zh" if zh and "reason_zh" in ch.columns else "reason"
    table = check.table
    types = (dict(zip(table["community_code"].astype(str), table["urban_rural"].astype(str), strict=True))
             if "urban_rural" in table else {})
    rows = []
    for _, r in ch.iterrows():
        a, code = str(r.get("action", "")), str(r["community_code"])
        what = (transfer_label(r, types.get(code, "urban"), ctx.lang) if a == "transfer"
                else t(f"action_{a}", ctx.lang) if f"action_{a}" in STRINGS else a)
        rows.append(("社区调整" if zh else "community change",
                     f"{ctx.com_name.get(code, code)}{'：' if zh else ': '}{what}", "", str(r.get(reason, ""))))
    return rows


def _actions_section(results: PlanResults, lang: Lang) -> Section | None:
    """One table per 街道: failing plan indicators with gap sizes, households outside each circle
    (the worst-covered service first), proposed sites with their site type, and community
    changes. Each table's ``sheet`` is the 街道's name."""
    reach = results.reach
    hh = reach.households
    if "subdistrict_code" not in hh.columns:
        return None
    ctx = _action_context(results, lang)
    names = _subdistrict_names(results)
    subs = results.inputs.subdistricts
    cols = ["类型" if ctx.zh else "Kind", t("action", lang), t("gap", lang), "涉及单位或选址" if ctx.zh else "Where"]
    tables = []
    for sub in sorted(hh["subdistrict_code"].dropna().astype(str).unique()):
        sname = names.get(sub, sub)
        rows = _indicator_rows(ctx, sub) + _outside_rows(ctx, reach, hh[hh["subdistrict_code"].astype(str) == sub])
        if subs is not None and sub in subs.index:
            rows += _site_rows(ctx, results, subs.geometry.loc[sub])
        rows += _change_rows(ctx, results, sub)
        tables.append(Table(f"actions_{sub}", f"{t('actions', lang)} – {sname}", pd.DataFrame(rows, columns=cols),
                            sheet=sname))
    if not tables:
        return None
    walk = t("walk_assumption", lang) + ("：" if ctx.zh else ": ") + t(
        "m_speed", lang, speed=f"{reach.speed_kmh:g}", minutes=f"{reach.headline_minutes:g}")
    sited = ("“需新增”只对本次选址的类别给出；其他类别列出步行圈外住户，可用 gis-planner site 求所需处数。" if ctx.zh
             else "Sites needed are given for the categories sited in this run; for the others the households "
                  "outside the circle are listed (gis-planner site finds how many sites they need).")
    return Section("actions", t("actions", lang), (t("actions_intro", lang), walk, sited), tuple(tables))


def _data_section(results: PlanResults, lang: Lang) -> Section:
    """数据问题: what limits the answer, with counts and what to fix (always present)."""
    zh = lang == "zh"
    reach = results.reach
    hh = reach.households
    hcol = reach.households_col
    rows: list[tuple[str, str, str]] = []
    if SNAPPED in hh.columns:
        off = hh[~hh[SNAPPED].astype(bool)]
        rows.append(("不在路网上的小区（超出吸附距离）" if zh else "Compounds not on the network (beyond snapping)",
                     f"{len(off)} / {_num(off[hcol].sum())} {'户' if zh else 'households'}",
                     "补充通往这些小区的道路或出入口" if zh else "add the roads or gates reaching them"))
    nod = _no_data_categories(results)
    listed = ("、" if zh else ", ").join(label(c, lang) for c in nod)
    rows.append(("没有输入设施的类别（记为无数据，不是 0%）" if zh else "Categories with no input facility "
                 "(no data, never 0 %)", f"{len(nod)}" + (f": {listed}" if nod else ""),
                 "补充这些类别的设施点" if zh else "supply facilities of these categories"))
    dropped = results.inputs.network.dropped_components
    n_comp = len(dropped)
    near = 0
    if n_comp:
        import shapely

        pts = shapely.points(dropped["x"].to_numpy(float), dropped["y"].to_numpy(float))
        tol = float(reach.snap_tolerance_m)
        near = int(sum(bool(shapely.dwithin(g, pts, tol).any()) for g in hh.geometry))
    rows.append(("路网中被剔除的孤立小片及其吸附距离内的小区" if zh else
                 "Small network components left out, and compounds within snapping distance of them",
                 f"{n_comp} / {near}", "检查这些路段是否与主路网相连" if zh else
                 "check whether they connect to the network"))
    audit = results.inputs.facility_audit
    if audit is not None and "status" in audit.columns:
        gone = audit[audit["status"].astype(str) != "kept"]
        by = gone["reason"].astype(str).value_counts() if "reason" in gone.columns else pd.Series(dtype=int)
        detail = "; ".join(f"{k}: {v}" for k, v in by.items() if k)
        rows.append(("读入时剔除的设施" if zh else "Facilities dropped on reading",
                     f"{len(gone)} / {len(audit)}" + (f" ({detail})" if detail else ""),
                     "按原因修正类别或坐标后重算" if zh else "fix their category or coordinates and run again"))
    fac = reach.facilities
    if "excluded_reason" in fac.columns:
        ex = fac[fac["excluded_reason"].astype(str).str.len() > 0]
        rows.append(("未能吸附到路网的设施" if zh else "Facilities not snapped to the network", f"{len(ex)}",
                     "核对坐标系（GCJ-02/BD-09 需声明）和位置" if zh else
                     "check the declared coordinate system (GCJ-02/BD-09) and the positions"))
    frame = pd.DataFrame(rows, columns=[t("problem", lang), t("count", lang), t("fix", lang)])
    return Section("data_problems", t("data_problems", lang), (t("data_problems_intro", lang),),
                   (Table("data_problems", t("data_problems", lang), frame),))
