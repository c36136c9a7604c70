"""Partitions with a halo, so that results inside each partition are exact.

Why a halo of ``search_cap_m + 3 × snap_tolerance_m`` is enough: a household's snapped point lies
within the snap tolerance of the household; every point of a network path of length ≤ cap is
within straight-line distance ≤ cap of where the path starts; a facility reached within the cap
therefore has its snapped point within cap + tolerance of the household, and the facility itself
within cap + 2 × tolerance; its nearest edge (which it snaps to) within cap + 3 × tolerance.
Taking, for a partition, every edge that intersects its core buffered by that halo (whole edges,
in their original order so ties break the same way) and every facility within cap + 2 ×
tolerance, every path, snap and count the single-process run uses for the partition's own
households is present, and no shorter path can appear in a sub-network. Households belong to
exactly one partition (the one containing their representative point; border ties go to the
lowest partition id; points outside every polygon to the nearest one).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis_planner._errors import InputDataError
from gis_planner._validate import require_metric_crs


@dataclass(frozen=True)
class Partition:
    """One partition: its id, core polygon, and the halo bounds (metric CRS, metres)."""

    partition_id: str
    core: shapely.Geometry
    edge_region: shapely.Geometry
    facility_region: shapely.Geometry

    @property
    def edge_bbox(self) -> tuple[float, float, float, float]:
        """Bounding box of the network read for this partition."""
        return tuple(self.edge_region.bounds)  # type: ignore[return-value]

    @property
    def facility_bbox(self) -> tuple[float, float, float, float]:
        """Bounding box of the facilities read for this partition."""
        return tuple(self.facility_region.bounds)  # type: ignore[return-value]


def halo_m(search_cap_m: float, snap_tolerance_m: float) -> float:
    """Halo width in metres around a partition's core for edges (see the module doc)."""
    return search_cap_m + 3.0 * snap_tolerance_m


def plan_partitions(
    households: gpd.GeoDataFrame,
    *,
    search_cap_m: float,
    snap_tolerance_m: float,
    by: gpd.GeoDataFrame | None = None,
    tile_m: float | None = None,
    gates: gpd.GeoDataFrame | None = None,
) -> tuple[list[Partition], pd.Series]:
    """Partitions by polygons (districts, sub-districts: ``by``, index = id) or square tiles of
    ``tile_m`` metres, and the partition id of every household.

    Returns
    -------
    (partitions, assignment)
        ``assignment`` is indexed like ``households`` (partition id strings). With ``gates``
        (``compound_id``), each core also spans its compounds' gates.
    """
    require_metric_crs(households, what="households")
    if (by is None) == (tile_m is None):
        raise InputDataError("partition either by polygons (by=…) or by square tiles (tile_m=…).")
    pts = households.geometry.representative_point()
    if by is not None:
        if by.crs != households.crs:
            raise InputDataError("partition polygons must be in the households' CRS.")
        polys = gpd.GeoDataFrame({"pid": by.index.astype(str)}, geometry=by.geometry.to_numpy(),
                                 crs=by.crs).sort_values("pid", kind="mergesort")
    else:
        if tile_m <= 0:
            raise InputDataError(f"tile_m must be > 0 m; got {tile_m}.")
        x0, y0, x1, y1 = pts.total_bounds
        nx_, ny_ = max(1, int(np.ceil((x1 - x0) / tile_m))), max(1, int(np.ceil((y1 - y0) / tile_m)))
        boxes, ids = [], []
        for j in range(ny_):
            for i in range(nx_):
                boxes.append(shapely.box(x0 + i * tile_m, y0 + j * tile_m, x0 + (i + 1) * tile_m,
                                         y0 + (j + 1) * tile_m))
                ids.append(f"T{j:04d}_{i:04d}")
        polys = gpd.GeoDataFrame({"pid": ids}, geometry=boxes, crs=households.crs)
    hit = gpd.sjoin(gpd.GeoDataFrame(geometry=pts, crs=households.crs), polys,
                    predicate="intersects", how="left")
    hit = hit.sort_values("pid", kind="mergesort")
    hit = hit[~hit.index.duplicated(keep="first")]
    assign = hit["pid"].reindex(households.index)
    missing = assign.isna().to_numpy()
    if missing.any():  # outside every polygon: nearest partition
        tree = shapely.STRtree(polys.geometry.to_numpy())
        near = tree.query_nearest(pts.to_numpy()[missing], all_matches=False)[1]
        assign.iloc[np.flatnonzero(missing)] = polys["pid"].to_numpy()[near]
    used = set(assign)
    halo = halo_m(search_cap_m, snap_tolerance_m)
    fac_halo = search_cap_m + 2.0 * snap_tolerance_m
    parts = []
    for pid, geom in zip(polys["pid"], polys.geometry, strict=True):
        if pid not in used:
            continue
        members = pts[assign.to_numpy() == pid]
        extent = [geom, shapely.box(*members.total_bounds)]
        if gates is not None and len(gates):
            own = gates[gates["compound_id"].map(assign).to_numpy() == pid]
            if len(own):  # residents leave through gates: their gates belong to the core too
                extent.append(shapely.box(*own.total_bounds))
        core = shapely.union_all(extent)
        parts.append(Partition(pid, core, core.buffer(halo), core.buffer(fac_halo)))
    return parts, assign.astype(str)
