"""Interrupted runs: SIGINT and SIGKILL part-way through ``report`` and ``demo`` leave no partial
file in the output folder, and the next run succeeds (and removes what a killed run left beside it).

The commands run in a subprocess (``python -m gis_planner``). A signal is sent either at a fixed
time (1.5 s, usually while the inputs are read) or as soon as the run starts writing: when its
temporary folder ``.<out>.<pid>.<random>.tmp`` appears beside the output folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gis_planner._fs import sweep_stale
from gis_planner.report import OUTPUT_FILES

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")

START_TIMEOUT_S = 120.0


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "gis_planner", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _temporaries(out: Path, pid: int) -> list[Path]:
    """The output temporaries of process ``pid`` beside ``out``."""
    return [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.{pid}.")]


def _interrupt(proc: subprocess.Popen, out: Path, sig: int, when: str) -> tuple[int, str]:
    """Send ``sig`` at 1.5 s (``when="1.5s"``) or once the report temporary exists (``"writing"``)."""
    t0 = time.monotonic()
    if when == "1.5s":
        time.sleep(1.5)
    else:
        while not _temporaries(out, proc.pid):
            assert proc.poll() is None, f"the run ended before writing: {proc.communicate()}"
            assert time.monotonic() - t0 < START_TIMEOUT_S, "the run never started writing"
            time.sleep(0.005)
    if proc.poll() is None:
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=START_TIMEOUT_S)
    return proc.returncode, err


def _no_partial_output(out: Path) -> None:
    """``out`` is absent, or holds only complete outputs and no temporary."""
    if not out.exists():
        return
    names = sorted(p.name for p in out.iterdir())
    assert not [n for n in names if n.startswith(".") or n.endswith(".tmp")], names
    assert set(names) <= {*OUTPUT_FILES, "inputs"}, names


def _complete_output(out: Path, command: str) -> None:
    """``out`` holds every output of ``command`` and no temporary."""
    _no_partial_output(out)
    expected = {*OUTPUT_FILES, "inputs"} if command == "demo" else set(OUTPUT_FILES)
    assert {p.name for p in out.iterdir()} == expected


def _args(command: str, demo_dir: Path, out: Path) -> list[str]:
    if command == "demo":
        return ["demo", "--out", str(out)]
    return ["report", "--config", str(demo_dir / "plan.toml"), "--out", str(out)]


@pytest.mark.parametrize("command", ["report", "demo"])
@pytest.mark.parametrize("when", ["1.5s", "writing"])
def test_sigint_leaves_nothing(demo_dir, tmp_path, command, when):
    out = tmp_path / "out"
    proc = _start(_args(command, demo_dir, out), tmp_path)
    rc, err = _interrupt(proc, out, signal.SIGINT, when)
    if rc in (0, -signal.SIGINT):
        # the signal came too late to stop the run: after its last write (exit code 0) or while
        # the interpreter was shutting down, when Python has given SIGINT back to the system
        # (killed by it). Either way every output must be there, whole.
        _complete_output(out, command)
        return
    assert rc == 130, err
    assert "Interrupted; no partial output was kept." in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == [], "KeyboardInterrupt cleans every temporary"


@pytest.mark.parametrize("command", ["report", "demo"])
def test_sigkill_while_writing_then_next_run(demo_dir, tmp_path, command):
    out = tmp_path / "out"
    proc = _start(_args(command, demo_dir, out), tmp_path)
    rc, _ = _interrupt(proc, out, signal.SIGKILL, "writing")
    assert rc == -signal.SIGKILL
    # a killed process cannot clean up: its temporaries stay, but beside OUT, never inside it
    assert not out.exists()
    left = [p.name for p in tmp_path.iterdir()]
    assert left and all(n.startswith(f".{out.name}.") and n.endswith(".tmp") for n in left), left
    # the next run writes everything and removes the dead run's temporaries
    done = subprocess.run([sys.executable, "-m", "gis_planner", *_args(command, demo_dir, out)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=START_TIMEOUT_S)
    assert done.returncode == 0, done.stderr
    _complete_output(out, command)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_sigkill_at_1_5_s_over_an_earlier_run(demo_dir, tmp_path):
    """--overwrite into a folder holding an earlier run: killed part-way, the earlier files stay."""
    out = tmp_path / "out"
    out.mkdir()
    before = {name: f"earlier {name}".encode() for name in OUTPUT_FILES}
    for name, data in before.items():
        (out / name).write_bytes(data)
    proc = _start([*_args("report", demo_dir, out), "--overwrite"], tmp_path)
    rc, err = _interrupt(proc, out, signal.SIGKILL, "1.5s")
    assert rc == -signal.SIGKILL, err
    _no_partial_output(out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_sweep_removes_only_dead_runs_temporaries(tmp_path):
    target = tmp_path / "out"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    stale_dir = tmp_path / f".out.{dead_pid}.0badc0de.tmp"
    (stale_dir / "inputs").mkdir(parents=True)
    stale_file = tmp_path / f".out.{dead_pid}.12345678.tmp.gpkg"
    stale_file.write_bytes(b"half")
    live = tmp_path / f".out.{os.getpid()}.abcdef01.tmp"  # this process: in use
    live.mkdir()
    other = tmp_path / ".out.notapid.abcdef01.tmp"  # not ours: left alone
    other.mkdir()
    removed = sweep_stale(target)
    assert sorted(p.name for p in removed) == sorted([stale_dir.name, stale_file.name])
    assert live.exists() and other.exists() and not stale_dir.exists() and not stale_file.exists()
