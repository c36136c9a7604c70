"""The demo town's existing facilities (an Amap-style POI export) and candidate sites."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from gis_planner.demo._frame import (
    BLOCK_M,
    BRIDGES_X_M,
    COUNTRY_ROAD_Y_M,
    LOCAL_CRS,
    RIVER_Y_M,
    RURAL_W_M,
    STREET_SIDE_M,
    URBAN_W_M,
)

#: category -> (Amap-like ``type``, ``typecode``, the word used in names).
AMAP_TYPES = {
    "kindergarten": ("科教文化服务;学校;幼儿园", "141204", "幼儿园"),
    "primary_school": ("科教文化服务;学校;小学", "141203", "小学"),
    "middle_school": ("科教文化服务;学校;中学", "141202", "初级中学"),
    "health_station": ("医疗保健服务;诊所;社区卫生服务站", "090601", "社区卫生服务站"),
    "health_centre": ("医疗保健服务;综合医院;社区卫生服务中心", "090102", "社区卫生服务中心"),
    "elderly_day_care": ("生活服务;养老服务;日间照料中心", "071300", "老年人日间照料中心"),
    "subdistrict_elderly_centre": ("生活服务;养老服务;综合性养老服务中心", "071300", "综合性养老服务中心"),
    "meal_point": ("生活服务;养老服务;老年助餐点", "071300", "老年助餐点"),
    "community_service_centre": ("政府机构及社会团体;社会团体;党群服务中心", "130500", "党群服务中心"),
    "wet_market": ("购物服务;综合市场;菜市场", "060705", "菜市场"),
    "convenience_store": ("购物服务;便民商店/便利店;便利店", "060200", "便利店"),
    "supermarket": ("购物服务;超级市场;超市", "060400", "超市"),
    "pharmacy": ("医疗保健服务;医药保健销售店;药房", "090601", "大药房"),
    "parcel_point": ("生活服务;物流速递;快递驿站", "070500", "快递驿站"),
    # the rest of the MOFCOM basic list (一刻钟便民生活圈 基本保障类业态)
    "fresh_food_store": ("购物服务;超级市场;生鲜超市", "060401", "生鲜超市"),
    "breakfast": ("餐饮服务;快餐厅;早餐店", "050301", "早餐店"),
    "laundry": ("生活服务;洗衣店;洗衣店", "071000", "洗衣店"),
    "hairdresser": ("生活服务;美容美发店;美容美发店", "071100", "理发店"),
    "photo_print": ("生活服务;摄影冲印店;图文快印", "070800", "图文快印"),
    "housekeeping": ("生活服务;家政服务;家政服务", "071500", "家政服务"),
    "repair": ("生活服务;维修站点;家电维修", "072000", "家电维修"),
}
#: Categories whose names carry a branch number, like chain shops (``（3号店）``).
CHAINS = ("convenience_store", "pharmacy", "parcel_point", "fresh_food_store", "breakfast",
          "laundry", "hairdresser", "photo_print", "housekeeping", "repair")
#: Communities without a community service centre (planted gaps).
NO_SERVICE_CENTRE = ("李庄村", "樱花社区")
#: Capacity (places) and floor area (m²) recorded for some categories.
CAPACITY = {"subdistrict_elderly_centre": 120, "elderly_day_care": 30, "meal_point": 80}
AREA_M2 = {"subdistrict_elderly_centre": 1500.0, "elderly_day_care": 400.0,
           "community_service_centre": 800.0, "meal_point": 120.0}
#: Sub-stream of the town's seed used only for the meal points.
MEAL_STREAM = 10
CANDIDATE_KINDS = ["空地", "闲置公房", "社区用房", "待更新厂房"]


def _street_point(rng: np.random.Generator, x_range_m: tuple[float, float],
                  y_range_m: tuple[float, float]) -> tuple[float, float]:
    """A point ``STREET_SIDE_M`` beside a street inside the ranges (local metres).

    Half the time on a north-south street (a lattice x, a random y), else on an east-west one.
    A point that would fall where a north-south street is cut by the river moves onto the
    bank street; in the township every point stands beside the country road.
    """
    if rng.random() < 0.5:
        x = float(rng.choice(np.arange(x_range_m[0], x_range_m[1] + 1, BLOCK_M)))
        y = float(rng.uniform(*y_range_m))
        if RIVER_Y_M - BLOCK_M / 2 < y < RIVER_Y_M + BLOCK_M / 2 and x not in BRIDGES_X_M:
            y = RIVER_Y_M - BLOCK_M / 2 if y < RIVER_Y_M else RIVER_Y_M + BLOCK_M / 2
        x, y = x + STREET_SIDE_M, y
    else:
        y = float(rng.choice(np.arange(y_range_m[0], y_range_m[1] + 1, BLOCK_M)))
        x, y = float(rng.uniform(*x_range_m)), y + STREET_SIDE_M
    if x > URBAN_W_M:
        y = COUNTRY_ROAD_Y_M + STREET_SIDE_M
    return x, y


def _facility_sites(rng: np.random.Generator) -> list[tuple[str, float, float]]:
    sites: list[tuple[str, float, float]] = []

    def add(cat: str, k: int, x_range_m: tuple[float, float], y_range_m: tuple[float, float]) -> None:
        for _ in range(k):
            sites.append((cat, *_street_point(rng, x_range_m, y_range_m)))

    core = ((0.0, 3000.0), (0.0, 2200.0))
    south = ((0.0, 3000.0), (0.0, 1100.0))
    add("convenience_store", 26, *core)
    add("convenience_store", 3, (3300, 5100), (1100, 1300))
    add("pharmacy", 9, *core)
    add("parcel_point", 10, *core)
    add("supermarket", 3, *south)
    add("supermarket", 1, (400, 1400), (1400, 2200))
    add("kindergarten", 9, *core)
    add("primary_school", 4, *core)
    add("primary_school", 1, (3700, 3900), (1150, 1250))
    add("middle_school", 2, (400, 2600), (400, 1000))
    add("health_station", 6, *core)
    add("health_station", 2, (3700, 4600), (1150, 1250))
    add("elderly_day_care", 5, *south)
    add("elderly_day_care", 1, (200, 1400), (1400, 2200))
    # wet markets south of the river in both 街道 and in the north-west; none north-east (a gap)
    sites += [("wet_market", 615.0, 600.0), ("wet_market", 2215.0, 400.0),
              ("wet_market", 600.0, 1815.0)]
    # one comprehensive elderly-care centre in 示范街道 and one in 李庄镇; none in 凤凰街道
    sites += [("subdistrict_elderly_centre", 815.0, 1000.0),
              ("subdistrict_elderly_centre", 3815.0, 1215.0)]
    sites += [("health_centre", 1015.0, 600.0), ("health_centre", 3915.0, 1215.0)]
    return sites


def build_facilities(com: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Existing facilities in local metres, with Amap-like attributes.

    Parameters
    ----------
    com
        Communities (a community service centre is placed in each but ``NO_SERVICE_CENTRE``).
    rng
        The town's random generator.

    Returns
    -------
    GeoDataFrame
        ``id`` (``B0xxxxx``), ``name``, ``type``, ``typecode``, ``category`` (glossary id),
        ``capacity`` (places, some), ``area_m2`` (some); Points ``STREET_SIDE_M`` beside a street.
    """
    sites = _facility_sites(rng)
    for _, c in com.iterrows():
        if c["name"] in NO_SERVICE_CENTRE:
            continue
        x0, y0, _x1, _y1 = c.geometry.bounds
        if c["name"].endswith("村"):  # village centres stand on the country road
            sites.append(("community_service_centre", x0 + 250.0, COUNTRY_ROAD_Y_M + STREET_SIDE_M))
        else:
            sites.append(("community_service_centre", x0 + 215.0, y0 + 415.0))
    return _facility_frame(sites, start=1)


def build_daily_shops(rng: np.random.Generator, *, start: int) -> gpd.GeoDataFrame:
    """The MOFCOM basic-list shops (fresh food, breakfast, laundry, hairdresser, photo and
    print, housekeeping, repair), drawn after every other layer so that earlier draws keep.

    Planted pattern: plenty south of the river, fewer north-west, few or none north-east, and
    in the township only a few along the country road, so that living-circle completeness
    varies across the town.

    Returns
    -------
    GeoDataFrame
        As :func:`build_facilities`, ids from ``B0<start>``.
    """
    south, north_west = ((0.0, 3000.0), (0.0, 1100.0)), ((0.0, 1400.0), (1400.0, 2200.0))
    north_east, township = ((1800.0, 3000.0), (1400.0, 2200.0)), ((3300.0, 5100.0), (1100.0, 1300.0))
    plan = [  # category, [(count, area)]
        ("fresh_food_store", [(5, south), (2, north_west), (1, township)]),
        ("breakfast", [(9, south), (3, north_west), (1, north_east), (2, township)]),
        ("laundry", [(4, south), (1, north_west)]),
        ("hairdresser", [(7, south), (3, north_west), (2, north_east), (2, township)]),
        ("photo_print", [(3, south)]),
        ("housekeeping", [(3, south), (1, north_west)]),
        ("repair", [(4, south), (1, north_west), (1, township)]),
    ]
    sites = [(cat, *_street_point(rng, *area)) for cat, parts in plan for k, area in parts
             for _ in range(k)]
    return _facility_frame(sites, start=start)


def build_meal_points(seed: int, *, start: int) -> gpd.GeoDataFrame:
    """Meal points for older residents (老年助餐点, 80 meals a day, 120 m²), from their own random
    stream so that every other layer keeps its draws: three south of the river, one north-west,
    one in the township, none north-east (a planted gap).

    Returns
    -------
    GeoDataFrame
        As :func:`build_facilities`, ids from ``B0<start>``.
    """
    rng = np.random.default_rng([seed, MEAL_STREAM])
    south, north_west = ((0.0, 3000.0), (0.0, 1100.0)), ((0.0, 1400.0), (1400.0, 2200.0))
    township = ((3300.0, 5100.0), (1100.0, 1300.0))
    sites = [("meal_point", *_street_point(rng, *area)) for k, area in ((3, south), (1, north_west),
                                                                        (1, township)) for _ in range(k)]
    return _facility_frame(sites, start=start)


def _facility_frame(sites: list[tuple[str, float, float]], *, start: int) -> gpd.GeoDataFrame:
    rows: list[dict[str, Any]] = []
    counters: dict[str, int] = {}
    place = ["海陵", "凤城", "稻河", "梅兰", "文昌", "春晖", "鼓楼", "百花", "迎春", "东进"]
    for cat, x, y in sites:
        counters[cat] = counters.get(cat, 0) + 1
        typ, code, word = AMAP_TYPES[cat]
        k = counters[cat]
        name = f"{place[k % len(place)]}{word}" + (f"（{k}号店）" if cat in CHAINS else "")
        rows.append({"id": f"B0{start + len(rows):05d}", "name": name, "type": typ, "typecode": code,
                     "category": cat, "capacity": CAPACITY.get(cat), "area_m2": AREA_M2.get(cat, np.nan),
                     "geometry": shapely.Point(x, y)})
    return gpd.GeoDataFrame(rows, crs=LOCAL_CRS)


def build_candidates(rng: np.random.Generator) -> gpd.GeoDataFrame:
    """The first candidate sites: a 400 m lattice over the core plus five in the township.

    Returns
    -------
    GeoDataFrame
        ``candidate_id`` (``S001`` ...), ``name``, ``kind``; Points in local metres.
    """
    pts = []
    for x in np.arange(100, 3100, 400):
        for y in (300.0, 900.0, 1700.0, 2100.0):
            pts.append((float(x) + rng.uniform(-40, 40), y + STREET_SIDE_M))
    pts += [(3500.0, 1215.0), (4300.0, 1215.0), (4600.0, 1215.0), (4915.0, 1500.0), (3915.0, 900.0)]
    return _candidate_frame(pts, start=1)


def build_more_candidates(rng: np.random.Generator, *, start: int) -> gpd.GeoDataFrame:
    """Further candidate sites beside streets: near the north-east wet-market gap, over the core
    and along the township's roads (drawn after every other layer, so earlier draws keep).

    Returns
    -------
    GeoDataFrame
        As :func:`build_candidates`, ids from ``S<start>``.
    """
    pts = [_street_point(rng, (1700.0, 3000.0), (1500.0, 2300.0)) for _ in range(8)]  # NE gap
    pts += [_street_point(rng, (100.0, 3100.0), (100.0, 2300.0)) for _ in range(12)]
    east = URBAN_W_M + RURAL_W_M
    pts += [(float(x), COUNTRY_ROAD_Y_M + STREET_SIDE_M)
            for x in rng.uniform(URBAN_W_M + 200, east - 100, 4)]
    lanes = (URBAN_W_M + 600 + STREET_SIDE_M, URBAN_W_M + 1300 + STREET_SIDE_M)
    pts += [(lanes[i % 2], float(y)) for i, y in enumerate(rng.uniform(500, 1900, 2))]
    return _candidate_frame(pts, start=start)


def _candidate_frame(pts: list[tuple[float, float]], *, start: int) -> gpd.GeoDataFrame:
    ids = range(start, start + len(pts))
    return gpd.GeoDataFrame(
        {"candidate_id": [f"S{i:03d}" for i in ids],
         "name": [f"备选地块{i}" for i in ids],
         "kind": [CANDIDATE_KINDS[(i - 1) % len(CANDIDATE_KINDS)] for i in ids]},
        geometry=[shapely.Point(p) for p in pts], crs=LOCAL_CRS,
    )
