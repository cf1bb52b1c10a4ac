# SPDX-License-Identifier: LGPL-2.1-or-later
"""``threaded_async.async_utils``: the Ta override under its names."""

import gi

gi.require_version('Ta', '1')
from gi.repository import Ta  # noqa: E402

wait_for_or_cancel = Ta.wait_for_or_cancel
run_or_raise = Ta.run_or_raise

__all__ = ['wait_for_or_cancel', 'run_or_raise']
