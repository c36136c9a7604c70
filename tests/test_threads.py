"""``thread_map``: results in the jobs' order, the first failing job's error, no job started
after a failure, and one thread meaning the calling thread."""

from __future__ import annotations

import threading

import pytest

from gis_planner._threads import THREADS, thread_map


def test_results_come_back_in_the_jobs_order():
    release = threading.Event()

    def job(i):
        if i == 0:  # the first job ends last
            assert release.wait(timeout=60)
        elif i == 5:
            release.set()
        return i * i

    assert thread_map(job, list(range(6)), threads=2) == [i * i for i in range(6)]


def test_jobs_run_in_several_threads_at_once():
    both = threading.Barrier(2, timeout=60)  # passes only when two jobs run at the same time

    def job(_):
        both.wait()
        return threading.current_thread().name

    names = thread_map(job, [0, 1], threads=2)
    assert len(set(names)) == 2
    assert threading.current_thread().name not in names


def test_one_thread_runs_in_the_calling_thread():
    me = threading.current_thread()
    assert thread_map(lambda _: threading.current_thread(), [1, 2, 3], threads=1) == [me] * 3
    assert thread_map(lambda _: threading.current_thread(), [1]) == [me]
    assert thread_map(lambda j: j, []) == []
    assert 1 <= THREADS <= 4


def test_a_failing_job_raises_at_once_and_no_later_job_starts():
    release = threading.Event()
    started = []

    def job(i):
        started.append(i)
        if i == 0:  # holds its thread until the test has seen the failure
            assert release.wait(timeout=60)
            return i
        if i == 1:
            raise ValueError("job 1 failed")
        return i  # pragma: no cover - must never start

    try:
        with pytest.raises(ValueError, match="job 1 failed"):
            thread_map(job, list(range(6)), threads=2)
        assert sorted(started) == [0, 1]  # raised while job 0 still runs; jobs 2-5 never ran
    finally:
        release.set()


def test_exclusive_jobs_take_turns_except_outside_their_turn():
    """With ``exclusive=True`` a job runs alone until it steps outside its turn (as a HiGHS
    solve does); then the next job runs, and the first waits for its turn to come back."""
    from gis_planner._threads import outside_turn

    other_ran = threading.Event()
    seen = []
    state = {"first_in_python": False}

    def job(i):
        if i == 0:
            state["first_in_python"] = True
            state["first_in_python"] = False
            with outside_turn():
                assert other_ran.wait(timeout=60)  # job 1 runs while job 0 waits out here
            state["first_in_python"] = True
            return "first"
        seen.append(state["first_in_python"])  # job 0 was outside its turn, never in Python
        other_ran.set()
        return "second"

    assert thread_map(job, [0, 1], threads=2, exclusive=True) == ["first", "second"]
    assert seen == [False]


def test_outside_turn_does_nothing_outside_exclusive_jobs():
    from gis_planner._threads import outside_turn

    def job(i):
        with outside_turn():  # no turn to give back: neither releases nor waits
            return i

    assert thread_map(job, [1, 2], threads=2) == [1, 2]
    assert job(3) == 3


def test_the_wait_for_a_turn_is_not_the_jobs_own_time(monkeypatch):
    """``own_clock`` leaves out the time a job waits to take its turn back after a solve
    outside it (another community's Python held it): a job's time limits count its own work,
    so its result does not depend on another job. A fake clock makes it exact."""
    import types

    from gis_planner import _threads

    now = [100.0]
    monkeypatch.setattr(_threads, "time", types.SimpleNamespace(perf_counter=lambda: now[0]))

    class BusyTurn:  # taking the turn back takes 5 s: another job held it
        def release(self) -> None:
            pass

        def acquire(self) -> None:
            now[0] += 5.0

    waited = getattr(_threads._turn, "waited", 0.0)
    _threads._turn.lock = BusyTurn()
    try:
        start = _threads.own_clock()
        with _threads.outside_turn():
            now[0] += 2.0  # the job's own solve
        now[0] += 1.0  # and its own Python after it
        assert _threads.own_clock() - start == pytest.approx(3.0)
        assert now[0] == pytest.approx(108.0)  # the wall clock counts the wait too
    finally:
        _threads._turn.lock = None
        _threads._turn.waited = waited
