"""``gis-planner template``: the Excel attribute table to collect a profile's indicator data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the ``template`` command to ``app``."""

    @app.command("template")
    def template(
        profile: Annotated[str, typer.Option("--profile", help="Profile id or .toml path.")],
        out: Annotated[Path, typer.Option("--out", help="Output workbook (.xlsx).")],
        communities: Annotated[
            Path | None,
            typer.Option(
                "--communities",
                help="Communities (layer or CSV with community_code) for one row each.",
            ),
        ] = None,
        overwrite: Annotated[
            bool, typer.Option("--overwrite", help="Replace an existing --out.")
        ] = False,
    ) -> None:
        """Write the community attribute template (Excel) for a profile's indicators.

        One column per field the indicators need (header rows in Chinese and English), one row
        per community when given, and a sheet explaining each field, its unit and its indicators.

        \b
        $ gis-planner template --profile taizhou-2023 --out template.xlsx
        $ gis-planner template --profile tianjin-14fyp --communities data/demo/communities.geojson \\
            --out tpl.xlsx
        """
        from gis_planner.cli._common import check_outputs, require_suffix
        from gis_planner.policy.template import write_attribute_template

        require_suffix(out, (".xlsx",), what="the template is an Excel workbook")
        check_outputs([out], inputs=(communities,), overwrite=overwrite)
        comm = None
        if communities is not None:
            if communities.suffix.lower() in (".csv", ".txt"):
                from gis_planner.io.attributes import read_community_table

                comm = read_community_table(communities)
            else:
                from gis_planner.cli.check import read_layer

                comm = read_layer(communities, "communities")
        write_attribute_template(out, profile, comm, overwrite=overwrite)
        typer.echo(f"{out}: attribute template for {profile} written.")
