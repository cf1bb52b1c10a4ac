# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runner, Event, Future and Queue subclassed in Python work as the bases do."""

import asyncio
import threading

import pytest
from gi.repository import GObject, Ta

from conftest import HANG


class MyRunner(Ta.Runner):
    def __init__(self, **kwargs):
        super().__init__(name='mine', **kwargs)
        self.started = 0

    def start(self):
        super().start()
        self.started += 1

    async def twice(self, value):
        await asyncio.sleep(0)
        return value * 2


class CountingEvent(Ta.Event):
    def __init__(self, runner):
        super().__init__(runner)
        self.sets = 0

    def set(self, timeout=Ta.USE_DEFAULT_TIMEOUT):
        self.sets += 1
        super().set(timeout)


class LabelledFuture(Ta.Future):
    def __init__(self, runner, label):
        super().__init__(runner)
        self.label = label


class CountingQueue(Ta.Queue):
    def __init__(self, runner, maxsize=0):
        super().__init__(runner, maxsize)
        self.puts = 0

    def put_wait(self, item, timeout=Ta.USE_DEFAULT_TIMEOUT):
        self.puts += 1
        super().put_wait(item, timeout)


@pytest.mark.parametrize('subclass, base', [
    (MyRunner, Ta.Runner), (CountingEvent, Ta.Event),
    (LabelledFuture, Ta.Future), (CountingQueue, Ta.Queue)])
def test_subclass_is_a_new_gtype(subclass, base):
    assert subclass.__gtype__ != base.__gtype__
    assert subclass.__gtype__.is_a(base.__gtype__)


def test_runner_subclass():
    with MyRunner(exit_timeout=HANG) as runner:
        assert isinstance(runner, Ta.Runner) and runner.started == 1
        assert runner.props.name == 'mine'
        assert runner.exit_timeout == HANG
        assert runner.run(runner.twice(21), HANG) == 42
        assert runner.call_in_loop(lambda: runner.in_runner_loop)
        assert runner.call_in_loop(lambda: threading.current_thread().name) == 'mine'
        task = runner.create_task(asyncio.sleep(HANG))
    assert runner.shutdown_type == Ta.ShutdownType.STOPPED
    with pytest.raises(asyncio.CancelledError):
        task.wait(0)


def test_runner_subclass_reports_unretrieved_errors():
    async def fail():
        raise ValueError('lost')

    with pytest.raises(ExceptionGroup) as caught:
        with MyRunner() as runner:
            runner.create_task(fail())
            runner.wait_for_next_eventloop_iteration(HANG)
    assert [str(e) for e in caught.value.exceptions] == ['lost']


def test_event_future_queue_subclasses():
    with MyRunner() as runner:
        event = CountingEvent(runner)

        async def wait_event():
            await event.as_async_event().wait()
            return 'woken'

        waiter = runner.create_task(wait_event())
        event.set()
        assert waiter.wait(HANG) == 'woken'
        assert event.sets == 1 and event.is_set() and event.wait(HANG)

        future = LabelledFuture(runner, 'answer')
        awaiting = runner.create_task(future.result())
        runner.call_in_loop(lambda: future.set_result(future.label))
        assert awaiting.wait(HANG) == 'answer'
        assert future.result_wait(HANG) == 'answer'
        failed = LabelledFuture(runner, 'error')
        failed.set_exception(KeyError('bad'))
        with pytest.raises(KeyError):
            failed.result_wait(HANG)

        queue = CountingQueue(runner, maxsize=1)
        queue.put_wait('a')
        with pytest.raises(asyncio.QueueFull):
            queue.put_nowait('b')
        assert queue.puts == 1 and queue.qsize() == 1 and queue.full()

        async def drain():
            return [await queue.get() for _ in range(2)]

        drained = runner.create_task(drain())
        queue.put_wait('b', HANG)
        assert drained.wait(HANG) == ['a', 'b']
        queue.close()
        with pytest.raises(Ta.QueueClosedError):
            queue.get_wait(HANG)


def test_subclass_with_gobject_property():
    class Described(Ta.Queue):
        description = GObject.Property(type=str, default='none')

    with MyRunner() as runner:
        queue = Described(runner)
        queue.props.description = 'jobs'
        assert queue.props.description == 'jobs'
        assert queue.props.max_size == 0
