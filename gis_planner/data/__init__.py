"""Data files shipped with gis_planner (the facility categories table)."""
