"""Chinese web-map coordinate systems (GCJ-02, BD-09) <-> WGS-84, vectorised.

PROJ knows neither GCJ-02 (Amap, Tencent) nor BD-09 (Baidu): both are published obfuscation
formulas on top of WGS-84, ~300-700 m off inside China. The forward formulas are the public
ones; the inverses are solved by fixed-point iteration until the round trip is below 1e-9 degrees
(about 0.1 mm), so WGS-84 -> GCJ-02 -> WGS-84 returns the input to well under 1 m.

>>> lon, lat = wgs84_to_gcj02(121.4737, 31.2304)
>>> round(float(lon), 4), round(float(lat), 4)
(121.478, 31.2284)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
import numpy.typing as npt

CoordSystem = Literal["wgs84", "gcj02", "bd09", "cgcs2000"]
#: Systems accepted by ``source_coords`` arguments (besides ``"EPSG:<code>"`` strings).
CHINESE_SYSTEMS: tuple[str, ...] = ("wgs84", "gcj02", "bd09", "cgcs2000")

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by the GCJ-02 formula
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0

Array = npt.NDArray[np.float64]


def in_china(lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """True where the GCJ-02 offset applies (the formula's rough bounding box of China)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _delta(lon: Array, lat: Array) -> tuple[Array, Array]:
    x = lon - 105.0
    y = lat - 35.0
    sx = np.sqrt(np.abs(x))
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Array, Array]:
    """WGS-84 -> GCJ-02 (degrees); points outside China are returned unchanged."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lon, lat)
    inside = in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def _invert(forward: Callable[[Array, Array], tuple[Array, Array]], lon: Array, lat: Array,
            start_lon: Array, start_lat: Array) -> tuple[Array, Array]:
    """Solve ``forward(x, y) == (lon, lat)`` by fixed-point iteration from the start point,
    until the residual is below 1e-10 degrees (30 rounds at most; 3-5 are typical)."""
    x, y = start_lon, start_lat
    for _ in range(30):
        flon, flat = forward(x, y)
        elon, elat = flon - lon, flat - lat
        x, y = x - elon, y - elat
        if np.nanmax(np.abs(np.concatenate([np.ravel(elon), np.ravel(elat)])), initial=0.0) < 1e-10:
            break
    return x, y


def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Array, Array]:
    """GCJ-02 -> WGS-84 (degrees), exact to 1e-9 degrees by fixed-point iteration."""
    glon = np.asarray(lon, dtype=float)
    glat = np.asarray(lat, dtype=float)
    return _invert(wgs84_to_gcj02, glon, glat, glon.copy(), glat.copy())


def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Array, Array]:
    """GCJ-02 -> BD-09 (degrees)."""
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Array, Array]:
    """BD-09 -> GCJ-02 (degrees), exact to 1e-9 degrees: the published closed-form inverse as
    the start, refined by fixed-point iteration."""
    blon = np.asarray(lon, dtype=float)
    blat = np.asarray(lat, dtype=float)
    x = blon - 0.0065
    y = blat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return _invert(gcj02_to_bd09, blon, blat, z * np.cos(theta), z * np.sin(theta))


def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Array, Array]:
    """WGS-84 -> BD-09 (degrees)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Array, Array]:
    """BD-09 -> WGS-84 (degrees)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike, source: str) -> tuple[Array, Array]:
    """Convert lon/lat in ``source`` (``wgs84``, ``gcj02``, ``bd09`` or ``cgcs2000``) to WGS-84.

    CGCS2000 (EPSG:4490) equals WGS-84 to within centimetres at planning scale and is passed
    through unchanged. Raises ``ValueError`` for other names.
    """
    if source in ("wgs84", "cgcs2000"):
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if source == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if source == "bd09":
        return bd09_to_wgs84(lon, lat)
    raise ValueError(f"unknown coordinate system {source!r}; expected one of {CHINESE_SYSTEMS}")


def from_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike, target: str) -> tuple[Array, Array]:
    """Convert WGS-84 lon/lat to ``target`` (``wgs84``, ``gcj02``, ``bd09`` or ``cgcs2000``)."""
    if target in ("wgs84", "cgcs2000"):
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if target == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    if target == "bd09":
        return wgs84_to_bd09(lon, lat)
    raise ValueError(f"unknown coordinate system {target!r}; expected one of {CHINESE_SYSTEMS}")
