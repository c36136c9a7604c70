"""OSM files (PBF, XML, compressed XML) -> junction-to-junction walk edges, with OSM ids kept.

Reading is one pass of pyosmium with node locations; everything after it (junctions, splitting,
duplicates, loops) is vectorised numpy/shapely over the flat array of way vertices.

Junctions are the vertices where a walker can choose: the ends of every way, nodes used more
than once (by two ways, or twice by one), and nodes whose number of distinct neighbours is not
two (so the turning point of a way drawn there and back, as osmnx's XML export writes two-way
roads, is a dead end rather than the middle of a loop). A way whose nodes are missing from the
file (an extract clipped at its border) is kept in the runs of nodes that are present.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis_planner._errors import InputDataError
from gis_planner.io._lines import check_lonlat
from gis_planner.io._open import check_input_path, decompressed
from gis_planner.io.walk_tags import first_class, walk_filter

logger = logging.getLogger(__name__)

#: Way tags read from the file (the walk rules use the first four).
WAY_TAGS = ("highway", "foot", "access", "area", "name")


def read_osm(path: Path, *, walk_only: bool) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, dict[str, Any]]:
    """Nodes and edges (EPSG:4326) of the walkable highway ways of an OSM file.

    Returns
    -------
    nodes, edges, report
        ``nodes``: Point per junction, column ``osm_id`` (string). ``edges``: columns ``u``,
        ``v`` (positions in ``nodes``), ``osm_id`` (way id, string), ``highway``, ``name``; the
        LineString runs from ``u`` to ``v`` through the way's intermediate nodes.
    """
    way_ids, n_refs, refs, lon, lat, tags = _read_ways(path)
    tag_frame = pd.DataFrame(tags, columns=list(WAY_TAGS))
    keep, report = walk_filter(tag_frame, walk_only=walk_only, what=str(path))
    way_of = np.repeat(np.arange(len(way_ids)), n_refs)
    vert = keep[way_of]
    ref, x, y, way = refs[vert], lon[vert], lat[vert], way_of[vert]
    valid = np.isfinite(x)
    report["ways_with_missing_nodes"] = len(np.unique(way[~valid]))
    report["missing_node_refs"] = int((~valid).sum())
    if report["missing_node_refs"]:
        logger.info("%s: %d node references of %d ways lie outside the file; ways kept in pieces",
                    path, report["missing_node_refs"], report["ways_with_missing_nodes"])
    # runs: stretches of consecutive present nodes of one way
    new_run = np.ones(len(ref), dtype=bool)
    new_run[1:] = (way[1:] != way[:-1]) | ~valid[:-1]
    run = np.cumsum(new_run) - 1
    ref, x, y, way, run = ref[valid], x[valid], y[valid], way[valid], run[valid]
    # the same node twice in a row adds nothing
    same = np.zeros(len(ref), dtype=bool)
    same[1:] = (ref[1:] == ref[:-1]) & (run[1:] == run[:-1])
    ref, x, y, way, run = ref[~same], x[~same], y[~same], way[~same], run[~same]
    # runs of one node are no line
    sizes = np.bincount(run)
    long_enough = sizes[run] >= 2
    ref, x, y, way, run = ref[long_enough], x[long_enough], y[long_enough], way[long_enough], run[long_enough]
    if len(ref) == 0:
        raise InputDataError(f"{path}: the walkable ways have no two nodes with locations in the file "
                             "(nodes missing from the extract, or lon/lat outside -180..180 / -90..90).")
    check_lonlat(np.column_stack([x, y]), what=str(path))

    start = np.ones(len(ref), dtype=bool)
    start[1:] = run[1:] != run[:-1]
    end = np.ones(len(ref), dtype=bool)
    end[:-1] = run[:-1] != run[1:]
    junction = start | end | _shared_or_branching(ref, run)
    seg, order, seg_u, seg_v = _segments(junction, start, end)
    loops = ref[seg_u] == ref[seg_v]
    if loops.any():  # a closed way with one junction: split it at its middle vertex too
        mid = (seg_u[loops] + seg_v[loops]) // 2
        junction[mid] = True
        seg, order, seg_u, seg_v = _segments(junction, start, end)
    report["closed_loops_split"] = int(loops.sum())

    # drop segments that repeat another one's nodes (either direction)
    vref = ref[order]
    first = np.r_[0, np.flatnonzero(seg[1:] != seg[:-1]) + 1]
    n_vert = np.diff(np.r_[first, len(seg)])
    lo = np.minimum(ref[seg_u], ref[seg_v])
    hi = np.maximum(ref[seg_u], ref[seg_v])
    s1 = np.add.reduceat(vref, first)
    s2 = np.add.reduceat((vref % 1_000_003).astype(np.float64) ** 2, first)
    dup = pd.DataFrame({"lo": lo, "hi": hi, "n": n_vert, "s1": s1, "s2": s2}).duplicated().to_numpy()
    report["duplicate_segments_dropped"] = int(dup.sum())

    lines = shapely.linestrings(x[order], y[order], indices=seg)
    keep_seg = ~dup
    u_ref, v_ref = ref[seg_u][keep_seg], ref[seg_v][keep_seg]
    node_ref, inverse = np.unique(np.r_[u_ref, v_ref], return_inverse=True)
    pos = np.r_[seg_u[keep_seg], seg_v[keep_seg]]
    node_pos = np.empty(len(node_ref), dtype=np.int64)
    node_pos[inverse] = pos
    nodes = gpd.GeoDataFrame({"osm_id": node_ref.astype(str).astype(object)},
                             geometry=shapely.points(x[node_pos], y[node_pos]), crs=4326)
    seg_way = way[seg_u][keep_seg]
    m = int(keep_seg.sum())
    edges = gpd.GeoDataFrame(
        {"u": inverse[:m], "v": inverse[m:],
         "osm_id": way_ids[seg_way].astype(str).astype(object),
         "highway": first_class(tag_frame["highway"]).to_numpy()[seg_way],
         "name": tag_frame["name"].fillna("").to_numpy(dtype=object)[seg_way]},
        geometry=lines[keep_seg], crs=4326,
    )
    report["segments"] = m
    return nodes, edges, report


def _read_ways(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                    list[tuple[str | None, ...]]]:
    """Flat arrays of every highway way: ids, node counts, node refs and lon/lat (NaN if absent)."""
    import osmium

    way_ids: list[int] = []
    n_refs: list[int] = []
    refs: list[int] = []
    lon: list[float] = []
    lat: list[float] = []
    tags: list[tuple[str | None, ...]] = []
    try:
        ways = osm_objects(path, filters=(osmium.filter.KeyFilter("highway"),
                                          osmium.filter.EntityFilter(osmium.osm.WAY)))
        for way in ways:
            count = 0
            for nd in way.nodes:
                loc = nd.location  # an absent node has the "undefined" location, far out of range
                refs.append(nd.ref)
                lon.append(loc.lon_without_check())
                lat.append(loc.lat_without_check())
                count += 1
            way_ids.append(way.id)
            n_refs.append(count)
            t = way.tags
            tags.append(tuple(t.get(k) for k in WAY_TAGS))
    except RuntimeError as exc:
        raise InputDataError(f"{path}: cannot read as OSM data ({exc}).") from exc
    x = np.array(lon, dtype=np.float64)
    y = np.array(lat, dtype=np.float64)
    absent = ~((np.abs(x) <= 180) & (np.abs(y) <= 90))
    x[absent] = np.nan
    y[absent] = np.nan
    return (np.array(way_ids, dtype=np.int64), np.array(n_refs, dtype=np.int64),
            np.array(refs, dtype=np.int64), x, y, tags)


def osm_objects(path: Path, *, areas: bool = False, filters: tuple[Any, ...] = ()) -> Iterator[Any]:
    """The objects of an OSM file as pyosmium yields them, with node locations (and areas).

    A ``.osm.bz2``/``.osm.gz`` is decompressed first by
    :func:`gis_planner.io._open.decompressed` (every stream of a pbzip2/lbzip2 file, bounded by
    ``options.max_decompressed_bytes``) into a temporary file that is removed when the
    iteration ends; libosmium's own bzip2 reader did not read past the first stream of small
    multi-stream files.

    Raises
    ------
    InputDataError
        A URL or virtual path, a decompression bomb, a corrupt or cut-off stream.
    RuntimeError
        From libosmium, for a malformed file (callers name the file).
    """
    import osmium

    with decompressed(check_input_path(path)) as plain:
        fp = osmium.FileProcessor(str(plain)).with_locations()
        if areas:
            fp = fp.with_areas()
        for f in filters:
            fp = fp.with_filter(f)
        yield from fp


def _shared_or_branching(ref: np.ndarray, run: np.ndarray) -> np.ndarray:
    """Per vertex: its node is used more than once, or has a number of distinct neighbours != 2."""
    _, inv, counts = np.unique(ref, return_inverse=True, return_counts=True)
    inv = inv.ravel()
    link = run[1:] == run[:-1]
    a, b = inv[:-1][link], inv[1:][link]
    pairs = np.unique(np.column_stack([np.minimum(a, b), np.maximum(a, b)]), axis=0)
    degree = np.bincount(pairs.ravel(), minlength=len(counts))
    return (counts[inv] > 1) | (degree[inv] != 2)


def _segments(junction: np.ndarray, start: np.ndarray,
              end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut runs at junction vertices.

    Returns the segment id and vertex position of every coordinate of every segment (a junction
    inside a run is the last vertex of one segment and the first of the next), and each
    segment's first and last vertex position.
    """
    opens = junction & ~end  # a segment starts here
    fwd = np.cumsum(opens) - 1  # the segment a vertex belongs to going forward
    idx = np.arange(len(junction))
    closes = junction & ~start  # the vertex also ends the previous segment
    body = ~end
    seg = np.r_[fwd[body], fwd[closes] - opens[closes]]
    pos = np.r_[idx[body], idx[closes]]
    order = np.lexsort((pos, seg))
    seg, pos = seg[order], pos[order]
    bounds = np.r_[0, np.flatnonzero(seg[1:] != seg[:-1]) + 1, len(seg)]
    return seg, pos, pos[bounds[:-1]], pos[bounds[1:] - 1]


__all__ = ["osm_objects", "read_osm"]
