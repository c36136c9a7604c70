"""``gis-planner reach``: 15-minute reachability per household and facility category."""

from __future__ import annotations

from pathlib import Path

import typer

from gis_planner.cli._common import COORDS_HELP, DEFAULT_SPEED_KMH, reach_parameters


def reach_command(
    network: Path = typer.Option(..., "--network", help="Road network (OSM, GraphML, centre-lines, GMNS)."),
    households: Path = typer.Option(..., "--households", help="Compounds with a households column."),
    facilities: Path = typer.Option(..., "--facilities", help="Facility points with a category or Amap type."),
    out: Path = typer.Option(..., "--out", help="Output GeoPackage; a summary CSV is written beside it."),
    gates: Path | None = typer.Option(None, "--gates", help="Compound gates (compound_id column)."),
    minutes: str | None = typer.Option(None, "--minutes", help="Thresholds in minutes, e.g. 5,10,15."),
    speed_kmh: float | None = typer.Option(None, "--speed-kmh",
                                           help="Walking speed (km/h); default 4.0 or the profile's."),
    profile: str | None = typer.Option(None, "--profile",
                                       help="Policy profile id or file (speed, thresholds, radii)."),
    coords: str | None = typer.Option(None, "--coords", help=COORDS_HELP),
    facility_coords: str | None = typer.Option(None, "--facility-coords",
                                               help="Like --coords, for the facilities (default: --coords)."),
    snap_tolerance_m: float = typer.Option(250.0, "--snap-tolerance-m", help="Largest snap distance (m)."),
    service_areas: bool = typer.Option(True, "--service-areas/--no-service-areas",
                                       help="Also write service-area polygons."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing outputs."),
    partition_by: Path | None = typer.Option(
        None, "--partition-by",
        help="Polygons (districts, sub-districts) to run partition by partition on Dask; --out is then a folder."),
    tile_m: float | None = typer.Option(None, "--tile-m", help="Partition into square tiles of this size (m) instead."),
    scheduler: str | None = typer.Option(None, "--scheduler",
                                         help="Dask scheduler address (tcp://host:8786); default a local cluster."),
    workers: int = typer.Option(2, "--workers", min=1, help="Worker processes of the local cluster."),
) -> None:
    """Walking distance from every compound to the nearest facility of each category.

    Reads the network, compounds (households), optional gates and facilities through
    gis_planner.io, computes reachability over the street network and writes OUT (GeoPackage
    layers households, facilities, service_areas) and OUT_summary.csv (UTF-8 with BOM, one row
    per category). Speed and thresholds come from --profile, explicit options override it;
    without either, 4.0 km/h (GB 50180-2018: 15 minutes ≈ 1000 m) and 5, 10, 15 minutes.

    With --partition-by or --tile-m the run goes partition by partition on Dask and OUT is a
    folder (part-*.parquet, _metadata.json). The inputs may then be GeoParquet store layers
    (a .parquet file or a folder of parts, see `gis-planner convert`): they are passed to the
    workers as paths, which read their partition by bounding box, so the lead never holds them.

    \b
    $ gis-planner reach --network data/demo/roads.geojson \\
        --households data/demo/compounds.geojson --gates data/demo/gates.csv \\
        --facilities data/demo/facilities.csv --coords wgs84 --facility-coords gcj02 \\
        --profile taizhou-2023 --out reach.gpkg
    $ gis-planner reach --network store/network_edges.parquet \\
        --households store/households.parquet --facilities store/facilities.parquet \\
        --profile taizhou-2023 --partition-by data/demo/subdistricts.geojson --out reach_parts
    """
    from gis_planner import _units, coverage, io
    from gis_planner._fs import atomic_path
    from gis_planner.categories import label
    from gis_planner.io.write import write_layers, write_table

    params = reach_parameters(profile, minutes=minutes, speed_kmh=speed_kmh)
    speed_note = ("" if profile or speed_kmh is not None else
                  f" (default: GB 50180-2018, 15 min ≈ {_units.walk_distance_m(15, DEFAULT_SPEED_KMH):.0f} m)")
    summary_path = out.with_name(out.stem + "_summary.csv")
    inputs = [p for p in (network, households, gates, facilities, partition_by) if p is not None]
    for p in (out, summary_path):
        if any(p.resolve() == i.resolve() for i in inputs):
            raise typer.BadParameter(f"{p} is one of the inputs; choose another --out.",
                                     param_hint="--out")
        if p.exists() and not overwrite and partition_by is None and tile_m is None:
            raise typer.BadParameter(f"{p} exists; pass --overwrite to replace it.", param_hint="--out")
    if partition_by is not None or tile_m is not None:
        _partitioned(network, households, facilities, gates, out, params, coords=coords,
                     facility_coords=facility_coords, partition_by=partition_by, tile_m=tile_m,
                     scheduler=scheduler, workers=workers, snap_tolerance_m=snap_tolerance_m,
                     overwrite=overwrite)
        return
    if scheduler is not None:
        raise typer.BadParameter("--scheduler needs --partition-by or --tile-m", param_hint="--scheduler")
    net = io.read_network(network)
    homes = io.read_compounds(households, source_coords=coords, metric_crs=net.crs)
    gate_layer = io.read_gates(gates, compounds=homes, source_coords=coords) if gates else None
    fac = io.read_facilities(facilities, source_coords=facility_coords or coords, metric_crs=net.crs)
    io.check_alignment(fac, net, what=facilities.name)
    result = coverage.reach(net, homes, fac, gates=gate_layer, snap_tolerance_m=snap_tolerance_m,
                            **params)
    layers = {"households": result.households, "facilities": result.facilities}
    if service_areas:
        layers["service_areas"] = _service_areas(net, result, snap_tolerance_m=snap_tolerance_m)
    summary = coverage.coverage_summary(result)
    summary.insert(summary.columns.get_loc("category") + 1, "category_zh",
                   [label(c, "zh") for c in summary["category"]])
    summary["speed_kmh"] = result.speed_kmh
    summary["profile"] = result.profile_id or ""
    with atomic_path(summary_path, overwrite=True) as tmp_summary:
        write_table(tmp_summary, summary, overwrite=True)
        write_layers(out, layers, overwrite=overwrite)
    typer.echo(summary[["category", "limit_m", "households", "covered_households", "covered_share"]]
               .to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    n_off = result.notes["unsnapped_compounds"]
    if n_off:
        typer.echo(f"{n_off} compounds ({result.notes['unsnapped_households']:,.0f} households) lie "
                   f"farther than {result.snap_tolerance_m:g} m from any road: counted, not covered")
    typer.echo(f"speed {result.speed_kmh:g} km/h{speed_note}; thresholds "
               f"{', '.join(f'{m:g}' for m in result.walk_minutes)} min; headline "
               f"{result.headline_minutes:g} min; profile {result.profile_id or 'none'}")
    typer.echo(f"wrote {out} and {summary_path}")


def _service_areas(net, result, *, snap_tolerance_m):
    """Service-area polygons of every snapped facility at its category's headline limit."""
    import pandas as pd

    from gis_planner import _units, coverage

    fac = result.facilities
    parts = []
    for c in result.categories:
        sel = fac.loc[fac["snapped"].astype(bool) & (fac["category"] == c)]
        if len(sel):
            minutes = _units.distance_to_minutes(result.category_limits_m[c], result.speed_kmh)
            _lines, polys = coverage.service_areas(net, sel, walk_minutes=minutes,
                                                   speed_kmh=result.speed_kmh,
                                                   snap_tolerance_m=snap_tolerance_m)
            parts.append(polys)
    if not parts:
        import geopandas as gpd

        return gpd.GeoDataFrame({"category": [], "area_m2": []}, geometry=[], crs=net.crs)
    return pd.concat(parts)


def is_store(path: Path) -> bool:
    """A GeoParquet store layer: a ``.parquet`` file, or a folder of ``.parquet`` parts
    (``gis-planner convert``; a GMNS folder of CSV files is not one)."""
    if path.is_dir():
        return any(p.suffix.lower() == ".parquet" for p in path.iterdir())
    return path.suffix.lower() == ".parquet"


def _partitioned(network, households, facilities, gates, out, params, *, coords, facility_coords,
                 partition_by, tile_m, scheduler, workers, snap_tolerance_m, overwrite) -> None:
    """The partitioned path of ``reach``: one GeoParquet per partition in the ``--out`` folder.

    Store layers (``.parquet`` files, folders of parts) are passed on as paths, so the lead
    process never holds them: workers read their partition by bounding box. Other files are
    read here through ``gis_planner.io``, as in a single run.
    """
    from gis_planner import io
    from gis_planner.partition import partitioned_reach_cli
    from gis_planner.partition.store import layer_crs

    if out.exists() and not out.is_dir():
        raise typer.BadParameter(f"{out} is a file; a partitioned run writes a folder.", param_hint="--out")
    net = str(network) if is_store(network) else io.read_network(network)
    crs = layer_crs(network) if isinstance(net, str) else net.crs
    homes = (str(households) if is_store(households) else
             io.read_compounds(households, source_coords=coords, metric_crs=crs))
    fac = (str(facilities) if is_store(facilities) else
           io.read_facilities(facilities, source_coords=facility_coords or coords, metric_crs=crs))
    if not isinstance(net, str) and not isinstance(fac, str):
        io.check_alignment(fac, net, what=facilities.name)
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
    typer.echo(summary.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    typer.echo(f"{len(info['partitions'])} partitions, {info['households']:,} compounds, "
               f"{info['seconds']:.1f} s; wrote {out}/part-*.parquet and {out}/_metadata.json")


def _compound_ids(homes, crs):
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
