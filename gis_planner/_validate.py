"""Checks run at the boundary of public functions; each raises a message that names the input."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gis_planner._errors import CRSError, InputDataError

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
    from gis_planner.policy.profile import plausible_range

    low, high, unit = plausible_range(quantity)
    if low <= value <= high:
        return value
    if force:
        logger.warning("%s = %g %s is outside %g-%g %s; used as forced.", what, value, unit, low,
                       high, unit)
        return value
    raise InputDataError(f"{what} = {value:g} {unit} is outside the plausible {low:g}-{high:g} {unit}; "
                         f"check the value (is it the right unit?) or pass {force_hint} to use it.")


# ------------------------------------------------------------------------------------------
# Text read from files: control and invisible characters
# ------------------------------------------------------------------------------------------

#: Characters that become a space (they separate words): tab, line feed, carriage return,
#: the other C0/C1 line breaks (VT, FF, NEL) and U+2028/U+2029 (line/paragraph separators).
_SPACE_LIKE = frozenset("\t\n\r\x0b\x0c\x85\u2028\u2029")


@functools.cache
def _unwanted() -> re.Pattern[str]:
    """One character class of every control (Cc) and format (Cf: zero-width, bidi overrides
    such as U+202E, BOM) character plus :data:`_SPACE_LIKE`, built once from ``unicodedata``."""
    import unicodedata

    cps = sorted({c for c in range(0x110000) if unicodedata.category(chr(c)) in ("Cc", "Cf")}
                 | {ord(ch) for ch in _SPACE_LIKE})
    parts, first, last = [], cps[0], cps[0]
    for c in [*cps[1:], -1]:
        if c == last + 1:
            last = c
            continue
        parts.append(re.escape(chr(first)) + ("-" + re.escape(chr(last)) if last > first else ""))
        first = last = c
    return re.compile("[" + "".join(parts) + "]")


def clean_text(text: str) -> str:
    """``text`` without control and invisible characters.

    C0/C1 controls (``\\x07`` …), zero-width characters (U+200B–U+200D, U+2060, U+FEFF) and
    bidirectional controls (U+200E/F, U+202A–U+202E, U+2066–U+2069), i.e. every Unicode
    control (Cc) and format (Cf) character, are removed; tab, line breaks and U+2028/U+2029
    become one space each.

    >>> clean_text("和平\\x07小区\\u202e") == "和平小区"
    True
    >>> clean_text("A\\tB")
    'A B'
    """
    return _unwanted().sub(lambda m: " " if m.group() in _SPACE_LIKE else "", text)


def _needs_cleaning(text: str) -> bool:
    # str.isprintable is False for every Cc, Cf, Zl and Zp character (and for a few more, such
    # as U+3000, that the regular expression then clears): a fast first test
    return not text.isprintable() and _unwanted().search(text) is not None


def control_characters(text: str, *, allow: str = "\t\n\r") -> list[str]:
    """Code points (``'U+0007'`` …) of the control and invisible characters in ``text``,
    ``allow`` excepted; empty when the text is clean. Used to refuse them in texts the user
    writes (plan configs, profiles), where stripping would hide a typo.

    >>> control_characters("示范\\x07区\\n")
    ['U+0007']
    """
    bad = sorted({ch for ch in _unwanted().findall(text) if ch not in allow})
    return [f"U+{ord(ch):04X}" for ch in bad]


#: :data:`_unwanted` in RE2 syntax, for pyarrow-backed text columns (pandas' default with pyarrow).
_RE2_UNWANTED = r"[\p{Cc}\p{Cf}\x{2028}\x{2029}]"


def _dirty_cells(s: pd.Series) -> np.ndarray:
    """Boolean mask of the text cells of ``s`` holding control or invisible characters."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        hit = pc.match_substring_regex(pa.array(s.array), _RE2_UNWANTED).fill_null(False)
        return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)
    values = s.to_numpy(dtype=object)
    texts = [v for v in values if isinstance(v, str)]
    if not texts or not _needs_cleaning("".join(texts)):  # one pass over a clean column
        return np.zeros(len(s), dtype=bool)
    return np.fromiter((isinstance(v, str) and _needs_cleaning(v) for v in values), dtype=bool,
                       count=len(s))


def strip_control_characters(df: pd.DataFrame, *, what: str) -> pd.DataFrame:
    """Remove control and invisible characters from every text cell and column name.

    Names and ids come from third parties; a bell (``\\x07``) or a right-to-left override
    (U+202E) would otherwise reach the reports (Excel refuses control characters, so a run
    would fail after the analysis) or disguise one name as another. See :func:`clean_text`.
    One :class:`~gis_planner._errors.GisPlannerWarning` per call names each column, how many
    values were changed and which characters were found. Returns ``df`` itself when nothing
    needs cleaning, else a cleaned copy (the caller's frame is never modified).
    """
    import warnings

    from gis_planner._errors import GisPlannerWarning

    changed: dict[str, int] = {}
    found: set[str] = set()
    out = df
    for col in df.columns:
        s = df[col]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)):
            continue
        mask = _dirty_cells(s)
        if mask.any():
            if out is df:
                out = df.copy()
            cleaned = s.to_numpy(dtype=object).copy()
            found.update(ch for v in cleaned[mask] for ch in _unwanted().findall(v))
            cleaned[mask] = [clean_text(v) for v in cleaned[mask]]
            out[col] = pd.Series(cleaned, index=s.index, dtype=s.dtype)
            changed[f"column {clean_text(str(col))!r}"] = int(mask.sum())
    bad_names = [c for c in df.columns if isinstance(c, str) and _needs_cleaning(c)]
    if bad_names:
        if out is df:
            out = df.copy()
        found.update(ch for c in bad_names for ch in _unwanted().findall(c))
        out.columns = [clean_text(c) if isinstance(c, str) else c for c in df.columns]
        changed["the header"] = len(bad_names)
    if changed:
        codes = sorted(found)
        listed = ", ".join(f"U+{ord(ch):04X}" for ch in codes[:6]) + (" …" if len(codes) > 6 else "")
        parts = ", ".join(f"{where} ({n} value{'s' if n > 1 else ''})"
                          for where, n in changed.items())
        spaced = "; tabs and line breaks became spaces" if found & _SPACE_LIKE else ""
        warnings.warn(f"{what}: removed control or invisible characters ({listed}) from {parts}"
                      f"{spaced}. Check the names in the source data.",
                      GisPlannerWarning, stacklevel=3)
    return out


def is_missing(x: Any) -> bool:
    """True for None, ``pd.NA``, NaN and NaT; False for anything else (text, lists …)."""
    if x is None or x is pd.NA:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False
