# SPDX-License-Identifier: LGPL-2.1-or-later
"""Control inversion, the client side and the requests a server handles:
:class:`Client`, :class:`ExecutionRequest`, :class:`RequestFuture`, and
the ``handle-request`` handler that :class:`Ta.Server` connects.
"""

import asyncio
import dataclasses
import typing

from gi.repository import GLib, GObject

from ..module import get_introspection_module
from ._ta_bridge import _gio_await
from ._ta_errors import RunnerNotRunningError, _describe, _exception_error, _ta_error

Ta = get_introspection_module('Ta')

__all__ = ['ExecutionRequest', 'RequestFuture', 'Client']

T = typing.TypeVar('T')
_PYOBJECT = GObject.TYPE_PYOBJECT

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
            self._request.return_error(_exception_error(exception))
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

