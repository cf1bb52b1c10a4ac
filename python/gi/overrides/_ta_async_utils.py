# SPDX-License-Identifier: LGPL-2.1-or-later
"""Small asyncio helpers of the Ta override (``Ta.wait_for_or_cancel``,
``Ta.run_or_raise``, ``Ta.TimeoutTimer``).

They need no runner: they work in any coroutine, on a runner's loop or on
any other asyncio loop, and ``TimeoutTimer`` on any thread. Kept apart from
``Ta.py`` so that they can be read (and imported) without GObject.
"""

import asyncio
import time

__all__ = ['wait_for_or_cancel', 'run_or_raise', 'TimeoutTimer']


def _cancel_waiter(cancel_event):
    """The coroutine that waits for ``cancel_event``: an ``asyncio.Event``,
    anything with an awaitable ``wait()``, or a ``Ta.Event`` (awaited
    through its ``as_async_event()``)."""
    as_async = getattr(cancel_event, 'as_async_event', None)
    if as_async is not None:
        cancel_event = as_async()
    return cancel_event.wait()


async def wait_for_or_cancel(awaitable, cancel_event, timeout=None):
    """Awaits ``awaitable``, unless ``cancel_event`` is set first.

    Returns what the awaitable returned, or raises what it raised. Raises
    ``asyncio.CancelledError`` when ``cancel_event`` is set before it
    finished, and ``TimeoutError`` (``asyncio.TimeoutError``) when
    ``timeout`` seconds (``None``: no limit) passed first; in both cases
    the awaitable is cancelled. One that finished as the event was set
    counts as finished.
    """
    work = asyncio.ensure_future(awaitable)
    cancel = asyncio.ensure_future(_cancel_waiter(cancel_event))
    try:
        await asyncio.wait((work, cancel), timeout=timeout,
                           return_when=asyncio.FIRST_COMPLETED)
        if work.done():
            return work.result()
        if cancel.done():
            cancel.result()  # an error of the wait itself is raised as is
            raise asyncio.CancelledError('the cancel event was set')
        raise asyncio.TimeoutError(
            f'{timeout} seconds passed before the awaitable finished')
    finally:
        work.cancel()
        cancel.cancel()


async def run_or_raise(coroutine, raise_coroutine):
    """Runs ``coroutine`` while ``raise_coroutine`` watches it.

    Returns the result of ``coroutine``. If ``raise_coroutine`` raises
    first, ``coroutine`` is cancelled and that exception raised; if it
    returns first, ``coroutine`` runs on alone. Whatever is still running
    when this returns or raises (or is cancelled) is cancelled.
    """
    task = asyncio.ensure_future(coroutine)
    watcher = asyncio.ensure_future(raise_coroutine)
    try:
        await asyncio.wait((task, watcher), return_when=asyncio.FIRST_COMPLETED)
        if not task.done() and watcher.exception() is not None:
            raise watcher.exception()
        return await task
    finally:
        task.cancel()
        watcher.cancel()


class TimeoutTimer:
    """Counts down a timeout shared by several waits.

    ::

        with Ta.TimeoutTimer(timeout) as deadline:
            runner.wait_for_next_eventloop_iteration(deadline.remaining)
            task.wait(deadline.remaining)

    ``remaining`` is the time left in seconds, never below 0, counted from
    entering the ``with`` block. A timeout of ``None`` or below 0 (such as
    ``Ta.USE_DEFAULT_TIMEOUT``) is returned as it is, so that it keeps its
    meaning for the waits it is passed to. A timer is entered once.
    """

    def __init__(self, timeout):
        self._timeout = timeout
        self._start = None

    @property
    def remaining(self):
        """Seconds left (at least 0.0), or the timeout itself when it is
        ``None`` or negative."""
        if self._start is None:
            raise RuntimeError('TimeoutTimer.remaining read outside its with block')
        timeout = self._timeout
        if timeout is None or timeout < 0:
            return timeout
        return max(0.0, timeout - (time.monotonic() - self._start))

    def __enter__(self):
        if self._start is not None:
            raise RuntimeError('A TimeoutTimer is entered only once')
        self._start = time.monotonic()
        return self

    def __exit__(self, exc_type, exc_value, tb):
        return None
