"""Which compounds are neighbours, and the land that goes with each compound.

Both come from one construction, so a proposal that is contiguous on the graph is also one
piece of land on the map:

1. every compound is represented by generator points: its representative point, plus, for
   polygons, points every ``sample_step_m`` along its outline (pulled 0.5 m inwards so that two
   touching compounds never share a generator);
2. the Voronoi diagram of all generators, dissolved per compound, is the compound's *cell*: the
   land nearer to it than to any other compound (a generalised Voronoi diagram), clipped to the
   study extent (the communities being re-grouped, plus the compounds themselves);
3. two compounds are adjacent when their cells share a border of at least ``min_shared_m``
   metres and, when ``max_gap_m`` is given, their geometries lie within that distance (so a
   river or a wide empty field between them can be made to cut the link).

This is the Delaunay/Voronoi graph of the compounds clipped to the communities, generalised to
polygons. Proposed community polygons are the union of their compounds' cells.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from gis_planner._arrays import by_owner

#: How far generator points on a polygon outline are pulled inwards (m).
INSET_M = 0.5
#: Precision grid (m) of the cell unions (snap rounding keeps them robust).
GRID_M = 0.01
#: Largest generator jitter (m).
JITTER_M = 0.005


def _generators(geoms: np.ndarray, sample_step_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Generator points (k x 2) and the compound position of each."""
    xs: list[np.ndarray] = []
    owner: list[np.ndarray] = []
    rep = shapely.get_coordinates(shapely.point_on_surface(geoms))
    xs.append(rep)
    owner.append(np.arange(len(geoms)))
    poly = np.flatnonzero(np.isin(shapely.get_type_id(geoms), (3, 6)))
    if len(poly):
        inner = shapely.buffer(geoms[poly], -INSET_M)
        inner = np.where(shapely.is_empty(inner), geoms[poly], inner)  # too thin to pull in
        coords, at = shapely.get_coordinates(
            shapely.segmentize(shapely.boundary(inner), sample_step_m), return_index=True)
        xs.append(coords)
        owner.append(poly[at])
    xy = np.vstack(xs)
    own = np.concatenate(owner)
    _, keep = np.unique(np.round(xy, 3), axis=0, return_index=True)
    keep = np.sort(keep)
    # a fixed sub-centimetre jitter breaks the co-circular generators of regular layouts, on
    # which GEOS returns self-intersecting Voronoi cells; results stay deterministic
    jitter = np.random.default_rng(0).uniform(-JITTER_M, JITTER_M, (len(keep), 2))
    return xy[keep] + jitter, own[keep]


def polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygonal part of ``geom`` (overlay results can carry stray lines or points)."""
    if shapely.get_type_id(geom) in (3, 6):
        return geom
    parts = shapely.get_parts(geom)
    polys = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    return shapely.union_all(polys, grid_size=GRID_M) if len(polys) else shapely.Polygon()


def compound_cells(
    compounds: gpd.GeoSeries | gpd.GeoDataFrame,
    extent: shapely.Geometry,
    *,
    sample_step_m: float = 20.0,
) -> gpd.GeoSeries:
    """The cell (land nearest to it) of every compound, clipped to ``extent``.

    Parameters
    ----------
    compounds
        Compound geometries (points or polygons) in a metric CRS.
    extent
        Area to divide (e.g. the union of the communities being re-grouped).
    sample_step_m
        Spacing of generator points along polygon outlines, in metres.

    Returns
    -------
    GeoSeries
        Indexed like ``compounds``; an empty polygon where a compound has no land in ``extent``.
    """
    geoms = np.asarray(compounds.geometry if hasattr(compounds, "geometry") else compounds)
    index = compounds.index
    crs = compounds.crs
    if len(geoms) == 0:
        return gpd.GeoSeries([], index=index, crs=crs)
    if len(geoms) == 1:
        return gpd.GeoSeries([extent], index=index, crs=crs)
    xy, own = _generators(geoms, sample_step_m)
    # only the envelope of ``extend_to`` counts: the bounds of everything, 10 m out
    x0, y0, x1, y1 = shapely.total_bounds(np.r_[np.array([extent], dtype=object), geoms])
    env = shapely.box(x0 - 10.0, y0 - 10.0, x1 + 10.0, y1 + 10.0)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=env))
    cells = cells[shapely.get_type_id(cells) == 3]
    gen = shapely.points(xy)
    cell_i, gen_i = shapely.STRtree(gen).query(cells, predicate="intersects")
    first = np.unique(cell_i, return_index=True)[1]
    cell_owner = np.full(len(cells), -1)
    cell_owner[cell_i[first]] = own[gen_i[first]]
    # the Voronoi cells tile the plane edge to edge (one vertex set), so each compound's are
    # dissolved by GEOS's coverage union, which only drops the shared edges (4x faster than a
    # general overlay; should a union ever come out invalid, the snap-rounded overlay is
    # used); the clip to the extent then rounds to the precision grid once
    cells, bounds = by_owner(cells, cell_owner, len(geoms))
    merged = np.empty(len(geoms), dtype=object)
    for i in range(len(geoms)):
        mine = cells[bounds[i]:bounds[i + 1]]
        cell = shapely.coverage_union_all(mine) if len(mine) else shapely.Polygon()
        if not shapely.is_valid(cell):
            cell = shapely.union_all(mine, grid_size=GRID_M)
        merged[i] = cell
    out = [polygonal(c) for c in shapely.intersection(merged, extent, grid_size=GRID_M)]
    return gpd.GeoSeries(out, index=index, crs=crs)


def compound_adjacency(
    compounds: gpd.GeoSeries | gpd.GeoDataFrame,
    cells: gpd.GeoSeries,
    *,
    min_shared_m: float = 1.0,
    max_gap_m: float | None = None,
) -> np.ndarray:
    """Pairs of adjacent compounds (positions, ``i < j``, sorted by ``i`` then ``j``), from
    their cells.

    Parameters
    ----------
    compounds
        Compound geometries, aligned with ``cells``.
    cells
        From :func:`compound_cells`.
    min_shared_m
        Shortest shared cell border (m, inclusive) that makes two compounds neighbours.
    max_gap_m
        Largest distance (m, inclusive) between two neighbours' geometries; None for no limit.

    Returns
    -------
    ndarray
        Shape (m, 2), int.
    """
    c = np.asarray(cells)
    if len(c) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    tree = shapely.STRtree(c)
    a, b = tree.query(c, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    if len(a) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    shared = shapely.length(shapely.intersection(shapely.boundary(c[a]), shapely.boundary(c[b])))
    ok = shared >= min_shared_m
    if max_gap_m is not None:
        geoms = np.asarray(compounds.geometry if hasattr(compounds, "geometry") else compounds)
        ok &= shapely.distance(geoms[a], geoms[b]) <= max_gap_m
    a, b = a[ok], b[ok]
    order = np.lexsort((b, a))  # (i, j) in order, whatever the tree's traversal
    return np.c_[a[order], b[order]].astype(np.int64)


__all__ = ["compound_adjacency", "compound_cells", "polygonal"]
