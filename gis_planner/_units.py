"""Every unit conversion of the package, and nowhere else.

Graphs and internal arrays hold metres and seconds; the public API speaks minutes and km/h.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

SECONDS_PER_MINUTE = 60.0
METRES_PER_KM = 1000.0


def kmh_to_mps(speed_kmh: float) -> float:
    """Convert a speed in km/h to metres per second."""
    return speed_kmh * METRES_PER_KM / 3600.0


def minutes_to_seconds(minutes: float) -> float:
    """Convert minutes to seconds."""
    return minutes * SECONDS_PER_MINUTE


def walk_distance_m(walk_minutes: float, speed_kmh: float) -> float:
    """Distance in metres walked in ``walk_minutes`` at ``speed_kmh``.

    >>> walk_distance_m(15, 4.0)
    1000.0
    """
    return walk_minutes * speed_kmh * METRES_PER_KM / 60.0


def distance_to_minutes(
    distance_m: float | npt.NDArray[np.float64], speed_kmh: float
) -> float | npt.NDArray[np.float64]:
    """Walking time in minutes for a distance in metres at ``speed_kmh`` (vectorised).

    >>> distance_to_minutes(1000.0, 4.0)
    15.0
    """
    return distance_m * 60.0 / (speed_kmh * METRES_PER_KM)
