"""Renderers of a :class:`~gis_planner.report.model.Report`: Markdown and self-contained HTML
(pure, return text), Excel (one sheet per table) and Word (write a file atomically)."""

from __future__ import annotations

import base64
import html
import os
from pathlib import Path

import pandas as pd

from gis_planner._fs import atomic_path
from gis_planner.report.model import Report

_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:2em auto;
max-width:1100px;color:#222;line-height:1.55;padding:0 1em}
h1{border-bottom:3px solid #1f5f8b;padding-bottom:.3em}h2{color:#1f5f8b;margin-top:1.8em}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em;width:100%}
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eef3f7}tr:nth-child(even) td{background:#fafafa}
.kn{display:flex;flex-wrap:wrap;gap:.8em}.kn div{background:#eef3f7;border-radius:6px;
padding:.6em 1em;min-width:12em}.kn b{display:block;font-size:1.4em;color:#1f5f8b}
figure{margin:1em 0}figcaption{color:#555;font-size:.9em}footer{color:#777;margin-top:3em}
"""


_MD_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]",
                             "`": "\\`"})


def _md_text(x: object) -> str:
    """Text from the data made inert in Markdown: HTML, links and code spans are escaped
    (Markdown renderers pass raw HTML through)."""
    return str(x).translate(_MD_ESCAPES)


def _md_cell(x: object) -> str:
    return _md_text(x).replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    """The report as GitHub-flavoured Markdown (charts are referred to by title only).

    Every text is escaped (:func:`_md_text`): names holding HTML or Markdown stay text.
    """
    lines = [f"# {_md_cell(report.title)}", "", f"## {report.sections and _kn_title(report)}", ""]
    for k, v in report.key_numbers:
        lines.append(f"- **{_md_cell(k)}**: {_md_cell(v)}")
    for s in report.sections:
        lines += ["", f"## {_md_cell(s.title)}", ""]
        for p in s.paragraphs:
            lines += [_md_text(p), ""]
        for tb in s.tables:
            lines += [f"### {_md_cell(tb.title)}", ""]
            df = tb.frame
            lines.append("| " + " | ".join(_md_cell(c) for c in df.columns) + " |")
            lines.append("|" + "---|" * len(df.columns))
            for row in df.itertuples(index=False):
                lines.append("| " + " | ".join(_md_cell(v) for v in row) + " |")
            lines.append("")
    lines += ["", f"_{_md_cell(report.footer)}_", ""]
    return "\n".join(lines)


def _kn_title(report: Report) -> str:
    from gis_planner.report.i18n import t

    return t("key_numbers", report.lang)


def _html_table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page: inline CSS, charts as inline PNG, no links.

    Every text from the data (names, ids, categories) is HTML-escaped.
    """
    e = html.escape
    parts = [f'<!DOCTYPE html><html lang="{"zh-CN" if report.lang == "zh" else "en"}"><head>'
             f'<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
             f"<title>{e(report.title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{e(report.title)}</h1>", f"<h2>{e(_kn_title(report))}</h2><div class=kn>"]
    parts += [f"<div><b>{e(v)}</b>{e(k)}</div>" for k, v in report.key_numbers]
    parts.append("</div>")
    for s in report.sections:
        parts.append(f'<section id="{e(s.key)}"><h2>{e(s.title)}</h2>')
        parts += [f"<p>{e(p)}</p>" for p in s.paragraphs]
        for ch in s.charts:
            b64 = base64.b64encode(ch.png).decode("ascii")
            parts.append(f'<figure><img alt="{e(ch.title)}" src="data:image/png;base64,{b64}">'
                         f"<figcaption>{e(ch.title)}</figcaption></figure>")
        for tb in s.tables:
            parts.append(f"<h3>{e(tb.title)}</h3>{_html_table(tb.frame)}")
        parts.append("</section>")
    parts.append(f"<footer>{e(report.footer)}</footer></body></html>")
    return "\n".join(parts)


def _sheet_names(report: Report) -> list[str]:
    names: list[str] = []
    for tb in report.tables():
        base = "".join(c for c in tb.title if c not in '[]:*?/\\')[:28] or tb.key
        name, i = base, 2
        while name in names:
            name, i = f"{base[:26]}_{i}", i + 1
        names.append(name)
    return names


def write_xlsx(report: Report, path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
    """Write every table of ``report`` as its own sheet of an ``.xlsx`` workbook (atomic)."""
    path = Path(path)
    with atomic_path(path, overwrite=overwrite) as tmp, \
            pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        kn = pd.DataFrame(report.key_numbers, columns=["", ""])
        kn.to_excel(xw, sheet_name=_kn_title(report)[:31], index=False, header=False)
        _no_formulas(xw.sheets[_kn_title(report)[:31]])
        for name, tb in zip(_sheet_names(report), report.tables(), strict=True):
            tb.frame.to_excel(xw, sheet_name=name, index=False)
            ws = xw.sheets[name]
            _no_formulas(ws)
            for col in ws.columns:
                width = max(len(str(c.value or "")) for c in col[:50])
                ws.column_dimensions[col[0].column_letter].width = min(max(width, 8) * 1.6, 60)
    return path


def _no_formulas(ws: object) -> None:
    """Keep text such as ``=HYPERLINK(...)`` (a name from the data) a text cell: the report's
    tables hold values only, and a cell starting with ``=`` must not run as a formula."""
    for row in ws.iter_rows():  # type: ignore[attr-defined]
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def write_docx(report: Report, path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
    """Write ``report`` as a Word document (headings, tables, charts) for meeting papers."""
    import io as _io

    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Microsoft YaHei"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Microsoft YaHei")
    doc.add_heading(report.title, level=0)
    doc.add_heading(_kn_title(report), level=1)
    for k, v in report.key_numbers:
        doc.add_paragraph(f"{k}：{v}" if report.lang == "zh" else f"{k}: {v}",
                          style="List Bullet")
    for s in report.sections:
        doc.add_heading(s.title, level=1)
        for p in s.paragraphs:
            doc.add_paragraph(p)
        for ch in s.charts:
            doc.add_picture(_io.BytesIO(ch.png), width=Cm(15))
            doc.add_paragraph(ch.title)
        for tb in s.tables:
            doc.add_heading(tb.title, level=2)
            df = tb.frame
            table = doc.add_table(rows=1, cols=len(df.columns))
            table.style = "Table Grid"
            for cell, c in zip(table.rows[0].cells, df.columns, strict=True):
                cell.text = str(c)
            for row in df.itertuples(index=False):
                cells = table.add_row().cells
                for cell, v in zip(cells, row, strict=True):
                    cell.text = str(v)
    doc.add_paragraph(report.footer)
    path = Path(path)
    with atomic_path(path, overwrite=overwrite) as tmp:
        doc.save(str(tmp))
    return path
