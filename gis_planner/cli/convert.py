"""``gis-planner convert``: a network or point layer into GeoParquet for partitioned runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from gis_planner.cli._common import COORDS_HELP

KINDS = ("network", "compounds", "facilities")


def _metric_crs(text: str | None) -> Any:
    """``--metric-crs``: an EPSG code (``32651``, ``EPSG:32651``), another projected CRS, or a
    store layer (``.parquet`` file or folder) whose CRS to use."""
    if text is None:
        return None
    import pyproj

    from gis_planner._errors import InputDataError

    path = Path(text)
    if path.suffix.lower() == ".parquet" or path.is_dir():
        from gis_planner.partition.store import layer_crs

        crs = layer_crs(path)
    else:
        try:
            crs = pyproj.CRS.from_user_input(int(text) if text.strip().isdigit() else text)
        except pyproj.exceptions.CRSError as exc:
            raise InputDataError(f"--metric-crs {text!r}: not a CRS ({exc}); expected an EPSG code such as "
                                 "32651 or the network's store file (network_edges.parquet).") from exc
    if not crs.is_projected:
        raise InputDataError(f"--metric-crs {text!r}: {crs.name} is not projected; distances need metres "
                             "(give the network's CRS, e.g. its UTM zone EPSG:32651).")
    return crs


def _check_out(out: Path, sources: list[Path], *, overwrite: bool) -> None:
    """Refuse, before anything is read, an ``--out`` the conversion could not write whole: one
    source is written as one ``.parquet`` file, several as a folder of ``part-*.parquet`` files
    (which replace every part the folder held)."""
    from gis_planner._errors import InputDataError
    from gis_planner.cli._common import check_output_folder, check_outputs, require_suffix

    if len(sources) == 1:
        require_suffix(out, (".parquet",), what="one source is written as a GeoParquet file")
        check_outputs([out], inputs=sources, overwrite=overwrite)
        return
    check_output_folder(out, ("part-*.parquet",), inputs=sources, overwrite=True)
    if out.is_dir() and not overwrite:  # an existing folder, whatever it holds
        raise InputDataError(f"{out} exists; pass --overwrite to replace it.")


def convert_command(
    sources: list[Path] = typer.Argument(
        ..., metavar="SRC", help="Input file(s); several point files become one folder of parts."),
    kind: str = typer.Option(..., "--kind", help="network, compounds or facilities."),
    out: Path = typer.Option(..., "--out", help="GeoParquet file to write (a folder for several sources)."),
    coords: str | None = typer.Option(None, "--coords", help=COORDS_HELP),
    metric_crs: str | None = typer.Option(
        None, "--metric-crs",
        help="Projected CRS (EPSG code) or the network's .parquet: required for points, optional for a network."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing output."),
) -> None:
    """Convert a road network or compound/facility points into GeoParquet sorted for
    bounding-box reads: the store that partitioned runs read partition by partition.

    Each source goes through the project's reader (read_network, read_compounds,
    read_facilities: same coordinate systems, column aliases, checks and cleaning as a single
    run). The network is converted from one file (whether a road belongs to the largest
    connected component is a property of the whole network); point layers may come as several
    pre-split files, written as OUT/part-00000.parquet, … , whose ids must be unique across the
    files (an id in two files is refused, naming both). Points need --metric-crs: the network's
    CRS, or simply the converted network file.

    \b
    $ gis-planner convert --kind network data/demo/roads.geojson \\
        --out store/network_edges.parquet
    $ gis-planner convert --kind compounds data/demo/compounds.geojson --coords wgs84 \\
        --metric-crs store/network_edges.parquet --out store/households.parquet
    $ gis-planner convert --kind facilities data/demo/facilities.csv --coords gcj02 \\
        --metric-crs store/network_edges.parquet --out store/facilities.parquet
    """
    import pyarrow.parquet as pq

    from gis_planner._errors import InputDataError
    from gis_planner.partition.store import convert_to_geoparquet, layer_crs, layer_files

    if kind not in KINDS:
        raise typer.BadParameter(f"expected one of {', '.join(KINDS)}; got {kind!r}", param_hint="--kind")
    if kind == "network" and len(sources) > 1:
        raise typer.BadParameter("give one road file: a network cut into pieces would lose the roads that "
                                 "join them.", param_hint="SOURCES")
    for src in sources:
        if not src.exists():
            raise InputDataError(f"{src}: {kind} file not found.")
    _check_out(out, sources, overwrite=overwrite)
    crs = _metric_crs(metric_crs)
    if kind != "network" and crs is None:
        raise InputDataError(f"--kind {kind}: pass --metric-crs, the network's CRS (an EPSG code such as 32651, "
                             "or the converted network file), so that every layer of the store shares it.")
    kwargs: dict[str, Any] = {}
    if coords is not None:
        if kind == "network":
            raise typer.BadParameter("--coords applies to lon/lat point files, not to a network.",
                                     param_hint="--coords")
        kwargs["source_coords"] = coords
    source: Any = sources[0] if len(sources) == 1 else sources
    dest = convert_to_geoparquet(source, out, kind=kind, metric_crs=crs, **kwargs)
    rows = sum(pq.read_metadata(f).num_rows for f in layer_files(dest))
    what = "edges" if kind == "network" else kind
    typer.echo(f"wrote {dest}: {rows:,} {what} in {layer_crs(dest).name} ({layer_crs(dest).to_string()})")


def register(app: typer.Typer) -> None:
    """Add the ``convert`` command to ``app``."""
    app.command("convert")(convert_command)
