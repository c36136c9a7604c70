"""``gis-planner report``: the whole planning job from a plan config to meeting-ready files."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from gis_planner._errors import InputDataError
from gis_planner.cli._common import (
    CATEGORIES_HELP,
    ID_COL_HELP,
    NODED_HELP,
    OUT_CRS_HELP,
    out_crs_option,
    pad,
    set_lang,
)

if TYPE_CHECKING:
    from gis_planner.report.i18n import Lang


def run_report(config: Path, out: Path, *, lang: str | None, overwrite: bool,
               start: float | None = None, include: dict[str, Path] | None = None,
               partition: dict[str, Any] | None = None,
               map_options: dict[str, Any] | None = None,
               reading: dict[str, Any] | None = None) -> None:
    """Read the plan, run every analysis, write the outputs (with the folders of ``include``,
    see :func:`~gis_planner.report.write_plan_outputs`) and print the key numbers.

    ``partition`` (``by`` or ``tile_m``, ``scheduler``, ``workers``) overrides the config's
    ``[partition]`` table: the reachability step then runs on Dask, and its partition results
    are written into ``OUT/partitions`` with the reports. ``reading`` (``noded``, ``id_col``,
    ``out_crs``, ``categories``) overrides the config's options of the same names.
    """
    from gis_planner.cli._common import check_output_folder, check_outputs
    from gis_planner.outputs import OUTPUT_FILES
    from gis_planner.pipeline import load_plan_inputs, read_plan_config

    start = time.perf_counter() if start is None else start
    check_outputs([out], inputs=[config], overwrite=overwrite, folder=True)
    cfg = with_command_line(read_plan_config(config), reading or {})
    part = dict(cfg.partition)
    if partition and (partition.get("by") is not None or partition.get("tile_m") is not None):
        part = {k: v for k, v in part.items() if k not in ("by", "tile_m")}
    part.update({k: v for k, v in (partition or {}).items() if v is not None})
    writes = [*OUTPUT_FILES, *(include or {}), *([PARTITIONS] if part.get("by") or part.get("tile_m") else [])]
    # refused before the long run rather than after it
    check_output_folder(out, writes, inputs=[config, *_config_paths(cfg)], overwrite=overwrite, source=config)
    if not part.get("by") and not part.get("tile_m"):
        if part.get("scheduler"):
            raise typer.BadParameter("--scheduler needs --partition-by or --tile-m (or a [partition] table "
                                     "in the config)", param_hint="--scheduler")
        _run_and_write(cfg, out, lang=lang, overwrite=overwrite, start=start, include=include,
                       map_options=map_options)
        return
    if part.get("by") and part.get("tile_m"):
        raise typer.BadParameter("give --partition-by or --tile-m, not both", param_hint="--partition-by")
    from gis_planner._fs import scratch_dir
    from gis_planner.pipeline import partitioned_plan_reach

    inputs = load_plan_inputs(cfg)
    with scratch_dir(out) as tmp:
        reach = partitioned_plan_reach(cfg, inputs, tmp / PARTITIONS, partition_by=part.get("by"),
                                       tile_m=part.get("tile_m"), scheduler=part.get("scheduler"),
                                       workers=int(part.get("workers", 2)), store_dir=tmp / "store",
                                       progress=True)
        _run_and_write(cfg, out, lang=lang, overwrite=overwrite, start=start,
                       include={**(include or {}), PARTITIONS: tmp / PARTITIONS}, inputs=inputs, reach=reach,
                       map_options=map_options)


def with_command_line(cfg: Any, reading: dict[str, Any]) -> Any:
    """The plan ``cfg`` with the command line's reading options (None: the plan's)."""
    import dataclasses

    changes: dict[str, Any] = {k: v for k, v in reading.items() if k in ("id_col", "out_crs") and v is not None}
    if reading.get("noded"):
        changes["noded"] = True
    if reading.get("categories") is not None:
        changes["inputs"] = {**cfg.inputs, "categories": Path(reading["categories"]).resolve()}
    return dataclasses.replace(cfg, **changes) if changes else cfg


#: Folder of the output that receives the partition results of a partitioned report (replaced
#: whole by the next run, so no stale part survives).
PARTITIONS = "partitions"


def _config_paths(cfg: Any) -> list[Path]:
    """The input files a plan config names (``[inputs]`` and ``partition.by``)."""
    found = [*cfg.inputs.values(), *cfg.facility_files, cfg.partition.get("by")]
    return [Path(v) for v in found if isinstance(v, (str, Path))]


def _run_and_write(cfg: Any, out: Path, *, lang: str | None, overwrite: bool, start: float,
                   include: dict[str, Path] | None, inputs: Any = None, reach: Any = None,
                   map_options: dict[str, Any] | None = None) -> None:
    from gis_planner.categories import label
    from gis_planner.cli._common import resolve_out_crs, set_lang
    from gis_planner.pipeline import load_plan_inputs, run_plan
    from gis_planner.report import write_plan_outputs

    lang = lang or cfg.lang
    if lang not in ("zh", "en"):
        raise InputDataError(f"--lang must be zh or en; got {lang!r}.")
    set_lang(lang)
    lg: Lang = "zh" if lang == "zh" else "en"
    results = run_plan(cfg, inputs if inputs is not None else load_plan_inputs(cfg), progress=True,
                       reach=reach)
    written = write_plan_outputs(results, out, lang=lang, overwrite=overwrite, include=include,
                                 out_crs=resolve_out_crs(cfg.out_crs, results.inputs.compounds),
                                 **(map_options or {}))
    cov = results.coverage.sort_values("covered_share")
    typer.echo(f"\n{cfg.title}  ({results.profile.id}, {results.reach.speed_kmh:g} km/h)")
    typer.echo(f"  households {int(results.reach.households[results.reach.households_col].sum()):,}"
               f"   compounds {len(results.reach.households):,}"
               f"   mean completeness {results.completeness['mean_completeness'].iloc[0]:.1%}")
    for _, row in cov.iterrows():
        typer.echo(f"  {pad(label(row['category'], lg), 36)} {row['limit_m']:>6.0f} m   "
                   f"{row['covered_share']:>6.1%}")
    for outcome in results.siting:
        typer.echo(f"  {outcome.job.model} {label(outcome.job.category, lg)}: {siting_text(outcome, lg)}")
    if results.compliance is not None:
        city = results.compliance.table
        city = city[city["unit_type"] == "city"]
        typer.echo("  indicators: " + ", ".join(f"{k} {v}" for k, v in city["status"].value_counts().items()))
    typer.echo("wrote " + ", ".join(str(p) for p in written))
    typer.echo(f"done in {time.perf_counter() - start:.1f} s")


#: The console's words for what a siting job gave, by language.
SITING_WORDS: dict[str, dict[str, str]] = {
    "zh": {"planned": "养老服务设施网络建议的 {ids} 按已建计入", "served": "每个街道均已有一处，无需选址",
           "served_planned": "每个街道均已有或已建议一处，无需另行选址", "and": "；", "ids": "、"},
    "en": {"planned": "the elderly-care network's proposals {ids} count as built",
           "served": "every sub-district has one already: nothing to site",
           "served_planned": "every sub-district has one, built or proposed: nothing to site",
           "and": "; ", "ids": ", "},
}


def siting_text(outcome: Any, lang: Lang) -> str:
    """What a siting job gave, for the console summary in ``lang``: the new sites chosen, the
    elderly-care network's proposals it counted as built (``outcome.planned``), and why it did
    not run; a per-sub-district job finding every sub-district served (the refusal of
    :func:`gis_planner.siting.models.elderly_centres_per_subdistrict`) says so in ``lang``."""
    words = SITING_WORDS[lang]
    res = outcome.result
    parts = []
    if res is not None:
        parts.append(", ".join(map(str, res.chosen.index[~res.chosen["existing"]])))
    if outcome.planned:
        parts.append(words["planned"].format(ids=words["ids"].join(outcome.planned)))
    if res is None:
        served = words["served_planned" if outcome.planned else "served"]
        parts.append(served if outcome.served else outcome.note)
    return words["and"].join(p for p in parts if p)


def report_command(
    config: Path = typer.Option(..., "--config", help="Plan config (TOML): inputs, coordinate systems, profile."),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    lang: str | None = typer.Option(None, "--lang", help="zh (default) or en."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing outputs."),
    partition_by: Path | None = typer.Option(
        None, "--partition-by",
        help="Polygons (districts, sub-districts): run reachability partition by partition on Dask."),
    tile_m: float | None = typer.Option(None, "--tile-m", help="Partition into square tiles of this size (m) instead."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address (tcp://host:8786); default a local cluster."),
    workers: int | None = typer.Option(None, "--workers", min=1,
                                       help="Worker processes of the local cluster (default 2, at most the CPUs)."),
    basemap: Path | None = typer.Option(
        None, "--basemap", help="Local base map for map.html: an .mbtiles file or a folder of z/x/y.png "
        "tiles (embedded, no network)."),
    basemap_coords: str = typer.Option("wgs84", "--basemap-coords",
                                       help="Coordinate system of the --basemap tiles: wgs84 or gcj02."),
    noded: bool = typer.Option(False, "--noded", help=NODED_HELP + " Overrides inputs.noded."),
    id_col: str | None = typer.Option(None, "--id-col", help=ID_COL_HELP + " Overrides inputs.compounds_id_col."),
    out_crs: str | None = typer.Option(None, "--out-crs", help=OUT_CRS_HELP + " Overrides out_crs."),
    categories: Path | None = typer.Option(None, "--categories",
                                           help=CATEGORIES_HELP + " Overrides inputs.categories."),
) -> None:
    """Run the whole job from a plan config and write the reports and results.

    With --partition-by or --tile-m (or a [partition] table in the config) the reachability
    step runs partition by partition on Dask; its results are kept in OUT/partitions
    (part-*.parquet, _metadata.json) and every other step runs on the merged result, so the
    reports equal those of a single-process run.

    OUT receives report.html, report.md, report.xlsx, report.docx, map.html, results.gpkg and
    facility_audit.csv (every facility row of every facility file: its category, or why it
    was left out). --noded, --id-col, --out-crs and --categories override the plan's
    inputs.noded, inputs.compounds_id_col, out_crs and inputs.categories.

    \b
    $ gis-planner report --config data/demo/plan.toml --out report_output --lang en
    $ gis-planner report --config data/demo/plan.toml --out report_output \\
        --partition-by data/demo/subdistricts.geojson
    """
    if partition_by is not None and not partition_by.exists():
        raise typer.BadParameter(f"{partition_by}: file not found.", param_hint="--partition-by")
    if tile_m is not None and not tile_m > 0:
        raise typer.BadParameter(f"expected a size in metres > 0; got {tile_m}", param_hint="--tile-m")
    if basemap is not None and not (basemap.is_dir() or (basemap.is_file()
                                                         and basemap.suffix.lower() == ".mbtiles")):
        raise typer.BadParameter(f"{basemap}: expected an .mbtiles file or a folder of z/x/y tiles.",
                                 param_hint="--basemap")
    if basemap_coords not in ("wgs84", "gcj02"):
        raise typer.BadParameter(f"expected wgs84 or gcj02; got {basemap_coords!r}", param_hint="--basemap-coords")
    if lang is not None:
        set_lang(lang)
    if categories is not None and not categories.is_file():
        raise typer.BadParameter(f"{categories}: file not found.", param_hint="--categories")
    run_report(config, out, lang=lang, overwrite=overwrite,
               partition={"by": partition_by, "tile_m": tile_m, "scheduler": scheduler, "workers": workers},
               map_options={"basemap": basemap, "basemap_coords": basemap_coords},
               reading={"noded": noded, "id_col": id_col, "out_crs": out_crs_option(out_crs),
                        "categories": categories})


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""
    app.command("report")(report_command)
