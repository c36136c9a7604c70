"""No silent wrong answers: ids and numbers are checked at every entry point.

Each class of bad value is tried through the API (the matching ``GisPlannerError``) and through
the command line (exit code 2 and one ``error:`` line naming the option, key or file): unknown
category ids, non-finite / zero / negative walking parameters, implausible speeds and minutes
(accepted only when forced), household counts that are booleans, fractions or text, and control
characters in names (stripped at read time with one warning per file, so the whole demo runs to
``report.xlsx``). The case list is in ``docs/robustness.md`` ("No silent wrong answers").
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from gis_planner._errors import GisPlannerWarning, InputDataError, PolicyError
from gis_planner._validate import (
    clean_text,
    require_known_category,
    require_nonnegative_numbers,
    require_plausible,
    require_positive_number,
    strip_control_characters,
)
from gis_planner.cli import main
from gis_planner.io import read_compounds, read_table
from gis_planner.pipeline import read_plan_config
from gis_planner.policy import load_profile
from gis_planner.policy.profile import plausible_range


# ------------------------------------------------------------------ helpers
def _fail(args: list, capsys) -> str:
    """Run the CLI, require exit code 2 and one ``error:`` line; return that line."""
    capsys.readouterr()
    assert main([str(a) for a in args]) == 2
    stderr = capsys.readouterr().err
    errors = [ln for ln in stderr.splitlines() if ln.startswith(("error:", "Error:", "Traceback"))]
    assert len(errors) == 1 and errors[0].startswith("error: "), stderr  # one line, no traceback
    return errors[0]


def _write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = folder / name
    p.write_text(text, encoding=encoding)
    return p


def _reach(demo_dir: Path, out: Path, *extra) -> list:
    return ["reach", "--network", demo_dir / "roads.geojson", "--households",
            demo_dir / "compounds.geojson", "--facilities", demo_dir / "facilities.csv",
            "--coords", "wgs84", "--facility-coords", "gcj02", "--out", out, *extra]


def _site(demo_dir: Path, out: Path, *extra) -> list:
    return ["site", "--network", demo_dir / "roads.geojson", "--households",
            demo_dir / "compounds.geojson", "--candidates", demo_dir / "candidates.csv",
            "--facilities", demo_dir / "facilities.csv", "--coords", "wgs84", "--sites", "1",
            "--out", out, *extra]


# ------------------------------------------------------------------ category ids
def test_unknown_category_api_suggests_the_closest_and_lists_known():
    assert require_known_category("wet_market", what="--category") == "wet_market"
    with pytest.raises(InputDataError, match=r"^--category: unknown facility category 'wet_markt'\. "
                                             r"Did you mean 'wet_market'\? Known: subdistrict_elderly"):
        require_known_category("wet_markt", what="--category")
    with pytest.raises(InputDataError, match=r"unknown facility category 'spaceport'\. Known: "):
        require_known_category("spaceport", what="x")  # nothing close: no suggestion
    with pytest.raises(InputDataError, match=r"unknown facility category 3\."):
        require_known_category(3, what="x")


def test_site_unknown_category_cli(demo_dir, tmp_path, capsys):
    err = _fail(_site(demo_dir, tmp_path / "s.gpkg", "--category", "kindergarden"), capsys)
    assert err.startswith("error: --category: unknown facility category 'kindergarden'. "
                          "Did you mean 'kindergarten'?") and "Known: " in err, err
    assert not (tmp_path / "s.gpkg").exists()


def test_plan_config_unknown_mclp_category(demo_dir, tmp_path, capsys):
    folder = tmp_path / "plan"
    shutil.copytree(demo_dir, folder)
    text = (demo_dir / "plan.toml").read_text(encoding="utf-8")
    cfg = _write(folder, "plan.toml", text.replace('mclp_category = "wet_market"',
                                                   'mclp_category = "wetmarket"'))
    with pytest.raises(InputDataError, match=r"plan\.toml: siting\.mclp_category: unknown facility "
                                             r"category 'wetmarket'\. Did you mean 'wet_market'\?"):
        read_plan_config(cfg)
    err = _fail(["report", "--config", cfg, "--out", tmp_path / "out"], capsys)
    assert "siting.mclp_category" in err and "Did you mean 'wet_market'?" in err
    assert not (tmp_path / "out").exists()


PROFILE_HEAD = 'id = "mine"\ninherits = "taizhou-2023"\nsource = "test"\ntitle = {zh = "我的", en = "Mine"}\n'


def test_profile_unknown_category_and_key_suggest(tmp_path, capsys):
    bad = _write(tmp_path, "cat.toml", PROFILE_HEAD + '[facilities.pharmacie]\nradius_m = 500\n'
                 'source = "x"\nstatus = "derived"\n')
    with pytest.raises(PolicyError, match=r"cat\.toml: facilities\.pharmacie: unknown facility "
                                          r"category 'pharmacie'\. Did you mean 'pharmacy'\?"):
        load_profile(bad)
    err = _fail(["profiles", "show", bad], capsys)
    assert "facilities.pharmacie" in err and "Did you mean 'pharmacy'?" in err
    key = _write(tmp_path, "key.toml", PROFILE_HEAD + '[facilities.pharmacy]\nradius_mm = 500\n'
                 'source = "x"\nstatus = "derived"\n')
    with pytest.raises(PolicyError, match=r"facilities\.pharmacy\.radius_mm: unknown key; did you "
                                          r"mean 'radius_m'\?"):
        load_profile(key)


# ------------------------------------------------------------------ walking parameters
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 0, -4.0, True, "4", None])
def test_positive_number_refuses_nan_inf_zero_negative_bool_text(value):
    with pytest.raises(InputDataError, match=r"^speed_kmh = .*; expected a finite number > 0 \(km/h\)"):
        require_positive_number(value, what="speed_kmh", unit="km/h")


def test_positive_number_accepts_numpy_numbers():
    assert require_positive_number(np.float32(4.5), what="x", unit="km/h") == 4.5
    assert require_positive_number(np.int64(15), what="x", unit="minutes") == 15.0


def test_plausible_bounds_live_in_one_file_and_force_accepts(caplog):
    assert plausible_range("speed_kmh") == (0.5, 20.0, "km/h")
    assert plausible_range("minutes")[1] == 240.0
    assert require_plausible(20.0, quantity="speed_kmh", what="s") == 20.0  # inclusive
    assert require_plausible(240.0, quantity="minutes", what="m") == 240.0
    with pytest.raises(InputDataError, match=r"^--speed-kmh = 48 km/h is outside the plausible "
                                             r"0\.5-20 km/h; .*pass --force to use it"):
        require_plausible(48.0, quantity="speed_kmh", what="--speed-kmh")
    with pytest.raises(InputDataError, match=r"0\.3 km/h is outside"):
        require_plausible(0.3, quantity="speed_kmh", what="--speed-kmh")
    with pytest.raises(InputDataError, match=r"241 min is outside the plausible 0-240 min"):
        require_plausible(241.0, quantity="minutes", what="--minutes")
    with caplog.at_level("WARNING", logger="gis_planner"):
        assert require_plausible(48.0, quantity="speed_kmh", what="--speed-kmh", force=True) == 48.0
    assert "used as forced" in caplog.text


@pytest.mark.parametrize(("extra", "expect"), [
    (["--speed-kmh", "nan"], "error: --speed-kmh = nan; expected a finite number > 0 (km/h)."),
    (["--speed-kmh", "inf"], "error: --speed-kmh = inf; expected a finite number > 0 (km/h)."),
    (["--speed-kmh", "0"], "error: --speed-kmh = 0.0; expected a finite number > 0 (km/h)."),
    (["--speed-kmh", "-4"], "error: --speed-kmh = -4.0; expected a finite number > 0 (km/h)."),
    (["--speed-kmh", "48"], "error: --speed-kmh = 48 km/h is outside the plausible 0.5-20 km/h"),
    (["--speed-kmh", "0.3"], "error: --speed-kmh = 0.3 km/h is outside the plausible 0.5-20 km/h"),
    (["--minutes", "5,nan"], "error: --minutes = nan; expected a finite number > 0 (minutes)."),
    (["--minutes", "5,inf"], "error: --minutes = inf; expected a finite number > 0 (minutes)."),
    (["--minutes", "5,-1"], "error: --minutes = -1.0; expected a finite number > 0 (minutes)."),
    (["--minutes", "5,900"], "error: --minutes = 900 min is outside the plausible 0-240 min"),
    (["--snap-tolerance-m", "nan"], "error: --snap-tolerance-m = nan; expected a finite number > 0 (m)."),
    (["--snap-tolerance-m", "0"], "error: --snap-tolerance-m = 0.0; expected a finite number > 0 (m)."),
    (["--profile", "taizhou-2023", "--speed-kmh", "inf"], "error: --speed-kmh = inf;"),
])
def test_reach_walking_options_cli(demo_dir, tmp_path, capsys, extra, expect):
    err = _fail(_reach(demo_dir, tmp_path / "out" / "r.gpkg", *extra), capsys)
    assert err.startswith(expect), err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("extra", "expect"), [
    (["--speed-kmh", "nan"], "error: --speed-kmh = nan; expected a finite number > 0 (km/h)."),
    (["--speed-kmh", "25"], "error: --speed-kmh = 25 km/h is outside the plausible 0.5-20 km/h"),
    (["--minutes", "inf"], "error: --minutes = inf; expected a finite number > 0 (minutes)."),
    (["--minutes", "0"], "error: --minutes = 0.0; expected a finite number > 0 (minutes)."),
    (["--minutes", "300"], "error: --minutes = 300 min is outside the plausible 0-240 min"),
    (["--time-limit", "inf"], "error: --time-limit = inf; expected a finite number > 0 (s)."),
])
def test_site_walking_options_cli(demo_dir, tmp_path, capsys, extra, expect):
    err = _fail(_site(demo_dir, tmp_path / "s.gpkg", "--category", "wet_market", *extra), capsys)
    assert err.startswith(expect), err
    assert not (tmp_path / "s.gpkg").exists()


def test_reach_force_runs_with_an_implausible_speed(demo_dir, tmp_path, capsys, caplog):
    out = tmp_path / "r.gpkg"
    code = main([str(a) for a in _reach(demo_dir, out, "--speed-kmh", "25", "--minutes", "5,300",
                                        "--no-service-areas", "--force")])
    assert code == 0 and out.exists()
    assert "speed 25 km/h" in capsys.readouterr().out


CONFIG_HEAD = ('[inputs]\nnetwork = "roads.geojson"\ncompounds = "compounds.geojson"\n'
               'facilities = "facilities.csv"\nfacilities_coords = "gcj02"\n')


@pytest.mark.parametrize(("body", "expect"), [
    ("[reach]\nspeed_kmh = nan\n", "reach.speed_kmh = nan; expected a number > 0 (km/h)"),
    ("[reach]\nspeed_kmh = inf\n", "reach.speed_kmh = inf; expected a number > 0 (km/h)"),
    ("[reach]\nspeed_kmh = -4\n", "reach.speed_kmh = -4; expected a number > 0 (km/h)"),
    ("[reach]\nspeed_kmh = true\n", "reach.speed_kmh = True; expected a number > 0 (km/h)"),
    ("[reach]\nspeed_kmh = 48\n", "reach.speed_kmh = 48 km/h is outside the plausible 0.5-20 km/h; "
     "check the value (is it the right unit?) or pass force = true in [reach] to use it."),
    ("[reach]\nwalk_minutes = [5, nan]\n", "reach.walk_minutes = [5, nan]; expected a list of minutes > 0"),
    ("[reach]\nwalk_minutes = [5, 900]\n", "reach.walk_minutes = 900 min is outside the plausible 0-240"),
    ("[reach]\nsnap_tolerance_m = inf\n", "reach.snap_tolerance_m = inf; expected a number of metres > 0"),
    ("[reach]\nsearch_cap_m = 0\n", "reach.search_cap_m = 0; expected a number of metres > 0"),
    ("[reach]\nforce = \"yes\"\nspeed_kmh = 48\n", "reach.force = 'yes'; expected true or false"),
    ("[siting]\ntime_limit_s = inf\n", "siting.time_limit_s = inf; expected a number of seconds > 0"),
    ("[siting]\nmclp_category = \"spaceport\"\n", "siting.mclp_category: unknown facility category"),
    ('title = "示范\\u0007区"\n', "title holds control or invisible characters (U+0007); remove them."),
    ('title = "示范\\u202e区"\n', "title holds control or invisible characters (U+202E)"),
])
def test_plan_config_values(demo_dir, tmp_path, capsys, body, expect):
    folder = tmp_path / "plan"
    shutil.copytree(demo_dir, folder)
    text = (body + CONFIG_HEAD) if not body.startswith("[") else (CONFIG_HEAD + body)
    cfg = _write(folder, "bad.toml", text)
    with pytest.raises(InputDataError, match="bad\\.toml: "):
        read_plan_config(cfg)
    err = _fail(["report", "--config", cfg, "--out", tmp_path / "out"], capsys)
    assert "bad.toml" in err and expect in err, err
    assert not (tmp_path / "out").exists()


def test_plan_config_force_accepts_implausible_values(demo_dir, tmp_path):
    folder = tmp_path / "plan"
    shutil.copytree(demo_dir, folder)
    cfg = _write(folder, "fast.toml", CONFIG_HEAD + "[reach]\nforce = true\nspeed_kmh = 25\n"
                 "walk_minutes = [5, 300]\n")
    conf = read_plan_config(cfg)
    assert conf.reach == {"speed_kmh": 25.0, "walk_minutes": (5.0, 300.0)}  # force is not a parameter


@pytest.mark.parametrize(("table", "expect"), [
    ('[walk.speed_kmh]\nvalue = 48\nsource = "x"\nstatus = "derived"\n',
     r"walk\.speed_kmh\.value: 48 km/h is outside the plausible 0\.5-20 km/h"),
    ('[walk.speed_kmh]\nvalue = nan\nsource = "x"\nstatus = "derived"\n',
     r"walk\.speed_kmh\.value: expected a number, found float nan"),
    ('[walk.speed_kmh]\nvalue = inf\nsource = "x"\nstatus = "derived"\n',
     r"walk\.speed_kmh\.value: expected a number, found float inf"),
    ('[walk.headline_minutes]\nvalue = 900\nsource = "x"\nstatus = "derived"\n',
     r"walk\.headline_minutes\.value: 900 min is outside the plausible 0-240 min"),
    ('[facilities.pharmacy]\nminutes = 300\nsource = "x"\nstatus = "derived"\n',
     r"facilities\.pharmacy\.minutes: 300 min is outside"),
    ('[facilities.pharmacy]\nradius_m = 0\nsource = "x"\nstatus = "derived"\n',
     r"facilities\.pharmacy\.radius_m: expected a positive number, found 0"),
    ('[facilities.pharmacy]\nradius_m = -300\nsource = "x"\nstatus = "derived"\n',
     r"facilities\.pharmacy\.radius_m: expected a positive number"),
    ('[life_circles.fifteen]\nminutes = 1500\nsource = "x"\nstatus = "derived"\n',
     r"life_circles\.fifteen\.minutes: 1500 min is outside"),
    ('[facilities.pharmacy]\nradius_m = 500\nsource = "x\\u0007"\nstatus = "derived"\n',
     r"facilities\.pharmacy\.source: the text holds control or invisible characters \(U\+0007\)"),
])
def test_profile_numbers_and_texts(tmp_path, table, expect):
    with pytest.raises(PolicyError, match=r"mine\.toml: " + expect):
        load_profile(_write(tmp_path, "mine.toml", PROFILE_HEAD + table))


def test_profile_implausible_speed_cli(tmp_path, capsys):
    bad = _write(tmp_path, "mine.toml", PROFILE_HEAD + '[walk.speed_kmh]\nvalue = 80\nsource = "x"\n'
                 'status = "derived"\n')
    err = _fail(["profiles", "show", bad], capsys)
    assert "walk.speed_kmh.value: 80 km/h is outside the plausible 0.5-20 km/h" in err


def test_every_shipped_profile_is_within_the_bounds():
    from gis_planner.policy import list_profiles

    for entry in list_profiles():
        p = load_profile(entry["id"])
        assert p.speed_kmh is None or 0.5 <= p.speed_kmh <= 20
        assert all(0 < m <= 240 for m in p.category_minutes().values())


def test_reach_api_refuses_non_finite_parameters():
    import shapely

    from tests._networks import grid_network

    net = grid_network()
    homes = gpd.GeoDataFrame({"households": [10]}, index=pd.Index(["C1"], name="compound_id"),
                             geometry=[shapely.Point(50, 0)], crs=net.crs)
    fac = gpd.GeoDataFrame({"category": ["pharmacy"]}, index=pd.Index(["F1"], name="facility_id"),
                           geometry=[shapely.Point(350, 0)], crs=net.crs)
    from gis_planner.coverage import reach

    ok = reach(net, homes, fac, speed_kmh=4.0, walk_minutes=(15,))
    assert bool(ok.households["pharmacy_covered"].iloc[0])
    for kw, pattern in [
        ({"speed_kmh": math.inf}, r"speed_kmh = inf"),
        ({"walk_minutes": (5, math.nan)}, r"walk_minutes = nan"),
        ({"walk_minutes": (5, math.inf)}, r"walk_minutes = inf"),
        ({"headline_minutes": math.nan}, r"headline_minutes = nan"),
        ({"search_cap_m": math.nan}, r"search_cap_m = nan"),
        ({"category_minutes": {"pharmacy": math.inf}}, r"category_minutes\['pharmacy'\] = inf"),
        ({"snap_tolerance_m": math.inf}, r"snap_tolerance_m must be a finite number"),
    ]:
        args = {"speed_kmh": 4.0, "walk_minutes": (15,), **kw}
        with pytest.raises(InputDataError, match=pattern):
            reach(net, homes, fac, **args)


def test_facility_capacity_infinite_or_boolean_refused(tmp_path):
    from gis_planner.io import read_facilities

    csv = _write(tmp_path, "fac.csv", "id,name,category,capacity,lng,lat\n"
                 "F1,甲,pharmacy,inf,121.47,31.23\nF2,乙,pharmacy,5,121.48,31.23\n")
    with pytest.raises(InputDataError, match=r"fac\.csv: column 'capacity' has 1 values that are not "
                                             r"numbers >= 0 \(index F1\); expected finite numbers"):
        read_facilities(csv, source_coords="wgs84")
    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.47 + i / 1000, 31.23]},
              "properties": {"id": f"F{i}", "name": "药店", "category": "pharmacy", "capacity": v}}
             for i, v in enumerate([True, False], start=1)]
    gj = tmp_path / "fac.geojson"
    gj.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    with pytest.raises(InputDataError, match=r"fac\.geojson: column 'capacity' has 2 values that are "
                                             r"not numbers >= 0 \(index F1, F2\)"):
        read_facilities(gj)


# ------------------------------------------------------------------ household counts
H = "id,name,households,lng,lat\n"


@pytest.mark.parametrize(("cell", "count"), [
    ("1200", 1200), ('"1,200"', 1200), ("１２００", 1200), ('"１，２００"', 1200), ("1200.0", 1200),
    ('"12,345,678"', None), (" 35 ", 35), ("0", 0),
])
def test_household_counts_accepted_forms(tmp_path, cell, count):
    p = _write(tmp_path, "homes.csv", H + f"A,甲,{cell},121.47,31.23\n")
    if count is None:  # grouping accepted, then the per-compound ceiling applies
        with pytest.raises(InputDataError, match=r"counts above 20000 households per compound"):
            read_compounds(p, source_coords="wgs84")
        return
    homes = read_compounds(p, source_coords="wgs84")
    assert homes["households"].dtype == np.int64 and homes["households"].tolist() == [count]


@pytest.mark.parametrize(("cell", "expect"), [
    ("true", r"1 non-numeric values \(index B\), e\.g\. 'true'; expected whole numbers written like "
             r"1200, 1,200 or １２００"),
    ("是", r"1 non-numeric values \(index B\), e\.g\. '是'"),
    ("1e3", r"1 non-numeric values \(index B\), e\.g\. '1e3'"),
    ('"12,00"', r"1 non-numeric values \(index B\), e\.g\. '12,00'"),
    ('"1.200,5"', r"1 non-numeric values \(index B\)"),
    ("٣٠", r"1 non-numeric values \(index B\)"),  # Arabic-Indic digits: not documented, refused
    ("12.5", r"1 non-integer household counts \(index B\); expected whole numbers"),
    ("１２.５", r"1 non-integer household counts \(index B\)"),
    ("-3", r"1 negative or infinite values \(index B\)"),
    ("inf", r"1 negative or infinite values \(index B\)"),
])
def test_household_counts_refused_forms(tmp_path, cell, expect):
    p = _write(tmp_path, "homes.csv", H + f"A,甲,5,121.47,31.23\nB,乙,{cell},121.48,31.23\n")
    with pytest.raises(InputDataError, match=r"homes\.csv: column 'households' has " + expect):
        read_compounds(p, source_coords="wgs84")


def _geojson_compounds(tmp_path: Path, name: str, values: list) -> Path:
    feats = [{"type": "Feature", "properties": {"compound_id": f"C{i}", "households": v},
              "geometry": {"type": "Point", "coordinates": [121.47 + i / 1000, 31.23]}}
             for i, v in enumerate(values, start=1)]
    p = tmp_path / name
    p.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    return p


@pytest.mark.parametrize(("values", "expect"), [
    ([True, False], r"2 boolean values \(true/false; index C1, C2\); expected numbers"),
    ([12, 7.5], r"1 non-integer household counts \(index C2\)"),
    ([12.0, "lots"], r"1 non-numeric values \(index C2\), e\.g\. 'lots'"),
])
@pytest.mark.filterwarnings("ignore:Could not parse column:UserWarning")  # pyogrio on mixed types
def test_household_counts_in_geojson(tmp_path, values, expect):
    p = _geojson_compounds(tmp_path, "homes.geojson", values)
    with pytest.raises(InputDataError, match=r"homes\.geojson: column 'households' has " + expect):
        read_compounds(p)


def test_boolean_counts_refused_by_compute_functions():
    df = pd.DataFrame({"households": [True, False]}, index=["a", "b"])
    with pytest.raises(InputDataError, match=r"compounds: column 'households' has 2 boolean values"):
        require_nonnegative_numbers(df, "households", what="compounds")


def test_household_counts_cli(demo_dir, tmp_path, capsys):
    doc = json.loads((demo_dir / "compounds.geojson").read_text(encoding="utf-8"))
    for f in doc["features"]:  # a yes/no column taken for the counts
        f["properties"]["households"] = f["properties"]["households"] > 500
    n = sum(f["properties"]["households"] is True or f["properties"]["households"] is False
            for f in doc["features"])
    cids = [f["properties"]["compound_id"] for f in doc["features"][:5]]
    bad = tmp_path / "homes_bool.geojson"
    bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out" / "r.gpkg"
    args = _reach(demo_dir, out)
    args[args.index("--households") + 1] = bad
    err = _fail(args, capsys)
    assert err == (f"error: homes_bool.geojson: column 'households' has {n} boolean values "
                   f"(true/false; index {', '.join(cids)} (+{n - 5} more)); expected numbers."), err
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ control characters in names
def test_clean_text_rules():
    assert clean_text("和平\x07小区") == "和平小区"
    assert clean_text("a\u202eb\u200bc\ufeffd\u2066e\u2069") == "abcde"
    assert clean_text("一\t二\n三\u2028四\x85五") == "一 二 三 四 五"
    assert clean_text("\x9b31m红\x1b") == "31m红"  # C1 CSI and ESC
    assert clean_text("普通名称 (A-1)") == "普通名称 (A-1)"


def test_strip_warns_once_per_file_naming_columns_and_counts():
    df = pd.DataFrame({"name": ["甲\x07", "乙", "丙\u202e"], "code": ["01\u200b", "02", "03"],
                       "n": [1, 2, 3]})
    with pytest.warns(GisPlannerWarning) as rec:
        out = strip_control_characters(df, what="homes.csv")
    assert len(rec) == 1
    msg = str(rec[0].message)
    assert msg.startswith("homes.csv: removed control or invisible characters (U+0007, U+200B, "
                          "U+202E) from column 'name' (2 values), column 'code' (1 value)"), msg
    assert out["name"].tolist() == ["甲", "乙", "丙"] and out["code"].tolist() == ["01", "02", "03"]
    assert df["name"].tolist()[0] == "甲\x07"  # the input frame is untouched
    clean = pd.DataFrame({"name": ["甲"]})
    assert strip_control_characters(clean, what="x") is clean  # nothing to do, no warning


def test_read_compounds_csv_strips_names_and_ids(tmp_path):
    p = _write(tmp_path, "homes.csv", "id,name,households,lng,lat\nA\u200b,和平\x07小区,5,121.47,31.23\n"
               "B,\u202e区小,6,121.48,31.23\n")
    before = p.read_bytes()
    with pytest.warns(GisPlannerWarning, match=r"homes\.csv: removed control or invisible characters "
                                               r"\(U\+0007, U\+200B, U\+202E\) from column 'id' "
                                               r"\(1 value\), column 'name' \(2 values\)"):
        homes = read_compounds(p, source_coords="wgs84")
    assert homes.index.tolist() == ["A", "B"] and homes["name"].tolist() == ["和平小区", "区小"]
    assert p.read_bytes() == before  # the input file is never modified


def test_ids_equal_after_stripping_are_duplicates(tmp_path):
    p = _write(tmp_path, "homes.csv", "id,households,lng,lat\nA,5,121.47,31.23\nA\u200b,6,121.48,31.23\n")
    with pytest.warns(GisPlannerWarning), pytest.raises(InputDataError, match=r"duplicate ids \(A\)"):
        read_compounds(p, source_coords="wgs84")


def test_read_table_strips_header_and_gbk_cells(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes("名称\x07,代码\n菜\x1b市场,001\n".encode("gbk"))
    with pytest.warns(GisPlannerWarning, match=r"t\.csv: .*column '名称' \(1 value\), the header \(1 value\)"):
        df = read_table(p)
    assert df.columns.tolist() == ["名称", "代码"] and df["名称"].tolist() == ["菜市场"]


def test_vector_layer_names_stripped(tmp_path):
    p = _geojson_compounds(tmp_path, "homes.geojson", [5, 6])
    doc = json.loads(p.read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["name"] = "华庭\x07\u202e花园"
    doc["features"][1]["properties"]["name"] = "明珠苑"
    p.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.warns(GisPlannerWarning, match=r"homes\.geojson: .*column 'name' \(1 value\)"):
        homes = read_compounds(p)
    assert homes["name"].tolist() == ["华庭花园", "明珠苑"]


def _demo_with_control_characters(demo_dir: Path, folder: Path) -> Path:
    """A copy of the demo town whose compound and facility names hold \\x07, ESC and U+202E."""
    shutil.copytree(demo_dir, folder)
    path = folder / "compounds.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    for f in doc["features"][:3]:
        name = f["properties"]["name"]
        f["properties"]["name"] = name[:1] + "\x07\u202e" + name[1:]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    fac = folder / "facilities.csv"
    raw = fac.read_bytes()
    enc = "gbk" if not raw.startswith(b"\xef\xbb\xbf") else "utf-8-sig"
    lines = raw.decode(enc).split("\n")
    cells = lines[1].split(",")
    cells[1] = cells[1][:1] + "\x07\x1b" + cells[1][1:]
    lines[1] = ",".join(cells)
    fac.write_bytes("\n".join(lines).encode(enc))
    return folder / "plan.toml"


def test_control_characters_run_the_demo_plan_to_report_xlsx(demo_dir, tmp_path):
    from openpyxl import load_workbook

    from gis_planner.pipeline import load_plan_inputs, run_plan
    from gis_planner.report import render
    from gis_planner.report.model import build_report

    cfg = read_plan_config(_demo_with_control_characters(demo_dir, tmp_path / "plan"))
    with pytest.warns(GisPlannerWarning, match="removed control or invisible characters") as rec:
        inputs = load_plan_inputs(cfg)
    stripped = [str(w.message) for w in rec if "removed control" in str(w.message)]
    assert len(stripped) == 2  # one per file: compounds.geojson and facilities.csv
    assert not any("\x07" in n for n in inputs.compounds["name"])
    results = run_plan(cfg, inputs)
    xlsx = render.write_xlsx(build_report(results, lang="zh"), tmp_path / "report.xlsx")
    book = load_workbook(xlsx, read_only=True)
    assert book.sheetnames


def test_control_characters_cli_report_writes_every_output(demo_dir, tmp_path, capsys):
    from openpyxl import load_workbook

    cfg = _demo_with_control_characters(demo_dir, tmp_path / "plan")
    out = tmp_path / "out"
    with pytest.warns(GisPlannerWarning) as rec:
        code = main(["report", "--config", str(cfg), "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert sum("removed control or invisible characters" in str(w.message) for w in rec) == 2
    assert (out / "report.xlsx").exists() and (out / "report.html").exists()
    load_workbook(out / "report.xlsx", read_only=True)
