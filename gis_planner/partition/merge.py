"""Summaries across the partitions of a run, from the columns they need only."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Any

import pandas as pd

from gis_planner._errors import InputDataError
from gis_planner.coverage.columns import COMPLETENESS, SNAPPED, covered_col
from gis_planner.partition.store import read_manifest, result_files


def summary_result(out_dir: str | os.PathLike[str], *, by: str | None = None,
                   extra_columns: Sequence[str] = ()) -> Any:
    """A ``ReachResult`` over every partition of a run holding only the summary columns.

    Reads, per partition file, the household count, ``snapped``, ``completeness``, the
    ``<c>_covered`` columns, the population column and ``by`` — no geometry and no distances — so
    province runs with millions of compounds summarise in little memory. ``by="partition"``
    adds the partition id as a column.
    """
    import pyarrow.parquet as pq

    from gis_planner.coverage.reach import ReachResult

    run = read_manifest(out_dir).get("run", {})
    cats = list(run.get("categories", []))
    if not cats:
        raise InputDataError(f"{out_dir}: _metadata.json names no categories; was it written by partitioned_reach?")
    col = run.get("households_col", "households")
    pop_col = run.get("population_col")
    need = [col, SNAPPED, COMPLETENESS, *(covered_col(c) for c in cats), *extra_columns]
    if pop_col:
        need.append(pop_col)
    if by and by != "partition":
        need.append(by)
    need = list(dict.fromkeys(need))
    frames = []
    for f in result_files(out_dir):
        names = pq.read_schema(f).names
        missing = [c for c in need if c not in names]
        if missing:
            raise InputDataError(f"{f}: no column(s) {missing}; available: {', '.join(names)}.")
        frame = pq.read_table(f, columns=need).to_pandas()
        if by == "partition":
            frame["partition"] = f.stem.removeprefix("part-")
        frames.append(frame)
    households = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=need)
    return ReachResult(
        households=households, facilities=pd.DataFrame(), categories=tuple(cats),
        walk_minutes=tuple(run.get("walk_minutes", ())), headline_minutes=run.get("headline_minutes"),
        speed_kmh=run.get("speed_kmh"), category_limits_m=dict(run.get("category_limits_m", {})),
        required_categories=tuple(run.get("required_categories", cats)),
        snap_tolerance_m=run.get("snap_tolerance_m"), search_cap_m=run.get("search_cap_m"),
        households_col=col, population_col=pop_col, profile_id=run.get("profile_id"))


def partitioned_summary(out_dir: str | os.PathLike[str], *, by: str | None = None,
                        categories: Sequence[str] | None = None) -> pd.DataFrame:
    """Coverage per category (and group) over every partition of a run.

    The same table as :func:`gis_planner.coverage.summary.coverage_summary` gives for a
    single-process run (it is computed by it, on the summary columns of every partition).
    Totals equal the input totals.

    Parameters
    ----------
    out_dir
        Output folder of :func:`~gis_planner.partition.run.partitioned_reach`.
    by
        None for the whole area, a compound column (``subdistrict_code``, ``community_code``) or
        ``"partition"``.
    categories
        Keep only these categories (default: every category of the run).

    Returns
    -------
    DataFrame
        See ``coverage_summary``: ``category``, ``limit_m`` (m), ``households``,
        ``households_unsnapped``, ``covered_households``, ``covered_share`` (0–1) … per group.
    """
    from gis_planner.coverage.summary import coverage_summary

    out = coverage_summary(summary_result(out_dir, by=by), by=by)
    if categories is not None:
        out = out[out["category"].isin(list(categories))].reset_index(drop=True)
    return out


def partitioned_completeness(out_dir: str | os.PathLike[str], *, by: str | None = None) -> pd.DataFrame:
    """Household-weighted living-circle completeness over every partition of a run
    (:func:`gis_planner.coverage.summary.completeness_summary` on the merged summary columns)."""
    from gis_planner.coverage.summary import completeness_summary

    return completeness_summary(summary_result(out_dir, by=by), by=by)


def reach_result(out_dir: str | os.PathLike[str], *, facilities: Any = None, network: Any = None,
                 order: Any = None) -> Any:
    """A full ``ReachResult`` from a partitioned run, for code that expects one (the plan pipeline).

    ``households`` is the merged household table (every compound of the run, in memory) with the
    run's parameters; in the order of ``order`` (an index of compound ids, e.g. the input's) when
    given, else partition by partition. ``facilities`` is the given facility layer — with
    ``network`` also given, plus the columns ``reach`` adds (``snapped``, ``snap_dist_m``,
    ``edge``, ``offset_m`` from :func:`gis_planner.network.snap.snap_points`, and
    ``excluded_reason``: empty, the tolerance it lies beyond, or ``category not assessed``) —
    else an empty frame. ``notes`` holds the unsnapped counts ``reach`` reports.

    Raises
    ------
    InputDataError
        ``order`` names compounds the run did not write, or leaves some out.
    """
    import geopandas as gpd
    import numpy as np

    from gis_planner.partition.store import read_results

    base = summary_result(out_dir)
    households = read_results(out_dir)
    if order is not None:
        order = pd.Index(order).astype(str)
        have = households.index.astype(str)
        if len(order) != len(have) or not order.isin(have).all():
            raise InputDataError(f"{out_dir}: the run holds {len(have)} compounds, the order given "
                                 f"{len(order)}; they must be the same compounds.")
        households = households.iloc[pd.Index(have).get_indexer(order)]
    fac = gpd.GeoDataFrame() if facilities is None else facilities.copy()
    tol = float(base.snap_tolerance_m)
    n_fac_off = 0
    if facilities is not None and network is not None:
        from gis_planner.network.snap import snap_points

        snap = snap_points(network, facilities, tolerance_m=tol)
        ok = snap["snapped"].to_numpy(bool)
        fac["snapped"] = ok
        fac["snap_dist_m"] = snap["snap_dist_m"].to_numpy()
        fac["edge"] = snap["edge"].to_numpy()
        fac["offset_m"] = snap["offset_m"].to_numpy()
        fac["excluded_reason"] = np.where(ok, "", f"farther than {tol:g} m from any road")
        outside = ~np.isin(fac["category"].astype(str).to_numpy(), list(base.categories))
        fac.loc[outside & ok, "excluded_reason"] = "category not assessed"
        n_fac_off = int((~ok).sum())
    snapped = households["snapped"].to_numpy(bool) if len(households) else np.zeros(0, dtype=bool)
    hh = pd.to_numeric(households[base.households_col]) if len(households) else pd.Series(dtype=float)
    notes = {"unsnapped_compounds": int((~snapped).sum()),
             "unsnapped_households": float(hh.to_numpy()[~snapped].sum()),
             "unsnapped_facilities": n_fac_off, "partitioned": str(out_dir)}
    return dataclasses.replace(base, households=households, facilities=fac, notes=notes)


def household_total(out_dir: str | os.PathLike[str]) -> tuple[int, float]:
    """(compounds, households) over every partition of a run, read one column at a time."""
    import pyarrow.parquet as pq

    col = read_manifest(out_dir).get("run", {}).get("households_col", "households")
    n, total = 0, 0.0
    for f in result_files(out_dir):
        t = pq.read_table(f, columns=[col])
        n += t.num_rows
        total += float(pd.to_numeric(t.column(col).to_pandas()).sum())
    return n, total
