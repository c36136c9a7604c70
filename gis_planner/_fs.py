"""Atomic output: write to a temporary sibling, then rename, so an interrupted run leaves nothing half-written.

Every writer in the package goes through :func:`atomic_path`, :func:`atomic_files` or
:func:`atomic_dir`; input files are never opened for writing.

Temporaries are hidden siblings of the target named ``.<target name>.<pid>.<random>.tmp[.ext]``:
an output folder's temporary lies beside the folder, never inside it. While a run uses them it
holds an exclusive ``flock`` on ``.<target name>.<pid>.<random>.lock`` beside them. A
``KeyboardInterrupt`` or any exception removes them; a run killed outright (SIGKILL, power
loss) cannot, so the next write to the same target removes the temporaries whose lock it can
take (:func:`sweep_stale`, POSIX only). The lock, not the process id, decides: a live run in
another PID namespace (a container) or on another host sharing the folder keeps its lock and
its files.

Replacing an existing output folder swaps folders: the new set is complete in its temporary
folder, the old folder is renamed to ``.<name>.<pid>.<random>.bak``, the new one takes its
name and the backup is removed; if the swap fails the old folder is put back. Several output
files of one command are replaced together the same way (:func:`atomic_files`).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import secrets
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

from gis_planner._errors import GisPlannerError, InputDataError

logger = logging.getLogger(__name__)

#: ``errno`` values that mean "this output cannot be written here" (as opposed to a bad input).
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT,
                          errno.EISDIR, errno.ENOTDIR, errno.EEXIST, errno.ENOTEMPTY, errno.EFBIG,
                          errno.EBUSY, errno.ETXTBSY})

_critical = {"depth": 0}
_pending: list[BaseException] = []
#: Final outputs committed (renamed into place) by this process, in order; files written into
#: a temporary folder that is itself renamed later are not listed.
committed: list[Path] = []
_TEMPORARY = re.compile(r"^\..+\.\d+\.[0-9a-f]{8}\.tmp")


def _record(targets: Sequence[Path]) -> None:
    """Add ``targets`` that do not lie inside a temporary to :data:`committed`."""
    committed.extend(t for t in targets if not any(_TEMPORARY.match(part) for part in t.parts))


class OutputError(GisPlannerError):
    """An output cannot be written (read-only folder, disk full, a folder where a file should
    be …); the previous outputs are unchanged."""


@contextlib.contextmanager
def uninterruptible() -> Iterator[None]:
    """Defer a signal raised through :func:`defer` until the block ends.

    The final renames of an output set run inside it, so a signal lands either before them
    (nothing new is kept) or after them (the new set is complete), never between two.
    """
    _critical["depth"] += 1
    try:
        yield
    finally:
        _critical["depth"] -= 1
        if _critical["depth"] == 0 and _pending:
            raise _pending.pop()


def defer(exc: BaseException) -> bool:
    """Keep ``exc`` to raise at the end of the current :func:`uninterruptible` block.

    Signal handlers call this; it returns False (raise now) outside such a block.
    """
    if _critical["depth"] == 0:
        return False
    if not _pending:
        _pending.append(exc)
    return True


def _write_error(exc: OSError, target: Path) -> OutputError:
    """A one-line :class:`OutputError` for ``exc`` raised while writing ``target``."""
    what = exc.strerror or str(exc)
    where = f" ({exc.filename})" if exc.filename and Path(exc.filename).name != target.name else ""
    return OutputError(f"cannot write {target}: {what}{where}; the previous outputs are unchanged.")


@contextlib.contextmanager
def _translate(target: Path, *, every: bool = False) -> Iterator[None]:
    """Turn an ``OSError`` of the :data:`WRITE_ERRNOS` kind (``every``: any) into :class:`OutputError`."""
    try:
        yield
    except OSError as exc:
        if every or exc.errno in WRITE_ERRNOS:
            raise _write_error(exc, target) from exc
        raise


@contextlib.contextmanager
def run_lock(target: str | os.PathLike[str]) -> Iterator[str]:
    """Hold the lock of a new temporary family of ``target``; yield its token ``<pid>.<random>``.

    Temporaries named ``.<target name>.<token>.…`` are safe from :func:`sweep_stale` while the
    block runs. The lock file is removed at the end.
    """
    target = Path(target)
    if os.name != "posix":  # no flock: temporaries are never swept there
        yield f"{os.getpid()}.{secrets.token_hex(4)}"
        return
    import fcntl

    while True:
        token = f"{os.getpid()}.{secrets.token_hex(4)}"
        lock = target.parent / f".{target.name}.{token}.lock"
        with _translate(target):
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.path.samestat(os.fstat(fd), lock.stat()):
                break
        except (BlockingIOError, FileNotFoundError):  # a sweeper took the brand-new file
            pass
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        yield token
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()
        os.close(fd)  # releases the lock, after the file is gone


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it onto ``target``.

    On any exception (including ``KeyboardInterrupt``) the temporary file is removed and
    ``target`` is left as it was.

    Raises
    ------
    InputDataError
        When ``target`` exists and ``overwrite`` is false.
    OutputError
        When ``target`` cannot be written (read-only folder, disk full, a folder in the way).
    """
    with atomic_files([target], overwrite=overwrite) as (tmp,):
        yield tmp


@contextlib.contextmanager
def atomic_files(targets: Sequence[str | os.PathLike[str]], *,
                 overwrite: bool = True) -> Iterator[list[Path]]:
    """Yield temporary paths beside ``targets``; on success they replace all targets together.

    The temporaries are not created (writers such as GDAL want to create the file
    themselves). At the end every existing target is first hard-linked to a backup, then the
    temporaries are renamed onto the targets; if one rename fails the targets already replaced
    get their old content back and new ones are removed, so the set is replaced whole or not
    at all.

    Raises
    ------
    InputDataError
        When a target exists and ``overwrite`` is false, or two targets are the same file.
    OutputError
        When a target cannot be written; the previous files are unchanged.
    """
    paths = [Path(t) for t in targets]
    resolved = [p.resolve() for p in paths]
    if len(set(resolved)) < len(resolved):
        dup = next(p for p, r in zip(paths, resolved, strict=True) if resolved.count(r) > 1)
        raise InputDataError(f"two outputs resolve to the same file {dup}; choose another --out.")
    for p in paths:
        if p.is_dir():
            raise OutputError(f"cannot write {p}: it is a folder; expected a file: choose another --out.")
        if p.exists() and not overwrite:
            raise InputDataError(f"{p} exists; pass --overwrite (overwrite=True) to replace it.")
    with contextlib.ExitStack() as stack:
        tmps = []
        for p in paths:
            created = _make_parents(p)
            stack.callback(_remove_empty_unless, p, created)
            sweep_stale(p)
            token = stack.enter_context(run_lock(p))
            # not created here: writers such as GDAL want to create the file themselves
            tmp = p.parent / f".{p.name}.{token}.tmp{p.suffix}"
            stack.callback(_unlink_quietly, tmp)
            tmps.append(tmp)
        with _translate(paths[0]):
            logger.debug("writing %s", ", ".join(map(str, paths)))
            yield tmps
            with _translate(paths[0], every=True), uninterruptible():
                _replace_files(tmps, paths)


def _replace_files(tmps: list[Path], targets: list[Path]) -> None:
    """Rename every ``tmps[i]`` onto ``targets[i]``, all or none (see :func:`atomic_files`)."""
    for tmp, target in zip(tmps, targets, strict=True):
        if not tmp.exists():
            raise OutputError(f"cannot write {target}: the writer produced no file; "
                              "the previous outputs are unchanged.")
    backups: list[Path | None] = []
    try:
        for tmp, target in zip(tmps, targets, strict=True):
            backup = None
            if len(targets) > 1 and target.exists():
                backup = tmp.with_name(tmp.name.split(".tmp", 1)[0] + ".bak")
                try:
                    os.link(target, backup)
                except OSError:  # a filesystem without hard links
                    shutil.copy2(target, backup)
            backups.append(backup)
        done: list[int] = []
        try:
            for i, (tmp, target) in enumerate(zip(tmps, targets, strict=True)):
                tmp.replace(target)
                done.append(i)
        except BaseException:
            for i in done:  # put the old content back (or remove what did not exist)
                if backups[i] is not None:
                    backups[i].replace(targets[i])  # type: ignore[union-attr]
                else:
                    targets[i].unlink(missing_ok=True)
            raise
        _record(targets)
    finally:
        for b in backups:
            if b is not None:
                b.unlink(missing_ok=True)


@contextlib.contextmanager
def scratch_dir(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a new empty temporary folder beside ``target``, removed on exit however it ends.

    Stale scratch folders of ``target`` left by killed runs are removed first.
    """
    with _scratch(Path(target)) as (tmp, _token):
        yield tmp


@contextlib.contextmanager
def _scratch(target: Path) -> Iterator[tuple[Path, str]]:
    """:func:`scratch_dir`, also yielding the lock token of the temporary."""
    created = _make_parents(target)
    try:
        sweep_stale(target)
        with run_lock(target) as token:
            tmp = target.parent / f".{target.name}.{token}.tmp"
            try:
                with _translate(target):
                    tmp.mkdir()  # inside the try: an interrupt right after it still removes the folder
                yield tmp, token
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    finally:
        _remove_empty_unless(target, created)


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary directory beside ``target``; on success it becomes ``target``.

    A ``target`` that does not exist yet appears in one rename, complete. An existing
    ``target`` is swapped whole: entries of it that the run does not write are carried into
    the new folder first (hard links, else copies), then the old folder becomes a backup, the
    new one takes its name and the backup is removed. Entries the run writes replace the old
    ones only when ``overwrite`` is true (else :class:`InputDataError`), and a folder of the
    new set replaces the old folder of that name whole (no stale file survives in it). On any
    failure the temporary directory is removed and ``target`` is unchanged, byte for byte.

    Raises
    ------
    InputDataError
        When ``target`` is a file, or holds outputs and ``overwrite`` is false.
    OutputError
        When ``target`` cannot be replaced (read-only folder, an immutable file, disk full).
    """
    target = Path(target)
    if target.is_symlink() and not target.exists():
        raise InputDataError(f"{target} is a dangling symbolic link; choose another --out.")
    if target.exists() and not target.is_dir():
        raise InputDataError(f"{target} is a file; expected an output folder: choose another --out.")
    if target.is_symlink():  # a link to a folder: the folder it names is the one replaced
        target = target.resolve()
    with _scratch(target) as (tmp, token), _translate(target):
        logger.info("writing %s (in %s until complete)", target, tmp.name)
        yield tmp
        clashes = _clashes(tmp, target)
        if clashes and not overwrite:
            raise InputDataError(
                f"{target}: would overwrite {', '.join(clashes[:5])}; "
                "pass --overwrite or choose another --out."
            )
        with _translate(target, every=True):
            if target.exists():
                check_replaceable(target)
                for entry in sorted(target.iterdir()):
                    if not (tmp / entry.name).exists() and not (tmp / entry.name).is_symlink():
                        _carry(entry, tmp / entry.name)
            with uninterruptible():
                _swap(tmp, target, token)


def _clashes(new: Path, old: Path) -> list[str]:
    """Entries of ``new`` that would replace a file or a non-empty folder of ``old``."""
    if not old.is_dir():
        return []
    out = []
    for p in sorted(new.iterdir()):
        q = old / p.name
        if q.is_file() or q.is_symlink() or (q.is_dir() and any(q.iterdir())):
            out.append(p.name)
    return out


def _carry(src: Path, dest: Path) -> None:
    """Copy ``src`` (file or folder) to ``dest`` with hard links where the filesystem allows."""
    def link_or_copy(a: str, b: str) -> None:
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)

    if src.is_symlink():
        dest.symlink_to(src.readlink())
    elif src.is_dir():
        shutil.copytree(src, dest, symlinks=True, copy_function=link_or_copy)
    else:
        link_or_copy(str(src), str(dest))


def _swap(tmp: Path, target: Path, token: str) -> None:
    """Make folder ``tmp`` be ``target``; an existing ``target`` goes (whole) or stays (whole)."""
    if not target.exists():
        try:
            tmp.rename(target)
            _record([target])
            return
        except FileExistsError:  # created meanwhile by another process: swap below
            pass
        except OSError as exc:
            if exc.errno != errno.ENOTEMPTY:
                raise
    backup = target.parent / f".{target.name}.{token}.bak"
    target.rename(backup)
    try:
        tmp.rename(target)
    except BaseException:
        backup.rename(target)
        raise
    _record([target])
    shutil.rmtree(backup, onerror=_left_behind)


def _left_behind(_func: object, path: str, exc_info: object) -> None:
    logger.warning("could not remove %s of the replaced outputs (%s); remove it by hand", path, exc_info)


def check_replaceable(target: str | os.PathLike[str]) -> None:
    """Refuse, before anything is written, a ``target`` whose files cannot be replaced.

    Checks that the folders of ``target`` (and its parent) can be written and that no file in
    it is immutable or append-only (``chattr +i``/``+a``, Linux), which would stop the old set
    from being removed once the new one is in place.

    Raises
    ------
    OutputError
        Naming the first file or folder that cannot be replaced.
    """
    target = Path(target)
    parent = _existing_ancestor(target.parent)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {target}: folder {parent} is not writable.")
    if not target.exists():
        return
    for root, dirs, files in os.walk(target):
        if not os.access(root, os.W_OK | os.X_OK):
            raise OutputError(f"cannot replace {target}: folder {root} is not writable.")
        for name in [*dirs, *files]:
            p = Path(root) / name
            if _immutable(p):
                raise OutputError(f"cannot replace {target}: {p} is immutable or append-only "
                                  "(chattr -i / -a it, or choose another --out).")
    if _immutable(target):
        raise OutputError(f"cannot replace {target}: it is immutable or append-only (chattr -i / -a it, "
                          "or choose another --out).")


def _immutable(path: Path) -> bool:
    """True when Linux reports ``path`` immutable or append-only (False where it cannot tell)."""
    if not hasattr(os, "O_NOFOLLOW") or path.is_symlink():
        return False
    try:
        import array
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return False
    fs_ioc_getflags, immutable_or_append = 0x80086601, 0x10 | 0x20  # <linux/fs.h>
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        buf = array.array("l", [0])
        fcntl.ioctl(fd, fs_ioc_getflags, buf, True)
    except OSError:
        return False
    finally:
        os.close(fd)
    return bool(buf[0] & immutable_or_append)


def _existing_ancestor(path: Path) -> Path:
    """``path`` or its nearest existing ancestor."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_output(target: str | os.PathLike[str], *, folder: bool = False) -> None:
    """Refuse an output path that cannot be written, before any analysis runs.

    Parameters
    ----------
    target
        The output file (or folder, when ``folder`` is true).
    folder
        ``target`` is an output folder (else a file).

    Raises
    ------
    InputDataError
        A dangling symbolic link, a file where a folder is expected or the other way round,
        or a parent that is a file.
    OutputError
        A parent folder that cannot be written, or (folders) a file in it that cannot be replaced.
    """
    target = Path(target)
    if target.is_symlink() and not target.exists():
        raise InputDataError(f"--out {target} is a dangling symbolic link (to {target.readlink()}); "
                             "choose another --out.")
    if folder and target.exists() and not target.is_dir():
        raise InputDataError(f"--out {target} is a file; expected an output folder.")
    if folder and target.is_dir():
        here, real = Path.cwd().resolve(), target.resolve()
        if real in (here, *here.parents, Path.home().resolve()):
            raise InputDataError(f"--out {target} is the current folder, one that holds it or the home "
                                 "folder; an output folder is replaced as a whole: choose a folder of "
                                 "its own, such as report_output.")
    if not folder and target.is_dir():
        raise InputDataError(f"--out {target} is a folder; expected a file name.")
    ancestor = _existing_ancestor(target.parent)
    if not ancestor.is_dir():
        raise InputDataError(f"--out {target}: {ancestor} is a file, not a folder.")
    _probe(ancestor, target)
    if folder:
        check_replaceable(target)
    elif target.exists() and _immutable(target):
        raise OutputError(f"cannot replace {target}: it is immutable or append-only (chattr -i / -a it, "
                          "or choose another --out).")


def _probe(folder: Path, target: Path) -> None:
    """Create and remove a file in ``folder``: a test of writability that also holds for root
    and read-only filesystems (``os.access`` answers yes to root)."""
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {target}: folder {folder} is not writable.")
    probe = folder / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.probe"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise _write_error(exc, target) from exc
    os.close(fd)
    probe.unlink()


def _make_parents(target: Path) -> list[Path]:
    """Create the missing parent folders of ``target``; return them, deepest first."""
    missing = []
    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    with _translate(target):
        target.parent.mkdir(parents=True, exist_ok=True)
    return missing


def _remove_empty_unless(target: Path, folders: list[Path]) -> None:
    """Remove ``folders`` (deepest first) where still empty, unless ``target`` now exists: a
    failed run leaves no new folder."""
    if target.exists():
        return
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def sweep_stale(target: str | os.PathLike[str]) -> list[Path]:
    """Remove temporaries of ``target`` left by runs that no longer hold their lock.

    Only names of the form ``.<target name>.<pid>.<8 hex digits>.{tmp…,bak,lock}`` are
    considered, by family (same pid and digits): a family is stale when its lock file exists
    and its ``flock`` can be taken. A family without a lock file is left alone (its owner is
    unknown). A stale backup folder is renamed back to ``target`` when ``target`` is missing
    (the run died in the middle of a swap), else removed. Does nothing outside POSIX.

    Returns
    -------
    list of Path
        The removed (or restored) entries.
    """
    target = Path(target)
    if os.name != "posix" or not target.parent.is_dir():
        return []
    import fcntl

    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(\d+\.[0-9a-f]{{8}})\.(tmp|bak$|lock$)")
    families: dict[str, list[Path]] = {}
    for entry in target.parent.iterdir():
        m = pattern.match(entry.name)
        if m is not None:
            families.setdefault(m.group(1), []).append(entry)
    removed = []
    for token, entries in sorted(families.items()):
        lock = target.parent / f".{target.name}.{token}.lock"
        try:
            fd = os.open(lock, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue  # no lock file: not ours to judge
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # held: a live run, whatever its PID namespace or host
            if not os.path.samestat(os.fstat(fd), lock.stat()):
                continue
            for entry in sorted(entries, key=lambda e: e.name.endswith(".lock")):  # the lock last
                if entry.name.endswith(".bak") and not target.exists() and not target.is_symlink():
                    entry.rename(target)
                    logger.warning("restored %s from %s (a run died while replacing it)", target, entry.name)
                elif entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
                removed.append(entry)
        except FileNotFoundError:
            continue
        finally:
            os.close(fd)
    return removed
