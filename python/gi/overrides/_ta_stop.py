# SPDX-License-Identifier: LGPL-2.1-or-later
"""A runner's stop: the cancellation of its asyncio tasks, the library's
stop (on a thread of its own when called from the main thread, so that
Ctrl-C can interrupt the wait for it), the report of the errors nobody
retrieved, and the force stop of a stuck runner thread.
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
from ._ta_errors import (EventLoopTimeoutError, ForcedThreadShutdown,
                         RunnerNotRunningError, ShutdownType, _ta_error)
from ._ta_guest_loop import _cancel_everything, _live_lock, _live_runners, _set_async_exc
from ._ta_tasks import _Outcome
from ._ta_timeouts import _Deadline, _to_us

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


def _stop(runner):
    """``Runner.stop()``: see there."""
    if runner.in_runner_loop or Ta.Runner.is_runner_thread(runner):
        raise RuntimeError(f'Runner {runner.props.name!r} cannot be stopped from '
                           'its own thread: stop would wait for itself')
    state = runner._ta_state()
    if state.stop_done:
        return
    if not state.stopped:
        # Once: a stop that Ctrl-C interrupted goes on from where it
        # was, with what is left of the same time.
        state.stopped = True
        state.stop_exit_timeout = runner.exit_timeout
        state.stop_deadline = _Deadline(state.stop_exit_timeout)
        if Ta.Runner.is_running(runner) and state.loop is not None:
            state.stop_cancel = runner._create_task(_cancel_everything(state), True)
    exit_timeout = state.stop_exit_timeout
    deadline = state.stop_deadline

    # Cancel every asyncio task, and let them finish, within three
    # quarters of the time; the library's stop gets the rest.
    if state.stop_cancel is not None:
        try:
            state.stop_cancel.wait(deadline.remaining(0.75))
        except (EventLoopTimeoutError, RunnerNotRunningError,
                asyncio.CancelledError):
            pass
        except Exception:
            traceback.print_exc()
        state.stop_cancel = None

    # The library's stop takes up to what is left of exit_timeout. On
    # the main thread another thread makes it, so that Ctrl-C can
    # interrupt the wait for it.
    with state.stop_lock:
        if state.stop_library is None:
            state.stop_library = _LibraryStop(runner, deadline.remaining())
    state.stop_library.wait()
    with _live_lock:
        _live_runners.discard(runner)
    # What follows, once, by one of the threads that stop the runner.
    with state.stop_lock:
        if state.stop_finishing:
            return
        state.stop_finishing = True
    try:
        _finish_stop(runner, state, exit_timeout)
    except BaseException:
        if not state.stop_done:
            state.stop_finishing = False
        raise


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

    # Last, once everything is settled: warnings may be errors. A forced
    # stop is silent when log_forced_shutdown_stack_trace is off, as in
    # threaded_async: that says a stuck loop is expected here.
    state.stop_done = True
    if stuck is None and state.outlived:
        names = ', '.join(repr(name) for name in state.outlived)
        stuck_warning = (f'Runner {runner.props.name!r} stopped while {names} '
                         f'ignored cancellation: dropped unfinished')
    if stuck_warning is not None and (stuck is None or state.log_forced_stack):
        try:
            warnings.warn(stuck_warning, RuntimeWarning, stacklevel=4)
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
