"""The output folder of ``gis-planner report``: six files, written all-or-nothing."""

from __future__ import annotations

import dataclasses
import datetime
import logging
import os
import shutil
from pathlib import Path
from typing import Any

import geopandas as gpd

from gis_planner._fs import atomic_dir

logger = logging.getLogger(__name__)

#: Files every run writes into the output folder.
OUTPUT_FILES = ("report.html", "report.md", "report.xlsx", "report.docx", "map.html",
                "results.gpkg")


def result_layers(results: Any) -> dict[str, gpd.GeoDataFrame]:
    """Every geographic layer of a plan run, by GeoPackage layer name (metric CRS)."""
    from gis_planner.report.model import new_sites, sites_layer_name

    inputs = getattr(results, "inputs", results)
    layers: dict[str, gpd.GeoDataFrame] = {}
    reach = getattr(results, "reach", None)
    layers["households"] = reach.households if reach is not None else inputs.compounds
    # households: the compounds with their reach columns (name of ReachResult.households)
    layers["facilities"] = reach.facilities if reach is not None else inputs.facilities
    layers["roads"] = inputs.network.edges
    for name in ("gates", "candidates", "communities", "subdistricts"):
        gdf = getattr(inputs, name, None)
        if isinstance(gdf, gpd.GeoDataFrame) and len(gdf):
            layers[name] = gdf
    chk = getattr(results, "community_check", None)
    for attr, name in (("communities", "community_check"), ("proposed", "communities_proposed")):
        gdf = getattr(chk, attr, None)
        if isinstance(gdf, gpd.GeoDataFrame) and len(gdf):
            layers[name] = gdf
    if isinstance(chk, gpd.GeoDataFrame) and len(chk):
        layers["community_check"] = chk
    sa = getattr(results, "service_areas", None)
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


def _analysis_layers(results: Any) -> dict[str, gpd.GeoDataFrame]:
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
        for name in ("gaps", "overlaps"):
            gdf = getattr(audit, name)
            if len(gdf):
                out[f"grid_audit_{name}"] = gdf
    return {k: v for k, v in out.items() if isinstance(v, gpd.GeoDataFrame) and len(v)}


def report_date() -> datetime.datetime:
    """The date stamped on the documents: ``options.report_date`` when set (byte-identical
    builds), else now (local time)."""
    from gis_planner.settings import options

    fixed = options.report_date
    return fixed if fixed is not None else datetime.datetime.now().astimezone()


def figure_categories(results: Any) -> list[str]:
    """Categories drawn as static map figures: those of the plan's siting jobs (in plan order),
    else the least-covered required category."""
    reach = getattr(results, "reach", None)
    if reach is None:
        return []
    cats = [o.job.category for o in getattr(results, "siting", ()) if o.result is not None]
    cats = [c for c in dict.fromkeys(cats) if f"{c}_covered" in reach.households.columns]
    if cats:
        return cats
    cov = getattr(results, "coverage", None)
    if cov is not None and len(cov):
        req = [c for c in cov.sort_values("covered_share")["category"]
               if c in reach.required_categories] or list(cov["category"])
        return [str(req[0])]
    return []


def map_figures(results: Any, *, lang: str = "zh") -> list[Any]:
    """Static coverage maps (:class:`~gis_planner.report.model.Chart`, PNG) of the
    :func:`figure_categories`, with the proposed sites of each."""
    import pandas as pd

    from gis_planner._units import distance_to_minutes
    from gis_planner.categories import label
    from gis_planner.report.charts import reach_map_figure
    from gis_planner.report.i18n import check_lang, t
    from gis_planner.report.model import Chart, new_sites

    lg = check_lang(lang)
    reach = results.reach
    crs = reach.households.crs
    inputs = results.inputs
    charts = []
    for cat in figure_categories(results):
        sites = [new_sites(o.result).to_crs(crs) for o in results.siting
                 if o.result is not None and o.job.category == cat and len(new_sites(o.result))]
        png = reach_map_figure(reach, cat, lang=lg, sites=pd.concat(sites) if sites else None,
                               communities=_in_crs(getattr(inputs, "communities", None), crs),
                               subdistricts=_in_crs(getattr(inputs, "subdistricts", None), crs),
                               roads=_in_crs(inputs.network.edges, crs))
        limit_m = float(reach.category_limits_m[cat])
        limit_min = float(distance_to_minutes(limit_m, reach.speed_kmh))
        title = t("fig_map_title", lg, cat=label(cat, lg), minutes=f"{limit_min:g}",
                  metres=f"{limit_m:g}")
        charts.append(Chart(f"map_{cat}", t("fig_caption", lg, title=title), png))
    return charts


def _in_crs(gdf: Any, crs: Any) -> Any:
    return gdf.to_crs(crs) if isinstance(gdf, gpd.GeoDataFrame) and len(gdf) else None


def cover_lines(results: Any, *, lang: str = "zh",
                date: datetime.datetime | None = None) -> tuple[tuple[str, str], ...]:
    """Cover-page lines ``(label, value)``: the date, the study area and the policy profile."""
    from gis_planner.report.i18n import check_lang, t

    lg = check_lang(lang)
    d = date or report_date()
    day = f"{d.year}年{d.month}月{d.day}日" if lg == "zh" else d.strftime("%Y-%m-%d")
    inputs = results.inputs
    subs, comms = getattr(inputs, "subdistricts", None), getattr(inputs, "communities", None)
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


def prepare_report(results: Any, *, lang: str = "zh",
                   date: datetime.datetime | None = None) -> Any:
    """The report as the output files show it: :func:`~gis_planner.report.model.build_report`
    plus the static map figures (in the siting section, else the coverage section) and the
    cover lines.

    Parameters
    ----------
    results
        A :class:`gis_planner.pipeline.PlanResults`.
    lang
        ``zh`` (default) or ``en``.
    date
        Date on the cover; default :func:`report_date`.
    """
    from gis_planner.report.model import build_report

    report = build_report(results, lang=lang)
    figures = tuple(map_figures(results, lang=lang)) if getattr(results, "reach", None) else ()
    keys = [s.key for s in report.sections]
    target = "siting" if "siting" in keys else "coverage" if "coverage" in keys else None
    sections = tuple(dataclasses.replace(s, charts=s.charts + figures) if s.key == target else s
                     for s in report.sections)
    return dataclasses.replace(report, sections=sections,
                               cover=cover_lines(results, lang=lang, date=date))


def write_plan_outputs(results: Any, out: str | os.PathLike[str], *, lang: str = "zh",
                       overwrite: bool = False, offline_map: bool = True,
                       tiles: str | None = None,
                       include: dict[str, Path] | None = None,
                       basemap: str | os.PathLike[str] | None = None,
                       basemap_coords: str = "wgs84") -> list[Path]:
    """Write ``report.html``, ``report.md``, ``report.xlsx``, ``report.docx``, ``map.html`` and
    ``results.gpkg`` into ``out``.

    Everything is built in a temporary folder beside ``out`` and moved in only when all six
    files are complete: a failed or interrupted run leaves ``out`` as it was.

    Parameters
    ----------
    results
        A :class:`gis_planner.pipeline.PlanResults`.
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

    Returns
    -------
    list of Path
        The written files, in :data:`OUTPUT_FILES` order.

    Raises
    ------
    InputDataError
        When ``out`` holds an earlier run and ``overwrite`` is false.
    """
    from gis_planner.io.write import write_layers
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
        write_layers(tmp / "results.gpkg", result_layers(results))
        for name, folder in include.items():
            shutil.copytree(folder, tmp / name)
    logger.info("wrote %s into %s", ", ".join(OUTPUT_FILES), out)
    return [out / f for f in OUTPUT_FILES]
