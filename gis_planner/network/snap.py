"""Snap points to the nearest road *edge* (the projected point on it), not the nearest node.

Vectorised, with no Python loop per point: the edges within a search radius of every point come
from one STRtree ``dwithin`` query, their distances from one ``shapely.distance`` call, and the
nearest per point from one sort. The radius grows in rounds (:data:`SNAP_RADII_M`, then the
tolerance) for the points that found no edge yet, so dense streets are searched with a small
radius. A point whose smallest distance is shared by several edges (a point on a junction, or
equidistant from parallel streets) takes the edge of the STRtree nearest-neighbour query, as
before, so the snaps do not depend on the radii.

Snaps are cached per network (:data:`SNAP_CACHE_SIZE` entries, least recently used dropped),
keyed on the points' coordinates (a hash of the exact bytes) and the tolerance: a second
``reach`` on the same network and households reuses the household snap. The cache lives on the
``WalkNetwork`` object and goes away with it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis_planner._validate import require_metric_crs, require_same_crs

if TYPE_CHECKING:
    from gis_planner.network.graph import WalkNetwork

logger = logging.getLogger(__name__)
#: Guards the snap caches of all networks (an ``OrderedDict`` is not safe to reorder from two
#: threads at once); the snapping itself runs outside it.
_CACHE_LOCK = threading.Lock()

SNAP_COLUMNS = ("edge", "offset_m", "snap_dist_m", "snapped", "x", "y")
#: Search radii in metres tried before the full tolerance (our choice: most points in a city lie
#: within 30 m of a street; the rounds only change the speed, never the snap).
SNAP_RADII_M = (30.0, 120.0)
#: Snaps kept per network (least recently used dropped).
SNAP_CACHE_SIZE = 4


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
    if n == 0:
        return _frame(_empty_arrays(0), frame.index)
    valid = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    pts = geoms.copy()
    poly = valid & (shapely.get_type_id(geoms) != 0)
    pts[poly] = shapely.point_on_surface(geoms[poly])
    key = _cache_key(pts, valid, tolerance_m)
    with _CACHE_LOCK:  # threads may snap on one network at once (e.g. grids per community)
        cache: OrderedDict[bytes, dict[str, np.ndarray]] = network._cache.setdefault(
            "snaps", OrderedDict())
        hit = cache.get(key)
        if hit is not None:
            cache.move_to_end(key)
    if hit is not None:
        return _frame(hit, frame.index)
    arrays = _snap_arrays(network, pts, valid, float(tolerance_m))
    with _CACHE_LOCK:
        cache[key] = arrays
        while len(cache) > SNAP_CACHE_SIZE:
            cache.popitem(last=False)
    n_far = int(valid.sum() - arrays["snapped"].sum())
    if n_far:
        logger.info("%d of %d points lie farther than %.0f m from any road and are excluded",
                    n_far, n, tolerance_m)
    return _frame(arrays, frame.index)


def _empty_arrays(n: int) -> dict[str, np.ndarray]:
    return {"edge": np.full(n, -1, dtype=np.int64), "offset_m": np.full(n, np.nan),
            "snap_dist_m": np.full(n, np.nan), "snapped": np.zeros(n, dtype=bool),
            "x": np.full(n, np.nan), "y": np.full(n, np.nan)}


def _frame(arrays: dict[str, np.ndarray], index: pd.Index) -> pd.DataFrame:
    """The snap frame (copies of the cached arrays, so callers may modify it)."""
    return pd.DataFrame({c: arrays[c].copy() for c in SNAP_COLUMNS}, index=index)


def _cache_key(pts: np.ndarray, valid: np.ndarray, tolerance_m: float) -> bytes:
    """Hash of the exact point coordinates (NaN for missing ones) and the tolerance."""
    xy = np.full((len(pts), 2), np.nan)
    xy[valid] = shapely.get_coordinates(pts[valid])[:, :2]
    h = hashlib.blake2b(digest_size=20)
    h.update(np.float64(tolerance_m).tobytes())
    h.update(np.ascontiguousarray(xy).tobytes())
    return h.digest()


def _snap_arrays(network: WalkNetwork, pts: np.ndarray, valid: np.ndarray,
                 tolerance_m: float) -> dict[str, np.ndarray]:
    """Edge, offset, distance and projected point of every valid point within the tolerance."""
    out = _empty_arrays(len(pts))
    edge_geoms = network.edges.geometry.to_numpy()
    p_i, e_i, d = _nearest_edges(network, pts, np.flatnonzero(valid), tolerance_m)
    offset = shapely.line_locate_point(edge_geoms[e_i], pts[p_i])
    xy = shapely.get_coordinates(shapely.line_interpolate_point(edge_geoms[e_i], offset))
    out["edge"][p_i] = e_i
    out["offset_m"][p_i] = offset
    out["snap_dist_m"][p_i] = d
    out["snapped"][p_i] = True
    out["x"][p_i] = xy[:, 0]
    out["y"][p_i] = xy[:, 1]
    return out


def _nearest_edges(network: WalkNetwork, pts: np.ndarray, todo: np.ndarray,
                   tolerance_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(point, edge, distance) of the nearest edge of every point in ``todo`` within the
    tolerance (inclusive), searched in rounds of growing radius."""
    tree = _tree(network)
    edge_geoms = network.edges.geometry.to_numpy()
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    radii = [r for r in SNAP_RADII_M if r < tolerance_m] + [tolerance_m]
    for radius in radii:
        if len(todo) == 0:
            break
        # every edge within the radius (inclusive) is a candidate; if any is, the nearest is
        p_loc, e_i = tree.query(pts[todo], predicate="dwithin", distance=radius)
        p_i = todo[p_loc]
        d = shapely.distance(pts[p_i], edge_geoms[e_i])
        order = np.lexsort((e_i, d, p_i))
        p_i, e_i, d = p_i[order], e_i[order], d[order]
        first = np.ones(len(p_i), dtype=bool)
        first[1:] = p_i[1:] != p_i[:-1]
        # points where another edge is exactly as near: the nearest-neighbour query decides
        tie = np.zeros(len(p_i), dtype=bool)
        tie[:-1] = ~first[1:] & (d[1:] == d[:-1])
        tie &= first
        p_i, e_i, d, tie = p_i[first], e_i[first], d[first], tie[first]
        if tie.any():
            kw = {"max_distance": tolerance_m} if tolerance_m > 0 else {}
            (_, e_nn), d_nn = tree.query_nearest(pts[p_i[tie]], return_distance=True,
                                                 all_matches=False, **kw)
            e_i, d = e_i.copy(), d.copy()
            e_i[tie], d[tie] = e_nn, d_nn
        found.append((p_i, e_i, d))
        todo = np.setdiff1d(todo, p_i, assume_unique=True)
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    p_i, e_i, d = (np.concatenate(x) for x in zip(*found, strict=True))
    return p_i, e_i.astype(np.int64), d


def _tree(network: WalkNetwork) -> shapely.STRtree:
    """STRtree of the network's edge geometries, built once per network."""
    if "strtree" not in network._cache:
        network._cache["strtree"] = shapely.STRtree(network.edges.geometry.to_numpy())
    return network._cache["strtree"]
