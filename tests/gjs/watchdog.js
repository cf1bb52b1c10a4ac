// SPDX-License-Identifier: LGPL-2.1-or-later
//
// watchdog.js: a Ta.Watchdog on the JS main context itself. Its stalls are
// logged while they last, from the watchdog's thread, and handed to JS on
// the main loop once it runs again: no JS runs off the main thread.

import GLib from 'gi://GLib';
import Ta from 'gi://Ta?version=1';

import {HANG_US, assert, assertEqual, bounded, run} from './harness.js';

const tests = [];
function test(name, func) {
    tests.push([name, func]);
}

const THRESHOLD_US = 50 * 1000;

test('a stall of the JS main loop is reported on it once it is over', async () => {
    const watchdog = new Ta.Watchdog({threshold: THRESHOLD_US});
    const reports = [];
    let stallOver = false;
    let resolveOver;
    const over = new Promise(resolve => {
        resolveOver = resolve;
    });

    watchdog.connect('stall', (_watchdog, stall) => {
        // Only after the stalled dispatch has returned.
        assert(stallOver, 'reported after the stall');
        reports.push({over: stall.is_over(), what: stall.get_what(),
            duration: stall.get_duration(), number: stall.get_number()});
        if (stall.is_over())
            resolveOver();
    });

    try {
        GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
            // The stall: this dispatch does not return before the watchdog,
            // on its own thread, has seen it.
            const end = GLib.get_monotonic_time() + HANG_US;
            while (watchdog.get_n_stalls() === 0 && GLib.get_monotonic_time() < end)
                GLib.usleep(1000);
            stallOver = true;
            return GLib.SOURCE_REMOVE;
        });
        await bounded(over, 'the report of the stall');
    } finally {
        watchdog.detach();
    }

    assertEqual(reports.length, 2, 'one report while it lasted, one at its end');
    assertEqual(reports.map(r => r.over), [false, true], 'live first, then over');
    assertEqual(reports.map(r => r.number), [1, 1], 'the same stall');
    assert(reports[1].duration >= THRESHOLD_US, 'the total is past the threshold');
    assert(reports[0].what.includes('GSource'), `named as a source: ${reports[0].what}`);

    const stats = watchdog.dup_statistics().recursiveUnpack();
    assertEqual(stats['n-stalls'], 1, 'one stall counted');
    assertEqual(stats['total-us'], reports[1].duration, 'its total');
    assertEqual(stats['sources'].length, 1, 'one source');
    assert(!watchdog.is_attached(), 'detached');
});

test('short dispatches of the JS main loop are no stall', async () => {
    const watchdog = Ta.Watchdog.new(null, 10 * 1000 * 1000);
    try {
        for (let i = 0; i < 100; i++) {
            // eslint-disable-next-line no-await-in-loop
            await new Promise(resolve => GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
                resolve();
                return GLib.SOURCE_REMOVE;
            }));
        }
        assertEqual(watchdog.get_n_stalls(), 0, 'no stall');
    } finally {
        watchdog.detach();
    }
});

run(tests);
