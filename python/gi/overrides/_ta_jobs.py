# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python functions that the library runs as task bodies: a runner's task
functions (``Runner.spawn()``, ``Server.spawn()``) and an executor's jobs
(``Executor.spawn()``, ``run()``, ``run_async()``).

Such a function answers its ``Gio.Task``. One that raises instead fails
its task at once: C and GJS observers read the ``GError`` of
:func:`_exception_error` (``Ta.Error.FAILED``, ``'Type: message'``, or the
``GLib.Error`` raised itself), and Python waiters on the ``Ta.Task`` get
the very exception back, its traceback going on from where it was raised.
"""

from gi.repository import Gio, GLib

from ._ta_errors import ForcedThreadShutdown, _exception_error


class _Failure:
    """What a task's function raised, shared by its guard and its task."""

    __slots__ = ('exception', 'error')

    def __init__(self):
        self.exception = None   # the Python exception
        self.error = None       # (domain, code, message) of the GError returned

    def record(self, exception, error):
        self.error = None if error is None else (error.domain, error.code, error.message)
        self.exception = exception

    def original(self, error):
        """The exception behind ``error``, if ``error`` is the one the task
        failed with; otherwise ``error`` itself."""
        exception = self.exception
        if exception is not None and (error.domain, error.code, error.message) == self.error:
            return exception
        return error


def _guard(func, failure):
    """``func`` as a task body that fails its task with what it raises."""
    if not callable(func):
        return func  # the library refuses it, as it did

    def body(task, cancellable, *data):
        try:
            func(task, cancellable, *data)
        except ForcedThreadShutdown:
            # A stuck runner brought down: the task ends like the others
            # its stop cancels (the stop has usually failed it already).
            _fail(task, GLib.Error.new_literal(
                Gio.io_error_quark(),
                f'Task “{task.get_name()}” was cancelled: its runner stopped',
                Gio.IOErrorEnum.CANCELLED))
        except BaseException as exception:  # noqa: B036 - the task's outcome
            error = _exception_error(exception)
            # Recorded first: a waiter may wake before return_error() returns.
            failure.record(exception, error)
            if not _fail(task, error):
                failure.record(None, None)
                raise  # returned already: the outcome stands, Python reports it

    return body


def _fail(task, error):
    """Returns ``error`` on ``task`` unless the function returned on it;
    says whether it did."""
    if task.get_completed() or task.had_error():
        return False
    task.return_error(error)
    return True


def _spawn(start, owner, name, func, args, kwargs):
    """``start(owner, name, func, ...)`` with ``func`` guarded; the task it
    returns gives Python waiters the function's own exception."""
    failure = _Failure()
    task = start(owner, name, _guard(func, failure), *args, **kwargs)
    if task is not None:
        task._ta_failure = failure
    return task


def _carrying(failure, call, *args, **kwargs):
    """``call(*args, **kwargs)``, which returns a task or raises a
    ``GLib.Error``: the task carries ``failure``; for the error, the
    exception of the function behind it is raised instead."""
    try:
        task = call(*args, **kwargs)
    except GLib.Error as error:
        raised = failure.original(error)
    else:
        if task is not None:
            task._ta_failure = failure
        return task
    raise raised


def _run(run, owner, name, func, args, kwargs):
    """A blocking run: raises the function's own exception."""
    failure = _Failure()
    return _carrying(failure, run, owner, name, _guard(func, failure),
                     *args, **kwargs)


def _run_async(run_async, owner, name, func, args, kwargs):
    """An asynchronous run: the callback's result carries the failure for
    :func:`_run_finish`. PyGObject gives ``run_async()`` its arguments as
    ``(data, cancellable, callback, *callback_data)`` after ``func``."""
    failure = _Failure()
    args = list(args)
    # The callback is the third argument after the function, or a keyword.
    if 'callback' in kwargs:
        kwargs['callback'] = _carry(kwargs['callback'], failure)
    elif len(args) >= 3:
        args[2] = _carry(args[2], failure)
    run_async(owner, name, _guard(func, failure), *args, **kwargs)


def _carry(callback, failure):
    if not callable(callback):
        return callback

    def done(source, result, *data):
        result._ta_failure = failure
        return callback(source, result, *data)

    return done


def _run_finish(run_finish, owner, result):
    """Finishes :func:`_run_async`: raises the function's own exception."""
    failure = result.__dict__.get('_ta_failure') or _Failure()
    return _carrying(failure, run_finish, owner, result)


def _with_original(call, task, *args):
    """``call(task, *args)``, a method of ``Ta.Task`` that raises the task's
    error: raises the exception of the function behind it instead."""
    try:
        return call(task, *args)
    except GLib.Error as error:
        failure = task.__dict__.get('_ta_failure')
        if failure is None:
            raise
        raised = failure.original(error)
    raise raised
