"""Choice of the projected metric CRS in which all distances are measured."""

from __future__ import annotations

import logging
import math
from typing import Literal

from pyproj import CRS

from gis_planner._errors import CRSError

logger = logging.getLogger(__name__)

MetricSystem = Literal["utm", "cgcs2000_3deg"]


def choose_metric_crs(
    lonlat_bounds: tuple[float, float, float, float], *, system: MetricSystem = "utm"
) -> CRS:
    """Pick a projected metric CRS for data within ``lonlat_bounds`` (WGS-84 degrees).

    Parameters
    ----------
    lonlat_bounds
        (min lon, min lat, max lon, max lat) in degrees.
    system
        ``"utm"``: the WGS-84 UTM zone of the bounds' centre (e.g. Shanghai: EPSG:32651).
        ``"cgcs2000_3deg"``: the CGCS2000 3-degree Gauss-Krüger zone with the central meridian
        nearest the centre, without zone prefix in the easting (EPSG:4534-4554, e.g. 120°E:
        EPSG:4549), as Chinese planning data commonly uses.

    Raises
    ------
    CRSError
        When the bounds are not valid longitudes/latitudes, or lie outside China for
        ``cgcs2000_3deg``.
    """
    minx, miny, maxx, maxy = lonlat_bounds
    if not all(math.isfinite(v) for v in lonlat_bounds) or not (
        -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
    ):
        raise CRSError(
            f"bounds {lonlat_bounds} are not longitude/latitude degrees; "
            "expected -180..180 and -90..90 (were lat and lon swapped, or is the data projected?)."
        )
    lon = (minx + maxx) / 2
    lat = (miny + maxy) / 2
    if system == "utm":
        zone = int((lon + 180) // 6) + 1
        epsg = (32600 if lat >= 0 else 32700) + min(zone, 60)
    elif system == "cgcs2000_3deg":
        cm = 3 * round(lon / 3)
        if not 75 <= cm <= 135:
            raise CRSError(
                f"CGCS2000 3-degree zones cover longitudes 73.5-136.5°E; the data centre is {lon:.2f}°."
            )
        epsg = 4534 + (cm - 75) // 3
    else:  # pragma: no cover - Literal guards this
        raise CRSError(f"unknown metric system {system!r}; expected 'utm' or 'cgcs2000_3deg'.")
    crs = CRS.from_epsg(epsg)
    logger.info("metric CRS chosen: %s (%s) for centre %.4f, %.4f", crs.to_string(), crs.name, lon, lat)
    return crs


def resolve_metric_crs(
    lonlat_bounds: tuple[float, float, float, float], metric_crs: object, *, what: str
) -> CRS:
    """Turn a ``metric_crs`` argument into a projected CRS.

    ``None``/``"utm"``/``"cgcs2000_3deg"`` choose a zone for ``lonlat_bounds``; anything else is
    read by pyproj (EPSG code, string, CRS) and must be projected.

    Raises
    ------
    CRSError
        When the CRS is geographic or unknown.
    """
    if metric_crs is None or (not isinstance(metric_crs, CRS) and metric_crs in ("utm", "cgcs2000_3deg")):
        return choose_metric_crs(lonlat_bounds, system=metric_crs or "utm")
    try:
        crs = CRS.from_user_input(metric_crs)
    except Exception as exc:  # pyproj.exceptions.CRSError
        raise CRSError(f"{what}: unknown metric_crs {metric_crs!r} ({exc}).") from exc
    if not crs.is_projected:
        raise CRSError(f"{what}: metric_crs {crs.to_string()} is not projected; expected metres.")
    return crs
