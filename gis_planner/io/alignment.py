"""Detect points that sit off the road network the way GCJ-02/BD-09 data read as WGS-84 do.

GCJ-02 (Amap, Tencent) and BD-09 (Baidu) coordinates read as WGS-84 land about 300-700 m
(GCJ-02) or up to about 1 km (BD-09) from where they belong, so a layer of facilities or
compounds that lies a median several hundred metres from its roads, but close to them once
converted, was almost certainly declared with the wrong system. In a dense street grid every
point is near *some* road, so the check measures each point to the road named in its address
or name where it can (皋兰路11号 -> 皋兰路), and to the nearest road otherwise. It warns and says
how to declare the system; it never converts anything.
"""

from __future__ import annotations

import logging
import re
import warnings
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely

from gis_planner._errors import GisPlannerWarning, InputDataError
from gis_planner.io.coords import to_wgs84

if TYPE_CHECKING:
    from gis_planner.network.graph import WalkNetwork

logger = logging.getLogger(__name__)

#: Median distance (m) above which the shift test runs. Real POIs lie a median 30-130 m from
#: the road in their address, GCJ-02 read as WGS-84 350-450 m (central Shanghai, Amap POIs).
SUSPECT_MEDIAN_M = 150.0
#: A system is suggested when reading the points in it shrinks the median by this factor.
IMPROVEMENT_FACTOR = 2.0
#: Points farther than this (m) beyond the network's bounding box are left out of the test
#: (outside it the nearest road of the network is not the nearest real road).
EXTENT_MARGIN_M = 0.0
#: Fewer points than this inside the network's extent: no verdict.
MIN_POINTS = 5


def _median_distance(points: np.ndarray, tree: shapely.STRtree) -> float:
    _, dist = tree.query_nearest(points, return_distance=True, all_matches=False)
    return float(np.median(dist)) if len(dist) else float("nan")


_ROAD = re.compile(r"[\u4e00-\u9fff]{1,12}?(?:大道|公路|路|街|巷|道)")


def _own_road(texts: list[str], road_names: set[str]) -> list[str]:
    """The first road name in each text (address, then name) that is also a network edge name.

    Matches such as 黄浦区皋兰路 are shortened from the left (皋兰路) until they name an edge.
    """
    out = []
    for text in texts:
        found = ""
        for m in _ROAD.findall(text):
            found = next((m[k:] for k in range(len(m) - 1) if m[k:] in road_names), "")
            if found:
                break
        out.append(found)
    return out


def _named_median(points: np.ndarray, roads: np.ndarray, edges: gpd.GeoDataFrame,
                  names: np.ndarray) -> float:
    """Median distance (m) from each point to the nearest edge carrying its own road's name."""
    dist = np.empty(len(points))
    for road in np.unique(roads):
        sel = roads == road
        geom = shapely.union_all(edges.geometry.to_numpy()[names == road])
        dist[sel] = shapely.distance(points[sel], geom)
    return float(np.median(dist))


def check_alignment(points: gpd.GeoDataFrame, network: WalkNetwork, *, what: str,
                    text_cols: tuple[str, ...] = ("address", "name")) -> dict[str, float | int | str]:
    """Warn when ``points`` sit off the roads in a way that GCJ-02/BD-09 explains.

    Only points inside the network's bounding box are tested. Two statistics, the first that
    has at least :data:`MIN_POINTS` points:

    1. ``named_roads``: points whose address or name contains the name of a network road
       (``皋兰路11号``, ``思南路幼儿园``) are measured to that road. Correct coordinates lie a
       median 30-130 m from it; GCJ-02 read as WGS-84 about 350-450 m (central Shanghai, Amap
       POIs). This works in dense street grids, where any point is near *some* road.
    2. ``nearest_road``: the median distance to the nearest edge, vectorised with
       ``STRtree.query_nearest``; useful on sparse networks only.

    The statistic is computed as given and as if the coordinates were really GCJ-02 or BD-09
    (converted to WGS-84). When it exceeds :data:`SUSPECT_MEDIAN_M` and one reading shrinks it
    by :data:`IMPROVEMENT_FACTOR` or more, a :class:`~gis_planner._errors.GisPlannerWarning`
    names the likely system and how to declare it. The points are never changed.

    Parameters
    ----------
    points
        Points (or polygons: their representative points) in any CRS.
    network
        The walk network the points will be snapped to (edges with a ``name`` column).
    what
        Name of the layer in the message (e.g. the file name).
    text_cols
        Columns searched for road names, in order.

    Returns
    -------
    dict
        ``method`` (``named_roads``/``nearest_road``/``""`` when too few points), ``n_points``
        (points tested), ``median_m`` (as given), ``median_if_gcj02_m``, ``median_if_bd09_m``
        (m; NaN when too few points), ``suspected`` (``""``, ``"gcj02"`` or ``"bd09"``).

    Raises
    ------
    InputDataError
        When ``points`` has no CRS.
    """
    if points.crs is None:
        raise InputDataError(f"{what}: the points have no CRS; read them through gis_planner.io.")
    report: dict[str, float | int | str] = {"method": "", "n_points": 0, "median_m": float("nan"),
                                            "median_if_gcj02_m": float("nan"),
                                            "median_if_bd09_m": float("nan"), "suspected": ""}
    frame = points[~(points.geometry.isna() | points.geometry.is_empty).to_numpy()]
    geoms = frame.geometry
    if (geoms.geom_type != "Point").any():
        geoms = geoms.representative_point()
    given = geoms.to_crs(network.crs).to_numpy()
    ll = shapely.get_coordinates(geoms.to_crs(4326).to_numpy())
    readings = {"given": given}
    for system in ("gcj02", "bd09"):
        wlon, wlat = to_wgs84(ll[:, 0], ll[:, 1], system)
        readings[system] = gpd.GeoSeries(shapely.points(wlon, wlat), crs=4326).to_crs(network.crs).to_numpy()
    edges = network.edges
    x0, y0, x1, y1 = edges.total_bounds
    margin = EXTENT_MARGIN_M

    def in_box(arr: np.ndarray) -> np.ndarray:
        xy = shapely.get_coordinates(arr)
        return ((xy[:, 0] >= x0 - margin) & (xy[:, 0] <= x1 + margin)
                & (xy[:, 1] >= y0 - margin) & (xy[:, 1] <= y1 + margin))

    inside = in_box(given)
    edge_names = (edges["name"].fillna("").astype(str).to_numpy() if "name" in edges.columns
                  else np.full(len(edges), "", dtype=object))
    roads = np.full(len(frame), "", dtype=object)
    texts = [c for c in text_cols if c in frame.columns]
    if texts and (edge_names != "").any() and inside.any():
        joined = frame.loc[inside, texts].fillna("").astype(str).agg(" ".join, axis=1).tolist()
        roads[inside] = _own_road(joined, set(edge_names) - {""})
    named = inside & (roads != "")
    if named.sum() >= MIN_POINTS:
        report["method"], base_mask = "named_roads", named

        def stat(arr: np.ndarray, mask: np.ndarray) -> float:
            return _named_median(arr[mask], roads[mask], edges, edge_names)
    elif inside.sum() >= MIN_POINTS:
        report["method"], base_mask = "nearest_road", inside
        tree = shapely.STRtree(edges.geometry.to_numpy())

        def stat(arr: np.ndarray, mask: np.ndarray) -> float:
            return _median_distance(arr[mask], tree)
    else:
        logger.info("%s: %d points within the network's extent; alignment not checked",
                    what, int(inside.sum()))
        report["n_points"] = int(inside.sum())
        return report
    report["n_points"] = int(base_mask.sum())
    report["median_m"] = stat(given, base_mask)
    # each reading is compared with the given positions on the points that stay inside the
    # network's extent under both, so points entering or leaving the extent do not bias it
    verdicts: dict[str, tuple[float, float]] = {}
    for system in ("gcj02", "bd09"):
        mask = base_mask & in_box(readings[system])
        if mask.sum() >= MIN_POINTS:
            before, after = stat(given, mask), stat(readings[system], mask)
            report[f"median_if_{system}_m"] = after
            verdicts[system] = (before, after)
    logger.info("%s: median distance to the %s %.0f m (as GCJ-02 %.0f m, as BD-09 %.0f m)", what,
                "named road" if report["method"] == "named_roads" else "nearest road",
                report["median_m"], report["median_if_gcj02_m"], report["median_if_bd09_m"])
    fits = {s: a / b for s, (b, a) in verdicts.items()
            if b > SUSPECT_MEDIAN_M and a * IMPROVEMENT_FACTOR <= b}
    if fits:
        best = min(fits, key=fits.__getitem__)
        before, after = verdicts[best]
        report["suspected"] = best
        name = {"gcj02": "GCJ-02 (Amap/Tencent)", "bd09": "BD-09 (Baidu)"}[best]
        road = ("the road named in their address or name" if report["method"] == "named_roads"
                else "the nearest road")
        warnings.warn(
            f"{what}: points lie a median {before:.0f} m from {road}; read as {name} they would "
            f"lie {after:.0f} m away. They look like {name} coordinates: declare "
            f"source_coords='{best}' (CLI: --coords {best}).",
            GisPlannerWarning, stacklevel=2,
        )
    return report
