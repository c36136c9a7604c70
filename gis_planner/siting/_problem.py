"""Normalising the inputs of the cost-matrix solvers and the pre-solve feasibility checks.

Every solver takes costs in metres as a dense array (``inf``/``nan`` = out of reach) or a scipy
sparse matrix (a stored entry = a pair within reach, explicit zeros kept; a missing entry = out of
reach). Both become one CSR matrix here; no dense demand x candidate matrix is made from a sparse
input.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from gis_planner._errors import InfeasibleError, InputDataError

GroupBound = int | Mapping[Hashable, int] | None


def to_csr(costs: Any, *, what: str = "costs") -> sp.csr_matrix:
    """Costs (dense array or scipy sparse) -> CSR of float64 with only in-reach pairs stored."""
    if sp.issparse(costs):
        m = sp.csr_matrix(costs, dtype=np.float64, copy=True)
        m.sum_duplicates()
        m.sort_indices()
        if m.nnz and not np.all(np.isfinite(m.data)):
            keep = np.isfinite(m.data)
            coo = m.tocoo()
            m = sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=m.shape)
    else:
        arr = np.asarray(costs, dtype=np.float64)
        if arr.ndim != 2:
            raise InputDataError(
                f"{what}: expected a 2-D matrix (demand x candidates), "
                f"found {arr.ndim} dimension(s)."
            )
        rows, cols = np.nonzero(np.isfinite(arr))
        m = sp.csr_matrix((arr[rows, cols], (rows, cols)), shape=arr.shape)
    if m.nnz and (m.data < 0).any():
        raise InputDataError(
            f"{what}: {int((m.data < 0).sum())} negative costs; costs are distances in metres >= 0."
        )
    if m.shape[0] == 0 or m.shape[1] == 0:
        raise InputDataError(
            f"{what}: empty matrix of shape {m.shape}; expected demand x candidates."
        )
    return m


def within(m: sp.csr_matrix, max_cost_m: float | None) -> sp.csr_matrix:
    """Keep only stored entries with cost <= ``max_cost_m`` (inclusive)."""
    if max_cost_m is None:
        return m
    if not np.isfinite(max_cost_m) or max_cost_m < 0:
        raise InputDataError(f"max_cost_m must be a finite number >= 0; found {max_cost_m!r}.")
    coo = m.tocoo()
    keep = coo.data <= max_cost_m
    out = sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=m.shape)
    out.sort_indices()
    return out


def _indices(values: Sequence[int] | np.ndarray | None, n: int, *, what: str) -> np.ndarray:
    if values is None:
        return np.zeros(0, dtype=np.int64)
    arr = np.unique(np.asarray(values, dtype=np.int64).ravel())
    bad = (arr < 0) | (arr >= n)
    if bad.any():
        raise InputDataError(
            f"{what}: candidate indices {arr[bad][:5].tolist()} are outside 0..{n - 1}."
        )
    return arr


@dataclass(frozen=True)
class Problem:
    """Validated inputs shared by the four models (indices are candidate columns)."""

    costs: sp.csr_matrix
    weights: np.ndarray
    existing: np.ndarray
    forced: np.ndarray
    excluded: np.ndarray
    group_codes: np.ndarray  # per candidate: group number, -1 when in no group
    group_labels: list[Hashable]
    group_min: np.ndarray  # per group
    group_max: np.ndarray  # per group (large when unbounded)
    group_names: Mapping[Hashable, str]
    group_kind: str
    capacities: np.ndarray | None
    demand: np.ndarray | None

    @property
    def n_demand(self) -> int:
        """Number of demand rows."""
        return self.costs.shape[0]

    @property
    def n_cand(self) -> int:
        """Number of candidate columns."""
        return self.costs.shape[1]

    def allowed(self) -> np.ndarray:
        """Boolean mask of candidates that may be open (not excluded)."""
        mask = np.ones(self.n_cand, dtype=bool)
        mask[self.excluded] = False
        mask[self.existing] = True
        return mask

    def new_allowed(self) -> np.ndarray:
        """Boolean mask of candidates that may be newly opened."""
        mask = self.allowed()
        mask[self.existing] = False
        return mask

    def is_existing(self) -> np.ndarray:
        """Boolean mask of existing (already open) candidates."""
        mask = np.zeros(self.n_cand, dtype=bool)
        mask[self.existing] = True
        return mask

    def group_title(self, g: int) -> str:
        """How a group is named in messages, e.g. ``街道 南京东路街道 (code 310101002)``."""
        label = self.group_labels[g]
        name = self.group_names.get(label)
        if name and str(name) != str(label):
            return f"{self.group_kind} {name} (code {label})"
        return f"{self.group_kind} {label}"

    def group_counts(self, open_mask: np.ndarray) -> np.ndarray:
        """Open candidates per group."""
        codes = self.group_codes[open_mask]
        return np.bincount(codes[codes >= 0], minlength=len(self.group_labels))


def make_problem(
    costs: Any,
    weights: Any,
    *,
    existing: Sequence[int] | np.ndarray | None,
    forced: Sequence[int] | np.ndarray | None,
    excluded: Sequence[int] | np.ndarray | None,
    groups: Sequence[Hashable] | np.ndarray | pd.Series | None,
    min_per_group: GroupBound,
    max_per_group: GroupBound,
    group_names: Mapping[Hashable, str] | None,
    group_kind: str,
    capacities: Any,
    demand: Any,
) -> Problem:
    """Validate and normalise the solver inputs (see :func:`gis_planner.siting.p_median`)."""
    m = to_csr(costs)
    n_d, n_c = m.shape
    if weights is None:
        w = np.ones(n_d)
    else:
        w = np.asarray(weights, dtype=np.float64).ravel()
        if len(w) != n_d:
            raise InputDataError(
                f"weights: {len(w)} values for {n_d} demand rows of the cost matrix; "
                "lengths must match."
            )
        if not np.all(np.isfinite(w)) or (w < 0).any():
            raise InputDataError("weights: values must be finite numbers >= 0.")
    ex = _indices(existing, n_c, what="existing")
    fo = _indices(forced, n_c, what="forced")
    xc = _indices(excluded, n_c, what="excluded")
    clash = np.intersect1d(xc, np.union1d(fo, ex))
    if len(clash):
        raise InputDataError(
            f"candidates {clash[:5].tolist()} are both excluded and forced/existing; pick one."
        )
    fo = np.setdiff1d(fo, ex)
    # groups
    if groups is None:
        codes = np.full(n_c, -1, dtype=np.int64)
        labels: list[Hashable] = []
    else:
        g = pd.Series(list(groups) if not isinstance(groups, pd.Series) else groups.to_numpy())
        if len(g) != n_c:
            raise InputDataError(
                f"groups: {len(g)} labels for {n_c} candidate columns; "
                "give one label per candidate."
            )
        cat = pd.Categorical(g.where(g.notna(), None))
        codes = np.asarray(cat.codes, dtype=np.int64)
        labels = list(cat.categories)
    big = n_c + 1
    gmin = np.zeros(len(labels), dtype=np.int64)
    gmax = np.full(len(labels), big, dtype=np.int64)
    for bound, arr, name in (
        (min_per_group, gmin, "min_per_group"),
        (max_per_group, gmax, "max_per_group"),
    ):
        if bound is None:
            continue
        if groups is None:
            raise InputDataError(
                f"{name} was given without groups; pass groups= (candidate -> unit)."
            )
        if isinstance(bound, Mapping):
            unknown = [k for k in bound if k not in labels]
            if unknown:
                # a minimum for a unit with no candidate at all: infeasible, say which
                for k in unknown:
                    if name == "min_per_group" and int(bound[k]) > 0:
                        title = _title(k, group_names, group_kind)
                        raise InfeasibleError(
                            f"{title} has no candidate site; "
                            "add candidates there or drop the minimum."
                        )
            for k, v in bound.items():
                if k in labels:
                    arr[labels.index(k)] = int(v)
        else:
            arr[:] = int(bound)
    if (gmin < 0).any() or (gmax < 0).any():
        raise InputDataError("min_per_group / max_per_group must be >= 0.")
    cap = dem = None
    if capacities is not None:
        cap = np.asarray(capacities, dtype=np.float64).ravel()
        if len(cap) != n_c:
            raise InputDataError(
                f"capacities: {len(cap)} values for {n_c} candidates; lengths must match."
            )
        if not np.all(np.isfinite(cap)) or (cap < 0).any():
            raise InputDataError("capacities: values must be finite numbers >= 0.")
        dem = w.copy() if demand is None else np.asarray(demand, dtype=np.float64).ravel()
        if len(dem) != n_d:
            raise InputDataError(
                f"demand: {len(dem)} values for {n_d} demand rows; lengths must match."
            )
        if not np.all(np.isfinite(dem)) or (dem < 0).any():
            raise InputDataError("demand: values must be finite numbers >= 0.")
    elif demand is not None:
        raise InputDataError("demand was given without capacities; pass capacities= as well.")
    return Problem(
        costs=m,
        weights=w,
        existing=ex,
        forced=fo,
        excluded=xc,
        group_codes=codes,
        group_labels=labels,
        group_min=gmin,
        group_max=gmax,
        group_names=dict(group_names or {}),
        group_kind=group_kind,
        capacities=cap,
        demand=dem,
    )


def _title(label: Hashable, names: Mapping[Hashable, str] | None, kind: str) -> str:
    name = (names or {}).get(label)
    if name and str(name) != str(label):
        return f"{kind} {name} (code {label})"
    return f"{kind} {label}"


def check_counts(prob: Problem, p: int | None) -> None:
    """Raise :class:`InfeasibleError` naming the binding count constraint, before any solve.

    ``p`` is the number of new sites (None for LSCP, where the count is minimised).
    """
    new_ok = prob.new_allowed()
    if p is not None:
        if p < 0:
            raise InputDataError(f"p (number of new sites) must be >= 0; found {p}.")
        if new_ok.sum() < p:
            raise InfeasibleError(
                f"{p} new sites asked for but only {int(new_ok.sum())} candidates can be opened "
                f"({len(prob.excluded)} excluded, {len(prob.existing)} already open); "
                "add candidates or lower the number of sites."
            )
        if len(prob.forced) > p:
            raise InfeasibleError(
                f"{len(prob.forced)} forced candidates but only {p} new sites; "
                "raise the number of sites or force fewer."
            )
    if len(prob.group_labels):
        codes = prob.group_codes
        exist_cnt = np.bincount(
            codes[prob.is_existing() & (codes >= 0)], minlength=len(prob.group_labels)
        )
        avail_cnt = np.bincount(codes[new_ok & (codes >= 0)], minlength=len(prob.group_labels))
        forced_mask = np.zeros(prob.n_cand, dtype=bool)
        forced_mask[prob.forced] = True
        fixed_cnt = exist_cnt + np.bincount(
            codes[forced_mask & (codes >= 0)], minlength=len(prob.group_labels)
        )
        for g in range(len(prob.group_labels)):
            need = prob.group_min[g]
            if exist_cnt[g] + avail_cnt[g] < need:
                have = int(avail_cnt[g])
                what = (
                    "no candidate site"
                    if have == 0
                    else f"only {have} candidate site(s) for {need - exist_cnt[g]} needed"
                )
                raise InfeasibleError(
                    f"{prob.group_title(g)} has {what}; add candidates there or drop the minimum."
                )
            if fixed_cnt[g] > prob.group_max[g]:
                raise InfeasibleError(
                    f"{prob.group_title(g)} already has {int(fixed_cnt[g])} open or forced sites, "
                    f"above its maximum of {int(prob.group_max[g])}; raise the maximum."
                )
        deficit = np.maximum(prob.group_min - exist_cnt, 0)
        if p is not None and deficit.sum() > p:
            worst = [prob.group_title(g) for g in np.flatnonzero(deficit)[:5]]
            raise InfeasibleError(
                f"the per-{prob.group_kind} minimums need at least {int(deficit.sum())} new sites "
                f"({', '.join(worst)}{' …' if (deficit > 0).sum() > 5 else ''}) but only {p} are "
                "allowed; raise the number of sites or lower the minimums."
            )


def check_capacity(prob: Problem, rows: np.ndarray | None = None) -> None:
    """Raise when total capacity of openable candidates is below the demand that must be served."""
    if prob.capacities is None or prob.demand is None:
        return
    need = prob.demand.sum() if rows is None else prob.demand[rows].sum()
    have = prob.capacities[prob.allowed()].sum()
    if have + 1e-9 < need:
        raise InfeasibleError(
            f"total capacity of all candidates that may open is {have:g} but demand to serve is "
            f"{need:g}; add capacity or candidates."
        )


def unreachable_rows(m: sp.csr_matrix, allowed: np.ndarray) -> np.ndarray:
    """Demand rows with no stored entry in an allowed candidate column."""
    sub = m[:, np.flatnonzero(allowed)]
    return np.flatnonzero(np.diff(sub.indptr) == 0)


def raise_unreachable(rows: np.ndarray, *, reach: str, fix: str) -> None:
    """Raise :class:`InfeasibleError` naming demand rows that no candidate reaches."""
    shown = ", ".join(str(int(r)) for r in rows[:10])
    more = f" (+{len(rows) - 10} more)" if len(rows) > 10 else ""
    raise InfeasibleError(
        f"{len(rows)} demand point(s) (rows {shown}{more}) have no candidate {reach}; {fix}"
    )
