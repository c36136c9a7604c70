"""``gis-planner centres``: fit neighbourhood-centre bundles into idle spaces (存量空间)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from gis_planner.cli._common import (
    COORDS_HELP,
    CategoriesOption,
    FacilityCoordsOption,
    IdColOption,
    NodedOption,
    OutCrsOption,
)

if TYPE_CHECKING:
    import pandas as pd


#: What ``centres`` writes into OUT (names or patterns; one CSV per table of the plan).
OUTPUT_FILES = ("centres.gpkg", "centres_*.csv", "centres.xlsx", "facility_audit.csv")


def centres_command(
    network: Path = typer.Option(..., "--network", help="Road network (OSM, GraphML, centre-lines, GMNS)."),
    households: Path = typer.Option(..., "--households", help="Compounds with households and community_code."),
    facilities: list[Path] = typer.Option(..., "--facilities", metavar="<path>",
                                          help="Existing facilities with a category; repeat the option "
                                               "for several files."),
    spaces: Path = typer.Option(..., "--spaces",
                                help="Inventory of idle spaces: area_m2, floor, lift, ownership, cost, merge_with."),
    out: Path = typer.Option(..., "--out", help="Output folder (centres.gpkg, CSV tables, centres.xlsx)."),
    sites: int | None = typer.Option(None, "--sites", min=1, help="At most this many spaces."),
    budget: float | None = typer.Option(None, "--budget", help="At most this total cost (the inventory's unit)."),
    gates: Path | None = typer.Option(None, "--gates", help="Compound gates (compound_id column)."),
    communities: Path | None = typer.Option(None, "--communities", help="Community polygons (社区/村)."),
    standard: Path | None = typer.Option(None, "--standard",
                                         help="Your TOML overriding the shipped functions and norms."),
    coords: str | None = typer.Option(None, "--coords", help=COORDS_HELP),
    facility_coords: FacilityCoordsOption = None,
    noded: NodedOption = False,
    id_col: IdColOption = None,
    out_crs: OutCrsOption = None,
    categories: CategoriesOption = None,
    space_coords: str | None = typer.Option(None, "--space-coords",
                                            help="Like --coords, for the spaces (default: --coords)."),
    snap_tolerance_m: float = typer.Option(250.0, "--snap-tolerance-m", help="Largest snap distance (m)."),
    time_limit_s: float = typer.Option(30.0, "--time-limit-s", help="Solver time limit (s)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing output folder's files."),
) -> None:
    """Choose idle spaces and the bundle of service functions each holds.

    Each function (elderly day care, meal point, health station, volunteer station, children's
    home, culture room, convenience services) has a smallest room, a walking limit and a floor
    rule (ground floor or lift); some may not share a space. The choice brings the most
    households (elderly for elderly functions) newly within reach, puts required functions in
    communities that lack them, and closes each community's floor-area gap (30 m² per 100
    households) as far as --sites or --budget allow (HiGHS, exact). Every space gets a reason;
    OUT/facility_audit.csv says what became of every facility row.

    \b
    $ gis-planner centres --network data/demo/roads.geojson \\
        --households data/demo/compounds.geojson --gates data/demo/gates.csv \\
        --facilities data/demo/facilities.csv --spaces data/demo/spaces.csv --coords wgs84 \\
        --facility-coords gcj02 --communities data/demo/communities.geojson --sites 6 --out centres_output
    """
    from gis_planner import io
    from gis_planner._fs import atomic_dir
    from gis_planner.centres import plan_centres
    from gis_planner.centres.outputs import centre_tables, write_centres
    from gis_planner.cli._common import (
        check_output_folder,
        declare,
        out_crs_option,
        read_facilities,
        require_on_network,
        resolve_out_crs,
    )
    from gis_planner.io.write import write_facility_audit
    from gis_planner.policy.centres import load_centre_standard

    if sites is None and budget is None:
        raise typer.BadParameter("give --sites or --budget (or both)", param_hint="--sites")
    out_crs = out_crs_option(out_crs)
    declare(categories)
    check_output_folder(out, OUTPUT_FILES, overwrite=overwrite,
                        inputs=(network, households, *facilities, spaces, gates, communities, standard, categories))
    std = load_centre_standard(standard)
    net = io.read_network(network, noded=noded or None)
    homes = io.read_compounds(households, source_coords=coords, metric_crs=net.crs, id_col=id_col)
    gate_layer = io.read_gates(gates, compounds=homes, source_coords=coords) if gates else None
    require_on_network(net, homes, what=str(households), noun="compounds", tolerance_m=snap_tolerance_m,
                       gates=gate_layer)
    fac, audit = read_facilities(facilities, facility_coords, coords, metric_crs=net.crs)
    inv = io.read_spaces(spaces, source_coords=space_coords or coords, metric_crs=net.crs)
    com = io.read_communities(communities, metric_crs=net.crs) if communities else None
    with atomic_dir(out, overwrite=overwrite) as tmp:
        plan = plan_centres(net, homes, inv, fac, standard=std, communities=com, gates=gate_layer,
                            max_sites=sites, budget=budget, snap_tolerance_m=snap_tolerance_m,
                            time_limit_s=time_limit_s)
        written = write_centres(plan, tmp, out_crs=resolve_out_crs(out_crs, homes))
        write_facility_audit(tmp / "facility_audit.csv", audit, overwrite=True)
        written = [*written, "facility_audit.csv"]
    typer.echo(chosen_text(centre_tables(plan, lang="zh")["spaces"], out))
    gap_before = plan.communities["gap_before_m2"].sum()
    gap_after = plan.communities["gap_after_m2"].sum()
    typer.echo(f"floor-area gap (30 m² per 100 households): {gap_before:,.0f} m² -> {gap_after:,.0f} m²; "
               f"solver {plan.solution.status}, gap {plan.solution.gap:.2%}")
    for note in plan.notes:
        typer.echo(f"note: {note}")
    typer.echo(f"wrote {out}/ ({', '.join(written)})")


#: Columns of the printed table of chosen spaces (the zh headers of ``centre_tables``).
CHOSEN_COLUMNS = ("排序", "空间编号", "名称", "功能组合", "可用面积(m²)", "新增可达(户/人)")


def chosen_text(spaces: pd.DataFrame, out: Path) -> str:
    """The chosen spaces for people (areas and households as whole numbers with thousands
    separators), or a sentence when none is chosen."""
    from gis_planner.cli._common import households_text, table_text

    chosen = spaces.loc[spaces["排序"] > 0, list(CHOSEN_COLUMNS)]
    if not len(chosen):
        return f"no space chosen; {out / 'centres_spaces.csv'} gives each space's reason."
    rows = [[f"{int(r['排序'])}", str(r["空间编号"]), str(r["名称"]), str(r["功能组合"]),
             households_text(r["可用面积(m²)"]), households_text(r["新增可达(户/人)"])] for _, r in chosen.iterrows()]
    return table_text(CHOSEN_COLUMNS, rows, left=4)


def register(app: typer.Typer) -> None:
    """Add the ``centres`` command to ``app``."""
    app.command("centres")(centres_command)
