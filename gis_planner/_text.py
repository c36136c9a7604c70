"""Text read from files: control and invisible characters found, refused or removed.

Names and ids come from third parties; these checks keep bells, zero-width characters and
bidirectional overrides out of the reports and maps (see :func:`clean_text`). A ground module:
:mod:`gis_planner._validate` and :mod:`gis_planner.categories` both use it.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd

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
    if text.translate(dict.fromkeys(map(ord, allow))).isprintable():
        return []  # str.isprintable is False for every character the class holds: none here
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
