# SPDX-License-Identifier: LGPL-2.1-or-later
"""Done callbacks and waits over several tasks, for ``Ta.BackgroundTask``.

``BackgroundTask`` takes :class:`TaskCallbacks` as a base: a task reports
its end to callbacks that run on the thread that asked (through its GLib
main context or its asyncio loop), and plain threads wait for the first of
several tasks (:func:`wait_any`) or for each as it ends
(:func:`as_completed`).
"""

import asyncio
import queue
import time

from gi.module import get_introspection_module
from gi.repository import GLib

__all__ = ['wait_any', 'as_completed']


def _on_loop(loop):
    def schedule(callback, task):
        try:
            loop.call_soon_threadsafe(callback, task)
        except RuntimeError:
            pass  # the loop is closed: nobody is left to call back
    return schedule


def _on_context(context):
    def schedule(callback, task):
        source = GLib.Idle()
        source.set_name('Ta.BackgroundTask done callback')

        def dispatch(*unused):
            callback(task)
            return GLib.SOURCE_REMOVE

        source.set_callback(dispatch)
        source.attach(context)
    return schedule


def _inline(callback, task):
    callback(task)


def _target(context, loop):
    if context is not None and loop is not None:
        raise TypeError('Give a GLib.MainContext or an asyncio loop, not both')
    if loop is not None:
        return _on_loop(loop)
    if context is not None:
        return _on_context(context)
    running = asyncio.events._get_running_loop()
    if running is not None:
        return _on_loop(running)
    return _on_context(GLib.MainContext.ref_thread_default())


class TaskCallbacks:
    """What a task offers besides waiting: callbacks and a look at its end.

    Expects of the task: ``_outcome`` (set once, under ``_state.lock``),
    ``_take()`` and ``_state``.
    """

    _ta_callbacks = None   # [(callback, schedule)], under _state.lock

    def add_done_callback(self, callback, *, context=None, loop=None):
        """Calls ``callback(task)`` once the task is done.

        It runs on the thread that asked: in its running asyncio loop if it
        has one (the runner's loop, on the runner), otherwise from its
        thread-default ``GLib.MainContext`` (the global default context on
        a thread that pushed none), which a GLib main loop must run. Pass
        ``context`` (a ``GLib.MainContext``) or ``loop`` (an asyncio loop)
        to choose. A task done already calls back all the same, from that
        context or loop, never from within this call.
        """
        schedule = _target(context, loop)
        self._ta_add(callback, schedule)

    def remove_done_callback(self, callback):
        """Removes every registration of ``callback``; returns how many."""
        with self._state.lock:
            callbacks = self._ta_callbacks or []
            kept = [entry for entry in callbacks if entry[0] != callback]
            self._ta_callbacks = kept
        return len(callbacks) - len(kept)

    def _ta_add(self, callback, schedule):
        with self._state.lock:
            if self._outcome is None:
                if self._ta_callbacks is None:
                    self._ta_callbacks = []
                self._ta_callbacks.append((callback, schedule))
                return
        schedule(callback, self)

    def _ta_call_back(self):
        """Once the outcome is set: schedules the callbacks, once."""
        with self._state.lock:
            callbacks, self._ta_callbacks = self._ta_callbacks, None
        for callback, schedule in callbacks or ():
            schedule(callback, self)

    def wait_async(self, cancellable, callback, *user_data):
        """Waits for the task without blocking, the GIO way.

        ``callback(task, result, *user_data)`` runs in the caller's
        thread-default ``GLib.MainContext`` once the task is done (or the
        wait was cancelled through ``cancellable``), never from within this
        call; pass ``result`` to :meth:`wait_finish`.
        """
        event = get_introspection_module('Ta').Event
        event.wait_async(self._done, cancellable,
                         lambda source, result: callback(self, result, *user_data))

    def wait_finish(self, result):
        """Finishes :meth:`wait_async`: returns what the coroutine returned,
        or raises what it raised (``asyncio.CancelledError`` for a cancelled
        task, ``GLib.Error`` for a cancelled wait)."""
        get_introspection_module('Ta').Event.wait_finish(self._done, result)
        return self._take()

    def result(self):
        """The task's result, without waiting.

        Raises what the coroutine raised, ``asyncio.CancelledError`` if it
        was cancelled, and ``asyncio.InvalidStateError`` if it is not done.
        """
        if self._outcome is None:
            raise asyncio.InvalidStateError(f'{self!r} is not done')
        return self._take()

    def exception(self):
        """What the coroutine raised (``None`` if it returned), without
        waiting. Raises ``asyncio.CancelledError`` if it was cancelled and
        ``asyncio.InvalidStateError`` if it is not done."""
        outcome = self._outcome
        if outcome is None:
            raise asyncio.InvalidStateError(f'{self!r} is not done')
        if outcome.error is None:
            self._take()  # raises the cancellation, if any
            return None
        try:
            self._take()  # counts as retrieved at the runner's stop
        except BaseException as error:  # noqa: B036
            return error
        return None

    def cancelled(self):
        """Whether the task ended cancelled."""
        outcome = self._outcome
        return outcome is not None and outcome.cancelled is not None


def _check_timeout(timeout):
    if timeout is not None and timeout < 0:
        raise ValueError(f'timeout must be None or >= 0, not {timeout}')


def _check_off_loops(tasks, what):
    for task in tasks:
        if task._runner.in_runner_loop:
            raise RuntimeError(f'{what} would block the runner loop: await the tasks '
                               'with asyncio.wait() or asyncio.as_completed() instead')


def _timed_out(what, timeout):
    from .Ta import EventLoopTimeoutError  # noqa: PLC0415 - Ta imports this module
    return EventLoopTimeoutError(what, timeout)


def as_completed(tasks, timeout=None):
    """Yields the given tasks as each is done, the first done first.

    Blocks the calling thread (not a runner's loop: coroutines use
    ``asyncio.as_completed()``); ``timeout`` in seconds (``None``: no
    limit) bounds the whole iteration, after which
    :class:`EventLoopTimeoutError` is raised.
    """
    _check_timeout(timeout)
    tasks = list(dict.fromkeys(tasks))
    _check_off_loops(tasks, 'as_completed()')
    done = queue.SimpleQueue()
    put = done.put
    end = None if timeout is None else time.monotonic() + timeout
    for task in tasks:
        task._ta_add(put, _inline)
    try:
        for _ in tasks:
            left = None if end is None else max(0.0, end - time.monotonic())
            try:
                yield done.get(timeout=left)
            except queue.Empty:
                raise _timed_out('as_completed()', timeout) from None
    finally:
        for task in tasks:
            task.remove_done_callback(put)


def wait_any(tasks, timeout=None):
    """Blocks until one of the tasks is done and returns it.

    Raises :class:`EventLoopTimeoutError` after ``timeout`` seconds
    (``None``: no limit), and ``ValueError`` for no tasks.
    """
    tasks = list(tasks)
    if not tasks:
        raise ValueError('wait_any() needs at least one task')
    completed = as_completed(tasks, timeout)
    try:
        return next(completed)
    finally:
        completed.close()
