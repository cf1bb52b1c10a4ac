// SPDX-License-Identifier: LGPL-2.1-or-later
//
// offload.js: blocking introspected calls run on an executor's workers
// with Ta.Executor.call_async(), awaited from the JS main thread.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Ta from 'gi://Ta?version=1';

import {
    HANG_US,
    assert, assertEqual, assertError, assertRejects, bounded, laterIteration, run,
} from './harness.js';

Gio._promisify(Ta.Executor.prototype, 'call_async', 'call_finish');

/* What the docs show: the call's results shaped as the direct call's. */
function offload(executor, name, args, cancellable = null) {
    return new Promise((resolve, reject) => {
        executor.call_async(name, args, cancellable, (_executor, result) => {
            try {
                const values = executor.call_finish(result);
                resolve(values.length > 1 ? values : values[0]);
            } catch (e) {
                reject(e);
            }
        });
    });
}

const tests = [];
function test(name, func) {
    tests.push([name, func]);
}

function withExecutor(maxWorkers, func) {
    return async () => {
        const executor = Ta.Executor.new('gjs-offload', maxWorkers);
        try {
            await func(executor);
        } finally {
            executor.shutdown(Ta.ExecutorShutdown.CANCEL, HANG_US);
        }
    };
}

function tempFile(contents) {
    const [file, stream] = Gio.File.new_tmp('ta-offload-XXXXXX');
    stream.output_stream.write_all(contents, null);
    stream.close(null);
    return file;
}

/* Resolves once the executor's workers have taken every queued call. */
async function started(executor) {
    while (executor.get_n_queued() > 0 || executor.get_n_workers() === 0)
        await laterIteration();
}

/* A stream that never gets data while the process lives: `cat`'s output. */
function silentStream() {
    const cat = Gio.Subprocess.new(['cat'],
        Gio.SubprocessFlags.STDIN_PIPE | Gio.SubprocessFlags.STDOUT_PIPE);
    return [cat, cat.get_stdout_pipe()];
}

const CONTENTS = new TextEncoder().encode('hello\nworld\n');

test('GLib.file_get_contents gives what the direct call gives',
    withExecutor(2, async executor => {
        const file = tempFile(CONTENTS);
        try {
            const direct = GLib.file_get_contents(file.get_path());
            const offloaded = await bounded(
                offload(executor, 'GLib.file_get_contents', [file.get_path()]), 'offload');
            assertEqual(offloaded, direct, 'the same results');
            assert(offloaded[1] instanceof Uint8Array, 'the contents as a Uint8Array');
        } finally {
            file.delete(null);
        }
    }));

test('Gio.File.load_contents on a private class gives what the direct call gives',
    withExecutor(2, async executor => {
        const file = tempFile(CONTENTS);
        try {
            const direct = file.load_contents(null);
            assertEqual(await bounded(offload(executor, 'Gio.File.load_contents', [file, null]),
                'offload'), direct, 'the same results');

            // Promisified, as every GJS promise of a call returning
            // [true, ...outs]: the leading true is dropped.
            const [contents, etag] = await bounded(
                executor.call_async('Gio.File.load_contents', [file, null], null), 'promisified');
            assertEqual([true, contents, etag], direct, 'the same results, promisified');
        } finally {
            file.delete(null);
        }
    }));

test('GLib.spawn_command_line_sync runs on a worker', withExecutor(2, async executor => {
    const direct = GLib.spawn_command_line_sync('echo hi');
    const offloaded = await bounded(
        offload(executor, 'GLib.spawn_command_line_sync', ['echo hi']), 'offload');
    assertEqual(offloaded, direct, 'the same results');
    assertEqual(new TextDecoder().decode(offloaded[1]), 'hi\n', 'the output');
}));

test('constructors, strings and string arrays', withExecutor(2, async executor => {
    const file = await bounded(offload(executor, 'Gio.File.new_for_path', ['/tmp/ta']), 'new');
    assert(file instanceof Gio.File, `a Gio.File, got ${file}`);
    assertEqual(file.get_path(), '/tmp/ta', 'its path');

    assertEqual(await bounded(offload(executor, 'GLib.shell_parse_argv', ["a 'b c'"]), 'parse'),
        GLib.shell_parse_argv("a 'b c'"), 'a string array out');
    const words = new GLib.Variant('as', ['a', 'b c']);
    assertEqual(await bounded(offload(executor, 'GLib.build_filenamev', [words]), 'build'),
        'a/b c', 'a string array in, as a variant');
    const bytes = new GLib.Bytes(CONTENTS);
    const copy = await bounded(offload(executor, 'GLib.Bytes.new', [bytes]), 'bytes');
    assert(copy.equal(bytes), 'a byte array in, a boxed result');
}));

/* Arrays other than of bytes and strings, and lists of objects, come back
 * as a GObject.ValueArray; they are given as one, or numbers as a
 * GLib.Variant array. */
function objectArray(type, objects) {
    const array = GObject.ValueArray.new(objects.length);
    for (const object of objects) {
        const value = new GObject.Value();
        value.init(type);
        value.set_object(object);
        array.append(value);
    }
    return array;
}

function fromValueArray(array) {
    const items = [];
    for (let i = 0; i < array.n_values; i++)
        items.push(array.get_nth(i));
    return items;
}

test('arrays of numbers and objects, and lists of objects', withExecutor(2, async executor => {
    const keyFile = new GLib.KeyFile();
    await offload(executor, 'GLib.KeyFile.set_integer_list',
        [keyFile, 'g', 'k', new GLib.Variant('ai', [1, -2, 300])]);
    const ints = await offload(executor, 'GLib.KeyFile.get_integer_list', [keyFile, 'g', 'k']);
    assert(ints instanceof GObject.ValueArray, 'a GObject.ValueArray');
    assertEqual(JSON.stringify(fromValueArray(ints)), '[1,-2,300]');
    await assertRejects(
        offload(executor, 'GLib.KeyFile.set_integer_list',
            [keyFile, 'g', 'k', new GLib.Variant('as', ['x'])]),
        Ta.Error, Ta.Error.INVALID_VALUE, 'an array of strings for integers');

    /* A GType cannot become a GValue by itself: it is given as one. */
    const type = new GObject.Value();
    type.init(GObject.TYPE_GTYPE);
    type.set_gtype(GObject.Object.$gtype);
    const ids = await offload(executor, 'GObject.signal_list_ids', [type]);
    assertEqual(JSON.stringify(fromValueArray(ids)),
        JSON.stringify([GObject.signal_lookup('notify', GObject.Object.$gtype)]));

    const store = new Gio.ListStore({item_type: Gio.File.$gtype});
    const a = Gio.File.new_for_path('/a');
    const b = Gio.File.new_for_path('/b');
    await offload(executor, 'Gio.ListStore.splice',
        [store, 0, 0, objectArray(Gio.File.$gtype, [a, b])]);
    assertEqual(store.get_n_items(), 2);
    assert(store.get_item(1) === b, 'the very objects given');

    const icon = new Gio.ThemedIcon({name: 'x'});
    const emblemed = new Gio.EmblemedIcon({gicon: icon});
    const emblem = Gio.Emblem.new(icon);
    emblemed.add_emblem(emblem);
    const emblems = await offload(executor, 'Gio.EmblemedIcon.get_emblems', [emblemed]);
    assertEqual(emblems.n_values, 1);
    assert(emblems.get_nth(0) === emblem, 'the emblem itself');
}));

test('an array the marshaller does not handle is refused, naming it',
    withExecutor(2, async executor => {
        const error = await assertRejects(offload(executor, 'GLib.MainContext.check', []),
            Ta.Error, Ta.Error.NOT_SUPPORTED, 'an array of structures');
        assert(error.message.includes('argument “fds” has type array of GLib.PollFD'),
            error.message);
    }));

test('a failing function rejects with the direct call\'s error',
    withExecutor(2, async executor => {
        let direct = null;
        try {
            GLib.file_get_contents('/nonexistent/ta-offload');
        } catch (e) {
            direct = e;
        }
        assert(direct instanceof GLib.Error, 'the direct call throws');
        const error = await assertRejects(
            offload(executor, 'GLib.file_get_contents', ['/nonexistent/ta-offload']),
            direct.domain, direct.code, 'offloaded');
        assertEqual(error.message, direct.message, 'the same message');
    }));

test('cancelling reaches a blocking read through its GCancellable',
    withExecutor(1, async executor => {
        const [cat, stream] = silentStream();
        try {
            const cancellable = new Gio.Cancellable();
            const call = offload(executor, 'Gio.InputStream.read_bytes', [stream, 16, null],
                cancellable);
            await started(executor);
            cancellable.cancel();
            await assertRejects(call, Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED, 'the read');
        } finally {
            cat.force_exit();
        }
    }));

test('200 concurrent offloads while the main loop keeps iterating',
    withExecutor(8, async executor => {
        const event = Ta.Event.new();
        let ticks = 0;
        const id = GLib.timeout_add(GLib.PRIORITY_DEFAULT, 1, () => {
            if (++ticks === 3)
                event.set();
            return GLib.SOURCE_CONTINUE;
        });
        try {
            // Each blocks its worker until the timer, on this thread, has
            // fired three times.
            const calls = [];
            for (let i = 0; i < 200; i++)
                calls.push(offload(executor, 'Ta.Event.wait', [event, HANG_US]));
            const results = await bounded(Promise.all(calls), '200 offloads');
            assert(results.every(r => r === true), 'every wait returned true');
            assert(ticks >= 3, `the timer fired while they waited (${ticks} ticks)`);
        } finally {
            GLib.source_remove(id);
        }
    }));

const JsApp = GObject.registerClass(class JsApp extends Gio.Application {});

test('an object implemented in JavaScript is refused', withExecutor(2, async executor => {
    const app = new JsApp({application_id: 'org.example.Offload'});
    const error = await assertRejects(
        offload(executor, 'Gio.Application.get_application_id', [app]),
        Ta.Error, Ta.Error.WRONG_THREAD, 'a JS class');
    assert(error.message.includes('implemented in JavaScript'), error.message);
}));

test('callbacks are refused', withExecutor(2, async executor => {
    const error = await assertRejects(offload(executor, 'GLib.idle_add', [0, null]),
        Ta.Error, Ta.Error.WRONG_THREAD, 'a callback argument');
    assert(error.message.includes('argument “function” is a callback'), error.message);

    // A JavaScript function cannot even become an argument.
    let ran = false;
    let threw = false;
    try {
        executor.call_async('GLib.idle_add', [0, () => {
            ran = true;
        }], null, () => {});
    } catch (e) {
        threw = true;
    }
    await laterIteration();
    assert(threw && !ran, 'a JS function is refused before anything runs');
}));

test('a wrong number or type of arguments is refused, naming them',
    withExecutor(2, async executor => {
        let error = await assertRejects(offload(executor, 'Gio.File.load_contents', [null]),
            Ta.Error, Ta.Error.INVALID_VALUE, 'arity');
        assert(error.message.includes('takes 2 arguments (self, cancellable), not 1'),
            error.message);
        error = await assertRejects(offload(executor, 'GLib.file_get_contents', [42]),
            Ta.Error, Ta.Error.INVALID_VALUE, 'a type');
        assert(error.message.includes('argument “filename” expects filename, not gint'),
            error.message);
        error = await assertRejects(offload(executor, 'GLib.file_get_contents', [{}]),
            Ta.Error, Ta.Error.INVALID_VALUE, 'a plain JS object');
        assert(error.message.includes('argument “filename”'), error.message);
        error = await assertRejects(offload(executor, 'GLib.unichar_to_utf8', ['x']),
            Ta.Error, Ta.Error.NOT_SUPPORTED, 'caller-allocates');
        assert(error.message.includes('argument “outbuf” (utf8) is caller-allocates'),
            error.message);
    }));

test('calls pending at shutdown all settle with an error', async () => {
    const executor = Ta.Executor.new('gjs-offload', 1);
    const [cat, stream] = silentStream();
    try {
        const calls = [offload(executor, 'Gio.InputStream.read_bytes', [stream, 16, null])];
        await started(executor);
        for (let i = 0; i < 5; i++)
            calls.push(offload(executor, 'GLib.get_user_name', []));

        executor.shutdown(Ta.ExecutorShutdown.CANCEL, HANG_US);
        const outcomes = await bounded(Promise.allSettled(calls), 'the calls settle');
        for (const outcome of outcomes) {
            assertEqual(outcome.status, 'rejected', 'rejected');
            assertError(outcome.reason, Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED, 'cancelled');
        }
        await assertRejects(offload(executor, 'GLib.get_user_name', []),
            Ta.Error, Ta.Error.NOT_RUNNING, 'after the shutdown');
    } finally {
        cat.force_exit();
    }
});

run(tests);
