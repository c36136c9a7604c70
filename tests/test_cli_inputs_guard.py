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


def _without_warnings(err: str) -> str:
    """``err`` without the run's warning lines (``warning: …``, ``警告: …``)."""
    return "\n".join(ln for ln in err.splitlines() if not ln.startswith(("warning: ", "警告: ")))


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


# ------------------------------------------------------------- ids repeated across a store
def test_convert_refuses_ids_repeated_across_its_sources(demo_dir, tmp_path, capsys):
    src = str(demo_dir / "compounds.geojson")
    out = tmp_path / "parts"
    assert main(["convert", "--kind", "compounds", src, src, "--coords", "wgs84", "--metric-crs", "32650",
                 "--out", str(out)]) == 2
    _one_error_line(capsys.readouterr().err, f"{src} and {src} (the same file given twice)",
                    "144 compound_id values occur in both (C001, C002", "unique ids")
    assert not out.exists()


def _store_with_repeated_ids(demo: Path, tmp: Path) -> tuple[Path, Path, Path]:
    """The demo's network and facilities as store files, and its compounds as a folder of two
    parts holding the same compounds (as a conversion of one file twice once wrote it)."""
    from gis_planner.partition.store import write_parquet

    net = tmp / "net.parquet"
    fac = tmp / "fac.parquet"
    assert main(["convert", "--kind", "network", str(demo / "roads.geojson"), "--out", str(net)]) == 0
    assert main(["convert", "--kind", "facilities", str(demo / "facilities.csv"), "--coords", "gcj02",
                 "--metric-crs", str(net), "--out", str(fac)]) == 0
    one = tmp / "one.parquet"
    assert main(["convert", "--kind", "compounds", str(demo / "compounds.geojson"), "--coords", "wgs84",
                 "--metric-crs", str(net), "--out", str(one)]) == 0
    parts = tmp / "parts"
    parts.mkdir()
    for k in range(2):
        write_parquet(gpd.read_parquet(one), parts / f"part-0000{k}.parquet")
    return net, fac, parts


def test_a_partitioned_run_names_the_store_whose_ids_repeat(demo_dir, tmp_path, capsys):
    pytest.importorskip("dask.distributed")
    net, fac, parts = _store_with_repeated_ids(demo_dir, tmp_path)
    capsys.readouterr()
    out = tmp_path / "out"
    assert main(["reach", "--network", str(net), "--households", str(parts), "--facilities", str(fac),
                 "--tile-m", "3000", "--workers", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "distributed" not in err, err
    _one_error_line("\n".join(ln for ln in err.splitlines() if ln.startswith("error:")),
                    f"{parts}: 144 compound_id values occur more than once (C001, C002")
    assert not out.exists()


def test_an_input_error_in_a_partition_is_returned_not_logged_by_the_worker(monkeypatch):
    import gis_planner.partition.run as run

    def failing(*_args, **_kwargs):
        raise InputDataError("compounds: column 'households' has 1 negative values.")

    monkeypatch.setattr(run, "run_partition", failing)
    part = type("P", (), {"partition_id": "T0000_0001"})()
    info = run._partition_task({}, part, None, {}, "")  # type: ignore[arg-type]
    with pytest.raises(InputDataError, match=r"^partition T0000_0001: compounds: column 'households'"):
        run._finished(info)


# -------------------------------------------------------------- compounds far from the data
def _far_compounds(demo: Path, tmp: Path) -> Path:
    far = gpd.read_file(demo / "compounds.geojson")
    far["geometry"] = far.geometry.map(lambda g: translate(g, xoff=-110.0))
    path = tmp / "comp_europe.geojson"
    far.to_file(path, driver="GeoJSON")
    return path


@pytest.mark.parametrize("command", ["elderly", "centres", "grids", "site"])
def test_compounds_far_from_the_data_are_refused_like_reach_does(demo_dir, tmp_path, capsys, command):
    away = _far_compounds(demo_dir, tmp_path)
    out = tmp_path / "O"
    expected = "none of the 144 compounds lies within 250 m of the network roads.geojson"
    if command == "grids":
        args = ["grids", "--communities", str(demo_dir / "communities.geojson"), "--compounds", str(away),
                "--coords", "wgs84", "--out", str(out)]
        expected = "none of the 144 compounds lies in any community of " + str(demo_dir / "communities.geojson")
    elif command == "site":
        out = tmp_path / "s.gpkg"
        args = ["site", "--network", str(demo_dir / "roads.geojson"), "--households", str(away), "--coords",
                "wgs84", "--candidates", str(demo_dir / "candidates.csv"), "--sites", "2", "--out", str(out)]
    else:
        make = _elderly if command == "elderly" else _centres
        args = make(demo_dir, out, demo_dir / "facilities.csv")
        args[args.index("--households") + 1] = str(away)
    assert main(args) == 2
    err = _without_warnings(capsys.readouterr().err)
    _one_error_line(err, f"{away}: {expected}", "check the files and --coords")
    assert not out.exists()


# --------------------------------------------------------- messages naming the file or key
@pytest.mark.parametrize("command", ["check", "template"])
def test_a_csv_of_communities_with_a_repeated_code_is_named(tmp_path, capsys, command):
    table = tmp_path / "comm_dup.csv"
    table.write_text("community_code,households\n321202001005,100\n321202001005,200\n", encoding="utf-8")
    out = tmp_path / ("c.csv" if command == "check" else "t.xlsx")
    assert main([command, "--profile", "taizhou-2023", "--communities", str(table), "--out", str(out)]) == 2
    _one_error_line(capsys.readouterr().err, f"{table}: duplicate community_code 321202001005")
    assert not out.exists()


def _plan(demo: Path, tmp: Path, old: str, new: str) -> Path:
    """The demo's plan with ``old`` replaced by ``new``, beside a copy of the demo's inputs."""
    folder = tmp / "demo"
    shutil.copytree(demo, folder)
    plan = folder / "plan.toml"
    text = plan.read_text(encoding="utf-8")
    assert old in text
    plan.write_text(text.replace(old, new), encoding="utf-8")
    return plan


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('facilities_coords = "gcj02"', 'facilities_coords = "gcj2"',
     "inputs.facilities_coords = 'gcj2': unknown coordinate system; expected one of wgs84"),
    ('spaces_coords = "wgs84"', 'spaces_coords = "wgs8"', "centres.spaces_coords = 'wgs8': unknown coordinate system"),
    ('profile = "taizhou-2023"', 'profile = "taizhou-2032"', "profile = 'taizhou-2032': unknown profile"),
])
def test_a_plan_value_that_does_not_exist_names_the_plan_and_key_before_reading(demo_dir, tmp_path, capsys,
                                                                                 monkeypatch, old, new, expected):
    import gis_planner.io

    def never(*_args, **_kwargs):
        raise AssertionError("the network was read before the plan was checked")

    monkeypatch.setattr(gis_planner.io, "read_network", never)
    plan = _plan(demo_dir, tmp_path, old, new)
    assert main(["report", "--config", str(plan), "--out", str(tmp_path / "out")]) == 2
    _one_error_line(capsys.readouterr().err, f"{plan}: {expected}")
    assert not (tmp_path / "out").exists()


def test_a_plan_file_not_found_shows_the_path_looked_for(demo_dir, tmp_path, capsys):
    sub = tmp_path / "sub"
    sub.mkdir()
    for name in ("roads.geojson", "compounds.geojson", "facilities.csv"):
        shutil.copyfile(demo_dir / name, sub / name)
    plan = sub / "plan.toml"
    plan.write_text('[inputs]\nnetwork = "roads.geojson"\ncompounds = "compounds.geojson"\n'
                    'facilities = "facilities.csv"\n[centres]\nspaces = "spaces.csv"\nsites = 2\n', encoding="utf-8")
    assert main(["report", "--config", str(plan), "--out", str(tmp_path / "out")]) == 2
    _one_error_line(capsys.readouterr().err,
                    f"{plan}: centres.spaces = 'spaces.csv': file not found (looked for {sub / 'spaces.csv'}).")


# ------------------------------------------------------------------ a table holding GeoJSON
@pytest.mark.parametrize(("name", "says"), [("compounds.txt", "text (a delimited table)"), ("compounds.csv", "CSV")])
def test_geojson_named_as_a_table_says_what_it_holds(demo_dir, tmp_path, capsys, name, says):
    given = tmp_path / name
    shutil.copyfile(demo_dir / "compounds.geojson", given)
    args = ["reach", *_network_args(demo_dir), "--facilities", str(demo_dir / "facilities.csv"),
            "--out", str(tmp_path / "r.gpkg")]
    args[args.index("--households") + 1] = str(given)
    assert main(args) == 2
    err = _without_warnings(capsys.readouterr().err)
    _one_error_line(err, f"{given}: the name says {says} but the file holds GeoJSON (JSON)", "name it .geojson")


def test_a_table_holding_other_json_says_so(tmp_path):
    from gis_planner.io import read_table

    path = tmp_path / "shops.csv"
    path.write_text('[{"name": "shop", "lng": 119.9}]', encoding="utf-8")
    with pytest.raises(InputDataError, match=r"shops\.csv: the name says CSV but the file holds JSON; refused"):
        read_table(path)
    path.write_text("[name],lng\nshop,119.9\n", encoding="utf-8")
    assert list(read_table(path).columns) == ["[name]", "lng"]


# --------------------------------------------------------------------- init agrees with itself
def test_init_says_the_same_of_a_file_it_did_not_choose_on_the_console_and_in_the_plan(demo_dir, tmp_path, capsys):
    folder = tmp_path / "f"
    folder.mkdir()
    for name in ("roads.geojson", "compounds.geojson"):
        shutil.copyfile(demo_dir / name, folder / name)
    points = gpd.read_file(demo_dir / "communities.geojson")
    points["geometry"] = points.geometry.representative_point()
    points.to_file(folder / "comm_points.geojson", driver="GeoJSON")  # 'poi' in the name: a weak hint
    shutil.copyfile(demo_dir / "compounds.geojson", folder / "compounds_2024.geojson")
    assert main(["init", str(folder)]) == 0
    shown = capsys.readouterr().out
    plan = (folder / "plan.toml").read_text(encoding="utf-8")
    weak = "hinted at facilities (file name contains 'poi'), too little to choose it"
    taken = 'looked like compounds, but "compounds.geojson" was chosen'
    for note in (weak, taken):
        assert note in shown and note in plan, (shown, plan)
    assert "another file was chosen" not in plan
    assert '# facilities: no file recognised (required: fill it in); "comm_points.geojson" hinted at it' in plan
    assert "not recognised" not in shown


# ------------------------------------------------------------------ siting line of report
def test_the_report_summary_says_in_its_language_that_proposed_centres_count_as_built():
    from gis_planner.cli.report import siting_text
    from gis_planner.plan import SitingJob, SitingOutcome

    job = SitingJob(model="per-subdistrict", category="subdistrict_elderly_centre", demand="elderly")
    note = "every sub-district already has a subdistrict_elderly_centre; nothing to site."
    counted = SitingOutcome(job=job, result=None, note=note, planned=("S015", "S027"), served=True)
    assert siting_text(counted, "zh") == ("养老服务设施网络建议的 S015、S027 按已建计入；"
                                          "每个街道均已有或已建议一处，无需另行选址")
    assert siting_text(counted, "en") == ("the elderly-care network's proposals S015, S027 count as built; every "
                                          "sub-district has one, built or proposed: nothing to site")
    served = SitingOutcome(job=job, result=None, note=note, served=True)
    assert siting_text(served, "zh") == "每个街道均已有一处，无需选址"
    other = "siting job x: per-subdistrict needs the sub-district polygons."
    assert siting_text(SitingOutcome(job=job, result=None, note=other), "zh") == other
