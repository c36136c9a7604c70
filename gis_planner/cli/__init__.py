"""The ``gis-planner`` command line: a thin Typer app over the public API.

Each command lives in its own module of this package and registers itself on :data:`app`.
Errors the user can fix (:class:`~gis_planner._errors.GisPlannerError`) are printed as one line
and exit with code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import importlib
import logging
import sys

import typer

from gis_planner import __version__
from gis_planner._errors import GisPlannerError

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
                   "template")

_state = {"debug": False}

# Typer >= 0.29 ships its own copy of click; its usage errors derive from this class.
_ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gis-planner {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More log output (-v INFO, -vv DEBUG)."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """15-minute living circles, community sizing and facility siting for Chinese cities."""
    _state["debug"] = debug
    level = logging.WARNING - 10 * min(verbose, 2)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    pkg_logger = logging.getLogger("gis_planner")
    pkg_logger.handlers = [h for h in pkg_logger.handlers if isinstance(h, logging.NullHandler)]
    pkg_logger.addHandler(handler)
    pkg_logger.setLevel(level)


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
INTERRUPTED_MESSAGE = "Interrupted; no partial output was kept."


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``gis-planner`` script; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        code = app(args=args, prog_name="gis-planner", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        return INTERRUPTED
    except _ClickException as exc:
        exc.show()
        return 2
    except GisPlannerError as exc:
        if debug or _state["debug"]:
            raise
        typer.echo(f"error: {exc}", err=True)
        return 2
    except KeyboardInterrupt:
        typer.echo(INTERRUPTED_MESSAGE, err=True)
        return INTERRUPTED
    except MemoryError:
        if debug or _state["debug"]:
            raise
        typer.echo(MEMORY_ADVICE, err=True)
        return 2
    # Outside standalone mode Typer returns an exit code instead of raising: 130 when it caught a
    # KeyboardInterrupt (the outputs' temporaries were already removed on the way out).
    if not isinstance(code, int) or isinstance(code, bool):  # a command's own return value
        return 0
    if code == INTERRUPTED:
        typer.echo(INTERRUPTED_MESSAGE, err=True)
    return code


#: What to do when the inputs do not fit in memory (one line, like every other error).
MEMORY_ADVICE = (
    "error: out of memory: the inputs are too large for this machine (no output was written). "
    "Run reachability partition by partition: gis-planner reach --partition-by districts.gpkg "
    "(or --tile-m 5000), API gis_planner.partition.partitioned_reach; or clip the inputs to a "
    "smaller area, or use a machine with more memory. See docs/robustness.md for measured sizes.")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
