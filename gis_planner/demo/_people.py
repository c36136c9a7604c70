"""Where the demo town's households live: sub-districts, communities, compounds, gates and the
community attribute table, with the planted size and compliance cases."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis_planner.demo._frame import (
    BLOCK_M,
    LOCAL_CRS,
    RIVER_Y_M,
    RURAL_W_M,
    SUBDISTRICT_CODES,
    URBAN_H_M,
    URBAN_W_M,
)
from gis_planner.demo._roads import NOT_WALKABLE

#: Persons per household used for the demo's population figures (2020 census, China).
PERSONS_PER_HOUSEHOLD = 2.62

#: Planted community totals (households); the others draw 2550-2950 (urban) / 1050-1450 (rural).
PLANTED_HOUSEHOLDS = {
    "阳光社区": 4600,   # too large (not high-rise): a split is feasible
    "凤凰社区": 4500,   # high-rise, within the high-rise ceiling of 5000
    "府前社区": 6400,   # high-rise, too large, and one compound alone holds 5300 (infeasible)
    "梅园社区": 1150,   # too small, beside another too-small one: merge
    "稻河社区": 1300,   # too small (the neighbour of 梅园社区)
    "鼓楼社区": 1500,   # too small: takes border compounds from a neighbour
    "周庄村": 700,     # rural, too small: takes compounds from 陈堡村
    "陈堡村": 1450,
}
#: The compound that alone exceeds the high-rise ceiling (households), in 府前社区.
OVERSIZED_COMPOUND_HOUSEHOLDS = 5300
#: Compounds drawn across a community boundary (the assignment rule must place them), and how
#: far they reach into the neighbour (metres).
N_STRADDLING = 3
STRADDLE_M = 120.0
#: Communities whose ``urban_rural`` is left empty (classified from the name suffix).
UNTYPED_COMMUNITIES = ("学苑社区", "周庄村")
HIGH_RISE_COMMUNITIES = ("凤凰社区", "府前社区")
#: Vertex spacing along sub-district and community edges (metres).
ADMIN_VERTEX_SPACING_M = 100.0
#: A gate stands on its compound's boundary at most this far from a walkable street.
GATE_MAX_ROAD_M = 30.0


def build_admin() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Sub-districts and communities in local metres.

    Returns
    -------
    tuple of GeoDataFrame
        Sub-districts (``subdistrict_code`` 9 digits, ``name``, ``kind``): two 街道 of
        1.6 km x 2.4 km and one 镇 of 2.0 km x 2.4 km. Communities (``community_code``
        12 digits, ``name``, ``subdistrict_code``, ``urban_rural``, ``high_rise``): 8 社区 of
        400 m x 1200 m per 街道 and 4 村 of 500 m x 2400 m, tiling their sub-district.
    """
    a, b, c = SUBDISTRICT_CODES
    subs = gpd.GeoDataFrame(
        {"subdistrict_code": list(SUBDISTRICT_CODES),
         "name": ["示范街道（虚构）", "凤凰街道（虚构）", "李庄镇（虚构）"],
         "kind": ["subdistrict", "subdistrict", "township"]},
        geometry=[shapely.box(0, 0, URBAN_W_M / 2, URBAN_H_M),
                  shapely.box(URBAN_W_M / 2, 0, URBAN_W_M, URBAN_H_M),
                  shapely.box(URBAN_W_M, 0, URBAN_W_M + RURAL_W_M, URBAN_H_M)],
        crs=LOCAL_CRS,
    )
    rows = []
    urban_names = ["阳光", "和平", "文昌", "春晖", "梅园", "稻河", "百花", "学苑",
                   "凤凰", "府前", "青年", "鼓楼", "东进", "迎春", "樱花", "滨河"]
    k = 0
    for sx, scode in ((0.0, a), (URBAN_W_M / 2, b)):
        for col in range(4):
            for row in range(2):
                x0, y0 = sx + col * 400, row * 1200
                rows.append({"community_code": f"{scode}{row * 4 + col + 1:03d}",
                             "name": f"{urban_names[k]}社区", "subdistrict_code": scode,
                             "urban_rural": "urban",
                             "geometry": shapely.box(x0, y0, x0 + 400, y0 + 1200)})
                k += 1
    for v, vname in enumerate(["李庄村", "王垛村", "陈堡村", "周庄村"]):
        x0 = URBAN_W_M + v * 500
        rows.append({"community_code": f"{c}{200 + v + 1:03d}", "name": vname,
                     "subdistrict_code": c, "urban_rural": "rural",
                     "geometry": shapely.box(x0, 0, x0 + 500, URBAN_H_M)})
    com = gpd.GeoDataFrame(rows, crs=LOCAL_CRS)
    com["urban_rural"] = com["urban_rural"].astype(object)
    com.loc[com["name"].isin(UNTYPED_COMMUNITIES), "urban_rural"] = None
    com["high_rise"] = com["name"].isin(HIGH_RISE_COMMUNITIES)
    # a vertex every 100 m on every edge: neighbours share every vertex, so the units still tile
    # exactly once written in rounded lon/lat
    for gdf in (subs, com):
        gdf.geometry = shapely.segmentize(gdf.geometry.to_numpy(), ADMIN_VERTEX_SPACING_M)
    return subs, com


def build_compounds(com: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Compounds (小区; village groups 组) with households, in local metres.

    Parameters
    ----------
    com
        Communities from :func:`build_admin`.
    rng
        The town's random generator (draws: block choice, totals, weights, floors).

    Returns
    -------
    GeoDataFrame
        ``compound_id``, ``name``, ``households`` (int), ``floors``, ``community_code``,
        ``high_rise`` (floors >= 10): urban compounds are 180 m squares 10 m inside a street
        block (8 per community), village groups 160 m squares (4 per village).
    """
    rows = []
    n = 0
    adjectives = ["阳光", "锦绣", "翠苑", "金色", "碧水", "丽景", "御景", "华庭", "春江", "紫荆",
                  "海棠", "桂花", "玉兰", "星河", "明珠", "康乐"]
    suffixes = ["小区", "花园", "苑", "家园", "新村", "公寓"]
    for _, c in com.iterrows():
        x0, y0, _x1, _y1 = c.geometry.bounds
        rural = c["name"].endswith("村")
        if rural:
            cells = [(x0 + 60 + 220 * (i % 2), y0 + 250 + 500 * (i // 2)) for i in range(4)]
            size_m, floors_range = 160.0, (2, 4)
        else:
            blocks = [(x0 + bx * BLOCK_M, y0 + by * BLOCK_M) for by in range(6) for bx in range(2)]
            if y0 + 1200 > RIVER_Y_M > y0:
                blocks = [q for q in blocks if not (q[1] < RIVER_Y_M < q[1] + BLOCK_M)]
            keep = rng.permutation(len(blocks))[:8]
            cells = [blocks[i] for i in sorted(keep)]
            size_m = 180.0
            floors_range = (16, 33) if c["high_rise"] else (5, 12)
        target = PLANTED_HOUSEHOLDS.get(c["name"], int(rng.integers(2550, 2950) if not rural
                                                       else rng.integers(1050, 1450)))
        weights = rng.uniform(0.7, 1.3, len(cells))
        if c["name"] == "府前社区":
            big = OVERSIZED_COMPOUND_HOUSEHOLDS
            weights = np.array([big / (target - big) * (len(cells) - 1)] + [1.0] * (len(cells) - 1))
        hh = np.floor(target * weights / weights.sum()).astype(int)
        hh[0] += target - hh.sum()
        for k, ((cx, cy), h) in enumerate(zip(cells, hh, strict=True)):
            n += 1
            inset = 10.0
            poly = shapely.box(cx + inset, cy + inset, cx + size_m + inset, cy + size_m + inset)
            name = (f"{c['name'][:-1]}{k + 1}组" if rural else
                    f"{adjectives[(n * 7) % len(adjectives)]}{suffixes[n % len(suffixes)]}")
            rows.append({"compound_id": f"C{n:03d}", "name": name, "households": int(h),
                         "floors": int(rng.integers(*floors_range)),
                         "community_code": c["community_code"], "geometry": poly})
    gdf = gpd.GeoDataFrame(rows, crs=LOCAL_CRS)
    gdf["high_rise"] = gdf["floors"] >= 10
    return _straddle(gdf)


def _straddle(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Stretch ``N_STRADDLING`` urban compounds ``STRADDLE_M`` across the street that bounds their
    community, into an empty block of the neighbour (at most one per community; never across a
    sub-district boundary). Most of each stays in its own community."""
    out = gdf.copy()
    width_m = URBAN_W_M / 8  # communities are 400 m wide
    chosen: list[str] = []
    for i, row in gdf.iterrows():
        x0, y0, x1, y1 = row.geometry.bounds
        if row["name"].endswith("组") or x1 > URBAN_W_M or row["community_code"] in chosen:
            continue
        right = x0 % width_m > BLOCK_M  # the east block of its community: cross eastwards
        edge_m = (x0 // width_m + (1 if right else 0)) * width_m
        if edge_m % (URBAN_W_M / 2) == 0:  # the town's edge or a sub-district boundary
            continue
        grown = (shapely.box(x0, y0, x1 + STRADDLE_M, y1) if right
                 else shapely.box(x0 - STRADDLE_M, y0, x1, y1))
        others = gdf.geometry.drop(index=i)
        if others.intersects(grown).any():
            continue
        out.at[i, "geometry"] = grown
        chosen.append(row["community_code"])
        if len(chosen) == N_STRADDLING:
            break
    return out


def build_gates(compounds: gpd.GeoDataFrame, roads: gpd.GeoDataFrame,
                rng: np.random.Generator) -> gpd.GeoDataFrame:
    """1-4 gates per urban compound on its boundary beside a street; none for village groups.

    A gate stands at the middle of a side, 10 m from the street centre line; a side more than
    ``GATE_MAX_ROAD_M`` from any walkable street (the far side of a straddling compound) gets
    none.

    Returns
    -------
    GeoDataFrame
        ``gate_id`` (``<compound_id>-G<side>``), ``compound_id``; Point geometry, local metres.
    """
    walk = roads.loc[~roads["highway"].isin(NOT_WALKABLE)].geometry.to_numpy()
    streets = shapely.union_all(walk)
    rows = []
    for _, c in compounds.iterrows():
        if c["name"].endswith("组"):
            continue  # village groups have no gates: their centroid is snapped
        x0, y0, x1, y1 = c.geometry.bounds
        mids = [((x0 + x1) / 2, y0), ((x0 + x1) / 2, y1), (x0, (y0 + y1) / 2), (x1, (y0 + y1) / 2)]
        k = int(rng.integers(1, 5))
        near = shapely.distance(shapely.points(mids), streets) <= GATE_MAX_ROAD_M
        sides = [j for j in sorted(rng.permutation(4)[:k]) if near[j]] or [int(np.argmax(near))]
        for j in sides:
            rows.append({"gate_id": f"{c['compound_id']}-G{j + 1}", "compound_id": c["compound_id"],
                         "geometry": shapely.Point(mids[j])})
    return gpd.GeoDataFrame(rows, crs=LOCAL_CRS)


#: Planted attribute failures: community name -> (column, value).
PLANTED_ATTRIBUTES = {
    "和平社区": ("service_area_m2", 450),            # < 30 m² per 100 households
    "文昌社区": ("community_workers", 3),            # < 18 per 10,000 urban residents
    "王垛村": ("has_volunteer_station", "否"),
    "滨河社区": ("opening_hours_per_day", 6.0),      # < 8 hours a day
    "春晖社区": ("general_service_model", "否"),
}
#: Communities whose service area and worker count are left blank (not assessable).
BLANK_ATTRIBUTES = ("东进社区", "陈堡村")


def build_attributes(com: gpd.GeoDataFrame, compounds: gpd.GeoDataFrame,
                     rng: np.random.Generator) -> pd.DataFrame:
    """The community attribute table (field names of ``gis_planner.policy``).

    Unplanted rows pass the Taizhou targets by construction (service area 31-45 m² per 100
    households, 18.5-26 workers per 10,000 residents, 9 h a day); ``PLANTED_ATTRIBUTES`` fail
    one target each and ``BLANK_ATTRIBUTES`` leave two fields empty.

    Returns
    -------
    DataFrame
        One row per community: ``community_code``, ``name``, ``households``, populations
        (persons), areas (m²), yes/no fields (是/否), counts, ``opening_hours_per_day``.
    """
    hh = compounds.groupby("community_code")["households"].sum()
    rows = []
    for _, c in com.iterrows():
        h = int(hh.get(c["community_code"], 0))
        pop = round(h * PERSONS_PER_HOUSEHOLD)
        service = round(h / 100 * float(rng.uniform(31, 45)))
        floor = round(service / float(rng.uniform(0.08, 0.12)))
        rows.append({
            "community_code": c["community_code"], "name": c["name"], "households": h,
            "urban_resident_population": pop, "registered_population": round(pop * 0.9),
            "service_area_m2": service,
            "activity_area_m2": round(service * float(rng.uniform(0.71, 0.85))),
            "commercial_service_area_m2": round(floor * float(rng.uniform(0.1, 0.14))),
            "total_floor_area_m2": floor,
            "has_volunteer_station": "是", "civilisation_station_up_to_standard": "是",
            "general_service_model": "是", "consultation_platform": "是",
            "self_service_terminal": "是",
            "community_workers": int(np.ceil(pop / 10000 * float(rng.uniform(18.5, 26)))),
            "licensed_social_workers": int(np.ceil(pop * 0.9 / 10000 * float(rng.uniform(10, 14)))),
            "social_organisations": int(rng.integers(5, 11)),
            "opening_hours_per_day": 9.0,
        })
    df = pd.DataFrame(rows)
    for name, (col, value) in PLANTED_ATTRIBUTES.items():
        df[col] = df[col].astype(object)
        df[col] = df[col].where(df["name"] != name, value)
    for col in ("service_area_m2", "community_workers"):
        df[col] = df[col].astype(object)
    df.loc[df["name"].isin(BLANK_ATTRIBUTES), ["service_area_m2", "community_workers"]] = None
    return df
