"""Scenario comparison: two runs of the same study area side by side.

:func:`compare_runs` compares what :func:`gis_planner.io.runs.read_run` read from two output
folders of ``gis-planner report`` (before and after new sites, two walking speeds …):
coverage per category and per sub-district (街道) in A and B, the compounds that gained or
lost coverage of each category, and the plan indicators whose status changed.
:func:`build_comparison_report` turns that into a :class:`~gis_planner.report.model.Report`
rendered by :mod:`gis_planner.report.render`; :func:`write_comparison_outputs` writes the
report, the difference map and the changed compounds into one folder, all or nothing.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from gis_planner import __version__
from gis_planner._errors import InputDataError
from gis_planner.categories import label
from gis_planner.report.i18n import Lang, check_lang, t
from gis_planner.report.model import STATUS_KEYS, Report, Section, Table

if TYPE_CHECKING:
    from gis_planner.io.runs import RunOutputs

logger = logging.getLogger(__name__)

#: Files :func:`write_comparison_outputs` writes into its folder.
COMPARISON_FILES = ("report.html", "report.md", "report.xlsx", "map.html", "comparison.gpkg")

#: The change of one compound for one category, from run A to run B.
CHANGES = ("gained", "lost", "covered", "uncovered")

#: Two runs describe the same study area when the compounds they share hold at least this
#: share of each run's households (our own reading: a scenario may add or drop some
#: compounds, not half of the area).
MIN_SHARED_HOUSEHOLDS_SHARE = 0.5

TEXT: dict[str, dict[str, str]] = {
    "title": {"zh": "方案比较：{a} 与 {b}", "en": "Scenario comparison: {a} and {b}"},
    "runs": {"zh": "比较的两次运行", "en": "The runs compared"},
    "run_a": {"zh": "方案 A：{name}（{n} 个小区，{hh} 户）",
              "en": "Run A: {name} ({n} compounds, {hh} households)"},
    "run_b": {"zh": "方案 B：{name}（{n} 个小区，{hh} 户）",
              "en": "Run B: {name} ({n} compounds, {hh} households)"},
    "shared": {"zh": "两次运行共有 {n} 个小区（坐标系 {crs}）；住户增减只统计共有小区。",
               "en": "{n} compounds appear in both runs (CRS {crs}); households gained and lost "
                     "count these compounds only."},
    "only": {"zh": "仅在方案 {run} 中出现的小区：{ids}",
             "en": "Compounds only in run {run}: {ids}"},
    "only_cats": {"zh": "仅在方案 {run} 中计算的设施类别：{cats}",
                  "en": "Categories computed only in run {run}: {cats}"},
    "coverage": {"zh": "各类设施步行覆盖率：A 与 B", "en": "Coverage per category: A and B"},
    "coverage_intro": {
        "zh": "覆盖率按各方案自身的住户数计算；“获得”指在 A 中不可达、在 B 中可达的小区住户，"
              "“失去”相反（按各自方案的住户数）。",
        "en": "Shares use each run's own households; 'gained' are households of compounds not "
              "covered in A and covered in B, 'lost' the reverse (each with its run's "
              "households)."},
    "subdistricts": {"zh": "各街道覆盖率：A 与 B", "en": "Coverage per sub-district: A and B"},
    "subdistricts_absent": {"zh": "两次运行的结果中没有街道代码，无法分街道比较。",
                            "en": "The runs hold no sub-district codes; no per-sub-district "
                                  "comparison."},
    "compounds": {"zh": "覆盖发生变化的小区", "en": "Compounds whose coverage changed"},
    "compounds_none": {"zh": "没有小区的覆盖状态发生变化。",
                       "en": "No compound's coverage changed."},
    "indicators": {"zh": "达标状态发生变化的指标", "en": "Indicators whose status changed"},
    "indicators_none": {"zh": "共比较 {n} 条指标，没有指标的达标状态发生变化。",
                        "en": "{n} indicators compared; none changed status."},
    "indicators_some": {"zh": "共比较 {n} 条指标，其中 {k} 条达标状态发生变化。",
                        "en": "{n} indicators compared; {k} changed status."},
    "indicators_absent": {"zh": "至少一次运行的报告中没有指标核查表，未比较指标。",
                          "en": "At least one run's report has no compliance table; indicators "
                                "were not compared."},
    "col_subdistrict": {"zh": "街道", "en": "Sub-district"},
    "col_code": {"zh": "代码", "en": "Code"},
    "col_share_a": {"zh": "A 覆盖率", "en": "A share"},
    "col_share_b": {"zh": "B 覆盖率", "en": "B share"},
    "col_change_pp": {"zh": "变化（百分点）", "en": "Change (points)"},
    "col_covered_a": {"zh": "A 覆盖住户", "en": "A households covered"},
    "col_covered_b": {"zh": "B 覆盖住户", "en": "B households covered"},
    "col_gained_hh": {"zh": "获得覆盖住户", "en": "Households gained"},
    "col_lost_hh": {"zh": "失去覆盖住户", "en": "Households lost"},
    "col_gained_n": {"zh": "获得覆盖小区", "en": "Compounds gained"},
    "col_lost_n": {"zh": "失去覆盖小区", "en": "Compounds lost"},
    "col_compound": {"zh": "小区", "en": "Compound"},
    "col_gained_cats": {"zh": "新获得的设施", "en": "Categories gained"},
    "col_lost_cats": {"zh": "失去的设施", "en": "Categories lost"},
    "col_status_a": {"zh": "A 状态", "en": "A status"},
    "col_status_b": {"zh": "B 状态", "en": "B status"},
    "col_value_a": {"zh": "A 现状值", "en": "A value"},
    "col_value_b": {"zh": "B 现状值", "en": "B value"},
    "kn_run_a": {"zh": "方案 A", "en": "Run A"},
    "kn_run_b": {"zh": "方案 B", "en": "Run B"},
    "kn_shared": {"zh": "共有小区（个）", "en": "Compounds in both"},
    "kn_down": {"zh": "覆盖率下降的设施类别", "en": "Categories with lower coverage in B"},
    "kn_up": {"zh": "覆盖率上升的设施类别", "en": "Categories with higher coverage in B"},
    "kn_lost_any": {"zh": "失去至少一类设施覆盖的住户", "en": "Households losing any category"},
    "kn_gained_any": {"zh": "获得至少一类设施覆盖的住户", "en": "Households gaining any category"},
    "kn_indicators": {"zh": "达标状态变化的指标（条）", "en": "Indicators changing status"},
    "gained": {"zh": "获得覆盖", "en": "gained"},
    "lost": {"zh": "失去覆盖", "en": "lost"},
    "covered": {"zh": "两方案均覆盖", "en": "covered in both"},
    "uncovered": {"zh": "两方案均未覆盖", "en": "covered in neither"},
    "map_title": {"zh": "覆盖变化图：{a} → {b}", "en": "Coverage change: {a} → {b}"},
}


def text(key: str, lang: Lang, **fmt: object) -> str:
    """The comparison string ``key`` in ``lang``, formatted with ``fmt``."""
    s = TEXT[key][lang]
    return s.format(**fmt) if fmt else s


@dataclass(frozen=True)
class RunComparison:
    """Two runs compared (see :func:`compare_runs`).

    Attributes
    ----------
    name_a, name_b
        The runs' names (their folder names).
    categories
        Categories computed in both runs, in run A's column order.
    coverage
        One row per category: ``households_a``, ``covered_a``, ``share_a`` (0-1), the same for
        B, ``change_pp`` (B - A, percentage points), ``gained_households``,
        ``lost_households``, ``gained_compounds``, ``lost_compounds``.
    subdistricts
        One row per sub-district and category (``subdistrict_code``, ``name``, ``category``,
        ``share_a``, ``share_b``, ``change_pp``); empty when the runs hold no codes.
    compounds
        The compounds of both runs (index ``compound_id``, run B's geometry and CRS): ``name``,
        ``households`` (run B's), ``subdistrict_code`` and, per category ``<c>``,
        ``<c>_change`` (one of :data:`CHANGES`).
    indicators
        The city-wide indicators of both reports (plan indicators, then national-standard
        checks), matched by their text (by their row when the reports' languages differ):
        ``indicator``, ``value_a``, ``status_a``,
        ``value_b``, ``status_b`` (``pass``/``fail``/``not assessable``), ``changed`` (bool);
        None when either run's report has no indicator table.
    only_a, only_b
        Compound ids found in one run only; ``categories_only_a``, ``categories_only_b`` the
        same for categories.
    crs
        The CRS both runs share.
    boundaries
        Run B's sub-district boundaries (``subdistricts`` layer) for the map, None without.
    """

    name_a: str
    name_b: str
    categories: tuple[str, ...]
    coverage: pd.DataFrame
    subdistricts: pd.DataFrame
    compounds: gpd.GeoDataFrame
    indicators: pd.DataFrame | None
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]
    categories_only_a: tuple[str, ...]
    categories_only_b: tuple[str, ...]
    crs: object
    boundaries: gpd.GeoDataFrame | None = None


def _categories(homes: gpd.GeoDataFrame) -> list[str]:
    """Categories with a headline flag ``<c>_covered`` and a distance ``<c>_dist_m``."""
    return [c[: -len("_covered")] for c in homes.columns
            if c.endswith("_covered") and f"{c[: -len('_covered')]}_dist_m" in homes.columns]


def _flags(homes: gpd.GeoDataFrame, cat: str, what: str) -> pd.Series:
    col = homes[f"{cat}_covered"]
    if col.dtype == bool:
        return col
    values = col.map({True: True, False: False, "1": True, "0": False,
                      "true": True, "false": False, "True": True, "False": False})
    if values.isna().any():
        bad = col[values.isna()].head(3).astype(str).tolist()
        raise InputDataError(f"{what}: column '{cat}_covered' holds {', '.join(bad)}; expected "
                             "true/false.")
    return values.astype(bool)


def _households(homes: gpd.GeoDataFrame, what: str) -> pd.Series:
    hh = pd.to_numeric(homes["households"], errors="coerce")
    if hh.isna().any() or (hh < 0).any():
        bad = homes.index[hh.isna() | (hh < 0)][:3]
        raise InputDataError(f"{what}: column 'households' is missing or negative for compound(s) "
                             f"{', '.join(map(str, bad))}; expected counts >= 0.")
    return hh.astype(float)


def _check_same_area(a: RunOutputs, b: RunOutputs, hh_a: pd.Series, hh_b: pd.Series) -> None:
    """Refuse two runs of different coordinate systems or study areas (one line)."""
    ha, hb = a.households, b.households
    if not ha.crs.equals(hb.crs):
        raise InputDataError(
            f"{b.folder}: results are in {hb.crs.to_string()}, {a.folder} in {ha.crs.to_string()}; "
            "runs of different coordinate systems or study areas cannot be compared.")
    ax0, ay0, ax1, ay1 = ha.total_bounds
    bx0, by0, bx1, by1 = hb.total_bounds
    shared = ha.index.intersection(hb.index)
    share_a = hh_a.loc[shared].sum() / max(hh_a.sum(), 1.0)
    share_b = hh_b.loc[shared].sum() / max(hh_b.sum(), 1.0)
    disjoint = ax1 < bx0 or bx1 < ax0 or ay1 < by0 or by1 < ay0
    if disjoint or min(share_a, share_b) < MIN_SHARED_HOUSEHOLDS_SHARE:
        why = ("their compounds do not overlap" if disjoint else
               f"the compounds they share hold {share_a:.0%} of A's and {share_b:.0%} of B's "
               f"households (at least {MIN_SHARED_HOUSEHOLDS_SHARE:.0%} expected)")
        raise InputDataError(f"{a.folder} and {b.folder} cover different study areas ({why}); "
                             "compare two runs of the same area.")


def _indicator_sheets(run: RunOutputs) -> tuple[str, list[pd.DataFrame]]:
    """The report language and the indicator tables of a run's report (plan indicators and
    national-standard checks), found by their columns in either language: ``kind`` (``plan``
    or ``standard``), ``indicator``, ``value``, ``status`` (``pass``/``fail``/``not
    assessable``), ``source``."""
    for lg in ("zh", "en"):
        names = [t(k, lg) for k in ("indicator", "value", "target", "status", "source")]
        status_of = {t(s, lg): s for s in STATUS_KEYS}
        found: list[pd.DataFrame] = []
        for sheet in run.sheets.values():
            cols = [str(c) for c in sheet.columns]
            if not all(n in cols for n in names) or t("community", lg) in cols:
                continue
            frame = sheet[[names[0], names[1], names[3], names[4]]].fillna("").astype(str)
            frame.columns = ["indicator", "value", "status", "source"]
            frame["status"] = [status_of.get(v, v) for v in frame["status"]]
            kind = "plan" if t("unit", lg) in cols else "standard"  # standards: no unit
            frame["kind"] = f"{kind}{sum(f['kind'].iloc[0].startswith(kind) for f in found if len(f))}"
            found.append(frame.reset_index(drop=True))
        if found:
            return lg, found
    return "", []


def _keyed(frames: list[pd.DataFrame], by: str) -> pd.DataFrame:
    """The indicator rows with a matching ``key``: kind plus ``by`` (``indicator`` or ``row``)
    and the occurrence of that value."""
    out = []
    for f in frames:
        f = f.assign(row=np.arange(len(f)).astype(str))
        f["key"] = f["kind"] + "#" + f[by] + "#" + f.groupby(by).cumcount().astype(str)
        out.append(f)
    return pd.concat(out, ignore_index=True)


def _indicators(a: RunOutputs, b: RunOutputs) -> pd.DataFrame | None:
    """Indicators of both reports side by side: matched by their text when both reports are in
    one language, else by their row in the same table (one profile lists them in one order)."""
    lang_a, ta = _indicator_sheets(a)
    lang_b, tb = _indicator_sheets(b)
    if not ta or not tb:
        return None
    by = "indicator" if lang_a == lang_b else "row"
    m = _keyed(ta, by).merge(_keyed(tb, by), on="key", how="outer", suffixes=("_a", "_b"),
                             sort=False)
    out = pd.DataFrame({
        "indicator": m["indicator_a"].fillna(m["indicator_b"]),
        "value_a": m["value_a"].fillna("–"), "status_a": m["status_a"].fillna("–"),
        "value_b": m["value_b"].fillna("–"), "status_b": m["status_b"].fillna("–"),
    })
    out["changed"] = out["status_a"] != out["status_b"]
    return out.reset_index(drop=True)


def compare_runs(a: RunOutputs, b: RunOutputs) -> RunComparison:
    """Compare two runs of the same study area (pure: nothing is read or written).

    Parameters
    ----------
    a, b
        Two runs read with :func:`gis_planner.io.runs.read_run`; B is the scenario compared
        with A (the changes are from A to B).

    Returns
    -------
    RunComparison
        Coverage per category and per sub-district in A and B, per compound and category the
        change (gained, lost, covered in both, covered in neither), and the indicators.

    Raises
    ------
    InputDataError
        Runs in different CRSs, of different study areas (their compounds do not overlap, or
        the shared compounds hold less than :data:`MIN_SHARED_HOUSEHOLDS_SHARE` of either
        run's households), with no category in common, or with unreadable flags or counts.
    """
    what_a = f"{a.folder} [layer=households]"
    what_b = f"{b.folder} [layer=households]"
    ha, hb = a.households, b.households
    hh_a, hh_b = _households(ha, what_a), _households(hb, what_b)
    _check_same_area(a, b, hh_a, hh_b)
    cats_a, cats_b = _categories(ha), _categories(hb)
    cats = [c for c in cats_a if c in cats_b]
    if not cats:
        raise InputDataError(f"{a.folder} and {b.folder} have no facility category in common "
                             "(columns <category>_covered); compare two runs of the same plan.")
    shared = hb.index[hb.index.isin(ha.index)]
    rows = []
    changes: dict[str, pd.Series] = {}
    for c in cats:
        fa, fb = _flags(ha, c, what_a), _flags(hb, c, what_b)
        sa, sb = fa.loc[shared].to_numpy(), fb.loc[shared].to_numpy()
        gained, lost = ~sa & sb, sa & ~sb
        change = np.select([gained, lost, sa & sb], ["gained", "lost", "covered"], "uncovered")
        changes[f"{c}_change"] = pd.Series(change, index=shared)
        share_a = float((hh_a * fa).sum() / max(hh_a.sum(), 1.0))
        share_b = float((hh_b * fb).sum() / max(hh_b.sum(), 1.0))
        rows.append({"category": c, "households_a": hh_a.sum(), "covered_a": float((hh_a * fa).sum()),
                     "share_a": share_a, "households_b": hh_b.sum(),
                     "covered_b": float((hh_b * fb).sum()), "share_b": share_b,
                     "change_pp": 100 * (share_b - share_a),
                     "gained_households": float(hh_b.loc[shared][gained].sum()),
                     "lost_households": float(hh_a.loc[shared][lost].sum()),
                     "gained_compounds": int(gained.sum()), "lost_compounds": int(lost.sum())})
    coverage = pd.DataFrame(rows)
    keep = [col for col in ("name", "subdistrict_code", "community_code") if col in hb.columns]
    compounds = gpd.GeoDataFrame(
        hb.loc[shared, keep].assign(households=hh_b.loc[shared], **changes),
        geometry=hb.geometry.loc[shared], crs=hb.crs)
    return RunComparison(
        name_a=a.folder.name or str(a.folder), name_b=b.folder.name or str(b.folder),
        categories=tuple(cats), coverage=coverage,
        subdistricts=_by_subdistrict(a, b, cats, hh=(hh_a, hh_b), what=(what_a, what_b)),
        compounds=compounds, indicators=_indicators(a, b),
        only_a=tuple(map(str, ha.index.difference(hb.index))),
        only_b=tuple(map(str, hb.index.difference(ha.index))),
        categories_only_a=tuple(c for c in cats_a if c not in cats_b),
        categories_only_b=tuple(c for c in cats_b if c not in cats_a), crs=hb.crs,
        boundaries=b.boundaries.get("subdistricts"))


def _by_subdistrict(a: RunOutputs, b: RunOutputs, cats: list[str], *,
                    hh: tuple[pd.Series, pd.Series], what: tuple[str, str]) -> pd.DataFrame:
    """Coverage share per sub-district code and category in A and B."""
    hh_a, hh_b = hh
    what_a, what_b = what
    cols = ["subdistrict_code", "name", "category", "share_a", "share_b", "change_pp"]
    ha, hb = a.households, b.households
    if "subdistrict_code" not in ha.columns or "subdistrict_code" not in hb.columns:
        return pd.DataFrame(columns=cols)
    names: dict[str, str] = {}
    for run in (a, b):
        subs = run.boundaries.get("subdistricts")
        if subs is not None and {"subdistrict_code", "name"} <= set(subs.columns):
            names.update(zip(subs["subdistrict_code"].astype(str), subs["name"].astype(str), strict=True))
    code_a = ha["subdistrict_code"].astype(str)
    code_b = hb["subdistrict_code"].astype(str)
    codes = sorted(set(code_a.dropna()) | set(code_b.dropna()))
    rows = []
    for c in cats:
        cov_a = (hh_a * _flags(ha, c, what_a)).groupby(code_a).sum()
        cov_b = (hh_b * _flags(hb, c, what_b)).groupby(code_b).sum()
        tot_a, tot_b = hh_a.groupby(code_a).sum(), hh_b.groupby(code_b).sum()
        for code in codes:
            sa = cov_a.get(code, np.nan) / tot_a[code] if tot_a.get(code, 0) > 0 else np.nan
            sb = cov_b.get(code, np.nan) / tot_b[code] if tot_b.get(code, 0) > 0 else np.nan
            rows.append({"subdistrict_code": code, "name": names.get(code, ""), "category": c,
                         "share_a": sa, "share_b": sb, "change_pp": 100 * (sb - sa)})
    return pd.DataFrame(rows, columns=cols)


# ------------------------------------------------------------------ the report
def _pct(x: float) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{100 * x:.1f}%"


def _pp(x: float) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:+.1f}"


def _count(x: float) -> str:
    return f"{x:,.0f}"


def _ids(ids: tuple[str, ...], n: int = 20) -> str:
    return ", ".join(ids[:n]) + (f" … (+{len(ids) - n})" if len(ids) > n else "")


def households_changed(comp: RunComparison, change: str) -> float:
    """Households (run B's counts) of the compounds with ``change`` (``gained``/``lost``) in at
    least one category."""
    cols = [f"{c}_change" for c in comp.categories]
    mask = (comp.compounds[cols] == change).any(axis=1)
    return float(comp.compounds.loc[mask, "households"].sum())


def build_comparison_report(comp: RunComparison, *, lang: str = "zh") -> Report:
    """The comparison as a :class:`~gis_planner.report.model.Report` (pure).

    Parameters
    ----------
    comp
        See :func:`compare_runs`.
    lang
        ``zh`` (default) or ``en``.

    Returns
    -------
    Report
        Key numbers, then the runs compared, coverage per category, per sub-district, the
        compounds whose coverage changed and the indicators whose status changed. Render it with
        :mod:`gis_planner.report.render`.
    """
    lg = check_lang(lang)
    cov = comp.coverage
    kn = [(text("kn_run_a", lg), comp.name_a), (text("kn_run_b", lg), comp.name_b),
          (text("kn_shared", lg), _count(len(comp.compounds))),
          (text("kn_down", lg), f"{int((cov['change_pp'] < 0).sum())} / {len(cov)}"),
          (text("kn_up", lg), f"{int((cov['change_pp'] > 0).sum())} / {len(cov)}"),
          (text("kn_lost_any", lg), _count(households_changed(comp, "lost"))),
          (text("kn_gained_any", lg), _count(households_changed(comp, "gained")))]
    if comp.indicators is not None:
        kn.append((text("kn_indicators", lg),
                   f"{int(comp.indicators['changed'].sum())} / {len(comp.indicators)}"))
    paras = [text("run_a", lg, name=comp.name_a, n=_count(len(comp.compounds) + len(comp.only_a)),
                  hh=_count(cov["households_a"].iloc[0])),
             text("run_b", lg, name=comp.name_b, n=_count(len(comp.compounds) + len(comp.only_b)),
                  hh=_count(cov["households_b"].iloc[0])),
             text("shared", lg, n=_count(len(comp.compounds)),
                  crs=getattr(comp.crs, "name", str(comp.crs)))]
    for run, ids in (("A", comp.only_a), ("B", comp.only_b)):
        if ids:
            paras.append(text("only", lg, run=run, ids=_ids(ids)))
    for run, cats in (("A", comp.categories_only_a), ("B", comp.categories_only_b)):
        if cats:
            paras.append(text("only_cats", lg, run=run, cats=", ".join(label(c, lg) for c in cats)))
    sections = [Section("runs", text("runs", lg), tuple(paras))]

    order = cov.sort_values("change_pp", kind="stable")
    frame = pd.DataFrame({
        t("category", lg): [label(c, lg) for c in order["category"]],
        text("col_covered_a", lg): [_count(v) for v in order["covered_a"]],
        text("col_share_a", lg): [_pct(v) for v in order["share_a"]],
        text("col_covered_b", lg): [_count(v) for v in order["covered_b"]],
        text("col_share_b", lg): [_pct(v) for v in order["share_b"]],
        text("col_change_pp", lg): [_pp(v) for v in order["change_pp"]],
        text("col_gained_hh", lg): [_count(v) for v in order["gained_households"]],
        text("col_lost_hh", lg): [_count(v) for v in order["lost_households"]],
        text("col_gained_n", lg): order["gained_compounds"].astype(int).to_list(),
        text("col_lost_n", lg): order["lost_compounds"].astype(int).to_list(),
    })
    sections.append(Section("coverage", text("coverage", lg), (text("coverage_intro", lg),),
                            (Table("coverage", text("coverage", lg), frame),)))

    sd = comp.subdistricts
    if len(sd):
        sf = pd.DataFrame({
            text("col_subdistrict", lg): sd["name"].astype(str).to_list(),
            text("col_code", lg): sd["subdistrict_code"].astype(str).to_list(),
            t("category", lg): [label(c, lg) for c in sd["category"]],
            text("col_share_a", lg): [_pct(v) for v in sd["share_a"]],
            text("col_share_b", lg): [_pct(v) for v in sd["share_b"]],
            text("col_change_pp", lg): [_pp(v) for v in sd["change_pp"]],
        })
        sections.append(Section("subdistricts", text("subdistricts", lg), (),
                                (Table("subdistricts", text("subdistricts", lg), sf),)))
    else:
        sections.append(Section("subdistricts", text("subdistricts", lg),
                                (text("subdistricts_absent", lg),)))

    cp = comp.compounds
    cols = [f"{c}_change" for c in comp.categories]
    changed = cp[(cp[cols] == "gained").any(axis=1) | (cp[cols] == "lost").any(axis=1)]
    if len(changed):
        def cats_with(row: pd.Series, change: str) -> str:
            return ", ".join(label(c, lg) for c in comp.categories if row[f"{c}_change"] == change)

        changed = changed.sort_values("households", ascending=False, kind="stable")
        cf = pd.DataFrame({
            text("col_compound", lg): [str(i) for i in changed.index],
            t("name", lg): changed["name"].astype(str).to_list() if "name" in changed else "",
            t("households", lg): [_count(v) for v in changed["households"]],
            text("col_gained_cats", lg): [cats_with(r, "gained") for _, r in changed.iterrows()],
            text("col_lost_cats", lg): [cats_with(r, "lost") for _, r in changed.iterrows()],
        })
        sections.append(Section("compounds", text("compounds", lg), (),
                                (Table("compounds", text("compounds", lg), cf),)))
    else:
        sections.append(Section("compounds", text("compounds", lg), (text("compounds_none", lg),)))

    ind = comp.indicators
    if ind is None:
        sections.append(Section("indicators", text("indicators", lg), (text("indicators_absent", lg),)))
    else:
        ch = ind[ind["changed"]]
        if not len(ch):
            sections.append(Section("indicators", text("indicators", lg),
                                    (text("indicators_none", lg, n=len(ind)),)))
        else:
            def status(s: str) -> str:
                return t(s, lg) if s in STATUS_KEYS else s

            itab = pd.DataFrame({
                t("indicator", lg): ch["indicator"].to_list(),
                text("col_value_a", lg): ch["value_a"].to_list(),
                text("col_status_a", lg): [status(s) for s in ch["status_a"]],
                text("col_value_b", lg): ch["value_b"].to_list(),
                text("col_status_b", lg): [status(s) for s in ch["status_b"]],
            })
            sections.append(Section("indicators", text("indicators", lg),
                                    (text("indicators_some", lg, n=len(ind), k=len(ch)),),
                                    (Table("indicators", text("indicators", lg), itab),)))
    return Report(title=text("title", lg, a=comp.name_a, b=comp.name_b), lang=lg,
                  key_numbers=tuple(kn), sections=tuple(sections),
                  footer=t("generated", lg, version=__version__))


def write_comparison_outputs(comp: RunComparison, out: str | os.PathLike[str], *,
                             lang: str = "zh", map_html: str | None = None,
                             overwrite: bool = False) -> list[Path]:
    """Write the comparison into ``out``: ``report.html``, ``report.md``, ``report.xlsx``,
    ``map.html`` (the difference map, when given) and ``comparison.gpkg`` (layer
    ``compounds``: the change per category), all or nothing.

    Parameters
    ----------
    comp
        See :func:`compare_runs`.
    out
        Output folder (created when missing).
    lang
        ``zh`` (default) or ``en``.
    map_html
        The page of the difference map,
        :func:`gis_planner.maps.compare.compare_map_html` (``map.html``); None writes none.
    overwrite
        Replace the files of an earlier comparison.

    Returns
    -------
    list of Path
        The written files, in :data:`COMPARISON_FILES` order.

    Raises
    ------
    InputDataError
        ``out`` holds an earlier comparison and ``overwrite`` is false.
    """
    from gis_planner._fs import atomic_dir
    from gis_planner.io.write import write_layers
    from gis_planner.report import render

    lg = check_lang(lang)
    out = Path(out)
    clashes = [f for f in COMPARISON_FILES if (out / f).exists()]
    if clashes and not overwrite:
        raise InputDataError(f"{out}: would overwrite {', '.join(clashes)}; pass --overwrite "
                             "or choose another --out.")
    report = build_comparison_report(comp, lang=lg)
    with atomic_dir(out, overwrite=overwrite) as tmp:
        (tmp / "report.html").write_text(render.render_html(report), encoding="utf-8")
        (tmp / "report.md").write_text(render.render_markdown(report), encoding="utf-8")
        render.write_xlsx(report, tmp / "report.xlsx")
        if map_html is not None:
            (tmp / "map.html").write_text(map_html, encoding="utf-8")
        write_layers(tmp / "comparison.gpkg", {"compounds": comp.compounds})
    written = [f for f in COMPARISON_FILES if map_html is not None or f != "map.html"]
    logger.info("wrote %s into %s", ", ".join(written), out)
    return [out / f for f in written]


def default_category(comp: RunComparison) -> str:
    """The category with the most households lost, else gained, else the first compared."""
    cov = comp.coverage
    for col in ("lost_households", "gained_households"):
        if (cov[col] > 0).any():
            return str(cov["category"].to_numpy()[int(np.argmax(cov[col].to_numpy()))])
    return comp.categories[0]
