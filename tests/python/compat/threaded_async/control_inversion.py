# SPDX-License-Identifier: LGPL-2.1-or-later
"""``threaded_async.control_inversion``: the Ta override under its names."""

import gi

gi.require_version('Ta', '1')
from gi.repository import Ta  # noqa: E402

ExecutionRequest = Ta.ExecutionRequest
Client = Ta.Client
Server = Ta.Server

__all__ = ['ExecutionRequest', 'Client', 'Server']
