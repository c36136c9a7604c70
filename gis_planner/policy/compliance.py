"""The indicator compliance check: community data against a profile's indicators.

:func:`check_compliance` returns one row per indicator and unit (community, sub-district or the
whole city) with the value, the target and a status: ``pass``, ``fail`` or ``not assessable``.
A row that cannot be assessed says which data would make it assessable (e.g. "fill column
`community_workers` (社区工作者人数, persons) in the community attribute table").

Where values come from, by indicator ``kind``:

- ``ratio``, ``value``, ``flag_share``: the community attribute table
  (:func:`read_community_attributes`; template:
  :func:`gis_planner.policy.template.write_attribute_template`).
- ``facility_count``: facilities (points with ``category``) joined to sub-district or community
  polygons, in one metric CRS.
- ``reach_share``: a reach result (``ReachResult.households`` or its frame), columns
  ``households`` and ``<category>_min`` (or ``<category>_covered_<T>min`` / ``<category>_covered``).
- community size within band: the community size check (``community_code``, ``households``,
  ``status`` in ``too_small``/``within_band``/``too_large``), when the profile has bands.

Aggregation to the city (documented in ``docs/policy.md``):

- community-scope indicators: the city row is the share (%) of assessed communities that pass,
  against 100 % (every community);
- ``flag_share`` (city scope): share of applicable communities whose flag is yes, against the
  target share (e.g. volunteer-station coverage = share of communities with a station);
- ``ratio`` with city scope: ratio of sums over all applicable communities (e.g. community workers
  per 10,000 urban residents = sum of workers / sum of urban residents x 10,000);
- ``facility_count``: share of sub-districts (or communities) holding at least ``min_count``
  facilities, against the target share;
- a city-level value is not assessable when any applicable community lacks the data.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gis_planner._errors import InputDataError, PolicyError
from gis_planner._fs import atomic_path
from gis_planner.policy.profile import FieldInfo, Indicator, Profile, known_fields, load_profile

if TYPE_CHECKING:
    import geopandas as gpd

logger = logging.getLogger(__name__)

PASS, FAIL, NOT_ASSESSABLE = "pass", "fail", "not assessable"
STATUSES: tuple[str, ...] = (PASS, FAIL, NOT_ASSESSABLE)

#: Columns of :attr:`ComplianceResult.table`, in order.
TABLE_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "label_zh",
    "label_en",
    "scope",
    "unit_type",
    "unit_id",
    "unit_name",
    "category",
    "value",
    "comparison",
    "target",
    "target_max",
    "unit",
    "status",
    "needs",
    "note",
    "binding",
    "source",
    "source_status",
)

#: Identifier of the automatic community-size row (from the profile's community bands).
SIZE_INDICATOR_ID = "community_size_within_band"

_TRUE = {"是", "有", "yes", "y", "true", "t", "1", "1.0", "√", "✓"}
_FALSE = {"否", "无", "no", "n", "false", "f", "0", "0.0", "×", "✗"}
_URBAN = {"urban", "城市", "城镇", "社区", "居委会", "城市社区"}
_RURAL = {"rural", "农村", "乡村", "村", "村委会", "农村社区"}
_BASE_COLUMNS = ("community_code", "name", "subdistrict_code", "urban_rural", "high_rise")


@dataclass(frozen=True)
class ComplianceResult:
    """Outcome of :func:`check_compliance`.

    Attributes
    ----------
    table
        One row per indicator x unit; columns :data:`TABLE_COLUMNS`. ``unit_type`` is
        ``community``, ``subdistrict`` or ``city``; ``status`` is ``pass``, ``fail`` or
        ``not assessable`` (then ``needs`` names the missing data).
    profile_id, profile_title
        The profile checked against.
    inputs
        Names of the inputs given (``attributes``, ``communities``, ``facilities``, ...).
    """

    table: pd.DataFrame
    profile_id: str
    profile_title: str
    inputs: tuple[str, ...] = ()

    def city_rows(self) -> pd.DataFrame:
        """The city-wide rows only (one per indicator, one per category for reach rows)."""
        return self.table[self.table["unit_type"] == "city"].reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """Counts of ``pass`` / ``fail`` / ``not assessable`` rows per indicator."""
        counts = (
            self.table.groupby(["indicator_id", "status"], sort=False).size().unstack(fill_value=0)
        )
        for s in STATUSES:
            if s not in counts.columns:
                counts[s] = 0
        return counts[list(STATUSES)]

    def status_of(self, indicator_id: str, unit_id: str = "city", *, category: str = "") -> str:
        """Status of one row (``unit_id`` is a community/sub-district code or ``"city"``).

        Raises
        ------
        KeyError
            When no such row exists.
        """
        t = self.table
        mask = (t["indicator_id"] == indicator_id) & (t["unit_id"] == unit_id)
        if category:
            mask &= t["category"] == category
        rows = t[mask]
        if rows.empty:
            raise KeyError(
                f"no row for indicator {indicator_id!r}, unit {unit_id!r} {category}".strip()
            )
        return str(rows["status"].iloc[0])


# --------------------------------------------------------------------------------------------
# Reading the attribute table
# --------------------------------------------------------------------------------------------


def _parse_bool(value: Any) -> bool | None:
    if _is_missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("", "nan", "none"):
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(text)


def _parse_urban_rural(value: Any) -> str | None:
    if _is_missing(value):
        return None
    text = str(value).strip().lower()
    if text in ("", "nan", "none"):
        return None
    if text in _URBAN:
        return "urban"
    if text in _RURAL:
        return "rural"
    raise ValueError(text)


def _rows_text(codes: list[str], limit: int = 5) -> str:
    shown = ", ".join(codes[:limit])
    return shown + (f" (+{len(codes) - limit} more)" if len(codes) > limit else "")


def _read_raw(path: Path, label: str) -> pd.DataFrame:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        if not path.is_file():
            raise InputDataError(f"{label}: file not found.")
        try:
            raw = pd.read_excel(path, sheet_name=0, header=None, dtype=str)
        except Exception as exc:  # openpyxl raises many kinds
            raise InputDataError(f"{label}: cannot read the workbook ({exc}).") from exc
    else:
        from gis_planner.io.tables import read_table

        df = read_table(path, what=label)
        raw = pd.concat(
            [pd.DataFrame([list(df.columns)]), pd.DataFrame(df.to_numpy())], ignore_index=True
        )
    return raw


def _header_names(row: pd.Series, catalogue: Mapping[str, FieldInfo]) -> list[str]:
    zh_to_id = {f.label_zh: name for name, f in catalogue.items()}
    zh_to_id.update(
        {
            "社区代码": "community_code",
            "社区编码": "community_code",
            "名称": "name",
            "社区名称": "name",
            "街道代码": "subdistrict_code",
            "城乡": "urban_rural",
            "城乡类型": "urban_rural",
            "高层住宅社区": "high_rise",
        }
    )
    out = []
    for cell in row.tolist():
        text = (
            ""
            if cell is None or (isinstance(cell, float) and math.isnan(cell))
            else str(cell).strip()
        )
        bare = re.sub(r"[（(][^（）()]*[）)]$", "", text).strip()  # "户数（households）" -> "户数"
        out.append(zh_to_id.get(text, zh_to_id.get(bare, text)))
    return out


def read_community_attributes(
    path: str | os.PathLike[str], *, profile: Profile | str | None = None
) -> pd.DataFrame:
    """Read a community attribute table (CSV in UTF-8/GBK/GB18030, or the .xlsx template).

    The header is the row holding ``community_code`` (the template's second header row; a
    first row of Chinese labels is skipped). Chinese labels of known fields are accepted as
    headers too. Number fields must be numbers >= 0 (empty = not filled); yes/no fields accept
    是/否, 有/无, yes/no, y/n, true/false, 1/0; ``urban_rural`` accepts urban/rural, 城市/农村.

    Parameters
    ----------
    path
        The table file.
    profile
        A profile (or id) whose own ``[fields]`` extend the shipped field catalogue.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``community_code`` (str); number fields as float, yes/no fields as
        ``boolean`` (nullable), other columns as text.

    Raises
    ------
    InputDataError
        Missing file or ``community_code`` column, duplicate or empty codes, a non-numeric or
        negative number, or an unreadable yes/no value (file, column and community codes named).
    """
    path = Path(path)
    label = str(path)
    catalogue: dict[str, FieldInfo] = dict(known_fields())
    if profile is not None:
        prof = profile if isinstance(profile, Profile) else load_profile(profile)
        catalogue.update(prof.fields)
    raw = _read_raw(path, label)
    header_row = None
    for i in range(min(3, len(raw))):  # the row of column ids wins over a row of Chinese labels
        if "community_code" in [str(x).strip() for x in raw.iloc[i].tolist()]:
            header_row = i
            break
    if header_row is None:
        for i in range(min(3, len(raw))):
            if "community_code" in _header_names(raw.iloc[i], catalogue):
                header_row = i
                break
    if header_row is None:
        raise InputDataError(
            f"{label}: no 'community_code' column in the first rows; expected a header with "
            "community_code (社区代码) and the attribute fields (see `gis-planner template`)."
        )
    names = _header_names(raw.iloc[header_row], catalogue)
    df = raw.iloc[header_row + 1 :].copy()
    df.columns = names
    df = df.loc[:, [n != "" for n in names]]
    df = df.dropna(how="all")
    codes = df["community_code"].astype("string").str.strip()
    empty = codes.isna() | (codes == "")
    if empty.any():
        rows = [str(i + 1) for i in np.flatnonzero(empty.to_numpy())]
        raise InputDataError(
            f"{label}: column 'community_code' is empty in data row(s) {_rows_text(rows)}; "
            "every row needs its community code."
        )
    dup = codes.duplicated(keep=False)
    if dup.any():
        raise InputDataError(
            f"{label}: duplicate community_code {_rows_text(sorted(set(codes[dup])))}; "
            "give one row per community."
        )
    df.index = pd.Index(codes.astype(str).to_list(), name="community_code")
    df = df.drop(columns=["community_code"])
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        series = df[col]
        info = catalogue.get(col)
        if col == "urban_rural":
            out[col] = _convert(series, _parse_urban_rural, label, col, "urban/rural (城市/农村)")
        elif col == "high_rise" or (info is not None and info.type == "bool"):
            out[col] = _convert(series, _parse_bool, label, col, "是/否, yes/no or 1/0").astype(
                "boolean"
            )
        elif info is not None and info.type == "number":
            out[col] = _numbers(series, label, col)
        else:
            if col not in _BASE_COLUMNS:
                logger.info("%s: column %r is not a known field; kept as text", label, col)
            out[col] = series.astype("string")
    out.attrs["source"] = label
    logger.info("%s: %d communities, %d attribute columns", label, len(out), len(out.columns))
    return out


def _convert(series: pd.Series, parse: Any, label: str, col: str, expected: str) -> pd.Series:
    values, bad = [], []
    for code, v in series.items():
        try:
            values.append(parse(v))
        except ValueError:
            bad.append(str(code))
            values.append(None)
    if bad:
        raise InputDataError(
            f"{label}: column {col!r} has values that are not {expected} "
            f"(community_code {_rows_text(bad)})."
        )
    return pd.Series(values, index=series.index, dtype=object)


def _numbers(series: pd.Series, label: str, col: str) -> pd.Series:
    text = series.astype("string").str.strip().str.replace(",", "", regex=False)
    text = text.mask(text == "")
    values = pd.to_numeric(text, errors="coerce")
    bad = values.isna() & text.notna()
    if bad.any():
        raise InputDataError(
            f"{label}: column {col!r} has non-numeric values "
            f"(community_code {_rows_text([str(c) for c in series.index[bad]])}); "
            "expected numbers (leave empty when unknown)."
        )
    neg = (values < 0) | np.isinf(values)
    if neg.any():
        raise InputDataError(
            f"{label}: column {col!r} has negative or infinite values "
            f"(community_code {_rows_text([str(c) for c in series.index[neg]])}); "
            "expected numbers >= 0."
        )
    return values.astype(float)


# --------------------------------------------------------------------------------------------
# The check
# --------------------------------------------------------------------------------------------


def _compare(value: float, ind_comparison: str, target: float, target_max: float | None) -> bool:
    eps = 1e-9
    if ind_comparison == ">=":
        return value >= target - eps
    if ind_comparison == ">":
        return value > target + eps
    if ind_comparison == "<=":
        return value <= target + eps
    if ind_comparison == "<":
        return value < target - eps
    if ind_comparison == "range":
        return target - eps <= value <= (target_max if target_max is not None else math.inf) + eps
    raise PolicyError(f"unknown comparison {ind_comparison!r}")


def _field_text(name: str, fields: Mapping[str, FieldInfo]) -> str:
    info = fields.get(name)
    if info is None:
        return f"`{name}`"
    unit = f", {info.unit}" if info.unit else ""
    return f"`{name}` ({info.label_zh}{unit})"


def _index_by_code(df: pd.DataFrame, what: str) -> pd.DataFrame:
    if "community_code" in df.columns:
        out = df.set_index(df["community_code"].astype(str))
        out = out.drop(columns=["community_code"])
    elif df.index.name == "community_code":
        out = df.copy()
    else:
        raise InputDataError(
            f"{what}: no 'community_code' column or index; "
            f"found columns {', '.join(map(str, df.columns)) or 'none'}."
        )
    out.index = out.index.astype(str)
    out.index.name = "community_code"
    if out.index.duplicated().any():
        dups = sorted(set(out.index[out.index.duplicated()]))
        raise InputDataError(f"{what}: duplicate community_code {_rows_text(dups)}.")
    return out


def _coerce_attributes(attrs: pd.DataFrame, fields: Mapping[str, FieldInfo]) -> pd.DataFrame:
    """Type the known fields of an attribute frame given in memory (numbers, yes/no)."""
    label = str(attrs.attrs.get("source", "community attribute table"))
    out = attrs.copy()
    for col in out.columns:
        info = fields.get(col)
        if col == "high_rise" or (info is not None and info.type == "bool"):
            out[col] = _convert(out[col], _parse_bool, label, col, "是/否, yes/no or 1/0").astype(
                "boolean"
            )
        elif info is not None and info.type == "number":
            out[col] = _numbers(out[col], label, col)
    return out


def _community_frame(
    attributes: pd.DataFrame | None,
    communities: Any,
    community_check: pd.DataFrame | None,
    fields: Mapping[str, FieldInfo],
) -> pd.DataFrame:
    """One row per community: attributes, plus name/urban_rural/... from the layer and households
    from the size check where the attribute table lacks them."""
    parts: list[pd.DataFrame] = []
    if attributes is not None:
        parts.append(
            _coerce_attributes(
                _index_by_code(pd.DataFrame(attributes), "community attribute table"), fields
            )
        )
    if communities is not None:
        layer = _index_by_code(
            pd.DataFrame(communities).drop(columns="geometry", errors="ignore"), "communities"
        )
        keep = [
            c
            for c in ("name", "subdistrict_code", "urban_rural", "high_rise", "households")
            if c in layer.columns
        ]
        parts.append(layer[keep])
    if community_check is not None:
        chk = _index_by_code(pd.DataFrame(community_check), "community size check")
        keep = [c for c in ("households", "urban_rural", "high_rise", "name") if c in chk.columns]
        parts.append(chk[keep])
    if not parts:
        return pd.DataFrame(index=pd.Index([], name="community_code", dtype=str))
    frame = parts[0].copy()
    for extra in parts[1:]:
        new_rows = extra.index.difference(frame.index)
        if len(new_rows):
            frame = pd.concat([frame, pd.DataFrame(index=new_rows)])
        for col in extra.columns:
            if col not in frame.columns:
                frame[col] = extra[col].reindex(frame.index)
            else:  # the attribute table wins; fill its gaps
                frame[col] = frame[col].where(frame[col].notna(), extra[col].reindex(frame.index))
    if "urban_rural" in frame.columns:
        frame["urban_rural"] = [
            _parse_urban_rural(v) if isinstance(v, str) else None for v in frame["urban_rural"]
        ]
    frame.index.name = "community_code"
    return frame


class _Rows:
    """Collects output rows for one indicator."""

    def __init__(self, ind: Indicator | None, fields: Mapping[str, FieldInfo], **defaults: Any):
        self.rows: list[dict[str, Any]] = []
        self.fields = fields
        self.base: dict[str, Any] = {}
        if ind is not None:
            self.base = {
                "indicator_id": ind.id,
                "label_zh": ind.label_zh,
                "label_en": ind.label_en,
                "scope": ind.scope,
                "comparison": ind.comparison,
                "target": ind.target,
                "target_max": ind.target_max,
                "unit": ind.unit,
                "binding": ind.binding,
                "source": ind.source,
                "source_status": ind.status,
                "note": ind.note,
                "category": "",
            }
        self.base.update(defaults)

    def add(
        self,
        *,
        unit_type: str,
        unit_id: str,
        unit_name: str = "",
        value: float | None,
        status: str,
        needs: str = "",
        **over: Any,
    ) -> None:
        row = dict(self.base)
        row.update(
            unit_type=unit_type,
            unit_id=unit_id,
            unit_name=unit_name,
            value=None if value is None else float(value),
            status=status,
            needs=needs,
        )
        row.update(over)
        self.rows.append(row)


def _applicable(ind: Indicator, frame: pd.DataFrame) -> tuple[pd.Index, list[str], str]:
    """Communities the indicator applies to; codes whose applicability is unknown; the fix."""
    idx = frame.index
    unknown: list[str] = []
    fix = ""
    if ind.applies_to != "all":
        ur = frame["urban_rural"] if "urban_rural" in frame.columns else pd.Series(None, index=idx)
        unknown = [str(c) for c in idx[ur.isna().to_numpy()]]
        idx = idx[(ur == ind.applies_to).to_numpy()]
        fix = (
            "fill column `urban_rural` (urban/rural) in the community attribute table "
            "or the communities layer"
        )
    if ind.min_households:
        hh = (
            frame["households"]
            if "households" in frame.columns
            else pd.Series(np.nan, index=frame.index)
        )
        hh = pd.to_numeric(hh, errors="coerce")
        missing = [str(c) for c in idx[hh.reindex(idx).isna().to_numpy()]]
        unknown += missing
        if missing:
            fix = (fix + "; " if fix else "") + "fill column `households` (户数)"
        idx = idx[(hh.reindex(idx) >= ind.min_households).to_numpy()]
    return idx, unknown, fix


def _needs_columns(
    cols: list[str],
    fields: Mapping[str, FieldInfo],
    codes: list[str] | None = None,
    frame: pd.DataFrame | None = None,
) -> str:
    if frame is not None and not any(c in frame.columns for c in cols):
        codes = None  # the columns are absent altogether: no need to list communities
    what = ", ".join(_field_text(c, fields) for c in cols)
    where = f" for community {_rows_text(codes)}" if codes else ""
    return f"fill column {what} in the community attribute table{where}"


def _tabular(
    ind: Indicator, frame: pd.DataFrame, fields: Mapping[str, FieldInfo], has_attributes: bool
) -> list[dict[str, Any]]:
    rows = _Rows(ind, fields)
    cols = list(ind.data_needed)
    names = frame["name"] if "name" in frame.columns else pd.Series("", index=frame.index)
    applicable, unknown, fix = _applicable(ind, frame)
    per_unit: dict[str, tuple[float | None, str]] = {}  # code -> (value, status)

    def col_values(col: str) -> pd.Series:
        if col in frame.columns:
            return frame[col]
        return pd.Series(pd.NA, index=frame.index, dtype=object)

    for code in unknown:
        if code not in applicable:
            rows.add(
                unit_type="community",
                unit_id=code,
                unit_name=_str(names.get(code)),
                value=None,
                status=NOT_ASSESSABLE,
                needs=fix,
            )
    flag_mode = ind.kind == "flag_share"
    for code in applicable:
        missing = [c for c in cols if _is_missing(col_values(c).get(code))]
        value: float | None = None
        status = NOT_ASSESSABLE
        needs = ""
        if missing:
            needs = _needs_columns(missing, fields)
        elif ind.kind == "ratio" and ind.scope == "city":
            value = math.nan  # only the sums matter (see the city row)
        elif ind.kind == "ratio":
            num = float(col_values(ind.numerator).get(code))
            den = float(col_values(ind.denominator).get(code))
            if den == 0:
                needs = f"{_field_text(ind.denominator, fields)} is 0; fill the real value"
            else:
                value = num / den * ind.scale
        elif flag_mode:
            value = 1.0 if bool(col_values(ind.column).get(code)) else 0.0
        else:
            value = float(col_values(ind.column).get(code))
        if value is not None and math.isnan(value):
            status = ""
        elif value is not None:
            if flag_mode:
                status = PASS if value == 1.0 else FAIL
            else:
                status = (
                    PASS if _compare(value, ind.comparison, ind.target, ind.target_max) else FAIL
                )
        per_unit[code] = (value, status)
        if ind.scope == "community" or flag_mode:
            extra: dict[str, Any] = {}
            if flag_mode:
                extra = {"comparison": "=", "target": 1.0, "target_max": None, "unit": "yes=1/no=0"}
            rows.add(
                unit_type="community",
                unit_id=code,
                unit_name=_str(names.get(code)),
                value=value,
                status=status,
                needs=needs,
                **extra,
            )

    # city row
    not_filled = [c for c, (v, _) in per_unit.items() if v is None] + [
        c for c in unknown if c not in per_unit
    ]
    lacking = [
        c
        for c in cols
        if c not in frame.columns
        or frame[c].reindex([x for x in not_filled if x in frame.index]).isna().any()
    ]
    fill_needs = _needs_columns(lacking or cols, fields, not_filled, frame) if not_filled else ""
    if unknown and fix:
        fill_needs = _join(fill_needs, fix)
    known = [c for c, (v, _) in per_unit.items() if v is not None]
    if not known:
        needs = (
            _needs_columns(cols, fields)
            if not has_attributes or not len(applicable)
            else _needs_columns(cols, fields, not_filled, frame)
        )
        if unknown and fix and not applicable.size:
            needs = fix
        extra = (
            {
                "comparison": ">=",
                "target": 100.0,
                "target_max": None,
                "unit": "% of communities passing",
            }
            if ind.scope == "community"
            else {}
        )
        rows.add(
            unit_type="city",
            unit_id="city",
            value=None,
            status=NOT_ASSESSABLE,
            needs=needs,
            **extra,
        )
    elif ind.scope == "community":
        n_pass = sum(per_unit[c][1] == PASS for c in known)
        share = 100.0 * n_pass / len(known)
        note = f"{n_pass} of {len(known)} assessed communities pass"
        if not_filled:
            note += f"; {len(not_filled)} not assessable"
        if n_pass < len(known):  # one failing community fails the city whatever the rest holds
            status, needs = FAIL, ""
        elif not_filled:
            status, needs = NOT_ASSESSABLE, fill_needs
        else:
            status, needs = PASS, ""
        rows.add(
            unit_type="city",
            unit_id="city",
            value=share,
            status=status,
            needs=needs,
            comparison=">=",
            target=100.0,
            target_max=None,
            unit="% of communities passing",
            note=_join(ind.note, note),
        )
    elif flag_mode:
        yes = int(sum(per_unit[c][0] for c in known))
        n_all = len(known) + len(not_filled)
        share = 100.0 * yes / len(known)
        low_ok = _compare(100.0 * yes / n_all, ind.comparison, ind.target, ind.target_max)
        high_ok = _compare(
            100.0 * (yes + len(not_filled)) / n_all, ind.comparison, ind.target, ind.target_max
        )
        note = f"{yes} of {len(known)} communities"
        if not_filled:
            note += f"; {len(not_filled)} without data (share bounds decide the status)"
        if low_ok and high_ok:
            status, needs = PASS, ""
        elif not low_ok and not high_ok:
            status, needs = FAIL, ""
        else:
            status, needs = NOT_ASSESSABLE, fill_needs
        rows.add(
            unit_type="city",
            unit_id="city",
            value=share,
            status=status,
            needs=needs,
            note=_join(ind.note, note),
        )
    elif not_filled:
        rows.add(
            unit_type="city", unit_id="city", value=None, status=NOT_ASSESSABLE, needs=fill_needs
        )
    else:
        num = float(pd.to_numeric(col_values(ind.numerator).reindex(known)).sum())
        den = float(pd.to_numeric(col_values(ind.denominator).reindex(known)).sum())
        if den <= 0:
            rows.add(
                unit_type="city",
                unit_id="city",
                value=None,
                status=NOT_ASSESSABLE,
                needs=f"{_field_text(ind.denominator or '', fields)} sums to 0; "
                "fill the real values",
            )
        else:
            value = num / den * ind.scale
            note = f"sum {ind.numerator} {num:g} / sum {ind.denominator} {den:g} x {ind.scale:g}"
            ok = _compare(value, ind.comparison, ind.target, ind.target_max)
            rows.add(
                unit_type="city",
                unit_id="city",
                value=value,
                status=PASS if ok else FAIL,
                note=_join(ind.note, note),
            )
    return rows.rows


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _str(x: Any) -> str:
    return "" if _is_missing(x) else str(x)


def _is_missing(x: Any) -> bool:
    if x is None or x is pd.NA:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _facilities_frame(facilities: Any, siting: Any) -> tuple[Any, int]:
    frames = []
    if facilities is not None:
        frames.append(facilities)
    n_proposed = 0
    if siting is not None:
        chosen = getattr(siting, "chosen", siting)
        if "category" not in getattr(chosen, "columns", ()):
            raise InputDataError(
                "siting: proposed sites need a 'category' column (glossary id) "
                "to count towards facility indicators."
            )
        frames.append(chosen)
        n_proposed = len(chosen)
    if not frames:
        return None, 0
    if len(frames) == 1:
        return frames[0], n_proposed
    import geopandas as gpd

    from gis_planner._validate import require_same_crs

    require_same_crs(frames[0], frames[1], what_a="facilities", what_b="siting result")
    merged = pd.concat(
        [
            f[["category", f.geometry.name]].rename_geometry("geometry")
            if f.geometry.name != "geometry"
            else f[["category", "geometry"]]
            for f in frames
        ],
        ignore_index=True,
    )
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=frames[0].crs), n_proposed


def _facility_count(
    ind: Indicator,
    facilities: Any,
    n_proposed: int,
    units: Any,
    frame: pd.DataFrame,
    fields: Mapping[str, FieldInfo],
) -> list[dict[str, Any]]:
    rows = _Rows(ind, fields)
    layer = "subdistricts" if ind.scope == "subdistrict" else "communities"
    cats = ", ".join(ind.categories)
    missing = []
    if facilities is None:
        missing.append(f"a facilities layer with category {cats} (--facilities)")
    if units is None or "geometry" not in getattr(units, "columns", ()):
        missing.append(f"the {layer} polygons (--{layer})")
    if missing:
        rows.add(
            unit_type="city",
            unit_id="city",
            value=None,
            status=NOT_ASSESSABLE,
            needs="give " + " and ".join(missing),
        )
        return rows.rows
    import geopandas as gpd

    from gis_planner._validate import require_columns, require_metric_crs, require_same_crs

    require_columns(facilities, ["category"], what="facilities")
    require_metric_crs(facilities, what="facilities")
    require_metric_crs(units, what=layer)
    require_same_crs(facilities, units, what_a="facilities", what_b=layer)
    code_col = "subdistrict_code" if layer == "subdistricts" else "community_code"
    poly = units.copy()
    if code_col in poly.columns:
        poly.index = poly[code_col].astype(str)
    poly.index = poly.index.astype(str)
    poly.index.name = code_col
    # which units the indicator applies to
    if ind.applies_to != "all":
        if layer == "subdistricts":
            if "kind" not in poly.columns:
                rows.add(
                    unit_type="city",
                    unit_id="city",
                    value=None,
                    status=NOT_ASSESSABLE,
                    needs="fill column `kind` (subdistrict/township) in the subdistricts layer",
                )
                return rows.rows
            want = "subdistrict" if ind.applies_to == "urban" else "township"
            poly = poly[poly["kind"].astype(str) == want]
        else:
            ur = (
                frame["urban_rural"].reindex(poly.index) if "urban_rural" in frame.columns else None
            )
            if ur is None or ur.isna().any():
                rows.add(
                    unit_type="city",
                    unit_id="city",
                    value=None,
                    status=NOT_ASSESSABLE,
                    needs="fill column `urban_rural` (urban/rural) in the communities layer",
                )
                return rows.rows
            poly = poly[(ur == ind.applies_to).to_numpy()]
    sel = facilities[facilities["category"].astype(str).isin(ind.categories)]
    counts = pd.Series(0, index=poly.index, dtype=int)
    if len(sel) and len(poly):
        joined = gpd.sjoin(
            sel[[sel.geometry.name]],
            poly[[poly.geometry.name]],
            how="inner",
            predicate="intersects",
        )
        joined = joined[
            ~joined.index.duplicated(keep="first")
        ]  # a point on a shared edge counts once
        counts = counts.add(
            joined.groupby(
                "index_right" if "index_right" in joined.columns else joined.columns[-1]
            ).size(),
            fill_value=0,
        ).astype(int)
    names = poly["name"] if "name" in poly.columns else pd.Series("", index=poly.index)
    unit_type = "subdistrict" if layer == "subdistricts" else "community"
    for code, n in counts.items():
        rows.add(
            unit_type=unit_type,
            unit_id=str(code),
            unit_name=_str(names.get(code)),
            value=n,
            status=PASS if n >= ind.min_count else FAIL,
            comparison=">=",
            target=float(ind.min_count),
            target_max=None,
            unit=f"facilities ({cats})",
        )
    if not len(counts):
        rows.add(
            unit_type="city",
            unit_id="city",
            value=None,
            status=NOT_ASSESSABLE,
            needs=f"no {layer} the indicator applies to ({ind.applies_to}) in the layer",
        )
        return rows.rows
    share = 100.0 * float((counts >= ind.min_count).sum()) / len(counts)
    note = (
        f"{int((counts >= ind.min_count).sum())} of {len(counts)} {layer} have >= {ind.min_count}"
    )
    if n_proposed:
        note += f"; includes {n_proposed} proposed sites"
    rows.add(
        unit_type="city",
        unit_id="city",
        value=share,
        status=PASS if _compare(share, ind.comparison, ind.target, ind.target_max) else FAIL,
        note=_join(ind.note, note),
    )
    return rows.rows


def _reach_share(
    ind: Indicator, profile: Profile, reach: Any, fields: Mapping[str, FieldInfo]
) -> list[dict[str, Any]]:
    rows = _Rows(ind, fields)
    if reach is None or isinstance(reach, pd.DataFrame):
        hh = reach
    else:  # a ReachResult: its household table
        hh = getattr(reach, "households", None)
        if not isinstance(hh, pd.DataFrame):
            raise InputDataError(
                "reach: expected a ReachResult (with a households table) or that "
                f"table as a DataFrame; got {type(reach).__name__}."
            )
    cat_minutes: dict[str, float] = {}
    if profile.speed_kmh is not None:
        cat_minutes = profile.category_minutes()
    for cat in ind.categories:
        minutes = ind.minutes or cat_minutes.get(cat) or profile.headline_minutes
        extra = {"category": cat, "note": _join(ind.note, f"within {minutes:g} min")}
        if hh is None:
            rows.add(
                unit_type="city",
                unit_id="city",
                value=None,
                status=NOT_ASSESSABLE,
                needs=f"a reach result covering {cat} "
                f"(gis-planner reach ... --profile {profile.id}; "
                "pass it as --reach)",
                **extra,
            )
            continue
        if "households" not in hh.columns:
            raise InputDataError(
                "reach result: missing column 'households' in its household table."
            )
        weights = pd.to_numeric(hh["households"], errors="coerce").fillna(0.0).to_numpy(float)
        covered = None
        tcol = f"{cat}_covered_{minutes:g}min"
        if f"{cat}_min" in hh.columns:
            mins = pd.to_numeric(hh[f"{cat}_min"], errors="coerce").to_numpy(float)
            covered = np.nan_to_num(mins, nan=np.inf) <= minutes + 1e-9
        elif tcol in hh.columns:
            covered = hh[tcol].fillna(False).to_numpy(bool)
        elif f"{cat}_covered" in hh.columns and minutes == profile.headline_minutes:
            covered = hh[f"{cat}_covered"].fillna(False).to_numpy(bool)
        if covered is None:
            rows.add(
                unit_type="city",
                unit_id="city",
                value=None,
                status=NOT_ASSESSABLE,
                needs=f"a reach result that includes category {cat} (columns {cat}_min)",
                **extra,
            )
            continue
        total = weights.sum()
        if total <= 0:
            rows.add(
                unit_type="city",
                unit_id="city",
                value=None,
                status=NOT_ASSESSABLE,
                needs="households in the reach result sum to 0",
                **extra,
            )
            continue
        share = 100.0 * float(weights[covered].sum()) / float(total)
        rows.add(
            unit_type="city",
            unit_id="city",
            value=share,
            status=PASS if _compare(share, ind.comparison, ind.target, ind.target_max) else FAIL,
            **extra,
        )
    return rows.rows


def _size_rows(
    profile: Profile,
    community_check: pd.DataFrame | None,
    frame: pd.DataFrame,
    fields: Mapping[str, FieldInfo],
) -> list[dict[str, Any]]:
    bands = profile.community_bands
    assert bands is not None
    rows = _Rows(
        None,
        fields,
        indicator_id=SIZE_INDICATOR_ID,
        label_zh="社区规模（户数）在规定区间内",
        label_en="Community size (households) within the band",
        scope="community",
        comparison="range",
        target=None,
        target_max=None,
        unit="households",
        binding="",
        source=bands.source,
        source_status=bands.status,
        note=bands.note,
        category="",
    )
    if community_check is None:
        rows.add(
            unit_type="city",
            unit_id="city",
            value=None,
            status=NOT_ASSESSABLE,
            needs="the community size check (gis-planner communities ...; "
            "pass it as --community-check)",
        )
        return rows.rows
    chk = _index_by_code(pd.DataFrame(community_check), "community size check")
    from gis_planner._validate import require_columns

    require_columns(chk, ["households", "status"], what="community size check")
    names = frame["name"] if "name" in frame.columns else pd.Series("", index=frame.index)
    n_pass = 0
    for code, r in chk.iterrows():
        ur = frame["urban_rural"].get(code) if "urban_rural" in frame.columns else None
        hr = frame["high_rise"].get(code) if "high_rise" in frame.columns else None
        lo = hi = None
        if isinstance(ur, str):
            lo, hi = bands.band_for(ur, bool(hr) if not _is_missing(hr) else False)
        status = {"within_band": PASS, "too_small": FAIL, "too_large": FAIL}.get(str(r["status"]))
        if status is None:
            rows.add(
                unit_type="community",
                unit_id=str(code),
                unit_name=_str(names.get(code)),
                value=None,
                status=NOT_ASSESSABLE,
                needs=f"size-check status {r['status']!r} is not within_band/too_small/too_large",
            )
            continue
        n_pass += status == PASS
        rows.add(
            unit_type="community",
            unit_id=str(code),
            unit_name=_str(names.get(code)),
            value=float(r["households"]),
            status=status,
            target=None if lo is None else float(lo),
            target_max=None if hi is None else float(hi),
        )
    n = len(chk)
    if n:
        share = 100.0 * n_pass / n
        rows.add(
            unit_type="city",
            unit_id="city",
            value=share,
            status=PASS if n_pass == n else FAIL,
            comparison=">=",
            target=100.0,
            unit="% of communities within band",
            note=f"{n_pass} of {n} communities within band",
        )
    return rows.rows


def check_compliance(
    profile: Profile | str,
    *,
    communities: gpd.GeoDataFrame | pd.DataFrame | None = None,
    attributes: pd.DataFrame | None = None,
    reach: Any = None,
    community_check: pd.DataFrame | None = None,
    facilities: gpd.GeoDataFrame | None = None,
    subdistricts: gpd.GeoDataFrame | None = None,
    siting: Any = None,
) -> ComplianceResult:
    """Check community data against every indicator of ``profile``.

    Parameters
    ----------
    profile
        A :class:`~gis_planner.policy.profile.Profile` or a profile id / path.
    communities
        Communities (index or column ``community_code``; ``name``, ``subdistrict_code``,
        ``urban_rural``, optional ``high_rise``; polygons for facility counts per community).
    attributes
        The community attribute table (:func:`read_community_attributes`), indexed by or with a
        column ``community_code``. Number fields in their units (m², persons, h/day), yes/no
        fields as booleans.
    reach
        A ``ReachResult`` (its ``households`` frame is used) or that frame: ``households`` and
        per category ``<c>_min`` (minutes) or ``<c>_covered_<T>min`` / ``<c>_covered``.
    community_check
        The community size check: ``community_code``, ``households``, ``status``
        (``too_small`` / ``within_band`` / ``too_large``).
    facilities
        Facility points with ``category`` (glossary ids), in a metric CRS.
    subdistricts
        Sub-district / township polygons (``subdistrict_code``, ``name``, ``kind``), in the
        facilities' CRS.
    siting
        Proposed sites (a GeoDataFrame with ``category``, or an object whose ``chosen`` is one);
        counted with the existing facilities.

    Returns
    -------
    ComplianceResult
        ``table`` with one row per indicator x unit (see :data:`TABLE_COLUMNS`).

    Raises
    ------
    PolicyError
        Unknown profile.
    InputDataError, CRSError
        Malformed inputs (missing columns, layers in different or non-metric CRSs).

    Examples
    --------
    >>> import pandas as pd
    >>> attrs = pd.DataFrame({"community_code": ["A"], "households": [2500.0],
    ...                       "service_area_m2": [900.0], "activity_area_m2": [700.0]})
    >>> res = check_compliance("taizhou-2023", attributes=attrs)
    >>> res.status_of("service_area_m2_per_100_households", "A")
    'pass'
    >>> res.status_of("activity_area_share", "A")
    'pass'
    """
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    fields = prof.fields
    frame = _community_frame(attributes, communities, community_check, fields)
    fac, n_proposed = _facilities_frame(facilities, siting)
    rows: list[dict[str, Any]] = []
    for ind in prof.indicators:
        if ind.kind in ("ratio", "value", "flag_share"):
            rows += _tabular(ind, frame, fields, attributes is not None)
        elif ind.kind == "facility_count":
            units = subdistricts if ind.scope == "subdistrict" else communities
            rows += _facility_count(ind, fac, n_proposed, units, frame, fields)
        elif ind.kind == "reach_share":
            rows += _reach_share(ind, prof, reach, fields)
        else:  # manual
            r = _Rows(ind, fields)
            r.add(
                unit_type="city",
                unit_id="city",
                value=None,
                status=NOT_ASSESSABLE,
                needs="a figure the check cannot compute from community data; assess it by hand"
                if ind.target is not None
                else "no target in the profile; transcribe it from the source document",
            )
            rows += r.rows
    if prof.community_bands is not None:
        rows += _size_rows(prof, community_check, frame, fields)
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    for col in ("value", "target", "target_max"):
        table[col] = pd.to_numeric(table[col], errors="coerce").astype(float)
    for col in TABLE_COLUMNS:
        if col not in ("value", "target", "target_max"):
            table[col] = table[col].fillna("").astype(str)
    inputs = tuple(
        name
        for name, v in (
            ("attributes", attributes),
            ("communities", communities),
            ("reach", reach),
            ("community_check", community_check),
            ("facilities", facilities),
            ("subdistricts", subdistricts),
            ("siting", siting),
        )
        if v is not None
    )
    counts = table["status"].value_counts().to_dict()
    logger.info("compliance against %s: %s", prof.id, counts)
    return ComplianceResult(
        table=table,
        profile_id=prof.id,
        profile_title=prof.title_zh,
        inputs=inputs,
    )


def write_compliance(
    result: ComplianceResult, path: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Write the compliance table as CSV (UTF-8 with BOM, opens in Excel) or .xlsx.

    The workbook has the table (sheet ``compliance``) and the per-indicator counts (``summary``).

    Raises
    ------
    InputDataError
        When ``path`` exists and ``overwrite`` is false, or the suffix is neither .csv nor .xlsx.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputDataError(
            f"{path}: unsupported output type {suffix or '(none)'}; use .csv or .xlsx."
        )
    with atomic_path(path, overwrite=overwrite) as tmp:
        if suffix == ".csv":
            result.table.to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                result.table.to_excel(xw, sheet_name="compliance", index=False)
                result.summary().reset_index().to_excel(xw, sheet_name="summary", index=False)
    logger.info("compliance table written to %s (%d rows)", path, len(result.table))
    return path
