"""Outputs are written whole or not at all, and the places they go are checked before any work.

- ``--overwrite`` replaces an output set (a report folder; the GeoPackage and CSV files of
  ``reach``) whole or leaves it byte for byte as it was, when the swap fails: a rename refused,
  an immutable file, a read-only folder, a disk that fills up; the user gets one line, exit 2.
- Refused up front, before the inputs are read: an empty ``--out``, a dangling symbolic link,
  two outputs resolving to one path, an output that is an input, a folder that cannot be
  written, a folder where a file should be.
- A plan file cannot name a Dask scheduler (a connection); workers are capped by the CPUs and
  each local worker has a memory limit.

Failures are injected by monkeypatching the operation that fails (a rename, a write), by
``chattr +i`` where the filesystem and the user allow it, and by ``chmod`` for other users.
"""

from __future__ import annotations

import errno
import os
import pathlib
import shutil
import subprocess
from pathlib import Path

import pytest

from gis_planner import _fs
from gis_planner._errors import InputDataError
from gis_planner._fs import OutputError, atomic_dir, atomic_files
from gis_planner.cli import main


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (also hidden ones) with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _one_error_line(err: str, *needles: str) -> str:
    """The single ``error:`` line of ``err`` (no traceback), containing every needle."""
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


def _no_temporaries(folder: Path) -> None:
    left = [p.name for p in folder.iterdir() if p.name.startswith(".")]
    assert left == [], left


def _report_args(demo_dir: Path, out: Path, *extra: str) -> list[str]:
    return ["report", "--config", str(demo_dir / "plan.toml"), "--out", str(out), *extra]


def _reach_args(demo_dir: Path, out: Path, *extra: str) -> list[str]:
    return ["reach", "--network", str(demo_dir / "roads.geojson"), "--households",
            str(demo_dir / "compounds.geojson"), "--facilities", str(demo_dir / "facilities.csv"),
            "--coords", "wgs84", "--facility-coords", "gcj02", "--no-service-areas", "--out", str(out), *extra]


@pytest.fixture(scope="module")
def earlier_report(demo_dir, tmp_path_factory) -> Path:
    """A complete report of the demo plan, made once; tests copy it."""
    out = tmp_path_factory.mktemp("earlier") / "out"
    assert main(_report_args(demo_dir, out)) == 0
    return out


@pytest.fixture(scope="module")
def earlier_reach(demo_dir, tmp_path_factory) -> Path:
    """A complete ``reach`` output (GeoPackage + summary CSV) of the demo town, made once."""
    out = tmp_path_factory.mktemp("earlier_reach") / "reach.gpkg"
    assert main(_reach_args(demo_dir, out)) == 0
    return out


@pytest.fixture
def report_out(earlier_report, tmp_path) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path / "out"
    shutil.copytree(earlier_report, out)
    return out, _snapshot(out)


@pytest.fixture
def reach_out(earlier_reach, tmp_path) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path / "reach.gpkg"
    for f in (earlier_reach, earlier_reach.with_name("reach_summary.csv")):
        shutil.copy2(f, tmp_path / f.name)
    return out, {p.name: p.read_bytes() for p in (out, out.with_name("reach_summary.csv"))}


@pytest.fixture
def no_analysis(monkeypatch):
    """Fail the test if a command starts reading its inputs (the refusal must come first)."""
    import gis_planner.io
    import gis_planner.pipeline

    def forbidden(*_a, **_k):
        raise AssertionError("the analysis started before the output was checked")

    monkeypatch.setattr(gis_planner.pipeline, "load_plan_inputs", forbidden)
    monkeypatch.setattr(gis_planner.pipeline, "read_plan_config", forbidden)
    monkeypatch.setattr(gis_planner.io, "read_network", forbidden)


def _chattr(flag: str, path: Path) -> bool:
    """``chattr flag path``; False where the tool, the filesystem or the user do not allow it."""
    if shutil.which("chattr") is None:
        return False
    done = subprocess.run(["chattr", flag, str(path)], capture_output=True, check=False)
    return done.returncode == 0


@pytest.fixture
def immutable():
    """Make paths immutable (``chattr +i``), undone after the test; skips where impossible."""
    made: list[Path] = []

    def make(path: Path) -> None:
        if not _chattr("+i", path):
            pytest.skip("chattr +i is not available here (tool, filesystem or permissions)")
        made.append(path)

    yield make
    for p in made:
        _chattr("-i", p)


@pytest.fixture
def read_only_dir(tmp_path, immutable):
    """A folder nothing can be created in: immutable for root (chmod does not stop root), mode
    0555 for other users."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() == 0:
        immutable(folder)
        yield folder
        return
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


# --- refused up front -------------------------------------------------------------------------

COMMANDS = {
    "demo": ["demo"],
    "report": ["report", "--config", "plan.toml"],
    "reach": ["reach", "--network", "r.gpkg", "--households", "h.gpkg", "--facilities", "f.csv"],
    "site": ["site", "--network", "r.gpkg", "--households", "h.gpkg", "--candidates", "c.csv"],
    "communities": ["communities", "--communities", "c.gpkg", "--compounds", "h.gpkg"],
    "check": ["check", "--profile", "taizhou-2023"],
    "template": ["template", "--profile", "taizhou-2023"],
    "convert": ["convert", "r.gpkg", "--kind", "network"],
}


@pytest.mark.parametrize("form", ["separate", "equals", "blank"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_empty_out_is_refused(command, form, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an empty path would mean this folder
    out = {"separate": ["--out", ""], "equals": ["--out="], "blank": ["--out", "  "]}[form]
    assert main([*COMMANDS[command], *out]) == 2
    _one_error_line(capsys.readouterr().err, "--out is empty")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["demo", "report", "reach", "template"])
def test_a_dangling_symlink_out_is_refused(demo_dir, tmp_path, capsys, command, no_analysis):
    link = tmp_path / ("out.xlsx" if command == "template" else "out.gpkg" if command == "reach" else "out")
    link.symlink_to(tmp_path / "elsewhere" / "target")
    args = {"demo": ["demo", "--out", str(link)],
            "report": _report_args(demo_dir, link),
            "reach": _reach_args(demo_dir, link),
            "template": ["template", "--profile", "taizhou-2023", "--out", str(link)]}[command]
    assert main(args) == 2
    _one_error_line(capsys.readouterr().err, "dangling symbolic link", str(link))
    assert sorted(p.name for p in tmp_path.iterdir()) == [link.name]
    assert not (tmp_path / "elsewhere").exists()


def test_site_out_with_the_csv_suffix_is_refused(demo_dir, tmp_path, capsys, no_analysis):
    """``site`` writes OUT and OUT with the suffix .csv: ``--out x.csv`` makes them one file."""
    out = tmp_path / "x.csv"
    args = ["site", "--network", str(demo_dir / "roads.geojson"), "--households",
            str(demo_dir / "compounds.geojson"), "--candidates", str(demo_dir / "candidates.csv"),
            "--category", "wet_market", "--sites", "1", "--coords", "wgs84", "--out", str(out)]
    assert main(args) == 2
    _one_error_line(capsys.readouterr().err, "same file", "x.csv")
    assert list(tmp_path.iterdir()) == []


def test_an_out_that_is_an_input_is_refused(tmp_path, capsys):
    comm = tmp_path / "communities.xlsx"
    comm.write_bytes(b"not touched")
    assert main(["template", "--profile", "taizhou-2023", "--communities", str(comm), "--out", str(comm),
                 "--overwrite"]) == 2
    _one_error_line(capsys.readouterr().err, "is the input")
    assert comm.read_bytes() == b"not touched"


def test_a_plan_input_where_the_report_goes_is_refused(demo_dir, tmp_path, capsys):
    """``report --overwrite`` must not replace a file the plan reads: a plan kept in OUT whose
    compounds file has the name of one of the report's outputs is refused."""
    out = tmp_path / "out"
    shutil.copytree(demo_dir, out)
    plan = out / "plan.toml"
    (out / "report.md").write_bytes((out / "compounds.geojson").read_bytes())
    plan.write_text(plan.read_text(encoding="utf-8").replace('"compounds.geojson"', '"report.md"'),
                    encoding="utf-8")
    before = _snapshot(out)
    assert main(["report", "--config", str(plan), "--out", str(out), "--overwrite"]) == 2
    _one_error_line(capsys.readouterr().err, "report.md", "choose another --out")
    assert _snapshot(out) == before


@pytest.mark.parametrize("command", ["demo", "report"])
def test_the_current_folder_as_out_is_refused(demo_dir, tmp_path, capsys, monkeypatch, command, no_analysis):
    """An output folder is replaced as a whole: never the folder the user works in (or above it)."""
    work = tmp_path / "work"
    (work / "data").mkdir(parents=True)
    (work / "data" / "notes.txt").write_text("keep", encoding="utf-8")
    monkeypatch.chdir(work / "data")
    for out in (".", ".."):
        args = ["demo", "--out", out] if command == "demo" else _report_args(demo_dir, Path(out))
        assert main([*args, "--overwrite"]) == 2
        _one_error_line(capsys.readouterr().err, "current folder", "choose a folder of its own")
    assert _snapshot(work) == {"data/notes.txt": b"keep"}


def test_an_unwritable_out_is_refused_before_the_analysis(demo_dir, read_only_dir, capsys, no_analysis):
    assert main(_reach_args(demo_dir, read_only_dir / "reach.gpkg")) == 2
    _one_error_line(capsys.readouterr().err, "cannot write", "reach.gpkg")
    assert main(_report_args(demo_dir, read_only_dir / "sub" / "out")) == 2
    _one_error_line(capsys.readouterr().err, "cannot write")
    assert list(read_only_dir.iterdir()) == []


def test_a_read_only_filesystem_is_refused_before_the_analysis(demo_dir, tmp_path, capsys, monkeypatch,
                                                                no_analysis):
    real_open = os.open

    def read_only(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and Path(path).parent == tmp_path:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    assert main(_reach_args(demo_dir, tmp_path / "reach.gpkg")) == 2
    _one_error_line(capsys.readouterr().err, "cannot write", "Read-only file system")
    assert list(tmp_path.iterdir()) == []


def test_a_folder_where_a_file_should_be_is_refused_before_the_analysis(demo_dir, tmp_path, capsys,
                                                                         no_analysis):
    (tmp_path / "reach_summary.csv").mkdir()
    assert main(_reach_args(demo_dir, tmp_path / "reach.gpkg", "--overwrite")) == 2
    _one_error_line(capsys.readouterr().err, "reach_summary.csv", "is a folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reach_summary.csv"]


def test_an_immutable_output_is_refused_before_the_analysis(report_out, immutable, capsys, demo_dir,
                                                           no_analysis):
    out, before = report_out
    immutable(out / "report.md")
    assert main(_report_args(demo_dir, out, "--overwrite")) == 2
    _one_error_line(capsys.readouterr().err, "report.md", "immutable")
    _chattr("-i", out / "report.md")
    assert _snapshot(out) == before
    _no_temporaries(out.parent)


# --- failures while replacing: the earlier outputs stay, byte for byte ----------------------------


def _fail_rename(monkeypatch, when, error: int) -> None:
    """Make ``Path.rename(self, dest)`` raise ``error`` when ``when(self, dest)``."""
    real = pathlib.Path.rename

    def rename(self, dest):
        if when(Path(self), Path(dest)):
            raise OSError(error, os.strerror(error), str(self))
        return real(self, dest)

    monkeypatch.setattr(pathlib.Path, "rename", rename)


@pytest.mark.parametrize("step", ["new-in", "old-aside"])
def test_report_overwrite_that_cannot_swap_keeps_the_earlier_report(report_out, demo_dir, capsys,
                                                                   monkeypatch, step):
    out, before = report_out
    if step == "new-in":  # the new folder cannot take the name (a locked folder, EBUSY/EPERM)
        _fail_rename(monkeypatch, lambda s, d: d == out and s.name.endswith(".tmp"), errno.EPERM)
    else:  # the old folder cannot be moved aside
        _fail_rename(monkeypatch, lambda s, d: s == out, errno.EBUSY)
    assert main(_report_args(demo_dir, out, "--overwrite")) == 2
    _one_error_line(capsys.readouterr().err, "cannot write", "the previous outputs are unchanged")
    assert _snapshot(out) == before
    _no_temporaries(out.parent)


def test_report_overwrite_on_a_full_disk_keeps_the_earlier_report(report_out, demo_dir, capsys,
                                                                 monkeypatch):
    import gis_planner.report.render

    def disk_full(_report, path, **_kw):
        Path(path).write_bytes(b"PK half a workbook")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    out, before = report_out
    monkeypatch.setattr(gis_planner.report.render, "write_docx", disk_full)
    assert main(_report_args(demo_dir, out, "--overwrite")) == 2
    _one_error_line(capsys.readouterr().err, "No space left on device")
    assert _snapshot(out) == before
    _no_temporaries(out.parent)


def test_report_overwrite_with_a_file_made_immutable_meanwhile(report_out, demo_dir, capsys, monkeypatch,
                                                              immutable):
    """The file turns immutable after the up-front check (another user, a backup tool): the swap
    checks again and refuses before moving anything."""
    import gis_planner.pipeline

    out, before = report_out
    real = gis_planner.pipeline.load_plan_inputs

    def lock_then_load(cfg):
        immutable(out / "map.html")
        return real(cfg)

    monkeypatch.setattr(gis_planner.pipeline, "load_plan_inputs", lock_then_load)
    assert main(_report_args(demo_dir, out, "--overwrite")) == 2
    _one_error_line(capsys.readouterr().err, "map.html", "immutable")
    _chattr("-i", out / "map.html")
    assert _snapshot(out) == before
    _no_temporaries(out.parent)


def test_report_overwrite_replaces_the_set_whole_and_keeps_other_files(report_out, demo_dir):
    out, before = report_out
    (out / "notes.txt").write_text("the planner's own notes", encoding="utf-8")
    (out / "report.md").write_text("an edited copy that the new run replaces", encoding="utf-8")
    assert main(_report_args(demo_dir, out, "--overwrite")) == 0
    after = _snapshot(out)
    assert after["notes.txt"] == b"the planner's own notes"
    assert set(after) == {*before, "notes.txt"}
    assert after["report.md"] == before["report.md"]  # the same plan gives the same report
    _no_temporaries(out.parent)


@pytest.mark.parametrize("failure", ["second-rename", "disk-full"])
def test_reach_overwrite_replaces_both_files_or_neither(reach_out, demo_dir, capsys, monkeypatch, failure):
    out, before = reach_out
    summary = out.with_name("reach_summary.csv")
    if failure == "second-rename":  # the GeoPackage is already replaced when the CSV fails
        real = pathlib.Path.replace

        def replace(self, dest):
            if Path(dest) == summary:
                raise OSError(errno.EPERM, os.strerror(errno.EPERM), str(dest))
            return real(self, dest)

        monkeypatch.setattr(pathlib.Path, "replace", replace)
    else:
        import gis_planner.io.write

        def disk_full(path, *_a, **_k):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

        monkeypatch.setattr(gis_planner.io.write, "write_table", disk_full)
    assert main(_reach_args(demo_dir, out, "--minutes", "5,10", "--overwrite")) == 2
    _one_error_line(capsys.readouterr().err, "cannot write")
    assert {p.name: p.read_bytes() for p in (out, summary)} == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["reach.gpkg", "reach_summary.csv"]


def test_atomic_files_roll_back_every_file(tmp_path, monkeypatch):
    a, b, c = (tmp_path / n for n in ("a.gpkg", "a_table.csv", "a_changes.csv"))
    a.write_text("old a", encoding="utf-8")
    b.write_text("old b", encoding="utf-8")  # c does not exist yet
    real = pathlib.Path.replace

    def replace(self, dest):
        if Path(dest) == c:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dest))
        return real(self, dest)

    monkeypatch.setattr(pathlib.Path, "replace", replace)
    with pytest.raises(OutputError, match=r"No space left.*previous outputs are unchanged"), \
            atomic_files([a, b, c]) as tmps:
        for t in tmps:
            t.write_text("new", encoding="utf-8")
    assert a.read_text(encoding="utf-8") == "old a" and b.read_text(encoding="utf-8") == "old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gpkg", "a_table.csv"]
    with pytest.raises(InputDataError, match="same file"), atomic_files([a, tmp_path / "." / "a.gpkg"]):
        pass


def test_atomic_files_without_hard_links(tmp_path, monkeypatch):
    """On a filesystem without hard links (FAT, some network shares) the backups are copies."""
    a, b = tmp_path / "a.gpkg", tmp_path / "a.csv"
    a.write_text("old a", encoding="utf-8")
    b.write_text("old b", encoding="utf-8")

    def no_links(*_a, **_k):
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "link", no_links)
    with atomic_files([a, b]) as (ta, tb):
        ta.write_text("new a", encoding="utf-8")
        tb.write_text("new b", encoding="utf-8")
    assert (a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")) == ("new a", "new b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "a.gpkg"]


def test_atomic_dir_swap_puts_the_old_folder_back(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_text("old", encoding="utf-8")
    _fail_rename(monkeypatch, lambda s, d: d == out and s.name.endswith(".tmp"), errno.EXDEV)
    with pytest.raises(OutputError, match="previous outputs are unchanged"), \
            atomic_dir(out, overwrite=True) as tmp:
        (tmp / "a.txt").write_text("new", encoding="utf-8")
    assert _snapshot(out) == {"a.txt": b"old"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_atomic_dir_through_a_symlink_replaces_the_folder_it_names(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.txt").write_text("old", encoding="utf-8")
    link = tmp_path / "link"
    link.symlink_to(real)
    with atomic_dir(link, overwrite=True) as tmp:
        (tmp / "a.txt").write_text("new", encoding="utf-8")
    assert link.is_symlink() and (real / "a.txt").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]


def test_a_signal_during_the_swap_waits_for_it(tmp_path, monkeypatch):
    """A signal handler that defers (as the CLI's does) lands after the renames, never between."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_text("old", encoding="utf-8")
    real = pathlib.Path.rename

    def rename_and_signal(self, dest):
        assert _fs.defer(KeyboardInterrupt())  # what the handler does when a signal arrives
        return real(self, dest)

    monkeypatch.setattr(pathlib.Path, "rename", rename_and_signal)
    _fs.committed.clear()
    with pytest.raises(KeyboardInterrupt), atomic_dir(out, overwrite=True) as tmp:
        (tmp / "a.txt").write_text("new", encoding="utf-8")
    assert _snapshot(out) == {"a.txt": b"new"}
    assert _fs.committed == [out]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert not _fs.defer(KeyboardInterrupt())  # outside the swap a signal acts at once


# --- the plan file cannot open connections; worker limits ---------------------------------------


def test_a_plan_cannot_name_a_scheduler(demo_dir, tmp_path, capsys):
    text = (demo_dir / "plan.toml").read_text(encoding="utf-8")
    for f in demo_dir.iterdir():
        text = text.replace(f'"{f.name}"', f'"{f.as_posix()}"')
    plan = tmp_path / "plan.toml"
    plan.write_text(text + '\n[partition]\ntile_m = 2000\nscheduler = "tcp://198.51.100.7:8786"\n',
                    encoding="utf-8")
    assert main(["report", "--config", str(plan), "--out", str(tmp_path / "out")]) == 2
    _one_error_line(capsys.readouterr().err, "partition.scheduler", "--scheduler")
    assert not (tmp_path / "out").exists()


def test_local_workers_are_capped_and_memory_limited(caplog):
    pytest.importorskip("dask.distributed")
    from distributed.system import MEMORY_LIMIT

    from gis_planner.partition.run import WORKER_MEMORY_SHARE, connect, usable_cpus

    cpus = usable_cpus()
    with caplog.at_level("WARNING", logger="gis_planner.partition.run"):
        client, cluster = connect(n_workers=cpus + 3)
    try:
        workers = client.scheduler_info()["workers"].values()
        assert len(workers) == cpus
        assert {w["memory_limit"] for w in workers} == {int(MEMORY_LIMIT * WORKER_MEMORY_SHARE / cpus)}
        assert f"{cpus + 3} workers asked for but {cpus} CPUs usable" in caplog.text
        scratch = cluster.scratch
        assert scratch.is_dir()
    finally:
        client.close()
        cluster.close()
    assert not scratch.exists()
    with pytest.raises(InputDataError, match="memory_share"):
        connect(n_workers=1, memory_share=1.5)
