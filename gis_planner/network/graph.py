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
        uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
        inverse = inverse.ravel()
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
        offsets and edge lengths agree.
        """
        require_metric_crs(edges, what=f"network edges {source}".strip())
        report: dict[str, Any] = dict(build_report or {})
        edges = edges.copy()
        edges["length_m"] = shapely.length(edges.geometry.to_numpy())
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
            sizes = np.bincount(labels[used], minlength=n_comp)
            keep_label = int(np.argmax(sizes))
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
        return tuple(self.edges.to_crs(4326).total_bounds)  # type: ignore[return-value]


def _text_column(df: pd.DataFrame, col: str) -> np.ndarray:
    """Column as an object array of strings ('' where missing or absent)."""
    if col not in df.columns:
        return np.full(len(df), "", dtype=object)
    s = df[col]
    return np.asarray(
        [("" if (x is None or (isinstance(x, float) and np.isnan(x))) else str(x)) for x in s],
        dtype=object,
    )
