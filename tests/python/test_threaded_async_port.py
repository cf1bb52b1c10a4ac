# SPDX-License-Identifier: LGPL-2.1-or-later
"""Code written for threaded_async runs on Ta once its import is changed.

Everything here goes through ``compat/threaded_async``, a package that only
re-exports the Ta override under threaded_async's module and class names,
and checks the behaviours threaded_async users rely on.
"""

import asyncio
import logging
import os
import sys
import threading
import time
import warnings

import pytest

from conftest import HANG

sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'compat'))

from threaded_async import async_utils  # noqa: E402
from threaded_async import control_inversion  # noqa: E402
from threaded_async import threaded_async  # noqa: E402
from threaded_async import timers  # noqa: E402
import threaded_async as package  # noqa: E402


def test_package_names():
    for name in ('AsyncRunner', 'BackgroundTask', 'Event', 'Future', 'Queue',
                 'EventLoopTimeoutError', 'ExceptionGroup', 'ShutdownType',
                 'Server', 'Client', 'ExecutionRequest', 'USE_DEFAULT_TIMEOUT',
                 'ForcedThreadShutdown'):
        assert hasattr(package, name), name
    assert {member.name for member in threaded_async.ShutdownType} >= {
        'NOT_SHUT_DOWN', 'STOPPED', 'FORCE_STOPPED', 'FAILED_FORCE_STOPPED', 'UNKNOWN'}


# -- async_utils ---------------------------------------------------------------

async def _wait_for_or_cancel_case(complete, cancel, timeout):
    """The awaitable completes once ``complete`` is set, the cancel event is
    set once ``cancel`` is: each an asyncio.Event the test sets, or None."""
    cancel_event = asyncio.Event()

    async def work():
        await complete.wait()
        return 12

    async def canceller():
        await cancel.wait()
        cancel_event.set()

    helper = asyncio.ensure_future(canceller())
    try:
        return await async_utils.wait_for_or_cancel(work(), cancel_event, timeout)
    finally:
        helper.cancel()


def test_wait_for_or_cancel_result_before_cancel():
    async def main():
        complete, cancel = asyncio.Event(), asyncio.Event()
        complete.set()
        return await _wait_for_or_cancel_case(complete, cancel, HANG)
    assert asyncio.run(main()) == 12


def test_wait_for_or_cancel_cancel_before_result():
    async def main():
        complete, cancel = asyncio.Event(), asyncio.Event()
        cancel.set()
        return await _wait_for_or_cancel_case(complete, cancel, HANG)
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(main())


def test_wait_for_or_cancel_timeout():
    async def main():
        never, never_either = asyncio.Event(), asyncio.Event()
        return await _wait_for_or_cancel_case(never, never_either, 0.01)
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(main())


def test_wait_for_or_cancel_cancels_the_awaitable():
    async def main():
        started, cancel_event = asyncio.Event(), asyncio.Event()
        cancelled = False

        async def work():
            nonlocal cancelled
            started.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled = True
                raise

        async def canceller():
            await started.wait()
            cancel_event.set()

        helper = asyncio.ensure_future(canceller())
        with pytest.raises(asyncio.CancelledError):
            await async_utils.wait_for_or_cancel(work(), cancel_event)
        await helper
        await asyncio.sleep(0)  # the cancelled work runs its except clause
        return cancelled
    assert asyncio.run(main())


def test_wait_for_or_cancel_raises_the_error_of_the_awaitable():
    async def main():
        async def work():
            raise KeyError('work')
        return await async_utils.wait_for_or_cancel(work(), asyncio.Event())
    with pytest.raises(KeyError, match='work'):
        asyncio.run(main())


def test_wait_for_or_cancel_with_ta_event_on_runner():
    with threaded_async.AsyncRunner() as runner:
        cancel = threaded_async.Event(runner)

        async def work():
            await asyncio.Event().wait()

        task = runner.create_task(async_utils.wait_for_or_cancel(work(), cancel))
        cancel.set()
        with pytest.raises(asyncio.CancelledError):
            task.wait(HANG)


def _run_or_raise(coroutine_first, raiser_raises):
    """Which side finishes first is ordered by events, never by time: the
    other one only goes on once the raiser returned without raising."""
    order = []

    async def main():
        coroutine_may_finish = asyncio.Event()
        raiser_may_finish = asyncio.Event()

        async def coroutine():
            try:
                await coroutine_may_finish.wait()
            except asyncio.CancelledError:
                order.append('coroutine cancelled')
                raise
            order.append('coroutine')
            return 42

        async def raiser():
            try:
                await raiser_may_finish.wait()
            except asyncio.CancelledError:
                order.append('raiser cancelled')
                raise
            order.append('raiser')
            if raiser_raises:
                raise ValueError('raiser')
            coroutine_may_finish.set()

        (coroutine_may_finish if coroutine_first else raiser_may_finish).set()
        try:
            return await async_utils.run_or_raise(coroutine(), raiser())
        finally:
            # What was cancelled runs its except clause.
            for _ in range(3):
                await asyncio.sleep(0)

    try:
        return asyncio.run(main()), order
    except ValueError as error:
        return error, order


def test_run_or_raise_coroutine_first():
    result, order = _run_or_raise(coroutine_first=True, raiser_raises=True)
    assert result == 42
    assert order == ['coroutine', 'raiser cancelled']


def test_run_or_raise_raiser_first_raises():
    error, order = _run_or_raise(coroutine_first=False, raiser_raises=True)
    assert isinstance(error, ValueError) and str(error) == 'raiser'
    assert order == ['raiser', 'coroutine cancelled']


def test_run_or_raise_raiser_first_returns():
    result, order = _run_or_raise(coroutine_first=False, raiser_raises=False)
    assert result == 42
    assert order == ['raiser', 'coroutine']


def test_run_or_raise_cancelled_caller_cancels_both():
    async def main():
        cancelled = []

        async def forever(name):
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.append(name)
                raise

        outer = asyncio.ensure_future(
            async_utils.run_or_raise(forever('coroutine'), forever('raiser')))
        await asyncio.sleep(0)
        outer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await outer
        await asyncio.sleep(0)
        return sorted(cancelled)
    assert asyncio.run(main()) == ['coroutine', 'raiser']


# -- timers ----------------------------------------------------------------------

def test_timer_counts_down():
    timer = timers.TimeoutTimer(timeout=HANG)
    with timer:
        first = timer.remaining
        # The monotonic clock moved on: remaining time went down.
        start = time.monotonic()
        while time.monotonic() == start:
            pass
        second = timer.remaining
    assert HANG >= first > second > 0


def test_timer_never_below_zero():
    with timers.TimeoutTimer(0.0) as timer:
        assert timer.remaining == 0.0


def test_timer_none_and_negative_pass_through():
    with timers.TimeoutTimer(None) as timer:
        assert timer.remaining is None
    with timers.TimeoutTimer(threaded_async.USE_DEFAULT_TIMEOUT) as timer:
        assert timer.remaining == threaded_async.USE_DEFAULT_TIMEOUT


def test_timer_misuse():
    timer = timers.TimeoutTimer(1.0)
    with pytest.raises(RuntimeError):
        timer.remaining  # noqa: B018 - not entered
    with timer:
        pass
    with pytest.raises(RuntimeError):
        timer.__enter__()


# -- AsyncRunner -----------------------------------------------------------------

def _start_blocking_task(runner, release):
    """A task that blocks the runner's thread until ``release`` is set."""
    blocking = threading.Event()

    async def block():
        blocking.set()
        assert release.wait(HANG)

    task = runner.create_task(block())
    assert blocking.wait(HANG)
    return task


def test_run_and_timeout():
    async def plus_one(x):
        await asyncio.sleep(0)
        return x + 1

    with threaded_async.AsyncRunner() as runner:
        assert runner.run(plus_one(3)) == 4
        with pytest.raises(threaded_async.EventLoopTimeoutError):
            runner.run(asyncio.Event().wait(), timeout=0.01)


def test_in_runner_loop():
    with threaded_async.AsyncRunner() as runner:
        assert not runner.in_runner_loop
        assert runner.call_in_loop(lambda: runner.in_runner_loop)

        async def elsewhere():
            return runner.in_runner_loop
        assert not asyncio.run(elsewhere())


def test_task_done_and_wait_twice():
    with threaded_async.AsyncRunner() as runner:
        event = threaded_async.Event(runner)

        async def await_event():
            await event.as_async_event().wait()
            return 'done'

        task = runner.create_task(await_event())
        assert not task.done()
        event.set()
        assert event.is_set()
        assert task.wait(HANG) == 'done'
        assert task.done()
        assert task.wait() == 'done'


@pytest.mark.parametrize('how', ['default', 'override'])
def test_wait_for_next_eventloop_iteration_timeout(how):
    release = threading.Event()
    default = 0.01 if how == 'default' else HANG
    with threaded_async.AsyncRunner(call_in_loop_timeout=default) as runner:
        task = _start_blocking_task(runner, release)
        with pytest.raises(threaded_async.EventLoopTimeoutError) as caught:
            if how == 'default':
                runner.wait_for_next_eventloop_iteration()
            else:
                runner.wait_for_next_eventloop_iteration(timeout=0.01)
        assert 'block' in str(caught.value)
        release.set()
        task.wait(timeout=None)


def test_wait_for_next_eventloop_iteration_no_timeout():
    release = threading.Event()
    with threaded_async.AsyncRunner(call_in_loop_timeout=0.01) as runner:
        task = _start_blocking_task(runner, release)
        # Released well after the default timeout would have expired: the
        # wait without a timeout outlasts it.
        releaser = threading.Timer(0.2, release.set)
        releaser.start()
        runner.wait_for_next_eventloop_iteration(timeout=None)
        assert release.is_set()
        task.wait(timeout=None)
        releaser.join()


def test_errors_and_cancellation():
    async def fail(i):
        raise ValueError(i)

    async def raise_cancelled():
        raise asyncio.CancelledError()

    with threaded_async.AsyncRunner() as runner:
        with pytest.raises(ValueError):
            runner.create_task(fail(0)).wait(HANG)
        with pytest.raises(asyncio.CancelledError):
            runner.create_task(raise_cancelled()).wait(HANG)
        task = runner.create_task(asyncio.sleep(HANG))
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            task.wait(HANG)


def test_wait_repeatedly_after_timeouts():
    with threaded_async.AsyncRunner() as runner:
        release = threading.Event()
        task = _start_blocking_task(runner, release)
        for _ in range(2):
            with pytest.raises(threaded_async.EventLoopTimeoutError):
                task.wait(0.01)
        release.set()
        assert task.wait(HANG) is None


def test_exit_cancels_and_reraises():
    cancelled = threading.Event()

    async def sleep_forever():
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def fail(i):
        raise ValueError(i)

    with pytest.raises(threaded_async.ExceptionGroup) as caught:
        with threaded_async.AsyncRunner() as runner:
            sleeper = runner.create_task(sleep_forever())
            for i in range(10):
                runner.create_task(fail(i))
            runner.wait_for_next_eventloop_iteration()
    assert {e.args[0] for e in caught.value.exceptions} == set(range(10))
    assert cancelled.is_set()
    with pytest.raises(asyncio.CancelledError):
        sleeper.wait()
    assert runner.shutdown_type == threaded_async.ShutdownType.STOPPED


def test_shutdown_force():
    busy = threading.Event()

    async def busy_wait():
        busy.set()
        while True:
            time.sleep(0.001)

    # Expected, so silent: threaded_async's own suite runs with warnings
    # turned into errors.
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        with threaded_async.AsyncRunner(exit_timeout=0.2,
                                        log_forced_shutdown_stack_trace=False) as runner:
            runner.create_task(busy_wait())
            assert busy.wait(HANG)
    assert runner.shutdown_type == threaded_async.ShutdownType.FORCE_STOPPED
    assert runner.shutdown_type.force_stop_attempted()


def test_shutdown_force_failed():
    # A thread blocked in C (here waiting on a threading.Event) cannot be
    # brought down until it returns to Python.
    release = threading.Event()
    with pytest.warns(RuntimeWarning, match='FAILED_FORCE_STOPPED'):
        with threaded_async.AsyncRunner(exit_timeout=0.1) as runner:
            _start_blocking_task(runner, release)
    assert runner.shutdown_type == threaded_async.ShutdownType.FAILED_FORCE_STOPPED
    release.set()

    release = threading.Event()
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        with threaded_async.AsyncRunner(exit_timeout=0.1,
                                        log_forced_shutdown_stack_trace=False) as runner:
            _start_blocking_task(runner, release)
    assert runner.shutdown_type == threaded_async.ShutdownType.FAILED_FORCE_STOPPED
    release.set()


def test_forced_shutdown_logs_the_stuck_stack(caplog):
    busy = threading.Event()

    async def stuck_in_here():
        busy.set()
        while True:
            time.sleep(0.001)

    for log in (True, False):
        caplog.clear()
        busy.clear()
        with caplog.at_level(logging.ERROR, logger='gi.overrides.Ta'):
            with warnings.catch_warnings(record=True) as warned:
                warnings.simplefilter('always')
                with threaded_async.AsyncRunner(
                        exit_timeout=0.2, log_forced_shutdown_stack_trace=log) as runner:
                    runner.create_task(stuck_in_here())
                    assert busy.wait(HANG)
        # Warned about only when it is not expected.
        assert [w.category for w in warned] == ([RuntimeWarning] if log else [])
        logged = [r.getMessage() for r in caplog.records]
        if log:
            assert len(logged) == 1
            assert 'stuck_in_here' in logged[0]
            assert 'time.sleep' in logged[0]
        else:
            assert logged == []


def test_debug_mode():
    for debug in (True, False):
        with threaded_async.AsyncRunner(debug=debug) as runner:
            assert runner.call_in_loop(lambda: runner.loop.get_debug()) is debug


# -- Event, Future, Queue -------------------------------------------------------

def test_event_future_queue():
    with threaded_async.AsyncRunner() as runner:
        event = threaded_async.Event(runner)
        runner.call_in_loop(event.as_async_event().set)
        assert event.wait(HANG)

        future = threaded_async.Future[int](runner)
        task = runner.create_task(future.result())
        future.set_exception(ValueError('no'))
        with pytest.raises(ValueError, match='no'):
            task.wait(HANG)
        future = threaded_async.Future[int](runner)
        runner.call_in_loop(lambda: future.set_result(1))
        assert future.result_wait(HANG) == 1

        queue = threaded_async.Queue(runner, maxsize=1)

        async def produce():
            await queue.put(3)
            await queue.put(4)

        async def consume():
            await queue.get()
            return await queue.get()

        producer = runner.create_task(produce())
        assert runner.create_task(consume()).wait(HANG) == 4
        producer.wait(HANG)
        queue.put_wait(5)
        assert queue.get_wait(HANG) == 5


# -- control_inversion ------------------------------------------------------------

class _AsyncServer(control_inversion.Server):
    def __init__(self):
        super().__init__()
        self.futures = []

    def _handle_request(self, request, future):
        self.futures.append(future)


class _SyncServer(_AsyncServer):
    def _handle_request(self, request, future):
        super()._handle_request(request, future)
        try:
            future.set_result(request.fun(*request.args, **request.kw_args))
        except Exception as error:
            future.set_exception(error)


def test_control_inversion():
    async def many(client):
        total = 0
        for i in range(100):
            total += await client.execute(lambda x: x + 1, i)
        return total

    with _SyncServer() as server:
        assert server.event_loop_timeout is None
        server.event_loop_timeout = 600.0
        assert server.event_loop_timeout == 600.0
        task = server.create_background_task(many(server.create_client()))
        for _ in range(100):
            assert server.process()
        assert not server.process()
        assert task.wait(HANG) == 5050


def test_control_inversion_delayed_answer_and_shutdown():
    async def ask(client):
        return await client.execute(lambda: 1)

    with _AsyncServer() as server:
        task = server.create_background_task(ask(server.create_client()))
        assert server.process()
        assert not server.process()
        with pytest.raises(TimeoutError):
            task.wait(0.01)
        server.futures[0].set_result(10)
        assert task.wait(HANG) == 10
        unanswered = server.create_background_task(ask(server.create_client()))
        assert server.process()
    with pytest.raises(asyncio.CancelledError):
        unanswered.wait()
