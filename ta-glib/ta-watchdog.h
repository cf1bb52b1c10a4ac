/* ta-watchdog.h: reports a main context that stays busy too long
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TA_INSIDE) && !defined(TA_COMPILATION)
# error "Only <ta-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "ta-stall.h"
#include "ta-version-macros.h"

G_BEGIN_DECLS

#define TA_TYPE_WATCHDOG (ta_watchdog_get_type ())

TA_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (TaWatchdog, ta_watchdog, TA, WATCHDOG, GObject)

TA_AVAILABLE_IN_ALL
TaWatchdog   *ta_watchdog_new                  (GMainContext *context,
                                                gint64        threshold_us) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
void          ta_watchdog_detach               (TaWatchdog   *self);
TA_AVAILABLE_IN_ALL
gboolean      ta_watchdog_is_attached          (TaWatchdog   *self);
TA_AVAILABLE_IN_ALL
GMainContext *ta_watchdog_get_context          (TaWatchdog   *self);
TA_AVAILABLE_IN_ALL
gint64        ta_watchdog_get_threshold        (TaWatchdog   *self);
TA_AVAILABLE_IN_ALL
int           ta_watchdog_get_interrupt_signal (TaWatchdog   *self);
TA_AVAILABLE_IN_ALL
void          ta_watchdog_set_interrupt_signal (TaWatchdog   *self,
                                                int           signum);
TA_AVAILABLE_IN_ALL
guint         ta_watchdog_get_n_stalls         (TaWatchdog   *self);
TA_AVAILABLE_IN_ALL
gint64        ta_watchdog_get_longest_stall    (TaWatchdog   *self);
TA_AVAILABLE_IN_ALL
gint64        ta_watchdog_get_total_stalled    (TaWatchdog   *self);
TA_AVAILABLE_IN_ALL
GVariant     *ta_watchdog_dup_statistics       (TaWatchdog   *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
