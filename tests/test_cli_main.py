"""The command-line frame: help, version, and the one-line error contract (exit code 2)."""

from __future__ import annotations

import subprocess
import sys

from gis_planner import __version__
from gis_planner.cli import COMMAND_MODULES, main


def test_help_lists_every_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in COMMAND_MODULES:
        assert name in out


def test_version(capsys):
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys):
    assert main(["no-such-command"]) == 2


def test_console_script_runs_as_module():
    proc = subprocess.run([sys.executable, "-m", "gis_planner", "--help"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0
    assert "gis-planner" in proc.stdout or "Usage" in proc.stdout


def test_ctrl_c_in_a_command_exits_130_with_one_line(demo_dir, tmp_path, monkeypatch, capsys):
    """Ctrl-C inside a command: exit code 130 and one line, however Typer passes the interrupt on
    (it raises in some versions and returns the code in others)."""
    import gis_planner.cli.report as report_cli

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report_cli, "_run_and_write", interrupted)
    out = tmp_path / "out"
    assert main(["report", "--config", str(demo_dir / "plan.toml"), "--out", str(out)]) == 130
    assert capsys.readouterr().err.strip().endswith("Interrupted; no partial output was kept.")
    assert not out.exists()


def test_pad_counts_chinese_characters_as_two_columns():
    from gis_planner.cli._common import pad

    assert pad("幼儿园", 10) == "幼儿园    "
    assert pad("生鲜超市/菜店", 16) == "生鲜超市/菜店   "
    assert pad("Laundry", 10) == "Laundry   "
    assert pad("很长的名字", 4) == "很长的名字"  # never cut
