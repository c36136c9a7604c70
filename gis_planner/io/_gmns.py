"""GMNS networks (``node.csv`` + ``link.csv``, as osm2gmns writes them) -> undirected walk edges.

osm2gmns writes GBK-encoded tables on Chinese systems; :func:`gis_planner.io.tables.read_table`
detects UTF-8, GBK and GB18030. Links are directed: a two-way road is two links, ``a -> b`` and
``b -> a`` of the same length; the graph here is undirected, so the second is dropped and counted.
Self-loop links (ring streets) and zero-length links between two nodes at one place are kept for
the network builder (:meth:`~gis_planner.network.graph.WalkNetwork.from_frames`), which splits
the first at their middle vertex and joins the nodes of the second.
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis_planner._errors import InputDataError
from gis_planner._validate import require_columns
from gis_planner.io._lines import check_lonlat, duplicate_mask, pin_ends, road_class, text_values
from gis_planner.io._open import read_zip_member
from gis_planner.io.tables import read_table
from gis_planner.io.walk_tags import TAG_COLUMNS, walk_filter

logger = logging.getLogger(__name__)

NODE_COLUMNS = ("node_id", "x_coord", "y_coord")
LINK_COLUMNS = ("link_id", "from_node_id", "to_node_id")
#: Link columns that may hold the road class, in order of preference.
CLASS_COLUMNS = ("link_type_name", "highway", "facility_type")


def is_gmns_path(path: Path) -> bool:
    """A folder, a ``.zip``, or a file named ``node.csv`` / ``link.csv``."""
    name = path.name.lower()
    return path.is_dir() or name.endswith(".zip") or name in ("node.csv", "link.csv")


def read_tables(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The node and link tables of a GMNS folder, zip, or either file, and a label for messages."""
    if path.name.lower().endswith(".zip"):
        try:
            with zipfile.ZipFile(path) as zf:
                members = {Path(n).name.lower(): n for n in zf.namelist() if not n.endswith("/")}
                missing = [m for m in ("node.csv", "link.csv") if m not in members]
                if missing:
                    raise InputDataError(
                        f"{path}: the zip holds no {' or '.join(missing)} (a GMNS network needs "
                        f"node.csv and link.csv; found {', '.join(sorted(members)) or 'nothing'})."
                    )
                # streamed, and refused beyond options.max_decompressed_bytes (zip bombs)
                node_raw = read_zip_member(zf, members["node.csv"], what=str(path))
                link_raw = read_zip_member(zf, members["link.csv"], what=str(path))
                nodes = read_table(node_raw, what=f"{path}:node.csv")
                links = read_table(link_raw, what=f"{path}:link.csv")
        except zipfile.BadZipFile as exc:
            raise InputDataError(f"{path}: not a valid zip file ({exc}).") from exc
        return nodes, links, str(path)
    folder = path if path.is_dir() else path.parent
    for f in ("node.csv", "link.csv"):
        if not (folder / f).is_file():
            raise InputDataError(f"{folder / f}: file not found (a GMNS network needs node.csv "
                                 "and link.csv side by side).")
    return read_table(folder / "node.csv"), read_table(folder / "link.csv"), str(folder)


def read_gmns(path: Path, *, walk_only: bool) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, dict[str, Any]]:
    """Nodes and undirected edges (EPSG:4326) of a GMNS network.

    Returns
    -------
    nodes, edges, report
        ``nodes``: every node of ``node.csv``, column ``osm_id`` (from ``osm_node_id``, else
        ``node_id``). ``edges``: ``u``/``v`` positions in ``nodes``, ``osm_id`` (``osm_way_id``),
        ``link_id``, ``highway`` (from ``link_type_name``), ``name``; geometry from the WKT
        column ``geometry``, else a straight line, oriented from ``u`` to ``v``.
    """
    nodes, links, what = read_tables(path)
    require_columns(nodes, NODE_COLUMNS, what=f"{what} node.csv")
    require_columns(links, LINK_COLUMNS, what=f"{what} link.csv")
    node_id = nodes["node_id"].astype(str).str.strip()
    dup_nodes = node_id.duplicated()
    if dup_nodes.any():
        raise InputDataError(f"{what} node.csv: {int(dup_nodes.sum())} repeated node_id values "
                             f"({', '.join(node_id[dup_nodes].head(5))}); node ids must be unique.")
    xy = nodes[["x_coord", "y_coord"]].apply(pd.to_numeric, errors="coerce").to_numpy()
    bad_xy = np.isnan(xy).any(axis=1)
    if bad_xy.any():
        raise InputDataError(f"{what} node.csv: x_coord/y_coord are not numbers in {int(bad_xy.sum())} "
                             f"rows (node_id {', '.join(node_id[bad_xy].head(5))}).")
    check_lonlat(xy, what=f"{what} node.csv")
    position = pd.Series(np.arange(len(node_id)), index=pd.Index(node_id))
    u = position.reindex(links["from_node_id"].astype(str).str.strip()).to_numpy()
    v = position.reindex(links["to_node_id"].astype(str).str.strip()).to_numpy()
    unknown = np.isnan(u) | np.isnan(v)
    if unknown.any():
        ids = ", ".join(links.loc[unknown, "link_id"].astype(str).head(5))
        raise InputDataError(f"{what} link.csv: {int(unknown.sum())} links name node ids missing "
                             f"from node.csv (link_id {ids}); every from_node_id/to_node_id must "
                             "be a node_id of node.csv.")
    class_col = next((c for c in CLASS_COLUMNS if c in links.columns), None)
    tags = pd.DataFrame({c: links[c] for c in TAG_COLUMNS[1:] if c in links.columns}, index=links.index)
    tags["highway"] = road_class(links[class_col]) if class_col else "road"
    keep, report = walk_filter(tags, walk_only=walk_only, what=what, unit="links")
    links = links.loc[keep]
    u, v = u[keep].astype(np.int64), v[keep].astype(np.int64)
    start_xy, end_xy = xy[u], xy[v]
    geoms = shapely.linestrings(np.stack([start_xy, end_xy], axis=1))
    if "geometry" in links.columns:
        wkt = links["geometry"].fillna("").astype(str).str.strip().to_numpy(dtype=object)
        has = wkt != ""
        parsed = shapely.from_wkt(np.where(has, wkt, np.array(None, dtype=object)), on_invalid="ignore")
        not_line = has & (shapely.get_type_id(parsed) != 1)
        if not_line.any():
            ids = ", ".join(links.loc[not_line, "link_id"].astype(str).head(5))
            raise InputDataError(f"{what} link.csv: column 'geometry' is not a WKT LineString in "
                                 f"{int(not_line.sum())} links (link_id {ids}).")
        geoms = np.where(has, parsed, geoms)
        check_lonlat(shapely.get_coordinates(geoms), what=f"{what} link.csv geometry")
    geoms = pin_ends(geoms, start_xy, end_xy)
    length = (pd.to_numeric(links["length"], errors="coerce").round(2).to_numpy()
              if "length" in links.columns else np.round(shapely.length(geoms), 9))
    dup = duplicate_mask(u, v, length)
    report["reverse_duplicates_dropped"] = int(dup.sum())
    logger.info("%s: %d reverse or repeated links dropped (two-way roads are two GMNS links)",
                what, int(dup.sum()))
    osm_node = nodes["osm_node_id"] if "osm_node_id" in nodes.columns else None
    node_osm = text_values(osm_node, len(nodes))
    node_osm = np.where(node_osm == "", node_id.to_numpy(dtype=object), node_osm)
    node_frame = gpd.GeoDataFrame({"osm_id": node_osm}, geometry=shapely.points(xy), crs=4326)
    n = len(links)
    edges = gpd.GeoDataFrame(
        {"u": u, "v": v,
         "osm_id": text_values(links["osm_way_id"] if "osm_way_id" in links.columns else None, n),
         "link_id": links["link_id"].astype(str).to_numpy(dtype=object),
         "highway": tags["highway"].to_numpy()[keep],
         "name": text_values(links["name"] if "name" in links.columns else None, n)},
        geometry=geoms, crs=4326,
    ).loc[~dup].reset_index(drop=True)
    report["segments"] = len(edges)
    return node_frame, edges, report


__all__ = ["is_gmns_path", "read_gmns", "read_tables"]
