"""Report-ready tables of an elderly-care assessment, and writing them as files.

Every table has headers in the requested language (``zh`` or ``en``), the unit's name beside its
code, counts of persons and households as whole numbers and shares as fractions (0-1; the
``可达比例`` / ``Share within reach`` columns). Each level says which residents it counts and
which facilities: a facility of a higher level also serves a lower level's demand within its own
walking limit (:mod:`gis_planner.elderly.hierarchy`), so ``covered_demand`` counts them too and
``covered_own_demand`` counts the level's own facilities only.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from gis_planner.categories import Lang, check_lang
from gis_planner.categories import label as category_label
from gis_planner.elderly.assess import ElderlyResult
from gis_planner.elderly.labels import group_label, standard_table, status_label, whole
from gis_planner.policy.elderly import ElderlyLevel, ElderlyStandard

_HEAD = {
    "zh": {
        "level": "层级", "population": "服务对象", "facilities": "计入的设施（各按本级步行上限）",
        "walk_limit_m": "本层级步行上限(m)", "demand": "服务对象人数(人)",
        "covered_demand": "步行可达(人，含上级设施)", "covered_own_demand": "仅本层级设施可达(人)",
        "covered_share": "可达比例", "covered_own_share": "仅本层级可达比例", "places": "可达容量",
        "capacity_unit": "容量单位",
        "places_per_1000": "每千名服务对象容量", "norm_per_1000": "配置指标(每千名服务对象)",
        "norm_status": "配置指标核实状态", "need": "按配置指标需要", "shortfall": "缺口(容量单位)",
        "community_code": "社区编码", "community_name": "社区名称", "subdistrict_code": "街道编码",
        "subdistrict_name": "街道名称", "unit": "单位", "code": "编码", "name": "名称", "required": "应有(处)",
        "existing": "现有(处，本层级设施)", "higher": "单位内上级设施(处，未计入现有)", "met": "达标",
        "note": "说明", "source": "依据", "status": "核实状态", "households": "户数",
        "norm_m2_per_100_households": "配置指标(m²/百户)", "need_existing_m2": "按现状户数需要(m²)",
        "need_new_m2": "新建项目需要(m²)", "need_m2": "需要面积合计(m²)",
        "existing_m2": "现有面积(m²，养老设施点位面积合计)", "gap_m2": "缺口面积(m²)",
        "new_site_ok": "新建单处面积达标", "candidate_id": "候选地块编号", "size": "规模",
        "capacity": "容量", "floor_area_m2": "建筑面积(m²)", "cost": "相对造价", "served": "使用容量",
        "elderly_served": "可满足需求的服务对象(人)", "health_walk_m": "至卫生服务设施步行(m)",
        "health_ok": "医养结合（步行可达卫生服务设施）",
    },
    "en": {
        "level": "Level", "population": "Residents served",
        "facilities": "Facilities counted (each at its level's limit)",
        "walk_limit_m": "Walking limit of the level (m)", "demand": "Residents counted (persons)",
        "covered_demand": "Within reach (persons, higher levels included)",
        "covered_own_demand": "Within reach of the level's own facilities (persons)",
        "covered_share": "Share within reach", "covered_own_share": "Share within reach of the level's own",
        "places": "Places within reach", "capacity_unit": "Capacity unit",
        "places_per_1000": "Places per 1,000 residents counted", "norm_per_1000": "Norm (per 1,000 residents counted)",
        "norm_status": "Status of the norm", "need": "Need at the norm", "shortfall": "Shortfall (capacity unit)",
        "community_code": "Community code", "community_name": "Community", "subdistrict_code": "Sub-district code",
        "subdistrict_name": "Sub-district", "unit": "Unit", "code": "Code", "name": "Name",
        "required": "Required (facilities)", "existing": "Existing (facilities of the level)",
        "higher": "Higher-level facilities in the unit (not counted)", "met": "Met", "note": "Note",
        "source": "Source", "status": "Status", "households": "Households",
        "norm_m2_per_100_households": "Norm (m² per 100 households)",
        "need_existing_m2": "Need of today's households (m²)", "need_new_m2": "Need of new projects (m²)",
        "need_m2": "Need in all (m²)", "existing_m2": "Existing (m², floor area of the elderly-care facility points)",
        "gap_m2": "Gap (m²)", "new_site_ok": "New rooms large enough", "candidate_id": "Candidate site",
        "size": "Size", "capacity": "Capacity", "floor_area_m2": "Floor area (m²)", "cost": "Relative cost",
        "served": "Capacity used", "elderly_served": "Residents whose need it meets (persons)",
        "health_walk_m": "Walk to a health facility (m)", "health_ok": "Next to health care (within walking reach)",
    },
}
_UNITS = {"zh": {"subdistrict": "街道", "community": "社区"},
          "en": {"subdistrict": "sub-district", "community": "community"}}
_SIZES = {"zh": {"small": "小型", "medium": "中型", "large": "大型"}, "en": {}}
#: Counts of persons or households in the tables.
_COUNTS = ("demand", "covered_demand", "covered_own_demand", "households", "elderly_served")
#: Labels of the standard's keys (see :meth:`ElderlyStandard.rows`): {level}, {unit}, {group}
#: and {size} are filled in.
_PARAMS: dict[str, tuple[str, str]] = {
    "elderly_speed_kmh": ("老年人步行速度(km/h)", "Walking speed of older residents (km/h)"),
    "persons_per_household": ("户均人口(人/户)", "Persons per household"),
    "share_60_plus": ("60岁及以上人口占常住人口比例", "Share of residents aged 60+"),
    "share_80_plus": ("80岁及以上人口占常住人口比例", "Share of residents aged 80+"),
    "share_disabled_of_60_plus": ("失能、半失能老人占60岁及以上老人比例",
                                  "Share of residents aged 60+ who are disabled"),
    "walk_limit_m": ("{level}：步行上限(m)", "{level}: walking limit (m)"),
    "places_per_1000": ("{level}：每千名{group}{unit}", "{level}: {unit} per 1,000 {group}"),
    "default_capacity": ("{level}：无容量数据时的默认容量({unit})", "{level}: capacity where none is given ({unit})"),
    "per_urban_subdistrict": ("{level}：每个城市街道至少(处)", "{level}: at least per urban sub-district"),
    "per_urban_community": ("{level}：每个城市社区至少(处)", "{level}: at least per urban community"),
    "capacity": ("{level}：{size}规模的容量({unit})", "{level}: capacity of size {size} ({unit})"),
    "floor_area_m2": ("{level}：{size}规模的建筑面积(m²)", "{level}: floor area of size {size} (m²)"),
    "cost": ("{level}：{size}规模的相对造价", "{level}: relative cost of size {size}"),
    "home_service_min_share_pct": ("接受上门服务的居家老人占比下限(%)",
                                   "Least share of older residents at home receiving home visits (%)"),
    "health_max_walk_m": ("医养结合：至卫生服务设施最远步行(m)",
                          "Care next to health: longest walk to a health facility (m)"),
    "m2_per_100_households_existing": ("已建成居住区养老服务用房(m²/百户)",
                                       "Elderly-care floor area in built-up areas (m² per 100 households)"),
    "m2_per_100_households_new": ("新建居住区养老服务用房(m²/百户)",
                                  "Elderly-care floor area in new areas (m² per 100 households)"),
    "new_floor_area_permille": ("新建居住区养老服务用房占住宅建筑面积(‰)",
                                "New residential projects: elderly-care floor area (‰ of their floor area)"),
    "new_site_min_m2": ("新建居住区单处养老服务用房下限(m²)",
                        "New residential projects: smallest elderly-care room (m²)"),
}
_KEY = re.compile(r"^(?:(?P<level>[^.]+)\.)?(?:sizes\.(?P<size>[^.]+)\.)?(?P<field>[a-z0-9_]+)$")


def _head(frame: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    return frame.rename(columns=_HEAD[lang])


def _facilities_counted(std: ElderlyStandard, rank: int, lang: Lang) -> str:
    """The categories whose facilities count at level ``rank``: its own first, then every higher
    level's, each with its level's walking limit."""
    sep, within = ("；", "{cats} {limit:,.0f} m内") if lang == "zh" else ("; ", "{cats} within {limit:,.0f} m")
    joiner = "、" if lang == "zh" else ", "
    return sep.join(within.format(cats=joiner.join(category_label(c, lang) for c in lv.categories),
                                  limit=lv.walk_limit_m.value)
                    for lv in reversed(std.levels[:rank + 1]))


def _names_beside(frame: pd.DataFrame, names: pd.Series | None, code: str) -> pd.DataFrame:
    """``frame`` with ``<unit>_name`` right after its ``<unit>_code`` column."""
    if code not in frame.columns:
        return frame
    out = frame.copy()
    looked_up = out[code].astype(str).map(names) if names is not None else pd.Series("", index=out.index)
    out.insert(list(out.columns).index(code) + 1, code.replace("_code", "_name"), looked_up.fillna(""))
    return out


def _levels_frame(t: pd.DataFrame, result: ElderlyResult, lang: Lang, *, detail: bool) -> pd.DataFrame:
    """Level totals (per unit when ``t`` has unit codes); ``detail``: which facilities count and
    the norm with its status."""
    std = result.standard
    by_id = {lv.id: (r, lv) for r, lv in enumerate(std.levels)}
    out = t.copy()
    lv_of = [by_id[x][1] for x in out["level"]]
    out["population"] = [group_label(lv.demand, lang, unit=False) for lv in lv_of]
    out["capacity_unit"] = [lv.unit(lang) for lv in lv_of]
    if detail:
        out["facilities"] = [_facilities_counted(std, by_id[x][0], lang) for x in out["level"]]
        out["norm_per_1000"] = [lv.places_per_1000.value for lv in lv_of]
        out["norm_status"] = [status_label(lv.places_per_1000.status, lang, places=lv.places_per_1000.places,
                                           plan_place=std.plan_place) for lv in lv_of]
    out["level"] = [lv.name(lang) for lv in lv_of]
    out = _names_beside(out, result.community_names, "community_code")
    out = _names_beside(out, result.subdistrict_names, "subdistrict_code")
    cols = [c for c in ("level", "community_code", "community_name", "subdistrict_code", "subdistrict_name",
                        "population", "facilities", "walk_limit_m", "demand", "covered_demand", "covered_own_demand",
                        "covered_share", "covered_own_share", "places", "capacity_unit", "places_per_1000",
                        "norm_per_1000", "norm_status", "need", "shortfall") if c in out.columns]
    out = out[cols].round({"covered_share": 3, "covered_own_share": 3, "places": 2, "places_per_1000": 2, "need": 2,
                           "shortfall": 2})
    return _head(whole(out, _COUNTS, shares=("covered_share", "covered_own_share")), lang)


def _structure_note(row: pd.Series, levels: dict[str, ElderlyLevel], lang: Lang) -> str:
    """Why a unit's rule is not judged, or which higher-level facilities it has besides."""
    if not row["classified"]:
        return ("城乡属性未填写，未判定（请在社区图层填写 urban_rural）" if lang == "zh" else
                "urban/rural class not given: not judged (fill urban_rural in the communities layer)")
    if not row["higher"]:
        return ""
    ids = row["higher_facilities"].replace(";", "、" if lang == "zh" else ", ")
    name = levels[row["level"]].name(lang)
    return (f"另有上级设施 {ids}，未计入现有；如其设有{name}的服务，可视为达标" if lang == "zh" else
            f"also has the higher-level {ids}, not counted; it meets the rule if it offers {name} services")


def _structure_frame(result: ElderlyResult, lang: Lang) -> pd.DataFrame:
    levels = {lv.id: lv for lv in result.standard.levels}
    s = result.structure.copy()
    s["note"] = [_structure_note(r, levels, lang) for _, r in s.iterrows()]
    s["met"] = s["met"].astype(object).where(s["met"].notna(), None)
    s["level"] = s["level"].map(lambda x: levels[x].name(lang))
    s["unit"] = s["unit"].map(lambda u: _UNITS[lang].get(u, u))
    here = result.standard.plan_place
    s["status"] = [status_label(x, lang, places=tuple(filter(None, str(p).split(";"))), plan_place=here)
                   for x, p in zip(s["status"], s["place"], strict=True)]
    cols = ["level", "unit", "code", "name", "required", "existing", "higher", "met", "note", "source", "status"]
    return _head(s[cols], lang)


def _floor_area_frame(result: ElderlyResult, lang: Lang) -> pd.DataFrame:
    assert result.floor_area is not None
    f = _names_beside(result.floor_area.reset_index(), result.community_names, "community_code")
    return _head(whole(f.round(2), _COUNTS), lang)


def _sites_frame(result: ElderlyResult, lang: Lang) -> pd.DataFrame:
    assert result.sites is not None
    levels = {lv.id: lv for lv in result.standard.levels}
    sites = pd.DataFrame(result.sites.drop(columns=result.sites.geometry.name))
    cols = ["name", "level", "size", "capacity", "capacity_unit", "floor_area_m2", "cost", "served",
            "elderly_served", "health_walk_m", "health_ok"]
    sites["capacity_unit"] = sites["level"].map(lambda x: levels[x].unit(lang))
    sites = sites[[c for c in cols if c in sites.columns]].copy()
    sites["level"] = sites["level"].map(lambda x: levels[x].name(lang))
    sites["size"] = sites["size"].map(lambda x: _SIZES[lang].get(str(x), str(x)))
    sites.index.name = "candidate_id"
    return _head(whole(sites.reset_index().round(2), _COUNTS), lang)


def _standard_rows(std: ElderlyStandard, lang: Lang) -> list[dict[str, object]]:
    """The standard's numbers (:meth:`ElderlyStandard.rows`), plus its per-unit rules and the sizes
    of new sites, each with its source and status."""
    rows = [{**r, "key": str(r["key"]).split(" (")[0]} for r in std.rows(lang)]
    for lv in std.levels:
        for name, rule in (("per_urban_subdistrict", lv.per_urban_subdistrict),
                           ("per_urban_community", lv.per_urban_community)):
            if rule is not None:
                rows.append({"key": f"{lv.id}.{name}", "value": rule.value, "source": rule.source,
                             "status": rule.status, "places": rule.places})
    for s in std.sizes:
        rows += [{"key": f"{s.level}.sizes.{s.id}.{name}", "value": value, "source": s.source, "status": s.status,
                  "places": s.places}
                 for name, value in (("capacity", s.capacity), ("floor_area_m2", s.floor_area_m2),
                                     ("cost", s.cost))]
    return rows


def _param_label(key: str, std: ElderlyStandard, lang: Lang) -> str:
    """A key of :func:`_standard_rows` in words (the key itself when it is not known)."""
    m = _KEY.match(key)
    if m is None or m["field"] not in _PARAMS:
        return key
    text = _PARAMS[m["field"]][0 if lang == "zh" else 1]
    levels = {lv.id: lv for lv in std.levels}
    lv = levels.get(m["level"] or "")
    if m["level"] and lv is None:
        return key
    size = _SIZES[lang].get(m["size"] or "", m["size"] or "")
    return text.format(level=lv.name(lang) if lv else "", unit=lv.unit(lang) if lv else "",
                       group=group_label(lv.demand, lang, unit=False) if lv else "", size=size)


def elderly_tables(result: ElderlyResult, *, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The assessment as named tables with headers in ``lang`` (``zh`` or ``en``).

    Returns
    -------
    dict
        ``levels`` (per level: residents counted, facilities counted, reach with and without
        higher levels, places, the norm with its status, need and shortfall), ``by_community``
        and ``by_subdistrict`` (the same per unit, names beside codes), ``structure`` (the
        per-unit rules, with a note on units not judged and on higher-level facilities),
        ``floor_area`` (m² per community), ``sites`` (when sited) and ``standard`` (every number
        used, with its source and status in words), each a DataFrame; absent parts are left out.

    Raises
    ------
    ValueError
        ``lang`` is neither ``zh`` nor ``en``.
    """
    lg = check_lang(lang)
    tables: dict[str, pd.DataFrame] = {"levels": _levels_frame(result.levels, result, lg, detail=True)}
    if result.by_community is not None:
        tables["by_community"] = _levels_frame(result.by_community, result, lg, detail=False)
    if result.by_subdistrict is not None:
        tables["by_subdistrict"] = _levels_frame(result.by_subdistrict, result, lg, detail=False)
    if len(result.structure):
        tables["structure"] = _structure_frame(result, lg)
    if result.floor_area is not None:
        tables["floor_area"] = _floor_area_frame(result, lg)
    if result.sites is not None:
        tables["sites"] = _sites_frame(result, lg)
    std = result.standard
    tables["standard"] = standard_table(_standard_rows(std, lg), lambda k: _param_label(k, std, lg), lg,
                                        plan_place=std.plan_place)
    return tables


def write_elderly(result: ElderlyResult, folder: str | os.PathLike[str], *, lang: str = "zh",
                  out_crs: object = None) -> list[str]:
    """Write ``elderly.gpkg`` (compounds, facilities, sites), one CSV per table and ``elderly.xlsx``
    into ``folder`` (an existing, empty temporary folder; the caller swaps it into place);
    ``out_crs``: the layers' coordinate system (see :func:`gis_planner.io.write.to_output_crs`).

    Returns
    -------
    list of str
        The file names written.
    """
    from gis_planner.io.write import write_layers, write_table

    folder = Path(folder)
    layers = {"compounds": result.compounds, "facilities": result.facilities}
    if result.sites is not None and len(result.sites):
        layers["sites"] = result.sites
    write_layers(folder / "elderly.gpkg", layers, overwrite=True, out_crs=out_crs)
    names = ["elderly.gpkg"]
    tables = elderly_tables(result, lang=lang)
    for key, frame in tables.items():
        write_table(folder / f"elderly_{key}.csv", frame, overwrite=True)
        names.append(f"elderly_{key}.csv")
    write_table(folder / "elderly.xlsx", tables, overwrite=True)
    names.append("elderly.xlsx")
    return names
