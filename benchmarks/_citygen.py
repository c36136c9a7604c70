"""A generated city for benchmarks: a jittered street grid with households and facilities.

Deterministic for a seed. Sizes: ``n_nodes`` ≈ side² grid nodes at ``spacing_m``; 8 % of the
edges removed (irregular blocks), the largest component kept by ``WalkNetwork``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis_planner.network import WalkNetwork

CRS = "EPSG:32650"


def generate_city(n_nodes: int = 200_000, n_households: int = 100_000, n_categories: int = 10,
                  seed: int = 1, *, spacing_m: float = 100.0,
                  facilities_per_category: tuple[int, int] = (100, 1000)
                  ) -> tuple[WalkNetwork, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return (network, households, facilities) of a generated city in EPSG:32650.

    Parameters
    ----------
    n_nodes
        Approximate number of street nodes (a square grid of ``round(sqrt(n_nodes))``² nodes
        before 8 % of the edges are removed and the largest component is kept).
    n_households
        Household points (compounds), uniform over the city, 20-799 households each (assumed).
    n_categories
        Facility categories (at most 12), each with a random count in ``facilities_per_category``.
    seed
        Seed of the random generator: the same arguments always give the same city.
    spacing_m
        Grid spacing in metres (each node is jittered by 10 % of it).

    Returns
    -------
    (WalkNetwork, GeoDataFrame, GeoDataFrame)
        The network, the households (index ``compound_id``, column ``households``) and the
        facilities (index ``facility_id``, column ``category``).
    """
    rng = np.random.default_rng(seed)
    side = round(np.sqrt(n_nodes))
    ix, iy = np.meshgrid(np.arange(side), np.arange(side))
    xy = np.c_[ix.ravel(), iy.ravel()] * spacing_m + rng.normal(0, spacing_m * 0.1, (side * side, 2))
    node = np.arange(side * side).reshape(side, side)
    a = np.r_[node[:, :-1].ravel(), node[:-1, :].ravel()]
    b = np.r_[node[:, 1:].ravel(), node[1:, :].ravel()]
    keep = rng.random(len(a)) > 0.08
    a, b = a[keep], b[keep]
    lines = shapely.linestrings(np.stack([xy[a], xy[b]], axis=1))
    net = WalkNetwork.from_lines(gpd.GeoDataFrame(geometry=lines, crs=CRS), source="generated city")
    extent = side * spacing_m
    homes = gpd.GeoDataFrame(
        {"households": rng.integers(20, 800, n_households)},
        geometry=shapely.points(rng.uniform(0, extent, (n_households, 2))), crs=CRS,
        index=pd.Index([f"H{i}" for i in range(n_households)], name="compound_id"),
    )
    cats = ["convenience_store", "pharmacy", "wet_market", "kindergarten", "primary_school",
            "middle_school", "health_station", "elderly_day_care", "parcel_point", "supermarket",
            "breakfast", "laundry"][:n_categories]
    counts = rng.integers(*facilities_per_category, len(cats))
    cat_col = np.repeat(cats, counts)
    fac = gpd.GeoDataFrame(
        {"category": cat_col},
        geometry=shapely.points(rng.uniform(0, extent, (len(cat_col), 2))), crs=CRS,
        index=pd.Index([f"F{i}" for i in range(len(cat_col))], name="facility_id"),
    )
    return net, homes, fac
