"""Meeting-ready outputs of a plan run: report objects, renderers and the output folder.

:func:`build_report` is pure (results -> :class:`Report`); :func:`render_markdown` and
:func:`render_html` return text; :func:`write_xlsx` and :func:`write_docx` write one file;
:func:`write_plan_outputs` writes the whole output folder atomically (it lives in
:mod:`gis_planner.outputs`, above both the report and the maps); :func:`styled` shows a table in
a notebook. See ``docs/report.md``.
"""

from __future__ import annotations

from gis_planner.outputs import (
    OUTPUT_FILES,
    prepare_report,
    result_layers,
    write_plan_outputs,
)
from gis_planner.report.model import Chart, Report, Section, Table, build_report
from gis_planner.report.render import render_html, render_markdown, styled, write_docx, write_xlsx

__all__ = [
    "OUTPUT_FILES",
    "Chart",
    "Report",
    "Section",
    "Table",
    "build_report",
    "prepare_report",
    "render_html",
    "render_markdown",
    "result_layers",
    "styled",
    "write_docx",
    "write_plan_outputs",
    "write_xlsx",
]
