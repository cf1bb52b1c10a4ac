// SPDX-License-Identifier: LGPL-2.1-or-later
//
// tasks.js: awaiting tasks that run on a runner, from the JS main thread.
// The tasks are C code from the TaTest library: JavaScript never runs on
// the runner thread.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Ta from 'gi://Ta?version=1';
import TaTest from 'gi://TaTest?version=1';

import {
    DELAY_US, FOREVER_US, HANG_US, TEST_ERROR,
    assert, assertEqual, assertError, assertRejects, assertThrows, bounded,
    run, startRunner, stopRunner,
} from './harness.js';

const tests = [];
function test(name, func) {
    tests.push([name, func]);
}

test('a task result is awaited with wait_async and read with propagate_value', async () => {
    const runner = startRunner('gjs-tasks');
    try {
        const result = new GLib.Variant('(sia{sv})', ['ten', 10, {key: new GLib.Variant('b', true)}]);
        const task = TaTest.spawn_value(runner, DELAY_US, result, null);

        assert(task instanceof Ta.Task, 'spawn returns a Ta.Task');
        assertEqual(await bounded(task.wait_async(null), 'wait_async'), true, 'wait_async resolves');
        assert(task.is_done(), 'done once awaited');

        const [ok, value] = task.propagate_value();
        assert(ok, 'propagate_value succeeds');
        assert(value instanceof GLib.Variant, `a GLib.Variant, got ${value}`);
        assert(value.equal(result), 'the same value');
        assertEqual(value.recursiveUnpack(), ['ten', 10, {key: true}], 'unpacked');

        // Repeatable: bindings read the result as many times as they like.
        const [again, copy] = task.propagate_value();
        assert(again && copy.equal(result), 'propagate_value again gives an equal copy');

        // Awaiting a task that is done already resolves too.
        assertEqual(await bounded(task.wait_async(null), 'wait_async again'), true, 'resolves again');
    } finally {
        stopRunner(runner);
    }
});

test('several tasks are awaited together with Promise.all', async () => {
    const runner = startRunner('gjs-tasks');
    try {
        const tasks = [3, 1, 2].map(n =>
            TaTest.spawn_value(runner, n * DELAY_US, new GLib.Variant('i', n), null));
        await bounded(Promise.all(tasks.map(t => t.wait_async(null))), 'Promise.all');
        assertEqual(tasks.map(t => t.propagate_value()[1].unpack()), [3, 1, 2], 'each its own result');
    } finally {
        stopRunner(runner);
    }
});

test('a task error rejects with a GLib.Error whose matches() works', async () => {
    const runner = startRunner('gjs-tasks');
    try {
        const task = TaTest.spawn_error(runner, DELAY_US, TEST_ERROR, 42, 'This is an error');
        const error = await assertRejects(task.wait_async(null), TEST_ERROR, 42, 'the task error');

        assert(error.domain === TEST_ERROR, 'the domain');
        assert(error.code === 42, 'the code');
        assertEqual(error.message, 'This is an error', 'the message');
        assert(!error.matches(TEST_ERROR, 41), 'another code does not match');
        assert(!error.matches(Ta.Error, 42), 'another domain does not match');
        assert(!error.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED), 'not a cancellation');

        // The error stays with the task, for another wait or dup_error().
        assertError(task.dup_error(), TEST_ERROR, 42, 'dup_error');
        await assertRejects(task.wait_async(null), TEST_ERROR, 42, 'a second wait');
    } finally {
        // Retrieved: the stop has nothing to report.
        stopRunner(runner);
    }
});

test('a task error in the Ta domain matches Ta.Error and Ta.error_quark()', async () => {
    const runner = startRunner('gjs-tasks');
    try {
        const task = TaTest.spawn_error(runner, 0, Ta.error_quark(), Ta.Error.INVALID_VALUE, 'bad value');
        const error = await assertRejects(task.wait_async(null), Ta.Error, Ta.Error.INVALID_VALUE, 'Ta.Error');
        assert(error.matches(Ta.error_quark(), Ta.Error.INVALID_VALUE), 'matches the quark too');
    } finally {
        stopRunner(runner);
    }
});

test('errors nobody retrieved make runner.stop() throw UNRETRIEVED with each of them', async () => {
    const runner = startRunner('gjs-tasks');
    const tasks = [1, 2, 3].map(n =>
        TaTest.spawn_error(runner, 0, TEST_ERROR, n, `error ${n}`));

    // Wait for them without retrieving their errors.
    for (const task of tasks)
        assertEqual(Ta.Task.wait_any([task], HANG_US), 0, 'done');

    const error = assertThrows(() => runner.stop(), Ta.Error, Ta.Error.UNRETRIEVED, 'stop');
    for (const n of [1, 2, 3])
        assert(error.message.includes(`error ${n}`), `the report names error ${n}: ${error.message}`);

    const errors = runner.dup_unretrieved_errors();
    assertEqual(errors.length, 3, 'three errors');
    for (const e of errors)
        assert(e instanceof GLib.Error && e.domain === TEST_ERROR, `a GLib.Error: ${e}`);
    assertEqual(errors.map(e => e.code).sort(), [1, 2, 3], 'each error once');
    assert(runner.shutdown_type === Ta.ShutdownType.STOPPED, 'stopped in order all the same');
});

test('cancelling a wait_async rejects with CANCELLED and leaves the task running', async () => {
    const runner = startRunner('gjs-tasks');
    try {
        const task = TaTest.spawn_value(runner, FOREVER_US, new GLib.Variant('i', 1), null);
        const cancellable = new Gio.Cancellable();
        const wait = task.wait_async(cancellable);
        cancellable.cancel();
        await assertRejects(wait, Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED, 'the wait');
        assert(!task.is_done(), 'the task still runs');

        // Cancelling the task itself ends it, cancelled.
        const again = task.wait_async(null);
        task.cancel();
        await assertRejects(again, Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED, 'the task');
        assert(task.is_done(), 'done once cancelled');
    } finally {
        stopRunner(runner);
    }
});

test('a Gio.Cancellable given at spawn cancels the task', async () => {
    const runner = startRunner('gjs-tasks');
    try {
        const cancellable = new Gio.Cancellable();
        const task = TaTest.spawn_value(runner, FOREVER_US, new GLib.Variant('i', 1), cancellable);
        const wait = task.wait_async(null);
        cancellable.cancel();
        await assertRejects(wait, Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED, 'the task');
        assertError(task.dup_error(), Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED, 'dup_error');
    } finally {
        // A cancellation is not a failure: nothing to report.
        stopRunner(runner);
    }
});

test('stopping the runner cancels a task that JS awaits', async () => {
    const runner = startRunner('gjs-tasks');
    const task = TaTest.spawn_value(runner, FOREVER_US, new GLib.Variant('i', 1), null);
    const wait = task.wait_async(null);
    stopRunner(runner);
    await assertRejects(wait, Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED, 'the task');
    assertThrows(() => TaTest.spawn_value(runner, 0, new GLib.Variant('i', 1), null),
        Ta.Error, Ta.Error.NOT_RUNNING, 'spawning on a stopped runner');
});

test('a stuck runner is abandoned by stop(), which throws TIMEOUT', async () => {
    const runner = new Ta.Runner({name: 'gjs-stuck', exit_timeout: 100 * 1000});
    const entered = Ta.Event.new();
    const release = Ta.Event.new();
    runner.start();
    try {
        const task = TaTest.spawn_block(runner, 0, entered, release);
        await bounded(entered.wait_async(null), 'the task blocks');
        assertThrows(() => task.wait(0), Ta.Error, Ta.Error.TIMEOUT, 'a wait that times out');
        const error = assertThrows(() => runner.stop(), Ta.Error, Ta.Error.TIMEOUT, 'stop');
        assert(error.message.includes('ta-test-block'), `the report names the task: ${error.message}`);
        assert(runner.shutdown_type === Ta.ShutdownType.ABANDONED, 'abandoned');
    } finally {
        // Let the abandoned thread finish.
        release.set();
    }
});

function executorRun(executor, value, cancellable) {
    return new Promise((resolve, reject) => {
        TaTest.executor_run_value_async(executor, value, cancellable, (source, result) => {
            try {
                assert(source === executor, 'the executor is the source');
                resolve(source.run_finish(result));
            } catch (error) {
                reject(error);
            }
        });
    });
}

test('an executor run resolves on the JS main context with its job, or rejects', async () => {
    const executor = Ta.Executor.new('gjs-executor', 2);
    try {
        const job = await bounded(executorRun(executor, new GLib.Variant('s', 'done'), null), 'run');
        assert(job instanceof Ta.Task, `a Ta.Task, got ${job}`);
        assert(job.is_done(), 'done');
        assertEqual(job.propagate_value()[1].unpack(), 'done', 'the job\'s value');

        const jobs = await bounded(Promise.all([1, 2, 3].map(n =>
            executorRun(executor, new GLib.Variant('i', n), null))), 'three runs');
        assertEqual(jobs.map(j => j.propagate_value()[1].unpack()), [1, 2, 3], 'each its own value');

        // The job's error; with a cancellable, the same through a GTask.
        await assertRejects(executorRun(executor, null, null),
            Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED, 'a failed job');
        await assertRejects(executorRun(executor, null, new Gio.Cancellable()),
            Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED, 'a failed job with a cancellable');
        const cancellable = new Gio.Cancellable();
        cancellable.cancel();
        await assertRejects(executorRun(executor, new GLib.Variant('i', 1), cancellable),
            Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED, 'a run cancelled before it began');
    } finally {
        // Every error was retrieved: nothing to report.
        executor.shutdown(Ta.ExecutorShutdown.DRAIN, HANG_US);
    }
    await assertRejects(executorRun(executor, new GLib.Variant('i', 1), null),
        Ta.Error, Ta.Error.NOT_RUNNING, 'a run on a shut down executor');
});

test('Ta.sleep_async resolves on the JS main context and rejects when cancelled', async () => {
    assertEqual(await bounded(Ta.sleep_async(DELAY_US, null), 'sleep'), true, 'resolves true');
    assertEqual(await bounded(Promise.all([Ta.sleep_async(DELAY_US, null), Ta.sleep_async(0, null)]),
        'two sleeps at once'), [true, true], 'both resolve');

    const cancellable = new Gio.Cancellable();
    cancellable.cancel();
    await assertRejects(Ta.sleep_async(FOREVER_US, cancellable),
        Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED, 'a sleep cancelled before it began');
});

run(tests);
