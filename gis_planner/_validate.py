"""Checks run at the boundary of public functions; each raises a message that names the input."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gis_planner._errors import CRSError, InputDataError, PolicyError
from gis_planner._text import clean_text, control_characters, strip_control_characters

if TYPE_CHECKING:
    import geopandas as gpd

logger = logging.getLogger(__name__)


def offending_rows(index: pd.Index, mask: np.ndarray, limit: int = 5) -> str:
    """Format the first offending index labels, e.g. ``'index 17, 42, 108 (+3 more)'``, for an
    error message that names the rows."""
    labels = [str(x) for x in index[mask][:limit]]
    extra = int(mask.sum()) - len(labels)
    return "index " + ", ".join(labels) + (f" (+{extra} more)" if extra > 0 else "")


def require_columns(df: pd.DataFrame, columns: Iterable[str], *, what: str) -> None:
    """Raise :class:`InputDataError` when any of ``columns`` is missing from ``df``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputDataError(
            f"{what}: missing column(s) {', '.join(repr(c) for c in missing)}; "
            f"found {', '.join(repr(str(c)) for c in df.columns) or 'no columns'}."
        )


def require_metric_crs(gdf: gpd.GeoDataFrame, *, what: str) -> None:
    """Raise :class:`CRSError` unless ``gdf`` has a projected CRS in metres."""
    if gdf.crs is None or not gdf.crs.is_projected:
        found = "no CRS" if gdf.crs is None else f"geographic CRS {gdf.crs.to_string()}"
        raise CRSError(
            f"{what} has {found}; distances need metres. Read it through gis_planner.io "
            "or call .to_crs(network.crs)."
        )
    unit = gdf.crs.axis_info[0].unit_name if gdf.crs.axis_info else "metre"
    if unit not in ("metre", "meter"):
        raise CRSError(f"{what} has CRS {gdf.crs.to_string()} in {unit}; expected metres.")


def require_same_crs(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, *, what_a: str, what_b: str) -> None:
    """Raise :class:`CRSError` when two frames are in different CRSs (never reproject silently)."""
    if a.crs != b.crs:
        raise CRSError(
            f"{what_a} is in {a.crs and a.crs.to_string()} but {what_b} is in "
            f"{b.crs and b.crs.to_string()}; reproject one with .to_crs() first."
        )


def require_points(gdf: gpd.GeoDataFrame, *, what: str) -> None:
    """Raise :class:`InputDataError` unless every geometry is a non-empty Point."""
    if len(gdf) == 0:
        raise InputDataError(f"{what} is empty; expected at least one point.")
    geom = gdf.geometry
    bad = (geom.isna() | geom.is_empty | (geom.geom_type != "Point")).to_numpy()
    if bad.any():
        kinds = sorted({str(t) for t in geom[bad].geom_type.fillna("missing")})
        raise InputDataError(
            f"{what}: {int(bad.sum())} geometries are not points ({', '.join(kinds)}; "
            f"{offending_rows(gdf.index, bad)}); expected Point."
        )


def require_unique_index(df: pd.DataFrame, *, what: str) -> None:
    """Raise :class:`InputDataError` when the index holds duplicate ids."""
    dup = df.index.duplicated(keep=False)
    if dup.any():
        raise InputDataError(f"{what}: duplicate ids ({offending_rows(df.index, dup)}); ids must be unique.")


def require_nonnegative_numbers(df: pd.DataFrame, column: str, *, what: str) -> None:
    """Raise :class:`InputDataError` unless ``column`` is numeric, finite and >= 0.

    Booleans (a ``true``/``false`` column, or ``True`` cells among numbers) are refused: they
    would silently count as 1 and 0.
    """
    raw = df[column]
    is_bool = (np.ones(len(raw), dtype=bool) if pd.api.types.is_bool_dtype(raw.dtype) else
               np.fromiter((isinstance(v, (bool, np.bool_)) for v in raw.to_numpy()),
                           dtype=bool, count=len(raw)) if raw.dtype == object else
               np.zeros(len(raw), dtype=bool))
    if is_bool.any():
        raise InputDataError(
            f"{what}: column {column!r} has {int(is_bool.sum())} boolean values (true/false; "
            f"{offending_rows(df.index, is_bool)}); expected numbers.")
    values = pd.to_numeric(raw, errors="coerce")
    bad_num = values.isna().to_numpy() & df[column].notna().to_numpy()
    if bad_num.any():
        raise InputDataError(
            f"{what}: column {column!r} has {int(bad_num.sum())} non-numeric values "
            f"({offending_rows(df.index, bad_num)}); expected numbers."
        )
    missing = values.isna().to_numpy()
    if missing.any():
        raise InputDataError(
            f"{what}: column {column!r} has {int(missing.sum())} empty values "
            f"({offending_rows(df.index, missing)}); expected numbers >= 0."
        )
    arr = values.to_numpy(dtype=float)
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        raise InputDataError(
            f"{what}: column {column!r} has {int(bad.sum())} negative or infinite values "
            f"({offending_rows(df.index, bad)}); counts must be >= 0."
        )


# ------------------------------------------------------------------------------------------
# Category ids
# ------------------------------------------------------------------------------------------


def suggest(value: str, known: Iterable[str]) -> str:
    """``" Did you mean 'wet_market'?"`` for the closest of ``known`` (difflib), else ``""``."""
    import difflib

    close = difflib.get_close_matches(str(value), list(known), n=1, cutoff=0.75)
    return f" Did you mean {close[0]!r}?" if close else ""


def unknown_category_message(value: object) -> str:
    """``"unknown facility category 'wet_markt'. Did you mean 'wet_market'? Known: …"``."""
    from gis_planner.categories import known_categories

    known = known_categories()
    return (f"unknown facility category {value!r}.{suggest(str(value), known)} "
            f"Known: {', '.join(known)}.")


def require_known_category(value: object, *, what: str) -> str:
    """Return ``value`` when it is a known facility category id, else raise.

    Parameters
    ----------
    value
        The id as given (a plan key, a command-line option).
    what
        Where it came from, e.g. ``"--category"`` or ``"plan.toml: siting.mclp_category"``.

    Raises
    ------
    InputDataError
        Naming ``what``, the closest known id (difflib) and every known id.
    """
    from gis_planner.categories import known_categories

    if not isinstance(value, str) or value not in known_categories():
        raise InputDataError(f"{what}: {unknown_category_message(value)}")
    return value


# ------------------------------------------------------------------------------------------
# Walking parameters: finite and > 0, and plausible unless forced
# ------------------------------------------------------------------------------------------


def require_positive_number(value: object, *, what: str, unit: str) -> float:
    """``value`` as a float when it is a finite number > 0 (booleans and text are refused).

    Parameters
    ----------
    value
        A speed, minutes, radius, capacity, tolerance or cap.
    what
        Its name as the user wrote it (``"--speed-kmh"``, ``"plan.toml: reach.speed_kmh"``).
    unit
        Its unit for the message (``"km/h"``, ``"minutes"``, ``"m"``).

    Raises
    ------
    InputDataError
        NaN, infinite, zero, negative, boolean or non-numeric values.
    """
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))
    number = float(value) if ok else float("nan")  # type: ignore[arg-type]
    if not ok or not np.isfinite(number) or number <= 0:
        raise InputDataError(f"{what} = {value!r}; expected a finite number > 0 ({unit}).")
    return number


#: The package file holding the plausible ranges (beside the profiles, it is not one).
LIMITS_FILE = "_limits.toml"
_LIMIT_KEYS = frozenset({"min", "max", "unit", "source", "status", "note"})


@functools.cache
def _limits() -> dict[str, tuple[float, float, str]]:
    """The ranges of :data:`LIMITS_FILE`, checked: numbers ``0 <= min < max``, a ``unit``, and
    the ``source`` and ``status`` every number of the package carries."""
    import tomllib
    from importlib import resources

    label = f"gis_planner/policy/data/{LIMITS_FILE}"
    raw = tomllib.loads(resources.files("gis_planner.policy.data").joinpath(LIMITS_FILE)
                        .read_text(encoding="utf-8"))
    out: dict[str, tuple[float, float, str]] = {}
    for name, table in raw.items():
        ok = (isinstance(table, dict) and set(table) <= _LIMIT_KEYS
              and all(isinstance(table.get(k), int | float) and not isinstance(table.get(k), bool)
                      for k in ("min", "max"))
              and all(isinstance(table.get(k), str) and table[k].strip()
                      for k in ("unit", "source", "status")))
        if not ok or not 0 <= table["min"] < table["max"]:
            raise PolicyError(f"{label} [{name}]: expected numbers 0 <= min < max, a unit, a source "
                              "and a status (and an optional note).")
        out[name] = (float(table["min"]), float(table["max"]), str(table["unit"]))
    return out


def plausible_range(quantity: str) -> tuple[float, float, str]:
    """``(min, max, unit)`` of a walking parameter outside which a value is a likely mistake.

    Read from ``policy/data/_limits.toml``, the one place holding these bounds (with their
    source): ``speed_kmh`` 0.5-20 km/h and ``minutes`` up to 240 minutes.

    >>> plausible_range("speed_kmh")
    (0.5, 20.0, 'km/h')

    Raises
    ------
    KeyError
        For a quantity the file does not bound.
    """
    return _limits()[quantity]


def require_plausible(value: float, *, quantity: str, what: str, force: bool = False,
                      force_hint: str = "--force") -> float:
    """Refuse a walking speed or budget outside the plausible range unless ``force`` is set.

    The range of each ``quantity`` (``"speed_kmh"``, ``"minutes"``) is read from
    ``gis_planner/policy/data/_limits.toml`` (the one place that holds it, with its source).

    Parameters
    ----------
    value
        A finite number > 0 (see :func:`require_positive_number`).
    quantity
        ``"speed_kmh"`` (km/h) or ``"minutes"`` (walking minutes).
    what
        The option or key, for the message.
    force
        Accept an implausible value (logged as a warning).
    force_hint
        How the user forces it (``"--force"``, ``"force = true in [reach]"``).

    Raises
    ------
    InputDataError
        Outside the range and not forced; the message gives the range and ``force_hint``.
    """
    low, high, unit = plausible_range(quantity)
    if low <= value <= high:
        return value
    if force:
        logger.warning("%s = %g %s is outside %g-%g %s; used as forced.", what, value, unit, low,
                       high, unit)
        return value
    raise InputDataError(f"{what} = {value:g} {unit} is outside the plausible {low:g}-{high:g} {unit}; "
                         f"check the value (is it the right unit?) or pass {force_hint} to use it.")


def is_missing(x: Any) -> bool:
    """True for None, ``pd.NA``, NaN and NaT; False for anything else (text, lists …)."""
    if x is None or x is pd.NA:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


__all__ = [
    "LIMITS_FILE",
    "clean_text",
    "control_characters",
    "is_missing",
    "offending_rows",
    "plausible_range",
    "require_columns",
    "require_known_category",
    "require_metric_crs",
    "require_nonnegative_numbers",
    "require_plausible",
    "require_points",
    "require_positive_number",
    "require_same_crs",
    "require_unique_index",
    "strip_control_characters",
    "suggest",
    "unknown_category_message",
]
