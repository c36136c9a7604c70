"""Province-scale runs: partitions with an exact halo, executed on Dask, merged."""

from __future__ import annotations

from gis_planner.partition.plan import Partition, halo_m, plan_partitions
from gis_planner.partition.run import partitioned_reach, partitioned_summary
from gis_planner.partition.store import prepare_store, read_bbox, read_results

__all__ = [
    "Partition",
    "halo_m",
    "partitioned_reach",
    "partitioned_summary",
    "plan_partitions",
    "prepare_store",
    "read_bbox",
    "read_results",
]
