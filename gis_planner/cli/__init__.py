"""The ``gis-planner`` command line: a thin Typer app over the public API.

Each command lives in its own module of this package and registers itself on :data:`app`.
Errors the user can fix (:class:`~gis_planner._errors.GisPlannerError`) are printed as one line
and exit with code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import typer

from gis_planner import __version__
from gis_planner._errors import GisPlannerError
from gis_planner.cli._common import close_progress

app = typer.Typer(
    name="gis-planner",
    help="15-minute living circles, community sizing and facility siting for Chinese cities.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

#: Command modules, in the order ``--help`` lists them. Each defines ``register(app)``.
COMMAND_MODULES = ("demo", "reach", "communities", "site", "profiles", "check", "report", "convert",
                   "template", "elderly", "centres", "grids", "compare", "init")

_state: dict[str, object] = {"debug": False, "signal": None, "lost": None}

# Typer >= 0.29 ships its own copy of click; its usage errors derive from this class.
_ClickException: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gis-planner {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More log output (-v INFO, -vv DEBUG)."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """15-minute living circles, community sizing and facility siting for Chinese cities.

    Warnings are shown as one line each (`warning: …`, or `警告: …` in a Chinese run), every
    distinct message once per run.
    """
    from gis_planner.cli._common import ConsoleFormatter, ConsoleHandler, OnceFilter, start_console

    _state["debug"] = debug
    level = logging.WARNING - 10 * min(verbose, 2)
    handler = ConsoleHandler()
    handler.setFormatter(ConsoleFormatter())
    handler.addFilter(OnceFilter())
    pkg_logger = logging.getLogger("gis_planner")
    pkg_logger.handlers = [h for h in pkg_logger.handlers if isinstance(h, logging.NullHandler)]
    pkg_logger.addHandler(handler)
    pkg_logger.setLevel(level)
    ctx.call_on_close(start_console())


for _name in COMMAND_MODULES:
    try:
        _mod = importlib.import_module(f"gis_planner.cli.{_name}")
    except ModuleNotFoundError as exc:  # a command module not written yet
        if exc.name != f"gis_planner.cli.{_name}":
            raise
        continue
    _mod.register(app)


#: Exit code of an interrupted run (128 + SIGINT, as shells report it) and what it prints.
INTERRUPTED = 130
#: Exit code of a run stopped by SIGTERM (128 + SIGTERM).
TERMINATED = 143
INTERRUPTED_MESSAGE = "Interrupted; no partial output was kept."


def _on_signal(signum: int, _frame: object) -> None:
    """SIGINT and SIGTERM: stop the run the way Ctrl-C does (a ``KeyboardInterrupt``), so every
    temporary output and the Dask scratch space are removed on the way out.

    A signal landing while a finished output set is being renamed into place waits for the
    renames (:func:`gis_planner._fs.uninterruptible`). A second signal during the clean-up is
    ignored; a third one ends the process at once. An interrupt that Python could not raise
    (it landed in a finaliser) is kept by :func:`_record_lost_interrupt`.
    """
    from gis_planner import _fs

    if _state["signal"] is not None:
        signal.signal(signum, signal.SIG_DFL)
        return
    _state["signal"] = signum
    exc = KeyboardInterrupt()
    if _fs.defer(exc):
        return
    raise exc


def _record_lost_interrupt(unraisable: Any, *, previous: Callable[[Any], object]) -> None:
    """``sys.unraisablehook`` while the handlers are in place.

    The ``KeyboardInterrupt`` of :func:`_on_signal` can land in code that cannot raise: a
    ``__del__`` or a weakref callback (the import system uses them). Python would print it as
    "Exception ignored …" with a traceback and go on. The hook keeps it quietly instead: the run
    goes on to its end (its outputs are whole, as always), then ends with the signal's exit code
    and says that its outputs are complete. The next signal stops the run at once, as a first
    one does. Any other unraisable exception goes to the ``previous`` hook.
    """
    if isinstance(unraisable.exc_value, KeyboardInterrupt) and _state["signal"] is not None:
        _state["lost"] = _state["signal"]
        _state["signal"] = None
        return
    previous(unraisable)


@contextlib.contextmanager
def _signals_handled() -> Iterator[None]:
    """Route SIGINT and SIGTERM to :func:`_on_signal` (main thread only); restore afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous_hook = sys.unraisablehook
    sys.unraisablehook = functools.partial(_record_lost_interrupt, previous=previous_hook)
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sys.unraisablehook = previous_hook


def _forget_unhandled_interrupt() -> None:
    """Clear CPython's record of a ``KeyboardInterrupt`` that left a string ``exec``/``eval``.

    Libraries build functions from source text while they are imported (``dataclasses`` among
    them). When the interrupt of :func:`_on_signal` lands in such code, CPython records it as
    unhandled even though :func:`main` catches it, and under ``python -m`` the interpreter then
    ends itself with SIGINT (status −2) in place of 130/143. Each string ``exec`` starts by
    clearing that record, so one trivial ``exec`` after the interrupt was handled clears it; it
    cannot hide an interrupt that is still on its way out.
    """
    exec("pass", {})  # a constant, never input text


def _interrupted() -> int:
    """Print what an interrupted run left and return its exit code (130 SIGINT, 143 SIGTERM)."""
    from gis_planner import _fs

    if _fs.committed:
        _say("Interrupted after writing " + ", ".join(map(str, _fs.committed)) + "; those outputs are complete.")
    else:
        _say(INTERRUPTED_MESSAGE)
    return TERMINATED if _state["signal"] == signal.SIGTERM else INTERRUPTED


def _say(line: str) -> None:
    """Print the one line that ends a run on stderr, on a line of its own."""
    close_progress()
    typer.echo(line, err=True)


def _empty_out(args: list[str]) -> bool:
    """True when ``--out`` is given an empty (or blank) value (``Path("")`` would mean ``.``)."""
    for i, arg in enumerate(args):
        if arg == "--":
            return False
        if arg == "--out" and i + 1 < len(args) and not args[i + 1].strip():
            return True
        if arg.startswith("--out=") and not arg[len("--out="):].strip():
            return True
    return False


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``gis-planner`` script; returns the exit code.

    Exit codes: 0 done, 1 a bug (traceback), 2 a usage or input error (one line), 130 stopped
    by SIGINT (Ctrl-C), 143 stopped by SIGTERM; after 130 or 143 no partial output is left.
    """
    from gis_planner import _fs

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    _state["signal"] = _state["lost"] = None
    _fs.committed.clear()
    if _empty_out(args):
        typer.echo("error: --out is empty; expected a file or folder name.", err=True)
        return 2
    try:
        with _signals_handled():
            code = app(args=args, prog_name="gis-planner", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        _say("Aborted.")
        return INTERRUPTED
    except _ClickException as exc:
        close_progress()
        exc.show()  # type: ignore[attr-defined]  # click's ClickException, found at run time
        return 2
    except GisPlannerError as exc:
        if debug or _state["debug"]:
            raise
        _say(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        return _interrupted()
    except MemoryError:
        if debug or _state["debug"]:
            raise
        _say(MEMORY_ADVICE)
        return 2
    except OSError as exc:  # a file that cannot be read or written: one line, like any input error
        if debug or _state["debug"]:
            raise
        _say(f"error: {exc}")
        return 2
    return _exit_code(code)


def _exit_code(code: object) -> int:
    """The exit code of a command that returned ``code`` (Typer's return value)."""
    if _state["lost"] is not None and _state["signal"] is None:  # the run went on to its end
        _state["signal"] = _state["lost"]
        return _interrupted()
    # Outside standalone mode Typer returns an exit code instead of raising: 130 when it caught a
    # KeyboardInterrupt (the outputs' temporaries were already removed on the way out).
    if not isinstance(code, int) or isinstance(code, bool):  # a command's own return value
        return 0
    if code == INTERRUPTED:
        return _interrupted()
    return code


def run() -> int:
    """:func:`main`, guarded once more (what :func:`script` runs) and returning the exit code.

    A ``KeyboardInterrupt`` that escapes :func:`main` after it has handled a signal (raised
    while the run was already winding down) still ends the process with the signal's exit code
    (130 SIGINT, 143 SIGTERM) instead of letting the interpreter kill itself with SIGINT; the
    outputs were already cleaned up on the way out of :func:`main`.
    """
    try:
        code = main()
    except KeyboardInterrupt:
        code = TERMINATED if _state["signal"] == signal.SIGTERM else INTERRUPTED
    if _state["signal"] is not None:
        _forget_unhandled_interrupt()
    return code


#: Garbage-collector thresholds of the command line (Python's default: 700, 10, 10).
GC_THRESHOLDS = (10_000, 10, 10)


def script() -> None:
    """The ``gis-planner`` script and ``python -m gis_planner``: :func:`run`, then exit.

    A run is a batch job whose millions of objects (geometries, frames, report elements) mostly
    live to its end, so the cyclic garbage collector runs less often (:data:`GC_THRESHOLDS`):
    on the demo report 72 collections in 0.16 s instead of 930 in 0.45 s, most of them scans
    of objects that were never garbage. Before exiting, every object left is moved out of the
    collector's reach (``gc.freeze``): its last collection would otherwise walk them all (0.35 s
    after the demo report) only to free memory the process is giving back anyway. Every output
    is written and closed by then, and exit handlers still run.
    """
    gc.set_threshold(*GC_THRESHOLDS)
    code = run()
    gc.freeze()
    sys.exit(code)


#: What to do when the inputs do not fit in memory (one line, like every other error).
MEMORY_ADVICE = (
    "error: out of memory: the inputs are too large for this machine (no output was written). "
    "Run reachability partition by partition: gis-planner reach --partition-by districts.gpkg "
    "(or --tile-m 5000), API gis_planner.partition.partitioned_reach; or clip the inputs to a "
    "smaller area, or use a machine with more memory. See docs/robustness.md for measured sizes.")


if __name__ == "__main__":  # pragma: no cover
    script()
