"""Walk networks: the graph model, snapping of points to edges, and shortest-path travel costs."""

from __future__ import annotations

from gis_planner.network.graph import WalkNetwork
from gis_planner.network.snap import snap_points
from gis_planner.network.travel import node_distances, od_costs, point_distances

__all__ = ["WalkNetwork", "node_distances", "od_costs", "point_distances", "snap_points"]
