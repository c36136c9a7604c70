"""Report-ready tables of a neighbourhood-centre plan, and writing them as files."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from gis_planner.centres.plan import CentrePlan

_HEAD_ZH = {
    "space_id": "空间编号", "name": "名称", "rank": "排序", "area_m2": "可用面积(m²)", "floor": "楼层",
    "lift": "电梯", "ownership": "产权", "cost": "费用", "functions": "功能组合", "area_used_m2": "功能用房(m²)",
    "new_households": "新增可达(户/人)", "community_code": "社区编码", "reason": "理由",
    "households": "户数", "need_m2": "应有面积(m²)", "area_before_m2": "现有面积(m²)",
    "area_after_m2": "实施后面积(m²)", "gap_before_m2": "现状缺口(m²)", "gap_after_m2": "实施后缺口(m²)",
    "function": "功能", "demand": "服务对象", "walk_limit_m": "步行上限(m)", "total": "总量",
    "before": "现状可达", "after": "实施后可达", "share_before": "现状比例", "share_after": "实施后比例",
    "sites": "设置处数", "key": "参数", "value": "数值", "source": "依据", "status": "核实状态",
}


def centre_tables(plan: CentrePlan, *, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """``spaces`` (chosen first, ranked, then the rest with the reason), ``communities`` (floor
    area before/after), ``coverage`` (per function before/after) and ``standard`` (every number
    with its source and status)."""
    drop = [plan.spaces.geometry.name, *[c for c in [plan.spaces.index.name] if c in plan.spaces.columns]]
    s = pd.DataFrame(plan.spaces.drop(columns=drop)).reset_index()  # the id column is the index
    s = s.sort_values(["chosen", "rank"], ascending=[False, True])
    if lang == "zh":
        names = {f.id: f.name_zh for f in plan.standard.functions}
        s["functions"] = s["functions"].map(lambda v: "、".join(names[x] for x in v.split(";") if x))
    cols = ["space_id", "name", "rank", "area_m2", "floor", "lift", "ownership", "cost", "functions",
            "area_used_m2", "new_households", "community_code", "reason"]
    tables = {"spaces": s[cols], "communities": plan.communities.reset_index().round(1),
              "coverage": plan.coverage.round(4), "standard": pd.DataFrame(plan.standard.rows())}
    if lang == "zh":
        tables = {k: v.rename(columns=_HEAD_ZH) for k, v in tables.items()}
    return tables


def write_centres(plan: CentrePlan, folder: str | os.PathLike[str], *, lang: str = "zh",
                  out_crs: object = None) -> list[str]:
    """Write ``centres.gpkg`` (layer ``spaces``), one CSV per table and ``centres.xlsx`` into
    ``folder`` (a temporary folder the caller swaps into place); return the file names.
    ``out_crs``: the layer's coordinate system (see :func:`gis_planner.io.write.to_output_crs`)."""
    from gis_planner.io.write import write_layers, write_table

    folder = Path(folder)
    write_layers(folder / "centres.gpkg", {"spaces": plan.spaces}, overwrite=True, out_crs=out_crs)
    names = ["centres.gpkg"]
    tables = centre_tables(plan, lang=lang)
    for key, frame in tables.items():
        write_table(folder / f"centres_{key}.csv", frame, overwrite=True)
        names.append(f"centres_{key}.csv")
    write_table(folder / "centres.xlsx", tables, overwrite=True)
    return [*names, "centres.xlsx"]
