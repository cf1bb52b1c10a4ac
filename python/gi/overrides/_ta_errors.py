# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the Ta override raises and reports: its exceptions, the runner's
:class:`ShutdownType`, and the library's ``GError`` seen from Python
(``Ta.Error`` codes, a Python exception as the ``GError`` that C and GJS
read).

The floor of the override: it imports nothing of it.
"""

import enum
import types
import inspect

from gi.repository import GLib

from ..module import get_introspection_module

Ta = get_introspection_module('Ta')

__all__ = ['EventLoopTimeoutError', 'RunnerNotRunningError', 'QueueClosedError',
           'ForcedThreadShutdown', 'ExceptionGroup', 'ShutdownType']

_ERROR_QUARK = Ta.error_quark()


def _ta_error(error, code):
    return isinstance(error, GLib.Error) and error.matches(_ERROR_QUARK, code)


def _exception_message(exception):
    """``'Type: message'``, as C and GJS read a Python exception; never
    raises, whatever the exception's ``__str__`` does."""
    try:
        text = str(exception)
    except BaseException:  # noqa: B036 - as traceback says it
        text = '<exception str() failed>'
    message = f'{type(exception).__name__}: {text}'
    # A GError message is UTF-8: lone surrogates are spelled out.
    return message.encode('utf-8', 'backslashreplace').decode('utf-8')


def _failed_error(exception):
    """``Ta.Error.FAILED`` with ``'Type: message'``: a Python exception as
    C and GJS read it."""
    return GLib.Error.new_literal(_ERROR_QUARK, _exception_message(exception),
                                  Ta.Error.FAILED)


def _exception_error(exception):
    """The ``GError`` that C and GJS see for a Python exception: itself if
    it is one, otherwise :func:`_failed_error`."""
    if isinstance(exception, GLib.Error):
        return exception
    return _failed_error(exception)


def _describe(thing):
    """A short description of a coroutine, callable or awaitable."""
    if type(thing) is types.CoroutineType or inspect.iscoroutine(thing):
        return thing.__qualname__
    name = getattr(thing, '__qualname__', None)
    return name if isinstance(name, str) else repr(thing)


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

