"""GraphML networks (as osmnx writes them, or any GraphML with node ``x``/``y``) -> walk edges.

Read with networkx, without osmnx's type conversions, so GraphML from other tools works too:
nodes need ``x`` and ``y`` (in the graph's ``crs`` attribute, default EPSG:4326); edges may carry
``geometry`` (WKT), ``highway``, ``name``, ``osmid``, ``foot``, ``access``, ``area``. osmnx stores
list values as text (``"['residential', 'service']"``); the first element is used. osmnx graphs
are directed with both directions of a two-way street; the reverse edge is dropped and counted.
Self-loops (a ring street meeting the rest at one node) are kept: the network builder
(:meth:`~gis_planner.network.graph.WalkNetwork.from_frames`) splits them at their middle vertex
and joins the two nodes of a zero-length edge.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gis_planner._errors import CRSError, InputDataError
from gis_planner.io._lines import (
    check_lonlat,
    duplicate_mask,
    geometry_signature,
    pin_ends,
    road_class,
    text_values,
)
from gis_planner.io.walk_tags import TAG_COLUMNS, walk_filter

logger = logging.getLogger(__name__)

EDGE_ATTRIBUTES = ("geometry", "highway", "name", "osmid", "foot", "access", "area")


def read_graphml(path: Path, *, walk_only: bool) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, dict[str, Any]]:
    """Nodes and undirected edges of a GraphML file, in the graph's CRS.

    Returns
    -------
    nodes, edges, report
        ``nodes``: column ``osm_id`` (the GraphML node id). ``edges``: ``u``/``v`` positions,
        ``osm_id`` (``osmid``), ``highway``, ``name``; geometry from WKT ``geometry`` or a
        straight line between the nodes.
    """
    import networkx as nx

    try:
        graph = nx.read_graphml(path, force_multigraph=True)
    except Exception as exc:  # networkx/lxml raise many types for malformed XML
        raise InputDataError(f"{path}: cannot read as GraphML ({type(exc).__name__}: {exc}).") from exc
    if graph.number_of_edges() == 0:
        raise InputDataError(f"{path}: the graph has no edges; expected a road network.")
    crs_text = graph.graph.get("crs", "EPSG:4326")
    try:
        crs = pyproj.CRS.from_user_input(crs_text)
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(f"{path}: graph attribute crs={crs_text!r} is not a CRS ({exc}).") from exc
    ids = list(graph.nodes)
    attrs = pd.DataFrame.from_records([graph.nodes[n] for n in ids], index=pd.Index(ids))
    for col in ("x", "y"):
        values = pd.to_numeric(attrs[col], errors="coerce") if col in attrs else pd.Series(np.nan, attrs.index)
        if values.isna().any():
            bad = ", ".join(map(str, values.index[values.isna()][:5]))
            raise InputDataError(f"{path}: node attribute {col!r} is missing or not a number "
                                 f"on {int(values.isna().sum())} nodes (node {bad}).")
        attrs[col] = values
    xy = attrs[["x", "y"]].to_numpy(dtype=np.float64)
    if crs.is_geographic:
        check_lonlat(xy, what=str(path))
    position = {n: i for i, n in enumerate(ids)}
    rows = [(position[a], position[b], *(d.get(k) for k in EDGE_ATTRIBUTES))
            for a, b, d in graph.edges(data=True)]
    edges = pd.DataFrame.from_records(rows, columns=["u", "v", *EDGE_ATTRIBUTES])
    tags = pd.DataFrame({c: edges[c].map(_text) for c in TAG_COLUMNS[1:]})
    tags["highway"] = road_class(edges["highway"])
    keep, report = walk_filter(tags, walk_only=walk_only, what=str(path), unit="edges")
    edges = edges.loc[keep]
    u, v = edges["u"].to_numpy(np.int64), edges["v"].to_numpy(np.int64)
    geoms = shapely.linestrings(np.stack([xy[u], xy[v]], axis=1))
    wkt = edges["geometry"].map(_text).to_numpy(dtype=object)
    has = wkt != ""
    if has.any():
        parsed = shapely.from_wkt(np.where(has, wkt, np.array(None, dtype=object)), on_invalid="ignore")
        bad = has & (shapely.get_type_id(parsed) != 1)
        if bad.any():
            raise InputDataError(f"{path}: edge attribute 'geometry' is not a WKT LineString on "
                                 f"{int(bad.sum())} edges (first from node {ids[u[bad][0]]}).")
        geoms = np.where(has, parsed, geoms)
    geoms = pin_ends(geoms, xy[u], xy[v])
    dup = duplicate_mask(u, v, *geometry_signature(geoms, decimals=7 if crs.is_geographic else 2))
    report["reverse_duplicates_dropped"] = int(dup.sum())
    nodes = gpd.GeoDataFrame({"osm_id": np.array([str(n) for n in ids], dtype=object)},
                             geometry=shapely.points(xy), crs=crs)
    n = len(edges)
    out = gpd.GeoDataFrame(
        {"u": u, "v": v,
         "osm_id": text_values(edges["osmid"], n),
         "highway": tags["highway"].to_numpy()[keep],
         "name": text_values(edges["name"], n)},
        geometry=geoms, crs=crs,
    ).loc[~dup].reset_index(drop=True)
    report["segments"] = len(out)
    return nodes, out, report


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


__all__ = ["read_graphml"]
