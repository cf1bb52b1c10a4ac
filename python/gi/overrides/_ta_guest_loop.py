# SPDX-License-Identifier: LGPL-2.1-or-later
"""asyncio as a guest of a runner's GMainContext, and the runner thread's
Python life: its thread state (taken with the C API's GIL calls), its
asyncio loop, the bookkeeping of its runner, and the stop of every runner
at exit. It plays the part that ``gi/events.py`` plays for PyGObject's
own asyncio integration: the loop, apart from the override's classes.
"""

import asyncio
import atexit
import collections
import ctypes
import selectors
import sys
import threading
import traceback

from gi.repository import GLib

from ..module import get_introspection_module
from ._ta_errors import ForcedThreadShutdown

Ta = get_introspection_module('Ta')

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
