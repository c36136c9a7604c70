"""Snap points to the nearest road *edge* (the projected point on it), not the nearest node.

Vectorised: one STRtree nearest query over all edges and one ``line_locate_point`` call; no
Python loop per point.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis_planner._validate import require_metric_crs, require_same_crs

if TYPE_CHECKING:
    from gis_planner.network.graph import WalkNetwork

logger = logging.getLogger(__name__)

SNAP_COLUMNS = ("edge", "offset_m", "snap_dist_m", "snapped", "x", "y")


def snap_points(
    network: WalkNetwork, points: gpd.GeoDataFrame | gpd.GeoSeries, *, tolerance_m: float = 250.0
) -> pd.DataFrame:
    """Snap every point to the nearest edge of ``network``.

    Parameters
    ----------
    network
        The walk network (projected metric CRS).
    points
        Points in the network's CRS. Polygons are represented by their representative point
        (a point guaranteed inside the polygon).
    tolerance_m
        Largest snap distance in metres (inclusive). A point farther than this from every edge
        gets ``edge = -1`` and ``snapped = False``: it is reported and excluded, never used.

    Returns
    -------
    DataFrame
        Indexed like ``points``: ``edge`` (edge position, -1 when not snapped), ``offset_m``
        (metres along the edge from its ``u`` end), ``snap_dist_m`` (metres from the point to
        the edge), ``snapped`` (bool), ``x``, ``y`` (the projected point on the edge).
    """
    frame = points if isinstance(points, gpd.GeoDataFrame) else gpd.GeoDataFrame(geometry=points)
    require_metric_crs(frame, what="points to snap")
    require_same_crs(frame, network.edges, what_a="points to snap", what_b="the network")
    geoms = frame.geometry.to_numpy()
    n = len(geoms)
    out = pd.DataFrame(
        {
            "edge": np.full(n, -1, dtype=np.int64),
            "offset_m": np.full(n, np.nan),
            "snap_dist_m": np.full(n, np.nan),
            "snapped": np.zeros(n, dtype=bool),
            "x": np.full(n, np.nan),
            "y": np.full(n, np.nan),
        },
        index=frame.index,
    )
    if n == 0:
        return out
    valid = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    pts = geoms.copy()
    poly = valid & (shapely.get_type_id(geoms) != 0)
    pts[poly] = shapely.point_on_surface(geoms[poly])
    edge_geoms = network.edges.geometry.to_numpy()
    tree = _tree(network)
    idx = np.flatnonzero(valid)
    # max_distance lets the tree skip points with no edge within the tolerance
    kw = {"max_distance": float(tolerance_m)} if tolerance_m > 0 else {}
    pairs, dist = tree.query_nearest(pts[idx], return_distance=True, all_matches=False, **kw)
    # pairs[0] indexes into pts[idx]; keep the first match per point (ties: lowest edge id)
    first = np.unique(pairs[0], return_index=True)[1]
    p_i = idx[pairs[0][first]]
    e_i = pairs[1][first]
    d = dist[first]
    ok = d <= tolerance_m
    p_i, e_i, d = p_i[ok], e_i[ok], d[ok]
    offset = shapely.line_locate_point(edge_geoms[e_i], pts[p_i])
    proj = shapely.line_interpolate_point(edge_geoms[e_i], offset)
    xy = shapely.get_coordinates(proj)
    out.iloc[p_i, 0] = e_i
    out.iloc[p_i, 1] = offset
    out.iloc[p_i, 2] = d
    out.iloc[p_i, 3] = True
    out.iloc[p_i, 4] = xy[:, 0]
    out.iloc[p_i, 5] = xy[:, 1]
    n_far = int(valid.sum() - ok.sum())
    if n_far:
        logger.info("%d of %d points lie farther than %.0f m from any road and are excluded",
                    n_far, n, tolerance_m)
    return out


def _tree(network: WalkNetwork) -> shapely.STRtree:
    """STRtree of the network's edge geometries, built once per network."""
    if "strtree" not in network._cache:
        network._cache["strtree"] = shapely.STRtree(network.edges.geometry.to_numpy())
    return network._cache["strtree"]
