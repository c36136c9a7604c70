"""Reachability: hand-checked toy cases, a networkx oracle on real Shanghai streets, properties."""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from _networks import grid_network
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gis_planner._errors import CRSError, GisPlannerWarning, InputDataError
from gis_planner.coverage import coverage_summary, reach, worst_served
from gis_planner.network import WalkNetwork
from gis_planner.network.snap import snap_points

CRS = 32651


def _grid(n: int = 5, spacing: float = 100.0) -> WalkNetwork:
    return grid_network(n, spacing, crs=CRS)


@pytest.fixture(scope="module")
def grid() -> WalkNetwork:
    """A 5 x 5 grid of 100 m blocks (0..400 m each way)."""
    return _grid()


def _pts(xy, *, prefix, crs=CRS, **cols):
    return gpd.GeoDataFrame(cols, geometry=shapely.points(np.asarray(xy, dtype=float)), crs=crs,
                            index=[f"{prefix}{i}" for i in range(len(xy))])


def test_hand_checked_distances(grid):
    """Household H0 at (10, 30): snaps to the edge x=0 at y=30 (10 m away). Shop S0 at (250, 0)
    lies mid-edge on y=0. Network distance = 30 (down to (0,0)) + 250 = 280 m; at 4 km/h that is
    4.2 min. Household H1 at (210, 5) snaps 5 m onto the same edge (200..300 on y=0) at x=210:
    40 m along it. Distances are network metres from the snapped position (the snap distance is
    reported separately in ``snap_dist_m``)."""
    homes = _pts([(10, 30), (210, 5)], prefix="H", households=[100, 50])
    shops = _pts([(250, 0)], prefix="S", category=["convenience_store"])
    r = reach(grid, homes, shops, speed_kmh=4.0, walk_minutes=(5, 10))
    hh = r.households
    assert hh.loc["H0", "convenience_store_dist_m"] == pytest.approx(280.0)
    assert hh.loc["H0", "convenience_store_min"] == pytest.approx(4.2)
    assert hh.loc["H1", "convenience_store_dist_m"] == pytest.approx(40.0)
    assert hh.loc["H0", "snap_dist_m"] == pytest.approx(10.0)
    assert bool(hh.loc["H0", "convenience_store_covered_5min"])
    assert hh.loc["H0", "convenience_store_n_within"] == 1
    assert list(hh.index) == ["H0", "H1"] and hh.crs == homes.crs


def test_gates_best_gate_wins(grid):
    """Compound polygon between x 120..180, y 120..180 (point inside at its centre 150,150). Gate
    G1 at (150, 100) on street y=100: access 50 m + 50 m to (100,100) + 100 m down to (100,0) =
    200 m to a shop at (100, 0). Gate G2 at (200, 150) on x=200: 50 + 50 + 200 = 300 m."""
    homes = gpd.GeoDataFrame({"households": [400]}, index=["C1"],
                             geometry=[shapely.box(120, 120, 180, 180)], crs=CRS)
    gates = _pts([(150, 100), (200, 150)], prefix="G", compound_id=["C1", "C1"])
    shop = _pts([(100, 0)], prefix="S", category=["pharmacy"])
    r = reach(grid, homes, shop, speed_kmh=4.0, gates=gates)
    assert r.households.loc["C1", "pharmacy_dist_m"] == pytest.approx(200.0)
    assert r.households.loc["C1", "n_gates"] == 2
    assert r.households.loc["C1", "pharmacy_gate_id"] == "G0"
    assert r.households.loc["C1", "gate_id"] == "G0"
    # a kindergarten at (200, 140) is nearer through G1: 50 m access + 10 m down x = 200 (through
    # G0: 50 + 50 + 40 = 140 m)
    two = pd.concat([shop, _pts([(200, 140)], prefix="K", category=["kindergarten"])])
    r2 = reach(grid, homes, two, speed_kmh=4.0, gates=gates)
    assert r2.households.loc["C1", "kindergarten_dist_m"] == pytest.approx(60.0)
    assert r2.households.loc["C1", "kindergarten_gate_id"] == "G1"
    assert r2.households.loc["C1", "pharmacy_gate_id"] == "G0"
    assert r2.households.loc["C1", "gate_id"] == "G0"  # tie of one each: the first category's
    no_gates = reach(grid, homes, shop, speed_kmh=4.0)
    # without gates the centre (150,150) snaps 50 m onto x=100 at (100,150): 150 m down to the shop
    assert no_gates.households.loc["C1", "pharmacy_dist_m"] == pytest.approx(150.0)
    assert no_gates.households.loc["C1", "snap_dist_m"] == pytest.approx(50.0)
    assert pd.isna(no_gates.households.loc["C1", "gate_id"])
    assert "pharmacy_gate_id" not in no_gates.households


def test_gated_and_ungated_compounds_mix(grid):
    """C1 has one gate at (300, 150) on x = 300, access 150 m from its point (150, 150): 150 + 150
    = 300 m to a shop at (300, 0). C2 has no gate: its point (310, 250) snaps 10 m onto x = 300 and
    walks 250 m down. A gate naming an unknown compound is ignored with a warning."""
    homes = _pts([(150, 150), (310, 250)], prefix="C", households=[10, 20])
    homes.index = ["C1", "C2"]
    gates = _pts([(300, 150), (0, 0)], prefix="G", compound_id=["C1", "nowhere"])
    shop = _pts([(300, 0)], prefix="S", category=["pharmacy"])
    with pytest.warns(GisPlannerWarning, match="1 gates name a compound_id not among"):
        r = reach(grid, homes, shop, speed_kmh=4.0, gates=gates)
    hh = r.households
    assert hh.loc["C1", "pharmacy_dist_m"] == pytest.approx(300.0)
    assert hh.loc["C2", "pharmacy_dist_m"] == pytest.approx(250.0)
    assert hh.loc["C1", "gate_id"] == "G0" and pd.isna(hh.loc["C2", "gate_id"])
    assert hh["n_gates"].tolist() == [1, 0]


def test_counts_within_the_limit(grid):
    """Four pharmacies at 100, 300, 500 and 800 m from H0 at (0, 0) (along y = 0, then up
    x = 400); at 4 km/h the limits are 333.3 m (5 min), 666.7 m (10 min) and 1000 m (15 min)."""
    homes = _pts([(0, 0)], prefix="H", households=[5])
    fac = _pts([(100, 0), (300, 0), (400, 100), (400, 400)], prefix="F",
               category=["pharmacy"] * 4)
    counts = [reach(grid, homes, fac, speed_kmh=4.0, walk_minutes=(m,)).households.loc[
        "H0", "pharmacy_n_within"] for m in (5, 10, 15)]
    assert counts == [2, 3, 4]
    r15 = reach(grid, homes, fac, speed_kmh=4.0, walk_minutes=(15,))
    assert r15.households.loc["H0", "pharmacy_dist_m"] == pytest.approx(100.0)


def test_inputs_are_not_modified_and_index_is_kept(grid):
    homes = _pts([(10, 30), (210, 5)], prefix="H", households=[100, 50])
    homes.index = pd.Index(["b", "a"], name="compound_id")
    shops = _pts([(250, 0)], prefix="S", category=["pharmacy"])
    before_h, before_f = homes.copy(), shops.copy()
    r = reach(grid, homes, shops, speed_kmh=4.0)
    pd.testing.assert_frame_equal(homes, before_h)
    pd.testing.assert_frame_equal(shops, before_f)
    assert r.households.index.equals(homes.index) and r.households.index.name == "compound_id"
    assert r.households.crs == homes.crs and r.facilities.index.equals(shops.index)
    assert r.facilities.loc["S0", "excluded_reason"] == ""


def test_far_points_are_excluded_and_reported(grid):
    homes = _pts([(10, 10), (5000, 5000)], prefix="H", households=[10, 20])
    shops = _pts([(100, 0), (9000, 0)], prefix="S", category=["pharmacy", "pharmacy"])
    r = reach(grid, homes, shops, speed_kmh=4.0, snap_tolerance_m=250)
    assert r.households["snapped"].tolist() == [True, False]
    assert np.isnan(r.households.loc["H1", "pharmacy_dist_m"])
    assert not r.households.loc["H1", "pharmacy_covered"]
    assert r.facilities.loc["S1", "excluded_reason"].startswith("farther than 250 m")
    s = coverage_summary(r)
    assert s.loc[0, "households"] == 30 and s.loc[0, "households_unsnapped"] == 20


def test_category_limits_and_completeness(grid):
    homes = _pts([(0, 0), (400, 400)], prefix="H", households=[1, 1])
    fac = _pts([(0, 250), (0, 100)], prefix="F", category=["kindergarten", "pharmacy"])
    r = reach(grid, homes, fac, speed_kmh=4.0, category_minutes={"kindergarten": 4.5})
    assert r.category_limits_m["kindergarten"] == pytest.approx(300.0)
    assert r.households.loc["H0", "kindergarten_covered"]  # 250 m <= 300 m
    assert r.households.loc["H0", "completeness"] == 1.0
    assert r.households.loc["H1", "kindergarten_dist_m"] == pytest.approx(550.0)
    assert not r.households.loc["H1", "kindergarten_covered"]
    assert r.households.loc["H1", "completeness"] == 0.5  # pharmacy 700 m <= 1000 m
    ws = worst_served(r, n=1, lang="en")
    assert ws.index[0] == "H1" and ws.iloc[0]["missing"] == "Kindergarten"


def test_bad_inputs(grid):
    homes = _pts([(0, 0)], prefix="H", households=[1])
    fac = _pts([(0, 100)], prefix="F", category=["spaceport"])
    with pytest.raises(InputDataError, match="unknown categories 'spaceport'"):
        reach(grid, homes, fac, speed_kmh=4.0)
    with pytest.raises(CRSError, match="reproject"):
        reach(grid, homes.to_crs(3857), fac.assign(category="pharmacy"), speed_kmh=4.0)
    with pytest.raises(InputDataError, match=r"'households' has 1 negative"):
        reach(grid, homes.assign(households=[-1]), fac.assign(category="pharmacy"), speed_kmh=4.0)
    with pytest.raises(InputDataError, match="speed_kmh must be > 0"):
        reach(grid, homes, fac.assign(category="pharmacy"), speed_kmh=0)
    with pytest.warns(GisPlannerWarning, match="'wet_market' has no facility"):
        r = reach(grid, homes, fac.assign(category="pharmacy"), speed_kmh=4.0,
                  categories=["pharmacy", "wet_market"])
    assert not r.households["wet_market_covered"].any()
    assert r.households.loc["H0", "wet_market_n_within"] == 0
    with pytest.raises(InputDataError, match="duplicate ids"):
        reach(grid, pd.concat([homes, homes]), fac.assign(category="pharmacy"), speed_kmh=4.0)
    with pytest.raises(InputDataError, match="not points"):
        reach(grid, homes, fac.assign(category="pharmacy", geometry=[shapely.box(0, 0, 5, 5)]),
              speed_kmh=4.0)
    with pytest.raises(InputDataError, match="empty or not Point/Polygon"):
        reach(grid, homes.assign(geometry=[shapely.LineString([(0, 0), (1, 1)])]),
              fac.assign(category="pharmacy"), speed_kmh=4.0)
    with pytest.raises(InputDataError, match="search_cap_m 500 m is shorter"):
        reach(grid, homes, fac.assign(category="pharmacy"), speed_kmh=4.0, search_cap_m=500)
    with pytest.raises(InputDataError, match="unknown categories 'karaoke'"):
        reach(grid, homes, fac.assign(category="pharmacy"), speed_kmh=4.0,
              required_categories=["karaoke"])


def test_required_category_without_facilities_counts_as_missing(grid):
    """A required category with no facility at all (e.g. a profile's list) is assessed: every
    household is uncovered for it, completeness falls, and the result notes it."""
    homes = _pts([(0, 0)], prefix="H", households=[1])
    fac = _pts([(0, 100)], prefix="F", category=["pharmacy"])
    r = reach(grid, homes, fac, speed_kmh=4.0, required_categories=["pharmacy", "breakfast"])
    assert r.categories == ("pharmacy", "breakfast")
    assert r.households.loc["H0", "completeness"] == 0.5
    assert not r.households.loc["H0", "breakfast_covered"]
    assert np.isnan(r.households.loc["H0", "breakfast_dist_m"])
    assert r.notes["categories_without_facilities"] == ("breakfast",)


# ------------------------------------------------------------------ oracle on real streets
def _oracle_graph(net: WalkNetwork, snaps: dict[str, pd.DataFrame]) -> nx.Graph:
    """networkx graph with every snapped point inserted as a node splitting its edge (the same
    partial-edge model, built independently)."""
    g = nx.Graph()
    e = net.edges
    on_edge: dict[int, list[tuple[float, str]]] = {}
    for prefix, s in snaps.items():
        for pid, row in s.loc[s["snapped"]].iterrows():
            on_edge.setdefault(int(row["edge"]), []).append((float(row["offset_m"]), f"{prefix}:{pid}"))
    for k, (u, v, w) in enumerate(zip(e["u"], e["v"], e["length_m"], strict=True)):
        chain = [(0.0, int(u)), *sorted(on_edge.get(k, [])), (float(w), int(v))]
        for (o1, a), (o2, b) in itertools.pairwise(chain):
            d = o2 - o1
            if not g.has_edge(a, b) or g[a][b]["w"] > d:
                g.add_edge(a, b, w=d)
    return g


def test_oracle_against_networkx_on_shanghai(shared_data):
    from gis_planner.io import read_facilities, read_network

    net = read_network(shared_data / "shanghai-central" / "roads_shanghai_center_overpass_2025-08.osm")
    folder = shared_data / "shanghai-huangpu"
    fac = pd.concat([read_facilities(folder / f"poi_amap_{c}.csv", source_coords="wgs84", metric_crs=net.crs)
                     .rename(index=lambda i, c=c: f"{c}:{i}") for c in ("kindergarten", "primary_school")])
    x0, y0, x1, y1 = net.edges.total_bounds
    fac = fac[fac.geometry.x.between(x0, x1) & fac.geometry.y.between(y0, y1)]
    rng = np.random.default_rng(42)
    # No real household counts exist for Shanghai: counts here are assumed (random).
    homes = _pts(np.c_[rng.uniform(x0, x1, 400), rng.uniform(y0, y1, 400)], prefix="H",
                 households=rng.integers(50, 2000, 400))
    r = reach(net, homes, fac, speed_kmh=4.0, walk_minutes=(5, 10, 15), search_cap_m=3000)
    s_h = snap_points(net, homes, tolerance_m=250)
    s_f = snap_points(net, fac, tolerance_m=250)
    g = _oracle_graph(net, {"H": s_h, "F": s_f})
    checked = 0
    for cat in ("kindergarten", "primary_school"):
        sources = [f"F:{i}" for i in s_f.index[s_f["snapped"] & (fac["category"] == cat)]]
        dist = nx.multi_source_dijkstra_path_length(g, sources, cutoff=3000, weight="w")
        for hid in homes.index[s_h["snapped"]]:
            want = dist.get(f"H:{hid}", np.inf)
            got = r.households.loc[hid, f"{cat}_dist_m"]
            got = np.inf if np.isnan(got) else got
            if np.isfinite(want):
                assert got == pytest.approx(want, abs=0.01)
            else:
                assert not np.isfinite(got)
            assert bool(r.households.loc[hid, f"{cat}_covered"]) == (want <= 1000.0)
            for minutes in (5, 10, 15):
                assert bool(r.households.loc[hid, f"{cat}_covered_{minutes}min"]) == (
                    want <= minutes * 4000.0 / 60.0)
            checked += 1
        # facility counts within 1000 m: one networkx search per facility
        counts = dict.fromkeys(homes.index, 0)
        for src in sources:
            for node in nx.single_source_dijkstra_path_length(g, src, cutoff=1000.0, weight="w"):
                if isinstance(node, str) and node.startswith("H:"):
                    counts[node[2:]] += 1
        got_counts = r.households[f"{cat}_n_within"]
        assert got_counts.to_dict() == counts
        assert got_counts.max() >= 3
    assert checked > 500  # 400 points x 2 categories, minus those off the network
    unsnapped = ~s_h["snapped"]
    assert r.households.loc[unsnapped, "kindergarten_dist_m"].isna().all()


# ------------------------------------------------------------------ properties
_net = _grid(6, 120.0)
_coords = st.lists(st.tuples(st.floats(0, 600), st.floats(0, 600)), min_size=1, max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(homes=_coords, shops=_coords, minutes=st.floats(1, 20), extra=st.floats(0, 20),
       new_shop=st.tuples(st.floats(0, 600), st.floats(0, 600)))
def test_properties(homes, shops, minutes, extra, new_shop):
    h = _pts(homes, prefix="H", households=list(range(1, len(homes) + 1)))
    f = _pts(shops, prefix="S", category=["pharmacy"] * len(shops))
    base = reach(_net, h, f, speed_kmh=4.0, walk_minutes=(minutes,), search_cap_m=5000)
    more = reach(_net, h, f, speed_kmh=4.0, walk_minutes=(minutes + extra,), search_cap_m=5000)
    # more time never uncovers a household
    assert (more.households["pharmacy_covered"] >= base.households["pharmacy_covered"]).all()
    # adding a facility never increases a distance
    f2 = pd.concat([f, _pts([new_shop], prefix="N", category=["pharmacy"])])
    added = reach(_net, h, f2, speed_kmh=4.0, walk_minutes=(minutes,), search_cap_m=5000)
    d0 = base.households["pharmacy_dist_m"].fillna(np.inf)
    d1 = added.households["pharmacy_dist_m"].fillna(np.inf)
    assert (d1 <= d0 + 1e-9).all()
    # household totals in summaries equal the input total; index preserved
    assert coverage_summary(base)["households"].sum() == h["households"].sum()
    assert list(base.households.index) == list(h.index)
    # only minutes x speed matters
    other = reach(_net, h, f, speed_kmh=2.0, walk_minutes=(minutes * 2,), search_cap_m=5000)
    assert (other.households["pharmacy_covered"] == base.households["pharmacy_covered"]).all()
