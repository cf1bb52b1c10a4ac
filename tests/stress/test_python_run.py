# SPDX-License-Identifier: LGPL-2.1-or-later
"""run() from 8 threads at once: every call returns its own result.

10 × TA_STRESS_ITEMS calls in all (TA_STRESS_ITEMS=10000: 100,000).
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'python'))

from conftest import HANG, Ta, runner  # noqa: E402,F401 - the fixture

CALLS = 10 * int(os.environ.get('TA_STRESS_ITEMS', '1000'))
THREADS = 8


async def echo(value):
    return value


def test_run_from_eight_threads(runner):
    per_thread = CALLS // THREADS
    results = [None] * THREADS
    barrier = threading.Barrier(THREADS + 1)

    def work(t):
        barrier.wait()
        mine = []
        for i in range(per_thread):
            mine.append(runner.run(echo((t, i)), HANG))
        results[t] = mine

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.monotonic()
    for thread in threads:
        thread.join(HANG * 10)
        assert not thread.is_alive()
    elapsed = time.monotonic() - start
    wrong = sum(1 for t in range(THREADS)
                for i, got in enumerate(results[t] or []) if got != (t, i))
    missing = sum(per_thread - len(results[t] or []) for t in range(THREADS))
    print(f'run(): {per_thread * THREADS} calls from {THREADS} threads in '
          f'{elapsed:.2f} s ({per_thread * THREADS / elapsed:,.0f}/s), '
          f'{wrong} wrong, {missing} missing')
    assert (wrong, missing) == (0, 0)
