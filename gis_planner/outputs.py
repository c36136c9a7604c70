"""The output folder of ``gis-planner report``: six files, written all-or-nothing.

The one place where the report (:mod:`gis_planner.report`) and the map (:mod:`gis_planner.maps`)
meet: both read the typed plan results and never import each other. The report package gives
these names too (``gis_planner.report.write_plan_outputs``, ``OUTPUT_FILES`` …); the report and
map modules are imported inside the functions, so that importing either package first works.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd

from gis_planner._fs import atomic_dir
from gis_planner.coverage.columns import covered_col
from gis_planner.plan.results import new_sites

if TYPE_CHECKING:
    from pyproj import CRS

    from gis_planner.plan import PlanResults
    from gis_planner.report.model import Chart, Report

logger = logging.getLogger(__name__)

#: Files every run writes into the output folder.
OUTPUT_FILES = ("report.html", "report.md", "report.xlsx", "report.docx", "map.html",
                "results.gpkg", "facility_audit.csv")


def result_layers(results: PlanResults) -> dict[str, gpd.GeoDataFrame]:
    """Every geographic layer of a plan run, by GeoPackage layer name (metric CRS)."""
    from gis_planner.report.model import sites_layer_name

    inputs = results.inputs
    # households: the compounds with their reach columns (name of ReachResult.households)
    layers: dict[str, gpd.GeoDataFrame] = {"households": results.reach.households,
                                           "facilities": results.reach.facilities,
                                           "roads": inputs.network.edges}
    optional = {"gates": inputs.gates, "candidates": inputs.candidates,
                "communities": inputs.communities, "subdistricts": inputs.subdistricts}
    chk = results.community_check
    if chk is not None:
        optional.update(community_check=chk.communities, communities_proposed=chk.proposed)
    for name, gdf in optional.items():
        if isinstance(gdf, gpd.GeoDataFrame) and len(gdf):
            layers[name] = gdf
    sa = results.service_areas
    if sa is not None and len(sa):
        layers["service_areas"] = sa
    for outcome in results.siting:
        res = outcome.result
        if res is not None:
            name = sites_layer_name(outcome, results)
            ch = new_sites(res)
            ex = res.explain("zh")
            extra = [c for c in ("explanation", "requirement") if c in ex.columns
                     and c not in ch.columns]
            layers[name] = ch.join(ex[extra]) if extra else ch
    layers.update(_analysis_layers(results))
    return layers


def _analysis_layers(results: PlanResults) -> dict[str, gpd.GeoDataFrame]:
    """The layers of the optional analyses (elderly care, neighbourhood centres, governance
    grids) that the plan ran."""
    out: dict[str, gpd.GeoDataFrame] = {}
    eld = results.elderly
    if eld is not None:
        out["elderly_compounds"] = eld.compounds
        out["elderly_facilities"] = eld.facilities
        if eld.sites is not None and len(eld.sites):
            out["elderly_sites"] = eld.sites
    if results.centres is not None:
        out["centre_spaces"] = results.centres.spaces
    if results.grids is not None:
        out["grids"] = results.grids.grids
        out["micro_grids"] = results.grids.micro_grids
    audit = results.grid_audit
    if audit is not None:
        for name, gdf in (("gaps", audit.gaps), ("overlaps", audit.overlaps)):
            if len(gdf):
                out[f"grid_audit_{name}"] = gdf
    return {k: v for k, v in out.items() if isinstance(v, gpd.GeoDataFrame) and len(v)}


def report_date() -> datetime.datetime:
    """The date stamped on the documents: ``options.report_date`` when set (byte-identical
    builds), else now (local time)."""
    from gis_planner.settings import options

    fixed = options.report_date
    return fixed if fixed is not None else datetime.datetime.now().astimezone()


def figure_categories(results: PlanResults) -> list[str]:
    """Categories drawn as static map figures: those of the plan's siting jobs (in plan order),
    else the least-covered required category."""
    reach = results.reach
    cats = [o.job.category for o in results.siting if o.result is not None]
    cats = [c for c in dict.fromkeys(cats) if covered_col(c) in reach.households.columns]
    if cats:
        return cats
    cov = results.coverage
    if len(cov):
        req = [c for c in cov.sort_values("covered_share")["category"]
               if c in reach.required_categories] or list(cov["category"])
        return [str(req[0])]
    return []


def map_figures(results: PlanResults, *, lang: str = "zh") -> list[Chart]:
    """Static coverage maps (:class:`~gis_planner.report.model.Chart`, PNG) of the
    :func:`figure_categories`, with the proposed sites of each."""
    import pandas as pd

    from gis_planner._units import distance_to_minutes
    from gis_planner.categories import label
    from gis_planner.plan.i18n import check_lang, t
    from gis_planner.report.charts import reach_map_figure
    from gis_planner.report.model import Chart

    lg = check_lang(lang)
    reach = results.reach
    crs = reach.households.crs
    inputs = results.inputs
    charts = []
    for cat in figure_categories(results):
        sites = [new_sites(o.result).to_crs(crs) for o in results.siting
                 if o.result is not None and o.job.category == cat and len(new_sites(o.result))]
        png = reach_map_figure(reach, cat, lang=lg, sites=pd.concat(sites) if sites else None,
                               communities=_in_crs(inputs.communities, crs),
                               subdistricts=_in_crs(inputs.subdistricts, crs),
                               roads=_in_crs(inputs.network.edges, crs))
        limit_m = float(reach.category_limits_m[cat])
        limit_min = float(distance_to_minutes(limit_m, reach.speed_kmh))
        title = t("fig_map_title", lg, cat=label(cat, lg), minutes=f"{limit_min:g}",
                  metres=f"{limit_m:g}")
        charts.append(Chart(f"map_{cat}", t("fig_caption", lg, title=title), png))
    return charts


def _in_crs(gdf: gpd.GeoDataFrame | None, crs: CRS) -> gpd.GeoDataFrame | None:
    return gdf.to_crs(crs) if isinstance(gdf, gpd.GeoDataFrame) and len(gdf) else None


def cover_lines(results: PlanResults, *, lang: str = "zh",
                date: datetime.datetime | None = None) -> tuple[tuple[str, str], ...]:
    """Cover-page lines ``(label, value)``: the date, the study area and the policy profile."""
    from gis_planner.plan.i18n import check_lang, t

    lg = check_lang(lang)
    d = date or report_date()
    day = f"{d.year}年{d.month}月{d.day}日" if lg == "zh" else d.strftime("%Y-%m-%d")
    inputs = results.inputs
    subs, comms = inputs.subdistricts, inputs.communities
    lines = [(t("cover_date", lg), day)]
    if isinstance(subs, gpd.GeoDataFrame) and len(subs):
        names = [str(v) for v in (subs["name"] if "name" in subs.columns else subs.index)]
        shown = ("、" if lg == "zh" else ", ").join(names[:5])
        if len(names) > 5:
            shown += t("cover_more", lg) if lg == "zh" else " " + t("cover_more", lg)
        km2 = float(subs.to_crs(results.reach.households.crs).area.sum()) / 1e6
        lines.append((t("cover_area", lg), t(
            "cover_area_value", lg, names=shown, n=len(subs),
            communities=len(comms) if isinstance(comms, gpd.GeoDataFrame) else 0,
            km2=f"{km2:.1f}")))
    prof = results.profile
    title = prof.title_zh if lg == "zh" else prof.title_en
    lines.append((t("cover_profile", lg), f"{title}（{prof.id}）" if lg == "zh"
                  else f"{title} ({prof.id})"))
    return tuple(lines)


def prepare_report(results: PlanResults, *, lang: str = "zh",
                   date: datetime.datetime | None = None) -> Report:
    """The report as the output files show it: :func:`~gis_planner.report.model.build_report`
    plus the static map figures (in the siting section, else the coverage section) and the
    cover lines.

    Parameters
    ----------
    results
        A :class:`gis_planner.plan.PlanResults`.
    lang
        ``zh`` (default) or ``en``.
    date
        Date on the cover; default :func:`report_date`.
    """
    from gis_planner.report.model import build_report

    report = build_report(results, lang=lang)
    figures = tuple(map_figures(results, lang=lang))
    keys = [s.key for s in report.sections]
    target = "siting" if "siting" in keys else "coverage" if "coverage" in keys else None
    sections = tuple(dataclasses.replace(s, charts=s.charts + figures) if s.key == target else s
                     for s in report.sections)
    return dataclasses.replace(report, sections=sections,
                               cover=cover_lines(results, lang=lang, date=date))


def write_plan_outputs(results: PlanResults, out: str | os.PathLike[str], *, lang: str = "zh",
                       overwrite: bool = False, offline_map: bool = True,
                       tiles: str | None = None,
                       include: dict[str, Path] | None = None,
                       basemap: str | os.PathLike[str] | None = None,
                       basemap_coords: str = "wgs84", out_crs: object = None) -> list[Path]:
    """Write ``report.html``, ``report.md``, ``report.xlsx``, ``report.docx``, ``map.html``,
    ``results.gpkg`` and ``facility_audit.csv`` (what became of every facility row) into ``out``.

    Everything is built in a temporary folder beside ``out`` and moved in only when all six
    files are complete: a failed or interrupted run leaves ``out`` as it was.

    Parameters
    ----------
    results
        A :class:`gis_planner.plan.PlanResults`.
    out
        Output folder (created when missing).
    lang
        ``zh`` (default) or ``en``.
    overwrite
        Replace files of an earlier run.
    offline_map, tiles, basemap, basemap_coords
        See :func:`gis_planner.maps.plan_map` (``basemap``: a local ``.mbtiles`` file or
        folder of ``z/x/y.png`` tiles, embedded in ``map.html``).
    include
        Folders to copy into ``out`` with the reports, in the same all-or-nothing step, by
        the name they get there (the demo's ``inputs``).
    out_crs
        Coordinate system of the ``results.gpkg`` layers (see
        :func:`gis_planner.io.write.to_output_crs`); None keeps the working metric CRS.

    Returns
    -------
    list of Path
        The written files, in :data:`OUTPUT_FILES` order.

    Raises
    ------
    InputDataError
        When ``out`` holds an earlier run and ``overwrite`` is false.
    """
    from gis_planner.io.write import kept_audit, write_facility_audit, write_layers
    from gis_planner.maps import plan_map, save_map
    from gis_planner.report import render

    out = Path(out)
    include = dict(include or {})
    clashes = [f for f in OUTPUT_FILES if (out / f).exists()]
    clashes += [n for n in include if (out / n).is_file() or ((out / n).is_dir() and any((out / n).iterdir()))]
    if clashes and not overwrite:
        from gis_planner._errors import InputDataError

        raise InputDataError(f"{out}: would overwrite {', '.join(clashes)}; pass --overwrite "
                             "or choose another --out.")
    date = report_date()
    report = prepare_report(results, lang=lang, date=date)
    with atomic_dir(out, overwrite=overwrite) as tmp:
        (tmp / "report.html").write_text(render.render_html(report), encoding="utf-8")
        (tmp / "report.md").write_text(render.render_markdown(report), encoding="utf-8")
        render.write_xlsx(report, tmp / "report.xlsx", date=date)
        render.write_docx(report, tmp / "report.docx", date=date)
        save_map(plan_map(results, lang=lang, offline=offline_map, tiles=tiles,
                          basemap=basemap, basemap_coords=basemap_coords), tmp / "map.html")
        write_layers(tmp / "results.gpkg", result_layers(results), out_crs=out_crs)
        audit = results.inputs.facility_audit
        write_facility_audit(tmp / "facility_audit.csv",
                             audit if audit is not None else kept_audit(results.inputs.facilities))
        for name, folder in include.items():
            shutil.copytree(folder, tmp / name)
    logger.info("wrote %s into %s", ", ".join(OUTPUT_FILES), out)
    return [out / f for f in OUTPUT_FILES]
