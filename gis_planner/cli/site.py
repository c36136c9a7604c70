"""``gis-planner site``: choose facility sites over the walk network and explain each one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gis_planner.cli._common import (
    COORDS_HELP,
    FORCE_HELP,
    CategoriesOption,
    FacilityCoordsOption,
    IdColOption,
    NodedOption,
    OutCrsOption,
    walk_value,
)

if TYPE_CHECKING:
    from gis_planner.categories import Lang

MODEL_CHOICES = ("mclp", "lscp", "p-median", "p-center")
DEMAND_CHOICES = ("households", "population", "elderly")


def _check_choices(*, model: str, demand: str, lang: str, sites: int | None, per_subdistrict_min: int | None,
                   subdistricts: Path | None) -> None:
    if model not in MODEL_CHOICES:
        raise typer.BadParameter(f"--model {model!r}: expected one of {', '.join(MODEL_CHOICES)}.")
    if demand not in DEMAND_CHOICES:
        raise typer.BadParameter(f"--demand {demand!r}: expected households, population or elderly.")
    if lang not in ("zh", "en"):
        raise typer.BadParameter(f"--lang {lang!r}: expected zh or en.")
    if model == "lscp" and sites is not None:
        raise typer.BadParameter("--sites: lscp minimises the number of sites; drop --sites.")
    if model != "lscp" and sites is None and per_subdistrict_min is None:
        raise typer.BadParameter(f"--sites is required for --model {model}.")
    if (per_subdistrict_min is None) != (subdistricts is None):
        raise typer.BadParameter("--per-subdistrict-min and --subdistricts go together.")


def any_facility(lang: str, minutes: float) -> str:
    """What sites chosen without ``--category`` are for, in the summary: new facilities within
    the walking limit (``minutes``)."""
    return f"新设施（步行{minutes:g}分钟内）" if lang == "zh" else f"new facilities within {minutes:g} min walk"


def site_command(
    network: Annotated[Path, typer.Option("--network", help="Road network file.")],
    households: Annotated[Path, typer.Option("--households", help="Compounds with household counts.")],
    candidates: Annotated[Path, typer.Option(
        "--candidates", help="Candidate sites: points (a lon/lat CSV or a point layer).")],
    out: Annotated[Path, typer.Option("--out", help="Output GeoPackage (a CSV is written beside it).")],
    facilities: Annotated[list[Path] | None, typer.Option(
        "--facilities", metavar="<path>", help="Existing facilities; repeat the option for several files.")] = None,
    gates: Annotated[Path | None, typer.Option("--gates", help="Compound gates (compound_id column).")] = None,
    category: Annotated[str | None, typer.Option("--category",
                                                 help="Facility category id, e.g. wet_market.")] = None,
    model: Annotated[str, typer.Option("--model", help="mclp | lscp | p-median | p-center.")] = "mclp",
    sites: Annotated[int | None, typer.Option("--sites", min=1, help="New sites to open (not for lscp).")] = None,
    profile: Annotated[str | None, typer.Option(
        "--profile", help="Profile id or file: speed and the category's limit (default gb50180-2018).")] = None,
    minutes: Annotated[float | None, typer.Option(
        "--minutes", help="Walk budget in minutes (inclusive); default the category's limit.")] = None,
    speed_kmh: Annotated[float | None, typer.Option("--speed-kmh",
                                                    help="Walking speed in km/h; default the profile's.")] = None,
    per_subdistrict_min: Annotated[int | None, typer.Option(
        "--per-subdistrict-min", min=0, help="New sites per sub-district lacking the category.")] = None,
    subdistricts: Annotated[Path | None, typer.Option("--subdistricts", help="Sub-district polygons.")] = None,
    demand: Annotated[str, typer.Option("--demand", help="households | population | elderly.")] = "households",
    elderly_share: Annotated[float | None, typer.Option(
        "--elderly-share", help="Share aged 60+ (0-1); default 0.187 (2020).")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.1, help="Solver time limit in seconds.")] = 60.0,
    coords: Annotated[str | None, typer.Option("--coords", help=COORDS_HELP)] = None,
    facility_coords: FacilityCoordsOption = None,
    candidate_coords: Annotated[str | None, typer.Option(
        "--candidate-coords", help="Like --coords, for the candidates (default: --coords).")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Explanations, summary and warnings: zh | en.")] = "zh",
    noded: NodedOption = False,
    id_col: IdColOption = None,
    out_crs: OutCrsOption = None,
    categories: CategoriesOption = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace OUT if it exists.")] = False,
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP)] = False,
) -> None:
    """Choose facility sites over the walk network and explain each one.

    The walking assumptions are those of `reach` and `report` (the profile's speed and the
    category's own limit, residents leaving through their best gate), so the coverage before
    siting equals the category's reachability coverage. Writes OUT (layer chosen_sites), OUT
    as .csv and, with --facilities, OUT_facility_audit.csv (every facility row: its category,
    or why it was left out).

    \b
    $ gis-planner site --network data/demo/roads.geojson \\
        --households data/demo/compounds.geojson --gates data/demo/gates.csv --coords wgs84 \\
        --candidates data/demo/candidates.csv --facilities data/demo/facilities.csv \\
        --facility-coords gcj02 --category wet_market --model mclp --sites 2 \\
        --profile taizhou-2023 --out new_markets.gpkg
    $ gis-planner site --network data/demo/roads.geojson --noded \\
        --households data/demo/compounds.geojson --id-col compound_id --coords wgs84 \\
        --candidates data/demo/candidates.csv --categories docs/examples/my_categories.csv \\
        --facilities docs/examples/canteens.csv --category community_canteen --model mclp \\
        --sites 2 --out-crs input --lang en --out new_canteens.gpkg
    """
    from gis_planner import io
    from gis_planner._fs import atomic_files
    from gis_planner._validate import require_known_category
    from gis_planner.categories import label
    from gis_planner.cli._common import (
        audit_path,
        check_lang,
        check_outputs,
        declare,
        households_text,
        out_crs_option,
        read_facilities,
        require_on_network,
        require_suffix,
        resolve_out_crs,
    )
    from gis_planner.coverage.parameters import resolve_reach_parameters
    from gis_planner.io.write import to_output_crs, write_facility_audit
    from gis_planner.pipeline import siting_job, with_declared_categories
    from gis_planner.plan import SitingJob
    from gis_planner.siting.candidates import candidates_from_layer

    out_crs = out_crs_option(out_crs)
    declare(categories)
    time_limit = walk_value(time_limit, option="--time-limit", quantity=None, unit="s")
    if minutes is not None:
        minutes = walk_value(minutes, option="--minutes", quantity="minutes", force=force)
    if category is not None:
        require_known_category(category, what="--category")
    _check_choices(model=model, demand=demand, lang=lang, sites=sites, per_subdistrict_min=per_subdistrict_min,
                   subdistricts=subdistricts)
    check_lang(lang)
    params = with_declared_categories(resolve_reach_parameters(profile, speed_kmh=speed_kmh, force=force))
    csv_out = out.with_suffix(".csv")
    outputs = [out, csv_out, *([audit_path(out)] if facilities else [])]
    check_outputs(outputs, inputs=(network, households, candidates, *(facilities or []), subdistricts, gates,
                                   categories), overwrite=overwrite)
    require_suffix(out, (".gpkg",), what="site writes a GeoPackage (layer chosen_sites)")
    net = io.read_network(network, noded=noded or None)
    homes = io.read_compounds(households, source_coords=coords, metric_crs=net.crs, id_col=id_col)
    gate_layer = io.read_gates(gates, compounds=homes, source_coords=coords) if gates else None
    cands = candidates_from_layer(
        io.read_points(candidates, source_coords=candidate_coords or coords, metric_crs=net.crs,
                       id_aliases=("candidate_id", "id", "编号"), index_name="candidate_id"),
        what=str(candidates))
    require_on_network(net, homes, what=str(households), noun="compounds", tolerance_m=params.snap_tolerance_m,
                       gates=gate_layer)
    require_on_network(net, cands, what=str(candidates), noun="candidates", tolerance_m=params.snap_tolerance_m,
                       options="--coords / --candidate-coords")
    fac, audit = (read_facilities(facilities, facility_coords, coords, metric_crs=net.crs)
                  if facilities else (None, None))
    subs = io.read_subdistricts(subdistricts, metric_crs=net.crs) if subdistricts is not None else None
    job = SitingJob(model="per-subdistrict" if per_subdistrict_min is not None else model,
                    category=category or ("subdistrict_elderly_centre" if per_subdistrict_min is not None else ""),
                    sites=sites, demand=demand, per_subdistrict=max(per_subdistrict_min or 1, 1),
                    time_limit_s=time_limit)
    res = siting_job(job, network=net, compounds=homes, candidates=cands, params=params, facilities=fac,
                     gates=gate_layer, subdistricts=subs, minutes=minutes, elderly_share=elderly_share)
    table = res.explain("zh" if lang == "zh" else "en")
    chosen = res.chosen.copy()
    for col in ("requirement", "explanation", "area_coverage"):
        chosen[col] = table[col].to_numpy()
    chosen["model"] = res.model
    chosen["status"] = res.status
    chosen["gap"] = res.solve_result.gap
    # the candidates' id column may also be the index (a CSV's candidate_id): keep one
    chosen = chosen.drop(columns=[c for c in chosen.columns if c == "existing" or c == chosen.index.name])
    layer = to_output_crs(chosen, resolve_out_crs(out_crs, homes))
    with atomic_files(outputs, overwrite=overwrite) as tmps:
        layer.reset_index().to_file(tmps[0], driver="GPKG", layer="chosen_sites")
        chosen.drop(columns=chosen.geometry.name).to_csv(tmps[1], encoding="utf-8-sig")
        if audit is not None:
            write_facility_audit(tmps[2], audit, overwrite=True)
    s = res.summary
    lg: Lang = "zh" if lang == "zh" else "en"
    what = (label(job.category, lg) if job.category else
            any_facility(lg, minutes if minutes is not None else params.minutes_for("")))
    unit = "户" if lg == "zh" and demand == "households" else demand
    covered = (f"{households_text(s['covered_weight_before'])} -> {households_text(s['covered_weight_after'])}"
               f" / {households_text(s['total_weight'])} {unit}")
    typer.echo(f"{len(chosen)} sites chosen for {what} ({res.model}, {res.status}, gap {res.solve_result.gap:.2%}); "
               f"coverage {s['covered_share_before']:.1%} -> {s['covered_share_after']:.1%} ({covered}; "
               f"walking {params.speed_kmh:g} km/h, {params.sources['speed_kmh']})")
    typer.echo("wrote " + ", ".join(map(str, outputs)))


def register(app: typer.Typer) -> None:
    """Add the ``site`` command to ``app``."""
    app.command("site")(site_command)
