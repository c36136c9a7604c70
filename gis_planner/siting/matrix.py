"""The four classic siting models on a cost matrix: p-median, MCLP, LSCP and p-center.

Each function takes costs in metres, demand x candidates, as a dense array (``inf``/``nan`` = out
of reach) or a scipy sparse matrix (package convention: a stored entry is a pair within reach,
with exact zeros stored explicitly; a missing entry is out of reach), and returns a frozen
:class:`SolveResult`. Models are built directly as sparse arrays for HiGHS (see
``gis_planner.siting._milp`` for why HiGHS), and only over stored pairs.

Options shared by all models
----------------------------
existing
    Candidate indices already open (e.g. existing facilities of the category, added as
    columns): kept open, not counted against ``p``, and they count towards group minimums.
forced / excluded
    Candidates that must / must not be opened (forced ones count against ``p``).
groups, min_per_group, max_per_group
    A unit label per candidate (e.g. the sub-district code) and bounds on open sites per unit
    (an int for every unit, or a mapping label -> int). ``group_names`` (label -> display name)
    and ``group_kind`` (e.g. ``"街道"``) make error messages read like
    ``街道 南京东路街道 (code 310101002) has no candidate site; …``.
capacities, demand
    Capacity per candidate and the amount each demand point needs (defaults to ``weights``);
    gives the capacitated variants with (fractional) allocation of demand to sites.
time_limit_s, mip_gap
    HiGHS time limit in seconds and relative MIP gap (HiGHS default 1e-4 when None).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

from gis_planner._errors import InfeasibleError
from gis_planner.siting import heuristic
from gis_planner.siting._milp import INF, MipOutcome, ModelBuilder
from gis_planner.siting._problem import (
    GroupBound,
    Problem,
    check_capacity,
    check_counts,
    make_problem,
    raise_unreachable,
    unreachable_rows,
    within,
)

logger = logging.getLogger(__name__)

Method = Literal["auto", "exact", "heuristic"]

#: Reduced-cost fixing before the p-median MILP runs when the open sites are at most
#: max(SMALL_P_ABS, SMALL_P_SHARE x candidates): with few sites the LP bound of the radius
#: formulation is weak (about 1 % on pmed38) and most candidates can be ruled out; with many
#: sites the LP is usually integral already and the extra LP solve only costs time.
SMALL_P_ABS = 10
#: Relative MIP gap used when none is given and the objective can be fractional (capacitated
#: models allocate shares of demand): 1e-6 instead of HiGHS's default 1e-4.
_EXACT_REL_GAP = 1e-6
SMALL_P_SHARE = 0.02

#: Above this many model nonzeros, ``method="auto"`` goes straight to the heuristic.
EXACT_MAX_NONZEROS = 40_000_000


@dataclass(frozen=True)
class SolveResult:
    """Outcome of one cost-matrix siting solve.

    Attributes
    ----------
    model
        ``"p_median"``, ``"mclp"``, ``"lscp"`` or ``"p_center"``.
    chosen
        Sorted indices of newly opened candidates (existing ones excluded).
    open
        Sorted indices of every open candidate (chosen + existing).
    objective
        p-median: total weighted cost (metres x weight); MCLP: covered weight (existing
        coverage included); LSCP: number of new sites; p-center: largest demand-to-nearest-site
        cost in metres.
    bound
        Best proven bound on the objective (lower for minimisation, upper for MCLP).
    gap
        Relative gap ``|objective - bound| / max(|objective|, 1e-9)``; 0 when proven optimal.
    status
        ``"optimal"``, ``"time_limit"``, ``"heuristic"`` (local optimum, bound from the LP
        relaxation) or ``"infeasible"`` (only when ``raise_infeasible=False``).
    runtime_s
        Wall-clock seconds spent in the solve (model building included).
    method
        ``"exact"`` (HiGHS), ``"heuristic"`` or ``"exact+heuristic"`` (time limit hit; the
        better of the two solutions is kept).
    assignment
        Per demand row, the index of its nearest open candidate (capacitated: the site serving
        the largest share), -1 when none is within reach.
    assigned_cost_m
        Per demand row, the cost in metres to ``assignment`` (inf when -1).
    covered
        Per demand row, whether it is within the coverage distance of an open site (MCLP, LSCP,
        p-center); None for p-median.
    total_weight
        Sum of demand weights.
    details
        Model-specific figures (e.g. ``covered_weight_before`` for MCLP, the bound's source).
    """

    model: str
    chosen: np.ndarray
    open: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str
    runtime_s: float
    method: str
    assignment: np.ndarray
    assigned_cost_m: np.ndarray
    covered: np.ndarray | None
    total_weight: float
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("chosen", "open", "assignment", "assigned_cost_m", "covered"):
            arr = getattr(self, name)
            if isinstance(arr, np.ndarray):
                arr.setflags(write=False)
        object.__setattr__(self, "details", MappingProxyType(dict(self.details)))

    @property
    def mean_cost_m(self) -> float:
        """Weighted mean cost in metres from demand to its assigned site (p-median)."""
        cost = np.where(np.isfinite(self.assigned_cost_m), self.assigned_cost_m, np.nan)
        return (
            float(self.objective / self.total_weight)
            if self.model == "p_median"
            else float(np.nanmean(cost))
        )

    @property
    def n_uncovered(self) -> int:
        """Demand rows not covered (MCLP, LSCP, p-center)."""
        return 0 if self.covered is None else int((~self.covered).sum())


# ---------------------------------------------------------------------------- helpers
def _gap(obj: float, bound: float) -> float:
    if not (np.isfinite(obj) and np.isfinite(bound)):
        return float("inf")
    return abs(obj - bound) / max(abs(obj), 1e-9)


def _site_cols(b: ModelBuilder, prob: Problem, cost: np.ndarray | float = 0.0) -> np.ndarray:
    lb = np.zeros(prob.n_cand)
    ub = np.ones(prob.n_cand)
    lb[prob.existing] = 1.0
    lb[prob.forced] = 1.0
    ub[prob.excluded] = 0.0
    c = np.broadcast_to(np.asarray(cost, dtype=np.float64), (prob.n_cand,)).copy()
    c[prob.existing] = 0.0
    return b.add_cols(c, lb, ub, integer=True)


def _count_row(b: ModelBuilder, prob: Problem, y: np.ndarray, lo: float, hi: float) -> None:
    new = np.flatnonzero(prob.new_allowed())
    b.add_row(lo, hi, y[new], 1.0)


def _group_rows(b: ModelBuilder, prob: Problem, y: np.ndarray) -> None:
    n_c = prob.n_cand
    for g in range(len(prob.group_labels)):
        lo, hi = int(prob.group_min[g]), int(prob.group_max[g])
        if lo <= 0 and hi >= n_c:
            continue
        members = np.flatnonzero(prob.group_codes == g)
        b.add_row(float(lo), float(hi) if hi < n_c else INF, y[members], 1.0)


def _allowed_entries(m: sp.csr_matrix, allowed: np.ndarray) -> sp.csr_matrix:
    """Drop stored entries in columns that may not open."""
    coo = m.tocoo()
    keep = allowed[coo.col]
    out = sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=m.shape)
    out.sort_indices()
    return out


def _dedupe_rows(pattern: sp.csr_matrix, w: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Merge rows with identical coverage sets (summing weights): same optimum, smaller model."""
    keys: dict[bytes, int] = {}
    first: list[int] = []
    agg: list[float] = []
    ind, ptr = pattern.indices, pattern.indptr
    for i in range(pattern.shape[0]):
        k = ind[ptr[i] : ptr[i + 1]].tobytes()
        pos = keys.get(k)
        if pos is None:
            keys[k] = len(first)
            first.append(i)
            agg.append(float(w[i]))
        else:
            agg[pos] += float(w[i])
    return pattern[np.asarray(first, dtype=np.int64)], np.asarray(agg)


def _nearest_open(m: sp.csr_matrix, open_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: (index of the nearest open column or -1, its cost or inf)."""
    coo = m.tocoo()
    keep = open_mask[coo.col]
    r, c, d = coo.row[keep], coo.col[keep], coo.data[keep]
    order = np.lexsort((c, d, r))
    r, c, d = r[order], c[order], d[order]
    first = np.ones(len(r), dtype=bool)
    first[1:] = r[1:] != r[:-1]
    assign = np.full(m.shape[0], -1, dtype=np.int64)
    cost = np.full(m.shape[0], np.inf)
    assign[r[first]] = c[first]
    cost[r[first]] = d[first]
    return assign, cost


def _outcome_mask(out: MipOutcome, y: np.ndarray) -> np.ndarray | None:
    return None if out.x is None else out.x[y] > 0.5


def _raise_model_infeasible(model: str, prob: Problem, p: int | None) -> None:
    parts = [f"p = {p}"] if p is not None else []
    if len(prob.forced):
        parts.append(f"{len(prob.forced)} forced")
    if len(prob.group_labels) and (prob.group_min > 0).any():
        parts.append(f"per-{prob.group_kind} minimums")
    if (prob.group_max <= prob.n_cand).any() and len(prob.group_labels):
        parts.append(f"per-{prob.group_kind} maximums")
    if prob.capacities is not None:
        parts.append("capacities")
    raise InfeasibleError(
        f"{model}: no solution satisfies all constraints together ({', '.join(parts) or 'reach'}); "
        "relax one of them (more sites, fewer minimums, more capacity or candidates)."
    )


def _finish(
    model: str,
    prob: Problem,
    open_mask: np.ndarray,
    *,
    objective: float,
    bound: float,
    status: str,
    t0: float,
    method: str,
    covered: np.ndarray | None = None,
    assignment: tuple[np.ndarray, np.ndarray] | None = None,
    details: dict[str, Any] | None = None,
) -> SolveResult:
    assign, cost = assignment if assignment is not None else _nearest_open(prob.costs, open_mask)
    gap = _gap(objective, bound)
    if status == "optimal" and gap < 1e-12:
        gap = 0.0
    existing = prob.is_existing()
    return SolveResult(
        model=model,
        chosen=np.flatnonzero(open_mask & ~existing),
        open=np.flatnonzero(open_mask),
        objective=float(objective),
        bound=float(bound),
        gap=float(gap),
        status=status,
        runtime_s=time.perf_counter() - t0,
        method=method,
        assignment=assign,
        assigned_cost_m=cost,
        covered=covered,
        total_weight=float(prob.weights.sum()),
        details=details or {},
    )


def _common(
    costs: Any,
    weights: Any,
    existing: Any,
    forced: Any,
    excluded: Any,
    groups: Any,
    min_per_group: GroupBound,
    max_per_group: GroupBound,
    group_names: Any,
    group_kind: str,
    capacities: Any,
    demand: Any,
) -> Problem:
    return make_problem(
        costs,
        weights,
        existing=existing,
        forced=forced,
        excluded=excluded,
        groups=groups,
        min_per_group=min_per_group,
        max_per_group=max_per_group,
        group_names=group_names,
        group_kind=group_kind,
        capacities=capacities,
        demand=demand,
    )


def _reduced_cost_fixing(
    b: ModelBuilder,
    y: np.ndarray,
    offset: float,
    prob: Problem,
    incumbent: np.ndarray,
    upper_bound: float,
    gap_opts: dict[str, float | None],
) -> int:
    """Fix at 0 every site whose opening provably cannot beat the incumbent.

    Solve the LP relaxation (bound LB, reduced cost r_j of y_j): any solution with y_j = 1
    costs at least LB + r_j, so when that exceeds the incumbent's cost (minus the absolute gap
    when the objective is integral) y_j = 0 loses nothing. HiGHS does the same after its root
    cut loop; doing it first shrinks the model it starts from (pmed38: 761 of 900 sites fixed,
    2x faster). Returns the number of columns fixed.
    """
    lp = b.solve(relax=True)
    if lp.col_dual is None or lp.x is None:
        return 0
    lb = lp.objective + offset
    rc = lp.col_dual[y]
    abs_gap = gap_opts.get("mip_abs_gap") or 0.0
    threshold = upper_bound - abs_gap + 1e-6 * max(1.0, abs(upper_bound))
    can = prob.new_allowed() & ~incumbent
    can[prob.forced] = False
    fix = can & (lp.x[y] < 1e-9) & (lb + rc > threshold)
    b.fix_to_zero(y[fix])
    return int(fix.sum())


def _gap_options(
    prob: Problem, mip_gap: float | None, *, costs: bool = True
) -> dict[str, float | None]:
    """Gap settings: proven optimality by default (an absolute gap below 1 is exact when the
    objective only takes whole values: integer weights, and integer costs when ``costs``)."""
    if mip_gap is not None:
        return {"mip_gap": mip_gap}
    integral = bool(np.all(prob.weights == np.round(prob.weights))) and (
        not costs or bool(np.all(prob.costs.data == np.round(prob.costs.data)))
    )
    return {
        "mip_gap": _EXACT_REL_GAP if not integral else 0.0,
        "mip_abs_gap": 0.999 if integral else None,
    }


# ---------------------------------------------------------------------------- p-median
def _pmedian_radius_model(
    prob: Problem, p: int, row_cap_m: np.ndarray | None = None
) -> tuple[ModelBuilder, np.ndarray, float]:
    """Radius ("sorted distances") formulation of García, Labbé & Marín (2011).

    For demand i with distinct candidate costs D_i^0 < D_i^1 < … < D_i^{K-1}, continuous
    z_i^k = 1 when no open site lies within D_i^k. Minimise
    sum_i w_i (D_i^0 + sum_k (D_i^{k+1} - D_i^k) z_i^k) subject to
    z_i^0 + sum_{j: c_ij = D_i^0} y_j >= 1, z_i^k - z_i^{k-1} + sum_{j: c_ij = D_i^k} y_j >= 0,
    and for the last level sum_{j: c_ij = D_i^{K-1}} y_j >= z_i^{K-2}. Each stored pair appears
    once, so the model has about nnz + 2 * sum_i K_i nonzeros instead of the n^2 assignment
    variables of the classical formulation. Levels are cut at the nearest existing site and at
    the (N - O + 1)-th nearest candidate (N openable, O open: one of those is always open).
    """
    allowed = prob.allowed()
    m = _allowed_entries(prob.costs, allowed)
    rows_w = prob.weights > 0
    coo = m.tocoo()
    keep = rows_w[coo.row]
    r, c, d = coo.row[keep], coo.col[keep], coo.data[keep]
    order = np.lexsort((c, d, r))
    r, c, d = r[order], c[order], d[order]
    n_d = prob.n_demand
    # cut 1: nearest existing site
    cap = np.full(n_d, np.inf)
    ex_mask = prob.is_existing()
    if ex_mask.any():
        e = ex_mask[c]
        np.minimum.at(cap, r[e], d[e])
    # cut 2: (N - O + 1)-th nearest openable candidate
    n_open = p + len(prob.existing)
    t = int(allowed.sum()) - n_open + 1
    starts = np.searchsorted(r, np.arange(n_d))
    lengths = np.bincount(r, minlength=n_d)
    if t >= 1:
        has_t = lengths >= t
        idx = starts[has_t] + t - 1
        cap[has_t] = np.minimum(cap[has_t], d[idx])
    sel = d <= cap[r]
    r, c, d = r[sel], c[sel], d[sel]
    d_next = np.full(n_d, np.inf)
    if row_cap_m is not None:
        beyond = d > row_cap_m[r]
        np.minimum.at(d_next, r[beyond], d[beyond])
        r, c, d = r[~beyond], c[~beyond], d[~beyond]
    truncated = np.isfinite(d_next)
    new_level = np.ones(len(r), dtype=bool)
    new_level[1:] = (r[1:] != r[:-1]) | (d[1:] != d[:-1])
    level = np.cumsum(new_level) - 1  # global level id per entry
    lv_row = r[new_level]
    lv_d = d[new_level]
    n_lv = len(lv_row)
    row_end = np.ones(n_lv, dtype=bool)
    row_end[:-1] = lv_row[1:] != lv_row[:-1]
    # the last kept level of a truncated row keeps its z (cost up to the next distance only)
    last = row_end & ~truncated[lv_row]
    first = np.ones(n_lv, dtype=bool)
    first[1:] = lv_row[1:] != lv_row[:-1]
    nxt = np.append(lv_d[1:], np.inf)
    nxt[row_end] = d_next[lv_row[row_end]]
    zid = np.cumsum(~last) - 1  # z index of a non-last level
    n_c = prob.n_cand
    b = ModelBuilder()
    y = _site_cols(b, prob)
    nz = int((~last).sum())
    zcost = np.zeros(nz)
    nl = np.flatnonzero(~last)
    zcost[zid[nl]] = prob.weights[lv_row[nl]] * (nxt[nl] - lv_d[nl])
    b.add_cols(zcost, 0.0, INF, integer=False)
    offset = float((prob.weights[lv_row[first]] * lv_d[first]).sum())
    # triplets (model row = level, column, value)
    lv_ids = np.arange(n_lv)
    plus = np.flatnonzero(~last)
    minus = np.flatnonzero(~first)
    rows = np.concatenate([level, plus, minus])
    cols = np.concatenate([y[c], n_c + zid[plus], n_c + zid[minus - 1]])
    vals = np.concatenate([np.ones(len(level)), np.ones(len(plus)), -np.ones(len(minus))])
    a = sp.csr_matrix((vals, (rows, cols)), shape=(n_lv, b.n_cols))
    a.sort_indices()
    lower = np.where(first, 1.0, 0.0)
    del lv_ids
    b.add_rows(lower, INF, np.diff(a.indptr), a.indices, a.data)
    _count_row(b, prob, y, float(p), float(p))
    _group_rows(b, prob, y)
    return b, y, offset


def _capacitated_assignment_model(
    prob: Problem,
    m: sp.csr_matrix,
    rows_needed: np.ndarray,
    *,
    pair_cost: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None,
    maximise: bool,
    full: bool,
    site_cost: float = 0.0,
) -> tuple[ModelBuilder, np.ndarray, np.ndarray, sp.coo_matrix]:
    """Assignment formulation with capacities: x_ij in [0, 1] over stored allowed pairs.

    ``full``: every needed row is fully served (sum_j x_ij = 1), else at most once (<= 1).
    Returns the builder, y columns, x columns and the pairs (row, col) behind x.
    """
    coo = m.tocoo()
    keep = rows_needed[coo.row] & prob.allowed()[coo.col]
    pr, pc, pd_ = coo.row[keep], coo.col[keep], coo.data[keep]
    order = np.lexsort((pc, pr))
    pr, pc, pd_ = pr[order], pc[order], pd_[order]
    b = ModelBuilder(maximise=maximise)
    y = _site_cols(b, prob, site_cost)
    cost = np.zeros(len(pr)) if pair_cost is None else pair_cost(pr, pc, pd_)
    x = b.add_cols(cost, 0.0, 1.0, integer=False)
    n_x = len(x)
    # serve rows
    rr = np.flatnonzero(rows_needed)
    lens = np.bincount(pr, minlength=prob.n_demand)[rr]
    b.add_rows(1.0 if full else 0.0, 1.0, lens, x, np.ones(n_x))
    # x_ij <= y_j
    b.add_rows(
        -INF, 0.0, np.full(n_x, 2), np.column_stack([x, y[pc]]).ravel(), np.tile([1.0, -1.0], n_x)
    )
    # capacity: sum_i q_i x_ij - Q_j y_j <= 0
    dem = prob.demand if prob.demand is not None else prob.weights
    capv = prob.capacities if prob.capacities is not None else np.full(prob.n_cand, np.inf)
    order_c = np.lexsort((pr, pc))
    cols_sorted = pc[order_c]
    cnt = np.bincount(cols_sorted, minlength=prob.n_cand)
    idx_parts, val_parts, lens_c = [], [], []
    starts = np.concatenate([[0], np.cumsum(cnt)])
    for j in np.flatnonzero(cnt):
        sl = order_c[starts[j] : starts[j + 1]]
        idx_parts.append(np.concatenate([x[sl], [y[j]]]))
        val_parts.append(np.concatenate([dem[pr[sl]], [-capv[j]]]))
        lens_c.append(len(sl) + 1)
    if lens_c:
        b.add_rows(
            -INF, 0.0, np.asarray(lens_c), np.concatenate(idx_parts), np.concatenate(val_parts)
        )
    return b, y, x, sp.coo_matrix((pd_, (pr, pc)), shape=m.shape)


def _alloc_assignment(
    pairs: sp.coo_matrix, xval: np.ndarray, n_d: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: site with the largest allocated share, its cost, and the total share."""
    share = np.zeros(n_d)
    np.add.at(share, pairs.row, xval)
    assign = np.full(n_d, -1, dtype=np.int64)
    cost = np.full(n_d, np.inf)
    pos = xval > 1e-9
    r, c, d, v = pairs.row[pos], pairs.col[pos], pairs.data[pos], xval[pos]
    order = np.lexsort((-v, r))
    r, c, d = r[order], c[order], d[order]
    first = np.ones(len(r), dtype=bool)
    first[1:] = r[1:] != r[:-1]
    assign[r[first]] = c[first]
    cost[r[first]] = d[first]
    return assign, cost, share


def p_median(
    costs: Any,
    weights: Any = None,
    *,
    p: int,
    existing: Sequence[int] | None = None,
    forced: Sequence[int] | None = None,
    excluded: Sequence[int] | None = None,
    groups: Sequence[Hashable] | None = None,
    min_per_group: GroupBound = None,
    max_per_group: GroupBound = None,
    group_names: Mapping[Hashable, str] | None = None,
    group_kind: str = "group",
    capacities: Any = None,
    demand: Any = None,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    method: Method = "auto",
    truncate_levels: bool = False,
) -> SolveResult:
    """Open ``p`` new sites minimising the weighted sum of costs to the nearest open site.

    Parameters
    ----------
    costs
        Demand x candidate costs in metres (dense: ``inf``/``nan`` = out of reach; sparse: a
        missing entry is out of reach). Every demand point with weight > 0 must reach an
        openable site.
    weights
        Demand weights (e.g. households); ones when None.
    p
        Number of new sites (existing ones are extra).
    existing, forced, excluded, groups, min_per_group, max_per_group, group_names, group_kind,
    capacities, demand
        See the module docstring.
    time_limit_s
        HiGHS time limit in seconds (None: none).
    mip_gap
        Relative MIP gap at which HiGHS stops (None: HiGHS default 1e-4).
    method
        ``"exact"`` (HiGHS), ``"heuristic"`` (greedy + swap, gap against the LP bound) or
        ``"auto"`` (exact unless the model is above :data:`EXACT_MAX_NONZEROS`, heuristic also
        run when the time limit is hit).
    truncate_levels
        Start the exact model with each demand point's levels cut at its distance in the
        heuristic solution and add levels back where the optimum needs them (a smaller model
        per round, several rounds; worth it on large sparse instances, slower on small dense ones).

    Returns
    -------
    SolveResult
        ``objective`` = sum of weight x metres; ``mean_cost_m`` = objective / total weight.

    Raises
    ------
    InfeasibleError
        Demand no candidate reaches, too few candidates, group minimums or capacities that
        cannot be met (the binding one is named).
    """
    t0 = time.perf_counter()
    prob = _common(
        costs,
        weights,
        existing,
        forced,
        excluded,
        groups,
        min_per_group,
        max_per_group,
        group_names,
        group_kind,
        capacities,
        demand,
    )
    check_counts(prob, p)
    need = prob.weights > 0
    if prob.capacities is not None:
        need |= prob.demand > 0  # type: ignore[operator]
    bad = np.intersect1d(unreachable_rows(prob.costs, prob.allowed()), np.flatnonzero(need))
    if len(bad):
        raise_unreachable(
            bad,
            reach="within reach",
            fix="raise the cut-off distance, add candidates, or drop those points.",
        )
    if prob.capacities is not None:
        check_capacity(prob, np.flatnonzero(need))
        b, y, x, pairs = _capacitated_assignment_model(
            prob,
            prob.costs,
            need,
            pair_cost=lambda r, c, d: prob.weights[r] * d,
            maximise=False,
            full=True,
        )
        _count_row(b, prob, y, float(p), float(p))
        _group_rows(b, prob, y)
        out = b.solve(
            time_limit_s=time_limit_s, mip_gap=_EXACT_REL_GAP if mip_gap is None else mip_gap
        )
        if out.status == "infeasible" or out.x is None:
            if out.status == "infeasible":
                _raise_model_infeasible("p-median", prob, p)
            raise InfeasibleError(
                f"p-median: no feasible solution found within the time limit of {time_limit_s} s; "
                "raise time_limit_s."
            )
        open_mask = out.x[y] > 0.5
        assign, cost, _ = _alloc_assignment(pairs, out.x[x], prob.n_demand)
        load = np.bincount(
            pairs.col,
            weights=prob.demand[pairs.row] * out.x[x],  # type: ignore[index]
            minlength=prob.n_cand,
        )
        return _finish(
            "p_median",
            prob,
            open_mask,
            objective=out.objective,
            bound=out.bound,
            status=out.status,
            t0=t0,
            method="exact",
            assignment=(assign, cost),
            details={"capacitated": True, "bound_source": "MIP", "site_load": load},
        )

    def true_cost(mask: np.ndarray) -> float:
        _, cst = _nearest_open(prob.costs, mask)
        return float(prob.weights[need] @ cst[need])

    b, y, offset = None, None, 0.0
    use_exact = method == "exact"
    if method == "auto":
        use_exact = prob.costs.nnz * 2 <= EXACT_MAX_NONZEROS
    best_mask, best_obj, bound, status, used = None, np.inf, -np.inf, "heuristic", "heuristic"
    if use_exact:
        gap_opts = _gap_options(prob, mip_gap)
        # Start from the heuristic: it gives the warm start and, per demand point, the distance
        # at which the levels are first truncated (levels are added back where the optimum
        # needs them; a truncated model is a relaxation, so its bound stays valid).
        row_cap = None
        n_d, n_c = prob.costs.shape
        if n_d * n_c <= heuristic.MAX_DENSE_ENTRIES:
            h_mask = heuristic.pmedian_greedy_swap(prob, p, time_limit_s=time_limit_s)
            best_mask, best_obj = h_mask, true_cost(h_mask)
            if truncate_levels:
                _, row_cap = _nearest_open(prob.costs, h_mask)
        for _round in range(50):
            remaining = None if time_limit_s is None else time_limit_s - (time.perf_counter() - t0)
            if remaining is not None and remaining <= 0:
                status = "time_limit"
                break
            b, y, offset = _pmedian_radius_model(prob, p, row_cap)
            if best_mask is not None and p + len(prob.existing) <= max(
                SMALL_P_ABS, SMALL_P_SHARE * prob.n_cand
            ):
                n_fixed = _reduced_cost_fixing(b, y, offset, prob, best_mask, best_obj, gap_opts)
                logger.debug("p-median: %d candidate columns fixed at 0 by reduced costs", n_fixed)
            out = b.solve(
                time_limit_s=remaining,
                start=None if best_mask is None else best_mask.astype(float),
                start_cols=y,
                **gap_opts,
            )
            if out.status == "infeasible":
                if row_cap is None:
                    _raise_model_infeasible("p-median", prob, p)
                row_cap = None
                continue
            bound = max(bound, out.bound + offset)
            status, used = out.status, "exact"
            mask = _outcome_mask(out, y)
            if mask is None:
                break
            obj = true_cost(mask)
            if obj < best_obj:
                best_mask, best_obj = mask, obj
            if out.status != "optimal":
                break
            if row_cap is None:
                break
            _, dist = _nearest_open(prob.costs, mask)
            short = need & (dist > row_cap)
            if not short.any():
                break
            row_cap = np.where(short, np.inf, row_cap)
        if status == "optimal":
            return _finish(
                "p_median",
                prob,
                best_mask,
                objective=best_obj,
                bound=bound,
                status="optimal",
                t0=t0,
                method="exact",
                details={
                    "bound_source": "MIP",
                    "model_rows": b.n_rows,
                    "model_cols": b.n_cols,
                    "rounds": _round + 1,
                },
            )
    if method == "exact" and best_mask is not None:
        return _finish(
            "p_median",
            prob,
            best_mask,
            objective=best_obj,
            bound=bound,
            status=status,
            t0=t0,
            method="exact",
            details={"bound_source": "MIP"},
        )
    # heuristic (size threshold, or time limit hit)
    remaining = (
        None if time_limit_s is None else max(time_limit_s - (time.perf_counter() - t0), 1.0)
    )
    h_mask = heuristic.pmedian_greedy_swap(prob, p, time_limit_s=remaining)
    h_obj = true_cost(h_mask)
    src = "MIP"
    if not np.isfinite(bound):
        if b is None:
            b, y, offset = _pmedian_radius_model(prob, p)
        lp = b.solve(time_limit_s=remaining, relax=True)
        bound = lp.objective + offset if lp.x is not None else -np.inf
        src = "LP relaxation"
    if h_obj < best_obj:
        best_mask, best_obj = h_mask, h_obj
        used = "heuristic" if used == "heuristic" else "exact+heuristic"
    st = (
        "optimal"
        if _gap(best_obj, bound) <= 1e-9
        else ("time_limit" if status == "time_limit" else "heuristic")
    )
    return _finish(
        "p_median",
        prob,
        best_mask,
        objective=best_obj,
        bound=bound,
        status=st,
        t0=t0,
        method=used,
        details={"bound_source": src},
    )


# ---------------------------------------------------------------------------- MCLP
def mclp(
    costs: Any,
    weights: Any = None,
    *,
    p: int,
    max_cost_m: float | None = None,
    existing: Sequence[int] | None = None,
    forced: Sequence[int] | None = None,
    excluded: Sequence[int] | None = None,
    groups: Sequence[Hashable] | None = None,
    min_per_group: GroupBound = None,
    max_per_group: GroupBound = None,
    group_names: Mapping[Hashable, str] | None = None,
    group_kind: str = "group",
    capacities: Any = None,
    demand: Any = None,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    method: Method = "auto",
) -> SolveResult:
    """Open ``p`` new sites maximising the demand weight within ``max_cost_m`` of an open site.

    Parameters
    ----------
    costs, weights, p, existing, forced, excluded, groups, min_per_group, max_per_group,
    group_names, group_kind, time_limit_s, mip_gap, method
        As in :func:`p_median`.
    max_cost_m
        Coverage distance in metres, inclusive (None: every stored pair of a sparse matrix
        counts as covered, the cut-off of ``od_costs``).
    capacities, demand
        Capacitated MCLP: demand may be split between sites; the objective counts the covered
        share of each weight.

    Returns
    -------
    SolveResult
        ``objective`` = covered weight (existing coverage included); ``details`` holds
        ``covered_weight_before`` (existing sites only) and ``model_rows`` after merging demand
        points with identical coverage sets.

    Raises
    ------
    InfeasibleError
        Too few candidates, or group constraints that cannot be met.
    """
    t0 = time.perf_counter()
    prob = _common(
        costs,
        weights,
        existing,
        forced,
        excluded,
        groups,
        min_per_group,
        max_per_group,
        group_names,
        group_kind,
        capacities,
        demand,
    )
    check_counts(prob, p)
    cover = _allowed_entries(within(prob.costs, max_cost_m), prob.allowed())
    w = prob.weights
    ex = prob.is_existing()
    n_ex = (
        np.asarray(cover[:, np.flatnonzero(ex)].getnnz(axis=1)).ravel()
        if ex.any()
        else np.zeros(prob.n_demand)
    )
    before = n_ex > 0
    before_weight = float(w[before].sum())

    def covered_of(mask: np.ndarray) -> np.ndarray:
        return np.asarray(cover[:, np.flatnonzero(mask)].getnnz(axis=1)).ravel() > 0

    def finish(
        mask: np.ndarray,
        obj: float,
        bound: float,
        status: str,
        used: str,
        extra: dict[str, Any],
        assignment: Any = None,
        covered: Any = None,
    ) -> SolveResult:
        cov = covered_of(mask) if covered is None else covered
        if assignment is None:
            assign, cost = _nearest_open(cover, mask)
        else:
            assign, cost = assignment
        details = {
            "covered_weight_before": before_weight,
            "covered_before": before,
            "max_cost_m": max_cost_m,
            **extra,
        }
        return _finish(
            "mclp",
            prob,
            mask,
            objective=obj,
            bound=bound,
            status=status,
            t0=t0,
            method=used,
            covered=cov,
            assignment=(assign, cost),
            details=details,
        )

    if prob.capacities is not None:
        need = w > 0
        b, y, x, pairs = _capacitated_assignment_model(
            prob, cover, need, pair_cost=lambda r, c, d: w[r], maximise=True, full=False
        )
        _count_row(b, prob, y, float(p), float(p))
        _group_rows(b, prob, y)
        out = b.solve(
            time_limit_s=time_limit_s, mip_gap=_EXACT_REL_GAP if mip_gap is None else mip_gap
        )
        if out.x is None:
            if out.status == "infeasible":
                _raise_model_infeasible("MCLP", prob, p)
            raise InfeasibleError(f"MCLP: no solution within the time limit of {time_limit_s} s.")
        mask = out.x[y] > 0.5
        assign, cost, share = _alloc_assignment(pairs, out.x[x], prob.n_demand)
        return finish(
            mask,
            out.objective,
            out.bound,
            out.status,
            "exact",
            {"capacitated": True, "served_share": share, "bound_source": "MIP"},
            assignment=(assign, cost),
            covered=share >= 1 - 1e-6,
        )

    # uncapacitated: rows already covered by existing sites drop out of the model
    rows = np.flatnonzero((~before) & (w > 0) & (np.diff(cover.indptr) > 0))
    pattern, agg = _dedupe_rows(cover[rows], w[rows])
    use_exact = method == "exact" or (method == "auto" and pattern.nnz <= EXACT_MAX_NONZEROS)

    def build() -> tuple[ModelBuilder, np.ndarray]:
        b = ModelBuilder(maximise=True)
        y = _site_cols(b, prob)
        z = b.add_cols(agg, 0.0, 1.0, integer=False)
        lens = np.diff(pattern.indptr) + 1
        idx = np.empty(pattern.nnz + len(z), dtype=np.int64)
        val = np.empty(len(idx))
        starts = pattern.indptr[:-1] + np.arange(len(z))
        idx[starts] = z
        val[starts] = 1.0
        others = np.ones(len(idx), dtype=bool)
        others[starts] = False
        idx[others] = y[pattern.indices]
        val[others] = -1.0
        b.add_rows(-INF, 0.0, lens, idx, val)
        _count_row(b, prob, y, float(p), float(p))
        _group_rows(b, prob, y)
        return b, y

    extra = {"model_rows": int(pattern.shape[0]), "demand_rows_in_model": len(rows)}
    best_mask, best_obj, bound, status, used = None, -np.inf, np.inf, "heuristic", "heuristic"
    b = y = None
    if use_exact:
        b, y = build()
        out = b.solve(time_limit_s=time_limit_s, **_gap_options(prob, mip_gap, costs=False))
        if out.status == "infeasible":
            _raise_model_infeasible("MCLP", prob, p)
        bound = out.bound + before_weight
        status, used = out.status, "exact"
        mask = _outcome_mask(out, y)
        if mask is not None:
            best_mask = mask
            best_obj = float(w[covered_of(mask)].sum())
        if out.status == "optimal" or method == "exact":
            if best_mask is None:
                raise InfeasibleError(
                    f"MCLP: no solution within the time limit of {time_limit_s} s."
                )
            return finish(
                best_mask, best_obj, bound, status, "exact", {**extra, "bound_source": "MIP"}
            )
    remaining = (
        None if time_limit_s is None else max(time_limit_s - (time.perf_counter() - t0), 1.0)
    )
    h_mask = heuristic.mclp_greedy_swap(prob, cover, p, time_limit_s=remaining)
    h_obj = float(w[covered_of(h_mask)].sum())
    src = "MIP"
    if not np.isfinite(bound):
        if b is None:
            b, y = build()
        lp = b.solve(time_limit_s=remaining, relax=True)
        bound = lp.objective + before_weight if lp.x is not None else np.inf
        src = "LP relaxation"
    if h_obj > best_obj:
        best_mask, best_obj = h_mask, h_obj
        used = "heuristic" if used == "heuristic" else "exact+heuristic"
    st = (
        "optimal"
        if _gap(best_obj, bound) <= 1e-9
        else ("time_limit" if status == "time_limit" else "heuristic")
    )
    return finish(best_mask, best_obj, bound, st, used, {**extra, "bound_source": src})


# ---------------------------------------------------------------------------- LSCP
def _cover_solve(
    prob: Problem,
    cover: sp.csr_matrix,
    *,
    p_max: int | None,
    minimise: bool,
    time_limit_s: float | None,
    mip_gap: float | None,
) -> tuple[MipOutcome, np.ndarray | None, tuple[np.ndarray, np.ndarray] | None]:
    """Cover every demand row with weight > 0 (capacitated: serve it fully).

    Returns the HiGHS outcome, the open mask (or None) and, when capacitated, the assignment.
    """
    need = prob.weights > 0
    ex = prob.is_existing()
    if prob.capacities is not None:
        b, y, x, pairs = _capacitated_assignment_model(
            prob,
            cover,
            need,
            pair_cost=None,
            maximise=False,
            full=True,
            site_cost=1.0 if minimise else 0.0,
        )
        if p_max is not None:
            _count_row(b, prob, y, 0.0, float(p_max))
        _group_rows(b, prob, y)
        out = b.solve(time_limit_s=time_limit_s, mip_gap=mip_gap)
        if out.x is None:
            return out, None, None
        assign, cost, _ = _alloc_assignment(pairs, out.x[x], prob.n_demand)
        return out, out.x[y] > 0.5, (assign, cost)
    covered_ex = (
        np.asarray(cover[:, np.flatnonzero(ex)].getnnz(axis=1)).ravel() > 0
        if ex.any()
        else np.zeros(prob.n_demand, dtype=bool)
    )
    rows = np.flatnonzero(need & ~covered_ex)
    pattern, _ = _dedupe_rows(cover[rows], np.ones(len(rows)))
    b = ModelBuilder()
    y = _site_cols(b, prob, 1.0 if minimise else 0.0)
    b.add_rows(1.0, INF, np.diff(pattern.indptr), y[pattern.indices], np.ones(pattern.nnz))
    if p_max is not None:
        _count_row(b, prob, y, 0.0, float(p_max))
    _group_rows(b, prob, y)
    out = b.solve(time_limit_s=time_limit_s, mip_gap=mip_gap)
    return out, _outcome_mask(out, y), None


def lscp(
    costs: Any,
    weights: Any = None,
    *,
    max_cost_m: float | None = None,
    existing: Sequence[int] | None = None,
    forced: Sequence[int] | None = None,
    excluded: Sequence[int] | None = None,
    groups: Sequence[Hashable] | None = None,
    min_per_group: GroupBound = None,
    max_per_group: GroupBound = None,
    group_names: Mapping[Hashable, str] | None = None,
    group_kind: str = "group",
    capacities: Any = None,
    demand: Any = None,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    raise_infeasible: bool = True,
) -> SolveResult:
    """Open the fewest new sites so that every demand point is within ``max_cost_m`` of one.

    Parameters
    ----------
    costs, existing, forced, excluded, groups, min_per_group, max_per_group, group_names,
    group_kind, capacities, demand, time_limit_s, mip_gap
        As in :func:`p_median`.
    weights
        Only their sign matters: rows with weight 0 need no cover (None: all rows).
    max_cost_m
        Coverage distance in metres, inclusive (None: every stored pair counts).
    raise_infeasible
        When False, an infeasible request returns a result with ``status="infeasible"`` (and no
        sites) instead of raising.

    Returns
    -------
    SolveResult
        ``objective`` = number of new sites.

    Raises
    ------
    InfeasibleError
        Demand points with no candidate within ``max_cost_m`` (named by row), or group /
        capacity constraints that cannot be met.
    """
    t0 = time.perf_counter()
    prob = _common(
        costs,
        weights,
        existing,
        forced,
        excluded,
        groups,
        min_per_group,
        max_per_group,
        group_names,
        group_kind,
        capacities,
        demand,
    )
    cover = _allowed_entries(within(prob.costs, max_cost_m), prob.allowed())
    try:
        check_counts(prob, None)
        need = prob.weights > 0
        bad = np.intersect1d(unreachable_rows(cover, prob.allowed()), np.flatnonzero(need))
        if len(bad):
            raise_unreachable(
                bad,
                reach=f"within {max_cost_m} m",
                fix="raise the coverage distance or add candidates near them.",
            )
        check_capacity(prob, np.flatnonzero(need))
        out, mask, assignment = _cover_solve(
            prob, cover, p_max=None, minimise=True, time_limit_s=time_limit_s, mip_gap=mip_gap
        )
        if out.status == "infeasible":
            _raise_model_infeasible("LSCP", prob, None)
        if mask is None:
            raise InfeasibleError(
                f"LSCP: no cover found within the time limit of {time_limit_s} s."
            )
    except InfeasibleError as exc:
        if raise_infeasible:
            raise
        empty = np.zeros(prob.n_cand, dtype=bool)
        return _finish(
            "lscp",
            prob,
            empty,
            objective=float("nan"),
            bound=float("nan"),
            status="infeasible",
            t0=t0,
            method="exact",
            covered=np.zeros(prob.n_demand, dtype=bool),
            details={"reason": str(exc)},
        )
    n_new = float((mask & ~prob.is_existing()).sum())
    bound = out.bound - 0.0
    cov = np.asarray(cover[:, np.flatnonzero(mask)].getnnz(axis=1)).ravel() > 0
    return _finish(
        "lscp",
        prob,
        mask,
        objective=n_new,
        bound=bound,
        status=out.status,
        t0=t0,
        method="exact",
        covered=cov,
        assignment=assignment,
        details={"max_cost_m": max_cost_m, "bound_source": "MIP"},
    )


# ---------------------------------------------------------------------------- p-center
def p_center(
    costs: Any,
    weights: Any = None,
    *,
    p: int,
    existing: Sequence[int] | None = None,
    forced: Sequence[int] | None = None,
    excluded: Sequence[int] | None = None,
    groups: Sequence[Hashable] | None = None,
    min_per_group: GroupBound = None,
    max_per_group: GroupBound = None,
    group_names: Mapping[Hashable, str] | None = None,
    group_kind: str = "group",
    capacities: Any = None,
    demand: Any = None,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
) -> SolveResult:
    """Open ``p`` new sites minimising the largest cost from a demand point to its nearest site.

    Exact by bisection over the distinct costs: a radius r is feasible when a cover of every
    demand point within r needs at most ``p`` new sites (one small set-covering MILP per step,
    about log2(number of distinct costs) steps), the approach of Minieka (1970).

    Parameters
    ----------
    costs, p, existing, forced, excluded, groups, min_per_group, max_per_group, group_names,
    group_kind, capacities, demand, time_limit_s, mip_gap
        As in :func:`p_median` (``time_limit_s`` bounds the whole bisection).
    weights
        Only their sign matters: rows with weight 0 are ignored (None: all rows).

    Returns
    -------
    SolveResult
        ``objective`` = the optimal radius in metres; ``bound`` = the largest radius proven
        infeasible's successor (equal to the objective when optimal).

    Raises
    ------
    InfeasibleError
        Demand no candidate reaches, or constraints no radius can satisfy.
    """
    t0 = time.perf_counter()
    prob = _common(
        costs,
        weights,
        existing,
        forced,
        excluded,
        groups,
        min_per_group,
        max_per_group,
        group_names,
        group_kind,
        capacities,
        demand,
    )
    check_counts(prob, p)
    need = prob.weights > 0
    allowed_costs = _allowed_entries(prob.costs, prob.allowed())
    bad = np.intersect1d(unreachable_rows(allowed_costs, prob.allowed()), np.flatnonzero(need))
    if len(bad):
        raise_unreachable(
            bad,
            reach="within reach",
            fix="raise the cut-off distance, add candidates, or drop those points.",
        )
    check_capacity(prob, np.flatnonzero(need))
    sub = allowed_costs[np.flatnonzero(need)]
    radii = np.unique(sub.data)
    # lower bound: every demand point must reach some site
    row_min = np.minimum.reduceat(sub.data, sub.indptr[:-1]) if sub.nnz else np.zeros(0)
    lo = int(np.searchsorted(radii, row_min.max())) if len(row_min) else 0
    hi = len(radii) - 1
    best: tuple[int, np.ndarray, Any] | None = None
    status = "optimal"
    steps = 0

    def feasible(k: int) -> tuple[bool | None, np.ndarray | None, Any]:
        cov = within(allowed_costs, float(radii[k]))
        remaining = None if time_limit_s is None else time_limit_s - (time.perf_counter() - t0)
        if remaining is not None and remaining <= 0:
            return None, None, None
        out, mask, assignment = _cover_solve(
            prob, cov, p_max=p, minimise=False, time_limit_s=remaining, mip_gap=mip_gap
        )
        if out.status == "infeasible":
            return False, None, None
        if mask is None:
            return None, None, None
        return True, mask, assignment

    ok, mask, asg = feasible(hi)
    steps += 1
    if ok is False:
        _raise_model_infeasible("p-center", prob, p)
    if ok is None:
        raise InfeasibleError(f"p-center: no solution within the time limit of {time_limit_s} s.")
    best = (hi, mask, asg)
    while lo < hi:
        mid = (lo + hi) // 2
        ok, mask, asg = feasible(mid)
        steps += 1
        if ok is None:
            status = "time_limit"
            break
        if ok:
            hi = mid
            best = (mid, mask, asg)
        else:
            lo = mid + 1
    _, mask, asg = best
    mask = _pad_sites(prob, mask, p)
    assign, cost = asg if asg is not None else _nearest_open(allowed_costs, mask)
    radius = float(cost[need].max()) if need.any() else 0.0
    bound = float(radii[lo]) if status == "time_limit" else radius
    covered = cost <= radius
    return _finish(
        "p_center",
        prob,
        mask,
        objective=radius,
        bound=bound,
        status=status,
        t0=t0,
        method="exact",
        covered=covered,
        assignment=(assign, cost),
        details={"bisection_steps": steps, "bound_source": "bisection"},
    )


def _pad_sites(prob: Problem, mask: np.ndarray, p: int) -> np.ndarray:
    """Open further sites (greedy on weighted cost) until ``p`` new ones are open."""
    mask = mask.copy()
    n_new = int((mask & ~prob.is_existing()).sum())
    if n_new >= p:
        return mask
    ex = prob.is_existing()
    while int((mask & ~ex).sum()) < p:
        ok = heuristic._add_allowed(prob, mask, int((mask & ~ex).sum()), p)
        if not ok.any():
            break
        _, cost = _nearest_open(prob.costs, mask)
        cost = np.where(np.isfinite(cost), cost, 1e18)
        coo = prob.costs.tocoo()
        gain = np.zeros(prob.n_cand)
        np.add.at(gain, coo.col, prob.weights[coo.row] * np.maximum(cost[coo.row] - coo.data, 0.0))
        gain[~ok] = -np.inf
        mask[int(np.argmax(gain))] = True
    return mask
