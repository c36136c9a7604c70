"""Load: a 1-million-row household CSV and a 500,000-node network fit in documented memory,
and inputs too large for the machine end with one line saying what to do.

Each measurement runs in its own Python process and reads the peak resident memory from
``/proc/self/status`` (``VmHWM``), which starts afresh at ``exec``; ``resource.getrusage``'s
``ru_maxrss`` is printed too, but on Linux it can carry the parent's size over the ``exec``.
The figures measured are in docs/robustness.md; the bounds below leave ~75 % headroom for
other library versions. No test here is timed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")

N_ROWS = 1_000_000
GRID_SIDE = 708  # 708 x 708 = 501,264 nodes, 1,001,112 edges
PEAK_LIMIT_MB = 1500  # measured: ~860 MB (households), ~850 MB (network)

_PEAK = """
def _peak_mb():
    import resource
    with open("/proc/self/status") as f:
        hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    return hwm / 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""


def _python(code: str, cwd: Path, *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _PEAK + code], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=600)


@pytest.fixture(scope="module")
def million_rows(tmp_path_factory) -> tuple[Path, int]:
    """households.csv: 1,000,000 compounds in central Shanghai (WGS-84), ~45 MB; the total
    households. The counts are random: no real household counts exist for this test."""
    path = tmp_path_factory.mktemp("load") / "households.csv"
    rng = np.random.default_rng(7)
    ids = pd.Series(np.arange(N_ROWS)).astype(str).str.zfill(7)
    frame = pd.DataFrame({
        "compound_id": "C" + ids,
        "name": "小区" + ids,
        "households": rng.integers(0, 2000, N_ROWS),
        "lng": np.round(121.30 + rng.random(N_ROWS) * 0.40, 7),
        "lat": np.round(31.10 + rng.random(N_ROWS) * 0.30, 7),
    })
    frame.to_csv(path, index=False, encoding="utf-8")
    return path, int(frame["households"].sum())


def test_million_household_rows_load_within_memory(million_rows):
    path, total = million_rows
    assert 35e6 < path.stat().st_size < 60e6
    done = _python(f"""
import json
from gis_planner.io import read_compounds
homes = read_compounds({str(path)!r}, source_coords="wgs84")
hwm, maxrss = _peak_mb()
print(json.dumps({{"rows": len(homes), "households": int(homes["households"].sum()),
                  "crs": homes.crs.to_string(), "peak_mb": hwm, "ru_maxrss_mb": maxrss}}))
""", path.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["rows"] == N_ROWS and got["households"] == total and got["crs"] == "EPSG:32651"
    assert got["peak_mb"] < PEAK_LIMIT_MB, got


def test_half_million_node_network_builds_within_memory(tmp_path):
    done = _python(f"""
import json
import geopandas as gpd
import numpy as np
import shapely
from gis_planner.network import WalkNetwork, node_distances, snap_points

k = {GRID_SIDE}
xs = np.arange(k) * 100.0
X, Y = np.meshgrid(xs, xs)
starts = np.vstack([np.c_[X[:, :-1].ravel(), Y[:, :-1].ravel()], np.c_[X[:-1, :].ravel(), Y[:-1, :].ravel()]])
ends = np.vstack([np.c_[X[:, 1:].ravel(), Y[:, 1:].ravel()], np.c_[X[1:, :].ravel(), Y[1:, :].ravel()]])
lines = gpd.GeoDataFrame(geometry=shapely.linestrings(np.stack([starts, ends], 1)), crs=32651)
net = WalkNetwork.from_lines(lines, source="grid")
corner = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=32651)
d = node_distances(net, snap_points(net, corner), cutoff_m=np.inf)
hwm, maxrss = _peak_mb()
print(json.dumps({{"nodes": net.n_nodes, "edges": len(net.edges), "far_m": float(d.max()),
                  "peak_mb": hwm, "ru_maxrss_mb": maxrss}}))
""", tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["nodes"] == GRID_SIDE**2 and got["edges"] == 2 * GRID_SIDE * (GRID_SIDE - 1)
    assert got["far_m"] == pytest.approx(2 * (GRID_SIDE - 1) * 100.0)  # Manhattan distance on a grid
    assert got["peak_mb"] < PEAK_LIMIT_MB, got


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS as a memory cap")
def test_too_large_for_memory_says_what_to_do(million_rows, demo_dir, tmp_path):
    """With the address space capped 300 MB above what the imports use, reading the million
    rows runs out of memory: one line, exit code 2, the partitioned mode named, nothing written."""
    path, _ = million_rows
    out = tmp_path / "out" / "reach.gpkg"
    args = ["reach", "--network", str(demo_dir / "roads.geojson"), "--households", str(path),
            "--facilities", str(demo_dir / "facilities.csv"), "--coords", "wgs84",
            "--facility-coords", "gcj02", "--out", str(out)]
    done = _python(f"""
import resource, sys
import geopandas, pyogrio, gis_planner.io, gis_planner.coverage
from gis_planner.cli import main
with open("/proc/self/status") as f:
    size = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
resource.setrlimit(resource.RLIMIT_AS, (size + 300 * 2**20, resource.RLIM_INFINITY))
sys.exit(main({args!r}))
""", tmp_path, env={"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    # the reader's own warnings may come first (the demo network's small separate piece); the
    # error is one line, the last, and no traceback
    err = lines[-1]
    assert err.startswith("error: out of memory") and not any("Traceback" in x for x in lines)
    assert all(x.startswith(("警告: ", "warning: ")) for x in lines[:-1]), lines
    assert "--partition-by" in err and "gis_planner.partition" in err
    assert not out.parent.exists()
