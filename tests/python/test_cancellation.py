# SPDX-License-Identifier: LGPL-2.1-or-later
"""Cancellation in the override looks like asyncio's own."""

import asyncio

import pytest
from gi.repository import Ta

from conftest import HANG


def full_queue(runner):
    queue = Ta.Queue(runner, maxsize=1)
    queue.put_nowait('first')
    return queue


def test_cancelled_put_on_a_full_queue_raises_cancelled_error(runner):
    queue = full_queue(runner)

    async def produce():
        await queue.put('second')

    task = runner.create_task(produce())
    runner.wait_for_next_eventloop_iteration(HANG)   # blocked in put()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        task.wait(HANG)
    # Not put, and nothing left for the stop to report.
    assert queue.get_wait(HANG) == 'first'
    assert queue.qsize(HANG) == 0


def test_stop_with_a_producer_blocked_on_a_full_queue_reports_nothing():
    with Ta.Runner(name='blocked-producer') as runner:
        queue = full_queue(runner)

        async def produce():
            await queue.put('second')

        task = runner.create_task(produce())
        runner.wait_for_next_eventloop_iteration(HANG)
    # Leaving the block raised no ExceptionGroup; the producer was cancelled.
    with pytest.raises(asyncio.CancelledError):
        task.wait(HANG)


def test_cancelled_put_from_another_loop_raises_cancelled_error(runner):
    queue = full_queue(runner)

    async def main():
        put = asyncio.create_task(queue.put('second'))
        await asyncio.sleep(0)          # started: asked the runner
        assert queue.qsize(HANG) == 1   # the runner caught up: it waits
        put.cancel()
        with pytest.raises(asyncio.CancelledError):
            await put

    asyncio.run(main())
    assert queue.get_wait(HANG) == 'first'
    assert queue.qsize(HANG) == 0
