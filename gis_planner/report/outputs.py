"""The output folder of ``gis-planner report``: six files, written all-or-nothing."""

from __future__ import annotations

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
    from gis_planner.report.model import new_sites

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
    for attr, name in (("siting_mclp", "sites_mclp"), ("siting", "sites_mclp"),
                       ("siting_elderly", "sites_elderly"), ("elderly_siting", "sites_elderly")):
        res = getattr(results, attr, None)
        if res is not None and name not in layers:
            ch = new_sites(res)
            ex = res.explain("zh")
            extra = [c for c in ("explanation", "requirement") if c in ex.columns
                     and c not in ch.columns]
            layers[name] = ch.join(ex[extra]) if extra else ch
    return layers


def write_plan_outputs(results: Any, out: str | os.PathLike[str], *, lang: str = "zh",
                       overwrite: bool = False, offline_map: bool = True,
                       tiles: str | None = None,
                       include: dict[str, Path] | None = None) -> list[Path]:
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
    offline_map, tiles
        See :func:`gis_planner.maps.plan_map`.
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
    from gis_planner.report.model import build_report

    out = Path(out)
    include = dict(include or {})
    clashes = [f for f in OUTPUT_FILES if (out / f).exists()]
    clashes += [n for n in include if (out / n).is_file() or ((out / n).is_dir() and any((out / n).iterdir()))]
    if clashes and not overwrite:
        from gis_planner._errors import InputDataError

        raise InputDataError(f"{out}: would overwrite {', '.join(clashes)}; pass --overwrite "
                             "or choose another --out.")
    report = build_report(results, lang=lang)
    with atomic_dir(out, overwrite=overwrite) as tmp:
        (tmp / "report.html").write_text(render.render_html(report), encoding="utf-8")
        (tmp / "report.md").write_text(render.render_markdown(report), encoding="utf-8")
        render.write_xlsx(report, tmp / "report.xlsx")
        render.write_docx(report, tmp / "report.docx")
        save_map(plan_map(results, lang=lang, offline=offline_map, tiles=tiles),
                 tmp / "map.html")
        write_layers(tmp / "results.gpkg", result_layers(results))
        for name, folder in include.items():
            shutil.copytree(folder, tmp / name)
    logger.info("wrote %s into %s", ", ".join(OUTPUT_FILES), out)
    return [out / f for f in OUTPUT_FILES]
