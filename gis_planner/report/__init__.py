"""Results -> report objects -> Markdown, HTML, Excel and GeoPackage outputs."""

from __future__ import annotations

from gis_planner.report.build import Report, build_report
from gis_planner.report.render import render_html, render_markdown
from gis_planner.report.write import write_plan_outputs

__all__ = ["Report", "build_report", "render_html", "render_markdown", "write_plan_outputs"]
