"""``gis-planner init``: write a commented plan.toml from the files in a folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from gis_planner.io.survey import FileGuess

#: What the files of roles outside a plan are for (shown as comments in the plan).
OTHER_USES = {
    "spaces": "idle spaces for neighbourhood centres: gis-planner centres --spaces",
    "buildings": "buildings with households and special groups: gis-planner grids --buildings",
    "grids": "existing or department grids: gis-planner grids (audit, crosswalk)",
    "population": "population raster: gis_planner.io.households_from_raster",
}
#: Inputs a plan cannot run without (gis_planner.pipeline.read_plan_config).
REQUIRED_ROLES = ("network", "compounds", "facilities")


def _rel(path: Path, plan: Path) -> str:
    """``path`` relative to the plan file's folder, with forward slashes."""
    return Path(os.path.relpath(path.resolve(), plan.resolve().parent)).as_posix()


def chosen_files(guesses: list[FileGuess]) -> dict[str, FileGuess]:
    """The file chosen for each plan role (at most one each)."""
    from gis_planner.io.survey import PLAN_ROLES

    return {g.role: g for g in guesses if g.role in PLAN_ROLES}


def unchosen_note(g: FileGuess, chosen: dict[str, FileGuess]) -> str:
    """Why a file that looked like some input got no role, in the words both the console and
    the plan use: per role it looked like, the file chosen instead, or the evidence that was
    too little to choose it."""
    from gis_planner.io.survey import quoted

    notes = []
    for role in sorted(g.scores, key=lambda r: -g.scores[r]):
        other = chosen.get(role)
        if other is not None:
            notes.append(f"looked like {role}, but {quoted(other.path.name)} was chosen")
        else:
            notes.append(f"hinted at {role} ({'; '.join(g.reasons.get(role, []))}), too little to choose it")
    return "; ".join(notes)


def _missing_line(role: str, guesses: list[FileGuess]) -> str:
    """The plan's comment on a role no file was chosen for, naming the files that hinted at it."""
    from gis_planner.io.survey import quoted

    need = "required: fill it in" if role in REQUIRED_ROLES else "optional"
    hinted = [quoted(g.path.name) for g in guesses if not g.role and role in g.scores]
    if not hinted:
        return f"# {role}: no file found ({need})"
    return f"# {role}: no file recognised ({need}); {', '.join(hinted)} hinted at it, too little to choose it"


def plan_text(guesses: list[FileGuess], *, folder: Path, plan: Path) -> str:
    """The commented plan.toml for the guesses of :func:`gis_planner.io.survey.survey_folder`.

    Every file name and title is written as an escaped TOML string (also in comments), so no
    name can add a line or a key to the plan.
    """
    from gis_planner.io.survey import COORD_ROLES, PLAN_ROLES, quoted

    by_role = chosen_files(guesses)
    lines = [
        f"# Plan written by gis-planner init from the files in {quoted(folder.name)}.",
        "# Paths are relative to this file. Check every guess below, above all the coordinate",
        "# systems marked CHECK, then run:",
        f"#   gis-planner report --config {quoted(plan.name)} --out report_output",
        f"title = {quoted(folder.resolve().name)}",
        "# profile: the policy profile (gis-planner profiles lists them; the default is",
        "# taizhou-2023); lang: zh or en.",
        "# profile = \"taizhou-2023\"",
        "lang = \"zh\"",
        "",
        "[inputs]",
    ]
    for role in PLAN_ROLES:
        g = by_role.get(role)
        if g is None:
            lines += [_missing_line(role, guesses), f"# {role} = \"\""]
            continue
        lines.append(f"# {role}: {quoted(g.path.name)}: " + "; ".join(g.reasons.get(role, [])))
        lines.append(f"{role} = {quoted(_rel(g.path, plan))}")
        if role in COORD_ROLES and g.coords:
            lines.append(f"# CHECK {role}_coords: guessed {g.coords} because {g.coords_reason}.")
            lines.append("#   GCJ-02 (Amap, Tencent) and WGS-84 lon/lat cannot be told apart from the "
                         "numbers alone;")
            lines.append("#   confirm with whoever exported the file (wgs84, gcj02, bd09, cgcs2000 or "
                         "EPSG:<code>).")
            lines.append(f"{role}_coords = {quoted(g.coords)}")
    others = [g for g in guesses if g.role and g.role not in PLAN_ROLES]
    unknown = [g for g in guesses if not g.role]
    alternatives = [g for g in guesses if g.role == "" and g.scores]
    if others:
        lines += ["", "# Files for other commands (gis-planner report does not read them):"]
        lines += [f"#   {quoted(g.path.name)}: {OTHER_USES.get(g.role, g.role)}" for g in others]
    if alternatives:
        lines += ["", "# Files that looked like an input but were not chosen:"]
        lines += [f"#   {quoted(g.path.name)}: {unchosen_note(g, by_role)}" for g in alternatives]
    broken = [g for g in guesses if g.kind == "unreadable"]
    if broken:
        lines += ["", "# Files that could not be read:"]
        lines += [f"#   {quoted(g.path.name)}: {quoted(g.note)}" for g in broken]
    rest = [g for g in unknown if not g.scores and g.kind != "unreadable"]
    if rest:
        lines += ["", "# Files not recognised: " + ", ".join(quoted(g.path.name) for g in rest)]
    lines += ["",
              "# Optional tables (see docs/report.md): [reach] overrides the profile's walking",
              "# speed and minutes; [siting] adds siting jobs (maximum coverage, elderly-care",
              "# centres per sub-district); [partition] runs reachability on Dask.", ""]
    return "\n".join(lines)


def init_command(
    folder: Path = typer.Argument(..., help="Folder holding the input files."),
    out: Path | None = typer.Option(None, "--out", help="Plan file to write (default FOLDER/plan.toml)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing plan file."),
) -> None:
    """Write a commented plan.toml from the files in a folder, guessing each file's role
    (network, compounds, gates, facilities, communities, sub-districts, candidates, attributes,
    spaces, buildings, grids) from its name, columns and geometry, and the coordinate system of
    lon/lat data, and print what it guessed and why. GCJ-02 and WGS-84 cannot be told apart from
    the numbers alone: confirm every coordinate system marked CHECK before running.

    \b
    $ gis-planner init data/demo --out init_output/plan.toml
    """
    from gis_planner._errors import InputDataError
    from gis_planner._fs import atomic_path
    from gis_planner.cli._common import check_outputs, pad, require_suffix
    from gis_planner.io.survey import COORD_ROLES, PLAN_ROLES, quoted, survey_folder
    from gis_planner.pipeline import read_plan_config

    if not folder.is_dir():
        raise InputDataError(f"{folder}: not a folder; expected a folder of input files.")
    plan = out if out is not None else folder / "plan.toml"
    require_suffix(plan, (".toml",), what="the plan is a TOML file")
    if plan.exists() and plan.is_dir():
        raise InputDataError(f"--out {plan} is a folder; expected a .toml file.")
    check_outputs([plan], overwrite=overwrite)
    same = plan.parent.resolve() == folder.resolve()
    guesses = survey_folder(folder, skip=(plan.name,) if same else ())
    text = plan_text(guesses, folder=folder, plan=plan)
    missing = [r for r in REQUIRED_ROLES if not any(g.role == r for g in guesses)]
    plan.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(plan, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
        if not missing:
            read_plan_config(tmp)  # the plan loads (paths resolve beside the final file)
    chosen = chosen_files(guesses)
    for g in guesses:
        role = g.role or "-"
        note = ("; ".join(g.reasons.get(g.role, [])) if g.role else
                f"not read: {g.note}" if g.note else
                unchosen_note(g, chosen) if g.scores else "not recognised")
        typer.echo(f"{pad(quoted(g.path.name)[1:-1], 28)} {pad(role, 13)} {note}")
        if g.role in COORD_ROLES and g.coords:
            typer.echo(f"{'':28} {'':13} coordinates: {g.coords}, because {g.coords_reason} (CHECK)")
    typer.echo(f"wrote {plan}")
    if missing:
        typer.echo(f"missing: {', '.join(missing)}: fill in inputs.{missing[0]} in {plan} before running "
                   "gis-planner report.", err=True)
    if any(g.role in COORD_ROLES and g.coords for g in guesses if g.role in PLAN_ROLES):
        typer.echo("GCJ-02 and WGS-84 lon/lat cannot be told apart from the numbers alone: confirm the "
                   "coordinate systems marked CHECK before running gis-planner report.", err=True)


def register(app: typer.Typer) -> None:
    """Add the ``init`` command to ``app``."""
    app.command("init")(init_command)
