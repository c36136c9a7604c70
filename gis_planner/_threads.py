"""A few threads for work that runs outside the GIL: the one place the package starts threads
for speed.

GEOS (through shapely's vectorised calls), HiGHS (``Highs.run``) and scipy's graph searches
release the GIL while they work, so independent pieces of such work (the polygons of many
facilities, the grids of many communities) finish sooner on two or more cores. Results never
depend on the number of threads: every job is independent and the results come back in the
jobs' order.

Jobs that mix much Python with a few long solves (the grids of a community) run *one at a
time* except inside their long solves (``thread_map(..., exclusive=True)`` and
:func:`outside_turn` around the solve): two threads running Python at once only fight over the
GIL (on the generated 街道 of ``benchmarks/bench_grids.py`` that cost 40 % more CPU time and
made the run slower than one thread), while a solve in one thread and Python in the other
overlap without contention.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import TypeVar

J = TypeVar("J")
R = TypeVar("R")


def _cores() -> int:
    """Cores this process may run on (its CPU affinity where the system reports it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - macOS and Windows


#: Threads of :func:`thread_map`: the cores this process may run on, at most 4 (the memory of
#: the pieces in flight grows with it; planning laptops have 2-8 cores). Set it to 1 to run
#: every job in the calling thread.
THREADS = max(1, min(4, _cores()))


#: The turn of the job running Python, per thread (set by an exclusive :func:`thread_map`).
_turn = threading.local()


@contextlib.contextmanager
def outside_turn() -> Iterator[None]:
    """Around a long call that releases the GIL (a HiGHS solve): the other jobs of an exclusive
    :func:`thread_map` may run meanwhile. Does nothing in any other thread."""
    lock: threading.Lock | None = getattr(_turn, "lock", None)
    if lock is None:
        yield
        return
    lock.release()
    try:
        yield
    finally:
        start = time.perf_counter()
        lock.acquire()  # the wait for the turn is not this job's time (see own_clock)
        _turn.waited = getattr(_turn, "waited", 0.0) + time.perf_counter() - start


def own_clock() -> float:
    """Seconds on this thread's own clock: :func:`time.perf_counter` less the time it waited
    for its turn in an exclusive :func:`thread_map`. A job's time limits count its own work
    and solves only, so that one community's grids never depend on how long another community
    held the turn (nor on the number of threads); elsewhere it is ``perf_counter``."""
    return time.perf_counter() - getattr(_turn, "waited", 0.0)


class _NotStarted(Exception):
    """A job skipped because another job failed first."""


def thread_map(func: Callable[[J], R], jobs: Sequence[J], *, threads: int | None = None,
               exclusive: bool = False) -> list[R]:
    """``[func(job) for job in jobs]``, computed in up to ``threads`` threads (default
    :data:`THREADS`).

    Parameters
    ----------
    func
        Called once per job; the jobs must not depend on each other.
    jobs
        The jobs, started in this order; the results come back in this order.
    threads
        Threads to use; 1 (or a single job) runs every job in the calling thread.
    exclusive
        Jobs take turns: one runs at a time, except inside :func:`outside_turn` (for jobs
        whose long calls are marked so; the default suits jobs that are GEOS calls throughout).

    Raises
    ------
    Exception
        The exception of the first job that fails, at once: no job starts after it, and the
        jobs still running finish in the background (before the process exits). An interrupt
        in the calling thread (``KeyboardInterrupt``) is raised the same way.
    """
    n = min(threads if threads is not None else THREADS, len(jobs))
    if n <= 1:
        return [func(job) for job in jobs]
    stop = threading.Event()
    failures: list[BaseException] = []  # filled before ``stop`` is set
    lock = threading.Lock() if exclusive else None

    def run(job: J) -> R:
        try:
            with lock or contextlib.nullcontext():
                if stop.is_set():  # checked once the job has its turn
                    raise _NotStarted
                _turn.lock = lock
                try:
                    return func(job)
                finally:
                    _turn.lock = None
        except _NotStarted:
            raise
        except BaseException as exc:
            failures.append(exc)
            stop.set()
            raise

    pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="gis_planner")
    try:
        futures = [pool.submit(run, job) for job in jobs]
        wait(futures, return_when=FIRST_EXCEPTION)
        if failures:
            raise failures[0]
        return [f.result() for f in futures]
    finally:
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)


__all__ = ["THREADS", "outside_turn", "own_clock", "thread_map"]
