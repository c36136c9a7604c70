"""Walk networks: the graph model, snapping of points to edges, and shortest-path travel costs."""

from __future__ import annotations

from gis_planner.network.graph import WalkNetwork
from gis_planner.network.snap import snap_points
from gis_planner.network.travel import (
    SnappedPoints,
    distances_from_nodes,
    edge_arrays,
    graph_with_sources,
    node_distances,
    od_costs,
    point_distances,
    snapped_arrays,
)

__all__ = [
    "SnappedPoints",
    "WalkNetwork",
    "distances_from_nodes",
    "edge_arrays",
    "graph_with_sources",
    "node_distances",
    "od_costs",
    "point_distances",
    "snap_points",
    "snapped_arrays",
]
