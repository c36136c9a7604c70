"""The command line guards its inputs and its console.

- No command writes over one of its inputs: an input lying where an output folder receives a
  file is refused up front, also with ``--overwrite`` (``elderly``, ``centres``, ``grids``, a
  partitioned ``reach``, ``convert`` into a folder, as ``report`` does).
- ``--out`` must name the format the command writes (``.gpkg``, ``.parquet``); an existing
  ``--out`` is one ``error:`` line, exit 2, for every command.
- Layers that cannot be what they claim (compounds in no community, an empty layer, points
  given as community polygons) are one ``error:`` line naming the file.
- Summaries show whole numbers with thousands separators and shares as percentages; an error
  or a warning printed while a progress bar is drawn starts on a line of its own.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import warnings
from fnmatch import fnmatch
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.affinity import translate

from gis_planner._errors import InputDataError
from gis_planner.cli import main

H = ("--coords", "wgs84", "--facility-coords", "gcj02")


def _network_args(demo: Path) -> list[str]:
    return ["--network", str(demo / "roads.geojson"), "--households", str(demo / "compounds.geojson"), *H]


def _one_error_line(err: str, *needles: str) -> str:
    """The single line of ``err``, an ``error:`` line without traceback or usage text."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------ inputs where an output goes
def _elderly(demo: Path, out: Path, facilities: Path) -> list[str]:
    return ["elderly", *_network_args(demo), "--facilities", str(facilities), "--out", str(out)]


def _centres(demo: Path, out: Path, facilities: Path, spaces: Path | None = None) -> list[str]:
    return ["centres", *_network_args(demo), "--facilities", str(facilities), "--spaces",
            str(spaces or demo / "spaces.csv"), "--sites", "2", "--out", str(out)]


@pytest.mark.parametrize(("command", "name"), [("elderly", "facility_audit.csv"),
                                               ("centres", "facility_audit.csv"),
                                               ("centres", "centres_spaces.csv")])
@pytest.mark.parametrize("overwrite", [False, True])
def test_an_input_where_the_output_folder_receives_a_file_is_refused(demo_dir, tmp_path, capsys, command, name,
                                                                     overwrite):
    out = tmp_path / "X"
    out.mkdir()
    source = demo_dir / ("spaces.csv" if name == "centres_spaces.csv" else "facilities.csv")
    given = out / name
    shutil.copyfile(source, given)
    before = _digest(given)
    if command == "elderly":
        args = _elderly(demo_dir, out, given)
    elif name == "facility_audit.csv":
        args = _centres(demo_dir, out, given)
    else:
        args = _centres(demo_dir, out, demo_dir / "facilities.csv", spaces=given)
    assert main([*args, *(["--overwrite"] if overwrite else [])]) == 2
    _one_error_line(capsys.readouterr().err, f"input {given}", f"lies where {out} receives an output",
                    "choose another --out")
    assert _digest(given) == before
    assert sorted(p.name for p in out.iterdir()) == [name]


def test_grids_and_partitioned_reach_refuse_an_input_where_they_write(demo_dir, tmp_path, capsys):
    out = tmp_path / "G"
    out.mkdir()
    comp = out / "grids.geojson"
    shutil.copyfile(demo_dir / "compounds.geojson", comp)
    assert main(["grids", "--communities", str(demo_dir / "communities.geojson"), "--compounds", str(comp),
                 "--coords", "wgs84", "--out", str(out), "--overwrite"]) == 2
    _one_error_line(capsys.readouterr().err, f"input {comp}", "receives an output")
    parts = tmp_path / "parts"
    parts.mkdir()
    fac = parts / "facility_audit.csv"
    shutil.copyfile(demo_dir / "facilities.csv", fac)
    assert main(["reach", *_network_args(demo_dir), "--facilities", str(fac), "--tile-m", "2000",
                 "--out", str(parts), "--overwrite"]) == 2
    _one_error_line(capsys.readouterr().err, f"input {fac}", "receives an output")
    assert _digest(fac) == _digest(demo_dir / "facilities.csv")


def test_check_output_folder_matches_names_and_patterns(tmp_path):
    from gis_planner.cli._common import check_output_folder

    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    kept = out / "sub" / "mine.csv"
    kept.write_text("x", encoding="utf-8")
    check_output_folder(out, ("elderly_*.csv", "sub2"), inputs=[kept, None], overwrite=False)
    with pytest.raises(InputDataError, match="lies where"):
        check_output_folder(out, ("elderly_*.csv", "sub"), inputs=[kept], overwrite=True)
    (out / "elderly_levels.csv").write_text("x", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"would overwrite elderly_levels\.csv"):
        check_output_folder(out, ("elderly_*.csv",), inputs=(), overwrite=False)
    check_output_folder(out, ("elderly_*.csv",), inputs=(), overwrite=True)


# ------------------------------------------------------------------------ --out formats
@pytest.mark.parametrize(("command", "name"), [("reach", "x.csv"), ("reach", "x.geojson"),
                                               ("communities", "x.csv"), ("site", "x.geojson")])
def test_an_out_in_another_format_is_refused_up_front(demo_dir, tmp_path, capsys, command, name):
    out = tmp_path / name
    if command == "reach":
        args = ["reach", *_network_args(demo_dir), "--facilities", str(demo_dir / "facilities.csv")]
    elif command == "communities":
        args = ["communities", "--communities", str(demo_dir / "communities.geojson"), "--compounds",
                str(demo_dir / "compounds.geojson"), "--coords", "wgs84"]
    else:
        args = ["site", *_network_args(demo_dir)[:4], "--coords", "wgs84", "--candidates",
                str(demo_dir / "candidates.csv"), "--sites", "1"]
    assert main([*args, "--out", str(out)]) == 2
    _one_error_line(capsys.readouterr().err, "--out", str(out), "GeoPackage", ".gpkg")
    assert list(tmp_path.iterdir()) == []


def test_convert_refuses_an_out_it_cannot_write_and_writes_nothing(demo_dir, tmp_path, capsys):
    out = tmp_path / "o" / "net.csv"
    assert main(["convert", "--kind", "network", str(demo_dir / "roads.geojson"), "--out", str(out)]) == 2
    _one_error_line(capsys.readouterr().err, "--out", str(out), ".parquet")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------- one line for an existing --out
def _existing_out_cases(demo: Path, tmp: Path) -> dict[str, tuple[list[str], Path]]:
    gpkg, folder, parquet = tmp / "r.gpkg", tmp / "folder", tmp / "n.parquet"
    return {
        "reach": (["reach", *_network_args(demo), "--facilities", str(demo / "facilities.csv"),
                   "--out", str(gpkg)], gpkg),
        "communities": (["communities", "--communities", str(demo / "communities.geojson"), "--compounds",
                         str(demo / "compounds.geojson"), "--coords", "wgs84", "--out", str(gpkg)], gpkg),
        "grids": (["grids", "--communities", str(demo / "communities.geojson"), "--compounds",
                   str(demo / "compounds.geojson"), "--coords", "wgs84", "--out", str(folder)], folder),
        "demo": (["demo", "--out", str(folder)], folder),
        "convert": (["convert", "--kind", "network", str(demo / "roads.geojson"), "--out", str(parquet)], parquet),
        "compare": (["compare", str(tmp / "a"), str(tmp / "b"), "--out", str(folder)], folder),
    }


@pytest.mark.parametrize("command", ["reach", "communities", "grids", "demo", "convert", "compare"])
def test_an_existing_out_is_one_error_line(demo_dir, tmp_path, capsys, command):
    args, target = _existing_out_cases(demo_dir, tmp_path)[command]
    if target.suffix:
        target.write_bytes(b"keep")
    else:
        written = {"grids": "grids.csv", "demo": "inputs/a.txt", "compare": "report.html"}[command]
        (target / written).parent.mkdir(parents=True)
        (target / written).write_bytes(b"keep")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Usage:" not in err and "Try " not in err
    _one_error_line(err, str(target), "--overwrite")


# ------------------------------------------------------------------- layers that cannot be right
def test_compounds_in_no_community_are_one_error_line(demo_dir, tmp_path, capsys):
    far = gpd.read_file(demo_dir / "compounds.geojson")
    far["geometry"] = far.geometry.map(lambda g: translate(g, xoff=-110.0))
    away = tmp_path / "compounds_far.geojson"
    far.to_file(away, driver="GeoJSON")
    out = tmp_path / "c.gpkg"
    assert main(["communities", "--coords", "wgs84", "--communities", str(demo_dir / "communities.geojson"),
                 "--compounds", str(away), "--out", str(out)]) == 2
    _one_error_line(capsys.readouterr().err, "compounds_far.geojson", "communities.geojson",
                    f"none of the {len(far)} compounds lies in any community")
    assert list(tmp_path.iterdir()) == [away]


@pytest.mark.parametrize("polygons", [True, False])
def test_counting_compounds_in_no_community_names_both_layers(polygons):
    import shapely

    from gis_planner.community import count_households_by_community

    com = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 100, 100)], index=["K1"], crs=32650)
    com.attrs["source"] = "communities.gpkg"
    shape = shapely.box(500, 500, 540, 540) if polygons else shapely.Point(520, 520)
    homes = gpd.GeoDataFrame({"households": [30]}, geometry=[shape], index=["A"], crs=32650)
    homes.attrs["source"] = "compounds.gpkg"
    with pytest.raises(InputDataError, match=r"compounds\.gpkg: none of the 1 compounds lies in any "
                                             r"community of communities\.gpkg"):
        count_households_by_community(homes, com, assign="area")


def _empty_layer(tmp: Path) -> Path:
    path = tmp / "nofeat.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}), encoding="utf-8")
    return path


def _points_of(demo: Path, name: str, tmp: Path) -> Path:
    layer = gpd.read_file(demo / name)
    layer["geometry"] = layer.geometry.representative_point()
    path = tmp / f"points_{name}"
    layer.to_file(path, driver="GeoJSON")
    return path


@pytest.mark.parametrize("case", ["empty communities", "point communities", "empty subdistricts",
                                  "point subdistricts", "template empty", "template points"])
def test_check_and_template_read_layers_like_every_command(demo_dir, tmp_path, capsys, case):
    bad = (_empty_layer(tmp_path) if "empty" in case else
           _points_of(demo_dir, "subdistricts.geojson" if "subdistricts" in case else "communities.geojson",
                      tmp_path))
    if case.startswith("template"):
        out = tmp_path / "t.xlsx"
        args = ["template", "--profile", "taizhou-2023", "--communities", str(bad), "--out", str(out)]
    else:
        out = tmp_path / "check.csv"
        layer = ["--communities", str(bad)] if "communities" in case else [
            "--communities", str(demo_dir / "communities.geojson"), "--subdistricts", str(bad)]
        args = ["check", "--profile", "taizhou-2023", *layer, "--out", str(out)]
    assert main(args) == 2
    expected = "the layer is empty" if "empty" in case else "expected Polygon or MultiPolygon"
    _one_error_line(capsys.readouterr().err, str(bad), expected)
    assert not out.exists()


# ------------------------------------------------------------------------------- site
def test_site_help_says_what_candidates_it_reads(capsys):
    assert main(["site", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "points or polygons" not in text
    assert "Candidate sites: points" in text


def test_site_without_a_category_names_what_the_sites_are_for(demo_dir, tmp_path, capsys):
    assert main(["site", *_network_args(demo_dir)[:4], "--coords", "wgs84", "--candidates",
                 str(demo_dir / "candidates.csv"), "--sites", "2", "--lang", "en",
                 "--out", str(tmp_path / "s.gpkg")]) == 0
    out = capsys.readouterr().out
    assert "2 sites chosen for new facilities within 15 min walk (mclp, " in out
    assert "for mclp" not in out


# ------------------------------------------------------------------------- summaries
def test_elderly_summary_formats_its_numbers(demo_dir, tmp_path, capsys):
    out = tmp_path / "E"
    assert main(_elderly(demo_dir, out, demo_dir / "facilities.csv")) == 0
    text = capsys.readouterr().out
    table = "\n".join(ln for ln in text.splitlines() if not ln.startswith(("note:", "siting:", "wrote ")))
    assert re.search(r"\b\d{1,3},\d{3}\b", table)  # persons with thousands separators
    assert re.search(r"\b\d+\.\d%", table)  # shares as percentages
    assert not re.search(r"\b\d{4,}\b|\b0\.\d{3}\b", table), table  # no 25378, no 0.078
    assert " 700 " in table and "700.0" not in table  # the limit of the 街道 centre, in whole metres
    # every file written is one the refusal of inputs knows about
    from gis_planner.cli.elderly import OUTPUT_FILES

    assert all(any(fnmatch(p.name, f) for f in OUTPUT_FILES) for p in out.iterdir())


def test_centres_without_a_chosen_space_says_so(demo_dir, tmp_path, capsys):
    out = tmp_path / "C"
    args = _centres(demo_dir, out, demo_dir / "facilities.csv")
    assert main([*args[:-4], "--budget", "0.0001", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Empty DataFrame" not in text and "Columns:" not in text
    assert f"no space chosen; {out / 'centres_spaces.csv'} gives each space's reason." in text


def test_centres_summary_formats_its_numbers(demo_dir, tmp_path, capsys):
    import pandas as pd

    from gis_planner.cli.centres import chosen_text

    spaces = pd.DataFrame({"排序": [1, 0], "空间编号": ["SP05", "SP01"], "名称": ["仓库", "商铺"],
                           "可用面积(m²)": [1450.0, 80.0], "功能组合": ["老年助餐点", ""],
                           "新增可达(户/人)": [20185.0, 0.0]})
    text = chosen_text(spaces, tmp_path)
    assert "1,450" in text and "20,185" in text and "SP01" not in text
    assert ".0" not in text


# ----------------------------------------------------------------------- progress bars
def _screen(err: str) -> list[str]:
    """What a terminal shows of ``err``: a carriage return goes back to the line's start."""
    shown = []
    for line in err.split("\n"):
        cells: list[str] = []
        col = 0
        for ch in line:
            if ch == "\r":
                col = 0
                continue
            if col < len(cells):
                cells[col] = ch
            else:
                cells.append(ch)
            col += 1
        shown.append("".join(cells).rstrip())
    return shown


def test_messages_during_a_progress_bar_start_on_their_own_line(demo_dir, tmp_path, capsys, monkeypatch):
    import gis_planner.cli.report as report_cli

    def stopped(*_args, **_kwargs):
        from tqdm.auto import tqdm

        steps = tqdm(total=8, desc="plan")
        steps.update(7)
        logging.getLogger("gis_planner.pipeline").warning("6 compounds lie farther than 250 m from any road")
        warnings.warn("a reader's warning", UserWarning, stacklevel=1)
        steps.refresh()
        raise InputDataError("build_neg.geojson: column 'households' has 1 negative values.")

    monkeypatch.setattr(report_cli, "run_report", stopped)
    assert main(["report", "--config", str(demo_dir / "plan.toml"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    shown = _screen(err)
    assert "error: build_neg.geojson: column 'households' has 1 negative values." in shown
    assert "warning: 6 compounds lie farther than 250 m from any road" in shown
    assert "warning: a reader's warning" in shown
    after = shown[shown.index("error: build_neg.geojson: column 'households' has 1 negative values."):]
    assert not any("plan:" in line for line in after), err  # the bar is not drawn again
