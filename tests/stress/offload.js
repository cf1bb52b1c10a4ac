// SPDX-License-Identifier: LGPL-2.1-or-later
//
// offload.js: TA_STRESS_ITEMS (default 2000) offloaded calls of several
// functions, some failing, some cancelled at random before or while they
// run, in batches awaited from the main loop while the garbage collector
// runs every millisecond; then a shutdown with calls in flight. Every
// call settles exactly once, with the direct call's result, its error or
// G_IO_ERROR_CANCELLED; nothing reaches JavaScript from a worker or
// during a collection (criticals are fatal here).

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Ta from 'gi://Ta?version=1';
import System from 'system';

import {HANG_US, assert, assertEqual, bounded, run} from '../gjs/harness.js';

const N_CALLS = Number.parseInt(GLib.getenv('TA_STRESS_ITEMS') ?? '2000', 10);
const BATCH = 64;

function offload(executor, name, args, cancellable) {
    return new Promise((resolve, reject) => {
        executor.call_async(name, args, cancellable, (_executor, result) => {
            try {
                resolve(executor.call_finish(result));
            } catch (e) {
                reject(e);
            }
        });
    });
}

const gtype = new GObject.Value();
gtype.init(GObject.TYPE_GTYPE);
gtype.set_gtype(GObject.Object.$gtype);
const NOTIFY = GObject.signal_lookup('notify', GObject.Object.$gtype);

/* Each kind of call: its name, its arguments, and a check of its values,
 * or the error it must fail with. */
const KINDS = [
    {name: 'GLib.utf8_strlen', args: () => ['héllo', -1], check: v => assertEqual(v[0], 5, 'strlen')},
    {name: 'Gio.File.new_for_path', args: () => ['/tmp/ta-x'],
        check: v => assertEqual(v[0].get_path(), '/tmp/ta-x', 'path')},
    {name: 'GObject.signal_list_ids', args: () => [gtype],
        check: v => assertEqual(v[0].get_nth(0), NOTIFY, 'an array out')},
    {name: 'GLib.shell_parse_argv', args: () => ["a 'b c'"],
        check: v => assertEqual(JSON.stringify(v), '[true,["a","b c"]]', 'strv out')},
    {name: 'GLib.file_get_contents', args: () => ['/nonexistent/ta-stress'],
        error: [GLib.FileError, GLib.FileError.NOENT]},
    {name: 'GLib.shell_parse_argv', args: () => ["'unterminated"],
        error: [GLib.ShellError, GLib.ShellError.BAD_QUOTING]},
    {name: 'GLib.no_such_function', args: () => [],
        error: [Ta.Error, Ta.Error.INVALID_VALUE]},
];

async function one(executor, kind, stats, shuttingDown = false) {
    const cancellable = new Gio.Cancellable();
    const roll = Math.random();
    if (roll < 0.05) {
        cancellable.cancel();
    } else if (roll < 0.15) {
        GLib.idle_add(GLib.PRIORITY_HIGH, () => {
            cancellable.cancel();
            return GLib.SOURCE_REMOVE;
        });
    }
    try {
        const values = await offload(executor, kind.name, kind.args(), cancellable);
        assert(!kind.error, `${kind.name} succeeded`);
        kind.check(values);
        stats.ok++;
    } catch (e) {
        if (!(e instanceof GLib.Error))
            throw e;
        if (e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED)) {
            // A shutdown that cancels cancels the running calls too.
            assert(shuttingDown || cancellable.is_cancelled(), 'only a cancelled call is cancelled');
            stats.cancelled++;
        } else if (shuttingDown && e.matches(Ta.Error, Ta.Error.NOT_RUNNING)) {
            stats.notRunning++;
        } else if (kind.error && e.matches(...kind.error)) {
            stats.failed++;
        } else {
            throw e;
        }
    }
}

run([[`${N_CALLS} mixed offloaded calls while the GC runs every millisecond`, async () => {
    const executor = Ta.Executor.new('stress-offload', 4);
    const stats = {ok: 0, failed: 0, cancelled: 0};
    const gc = GLib.timeout_add(GLib.PRIORITY_DEFAULT, 1, () => {
        System.gc();
        return GLib.SOURCE_CONTINUE;
    });
    try {
        for (let done = 0; done < N_CALLS; done += BATCH) {
            const batch = [];
            for (let i = done; i < Math.min(done + BATCH, N_CALLS); i++)
                batch.push(one(executor, KINDS[i % KINDS.length], stats));
            // eslint-disable-next-line no-await-in-loop
            await bounded(Promise.all(batch), `batch at ${done}`);
        }
        assertEqual(stats.ok + stats.failed + stats.cancelled, N_CALLS, 'every call settled once');
        assert(stats.ok > 0 && stats.failed > 0, `successes and failures: ${JSON.stringify(stats)}`);

        // A shutdown with calls in flight: every one settles, once.
        const atShutdown = {ok: 0, failed: 0, cancelled: 0, notRunning: 0};
        const pending = [];
        for (let i = 0; i < BATCH; i++)
            pending.push(one(executor, KINDS[i % KINDS.length], atShutdown, true));
        executor.shutdown(Ta.ExecutorShutdown.CANCEL, HANG_US);
        await bounded(Promise.all(pending), 'calls at shutdown');
        assertEqual(atShutdown.ok + atShutdown.failed + atShutdown.cancelled + atShutdown.notRunning,
            BATCH, 'every call at shutdown settled once');
        print(`# at shutdown: ${JSON.stringify(atShutdown)}`);
        print(`# ${JSON.stringify(stats)}`);
    } finally {
        GLib.source_remove(gc);
        executor.shutdown(Ta.ExecutorShutdown.CANCEL, HANG_US);
    }
}]]);
