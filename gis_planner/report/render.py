"""Report -> Markdown and self-contained HTML text (pure functions; every value escaped)."""

from __future__ import annotations

import html

import pandas as pd

from gis_planner.report.build import Report
from gis_planner.report.i18n import t


def _md_cell(v: object) -> str:
    return str(v).replace("|", "\\|").replace("\n", " ")


def _md_table(df: pd.DataFrame) -> str:
    head = "| " + " | ".join(_md_cell(c) for c in df.columns) + " |"
    sep = "|" + "---|" * len(df.columns)
    rows = ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *rows])


def render_markdown(report: Report) -> str:
    """The report as Markdown."""
    parts = [f"# {report.title}", "", f"## {t('key_numbers', report.lang)}", "",
             _md_table(report.key_numbers), ""]
    for title, paras, tables in report.sections:
        parts += [f"## {title}", ""]
        parts += [p + "\n" for p in paras]
        for df in tables.values():
            parts += [_md_table(df), ""]
    return "\n".join(parts)


CSS = """body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:1100px;
color:#222}table{border-collapse:collapse;margin:1em 0;font-size:14px}td,th{border:1px solid #ccc;
padding:4px 8px;text-align:left}th{background:#f0f4f8}h1{color:#1f4e79}h2{color:#1f4e79;
border-bottom:2px solid #1f4e79;padding-bottom:4px}"""


def _html_table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def render_html(report: Report, *, images: dict[str, str] | None = None) -> str:
    """The report as one self-contained HTML page (inline CSS; ``images`` maps a section title
    to a data-URI PNG shown under it)."""
    lang = "zh-CN" if report.lang == "zh" else "en"
    body = [f"<h1>{html.escape(report.title)}</h1>", f"<h2>{html.escape(t('key_numbers', report.lang))}</h2>",
            _html_table(report.key_numbers)]
    for title, paras, tables in report.sections:
        body.append(f"<h2>{html.escape(title)}</h2>")
        body += [f"<p>{html.escape(p)}</p>" for p in paras]
        if images and title in images:
            body.append(f'<img alt="{html.escape(title)}" src="{images[title]}" style="max-width:100%">')
        body += [_html_table(df) for df in tables.values()]
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{html.escape(report.title)}</title><style>{CSS}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")
