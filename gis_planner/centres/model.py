"""Assigning service functions to idle spaces: the mixed-integer model, on plain arrays.

Solved exactly by HiGHS (as every model of the package: proven optima with bound and gap, from a
binary wheel). Variables, for spaces ``k`` and functions ``f``:

- ``open[k]`` in {0, 1}: the space is used (its whole usable area becomes community service
  floor area); ``put[k, f]`` in {0, 1}: function ``f`` is placed in space ``k``;
- ``new[i, f]`` in [0, 1]: demand row ``i`` (a compound) is newly within ``f``'s walking limit
  (only rows not already served by an existing facility of ``f``);
- ``closed[c] >= 0``: m² of community ``c``'s floor-area gap closed;
- ``got[c, f]`` in [0, 1]: community ``c`` gets its required function ``f``.

Rows: a function only in an open space, an open space holds at least one function; the rooms of
the functions placed fit the space's area; functions needing the ground floor or a lift are kept
out of upper floors without one (their ``put`` is fixed at 0); pairs that must stay apart never
share a space; a space and the merged space it is part of are not both used; the budget and the
number of sites; ``new[i, f] <= sum of put[k, f]`` over spaces within reach; ``closed[c] <=`` the
open area in ``c`` and ``<=`` its gap; ``got[c, f] <= sum of put[k, f]`` over spaces in ``c``.

Objective (maximise): demand newly within reach, summed over functions; plus ``weight_m2`` per m²
of gap closed; plus ``weight_required`` per required (community, function) met; minus a tiny cost
term that picks the cheaper of equal answers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from gis_planner._errors import InputDataError
from gis_planner.siting.milp import DEFAULT_MAX_NODES, ModelBuilder


@dataclass(frozen=True)
class CentreProblem:
    """The model's data. Shapes: ``n_k`` spaces, ``n_f`` functions, ``n_i`` demand rows, ``n_c``
    communities.

    ``reach[f]``: sparse (n_i x n_k) boolean, space within function f's limit of row i;
    ``served_before[i, f]``: row already served by an existing facility; ``weight[i, f]``: demand
    of row i for f (households, elderly …); ``area_m2[k]``, ``cost[k]``, ``fits[k, f]`` (floor
    rule), ``min_area_m2[f]``; ``apart``: pairs of function positions; ``exclusive``: groups of
    space positions of which at most one is used (a merged space and its parts);
    ``community[k]``: community position of each space (-1: none); ``gap_m2[c]``;
    ``required[c, f]``: community c should get f and has none.
    """

    reach: tuple[sp.csr_matrix, ...]
    served_before: np.ndarray
    weight: np.ndarray
    area_m2: np.ndarray
    cost: np.ndarray
    fits: np.ndarray
    min_area_m2: np.ndarray
    apart: tuple[tuple[int, int], ...]
    exclusive: tuple[tuple[int, ...], ...]
    community: np.ndarray
    gap_m2: np.ndarray
    required: np.ndarray


@dataclass(frozen=True)
class CentreSolution:
    """``put[k, f]`` and ``open[k]`` (bool), ``new[i, f]`` (0-1), ``closed_m2[c]``, ``got[c, f]``;
    HiGHS's status, objective, bound, gap and runtime (s); ``score``: the objective without the
    tie-breaking cost term."""

    put: np.ndarray
    open: np.ndarray
    new: np.ndarray
    closed_m2: np.ndarray
    got: np.ndarray
    status: str
    objective: float
    score: float
    bound: float
    gap: float
    runtime_s: float


def _check(p: CentreProblem) -> tuple[int, int, int, int]:
    n_i, n_f = p.weight.shape
    n_k = len(p.area_m2)
    n_c = len(p.gap_m2)
    if len(p.reach) != n_f or any(r.shape != (n_i, n_k) for r in p.reach):
        raise InputDataError("centres model: one reach matrix (rows x spaces) per function is needed.")
    if p.fits.shape != (n_k, n_f) or p.served_before.shape != (n_i, n_f) or p.required.shape != (n_c, n_f):
        raise InputDataError("centres model: fits, served_before and required do not match the sizes.")
    for name, arr in (("area_m2", p.area_m2), ("cost", p.cost), ("min_area_m2", p.min_area_m2),
                      ("weight", p.weight), ("gap_m2", p.gap_m2)):
        if not np.isfinite(arr).all() or (arr < 0).any():
            raise InputDataError(f"centres model: {name} must be finite and >= 0.")
    return n_i, n_f, n_k, n_c


def solve_centres(p: CentreProblem, *, max_sites: int | None = None, budget: float | None = None,
                  weight_m2: float = 0.0, weight_required: float | None = None,
                  time_limit_s: float = 30.0, mip_gap: float = 1e-6,
                  max_nodes: int | None = DEFAULT_MAX_NODES) -> CentreSolution:
    """Solve the assignment of functions to spaces (see the module docstring).

    Parameters
    ----------
    max_sites, budget
        At most this many spaces used; total cost at most ``budget``. At least one is required.
    weight_m2
        Objective weight of one m² of floor-area gap closed (in demand units).
    weight_required
        Weight of one required (community, function) met; default the total demand plus one,
        so that meeting a requirement comes before any coverage.
    time_limit_s, mip_gap
        HiGHS limits (s; relative gap). ``time_limit_s`` is a safety valve: when it binds the
        status is ``time_limit`` and the answer may depend on the machine's speed.
    max_nodes
        Search effort, branch-and-bound nodes (None: no limit); when it binds the status is
        ``node_limit`` with the best incumbent and its gap, the same on any machine.

    Raises
    ------
    InputDataError
        Shapes that do not match, negative values, neither a budget nor a number of sites.
    """
    n_i, n_f, n_k, n_c = _check(p)
    if max_sites is None and budget is None:
        raise InputDataError("centres: give a number of sites or a budget (otherwise every space is used).")
    total = float(p.weight.sum())
    w_req = total + 1.0 if weight_required is None else float(weight_required)
    eps = 1e-6 / max(1.0, float(p.cost.sum()))
    mb = ModelBuilder(maximise=True)
    open_ = mb.add_cols(-eps * p.cost, 0.0, 1.0, integer=True)
    put = mb.add_cols(np.zeros(n_k * n_f), 0.0, p.fits.astype(float).ravel(), integer=True).reshape(n_k, n_f)
    # new[i, f] only where the row is not served yet and some space reaches it
    new_cols: list[tuple[int, int, int]] = []  # (column, i, f)
    for f in range(n_f):
        r = p.reach[f].tocsr()
        rows = np.flatnonzero((np.diff(r.indptr) > 0) & ~p.served_before[:, f] & (p.weight[:, f] > 0))
        if len(rows) == 0:
            continue
        cols = mb.add_cols(p.weight[rows, f], 0.0, 1.0, integer=False)
        for col, i in zip(cols, rows, strict=True):
            new_cols.append((int(col), int(i), f))
            k = r.indices[r.indptr[i]:r.indptr[i + 1]]
            # new[i, f] - sum_k put[k, f] <= 0
            mb.add_row(-np.inf, 0.0, np.concatenate([[col], put[k, f]]),
                       np.concatenate([[1.0], -np.ones(len(k))]))
    closed = mb.add_cols(np.full(n_c, weight_m2), 0.0, p.gap_m2, integer=False)
    req_c, req_f = np.nonzero(p.required)
    got = mb.add_cols(np.full(len(req_c), w_req), 0.0, 1.0, integer=False)
    for k in range(n_k):
        # put[k, f] <= open[k]; open[k] <= sum_f put[k, f]; rooms fit the area
        for f in range(n_f):
            mb.add_row(-np.inf, 0.0, np.array([put[k, f], open_[k]]), np.array([1.0, -1.0]))
        mb.add_row(-np.inf, 0.0, np.concatenate([[open_[k]], put[k]]), np.concatenate([[1.0], -np.ones(n_f)]))
        mb.add_row(-np.inf, 0.0, np.concatenate([put[k], [open_[k]]]),
                   np.concatenate([p.min_area_m2, [-p.area_m2[k]]]))
        for a, b in p.apart:
            mb.add_row(-np.inf, 1.0, np.array([put[k, a], put[k, b]]), np.ones(2))
    for group in p.exclusive:
        mb.add_row(-np.inf, 1.0, open_[list(group)], np.ones(len(group)))
    if max_sites is not None:
        mb.add_row(-np.inf, float(max_sites), open_, np.ones(n_k))
    if budget is not None:
        mb.add_row(-np.inf, float(budget), open_, p.cost)
    for c in range(n_c):
        ks = np.flatnonzero(p.community == c)
        mb.add_row(-np.inf, 0.0, np.concatenate([[closed[c]], open_[ks]]),
                   np.concatenate([[1.0], -p.area_m2[ks]]))
    for got_col, req_com, req_fn in zip(got, req_c, req_f, strict=True):
        ks = np.flatnonzero(p.community == req_com)
        mb.add_row(-np.inf, 0.0, np.concatenate([[got_col], put[ks, req_fn]]),
                   np.concatenate([[1.0], -np.ones(len(ks))]))
    out = mb.solve(time_limit_s=time_limit_s, max_nodes=max_nodes, mip_gap=mip_gap)
    x = out.x if out.x is not None else np.zeros(mb.n_cols)
    new = np.zeros((n_i, n_f))
    for new_col, row, fn in new_cols:
        new[row, fn] = x[new_col]
    got_m = np.zeros((n_c, n_f))
    got_m[req_c, req_f] = x[got]
    open_v = x[open_] > 0.5
    score = out.objective + eps * float(p.cost[open_v].sum()) if out.x is not None else float("nan")
    return CentreSolution(put=x[put] > 0.5, open=open_v, new=np.clip(new, 0, 1), closed_m2=x[closed], got=got_m,
                          status=out.status, objective=out.objective, score=score, bound=out.bound, gap=out.gap,
                          runtime_s=out.runtime_s)
