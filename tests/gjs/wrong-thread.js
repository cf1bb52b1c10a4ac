// SPDX-License-Identifier: LGPL-2.1-or-later
//
// wrong-thread.js: JS functions given to calls that would run them on
// another thread are refused with Ta.Error.WRONG_THREAD, and never run.
// JavaScript can only run on the main thread; before this guard, such a
// function reached the runner thread and crashed the process, which is
// why this file runs on its own.

import GLib from 'gi://GLib';
import Ta from 'gi://Ta?version=1';

import {
    HANG_US,
    assert, assertEqual, assertError, bounded, run, startRunner, stopRunner,
} from './harness.js';

const tests = [];
function test(name, func) {
    tests.push([name, func]);
}

/* Checks the error code exists before handing a JS function to anything:
 * without the guard, doing so crashes. */
function requireGuard() {
    assert(Ta.Error.WRONG_THREAD !== undefined,
        'Ta.Error.WRONG_THREAD exists: the library refuses JS functions it would run on another thread');
}

/* Calls @call, which must refuse the JS function with WRONG_THREAD,
 * either by throwing or, for an _async call, by rejecting, and name
 * @cFunction, the function the caller called. */
async function assertRefused(call, what, cFunction) {
    let error = null;
    try {
        await bounded(Promise.resolve(call()), what);
    } catch (e) {
        error = e;
    }
    assert(error !== null, `${what}: the JS function was accepted`);
    assertError(error, Ta.Error, Ta.Error.WRONG_THREAD, what);
    assert(error.message.startsWith(`${cFunction}() `),
        `${what}: the refusal names ${cFunction}(): ${error.message}`);
}

test('runner.spawn and runner.call refuse a JS function with WRONG_THREAD', async () => {
    requireGuard();
    const runner = startRunner('gjs-wrong-thread');
    let called = 0;
    try {
        await assertRefused(() => runner.spawn('js-task', () => called++, null), 'runner.spawn', 'ta_runner_spawn');
        await assertRefused(() => runner.call(() => called++, HANG_US), 'runner.call', 'ta_runner_call');
        // Whatever was queued on the runner has run by now.
        runner.wait_idle(HANG_US);
        assertEqual(called, 0, 'the JS function never ran');
    } finally {
        stopRunner(runner);
    }
    assertEqual(called, 0, 'nor while the runner stopped');
});

test('every other call that runs a function off the main thread refuses a JS one', async () => {
    requireGuard();
    const runner = startRunner('gjs-wrong-thread');
    const server = Ta.Server.new(runner, 0);
    const executor = Ta.Executor.new('gjs-wrong-thread', 1);
    let called = 0;
    const func = () => called++;
    try {
        server.start();
        await assertRefused(() => runner.invoke(func), 'runner.invoke', 'ta_runner_invoke');
        await assertRefused(() => runner.run('js-task', func, HANG_US), 'runner.run', 'ta_runner_run');
        await assertRefused(() => server.spawn('js-task', func, HANG_US), 'server.spawn', 'ta_server_spawn');
        await assertRefused(() => executor.spawn('js-job', func, null), 'executor.spawn', 'ta_executor_spawn');
        await assertRefused(() => executor.run('js-job', func, HANG_US), 'executor.run', 'ta_executor_run');
        await assertRefused(() => new Promise((resolve, reject) => {
            executor.run_async('js-job', func, null, (self, result) => {
                try {
                    resolve(self.run_finish(result));
                } catch (e) {
                    reject(e);
                }
            });
        }), 'executor.run_async', 'ta_executor_run_async');
        runner.wait_idle(HANG_US);
        assertEqual(called, 0, 'the JS function never ran');
    } finally {
        executor.shutdown(Ta.ExecutorShutdown.CANCEL, HANG_US);
        server.stop();
        stopRunner(runner);
    }
    assertEqual(called, 0, 'nor at shutdown');
});

test('runner.set_thread_hook refuses a JS hook with a critical; it never runs', () => {
    requireGuard();
    const runner = Ta.Runner.new('gjs-wrong-thread');
    let called = 0;
    // It returns nothing, so the refusal is a critical, like its other
    // programmer errors. An expected message is not fatal.
    GLib.test_expect_message('Ta', GLib.LogLevelFlags.LEVEL_CRITICAL,
        '*ta_runner_set_thread_hook*JavaScript*');
    runner.set_thread_hook(() => called++);
    GLib.test_assert_expected_messages_internal('Ta', 'wrong-thread.js', 0,
        'runner.set_thread_hook');
    runner.start();
    stopRunner(runner);
    assertEqual(called, 0, 'the JS hook never ran');
});

run(tests);
