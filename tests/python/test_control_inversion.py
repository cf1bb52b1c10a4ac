# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ta.Server and Ta.Client: control inversion from Python."""

import asyncio
import threading

import gi
import pytest
from gi.repository import GLib, Ta

from conftest import HANG


class AsyncServer(Ta.Server):
    """Keeps every request's future without answering."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.futures = []
        self.requests = []

    def _handle_request(self, request, future):
        assert threading.current_thread() is threading.main_thread()
        self.requests.append(request)
        self.futures.append(future)

    @property
    def requests_handled(self):
        return len(self.futures)


class SyncServer(AsyncServer):
    """Runs what was asked and answers at once."""

    def _handle_request(self, request, future):
        super()._handle_request(request, future)
        try:
            future.set_result(request.fun(*request.args, **request.kw_args))
        except Exception as error:  # noqa: BLE001
            future.set_exception(error)


def foo(x):
    return x + 1


def test_access_timeouts():
    with SyncServer() as server:
        assert server.event_loop_timeout is None
        assert server.event_loop_exit_timeout is not None
        server.event_loop_timeout = 600.0
        assert server.event_loop_timeout == 600.0
        server.event_loop_exit_timeout = 1200.0
        assert server.event_loop_exit_timeout == 1200.0


def test_create_task_without_requests():
    with SyncServer() as server:
        async def plain(x):
            return x + 1

        assert server.create_background_task(plain(3)).wait(HANG) == 4
        assert server.requests_handled == 0
        assert not server.process()


def test_process_request():
    with SyncServer() as server:
        async def request_foo(client):
            return await client.execute(foo, 3, )

        task = server.create_background_task(request_foo(server.create_client()))
        assert server.process()
        assert task.wait(HANG) == 4
        assert server.requests_handled == 1
        request = server.requests[0]
        assert request.fun is foo and request.args == (3,) and request.kw_args == {}


def test_keyword_arguments_and_any_objects():
    marker = object()

    def combine(a, *, b):
        return (a, b)

    with SyncServer() as server:
        async def request(client):
            return await client.execute(combine, marker, b=[None])

        task = server.create_background_task(request(server.create_client()))
        assert server.process()
        a, b = task.wait(HANG)
        assert a is marker and b == [None]


def test_process_delayed():
    with AsyncServer() as server:
        async def request_foo(client):
            return await client.execute(foo, 3)

        task = server.create_background_task(request_foo(server.create_client()))
        assert server.process()
        assert server.requests_handled == 1
        # No answer yet: the client keeps waiting.
        with pytest.raises(TimeoutError):
            task.wait(0.05)
        server.futures[0].set_result(10)
        assert task.wait(HANG) == 10


def test_process_many():
    async def foo_requester(client):
        total = 0
        for i in range(100):
            total += await client.execute(foo, i)
        return total

    with SyncServer() as server:
        task = server.create_background_task(foo_requester(server.create_client()))
        for _ in range(100):
            assert server.process()
        assert not server.process()
        assert task.wait(HANG) == 5050
        assert server.requests_handled == 100


def test_process_long_running_operations():
    async def sequential(client):
        total = 0
        for _ in range(100):
            total += await client.execute(lambda: 1)
        return total

    with AsyncServer() as server:
        task = server.create_background_task(sequential(server.create_client()))
        for _ in range(100):
            assert server.process()
            for _ in range(10):
                # No new request until the current one is answered.
                assert not server.process()
            server.futures[-1].set_result(1)
        assert task.wait(HANG) == 100


def test_shutdown_during_task():
    async def sleeper():
        await asyncio.sleep(HANG)

    with SyncServer() as server:
        task = server.create_background_task(sleeper())
    # Leaving did not wait for the sleep: the task was cancelled.
    with pytest.raises(asyncio.CancelledError):
        task.wait()


def test_shutdown_during_request():
    async def ask(client):
        return await client.execute(lambda x: x + 1, 1)

    with AsyncServer() as server:
        task = server.create_background_task(ask(server.create_client()))
        assert server.process()
    with pytest.raises(asyncio.CancelledError):
        task.wait()


def test_exception_answer_reaches_client_as_itself():
    error = LookupError('from the server')

    def fail():
        raise error

    with SyncServer() as server:
        async def ask(client):
            with pytest.raises(LookupError) as info:
                await client.execute(fail)
            return info.value

        task = server.create_background_task(ask(server.create_client()))
        assert server.process()
        assert task.wait(HANG) is error


def test_handler_error_raised_by_process_and_client_not_hung():
    class BrokenServer(Ta.Server):
        def _handle_request(self, request, future):
            raise RuntimeError('handler bug')

    with BrokenServer() as server:
        async def ask(client):
            return await client.execute(foo, 1)

        task = server.create_background_task(ask(server.create_client()))
        with pytest.raises(RuntimeError, match='handler bug'):
            server.process()
        # The client got the error instead of waiting forever.
        with pytest.raises(RuntimeError, match='handler bug'):
            task.wait(HANG)


def test_answering_twice_is_refused():
    with AsyncServer() as server:
        async def ask(client):
            return await client.execute(foo, 1)

        task = server.create_background_task(ask(server.create_client()))
        assert server.process()
        future = server.futures[0]
        assert not future.done()
        future.set_result(2)
        assert future.done()
        with pytest.raises(asyncio.InvalidStateError):
            future.set_result(3)
        assert task.wait(HANG) == 2


def test_unanswered_request_dropped_fails_client():
    class ForgetfulServer(Ta.Server):
        def _handle_request(self, request, future):
            pass  # neither answered nor kept

    with ForgetfulServer() as server:
        async def ask(client):
            return await client.execute(foo, 1)

        task = server.create_background_task(ask(server.create_client()))
        assert server.process()
        with pytest.raises(GLib.Error) as info:
            task.wait(HANG)
        assert info.value.matches(Ta.error_quark(), Ta.Error.ABANDONED)


def test_backpressure_with_full_request_queue():
    async def flood(client, n):
        return await asyncio.gather(*(client.execute(foo, i) for i in range(n)))

    with SyncServer(queue_size=2) as server:
        task = server.create_background_task(flood(server.create_client(), 6))
        # Only as many requests as the queue holds are pending at a time.
        assert Ta.Server.get_n_pending(server) == 2
        handled = 0
        while server.process():
            handled += 1
            assert Ta.Server.get_n_pending(server) <= 2
        assert handled == 6
        assert task.wait(HANG) == [1, 2, 3, 4, 5, 6]


def test_server_on_a_given_runner():
    with Ta.Runner() as runner:
        server = SyncServer(runner=runner)
        with server:
            async def ask(client):
                return await client.execute(foo, 41)

            task = server.create_background_task(ask(server.create_client()))
            assert server.process()
            assert task.wait(HANG) == 42
        # The runner is the caller's: still running.
        assert runner.is_running


# -- requests from clients in other languages -------------------------------------

_Library = gi.module.get_introspection_module('Ta')


class MethodServer(Ta.Server):
    """Answers by method name, for clients in any language."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.requests = []

    def _handle_request(self, request, future):
        self.requests.append(request)
        if request.method == 'increment':
            (number,) = request.args
            future.set_result(GLib.Variant('i', number + 1))
        elif request.method == 'greet':
            future.set_result(f'hello {request.args[0]}')
        elif request.method == 'nothing':
            future.set_result(None)
        elif request.method == 'object':
            future.set_result(object())
        elif request.method == 'fail':
            raise KeyError('no such thing')
        else:
            future.set_exception(LookupError(request.method))


def _library_request(server, method, parameters):
    """A coroutine on the server's runner asking through the C API."""
    async def ask():
        client = _Library.Client.new(server)
        answered = asyncio.get_running_loop().create_future()

        def done(source, result):
            try:
                answered.set_result(source.execute_finish(result)[1])
            except GLib.Error as error:
                answered.set_exception(error)

        client.execute_async(method, parameters, None, None, done)
        return await answered
    return ask()


def test_request_from_library_client_with_variant():
    with MethodServer() as server:
        task = server.create_background_task(
            _library_request(server, 'increment', GLib.Variant('(i)', (41,))))
        assert server.process()
        answer = task.wait(HANG)
        assert isinstance(answer, GLib.Variant)
        assert answer.get_type_string() == 'i' and answer.unpack() == 42
        (request,) = server.requests
        assert request.fun is None
        assert request.method == 'increment'
        assert request.args == (41,) and request.kw_args == {}
        assert request.parameters.unpack() == (41,)


def test_request_from_library_client_basic_values():
    with MethodServer() as server:
        greet = server.create_background_task(
            _library_request(server, 'greet', GLib.Variant('s', 'world')))
        assert server.process()
        assert greet.wait(HANG) == 'hello world'
        nothing = server.create_background_task(_library_request(server, 'nothing', None))
        assert server.process()
        assert nothing.wait(HANG).unpack() == ()
        assert server.requests[-1].args == ()
        assert server.requests[-1].parameters is None


def test_request_from_library_client_errors():
    with MethodServer() as server:
        unknown = server.create_background_task(_library_request(server, 'unknown', None))
        assert server.process()
        with pytest.raises(GLib.Error, match='LookupError: unknown') as caught:
            unknown.wait(HANG)
        assert caught.value.matches(Ta.error_quark(), Ta.Error.FAILED)

        # The handler's own error: raised by process(), and the client is
        # answered with it rather than left waiting.
        fail = server.create_background_task(_library_request(server, 'fail', None))
        with pytest.raises(KeyError):
            server.process()
        with pytest.raises(GLib.Error, match='KeyError'):
            fail.wait(HANG)

        # An answer the client cannot read is refused to the handler, and
        # the client learns of it.
        unreadable = server.create_background_task(_library_request(server, 'object', None))
        with pytest.raises(TypeError, match='GLib.Variant'):
            server.process()
        with pytest.raises(GLib.Error, match='TypeError'):
            unreadable.wait(HANG)


class BothServer(MethodServer):
    """Runs what a Python client asked; answers other clients by name."""

    def _handle_request(self, request, future):
        if request.fun is not None:
            self.requests.append(request)
            future.set_result(request.fun(*request.args))
        else:
            super()._handle_request(request, future)


def test_python_and_library_clients_on_one_server():
    async def python_side(client):
        return await client.execute(foo, 1)

    with BothServer() as server:
        from_python = server.create_background_task(python_side(server.create_client()))
        assert server.process()
        from_library = server.create_background_task(
            _library_request(server, 'increment', GLib.Variant('(i)', (1,))))
        assert server.process()
        assert from_python.wait(HANG) == 2
        assert from_library.wait(HANG).unpack() == 2
        python_request, library_request = server.requests
        assert python_request.fun is foo and python_request.method == 'foo'
        assert python_request.parameters is None
        assert library_request.fun is None and library_request.method == 'increment'
