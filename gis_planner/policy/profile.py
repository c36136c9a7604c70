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
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from gis_planner._errors import InputDataError, PolicyError
from gis_planner._units import distance_to_minutes

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

logger = logging.getLogger(__name__)

Status = Literal["verified", "secondary", "unverified", "derived"]
STATUSES: tuple[str, ...] = ("verified", "secondary", "unverified", "derived")
KINDS: tuple[str, ...] = ("ratio", "value", "flag_share", "facility_count", "reach_share", "manual")
COMPARISONS: tuple[str, ...] = (">=", ">", "<=", "<", "range")
SCOPES: tuple[str, ...] = ("community", "subdistrict", "city")
APPLIES: tuple[str, ...] = ("urban", "rural", "all")
BINDINGS: tuple[str, ...] = ("expected", "binding")
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
    "exclude": _STRLIST,
    "walk": "walk",
    "life_circles": "life_circles",
    "facilities": "facilities",
    "living_circle": "living_circle",
    "community_bands": "community_bands",
    "indicators": "indicators",
    "programme": "programme",
    "fields": "fields",
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

    @property
    def data_needed(self) -> tuple[str, ...]:
        """Attribute-table columns (or layers, for spatial kinds) this indicator needs."""
        if self.kind == "ratio":
            return tuple(c for c in (self.numerator, self.denominator) if c)
        if self.kind in ("value", "flag_share"):
            return (self.column,) if self.column else ()
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

    def category_minutes(self, *, speed_kmh: float | None = None) -> dict[str, float]:
        """Walking minutes per facility category: ``radius_m`` / speed, or the rule's ``minutes``.

        Parameters
        ----------
        speed_kmh
            Walking speed (km/h) that turns radii into minutes; default the profile's. A radius
            is a distance standard (GB 50180: kindergarten 300 m), so a different speed keeps
            the distance and changes the minutes.

        Raises
        ------
        PolicyError
            When a facility has a radius but no walking speed is known.
        """
        speed = self.speed_kmh if speed_kmh is None else speed_kmh
        out: dict[str, float] = {}
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

    def reach_parameters(self, *, speed_kmh: float | None = None) -> dict[str, Any]:
        """Keyword arguments for :func:`gis_planner.coverage.reach` taken from this profile.

        Parameters
        ----------
        speed_kmh
            Walking speed (km/h) instead of the profile's; facility radii keep their metres
            (see :meth:`category_minutes`).

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
            "category_minutes": self.category_minutes(speed_kmh=speed),
            "required_categories": tuple(required),
            "profile_id": self.id,
        }

    def needed_fields(self) -> tuple[str, ...]:
        """Attribute-table columns the profile's tabular indicators read, in indicator order."""
        out: list[str] = []
        for ind in self.indicators:
            if ind.kind in ("ratio", "value", "flag_share"):
                for c in ind.data_needed:
                    if c not in out:
                        out.append(c)
        if any(i.min_households for i in self.indicators) and "households" not in out:
            out.append("households")
        return tuple(out)


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
            import yaml  # type: ignore[import-untyped]
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
        raw["indicators"] = {k: {**t, "_origin": raw["id"]} for k, t in raw["indicators"].items()}
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


def _check_value(value: Any, typ: str, label: str, keypath: str) -> None:
    if typ == _STR:
        if not isinstance(value, str):
            raise _err(label, keypath, f"expected text, found {type(value).__name__} {value!r}.")
    elif typ in _NUMBER_KINDS:
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
    elif typ == _STRLIST:
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise _err(label, keypath, f"expected a list of text, found {value!r}.")
    elif typ == "categories":
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise _err(label, keypath, f"expected a list of category ids, found {value!r}.")
        for i, cat in enumerate(value):
            _check_category(cat, label, f"{keypath}[{i}]")
    elif typ == "formats":
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
    else:  # pragma: no cover - schema typo guard
        raise AssertionError(typ)


def _check_category(cat: str, label: str, keypath: str) -> None:
    from gis_planner.categories import known_categories

    known = known_categories()
    if cat not in known:
        raise _err(label, keypath, f"unknown facility category {cat!r}; known: {', '.join(known)}.")


def _check_keys(
    table: Mapping[str, Any], schema: Mapping[str, str], label: str, keypath: str
) -> None:
    for k, v in table.items():
        kp = f"{keypath}.{k}" if keypath else k
        if k not in schema:
            raise _err(label, kp, f"unknown key; allowed here: {', '.join(schema)}.")
        _check_value(v, schema[k], label, kp)


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


def _check_section(section: Any, name: str, label: str) -> None:
    """Validate one top-level section of a single (unmerged) file."""
    if name == "walk":
        for k, q in _sub_tables(section, label, name).items():
            if k not in _WALK_KEYS:
                raise _err(
                    label, f"walk.{k}", f"unknown key; allowed here: {', '.join(_WALK_KEYS)}."
                )
            _check_keys(q, _QTY, label, f"walk.{k}")
            _check_provenance(q, label, f"walk.{k}")
    elif name == "life_circles":
        for k, t in _sub_tables(section, label, name).items():
            _check_keys(t, _LIFE_CIRCLE_KEYS, label, f"life_circles.{k}")
            _check_provenance(t, label, f"life_circles.{k}")
    elif name == "facilities":
        for k, t in _sub_tables(section, label, name).items():
            _check_category(k, label, f"facilities.{k}")
            _check_keys(t, _FACILITY_KEYS, label, f"facilities.{k}")
            _check_provenance(t, label, f"facilities.{k}")
    elif name in ("living_circle", "community_bands"):
        if not isinstance(section, Mapping):
            raise _err(label, name, f"expected a table, found {type(section).__name__}.")
        schema = _LIVING_KEYS if name == "living_circle" else _BAND_KEYS
        _check_keys(section, schema, label, name)
        _check_provenance(section, label, name)
        if name == "living_circle" and "required_categories" in section and "source" not in section:
            raise _err(label, f"{name}.source", "missing; the completeness list needs its source.")
    elif name == "indicators":
        for k, t in _sub_tables(section, label, name).items():
            kp = f"indicators.{k}"
            _check_keys(t, _INDICATOR_KEYS, label, kp)
            _check_provenance(t, label, kp)
            _check_enum(t, "kind", KINDS, label, kp)
            _check_enum(t, "comparison", COMPARISONS, label, kp)
            _check_enum(t, "scope", SCOPES, label, kp)
            _check_enum(t, "applies_to", APPLIES, label, kp)
            _check_enum(t, "binding", BINDINGS, label, kp)
    elif name == "programme":
        for k, t in _sub_tables(section, label, name).items():
            _check_keys(t, _PROGRAMME_KEYS, label, f"programme.{k}")
            _check_provenance(t, label, f"programme.{k}")
    elif name == "fields":
        for k, t in _sub_tables(section, label, name).items():
            _check_keys(t, _FIELD_KEYS, label, f"fields.{k}")
            _check_enum(t, "type", FIELD_TYPES, label, f"fields.{k}")


def _validate_file(raw: Mapping[str, Any], label: str) -> None:
    for k, v in raw.items():
        if k not in _TOP_KEYS:
            raise _err(label, k, f"unknown key; allowed at the top level: {', '.join(_TOP_KEYS)}.")
        typ = _TOP_KEYS[k]
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
        elif typ in (_STR, _STRLIST):
            _check_value(v, typ, label, k)
        else:
            _check_section(v, k, label)
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


def _build(data: Mapping[str, Any], label: str, lineage: tuple[str, ...]) -> Profile:
    """Check the merged data for completeness and build the frozen :class:`Profile`."""
    walk = {
        k: Quantity(k, float(q["value"]), q["source"], q["status"], q.get("note", ""))
        for k, q in data.get("walk", {}).items()
        if "value" in q
    }
    for k, q in data.get("walk", {}).items():
        if "value" not in q:
            raise _err(label, f"walk.{k}.value", "missing.")

    circles = []
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

    facilities = {}
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

    living = None
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

    bands = None
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
        bands = CommunityBands(
            (int(t["urban_min"]), int(t["urban_max"])),
            (int(t["urban_min"]), hr),
            (int(t["rural_min"]), int(t["rural_max"])),
            t["source"],
            t["status"],
            t.get("note", ""),
        )

    catalogue = dict(_field_catalogue())
    catalogue.update(data.get("fields", {}))
    field_infos = {}
    for name, t in catalogue.items():
        for req_key in ("label_zh", "label_en", "type"):
            if req_key not in t:
                raise _err(label, f"fields.{name}.{req_key}", "missing.")
        field_infos[name] = FieldInfo(
            name, t["label_zh"], t["label_en"], t.get("unit", ""), t["type"], t.get("note", "")
        )

    indicators = [
        _build_indicator(k, t, label, field_infos) for k, t in data.get("indicators", {}).items()
    ]
    rank = {pid: i for i, pid in enumerate(reversed(lineage))}  # own indicators first
    indicators.sort(key=lambda ind: rank.get(ind.origin, len(rank)))

    programme = []
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
    )


def _f(x: Any) -> float | None:
    return None if x is None else float(x)


def _build_indicator(
    k: str, t: Mapping[str, Any], label: str, field_infos: Mapping[str, FieldInfo]
) -> Indicator:
    kp = f"indicators.{k}"
    for req in _REQUIRED_INDICATOR:
        if req not in t:
            raise _err(label, f"{kp}.{req}", "missing.")
    kind = t["kind"]
    if kind != "manual":
        if "target" not in t:
            raise _err(label, f"{kp}.target", f"missing; a {kind} indicator needs a target.")
        if "comparison" not in t:
            raise _err(
                label, f"{kp}.comparison", f"missing; expected one of {', '.join(COMPARISONS)}."
            )
    comparison = t.get("comparison", ">=")
    if comparison == "range":
        if "target_max" not in t:
            raise _err(label, f"{kp}.target_max", "missing; a range needs target and target_max.")
        if t["target_max"] < t["target"]:
            raise _err(
                label, f"{kp}.target_max", f"{t['target_max']} is below target {t['target']}."
            )
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
    )
