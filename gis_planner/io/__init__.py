"""Files <-> validated GeoDataFrames. The only package that opens input paths.

Readers return data in a projected metric CRS, with string ids and unit-suffixed columns, and
raise :class:`~gis_planner._errors.InputDataError` naming the file, column or row on bad input.
"""

from __future__ import annotations

from gis_planner.io.crs import choose_metric_crs

__all__ = ["choose_metric_crs"]
from gis_planner.io.network import network_from_place, read_network  # noqa: E402

__all__ += ["network_from_place", "read_network"]
