// SPDX-License-Identifier: LGPL-2.1-or-later
//
// primitives.js: Ta.Event, Ta.Future and Ta.Queue between the JS main
// thread and C tasks on a runner (from the TaTest library), and which
// values JS may hand to them.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Ta from 'gi://Ta?version=1';
import TaTest from 'gi://TaTest?version=1';

import {
    DELAY_US,
    assert, assertEqual, assertError, assertRejects, assertThrows, bounded,
    run, startRunner, stopRunner,
} from './harness.js';

const tests = [];
function test(name, func) {
    tests.push([name, func]);
}

/* A GObject class defined in JS: its instances may cross threads as
 * handles, although no JS runs on the other side. */
const Token = GObject.registerClass({
    GTypeName: 'TaGjsTestToken',
    Properties: {
        'label': GObject.ParamSpec.string('label', null, null,
            GObject.ParamFlags.READWRITE, null),
    },
}, class Token extends GObject.Object {});

async function popValue(queue, what) {
    // Gio._promisify drops the leading `true` of [true, value].
    const [value] = await bounded(queue.pop_value_async(null), what);
    return value;
}

test('an event set on the runner thread resolves wait_async', async () => {
    const runner = startRunner('gjs-primitives');
    try {
        const event = Ta.Event.new();
        assert(!event.is_set(), 'not set at first');
        const task = TaTest.spawn_set_event(runner, DELAY_US, event);
        assertEqual(await bounded(event.wait_async(null), 'the event'), true, 'resolves true');
        assert(event.is_set(), 'set');
        await bounded(task.wait_async(null), 'the task');
    } finally {
        stopRunner(runner);
    }
});

test('an event: set resolves at once, clear re-arms, a cancelled wait rejects', async () => {
    const event = Ta.Event.new();
    event.set();
    assertEqual(await bounded(event.wait_async(null), 'a set event'), true, 'resolves');

    event.clear();
    assert(!event.is_set(), 'cleared');
    const cancellable = new Gio.Cancellable();
    const wait = event.wait_async(cancellable);
    cancellable.cancel();
    await assertRejects(wait, Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED, 'the cancelled wait');
    assert(!event.is_set(), 'still cleared');

    // Several waiters are all woken.
    const waits = [event.wait_async(null), event.wait_async(null)];
    event.set();
    assertEqual(await bounded(Promise.all(waits), 'two waiters'), [true, true], 'both resolve');
});

test('a future set on the runner thread resolves wait_async; get_value reads it', async () => {
    const runner = startRunner('gjs-primitives');
    try {
        const future = Ta.Future.new();
        const value = new GLib.Variant('a{sv}', {answer: new GLib.Variant('i', 42)});
        const task = TaTest.spawn_set_future(runner, DELAY_US, future, value);

        assertEqual(await bounded(future.wait_async(null), 'the future'), true, 'resolves true');
        assert(future.is_done(), 'done');
        const [ok, result] = future.get_value();
        assert(ok && result instanceof GLib.Variant, `a GLib.Variant, got ${result}`);
        assertEqual(result.recursiveUnpack(), {answer: 42}, 'the value');
        assert(future.dup_error() === null, 'no error');
        await bounded(task.wait_async(null), 'the task');
    } finally {
        stopRunner(runner);
    }
});

test('a future failed on the runner thread rejects wait_async with its error', async () => {
    const runner = startRunner('gjs-primitives');
    try {
        const future = Ta.Future.new();
        const task = TaTest.spawn_set_future(runner, DELAY_US, future, null);
        await assertRejects(future.wait_async(null), Ta.Error, Ta.Error.FAILED, 'the future');
        assert(future.is_done(), 'done');
        assertError(future.dup_error(), Ta.Error, Ta.Error.FAILED, 'dup_error');
        await bounded(task.wait_async(null), 'the task');
    } finally {
        stopRunner(runner);
    }
});

test('JS sets a future: a plain JS object is refused, a GVariant accepted', async () => {
    const future = Ta.Future.new();
    const wait = future.wait_async(null);

    assertThrows(() => future.set_value({answer: 42}), Ta.Error, Ta.Error.INVALID_VALUE,
        'a plain JS object');
    assert(!future.is_done(), 'a refused value leaves the future unset');

    assert(future.set_value(new GLib.Variant('s', 'hello')), 'a GVariant is accepted');
    assertEqual(await bounded(wait, 'the future'), true, 'the waiter resolves');
    assertEqual(future.get_value()[1].unpack(), 'hello', 'the value');
});

test('JS fails a future with a GLib.Error: waiters reject with it', async () => {
    const quark = GLib.quark_from_string('ta-gjs-test-error-quark');
    const future = Ta.Future.new();
    const wait = future.wait_async(null);
    future.set_error(new GLib.Error(quark, 7, 'seven'));
    const error = await assertRejects(wait, quark, 7, 'the future');
    assertEqual(error.message, 'seven', 'the message');
});

test('a queue pop awaits values pushed on the runner thread, in order', async () => {
    const runner = startRunner('gjs-primitives');
    try {
        const queue = Ta.Queue.new(0);
        const task = TaTest.spawn_push_ints(runner, DELAY_US, queue, 5, false);
        const popped = [];
        for (let i = 0; i < 5; i++) {
            const value = await popValue(queue, `pop ${i}`);
            assert(value instanceof GLib.Variant, `a GLib.Variant, got ${value}`);
            popped.push(value.unpack());
        }
        assertEqual(popped, [0, 1, 2, 3, 4], 'FIFO');
        await bounded(task.wait_async(null), 'the task');
        assertEqual(task.propagate_int(), 5, 'the task pushed five');
        assert(queue.is_empty(), 'empty');
    } finally {
        stopRunner(runner);
    }
});

test('a bounded queue makes the runner wait for JS to pop', async () => {
    const runner = startRunner('gjs-primitives');
    try {
        const queue = Ta.Queue.new(1);
        const task = TaTest.spawn_push_ints(runner, 0, queue, 10, true);
        const popped = [];
        for (let i = 0; i < 10; i++) {
            popped.push((await popValue(queue, `pop ${i}`)).unpack());
            assert(queue.get_length() <= 1, 'never more than max_size');
        }
        assertEqual(popped, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'all of them, in order');
        await bounded(task.wait_async(null), 'the task');
        assertEqual(task.propagate_int(), 10, 'the task pushed ten');
        assert(queue.is_closed() && queue.is_empty(), 'closed by the task, drained');
    } finally {
        stopRunner(runner);
    }
});

test('GVariant and GObject items JS pushes cross to the runner thread and back', async () => {
    const runner = startRunner('gjs-primitives');
    try {
        const input = Ta.Queue.new(0);
        const output = Ta.Queue.new(0);
        const task = TaTest.spawn_echo(runner, input, output);

        const variant = new GLib.Variant('a{sv}', {
            name: new GLib.Variant('s', 'ta'),
            list: new GLib.Variant('ai', [1, 2, 3]),
        });
        const handle = new Gio.Cancellable();
        const token = new Token({label: 'made in JS'});

        assert(input.push_value(variant, 0), 'push a GVariant');
        assert(await bounded(input.push_value_async(handle, null), 'push_value_async'),
            'push a GObject, asynchronously');
        assert(input.try_push_value(token), 'push a GObject of a JS class');
        assert(input.try_push_value(42), 'push a number');
        assert(input.try_push_value('text'), 'push a string');
        input.close();

        const echoed = await popValue(output, 'the GVariant');
        assert(echoed instanceof GLib.Variant && echoed.equal(variant), 'an equal GVariant');
        assertEqual(echoed.recursiveUnpack(), {name: 'ta', list: [1, 2, 3]}, 'its content');
        assert(await popValue(output, 'the GObject') === handle, 'the same GObject');
        const echoedToken = await popValue(output, 'the JS GObject');
        assert(echoedToken === token, 'the same instance of the JS class');
        assertEqual(echoedToken.label, 'made in JS', 'its property');
        assertEqual(await popValue(output, 'the number'), 42, 'the number');
        assertEqual(await popValue(output, 'the string'), 'text', 'the string');

        await bounded(task.wait_async(null), 'the task');
        assertEqual(task.propagate_int(), 5, 'the task passed on five items');
        assert(output.is_closed() && output.is_empty(), 'the task closed the output');
    } finally {
        stopRunner(runner);
    }
});

test('a plain JS object is refused with INVALID_VALUE, never queued', async () => {
    const queue = Ta.Queue.new(0);
    const object = {answer: 42};

    assertThrows(() => queue.try_push_value(object), Ta.Error, Ta.Error.INVALID_VALUE, 'try_push_value');
    assertThrows(() => queue.push_value(object, 0), Ta.Error, Ta.Error.INVALID_VALUE, 'push_value');
    await assertRejects(queue.push_value_async(object, null), Ta.Error, Ta.Error.INVALID_VALUE,
        'push_value_async');
    assert(queue.is_empty(), 'nothing was queued');

    // What GJS cannot make a GValue of at all throws before reaching Ta.
    for (const [what, value] of [['an array', [1, 2]], ['a function', () => 1]]) {
        let threw = false;
        try {
            queue.try_push_value(value);
        } catch (e) {
            threw = true;
        }
        assert(threw, `${what} is refused`);
    }
    assert(queue.is_empty(), 'still nothing queued');

    // The queue works on.
    assert(queue.try_push_value(new GLib.Variant('i', 1)), 'a GVariant is accepted');
    assertEqual(queue.get_length(), 1, 'one item');
});

test('pushes fail with WOULD_BLOCK on a full queue and CLOSED on a closed one', async () => {
    const queue = Ta.Queue.new(1);
    assert(queue.try_push_value(new GLib.Variant('i', 1)), 'room for one');
    assert(queue.is_full(), 'full');
    assertThrows(() => queue.try_push_value(new GLib.Variant('i', 2)),
        Ta.Error, Ta.Error.WOULD_BLOCK, 'try_push_value on a full queue');

    // A push waiting for room is woken by the close.
    const waiting = queue.push_value_async(new GLib.Variant('i', 3), null);
    queue.close();
    await assertRejects(waiting, Ta.Error, Ta.Error.CLOSED, 'a push waiting for room');
    assertThrows(() => queue.try_push_value(new GLib.Variant('i', 4)),
        Ta.Error, Ta.Error.CLOSED, 'try_push_value on a closed queue');
    await assertRejects(queue.push_value_async(new GLib.Variant('i', 5), null),
        Ta.Error, Ta.Error.CLOSED, 'push_value_async on a closed queue');

    // What was queued before the close is still delivered.
    assertEqual(queue.get_length(), 1, 'one item left');
    assertEqual((await popValue(queue, 'the last item')).unpack(), 1, 'the first item');
});

test('a cancelled push_value_async rejects with CANCELLED and queues nothing', async () => {
    const queue = Ta.Queue.new(1);
    queue.try_push_value(new GLib.Variant('i', 1));
    const cancellable = new Gio.Cancellable();
    const waiting = queue.push_value_async(new GLib.Variant('i', 2), cancellable);
    cancellable.cancel();
    await assertRejects(waiting, Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED, 'the push');
    assertEqual(queue.get_length(), 1, 'only the first item');
    assertEqual((await popValue(queue, 'the item')).unpack(), 1, 'the first item');
    assert(queue.is_empty(), 'the cancelled item was not queued');
});

run(tests);
