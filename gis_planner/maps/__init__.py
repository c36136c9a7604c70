"""Interactive HTML maps of a plan (folium + a static renderer), offline by default.

:func:`plan_map` draws the road network, compounds coloured covered / not covered at the
chosen category's own limit (any category can be chosen in the map), facilities by group,
sub-district and community boundaries with labels, service areas and proposed sites, with a
side panel (title, category selector, legend, layers), a north arrow and a metric scale bar.
Text from the data travels only as JSON data and is shown with ``textContent``: it is never
template source. See ``docs/maps.md``.
"""

from __future__ import annotations

from gis_planner.maps.plan import TILES, plan_map, save_map

__all__ = ["TILES", "plan_map", "save_map"]
