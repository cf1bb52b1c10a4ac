# SPDX-License-Identifier: LGPL-2.1-or-later
"""Awaiting a runner's work from an asyncio loop on another thread."""

import asyncio
import threading

import pytest
from gi.repository import Ta

from conftest import HANG


def run_in_foreign_loop(coroutine):
    """Runs a coroutine in a fresh asyncio loop on a new plain thread."""
    outcome = {}

    def thread():
        try:
            outcome['result'] = asyncio.run(coroutine)
        except BaseException as error:  # noqa: B036
            outcome['error'] = error

    t = threading.Thread(target=thread)
    t.start()
    t.join(HANG)
    assert not t.is_alive()
    if 'error' in outcome:
        raise outcome['error']
    return outcome['result']


async def ticking_while(awaitable):
    """Awaits something while counting how often this loop still ran."""
    ticks = 0
    stop = asyncio.Event()

    async def tick():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.001)

    ticker = asyncio.create_task(tick())
    try:
        return await awaitable, ticks
    finally:
        stop.set()
        await ticker


def test_await_task_from_another_loop(runner):
    gate = runner.call_in_loop(asyncio.Event)

    async def slow():
        await gate.wait()
        return 'from the runner'

    task = runner.create_task(slow())

    async def main():
        asyncio.get_running_loop().call_later(0.02, lambda: runner.call_in_loop(gate.set))
        return await ticking_while(task)

    result, ticks = asyncio.run(main())
    assert result == 'from the runner'
    # The awaiting loop kept running meanwhile.
    assert ticks > 0


def test_await_task_error_from_another_loop(runner):
    error = KeyError('original')

    async def fail():
        raise error

    task = runner.create_task(fail())

    async def main():
        with pytest.raises(KeyError) as info:
            await task
        return info.value

    assert run_in_foreign_loop(main()) is error


def test_await_future_from_another_loop(runner):
    future = Ta.Future(runner)

    async def main():
        asyncio.get_running_loop().call_later(0.01, future.set_result, 7)
        return await ticking_while(future.result())

    result, ticks = run_in_foreign_loop(main())
    assert result == 7 and ticks > 0


def test_queue_between_loops(runner):
    queue = Ta.Queue(runner, maxsize=1)

    async def runner_side():
        return [await queue.get() for _ in range(20)]

    task = runner.create_task(runner_side())

    async def foreign_side():
        for i in range(20):
            await queue.put(i)
        return await task

    assert run_in_foreign_loop(foreign_side()) == list(range(20))


def test_foreign_get_cancelled_loses_nothing(runner):
    queue = Ta.Queue(runner)
    rounds = 100

    async def foreign_side():
        delivered = []
        for i in range(rounds):
            getter = asyncio.create_task(queue.get())
            await asyncio.sleep(0)
            queue.put_nowait(i)
            getter.cancel()
            try:
                delivered.append(await getter)
            except asyncio.CancelledError:
                pass
        return delivered

    delivered = run_in_foreign_loop(foreign_side())
    # Anything not delivered went back to the queue: wait for the runner
    # to have handled every late answer, then drain.
    runner.wait_for_next_eventloop_iteration()
    while not queue.empty():
        delivered.append(queue.get_nowait())
    assert sorted(delivered) == list(range(rounds))


def test_event_from_another_loop(runner):
    event = Ta.Event(runner)

    async def main():
        asyncio.get_running_loop().call_later(0.01, event.set)
        return await event.as_async_event().wait()

    assert run_in_foreign_loop(main()) is True


def test_awaiting_a_stopped_runner_fails_cleanly():
    with Ta.Runner() as runner:
        future = Ta.Future(runner)

    async def main():
        with pytest.raises(Ta.RunnerNotRunningError):
            await future.result()
        return 'failed cleanly'

    assert run_in_foreign_loop(main()) == 'failed cleanly'


def test_foreign_await_ends_when_runner_stops():
    runner = Ta.Runner()
    runner.start()
    future = Ta.Future(runner)
    waiting = threading.Event()

    async def main():
        asyncio.get_running_loop().call_soon(waiting.set)
        with pytest.raises(Ta.RunnerNotRunningError):
            await future.result()
        return 'released'

    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(asyncio.run(main())))
    thread.start()
    assert waiting.wait(HANG)
    runner.wait_for_next_eventloop_iteration()
    runner.stop()
    thread.join(HANG)
    assert outcome == ['released']


@pytest.mark.parametrize('awaitable', ['event', 'future'])
def test_cancelled_await_does_not_wait_for_a_busy_runner(runner, blocker, awaitable):
    event, future = Ta.Event(runner), Ta.Future(runner)

    async def main():
        pending = asyncio.ensure_future(event.as_async_event().wait() if awaitable == 'event'
                                        else future.result())
        await asyncio.sleep(0)
        runner.wait_for_next_eventloop_iteration()
        runner.create_task(blocker.block())
        assert blocker.entered.wait(HANG)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(pending, 0.05)
        # Cancelled while the runner is still blocked: nothing waited for it.
        return blocker.release.is_set()

    assert run_in_foreign_loop(main()) is False
