"""Atomic output: write to a temporary sibling, then rename, so an interrupted run leaves nothing half-written.

Every writer in the package goes through :func:`atomic_path` or :func:`atomic_dir`; input files are
never opened for writing.

Temporaries are hidden siblings of the target named ``.<target name>.<pid>.<random>.tmp[.ext]``:
an output folder's temporary lies beside the folder, never inside it. A ``KeyboardInterrupt`` or
any exception removes them; a run killed outright (SIGKILL, power loss) cannot, so the next
write to the same target removes the temporaries whose process no longer exists
(:func:`sweep_stale`, POSIX only).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
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
    created = _make_parents(target)
    sweep_stale(target)
    # not created here: writers such as GDAL want to create the file themselves
    tmp = _temporary_name(target, suffix=f".tmp{target.suffix}")
    try:
        yield tmp
        tmp.replace(target)
    finally:
        if tmp.exists():
            tmp.unlink()
        if not target.exists():
            _remove_empty(created)


@contextlib.contextmanager
def scratch_dir(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a new empty temporary folder beside ``target``, removed on exit however it ends.

    Stale scratch folders of ``target`` left by killed runs are removed first.
    """
    target = Path(target)
    created = _make_parents(target)
    sweep_stale(target)
    tmp = _temporary_name(target, suffix=".tmp")
    try:
        tmp.mkdir()  # inside the try: an interrupt right after it still removes the folder
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if not target.exists():
            _remove_empty(created)


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary directory beside ``target``; on success move its files into ``target``.

    A ``target`` that does not exist yet appears in one rename, complete. Otherwise files
    already in ``target`` that the run does not write are kept; files it writes replace the
    old ones only when ``overwrite`` is true (else :class:`InputDataError`). On failure the
    temporary directory is removed and ``target`` is unchanged.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise InputDataError(f"{target} is a file; expected an output folder: choose another --out.")
    with scratch_dir(target) as tmp:
        yield tmp
        if not target.exists():
            try:
                tmp.rename(target)
                return
            except OSError:  # created meanwhile by another process: merge below
                pass
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
            p.replace(dest)


def _make_parents(target: Path) -> list[Path]:
    """Create the missing parent folders of ``target``; return them, deepest first."""
    missing = []
    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    target.parent.mkdir(parents=True, exist_ok=True)
    return missing


def _remove_empty(folders: list[Path]) -> None:
    """Remove ``folders`` (deepest first) where still empty: a failed run leaves no new folder."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _temporary_name(target: Path, *, suffix: str) -> Path:
    """``.<name>.<pid>.<random>`` + ``suffix`` beside ``target`` (not created)."""
    return target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{suffix}"


def sweep_stale(target: str | os.PathLike[str]) -> list[Path]:
    """Remove temporaries of ``target`` left by processes that no longer run.

    Only names of the form ``.<target name>.<pid>.<8 hex digits>.tmp…`` whose process is gone
    are removed. Does nothing outside POSIX, where a process cannot be probed safely.

    Returns
    -------
    list of Path
        The removed temporaries.
    """
    target = Path(target)
    if os.name != "posix" or not target.parent.is_dir():
        return []
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(\d+)\.[0-9a-f]{{8}}\.tmp")
    removed = []
    for entry in target.parent.iterdir():
        m = pattern.match(entry.name)
        if m is None or _process_exists(int(m.group(1))):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def _process_exists(pid: int) -> bool:
    """True when process ``pid`` runs (or cannot be probed: then it is left alone)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True
