// SPDX-License-Identifier: LGPL-2.1-or-later
//
// harness.js: what the GJS tests share. The asynchronous Ta calls as
// promises, assertions that know GLib.Error, a bound on every wait, and a
// TAP runner that runs the tests one after the other in a GLib.MainLoop.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Ta from 'gi://Ta?version=1';
import System from 'system';

Gio._promisify(Ta, 'sleep_async', 'sleep_finish');
Gio._promisify(Ta.Task.prototype, 'wait_async', 'wait_finish');
Gio._promisify(Ta.Event.prototype, 'wait_async', 'wait_finish');
Gio._promisify(Ta.Future.prototype, 'wait_async', 'wait_finish');
Gio._promisify(Ta.Queue.prototype, 'push_value_async', 'push_value_finish');
Gio._promisify(Ta.Queue.prototype, 'pop_value_async', 'pop_value_finish');

// A generous bound for "does not hang": the tests never assert timing,
// only that a wait that must end does end.
export const HANG_MS = 30 * 1000;
export const HANG_US = HANG_MS * 1000;
// A delay that the runner-side work waits before acting, so that the
// JavaScript side really waits for it. It only makes the wait real: no
// assertion depends on it.
export const DELAY_US = 20 * 1000;
// A sleep that never ends by itself: only cancellation ends it.
export const FOREVER_US = 3600 * 1000 * 1000;

export const TEST_ERROR = GLib.quark_from_string('ta-gjs-test-error-quark');

export function assert(condition, message) {
    if (!condition)
        throw new Error(`assertion failed: ${message}`);
}

export function assertEqual(actual, expected, message) {
    const a = JSON.stringify(actual);
    const e = JSON.stringify(expected);
    if (a !== e)
        throw new Error(`assertion failed: ${message}: expected ${e}, got ${a}`);
}

function describe(error) {
    if (error instanceof GLib.Error)
        return `GLib.Error ${GLib.quark_to_string(error.domain)} ${error.code}: ${error.message}`;
    return `${error}`;
}

/* Checks that @error is a GLib.Error of @domain and @code. */
export function assertError(error, domain, code, message) {
    if (!(error instanceof GLib.Error) || !error.matches(domain, code)) {
        const name = typeof domain === 'number' ? `${GLib.quark_to_string(domain)} ` : '';
        throw new Error(`assertion failed: ${message}: expected a GLib.Error ${name}` +
                        `with code ${code}, got ${describe(error)}`);
    }
    return error;
}

export function assertThrows(func, domain, code, message) {
    try {
        func();
    } catch (e) {
        return assertError(e, domain, code, message);
    }
    throw new Error(`assertion failed: ${message}: did not throw`);
}

export async function assertRejects(promise, domain, code, message) {
    try {
        await bounded(promise, message);
    } catch (e) {
        return assertError(e, domain, code, message);
    }
    throw new Error(`assertion failed: ${message}: did not reject`);
}

/* Resolves or rejects like @promise, or rejects if it takes longer than
 * @ms: a hang fails the test instead of the whole run. */
export function bounded(promise, what, ms = HANG_MS) {
    let id = 0;
    const timeout = new Promise((resolve, reject) => {
        id = GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
            id = 0;
            reject(new Error(`${what}: did not complete within ${ms} ms`));
            return GLib.SOURCE_REMOVE;
        });
    });
    return Promise.race([promise, timeout]).finally(() => {
        if (id !== 0)
            GLib.source_remove(id);
    });
}

/* Resolves once the JS main context has nothing else ready to dispatch:
 * "a later iteration" of the main loop. */
export function laterIteration() {
    return new Promise(resolve => {
        GLib.idle_add(GLib.PRIORITY_LOW, () => {
            resolve();
            return GLib.SOURCE_REMOVE;
        });
    });
}

export function startRunner(name) {
    const runner = Ta.Runner.new(name);
    runner.start();
    return runner;
}

/* Stops @runner, which must stop cleanly: no unretrieved errors. */
export function stopRunner(runner) {
    runner.stop();
    assert(runner.shutdown_type === Ta.ShutdownType.STOPPED, 'the runner stopped cleanly');
}

/*
 * Runs @tests, a list of [name, async function, todo], one after the other
 * inside a GLib.MainLoop, prints TAP, and exits with the outcome. A test
 * with a `todo` reason pins down behaviour known not to work yet: TAP
 * reports it with a TODO directive, so that its failure is expected and
 * its success is noticed.
 */
export function run(tests) {
    const loop = new GLib.MainLoop(null, false);
    let failures = 0;

    print(`1..${tests.length}`);
    (async () => {
        for (const [index, [name, func, todo]] of tests.entries()) {
            const directive = todo ? ` # TODO ${todo}` : '';
            try {
                await func();
                print(`ok ${index + 1} - ${name}${directive}`);
            } catch (e) {
                if (!todo)
                    failures++;
                print(`not ok ${index + 1} - ${name}${directive}`);
                for (const line of `${describe(e)}\n${e?.stack ?? ''}`.trimEnd().split('\n'))
                    print(`# ${line}`);
            }
        }
    })().finally(() => loop.quit());
    loop.run();

    System.exit(failures > 0 ? 1 : 0);
}
