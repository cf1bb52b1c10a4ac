// SPDX-License-Identifier: LGPL-2.1-or-later
//
// gc.js: promise pops and waits pending across threads while the garbage
// collector runs every millisecond, with exact accounting. A task on a
// runner pushes TA_STRESS_ITEMS ints (default 2000) into a bounded queue
// and closes it; several JS consumers pop them, their pops cancelled at
// random; meanwhile events and futures set from the runner thread are
// awaited. Every int must arrive exactly once, in order for each
// consumer.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Ta from 'gi://Ta?version=1';
import TaTest from 'gi://TaTest?version=1';
import System from 'system';

import {assert, assertEqual, bounded, run, startRunner, stopRunner} from '../gjs/harness.js';

const N_ITEMS = Number.parseInt(GLib.getenv('TA_STRESS_ITEMS') ?? '2000', 10);
const N_CONSUMERS = 4;

async function consume(queue, received, stats) {
    let last = -1;
    for (;;) {
        const cancellable = new Gio.Cancellable();
        // Cancelled at random from the main loop, after the pop began.
        if (Math.random() < 0.2) {
            GLib.idle_add(GLib.PRIORITY_HIGH, () => {
                cancellable.cancel();
                return GLib.SOURCE_REMOVE;
            });
        }
        let value;
        try {
            [value] = await queue.pop_value_async(cancellable);
        } catch (e) {
            if (e instanceof GLib.Error && e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED)) {
                stats.cancelled++;
                continue;
            }
            if (e instanceof GLib.Error && e.matches(Ta.Error, Ta.Error.CLOSED))
                return;
            throw e;
        }
        const n = value.get_int32();
        received[n]++;
        if (n <= last)
            stats.reordered++;
        last = n;
    }
}

async function waitEvents(runner, stats, stop) {
    try {
        await waitEventsLoop(runner, stats, stop);
    } catch (e) {
        // Reported once the consumers are done, not as unhandled.
        stats.waitError = e;
    }
}

async function waitEventsLoop(runner, stats, stop) {
    while (!stop.done) {
        const event = Ta.Event.new();
        const future = Ta.Future.new();
        TaTest.spawn_set_event(runner, 100, event);
        TaTest.spawn_set_future(runner, 100, future, new GLib.Variant('i', stats.waits));
        assertEqual(await event.wait_async(null), true, 'the event');
        assertEqual(await future.wait_async(null), true, 'the future');
        assertEqual(future.get_value()[1].unpack(), stats.waits, 'its value');
        stats.waits++;
    }
}

run([['every item exactly once, in order, while the GC runs every millisecond', async () => {
    const runner = startRunner('gjs-stress');
    const gc = GLib.timeout_add(GLib.PRIORITY_DEFAULT, 1, () => {
        System.gc();
        return GLib.SOURCE_CONTINUE;
    });
    const start = GLib.get_monotonic_time();
    const stats = {cancelled: 0, reordered: 0, waits: 0};
    const stop = {done: false};
    try {
        const queue = Ta.Queue.new(16);
        const received = new Array(N_ITEMS).fill(0);
        const producer = TaTest.spawn_push_ints(runner, 0, queue, N_ITEMS, true);
        const waits = waitEvents(runner, stats, stop);
        const consumers = [];
        for (let i = 0; i < N_CONSUMERS; i++)
            consumers.push(consume(queue, received, stats));
        await bounded(Promise.all(consumers), 'the consumers', 600 * 1000);
        stop.done = true;
        await bounded(waits, 'the waits');
        if (stats.waitError)
            throw stats.waitError;
        await bounded(producer.wait_async(null), 'the producer');
        assertEqual(producer.propagate_int(), N_ITEMS, 'all pushed');

        const lost = received.filter(n => n === 0).length;
        const duplicated = received.reduce((sum, n) => sum + Math.max(0, n - 1), 0);
        const seconds = (GLib.get_monotonic_time() - start) / 1e6;
        print(`# gjs stress: items ${N_ITEMS}, lost ${lost}, duplicated ${duplicated}, ` +
              `reordered ${stats.reordered}; pops cancelled ${stats.cancelled}, ` +
              `event and future waits ${stats.waits}; time ${seconds.toFixed(2)} s`);
        assertEqual(lost, 0, 'nothing lost');
        assertEqual(duplicated, 0, 'nothing duplicated');
        assertEqual(stats.reordered, 0, 'nothing reordered');
        assert(stats.waits > 0, 'waits completed');
    } finally {
        stop.done = true;
        GLib.source_remove(gc);
        stopRunner(runner);
    }
}]]);
