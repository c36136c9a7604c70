"""``python -m gis_planner`` runs the command line."""

import sys

from gis_planner.cli import run

sys.exit(run())
