"""The demo town's planted community cases are all detected, and fixed or reported infeasible.

Household counts in the demo town are synthetic (data/demo/PROVENANCE.md, "Planted cases").
"""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely

from gis_planner import io
from gis_planner.community import check_communities
from gis_planner.policy import load_profile

TOO_LARGE = {"阳光社区", "府前社区"}          # 4,600 (split) and 6,400 (C073 alone 5,301)
TOO_SMALL = {"梅园社区", "稻河社区", "鼓楼社区", "周庄村"}


DEMO_ROADS = Path(__file__).resolve().parents[1] / "data" / "demo" / "roads.geojson"


@pytest.fixture(scope="module")
def demo(demo_dir):
    if not (demo_dir / "compounds.geojson").exists():
        pytest.skip("the demo town is not generated (python -m gis_planner.demo data/demo)")
    net = io.read_network(demo_dir / "roads.geojson")
    com = io.read_communities(demo_dir / "communities.geojson", metric_crs=net.crs)
    homes = io.read_compounds(demo_dir / "compounds.geojson", metric_crs=net.crs)
    fac = io.read_facilities(demo_dir / "facilities.csv", source_coords="gcj02",
                             metric_crs=net.crs)
    check = check_communities(com, homes, bands=load_profile("taizhou-2023").community_bands,
                              network=net, facilities=fac)
    return com, homes, check


def test_planted_cases_detected(demo):
    _com, _homes, r = demo
    status = r.table.set_index("name")["status"]
    assert set(status[status == "too_large"].index) == TOO_LARGE
    assert set(status[status == "too_small"].index) == TOO_SMALL
    assert status["凤凰社区"] == "within_band"  # high-rise: 4,500 under the 5,000 ceiling
    rules = r.table.set_index("name")["urban_rural_rule"]
    assert rules["学苑社区"] == "name_suffix" and rules["周庄村"] == "name_suffix"


def test_planted_cases_fixed_or_reported(demo):
    _com, _homes, r = demo
    ch = r.changes.set_index("name")
    assert set(TOO_LARGE | TOO_SMALL) <= set(ch.index)
    assert not ch.loc["府前社区", "feasible"]
    assert "compound C073 alone holds 5,301 households" in ch.loc["府前社区", "reason"]
    # the bands hold "within a reasonable service radius" (taizhou-2023: 1,000 m on foot): the
    # merge of 梅园 and 稻河 would lengthen compound C033's walk from 630 m to 2,030 m, so it is
    # not proposed, and the reason names both walks
    beyond = {"梅园社区", "稻河社区"}
    for name in beyond:
        assert not ch.loc[name, "feasible"], name
        assert "from 630 m today to 2,030 m, beyond the service radius of 1,000 m" in ch.loc[name, "reason"]
        assert "由现状630米增至2030米，超过服务半径1000米" in ch.loc[name, "reason_zh"]
    fixed = (TOO_LARGE | TOO_SMALL) - {"府前社区"} - beyond
    assert ch.loc[sorted(fixed), "feasible"].all()
    assert ch.loc["阳光社区", "action"] == "split"
    urban_fixed = sorted(n for n in fixed if n.endswith("社区"))  # villages: no radius in any text
    assert urban_fixed and (ch.loc[sorted(set(urban_fixed) - {"鼓楼社区"}), "max_walk_m_after"] <= 1000).all()
    # moving a 村民小组 between villages carries the legal process, and says the radius is not applied
    villages = ch.loc[ch["feasible"] & ch.index.str.endswith("村"), "reason_zh"]
    assert len(villages) and all("村民会议" in z and "村民小组" in z and "小区" not in z for z in villages)
    assert all("服务半径1000米只用于城市社区" in z for z in villages)
    # reasons name communities, new ones by code
    assert ch.loc["陈堡村", "reason_zh"].startswith("划出1个村民小组（309户）给周庄村")
    # the new community by the name the proposed layer gives it
    assert "拆分为2个连片社区（阳光社区、阳光社区（拆分1））" in ch.loc["阳光社区", "reason_zh"]
    assert "split into 2 contiguous communities (阳光社区, 阳光社区 (split 1))" in ch.loc["阳光社区", "reason"]
    assert "阳光社区（拆分1）" in set(r.proposed["name"])
    codes = set(r.table["community_code"].astype(str))
    assert not any(c in text.replace(f"{c}-N", "") for c in codes
                   for text in (*ch["reason"], *ch["reason_zh"]))
    prop = r.proposed
    changed = prop[prop["action"] != "unchanged"]
    assert changed["within_band"].all() and (changed["n_parts"] == 1).all()
    assert prop["households"].sum() == r.table["households"].sum()
    # the proposed polygons tile exactly the area of the current ones
    assert prop.area.sum() == pytest.approx(r.communities.area.sum(), rel=1e-6)
    assert r.distance_kind == "network"
    assert ch["max_walk_m_after"][ch["feasible"]].notna().all()


def test_gulou_takes_two_compounds_without_lengthening_a_walk(demo):
    """鼓楼社区 (1,500) already has a household 1,030 m from its 党群服务中心, beyond the 1,000 m
    radius. Taking two compounds (680 households) from 迎春社区 leaves that walk as it is and the
    moved compounds within the radius, so the transfer is proposed; 迎春社区 keeps its centre."""
    _com, _homes, r = demo
    ch = r.changes.set_index("name")
    gulou, yingchun = ch.loc["鼓楼社区"], ch.loc["迎春社区"]
    assert gulou["feasible"] and gulou["action"] == "transfer"
    assert gulou["households_after"] == 2180 and gulou["households_moved_in"] == 680
    assert gulou["max_walk_m_before"] == pytest.approx(1030, abs=1)
    assert gulou["max_walk_m_after"] == pytest.approx(gulou["max_walk_m_before"], abs=0.5)
    assert "takes 2 compounds (680 households) from 迎春社区" in gulou["reason"]
    assert yingchun["status"] == "within_band" and yingchun["households_after"] == 2058
    prop = r.proposed.set_index("name")
    assert prop.loc["迎春社区", "centre_kind"] == "service_centre"
    assert prop.loc["迎春社区", "max_walk_m"] == pytest.approx(yingchun["max_walk_m_before"], abs=0.5)
    # the giving community's walk after is its own (not 鼓楼's 1,030 m)
    assert yingchun["max_walk_m_after"] == pytest.approx(prop.loc["迎春社区", "max_walk_m"], abs=0.5)
    a = r.assignment
    assert int((a["moved"] & (a["proposed_code"] == gulou["community_code"])).sum()) == 2


def test_without_a_service_radius_the_merge_is_proposed(demo):
    com, homes, _r = demo
    net = io.read_network(DEMO_ROADS)
    r = check_communities(com, homes, bands=load_profile("taizhou-2023").community_bands, network=net,
                          service_radius_m=None)
    ch = r.changes.set_index("name")
    assert {ch.loc["梅园社区", "action"], ch.loc["稻河社区", "action"]} == {"merge"}
    assert ch.loc["梅园社区", "max_walk_m_after"] > 1000


def test_straddling_compounds_are_counted(demo):
    com, homes, r = demo
    # independent: polygon compounds overlapping two communities by more than 100 m2
    expected = sorted(
        cid for cid, g in homes.geometry.items()
        if sum(g.intersection(p).area > 100 for p in com.geometry) > 1)
    assert sorted(r.straddling["compound_id"]) == expected and len(expected) >= 3
    assert int(r.table["straddling_compounds"].sum()) == len(expected)
    assert all(shapely.is_valid(g) for g in r.proposed.geometry)
