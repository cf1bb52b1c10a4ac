#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""threaded_async's cookbook, recipe by recipe, with ta-glib from Python.

Each section is the cookbook's code with one change, the import, and
prints what the cookbook prints. Run it with no argument for every
section, or name sections: deploy, events, queues, control-inversion,
errors, stuck.
"""

import asyncio
import sys
from typing import Optional

import gi

gi.require_version('Ta', '1')
from gi.repository import Ta  # noqa: E402


# ### Deploying async code in the background.

def deploy():
    async def foo() -> int:
        await asyncio.sleep(0.1)
        return 10

    with Ta.Runner() as runner:
        # Deploy the coroutine as a task on the loop
        background_task = runner.create_task(foo())
        # Block the current thread waiting for the task to complete.
        print(background_task.wait())


# ### Using events.

global_var: Optional[int] = None


def events():
    global global_var

    async def increment_global(global_initialized: Ta.Event) -> int:
        await global_initialized.as_async_event().wait()
        assert global_var is not None
        return global_var + 1

    with Ta.Runner() as runner:
        global_initialized = Ta.Event(runner)
        background_task = runner.create_task(increment_global(global_initialized))
        global_var = 10
        global_initialized.set()
        print(background_task.wait())


# ### Using queues

def queues():
    async def increment_worker(in_queue: Ta.Queue[int], out_queue: Ta.Queue[int]):
        """Increment integers from in_queue and put them in output_queue."""
        while True:
            number = await in_queue.get()
            await out_queue.put(number + 1)

    with Ta.Runner() as runner:
        in_queue = Ta.Queue[int](runner)
        out_queue = Ta.Queue[int](runner)
        background_task = runner.create_task(increment_worker(in_queue, out_queue))
        for i in range(10):
            in_queue.put_wait(i)
            print(out_queue.get_wait())
        background_task.cancel()  # Tasks are also auto-canceled when leaving context.


# ### Control inversion

class Stub(Ta.Client):
    """The interface between async coroutine and main thread."""
    async def increment(self, number: int) -> int:
        return await self.execute(Stub.increment, number)


class MyServer(Ta.Server):
    """A server that processes increment requests."""

    def _handle_request(self, request: Ta.ExecutionRequest[int], future: Ta.Future[int]):
        if request.fun == Stub.increment:
            # Handle increment request.
            (number,) = request.args
            future.set_result(number + 1)
        else:
            assert False, f"Unknown function {request.fun}"


async def client_code(client: Stub):
    for i in range(10):
        print(f'Client got: {await client.increment(i)}')


def control_inversion():
    server = MyServer()
    with server:
        client = Stub(server)
        server.create_background_task(client_code(client))
        for i in range(3):
            print('Processing new client requests')
            server.process()


# ### Error handling

def errors():
    async def raises_error():
        raise ValueError('This is an error')

    try:
        with Ta.Runner() as runner:
            for _ in range(3):
                runner.create_task(raises_error())
    except Ta.ExceptionGroup as e:
        print(f'Got the following exceptions: {e.exceptions}')


# ### Stuck event loops

def stuck():
    async def hang_forever():
        """A function that does not await anything and blocks the event loop."""
        await asyncio.sleep(0.1)
        while True:
            pass

    try:
        with Ta.Runner() as runner:
            runner.create_task(hang_forever()).wait(1.0)
    except Ta.EventLoopTimeoutError:
        print('Event loop was stuck.')

    print(f'Runner shutdown type: {runner.shutdown_type.name}')


SECTIONS = {
    'deploy': deploy,
    'events': events,
    'queues': queues,
    'control-inversion': control_inversion,
    'errors': errors,
    'stuck': stuck,
}


def main(argv):
    names = argv[1:] or list(SECTIONS)
    for name in names:
        if name not in SECTIONS:
            print(f'Unknown section {name!r}; sections: {", ".join(SECTIONS)}',
                  file=sys.stderr)
            return 2
    for name in names:
        SECTIONS[name]()
        sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
