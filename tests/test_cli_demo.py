"""``gis-planner report`` / ``demo`` exit codes: bad config names the key (exit 2), no overwrite."""

from __future__ import annotations

import shutil

from gis_planner.cli import main
from gis_planner.report import OUTPUT_FILES


def _copy_demo(demo_dir, tmp_path):
    folder = tmp_path / "plan"
    shutil.copytree(demo_dir, folder)
    return folder


def test_bad_config_key_exits_2_naming_it(demo_dir, tmp_path, capsys):
    folder = _copy_demo(demo_dir, tmp_path)
    cfg = folder / "plan.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("compounds = ", "compoundz = "),
                   encoding="utf-8")
    assert main(["report", "--config", str(cfg), "--out", str(tmp_path / "out")]) == 2
    assert "inputs.compoundz" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_missing_input_file_exits_2_naming_the_key(demo_dir, tmp_path, capsys):
    folder = _copy_demo(demo_dir, tmp_path)
    (folder / "gates.csv").unlink()
    assert main(["report", "--config", str(folder / "plan.toml"),
                 "--out", str(tmp_path / "out")]) == 2
    assert "inputs.gates" in capsys.readouterr().err


def test_report_in_english_then_refuses_to_overwrite(demo_dir, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["report", "--config", str(demo_dir / "plan.toml"), "--out", str(out), "--lang", "en"]
    assert main(args) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)
    assert "Key numbers" in (out / "report.md").read_text(encoding="utf-8")
    capsys.readouterr()
    stamp = (out / "report.html").stat().st_mtime_ns
    assert main(args) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "report.html").stat().st_mtime_ns == stamp
    assert main([*args, "--overwrite"]) == 0


def test_bad_language_exits_2(demo_dir, tmp_path):
    assert main(["report", "--config", str(demo_dir / "plan.toml"), "--out",
                 str(tmp_path / "o"), "--lang", "fr"]) == 2
