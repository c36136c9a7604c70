"""A few threads for work that runs outside the GIL: the one place the package starts threads
for speed.

GEOS (through shapely's vectorised calls), HiGHS (``Highs.run``) and scipy's graph searches
release the GIL while they work, so independent pieces of such work (the polygons of many
facilities, the grids of many communities) finish sooner on two or more cores. Results never
depend on the number of threads: every job is independent and the results come back in the
jobs' order.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
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


class _NotStarted(Exception):
    """A job skipped because another job failed first."""


def thread_map(func: Callable[[J], R], jobs: Sequence[J], *, threads: int | None = None) -> list[R]:
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

    def run(job: J) -> R:
        if stop.is_set():
            raise _NotStarted
        try:
            return func(job)
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


__all__ = ["THREADS", "thread_map"]
