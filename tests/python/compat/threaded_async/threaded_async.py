# SPDX-License-Identifier: LGPL-2.1-or-later
"""``threaded_async.threaded_async``: the Ta override under its names."""

import gi

gi.require_version('Ta', '1')
from gi.repository import Ta  # noqa: E402

AsyncRunner = Ta.Runner
BackgroundTask = Ta.BackgroundTask
Event = Ta.Event
Future = Ta.Future
Queue = Ta.Queue
EventLoopTimeoutError = Ta.EventLoopTimeoutError
ExceptionGroup = Ta.ExceptionGroup
ForcedThreadShutdown = Ta.ForcedThreadShutdown
ShutdownType = Ta.ShutdownType
USE_DEFAULT_TIMEOUT = Ta.USE_DEFAULT_TIMEOUT

__all__ = ['AsyncRunner', 'BackgroundTask', 'Event', 'Future', 'Queue',
           'EventLoopTimeoutError', 'ExceptionGroup', 'ForcedThreadShutdown',
           'ShutdownType', 'USE_DEFAULT_TIMEOUT']
