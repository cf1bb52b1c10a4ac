# SPDX-License-Identifier: LGPL-2.1-or-later
"""``threaded_async.timers``: the Ta override under its names."""

import gi

gi.require_version('Ta', '1')
from gi.repository import Ta  # noqa: E402

TimeoutTimer = Ta.TimeoutTimer

__all__ = ['TimeoutTimer']
