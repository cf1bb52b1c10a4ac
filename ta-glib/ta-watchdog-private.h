/* ta-watchdog-private.h: what runners use of the watchdog
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ta-watchdog.h"

G_BEGIN_DECLS

typedef struct _TaRunnerCore TaRunnerCore;
typedef struct _TaWatch TaWatch;

char       *ta_watchdog_dup_stalled_stack (TaWatchdog   *self);
TaWatchdog *ta_watchdog_new_for_runner    (TaRunnerCore *core,
                                           GMainContext *report_context,
                                           gint64        threshold_us);
TaWatch    *ta_watchdog_ref_watch         (TaWatchdog   *self);

TaWatch    *ta_watch_ref                  (TaWatch      *watch);
void        ta_watch_unref                (TaWatch      *watch);
gint64      ta_watch_mark_idle            (TaWatch      *watch);
void        ta_watch_mark_busy            (TaWatch      *watch,
                                           gint64        now);

G_END_DECLS
