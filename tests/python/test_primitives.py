# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ta.Event, Ta.Future and Ta.Queue between threads and coroutines."""

import asyncio
import threading

import pytest
from gi.repository import Ta

from conftest import HANG


# -- Event ----------------------------------------------------------------------

def test_event_thread_to_thread(runner):
    event = Ta.Event(runner)
    assert not event.is_set()
    event.set()
    assert event.wait(HANG)
    assert event.is_set()
    event.clear()
    assert not event.is_set()


def test_event_thread_to_loop(runner):
    event = Ta.Event(runner)

    async def await_event():
        return await event.as_async_event().wait()

    task = runner.create_task(await_event())
    event.set()
    assert task.wait(HANG) is True


def test_event_loop_to_thread(runner):
    event = Ta.Event(runner)
    runner.call_in_loop(event.as_async_event().set)
    assert event.wait(HANG)


def test_event_from_a_plain_thread(runner):
    event = Ta.Event(runner)
    woken = []

    def waiter():
        woken.append(event.wait(HANG))

    threads = [threading.Thread(target=waiter) for _ in range(3)]
    for t in threads:
        t.start()
    event.set()
    for t in threads:
        t.join(HANG)
    assert woken == [True, True, True]


def test_event_wait_timeout(runner):
    event = Ta.Event(runner)
    with pytest.raises(Ta.EventLoopTimeoutError):
        event.wait(0.01)


def test_event_as_asyncio_event(runner):
    event = Ta.Event(runner)
    async_event = event.as_async_event()
    assert isinstance(async_event, asyncio.Event)
    assert async_event is event.as_async_event()

    async def with_timeout():
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(async_event.wait(), 0.01)
        # The cancelled wait left nothing behind: a later set still wakes.
        waiter = asyncio.create_task(async_event.wait())
        await asyncio.sleep(0)
        async_event.set()
        return await waiter

    assert runner.run(with_timeout(), timeout=HANG) is True


def test_event_wait_on_the_loop_is_refused(runner):
    event = Ta.Event(runner)

    async def misuse():
        with pytest.raises(RuntimeError):
            event.wait(0)
        return 'refused'

    assert runner.run(misuse(), timeout=HANG) == 'refused'


# -- Future -----------------------------------------------------------------------

def test_future_thread_to_thread(runner):
    future = Ta.Future[int](runner)
    assert not future.done()
    future.set_result(1)
    assert future.done()
    assert future.result_wait() == 1


def test_future_thread_to_thread_exception(runner):
    future = Ta.Future[int](runner)
    error = ValueError('original')
    future.set_exception(error)
    with pytest.raises(ValueError) as info:
        future.result_wait()
    assert info.value is error


def test_future_thread_to_loop(runner):
    future = Ta.Future[int](runner)

    async def await_future():
        return await future.result()

    task = runner.create_task(await_future())
    future.set_result(1)
    assert task.wait(HANG) == 1


def test_future_thread_to_loop_exception(runner):
    future = Ta.Future[int](runner)

    async def await_future():
        return await future.result()

    task = runner.create_task(await_future())
    future.set_exception(ValueError())
    with pytest.raises(ValueError):
        task.wait(HANG)


def test_future_loop_to_thread(runner):
    future = Ta.Future[int](runner)
    runner.call_in_loop(lambda: future.set_result(1))
    assert future.result_wait() == 1


def test_future_loop_to_thread_exception(runner):
    future = Ta.Future[int](runner)
    runner.call_in_loop(lambda: future.set_exception(ValueError()))
    with pytest.raises(ValueError):
        future.result_wait()


def test_future_any_python_object(runner):
    unpicklable = lambda: 'same object'  # noqa: E731
    for value in (None, unpicklable, {'nested': [1, (2, 3)]}, 2 ** 100):
        future = Ta.Future(runner)
        future.set_result(value)
        assert future.result_wait() is value


def test_future_set_twice(runner):
    future = Ta.Future(runner)
    future.set_result(1)
    with pytest.raises(asyncio.InvalidStateError):
        future.set_result(2)
    with pytest.raises(asyncio.InvalidStateError):
        future.set_exception(ValueError())
    assert future.result_wait() == 1


def test_future_timeout(runner):
    future = Ta.Future(runner)
    with pytest.raises(Ta.EventLoopTimeoutError):
        future.result_wait(0.01)
    future.set_result('late')
    assert future.result_wait(0.01) == 'late'


# -- Queue ------------------------------------------------------------------------

def test_queue_thread_to_thread(runner):
    queue: Ta.Queue[int] = Ta.Queue(runner)
    queue.put_wait(3)
    assert queue.get_wait() == 3


def test_queue_loop_to_loop(runner):
    queue: Ta.Queue[int] = Ta.Queue(runner, maxsize=1)

    async def producer():
        await queue.put(3)
        await queue.put(4)

    async def consumer():
        await queue.get()
        return await queue.get()

    producer_task = runner.create_task(producer())
    consumer_task = runner.create_task(consumer())
    assert consumer_task.wait(HANG) == 4
    producer_task.wait(HANG)


def test_queue_any_python_object(runner):
    queue = Ta.Queue(runner)
    items = [None, object(), lambda: 1, {'a': [1]}, 2 ** 80, (None,)]
    for item in items:
        queue.put_wait(item)
    assert queue.qsize() == len(items)
    assert [queue.get_wait() for _ in items] == items
    assert all(a is b for a, b in zip(items, items))


def test_queue_sizes(runner):
    queue = Ta.Queue(runner, maxsize=2)
    assert queue.maxsize == 2
    assert queue.empty() and not queue.full() and queue.qsize() == 0
    queue.put_nowait('a')
    queue.put_nowait('b')
    assert queue.full() and queue.qsize() == 2
    with pytest.raises(asyncio.QueueFull):
        queue.put_nowait('c')
    assert queue.get_nowait() == 'a'
    assert queue.get_nowait() == 'b'
    with pytest.raises(asyncio.QueueEmpty):
        queue.get_nowait()


def test_queue_timeouts(runner):
    queue = Ta.Queue(runner, maxsize=1)
    with pytest.raises(Ta.EventLoopTimeoutError):
        queue.get_wait(0.01)
    queue.put_wait(1)
    with pytest.raises(Ta.EventLoopTimeoutError):
        queue.put_wait(2, timeout=0.01)
    # The timed-out put changed nothing.
    assert queue.qsize() == 1
    assert queue.get_wait(0) == 1


def test_queue_backpressure(runner):
    queue = Ta.Queue(runner, maxsize=1)
    produced = []

    async def producer():
        for i in range(5):
            await queue.put(i)
            produced.append(i)

    task = runner.create_task(producer())
    # The producer is held back by the consumer: one item at a time.
    for i in range(5):
        assert queue.get_wait(HANG) == i
    task.wait(HANG)
    assert produced == list(range(5))


def test_queue_close(runner):
    queue = Ta.Queue(runner)
    queue.put_wait('left')
    queue.close()
    with pytest.raises(Ta.QueueClosedError):
        queue.put_wait('refused')
    # What is left is delivered, then the close is.
    assert queue.get_wait() == 'left'
    with pytest.raises(Ta.QueueClosedError):
        queue.get_wait()

    async def get():
        return await queue.get()

    with pytest.raises(Ta.QueueClosedError):
        runner.run(get(), timeout=HANG)


def test_queue_close_wakes_waiters(runner):
    queue = Ta.Queue(runner)

    async def get():
        return await queue.get()

    task = runner.create_task(get())
    thread_error = []

    def blocked_get():
        try:
            queue.get_wait(HANG)
        except Ta.QueueClosedError as error:
            thread_error.append(error)

    thread = threading.Thread(target=blocked_get)
    thread.start()
    runner.wait_for_next_eventloop_iteration()
    queue.close()
    with pytest.raises(Ta.QueueClosedError):
        task.wait(HANG)
    thread.join(HANG)
    assert len(thread_error) == 1


def test_queue_coroutine_and_thread_share_items(runner):
    # A coroutine on the runner is woken by the queue and pops for itself;
    # a blocked thread is handed its item directly. Neither starves.
    queue = Ta.Queue(runner)
    task = runner.create_task(queue.get())
    runner.wait_for_next_eventloop_iteration()
    got = []
    thread = threading.Thread(target=lambda: got.append(queue.get_wait(HANG)))
    thread.start()
    queue.put_wait('a')
    queue.put_wait('b')
    thread.join(HANG)
    assert not thread.is_alive()
    assert sorted(got + [task.wait(HANG)]) == ['a', 'b']
    assert queue.empty()


def test_queue_coroutine_waits_on_after_an_item_is_taken(runner):
    # The queue wakes the loop for an item that a thread takes before the
    # loop looks: the coroutine must still be woken for the next one.
    queue = Ta.Queue(runner)
    task = runner.create_task(queue.get())
    runner.wait_for_next_eventloop_iteration()
    busy, release = threading.Event(), threading.Event()

    def hold_the_loop():
        busy.set()
        release.wait(HANG)

    runner.call_in_loop(lambda: runner._invoke(hold_the_loop))
    assert busy.wait(HANG)
    queue.put_wait('taken')
    assert queue.get_wait(HANG) == 'taken'
    release.set()
    runner.wait_for_next_eventloop_iteration()
    queue.put_wait('kept')
    assert task.wait(HANG) == 'kept'


def test_queue_cancelled_get_loses_nothing(runner):
    queue = Ta.Queue(runner)
    rounds = 200

    async def race(i):
        getter = asyncio.create_task(queue.get())
        await asyncio.sleep(0)
        # The item and the cancellation arrive together.
        queue.put_nowait(i)
        getter.cancel()
        try:
            return [await getter]
        except asyncio.CancelledError:
            return []

    delivered = []
    for i in range(rounds):
        delivered += runner.run(race(i), timeout=HANG)
    while not queue.empty():
        delivered.append(queue.get_nowait())
    assert sorted(delivered) == list(range(rounds))


def test_queue_many_producers_and_consumers(runner):
    queue = Ta.Queue(runner, maxsize=8)
    n_threads, per_thread = 4, 500
    consumed = []

    async def consumer():
        got = []
        while True:
            item = await queue.get()
            if item is None:
                return got
            got.append(item)

    consumers = [runner.create_task(consumer()) for _ in range(2)]

    def producer(base):
        for i in range(per_thread):
            queue.put_wait(base + i, HANG)

    threads = [threading.Thread(target=producer, args=(k * per_thread,))
               for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(HANG)
    for _ in consumers:
        queue.put_wait(None)
    for task in consumers:
        consumed += task.wait(HANG)
    assert sorted(consumed) == list(range(n_threads * per_thread))


def test_queue_blocking_on_the_loop_is_refused(runner):
    queue = Ta.Queue(runner)

    async def misuse():
        with pytest.raises(RuntimeError):
            queue.get_wait(0)
        with pytest.raises(RuntimeError):
            queue.put_wait(1, 0)
        return 'refused'

    assert runner.run(misuse(), timeout=HANG) == 'refused'


def test_queue_without_runner_from_threads():
    queue = Ta.Queue()
    queue.put_wait('plain')
    assert queue.get_wait() == 'plain'


def test_blocking_waits_end_when_the_runner_stops():
    runner = Ta.Runner(name='stopping')
    runner.start()
    queue, event, future = Ta.Queue(runner), Ta.Event(runner), Ta.Future(runner)
    waits = {'get_wait': lambda: queue.get_wait(None),
             'wait': lambda: event.wait(None),
             'result_wait': lambda: future.result_wait(None)}
    outcome = {}

    def wait(name):
        try:
            waits[name]()
            outcome[name] = 'returned'
        except BaseException as error:  # noqa: B036
            outcome[name] = error

    threads = [threading.Thread(target=wait, args=(name,)) for name in waits]
    for t in threads:
        t.start()
    # Blocked or not yet: either way the stop ends each wait.
    runner.stop()
    for t in threads:
        t.join(HANG)
        assert not t.is_alive()
    for name in waits:
        assert isinstance(outcome[name], Ta.RunnerNotRunningError), (name, outcome[name])
    # A wait that starts after the stop does not block either.
    with pytest.raises(Ta.RunnerNotRunningError):
        queue.get_wait(None)
