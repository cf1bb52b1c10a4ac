# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python's face of ta-glib: asyncio coroutines on runner threads.

``Ta.Runner`` runs a GLib main loop on a thread of its own and, inside it,
a real asyncio event loop: ``asyncio.sleep``, ``asyncio.Event``,
``asyncio.Queue``, ``asyncio.create_task``, sockets and the rest work in
coroutines on the runner, interleaved with the GLib sources of the same
thread. Plain threads reach them through blocking calls with timeouts;
other asyncio loops await them. The API follows ``threaded_async``:

    with Ta.Runner() as runner:
        task = runner.create_task(foo())
        print(task.wait())

How asyncio lives on the runner thread ("guest mode"): the runner owns a
``asyncio.SelectorEventLoop`` whose selector never blocks. A
``Ta.GuestLoop`` watches the selector's file descriptor and the time of the
next asyncio timer from the runner's GMainContext, and runs one asyncio
iteration whenever either fires or work is queued from a GLib callback.
When nothing is ready the runner sleeps in poll() like any idle GLib
loop. One Python thread state is kept for the runner thread's whole life,
so ``asyncio.get_running_loop()`` and ``threading.local`` hold across
callbacks.
"""

import asyncio
import atexit
import collections
import ctypes
import dataclasses
import enum
import functools
import inspect
import logging
import math
import numbers
import selectors
import signal
import sys
import threading
import time
import traceback
import types
import _thread
import typing
import warnings

from gi.repository import GLib, GObject, Gio

from ..module import get_introspection_module
from ..overrides import override
from ._ta_async_utils import TimeoutTimer, run_or_raise, wait_for_or_cancel
from ._ta_tasks import TaskCallbacks as _TaskCallbacks, as_completed, wait_any

Ta = get_introspection_module('Ta')

__all__ = ['TimeoutTimer', 'run_or_raise', 'wait_for_or_cancel', 'as_completed',
           'wait_any']

# PyGObject finds the Python class of a GType by name the first time it
# wraps a value of it. This module gives two names to classes of its own:
# the library's are wrapped now, before those names are taken.
_LibraryShutdownType = Ta.ShutdownType
_LibraryClient = Ta.Client

T = typing.TypeVar('T')

#: Pass as a timeout to use the runner's ``call_in_loop_timeout``.
USE_DEFAULT_TIMEOUT = -1.0
__all__.append('USE_DEFAULT_TIMEOUT')

_ERROR_QUARK = Ta.error_quark()
_PYOBJECT = GObject.TYPE_PYOBJECT


def _ta_error(error, code):
    return isinstance(error, GLib.Error) and error.matches(_ERROR_QUARK, code)


def _box(item):
    """Wraps any Python object (None included) for a GValue argument.

    PyGObject passes a tuple as a GValue holding that very tuple (type
    ``PyObject``), which costs less than building a ``GObject.Value``.
    """
    return (item,)


def _unbox(value):
    """The item in a value: Python's unboxed (see _box), another
    language's as it is."""
    return value[0] if type(value) is tuple and len(value) == 1 else value


def _close_unused(awaitable):
    """Closes a coroutine that will never run, as asyncio would warn."""
    if inspect.iscoroutine(awaitable):
        awaitable.close()


def _describe(thing):
    """A short description of a coroutine, callable or awaitable."""
    if type(thing) is types.CoroutineType or inspect.iscoroutine(thing):
        return thing.__qualname__
    name = getattr(thing, '__qualname__', None)
    return name if isinstance(name, str) else repr(thing)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

class EventLoopTimeoutError(TimeoutError):
    """Waiting on a runner's loop, or on work running there, timed out.

    The work is left running: the wait can be repeated.
    """

    def __init__(self, what, timeout, detail=''):
        timeout_string = ('<infinite>' if timeout is None
                          else f'{float(timeout):g}')
        if isinstance(what, _Waiting):
            subject = what
        else:
            subject = f'execution of {_describe(what)} to complete'
        if detail:
            detail = f' {detail[0].upper()}{detail[1:]}'
            if not detail.endswith('.'):
                detail += '.'
        super().__init__(f'Timed out waiting {timeout_string} seconds for {subject}.{detail}')


class _Waiting(str):
    """What a timed-out wait waited for, said as it is: "the event loop of
    runner 'x' to catch up", rather than the execution of something."""


class RunnerNotRunningError(RuntimeError):
    """The runner is not running: not started yet, or stopped."""


class QueueClosedError(Exception):
    """The queue is closed: nothing more can be put, nothing is left to get."""


class ForcedThreadShutdown(BaseException):
    """Raised on a stuck runner thread to bring it down.

    A ``BaseException`` like ``KeyboardInterrupt``, so that ordinary
    ``except Exception`` clauses let it through; not a ``SystemExit``, which
    a callback's error handler would take for a request to end the program.
    """


ExceptionGroup = ExceptionGroup  # noqa: F821,A001 - the built-in, for porting

__all__ += ['EventLoopTimeoutError', 'RunnerNotRunningError',
            'QueueClosedError', 'ForcedThreadShutdown', 'ExceptionGroup']



class ShutdownType(enum.IntEnum):
    """How a runner was shut down.

    The first three are the library's own (``Ta.ShutdownType``); a Python
    runner whose loop was stuck at exit tries to bring its thread down and
    says how that went.
    """
    NOT_SHUT_DOWN = 0         #: not shut down
    STOPPED = 1               #: stopped in order
    ABANDONED = 2             #: stuck, and left running
    FORCE_STOPPED = 3         #: stuck, and its thread was brought down
    FAILED_FORCE_STOPPED = 4  #: stuck, and its thread may still be running
    UNKNOWN = 5               #: threaded_async's, for ports; never reported

    def force_stop_attempted(self):
        """Whether the thread had to be brought down."""
        return self in (ShutdownType.FORCE_STOPPED,
                        ShutdownType.FAILED_FORCE_STOPPED)


__all__.append('ShutdownType')


# ---------------------------------------------------------------------------
# Timeouts
# ---------------------------------------------------------------------------

def _seconds(timeout):
    """A timeout as given to the API, checked: None, USE_DEFAULT_TIMEOUT or
    a float >= 0 (inf included). Raises TypeError or ValueError otherwise,
    so that nothing the API accepts reaches C as a programmer error."""
    if timeout is None:
        return None
    if type(timeout) is not float:
        if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real):
            raise TypeError('timeout must be a number of seconds or None, '
                            f'not {type(timeout).__name__}')
        try:
            timeout = float(timeout)
        except OverflowError:
            timeout = math.inf if timeout > 0 else -math.inf
    if timeout >= 0 or timeout == USE_DEFAULT_TIMEOUT:
        return timeout
    raise ValueError('timeout must be None, USE_DEFAULT_TIMEOUT or >= 0, '
                     f'not {timeout}')


def _to_us(timeout):
    """Seconds (or None, or USE_DEFAULT_TIMEOUT) to a C timeout."""
    timeout = _seconds(timeout)
    if timeout is None:
        return Ta.TIMEOUT_INFINITE
    if timeout == USE_DEFAULT_TIMEOUT:
        return Ta.TIMEOUT_DEFAULT
    if timeout >= (1 << 62) / 1_000_000:
        return Ta.TIMEOUT_INFINITE
    return int(timeout * 1_000_000)


def _setting_us(timeout, default):
    """A runner setting in seconds to a C timeout: ``USE_DEFAULT_TIMEOUT``
    stands for the setting's default, there being no other to defer to."""
    if timeout is not None and _seconds(timeout) == USE_DEFAULT_TIMEOUT:
        timeout = default
    return _to_us(timeout)


def _from_us(timeout_us):
    return None if timeout_us < 0 else timeout_us / 1_000_000


class _Deadline:
    """What is left of a timeout, in seconds (None for no limit)."""

    def __init__(self, timeout):
        self._end = None if timeout is None else time.monotonic() + timeout

    def remaining(self, fraction=1.0):
        if self._end is None:
            return None
        return max(0.0, (self._end - time.monotonic()) * fraction)


# ---------------------------------------------------------------------------
# asyncio as a guest of the runner's GMainContext
# ---------------------------------------------------------------------------

_ensure_gil = ctypes.pythonapi.PyGILState_Ensure
_ensure_gil.restype = ctypes.c_int
_release_gil = ctypes.pythonapi.PyGILState_Release
_release_gil.argtypes = [ctypes.c_int]
_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.argtypes = [ctypes.c_ulong, ctypes.py_object]


class _NonBlockingSelector(selectors.DefaultSelector):
    """The runner's poll() does the waiting; asyncio's selector never does.

    When that poll has just found the selector's descriptor idle, asking
    the selector again is a system call that can only say the same: the
    poll runs again before the next iteration.
    """

    _ta_idle = False

    def select(self, timeout=None):
        if self._ta_idle:
            return []
        return super().select(0)


_GUEST_PASSES = 4

_base_call_soon = asyncio.SelectorEventLoop.call_soon
_base_call_at = asyncio.SelectorEventLoop.call_at


class _GuestEventLoop(asyncio.SelectorEventLoop):
    """An asyncio loop that runs one iteration at a time, when told to."""

    def __init__(self):
        super().__init__(_NonBlockingSelector())
        self._ta_guest = None
        self._ta_iterating = False
        # Tasks submitted from other threads: appended there, then a wake
        # of the guest loop; started here, first thing in an iteration.
        self._ta_submitted = collections.deque()
        # Futures of coroutines waiting for a Ta.Queue to be ready, each
        # with its queue: the queue wakes the loop, and the iteration
        # resolves the future of each queue found ready.
        self._ta_queue_waiters = {}

    def _ta_iterate(self, fd_ready, *unused):
        self._ta_iterating = True
        selector = self._selector
        selector._ta_idle = not fd_ready
        try:
            submitted = self._ta_submitted
            while submitted:
                submitted.popleft()._start()
            if self._ta_queue_waiters:
                self._ta_resolve_queue_waiters()
            # What one pass makes ready (a task's next step, a done
            # callback) runs now rather than a GLib iteration later; the
            # bound keeps the GLib sources of the thread served.
            for _ in range(_GUEST_PASSES):
                self._ta_run_once()
                if not self._ready:
                    break
        except ForcedThreadShutdown:
            return -1
        except BaseException:  # noqa: B036 - never into GLib
            traceback.print_exc()
        finally:
            selector._ta_idle = False
            self._ta_iterating = False

        if self._ready:
            return 0
        if self._scheduled:
            delay = self._scheduled[0]._when - self.time()
            return GLib.get_monotonic_time() + max(0, int(delay * 1_000_000)) + 1
        return -1

    def _ta_run_once(self):
        """_run_once(), for the common case in short: with no timer, an
        idle selector and debug off, it only runs what is ready."""
        if self._scheduled or self._debug or not self._selector._ta_idle:
            self._run_once()
            return
        ready = self._ready
        for _ in range(len(ready)):
            handle = ready.popleft()
            if not handle._cancelled:
                handle._run()

    def _ta_resolve_queue_waiters(self):
        waiters = self._ta_queue_waiters
        ready = {}
        for future, queue in list(waiters.items()):
            is_ready = ready.get(queue)
            if is_ready is None:
                is_ready = ready[queue] = (not Ta.Queue.is_empty(queue)
                                           or Ta.Queue.is_closed(queue))
            if is_ready or future.done():
                del waiters[future]
                if not future.done():
                    future.set_result(None)
        # A queue's wake is spent once sent: another consumer may have
        # emptied it again before this iteration. Whoever still waits asks
        # anew; the queue checks under its lock, so nothing slips between.
        guest = self._ta_guest
        if guest is not None:
            for queue, is_ready in ready.items():
                if not is_ready and queue in waiters.values():
                    Ta.Queue.wake_when_ready(queue, guest)

    def _ta_wake(self):
        # Work queued outside an iteration, from a GLib callback on the
        # runner thread: nothing made the selector readable.
        guest = self._ta_guest
        if guest is not None and not self._ta_iterating:
            guest.wake()

    def call_soon(self, callback, *args, context=None):
        handle = _base_call_soon(self, callback, *args, context=context)
        if not self._ta_iterating:
            self._ta_wake()
        return handle

    def call_at(self, when, callback, *args, context=None):
        handle = _base_call_at(self, when, callback, *args, context=context)
        if not self._ta_iterating:
            self._ta_wake()
        return handle


def _forget_thread():
    """Drops the thread that is ending from ``threading.enumerate()``.

    Python made a "dummy" Thread object for the runner thread, which it did
    not start; such an object is never removed on its own and would list a
    thread that is gone.
    """
    try:
        with threading._active_limbo_lock:
            threading._active.pop(threading.get_ident(), None)
    except AttributeError:  # noqa: S110 - another Python: nothing to drop
        pass


class _RunnerState:
    """A runner's Python side: its asyncio loop and its bookkeeping.

    Referenced by the C runner (through the thread hook), so it refers to
    the runner only through the runner's own methods' arguments.
    """

    def __init__(self):
        self.loop = None
        self.guest = None
        self.thread_id = None
        self.gil_state = None
        self.thread_exited = threading.Event()
        self.thread_leaving = False   # guarded by lock
        self.lock = threading.Lock()
        self.failed = {}          # BackgroundTask -> None, in failure order
        self.pending = set()      # BackgroundTask not finished
        self.bridges = set()      # _Bridge awaited on other loops
        self.cancellables = []    # runner thread: Gio.Cancellable to reuse
        self.events = []          # Ta.Event of tasks that are gone, to reuse
        self.cancel_task = None   # the stop's asyncio task cancelling the rest
        self.outlived = []        # names of tasks running when the loop closed
        self.forced = None        # ShutdownType once a force stop was tried
        self.stopped = False      # stop() was called
        self.stop_done = False    # ... and finished
        self.stop_exit_timeout = None
        self.stop_deadline = None
        self.stop_cancel = None   # the BackgroundTask of _cancel_everything
        self.stop_library = None  # _LibraryStop
        self.stop_finishing = False
        self.stop_lock = threading.Lock()
        self.stopping = False     # no new task starts once set
        self.debug = False        # asyncio debug mode for the loop
        self.name = 'ta-runner'   # the runner's, for its Python thread
        self.log_forced_stack = True  # log the stuck thread's stack
        self.hook_error = None

    # The runner thread's first and last Python.
    def thread_hook(self, entering, *unused):
        if entering:
            try:
                self.gil_state = _ensure_gil()
                self.thread_id = threading.get_ident()
                threading.current_thread().name = self.name
                loop = _GuestEventLoop()
                loop._thread_id = self.thread_id
                loop.set_debug(self.debug)
                asyncio.events._set_running_loop(loop)
                self.loop = loop
            except BaseException as error:  # noqa: B036
                self.hook_error = error
            return

        try:
            with self.lock:
                self.thread_leaving = True
            loop = self.loop
            if loop is not None:
                loop._ta_guest = None
                # What still runs was cancelled and outlived the stop: the
                # stop names it once (see Runner.stop()), rather than
                # asyncio logging each one when it is collected.
                outlived = []
                for task in asyncio.all_tasks(loop):
                    task._log_destroy_pending = False
                    if task is not self.cancel_task:
                        outlived.append(task.get_name())
                self.outlived = sorted(outlived)
                asyncio.events._set_running_loop(None)
                loop._thread_id = None
                loop.close()
        except BaseException:  # noqa: B036
            traceback.print_exc()
        finally:
            self.guest = None
            _forget_thread()
            self.thread_exited.set()
            if self.gil_state is not None:
                _release_gil(self.gil_state)


# Runners started and not stopped. Strong references: a running runner is
# stopped explicitly or at exit, never by the garbage collector.
_live_runners = set()
_live_lock = threading.Lock()


def _stop_runners_at_exit():
    with _live_lock:
        runners = list(_live_runners)
    for runner in runners:
        try:
            runner.stop()
        except BaseException as error:  # noqa: B036
            print(f'ta-glib: runner {runner.props.name!r} stopped at exit '
                  f'with: {error!r}', file=sys.stderr)


# Python joins the threads that are not daemons before it runs atexit
# handlers: a thread waiting on a runner would keep the process alive. The
# runners stop first, so that such waits end (the tasks are cancelled).
if hasattr(threading, '_register_atexit'):
    threading._register_atexit(_stop_runners_at_exit)
atexit.register(_stop_runners_at_exit)


async def _cancel_everything(state):
    """On the runner: cancels every other task and waits for them."""
    state.stopping = True
    current = asyncio.current_task()
    state.cancel_task = current
    tasks = [t for t in asyncio.all_tasks() if t is not current]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks)
    loop = asyncio.get_running_loop()
    await loop.shutdown_asyncgens()
    await loop.shutdown_default_executor()


# ---------------------------------------------------------------------------
# Awaiting the library's _async operations from any asyncio loop
# ---------------------------------------------------------------------------

def _deliver(future, value, error, orphan):
    if future.cancelled():
        if error is None and orphan is not None:
            orphan(value)
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)


class _Bridge:
    """An operation completed on the runner, awaited on another loop.

    Its answer crosses with ``call_soon_threadsafe``. Until it has, the
    awaiting coroutine stays (even cancelled), so that an answer is never
    dropped with a loop that closed; a runner that stops answers it with
    :class:`RunnerNotRunningError`.
    """

    def __init__(self, loop, state, orphan):
        self.loop = loop
        self.state = state
        self.orphan = orphan
        self.future = loop.create_future()
        self.settled = loop.create_future()
        with state.lock:
            state.bridges.add(self)

    def post(self, value, error):
        """Any thread: sends the answer to the awaiting loop."""
        with self.state.lock:
            self.state.bridges.discard(self)
        try:
            self.loop.call_soon_threadsafe(self.deliver, value, error)
        except RuntimeError:
            if error is None and self.orphan is not None:
                self.orphan(value)

    def deliver(self, value, error):
        if self.settled.done():
            return
        self.settled.set_result(None)
        _deliver(self.future, value, error, self.orphan)


def _settled_despite_cancel(future):
    """After a cancelled await settled: whether the operation succeeded all
    the same. Then the cancellation is asked for again, for the caller's
    next await, and the success is what the await returns."""
    if future.cancelled() or future.exception() is not None:
        return False
    asyncio.current_task().cancel()
    return True


async def _until_done(future):
    """Waits for ``future`` to be done, through further cancellations and
    whatever its outcome: the caller, cancelled already, reads it."""
    while not future.done():
        try:
            await asyncio.wait((future,))
        except asyncio.CancelledError:
            pass


_CANCELLABLE_POOL_SIZE = 16


async def _gio_await(runner, start, finish, orphan=None, settle=False):
    """Awaits ``start(cancellable, callback)`` / ``finish(result)``.

    The operation is started on the runner thread, whose context completes
    it; the outcome reaches the awaiting loop, this one or another. A value
    that arrives for a waiter that was cancelled meanwhile goes to
    ``orphan`` instead of being lost. With ``settle``, a cancelled await
    waits for the operation to end: one that succeeded all the same
    returns normally (the cancellation comes at the caller's next await),
    as a cancelled ``asyncio.Queue.put()`` either put the item or not.
    """
    loop = asyncio.get_running_loop()
    state = runner._ta_state()

    if loop is state.loop:
        # The operation lets go of its cancellable before it completes: one
        # that was not cancelled serves again (the runner thread's pool).
        pool = state.cancellables
        try:
            cancellable = pool.pop()
        except IndexError:
            cancellable = Gio.Cancellable()
        future = loop.create_future()

        def callback(source, result, *unused):
            try:
                value, error = finish(result), None
            except BaseException as e:  # noqa: B036
                value, error = None, e
            _deliver(future, value, error, orphan)

        start(cancellable, callback)
        if settle:
            try:
                return await asyncio.shield(future)
            except asyncio.CancelledError:
                cancellable.cancel()
                await _until_done(future)
                if _settled_despite_cancel(future):
                    return future.result()
                raise
        try:
            value = await future
        except asyncio.CancelledError:
            cancellable.cancel()
            if (orphan is not None and future.done() and not future.cancelled()
                    and future.exception() is None):
                orphan(future.result())
            raise
        if len(pool) < _CANCELLABLE_POOL_SIZE:
            pool.append(cancellable)
        return value

    cancellable = Gio.Cancellable()
    bridge = _Bridge(loop, state, orphan)

    def foreign_callback(source, result, *unused):
        try:
            value, error = finish(result), None
        except BaseException as e:  # noqa: B036
            value, error = None, e
        bridge.post(value, error)

    try:
        runner._invoke(lambda: start(cancellable, foreign_callback))
    except BaseException:
        with state.lock:
            state.bridges.discard(bridge)
        raise

    try:
        return await (asyncio.shield(bridge.future) if settle else bridge.future)
    except asyncio.CancelledError:
        cancellable.cancel()
        # Only an answer that must not be lost is worth waiting for: the
        # runner may be busy for long.
        if orphan is None and not settle:
            raise
        await _until_done(bridge.settled)
        future = bridge.future
        if settle:
            if _settled_despite_cancel(future):
                return future.result()
            raise
        if (orphan is not None and future.done() and not future.cancelled()
                and future.exception() is None):
            orphan(future.result())
        raise


# ---------------------------------------------------------------------------
# Tasks
# ---------------------------------------------------------------------------

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


class BackgroundTask(_TaskCallbacks, typing.Generic[T]):
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


__all__.append('BackgroundTask')


# ---------------------------------------------------------------------------
# The runner
# ---------------------------------------------------------------------------

_DEFAULT_EXIT_TIMEOUT = 1.0


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


_logger = logging.getLogger(__name__)


def _log_stuck_stack(name, thread_id, stuck_in):
    """Logs the Python stack of a stuck runner thread, as it is now."""
    frame = sys._current_frames().get(thread_id) if thread_id is not None else None
    stack = ''.join(traceback.format_stack(frame)) if frame is not None else '(no Python frame)\n'
    _logger.error('Runner %r is stuck in %s and is being brought down; its thread '
                  'was running:\n%s', name, stuck_in, stack.rstrip('\n'))


class Runner(Ta.Runner):
    """A thread running a GLib main loop with an asyncio loop inside.

    ``with Ta.Runner() as runner:`` starts it and stops it: on leaving, its
    tasks are cancelled, errors nobody retrieved are raised together as an
    ``ExceptionGroup``, and a loop stuck beyond ``exit_timeout`` is brought
    down (see :attr:`shutdown_type`).

    Timeouts are in seconds; ``None`` waits forever and
    ``USE_DEFAULT_TIMEOUT`` means ``call_in_loop_timeout``.

    ``debug`` runs the asyncio loop in debug mode (``loop.set_debug()``:
    slow callbacks and coroutines never awaited are reported with where
    they came from). ``log_forced_shutdown_stack_trace`` logs, at a stop
    that finds the loop stuck, the Python stack of the runner thread as it
    was stuck (logger ``gi.overrides.Ta``, level ``ERROR``); turn it off
    where a stuck loop is expected, in tests.
    """

    def __init__(self, exit_timeout=_DEFAULT_EXIT_TIMEOUT, call_in_loop_timeout=None,
                 debug=False, log_forced_shutdown_stack_trace=True,
                 name=None, **kwargs):
        if name is not None:
            kwargs['name'] = name
        Ta.Runner.__init__(self, **kwargs)
        self.exit_timeout = exit_timeout
        self.call_in_loop_timeout = call_in_loop_timeout
        state = self._ta_state()
        state.debug = bool(debug)
        state.log_forced_stack = bool(log_forced_shutdown_stack_trace)

    # -- state ------------------------------------------------------------------

    def _ta_state(self):
        state = self.__dict__.get('_ta')
        if state is None:
            state = self.__dict__.setdefault('_ta', _RunnerState())
        return state

    @property
    def exit_timeout(self):
        """Seconds that stopping may take before the loop counts as stuck."""
        return _from_us(Ta.Runner.get_exit_timeout(self))

    @exit_timeout.setter
    def exit_timeout(self, timeout):
        Ta.Runner.set_exit_timeout(self, _setting_us(timeout, _DEFAULT_EXIT_TIMEOUT))

    @property
    def call_in_loop_timeout(self):
        """Default timeout, in seconds, of waits on the loop (None: none)."""
        return _from_us(Ta.Runner.get_default_call_timeout(self))

    @call_in_loop_timeout.setter
    def call_in_loop_timeout(self, timeout):
        Ta.Runner.set_default_call_timeout(self, _setting_us(timeout, None))

    def _resolve_timeout(self, timeout):
        return self.call_in_loop_timeout if timeout == USE_DEFAULT_TIMEOUT else timeout

    def _timeout_us(self, timeout):
        """A timeout in seconds, the default resolved, as a C timeout."""
        if timeout == USE_DEFAULT_TIMEOUT:
            return Ta.Runner.get_default_call_timeout(self)
        return _to_us(timeout)

    @property
    def loop(self):
        """The runner's asyncio event loop (use it from the runner thread)."""
        return self._ta_state().loop

    @property
    def is_running(self):
        """Whether the runner runs and is not being shut down."""
        return Ta.Runner.is_running(self)

    @property
    def in_runner_loop(self):
        """Whether the caller is on this runner's loop."""
        state = self.__dict__.get('_ta')
        return (state is not None and state.loop is not None
                and asyncio.events._get_running_loop() is state.loop)

    @property
    def shutdown_type(self):
        """How the runner was shut down, as a :class:`ShutdownType`."""
        state = self.__dict__.get('_ta')
        if state is not None and state.forced is not None:
            return state.forced
        return ShutdownType(int(self.props.shutdown_type))

    def _assert_running(self):
        if not Ta.Runner.is_running(self):
            raise RunnerNotRunningError(
                f'Runner {self.props.name!r} is not running')

    # -- life cycle ---------------------------------------------------------------

    def start(self):
        """Starts the thread and its loops; returns once they iterate."""
        state = self._ta_state()
        if state.loop is not None or Ta.Runner.is_running(self):
            raise RuntimeError(f'Runner {self.props.name!r} was started already')
        state.name = self.props.name
        Ta.Runner.set_thread_hook(self, state.thread_hook)
        try:
            Ta.Runner.start(self)
        except GLib.Error as error:
            raise RuntimeError(error.message) from None
        if state.hook_error is not None:
            Ta.Runner.stop(self)
            raise state.hook_error

        def attach(*unused):
            state.guest = Ta.GuestLoop.new(self, 'asyncio', state.loop._selector.fileno(),
                                           state.loop._ta_iterate)
            state.loop._ta_guest = state.guest

        Ta.Runner.call(self, attach, None, Ta.TIMEOUT_INFINITE)
        with _live_lock:
            _live_runners.add(self)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc_value, tb):
        self.stop()

    def stop(self):
        """Stops the runner: cancels its tasks, stops its loops, reports.

        Takes at most ``exit_timeout``, or twice that for a stuck loop:
        one ``exit_timeout`` to find it stuck, one for the thread to come
        down. Raises an ``ExceptionGroup`` of the errors of background
        tasks that nobody retrieved. A loop stuck in a coroutine that never
        yields is brought down and reported with a warning;
        :attr:`shutdown_type` says how that went.
        """
        if self.in_runner_loop or Ta.Runner.is_runner_thread(self):
            raise RuntimeError(f'Runner {self.props.name!r} cannot be stopped from '
                               'its own thread: stop would wait for itself')
        state = self._ta_state()
        if state.stop_done:
            return
        if not state.stopped:
            # Once: a stop that Ctrl-C interrupted goes on from where it
            # was, with what is left of the same time.
            state.stopped = True
            state.stop_exit_timeout = self.exit_timeout
            state.stop_deadline = _Deadline(state.stop_exit_timeout)
            if Ta.Runner.is_running(self) and state.loop is not None:
                state.stop_cancel = self._create_task(_cancel_everything(state), True)
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
                state.stop_library = _LibraryStop(self, deadline.remaining())
        state.stop_library.wait()
        with _live_lock:
            _live_runners.discard(self)
        # What follows, once, by one of the threads that stop the runner.
        with state.stop_lock:
            if state.stop_finishing:
                return
            state.stop_finishing = True
        try:
            self._finish_stop(state, exit_timeout)
        except BaseException:
            if not state.stop_done:
                state.stop_finishing = False
            raise

    def _finish_stop(self, state, exit_timeout):
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
            stuck_warning = self._force_stop(state, exit_timeout)

        # Other loops awaiting what this runner will never answer now.
        with state.lock:
            bridges = list(state.bridges)
        for bridge in bridges:
            bridge.post(None, RunnerNotRunningError(
                f'Runner {self.props.name!r} stopped before answering'))

        # Errors of the library's own tasks (spawned from Python with a
        # task function), then those of coroutines.
        errors.extend(Ta.Runner.dup_unretrieved_errors(self))
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
            stuck_warning = (f'Runner {self.props.name!r} stopped while {names} '
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
                f'{self.props.name!r} were not retrieved', errors)

    def _force_stop(self, state, exit_timeout):
        """Raises ForcedThreadShutdown on a stuck runner thread; returns
        what to warn about."""
        loop = state.loop
        current = asyncio.current_task(loop) if loop is not None else None
        stuck_in = f'task {current.get_name()!r}' if current is not None else 'a callback'
        state.forced = ShutdownType.FAILED_FORCE_STOPPED
        if state.log_forced_stack:
            _log_stuck_stack(self.props.name, state.thread_id, stuck_in)
        with state.lock:
            # Not once the thread runs its last Python: that must finish.
            if state.thread_id is not None and not state.thread_leaving:
                _set_async_exc(state.thread_id, ForcedThreadShutdown)
        if state.thread_exited.wait(exit_timeout):
            state.forced = ShutdownType.FORCE_STOPPED
        return (f'Runner {self.props.name!r} did not stop within {exit_timeout} s: its '
                f'loop was stuck in {stuck_in}; shutdown type {state.forced.name}')

    # -- work ---------------------------------------------------------------------

    def _invoke(self, func):
        """Runs func() on the runner thread, without waiting."""
        try:
            Ta.Runner.invoke(self, lambda *unused: func(), None)
        except GLib.Error as error:
            if _ta_error(error, Ta.Error.NOT_RUNNING):
                raise RunnerNotRunningError(error.message) from None
            raise

    def call_in_loop(self, fun, timeout=USE_DEFAULT_TIMEOUT):
        """Runs ``fun()`` on the runner thread and returns its result.

        Raises what ``fun`` raised, or :class:`EventLoopTimeoutError` when the
        loop did not run it within ``timeout``. A call that times out, or
        that Ctrl-C interrupts, before ``fun`` started never runs it; once
        started, ``fun`` runs to its end and its result is dropped. On the
        runner thread, calls ``fun`` directly.
        """
        if self.in_runner_loop:
            return fun()
        timeout_us = self._timeout_us(timeout)
        self._assert_running()
        call = _LoopCall(fun, self._ta_state())
        try:
            self._invoke(call.run)
            _blocking_wait(self, timeout_us, 'Runner.call_in_loop()',
                           Ta.Event.wait, call.done)
        except BaseException as error:
            if call.abandon():
                if isinstance(error, GLib.Error) and _ta_error(error, Ta.Error.TIMEOUT):
                    raise EventLoopTimeoutError(
                        fun, self._resolve_timeout(timeout), error.message) from None
                raise
            if isinstance(error, KeyboardInterrupt):
                _interrupts.owe()   # finished meanwhile: the result counts
        return call.outcome()

    def create_task(self, awaitable, task_creation_timeout=USE_DEFAULT_TIMEOUT):
        """Runs a coroutine (or any awaitable) on the runner's asyncio loop.

        Returns at once with a :class:`BackgroundTask`. Any thread, the
        runner's own included.
        """
        return self._create_task(awaitable, False)

    def _create_task(self, awaitable, stopping, in_runner_loop=None, wake=True):
        """Submits a task; ``wake=False`` leaves the guest loop's wake to
        the caller."""
        if type(awaitable) is not types.CoroutineType and not inspect.isawaitable(awaitable):
            raise TypeError(f'An awaitable is required, not {awaitable!r}')
        state = self.__dict__.get('_ta')
        if state is None or state.loop is None or (state.stopped and not stopping):
            _close_unused(awaitable)
            raise RunnerNotRunningError(f'Runner {self.props.name!r} is not running')
        task = BackgroundTask(self, awaitable, state)
        with state.lock:
            state.pending.add(task)
        if in_runner_loop is None:
            in_runner_loop = asyncio.events._get_running_loop() is state.loop
        if in_runner_loop:
            task._start()
            return task
        state.loop._ta_submitted.append(task)
        guest = state.guest
        if guest is None:
            # Gone meanwhile: the stop settles what it finds pending.
            raise RunnerNotRunningError(f'Runner {self.props.name!r} is not running')
        if wake:
            guest.wake()
        return task

    def run(self, awaitable, timeout=USE_DEFAULT_TIMEOUT):
        """Runs an awaitable on the runner and waits for its result.

        A timeout raises :class:`EventLoopTimeoutError` and leaves the task
        running (it is cancelled when the runner stops).
        """
        if self.in_runner_loop:
            _close_unused(awaitable)
            raise RuntimeError('Cannot run and wait on the runner loop: await instead')
        # Submitted without a wake: the wait makes it once this thread has
        # let go of the interpreter, which the runner needs to start it.
        task = self._create_task(awaitable, False, False, False)
        guest = self._ta_state().guest
        if guest is None:
            # Stopped meanwhile: the stop settles the task.
            return task._wait(timeout)
        if task._outcome is None:
            try:
                _blocking_wait(None, self._timeout_us(timeout), 'Runner.run()',
                               Ta.GuestLoop.wake_and_wait, guest, task._done)
            except GLib.Error:
                raise EventLoopTimeoutError(
                    task._name, self._resolve_timeout(timeout)) from None
            except KeyboardInterrupt:
                if task._outcome is None:
                    # Interrupted, the coroutine does not go on alone.
                    task.cancel()
                    raise
                _interrupts.owe()   # finished meanwhile: the result counts
        return task._take()

    def wait_for_next_eventloop_iteration(self, timeout=USE_DEFAULT_TIMEOUT):
        """Waits until the asyncio loop went through what was queued so far."""
        try:
            self.run(asyncio.sleep(0), timeout=timeout)
        except EventLoopTimeoutError:
            loop = self._ta_state().loop
            current = asyncio.current_task(loop) if loop is not None else None
            busy = f'It is busy running task {current.get_name()!r}.' if current else ''
            raise EventLoopTimeoutError(
                _Waiting(f'the event loop of runner {self.props.name!r} to catch up'),
                self._resolve_timeout(timeout), busy) from None

    def _catch_up(self, timeout=USE_DEFAULT_TIMEOUT):
        """Waits until the loop has nothing ready left to run."""
        if not Ta.Runner.is_running(self) or self.in_runner_loop:
            return
        try:
            _blocking_wait(None, self._timeout_us(timeout), 'catching up',
                           Ta.Runner.wait_idle, self)
        except GLib.Error as error:
            if _ta_error(error, Ta.Error.TIMEOUT):
                raise EventLoopTimeoutError(
                    _Waiting(f'the event loop of runner {self.props.name!r} to catch up'),
                    self._resolve_timeout(timeout), error.message) from None
            if not _ta_error(error, Ta.Error.NOT_RUNNING):
                raise


Runner = override(Runner)
__all__.append('Runner')


# ---------------------------------------------------------------------------
# Event, Future, Queue
# ---------------------------------------------------------------------------

def _wait_us(runner, timeout):
    """A wait's C timeout: the default is the runner's, or none at all."""
    if runner is None:
        return _to_us(None if timeout == USE_DEFAULT_TIMEOUT else timeout)
    return runner._timeout_us(timeout)


# The longest a blocking wait stays in C at a time. Between two slices the
# thread sees the runner it waits on stop, and the main thread sees Ctrl-C.
_WAIT_SLICE_US = 100_000


def _monotonic_us():
    """GLib's monotonic clock (CLOCK_MONOTONIC), without a call through GI."""
    return time.monotonic_ns() // 1000


class _Trip:
    """``_TRIP + signum`` makes the main thread handle ``signum`` again.

    An operator, not a call: Python looks for signals to handle after
    each call returns, and the one that trips must not be followed by
    such a look in the same frame (see _InterruptGuard).
    """
    __add__ = functools.partial(_thread.interrupt_main)


_TRIP = _Trip()
_GUARD_NAME = __name__


def _in_override(frame):
    """Whether ``frame`` or one of its callers runs this module's code."""
    while frame is not None:
        if frame.f_globals.get('__name__') is _GUARD_NAME:
            return True
        frame = frame.f_back
    return False


# Modules of the weak references' callbacks, which the garbage collector
# runs wherever an object dies: an exception raised there is printed and
# dropped.
_CALLBACK_MODULES = ('weakref', '_weakrefset')


def _in_finalizer(frame):
    """Whether ``frame`` is a finalizer or a weak reference's callback, as
    far as it can tell."""
    return (frame.f_code.co_name == '__del__'
            or frame.f_globals.get('__name__') in _CALLBACK_MODULES)


def _stack(frame):
    """``frame`` and its callers."""
    stack = []
    while frame is not None:
        stack.append(frame)
        frame = frame.f_back
    return stack


# How many looks, at most, an owed interrupt waits in functions that the
# frames it is owed to called: one of them may be a finalizer or a weakref
# callback that the garbage collector runs there, where an exception is
# printed and dropped.
_MAX_DEFERRALS = 64


class _InterruptGuard:
    """The main thread's SIGINT handler while it uses blocking calls.

    A blocking call either raises KeyboardInterrupt before its operation
    took effect, or completes it and leaves the interrupt to the program.
    Python runs signal handlers between bytecodes, so the program's own
    handler, run as the call returns, would raise with the item taken. This
    handler wraps the program's (``original``):

    - during a blocking call it only notes the interrupt; the call looks
      between two waits of at most _WAIT_SLICE_US and, while its operation
      has not taken effect, calls ``original`` (which raises);
    - after a call that completed, it asks Python to handle the signal
      again until the stack has left this module, and once more there: the
      first look back in the program is the one that ends the call, with
      its result not yet stored. Then it calls ``original``, in that frame
      or one of its callers or, after _MAX_DEFERRALS looks, in a function
      they called.

    It stays installed (``signal.getsignal()`` returns it) until the
    program installs another handler.
    """

    def __init__(self):
        self.original = None
        self.depth = 0          # blocking calls of the main thread in progress
        self.owed = False       # an interrupt the program has not seen yet
        self.tripped = False    # a trip of ours is pending
        self.held = None        # the program's frames the interrupt is owed to
        self.deferrals = 0      # looks in functions that frame called

    def __call__(self, signum, frame):
        if self.tripped:
            self.tripped = False
            if not self.owed:
                return          # stale: already raised at a call's start
        self.owed = True
        if self.depth:
            return              # the blocking call looks after it
        if _in_override(frame):
            self.held = None
        elif frame is not None and _in_finalizer(frame):
            pass
        elif self.held is None:
            self.held = _stack(frame)
            self.deferrals = 0
        elif (self.deferrals >= _MAX_DEFERRALS
              or any(frame is held for held in self.held)):
            self.owed = False
            self.held = None
            self.original(signum, frame)
            return
        else:
            self.deferrals += 1
        self.tripped = True
        _TRIP + signum          # noqa: B018 - the last thing in this frame

    def enter(self):
        """Starts a blocking call: raises an interrupt still owed."""
        handler = signal.getsignal(signal.SIGINT)
        if handler is not self:
            if not callable(handler):
                return False
            self.original = handler
            self.owed = self.tripped = False
            self.held = None
            signal.signal(signal.SIGINT, self)
        if self.owed:
            self.deliver()
        self.depth += 1
        return True

    def owe(self):
        """An interrupt raised by a call that completed all the same: the
        program gets it later."""
        self.owed = True
        self.leave(0)

    def leave(self, depth=1):
        self.depth -= depth
        if self.owed and not self.depth and not self.tripped:
            # The call completed: the program gets the interrupt later.
            self.tripped = True
            _TRIP + signal.SIGINT  # noqa: B018

    def deliver(self):
        """Raises the interrupt noted during a call that has not taken
        effect (``original`` may also return: the call goes on)."""
        if self.owed:
            self.owed = False
            self.held = None
            self.original(signal.SIGINT, sys._getframe(1))

    def __repr__(self):
        return f'<ta-glib guard of {self.original!r}>'


_interrupts = _InterruptGuard()


def _guard_interrupts():
    """Whether this thread's blocking call handles Ctrl-C (main thread)."""
    return (threading.current_thread() is threading.main_thread()
            and _interrupts.enter())


def _blocking_wait(runner, timeout_us, what, attempt, *args):
    """Returns ``attempt(*args, slice_us)``, called again while it times out
    and ``timeout_us`` has not passed. Its other errors, and its timeout
    error at the end, are raised as they are; :class:`RunnerNotRunningError`
    once ``runner`` (if any) stopped; KeyboardInterrupt (on the main
    thread) only while ``attempt`` has not succeeded."""
    guarded = _guard_interrupts()
    try:
        end = None if timeout_us < 0 else _monotonic_us() + timeout_us
        slice_us = timeout_us if 0 <= timeout_us < _WAIT_SLICE_US else _WAIT_SLICE_US
        while True:
            try:
                return attempt(*args, slice_us)
            except GLib.Error as error:
                if not _ta_error(error, Ta.Error.TIMEOUT):
                    raise
                if end is not None and _monotonic_us() >= end:
                    raise
            if guarded:
                _interrupts.deliver()
            if runner is not None and not Ta.Runner.is_running(runner):
                raise RunnerNotRunningError(
                    f'Runner {runner.props.name!r} stopped during {what}')
            if end is None:
                slice_us = _WAIT_SLICE_US
            else:
                slice_us = max(0, min(_WAIT_SLICE_US, end - _monotonic_us()))
    finally:
        if guarded:
            _interrupts.leave()


def _check_not_on_loop(runner, what):
    if runner is not None and runner.in_runner_loop:
        raise RuntimeError(f'{what} would block the runner loop: await instead')


def _raise_wait_error(error, what, runner, timeout):
    if _ta_error(error, Ta.Error.TIMEOUT):
        resolved = runner._resolve_timeout(timeout) if runner is not None else timeout
        raise EventLoopTimeoutError(what, resolved) from None
    if _ta_error(error, Ta.Error.CLOSED):
        raise QueueClosedError(error.message) from None
    raise error


class _AsyncEvent(asyncio.Event):
    """The awaitable face of a :class:`Event`, for coroutines."""

    def __init__(self, event, runner):
        super().__init__()
        self._ta_event = event
        self._ta_runner = runner

    def is_set(self):
        return Ta.Event.is_set(self._ta_event)

    def set(self):
        Ta.Event.set(self._ta_event)

    def clear(self):
        Ta.Event.clear(self._ta_event)

    async def wait(self):
        event = self._ta_event
        if not Ta.Event.is_set(event):
            await _gio_await(self._ta_runner,
                             lambda c, cb: Ta.Event.wait_async(event, c, cb),
                             lambda result: Ta.Event.wait_finish(event, result))
        return True


class Event(Ta.Event):
    """An event that threads and coroutines on a runner wait on together.

    ``set()`` and ``clear()`` work from any thread; ``wait()`` blocks a
    thread; coroutines ``await event.as_async_event().wait()``, on the
    runner or on any other asyncio loop.
    """

    _runner = None
    _async_event = None

    def __init__(self, runner=None, timeout=USE_DEFAULT_TIMEOUT):
        Ta.Event.__init__(self)
        self._runner = runner

    def set(self, timeout=USE_DEFAULT_TIMEOUT):
        """Sets the event, waking every waiter."""
        Ta.Event.set(self)

    def clear(self, timeout=USE_DEFAULT_TIMEOUT):
        """Clears the event."""
        Ta.Event.clear(self)

    def is_set(self, timeout=USE_DEFAULT_TIMEOUT):
        """Whether the event is set, once the runner's loop has caught up."""
        if self._runner is not None:
            self._runner._catch_up(timeout)
        return Ta.Event.is_set(self)

    def wait(self, timeout=USE_DEFAULT_TIMEOUT):
        """Blocks until the event is set."""
        _check_not_on_loop(self._runner, 'Event.wait()')
        try:
            _blocking_wait(self._runner, _wait_us(self._runner, timeout), 'Event.wait()',
                           Ta.Event.wait, self)
        except GLib.Error as error:
            _raise_wait_error(error, 'Event.wait()', self._runner, timeout)
        return True

    def as_async_event(self):
        """An ``asyncio.Event`` to await in coroutines."""
        if self._runner is None:
            raise RuntimeError('An Event needs a runner to be awaited')
        if self._async_event is None:
            self._async_event = _AsyncEvent(self, self._runner)
        return self._async_event


Event = override(Event)
__all__.append('Event')


class Future(Ta.Future, typing.Generic[T]):
    """A one-shot result or exception, set and awaited from anywhere.

    ``set_result()`` / ``set_exception()`` from any thread, once;
    ``result_wait()`` blocks a thread; ``await future.result()`` from a
    coroutine on the runner or on another asyncio loop.
    """

    _runner = None
    _exception = None
    _set_lock = threading.Lock()

    def __init__(self, runner=None):
        Ta.Future.__init__(self)
        self._runner = runner

    def set_result(self, result):
        """Sets the result; a second set raises ``InvalidStateError``."""
        with Future._set_lock:
            if Ta.Future.is_done(self):
                raise asyncio.InvalidStateError('The future is already done')
            Ta.Future.set_value(self, _box(result))

    def set_exception(self, exception):
        """Sets an exception for waiters to raise."""
        if isinstance(exception, type):
            exception = exception()
        with Future._set_lock:
            if Ta.Future.is_done(self):
                raise asyncio.InvalidStateError('The future is already done')
            self._exception = exception
            Ta.Future.set_error(self, GLib.Error.new_literal(
                _ERROR_QUARK, f'{type(exception).__name__}: {exception}',
                Ta.Error.FAILED))

    def done(self):
        """Whether a result or an exception was set."""
        return Ta.Future.is_done(self)

    def _result(self):
        try:
            ok, value = Ta.Future.get_value(self)
        except GLib.Error:
            if self._exception is not None:
                raise self._exception from None
            raise
        return _unbox(value)

    def get_value(self):
        """The library's getter, as Python sees it: the result, or raises
        ``GLib.Error``, without waiting."""
        ok, value = Ta.Future.get_value(self)
        return _unbox(value)

    def result_wait(self, timeout=USE_DEFAULT_TIMEOUT):
        """Blocks until the future is done; returns the result or raises."""
        _check_not_on_loop(self._runner, 'Future.result_wait()')
        try:
            _blocking_wait(self._runner, _wait_us(self._runner, timeout),
                           'Future.result_wait()', Ta.Future.wait, self)
        except GLib.Error as error:
            # A wait that ends in the future's own error is a done future.
            if not Ta.Future.is_done(self):
                _raise_wait_error(error, 'Future.result_wait()', self._runner, timeout)
        return self._result()

    async def result(self):
        """Waits for the future, on any asyncio loop; returns or raises."""
        if not Ta.Future.is_done(self):
            if self._runner is None:
                raise RuntimeError('A Future needs a runner to be awaited')
            try:
                await _gio_await(self._runner,
                                 lambda c, cb: Ta.Future.wait_async(self, c, cb),
                                 lambda result: Ta.Future.wait_finish(self, result))
            except GLib.Error:
                if not Ta.Future.is_done(self):
                    raise
        return self._result()


Future = override(Future)
__all__.append('Future')


class Queue(Ta.Queue, typing.Generic[T]):
    """A FIFO queue between threads and coroutines; any Python object.

    ``put_wait()`` / ``get_wait()`` block a thread (with timeouts);
    ``await put()`` / ``await get()`` suspend a coroutine, on the runner or
    on another asyncio loop. ``maxsize`` > 0 bounds it. A cancelled
    ``get()`` never loses an item.
    """

    _runner = None

    def __init__(self, runner=None, maxsize=0):
        Ta.Queue.__init__(self, max_size=maxsize)
        self._runner = runner

    @property
    def maxsize(self):
        """The bound, or 0."""
        return Ta.Queue.get_max_size(self)

    def put_wait(self, item, timeout=USE_DEFAULT_TIMEOUT):
        """Puts an item, blocking while the queue is full."""
        _check_not_on_loop(self._runner, 'Queue.put_wait()')
        boxed = _box(item)
        try:
            _blocking_wait(self._runner, _wait_us(self._runner, timeout), 'Queue.put_wait()',
                           Ta.Queue.push_value, self, boxed)
        except GLib.Error as error:
            _raise_wait_error(error, 'Queue.put_wait()', self._runner, timeout)

    def get_wait(self, timeout=USE_DEFAULT_TIMEOUT):
        """Removes and returns an item, blocking while the queue is empty."""
        _check_not_on_loop(self._runner, 'Queue.get_wait()')
        try:
            ok, value = _blocking_wait(self._runner, _wait_us(self._runner, timeout),
                                       'Queue.get_wait()', Ta.Queue.pop_value, self)
        except GLib.Error as error:
            _raise_wait_error(error, 'Queue.get_wait()', self._runner, timeout)
        return _unbox(value)

    def put_nowait(self, item):
        """Puts an item, or raises ``asyncio.QueueFull``."""
        try:
            Ta.Queue.try_push_value(self, _box(item))
        except GLib.Error as error:
            if _ta_error(error, Ta.Error.WOULD_BLOCK):
                raise asyncio.QueueFull() from None
            _raise_wait_error(error, 'Queue.put_nowait()', self._runner, None)

    def get_nowait(self):
        """Removes and returns an item, or raises ``asyncio.QueueEmpty``."""
        try:
            ok, value = Ta.Queue.try_pop_value(self)
        except GLib.Error as error:
            if _ta_error(error, Ta.Error.WOULD_BLOCK):
                raise asyncio.QueueEmpty() from None
            _raise_wait_error(error, 'Queue.get_nowait()', self._runner, None)
        return _unbox(value)

    def _return(self, value):
        Ta.Queue.push_front_value(self, value)

    # The library's value API pops items as put() put them, and what C or
    # GJS pushed as its plain value. Its pushes are left as they are: they
    # push a GValue that C and GJS consumers can read.

    def pop_value(self, timeout_us):
        """Removes and returns an item, blocking while the queue is empty."""
        ok, value = Ta.Queue.pop_value(self, timeout_us)
        return _unbox(value)

    def try_pop_value(self):
        """Removes and returns an item; raises ``GLib.Error`` if empty."""
        ok, value = Ta.Queue.try_pop_value(self)
        return _unbox(value)

    def pop_value_finish(self, result):
        """Finishes :meth:`pop_value_async`: returns the item."""
        ok, value = Ta.Queue.pop_value_finish(self, result)
        return _unbox(value)

    async def put(self, item):
        """Puts an item, waiting while the queue is full."""
        boxed = _box(item)
        try:
            Ta.Queue.try_push_value(self, boxed)
            return
        except GLib.Error as error:
            if not _ta_error(error, Ta.Error.WOULD_BLOCK):
                _raise_wait_error(error, 'Queue.put()', self._runner, None)
        try:
            await _gio_await(self._runner,
                             lambda c, cb: Ta.Queue.push_value_async(self, boxed, c, cb),
                             lambda result: Ta.Queue.push_value_finish(self, result),
                             settle=True)
        except GLib.Error as error:
            _raise_wait_error(error, 'Queue.put()', self._runner, None)

    async def get(self):
        """Removes and returns an item, waiting while the queue is empty."""
        # Looking first spares the common empty case an exception.
        if not Ta.Queue.is_empty(self):
            try:
                ok, value = Ta.Queue.try_pop_value(self)
                return _unbox(value)
            except GLib.Error as error:
                if not _ta_error(error, Ta.Error.WOULD_BLOCK):
                    _raise_wait_error(error, 'Queue.get()', self._runner, None)
        runner = self._runner
        state = runner.__dict__.get('_ta') if runner is not None else None
        if state is not None:
            loop = asyncio.get_running_loop()
            guest = state.guest
            if loop is state.loop and guest is not None:
                return await self._get_on_runner(loop, guest)
        try:
            ok, value = await _gio_await(
                self._runner,
                lambda c, cb: Ta.Queue.pop_value_async(self, c, cb),
                lambda result: Ta.Queue.pop_value_finish(self, result),
                orphan=lambda outcome: self._return(outcome[1]))
        except GLib.Error as error:
            _raise_wait_error(error, 'Queue.get()', self._runner, None)
        return _unbox(value)

    async def _get_on_runner(self, loop, guest):
        """get() on the runner's own loop: the queue wakes the loop once it
        is ready, and the coroutine pops the item itself. An item is only
        ever taken by the pop that returns it: a cancelled get takes none.
        """
        waiters = loop._ta_queue_waiters
        while True:
            future = loop.create_future()
            waiters[future] = self
            Ta.Queue.wake_when_ready(self, guest)
            try:
                await future
            finally:
                waiters.pop(future, None)
            try:
                ok, value = Ta.Queue.try_pop_value(self)
                return _unbox(value)
            except GLib.Error as error:
                # Another consumer was first: wait again.
                if not _ta_error(error, Ta.Error.WOULD_BLOCK):
                    _raise_wait_error(error, 'Queue.get()', self._runner, None)

    def empty(self, timeout=USE_DEFAULT_TIMEOUT):
        """Whether the queue is empty, once the runner's loop caught up."""
        if self._runner is not None:
            self._runner._catch_up(timeout)
        return Ta.Queue.is_empty(self)

    def full(self, timeout=USE_DEFAULT_TIMEOUT):
        """Whether the queue is full, once the runner's loop caught up."""
        if self._runner is not None:
            self._runner._catch_up(timeout)
        return Ta.Queue.is_full(self)

    def qsize(self, timeout=USE_DEFAULT_TIMEOUT):
        """How many items wait, once the runner's loop caught up."""
        if self._runner is not None:
            self._runner._catch_up(timeout)
        return Ta.Queue.get_length(self)


Queue = override(Queue)
__all__.append('Queue')


# ---------------------------------------------------------------------------
# Offloading introspected calls
# ---------------------------------------------------------------------------

def _offload_value(arg):
    """The GValue that carries @arg as the library expects it.

    PyGObject guesses a GValue's type from the Python value, and cannot
    for None or lists: each argument is given a type here."""
    if isinstance(arg, GObject.Value):
        return arg
    if arg is None:
        return GObject.Value(GObject.TYPE_POINTER, None)
    if isinstance(arg, bool):
        return GObject.Value(GObject.TYPE_BOOLEAN, arg)
    if isinstance(arg, (GObject.GEnum, GObject.GFlags)):
        return GObject.Value(arg.__gtype__, arg)
    if isinstance(arg, int):
        if -2**31 <= arg < 2**31:
            return GObject.Value(GObject.TYPE_INT, arg)
        if -2**63 <= arg < 2**63:
            return GObject.Value(GObject.TYPE_INT64, arg)
        return GObject.Value(GObject.TYPE_UINT64, arg)
    if isinstance(arg, float):
        return GObject.Value(GObject.TYPE_DOUBLE, arg)
    if isinstance(arg, str):
        return GObject.Value(GObject.TYPE_STRING, arg)
    if isinstance(arg, (bytes, bytearray, memoryview)):
        return GObject.Value(GLib.Bytes.__gtype__, GLib.Bytes.new(bytes(arg)))
    if isinstance(arg, (list, tuple)) and all(isinstance(s, str) for s in arg):
        return GObject.Value(GObject.TYPE_STRV, list(arg))
    if isinstance(arg, GLib.Variant):
        return GObject.Value(GObject.TYPE_VARIANT, arg)
    if isinstance(arg, (GObject.Object, GObject.GBoxed)):
        return GObject.Value(arg.__gtype__, arg)
    # Anything else, a callable included, is refused by the library,
    # which names the argument.
    return GObject.Value(_PYOBJECT, arg)


def _offload_result(value):
    """What a direct call gives for a result: arrays of bytes as bytes."""
    if isinstance(value, GLib.ByteArray):
        # PyGObject reads neither a GByteArray held in a GValue nor its
        # data field: the bytes are read where the GValue's copy keeps them.
        holder = GObject.Value(GLib.ByteArray.__gtype__, value)
        data = ctypes.c_void_p.from_address(holder.peek_pointer()).value
        return ctypes.string_at(data, value.len) if value.len else b''
    return value


class Executor(Ta.Executor):
    """A pool of worker threads; see ``Ta.Executor``.

    ``call_async()`` runs an introspected function on a worker, by name,
    and ``call_finish()`` gives what a direct call returns: None, the one
    value, or a tuple, and raises the function's ``GLib.Error``::

        def done(executor, result):
            ok, contents, etag = executor.call_finish(result)

        executor.call_async('Gio.File.load_contents', [file, None], None, done)
    """

    def call_async(self, function, args, cancellable=None, callback=None, *user_data):
        """Calls @function with @args on a worker; @callback gets the result."""
        values = [_offload_value(arg) for arg in args]
        Ta.Executor.call_async(self, function, values, cancellable, callback, *user_data)

    def call_finish(self, result):
        """The results of ``call_async()``, shaped as a direct call's."""
        values = [_offload_result(v) for v in Ta.Executor.call_finish(self, result)]
        if not values:
            return None
        if len(values) == 1:
            return values[0]
        return tuple(values)


Executor = override(Executor)
__all__.append('Executor')


# ---------------------------------------------------------------------------
# Control inversion
# ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ExecutionRequest(typing.Generic[T]):
    """What a client asked: a function and its arguments.

    From a Python :class:`Client`, ``fun`` is the function to run. From a
    client in another language (C's ``ta_client_execute_async()``, GJS),
    ``fun`` is ``None``, ``method`` is the name it asked for, ``parameters``
    the ``GLib.Variant`` it gave (or ``None``) and ``args`` that variant
    unpacked: the items of a tuple, or the one value of any other type.
    """
    fun: typing.Optional[typing.Callable[..., T]]
    args: tuple
    kw_args: dict
    method: str = ''
    parameters: typing.Optional[GLib.Variant] = None


class _PythonCall:
    """The payload of a request from a Python :class:`Client`."""

    __slots__ = ('fun', 'args', 'kwargs')

    def __init__(self, fun, args, kwargs):
        self.fun = fun
        self.args = args
        self.kwargs = kwargs


def _foreign_answer(request, result):
    """Answers a client of another language: it reads a GValue."""
    if isinstance(result, GLib.Variant):
        request.return_variant(result)
        return
    if result is None:
        request.return_variant(GLib.Variant.new_tuple())
        return
    if not isinstance(result, (bool, int, float, str, GObject.Object)):
        raise TypeError(f'A client in another language cannot read '
                        f'{type(result).__name__}: answer with a GLib.Variant')
    try:
        answered = request.return_value(result)
    except (TypeError, OverflowError, GLib.Error) as error:
        raise TypeError(
            f'A client in another language reads a GLib.Variant: cannot answer it '
            f'with {type(result).__name__} ({error})') from None
    if not answered:
        raise TypeError(f'A client in another language cannot read '
                        f'{type(result).__name__}: answer with a GLib.Variant')


def _foreign_error(exception):
    if isinstance(exception, GLib.Error):
        return exception
    return GLib.Error.new_literal(_ERROR_QUARK, f'{type(exception).__name__}: {exception}',
                                  Ta.Error.FAILED)


class RequestFuture(typing.Generic[T]):
    """How a server handler answers a request: now, or later, from any thread.

    A Python client receives any object, or raises the very exception. A
    client in another language receives a ``GLib.Variant`` as it is, a
    basic value (``int``, ``str``, ``float``, ``bool``) or a GObject as a
    GValue, ``None`` as an empty tuple; an exception reaches it as a
    ``GLib.Error`` (``Ta.Error.FAILED`` unless it is one).
    """

    def __init__(self, request, foreign=False):
        self._request = request
        self._foreign = foreign

    def set_result(self, result):
        """Answers the request with a result."""
        self._check_unanswered()
        if self._foreign:
            _foreign_answer(self._request, result)
        else:
            self._request.return_value(GObject.Value(_PYOBJECT, (True, result)))

    def set_exception(self, exception):
        """Answers the request with an exception for the client to raise."""
        if isinstance(exception, type):
            exception = exception()
        self._check_unanswered()
        if self._foreign:
            self._request.return_error(_foreign_error(exception))
        else:
            self._request.return_value(GObject.Value(_PYOBJECT, (False, exception)))

    def done(self):
        """Whether the request was answered."""
        return self._request.is_answered()

    def _check_unanswered(self):
        if self._request.is_answered():
            raise asyncio.InvalidStateError('The request was answered already')


__all__ += ['ExecutionRequest', 'RequestFuture']


class Client:
    """The client side of control inversion: coroutines on the runner.

    Subclass it to give requests names, as in ``threaded_async``::

        class Stub(Ta.Client):
            async def increment(self, number):
                return await self.execute(Stub.increment, number)
    """

    def __init__(self, server):
        self._server = server
        self._client = Ta.Server.create_client(server)

    async def execute(self, fun, *args, **kwargs):
        """Asks the server to run ``fun(*args, **kwargs)``; returns its answer."""
        client = self._client
        payload = GObject.Value(_PYOBJECT, _PythonCall(fun, args, kwargs))
        method = _describe(fun)
        try:
            ok, outcome = await _gio_await(
                self._server._runner,
                lambda c, cb: client.execute_async(method, None, payload, c, cb),
                client.execute_finish)
        except GLib.Error as error:
            if _ta_error(error, Ta.Error.CLOSED) or _ta_error(error, Ta.Error.NOT_RUNNING):
                raise RunnerNotRunningError(error.message) from None
            raise
        succeeded, value = outcome
        if not succeeded:
            raise value
        return value


__all__.append('Client')


def _execution_request(request):
    """The request as the handler sees it, and whether it comes from a
    client in another language."""
    ok, payload = request.get_payload()
    method = request.get_method()
    if ok and isinstance(payload, _PythonCall):
        return ExecutionRequest(payload.fun, payload.args, payload.kwargs, method), False
    parameters = request.get_parameters()
    if parameters is None:
        args = ()
    elif parameters.is_of_type(GLib.VariantType('r')):
        args = tuple(parameters.unpack())
    else:
        args = (parameters.unpack(),)
    return ExecutionRequest(None, args, {}, method, parameters), True


def _server_handle_request(server, request):
    execution_request, foreign = _execution_request(request)
    future = RequestFuture(request, foreign)
    try:
        server._handle_request(execution_request, future)
    except BaseException as error:  # noqa: B036
        if not future.done():
            future.set_exception(error)
        server._handler_errors.append(error)
    return True


class Server(Ta.Server):
    """The deciding side of control inversion, on a thread of your choice.

    Subclass it and define ``_handle_request(request, future)``; call
    :meth:`process` from your thread (a game loop's update, say) to handle
    one pending request at a time.
    """

    def __init__(self, queue_size=10, runner=None, event_loop_timeout=None,
                 event_loop_exit_timeout=1.0):
        self._owns_runner = runner is None
        if runner is None:
            runner = Runner(exit_timeout=event_loop_exit_timeout,
                            call_in_loop_timeout=event_loop_timeout)
        Ta.Server.__init__(self, runner=runner, queue_size=queue_size)
        self._runner = runner
        self._handler_errors = []
        self.connect('handle-request', _server_handle_request)

    @property
    def runner(self):
        """The runner the clients run on."""
        return self._runner

    @property
    def event_loop_timeout(self):
        """Default timeout of waits on the loop, in seconds (None: none)."""
        return self._runner.call_in_loop_timeout

    @event_loop_timeout.setter
    def event_loop_timeout(self, timeout):
        self._runner.call_in_loop_timeout = timeout

    @property
    def event_loop_exit_timeout(self):
        """How long stopping may take, in seconds."""
        return self._runner.exit_timeout

    @event_loop_exit_timeout.setter
    def event_loop_exit_timeout(self, timeout):
        self._runner.exit_timeout = timeout

    def _handle_request(self, request, future):
        """Handles a request: override it. Answer through ``future``."""
        raise NotImplementedError(f'{type(self).__name__} does not handle requests')

    def create_future(self):
        """A future on the server's runner."""
        return Future(self._runner)

    def create_client(self):
        """A client of this server."""
        return Client(self)

    def create_background_task(self, awaitable, timeout=USE_DEFAULT_TIMEOUT):
        """Runs a client coroutine; returns once the loop caught up with it.

        So the coroutine's first request is already queued on return.
        """
        task = self._runner.create_task(awaitable)
        self._runner._catch_up(timeout)
        return task

    def process(self, timeout=USE_DEFAULT_TIMEOUT):
        """Handles at most one pending request; says whether there was one.

        With no request queued, waits (up to ``timeout``) for the loop to
        catch up first; never for a request to arrive. Raises
        :class:`RunnerNotRunningError` once the runner stopped.
        """
        try:
            handled = _blocking_wait(None, self._runner._timeout_us(timeout),
                                     'Server.process()', Ta.Server.process, self)
        except GLib.Error as error:
            if _ta_error(error, Ta.Error.TIMEOUT):
                raise EventLoopTimeoutError(
                    'Server.process()', self._runner._resolve_timeout(timeout),
                    error.message) from None
            if _ta_error(error, Ta.Error.NOT_RUNNING):
                raise RunnerNotRunningError(error.message) from None
            raise
        if self._handler_errors:
            raise self._handler_errors.pop(0)
        return handled

    def start(self):
        if self._owns_runner:
            self._runner.start()
        Ta.Server.start(self)

    def __enter__(self):
        self.start()
        return self

    def stop(self):
        try:
            if self._owns_runner:
                self._runner.stop()
        finally:
            Ta.Server.stop(self)

    def __exit__(self, exc_type, exc_value, tb):
        self.stop()


Server = override(Server)
__all__.append('Server')


class Stall(Ta.Stall):
    """A stall report of a Ta.Watchdog, with the stalled thread's Python side.

    Both methods read the stalled thread as it is now: call them from the
    report of a stall that goes on (``not stall.is_over()``).
    """

    def python_stack(self):
        """The stalled thread's Python stack, formatted like
        ``traceback.format_stack()``, or ``None`` if it runs no Python."""
        frame = sys._current_frames().get(self.get_thread_id())
        return None if frame is None else traceback.format_stack(frame)

    def python_task(self):
        """The asyncio task the stalled thread runs, named the way asyncio's
        debug mode names a slow callback, or ``None``."""
        frame = sys._current_frames().get(self.get_thread_id())
        frames = set()
        while frame is not None:
            frames.add(frame)
            frame = frame.f_back
        for task in list(asyncio.tasks._current_tasks.values()):
            if getattr(task.get_coro(), 'cr_frame', None) in frames:
                return repr(task)
        return None


Stall = override(Stall)
__all__.append('Stall')
