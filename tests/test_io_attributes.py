"""The community attribute table reader of gis_planner.io, with a catalogue given by the caller."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

from gis_planner._errors import InputDataError
from gis_planner.io.attributes import (
    coerce_attribute_types,
    parse_bool,
    parse_urban_rural,
    read_attribute_table,
)


@dataclass(frozen=True)
class Field:
    label_zh: str
    type: str


FIELDS = {"staff": Field("工作人员", "number"), "station": Field("服务站", "bool")}


def test_reads_chinese_headers_and_types_from_the_catalogue(tmp_path):
    path = tmp_path / "attrs.csv"
    path.write_bytes(
        "社区代码,工作人员（人）,服务站,城乡,备注\n001,12,是,城市,a\n002,,否,农村,b\n".encode("gbk")
    )
    df = read_attribute_table(path, fields=FIELDS)
    assert df.index.tolist() == ["001", "002"]  # codes keep their leading zeros
    assert df["staff"].tolist()[0] == 12.0 and pd.isna(df["staff"].iloc[1])
    assert df["station"].dtype == "boolean" and df["station"].tolist() == [True, False]
    assert df["urban_rural"].tolist() == ["urban", "rural"]
    assert df["备注"].tolist() == ["a", "b"]  # unknown columns stay text
    assert df.attrs["source"] == str(path)


def test_the_catalogue_decides_the_types(tmp_path):
    path = tmp_path / "attrs.csv"
    path.write_text("community_code,staff\nA,x\n", encoding="utf-8")
    assert read_attribute_table(path, fields={})["staff"].tolist() == ["x"]
    with pytest.raises(InputDataError, match=r"attrs\.csv: column 'staff' has non-numeric .*A"):
        read_attribute_table(path, fields=FIELDS)


def test_parsers_and_in_memory_coercion():
    assert parse_bool("有") is True and parse_bool("×") is False and parse_bool(" ") is None
    assert parse_urban_rural("村委会") == "rural" and parse_urban_rural(None) is None
    with pytest.raises(ValueError):
        parse_bool("maybe")
    frame = pd.DataFrame({"staff": ["3", "-1"]}, index=pd.Index(["A", "B"], name="community_code"))
    with pytest.raises(InputDataError, match=r"mem: column 'staff' has negative .*B"):
        coerce_attribute_types(frame, FIELDS, label="mem")
    assert coerce_attribute_types(frame.iloc[:1], FIELDS, label="mem")["staff"].tolist() == [3.0]
