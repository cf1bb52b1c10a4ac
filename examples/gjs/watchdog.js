// SPDX-License-Identifier: LGPL-2.1-or-later
//
// watchdog.js: a watchdog on the JS main loop. JavaScript never runs off
// its thread: the stall is logged while it lasts (from the watchdog's
// thread, in C), and handed to JS on this loop once it runs again.

import GLib from 'gi://GLib';
import Ta from 'gi://Ta?version=1';

const THRESHOLD_US = 100 * 1000;
const loop = new GLib.MainLoop(null, false);
const watchdog = new Ta.Watchdog({threshold: THRESHOLD_US});

watchdog.connect('stall', (_watchdog, stall) => {
    if (!stall.is_over()) {
        print(`stall ${stall.get_number()} while it lasted: ${stall.get_what()}`);
        return;
    }
    const past = stall.get_duration() >= THRESHOLD_US ? 'yes' : 'no';
    print(`stall ${stall.get_number()} over, past the threshold: ${past}`);
    loop.quit();
});

GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
    // The mistake: blocking the main loop (here until the watchdog saw it).
    const end = GLib.get_monotonic_time() + 30 * 1000 * 1000;
    while (watchdog.get_n_stalls() === 0 && GLib.get_monotonic_time() < end)
        GLib.usleep(1000);
    return GLib.SOURCE_REMOVE;
});

loop.run();
watchdog.detach();
print(`stalls: ${watchdog.dup_statistics().recursiveUnpack()['n-stalls']}`);
