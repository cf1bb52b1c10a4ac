# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ctrl-C on the main thread: a blocking call raises KeyboardInterrupt
before its operation took effect, or completes it and leaves the
interrupt to the program; never both."""

import asyncio
import os
import signal
import threading
import time

import pytest
from gi.repository import Ta

from conftest import HANG

ITEMS = int(os.environ.get('TA_INTERRUPT_ITEMS', '300'))


class Storm(threading.Thread):
    """Sends SIGINT to the main thread every ``period`` seconds until
    stopped (the sleep only spaces the signals)."""

    def __init__(self, period=0.002):
        super().__init__(daemon=True)
        self.period = period
        self.go = threading.Event()
        self.stopped = threading.Event()
        self.sent = 0

    def run(self):
        main = threading.main_thread().ident
        self.go.wait()
        while not self.stopped.wait(self.period):
            signal.pthread_kill(main, signal.SIGINT)
            self.sent += 1

    def stop(self):
        self.go.set()
        self.stopped.set()
        self.join()


def storm_over(step, done, absorb=lambda: None):
    """Calls ``step()`` until ``done()`` under a SIGINT storm; returns how
    many KeyboardInterrupts it raised. Every bytecode of the loop is inside
    the try: an interrupt can land anywhere."""
    interrupts = 0
    storm = Storm()
    storm.start()
    deadline = time.monotonic() + HANG
    while True:
        try:
            storm.go.set()      # only once inside the try
            while not done():
                assert time.monotonic() < deadline, 'storm test hung'
                step()
            storm.stop()
            # An interrupt owed to the loop lands within a few calls.
            for _ in range(8):
                absorb()
            break
        except KeyboardInterrupt:
            interrupts += 1
    return interrupts, storm.sent


async def paced_producer(queue, n):
    for i in range(n):
        await queue.put(i)
        await asyncio.sleep(0.0005)


def test_get_wait_interrupted_loses_no_item(runner, capfd):
    queue = Ta.Queue(runner)
    runner.create_task(paced_producer(queue, ITEMS))
    got = []
    interrupts, sent = storm_over(lambda: got.append(queue.get_wait(HANG)),
                                  lambda: len(got) >= ITEMS, time.monotonic)
    assert got == list(range(ITEMS)), (interrupts, sent)
    assert interrupts > 0
    assert queue.qsize(HANG) == 0
    assert 'Traceback' not in capfd.readouterr().err


def test_put_wait_interrupted_never_duplicates(runner, capfd):
    queue = Ta.Queue(runner, maxsize=1)
    received = []

    async def consume():
        while len(received) < ITEMS:
            received.append(await queue.get())
            await asyncio.sleep(0.0005)

    consumer = runner.create_task(consume())
    put = [0]

    def step():
        queue.put_wait(put[0], HANG)   # raised: not put, put it again
        put[0] += 1

    interrupts, sent = storm_over(step, lambda: put[0] >= ITEMS, time.monotonic)
    consumer.wait(HANG)
    assert received == list(range(ITEMS)), (interrupts, sent)
    assert interrupts > 0
    assert 'Traceback' not in capfd.readouterr().err


def interrupt_main_when(condition):
    """SIGINTs the main thread every 10 ms once ``condition`` is set, until
    stopped."""
    stop = threading.Event()

    def run():
        assert condition.wait(HANG)
        while not stop.wait(0.01):
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return stop


def test_call_in_loop_raises_keyboard_interrupt_while_the_function_runs(runner, blocker):
    stop = interrupt_main_when(blocker.entered)
    try:
        with pytest.raises(KeyboardInterrupt):
            runner.call_in_loop(blocker.block_func, HANG)
    finally:
        stop.set()
    blocker.release.set()
    assert runner.call_in_loop(lambda: 'still running', HANG) == 'still running'


def test_call_in_loop_interrupted_before_the_function_started_never_runs_it(
        runner, blocker):
    runner.create_task(blocker.block())
    assert blocker.entered.wait(HANG)     # the loop is busy
    ran = threading.Event()
    stop = interrupt_main_when(blocker.entered)
    try:
        with pytest.raises(KeyboardInterrupt):
            runner.call_in_loop(ran.set, HANG)
    finally:
        stop.set()
    blocker.release.set()
    runner.wait_for_next_eventloop_iteration(HANG)
    runner.call_in_loop(lambda: None, HANG)    # what was queued before ran
    assert not ran.is_set()


def test_stop_interrupted_raises_and_a_later_stop_completes_it(blocker):
    runner = Ta.Runner(name='interrupted-stop', exit_timeout=HANG)
    runner.start()
    runner.create_task(blocker.block())
    assert blocker.entered.wait(HANG)
    stopping = threading.Event()
    stop = interrupt_main_when(stopping)
    try:
        stopping.set()
        with pytest.raises(KeyboardInterrupt):
            runner.stop()
    finally:
        stop.set()
    blocker.release.set()
    runner.stop()
    assert not runner.is_running
    assert runner.shutdown_type == Ta.ShutdownType.STOPPED
    with pytest.raises(Ta.RunnerNotRunningError):
        runner.run(asyncio.sleep(0))


def test_run_interrupted_cancels_its_coroutine(runner):
    entered = threading.Event()
    cancelled = threading.Event()

    async def forever():
        entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    stop = interrupt_main_when(entered)
    try:
        with pytest.raises(KeyboardInterrupt):
            runner.run(forever(), HANG)
    finally:
        stop.set()
    assert cancelled.wait(HANG)


def test_interrupted_wait_prints_nothing(runner, capfd):
    event = Ta.Event(runner)
    started = threading.Event()
    stop = interrupt_main_when(started)
    try:
        started.set()
        with pytest.raises(KeyboardInterrupt):
            event.wait(HANG)
    finally:
        stop.set()
    assert 'Traceback' not in capfd.readouterr().err


def test_the_program_handler_is_still_called(runner):
    seen = []

    def handler(signum, frame):
        seen.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        started = threading.Event()
        stop = interrupt_main_when(started)
        try:
            started.set()
            with pytest.raises(KeyboardInterrupt):
                Ta.Queue(runner).get_wait(HANG)
        finally:
            stop.set()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert seen and seen[0] == signal.SIGINT
