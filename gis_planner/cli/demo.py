"""``gis-planner demo``: the whole job on the bundled synthetic demo town."""

from __future__ import annotations

from pathlib import Path

import typer

#: Folder of OUT that receives the demo town's input files.
INPUTS = "inputs"


def demo_command(
    out: Path = typer.Option(..., "--out", help="Output folder (inputs/ and the reports go here)."),
    lang: str = typer.Option("zh", "--lang", help="Report language: zh (default) or en."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing outputs."),
) -> None:
    """Generate the synthetic demo town and run the whole planning job on it.

    $ gis-planner demo --out demo_output
    """
    import time

    from gis_planner._fs import scratch_dir
    from gis_planner.cli._common import check_output_folder
    from gis_planner.cli.report import run_report
    from gis_planner.demo import write_demo_town
    from gis_planner.outputs import OUTPUT_FILES

    start = time.perf_counter()
    # writable, and no output in the way, before the town is made
    check_output_folder(out, [*OUTPUT_FILES, INPUTS], inputs=(), overwrite=overwrite)
    # the town is generated in a scratch folder beside OUT and moved in together with the
    # reports (one all-or-nothing step), so an interrupted demo leaves OUT as it was
    with scratch_dir(out.parent / f"{out.name}.inputs") as tmp:
        paths = write_demo_town(tmp / INPUTS)
        run_report(paths["plan"], out, lang=lang, overwrite=overwrite, start=start,
                   include={INPUTS: tmp / INPUTS})


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to ``app``."""
    app.command("demo")(demo_command)
