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

How the override is built. This module holds the classes users see as
``Ta.*``; private modules next to it hold the layers below them, each
importing only modules on a lower floor (the bottom first)::

    _ta_async_utils   asyncio helpers that need no GObject
    _ta_errors        exceptions, ShutdownType, GError <-> Python
    _ta_timeouts      seconds <-> the library's microseconds
    _ta_guest_loop    asyncio inside the runner's GMainContext; thread life
    _ta_blocking      sliced blocking waits and the Ctrl-C guard
    _ta_bridge        awaiting the library's _async calls from any loop
    _ta_tasks         BackgroundTask, done callbacks, waits over tasks
    _ta_stop          a runner's stop: cancel, join, report, force down
    _ta_control       Client, ExecutionRequest, RequestFuture
    _ta_jobs          Python task functions and jobs: what they raise
    _ta_offload       GValues of offloaded introspected calls
    Ta                Runner, Event, Future, Queue, Executor, Server, Stall,
                      Task
"""

import asyncio
import inspect
import sys
import threading
import traceback
import types
import typing

from gi.repository import GLib, GObject

from ..module import get_introspection_module
from ..overrides import override

Ta = get_introspection_module('Ta')

# PyGObject finds the Python class of a GType by name the first time it
# wraps a value of it. This module gives two names to classes of its own:
# the library's are wrapped now, before those names are taken.
_LibraryShutdownType = Ta.ShutdownType
_LibraryClient = Ta.Client

from ._ta_async_utils import TimeoutTimer, run_or_raise, wait_for_or_cancel  # noqa: E402
from ._ta_blocking import (_blocking_wait, _check_not_on_loop, _interrupts,  # noqa: E402
                           _raise_wait_error, _wait_us)
from ._ta_bridge import _AsyncEvent, _gio_await  # noqa: E402
from ._ta_control import (Client, ExecutionRequest, RequestFuture,  # noqa: E402
                          _server_handle_request)
from ._ta_errors import (EventLoopTimeoutError, ExceptionGroup,  # noqa: E402
                         ForcedThreadShutdown, QueueClosedError,
                         RunnerNotRunningError, ShutdownType, _Waiting,
                         _failed_error, _ta_error)
from ._ta_guest_loop import _RunnerState, _live_lock, _live_runners  # noqa: E402
from ._ta_jobs import _run, _run_async, _run_finish, _spawn, _with_original  # noqa: E402
from ._ta_offload import _offload_result, _offload_value  # noqa: E402
from ._ta_stop import _stop  # noqa: E402
from ._ta_tasks import BackgroundTask, _close_unused, _LoopCall, as_completed, wait_any  # noqa: E402
from ._ta_timeouts import USE_DEFAULT_TIMEOUT, _from_us, _setting_us, _to_us  # noqa: E402

__all__ = ['TimeoutTimer', 'run_or_raise', 'wait_for_or_cancel', 'as_completed',
           'wait_any', 'USE_DEFAULT_TIMEOUT', 'EventLoopTimeoutError',
           'RunnerNotRunningError', 'QueueClosedError', 'ForcedThreadShutdown',
           'ExceptionGroup', 'ShutdownType', 'BackgroundTask']

# Classes of the private modules that users see as Ta's own: named so, in
# reprs, tracebacks and pickles, as before the override was split.
for _public in (EventLoopTimeoutError, RunnerNotRunningError, QueueClosedError,
                ForcedThreadShutdown, ShutdownType, BackgroundTask, ExecutionRequest,
                RequestFuture, Client):
    _public.__module__ = __name__
del _public

T = typing.TypeVar('T')
_PYOBJECT = GObject.TYPE_PYOBJECT


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


# ---------------------------------------------------------------------------
# The runner
# ---------------------------------------------------------------------------

_DEFAULT_EXIT_TIMEOUT = 1.0


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
    was stuck (logger ``gi.overrides.Ta``, level ``ERROR``) and warns
    with a ``RuntimeWarning``; turn it off where a stuck loop is expected,
    in tests: such a stop is then silent.
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
        _stop(self)

    def spawn(self, name, func, *args, **kwargs):
        """The library's ``spawn()``; a ``func`` that raises fails the task
        at once, and the task's waiters in Python get its exception."""
        return _spawn(Ta.Runner.spawn, self, name, func, args, kwargs)

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
            Ta.Future.set_error(self, _failed_error(exception))

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
# Worker threads
# ---------------------------------------------------------------------------

class Executor(Ta.Executor):
    """A pool of worker threads; see ``Ta.Executor``.

    ``call_async()`` runs an introspected function on a worker, by name,
    and ``call_finish()`` gives what a direct call returns: None, the one
    value, or a tuple, and raises the function's ``GLib.Error``::

        def done(executor, result):
            ok, contents, etag = executor.call_finish(result)

        executor.call_async('Gio.File.load_contents', [file, None], None, done)
    """

    def spawn(self, name, func, *args, **kwargs):
        """Runs the job ``func`` on a worker; see ``Runner.spawn()``."""
        return _spawn(Ta.Executor.spawn, self, name, func, args, kwargs)

    def run(self, name, func, *args, **kwargs):
        """Runs the job ``func`` and waits; raises what it raised."""
        return _run(Ta.Executor.run, self, name, func, args, kwargs)

    def run_async(self, name, func, *args, **kwargs):
        """Runs the job ``func``; the callback calls :meth:`run_finish`."""
        _run_async(Ta.Executor.run_async, self, name, func, args, kwargs)

    def run_finish(self, result):
        """The job run by :meth:`run_async`; raises what it raised."""
        return _run_finish(Ta.Executor.run_finish, self, result)

    def invoke(self, func, *args, done):
        """Runs ``func(*args)`` on a worker thread, without a handle.

        ``done(result, error)`` then runs in the caller's thread-default
        main context, once: with what ``func`` returned and None, with None
        and the exception it raised (the very object), or with None and a
        ``GLib.Error`` (``Gio.IOErrorEnum.CANCELLED``) if a shutdown took
        the job out of the queue before it started. ``func`` holds the
        interpreter lock only while it runs Python: a worker waiting in a
        C call, or between jobs, leaves the other threads free::

            def hashed(digest, error):
                print(digest if error is None else error)

            executor.invoke(hashlib.sha256, data, done=hashed)

        Raises ``GLib.Error`` (``Ta.Error.NOT_RUNNING``) once the executor
        is shut down; ``done`` is then never called.
        """
        if not callable(func) or not callable(done):
            raise TypeError('invoke() needs a callable and a done callable')
        outcome = []

        def run(_cancellable, *_data):
            # The worker: the exception travels to done as it is.
            try:
                outcome.append((func(*args), None))
            except BaseException as error:  # noqa: B036 - handed to done
                outcome.append((None, error))

        def complete(_result, error, *_data):
            done(*(outcome[0] if outcome else (None, error)))

        # The data of each callback is given as a tuple: PyGObject packs
        # only the last one itself.
        return Ta.Executor.invoke(self, run, (None,), complete, None)

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

# Control inversion
# ---------------------------------------------------------------------------

__all__ += ['ExecutionRequest', 'RequestFuture', 'Client']


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

    def spawn(self, name, func, *args, **kwargs):
        """The library's ``spawn()``, as ``Runner.spawn()`` makes it."""
        return _spawn(Ta.Server.spawn, self, name, func, args, kwargs)

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


class Task(Ta.Task):
    """A task of the library, spawned on a runner or an executor.

    A task whose Python function raised fails with that exception: its
    waits and ``propagate_*()`` raise the very exception, where C and GJS
    read a ``GLib.Error`` (see ``docs/python.md``).
    """

    _ta_failure = None

    def wait(self, timeout_us):
        return _with_original(Ta.Task.wait, self, timeout_us)

    def wait_finish(self, result):
        return _with_original(Ta.Task.wait_finish, self, result)

    def propagate_pointer(self):
        return _with_original(Ta.Task.propagate_pointer, self)

    def propagate_boolean(self):
        return _with_original(Ta.Task.propagate_boolean, self)

    def propagate_int(self):
        return _with_original(Ta.Task.propagate_int, self)

    def propagate_value(self):
        return _with_original(Ta.Task.propagate_value, self)


Task = override(Task)
__all__.append('Task')
