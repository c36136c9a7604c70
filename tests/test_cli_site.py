"""The ``site`` command: options are checked before any work; full runs need the readers."""

from __future__ import annotations

from typer.testing import CliRunner

from gis_planner.cli import app, main

runner = CliRunner()


def test_site_help_lists_options():
    res = runner.invoke(app, ["site", "--help"])
    assert res.exit_code == 0
    for opt in ("--network", "--model", "--per-subdistrict-min", "--overwrite", "--time-limit"):
        assert opt in res.output


def test_site_rejects_bad_model(tmp_path):
    args = [
        "site",
        "--network",
        str(tmp_path / "n.gpkg"),
        "--households",
        str(tmp_path / "h.gpkg"),
        "--candidates",
        str(tmp_path / "c.gpkg"),
        "--out",
        str(tmp_path / "o.gpkg"),
        "--model",
        "k-means",
        "--sites",
        "2",
    ]
    assert main(args) == 2


def test_site_refuses_to_overwrite(tmp_path):
    out = tmp_path / "o.gpkg"
    out.write_bytes(b"keep")
    args = [
        "site",
        "--network",
        str(tmp_path / "n.gpkg"),
        "--households",
        str(tmp_path / "h.gpkg"),
        "--candidates",
        str(tmp_path / "c.gpkg"),
        "--out",
        str(out),
        "--sites",
        "2",
    ]
    assert main(args) == 2
    assert out.read_bytes() == b"keep"
