"""The demo town's existing governance grids and a department's work grids, with planted faults.

``existing_grids``: what a 街道 office might have digitised for its urban communities: four
400 m x 300 m strips per community, numbered south to north, each with a grid worker
(``网格员``). Planted faults for the audit: a grid of the first community drawn
``OVERREACH_M`` into its eastern neighbour (crosses a community boundary and overlaps the
neighbour's grid), the top grid of the same community drawn ``SHORT_M`` short (a gap), and one
grid of the second community without a worker.

``police_grids`` (警格): in 示范街道 one per column of two communities (each a union of whole
community grids: 1:n), in 凤凰街道 a lattice of ``POLICE_CELL_M`` squares that ignores the
communities (broken), and one per village.
"""

from __future__ import annotations

import geopandas as gpd
import shapely

from gis_planner.demo._frame import LOCAL_CRS, URBAN_H_M, URBAN_W_M
from gis_planner.demo._people import ADMIN_VERTEX_SPACING_M

#: How far the planted crossing grid reaches into the neighbour (m).
OVERREACH_M = 40.0
#: How far short of its community's edge the planted gap grid stops (m).
SHORT_M = 50.0
#: Side of the 凤凰街道 police lattice cells (m).
POLICE_CELL_M = 800.0
#: Strips per urban community in the existing grid layer.
STRIPS = 4


def build_existing_grids(communities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Existing 网格 of the urban communities (local metres): ``grid_code``, ``community_code``,
    ``网格员`` (empty where the planted grid has no worker)."""
    urban = communities[communities["name"].str.endswith("社区")]
    rows = []
    worker = 0
    for k, (_, c) in enumerate(urban.iterrows()):
        x0, y0, x1, y1 = c.geometry.bounds
        step = (y1 - y0) / STRIPS
        for s in range(STRIPS):
            bx0, by0, bx1, by1 = x0, y0 + s * step, x1, y0 + (s + 1) * step
            if k == 0 and s == 1:
                bx1 += OVERREACH_M
            if k == 0 and s == STRIPS - 1:
                by1 -= SHORT_M
            worker += 1
            name = "" if (k == 1 and s == 2) else f"网格员{worker:03d}"
            rows.append({"grid_code": f"{c['community_code']}{s + 1:02d}",
                         "community_code": c["community_code"], "网格员": name,
                         "geometry": shapely.segmentize(shapely.box(bx0, by0, bx1, by1),
                                                        ADMIN_VERTEX_SPACING_M)})
    return gpd.GeoDataFrame(rows, crs=LOCAL_CRS)


def build_police_grids(communities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Police 警格 (local metres): ``police_grid``, ``name``."""
    rows = []
    half = URBAN_W_M / 2
    for col in range(4):  # 示范街道: two communities per column, whole
        rows.append({"police_grid": f"JG-A{col + 1}", "name": f"示范警格{col + 1}",
                     "geometry": shapely.segmentize(
                         shapely.box(col * 400.0, 0.0, (col + 1) * 400.0, URBAN_H_M),
                         ADMIN_VERTEX_SPACING_M)})
    n = 0
    y = 0.0
    while y < URBAN_H_M:  # 凤凰街道: a lattice blind to the communities
        x = half
        while x < URBAN_W_M:
            n += 1
            rows.append({"police_grid": f"JG-B{n}", "name": f"凤凰警格{n}",
                         "geometry": shapely.segmentize(
                             shapely.box(x, y, min(x + POLICE_CELL_M, URBAN_W_M),
                                         min(y + POLICE_CELL_M, URBAN_H_M)),
                             ADMIN_VERTEX_SPACING_M)})
            x += POLICE_CELL_M
        y += POLICE_CELL_M
    villages = communities[communities["name"].str.endswith("村")]
    for v, (_, c) in enumerate(villages.iterrows()):
        rows.append({"police_grid": f"JG-C{v + 1}", "name": f"{c['name']}警格",
                     "geometry": c.geometry})
    return gpd.GeoDataFrame(rows, crs=LOCAL_CRS)


__all__ = ["build_existing_grids", "build_police_grids"]
