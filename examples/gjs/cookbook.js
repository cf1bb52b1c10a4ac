// SPDX-License-Identifier: LGPL-2.1-or-later
//
// cookbook.js: threaded_async's cookbook, section by section, in GJS.
//
// Each section replays one recipe of the Python cookbook and prints what
// the cookbook prints. Run it with no argument for every section, or name
// sections: deploy, events, queues, control-inversion, errors, stuck.
//
// JavaScript only ever runs on the main thread, so the recipes change
// shape. Where the cookbook's "background" code is plain async code, here
// it is JavaScript on the main loop, awaiting Ta's promises (deploy,
// events, queues); Ta.Event and Ta.Queue work the same between JS and C
// code on a runner. Three recipes are about code that runs on the runner
// thread itself: the client of control inversion, tasks that fail there,
// a task that blocks its loop. That code can only be C. For those, this
// example uses the small C library the GJS tests use, TaTest (built with
// the tests, never installed), standing in for the C code an application
// would bring; only those sections load it.
//
// Run from the build tree, with GI_TYPELIB_PATH and LD_LIBRARY_PATH
// pointing at build/ta-glib and build/tests/gjs.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Ta from 'gi://Ta?version=1';
import System from 'system';

Gio._promisify(Ta, 'sleep_async', 'sleep_finish');
Gio._promisify(Ta.Event.prototype, 'wait_async', 'wait_finish');
Gio._promisify(Ta.Queue.prototype, 'push_value_async', 'push_value_finish');
Gio._promisify(Ta.Queue.prototype, 'pop_value_async', 'pop_value_finish');

// The cookbook's ValueError, as a GLib.Error domain.
const EXAMPLE_ERROR = GLib.quark_from_string('example-error-quark');

async function loadTaTest() {
    const {default: TaTest} = await import('gi://TaTest?version=1');
    return TaTest;
}

/* ---------------------------------------------------------------------- */
/* Deploying async code in the background                                  */
/* ---------------------------------------------------------------------- */

// async def foo(): await asyncio.sleep(0.1); return 10
//
// The coroutine is JavaScript, so it runs on the main loop, and the main
// thread awaits it instead of blocking on it. Ta.sleep_async resolves on
// the JS main context, like every Ta _async call made from JS.
async function foo() {
    await Ta.sleep_async(100 * 1000, null);
    return 10;
}

async function sectionDeploy() {
    print(await foo());
}

/* ---------------------------------------------------------------------- */
/* Using events                                                            */
/* ---------------------------------------------------------------------- */

let globalVar = null;

// async def increment_global(global_initialized):
//   await global_initialized.as_async_event().wait()
//   return global_var + 1
async function incrementGlobal(globalInitialized) {
    await globalInitialized.wait_async(null);
    return globalVar + 1;
}

async function sectionEvents() {
    const globalInitialized = Ta.Event.new();
    // Runs until its wait, then lets the main code go on.
    const backgroundTask = incrementGlobal(globalInitialized);
    globalVar = 10;
    globalInitialized.set();
    print(await backgroundTask);
}

/* ---------------------------------------------------------------------- */
/* Using queues                                                            */
/* ---------------------------------------------------------------------- */

// async def increment_worker(in_queue, out_queue):
//   while True:
//     number = await in_queue.get()
//     await out_queue.put(number + 1)
async function incrementWorker(inQueue, outQueue, cancellable) {
    for (;;) {
        let number;
        try {
            // Gio._promisify turns [true, value] into [value].
            [number] = await inQueue.pop_value_async(cancellable);
        } catch (e) {
            // Ended by the cancellation.
            if (e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED))
                return;
            throw e;
        }
        await outQueue.push_value_async(number + 1, null);
    }
}

async function sectionQueues() {
    const inQueue = Ta.Queue.new(0);
    const outQueue = Ta.Queue.new(0);
    const cancellable = new Gio.Cancellable();
    const backgroundTask = incrementWorker(inQueue, outQueue, cancellable);

    for (let i = 0; i < 10; i++) {
        await inQueue.push_value_async(i, null);
        const [number] = await outQueue.pop_value_async(null);
        print(number);
    }
    // background_task.cancel()
    cancellable.cancel();
    await backgroundTask;
}

/* ---------------------------------------------------------------------- */
/* Control inversion                                                       */
/* ---------------------------------------------------------------------- */

// class MyServer(threaded_async.Server): _handle_request(...)
//
// The server is JS on the main thread: server.process() calls the
// handler there. (A handler of the "handle-request" signal works too.)
const MyServer = GObject.registerClass(class MyServer extends Ta.Server {
    vfunc_handle_request(request) {
        if (request.get_method() !== 'increment')
            return false;

        // Handle increment request.
        const [number] = request.get_parameters().deepUnpack();
        request.return_variant(new GLib.Variant('i', number + 1));
        return true;
    }
});

async function sectionControlInversion() {
    const TaTest = await loadTaTest();
    const server = new MyServer();
    server.start();

    // async def client_code(client):
    //   for i in range(10):
    //     print(f'Client got: {await client.increment(i)}')
    //
    // The client runs on the server's runner, so it is C: TaTest's client
    // asks "increment" with (i) for i = 0 to 9, one after the other. It
    // cannot print from there in JS's stead; it hands each answer to JS
    // through a queue instead.
    const answers = Ta.Queue.new(0);
    TaTest.spawn_client(server, 'increment', 10, answers);

    for (let i = 0; i < 3; i++) {
        print('Processing new client requests');
        server.process(Ta.TIMEOUT_DEFAULT);
        const [answer] = await answers.pop_value_async(null);
        print(`Client got: ${answer.unpack()}`);
    }

    // Cancels the client, still waiting for its fourth answer.
    server.stop();
}

/* ---------------------------------------------------------------------- */
/* Error handling                                                          */
/* ---------------------------------------------------------------------- */

async function sectionErrors() {
    const TaTest = await loadTaTest();
    const runner = Ta.Runner.new('cookbook');
    runner.start();

    // async def raises_error(): raise ValueError('This is an error')
    //
    // Tasks on the runner are C: TaTest's fails at once with this error.
    for (let i = 0; i < 3; i++)
        TaTest.spawn_error(runner, 0, EXAMPLE_ERROR, 0, 'This is an error');

    // Errors nobody waited for are reported together when the runner stops.
    try {
        runner.stop();
    } catch (e) {
        if (!e.matches(Ta.Error, Ta.Error.UNRETRIEVED))
            throw e;
        const errors = runner.dup_unretrieved_errors().map(error =>
            `${error.domain === EXAMPLE_ERROR ? 'ValueError' : 'GLib.Error'}('${error.message}')`);
        print(`Got the following exceptions: (${errors.join(', ')})`);
    }
}

/* ---------------------------------------------------------------------- */
/* Stuck event loops                                                       */
/* ---------------------------------------------------------------------- */

async function sectionStuck() {
    const TaTest = await loadTaTest();
    const runner = Ta.Runner.new('cookbook');
    const released = Ta.Event.new();
    runner.start();

    // async def hang_forever(): await asyncio.sleep(0.1); while True: pass
    //
    // Only C code can hold the runner thread: TaTest's task sleeps, then
    // blocks it until `released` is set. The example sets it at the end,
    // so that the abandoned thread finishes cleanly.
    const task = TaTest.spawn_block(runner, 100 * 1000, null, released);

    let stuck = false;
    try {
        // A blocking wait, like the cookbook's wait(1.0): it fails with
        // TIMEOUT and leaves the task running.
        task.wait(GLib.USEC_PER_SEC);
    } catch (e) {
        printerr(e.message);
        try {
            runner.stop();
        } catch (stopError) {
            stuck = stopError.matches(Ta.Error, Ta.Error.TIMEOUT);
            if (stuck)
                printerr(stopError.message);
        }
    }
    if (stuck)
        print('Event loop was stuck.');

    const [name] = Object.entries(Ta.ShutdownType)
        .find(([, value]) => value === runner.shutdown_type);
    print(`Runner shutdown type: ${name}`);
    released.set();
}

const sections = [
    ['deploy', sectionDeploy],
    ['events', sectionEvents],
    ['queues', sectionQueues],
    ['control-inversion', sectionControlInversion],
    ['errors', sectionErrors],
    ['stuck', sectionStuck],
];

const wanted = System.programArgs;
let status = 0;
const loop = new GLib.MainLoop(null, false);
(async () => {
    for (const [name, section] of sections) {
        if (wanted.length === 0 || wanted.includes(name))
            await section();
    }
})().catch(e => {
    printerr(`${e}\n${e.stack ?? ''}`);
    status = 1;
}).finally(() => loop.quit());
loop.run();
System.exit(status);
