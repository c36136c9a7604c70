"""The demo town's planted buildings, special groups, existing grids and police grids."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from gis_planner.demo import build_demo_town
from gis_planner.grids import SPECIAL_GROUPS, load_grid_defaults


def test_buildings_add_up_to_their_compounds(demo_dir):
    homes = gpd.read_file(demo_dir / "compounds.geojson").set_index("compound_id")
    b = gpd.read_file(demo_dir / "buildings.geojson")
    assert b["building_id"].is_unique
    per = b.groupby("compound_id")["households"].sum()
    pd.testing.assert_series_equal(per.sort_index(), homes["households"].sort_index(),
                                   check_names=False)
    assert set(SPECIAL_GROUPS.values()) <= set(b.columns)
    assert (b[list(SPECIAL_GROUPS.values())] >= 0).all().all()
    # the planted case: compounds above the grid ceiling, to be split by their buildings
    assert (homes["households"] > load_grid_defaults().grid_max).sum() >= 10


def test_existing_and_police_grids_are_planted(demo_dir):
    ex = gpd.read_file(demo_dir / "existing_grids.geojson")
    assert ex["grid_code"].is_unique and (ex["网格员"].fillna("") == "").sum() == 1
    police = gpd.read_file(demo_dir / "police_grids.geojson")
    assert police["police_grid"].is_unique and len(police) >= 10


def test_other_seeds_keep_the_old_layers_draws():
    """Buildings draw from their own stream: the compounds of a seed are the same with or
    without them (the layers written before buildings existed are unchanged)."""
    a, b = build_demo_town(seed=7), build_demo_town(seed=7)
    pd.testing.assert_frame_equal(a.buildings, b.buildings)
    assert int(a.buildings["households"].sum()) == int(a.compounds["households"].sum())
