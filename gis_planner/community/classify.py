"""Urban or rural, high-rise or not: each community's type and the rule that decided it.

NBS urban-rural classification codes (国家统计局《统计用区划代码和城乡划分代码》): 111 主城区,
112 城乡结合区, 121 镇中心区, 122 镇乡结合区, 123 特殊区域 are urban (城镇, first digit 1);
210 乡中心区, 220 村庄 are rural (乡村, first digit 2).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

URBAN_WORDS = {"urban", "城镇", "城市", "城"}
RURAL_WORDS = {"rural", "农村", "乡村", "乡"}
URBAN_SUFFIXES = ("居委会", "居民委员会", "社区")
RURAL_SUFFIXES = ("村委会", "村民委员会", "村")


def classify_communities(
    communities: gpd.GeoDataFrame,
    *,
    high_rise_share: pd.Series | None = None,
    high_rise_threshold: float = 0.5,
) -> gpd.GeoDataFrame:
    """Add ``urban_rural`` and ``high_rise`` with the rule that decided each.

    ``urban_rural``: from the column where filled; else from an ``urban_rural_code`` column (NBS
    codes 1xx urban, 2xx rural); else from the name suffix (居委会/社区 urban, 村委会/村 rural);
    else None. ``high_rise``: from the column where present; else whether the share of households
    in buildings of 10+ floors (``high_rise_share``, from
    :func:`~gis_planner.community.counts.count_households_by_community`) is at least
    ``high_rise_threshold``. Returns a new frame with ``urban_rural_rule`` and ``high_rise_rule``.
    """
    out = communities.copy()
    n = len(out)
    ur = np.full(n, None, dtype=object)
    rule = np.full(n, "undetermined", dtype=object)
    if "urban_rural" in out.columns:
        vals = out["urban_rural"].astype("string").str.strip().str.lower()
        is_u, is_r = vals.isin(URBAN_WORDS).fillna(False).to_numpy(), vals.isin(RURAL_WORDS).fillna(False).to_numpy()
        ur[is_u], ur[is_r] = "urban", "rural"
        rule[is_u | is_r] = "column"
    if "urban_rural_code" in out.columns:
        code = out["urban_rural_code"].astype("string").str.strip().fillna("")
        todo = ur == None  # noqa: E711 - element-wise on an object array
        u = todo & code.str.match(r"^1\d\d$").to_numpy()
        r = todo & code.str.match(r"^2\d\d$").to_numpy()
        ur[u], ur[r] = "urban", "rural"
        rule[u | r] = "nbs_code"
    names = out["name"].astype(str) if "name" in out.columns else pd.Series("", index=out.index)
    todo = ur == None  # noqa: E711
    u = todo & names.str.endswith(URBAN_SUFFIXES).to_numpy()
    r = todo & names.str.endswith(RURAL_SUFFIXES).to_numpy()
    ur[u], ur[r] = "urban", "rural"
    rule[u | r] = "name_suffix"
    out["urban_rural"] = ur
    out["urban_rural_rule"] = rule
    hr = np.zeros(n, dtype=bool)
    hr_rule = np.full(n, "default (not high-rise)", dtype=object)
    if "high_rise" in out.columns and out["high_rise"].notna().any():
        given = out["high_rise"].notna().to_numpy()
        hr[given] = out["high_rise"].fillna(False).astype(bool).to_numpy()[given]
        hr_rule[given] = "column"
    if high_rise_share is not None:
        share = high_rise_share.reindex(out.index.astype(str)).to_numpy(dtype=float)
        use = (hr_rule != "column") & ~np.isnan(share)
        hr[use] = share[use] >= high_rise_threshold
        hr_rule[use] = f"share of households in 10+ floors >= {high_rise_threshold:.0%}"
    out["high_rise"] = hr
    out["high_rise_rule"] = hr_rule
    return out
