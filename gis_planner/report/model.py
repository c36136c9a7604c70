"""Report objects: :func:`build_report` turns plan results into a :class:`Report` (pure).

A report is a title, the key numbers, and sections of paragraphs, tables and charts; the
renderers (:mod:`gis_planner.report.render`) turn it into Markdown, HTML, Excel or Word.
Every user string stays raw here; renderers escape it for their format.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from gis_planner import __version__
from gis_planner.categories import label
from gis_planner.report.i18n import STRINGS, Lang, check_lang, t

STATUS_KEYS = ("pass", "fail", "not assessable")


@dataclass(frozen=True)
class Table:
    """A titled table; ``frame`` holds display strings/numbers with display column names."""

    key: str
    title: str
    frame: pd.DataFrame


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


def frame_of(obj: Any) -> pd.DataFrame | None:
    """A result as a frame: itself, or its ``table``/``communities``/``proposals`` frame."""
    if obj is None or isinstance(obj, pd.DataFrame):
        return obj
    for attr in ("table", "communities", "frame", "proposals"):
        val = getattr(obj, attr, None)
        if isinstance(val, pd.DataFrame):
            return val
    return None


def _get(results: Any, *names: str) -> Any:
    for n in names:
        v = getattr(results, n, None)
        if v is not None:
            return v
    return None


def _coverage_section(results: Any, lang: Lang) -> Section | None:
    from gis_planner.report.charts import coverage_bar_chart

    cov = _get(results, "coverage")
    reach = _get(results, "reach")
    if cov is None or reach is None:
        return None
    cov = cov[cov["group"] == cov["group"].iloc[0]] if "group" in cov.columns else cov
    cov = cov.sort_values("covered_share", ascending=False)
    speed = float(reach.speed_kmh)
    frame = pd.DataFrame({
        t("category", lang): [label(c, lang) for c in cov["category"]],
        t("limit_m", lang): [_num(v) for v in cov["limit_m"]],
        t("limit_min", lang): [f"{v / (speed * 1000 / 60):.1f}" for v in cov["limit_m"]],
        t("households", lang): [_num(v) for v in cov["households"]],
        t("covered_households", lang): [_num(v) for v in cov["covered_households"]],
        t("covered_share", lang): [_pct(v) for v in cov["covered_share"]],
    })
    png = coverage_bar_chart([label(c, lang) for c in cov["category"]],
                             list(cov["covered_share"].astype(float)),
                             title=t("chart_coverage_title", lang),
                             xlabel=t("covered_share", lang) + " (%)")
    return Section("coverage", t("coverage", lang), (t("coverage_intro", lang),),
                   (Table("coverage", t("coverage", lang), frame),),
                   (Chart("coverage_chart", t("chart_coverage_title", lang), png),))


def _worst_section(results: Any, lang: Lang) -> Section | None:
    reach = _get(results, "reach")
    if reach is None:
        return None
    from gis_planner.coverage import worst_served

    w = worst_served(reach, n=10, lang=lang)
    hh_col = reach.households_col
    frame = pd.DataFrame({
        "id": [str(i) for i in w.index],
        t("name", lang): w["name"].astype(str).to_list() if "name" in w else [""] * len(w),
        t("households", lang): [_num(v) for v in w[hh_col]],
        t("completeness", lang): [_pct(v) for v in w["completeness"]],
        t("missing", lang): w["missing"].astype(str).to_list(),
    })
    return Section("worst", t("worst", lang), (), (Table("worst", t("worst", lang), frame),))


def _community_section(results: Any, lang: Lang) -> Section:
    obj = _get(results, "community_check")
    chk = frame_of(obj)
    if chk is None or chk.empty:
        return Section("communities", t("communities", lang), (t("communities_absent", lang),))
    chk = chk.reset_index() if "community_code" not in chk.columns else chk
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
    changes = getattr(obj, "changes", None)
    if not isinstance(changes, pd.DataFrame):
        changes = frame_of(_get(results, "community_proposals"))
    if isinstance(changes, pd.DataFrame) and not changes.empty:
        ch = changes.reset_index() if "community_code" not in changes.columns else changes
        if zh and "reason_zh" in ch.columns:
            ch = ch.assign(reason=ch["reason_zh"])
        cols = {"community_code": t("community", lang), "status": t("status", lang),
                "action": "建议" if zh else "Action", "result": "结果社区" if zh else "Result",
                "reason": t("reason", lang)}
        pf = pd.DataFrame({name: ch[c].astype(str).to_list() for c, name in cols.items()
                           if c in ch.columns})
        act = "建议" if zh else "Action"
        if act in pf.columns:
            pf[act] = [t(f"action_{a}", lang) if f"action_{a}" in STRINGS else a
                       for a in pf[act]]
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
    return Section("communities", t("communities", lang), (), tuple(tables))


def _siting_table(res: Any, lang: Lang, key: str, title: str) -> Table:
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


def new_sites(res: Any) -> pd.DataFrame:
    """The newly proposed (not existing) rows of a siting result's ``chosen``."""
    ch = res.chosen
    return ch[~ch["existing"].astype(bool)] if "existing" in ch.columns else ch


def _siting_section(results: Any, lang: Lang) -> Section:
    tables = []
    mclp = _get(results, "siting_mclp", "siting")
    if mclp is not None:
        cat = label(mclp.category, lang) if mclp.category else ""
        tables.append(_siting_table(mclp, lang, "siting_mclp",
                                    t("siting_mclp", lang, cat=cat, n=len(new_sites(mclp)))))
    eld = _get(results, "siting_elderly", "elderly_siting")
    if eld is not None:
        tables.append(_siting_table(eld, lang, "siting_elderly", t("siting_elderly", lang)))
    paras = () if tables else (t("siting_absent", lang),)
    return Section("siting", t("siting", lang), paras, tuple(tables))


def _compliance_section(results: Any, lang: Lang) -> Section | None:
    comp = _get(results, "compliance")
    if comp is None:
        return None
    tab = comp.table
    city = tab[tab["unit_type"] == "city"]
    lab = "label_zh" if lang == "zh" else "label_en"
    frame = pd.DataFrame({
        t("indicator", lang): [
            f"{r[lab]}（{label(r['category'], lang)}）" if r["category"] else str(r[lab])
            for _, r in city.iterrows()],
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


def _method_section(results: Any, lang: Lang) -> Section:
    reach = _get(results, "reach")
    prof = results.profile
    title = prof.title_zh if lang == "zh" else prof.title_en
    paras = [t("m_network", lang)]
    if reach is not None:
        paras.append(t("m_speed", lang, speed=f"{reach.speed_kmh:g}",
                       minutes=f"{reach.headline_minutes:g}"))
    issued = " ".join(x for x in (prof.issuer, prof.doc_number) if x)
    issued = ("，" if lang == "zh" else ", ").join(x for x in (issued, prof.date) if x)
    paras.append(t("m_profile", lang, title=title, id=prof.id, issued=issued))
    if prof.source:
        paras.append(t("m_profile_source", lang, source=prof.source))
    crs = getattr(results.reach, "crs", None) if reach is not None else None
    if crs is not None:
        paras.append(t("m_crs", lang, crs=getattr(crs, "name", str(crs))))
    coords = getattr(results.config, "coords", None) or {}
    gcj = [k for k, v in coords.items() if str(v).lower() == "gcj02"]
    if gcj:
        paras.append(t("m_gcj02", lang, names=", ".join(gcj)))
    inputs = getattr(results, "inputs", None)
    sources = getattr(inputs, "sources", None) or {}
    cfg_inputs = getattr(results.config, "inputs", {}) or {}
    files = sources or {k: getattr(v, "name", str(v)) for k, v in cfg_inputs.items()}
    if files:
        paras.append(t("m_inputs", lang, files="; ".join(f"{k}: {v}" for k, v in files.items())))
    paras.append(t("m_synthetic", lang) if is_synthetic(results) else t("m_households", lang))
    from gis_planner.report.versions import software_versions

    paras.append(t("m_software", lang, versions=", ".join(
        f"{k} {v}" for k, v in software_versions().items())))
    return Section("method", t("method", lang), tuple(paras))


def is_synthetic(results: Any) -> bool:
    """Whether the inputs are the synthetic demo town (the plan says so in its title or files)."""
    cfg = results.config
    text = " ".join(str(getattr(cfg, a, "")) for a in ("title", "name", "source"))
    if any(w in text for w in ("虚构", "synthetic", "demo")):
        return True
    return bool(getattr(cfg, "synthetic_households", False))


def key_numbers(results: Any, lang: Lang) -> list[tuple[str, str]]:
    """The headline figures: households, coverage, communities out of band, sites, failures."""
    out: list[tuple[str, str]] = []
    reach = _get(results, "reach")
    if reach is not None:
        hh = reach.households
        out.append((t("households", lang), _num(hh[reach.households_col].sum())))
        out.append((t("compounds", lang), _num(len(hh))))
        out.append((t("mean_completeness", lang),
                    _pct(float((hh["completeness"] * hh[reach.households_col]).sum()
                               / max(hh[reach.households_col].sum(), 1)))))
        req = list(reach.required_categories)
        if req:
            all_ok = hh[[f"{c}_covered" for c in req]].all(axis=1)
            share = hh.loc[all_ok, reach.households_col].sum() / max(
                hh[reach.households_col].sum(), 1)
            out.append((t("share_all_required", lang), _pct(float(share))))
    cov = _get(results, "coverage")
    if cov is not None and len(cov):
        low = cov.sort_values("covered_share").iloc[0]
        out.append((t("worst_category", lang),
                    f"{label(low['category'], lang)} {_pct(low['covered_share'])}"))
    chk = frame_of(_get(results, "community_check"))
    if chk is not None and "status" in chk.columns:
        out.append((t("communities_out_of_band", lang),
                    f"{int((chk['status'].astype(str) != 'within_band').sum())} / {len(chk)}"))
    n_sites = sum(len(new_sites(r)) for r in (_get(results, "siting_mclp", "siting"),
                                               _get(results, "siting_elderly", "elderly_siting"))
                  if r is not None)
    out.append((t("sites_proposed", lang), str(n_sites)))
    comp = _get(results, "compliance")
    if comp is not None:
        city = comp.table[comp.table["unit_type"] == "city"]
        out.append((t("indicators_failed", lang),
                    f"{int((city['status'] == 'fail').sum())} / {len(city)}"))
    return out


def build_report(results: Any, *, lang: str = "zh") -> Report:
    """Build the report of a plan run (pure: no files are read or written).

    Parameters
    ----------
    results
        A :class:`gis_planner.pipeline.PlanResults`.
    lang
        ``zh`` (default) or ``en``.

    Returns
    -------
    Report
        Key numbers first, then coverage (table + chart), worst-served compounds, community
        sizes, siting with the reason for each site, compliance, and method and assumptions.

    Raises
    ------
    ValueError
        When ``lang`` is neither ``zh`` nor ``en``.
    """
    lg = check_lang(lang)
    sections = [s for s in (_coverage_section(results, lg), _worst_section(results, lg),
                            _community_section(results, lg), _siting_section(results, lg),
                            _compliance_section(results, lg), _method_section(results, lg))
                if s is not None]
    cfg = results.config
    title = str(getattr(cfg, "title", "") or getattr(cfg, "name", "") or "gis_planner")
    return Report(title=title, lang=lg, key_numbers=tuple(key_numbers(results, lg)),
                  sections=tuple(sections), footer=t("generated", lg, version=__version__))
