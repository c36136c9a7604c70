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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gis_planner._errors import InputDataError, PolicyError
from gis_planner._fs import atomic_path
from gis_planner._validate import is_missing
from gis_planner.coverage.columns import covered_col, dist_col, minutes_col
from gis_planner.policy.profile import CircleLevel, FieldInfo, Indicator, Profile, known_fields, load_profile

if TYPE_CHECKING:
    import geopandas as gpd

logger = logging.getLogger(__name__)

PASS, FAIL, NOT_ASSESSABLE = "pass", "fail", "not assessable"
#: A unit listed for information only: the indicator does not judge it (e.g. an existing village
#: centre, where the 600 m2 rule is for new or rebuilt ones).
INFORMATION = "information"
STATUSES: tuple[str, ...] = (PASS, FAIL, NOT_ASSESSABLE, INFORMATION)

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
    "tier",
    "applies_to",
    "judged_by",
)

#: Identifier of the community-size rows of :func:`community_size_table` (a founding standard
#: for setting up communities, not a yearly indicator: not in the compliance table).
SIZE_INDICATOR_ID = "community_size_within_band"



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
    rural_profile_id: str = ""

    def headline(self) -> pd.DataFrame:
        """Tier ``plan`` indicators counted per unit: see :func:`headline_table`."""
        return headline_table(self)

    def checks(self, tier: str) -> pd.DataFrame:
        """Rows of one tier (``plan``, ``standard`` or ``reading``): see :func:`tier_table`."""
        return tier_table(self, tier)

    def city_rows(self) -> pd.DataFrame:
        """The city-wide rows only (one per indicator, one per category for reach rows)."""
        return self.table[self.table["unit_type"] == "city"].reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """Counts of ``pass`` / ``fail`` / ``not assessable`` rows per indicator."""
        counts = (
            # unstack keeps the indicators in table order; pivot_table would sort them
            self.table.groupby(["indicator_id", "status"], sort=False).size().unstack(fill_value=0)  # noqa: PD010
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


def _rows_text(codes: list[str], limit: int = 5) -> str:
    shown = ", ".join(codes[:limit])
    return shown + (f" (+{len(codes) - limit} more)" if len(codes) > limit else "")


def read_community_attributes(
    path: str | os.PathLike[str], *, profile: Profile | str | None = None
) -> pd.DataFrame:
    """Read a community attribute table (CSV in UTF-8/GBK/GB18030, or the .xlsx template).

    The reading is :func:`gis_planner.io.attributes.read_attribute_table` with the shipped
    field catalogue (:func:`~gis_planner.policy.profile.known_fields`), extended by the
    profile's own ``[fields]``. The header is the row holding ``community_code`` (the
    template's second header row; a first row of Chinese labels is skipped). Chinese labels of
    known fields are accepted as headers too. Number fields must be numbers >= 0 (empty = not
    filled); yes/no fields accept 是/否, 有/无, yes/no, y/n, true/false, 1/0; ``urban_rural``
    accepts urban/rural, 城市/农村.

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
    PolicyError
        An unknown profile.
    """
    from gis_planner.io.attributes import read_attribute_table  # io pulls in geopandas: lazy

    catalogue: dict[str, FieldInfo] = dict(known_fields())
    if profile is not None:
        prof = profile if isinstance(profile, Profile) else load_profile(profile)
        catalogue.update(prof.fields)
    return read_attribute_table(path, fields=catalogue)


# --------------------------------------------------------------------------------------------
# The check
# --------------------------------------------------------------------------------------------


def _compare(
    value: float, ind_comparison: str, target: float | None, target_max: float | None
) -> bool:
    if target is None:
        raise PolicyError(f"comparison {ind_comparison!r} without a target")
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
    from gis_planner.io.attributes import coerce_attribute_types

    label = str(attrs.attrs.get("source", "community attribute table"))
    return coerce_attribute_types(attrs, fields, label=label)


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
        from gis_planner.io.attributes import parse_urban_rural

        frame["urban_rural"] = [
            parse_urban_rural(v) if isinstance(v, str) else None for v in frame["urban_rural"]
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
                "tier": ind.tier,
                "applies_to": ind.applies_to,
                "judged_by": ind.origin,
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


def _conditioned_out(ind: Indicator, frame: pd.DataFrame) -> pd.Index:
    """Communities of the indicator's scope whose condition column says no (information only)."""
    if ind.condition is None or ind.condition not in frame.columns:
        return pd.Index([], dtype=object)
    idx, _unknown, _fix = _applicable(ind, frame, apply_condition=False)
    flag = frame[ind.condition].reindex(idx)
    return idx[(flag.notna() & (flag == False)).to_numpy(bool)]  # noqa: E712


def _applicable(
    ind: Indicator, frame: pd.DataFrame, *, apply_condition: bool = True
) -> tuple[pd.Index, list[str], str]:
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
    if ind.condition is not None and apply_condition:
        flag = (frame[ind.condition] if ind.condition in frame.columns
                else pd.Series(pd.NA, index=frame.index, dtype=object)).reindex(idx)
        missing = [str(c) for c in idx[flag.isna().to_numpy(bool)]]
        unknown += missing
        if missing:
            fix = _join(fix, f"fill column {_field_text(ind.condition, {})} (yes/no) in the "
                        "community attribute table")
        idx = idx[(flag.notna() & (flag == True)).to_numpy(bool)]  # noqa: E712
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


@dataclass(frozen=True)
class _CheckData:
    """Everything an indicator evaluator may read, built once per :func:`check_compliance`."""

    profile: Profile
    fields: Mapping[str, FieldInfo]
    frame: pd.DataFrame  # one row per community (see _community_frame)
    has_attributes: bool
    communities: Any
    subdistricts: Any
    facilities: Any  # existing facilities plus proposed sites
    n_proposed: int
    reach: Any
    strict_scope: bool = False  # True for a rural profile: never count every household

    def column(self, col: str | None) -> pd.Series:
        """Column ``col`` of the community frame (all missing when absent)."""
        if col is not None and col in self.frame.columns:
            return self.frame[col]
        return pd.Series(pd.NA, index=self.frame.index, dtype=object)

    def number(self, col: str | None, code: str) -> float:
        """The value of ``col`` for community ``code`` as a float."""
        value: Any = self.column(col).at[code]  # pandas-stubs type a cell as any scalar, dates too
        return float(value)

    def names(self) -> pd.Series:
        """Community names by code ("" when the data has none)."""
        frame = self.frame
        return frame["name"] if "name" in frame.columns else pd.Series("", index=frame.index)


#: Per community: (value or None when not assessable, what to fill when None).
_UnitValue = Callable[[Indicator, _CheckData, str], tuple[float | None, str]]


def _ratio_value(ind: Indicator, data: _CheckData, code: str) -> tuple[float | None, str]:
    """numerator / denominator x scale; NaN for city-scope ratios (only their sums count)."""
    if ind.scope == "city":
        return math.nan, ""
    num = data.number(ind.numerator, code)
    den = data.number(ind.denominator, code)
    if den == 0:
        return None, f"{_field_text(ind.denominator or '', data.fields)} is 0; fill the real value"
    value = num / den * ind.scale
    if ind.unit == "%" and value > 100 + 1e-9:  # a part of a whole larger than the whole
        return None, (f"{_field_text(ind.numerator or '', data.fields)} ({num:g}) exceeds "
                      f"{_field_text(ind.denominator or '', data.fields)} ({den:g}), a share over 100 %; "
                      "check both values")
    return value, ""


def _plain_value(ind: Indicator, data: _CheckData, code: str) -> tuple[float | None, str]:
    """The column's number."""
    return data.number(ind.column, code), ""


def _flag_value(ind: Indicator, data: _CheckData, code: str) -> tuple[float | None, str]:
    """1 when the yes/no column is yes, else 0."""
    return (1.0 if bool(data.column(ind.column).at[code]) else 0.0), ""


def _unit_status(ind: Indicator, value: float | None) -> str:
    """A community's status: a flag passes when yes; a number against the target."""
    if value is None:
        return NOT_ASSESSABLE
    if math.isnan(value):
        return ""
    if ind.kind == "flag_share":
        return PASS if value == 1.0 else FAIL
    return PASS if _compare(value, ind.comparison, ind.target, ind.target_max) else FAIL


@dataclass(frozen=True)
class _Assessed:
    """Per-community outcome of an attribute-table indicator."""

    per_unit: Mapping[str, tuple[float | None, str]]  # code -> (value, status)
    unknown: list[str]  # codes whose applicability is unknown
    applicable: pd.Index
    fix: str  # how to make the unknown ones known

    @property
    def known(self) -> list[str]:
        """Codes with a value."""
        return [c for c, (v, _) in self.per_unit.items() if v is not None]

    @property
    def not_filled(self) -> list[str]:
        """Codes the indicator may apply to that lack data."""
        return [c for c, (v, _) in self.per_unit.items() if v is None] + [
            c for c in self.unknown if c not in self.per_unit
        ]


def _assess_communities(
    ind: Indicator, data: _CheckData, unit_value: _UnitValue, rows: _Rows
) -> _Assessed:
    """Value and status per applicable community; community rows where the indicator has them."""
    names = data.names()
    applicable, unknown, fix = _applicable(ind, data.frame)
    for code in _conditioned_out(ind, data.frame):
        value = None
        raw = data.column(ind.column).get(code) if ind.kind == "value" else None
        if not is_missing(raw):
            value = float(pd.to_numeric(pd.Series([raw])).iloc[0])
        rows.add(
            unit_type="community",
            unit_id=str(code),
            unit_name=_str(names.get(code)),
            value=value,
            status=INFORMATION,
            note=_join(ind.note, f"{ind.condition} = no: listed for information, not judged"),
        )
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
    extra: dict[str, Any] = (
        {"comparison": "=", "target": 1.0, "target_max": None, "unit": "yes=1/no=0"}
        if flag_mode
        else {}
    )
    per_unit: dict[str, tuple[float | None, str]] = {}
    for code in applicable:
        missing = [c for c in ind.data_needed if is_missing(data.column(c).get(code))]
        if missing:
            value, needs = None, _needs_columns(missing, data.fields)
        else:
            value, needs = unit_value(ind, data, code)
        status = _unit_status(ind, value)
        per_unit[code] = (value, status)
        if ind.scope == "community" or flag_mode:
            rows.add(
                unit_type="community",
                unit_id=code,
                unit_name=_str(names.get(code)),
                value=value,
                status=status,
                needs=needs,
                **extra,
            )
    return _Assessed(per_unit, unknown, applicable, fix)


def _fill_needs(ind: Indicator, data: _CheckData, a: _Assessed) -> str:
    """What to fill so that the communities lacking data can be assessed."""
    cols = list(ind.data_needed)
    not_filled = a.not_filled
    if not not_filled:
        return ""
    frame = data.frame
    # communities whose every needed value is there but contradicts (a share over 100 %): their
    # values are to be checked, not filled
    filled = [x for x in not_filled if x in frame.index and all(
        c in frame.columns and not is_missing(frame.at[x, c]) for c in cols)]
    empty = [x for x in not_filled if x not in filled]
    lacking = [
        c
        for c in cols
        if c not in frame.columns
        or frame[c].reindex([x for x in empty if x in frame.index]).isna().any()
    ]
    needs = _needs_columns(lacking or cols, data.fields, empty, frame) if empty else ""
    if filled:
        needs = _join(needs, f"check the values of community {_rows_text(filled)} (see its row)")
    return _join(needs, a.fix) if a.unknown and a.fix else needs


def _city_no_data(ind: Indicator, data: _CheckData, a: _Assessed, rows: _Rows) -> None:
    """City row when no community has a value."""
    cols = list(ind.data_needed)
    needs = (
        _needs_columns(cols, data.fields)
        if not data.has_attributes or not len(a.applicable)
        else _needs_columns(cols, data.fields, a.not_filled, data.frame)
    )
    if a.unknown and a.fix and not a.applicable.size:
        needs = a.fix
    extra: dict[str, Any] = (
        {"comparison": ">=", "target": 100.0, "target_max": None, "unit": "% of communities passing"}
        if ind.scope == "community"
        else {}
    )
    rows.add(
        unit_type="city", unit_id="city", value=None, status=NOT_ASSESSABLE, needs=needs, **extra
    )


def _city_share_passing(ind: Indicator, data: _CheckData, a: _Assessed, rows: _Rows) -> None:
    """Community-scope indicators: share of assessed communities that pass, against 100 %."""
    known, not_filled = a.known, a.not_filled
    n_pass = sum(a.per_unit[c][1] == PASS for c in known)
    note = f"{n_pass} of {len(known)} assessed communities pass"
    if not_filled:
        note += f"; {len(not_filled)} not assessable"
    if n_pass < len(known):  # one failing community fails the city whatever the rest holds
        status, needs = FAIL, ""
    elif not_filled:
        status, needs = NOT_ASSESSABLE, _fill_needs(ind, data, a)
    else:
        status, needs = PASS, ""
    rows.add(
        unit_type="city",
        unit_id="city",
        value=100.0 * n_pass / len(known),
        status=status,
        needs=needs,
        comparison=">=",
        target=100.0,
        target_max=None,
        unit="% of communities passing",
        note=_join(ind.note, note),
    )


def _city_flag_share(ind: Indicator, data: _CheckData, a: _Assessed, rows: _Rows) -> None:
    """City-scope yes/no indicators: share of communities with a yes against the target share;
    communities without data decide the status only when they could tip it."""
    known, not_filled = a.known, a.not_filled
    yes = int(sum(a.per_unit[c][0] or 0.0 for c in known))
    n_all = len(known) + len(not_filled)
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
        status, needs = NOT_ASSESSABLE, _fill_needs(ind, data, a)
    rows.add(
        unit_type="city",
        unit_id="city",
        value=100.0 * yes / len(known),
        status=status,
        needs=needs,
        note=_join(ind.note, note),
    )


def _city_ratio_of_sums(ind: Indicator, data: _CheckData, a: _Assessed, rows: _Rows) -> None:
    """City-scope numbers: ratio of sums over every applicable community (all must be filled)."""
    if a.not_filled:
        rows.add(
            unit_type="city",
            unit_id="city",
            value=None,
            status=NOT_ASSESSABLE,
            needs=_fill_needs(ind, data, a),
        )
        return
    known = a.known
    num = float(pd.to_numeric(data.column(ind.numerator).reindex(known)).sum())
    den = float(pd.to_numeric(data.column(ind.denominator).reindex(known)).sum())
    if den <= 0:
        rows.add(
            unit_type="city",
            unit_id="city",
            value=None,
            status=NOT_ASSESSABLE,
            needs=f"{_field_text(ind.denominator or '', data.fields)} sums to 0; "
            "fill the real values",
        )
        return
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


_CityRow = Callable[[Indicator, _CheckData, _Assessed, _Rows], None]


def _attribute_indicator(
    ind: Indicator, data: _CheckData, unit_value: _UnitValue, city_row: _CityRow
) -> list[dict[str, Any]]:
    """Rows of an indicator computed from the attribute table: one per community, then the city
    (no data / share passing for community scope / the kind's own aggregation)."""
    rows = _Rows(ind, data.fields)
    a = _assess_communities(ind, data, unit_value, rows)
    n_info = sum(r["status"] == INFORMATION for r in rows.rows)
    if not a.known and not a.not_filled and n_info:
        rows.add(unit_type="city", unit_id="city", value=None, status=INFORMATION,
                 note=_join(ind.note, f"no community the indicator judges; {n_info} listed "
                            "for information"))
    elif not a.known:
        _city_no_data(ind, data, a, rows)
    elif ind.scope == "community":
        _city_share_passing(ind, data, a, rows)
    else:
        city_row(ind, data, a, rows)
    return rows.rows


def _evaluate_ratio(ind: Indicator, data: _CheckData) -> list[dict[str, Any]]:
    """``ratio``: numerator / denominator x scale per community; city = ratio of sums."""
    return _attribute_indicator(ind, data, _ratio_value, _city_ratio_of_sums)


def _evaluate_value(ind: Indicator, data: _CheckData) -> list[dict[str, Any]]:
    """``value``: one column per community against the target."""
    return _attribute_indicator(ind, data, _plain_value, _city_ratio_of_sums)


def _evaluate_flag_share(ind: Indicator, data: _CheckData) -> list[dict[str, Any]]:
    """``flag_share``: a yes/no column; city = share of communities with a yes."""
    return _attribute_indicator(ind, data, _flag_value, _city_flag_share)


def _evaluate_manual(ind: Indicator, data: _CheckData) -> list[dict[str, Any]]:
    """``manual``: a figure the check cannot compute; one not-assessable city row."""
    rows = _Rows(ind, data.fields)
    rows.add(
        unit_type="city",
        unit_id="city",
        value=None,
        status=NOT_ASSESSABLE,
        needs="a figure the check cannot compute from community data; assess it by hand"
        if ind.target is not None
        else "no target in the profile; transcribe it from the source document",
    )
    return rows.rows


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _str(x: Any) -> str:
    return "" if is_missing(x) else str(x)


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


def _units_applying(ind: Indicator, poly: Any, layer: str, frame: pd.DataFrame) -> tuple[Any, str]:
    """The polygons (sub-districts or communities) the indicator applies to, or what to fill."""
    if ind.applies_to == "all":
        return poly, ""
    if layer == "subdistricts":
        if "kind" not in poly.columns:
            return None, "fill column `kind` (subdistrict/township) in the subdistricts layer"
        want = "subdistrict" if ind.applies_to == "urban" else "township"
        return poly[poly["kind"].astype(str) == want], ""
    ur = frame["urban_rural"].reindex(poly.index) if "urban_rural" in frame.columns else None
    if ur is None or ur.isna().any():
        return None, "fill column `urban_rural` (urban/rural) in the communities layer"
    return poly[(ur == ind.applies_to).to_numpy()], ""


def _count_in_units(facilities: Any, categories: tuple[str, ...], poly: Any) -> pd.Series:
    """Facilities of ``categories`` inside each polygon (a point on a shared edge counts once)."""
    import geopandas as gpd

    sel = facilities[facilities["category"].astype(str).isin(categories)]
    counts = pd.Series(0, index=poly.index, dtype=int)
    if not (len(sel) and len(poly)):
        return counts
    joined = gpd.sjoin(
        sel[[sel.geometry.name]], poly[[poly.geometry.name]], how="inner", predicate="intersects"
    )
    joined = joined[~joined.index.duplicated(keep="first")]
    right = "index_right" if "index_right" in joined.columns else joined.columns[-1]
    return counts.add(joined.groupby(right).size(), fill_value=0).astype(int)


def _unit_polygons(units: Any, layer: str) -> Any:
    """The layer indexed by its code (str), after checking it against the facilities."""
    code_col = "subdistrict_code" if layer == "subdistricts" else "community_code"
    poly = units.copy()
    if code_col in poly.columns:
        poly.index = poly[code_col].astype(str)
    poly.index = poly.index.astype(str)
    poly.index.name = code_col
    return poly


def _evaluate_facility_count(ind: Indicator, data: _CheckData) -> list[dict[str, Any]]:
    """``facility_count``: facilities of the categories per sub-district (or community); city
    = share of units holding at least ``min_count``, against the target share."""
    from gis_planner._validate import require_columns, require_metric_crs, require_same_crs

    rows = _Rows(ind, data.fields)
    facilities = data.facilities
    layer = "subdistricts" if ind.scope == "subdistrict" else "communities"
    units = data.subdistricts if ind.scope == "subdistrict" else data.communities
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
    require_columns(facilities, ["category"], what="facilities")
    require_metric_crs(facilities, what="facilities")
    require_metric_crs(units, what=layer)
    require_same_crs(facilities, units, what_a="facilities", what_b=layer)
    poly, needs = _units_applying(ind, _unit_polygons(units, layer), layer, data.frame)
    if poly is None:
        rows.add(unit_type="city", unit_id="city", value=None, status=NOT_ASSESSABLE, needs=needs)
        return rows.rows
    counts = _count_in_units(facilities, ind.categories, poly)
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
    n_ok = int((counts >= ind.min_count).sum())
    share = 100.0 * float(n_ok) / len(counts)
    note = f"{n_ok} of {len(counts)} {layer} have >= {ind.min_count}"
    if data.n_proposed:
        note += f"; includes {data.n_proposed} proposed sites"
    rows.add(
        unit_type="city",
        unit_id="city",
        value=share,
        status=PASS if _compare(share, ind.comparison, ind.target, ind.target_max) else FAIL,
        note=_join(ind.note, note),
    )
    return rows.rows


def _reach_households(reach: Any) -> pd.DataFrame | None:
    if reach is None or isinstance(reach, pd.DataFrame):
        return reach
    hh = getattr(reach, "households", None)  # a ReachResult: its household table
    if not isinstance(hh, pd.DataFrame):
        raise InputDataError(
            "reach: expected a ReachResult (with a households table) or that "
            f"table as a DataFrame; got {type(reach).__name__}."
        )
    return hh


def _reach_speed_kmh(reach: Any, hh: pd.DataFrame) -> float | None:
    """Walking speed (km/h) the reach result was computed at, when it says."""
    speed = getattr(reach, "speed_kmh", None)
    if speed is None:
        speed = hh.attrs.get("speed_kmh")
    return None if speed is None else float(speed)


def _household_scope(
    ind: Indicator, data: _CheckData, hh: pd.DataFrame
) -> tuple[np.ndarray | None, str, str]:
    """Mask of the households the indicator applies to (urban/rural), a note, and what to give
    when the scope cannot be applied."""
    n = len(hh)
    if ind.applies_to == "all":
        return np.ones(n, dtype=bool), "", ""
    ur: pd.Series | None = None
    if "urban_rural" in hh.columns:
        ur = hh["urban_rural"]
    elif "community_code" in hh.columns and "urban_rural" in data.frame.columns:
        ur = hh["community_code"].astype(str).map(data.frame["urban_rural"])
    word = {"urban": "urban", "rural": "rural"}[ind.applies_to]
    if ur is None:
        if data.strict_scope:
            return None, "", (f"the households' community_code in the reach result and the "
                              f"communities' urban_rural, to count {word} households only")
        return (np.ones(n, dtype=bool),
                f"urban/rural unknown: all households counted, not only {word} ones", "")
    ur = ur.astype(object)
    n_unknown = int(ur.isna().sum())
    note = (f"{word} communities only; {n_unknown} households of unclassified communities left out"
            if n_unknown else f"{word} communities only")
    return (ur == ind.applies_to).to_numpy(bool), note, ""


def _covered(
    cat: str, hh: pd.DataFrame, *, minutes: float, distance_m: float | None,
    headline: float | None, speed_kmh: float | None,
) -> np.ndarray | None:
    """Households covered for ``cat``: by distance when a budget distance is given (a level
    travelled at another speed), else by minutes; None when the reach result lacks the
    category."""
    dist, mins_col = dist_col(cat), minutes_col(cat)
    if distance_m is not None:
        if dist in hh.columns:
            d = pd.to_numeric(hh[dist], errors="coerce").to_numpy(float)
            return np.nan_to_num(d, nan=np.inf) <= distance_m + 1e-6
        if mins_col in hh.columns and speed_kmh:
            mins = pd.to_numeric(hh[mins_col], errors="coerce").to_numpy(float)
            d = np.nan_to_num(mins, nan=np.inf) * speed_kmh * 1000.0 / 60.0
            return d <= distance_m + 1e-6
        return None
    if mins_col in hh.columns:
        mins = pd.to_numeric(hh[mins_col], errors="coerce").to_numpy(float)
        return np.nan_to_num(mins, nan=np.inf) <= minutes + 1e-9
    if covered_col(cat, minutes) in hh.columns:
        return hh[covered_col(cat, minutes)].fillna(False).to_numpy(bool)
    if covered_col(cat) in hh.columns and minutes == headline:
        return hh[covered_col(cat)].fillna(False).to_numpy(bool)
    return None


def _reach_budget(ind: Indicator, profile: Profile, level: CircleLevel | None, cat: str,
                  cat_minutes: dict[str, float]) -> tuple[float, float | None, str, dict[str, str]]:
    """Budget of a ``reach_share`` indicator for category ``cat``: minutes, distance (m, for a
    level, else None), its text for the note, and the status of its source when it is weaker
    than the indicator's own."""
    rule = profile.facilities.get(cat)
    status_of_budget = {"source_status": rule.status} if (
        rule is not None and ind.minutes is None and level is None
        and rule.status != "verified" and ind.tier == "standard") else {}
    if level is None:
        minutes = ind.minutes or cat_minutes.get(cat) or profile.headline_minutes or 0.0
        return minutes, None, f"within {minutes:g} min", status_of_budget
    minutes = float(level.minutes or 0.0)
    dist = level.distance_m
    budget = f"within {dist:,.0f} m ({minutes:g} min by {level.mode} at " \
             f"{level.speed_kmh:g} km/h)" if dist is not None else ""
    elem = next((e for e in level.elements if e.category == cat), None)
    if elem is not None:
        status_of_budget = {"source_status": elem.status}
    return minutes, dist, budget, status_of_budget


def _evaluate_reach_share(ind: Indicator, data: _CheckData) -> list[dict[str, Any]]:
    """``reach_share``: share of the applicable households within the category's budget, per
    category. The budget is the indicator's ``minutes``, the category's radius or time, or the
    headline; for an indicator of a level (rural 乡集镇 / 村组) the level's distance
    (``minutes`` x ``speed_kmh``, e.g. by e-bike)."""
    profile, reach = data.profile, data.reach
    rows = _Rows(ind, data.fields)
    hh = _reach_households(reach)
    cat_minutes: dict[str, float] = {}
    if profile.speed_kmh is not None:
        cat_minutes = profile.category_minutes()
    level = profile.level(ind.level) if ind.level else None
    for cat in ind.categories:
        minutes, dist, budget, status_of_budget = _reach_budget(ind, profile, level, cat, cat_minutes)
        extra = {"category": cat, "note": _join(ind.note, budget), **status_of_budget}
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
        if level is not None and dist is None:
            rows.add(unit_type="city", unit_id="city", value=None, status=NOT_ASSESSABLE,
                     needs=f"minutes and speed_kmh for level {level.name!r} in the profile",
                     **extra)
            continue
        cap = getattr(reach, "search_cap_m", None) or hh.attrs.get("search_cap_m")
        if dist is not None and cap is not None and dist > float(cap) + 1e-6:
            rows.add(unit_type="city", unit_id="city", value=None, status=NOT_ASSESSABLE,
                     needs=f"a reach result searched to at least {dist:,.0f} m (its search cap "
                     f"is {float(cap):,.0f} m; pass search_cap_m={dist:.0f} to reach)", **extra)
            continue
        mask, scope_note, scope_needs = _household_scope(ind, data, hh)
        if mask is None:
            rows.add(unit_type="city", unit_id="city", value=None, status=NOT_ASSESSABLE,
                     needs=scope_needs, **extra)
            continue
        extra["note"] = _join(extra["note"], scope_note)
        weights = pd.to_numeric(hh["households"], errors="coerce").fillna(0.0).to_numpy(float)
        weights = np.where(mask, weights, 0.0)
        covered = _covered(cat, hh, minutes=minutes, distance_m=dist,
                           headline=profile.headline_minutes,
                           speed_kmh=_reach_speed_kmh(reach, hh))
        if covered is None:
            rows.add(
                unit_type="city",
                unit_id="city",
                value=None,
                status=NOT_ASSESSABLE,
                needs=f"a reach result that includes category {cat} (columns {minutes_col(cat)}"
                + (f" or {dist_col(cat)})" if dist is not None else ")"),
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
                needs="households in the reach result sum to 0"
                + (f" for {ind.applies_to} communities" if ind.applies_to != "all" else ""),
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


def community_size_table(
    profile: Profile | str,
    community_check: pd.DataFrame | None,
    *,
    communities: gpd.GeoDataFrame | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Community sizes against the profile's founding bands, for the report's community section.

    The bands (Taizhou 二(二)6: urban 2000–3000 households, high-rise up to 5000, rural
    1000–1500) are a standard for setting up communities (审慎推进), not a yearly indicator:
    they are not in :func:`check_compliance`'s table. One row per community plus a city row
    ("n of N communities within band"), with the columns of :data:`TABLE_COLUMNS` (``tier``
    ``standard``... as the profile states, ``target``/``target_max`` the community's band).

    Parameters
    ----------
    profile
        A profile (or id) with ``[community_bands]``.
    community_check
        The community size check (``community_code``, ``households``, ``status``); None gives
        one not-assessable row.
    communities
        Communities with ``urban_rural`` / ``high_rise`` / ``name`` when the check lacks them.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    PolicyError
        When the profile has no community bands.
    InputDataError
        A check without ``households`` or ``status``.
    """
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    if prof.community_bands is None:
        raise PolicyError(f"profile {prof.id!r} has no [community_bands].")
    frame = _community_frame(None, communities, community_check, prof.fields)
    return _frame_of(_size_rows(prof, community_check, frame, prof.fields))


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
        tier="plan" if profile.document_type == "plan" else "standard",
        applies_to="all",
        judged_by=profile.id,
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
            lo, hi = bands.band_for(ur, bool(hr) if not is_missing(hr) else False)
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


#: How each indicator kind is evaluated: kind -> function(indicator, data) -> rows. A new
#: kind is a new entry here and in ``policy.profile.KINDS``.
EVALUATORS: Mapping[str, Callable[[Indicator, _CheckData], list[dict[str, Any]]]] = {
    "ratio": _evaluate_ratio,
    "value": _evaluate_value,
    "flag_share": _evaluate_flag_share,
    "facility_count": _evaluate_facility_count,
    "reach_share": _evaluate_reach_share,
    "manual": _evaluate_manual,
}


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
    rural_profile: Profile | str | None = None,
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
    rural_profile
        A profile for rural life circles (e.g. ``"rural-tdt1062"``): its indicators are added,
        judged over rural communities (村委会) only, with ``judged_by`` its id. The main
        profile's urban-only indicators (MOFCOM formats, GB 50180 radii, workers per 10,000
        urban residents) already leave rural communities out; see
        :func:`profiles_for_communities`.

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
    rural = None
    if rural_profile is not None:
        rural = rural_profile if isinstance(rural_profile, Profile) else load_profile(rural_profile)
    fields = dict(prof.fields)
    if rural is not None:
        fields.update({k: v for k, v in rural.fields.items() if k not in fields})
    frame = _community_frame(attributes, communities, community_check, fields)
    fac, n_proposed = _facilities_frame(facilities, siting)
    data = _CheckData(
        profile=prof,
        fields=fields,
        frame=frame,
        has_attributes=attributes is not None,
        communities=communities,
        subdistricts=subdistricts,
        facilities=fac,
        n_proposed=n_proposed,
        reach=reach,
    )
    rows: list[dict[str, Any]] = []
    for ind in prof.indicators:
        evaluate = EVALUATORS.get(ind.kind)
        if evaluate is None:
            raise PolicyError(
                f"profile {prof.id}: indicator {ind.id!r} has kind {ind.kind!r}; "
                f"the check knows {', '.join(sorted(EVALUATORS))}."
            )
        rows += evaluate(ind, data)
    if rural is not None:
        rows += _rural_rows(rural, data)
    table = _frame_of(rows)
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
            ("rural_profile", rural_profile),
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
        rural_profile_id=rural.id if rural is not None else "",
    )


def _frame_of(rows: list[dict[str, Any]]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    for col in ("value", "target", "target_max"):
        table[col] = pd.to_numeric(table[col], errors="coerce").astype(float)
    for col in TABLE_COLUMNS:
        if col not in ("value", "target", "target_max"):
            table[col] = table[col].fillna("").astype(str)
    return table


def _rural_rows(rural: Profile, data: _CheckData) -> list[dict[str, Any]]:
    """The rural profile's indicators, over rural communities only (judged_by its id)."""
    import dataclasses

    rdata = dataclasses.replace(data, profile=rural, fields=rural.fields, strict_scope=True)
    rows: list[dict[str, Any]] = []
    for ind in rural.indicators:
        ind = dataclasses.replace(ind, applies_to="rural")
        evaluate = EVALUATORS.get(ind.kind)
        if evaluate is None:
            raise PolicyError(
                f"profile {rural.id}: indicator {ind.id!r} has kind {ind.kind!r}; "
                f"the check knows {', '.join(sorted(EVALUATORS))}."
            )
        for row in evaluate(ind, rdata):
            row["judged_by"] = rural.id
            rows.append(row)
    return rows


_UNIT_ZH = {"community": "个社区", "subdistrict": "个街道（乡镇）", "city": "全市"}
_UNIT_EN = {"community": "communities", "subdistrict": "sub-districts", "city": "city"}
_STATUS_ZH = {PASS: "达标", FAIL: "未达标", NOT_ASSESSABLE: "无法评估", INFORMATION: "仅列示"}
#: The three kinds of figures the compliance table holds, in words (headline: plan only).
TIER_ZH = {"plan": "规划指标", "standard": "标准核查", "reading": "本工具的解读"}
TIER_EN = {"plan": "plan indicator", "standard": "standard check", "reading": "our reading"}

#: Columns of :func:`headline_table`, in order.
HEADLINE_COLUMNS: tuple[str, ...] = (
    "indicator_id", "label_zh", "label_en", "category", "tier", "binding", "binding_zh",
    "scope", "applies_to", "unit_type", "units_assessed", "units_passing", "not_assessable",
    "information", "city_value", "target_text", "city_status", "judged_by", "source",
    "citation_zh", "citation_en", "sentence_zh", "sentence_en",
)


def _citations(ids: Any, sources: Any, lang: str) -> list[str]:
    """Document-and-clause citations for (profile id, clause) pairs; a profile that cannot be
    loaded (a user file moved since) cites the clause alone."""
    out = []
    for pid, src in zip(ids, sources, strict=True):
        try:
            out.append(load_profile(str(pid)).citation(str(src), lang) if pid else str(src))
        except PolicyError:
            out.append(str(src))
    return out


def _target_text(r: pd.Series) -> str:
    if pd.isna(r["target"]):
        return ""
    if r["comparison"] == "range":
        return f"{r['target']:g}–{r['target_max']:g} {r['unit']}".strip()
    return f"{r['comparison']} {r['target']:g} {r['unit']}".strip()


def headline_table(result: ComplianceResult) -> pd.DataFrame:
    """The headline: tier ``plan`` indicators only, counted per unit ("n/N 个社区达标").

    Numbers a plan document states (专栏1 ...), never the standard checks or the project's
    readings (see :func:`tier_table`). Per indicator (and category, for coverage rows):

    - units with their own rows (communities, sub-districts): ``units_assessed`` N (pass +
      fail), ``units_passing`` n, ``not_assessable``, ``information`` (listed, not judged:
      e.g. existing village centres); the sentence reads "n/N 个社区达标";
    - city-wide figures (a ratio of sums, a coverage share): one unit, the city, with the value
      against the target.

    A yes/no indicator whose target is a share (e.g. 90 % of communities) carries both: n/N
    communities with a yes, and the city verdict in ``city_status``.

    Parameters
    ----------
    result
        A :class:`ComplianceResult`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HEADLINE_COLUMNS`; ``binding_zh`` is 约束性 / 预期性 (empty when the
        document does not classify the indicator), ``citation_zh`` / ``citation_en`` the
        document and clause (title, issuer, date, item), ``sentence_zh`` / ``sentence_en`` the
        report-ready sentences.
    """
    t = result.table
    plan = t[t["tier"] == "plan"]
    out: list[dict[str, Any]] = []
    keys = ["judged_by", "indicator_id", "category"]
    from gis_planner.categories import label as category_label

    for (judged_by, ind_id, cat_key), g in plan.groupby(keys, sort=False):
        cat = str(cat_key)
        city = g[g["unit_type"] == "city"]
        units = g[g["unit_type"] != "city"]
        c = city.iloc[0] if len(city) else g.iloc[0]
        first = g.iloc[0]
        binding = str(first["binding"])
        base = {
            "indicator_id": ind_id, "label_zh": first["label_zh"], "label_en": first["label_en"],
            "category": cat, "tier": "plan", "binding": binding,
            "binding_zh": {"binding": "约束性", "expected": "预期性"}.get(binding, ""),
            "scope": first["scope"], "applies_to": first["applies_to"],
            "judged_by": judged_by, "source": first["source"],
            "citation_zh": _citations([judged_by], [first["source"]], "zh")[0],
            "citation_en": _citations([judged_by], [first["source"]], "en")[0],
            "city_value": c["value"] if len(city) else np.nan,
            "target_text": _target_text(first if len(units) and first["scope"] == "community"
                                        else c),
            "city_status": str(c["status"]) if len(city) else "",
        }
        label_zh, label_en = str(first["label_zh"]), str(first["label_en"])
        if len(units):
            unit_type = str(units["unit_type"].iloc[0])
            counts = units["status"].value_counts()
            n_pass, n_fail = int(counts.get(PASS, 0)), int(counts.get(FAIL, 0))
            n_na, n_info = int(counts.get(NOT_ASSESSABLE, 0)), int(counts.get(INFORMATION, 0))
            n = n_pass + n_fail
            zh = f"{label_zh}：{n_pass}/{n} {_UNIT_ZH[unit_type]}达标"
            en = f"{label_en}: {n_pass} of {n} {_UNIT_EN[unit_type]} pass"
            if n == 0 and not n_info:
                zh = f"{label_zh}：无法评估（{n_na} {_UNIT_ZH[unit_type]}缺数据）"
                en = f"{label_en}: not assessable ({n_na} {_UNIT_EN[unit_type]} lack data)"
            elif n_na:
                zh += f"，另 {n_na} {_UNIT_ZH[unit_type]}无法评估"
                en += f"; {n_na} not assessable"
            if n_info:
                zh += f"，{n_info} {_UNIT_ZH[unit_type]}仅列示"
                en += f"; {n_info} listed for information"
            if first["scope"] == "city" and len(city) and not pd.isna(c["value"]):
                zh += (f"（全市 {c['value']:.1f}，目标 {_target_text(c)}："
                       f"{_STATUS_ZH.get(str(c['status']), c['status'])}）")
                en += f" (city {c['value']:.1f}, target {_target_text(c)}: {c['status']})"
            base.update(unit_type=unit_type, units_assessed=n, units_passing=n_pass,
                        not_assessable=n_na, information=n_info)
        else:
            city_st = str(c["status"])
            what_zh = f"（{category_label(cat, 'zh')}）" if cat else ""
            what_en = f" ({category_label(cat, 'en')})" if cat else ""
            if pd.isna(c["value"]):
                zh = f"{label_zh}{what_zh}：全市{_STATUS_ZH.get(city_st, city_st)}"
                en = f"{label_en}{what_en}: city {city_st}"
            else:
                zh = (f"{label_zh}{what_zh}：全市 {c['value']:.1f}，目标 {_target_text(c)}，"
                      f"{_STATUS_ZH.get(city_st, city_st)}")
                en = (f"{label_en}{what_en}: city {c['value']:.1f}, "
                      f"target {_target_text(c)}, {city_st}")
            base.update(unit_type="city", units_assessed=int(city_st in (PASS, FAIL)),
                        units_passing=int(city_st == PASS),
                        not_assessable=int(city_st == NOT_ASSESSABLE),
                        information=int(city_st == INFORMATION))
        if base["binding_zh"]:
            zh = f"[{base['binding_zh']}] {zh}"
            en = f"[{binding}] {en}"
        base.update(sentence_zh=zh, sentence_en=en)
        out.append(base)
    return pd.DataFrame(out, columns=list(HEADLINE_COLUMNS))


def tier_table(result: ComplianceResult, tier: str, *, per_unit: bool = False) -> pd.DataFrame:
    """The rows of one tier, labelled as what they are.

    Parameters
    ----------
    result
        A :class:`ComplianceResult`.
    tier
        ``plan`` (numbers a plan states), ``standard`` (national standards, with their
        verification status in ``source_status``) or ``reading`` (the project's own readings,
        e.g. every household reaching every MOFCOM format: 100 % is in no text).
    per_unit
        Also the per-community / per-sub-district rows (default: city rows only).

    Returns
    -------
    pandas.DataFrame
        The table's rows of that tier plus ``tier_zh`` / ``tier_en`` (规划指标 / 标准核查 /
        本工具的解读), ``status_zh`` and ``citation_zh`` / ``citation_en`` (document and clause).

    Raises
    ------
    PolicyError
        An unknown tier.
    """
    from gis_planner.policy.profile import TIERS

    if tier not in TIERS:
        raise PolicyError(f"tier {tier!r}: expected one of {', '.join(TIERS)}.")
    t = result.table
    sel = t[(t["tier"] == tier) & ((t["unit_type"] == "city") | per_unit)].copy()
    sel["tier_zh"] = TIER_ZH[tier]
    sel["tier_en"] = TIER_EN[tier]
    sel["status_zh"] = [_STATUS_ZH.get(x, x) for x in sel["status"]]
    sel["citation_zh"] = _citations(sel["judged_by"], sel["source"], "zh")
    sel["citation_en"] = _citations(sel["judged_by"], sel["source"], "en")
    return sel.reset_index(drop=True)


def profiles_for_communities(
    communities: pd.DataFrame,
    *,
    profile: Profile | str,
    rural_profile: Profile | str | None = None,
) -> pd.DataFrame:
    """Which profile judges each community, and what the report calls its sub-units.

    Urban communities (居委会) are judged by ``profile``; rural ones (村委会) by
    ``rural_profile`` when given (its plan-wide indicators still come from ``profile``: see
    :func:`check_compliance`), else by ``profile`` too.

    Parameters
    ----------
    communities
        Index or column ``community_code``; ``urban_rural`` (``urban``/``rural``/None, e.g.
        from :func:`gis_planner.community.classify_communities`, with ``urban_rural_rule``)
        and/or ``committee_type`` (居委会/村委会 …, which comes first when the frame is not
        classified); optional ``name``.
    profile, rural_profile
        Profiles or ids.

    Returns
    -------
    pandas.DataFrame
        Index ``community_code``; ``name``, ``urban_rural``, ``urban_rural_rule``,
        ``profile_id`` (empty when urban/rural is unknown), ``unit_word_zh`` / ``unit_word_en``
        (小区 / 村民小组, see :func:`~gis_planner.policy.profile.unit_word`).

    Raises
    ------
    InputDataError
        No ``community_code``, or neither ``urban_rural`` nor ``committee_type``.
    """
    from gis_planner.policy.profile import COMMITTEE_URBAN_RURAL, unit_word

    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    rural = None
    if rural_profile is not None:
        rural = rural_profile if isinstance(rural_profile, Profile) else load_profile(rural_profile)
    frame = _index_by_code(
        pd.DataFrame(communities).drop(columns="geometry", errors="ignore"), "communities")
    if "urban_rural" not in frame.columns and "committee_type" not in frame.columns:
        raise InputDataError(
            "communities: no 'urban_rural' or 'committee_type' column; classify them first "
            "(gis_planner.community.classify_communities) or fill urban/rural.")
    ur = pd.Series(None, index=frame.index, dtype=object)
    rule: pd.Series = pd.Series("undetermined", index=frame.index, dtype=object)
    if "urban_rural" in frame.columns:  # classified: keep its answer and its rule
        ur = frame["urban_rural"].astype(object).where(frame["urban_rural"].notna(), None)
        rule = (frame["urban_rural_rule"].astype(str) if "urban_rural_rule" in frame.columns
                else pd.Series(np.where(ur.notna(), "column", "undetermined"), index=frame.index))
    if "committee_type" in frame.columns and "urban_rural_rule" not in frame.columns:
        # committee type first: 居委会 -> urban, 村委会 -> rural
        ct = frame["committee_type"].astype("string").str.strip().str.lower()
        by_ct = ct.map(COMMITTEE_URBAN_RURAL).astype(object)
        ur = by_ct.where(by_ct.notna(), ur)
        rule = rule.where(by_ct.isna(), "committee_type")
    pid = [("" if u not in ("urban", "rural") else
            (rural.id if u == "rural" and rural is not None else prof.id)) for u in ur]
    return pd.DataFrame({
        "name": frame["name"].astype(str) if "name" in frame.columns else "",
        "urban_rural": ur,
        "urban_rural_rule": rule,
        "profile_id": pid,
        "unit_word_zh": [unit_word(u, "zh") if u else "" for u in ur],
        "unit_word_en": [unit_word(u, "en") if u else "" for u in ur],
    }, index=frame.index)


def write_compliance(
    result: ComplianceResult, path: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Write the compliance table as CSV (UTF-8 with BOM, opens in Excel) or .xlsx.

    The workbook has the table (sheet ``compliance``) and the per-indicator counts (``summary``);
    its text cells are never formulas (:func:`gis_planner.io.write.values_only`).

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
            from gis_planner.io.write import values_only  # io pulls in geopandas: lazy

            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                result.table.to_excel(xw, sheet_name="compliance", index=False)
                result.summary().reset_index().to_excel(xw, sheet_name="summary", index=False)
                for ws in xw.sheets.values():
                    values_only(ws)
    logger.info("compliance table written to %s (%d rows)", path, len(result.table))
    return path
