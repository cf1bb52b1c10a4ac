# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ta.Runner from Python: coroutines on the runner, threaded_async's API."""

import asyncio
import gc
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
import warnings

import pytest
from gi.repository import GLib, Ta

from conftest import HANG


async def add_one_later(x):
    await asyncio.sleep(0.01)
    return x + 1


# -- running coroutines -------------------------------------------------------

def test_run_awaitable(runner):
    assert runner.run(add_one_later(3)) == 4


def test_create_task_nested(runner):
    async def bar(x):
        await asyncio.sleep(0.01)
        return await add_one_later(x + 1)

    task = runner.create_task(bar(3))
    assert task.wait(HANG) == 5
    assert task.done()
    # Waiting again returns the same result.
    assert task.wait() == 5


def test_run_from_many_threads(runner):
    # Each run() wakes the loop as it starts waiting; wakes that meet
    # (one thread's while another's iteration runs) lose no task.
    async def echo(value):
        await asyncio.sleep(0)
        return value

    results = {}

    def caller(index):
        results[index] = [runner.run(echo((index, i)), timeout=HANG) for i in range(200)]

    threads = [threading.Thread(target=caller, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG)
        assert not thread.is_alive()
    assert results == {index: [(index, i) for i in range(200)] for index in range(4)}


def test_asyncio_debug_mode(runner, caplog):
    # Debug mode takes asyncio's full iteration, which times callbacks.
    runner.call_in_loop(lambda: runner.loop.set_debug(True))
    runner.call_in_loop(lambda: setattr(runner.loop, 'slow_callback_duration', 0.01))

    async def slow():
        time.sleep(0.05)    # blocks the loop: reported as slow
        await asyncio.sleep(0.001)
        return 'done'

    try:
        with caplog.at_level('WARNING', logger='asyncio'):
            assert runner.run(slow(), timeout=HANG) == 'done'
    finally:
        runner.call_in_loop(lambda: runner.loop.set_debug(False))
    assert any('took' in record.getMessage() for record in caplog.records)


def test_runs_on_the_runner_thread(runner):
    main = threading.get_ident()

    async def where():
        return threading.get_ident(), runner.in_runner_loop, asyncio.get_running_loop()

    ident, in_loop, loop = runner.run(where())
    assert ident != main
    assert in_loop
    assert loop is runner.loop
    assert not runner.in_runner_loop


def test_in_runner_loop_from_call_in_loop(runner):
    assert runner.call_in_loop(lambda: runner.in_runner_loop)


def test_in_runner_loop_separate_loop(runner):
    async def in_loop():
        return runner.in_runner_loop

    assert not asyncio.run(in_loop())


def test_many_tasks_concurrently(runner):
    async def square(x):
        await asyncio.sleep(0)
        return x * x

    tasks = [runner.create_task(square(i)) for i in range(500)]
    assert sum(t.wait(HANG) for t in tasks) == sum(i * i for i in range(500))


def test_any_awaitable(runner):
    # A future created on the loop is an awaitable, not a coroutine.
    future = runner.call_in_loop(lambda: runner.loop.create_future())
    task = runner.create_task(future)
    runner.call_in_loop(lambda: future.set_result('done'))
    assert task.wait(HANG) == 'done'
    with pytest.raises(TypeError):
        runner.create_task(lambda: None)


def test_task_done_after_loop_catches_up(runner):
    event = Ta.Event(runner)

    async def await_event():
        await event.as_async_event().wait()

    task = runner.create_task(await_event())
    assert not task.done()
    event.set()
    # is_set() lets the loop catch up: the waiting task has finished.
    assert event.is_set()
    assert task.done()


# -- asyncio, for real, on the runner's GMainContext --------------------------

def test_asyncio_primitives(runner):
    async def producer_consumer():
        queue = asyncio.Queue(maxsize=1)
        done = asyncio.Event()
        received = []

        async def consume():
            while len(received) < 5:
                received.append(await queue.get())
            done.set()

        consumer = asyncio.create_task(consume())
        for i in range(5):
            await queue.put(i)
        await asyncio.wait_for(done.wait(), HANG)
        await consumer
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.Event().wait(), 0.01)
        return received

    assert runner.run(producer_consumer(), timeout=HANG) == [0, 1, 2, 3, 4]


def test_asyncio_timers_in_order(runner):
    async def timers():
        loop = asyncio.get_running_loop()
        fired = []
        done = loop.create_future()
        for delay in (0.03, 0.01, 0.02):
            loop.call_later(delay, fired.append, delay)
        loop.call_later(0.04, done.set_result, None)
        await done
        return fired

    assert runner.run(timers(), timeout=HANG) == [0.01, 0.02, 0.03]


def test_asyncio_sockets(runner):
    async def echo_round_trip():
        async def echo(reader, writer):
            writer.write(await reader.readline())
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(echo, '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection('127.0.0.1', port)
        writer.write(b'hello ta-glib\n')
        line = await reader.readline()
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()
        return line

    assert runner.run(echo_round_trip(), timeout=HANG) == b'hello ta-glib\n'


def test_readiness_seen_among_wakes(runner):
    # Iterations that only answer a wake skip asking the selector; data
    # that arrives meanwhile must still be read.
    a, b = socket.socketpair()
    a.setblocking(False)

    async def read(n):
        loop = asyncio.get_running_loop()
        got = b''
        while len(got) < n:
            got += await loop.sock_recv(a, n - len(got))
        return got

    try:
        reader = runner.create_task(read(100))
        for _ in range(100):
            b.send(b'x')
            runner.run(asyncio.sleep(0), timeout=HANG)
        assert reader.wait(HANG) == b'x' * 100
    finally:
        a.close()
        b.close()


def test_run_coroutine_threadsafe_from_main_thread(runner):
    future = asyncio.run_coroutine_threadsafe(add_one_later(41), runner.loop)
    assert future.result(HANG) == 42


def test_run_in_executor(runner):
    async def offload():
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, threading.get_ident)

    ident = runner.run(offload(), timeout=HANG)
    assert ident not in (threading.get_ident(), runner.call_in_loop(threading.get_ident))


def test_glib_sources_interleave_with_asyncio(runner):
    async def glib_timeout_wakes_coroutine():
        loop = asyncio.get_running_loop()
        fired = loop.create_future()
        context = GLib.MainContext.get_thread_default()
        assert context is not None

        source = GLib.timeout_source_new(10)
        source.set_callback(lambda *unused: fired.set_result('glib') or GLib.SOURCE_REMOVE)
        source.attach(context)
        # Meanwhile asyncio keeps running.
        ticks = 0
        while not fired.done():
            ticks += 1
            await asyncio.sleep(0.001)
        return fired.result(), ticks > 0

    assert runner.run(glib_timeout_wakes_coroutine(), timeout=HANG) == ('glib', True)


def test_thread_state_kept_between_callbacks(runner):
    local = threading.local()

    def store():
        local.value = 'kept'

    runner.call_in_loop(store)
    assert runner.call_in_loop(lambda: getattr(local, 'value', None)) == 'kept'
    assert runner.call_in_loop(asyncio.get_running_loop) is runner.loop


# -- call_in_loop ---------------------------------------------------------------

def test_call_in_loop_returns_and_raises(runner):
    assert runner.call_in_loop(lambda: 'result') == 'result'
    error = KeyError('the original')

    def fail():
        raise error

    with pytest.raises(KeyError) as info:
        runner.call_in_loop(fail)
    assert info.value is error


def test_call_in_loop_default_timeout(blocker):
    with Ta.Runner(call_in_loop_timeout=0.05) as runner:
        assert runner.call_in_loop_timeout == 0.05
        runner.create_task(blocker.block())
        assert blocker.entered.wait(HANG)
        with pytest.raises(Ta.EventLoopTimeoutError) as info:
            runner.call_in_loop(lambda: None)
        assert isinstance(info.value, TimeoutError)
        blocker.release.set()


def test_call_in_loop_explicit_timeout(runner, blocker):
    runner.create_task(blocker.block())
    assert blocker.entered.wait(HANG)
    with pytest.raises(Ta.EventLoopTimeoutError):
        runner.call_in_loop(lambda: None, timeout=0.02)
    blocker.release.set()
    assert runner.call_in_loop(lambda: 'later', timeout=None) == 'later'


# -- waiting ------------------------------------------------------------------

def test_wait_for_next_eventloop_iteration(blocker):
    with Ta.Runner(call_in_loop_timeout=0.05) as runner:
        runner.wait_for_next_eventloop_iteration()
        task = runner.create_task(blocker.block())
        assert blocker.entered.wait(HANG)
        # The default timeout, then an explicit one.
        with pytest.raises(Ta.EventLoopTimeoutError) as info:
            runner.wait_for_next_eventloop_iteration()
        assert 'block' in str(info.value)
        with pytest.raises(Ta.EventLoopTimeoutError):
            runner.wait_for_next_eventloop_iteration(timeout=0.01)
        blocker.release.set()
        # No timeout: waits for as long as it takes.
        runner.wait_for_next_eventloop_iteration(timeout=None)
        task.wait(None)


def test_wait_repeatedly_after_timeouts(runner):
    gate = runner.call_in_loop(asyncio.Event)

    async def go():
        await gate.wait()
        return 'ok'

    task = runner.create_task(go())
    with pytest.raises(Ta.EventLoopTimeoutError):
        task.wait(0.01)
    with pytest.raises(Ta.EventLoopTimeoutError):
        task.wait(0.01)
    assert not task.done()
    runner.call_in_loop(gate.set)
    assert task.wait(HANG) == 'ok'


def test_run_timeout_leaves_task_running(runner):
    gate = runner.call_in_loop(asyncio.Event)
    finished = threading.Event()

    async def slow():
        await gate.wait()
        finished.set()

    with pytest.raises(Ta.EventLoopTimeoutError):
        runner.run(slow(), timeout=0.01)
    runner.call_in_loop(gate.set)
    assert finished.wait(HANG)


def test_waiting_on_the_runner_loop_is_refused(runner):
    async def misuse():
        task = runner.create_task(asyncio.sleep(0))
        with pytest.raises(RuntimeError):
            task.wait()
        with pytest.raises(RuntimeError):
            runner.run(asyncio.sleep(0))
        # Awaiting is the way.
        await task
        return 'refused'

    assert runner.run(misuse(), timeout=HANG) == 'refused'


def test_await_task_on_the_runner(runner):
    async def outer():
        inner = runner.create_task(add_one_later(1))
        return await inner

    assert runner.run(outer(), timeout=HANG) == 2


# -- errors and cancellation --------------------------------------------------

def test_exception_comes_back_as_itself(runner):
    error = ValueError('foo')

    async def fail():
        raise error

    task = runner.create_task(fail())
    with pytest.raises(ValueError) as info:
        task.wait(HANG)
    assert info.value is error
    # Retrieved: not reported again at exit.


def test_cancel_task(runner):
    task = runner.create_task(asyncio.sleep(HANG))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        task.wait(HANG)
    assert task.done()


def test_cancel_before_it_started(runner, blocker):
    runner.create_task(blocker.block())
    assert blocker.entered.wait(HANG)
    task = runner.create_task(asyncio.sleep(HANG))
    task.cancel()
    blocker.release.set()
    with pytest.raises(asyncio.CancelledError):
        task.wait(HANG)


def test_cancelled_error_raised_by_coroutine(runner):
    async def raise_cancelled():
        raise asyncio.CancelledError()

    with pytest.raises(asyncio.CancelledError):
        runner.create_task(raise_cancelled()).wait(HANG)


def test_coroutine_may_refuse_cancellation(runner):
    async def stubborn():
        try:
            await asyncio.sleep(HANG)
        except asyncio.CancelledError:
            return 'kept going'

    task = runner.create_task(stubborn())
    runner.wait_for_next_eventloop_iteration()
    task.cancel()
    assert task.wait(HANG) == 'kept going'


def test_wait_after_shutdown():
    with Ta.Runner() as runner:
        task = runner.create_task(asyncio.sleep(HANG))
    with pytest.raises(asyncio.CancelledError):
        task.wait()


def test_cancel_outstanding_tasks_at_exit():
    with Ta.Runner() as runner:
        task = runner.create_task(asyncio.sleep(HANG))
        runner.run(asyncio.sleep(0.01))
    with pytest.raises(asyncio.CancelledError):
        task.wait()
    assert runner.shutdown_type == Ta.ShutdownType.STOPPED


def test_asyncio_tasks_cancelled_at_exit():
    cancelled = threading.Event()

    async def sleep_forever():
        try:
            while True:
                await asyncio.sleep(1.0)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def start_inner(event):
        asyncio.create_task(sleep_forever())
        event.set()
        await asyncio.sleep(HANG)

    with Ta.Runner() as runner:
        event = Ta.Event(runner)
        runner.create_task(start_inner(event))
        event.wait(HANG)
    assert cancelled.is_set()


def test_unretrieved_errors_raised_together():
    errors = [ValueError(i) for i in range(10)]

    async def fail(i):
        raise errors[i]

    with pytest.raises(ExceptionGroup) as info:  # noqa: F821
        with Ta.Runner() as runner:
            tasks = [runner.create_task(fail(i)) for i in range(10)]
            # One is retrieved, and not reported again.
            with pytest.raises(ValueError):
                tasks[3].wait(HANG)
            runner.run(asyncio.sleep(0.01))
    reported = info.value.exceptions
    assert len(reported) == 9
    assert {id(e) for e in reported} == {id(e) for i, e in enumerate(errors) if i != 3}
    assert Ta.ExceptionGroup is ExceptionGroup  # noqa: F821


def test_library_task_errors_join_the_group():
    def fail(task, cancellable, data):
        task.return_error(GLib.Error.new_literal(Ta.error_quark(), 'C-level', Ta.Error.FAILED))

    with pytest.raises(ExceptionGroup) as info:  # noqa: F821
        with Ta.Runner() as runner:
            runner.spawn('c-task', fail, None, None)
            runner.wait_for_next_eventloop_iteration()
    (error,) = info.value.exceptions
    assert isinstance(error, GLib.Error) and error.message == 'C-level'


# -- life cycle -------------------------------------------------------------------

def test_properties_and_shutdown_type():
    runner = Ta.Runner(exit_timeout=2.5, call_in_loop_timeout=None, name='props')
    assert runner.props.name == 'props'
    assert runner.exit_timeout == 2.5
    assert runner.call_in_loop_timeout is None
    runner.exit_timeout = None
    assert runner.exit_timeout is None
    runner.exit_timeout = 1.0
    assert not runner.is_running
    assert runner.shutdown_type == Ta.ShutdownType.NOT_SHUT_DOWN
    with runner:
        assert runner.is_running
        with pytest.raises(RuntimeError):
            runner.start()
    assert not runner.is_running
    assert runner.shutdown_type is Ta.ShutdownType.STOPPED
    assert runner.shutdown_type.name == 'STOPPED'
    # Stopping again is harmless.
    runner.stop()


def test_work_refused_when_not_running():
    runner = Ta.Runner()
    with pytest.raises(Ta.RunnerNotRunningError):
        runner.call_in_loop(lambda: None)
    with pytest.raises(Ta.RunnerNotRunningError):
        runner.create_task(asyncio.sleep(0))
    with runner:
        pass
    with pytest.raises(Ta.RunnerNotRunningError):
        runner.call_in_loop(lambda: None)
    with pytest.raises(RuntimeError):
        runner.run(asyncio.sleep(0))


def test_stopping_from_the_runner_is_refused(runner):
    async def stop_myself():
        with pytest.raises(RuntimeError):
            runner.stop()
        return 'refused'

    assert runner.run(stop_myself(), timeout=HANG) == 'refused'


def test_shutdown_stopped_with_busy_task():
    async def busy():
        while True:
            await asyncio.sleep(0.01)

    with Ta.Runner() as runner:
        assert runner.shutdown_type == Ta.ShutdownType.NOT_SHUT_DOWN
        task = runner.create_task(busy())
        runner.wait_for_next_eventloop_iteration()
        task.cancel()
    assert runner.shutdown_type == Ta.ShutdownType.STOPPED


def test_stuck_loop_is_force_stopped():
    spinning = threading.Event()

    async def spin():
        await asyncio.sleep(0)
        spinning.set()
        while True:
            pass

    runner = Ta.Runner(exit_timeout=0.5)
    with pytest.warns(RuntimeWarning, match='stuck'):
        with pytest.raises(Ta.EventLoopTimeoutError):
            with runner:
                task = runner.create_task(spin())
                assert spinning.wait(HANG)
                task.wait(0.05)
    assert runner.shutdown_type == Ta.ShutdownType.FORCE_STOPPED
    assert runner.shutdown_type.force_stop_attempted()
    with pytest.raises(asyncio.CancelledError):
        task.wait()


def test_task_ignoring_cancellation_is_named_once(capfd):
    async def stubborn():
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                pass

    runner = Ta.Runner(exit_timeout=0.3)
    with pytest.warns(RuntimeWarning, match="stubborn' ignored cancellation"):
        with runner:
            task = runner.create_task(stubborn())
            runner.wait_for_next_eventloop_iteration()
    # The loop was not stuck: it stopped in order, the task unfinished.
    assert runner.shutdown_type == Ta.ShutdownType.STOPPED
    with pytest.raises(asyncio.CancelledError):
        task.wait(HANG)
    del task
    gc.collect()
    assert 'Task was destroyed but it is pending' not in capfd.readouterr().err


def test_stuck_loop_force_stop_can_fail():
    blocked = threading.Event()
    release = threading.Event()

    async def block_in_c():
        blocked.set()
        # Blocked in C: the exception raised on the thread waits for it.
        release.wait()

    runner = Ta.Runner(exit_timeout=0.2)
    with pytest.warns(RuntimeWarning, match='FAILED_FORCE_STOPPED'):
        with runner:
            runner.create_task(block_in_c())
            assert blocked.wait(HANG)
    assert runner.shutdown_type == Ta.ShutdownType.FAILED_FORCE_STOPPED
    # Once unblocked, the thread ends on its own.
    release.set()
    assert runner._ta_state().thread_exited.wait(HANG)


def test_forced_thread_shutdown_is_not_system_exit():
    # A callback's error handler must not take it for a request to exit.
    assert issubclass(Ta.ForcedThreadShutdown, BaseException)
    assert not issubclass(Ta.ForcedThreadShutdown, (SystemExit, Exception))


def test_stuck_glib_callback_force_stop_does_not_exit():
    spinning = threading.Event()

    def spin_in_callback():
        spinning.set()
        while True:
            pass

    runner = Ta.Runner(exit_timeout=0.5)
    with pytest.warns(RuntimeWarning, match='stuck in a callback'):
        with runner:
            source = GLib.idle_source_new()
            source.set_callback(lambda *unused: spin_in_callback())
            runner.call_in_loop(lambda: source.attach(runner.get_context()))
            assert spinning.wait(HANG)
    assert runner.shutdown_type == Ta.ShutdownType.FORCE_STOPPED
    # The thread ended; the interpreter was not asked to exit.
    assert runner._ta_state().thread_exited.wait(HANG)
    assert threading.main_thread().is_alive()


def test_stuck_stop_with_warnings_as_errors_still_settles():
    spinning = threading.Event()

    async def fail():
        raise ValueError('nobody looked')

    async def spin():
        spinning.set()
        while True:
            pass

    runner = Ta.Runner(exit_timeout=0.5)
    runner.start()
    failing = runner.create_task(fail())
    runner.wait_for_next_eventloop_iteration()
    assert failing.done()
    runner.create_task(spin())
    assert spinning.wait(HANG)
    queued = runner.create_task(asyncio.sleep(0))  # never starts
    with warnings.catch_warnings():
        warnings.simplefilter('error', RuntimeWarning)
        with pytest.raises(ExceptionGroup) as info:
            runner.stop()
    kinds = sorted(type(e).__name__ for e in info.value.exceptions)
    assert kinds == ['RuntimeWarning', 'ValueError']
    # The rest of the stop happened all the same.
    assert queued.done()
    with pytest.raises(asyncio.CancelledError):
        queued.wait(HANG)


def test_runners_stopped_at_exit():
    script = textwrap.dedent('''
        import asyncio, gi
        gi.require_version('Ta', '1')
        from gi.repository import Ta

        async def forever():
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                print('cancelled at exit', flush=True)
                raise

        runner = Ta.Runner()
        runner.start()
        runner.create_task(forever())
        runner.wait_for_next_eventloop_iteration()
        print('leaving', flush=True)
    ''')
    result = subprocess.run([sys.executable, '-c', script], capture_output=True,
                            text=True, timeout=HANG, env=os.environ)
    assert result.returncode == 0, result.stderr
    assert result.stdout == 'leaving\ncancelled at exit\n'


def test_two_runners_side_by_side():
    with Ta.Runner(name='one') as one, Ta.Runner(name='two') as two:
        async def where(runner):
            return runner.in_runner_loop, threading.get_ident()

        in_one, ident_one = one.run(where(one))
        in_two, ident_two = two.run(where(two))
        assert in_one and in_two and ident_one != ident_two
        assert one.run(where(two))[0] is False


def test_no_warnings_on_clean_exit(recwarn):
    with Ta.Runner() as runner:
        runner.run(asyncio.sleep(0))
        runner.create_task(asyncio.sleep(HANG))
    with warnings.catch_warnings():
        warnings.simplefilter('error')
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_task_events_are_reused_cleared():
    async def value(v):
        return v

    with Ta.Runner() as runner:
        state = runner._ta_state()
        release = runner.run(_make_event())
        first = runner.create_task(value(1))
        assert first.wait(HANG) == 1
        # The runner lets go of the task once its loop iteration is over.
        runner.wait_for_next_eventloop_iteration()
        del first
        gc.collect()
        assert state.events
        reused = state.events[-1]

        async def held():
            await release.wait()
            return 2

        second = runner.create_task(held())
        assert second._done is reused
        # Its event was cleared: the wait does not return before the task
        # is done.
        with pytest.raises(Ta.EventLoopTimeoutError):
            second.wait(0.05)
        runner.call_in_loop(release.set)
        assert second.wait(HANG) == 2


async def _make_event():
    return asyncio.Event()


def test_loop_timeout_message_is_a_sentence(blocker):
    with Ta.Runner(name='busy') as runner:
        async def hog():
            await blocker.block()
        task = runner.create_task(hog())
        assert blocker.entered.wait(HANG)
        with pytest.raises(Ta.EventLoopTimeoutError) as caught:
            runner.wait_for_next_eventloop_iteration(timeout=0.01)
        assert str(caught.value) == (
            "Timed out waiting 0.01 seconds for the event loop of runner 'busy' "
            "to catch up. It is busy running task 'test_loop_timeout_message_is_a_sentence."
            "<locals>.hog'.")
        blocker.release.set()
        task.wait(HANG)
