"""Atomic output: write to a temporary sibling, then rename, so an interrupted run leaves nothing half-written.

Every writer in the package goes through :func:`atomic_path` or :func:`atomic_dir`; input files are
never opened for writing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from gis_planner._errors import InputDataError


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it onto ``target``.

    On any exception (including ``KeyboardInterrupt``) the temporary file is removed and
    ``target`` is left as it was.

    Raises
    ------
    InputDataError
        When ``target`` exists and ``overwrite`` is false.
    """
    target = Path(target)
    if target.exists() and not overwrite:
        raise InputDataError(f"{target} exists; pass --overwrite (overwrite=True) to replace it.")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}",
                                    dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as GDAL want to create the file themselves
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary directory beside ``target``; on success move its files into ``target``.

    Files already in ``target`` that the run does not write are kept; files it writes replace
    the old ones only when ``overwrite`` is true (else :class:`InputDataError` before any work).
    On failure the temporary directory is removed and ``target`` is unchanged.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        target.mkdir(exist_ok=True)
        produced = sorted(p for p in tmp.rglob("*") if p.is_file())
        clashes = [p.relative_to(tmp) for p in produced if (target / p.relative_to(tmp)).exists()]
        if clashes and not overwrite:
            raise InputDataError(
                f"{target}: would overwrite {', '.join(map(str, clashes[:5]))}; "
                "pass --overwrite or choose another --out."
            )
        for p in produced:
            dest = target / p.relative_to(tmp)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(p, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
