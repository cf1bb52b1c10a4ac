# SPDX-License-Identifier: LGPL-2.1-or-later
"""Coroutines on a runner seen from any thread: :class:`BackgroundTask`,
its done callbacks, and waits over several tasks; and the function that
``Runner.call_in_loop()`` runs on the runner thread.

``BackgroundTask`` takes :class:`TaskCallbacks` as a base: a task reports
its end to callbacks that run on the thread that asked (through its GLib
main context or its asyncio loop), and plain threads wait for the first of
several tasks (:func:`wait_any`) or for each as it ends
(:func:`as_completed`).
"""

import asyncio
import inspect
import queue
import threading
import time
import typing

from gi.repository import GLib

from ..module import get_introspection_module
from ._ta_blocking import _blocking_wait
from ._ta_bridge import _gio_await
from ._ta_errors import EventLoopTimeoutError, ForcedThreadShutdown, _describe
from ._ta_timeouts import USE_DEFAULT_TIMEOUT

Ta = get_introspection_module('Ta')

__all__ = ['BackgroundTask', 'wait_any', 'as_completed']

T = typing.TypeVar('T')


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
        Ta.Event.wait_async(self._done, cancellable,
                            lambda source, result: callback(self, result, *user_data))

    def wait_finish(self, result):
        """Finishes :meth:`wait_async`: returns what the coroutine returned,
        or raises what it raised (``asyncio.CancelledError`` for a cancelled
        task, ``GLib.Error`` for a cancelled wait)."""
        Ta.Event.wait_finish(self._done, result)
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
                raise EventLoopTimeoutError('as_completed()', timeout) from None
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


def _close_unused(awaitable):
    """Closes a coroutine that will never run, as asyncio would warn."""
    if inspect.iscoroutine(awaitable):
        awaitable.close()


class _Outcome:
    __slots__ = ('result', 'error', 'cancelled')

    def __init__(self, result=None, error=None, cancelled=None):
        self.result = result
        self.error = error
        self.cancelled = cancelled


_EVENT_POOL_SIZE = 16


class _LoopCall:
    """A function that call_in_loop() runs on the runner thread: it either
    starts there, or is abandoned by its caller first, never both."""

    __slots__ = ('fun', 'state', 'lock', 'started', 'abandoned', 'result',
                 'error', 'done')

    def __init__(self, fun, state):
        self.fun = fun
        self.state = state
        self.lock = threading.Lock()
        self.started = self.abandoned = False
        self.result = self.error = None
        try:
            self.done = state.events.pop()
        except IndexError:
            self.done = Ta.Event.new()

    def run(self):
        with self.lock:
            if self.abandoned:
                return
            self.started = True
        try:
            self.result = self.fun()
        except BaseException as error:  # noqa: B036
            self.error = error
        Ta.Event.set(self.done)

    def abandon(self):
        """The caller gives up; whether ``fun`` had not finished."""
        with self.lock:
            self.abandoned = not self.started
        return not Ta.Event.is_set(self.done)

    def outcome(self):
        events = self.state.events
        if len(events) < _EVENT_POOL_SIZE:
            Ta.Event.clear(self.done)
            events.append(self.done)
        if self.error is not None:
            raise self.error
        return self.result


class BackgroundTask(TaskCallbacks, typing.Generic[T]):
    """A coroutine running on a runner, seen from any thread.

    Created by :meth:`Runner.create_task`. ``wait()`` blocks a thread for
    the result; ``await task`` waits from any asyncio loop;
    ``add_done_callback()`` calls back on the thread that asked, from its
    GLib main context or asyncio loop.
    """

    def __init__(self, runner, awaitable, state=None):
        self._runner = runner
        self._state = runner._ta_state() if state is None else state
        self._awaitable = awaitable
        self._name = _describe(awaitable)
        self._outcome = None          # final once set, under state.lock
        # Set once _outcome is; reused from a task that is gone.
        try:
            self._done = self._state.events.pop()
        except IndexError:
            self._done = Ta.Event.new()
        self._asyncio_task = None     # the runner thread's
        self._cancel_requested = False
        self._running = False

    def __repr__(self):
        state = 'done' if self.done() else 'pending'
        return f'<BackgroundTask {self._name} {state}>'

    def __del__(self):
        # A settled task's event serves the next task: making one costs
        # more than clearing it. Nobody can wait on it any more.
        try:
            events = self._state.events
            if self._outcome is not None and len(events) < _EVENT_POOL_SIZE:
                Ta.Event.clear(self._done)
                events.append(self._done)
        except Exception:  # noqa: S110 - interpreter shutdown, half-built task
            pass

    # -- on the runner thread -----------------------------------------------

    def _start(self):
        if self._state.stopping:
            self._settle(_Outcome(cancelled=asyncio.CancelledError()))
            return
        try:
            task = self._state.loop.create_task(self._run(), name=self._name)
        except BaseException as error:  # noqa: B036
            self._settle(_Outcome(error=error))
            return
        self._asyncio_task = task
        # Cancelled before its first step, _run() never runs its body: a
        # done callback settles the task then, and only then.
        task.add_done_callback(self._asyncio_task_done)
        if self._cancel_requested:
            task.cancel()

    async def _run(self):
        self._running = True
        self._asyncio_task.remove_done_callback(self._asyncio_task_done)
        try:
            result = await self._awaitable
        except (asyncio.CancelledError, ForcedThreadShutdown) as error:
            self._settle(_Outcome(cancelled=error))
        except BaseException as error:  # noqa: B036
            self._settle(_Outcome(error=error))
        else:
            self._settle(_Outcome(result=result))

    def _asyncio_task_done(self, asyncio_task):
        self._settle(_Outcome(cancelled=asyncio.CancelledError()))

    def _request_cancel(self):
        if self._asyncio_task is not None:
            self._asyncio_task.cancel()
        else:
            self._cancel_requested = True

    # -- from anywhere --------------------------------------------------------

    def _settle(self, outcome):
        """Sets the outcome, once: the first one wins."""
        state = self._state
        with state.lock:
            if self._outcome is not None:
                return
            self._outcome = outcome
            state.pending.discard(self)
            if outcome.error is not None:
                state.failed[self] = None
            awaitable, self._awaitable = self._awaitable, None
        if not self._running:
            _close_unused(awaitable)
        Ta.Event.set(self._done)
        if self._ta_callbacks:
            self._ta_call_back()

    def _take(self):
        outcome = self._outcome
        if outcome.error is not None:
            with self._state.lock:
                self._state.failed.pop(self, None)
            raise outcome.error
        if outcome.cancelled is not None:
            raise asyncio.CancelledError() from outcome.cancelled
        return outcome.result

    def wait(self, timeout=USE_DEFAULT_TIMEOUT):
        """Blocks until the task is done and returns its result.

        Raises what the coroutine raised, ``asyncio.CancelledError`` if it
        was cancelled, or :class:`EventLoopTimeoutError` if it did not
        finish within ``timeout`` seconds (``None`` waits forever,
        ``USE_DEFAULT_TIMEOUT`` uses the runner's ``call_in_loop_timeout``);
        a timed-out wait leaves the task running and may be repeated.
        """
        if self._runner.in_runner_loop:
            raise RuntimeError('Cannot wait for task in runner loop: await it')
        return self._wait(timeout)

    def _wait(self, timeout):
        """wait(), known to be off the runner loop."""
        if self._outcome is None:
            runner = self._runner
            try:
                # The stop settles every task: no need to watch the runner.
                _blocking_wait(None, runner._timeout_us(timeout), 'Task.wait()',
                               Ta.Event.wait, self._done)
            except GLib.Error:
                raise EventLoopTimeoutError(
                    self._name, runner._resolve_timeout(timeout)) from None
        return self._take()

    def done(self):
        """Whether the task is done (returned, raised or was cancelled)."""
        return self._outcome is not None

    def cancel(self, timeout=USE_DEFAULT_TIMEOUT, wait=False):
        """Asks the task to stop: ``asyncio.CancelledError`` is raised in it.

        Returns ``False`` if the task was done already, ``True`` otherwise.
        By default it does not wait (and ``timeout`` is unused): ``done()``
        turns true once the coroutine has reacted. With ``wait=True`` it
        blocks until the task is done, for at most ``timeout`` seconds
        (:class:`EventLoopTimeoutError` after that, the task still
        running), so that ``done()`` is then true. Either way ``wait()``
        then raises ``CancelledError`` unless the coroutine chose to finish
        otherwise.
        """
        if self._outcome is not None:
            return False
        in_runner_loop = self._runner.in_runner_loop
        if wait and in_runner_loop:
            raise RuntimeError('Cannot wait for a task to cancel in the runner loop')
        if in_runner_loop:
            self._request_cancel()
            return True
        try:
            self._state.loop.call_soon_threadsafe(self._request_cancel)
        except RuntimeError:
            pass  # the loop is gone: the stop settled the task
        if wait and self._outcome is None:
            try:
                _blocking_wait(None, self._runner._timeout_us(timeout), 'Task.cancel()',
                               Ta.Event.wait, self._done)
            except GLib.Error:
                raise EventLoopTimeoutError(
                    f'the cancellation of {self._name}',
                    self._runner._resolve_timeout(timeout)) from None
        return True

    async def _wait_async(self):
        if self._outcome is None:
            done = self._done
            await _gio_await(self._runner,
                             lambda c, cb: Ta.Event.wait_async(done, c, cb),
                             lambda result: Ta.Event.wait_finish(done, result))
        return self._take()

    def __await__(self):
        return self._wait_async().__await__()

