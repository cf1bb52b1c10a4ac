# SPDX-License-Identifier: LGPL-2.1-or-later
"""A SIGINT storm over every blocking call of the Python override.

Each call is retried after a KeyboardInterrupt, as a program would: items
must arrive exactly once and in order, and no call may both raise and act.
TA_STRESS_ITEMS sets the size (items per call kind).
"""

import asyncio
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'python'))

from conftest import HANG, Ta, runner  # noqa: E402,F401 - the fixture
from test_interrupts import storm_over  # noqa: E402

ITEMS = int(os.environ.get('TA_STRESS_ITEMS', '1000'))


def report(what, got, expected, interrupts, sent):
    lost = len(set(expected) - set(got))
    duplicated = len(got) - len(set(got))
    reordered = sum(1 for a, b in zip(got, got[1:]) if a > b)
    print(f'{what}: {len(expected)} items, {lost} lost, {duplicated} duplicated, '
          f'{reordered} reordered; {interrupts} interrupts of {sent} signals')
    assert (lost, duplicated, reordered) == (0, 0, 0)
    assert got == expected


async def paced(n, act):
    """Calls ``act(i)`` for each i, letting the other side block often."""
    for i in range(n):
        await act(i)
        if i % 4 == 0:
            await asyncio.sleep(0.0002)


def retrying(calls, n):
    """A step that makes call ``calls[0]`` until one returns; the result
    list grows by one per returned call."""
    results = []
    index = [0]

    def step():
        results.append(calls(index[0]))
        index[0] += 1

    return step, results, lambda: index[0] >= n


def test_queue_get_wait(runner):
    queue = Ta.Queue(runner)
    runner.create_task(paced(ITEMS, queue.put))
    step, got, done = retrying(lambda i: queue.get_wait(HANG), ITEMS)
    interrupts, sent = storm_over(step, done, lambda: None)
    report('get_wait', got, list(range(ITEMS)), interrupts, sent)
    assert queue.qsize(HANG) == 0


def test_queue_put_wait(runner):
    queue = Ta.Queue(runner, maxsize=2)
    received = []

    async def take(i):
        received.append(await queue.get())

    consumer = runner.create_task(paced(ITEMS, take))
    step, _, done = retrying(lambda i: queue.put_wait(i, HANG), ITEMS)
    interrupts, sent = storm_over(step, done, lambda: None)
    consumer.wait(HANG)
    report('put_wait', received, list(range(ITEMS)), interrupts, sent)


def test_event_future_and_task_waits(runner):
    events = [Ta.Event(runner) for _ in range(ITEMS)]
    futures = [Ta.Future(runner) for _ in range(ITEMS)]

    async def settle(i):
        events[i].set()
        futures[i].set_result(i)

    runner.create_task(paced(ITEMS, settle))

    async def answer(i):
        await asyncio.sleep(0)
        return i

    def wait_all(i):
        assert events[i].wait(HANG) is True
        value = futures[i].result_wait(HANG)
        assert runner.create_task(answer(value)).wait(HANG) == value
        return value

    step, got, done = retrying(wait_all, ITEMS)
    interrupts, sent = storm_over(step, done, lambda: None)
    report('Event.wait/result_wait/task.wait', got, list(range(ITEMS)),
           interrupts, sent)


def test_run_and_call_in_loop(runner):
    ran = []        # on the runner: what actually ran, in order

    async def coroutine(i):
        ran.append(('run', i))
        return i

    def function(i):
        ran.append(('call', i))
        return i

    def both(i):
        # An interrupted run() or call_in_loop() may or may not have run
        # its work: retried, a returned one must have run exactly once.
        assert runner.run(coroutine(i), HANG) == i
        assert runner.call_in_loop(lambda: function(i), HANG) == i
        return i

    step, got, done = retrying(both, ITEMS)
    interrupts, sent = storm_over(step, done, lambda: None)
    report('run/call_in_loop', got, list(range(ITEMS)), interrupts, sent)
    runner.wait_for_next_eventloop_iteration(HANG)
    # Nothing ran twice after it had returned; everything returned ran.
    for kind in ('run', 'call'):
        ids = [i for k, i in ran if k == kind]
        assert set(ids) == set(range(ITEMS))
        assert ids == sorted(ids)


def test_queue_queries_and_server_process(runner):
    class Server(Ta.Server):
        def _handle_request(self, request, future):
            future.set_result(request.fun(*request.args))

    handled = []
    with Server(runner=runner) as server:
        client = server.create_client()

        async def ask(i):
            assert await client.execute(handled.append, i) is None

        asking = runner.create_task(paced(ITEMS, ask))
        queue = Ta.Queue(runner)

        def process(i):
            queue.qsize(HANG)
            while not server.process(HANG):
                pass
            return i

        step, _, done = retrying(process, ITEMS)
        interrupts, sent = storm_over(step, done, lambda: None)
        asking.wait(HANG)
    report('Server.process', handled, list(range(ITEMS)), interrupts, sent)
