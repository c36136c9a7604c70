"""Settings that change *where* the package works and *how loudly*, never *what* it answers.

>>> from gis_planner.settings import options
>>> options.progress
False
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gis_planner"


@dataclass
class _Options:
    """Package options; setting an unknown name raises ``AttributeError``."""

    cache_dir: Path = field(default_factory=_default_cache_dir)
    progress: bool = False

    def __setattr__(self, name: str, value: object) -> None:
        if name not in {f.name for f in fields(self)}:
            raise AttributeError(f"unknown option {name!r}; known: cache_dir, progress")
        object.__setattr__(self, name, value)


options = _Options()
