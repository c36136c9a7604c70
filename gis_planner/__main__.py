"""``python -m gis_planner`` runs the command line."""

from gis_planner.cli import script

script()
