# SPDX-License-Identifier: LGPL-2.1-or-later
"""BackgroundTask beyond wait(): done callbacks, several tasks, cancel."""

import asyncio
import hashlib
import threading

import pytest
from gi.repository import Gio, GLib, GObject, Ta

from conftest import HANG


def _run_context_until(context, predicate):
    """Iterates ``context`` on this thread until ``predicate()``; bounded."""
    timed_out = []
    timeout = GLib.timeout_source_new(int(HANG * 1000))
    timeout.set_callback(lambda *unused: timed_out.append(True) or GLib.SOURCE_REMOVE)
    timeout.attach(context)
    try:
        while not predicate() and not timed_out:
            context.iteration(True)
    finally:
        timeout.destroy()
    assert not timed_out, 'gave up waiting'


def _gated(runner):
    """A task that returns 'done' once the returned event is set."""
    gate = Ta.Event(runner)

    async def wait_for_gate():
        await gate.as_async_event().wait()
        return 'done'
    return runner.create_task(wait_for_gate()), gate


# -- done callbacks ----------------------------------------------------------------

def test_done_callback_runs_from_the_callers_glib_context(runner):
    context = GLib.MainContext.new()
    context.push_thread_default()
    try:
        task, gate = _gated(runner)
        called = []
        task.add_done_callback(lambda t: called.append((t, threading.get_ident(), t.result())))
        gate.set()
        _run_context_until(context, lambda: called)
    finally:
        context.pop_thread_default()
    assert called == [(task, threading.get_ident(), 'done')]


def test_done_callback_on_a_done_task_is_not_called_inline(runner):
    task = runner.create_task(asyncio.sleep(0, 'early'))
    assert task.wait(HANG) == 'early'
    context = GLib.MainContext.new()
    called = []
    task.add_done_callback(called.append, context=context)
    assert called == []
    _run_context_until(context, lambda: called)
    assert called == [task]


def test_done_callback_on_an_asyncio_loop(runner):
    task, gate = _gated(runner)

    async def main():
        loop = asyncio.get_running_loop()
        here = threading.get_ident()
        called = loop.create_future()
        # Given the loop explicitly, and found as the running loop.
        task.add_done_callback(lambda t: called.set_result(threading.get_ident()), loop=loop)
        second = loop.create_future()
        task.add_done_callback(lambda t: second.set_result(t.result()))
        gate.set()
        assert await asyncio.wait_for(called, HANG) == here
        return await asyncio.wait_for(second, HANG)

    assert asyncio.run(main()) == 'done'


def test_done_callback_on_the_runner_loop(runner):
    async def inner():
        return 7

    async def outer():
        loop = asyncio.get_running_loop()
        seen = loop.create_future()
        task = runner.create_task(inner())
        task.add_done_callback(lambda t: seen.set_result((t.result(), runner.in_runner_loop)))
        return await seen

    assert runner.run(outer(), HANG) == (7, True)


def test_remove_done_callback(runner):
    task, gate = _gated(runner)
    context = GLib.MainContext.new()
    removed, kept = [], []
    task.add_done_callback(removed.append, context=context)
    task.add_done_callback(removed.append, context=context)
    task.add_done_callback(kept.append, context=context)
    assert task.remove_done_callback(removed.append) == 2
    assert task.remove_done_callback(removed.append) == 0
    gate.set()
    _run_context_until(context, lambda: kept)
    assert removed == []


def test_done_callback_misuse(runner):
    task = runner.create_task(asyncio.sleep(0))
    with pytest.raises(TypeError):
        task.add_done_callback(print, context=GLib.MainContext.new(),
                               loop=asyncio.new_event_loop())
    task.wait(HANG)


def test_result_exception_cancelled_without_waiting(runner):
    task, gate = _gated(runner)
    with pytest.raises(asyncio.InvalidStateError):
        task.result()
    with pytest.raises(asyncio.InvalidStateError):
        task.exception()
    assert not task.cancelled()
    gate.set()
    task.wait(HANG)
    assert task.result() == 'done' and task.exception() is None

    async def fail():
        raise KeyError('bad')

    failed = runner.create_task(fail())
    with pytest.raises(KeyError):
        failed.wait(HANG)
    assert isinstance(failed.exception(), KeyError)
    with pytest.raises(KeyError):
        failed.result()

    blocked, unused = _gated(runner)
    blocked.cancel(wait=True, timeout=HANG)
    assert blocked.cancelled()
    with pytest.raises(asyncio.CancelledError):
        blocked.result()
    with pytest.raises(asyncio.CancelledError):
        blocked.exception()


def test_exception_counts_as_retrieved():
    async def fail():
        raise KeyError('seen')

    with Ta.Runner() as runner:
        task = runner.create_task(fail())
        context = GLib.MainContext.new()
        errors = []
        task.add_done_callback(lambda t: errors.append(t.exception()), context=context)
        _run_context_until(context, lambda: errors)
    # Leaving the runner raised nothing: the error was retrieved.
    assert isinstance(errors[0], KeyError)


# -- several tasks --------------------------------------------------------------

def test_wait_any_and_as_completed(runner):
    first, first_gate = _gated(runner)
    second, second_gate = _gated(runner)
    with pytest.raises(Ta.EventLoopTimeoutError):
        Ta.wait_any([first, second], timeout=0.01)
    second_gate.set()
    assert Ta.wait_any([first, second], timeout=HANG) is second
    completed = Ta.as_completed([first, second, second], timeout=HANG)
    assert next(completed) is second
    first_gate.set()
    assert next(completed) is first
    with pytest.raises(StopIteration):
        next(completed)


def test_as_completed_timeout_and_misuse(runner):
    task, gate = _gated(runner)
    with pytest.raises(Ta.EventLoopTimeoutError):
        list(Ta.as_completed([task], timeout=0.01))
    with pytest.raises(ValueError):
        Ta.wait_any([])
    with pytest.raises(ValueError):
        Ta.wait_any([task], timeout=-1)

    async def on_loop():
        Ta.wait_any([task])

    with pytest.raises(RuntimeError, match='asyncio'):
        runner.run(on_loop(), HANG)
    gate.set()
    assert [t.result() for t in Ta.as_completed([task], timeout=HANG)] == ['done']


def test_as_completed_forgets_its_callbacks(runner):
    task, gate = _gated(runner)
    with pytest.raises(Ta.EventLoopTimeoutError):
        Ta.wait_any([task], timeout=0)
    assert not task._ta_callbacks
    gate.set()
    task.wait(HANG)


# -- cancel ----------------------------------------------------------------------

def test_cancel_and_wait_leaves_the_task_done(runner):
    task, unused = _gated(runner)
    assert task.cancel(wait=True, timeout=HANG) is True
    assert task.done()
    with pytest.raises(asyncio.CancelledError):
        task.wait(0)
    assert task.cancel() is False


def test_cancel_without_waiting_says_so(runner):
    task, unused = _gated(runner)
    assert task.cancel() is True
    with pytest.raises(asyncio.CancelledError):
        task.wait(HANG)


def test_cancel_and_wait_times_out_on_a_task_that_goes_on(runner):
    release = Ta.Event(runner)

    async def stubborn():
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await release.as_async_event().wait()
            return 'finished anyway'

    task = runner.create_task(stubborn())
    runner.wait_for_next_eventloop_iteration(HANG)
    with pytest.raises(Ta.EventLoopTimeoutError, match='cancellation'):
        task.cancel(wait=True, timeout=0.01)
    assert not task.done()
    release.set()
    assert task.wait(HANG) == 'finished anyway'


# -- the library's value API, and the runner thread ---------------------------------

def test_queue_value_api_returns_items(runner):
    queue = Ta.Queue(runner)
    queue.put_wait(9)
    context = GLib.MainContext.new()
    context.push_thread_default()
    try:
        popped = []
        queue.pop_value_async(None, lambda q, result: popped.append(q.pop_value_finish(result)))
        _run_context_until(context, lambda: popped)
    finally:
        context.pop_thread_default()
    assert popped == [9]

    # Pushes through the value API stay the library's values, readable by
    # C and GJS consumers; they come out of get() as themselves.
    queue.push_value(GLib.Variant('s', 'for C'), -1)
    queue.push_value(5, -1)
    queue.push_front_value('head')
    assert queue.get_wait(HANG) == 'head'
    variant = queue.pop_value(-1)
    assert isinstance(variant, GLib.Variant) and variant.unpack() == 'for C'
    assert queue.get_wait(HANG) == 5
    queue.put_nowait(None)
    assert queue.try_pop_value() is None


def test_future_value_api_returns_the_result(runner):
    future = Ta.Future(runner)
    future.set_result((2,))
    assert future.get_value() == (2,)
    assert future.result_wait(HANG) == (2,)


def test_runner_thread_named_after_the_runner():
    with Ta.Runner(name='worker') as runner:
        assert runner.call_in_loop(lambda: threading.current_thread().name) == 'worker'
        assert 'worker' in [t.name for t in threading.enumerate()]
    assert 'worker' not in [t.name for t in threading.enumerate()]


# -- Ta.Executor from Python, as docs/python.md shows it ----------------------------

def _checksum(task, cancellable, data):
    if data is None:
        task.return_error(GLib.Error.new_literal(
            GLib.quark_from_string('example'), 'no data', 1))
        return
    task.return_value(GObject.Value(GObject.TYPE_PYOBJECT,
                                    (hashlib.sha256(data).hexdigest(), threading.get_ident())))


def test_executor_from_python(runner):
    executor = Ta.Executor.new('hashers', 2)
    try:
        job = executor.spawn('checksum', _checksum, b'x')
        assert job.wait(Ta.TIMEOUT_INFINITE)
        ok, (digest, thread) = job.propagate_value()
        assert ok and digest == hashlib.sha256(b'x').hexdigest()
        assert thread != threading.get_ident()

        ok, (digest, unused) = executor.run('checksum', _checksum, b'y',
                                            Ta.TIMEOUT_INFINITE).propagate_value()
        assert digest == hashlib.sha256(b'y').hexdigest()

        # The job's error is raised by run(), and by a spawned job's wait().
        with pytest.raises(GLib.Error, match='no data'):
            executor.run('checksum', _checksum, None, Ta.TIMEOUT_INFINITE)
        failed = executor.spawn('checksum', _checksum, None)
        with pytest.raises(GLib.Error, match='no data'):
            failed.wait(Ta.TIMEOUT_INFINITE)
        with pytest.raises(GLib.Error, match='no data'):
            failed.propagate_value()

        async def offload():
            loop = asyncio.get_running_loop()
            done = loop.create_future()
            # With two callbacks, PyGObject takes the job's data as a tuple.
            executor.run_async('checksum', _checksum, (b'z',), None,
                               lambda source, result: done.set_result(
                                   source.run_finish(result).propagate_value()))
            return await done

        ok, (digest, unused) = runner.run(offload(), HANG)
        assert digest == hashlib.sha256(b'z').hexdigest()
    finally:
        assert executor.shutdown(Ta.ExecutorShutdown.DRAIN, Ta.TIMEOUT_INFINITE)


def test_wait_async_from_a_glib_main_loop(runner):
    context = GLib.MainContext.new()
    context.push_thread_default()
    try:
        task, gate = _gated(runner)
        outcomes = []

        def finished(source, result, tag):
            outcomes.append((source, source.wait_finish(result), tag, threading.get_ident()))

        task.wait_async(None, finished, 'tag')
        assert outcomes == []
        gate.set()
        _run_context_until(context, lambda: outcomes)
        assert outcomes == [(task, 'done', 'tag', threading.get_ident())]

        # A cancelled wait fails; the task goes on.
        other, other_gate = _gated(runner)
        cancellable = Gio.Cancellable()
        errors = []

        def cancelled(source, result):
            try:
                source.wait_finish(result)
            except GLib.Error as error:
                errors.append(error)

        other.wait_async(cancellable, cancelled)
        cancellable.cancel()
        _run_context_until(context, lambda: errors)
        assert errors[0].matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
        assert not other.done()
        other_gate.set()
        assert other.wait(HANG) == 'done'
    finally:
        context.pop_thread_default()
