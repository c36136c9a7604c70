"""The elderly-care network: demand, 2SFCA (against the pysal ``access`` package), levels,
capacitated siting (against brute force), floor-area gaps, the standard file and the command."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog
from shapely.geometry import Point

from gis_planner._errors import InputDataError, PolicyError
from gis_planner.elderly import (
    capacitated_siting,
    elderly_demand,
    facility_capacity,
    floor_area_gaps,
    gaussian_weight,
    level_assessment,
    two_step_fca,
)
from gis_planner.policy.elderly import load_elderly_standard

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "demo"


@pytest.fixture(scope="module")
def std():
    return load_elderly_standard()


# ---------------------------------------------------------------- 2SFCA against `access`

def _random_instance(seed: int, n_d: int = 40, n_s: int = 12):
    rng = np.random.default_rng(seed)
    dist = rng.uniform(0, 1500, size=(n_d, n_s))
    mask = rng.random((n_d, n_s)) < 0.5
    dist[~mask] = np.inf
    dist[0, 0] = 0.0  # an explicit zero walk is a pair in reach
    rows, cols = np.nonzero(np.isfinite(dist))
    costs = sp.csr_matrix((dist[rows, cols], (rows, cols)), shape=(n_d, n_s))
    demand = rng.integers(0, 500, n_d).astype(float)
    supply = rng.integers(1, 80, n_s).astype(float)
    return costs, demand, supply, rows, cols, dist


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
@pytest.mark.parametrize("decay", ["step", "gaussian"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_step_fca_equals_access_package(seed, decay):
    import access
    costs, demand, supply, rows, cols, dist = _random_instance(seed)
    max_cost = 1000.0
    sigma = 400.0
    weight = gaussian_weight(sigma) if decay == "gaussian" else None
    ours, _ = two_step_fca(costs, demand, supply, max_cost_m=max_cost, weight=weight)

    demand_df = pd.DataFrame({"geoid": [f"d{i}" for i in range(len(demand))], "pop": demand})
    supply_df = pd.DataFrame({"geoid": [f"s{j}" for j in range(len(supply))], "beds": supply})
    cost_df = pd.DataFrame({"origin": [f"d{i}" for i in rows], "dest": [f"s{j}" for j in cols],
                            "cost": dist[rows, cols]})
    a = access.Access(demand_df=demand_df, demand_index="geoid", demand_value="pop",
                      supply_df=supply_df, supply_index="geoid", supply_value="beds",
                      cost_df=cost_df, cost_origin="origin", cost_dest="dest", cost_name="cost")
    kwargs = {"weight_fn": access.weights.gaussian(sigma)} if decay == "gaussian" else {}
    theirs = a.two_stage_fca(name="s", max_cost=max_cost, **kwargs).iloc[:, 0]
    theirs = theirs.reindex(demand_df["geoid"]).fillna(0.0).to_numpy()
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)


def test_two_step_fca_by_hand():
    # two homes (100 and 300 elderly), one facility with 40 beds within reach of both:
    # R = 40 / 400 = 0.1 beds per elderly; each home scores 0.1 (100 per 1,000)
    costs = sp.csr_matrix(np.array([[200.0], [600.0]]))
    scores, ratios = two_step_fca(costs, np.array([100.0, 300.0]), np.array([40.0]), max_cost_m=700)
    np.testing.assert_allclose(scores, [0.1, 0.1])
    np.testing.assert_allclose(ratios, [0.1])
    scores, _ = two_step_fca(costs, np.array([100.0, 300.0]), np.array([40.0]), max_cost_m=500)
    np.testing.assert_allclose(scores, [0.4, 0.0])


def test_two_step_fca_refuses_bad_input():
    with pytest.raises(InputDataError, match="demand"):
        two_step_fca(sp.csr_matrix((1, 1)), np.array([-1.0]), np.array([1.0]), max_cost_m=1)
    with pytest.raises(InputDataError, match="costs are"):
        two_step_fca(sp.csr_matrix((2, 1)), np.array([1.0]), np.array([1.0]), max_cost_m=1)
    with pytest.raises(InputDataError, match="sigma_m"):
        gaussian_weight(0)


# ---------------------------------------------------------------- demand and capacities

def test_elderly_demand_columns_and_estimates(std):
    homes = pd.DataFrame({"households": [100, 200, 0], "60岁以上": [50, None, 0]}, index=["a", "b", "c"])
    d = elderly_demand(homes, std)
    assert d.loc["a", "elderly_60"] == 50 and d.loc["a", "elderly_60_source"] == "column"
    assert d.loc["b", "elderly_60"] == pytest.approx(200 * 2.62 * 0.1870)
    assert d.loc["b", "elderly_60_source"] == "estimate"
    assert d.loc["a", "elderly_80"] == pytest.approx(100 * 2.62 * 0.0254)
    assert d.loc["a", "elderly_disabled"] == pytest.approx(50 * 0.15)
    with pytest.raises(InputDataError, match=r"'60岁以上'.*index b"):
        elderly_demand(homes.assign(**{"60岁以上": [1, -3, 0]}), std)


def test_facility_capacity_levels_and_defaults(std):
    fac = pd.DataFrame({"category": ["subdistrict_elderly_centre", "elderly_day_care", "wet_market",
                                     "nursing_home"], "床位": [120, None, 5, 300]}, index=list("wxyz"))
    cap = facility_capacity(fac, std)
    assert list(cap.index) == ["w", "x", "z"]  # the wet market is not elderly care
    assert cap.loc["x", "capacity"] == std.level("community_station").default_capacity.value
    assert cap.loc["x", "capacity_source"] == "default"
    assert cap.loc["z", "level"] == "subdistrict_centre"
    with pytest.raises(InputDataError, match="'床位'"):
        facility_capacity(fac.assign(床位=["many", 1, 1, 1]), std)


def test_levels_by_hand(std):
    # home h1 (1,000 residents aged 60+) is 250 m from a day care (30 places) and 650 m from a
    # centre (100 beds); home h2 is 400 m from the day care (beyond its 300 m) and 500 m from
    # the centre. The centre serves both at its level and, within its own 700 m, at the day-care
    # level too.
    demand = pd.DataFrame({"elderly_60": [1000.0, 1000.0], "elderly_80": [100.0, 100.0]}, index=["h1", "h2"])
    cap = pd.DataFrame({"level_rank": [0, 1], "capacity": [100.0, 30.0]}, index=["centre", "daycare"])
    costs = sp.csr_matrix(np.array([[650.0, 250.0], [500.0, 400.0]]))
    lv = level_assessment(costs, demand, cap, std)
    top = lv["subdistrict_centre"]
    assert top["covered"].all()
    np.testing.assert_allclose(top["places_per_1000"], [50.0, 50.0])  # 100 beds / 2,000 elderly
    np.testing.assert_allclose(top["shortfall"], [0.0, 0.0])  # need 40 each, 50 each reachable
    day = lv["community_station"]
    np.testing.assert_allclose(day["walk_m"], [250.0, 500.0])
    # day-care level: the centre's 100 over 200 aged 80+, plus the day care's 30 over h1's 100
    np.testing.assert_allclose(day["places_per_1000"], [500.0 + 300.0, 500.0])
    np.testing.assert_allclose(day["need"], [20.0, 20.0])
    # h2 reaches day care only through the centre: covered at the level, not by its own facilities
    assert day["covered"].tolist() == [True, True] and day["covered_own"].tolist() == [True, False]
    assert lv["subdistrict_centre"]["covered_own"].tolist() == [True, True]
    from gis_planner.elderly.hierarchy import summarise_levels

    totals = summarise_levels(lv, std).set_index("level")
    assert totals.at["community_station", "covered_demand"] == 200.0
    assert totals.at["community_station", "covered_own_demand"] == 100.0


# ---------------------------------------------------------------- capacitated siting

def _max_served(need, cand_costs, exist_costs, exist_cap, caps, limit):
    """Most places servable with candidate capacities ``caps`` (LP: a transportation problem)."""
    both = np.hstack([cand_costs, exist_costs])
    cap_all = np.concatenate([caps, exist_cap])
    pairs = [(i, k) for i in range(len(need)) for k in range(both.shape[1]) if both[i, k] <= limit]
    if not pairs:
        return 0.0
    a_ub, b_ub = [], []
    for i in range(len(need)):
        a_ub.append([1.0 if p[0] == i else 0.0 for p in pairs])
        b_ub.append(need[i])
    for k in range(both.shape[1]):
        a_ub.append([1.0 if p[1] == k else 0.0 for p in pairs])
        b_ub.append(cap_all[k])
    res = linprog(-np.ones(len(pairs)), A_ub=np.array(a_ub), b_ub=np.array(b_ub), bounds=(0, None),
                  method="highs")
    return -res.fun


def _instance(seed):
    rng = np.random.default_rng(seed)
    n_d, n_c, n_e = 7, 4, 1
    need = rng.integers(1, 30, n_d).astype(float)
    cand = rng.uniform(0, 1000, (n_d, n_c))
    exist = rng.uniform(0, 1000, (n_d, n_e))
    sizes = pd.DataFrame({"capacity": [20.0, 45.0], "cost": [1.0, 1.7]}, index=["s", "l"])
    return need, cand, exist, np.array([15.0]), sizes


def _sparse(dense, limit):
    d = np.where(dense <= limit, dense, 0.0)
    rows, cols = np.nonzero(dense <= limit)
    return sp.csr_matrix((d[rows, cols], (rows, cols)), shape=dense.shape)


@pytest.mark.parametrize("seed", range(6))
def test_capacitated_siting_matches_brute_force(seed):
    need, cand, exist, exist_cap, sizes = _instance(seed)
    limit = 600.0
    choices = list(itertools.product([None, 0, 1], repeat=cand.shape[1]))

    def caps_of(choice):
        return np.array([0.0 if c is None else sizes["capacity"].iloc[c] for c in choice])

    def cost_of(choice):
        return sum(0.0 if c is None else sizes["cost"].iloc[c] for c in choice)

    served = {ch: _max_served(need, cand, exist, exist_cap, caps_of(ch), limit) for ch in choices}
    best_served = max(served.values())
    best_cost = min(cost_of(ch) for ch in choices if served[ch] >= best_served - 1e-7)
    res = capacitated_siting(pd.Series(need), _sparse(cand, limit), _sparse(exist, limit), exist_cap,
                             sizes, limit_m=limit, objective="min_cost")
    assert res.status == "optimal"
    assert res.served.sum() == pytest.approx(best_served, rel=1e-6)
    assert res.total_cost == pytest.approx(best_cost, abs=1e-9)

    budget = 2.0
    best_cover = max(served[ch] for ch in choices if cost_of(ch) <= budget + 1e-12)
    res = capacitated_siting(pd.Series(need), _sparse(cand, limit), _sparse(exist, limit), exist_cap,
                             sizes, limit_m=limit, objective="max_cover", budget=budget)
    assert res.status == "optimal"
    assert res.objective_value == pytest.approx(best_cover, abs=1e-6)
    assert res.total_cost <= budget + 1e-9
    # capacities respected: each chosen site serves at most its size
    assert (res.chosen["served"] <= res.chosen["capacity"] + 1e-6).all()
    assert (res.served <= pd.Series(need) + 1e-6).all()


def test_capacitated_siting_groups_and_closed_sites():
    need = pd.Series([10.0, 10.0])
    cand = sp.csr_matrix(np.array([[100.0, 200.0], [150.0, 50.0]]))
    exist = sp.csr_matrix((2, 0))
    sizes = pd.DataFrame({"capacity": [30.0], "cost": [1.0]}, index=["s"])
    labels = pd.Index(["A", "B"])
    # one site is enough, but group g2 (site B) must have one: B alone serves everyone
    res = capacitated_siting(need, cand, exist, np.zeros(0), sizes, limit_m=500, candidate_labels=labels,
                             candidate_groups=pd.Series({"A": "g1", "B": "g2"}), min_per_group={"g2": 1})
    assert list(res.chosen.index) == ["B"]
    # B closed by the 医养结合 rule: A is chosen instead
    res = capacitated_siting(need, cand, exist, np.zeros(0), sizes, limit_m=500, candidate_labels=labels,
                             allowed=np.array([True, False]))
    assert list(res.chosen.index) == ["A"]
    with pytest.raises(InputDataError, match="budget"):
        capacitated_siting(need, cand, exist, np.zeros(0), sizes, limit_m=500, objective="max_cover")


# ---------------------------------------------------------------- floor area and the standard

def test_floor_area_gaps_by_hand(std):
    hh = pd.Series({"c1": 2000, "c2": 1000})
    existing = pd.Series({"c1": 100.0})
    new = pd.Series({"c2": 20000.0})  # 5 permille of 20,000 m2 = 100 m2, raised to 200 m2 per site
    t = floor_area_gaps(hh, existing, std, new_residential_floor_area_m2=new,
                        new_site_area_m2=pd.Series({"c2": 150.0}))
    assert t.loc["c1", "need_m2"] == pytest.approx(300.0)  # 15 m2 per 100 households
    assert t.loc["c1", "gap_m2"] == pytest.approx(200.0)
    assert t.loc["c2", "need_m2"] == pytest.approx(150.0 + 200.0)
    assert not t.loc["c2", "new_site_ok"]


def test_standard_sources_and_override(tmp_path, std):
    assert all(r["source"] and r["status"] in {"verified", "secondary", "derived", "reading"}
               for r in std.rows())
    assert std.level("subdistrict_centre").places_per_1000.status == "verified"  # GB 50437 3.2.1
    own = tmp_path / "own.toml"
    own.write_text('[health_adjacency]\nmax_walk_m = 150\nsource = "our bureau"\nstatus = "reading"\n',
                   encoding="utf-8")
    assert load_elderly_standard(own).health_max_walk_m.value == 150
    bad = tmp_path / "bad.toml"
    bad.write_text('[health_adjacency]\nmax_walk_m = -1\n', encoding="utf-8")
    with pytest.raises(PolicyError, match=r"bad\.toml: health_adjacency\.max_walk_m = -1"):
        load_elderly_standard(bad)
    bad.write_text('colour = "red"\n', encoding="utf-8")
    with pytest.raises(PolicyError, match="unknown key"):
        load_elderly_standard(bad)
    with pytest.raises(PolicyError, match="level 'spa' is unknown"):
        std.level("spa")


# ---------------------------------------------------------------- the demo, end to end

@pytest.fixture(scope="module")
def demo_layers():
    from gis_planner import io

    net = io.read_network(DEMO / "roads.geojson")
    homes = io.read_compounds(DEMO / "compounds.geojson", metric_crs=net.crs)
    return {
        "net": net, "homes": homes,
        "gates": io.read_gates(DEMO / "gates.csv", compounds=homes, source_coords="wgs84"),
        "fac": io.read_facilities(DEMO / "facilities.csv", source_coords="gcj02", metric_crs=net.crs),
        "com": io.read_communities(DEMO / "communities.geojson", metric_crs=net.crs),
        "sub": io.read_subdistricts(DEMO / "subdistricts.geojson", metric_crs=net.crs),
        "cand": io.read_points(DEMO / "candidates.csv", source_coords="wgs84", metric_crs=net.crs,
                               id_aliases=("candidate_id", "id"), index_name="candidate_id"),
    }


@pytest.fixture(scope="module")
def demo_result(demo_layers):
    from gis_planner.elderly import assess_elderly_care

    L = demo_layers
    return assess_elderly_care(L["net"], L["homes"], L["fac"], gates=L["gates"], communities=L["com"],
                               subdistricts=L["sub"], candidates=L["cand"], objective="max_cover", max_sites=3,
                               health_rule="check", snap_tolerance_m=250)


def test_demo_assessment(demo_layers, demo_result, std):
    L = demo_layers
    r = demo_result
    assert list(r.levels["level"]) == [lv.id for lv in std.levels]
    assert r.compounds.index.equals(L["homes"].index)
    # elderly residents are conserved in the per-community totals
    total = r.levels.loc[r.levels["level"] == "subdistrict_centre", "demand"].sum()
    assert r.compounds["elderly_60"].sum() == pytest.approx(total)
    # every urban sub-district has its comprehensive centre rule checked; the township is not
    sub_rule = r.structure.loc[r.structure["unit"] == "subdistrict"]
    assert set(sub_rule["code"]) == set(L["sub"].index[L["sub"]["kind"] == "subdistrict"])
    assert r.siting is not None and r.siting.status == "optimal" and len(r.sites) <= 3
    # with sites, the sub-district lacking a centre gets one (the per-urban-sub-district rule)
    lacking = set(sub_rule.loc[~sub_rule["met"], "code"])
    assert lacking == {"321202002"}  # the demo's 凤凰街道 has no comprehensive centre
    for code in lacking:
        assert r.sites.within(L["sub"].geometry.loc[code]).any(), code
    assert r.floor_area is not None and (r.floor_area["gap_m2"] >= 0).all()


def test_structure_counts_the_level_itself(demo_layers, demo_result):
    """Day care per urban community counts day-care facilities only: the 街道 centre B000086 in
    梅园社区 is named beside, not counted; a community without an urban/rural class is listed."""
    L, s = demo_layers, demo_result.structure.set_index("code")
    day = s.loc[s["level"] == "community_station"]
    meiyuan = day.loc["321202001003"]
    assert meiyuan["existing"] == 0 and meiyuan["higher"] == 1 and not meiyuan["met"]
    assert meiyuan["higher_facilities"].startswith("B000086 ")
    urban_or_blank = L["com"].index[L["com"]["urban_rural"].ne("rural")]
    fac = demo_result.facilities
    in_them = fac["category"].eq("elderly_day_care") & fac["community_code"].isin(urban_or_blank)
    assert day["existing"].sum() == in_them.sum() == 6
    xueyuan = day.loc["321202001008"]  # urban_rural left blank in the demo
    assert not xueyuan["classified"] and pd.isna(xueyuan["met"])


_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tables_speak_the_language(demo_result, lang):
    from gis_planner.elderly.outputs import elderly_tables

    tabs = elderly_tables(demo_result, lang=lang)
    raw = {"community_code", "norm_m2_per_100_households", "need_existing_m2", "need_new_m2", "candidate_id",
           "walk_limit_m", "covered_demand", "demand", "level", "key", "value"}
    for key, t in tabs.items():
        for col in t.columns:
            assert col not in raw, (key, col)
            assert bool(_CJK.search(col)) == (lang == "zh"), (key, col)
    levels = tabs["levels"]
    ints = [c for c in levels.columns if "(人" in c or "(persons" in c]
    assert ints and all(pd.api.types.is_integer_dtype(levels[c]) for c in ints)
    counts = "户数" if lang == "zh" else "Households"
    assert pd.api.types.is_integer_dtype(tabs["floor_area"][counts])
    code, name = ("社区编码", "社区名称") if lang == "zh" else ("Community code", "Community")
    for key in ("by_community", "floor_area"):
        cols = list(tabs[key].columns)
        assert cols.index(name) == cols.index(code) + 1
        assert "和平社区" in set(tabs[key][name])
    if lang == "en":  # no Chinese words but names
        for key in ("levels", "by_community", "structure", "sites"):
            t = tabs[key]
            for col in t.columns:
                if col not in {"Community", "Name", "Sub-district", "Source", "Note"}:
                    assert not t[col].astype(str).str.contains(_CJK).any(), (key, col)
    else:
        assert set(tabs["sites"]["规模"]) <= {"小型", "中型", "大型"}
        # the demo is run without a plan place: the rules of one city (泰州, 衡阳) ask to be checked
        assert tabs["structure"]["核实状态"].str.match(r"已核实（原文）；地方规定（(泰州|衡阳)），规划地点未指定").all()


def _placed(result, plan_place):
    """``result`` as judged for a plan made in ``plan_place``."""
    import dataclasses

    return dataclasses.replace(result, standard=dataclasses.replace(result.standard, plan_place=plan_place))


def test_rules_of_other_places_are_said_so(demo_result):
    """In a 泰州 plan, 衡阳's day-care rule and the Guangdong/Guizhou floor-area norm are marked as
    other places' rules wherever their status is shown; 泰州's own rule is not; in a 衡阳 plan the
    other way round."""
    from gis_planner.elderly.outputs import elderly_tables

    tabs = {lang: elderly_tables(_placed(demo_result, "jiangsu/taizhou"), lang=lang) for lang in ("zh", "en")}
    zh = tabs["zh"]["structure"].groupby("层级")["核实状态"].agg(set)
    assert zh["社区养老服务站/日间照料中心"] == {"已核实（原文）；其他地区规定（衡阳）"}
    assert zh["街道综合养老服务中心"] == {"已核实（原文）"}
    en = set(tabs["en"]["structure"]["Status"])
    assert en == {"verified (the clause text was read); another region's rule (Hengyang)",
                  "verified (the clause text was read)"}
    st = tabs["zh"]["standard"].set_index("配置键")["核实状态"]
    assert st["m2_per_100_households_existing"] == "已核实（原文）；其他地区规定（广东、贵州）"
    assert st["new_site_min_m2"] == "已核实（原文）；其他地区规定（衡阳）"
    assert st["home_service_min_share_pct"] == st["subdistrict_centre.per_urban_subdistrict"] == "已核实（原文）"
    assert st["elderly_speed_kmh"] == "本工具推导；其他地区规定（贵州）"
    assert st["share_80_plus"] == "本工具推导"  # the national census
    en_st = tabs["en"]["standard"].set_index("Key")["Status"]
    assert en_st["m2_per_100_households_new"].endswith("; another region's rule (Guangdong, Guizhou)")
    hengyang = elderly_tables(_placed(demo_result, "hunan/hengyang"), lang="zh")["standard"].set_index("配置键")
    assert hengyang.at["community_station.per_urban_community", "核实状态"] == "已核实（原文）"
    assert hengyang.at["subdistrict_centre.per_urban_subdistrict", "核实状态"] == "已核实（原文）；其他地区规定（泰州）"


def test_levels_say_which_residents_and_facilities(demo_result):
    from gis_planner.elderly.outputs import elderly_tables

    t = elderly_tables(demo_result, lang="zh")["levels"].set_index("层级")
    assert t.at["社区养老服务站/日间照料中心", "服务对象"] == "80岁及以上老人"
    assert t.at["老年助餐点", "服务对象"] == "60岁及以上老人"
    counted = t.at["老年助餐点", "计入的设施（各按本级步行上限）"]
    assert "老年助餐点 500 m内" in counted and "日间照料中心 300 m内" in counted and "700 m内" in counted
    meals = t.loc["老年助餐点"]
    assert meals["仅本层级设施可达(人)"] < meals["步行可达(人，含上级设施)"] <= meals["服务对象人数(人)"]
    assert t.at["老年助餐点", "配置指标核实状态"].startswith("本工具取值")
    assert t.at["街道综合养老服务中心", "配置指标核实状态"] == "已核实（原文）"


def test_every_number_of_the_tables_has_its_source(demo_result, std):
    from gis_planner.elderly.outputs import elderly_tables

    for lang in ("zh", "en"):
        st = elderly_tables(demo_result, lang=lang)["standard"]
        head = {"zh": ("配置键", "参数", "数值", "依据"), "en": ("Key", "Parameter", "Value", "Source")}
        key, label, value, source = head[lang]
        assert (st[source].str.len() > 0).all() and (st[label] != st[key]).all()
        by_key = st.set_index(key)[value]
        for lv in std.levels:
            assert by_key[f"{lv.id}.walk_limit_m"] == lv.walk_limit_m.value
            assert by_key[f"{lv.id}.places_per_1000"] == lv.places_per_1000.value
        assert by_key["m2_per_100_households_existing"] == 15
        assert by_key["elderly_speed_kmh"] == 2.8
        assert {"share_60_plus", "share_80_plus", "persons_per_household",
                "community_station.per_urban_community", "subdistrict_centre.sizes.large.capacity"} <= set(by_key.index)
    zh = elderly_tables(demo_result, lang="zh")["standard"].set_index("配置键")
    label = zh.at["community_station.places_per_1000", "参数"]
    assert label == "社区养老服务站/日间照料中心：每千名80岁及以上老人日托位"
    assert zh.at["meal_point.places_per_1000", "核实状态"].startswith("本工具取值")


def test_elderly_command_on_demo(tmp_path):
    from typer.testing import CliRunner

    from gis_planner.cli import app

    out = tmp_path / "elderly_output"
    args = ["elderly", "--network", str(DEMO / "roads.geojson"), "--households", str(DEMO / "compounds.geojson"),
            "--gates", str(DEMO / "gates.csv"), "--facilities", str(DEMO / "facilities.csv"), "--coords", "wgs84",
            "--facility-coords", "gcj02", "--communities", str(DEMO / "communities.geojson"),
            "--subdistricts", str(DEMO / "subdistricts.geojson"), "--candidates", str(DEMO / "candidates.csv"),
            "--objective", "max_cover", "--sites", "2", "--out", str(out)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "街道综合养老服务中心" in res.output
    sheets = pd.read_excel(out / "elderly.xlsx", sheet_name=None)
    assert {"levels", "structure", "floor_area", "sites", "standard"} <= set(sheets)
    sites = gpd.read_file(out / "elderly.gpkg", layer="sites")
    assert 1 <= len(sites) <= 2
    no_limit = [a for a in args if a not in ("--sites", "2")]
    res = CliRunner().invoke(app, [*no_limit[:-1], str(tmp_path / "other")])
    assert res.exit_code == 2 and "max_cover needs --budget or --sites" in res.output
    assert not (tmp_path / "other").exists()
    res = CliRunner().invoke(app, [*args, "--decay", "cubic"])
    assert res.exit_code == 2 and "--decay" in res.output


def test_costs_use_the_best_gate(demo_layers):
    from gis_planner.coverage.costs import compound_costs

    L = demo_layers
    homes = L["homes"].iloc[:20]
    fac = L["fac"].iloc[:10]
    gates = L["gates"].loc[L["gates"]["compound_id"].isin(homes.index)]
    with_gates = compound_costs(L["net"], homes, fac, cutoff_m=3000, gates=gates, snap_tolerance_m=250)
    pts = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=homes.crs)
    assert compound_costs(L["net"], homes, pts.iloc[:0], cutoff_m=10, snap_tolerance_m=250).shape == (20, 0)
    # through a gate: never shorter than the straight line from the compound point to the facility
    coo = with_gates.tocoo()
    straight = homes.geometry.representative_point().to_numpy()[coo.row]
    d_line = gpd.GeoSeries(straight, crs=homes.crs).distance(
        gpd.GeoSeries(fac.geometry.to_numpy()[coo.col], crs=homes.crs), align=False).to_numpy()
    assert (coo.data >= d_line - 1e-6).all()
