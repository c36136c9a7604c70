"""Read a walkable road network from OSM (PBF/XML), GraphML, road centre-lines or GMNS.

Every reader ends in :class:`~gis_planner.network.graph.WalkNetwork`: undirected, in a metric
CRS chosen automatically (UTM, or CGCS2000 3-degree Gauss-Krüger when asked), edges from junction
to junction, the largest connected component kept, and what was dropped recorded in
``build_report``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gis_planner._errors import CRSError, InputDataError, OfflineError
from gis_planner.io.crs import MetricSystem, resolve_metric_crs
from gis_planner.io.tables import read_table
from gis_planner.io.walk_rules import exclusion_reason, highway_class
from gis_planner.network.graph import WalkNetwork
from gis_planner.settings import options

logger = logging.getLogger(__name__)

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz", ".xml")
LINE_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".fgb")
SUPPORTED = (*OSM_SUFFIXES, ".graphml", *LINE_SUFFIXES, ".zip", "node.csv / link.csv")
#: Column names that may hold the road class in centre-line files (first match wins).
HIGHWAY_ALIASES = ("highway", "fclass", "road_type", "roadclass", "type", "类型", "道路等级")
NAME_ALIASES = ("name", "road_name", "名称", "道路名称")

MetricCRS = pyproj.CRS | int | str | MetricSystem | None


def read_network(
    path: str | os.PathLike[str],
    *,
    metric_crs: MetricCRS = None,
    keep_largest_component: bool = True,
    walk_only: bool = True,
    node_intersections: bool | None = None,
    layer: str | None = None,
) -> WalkNetwork:
    """Read a walk network from a file, by its type.

    Parameters
    ----------
    path
        An OSM file (``.osm.pbf``, ``.osm``, ``.osm.bz2``), a GraphML file (``.graphml``), road
        centre-lines (``.gpkg``, ``.shp``, ``.geojson``), or a GMNS network (a folder or ``.zip``
        holding ``node.csv`` and ``link.csv``, or the path of either file).
    metric_crs
        None or ``"utm"``: the UTM zone of the data; ``"cgcs2000_3deg"``: the CGCS2000 3-degree
        Gauss-Krüger zone; or an EPSG code / pyproj CRS (must be projected, in metres).
    keep_largest_component
        Keep only the largest connected component (what is dropped is reported).
    walk_only
        Apply the walk rules (:mod:`gis_planner.io.walk_rules`); False keeps every road.
    node_intersections
        Centre-lines only: split lines where they cross (default True). Use False when the
        lines already meet at their end points at every junction (bridges and tunnels then keep
        crossing without a junction).
    layer
        Layer of a multi-layer file (GeoPackage).

    Raises
    ------
    InputDataError
        Missing file, unsupported type, no roads or no walkable roads, malformed tables.
    CRSError
        A centre-line file without a CRS, or coordinates that are not valid lon/lat.
    """
    p = Path(path)
    name = p.name.lower()
    if not p.exists():
        raise InputDataError(f"{p}: file not found.")
    if p.is_dir() or name.endswith(".zip") or name in ("node.csv", "link.csv"):
        lines, report = _gmns_lines(p, walk_only=walk_only)
    elif name.endswith(OSM_SUFFIXES):
        lines, report = _osm_lines(p, walk_only=walk_only)
    elif name.endswith(".graphml"):
        lines, report = _graphml_lines(p, walk_only=walk_only)
    elif name.endswith(LINE_SUFFIXES):
        lines, report = _centre_lines(p, walk_only=walk_only, layer=layer,
                                      node=True if node_intersections is None else node_intersections)
    else:
        raise InputDataError(
            f"{p}: unsupported network format {p.suffix!r}; expected one of {', '.join(SUPPORTED)}."
        )
    crs = _metric(lines, metric_crs, what=str(p))
    report["crs"] = crs.to_string()
    report["crs_name"] = crs.name
    lines = lines.to_crs(crs)
    return WalkNetwork.from_lines(lines, source=p.name, build_report=report,
                                  keep_largest_component=keep_largest_component)


# ---------------------------------------------------------------------------------- helpers
def _metric(lines: gpd.GeoDataFrame, metric_crs: MetricCRS, *, what: str) -> pyproj.CRS:
    return resolve_metric_crs(tuple(lines.to_crs(4326).total_bounds), metric_crs, what=what)


def _check_lonlat(xy: np.ndarray, *, what: str) -> None:
    bad = ~((np.abs(xy[:, 0]) <= 180) & (np.abs(xy[:, 1]) <= 90))
    if bad.any():
        raise CRSError(
            f"{what}: {int(bad.sum())} coordinates are outside longitude -180..180 / latitude "
            "-90..90; the file is not in lon/lat degrees (declare its CRS) or x/y are swapped."
        )


def _filter(tags: list[dict[str, Any]], *, walk_only: bool, what: str) -> tuple[np.ndarray, dict[str, Any]]:
    """Boolean mask of walkable ways and the report of what was excluded, by reason."""
    if not tags:
        raise InputDataError(f"{what}: no roads found (no highway ways / links).")
    if not walk_only:
        return np.ones(len(tags), dtype=bool), {"ways_read": len(tags), "excluded": {}}
    reasons = [exclusion_reason(t) for t in tags]
    keep = np.array([r is None for r in reasons])
    excluded = dict(sorted(Counter(r for r in reasons if r is not None).items()))
    if not keep.any():
        raise InputDataError(
            f"{what}: no walkable roads: all {len(tags)} ways were excluded "
            f"({', '.join(f'{k}: {v}' for k, v in excluded.items())}). "
            "Pass walk_only=False to keep every road."
        )
    logger.info("%s: %d of %d ways walkable; excluded %s", what, int(keep.sum()), len(tags), excluded)
    return keep, {"ways_read": len(tags), "ways_walkable": int(keep.sum()), "excluded": excluded}


def _drop_reverse_duplicates(lines: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Drop the second of two lines joining the same end points with the same length and vertex
    count (the reverse link of a two-way road, or an exact duplicate)."""
    geoms = lines.geometry.to_numpy()
    a = np.round(shapely.get_coordinates(shapely.get_point(geoms, 0)), 6)
    b = np.round(shapely.get_coordinates(shapely.get_point(geoms, -1)), 6)
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    lo = np.where(swap[:, None], b, a)
    hi = np.where(swap[:, None], a, b)
    key = pd.DataFrame({"x0": lo[:, 0], "y0": lo[:, 1], "x1": hi[:, 0], "y1": hi[:, 1],
                        "n": shapely.get_num_coordinates(geoms),
                        "len": np.round(shapely.length(geoms), 7)})
    dup = key.duplicated().to_numpy()
    return lines.loc[~dup], int(dup.sum())


# ---------------------------------------------------------------------------------- OSM
def _osm_lines(path: Path, *, walk_only: bool) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Highway ways of an OSM file, split into junction-to-junction lines (EPSG:4326)."""
    import osmium

    ways: list[tuple[int, list[int], list[tuple[float, float]], dict[str, str]]] = []
    try:
        fp = (osmium.FileProcessor(str(path)).with_locations()
              .with_filter(osmium.filter.KeyFilter("highway")))
        for obj in fp:
            if obj.is_way():
                refs, coords, ok = [], [], True
                for nd in obj.nodes:
                    if not nd.location.valid():
                        ok = False
                        break
                    refs.append(nd.ref)
                    coords.append((nd.location.lon, nd.location.lat))
                if ok and len(refs) >= 2:
                    ways.append((obj.id, refs, coords, dict(obj.tags)))
    except RuntimeError as exc:
        raise InputDataError(f"{path}: cannot read as OSM data ({exc}).") from exc
    keep, report = _filter([w[3] for w in ways], walk_only=walk_only, what=str(path))
    ways = [w for w, k in zip(ways, keep, strict=True) if k]
    # junctions: nodes used by more than one kept way, or twice in one way, and every way end
    uses = Counter(r for _, refs, _, _ in ways for r in refs)
    geoms, way_ids, hw, names = [], [], [], []
    for wid, refs, coords, tags in ways:
        start = 0
        for i in range(1, len(refs)):
            if i == len(refs) - 1 or uses[refs[i]] > 1:
                geoms.append(shapely.LineString(coords[start : i + 1]))
                way_ids.append(str(wid))
                hw.append(highway_class(tags.get("highway")))
                names.append(tags.get("name", ""))
                start = i
    xy = np.array([c for _, _, coords, _ in ways for c in coords]) if ways else np.zeros((0, 2))
    _check_lonlat(xy, what=str(path))
    lines = gpd.GeoDataFrame({"osm_id": way_ids, "highway": hw, "name": names},
                             geometry=geoms, crs=4326)
    report["segments"] = len(lines)
    return lines, report


# ---------------------------------------------------------------------------------- GraphML
def _graphml_lines(path: Path, *, walk_only: bool) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    import osmnx as ox

    try:
        graph = ox.load_graphml(path)
    except Exception as exc:  # networkx/lxml raise many types for malformed XML
        raise InputDataError(f"{path}: cannot read as GraphML ({type(exc).__name__}: {exc}).") from exc
    if graph.number_of_edges() == 0:
        raise InputDataError(f"{path}: the graph has no edges.")
    _nodes, edges = ox.graph_to_gdfs(graph, nodes=True, edges=True, fill_edge_geometry=True)
    edges = edges.reset_index()
    tags = [{k: _tag(r.get(k)) for k in ("highway", "foot", "access", "area")}
            for r in edges[[c for c in ("highway", "foot", "access", "area") if c in edges]].to_dict("records")]
    keep, report = _filter(tags, walk_only=walk_only, what=str(path))
    edges = edges.loc[keep]
    lines = gpd.GeoDataFrame(
        {"osm_id": [_tag(x) for x in edges.get("osmid", pd.Series([""] * len(edges)))],
         "highway": [highway_class(x) for x in edges.get("highway", [""] * len(edges))],
         "name": [_tag(x) for x in edges.get("name", pd.Series([""] * len(edges)))]},
        geometry=edges.geometry.to_numpy(), crs=edges.crs,
    )
    lines, n_dup = _drop_reverse_duplicates(lines)
    report["reverse_duplicates_dropped"] = n_dup
    return lines, report


def _tag(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return str(value[0]) if value else ""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


# ---------------------------------------------------------------------------------- lines
def _centre_lines(path: Path, *, walk_only: bool, layer: str | None,
                  node: bool) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    what = f"{path}" + (f" [layer={layer}]" if layer else "")
    try:
        gdf = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise InputDataError(f"{what}: cannot read as a vector file ({exc}).") from exc
    if len(gdf) == 0:
        raise InputDataError(f"{what}: the layer is empty; expected road lines.")
    if gdf.crs is None:
        raise CRSError(f"{what}: the file has no CRS; save it with one (e.g. EPSG:4326).")
    types = set(gdf.geometry.geom_type.dropna())
    if not types <= {"LineString", "MultiLineString"}:
        bad = gdf.geometry.geom_type.isin(types - {"LineString", "MultiLineString"}).to_numpy()
        raise InputDataError(
            f"{what}: {int(bad.sum())} geometries are not lines ({', '.join(sorted(types))}; "
            f"first rows {', '.join(map(str, np.flatnonzero(bad)[:5]))}); expected LineString."
        )
    hw_col = next((c for c in HIGHWAY_ALIASES if c in gdf.columns), None)
    name_col = next((c for c in NAME_ALIASES if c in gdf.columns), None)
    gdf = gdf.explode(index_parts=False).reset_index(drop=True)
    gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    if hw_col is not None:
        tags = [{"highway": highway_class(h), **{k: _tag(r) for k, r in zip(
            ("foot", "access"), (row.get("foot"), row.get("access")), strict=True)}}
            for h, row in zip(gdf[hw_col], gdf.to_dict("records"), strict=True)]
        keep, report = _filter(tags, walk_only=walk_only, what=what)
        gdf = gdf.loc[keep]
    else:
        report = {"ways_read": len(gdf), "excluded": {},
                  "note": f"no road-class column ({'/'.join(HIGHWAY_ALIASES)}); every line kept"}
        logger.warning("%s: no road-class column; every line is treated as walkable", what)
    lines = gpd.GeoDataFrame(
        {"highway": [highway_class(h) for h in gdf[hw_col]] if hw_col else "",
         "name": [_tag(n) for n in gdf[name_col]] if name_col else ""},
        geometry=gdf.geometry.to_numpy(), crs=gdf.crs,
    )
    if gdf.crs.is_geographic:
        _check_lonlat(shapely.get_coordinates(lines.geometry.to_numpy()), what=what)
    if node:
        lines = _node_lines(lines)
    report["segments"] = len(lines)
    return lines, report


def _node_lines(lines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Split lines wherever they cross or touch, carrying attributes over by nearest source line."""
    noded = shapely.node(shapely.GeometryCollection(list(lines.geometry.to_numpy())))
    parts = np.array(shapely.get_parts(noded))
    parts = parts[shapely.length(parts) > 0]
    mids = shapely.line_interpolate_point(parts, 0.5, normalized=True)
    tree = shapely.STRtree(lines.geometry.to_numpy())
    idx = tree.query_nearest(mids, all_matches=False)
    src = np.empty(len(parts), dtype=np.int64)
    src[idx[0]] = idx[1]
    attrs = lines.drop(columns="geometry").iloc[src].reset_index(drop=True)
    return gpd.GeoDataFrame(attrs, geometry=parts, crs=lines.crs)


# ---------------------------------------------------------------------------------- GMNS
GMNS_NODE_COLS = ("node_id", "x_coord", "y_coord")
GMNS_LINK_COLS = ("link_id", "from_node_id", "to_node_id")


def _gmns_tables(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    if path.is_dir():
        folder = path
    elif path.name.lower().endswith(".zip"):
        try:
            with zipfile.ZipFile(path) as zf:
                members = {Path(n).name.lower(): n for n in zf.namelist()}
                missing = [m for m in ("node.csv", "link.csv") if m not in members]
                if missing:
                    raise InputDataError(f"{path}: the zip holds no {' or '.join(missing)} "
                                         "(a GMNS network needs node.csv and link.csv).")
                nodes = read_table(zf.read(members["node.csv"]), what=f"{path}:node.csv")
                links = read_table(zf.read(members["link.csv"]), what=f"{path}:link.csv")
        except zipfile.BadZipFile as exc:
            raise InputDataError(f"{path}: not a valid zip file ({exc}).") from exc
        return nodes, links, str(path)
    else:
        folder = path.parent
    for f in ("node.csv", "link.csv"):
        if not (folder / f).is_file():
            raise InputDataError(f"{folder / f}: file not found (a GMNS network needs node.csv "
                                 "and link.csv side by side).")
    return read_table(folder / "node.csv"), read_table(folder / "link.csv"), str(folder)


def _gmns_lines(path: Path, *, walk_only: bool) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    from gis_planner._validate import require_columns

    nodes, links, what = _gmns_tables(path)
    require_columns(nodes, GMNS_NODE_COLS, what=f"{what} node.csv")
    require_columns(links, GMNS_LINK_COLS, what=f"{what} link.csv")
    known = set(nodes["node_id"])
    unknown = ~(links["from_node_id"].isin(known) & links["to_node_id"].isin(known))
    if unknown.any():
        ids = ", ".join(links.loc[unknown, "link_id"].head(5))
        raise InputDataError(f"{what} link.csv: {int(unknown.sum())} links name node ids missing "
                             f"from node.csv (link_id {ids}).")
    hw_col = next((c for c in ("link_type_name", "facility_type", "highway") if c in links), None)
    tags = [{"highway": highway_class(h)} for h in (links[hw_col] if hw_col else ["road"] * len(links))]
    keep, report = _filter(tags, walk_only=walk_only, what=what)
    links = links.loc[keep]
    xy = nodes.set_index("node_id")[["x_coord", "y_coord"]].apply(pd.to_numeric, errors="coerce")
    if xy.isna().any().any():
        raise InputDataError(f"{what} node.csv: non-numeric x_coord/y_coord in "
                             f"{int(xy.isna().any(axis=1).sum())} rows.")
    a = xy.loc[links["from_node_id"]].to_numpy()
    b = xy.loc[links["to_node_id"]].to_numpy()
    geoms = shapely.linestrings(np.stack([a, b], axis=1))
    if "geometry" in links.columns:
        wkt = links["geometry"].fillna("").to_numpy()
        has = np.array([bool(w.strip()) for w in wkt])
        try:
            parsed = shapely.from_wkt(np.where(has, wkt, None))
        except shapely.errors.GEOSException as exc:
            raise InputDataError(f"{what} link.csv: column 'geometry' holds invalid WKT ({exc}).") from exc
        geoms = np.where(has, parsed, geoms)
    _check_lonlat(xy.to_numpy(), what=f"{what} node.csv")
    lines = gpd.GeoDataFrame(
        {"osm_id": links["osm_way_id"].fillna("").to_numpy() if "osm_way_id" in links else "",
         "highway": [t["highway"] for t, k in zip(tags, keep, strict=True) if k],
         "name": links["name"].fillna("").to_numpy() if "name" in links else ""},
        geometry=geoms, crs=4326,
    )
    lines, n_dup = _drop_reverse_duplicates(lines)
    report["reverse_duplicates_dropped"] = n_dup
    report["links_read"] = len(keep)
    return lines, report


# ---------------------------------------------------------------------------------- online
OVERPASS_HOST = "overpass-api.de"


def _online(host: str = OVERPASS_HOST, timeout_s: float = 3.0) -> bool:
    try:
        socket.create_connection((host, 443), timeout=timeout_s).close()
    except OSError:
        return False
    return True


def network_from_place(
    query: str | shapely.Polygon | shapely.MultiPolygon,
    *,
    metric_crs: MetricCRS = None,
    cache_dir: str | os.PathLike[str] | None = None,
    timeout_s: float = 60.0,
) -> WalkNetwork:
    """Download the OSM walk network of a place name or a polygon (WGS-84) through osmnx.

    The download is cached as GraphML under ``cache_dir`` (default
    ``gis_planner.settings.options.cache_dir``), keyed by the query; a cached query is read
    without any network access.

    Raises
    ------
    OfflineError
        Quickly (a 3 s connection check) when the Overpass service cannot be reached.
    """
    key = query if isinstance(query, str) else shapely.to_wkt(query, rounding_precision=6)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    cache = Path(cache_dir or options.cache_dir) / "networks" / f"{digest}.graphml"
    if not cache.is_file():
        if not _online():
            raise OfflineError(
                f"cannot reach the OpenStreetMap download service for {key[:60]!r}; no internet. "
                "Use a local file instead (read_network('area.osm.pbf'))."
            )
        import osmnx as ox

        ox.settings.requests_timeout = timeout_s
        ox.settings.use_cache = True
        ox.settings.cache_folder = str(cache.parent / "http")
        if isinstance(query, str):
            graph = ox.graph_from_place(query, network_type="walk", simplify=True)
        else:
            graph = ox.graph_from_polygon(query, network_type="walk", simplify=True)
        cache.parent.mkdir(parents=True, exist_ok=True)
        from gis_planner._fs import atomic_path

        with atomic_path(cache) as tmp:
            ox.save_graphml(graph, tmp)
    return read_network(cache, metric_crs=metric_crs)


__all__ = ["network_from_place", "read_network"]

