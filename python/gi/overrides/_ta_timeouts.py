# SPDX-License-Identifier: LGPL-2.1-or-later
"""Timeouts of the Ta override: seconds as the API takes them, checked,
and turned into the library's microseconds.
"""

import math
import numbers
import time

from ..module import get_introspection_module

Ta = get_introspection_module('Ta')

__all__ = ['USE_DEFAULT_TIMEOUT']

#: Pass as a timeout to use the runner's ``call_in_loop_timeout``.
USE_DEFAULT_TIMEOUT = -1.0


def _seconds(timeout):
    """A timeout as given to the API, checked: None, USE_DEFAULT_TIMEOUT or
    a float >= 0 (inf included). Raises TypeError or ValueError otherwise,
    so that nothing the API accepts reaches C as a programmer error."""
    if timeout is None:
        return None
    if type(timeout) is not float:
        if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real):
            raise TypeError('timeout must be a number of seconds or None, '
                            f'not {type(timeout).__name__}')
        try:
            timeout = float(timeout)
        except OverflowError:
            timeout = math.inf if timeout > 0 else -math.inf
    if timeout >= 0 or timeout == USE_DEFAULT_TIMEOUT:
        return timeout
    raise ValueError('timeout must be None, USE_DEFAULT_TIMEOUT or >= 0, '
                     f'not {timeout}')


def _to_us(timeout):
    """Seconds (or None, or USE_DEFAULT_TIMEOUT) to a C timeout."""
    timeout = _seconds(timeout)
    if timeout is None:
        return Ta.TIMEOUT_INFINITE
    if timeout == USE_DEFAULT_TIMEOUT:
        return Ta.TIMEOUT_DEFAULT
    if timeout >= (1 << 62) / 1_000_000:
        return Ta.TIMEOUT_INFINITE
    return int(timeout * 1_000_000)


def _setting_us(timeout, default):
    """A runner setting in seconds to a C timeout: ``USE_DEFAULT_TIMEOUT``
    stands for the setting's default, there being no other to defer to."""
    if timeout is not None and _seconds(timeout) == USE_DEFAULT_TIMEOUT:
        timeout = default
    return _to_us(timeout)


def _from_us(timeout_us):
    return None if timeout_us < 0 else timeout_us / 1_000_000


class _Deadline:
    """What is left of a timeout, in seconds (None for no limit)."""

    def __init__(self, timeout):
        self._end = None if timeout is None else time.monotonic() + timeout

    def remaining(self, fraction=1.0):
        if self._end is None:
            return None
        return max(0.0, (self._end - time.monotonic()) * fraction)
