"""`gis-planner profiles`, `check` and `template` end to end on tiny hand-made files."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from gis_planner.cli import main

CRS = "EPSG:32651"


@pytest.fixture
def layers(tmp_path):
    """Two urban communities in one sub-district (S1) and a second sub-district (S2); an elderly
    centre in S1 given as a WGS-84 lon/lat CSV. Invented data, checkable by hand."""
    comm = gpd.GeoDataFrame(
        {
            "community_code": ["001", "002"],
            "name": ["一", "二"],
            "subdistrict_code": ["S1", "S1"],
            "urban_rural": ["urban", "urban"],
        },
        geometry=[box(300000, 3450000, 301000, 3451000), box(301000, 3450000, 302000, 3451000)],
        crs=CRS,
    )
    subs = gpd.GeoDataFrame(
        {
            "subdistrict_code": ["S1", "S2"],
            "name": ["甲", "乙"],
            "kind": ["subdistrict", "subdistrict"],
        },
        geometry=[box(300000, 3450000, 302000, 3451000), box(302000, 3450000, 303000, 3451000)],
        crs=CRS,
    )
    comm.to_file(tmp_path / "communities.gpkg")
    subs.to_file(tmp_path / "subdistricts.gpkg")
    pt = gpd.GeoSeries([Point(300500, 3450500)], crs=CRS).to_crs("EPSG:4326")
    pd.DataFrame({"category": ["subdistrict_elderly_centre"], "lon": pt.x, "lat": pt.y}).to_csv(
        tmp_path / "facilities.csv", index=False
    )
    pd.DataFrame(
        {
            "community_code": ["001", "002"],
            "households": [2500, 3000],
            "service_area_m2": [900, 600],
            "has_volunteer_station": ["是", "是"],
        }
    ).to_csv(tmp_path / "attributes.csv", index=False)
    return tmp_path


def test_profiles_list(capsys):
    assert main(["profiles"]) == 0
    out = capsys.readouterr().out
    for pid in (
        "taizhou-2023",
        "tianjin-14fyp",
        "hengyang-measures",
        "jiangsu-14fyp",
        "gb50180-2018",
        "mofcom-15min",
    ):
        assert pid in out
    line = next(ln for ln in out.splitlines() if ln.startswith("taizhou-2023"))
    assert "2023-08-31" in line and " 19 " in line


def test_profiles_show_every_value_with_source(capsys):
    assert main(["profiles", "show", "taizhou-2023", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Taizhou action plan" in out
    assert (
        "activity_area_share: Share of the service facility's floor area used for residents' "
        "activities: >= 70 %" in out
    )
    assert "[verified] 专栏1 第3项" in out
    assert "kindergarten (Kindergarten): 300 m = 4.5 min   [unverified]" in out
    assert "urban 2000–3000; urban high-rise 2000–5000; rural 1000–1500" in out
    assert main(["profiles", "show", "taizhou-2023"]) == 0
    assert "居民活动区域面积占社区综合服务设施总建筑面积比例" in capsys.readouterr().out


def test_profiles_show_errors_are_one_line(capsys, tmp_path):
    assert main(["profiles", "show", "atlantis"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: unknown profile 'atlantis'") and "\n" not in err
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'id = "b"\ntitle = { zh = "b", en = "b" }\nsource = "s"\nfoo = 1\n', encoding="utf-8"
    )
    assert main(["profiles", "show", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert "bad.toml: foo: unknown key" in err and "\n" not in err
    assert main(["profiles", "show", "taizhou-2023", "--lang", "fr"]) == 2


def test_template_then_check(layers, capsys):
    tpl = layers / "template.xlsx"
    assert (
        main(
            [
                "template",
                "--profile",
                "taizhou-2023",
                "--communities",
                str(layers / "communities.gpkg"),
                "--out",
                str(tpl),
            ]
        )
        == 0
    )
    assert tpl.is_file()
    assert main(["template", "--profile", "taizhou-2023", "--out", str(tpl)]) == 2
    assert "exists" in capsys.readouterr().err
    out = layers / "check.csv"
    args = [
        "check",
        "--profile",
        "taizhou-2023",
        "--attributes",
        str(layers / "attributes.csv"),
        "--communities",
        str(layers / "communities.gpkg"),
        "--subdistricts",
        str(layers / "subdistricts.gpkg"),
        "--facilities",
        str(layers / "facilities.csv"),
        "--coords",
        "wgs84",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    assert "not assessable" in capsys.readouterr().out
    table = pd.read_csv(out, encoding="utf-8-sig", dtype={"unit_id": str})
    per = table.set_index(["indicator_id", "unit_id"])
    assert per.loc[("service_area_m2_per_100_households", "001"), "status"] == "pass"  # 36
    assert per.loc[("service_area_m2_per_100_households", "002"), "status"] == "fail"  # 20
    assert per.loc[("volunteer_station_coverage", "city"), "status"] == "pass"
    assert per.loc[("subdistrict_elderly_centre_coverage", "S1"), "value"] == 1
    assert per.loc[("subdistrict_elderly_centre_coverage", "city"), "value"] == pytest.approx(50.0)
    assert main(args) == 2  # refuses to overwrite
    assert main([*args, "--overwrite"]) == 0


def test_check_needs_coords_for_csv_points(layers, capsys):
    out = layers / "c.xlsx"
    assert (
        main(
            [
                "check",
                "--profile",
                "taizhou-2023",
                "--facilities",
                str(layers / "facilities.csv"),
                "--subdistricts",
                str(layers / "subdistricts.gpkg"),
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert "--coords" in capsys.readouterr().err
    assert not out.exists()
    assert main(["check", "--profile", "taizhou-2023", "--out", str(layers / "c.txt")]) == 2


def test_check_with_reach_and_size_check(tmp_path, capsys):
    # household counts are invented: no real household counts exist for these files
    pd.DataFrame(
        {
            "compound_id": ["a", "b", "c"],
            "households": [100, 100, 200],
            "wet_market_min": [3.0, 20.0, 12.0],
        }
    ).to_csv(tmp_path / "reach.csv", index=False)
    pd.DataFrame(
        {
            "community_code": ["001", "002"],
            "households": [2500, 6000],
            "status": ["within_band", "too_large"],
        }
    ).to_csv(tmp_path / "size.csv", index=False)
    out = tmp_path / "check.xlsx"
    assert (
        main(
            [
                "check",
                "--profile",
                "taizhou-2023",
                "--reach",
                str(tmp_path / "reach.csv"),
                "--community-check",
                str(tmp_path / "size.csv"),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    table = pd.read_excel(out, sheet_name="compliance", dtype={"unit_id": str})
    wm = table[
        (table.indicator_id == "basic_formats_15min_coverage") & (table.category == "wet_market")
    ]
    assert wm["value"].iloc[0] == pytest.approx(75.0)  # 300 of 400 households within 15 min
    # the size band is a founding standard, reported with the communities, not a yearly indicator
    assert not (table.indicator_id == "community_size_within_band").any()
