"""A plan over real data: the central-Shanghai OSM streets and the Amap POIs of ``../shared/data``.

No household counts exist for this area: the compounds are **assumed**, one every 400 m on a
regular grid, kept where a street is within 200 m, each with 600 households. Only the streets
and the facilities are real.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

NETWORK = ("shanghai-central", "roads_shanghai_center_overpass_2025-08.osm")
POIS = ("health", "kindergarten", "primary_school", "middle_school")
ASSUMED_HOUSEHOLDS = 600
GRID_M = 400.0
NEAR_STREET_M = 200.0


def write_real_plan(shared_data: Path, folder: Path, *, title: str) -> Path:
    """Write ``plan.toml``, ``compounds.geojson`` and ``facilities.csv`` into ``folder``."""
    from gis_planner.io import read_network

    folder.mkdir(parents=True, exist_ok=True)
    network = shared_data.joinpath(*NETWORK)
    pois = pd.concat([pd.read_csv(shared_data / "shanghai-huangpu" / f"poi_amap_{k}.csv", dtype=str)
                      for k in POIS], ignore_index=True)
    pois.insert(0, "id", [f"P{i:05d}" for i in range(len(pois))])
    pois.to_csv(folder / "facilities.csv", index=False)
    net = read_network(network)
    x0, y0, x1, y1 = net.edges.total_bounds
    xx, yy = np.meshgrid(np.arange(x0, x1, GRID_M), np.arange(y0, y1, GRID_M))
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xx.ravel(), yy.ravel()), crs=net.crs)
    near, _ = net.edges.sindex.nearest(pts.geometry, max_distance=NEAR_STREET_M)
    pts = pts.iloc[np.unique(near)].to_crs(4326)
    feats = [{"type": "Feature",
              "properties": {"compound_id": f"H{k:04d}", "name": f"假定小区{k}",
                             "households": ASSUMED_HOUSEHOLDS},
              "geometry": {"type": "Point", "coordinates": [round(p.x, 7), round(p.y, 7)]}}
             for k, p in enumerate(pts.geometry, start=1)]
    (folder / "compounds.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False),
        encoding="utf-8")
    plan = folder / "plan.toml"
    plan.write_text(f'title = {json.dumps(title, ensure_ascii=False)}\nprofile = "taizhou-2023"\n'
                    f"[inputs]\nnetwork = {json.dumps(network.as_posix())}\n"
                    'compounds = "compounds.geojson"\ncompounds_coords = "wgs84"\n'
                    'facilities = "facilities.csv"\n'
                    '# the shared Amap CSVs are already converted to WGS-84 (see their PROVENANCE)\n'
                    'facilities_coords = "wgs84"\n', encoding="utf-8")
    return plan
