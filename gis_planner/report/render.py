"""Renderers of a :class:`~gis_planner.report.model.Report`: Markdown and self-contained HTML
(pure, return text), Excel (numbers as numbers, one sheet per table) and Word (A4, cover,
contents, page numbers); the two Office writers write one file atomically.

Tables longer than :data:`LONG_TABLE_ROWS` rows are summarised in the HTML, Markdown and Word
reports (their first :data:`SUMMARY_ROWS` rows and a line naming the workbook sheet); the
workbook always holds every row.
"""

from __future__ import annotations

import base64
import copy
import datetime
import html
import os
import re
import unicodedata
import zipfile
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gis_planner._fs import atomic_path
from gis_planner.report.i18n import Lang, localize, localize_unit, t
from gis_planner.report.model import Report, Table

#: Tables with more rows are summarised in the reports (the workbook holds them whole).
LONG_TABLE_ROWS = 40
#: Rows of a long table shown in the reports.
SUMMARY_ROWS = 20

_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:2em auto;
max-width:1100px;color:#222;line-height:1.55;padding:0 1em}
h1{border-bottom:3px solid #1f5f8b;padding-bottom:.3em}h2{color:#1f5f8b;margin-top:1.8em}
.cover{color:#444;margin:-.4em 0 1em}.cover span{margin-right:2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em;width:100%}
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eef3f7}tr:nth-child(even) td{background:#fafafa}
td.num{text-align:right;white-space:nowrap}td.nw{white-space:nowrap}
td.st,th.st{white-space:nowrap;min-width:5.5em}
tr td.st-ok{background:#d9f0d3;color:#1b5e20}tr td.st-bad{background:#f8d0cc;color:#8b1a10}
tr td.st-na{background:#eeeeee;color:#555}
p.note{color:#555;font-size:.9em;font-style:italic}
.kn{display:flex;flex-wrap:wrap;gap:.8em}.kn div{background:#eef3f7;border-radius:6px;
padding:.6em 1em;min-width:12em}.kn b{display:block;font-size:1.4em;color:#1f5f8b}
figure{margin:1em 0}figure img{max-width:100%}figcaption{color:#555;font-size:.9em}
footer{color:#777;margin-top:3em}
@page{size:A4;margin:18mm}
"""

_MD_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]",
                             "`": "\\`"})


def _md_text(x: object) -> str:
    """Text from the data made inert in Markdown: HTML, links and code spans are escaped
    (Markdown renderers pass raw HTML through)."""
    return str(x).translate(_MD_ESCAPES)


def _md_cell(x: object) -> str:
    return _md_text(x).replace("|", "\\|").replace("\n", " ")


def _kn_title(report: Report) -> str:
    return t("key_numbers", report.lang)


# ------------------------------------------------------------------ shared: statuses, numbers


def status_classes(lang: Lang) -> dict[str, str]:
    """Display status -> ``ok`` / ``bad`` / ``na`` (the colour class of a status cell)."""
    return {t("pass", lang): "ok", t("within_band", lang): "ok",
            t("fail", lang): "bad", t("too_small", lang): "bad", t("too_large", lang): "bad",
            t("not assessable", lang): "na", t("unknown", lang): "na"}


def is_status_column(name: object, lang: Lang) -> bool:
    """Whether a display column holds statuses (its cells are coloured pass/fail)."""
    text = str(name)
    return text == t("status", lang) or text.endswith("状态") or text.lower().endswith("status")


_INT = re.compile(r"[+-]?(?:[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d{0,3}|0)")
_DEC = re.compile(r"[+-]?(?:[1-9]\d{0,2}(?:,\d{3})*|0)\.(\d+)")
_PCT = re.compile(r"([+-]?)(\d+(?:\.(\d+))?)%")
#: Cells that hold no value in a numeric column (a dash, "no data").
_BLANK = ("", "–", "-", "—", "无数据", "no data")


@dataclass(frozen=True)
class _Number:
    value: float | int
    fmt: str


def parse_display_number(text: object) -> _Number | None:
    """A display string of the report model (``"51,070"``, ``"94.44"``, ``"45.3%"``,
    ``"+53%"``) as a number and its Excel number format; ``None`` for anything else.

    Digit strings of five or more digits without thousands separators, or with a leading
    zero, are codes (community codes, ids), not numbers: the model writes every count of
    1,000 or more with separators.
    """
    if not isinstance(text, str):
        if isinstance(text, bool) or not isinstance(text, int | float):
            return None
        return _Number(text, "#,##0" if float(text).is_integer() else "#,##0.00")
    s = text.strip()
    if _INT.fullmatch(s):
        return _Number(int(s.replace(",", "")), "#,##0")
    m = _DEC.fullmatch(s)
    if m:
        return _Number(float(s.replace(",", "")), "#,##0." + "0" * len(m.group(1)))
    m = _PCT.fullmatch(s)
    if m:
        digits = len(m.group(3) or "")
        body = "0" + ("." + "0" * digits if digits else "") + "%"
        fmt = f"+{body};-{body};{body}" if m.group(1) == "+" else body
        return _Number(float(s.rstrip("%")) / 100.0, fmt)
    return None


def _is_blank(value: object) -> bool:
    """A cell with no number: empty, a dash, "no data", or a dash with its reason ("–（单一小区）")."""
    text = str(value).strip()
    return text in _BLANK or text.startswith(("–（", "– ("))


def numeric_columns(frame: pd.DataFrame) -> list[bool]:
    """Per column: every non-blank cell is a display number (and at least one is)."""
    out = []
    for col in range(frame.shape[1]):
        cells = [v for v in frame.iloc[:, col] if not _is_blank(v)]
        out.append(bool(cells) and all(parse_display_number(v) is not None for v in cells))
    return out


#: A display number followed by its note in brackets: "19.8%（未核实）", "43.9% (unverified)".
_NOTED = re.compile(r"(?P<number>[^（(\s]+)\s*(?P<note>[（(].*[）)])")


def _split_note(text: object) -> tuple[object, str] | None:
    """``(number text, note)`` of a cell that is a display number with a bracketed note after
    it, ``(cell, "")`` of a plain display number; None for anything else."""
    if parse_display_number(text) is not None:
        return text, ""
    m = _NOTED.fullmatch(text.strip()) if isinstance(text, str) else None
    if m is None or parse_display_number(m["number"]) is None:
        return None
    note = m["note"]
    if _closes_at_end(note):  # one bracketed note (brackets may nest inside): its content
        note = note[1:-1]
    return m["number"], note.strip()


def _closes_at_end(text: str) -> bool:
    """Whether the bracket opening ``text`` closes at its last character."""
    depth = 0
    for i, ch in enumerate(text):
        depth += 1 if ch in "（(" else -1 if ch in "）)" else 0
        if depth == 0:
            return i == len(text) - 1
    return False


def split_noted_numbers(frame: pd.DataFrame, lang: Lang, noted: tuple[object, ...]) -> pd.DataFrame:
    """``frame`` with each of its ``noted`` columns of noted numbers ("19.8%（养老服务设施网络
    500 m，未核实）") split in two: the numbers, which a workbook then stores as numbers, and a
    note column right after it ("覆盖率（说明）"), so that no note is lost and no figure is stored
    as text.

    Only the columns the report built so (:attr:`Table.noted`) are looked at, never a column of
    data (a name "17（地块）" stays text); one is split when every non-blank cell is a display
    number, with or without a bracketed note, and at least one has a note.
    """
    out = frame.copy()
    for col in (c for c in frame.columns if c in noted):
        pos = out.columns.get_loc(col)
        name = f"{col}（说明）" if lang == "zh" else f"{col} (note)"
        if not isinstance(pos, int) or name in out.columns:  # a repeated column name: left whole
            continue
        cells = [(v, "") if _is_blank(v) else _split_note(v) for v in frame[col].tolist()]
        split = [c for c in cells if c is not None]
        if len(split) < len(cells) or not any(note for _num, note in split):
            continue
        out[col] = pd.Series([num for num, _note in split], index=out.index, dtype=object)
        out.insert(pos + 1, name, [note for _num, note in split])
    return out


# ------------------------------------------------------------------ shared: workbook layout

_BAD_SHEET_CHARS = str.maketrans("", "", "[]:*?/\\")


def _sheet_name(base: str, used: set[str], fallback: str) -> str:
    """A valid, unique (case-insensitively) Excel sheet name: at most 31 characters (a longer
    title is cut at a word and ends in "…"), none of ``[]:*?/\\``, not starting or ending with
    an apostrophe, not ``History``."""
    clean = "".join(c for c in str(base).translate(_BAD_SHEET_CHARS) if c.isprintable())
    clean = clean.strip().strip("'").strip()
    if len(clean) > 31:  # cut at a word where there is one, and say it was cut
        cut = clean[:30]
        cut = cut[:cut.rfind(" ")] if " " in cut[10:] else cut
        clean = cut.rstrip(" ,(–-") + "…"
    clean = clean or fallback[:31]
    if clean.casefold() == "history":
        clean = clean + "_"
    name, i = clean, 2
    while name.casefold() in used:
        suffix = f"_{i}"
        name, i = clean[:31 - len(suffix)] + suffix, i + 1
    used.add(name.casefold())
    return name


@dataclass(frozen=True)
class SheetPlan:
    """Where a report table goes in the workbook: one sheet, or one per unit (``split_by``)."""

    table: Table
    sheets: tuple[tuple[str, pd.DataFrame], ...]


def workbook_layout(report: Report) -> tuple[str, str, list[SheetPlan]]:
    """Sheet names of the workbook: key numbers, notes, then each table's sheet(s).

    A table with ``split_by`` naming one of its columns gets one sheet per value of that
    column (e.g. one per 街道), named by the value; a table with ``sheet`` (the group it belongs
    to, e.g. the 街道 of a per-街道 action table) gets a sheet named by the group.
    """
    used: set[str] = set()
    kn = _sheet_name(_kn_title(report), used, "key_numbers")
    notes = _sheet_name(t("notes_sheet", report.lang), used, "notes")
    plans = []
    for tb in report.tables():
        split = tb.split_by
        if split and split in tb.frame.columns and len(tb.frame):
            sheets = tuple((_sheet_name(str(unit), used, f"{tb.key}_{k}"), part)
                           for k, (unit, part) in enumerate(
                               tb.frame.groupby(split, sort=False, dropna=False)))
        else:  # a table of a group (``Table.sheet``, e.g. a 街道) is named by its group
            base = tb.sheet or tb.title
            sheets = ((_sheet_name(base, used, tb.key), tb.frame),)
        plans.append(SheetPlan(tb, sheets))
    return kn, notes, plans


def _shown(report: Report) -> dict[int, tuple[pd.DataFrame, str | None]]:
    """Per table (by ``id``): the rows the reports show and the note for a long table."""
    out: dict[int, tuple[pd.DataFrame, str | None]] = {}
    lg = report.lang
    for plan in workbook_layout(report)[2]:
        df = plan.table.frame
        if len(df) <= LONG_TABLE_ROWS:
            out[id(plan.table)] = (df, None)
            continue
        split = plan.table.split_by
        if split and split in df.columns:
            note = t("long_table_split", lg, n=len(df), k=SUMMARY_ROWS,
                     col=localize(str(plan.table.split_by), lg), m=len(plan.sheets))
        else:
            note = t("long_table", lg, n=len(df), k=SUMMARY_ROWS, sheet=plan.sheets[0][0])
        out[id(plan.table)] = (df.head(SUMMARY_ROWS), note)
    return out


def _cell_text(value: object, column: object, lang: Lang) -> str:
    """A cell as shown: yes / no for booleans, units and analysis messages in the report's
    language."""
    if isinstance(value, bool | np.bool_):
        return t("yes" if value else "no", lang)
    if str(column) == t("unit", lang):
        unit = localize_unit(value, lang)
        if unit != str(value):
            return unit
    return localize(value, lang)


def _table_heading(section_title: str, table: Table) -> str | None:
    """A table's own heading, or ``None`` when it repeats its section's heading."""
    return None if table.title.strip() == section_title.strip() else table.title


# ------------------------------------------------------------------ Markdown


def render_markdown(report: Report) -> str:
    """The report as GitHub-flavoured Markdown (charts are referred to by title only).

    Every text is escaped (:func:`_md_text`): names holding HTML or Markdown stay text.
    """
    lg = report.lang
    shown = _shown(report)
    lines = [f"# {_md_cell(report.title)}", ""]
    lines += [f"{_md_cell(k)}：{_md_cell(localize(v, lg))}  " if lg == "zh"
              else f"{_md_cell(k)}: {_md_cell(v)}  " for k, v in report.cover
              if k != t("cover_date", lg)]
    lines += ["", f"## {_md_cell(_kn_title(report))}", ""]
    for k, v in report.key_numbers:
        lines.append(f"- **{_md_cell(k)}**: {_md_cell(v)}")
    for s in report.sections:
        lines += ["", f"## {_md_cell(s.title)}", ""]
        for p in s.paragraphs:
            lines += [_md_text(localize(p, lg)), ""]
        for ch in s.charts:
            lines += [f"_{_md_cell(ch.title)}_", ""]
        for tb in s.tables:
            head = _table_heading(s.title, tb)
            if head:
                lines += [f"### {_md_cell(head)}", ""]
            df, note = shown[id(tb)]
            lines.append("| " + " | ".join(_md_cell(c) for c in df.columns) + " |")
            lines.append("|" + "---|" * len(df.columns))
            for row in df.itertuples(index=False):
                lines.append("| " + " | ".join(_md_cell(_cell_text(v, c, lg))
                                               for v, c in zip(row, df.columns, strict=True))
                             + " |")
            lines.append("")
            if note:
                lines += [f"_{_md_cell(note)}_", ""]
    lines += ["", f"_{_md_cell(report.footer)}_", ""]
    return "\n".join(lines)


# ------------------------------------------------------------------ HTML


def _html_table(df: pd.DataFrame, lang: Lang) -> str:
    e = html.escape
    status = [is_status_column(c, lang) for c in df.columns]
    numeric = numeric_columns(df)
    classes = status_classes(lang)
    head = "".join(f'<th class="st">{e(str(c))}</th>' if st else f"<th>{e(str(c))}</th>"
                   for c, st in zip(df.columns, status, strict=True))
    rows = []
    for row in df.itertuples(index=False):
        cells = []
        for v, c, st, num in zip(row, df.columns, status, numeric, strict=True):
            text = _cell_text(v, c, lang)
            cls = (f"st st-{classes[text]}" if st and text in classes else "st" if st
                   else "num" if num else "nw" if _display_width(text) <= 8 else "")
            cells.append(f'<td class="{cls}">{e(text)}</td>' if cls else f"<td>{e(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page: inline CSS, charts and map figures as
    inline PNG, no links; status cells coloured pass / fail; long tables summarised.

    Every text from the data (names, ids, categories) is HTML-escaped.
    """
    e = html.escape
    lg = report.lang
    shown = _shown(report)
    parts = [f'<!DOCTYPE html><html lang="{"zh-CN" if lg == "zh" else "en"}"><head>'
             f'<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
             f"<title>{e(report.title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{e(report.title)}</h1>"]
    cover = [(k, v) for k, v in report.cover if k != t("cover_date", lg)]
    if cover:
        sep = "：" if lg == "zh" else ": "
        parts.append('<p class="cover">' + "".join(
            f"<span>{e(k)}{sep}{e(localize(v, lg))}</span>" for k, v in cover) + "</p>")
    parts.append(f"<h2>{e(_kn_title(report))}</h2><div class=kn>")
    parts += [f"<div><b>{e(v)}</b>{e(k)}</div>" for k, v in report.key_numbers]
    parts.append("</div>")
    for s in report.sections:
        parts.append(f'<section id="{e(s.key)}"><h2>{e(s.title)}</h2>')
        parts += [f"<p>{e(localize(p, lg))}</p>" for p in s.paragraphs]
        for ch in s.charts:
            b64 = base64.b64encode(ch.png).decode("ascii")
            parts.append(f'<figure><img alt="{e(ch.title)}" src="data:image/png;base64,{b64}">'
                         f"<figcaption>{e(ch.title)}</figcaption></figure>")
        for tb in s.tables:
            head = _table_heading(s.title, tb)
            df, note = shown[id(tb)]
            parts.append((f"<h3>{e(head)}</h3>" if head else "") + _html_table(df, lg))
            if note:
                parts.append(f'<p class="note">{e(note)}</p>')
        parts.append("</section>")
    parts.append(f"<footer>{e(report.footer)}</footer></body></html>")
    return "\n".join(parts)


# ------------------------------------------------------------------ notebooks

_STYLE_CSS = {"ok": "background-color:#d9f0d3;color:#1b5e20",
              "bad": "background-color:#f8d0cc;color:#8b1a10",
              "na": "background-color:#eeeeee;color:#555555"}


def styled(table: Table, *, lang: Lang | None = None, max_rows: int | None = None) -> Any:
    """A report table as a pandas ``Styler`` for notebooks: the title as caption, no index,
    status cells coloured pass / fail, numbers right-aligned, messages in the report's
    language, every text HTML-escaped.

    Parameters
    ----------
    table
        A :class:`~gis_planner.report.model.Table` of a report.
    lang
        ``zh`` or ``en``; default: guessed from the table's column names.
    max_rows
        Show only the first rows (``None``: all).

    Returns
    -------
    pandas.io.formats.style.Styler
        Displayed as a table by Jupyter.
    """
    lg: Lang = lang or ("zh" if any("\u4e00" <= ch <= "\u9fff" for c in table.frame.columns
                                    for ch in str(c)) else "en")
    df = table.frame if max_rows is None else table.frame.head(max_rows)
    shown = pd.DataFrame({c: [_cell_text(v, c, lg) for v in df[c]] for c in df.columns},
                         index=range(len(df)), columns=df.columns)
    classes = status_classes(lg)
    status: list[Hashable] = [c for c in df.columns if is_status_column(c, lg)]
    numeric: list[Hashable] = [c for c, num in zip(df.columns, numeric_columns(df), strict=True) if num]
    sty = shown.style.format(escape="html").hide(axis="index").set_caption(html.escape(table.title))
    if status:
        sty = sty.map(lambda v: _STYLE_CSS.get(classes.get(v, ""), ""), subset=status)
    if numeric:
        sty = sty.set_properties(subset=numeric, **{"text-align": "right"})
    return sty.set_table_styles([{"selector": "caption",
                                  "props": "caption-side:top;font-weight:bold;text-align:left"}])


# ------------------------------------------------------------------ Office files: dates

_EPOCH_ZIP = (1980, 1, 1, 0, 0, 0)
#: Longest text of a core property (Word refuses longer ones): long titles are cut there.
_MAX_PROPERTY_CHARS = 255
#: Created / modified dates of ``docProps/core.xml`` (openpyxl stamps "modified" on saving).
_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)")


def _naive_utc(date: datetime.datetime) -> datetime.datetime:
    if date.tzinfo is not None:
        date = date.astimezone(datetime.UTC).replace(tzinfo=None)
    return date.replace(microsecond=0)


def _stamp_zip(path: Path, date: datetime.datetime) -> None:
    """Rewrite an Office file (a zip) with every entry dated ``date``, in a fixed order: two
    writes of the same content on the same date are byte-identical."""
    d = _naive_utc(date)
    stamp = max((d.year, d.month, d.day, d.hour, d.minute, d.second), _EPOCH_ZIP)
    with zipfile.ZipFile(path) as z:
        parts = [(info.filename, z.read(info.filename)) for info in z.infolist()]
    iso = d.strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
    parts = [(name, _CORE_DATES.sub(lambda m: m[1] + iso + m[2], data)
              if name == "docProps/core.xml" else data) for name, data in parts]
    tmp = path.with_name(path.name + ".stamp")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for name, data in parts:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o600 << 16
                z.writestr(info, data)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _doc_date(date: datetime.datetime | None) -> datetime.datetime:
    if date is None:
        from gis_planner.settings import options

        date = options.report_date or datetime.datetime.now().astimezone()
    return _naive_utc(date)


# ------------------------------------------------------------------ Excel


def _display_width(text: str) -> int:
    """Width of ``text`` in Excel character units: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _put(ws: Any, row: int, col: int, value: object, *, numeric: bool) -> Any:
    """Write one cell: a number with its format when ``numeric`` and it parses, else text
    (made a string value, never a formula, by :func:`write_xlsx`)."""
    cell = ws.cell(row=row, column=col)
    num = parse_display_number(value) if numeric else None
    if num is not None:
        cell.value = num.value
        cell.number_format = num.fmt
    else:
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        # control characters cannot be stored in XML (openpyxl refuses them): dropped here
        text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
        cell.value = text if text else None
    return cell


def _fit_columns(ws: Any, frame: pd.DataFrame, *, cap: int = 60) -> None:
    from openpyxl.utils import get_column_letter

    for j, col in enumerate(frame.columns, start=1):
        texts = [str(col)] + [str(v) for v in frame.iloc[:200, j - 1]]
        width = max(_display_width(x) for x in texts) + 2
        ws.column_dimensions[get_column_letter(j)].width = min(max(width, 8), cap)


def _write_frame(ws: Any, frame: pd.DataFrame, lang: Lang, noted: tuple[object, ...] = ()) -> None:
    """Header, rows (numbers as numbers; a number's bracketed note in a column of its own),
    frozen header, autofilter, pass/fail colours."""
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    frame = split_noted_numbers(frame, lang, noted)
    head_fill = PatternFill("solid", fgColor="EEF3F7")
    for j, col in enumerate(frame.columns, start=1):
        c = _put(ws, 1, j, col, numeric=False)
        c.font = Font(bold=True)
        c.fill = head_fill
        c.alignment = Alignment(vertical="center", wrap_text=True)
    numeric = numeric_columns(frame)
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        for j, (v, c, num) in enumerate(zip(row, frame.columns, numeric, strict=True), start=1):
            _put(ws, i, j, v if num else _cell_text(v, c, lang), numeric=num)
    ws.freeze_panes = "A2"
    last = get_column_letter(max(frame.shape[1], 1))
    ws.auto_filter.ref = f"A1:{last}{max(len(frame) + 1, 2)}"
    _fit_columns(ws, frame)
    fills = {"ok": PatternFill("solid", bgColor="D9F0D3"), "bad": PatternFill("solid", bgColor="F8D0CC"),
             "na": PatternFill("solid", bgColor="EEEEEE")}
    classes = status_classes(lang)
    for j, col in enumerate(frame.columns, start=1):
        if not is_status_column(col, lang) or not len(frame):
            continue
        letter = get_column_letter(j)
        rng = f"{letter}2:{letter}{len(frame) + 1}"
        for text, cls in classes.items():
            quoted = '"' + text.replace('"', '""') + '"'
            ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=[quoted],
                                                          fill=fills[cls]))
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width, 12)


def _notes_rows(report: Report, plans: list[SheetPlan]) -> list[tuple[str, str]]:
    """The 说明 sheet: definitions, method and assumptions, and what each sheet holds."""
    lg = report.lang
    rows: list[tuple[str, str]] = [(t("notes_definitions", lg), "")]
    rows += [(t(k, lg), t(d, lg)) for k, d in (
        ("covered_share", "def_coverage"), ("limit_m", "def_limit"),
        ("completeness", "def_completeness"), ("status", "def_status"),
        ("value", "def_numbers"))]
    rows.append(("", ""))
    rows.append((t("notes_assumptions", lg), ""))
    method = next((s for s in report.sections if s.key == "method"), None)
    if method is not None:
        rows += [("", localize(p, lg)) for p in method.paragraphs]
    rows += [("", ""), (t("notes_sheets", lg), "")]
    for plan in plans:
        for name, _ in plan.sheets:
            rows.append((name, plan.table.title))
    return rows


def write_xlsx(report: Report, path: str | os.PathLike[str], *, overwrite: bool = True,
               date: datetime.datetime | None = None) -> Path:
    """Write the report's tables as an ``.xlsx`` workbook (atomic).

    Sheets: the key numbers, 说明 (definitions, method and assumptions, the sheet list), then
    one sheet per table, or one per unit for a table with ``split_by``. Numbers are stored as
    numbers with number formats (thousands separators, percentages), header rows are frozen,
    every table has an autofilter, status cells are coloured pass / fail by conditional
    formatting, and column widths count Chinese characters double. Text is never a formula.

    Parameters
    ----------
    report
        The report.
    path
        Output file.
    overwrite
        Replace an existing file.
    date
        Creation date in the metadata and the zip entries; default
        ``gis_planner.settings.options.report_date``, else now.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from gis_planner.io.write import values_only

    lg = report.lang
    when = _doc_date(date)
    kn_name, notes_name, plans = workbook_layout(report)
    wb = Workbook()
    ws = wb.active
    ws.title = kn_name
    for i, (k, v) in enumerate(report.key_numbers, start=1):
        _put(ws, i, 1, k, numeric=False).font = Font(bold=True)
        _put(ws, i, 2, v, numeric=True)
    _fit_columns(ws, pd.DataFrame(report.key_numbers, columns=["", ""]))
    notes = wb.create_sheet(notes_name)
    for i, (a, b) in enumerate(_notes_rows(report, plans), start=1):
        _put(notes, i, 1, a, numeric=False).font = Font(bold=not b)
        _put(notes, i, 2, b, numeric=False).alignment = Alignment(wrap_text=True,
                                                                   vertical="top")
    notes.column_dimensions["A"].width = 26
    notes.column_dimensions["B"].width = 100
    for plan in plans:
        for name, frame in plan.sheets:
            _write_frame(wb.create_sheet(name), frame, lg, plan.table.noted)
    for sheet in wb.worksheets:
        values_only(sheet)
    props = wb.properties
    props.creator = props.lastModifiedBy = "gis_planner"
    props.title = report.title[:_MAX_PROPERTY_CHARS]
    props.language = "zh-CN" if lg == "zh" else "en"
    props.created = props.modified = when
    path = Path(path)
    with atomic_path(path, overwrite=overwrite) as tmp:
        wb.save(str(tmp))
        _stamp_zip(Path(tmp), when)
    return path


# ------------------------------------------------------------------ Word


def _field(paragraph: Any, instr: str, placeholder: str = "") -> None:
    """A Word field (``PAGE``, ``NUMPAGES``, ``TOC ...``) in ``paragraph``."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def fld(kind: str) -> Any:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        if kind == "begin":
            el.set(qn("w:dirty"), "true")
        return el

    run = paragraph.add_run()
    run._r.append(fld("begin"))
    run = paragraph.add_run()
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = f" {instr} "
    run._r.append(it)
    paragraph.add_run()._r.append(fld("separate"))
    paragraph.add_run(placeholder)
    paragraph.add_run()._r.append(fld("end"))


def _shade(cell: Any, hex_fill: str) -> None:
    _shade_tc(cell._tc, hex_fill)


def _shade_tc(tc: Any, hex_fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), hex_fill)
    tc.get_or_add_tcPr().append(shd)


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(el)


def _column_widths_cm(df: pd.DataFrame, lang: Lang, text_width_cm: float) -> list[float]:
    """Column widths (cm) proportional to content, status columns wide enough for 未达标 /
    not assessable on one line, summing to the text width."""
    want = []
    for j, col in enumerate(df.columns):
        cells = [str(v) for v in df.iloc[:60, j]]
        longest = max([_display_width(str(col))] + [_display_width(c) for c in cells])
        mean = sum(_display_width(c) for c in cells) / max(len(cells), 1)
        w = min(max(longest, 4), 14) if mean < 16 else min(mean, 40)
        if is_status_column(col, lang):
            w = max(w, 9 if lang == "zh" else 15)
        want.append(float(w))
    total = sum(want) or 1.0
    widths = [text_width_cm * w / total for w in want]
    status = [is_status_column(c, lang) for c in df.columns]
    floor_cm = 1.9 if lang == "zh" else 2.6  # 未达标 / not assessable on one line at 8.5 pt
    fixed = sum(max(w, floor_cm) for w, st in zip(widths, status, strict=True) if st)
    rest = sum(w for w, st in zip(widths, status, strict=True) if not st) or 1.0
    room = max(text_width_cm - fixed, 0.3 * text_width_cm)
    return [max(w, floor_cm) if st else w * room / rest
            for w, st in zip(widths, status, strict=True)]


_DOCX_FILLS = {"ok": "D9F0D3", "bad": "F8D0CC", "na": "EEEEEE"}


def _docx_table(doc: Any, df: pd.DataFrame, lang: Lang, text_width_cm: float) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    table = doc.add_table(rows=1, cols=len(df.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [Cm(w) for w in _column_widths_cm(df, lang, text_width_cm)]
    status = [is_status_column(c, lang) for c in df.columns]
    numeric = numeric_columns(df)
    classes = status_classes(lang)

    size = Pt(8.5)

    def fill(cell: Any, text: str, *, bold: bool = False, right: bool = False) -> None:
        # a new cell holds one empty paragraph: write into it (each python-docx property
        # set is XML work, and a table has thousands of cells)
        par = cell.paragraphs[0]
        run = par.add_run(text)
        run.font.size = size
        if bold:
            run.bold = True
        if right:
            par.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    head = table.rows[0]
    _repeat_header(head)
    for cell, c, w in zip(head.cells, df.columns, widths, strict=True):
        fill(cell, str(c), bold=True)
        _shade(cell, "EEF3F7")
        cell.width = w
    if not len(df):
        return
    # The data rows: python-docx builds one (widths, alignment, font size, a placeholder text)
    # and every row is a copy of it with its texts put in: the same XML as filling each cell
    # through python-docx, at a fraction of the XML work (tables have thousands of cells)
    template = table.add_row()
    for cell, w, num in zip(template.cells, widths, numeric, strict=True):
        fill(cell, "x", right=num)
        cell.width = w
    tr = template._tr
    tbl = tr.getparent()
    tbl.remove(tr)
    for row in df.itertuples(index=False):
        new = copy.deepcopy(tr)
        for tc, v, c, st in zip(new.tc_lst, row, df.columns, status, strict=True):
            text = _cell_text(v, c, lang)
            tc.p_lst[0].r_lst[0].text = text  # python-docx's run writer (tabs, breaks, spaces)
            if st and text in classes:
                _shade_tc(tc, _DOCX_FILLS[classes[text]])
        tbl.append(new)


#: Elements of ``w:settings`` that follow ``w:updateFields`` in the schema's sequence.
_AFTER_UPDATE_FIELDS = ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars",
                        "rsids", "mathPr", "attachedSchema", "themeFontLang",
                        "clrSchemeMapping", "doNotIncludeSubdocsInStats",
                        "doNotAutoCompressPictures", "forceUpgrade", "captions",
                        "readModeInkLockDown", "smartTagType", "schemaLibrary",
                        "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol",
                        "listSeparator")


def _update_fields_on_open(doc: Any) -> None:
    """Ask Word to update every field (contents, page numbers) when it opens the file;
    ``w:updateFields`` goes in its schema position, or Word reports unreadable content."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    settings = doc.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    after = next((el for el in settings if el.tag.rsplit("}", 1)[-1] in _AFTER_UPDATE_FIELDS),
                 None)
    if after is not None:
        after.addprevious(update)
    else:
        settings.append(update)


def _docx_styles(doc: Any) -> None:
    """A4 portrait, 25 mm side margins, a CJK font for every text style."""
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.left_margin = sec.right_margin = Mm(25)
    sec.top_margin, sec.bottom_margin = Mm(25), Mm(22)
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "List Bullet",
                 "Caption"):
        style = doc.styles[name]
        style.font.name = "Microsoft YaHei"
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), "Microsoft YaHei")
    doc.styles["Normal"].font.size = Pt(10.5)


def _docx_cover(doc: Any, report: Report, when: datetime.datetime) -> None:
    """The cover page (title, date, study area, profile), with no page number."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Pt

    lg = report.lang
    doc.sections[0].different_first_page_header_footer = True
    for _ in range(6):
        doc.add_paragraph()
    title = doc.add_paragraph(style="Title")
    title.add_run(report.title)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph()
    cover = list(report.cover) or [(t("cover_date", lg), when.strftime("%Y-%m-%d"))]
    for k, v in cover:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(f"{k}：{localize(v, lg)}" if lg == "zh" else f"{k}: {v}")
        run.font.size = Pt(12)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _docx_contents(doc: Any, report: Report) -> None:
    """A TOC field Word fills in on opening (until then: the list of sections), and the
    footer's "page x of y"."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Pt, RGBColor

    lg = report.lang
    run = doc.add_paragraph().add_run(t("toc", lg))
    run.bold, run.font.size = True, Pt(16)
    headings = [_kn_title(report)] + [s.title for s in report.sections]
    _field(doc.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u', "\n".join(headings))
    hint = doc.add_paragraph().add_run(t("toc_hint", lg))
    hint.font.size, hint.font.color.rgb = Pt(8), RGBColor(0x77, 0x77, 0x77)
    _update_fields_on_open(doc)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    foot = doc.sections[0].footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for piece in re.split(r"(\{page\}|\{pages\})", t("page", lg, page="{page}", pages="{pages}")):
        if piece == "{page}":
            _field(foot, "PAGE", "1")
        elif piece == "{pages}":
            _field(foot, "NUMPAGES", "1")
        elif piece:
            foot.add_run(piece)


def _docx_body(doc: Any, report: Report, text_width_cm: float) -> None:
    """Key numbers, then each section: heading (once), paragraphs, figures, tables."""
    import io as _io

    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    lg = report.lang
    shown = _shown(report)
    doc.add_heading(_kn_title(report), level=1)
    for k, v in report.key_numbers:
        doc.add_paragraph(f"{k}：{v}" if lg == "zh" else f"{k}: {v}", style="List Bullet")
    for s in report.sections:
        doc.add_heading(s.title, level=1)
        for p in s.paragraphs:
            doc.add_paragraph(localize(p, lg))
        for ch in s.charts:
            doc.add_picture(_io.BytesIO(ch.png), width=Cm(min(15.5, text_width_cm)))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            doc.add_paragraph(ch.title, style="Caption").alignment = WD_ALIGN_PARAGRAPH.CENTER
        for tb in s.tables:
            heading = _table_heading(s.title, tb)
            if heading:
                doc.add_heading(heading, level=2)
            df, note = shown[id(tb)]
            _docx_table(doc, df, lg, text_width_cm)
            if note:
                run = doc.add_paragraph().add_run(note)
                run.italic, run.font.size = True, Pt(9)
    doc.add_paragraph(report.footer)


def write_docx(report: Report, path: str | os.PathLike[str], *, overwrite: bool = True,
               date: datetime.datetime | None = None) -> Path:
    """Write ``report`` as a Word document for meeting papers (atomic).

    A4 pages; a cover (title, date, study area, profile); a table of contents (a ``TOC``
    field Word fills in on opening, showing the section list until then); page numbers in
    the footer; each section heading once; status cells coloured pass / fail; the map
    figures and charts; long tables summarised (the workbook holds them whole).

    Parameters
    ----------
    report
        The report.
    path
        Output file.
    overwrite
        Replace an existing file.
    date
        Date on the cover and in the metadata; default
        ``gis_planner.settings.options.report_date``, else now.
    """
    from docx import Document

    when = _doc_date(date)
    doc = Document()
    _docx_styles(doc)
    _docx_cover(doc, report, when)
    _docx_contents(doc, report)
    _docx_body(doc, report, text_width_cm=(210 - 50) / 10)
    props = doc.core_properties
    props.title = report.title[:_MAX_PROPERTY_CHARS]
    props.author = props.last_modified_by = "gis_planner"
    props.language = "zh-CN" if report.lang == "zh" else "en"
    props.created = props.modified = props.last_printed = when
    props.revision = 1
    props.comments = props.keywords = ""
    path = Path(path)
    with atomic_path(path, overwrite=overwrite) as tmp:
        doc.save(str(tmp))
        _stamp_zip(Path(tmp), when)
    return path
