"""``gis-planner communities``: household counts per community, band checks, adjustment proposals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from gis_planner.cli._common import (
    COORDS_HELP,
    LANG_HELP,
    CategoriesOption,
    FacilityCoordsOption,
    IdColOption,
    NodedOption,
    OutCrsOption,
)

ASSIGN_CHOICES = ("centroid", "gate", "area")


def _outputs(out: Path) -> tuple[Path, Path]:
    return out.with_name(out.stem + "_table.csv"), out.with_name(out.stem + "_changes.csv")


def communities_command(
    communities: Path = typer.Option(..., "--communities", help="Community polygons (社区/村)."),
    compounds: Path = typer.Option(..., "--compounds", help="Compounds (小区) with a households column."),
    out: Path = typer.Option(..., "--out",
                             help="Output GeoPackage; OUT_table.csv and OUT_changes.csv go beside it."),
    gates: Path | None = typer.Option(None, "--gates", help="Compound gates (needed for --assign gate)."),
    network: Path | None = typer.Option(None, "--network",
                                        help="Walk network: walking distances instead of straight lines."),
    facilities: list[Path] | None = typer.Option(
        None, "--facilities", metavar="<path>",
        help="Facilities (a community_service_centre is its community's centre); repeat the option for "
             "several files."),
    attributes: Path | None = typer.Option(
        None, "--attributes",
        help="Community attribute table (service_area_m2, community_workers, urban_resident_population)."),
    profile: str = typer.Option("taizhou-2023", "--profile",
                                help="Profile id or file with the household bands and ratio targets."),
    assign: str = typer.Option("centroid", "--assign",
                               help="Rule for compounds on a boundary: centroid, gate or area."),
    coords: str | None = typer.Option(None, "--coords", help=COORDS_HELP),
    facility_coords: FacilityCoordsOption = None,
    noded: NodedOption = False,
    id_col: IdColOption = None,
    out_crs: OutCrsOption = None,
    categories: CategoriesOption = None,
    lang: str = typer.Option("zh", "--lang", help=LANG_HELP),
    max_gap_m: float | None = typer.Option(None, "--max-gap-m",
                                           help="Largest gap (m) between neighbouring compounds; default none."),
    time_limit_s: float = typer.Option(30.0, "--time-limit-s", help="Solver time limit per cluster (s)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing outputs."),
    partition_by: Path | None = typer.Option(
        None, "--partition-by",
        help="Polygons (districts, sub-districts): run the proposals group by group on Dask."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address (tcp://host:8786); default a local cluster."),
    workers: int = typer.Option(2, "--workers", min=1, help="Local cluster workers (at most the CPUs)."),
) -> None:
    """Check community sizes against the profile's household bands and propose adjustments.

    Counts households per community (compounds never split; --assign decides boundary cases),
    classifies each community urban/rural and high-rise, checks it against its band (default
    profile taizhou-2023: urban 2000–3000, high-rise up to 5000, rural 1000–1500 households),
    and proposes splits, merges and boundary transfers that keep every community contiguous,
    inside one sub-district and of one type; where none exists it says why. Writes OUT
    (layers communities_current, communities_proposed, compounds), OUT_table.csv (one row
    per community) and OUT_changes.csv (one row per change or unfixable community); with
    --facilities also OUT_facility_audit.csv (every facility row: its category, or why it was
    left out).

    With --partition-by the proposals run on Dask, one task per group of communities (those of
    one partition polygon, joined across polygons when they share a sub-district); the outputs
    equal the single-process ones.

    \b
    $ gis-planner communities --communities data/demo/communities.geojson \\
        --compounds data/demo/compounds.geojson --gates data/demo/gates.csv --coords wgs84 \\
        --assign gate --network data/demo/roads.geojson --profile taizhou-2023 \\
        --out communities.gpkg

    \b
    $ gis-planner communities --communities data/demo/communities.geojson \\
        --compounds data/demo/compounds.geojson --coords wgs84 \\
        --partition-by data/demo/subdistricts.geojson --workers 2 --out communities.gpkg

    \b
    $ gis-planner communities --communities data/demo/communities.geojson \\
        --compounds data/demo/compounds.geojson --id-col compound_id --coords wgs84 \\
        --facilities data/demo/facilities.csv --facility-coords gcj02 \\
        --out-crs cgcs2000 --lang en --out communities_cgcs.gpkg
    """
    from gis_planner import io
    from gis_planner._errors import InputDataError
    from gis_planner._fs import atomic_files
    from gis_planner.cli._common import (
        audit_path,
        check_lang,
        check_outputs,
        declare,
        out_crs_option,
        read_facilities,
        require_suffix,
        resolve_out_crs,
    )
    from gis_planner.community import check_communities, ratio_targets
    from gis_planner.io.write import write_facility_audit, write_layers, write_table
    from gis_planner.policy import load_profile, read_community_attributes

    check_lang(lang)
    out_crs = out_crs_option(out_crs)
    declare(categories)

    if assign not in ASSIGN_CHOICES:
        raise typer.BadParameter(f"expected one of {', '.join(ASSIGN_CHOICES)}; got {assign!r}",
                                 param_hint="--assign")
    if assign == "gate" and gates is None:
        raise typer.BadParameter("--assign gate needs --gates", param_hint="--assign")
    if partition_by is None and scheduler is not None:
        raise typer.BadParameter("--scheduler needs --partition-by", param_hint="--scheduler")
    table_path, changes_path = _outputs(out)
    inputs = [p for p in (communities, compounds, gates, network, *(facilities or []), attributes,
                          partition_by, categories) if p]
    outputs = [out, table_path, changes_path, *([audit_path(out)] if facilities else [])]
    require_suffix(out, (".gpkg",), what="communities writes a GeoPackage (layers communities_current, "
                                         "communities_proposed, compounds)")
    check_outputs(outputs, inputs=inputs, overwrite=overwrite)
    prof = load_profile(profile)
    if prof.community_bands is None:
        raise InputDataError(f"profile {prof.id} has no community household bands "
                             "([community_bands]); use one that has them (e.g. taizhou-2023).")
    net = io.read_network(network, noded=noded or None) if network else None
    com = io.read_communities(communities, metric_crs=net.crs if net is not None else None)
    homes = io.read_compounds(compounds, source_coords=coords, metric_crs=com.crs, id_col=id_col)
    gate_layer = io.read_gates(gates, compounds=homes, source_coords=coords) if gates else None
    fac, audit = (read_facilities(facilities, facility_coords, coords, metric_crs=com.crs)
                  if facilities else (None, None))
    attrs = read_community_attributes(attributes, profile=prof) if attributes else None
    options: dict[str, Any] = {"bands": prof.community_bands, "assign": assign, "gates": gate_layer,
               "attributes": attrs, "network": net, "facilities": fac, "time_limit_s": time_limit_s,
               "max_gap_m": max_gap_m, **ratio_targets(prof)}
    if partition_by is not None:
        from gis_planner.partition.communities import partitioned_check_communities

        polys = io.read_subdistricts(partition_by, metric_crs=com.crs)
        result = partitioned_check_communities(com, homes, partition_by=polys, scheduler=scheduler,
                                               n_workers=workers, progress=True, **options)
    else:
        result = check_communities(com, homes, **options)
    adj = result.adjustment
    assert adj is not None  # propose=True
    compounds_layer = homes[[homes.geometry.name]].join(
        adj.assignment[["community_code", "proposed_code", "moved", "households", "rule",
                        "straddles"]])
    with atomic_files(outputs) as tmps:
        write_layers(tmps[0], {"communities_current": result.communities,
                               "communities_proposed": adj.proposed,
                               "compounds": compounds_layer}, overwrite=True,
                     out_crs=resolve_out_crs(out_crs, homes))
        write_table(tmps[1], result.table, overwrite=True)
        write_table(tmps[2], adj.changes, overwrite=True)
        if audit is not None:
            write_facility_audit(tmps[3], audit, overwrite=True)
    _echo(result, assign, *outputs)


def _echo(result: object, assign: str, *paths: Path) -> None:
    from gis_planner.cli._common import households_text, table_text

    t = result.table  # type: ignore[attr-defined]
    cols = [c for c in ("community_code", "name", "urban_rural", "high_rise", "households",
                        "band_min", "band_max", "status") if c in t.columns]
    shown = t[cols].copy()
    for c in ("households", "band_min", "band_max"):
        if c in shown:
            shown[c] = shown[c].map(households_text)
    typer.echo(table_text(list(shown.columns), shown.astype(str).to_numpy().tolist(), left=4))
    changes = result.changes  # type: ignore[attr-defined]
    if changes is not None and len(changes):
        typer.echo("\nproposals:")
        for _, ch in changes.iterrows():
            flag = "" if ch["feasible"] else " [no feasible proposal]"
            typer.echo(f"  {ch['community_code']} {ch['name']} ({ch['status']}): "
                       f"{ch['action']}{flag} — {ch['reason']}")
    st = result.straddling  # type: ignore[attr-defined]
    listed = ", ".join(f"{r.compound_id} -> {r.community_code}" for r in st.itertuples())
    typer.echo(f"\ncompounds straddling a boundary: {len(st)}"
               f"{' (' + listed + ')' if len(st) else ''}; assigned by {assign}")
    typer.echo(f"distances: {result.distance_kind}")  # type: ignore[attr-defined]
    typer.echo("wrote " + ", ".join(str(p) for p in paths))


def register(app: typer.Typer) -> None:
    """Add the ``communities`` command to ``app``."""
    app.command("communities")(communities_command)
