"""Partitioned reachability on Dask: each task reads only its partition (by bounding box),
computes, writes its result as GeoParquet and returns a few numbers; the lead merges.

``dask.distributed`` is an optional extra: ``pip install "gis_planner[province]"``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import resource
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd

from gis_planner import _units
from gis_planner._errors import CRSError, GisPlannerError, GisPlannerWarning, InputDataError
from gis_planner._fs import atomic_dir, atomic_path
from gis_planner._validate import require_unique_index
from gis_planner.coverage.columns import category_columns, gate_col, threshold_of
from gis_planner.partition.plan import Layout, Partition, build_partitions, make_layout, representative_xy
from gis_planner.partition.store import (
    EDGES,
    FACILITIES,
    GATES,
    HOUSEHOLDS,
    ID_COLUMNS,
    MANIFEST,
    iter_points,
    layer_crs,
    prepare_store,
    read_column,
    read_layer,
    require_unique_ids,
    write_manifest,
)

logger = logging.getLogger(__name__)

INSTALL_HINT = 'partitioned runs need Dask: pip install "gis_planner[province]"'
_ADDRESS = re.compile(r"^(tcp|tls|ucx|inproc)://[^\s/:]+(:\d{1,5})?/?$")

Layer: TypeAlias = str | os.PathLike[str] | gpd.GeoDataFrame


def _require_dask() -> Any:
    """``dask.distributed``, or ImportError with the install command."""
    try:
        import dask.distributed as dd
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return dd


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB: ``VmHWM`` on Linux (reset when a process
    starts a new program, unlike ``ru_maxrss``, which a spawned worker inherits from the parent
    it was forked from), else ``ru_maxrss``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _categories(present: Sequence[str], categories: Sequence[str] | None,
                required: Sequence[str] | None) -> list[str]:
    """The assessed categories as ``coverage.reach`` orders them: the given ones (default those
    present, in order of appearance) followed by the required ones missing from them."""
    if isinstance(categories, str) or isinstance(required, str):
        raise InputDataError("categories and required_categories take lists of identifiers, "
                             "not one string; write ['pharmacy'].")
    cats = list(dict.fromkeys(categories if categories is not None else present))
    cats += [c for c in dict.fromkeys(required or ()) if c not in cats]
    return cats


def reach_limits(*, speed_kmh: float, categories: Sequence[str], walk_minutes: Sequence[float] = (5, 10, 15),
                 headline_minutes: float | None = None, category_minutes: Mapping[str, float] | None = None,
                 search_cap_m: float | None = None) -> tuple[dict[str, float], float]:
    """Headline limit per category (m) and the search cap (m), exactly as ``coverage.reach``
    derives them, so the halo matches the cap the single-process run uses."""
    from gis_planner.coverage.reach import SEARCH_CAP_FACTOR

    minutes = sorted({float(m) for m in walk_minutes})
    if not minutes or minutes[0] <= 0:
        raise InputDataError(f"walk_minutes must be positive minutes; got {tuple(walk_minutes)}.")
    headline = float(headline_minutes) if headline_minutes is not None else minutes[-1]
    limits = {c: _units.walk_distance_m(float((category_minutes or {}).get(c, headline)), speed_kmh)
              for c in categories}
    largest = max([*limits.values(), _units.walk_distance_m(minutes[-1], speed_kmh)])
    cap = float(search_cap_m) if search_cap_m is not None else SEARCH_CAP_FACTOR * largest
    return limits, cap


def run_partition(layers: Mapping[str, str], part: Partition, layout: Layout, reach_kwargs: dict[str, Any],
                  out_dir: str) -> dict[str, Any]:
    """Compute one partition and write ``part-<id>.parquet`` into ``out_dir``.

    Runs on a worker: reads the edges, households, facilities (and gates) of this partition by
    bounding box from ``layers`` (store paths every worker can see), keeps the households the
    layout assigns to it, builds the sub-network with every component, runs ``coverage.reach``.
    Checks that only make sense for the whole run (a layer none of whose points snaps, a category
    without facilities) are left to the lead: a partition legitimately lacks them; warnings
    raised here are returned in the entry, not shown.

    Returns
    -------
    dict
        ``partition``, ``file``, ``households`` (compounds), ``household_total``, ``edges``,
        ``facilities``, ``seconds``, ``worker_peak_rss_mb``, ``worker``, ``warnings``.
    """
    from gis_planner.coverage import reach
    from gis_planner.network import WalkNetwork
    from gis_planner.network.snap import snap_points

    t0 = time.perf_counter()
    name = f"part-{part.partition_id}.parquet"
    hh = read_layer(layers[HOUSEHOLDS], HOUSEHOLDS, part.core_bbox)
    hh = hh[layout.assign(representative_xy(hh.geometry.to_numpy())) == part.code]
    info: dict[str, Any] = {"partition": part.partition_id, "file": name, "households": len(hh)}
    if len(hh) == 0:
        return info
    edges = read_layer(layers[EDGES], EDGES, part.edge_bbox)
    edges = edges[edges.intersects(part.edge_region)].reset_index(drop=True)
    tol = float(reach_kwargs["snap_tolerance_m"])
    if len(edges) == 0:  # no road near any of its compounds: they are all unsnapped, as in one run
        logger.info("partition %s: no road within its halo; its %d compounds reach nothing",
                    part.partition_id, len(hh))
        edges = _remote_edge(part, tol, edges)
    net = WalkNetwork.from_lines(edges, source=f"partition {part.partition_id}", keep_largest_component=False)
    fac = read_layer(layers[FACILITIES], FACILITIES, part.facility_bbox)
    fac = fac[fac.intersects(part.facility_region)]
    if len(fac):  # facilities that snap nowhere take no part in the result; drop them here
        fac = fac[snap_points(net, fac, tolerance_m=tol)["snapped"].to_numpy(bool)]
    gates = None
    if layers.get(GATES):
        g = read_layer(layers[GATES], GATES, part.core_bbox)
        gates = g[g["compound_id"].astype(str).isin(hh.index)]
    compounds, anchor = _with_anchor(net, hh, gates, tol)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GisPlannerWarning)
        result = reach(net, compounds, fac, gates=gates, **reach_kwargs)
    out = result.households
    if anchor is not None:
        out = out.drop(index=anchor)
    if layers.get(GATES):
        out = _ensure_gate_columns(out, result)
    with atomic_path(Path(out_dir) / name) as tmp:
        out.to_parquet(tmp)
    info.update(household_total=float(pd.to_numeric(out[result.households_col]).sum()),
                edges=int(net.n_edges), facilities=len(fac),
                seconds=round(time.perf_counter() - t0, 3),
                worker_peak_rss_mb=round(peak_rss_mb(), 1), worker=f"{os.uname().nodename}:{os.getpid()}",
                warnings=sorted({str(w.message) for w in caught if issubclass(w.category, GisPlannerWarning)}))
    return info


def _partition_task(layers: Mapping[str, str], part: Partition, layout: Layout, reach_kwargs: dict[str, Any],
                    out_dir: str) -> dict[str, Any]:
    """:func:`run_partition` as a Dask task: an error the user can fix (a
    :class:`~gis_planner._errors.GisPlannerError`) is returned in the entry (``error``), for the
    lead to raise, instead of failing the task, which the worker would log with its traceback."""
    try:
        return run_partition(layers, part, layout, reach_kwargs, out_dir)
    except GisPlannerError as exc:
        return {"partition": part.partition_id, "error": exc}


def _finished(info: dict[str, Any]) -> dict[str, Any]:
    """The entry of a finished partition; the error a partition returned is raised, naming it."""
    exc = info.get("error")
    if isinstance(exc, GisPlannerError):
        raise type(exc)(f"partition {info['partition']}: {exc}") from exc
    return info


#: Index of the stand-in compound added to a partition none of whose compounds reaches a road.
ANCHOR_ID = "__partition_stand_in__"


def _with_anchor(net: Any, hh: gpd.GeoDataFrame, gates: gpd.GeoDataFrame | None,
                 tol: float) -> tuple[gpd.GeoDataFrame, str | None]:
    """The compounds, plus a stand-in on the first road when none of them snaps.

    ``reach`` refuses a layer none of whose points reaches the network (a wrong file in a
    single run); in a partition it is a legitimate rural corner whose compounds are simply
    unsnapped. The stand-in (a copy of the first compound's row, same dtypes, on an edge) lets
    ``reach`` run; compounds are computed independently, and the stand-in is dropped after.
    """
    import shapely

    gated = set(gates["compound_id"].astype(str)) if gates is not None and len(gates) else set()
    pts = representative_xy_points(hh.loc[~hh.index.isin(gated)])
    if gates is not None and len(gates):
        pts = np.concatenate([pts, gates.geometry.to_numpy()])
    tree = shapely.STRtree(net.edges.geometry.to_numpy())
    for start in range(0, len(pts), 2_000):  # usually settled by the first chunk
        if len(tree.query(pts[start:start + 2_000], predicate="dwithin", distance=tol)[0]):
            return hh, None
    stand_in = hh.iloc[[0]].copy()
    stand_in.index = pd.Index([ANCHOR_ID], name=hh.index.name, dtype=hh.index.dtype)
    stand_in[hh.geometry.name] = gpd.GeoSeries([net.edges.geometry.iloc[0].interpolate(0.5, normalized=True)],
                                               index=stand_in.index, crs=hh.crs)
    return gpd.GeoDataFrame(pd.concat([hh, stand_in]), crs=hh.crs), ANCHOR_ID


def _remote_edge(part: Partition, tol: float, like: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A 1 m stand-in road farther than the snap tolerance from everything the partition reads
    (beyond the corner of its edge box), for a partition without roads: nothing snaps to it but
    the stand-in compound of :func:`_with_anchor`."""
    import shapely

    x, y = part.edge_bbox[2] + tol + 10.0, part.edge_bbox[3] + tol + 10.0
    return gpd.GeoDataFrame({"highway": [""], "name": [""]}, geometry=[shapely.LineString([(x, y), (x + 1.0, y)])],
                            crs=like.crs)


def representative_xy_points(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Points of ``gdf`` as reach uses them (a point inside non-point geometries)."""
    import shapely

    return shapely.points(representative_xy(gdf.geometry.to_numpy()))


def _ensure_gate_columns(out: gpd.GeoDataFrame, result: Any) -> gpd.GeoDataFrame:
    """A partition none of whose compounds has a gate gets the per-category gate columns of a
    gated run (None), in reach's column order: right after each category's block."""
    for c in result.categories:
        col = gate_col(c)
        if col in out.columns:
            continue
        own = set(category_columns(c))
        block = [k for k in out.columns
                 if k in own or ((thr := threshold_of(k)) is not None and thr[0] == c)]
        at = max(out.columns.get_loc(k) for k in block) + 1
        out.insert(at, col, pd.Series([None] * len(out), index=out.index, dtype=object))
    return out


#: Share of this machine's memory (after cgroup and rlimit caps, as Dask reads it) that the
#: workers of a local cluster may use together; each gets ``share / n_workers`` of it and Dask
#: spills, pauses and finally restarts a worker that goes beyond. Our own reading: the rest is
#: left to the lead process, which holds the merged result, and to the system.
WORKER_MEMORY_SHARE = 0.75


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


class _LocalCluster:
    """A LocalCluster together with its scratch folder, removed when the cluster is closed."""

    def __init__(self, cluster: Any, scratch: Path) -> None:
        self.cluster = cluster
        self.scratch = scratch

    def close(self) -> None:
        """Stop the workers, then remove their scratch folder (spilled data, worker files)."""
        try:
            self.cluster.close()
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cluster, name)


def connect(scheduler: str | None = None, *, n_workers: int = 2, timeout_s: float = 10.0,
            processes: bool = True, memory_share: float = WORKER_MEMORY_SHARE,
            cleanup: contextlib.ExitStack | None = None) -> tuple[Any, Any]:
    """A Dask client: to ``scheduler`` (``tcp://host:8786``) or to a new LocalCluster.

    Only the caller chooses ``scheduler`` (the ``--scheduler`` option, never a plan file), so
    the addresses a run connects to are always the user's own.

    Parameters
    ----------
    scheduler
        Address of a running scheduler; None starts a LocalCluster of ``n_workers``
        single-threaded workers (``processes=False``: threads in this process).
    n_workers
        Workers of the local cluster; more than the usable CPUs (:func:`usable_cpus`) are
        reduced to that number, with a warning in the log.
    timeout_s
        How long to try reaching ``scheduler`` (s) before failing.
    memory_share
        Share (0-1] of the machine's memory the local worker processes may use together;
        each worker's limit is ``memory_share * total / n_workers`` bytes. Default
        :data:`WORKER_MEMORY_SHARE`. Not applied to thread workers (they share this process).
    cleanup
        An exit stack that takes over closing the client, the cluster and the scratch folder
        (registered as each is made, so an interrupt at any point leaves nothing running).

    Returns
    -------
    (client, cluster)
        ``cluster`` is None for a remote scheduler; close both when done. Closing the
        cluster also removes its scratch folder (``gis-planner-dask-*`` in the temporary
        folder, where workers spill), so an interrupted run leaves no worker files.

    Raises
    ------
    InputDataError
        A malformed address (before any connection attempt), ``n_workers`` < 1 or
        ``memory_share`` outside (0, 1].
    GisPlannerError
        The scheduler does not answer within ``timeout_s``.
    """
    dd = _require_dask()
    if scheduler:
        if not _ADDRESS.match(scheduler):
            raise InputDataError(f"--scheduler {scheduler!r}: expected an address such as tcp://HOST:8786 "
                                 "(the one `dask scheduler` prints).")
        try:
            client = dd.Client(scheduler, timeout=f"{timeout_s}s")
            if cleanup is not None:
                cleanup.callback(client.close)
            return client, None
        except (OSError, TimeoutError) as exc:
            raise GisPlannerError(f"cannot reach the Dask scheduler at {scheduler} within {timeout_s:g} s ({exc}); "
                                  "start it with `dask scheduler` (workers: `dask worker "
                                  f"{scheduler} --nthreads 1`) or leave --scheduler out.") from exc
    if n_workers < 1:
        raise InputDataError(f"n_workers must be >= 1; got {n_workers}.")
    if not 0 < memory_share <= 1:
        raise InputDataError(f"memory_share must be in (0, 1]; got {memory_share}.")
    cpus = usable_cpus()
    if n_workers > cpus:
        logger.warning("%d workers asked for but %d CPUs usable: starting %d workers", n_workers, cpus, cpus)
        n_workers = cpus
    from distributed.system import MEMORY_LIMIT

    memory_limit = int(MEMORY_LIMIT * memory_share / n_workers) if processes else 0
    with contextlib.ExitStack() as stack:  # an interrupt part-way stops what was started
        scratch = Path(tempfile.mkdtemp(prefix="gis-planner-dask-"))
        stack.callback(shutil.rmtree, scratch, ignore_errors=True)
        cluster = dd.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=processes,
                                  dashboard_address=None, memory_limit=memory_limit,
                                  local_directory=str(scratch))
        stack.callback(cluster.close)
        client = dd.Client(cluster)
        stack.callback(client.close)
        logger.info("local Dask cluster: %d workers, %s memory limit each, scratch %s", n_workers,
                    f"{memory_limit / 2**30:.1f} GiB" if memory_limit else "no", scratch)
        if cleanup is not None:
            cleanup.push(stack.pop_all())
            return client, _LocalCluster(cluster, scratch)
        stack.pop_all()
        return client, _LocalCluster(cluster, scratch)


def _store_layers(network: Any, households: Layer, facilities: Layer, gates: Layer | None,
                  store: Path) -> dict[str, str]:
    """Paths of the four layers; in-memory ones are written into ``store`` first."""
    from gis_planner.network import WalkNetwork

    layers: dict[str, str] = {}
    for name, obj in ((EDGES, network), (HOUSEHOLDS, households), (FACILITIES, facilities), (GATES, gates)):
        if obj is None:
            continue
        if isinstance(obj, (str, os.PathLike)):
            if name in ID_COLUMNS:
                require_unique_ids(obj, name)
            layers[name] = str(obj)
            continue
        if name == EDGES:
            if not isinstance(obj, WalkNetwork):
                raise InputDataError("network: expected a WalkNetwork or the path of stored edges "
                                     "(convert_to_geoparquet(kind='network')).")
            prepare_store(store, edges=obj.edges)
        else:
            require_unique_index(obj, what=name)
            prepare_store(store, **{name: obj})
        layers[name] = str(store / f"{name}.parquet")
    return layers


def _check_crs(layers: Mapping[str, str]) -> Any:
    crs = {name: layer_crs(path) for name, path in layers.items()}
    net_crs = crs[EDGES]
    if not net_crs.is_projected:
        raise CRSError(f"network edges {layers[EDGES]}: CRS {net_crs.name} is not projected; "
                       "store layers must be in the network's metric CRS.")
    for name, c in crs.items():
        if c != net_crs:
            raise CRSError(f"{name} {layers[name]} is in {c.name}, the network in {net_crs.name}; "
                           "convert it with metric_crs= the network's CRS.")
    return net_crs


def _plan(layers: Mapping[str, str], *, partition_by: gpd.GeoDataFrame | None, tile_m: float | None,
          cap_m: float, tol_m: float, crs: Any) -> tuple[Layout, list[Partition], int]:
    """Stream the households (and gates) once or twice to lay out the partitions."""
    bounds = None
    if tile_m is not None:
        lo, hi = np.full(2, np.inf), np.full(2, -np.inf)
        for xy, _ in iter_points(layers[HOUSEHOLDS]):
            if len(xy):
                lo, hi = np.minimum(lo, xy.min(axis=0)), np.maximum(hi, xy.max(axis=0))
        bounds = (*lo, *hi)
    layout = make_layout(by=partition_by, tile_m=tile_m, bounds=bounds, crs=crs)
    code_of: list[pd.Series] = []
    with_gates = GATES in layers

    def households() -> Iterator[np.ndarray]:
        for xy, cols in iter_points(layers[HOUSEHOLDS], columns=["compound_id"] if with_gates else ()):
            if with_gates:  # the partition of every compound, for its gates
                code_of.append(pd.Series(layout.assign(xy), index=cols["compound_id"].astype(str).to_numpy()))
            yield xy

    orphans: list[str] = []

    def gates() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        codes = pd.concat(code_of) if code_of else pd.Series(dtype=np.int64)
        for xy, cols in iter_points(layers[GATES], columns=["compound_id"]):
            c = codes.reindex(cols["compound_id"].astype(str).to_numpy()).to_numpy()
            ok = ~pd.isna(c)
            orphans.extend(cols["compound_id"].astype(str).to_numpy()[~ok][:5 - len(orphans)])
            yield c[ok].astype(np.int64), xy[ok]

    parts, counts = build_partitions(layout, households(), gates() if with_gates else (),
                                     search_cap_m=cap_m, snap_tolerance_m=tol_m)
    if orphans:
        warnings.warn(f"gates {layers[GATES]}: some gates name a compound_id not among the compounds "
                      f"(e.g. {orphans}); they are ignored. Check the compound_id column of the gates.",
                      GisPlannerWarning, stacklevel=3)
    return layout, parts, int(counts.sum())


def partitioned_reach(
    network: Any,
    households: Layer,
    facilities: Layer,
    *,
    out_dir: str | os.PathLike[str],
    speed_kmh: float,
    categories: Sequence[str] | None = None,
    partition_by: gpd.GeoDataFrame | None = None,
    tile_m: float | None = None,
    gates: Layer | None = None,
    scheduler: str | None = None,
    n_workers: int = 2,
    client: Any = None,
    store_dir: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    progress: bool = False,
    scheduler_timeout_s: float = 10.0,
    **reach_kwargs: Any,
) -> dict[str, Any]:
    """Reachability partition by partition on Dask; the results equal the single-process ``reach``.

    Parameters
    ----------
    network
        A :class:`~gis_planner.network.WalkNetwork`, or the path of its stored edges
        (GeoParquet file or folder, GPKG, FlatGeobuf; see :mod:`gis_planner.partition.store`).
    households, facilities, gates
        GeoDataFrames as for :func:`gis_planner.coverage.reach`, or paths of store layers
        (then the lead process streams only the points' coordinates and never holds the layer).
    out_dir
        Folder of the results: ``part-<id>.parquet`` per partition (the ``reach`` household
        table of its compounds) and ``_metadata.json``; nothing appears in it until every
        partition has succeeded. Refused when it holds a run already, unless ``overwrite``.
    speed_kmh
        Walking speed (km/h).
    categories
        Categories to assess; default every category of the facilities, in order of appearance.
    partition_by, tile_m
        Partition by polygons (districts, sub-districts; index = id, in the network's CRS) or by
        square tiles of ``tile_m`` metres; exactly one.
    scheduler
        Address of a running Dask scheduler (``tcp://host:8786``); None starts a LocalCluster with
        ``n_workers`` single-threaded worker processes. Workers must see the store and ``out_dir``
        at the same paths (a shared filesystem on a real cluster).
    client
        An existing ``dask.distributed.Client`` to use instead (left open).
    store_dir
        Where in-memory inputs are written as GeoParquet for the workers (default
        ``<out_dir>.store``); unused when every input is a path.
    progress
        Show a progress bar over partitions (a log line per finished partition is always written).
    scheduler_timeout_s
        How long to try reaching ``scheduler`` (s).
    **reach_kwargs
        Passed to ``reach``: ``walk_minutes``, ``headline_minutes``, ``category_minutes``,
        ``required_categories``, ``snap_tolerance_m``, ``search_cap_m``, ``households_col``,
        ``population_col``, ``count_within``, ``profile_id``.

    Returns
    -------
    dict
        ``partitions`` (the manifest entries), ``households`` (compounds written), ``seconds``
        (wall time of the Dask phase), ``out_dir``.

    Notes
    -----
    Exactness: see :mod:`gis_planner.partition.plan` (halo of cap + 3 × tolerance for edges,
    cap + 2 × tolerance for facilities, whole components kept, one partition per household).
    """
    out_dir = Path(out_dir)
    if (out_dir / MANIFEST).exists() and not overwrite:
        raise InputDataError(f"{out_dir} holds a partitioned run already; pass overwrite=True (--overwrite) "
                             "or choose another output folder.")
    dd = _require_dask()
    own_client = client is None
    with contextlib.ExitStack() as stack:
        if own_client:  # first, so that a wrong scheduler fails before any work
            client, _ = connect(scheduler, n_workers=n_workers, timeout_s=scheduler_timeout_s, cleanup=stack)
        return _run(dd, client, network, households, facilities, gates=gates, out_dir=out_dir, speed_kmh=speed_kmh,
                    categories=categories, partition_by=partition_by, tile_m=tile_m, store_dir=store_dir,
                    progress=progress, reach_kwargs=reach_kwargs)


def _run(dd: Any, client: Any, network: Any, households: Layer, facilities: Layer, *, gates: Layer | None,
         out_dir: Path, speed_kmh: float, categories: Sequence[str] | None, partition_by: gpd.GeoDataFrame | None,
         tile_m: float | None, store_dir: str | os.PathLike[str] | None, progress: bool,
         reach_kwargs: dict[str, Any]) -> dict[str, Any]:
    """The body of :func:`partitioned_reach` once a client is connected."""
    tol = float(reach_kwargs.pop("snap_tolerance_m", 250.0))
    store = Path(store_dir) if store_dir else Path(str(out_dir) + ".store")
    layers = _store_layers(network, households, facilities, gates, store)
    crs = _check_crs(layers)
    if isinstance(facilities, gpd.GeoDataFrame):
        present = list(dict.fromkeys(facilities["category"].astype(str)))
    else:
        present = list(dict.fromkeys(read_column(layers[FACILITIES], "category").astype(str)))
    cats = _categories(present, categories, reach_kwargs.get("required_categories"))
    absent = [c for c in cats if c not in present]
    if absent:
        where = "the facilities" if isinstance(facilities, gpd.GeoDataFrame) else str(facilities)
        warnings.warn(f"categories {absent} have no facility in {where}: every compound is uncovered for them.",
                      GisPlannerWarning, stacklevel=3)
    limits, cap = reach_limits(speed_kmh=speed_kmh, categories=cats,
                               walk_minutes=reach_kwargs.get("walk_minutes", (5, 10, 15)),
                               headline_minutes=reach_kwargs.get("headline_minutes"),
                               category_minutes=reach_kwargs.get("category_minutes"),
                               search_cap_m=reach_kwargs.pop("search_cap_m", None))
    kwargs = {**reach_kwargs, "speed_kmh": float(speed_kmh), "categories": cats, "search_cap_m": cap,
              "snap_tolerance_m": tol, "progress": False}
    layout, parts, n_households = _plan(layers, partition_by=partition_by, tile_m=tile_m, cap_m=cap,
                                        tol_m=tol, crs=crs)
    logger.info("%d compounds in %d partitions (%s); halo %.0f m", n_households, len(parts), layout.kind,
                cap + 3 * tol)
    manifest: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    with atomic_dir(out_dir, overwrite=True) as tmp:
        layout_f = client.scatter(layout, broadcast=True)
        futures = [client.submit(_partition_task, layers, p, layout_f, kwargs, str(tmp), pure=False,
                                 key=f"partition-{p.partition_id}-{time.time_ns()}") for p in parts]
        from tqdm.auto import tqdm

        with tqdm(total=len(futures), desc="partitions", unit="partition", disable=not progress) as bar:
            for fut in dd.as_completed(futures):
                info = _finished(fut.result())
                manifest.append(info)
                logger.info("partition %s: %d compounds, %s s, worker peak %s MB", info["partition"],
                            info["households"], info.get("seconds"), info.get("worker_peak_rss_mb"))
                bar.update()
        manifest.sort(key=lambda m: m["partition"])
        for text in sorted({w for m in manifest for w in m.get("warnings", ())}):
            logger.info("a partition noted: %s", text)
        total = sum(m["households"] for m in manifest)
        if total != n_households:
            raise InputDataError(f"partitioned run wrote {total} compounds of {n_households}; "
                                 "a partition lost or duplicated compounds.")
        minutes = sorted({float(m) for m in kwargs.get("walk_minutes", (5, 10, 15))})
        run = {"categories": cats, "speed_kmh": float(speed_kmh), "category_limits_m": limits,
               "walk_minutes": minutes,
               "headline_minutes": float(kwargs.get("headline_minutes") or minutes[-1]),
               "required_categories": list(kwargs.get("required_categories") or cats),
               "profile_id": kwargs.get("profile_id"),
               "search_cap_m": cap, "snap_tolerance_m": tol,
               "households_col": kwargs.get("households_col", "households"),
               "population_col": kwargs.get("population_col"), "layout": layout.kind,
               "tile_m": layout.tile_m or None, "compounds": n_households,
               "household_total": float(sum(m.get("household_total", 0.0) for m in manifest)),
               "inputs": dict(layers)}
        write_manifest(tmp, manifest, run)
    return {"partitions": manifest, "households": total, "seconds": time.perf_counter() - t0,
            "out_dir": str(out_dir)}


def partitioned_reach_cli(
    network: Any,
    households: Layer,
    facilities: Layer,
    *,
    out: str | os.PathLike[str],
    params: Mapping[str, Any],
    gates: Layer | None = None,
    partition_by: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    tile_m: float | None = None,
    scheduler: str | None = None,
    workers: int = 2,
    snap_tolerance_m: float = 250.0,
    overwrite: bool = False,
    by: str | None = None,
    client: Any = None,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """What ``gis-planner reach|communities|report --partition-by/--tile-m/--scheduler`` call.

    Parameters
    ----------
    network, households, facilities, gates
        Loaded layers (``WalkNetwork``, GeoDataFrames) or store paths (GeoParquet …).
    out
        The output folder (``part-*.parquet`` + ``_metadata.json``).
    params
        ``reach`` keyword arguments incl. ``speed_kmh`` (``cli._common.reach_parameters``).
    partition_by
        Polygons: a file (read with ``io.read_subdistricts``: index = ``subdistrict_code``) or a
        GeoDataFrame indexed by id.
    by
        Also summarise per this compound column (e.g. ``subdistrict_code``).
    client
        An existing Dask client (instead of ``scheduler`` / ``workers``).

    Returns
    -------
    (info, summary)
        ``partitioned_reach``'s result and the coverage summary across partitions
        (``partitioned_summary``), ready to print and to write.
    """
    from gis_planner.partition.merge import partitioned_summary

    polys = partition_by
    if isinstance(partition_by, (str, os.PathLike)):
        from gis_planner import io

        crs = network.crs if hasattr(network, "crs") else layer_crs(network)
        polys = io.read_subdistricts(partition_by, metric_crs=crs)
    kwargs = dict(params)
    speed = kwargs.pop("speed_kmh")
    info = partitioned_reach(network, households, facilities, out_dir=out, speed_kmh=speed, gates=gates,
                             partition_by=polys, tile_m=tile_m, scheduler=scheduler, n_workers=workers,
                             overwrite=overwrite, progress=True, snap_tolerance_m=snap_tolerance_m,
                             client=client, **kwargs)
    return info, partitioned_summary(out, by=by)
