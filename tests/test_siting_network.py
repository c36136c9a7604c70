"""Siting on a walk network: a 100 m grid checked by hand (reachability through snap/od_costs)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gis_planner.network.graph import WalkNetwork
from gis_planner.siting import MaxCoverageSiting, PMedianSiting, candidates_from_layer

CRS = 32651


@pytest.fixture(scope="module")
def grid():
    """A 1 km x 100 m ladder: two parallel streets (y = 0 and y = 100) from x = 0 to 1000 with a
    rung every 100 m. Homes at (0, 0), (500, 0) and (1000, 0); 100, 200, 300 households (assumed,
    no real counts). Candidates k1 at (0, 0), k2 at (500, 0), k3 at (1000, 0); one existing wet
    market at (0, 0). At 4 km/h, 6 minutes = 400 m: each site covers only its own home."""
    lines = []
    for y in (0, 100):
        lines += [shapely.LineString([(x, y), (x + 100, y)]) for x in range(0, 1000, 100)]
    lines += [shapely.LineString([(x, 0), (x, 100)]) for x in range(0, 1001, 100)]
    net = WalkNetwork.from_lines(gpd.GeoDataFrame(geometry=lines, crs=CRS), source="ladder")
    homes = gpd.GeoDataFrame(
        {"households": [100, 200, 300]},
        geometry=shapely.points([(0, 0), (500, 0), (1000, 0)]),
        crs=CRS,
        index=pd.Index(["h1", "h2", "h3"], name="compound_id"),
    )
    cands = candidates_from_layer(
        gpd.GeoDataFrame(
            {"name": ["k1", "k2", "k3"]},
            geometry=shapely.points([(0, 0), (500, 0), (1000, 0)]),
            crs=CRS,
            index=["k1", "k2", "k3"],
        )
    )
    fac = gpd.GeoDataFrame(
        {"category": ["wet_market", "pharmacy"], "name": ["老菜场", "药店"]},
        geometry=shapely.points([(0, 0), (1000, 0)]),
        crs=CRS,
        index=pd.Index(["f1", "f2"], name="facility_id"),
    )
    return net, homes, cands, fac


def test_mclp_from_network_counts_existing(grid):
    net, homes, cands, fac = grid
    model = MaxCoverageSiting.from_network(
        net, homes, cands, walk_minutes=6, speed_kmh=4.0, facilities=fac, category="wet_market"
    )
    assert model.max_cost_m == pytest.approx(400.0)
    assert list(model.candidates.index) == ["k1", "k2", "k3", "existing_f1"]
    res = model.solve(n_sites=1)
    assert list(res.chosen.index) == ["k3"]
    assert res.summary["covered_weight_before"] == 100
    assert res.summary["covered_weight_after"] == 400
    assert res.chosen.loc["k3", "weight_newly_covered"] == 300
    assert res.demand.loc["h3", "cost_m"] == pytest.approx(0.0)
    assert res.demand.loc["h3", "assigned_site"] == "k3"


def test_pmedian_from_network_distances(grid):
    net, homes, cands, _ = grid
    model = PMedianSiting.from_network(
        net, homes, cands, walk_minutes=6, speed_kmh=4.0, cutoff_m=5000
    )
    res = model.solve(n_sites=1)
    # k2 at the middle: 100 x 500 + 300 x 500 = 200,000; k3: 100 x 1000 + 200 x 500 = 200,000
    assert res.solve_result.objective == pytest.approx(200_000.0)
    assert res.chosen.index[0] in ("k2", "k3")
    costs = model.costs.toarray()
    np.testing.assert_allclose(costs[0], [0.0, 500.0, 1000.0])


def test_candidates_from_landuse_nodes(grid):
    from gis_planner.siting import candidates_from_landuse

    net = grid[0]
    landuse = gpd.GeoDataFrame(
        {"class": ["A", "R"]},
        geometry=[shapely.box(-10, -10, 250, 110), shapely.box(250, -10, 1010, 110)],
        crs=CRS,
    )
    c = candidates_from_landuse(net, landuse, landuse_col="class", allowed=["A"])
    # nodes at x = 0, 100, 200 on both streets
    assert len(c) == 6
    assert set(c["kind"]) == {"landuse_node"}
    assert sorted({round(p.x) for p in c.geometry}) == [0, 100, 200]
    spaced = candidates_from_landuse(
        net, landuse, landuse_col="class", allowed=["A"], min_spacing_m=150
    )
    assert len(spaced) < 6
    xy = shapely.get_coordinates(spaced.geometry.to_numpy())
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    assert (d[~np.eye(len(xy), dtype=bool)] >= 150).all()
