# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared fixtures: the Ta override from the source tree, runners."""

import threading

import gi
import pytest

gi.require_version('Ta', '1')
from gi.repository import Ta  # noqa: E402

# A generous bound for "does not hang": tests never assert timing.
HANG = 30.0
HANG_US = int(HANG * 1_000_000)


def executor_fixture(name, n_workers):
    """A fixture ``executor``: a Ta.Executor of ``n_workers`` called
    ``name``, shut down after the test, cancelling what it still holds."""
    @pytest.fixture
    def executor():
        executor = Ta.Executor.new(name, n_workers)
        yield executor
        executor.shutdown(Ta.ExecutorShutdown.CANCEL, HANG_US)
    return executor


@pytest.fixture
def runner():
    with Ta.Runner(name='pytest') as r:
        yield r


class Blocker:
    """Blocks the runner's loop from inside until released; no sleeping."""

    def __init__(self):
        self.entered = threading.Event()
        self.release = threading.Event()

    async def block(self):
        self.entered.set()
        assert self.release.wait(HANG)

    def block_func(self):
        self.entered.set()
        assert self.release.wait(HANG)


@pytest.fixture
def blocker():
    b = Blocker()
    yield b
    b.release.set()
