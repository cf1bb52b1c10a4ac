// SPDX-License-Identifier: LGPL-2.1-or-later
//
// invoke.js: Ta.Executor.invoke() from JavaScript. The blocking function
// runs on a worker, so it cannot be JavaScript: such a function is
// refused. The completion can be, and comes back on the main thread.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Ta from 'gi://Ta?version=1';
import TaTest from 'gi://TaTest?version=1';
import System from 'system';

import {
    HANG_US,
    assert, assertEqual, assertError, bounded, laterIteration, run,
} from './harness.js';

const tests = [];
function test(name, func) {
    tests.push([name, func]);
}

function withExecutor(maxWorkers, func) {
    return async () => {
        const executor = Ta.Executor.new('gjs-invoke', maxWorkers);
        try {
            await func(executor);
        } finally {
            executor.shutdown(Ta.ExecutorShutdown.CANCEL, HANG_US);
        }
    };
}

/* Queues a C job whose completion, in JavaScript, settles the promise.
 * GJS leaves the untyped result (a gpointer) out of the arguments: the
 * completion gets the error alone. */
function invokeCheck(executor, value) {
    return new Promise((resolve, reject) => {
        TaTest.executor_invoke_check(executor, value, error => {
            if (error)
                reject(error);
            else
                resolve(value);
        });
    });
}

test('a JavaScript function is refused with WRONG_THREAD, its completion never runs',
    withExecutor(1, async executor => {
        let ran = 0;
        let error = null;
        try {
            executor.invoke(() => ran++, () => ran++);
        } catch (e) {
            error = e;
        }
        assert(error !== null, 'the JS function was accepted');
        assertError(error, Ta.Error, Ta.Error.WRONG_THREAD, 'refused');
        assert(error.message.startsWith('ta_executor_invoke() '),
            `the refusal names ta_executor_invoke(): ${error.message}`);
        // Both closures were released on this thread: collecting them is safe.
        System.gc();
        for (let i = 0; i < 3; i++)
            await laterIteration();
        assertEqual(ran, 0, 'neither function ran');
    }));

test('completions of C jobs run in JavaScript, each once, on the main loop',
    withExecutor(2, async executor => {
        const values = [];
        for (let i = 0; i < 200; i++)
            values.push(i);
        const settled = await bounded(
            Promise.allSettled(values.map(v => invokeCheck(executor, v % 10 === 9 ? -v : v))),
            'every completion runs');
        let ok = 0, failed = 0;
        for (const outcome of settled) {
            if (outcome.status === 'fulfilled') {
                ok++;
            } else {
                assertError(outcome.reason, Gio.IOErrorEnum, Gio.IOErrorEnum.INVALID_ARGUMENT,
                    'the job\'s error');
                assert(outcome.reason.message.endsWith('is negative'), outcome.reason.message);
                failed++;
            }
        }
        assertEqual(ok, 180, 'jobs that succeeded');
        assertEqual(failed, 20, 'jobs that failed');
        System.gc();
    }));

test('a shutdown completes the jobs that never started with CANCELLED',
    withExecutor(1, async executor => {
        const jobs = [];
        for (let i = 0; i < 50; i++)
            jobs.push(invokeCheck(executor, i));
        executor.shutdown(Ta.ExecutorShutdown.CANCEL, HANG_US);
        const settled = await bounded(Promise.allSettled(jobs), 'every completion runs');
        let cancelled = 0;
        for (const outcome of settled) {
            if (outcome.status === 'rejected') {
                assertError(outcome.reason, Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED, 'cancelled');
                cancelled++;
            }
        }
        assertEqual(settled.length, 50, 'one completion each');
        // Jobs a worker took before the shutdown completed normally.
        assert(cancelled <= 50, 'cancelled');

        let error = null;
        try {
            TaTest.executor_invoke_check(executor, 1, () => {
                throw new Error('a refused job never completes');
            });
        } catch (e) {
            error = e;
        }
        assertError(error, Ta.Error, Ta.Error.NOT_RUNNING, 'refused after the shutdown');
        System.gc();
        await laterIteration();
    }));

run(tests);
