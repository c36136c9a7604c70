"""Inputs and outputs larger than memory: layers read per partition by bounding box.

A *store* is a folder with one entry per layer: ``network_edges``, ``households``,
``facilities`` and optionally ``gates``. Each entry is a GeoParquet file (``<layer>.parquet``), a
folder of GeoParquet files (``<layer>/`` — pre-split inputs, one file per district or chunk), or
a GeoPackage / FlatGeobuf file (``<layer>.gpkg``, ``<layer>.fgb``), all in the network's metric
CRS. GeoParquet is written with a bounding-box covering column, sorted along a Hilbert curve, in
row groups of 100,000 rows, so a bounding-box read touches only the row groups it needs; GPKG and
FlatGeobuf use their spatial index (``pyogrio.read_dataframe(bbox=…)``).

Columns: edges ``edge_order`` (position in the whole network, for identical tie-breaking),
``highway``, ``name``; households ``compound_id`` and the compound columns; facilities
``facility_id``, ``category`` …; gates ``gate_id``, ``compound_id``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gis_planner._errors import InputDataError
from gis_planner._fs import atomic_dir, atomic_path
from gis_planner.io import check_input_path, read_vector, vector_info

logger = logging.getLogger(__name__)

EDGES = "network_edges"
HOUSEHOLDS = "households"
FACILITIES = "facilities"
GATES = "gates"
#: Back-compatible file names of the four layers in a store written by :func:`prepare_store`.
EDGES_FILE, HOUSEHOLDS_FILE, FACILITIES_FILE, GATES_FILE = (f"{n}.parquet" for n in (EDGES, HOUSEHOLDS,
                                                                                       FACILITIES, GATES))
#: Id column of every point layer.
ID_COLUMNS = {HOUSEHOLDS: "compound_id", FACILITIES: "facility_id", GATES: "gate_id"}
ROW_GROUP_ROWS = 100_000
_SUFFIXES = (".parquet", ".gpkg", ".fgb")


def write_parquet(gdf: gpd.GeoDataFrame, path: str | os.PathLike[str], *,
                  total_bounds: tuple[float, float, float, float] | None = None) -> Path:
    """Write GeoParquet sorted for bounding-box reads, atomically.

    Rows are sorted by their Hilbert distance (over ``total_bounds``, default the layer's own
    bounds; pass a common extent when writing several parts of one layer), written in row groups
    of 100,000 with a ``bbox`` covering column (GeoParquet 1.1), so that
    ``geopandas.read_parquet(path, bbox=…)`` skips the row groups outside the box.

    Parameters
    ----------
    gdf
        Any GeoDataFrame; its index is written as a column when named.
    path
        The ``.parquet`` file to write (replaced when it exists).
    """
    if len(gdf):
        bounds = total_bounds if total_bounds is not None else tuple(gdf.total_bounds)
        order = gdf.geometry.hilbert_distance(total_bounds=bounds).to_numpy().argsort(kind="stable")
        gdf = gdf.iloc[order]
    with atomic_path(path) as tmp:
        gdf.to_parquet(tmp, write_covering_bbox=True, row_group_size=ROW_GROUP_ROWS,
                       schema_version="1.1.0")
    return Path(path)


def edges_frame(edges: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The stored form of a network's edges (``WalkNetwork.edges``): geometry, ``highway``,
    ``name`` and ``edge_order`` (their position, so that every partition breaks ties the same way)."""
    keep = [c for c in ("highway", "name", "osm_id") if c in edges.columns]
    out = edges[[*keep, edges.geometry.name]].copy()
    out["edge_order"] = np.arange(len(out), dtype=np.int64)
    return out.reset_index(drop=True)


def prepare_store(folder: str | os.PathLike[str], *, edges: gpd.GeoDataFrame | None = None,
                  households: gpd.GeoDataFrame | None = None,
                  facilities: gpd.GeoDataFrame | None = None,
                  gates: gpd.GeoDataFrame | None = None) -> Path:
    """Write in-memory layers of a partitioned run as GeoParquet into ``folder``.

    Parameters
    ----------
    edges
        The network's edges (``WalkNetwork.edges``: already cleaned, in the metric CRS).
    households, facilities, gates
        Indexed by ``compound_id``, ``facility_id``, ``gate_id``.

    Returns
    -------
    Path
        ``folder``. Layers passed as None are left as they are; a stale gates file is removed
        when ``households`` is written without gates.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if edges is not None:
        write_parquet(edges_frame(edges), folder / EDGES_FILE)
    for name, gdf in ((HOUSEHOLDS, households), (FACILITIES, facilities), (GATES, gates)):
        if gdf is not None:
            write_parquet(gdf.reset_index(names=gdf.index.name or ID_COLUMNS[name]), folder / f"{name}.parquet")
    if households is not None and gates is None and (folder / GATES_FILE).exists():
        (folder / GATES_FILE).unlink()
    return folder


def convert_to_geoparquet(
    sources: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    dest: str | os.PathLike[str],
    *,
    kind: str,
    metric_crs: Any = None,
    **reader_kwargs: Any,
) -> Path:
    """Convert a network or point file into GeoParquet sorted for bounding-box reads.

    Each source goes through the project's reader (so coordinate systems, aliases, checks and
    cleaning are those of a single-process run) and is written with :func:`write_parquet`.

    Parameters
    ----------
    sources
        ``kind="network"``: one road file (OSM PBF/XML, GeoJSON, GPKG, GraphML …), read with
        :func:`gis_planner.io.read_network` — the whole network is read once here (the largest
        connected component is a property of the whole network). ``kind="compounds"`` or
        ``"facilities"``: one file, or a list of pre-split files (one per district or chunk,
        each small enough for memory), read with :func:`gis_planner.io.read_compounds` /
        :func:`~gis_planner.io.read_facilities`; an id found in two of them is refused
        (:class:`InputDataError` naming both files and the first such ids).
    dest
        ``kind="network"`` or a single source: the ``.parquet`` file to write. A list of
        sources: a folder that receives ``part-00000.parquet``, … in the order given, all
        at once when every source has been read; parts of an earlier conversion beyond these
        are removed (they would be read as part of the layer).
    metric_crs
        Points: the network's CRS (required; e.g. ``gpd.read_parquet(edges_file).crs``).
        Network: the projected CRS to read it in (default: the reader's choice, the UTM zone).
    **reader_kwargs
        Passed to the reader (``source_coords=``, ``households_col=`` …).

    Returns
    -------
    Path
        ``dest``.

    Examples
    --------
    >>> convert_to_geoparquet("province.osm.pbf", "store/network_edges.parquet", kind="network")
    >>> convert_to_geoparquet(["hz.csv", "nb.csv"], "store/households", kind="compounds",
    ...                       metric_crs="EPSG:32650", source_coords="gcj02")
    """
    from gis_planner import io

    dest = Path(dest)
    many = not isinstance(sources, (str, os.PathLike))
    srcs = [Path(sources)] if isinstance(sources, (str, os.PathLike)) else [Path(s) for s in sources]
    if not srcs:
        raise InputDataError(f"convert_to_geoparquet({dest}): no source files given.")
    if kind == "network":
        if many and len(srcs) > 1:
            raise InputDataError("convert_to_geoparquet(kind='network'): give one road file; a network cut "
                                 "into pieces would lose the roads that join them.")
        if metric_crs is not None:
            reader_kwargs = {**reader_kwargs, "metric_crs": metric_crs}
        net = io.read_network(srcs[0], **reader_kwargs)
        return write_parquet(edges_frame(net.edges), dest)
    readers: dict[str, tuple[Callable[..., gpd.GeoDataFrame], str]] = {
        "compounds": (io.read_compounds, HOUSEHOLDS), "facilities": (io.read_facilities, FACILITIES)}
    if kind not in readers:
        raise InputDataError(f"convert_to_geoparquet: kind must be network, compounds or facilities; got {kind!r}.")
    if metric_crs is None:
        raise InputDataError(f"convert_to_geoparquet(kind={kind!r}): pass metric_crs= (the network's CRS).")
    reader, layer = readers[kind]
    if not many:
        gdf = reader(srcs[0], metric_crs=metric_crs, **reader_kwargs)
        write_parquet(gdf.reset_index(names=gdf.index.name or ID_COLUMNS[layer]), dest)
        logger.info("converted %s: %d rows -> %s", srcs[0], len(gdf), dest)
        return dest
    names = [f"part-{k:05d}.parquet" for k in range(len(srcs))]
    read: list[tuple[Path, pd.Index]] = []
    with atomic_dir(dest, overwrite=True) as tmp:  # every part, or none
        for name, src in zip(names, srcs, strict=True):
            gdf = reader(src, metric_crs=metric_crs, **reader_kwargs)
            _require_new_ids(gdf.index, src, read, column=ID_COLUMNS[layer])
            read.append((src, gdf.index))
            write_parquet(gdf.reset_index(names=gdf.index.name or ID_COLUMNS[layer]), tmp / name)
            logger.info("converted %s: %d rows -> %s", src, len(gdf), dest / name)
    for stale in sorted(dest.glob("part-*.parquet")):  # parts of an earlier, longer conversion
        if stale.name not in names:
            stale.unlink()
            logger.info("removed %s (left by an earlier conversion)", stale)
    return dest


def _require_new_ids(ids: pd.Index, src: Path, earlier: Sequence[tuple[Path, pd.Index]], *, column: str) -> None:
    """Refuse ids of ``src`` that one of the ``earlier`` sources of the same layer holds: the
    parts of a store are one layer, whose ids must be unique across its files."""
    for other, known in earlier:
        clash = ids[ids.isin(known)]
        if not len(clash):
            continue
        same = " (the same file given twice)" if src.resolve() == other.resolve() else ""
        raise InputDataError(
            f"{other} and {src}{same}: {len(clash):,} {column} values occur in both ({_some(clash)}); the "
            "files of one layer need unique ids (a file without an id column numbers its rows from 1): give "
            "each file's rows their own ids, or leave out the file that repeats another.")


def _some(values: Sequence[Any] | pd.Index, limit: int = 5) -> str:
    """The first ``limit`` values for a message, with how many more there are."""
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (f" (+{len(values) - limit:,} more)" if len(values) > limit else "")


# ---------------------------------------------------------------------- reading
def layer_files(path: str | os.PathLike[str]) -> list[Path]:
    """The files of a store layer: the file itself, or the ``.parquet``/``.gpkg``/``.fgb``
    parts of a layer folder in name order.

    Raises
    ------
    InputDataError
        A URL or connection string, a missing file, a folder without parts, or another format.
    """
    local = check_input_path(path)  # URLs, /vsi…/ paths and connection strings are refused
    if local.is_dir():
        files = sorted(p for p in local.iterdir() if p.suffix in _SUFFIXES and not p.name.startswith("."))
        if not files:
            raise InputDataError(f"{local}: a layer folder without .parquet/.gpkg/.fgb files.")
        return files
    if not local.exists():
        raise InputDataError(f"{local}: no such file; write the store with prepare_store or convert_to_geoparquet.")
    if local.suffix not in _SUFFIXES:
        raise InputDataError(f"{local}: a store layer must be GeoParquet, GeoPackage or FlatGeobuf "
                             f"(.parquet, .gpkg, .fgb); convert it with convert_to_geoparquet.")
    return [local]


def _read_file(path: Path, bbox: tuple[float, float, float, float] | None,
               columns: list[str] | None = None) -> gpd.GeoDataFrame:
    if path.suffix == ".parquet":
        cols = None if columns is None else [*columns, _parquet_geometry_column(path)]
        return read_vector(path, bbox=bbox, columns=cols)
    return read_vector(path, bbox=bbox, columns=columns)


def read_bbox(path: str | os.PathLike[str], bbox: tuple[float, float, float, float] | None = None,
              *, columns: list[str] | None = None) -> gpd.GeoDataFrame:
    """Rows of a store layer (file or folder) whose bounding box intersects ``bbox`` (metres).

    GeoParquet reads only the row groups whose bounding boxes meet ``bbox``; GPKG and
    FlatGeobuf use their spatial index. ``bbox=None`` reads everything.
    """
    files = layer_files(path)
    if bbox is not None and len(files) > 1:  # pre-split parts: open only those meeting the box
        files = [f for f in files if _meets(_file_bounds(f), bbox)] or files[:1]
    frames = [_read_file(f, bbox, columns) for f in files]
    if len(frames) == 1:
        return frames[0]
    crs = frames[0].crs
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=crs)


def _file_bounds(path: Path) -> tuple[float, float, float, float] | None:
    """Bounds of a file from its metadata (GeoParquet ``bbox``; GPKG/FGB layer extent), or None."""
    try:
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            meta = json.loads(pq.read_schema(path).metadata[b"geo"])
            bounds = meta["columns"][meta["primary_column"]].get("bbox")
        else:
            bounds = vector_info(path, force_total_bounds=True).get("total_bounds")
    except (KeyError, TypeError, ValueError, OSError):
        return None
    if bounds is None or len(bounds) < 4:
        return None
    minx, miny, maxx, maxy = (float(b) for b in bounds[:4])
    return minx, miny, maxx, maxy


def _meets(bounds: tuple[float, float, float, float] | None, bbox: tuple[float, float, float, float]) -> bool:
    if bounds is None or not all(np.isfinite(bounds)):
        return True
    return not (bounds[2] < bbox[0] or bounds[0] > bbox[2] or bounds[3] < bbox[1] or bounds[1] > bbox[3])


def read_layer(path: str | os.PathLike[str], layer: str,
               bbox: tuple[float, float, float, float] | None = None) -> gpd.GeoDataFrame:
    """A store layer as the project's canonical frame: points indexed by their id (strings);
    edges in their original order with ``edge_order`` dropped (ready for ``WalkNetwork.from_lines``).

    Parameters
    ----------
    layer
        ``network_edges``, ``households``, ``facilities`` or ``gates``.
    bbox
        Read only the rows meeting this box (metres); None reads the whole layer.
    """
    gdf = read_bbox(path, bbox)
    if layer == EDGES:
        if "edge_order" not in gdf.columns:
            raise InputDataError(f"{path}: network edges without an edge_order column; "
                                 "write them with convert_to_geoparquet(kind='network') or prepare_store.")
        return gdf.sort_values("edge_order", kind="mergesort").drop(columns="edge_order").reset_index(drop=True)
    id_col = ID_COLUMNS[layer]
    if id_col in gdf.columns:
        gdf = gdf.set_index(id_col)
    elif gdf.index.name != id_col:
        raise InputDataError(f"{path}: no {id_col!r} column; expected the id of every row.")
    gdf.index = gdf.index.astype(str)
    gdf.index.name = id_col
    return gdf


def layer_crs(path: str | os.PathLike[str]) -> pyproj.CRS:
    """The CRS of a store layer, read from its metadata (no rows are read)."""
    first = layer_files(path)[0]
    if first.suffix == ".parquet":
        import pyarrow.parquet as pq

        meta = json.loads(pq.read_schema(first).metadata[b"geo"])
        col = meta["columns"][meta["primary_column"]]
        return pyproj.CRS.from_user_input(col.get("crs", "OGC:CRS84"))
    return pyproj.CRS.from_user_input(vector_info(first)["crs"])


def _parquet_geometry_column(path: Path) -> str:
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata
    if not meta or b"geo" not in meta:
        raise InputDataError(f"{path}: not GeoParquet (no 'geo' metadata); write it with write_parquet.")
    return json.loads(meta[b"geo"])["primary_column"]


def iter_points(path: str | os.PathLike[str], *, columns: Sequence[str] = (),
                batch_rows: int = 1_000_000) -> Iterator[tuple[np.ndarray, pd.DataFrame]]:
    """Stream a point layer: per batch, representative points (n × 2 metres) and ``columns``.

    Only the geometry and the named columns are read, ``batch_rows`` at a time, so the whole
    layer never sits in memory.
    """
    from gis_planner.partition.plan import representative_xy

    for f in layer_files(path):
        if f.suffix == ".parquet":
            import pyarrow.parquet as pq

            geom = _parquet_geometry_column(f)
            pf = pq.ParquetFile(f)
            for batch in pf.iter_batches(batch_size=batch_rows, columns=[*columns, geom]):
                geoms = shapely.from_wkb(batch.column(geom).to_numpy(zero_copy_only=False))
                extra = batch.select(list(columns)).to_pandas() if columns else pd.DataFrame(index=range(len(geoms)))
                yield representative_xy(geoms), extra
        else:
            n = vector_info(f)["features"]
            for start in range(0, max(n, 0), batch_rows):
                gdf = read_vector(f, columns=list(columns), skip_features=start, max_features=batch_rows)
                yield representative_xy(gdf.geometry.to_numpy()), pd.DataFrame(gdf.drop(columns=gdf.geometry.name))


def read_column(path: str | os.PathLike[str], column: str) -> pd.Series:
    """One column of a store layer, in file order (no geometry read)."""
    values = []
    for f in layer_files(path):
        if f.suffix == ".parquet":
            import pyarrow.parquet as pq

            values.append(pq.read_table(f, columns=[column]).column(column).to_pandas())
        else:
            values.append(read_vector(f, columns=[column], read_geometry=False)[column])
    return pd.concat(values, ignore_index=True)


def require_unique_ids(path: str | os.PathLike[str], layer: str) -> None:
    """Refuse a stored point layer (``households``, ``facilities``, ``gates``) without its id
    column, or whose ids repeat, within a file or across the files of a layer folder: a
    partition holding both copies would fail, and partitions holding one each would count the
    place twice. Only the id column is read.

    Raises
    ------
    InputDataError
        Naming the store file or folder, the column and the first repeated ids.
    """
    column = ID_COLUMNS[layer]
    for f in layer_files(path):
        if column not in _column_names(f):
            raise InputDataError(f"{f}: no {column!r} column; expected the id of every row (write the layer "
                                 "with gis-planner convert or prepare_store).")
    ids = read_column(path, column).astype(str)
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        repeated = sorted(set(ids[dup]))
        raise InputDataError(f"{path}: {len(repeated):,} {column} values occur more than once ({_some(repeated)}); "
                             "the ids of a store layer must be unique across all its files.")


def _column_names(path: Path) -> list[str]:
    """The column names of one store file (its metadata; no rows are read)."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    return [str(c) for c in vector_info(path).get("fields", ())]


# ---------------------------------------------------------------------- outputs
MANIFEST = "_metadata.json"


def write_manifest(folder: Path, parts: list[dict], run: dict[str, Any] | None = None) -> Path:
    """``_metadata.json``: the run's parameters and one entry per partition (file, households,
    edges, facilities, seconds, peak memory), written atomically."""
    body = {"run": run or {}, "partitions": parts}
    with atomic_path(folder / MANIFEST) as tmp:
        tmp.write_text(json.dumps(body, ensure_ascii=False, indent=1, default=_json_default), encoding="utf-8")
    return folder / MANIFEST


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, set)):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``_metadata.json`` of a partitioned run's output folder."""
    path = Path(folder) / MANIFEST
    if not path.exists():
        raise InputDataError(f"{folder}: no {MANIFEST}; not the output folder of a partitioned run "
                             "(or the run did not finish).")
    return json.loads(path.read_text(encoding="utf-8"))


def result_files(folder: str | os.PathLike[str]) -> list[Path]:
    """The GeoParquet result files of a run, in partition order (partitions with households)."""
    meta = read_manifest(folder)
    return [Path(folder) / p["file"] for p in meta["partitions"] if p["households"]]


def read_results(folder: str | os.PathLike[str], *, columns: list[str] | None = None) -> gpd.GeoDataFrame:
    """All partition results of a run as one GeoDataFrame (index = compound id).

    Holds every household of the run in memory; for province totals use
    :func:`gis_planner.partition.merge.partitioned_summary`, which reads one partition at a time.
    """
    files = result_files(folder)
    if not files:
        return gpd.GeoDataFrame()
    frames = [read_vector(f, columns=None if columns is None else [*columns, _parquet_geometry_column(f)])
              for f in files]
    return _text_columns(gpd.GeoDataFrame(pd.concat(frames), crs=frames[0].crs))


def _text_columns(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Text columns as one run would type them: a partition where a text column is all missing
    (no gate used, say) stores it untyped, and concatenation then falls back to ``object``; a
    column whose values are strings or missing, with at least one string, becomes ``str``."""
    for col in gdf.columns:
        s = gdf[col]
        if s.dtype != object or col == gdf.geometry.name:
            continue
        values = s.dropna()
        if len(values) and all(isinstance(v, str) for v in values):
            gdf[col] = s.astype(pd.StringDtype(na_value=np.nan))
    return gdf
