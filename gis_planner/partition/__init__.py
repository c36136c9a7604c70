"""Province-scale runs: partitions with an exact halo, executed on Dask, merged.

``dask.distributed`` and ``pyarrow`` are the optional extra ``province``:
``pip install "gis_planner[province]"``. Planning, the store and the merge work without Dask;
:func:`partitioned_reach` and :func:`partitioned_check_communities` raise ImportError with that
command when Dask is missing.
"""

from __future__ import annotations

from gis_planner.partition.communities import partitioned_check_communities
from gis_planner.partition.merge import (
    household_total,
    partitioned_completeness,
    partitioned_summary,
    reach_result,
)
from gis_planner.partition.plan import Layout, Partition, halo_m, plan_partitions
from gis_planner.partition.run import connect, partitioned_reach, partitioned_reach_cli
from gis_planner.partition.store import (
    convert_to_geoparquet,
    prepare_store,
    read_bbox,
    read_layer,
    read_results,
    write_parquet,
)

__all__ = [
    "Layout",
    "Partition",
    "connect",
    "convert_to_geoparquet",
    "halo_m",
    "household_total",
    "partitioned_check_communities",
    "partitioned_completeness",
    "partitioned_reach",
    "partitioned_reach_cli",
    "partitioned_summary",
    "plan_partitions",
    "prepare_store",
    "reach_result",
    "read_bbox",
    "read_layer",
    "read_results",
    "write_parquet",
]
