# SPDX-License-Identifier: LGPL-2.1-or-later
"""The interpreter exits although threads still wait on runners."""

import subprocess
import sys
import textwrap

import pytest

from conftest import HANG

WAITER = textwrap.dedent('''
    import asyncio, os, sys, threading
    import gi
    gi.require_version('Ta', '1')
    from gi.repository import Ta

    runner = Ta.Runner(name='left-running')
    runner.start()
    queue = Ta.Queue(runner)
    event = Ta.Event(runner)
    future = Ta.Future(runner)

    async def forever():
        await asyncio.Event().wait()

    waits = {
        'task.wait': lambda: runner.create_task(forever()).wait(None),
        'run': lambda: runner.run(forever(), None),
        'get_wait': lambda: queue.get_wait(None),
        'event.wait': lambda: event.wait(None),
        'result_wait': lambda: future.result_wait(None),
    }
    started = threading.Barrier(len(waits) + 1)

    def wait(name, how):
        started.wait()
        try:
            how()
        except (asyncio.CancelledError, Ta.RunnerNotRunningError) as error:
            # One write: lines of threads do not interleave.
            os.write(1, f'{name}: {type(error).__name__}\\n'.encode())

    for name, how in waits.items():
        threading.Thread(target=wait, args=(name, how), name=name).start()
    started.wait()
    # The main thread ends here, the waiting threads still waiting.
''')


def test_exit_with_non_daemon_threads_waiting_on_a_runner(tmp_path):
    script = tmp_path / 'waiter.py'
    script.write_text(WAITER)
    try:
        child = subprocess.run([sys.executable, str(script)], capture_output=True,
                               text=True, timeout=HANG)
    except subprocess.TimeoutExpired:
        pytest.fail('the interpreter did not exit')
    assert child.returncode == 0, child.stderr
    # Each wait ends in an error (whether the stop came before or during it).
    ended = dict(line.split(': ') for line in child.stdout.splitlines())
    assert sorted(ended) == ['event.wait', 'get_wait', 'result_wait', 'run',
                             'task.wait'], child.stdout + child.stderr
    assert 'Traceback' not in child.stderr, child.stderr
