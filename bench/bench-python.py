#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python round trips through ta-glib, beside raw asyncio doing the same job.

  run(noop)   Ta.Runner.run() of a coroutine that returns at once, from the
              main thread; baseline: asyncio.run_coroutine_threadsafe() onto
              an asyncio loop running on a plain thread, then .result() —
              the mechanism threaded_async's run() is built on.
  ping-pong   the seed's speed test: the main thread put_wait()s an int and
              get_wait()s the answer while an async worker on the runner
              gets, increments and puts back; baseline: the same with
              asyncio.Queues on a plain-thread loop, each put and get a
              run_coroutine_threadsafe() round trip, as threaded_async does.

Every figure is the median of several runs, unpinned and with every thread
on CPU 0 ("pinned"), each beside its baseline from the same process.

Usage: bench-python.py [--runs=N] [--scale=X] [--pinned-only|--unpinned-only]
Run it against a build tree with
  PYTHONPATH=python GI_TYPELIB_PATH=_build/ta-glib LD_LIBRARY_PATH=_build/ta-glib
"""

import asyncio
import os
import statistics
import subprocess
import sys
import threading
import time

import gi

gi.require_version('Ta', '1')
from gi.repository import Ta  # noqa: E402


async def noop():
    return None


class RawLoop:
    """An asyncio loop on a plain thread: the baseline."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()

    def run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()


def time_per_op(func, n):
    start = time.perf_counter()
    for _ in range(n):
        func()
    return (time.perf_counter() - start) / n * 1e6


def bench_run_noop(n):
    with Ta.Runner() as runner:
        for _ in range(n // 10):
            runner.run(noop())
        ta = time_per_op(lambda: runner.run(noop()), n)
    with RawLoop() as raw:
        for _ in range(n // 10):
            raw.run(noop())
        base = time_per_op(lambda: raw.run(noop()), n)
    return ta, base


async def increment_worker(in_queue, out_queue):
    while True:
        number = await in_queue.get()
        await out_queue.put(number + 1)


def bench_ping_pong(n):
    with Ta.Runner() as runner:
        in_queue, out_queue = Ta.Queue[int](runner), Ta.Queue[int](runner)
        worker = runner.create_task(increment_worker(in_queue, out_queue))

        def round_trip():
            in_queue.put_wait(1)
            out_queue.get_wait()

        for _ in range(n // 10):
            round_trip()
        ta = time_per_op(round_trip, n)
        worker.cancel()

    with RawLoop() as raw:
        in_queue, out_queue = raw.run(_make_queues())
        worker = asyncio.run_coroutine_threadsafe(increment_worker(in_queue, out_queue), raw.loop)

        def raw_round_trip():
            raw.run(in_queue.put(1))
            raw.run(out_queue.get())

        for _ in range(n // 10):
            raw_round_trip()
        base = time_per_op(raw_round_trip, n)
        worker.cancel()
    return ta, base


async def _make_queues():
    return asyncio.Queue(), asyncio.Queue()


BENCHES = [
    ('run(noop) round trip', bench_run_noop, 20000),
    ('queue ping-pong round trip', bench_ping_pong, 10000),
]


def measure(options, pinned):
    if pinned:
        os.sched_setaffinity(0, {0})
    results = {}
    for name, func, count in BENCHES:
        n = max(1, int(count * options['scale']))
        ta, base = zip(*(func(n) for _ in range(options['runs'])))
        results[name] = (statistics.median(ta), statistics.median(base))
    return results


def parse(argv):
    options = {'runs': 7, 'scale': 1.0, 'pinned': True, 'unpinned': True, 'child': None}
    for arg in argv[1:]:
        if arg.startswith('--runs='):
            options['runs'] = max(1, int(arg[7:]))
        elif arg.startswith('--scale='):
            options['scale'] = max(0.001, float(arg[8:]))
        elif arg == '--pinned-only':
            options['unpinned'] = False
        elif arg == '--unpinned-only':
            options['pinned'] = False
        elif arg.startswith('--child='):
            options['child'] = arg[8:]
        else:
            sys.exit(__doc__)
    return options


def main(argv):
    options = parse(argv)
    if options['child'] is not None:
        # One mode per process: affinity is inherited by threads.
        for name, (ta, base) in measure(options, options['child'] == 'pinned').items():
            print(f'{name}\t{ta}\t{base}')
        return 0

    print(f'ta-glib from Python: medians of {options["runs"]} runs, µs per operation\n')
    print(f'{"":30} {"mode":9} {"ta-glib":>9} {"asyncio":>9} {"speed-up":>9}')
    for mode in ('unpinned', 'pinned'):
        if not options[mode]:
            continue
        child = subprocess.run(
            [sys.executable, argv[0], f'--runs={options["runs"]}',
             f'--scale={options["scale"]}', f'--child={mode}'],
            check=True, capture_output=True, text=True)
        for line in child.stdout.splitlines():
            name, ta, base = line.split('\t')
            ta, base = float(ta), float(base)
            print(f'{name:30} {mode:9} {ta:9.1f} {base:9.1f} {base / ta:8.2f}x')
    print('\nthreaded_async on this machine (for reference, not measured here):\n'
          '  run(noop) ~100 µs unpinned, ~27 µs pinned; ping-pong ~205 µs / ~72 µs')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
