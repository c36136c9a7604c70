"""Interrupted runs: SIGINT, SIGTERM and SIGKILL part-way through ``report`` and ``demo`` leave no
partial file in the output folder, and the next run succeeds (and removes what a killed run left
beside it).

The commands run in a subprocess (``python -m gis_planner -v``). The test never guesses timing:
it reads the run's log from the pipe and sends the signal on an event the run prints, either
``start`` (its first log line: the run is reading its inputs) or ``writing`` (the line
``INFO gis_planner._fs: writing OUT (in .OUT.<pid>.<random>.tmp until complete)``, printed when
the output folder's temporary exists and the reports are being written into it).
"""

from __future__ import annotations

import fcntl
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from gis_planner._fs import run_lock, sweep_stale
from gis_planner.report import OUTPUT_FILES

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")

#: Generous bound for a run to reach an event on a loaded machine; never a synchronisation.
START_TIMEOUT_S = 300.0
EVENTS = {
    "start": re.compile(r"^(INFO|DEBUG|WARNING) "),
    "writing": re.compile(r"^INFO gis_planner\._fs: writing \S*out \(in \.out\.\d+\.[0-9a-f]{8}\.tmp "),
    "dask": re.compile(r"^INFO gis_planner\.partition\.run: local Dask cluster: .* scratch (\S+)$"),
}
EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Run:
    """A ``gis-planner -v`` subprocess whose stderr is read line by line on a thread."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "gis_planner", "-v", *args], cwd=cwd, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._done = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._done = True
            self._cond.notify_all()

    def wait_for(self, event: str) -> re.Match[str]:
        """Block until the run prints the line of ``event``; fail if it ends first."""
        pattern = EVENTS[event]
        seen = 0
        with self._cond:
            while True:
                for line in self.lines[seen:]:
                    if m := pattern.search(line):
                        return m
                seen = len(self.lines)
                assert not self._done, f"the run ended before {event!r}:\n" + "\n".join(self.lines)
                assert self._cond.wait(timeout=START_TIMEOUT_S), f"no {event!r} line"

    def finish(self) -> tuple[int, str]:
        rc = self.proc.wait(timeout=START_TIMEOUT_S)
        self._reader.join(timeout=START_TIMEOUT_S)
        return rc, "\n".join(self.lines)


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


def _complete_or_nothing(tmp_path: Path, out: Path, command: str, sig: int, rc: int, err: str) -> None:
    """The contract after a signal: the whole output set, or nothing at all."""
    if rc in (0, -sig):
        # the signal came after the run had finished its work (exit 0) or while the interpreter
        # was shutting down, after the handlers were given back (killed by it): all is there
        assert out.is_dir(), f"exit {rc} without {out}:\n{err[-3000:]}"
        _complete_output(out, command)
    elif "those outputs are complete" in err:
        # the signal came during or after the final rename, which it does not split
        assert rc == EXIT[sig], err
        assert out.is_dir(), f"exit {rc} without {out}:\n{err[-3000:]}"
        _complete_output(out, command)
    else:
        assert rc == EXIT[sig], err
        assert "Interrupted; no partial output was kept." in err
        assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] in ([], ["out"]), "no temporary is left"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
@pytest.mark.parametrize("command", ["report", "demo"])
@pytest.mark.parametrize("when", ["start", "writing"])
def test_sigint_leaves_nothing(demo_dir, tmp_path, command, when, sig):
    """SIGINT (Ctrl-C) and SIGTERM (kill, a scheduler stopping a job) stop the run cleanly."""
    out = tmp_path / "out"
    run = Run(_args(command, demo_dir, out), tmp_path)
    run.wait_for(when)
    run.proc.send_signal(sig)
    rc, err = run.finish()
    _complete_or_nothing(tmp_path, out, command, sig, rc, err)
    assert "Traceback" not in err


def test_sigterm_during_a_partitioned_report_removes_the_dask_scratch(demo_dir, tmp_path):
    pytest.importorskip("dask.distributed")
    out = tmp_path / "out"
    run = Run([*_args("report", demo_dir, out), "--tile-m", "1500", "--workers", "1"], tmp_path)
    scratch = Path(run.wait_for("dask").group(1))
    assert scratch.is_dir()
    run.proc.send_signal(signal.SIGTERM)
    rc, err = run.finish()
    _complete_or_nothing(tmp_path, out, "report", signal.SIGTERM, rc, err)
    assert not scratch.exists(), "the workers' scratch folder is removed"


@pytest.mark.parametrize("command", ["report", "demo"])
def test_sigkill_while_writing_then_next_run(demo_dir, tmp_path, command):
    out = tmp_path / "out"
    run = Run(_args(command, demo_dir, out), tmp_path)
    run.wait_for("writing")
    run.proc.kill()
    rc, _ = run.finish()
    if rc == 0:  # pragma: no cover - the run finished before the kill landed
        _complete_output(out, command)
        return
    assert rc == -signal.SIGKILL
    # a killed process cannot clean up: its temporaries stay, but beside OUT, never inside it
    assert not out.exists()
    left = [p.name for p in tmp_path.iterdir()]
    assert left and all(n.startswith(f".{out.name}.") for n in left), left
    assert any(n.endswith(".lock") for n in left), left
    # the next run writes everything and removes the dead run's temporaries (their lock is free)
    done = subprocess.run([sys.executable, "-m", "gis_planner", *_args(command, demo_dir, out)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=START_TIMEOUT_S)
    assert done.returncode == 0, done.stderr
    _complete_output(out, command)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_sigkill_while_writing_over_an_earlier_run(demo_dir, tmp_path):
    """--overwrite into a folder holding an earlier run: killed part-way, the earlier files stay."""
    out = tmp_path / "out"
    out.mkdir()
    before = {name: f"earlier {name}".encode() for name in OUTPUT_FILES}
    for name, data in before.items():
        (out / name).write_bytes(data)
    run = Run([*_args("report", demo_dir, out), "--overwrite"], tmp_path)
    run.wait_for("writing")
    run.proc.kill()
    rc, err = run.finish()
    if rc == 0:  # pragma: no cover - finished before the kill landed: the new set, whole
        _complete_output(out, "report")
        return
    assert rc == -signal.SIGKILL, err
    _no_partial_output(out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def _holder(lock: Path) -> subprocess.Popen:
    """Another process (think: another container or host) holding ``lock``; returns once it does."""
    code = ("import fcntl, os, sys\n"
            f"fd = os.open({str(lock)!r}, os.O_RDWR)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_sweep_removes_only_temporaries_whose_lock_is_free(tmp_path):
    target = tmp_path / "out"
    dead = _dead_pid()
    # a run killed outright: temporaries and an unheld lock file
    stale_dir = tmp_path / f".out.{dead}.0badc0de.tmp"
    (stale_dir / "inputs").mkdir(parents=True)
    stale_file = tmp_path / f".out.{dead}.0badc0de.tmp.gpkg"
    stale_file.write_bytes(b"half")
    stale_lock = tmp_path / f".out.{dead}.0badc0de.lock"
    stale_lock.touch()
    # a live run in another PID namespace or on another host: its PID means nothing here
    # (it is even the PID of a dead process), but it holds its lock
    foreign = tmp_path / f".out.{dead}.abcdef01.tmp"
    foreign.mkdir()
    foreign_lock = tmp_path / f".out.{dead}.abcdef01.lock"
    foreign_lock.touch()
    holder = _holder(foreign_lock)
    # no lock file at all: not ours to judge
    orphan = tmp_path / f".out.{dead}.12345678.tmp"
    orphan.mkdir()
    other = tmp_path / ".out.notapid.abcdef01.tmp"
    other.mkdir()
    try:
        with run_lock(target) as token:  # this process, live
            mine = tmp_path / f".out.{token}.tmp"
            mine.mkdir()
            removed = sweep_stale(target)
            assert mine.exists()
            mine.rmdir()
        assert sorted(p.name for p in removed) == sorted([stale_dir.name, stale_file.name, stale_lock.name])
        assert foreign.exists() and foreign_lock.exists() and orphan.exists() and other.exists()
    finally:
        holder.communicate("")
    # the foreign run ended (killed: its lock is released, its files stay): now they go
    assert sorted(p.name for p in sweep_stale(target)) == sorted([foreign.name, foreign_lock.name])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([orphan.name, other.name])


def test_sweep_puts_back_a_folder_a_run_died_swapping(tmp_path):
    """Killed between moving the old folder aside and renaming the new one in: the old one
    comes back on the next write."""
    target = tmp_path / "out"
    dead = _dead_pid()
    backup = tmp_path / f".out.{dead}.0badc0de.bak"
    backup.mkdir()
    (backup / "report.md").write_text("earlier", encoding="utf-8")
    (tmp_path / f".out.{dead}.0badc0de.tmp").mkdir()  # the new set, never renamed in
    (tmp_path / f".out.{dead}.0badc0de.lock").touch()
    sweep_stale(target)
    assert (target / "report.md").read_text(encoding="utf-8") == "earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_sweeper_never_takes_a_lock_being_created(tmp_path):
    """The lock file is created and locked in two steps; a sweep in between cannot make the
    new run work without a lock (it retries with a new name)."""
    target = tmp_path / "out"
    real_flock = fcntl.flock
    calls = {"n": 0}

    def sweep_first(fd, op):
        calls["n"] += 1
        if calls["n"] == 1:  # a sweeper wins the race on the brand-new file and removes it
            assert sweep_stale(target)
        return real_flock(fd, op)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fcntl, "flock", sweep_first)
        with run_lock(target) as token:
            lock = tmp_path / f".out.{token}.lock"
            assert lock.exists()
            mp.setattr(fcntl, "flock", real_flock)
            assert sweep_stale(target) == []
            assert lock.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_an_interrupt_escaping_main_still_ends_with_the_signals_code(monkeypatch, sig, code):
    """The script's guard: a KeyboardInterrupt raised after main handled the signal gives
    130/143, never the interpreter's own death by SIGINT (exit status -2)."""
    from gis_planner import cli

    def late_interrupt(argv=None):
        cli._state["signal"] = sig
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "main", late_interrupt)
    try:
        assert cli.run() == code
    finally:
        cli._state["signal"] = None


#: ``python -m`` entry that runs the real ``cli.run()`` with the Typer app replaced by BODY.
_FAKE_ENTRY = '''
import signal, sys
from gis_planner import cli

class Finaliser:
    def __del__(self):
        signal.raise_signal(signal.{sig})  # the handler's KeyboardInterrupt cannot leave __del__

def fake_app(**_kwargs):
{body}
    return 0

cli.app = fake_app
sys.exit(cli.run())
'''


def _run_fake_entry(tmp_path: Path, sig: signal.Signals, body: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "fake_entry.py").write_text(_FAKE_ENTRY.format(sig=sig.name, body=body), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "fake_entry"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=START_TIMEOUT_S)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])
def test_a_signal_inside_a_string_exec_still_ends_with_the_signals_code(tmp_path, sig):
    """A signal landing in code a library built with ``exec(text)`` (``dataclasses`` does, while
    modules are imported): CPython records that interrupt as unhandled even though ``main``
    handles it, and under ``python -m`` would end the process with SIGINT (status −2)."""
    body = f'    exec("import signal; signal.raise_signal(signal.{sig.name})", {{}})'
    done = _run_fake_entry(tmp_path, sig, body)
    assert (done.returncode, done.stderr) == (EXIT[sig], "Interrupted; no partial output was kept.\n")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])
def test_a_signal_inside_a_finaliser_is_not_lost(tmp_path, sig):
    """A signal landing in a ``__del__`` (or a weakref callback): Python cannot raise there and
    would print "Exception ignored …" with a traceback, then end with 0 as if no signal had come.
    The run goes on to its end and then ends with the signal's code, without a traceback."""
    body = "    Finaliser()\n    print('the run went on', file=sys.stderr)"
    done = _run_fake_entry(tmp_path, sig, body)
    assert (done.returncode, done.stderr) == (EXIT[sig], "the run went on\nInterrupted; no partial output was kept.\n")
