"""Partitioned reachability on Dask: each worker reads only its partition (by bounding box),
computes, writes its result as GeoParquet, and returns a few numbers; the lead merges.

``dask.distributed`` is an optional extra: ``pip install "gis_planner[province]"``.
"""

from __future__ import annotations

import logging
import os
import resource
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gis_planner._errors import GisPlannerError, InputDataError
from gis_planner._fs import atomic_dir, atomic_path
from gis_planner.partition.plan import Partition, plan_partitions
from gis_planner.partition.store import (
    EDGES_FILE,
    FACILITIES_FILE,
    GATES_FILE,
    HOUSEHOLDS_FILE,
    prepare_store,
    read_bbox,
    read_results,
    write_manifest,
)

logger = logging.getLogger(__name__)

INSTALL_HINT = 'partitioned runs need Dask: pip install "gis_planner[province]"'


def _require_dask() -> Any:
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


def run_partition(store: str, part: Partition, reach_kwargs: dict[str, Any], out_dir: str) -> dict[str, Any]:
    """Compute one partition from the store and write ``part-<id>.parquet`` into ``out_dir``."""
    from gis_planner.coverage import reach
    from gis_planner.network import WalkNetwork

    t0 = time.perf_counter()
    folder = Path(store)
    edges = read_bbox(folder / EDGES_FILE, part.edge_bbox)
    edges = edges[edges.intersects(part.edge_region)].sort_values("edge_order", kind="mergesort")
    hh = read_bbox(folder / HOUSEHOLDS_FILE, tuple(part.core.bounds))
    hh = hh[hh["partition"] == part.partition_id].set_index("compound_id").drop(columns="partition")
    fac = read_bbox(folder / FACILITIES_FILE, part.facility_bbox)
    fac = fac[fac.within(part.facility_region)].set_index("facility_id")
    gates = None
    if (folder / GATES_FILE).exists():
        g = read_bbox(folder / GATES_FILE, tuple(part.core.bounds))
        gates = g[g["partition"] == part.partition_id].set_index("gate_id").drop(columns="partition")
    name = f"part-{part.partition_id}.parquet"
    if len(hh) == 0:
        return {"partition": part.partition_id, "file": name, "households": 0}
    net = WalkNetwork.from_lines(edges.drop(columns="edge_order").reset_index(drop=True),
                                 source=f"partition {part.partition_id}", keep_largest_component=False)
    with_cats = dict(reach_kwargs)
    result = reach(net, hh, fac, gates=gates, **with_cats)
    out = result.households.sort_index()
    with atomic_path(Path(out_dir) / name) as tmp:
        out.to_parquet(tmp)
    return {"partition": part.partition_id, "file": name, "households": int(len(out)),
            "household_total": int(pd.to_numeric(out[result.households_col]).sum()),
            "edges": int(net.n_edges), "facilities": int(len(fac)),
            "seconds": round(time.perf_counter() - t0, 3),
            "worker_peak_rss_mb": round(peak_rss_mb(), 1),
            "worker_pid": os.getpid()}


def partitioned_reach(
    network: Any,
    households: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    out_dir: str | os.PathLike[str],
    speed_kmh: float,
    categories: list[str],
    partition_by: gpd.GeoDataFrame | None = None,
    tile_m: float | None = None,
    gates: gpd.GeoDataFrame | None = None,
    scheduler: str | None = None,
    n_workers: int = 2,
    store_dir: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    progress: bool = False,
    **reach_kwargs: Any,
) -> dict[str, Any]:
    """Reachability partition by partition on Dask; results equal the single-process ``reach``.

    Parameters
    ----------
    network, households, facilities, gates
        As for :func:`gis_planner.coverage.reach` (one metric CRS).
    out_dir
        Folder of the results: one GeoParquet per partition and ``_metadata.json``; written
        atomically (nothing appears until every partition succeeded).
    categories
        Categories to assess (fixed up front: a partition may lack some).
    partition_by, tile_m
        Partition by polygons (districts, sub-districts; index = id) or square tiles (metres).
    scheduler
        Address of a running Dask scheduler (``tcp://host:8786``); None starts a LocalCluster
        with ``n_workers`` single-threaded worker processes. Every worker must see ``store_dir``
        and ``out_dir`` (a shared filesystem on a real cluster).
    store_dir
        Where the GeoParquet inputs are written for the workers (default ``out_dir`` + ``.store``).
    **reach_kwargs
        Passed to ``reach`` (``walk_minutes``, ``category_minutes``, ``snap_tolerance_m``,
        ``search_cap_m`` …).

    Returns
    -------
    dict
        ``partitions`` (the manifest entries), ``seconds``, ``households``.
    """
    from gis_planner import _units

    dd = _require_dask()
    tol = float(reach_kwargs.get("snap_tolerance_m", 250.0))
    minutes = list(reach_kwargs.get("walk_minutes", (5, 10, 15)))
    limits = [*(reach_kwargs.get("category_minutes") or {}).values(), *minutes,
              reach_kwargs.get("headline_minutes") or max(minutes)]
    cap = reach_kwargs.get("search_cap_m") or 1.5 * _units.walk_distance_m(max(limits), speed_kmh)
    kwargs = {**reach_kwargs, "speed_kmh": speed_kmh, "categories": list(categories),
              "search_cap_m": cap, "snap_tolerance_m": tol}
    parts, assign = plan_partitions(households, search_cap_m=cap, snap_tolerance_m=tol,
                                    by=partition_by, tile_m=tile_m, gates=gates)
    store = Path(store_dir) if store_dir else Path(str(out_dir) + ".store")
    prepare_store(store, edges=network.edges, households=households.assign(partition=assign),
                  facilities=facilities, gates=gates)
    t0 = time.perf_counter()
    if scheduler:
        try:
            client = dd.Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise GisPlannerError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); "
                                  "start it with `dask scheduler` or leave --scheduler out.") from exc
        cluster = None
    else:
        cluster = dd.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None, memory_limit=0)
        client = dd.Client(cluster)
    manifest = []
    try:
        with atomic_dir(out_dir, overwrite=overwrite) as tmp:
            futures = [client.submit(run_partition, str(store), p, kwargs, str(tmp), pure=False)
                       for p in parts]
            from tqdm.auto import tqdm

            bar = tqdm(total=len(futures), desc="partitions", disable=not progress)
            for fut in dd.as_completed(futures):
                info = fut.result()
                manifest.append(info)
                logger.info("partition %s done: %s households in %s s", info["partition"],
                            info["households"], info.get("seconds"))
                bar.update()
            bar.close()
            manifest.sort(key=lambda m: m["partition"])
            write_manifest(tmp, manifest)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    total = sum(m["households"] for m in manifest)
    if total != len(households):
        raise InputDataError(f"partitioned run returned {total} households of {len(households)}.")
    return {"partitions": manifest, "seconds": time.perf_counter() - t0, "households": total}


def partitioned_summary(out_dir: str | os.PathLike[str], *, categories: list[str],
                        households_col: str = "households") -> pd.DataFrame:
    """Coverage per category aggregated across every partition of a run: households,
    covered households and share (totals equal the input total)."""
    res = read_results(out_dir)
    w = pd.to_numeric(res[households_col]).astype(float)
    rows = []
    for c in categories:
        cov = res[f"{c}_covered"].astype(bool).to_numpy()
        rows.append({"category": c, "households": w.sum(), "covered_households": w[cov].sum(),
                     "covered_share": w[cov].sum() / w.sum() if w.sum() else np.nan})
    return pd.DataFrame(rows)
