/* ta-monitor-private.h: the one place where threads block
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * TaMonitor is a mutex paired with a condition that counts its sleepers.
 * Every blocking wait in ta-glib (task waits, calls, start and stop, the
 * primitives) goes through ta_monitor_wait_until(), so the policy of how a
 * thread waits (and, later, how long it spins before it sleeps) lives here.
 *
 * Usage follows the usual predicate loop:
 *
 *   ta_monitor_lock (m);
 *   while (!predicate)
 *     if (!ta_monitor_wait_until (m, end_time))
 *       break;                       // timed out
 *   ta_monitor_unlock (m);
 *
 * and state changes are published under the lock followed by
 * ta_monitor_broadcast().
 */
typedef struct _TaMonitor
{
  GMutex mutex;
  GCond  cond;
  guint  n_sleepers;   /* guarded by mutex */
} TaMonitor;

void      ta_monitor_init       (TaMonitor *self);
void      ta_monitor_clear      (TaMonitor *self);
gboolean  ta_monitor_wait_until (TaMonitor *self,
                                 gint64     end_time);
void      ta_monitor_broadcast  (TaMonitor *self);

static inline void
ta_monitor_lock (TaMonitor *self)
{
  g_mutex_lock (&self->mutex);
}

static inline void
ta_monitor_unlock (TaMonitor *self)
{
  g_mutex_unlock (&self->mutex);
}

/* Converts a relative timeout in microseconds (or TA_TIMEOUT_INFINITE) to
 * an absolute monotonic end time, -1 meaning "never". TA_TIMEOUT_DEFAULT
 * must have been resolved by the caller. */
gint64    ta_end_time_from_timeout (gint64 timeout_us);

/* Formats a timeout for error messages: "250 ms", "1.5 s", "0 µs". */
char     *ta_format_timeout        (gint64 timeout_us);

G_END_DECLS
