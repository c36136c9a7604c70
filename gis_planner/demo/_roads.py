"""The demo town's streets: a noded lattice with a river, bridges, an expressway and an island."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import shapely

from gis_planner.demo._frame import (
    BLOCK_M,
    BRIDGES_X_M,
    COUNTRY_ROAD_Y_M,
    LOCAL_CRS,
    RIVER_Y_M,
    RURAL_W_M,
    URBAN_H_M,
    URBAN_W_M,
)

#: Made-up street names (north-south streets, then east-west streets), reused cyclically.
STREET_NAMES_X = ["西环路", "文昌路", "海陵路", "凤凰路", "人民路", "青年路", "鼓楼路", "东进路",
                  "迎春路", "春晖路", "府前路", "学院路", "济川路", "东环路", "永安路", "朝阳路", "新华路"]
STREET_NAMES_Y = ["南环路", "泰和路", "梅兰路", "稻河路", "百花路", "樱花路", "滨河路", "北滨河路",
                  "柳园路", "税东路", "光孝路", "北环路", "坡子街"]
#: Highway classes excluded for walking (the expressway uses the first).
NOT_WALKABLE = ("motorway", "trunk")


def _street_class(v_m: float) -> str:
    return "primary" if v_m % 800 == 0 else ("secondary" if v_m % 400 == 0 else "residential")


def build_roads() -> gpd.GeoDataFrame:
    """The street segments in local metres (before the shift onto UTM).

    Returns
    -------
    GeoDataFrame
        ``road_id`` (``R0001`` ...), ``highway``, ``name``; two-point LineStrings that meet only
        at their end points. Primary streets every 800 m, secondary every 400 m, residential
        streets every 200 m; north-south streets stop at the river except on the two bridges;
        park footways and a living street; the township's country road (tertiary), village lanes
        (residential) and tracks; an expressway (motorway, touching no other road) and a
        two-segment footway island touching nothing.
    """
    rows: list[dict[str, object]] = []

    def add(a: tuple[float, float], b: tuple[float, float], highway: str, name: str) -> None:
        rows.append({"highway": highway, "name": name, "geometry": shapely.LineString([a, b])})

    xs = np.arange(0, URBAN_W_M + 1, BLOCK_M)
    ys = np.arange(0, URBAN_H_M + 1, BLOCK_M)
    for i, x in enumerate(xs):  # north-south streets, cut at the river except on bridges
        for y0, y1 in itertools.pairwise(ys):
            if y0 < RIVER_Y_M < y1 and x not in BRIDGES_X_M:
                continue
            add((x, y0), (x, y1), _street_class(x), STREET_NAMES_X[i % len(STREET_NAMES_X)])
    for j, y in enumerate(ys):  # east-west streets
        for x0, x1 in itertools.pairwise(xs):
            add((x0, y), (x1, y), _street_class(y), STREET_NAMES_Y[j % len(STREET_NAMES_Y)])
    # park footways (diagonals through two blocks) and a living street
    add((400, 1600), (600, 1800), "footway", "公园步道")
    add((600, 1800), (800, 2000), "footway", "公园步道")
    add((2400, 400), (2600, 600), "living_street", "幸福里")
    # rural township: a country road east, village lanes, tracks
    w, cy = URBAN_W_M, COUNTRY_ROAD_Y_M
    add((w, cy), (w + 600, cy), "tertiary", "泰东公路")
    add((w + 600, cy), (w + 1300, cy), "tertiary", "泰东公路")
    add((w + 1300, cy), (w + RURAL_W_M, cy), "tertiary", "泰东公路")
    for vx in (w + 600, w + 1300):
        add((vx, cy), (vx, 1600), "residential", "村道")
        add((vx, 1600), (vx, 2000), "track", "机耕路")
        add((vx, cy), (vx, 800), "residential", "村道")
        add((vx, 800), (vx, 400), "track", "机耕路")
    add((w + RURAL_W_M, cy), (w + RURAL_W_M, 1700), "residential", "村道")
    # an expressway east of the core (no pedestrians; it passes over the country road without
    # a junction) and a footway loop cut off from everything
    add((w + 150, -300), (w + 150, 1100), NOT_WALKABLE[0], "泰州绕城高速（示范）")
    add((w + 150, 1300), (w + 150, 2700), NOT_WALKABLE[0], "泰州绕城高速（示范）")
    add((w + 1700, 2300), (w + 1780, 2300), "footway", "孤立步道")
    add((w + 1780, 2300), (w + 1780, 2380), "footway", "孤立步道")
    gdf = gpd.GeoDataFrame(rows, crs=LOCAL_CRS)
    gdf.insert(0, "road_id", [f"R{i + 1:04d}" for i in range(len(gdf))])
    return gdf
