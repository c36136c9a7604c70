"""Data files shipped with :mod:`gis_planner.io`: category tables of map providers, road classes."""
