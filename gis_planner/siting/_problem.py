"""Normalising the inputs of the cost-matrix solvers and the pre-solve feasibility checks.

Every solver takes costs in metres as a dense array (``inf``/``nan`` = out of reach) or a scipy
sparse matrix (a stored entry = a pair within reach, explicit zeros kept; a missing entry = out of
reach). Both become one CSR matrix here; no dense demand x candidate matrix is made from a sparse
input.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, TypedDict

import numpy as np
import pandas as pd
import scipy.sparse as sp

from gis_planner._errors import InfeasibleError, InputDataError
from gis_planner.siting.milp import DEFAULT_MAX_NODES

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


class ConstraintOptions(TypedDict, total=False):
    """The fields of :class:`SiteConstraints` as keyword arguments of the solvers."""

    existing: Sequence[int] | np.ndarray | None
    forced: Sequence[int] | np.ndarray | None
    excluded: Sequence[int] | np.ndarray | None
    groups: Sequence[Hashable] | np.ndarray | pd.Series | None
    min_per_group: GroupBound
    max_per_group: GroupBound
    group_names: Mapping[Hashable, str] | None
    group_kind: str
    capacities: Any
    demand: Any
    time_limit_s: float | None
    max_nodes: int | None
    mip_gap: float | None


@dataclass(frozen=True, eq=False)
class SiteConstraints:
    """What every cost-matrix siting model may be told besides its costs, weights and ``p``.

    One object for the four solvers (:func:`~gis_planner.siting.p_median`,
    :func:`~gis_planner.siting.mclp`, :func:`~gis_planner.siting.lscp`,
    :func:`~gis_planner.siting.p_center`); each solver also takes these fields as keyword
    arguments, which override the fields of a ``constraints=`` object.

    Attributes
    ----------
    existing
        Candidate indices already open (e.g. existing facilities of the category, added as
        columns): kept open, not counted against ``p``, and they count towards group minimums.
    forced, excluded
        Candidate indices that must / must not be opened (forced ones count against ``p``).
    groups
        A unit label per candidate (e.g. the sub-district code); None for no units.
    min_per_group, max_per_group
        Bounds on open sites per unit (inclusive): an int for every unit, or a mapping
        label -> int. Existing sites count.
    group_names, group_kind
        Label -> display name, and what a unit is called (e.g. ``"街道"``), so that errors read
        like ``街道 南京东路街道 (code 310101002) has no candidate site; …``.
    capacities
        Capacity per candidate (same unit as ``demand``); gives the capacitated variants with
        (fractional) allocation of demand to sites.
    demand
        Amount each demand row needs from a site (defaults to the weights); only with
        ``capacities``.
    time_limit_s
        Wall-clock safety valve in seconds (None: none; p-center: bounds the whole
        bisection). When it binds the status is ``time_limit`` and the answer may depend on
        the machine's speed.
    max_nodes
        Search effort of each HiGHS solve, branch-and-bound nodes (None: no limit). When it
        binds, the status is ``node_limit`` with the best incumbent and its gap: the same on
        any machine.
    mip_gap
        Relative MIP gap at which HiGHS stops (None: proven optimality where the objective is
        integral, else 1e-6; capacitated models use 1e-6).
    """

    existing: Sequence[int] | np.ndarray | None = None
    forced: Sequence[int] | np.ndarray | None = None
    excluded: Sequence[int] | np.ndarray | None = None
    groups: Sequence[Hashable] | np.ndarray | pd.Series | None = None
    min_per_group: GroupBound = None
    max_per_group: GroupBound = None
    group_names: Mapping[Hashable, str] | None = None
    group_kind: str = "group"
    capacities: Any = None
    demand: Any = None
    time_limit_s: float | None = None
    max_nodes: int | None = DEFAULT_MAX_NODES
    mip_gap: float | None = None

    def updated(self, options: Mapping[str, Any], *, what: str) -> SiteConstraints:
        """A copy with ``options`` (keyword arguments of solver ``what``) replacing fields.

        Raises
        ------
        TypeError
            An option that is no field, named with the solver.
        """
        unknown = sorted(set(options) - _CONSTRAINT_FIELDS)
        if unknown:
            raise TypeError(
                f"{what}() got unexpected keyword argument(s) {unknown}; "
                f"constraints are {sorted(_CONSTRAINT_FIELDS)}."
            )
        return replace(self, **options) if options else self


_CONSTRAINT_FIELDS = frozenset(f.name for f in fields(SiteConstraints))


def resolve_constraints(
    constraints: SiteConstraints | None, options: Mapping[str, Any], *, what: str
) -> SiteConstraints:
    """``constraints`` (or the defaults) with the keyword ``options`` of solver ``what`` applied."""
    return (constraints or SiteConstraints()).updated(options, what=what)


def _weights(weights: Any, n_d: int) -> np.ndarray:
    if weights is None:
        return np.ones(n_d)
    w = np.asarray(weights, dtype=np.float64).ravel()
    if len(w) != n_d:
        raise InputDataError(
            f"weights: {len(w)} values for {n_d} demand rows of the cost matrix; "
            "lengths must match."
        )
    if not np.all(np.isfinite(w)) or (w < 0).any():
        raise InputDataError("weights: values must be finite numbers >= 0.")
    return w


def _group_codes(groups: Any, n_c: int) -> tuple[np.ndarray, list[Hashable]]:
    """Per candidate its group number (-1: none), and the group labels."""
    if groups is None:
        return np.full(n_c, -1, dtype=np.int64), []
    g = pd.Series(list(groups) if not isinstance(groups, pd.Series) else groups.to_numpy())
    if len(g) != n_c:
        raise InputDataError(
            f"groups: {len(g)} labels for {n_c} candidate columns; give one label per candidate."
        )
    cat = pd.Categorical(g.where(g.notna(), None))
    return np.asarray(cat.codes, dtype=np.int64), list(cat.categories)


def _fill_bound(
    arr: np.ndarray, bound: GroupBound, name: str, labels: list[Hashable], c: SiteConstraints
) -> None:
    """Write ``min_per_group`` / ``max_per_group`` (int or label -> int) into ``arr``."""
    if bound is None:
        return
    if c.groups is None:
        raise InputDataError(f"{name} was given without groups; pass groups= (candidate -> unit).")
    if not isinstance(bound, Mapping):
        arr[:] = int(bound)
        return
    for k, v in bound.items():
        if k in labels:
            arr[labels.index(k)] = int(v)
        elif name == "min_per_group" and int(v) > 0:
            # a minimum for a unit with no candidate at all: infeasible, say which
            raise InfeasibleError(
                f"{_title(k, c.group_names, c.group_kind)} has no candidate site; "
                "add candidates there or drop the minimum."
            )


def _capacity_arrays(
    c: SiteConstraints, w: np.ndarray, n_d: int, n_c: int
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Validated (capacities, demand), both None for the uncapacitated models."""
    if c.capacities is None:
        if c.demand is not None:
            raise InputDataError("demand was given without capacities; pass capacities= as well.")
        return None, None
    cap = np.asarray(c.capacities, dtype=np.float64).ravel()
    if len(cap) != n_c:
        raise InputDataError(
            f"capacities: {len(cap)} values for {n_c} candidates; lengths must match."
        )
    if not np.all(np.isfinite(cap)) or (cap < 0).any():
        raise InputDataError("capacities: values must be finite numbers >= 0.")
    dem = w.copy() if c.demand is None else np.asarray(c.demand, dtype=np.float64).ravel()
    if len(dem) != n_d:
        raise InputDataError(f"demand: {len(dem)} values for {n_d} demand rows; lengths must match.")
    if not np.all(np.isfinite(dem)) or (dem < 0).any():
        raise InputDataError("demand: values must be finite numbers >= 0.")
    return cap, dem


def make_problem(costs: Any, weights: Any, constraints: SiteConstraints) -> Problem:
    """Validate and normalise the solver inputs (see :class:`SiteConstraints`).

    Raises
    ------
    InputDataError
        A matrix, weight, index, group or capacity input of the wrong shape or sign.
    InfeasibleError
        A group minimum for a unit with no candidate.
    """
    c = constraints
    m = to_csr(costs)
    n_d, n_c = m.shape
    w = _weights(weights, n_d)
    ex = _indices(c.existing, n_c, what="existing")
    fo = _indices(c.forced, n_c, what="forced")
    xc = _indices(c.excluded, n_c, what="excluded")
    clash = np.intersect1d(xc, np.union1d(fo, ex))
    if len(clash):
        raise InputDataError(
            f"candidates {clash[:5].tolist()} are both excluded and forced/existing; pick one."
        )
    fo = np.setdiff1d(fo, ex)
    codes, labels = _group_codes(c.groups, n_c)
    gmin = np.zeros(len(labels), dtype=np.int64)
    gmax = np.full(len(labels), n_c + 1, dtype=np.int64)
    _fill_bound(gmin, c.min_per_group, "min_per_group", labels, c)
    _fill_bound(gmax, c.max_per_group, "max_per_group", labels, c)
    if (gmin < 0).any() or (gmax < 0).any():
        raise InputDataError("min_per_group / max_per_group must be >= 0.")
    cap, dem = _capacity_arrays(c, w, n_d, n_c)
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
        group_names=dict(c.group_names or {}),
        group_kind=c.group_kind,
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
