"""The synthetic demo town 示范区 (labelled synthetic everywhere): a deterministic generator.

Everything is built in a local metric frame (UTM 50N, around 119.92°E 32.46°N near Taizhou,
Jiangsu, so CRS choice and maps work) and written in WGS-84 lon/lat, except
``facilities.csv``, which imitates an Amap export (GBK-encoded, GCJ-02 coordinates), and
``population.tif`` (EPSG:32650). One seed always gives byte-identical files (coordinates
rounded to 7 decimals; no timestamps). The layout is described in ``_frame.py``; the planted
cases in ``docs/demo-town.md`` and the generated ``PROVENANCE.md``.

>>> town = build_demo_town()
>>> len(town.communities), int(town.compounds["households"].sum())
(20, 51070)
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine

from gis_planner._fs import atomic_path
from gis_planner.demo._buildings import build_buildings
from gis_planner.demo._elderly import build_spaces, elderly_counts
from gis_planner.demo._facilities import (
    build_candidates,
    build_daily_shops,
    build_facilities,
    build_meal_points,
    build_more_candidates,
)
from gis_planner.demo._frame import LOCAL_CRS, SYNTHETIC_NOTE, URBAN_H_M, origin_xy
from gis_planner.demo._grids import build_existing_grids, build_police_grids
from gis_planner.demo._people import build_admin, build_attributes, build_compounds, build_gates
from gis_planner.demo._provenance import provenance_markdown
from gis_planner.demo._raster import CELL_M, build_population, write_population
from gis_planner.demo._roads import build_roads
from gis_planner.io.coords import wgs84_to_gcj02

logger = logging.getLogger(__name__)

#: Default seed of the bundled ``data/demo``.
DEFAULT_SEED = 2025


@dataclass(frozen=True)
class DemoTown:
    """The demo town's layers in EPSG:32650 (metres).

    Attributes
    ----------
    roads, subdistricts, communities, compounds, gates, facilities, candidates
        GeoDataFrames with the columns of the written files (``facilities`` also carries its
        true position; the file shifts it to GCJ-02).
    buildings
        Buildings (楼栋) filling the compounds, with households and special-group counts
        (their own random stream, so the other layers keep their draws).
    existing_grids, police_grids
        An existing 网格 layer with planted faults, and a police 警格 layer (no random draws).
    spaces
        The inventory of idle spaces (存量空间) for neighbourhood centres, with its planted
        cases (too small, upper floor without a lift, two rooms that work only merged).
    attributes
        The community attribute table.
    population
        Persons per cell (int32, rows north to south), ``CELL_M`` cells.
    population_transform
        Affine transform of ``population`` in EPSG:32650.
    """

    roads: gpd.GeoDataFrame
    subdistricts: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    compounds: gpd.GeoDataFrame
    gates: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    attributes: pd.DataFrame
    population: np.ndarray
    population_transform: Affine
    buildings: gpd.GeoDataFrame | None = None
    existing_grids: gpd.GeoDataFrame | None = None
    police_grids: gpd.GeoDataFrame | None = None
    spaces: gpd.GeoDataFrame | None = None


def build_demo_town(*, seed: int = DEFAULT_SEED) -> DemoTown:
    """Build the demo town's layers in memory.

    Parameters
    ----------
    seed
        Seed of ``numpy.random.default_rng``; the bundled ``data/demo`` uses 2025. Other seeds
        vary compound placement, sizes within bands, facility positions and attribute values;
        the planted cases hold for every seed.

    Returns
    -------
    DemoTown
        Layers in EPSG:32650 (metres), placed near Taizhou, Jiangsu.
    """
    rng = np.random.default_rng(seed)
    ox, oy = origin_xy()
    roads = build_roads()
    subs, com = build_admin()
    compounds = build_compounds(com, rng)
    gates = build_gates(compounds, roads, rng)
    facilities = build_facilities(com, rng)
    candidates = build_candidates(rng)
    attributes = build_attributes(com, compounds, rng)
    # drawn last, so that the layers above keep their draws
    more = build_more_candidates(rng, start=len(candidates) + 1)
    candidates = gpd.GeoDataFrame(pd.concat([candidates, more], ignore_index=True), crs=LOCAL_CRS)
    population = build_population(compounds, rng)
    shops = build_daily_shops(rng, start=len(facilities) + 1)  # drawn last of all
    facilities = gpd.GeoDataFrame(pd.concat([facilities, shops], ignore_index=True), crs=LOCAL_CRS)
    meals = build_meal_points(seed, start=len(facilities) + 1)  # their own stream, appended last
    facilities = gpd.GeoDataFrame(pd.concat([facilities, meals], ignore_index=True), crs=LOCAL_CRS)
    # elderly residents per compound: their own stream, so every draw above is kept
    rural = compounds["community_code"].map(com.set_index("community_code")["name"]).str.endswith("村")
    compounds = compounds.join(elderly_counts(compounds, rural, seed=seed))
    spaces = build_spaces(compounds)
    layers = [gpd.GeoDataFrame(g.drop(columns="geometry"), geometry=g.geometry.translate(ox, oy),
                               crs=LOCAL_CRS)
              for g in (roads, subs, com, compounds, gates, facilities, candidates, spaces)]
    transform = Affine(CELL_M, 0.0, float(ox), 0.0, -CELL_M, float(oy) + URBAN_H_M)
    extra = [gpd.GeoDataFrame(g.drop(columns="geometry"), geometry=g.geometry.translate(ox, oy),
                              crs=LOCAL_CRS)
             for g in (build_buildings(compounds, seed=seed), build_existing_grids(com),
                       build_police_grids(com))]
    roads_l, subs_l, com_l, compounds_l, gates_l, facilities_l, candidates_l, spaces_l = layers
    return DemoTown(roads_l, subs_l, com_l, compounds_l, gates_l, facilities_l, candidates_l,
                    attributes=attributes, population=population,
                    population_transform=transform, buildings=extra[0], existing_grids=extra[1],
                    police_grids=extra[2], spaces=spaces_l)


# ------------------------------------------------------------------------------------ writing
def _round(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, 7)
    if isinstance(obj, (list, tuple)):
        return [_round(o) for o in obj]
    return obj


def _plain(v: Any) -> Any:
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def _geojson(gdf: gpd.GeoDataFrame, name: str) -> str:
    ll = gdf.to_crs(4326)
    feats = []
    for row, geom in zip(ll.drop(columns="geometry").to_dict("records"), ll.geometry, strict=True):
        g = shapely.geometry.mapping(geom)
        feats.append({"type": "Feature", "properties": {k: _plain(v) for k, v in row.items()},
                      "geometry": {"type": g["type"], "coordinates": _round(g["coordinates"])}})
    doc = {"type": "FeatureCollection", "name": f"demo_{name}_synthetic",
           "description": SYNTHETIC_NOTE,
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
           "features": feats}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"


def _lonlat(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    ll = gdf.to_crs(4326).geometry
    return ll.x.to_numpy(), ll.y.to_numpy()


def _csv(df: pd.DataFrame, float_format: str) -> str:
    return df.to_csv(index=False, float_format=float_format, lineterminator="\n")


def demo_texts(town: DemoTown, *, seed: int) -> dict[str, tuple[str, str]]:
    """The text files of the demo folder: file name -> (text, encoding).

    Parameters
    ----------
    town
        The built town.
    seed
        The seed it was built with (cited in ``PROVENANCE.md``).

    Returns
    -------
    dict
        Every file but ``population.tif``.
    """
    texts: dict[str, tuple[str, str]] = {}
    for name, gdf in (("roads", town.roads), ("subdistricts", town.subdistricts),
                      ("communities", town.communities), ("compounds", town.compounds),
                      ("buildings", town.buildings), ("existing_grids", town.existing_grids),
                      ("police_grids", town.police_grids)):
        if gdf is None:
            continue
        texts[f"{name}.geojson"] = (_geojson(gdf, name), "utf-8")
    lon, lat = _lonlat(town.gates)
    gates = pd.DataFrame({"gate_id": town.gates["gate_id"], "compound_id": town.gates["compound_id"],
                          "lng": lon, "lat": lat})
    texts["gates.csv"] = (_csv(gates, "%.7f"), "utf-8")
    lon, lat = _lonlat(town.candidates)
    texts["candidates.csv"] = (_csv(town.candidates.drop(columns="geometry").assign(lng=lon, lat=lat),
                                    "%.7f"), "utf-8")
    lon, lat = _lonlat(town.facilities)
    glon, glat = wgs84_to_gcj02(lon, lat)
    fac = town.facilities.drop(columns="geometry").assign(lng=glon, lat=glat)
    fac["capacity"] = fac["capacity"].astype("Int64")
    texts["facilities.csv"] = (_csv(fac, "%.7f"), "gbk")
    texts["community_attributes.csv"] = (_csv(town.attributes, "%.2f"), "utf-8")
    if town.spaces is not None:
        lon, lat = _lonlat(town.spaces)
        texts["spaces.csv"] = (_csv(town.spaces.drop(columns="geometry").assign(lng=lon, lat=lat), "%.7f"),
                               "utf-8")
    plan = resources.files("gis_planner.demo").joinpath("plan.toml").read_text(encoding="utf-8")
    texts["plan.toml"] = (plan, "utf-8")
    texts["PROVENANCE.md"] = (provenance_markdown(town, seed=seed), "utf-8")
    return texts


def write_demo_town(folder: str | Path, *, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Write the demo town into ``folder`` (created if needed; its files are replaced).

    Parameters
    ----------
    folder
        Output folder; ``python -m gis_planner.demo data/demo`` regenerates the bundled copy.
    seed
        Seed of the generator (2025 for ``data/demo``).

    Returns
    -------
    dict of str to Path
        Written paths by layer name (the file name without its suffix): ``roads``,
        ``subdistricts``, ``communities``, ``compounds``, ``buildings``, ``existing_grids``,
        ``police_grids`` (GeoJSON, WGS-84), ``gates``,
        ``candidates`` and ``spaces`` (UTF-8 CSV, WGS-84), ``facilities`` (GBK CSV, GCJ-02, like an Amap
        export), ``community_attributes`` (UTF-8 CSV), ``plan`` (the plan config that
        ``gis-planner report`` and ``gis-planner demo`` run), ``PROVENANCE`` (Markdown) and
        ``population`` (GeoTIFF, persons per 100 m cell, EPSG:32650). Each file is written
        atomically and is byte-identical for a given seed.
    """
    town = build_demo_town(seed=seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for fname, (text, enc) in demo_texts(town, seed=seed).items():
        with atomic_path(folder / fname) as tmp:
            tmp.write_bytes(text.encode(enc))
        paths[fname.split(".")[0]] = folder / fname
    target = folder / "population.tif"
    with atomic_path(target) as tmp:
        write_population(tmp, town.population, town.population_transform)
    paths["population"] = target
    logger.info("demo town (seed %d) written to %s: %d files", seed, folder, len(paths))
    return paths
