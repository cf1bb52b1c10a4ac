# SPDX-License-Identifier: LGPL-2.1-or-later
"""Blocking waits of the Ta override, from plain threads.

A wait stays in C for at most a slice of time, so that between two slices
the thread sees the runner it waits on stop, and the main thread sees
Ctrl-C: :class:`_InterruptGuard` decides when ``KeyboardInterrupt`` may be
raised without losing what the call did. The helpers at the end turn the
library's wait errors into the override's exceptions.
"""

import functools
import signal
import sys
import threading
import time
import _thread

from gi.repository import GLib

from ..module import get_introspection_module
from ._ta_errors import (EventLoopTimeoutError, QueueClosedError,
                         RunnerNotRunningError, _ta_error)
from ._ta_timeouts import USE_DEFAULT_TIMEOUT, _to_us

Ta = get_introspection_module('Ta')

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
# The override's modules: Ta and its private _ta_* modules.
_OVERRIDE_NAME = f'{__package__}.Ta'
_PRIVATE_PREFIX = f'{__package__}._ta_'


def _in_override(frame):
    """Whether ``frame`` or one of its callers runs the override's code."""
    while frame is not None:
        name = frame.f_globals.get('__name__')
        if name == _OVERRIDE_NAME or (type(name) is str
                                      and name.startswith(_PRIVATE_PREFIX)):
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
      again until the stack has left the override, and once more there: the
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

