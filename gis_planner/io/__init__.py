"""Files <-> validated GeoDataFrames. The only package that opens input paths.

Readers return data in a projected metric CRS, with string ids and unit-suffixed columns, and
raise :class:`~gis_planner._errors.InputDataError` naming the file, column or row on bad input.
Every file is opened by :func:`read_vector` (vector layers: the format from the extension, the
content checked, no network access) or the other openers of ``io._open``; :func:`read_vector`,
:func:`vector_layers`, :func:`vector_info` and :func:`check_input_path` are public for the
partition store and the commands.
"""

from __future__ import annotations

from gis_planner.io._open import check_input_path, read_vector, vector_info, vector_layers
from gis_planner.io.admin import read_admin_names, read_communities, read_subdistricts
from gis_planner.io.alignment import check_alignment
from gis_planner.io.categories import declare_categories, read_category_table
from gis_planner.io.crs import choose_metric_crs, resolve_metric_crs
from gis_planner.io.facilities import (
    read_facilities,
    read_facilities_with_audit,
    read_osm_facilities,
)
from gis_planner.io.households import (
    households_from_buildings,
    households_from_raster,
    read_compounds,
    read_gates,
)
from gis_planner.io.network import network_from_place, read_network
from gis_planner.io.points import read_points
from gis_planner.io.spaces import read_spaces
from gis_planner.io.tables import read_table

__all__ = [
    "check_alignment",
    "check_input_path",
    "choose_metric_crs",
    "declare_categories",
    "households_from_buildings",
    "households_from_raster",
    "network_from_place",
    "read_admin_names",
    "read_category_table",
    "read_communities",
    "read_compounds",
    "read_facilities",
    "read_facilities_with_audit",
    "read_gates",
    "read_network",
    "read_osm_facilities",
    "read_points",
    "read_spaces",
    "read_subdistricts",
    "read_table",
    "read_vector",
    "resolve_metric_crs",
    "vector_info",
    "vector_layers",
]
