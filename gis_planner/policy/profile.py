"""Planning policy profiles: TOML data files -> validated, frozen :class:`Profile` objects.

A profile transcribes one planning document (a national standard, a provincial or municipal plan)
into numbers the package can use: walking speed and life-circle levels, facility service radii,
the living-circle completeness list, community size bands and the plan's indicators. Every number
carries the clause it comes from (``source``) and how sure we are of it (``status``: ``verified``,
``secondary``, ``unverified`` or ``derived``).

Profiles may inherit from others (``inherits = "taizhou-2023"`` or a list, merged left to right,
the file itself last). Merge rules: tables merge key by key, arrays and scalars replace, and
``exclude = ["indicators.some_id"]`` removes an inherited entry after the merge. Each file is
validated on its own before merging (so every table that sets a number also names its
``source`` and ``status``), and the merged result is validated again for completeness.

>>> p = load_profile("gb50180-2018")
>>> p.reach_parameters()["category_minutes"]["kindergarten"]
4.5
"""

from __future__ import annotations

import datetime as _dt
import functools
import logging
import math
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from gis_planner._errors import InputDataError, PolicyError
from gis_planner._units import distance_to_minutes
from gis_planner._validate import plausible_range
from gis_planner.policy.places import check_place

if TYPE_CHECKING:
    from gis_planner.policy.elderly import ElderlyLevel, ElderlyStandard

logger = logging.getLogger(__name__)

Status = Literal["verified", "secondary", "unverified", "derived"]
STATUSES: tuple[str, ...] = ("verified", "secondary", "unverified", "derived")
KINDS: tuple[str, ...] = ("ratio", "value", "flag_share", "facility_count", "reach_share", "manual")
COMPARISONS: tuple[str, ...] = (">=", ">", "<=", "<", "range")
SCOPES: tuple[str, ...] = ("community", "subdistrict", "city")
APPLIES: tuple[str, ...] = ("urban", "rural", "all")
BINDINGS: tuple[str, ...] = ("expected", "binding")
#: Tiers of an indicator: a number a plan document states (``plan``), a national standard's
#: number (``standard``), or the project's own reading of a text (``reading``).
TIERS: tuple[str, ...] = ("plan", "standard", "reading")
#: Travel modes of a life-circle level.
MODES: tuple[str, ...] = ("walk", "bicycle", "e-bike")
#: What a profile transcribes: a plan document (tier ``plan`` by default) or a standard.
DOCUMENT_TYPES: tuple[str, ...] = ("plan", "standard")
#: Source texts that mark a number as the project's own reading (never ``verified``).
READING_PREFIXES: tuple[str, ...] = ("derived", "our reading", "reading:")
FIELD_TYPES: tuple[str, ...] = ("number", "bool")

_FIELDS_FILE = "_fields.toml"

# --------------------------------------------------------------------------------------------
# Schema: allowed keys and their types, per section. "qty" = a table {value, source, status, note}.
# --------------------------------------------------------------------------------------------

_STR, _NUM, _POS, _POSINT, _NONNEG, _STRLIST = "str", "num", "pos", "posint", "nonneg", "strlist"

_PROV = {"source": _STR, "status": _STR, "note": _STR}
_QTY = {"value": _POS, **_PROV}
_TOP_KEYS = {
    "id": _STR,
    "version": _STR,
    "title": "title",
    "issuer": _STR,
    "doc_number": _STR,
    "date": "date",
    "source": _STR,
    "inherits": "inherits",
    "notes": _STR,
    "document_type": _STR,
    "place": "place",
    "exclude": _STRLIST,
    "walk": "walk",
    "life_circles": "life_circles",
    "facilities": "facilities",
    "living_circle": "living_circle",
    "community_bands": "community_bands",
    "indicators": "indicators",
    "programme": "programme",
    "fields": "fields",
    "levels": "levels",
}
_WALK_KEYS = ("speed_kmh", "headline_minutes", "conservative_speed_kmh", "elderly_speed_kmh")
_LIFE_CIRCLE_KEYS = {
    "minutes": _POS,
    "distance_m": _POS,
    "distance_m_min": _POS,
    "distance_m_max": _POS,
    "population_min": _POS,
    "population_max": _POS,
    "dwellings_min": _POS,
    "dwellings_max": _POS,
    "label_zh": _STR,
    **_PROV,
}
_FACILITY_KEYS = {
    "radius_m": _POS,
    "minutes": _POS,
    "level_minutes": _POS,
    "building_m2_min": _POS,
    "building_m2_max": _POS,
    "land_m2_min": _POS,
    "land_m2_max": _POS,
    "setting": _STR,
    **_PROV,
}
_LIVING_KEYS = {
    "minutes": _POS,
    "required_categories": "categories",
    "basic_formats": "formats",
    **_PROV,
}
_BAND_KEYS = {
    "urban_min": _POSINT,
    "urban_max": _POSINT,
    "high_rise_max": _POSINT,
    "rural_min": _POSINT,
    "rural_max": _POSINT,
    "service_radius_m": "qty",
    **_PROV,
}
_INDICATOR_KEYS = {
    "label_zh": _STR,
    "label_en": _STR,
    "kind": _STR,
    "comparison": _STR,
    "target": _POS,
    "target_max": _POS,
    "unit": _STR,
    "scope": _STR,
    "applies_to": _STR,
    "binding": _STR,
    "numerator": _STR,
    "denominator": _STR,
    "scale": _POS,
    "column": _STR,
    "categories": "categories",
    "min_count": _POSINT,
    "minutes": _POS,
    "min_households": _POSINT,
    "baseline": _NONNEG,
    "tier": _STR,
    "condition": _STR,
    "level": _STR,
    **_PROV,
}
_PROGRAMME_KEYS = {
    "label_zh": _STR,
    "label_en": _STR,
    "value": _POS,
    "unit": _STR,
    "scope": _STR,
    **_PROV,
}
_LEVEL_KEYS = {
    "label_zh": _STR,
    "label_en": _STR,
    "unit_word_zh": _STR,
    "unit_word_en": _STR,
    "minutes": _POS,
    "speed_kmh": _POS,
    "mode": _STR,
    "elements": "elements",
    **_PROV,
}
_ELEMENT_KEYS = {"zh": _STR, "category": _STR, "source": _STR, "status": _STR, "note": _STR}
_FIELD_KEYS = {"label_zh": _STR, "label_en": _STR, "unit": _STR, "type": _STR, "note": _STR}
_NUMBER_KINDS = (_NUM, _POS, _POSINT, _NONNEG)


# --------------------------------------------------------------------------------------------
# Frozen result objects
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    """One number with its unit-bearing name, clause and status."""

    name: str
    value: float
    source: str
    status: str
    note: str = ""
    categories: tuple[str, ...] = ()

    @property
    def tier(self) -> str:
        """``reading`` when the number is the project's own reading, else ``standard``."""
        return "reading" if is_reading(self.source, self.status) else "standard"


@dataclass(frozen=True)
class LifeCircle:
    """A GB 50180 life-circle level (e.g. 15 minutes, 800–1000 m)."""

    name: str
    minutes: float
    distance_m_min: float | None
    distance_m_max: float | None
    label_zh: str
    source: str
    status: str
    note: str = ""


@dataclass(frozen=True)
class FacilityRule:
    """Service radius (m) or walking time (min) of one facility category."""

    category: str
    radius_m: float | None
    minutes: float | None
    level_minutes: float | None
    setting: str
    source: str
    status: str
    note: str = ""
    sizes_m2: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class LivingCircle:
    """The living-circle completeness list (categories every household should reach)."""

    minutes: float | None
    required_categories: tuple[str, ...]
    basic_formats: tuple[tuple[str, str], ...]
    source: str
    status: str
    note: str = ""


@dataclass(frozen=True)
class CommunityBands:
    """Household bands for community (社区/村) size, e.g. urban 2000–3000, rural 1000–1500."""

    urban: tuple[int, int]
    urban_high_rise: tuple[int, int]
    rural: tuple[int, int]
    source: str
    status: str
    note: str = ""
    service_radius_m: Quantity | None = None

    def band_for(self, urban_rural: str, high_rise: bool) -> tuple[int, int]:
        """Return (min, max) households for a community.

        Parameters
        ----------
        urban_rural
            ``"urban"`` or ``"rural"`` (城市/城镇 and 农村/乡村 are accepted too).
        high_rise
            True for a high-rise community (ignored for rural ones).

        Raises
        ------
        InputDataError
            When ``urban_rural`` is neither ``"urban"`` nor ``"rural"``.
        """
        kind = str(urban_rural).strip().lower()
        kind = {"城市": "urban", "城镇": "urban", "农村": "rural", "乡村": "rural"}.get(kind, kind)
        if kind == "rural":
            return self.rural
        if kind == "urban":
            return self.urban_high_rise if bool(high_rise) else self.urban
        raise InputDataError(
            f"urban_rural value {urban_rural!r} is neither 'urban' nor 'rural'; "
            "fix the 'urban_rural' column of the communities."
        )


@dataclass(frozen=True)
class Indicator:
    """One plan indicator (指标) with its target, the data it needs and its provenance.

    ``kind`` says how the check computes it: ``ratio`` (numerator / denominator x scale),
    ``value`` (one column), ``flag_share`` (share of communities with a yes/no column true),
    ``facility_count`` (share of sub-districts or communities holding >= ``min_count`` facilities
    of ``categories``), ``reach_share`` (share of households within ``minutes`` of a category),
    ``manual`` (a figure the check cannot compute; reported as not assessable).
    """

    id: str
    label_zh: str
    label_en: str
    kind: str
    comparison: str
    target: float | None
    target_max: float | None
    unit: str
    scope: str
    applies_to: str
    binding: str
    numerator: str | None
    denominator: str | None
    scale: float
    column: str | None
    categories: tuple[str, ...]
    min_count: int
    minutes: float | None
    min_households: int | None
    baseline: float | None
    source: str
    status: str
    note: str = ""
    origin: str = ""
    tier: str = "plan"
    condition: str | None = None
    level: str | None = None

    @property
    def binding_zh(self) -> str:
        """约束性 / 预期性, or "" when the document does not classify the indicator."""
        return {"binding": "约束性", "expected": "预期性"}.get(self.binding, "")

    @property
    def data_needed(self) -> tuple[str, ...]:
        """Attribute-table columns (or layers, for spatial kinds) this indicator needs."""
        if self.kind == "ratio":
            return tuple(c for c in (self.numerator, self.denominator) if c)
        if self.kind in ("value", "flag_share"):
            return (self.column,) if self.column else ()
        # the condition column (e.g. centre_new_or_rebuilt) selects units; it is not a value
        if self.kind == "facility_count":
            unit = "subdistricts" if self.scope == "subdistrict" else "communities"
            return ("facilities", unit)
        if self.kind == "reach_share":
            return ("reach",)
        return ()

    def target_text(self) -> str:
        """The target as written, e.g. ``'>= 30 m2/100 households'`` or ``'5–10'``."""
        if self.target is None:
            return "—"
        if self.comparison == "range":
            return f"{_fmt(self.target)}–{_fmt(self.target_max)} {self.unit}".strip()
        return f"{self.comparison} {_fmt(self.target)} {self.unit}".strip()


@dataclass(frozen=True)
class LevelElement:
    """One service element of a life-circle level (e.g. 村卫生室 -> ``health_station``)."""

    zh: str
    category: str
    source: str
    status: str
    note: str = ""


@dataclass(frozen=True)
class CircleLevel:
    """A life-circle level with its service elements (e.g. TD/T 1062-2021 乡集镇 / 村/组).

    ``minutes`` at ``speed_kmh`` by ``mode`` (``walk``, ``e-bike`` ...) is the travel budget to
    each element; ``unit_word_zh`` names the sub-units the level serves (小区, 村民小组).
    """

    name: str
    label_zh: str
    label_en: str
    unit_word_zh: str
    unit_word_en: str
    minutes: float | None
    speed_kmh: float | None
    mode: str
    elements: tuple[LevelElement, ...]
    source: str
    status: str
    note: str = ""

    @property
    def distance_m(self) -> float | None:
        """Budget distance in metres (``minutes`` x ``speed_kmh``), or None."""
        if self.minutes is None or self.speed_kmh is None:
            return None
        return float(self.minutes) * float(self.speed_kmh) * 1000.0 / 60.0

    @property
    def categories(self) -> tuple[str, ...]:
        """Category ids of the elements, without repeats, in order."""
        return tuple(dict.fromkeys(e.category for e in self.elements))


@dataclass(frozen=True)
class ProgrammeTarget:
    """A programme figure of the plan (e.g. 60 demonstration projects); not checked against data."""

    id: str
    label_zh: str
    label_en: str
    value: float
    unit: str
    scope: str
    source: str
    status: str
    note: str = ""


@dataclass(frozen=True)
class FieldInfo:
    """A column of the community attribute table: labels, unit and type (``number``/``bool``)."""

    name: str
    label_zh: str
    label_en: str
    unit: str
    type: str
    note: str = ""


@dataclass(frozen=True)
class Profile:
    """A validated planning profile (immutable). Build it with :func:`load_profile`."""

    id: str
    title_zh: str
    title_en: str
    issuer: str
    doc_number: str
    date: str
    source: str
    inherits: tuple[str, ...]
    lineage: tuple[str, ...]
    path: str
    walk: Mapping[str, Quantity]
    life_circles: tuple[LifeCircle, ...]
    facilities: Mapping[str, FacilityRule]
    living_circle: LivingCircle | None
    community_bands: CommunityBands | None
    indicators: tuple[Indicator, ...]
    programme: tuple[ProgrammeTarget, ...]
    fields: Mapping[str, FieldInfo]
    notes: str = ""
    data: Mapping[str, Any] = field(default_factory=dict, repr=False)
    document_type: str = "plan"
    levels: tuple[CircleLevel, ...] = ()
    #: where the plan applies, a place path (``jiangsu/taizhou``; see :mod:`gis_planner.policy.places`);
    #: ``""`` for a national document. Not inherited, as the rest of the metadata.
    place: str = ""

    # -- contract used by coverage / community / cli -----------------------------------------
    @property
    def speed_kmh(self) -> float | None:
        """Standard walking speed in km/h, or None when the profile sets none."""
        q = self.walk.get("speed_kmh")
        return q.value if q else None

    @property
    def headline_minutes(self) -> float | None:
        """The headline walking budget in minutes (the 15-minute circle)."""
        q = self.walk.get("headline_minutes")
        if q:
            return q.value
        if self.living_circle and self.living_circle.minutes:
            return self.living_circle.minutes
        if self.life_circles:
            return max(lc.minutes for lc in self.life_circles)
        return None

    def indicator(self, indicator_id: str) -> Indicator:
        """The indicator called ``indicator_id``.

        Raises
        ------
        PolicyError
            When the profile has no such indicator (the known ids are listed).
        """
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise PolicyError(
            f"profile {self.id!r} has no indicator {indicator_id!r}; known: "
            f"{', '.join(i.id for i in self.indicators) or 'none'}."
        )

    def category_minutes(self, *, speed_kmh: float | None = None,
                         elderly_standard: ElderlyStandard | None = None) -> dict[str, float]:
        """Walking minutes per facility category: ``radius_m`` / speed, or the rule's ``minutes``;
        an elderly-care category (:meth:`elderly_categories`) the profile sets no rule for takes
        the walking limit of its level in the elderly-care network (:func:`elderly_levels`:
        老年助餐点 500 m, 街道综合养老服务中心 700 m) / speed, so that the coverage table, the
        maps and the elderly-care network judge it by the same metres.

        Parameters
        ----------
        speed_kmh
            Walking speed (km/h) that turns radii into minutes; default the profile's. A radius
            is a distance standard (GB 50180: kindergarten 300 m), so a different speed keeps
            the distance and changes the minutes.
        elderly_standard
            The run's elderly-care standard (default: the shipped one).

        Raises
        ------
        PolicyError
            When a facility has a radius but no walking speed is known.
        """
        speed = self.speed_kmh if speed_kmh is None else speed_kmh
        out: dict[str, float] = {}
        if speed is not None:
            for cat, level in self.elderly_levels(elderly_standard).items():
                if cat not in self.facilities:
                    out[cat] = round(float(distance_to_minutes(level.walk_limit_m.value, speed)), 6)
        for cat, rule in self.facilities.items():
            if rule.radius_m is not None:
                if speed is None:
                    raise PolicyError(
                        f"profile {self.id!r} ({self.path}): facilities.{cat}.radius_m needs "
                        "walk.speed_kmh to become minutes; add [walk.speed_kmh] or inherit a "
                        "profile that sets it (e.g. gb50180-2018)."
                    )
                out[cat] = round(float(distance_to_minutes(rule.radius_m, speed)), 6)
            elif rule.minutes is not None:
                out[cat] = float(rule.minutes)
        return out

    def reach_parameters(self, *, speed_kmh: float | None = None,
                         elderly_standard: ElderlyStandard | None = None) -> dict[str, Any]:
        """Keyword arguments for :func:`gis_planner.coverage.reach` taken from this profile.

        Parameters
        ----------
        speed_kmh
            Walking speed (km/h) instead of the profile's; facility radii keep their metres
            (see :meth:`category_minutes`).
        elderly_standard
            The run's elderly-care standard, whose level limits the elderly-care categories
            without a rule of their own take (default: the shipped one).

        Returns
        -------
        dict
            ``speed_kmh`` (float, km/h), ``walk_minutes`` (tuple of float minutes, ascending,
            the life-circle levels plus the headline), ``headline_minutes`` (float),
            ``category_minutes`` (category -> minutes, from ``radius_m`` / speed or an explicit
            ``minutes``), ``required_categories`` (tuple of the living-circle completeness
            list) and ``profile_id``.

        Raises
        ------
        PolicyError
            When the profile sets no walking speed or no headline budget.

        Examples
        --------
        >>> params = load_profile("taizhou-2023").reach_parameters()
        >>> params["speed_kmh"], params["walk_minutes"], params["headline_minutes"]
        (4.0, (5.0, 10.0, 15.0), 15.0)
        """
        speed = self.speed_kmh if speed_kmh is None else speed_kmh
        if speed is None:
            raise PolicyError(
                f"profile {self.id!r} ({self.path}) sets no walking speed; add [walk.speed_kmh] "
                "or inherit gb50180-2018."
            )
        headline = self.headline_minutes
        if headline is None:
            raise PolicyError(
                f"profile {self.id!r} ({self.path}) sets no headline walking budget; add "
                "[walk.headline_minutes] or [living_circle] minutes."
            )
        minutes = sorted({float(lc.minutes) for lc in self.life_circles} | {float(headline)})
        required = self.living_circle.required_categories if self.living_circle else ()
        return {
            "speed_kmh": float(speed),
            "walk_minutes": tuple(minutes),
            "headline_minutes": float(headline),
            "category_minutes": self.category_minutes(speed_kmh=speed, elderly_standard=elderly_standard),
            "required_categories": tuple(required),
            "profile_id": self.id,
        }

    def citation(self, clause: str = "", lang: str = "zh") -> str:
        """The document and clause as a report cites them: title, issuer, number, date, item.

        >>> load_profile("taizhou-2023").citation("专栏1 第1项")
        '《泰州市城乡社区服务体系建设行动方案（2023—2025年）》（泰州市人民政府办公室，2023-08-31）专栏1 第1项'
        """
        parts = [x for x in (self.issuer, self.doc_number, self.date) if x]
        if lang == "zh":
            head = f"《{self.title_zh}》" + (f"（{'，'.join(parts)}）" if parts else "")
            return head + clause
        head = self.title_en + (f" ({', '.join(parts)})" if parts else "")
        return f"{head}, {clause}" if clause else head

    def level(self, name: str) -> CircleLevel:
        """The life-circle level called ``name`` (e.g. ``"village"``).

        Raises
        ------
        PolicyError
            When the profile has no such level (the known ones are listed).
        """
        for lv in self.levels:
            if lv.name == name:
                return lv
        raise PolicyError(f"profile {self.id!r} has no level {name!r}; known: "
                          f"{', '.join(lv.name for lv in self.levels) or 'none'}.")

    def assumption_speed(self, assumption: str = "standard") -> float:
        """Walking speed (km/h) of a named assumption: ``standard``, ``conservative``, ``elderly``.

        Raises
        ------
        PolicyError
            When the profile does not set that speed.
        """
        key = _ASSUMPTION_KEYS.get(assumption)
        q = self.walk.get(key) if key else None
        if q is None:
            raise PolicyError(
                f"profile {self.id!r} sets no {assumption!r} walking speed; known assumptions: "
                f"{', '.join(a for a, k in _ASSUMPTION_KEYS.items() if k in self.walk) or 'none'}."
            )
        return q.value

    def elderly_categories(self) -> tuple[str, ...]:
        """Categories judged at the elderly walking speed (``[walk.elderly_speed_kmh] categories``)."""
        q = self.walk.get("elderly_speed_kmh")
        return q.categories if q else ()

    def elderly_levels(self, standard: ElderlyStandard | None = None) -> dict[str, ElderlyLevel]:
        """The level of the elderly-care network (``standard``, default the shipped one) of each
        of :meth:`elderly_categories` that the network has: the level's ``walk_limit_m`` is the
        category's walking limit (m) wherever the profile sets no rule of its own."""
        cats = self.elderly_categories()
        if not cats:
            return {}
        if standard is None:
            standard = _shipped_elderly_standard()
        out: dict[str, ElderlyLevel] = {}
        for lv in standard.levels:  # highest level first: a category listed twice keeps the first
            for c in lv.categories:
                if c in cats:
                    out.setdefault(c, lv)
        return out

    def walking_assumptions(self) -> Any:
        """The walking assumptions every coverage figure states, one row each.

        GB 50180-2018 puts the 15-minute circle at 800–1000 m: coverage is reported at both ends
        (``conservative`` 3.2 km/h and ``standard`` 4.0 km/h in the shipped profiles) and at the
        ``elderly`` speed for elderly-care categories.

        Returns
        -------
        pandas.DataFrame
            Columns ``assumption`` (``standard``/``conservative``/``elderly``), ``speed_kmh``,
            ``headline_minutes``, ``headline_distance_m`` (m walked in the headline minutes),
            ``categories`` (for ``elderly``: the categories it applies to, comma-separated),
            ``source``, ``status``, ``tier`` (``standard`` or ``reading``), ``text_zh`` and
            ``text_en`` (the sentence printed beside a coverage figure).

        Examples
        --------
        >>> load_profile("taizhou-2023").walking_assumptions()["text_zh"].iloc[0]
        '按步行 4.0 km/h 计（15 分钟约 1,000 m）'
        """
        import pandas as pd

        headline = self.headline_minutes
        rows = []
        for assumption, key in _ASSUMPTION_KEYS.items():
            q = self.walk.get(key)
            if q is None:
                continue
            dist = None if headline is None else q.value * headline * 1000.0 / 60.0
            who_zh = "老年人" if assumption == "elderly" else ""
            who_en = "older people " if assumption == "elderly" else ""
            span_zh = "" if dist is None else f"（{_fmt(headline)} 分钟约 {dist:,.0f} m）"
            span_en = "" if dist is None else f" ({_fmt(headline)} min = about {dist:,.0f} m)"
            rows.append({
                "assumption": assumption,
                "speed_kmh": q.value,
                "headline_minutes": headline,
                "headline_distance_m": dist,
                "categories": ", ".join(q.categories),
                "source": q.source,
                "status": q.status,
                "tier": q.tier,
                "text_zh": f"按{who_zh}步行 {q.value:.1f} km/h 计{span_zh}",
                "text_en": f"{who_en}walking at {q.value:.1f} km/h{span_en}".capitalize(),
            })
        return pd.DataFrame(rows, columns=["assumption", "speed_kmh", "headline_minutes",
                                           "headline_distance_m", "categories", "source",
                                           "status", "tier", "text_zh", "text_en"])

    def category_budgets(self, *, assumption: str = "standard",
                         elderly_standard: ElderlyStandard | None = None) -> Any:
        """Budget per category under one walking assumption, with where it comes from.

        A radius (GB 50180: kindergarten 300 m) keeps its metres and changes its minutes with
        the speed; a time (``minutes``, or the headline 15 minutes for the completeness list)
        keeps its minutes and changes its metres. Elderly-care categories
        (:meth:`elderly_categories`) use the elderly speed whatever ``assumption`` says, and
        those without a rule of the profile's own take the walking limit (m) of their level
        in the elderly-care network (:meth:`elderly_levels`), as :meth:`category_minutes` does.

        Parameters
        ----------
        assumption
            ``standard`` or ``conservative`` (see :meth:`walking_assumptions`).
        elderly_standard
            The run's elderly-care standard (default: the shipped one).

        Returns
        -------
        pandas.DataFrame
            Index ``category``; ``minutes``, ``distance_m``, ``speed_kmh``, ``speed_basis``
            (the assumption used), ``budget_basis`` (``radius``, ``minutes``, ``headline`` or
            ``elderly_level``: the walking limit of the category's level in the elderly-care
            network), ``source``, ``status`` and ``unverified`` (True unless the budget's status
            is ``verified``: mark such a figure as unverified in reports).

        Raises
        ------
        PolicyError
            When the profile lacks the speed or the headline budget.
        """
        import pandas as pd

        base = self.assumption_speed(assumption)
        elderly = set(self.elderly_categories())
        old = self.walk.get("elderly_speed_kmh")
        headline = self.headline_minutes
        rows = []
        levels = self.elderly_levels(elderly_standard)
        cats = list(self.facilities)
        if self.living_circle is not None:
            cats += [c for c in self.living_circle.required_categories if c not in cats]
        cats += [c for c in levels if c not in cats]
        for cat in cats:
            speed, basis = (old.value, "elderly") if cat in elderly and old else (base, assumption)
            rule = self.facilities.get(cat)
            if rule is None and cat in levels:
                limit = levels[cat].walk_limit_m
                dist, mins, how = limit.value, limit.value * 60.0 / (speed * 1000.0), "elderly_level"
                src, st = limit.source, limit.status
            elif rule is not None and rule.radius_m is not None:
                dist, mins, how = rule.radius_m, rule.radius_m * 60.0 / (speed * 1000.0), "radius"
                src, st = rule.source, rule.status
            elif rule is not None and rule.minutes is not None:
                mins, how = rule.minutes, "minutes"
                dist = mins * speed * 1000.0 / 60.0
                src, st = rule.source, rule.status
            else:
                if headline is None:
                    raise PolicyError(f"profile {self.id!r} sets no headline walking budget.")
                mins, how = headline, "headline"
                dist = mins * speed * 1000.0 / 60.0
                lc = self.living_circle
                src, st = (lc.source, lc.status) if lc else ("", "")
            rows.append({"category": cat, "minutes": round(float(mins), 6),
                         "distance_m": round(float(dist), 6), "speed_kmh": speed,
                         "speed_basis": basis, "budget_basis": how, "source": src,
                         "status": st, "unverified": st != "verified"})
        return pd.DataFrame(rows, columns=["category", "minutes", "distance_m", "speed_kmh",
                                           "speed_basis", "budget_basis", "source", "status",
                                           "unverified"]).set_index("category")

    def needed_fields(self) -> tuple[str, ...]:
        """Attribute-table columns the profile's tabular indicators read, in indicator order."""
        out: list[str] = []
        for ind in self.indicators:
            if ind.kind in ("ratio", "value", "flag_share"):
                for c in (*ind.data_needed, *((ind.condition,) if ind.condition else ())):
                    if c not in out:
                        out.append(c)
        if any(i.min_households for i in self.indicators) and "households" not in out:
            out.append("households")
        return tuple(out)


#: Named walking assumptions -> the ``[walk]`` key holding their speed.
_ASSUMPTION_KEYS: dict[str, str] = {
    "standard": "speed_kmh",
    "conservative": "conservative_speed_kmh",
    "elderly": "elderly_speed_kmh",
}


#: What a report calls the sub-units of a community: 小区 (residential compounds) in an urban
#: community (居委会), 村民小组 (villagers' groups) in a rural one (村委会).
UNIT_WORDS: dict[str, tuple[str, str]] = {
    "urban": ("小区", "compound"),
    "rural": ("村民小组", "villagers' group"),
}


#: Committee types (lower-cased) -> the band they are sized and judged by: 居委会 -> urban,
#: 村委会 -> rural.
COMMITTEE_URBAN_RURAL: dict[str, str] = {
    "居委会": "urban", "居民委员会": "urban", "社区居委会": "urban", "社区居民委员会": "urban",
    "urban": "urban", "村委会": "rural", "村民委员会": "rural", "rural": "rural",
}


@functools.cache
def _shipped_elderly_standard() -> ElderlyStandard:
    """The shipped elderly-care standard, read once (it is immutable): the walking limits of
    the elderly-care categories where a run gives no standard of its own."""
    from gis_planner.policy.elderly import load_elderly_standard

    return load_elderly_standard()


def unit_word(urban_rural: str, lang: str = "zh") -> str:
    """The word for a community's sub-units: 小区 (urban) or 村民小组 (rural).

    >>> unit_word("rural"), unit_word("urban", "en")
    ('村民小组', 'compound')

    Raises
    ------
    InputDataError
        For a value other than ``urban`` / ``rural``, or a language other than zh / en.
    """
    if urban_rural not in UNIT_WORDS or lang not in ("zh", "en"):
        raise InputDataError(f"unit_word({urban_rural!r}, {lang!r}): expected urban or rural, "
                             "and zh or en.")
    return UNIT_WORDS[urban_rural][0 if lang == "zh" else 1]


def is_reading(source: str, status: str) -> bool:
    """True when a number is the project's own reading: status ``derived``, or a source text
    starting with "derived", "our reading" or "reading:".

    >>> is_reading("derived: 15 min = 1000 m", "derived"), is_reading("专栏1 第1项", "verified")
    (True, False)
    """
    return status == "derived" or str(source).strip().lower().startswith(READING_PREFIXES)


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def _data_dir() -> Any:
    return resources.files("gis_planner.policy").joinpath("data")


@functools.cache
def _shipped_index() -> dict[str, str]:
    """Map of shipped profile id -> file name (files starting with '_' are not profiles)."""
    index: dict[str, str] = {}
    for entry in sorted(_data_dir().iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml") or entry.name.startswith("_"):
            continue
        raw = _parse_bytes(entry.read_bytes(), f"gis_planner/policy/data/{entry.name}")
        pid = raw.get("id")
        if isinstance(pid, str):
            index[pid] = entry.name
    return index


def _parse_bytes(raw: bytes, label: str, *, yaml_ok: bool = False) -> dict[str, Any]:
    if yaml_ok:
        try:
            import yaml
        except ModuleNotFoundError as exc:
            raise PolicyError(
                f"{label}: YAML profiles need PyYAML (pip install pyyaml); "
                "or write the profile as TOML."
            ) from exc
        try:
            data = yaml.safe_load(raw.decode("utf-8-sig"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise PolicyError(f"{label}: not valid YAML ({exc}).") from exc
        if not isinstance(data, dict):
            raise PolicyError(f"{label}: the YAML file must hold a mapping at the top level.")
        return data
    try:
        return tomllib.loads(raw.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{label}: not valid TOML ({exc}).") from exc


@functools.cache
def _field_catalogue() -> dict[str, dict[str, Any]]:
    raw = _parse_bytes(
        _data_dir().joinpath(_FIELDS_FILE).read_bytes(), f"gis_planner/policy/data/{_FIELDS_FILE}"
    )
    fields_raw = raw.get("fields", {})
    _check_section(fields_raw, "fields", f"gis_planner/policy/data/{_FIELDS_FILE}")
    return fields_raw


def known_fields() -> dict[str, FieldInfo]:
    """The shipped catalogue of community attribute fields (``policy/data/_fields.toml``).

    A profile's own ``[fields.<name>]`` tables add to it (see :attr:`Profile.fields`).

    >>> known_fields()["service_area_m2"].unit
    'm2'
    """
    return {
        name: FieldInfo(
            name, t["label_zh"], t["label_en"], t.get("unit", ""), t["type"], t.get("note", "")
        )
        for name, t in _field_catalogue().items()
    }


def list_profiles() -> list[dict[str, Any]]:
    """The shipped profiles: one dict per profile with ``id``, ``title_zh``, ``title_en``,
    ``issuer``, ``doc_number``, ``date``, ``inherits`` and ``n_indicators``.

    >>> "taizhou-2023" in [p["id"] for p in list_profiles()]
    True
    """
    rows = []
    for pid in sorted(_shipped_index()):
        p = load_profile(pid)
        rows.append(
            {
                "id": p.id,
                "title_zh": p.title_zh,
                "title_en": p.title_en,
                "issuer": p.issuer,
                "doc_number": p.doc_number,
                "date": p.date,
                "inherits": p.inherits,
                "n_indicators": len(p.indicators),
            }
        )
    return rows


def load_profile(id_or_path: str | os.PathLike[str]) -> Profile:
    """Load, merge (inheritance) and validate a profile.

    Parameters
    ----------
    id_or_path
        A shipped profile id (``"taizhou-2023"``, see :func:`list_profiles`) or the path of a
        profile file (``.toml``; ``.yaml``/``.yml`` when PyYAML is installed).

    Returns
    -------
    Profile

    Raises
    ------
    PolicyError
        Unknown id, unreadable file, or a validation error; the message names the file and the
        key path (e.g. ``my.toml: indicators.activity_area_share.target: expected a positive
        number, found -70``).

    Examples
    --------
    >>> load_profile("taizhou-2023").community_bands.band_for("urban", True)
    (2000, 5000)
    """
    key = str(id_or_path)
    if isinstance(id_or_path, str) and key in _shipped_index():
        return _load_cached(("id", key))
    path = Path(id_or_path)
    if path.suffix.lower() in (".toml", ".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise PolicyError(f"{path}: profile file not found.")
        resolved = path.resolve()
        return _load_cached(("path", str(resolved), resolved.stat().st_mtime_ns))
    raise PolicyError(
        f"unknown profile {key!r}; shipped profiles: {', '.join(sorted(_shipped_index()))}; "
        "or give the path of a .toml profile file."
    )


@functools.lru_cache(maxsize=64)
def _load_cached(ref: tuple[Any, ...]) -> Profile:
    """Load once per id, or per path and modification time (an edited file is read again)."""
    merged, label, lineage = _resolve((ref[0], ref[1]), ())
    return _build(merged, label, lineage)


def _read_ref(ref: tuple[str, str]) -> tuple[dict[str, Any], str, Path | None]:
    kind, value = ref
    if kind == "id":
        name = _shipped_index()[value]
        label = f"gis_planner/policy/data/{name}"
        return _parse_bytes(_data_dir().joinpath(name).read_bytes(), label), label, None
    path = Path(value)
    label = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"{label}: cannot read the profile file ({exc}).") from exc
    return _parse_bytes(raw, label, yaml_ok=path.suffix.lower() in (".yaml", ".yml")), label, path


def _parent_ref(name: str, child_label: str, child_path: Path | None) -> tuple[str, str]:
    if name in _shipped_index():
        return ("id", name)
    if name.lower().endswith((".toml", ".yaml", ".yml")):
        base = child_path.parent if child_path is not None else Path.cwd()
        candidate = (base / name).resolve()
        if candidate.is_file():
            return ("path", str(candidate))
        raise PolicyError(
            f"{child_label}: inherits: parent file {name!r} not found (looked at {candidate})."
        )
    raise PolicyError(
        f"{child_label}: inherits: unknown parent profile {name!r}; shipped profiles: "
        f"{', '.join(sorted(_shipped_index()))}, or a relative .toml path."
    )


def _resolve(
    ref: tuple[str, str], chain: tuple[tuple[str, str], ...]
) -> tuple[dict[str, Any], str, tuple[str, ...]]:
    raw, label, path = _read_ref(ref)
    if ref in chain:
        names = " -> ".join(c[1] for c in (*chain, ref))
        raise PolicyError(f"{label}: inherits: inheritance cycle ({names}); remove one link.")
    _validate_file(raw, label)
    raw = dict(raw)
    if isinstance(raw.get("indicators"), Mapping):  # remember which file defined each indicator
        doc = raw.get("document_type", "plan")
        raw["indicators"] = {k: {**t, "_origin": raw["id"], "_document_type": doc}
                             for k, t in raw["indicators"].items()}
    parents = raw.get("inherits", [])
    parents = [parents] if isinstance(parents, str) else list(parents)
    merged: dict[str, Any] = {}
    lineage: list[str] = []
    for parent in parents:
        pref = _parent_ref(parent, label, path)
        pdata, _plabel, plineage = _resolve(pref, (*chain, ref))
        merged = _deep_merge(merged, {k: v for k, v in pdata.items() if k in _INHERITED})
        lineage.extend(x for x in plineage if x not in lineage)
    merged = _deep_merge(merged, raw)
    for path_str in raw.get("exclude", []):
        _remove_path(merged, path_str, label)
    lineage.append(str(raw["id"]))
    return merged, label, tuple(lineage)


#: Top-level sections a child inherits (metadata: id, title, doc_number... is never inherited).
_INHERITED = (
    "walk",
    "life_circles",
    "facilities",
    "living_circle",
    "community_bands",
    "indicators",
    "programme",
    "fields",
)


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Tables merge key by key (recursively); arrays and scalars replace."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _deep_merge(dict(out[k]), v)
        elif isinstance(v, Mapping):
            out[k] = _deep_merge({}, v)
        else:
            out[k] = v
    return out


def _remove_path(data: dict[str, Any], dotted: str, label: str) -> None:
    parts = dotted.split(".")
    node: Any = data
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict) or parts[-1] not in node:
        raise PolicyError(f"{label}: exclude: {dotted!r} names nothing in the inherited profile.")
    del node[parts[-1]]


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _err(label: str, keypath: str, msg: str) -> PolicyError:
    return PolicyError(f"{label}: {keypath}: {msg}")


def _check_str(value: Any, label: str, keypath: str) -> None:
    if not isinstance(value, str):
        raise _err(label, keypath, f"expected text, found {type(value).__name__} {value!r}.")
    _check_text(value, label, keypath)


def _check_number(value: Any, typ: str, label: str, keypath: str) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
    ):
        raise _err(
            label, keypath, f"expected a number, found {type(value).__name__} {value!r}."
        )
    if typ == _POS and value <= 0:
        raise _err(label, keypath, f"expected a positive number, found {value!r}.")
    if typ == _NONNEG and value < 0:
        raise _err(label, keypath, f"expected a number >= 0, found {value!r}.")
    if typ == _POSINT and (value <= 0 or not float(value).is_integer()):
        raise _err(label, keypath, f"expected a positive whole number, found {value!r}.")


def _check_strlist(value: Any, label: str, keypath: str) -> None:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise _err(label, keypath, f"expected a list of text, found {value!r}.")


def _check_categories(value: Any, label: str, keypath: str) -> None:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise _err(label, keypath, f"expected a list of category ids, found {value!r}.")
    for i, cat in enumerate(value):
        _check_category(cat, label, f"{keypath}[{i}]")


def _check_qty(value: Any, label: str, keypath: str) -> None:
    if not isinstance(value, Mapping):
        raise _err(label, keypath, f"expected a table {{value, source, status}}, found {value!r}.")
    _check_keys(value, _QTY, label, keypath)
    if "value" not in value:
        raise _err(label, f"{keypath}.value", "missing.")
    _check_provenance(value, label, keypath)


def _check_elements(value: Any, label: str, keypath: str) -> None:
    if not isinstance(value, list):
        raise _err(label, keypath, f"expected a list of {{zh, category, source, status}} "
                   f"tables, found {value!r}.")
    for i, item in enumerate(value):
        kp = f"{keypath}[{i}]"
        if not isinstance(item, Mapping):
            raise _err(label, kp, f"expected a table {{zh, category, source, status}}, "
                       f"found {item!r}.")
        _check_keys(item, _ELEMENT_KEYS, label, kp)
        for req in ("zh", "category", "source", "status"):
            if req not in item:
                raise _err(label, f"{kp}.{req}", "missing; every element names its source "
                           "and status.")
        _check_enum(item, "status", STATUSES, label, kp)
        _check_category(item["category"], label, f"{kp}.category")


def _check_formats(value: Any, label: str, keypath: str) -> None:
    if not isinstance(value, list):
        raise _err(
            label, keypath, f"expected a list of {{zh, category}} tables, found {value!r}."
        )
    for i, item in enumerate(value):
        kp = f"{keypath}[{i}]"
        if not isinstance(item, Mapping):
            raise _err(label, kp, f"expected a table {{zh, category}}, found {item!r}.")
        _check_keys(item, {"zh": _STR, "category": _STR, "note": _STR}, label, kp)
        for req in ("zh", "category"):
            if req not in item:
                raise _err(label, f"{kp}.{req}", "missing.")
        _check_category(item["category"], label, f"{kp}.category")


#: The check of each schema value type but the numbers (:func:`_check_number`).
_VALUE_CHECKERS: dict[str, Callable[[Any, str, str], None]] = {
    _STR: _check_str,
    _STRLIST: _check_strlist,
    "categories": _check_categories,
    "qty": _check_qty,
    "elements": _check_elements,
    "formats": _check_formats,
}


def _check_value(value: Any, typ: str, label: str, keypath: str) -> None:
    if typ in _NUMBER_KINDS:
        _check_number(value, typ, label, keypath)
    elif typ in _VALUE_CHECKERS:
        _VALUE_CHECKERS[typ](value, label, keypath)
    else:  # pragma: no cover - schema typo guard
        raise AssertionError(typ)


def _check_text(value: str, label: str, keypath: str) -> None:
    """Texts reach reports (Excel refuses control characters): refuse them here, up front."""
    from gis_planner._validate import control_characters

    bad = control_characters(value)
    if bad:
        raise _err(label, keypath, f"the text holds control or invisible characters "
                   f"({', '.join(bad)}); remove them.")


def _check_category(cat: str, label: str, keypath: str) -> None:
    from gis_planner._validate import unknown_category_message
    from gis_planner.categories import known_categories

    if cat not in known_categories():
        raise _err(label, keypath, unknown_category_message(cat))


#: Profile keys holding walking speeds (km/h) or walking minutes, checked against
#: :func:`plausible_range` (profiles are never forced).
_SPEED_KEYS = ("speed_kmh", "conservative_speed_kmh", "elderly_speed_kmh")
_MINUTE_KEYS = ("minutes", "level_minutes", "headline_minutes")


def _check_plausible(value: Any, quantity: str, label: str, keypath: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return  # the type check names it
    low, high, unit = plausible_range(quantity)
    if not low <= value <= high:
        raise _err(label, keypath, f"{value!r} {unit} is outside the plausible {low:g}-{high:g} "
                   f"{unit}; is it in the right unit?")


def _check_keys(
    table: Mapping[str, Any], schema: Mapping[str, str], label: str, keypath: str
) -> None:
    import difflib

    for k, v in table.items():
        kp = f"{keypath}.{k}" if keypath else k
        if k not in schema:
            close = difflib.get_close_matches(str(k), list(schema), n=1)
            hint = f" did you mean {close[0]!r}?" if close else ""
            raise _err(label, kp, f"unknown key;{hint} allowed here: {', '.join(schema)}.")
        _check_value(v, schema[k], label, kp)
        if k in _MINUTE_KEYS and schema[k] in _NUMBER_KINDS:
            _check_plausible(v, "minutes", label, kp)


def _check_provenance(table: Mapping[str, Any], label: str, keypath: str) -> None:
    """A table that sets a number must name its source clause and status."""
    has_number = any(isinstance(v, int | float) and not isinstance(v, bool) for v in table.values())
    if not has_number:
        return
    for req in ("source", "status"):
        if req not in table or not str(table[req]).strip():
            raise _err(
                label,
                f"{keypath}.{req}",
                f'missing; every number needs its {req} (e.g. source = "专栏1 第3项", '
                f'status = "verified").',
            )
    if table["status"] not in STATUSES:
        raise _err(
            label,
            f"{keypath}.status",
            f"expected one of {', '.join(STATUSES)}, found {table['status']!r}.",
        )
    if table["status"] == "verified" and is_reading(str(table["source"]), ""):
        raise _err(
            label,
            f"{keypath}.status",
            f"'verified' for a number whose source is the project's own reading "
            f"({str(table['source'])[:60]!r}); a reading is never verified: use status = "
            '"derived".',
        )


def _check_enum(
    table: Mapping[str, Any], key: str, allowed: tuple[str, ...], label: str, kp: str
) -> None:
    if key in table and table[key] not in allowed:
        raise _err(
            label, f"{kp}.{key}", f"expected one of {', '.join(allowed)}, found {table[key]!r}."
        )


def _sub_tables(section: Any, label: str, keypath: str) -> Mapping[str, Any]:
    if not isinstance(section, Mapping):
        raise _err(label, keypath, f"expected a table, found {type(section).__name__}.")
    for k, v in section.items():
        if not isinstance(v, Mapping):
            raise _err(
                label, f"{keypath}.{k}", f"expected a table, found {type(v).__name__} {v!r}."
            )
    return section


def _check_walk(section: Any, label: str) -> None:
    for k, q in _sub_tables(section, label, "walk").items():
        if k not in _WALK_KEYS:
            raise _err(
                label, f"walk.{k}", f"unknown key; allowed here: {', '.join(_WALK_KEYS)}."
            )
        _check_keys(q, {**_QTY, "categories": "categories"}, label, f"walk.{k}")
        _check_provenance(q, label, f"walk.{k}")
        if "value" in q:
            _check_plausible(q["value"], "speed_kmh" if k in _SPEED_KEYS else "minutes",
                             label, f"walk.{k}.value")


def _check_life_circles(section: Any, label: str) -> None:
    for k, t in _sub_tables(section, label, "life_circles").items():
        _check_keys(t, _LIFE_CIRCLE_KEYS, label, f"life_circles.{k}")
        _check_provenance(t, label, f"life_circles.{k}")


def _check_facilities(section: Any, label: str) -> None:
    for k, t in _sub_tables(section, label, "facilities").items():
        _check_category(k, label, f"facilities.{k}")
        _check_keys(t, _FACILITY_KEYS, label, f"facilities.{k}")
        _check_provenance(t, label, f"facilities.{k}")


def _check_flat_section(section: Any, name: str, label: str) -> None:
    """``living_circle`` or ``community_bands``: one table of quantities."""
    if not isinstance(section, Mapping):
        raise _err(label, name, f"expected a table, found {type(section).__name__}.")
    schema = _LIVING_KEYS if name == "living_circle" else _BAND_KEYS
    _check_keys(section, schema, label, name)
    _check_provenance(section, label, name)
    if name == "living_circle" and "required_categories" in section and "source" not in section:
        raise _err(label, f"{name}.source", "missing; the completeness list needs its source.")


def _check_indicators(section: Any, label: str) -> None:
    for k, t in _sub_tables(section, label, "indicators").items():
        kp = f"indicators.{k}"
        _check_keys(t, _INDICATOR_KEYS, label, kp)
        _check_provenance(t, label, kp)
        _check_enum(t, "kind", KINDS, label, kp)
        _check_enum(t, "comparison", COMPARISONS, label, kp)
        _check_enum(t, "scope", SCOPES, label, kp)
        _check_enum(t, "applies_to", APPLIES, label, kp)
        _check_enum(t, "binding", BINDINGS, label, kp)
        _check_enum(t, "tier", TIERS, label, kp)


def _check_levels(section: Any, label: str) -> None:
    for k, t in _sub_tables(section, label, "levels").items():
        kp = f"levels.{k}"
        _check_keys(t, _LEVEL_KEYS, label, kp)
        _check_provenance(t, label, kp)
        _check_enum(t, "mode", MODES, label, kp)
        if "speed_kmh" in t:
            _check_plausible(t["speed_kmh"], "speed_kmh", label, f"{kp}.speed_kmh")


def _check_programme(section: Any, label: str) -> None:
    for k, t in _sub_tables(section, label, "programme").items():
        _check_keys(t, _PROGRAMME_KEYS, label, f"programme.{k}")
        _check_provenance(t, label, f"programme.{k}")


def _check_fields(section: Any, label: str) -> None:
    for k, t in _sub_tables(section, label, "fields").items():
        _check_keys(t, _FIELD_KEYS, label, f"fields.{k}")
        _check_enum(t, "type", FIELD_TYPES, label, f"fields.{k}")


#: The check of each top-level section (``living_circle`` and ``community_bands`` share one).
_SECTION_CHECKERS: dict[str, Callable[[Any, str], None]] = {
    "walk": _check_walk,
    "life_circles": _check_life_circles,
    "facilities": _check_facilities,
    "indicators": _check_indicators,
    "levels": _check_levels,
    "programme": _check_programme,
    "fields": _check_fields,
}


def _check_section(section: Any, name: str, label: str) -> None:
    """Validate one top-level section of a single (unmerged) file."""
    if name in ("living_circle", "community_bands"):
        _check_flat_section(section, name, label)
    elif name in _SECTION_CHECKERS:
        _SECTION_CHECKERS[name](section, label)


def _check_top_value(k: str, v: Any, typ: str, label: str) -> None:
    """Validate the top-level key ``k`` of schema type ``typ``."""
    if typ == "title":
        if not isinstance(v, Mapping):
            raise _err(label, "title", f"expected a table {{zh, en}}, found {v!r}.")
        _check_keys(v, {"zh": _STR, "en": _STR}, label, "title")
    elif typ == "date":
        if not isinstance(v, str | _dt.date):
            raise _err(label, "date", f"expected a date (2023-08-31) or text, found {v!r}.")
    elif typ == "inherits":
        if not (
            isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
        ):
            raise _err(
                label,
                "inherits",
                f"expected a profile id, a path or a list of them, found {v!r}.",
            )
    elif typ == "place":
        check_place(label, k, v)
    elif typ in (_STR, _STRLIST):
        _check_value(v, typ, label, k)
        if k == "document_type" and v not in DOCUMENT_TYPES:
            raise _err(label, k, f"expected one of {', '.join(DOCUMENT_TYPES)}, found {v!r}.")
    else:
        _check_section(v, k, label)


def _validate_file(raw: Mapping[str, Any], label: str) -> None:
    for k, v in raw.items():
        if k not in _TOP_KEYS:
            raise _err(label, k, f"unknown key; allowed at the top level: {', '.join(_TOP_KEYS)}.")
        _check_top_value(k, v, _TOP_KEYS[k], label)
    for req in ("id", "title", "source"):
        if req not in raw:
            raise _err(
                label, req, "missing; every profile file needs id, title {zh, en} and source."
            )
    for req in ("zh", "en"):
        if req not in raw["title"]:
            raise _err(label, f"title.{req}", "missing.")


_REQUIRED_INDICATOR = (
    "label_zh",
    "label_en",
    "kind",
    "unit",
    "scope",
    "applies_to",
    "source",
    "status",
)


def _build_walk(data: Mapping[str, Any], label: str) -> dict[str, Quantity]:
    """The walking quantities of ``[walk]``."""
    walk = {
        k: Quantity(k, float(q["value"]), q["source"], q["status"], q.get("note", ""),
                    tuple(q.get("categories", ())))
        for k, q in data.get("walk", {}).items()
        if "value" in q
    }
    for k, q in data.get("walk", {}).items():
        if "value" not in q:
            raise _err(label, f"walk.{k}.value", "missing.")
    return walk


def _build_circles(data: Mapping[str, Any], label: str) -> list[LifeCircle]:
    """The life circles of ``[life_circles]``, shortest first."""
    circles: list[LifeCircle] = []
    for k, t in data.get("life_circles", {}).items():
        if "minutes" not in t:
            raise _err(label, f"life_circles.{k}.minutes", "missing.")
        dmin = t.get("distance_m_min", t.get("distance_m"))
        dmax = t.get("distance_m_max", t.get("distance_m"))
        if dmin is not None and dmax is not None and dmin > dmax:
            raise _err(
                label, f"life_circles.{k}", f"distance_m_min {dmin} > distance_m_max {dmax}."
            )
        circles.append(
            LifeCircle(
                k,
                float(t["minutes"]),
                _f(dmin),
                _f(dmax),
                t.get("label_zh", ""),
                t.get("source", ""),
                t.get("status", ""),
                t.get("note", ""),
            )
        )
    circles.sort(key=lambda c: c.minutes)
    return circles


def _build_facilities(data: Mapping[str, Any], label: str) -> dict[str, FacilityRule]:
    """The facility rules of ``[facilities]``."""
    facilities: dict[str, FacilityRule] = {}
    for cat, t in data.get("facilities", {}).items():
        if "radius_m" not in t and "minutes" not in t:
            raise _err(label, f"facilities.{cat}", "needs radius_m or minutes.")
        sizes = tuple(
            (k, float(t[k]))
            for k in ("building_m2_min", "building_m2_max", "land_m2_min", "land_m2_max")
            if k in t
        )
        facilities[cat] = FacilityRule(
            cat,
            _f(t.get("radius_m")),
            _f(t.get("minutes")),
            _f(t.get("level_minutes")),
            t.get("setting", ""),
            t["source"],
            t["status"],
            t.get("note", ""),
            sizes,
        )
    return facilities


def _build_living(data: Mapping[str, Any], label: str) -> LivingCircle | None:
    """The living circle of ``[living_circle]``, if any."""
    living: LivingCircle | None = None
    if "living_circle" in data:
        t = data["living_circle"]
        fmts = tuple((f["zh"], f["category"]) for f in t.get("basic_formats", []))
        req = tuple(t.get("required_categories", [c for _, c in fmts]))
        req = tuple(dict.fromkeys(req))
        living = LivingCircle(
            _f(t.get("minutes")),
            req,
            fmts,
            t.get("source", ""),
            t.get("status", ""),
            t.get("note", ""),
        )
    return living


def _build_bands(data: Mapping[str, Any], label: str) -> CommunityBands | None:
    """The community size bands of ``[community_bands]``, if any."""
    bands: CommunityBands | None = None
    if "community_bands" in data:
        t = data["community_bands"]
        for req_key in ("urban_min", "urban_max", "rural_min", "rural_max"):
            if req_key not in t:
                raise _err(label, f"community_bands.{req_key}", "missing.")
        hr = int(t.get("high_rise_max", t["urban_max"]))
        for lo, hi in (("urban_min", "urban_max"), ("rural_min", "rural_max")):
            if t[lo] > t[hi]:
                raise _err(label, f"community_bands.{lo}", f"{t[lo]} exceeds {hi} {t[hi]}.")
        if hr < t["urban_max"]:
            raise _err(
                label, "community_bands.high_rise_max", f"{hr} is below urban_max {t['urban_max']}."
            )
        radius = t.get("service_radius_m")
        bands = CommunityBands(
            (int(t["urban_min"]), int(t["urban_max"])),
            (int(t["urban_min"]), hr),
            (int(t["rural_min"]), int(t["rural_max"])),
            t["source"],
            t["status"],
            t.get("note", ""),
            None if radius is None else Quantity(
                "service_radius_m", float(radius["value"]), radius["source"], radius["status"],
                radius.get("note", "")),
        )
    return bands


def _build_levels(data: Mapping[str, Any], label: str) -> list[CircleLevel]:
    """The life-circle levels of ``[levels]``."""
    levels: list[CircleLevel] = []
    for k, t in data.get("levels", {}).items():
        if not t.get("elements"):
            raise _err(label, f"levels.{k}.elements", "missing; a level lists its elements.")
        levels.append(CircleLevel(
            k, t.get("label_zh", k), t.get("label_en", k), t.get("unit_word_zh", ""),
            t.get("unit_word_en", ""), _f(t.get("minutes")), _f(t.get("speed_kmh")),
            t.get("mode", "walk"),
            tuple(LevelElement(e["zh"], e["category"], e["source"], e["status"],
                               e.get("note", "")) for e in t["elements"]),
            t.get("source", ""), t.get("status", ""), t.get("note", "")))
    return levels


def _build_fields(data: Mapping[str, Any], label: str) -> dict[str, FieldInfo]:
    """The field catalogue: the shipped one updated by ``[fields]``."""
    catalogue = dict(_field_catalogue())
    catalogue.update(data.get("fields", {}))
    field_infos: dict[str, FieldInfo] = {}
    for name, t in catalogue.items():
        for req_key in ("label_zh", "label_en", "type"):
            if req_key not in t:
                raise _err(label, f"fields.{name}.{req_key}", "missing.")
        field_infos[name] = FieldInfo(
            name, t["label_zh"], t["label_en"], t.get("unit", ""), t["type"], t.get("note", "")
        )
    return field_infos


def _build_indicators(data: Mapping[str, Any], label: str, *, levels: list[CircleLevel],
                      field_infos: Mapping[str, FieldInfo], lineage: tuple[str, ...]) -> list[Indicator]:
    """The indicators of ``[indicators]``, the profile's own first."""
    level_cats = {lv.name: list(lv.categories) for lv in levels}
    raw_indicators = {}
    for k, t in data.get("indicators", {}).items():
        if "level" in t:
            if t["level"] not in level_cats:
                raise _err(label, f"indicators.{k}.level", f"unknown level {t['level']!r}; "
                           f"known: {', '.join(level_cats) or 'none'} (declare it under [levels]).")
            if t.get("kind") != "reach_share":
                raise _err(label, f"indicators.{k}.level", "only a reach_share indicator "
                           "takes a level (its budget and elements).")
            t = {"categories": level_cats[t["level"]], **t}
        raw_indicators[k] = t
    indicators = [_build_indicator(k, t, label, field_infos) for k, t in raw_indicators.items()]
    rank = {pid: i for i, pid in enumerate(reversed(lineage))}  # own indicators first
    indicators.sort(key=lambda ind: rank.get(ind.origin, len(rank)))
    return indicators


def _build_programme(data: Mapping[str, Any], label: str) -> list[ProgrammeTarget]:
    """The programme targets of ``[programme]``."""
    programme: list[ProgrammeTarget] = []
    for k, t in data.get("programme", {}).items():
        for req_key in ("label_zh", "label_en", "value", "source", "status"):
            if req_key not in t:
                raise _err(label, f"programme.{k}.{req_key}", "missing.")
        programme.append(
            ProgrammeTarget(
                k,
                t["label_zh"],
                t["label_en"],
                float(t["value"]),
                t.get("unit", ""),
                t.get("scope", "city"),
                t["source"],
                t["status"],
                t.get("note", ""),
            )
        )
    return programme


def _build(data: Mapping[str, Any], label: str, lineage: tuple[str, ...]) -> Profile:
    """Check the merged data for completeness and build the frozen :class:`Profile`."""
    walk = _build_walk(data, label)
    circles = _build_circles(data, label)
    facilities = _build_facilities(data, label)
    living = _build_living(data, label)
    bands = _build_bands(data, label)
    levels = _build_levels(data, label)
    field_infos = _build_fields(data, label)
    indicators = _build_indicators(data, label, levels=levels, field_infos=field_infos, lineage=lineage)
    programme = _build_programme(data, label)

    title = data["title"]
    inherits = data.get("inherits", [])
    inherits = (inherits,) if isinstance(inherits, str) else tuple(inherits)
    date = data.get("date", "")
    return Profile(
        id=str(data["id"]),
        title_zh=title["zh"],
        title_en=title["en"],
        issuer=data.get("issuer", ""),
        doc_number=data.get("doc_number", ""),
        date=str(date),
        source=data["source"],
        inherits=inherits,
        lineage=lineage,
        path=label,
        walk=MappingProxyType(walk),
        life_circles=tuple(circles),
        facilities=MappingProxyType(facilities),
        living_circle=living,
        community_bands=bands,
        indicators=tuple(indicators),
        programme=tuple(programme),
        fields=MappingProxyType(field_infos),
        notes=data.get("notes", ""),
        data=MappingProxyType(dict(data)),
        document_type=str(data.get("document_type", "plan")),
        levels=tuple(levels),
        place=str(data.get("place", "")),
    )


def _f(x: Any) -> float | None:
    return None if x is None else float(x)


def _check_indicator_target(t: Mapping[str, Any], label: str, kp: str) -> None:
    """The target and comparison a checked indicator needs (a range needs both ends)."""
    kind = t["kind"]
    if kind != "manual":
        if "target" not in t:
            raise _err(label, f"{kp}.target", f"missing; a {kind} indicator needs a target.")
        if "comparison" not in t:
            raise _err(
                label, f"{kp}.comparison", f"missing; expected one of {', '.join(COMPARISONS)}."
            )
    if t.get("comparison", ">=") == "range":
        if "target_max" not in t:
            raise _err(label, f"{kp}.target_max", "missing; a range needs target and target_max.")
        if t["target_max"] < t["target"]:
            raise _err(
                label, f"{kp}.target_max", f"{t['target_max']} is below target {t['target']}."
            )


def _check_indicator_inputs(t: Mapping[str, Any], label: str, kp: str,
                            field_infos: Mapping[str, FieldInfo]) -> None:
    """The fields and categories an indicator of its kind reads, and its scope."""
    kind = t["kind"]
    needs: dict[str, tuple[str, ...]] = {
        "ratio": ("numerator", "denominator"),
        "value": ("column",),
        "flag_share": ("column",),
        "facility_count": ("categories",),
        "reach_share": ("categories",),
    }
    for req in needs.get(kind, ()):
        if req not in t:
            raise _err(label, f"{kp}.{req}", f"missing; a {kind} indicator needs it.")
    for col_key in ("numerator", "denominator", "column"):
        col = t.get(col_key)
        if col is not None and col not in field_infos:
            raise _err(
                label,
                f"{kp}.{col_key}",
                f"unknown attribute field {col!r}; declare it under [fields.{col}] "
                "(label_zh, label_en, unit, type) or use a known one: "
                f"{', '.join(sorted(field_infos))}.",
            )
    if kind == "flag_share" and field_infos[t["column"]].type != "bool":
        raise _err(label, f"{kp}.column", f"field {t['column']!r} is not a yes/no field.")
    if kind == "facility_count" and t["scope"] == "city":
        raise _err(
            label, f"{kp}.scope", "a facility_count indicator counts per subdistrict or community."
        )
    if kind in ("reach_share", "facility_count") and not t["categories"]:
        raise _err(label, f"{kp}.categories", f"empty; a {kind} indicator names its categories.")


def _indicator_tier(t: Mapping[str, Any], label: str, kp: str) -> str:
    """The tier (``plan``, ``standard``, ``reading``), checked against source and status."""
    reading = is_reading(t["source"], t["status"])
    tier = t.get("tier") or ("reading" if reading else str(t.get("_document_type", "plan")))
    if tier == "reading" and t["status"] == "verified":
        raise _err(label, f"{kp}.status", "'verified' on a tier 'reading' indicator; the "
                   "project's own reading is never verified: use status = \"derived\".")
    if reading and tier == "plan":
        raise _err(label, f"{kp}.tier", "'plan' for a number that is the project's own reading "
                   f"(status {t['status']!r}); use tier = \"reading\".")
    return str(tier)


def _check_indicator_condition(t: Mapping[str, Any], label: str, kp: str,
                               field_infos: Mapping[str, FieldInfo]) -> None:
    """A condition is a yes/no field and selects communities."""
    condition = t.get("condition")
    if condition is not None:
        if condition not in field_infos or field_infos[condition].type != "bool":
            raise _err(label, f"{kp}.condition", f"{condition!r} is not a yes/no attribute "
                       "field; declare it under [fields] with type = \"bool\".")
        if t["scope"] != "community":
            raise _err(label, f"{kp}.condition", "a condition selects communities; it needs "
                       "scope = \"community\".")


def _build_indicator(
    k: str, t: Mapping[str, Any], label: str, field_infos: Mapping[str, FieldInfo]
) -> Indicator:
    kp = f"indicators.{k}"
    for req in _REQUIRED_INDICATOR:
        if req not in t:
            raise _err(label, f"{kp}.{req}", "missing.")
    _check_indicator_target(t, label, kp)
    _check_indicator_inputs(t, label, kp, field_infos)
    tier = _indicator_tier(t, label, kp)
    _check_indicator_condition(t, label, kp, field_infos)
    kind = t["kind"]
    comparison = t.get("comparison", ">=")
    condition = t.get("condition")
    return Indicator(
        id=k,
        label_zh=t["label_zh"],
        label_en=t["label_en"],
        kind=kind,
        comparison=comparison,
        target=_f(t.get("target")),
        target_max=_f(t.get("target_max")),
        unit=t["unit"],
        scope=t["scope"],
        applies_to=t["applies_to"],
        binding=t.get("binding", ""),
        numerator=t.get("numerator"),
        denominator=t.get("denominator"),
        scale=float(t.get("scale", 1.0)),
        column=t.get("column"),
        categories=tuple(t.get("categories", ())),
        min_count=int(t.get("min_count", 1)),
        minutes=_f(t.get("minutes")),
        min_households=t.get("min_households"),
        baseline=_f(t.get("baseline")),
        source=t["source"],
        status=t["status"],
        note=t.get("note", ""),
        origin=str(t.get("_origin", "")),
        tier=tier,
        condition=condition,
        level=t.get("level"),
    )
