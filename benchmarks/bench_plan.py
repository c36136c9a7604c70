"""Whole-plan run times: ``gis-planner report`` end to end on the demo town and on central Shanghai.

Run from the repository root::

    python benchmarks/bench_plan.py                 # 3 runs of each plan, prints a Markdown section
    python benchmarks/bench_plan.py --runs 5 --write    # ... and replaces "Whole-plan runs" in RESULTS.md
    python benchmarks/bench_plan.py --keep shanghai_plan  # keep the central-Shanghai plan folder to profile it
    python benchmarks/bench_plan.py --against ../old  # paired with a checkout of an earlier commit

Every run is a fresh ``python -m gis_planner report --config PLAN --out OUT`` process, so the figures
include the imports, reading every input and writing every output. Each process is waited for with
``os.wait4``: its wall time, its CPU time (user + system, all threads) and its peak resident memory
(``ru_maxrss``). Wall times on a shared machine drift with the other jobs; CPU time is close to the
wall time the same run takes on an idle core, so both are given.

The central-Shanghai plan is built from the real data in ``../shared/data`` (the same files
``bench_reach.py`` reads), in a temporary folder:

- **network**: the OSM street network of central Shanghai (``shanghai-central``), read as is;
- **compounds** (小区): the street blocks, i.e. the faces of the polygonised street network. Blocks
  smaller than :data:`MIN_BLOCK_M2` (traffic islands, slivers) are dropped; blocks larger than
  :data:`SPLIT_BLOCK_M2` are cut by a :data:`SPLIT_CELL_M` square lattice (a large block holds
  several compounds); the :data:`COMPOUNDS` pieces nearest the network's centre are kept, each
  inset by :data:`INSET_M` from the street centre-lines. **Households are assumed**: no real counts
  exist for this area, so each compound gets its area times :data:`ASSUMED_HOUSEHOLDS_PER_M2`
  times a random factor (seeded), within :data:`HOUSEHOLD_RANGE`;
- **communities** (社区): compact groups of adjacent blocks of about :data:`COMMUNITY_HOUSEHOLDS`
  assumed households each (household-weighted k-d bisection of the blocks' representative
  points), the community polygon being the union of their blocks; **sub-districts** (街道):
  :data:`SUBDISTRICTS` groups of communities made the same way. Both are assumed boundaries, not
  the real 居委会 or 街道;
- **facilities**: every row of the Amap POI files of ``shanghai-huangpu`` (declared WGS-84, as
  their PROVENANCE reads them), classified by the package: every category it finds is reached;
- **candidates**: street intersections (three or more streets), every :data:`CANDIDATE_STEP`-th
  of them by node number.

The plan runs reach, community sizes, the two default siting jobs, compliance, the elderly-care
network and the governance grids (from compounds; no buildings exist for this area). There is no
idle-space inventory for Shanghai, so ``[centres]`` is not run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SECTION = "## Whole-plan runs"

NETWORK = ("shanghai-central", "roads_shanghai_center_overpass_2025-08.osm")
POI_FOLDER = "shanghai-huangpu"

#: Compounds in the central-Shanghai plan (the goal's size).
COMPOUNDS = 3000
#: Street blocks below this area (m2) are traffic islands or slivers, not compounds.
MIN_BLOCK_M2 = 3000.0
#: Street blocks above this area (m2) are cut into several compounds ...
SPLIT_BLOCK_M2 = 45000.0
#: ... by a square lattice of this side (m).
SPLIT_CELL_M = 150.0
#: Compound outlines are set back this far (m) from the street centre-lines.
INSET_M = 8.0
#: ASSUMED households per m2 of compound (central Shanghai: about 10,000 households per km2 of
#: residential land, our reading; no real counts exist for this area) ...
ASSUMED_HOUSEHOLDS_PER_M2 = 0.01
#: ... times a random factor in this range (seeded) ...
HOUSEHOLD_FACTOR = (0.6, 1.4)
#: ... kept within this range (households per compound).
HOUSEHOLD_RANGE = (40, 2500)
#: Assumed communities hold about this many households (the middle of the urban band of the
#: plan's profile, 2,000-3,000) ...
COMMUNITY_HOUSEHOLDS = 2500
#: ... and are grouped into this many assumed sub-districts.
SUBDISTRICTS = 8
#: Every this-many-th street intersection is a candidate site.
CANDIDATE_STEP = 4
#: Seed of the assumed household counts.
SEED = 11


@dataclass(frozen=True)
class Run:
    """One ``gis-planner report`` process: wall and CPU seconds, peak resident memory (MB)."""

    wall_s: float
    cpu_s: float
    peak_mb: float


def _report(plan: Path, out: Path, *, root: Path = ROOT) -> Run:
    """Run ``gis-planner report`` on ``plan`` in a fresh process and measure it; ``root``: the
    checkout whose package runs (another one is put first on ``PYTHONPATH``)."""
    cmd = [sys.executable, "-m", "gis_planner", "report", "--config", str(plan), "--out", str(out)]
    env = None if root == ROOT else {**os.environ, "PYTHONPATH": str(root)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed (exit {proc.returncode}):\n{err.decode(errors='replace')}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0)


def _blocks(net) -> np.ndarray:
    """Street blocks: faces of the polygonised street network, big ones cut by a lattice."""
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(
        shapely.union_all(net.edges.geometry.to_numpy()))))
    area = shapely.area(faces)
    keep = list(faces[(area >= MIN_BLOCK_M2) & (area <= SPLIT_BLOCK_M2)])
    for face in faces[area > SPLIT_BLOCK_M2]:
        x0, y0, x1, y1 = shapely.bounds(face)
        xs = np.arange(x0, x1, SPLIT_CELL_M)
        ys = np.arange(y0, y1, SPLIT_CELL_M)
        xx, yy = np.meshgrid(xs, ys)
        cells = shapely.box(xx.ravel(), yy.ravel(), xx.ravel() + SPLIT_CELL_M, yy.ravel() + SPLIT_CELL_M)
        pieces = shapely.get_parts(shapely.intersection(cells, face))
        pieces = pieces[(shapely.get_type_id(pieces) == 3) & (shapely.area(pieces) >= MIN_BLOCK_M2)]
        keep.extend(pieces)
    return np.array(keep, dtype=object)


def _bisect(xy: np.ndarray, weight: np.ndarray, parts: int) -> np.ndarray:
    """Group points into ``parts`` compact groups of about equal weight: split the longer side
    at the weighted quantile, recursively (k-d bisection). Group number per point, from 0."""
    out = np.zeros(len(xy), dtype=np.int64)
    todo = [(np.arange(len(xy)), parts, 0)]
    while todo:
        idx, k, first = todo.pop()
        if k <= 1 or len(idx) <= 1:
            out[idx] = first
            continue
        span = xy[idx].max(axis=0) - xy[idx].min(axis=0)
        axis = int(np.argmax(span))
        order = idx[np.argsort(xy[idx, axis], kind="stable")]
        left_k = k // 2
        cum = np.cumsum(weight[order])
        target = cum[-1] * left_k / k
        at = int(np.searchsorted(cum, target))  # the first point reaching the target ...
        below = cum[at - 1] if at > 0 else 0.0
        cut = at + 1 if cum[at] - target <= target - below else at  # ... in or out, the nearer
        cut = min(max(cut, 1), len(order) - 1)
        todo.append((order[:cut], left_k, first))
        todo.append((order[cut:], k - left_k, first + left_k))
    return out


def build_shanghai_plan(folder: Path, *, compounds: int = COMPOUNDS, shared: Path = SHARED) -> dict[str, object]:
    """Write the central-Shanghai plan (``plan.toml`` and its layers) into ``folder`` from the
    real data in ``shared``; return what it holds (counts) for the report."""
    import geopandas as gpd

    from gis_planner.io import read_network

    network = shared.joinpath(*NETWORK)
    net = read_network(network)
    blocks = _blocks(net)
    if len(blocks) < compounds:
        raise SystemExit(f"only {len(blocks)} street blocks of {MIN_BLOCK_M2:.0f} m2 or more; asked for {compounds}.")
    rep = shapely.get_coordinates(shapely.point_on_surface(blocks))
    x0, y0, x1, y1 = net.edges.total_bounds
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    order = np.argsort(np.hypot(*(rep - centre).T), kind="stable")[:compounds]
    blocks, rep = blocks[order], rep[order]
    rng = np.random.default_rng(SEED)
    area = shapely.area(blocks)
    households = np.clip(np.round(area * ASSUMED_HOUSEHOLDS_PER_M2 * rng.uniform(*HOUSEHOLD_FACTOR, len(blocks))),
                         *HOUSEHOLD_RANGE).astype(np.int64)
    outline = shapely.buffer(blocks, -INSET_M, join_style="mitre")
    outline = np.where(shapely.is_empty(outline) | (shapely.get_type_id(outline) != 3), blocks, outline)

    com_of = _bisect(rep, households.astype(float), max(round(households.sum() / COMMUNITY_HOUSEHOLDS), 1))
    com_xy = np.array([rep[com_of == c].mean(axis=0) for c in range(com_of.max() + 1)])
    com_hh = np.bincount(com_of, weights=households)
    sub_of_com = _bisect(com_xy, com_hh, SUBDISTRICTS)
    sub_codes = [f"310199{s + 1:03d}" for s in range(sub_of_com.max() + 1)]
    com_codes = [f"{sub_codes[sub_of_com[c]]}{c + 1:03d}" for c in range(len(com_xy))]
    com_poly = [shapely.union_all(blocks[com_of == c], grid_size=0.01) for c in range(len(com_xy))]
    sub_poly = [shapely.union_all([com_poly[c] for c in np.flatnonzero(sub_of_com == s)], grid_size=0.01)
                for s in range(len(sub_codes))]
    crs = net.crs
    homes = gpd.GeoDataFrame(
        {"compound_id": [f"H{k:04d}" for k in range(1, len(blocks) + 1)],
         "name": [f"假定小区{k}" for k in range(1, len(blocks) + 1)],
         "households": households, "community_code": [com_codes[c] for c in com_of]},
        geometry=list(outline), crs=crs).to_crs(4326)
    coms = gpd.GeoDataFrame(
        {"community_code": com_codes, "name": [f"假定社区{c + 1}" for c in range(len(com_codes))],
         "subdistrict_code": [sub_codes[s] for s in sub_of_com], "urban_rural": "urban"},
        geometry=com_poly, crs=crs).to_crs(4326)
    subs = gpd.GeoDataFrame(
        {"subdistrict_code": sub_codes, "name": [f"假定街道{s + 1}" for s in range(len(sub_codes))],
         "kind": "subdistrict"}, geometry=sub_poly, crs=crs).to_crs(4326)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in (("compounds", homes), ("communities", coms), ("subdistricts", subs)):
        # unions of blocks sharing street centre-lines leave slivers that become self-intersections
        # in lon/lat: repaired here, where the layers are made
        frame = frame.set_geometry(shapely.make_valid(frame.geometry.to_numpy()))
        frame.to_file(folder / f"{name}.geojson", driver="GeoJSON")

    degree = np.bincount(np.r_[net.edges["u"].to_numpy(), net.edges["v"].to_numpy()], minlength=len(net.nodes))
    study = shapely.union_all(com_poly)
    nodes = net.nodes.geometry.to_numpy()
    junction = np.flatnonzero((degree >= 3) & shapely.contains_xy(study, shapely.get_x(nodes), shapely.get_y(nodes)))
    pick = junction[::CANDIDATE_STEP]
    lonlat = gpd.GeoSeries(nodes[pick], crs=crs).to_crs(4326)
    pd.DataFrame({"candidate_id": [f"S{k:04d}" for k in range(1, len(pick) + 1)],
                  "name": [f"路口备选{k}" for k in range(1, len(pick) + 1)], "kind": "路口",
                  "lng": lonlat.x.round(7), "lat": lonlat.y.round(7)}).to_csv(folder / "candidates.csv", index=False)

    files = sorted((shared / POI_FOLDER).glob("poi_amap_*.csv"))
    pois = pd.concat([pd.read_csv(f, dtype=str) for f in files], ignore_index=True)
    pois.insert(0, "id", [f"P{i:05d}" for i in range(len(pois))])
    pois.to_csv(folder / "facilities.csv", index=False)

    plan = folder / "plan.toml"
    plan.write_text(
        'title = "上海中心城区（假定小区与户数）整体规划基准"\nprofile = "taizhou-2023"\nlang = "zh"\n\n'
        f"[inputs]\nnetwork = {json.dumps(network.as_posix())}\n"
        'compounds = "compounds.geojson"\ncompounds_coords = "wgs84"\n'
        'facilities = "facilities.csv"\n'
        "# the shared Amap CSVs read as WGS-84, as their PROVENANCE does\n"
        'facilities_coords = "wgs84"\n'
        'communities = "communities.geojson"\nsubdistricts = "subdistricts.geojson"\n'
        'candidates = "candidates.csv"\ncandidates_coords = "wgs84"\n\n'
        '[siting]\nmclp_category = "kindergarten"\nmclp_sites = 5\nelderly_per_subdistrict = 1\n'
        "time_limit_s = 30\n\n"
        '[elderly]\nobjective = "max_cover"\nsites = 5\nhealth_rule = "check"\n\n'
        "[grids]\nmicro = true\n", encoding="utf-8")
    return {"nodes": len(net.nodes), "edges": len(net.edges), "compounds": len(homes),
            "households": int(households.sum()), "communities": len(coms), "subdistricts": len(subs),
            "candidates": len(pick), "poi_rows": len(pois), "poi_files": len(files),
            "block_area_m2": (float(np.median(area)), float(area.min()), float(area.max()))}


def _category_counts(out: Path) -> pd.Series:
    """Facilities kept per category, from a run's audit (``facility_audit.csv``)."""
    a = pd.read_csv(out / "facility_audit.csv", dtype=str)
    return a.loc[a["status"] == "kept", "category"].value_counts()


def _categories(out: Path) -> str:
    """Categories found among the facilities, with counts, as text."""
    return ", ".join(f"{k} {v:,}" for k, v in _category_counts(out).items())


def _fmt(values: list[float], unit: str = "s", digits: int = 1) -> str:
    return (f"{statistics.median(values):.{digits}f} {unit} "
            f"({min(values):.{digits}f}-{max(values):.{digits}f})")


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def measure(plan: Path, runs: int, work: Path, label: str,
            against: Path | None = None) -> tuple[list[Run], Path, list[Run]]:
    """``runs`` report runs of ``plan`` (outputs into ``work``); the last output folder is kept.
    With ``against`` (another checkout), each run is followed by one of that checkout's package
    on the same plan: the third list, paired run by run."""
    out_runs: list[Run] = []
    base: list[Run] = []
    last = work / f"{label}-0"
    for r in range(runs):
        last = work / f"{label}-{r}"
        out_runs.append(_report(plan, last))
        print(f"  {label} run {r + 1}: {out_runs[-1].wall_s:.1f} s wall, {out_runs[-1].cpu_s:.1f} s CPU, "
              f"{out_runs[-1].peak_mb:.0f} MB", file=sys.stderr)
        if against is not None:
            base.append(_report(plan, work / f"{label}-against-{r}", root=against))
            print(f"  {label} run {r + 1} of {against}: {base[-1].wall_s:.1f} s wall", file=sys.stderr)
    return out_runs, last, base


def _commit(root: Path) -> str:
    """Short commit id of the checkout at ``root``."""
    return subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()


def paired_lines(pairs: list[tuple[str, list[Run], list[Run]]], against: Path) -> list[str]:
    """The table of this checkout against another, run alternately: wall times and their ratio."""
    theirs, ours = _commit(against), _commit(ROOT)
    out = [f"Against an earlier commit, paired (`--against`: a checkout of `{theirs}`, each of its runs right "
           f"after one of `{ours}`, the same plan and machine; ratios are medians of the per-run ratios):", "",
           f"| plan | `{ours}` wall time | `{theirs}` wall time | `{ours}` ÷ `{theirs}` |", "|---|---|---|---|"]
    for name, runs, base in pairs:
        ratios = [a.wall_s / b.wall_s for a, b in zip(runs, base, strict=True)]
        out.append(f"| {name} | {_fmt([r.wall_s for r in runs])} | {_fmt([r.wall_s for r in base])} | "
                   f"{_fmt(ratios, 'x', 2).replace(' x', 'x')} |")
    return [*out, ""]


def demo_facts(out: Path) -> dict[str, object]:
    """Counts of the demo town's layers and the categories its run found."""
    import geopandas as gpd

    demo = ROOT / "data" / "demo"
    homes = gpd.read_file(demo / "compounds.geojson")
    return {"compounds": len(homes), "households": int(homes["households"].sum()),
            "communities": len(gpd.read_file(demo / "communities.geojson")),
            "buildings": len(gpd.read_file(demo / "buildings.geojson")),
            "categories": len(_category_counts(out))}


def section(demo: list[Run], demo_info: dict[str, object], *, shanghai: list[Run] | None,
            info: dict[str, object] | None, categories: str, loads: tuple[str, str], runs: int,
            paired: list[str] | None = None) -> list[str]:
    """The Markdown section "Whole-plan runs" (with ``paired``: the table against another checkout)."""
    from bench_reach import machine

    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    out = [SECTION, "",
           f"Command (from the repository root): `python benchmarks/bench_plan.py --runs {runs} "
           f"{'--against CHECKOUT ' if paired else ''}--write`. "
           f"Run on {when}; 1-minute load average {loads[0]} before and {loads[1]} after (2 shared cores).",
           "",
           "Every run is a fresh `gis-planner report --config PLAN --out OUT` process (imports, reading, "
           "every analysis of the plan, every output file), waited for with `os.wait4`: wall time, CPU time "
           "(user + system, all threads) and peak resident memory (`ru_maxrss`). Median of the runs "
           "with the range. On a loaded machine the wall time is inflated; the CPU time (HiGHS's worker "
           "threads included) bounds what the run takes on an idle machine.", "",
           "| plan | what it holds | wall time | CPU time | peak memory |", "|---|---|---|---|---|",
           f"| demo town (`data/demo/plan.toml`) | {demo_info['compounds']:,} compounds, "
           f"{demo_info['households']:,} households, {demo_info['communities']} communities, "
           f"{demo_info['buildings']:,} buildings, {demo_info['categories']} facility categories; siting, "
           f"elderly care, centres, grids with 微网格 | {_fmt([r.wall_s for r in demo])} | "
           f"{_fmt([r.cpu_s for r in demo])} | {_fmt([r.peak_mb for r in demo], 'MB', 0)} |"]
    if shanghai is not None and info is not None:
        med, lo, hi = info["block_area_m2"]  # type: ignore[misc]
        out.append(
            f"| central Shanghai (built by the benchmark) | {info['compounds']:,} compounds, "
            f"{info['households']:,} **assumed** households, {info['communities']} communities, "
            f"{info['subdistricts']} sub-districts, {info['candidates']} candidates; real streets "
            f"({info['nodes']:,} nodes, {info['edges']:,} edges) and Amap POIs; siting, elderly care, grids "
            f"| {_fmt([r.wall_s for r in shanghai])} | {_fmt([r.cpu_s for r in shanghai])} | "
            f"{_fmt([r.peak_mb for r in shanghai], 'MB', 0)} |")
        out += ["",
                "The central-Shanghai plan: compounds are the street blocks of the real OSM network "
                f"(faces of the polygonised streets, {MIN_BLOCK_M2:,.0f} m² or more; blocks above "
                f"{SPLIT_BLOCK_M2:,.0f} m² cut by a {SPLIT_CELL_M:.0f} m lattice; the {info['compounds']:,} nearest "
                f"the centre; median {med:,.0f} m², {lo:,.0f}-{hi:,.0f} m²). **No real household counts "
                "exist for this area: every count is assumed** "
                f"({ASSUMED_HOUSEHOLDS_PER_M2:g} households per m² times a seeded factor "
                f"{HOUSEHOLD_FACTOR[0]}-{HOUSEHOLD_FACTOR[1]}, within {HOUSEHOLD_RANGE[0]}-{HOUSEHOLD_RANGE[1]}), "
                "and so are the boundaries of the communities (compact groups of adjacent blocks of about "
                f"{COMMUNITY_HOUSEHOLDS:,} households each) and sub-districts ({SUBDISTRICTS} groups of "
                "communities). Facilities: the "
                f"{info['poi_rows']:,} rows of the {info['poi_files']} Amap POI files, classified by the "
                f"package; categories found: {categories}. No idle-space inventory exists, so `[centres]` "
                "is not run; no buildings exist, so 微网格 come from compounds."]
    out += ["", *(paired or []), f"Machine: {machine()}.", ""]
    return out


def write_section(lines: list[str], results: Path = RESULTS) -> None:
    """Replace the "Whole-plan runs" section of ``results`` (up to the next ``## `` heading), or
    append it when there is none; the file is replaced atomically."""
    text = results.read_text(encoding="utf-8")
    body = "\n".join(lines).rstrip("\n") + "\n\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(lambda _m: body, text, count=1) if pattern.search(text) else text.rstrip("\n") + "\n\n" + body
    from gis_planner._fs import atomic_path

    with atomic_path(results) as tmp:
        tmp.write_text(new, encoding="utf-8")


def main() -> None:
    """Parse the options, build the plans, time them, print (and write) the section."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="runs of each plan (median and range); default 3")
    ap.add_argument("--write", action="store_true", help='replace the "Whole-plan runs" section of RESULTS.md')
    ap.add_argument("--skip-shanghai", action="store_true", help="time the demo only")
    ap.add_argument("--compounds", type=int, default=COMPOUNDS, help="compounds in the central-Shanghai plan")
    ap.add_argument("--keep", type=Path, default=None,
                    help="build the central-Shanghai plan in this folder and keep it")
    ap.add_argument("--against", type=Path, default=None,
                    help="another checkout of the repository (e.g. `git worktree add ../old REV`): "
                         "each run is paired with one of its package on the same plan")
    args = ap.parse_args()
    if args.against is not None and not (args.against / "gis_planner" / "__init__.py").is_file():
        ap.error(f"--against {args.against}: expected a checkout of this repository")
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    loads = [_load()]
    with tempfile.TemporaryDirectory(prefix="bench_plan_") as tmp:
        work = Path(tmp)
        demo, demo_out, demo_base = measure(ROOT / "data" / "demo" / "plan.toml", args.runs, work, "demo",
                                            args.against)
        pairs = [("demo town", demo, demo_base)]
        demo_info = demo_facts(demo_out)
        shanghai = info = None
        categories = ""
        if not args.skip_shanghai:
            if not SHARED.is_dir():
                raise SystemExit(f"{SHARED} not found: the central-Shanghai plan needs ../shared/data "
                                 "(or give --skip-shanghai).")
            folder = args.keep if args.keep is not None else work / "shanghai"
            info = build_shanghai_plan(folder, compounds=args.compounds)
            shanghai, last, base = measure(folder / "plan.toml", args.runs, work, "shanghai", args.against)
            pairs.append(("central Shanghai", shanghai, base))
            categories = _categories(last)
        loads.append(_load())
        lines = section(demo, demo_info, shanghai=shanghai, info=info, categories=categories,
                        loads=(loads[0], loads[1]), runs=args.runs,
                        paired=paired_lines(pairs, args.against) if args.against is not None else None)
    print("\n".join(lines))
    if args.write:
        write_section(lines)


if __name__ == "__main__":
    main()
