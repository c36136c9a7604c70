"""Broken and hostile inputs, command by command: one clear line, exit code 2, nothing written.

Every case builds a damaged copy of a demo-town file in ``tmp_path`` and checks three things:
the command returns 2, stderr is one ``error:`` line naming the file (or config key) and what
to fix, and the output does not exist afterwards (or an existing output is byte-for-byte
untouched). The case list, with the cases tested elsewhere, is in ``docs/robustness.md``.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from gis_planner._errors import InputDataError
from gis_planner.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::gis_planner._errors.GisPlannerWarning")


# ------------------------------------------------------------------ helpers
def _fail(args: list, capsys) -> str:
    """Run the CLI, require exit code 2 and return the one-line error."""
    capsys.readouterr()
    assert main([str(a) for a in args]) == 2
    err = capsys.readouterr().err.strip()
    lines = [ln for ln in err.splitlines() if ln.startswith(("error:", "Error:", "Usage:"))]
    assert lines, err
    return err


def _write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    p = tmp_path / name
    if isinstance(data, bytes):
        p.write_bytes(data)
    else:
        p.write_text(data, encoding="utf-8")
    return p


def _reach_args(demo_dir: Path, out: Path, **files: Path) -> list:
    f = {"network": demo_dir / "roads.geojson", "households": demo_dir / "compounds.geojson",
         "facilities": demo_dir / "facilities.csv", **files}
    return ["reach", "--network", f["network"], "--households", f["households"],
            "--facilities", f["facilities"], "--coords", "wgs84", "--facility-coords", "gcj02",
            "--out", out]


def _compounds(demo_dir: Path) -> dict:
    return json.loads((demo_dir / "compounds.geojson").read_text(encoding="utf-8"))


def _reach_fails(demo_dir, tmp_path, capsys, *, expect: tuple[str, ...], **files) -> str:
    out = tmp_path / "out" / "reach.gpkg"
    err = _fail(_reach_args(demo_dir, out, **files), capsys)
    for text in expect:
        assert text in err, err
    assert not (tmp_path / "out").exists()
    return err


# ------------------------------------------------------------------ encodings and truncation
@pytest.mark.parametrize("ascii_only", [False, True])
def test_reach_utf16_without_bom_facilities(demo_dir, tmp_path, capsys, ascii_only):
    text = (demo_dir / "facilities.csv").read_bytes().decode("gbk")
    if ascii_only:  # decodes as UTF-8 with NULs between the letters: must not pass as text
        text = "".join(ch if ch.isascii() else "x" for ch in text)
    bad = _write(tmp_path, "poi_utf16.csv", text.encode("utf-16-le"))
    _reach_fails(demo_dir, tmp_path, capsys, facilities=bad,
                 expect=("poi_utf16.csv", "NUL bytes", "UTF-16", "UTF-8"))


def test_reach_latin1_garbage_facilities(demo_dir, tmp_path, capsys):
    bad = _write(tmp_path, "garbage.csv", bytes(range(128, 256)) * 40)
    _reach_fails(demo_dir, tmp_path, capsys, facilities=bad,
                 expect=("garbage.csv", "cannot decode", "UTF-8, GBK or GB18030"))


def test_reach_csv_cut_mid_row(demo_dir, tmp_path, capsys):
    raw = (demo_dir / "facilities.csv").read_bytes()
    start = raw.index(b"\n", len(raw) // 2) + 1
    cut = raw[: raw.index(b",", start) + 1]  # the id and its comma of a row, then nothing
    rows = cut.count(b"\n")
    bad = _write(tmp_path, "poi_cut.csv", cut)
    _reach_fails(demo_dir, tmp_path, capsys, facilities=bad,
                 expect=("poi_cut.csv", f"data row {rows} (the last) has 2 of the header's", "looks cut off"))


def test_reach_gbk_csv_cut_mid_character(demo_dir, tmp_path, capsys):
    raw = (demo_dir / "facilities.csv").read_bytes()
    start = raw.index(b"\n", len(raw) // 2) + 1
    first_wide = next(i for i in range(start, len(raw)) if raw[i] >= 0x80)
    bad = _write(tmp_path, "poi_cutchar.csv", raw[: first_wide + 1])  # half of a GBK character
    _reach_fails(demo_dir, tmp_path, capsys, facilities=bad,
                 expect=("poi_cutchar.csv", "ends in the middle of a character", "looks cut off"))


def test_reach_geojson_network_cut_in_half(demo_dir, tmp_path, capsys):
    raw = (demo_dir / "roads.geojson").read_bytes()
    bad = _write(tmp_path, "roads_cut.geojson", raw[: len(raw) // 2])
    _reach_fails(demo_dir, tmp_path, capsys, network=bad,
                 expect=("roads_cut.geojson", "cannot read as a vector file"))


def test_reach_geojson_households_cut(demo_dir, tmp_path, capsys):
    raw = (demo_dir / "compounds.geojson").read_bytes()
    bad = _write(tmp_path, "homes_cut.geojson", raw[: len(raw) // 3])
    _reach_fails(demo_dir, tmp_path, capsys, households=bad,
                 expect=("homes_cut.geojson", "cannot read as a vector file"))


def test_reach_truncated_osm_xml(demo_dir, tmp_path, capsys):
    osm = (b'<?xml version="1.0"?>\n<osm version="0.6"><node id="1" lat="32.44" lon="119.90"/>'
           b'<node id="2" lat="32.45" lon="119.91"/><way id="3"><nd ref="1"/><nd ref="2"/>'
           b'<tag k="highway" v="resid')
    bad = _write(tmp_path, "town.osm", osm)
    _reach_fails(demo_dir, tmp_path, capsys, network=bad, expect=("town.osm", "cannot read as OSM data"))


def test_reach_truncated_zip(demo_dir, tmp_path, capsys):
    full = tmp_path / "full.zip"
    with zipfile.ZipFile(full, "w") as z:
        z.write(demo_dir / "roads.geojson", "roads.geojson")
    raw = full.read_bytes()
    bad = _write(tmp_path, "roads_cut.zip", raw[: len(raw) // 2])
    _reach_fails(demo_dir, tmp_path, capsys, network=bad, expect=("roads_cut.zip", "not a valid zip file"))


# ------------------------------------------------------------------ layers and geometries
def test_reach_empty_households_layer(demo_dir, tmp_path, capsys):
    doc = _compounds(demo_dir)
    doc["features"] = []
    bad = _write(tmp_path, "homes_empty.geojson", json.dumps(doc))
    _reach_fails(demo_dir, tmp_path, capsys, households=bad,
                 expect=("homes_empty.geojson", "empty", "at least one feature"))


def test_reach_missing_geometry(demo_dir, tmp_path, capsys):
    doc = _compounds(demo_dir)
    doc["features"][2]["geometry"] = None
    cid = doc["features"][2]["properties"]["compound_id"]
    bad = _write(tmp_path, "homes_nogeom.geojson", json.dumps(doc))
    _reach_fails(demo_dir, tmp_path, capsys, households=bad,
                 expect=("homes_nogeom.geojson", "empty or missing geometries", cid))


def test_reach_empty_polygon(demo_dir, tmp_path, capsys):
    doc = _compounds(demo_dir)
    doc["features"][4]["geometry"] = {"type": "Polygon", "coordinates": []}
    cid = doc["features"][4]["properties"]["compound_id"]
    bad = _write(tmp_path, "homes_emptygeom.geojson", json.dumps(doc))
    _reach_fails(demo_dir, tmp_path, capsys, households=bad,
                 expect=("homes_emptygeom.geojson", "empty or missing geometries", cid))


def test_reach_mixed_points_and_polygons(demo_dir, tmp_path, capsys):
    doc = _compounds(demo_dir)
    ring = doc["features"][3]["geometry"]["coordinates"][0]
    doc["features"][3]["geometry"] = {"type": "Point", "coordinates": ring[0]}
    cid = doc["features"][3]["properties"]["compound_id"]
    bad = _write(tmp_path, "homes_mixed.geojson", json.dumps(doc))
    _reach_fails(demo_dir, tmp_path, capsys, households=bad,
                 expect=("homes_mixed.geojson", "mixed geometry types", cid))


# ------------------------------------------------------------------ counts and ids
@pytest.mark.parametrize(("value", "expect"), [
    (float("nan"), "empty values"),
    (-5, "negative"),
    (10**12, "above 20000 households per compound"),
    ("many", "households"),
])
def test_reach_bad_household_counts(demo_dir, tmp_path, capsys, value, expect):
    doc = _compounds(demo_dir)
    doc["features"][1]["properties"]["households"] = value
    cid = doc["features"][1]["properties"]["compound_id"]
    bad = _write(tmp_path, "homes_counts.geojson", json.dumps(doc))  # NaN is written as NaN
    err = _reach_fails(demo_dir, tmp_path, capsys, households=bad,
                       expect=("homes_counts.geojson", expect, cid))
    assert "JSON" not in err, err  # pyogrio's own warning about the mixed column is not shown


def test_reach_duplicate_compound_ids(demo_dir, tmp_path, capsys):
    doc = _compounds(demo_dir)
    dup = doc["features"][0]["properties"]["compound_id"]
    doc["features"][5]["properties"]["compound_id"] = dup
    bad = _write(tmp_path, "homes_dup.geojson", json.dumps(doc))
    _reach_fails(demo_dir, tmp_path, capsys, households=bad,
                 expect=("homes_dup.geojson", "duplicate ids", dup))


# ------------------------------------------------------------------ coordinates
def test_reach_swapped_lat_lon_polygons(demo_dir, tmp_path, capsys):
    doc = _compounds(demo_dir)
    for ft in doc["features"]:
        ft["geometry"]["coordinates"] = [[[y, x] for x, y in ring] for ring in ft["geometry"]["coordinates"]]
    bad = _write(tmp_path, "homes_swapped.geojson", json.dumps(doc))
    _reach_fails(demo_dir, tmp_path, capsys, households=bad,
                 expect=("homes_swapped.geojson", "swap the coordinates"))


def test_reach_coordinates_out_of_range(demo_dir, tmp_path, capsys):
    doc = _compounds(demo_dir)
    ft = doc["features"][6]
    ft["geometry"]["coordinates"] = [[[x + 400, y] for x, y in ring] for ring in ft["geometry"]["coordinates"]]
    bad = _write(tmp_path, "homes_range.geojson", json.dumps(doc))
    _reach_fails(demo_dir, tmp_path, capsys, households=bad,
                 expect=("homes_range.geojson", "outside longitude -180..180", ft["properties"]["compound_id"]))


def test_reach_undeclared_gcj02_csv(demo_dir, tmp_path, capsys):
    out = tmp_path / "out" / "reach.gpkg"
    args = ["reach", "--network", demo_dir / "roads.geojson", "--households", demo_dir / "compounds.geojson",
            "--facilities", demo_dir / "facilities.csv", "--out", out]
    err = _fail(args, capsys)
    assert "facilities.csv" in err and "no declared coordinate system" in err and "--coords gcj02" in err
    assert not out.parent.exists()


def test_reach_network_of_another_area(demo_dir, tmp_path, capsys):
    doc = json.loads((demo_dir / "roads.geojson").read_text(encoding="utf-8"))
    for ft in doc["features"]:
        ft["geometry"]["coordinates"] = [[x + 2.0, y + 1.0] for x, y in ft["geometry"]["coordinates"]]
    bad = _write(tmp_path, "roads_elsewhere.geojson", json.dumps(doc))
    err = _reach_fails(demo_dir, tmp_path, capsys, network=bad,
                       expect=("roads_elsewhere.geojson", "none of the", "within 250 m of the network",
                               "--coords"))
    assert "compounds" in err


def test_reach_bad_minutes_is_a_usage_error(demo_dir, tmp_path, capsys):
    out = tmp_path / "out" / "reach.gpkg"
    err = _fail([*_reach_args(demo_dir, out), "--minutes", "5,ten"], capsys)
    assert "expected minutes like 5,10,15" in err
    assert not out.parent.exists()


def test_failed_reach_leaves_an_existing_output_untouched(demo_dir, tmp_path, capsys):
    out = tmp_path / "out" / "reach.gpkg"
    out.parent.mkdir()
    out.write_bytes(b"earlier result")
    summary = out.with_name("reach_summary.csv")
    summary.write_bytes(b"earlier summary")
    doc = _compounds(demo_dir)
    doc["features"][1]["properties"]["households"] = -1
    bad = _write(tmp_path, "homes_neg.geojson", json.dumps(doc))
    err = _fail([*_reach_args(demo_dir, out, households=bad), "--overwrite"], capsys)
    assert "homes_neg.geojson" in err
    assert out.read_bytes() == b"earlier result" and summary.read_bytes() == b"earlier summary"
    assert sorted(p.name for p in out.parent.iterdir()) == ["reach.gpkg", "reach_summary.csv"]


# ------------------------------------------------------------------ network (API)
def _grid_lines(x0: float, n: int, crs: int = 32651) -> gpd.GeoDataFrame:
    """An n x n grid of 100 m blocks starting at x0 (metres)."""
    lines = [shapely.LineString([(x0 + i * 100, j * 100), (x0 + (i + 1) * 100, j * 100)])
             for i in range(n) for j in range(n + 1)]
    lines += [shapely.LineString([(x0 + i * 100, j * 100), (x0 + i * 100, (j + 1) * 100)])
              for i in range(n + 1) for j in range(n)]
    return gpd.GeoDataFrame(geometry=lines, crs=crs)


def _pts(xy, prefix, **cols):
    return gpd.GeoDataFrame(cols, geometry=[shapely.Point(p) for p in xy], crs=32651,
                            index=[f"{prefix}{i}" for i in range(len(xy))])


def test_disconnected_network_reports_and_refuses():
    from gis_planner.coverage import reach
    from gis_planner.network import WalkNetwork

    lines = gpd.GeoDataFrame(geometry=list(_grid_lines(0, 5).geometry) + list(_grid_lines(5000, 2).geometry),
                             crs=32651)
    homes = _pts([(5050, 50), (5150, 150)], "H", households=[10, 20])  # on the small island
    shops = _pts([(50, 0)], "S", category=["convenience_store"])
    # kept whole: the homes snap to the island, and no path reaches the shop -> uncovered, not a crash
    both = WalkNetwork.from_lines(lines, keep_largest_component=False)
    r = reach(both, homes, shops, speed_kmh=4.0)
    assert r.households["snapped"].all() and not r.households["convenience_store_covered"].any()
    assert r.households["convenience_store_dist_m"].isna().all()
    # largest component only (the readers' default): the island is dropped, and a layer that
    # lies wholly on it is refused with the reason instead of an all-uncovered result
    main_part = WalkNetwork.from_lines(lines)
    assert main_part.n_nodes == 36
    with pytest.raises(InputDataError, match=r"compounds: none of the 2 compounds lies within 250 m"):
        reach(main_part, homes, shops, speed_kmh=4.0)


def test_facilities_all_off_network_refused():
    from gis_planner.coverage import reach
    from gis_planner.network import WalkNetwork

    net = WalkNetwork.from_lines(_grid_lines(0, 3))
    homes = _pts([(50, 50)], "H", households=[10])
    shops = _pts([(90000, 0), (91000, 0)], "S", category=["pharmacy", "pharmacy"])
    with pytest.raises(InputDataError, match=r"facilities: none of the 2 facilities .* coordinates"):
        reach(net, homes, shops, speed_kmh=4.0)


def test_geojson_that_is_not_a_feature_collection(tmp_path):
    from gis_planner.io import read_compounds

    bad = _write(tmp_path, "list.geojson", "[1, 2, 3]")
    with pytest.raises(InputDataError, match=r"list\.geojson"):
        read_compounds(bad)


# ------------------------------------------------------------------ communities, site, check, template, profiles
def test_communities_duplicate_codes(demo_dir, tmp_path, capsys):
    doc = json.loads((demo_dir / "communities.geojson").read_text(encoding="utf-8"))
    code = doc["features"][0]["properties"]["community_code"]
    doc["features"][1]["properties"]["community_code"] = code
    bad = _write(tmp_path, "com_dup.geojson", json.dumps(doc))
    out = tmp_path / "out" / "c.gpkg"
    err = _fail(["communities", "--communities", bad, "--compounds", demo_dir / "compounds.geojson",
                 "--out", out], capsys)
    assert "com_dup.geojson" in err and "duplicate ids" in err and code in err
    assert not out.parent.exists()


def test_communities_given_points(demo_dir, tmp_path, capsys):
    doc = json.loads((demo_dir / "communities.geojson").read_text(encoding="utf-8"))
    for ft in doc["features"]:
        ft["geometry"] = {"type": "Point", "coordinates": [119.91, 32.45]}
    bad = _write(tmp_path, "com_points.geojson", json.dumps(doc))
    out = tmp_path / "out" / "c.gpkg"
    err = _fail(["communities", "--communities", bad, "--compounds", demo_dir / "compounds.geojson",
                 "--out", out], capsys)
    assert "com_points.geojson" in err and "expected Polygon or MultiPolygon" in err
    assert not out.parent.exists()


def test_communities_unknown_profile(demo_dir, tmp_path, capsys):
    out = tmp_path / "out" / "c.gpkg"
    err = _fail(["communities", "--communities", demo_dir / "communities.geojson", "--compounds",
                 demo_dir / "compounds.geojson", "--profile", "atlantis-2099", "--out", out], capsys)
    assert "unknown profile 'atlantis-2099'" in err and "taizhou-2023" in err
    assert not out.parent.exists()


def _site_args(demo_dir, out, candidates, *extra):
    return ["site", "--network", demo_dir / "roads.geojson", "--households", demo_dir / "compounds.geojson",
            "--candidates", candidates, "--category", "wet_market", "--out", out, *extra]


def test_site_candidates_of_another_area(demo_dir, tmp_path, capsys):
    bad = _write(tmp_path, "far_sites.csv", "candidate_id,name,lng,lat\nS1,a,100.0,40.0\nS2,b,100.01,40.01\n")
    out = tmp_path / "out" / "sites.gpkg"
    err = _fail(_site_args(demo_dir, out, bad, "--coords", "wgs84", "--sites", "1"), capsys)
    assert "far_sites.csv" in err and "none of the 2 candidates" in err and "--coords" in err
    assert not out.parent.exists()


def test_site_candidates_without_coords(demo_dir, tmp_path, capsys):
    out = tmp_path / "out" / "sites.gpkg"
    err = _fail(_site_args(demo_dir, out, demo_dir / "candidates.csv", "--sites", "1"), capsys)
    assert "candidates.csv" in err and "no declared coordinate system" in err
    assert not out.parent.exists()


def test_site_more_sites_than_candidates(demo_dir, tmp_path, capsys):
    out = tmp_path / "out" / "sites.gpkg"
    err = _fail(_site_args(demo_dir, out, demo_dir / "candidates.csv", "--coords", "wgs84", "--sites", "9999"),
                capsys)
    assert "9999 new sites asked for" in err and "add candidates or lower the number of sites" in err
    assert not out.parent.exists()


def test_site_keeps_the_candidate_ids_of_a_csv(demo_dir, tmp_path, capsys):
    """Regression: a CSV with a candidate_id column crashed on writing (the id was both the index
    and a column) and its ids were replaced by row numbers."""
    import pandas as pd

    out = tmp_path / "sites.gpkg"
    assert main([str(a) for a in _site_args(demo_dir, out, demo_dir / "candidates.csv", "--coords", "wgs84",
                                            "--sites", "2")]) == 0
    table = pd.read_csv(out.with_suffix(".csv"), dtype=str)
    known = set(pd.read_csv(demo_dir / "candidates.csv", dtype=str)["candidate_id"])
    assert len(table) == 2 and set(table["candidate_id"]) <= known


def test_check_attributes_cut_mid_row(demo_dir, tmp_path, capsys):
    raw = (demo_dir / "community_attributes.csv").read_bytes()
    lines = raw.split(b"\n")
    cut = b"\n".join(lines[:4]) + b"\n" + b",".join(lines[4].split(b",")[:3])
    bad = _write(tmp_path, "attrs_cut.csv", cut)
    out = tmp_path / "out" / "check.csv"
    err = _fail(["check", "--profile", "taizhou-2023", "--attributes", bad, "--out", out], capsys)
    assert "attrs_cut.csv" in err and "data row 4 (the last)" in err and "looks cut off" in err
    assert not out.parent.exists()


def test_check_profile_with_wrong_types(demo_dir, tmp_path, capsys):
    prof = _write(tmp_path, "mine.toml", 'id = "mine"\ntitle = 5\n')
    out = tmp_path / "out" / "check.csv"
    err = _fail(["check", "--profile", prof, "--attributes", demo_dir / "community_attributes.csv",
                 "--out", out], capsys)
    assert "mine.toml" in err and "title" in err and "found 5" in err
    assert not out.parent.exists()


def test_check_unknown_output_type(demo_dir, tmp_path, capsys):
    out = tmp_path / "out" / "check.pdf"
    err = _fail(["check", "--profile", "taizhou-2023", "--attributes", demo_dir / "community_attributes.csv",
                 "--out", out], capsys)
    assert "check.pdf" in err and ".csv or .xlsx" in err
    assert not out.parent.exists()


def test_template_needs_xlsx(tmp_path, capsys):
    out = tmp_path / "out" / "template.csv"
    err = _fail(["template", "--profile", "taizhou-2023", "--out", out], capsys)
    assert "template.csv" in err and ".xlsx" in err
    assert not out.parent.exists()


def test_profiles_show_binary_file(tmp_path, capsys):
    bad = _write(tmp_path, "binary.toml", b"\x00\xff\xfe\x00 not toml")
    err = _fail(["profiles", "show", bad], capsys)
    assert "binary.toml" in err and "not valid TOML" in err


# ------------------------------------------------------------------ report and demo (plan configs)
CONFIG_HEAD = ('[inputs]\nnetwork = "roads.geojson"\ncompounds = "compounds.geojson"\n'
               'facilities = "facilities.csv"\nfacilities_coords = "gcj02"\n')


@pytest.mark.parametrize(("body", "expect"), [
    ("siting = 3\n" + CONFIG_HEAD, "[siting] must be a table"),
    (CONFIG_HEAD.replace('"roads.geojson"', "5"), "inputs.network = 5; expected a quoted file name"),
    (CONFIG_HEAD.replace("roads.geojson", "roads\\u0000.geojson"),
     "inputs.network = 'roads\\x00.geojson' is not a usable path"),
    (CONFIG_HEAD.replace("roads.geojson", "r" * 5000), "is not a usable path"),
    (CONFIG_HEAD + "[siting]\nmclp_sites = \"two\"\n", "siting.mclp_sites = 'two'; expected a whole number >= 1"),
    (CONFIG_HEAD + "[siting]\ntime_limit_s = -1\n", "siting.time_limit_s = -1; expected a number of seconds > 0"),
    ('title = {zh = "x"}\n' + CONFIG_HEAD, "title = {'zh': 'x'}; expected a quoted text"),
    (CONFIG_HEAD.replace('"gcj02"', "[1]"), "inputs.facilities_coords = [1]"),
    (CONFIG_HEAD.replace("compounds.geojson", "../../nowhere/compounds.geojson"), "inputs.compounds"),
    (CONFIG_HEAD + "[reach]\nspeed = 4\n", "unknown key(s) reach.speed; expected search_cap_m, snap_tolerance_m"),
    (CONFIG_HEAD + "[reach]\nspeed_kmh = 0\n", "reach.speed_kmh = 0; expected a number > 0 (km/h)"),
    (CONFIG_HEAD + "[reach]\nwalk_minutes = 15\n", "reach.walk_minutes = 15; expected a list of minutes > 0"),
    (CONFIG_HEAD + "[reach]\nwalk_minutes = [5, -1]\n", "reach.walk_minutes = [5, -1]"),
    (CONFIG_HEAD + "[reach]\nsnap_tolerance_m = \"far\"\n",
     "reach.snap_tolerance_m = 'far'; expected a number of metres"),
    (CONFIG_HEAD + "[siting]\ndemand = \"households\"\n", "unknown key(s) siting.demand"),
])
def test_report_bad_config(demo_dir, tmp_path, capsys, body, expect):
    import shutil

    folder = tmp_path / "plan"
    shutil.copytree(demo_dir, folder)
    cfg = _write(folder, "bad.toml", body)
    out = tmp_path / "out"
    err = _fail(["report", "--config", cfg, "--out", out], capsys)
    assert "bad.toml" in err and expect in err, err
    assert not out.exists()


def test_report_config_in_utf16(demo_dir, tmp_path, capsys):
    import shutil

    folder = tmp_path / "plan"
    shutil.copytree(demo_dir, folder)
    cfg = folder / "plan16.toml"
    cfg.write_bytes((demo_dir / "plan.toml").read_text(encoding="utf-8").encode("utf-16"))
    err = _fail(["report", "--config", cfg, "--out", tmp_path / "out"], capsys)
    assert "plan16.toml" in err and "not valid TOML" in err
    assert not (tmp_path / "out").exists()


def test_report_config_is_a_folder(tmp_path, capsys):
    err = _fail(["report", "--config", tmp_path, "--out", tmp_path / "out"], capsys)
    assert "config file not found" in err and not (tmp_path / "out").exists()


def test_report_broken_layer_leaves_existing_reports_untouched(demo_dir, tmp_path, capsys):
    import shutil

    folder = tmp_path / "plan"
    shutil.copytree(demo_dir, folder)
    doc = _compounds(demo_dir)
    doc["features"][0]["properties"]["households"] = "lots"
    (folder / "compounds.geojson").write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("earlier report", encoding="utf-8")
    err = _fail(["report", "--config", folder / "plan.toml", "--out", out, "--overwrite"], capsys)
    assert "compounds.geojson" in err and "households" in err
    assert sorted(p.name for p in out.iterdir()) == ["report.html"]
    assert (out / "report.html").read_text(encoding="utf-8") == "earlier report"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("command", ["report", "demo"])
def test_out_that_is_a_file(demo_dir, tmp_path, capsys, command):
    target = _write(tmp_path, "notafolder", "keep me")
    args = ["demo", "--out", target] if command == "demo" else [
        "report", "--config", demo_dir / "plan.toml", "--out", target]
    err = _fail(args, capsys)
    assert "notafolder" in err and "is a file" in err
    assert target.read_text(encoding="utf-8") == "keep me"
