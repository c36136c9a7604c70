"""Helpers shared by the command modules: option parsing, the policy profile lookup and
terminal columns."""

from __future__ import annotations

import unicodedata
from typing import Any

import typer

from gis_planner._errors import InputDataError

DEFAULT_SPEED_KMH = 4.0  # GB 50180-2018: 15 min ≈ 1000 m (upper bound of 800-1000 m)
COORDS_HELP = ("Coordinate system of lon/lat CSV inputs: wgs84, gcj02 (Amap, Tencent), "
               "bd09 (Baidu), cgcs2000 or EPSG:<code>.")


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns; Chinese characters (East Asian
    wide or full-width) take two columns, so tables of Chinese names line up."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def parse_minutes(text: str) -> tuple[float, ...]:
    """'5,10,15' -> (5.0, 10.0, 15.0); a clear error for anything else."""
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError as exc:
        raise typer.BadParameter(f"expected minutes like 5,10,15; got {text!r}") from exc
    if not values or min(values) <= 0:
        raise typer.BadParameter(f"expected positive minutes like 5,10,15; got {text!r}")
    return values


def reach_parameters(profile: str | None, *, minutes: str | None,
                     speed_kmh: float | None) -> dict[str, Any]:
    """Keyword arguments for :func:`gis_planner.coverage.reach`: from the profile when given,
    explicit options overriding it; without either, 4.0 km/h and 5/10/15 minutes."""
    params: dict[str, Any] = {}
    if speed_kmh is not None and speed_kmh <= 0:
        raise InputDataError(f"--speed-kmh must be > 0; got {speed_kmh}.")
    if profile:
        from gis_planner.policy import load_profile

        # the profile's facility radii stay in metres at another speed
        params = dict(load_profile(profile).reach_parameters(speed_kmh=speed_kmh))
    params.setdefault("speed_kmh", DEFAULT_SPEED_KMH)
    params.setdefault("walk_minutes", (5.0, 10.0, 15.0))
    if minutes:
        params["walk_minutes"] = parse_minutes(minutes)
        params["headline_minutes"] = max(params["walk_minutes"])
    if speed_kmh is not None:
        params["speed_kmh"] = speed_kmh
    return params
