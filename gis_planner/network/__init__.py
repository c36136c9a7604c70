"""Walk networks: the graph model, snapping of points to edges, and shortest-path travel costs."""

from __future__ import annotations

from gis_planner.network.graph import WalkNetwork

__all__ = ["WalkNetwork"]
