"""``gis-planner compare``: two runs of the same study area side by side."""

from __future__ import annotations

import time
from pathlib import Path

import typer


def compare_command(
    run_a: Path = typer.Argument(..., help="Output folder of the first run (gis-planner report or demo)."),
    run_b: Path = typer.Argument(..., help="Output folder of the scenario compared with it."),
    out: Path = typer.Option(..., "--out", help="Output folder of the comparison."),
    lang: str = typer.Option("zh", "--lang", help="zh (default) or en."),
    category: str | None = typer.Option(
        None, "--category", help="Category the difference map shows first (default: the one with most "
        "households lost); every category can be chosen in the map."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing outputs."),
) -> None:
    """Compare two runs: coverage per category and per 街道, households gained and lost,
    indicators whose status changed, and a difference map.

    Writes report.html, report.md, report.xlsx, map.html (compounds coloured gained, lost or
    unchanged for a chosen category) and comparison.gpkg into OUT. The runs must cover the same
    study area in the same coordinate system. RUN_A and RUN_B are output folders of
    gis-planner report or demo, e.g. the demo town and the same plan in English:

    \b
    $ gis-planner demo --out demo_output
    $ gis-planner report --config data/demo/plan.toml --out report_output --lang en
    $ gis-planner compare demo_output report_output --out compare_output --lang en
    """
    from gis_planner._errors import InputDataError
    from gis_planner.categories import label
    from gis_planner.cli._common import check_output_folder, pad
    from gis_planner.io.runs import read_run
    from gis_planner.maps.compare import compare_map_html
    from gis_planner.report.compare import (
        COMPARISON_FILES,
        compare_runs,
        default_category,
        write_comparison_outputs,
    )
    from gis_planner.report.i18n import check_lang

    start = time.perf_counter()
    if lang not in ("zh", "en"):
        raise typer.BadParameter(f"expected zh or en; got {lang!r}", param_hint="--lang")
    lg = check_lang(lang)
    for run in (run_a, run_b):
        if out.resolve() == run.resolve() or out.resolve() in run.resolve().parents:
            raise InputDataError(f"--out {out} would write into the run {run}; choose another --out.")
    check_output_folder(out, COMPARISON_FILES, inputs=[run_a, run_b], overwrite=overwrite)
    comp = compare_runs(read_run(run_a), read_run(run_b))
    if category is not None and category not in comp.categories:
        raise typer.BadParameter(f"{category!r} is not in both runs; expected one of "
                                 f"{', '.join(comp.categories)}", param_hint="--category")
    page = compare_map_html(comp, lang=lang, category=category or default_category(comp))
    written = write_comparison_outputs(comp, out, lang=lang, map_html=page, overwrite=overwrite)
    typer.echo(f"\n{comp.name_a} -> {comp.name_b}: {len(comp.compounds):,} compounds in both")
    for _, row in comp.coverage.sort_values("change_pp", kind="stable").iterrows():
        typer.echo(f"  {pad(label(row['category'], lg), 36)} {row['share_a']:>6.1%} -> "
                   f"{row['share_b']:>6.1%}  (+{row['gained_households']:,.0f} / "
                   f"-{row['lost_households']:,.0f} households)")
    if comp.indicators is not None:
        typer.echo(f"  indicators changing status: {int(comp.indicators['changed'].sum())} of "
                   f"{len(comp.indicators)}")
    typer.echo("wrote " + ", ".join(str(p) for p in written))
    typer.echo(f"done in {time.perf_counter() - start:.1f} s")


def register(app: typer.Typer) -> None:
    """Add the ``compare`` command to ``app``."""
    app.command("compare")(compare_command)
