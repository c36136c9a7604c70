"""The four classic siting models on a cost matrix: p-median, MCLP, LSCP and p-center.

Each function takes costs in metres, demand x candidates, as a dense array (``inf``/``nan`` = out
of reach) or a scipy sparse matrix (package convention: a stored entry is a pair within reach,
with exact zeros stored explicitly; a missing entry is out of reach), and returns a frozen
:class:`SolveResult`. Models are built directly as sparse arrays for HiGHS (see
``gis_planner.siting.milp`` for why HiGHS), and only over stored pairs.

Existing, forced and excluded sites, bounds per unit (e.g. per sub-district), capacities and the
solver limits are one frozen :class:`SiteConstraints`, passed as ``constraints=`` or field by
field as keyword arguments (``existing=[3], groups=codes, min_per_group=1``); keywords override
the fields of ``constraints``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, Unpack

import numpy as np
import scipy.sparse as sp

from gis_planner._errors import InfeasibleError
from gis_planner.siting import heuristic
from gis_planner.siting._problem import (
    ConstraintOptions,
    Problem,
    SiteConstraints,
    check_capacity,
    check_counts,
    make_problem,
    raise_unreachable,
    resolve_constraints,
    unreachable_rows,
    within,
)
from gis_planner.siting.milp import INF, LIMIT_STATUSES, MipOutcome, ModelBuilder

__all__ = [
    "EXACT_MAX_NONZEROS",
    "ConstraintOptions",
    "SiteConstraints",
    "SolveResult",
    "lscp",
    "mclp",
    "p_center",
    "p_median",
    "within",
]

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
        ``"optimal"``, ``"node_limit"`` (the search effort ran out: reproducible),
        ``"time_limit"`` (the wall-clock safety valve bound), ``"heuristic"`` (local optimum,
        bound from the LP relaxation) or ``"infeasible"`` (only when ``raise_infeasible=False``).
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


def _reduced_cost_fixing(
    b: ModelBuilder,
    y: np.ndarray,
    offset: float,
    prob: Problem,
    *,
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
@dataclass(frozen=True)
class _Levels:
    """The distance levels of the radius formulation, one entry per (row, distinct cost)."""

    level: np.ndarray  # per kept pair: its global level id
    cols: np.ndarray  # per kept pair: candidate column
    row: np.ndarray  # per level: demand row
    dist_m: np.ndarray  # per level: cost in metres
    first: np.ndarray  # per level: first level of its row
    last: np.ndarray  # per level: last level of a row without a z column
    next_m: np.ndarray  # per level: the next level's cost (inf or the truncation distance)


def _radius_levels(prob: Problem, p: int, row_cap_m: np.ndarray | None) -> _Levels:
    """Sorted distinct costs per demand row, cut as :func:`_pmedian_radius_model` describes."""
    allowed = prob.allowed()
    coo = _allowed_entries(prob.costs, allowed).tocoo()
    keep = (prob.weights > 0)[coo.row]
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
    t = int(allowed.sum()) - (p + len(prob.existing)) + 1
    if t >= 1:
        starts = np.searchsorted(r, np.arange(n_d))
        has_t = np.bincount(r, minlength=n_d) >= t
        cap[has_t] = np.minimum(cap[has_t], d[starts[has_t] + t - 1])
    sel = d <= cap[r]
    r, c, d = r[sel], c[sel], d[sel]
    d_next = np.full(n_d, np.inf)
    if row_cap_m is not None:
        beyond = d > row_cap_m[r]
        np.minimum.at(d_next, r[beyond], d[beyond])
        r, c, d = r[~beyond], c[~beyond], d[~beyond]
    new_level = np.ones(len(r), dtype=bool)
    new_level[1:] = (r[1:] != r[:-1]) | (d[1:] != d[:-1])
    lv_row, lv_d = r[new_level], d[new_level]
    row_end = np.ones(len(lv_row), dtype=bool)
    row_end[:-1] = lv_row[1:] != lv_row[:-1]
    first = np.ones(len(lv_row), dtype=bool)
    first[1:] = lv_row[1:] != lv_row[:-1]
    nxt = np.append(lv_d[1:], np.inf)
    nxt[row_end] = d_next[lv_row[row_end]]
    # the last kept level of a truncated row keeps its z (cost up to the next distance only)
    last = row_end & ~np.isfinite(d_next)[lv_row]
    return _Levels(np.cumsum(new_level) - 1, c, lv_row, lv_d, first, last, nxt)


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
    the (N - O + 1)-th nearest candidate (N openable, O open: one of those is always open), and
    at ``row_cap_m`` per row when given (a relaxation: its bound stays valid).
    """
    lv = _radius_levels(prob, p, row_cap_m)
    n_lv = len(lv.row)
    zid = np.cumsum(~lv.last) - 1  # z index of a non-last level
    b = ModelBuilder()
    y = _site_cols(b, prob)
    nl = np.flatnonzero(~lv.last)
    zcost = np.zeros(len(nl))
    zcost[zid[nl]] = prob.weights[lv.row[nl]] * (lv.next_m[nl] - lv.dist_m[nl])
    b.add_cols(zcost, 0.0, INF, integer=False)
    offset = float((prob.weights[lv.row[lv.first]] * lv.dist_m[lv.first]).sum())
    # triplets (model row = level, column, value)
    minus = np.flatnonzero(~lv.first)
    n_c = prob.n_cand
    rows = np.concatenate([lv.level, nl, minus])
    cols = np.concatenate([y[lv.cols], n_c + zid[nl], n_c + zid[minus - 1]])
    vals = np.concatenate([np.ones(len(lv.level)), np.ones(len(nl)), -np.ones(len(minus))])
    a = sp.csr_matrix((vals, (rows, cols)), shape=(n_lv, b.n_cols))
    a.sort_indices()
    b.add_rows(np.where(lv.first, 1.0, 0.0), INF, np.diff(a.indptr), a.indices, a.data)
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


def _final_status(objective: float, bound: float, status: str) -> str:
    """Status after the heuristic ran: optimal when the bound closes the gap."""
    if _gap(objective, bound) <= 1e-9:
        return "optimal"
    return status if status in LIMIT_STATUSES else "heuristic"


def _pmedian_capacitated(
    prob: Problem, p: int, need: np.ndarray, c: SiteConstraints, t0: float
) -> SolveResult:
    """Capacitated p-median: assignment formulation, demand split between sites."""
    check_capacity(prob, np.flatnonzero(need))
    b, y, x, pairs = _capacitated_assignment_model(
        prob,
        prob.costs,
        need,
        pair_cost=lambda r, c_, d: prob.weights[r] * d,
        maximise=False,
        full=True,
    )
    _count_row(b, prob, y, float(p), float(p))
    _group_rows(b, prob, y)
    out = b.solve(
        time_limit_s=c.time_limit_s, max_nodes=c.max_nodes,
        mip_gap=_EXACT_REL_GAP if c.mip_gap is None else c.mip_gap,
    )
    if out.status == "infeasible" or out.x is None:
        if out.status == "infeasible":
            _raise_model_infeasible("p-median", prob, p)
        raise InfeasibleError(
            f"p-median: no feasible solution found within the limits ({c.max_nodes} nodes, "
            f"{c.time_limit_s} s); raise max_nodes or time_limit_s."
        )
    assign, cost, _ = _alloc_assignment(pairs, out.x[x], prob.n_demand)
    load = np.bincount(
        pairs.col,
        weights=prob.demand[pairs.row] * out.x[x],  # type: ignore[index]
        minlength=prob.n_cand,
    )
    return _finish(
        "p_median",
        prob,
        out.x[y] > 0.5,
        objective=out.objective,
        bound=out.bound,
        status=out.status,
        t0=t0,
        method="exact",
        assignment=(assign, cost),
        details={"capacitated": True, "bound_source": "MIP", "site_load": load},
    )


@dataclass
class _PMedianSearch:
    """State of one uncapacitated p-median solve: the best solution and bound found so far."""

    prob: Problem
    p: int
    need: np.ndarray
    time_limit_s: float | None
    t0: float
    max_nodes: int | None = None
    best_mask: np.ndarray | None = None
    best_obj: float = np.inf
    bound: float = -np.inf
    status: str = "heuristic"
    used: str = "heuristic"
    builder: ModelBuilder | None = None
    y: np.ndarray | None = None
    offset: float = 0.0
    rounds: int = 0

    def true_cost(self, mask: np.ndarray) -> float:
        """Weighted cost of the open sites ``mask`` over the demand that needs a site."""
        _, cst = _nearest_open(self.prob.costs, mask)
        return float(self.prob.weights[self.need] @ cst[self.need])

    def remaining_s(self) -> float | None:
        """Seconds left of the time limit (None: no limit)."""
        if self.time_limit_s is None:
            return None
        return self.time_limit_s - (time.perf_counter() - self.t0)

    def offer(self, mask: np.ndarray, objective: float, used: str) -> None:
        """Keep ``mask`` when it beats the best solution so far."""
        if objective < self.best_obj:
            self.best_mask, self.best_obj = mask, objective
            self.used = used

    def exact(self, mip_gap: float | None, *, truncate_levels: bool) -> None:
        """Solve the radius model with HiGHS, warm-started by the heuristic.

        The heuristic gives the warm start and, per demand point, the distance at which the
        levels are first truncated (``truncate_levels``); levels are added back where the
        optimum needs them (a truncated model is a relaxation, so its bound stays valid).
        """
        prob, p = self.prob, self.p
        gap_opts = _gap_options(prob, mip_gap)
        row_cap = None
        n_d, n_c = prob.costs.shape
        if n_d * n_c <= heuristic.MAX_DENSE_ENTRIES:
            h_mask = heuristic.pmedian_greedy_swap(prob, p, time_limit_s=self.time_limit_s)
            self.best_mask, self.best_obj = h_mask, self.true_cost(h_mask)
            if truncate_levels:
                _, row_cap = _nearest_open(prob.costs, h_mask)
        for rnd in range(50):
            self.rounds = rnd + 1
            remaining = self.remaining_s()
            if remaining is not None and remaining <= 0:
                self.status = "time_limit"
                return
            out = self._solve_round(row_cap, remaining, gap_opts)
            if out.status == "infeasible":
                if row_cap is None:
                    _raise_model_infeasible("p-median", prob, p)
                row_cap = None
                continue
            self.bound = max(self.bound, out.bound + self.offset)
            self.status, self.used = out.status, "exact"
            mask = None if self.y is None else _outcome_mask(out, self.y)
            if mask is None:
                return
            self.offer(mask, self.true_cost(mask), "exact")
            if out.status != "optimal" or row_cap is None:
                return
            _, dist = _nearest_open(prob.costs, mask)
            short = self.need & (dist > row_cap)
            if not short.any():
                return
            row_cap = np.where(short, np.inf, row_cap)

    def _solve_round(
        self, row_cap: np.ndarray | None, remaining: float | None, gap_opts: dict[str, float | None]
    ) -> MipOutcome:
        """Build the (possibly truncated) radius model, fix what reduced costs rule out, solve."""
        prob, p = self.prob, self.p
        b, y, offset = _pmedian_radius_model(prob, p, row_cap)
        self.builder, self.y, self.offset = b, y, offset
        if self.best_mask is not None and p + len(prob.existing) <= max(
            SMALL_P_ABS, SMALL_P_SHARE * prob.n_cand
        ):
            n_fixed = _reduced_cost_fixing(b, y, offset, prob, incumbent=self.best_mask,
                                           upper_bound=self.best_obj, gap_opts=gap_opts)
            logger.debug("p-median: %d candidate columns fixed at 0 by reduced costs", n_fixed)
        return b.solve(
            time_limit_s=remaining,
            max_nodes=self.max_nodes,
            start=None if self.best_mask is None else self.best_mask.astype(float),
            start_cols=y,
            mip_gap=gap_opts.get("mip_gap"),
            mip_abs_gap=gap_opts.get("mip_abs_gap"),
        )

    def with_heuristic(self) -> None:
        """Run greedy + swap; bound from the LP relaxation when no MIP bound exists.

        The heuristic (at most ``max_iter`` passes, to a local optimum) and the LP get the
        whole ``time_limit_s`` as their own safety valve, not what the exact phase left:
        what the exact phase left depends on the machine's speed."""
        remaining = self.time_limit_s
        h_mask = heuristic.pmedian_greedy_swap(self.prob, self.p, time_limit_s=remaining)
        self.source = "MIP"
        if not np.isfinite(self.bound):
            if self.builder is None:
                self.builder, self.y, self.offset = _pmedian_radius_model(self.prob, self.p)
            lp = self.builder.solve(time_limit_s=remaining, relax=True)
            self.bound = lp.objective + self.offset if lp.x is not None else -np.inf
            self.source = "LP relaxation"
        self.offer(
            h_mask,
            self.true_cost(h_mask),
            "heuristic" if self.used == "heuristic" else "exact+heuristic",
        )

    def result(self, status: str, method: str, details: dict[str, Any]) -> SolveResult:
        """The best solution as a :class:`SolveResult`."""
        assert self.best_mask is not None
        return _finish(
            "p_median",
            self.prob,
            self.best_mask,
            objective=self.best_obj,
            bound=self.bound,
            status=status,
            t0=self.t0,
            method=method,
            details=details,
        )


def p_median(
    costs: Any,
    weights: Any = None,
    *,
    p: int,
    constraints: SiteConstraints | None = None,
    method: Method = "auto",
    truncate_levels: bool = False,
    **options: Unpack[ConstraintOptions],
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
    constraints
        Existing, forced and excluded sites, unit bounds, capacities and solver limits: a
        :class:`SiteConstraints`; its fields may also be given as keyword arguments
        (``existing=…``, ``time_limit_s=…``), which take precedence.
    method
        ``"exact"`` (HiGHS), ``"heuristic"`` (greedy + swap, gap against the LP bound) or
        ``"auto"`` (exact unless the model is above :data:`EXACT_MAX_NONZEROS`, heuristic also
        run when the time limit is hit).
    truncate_levels
        Start the exact model with each demand point's levels cut at its distance in the
        heuristic solution and add levels back where the optimum needs them (a smaller model
        per round, several rounds; worth it on large sparse instances, slower on small dense ones).
    **options
        Fields of :class:`SiteConstraints`.

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
    c = resolve_constraints(constraints, options, what="p_median")
    prob = make_problem(costs, weights, c)
    check_counts(prob, p)
    need = prob.weights > 0
    if prob.demand is not None:
        need |= prob.demand > 0
    bad = np.intersect1d(unreachable_rows(prob.costs, prob.allowed()), np.flatnonzero(need))
    if len(bad):
        raise_unreachable(
            bad,
            reach="within reach",
            fix="raise the cut-off distance, add candidates, or drop those points.",
        )
    if prob.capacities is not None:
        return _pmedian_capacitated(prob, p, need, c, t0)
    search = _PMedianSearch(prob, p, need, c.time_limit_s, t0, max_nodes=c.max_nodes)
    use_exact = method == "exact" or (
        method == "auto" and prob.costs.nnz * 2 <= EXACT_MAX_NONZEROS
    )
    if use_exact:
        search.exact(c.mip_gap, truncate_levels=truncate_levels)
        if search.status == "optimal":
            assert search.builder is not None
            details = {
                "bound_source": "MIP",
                "model_rows": search.builder.n_rows,
                "model_cols": search.builder.n_cols,
                "rounds": search.rounds,
            }
            return search.result("optimal", "exact", details)
        if method == "exact" and search.best_mask is not None:
            return search.result(search.status, "exact", {"bound_source": "MIP"})
    # heuristic (size threshold, or time limit hit)
    search.with_heuristic()
    status = _final_status(search.best_obj, search.bound, search.status)
    return search.result(status, search.used, {"bound_source": search.source})


# ---------------------------------------------------------------------------- MCLP
@dataclass(frozen=True)
class _CoverContext:
    """One MCLP solve's coverage matrix and what the existing sites already cover."""

    prob: Problem
    cover: sp.csr_matrix
    covered_before: np.ndarray
    before_weight: float
    max_cost_m: float | None
    t0: float

    def covered_of(self, mask: np.ndarray) -> np.ndarray:
        """Per demand row, whether an open site of ``mask`` covers it."""
        return np.asarray(self.cover[:, np.flatnonzero(mask)].getnnz(axis=1)).ravel() > 0

    def weight_of(self, mask: np.ndarray) -> float:
        """Demand weight covered by the open sites ``mask``."""
        return float(self.prob.weights[self.covered_of(mask)].sum())

    def finish(
        self,
        mask: np.ndarray,
        objective: float,
        bound: float,
        *,
        status: str,
        used: str,
        extra: dict[str, Any],
        assignment: tuple[np.ndarray, np.ndarray] | None = None,
        covered: np.ndarray | None = None,
    ) -> SolveResult:
        """The solution as an MCLP :class:`SolveResult`."""
        details = {
            "covered_weight_before": self.before_weight,
            "covered_before": self.covered_before,
            "max_cost_m": self.max_cost_m,
            **extra,
        }
        return _finish(
            "mclp",
            self.prob,
            mask,
            objective=objective,
            bound=bound,
            status=status,
            t0=self.t0,
            method=used,
            covered=self.covered_of(mask) if covered is None else covered,
            assignment=_nearest_open(self.cover, mask) if assignment is None else assignment,
            details=details,
        )


def _mclp_capacitated(ctx: _CoverContext, p: int, c: SiteConstraints) -> SolveResult:
    """Capacitated MCLP: covered shares of demand, split between sites."""
    prob, w = ctx.prob, ctx.prob.weights
    b, y, x, pairs = _capacitated_assignment_model(
        prob, ctx.cover, w > 0, pair_cost=lambda r, c_, d: w[r], maximise=True, full=False
    )
    _count_row(b, prob, y, float(p), float(p))
    _group_rows(b, prob, y)
    out = b.solve(
        time_limit_s=c.time_limit_s, max_nodes=c.max_nodes,
        mip_gap=_EXACT_REL_GAP if c.mip_gap is None else c.mip_gap,
    )
    if out.x is None:
        if out.status == "infeasible":
            _raise_model_infeasible("MCLP", prob, p)
        raise InfeasibleError(f"MCLP: no solution within the limits ({c.max_nodes} nodes, "
                              f"{c.time_limit_s} s).")
    assign, cost, share = _alloc_assignment(pairs, out.x[x], prob.n_demand)
    return ctx.finish(
        out.x[y] > 0.5,
        out.objective,
        out.bound,
        status=out.status,
        used="exact",
        extra={"capacitated": True, "served_share": share, "bound_source": "MIP"},
        assignment=(assign, cost),
        covered=share >= 1 - 1e-6,
    )


def _mclp_model(
    prob: Problem, pattern: sp.csr_matrix, weight: np.ndarray, p: int
) -> tuple[ModelBuilder, np.ndarray]:
    """Maximise sum_r weight_r z_r subject to z_r <= sum_{j covers r} y_j and p new sites."""
    b = ModelBuilder(maximise=True)
    y = _site_cols(b, prob)
    z = b.add_cols(weight, 0.0, 1.0, integer=False)
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


def _mclp_uncapacitated(
    ctx: _CoverContext, p: int, c: SiteConstraints, method: Method
) -> SolveResult:
    """Uncapacitated MCLP: rows already covered by existing sites drop out of the model, rows
    with identical coverage sets merge; exact on HiGHS, greedy + swap when too large or slow."""
    prob, w, cover = ctx.prob, ctx.prob.weights, ctx.cover
    rows = np.flatnonzero((~ctx.covered_before) & (w > 0) & (np.diff(cover.indptr) > 0))
    pattern, agg = _dedupe_rows(cover[rows], w[rows])
    use_exact = method == "exact" or (method == "auto" and pattern.nnz <= EXACT_MAX_NONZEROS)
    extra = {"model_rows": int(pattern.shape[0]), "demand_rows_in_model": len(rows)}
    best_mask, best_obj, bound, status, used = None, -np.inf, np.inf, "heuristic", "heuristic"
    b = None
    if use_exact:
        b, y = _mclp_model(prob, pattern, agg, p)
        gap_opts = _gap_options(prob, c.mip_gap, costs=False)
        out = b.solve(
            time_limit_s=c.time_limit_s,
            max_nodes=c.max_nodes,
            mip_gap=gap_opts.get("mip_gap"),
            mip_abs_gap=gap_opts.get("mip_abs_gap"),
        )
        if out.status == "infeasible":
            _raise_model_infeasible("MCLP", prob, p)
        bound = out.bound + ctx.before_weight
        status, used = out.status, "exact"
        best_mask = _outcome_mask(out, y)
        if best_mask is not None:
            best_obj = ctx.weight_of(best_mask)
        if out.status == "optimal" or method == "exact":
            if best_mask is None:
                raise InfeasibleError(
                    f"MCLP: no solution within the limits ({c.max_nodes} nodes, "
                    f"{c.time_limit_s} s)."
                )
            return ctx.finish(
                best_mask, best_obj, bound, status=status, used="exact", extra={**extra, "bound_source": "MIP"}
            )
    # the heuristic (at most max_iter swaps, to a local optimum) and the LP get the whole
    # time_limit_s as their own safety valve, not what the exact phase left (which depends on
    # the machine's speed)
    remaining = c.time_limit_s
    h_mask = heuristic.mclp_greedy_swap(prob, cover, p, time_limit_s=remaining)
    h_obj = ctx.weight_of(h_mask)
    src = "MIP"
    if not np.isfinite(bound):
        if b is None:
            b, _ = _mclp_model(prob, pattern, agg, p)
        lp = b.solve(time_limit_s=remaining, relax=True)
        bound = lp.objective + ctx.before_weight if lp.x is not None else np.inf
        src = "LP relaxation"
    if h_obj > best_obj:
        best_mask, best_obj = h_mask, h_obj
        used = "heuristic" if used == "heuristic" else "exact+heuristic"
    assert best_mask is not None
    st = _final_status(best_obj, bound, status)
    return ctx.finish(best_mask, best_obj, bound, status=st, used=used, extra={**extra, "bound_source": src})


def mclp(
    costs: Any,
    weights: Any = None,
    *,
    p: int,
    max_cost_m: float | None = None,
    constraints: SiteConstraints | None = None,
    method: Method = "auto",
    **options: Unpack[ConstraintOptions],
) -> SolveResult:
    """Open ``p`` new sites maximising the demand weight within ``max_cost_m`` of an open site.

    Parameters
    ----------
    costs, weights, p, method
        As in :func:`p_median`.
    max_cost_m
        Coverage distance in metres, inclusive (None: every stored pair of a sparse matrix
        counts as covered, the cut-off of ``od_costs``).
    constraints, **options
        A :class:`SiteConstraints` and / or its fields as keyword arguments. With
        ``capacities`` (capacitated MCLP) demand may be split between sites and the objective
        counts the covered share of each weight.

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
    c = resolve_constraints(constraints, options, what="mclp")
    prob = make_problem(costs, weights, c)
    check_counts(prob, p)
    cover = _allowed_entries(within(prob.costs, max_cost_m), prob.allowed())
    ex = prob.is_existing()
    before = (
        np.asarray(cover[:, np.flatnonzero(ex)].getnnz(axis=1)).ravel() > 0
        if ex.any()
        else np.zeros(prob.n_demand, dtype=bool)
    )
    ctx = _CoverContext(prob, cover, before, float(prob.weights[before].sum()), max_cost_m, t0)
    if prob.capacities is not None:
        return _mclp_capacitated(ctx, p, c)
    return _mclp_uncapacitated(ctx, p, c, method)


# ---------------------------------------------------------------------------- LSCP
def _cover_solve(
    prob: Problem,
    cover: sp.csr_matrix,
    *,
    p_max: int | None,
    minimise: bool,
    time_limit_s: float | None,
    mip_gap: float | None,
    max_nodes: int | None = None,
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
        out = b.solve(time_limit_s=time_limit_s, max_nodes=max_nodes, mip_gap=mip_gap)
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
    out = b.solve(time_limit_s=time_limit_s, max_nodes=max_nodes, mip_gap=mip_gap)
    return out, _outcome_mask(out, y), None


def lscp(
    costs: Any,
    weights: Any = None,
    *,
    max_cost_m: float | None = None,
    constraints: SiteConstraints | None = None,
    raise_infeasible: bool = True,
    **options: Unpack[ConstraintOptions],
) -> SolveResult:
    """Open the fewest new sites so that every demand point is within ``max_cost_m`` of one.

    Parameters
    ----------
    costs, constraints, **options
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
    c = resolve_constraints(constraints, options, what="lscp")
    prob = make_problem(costs, weights, c)
    cover = _allowed_entries(within(prob.costs, max_cost_m), prob.allowed())
    try:
        out, mask, assignment = _lscp_solve(prob, cover, max_cost_m, c)
    except InfeasibleError as exc:
        if raise_infeasible:
            raise
        return _finish(
            "lscp",
            prob,
            np.zeros(prob.n_cand, dtype=bool),
            objective=float("nan"),
            bound=float("nan"),
            status="infeasible",
            t0=t0,
            method="exact",
            covered=np.zeros(prob.n_demand, dtype=bool),
            details={"reason": str(exc)},
        )
    cov = np.asarray(cover[:, np.flatnonzero(mask)].getnnz(axis=1)).ravel() > 0
    return _finish(
        "lscp",
        prob,
        mask,
        objective=float((mask & ~prob.is_existing()).sum()),
        bound=out.bound,
        status=out.status,
        t0=t0,
        method="exact",
        covered=cov,
        assignment=assignment,
        details={"max_cost_m": max_cost_m, "bound_source": "MIP"},
    )


def _lscp_solve(
    prob: Problem, cover: sp.csr_matrix, max_cost_m: float | None, c: SiteConstraints
) -> tuple[MipOutcome, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """Pre-solve checks and the set-covering MILP; raises :class:`InfeasibleError` naming why."""
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
        prob, cover, p_max=None, minimise=True, time_limit_s=c.time_limit_s, mip_gap=c.mip_gap,
        max_nodes=c.max_nodes,
    )
    if out.status == "infeasible":
        _raise_model_infeasible("LSCP", prob, None)
    if mask is None:
        raise InfeasibleError(f"LSCP: no cover found within the time limit of {c.time_limit_s} s.")
    return out, mask, assignment


# ---------------------------------------------------------------------------- p-center
def p_center(
    costs: Any,
    weights: Any = None,
    *,
    p: int,
    constraints: SiteConstraints | None = None,
    **options: Unpack[ConstraintOptions],
) -> SolveResult:
    """Open ``p`` new sites minimising the largest cost from a demand point to its nearest site.

    Exact by bisection over the distinct costs: a radius r is feasible when a cover of every
    demand point within r needs at most ``p`` new sites (one small set-covering MILP per step,
    about log2(number of distinct costs) steps), the approach of Minieka (1970).

    Parameters
    ----------
    costs, p, constraints, **options
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
    c = resolve_constraints(constraints, options, what="p_center")
    prob = make_problem(costs, weights, c)
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
    search = _RadiusSearch(prob, allowed_costs, p, c, t0)
    sub = allowed_costs[np.flatnonzero(need)]
    radii = np.unique(sub.data)
    # lower bound: every demand point must reach some site
    row_min = np.minimum.reduceat(sub.data, sub.indptr[:-1]) if sub.nnz else np.zeros(0)
    lo = int(np.searchsorted(radii, row_min.max())) if len(row_min) else 0
    lo, status, (mask, asg) = search.bisect(radii, lo)
    mask = _pad_sites(prob, mask, p)
    assign, cost = asg if asg is not None else _nearest_open(allowed_costs, mask)
    radius = float(cost[need].max()) if need.any() else 0.0
    return _finish(
        "p_center",
        prob,
        mask,
        objective=radius,
        bound=float(radii[lo]) if status in LIMIT_STATUSES else radius,
        status=status,
        t0=t0,
        method="exact",
        covered=cost <= radius,
        assignment=(assign, cost),
        details={"bisection_steps": search.steps, "bound_source": "bisection"},
    )


_Cover = tuple[np.ndarray, "tuple[np.ndarray, np.ndarray] | None"]


@dataclass
class _RadiusSearch:
    """Bisection over candidate radii for p-center: one set-covering MILP per radius."""

    prob: Problem
    allowed_costs: sp.csr_matrix
    p: int
    constraints: SiteConstraints
    t0: float
    steps: int = 0
    limit: str = "time_limit"  # the limit that stopped the last undecided step

    def feasible(self, radius_m: float) -> tuple[bool | None, _Cover | None]:
        """Whether ``p`` new sites can cover all demand within ``radius_m`` (None: a limit,
        named in ``self.limit``, stopped the solve undecided)."""
        self.steps += 1
        limit = self.constraints.time_limit_s
        remaining = None if limit is None else limit - (time.perf_counter() - self.t0)
        if remaining is not None and remaining <= 0:
            self.limit = "time_limit"
            return None, None
        out, mask, assignment = _cover_solve(
            self.prob,
            within(self.allowed_costs, radius_m),
            p_max=self.p,
            minimise=False,
            time_limit_s=remaining,
            mip_gap=self.constraints.mip_gap,
            max_nodes=self.constraints.max_nodes,
        )
        if out.status == "infeasible":
            return False, None
        if mask is None:
            self.limit = "node_limit" if out.status == "node_limit" else "time_limit"
            return None, None
        return True, (mask, assignment)

    def bisect(self, radii: np.ndarray, lo: int) -> tuple[int, str, _Cover]:
        """Smallest feasible radius index in ``radii[lo:]``: (lower index, status, its cover)."""
        hi = len(radii) - 1
        ok, best = self.feasible(float(radii[hi]))
        if ok is False:
            _raise_model_infeasible("p-center", self.prob, self.p)
        if ok is None or best is None:
            raise InfeasibleError(
                "p-center: no solution within the limits "
                f"({self.constraints.max_nodes} nodes, {self.constraints.time_limit_s} s)."
            )
        while lo < hi:
            mid = (lo + hi) // 2
            ok, cover = self.feasible(float(radii[mid]))
            if ok is None:
                return lo, self.limit, best
            if ok and cover is not None:
                hi, best = mid, cover
            else:
                lo = mid + 1
        return lo, "optimal", best


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
