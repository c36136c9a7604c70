"""The demo town's elderly residents per compound and its inventory of idle spaces (存量空间).

Both come from their own random stream (seeded from the town's seed), so every other layer
keeps its draws.

Elderly residents: ``elderly_60`` = households x 2.62 persons x the 2020 census share aged 60+
(18.70 %) x a planted local factor, ``elderly_80`` = households x 2.62 x the census share aged
80+ (2.54 %) x the same factor x a small draw. The factors are made up for the demo (older
villages, a few old urban compounds, a few young ones), not statistics.

Idle spaces: nine rooms placed beside compounds, with three planted cases the neighbourhood
centre planner must handle: a room too small for any function (15 m²), an upper-floor room
without a lift (no elderly day care there), and two neighbouring ground-floor rooms that hold
a day-care centre only when merged (200 m² each; the day care needs 350 m²).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from gis_planner.demo._frame import LOCAL_CRS

#: Sub-stream of the town's seed used only for elderly counts and the idle spaces.
ELDERLY_STREAM = 9
#: Persons per household (2020 census), the census shares aged 60+ and 80+: the figures the
#: elderly-care standard uses to estimate counts where a file has none.
PERSONS_PER_HOUSEHOLD = 2.62
SHARE_60_PLUS = 0.1870
SHARE_80_PLUS = 0.0254
#: Synthetic local factors on those shares: villages are older, and a few urban compounds are
#: planted old (an ageing 1980s estate) or young (a new high-rise).
RURAL_FACTOR = 1.35
OLD_FACTOR = 1.9
YOUNG_FACTOR = 0.5
#: Positions (in compound order) of the planted old and young urban compounds.
OLD_COMPOUNDS = (2, 17, 41)
YOUNG_COMPOUNDS = (5, 60)
#: The idle spaces: (id, name, compound position, area m², floor, lift, ownership, current use,
#: cost in 10,000 yuan, merge partner). The first four rows are the planted cases.
SPACES = (
    ("SP01", "门卫旁储藏间（虚构）", 0, 15.0, 1, "否", "公有", "储藏", 0.5, ""),
    ("SP02", "老办公楼三层会议室（虚构）", 10, 400.0, 3, "否", "公有", "闲置办公", 20.0, ""),
    ("SP03", "沿街商铺东间（虚构）", 30, 200.0, 1, "否", "国企", "闲置商铺", 12.0, "SP04"),
    ("SP04", "沿街商铺西间（虚构）", 30, 200.0, 1, "否", "国企", "闲置商铺", 12.0, "SP03"),
    ("SP05", "原粮站仓库（虚构）", 50, 450.0, 1, "否", "公有", "仓储", 25.0, ""),
    ("SP06", "社区用房二层（虚构）", 70, 180.0, 2, "是", "公有", "闲置办公", 8.0, ""),
    ("SP07", "底层车库改造（虚构）", 90, 120.0, 1, "否", "租赁", "车库", 6.0, ""),
    ("SP08", "原幼儿园（虚构）", 110, 600.0, 1, "否", "公有", "闲置", 30.0, ""),
    ("SP09", "厂房一角（虚构）", 130, 300.0, 1, "否", "国企", "待更新厂房", 15.0, ""),
)
#: Spaces stand this far east or west (alternately) of their compound's representative point (m).
SPACE_OFFSET_M = 25.0


def elderly_counts(compounds: gpd.GeoDataFrame, rural: pd.Series, *, seed: int) -> pd.DataFrame:
    """``elderly_60`` and ``elderly_80`` per compound (whole persons), index as ``compounds``.

    Parameters
    ----------
    compounds
        The town's compounds with ``households``.
    rural
        Boolean per compound: in a village (村).
    seed
        The town's seed; draws come from ``default_rng([seed, ELDERLY_STREAM])``.
    """
    rng = np.random.default_rng([seed, ELDERLY_STREAM])
    n = len(compounds)
    factor = rng.uniform(0.8, 1.2, n) * np.where(rural.to_numpy(), RURAL_FACTOR, 1.0)
    pos = np.arange(n)
    factor[np.isin(pos, OLD_COMPOUNDS) & ~rural.to_numpy()] *= OLD_FACTOR
    factor[np.isin(pos, YOUNG_COMPOUNDS) & ~rural.to_numpy()] *= YOUNG_FACTOR
    persons = compounds["households"].to_numpy(float) * PERSONS_PER_HOUSEHOLD
    e60 = np.rint(persons * SHARE_60_PLUS * factor).astype(int)
    e80 = np.minimum(np.rint(persons * SHARE_80_PLUS * factor * rng.uniform(0.8, 1.2, n)).astype(int), e60)
    return pd.DataFrame({"elderly_60": e60, "elderly_80": e80}, index=compounds.index)


def build_spaces(compounds: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The idle-space inventory (no random draws), in the compounds' (local) frame.

    Returns
    -------
    GeoDataFrame
        ``space_id``, ``name``, ``area_m2``, ``floor``, ``lift`` (是/否), ``ownership``
        (公有/国企/租赁), ``current_use``, ``cost`` (10,000 yuan), ``merge_with``; Points.
    """
    pts = compounds.geometry.representative_point().to_numpy()
    rows = []
    for i, (sid, name, pos, area, floor, lift, owner, use, cost, merge) in enumerate(SPACES):
        p = pts[pos % len(pts)]
        dx = SPACE_OFFSET_M if i % 2 == 0 else -SPACE_OFFSET_M  # merge partners stand side by side
        rows.append({"space_id": sid, "name": name, "area_m2": area, "floor": floor, "lift": lift,
                     "ownership": owner, "current_use": use, "cost": cost, "merge_with": merge,
                     "geometry": gpd.points_from_xy([p.x + dx], [p.y])[0]})
    return gpd.GeoDataFrame(rows, crs=LOCAL_CRS)
