# SPDX-License-Identifier: LGPL-2.1-or-later
"""A Python task function or executor job that raises fails its task at
once: Python waiters get the exception itself, C and GJS a GError."""

import asyncio
import threading
import traceback

import pytest
from gi.repository import Gio, GLib, GObject, Ta

from conftest import HANG, HANG_US


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError('no words')


def _raising(exception):
    """A task body that raises ``exception``, from a frame of its own."""
    def body(task, cancellable, *data):
        raise exception
    return body


def _answer(task, cancellable, *data):
    task.return_value(GObject.Value(GObject.TYPE_PYOBJECT, data))


def _assert_is_original(raised, original):
    assert raised is original
    assert type(raised) is type(original) and raised.args == original.args
    # The traceback goes on from the function that raised.
    frames = [frame.name for frame in traceback.extract_tb(raised.__traceback__)]
    assert 'body' in frames


def _settling(done, finish):
    """A callback for an ``*_async()`` call: settles the future ``done``
    with ``source.<finish>(result)``, its value or what it raises."""
    def finished(source, result):
        try:
            done.set_result(getattr(source, finish)(result))
        except BaseException as error:  # noqa: B036
            done.set_exception(error)
    return finished


def _assert_library_error(task, message):
    error = task.dup_error()
    assert error.matches(Ta.error_quark(), Ta.Error.FAILED)
    assert error.message == message


@pytest.fixture
def executor():
    executor = Ta.Executor.new('py-jobs', 2)
    yield executor
    assert executor.shutdown(Ta.ExecutorShutdown.DRAIN, Ta.TIMEOUT_INFINITE)


# -- task functions on a runner ----------------------------------------------------

def test_task_function_that_raises_fails_its_task_at_once(runner, capfd):
    original = ValueError('bad value', 7)
    task = runner.spawn('raiser', _raising(original), None, None)
    # Well within the bound: nothing waits for a timeout.
    with pytest.raises(ValueError) as info:
        task.wait(HANG_US)
    _assert_is_original(info.value, original)
    assert task.is_done()
    with pytest.raises(ValueError) as info:
        task.propagate_value()
    assert info.value is original
    _assert_library_error(task, "ValueError: ('bad value', 7)")
    # Not printed and swallowed.
    assert 'Traceback' not in capfd.readouterr().err


def test_task_function_that_raises_fails_its_async_wait(runner):
    original = LookupError('missing')
    task = runner.spawn('raiser', _raising(original), None, None)

    async def wait():
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        task.wait_async(None, _settling(done, 'wait_finish'))
        return await done

    with pytest.raises(LookupError) as info:
        runner.run(wait(), HANG)
    _assert_is_original(info.value, original)


def test_server_task_function_that_raises(runner):
    server = Ta.Server(runner=runner)
    with server:
        original = ValueError('server side')
        task = server.spawn('raiser', _raising(original), None, HANG_US)
        with pytest.raises(ValueError) as info:
            task.wait(HANG_US)
        assert info.value is original


def test_unretrieved_task_function_error_is_reported_at_stop():
    with pytest.raises(ExceptionGroup) as info:  # noqa: F821
        with Ta.Runner(name='py-raiser') as runner:
            task = runner.spawn('raiser', _raising(ValueError('nobody looked')), None, None)
            assert Ta.Task.wait_any([task], HANG_US) == 0
    (error,) = info.value.exceptions
    assert error.matches(Ta.error_quark(), Ta.Error.FAILED)
    assert error.message == 'ValueError: nobody looked'


def test_system_exit_in_a_task_function_fails_only_its_task(runner):
    task = runner.spawn('exits', _raising(SystemExit(3)), None, None)
    with pytest.raises(SystemExit) as info:
        task.wait(HANG_US)
    assert info.value.code == 3
    _assert_library_error(task, 'SystemExit: 3')
    # The runner goes on.
    assert runner.run(asyncio.sleep(0, 'still here'), HANG) == 'still here'


def test_task_function_that_returned_keeps_its_outcome(runner):
    def answer_then_fail(task, cancellable, data):
        _answer(task, cancellable, data)
        raise ValueError('after the answer')

    # What is raised after the answer is Python's to report; the task's
    # outcome is the answer.
    task = runner.spawn('answers', answer_then_fail, 1, None)
    assert task.wait(HANG_US)
    assert task.propagate_value() == (True, (1,))


# -- executor jobs -----------------------------------------------------------------

def test_executor_job_that_raises_fails_spawn_and_run(executor, capfd):
    original = ValueError('job failed')
    job = executor.spawn('raiser', _raising(original), None)
    with pytest.raises(ValueError) as info:
        job.wait(HANG_US)
    _assert_is_original(info.value, original)
    _assert_library_error(job, 'ValueError: job failed')

    other = KeyError('run')
    with pytest.raises(KeyError) as info:
        executor.run('raiser', _raising(other), None, HANG_US)
    _assert_is_original(info.value, other)
    assert 'Traceback' not in capfd.readouterr().err

    # The workers go on.
    assert executor.run('answers', _answer, 5, HANG_US).propagate_value() == (True, (5,))


def test_executor_job_that_raises_fails_run_async(executor, runner):
    original = OSError(2, 'no such thing')

    async def offload():
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        executor.run_async('raiser', _raising(original), (None,), None,
                           _settling(done, 'run_finish'))
        return await done

    with pytest.raises(OSError) as info:
        runner.run(offload(), HANG)
    _assert_is_original(info.value, original)
    assert info.value.errno == 2

    # And a job that answers still does, through the same path.
    async def answered():
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        executor.run_async('answers', _answer, (6,), None,
                           lambda source, result: done.set_result(
                               source.run_finish(result).propagate_value()))
        return await done
    assert runner.run(answered(), HANG) == (True, (6,))


def test_keyboard_interrupt_in_a_job_fails_only_its_job(executor):
    job = executor.spawn('interrupted', _raising(KeyboardInterrupt()), None)
    with pytest.raises(KeyboardInterrupt):
        job.wait(HANG_US)
    _assert_library_error(job, 'KeyboardInterrupt: ')
    ok, value = executor.run('answers', _answer, 1, HANG_US).propagate_value()
    assert value == (1,)
    assert threading.main_thread().is_alive()


def test_non_ascii_message_reaches_c(executor):
    original = ValueError('données ü € 日本')
    job = executor.spawn('raiser', _raising(original), None)
    with pytest.raises(ValueError) as info:
        job.wait(HANG_US)
    assert info.value is original
    _assert_library_error(job, 'ValueError: données ü € 日本')

    surrogate = ValueError('half \udc80 a character')
    job = executor.spawn('raiser', _raising(surrogate), None)
    with pytest.raises(ValueError) as info:
        job.wait(HANG_US)
    assert info.value is surrogate
    _assert_library_error(job, 'ValueError: half \\udc80 a character')


def test_exception_whose_str_raises(executor):
    original = Unprintable('hidden')
    job = executor.spawn('raiser', _raising(original), None)
    with pytest.raises(Unprintable) as info:
        job.wait(HANG_US)
    assert info.value is original and info.value.args == ('hidden',)
    _assert_library_error(job, 'Unprintable: <exception str() failed>')


def test_glib_error_raised_by_a_job_keeps_its_domain(executor):
    original = GLib.Error.new_literal(Gio.io_error_quark(), 'gone',
                                      Gio.IOErrorEnum.NOT_FOUND)
    job = executor.spawn('raiser', _raising(original), None)
    with pytest.raises(GLib.Error) as info:
        job.wait(HANG_US)
    assert info.value is original
    assert job.dup_error().matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND)


def test_job_error_answered_by_the_job_is_unchanged(executor):
    def fail(task, cancellable, data):
        task.return_error(GLib.Error.new_literal(Ta.error_quark(), 'its own',
                                                 Ta.Error.FAILED))

    job = executor.spawn('fails', fail, None)
    with pytest.raises(GLib.Error) as info:
        job.wait(HANG_US)
    assert info.value.message == 'its own'


def test_every_waiter_gets_the_original_even_when_woken_at_once(executor):
    # A waiter may wake while the worker is still inside return_error():
    # what it gets back is the original all the same.
    originals = [ValueError(i) for i in range(200)]
    jobs = [executor.spawn('raiser', _raising(original), None) for original in originals]
    for job, original in zip(jobs, originals):
        with pytest.raises(ValueError) as info:
            job.wait(HANG_US)
        assert info.value is original
