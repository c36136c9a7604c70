"""The walking assumptions of a run, merged once from profile, plan config and command line.

Every command and the pipeline build one :class:`ReachParameters` with
:func:`resolve_reach_parameters` and pass it on, so ``reach``, ``site``, ``check`` and ``report``
compute with the same numbers, and each number says where it came from::

    >>> p = resolve_reach_parameters("taizhou-2023", speed_kmh=3.2)   # doctest: +SKIP
    >>> p.speed_kmh, p.sources["speed_kmh"]                            # doctest: +SKIP
    (3.2, 'command line (--speed-kmh)')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Protocol

from gis_planner._units import walk_distance_m
from gis_planner._validate import require_plausible, require_positive_number

#: The profile used when a command names none: the national standard's speed, levels and radii.
DEFAULT_PROFILE = "gb50180-2018"
#: Snap tolerance (m) when neither the plan nor the command sets one: a point farther than this
#: from every street is reported, not used. The project's reading: about two blocks' depth.
DEFAULT_SNAP_TOLERANCE_M = 250.0
#: The search cap is this multiple of the largest limit when nobody sets it (reach's default).
SEARCH_CAP_FACTOR = 1.5


class _Profile(Protocol):
    id: str
    facilities: Mapping[str, Any]

    def reach_parameters(self, *, speed_kmh: float | None = None,
                         elderly_standard: Any = None) -> dict[str, Any]: ...

    def elderly_levels(self, standard: Any = None) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class ReachParameters:
    """Walking assumptions of one run (immutable).

    Attributes
    ----------
    speed_kmh
        Walking speed, km/h.
    walk_minutes
        Thresholds reported, minutes, ascending.
    headline_minutes
        The threshold ``<c>_covered`` uses unless the category has its own limit, minutes.
    category_minutes
        Per-category limits, minutes (a facility radius in metres at ``speed_kmh``).
    required_categories
        The living-circle completeness list.
    snap_tolerance_m
        Largest snap distance, metres.
    search_cap_m
        Longest walk searched, metres (None: 1.5 x the largest limit).
    profile_id
        The profile the numbers came from.
    sources
        Where each field came from: ``profile <id>``, ``plan config [reach]``, ``command line
        (--option)`` or ``default``.
    """

    speed_kmh: float
    walk_minutes: tuple[float, ...]
    headline_minutes: float
    category_minutes: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    required_categories: tuple[str, ...] = ()
    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M
    search_cap_m: float | None = None
    profile_id: str | None = None
    sources: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def reach_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`gis_planner.coverage.reach`."""
        return {"speed_kmh": self.speed_kmh, "walk_minutes": self.walk_minutes,
                "headline_minutes": self.headline_minutes, "category_minutes": dict(self.category_minutes),
                "required_categories": self.required_categories, "snap_tolerance_m": self.snap_tolerance_m,
                "search_cap_m": self.search_cap_m, "profile_id": self.profile_id}

    def minutes_for(self, category: str) -> float:
        """The limit of ``category`` in minutes (its own, else the headline)."""
        return float(self.category_minutes.get(category, self.headline_minutes))

    def limit_m(self, category: str) -> float:
        """The limit of ``category`` in metres at this speed."""
        return walk_distance_m(self.minutes_for(category), self.speed_kmh)

    def search_cap(self) -> float:
        """The longest walk searched (m): ``search_cap_m``, else 1.5 x the largest limit (the
        largest threshold or category limit), as :func:`gis_planner.coverage.reach` does."""
        if self.search_cap_m is not None:
            return float(self.search_cap_m)
        limits = [walk_distance_m(m, self.speed_kmh) for m in (*self.walk_minutes, self.headline_minutes)]
        limits += [self.limit_m(c) for c in self.category_minutes]
        return SEARCH_CAP_FACTOR * max(limits)

    def at_speed(self, speed_kmh: float, *, source: str) -> ReachParameters:
        """The same assumptions at another speed: facility radii keep their metres, so their
        minutes change; the thresholds keep their minutes."""
        factor = self.speed_kmh / speed_kmh
        cats = {c: m * factor for c, m in self.category_minutes.items()}
        return replace(self, speed_kmh=float(speed_kmh), category_minutes=MappingProxyType(cats),
                       sources=MappingProxyType({**self.sources, "speed_kmh": source}))

    def describe(self, lang: str = "zh") -> str:
        """One line stating the assumptions, for every coverage figure."""
        mins = "/".join(f"{m:g}" for m in self.walk_minutes)
        if lang == "zh":
            return (f"步行速度 {self.speed_kmh:g} km/h（{self.sources.get('speed_kmh', '')}），"
                    f"时间阈值 {mins} 分钟，吸附容差 {self.snap_tolerance_m:g} m")
        return (f"walking at {self.speed_kmh:g} km/h ({self.sources.get('speed_kmh', '')}), thresholds "
                f"{mins} min, snap tolerance {self.snap_tolerance_m:g} m")


def resolve_reach_parameters(
    profile: str | _Profile | None = None,
    *,
    config: Mapping[str, Any] | None = None,
    speed_kmh: float | None = None,
    walk_minutes: tuple[float, ...] | None = None,
    snap_tolerance_m: float | None = None,
    search_cap_m: float | None = None,
    force: bool = False,
    elderly_standard: Any = None,
) -> ReachParameters:
    """Merge walking assumptions: the profile's, then the plan config's ``[reach]``, then the
    command line; each later source overrides the earlier ones field by field.

    Elderly-care categories the profile sets no rule for take the walking limit (m) of their
    level in the elderly-care network (``elderly_standard``, default the shipped one), so that
    every table and map of a run judges them by the same metres as the network does.

    Parameters
    ----------
    profile
        A profile id, path or loaded profile (default: ``gb50180-2018``'s speed, thresholds and
        facility radii, without its completeness list, so only the categories in the data are
        assessed).
    config
        The plan config's ``[reach]`` table (``speed_kmh``, ``walk_minutes``,
        ``snap_tolerance_m``, ``search_cap_m``), already checked by the config reader.
    speed_kmh, walk_minutes, snap_tolerance_m, search_cap_m
        Command-line values (None: not given).
    force
        Accept a speed outside 0.5-20 km/h or minutes over 240.
    elderly_standard
        The run's :class:`gis_planner.policy.elderly.ElderlyStandard` (a plan's ``[elderly]
        standard`` file laid over the shipped one); None: the shipped one.

    Returns
    -------
    ReachParameters

    Raises
    ------
    InputDataError
        A value that is not finite and > 0, or implausible without ``force``.
    PolicyError
        An unknown profile, or one without a speed or headline.
    """
    from gis_planner.policy import load_profile

    prof = load_profile(profile or DEFAULT_PROFILE) if profile is None or isinstance(profile, str) else profile
    origin = f"profile {prof.id}" if profile is not None else f"default profile {prof.id}"
    base = prof.reach_parameters(elderly_standard=elderly_standard)
    if profile is None:  # no plan asked for the standard's completeness list: assess what the data has
        base["required_categories"] = ()
    sources = dict.fromkeys(("speed_kmh", "walk_minutes", "headline_minutes", "category_minutes"), origin)
    for cat, level in prof.elderly_levels(elderly_standard).items():
        if cat not in prof.facilities:
            sources[f"category_minutes.{cat}"] = (f"elderly-care standard, level {level.id} "
                                                  f"({level.walk_limit_m.value:g} m)")
    sources["snap_tolerance_m"] = "default"
    sources["search_cap_m"] = "default (1.5 x the largest limit)"
    params = ReachParameters(
        speed_kmh=float(base["speed_kmh"]), walk_minutes=tuple(base["walk_minutes"]),
        headline_minutes=float(base["headline_minutes"]),
        category_minutes=MappingProxyType(dict(base.get("category_minutes", {}))),
        required_categories=tuple(base.get("required_categories", ())), profile_id=prof.id,
        sources=MappingProxyType(sources))
    layers = (("plan config [reach]", dict(config or {})),
              ("command line", {"speed_kmh": speed_kmh, "walk_minutes": walk_minutes,
                                "snap_tolerance_m": snap_tolerance_m, "search_cap_m": search_cap_m}))
    for where, values in layers:
        params = _override(params, where, {k: v for k, v in values.items() if v is not None}, force=force)
    return params


_OPTION = {"speed_kmh": "--speed-kmh", "walk_minutes": "--minutes", "snap_tolerance_m": "--snap-tolerance-m",
           "search_cap_m": "--search-cap-m"}


def _override(p: ReachParameters, where: str, values: Mapping[str, Any], *, force: bool) -> ReachParameters:
    def label(key: str) -> str:
        return f"{where} ({_OPTION[key]})" if where == "command line" else where

    def what(key: str) -> str:  # for messages: the option as the user typed it
        return _OPTION[key] if where == "command line" else f"{where}: {key}"

    if "speed_kmh" in values:
        v = require_positive_number(values["speed_kmh"], what=what("speed_kmh"), unit="km/h")
        require_plausible(v, quantity="speed_kmh", what=what("speed_kmh"), force=force)
        p = p.at_speed(v, source=label("speed_kmh"))
    if "walk_minutes" in values:
        mins = tuple(sorted({require_positive_number(m, what=what("walk_minutes"), unit="minutes")
                             for m in values["walk_minutes"]}))
        require_plausible(max(mins), quantity="minutes", what=what("walk_minutes"), force=force)
        p = replace(p, walk_minutes=mins, headline_minutes=max(mins),
                    sources=MappingProxyType({**p.sources, "walk_minutes": label("walk_minutes"),
                                              "headline_minutes": label("walk_minutes")}))
    for key in ("snap_tolerance_m", "search_cap_m"):
        if key in values:
            v = require_positive_number(values[key], what=what(key), unit="m")
            sources = MappingProxyType({**p.sources, key: label(key)})
            p = (replace(p, snap_tolerance_m=v, sources=sources) if key == "snap_tolerance_m"
                 else replace(p, search_cap_m=v, sources=sources))
    return p
