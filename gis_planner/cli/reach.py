"""``gis-planner reach``: 15-minute reachability per household and facility category."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    import geopandas as gpd

    from gis_planner.categories import Lang

from gis_planner.cli._common import (
    COORDS_HELP,
    FACILITIES_HELP,
    FORCE_HELP,
    LANG_HELP,
    CategoriesOption,
    FacilityCoordsOption,
    IdColOption,
    NodedOption,
    OutCrsOption,
    parse_minutes,
)

#: What a partitioned ``reach`` writes into its OUT folder (names or patterns).
PARTITION_FILES = ("part-*.parquet", "_metadata.json", "facility_audit.csv")


def reach_command(
    network: Path = typer.Option(..., "--network", help="Road network (OSM, GraphML, centre-lines, GMNS)."),
    households: Path = typer.Option(..., "--households", help="Compounds with a households column."),
    facilities: list[Path] = typer.Option(..., "--facilities", metavar="<path>", help=FACILITIES_HELP),
    out: Path = typer.Option(..., "--out", help="Output GeoPackage; the summary and facility audit CSVs "
                                                "are written beside it."),
    gates: Path | None = typer.Option(None, "--gates", help="Compound gates (compound_id column)."),
    minutes: str | None = typer.Option(None, "--minutes", help="Thresholds in minutes, e.g. 5,10,15."),
    speed_kmh: float | None = typer.Option(None, "--speed-kmh",
                                           help="Walking speed (km/h); default the profile's."),
    profile: str | None = typer.Option(None, "--profile",
                                       help="Policy profile id or file (speed, thresholds, radii); "
                                            "default gb50180-2018."),
    coords: str | None = typer.Option(None, "--coords", help=COORDS_HELP),
    facility_coords: FacilityCoordsOption = None,
    noded: NodedOption = False,
    id_col: IdColOption = None,
    out_crs: OutCrsOption = None,
    categories: CategoriesOption = None,
    lang: str = typer.Option("zh", "--lang", help=LANG_HELP),
    snap_tolerance_m: float | None = typer.Option(None, "--snap-tolerance-m",
                                                  help="Largest snap distance (m); default 250."),
    service_areas: bool = typer.Option(True, "--service-areas/--no-service-areas",
                                       help="Also write service-area polygons."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing outputs."),
    partition_by: Path | None = typer.Option(
        None, "--partition-by",
        help="Polygons (districts, sub-districts) to run partition by partition on Dask; --out is then a folder."),
    tile_m: float | None = typer.Option(None, "--tile-m", help="Partition into square tiles of this size (m) instead."),
    scheduler: str | None = typer.Option(None, "--scheduler",
                                         help="Dask scheduler address (tcp://host:8786); default a local cluster."),
    workers: int = typer.Option(2, "--workers", min=1, help="Local cluster workers (at most the CPUs)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Walking distance from every compound to the nearest facility of each category.

    Reads the network, compounds (households), optional gates and facilities (one or more
    files) through gis_planner.io, computes reachability over the street network and writes OUT
    (GeoPackage layers households, facilities, service_areas), OUT_summary.csv (UTF-8 with
    BOM, one row per category) and OUT_facility_audit.csv (every facility row: its category,
    or why it was left out). Speed, thresholds and facility radii come from --profile (default
    gb50180-2018: 4.0 km/h, 15 minutes ≈ 1000 m, 5/10/15 minutes); explicit options override it,
    and the summary states where each number came from.

    With --partition-by or --tile-m the run goes partition by partition on Dask and OUT is a
    folder (part-*.parquet, _metadata.json). The inputs may then be GeoParquet store layers
    (a .parquet file or a folder of parts, see `gis-planner convert`): they are passed to the
    workers as paths, which read their partition by bounding box, so the lead never holds them.

    \b
    $ gis-planner reach --network data/demo/roads.geojson \\
        --households data/demo/compounds.geojson --gates data/demo/gates.csv \\
        --facilities data/demo/facilities.csv --coords wgs84 --facility-coords gcj02 \\
        --profile taizhou-2023 --out reach.gpkg
    $ gis-planner reach --network data/demo/roads.geojson --noded \\
        --households data/demo/compounds.geojson --id-col compound_id --coords wgs84 \\
        --facilities data/demo/facilities.csv --facility-coords gcj02 \\
        --facilities docs/examples/canteens.csv --facility-coords wgs84 \\
        --categories docs/examples/my_categories.csv --out-crs cgcs2000 --lang en --out reach_en.gpkg
    $ gis-planner reach --network store/network_edges.parquet \\
        --households store/households.parquet --facilities store/facilities.parquet \\
        --profile taizhou-2023 --partition-by data/demo/subdistricts.geojson --out reach_parts
    """
    from gis_planner import coverage, io
    from gis_planner._fs import atomic_files
    from gis_planner.categories import label
    from gis_planner.cli._common import (
        audit_path,
        check_lang,
        check_output_folder,
        check_outputs,
        declare,
        out_crs_option,
        read_facilities,
        require_suffix,
        resolve_out_crs,
    )
    from gis_planner.coverage.parameters import resolve_reach_parameters
    from gis_planner.io.write import write_facility_audit, write_layers, write_table
    from gis_planner.pipeline import reach_stage, service_areas_stage, with_declared_categories

    lg = check_lang(lang)
    out_crs = out_crs_option(out_crs)
    declare(categories)
    resolved = with_declared_categories(resolve_reach_parameters(
        profile, speed_kmh=speed_kmh, walk_minutes=parse_minutes(minutes, force=force) if minutes else None,
        snap_tolerance_m=snap_tolerance_m, force=force))
    params = {k: v for k, v in resolved.reach_kwargs().items()
              if k not in ("snap_tolerance_m", "search_cap_m")}
    snap_tolerance_m = resolved.snap_tolerance_m
    summary_path = out.with_name(out.stem + "_summary.csv")
    audit_out = audit_path(out)
    inputs = [p for p in (network, households, gates, *facilities, partition_by, categories) if p is not None]
    partitioned = partition_by is not None or tile_m is not None
    if partitioned:
        check_output_folder(out, PARTITION_FILES, inputs=inputs, overwrite=overwrite)
    else:
        require_suffix(out, (".gpkg",), what="reach writes a GeoPackage (layers households, facilities, "
                                              "service_areas)")
        check_outputs([out, summary_path, audit_out], inputs=inputs, overwrite=overwrite)
    if partition_by is not None or tile_m is not None:
        if out_crs is not None:
            raise typer.BadParameter("a partitioned run writes GeoParquet parts in the working CRS; "
                                     "drop --out-crs", param_hint="--out-crs")
        _partitioned(network, households, facilities, gates, out, params, coords=coords,
                     facility_coords=facility_coords, partition_by=partition_by, tile_m=tile_m,
                     scheduler=scheduler, workers=workers, snap_tolerance_m=snap_tolerance_m,
                     overwrite=overwrite, noded=noded, id_col=id_col, lang=lg)
        return
    if scheduler is not None:
        raise typer.BadParameter("--scheduler needs --partition-by or --tile-m", param_hint="--scheduler")
    net = io.read_network(network, noded=noded or None)
    homes = io.read_compounds(households, source_coords=coords, metric_crs=net.crs, id_col=id_col)
    gate_layer = io.read_gates(gates, compounds=homes, source_coords=coords) if gates else None
    fac, audit = read_facilities(facilities, facility_coords, coords, metric_crs=net.crs)
    io.check_alignment(fac, net, what=", ".join(f.name for f in facilities))
    result = reach_stage(net, homes, fac, resolved, gates=gate_layer)
    layers = {"households": result.households, "facilities": result.facilities}
    if service_areas:
        layers["service_areas"] = service_areas_stage(net, result, resolved)
    summary = coverage.coverage_summary(result)
    summary.insert(list(summary.columns).index("category") + 1, "category_zh",
                   [label(c, "zh") for c in summary["category"]])
    summary["speed_kmh"] = result.speed_kmh
    summary["profile"] = result.profile_id or ""
    crs = resolve_out_crs(out_crs, homes)
    with atomic_files([out, summary_path, audit_out], overwrite=overwrite) as (tmp_out, tmp_summary, tmp_audit):
        write_table(tmp_summary, summary, overwrite=True)
        write_facility_audit(tmp_audit, audit, overwrite=True)
        write_layers(tmp_out, layers, overwrite=True, out_crs=crs)
    typer.echo(summary_text(summary, lg))
    n_off = result.notes["unsnapped_compounds"]
    if n_off:
        typer.echo(f"{n_off} compounds ({result.notes['unsnapped_households']:,.0f} households) lie "
                   f"farther than {result.snap_tolerance_m:g} m from any road: counted, not covered")
    typer.echo(f"speed {result.speed_kmh:g} km/h ({resolved.sources['speed_kmh']}); thresholds "
               f"{', '.join(f'{m:g}' for m in result.walk_minutes)} min; headline "
               f"{result.headline_minutes:g} min; profile {result.profile_id or 'none'}")
    typer.echo(f"wrote {out}, {summary_path} and {audit_out}")


#: Headers of the printed reachability summary, by language.
SUMMARY_HEADERS = {"zh": ("类别", "步行上限(m)", "户数", "覆盖户数", "覆盖率"),
                   "en": ("category", "limit (m)", "households", "covered", "covered share")}


def summary_text(summary: Any, lang: str) -> str:
    """The reachability summary for people: category names in ``lang``, limits in whole
    metres, households as whole numbers with thousands separators, shares as percentages."""
    from gis_planner.categories import label
    from gis_planner.cli._common import households_text, share_text, table_text

    lg: Lang = "zh" if lang == "zh" else "en"
    rows = [[label(str(r["category"]), lg), f"{float(r['limit_m']):,.0f}", households_text(r["households"]),
             households_text(r["covered_households"]), share_text(r["covered_share"])]
            for _, r in summary.iterrows()]
    return table_text(SUMMARY_HEADERS[lg], rows)


def is_store(path: Path) -> bool:
    """A GeoParquet store layer: a ``.parquet`` file, or a folder of ``.parquet`` parts
    (``gis-planner convert``; a GMNS folder of CSV files is not one)."""
    if path.is_dir():
        return any(p.suffix.lower() == ".parquet" for p in path.iterdir())
    return path.suffix.lower() == ".parquet"


def _partitioned(network: Path, households: Path, facilities: list[Path], gates: Path | None, out: Path,
                 params: dict[str, Any], *, coords: str | None, facility_coords: list[str] | None,
                 partition_by: Path | None, tile_m: float | None, scheduler: str | None, workers: int,
                 snap_tolerance_m: float, overwrite: bool, noded: bool, id_col: str | None,
                 lang: str = "zh") -> None:
    """The partitioned path of ``reach``: one GeoParquet per partition in the ``--out`` folder.

    Store layers (``.parquet`` files, folders of parts) are passed on as paths, so the lead
    process never holds them: workers read their partition by bounding box. Other files are
    read here through ``gis_planner.io``, as in a single run.
    """
    from gis_planner import io
    from gis_planner.cli._common import read_facilities
    from gis_planner.io.write import write_facility_audit
    from gis_planner.partition import partitioned_reach_cli
    from gis_planner.partition.store import layer_crs

    stores = [f for f in facilities if is_store(f)]
    if stores and len(facilities) > 1:
        raise typer.BadParameter(f"{stores[0]} is a GeoParquet store layer; a partitioned run reads one "
                                 "store layer of facilities (join the files with gis-planner convert).",
                                 param_hint="--facilities")
    net = str(network) if is_store(network) else io.read_network(network, noded=noded or None)
    crs = layer_crs(network) if isinstance(net, str) else net.crs
    homes = (str(households) if is_store(households) else
             io.read_compounds(households, source_coords=coords, metric_crs=crs, id_col=id_col))
    audit = None
    if stores:
        fac: Any = str(stores[0])
    else:
        fac, audit = read_facilities(facilities, facility_coords, coords, metric_crs=crs)
    if not isinstance(net, str) and not isinstance(fac, str):
        io.check_alignment(fac, net, what=", ".join(f.name for f in facilities))
    gate_layer = None
    if gates is not None:
        if is_store(gates):
            gate_layer = str(gates)
        else:
            gate_layer = io.read_gates(gates, compounds=_compound_ids(homes, crs), source_coords=coords)
    info, summary = partitioned_reach_cli(net, homes, fac, out=out, params=params, gates=gate_layer,
                                          partition_by=partition_by, tile_m=tile_m, scheduler=scheduler,
                                          workers=workers, snap_tolerance_m=snap_tolerance_m,
                                          overwrite=overwrite)
    typer.echo(summary_text(summary, lang))
    wrote = f"{out}/part-*.parquet and {out}/_metadata.json"
    if audit is not None:
        write_facility_audit(out / "facility_audit.csv", audit, overwrite=True)
        wrote = f"{out}/part-*.parquet, {out}/_metadata.json and {out}/facility_audit.csv"
    typer.echo(f"{len(info['partitions'])} partitions, {info['households']:,} compounds, "
               f"{info['seconds']:.1f} s; wrote {wrote}")


def _compound_ids(homes: gpd.GeoDataFrame | str, crs: Any) -> gpd.GeoDataFrame:
    """The compounds gates are checked against: the loaded layer, or (a store) its ids alone."""
    if not isinstance(homes, str):
        return homes
    import geopandas as gpd
    import pandas as pd

    from gis_planner.partition.store import read_column

    ids = pd.Index(read_column(homes, "compound_id").astype(str), name="compound_id")
    return gpd.GeoDataFrame(index=ids, geometry=gpd.GeoSeries([None] * len(ids), index=ids), crs=crs)


def register(app: typer.Typer) -> None:
    """Add the ``reach`` command to ``app``."""
    app.command("reach")(reach_command)
