"""Candidate sites: from a user layer, from network nodes inside allowed land use, or from
clusters of under-served households. Every frame returned has the canonical candidates schema
(index ``candidate_id`` as strings; ``name``, ``kind``; Point geometry) and records its source
in ``kind`` (``layer``, ``landuse_node``, ``cluster``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis_planner._errors import InputDataError
from gis_planner._validate import require_columns, require_metric_crs, require_same_crs

if TYPE_CHECKING:
    from gis_planner.network.graph import WalkNetwork

logger = logging.getLogger(__name__)


def candidates_from_layer(
    layer: gpd.GeoDataFrame,
    *,
    name_col: str | None = "name",
    kind: str = "layer",
    what: str = "candidates",
) -> gpd.GeoDataFrame:
    """Candidates from a user layer (vacant parcels, public buildings).

    Polygons become their representative point (a point guaranteed inside the polygon); the
    number converted is logged.

    Parameters
    ----------
    layer
        Points or (Multi)Polygons in a projected metric CRS; its index becomes ``candidate_id``.
    name_col
        Column holding the display name (empty names when absent).
    kind
        Value of the ``kind`` column (the candidate source).

    Raises
    ------
    InputDataError, CRSError
        Empty layer, unsupported geometries, geographic CRS.
    """
    require_metric_crs(layer, what=what)
    if len(layer) == 0:
        raise InputDataError(f"{what} is empty; expected at least one candidate site.")
    geom = layer.geometry.to_numpy()
    types = shapely.get_type_id(geom)
    ok = np.isin(types, [0, 3, 6]) & ~shapely.is_empty(geom)
    if not ok.all():
        raise InputDataError(
            f"{what}: {int((~ok).sum())} geometries are neither points nor polygons "
            f"(index {', '.join(map(str, layer.index[~ok][:5]))}); expected Point or Polygon."
        )
    poly = types != 0
    if poly.any():
        geom = geom.copy()
        geom[poly] = shapely.point_on_surface(geom[poly])
        logger.info("%s: %d polygons replaced by a point inside each", what, int(poly.sum()))
    names = (
        layer[name_col].astype("string").fillna("").to_numpy()
        if name_col and name_col in layer.columns
        else np.full(len(layer), "", dtype=object)
    )
    out = gpd.GeoDataFrame(
        {"name": names, "kind": kind},
        geometry=geom,
        crs=layer.crs,
        index=pd.Index(layer.index.astype(str), name="candidate_id"),
    )
    keep = [c for c in layer.columns if c not in ("name", "kind", layer.geometry.name)]
    for c in keep:
        out[c] = layer[c].to_numpy()
    if out.index.duplicated().any():
        raise InputDataError(f"{what}: duplicate ids in the index; candidate ids must be unique.")
    return out


def candidates_from_landuse(
    network: WalkNetwork,
    landuse: gpd.GeoDataFrame,
    *,
    landuse_col: str,
    allowed: Iterable[str],
    min_spacing_m: float = 0.0,
) -> gpd.GeoDataFrame:
    """Network nodes inside land-use polygons whose ``landuse_col`` value is in ``allowed``.

    Parameters
    ----------
    network
        The walk network; its nodes are the possible sites.
    landuse
        Land-use polygons in the network CRS.
    landuse_col
        Column with the land-use class (e.g. ``"A"`` public service, ``"R"`` residential).
    allowed
        Classes where a facility may go.
    min_spacing_m
        Thin nodes so that no two candidates are closer than this (metres, greedy in node
        order; 0 keeps all).

    Raises
    ------
    InputDataError
        Missing column, or no node inside an allowed polygon.
    """
    require_columns(landuse, [landuse_col], what="land-use layer")
    require_same_crs(network.nodes, landuse, what_a="network", what_b="land-use layer")
    allowed = {str(a) for a in allowed}
    zones = landuse[landuse[landuse_col].astype(str).isin(allowed)]
    if zones.empty:
        raise InputDataError(
            f"land-use layer: no polygon has {landuse_col!r} in {sorted(allowed)}; "
            f"found {sorted(landuse[landuse_col].astype(str).unique())[:10]}."
        )
    nodes = network.nodes[["geometry"]]
    hit = gpd.sjoin(
        nodes, zones[[landuse_col, zones.geometry.name]], predicate="within", how="inner"
    )
    hit = hit[~hit.index.duplicated()]
    if hit.empty:
        raise InputDataError("land-use layer: no network node lies inside an allowed polygon.")
    pts = hit.geometry.to_numpy()
    ids = hit.index.to_numpy()
    if min_spacing_m > 0:
        keep: list[int] = []
        tree_pts: list[shapely.Point] = []
        for k, pt in enumerate(pts):
            if not tree_pts or shapely.distance(pt, np.asarray(tree_pts)).min() >= min_spacing_m:
                keep.append(k)
                tree_pts.append(pt)
        pts, ids = pts[keep], ids[keep]
        hit = hit.iloc[keep]
    logger.info("land-use candidates: %d network nodes in allowed polygons", len(ids))
    return gpd.GeoDataFrame(
        {
            "name": [f"node {i}" for i in ids],
            "kind": "landuse_node",
            "landuse": hit[landuse_col].astype(str).to_numpy(),
            "node": ids,
        },
        geometry=pts,
        crs=network.crs,
        index=pd.Index([f"node_{i}" for i in ids], name="candidate_id"),
    )


def candidates_from_underserved(
    demand: gpd.GeoDataFrame,
    *,
    uncovered: pd.Series | np.ndarray,
    weight_col: str = "households",
    n_clusters: int,
    method: Literal["kmeans", "agglomerative"] = "kmeans",
    network: WalkNetwork | None = None,
    random_state: int = 0,
) -> gpd.GeoDataFrame:
    """Candidates at the weighted centres of clusters of under-served demand points.

    Parameters
    ----------
    demand
        Demand points (e.g. compounds) in a metric CRS with ``weight_col``.
    uncovered
        Boolean per demand row: True where the facility category is out of reach today.
    n_clusters
        Number of candidate sites to generate (at most the number of uncovered points).
    method
        scikit-learn ``KMeans`` (weighted by ``weight_col``) or ``AgglomerativeClustering``
        (Ward linkage; the cluster centre is the weighted mean).
    network
        When given, each centre moves to the nearest network node (so it sits on a street).
    random_state
        Seed of KMeans, for reproducible candidates.

    Raises
    ------
    InputDataError
        No uncovered demand, or fewer uncovered points than ``n_clusters``.
    """
    from sklearn.cluster import AgglomerativeClustering, KMeans

    require_metric_crs(demand, what="demand")
    require_columns(demand, [weight_col], what="demand")
    mask = np.asarray(uncovered, dtype=bool)
    if len(mask) != len(demand):
        raise InputDataError(f"uncovered: {len(mask)} values for {len(demand)} demand rows.")
    sub = demand[mask]
    w = pd.to_numeric(sub[weight_col]).to_numpy(dtype=float)
    pos = w > 0
    sub, w = sub[pos], w[pos]
    if len(sub) == 0:
        raise InputDataError("no under-served demand with weight > 0; nothing to cluster.")
    k = min(int(n_clusters), len(sub))
    if k < 1:
        raise InputDataError(f"n_clusters must be >= 1; found {n_clusters}.")
    xy = shapely.get_coordinates(sub.geometry.centroid.to_numpy())
    if method == "kmeans":
        labels = (
            KMeans(n_clusters=k, n_init=10, random_state=random_state)
            .fit(xy, sample_weight=w)
            .labels_
        )
    elif method == "agglomerative":
        labels = AgglomerativeClustering(n_clusters=k).fit(xy).labels_
    else:
        raise InputDataError(f"method {method!r} is unknown; expected 'kmeans' or 'agglomerative'.")
    centres = np.zeros((k, 2))
    weight = np.zeros(k)
    for c in range(k):
        sel = labels == c
        weight[c] = w[sel].sum()
        centres[c] = (xy[sel] * w[sel, None]).sum(axis=0) / weight[c]
    pts = shapely.points(centres)
    node = np.full(k, -1)
    if network is not None:
        require_same_crs(demand, network.nodes, what_a="demand", what_b="network")
        tree = shapely.STRtree(network.nodes.geometry.to_numpy())
        node = tree.nearest(pts)
        pts = network.nodes.geometry.to_numpy()[node]
    order = np.argsort(-weight, kind="stable")
    return gpd.GeoDataFrame(
        {
            "name": [f"cluster {i + 1}" for i in range(k)],
            "kind": "cluster",
            "cluster_weight": weight[order],
            "node": node[order],
        },
        geometry=pts[order],
        crs=demand.crs,
        index=pd.Index([f"cluster_{i + 1}" for i in range(k)], name="candidate_id"),
    )
