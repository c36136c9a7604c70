"""Urban/rural and high-rise classification, with the rule that decided."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from gis_planner._errors import InputDataError
from gis_planner.community import NBS_CODES, classify_communities
from gis_planner.community.classify import committee_from_division_code, unit_word
from gis_planner.io import read_admin_names


def frame(names, **cols):
    n = len(names)
    return gpd.GeoDataFrame({"name": names, **cols},
                            index=pd.Index([f"K{i + 1}" for i in range(n)], name="community_code"),
                            geometry=[shapely.box(i, 0, i + 1, 1) for i in range(n)], crs=32650)


def test_rules_in_order():
    com = frame(["东风居委会", "西河村委会", "南湖", "北街", "青年社区（虚构）", "曹杨新村", "周庄村"],
                urban_rural=[None, None, None, "农村", None, None, "urban"],
                urban_rural_code=[None, None, "220", None, None, None, None])
    out = classify_communities(com)
    assert out["urban_rural"].tolist() == ["urban", "rural", "rural", "rural", "urban", None,
                                           "urban"]
    assert out["urban_rural_rule"].tolist() == ["committee_name", "committee_name", "nbs_code",
                                                "column", "name_suffix", "undetermined", "column"]
    assert out.index.equals(com.index) and "urban_rural_rule" not in com.columns


def test_nbs_codes_follow_the_statistical_rule():
    """国函〔2008〕60号: 1xx 城镇 (urban), 2xx 乡村 (rural) — 122 and 123 are urban too."""
    codes = list(NBS_CODES)
    com = frame([f"单位{c}" for c in codes], urban_rural_code=codes)
    out = classify_communities(com)
    assert dict(zip(codes, out["urban_rural"], strict=True)) == {
        "111": "urban", "112": "urban", "121": "urban", "122": "urban", "123": "urban",
        "210": "rural", "220": "rural"}
    # a planner may size 镇乡结合区 and 特殊区域 units as rural communities
    alt = classify_communities(com, nbs_urban_codes={"111", "112", "121"})
    assert alt["urban_rural"].tolist() == ["urban"] * 3 + ["rural"] * 4


def test_bad_codes_are_named():
    with pytest.raises(InputDataError, match=r"K2.*'130'"):
        classify_communities(frame(["甲", "乙"], urban_rural_code=["111", "130"]))
    with pytest.raises(InputDataError, match="12-digit statistical division code"):
        classify_communities(frame(["甲"], urban_rural_code=["321202001001"]))
    with pytest.raises(InputDataError, match="neither urban nor rural"):
        classify_communities(frame(["甲"], urban_rural=["suburb"]))


def test_high_rise_column_share_and_rural():
    com = frame(["甲社区", "乙社区", "丙社区", "丁村"], high_rise=[True, None, None, True])
    share = pd.Series({"K1": 0.0, "K2": 0.6, "K3": 0.4, "K4": 0.9})
    out = classify_communities(com, high_rise_share=share, high_rise_threshold=0.5)
    assert out["high_rise"].tolist() == [True, True, False, False]
    assert out["high_rise_rule"].tolist() == ["column", "household_share", "household_share",
                                              "rural"]
    strict = classify_communities(com, high_rise_share=share, high_rise_threshold=0.7)
    assert strict["high_rise"].tolist() == [True, False, False, False]
    assert classify_communities(frame(["甲社区"]))["high_rise_rule"].tolist() == ["no data"]
    with pytest.raises(InputDataError, match="high_rise_threshold"):
        classify_communities(com, high_rise_threshold=50)


def test_committee_type_comes_first():
    """居委会 -> urban band, 村委会 -> rural band, before urban_rural, NBS codes and suffixes."""
    com = frame(["东风社区", "西河村", "南湖", "北街", "中街", "桥头村委会"],
                committee_type=["村委会", None, None, None, "居民委员会", None],
                division_code=[None, "321202001001", "321202101205", None, None, None],
                urban_rural=["urban", "rural", None, "urban", "rural", "urban"],
                urban_rural_code=["111", "220", "111", None, None, None])
    out = classify_communities(com)
    assert out["urban_rural"].tolist() == ["rural", "urban", "rural", "urban", "urban", "rural"]
    assert out["urban_rural_rule"].tolist() == ["committee_type", "division_code",
                                                "division_code", "column", "committee_type",
                                                "committee_name"]
    with pytest.raises(InputDataError, match=r"'committee_type'.*K2.*居委会"):
        classify_communities(frame(["甲", "乙"], committee_type=["居委会", "街道"]))


def test_division_code_committee_digits():
    got = committee_from_division_code(pd.Series(["310101002001", "310101002199", "310117101200",
                                                  "310117101399", "310115125400", "3101", None]))
    assert got.tolist() == ["urban", "urban", "rural", "rural", None, None, None]


def test_division_code_rule_agrees_with_the_nbs_names(shared_data):
    """On the NBS 2023 list of Shanghai every 居委会 / 村委会 name agrees with its code digits."""
    villages = read_admin_names(shared_data / "shanghai-huangpu" / "admin_shanghai_villages_nbs2023.csv")
    by_code = pd.Series(committee_from_division_code(villages.index.to_series()),
                        index=villages.index)
    named = villages["committee_type"].map({"居委会": "urban", "村委会": "rural"})
    both = by_code.notna() & named.notna()
    assert both.sum() == 4917 + 1555
    assert (by_code[both] == named[both]).all()


def test_high_rise_basis_states_the_rule_and_source():
    com = frame(["甲社区", "乙社区", "丁村"], high_rise=[True, None, None])
    share = pd.Series({"K1": 0.0, "K2": 0.6, "K3": 0.9})
    out = classify_communities(com, high_rise_share=share)
    basis = out["high_rise_basis"].tolist()
    assert basis[0] == "given in the high_rise column"
    assert "10+ floors" in basis[1] and "GB 50096-2011" in basis[1] and ">27 m" in basis[1]
    assert "unverified" in basis[1] and basis[2].startswith("rural")


def test_unit_word_per_community_type():
    assert unit_word("urban") == "小区" and unit_word("rural") == "村民小组"
    assert unit_word("rural", "en") == "villagers' group"
    with pytest.raises(InputDataError):
        unit_word("suburb")
