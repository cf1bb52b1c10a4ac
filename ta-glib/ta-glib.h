/* ta-glib.h: the one header to include
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#define TA_INSIDE
# include "ta-version.h"
# include "ta-version-macros.h"
# include "ta-types.h"
# include "ta-enums.h"
# include "ta-error.h"
# include "ta-event.h"
# include "ta-future.h"
# include "ta-queue.h"
# include "ta-task.h"
# include "ta-executor.h"
# include "ta-runner.h"
# include "ta-guest-loop.h"
# include "ta-request.h"
# include "ta-client.h"
# include "ta-server.h"
# include "ta-sleep.h"
# include "ta-stall.h"
# include "ta-watchdog.h"
#undef TA_INSIDE
