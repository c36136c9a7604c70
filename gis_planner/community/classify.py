"""Urban or rural, high-rise or not: each community's type and the rule that decided it.

Urban/rural, first rule that gives an answer wins:

1. ``column``: the ``urban_rural`` column (``urban``/``rural``; the io reader also maps
   城镇/城市/农村/乡村).
2. ``nbs_code``: the NBS urban–rural classification code (城乡分类代码), a **3-digit** code the
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
3. ``name_suffix``: 居委会/居民委员会/社区 -> urban, 村委会/村民委员会/村 -> rural (a trailing
   bracketed note such as （虚构） is ignored; 新村 is a housing-estate name, not a village, and
   decides nothing).

High-rise (高层住宅社区, the band with the higher ceiling), urban communities only:

1. ``column``: the ``high_rise`` column where filled;
2. ``household_share``: the share of households in compounds of 10+ floors (from
   :func:`~gis_planner.community.counts.count_households_by_community`) is at least
   ``high_rise_threshold`` (default 0.5: most households live in high-rise buildings);
3. otherwise not high-rise, recorded as ``no data``.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd

from gis_planner._errors import InputDataError
from gis_planner._validate import _rows

#: NBS 城乡分类代码 and their class names.
NBS_CODES: dict[str, str] = {"111": "主城区", "112": "城乡结合区", "121": "镇中心区",
                             "122": "镇乡结合区", "123": "特殊区域", "210": "乡中心区",
                             "220": "村庄"}
#: Codes classed 城镇 (urban) by 国函〔2008〕60号: every code starting with 1.
NBS_URBAN_CODES: frozenset[str] = frozenset({"111", "112", "121", "122", "123"})
URBAN_WORDS = {"urban": "urban", "城镇": "urban", "城市": "urban", "城": "urban",
               "社区": "urban", "居委会": "urban", "rural": "rural", "农村": "rural",
               "乡村": "rural", "乡": "rural", "村": "rural", "村委会": "rural"}
URBAN_SUFFIXES = ("居民委员会", "居委会", "社区")
RURAL_SUFFIXES = ("村民委员会", "村委会", "村")
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
            f"urban-rural codes ({_rows(values.index, bad)}, e.g. {sample!r}){hint}; expected "
            f"one of {', '.join(NBS_CODES)} or an empty cell.")
    out = np.full(len(values), None, dtype=object)
    codes = text.fillna("").to_numpy()
    out[known] = ["urban" if c in urban_codes else "rural" for c in codes[known]]
    return out


def _from_names(names: pd.Series) -> np.ndarray:
    clean = names.fillna("").astype(str).str.strip().str.replace(_NOTE, "", regex=True)
    out = np.full(len(names), None, dtype=object)
    for i, n in enumerate(clean):
        if n.endswith(AMBIGUOUS_SUFFIXES):
            continue
        if n.endswith(URBAN_SUFFIXES):
            out[i] = "urban"
        elif n.endswith(RURAL_SUFFIXES):
            out[i] = "rural"
    return out


def classify_communities(
    communities: gpd.GeoDataFrame,
    *,
    high_rise_share: pd.Series | None = None,
    high_rise_threshold: float = 0.5,
    nbs_urban_codes: frozenset[str] | set[str] = NBS_URBAN_CODES,
    code_col: str | None = None,
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

    Returns
    -------
    GeoDataFrame
        A copy of ``communities`` (same index and CRS) with ``urban_rural`` (``urban``,
        ``rural`` or None), ``urban_rural_rule`` (``column``, ``nbs_code``, ``name_suffix`` or
        ``undetermined``), ``high_rise`` (bool) and ``high_rise_rule`` (``column``,
        ``household_share``, ``no data`` or ``rural``).

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
    if "urban_rural" in out.columns:
        got = _from_words(out["urban_rural"])
        filled = out["urban_rural"].notna().to_numpy() & (
            out["urban_rural"].astype("string").str.strip().fillna("") != "").to_numpy()
        bad = filled & pd.isna(got)
        if bad.any():
            raise InputDataError(
                f"communities: column 'urban_rural' has {int(bad.sum())} values that are "
                f"neither urban nor rural ({_rows(out.index, bad)}); use urban/rural or "
                "城镇/农村, or leave the cell empty to classify it from the NBS code or name.")
        use = ~pd.isna(got)
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
    return out


__all__ = ["NBS_CODES", "NBS_URBAN_CODES", "classify_communities"]
