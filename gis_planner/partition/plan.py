"""Partitions with a halo, so that results inside each partition are exact.

Why the halo is enough (*c* = search cap, *t* = snap tolerance, both metres):

- A household's access point (its point, or a gate of its compound) lies in its partition's
  *core*; it snaps to its nearest edge, which lies within *t* of it, so within the core
  buffered by *t*.
- A network path of length ≤ *c* never leaves the disc of radius *c* around where it starts
  (every point of it is within straight-line distance ≤ its length). A facility the household
  reaches within the cap therefore has its snapped point within *c + t* of the core, and the
  facility itself within *c + 2t* (it snapped within *t*); every edge within *t* of that facility
  (its nearest edge among them) lies within *c + 3t*.
- A partition takes every facility within *c + 2t* of its core (duplicated into every halo that
  contains it) and every edge intersecting the core buffered by *c + 3t* — whole edges, in their
  original order so ties in snapping break the same way, keeping **every** connected component
  (clipping creates islands that must not be dropped). Every snap, path and count the
  single-process run uses for the partition's own households is then present, and a sub-network
  cannot create a path the whole network lacks, so no distance can come out shorter. A facility
  outside *c + 2t* is left out: it cannot be reached within the cap, and its nearest edge might be
  missing (it would snap elsewhere).
- Buffers are polygons whose arcs are inscribed chords; each radius is padded by
  :data:`BUFFER_PAD` (1 %, far above the chord error of 0.12 % at 16 segments a quarter circle)
  plus 1 m, the facility radius first and the edge radius by twice as much, so the regions
  contain the true discs and the edge region contains every point within *t* of the facility
  region.

Households belong to exactly one partition, decided from their representative point alone (so a
worker recomputes it for the households it reads): tiles are half-open squares
``[x0 + i·s, x0 + (i+1)·s)``; with polygons, the lowest id among the polygons containing the
point (borders included), else the lowest id among the nearest polygons. Gates go with their
compound; a partition's core is its tile or polygon extended to cover its households and gates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis_planner._errors import InputDataError
from gis_planner._validate import require_metric_crs

#: Relative padding of every halo radius (buffers are polygons inscribed in the true discs).
BUFFER_PAD = 0.01


@dataclass(frozen=True)
class Partition:
    """One partition: its id, core polygon and halo regions (metric CRS, metres).

    Attributes
    ----------
    partition_id
        Tile id ``T<row>_<col>`` or the polygon's id.
    code
        Position of the partition in its :class:`Layout` (what :meth:`Layout.assign` returns).
    core
        The tile or polygon, extended to cover the partition's households and their gates.
    edge_region
        The core buffered by the edge halo: every edge intersecting it is read.
    facility_region
        The core buffered by the facility halo: every facility intersecting it is read.
    """

    partition_id: str
    code: int
    core: shapely.Geometry
    edge_region: shapely.Geometry
    facility_region: shapely.Geometry

    @property
    def core_bbox(self) -> tuple[float, float, float, float]:
        """Bounding box (m) of the core: households and gates are read within it."""
        return tuple(self.core.bounds)

    @property
    def edge_bbox(self) -> tuple[float, float, float, float]:
        """Bounding box (m) of the network read for this partition."""
        return tuple(self.edge_region.bounds)

    @property
    def facility_bbox(self) -> tuple[float, float, float, float]:
        """Bounding box (m) of the facilities read for this partition."""
        return tuple(self.facility_region.bounds)


def halo_m(search_cap_m: float, snap_tolerance_m: float) -> float:
    """Halo width in metres around a partition's core for edges (cap + 3 × tolerance, unpadded).

    Parameters
    ----------
    search_cap_m
        Dijkstra cut-off of the reach run (m).
    snap_tolerance_m
        Largest snap distance (m).
    """
    return search_cap_m + 3.0 * snap_tolerance_m


def facility_halo_m(search_cap_m: float, snap_tolerance_m: float) -> float:
    """Halo width in metres for facilities (cap + 2 × tolerance, unpadded)."""
    return search_cap_m + 2.0 * snap_tolerance_m


@dataclass(frozen=True)
class Layout:
    """How points are assigned to partitions: square tiles or polygons (sorted by id).

    Build with :meth:`tiles` or :meth:`polygons`. :meth:`assign` is a pure function of the
    points, so the lead and every worker agree on each household's partition.
    """

    kind: str
    ids: tuple[str, ...] = ()
    geoms: tuple[shapely.Geometry, ...] = ()
    x0_m: float = 0.0
    y0_m: float = 0.0
    tile_m: float = 0.0
    nx: int = 0
    ny: int = 0

    @classmethod
    def tiles(cls, bounds: tuple[float, float, float, float], tile_m: float) -> Layout:
        """Square tiles of ``tile_m`` metres from the lower-left corner of ``bounds`` (m)."""
        if not tile_m or tile_m <= 0 or not np.isfinite(tile_m):
            raise InputDataError(f"tile_m must be a positive number of metres; got {tile_m}.")
        x0, y0, x1, y1 = (float(b) for b in bounds)
        if not all(np.isfinite([x0, y0, x1, y1])):
            raise InputDataError("households: no valid point to lay tiles over (empty layer?).")
        nx_ = max(1, int(np.floor((x1 - x0) / tile_m)) + 1)
        ny_ = max(1, int(np.floor((y1 - y0) / tile_m)) + 1)
        return cls("tiles", x0_m=x0, y0_m=y0, tile_m=float(tile_m), nx=nx_, ny=ny_)

    @classmethod
    def polygons(cls, polygons: gpd.GeoDataFrame) -> Layout:
        """Polygons (districts, sub-districts) indexed by their id; sorted by id as strings."""
        if len(polygons) == 0:
            raise InputDataError("partition polygons: the layer is empty; expected districts or sub-districts.")
        ids = polygons.index.astype(str)
        if ids.has_duplicates:
            dup = sorted(set(ids[ids.duplicated()]))[:5]
            raise InputDataError(f"partition polygons: duplicate ids {dup}; each polygon needs its own id.")
        geoms = polygons.geometry.to_numpy()
        bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        if bad.any():
            raise InputDataError(f"partition polygons: {int(bad.sum())} empty geometries "
                                 f"(ids {list(ids[bad][:5])}); drop or repair them.")
        order = np.argsort(np.asarray(ids, dtype=object), kind="stable")
        return cls("polygons", ids=tuple(ids[order]), geoms=tuple(geoms[order]))

    @property
    def n_cells(self) -> int:
        """Number of tiles or polygons."""
        return self.nx * self.ny if self.kind == "tiles" else len(self.ids)

    def partition_id(self, code: int) -> str:
        """The id of the tile or polygon at position ``code``."""
        if self.kind == "tiles":
            j, i = divmod(int(code), self.nx)
            return f"T{j:04d}_{i:04d}"
        return self.ids[int(code)]

    def cell(self, code: int) -> shapely.Geometry:
        """The tile square or polygon at position ``code``."""
        if self.kind == "tiles":
            j, i = divmod(int(code), self.nx)
            s = self.tile_m
            return shapely.box(self.x0_m + i * s, self.y0_m + j * s, self.x0_m + (i + 1) * s,
                               self.y0_m + (j + 1) * s)
        return self.geoms[int(code)]

    def _tree(self) -> shapely.STRtree:
        tree = self.__dict__.get("_strtree")
        if tree is None:
            tree = shapely.STRtree(np.asarray(self.geoms, dtype=object))
            object.__setattr__(self, "_strtree", tree)
        return tree

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_strtree", None)  # rebuilt on the worker
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def assign(self, xy: np.ndarray) -> np.ndarray:
        """Partition position (int64) of every point of ``xy`` (n × 2 metres)."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        if self.kind == "tiles":
            i = np.clip(np.floor((xy[:, 0] - self.x0_m) / self.tile_m), 0, self.nx - 1).astype(np.int64)
            j = np.clip(np.floor((xy[:, 1] - self.y0_m) / self.tile_m), 0, self.ny - 1).astype(np.int64)
            return j * self.nx + i
        out = np.full(len(xy), -1, dtype=np.int64)
        if len(xy) == 0:
            return out
        pts = shapely.points(xy)
        tree = self._tree()
        ip, ig = tree.query(pts, predicate="intersects")
        _first_min(out, ip, ig)
        missing = np.flatnonzero(out < 0)
        if len(missing):  # outside every polygon: the nearest (lowest id among ties)
            ip, ig = tree.query_nearest(pts[missing], all_matches=True)
            near = np.full(len(missing), -1, dtype=np.int64)
            _first_min(near, ip, ig)
            out[missing] = near
        return out


def _first_min(out: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
    """out[r] = min(values where rows == r) for the rows present (others untouched)."""
    if len(rows) == 0:
        return
    order = np.lexsort((values, rows))
    rows, values = rows[order], values[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = rows[1:] != rows[:-1]
    out[rows[first]] = values[first]


def representative_xy(geoms: np.ndarray) -> np.ndarray:
    """Points as they are, other geometries by a point inside them (shapely's
    ``point_on_surface``, as reach uses): an n × 2 array of metres."""
    geoms = np.asarray(geoms, dtype=object)
    pts = geoms.copy()
    not_point = shapely.get_type_id(geoms) != 0
    if not_point.any():
        pts[not_point] = shapely.point_on_surface(geoms[not_point])
    return shapely.get_coordinates(pts).reshape(-1, 2) if len(pts) else np.empty((0, 2))


class _Extents:
    """Running bounding boxes per partition position."""

    def __init__(self, n: int) -> None:
        self.lo = np.full((n, 2), np.inf)
        self.hi = np.full((n, 2), -np.inf)
        self.count = np.zeros(n, dtype=np.int64)

    def add(self, codes: np.ndarray, xy: np.ndarray) -> None:
        if len(codes) == 0:
            return
        for k in range(2):
            np.minimum.at(self.lo[:, k], codes, xy[:, k])
            np.maximum.at(self.hi[:, k], codes, xy[:, k])
        np.add.at(self.count, codes, 1)

    def box(self, code: int) -> shapely.Geometry | None:
        if not np.isfinite(self.lo[code]).all():
            return None
        # padded by 1 mm so that a single point or a row of points still gives an area
        return shapely.box(*(self.lo[code] - 1e-3), *(self.hi[code] + 1e-3))


def build_partitions(layout: Layout, household_batches: Iterable[np.ndarray],
                     gate_batches: Iterable[tuple[np.ndarray, np.ndarray]] = (), *,
                     search_cap_m: float, snap_tolerance_m: float) -> tuple[list[Partition], np.ndarray]:
    """Partitions from streamed points: only the partitions holding households are returned.

    Parameters
    ----------
    household_batches
        Representative points of the households (n × 2 metres per batch), in any number of batches.
    gate_batches
        ``(partition position of the gate's compound, gate xy)`` per batch.
    search_cap_m, snap_tolerance_m
        Of the reach run (m): they set the halos.

    Returns
    -------
    (partitions, household counts per layout position)
    """
    ext = _Extents(layout.n_cells)
    for xy in household_batches:
        ext.add(layout.assign(xy), xy)
    gext = _Extents(layout.n_cells)
    for codes, xy in gate_batches:
        gext.add(codes, xy)
    edge_r = halo_m(search_cap_m, snap_tolerance_m)
    fac_r = facility_halo_m(search_cap_m, snap_tolerance_m)
    fac_pad = BUFFER_PAD * fac_r + 1.0
    edge_pad = 2.0 * (BUFFER_PAD * edge_r + 1.0)
    parts = []
    for code in np.flatnonzero(ext.count).tolist():
        extent = [layout.cell(code), ext.box(code)]
        gbox = gext.box(code)
        if gbox is not None:  # residents leave through gates: their gates belong to the core too
            extent.append(gbox)
        core = shapely.union_all(extent)
        parts.append(Partition(layout.partition_id(code), int(code), core,
                               core.buffer(edge_r + edge_pad), core.buffer(fac_r + fac_pad)))
    parts.sort(key=lambda p: p.partition_id)
    return parts, ext.count


def make_layout(*, by: gpd.GeoDataFrame | None, tile_m: float | None,
                bounds: tuple[float, float, float, float] | None, crs: object) -> Layout:
    """The layout for ``by`` (polygons, checked against ``crs``) or ``tile_m`` over ``bounds``."""
    if (by is None) == (tile_m is None):
        raise InputDataError("partition either by polygons (partition_by=…, --partition-by) or by square "
                             "tiles (tile_m=…, --tile-m), exactly one of them.")
    if by is not None:
        require_metric_crs(by, what="partition polygons")
        if by.crs != crs:
            raise InputDataError(f"partition polygons are in {by.crs}, the households in {crs}; "
                                 "read them with metric_crs=network.crs.")
        return Layout.polygons(by)
    if bounds is None:
        raise InputDataError("tiles need the households' bounds.")
    return Layout.tiles(bounds, float(tile_m))  # type: ignore[arg-type]


def plan_partitions(
    households: gpd.GeoDataFrame,
    *,
    search_cap_m: float,
    snap_tolerance_m: float,
    by: gpd.GeoDataFrame | None = None,
    tile_m: float | None = None,
    gates: gpd.GeoDataFrame | None = None,
) -> tuple[list[Partition], pd.Series]:
    """Partitions by polygons or square tiles, and the partition of every household (in memory).

    Parameters
    ----------
    households
        Compounds (points or polygons) in a metric CRS.
    search_cap_m, snap_tolerance_m
        Of the reach run (m): they set the halos (see the module doc).
    by
        Polygons (districts, sub-districts), index = partition id, in the households' CRS.
    tile_m
        Side of square tiles (m), from the lower-left corner of the households.
    gates
        Gates with ``compound_id``: each core also spans its compounds' gates.

    Returns
    -------
    (partitions, assignment)
        Partitions holding households, sorted by id; ``assignment`` is indexed like
        ``households`` (partition id strings).
    """
    require_metric_crs(households, what="households")
    xy = representative_xy(households.geometry.to_numpy())
    layout = make_layout(by=by, tile_m=tile_m, crs=households.crs,
                         bounds=(*xy.min(axis=0), *xy.max(axis=0)) if len(xy) else None)
    codes = layout.assign(xy)
    gate_batches = []
    if gates is not None and len(gates):
        gcode = pd.Series(codes, index=households.index).reindex(gates["compound_id"].astype(str)).to_numpy()
        ok = ~pd.isna(gcode)
        gate_batches.append((gcode[ok].astype(np.int64),
                             shapely.get_coordinates(gates.geometry.to_numpy()[ok]).reshape(-1, 2)))
    parts, _ = build_partitions(layout, [xy], gate_batches, search_cap_m=search_cap_m,
                                snap_tolerance_m=snap_tolerance_m)
    ids = np.array([layout.partition_id(c) for c in range(layout.n_cells)], dtype=object) \
        if layout.kind == "polygons" else None
    assign = [ids[c] for c in codes] if ids is not None else [layout.partition_id(c) for c in codes]
    return parts, pd.Series(assign, index=households.index, name="partition", dtype=object)
