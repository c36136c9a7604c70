"""Inputs and outputs larger than memory: GeoParquet files read per partition by bounding box."""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gis_planner._fs import atomic_path

EDGES_FILE = "network_edges.parquet"
HOUSEHOLDS_FILE = "households.parquet"
FACILITIES_FILE = "facilities.parquet"
GATES_FILE = "gates.parquet"


def write_parquet(gdf: gpd.GeoDataFrame, path: str | os.PathLike[str]) -> Path:
    """Write GeoParquet with a bbox covering column (so readers can skip by bounding box),
    row groups of 100,000 rows, sorted by a space-filling key (Hilbert distance) so a bbox read
    touches few row groups; atomically."""
    order = gdf.geometry.hilbert_distance().argsort(kind="stable")
    with atomic_path(path) as tmp:
        gdf.iloc[order].to_parquet(tmp, write_covering_bbox=True, row_group_size=100_000,
                                   schema_version="1.1.0")
    return Path(path)


def prepare_store(folder: str | os.PathLike[str], *, edges: gpd.GeoDataFrame,
                  households: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame,
                  gates: gpd.GeoDataFrame | None = None) -> Path:
    """Write the three inputs of a partitioned run as GeoParquet into ``folder``.

    ``edges`` are the network's edges (``WalkNetwork.edges``: already cleaned, in the metric CRS);
    their original order is kept in an ``edge_order`` column so partitions break ties the same way.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    e = edges[["highway", "name", "geometry"]].copy()
    e["edge_order"] = range(len(e))
    write_parquet(e, folder / EDGES_FILE)
    write_parquet(households.reset_index(names=households.index.name or "compound_id"),
                  folder / HOUSEHOLDS_FILE)
    write_parquet(facilities.reset_index(names=facilities.index.name or "facility_id"),
                  folder / FACILITIES_FILE)
    gate_file = folder / GATES_FILE
    if gates is not None and len(gates):
        g = gates.reset_index(names=gates.index.name or "gate_id")
        g["partition"] = g["compound_id"].map(households["partition"])
        write_parquet(g, gate_file)
    elif gate_file.exists():
        gate_file.unlink()
    return folder


def read_bbox(path: str | os.PathLike[str], bbox: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    """Rows of a GeoParquet file whose bounding box intersects ``bbox`` (only those row groups
    are read)."""
    return gpd.read_parquet(path, bbox=bbox)


def write_manifest(folder: Path, parts: list[dict]) -> Path:
    """``_metadata.json``: one entry per partition written (file, households, seconds, memory)."""
    with atomic_path(folder / "_metadata.json") as tmp:
        tmp.write_text(json.dumps({"partitions": parts}, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder / "_metadata.json"


def read_results(folder: str | os.PathLike[str]) -> gpd.GeoDataFrame:
    """All partition results of a run (in partition order) as one GeoDataFrame."""
    folder = Path(folder)
    meta = json.loads((folder / "_metadata.json").read_text(encoding="utf-8"))
    frames = [gpd.read_parquet(folder / p["file"]) for p in meta["partitions"] if p["households"]]
    if not frames:
        return gpd.GeoDataFrame()
    return pd.concat(frames)
