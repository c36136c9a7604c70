"""Building and solving mixed-integer models with HiGHS through ``highspy``.

Why HiGHS: it is an exact branch-and-cut MILP solver under the MIT licence that ships as a
binary wheel (``highspy``) on every platform, so planners get proven optima, a dual bound and
a gap without installing a commercial solver or a separate CBC binary; it reads models as sparse
arrays directly, so no dense demand x candidate matrix or per-variable Python objects are built.

The builder below collects columns and rows as numpy arrays (rows in compressed sparse row
form) and hands them to HiGHS in one ``passModel`` call. It is public because the siting models,
community boundary adjustment and other optimisation steps share it.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from dataclasses import dataclass

import highspy
import numpy as np

from gis_planner._threads import outside_turn

__all__ = ["DEFAULT_MAX_NODES", "INF", "LIMIT_STATUSES", "MipOutcome", "ModelBuilder", "new_highs"]

logger = logging.getLogger(__name__)

INF = highspy.kHighsInf

#: HiGHS model status -> the package's status words.
_STATUS = {
    "kOptimal": "optimal",
    "kInfeasible": "infeasible",
    "kUnboundedOrInfeasible": "infeasible",
    "kUnbounded": "unbounded",
    "kTimeLimit": "time_limit",
    "kIterationLimit": "iteration_limit",
    # HiGHS reports every effort limit of its MIP search (mip_max_nodes, mip_max_leaves,
    # mip_max_improving_sols) as kSolutionLimit (HiGHS 1.4+, ERGO-Code/HiGHS pull 1085); the
    # only one set here is the node limit.
    "kSolutionLimit": "node_limit",
    "kInterrupt": "interrupted",
    "kObjectiveBound": "objective_bound",
    "kObjectiveTarget": "objective_target",
}


#: Search effort of one exact solve of the siting, elderly-care and centre models when the
#: caller gives none: branch-and-bound nodes (a solver setting, not a planning number; our
#: reading: every such solve of the demo town and of the central-Shanghai benchmark is proven
#: at the root node, so this only decides, reproducibly, where a far larger model stops before
#: the wall-clock safety valve would).
DEFAULT_MAX_NODES = 10_000

#: Statuses of a search stopped by a limit before it proved its answer: the best incumbent (if
#: any) with its gap. ``node_limit`` is reproducible (the same on any machine);
#: ``time_limit`` is not (the wall-clock safety valve bound, so the answer depends on speed).
LIMIT_STATUSES = frozenset({"node_limit", "time_limit"})


_banner_lock = threading.Lock()
_banner_done = False


def new_highs() -> highspy.Highs:
    """A silent ``Highs`` instance.

    The first instance in a process prints HiGHS's copyright banner from C++ straight to file
    descriptor 1, before any option can be set; library code must not write to stdout, so that
    one construction runs with descriptor 1 pointed at the null device.
    """
    global _banner_done
    with _banner_lock:
        if not _banner_done:
            sys.stdout.flush()
            saved = os.dup(1)
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, 1)
                h = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(devnull)
            _banner_done = True
        else:
            h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


@dataclass(frozen=True)
class MipOutcome:
    """What HiGHS returned: status word, column values (None without a solution), objective,
    best bound, relative gap and runtime in seconds.

    ``status`` is ``optimal``, ``infeasible``, ``unbounded``, ``node_limit`` (the search
    effort ran out: best incumbent and gap, reproducible), ``time_limit`` (the wall-clock
    safety valve bound: best incumbent and gap, dependent on the machine's speed) or another
    HiGHS status in lower case.
    """

    status: str
    x: np.ndarray | None
    objective: float
    bound: float
    gap: float
    runtime_s: float
    col_dual: np.ndarray | None = None  # reduced costs (LP relaxation only)
    nodes: int = 0  # branch-and-bound nodes searched (0 for an LP)


class ModelBuilder:
    """Accumulate columns and sparse rows, then solve with HiGHS.

    Columns are added in blocks (:meth:`add_cols`) and return their positions; rows are added in
    blocks given as CSR pieces (:meth:`add_rows`).
    """

    def __init__(self, *, maximise: bool = False) -> None:
        self.maximise = maximise
        self._cost: list[np.ndarray] = []
        self._lb: list[np.ndarray] = []
        self._ub: list[np.ndarray] = []
        self._int: list[np.ndarray] = []
        self._n_col = 0
        self._row_lo: list[np.ndarray] = []
        self._row_hi: list[np.ndarray] = []
        self._row_len: list[np.ndarray] = []
        self._idx: list[np.ndarray] = []
        self._val: list[np.ndarray] = []
        self._n_row = 0
        self._fixed_zero: np.ndarray = np.zeros(0, dtype=np.int64)

    @property
    def n_cols(self) -> int:
        """Number of columns so far."""
        return self._n_col

    @property
    def n_rows(self) -> int:
        """Number of rows so far."""
        return self._n_row

    def add_cols(
        self,
        cost: np.ndarray,
        lower: np.ndarray | float,
        upper: np.ndarray | float,
        *,
        integer: bool,
    ) -> np.ndarray:
        """Add ``len(cost)`` columns; return their positions."""
        cost = np.asarray(cost, dtype=np.float64)
        n = len(cost)
        self._cost.append(cost)
        self._lb.append(np.broadcast_to(np.asarray(lower, dtype=np.float64), (n,)).copy())
        self._ub.append(np.broadcast_to(np.asarray(upper, dtype=np.float64), (n,)).copy())
        self._int.append(np.full(n, bool(integer)))
        pos = np.arange(self._n_col, self._n_col + n)
        self._n_col += n
        return pos

    def add_rows(
        self,
        lower: np.ndarray | float,
        upper: np.ndarray | float,
        row_lengths: np.ndarray,
        index: np.ndarray,
        value: np.ndarray,
    ) -> None:
        """Add rows ``lower <= A x <= upper``; row r holds ``row_lengths[r]`` entries of
        ``index``/``value`` in order."""
        row_lengths = np.asarray(row_lengths, dtype=np.int64)
        n = len(row_lengths)
        if n == 0:
            return
        self._row_lo.append(np.broadcast_to(np.asarray(lower, dtype=np.float64), (n,)).copy())
        self._row_hi.append(np.broadcast_to(np.asarray(upper, dtype=np.float64), (n,)).copy())
        self._row_len.append(row_lengths)
        self._idx.append(np.asarray(index, dtype=np.int32))
        self._val.append(np.asarray(value, dtype=np.float64))
        self._n_row += n

    def add_row(
        self, lower: float, upper: float, index: np.ndarray, value: np.ndarray | float
    ) -> None:
        """Add one row ``lower <= sum(value * x[index]) <= upper``."""
        index = np.asarray(index, dtype=np.int64)
        val = np.broadcast_to(np.asarray(value, dtype=np.float64), index.shape)
        self.add_rows(lower, upper, np.array([len(index)]), index, val)

    def fix_to_zero(self, cols: np.ndarray) -> None:
        """Fix columns at 0 (upper bound 0) in later solves, e.g. by reduced-cost fixing."""
        self._fixed_zero = np.union1d(self._fixed_zero, np.asarray(cols, dtype=np.int64))

    def _lp(self, *, relax: bool) -> highspy.HighsLp:
        lp = highspy.HighsLp()
        lp.num_col_ = self._n_col
        lp.num_row_ = self._n_row
        lp.col_cost_ = np.concatenate(self._cost) if self._cost else np.zeros(0)
        lp.col_lower_ = np.concatenate(self._lb) if self._lb else np.zeros(0)
        upper = np.concatenate(self._ub) if self._ub else np.zeros(0)
        upper[self._fixed_zero] = 0.0
        lp.col_upper_ = upper
        lp.sense_ = highspy.ObjSense.kMaximize if self.maximise else highspy.ObjSense.kMinimize
        if self._n_row:
            lens = np.concatenate(self._row_len)
            start = np.zeros(len(lens) + 1, dtype=np.int64)
            np.cumsum(lens, out=start[1:])
            lp.row_lower_ = np.concatenate(self._row_lo)
            lp.row_upper_ = np.concatenate(self._row_hi)
            lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
            lp.a_matrix_.num_col_ = self._n_col
            lp.a_matrix_.num_row_ = self._n_row
            lp.a_matrix_.start_ = start.astype(np.int32)
            lp.a_matrix_.index_ = np.concatenate(self._idx).astype(np.int32)
            lp.a_matrix_.value_ = np.concatenate(self._val)
        if not relax:
            is_int = np.concatenate(self._int) if self._int else np.zeros(0, dtype=bool)
            if is_int.any():
                lp.integrality_ = [
                    highspy.HighsVarType.kInteger if b else highspy.HighsVarType.kContinuous
                    for b in is_int
                ]
        return lp

    def solve(
        self,
        *,
        time_limit_s: float | None = None,
        max_nodes: int | None = None,
        mip_gap: float | None = None,
        relax: bool = False,
        threads: int | None = None,
        mip_abs_gap: float | None = None,
        start: np.ndarray | None = None,
        start_cols: np.ndarray | None = None,
    ) -> MipOutcome:
        """Solve the model (or its LP relaxation when ``relax``) and return a :class:`MipOutcome`.

        ``max_nodes``: the search effort, branch-and-bound nodes (HiGHS ``mip_max_nodes``);
        when it binds the status is ``node_limit`` with the best incumbent and its gap. The
        answer then depends only on the model, never on the machine's speed: HiGHS's
        branch and bound runs on one thread whatever ``threads`` says (its other threads
        only run symmetry detection, whose result does not depend on their number or timing),
        and it takes no decision by the clock except ``time_limit``. ``threads`` is therefore
        not forced to 1 (HiGHS refuses a thread count other than the one its process-wide
        scheduler started with). ``time_limit_s``: wall-clock seconds, meant as a safety valve
        far above the time ``max_nodes`` takes; when it binds first the status is
        ``time_limit`` and the answer may differ between machines.
        ``start``/``start_cols``: values for some columns of a feasible solution (warm start).
        """
        t0 = time.perf_counter()
        h = new_highs()
        if time_limit_s is not None:
            h.setOptionValue("time_limit", float(max(time_limit_s, 0.01)))
        if max_nodes is not None and not relax:
            h.setOptionValue("mip_max_nodes", int(max(max_nodes, 1)))
        if mip_gap is not None:
            h.setOptionValue("mip_rel_gap", float(mip_gap))
        if threads is not None:
            h.setOptionValue("threads", int(threads))
        if mip_abs_gap is not None:
            h.setOptionValue("mip_abs_gap", float(mip_abs_gap))
        h.passModel(self._lp(relax=relax))
        if start is not None and start_cols is not None and not relax:
            # a known feasible assignment of the integer columns (warm start)
            h.setSolution(
                len(start_cols),
                np.asarray(start_cols, dtype=np.int32),
                np.asarray(start, dtype=np.float64),
            )
        with outside_turn():  # HiGHS releases the GIL: other grid jobs may run meanwhile
            h.run()
        runtime = time.perf_counter() - t0
        raw = h.getModelStatus()
        name = str(raw).split(".")[-1]
        status = _STATUS.get(name, name.removeprefix("k").lower())
        info = h.getInfo()
        has_sol = info.primal_solution_status == 2  # kSolutionStatusFeasible
        x = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_sol else None
        obj = float(info.objective_function_value) if has_sol else float("nan")
        is_mip = (not relax) and any(b.any() for b in self._int)
        nodes = int(info.mip_node_count) if is_mip else 0
        if is_mip:
            bound = float(info.mip_dual_bound)
            gap = float(info.mip_gap) if has_sol else float("inf")
        else:
            bound = obj
            gap = 0.0 if has_sol else float("inf")
        if status == "optimal":
            gap = max(0.0, gap) if np.isfinite(gap) else 0.0
        logger.debug(
            "HiGHS %s: %d cols, %d rows, status %s, obj %s, bound %s, %d nodes, %.2f s",
            "LP" if relax else "MIP",
            self._n_col,
            self._n_row,
            status,
            obj,
            bound,
            nodes,
            runtime,
        )
        dual = None
        if relax and has_sol:
            dual = np.asarray(h.getSolution().col_dual, dtype=np.float64)
        return MipOutcome(
            status=status,
            x=x,
            objective=obj,
            bound=bound,
            gap=gap,
            runtime_s=runtime,
            col_dual=dual,
            nodes=nodes,
        )
