/* ta-monitor.c: the one place where threads block
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-monitor-private.h"
#include "ta-types.h"

void
ta_monitor_init (TaMonitor *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->n_sleepers = 0;
}

/* Called first in a finalizer: whatever was written under the monitor, on
 * any thread, is visible from here (a no-op outside TSan builds, where the
 * last unref's own barrier already guarantees it). */
void
ta_monitor_sync_for_finalize (TaMonitor *self)
{
  ta_tsan_acquire (&self->mutex);
}

void
ta_monitor_clear (TaMonitor *self)
{
  ta_monitor_sync_for_finalize (self);
  g_assert (self->n_sleepers == 0);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->mutex);
}

/*
 * ta_monitor_wait_until:
 * @end_time: monotonic time at which to give up, or -1 for never
 *
 * Called with the monitor locked. Sleeps until a broadcast or @end_time;
 * may return early (spurious wake-ups), so callers re-check their
 * predicate. Returns %FALSE only when @end_time has passed.
 */
gboolean
ta_monitor_wait_until (TaMonitor *self,
                       gint64     end_time)
{
  gboolean ret = TRUE;

  if (end_time >= 0 && g_get_monotonic_time () >= end_time)
    return FALSE;

  self->n_sleepers++;
  ta_tsan_release (&self->mutex);
  if (end_time < 0)
    g_cond_wait (&self->cond, &self->mutex);
  else
    ret = g_cond_wait_until (&self->cond, &self->mutex, end_time);
  ta_tsan_acquire (&self->mutex);
  self->n_sleepers--;

  return ret;
}

/* Called with the monitor locked, after changing the guarded state. */
void
ta_monitor_broadcast (TaMonitor *self)
{
  if (self->n_sleepers > 0)
    g_cond_broadcast (&self->cond);
}

gint64
ta_end_time_from_timeout (gint64 timeout_us)
{
  gint64 now;

  g_assert (timeout_us != TA_TIMEOUT_DEFAULT);

  if (timeout_us < 0)
    return -1;

  /* Saturated: a timeout too long to represent never expires. */
  now = g_get_monotonic_time ();
  if (timeout_us >= G_MAXINT64 - now)
    return -1;

  return now + timeout_us;
}

char *
ta_format_timeout (gint64 timeout_us)
{
  if (timeout_us < 0)
    return g_strdup ("an infinite time");
  if (timeout_us < 1000)
    return g_strdup_printf ("%" G_GINT64_FORMAT " µs", timeout_us);
  if (timeout_us < G_USEC_PER_SEC)
    return g_strdup_printf ("%g ms", timeout_us / 1000.0);
  return g_strdup_printf ("%g s", timeout_us / (double) G_USEC_PER_SEC);
}
