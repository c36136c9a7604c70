"""Capacitated siting of elderly-care places: which candidate sites to open, at which size.

A mixed-integer model solved exactly by HiGHS (the solver the siting package uses, for the same
reason: proven optima with a bound and gap, from a binary wheel). Decision variables:

- ``y[j, s]`` in {0, 1}: candidate ``j`` is built at size ``s`` (at most one size per site);
- ``x[i, k] >= 0``: places of demand row ``i`` served by facility ``k`` (an existing facility, or
  a candidate), only for pairs within the level's walking limit.

Rows: each demand row receives at most its need; each facility serves at most its capacity
(existing: fixed; candidate: the chosen size's, 0 when not built); at least ``k`` sites in each
listed sub-district (less the existing ones); candidates failing the 医养结合 rule may be closed.
Objectives: ``min_cost`` first finds the most places any choice can serve (every reachable place
when capacities allow), then the least total cost that serves them; ``max_cover`` serves as many
places as possible within a budget (and an optional number of sites).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from gis_planner._errors import InputDataError
from gis_planner.siting.milp import DEFAULT_MAX_NODES, MipOutcome, ModelBuilder

Objective = Literal["min_cost", "max_cover"]


@dataclass(frozen=True)
class CapacitatedSitingResult:
    """The chosen sites and what they serve.

    ``chosen``: one row per opened candidate (index = candidate label): ``size``, ``capacity``,
    ``floor_area_m2``, ``cost``, ``served`` (places used). ``served``: places served per demand
    row, by existing facilities and new sites together; ``served_existing``: by existing
    facilities in the same solution. ``status`` is HiGHS's (``optimal``, ``node_limit``, ``time_limit``,
    ``infeasible`` …) with ``gap`` (relative) and ``bound``; ``unreachable`` lists demand rows
    with no facility or candidate within the limit (left out of the model).
    """

    objective: str
    status: str
    objective_value: float
    bound: float
    gap: float
    runtime_s: float
    chosen: pd.DataFrame
    served: pd.Series
    served_existing: pd.Series
    need: pd.Series
    unreachable: pd.Index
    notes: list[str] = field(default_factory=list)

    @property
    def total_cost(self) -> float:
        """Sum of the chosen sizes' costs."""
        return float(self.chosen["cost"].sum()) if len(self.chosen) else 0.0

    @property
    def unmet(self) -> float:
        """Places of need left unserved (unreachable rows included)."""
        return float((self.need - self.served).clip(lower=0).sum())


def _check_inputs(need: pd.Series, cand_costs: sp.csr_matrix, exist_costs: sp.csr_matrix,
                  existing_capacity: np.ndarray, sizes: pd.DataFrame) -> None:
    n = len(need)
    if cand_costs.shape[0] != n or exist_costs.shape[0] != n:
        raise InputDataError("capacitated siting: the cost matrices need one row per demand row.")
    if exist_costs.shape[1] != len(existing_capacity):
        raise InputDataError("capacitated siting: one existing capacity per existing facility column.")
    if not np.isfinite(need.to_numpy(float)).all() or (need < 0).any():
        raise InputDataError("capacitated siting: need must be finite and >= 0.")
    if len(sizes) == 0:
        raise InputDataError("capacitated siting: no size options; give at least one (capacity, cost).")
    for col in ("capacity", "cost"):
        v = sizes[col].to_numpy(float)
        if not np.isfinite(v).all() or (v <= 0).any():
            raise InputDataError(f"capacitated siting: size {col} must be finite and > 0.")


def capacitated_siting(
    need: pd.Series,
    cand_costs_m: sp.spmatrix,
    exist_costs_m: sp.spmatrix,
    existing_capacity: np.ndarray,
    sizes: pd.DataFrame,
    *,
    limit_m: float,
    objective: Objective = "min_cost",
    budget: float | None = None,
    max_sites: int | None = None,
    candidate_labels: pd.Index | None = None,
    candidate_groups: pd.Series | None = None,
    min_per_group: dict[str, int] | None = None,
    allowed: np.ndarray | None = None,
    time_limit_s: float = 30.0,
    mip_gap: float = 1e-6,
    max_nodes: int | None = DEFAULT_MAX_NODES,
) -> CapacitatedSitingResult:
    """Open candidate sites at chosen sizes so that places of need are served within ``limit_m``.

    Parameters
    ----------
    need
        Places needed per demand row (e.g. elderly x 40 / 1,000 beds), >= 0; its index labels
        the rows of the results.
    cand_costs_m, exist_costs_m
        Sparse demand x candidate and demand x existing-facility matrices of walking metres
        (stored entry = in reach, the package's convention).
    existing_capacity
        Places of each existing facility (fixed, counted first).
    sizes
        One row per size option: ``capacity`` (places), ``cost`` (> 0), optional ``floor_area_m2``;
        its index names the sizes.
    limit_m
        Walking limit, metres (inclusive).
    objective
        ``min_cost``: serve as many places as any choice of sites can (every reachable place
        when capacities allow), at the least cost; ``max_cover``: serve the most places with
        total cost <= ``budget`` (and at most ``max_sites`` new sites).
    candidate_groups, min_per_group
        A group per candidate (e.g. its sub-district code) and the least number of new or existing
        sites each group must have; existing sites are subtracted by the caller.
    allowed
        Boolean per candidate: False keeps the site closed (e.g. fails the 医养结合 rule).
    time_limit_s, mip_gap
        HiGHS limits (s; relative gap). ``time_limit_s`` is a safety valve: when it binds the
        status is ``time_limit`` and the answer may depend on the machine's speed.
    max_nodes
        Search effort of each HiGHS solve, branch-and-bound nodes (None: no limit); when it
        binds the status is ``node_limit`` with the best incumbent and its gap, the same on
        any machine.

    Returns
    -------
    CapacitatedSitingResult

    Raises
    ------
    InputDataError
        Shapes that do not match; missing budget for ``max_cover``; bad sizes or needs.
    """
    cand = sp.csr_matrix(cand_costs_m)
    exist = sp.csr_matrix(exist_costs_m)
    existing_capacity = np.asarray(existing_capacity, dtype=float)
    need = need.astype(float)
    _check_inputs(need, cand, exist, existing_capacity, sizes)
    if objective == "max_cover" and budget is None and max_sites is None:
        raise InputDataError("capacitated siting: max_cover needs a budget or max_sites.")
    if objective not in ("min_cost", "max_cover"):
        raise InputDataError(f"capacitated siting: objective {objective!r}; expected min_cost or max_cover.")
    n_c = cand.shape[1]
    labels = candidate_labels if candidate_labels is not None else pd.RangeIndex(n_c)
    allowed = np.ones(n_c, dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool)

    # pairs within the limit; candidate columns first, then existing ones
    c_coo, e_coo = cand.tocoo(), exist.tocoo()  # explicit zeros (walk 0 m) are pairs in reach
    dist = np.concatenate([c_coo.data, e_coo.data])
    keep = dist <= limit_m
    pi = np.concatenate([c_coo.row, e_coo.row])[keep].astype(np.int64)
    pk = np.concatenate([c_coo.col, e_coo.col + n_c])[keep].astype(np.int64)
    reach_rows = np.zeros(len(need), dtype=bool)
    reach_rows[pi] = True
    need_v = need.to_numpy(float)
    unreachable = need.index[(~reach_rows) & (need_v > 0)]

    groups = None
    if min_per_group:
        groups = (candidate_groups.reindex(labels).to_numpy(object) if candidate_groups is not None
                  else np.full(n_c, None, dtype=object))
    notes: list[str] = []

    def build(maximise: bool, served_at_least: float | None) -> tuple[ModelBuilder, np.ndarray, np.ndarray]:
        return _model(need_v, pi, pk, n_c, existing_capacity, sizes=sizes, allowed=allowed, maximise=maximise,
                      budget=budget, max_sites=max_sites, groups=groups, min_per_group=min_per_group,
                      served_at_least=served_at_least, notes=notes)

    if objective == "max_cover":
        mb, y, x = build(True, None)
        out = mb.solve(time_limit_s=time_limit_s, max_nodes=max_nodes, mip_gap=mip_gap)
    else:
        # lexicographic: first the most places any choice can serve, then the least cost doing so
        mb, y, x = build(True, None)
        first = mb.solve(time_limit_s=time_limit_s, max_nodes=max_nodes, mip_gap=mip_gap)
        if first.x is None:
            out = first
        else:
            best = float(first.bound if first.status == "optimal" else first.objective)
            best = min(best, float(first.objective)) if np.isfinite(first.objective) else best
            mb, y, x = build(False, best - 1e-7 * max(1.0, best))
            out = mb.solve(time_limit_s=time_limit_s, max_nodes=max_nodes, mip_gap=mip_gap)
            if first.status != "optimal":
                notes.append(f"the most places servable was found with status {first.status}")
    return _result(out, objective, need, labels, sizes, y=y, x=x, pi=pi, pk=pk, n_c=n_c,
                   unreachable=unreachable, notes=notes)


def _model(need_v: np.ndarray, pi: np.ndarray, pk: np.ndarray, n_c: int, existing_capacity: np.ndarray, *,
           sizes: pd.DataFrame, allowed: np.ndarray, maximise: bool, budget: float | None,
           max_sites: int | None, groups: np.ndarray | None, min_per_group: dict[str, int] | None,
           served_at_least: float | None, notes: list[str]) -> tuple[ModelBuilder, np.ndarray, np.ndarray]:
    """The MILP: maximise places served, or minimise cost (with a floor on places served)."""
    n_s = len(sizes)
    cap_s = sizes["capacity"].to_numpy(float)
    cost_s = sizes["cost"].to_numpy(float)
    mb = ModelBuilder(maximise=maximise)
    y_cost = np.zeros(n_c * n_s) if maximise else np.tile(cost_s, n_c)
    y = mb.add_cols(y_cost, 0.0, np.repeat(allowed.astype(float), n_s), integer=True).reshape(n_c, n_s)
    x = mb.add_cols(np.ones(len(pi)) if maximise else np.zeros(len(pi)), 0.0, need_v[pi], integer=False)
    # one size per candidate
    mb.add_rows(-np.inf, 1.0, np.full(n_c, n_s), y.ravel(), np.ones(n_c * n_s))
    # each demand row receives at most its need
    order = np.argsort(pi, kind="stable")
    counts = np.bincount(pi, minlength=len(need_v))
    rows_with = np.flatnonzero(counts)
    mb.add_rows(-np.inf, need_v[rows_with], counts[rows_with], x[order], np.ones(len(order)))
    # capacities: candidates sum_i x[i, k] - sum_s cap_s y[k, s] <= 0; existing sum_i x[i, k] <= capacity
    by_col = np.argsort(pk, kind="stable")
    col_counts = np.bincount(pk, minlength=n_c + len(existing_capacity))
    starts = np.concatenate([[0], np.cumsum(col_counts)])
    for k in range(n_c):
        xs = x[by_col[starts[k]:starts[k + 1]]]
        if len(xs):
            mb.add_row(-np.inf, 0.0, np.concatenate([xs, y[k]]), np.concatenate([np.ones(len(xs)), -cap_s]))
    for e, capacity in enumerate(existing_capacity):
        xs = x[by_col[starts[n_c + e]:starts[n_c + e + 1]]]
        if len(xs):
            mb.add_row(-np.inf, float(capacity), xs, np.ones(len(xs)))
    if budget is not None:
        mb.add_row(-np.inf, float(budget), y.ravel(), np.tile(cost_s, n_c))
    if max_sites is not None:
        mb.add_row(-np.inf, float(max_sites), y.ravel(), np.ones(n_c * n_s))
    if served_at_least is not None and len(x):
        mb.add_row(float(served_at_least), np.inf, x, np.ones(len(x)))
    if min_per_group and groups is not None:
        for g, k_min in min_per_group.items():
            if k_min <= 0:
                continue
            members = np.flatnonzero((groups == g) & allowed)
            if len(members) < k_min and maximise:
                notes.append(f"group {g}: {len(members)} usable candidate sites for {k_min} required")
            mb.add_row(float(k_min), np.inf, y[members].ravel(), np.ones(len(members) * n_s))
    return mb, y, x


def _result(out: MipOutcome, objective: str, need: pd.Series, labels: pd.Index, sizes: pd.DataFrame, *,
            y: np.ndarray, x: np.ndarray, pi: np.ndarray, pk: np.ndarray, n_c: int,
            unreachable: pd.Index, notes: list[str]) -> CapacitatedSitingResult:
    served = np.zeros(len(need))
    served_exist = np.zeros(len(need))
    rows: list[dict[str, object]] = []
    if out.x is not None:
        xv = out.x[x]
        np.add.at(served, pi, xv)
        is_exist = pk >= n_c
        np.add.at(served_exist, pi[is_exist], xv[is_exist])
        yv = np.rint(out.x[y]).astype(int)
        used = np.zeros(n_c)
        np.add.at(used, pk[~is_exist], xv[~is_exist])
        for j, s in zip(*np.nonzero(yv), strict=True):
            size = sizes.iloc[s]
            rows.append({"candidate": labels[j], "size": sizes.index[s], "capacity": float(size["capacity"]),
                         "floor_area_m2": float(size.get("floor_area_m2", np.nan)),
                         "cost": float(size["cost"]), "served": float(used[j])})
    chosen = pd.DataFrame(rows, columns=["candidate", "size", "capacity", "floor_area_m2", "cost", "served"])
    chosen = chosen.set_index("candidate")
    if out.status == "infeasible":
        notes.append("no choice of sites meets the per-group minimums within the budget; "
                      "add candidate sites in those groups or raise the budget")
    return CapacitatedSitingResult(
        objective=objective, status=out.status, objective_value=out.objective, bound=out.bound,
        gap=out.gap, runtime_s=out.runtime_s, chosen=chosen,
        served=pd.Series(served, index=need.index, name="served"),
        served_existing=pd.Series(served_exist, index=need.index, name="served_existing"),
        need=need, unreachable=unreachable, notes=notes)
