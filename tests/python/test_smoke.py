# SPDX-License-Identifier: LGPL-2.1-or-later
"""The library's own API from PyGObject, under the Python override."""

import threading

import gi
import pytest

gi.require_version('Ta', '1')
from gi.repository import GLib, GObject, Gio, Ta  # noqa: E402


@pytest.fixture
def runner():
    r = Ta.Runner.new('py-smoke')
    r.start()
    yield r
    if r.is_running:
        r.stop()


def test_start_stop():
    r = Ta.Runner.new('py-life')
    assert not r.is_running
    r.start()
    assert r.is_running
    assert r.props.shutdown_type == Ta.ShutdownType.NOT_SHUT_DOWN
    r.stop()
    assert not r.is_running
    assert r.props.shutdown_type == Ta.ShutdownType.STOPPED


def test_call_python_function_on_runner_thread(runner):
    seen = {}

    def func(data):
        seen['thread'] = threading.get_ident()
        seen['on_runner'] = runner.is_runner_thread()
        seen['result'] = data * 2

    assert runner.call(func, 21, Ta.TIMEOUT_INFINITE)
    assert seen['result'] == 42
    assert seen['on_runner'] is True
    assert seen['thread'] != threading.get_ident()
    assert not runner.is_runner_thread()


def test_task_returns_python_object(runner):
    def task_func(task, cancellable, data):
        value = GObject.Value(GObject.TYPE_PYOBJECT, {'answer': data})
        task.return_value(value)

    task = runner.spawn('py-task', task_func, 42, None)
    assert task.wait(Ta.TIMEOUT_INFINITE)
    ok, value = task.propagate_value()
    assert ok and value == {'answer': 42}


def test_task_error_crosses_threads(runner):
    def fail(task, cancellable, data):
        task.return_error(GLib.Error.new_literal(
            Gio.io_error_quark(), 'boom', Gio.IOErrorEnum.NOT_FOUND))

    task = runner.spawn('py-fail', fail, None, None)
    with pytest.raises(GLib.Error) as info:
        task.wait(Ta.TIMEOUT_INFINITE)
    assert info.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND)
    assert info.value.message == 'boom'


def test_call_timeout(runner):
    release = threading.Event()
    entered = threading.Event()

    def block(data):
        entered.set()
        release.wait(30)

    runner.invoke(block, None)
    assert entered.wait(30)
    with pytest.raises(GLib.Error) as info:
        runner.wait_next_iteration(10 * 1000)
    assert info.value.matches(Ta.error_quark(), Ta.Error.TIMEOUT)
    release.set()
    runner.wait_next_iteration(Ta.TIMEOUT_INFINITE)


def test_unretrieved_errors_reported_at_stop():
    r = Ta.Runner.new('py-errors')
    r.start()

    def fail(task, cancellable, data):
        task.return_error(GLib.Error.new_literal(
            Ta.error_quark(), 'error %d' % data, Ta.Error.FAILED))

    for i in range(3):
        r.spawn(None, fail, i, None)
    # The originals, raised together.
    with pytest.raises(ExceptionGroup) as info:  # noqa: F821
        r.stop()
    assert sorted(e.message for e in info.value.exceptions) == ['error 0', 'error 1', 'error 2']
    assert all(e.matches(Ta.error_quark(), Ta.Error.FAILED) for e in info.value.exceptions)
    assert len(r.dup_unretrieved_errors()) == 3


def test_work_after_stop_fails():
    r = Ta.Runner.new('py-stopped')
    r.start()
    r.stop()
    with pytest.raises(GLib.Error) as info:
        r.call(lambda data: None, None, Ta.TIMEOUT_INFINITE)
    assert info.value.matches(Ta.error_quark(), Ta.Error.NOT_RUNNING)
