"""Every ``$ gis-planner ...`` example of every command's ``--help`` runs as written from the
repository root, each into its own output (``--out`` is moved into a temporary folder).

An example that reads what another example writes (``gis-planner compare demo_output
report_output`` after ``gis-planner demo --out demo_output``) runs that example first, into its
own output, and reads it from there.
"""

from __future__ import annotations

import shlex
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gis_planner.cli import app, main

REPO = Path(__file__).resolve().parents[1]

#: Examples that fail as written today, by id, with the reason. Each entry is an open defect
#: of the command's help text: strict xfail, so the mark goes once the example runs.
KNOWN_FAILING: dict[str, str] = {}

#: Examples that take more than a few seconds (the whole job on the demo town, Dask).
SLOW = ("demo-", "report-", "compare-", "grids-", "elderly-", "centres-")


def _commands() -> list[list[str]]:
    """Every command path of the app: top-level commands, groups and their subcommands."""
    out = [[c.name or c.callback.__name__] for c in app.registered_commands]
    for g in app.registered_groups:
        out.append([g.name])
        out += [[g.name, c.name or c.callback.__name__] for c in g.typer_instance.registered_commands]
    return out


def _examples(help_text: str) -> list[list[str]]:
    """The ``$ gis-planner ...`` lines of a help text (``\\`` continues a line), as arguments."""
    found, current = [], None
    for raw in help_text.splitlines():
        line = raw.strip()
        if current is not None:
            current += " " + line.rstrip("\\").strip()
            if not line.endswith("\\"):
                found.append(current)
                current = None
            continue
        if line.startswith("$ gis-planner "):
            text = line[len("$ gis-planner "):]
            if text.endswith("\\"):
                current = text.rstrip("\\").strip()
            else:
                found.append(text)
    return [shlex.split(e) for e in found]


def _collect() -> dict[str, list[str]]:
    runner = CliRunner()
    examples: dict[str, list[str]] = {}
    for cmd in _commands():
        result = runner.invoke(app, [*cmd, "--help"])
        assert result.exit_code == 0, f"gis-planner {' '.join(cmd)} --help: {result.output}"
        for k, args in enumerate(_examples(result.output), start=1):
            examples[f"{'-'.join(cmd)}-{k}"] = args
    return examples


EXAMPLES = _collect()


def _outputs(args: list[str]) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--out"]


#: Output name (as written after --out) -> the first example writing it.
PRODUCERS: dict[str, str] = {}
for _id, _args in EXAMPLES.items():
    for _o in _outputs(_args):
        PRODUCERS.setdefault(_o, _id)


def _params() -> list[object]:
    out = []
    for ex_id in EXAMPLES:
        marks = []
        if ex_id in KNOWN_FAILING:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_FAILING[ex_id]))
        if ex_id.startswith(SLOW):
            marks.append(pytest.mark.slow)
        out.append(pytest.param(ex_id, id=ex_id, marks=marks))
    return out


@pytest.fixture(scope="module")
def run_example(tmp_path_factory):
    """Run one example (and first the examples whose outputs it reads); returns its exit code
    and the folder holding its outputs. Each distinct example runs once per module."""
    done: dict[tuple[str, ...], tuple[int, Path]] = {}

    def run(ex_id: str) -> tuple[int, Path]:
        # an example shown in two helps (compare repeats demo's and report's) runs once
        if tuple(EXAMPLES[ex_id]) in done:
            return done[tuple(EXAMPLES[ex_id])]
        args = list(EXAMPLES[ex_id])
        own = set(_outputs(args))
        for i, token in enumerate(args):
            if i and args[i - 1] == "--out":
                continue
            for name, producer in PRODUCERS.items():
                if name in own or producer == ex_id:
                    continue
                if token == name or token.startswith(name.rstrip("/") + "/"):
                    code, where = run(producer)
                    assert code == 0, f"{ex_id} reads {name}, written by {producer}, which failed"
                    args[i] = str(where / token)
                    break
        folder = tmp_path_factory.mktemp(ex_id)
        args = [str(folder / a) if i and args[i - 1] == "--out" else a for i, a in enumerate(args)]
        with warnings.catch_warnings():
            warnings.simplefilter("default")  # as on the command line: warnings are printed
            code = main(args)
        done[tuple(EXAMPLES[ex_id])] = (code, folder)
        return code, folder

    return run


def test_every_command_has_an_example():
    commands = {ex_id.rsplit("-", 1)[0] for ex_id in EXAMPLES}
    for cmd in _commands():
        assert "-".join(cmd) in commands, f"gis-planner {' '.join(cmd)} --help has no $ example"


@pytest.mark.parametrize("ex_id", _params())
def test_help_example_runs_as_written(ex_id, run_example, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    code, folder = run_example(ex_id)
    err = capsys.readouterr().err
    assert code == 0, f"gis-planner {shlex.join(EXAMPLES[ex_id])} exited {code}: {err.strip()[-400:]}"
    for out in _outputs(EXAMPLES[ex_id]):
        assert (folder / out).exists(), f"{ex_id}: {out} was not written"
