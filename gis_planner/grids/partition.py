"""Divide each community into 网格 and each 网格 into 微网格 (see ``docs/grids.md``).

Per community: the units (compounds; the buildings of a compound that alone exceeds the band)
get their *cells*, the land nearer to them than to any other unit, clipped to the community
(:func:`gis_planner.community.adjacency.compound_cells`; Voronoi cells of points, generalised
to polygons); units are neighbours when their cells share a border. The units are grouped by
:func:`gis_planner.grids.solve.solve_districts` around centre units, with the cost from a unit
to a centre being the walk between their representative points over the network (straight
line without a network) plus a penalty per barrier between them. A grid's polygon is the union
of its units' cells, so the grids of a community tile it without gaps or overlaps. The same is
repeated inside each grid with the 微网格 band, buildings as units where given.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis_planner._errors import InputDataError
from gis_planner._threads import thread_map
from gis_planner._validate import require_metric_crs, require_same_crs, require_unique_index
from gis_planner.community.adjacency import GRID_M, compound_adjacency, compound_cells, polygonal
from gis_planner.grids.groups import SPECIAL_GROUPS
from gis_planner.grids.settings import GridSettings, load_grid_defaults
from gis_planner.grids.solve import solve_districts
from gis_planner.grids.units import building_units, compound_units, split_units

logger = logging.getLogger(__name__)

#: What :func:`partition_community` returns: grid rows, micro-grid rows, unit table, solver rows.
CommunityResult = tuple[list[dict[str, Any]], list[dict[str, Any]], pd.DataFrame, list[dict[str, Any]]]

#: Columns of the grid and micro-grid layers (then one count per special group present).
GRID_COLUMNS = ("community_code", "level", "units", "buildings", "compounds", "households",
                "residents", "residents_estimated", "band_min", "band_max", "band_status",
                "band_reason", "workers_needed", "centre_unit", "max_walk_m", "mean_walk_m",
                "area_m2")

#: Why a grid is outside its band (``band_reason``; empty within it): one building, or one
#: compound without buildings, holds more households than the ceiling by itself (a building
#: is never split); several units together pass the ceiling (only the heuristic leaves such a
#: grid, when its repair solved no region around it within the search limits: the exact models
#: keep the ceiling); the grid is below the floor (the solve found no grouping with every grid
#: in the band, so the floor was relaxed).
BAND_REASONS = ("building_over_max", "compound_over_max", "ceiling_relaxed", "floor_relaxed")


@dataclass(frozen=True)
class GridResult:
    """Outcome of :func:`partition_grids`.

    Attributes
    ----------
    grids
        网格 polygons, index ``grid_code`` (community code + 2-digit serial), columns
        :data:`GRID_COLUMNS` plus one count per special group present; ``band_reason`` says
        why a grid is outside its band (:data:`BAND_REASONS`).
    micro_grids
        微网格 polygons, index ``micro_code`` (grid code + 2-digit serial), the same columns
        plus ``grid_code``; empty when the micro level was not asked for.
    units
        The units (index ``unit_id``): ``kind``, ``compound_id``, ``community_code``,
        ``households``, ``grid_code``, ``micro_code``, their own geometry.
    solver
        One row per community and level: ``units``, ``grids``, ``method``
        (exact/heuristic/mixed), ``status`` (``optimal``, ``feasible``, ``relaxed``, or
        ``time_limit`` when the wall-clock safety valve stopped a solve), ``objective_hh_m``,
        ``bound_hh_m``, ``gap``, ``runtime_s`` and ``stopped_by`` (``""``, ``node_limit``:
        reproducible; ``time_limit``: may depend on the machine's speed).
    settings
        The numbers used.
    distance_kind
        ``network`` or ``straight_line``.
    """

    grids: gpd.GeoDataFrame
    micro_grids: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    solver: pd.DataFrame
    settings: GridSettings
    distance_kind: str
    groups: tuple[str, ...] = field(default=())


def barrier_lines(network: Any, barriers: gpd.GeoDataFrame | None, *,
                  highways: tuple[str, ...]) -> np.ndarray:
    """Barrier lines: network edges of the barrier highway classes plus every line of
    ``barriers`` (rivers, railways, walls), merged into long lines."""
    parts: list[np.ndarray] = []
    if network is not None:
        e = network.edges
        parts.append(e.geometry.to_numpy()[e["highway"].astype(str).isin(highways).to_numpy()])
    if barriers is not None and len(barriers):
        parts.append(barriers.geometry.to_numpy())
    geoms = np.concatenate(parts) if parts else np.zeros(0, dtype=object)
    if len(geoms) == 0:
        return geoms
    merged = shapely.line_merge(shapely.union_all(geoms))
    return shapely.get_parts(merged)


class _Costs:
    """Walk (m) and cost (walk + barrier penalty, m) between the units of one community.

    Barrier crossings are counted only for the pairs a level asks for (:meth:`sub`, once per
    pair): the units of the community's grid level and of each grid, not every pair of the
    community's units (most pairs of buildings lie in different grids).
    """

    def __init__(self, points: gpd.GeoSeries, network: Any, barriers: np.ndarray, *,
                 settings: GridSettings, snap_tolerance_m: float) -> None:
        self.pos = pd.Series(np.arange(len(points)), index=points.index)
        xy = shapely.get_coordinates(points.to_numpy())
        straight = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
        walk = straight
        if network is not None and len(points):
            from gis_planner.network.snap import snap_points
            from gis_planner.network.travel import od_costs

            s = snap_points(network, gpd.GeoDataFrame(geometry=points), tolerance_m=snap_tolerance_m)
            od = od_costs(network, s, s, cutoff_m=settings.max_walk_m).tocoo()
            leg = s["snap_dist_m"].fillna(0.0).to_numpy(dtype=float)
            walk = np.full_like(straight, np.inf)
            walk[od.row, od.col] = od.data + leg[od.row] + leg[od.col]
            off = ~s["snapped"].to_numpy()
            walk[off, :] = straight[off, :]  # unsnapped units: straight lines, reported in logs
            walk[:, off] = straight[:, off]
            if off.any():
                logger.info("%d units beyond %.0f m of the network use straight lines",
                            int(off.sum()), snap_tolerance_m)
        np.fill_diagonal(walk, 0.0)
        walk[walk > settings.max_walk_m] = np.inf
        self.walk = walk
        self._xy = xy
        self._penalty = settings.barrier_penalty_m
        self._tree = (shapely.STRtree(barriers) if len(barriers) and settings.barrier_penalty_m > 0
                      else None)
        #: barrier lines crossed by the straight line between two units; NaN: not counted yet
        self._crossings = np.full_like(straight, np.nan)
        np.fill_diagonal(self._crossings, 0.0)

    def sub(self, ids: pd.Index) -> tuple[np.ndarray, np.ndarray]:
        """(walk, cost) among ``ids``, in their order."""
        p = self.pos.loc[ids].to_numpy()
        walk = self.walk[np.ix_(p, p)]
        if self._tree is None:
            return walk, walk.copy()
        i, j = np.triu_indices(len(p), 1)
        lo, hi = np.minimum(p[i], p[j]), np.maximum(p[i], p[j])
        todo = np.isnan(self._crossings[lo, hi])
        if todo.any():
            lo, hi = lo[todo], hi[todo]
            seg = shapely.linestrings(np.stack([self._xy[lo], self._xy[hi]], axis=1))
            si, _bi = self._tree.query(seg, predicate="crosses")
            count = np.bincount(si, minlength=len(seg)).astype(float)
            self._crossings[lo, hi] = count
            self._crossings[hi, lo] = count
        return walk, walk + self._penalty * self._crossings[np.ix_(p, p)]


def band_reason(households: np.ndarray, kinds: np.ndarray, band: tuple[int, int]) -> str:
    """Why a grid of units with ``households`` (per unit) and ``kinds`` (``compound`` or
    ``building`` per unit) is outside ``band`` (one of :data:`BAND_REASONS`), or ``""``."""
    total = int(households.sum())
    if total < band[0]:
        return "floor_relaxed"
    if total <= band[1]:
        return ""
    held = np.flatnonzero(households > 0)
    if len(held) > 1:
        return "ceiling_relaxed"
    return "building_over_max" if kinds[held[0]] == "building" else "compound_over_max"


def _serial_codes(prefix: str, polygons: list[Any]) -> list[str]:
    """Codes numbered north to south, then west to east (by representative point)."""
    pts = [shapely.point_on_surface(p) for p in polygons]
    order = sorted(range(len(polygons)), key=lambda k: (-round(pts[k].y, 1), round(pts[k].x, 1)))
    width = max(2, len(str(len(polygons))))
    codes = [""] * len(polygons)
    for serial, k in enumerate(order, start=1):
        codes[k] = f"{prefix}{serial:0{width}d}"
    return codes


def _level(units: gpd.GeoDataFrame, extent: Any, costs: _Costs, *, band: tuple[int, int],
           settings: GridSettings, prefix: str, workers: float, persons: float,
           level: str, groups: tuple[str, ...], cells: gpd.GeoSeries | None = None,
           pairs: np.ndarray | None = None) -> tuple[list[dict[str, Any]], pd.Series,
                                                     dict[str, Any], gpd.GeoSeries, np.ndarray]:
    """Group ``units`` inside ``extent``: (grid rows, code per unit, solver row, unit cells,
    adjacent pairs of units by their cells).

    ``cells``, ``pairs``: the units' cells and :func:`compound_adjacency` pairs when known
    (those of the level above, for the same units).
    """
    if cells is None:
        cells = compound_cells(units, extent)
    if pairs is None:
        pairs = compound_adjacency(units, cells)
    edges = pairs  # the solve's links; ``pairs`` stays the cells' adjacency for the level below
    geoms = units.geometry.to_numpy()
    empty = shapely.is_empty(cells.to_numpy())
    if empty.any() and not empty.all():
        # a unit with no land in the extent (a building across the street of a straddling
        # compound) joins the nearest unit that has land
        land = np.flatnonzero(~empty)
        near = [land[int(np.argmin(shapely.distance(geoms[land], geoms[i])))]
                for i in np.flatnonzero(empty)]
        edges = np.vstack([edges, np.c_[np.flatnonzero(empty), near]]).astype(np.int64)
    walk, cost = costs.sub(units.index)
    h = units["households"].to_numpy(dtype=np.int64)
    sol = solve_districts(h, cost, edges, min_households=band[0], max_households=band[1],
                          exact_max_units=settings.exact_max_units,
                          max_nodes=settings.max_nodes, time_limit_s=settings.time_limit_s)
    centres = list(dict.fromkeys(sol.centre.tolist()))
    polys = [polygonal(shapely.union_all(cells.to_numpy()[sol.centre == c], grid_size=GRID_M))
             for c in centres]
    # a grid without land in the extent is numbered by the centre of its units
    codes = _serial_codes(prefix, [
        p if not shapely.is_empty(p)
        else shapely.centroid(shapely.multipoints(shapely.point_on_surface(geoms[sol.centre == c])))
        for p, c in zip(polys, centres, strict=True)])
    # plain arrays, indexed by unit position: one frame lookup per column, not per grid
    hh_all = units["households"].to_numpy()
    pop_all = units["population"].to_numpy(dtype=float)
    kind = units["kind"].to_numpy()
    building = kind == "building"
    compound = pd.factorize(units["compound_id"])[0]
    community = units["community_code"].to_numpy()
    group_counts = {gid: units[gid].to_numpy() for gid in groups if gid in units.columns}
    rows = []
    code_of = np.full(len(units), "", dtype=object)
    for c, poly, code in zip(centres, polys, codes, strict=True):
        sel = sol.centre == c
        at = np.flatnonzero(sel)
        code_of[at] = code
        hh_u = hh_all[at]
        hh = int(hh_u.sum())
        pop = pop_all[at]
        estimated = bool(np.isnan(pop).any())
        residents = float(np.nansum(pop)) + persons * float(hh_u[np.isnan(pop)].sum())
        w = walk[sel, c]
        finite = w[np.isfinite(w)]
        status = ("in_band" if band[0] <= hh <= band[1] else
                  "over_band" if hh > band[1] else "under_band")
        ids = compound[at]
        row = {"code": code, "community_code": str(community[at[0]]), "level": level,
               "units": len(at), "buildings": int(building[at].sum()),
               "compounds": len(np.unique(ids[ids >= 0])), "households": hh,
               "residents": round(residents), "residents_estimated": estimated,
               "band_min": band[0], "band_max": band[1], "band_status": status,
               "band_reason": band_reason(hh_u, kind[at], band),
               "workers_needed": workers, "centre_unit": str(units.index[c]),
               "max_walk_m": float(finite.max()) if len(finite) else math.nan,
               "mean_walk_m": (float(np.average(finite, weights=hh_u[np.isfinite(w)] + 1e-9))
                               if len(finite) else math.nan),
               "area_m2": float(shapely.area(poly)), "geometry": poly}
        for gid in groups:
            row[gid] = int(group_counts[gid][at].sum()) if gid in group_counts else 0
        rows.append(row)
    solver = {"level": level, "units": len(units), "grids": len(centres), "method": sol.method,
              "status": sol.status, "objective_hh_m": sol.objective, "bound_hh_m": sol.bound,
              "gap": sol.gap, "runtime_s": sol.runtime_s, "stopped_by": sol.stopped_by}
    if sol.stopped_by == "time_limit":
        logger.warning("%s: the grid solve hit its safety time limit of %g s (status time_limit); "
                       "this answer may differ on a faster or slower machine",
                       units["community_code"].iloc[0] if len(units) else level,
                       settings.time_limit_s)
    return rows, pd.Series(code_of, index=units.index, dtype=object), solver, cells, pairs


def _pairs_within(pairs: np.ndarray, members: np.ndarray, n: int) -> np.ndarray:
    """The ``pairs`` (positions among ``n`` units) with both ends in ``members`` (increasing
    positions), renumbered to positions in ``members``; sorted pairs stay sorted."""
    at = np.full(n, -1, dtype=np.int64)
    at[members] = np.arange(len(members))
    a, b = at[pairs[:, 0]], at[pairs[:, 1]]
    keep = (a >= 0) & (b >= 0)
    return np.c_[a[keep], b[keep]].astype(np.int64)


def _frame(rows: list[dict[str, Any]], *, index: str, crs: Any,
           groups: tuple[str, ...], extra: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
    cols = [*extra, *GRID_COLUMNS, *groups]
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=crs,
                                index=pd.Index([], name=index, dtype=object))
    df = pd.DataFrame(rows).set_index("code")
    df.index.name = index
    return gpd.GeoDataFrame(df[cols], geometry=df["geometry"].to_list(), crs=crs)


def partition_community(
    code: str,
    polygon: Any,
    units: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame | None,
    *,
    network: Any,
    barriers: np.ndarray,
    settings: GridSettings,
    micro: bool,
    snap_tolerance_m: float,
    groups: tuple[str, ...],
) -> CommunityResult:
    """One community: (grid rows, micro rows, unit table, solver rows). Used by
    :func:`partition_grids` and by the Dask runner (one task per community)."""
    mine_b = buildings[buildings["community_code"] == code] if buildings is not None else None
    grid_units = split_units(units, mine_b, max_households=settings.grid_max)
    every = grid_units
    if micro and mine_b is not None and len(mine_b):
        extra = mine_b.loc[~mine_b.index.isin(grid_units.index)]
        every = gpd.GeoDataFrame(pd.concat([grid_units, extra]), crs=units.crs)
    pts = every.geometry.representative_point()
    costs = _Costs(pts, network, barriers, settings=settings, snap_tolerance_m=snap_tolerance_m)
    grid_rows, grid_of, solver, cells, pairs = _level(
        grid_units, polygon, costs, band=(settings.grid_min, settings.grid_max),
        settings=settings, prefix=code, workers=settings.workers_per_grid,
        persons=settings.persons_per_household, level="grid", groups=groups)
    solver_rows = [{"community_code": code, **solver}]
    table = pd.DataFrame({"kind": grid_units["kind"], "compound_id": grid_units["compound_id"],
                          "community_code": code, "households": grid_units["households"],
                          "grid_code": grid_of, "micro_code": ""}, index=grid_units.index)
    micro_rows: list[dict[str, Any]] = []
    if micro:
        # the micro units of the whole community at once: a compound split here was a whole
        # unit of the grid level, so it lies in one grid, and its buildings go with it
        micro_units = split_units(grid_units, mine_b, max_households=settings.micro_max)
        whole = grid_units["kind"] == "compound"
        grid_of_compound = pd.Series(grid_of[whole].to_numpy(),
                                     index=grid_units.loc[whole, "compound_id"].to_numpy())
        micro_grid = grid_of.reindex(micro_units.index).to_numpy(copy=True)  # grid of each unit
        added = pd.isna(micro_grid)
        micro_grid[added] = grid_of_compound.reindex(
            micro_units.loc[added, "compound_id"].to_numpy()).to_numpy()
        grid_codes = grid_of.to_numpy()
        taken: list[np.ndarray] = []  # positions in micro_units, grid by grid
        micro_codes: list[np.ndarray] = []
        for row in grid_rows:
            at = np.flatnonzero(micro_grid == row["code"])
            mu = micro_units.iloc[at]
            mine = np.flatnonzero(grid_codes == row["code"])
            # the same units as in the grid: their cells in the community are their cells in
            # the grid (the grid is the union of them: land in it is nearest to its own units),
            # and so are their adjacent pairs
            same = mu.index.equals(grid_units.index[mine])
            rows, micro_of, s, _, _ = _level(
                mu, row["geometry"], costs, band=(settings.micro_min, settings.micro_max),
                settings=settings, prefix=row["code"], workers=settings.workers_per_micro_grid,
                persons=settings.persons_per_household, level="micro_grid", groups=groups,
                cells=cells.iloc[mine] if same else None,
                pairs=_pairs_within(pairs, mine, len(grid_units)) if same else None)
            for r in rows:
                r["grid_code"] = row["code"]
            micro_rows.extend(rows)
            solver_rows.append({"community_code": code, "grid_code": row["code"], **s})
            taken.append(at)
            micro_codes.append(micro_of.to_numpy())
        if taken:
            at = np.concatenate(taken)
            table = micro_units[["kind", "compound_id", "households"]].iloc[at]
            table.insert(2, "community_code", code)
            table["grid_code"] = pd.Series(micro_grid[at], index=table.index, dtype=object)
            table["micro_code"] = pd.Series(np.concatenate(micro_codes), index=table.index,
                                            dtype=object)
        else:
            table = table.iloc[0:0]
    table["geometry"] = every.geometry.reindex(table.index).to_numpy()
    return grid_rows, micro_rows, table, solver_rows


def prepare_units(communities: gpd.GeoDataFrame, compounds: gpd.GeoDataFrame,
                  buildings: gpd.GeoDataFrame | None) -> tuple[gpd.GeoDataFrame,
                                                                gpd.GeoDataFrame | None,
                                                                tuple[str, ...]]:
    """Validated compound and building units with their communities, and the groups present."""
    require_metric_crs(communities, what="communities")
    require_unique_index(communities, what="communities")
    require_unique_index(compounds, what=compounds.attrs.get("source", "compounds"))
    units = compound_units(communities, compounds)
    b = None
    if buildings is not None:
        require_same_crs(buildings, communities, what_a="buildings", what_b="communities")
        require_unique_index(buildings, what=buildings.attrs.get("source", "buildings"))
        b = building_units(units, buildings)
        clash = b.index.intersection(units.index)
        if len(clash):
            raise InputDataError(f"buildings: ids {', '.join(map(str, clash[:5]))} are also "
                                 "compound ids; give buildings their own ids.")
    present = set(units.columns) | (set(b.columns) if b is not None else set())
    groups = tuple(g for g in SPECIAL_GROUPS if g in present)
    for g in groups:
        if b is not None and g in b.columns:
            # buildings are the finer count: a compound holds the sum of its buildings
            total = b.groupby("compound_id")[g].sum()
            own = units[g] if g in units.columns else None
            units[g] = units["compound_id"].map(total).fillna(
                own if own is not None else 0).astype(np.int64)
        if g not in units.columns:
            units[g] = 0
        if b is not None and g not in b.columns:
            b[g] = 0
    units.index = units.index.astype(str)
    units.index.name = "unit_id"
    if b is not None:
        b.index = b.index.astype(str)
        b.index.name = "unit_id"
    return units, b, groups


def assemble(results: list[CommunityResult], *, crs: Any, settings: GridSettings,
             distance_kind: str, groups: tuple[str, ...]) -> GridResult:
    """Combine per-community results (in community order) into a :class:`GridResult`."""
    grid_rows = [r for res in results for r in res[0]]
    micro_rows = [r for res in results for r in res[1]]
    tables = [res[2] for res in results]
    grids = _frame(grid_rows, index="grid_code", crs=crs, groups=groups)
    micro = _frame(micro_rows, index="micro_code", crs=crs, groups=groups, extra=("grid_code",))
    table = pd.concat(tables) if tables else pd.DataFrame(
        columns=["kind", "compound_id", "community_code", "households", "grid_code",
                 "micro_code", "geometry"])
    table.index.name = "unit_id"
    units = gpd.GeoDataFrame(table.drop(columns="geometry"), geometry=table["geometry"].to_list(),
                             crs=crs)
    solver = pd.DataFrame([s for res in results for s in res[3]])
    return GridResult(grids, micro, units, solver, settings, distance_kind, groups)


def partition_grids(
    communities: gpd.GeoDataFrame,
    compounds: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame | None = None,
    *,
    network: Any = None,
    barriers: gpd.GeoDataFrame | None = None,
    settings: GridSettings | None = None,
    micro: bool = True,
    snap_tolerance_m: float = 250.0,
) -> GridResult:
    """Divide every community into 网格 and every 网格 into 微网格.

    Parameters
    ----------
    communities
        Community polygons (index ``community_code``) in a metric CRS.
    compounds
        Compounds (points or polygons) with ``households``; optional ``community_code``
        (else the community holding the representative point), ``population`` and special
        group columns (see :data:`gis_planner.grids.groups.SPECIAL_GROUPS`; English ids or
        Chinese names).
    buildings
        Buildings (points or polygons) with ``households``; optional ``compound_id`` (else the
        compound holding the representative point), ``population`` and special groups. A
        compound is split by its buildings only when it alone exceeds a level's ceiling;
        buildings are never split.
    network
        A :class:`~gis_planner.network.graph.WalkNetwork` in the same CRS: walking distances
        and barrier roads (classes in ``settings.barrier_highways``); None for straight lines
        and no road barriers.
    barriers
        Extra barrier lines (rivers, railways) in the same CRS.
    settings
        Bands, worker ratios, barrier penalty and solver limits; default
        :func:`~gis_planner.grids.settings.load_grid_defaults`.
    micro
        Also divide each 网格 into 微网格.
    snap_tolerance_m
        Largest distance (m, inclusive) from a unit to the network; farther units use straight
        lines.

    Returns
    -------
    GridResult

    Raises
    ------
    InputDataError, CRSError
        Missing or bad columns, non-metric or mismatched CRS, duplicate ids.
    """
    settings = settings or load_grid_defaults()
    units, b, groups = prepare_units(communities, compounds, buildings)
    if network is not None:
        require_same_crs(units, network.edges, what_a="compounds", what_b="the network")
    lines = barrier_lines(network, barriers, highways=settings.barrier_highways)
    jobs = []
    for code, poly in zip(communities.index.astype(str), communities.geometry, strict=True):
        mine = units[units["community_code"] == code]
        if len(mine):
            jobs.append((code, poly, mine))

    def job(item: tuple[str, Any, gpd.GeoDataFrame]) -> CommunityResult:
        return partition_community(item[0], item[1], item[2], b, network=network, barriers=lines,
                                   settings=settings, micro=micro,
                                   snap_tolerance_m=snap_tolerance_m, groups=groups)

    # The communities are independent: they run in threads taking turns, except while HiGHS
    # solves (it releases the GIL), with the same results as one after the other
    results = thread_map(job, jobs, exclusive=True)
    out = assemble(results, crs=communities.crs, settings=settings,
                   distance_kind="network" if network is not None else "straight_line",
                   groups=groups)
    logger.info("%d grids and %d micro-grids in %d communities", len(out.grids),
                len(out.micro_grids), len(results))
    return out


__all__ = ["BAND_REASONS", "GridResult", "band_reason", "barrier_lines", "partition_grids"]
