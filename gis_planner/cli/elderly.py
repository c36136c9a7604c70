"""``gis-planner elderly``: the elderly-care network with capacities, scores, shortfalls and sized sites."""

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
    from gis_planner.elderly import ElderlyResult

#: What ``elderly`` writes into OUT (names or patterns; one CSV per table of the assessment).
OUTPUT_FILES = ("elderly.gpkg", "elderly_*.csv", "elderly.xlsx", "facility_audit.csv")
OBJECTIVES = ("min_cost", "max_cover")
HEALTH_RULES = ("constraint", "check", "off")
DECAYS = ("step", "gaussian")


def elderly_command(
    network: Path = typer.Option(..., "--network", help="Road network (OSM, GraphML, centre-lines, GMNS)."),
    households: Path = typer.Option(..., "--households",
                                    help="Compounds with households; optional elderly_60/elderly_80 columns."),
    facilities: list[Path] = typer.Option(..., "--facilities", metavar="<path>",
                                          help="Facilities with a category; optional capacity and area_m2 "
                                               "columns; repeat the option for several files."),
    out: Path = typer.Option(..., "--out", help="Output folder (elderly.gpkg, CSV tables, elderly.xlsx)."),
    gates: Path | None = typer.Option(None, "--gates", help="Compound gates (compound_id column)."),
    communities: Path | None = typer.Option(None, "--communities", help="Community polygons (社区/村)."),
    subdistricts: Path | None = typer.Option(None, "--subdistricts", help="Sub-district polygons (街道/乡镇)."),
    candidates: Path | None = typer.Option(None, "--candidates", help="Candidate sites for new places."),
    standard: Path | None = typer.Option(None, "--standard",
                                         help="Your elderly-care TOML overriding the shipped standard."),
    level: str | None = typer.Option(None, "--level", help="Level to site (default: the highest level)."),
    objective: str = typer.Option("min_cost", "--objective", help="min_cost or max_cover."),
    budget: float | None = typer.Option(None, "--budget", help="Budget for max_cover (the sizes' cost unit)."),
    sites: int | None = typer.Option(None, "--sites", min=1, help="At most this many new sites."),
    health_rule: str = typer.Option("check", "--health-rule",
                                    help="医养结合: constraint, check or off."),
    decay: str = typer.Option("step", "--decay", help="2SFCA distance decay: step or gaussian (enhanced)."),
    coords: str | None = typer.Option(None, "--coords", help=COORDS_HELP),
    facility_coords: FacilityCoordsOption = None,
    noded: NodedOption = False,
    id_col: IdColOption = None,
    out_crs: OutCrsOption = None,
    categories: CategoriesOption = None,
    candidate_coords: str | None = typer.Option(None, "--candidate-coords",
                                                help="Like --coords, for the candidates (default: --coords)."),
    snap_tolerance_m: float = typer.Option(250.0, "--snap-tolerance-m", help="Largest snap distance (m)."),
    time_limit_s: float = typer.Option(30.0, "--time-limit-s", help="Solver time limit (s)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing output folder's files."),
) -> None:
    """Assess the elderly-care network: levels, places per 1,000 elderly, shortfalls, sized sites.

    Estimates elderly residents per compound (columns where given, else households x 2.62 x the
    2020 census shares), finds per level (sub-district centre, community station / day care, meal
    point) who is within its walking limit over the network, scores places per 1,000 elderly
    (2SFCA; --decay gaussian for the enhanced variant), checks a centre per urban sub-district and
    day care per urban community, the floor area per community, the 医养结合 rule, and with
    --candidates chooses new sites and their sizes (HiGHS). Every number's source and status are
    in OUT/elderly_standard.csv; OUT/facility_audit.csv says what became of every facility row.

    \b
    $ gis-planner elderly --network data/demo/roads.geojson \\
        --households data/demo/compounds.geojson --gates data/demo/gates.csv \\
        --facilities data/demo/facilities.csv --coords wgs84 --facility-coords gcj02 \\
        --communities data/demo/communities.geojson --subdistricts data/demo/subdistricts.geojson \\
        --candidates data/demo/candidates.csv --out elderly_output
    """
    from gis_planner import io
    from gis_planner._fs import atomic_dir
    from gis_planner.cli._common import (
        check_output_folder,
        declare,
        out_crs_option,
        read_facilities,
        require_on_network,
        resolve_out_crs,
    )
    from gis_planner.elderly import assess_elderly_care
    from gis_planner.elderly.outputs import write_elderly
    from gis_planner.io.write import write_facility_audit
    from gis_planner.policy.elderly import load_elderly_standard

    for value, choices, hint in ((objective, OBJECTIVES, "--objective"), (health_rule, HEALTH_RULES, "--health-rule"),
                                 (decay, DECAYS, "--decay")):
        if value not in choices:
            raise typer.BadParameter(f"expected one of {', '.join(choices)}; got {value!r}", param_hint=hint)
    if objective == "max_cover" and budget is None and sites is None:
        raise typer.BadParameter("max_cover needs --budget or --sites", param_hint="--objective")
    out_crs = out_crs_option(out_crs)
    declare(categories)
    check_output_folder(out, OUTPUT_FILES, overwrite=overwrite,
                        inputs=(network, households, *facilities, gates, communities, subdistricts, candidates,
                                standard, categories))
    std = load_elderly_standard(standard)
    net = io.read_network(network, noded=noded or None)
    homes = io.read_compounds(households, source_coords=coords, metric_crs=net.crs, id_col=id_col)
    gate_layer = io.read_gates(gates, compounds=homes, source_coords=coords) if gates else None
    require_on_network(net, homes, what=str(households), noun="compounds", tolerance_m=snap_tolerance_m,
                       gates=gate_layer)
    fac, audit = read_facilities(facilities, facility_coords, coords, metric_crs=net.crs)
    com = io.read_communities(communities, metric_crs=net.crs) if communities else None
    subs = io.read_subdistricts(subdistricts, metric_crs=net.crs) if subdistricts else None
    cand = (io.read_points(candidates, source_coords=candidate_coords or coords, metric_crs=net.crs,
                           id_aliases=("candidate_id", "id"), index_name="candidate_id")
            if candidates else None)
    with atomic_dir(out, overwrite=overwrite) as tmp:
        result = assess_elderly_care(net, homes, fac, standard=std, gates=gate_layer, communities=com,
                                     subdistricts=subs, candidates=cand, siting_level=level,
                                     objective=objective, budget=budget,  # type: ignore[arg-type]
                                     max_sites=sites, health_rule=health_rule,  # type: ignore[arg-type]
                                     decay=decay, snap_tolerance_m=snap_tolerance_m,  # type: ignore[arg-type]
                                     time_limit_s=time_limit_s)
        written = write_elderly(result, tmp, out_crs=resolve_out_crs(out_crs, homes))
        write_facility_audit(tmp / "facility_audit.csv", audit, overwrite=True)
        written = [*written, "facility_audit.csv"]
    typer.echo(levels_text(result))
    if result.siting is not None:
        s = result.siting
        typer.echo(f"siting: {len(s.chosen):,} new sites, cost {s.total_cost:,g}, status {s.status}, "
                   f"gap {s.gap:.2%}, unmet {s.unmet:,.1f} places")
    for note in result.notes:
        typer.echo(f"note: {note}")
    typer.echo(f"wrote {out}/ ({', '.join(written)})")


#: Headers of the printed level table (the full table is OUT/elderly_levels.csv).
LEVEL_HEADERS = ("层级", "步行上限(m)", "服务对象(人)", "步行可达(人)", "可达比例", "可达容量", "每千人容量",
                 "配置指标(每千人)", "缺口")


def levels_text(result: ElderlyResult) -> str:
    """The assessment's levels for people: limits, persons and places as whole numbers with
    thousands separators, shares as percentages, capacities with their unit."""
    from gis_planner.cli._common import households_text, number_text, share_text, table_text

    levels = {lv.id: lv for lv in result.standard.levels}
    rows = []
    for _, r in result.levels.iterrows():
        lv = levels[r["level"]]
        unit = lv.unit("zh")
        rows.append([lv.name("zh"), number_text(r["walk_limit_m"]), households_text(r["demand"]),
                     households_text(r["covered_demand"]), share_text(r["covered_share"]),
                     f"{number_text(r['places'])} {unit}", number_text(r["places_per_1000"], 1),
                     f"{lv.places_per_1000.value:,g}", f"{number_text(r['shortfall'])} {unit}"])
    return table_text(LEVEL_HEADERS, rows)


def register(app: typer.Typer) -> None:
    """Add the ``elderly`` command to ``app``."""
    app.command("elderly")(elderly_command)
