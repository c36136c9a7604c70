"""The one place where input files are opened: explicit formats, no network, bounded archives.

Every vector read of the package goes through :func:`read_vector`, every raster read through
:func:`open_raster`, and every compressed input is decompressed by :func:`decompressed`,
:func:`read_zip_member` or (workbooks) :func:`check_zip_archive`. The rules:

- **The extension chooses the format, never the content.** ``.geojson``/``.json`` is GeoJSON,
  ``.gpkg`` GeoPackage, ``.shp`` Shapefile, ``.fgb`` FlatGeobuf, ``.parquet`` GeoParquet (read
  with pyarrow), ``.tif``/``.tiff`` GeoTIFF. Before GDAL sees a file, its first bytes must be
  those of that format; an OGR VRT, a GDALG pipeline, XML, a STAC catalogue or any other
  format under one of these names is refused, naming the file and what it holds. Rasters are
  opened with the GeoTIFF driver only (``rasterio.open(..., driver="GTiff")``). A GeoJSON
  ``crs`` member GDAL would fetch (type ``link`` or ``url``, an ``href``, a URL; keys and
  values read with their JSON escapes decoded, in any member order) is refused when it starts
  in the first 64 KiB, and so is a ``crs`` object that does not end there; one starting further
  in is left to the network options below.
- **Paths are files.** GDAL virtual paths (``/vsicurl/``, ``/vsizip/`` …), URLs (``…://``) and
  connection strings (``PG:``, ``WFS:``, ``GPKG:…:table``) are refused.
- **No network.** Importing :mod:`gis_planner.io` sets GDAL configuration options that make
  the HTTP access of the GDAL that pyogrio uses fail (``/vsicurl/`` and friends, GeoJSON ``crs``
  members of type ``link``, remote SRS look-ups; hosts in ``NO_PROXY`` bypass the proxy part,
  see docs/robustness.md) and turns off PROJ's network grids; rasters are
  opened inside a ``rasterio.Env`` with the same options. The GDAL drivers that read other
  datasets or services (OGR VRT, GDALG, STAC, WFS, OGC API) are unloaded from pyogrio's GDAL.
- **Bounded archives.** Compressed inputs (``.osm.bz2``, ``.osm.gz``, the members of a GMNS
  ``.zip`` or an ``.xlsx``) are decompressed here, as a stream, a chunk at a time (every stream of a
  multi-stream pbzip2/lbzip2 file), and refused as soon as they exceed
  ``gis_planner.settings.options.max_decompressed_bytes`` (4 GiB by default).
"""

from __future__ import annotations

import bz2
import logging
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gis_planner._errors import InputDataError
from gis_planner.settings import options

if TYPE_CHECKING:
    import geopandas as gpd

logger = logging.getLogger(__name__)

#: Vector formats by file extension: (GDAL driver or "Parquet", what a planner calls it).
VECTOR_FORMATS: dict[str, tuple[str, str]] = {
    ".geojson": ("GeoJSON", "GeoJSON"),
    ".json": ("GeoJSON", "GeoJSON"),
    ".gpkg": ("GPKG", "GeoPackage"),
    ".shp": ("ESRI Shapefile", "Shapefile"),
    ".fgb": ("FlatGeobuf", "FlatGeobuf"),
    ".parquet": ("Parquet", "GeoParquet"),
}
RASTER_SUFFIXES = (".tif", ".tiff")

#: GDAL configuration set at import: no HTTP from GDAL, no PROJ network, no directory scans.
#: ``CPL_VSIL_CURL_ALLOWED_FILENAME`` names a file no URL can be, so every ``/vsicurl/`` (and
#: ``/vsis3/`` …) access fails; the proxy sends every other HTTP request of GDAL (GeoJSON ``crs``
#: links, ``importFromUrl``) to a closed local port, so it fails at once.
GDAL_NETWORK_OFF: dict[str, str] = {
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "/gis_planner/no-network-access",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".gis-planner-no-network-access",
    "GDAL_HTTP_PROXY": "127.0.0.1:1",
    "GDAL_HTTPS_PROXY": "127.0.0.1:1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_NETRC": "NO",
    "GDAL_ALLOW_REMOTE_RESOURCE_TO_ACCESS_LOCAL_FILE": "NO",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_VRT_ENABLE_PYTHON": "NO",
    "PROJ_NETWORK": "OFF",
}
#: Drivers unloaded from pyogrio's GDAL: they open other datasets, files or services.
#: (GML and NAS download XML schemas, GPSBabel runs a program, SQLite can attach other files.)
UNSAFE_DRIVERS = ("OGR_VRT", "VRT", "GDALG", "STACIT", "STACTA", "WFS", "OAPIF", "OGCAPI", "CSW",
                  "GML", "NAS", "LIBKML", "GPSBabel", "PLSCENES", "NGW", "Elasticsearch", "CARTO",
                  "Carto", "AmigoCloud", "EEDA", "HTTP", "WMS", "WMTS", "WCS", "DAAS", "SQLite",
                  "ADBC", "AIVector")

_HEAD_BYTES = 65536
_CONNECTION = re.compile(r"^[A-Za-z][A-Za-z0-9_]+:")
_CHUNK_BYTES = 1 << 20
_TOPOLOGY = re.compile(rb'"type"\s*:\s*"topology"')
#: A JSON string (its closing quote optional: a string cut at the end of the head), and a
#: string or a brace: the tokens that matter for finding a member's object.
_JSON_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"?', re.S)
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[{}]', re.S)
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\(.)", re.S)
_MEMBER_COLON = re.compile(r"\s*:\s*")
#: What makes a GeoJSON ``crs`` object remote (in its decoded, lower-case text): a ``link`` or
#: ``url`` type, an ``href`` or ``url`` member, or any URL.
_REMOTE_CRS = re.compile(r'"type"\s*:\s*"(?:link|url)"|"(?:href|url)"\s*:|://')


# ---------------------------------------------------------------------------------- GDAL setup
def _configure_gdal() -> None:
    """Switch off network access in pyogrio's GDAL and PROJ, and unload the unsafe drivers."""
    import pyogrio
    import pyproj.network

    pyproj.network.set_network_enabled(False)
    pyogrio.set_gdal_config_options(dict(GDAL_NETWORK_OFF))
    loaded = set(pyogrio.list_drivers())
    skip = [d for d in UNSAFE_DRIVERS if d in loaded]
    if not skip:
        return
    try:  # GDAL unloads the drivers named in GDAL_SKIP when it registers its drivers again
        from pyogrio._ogr import _register_drivers
    except ImportError:  # pragma: no cover - the format check below still refuses them
        logger.debug("pyogrio cannot re-register drivers; unsafe drivers stay loaded")
        return
    previous = pyogrio.get_gdal_config_option("GDAL_SKIP")
    pyogrio.set_gdal_config_options({"GDAL_SKIP": " ".join(skip)})
    _register_drivers()
    pyogrio.set_gdal_config_options({"GDAL_SKIP": previous})


_configure_gdal()


# ---------------------------------------------------------------------------------- checks
def check_input_path(path: str | os.PathLike[str], *, what: str | None = None) -> Path:
    """The path as a local :class:`~pathlib.Path`; URLs, GDAL virtual paths and connection
    strings are refused.

    Raises
    ------
    InputDataError
        For ``…://`` URLs, ``/vsi…/`` paths and ``PREFIX:`` connection strings.
    """
    text = os.fspath(path)
    label = what or text
    if "://" in text or text.replace("\\", "/").lower().startswith("/vsi"):
        raise InputDataError(f"{label}: a URL or GDAL virtual path, not a local file; inputs are "
                             "read from local files only (download the data first).")
    if _CONNECTION.match(text):  # two letters or more: not a Windows drive
        raise InputDataError(f"{label}: looks like a GDAL connection string "
                             f"({text.split(':', 1)[0]}:…), not a file; inputs are local files.")
    return Path(text)


def _head(path: Path, n: int = _HEAD_BYTES) -> bytes:
    with path.open("rb") as f:
        return f.read(n)


def _describe(head: bytes) -> str:
    """What the first bytes of a file look like, for messages."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    low = text[:4096].lower()
    if b"<ogrvrtdatasource" in low:
        return "an OGR VRT (a file that points GDAL at other files or URLs)"
    if b"<vrtdataset" in low:
        return "a GDAL raster VRT (a file that points GDAL at other files or URLs)"
    if b"gdal_streamed_alg" in low:
        return "a GDALG pipeline (a command GDAL would run)"
    if b"stac_version" in low:
        return "a STAC catalogue (links to other files or URLs)"
    if text.startswith(b"<"):
        return "XML (GML, KML or other), not this format"
    if text.startswith(b"SQLite format 3\x00"):
        return "an SQLite database without the GeoPackage application id"
    if text.startswith(b"PK\x03\x04"):
        return "a zip archive"
    if text.startswith(b"PAR1"):
        return "a Parquet file"
    if text.startswith(b"fgb"):
        return "a FlatGeobuf file"
    if text.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return "a TIFF image"
    if text.startswith((b"\x1f\x8b", b"BZh")):
        return "a compressed (gzip/bzip2) file"
    if not text:
        return "nothing (the file is empty)"
    if text[:1] in (b"{", b"["):
        return "JSON that is not GeoJSON"
    return "another format"


def _looks_like(fmt: str, head: bytes, path: Path) -> bool:
    """Whether ``head`` (the first bytes of ``path``) is a file of format ``fmt``."""
    if fmt == "GeoJSON":
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        low = head[:_HEAD_BYTES].lower()
        return (text.startswith(b"{") and b"gdal_streamed_alg" not in low
                and b"stac_version" not in low and not _TOPOLOGY.search(low))
    if fmt == "GPKG":
        return head.startswith(b"SQLite format 3\x00") and head[68:72] in (b"GPKG", b"GP10", b"GP11")
    if fmt == "ESRI Shapefile":
        return head[:4] == b"\x00\x00\x27\x0a"
    if fmt == "FlatGeobuf":
        return head[:4] == b"fgb\x03"
    if fmt == "Parquet":
        if not head.startswith(b"PAR1"):
            return False
        with path.open("rb") as f:
            f.seek(-4, os.SEEK_END)
            return f.read(4) == b"PAR1"
    if fmt == "GTiff":
        return head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"))
    return False


def _json_unescape(text: str) -> str:
    """``text`` with its JSON escapes decoded: ``\\u0063`` is ``c``, ``\\/`` is ``/``."""
    return _JSON_ESCAPE.sub(lambda m: chr(int(m[1], 16)) if m[1] else m[2], text)


def _object_end(text: str, start: int) -> int | None:
    """End of the JSON object that opens at ``text[start]`` (braces inside strings are text),
    or None when it does not close within ``text``."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text, start):
        if token[0] == "{":
            depth += 1
        elif token[0] == "}":
            depth -= 1
            if depth == 0:
                return token.end()
    return None


def _crs_objects(text: str) -> Iterator[str | None]:
    """The object of every ``crs`` member of the JSON text ``text``, decoded and in lower case;
    None for one that does not close within ``text`` (and nothing after it).

    Keys are compared decoded and case-insensitively, as GDAL reads them (``"\\u0063rs"`` and
    ``"CRS"`` are ``crs`` members too); a ``crs`` member whose value is not an object is skipped.
    The search goes on after each object (one inside it is part of its text), so the time is
    linear in the length of ``text``.
    """
    pos = 0
    while (key := _JSON_STRING.search(text, pos)) is not None:
        pos = key.end()
        colon = _MEMBER_COLON.match(text, pos)
        if colon is None or _json_unescape(key[1]).lower() != "crs":
            continue  # not a key, or not "crs"
        start = colon.end()
        if start < len(text) and text[start] != "{":
            continue
        end = _object_end(text, start) if start < len(text) else None
        if end is None:
            yield None
            return
        yield _json_unescape(text[start:end]).lower()
        pos = end


def _remote_crs(head: bytes) -> str:
    """Why a GeoJSON file whose first bytes are ``head`` is refused for its ``crs`` member, or
    "" when it is not: a ``crs`` object of type ``link`` or ``url``, or holding an ``href`` or
    ``url`` member or a URL (GDAL would fetch it), in any member order and whatever the JSON
    escapes; or a ``crs`` object that does not end within ``head`` (its rest is unseen)."""
    for obj in _crs_objects(head.decode("utf-8", "replace")):
        if obj is None:
            return f"does not end within the first {_HEAD_BYTES // 1024} KiB of the file"
        if _REMOTE_CRS.search(obj):
            return "is a link to a URL"
    return ""


def check_format(path: Path, fmt: str, *, what: str, name: str, purpose: str = "") -> None:
    """Refuse a file whose first bytes are not those of ``fmt`` (the format its extension names).

    Parameters
    ----------
    purpose
        Opening words of the message (``"cannot read band 1 as a raster: "``), if any.

    Raises
    ------
    InputDataError
        Naming the file, the expected format and what the file holds instead; for GeoJSON,
        also a ``crs`` member GDAL would fetch over the network (see :func:`_remote_crs`).
    """
    try:
        head = _head(path)
    except OSError as exc:
        raise InputDataError(f"{what}: cannot open the file ({exc.strerror or exc}).") from exc
    if not _looks_like(fmt, head, path):
        raise InputDataError(f"{what}: {purpose}the name says {name} but the file holds {_describe(head)}; "
                             f"refused (a file's extension must match its content).")
    remote = _remote_crs(head) if fmt == "GeoJSON" else ""
    if remote:
        raise InputDataError(f"{what}: the GeoJSON 'crs' member {remote}; inputs are "
                             "read without network access: name the CRS instead (e.g. "
                             '"crs": {"type": "name", "properties": {"name": "EPSG:4326"}}), '
                             "or drop it for WGS-84.")


# ---------------------------------------------------------------------------------- vectors
def vector_format(path: Path, *, what: str) -> tuple[str, str]:
    """(driver, format name) chosen from the extension of ``path``."""
    fmt = VECTOR_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputDataError(f"{what}: unsupported vector format {path.suffix!r}; expected "
                             f"{', '.join(VECTOR_FORMATS)}.")
    return fmt


def read_vector(path: str | os.PathLike[str], *, layer: str | None = None, what: str | None = None,
                bbox: tuple[float, float, float, float] | None = None,
                columns: list[str] | None = None, **kwargs: Any) -> gpd.GeoDataFrame:
    """Read a vector file with the driver its extension names, after checking its content.

    Parameters
    ----------
    path
        A ``.geojson``/``.json``, ``.gpkg``, ``.shp``, ``.fgb`` or ``.parquet`` file.
    layer
        Layer of a multi-layer file (GeoPackage).
    what
        The input's name in messages (default: the path).
    bbox
        Read only features meeting this box (in the file's CRS units).
    columns
        Read only these attribute columns (the geometry is always read).
    **kwargs
        Passed to ``pyogrio.read_dataframe`` (``skip_features``, ``max_features``,
        ``read_geometry``); not used for GeoParquet.

    Returns
    -------
    GeoDataFrame
        As geopandas reads it.

    Raises
    ------
    InputDataError
        A URL/virtual path, a missing file, an unsupported extension, content that is not the
        format of the extension, or a file GDAL/pyarrow cannot read.
    """
    p = check_input_path(path, what=what)
    label = what or str(p)
    if not p.is_file():
        raise InputDataError(f"{label}: file not found.")
    driver, name = vector_format(p, what=label)
    check_format(p, driver, what=label, name=name)
    try:
        if driver == "Parquet":
            import geopandas as gpd

            return gpd.read_parquet(p, bbox=bbox, columns=columns)
        import pyogrio

        if layer is not None:
            kwargs["layer"] = layer
        return pyogrio.read_dataframe(p, bbox=bbox, columns=columns, **kwargs)
    except InputDataError:
        raise
    except Exception as exc:  # pyogrio DataSourceError, pyarrow errors, GEOS errors and friends
        raise InputDataError(f"{label}: cannot read as a vector file ({name}: {_one_line(exc)}).") from exc


def vector_info(path: str | os.PathLike[str], *, what: str | None = None, **kwargs: Any) -> dict[str, Any]:
    """``pyogrio.read_info`` of a GeoPackage, Shapefile or FlatGeobuf, after the same checks as
    :func:`read_vector`."""
    p = check_input_path(path, what=what)
    label = what or str(p)
    driver, name = vector_format(p, what=label)
    check_format(p, driver, what=label, name=name)
    import pyogrio

    try:
        return dict(pyogrio.read_info(p, **kwargs))
    except Exception as exc:  # pyogrio DataSourceError
        raise InputDataError(f"{label}: cannot read as {name} ({_one_line(exc)}).") from exc


def vector_layers(path: str | os.PathLike[str], *, what: str | None = None) -> list[str]:
    """Layer names of a vector file (one for single-layer formats), after the same checks as
    :func:`read_vector`."""
    p = check_input_path(path, what=what)
    label = what or str(p)
    driver, name = vector_format(p, what=label)
    check_format(p, driver, what=label, name=name)
    if driver == "Parquet":
        return [p.stem]
    import pyogrio

    try:
        return [str(row[0]) for row in pyogrio.list_layers(p)]
    except Exception as exc:  # pyogrio DataSourceError
        raise InputDataError(f"{label}: cannot read as {name} ({_one_line(exc)}).") from exc


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# ---------------------------------------------------------------------------------- rasters
@contextmanager
def open_raster(path: str | os.PathLike[str], *, what: str | None = None,
                purpose: str = "as a GeoTIFF") -> Iterator[Any]:
    """Open a GeoTIFF with rasterio, with the GTiff driver only and GDAL's network access off.

    Parameters
    ----------
    purpose
        What is read, for messages (``"band 1 as a raster"``).

    Raises
    ------
    InputDataError
        A URL/virtual path, a missing file, an extension other than ``.tif``/``.tiff``, content
        that is not a TIFF (a VRT, say), or a file GDAL cannot open.
    """
    import rasterio
    import rasterio.errors

    p = check_input_path(path, what=what)
    label = what or str(p)
    if not p.is_file():
        raise InputDataError(f"{label}: file not found.")
    if p.suffix.lower() not in RASTER_SUFFIXES:
        raise InputDataError(f"{label}: unsupported raster format {p.suffix!r}; expected a "
                             "GeoTIFF (.tif, .tiff).")
    check_format(p, "GTiff", what=label, name="GeoTIFF", purpose=f"cannot read {purpose}: ")
    with rasterio.Env(GDAL_PAM_ENABLED="NO", **GDAL_NETWORK_OFF):
        try:
            src = rasterio.open(p, driver="GTiff")  # the only driver GDAL may try
        except rasterio.errors.RasterioIOError as exc:
            raise InputDataError(f"{label}: cannot read {purpose} ({_one_line(exc)}).") from exc
        with src:
            if src.driver != "GTiff":  # pragma: no cover - GDAL was given GTiff only
                raise InputDataError(f"{label}: opened as {src.driver}, not GeoTIFF; refused.")
            yield src


# ---------------------------------------------------------------------------------- archives
def _limit_bytes(limit_bytes: int | None) -> int:
    return int(options.max_decompressed_bytes if limit_bytes is None else limit_bytes)


def _too_big(what: str, limit: int) -> InputDataError:
    return InputDataError(
        f"{what}: decompresses to more than {format_bytes(limit)} (the limit "
        "gis_planner.settings.options.max_decompressed_bytes); refused as a possible "
        "decompression bomb. Raise the limit if the file is genuine.")


def format_bytes(n: int) -> str:
    """``n`` bytes as ``4 GiB``, ``512 MiB``, ``1,000 bytes``."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            value = n / size
            return f"{value:.3g} {unit}" if value != int(value) else f"{int(value)} {unit}"
    return f"{n:,} bytes"


def compression_of(path: Path) -> str | None:
    """``"bz2"``, ``"gz"`` or None, from the file name."""
    name = path.name.lower()
    if name.endswith(".bz2"):
        return "bz2"
    if name.endswith(".gz"):
        return "gz"
    return None


def _decompressed_chunks(path: Path, kind: str, limit: int, label: str) -> Iterator[bytes]:
    """The decompressed bytes of a ``.bz2``/``.gz`` file, at most 1 MiB at a time, following
    concatenated streams to the end; :class:`InputDataError` beyond ``limit`` bytes."""
    make = bz2.BZ2Decompressor if kind == "bz2" else (lambda: zlib.decompressobj(wbits=31))
    total = 0
    dec: Any = make()
    try:
        with path.open("rb") as f:
            while True:
                if dec.eof:  # a stream ended: what follows is the next stream, or the end
                    data = dec.unused_data or f.read(_CHUNK_BYTES)
                    if not data:
                        break
                    dec = make()
                elif kind == "gz" and dec.unconsumed_tail:
                    data = dec.unconsumed_tail
                elif kind == "bz2" and not dec.needs_input:
                    data = b""
                else:
                    data = f.read(_CHUNK_BYTES)
                    if not data:
                        raise InputDataError(f"{label}: the {kind} stream ends early: the file "
                                             "looks cut off. Download or copy it again.")
                out = (dec.decompress(data, max_length=_CHUNK_BYTES) if kind == "bz2"
                       else dec.decompress(data, _CHUNK_BYTES))
                total += len(out)
                if total > limit:
                    raise _too_big(label, limit)
                if out:
                    yield out
    except (OSError, EOFError, ValueError, zlib.error) as exc:
        if isinstance(exc, InputDataError):
            raise
        raise InputDataError(f"{label}: corrupt {kind} stream ({_one_line(exc)}).") from exc


def check_decompressed_size(path: Path, *, what: str | None = None,
                            limit_bytes: int | None = None) -> int:
    """Decompress a ``.bz2``/``.gz`` file as a stream and return its decompressed size (bytes).

    Memory stays bounded (one compressed chunk of 1 MiB and at most 1 MiB of output at a
    time); concatenated streams (pbzip2/lbzip2 output, ``cat a.gz b.gz``) are followed to the
    end. Other files: their size.

    Parameters
    ----------
    limit_bytes
        Refuse beyond this many decompressed bytes (default
        ``gis_planner.settings.options.max_decompressed_bytes``).

    Raises
    ------
    InputDataError
        When the stream exceeds the limit (the message names the file and the limit), is
        corrupt or is cut off.
    """
    kind = compression_of(path)
    if kind is None:
        return path.stat().st_size
    limit = _limit_bytes(limit_bytes)
    return sum(len(c) for c in _decompressed_chunks(path, kind, limit, what or str(path)))


@contextmanager
def decompressed(path: Path, *, what: str | None = None,
                 limit_bytes: int | None = None) -> Iterator[Path]:
    """A ``.bz2``/``.gz`` file decompressed into a temporary file (removed on exit), or the
    path itself when it is not compressed.

    Decompression is streamed in bounded memory, follows concatenated streams (pbzip2/lbzip2
    output) to the end, and stops at the limit, so the temporary file never exceeds
    ``gis_planner.settings.options.max_decompressed_bytes``. The temporary file lives in the
    system's temporary folder (``TMPDIR``) and keeps the name without the compression suffix
    (``town.osm.bz2`` -> ``town.osm``).

    Raises
    ------
    InputDataError
        As :func:`check_decompressed_size`.
    """
    kind = compression_of(path)
    if kind is None:
        yield path
        return
    limit = _limit_bytes(limit_bytes)
    label = what or str(path)
    with tempfile.TemporaryDirectory(prefix="gis_planner-") as tmp:
        plain = Path(tmp) / path.name[: -len(kind) - 1]
        with plain.open("wb") as out:
            for chunk in _decompressed_chunks(path, kind, limit, label):
                out.write(chunk)
        logger.info("%s: %s bytes once decompressed", label, f"{plain.stat().st_size:,}")
        yield plain


def read_zip_member(zf: zipfile.ZipFile, name: str, *, what: str,
                    limit_bytes: int | None = None) -> bytes:
    """The bytes of one member of a zip, read as a stream and refused beyond the limit.

    The size the archive declares is checked first (no decompression), then the real stream,
    which a forged header cannot hide.

    Raises
    ------
    InputDataError
        When the member declares or yields more than the limit (naming the archive, the member
        and the limit), or is corrupt.
    """
    limit = _limit_bytes(limit_bytes)
    label = f"{what}:{name}"
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise _too_big(label, limit)
    parts: list[bytes] = []
    total = 0
    try:
        with zf.open(info) as member:
            while chunk := member.read(_CHUNK_BYTES):
                total += len(chunk)
                if total > limit:
                    raise _too_big(label, limit)
                parts.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise InputDataError(f"{label}: cannot decompress the zip member ({_one_line(exc)}).") from exc
    return b"".join(parts)


def check_zip_archive(path: Path, *, what: str | None = None, limit_bytes: int | None = None) -> int:
    """Stream every member of a zip (an ``.xlsx`` workbook, say) without keeping it, and return
    the total decompressed size in bytes; refuse a file that is not a zip, and an archive whose
    members together exceed the limit (declared sizes first, then the real streams).

    Raises
    ------
    InputDataError
        Not a zip, corrupt, or over ``gis_planner.settings.options.max_decompressed_bytes``
        (the message names the file and the limit).
    """
    label = what or str(path)
    limit = _limit_bytes(limit_bytes)
    head = _head(path, 4)
    if head != b"PK\x03\x04":
        raise InputDataError(f"{label}: not a zip archive (an .xlsx workbook is one); the file "
                             f"holds {_describe(_head(path))}.")
    total = 0
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if sum(i.file_size for i in infos) > limit:
                raise _too_big(label, limit)
            for info in infos:
                with zf.open(info) as member:
                    while chunk := member.read(_CHUNK_BYTES):
                        total += len(chunk)
                        if total > limit:
                            raise _too_big(label, limit)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise InputDataError(f"{label}: not a valid zip archive ({_one_line(exc)}).") from exc
    return total


__all__ = [
    "GDAL_NETWORK_OFF",
    "VECTOR_FORMATS",
    "check_decompressed_size",
    "check_format",
    "check_input_path",
    "check_zip_archive",
    "decompressed",
    "format_bytes",
    "open_raster",
    "read_vector",
    "read_zip_member",
    "vector_info",
    "vector_layers",
]
