"""Neighbourhood centres in idle spaces: the inventory reader, the model (by hand and against brute
force), the planted cases (too small, upper floor without a lift, a pair that only works merged)
and the command."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from gis_planner._errors import InputDataError, PolicyError
from gis_planner.centres import CentreProblem, plan_centres, solve_centres
from gis_planner.io import read_spaces
from gis_planner.policy.centres import load_centre_standard

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "demo"

SPACES_CSV = """编号,名称,可用面积,楼层,电梯,产权,现状用途,改造费用,可合并,lng,lat
K1,旧粮站,420,1,无,国企,仓库,80,,119.9290,32.4460
K2,社区用房二楼,200,2,否,公有,闲置,20,,119.9217,32.4515
K3,底商甲,200,1,无,租赁,商铺,30,K4,119.9250,32.4480
K4,底商乙,200,1,无,租赁,商铺,30,K3,119.9252,32.4481
K5,车库,15,1,无,公有,车库,5,,119.9260,32.4470
"""


# ---------------------------------------------------------------- the inventory

def test_read_spaces_chinese_columns(tmp_path):
    f = tmp_path / "spaces.csv"
    f.write_text(SPACES_CSV, encoding="utf-8")
    s = read_spaces(f, source_coords="wgs84", metric_crs="EPSG:32651")
    assert list(s.index) == ["K1", "K2", "K3", "K4", "K5"]
    assert s.loc["K1", "area_m2"] == 420.0 and s.loc["K2", "floor"] == 2
    assert not s.loc["K2", "lift"] and s.loc["K3", "merge_with"] == "K4"
    assert s.loc["K1", "ownership"] == "soe" and s.loc["K3", "ownership"] == "lease"
    assert s.loc["K1", "current_use"] == "仓库"


@pytest.mark.parametrize(("column", "value", "message"), [
    ("可用面积", "0", r"spaces\.csv: column 'area_m2' has 1 values that are not numbers > 0.*space K2"),
    ("楼层", "1.5", r"column 'floor'.*whole storeys.*K2"),
    ("电梯", "maybe", r"column 'lift'.*yes/no.*K2"),
    ("产权", "集体", r"column 'ownership'.*K2"),
    ("可合并", "K9", r"column 'merge_with'.*K2"),
    ("改造费用", "-3", r"column 'cost'.*>= 0.*K2"),
])
def test_read_spaces_errors(tmp_path, column, value, message):
    df = pd.read_csv(pd.io.common.StringIO(SPACES_CSV), dtype=str, keep_default_na=False)
    df.loc[df["编号"] == "K2", column] = value
    f = tmp_path / "spaces.csv"
    df.to_csv(f, index=False, encoding="utf-8")
    with pytest.raises(InputDataError, match=message):
        read_spaces(f, source_coords="wgs84", metric_crs="EPSG:32651")


def test_read_spaces_missing_area(tmp_path):
    f = tmp_path / "spaces.csv"
    f.write_text("id,floor,cost,lng,lat\nA,1,3,119.93,32.45\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="no 'area_m2' column"):
        read_spaces(f, source_coords="wgs84", metric_crs="EPSG:32651")


# ---------------------------------------------------------------- the model

def _problem(reach, weight, *, area, cost, min_area, fits=None, served=None, apart=(), exclusive=(),
             community=None, gap=None, required=None):
    n_i, n_f = weight.shape
    n_k = len(area)
    community = np.zeros(n_k, dtype=int) if community is None else np.asarray(community)
    n_c = int(community.max()) + 1 if len(community) else 0
    return CentreProblem(
        reach=tuple(sp.csr_matrix(r, dtype=bool) for r in reach),
        served_before=np.zeros((n_i, n_f), dtype=bool) if served is None else served,
        weight=weight, area_m2=np.asarray(area, float), cost=np.asarray(cost, float),
        fits=np.ones((n_k, n_f), dtype=bool) if fits is None else fits, min_area_m2=np.asarray(min_area, float),
        apart=tuple(apart), exclusive=tuple(exclusive), community=community,
        gap_m2=np.zeros(n_c) if gap is None else np.asarray(gap, float),
        required=np.zeros((n_c, n_f), dtype=bool) if required is None else required)


def test_model_by_hand():
    # three homes (100, 200, 300 households); space A (100 m2) reaches homes 0 and 1, space B
    # (50 m2) reaches home 2. Function 0 needs 60 m2, function 1 needs 40 m2. One site only:
    # A can hold both (100 m2) -> 2 x 300 = 600; B holds function 1 only -> 300. A wins.
    reach0 = np.array([[1, 0], [1, 0], [0, 1]])
    weight = np.array([[100.0, 100.0], [200.0, 200.0], [300.0, 300.0]])
    p = _problem((reach0, reach0), weight, area=[100, 50], cost=[1, 1], min_area=[60, 40])
    sol = solve_centres(p, max_sites=1)
    assert sol.status == "optimal"
    assert sol.open.tolist() == [True, False]
    assert sol.put.tolist() == [[True, True], [False, False]]
    assert sol.score == pytest.approx(600.0)
    # two sites: both -> 600 + 300
    assert solve_centres(p, max_sites=2).score == pytest.approx(900.0)
    # the two functions may not share: A holds one (300), B the other (300): 600
    p2 = _problem((reach0, reach0), weight, area=[100, 50], cost=[1, 1], min_area=[60, 40], apart=[(0, 1)])
    sol = solve_centres(p2, max_sites=2)
    assert sol.score == pytest.approx(600.0) and sol.put.sum(axis=1).tolist() == [1, 1]
    with pytest.raises(InputDataError, match="number of sites or a budget"):
        solve_centres(p)


def _brute_force(p: CentreProblem, *, max_sites, budget, weight_m2, weight_required):
    n_k, n_f = p.fits.shape
    options = []
    for k in range(n_k):
        per = [()]
        for r in range(1, n_f + 1):
            for combo in itertools.combinations(range(n_f), r):
                if not all(p.fits[k, f] for f in combo):
                    continue
                if sum(p.min_area_m2[f] for f in combo) > p.area_m2[k] + 1e-9:
                    continue
                if any(a in combo and b in combo for a, b in p.apart):
                    continue
                per.append(combo)
        options.append(per)
    best = -np.inf
    for choice in itertools.product(*options):
        opened = np.array([len(c) > 0 for c in choice])
        if max_sites is not None and opened.sum() > max_sites:
            continue
        if budget is not None and p.cost[opened].sum() > budget + 1e-9:
            continue
        if any(opened[list(g)].sum() > 1 for g in p.exclusive):
            continue
        put = np.zeros((n_k, n_f), dtype=bool)
        for k, combo in enumerate(choice):
            put[k, list(combo)] = True
        score = 0.0
        for f in range(n_f):
            reached = (p.reach[f].toarray() & put[:, f]).any(axis=1)
            score += p.weight[reached & ~p.served_before[:, f], f].sum()
        for c in range(len(p.gap_m2)):
            score += weight_m2 * min(p.gap_m2[c], p.area_m2[opened & (p.community == c)].sum())
            for f in range(n_f):
                if p.required[c, f] and put[p.community == c, f].any():
                    score += weight_required
        best = max(best, score)
    return best


@pytest.mark.parametrize("seed", range(8))
def test_model_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n_i, n_k, n_f = 8, 4, 3
    reach = tuple(rng.random((n_i, n_k)) < 0.35 for _ in range(n_f))
    weight = rng.integers(0, 300, (n_i, n_f)).astype(float)
    area = rng.choice([30.0, 80.0, 150.0, 260.0], n_k)
    fits = rng.random((n_k, n_f)) < 0.8
    served = rng.random((n_i, n_f)) < 0.2
    community = rng.integers(0, 2, n_k)
    gap = rng.uniform(0, 200, 2)
    required = rng.random((2, n_f)) < 0.3
    p = _problem(reach, weight, area=area, cost=rng.uniform(1, 5, n_k), min_area=[60.0, 40.0, 100.0],
                 fits=fits, served=served, apart=[(0, 2)], exclusive=[(0, 1)], community=community, gap=gap,
                 required=required)
    max_sites, budget = (2, None) if seed % 2 else (None, 7.0)
    sol = solve_centres(p, max_sites=max_sites, budget=budget, weight_m2=3.333, weight_required=500.0)
    assert sol.status == "optimal"
    expected = _brute_force(p, max_sites=max_sites, budget=budget, weight_m2=3.333, weight_required=500.0)
    assert sol.score == pytest.approx(expected, rel=1e-6, abs=1e-4)


# ---------------------------------------------------------------- planted cases, on the demo network

@pytest.fixture(scope="module")
def demo_layers():
    from gis_planner import io

    net = io.read_network(DEMO / "roads.geojson")
    homes = io.read_compounds(DEMO / "compounds.geojson", metric_crs=net.crs)
    return {"net": net, "homes": homes,
            "fac": io.read_facilities(DEMO / "facilities.csv", source_coords="gcj02", metric_crs=net.crs),
            "com": io.read_communities(DEMO / "communities.geojson", metric_crs=net.crs)}


def _inventory(homes, rows):
    """Spaces placed at compounds' points: rows of (id, compound, area, floor, lift, cost, merge_with)."""
    pts = homes.geometry.representative_point()
    data = [{"space_id": sid, "name": sid, "area_m2": float(a), "floor": f, "lift": lift, "ownership": "public",
             "current_use": "", "cost": float(c), "merge_with": m, "geometry": pts.loc[cid]}
            for sid, cid, a, f, lift, c, m in rows]
    return gpd.GeoDataFrame(data, crs=homes.crs).set_index("space_id")


def test_planted_cases(demo_layers):
    L = demo_layers
    ids = list(L["homes"].index)
    spaces = _inventory(L["homes"], [
        ("TINY", ids[0], 15, 1, False, 1, ""),        # too small for any function
        ("UPPER", ids[10], 400, 3, False, 1, ""),     # upper floor, no lift: no elderly day care
        ("LEFT", ids[30], 200, 1, False, 1, "RIGHT"),  # only merged (400 m2) does day care fit
        ("RIGHT", ids[30], 200, 1, False, 1, "LEFT"),
    ])
    std = load_centre_standard()
    plan = plan_centres(L["net"], L["homes"], spaces, L["fac"], standard=std, communities=L["com"], max_sites=4,
                        snap_tolerance_m=250)
    s = plan.spaces
    assert "LEFT+RIGHT" in s.index
    assert not s.loc["TINY", "chosen"] and s.loc["TINY", "reason"].startswith("面积过小")
    assert plan.reasons("en")["TINY"].startswith("too small for any function")
    assert "elderly_day_care" not in s.loc["UPPER", "functions"]
    day_care = [k for k in s.index if "elderly_day_care" in s.loc[k, "functions"]]
    assert day_care in ([], ["LEFT+RIGHT"])
    # a merged space and its parts are never used together
    assert not (s.loc["LEFT+RIGHT", "chosen"] and (s.loc["LEFT", "chosen"] or s.loc["RIGHT", "chosen"]))
    # the day-care room needs 350 m2 on the ground floor: only the merged pair can hold it
    assert s.loc["LEFT+RIGHT", "chosen"] and "elderly_day_care" in s.loc["LEFT+RIGHT", "functions"]
    # its parts say they are used merged (not "other spaces serve more")
    assert s.loc["LEFT", "reason"] == s.loc["RIGHT", "reason"] == "与相邻空间合并使用，见 LEFT+RIGHT"
    assert plan.reasons("en")["LEFT"] == "used merged with its neighbour: see LEFT+RIGHT"
    # floor area before/after is consistent, and coverage never falls
    c = plan.communities
    assert (c["area_after_m2"] >= c["area_before_m2"]).all()
    cov = plan.coverage
    known = cov["before"].notna()
    assert (cov.loc[known, "after"] >= cov.loc[known, "before"]).all()
    # a function whose facility category is not in the input: today's reach is no data, not 0
    absent = set(cov["category"]) - set(L["fac"]["category"].astype(str))
    assert absent and cov.loc[cov["category"].isin(absent), ["before", "after"]].isna().all().all()
    names = cov.loc[cov["category"].isin(absent), "function"].map({f.id: f.name("zh") for f in std.functions})
    assert plan.notes_in("zh")[0].startswith("输入中没有这些功能的现有设施：")
    assert all(n in plan.notes_in("zh")[0] for n in names)
    assert (cov["new"] >= 0).all()


# ---------------------------------------------------------------- the demo's inventory, as the report shows it

@pytest.fixture(scope="module")
def demo_areas():
    """The attribute table's service floor area (m²) per community, as the compliance check reads it."""
    from gis_planner.policy import read_community_attributes

    return read_community_attributes(DEMO / "community_attributes.csv")["service_area_m2"]


def _demo_plan(layers, *, lang="zh", areas=None):
    spaces = read_spaces(DEMO / "spaces.csv", source_coords="wgs84", metric_crs=layers["net"].crs)
    return plan_centres(layers["net"], layers["homes"], spaces, layers["fac"], communities=layers["com"],
                        existing_area_m2=areas, max_sites=4, snap_tolerance_m=250, lang=lang)


@pytest.fixture(scope="module")
def demo_plans(demo_layers, demo_areas):
    return {lang: _demo_plan(demo_layers, lang=lang, areas=demo_areas) for lang in ("zh", "en")}


def test_a_merged_pair_keeps_its_id_in_the_id_column(demo_plans):
    """The demo's SP03+SP04: its row carries its id in ``space_id`` too (the GeoPackage layer)."""
    s = demo_plans["zh"].spaces
    assert s["space_id"].tolist() == s.index.tolist() and "SP03+SP04" in s.index


def test_existing_area_is_the_attribute_tables(demo_plans, demo_areas):
    """One existing service floor area per community: the attribute table's service_area_m2 (as in the
    compliance rows), the centre points' area only where the table is blank; the table says which."""
    c = demo_plans["zh"].communities
    assert c.at["321202001005", "name"] == "和平社区"
    peace = c.loc["321202001005"]
    assert peace["area_before_m2"] == 450.0
    assert peace["area_before_m2"] / peace["households"] * 100 == pytest.approx(16.2, abs=0.005)  # compliance
    assert peace["gap_before_m2"] == pytest.approx(833.4 - 450.0)  # the action list's 383 m²
    assert c.at["321202001001", "gap_before_m2"] == 0.0  # 阳光: 1,924 m², 41.83 per 100 households
    assert c.at["321202002004", "area_before_m2"] == 874.0 and c.at["321202002004", "gap_before_m2"] == 0.0
    given = demo_areas.reindex(c.index)
    assert (c.loc[given.notna(), "area_source"] == "attribute").all()
    assert (c.loc[given.notna(), "area_before_m2"] == given.dropna()).all()
    blank = c.loc[given.isna()]  # 东进社区 and 陈堡村 leave it blank: their centre points' area
    assert len(blank) == 2 and (blank["area_source"] == "facilities").all() and (blank["area_before_m2"] == 800).all()
    assert any(n.startswith("现有用房面积：18 个社区取社区属性表") for n in demo_plans["zh"].notes)


def test_existing_area_without_the_attribute_table(demo_layers):
    """Without the table: the centre points' area where a community has one, else 0, each said."""
    c = _demo_plan(demo_layers).communities
    assert c.at["321202001005", "area_before_m2"] == 800.0 and c.at["321202001005", "area_source"] == "facilities"
    assert c.at["321202002004", "area_before_m2"] == 0.0 and c.at["321202002004", "area_source"] == "none"


_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def test_reasons_and_notes_follow_the_language(demo_layers, demo_plans, tmp_path):
    zh, en = demo_plans["zh"].spaces, demo_plans["en"].spaces
    assert zh.loc["SP01", "reason"].startswith("面积过小") and en.loc["SP01", "reason"].startswith("too small")
    chosen = zh.index[zh["chosen"]]
    assert len(chosen) and zh.loc[chosen, "reason"].str.contains("功能用房").all()
    assert not en["reason"].str.contains(_CJK).any()  # English names of the functions, English words
    assert (demo_plans["zh"].reasons("en") == en["reason"]).all()
    names = "|".join(demo_layers["com"]["name"])
    assert not any(_CJK.search(re.sub(names, "", n)) for n in demo_plans["en"].notes)  # but place names
    from gis_planner.centres.outputs import write_centres

    write_centres(demo_plans["en"], tmp_path, lang="zh")
    layer = gpd.read_file(tmp_path / "centres.gpkg", layer="spaces").set_index("space_id")
    assert layer.loc["SP01", "reason"].startswith("面积过小")


def test_required_but_not_placed_is_readable(demo_plans):
    zh = " ".join(demo_plans["zh"].notes)
    assert "elderly_day_care" not in zh
    assert re.search(r"应设老年人日间照料但未能安排：[^；]*梅园社区（321202001003）", zh)
    assert "原因：空间清单中没有位于本社区的空间" in zh
    assert "原因：本社区的空间均不满足 ≥ 350 m²、首层或有电梯" in zh  # 和平社区: only SP02, upstairs
    en = " ".join(demo_plans["en"].notes)
    assert "Elderly day care required but not placed in" in en and "梅园社区 (321202001003)" in en
    # 学苑社区 leaves urban_rural blank: not required, and said so
    assert "学苑社区（321202001008）" in zh and "城乡属性未填写" in zh


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_centre_tables_speak_the_language(demo_plans, lang):
    from gis_planner.centres.outputs import centre_tables

    tabs = centre_tables(demo_plans[lang], lang=lang)
    for key, t in tabs.items():
        for col in t.columns:
            assert bool(_CJK.search(col)) == (lang == "zh"), (key, col)
    cov = tabs["coverage"]
    head = {"zh": ("功能", "服务对象", "服务对象总数"), "en": ("Function", "Counts", "Total counted")}
    fn, counts, total = head[lang]
    assert "elderly_day_care" not in set(cov[fn]) and pd.api.types.is_integer_dtype(cov[total])
    aged_80 = "80岁及以上老人（人）" if lang == "zh" else "residents aged 80+ (persons)"
    aged_60 = "60岁及以上老人（人）" if lang == "zh" else "residents aged 60+ (persons)"
    assert set(cov.loc[cov[fn].isin({"老年人日间照料", "Elderly day care"}), counts]) == {aged_80}
    assert set(cov.loc[cov[fn].isin({"老年助餐点", "Meal point for older residents"}), counts]) == {aged_60}
    com = tabs["communities"]
    name = "社区名称" if lang == "zh" else "Community"
    assert "和平社区" in set(com[name]) and "和平社区" in set(tabs["spaces"][name])
    if lang == "en":
        for key in ("spaces", "communities", "coverage"):
            t = tabs[key]
            for col in set(t.columns) - {"Name", "Community"}:
                assert not t[col].astype(str).str.contains(_CJK).any(), (key, col)
    else:
        assert set(tabs["spaces"]["产权"]) <= {"公有", "国企", "租赁"}
        assert tabs["standard"]["参数"].str.contains(_CJK).all()


def test_reach_agrees_with_the_elderly_levels(demo_layers, demo_plans):
    """The meal points' reach is the same number in both sections once each says what it counts:
    the centres count meal points only, the elderly-care levels also count day care and 街道
    centres (which serve meals too), and give the meal points' own reach beside."""
    from gis_planner.elderly import assess_elderly_care
    from gis_planner.elderly.outputs import elderly_tables

    L = demo_layers
    r = assess_elderly_care(L["net"], L["homes"], L["fac"], communities=L["com"], snap_tolerance_m=250)
    levels = elderly_tables(r, lang="zh")["levels"].set_index("层级")
    cov = demo_plans["zh"].coverage.set_index("function")
    meals = levels.loc["老年助餐点"]
    assert meals["仅本层级设施可达(人)"] == round(cov.at["meal_point", "before"])
    assert meals["步行可达(人，含上级设施)"] > meals["仅本层级设施可达(人)"]
    assert meals["服务对象人数(人)"] == round(cov.at["meal_point", "total"])


def test_day_care_counts_the_elderly_networks_residents(demo_layers, demo_plans):
    """Day care is sized from residents aged 80+ in both sections of a report: the centres'
    coverage counts the same residents as the elderly-care network's day-care level, both tables
    say so, and the centres' standard table gives the census share the estimate would use."""
    from gis_planner.centres.outputs import centre_tables
    from gis_planner.elderly import assess_elderly_care
    from gis_planner.elderly.outputs import elderly_tables

    L = demo_layers
    r = assess_elderly_care(L["net"], L["homes"], L["fac"], communities=L["com"], snap_tolerance_m=250)
    head = {"zh": ("层级", "服务对象", "服务对象人数(人)", "功能", "服务对象总数", "80岁及以上老人"),
            "en": ("Level", "Residents served", "Residents counted (persons)", "Function", "Total counted",
                   "residents aged 80+")}
    for lang, (level, who_col, total_col, fn, total, who) in head.items():
        day = elderly_tables(r, lang=lang)["levels"].set_index(level).loc[
            r.standard.level("community_station").name(lang)]
        cov = centre_tables(demo_plans[lang], lang=lang)["coverage"].set_index(fn).loc[
            demo_plans[lang].standard.function("elderly_day_care").name(lang)]
        assert day[who_col] == who and cov[who_col if lang == "zh" else "Counts"].startswith(who)
        assert cov[total] == day[total_col] == 3386  # the demo's residents aged 80+
    levels = elderly_tables(r, lang="zh")["levels"].set_index("层级")
    day_care = demo_plans["zh"].coverage.set_index("function").loc["elderly_day_care"]
    assert day_care["before"] == levels.at["社区养老服务站/日间照料中心", "仅本层级设施可达(人)"]  # 219
    assert day_care["demand"] == "elderly_80"
    st = centre_tables(demo_plans["zh"], lang="zh")["standard"].set_index("配置键")
    est = elderly_tables(r, lang="zh")["standard"].set_index("配置键")
    for key in ("share_80_plus", "share_60_plus", "persons_per_household"):
        assert st.loc[key].equals(est.loc[key]), key
    assert st.at["share_80_plus", "数值"] == 0.0254 and st.at["share_80_plus", "核实状态"] == "本工具推导"


def test_day_care_follows_the_elderly_standard_given(demo_layers, tmp_path):
    """Without elderly columns the 80+ residents come from the elderly-care standard's census share:
    a planner's own share (the one their elderly-care network uses) sizes day care here too."""
    from gis_planner.policy.elderly import load_elderly_standard

    L = demo_layers
    homes = L["homes"].drop(columns=["elderly_60", "elderly_80"])
    own = tmp_path / "census.toml"
    own.write_text('[demand.share_80_plus]\nvalue = 0.05\nsource = "our census"\nstatus = "verified"\n',
                   encoding="utf-8")
    std = load_centre_standard(elderly=load_elderly_standard(own))
    spaces = _inventory(homes, [("BIG", homes.index[0], 400, 1, False, 1, "")])
    plan = plan_centres(L["net"], homes, spaces, L["fac"], standard=std, max_sites=1, snap_tolerance_m=250)
    total = plan.coverage.set_index("function").at["elderly_day_care", "total"]
    assert total == pytest.approx(homes["households"].sum() * 2.62 * 0.05)
    rows = {r["key"]: r for r in std.rows()}
    assert rows["share_80_plus"]["value"] == 0.05 and rows["share_80_plus"]["source"] == "our census"


def test_standard_table_marks_the_hengyang_rule(demo_plans):
    """In a 泰州 plan the day-care-in-every-community rule (衡阳 措施 12) is said to be another
    city's rule; 泰州's own 30 m²/百户 and 60 sites are not marked."""
    import dataclasses

    from gis_planner.centres.outputs import centre_tables

    plan = demo_plans["zh"]
    placed = dataclasses.replace(plan, standard=load_centre_standard(plan_place="jiangsu/taizhou"))
    zh = centre_tables(placed, lang="zh")["standard"].set_index("配置键")["核实状态"]
    assert zh["elderly_day_care.per_community"] == "已核实（原文）；其他地区规定（衡阳）"
    assert zh["m2_per_100_households"] == zh["programme_sites"] == "已核实（原文）"
    en = centre_tables(placed, lang="en")["standard"].set_index("Key")["Status"]
    assert en["elderly_day_care.per_community"] == ("verified (the clause text was read); "
                                                    "another region's rule (Hengyang)")
    unplaced = centre_tables(plan, lang="zh")["standard"].set_index("配置键")["核实状态"]
    assert unplaced["elderly_day_care.per_community"].startswith("已核实（原文）；地方规定（衡阳），规划地点未指定")


def test_standard_override_and_errors(tmp_path):
    own = tmp_path / "own.toml"
    own.write_text('[floor_area]\nm2_per_100_households = 40\nsource = "our city"\nstatus = "reading"\n',
                   encoding="utf-8")
    assert load_centre_standard(own).m2_per_100_households.value == 40
    bad = tmp_path / "bad.toml"
    bad.write_text('[sharing]\napart = [["spa", "health_station"]]\n', encoding="utf-8")
    with pytest.raises(PolicyError, match=r"bad\.toml: sharing\.apart names 'spa'"):
        load_centre_standard(bad)


def test_centres_command(tmp_path, demo_layers):
    from typer.testing import CliRunner

    from gis_planner.cli import app

    homes = demo_layers["homes"].to_crs(4326)
    pts = homes.geometry.representative_point()
    rows = ["id,name,area_m2,floor,lift,ownership,cost,merge_with,lng,lat"]
    for i, cid in enumerate(homes.index[::12]):
        rows.append(f"S{i},空间{i},{[60, 150, 420, 200][i % 4]},{1 + i % 3},否,公有,{2 + i},,"
                    f"{pts.loc[cid].x:.6f},{pts.loc[cid].y:.6f}")
    inv = tmp_path / "spaces.csv"
    inv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "centres_output"
    args = ["centres", "--network", str(DEMO / "roads.geojson"), "--households", str(DEMO / "compounds.geojson"),
            "--facilities", str(DEMO / "facilities.csv"), "--facility-coords", "gcj02", "--coords", "wgs84",
            "--spaces", str(inv), "--communities", str(DEMO / "communities.geojson"), "--sites", "3",
            "--out", str(out)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "floor-area gap" in res.output
    sheets = pd.read_excel(out / "centres.xlsx", sheet_name=None)
    assert set(sheets) == {"spaces", "communities", "coverage", "standard"}
    assert (sheets["spaces"]["排序"] > 0).sum() <= 3
    res = CliRunner().invoke(app, [*args[:-4], "--out", str(tmp_path / "x")])
    assert res.exit_code == 2 and "--sites or --budget" in res.output
    assert not (tmp_path / "x").exists()
