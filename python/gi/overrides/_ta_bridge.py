# SPDX-License-Identifier: LGPL-2.1-or-later
"""Awaiting the library's ``_async`` operations from any asyncio loop.

:func:`_gio_await` starts a GIO-style operation on a runner's thread and
hands its outcome to the awaiting loop: the runner's own, or another
thread's, through ``call_soon_threadsafe``; :class:`_AsyncEvent` is a
``Ta.Event`` awaited that way.
"""

import asyncio

from gi.repository import Gio

from ..module import get_introspection_module

Ta = get_introspection_module('Ta')


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
