"""Report-ready tables of the grid results (plain DataFrames, one per section or sheet)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from gis_planner.grids.audit import AuditResult
from gis_planner.grids.crosswalk import CrosswalkResult
from gis_planner.grids.groups import SPECIAL_GROUPS
from gis_planner.grids.partition import GridResult


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(frame.drop(columns=[frame.geometry.name], errors="ignore")
                       if isinstance(frame, gpd.GeoDataFrame) else frame)
    if out.index.name in out.columns:  # a layer that also keeps its id as a column
        out = out.drop(columns=out.index.name)
    return out.reset_index()


def community_summary(result: GridResult) -> pd.DataFrame:
    """One row per community: grids, 微网格, households, grids in/out of band, workers needed,
    the longest walk to a grid centre (m; 0 where every grid is one unit, measured from its own
    point: see :func:`single_unit_walks`) and the special groups."""
    g, m = result.grids, result.micro_grids
    if len(g) == 0:
        return pd.DataFrame(columns=["community_code", "grids", "micro_grids", "households"])
    by = g.groupby("community_code")
    out = pd.DataFrame({
        "grids": by.size(),
        "grids_in_band": by["band_status"].apply(lambda s: int((s == "in_band").sum())),
        "micro_grids": m.groupby("community_code").size() if len(m) else 0,
        "micro_grids_in_band": (m.groupby("community_code")["band_status"].apply(
            lambda s: int((s == "in_band").sum())) if len(m) else 0),
        "households": by["households"].sum(),
        "residents": by["residents"].sum(),
        "grid_workers_needed": by["workers_needed"].sum(),
        "micro_grid_workers_needed": (m.groupby("community_code")["workers_needed"].sum()
                                      if len(m) else 0.0),
        "max_walk_m": by["max_walk_m"].max(),
    })
    for gid in result.groups:
        out[gid] = by[gid].sum()
    out = out.fillna(0)
    out.index.name = "community_code"
    return out.reset_index()


#: Names of the two levels in Chinese and English (singular, plural).
LEVEL_NAMES = {"grid": ("网格", "grid", "grids"), "micro_grid": ("微网格", "micro-grid", "micro-grids")}

#: Why a grid is outside its band (:data:`~gis_planner.grids.partition.BAND_REASONS`), in
#: Chinese and English; ``{min}``/``{max}`` are the band (households), ``{level}`` its level.
REASON_TEXT = {
    "building_over_max": ("单栋楼户数已超过 {max} 户，{level}不拆分楼栋",
                          "a single building of more than {max} households, which a {level} never "
                          "splits"),
    "compound_over_max": ("单个小区户数已超过 {max} 户，且没有可供拆分的楼栋数据",
                          "a single compound of more than {max} households, with no buildings to "
                          "split it by"),
    "ceiling_relaxed": ("启发式求解未找到每个{level}户数都在区间内的分组",
                        "the heuristic solve found no grouping with every {level} within the band"),
    "floor_relaxed": ("小区、楼栋不拆分，求解未找到每个{level}户数都在区间内的分组，已放宽下限",
                      "compounds and buildings are never split, and the solve found no grouping with "
                      "every {level} within the band, so the floor was relaxed"),
}

#: What the longest walk of a community whose every grid is one unit stands for, by kind.
SINGLE_UNIT_TEXT = {"compound": ("各网格均为单一小区", "each grid a single compound"),
                    "building": ("各网格均为单一楼栋", "each grid a single building"),
                    "mixed": ("各网格均为单一小区或楼栋", "each grid a single compound or building")}


def reason_text(reason: str, *, level: str, band_min: int, band_max: int, lang: str = "en") -> str:
    """``band_reason`` in words, in ``lang`` (``zh`` or ``en``); ``""`` for a grid in band.

    Parameters
    ----------
    reason
        One of :data:`~gis_planner.grids.partition.BAND_REASONS`, or ``""``.
    level
        ``grid`` or ``micro_grid``.
    band_min, band_max
        The band, households.
    """
    if not reason:
        return ""
    zh = lang == "zh"
    text = REASON_TEXT[reason][0 if zh else 1]
    return text.format(min=band_min, max=band_max, level=LEVEL_NAMES[level][0 if zh else 1])


def band_exceptions(result: GridResult) -> pd.DataFrame:
    """One row per community, level, band status and reason of the grids outside their band:
    how many (``count``) of the community's grids of that level (``of``), their least and most
    households (``households_min``, ``households_max``) and the band (households)."""
    keys = ["community_code", "level", "band_status", "band_reason", "band_min", "band_max"]
    layers = [pd.DataFrame(layer) for layer in (result.grids, result.micro_grids) if len(layer)]
    if not layers:
        return pd.DataFrame(columns=[*keys, "count", "of", "households_min", "households_max"])
    both = pd.concat([x[[*keys, "households"]] for x in layers], ignore_index=True)
    of = both.groupby(["community_code", "level"]).size().rename("of")
    out = (both[both["band_status"] != "in_band"].groupby(keys)["households"]
           .agg(count="size", households_min="min", households_max="max").reset_index())
    return out.join(of, on=["community_code", "level"])[
        [*keys, "count", "of", "households_min", "households_max"]]


def _band_sentence(row: pd.Series, lang: str) -> str:
    """One row of :func:`band_exceptions` as a sentence: how many grids, how far out, why."""
    zh = lang == "zh"
    names = LEVEL_NAMES[row["level"]]
    n, over = int(row["count"]), row["band_status"] == "over_band"
    why = reason_text(row["band_reason"], level=row["level"], band_min=int(row["band_min"]),
                      band_max=int(row["band_max"]), lang=lang)
    far = int(row["households_max"] if over else row["households_min"])  # the farthest out
    if zh:
        side, most = ("高于上限", "最多") if over else ("低于下限", "最少")
        return f"{n} 个{names[0]}{side}（{most} {far:,} 户）：{why}"
    side, most = ("above the ceiling", "up to") if over else ("below the floor", "as few as")
    return f"{n} {names[1] if n == 1 else names[2]} {side} ({most} {far:,} households): {why}"


def band_notes(result: GridResult, *, level: str = "micro_grid", lang: str = "en") -> pd.DataFrame:
    """One row per community with grids of ``level`` outside their band: the community's grids
    of that level (column ``grids`` or ``micro_grids``), how many are outside
    (``out_of_band``) and why (``note``: a sentence per reason, in ``lang``)."""
    ex = band_exceptions(result)
    ex = ex[ex["level"] == level]
    count = f"{level}s"
    if ex.empty:
        return pd.DataFrame(columns=["community_code", count, "out_of_band", "note"])
    sep = "；" if lang == "zh" else "; "
    rows = [{"community_code": code, count: int(g["of"].iloc[0]), "out_of_band": int(g["count"].sum()),
             "note": sep.join(_band_sentence(r, lang) for _, r in g.iterrows())}
            for code, g in ex.groupby("community_code", sort=True)]
    return pd.DataFrame(rows)


def single_unit_walks(result: GridResult, lang: str = "en") -> pd.Series:
    """Per community whose every grid is one unit, what its longest walk to a grid centre
    (``max_walk_m``, 0 m: each grid is measured from its own unit's point) stands for, in
    ``lang``: ``单一小区`` / ``single compound`` (or building, or both)."""
    g = result.grids
    if len(g) == 0:
        return pd.Series(dtype=object)
    alone = g.groupby("community_code")["units"].max() == 1
    kinds = (g[g["community_code"].isin(alone.index[alone])].groupby("community_code")["buildings"]
             .agg(lambda b: "compound" if (b == 0).all() else "building" if (b > 0).all()
                  else "mixed"))
    return kinds.map(lambda k: SINGLE_UNIT_TEXT[k][0 if lang == "zh" else 1])


def report_tables(result: GridResult, *, audit: AuditResult | None = None,
                  crosswalk: CrosswalkResult | None = None) -> dict[str, pd.DataFrame]:
    """Tables for a report section or workbook, by sheet name.

    Returns
    -------
    dict of str to DataFrame
        ``grid_summary`` (per community), ``grids``, ``micro_grids``, ``band_exceptions``
        (the grids outside their band, per community, level and reason), ``solver``,
        ``grid_settings`` (each number's value, status and source), ``special_groups`` (id ->
        Chinese name, for headers); with ``audit``: ``audit_summary``, ``audit_grids``,
        ``audit_crossings``, ``audit_gaps``, ``audit_overlaps``; with ``crosswalk``:
        ``crosswalk`` (per department grid) and ``crosswalk_pairs``.
    """
    tables = {
        "grid_summary": community_summary(result),
        "grids": _plain(result.grids),
        "micro_grids": _plain(result.micro_grids),
        "band_exceptions": band_exceptions(result),
        "solver": result.solver.copy(),
        "grid_settings": pd.DataFrame(result.settings.table()),
        "special_groups": pd.DataFrame({"group": list(SPECIAL_GROUPS),
                                        "name_zh": list(SPECIAL_GROUPS.values()),
                                        "present": [g in result.groups for g in SPECIAL_GROUPS]}),
    }
    if audit is not None:
        tables.update(audit_tables(audit))
    if crosswalk is not None:
        tables.update(crosswalk_tables(crosswalk))
    return tables


def audit_tables(audit: AuditResult) -> dict[str, pd.DataFrame]:
    """The audit's tables by sheet name (``audit_summary``, ``audit_grids`` …)."""
    return {"audit_summary": audit.summary.copy(), "audit_grids": _plain(audit.grids),
            "audit_crossings": audit.crossings.copy(), "audit_gaps": _plain(audit.gaps),
            "audit_overlaps": _plain(audit.overlaps)}


def crosswalk_tables(crosswalk: CrosswalkResult) -> dict[str, pd.DataFrame]:
    """The crosswalk's tables by sheet name (``crosswalk``, ``crosswalk_pairs``)."""
    return {"crosswalk": crosswalk.departments.copy(), "crosswalk_pairs": crosswalk.pairs.copy()}


__all__ = ["LEVEL_NAMES", "REASON_TEXT", "SINGLE_UNIT_TEXT", "audit_tables", "band_exceptions", "band_notes",
           "community_summary", "crosswalk_tables", "reason_text", "report_tables", "single_unit_walks"]
