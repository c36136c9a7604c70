"""Detect points that look shifted from the road network the way GCJ-02/BD-09 data are."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely

from gis_planner._errors import GisPlannerWarning
from gis_planner.io.coords import to_wgs84

if TYPE_CHECKING:
    from gis_planner.network.graph import WalkNetwork

#: Median distance to the nearest road (m) above which the shift test runs.
SUSPECT_MEDIAN_M = 80.0
#: A system is suggested when converting from it shrinks the median distance by this factor.
IMPROVEMENT_FACTOR = 1.5


def _median_distance(points: gpd.GeoSeries, tree: shapely.STRtree) -> float:
    _, dist = tree.query_nearest(points.to_numpy(), return_distance=True, all_matches=False)
    return float(np.median(dist)) if len(dist) else float("nan")


def check_alignment(points: gpd.GeoDataFrame, network: WalkNetwork, *, what: str) -> dict[str, float | str]:
    """Warn when ``points`` sit ~300-700 m off the roads in a way that GCJ-02/BD-09 explains.

    Computes the median distance from the points to the nearest edge as given, and as if the
    points' WGS-84 coordinates were really GCJ-02 or BD-09. Emits :class:`GisPlannerWarning`
    naming the likely system and how to declare it. Never changes the points.

    Returns
    -------
    dict
        ``median_m`` as given, ``median_if_gcj02_m``, ``median_if_bd09_m``, ``suspected``.
    """
    tree = shapely.STRtree(network.edges.geometry.to_numpy())
    pts = points.geometry
    if (pts.geom_type != "Point").any():
        pts = pts.representative_point()
    base = _median_distance(pts, tree)
    report: dict[str, float | str] = {"median_m": base, "suspected": ""}
    ll = pts.to_crs(4326)
    lon, lat = ll.x.to_numpy(), ll.y.to_numpy()
    for system in ("gcj02", "bd09"):
        wlon, wlat = to_wgs84(lon, lat, system)
        moved = gpd.GeoSeries(shapely.points(wlon, wlat), crs=4326).to_crs(network.crs)
        report[f"median_if_{system}_m"] = _median_distance(moved, tree)
    if base > SUSPECT_MEDIAN_M:
        best = min(("gcj02", "bd09"), key=lambda s: report[f"median_if_{s}_m"])
        if report[f"median_if_{best}_m"] * IMPROVEMENT_FACTOR < base:
            report["suspected"] = best
            warnings.warn(
                f"{what}: points lie a median {base:.0f} m from the nearest road; read as "
                f"{best.upper()} they would lie {report[f'median_if_{best}_m']:.0f} m away. "
                f"They look like {best.upper()} coordinates: declare source_coords='{best}' "
                f"(CLI: --coords {best}).",
                GisPlannerWarning, stacklevel=2,
            )
    return report


