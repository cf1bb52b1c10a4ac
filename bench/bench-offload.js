// SPDX-License-Identifier: LGPL-2.1-or-later
//
// bench-offload.js: what one offloaded call costs from GJS beyond the
// function itself, beside a plain executor job written in C, in the same
// run, on the same 2-worker executor, results on the GJS main loop:
//
//   offload  Ta.Executor.call_async('GLib.get_monotonic_time') and
//            call_finish(), N calls awaited in batches of BATCH;
//   plain    TaTest.executor_run_value_async(): Ta.Executor.run_async()
//            of a C job that returns a GLib.Variant, and run_finish(),
//            the same way (GJS cannot hand a JS function to a worker);
//   direct   GLib.get_monotonic_time() called from JS, synchronously.
//
// Each figure is the median of --runs runs (default 5), in µs per call;
// the overhead of an offloaded call is its time minus the direct call's,
// compared with the plain job's time.
//
// Run it against a build tree with
//   GI_TYPELIB_PATH=_build/ta-glib:_build/tests/gjs \
//   LD_LIBRARY_PATH=_build/ta-glib:_build/tests/gjs \
//   gjs -m bench/bench-offload.js [--runs=N] [--scale=X]

import GLib from 'gi://GLib';
import Ta from 'gi://Ta?version=1';
import TaTest from 'gi://TaTest?version=1';
import System from 'system';

function option(name, fallback) {
    const arg = ARGV.find(a => a.startsWith(`--${name}=`));
    return arg ? Number(arg.split('=')[1]) : fallback;
}

const RUNS = option('runs', 5);
const SCALE = option('scale', 1);
const N = Math.max(1, Math.round(20000 * SCALE));
const N_DIRECT = Math.max(1, Math.round(1000000 * SCALE));
const BATCH = 200;

function median(values) {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function offloadOne(executor) {
    return new Promise((resolve, reject) => {
        executor.call_async('GLib.get_monotonic_time', [], null, (_e, result) => {
            try {
                resolve(executor.call_finish(result)[0]);
            } catch (e) {
                reject(e);
            }
        });
    });
}

const VALUE = new GLib.Variant('x', 1);
function plainOne(executor) {
    return new Promise((resolve, reject) => {
        TaTest.executor_run_value_async(executor, VALUE, null, (source, result) => {
            try {
                resolve(source.run_finish(result));
            } catch (e) {
                reject(e);
            }
        });
    });
}

/* µs per call for @n calls of @one, BATCH at a time. GJS 1.74 drops any
 * callback, ours or GIO's, that the main loop dispatches while an
 * incremental collection is sweeping ("Attempting to run a JS callback
 * during garbage collection"), and the call's promise never settles: a
 * full collection between batches, not timed, leaves none in progress. */
async function timeCalls(executor, one, n) {
    let us = 0;
    for (let done = 0; done < n; done += BATCH) {
        const batch = [];
        System.gc();
        const start = GLib.get_monotonic_time();
        for (let i = done; i < Math.min(done + BATCH, n); i++)
            batch.push(one(executor));
        // eslint-disable-next-line no-await-in-loop
        await Promise.all(batch);
        us += GLib.get_monotonic_time() - start;
    }
    return us / n;
}

function timeDirect(n) {
    let sink = 0;
    const start = GLib.get_monotonic_time();
    for (let i = 0; i < n; i++)
        sink += GLib.get_monotonic_time() & 1;
    const us = (GLib.get_monotonic_time() - start) / n;
    return sink >= 0 ? us : 0;
}

function machine() {
    let load = '?';
    try {
        const [, bytes] = GLib.file_get_contents('/proc/loadavg');
        load = new TextDecoder().decode(bytes).split(' ').slice(0, 3).join(' ');
    } catch {}
    const v = System.version;
    return `bench-offload.js: GJS ${Math.floor(v / 10000)}.${Math.floor(v / 100) % 100}.${v % 100}, GLib ${GLib.MAJOR_VERSION}.` +
        `${GLib.MINOR_VERSION}.${GLib.MICRO_VERSION}, ${GLib.get_num_processors()} CPUs online, ` +
        `load average ${load}`;
}

async function main() {
    print(machine());
    const executor = Ta.Executor.new('bench-offload', 2);
    const offload = [], plain = [], direct = [];
    try {
        // Warm up: the plan is made and cached, the workers started.
        await timeCalls(executor, offloadOne, Math.ceil(N / 10));
        await timeCalls(executor, plainOne, Math.ceil(N / 10));
        for (let r = 0; r < RUNS; r++) {
            // eslint-disable-next-line no-await-in-loop
            plain.push(await timeCalls(executor, plainOne, N));
            // eslint-disable-next-line no-await-in-loop
            offload.push(await timeCalls(executor, offloadOne, N));
            direct.push(timeDirect(N_DIRECT));
        }
    } finally {
        executor.shutdown(Ta.ExecutorShutdown.CANCEL, -1);
    }
    const o = median(offload), p = median(plain), d = median(direct);
    const overhead = o - d;
    print(`GLib.get_monotonic_time from the GJS main loop, batches of ${BATCH} ` +
        `(median of ${RUNS} runs of ${N} calls; direct: ${N_DIRECT} calls)`);
    print(`  ${'direct call from JS'.padEnd(52)} ${d.toFixed(3).padStart(10)} us`);
    print(`  ${'plain job in C: run_async + run_finish'.padEnd(52)} ${p.toFixed(3).padStart(10)} us  (baseline)`);
    print(`  ${'offloaded: call_async + call_finish'.padEnd(52)} ${o.toFixed(3).padStart(10)} us  ` +
        `${(o / p).toFixed(2)}x the baseline`);
    print(`  ${'offload overhead (offloaded - direct)'.padEnd(52)} ${overhead.toFixed(3).padStart(10)} us  ` +
        `${(overhead / p).toFixed(2)}x the plain job`);
}

const loop = new GLib.MainLoop(null, false);
let failure = null;
main().catch(e => {
    failure = e;
}).finally(() => loop.quit());
loop.run();
if (failure) {
    printerr(failure, failure.stack);
    System.exit(1);
}
