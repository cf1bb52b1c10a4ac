# SPDX-License-Identifier: LGPL-2.1-or-later
"""The end of a runner's stop, once its thread is gone or found stuck:
the library's stop (on a thread of its own when called from the main
thread, so that Ctrl-C can interrupt the wait for it), the report of the
errors nobody retrieved, and the force stop of a stuck runner thread.
"""

import asyncio
import logging
import sys
import threading
import traceback
import warnings

from gi.repository import GLib

from ..module import get_introspection_module
from ._ta_blocking import _blocking_wait
from ._ta_errors import (ForcedThreadShutdown, RunnerNotRunningError, ShutdownType,
                         _ta_error)
from ._ta_guest_loop import _set_async_exc
from ._ta_tasks import _Outcome
from ._ta_timeouts import _to_us

Ta = get_introspection_module('Ta')


class _LibraryStop:
    """The library's stop of a runner, within ``timeout`` seconds."""

    def __init__(self, runner, timeout):
        self.runner = runner
        self.timeout = timeout
        self.error = None
        self.done = Ta.Event.new()
        if threading.current_thread() is threading.main_thread():
            threading.Thread(target=self.run, daemon=True,
                             name=f'stop {runner.props.name}').start()
        else:
            self.run()

    def run(self):
        runner = self.runner
        saved = runner.props.exit_timeout
        try:
            if self.timeout is not None:
                runner.props.exit_timeout = _to_us(self.timeout)
            Ta.Runner.stop(runner)
        except GLib.Error as error:
            self.error = error
        finally:
            runner.props.exit_timeout = saved
            Ta.Event.set(self.done)

    def wait(self):
        _blocking_wait(None, Ta.TIMEOUT_INFINITE, 'Runner.stop()', Ta.Event.wait,
                       self.done)


# The runner's logger, named after the module users import.
_logger = logging.getLogger(__package__ + '.Ta')


def _log_stuck_stack(name, thread_id, stuck_in):
    """Logs the Python stack of a stuck runner thread, as it is now."""
    frame = sys._current_frames().get(thread_id) if thread_id is not None else None
    stack = ''.join(traceback.format_stack(frame)) if frame is not None else '(no Python frame)\n'
    _logger.error('Runner %r is stuck in %s and is being brought down; its thread '
                  'was running:\n%s', name, stuck_in, stack.rstrip('\n'))


def _finish_stop(runner, state, exit_timeout):
    """stop() once the thread is gone: settles, reports, warns."""
    errors = []
    stuck = None
    error = state.stop_library.error
    if error is not None:
        if _ta_error(error, Ta.Error.TIMEOUT):
            stuck = error.message
        elif not _ta_error(error, Ta.Error.UNRETRIEVED):
            errors.append(error)

    stuck_warning = None
    if stuck is not None:
        stuck_warning = _force_stop(runner, state, exit_timeout)

    # Other loops awaiting what this runner will never answer now.
    with state.lock:
        bridges = list(state.bridges)
    for bridge in bridges:
        bridge.post(None, RunnerNotRunningError(
            f'Runner {runner.props.name!r} stopped before answering'))

    # Errors of the library's own tasks (spawned from Python with a
    # task function), then those of coroutines.
    errors.extend(Ta.Runner.dup_unretrieved_errors(runner))
    # Tasks that never started, or that a stuck loop still holds.
    state.stopping = True
    with state.lock:
        pending = list(state.pending)
    for task in pending:
        task._settle(_Outcome(cancelled=asyncio.CancelledError()))
    with state.lock:
        failed = list(state.failed)
        state.failed.clear()
    errors.extend(task._outcome.error for task in failed)

    # Last, once everything is settled: warnings may be errors.
    state.stop_done = True
    if stuck_warning is None and state.outlived:
        names = ', '.join(repr(name) for name in state.outlived)
        stuck_warning = (f'Runner {runner.props.name!r} stopped while {names} '
                         f'ignored cancellation: dropped unfinished')
    if stuck_warning is not None:
        try:
            warnings.warn(stuck_warning, RuntimeWarning, stacklevel=3)
        except Exception as error:
            if not errors:
                raise
            errors.append(error)
    if errors:
        raise BaseExceptionGroup(  # noqa: F821
            f'{len(errors)} background task error(s) of runner '
            f'{runner.props.name!r} were not retrieved', errors)

def _force_stop(runner, state, exit_timeout):
    """Raises ForcedThreadShutdown on a stuck runner thread; returns
    what to warn about."""
    loop = state.loop
    current = asyncio.current_task(loop) if loop is not None else None
    stuck_in = f'task {current.get_name()!r}' if current is not None else 'a callback'
    state.forced = ShutdownType.FAILED_FORCE_STOPPED
    if state.log_forced_stack:
        _log_stuck_stack(runner.props.name, state.thread_id, stuck_in)
    with state.lock:
        # Not once the thread runs its last Python: that must finish.
        if state.thread_id is not None and not state.thread_leaving:
            _set_async_exc(state.thread_id, ForcedThreadShutdown)
    if state.thread_exited.wait(exit_timeout):
        state.forced = ShutdownType.FORCE_STOPPED
    return (f'Runner {runner.props.name!r} did not stop within {exit_timeout} s: its '
            f'loop was stuck in {stuck_in}; shutdown type {state.forced.name}')

# -- work ---------------------------------------------------------------------
