"""Household bands per community type: from a profile (``Profile.community_bands``) or arguments.

The numbers themselves live in the policy profiles (``taizhou-2023``: urban 2000–3000, high-rise
up to 5000, rural 1000–1500 households); compute code only asks ``band_for(type, high_rise)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from gis_planner._errors import InputDataError


class BandSource(Protocol):
    """Anything with ``band_for(urban_rural, high_rise) -> (min, max)`` households, inclusive
    (e.g. ``gis_planner.policy.load_profile(id).community_bands``)."""

    def band_for(self, urban_rural: str, high_rise: bool) -> tuple[int, int]:
        """Return ``(min_households, max_households)`` for a community type."""
        ...


@dataclass(frozen=True)
class ExplicitBands:
    """Household bands given as arguments: ``(min, max)`` households per type, both inclusive."""

    urban: tuple[int, int]
    urban_high_rise: tuple[int, int]
    rural: tuple[int, int]
    source: str = "arguments"

    def __post_init__(self) -> None:
        for name in ("urban", "urban_high_rise", "rural"):
            band = getattr(self, name)
            ok = (len(band) == 2 and all(isinstance(v, int | float) for v in band)
                  and 0 <= band[0] <= band[1])
            if not ok:
                raise InputDataError(f"band {name}={band!r}: expected (min, max) households with "
                                     "0 <= min <= max, e.g. urban=(2000, 3000).")

    def band_for(self, urban_rural: str, high_rise: bool) -> tuple[int, int]:
        """Return ``(min, max)`` households for ``urban``/``rural`` (high-rise: urban only).

        Raises
        ------
        InputDataError
            When ``urban_rural`` is neither ``"urban"`` nor ``"rural"``.
        """
        if urban_rural == "rural":
            return (int(self.rural[0]), int(self.rural[1]))
        if urban_rural == "urban":
            band = self.urban_high_rise if high_rise else self.urban
            return (int(band[0]), int(band[1]))
        raise InputDataError(f"community type {urban_rural!r} is neither 'urban' nor 'rural'.")


def resolve_bands(
    bands: BandSource | None,
    *,
    urban: tuple[int, int] | None,
    urban_high_rise: tuple[int, int] | None,
    rural: tuple[int, int] | None,
) -> BandSource:
    """The band source of a call: ``bands`` (a profile's) or the three explicit bands.

    Raises
    ------
    InputDataError
        When neither or both forms are given, or an explicit band is missing or malformed.
    """
    explicit = (urban, urban_high_rise, rural)
    if bands is not None:
        if any(b is not None for b in explicit):
            raise InputDataError("community bands given twice: pass either bands= (e.g. "
                                 "load_profile('taizhou-2023').community_bands) or urban=, "
                                 "urban_high_rise= and rural=, not both.")
        if not callable(getattr(bands, "band_for", None)):
            raise InputDataError(f"bands={bands!r} has no band_for(urban_rural, high_rise) method; "
                                 "pass load_profile(id).community_bands.")
        return bands
    missing = [n for n, b in zip(("urban", "urban_high_rise", "rural"), explicit, strict=True)
               if b is None]
    if missing:
        raise InputDataError(
            f"community bands missing ({', '.join(missing)}): pass "
            "bands=load_profile(id).community_bands, or all of urban=(min, max), "
            "urban_high_rise=(min, max) and rural=(min, max) in households.")
    return ExplicitBands(tuple(urban), tuple(urban_high_rise), tuple(rural))  # type: ignore[arg-type]


__all__ = ["BandSource", "ExplicitBands", "resolve_bands"]
