# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python callables run on an executor's workers with Executor.invoke()."""

import threading

import pytest
from gi.repository import GLib, Gio, Ta

from conftest import HANG, HANG_US, executor_fixture

executor = executor_fixture('pytest-invoke', 2)


class Outcomes:
    """The completions of jobs, recorded where they run."""

    def __init__(self):
        self.calls = []

    def done(self, key):
        def record(result, error):
            self.calls.append((key, result, error, threading.get_ident(),
                               GLib.MainContext.get_thread_default()))
        return record

    def wait(self, n, context=None):
        context = context or GLib.MainContext.default()
        deadline = GLib.get_monotonic_time() + HANG_US
        while len(self.calls) < n:
            assert GLib.get_monotonic_time() < deadline, 'the jobs did not complete'
            context.iteration(True)


def test_result_comes_back_to_the_caller(executor):
    ran_on = []
    outcomes = Outcomes()

    def add(a, b):
        ran_on.append(threading.get_ident())
        return a + b

    assert executor.invoke(add, 2, 3, done=outcomes.done('add'))
    outcomes.wait(1)
    [(key, result, error, thread, _context)] = outcomes.calls
    assert (key, result, error) == ('add', 5, None)
    assert thread == threading.get_ident()
    assert ran_on and ran_on[0] != threading.get_ident()


def test_exception_reaches_done_as_it_is(executor):
    raised = ValueError('bad input')
    outcomes = Outcomes()

    def fail():
        raise raised

    executor.invoke(fail, done=outcomes.done('fail'))
    outcomes.wait(1)
    [(_key, result, error, _thread, _context)] = outcomes.calls
    assert result is None
    assert error is raised
    assert error.__traceback__ is not None


def test_many_jobs_each_complete_once(executor):
    outcomes = Outcomes()
    n = 1000
    for i in range(n):
        executor.invoke(pow, i, 2, done=outcomes.done(i))
    outcomes.wait(n)
    assert sorted(key for key, *_ in outcomes.calls) == list(range(n))
    assert all(result == key ** 2 and error is None
               for key, result, error, _thread, _context in outcomes.calls)
    assert {thread for *_, thread, _context in outcomes.calls} == {threading.get_ident()}


def test_done_runs_in_the_callers_thread_default_context(executor):
    outcomes = Outcomes()
    seen = {}

    def caller():
        context = GLib.MainContext.new()
        context.push_thread_default()
        try:
            seen['thread'] = threading.get_ident()
            seen['context'] = context
            for i in range(50):
                executor.invoke(str, i, done=outcomes.done(i))
            outcomes.wait(50, context)
        finally:
            context.pop_thread_default()

    thread = threading.Thread(target=caller)
    thread.start()
    thread.join(HANG)
    assert not thread.is_alive()
    assert len(outcomes.calls) == 50
    for key, result, error, ran_on, context in outcomes.calls:
        assert (result, error) == (str(key), None)
        assert ran_on == seen['thread']
        assert context == seen['context']


def test_workers_hold_the_interpreter_lock_only_while_running_python(executor):
    # Two jobs meet at a barrier: each must run Python while the other
    # waits, and the main thread runs Python meanwhile too.
    barrier = threading.Barrier(3, timeout=HANG)
    outcomes = Outcomes()
    for i in range(2):
        executor.invoke(barrier.wait, done=outcomes.done(i))
    mine = barrier.wait()
    outcomes.wait(2)
    theirs = {result for _key, result, *_ in outcomes.calls}
    assert theirs | {mine} == {0, 1, 2}

    # A worker blocked in a C call leaves the interpreter to the others.
    release = threading.Event()
    blocked = threading.Event()

    def block():
        blocked.set()
        return release.wait(HANG)

    executor.invoke(block, done=outcomes.done('block'))
    assert blocked.wait(HANG)
    counted = sum(range(100_000))   # pure Python, on the main thread
    release.set()
    outcomes.wait(3)
    assert outcomes.calls[-1][1] is True
    assert counted == 4_999_950_000


def test_shutdown_cancels_the_jobs_that_never_started():
    executor = Ta.Executor.new('pytest-invoke-cancel', 1)
    outcomes = Outcomes()
    started = threading.Event()
    release = threading.Event()
    ran = []

    def first():
        started.set()
        return release.wait(HANG)

    executor.invoke(first, done=outcomes.done('first'))
    assert started.wait(HANG)
    for i in range(5):
        executor.invoke(ran.append, i, done=outcomes.done(i))

    # The shutdown takes the queued jobs out at once, then waits for the
    # running one, which the main thread releases.
    stopper = threading.Thread(
        target=executor.shutdown, args=(Ta.ExecutorShutdown.CANCEL, HANG_US))
    stopper.start()
    deadline = GLib.get_monotonic_time() + HANG_US
    while executor.get_n_queued() > 0:
        assert GLib.get_monotonic_time() < deadline
        GLib.MainContext.default().iteration(False)
    release.set()
    stopper.join(HANG)
    assert not stopper.is_alive()

    outcomes.wait(6)
    assert ran == []
    by_key = {key: (result, error) for key, result, error, *_ in outcomes.calls}
    assert by_key['first'] == (True, None)
    for i in range(5):
        result, error = by_key[i]
        assert result is None
        assert error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)


def test_refused_after_shutdown():
    executor = Ta.Executor.new('pytest-invoke-refused', 1)
    executor.shutdown(Ta.ExecutorShutdown.DRAIN, HANG_US)
    outcomes = Outcomes()
    with pytest.raises(GLib.Error) as info:
        executor.invoke(print, 'never', done=outcomes.done('never'))
    assert info.value.matches(Ta.error_quark(), Ta.Error.NOT_RUNNING)
    while GLib.MainContext.default().iteration(False):
        pass
    assert outcomes.calls == []


def test_needs_callables(executor):
    with pytest.raises(TypeError):
        executor.invoke(None, done=print)
    with pytest.raises(TypeError):
        executor.invoke(print, done=None)
    with pytest.raises(TypeError):
        executor.invoke(print)
