"""Greedy construction + best-improvement vertex substitution (swap) for p-median and MCLP.

Used past the exact solver's reach (a size threshold, or a time limit hit before optimality).
Both respect existing, forced and excluded candidates and per-group minimums/maximums: the greedy
phase first fills group minimums, and a swap is only taken when every group stays within bounds.
The caller reports the gap against the LP relaxation bound.

References: Teitz & Bart (1968) vertex substitution; Whitaker (1983) fast interchange using the
nearest and second-nearest open site of each demand point.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import scipy.sparse as sp

from gis_planner._errors import InputDataError
from gis_planner.siting._problem import Problem

logger = logging.getLogger(__name__)

#: Largest demand x candidate matrix (entries) the dense p-median heuristic will build.
MAX_DENSE_ENTRIES = 60_000_000


def _start(prob: Problem) -> np.ndarray:
    open_mask = prob.is_existing().copy()
    open_mask[prob.forced] = True
    return open_mask


def _add_allowed(prob: Problem, open_mask: np.ndarray, n_new: int, p: int) -> np.ndarray:
    """Candidates that may be added now (group minimum phase first, then any with room)."""
    ok = prob.new_allowed() & ~open_mask
    if n_new >= p:
        return np.zeros_like(ok)
    if len(prob.group_labels):
        counts = prob.group_counts(open_mask)
        codes = prob.group_codes
        room = np.ones(prob.n_cand, dtype=bool)
        has = codes >= 0
        room[has] = counts[codes[has]] < prob.group_max[codes[has]]
        ok &= room
        deficit = counts < prob.group_min
        if deficit.any():
            need = np.zeros(prob.n_cand, dtype=bool)
            need[has] = deficit[codes[has]]
            if (ok & need).any():
                return ok & need
    return ok


def _swap_valid(prob: Problem, open_mask: np.ndarray, outs: np.ndarray) -> np.ndarray:
    """Boolean (n_cand x len(outs)): may candidate k come in when outs[j] goes out?"""
    ok_in = prob.new_allowed() & ~open_mask
    valid = np.repeat(ok_in[:, None], len(outs), axis=1)
    if not len(prob.group_labels):
        return valid
    counts = prob.group_counts(open_mask)
    codes = prob.group_codes
    for col, j in enumerate(outs):
        gj = codes[j]
        same = codes == gj
        if gj >= 0 and counts[gj] - 1 < prob.group_min[gj]:
            valid[:, col] &= same  # j's group would drop below its minimum unless k replaces it
        room = np.ones(prob.n_cand, dtype=bool)
        has = codes >= 0
        room[has] = counts[codes[has]] + 1 <= prob.group_max[codes[has]]
        valid[:, col] &= room | same
    return valid


def mclp_greedy_swap(
    prob: Problem,
    cover: sp.csr_matrix,
    p: int,
    *,
    time_limit_s: float | None = None,
    max_iter: int = 10_000,
) -> np.ndarray:
    """Open-site mask maximising covered weight with ``p`` new sites.

    ``cover`` is the boolean demand x candidate matrix of pairs within the coverage distance.
    """
    t0 = time.perf_counter()
    w = prob.weights
    c = sp.csr_matrix(cover, dtype=np.float64)
    c.data[:] = 1.0
    cc = c.tocsc()
    ct = c.T.tocsr()
    open_mask = _start(prob)
    fixed = open_mask.copy()
    cnt = np.asarray(cc[:, np.flatnonzero(open_mask)].sum(axis=1)).ravel()
    n_new = int((open_mask & ~prob.is_existing()).sum())
    while n_new < p:
        ok = _add_allowed(prob, open_mask, n_new, p)
        if not ok.any():
            break
        gain = ct @ (w * (cnt == 0))
        gain = np.where(ok, gain, -np.inf)
        k = int(np.argmax(gain))
        open_mask[k] = True
        cnt += cc[:, [k]].toarray().ravel()
        n_new += 1
    for _ in range(max_iter):
        if time_limit_s is not None and time.perf_counter() - t0 > time_limit_s:
            break
        outs = np.flatnonzero(open_mask & ~fixed)
        if not len(outs):
            break
        w1 = w * (cnt == 1)
        loss = cc[:, outs].T @ w1
        base = ct @ (w * (cnt == 0))
        extra = (ct @ sp.diags(w1) @ cc[:, outs]).toarray()
        delta = base[:, None] + extra - loss[None, :]
        delta[~_swap_valid(prob, open_mask, outs)] = -np.inf
        k_in, col = (int(v) for v in np.unravel_index(int(np.argmax(delta)), delta.shape))
        if not delta[k_in, col] > 1e-9 * max(1.0, float(w.sum())):
            break
        j = outs[col]
        open_mask[j] = False
        open_mask[k_in] = True
        cnt += cc[:, [k_in]].toarray().ravel() - cc[:, [j]].toarray().ravel()
    logger.debug("MCLP heuristic: %.2f s", time.perf_counter() - t0)
    return open_mask


def _dense_costs(prob: Problem) -> tuple[np.ndarray, float]:
    n_d, n_c = prob.costs.shape
    if n_d * n_c > MAX_DENSE_ENTRIES:
        raise InputDataError(
            f"p-median heuristic: {n_d} demand x {n_c} candidates is above {MAX_DENSE_ENTRIES:,} "
            "pairs; aggregate demand points (e.g. per compound) or thin the candidates."
        )
    big = (float(prob.costs.data.max()) if prob.costs.nnz else 1.0) * 10 * max(n_d, 1) + 1.0
    dense = np.full((n_d, n_c), big)
    coo = prob.costs.tocoo()
    dense[coo.row, coo.col] = coo.data
    dense[:, ~prob.allowed()] = big
    return dense, big


def pmedian_greedy_swap(
    prob: Problem, p: int, *, time_limit_s: float | None = None, max_iter: int = 10_000
) -> np.ndarray:
    """Open-site mask minimising weighted distance with ``p`` new sites (dense; see module doc)."""
    t0 = time.perf_counter()
    d, big = _dense_costs(prob)
    w = prob.weights
    open_mask = _start(prob)
    fixed = open_mask.copy()
    d1 = d[:, open_mask].min(axis=1) if open_mask.any() else np.full(len(w), big * 2)
    n_new = int((open_mask & ~prob.is_existing()).sum())
    while n_new < p:
        ok = _add_allowed(prob, open_mask, n_new, p)
        if not ok.any():
            break
        cols = np.flatnonzero(ok)
        gain = (w[:, None] * np.maximum(d1[:, None] - d[:, cols], 0.0)).sum(axis=0)
        k = int(cols[int(np.argmax(gain))])
        open_mask[k] = True
        d1 = np.minimum(d1, d[:, k])
        n_new += 1
    improved = True
    it = 0
    while improved and it < max_iter:
        improved = False
        it += 1
        for j in np.flatnonzero(open_mask & ~fixed):
            if time_limit_s is not None and time.perf_counter() - t0 > time_limit_s:
                return open_mask
            others = open_mask.copy()
            others[j] = False
            rest = d[:, others].min(axis=1) if others.any() else np.full(len(w), big * 2)
            current = float(w @ np.minimum(rest, d[:, j]))
            valid = _swap_valid(prob, open_mask, np.array([j]))[:, 0]
            cols = np.flatnonzero(valid)
            if not len(cols):
                continue
            cost = w @ np.minimum(d[:, cols], rest[:, None])
            best = int(np.argmin(cost))
            if cost[best] < current - 1e-9 * max(1.0, abs(current)):
                open_mask[j] = False
                open_mask[cols[best]] = True
                improved = True
    logger.debug("p-median heuristic: %d passes, %.2f s", it, time.perf_counter() - t0)
    return open_mask
