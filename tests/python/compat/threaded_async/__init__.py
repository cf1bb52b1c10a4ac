# SPDX-License-Identifier: LGPL-2.1-or-later
"""threaded_async's names, every one taken from the Ta override.

For tests only: it proves that code written for ``threaded_async`` runs on
ta-glib once its import is changed. It defines nothing of its own.
"""

from threaded_async.threaded_async import *  # noqa: F401,F403
from threaded_async.control_inversion import *  # noqa: F401,F403
