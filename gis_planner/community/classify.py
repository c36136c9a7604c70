"""Urban or rural, high-rise or not: each community's type and the rule that decided it.

Urban/rural, committee type first (居委会 -> urban band, 村委会 -> rural band); the first rule
that gives an answer wins and is recorded in ``urban_rural_rule``:

1. ``committee_type``: the ``committee_type`` column (居委会/居民委员会/社区居委会/urban,
   村委会/村民委员会/rural).
2. ``division_code``: the committee digits of the NBS 12-digit statistical division code
   (统计用区划代码, column ``division_code``, ``village_code`` or ``统计用区划代码``): digits
   10–12 from 001 to 199 are 居民委员会, from 200 to 399 村民委员会; 400 and above (虚拟社区,
   development-zone units) decide nothing. Checked on the NBS 2023 list of Shanghai: 4,917
   居委会 all below 200, 1,555 村委会 all in 200–399.
3. ``committee_name``: a name ending in 居委会/居民委员会 (urban) or 村委会/村民委员会 (rural).
4. ``column``: the ``urban_rural`` column (``urban``/``rural``; the io reader also maps
   城镇/城市/农村/乡村).
5. ``nbs_code``: the NBS urban–rural classification code (城乡分类代码), a **3-digit** code the
   National Bureau of Statistics publishes beside each village-level unit's **12-digit**
   statistical division code (统计用区划代码) in 《统计用区划代码和城乡划分代码》. By
   《统计上划分城乡的规定》 (国函〔2008〕60号) and the coding rules (国统字〔2009〕91号) a code
   starting with 1 is 城镇 (urban) and one starting with 2 is 乡村 (rural):

   ====  ==========  =======
   code  class       type
   ====  ==========  =======
   111   主城区       urban
   112   城乡结合区   urban
   121   镇中心区     urban
   122   镇乡结合区   urban
   123   特殊区域     urban
   210   乡中心区     rural
   220   村庄         rural
   ====  ==========  =======

   A 122 or 123 unit can still be a 村委会 administratively; pass ``nbs_urban_codes`` without
   them to size such units as rural communities.
6. ``name_suffix``: 社区 -> urban, 村 -> rural (a trailing bracketed note such as （虚构） is
   ignored; 新村 is a housing-estate name, not a village, and decides nothing).

High-rise (高层住宅社区, the band with the higher ceiling), urban communities only; the rule and
its source are written in ``high_rise_basis``:

1. ``column``: the ``high_rise`` column where filled;
2. ``household_share``: the share of households in compounds of 10+ floors (from
   :func:`~gis_planner.community.counts.count_households_by_community`) is at least
   ``high_rise_threshold`` (default 0.5: most households live in high-rise buildings). 10 floors
   is the high-rise threshold of 住宅设计规范 GB 50096-2011; GB 50352-2019 classes residential
   buildings over 27 m as high-rise. Neither clause was verified in a retrieved copy; the 50 %
   share is our reading (Taizhou 二(二)6 says 高层住宅社区 without defining it);
3. otherwise not high-rise, recorded as ``no data``.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd

from gis_planner._errors import InputDataError
from gis_planner._validate import offending_rows
from gis_planner.policy.profile import COMMITTEE_URBAN_RURAL
from gis_planner.policy.profile import unit_word as _unit_word

#: NBS 城乡分类代码 and their class names.
NBS_CODES: dict[str, str] = {"111": "主城区", "112": "城乡结合区", "121": "镇中心区",
                             "122": "镇乡结合区", "123": "特殊区域", "210": "乡中心区",
                             "220": "村庄"}
#: Codes classed 城镇 (urban) by 国函〔2008〕60号: every code starting with 1.
NBS_URBAN_CODES: frozenset[str] = frozenset({"111", "112", "121", "122", "123"})
URBAN_WORDS = {"urban": "urban", "城镇": "urban", "城市": "urban", "城": "urban",
               "社区": "urban", "居委会": "urban", "rural": "rural", "农村": "rural",
               "乡村": "rural", "乡": "rural", "村": "rural", "村委会": "rural"}
URBAN_SUFFIXES = ("社区",)
RURAL_SUFFIXES = ("村",)
URBAN_COMMITTEE_SUFFIXES = ("居民委员会", "居委会")
RURAL_COMMITTEE_SUFFIXES = ("村民委员会", "村委会")
#: Accepted values of a ``committee_type`` column (lower-cased) -> ``urban``/``rural``.
COMMITTEE_WORDS = COMMITTEE_URBAN_RURAL
DIVISION_CODE_COLUMNS = ("division_code", "village_code", "统计用区划代码")
#: High-rise rule and its source, as written in ``high_rise_basis``.
HIGH_RISE_BASIS = {
    "column": "given in the high_rise column",
    "household_share": ("share of households in buildings of {floors}+ floors >= {share:g} "
                        "(高层住宅: 10+ floors, GB 50096-2011; >27 m, GB 50352-2019; both "
                        "unverified; the share is our reading)"),
    "no data": "no floors or high_rise data: sized as not high-rise",
    "rural": "rural community: no high-rise band",
}
AMBIGUOUS_SUFFIXES = ("新村",)
CODE_COLUMNS = ("urban_rural_code", "城乡分类代码")
_NOTE = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


def _from_words(values: pd.Series) -> np.ndarray:
    raw = values.astype("string").str.strip().str.lower()
    return raw.map(URBAN_WORDS).astype(object).to_numpy()


def _from_codes(values: pd.Series, *, col: str, urban_codes: frozenset[str]) -> np.ndarray:
    text = values.astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    filled = (text.notna() & (text != "")).to_numpy()
    known = text.isin(list(NBS_CODES)).fillna(False).to_numpy()
    bad = filled & ~known
    if bad.any():
        sample = text[bad].iloc[0]
        hint = (" (that looks like the 12-digit statistical division code 统计用区划代码; the "
                "urban-rural class is the separate 3-digit 城乡分类代码)"
                if len(str(sample)) == 12 else "")
        raise InputDataError(
            f"communities: column {col!r} has {int(bad.sum())} values that are not NBS "
            f"urban-rural codes ({offending_rows(values.index, bad)}, e.g. {sample!r}){hint}; expected "
            f"one of {', '.join(NBS_CODES)} or an empty cell.")
    out = np.full(len(values), None, dtype=object)
    codes = text.fillna("").to_numpy()
    out[known] = ["urban" if c in urban_codes else "rural" for c in codes[known]]
    return out


def _from_names(
    names: pd.Series, urban: tuple[str, ...] = URBAN_SUFFIXES,
    rural: tuple[str, ...] = RURAL_SUFFIXES,
) -> np.ndarray:
    clean = names.fillna("").astype(str).str.strip().str.replace(_NOTE, "", regex=True)
    out = np.full(len(names), None, dtype=object)
    for i, n in enumerate(clean):
        if n.endswith(AMBIGUOUS_SUFFIXES):
            continue
        if n.endswith(urban):
            out[i] = "urban"
        elif n.endswith(rural):
            out[i] = "rural"
    return out


def _from_committee(values: pd.Series, *, col: str, index: pd.Index) -> np.ndarray:
    raw = values.astype("string").str.strip().str.lower()
    got = raw.map(COMMITTEE_WORDS).astype(object)
    bad = (raw.notna() & (raw != "") & got.isna()).to_numpy()
    if bad.any():
        raise InputDataError(
            f"communities: column {col!r} has {int(bad.sum())} values that are not a committee "
            f"type ({offending_rows(index, bad)}); use 居委会/居民委员会 or 村委会/村民委员会 "
            "(or urban/rural), or leave the cell empty.")
    return got.to_numpy()


def committee_from_division_code(codes: pd.Series) -> np.ndarray:
    """``urban`` (居委会) / ``rural`` (村委会) / None from NBS 12-digit division codes.

    Digits 10–12 from 001 to 199 mark a 居民委员会, 200 to 399 a 村民委员会; other codes
    (400+, not 12 digits) decide nothing.

    >>> committee_from_division_code(pd.Series(["310101002001", "310117101201", "3101"])).tolist()
    ['urban', 'rural', None]
    """
    text = codes.astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    out = np.full(len(codes), None, dtype=object)
    ok = text.str.fullmatch(r"\d{12}").fillna(False).to_numpy(bool)
    digits = np.zeros(len(codes), dtype=int)
    digits[ok] = [int(c[-3:]) for c in text[ok]]
    out[ok & (digits >= 1) & (digits <= 199)] = "urban"
    out[ok & (digits >= 200) & (digits <= 399)] = "rural"
    return out


def classify_communities(
    communities: gpd.GeoDataFrame,
    *,
    high_rise_share: pd.Series | None = None,
    high_rise_threshold: float = 0.5,
    nbs_urban_codes: frozenset[str] | set[str] = NBS_URBAN_CODES,
    code_col: str | None = None,
    high_rise_floors: int = 10,
) -> gpd.GeoDataFrame:
    """Add ``urban_rural`` and ``high_rise`` to each community, with the rule that decided.

    Parameters
    ----------
    communities
        Community polygons (index ``community_code``) with ``name``; optional ``urban_rural``,
        ``high_rise`` and an NBS code column (``urban_rural_code`` or ``城乡分类代码``).
    high_rise_share
        Share (0–1) of each community's households in high-rise compounds, indexed by
        community code (``HouseholdCounts.communities["high_rise_share"]``).
    high_rise_threshold
        Share (0–1, inclusive) from which a community without a ``high_rise`` value is
        high-rise.
    nbs_urban_codes
        NBS codes read as urban (default: all 1xx codes, per 国函〔2008〕60号).
    code_col
        Name of the NBS code column when it is not one of the accepted names.
    high_rise_floors
        Floors (inclusive) of a high-rise building used to compute ``high_rise_share``
        (GB 50096-2011: 10); only written into ``high_rise_basis``.

    Returns
    -------
    GeoDataFrame
        A copy of ``communities`` (same index and CRS) with ``urban_rural`` (``urban``,
        ``rural`` or None), ``urban_rural_rule`` (``committee_type``, ``division_code``,
        ``committee_name``, ``column``, ``nbs_code``, ``name_suffix`` or ``undetermined``),
        ``high_rise`` (bool), ``high_rise_rule`` (``column``, ``household_share``, ``no data``
        or ``rural``) and ``high_rise_basis`` (the rule in words, with its source).

    Raises
    ------
    InputDataError
        An urban/rural value or NBS code that is not recognised (rows named).
    """
    if not 0 <= high_rise_threshold <= 1:
        raise InputDataError(f"high_rise_threshold={high_rise_threshold}: expected a share "
                             "between 0 and 1 (e.g. 0.5).")
    out = communities.copy()
    n = len(out)
    ur = np.full(n, None, dtype=object)
    rule = np.full(n, "undetermined", dtype=object)
    if "committee_type" in out.columns:
        got = _from_committee(out["committee_type"], col="committee_type", index=out.index)
        use = ~pd.isna(got)
        ur[use], rule[use] = got[use], "committee_type"
    dcol = next((c for c in DIVISION_CODE_COLUMNS if c in out.columns), None)
    if dcol is not None:
        got = committee_from_division_code(out[dcol])
        use = pd.isna(ur) & ~pd.isna(got)
        ur[use], rule[use] = got[use], "division_code"
    if "name" in out.columns:
        got = _from_names(out["name"], URBAN_COMMITTEE_SUFFIXES, RURAL_COMMITTEE_SUFFIXES)
        use = pd.isna(ur) & ~pd.isna(got)
        ur[use], rule[use] = got[use], "committee_name"
    if "urban_rural" in out.columns:
        got = _from_words(out["urban_rural"])
        filled = out["urban_rural"].notna().to_numpy() & (
            out["urban_rural"].astype("string").str.strip().fillna("") != "").to_numpy()
        bad = filled & pd.isna(got)
        if bad.any():
            raise InputDataError(
                f"communities: column 'urban_rural' has {int(bad.sum())} values that are "
                f"neither urban nor rural ({offending_rows(out.index, bad)}); use urban/rural or "
                "城镇/农村, or leave the cell empty to classify it from the NBS code or name.")
        use = pd.isna(ur) & ~pd.isna(got)
        ur[use], rule[use] = got[use], "column"
    col = code_col or next((c for c in CODE_COLUMNS if c in out.columns), None)
    if code_col is not None and code_col not in out.columns:
        raise InputDataError(f"communities: code_col={code_col!r} is not a column; found "
                             f"{', '.join(map(str, out.columns))}.")
    if col is not None:
        got = _from_codes(out[col], col=col, urban_codes=frozenset(nbs_urban_codes))
        use = pd.isna(ur) & ~pd.isna(got)
        ur[use], rule[use] = got[use], "nbs_code"
    if "name" in out.columns:
        got = _from_names(out["name"])
        use = pd.isna(ur) & ~pd.isna(got)
        ur[use], rule[use] = got[use], "name_suffix"
    out["urban_rural"] = pd.Series(ur, index=out.index, dtype=object)
    out["urban_rural_rule"] = rule
    hr = np.zeros(n, dtype=bool)
    hr_rule = np.full(n, "no data", dtype=object)
    if "high_rise" in out.columns:
        given = out["high_rise"].notna().to_numpy()
        hr[given] = out["high_rise"][given].astype(bool).to_numpy()
        hr_rule[given] = "column"
    if high_rise_share is not None:
        share = high_rise_share.reindex(out.index.astype(str)).to_numpy(dtype=float)
        use = (hr_rule != "column") & ~np.isnan(share)
        hr[use] = share[use] >= high_rise_threshold
        hr_rule[use] = "household_share"
    rural = ur == "rural"
    hr[rural] = False
    hr_rule[rural] = "rural"
    out["high_rise"] = hr
    out["high_rise_rule"] = hr_rule
    out["high_rise_basis"] = [HIGH_RISE_BASIS[r].format(floors=high_rise_floors,
                                                        share=high_rise_threshold)
                              for r in hr_rule]
    return out


def unit_word(urban_rural: str, lang: str = "zh") -> str:
    """The word for a community's sub-units: 小区 (urban, 居委会) or 村民小组 (rural, 村委会).

    >>> unit_word("rural")
    '村民小组'
    """
    return _unit_word(urban_rural, lang)


__all__ = ["NBS_CODES", "NBS_URBAN_CODES", "classify_communities", "committee_from_division_code",
           "unit_word"]
