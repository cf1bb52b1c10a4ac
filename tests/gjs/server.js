// SPDX-License-Identifier: LGPL-2.1-or-later
//
// server.js: control inversion with the server in JS on the main thread.
// The client is a C task on the server's runner (from the TaTest library)
// that asks "increment" with the parameters (i) for i = 0, 1, ... and sums
// the answers; the JS handler of "handle-request" answers on the main
// thread, when server.process() is called.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Ta from 'gi://Ta?version=1';
import TaTest from 'gi://TaTest?version=1';
import System from 'system';

import {
    HANG_US, TEST_ERROR,
    assert, assertEqual, assertRejects, assertThrows, bounded, laterIteration,
    run, stopRunner,
} from './harness.js';

const tests = [];
function test(name, func) {
    tests.push([name, func]);
}

function startServer(runner = null) {
    const server = Ta.Server.new(runner, 10);
    server.start();
    return server;
}

/* Handles pending requests until there are none. */
function processAll(server) {
    let n = 0;
    while (server.process(HANG_US))
        n++;
    return n;
}

function increment(request) {
    const [number] = request.get_parameters().deepUnpack();
    return new GLib.Variant('i', number + 1);
}

test('a JS handler answers the requests of a client task, on the main thread', async () => {
    const server = startServer();
    const runner = server.get_runner();
    const seen = [];
    server.connect('handle-request', (self, request) => {
        assert(self === server, 'the server');
        assert(!runner.is_runner_thread(), 'the handler runs on the JS main thread');
        assertEqual(request.get_method(), 'increment', 'the method');
        assert(!request.is_answered(), 'not answered yet');
        seen.push(request.get_parameters().deepUnpack()[0]);
        assert(request.return_variant(increment(request)), 'answered');
        assert(request.is_answered(), 'answered now');
        return true;
    });
    const answers = Ta.Queue.new(0);
    const task = TaTest.spawn_client(server, 'increment', 5, answers);

    // The first request is queued once spawn_client returns.
    assertEqual(server.get_n_pending(), 1, 'one request pending');
    assertEqual(processAll(server), 5, 'five requests, one per process()');
    assertEqual(seen, [0, 1, 2, 3, 4], 'in order');
    assert(!server.process(HANG_US), 'nothing left to process');

    await bounded(task.wait_async(null), 'the client');
    assertEqual(task.propagate_int(), 1 + 2 + 3 + 4 + 5, 'the client summed the answers');
    const got = [];
    while (!answers.is_empty())
        got.push(answers.try_pop_value()[1].unpack());
    assertEqual(got, [1, 2, 3, 4, 5], 'what the client got');

    server.stop();
    assert(runner.shutdown_type === Ta.ShutdownType.STOPPED, 'the owned runner stopped cleanly');
});

test('a JS subclass of Ta.Server handles requests in vfunc_handle_request', async () => {
    const IncrementServer = GObject.registerClass(class IncrementServer extends Ta.Server {
        vfunc_handle_request(request) {
            if (request.get_method() !== 'increment')
                return false;
            request.return_variant(increment(request));
            return true;
        }
    });
    const server = new IncrementServer({queue_size: 2});
    assertEqual(server.queue_size, 2, 'construct properties work');
    server.start();

    const task = TaTest.spawn_client(server, 'increment', 3, null);
    assertEqual(processAll(server), 3, 'three requests');
    await bounded(task.wait_async(null), 'the client');
    assertEqual(task.propagate_int(), 1 + 2 + 3, 'answered by the override');

    // Requests the override declines fail their client.
    const other = TaTest.spawn_client(server, 'decrement', 1, null);
    assertEqual(processAll(server), 1, 'one request');
    await assertRejects(other.wait_async(null), Ta.Error, Ta.Error.FAILED, 'declined');
    server.stop();
});

test('a handler keeps a request and answers it in a later iteration', async () => {
    const server = startServer();
    const kept = [];
    server.connect('handle-request', (self, request) => {
        kept.push(request);
        return true;
    });
    const task = TaTest.spawn_client(server, 'increment', 2, null);

    assert(server.process(HANG_US), 'the first request is taken');
    assertEqual(kept.length, 1, 'and kept');
    assert(!kept[0].is_answered(), 'unanswered');
    assert(!server.process(HANG_US), 'the client waits for its answer: no new request');
    assert(!task.is_done(), 'the client is suspended');

    await laterIteration();
    assert(kept.shift().return_variant(new GLib.Variant('i', 100)), 'answered later');
    assert(server.process(HANG_US), 'the client made its next request');
    assertEqual(kept.length, 1, 'kept too');

    await laterIteration();
    kept.shift().return_variant(new GLib.Variant('i', 20));
    await bounded(task.wait_async(null), 'the client');
    assertEqual(task.propagate_int(), 120, 'both answers reached the client');

    server.stop();
});

test('a request the handler drops unanswered fails the client with ABANDONED', async () => {
    const server = startServer();
    server.connect('handle-request', () => true);  // taken, then forgotten
    const task = TaTest.spawn_client(server, 'increment', 3, null);
    const wait = task.wait_async(null);

    assert(server.process(HANG_US), 'the request is taken');
    // The JS wrapper of the request was the last reference to it.
    System.gc();
    const error = await assertRejects(wait, Ta.Error, Ta.Error.ABANDONED, 'the client');
    assert(error.message.includes('increment'), `names the request: ${error.message}`);

    server.stop();
});

test('stopping a server drops its queued requests: their clients fail with ABANDONED', async () => {
    const runner = Ta.Runner.new('gjs-server');
    runner.start();
    try {
        const server = startServer(runner);
        let handled = 0;
        server.connect('handle-request', () => {
            handled++;
            return false;
        });
        const task = TaTest.spawn_client(server, 'increment', 1, null);
        assertEqual(server.get_n_pending(), 1, 'queued');
        server.stop();
        await assertRejects(task.wait_async(null), Ta.Error, Ta.Error.ABANDONED, 'the client');
        assertEqual(handled, 0, 'never handled');
        assert(runner.is_running(), 'a runner given to the server keeps running');
    } finally {
        stopRunner(runner);
    }
});

test('an error a handler answers with reaches the client with its domain and code', async () => {
    const server = startServer();
    server.connect('handle-request', (self, request) => {
        request.return_error(new GLib.Error(TEST_ERROR, 7, 'No increments today'));
        return true;
    });
    const task = TaTest.spawn_client(server, 'increment', 3, null);
    assertEqual(processAll(server), 1, 'one request: the client gives up after the error');
    const error = await assertRejects(task.wait_async(null), TEST_ERROR, 7, 'the client');
    assertEqual(error.message, 'No increments today', 'the message');
    server.stop();
});

test('a request no handler takes fails the client with Ta.Error.FAILED', async () => {
    const server = startServer();
    let asked = 0;
    server.connect('handle-request', () => {
        asked++;
        return false;
    });
    const task = TaTest.spawn_client(server, 'increment', 1, null);
    assert(server.process(HANG_US), 'processed');
    assertEqual(asked, 1, 'the handler was asked');
    await assertRejects(task.wait_async(null), Ta.Error, Ta.Error.FAILED, 'the client');
    server.stop();
});

test('a handler answering with a plain JS object is refused; the request stays open', async () => {
    const server = startServer();
    let refused = null;
    server.connect('handle-request', (self, request) => {
        refused = assertThrows(() => request.return_value({answer: 1}),
            Ta.Error, Ta.Error.INVALID_VALUE, 'a plain JS object');
        assert(!request.is_answered(), 'still unanswered');
        request.return_variant(increment(request));
        return true;
    });
    const task = TaTest.spawn_client(server, 'increment', 1, null);
    assertEqual(processAll(server), 1, 'one request');
    assert(refused !== null, 'the handler ran');
    await bounded(task.wait_async(null), 'the client');
    assertEqual(task.propagate_int(), 1, 'the client got the GVariant answer');
    server.stop();
});

test('process() on a stopped server throws NOT_RUNNING; new clients fail to spawn', () => {
    const server = startServer();
    server.stop();
    assertThrows(() => server.process(HANG_US), Ta.Error, Ta.Error.NOT_RUNNING, 'process');
    assertThrows(() => TaTest.spawn_client(server, 'increment', 1, null),
        Ta.Error, Ta.Error.NOT_RUNNING, 'spawn_client');
});

run(tests);
