// SPDX-License-Identifier: LGPL-2.1-or-later
//
// value-errors.js: the failure paths of the calls that hand JS a value
// through an `(out caller-allocates) GValue`: queue pops, task and future
// values, request payloads.
//
// gjs converts such an out value to JS before it looks at the call's
// error. The library leaves a NULL pointer there on failure, so what JS
// sees is the call's own GLib.Error, with no critical on the way.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Ta from 'gi://Ta?version=1';
import TaTest from 'gi://TaTest?version=1';

import {
    DELAY_US, HANG_US, TEST_ERROR,
    assert, assertEqual, assertError, assertRejects, assertThrows, bounded,
    run, startRunner, stopRunner,
} from './harness.js';

const tests = [];
function test(name, func) {
    tests.push([name, func, null]);
}

test('pop_value_async on a closed, drained queue rejects with CLOSED', async () => {
    const runner = startRunner('gjs-value-errors');
    try {
        const queue = Ta.Queue.new(0);
        const task = TaTest.spawn_push_ints(runner, DELAY_US, queue, 2, true);
        const popped = [];
        // The consumer loop of a JS program: pop until the producer closes.
        for (;;) {
            let value;
            try {
                [value] = await bounded(queue.pop_value_async(null), 'pop');
            } catch (e) {
                assertError(e, Ta.Error, Ta.Error.CLOSED, 'the end of the stream');
                break;
            }
            popped.push(value.unpack());
        }
        assertEqual(popped, [0, 1], 'everything pushed before the close');
        await bounded(task.wait_async(null), 'the producer');
    } finally {
        stopRunner(runner);
    }
});

test('a cancelled pop_value_async rejects with CANCELLED and loses no item', async () => {
    const queue = Ta.Queue.new(0);
    const cancellable = new Gio.Cancellable();
    const pop = queue.pop_value_async(cancellable);
    cancellable.cancel();
    await assertRejects(pop, Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED, 'the pop');
    queue.try_push_value(new GLib.Variant('i', 1));
    const [value] = await bounded(queue.pop_value_async(null), 'the next pop');
    assertEqual(value.unpack(), 1, 'the item went to the next popper');
});

test('pops that cannot get an item throw WOULD_BLOCK or TIMEOUT', () => {
    const queue = Ta.Queue.new(0);
    assertThrows(() => queue.try_pop_value(), Ta.Error, Ta.Error.WOULD_BLOCK, 'try_pop_value');
    assertThrows(() => queue.pop_value(1000), Ta.Error, Ta.Error.TIMEOUT, 'pop_value');
    queue.close();
    assertThrows(() => queue.try_pop_value(), Ta.Error, Ta.Error.CLOSED, 'try_pop_value, closed');
});

test('propagate_value on a failed task throws the task error', async () => {
    const runner = startRunner('gjs-value-errors');
    try {
        const task = TaTest.spawn_error(runner, 0, TEST_ERROR, 3, 'three');
        await assertRejects(task.wait_async(null), TEST_ERROR, 3, 'the wait');
        assertThrows(() => task.propagate_value(), TEST_ERROR, 3, 'propagate_value');
    } finally {
        stopRunner(runner);
    }
});

test('get_value on a failed future throws its error', async () => {
    const future = Ta.Future.new();
    future.set_error(new GLib.Error(TEST_ERROR, 4, 'four'));
    await assertRejects(future.wait_async(null), TEST_ERROR, 4, 'the wait');
    assertThrows(() => future.get_value(), TEST_ERROR, 4, 'get_value');
});

test('a handler reads that a request has no payload', async () => {
    const server = Ta.Server.new(null, 10);
    server.start();
    let payload = null;
    server.connect('handle-request', (self, request) => {
        try {
            payload = request.get_payload();
        } catch (e) {
            payload = e;
        }
        request.return_variant(new GLib.Variant('i', 1));
        return true;
    });
    const task = TaTest.spawn_client(server, 'increment', 1, null);
    assert(server.process(HANG_US), 'processed');
    await bounded(task.wait_async(null), 'the client');
    server.stop();
    assert(!(payload instanceof Error), `get_payload does not throw: ${payload}`);
    const has = Array.isArray(payload) ? payload[0] : payload;
    assert(has === false, `no payload: got ${payload}`);
});

run(tests);
