"""Interactive HTML maps of a plan (folium), offline by default.

:func:`plan_map` draws the road network, compounds coloured by walking minutes to one
category, facilities by category, service areas, community size status and proposed sites,
with popups, a legend and a layer control in the report language. See ``docs/maps.md``.
"""

from __future__ import annotations

from gis_planner.maps.plan import TILES, plan_map, save_map

__all__ = ["TILES", "plan_map", "save_map"]
