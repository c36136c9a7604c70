"""Small hand-checkable street networks shared by the tests."""

from __future__ import annotations

import geopandas as gpd
import shapely

from gis_planner.network import WalkNetwork


def grid_network(n: int = 5, spacing_m: float = 100.0, *, crs: int = 32651, source: str = "grid") -> WalkNetwork:
    """An ``n`` x ``n`` street grid of square blocks ``spacing_m`` metres wide.

    Nodes stand at ``(j * spacing_m, i * spacing_m)`` for ``i, j`` in ``0 .. n-1``; every block
    side is one edge, so a 5 x 5 grid of 100 m blocks spans 0..400 m each way with 40 edges.
    """
    lines = []
    for i in range(n):
        for j in range(n - 1):
            lines.append(shapely.LineString([(j * spacing_m, i * spacing_m), ((j + 1) * spacing_m, i * spacing_m)]))
            lines.append(shapely.LineString([(i * spacing_m, j * spacing_m), (i * spacing_m, (j + 1) * spacing_m)]))
    return WalkNetwork.from_lines(gpd.GeoDataFrame(geometry=lines, crs=crs), source=source)
