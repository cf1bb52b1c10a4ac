// SPDX-License-Identifier: LGPL-2.1-or-later
// Smoke test: the Ta-1 typelib from GJS, against the build tree.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Ta from 'gi://Ta?version=1';
import System from 'system';

Gio._promisify(Ta, 'sleep_async', 'sleep_finish');

function assert(condition, message) {
    if (!condition)
        throw new Error(`assertion failed: ${message}`);
}

let failures = 0;
let count = 0;

async function test(name, func) {
    count++;
    try {
        await func();
        print(`ok ${count} ${name}`);
    } catch (e) {
        failures++;
        print(`not ok ${count} ${name}`);
        printerr(`${e}\n${e.stack ?? ''}`);
    }
}

async function main() {
    await test('start, use and stop a runner', async () => {
        const runner = Ta.Runner.new('gjs-smoke');
        assert(!runner.is_running(), 'not running before start');
        runner.start();
        assert(runner.is_running(), 'running after start');
        assert(!runner.is_runner_thread(), 'JS is not on the runner thread');
        assert(runner.get_context() !== null, 'has a context');
        runner.wait_next_iteration(Ta.TIMEOUT_INFINITE);
        runner.stop();
        assert(!runner.is_running(), 'stopped');
        assert(runner.shutdown_type === Ta.ShutdownType.STOPPED, 'shutdown type');
    });

    await test('properties', () => {
        const runner = new Ta.Runner({name: 'gjs-props', exit_timeout: 250000});
        assert(runner.name === 'gjs-props', 'name');
        assert(runner.exit_timeout === 250000, 'exit timeout');
        assert(runner.default_call_timeout === Ta.TIMEOUT_INFINITE, 'default call timeout');
        let notified = 0;
        runner.connect('notify::default-call-timeout', () => notified++);
        runner.default_call_timeout = 1000;
        assert(notified === 1, 'notified once');
        runner.stop();
    });

    await test('work after stop is refused with a GLib.Error', () => {
        const runner = Ta.Runner.new('gjs-stopped');
        runner.start();
        runner.stop();
        let error = null;
        try {
            runner.wait_next_iteration(Ta.TIMEOUT_INFINITE);
        } catch (e) {
            error = e;
        }
        assert(error !== null, 'threw');
        assert(error.matches(Ta.error_quark(), Ta.Error.NOT_RUNNING), `NOT_RUNNING, got ${error}`);
    });

    await test('an async sleep resolves on the JS main context', async () => {
        const ok = await Ta.sleep_async(1000, null);
        assert(ok === true, 'resolved');
    });

    await test('a cancelled async sleep rejects with a GLib.Error', async () => {
        const cancellable = new Gio.Cancellable();
        const promise = Ta.sleep_async(3600 * 1000 * 1000, cancellable);
        cancellable.cancel();
        let error = null;
        try {
            await promise;
        } catch (e) {
            error = e;
        }
        assert(error?.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED), `cancelled, got ${error}`);
    });
}

const loop = new GLib.MainLoop(null, false);
main().catch(e => {
    failures++;
    printerr(e);
}).finally(() => loop.quit());
loop.run();
print(`1..${count}`);
System.exit(failures > 0 ? 1 : 0);
