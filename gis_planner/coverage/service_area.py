"""Service areas: the street network each facility reaches within a walking budget.

Returned as lines (whole edges plus the partial edges cut at the remaining budget with
``shapely.ops.substring``) and as polygons built from those lines (buffered by ``buffer_m`` and
merged; never a convex hull, which would claim land across rivers and rail lines the network
does not cross). With ``split=True`` every piece of street belongs to its nearest facility (a
network Voronoi partition), so the lines of different facilities do not overlap.

How an edge (u, v) of length L is cut: a facility reaches a point at ``x`` metres from ``u`` at
``min(d(u) + x, d(v) + L - x, |x - o|)`` (the last term only for a facility on the edge itself at
offset ``o``). Each term is a "cone" of slope 1 around a site (the end ``u`` at 0, the end ``v``
at L, the facility at ``o``), so the reachable part is a union of at most three intervals, and
the nearest-facility partition of the edge splits between neighbouring sites where their cones
cross. All of this is vectorised over (facility, edge) pairs, and so is the cut of the partial
pieces (:func:`_substrings`). The polygons are merged from buffers shared between facilities
(see :func:`_polygons`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra

from gis_planner import _units
from gis_planner._arrays import by_owner
from gis_planner._errors import InputDataError
from gis_planner._threads import thread_map
from gis_planner._validate import require_metric_crs, require_points, require_same_crs
from gis_planner.network.snap import snap_points
from gis_planner.network.travel import edge_arrays, graph_with_sources

if TYPE_CHECKING:
    from gis_planner.network.graph import WalkNetwork

#: Lengths below this (metres) are treated as zero when cutting edges.
EPS_M = 1e-9
#: Upper bound on the number of (rows x nodes) distances held per Dijkstra call.
_CHUNK_CELLS = 8_000_000
#: Side in metres of the finest square block of edges whose merged buffer is shared between
#: facilities (a tuning constant of the polygon merge, not a planning number), and the number of
#: quadtree levels above it (blocks of 125, 250, 500 and 1,000 m).
_BLOCK_M = 125.0
_BLOCK_LEVELS = 4


def service_areas(
    network: WalkNetwork,
    facilities: gpd.GeoDataFrame,
    *,
    walk_minutes: float,
    speed_kmh: float,
    buffer_m: float = 50.0,
    split: bool = False,
    snap_tolerance_m: float = 250.0,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Streets reachable from each facility within ``walk_minutes`` at ``speed_kmh``.

    Parameters
    ----------
    network
        The walk network (metric CRS).
    facilities
        Facility points in the network's CRS; index = facility ids.
    walk_minutes
        Walking budget in minutes (inclusive).
    speed_kmh
        Walking speed in km/h; the budget in metres is ``walk_minutes × speed``.
    buffer_m
        Half-width in metres of the polygon drawn around the reachable street lines.
    split
        Assign every piece of street to its nearest facility (network Voronoi), so that the
        lines of different facilities do not overlap (their buffered polygons still overlap by
        up to ``buffer_m`` along the boundaries). Ties go to one of the tied facilities.
    snap_tolerance_m
        Facilities farther than this (m) from every road are left out.

    Returns
    -------
    (lines, polygons)
        Two GeoDataFrames indexed by the ids of the facilities on the network: ``lines``
        (MultiLineString of the reachable street, ``length_m`` in metres) and ``polygons``
        (the lines buffered by ``buffer_m`` and merged, ``area_m2``); both carry ``category``
        and ``name`` where the facilities have them, plus ``walk_minutes`` and ``budget_m``.

    Raises
    ------
    InputDataError
        Non-point facilities, duplicate ids or non-positive minutes, speed or buffer.
    CRSError
        Facilities not in the network's CRS.
    """
    require_metric_crs(facilities, what="facilities")
    require_same_crs(facilities, network.edges, what_a="facilities", what_b="the network")
    if len(facilities):
        require_points(facilities, what="facilities")
    if facilities.index.has_duplicates:
        raise InputDataError("facilities: duplicate ids in the index; service areas are indexed "
                             "by facility id, which must be unique.")
    for name, value in (("walk_minutes", walk_minutes), ("speed_kmh", speed_kmh)):
        if not value > 0:
            raise InputDataError(f"service_areas: {name} must be > 0; got {value}.")
    if not buffer_m > 0:
        raise InputDataError(f"service_areas: buffer_m must be > 0 m; got {buffer_m}.")
    budget = _units.walk_distance_m(walk_minutes, speed_kmh)
    snap = snap_points(network, facilities, tolerance_m=snap_tolerance_m)
    snap = snap.loc[snap["snapped"]]
    k = len(snap)
    f_edge = snap["edge"].to_numpy(np.int64)
    f_off = snap["offset_m"].to_numpy(float)
    if k == 0:
        owner = edge = np.zeros(0, np.int64)
        a = b = np.zeros(0)
    elif split:
        owner, edge, a, b = _split_intervals(network, f_edge, f_off, budget)
    else:
        owner, edge, a, b = _own_intervals(network, f_edge, f_off, budget)
    lines, pieces, full = _assemble(network, owner, edge, a, b, k=k)
    index = snap.index
    extra = {c: facilities.loc[index, c].to_numpy() for c in ("category", "name")
             if c in facilities.columns}
    common = {**extra, "walk_minutes": float(walk_minutes), "budget_m": budget}
    line_gdf = gpd.GeoDataFrame({**common, "length_m": shapely.length(lines)}, index=index,
                                geometry=lines, crs=network.crs)
    polys = _polygons(network, owner, edge, full, pieces, k=k, buffer_m=buffer_m)
    poly_gdf = gpd.GeoDataFrame({**common, "area_m2": shapely.area(polys)}, index=index,
                                geometry=polys, crs=network.crs)
    attrs = {"walk_minutes": float(walk_minutes), "speed_kmh": float(speed_kmh),
             "budget_m": budget, "split": split, "buffer_m": float(buffer_m)}
    line_gdf.attrs.update(attrs)
    poly_gdf.attrs.update(attrs)
    return line_gdf, poly_gdf


def _polygons(network: WalkNetwork, owner: np.ndarray, edge: np.ndarray, full: np.ndarray,
              pieces: np.ndarray, *, k: int, buffer_m: float) -> np.ndarray:
    """One polygon per facility (0..k-1): its street pieces buffered by ``buffer_m``, merged.

    The polygon is the union of the buffers of the facility's pieces (the same polygon as
    buffering its MultiLineString in one call, up to floating-point noise of the GEOS noding
    orders: symmetric difference below 1e-7 of the area on real streets), assembled from parts
    that are shared between facilities and computed once per network (:class:`_BufferBlocks`):

    - whole edges in a block of the network's quadtree whose every edge the facility reaches
      whole come as that block's merged buffer;
    - other whole edges come as their own buffer, computed once per edge;
    - pieces of edges (cut at the budget or at a split boundary) are buffered here.

    Merging a few pre-merged blocks and the frontier costs far less than merging every edge's
    buffer for every facility, since GEOS's overlay work grows with the vertices fed to it.
    Facilities are buffered and merged in a small thread pool: shapely releases the GIL inside
    GEOS calls, so the threads use several cores.
    """
    out = np.array([shapely.Polygon()] * k, dtype=object)
    if len(owner) == 0:
        return out
    blocks = _BufferBlocks.of(network, buffer_m)
    items, item_owner = blocks.items(owner[full], edge[full])
    # each facility's shared polygons and cut pieces, as slices of arrays sorted by facility
    items, item_start = by_owner(items, item_owner, k)
    cut, cut_start = by_owner(pieces[~full], owner[~full], k)

    def merge(f: int) -> None:
        # the cut pieces are buffered here, in the facility's thread
        out[f] = shapely.union_all(np.concatenate([
            items[item_start[f]:item_start[f + 1]],
            shapely.buffer(cut[cut_start[f]:cut_start[f + 1]], buffer_m)]))

    has_any = np.flatnonzero((np.diff(item_start) > 0) | (np.diff(cut_start) > 0))
    thread_map(merge, has_any.tolist())  # GEOS releases the GIL: the merges run on several cores
    return out


class _BufferBlocks:
    """Buffers of a network's edges and merged buffers of its quadtree blocks, for one buffer
    width, computed on first use and kept on the network (``network._cache``).

    Edges are placed in square cells of :data:`_BLOCK_M` metres by their midpoint; a block of
    level ``l`` is a square of ``2**l`` x ``2**l`` cells (levels 0 .. :data:`_BLOCK_LEVELS` - 1),
    and its polygon is the union of its four sub-blocks' polygons (level 0: of its edges'
    buffers).
    """

    def __init__(self, network: WalkNetwork, buffer_m: float) -> None:
        self.buffer_m = buffer_m
        self.geoms = network.edges.geometry.to_numpy()
        m = len(self.geoms)
        self.edge_buffer = np.empty(m, dtype=object)
        self.has_buffer = np.zeros(m, dtype=bool)
        mid = shapely.get_coordinates(shapely.line_interpolate_point(self.geoms, 0.5,
                                                                     normalized=True))
        origin = mid.min(axis=0) if len(mid) else np.zeros(2)
        cell = np.floor((mid - origin) / _BLOCK_M).astype(np.int64)
        rows = int(cell[:, 1].max(initial=0)) + 1
        #: per level: block of every edge (dense ids), number of edges per block, the edges
        #: of each block (CSR: order, start) and the polygons computed so far
        self.block: list[np.ndarray] = []
        self.size: list[np.ndarray] = []
        self.members: list[tuple[np.ndarray, np.ndarray]] = []
        self.polygon: list[dict[int, shapely.Geometry]] = []
        for level in range(_BLOCK_LEVELS):
            _keys, dense = np.unique((cell[:, 0] >> level) * rows + (cell[:, 1] >> level),
                                     return_inverse=True)
            size = np.bincount(dense)
            self.block.append(dense)
            self.size.append(size)
            self.members.append((np.argsort(dense, kind="stable"),
                                 np.r_[0, np.cumsum(size)]))
            self.polygon.append({})

    @classmethod
    def of(cls, network: WalkNetwork, buffer_m: float) -> _BufferBlocks:
        """The blocks of ``network`` for ``buffer_m``, cached on the network (for the last
        buffer width used only, so the cache stays bounded)."""
        key = f"buffer_blocks_{float(buffer_m)!r}"
        if key not in network._cache:
            for old in [k for k in network._cache if k.startswith("buffer_blocks_")]:
                del network._cache[old]
            network._cache[key] = cls(network, float(buffer_m))
        return network._cache[key]

    def buffers(self, edges: np.ndarray) -> np.ndarray:
        """The buffer of each of ``edges`` (computed once per edge)."""
        missing = np.unique(edges[~self.has_buffer[edges]])
        if len(missing):
            self.edge_buffer[missing] = shapely.buffer(self.geoms[missing], self.buffer_m)
            self.has_buffer[missing] = True
        return self.edge_buffer[edges]

    def items(self, owner: np.ndarray, edge: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Polygons whose union per owner is the union of the buffers of its whole edges
        (``owner``, ``edge`` pairs, each pair once): the polygons of complete blocks (every edge
        of the block is among the owner's, largest block first) and the remaining edges'
        buffers. Returns (polygons, owner of each)."""
        free = np.ones(len(edge), dtype=bool)
        chosen: list[tuple[int, np.ndarray, np.ndarray]] = []
        for level in range(_BLOCK_LEVELS - 1, -1, -1):
            idx = np.flatnonzero(free)
            if len(idx) == 0:
                break
            blk = self.block[level][edge[idx]]
            n_blocks = len(self.size[level])
            key, inv, count = np.unique(owner[idx] * n_blocks + blk, return_inverse=True,
                                        return_counts=True)
            complete = count == self.size[level][key % n_blocks]
            if not complete.any():
                continue
            free[idx[complete[inv.ravel()]]] = False
            chosen.append((level, key[complete] // n_blocks, key[complete] % n_blocks))
        # polygons of the chosen blocks, finest level first (a block merges its sub-blocks)
        needed = [np.unique(b) for _lvl, _o, b in chosen]
        self._compute_blocks(dict(zip([lvl for lvl, _o, _b in chosen], needed, strict=True)))
        polys = [np.array([self.polygon[lvl][int(b)] for b in blk], dtype=object)
                 for lvl, _o, blk in chosen]
        rest = np.flatnonzero(free)
        return (np.concatenate([*polys, self.buffers(edge[rest])]),
                np.concatenate([*(o for _l, o, _b in chosen), owner[rest]]).astype(np.int64))

    def _compute_blocks(self, wanted: dict[int, np.ndarray]) -> None:
        """Compute the polygons of the wanted blocks per level and of their sub-blocks."""
        need: list[np.ndarray] = [np.zeros(0, np.int64)] * _BLOCK_LEVELS
        for level, blocks in wanted.items():
            need[level] = blocks
        # sub-blocks of every wanted block, down to level 0
        for level in range(_BLOCK_LEVELS - 1, 0, -1):
            new = np.array([b for b in need[level] if b not in self.polygon[level]], np.int64)
            if len(new):
                order, start = self.members[level]
                edges = np.concatenate([order[start[b]:start[b + 1]] for b in new])
                need[level - 1] = np.union1d(need[level - 1], self.block[level - 1][edges])
        for level in range(_BLOCK_LEVELS):
            todo = [int(b) for b in need[level] if int(b) not in self.polygon[level]]
            if not todo:
                continue
            order, start = self.members[level]
            if level == 0:
                self.buffers(np.concatenate([order[start[b]:start[b + 1]] for b in todo]))

            def merge(b: int, level: int = level, order: np.ndarray = order,
                      start: np.ndarray = start) -> None:
                edges = order[start[b]:start[b + 1]]
                if level == 0:
                    parts = self.edge_buffer[edges]
                else:
                    subs = np.unique(self.block[level - 1][edges])
                    parts = np.array([self.polygon[level - 1][int(s)] for s in subs],
                                     dtype=object)
                self.polygon[level][b] = shapely.union_all(parts)

            thread_map(merge, todo)


def _incidence(network: WalkNetwork) -> sp.csr_matrix:
    """Node x edge incidence (CSR), cached on the network."""
    if "incidence" not in network._cache:
        u, v, _ = edge_arrays(network)
        m = len(u)
        network._cache["incidence"] = sp.csr_matrix(
            (np.ones(2 * m, dtype=np.int8), (np.r_[u, v], np.r_[np.arange(m), np.arange(m)])),
            shape=(network.n_nodes, m))
    return network._cache["incidence"]


def _edges_of_nodes(network: WalkNetwork, rows: np.ndarray,
                    nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique (row, edge) pairs for every edge incident to the given (row, node) pairs."""
    inc = _incidence(network)
    start = inc.indptr[nodes]
    count = inc.indptr[nodes + 1] - start
    total = int(count.sum())
    first = np.repeat(np.cumsum(count) - count, count)
    idx = np.repeat(start, count) + (np.arange(total) - first)
    r = np.repeat(rows, count)
    e = inc.indices[idx].astype(np.int64)
    key = np.unique(r * network.n_edges + e)
    return key // network.n_edges, key % network.n_edges


def _own_intervals(network: WalkNetwork, f_edge: np.ndarray, f_off: np.ndarray,
                   budget: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Reachable intervals (facility, edge, start_m, end_m) of each facility on its own."""
    u, v, length = edge_arrays(network)
    n, k = network.n_nodes, len(f_edge)
    graph = graph_with_sources(network, np.arange(k), f_edge, f_off, k)
    chunk = max(1, min(k, _CHUNK_CELLS // max(n + k, 1)))
    parts: list[tuple[np.ndarray, ...]] = []
    for start in range(0, k, chunk):
        stop = min(start + chunk, k)
        # compiled Dijkstra from a block of facilities' virtual nodes, stopped at the budget
        dist = dijkstra(graph, directed=True, indices=np.arange(start, stop) + n, limit=budget)
        dist = dist[:, :n]
        r, node = np.nonzero(dist <= budget)
        r, e = _edges_of_nodes(network, r, node)
        du, dv, le = dist[r, u[e]], dist[r, v[e]], length[e]
        fi = r + start
        # cone around u: [0, budget - d(u)]; cone around v: [L - (budget - d(v)), L]
        parts.append((fi, e, np.zeros(len(e)), np.minimum(le, budget - du)))
        parts.append((fi, e, np.maximum(0.0, le - (budget - dv)), le))
    # cone around the facility itself on its own edge
    fi = np.arange(k)
    parts.append((fi, f_edge, np.maximum(0.0, f_off - budget),
                  np.minimum(length[f_edge], f_off + budget)))
    fi, e, a, b = (np.concatenate(x) for x in zip(*parts, strict=True))
    return _merge(fi, e, a, b)


def _split_intervals(network: WalkNetwork, f_edge: np.ndarray, f_off: np.ndarray,
                     budget: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Intervals (facility, edge, start_m, end_m) of the nearest-facility partition within the
    budget: one multi-source Dijkstra labelled with the nearest facility of every node."""
    u, v, length = edge_arrays(network)
    n, k = network.n_nodes, len(f_edge)
    graph = graph_with_sources(network, np.arange(k), f_edge, f_off, k)
    dist, _pred, sources = dijkstra(graph, directed=True, indices=np.arange(k) + n,
                                    min_only=True, return_predecessors=True, limit=budget)
    d_node = dist[:n]
    owner_node = np.where(sources[:n] >= n, sources[:n] - n, -1)
    reached = np.isfinite(d_node)
    near = np.flatnonzero(reached[u] | reached[v])
    # sites along each edge: its two ends (extra = distance to the end) and facilities on it
    s_edge = np.concatenate([near, near, f_edge])
    s_pos = np.concatenate([np.zeros(len(near)), length[near], f_off])
    s_extra = np.concatenate([d_node[u[near]], d_node[v[near]], np.zeros(k)])
    s_owner = np.concatenate([owner_node[u[near]], owner_node[v[near]], np.arange(k)])
    keep = np.isfinite(s_extra) & (s_owner >= 0)
    s_edge, s_pos, s_extra, s_owner = s_edge[keep], s_pos[keep], s_extra[keep], s_owner[keep]
    order = np.lexsort((s_extra, s_pos, s_edge))
    s_edge, s_pos, s_extra, s_owner = s_edge[order], s_pos[order], s_extra[order], s_owner[order]
    le = length[s_edge]
    # boundary between neighbouring sites s, t on one edge: where extra_s + (x - p_s) equals
    # extra_t + (p_t - x), clamped to [p_s, p_t]
    same_next = np.zeros(len(s_edge), dtype=bool)
    same_next[:-1] = s_edge[1:] == s_edge[:-1]
    bound = np.full(len(s_edge), np.nan)
    i = np.flatnonzero(same_next)
    bound[i] = np.clip((s_pos[i] + s_pos[i + 1] + s_extra[i + 1] - s_extra[i]) / 2.0,
                       s_pos[i], s_pos[i + 1])
    right = np.where(same_next, bound, le)
    left = np.zeros(len(s_edge))
    left[1:] = np.where(same_next[:-1], bound[:-1], 0.0)
    rest = budget - s_extra
    a = np.maximum(left, s_pos - rest)
    b = np.minimum(right, s_pos + rest)
    return _merge(s_owner, s_edge, a, b)


def _merge(fi: np.ndarray, e: np.ndarray, a: np.ndarray,
           b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Drop empty intervals and merge overlapping ones per (facility, edge)."""
    ok = b - a > EPS_M
    fi, e, a, b = fi[ok], e[ok], a[ok], b[ok]
    if len(fi) == 0:
        return fi, e, a, b
    order = np.lexsort((a, e, fi))
    fi, e, a, b = fi[order], e[order], a[order], b[order]
    group_start = np.ones(len(fi), dtype=bool)
    group_start[1:] = (fi[1:] != fi[:-1]) | (e[1:] != e[:-1])
    gid = np.cumsum(group_start) - 1
    # running maximum of the end within each group (offset groups so one cummax serves all)
    shift = gid * (float(b.max()) + 1.0)
    run_end = np.maximum.accumulate(b + shift) - shift
    new = group_start.copy()
    new[1:] |= a[1:] > run_end[:-1] + EPS_M
    start = np.flatnonzero(new)
    return fi[start], e[start], a[start], np.maximum.reduceat(b, start)


def _assemble(network: WalkNetwork, owner: np.ndarray, edge: np.ndarray, a: np.ndarray,
              b: np.ndarray, *, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One MultiLineString per facility (0..k-1) from its intervals; also the piece of each
    interval (a LineString) and whether it is the whole edge."""
    _u, _v, length = edge_arrays(network)
    geoms = network.edges.geometry.to_numpy()
    pieces = geoms[edge].copy()
    full = (a <= EPS_M) & (b >= length[edge] - EPS_M)
    cut = np.flatnonzero(~full)
    pieces[cut] = _substrings(geoms[edge[cut]], a[cut], b[cut])
    out = np.array([shapely.MultiLineString()] * k, dtype=object)
    if len(pieces):
        present, dense = np.unique(owner, return_inverse=True)
        order = np.argsort(dense, kind="stable")
        out[present] = shapely.multilinestrings(pieces[order], indices=dense[order])
    return out, pieces, full


def _substrings(lines: np.ndarray, start_m: np.ndarray, end_m: np.ndarray) -> np.ndarray:
    """The part of each line between ``start_m`` and ``end_m`` metres along it (start < end).

    ``shapely.ops.substring`` vectorised (shapely has no array version): the end points are
    ``line_interpolate_point`` at the two distances and the vertices kept are those strictly
    between them by a running sum of segment lengths (the same pieces, up to the rounding of
    that sum for a vertex within about 1e-12 m of a cut).
    """
    if len(lines) == 0:
        return np.zeros(0, dtype=object)
    start = shapely.line_interpolate_point(lines, start_m)
    end = shapely.line_interpolate_point(lines, end_m)
    xy, line = shapely.get_coordinates(lines, return_index=True)
    first = np.r_[True, line[1:] != line[:-1]]
    step = np.zeros(len(xy))
    step[1:] = np.sqrt(((xy[1:] - xy[:-1]) ** 2).sum(axis=1))
    step[first] = 0.0
    # distance of each vertex from its line's start (a running sum restarted at every line)
    total = np.cumsum(step)
    along = total - np.repeat(total[first], np.bincount(line, minlength=len(lines)))
    last = np.r_[first[1:], True]  # never kept: the end point stands for it
    keep = (along > start_m[line]) & (along < end_m[line]) & ~last
    # per line: start point, kept vertices, end point
    out_line = np.concatenate([np.arange(len(lines)), line[keep], np.arange(len(lines))])
    out_xy = np.concatenate([shapely.get_coordinates(start), xy[keep],
                             shapely.get_coordinates(end)])
    rank = np.concatenate([np.zeros(len(lines)), np.ones(int(keep.sum())),
                           np.full(len(lines), 2.0)])
    order = np.lexsort((rank, out_line))
    return shapely.linestrings(out_xy[order], indices=out_line[order])


__all__ = ["service_areas"]
