# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ta.Watchdog from Python: stalls reported live, named, with their stack."""

import asyncio
import threading

from gi.repository import GLib, Ta

from conftest import HANG


def _iterate_until(predicate):
    context = GLib.MainContext.default()
    deadline = GLib.get_monotonic_time() + int(HANG * 1e6)
    while not predicate():
        assert GLib.get_monotonic_time() < deadline
        context.iteration(True)


def test_runner_stall_names_the_coroutine_and_its_stack(blocker):
    seen = []

    def on_stall(watchdog, stall):
        assert threading.current_thread() is threading.main_thread()
        if stall.is_over():
            seen.append(('over', stall.get_duration(), None, None))
        else:
            seen.append(('live', stall.get_what(), stall.python_task(), stall.python_stack()))
            blocker.release.set()

    async def stuck_coroutine():
        await asyncio.sleep(0)
        blocker.entered.set()
        # Held until the live report has been read: reported while it lasts.
        assert blocker.release.wait(HANG)
        return 42

    with Ta.Runner(name='py-stall', stall_threshold=50_000) as runner:
        watchdog = runner.dup_watchdog()
        assert watchdog.get_threshold() == 50_000
        watchdog.connect('stall', on_stall)
        task = runner.create_task(stuck_coroutine())
        _iterate_until(lambda: len(seen) >= 2)
        assert task.wait(HANG) == 42

    kind, what, task_name, stack = seen[0]
    assert kind == 'live'
    assert 'asyncio' in what
    assert task_name.startswith('<Task pending name=')
    assert '.stuck_coroutine' in task_name
    assert any('in stuck_coroutine' in line for line in stack)
    assert seen[1][0] == 'over'
    assert seen[1][1] >= 50_000
    statistics = watchdog.dup_statistics().unpack()
    assert statistics['n-stalls'] == 1
    assert statistics['sources'][0][1] == 1


def test_watchdog_on_a_plain_context_reports_on_the_chosen_one():
    context = GLib.MainContext.new()
    loop = GLib.MainLoop.new(context, False)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    release = threading.Event()
    seen = []

    def slow(*args):
        assert release.wait(HANG)
        return GLib.SOURCE_REMOVE

    def on_stall(watchdog, stall):
        assert threading.current_thread() is threading.main_thread()
        seen.append((stall.is_over(), stall.get_what(), stall.get_stack()))
        release.set()

    watchdog = Ta.Watchdog(context=context, threshold=50_000, interrupt_signal=23)
    watchdog.connect('stall', on_stall)
    source = GLib.idle_source_new()
    source.set_name('python-slow')
    source.set_callback(slow)
    source.attach(context)
    try:
        _iterate_until(lambda: len(seen) >= 2)
    finally:
        watchdog.detach()
        release.set()
        context.invoke_full(GLib.PRIORITY_DEFAULT, loop.quit)
        thread.join(HANG)
    assert not watchdog.is_attached()
    assert seen[0][0] is False and seen[0][1] == 'python-slow'
    assert seen[0][2] is not None
    assert seen[1][0] is True and seen[1][1] == 'python-slow'
