// SPDX-License-Identifier: LGPL-2.1-or-later
//
// offload.js: blocking calls from GJS, run on an executor's worker
// threads and awaited on the main loop, which keeps running meanwhile.
//
//   gjs -m examples/gjs/offload.js

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Ta from 'gi://Ta?version=1';

/* Calls @name on a worker: resolves to what the direct call returns, or
 * rejects with the error it throws. */
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

async function main() {
    const executor = Ta.Executor.new('offload', 4);
    const [file, stream] = Gio.File.new_tmp('offload-XXXXXX');
    stream.output_stream.write_all(new TextEncoder().encode('hello from a worker\n'), null);
    stream.close(null);

    // Methods take the instance first, then the arguments a direct call
    // takes; a GCancellable left null receives the call's cancellable.
    const [ok, contents] = await offload(executor, 'Gio.File.load_contents', [file, null]);
    print(ok, new TextDecoder().decode(contents).trim());

    // Namespace functions, several at once.
    const outputs = await Promise.all(['one', 'two'].map(word =>
        offload(executor, 'GLib.spawn_command_line_sync', [`echo ${word}`])));
    print(outputs.map(([, stdout]) => new TextDecoder().decode(stdout).trim()).join(' '));

    // Errors are the function's own.
    try {
        await offload(executor, 'GLib.file_get_contents', ['/nonexistent']);
    } catch (e) {
        print(e instanceof GLib.Error && e.matches(GLib.FileError, GLib.FileError.NOENT));
    }

    // What could run JavaScript on a worker is refused before anything runs.
    try {
        await offload(executor, 'GLib.idle_add', [GLib.PRIORITY_DEFAULT, null]);
    } catch (e) {
        print(e.matches(Ta.Error, Ta.Error.WRONG_THREAD));
    }

    file.delete(null);
    executor.shutdown(Ta.ExecutorShutdown.DRAIN, -1);
}

const loop = new GLib.MainLoop(null, false);
main().catch(logError).finally(() => loop.quit());
loop.run();
