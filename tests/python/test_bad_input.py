# SPDX-License-Identifier: LGPL-2.1-or-later
"""Bad input to the override: a Python exception, never a C critical."""

import math
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import HANG, Ta

# Run in a child with criticals fatal: one that reached C aborts it.
FUZZ = textwrap.dedent('''
    import asyncio, math, sys
    import gi
    gi.require_version('Ta', '1')
    from gi.repository import Ta

    BAD = [None, 'x', b'', [], {}, object(), math.nan, math.inf, -math.inf,
           1e300, -1e300, 10 ** 30, -(10 ** 30), 2 ** 64, -1, -2, -0.5, -1.5,
           True, 0, 0.0, 1e-9, Ta.USE_DEFAULT_TIMEOUT]

    calls = refused = 0

    def attempt(thunk):
        global calls, refused
        calls += 1
        try:
            thunk()
        except Exception:
            refused += 1

    async def answer():
        return 1

    for bad in BAD:
        attempt(lambda: Ta.Runner(exit_timeout=bad).stop())
        attempt(lambda: Ta.Runner(call_in_loop_timeout=bad).stop())
        attempt(lambda: Ta.Runner(name=bad).stop())
        attempt(lambda: Ta.Queue(None, maxsize=bad))
        attempt(lambda: Ta.Server(queue_size=bad).stop())
        attempt(lambda: Ta.Server(event_loop_timeout=bad).stop())
        attempt(lambda: Ta.Server(event_loop_exit_timeout=bad).stop())

    with Ta.Runner(name='fuzz') as runner:
        for bad in BAD:
            def setters():
                try:
                    runner.exit_timeout = bad
                finally:
                    runner.exit_timeout = 1.0
            attempt(setters)

            def call_timeout():
                try:
                    runner.call_in_loop_timeout = bad
                finally:
                    runner.call_in_loop_timeout = None
            attempt(call_timeout)
            attempt(lambda: runner.call_in_loop(lambda: 1, timeout=bad))
            attempt(lambda: runner.call_in_loop(bad))
            attempt(lambda: runner.create_task(bad))
            attempt(lambda: runner.create_task(answer(), bad).wait(bad))
            attempt(lambda: runner.run(answer(), timeout=bad))
            attempt(lambda: runner.run(bad))
            attempt(lambda: runner.wait_for_next_eventloop_iteration(bad))
            task = runner.create_task(answer())
            task.wait(None)
            attempt(lambda: task.wait(bad))
            attempt(lambda: task.cancel(bad))

            for owner in (None, runner):
                event = Ta.Event(owner)
                event.set()
                attempt(lambda: Ta.Event(owner, bad))
                attempt(lambda: event.set(bad))
                attempt(lambda: event.is_set(bad))
                attempt(lambda: event.wait(bad))
                attempt(lambda: event.clear(bad))

                future = Ta.Future(owner)
                attempt(lambda: future.set_exception(bad))
                future = Ta.Future(owner)
                future.set_result(bad)
                attempt(lambda: future.result_wait(bad))
                attempt(lambda: future.set_result(bad))

                queue = Ta.Queue(owner)
                queue.put_nowait(1)
                attempt(lambda: queue.get_wait(bad))
                attempt(lambda: queue.put_wait(bad, bad))
                attempt(lambda: queue.put_nowait(bad))
                attempt(lambda: queue.empty(bad))
                attempt(lambda: queue.full(bad))
                attempt(lambda: queue.qsize(bad))

        with Ta.Server(runner=runner) as server:
            for bad in BAD:
                attempt(lambda: server.process(bad))
                def server_timeout():
                    try:
                        server.event_loop_timeout = bad
                    finally:
                        server.event_loop_timeout = None
                attempt(server_timeout)
                def server_exit_timeout():
                    try:
                        server.event_loop_exit_timeout = bad
                    finally:
                        server.event_loop_exit_timeout = 1.0
                attempt(server_exit_timeout)
                attempt(lambda: server.create_background_task(bad, bad))
                attempt(lambda: server.create_background_task(answer(), bad).wait(None))

    print(f'fuzz: {calls} calls, {refused} refused')
''')


def test_fuzz_public_api_never_reaches_c_as_a_programmer_error(tmp_path):
    script = tmp_path / 'fuzz.py'
    script.write_text(FUZZ)
    env = dict(os.environ, G_DEBUG='fatal-criticals')
    child = subprocess.run([sys.executable, str(script)], env=env,
                           capture_output=True, text=True, timeout=HANG * 4)
    assert child.returncode == 0, child.stderr
    assert 'CRITICAL' not in child.stderr, child.stderr
    assert 'Traceback' not in child.stderr, child.stderr
    assert 'fuzz:' in child.stdout


@pytest.mark.parametrize('timeout', [-1e-9, -0.5, -2, -math.inf, math.nan])
def test_negative_or_nan_timeouts_are_value_errors(runner, timeout):
    with pytest.raises(ValueError):
        runner.exit_timeout = timeout
    with pytest.raises(ValueError):
        runner.call_in_loop_timeout = timeout
    with pytest.raises(ValueError):
        Ta.Queue(runner).get_wait(timeout)
    with pytest.raises(ValueError):
        runner.call_in_loop(lambda: None, timeout)
    with pytest.raises(ValueError):
        Ta.Runner(exit_timeout=timeout)


@pytest.mark.parametrize('timeout', ['1', [], object(), True])
def test_timeouts_of_the_wrong_type_are_type_errors(runner, timeout):
    with pytest.raises(TypeError):
        runner.exit_timeout = timeout
    with pytest.raises(TypeError):
        Ta.Event(runner).wait(timeout)


def test_use_default_timeout_for_a_runner_setting_means_its_default():
    runner = Ta.Runner(exit_timeout=Ta.USE_DEFAULT_TIMEOUT,
                       call_in_loop_timeout=Ta.USE_DEFAULT_TIMEOUT)
    assert runner.exit_timeout == 1.0
    assert runner.call_in_loop_timeout is None
    runner.exit_timeout = 2.5
    runner.exit_timeout = Ta.USE_DEFAULT_TIMEOUT
    assert runner.exit_timeout == 1.0


def test_huge_and_infinite_timeouts_wait_forever(runner):
    runner.exit_timeout = math.inf
    assert runner.exit_timeout is None
    runner.call_in_loop_timeout = 10 ** 30
    assert runner.call_in_loop_timeout is None
    runner.exit_timeout = 1.0
