"""``gis-planner report``: the whole planning job from a plan config to meeting-ready files."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from gis_planner._errors import InputDataError
from gis_planner.cli._common import pad


def run_report(config: Path, out: Path, *, lang: str | None, overwrite: bool,
               start: float | None = None, include: dict[str, Path] | None = None,
               partition: dict[str, Any] | None = None) -> None:
    """Read the plan, run every analysis, write the outputs (with the folders of ``include``,
    see :func:`~gis_planner.report.write_plan_outputs`) and print the key numbers.

    ``partition`` (``by`` or ``tile_m``, ``scheduler``, ``workers``) overrides the config's
    ``[partition]`` table: the reachability step then runs on Dask, and its partition results
    are written into ``OUT/partitions`` with the reports.
    """
    from gis_planner.pipeline import load_plan_inputs, read_plan_config

    start = time.perf_counter() if start is None else start
    if out.exists() and not out.is_dir():
        raise InputDataError(f"--out {out} is a file; expected an output folder.")
    cfg = read_plan_config(config)
    part = dict(cfg.partition)
    if partition and (partition.get("by") is not None or partition.get("tile_m") is not None):
        part = {k: v for k, v in part.items() if k not in ("by", "tile_m")}
    part.update({k: v for k, v in (partition or {}).items() if v is not None})
    if not part.get("by") and not part.get("tile_m"):
        if part.get("scheduler"):
            raise typer.BadParameter("--scheduler needs --partition-by or --tile-m (or a [partition] table "
                                     "in the config)", param_hint="--scheduler")
        _run_and_write(cfg, out, lang=lang, overwrite=overwrite, start=start, include=include)
        return
    if part.get("by") and part.get("tile_m"):
        raise typer.BadParameter("give --partition-by or --tile-m, not both", param_hint="--partition-by")
    from gis_planner._fs import scratch_dir
    from gis_planner.pipeline import partitioned_plan_reach

    if (out / PARTITIONS).is_file():
        raise InputDataError(f"{out / PARTITIONS} is a file; the partition results go into that folder.")
    if not overwrite:  # refuse before the long run rather than after it
        from gis_planner.report.outputs import OUTPUT_FILES

        clashes = [f for f in OUTPUT_FILES if (out / f).exists()]
        clashes += [PARTITIONS] if (out / PARTITIONS).is_dir() and any((out / PARTITIONS).iterdir()) else []
        if clashes:
            raise InputDataError(f"{out}: would overwrite {', '.join(clashes)}; pass --overwrite "
                                 "or choose another --out.")
    inputs = load_plan_inputs(cfg)
    with scratch_dir(out) as tmp:
        reach = partitioned_plan_reach(cfg, inputs, tmp / PARTITIONS, partition_by=part.get("by"),
                                       tile_m=part.get("tile_m"), scheduler=part.get("scheduler"),
                                       workers=int(part.get("workers", 2)), store_dir=tmp / "store",
                                       progress=True)
        _run_and_write(cfg, out, lang=lang, overwrite=overwrite, start=start,
                       include={**(include or {}), PARTITIONS: tmp / PARTITIONS}, inputs=inputs, reach=reach)
    _drop_stale_parts(out / PARTITIONS)


#: Folder of the output that receives the partition results of a partitioned report.
PARTITIONS = "partitions"


def _drop_stale_parts(folder: Path) -> None:
    """Remove ``part-*.parquet`` files an earlier run left in ``folder`` that this run's
    ``_metadata.json`` does not list (readers go by the manifest; this keeps the folder clean)."""
    from gis_planner.partition.store import read_manifest

    listed = {p["file"] for p in read_manifest(folder)["partitions"]}
    for f in folder.glob("part-*.parquet"):
        if f.name not in listed:
            f.unlink()


def _run_and_write(cfg: Any, out: Path, *, lang: str | None, overwrite: bool, start: float,
                   include: dict[str, Path] | None, inputs: Any = None, reach: Any = None) -> None:
    from gis_planner.categories import label
    from gis_planner.pipeline import load_plan_inputs, run_plan
    from gis_planner.report import write_plan_outputs

    lang = lang or cfg.lang
    if lang not in ("zh", "en"):
        raise InputDataError(f"--lang must be zh or en; got {lang!r}.")
    results = run_plan(cfg, inputs if inputs is not None else load_plan_inputs(cfg), progress=True,
                       reach=reach)
    written = write_plan_outputs(results, out, lang=lang, overwrite=overwrite, include=include)
    cov = results.coverage.sort_values("covered_share")
    typer.echo(f"\n{cfg.title}  ({results.profile.id}, {results.reach.speed_kmh:g} km/h)")
    typer.echo(f"  households {int(results.reach.households[results.reach.households_col].sum()):,}"
               f"   compounds {len(results.reach.households):,}"
               f"   mean completeness {results.completeness['mean_completeness'].iloc[0]:.1%}")
    for _, row in cov.iterrows():
        typer.echo(f"  {pad(label(row['category'], lang), 36)} {row['limit_m']:>6.0f} m   "
                   f"{row['covered_share']:>6.1%}")
    for name, res in (("elderly-care centres", results.siting_elderly),
                      ("maximum-coverage sites", results.siting_mclp)):
        if res is not None:
            typer.echo(f"  {name}: {', '.join(map(str, res.chosen.index[~res.chosen['existing']]))}")
    if results.compliance is not None:
        city = results.compliance.table
        city = city[city["unit_type"] == "city"]
        typer.echo("  indicators: " + ", ".join(f"{k} {v}" for k, v in city["status"].value_counts().items()))
    typer.echo("wrote " + ", ".join(str(p) for p in written))
    typer.echo(f"done in {time.perf_counter() - start:.1f} s")


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
                                       help="Worker processes of the local cluster (default 2)."),
) -> None:
    """Run the whole job from a plan config and write the reports and results.

    With --partition-by or --tile-m (or a [partition] table in the config) the reachability
    step runs partition by partition on Dask; its results are kept in OUT/partitions
    (part-*.parquet, _metadata.json) and every other step runs on the merged result, so the
    reports equal those of a single-process run.

    \b
    $ gis-planner report --config data/demo/plan.toml --out report_output --lang en
    $ gis-planner report --config data/demo/plan.toml --out report_output \\
        --partition-by data/demo/subdistricts.geojson
    """
    if partition_by is not None and not partition_by.exists():
        raise typer.BadParameter(f"{partition_by}: file not found.", param_hint="--partition-by")
    if tile_m is not None and not tile_m > 0:
        raise typer.BadParameter(f"expected a size in metres > 0; got {tile_m}", param_hint="--tile-m")
    run_report(config, out, lang=lang, overwrite=overwrite,
               partition={"by": partition_by, "tile_m": tile_m, "scheduler": scheduler, "workers": workers})


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""
    app.command("report")(report_command)
