"""Report-ready tables of an elderly-care assessment, and writing them as files."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from gis_planner.elderly.assess import ElderlyResult

_HEAD = {
    "zh": {"level": "层级", "unit": "单位", "walk_limit_m": "步行上限(m)", "demand": "服务对象(人)",
           "covered_demand": "步行可达(人)", "covered_share": "可达比例", "places": "可达容量",
           "capacity_unit": "容量单位", "places_per_1000": "每千名老人容量", "need": "按标准需要",
           "shortfall": "缺口", "code": "编码", "name": "名称", "required": "应有", "existing": "现有",
           "met": "达标", "source": "依据", "status": "核实状态", "households": "户数",
           "need_m2": "需要面积(m²)", "existing_m2": "现有面积(m²)", "gap_m2": "缺口面积(m²)",
           "size": "规模", "capacity": "容量", "floor_area_m2": "建筑面积(m²)", "cost": "相对造价",
           "served": "服务量", "elderly_served": "服务老人(人)", "health_walk_m": "至卫生服务设施步行(m)",
           "health_ok": "医养结合", "key": "参数", "value": "数值"},
    "en": {},
}


def _head(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return frame.rename(columns=_HEAD.get(lang, {}))


def elderly_tables(result: ElderlyResult, *, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The assessment as named tables with readable headers (``zh`` or ``en``).

    Returns
    -------
    dict
        ``levels`` (per level totals), ``by_community``, ``by_subdistrict``, ``structure``,
        ``floor_area``, ``sites`` (when sited) and ``standard`` (every number with its source and
        status), each a DataFrame; absent parts are left out.
    """
    std = result.standard
    names = {lv.id: lv.name(lang) for lv in std.levels}
    units = {lv.id: lv.unit(lang) for lv in std.levels}

    def levels_frame(t: pd.DataFrame) -> pd.DataFrame:
        out = t.copy()
        out.insert(0, "capacity_unit", out["level"].map(units))
        out["level"] = out["level"].map(names)
        cols = [c for c in ("level", "community_code", "subdistrict_code", "walk_limit_m", "demand",
                            "covered_demand", "covered_share", "places", "capacity_unit", "places_per_1000",
                            "need", "shortfall") if c in out.columns]
        return _head(out[cols].round(3), lang)

    tables: dict[str, pd.DataFrame] = {"levels": levels_frame(result.levels)}
    if result.by_community is not None:
        tables["by_community"] = levels_frame(result.by_community)
    if result.by_subdistrict is not None:
        tables["by_subdistrict"] = levels_frame(result.by_subdistrict)
    if len(result.structure):
        s = result.structure.copy()
        s["level"] = s["level"].map(names)
        tables["structure"] = _head(s, lang)
    if result.floor_area is not None:
        tables["floor_area"] = _head(result.floor_area.reset_index().round(2), lang)
    if result.sites is not None:
        cols = ["name", "level", "size", "capacity", "floor_area_m2", "cost", "served", "elderly_served",
                "health_walk_m", "health_ok"]
        sites = pd.DataFrame(result.sites.drop(columns=result.sites.geometry.name))
        sites = sites[[c for c in cols if c in sites.columns]].copy()
        sites["level"] = sites["level"].map(names)
        tables["sites"] = _head(sites.reset_index().round(2), lang)
    tables["standard"] = _head(pd.DataFrame(std.rows(lang)), lang)
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
