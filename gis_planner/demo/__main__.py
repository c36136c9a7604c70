"""``python -m gis_planner.demo FOLDER`` writes the demo town into FOLDER (default data/demo)."""

import sys

from gis_planner.demo import write_demo_town

for path in write_demo_town(sys.argv[1] if len(sys.argv) > 1 else "data/demo").values():
    sys.stdout.write(f"{path}\n")
