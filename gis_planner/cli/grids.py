"""``gis-planner grids``: governance grids (网格 / 微网格), their audit and a department crosswalk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from gis_planner.cli._common import COORDS_HELP, ID_COL_HELP, NODED_HELP, OUT_CRS_HELP

#: Files written into the output folder.
OUTPUT_FILES = ("grids.gpkg", "grids.geojson", "micro_grids.geojson", "grids.csv",
                "micro_grids.csv", "grid_summary.csv", "audit.csv", "audit_grids.csv",
                "crosswalk.csv", "crosswalk_pairs.csv", "grids.xlsx")


def grids_command(
    communities: Path = typer.Option(..., "--communities", help="Community polygons (社区/村)."),
    compounds: Path = typer.Option(..., "--compounds",
                                   help="Compounds (小区) with households; optional special-group "
                                        "columns (低保对象 … or their English ids)."),
    out: Path = typer.Option(..., "--out", help="Output folder (written atomically)."),
    buildings: Path | None = typer.Option(
        None, "--buildings", help="Buildings (楼栋) with households: units of the 微网格, and of "
                                  "a 网格 where a compound alone exceeds the band."),
    network: Path | None = typer.Option(None, "--network",
                                        help="Walk network: walking distances and arterial "
                                             "barriers; without it straight lines."),
    barriers: Path | None = typer.Option(None, "--barriers",
                                         help="Extra barrier lines (rivers, railways)."),
    audit: Path | None = typer.Option(None, "--audit",
                                      help="An existing grid layer to audit (default: audit the "
                                           "grids drawn here)."),
    worker_col: str | None = typer.Option(None, "--worker-col",
                                          help="Worker column of the --audit layer "
                                               "(default: worker, 网格员 …)."),
    departments: Path | None = typer.Option(
        None, "--departments", help="Department work grids (警格, 城管网格 …) to cross-walk."),
    department_code: str | None = typer.Option(None, "--department-code",
                                               help="Code column of --departments."),
    grid_defaults: Path | None = typer.Option(
        None, "--grid-defaults", help="TOML file overriding the shipped grid defaults."),
    grid_min: int | None = typer.Option(None, "--grid-min", min=0, help="Households per 网格, floor."),
    grid_max: int | None = typer.Option(None, "--grid-max", min=1, help="Households per 网格, ceiling."),
    micro_min: int | None = typer.Option(None, "--micro-min", min=0,
                                         help="Households per 微网格, floor."),
    micro_max: int | None = typer.Option(None, "--micro-max", min=1,
                                         help="Households per 微网格, ceiling."),
    workers_per_grid: float | None = typer.Option(None, "--workers-per-grid", min=0.0,
                                                  help="Full-time grid workers per 网格."),
    no_micro: bool = typer.Option(False, "--no-micro", help="Draw 网格 only."),
    time_limit_s: float | None = typer.Option(None, "--time-limit-s", min=0.01,
                                              help="Safety time limit of the exact solves per group of units "
                                                   "(s); the search stops at solver.max_nodes, "
                                                   "so results do not depend on speed."),
    coords: str | None = typer.Option(None, "--coords", help=COORDS_HELP),
    noded: bool = typer.Option(False, "--noded", help=NODED_HELP),
    id_col: str | None = typer.Option(None, "--id-col", help=ID_COL_HELP),
    out_crs: str | None = typer.Option(None, "--out-crs", help=OUT_CRS_HELP + " (grids.gpkg; the "
                                                                               "GeoJSON files are WGS-84)"),
    dask: bool = typer.Option(False, "--dask", help="One Dask task per community."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address (tcp://host:8786); default a local cluster."),
    workers: int = typer.Option(2, "--workers", min=1, help="Worker processes of the local cluster."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace files in an existing --out."),
) -> None:
    """Divide communities into 网格 and 微网格, audit a grid layer, cross-walk department grids.

    Every 网格 lies inside one community, is contiguous and holds a household count in the
    band (shipped default 300–500, 微网格 20–50; both unverified, see docs/grids.md), never
    splitting a building, nor a compound unless it alone exceeds the band; boundaries follow
    arterial roads and other barriers where they can, and grids are compact (household-
    weighted walk to the grid centre). Writes into OUT: grids.gpkg (layers grids,
    micro_grids, units), grids.geojson and micro_grids.geojson (WGS-84), grids.csv,
    micro_grids.csv, grid_summary.csv, audit.csv and audit_grids.csv (the --audit layer, else
    the new grids), crosswalk.csv and crosswalk_pairs.csv (with --departments) and
    grids.xlsx (every table as a sheet).

    \b
    $ gis-planner grids --communities data/demo/communities.geojson \\
        --compounds data/demo/compounds.geojson --buildings data/demo/buildings.geojson \\
        --network data/demo/roads.geojson --audit data/demo/existing_grids.geojson \\
        --departments data/demo/police_grids.geojson --department-code police_grid \\
        --out grids_out
    """
    from gis_planner import io
    from gis_planner._fs import atomic_dir
    from gis_planner.cli._common import check_output_folder, out_crs_option, require_in_communities, resolve_out_crs
    from gis_planner.grids import audit_grids, crosswalk_grids, load_grid_defaults, partition_grids
    from gis_planner.grids.inputs import read_barriers, read_buildings, read_grid_layer
    from gis_planner.grids.tables import report_tables
    from gis_planner.io.write import write_layers, write_table

    out_crs = out_crs_option(out_crs)

    if scheduler is not None and not dask:
        raise typer.BadParameter("--scheduler needs --dask", param_hint="--scheduler")
    check_output_folder(out, OUTPUT_FILES, overwrite=overwrite,
                        inputs=(communities, compounds, buildings, network, barriers, audit, departments,
                                grid_defaults))
    settings = load_grid_defaults(grid_defaults).with_overrides(
        grid_min=grid_min, grid_max=grid_max, micro_min=micro_min, micro_max=micro_max,
        workers_per_grid=workers_per_grid, time_limit_s=time_limit_s)
    net = io.read_network(network, noded=noded or None) if network else None
    com = io.read_communities(communities, metric_crs=net.crs if net is not None else None)
    homes = _read_compounds(compounds, coords=coords, crs=com.crs, id_col=id_col)
    require_in_communities(homes, com, what=str(compounds), where=str(communities))
    bld = read_buildings(buildings, metric_crs=com.crs, source_coords=coords) if buildings else None
    lines = read_barriers(barriers, metric_crs=com.crs, source_coords=coords) if barriers else None
    options: dict[str, Any] = {"network": net, "barriers": lines, "settings": settings,
                               "micro": not no_micro}
    if dask:
        import contextlib

        from gis_planner.grids.parallel import partitioned_grids
        from gis_planner.partition.run import connect

        with contextlib.ExitStack() as stack:
            client, _cluster = connect(scheduler, n_workers=workers, cleanup=stack)
            result = partitioned_grids(com, homes, bld, client=client, **options)
    else:
        result = partition_grids(com, homes, bld, **options)
    if audit is not None:
        layer = read_grid_layer(audit, metric_crs=com.crs, source_coords=coords)
        units = bld if bld is not None else homes
        checked = audit_grids(layer, com, min_households=settings.grid_min,
                              max_households=settings.grid_max, units=units,
                              worker_col=worker_col)
    else:
        checked = audit_grids(result.grids, com, min_households=settings.grid_min,
                              max_households=settings.grid_max)
    walk = None
    if departments is not None:
        dept = read_grid_layer(departments, metric_crs=com.crs, source_coords=coords,
                               code_col=department_code)
        walk = crosswalk_grids(dept, result.grids)
    tables = report_tables(result, audit=checked, crosswalk=walk)
    with atomic_dir(out, overwrite=overwrite) as tmp:
        write_layers(tmp / "grids.gpkg", {"grids": result.grids, "micro_grids": result.micro_grids,
                                          "units": result.units}, overwrite=True,
                     out_crs=resolve_out_crs(out_crs, homes))
        for name, layer in (("grids", result.grids), ("micro_grids", result.micro_grids)):
            _write_geojson(tmp / f"{name}.geojson", layer)
        for name in ("grids", "micro_grids", "grid_summary"):
            write_table(tmp / f"{name}.csv", tables[name], overwrite=True)
        write_table(tmp / "audit.csv", tables["audit_summary"], overwrite=True)
        write_table(tmp / "audit_grids.csv", tables["audit_grids"], overwrite=True)
        if walk is not None:
            write_table(tmp / "crosswalk.csv", tables["crosswalk"], overwrite=True)
            write_table(tmp / "crosswalk_pairs.csv", tables["crosswalk_pairs"], overwrite=True)
        write_table(tmp / "grids.xlsx", tables, overwrite=True)
    _echo(result, tables, out)


def _read_compounds(path: Path, *, coords: str | None, crs: object, id_col: str | None = None) -> Any:
    """Compounds through the shared reader, plus their special-group columns."""
    from gis_planner import io
    from gis_planner.grids.groups import group_columns
    from gis_planner.io.households import COMPOUND_ID_ALIASES
    from gis_planner.io.points import read_layer

    homes = io.read_compounds(path, source_coords=coords, metric_crs=crs, id_col=id_col)
    raw = read_layer(path, source_coords=coords, metric_crs=crs, id_col=id_col, id_aliases=COMPOUND_ID_ALIASES,
                     id_prefix="C", index_name="compound_id",
                     allowed_types=("Point", "Polygon", "MultiPolygon"))
    found = group_columns(raw, what=path.name)
    attrs = dict(homes.attrs)  # the input's coordinate system, for --out-crs input
    if found:
        homes = homes.join(raw[list(found.values())])
    homes.attrs.update(attrs)
    homes.attrs["source"] = path.name
    return homes


def _write_geojson(path: Path, layer: Any) -> None:
    """``layer`` as GeoJSON in WGS-84 (the index becomes a column; lists are joined)."""
    ll = layer.to_crs(4326)
    ll = ll.reset_index()
    if len(ll) == 0:
        path.write_text('{"type":"FeatureCollection","features":[]}\n', encoding="utf-8")
        return
    for col in ll.columns:
        if col != ll.geometry.name and ll[col].dtype == object:
            ll[col] = ll[col].map(lambda v: None if v is None else str(v))
    ll.to_file(path, driver="GeoJSON")


def _echo(result: object, tables: dict, out: Path) -> None:
    s = tables["grid_summary"]
    cols = [c for c in ("community_code", "grids", "grids_in_band", "micro_grids",
                        "micro_grids_in_band", "households", "grid_workers_needed",
                        "max_walk_m") if c in s.columns]
    shown = s[cols].copy()
    if "max_walk_m" in shown:
        shown["max_walk_m"] = shown["max_walk_m"].round(0).astype(int)
    typer.echo(shown.to_string(index=False))
    solver = tables["solver"]
    grid_rows = solver[solver["level"] == "grid"]
    typer.echo(f"\nsolver (网格): {', '.join(f'{k} {v}' for k, v in grid_rows['method'].value_counts().items())}; "
               f"status {', '.join(f'{k} {v}' for k, v in grid_rows['status'].value_counts().items())}; "
               f"largest gap {grid_rows['gap'].max():.1%}")
    typer.echo("audit: " + "; ".join(f"{r.check} {r.failing}/{r.of}"
                                     for r in tables["audit_summary"].itertuples()))
    if "crosswalk" in tables:
        typer.echo("crosswalk: " + ", ".join(
            f"{k} {v}" for k, v in tables["crosswalk"]["class"].value_counts().items()))
    typer.echo(f"distances: {result.distance_kind}")  # type: ignore[attr-defined]
    typer.echo(f"wrote {out}")


def register(app: typer.Typer) -> None:
    """Add the ``grids`` command to ``app``."""
    app.command("grids")(grids_command)
