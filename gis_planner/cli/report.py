"""``gis-planner report``: the whole planning job from a plan config to meeting-ready files."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from gis_planner._errors import InputDataError


def run_report(config: Path, out: Path, *, lang: str | None, overwrite: bool,
               start: float | None = None, include: dict[str, Path] | None = None) -> None:
    """Read the plan, run every analysis, write the outputs (with the folders of ``include``,
    see :func:`~gis_planner.report.write_plan_outputs`) and print the key numbers."""
    from gis_planner.categories import label
    from gis_planner.pipeline import load_plan_inputs, read_plan_config, run_plan
    from gis_planner.report import write_plan_outputs

    start = time.perf_counter() if start is None else start
    if out.exists() and not out.is_dir():
        raise InputDataError(f"--out {out} is a file; expected an output folder.")
    cfg = read_plan_config(config)
    lang = lang or cfg.lang
    if lang not in ("zh", "en"):
        raise InputDataError(f"--lang must be zh or en; got {lang!r}.")
    results = run_plan(cfg, load_plan_inputs(cfg), progress=True)
    written = write_plan_outputs(results, out, lang=lang, overwrite=overwrite, include=include)
    cov = results.coverage.sort_values("covered_share")
    typer.echo(f"\n{cfg.title}  ({results.profile.id}, {results.reach.speed_kmh:g} km/h)")
    typer.echo(f"  households {int(results.reach.households[results.reach.households_col].sum()):,}"
               f"   compounds {len(results.reach.households):,}"
               f"   mean completeness {results.completeness['mean_completeness'].iloc[0]:.1%}")
    for _, row in cov.iterrows():
        typer.echo(f"  {label(row['category'], lang):<24} {row['limit_m']:>6.0f} m   "
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
) -> None:
    """Run the whole job from a plan config and write the reports and results.

    $ gis-planner report --config data/demo/plan.toml --out report_output --lang en
    """
    run_report(config, out, lang=lang, overwrite=overwrite)


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""
    app.command("report")(report_command)
