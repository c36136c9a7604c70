"""Reading the community attribute table (CSV in UTF-8/GBK/GB18030, or the .xlsx template).

The table has one row per community (``community_code``) and one column per attribute field
(floor areas in m², staff in persons, yes/no flags …). Which columns are numbers and which are
yes/no comes from a field catalogue the caller passes in (the policy profile's ``[fields]``:
:func:`gis_planner.policy.known_fields`), so this module knows no planning field itself.
:func:`gis_planner.policy.read_community_attributes` is the entry point with the profile's
catalogue; the template to fill is written by :func:`gis_planner.policy.write_attribute_template`.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from gis_planner._errors import InputDataError
from gis_planner._validate import is_missing
from gis_planner.io.tables import read_table

logger = logging.getLogger(__name__)

__all__ = [
    "AttributeField",
    "coerce_attribute_types",
    "parse_bool",
    "parse_urban_rural",
    "read_attribute_table",
    "read_community_table",
]

_TRUE = {"是", "有", "yes", "y", "true", "t", "1", "1.0", "√", "✓"}
_FALSE = {"否", "无", "no", "n", "false", "f", "0", "0.0", "×", "✗"}
_URBAN = {"urban", "城市", "城镇", "社区", "居委会", "城市社区"}
_RURAL = {"rural", "农村", "乡村", "村", "村委会", "农村社区"}
#: Columns every attribute table may hold besides the catalogue's fields.
BASE_COLUMNS: tuple[str, ...] = (
    "community_code",
    "name",
    "subdistrict_code",
    "urban_rural",
    "high_rise",
)
#: Chinese headers of the base columns (the template's first header row uses these).
_BASE_HEADERS = {
    "社区代码": "community_code",
    "社区编码": "community_code",
    "名称": "name",
    "社区名称": "name",
    "街道代码": "subdistrict_code",
    "城乡": "urban_rural",
    "城乡类型": "urban_rural",
    "高层住宅社区": "high_rise",
}
#: Workbook suffixes read with openpyxl (first sheet); anything else is delimited text.
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
#: How many leading rows may hold the header (a row of Chinese labels may come first).
_HEADER_ROWS = 3


class AttributeField(Protocol):
    """What the reader needs of a catalogue field (``policy.FieldInfo`` has it)."""

    @property
    def label_zh(self) -> str:
        """Chinese label, accepted as a header."""

    @property
    def type(self) -> str:
        """``number`` (float >= 0), ``bool`` (yes/no) or anything else (text)."""


def _rows_text(codes: list[str], limit: int = 5) -> str:
    shown = ", ".join(codes[:limit])
    return shown + (f" (+{len(codes) - limit} more)" if len(codes) > limit else "")


def _blank_text(value: Any) -> str | None:
    """Lower-cased stripped text, None for a missing or empty cell."""
    if is_missing(value):
        return None
    text = str(value).strip().lower()
    return None if text in ("", "nan", "none") else text


def parse_bool(value: Any) -> bool | None:
    """是/否, 有/无, yes/no, y/n, true/false, 1/0, √/× -> bool; empty -> None.

    Raises
    ------
    ValueError
        Any other text (the caller names file, column and rows).
    """
    if isinstance(value, bool | np.bool_):
        return bool(value)
    text = _blank_text(value)
    if text is None:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(text)


def parse_urban_rural(value: Any) -> str | None:
    """urban/rural, 城市/农村, 社区/村 … -> ``"urban"`` / ``"rural"``; empty -> None.

    Raises
    ------
    ValueError
        Any other text.
    """
    text = _blank_text(value)
    if text is None:
        return None
    if text in _URBAN:
        return "urban"
    if text in _RURAL:
        return "rural"
    raise ValueError(text)


def _parsed(
    series: pd.Series, parse: Callable[[Any], Any], label: str, col: str, expected: str
) -> pd.Series:
    """``parse`` applied to every value; one error naming every community that fails."""
    values, bad = [], []
    for code, v in series.items():
        try:
            values.append(parse(v))
        except ValueError:
            bad.append(str(code))
            values.append(None)
    if bad:
        raise InputDataError(
            f"{label}: column {col!r} has values that are not {expected} "
            f"(community_code {_rows_text(bad)})."
        )
    return pd.Series(values, index=series.index, dtype=object)


def _bools(series: pd.Series, label: str, col: str) -> pd.Series:
    return _parsed(series, parse_bool, label, col, "是/否, yes/no or 1/0").astype("boolean")


def _numbers(series: pd.Series, label: str, col: str) -> pd.Series:
    text = series.astype("string").str.strip().str.replace(",", "", regex=False)
    text = text.mask(text == "")
    values = pd.to_numeric(text, errors="coerce")
    bad = values.isna() & text.notna()
    if bad.any():
        raise InputDataError(
            f"{label}: column {col!r} has non-numeric values "
            f"(community_code {_rows_text([str(c) for c in series.index[bad]])}); "
            "expected numbers (leave empty when unknown)."
        )
    neg = (values < 0) | np.isinf(values)
    if neg.any():
        raise InputDataError(
            f"{label}: column {col!r} has negative or infinite values "
            f"(community_code {_rows_text([str(c) for c in series.index[neg]])}); "
            "expected numbers >= 0."
        )
    return values.astype(float)


def _typed(series: pd.Series, col: str, fields: Mapping[str, AttributeField], label: str) -> pd.Series | None:
    """The column as yes/no or numbers when the catalogue (or ``high_rise``) says so, else None."""
    info = fields.get(col)
    if col == "high_rise" or (info is not None and info.type == "bool"):
        return _bools(series, label, col)
    if info is not None and info.type == "number":
        return _numbers(series, label, col)
    return None


def coerce_attribute_types(
    frame: pd.DataFrame, fields: Mapping[str, AttributeField], *, label: str
) -> pd.DataFrame:
    """A copy of ``frame`` with number fields as float and yes/no fields as nullable booleans.

    Parameters
    ----------
    frame
        Attribute columns, indexed by ``community_code``.
    fields
        Field catalogue: column name -> field (``type`` ``number`` or ``bool``).
    label
        How the table is named in errors (its file).

    Raises
    ------
    InputDataError
        A non-numeric, negative or infinite number, or an unreadable yes/no value (column and
        community codes named).
    """
    out = frame.copy()
    for col in out.columns:
        typed = _typed(out[col], col, fields, label)
        if typed is not None:
            out[col] = typed
    return out


def _read_raw(path: Path, label: str) -> pd.DataFrame:
    """Every cell as text, the header rows included (the header row is found later)."""
    if path.suffix.lower() in _WORKBOOK_SUFFIXES:
        if not path.is_file():
            raise InputDataError(f"{label}: file not found.")
        from gis_planner.io._open import check_zip_archive

        check_zip_archive(path, what=label)  # a zip: bounded by options.max_decompressed_bytes
        try:
            return pd.read_excel(path, sheet_name=0, header=None, dtype=str, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many kinds
            raise InputDataError(f"{label}: cannot read the workbook ({exc}).") from exc
    df = read_table(path, what=label)
    return pd.concat(
        [pd.DataFrame([list(df.columns)]), pd.DataFrame(df.to_numpy())], ignore_index=True
    )


def _header_names(row: pd.Series, fields: Mapping[str, AttributeField]) -> list[str]:
    """Column ids of a header row; Chinese labels (with or without a "（unit）") mapped."""
    zh_to_id = {f.label_zh: name for name, f in fields.items()}
    zh_to_id.update(_BASE_HEADERS)
    out = []
    for cell in row.tolist():
        text = (
            ""
            if cell is None or (isinstance(cell, float) and math.isnan(cell))
            else str(cell).strip()
        )
        bare = re.sub(r"[（(][^（）()]*[）)]$", "", text).strip()  # "户数（households）" -> "户数"
        out.append(zh_to_id.get(text, zh_to_id.get(bare, text)))
    return out


def _header_row(raw: pd.DataFrame, fields: Mapping[str, AttributeField], label: str) -> int:
    """The row of column ids (it wins over a row of Chinese labels), else of Chinese labels."""
    first = range(min(_HEADER_ROWS, len(raw)))
    for i in first:
        if "community_code" in [str(x).strip() for x in raw.iloc[i].tolist()]:
            return i
    for i in first:
        if "community_code" in _header_names(raw.iloc[i], fields):
            return i
    raise InputDataError(
        f"{label}: no 'community_code' column in the first rows; expected a header with "
        "community_code (社区代码) and the attribute fields (see `gis-planner template`)."
    )


def _index_by_codes(df: pd.DataFrame, label: str) -> pd.DataFrame:
    """Index by the stripped ``community_code``; empty or duplicate codes raise."""
    codes = df["community_code"].astype("string").str.strip()
    empty = codes.isna() | (codes == "")
    if empty.any():
        rows = [str(i + 1) for i in np.flatnonzero(empty.to_numpy())]
        raise InputDataError(
            f"{label}: column 'community_code' is empty in data row(s) {_rows_text(rows)}; "
            "every row needs its community code."
        )
    dup = codes.duplicated(keep=False)
    if dup.any():
        raise InputDataError(
            f"{label}: duplicate community_code {_rows_text(sorted(set(codes[dup])))}; "
            "give one row per community."
        )
    out = df.drop(columns=["community_code"])
    out.index = pd.Index(codes.astype(str).to_list(), name="community_code")
    return out


def read_attribute_table(
    path: str | os.PathLike[str], *, fields: Mapping[str, AttributeField]
) -> pd.DataFrame:
    """Read a community attribute table (CSV in UTF-8/GBK/GB18030, or the .xlsx template).

    The header is the row holding ``community_code`` (the template's second header row; a
    first row of Chinese labels is skipped). Chinese labels of ``fields`` are accepted as
    headers too. Number fields must be numbers >= 0 (empty = not filled); yes/no fields accept
    是/否, 有/无, yes/no, y/n, true/false, 1/0; ``urban_rural`` accepts urban/rural, 城市/农村.
    The file is opened by its suffix: ``.xlsx``/``.xlsm`` as a workbook (first sheet), anything
    else as delimited text (:func:`gis_planner.io.read_table`).

    Parameters
    ----------
    path
        The table file.
    fields
        Field catalogue: column name -> field with ``label_zh`` and ``type`` (``number`` or
        ``bool``; other columns are kept as text).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``community_code`` (str); number fields as float, yes/no fields as
        ``boolean`` (nullable), ``urban_rural`` as ``urban``/``rural``, other columns as text.
        ``attrs["source"]`` is the file.

    Raises
    ------
    InputDataError
        Missing file or ``community_code`` column, duplicate or empty codes, a non-numeric or
        negative number, or an unreadable yes/no value (file, column and community codes named).
    """
    path = Path(path)
    label = str(path)
    raw = _read_raw(path, label)
    header = _header_row(raw, fields, label)
    names = _header_names(raw.iloc[header], fields)
    df = raw.iloc[header + 1 :].copy()
    df.columns = names
    df = df.loc[:, [n != "" for n in names]].dropna(how="all")
    df = _index_by_codes(df, label)
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        typed = (
            _parsed(df[col], parse_urban_rural, label, col, "urban/rural (城市/农村)")
            if col == "urban_rural"
            else _typed(df[col], col, fields, label)
        )
        if typed is None:
            if col not in BASE_COLUMNS:
                logger.info("%s: column %r is not a known field; kept as text", label, col)
            typed = df[col].astype("string")
        out[col] = typed
    out.attrs["source"] = label
    logger.info("%s: %d communities, %d attribute columns", label, len(out), len(out.columns))
    return out


def read_community_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a delimited table of communities (``--communities communities.csv``): one row per
    ``community_code``, every other column as text (:func:`gis_planner.io.read_table`).

    Returns
    -------
    pandas.DataFrame
        Indexed by the stripped ``community_code`` (str); ``attrs["source"]`` is the file.

    Raises
    ------
    InputDataError
        Missing file or ``community_code`` column, empty or duplicate codes (file and codes named).
    """
    label = str(path)
    df = read_table(path, what=label)
    if "community_code" not in df.columns:
        raise InputDataError(f"{label}: no 'community_code' column; expected one row per community with its "
                             f"community_code (found {', '.join(map(repr, df.columns)) or 'no columns'}).")
    out = _index_by_codes(df, label)
    out.attrs["source"] = label
    return out
