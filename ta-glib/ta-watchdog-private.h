/* ta-watchdog-private.h: what runners use of the watchdog
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ta-watchdog.h"

G_BEGIN_DECLS

char *ta_watchdog_dup_stalled_stack (TaWatchdog *self);

G_END_DECLS
