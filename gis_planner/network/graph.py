"""The walk network: one undirected graph held as two GeoDataFrames plus a CSR matrix built once.

Why not a networkx graph? The hot paths (snapping, shortest paths, service areas) run on
``scipy.sparse.csgraph`` (compiled Dijkstra over a CSR matrix) and on shapely's vectorised
geometry functions; both want contiguous integer node ids and arrays of edges, which this class
keeps. :meth:`WalkNetwork.to_networkx` gives a networkx view for oracle tests and notebooks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

from gis_planner._errors import InputDataError
from gis_planner._validate import require_metric_crs

if TYPE_CHECKING:
    import networkx as nx
    from pyproj import CRS

logger = logging.getLogger(__name__)

#: Coordinates of line end points are rounded to this many decimals (metres) to join them.
ENDPOINT_DECIMALS = 2
#: Components left out of the network are listed one by one (``dropped_components``) from this
#: street length up (metres; our own reading: about one block, so that lone slivers stay a count).
REPORT_COMPONENT_MIN_LENGTH_M = 100.0


@dataclass(frozen=True)
class WalkNetwork:
    """An undirected walk network in a projected metric CRS.

    Attributes
    ----------
    nodes
        GeoDataFrame indexed ``0..n-1`` (index name ``node``) with Point geometries and an
        optional ``osm_id`` column (string).
    edges
        GeoDataFrame indexed ``0..m-1`` (index name ``edge``) with columns ``u`` and ``v`` (node
        positions; the LineString runs from ``u`` to ``v``), ``length_m`` (metres, the geometric
        length in the network CRS), ``highway`` and ``name`` (strings, may be empty).
    source
        Where the network came from (file name or place), for reports.
    build_report
        What the builder did, for reports and audits: CRS chosen, edges filtered by tag, nodes and
        edges dropped outside the largest connected component, and so on.
    """

    nodes: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    source: str = ""
    build_report: dict[str, Any] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        require_metric_crs(self.edges, what=f"network {self.source or ''}".strip())
        if len(self.edges) == 0:
            raise InputDataError(f"network {self.source}: no edges; expected at least one road.")

    # ------------------------------------------------------------------ basic facts
    @property
    def crs(self) -> CRS:
        """The projected metric CRS of nodes and edges."""
        return self.edges.crs

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return len(self.edges)

    @property
    def dropped_components(self) -> pd.DataFrame:
        """Street networks left out because they do not connect to the kept one (only those of
        ``REPORT_COMPONENT_MIN_LENGTH_M`` or more), longest first: ``nodes``, ``edges``,
        ``length_m`` and ``x``/``y`` (a point on it, in the network CRS). Empty when none."""
        rows = self.build_report.get("dropped_components", [])
        return pd.DataFrame(rows, columns=["nodes", "edges", "length_m", "x", "y"])

    @property
    def total_length_m(self) -> float:
        """Total edge length in metres."""
        return float(self.edges["length_m"].sum())

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return (
            f"WalkNetwork({self.n_nodes} nodes, {self.n_edges} edges, "
            f"{self.total_length_m / 1000:.1f} km, crs={self.crs.to_string()}, source={self.source!r})"
        )

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_lines(
        cls,
        lines: gpd.GeoDataFrame,
        *,
        source: str = "",
        build_report: dict[str, Any] | None = None,
        keep_largest_component: bool = True,
    ) -> WalkNetwork:
        """Build a network from LineStrings that already meet at their end points.

        Lines whose end points coincide (to 1 cm) share a node; a line's interior vertices are
        geometry only. Split lines at intersections first (``gis_planner.io`` readers do this where
        the format needs it). Zero-length lines and self-loops are dropped and counted.

        Parameters
        ----------
        lines
            LineStrings in a projected metric CRS; optional columns ``highway``, ``name``,
            ``osm_id`` (of the way) are carried over.
        keep_largest_component
            Keep only the largest connected component (recommended: points snapped to a small
            island would otherwise reach nothing). What is dropped is counted in ``build_report``.
        """
        require_metric_crs(lines, what=f"road lines {source}".strip())
        report: dict[str, Any] = dict(build_report or {})
        geoms = lines.geometry.to_numpy()
        ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        ok &= shapely.get_type_id(geoms) == 1  # LineString
        if not ok.all():
            raise InputDataError(
                f"road lines {source}: {int((~ok).sum())} geometries are not LineStrings "
                "(explode MultiLineStrings first)."
            )
        length = shapely.length(geoms)
        start = shapely.get_coordinates(shapely.get_point(geoms, 0))
        end = shapely.get_coordinates(shapely.get_point(geoms, -1))
        keys = np.round(np.vstack([start, end]), ENDPOINT_DECIMALS)
        uniq, inverse = _unique_points(keys)
        u = inverse[: len(geoms)]
        v = inverse[len(geoms) :]
        good = (length > 0) & (u != v)
        report["dropped_zero_length_or_loops"] = int((~good).sum())
        edges = pd.DataFrame(
            {
                "u": u[good].astype(np.int64),
                "v": v[good].astype(np.int64),
                "length_m": length[good],
                "highway": _text_column(lines, "highway")[good],
                "name": _text_column(lines, "name")[good],
            }
        )
        if "osm_id" in lines.columns:
            edges["osm_id"] = lines["osm_id"].astype("string").to_numpy()[good]
        edges = gpd.GeoDataFrame(edges, geometry=geoms[good], crs=lines.crs)
        nodes = gpd.GeoDataFrame(
            geometry=shapely.points(uniq), crs=lines.crs, index=pd.RangeIndex(len(uniq), name="node")
        )
        return cls._finish(nodes, edges, source, report, keep_largest_component)

    @classmethod
    def from_frames(
        cls,
        nodes: gpd.GeoDataFrame,
        edges: gpd.GeoDataFrame,
        *,
        source: str = "",
        build_report: dict[str, Any] | None = None,
        keep_largest_component: bool = True,
    ) -> WalkNetwork:
        """Build from node and edge frames whose ``u``/``v`` are node *positions* (0..n-1).

        Edges need a LineString geometry running from ``u`` to ``v`` (add straight lines first
        where the source has none); ``length_m`` is recomputed from the geometry so that snapping
        offsets and edge lengths agree. A zero-length edge between two distinct nodes joins them
        into one node (two ids for one place must not split the network); a loop (an edge from a
        node back to itself, such as a ring street meeting the rest at one node) is split at its
        middle vertex into two edges, as the OSM reader splits closed ways. Both are counted in
        ``build_report`` (``zero_length_edges_joined``, ``loops_split``).
        """
        require_metric_crs(edges, what=f"network edges {source}".strip())
        report: dict[str, Any] = dict(build_report or {})
        edges = edges.copy()
        edges["length_m"] = shapely.length(edges.geometry.to_numpy())
        nodes, edges = _join_zero_length_edges(nodes, edges, report)
        nodes, edges = _split_loops(nodes, edges, report)
        good = (edges["length_m"].to_numpy() > 0) & (edges["u"].to_numpy() != edges["v"].to_numpy())
        report["dropped_zero_length_or_loops"] = int((~good).sum())
        edges = edges.loc[good]
        for col in ("highway", "name"):
            edges[col] = _text_column(edges, col)
        nodes = nodes.copy()
        nodes.index = pd.RangeIndex(len(nodes), name="node")
        return cls._finish(nodes, edges, source, report, keep_largest_component)

    @classmethod
    def _finish(
        cls,
        nodes: gpd.GeoDataFrame,
        edges: gpd.GeoDataFrame,
        source: str,
        report: dict[str, Any],
        keep_largest_component: bool,
    ) -> WalkNetwork:
        if len(edges) == 0:
            raise InputDataError(f"network {source}: no walkable edges left after cleaning.")
        n = len(nodes)
        adj = sp.coo_matrix(
            (np.ones(len(edges)), (edges["u"].to_numpy(), edges["v"].to_numpy())), shape=(n, n)
        )
        n_comp, labels = connected_components(adj, directed=False)
        used = np.zeros(n, dtype=bool)
        used[edges["u"].to_numpy()] = True
        used[edges["v"].to_numpy()] = True
        report["components"] = int(n_comp - (~used).sum())
        if keep_largest_component and n_comp > 1:
            keep_label = _largest_by_length(edges, labels, n_comp, report)
            keep_node = labels == keep_label
            keep_edge = keep_node[edges["u"].to_numpy()]
            report["dropped_nodes_outside_largest_component"] = int((used & ~keep_node).sum())
            report["dropped_edges_outside_largest_component"] = int((~keep_edge).sum())
            report["dropped_length_m_outside_largest_component"] = float(
                edges["length_m"].to_numpy()[~keep_edge].sum()
            )
            edges = edges.loc[keep_edge]
            used = keep_node
        # renumber nodes 0..k-1 over the nodes that edges use
        old_ids = np.flatnonzero(used)
        remap = np.full(n, -1, dtype=np.int64)
        remap[old_ids] = np.arange(len(old_ids))
        nodes = nodes.iloc[old_ids].copy()
        nodes.index = pd.RangeIndex(len(nodes), name="node")
        edges = edges.copy()
        edges["u"] = remap[edges["u"].to_numpy()]
        edges["v"] = remap[edges["v"].to_numpy()]
        edges.index = pd.RangeIndex(len(edges), name="edge")
        report.setdefault("crs", edges.crs.to_string())
        report["nodes"] = len(nodes)
        report["edges"] = len(edges)
        report["total_length_m"] = float(edges["length_m"].sum())
        logger.info(
            "network %s: %d nodes, %d edges, %.1f km in %s",
            source, len(nodes), len(edges), report["total_length_m"] / 1000, report["crs"],
        )
        return cls(nodes=nodes, edges=edges, source=source, build_report=report)

    # ------------------------------------------------------------------ derived structures
    def csr(self) -> sp.csr_matrix:
        """Symmetric CSR adjacency matrix of edge lengths in metres (built once, then cached).

        Parallel edges keep the shortest length. Used by ``scipy.sparse.csgraph.dijkstra``.
        """
        if "csr" not in self._cache:
            e = self.edges
            u = e["u"].to_numpy()
            v = e["v"].to_numpy()
            w = e["length_m"].to_numpy(dtype=np.float64)
            # sort so that, for duplicate (i, j), the shortest comes last and wins in the dict below
            rows = np.concatenate([u, v])
            cols = np.concatenate([v, u])
            wts = np.concatenate([w, w])
            order = np.lexsort((-wts, cols, rows))
            rows, cols, wts = rows[order], cols[order], wts[order]
            last = np.ones(len(rows), dtype=bool)
            last[:-1] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
            m = sp.csr_matrix(
                (wts[last], (rows[last], cols[last])), shape=(self.n_nodes, self.n_nodes)
            )
            m.sort_indices()
            self._cache["csr"] = m
        return self._cache["csr"]

    def to_networkx(self) -> nx.MultiGraph:
        """An undirected networkx MultiGraph with ``length_m`` on every edge (for oracles, notebooks)."""
        import networkx as nx

        g = nx.MultiGraph()
        xy = shapely.get_coordinates(self.nodes.geometry.to_numpy())
        g.add_nodes_from((i, {"x": float(x), "y": float(y)}) for i, (x, y) in enumerate(xy))
        e = self.edges
        g.add_edges_from(
            (int(a), int(b), int(k), {"length_m": float(w)})
            for k, (a, b, w) in enumerate(zip(e["u"], e["v"], e["length_m"], strict=True))
        )
        return g

    def lonlat_bounds(self) -> tuple[float, float, float, float]:
        """Bounds (min lon, min lat, max lon, max lat) in WGS-84 degrees."""
        return tuple(self.edges.to_crs(4326).total_bounds)


def _join_zero_length_edges(nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame,
                            report: dict[str, Any]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Join the two ends of every zero-length edge between distinct nodes into one node (the
    lowest position of each group) and drop those edges; ``report["zero_length_edges_joined"]``."""
    u, v = edges["u"].to_numpy(), edges["v"].to_numpy()
    zero = (edges["length_m"].to_numpy() == 0) & (u != v)
    report["zero_length_edges_joined"] = int(zero.sum())
    if not zero.any():
        return nodes, edges
    n = len(nodes)
    adj = sp.coo_matrix((np.ones(int(zero.sum())), (u[zero], v[zero])), shape=(n, n))
    _, labels = connected_components(adj, directed=False)
    first = np.full(labels.max() + 1, n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n))
    target = first[labels]
    edges = edges.loc[~zero].copy()
    edges["u"] = target[edges["u"].to_numpy()]
    edges["v"] = target[edges["v"].to_numpy()]
    logger.info("%d zero-length edges joined the nodes at their two ends", int(zero.sum()))
    return nodes, edges


def _split_loops(nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame,
                 report: dict[str, Any]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Split every loop (``u == v``, positive length, three vertices or more) at its middle
    vertex, which becomes a new node (empty ``osm_id``); ``report["loops_split"]``."""
    geoms = edges.geometry.to_numpy()
    loop = ((edges["u"].to_numpy() == edges["v"].to_numpy())
            & (edges["length_m"].to_numpy() > 0) & (shapely.get_num_coordinates(geoms) >= 3))
    report["loops_split"] = int(loop.sum())
    if not loop.any():
        return nodes, edges
    rows = np.flatnonzero(loop)
    n = len(nodes)
    halves: list[shapely.Geometry] = []
    mids: list[shapely.Geometry] = []
    for i in rows:
        xy = shapely.get_coordinates(geoms[i])
        mid = (len(xy) - 1) // 2
        halves += [shapely.LineString(xy[: mid + 1]), shapely.LineString(xy[mid:])]
        mids.append(shapely.Point(xy[mid]))
    new_nodes = gpd.GeoDataFrame(geometry=mids, crs=nodes.crs)
    for col in nodes.columns.drop(nodes.geometry.name):
        new_nodes[col] = ""
    nodes = pd.concat([nodes, new_nodes], ignore_index=True)
    pieces = edges.iloc[np.repeat(rows, 2)].copy()
    new_ids = n + np.arange(len(rows))
    pieces["v"] = np.where(np.arange(len(pieces)) % 2 == 0, np.repeat(new_ids, 2), pieces["v"])
    pieces["u"] = np.where(np.arange(len(pieces)) % 2 == 1, np.repeat(new_ids, 2), pieces["u"])
    pieces = pieces.set_geometry(np.asarray(halves, dtype=object), crs=edges.crs)
    pieces["length_m"] = shapely.length(pieces.geometry.to_numpy())
    edges = pd.concat([edges.loc[~loop], pieces], ignore_index=True)
    logger.info("%d loops (ring streets meeting the rest at one node) split in two", len(rows))
    return nodes, edges


def _largest_by_length(edges: gpd.GeoDataFrame, labels: np.ndarray, n_comp: int,
                       report: dict[str, Any]) -> int:
    """The label of the component with the greatest street length; the others from
    ``REPORT_COMPONENT_MIN_LENGTH_M`` up are listed in ``report["dropped_components"]``."""
    comp = labels[edges["u"].to_numpy()]
    length = np.bincount(comp, weights=edges["length_m"].to_numpy(dtype=np.float64),
                         minlength=n_comp)
    keep = int(np.argmax(length))
    n_edges = np.bincount(comp, minlength=n_comp)
    n_nodes = np.bincount(labels, minlength=n_comp)
    big = np.flatnonzero((length >= REPORT_COMPONENT_MIN_LENGTH_M) & (np.arange(n_comp) != keep))
    big = big[np.argsort(-length[big], kind="stable")]
    first_edge = [int(np.flatnonzero(comp == c)[0]) for c in big]
    starts = shapely.get_coordinates(shapely.get_point(edges.geometry.to_numpy()[first_edge], 0))
    report["dropped_components"] = [
        {"nodes": int(n_nodes[c]), "edges": int(n_edges[c]), "length_m": round(float(length[c]), 1),
         "x": float(x), "y": float(y)}
        for c, (x, y) in zip(big, starts.reshape(-1, 2), strict=True)
    ]
    if len(big):
        logger.warning("network: %d separate street networks of %g m or more are left out "
                       "(largest %.0f m, %d edges); only the longest, %.0f m, is kept",
                       len(big), REPORT_COMPONENT_MIN_LENGTH_M, length[big[0]],
                       n_edges[big[0]], length[keep])
    return keep


def _unique_points(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of an (n, 2) coordinate array, sorted by (x, y), and each row's position
    among them: the same as ``np.unique(xy, axis=0, return_inverse=True)``, about 3x faster
    (one ``lexsort`` of the two columns instead of a sort of row records)."""
    if len(xy) == 0:
        return xy.reshape(0, 2), np.zeros(0, dtype=np.int64)
    order = np.lexsort((xy[:, 1], xy[:, 0]))
    ordered = xy[order]
    new = np.ones(len(ordered), dtype=bool)
    new[1:] = (ordered[1:, 0] != ordered[:-1, 0]) | (ordered[1:, 1] != ordered[:-1, 1])
    inverse = np.empty(len(xy), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], inverse


def _text_column(df: pd.DataFrame, col: str) -> np.ndarray:
    """Column as an object array of strings ('' where missing or absent)."""
    if col not in df.columns:
        return np.full(len(df), "", dtype=object)
    s = df[col]
    return np.asarray(
        [("" if (x is None or (isinstance(x, float) and np.isnan(x))) else str(x)) for x in s],
        dtype=object,
    )
