"""The synthetic demo town: byte-identical regeneration and its planted facts.

The planted facts are computed from the files with geopandas/pandas/networkx directly (the
Taizhou bands are written out here: urban 2000-3000 households, high-rise up to 5000, rural
1000-1500), not through the package's readers; the last tests load the town through
``gis_planner.io``. All household counts are synthetic.
"""

from __future__ import annotations

import filecmp
import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from gis_planner.demo import build_demo_town, write_demo_town
from gis_planner.io.coords import gcj02_to_wgs84

UTM = "EPSG:32650"
URBAN_BAND = (2000, 3000)
HIGH_RISE_MAX = 5000
RURAL_BAND = (1000, 1500)
NOT_WALKABLE = ("motorway", "trunk")
#: The seven shops of the MOFCOM basic list beyond stores, markets, pharmacies and parcels.
DAILY_SHOPS = ("fresh_food_store", "breakfast", "laundry", "hairdresser", "photo_print",
               "housekeeping", "repair")


@pytest.fixture(scope="module")
def layers(demo_dir):
    def geo(name):
        return gpd.read_file(demo_dir / f"{name}.geojson").to_crs(UTM)

    out = {name: geo(name) for name in ("roads", "subdistricts", "communities", "compounds")}
    out["walk"] = out["roads"].loc[~out["roads"]["highway"].isin(NOT_WALKABLE)]
    out["streets"] = shapely.union_all(out["walk"].geometry.to_numpy())
    return out


@pytest.fixture(scope="module")
def community_households(layers):
    com = layers["communities"].set_index("community_code")
    hh = layers["compounds"].groupby("community_code")["households"].sum()
    return com.assign(households=hh, urban=com["name"].str.endswith("社区"))


def _points(df, lon, lat):
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(lon, lat), crs=4326).to_crs(UTM)


@pytest.fixture(scope="module")
def facilities(demo_dir):
    raw = pd.read_csv(demo_dir / "facilities.csv", encoding="gbk", dtype={"id": str})
    lon, lat = gcj02_to_wgs84(raw["lng"].to_numpy(), raw["lat"].to_numpy())
    return _points(raw, lon, lat), _points(raw, raw["lng"], raw["lat"])


def test_regeneration_is_byte_identical(tmp_path, demo_dir):
    paths = write_demo_town(tmp_path / "town")
    written = {p.name for p in paths.values()}
    assert written == {p.name for p in demo_dir.iterdir()}  # data/demo is exactly the output
    assert {"population.tif", "PROVENANCE.md", "roads.geojson", "facilities.csv"} <= written
    for p in paths.values():
        assert filecmp.cmp(p, demo_dir / p.name, shallow=False), f"{p.name} differs from data/demo"
    assert sum(p.stat().st_size for p in paths.values()) < 2_000_000
    assert not [p for p in (tmp_path / "town").iterdir() if p.name.startswith(".")]  # no temp file


def test_another_seed_changes_the_town_but_keeps_the_plants(tmp_path, demo_dir):
    paths = write_demo_town(tmp_path, seed=7)
    assert not filecmp.cmp(paths["compounds"], demo_dir / "compounds.geojson", shallow=False)
    assert filecmp.cmp(paths["roads"], demo_dir / "roads.geojson", shallow=False)
    town = build_demo_town(seed=7)
    hh = town.compounds.groupby("community_code")["households"].sum()
    names = town.communities.set_index("community_code")["name"]
    assert hh[names[names == "府前社区"].index[0]] == 6400
    assert town.compounds["households"].max() > HIGH_RISE_MAX


def test_every_file_is_labelled_synthetic(demo_dir):
    for name in ("roads", "subdistricts", "communities", "compounds"):
        text = (demo_dir / f"{name}.geojson").read_text(encoding="utf-8")
        head = text[:400]
        assert f'"name":"demo_{name}_synthetic"' in head and "虚构" in head
    prov = (demo_dir / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "synthetic" in prov and "seed 2025" in prov and "python -m gis_planner.demo data/demo" in prov
    assert "51,070" in prov  # counted from the layers, not typed in
    assert all(s["name"].endswith("（虚构）") for _, s in
               gpd.read_file(demo_dir / "subdistricts.geojson").iterrows())


def test_location_near_taizhou(layers):
    lon0, lat0, lon1, lat1 = layers["roads"].to_crs(4326).total_bounds
    assert 119.88 < lon0 < lon1 < 119.97 and 32.43 < lat0 < lat1 < 32.48
    x0, y0, x1, y1 = layers["subdistricts"].total_bounds
    assert (x1 - x0, y1 - y0) == pytest.approx((5200, 2400), abs=1)  # metres, EPSG:32650


def test_admin_units_tile_without_gaps_or_overlaps(layers):
    subs, com = layers["subdistricts"], layers["communities"]
    assert sorted(subs["kind"]) == ["subdistrict", "subdistrict", "township"]
    assert subs["subdistrict_code"].str.fullmatch(r"\d{9}").all()
    assert len(com) == 20 and com["community_code"].is_unique
    assert com["community_code"].str.fullmatch(r"\d{12}").all()
    assert (com["community_code"].str[:9] == com["subdistrict_code"]).all()
    assert com["name"].str.endswith(("社区", "村")).all()
    assert com["urban_rural"].isna().sum() == 2  # classified by name suffix downstream
    for code, sub in subs.set_index("subdistrict_code").geometry.items():
        parts = com.loc[com["subdistrict_code"] == code].geometry
        assert parts.area.sum() == pytest.approx(sub.area, rel=1e-6)  # no overlaps ...
        assert shapely.union_all(parts.to_numpy()).symmetric_difference(sub).area < 1e-3  # no gaps
    rural = com["name"].str.endswith("村")
    assert set(com.loc[rural, "subdistrict_code"]) == set(
        subs.loc[subs["kind"] == "township", "subdistrict_code"])


def test_households_and_planted_community_sizes(layers, community_households):
    cmp_ = layers["compounds"]
    assert 50_000 <= cmp_["households"].sum() <= 80_000
    assert 140 <= len(cmp_) <= 160 and cmp_["compound_id"].is_unique
    assert cmp_["compound_id"].str.fullmatch(r"C\d{3}").all()
    c = community_households
    high = c["high_rise"].astype(bool)
    ceiling = np.where(high, HIGH_RISE_MAX, URBAN_BAND[1])
    too_large = c["urban"] & (c["households"] > ceiling)
    too_small = (c["urban"] & (c["households"] < URBAN_BAND[0])) | (
        ~c["urban"] & (c["households"] < RURAL_BAND[0]))
    assert too_large.sum() >= 2 and too_small.sum() >= 2
    # one high-rise community legitimately above 3000, one above the high-rise ceiling
    assert ((c["households"] > URBAN_BAND[1]) & high & ~too_large).sum() >= 1
    assert (high & (c["households"] > HIGH_RISE_MAX)).sum() >= 1
    # a split is feasible where the community is several compounds ...
    n_compounds = cmp_.groupby("community_code").size()
    assert (n_compounds[too_large[too_large].index] >= 4).all()
    # ... and infeasible in exactly one, where a single compound exceeds the ceiling
    biggest = cmp_.groupby("community_code")["households"].max()
    assert (biggest > HIGH_RISE_MAX).sum() == 1
    # every too-small community touches a same-sub-district, same-type neighbour to merge with
    for code in too_small[too_small].index:
        mates = c.loc[(c.index != code) & (c["subdistrict_code"] == c.at[code, "subdistrict_code"])
                      & (c["urban"] == c.at[code, "urban"])]
        assert mates.geometry.touches(c.at[code, "geometry"]).any(), code
    rural = c.loc[~c["urban"], "households"]
    assert rural.between(*RURAL_BAND).sum() >= len(rural) - 1  # rural mostly within band
    ok_urban = c["urban"] & ~too_large & ~too_small
    assert ok_urban.sum() >= 9


def test_a_few_compounds_straddle_a_community_boundary(layers):
    com, cmp_ = layers["communities"], layers["compounds"]
    pieces = gpd.overlay(cmp_[["compound_id", "geometry"]], com[["community_code", "geometry"]],
                         how="intersection", keep_geom_type=True)
    pieces = pieces.loc[pieces.area > 1.0]
    straddling = pieces.groupby("compound_id").size()
    assert (straddling > 1).sum() == 3
    # names follow the conventions: 小区/花园/苑... in towns, 组 in villages
    rural_codes = set(com.loc[com["name"].str.endswith("村"), "community_code"])
    rural = cmp_["community_code"].isin(rural_codes)
    assert cmp_.loc[rural, "name"].str.endswith("组").all()
    assert not cmp_.loc[~rural, "name"].str.endswith("组").any()


def test_roads_are_noded_and_walkable_roads_form_one_component_plus_an_island(layers):
    roads, walk = layers["roads"], layers["walk"]
    assert roads["road_id"].is_unique and (shapely.get_num_points(roads.geometry) == 2).all()
    assert {"primary", "secondary", "residential", "footway", "living_street", "tertiary",
            "track", "motorway"} <= set(roads["highway"])
    assert roads["name"].str.endswith(("路", "街", "步道", "里", "道", "高速（示范）")).all()
    # noded: segments meet only at shared end points
    geoms = walk.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i < j:
            inter = geoms[i].intersection(geoms[j])
            ends = shapely.MultiPoint(list(geoms[i].coords) + list(geoms[j].coords))
            assert inter.geom_type == "Point" and ends.distance(inter) < 1e-6, (i, j)
    graph = nx.Graph()
    for g in geoms:
        (a, b) = g.coords
        graph.add_edge(tuple(np.round(a, 3)), tuple(np.round(b, 3)), length_m=g.length)
    parts = sorted(nx.connected_components(graph), key=len, reverse=True)
    assert len(parts) == 2 and len(parts[1]) == 3  # the footway island: 2 segments, 3 nodes
    island = walk.loc[[any(tuple(np.round(p, 3)) in parts[1] for p in g.coords) for g in geoms]]
    assert len(island) == 2 and (island["highway"] == "footway").all()
    # the expressway is the only connection of nothing: it touches no walkable road
    motorway = roads.loc[roads["highway"].isin(NOT_WALKABLE)]
    assert len(motorway) == 2 and not motorway.intersects(layers["streets"]).any()


def test_river_crossed_by_two_bridges_forces_detours(layers):
    walk = layers["walk"]
    x0, y0, _, _ = layers["subdistricts"].total_bounds
    river = shapely.LineString([(x0, y0 + 1300), (x0 + 3200, y0 + 1300)])
    assert walk.intersects(river).sum() == 2  # two bridges
    graph = nx.Graph()
    for g in walk.geometry:
        a, b = g.coords
        graph.add_edge(tuple(np.round(a, 1)), tuple(np.round(b, 1)), length_m=g.length)
    nodes = np.array(list(graph.nodes))

    def node(dx, dy):
        return tuple(nodes[np.argmin(np.hypot(nodes[:, 0] - x0 - dx, nodes[:, 1] - y0 - dy))])

    south, north = node(1200, 1200), node(1200, 1400)  # facing each other, no bridge at x = 1200
    straight_m = np.hypot(*np.subtract(south, north))
    assert straight_m == pytest.approx(200, abs=1)
    network_m = nx.shortest_path_length(graph, south, north, weight="length_m")
    assert network_m == pytest.approx(1000, abs=2)  # round by the bridge at x = 800


def test_gates_on_compound_boundaries_beside_streets(demo_dir, layers):
    gates = pd.read_csv(demo_dir / "gates.csv", dtype=str, encoding="utf-8")
    assert list(gates.columns) == ["gate_id", "compound_id", "lng", "lat"]
    pts = _points(gates, gates["lng"].astype(float), gates["lat"].astype(float))
    cmp_ = layers["compounds"].set_index("compound_id")
    assert set(pts["compound_id"]) <= set(cmp_.index) and pts["gate_id"].is_unique
    boundary = cmp_.loc[pts["compound_id"]].geometry.boundary.to_numpy()
    assert (shapely.distance(pts.geometry.to_numpy(), boundary) < 0.5).all()
    assert (pts.distance(layers["streets"]) <= 30).all()
    per = pts.groupby("compound_id").size()
    urban = cmp_.index[~cmp_["name"].str.endswith("组")]
    assert per.reindex(urban).between(1, 4).all()
    assert len(set(cmp_.index) - set(per.index)) >= 4  # village groups without gates


def test_facilities_file_is_gbk_and_gcj02(demo_dir, layers, facilities):
    raw = (demo_dir / "facilities.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gbk")
    assert text.splitlines()[0] == "id,name,type,typecode,category,capacity,area_m2,lng,lat"
    assert "菜市场" in text and "购物服务;便民商店/便利店;便利店" in text
    true, as_read = facilities
    # converted back from GCJ-02 every facility stands beside a street ...
    assert (true.distance(layers["streets"]) <= 30).all()
    # ... while the unconverted coordinates are 300-700 m away from the true places
    shift = as_read.distance(true, align=True)
    assert shift.between(300, 700).all()
    assert (as_read.distance(layers["streets"]) <= 16).mean() < 0.3


def test_planted_facility_gaps(layers, facilities, community_households):
    fac, _ = facilities
    from gis_planner.categories import known_categories
    from gis_planner.policy import load_profile

    assert set(fac["category"]) <= set(known_categories())
    assert fac["category"].nunique() == 21  # the 20 of the coverage layers plus meal points
    # every shop of the MOFCOM basic list exists somewhere, so completeness is not zero by design
    assert set(load_profile("mofcom-15min").living_circle.required_categories) <= set(fac["category"])
    subs = layers["subdistricts"]
    joined = gpd.sjoin(fac, subs[["subdistrict_code", "kind", "geometry"]], predicate="within")
    centres = joined.loc[joined["category"] == "subdistrict_elderly_centre", "subdistrict_code"]
    urban_subs = set(subs.loc[subs["kind"] == "subdistrict", "subdistrict_code"])
    assert len(urban_subs - set(centres)) == 1  # exactly one 街道 without one
    # the township is poorly served: no wet market, few shops
    town_code = subs.loc[subs["kind"] == "township", "subdistrict_code"].iloc[0]
    rural = joined.loc[joined["subdistrict_code"] == town_code]
    assert "wet_market" not in set(rural["category"]) and len(rural) < len(joined) / 5
    # a neighbourhood with no wet market within 15 minutes (1000 m at 4 km/h, over the network)
    markets = fac.loc[fac["category"] == "wet_market"]
    far = layers["compounds"].centroid.distance(shapely.union_all(markets.geometry.to_numpy()))
    urban_codes = community_households.index[community_households["urban"]]
    assert (far[layers["compounds"]["community_code"].isin(urban_codes)] > 1000).sum() >= 10
    with_capacity = fac.dropna(subset=["capacity"])
    assert len(with_capacity) >= 2 and fac["area_m2"].notna().sum() >= 2
    assert (with_capacity["capacity"] > 0).all()


def test_daily_shops_are_uneven_and_appended(layers, facilities):
    """The seven other shops of the MOFCOM basic list: every one south of the river, fewer
    north-west, few north-east, a handful on the township's country road (local metres from
    the town's south-west corner: river at y = 1300, core x < 3200, country road y = 1200)."""
    fac, _ = facilities
    shops = fac.loc[fac["category"].isin(DAILY_SHOPS)]
    # appended after every other facility but the meal points (added later, from their own
    # stream, after the shops), so the earlier ids keep
    meals = int(fac["category"].eq("meal_point").sum())
    assert list(shops.index) == list(range(len(fac) - meals - len(shops), len(fac) - meals))
    assert fac["category"].iloc[len(fac) - meals:].eq("meal_point").all()
    x0, y0 = layers["subdistricts"].total_bounds[:2]
    x, y = shops.geometry.x - x0, shops.geometry.y - y0
    core, north = x < 3200, y > 1300
    south = shops.loc[core & ~north]
    north_west = shops.loc[core & north & (x < 1600)]
    north_east = shops.loc[core & north & (x >= 1600)]
    township = shops.loc[~core]
    assert len(south) > 2 * len(north_west) > 0 and len(north_west) > 2 * len(north_east) > 0
    assert set(south["category"]) == set(DAILY_SHOPS)
    assert set(shops.loc[shops["category"] == "photo_print"].index) <= set(south.index)
    assert 0 < len(township) < len(north_west) and not township["category"].eq("photo_print").any()
    assert (y[~core] - 1200).abs().max() < 30  # only along the country road


def test_candidates_cover_every_subdistrict(demo_dir, layers):
    cand = pd.read_csv(demo_dir / "candidates.csv", dtype={"candidate_id": str}, encoding="utf-8")
    assert list(cand.columns) == ["candidate_id", "name", "kind", "lng", "lat"]
    assert 60 <= len(cand) <= 120 and cand["candidate_id"].is_unique
    assert set(cand["kind"]) == {"空地", "闲置公房", "社区用房", "待更新厂房"}
    pts = _points(cand, cand["lng"], cand["lat"])
    per = gpd.sjoin(pts, layers["subdistricts"], predicate="within").groupby("subdistrict_code").size()
    assert len(per) == 3 and (per >= 5).all()


def test_attribute_table_has_passes_failures_and_gaps(demo_dir, community_households):
    att = pd.read_csv(demo_dir / "community_attributes.csv", dtype={"community_code": str},
                      encoding="utf-8").set_index("community_code")
    c = community_households
    assert sorted(att.index) == sorted(c.index)
    per_100_m2 = att["service_area_m2"] / c["households"] * 100
    workers_per_10k = att["community_workers"] / att["urban_resident_population"] * 10_000
    fails = {
        "area": per_100_m2 < 30,
        "workers": workers_per_10k < 18,
        "volunteer": att["has_volunteer_station"] != "是",
        "hours": att["opening_hours_per_day"] < 8,
    }
    for name, failed in fails.items():
        assert failed.sum() >= 1, name
    missing = att[["service_area_m2", "community_workers"]].isna().any(axis=1)
    assert missing.sum() >= 2  # not assessable
    passing = ~pd.concat(fails, axis=1).any(axis=1) & ~missing
    assert passing.sum() >= 12  # most pass
    assert (att["urban_resident_population"] == (c["households"] * 2.62).round()).all()


def test_population_raster_matches_the_compounds(demo_dir, layers):
    import rasterio

    with rasterio.open(demo_dir / "population.tif") as src:
        persons = src.read(1)
        assert src.crs.to_epsg() == 32650 and src.res == (100.0, 100.0)
        assert not any("DATETIME" in k for k in src.tags()) and "synthetic" in src.tags()["SOURCE"]
        bounds = src.bounds
    households = layers["compounds"]["households"].sum()
    assert persons.sum() == pytest.approx(households * 2.62, rel=0.01)
    assert persons.min() >= 0
    x0, y0, x1, y1 = layers["subdistricts"].total_bounds
    assert (bounds.left, bounds.bottom, bounds.right, bounds.top) == pytest.approx((x0, y0, x1, y1),
                                                                                  abs=1)
    # people live only in cells a compound overlaps
    rows, cols = np.nonzero(persons)
    cells = shapely.box(bounds.left + cols * 100, bounds.top - (rows + 1) * 100,
                        bounds.left + (cols + 1) * 100, bounds.top - rows * 100)
    homes = shapely.union_all(layers["compounds"].geometry.to_numpy())
    assert shapely.intersects(cells, homes).all()


# ------------------------------------------------------------------ through the package readers
def test_demo_loads_through_the_readers(demo_dir):
    from gis_planner import io

    net = io.read_network(demo_dir / "roads.geojson")
    assert net.build_report["excluded"] == {"highway=motorway": 2}
    assert net.build_report["dropped_edges_outside_largest_component"] == 2
    homes = io.read_compounds(demo_dir / "compounds.geojson", metric_crs=net.crs)
    assert len(homes) == 144 and homes["households"].sum() == 51_070
    gates = io.read_gates(demo_dir / "gates.csv", compounds=homes, source_coords="wgs84")
    assert set(gates["compound_id"]) <= set(homes.index)
    fac = io.read_facilities(demo_dir / "facilities.csv", source_coords="gcj02", metric_crs=net.crs)
    assert len(fac) == 167 and fac["category"].eq("wet_market").sum() == 3
    assert fac["category"].eq("meal_point").sum() == 5  # appended last, from their own stream
    com = io.read_communities(demo_dir / "communities.geojson", metric_crs=net.crs)
    subs = io.read_subdistricts(demo_dir / "subdistricts.geojson", metric_crs=net.crs)
    assert len(com) == 20 and len(subs) == 3
    assert com.loc[["321202001008", "321202101204"], "urban_rural"].isna().all()  # left to the name
    cells = io.households_from_raster(demo_dir / "population.tif", metric_crs=net.crs)
    assert cells["households"].sum() == pytest.approx(51_070, rel=0.01)
    assert str(net.crs) == str(homes.crs) == str(cells.crs)


def test_build_demo_town_is_deterministic():
    a, b = build_demo_town(), build_demo_town()
    for name in ("roads", "compounds", "gates", "facilities", "candidates"):
        assert getattr(a, name).geometry.equals(getattr(b, name).geometry)
    assert np.array_equal(a.population, b.population)
    assert a.attributes.equals(b.attributes)
    assert list(itertools.islice(a.compounds["compound_id"], 3)) == ["C001", "C002", "C003"]


def test_elderly_columns_follow_households_and_census_shares(layers):
    from gis_planner.demo._elderly import PERSONS_PER_HOUSEHOLD, SHARE_60_PLUS

    c = layers["compounds"]
    assert (c["elderly_80"] <= c["elderly_60"]).all() and (c["elderly_80"] > 0).all()
    share = c["elderly_60"] / (c["households"] * PERSONS_PER_HOUSEHOLD)
    rural = c["name"].str.endswith("组")
    # households x 2.62 x 18.70 % x a planted factor: villages older, a few old and young compounds
    assert share[rural].mean() > SHARE_60_PLUS * 1.2 > share[~rural].median()
    assert (share > SHARE_60_PLUS * 1.5).sum() >= 3 and (share < SHARE_60_PLUS * 0.65).sum() >= 2
    assert c["elderly_60"].sum() == pytest.approx(51_070 * PERSONS_PER_HOUSEHOLD * SHARE_60_PLUS, rel=0.1)


def test_spaces_inventory_has_the_planted_cases(demo_dir):
    from gis_planner import io

    net = io.read_network(demo_dir / "roads.geojson")
    s = io.read_spaces(demo_dir / "spaces.csv", source_coords="wgs84", metric_crs=net.crs)
    assert s.loc["SP01", "area_m2"] < 20  # smaller than any function's room
    assert s.loc["SP02", "floor"] > 1 and not s.loc["SP02", "lift"]
    assert s.loc["SP03", "merge_with"] == "SP04" and s.loc["SP04", "merge_with"] == "SP03"
    assert s.loc["SP03", "area_m2"] + s.loc["SP04", "area_m2"] >= 350 > s.loc["SP03", "area_m2"]
    assert s.geometry.distance(s.geometry.loc["SP03"]).loc["SP04"] == pytest.approx(50, abs=1)
    assert set(s["ownership"]) <= {"public", "soe", "lease"}
