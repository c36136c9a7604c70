"""Write a plan's outputs into a folder atomically: all files appear together or none do."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import TYPE_CHECKING

from gis_planner._fs import atomic_dir
from gis_planner.io.write import write_layers, write_table
from gis_planner.report.build import build_report
from gis_planner.report.render import render_html, render_markdown

if TYPE_CHECKING:
    from gis_planner.pipeline import PlanResults


def result_layers(results: PlanResults) -> dict[str, object]:
    """Every spatial result as GeoPackage layers."""
    layers = {"households": results.reach.households, "facilities": results.reach.facilities,
              "roads": results.inputs.network.edges}
    if results.inputs.communities is not None:
        layers["communities"] = results.inputs.communities
    if results.community_check is not None:
        layers["communities_checked"] = results.community_check.communities
        if getattr(results.community_check, "proposed", None) is not None:
            layers["communities_proposed"] = results.community_check.proposed
    if results.service_areas is not None:
        layers["service_areas"] = results.service_areas
    for name, res in (("sites_elderly", results.siting_elderly), ("sites_mclp", results.siting_mclp)):
        if res is not None:
            layers[name] = res.chosen
    return layers


def _coverage_chart(results: PlanResults, lang: str) -> str | None:
    """Coverage bar chart as a PNG data URI (CJK font from mplfonts)."""
    from gis_planner.report.charts import coverage_bar_png

    png = coverage_bar_png(results.coverage, lang=lang)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def write_plan_outputs(results: PlanResults, out_dir: str | os.PathLike[str], *, lang: str = "zh",
                       overwrite: bool = False) -> list[Path]:
    """Write ``report.md``, ``report.html``, ``report.xlsx`` and ``results.gpkg`` into ``out_dir``.

    Everything is written into a temporary folder first and moved in at the end, so a failure
    or interruption leaves ``out_dir`` as it was.
    """
    from gis_planner.report.i18n import t

    report = build_report(results, lang=lang)
    names = ["report.md", "report.html", "report.xlsx", "results.gpkg"]
    with atomic_dir(out_dir, overwrite=overwrite) as tmp:
        (tmp / "report.md").write_text(render_markdown(report), encoding="utf-8")
        chart = _coverage_chart(results, lang)
        (tmp / "report.html").write_text(
            render_html(report, images={t("coverage", lang): chart} if chart else None),
            encoding="utf-8")
        write_table(tmp / "report.xlsx", report.tables(), overwrite=True)
        write_layers(tmp / "results.gpkg", result_layers(results), overwrite=True)
    return [Path(out_dir) / n for n in names]


