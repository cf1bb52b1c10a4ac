#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A watchdog on a runner: a coroutine that blocks it is named, live.

The report reaches this thread's main loop while the coroutine still
blocks the runner, with the asyncio task and its Python stack.
"""

import asyncio
import threading

import gi
gi.require_version('Ta', '1')
from gi.repository import GLib, Ta  # noqa: E402

THRESHOLD_US = 100_000
released = threading.Event()
loop = GLib.MainLoop()


async def slow_work():
    await asyncio.sleep(0)
    released.wait(30)       # the mistake: a blocking wait in a coroutine


def on_stall(watchdog, stall):
    if not stall.is_over():
        task = stall.python_task()
        print(f'stall {stall.get_number()} while it lasted: {stall.get_what()}')
        print('  asyncio task:', 'slow_work' in task and task.split(' coro=')[0] + '>')
        print('  innermost Python frame in slow_work:',
              any('in slow_work' in line for line in stall.python_stack()))
        released.set()
    else:
        past = stall.get_duration() >= THRESHOLD_US
        print(f'stall {stall.get_number()} over, past the threshold: {"yes" if past else "no"}')
        loop.quit()


with Ta.Runner(name='example', stall_threshold=THRESHOLD_US) as runner:
    runner.dup_watchdog().connect('stall', on_stall)
    task = runner.create_task(slow_work())
    loop.run()
    task.wait(30)
    print('stalls:', runner.dup_watchdog().dup_statistics().unpack()['n-stalls'])
