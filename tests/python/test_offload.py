# SPDX-License-Identifier: LGPL-2.1-or-later
"""Blocking introspected calls offloaded with Ta.Executor.call_async()."""

import os

import pytest
from gi.repository import GLib, Gio, Ta

from conftest import HANG_US, executor_fixture

executor = executor_fixture('pytest-offload', 8)


class Call:
    """One offloaded call, settled in the thread-default main context."""

    def __init__(self, executor, function, args, cancellable=None):
        self.done = False
        self.value = None
        self.error = None
        executor.call_async(function, args, cancellable, self._done)

    def _done(self, executor, result):
        try:
            self.value = executor.call_finish(result)
        except GLib.Error as error:
            self.error = error
        self.done = True


def settle(*calls):
    context = GLib.MainContext.default()
    deadline = GLib.get_monotonic_time() + HANG_US
    while not all(call.done for call in calls):
        assert GLib.get_monotonic_time() < deadline, 'the calls did not settle'
        context.iteration(True)


def call(executor, function, args, cancellable=None):
    pending = Call(executor, function, args, cancellable)
    settle(pending)
    if pending.error is not None:
        raise pending.error
    return pending.value


def started(executor):
    context = GLib.MainContext.default()
    while executor.get_n_queued() > 0 or executor.get_n_workers() == 0:
        context.iteration(False)


@pytest.fixture
def temp_file(tmp_path):
    path = tmp_path / 'contents'
    path.write_bytes(b'hello\0world\n')
    return path


def test_file_get_contents(executor, temp_file):
    direct = GLib.file_get_contents(str(temp_file))
    assert call(executor, 'GLib.file_get_contents', [str(temp_file)]) == direct
    assert direct == (True, b'hello\0world\n')


def test_load_contents(executor, temp_file):
    file = Gio.File.new_for_path(str(temp_file))
    assert call(executor, 'Gio.File.load_contents', [file, None]) == file.load_contents(None)


def test_spawn_command_line_sync(executor):
    direct = GLib.spawn_command_line_sync('echo hi')
    assert call(executor, 'GLib.spawn_command_line_sync', ['echo hi']) == direct
    assert direct[1] == b'hi\n'


def test_shapes(executor):
    # One value, as a direct call returns it; none gives None.
    file = call(executor, 'Gio.File.new_for_path', ['/tmp/ta'])
    assert isinstance(file, Gio.File) and file.get_path() == '/tmp/ta'
    assert call(executor, 'GLib.usleep', [1]) is None
    assert call(executor, 'GLib.build_filenamev', [['a', 'b c']]) == 'a/b c'
    assert call(executor, 'GLib.shell_parse_argv', ["a 'b c'"]) == GLib.shell_parse_argv("a 'b c'")
    assert call(executor, 'GLib.Bytes.new', [b'a\0c']).get_data() == b'a\0c'
    info = call(executor, 'Gio.File.query_info',
                [file.get_parent(), 'standard::type', Gio.FileQueryInfoFlags.NONE, None])
    assert info.get_file_type() == Gio.FileType.DIRECTORY


def test_arrays_and_lists_of_objects(executor):
    """Lists of numbers, booleans and objects go in and come back as the
    direct call takes and gives them."""
    key_file = GLib.KeyFile()
    assert call(executor, 'GLib.KeyFile.set_integer_list', [key_file, 'g', 'i', [1, -2, 300]]) is None
    assert call(executor, 'GLib.KeyFile.get_integer_list', [key_file, 'g', 'i']) == [1, -2, 300]
    call(executor, 'GLib.KeyFile.set_double_list', [key_file, 'g', 'd', [0.5, 2]])
    assert call(executor, 'GLib.KeyFile.get_double_list', [key_file, 'g', 'd']) == [0.5, 2.0]
    call(executor, 'GLib.KeyFile.set_boolean_list', [key_file, 'g', 'b', [True, False]])
    assert call(executor, 'GLib.KeyFile.get_boolean_list', [key_file, 'g', 'b']) == [True, False]
    with pytest.raises(GLib.Error) as error:
        call(executor, 'GLib.KeyFile.set_integer_list', [key_file, 'g', 'i', [1, 2**40]])
    assert 'argument “list (an element)” (gint32) is out of range' in error.value.message

    store = Gio.ListStore.new(Gio.File)
    files = [Gio.File.new_for_path('/a'), Gio.File.new_for_path('/b')]
    call(executor, 'Gio.ListStore.splice', [store, 0, 0, files])
    assert [store.get_item(i) for i in range(store.get_n_items())] == files

    icon = Gio.ThemedIcon.new('x')
    emblem = Gio.Emblem.new(icon)
    emblemed = Gio.EmblemedIcon.new(icon, emblem)
    assert call(executor, 'Gio.EmblemedIcon.get_emblems', [emblemed]) == emblemed.get_emblems()


def test_error_is_the_direct_calls(executor):
    with pytest.raises(GLib.Error) as direct:
        GLib.file_get_contents('/nonexistent/ta-offload')
    with pytest.raises(GLib.Error) as offloaded:
        call(executor, 'GLib.file_get_contents', ['/nonexistent/ta-offload'])
    assert (offloaded.value.domain, offloaded.value.code, offloaded.value.message) == \
        (direct.value.domain, direct.value.code, direct.value.message)


def test_cancel_reaches_blocking_read():
    executor = Ta.Executor.new('pytest-offload', 1)
    read_fd, write_fd = os.pipe()
    try:
        stream = Gio.UnixInputStream.new(read_fd, False)
        cancellable = Gio.Cancellable()
        pending = Call(executor, 'Gio.InputStream.read_bytes', [stream, 16, None], cancellable)
        started(executor)
        cancellable.cancel()
        settle(pending)
        assert pending.error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    finally:
        executor.shutdown(Ta.ExecutorShutdown.CANCEL, HANG_US)
        os.close(read_fd)
        os.close(write_fd)


def test_200_concurrent_while_the_loop_iterates(executor):
    event = Ta.Event.new()
    ticks = 0

    def tick():
        nonlocal ticks
        ticks += 1
        if ticks == 3:
            event.set()
        return GLib.SOURCE_CONTINUE

    source = GLib.timeout_add(1, tick)
    try:
        # Each blocks a worker until the timer, on this thread, fired thrice.
        calls = [Call(executor, 'Ta.Event.wait', [event, HANG_US]) for _ in range(200)]
        settle(*calls)
    finally:
        GLib.source_remove(source)
    assert [c.error for c in calls] == [None] * 200
    assert all(c.value is True for c in calls)
    assert ticks >= 3


@pytest.mark.parametrize('function, args, code, message', [
    ('GLib.idle_add', [0, None], Ta.Error.WRONG_THREAD,
     'argument “function” is a callback (GLib.SourceFunc)'),
    ('Gio.File.load_contents', [None], Ta.Error.INVALID_VALUE,
     'takes 2 arguments (self, cancellable), not 1'),
    ('GLib.file_get_contents', [42], Ta.Error.INVALID_VALUE,
     'argument “filename” expects filename, not gint'),
    ('GLib.file_get_contents', [object()], Ta.Error.INVALID_VALUE,
     'argument “filename” expects filename, not PyObject'),
    ('GLib.unichar_to_utf8', ['x'], Ta.Error.NOT_SUPPORTED,
     'argument “outbuf” (utf8) is caller-allocates'),
    ('GLib.no_such_function', [], Ta.Error.INVALID_VALUE,
     'No introspected function is called “GLib.no_such_function”'),
])
def test_refused(executor, function, args, code, message):
    with pytest.raises(GLib.Error) as error:
        call(executor, function, args)
    assert error.value.matches(Ta.error_quark(), code)
    assert message in error.value.message


def test_python_callback_refused(executor, temp_file, tmp_path):
    ran = []
    source = Gio.File.new_for_path(str(temp_file))
    target = Gio.File.new_for_path(str(tmp_path / 'copy'))
    with pytest.raises(GLib.Error) as error:
        call(executor, 'Gio.File.copy',
             [source, target, Gio.FileCopyFlags.NONE, None, lambda *args: ran.append(args)])
    assert error.value.matches(Ta.error_quark(), Ta.Error.WRONG_THREAD)
    assert 'argument “progress_callback” is a callback' in error.value.message
    assert not ran and not target.query_exists(None)
    # Left out, the same call runs.
    assert call(executor, 'Gio.File.copy',
                [source, target, Gio.FileCopyFlags.NONE, None, None]) is True
    assert target.query_exists(None)


def test_shutdown_with_calls_pending():
    executor = Ta.Executor.new('pytest-offload', 1)
    read_fd, write_fd = os.pipe()
    try:
        stream = Gio.UnixInputStream.new(read_fd, False)
        calls = [Call(executor, 'Gio.InputStream.read_bytes', [stream, 16, None])]
        started(executor)
        calls += [Call(executor, 'GLib.get_user_name', []) for _ in range(5)]
        executor.shutdown(Ta.ExecutorShutdown.CANCEL, HANG_US)
        settle(*calls)
        for pending in calls:
            assert pending.error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
        with pytest.raises(GLib.Error) as error:
            call(executor, 'GLib.get_user_name', [])
        assert error.value.matches(Ta.error_quark(), Ta.Error.NOT_RUNNING)
    finally:
        os.close(read_fd)
        os.close(write_fd)
