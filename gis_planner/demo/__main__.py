"""``python -m gis_planner.demo [FOLDER] [--seed N]``: write the demo town into FOLDER.

FOLDER defaults to ``data/demo``; the bundled copy is seed 2025. The written paths are listed on
standard output.
"""

from __future__ import annotations

import argparse
import sys

from gis_planner.demo.town import DEFAULT_SEED, write_demo_town

parser = argparse.ArgumentParser(prog="python -m gis_planner.demo",
                                 description="Write the synthetic demo town 示范区 into a folder.")
parser.add_argument("folder", nargs="?", default="data/demo", help="output folder (data/demo)")
parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed ({DEFAULT_SEED})")
args = parser.parse_args()
for path in write_demo_town(args.folder, seed=args.seed).values():
    sys.stdout.write(f"{path}\n")
