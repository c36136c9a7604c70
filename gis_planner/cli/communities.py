"""``gis-planner communities``: household counts per community, band checks, adjustment proposals."""

from __future__ import annotations

from pathlib import Path

import typer

from gis_planner.cli._common import COORDS_HELP


def communities_command(
    communities: Path = typer.Option(..., "--communities", help="Community polygons (社区/村)."),
    compounds: Path = typer.Option(..., "--compounds", help="Compounds with a households column."),
    out: Path = typer.Option(..., "--out", help="Output GeoPackage; a CSV table is written beside it."),
    gates: Path | None = typer.Option(None, "--gates", help="Compound gates (for --assign gate)."),
    network: Path | None = typer.Option(None, "--network", help="Walk network for compactness in walking metres."),
    facilities: Path | None = typer.Option(None, "--facilities", help="Facilities (community service centres)."),
    attributes: Path | None = typer.Option(None, "--attributes", help="Community attribute table (area, workers)."),
    profile: str = typer.Option("taizhou-2023", "--profile", help="Profile with the household bands."),
    assign: str = typer.Option("centroid", "--assign", help="Rule for compounds on a boundary: centroid, gate or area."),
    coords: str | None = typer.Option(None, "--coords", help=COORDS_HELP),
    facility_coords: str | None = typer.Option(None, "--facility-coords", help="Like --coords, for the facilities."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing outputs."),
) -> None:
    """Check community sizes against the profile's household bands and propose adjustments.

    $ gis-planner communities --communities data/demo/communities.geojson
      --compounds data/demo/compounds.geojson --network data/demo/roads.geojson
      --profile taizhou-2023 --out communities.gpkg
    """
    from gis_planner import io
    from gis_planner._errors import InputDataError
    from gis_planner._fs import atomic_path
    from gis_planner.community import check_communities
    from gis_planner.io.write import write_layers, write_table
    from gis_planner.policy import load_profile, read_community_attributes

    if assign not in ("centroid", "gate", "area"):
        raise typer.BadParameter("expected centroid, gate or area", param_hint="--assign")
    table_path = out.with_name(out.stem + "_table.csv")
    for p in (out, table_path):
        if p.exists() and not overwrite:
            raise typer.BadParameter(f"{p} exists; pass --overwrite to replace it.", param_hint="--out")
    prof = load_profile(profile)
    if prof.community_bands is None:
        raise InputDataError(f"profile {prof.id} has no community household bands; use one that "
                             "does (e.g. taizhou-2023) or write your own profile.")
    net = io.read_network(network) if network else None
    crs = net.crs if net is not None else None
    com = io.read_communities(communities, metric_crs=crs)
    homes = io.read_compounds(compounds, source_coords=coords, metric_crs=com.crs)
    gate_layer = io.read_gates(gates, compounds=homes, source_coords=coords) if gates else None
    fac = (io.read_facilities(facilities, source_coords=facility_coords or coords, metric_crs=com.crs)
           if facilities else None)
    attrs = read_community_attributes(attributes) if attributes else None
    result = check_communities(com, homes, bands=prof.community_bands, rule=assign,  # type: ignore[arg-type]
                               gates=gate_layer, network=net, facilities=fac, attributes=attrs)
    with atomic_path(table_path, overwrite=True) as tmp:
        write_table(tmp, result.table, overwrite=True)
        write_layers(out, {"communities_current": result.communities,
                           "communities_proposed": result.proposed}, overwrite=overwrite)
    t = result.table
    typer.echo(t[["community_code", "name", "urban_rural", "households", "band_min", "band_max",
                  "status"]].to_string(index=False))
    if len(result.changes):
        typer.echo("\nproposals:")
        for _, ch in result.changes.iterrows():
            typer.echo(f"  {ch['community_code']} {ch['status']}: {ch['action']} — {ch['reason']}")
    typer.echo(f"\ncompounds straddling a boundary: {int(result.assignment['straddles'].sum())} "
               f"(assigned by {assign}); distances: {result.distance_kind}")
    typer.echo(f"wrote {out} and {table_path}")


def register(app: typer.Typer) -> None:
    """Add the ``communities`` command to ``app``."""
    app.command("communities")(communities_command)
