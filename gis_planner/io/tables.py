"""Reading delimited text as Chinese data really comes: UTF-8, UTF-8 with BOM, GBK or GB18030."""

from __future__ import annotations

import io
import logging
import os
import re
from pathlib import Path

import pandas as pd

from gis_planner._errors import InputDataError
from gis_planner._validate import strip_control_characters

logger = logging.getLogger(__name__)

#: Encodings tried in order. GB18030 is a superset of GBK, which is a superset of GB2312.
ENCODINGS: tuple[str, ...] = ("utf-8-sig", "gb18030")


def detect_encoding(raw: bytes, *, what: str = "file") -> str:
    """Return the first of :data:`ENCODINGS` that decodes ``raw`` without error.

    ``utf-8-sig`` covers UTF-8 with and without a byte-order mark; anything else that decodes
    as GB18030 (a superset of GBK) is reported as ``gb18030``.

    Raises
    ------
    InputDataError
        When no encoding decodes the bytes (e.g. a binary or UTF-16 file).
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputDataError(f"{what}: UTF-16 text is not supported; save it as UTF-8 or GBK.")
    nul = b"\x00" in raw[:65536]
    cut_at_end = False
    for enc in ENCODINGS:
        try:
            raw.decode(enc)
        except UnicodeDecodeError as exc:
            # only the last character is broken: a file cut off in the middle of a character
            cut_at_end |= exc.start >= len(raw) - 4 and exc.reason in (
                "unexpected end of data", "incomplete multibyte sequence")
            continue
        if nul:
            raise InputDataError(f"{what}: the file holds NUL bytes, so it is UTF-16 text without "
                                 "a byte-order mark or not text at all; save it as UTF-8 or GBK.")
        return "gbk" if enc == "gb18030" and _is_gbk(raw) else enc
    if cut_at_end and not nul:
        raise InputDataError(f"{what}: the file ends in the middle of a character: it looks cut off. "
                             "Export or download it again.")
    hint = " (it holds NUL bytes: UTF-16 or not text)" if nul else ""
    raise InputDataError(
        f"{what}: cannot decode the text as UTF-8, GBK or GB18030{hint}; save it in one of these encodings."
    )


def _is_gbk(raw: bytes) -> bool:
    try:
        raw.decode("gbk")
    except UnicodeDecodeError:
        return False
    return True


def read_table(
    path: str | os.PathLike[str] | bytes,
    *,
    what: str | None = None,
    encoding: str | None = None,
    dtype: dict[str, type] | type | None = str,
) -> pd.DataFrame:
    """Read a CSV (comma, tab or semicolon separated) with its encoding detected.

    Parameters
    ----------
    path
        A file path, or the raw bytes of a file (for members of zip archives).
    what
        Name used in error messages (defaults to the file name).
    encoding
        Force an encoding instead of detecting it.
    dtype
        Column types; the default reads every column as text, so codes keep their leading zeros
        and nothing is parsed silently. Convert numeric columns explicitly.

    Raises
    ------
    InputDataError
        Missing or empty file, undecodable text, or a malformed table (row and reason named).
    """
    if isinstance(path, bytes):
        raw, label = path, what or "table"
    else:
        p = Path(path)
        label = what or str(p)
        if not p.is_file():
            raise InputDataError(f"{label}: file not found.")
        raw = p.read_bytes()
    if not raw.strip():
        raise InputDataError(f"{label}: the file is empty; expected a header row and data rows.")
    _require_not_json(raw, label=label, suffix=Path(label if isinstance(path, bytes) else path).suffix)
    enc = encoding or detect_encoding(raw, what=label)
    text = raw.decode(enc, errors="strict")
    logger.info("%s: read as %s", label, enc)
    first_line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    sep = max((",", "\t", ";"), key=first_line.count)
    try:
        df = pd.read_csv(io.StringIO(text.lstrip("\ufeff")), sep=sep, dtype=dtype,
                         keep_default_na=True, skipinitialspace=True)
    except pd.errors.ParserError as exc:
        raise InputDataError(f"{label}: malformed table ({exc}).") from exc
    except pd.errors.EmptyDataError as exc:
        raise InputDataError(f"{label}: no columns found; expected a header row.") from exc
    _require_complete_last_row(text, sep, n_columns=len(df.columns), n_rows=len(df), label=label)
    df.columns = [str(c).strip() for c in df.columns]
    df = strip_control_characters(df, what=label)  # names and ids: one warning per file
    df.attrs["encoding"] = enc
    df.attrs["source"] = label
    return df


#: What the extension of a delimited table says it is, for messages.
_TABLE_FORMATS = {".csv": "CSV", ".tsv": "TSV (tab-separated text)", ".txt": "text (a delimited table)"}
_JSON_START = re.compile(rb"\{|\[\s*[\[{]")
_GEOJSON_TYPE = re.compile(rb'"type"\s*:\s*"(FeatureCollection|Feature|(Multi)?(Point|LineString|Polygon)|'
                           rb'GeometryCollection)"')


def _require_not_json(raw: bytes, *, label: str, suffix: str) -> None:
    """Refuse JSON (a GeoJSON layer above all) whose name says it is a table: its first line
    would be read as a header, the rest as rows, and the message would be about a missing
    column or row; this one says what the file holds, as a vector file of the wrong format is
    refused (:func:`gis_planner.io._open.check_format`)."""
    text = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not _JSON_START.match(text):
        return
    geojson = _GEOJSON_TYPE.search(text[:65536]) is not None
    held, fix = (("GeoJSON (JSON)", "name it .geojson to read it as a layer") if geojson else
                 ("JSON", "export it as CSV"))
    name = _TABLE_FORMATS.get(suffix.lower(), "a delimited table")
    raise InputDataError(f"{label}: the name says {name} but the file holds {held}; refused (a file's extension "
                         f"must match its content): {fix}.")


def _require_complete_last_row(text: str, sep: str, *, n_columns: int, n_rows: int, label: str) -> None:
    """Refuse a table cut off in its last row: no final line break and fewer fields than the
    header (a download or copy that stopped part-way)."""
    if not n_rows or text.endswith(("\n", "\r")):
        return
    last = text.rsplit("\n", 1)[-1]
    if '"' in last:  # a quoted field may span lines: the parser has judged it already
        return
    n_fields = last.count(sep) + 1
    if n_fields < n_columns:
        raise InputDataError(
            f"{label}: data row {n_rows} (the last) has {n_fields} of the header's {n_columns} "
            "fields and no line break: the file looks cut off. Export or download it again.")
