"""Settings that change *where* the package works and *how loudly*, never *what* it answers.

>>> from gis_planner.settings import options
>>> options.progress
False
>>> options.max_decompressed_bytes // 2**30  # GiB
4
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field, fields
from pathlib import Path


def _default_report_date() -> datetime.datetime | None:
    """``SOURCE_DATE_EPOCH`` (the reproducible-builds convention, seconds since 1970 UTC) when set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC) if epoch.isdigit() else None


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gis_planner"


@dataclass
class _Options:
    """Package options; setting an unknown name raises ``AttributeError``.

    Attributes
    ----------
    cache_dir
        Folder of downloaded networks.
    progress
        Show progress bars by default.
    max_decompressed_bytes
        Largest decompressed size, in bytes, of a compressed input (``.osm.bz2``, ``.osm.gz``,
        a member of a GMNS ``.zip``); a larger one is refused as a possible decompression bomb.
        Default 4 GiB (our reading: room for the OSM XML of a large city or a small province;
        larger areas come as .osm.pbf, whose blocks libosmium bounds itself).
    report_date
        Date stamped on the Word cover and into the metadata (core properties, zip entries) of
        ``report.docx`` and ``report.xlsx``; ``None`` (default) stamps the time of writing. Set a
        fixed ``datetime`` (or ``SOURCE_DATE_EPOCH``) for byte-identical builds.
    """

    cache_dir: Path = field(default_factory=_default_cache_dir)
    progress: bool = False
    max_decompressed_bytes: int = 4 * 2**30
    report_date: datetime.datetime | None = field(default_factory=_default_report_date)

    def __setattr__(self, name: str, value: object) -> None:
        known = [f.name for f in fields(self)]
        if name not in known:
            raise AttributeError(f"unknown option {name!r}; known: {', '.join(known)}")
        if name == "max_decompressed_bytes" and (
                isinstance(value, bool) or not isinstance(value, int) or value <= 0):
            raise ValueError(f"options.max_decompressed_bytes must be a positive number of bytes "
                             f"(an int); got {value!r}.")
        if name == "report_date" and value is not None and not isinstance(value, datetime.datetime):
            raise ValueError(f"options.report_date must be a datetime.datetime or None; got {value!r}.")
        object.__setattr__(self, name, value)


options = _Options()
