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

When `import threaded_async` works, the same two jobs are measured with it
too, in the same runs, and the output says which threaded_async that was:
the real library, or the ta-glib-backed port in tests/python/compat (which
is ta-glib under threaded_async's names, so it measures ta-glib again).

Every figure is the median of several runs, unpinned and with every thread
on CPU 0 ("pinned"), each beside its baseline from the same process; the
order of the ways rotates from run to run. Each job is given twice: the
wall time per operation, then (", CPU time") the CPU time every thread of
the process used per operation, which moves less with other load. Only
what this run measured is printed.

Usage: bench-python.py [--runs=N] [--scale=X] [--pinned-only|--unpinned-only]
Run it against a build tree with
  PYTHONPATH=python GI_TYPELIB_PATH=_build/ta-glib LD_LIBRARY_PATH=_build/ta-glib
It then runs itself under _build/bench/bench-machine, which prints the
machine and its load before and after (the code all benchmarks share).
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

WRAPPED_ENV = 'TA_BENCH_MACHINE_WRAPPED'


async def noop():
    return None


async def increment_worker(in_queue, out_queue):
    while True:
        number = await in_queue.get()
        await out_queue.put(number + 1)


async def _make_queues():
    return asyncio.Queue(), asyncio.Queue()


def time_per_op(func, n):
    """(wall µs, CPU µs of every thread of the process) per call of func."""
    for _ in range(n // 10):
        func()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        func()
    return ((time.perf_counter() - start) / n * 1e6,
            (time.process_time() - cpu) / n * 1e6)


# --------------------------------------------------------------------------
# The ways: each a function (n) -> µs per operation
# --------------------------------------------------------------------------

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


def raw_run_noop(n):
    with RawLoop() as raw:
        return time_per_op(lambda: raw.run(noop()), n)


def raw_ping_pong(n):
    with RawLoop() as raw:
        in_queue, out_queue = raw.run(_make_queues())
        worker = asyncio.run_coroutine_threadsafe(increment_worker(in_queue, out_queue),
                                                  raw.loop)

        def round_trip():
            raw.run(in_queue.put(1))
            raw.run(out_queue.get())

        result = time_per_op(round_trip, n)
        worker.cancel()
        return result


def runner_run_noop(runner_class):
    def measure(n):
        with runner_class() as runner:
            if hasattr(runner, 'run'):
                return time_per_op(lambda: runner.run(noop()), n)
            return time_per_op(lambda: runner.create_task(noop()).wait(), n)
    return measure


def runner_ping_pong(runner_class, queue_class):
    def measure(n):
        with runner_class() as runner:
            in_queue, out_queue = queue_class[int](runner), queue_class[int](runner)
            worker = runner.create_task(increment_worker(in_queue, out_queue))

            def round_trip():
                in_queue.put_wait(1)
                out_queue.get_wait()

            result = time_per_op(round_trip, n)
            worker.cancel()
            return result
    return measure


def threaded_async_module():
    """Returns (module, description), or (None, why not)."""
    try:
        import threaded_async
    except ImportError as error:
        return None, f'not importable ({error}): not measured'
    if getattr(threaded_async, 'AsyncRunner', None) is Ta.Runner:
        return threaded_async, (
            'the ta-glib-backed port from tests/python/compat '
            f'({os.path.dirname(threaded_async.__file__)}): ta-glib under '
            "threaded_async's names, NOT the real threaded_async")
    version = getattr(threaded_async, '__version__', None)
    if version is None:
        try:
            from importlib import metadata
            version = metadata.version('threaded-async')
        except Exception:  # noqa: BLE001 - any failure: version unknown
            version = 'version unknown'
    return threaded_async, f'threaded_async {version} ({threaded_async.__file__})'


def benches():
    """[(job, [(way, function)]), ...]; the first way is the baseline."""
    module, _ = threaded_async_module()
    name = 'threaded_async'
    if module is not None and module.AsyncRunner is Ta.Runner:
        name = 'compat port (ta-glib again)'
    run_ways = [('asyncio run_coroutine_threadsafe', raw_run_noop),
                ('ta-glib Ta.Runner.run', runner_run_noop(Ta.Runner))]
    ping_ways = [('asyncio Queues, threadsafe calls', raw_ping_pong),
                 ('ta-glib Ta.Queue', runner_ping_pong(Ta.Runner, Ta.Queue))]
    if module is not None:
        call = 'run' if hasattr(module.AsyncRunner, 'run') else 'create_task().wait'
        run_ways.append((f'{name} AsyncRunner.{call}', runner_run_noop(module.AsyncRunner)))
        ping_ways.append((f'{name} Queue',
                          runner_ping_pong(module.AsyncRunner, module.Queue)))
    return [('run(noop) round trip', run_ways, 20000),
            ('queue ping-pong round trip', ping_ways, 10000)]


def measure(options, pinned):
    """Yields (job, way, median µs, median CPU µs) for one mode, in this process."""
    if pinned:
        os.sched_setaffinity(0, {0})
    for job, ways, count in benches():
        n = max(1, int(count * options['scale']))
        values = [[] for _ in ways]
        for run in range(options['runs']):
            for i in range(len(ways)):
                k = (run + i) % len(ways)
                values[k].append(ways[k][1](n))
        for (way, _), v in zip(ways, values):
            yield (job, way, statistics.median(wall for wall, _ in v),
                   statistics.median(cpu for _, cpu in v))


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


def bench_machine():
    """The bench-machine helper of the build tree that GI_TYPELIB_PATH names."""
    for directory in os.environ.get('GI_TYPELIB_PATH', '').split(os.pathsep):
        if directory:
            path = os.path.join(directory, os.pardir, 'bench', 'bench-machine')
            if os.access(path, os.X_OK):
                return os.path.normpath(path)
    return None


def main(argv):
    options = parse(argv)
    if options['child'] is not None:
        # One mode per process: affinity is inherited by threads.
        for job, way, value, cpu in measure(options, options['child'] == 'pinned'):
            print(f'{job}\t{way}\t{value}\t{cpu}')
        return 0

    if os.environ.get(WRAPPED_ENV) is None:
        helper = bench_machine()
        if helper is not None:
            os.environ[WRAPPED_ENV] = '1'
            os.execv(helper, [helper, sys.executable, os.path.abspath(argv[0])] + argv[1:])
        print('(bench-machine not found beside GI_TYPELIB_PATH: machine facts not printed)')

    _, description = threaded_async_module()
    print(f'ta-glib from Python {sys.version.split()[0]}: medians of {options["runs"]} runs, '
          'µs per operation; ratio = baseline / figure, above 1 is faster')
    print(f'threaded_async: {description}\n')
    print(f'{"":36} {"mode":9} {"way":44} {"µs":>9} {"ratio":>7}')
    for mode in ('unpinned', 'pinned'):
        if not options[mode]:
            continue
        child = subprocess.run(
            [sys.executable, argv[0], f'--runs={options["runs"]}',
             f'--scale={options["scale"]}', f'--child={mode}'],
            check=True, capture_output=True, text=True)
        rows = [line.split('\t') for line in child.stdout.splitlines()]
        for column, suffix in ((2, ''), (3, ', CPU time')):
            baseline = {}
            for row in rows:
                job, way, value = row[0] + suffix, row[1], float(row[column])
                if job not in baseline:
                    baseline[job] = value
                    ratio = '(base)'
                else:
                    ratio = f'{baseline[job] / value:6.2f}x'
                print(f'{job:36} {mode:9} {way:44} {value:9.1f} {ratio:>7}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
