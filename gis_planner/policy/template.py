"""The community attribute template (社区属性表): an Excel workbook to collect indicator data.

Sheet ``attributes`` (社区属性) has two header rows, Chinese labels then the column ids that
:func:`gis_planner.policy.compliance.read_community_attributes` reads, and one row per community
when communities are given (code, name, sub-district, urban/rural and high-rise filled in).
Sheet ``fields`` (字段说明) explains each column: unit, type, how to fill it and the indicators
it feeds.

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "template.xlsx"
>>> write_attribute_template(out, "taizhou-2023").name
'template.xlsx'
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pandas as pd

from gis_planner._errors import InputDataError
from gis_planner._fs import atomic_path
from gis_planner.io.write import values_only
from gis_planner.policy.profile import Profile, load_profile

logger = logging.getLogger(__name__)

#: Identity columns leading every template: (id, Chinese label, English label, how to fill).
BASE_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("community_code", "社区代码", "Community code", "text; keep leading zeros"),
    ("name", "社区名称", "Community name", "text"),
    ("subdistrict_code", "街道代码", "Sub-district code", "text"),
    ("urban_rural", "城乡类型", "Urban or rural", "urban/rural (城市/农村)"),
    ("high_rise", "高层住宅社区", "High-rise community", "是/否 (yes/no)"),
)


def template_fields(profile: Profile | str) -> pd.DataFrame:
    """The columns a profile's tabular indicators need, with labels, units and their indicators.

    Returns
    -------
    pandas.DataFrame
        Index ``field``; columns ``label_zh``, ``label_en``, ``unit``, ``type``, ``how_to_fill``,
        ``indicators`` (ids, ``;``-separated) and ``indicator_labels`` (Chinese labels).
    """
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    rows = []
    for name in prof.needed_fields():
        info = prof.fields[name]
        uses = [
            i
            for i in prof.indicators
            if name in i.data_needed
            or name == i.condition
            or (name == "households" and i.min_households)
        ]
        how = (
            "是/否 (yes/no, 1/0)"
            if info.type == "bool"
            else f"number >= 0 in {info.unit}; leave empty when unknown"
        )
        rows.append(
            {
                "field": name,
                "label_zh": info.label_zh,
                "label_en": info.label_en,
                "unit": info.unit,
                "type": info.type,
                "how_to_fill": how,
                "indicators": "; ".join(i.id for i in uses),
                "indicator_labels": "；".join(
                    f"{i.label_zh}（{i.target_text()}，{i.source}）" for i in uses
                ),
            }
        )
    return (
        pd.DataFrame(rows).set_index("field")
        if rows
        else pd.DataFrame(
            columns=[
                "label_zh",
                "label_en",
                "unit",
                "type",
                "how_to_fill",
                "indicators",
                "indicator_labels",
            ]
        ).rename_axis("field")
    )


def _community_rows(communities: Any) -> pd.DataFrame:
    df = pd.DataFrame(communities).drop(columns="geometry", errors="ignore")
    if "community_code" not in df.columns:
        if df.index.name != "community_code":
            raise InputDataError(
                "communities: no 'community_code' column or index; expected one row per community "
                f"with community_code (found columns {', '.join(map(str, df.columns)) or 'none'})."
            )
        df = df.reset_index()
    df["community_code"] = df["community_code"].astype(str)
    if df["community_code"].duplicated().any():
        dups = sorted(set(df.loc[df["community_code"].duplicated(), "community_code"]))
        raise InputDataError(f"communities: duplicate community_code {', '.join(dups[:5])}.")
    return df


#: Fill of the header cells (light blue).
_HEADER_FILL = "DDEBF7"


def _style_header(cells: Any) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    for c in cells:
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor=_HEADER_FILL)
        c.alignment = Alignment(wrap_text=True, vertical="top")


def _cell_value(col: str, v: Any) -> Any:
    """A community's value as the workbook shows it (是/否 for high-rise, codes as text)."""
    if col == "high_rise":
        return "是" if bool(v) else "否"
    if col == "community_code":
        return str(v)
    return v.item() if hasattr(v, "item") else v


def _attributes_sheet(
    ws: Any, prof: Profile, columns: list[tuple[str, str, str]], rows: pd.DataFrame | None
) -> None:
    """Sheet ``attributes``: Chinese labels (with units), column ids, one row per community."""
    from openpyxl.utils import get_column_letter

    ws.title = "attributes"
    for j, (col, zh, _en) in enumerate(columns, start=1):
        unit = prof.fields[col].unit if col in prof.fields else ""
        c1 = ws.cell(row=1, column=j, value=f"{zh}（{unit}）" if unit else zh)
        c2 = ws.cell(row=2, column=j, value=col)
        _style_header((c1, c2))
        ws.column_dimensions[get_column_letter(j)].width = max(14, min(40, len(col) + 4))
    if rows is not None:
        for i, (_, r) in enumerate(rows.iterrows(), start=3):
            for j, (col, _zh, _en) in enumerate(columns, start=1):
                if col in r.index and pd.notna(r[col]):
                    cell = ws.cell(row=i, column=j, value=_cell_value(col, r[col]))
                    if col == "community_code":
                        cell.number_format = "@"
    ws.freeze_panes = "B3"


def _fields_sheet(ws: Any, prof: Profile, fields: pd.DataFrame) -> None:
    """Sheet ``fields``: unit, type, how to fill and the indicators of every column."""
    from openpyxl.utils import get_column_letter

    ws.append(
        [
            "field",
            "中文名称",
            "English",
            "unit / 单位",
            "type / 类型",
            "how to fill / 填写说明",
            "indicators / 指标",
            "指标（目标，条款）",
        ]
    )
    _style_header(ws[1])
    base = {c for c, *_ in BASE_COLUMNS}
    for col, zh, en, how in BASE_COLUMNS:
        kind = "bool" if col == "high_rise" else "text"
        ws.append([col, zh, en, "", kind, how, "identity / applicability", ""])
    for f, r in fields.iterrows():
        if f in base:
            continue
        ws.append(
            [
                f,
                r["label_zh"],
                r["label_en"],
                r["unit"],
                r["type"],
                r["how_to_fill"],
                r["indicators"],
                r["indicator_labels"],
            ]
        )
    ws.append([])
    ws.append([f"profile: {prof.id} — {prof.title_zh} ({prof.title_en})"])
    ws.append(
        [
            "Leave a cell empty when the value is unknown: the check then reports the "
            "indicator as not assessable and names the column to fill."
        ]
    )
    for j, width in enumerate((30, 34, 44, 12, 10, 36, 48, 80), start=1):
        ws.column_dimensions[get_column_letter(j)].width = width


def write_attribute_template(
    path: str | os.PathLike[str],
    profile: Profile | str,
    communities: Any = None,
    *,
    overwrite: bool = False,
) -> Path:
    """Write the attribute template for ``profile`` as an Excel workbook (atomically).

    Parameters
    ----------
    path
        Output ``.xlsx`` file.
    profile
        The profile (or id / path) whose indicators decide the columns.
    communities
        Optional communities (a frame or GeoDataFrame with ``community_code`` as column or
        index; ``name``, ``subdistrict_code``, ``urban_rural``, ``high_rise`` and
        ``households`` are copied when present): one row each.
    overwrite
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    InputDataError
        Wrong suffix, existing file without ``overwrite``, or communities without codes.
    """
    from openpyxl import Workbook

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputDataError(f"{path}: the template is an Excel workbook; use a .xlsx file name.")
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    fields = template_fields(prof)
    columns = [(c, zh, en) for c, zh, en, _ in BASE_COLUMNS]
    columns += [
        (str(f), str(r["label_zh"]), str(r["label_en"]))
        for f, r in fields.iterrows()
        if f not in {c for c, *_ in BASE_COLUMNS}
    ]
    rows = _community_rows(communities) if communities is not None else None

    wb = Workbook()
    _attributes_sheet(wb.active, prof, columns, rows)
    _fields_sheet(wb.create_sheet("fields"), prof, fields)
    for ws in wb.worksheets:
        values_only(ws)  # third-party names never run as formulas
    with atomic_path(path, overwrite=overwrite) as tmp:
        wb.save(tmp)
    logger.info(
        "attribute template for %s written to %s (%d columns, %d communities)",
        prof.id,
        path,
        len(columns),
        0 if rows is None else len(rows),
    )
    return path
