"""Software versions named in the method section of every report."""

from __future__ import annotations

import platform
from importlib import util

from gis_planner import __version__

_LIBRARIES = ("geopandas", "shapely", "pyproj", "scipy", "highspy", "folium", "matplotlib")


def software_versions() -> dict[str, str]:
    """Versions of Python, gis_planner and the main libraries (``name -> version``)."""
    from importlib import metadata

    out = {"python": platform.python_version(), "gis_planner": __version__}
    for name in _LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            mod = util.find_spec(name)
            out[name] = "installed" if mod else "absent"
    return out
