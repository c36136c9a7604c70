"""Helpers shared by the command modules: option parsing, the policy profile lookup and
terminal columns."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

import typer

COORDS_HELP = ("Coordinate system of lon/lat CSV inputs: wgs84, gcj02 (Amap, Tencent), "
               "bd09 (Baidu), cgcs2000 or EPSG:<code>.")


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns; Chinese characters (East Asian
    wide or full-width) take two columns, so tables of Chinese names line up."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


#: The bounds themselves are in ``policy/data/_limits.toml`` (and in the refusal message).
FORCE_HELP = ("Accept a walking speed or minutes outside the plausible range (a likely unit "
              "mistake, refused without this option).")


def parse_minutes(text: str, *, force: bool = False) -> tuple[float, ...]:
    """'5,10,15' -> (5.0, 10.0, 15.0); a clear error for anything else.

    Values must be finite and > 0, and at most 240 minutes unless ``force``
    (``policy/data/_limits.toml``).
    """
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError as exc:
        raise typer.BadParameter(f"expected minutes like 5,10,15; got {text!r}") from exc
    if not values:
        raise typer.BadParameter(f"expected positive minutes like 5,10,15; got {text!r}")
    for v in values:
        walk_value(v, option="--minutes", quantity="minutes", force=force)
    return values


def walk_value(value: float, *, option: str, quantity: str | None, force: bool = False,
               unit: str | None = None) -> float:
    """An option's value when finite and > 0, and plausible for ``quantity`` (``"speed_kmh"``,
    ``"minutes"``; None: no range) unless ``force``; else one line naming ``option``."""
    from gis_planner._validate import require_plausible, require_positive_number

    units = {"speed_kmh": "km/h", "minutes": "minutes"}
    v = require_positive_number(value, what=option, unit=unit or units.get(quantity or "", "m"))
    if quantity is not None:
        require_plausible(v, quantity=quantity, what=option, force=force)
    return v


def check_outputs(outputs: Sequence[Path], *, inputs: Iterable[Path | None] = (), overwrite: bool,
                  folder: bool = False) -> None:
    """Refuse, before any input is read, outputs the command could not write whole.

    Parameters
    ----------
    outputs
        Every path the command writes (``--out`` first, then the files derived from it).
    inputs
        The command's input files (None entries are skipped).
    overwrite
        ``--overwrite`` was given (else an existing output file is refused).
    folder
        The outputs are folders (``demo``, ``report``, partitioned runs), else files.

    Raises
    ------
    InputDataError
        Two outputs resolving to the same path (``site --out x.csv``), an output that is one
        of the inputs, a dangling symbolic link, a file where a folder is expected (or the
        reverse), an existing output without ``--overwrite``.
    gis_planner._fs.OutputError
        A folder that cannot be written, or a file in the way that cannot be replaced.
    """
    from gis_planner._errors import InputDataError
    from gis_planner._fs import check_output

    seen: dict[Path, Path] = {}
    for p in outputs:
        r = p.resolve()
        if r in seen:
            raise InputDataError(f"--out {outputs[0]}: the outputs {seen[r]} and {p} are the same file; "
                                 "choose another --out.")
        seen[r] = p
    given = {i.resolve(): i for i in inputs if i is not None}
    for r, p in seen.items():
        if r in given:
            raise InputDataError(f"--out {p} is the input {given[r]}; choose another --out.")
    for p in outputs:
        check_output(p, folder=folder)
        if not folder and p.exists() and not overwrite:
            raise InputDataError(f"{p} exists; pass --overwrite to replace it.")
