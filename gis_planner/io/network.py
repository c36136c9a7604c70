"""Read a walkable road network from OSM (PBF/XML), GraphML, road centre-lines or GMNS.

Every reader ends in :class:`~gis_planner.network.graph.WalkNetwork`: undirected, in a metric
CRS chosen automatically (UTM, or CGCS2000 3-degree Gauss-Krüger when asked), edges from junction
to junction, the largest connected component kept, and what was dropped recorded in
``build_report``. The format readers live in ``_osm``, ``_graphml``, ``_lines`` and ``_gmns``;
the walk rules in :mod:`gis_planner.io.walk_rules` (table) and :mod:`gis_planner.io.walk_tags`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import geopandas as gpd
import pyproj
import shapely

from gis_planner._errors import InputDataError, OfflineError
from gis_planner.io._gmns import is_gmns_path, read_gmns
from gis_planner.io._graphml import read_graphml
from gis_planner.io._lines import read_lines
from gis_planner.io._open import check_input_path
from gis_planner.io._osm import read_osm
from gis_planner.io.crs import MetricSystem, resolve_metric_crs
from gis_planner.network.graph import WalkNetwork
from gis_planner.settings import options

logger = logging.getLogger(__name__)

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz", ".xml")
LINE_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".fgb")
SUPPORTED = (*OSM_SUFFIXES, ".graphml", *LINE_SUFFIXES, ".zip (GMNS)", "a folder or node.csv / link.csv (GMNS)")

MetricCRS = pyproj.CRS | int | str | MetricSystem | None


def read_network(
    path: str | os.PathLike[str],
    *,
    metric_crs: MetricCRS = None,
    keep_largest_component: bool = True,
    walk_only: bool = True,
    node_intersections: bool | None = None,
    noded: bool | None = None,
    layer: str | None = None,
) -> WalkNetwork:
    """Read a walk network from a file, by its type.

    Parameters
    ----------
    path
        An OSM file (``.osm.pbf``, ``.pbf``, ``.osm``, ``.osm.bz2``, ``.xml``), a GraphML file
        (``.graphml``), road centre-lines (``.gpkg``, ``.shp``, ``.geojson``, ``.json``,
        ``.fgb``), or a GMNS network (a folder or ``.zip`` holding ``node.csv`` and ``link.csv``,
        or the path of either file).
    metric_crs
        None or ``"utm"``: the UTM zone of the data's centre; ``"cgcs2000_3deg"``: the CGCS2000
        3-degree Gauss-Krüger zone; or an EPSG code / string / pyproj CRS (projected, metres).
    keep_largest_component
        Keep only the largest connected component (what is dropped is reported).
    walk_only
        Apply the walk rules (``gis_planner/io/data/walk_highways.csv``); False keeps every road.
    node_intersections
        Centre-lines only: split lines where they cross or touch (default True). Pass False when
        the lines already meet at their end points at every junction; bridges and tunnels then
        cross other roads without a junction.
    noded
        Centre-lines only: True says the lines already meet at their ends at every junction, so
        they are not split where they cross and an overpass stays an overpass (the same as
        ``node_intersections=False``; command line ``--noded``, plan file ``noded = true``).
        Other formats carry their junctions already and ignore it.
    layer
        Layer of a multi-layer file (GeoPackage).

    Returns
    -------
    WalkNetwork
        Undirected, junction-to-junction edges with ``length_m`` (metres) in the metric CRS;
        ``osm_id`` on nodes and edges where the source has ids; ``build_report`` with the CRS,
        ways/links read and excluded by reason, duplicates and islands dropped.

    Raises
    ------
    InputDataError
        Missing file, unsupported type, no roads or no walkable roads, malformed tables;
        ``noded`` and ``node_intersections`` that contradict each other.
    CRSError
        A centre-line file without a CRS, coordinates that are not valid lon/lat, or a
        ``metric_crs`` that is not projected.
    """
    if noded is not None and node_intersections is not None and bool(noded) == bool(node_intersections):
        raise InputDataError(f"{path}: noded={noded} and node_intersections={node_intersections} "
                             "contradict each other; pass one of them.")
    if noded is not None:
        node_intersections = not noded
    p = check_input_path(path)  # URLs, /vsi…/ paths and connection strings are refused
    name = p.name.lower()
    if not p.exists():
        raise InputDataError(f"{p}: file not found.")
    readers = {"gmns": read_gmns, "osm": read_osm, "graphml": read_graphml}
    if is_gmns_path(p):
        kind = "gmns"
    elif name.endswith(OSM_SUFFIXES):
        kind = "osm"
    elif name.endswith(".graphml"):
        kind = "graphml"
    elif name.endswith(LINE_SUFFIXES):
        kind = "lines"
    else:
        raise InputDataError(
            f"{p}: unsupported network format {p.suffix!r}; expected one of {', '.join(SUPPORTED)}."
        )
    source = p.name + (f" [layer={layer}]" if layer else "")
    if kind == "lines":
        node = True if node_intersections is None else bool(node_intersections)
        lines, report = read_lines(p, walk_only=walk_only, layer=layer, node=node)
        crs = _metric(lines, metric_crs, what=str(p), report=report)
        return WalkNetwork.from_lines(lines.to_crs(crs), source=source, build_report=report,
                                      keep_largest_component=keep_largest_component)
    nodes, edges, report = readers[kind](p, walk_only=walk_only)
    crs = _metric(edges, metric_crs, what=str(p), report=report)
    return WalkNetwork.from_frames(nodes.to_crs(crs), edges.to_crs(crs), source=source,
                                   build_report=report, keep_largest_component=keep_largest_component)


def _metric(frame: gpd.GeoDataFrame, metric_crs: MetricCRS, *, what: str,
            report: dict[str, Any]) -> pyproj.CRS:
    """Resolve ``metric_crs`` for the data's lon/lat bounds; log it and put it in ``report``."""
    bounds = tuple(frame.to_crs(4326).total_bounds) if frame.crs and not frame.crs.equals(4326) \
        else tuple(frame.total_bounds)
    crs = resolve_metric_crs(bounds, metric_crs, what=what)
    logger.info("%s: network in %s (%s)", what, crs.to_string(), crs.name)
    report["crs"] = crs.to_string()
    report["crs_name"] = crs.name
    return crs


# ---------------------------------------------------------------------------------- online
#: Hosts that osmnx asks: Overpass for the roads, Nominatim to turn a place name into a polygon.
NOMINATIM_HOST = "nominatim.openstreetmap.org"
CHECK_TIMEOUT_S = 3.0


def _reachable(host: str, *, port: int = 443, timeout_s: float = CHECK_TIMEOUT_S) -> bool:
    """Whether a TCP connection to ``host`` opens within ``timeout_s`` seconds.

    The name lookup runs in a daemon thread, so a resolver that hangs offline cannot hold the
    caller longer than ``timeout_s``.
    """
    result: list[bool] = []

    def attempt() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout_s).close()
            result.append(True)
        except OSError:
            result.append(False)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout_s)
    return bool(result and result[0])


def network_from_place(
    query: str | shapely.Polygon | shapely.MultiPolygon,
    *,
    metric_crs: MetricCRS = None,
    cache_dir: str | os.PathLike[str] | None = None,
    timeout_s: float = 30.0,
) -> WalkNetwork:
    """Download the OSM walk network of a place name or a polygon (WGS-84) through osmnx.

    The download is cached as GraphML under ``cache_dir`` (default
    ``gis_planner.settings.options.cache_dir``) in ``networks/<hash of the query>.graphml``; a
    cached query is read again without any network access.

    Parameters
    ----------
    query
        A place name Nominatim knows (``"黄浦区, 上海市"``) or a shapely (Multi)Polygon in lon/lat.
    metric_crs
        As for :func:`read_network`.
    cache_dir
        Folder of the cache.
    timeout_s
        Time limit of each HTTP request to Overpass/Nominatim, in seconds.

    Raises
    ------
    OfflineError
        Within about 3 s when the download service cannot be reached, or when the download fails.
    InputDataError
        When the place is unknown or has no walkable roads.
    """
    if isinstance(query, str):
        key = query.strip()
    elif isinstance(query, (shapely.Polygon, shapely.MultiPolygon)):
        key = shapely.to_wkt(query, rounding_precision=6)
    else:
        raise InputDataError(f"network_from_place: query must be a place name or a shapely Polygon, "
                             f"got {type(query).__name__}.")
    digest = hashlib.sha256(f"walk|{key}".encode()).hexdigest()[:16]
    cache = Path(cache_dir or options.cache_dir) / "networks" / f"{digest}.graphml"
    if cache.is_file():
        logger.info("network_from_place: %r read from the cache %s", key[:60], cache)
        return read_network(cache, metric_crs=metric_crs)
    import osmnx as ox

    hosts = [urlparse(ox.settings.overpass_url).hostname or "overpass-api.de"]
    if isinstance(query, str):
        hosts.append(NOMINATIM_HOST)
    for host in hosts:
        if not _reachable(host):
            raise OfflineError(
                f"network_from_place({key[:60]!r}): cannot reach {host} within {CHECK_TIMEOUT_S:g} s "
                "(no internet?). Read a local file instead: read_network('area.osm.pbf')."
            )
    saved = (ox.settings.requests_timeout, ox.settings.use_cache, ox.settings.cache_folder)
    ox.settings.requests_timeout = timeout_s
    ox.settings.use_cache = False
    try:
        if isinstance(query, str):
            graph = ox.graph_from_place(query, network_type="walk", simplify=True, retain_all=True)
        else:
            graph = ox.graph_from_polygon(query, network_type="walk", simplify=True, retain_all=True)
    except (ValueError, ox._errors.InsufficientResponseError) as exc:
        raise InputDataError(f"network_from_place({key[:60]!r}): no walk network found ({exc}).") from exc
    except OSError as exc:  # requests' ConnectionError and Timeout derive from OSError
        raise OfflineError(f"network_from_place({key[:60]!r}): download failed ({exc}).") from exc
    finally:
        ox.settings.requests_timeout, ox.settings.use_cache, ox.settings.cache_folder = saved
    from gis_planner._fs import atomic_path

    with atomic_path(cache) as tmp:
        ox.save_graphml(graph, tmp)
    logger.info("network_from_place: %r downloaded and cached as %s", key[:60], cache)
    return read_network(cache, metric_crs=metric_crs)


__all__ = ["network_from_place", "read_network"]
