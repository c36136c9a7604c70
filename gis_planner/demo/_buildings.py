"""The demo town's buildings (楼栋) with households and special-group counts, for the grids.

Drawn from their own random stream (seeded from the town's seed), so every other layer keeps
its draws. Each compound is filled with a regular block of buildings whose households sum to
the compound's count: walk-up and mid-rise buildings of ``floors x HOUSEHOLDS_PER_FLOOR``
households, high-rise towers the same (so most exceed a 微网格 ceiling of 50 and stand alone),
village rows of houses of ``RURAL_ROW_HOUSEHOLDS``. Special groups are binomial draws at the
synthetic rates below (made up for the demo, not statistics).
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely

from gis_planner.demo._frame import LOCAL_CRS
from gis_planner.io.households import largest_remainder

#: Sub-stream of the town's seed used only for buildings.
BUILDING_STREAM = 8
#: Households per floor of an urban building (two stairwells of two flats).
HOUSEHOLDS_PER_FLOOR = 4
#: Households per village row of houses.
RURAL_ROW_HOUSEHOLDS = 24
#: A building's footprint is this share of its plot's width and depth.
FOOTPRINT_SHARE = 0.6
#: Synthetic rates per household (urban, rural) of each special group, written under the
#: group's Chinese name.
GROUP_RATES = {
    "低保对象": (0.015, 0.03),
    "特困人员": (0.002, 0.006),
    "空巢独居老人": (0.05, 0.08),
    "困境儿童": (0.002, 0.004),
    "留守儿童": (0.003, 0.03),
    "残疾人": (0.02, 0.03),
    "社区矫正对象": (0.001, 0.001),
}


def build_buildings(compounds: gpd.GeoDataFrame, *, seed: int) -> gpd.GeoDataFrame:
    """Buildings filling every compound, in local metres.

    Parameters
    ----------
    compounds
        From :func:`gis_planner.demo._people.build_compounds` (local metres).
    seed
        The town's seed; buildings draw from ``default_rng([seed, BUILDING_STREAM])``.

    Returns
    -------
    GeoDataFrame
        ``building_id`` (``B0001`` …), ``compound_id``, ``households`` (summing to each
        compound's count; floors as the compound's) and one count per special group (Chinese
        column names).
    """
    rng = np.random.default_rng([seed, BUILDING_STREAM])
    rows = []
    n = 0
    for _, c in compounds.iterrows():
        rural = str(c["name"]).endswith("组")
        h = int(c["households"])
        per = RURAL_ROW_HOUSEHOLDS if rural else int(c["floors"]) * HOUSEHOLDS_PER_FLOOR
        nb = max(1, round(h / per))
        hh = largest_remainder(np.full(nb, h / nb))
        x0, y0, x1, y1 = c.geometry.bounds
        cols = max(1, math.ceil(math.sqrt(nb * (x1 - x0) / (y1 - y0))))
        nrows = math.ceil(nb / cols)
        dx, dy = (x1 - x0) / cols, (y1 - y0) / nrows
        for k in range(nb):
            n += 1
            cx, cy = x0 + dx * (k % cols + 0.5), y1 - dy * (k // cols + 0.5)
            fw, fd = dx * FOOTPRINT_SHARE / 2, dy * FOOTPRINT_SHARE / 2
            row = {"building_id": f"B{n:04d}", "compound_id": c["compound_id"],
                   "households": int(hh[k]),
                   "geometry": shapely.box(cx - fw, cy - fd, cx + fw, cy + fd)}
            for group, (urban, village) in GROUP_RATES.items():
                row[group] = int(rng.binomial(int(hh[k]), village if rural else urban))
            rows.append(row)
    return gpd.GeoDataFrame(rows, crs=LOCAL_CRS)


__all__ = ["GROUP_RATES", "build_buildings"]
