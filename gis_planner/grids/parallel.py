"""City scale: the grid partition on Dask, one task per community (embarrassingly parallel).

Every community is partitioned by the same function as in one process
(:func:`gis_planner.grids.partition.partition_community`), with the same inputs: its units,
its buildings and the barrier lines near its units (a crossing is counted on the segment
between two unit points, which lies within the units' bounding box, so the subset changes no
count). The network is scattered once to every worker. Results are gathered in community
order, so the output equals :func:`~gis_planner.grids.partition.partition_grids`'s whenever
every exact solve finishes within its time limit (HiGHS is deterministic; a solve cut by the
wall clock may stop at a different incumbent).
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from gis_planner._errors import InputDataError
from gis_planner.grids.partition import (
    GridResult,
    assemble,
    barrier_lines,
    partition_community,
    prepare_units,
)
from gis_planner.grids.settings import GridSettings, load_grid_defaults

logger = logging.getLogger(__name__)


def _near(lines: np.ndarray, units: gpd.GeoDataFrame) -> np.ndarray:
    if len(lines) == 0 or len(units) == 0:
        return lines
    box = shapely.box(*units.geometry.representative_point().total_bounds).buffer(1.0)
    return lines[shapely.intersects(lines, box)]


def partitioned_grids(
    communities: gpd.GeoDataFrame,
    compounds: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame | None = None,
    *,
    network: Any = None,
    barriers: gpd.GeoDataFrame | None = None,
    settings: GridSettings | None = None,
    micro: bool = True,
    snap_tolerance_m: float = 250.0,
    client: Any = None,
    scheduler: str | None = None,
) -> GridResult:
    """:func:`~gis_planner.grids.partition.partition_grids` with one Dask task per community.

    Parameters
    ----------
    communities, compounds, buildings, network, barriers, settings, micro, snap_tolerance_m
        As for :func:`~gis_planner.grids.partition.partition_grids`.
    client
        A ``dask.distributed.Client`` to run on (``gis_planner.partition.run.connect`` makes
        one for a local cluster or a scheduler address).
    scheduler
        ``"synchronous"`` to run on Dask's single-threaded scheduler instead of a client
        (tests and debugging).

    Returns
    -------
    GridResult
        Equal to the single-process result (see the module docstring).

    Raises
    ------
    ImportError
        Dask is not installed (``pip install "gis_planner[province]"``).
    InputDataError
        Neither a client nor ``scheduler="synchronous"``.
    """
    if client is None and scheduler != "synchronous":
        raise InputDataError("partitioned_grids needs a Dask client (from "
                             "gis_planner.partition.run.connect) or scheduler='synchronous'.")
    settings = settings or load_grid_defaults()
    units, b, groups = prepare_units(communities, compounds, buildings)
    lines = barrier_lines(network, barriers, highways=settings.barrier_highways)
    jobs = []
    for code, poly in zip(communities.index.astype(str), communities.geometry, strict=True):
        mine = units[units["community_code"] == code]
        if len(mine) == 0:
            continue
        mine_b = b[b["community_code"] == code] if b is not None else None
        every = mine if mine_b is None else gpd.GeoDataFrame(
            [*mine.geometry, *mine_b.geometry], columns=["geometry"], crs=mine.crs)
        jobs.append((code, poly, mine, mine_b, _near(lines, every)))
    options = {"settings": settings, "micro": micro, "snap_tolerance_m": snap_tolerance_m,
               "groups": groups}
    if client is None:
        import dask

        tasks = [dask.delayed(partition_community)(code, poly, mine, mine_b, network=network,
                                                   barriers=near, **options)
                 for code, poly, mine, mine_b, near in jobs]
        results = list(dask.compute(*tasks, scheduler="synchronous"))
    else:
        net = client.scatter(network, broadcast=True) if network is not None else None
        futures = [client.submit(partition_community, code, poly, mine, mine_b, network=net,
                                 barriers=near, pure=False, **options)
                   for code, poly, mine, mine_b, near in jobs]
        results = client.gather(futures)
    logger.info("%d communities partitioned on Dask", len(results))
    return assemble(results, crs=communities.crs, settings=settings,
                    distance_kind="network" if network is not None else "straight_line",
                    groups=groups)


__all__ = ["partitioned_grids"]
