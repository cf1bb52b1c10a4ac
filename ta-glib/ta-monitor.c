/* ta-monitor.c: the one place where threads block
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-monitor-private.h"
#include "ta-spin-private.h"
#include "ta-types.h"

/* Each waiting thread learns how long its waits tend to be. */
static _Thread_local TaSpinBudget wait_budget;

/* How many times a thread retries a taken mutex before it sleeps. */
#define TA_MUTEX_SPINS 64

void
ta_mutex_lock_contended (GMutex *mutex)
{
  if (ta_spin_allowed ())
    for (guint i = 0; i < TA_MUTEX_SPINS; i++)
      {
        ta_cpu_relax ();
        if (g_mutex_trylock (mutex))
          return;
      }

  g_mutex_lock (mutex);
}

void
ta_monitor_init (TaMonitor *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->n_sleepers = 0;
  self->seq = 0;
  self->waker_cpu = -1;
  self->wake_pending = FALSE;
  self->wakers = 0;
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
  /* A thread that published the last change may still be waking its
   * sleepers: whoever frees the monitor saw that change, under the lock,
   * after the count went up. */
  for (guint i = 1; g_atomic_int_get (&self->wakers) > 0; i++)
    {
      if (i % 64 == 0)
        g_thread_yield ();
      else
        ta_cpu_relax ();
    }

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
/* Called unlocked: spins until @self broadcasts, the budget runs out or
 * @end_time passes. TRUE if it saw a broadcast. */
static gboolean
ta_monitor_spin (TaMonitor *self,
                 gint       seq,
                 gint64     budget_ns,
                 gint64     end_time)
{
  gint64 spin_end = g_get_monotonic_time () + budget_ns / 1000 + 1;

  if (end_time >= 0)
    spin_end = MIN (spin_end, end_time);

  for (guint i = 1; ; i++)
    {
      if (g_atomic_int_get (&self->seq) != seq)
        return TRUE;
      ta_cpu_relax ();
      if (i % 32 == 0 && g_get_monotonic_time () >= spin_end)
        return FALSE;
    }
}

/*
 * Guest loops (ta-guest-loop.c) run an interpreter's event loop on a
 * runner thread, and an interpreter such as Python's lets one thread run
 * at a time. A thread woken while a guest iteration runs would only go
 * back to sleep on the interpreter's lock, and be woken again through a
 * futex, once the iteration ends: it waits for that end here, spinning,
 * for a bounded time. Without guest loops this costs one atomic read.
 */
static gint guests_iterating;                     /* atomic: how many */
static _Thread_local guint in_guest_iteration;     /* nested guests count */

void
ta_guest_iteration_begin (void)
{
  in_guest_iteration++;
  g_atomic_int_inc (&guests_iterating);
}

void
ta_guest_iteration_end (void)
{
  g_atomic_int_add (&guests_iterating, -1);
  in_guest_iteration--;
}

/* Called locked, by a thread just woken; returns locked. */
static void
ta_monitor_let_guests_finish (TaMonitor *self,
                              gint64     end_time)
{
  gint64 spin_end;

  if (G_LIKELY (g_atomic_int_get (&guests_iterating) == 0) ||
      in_guest_iteration || !ta_spin_allowed ())
    return;

  spin_end = g_get_monotonic_time () + TA_SPIN_MAX_NS / 1000;
  if (end_time >= 0)
    spin_end = MIN (spin_end, end_time);

  ta_monitor_unlock (self);
  for (guint i = 1; g_atomic_int_get (&guests_iterating) > 0; i++)
    {
      ta_cpu_relax ();
      if (i % 32 == 0 && g_get_monotonic_time () >= spin_end)
        break;
    }
  ta_monitor_lock (self);
}

gboolean
ta_monitor_wait_until (TaMonitor *self,
                       gint64     end_time)
{
  gboolean ret = TRUE;
  gint64 budget_ns;

  if (end_time >= 0 && g_get_monotonic_time () >= end_time)
    return FALSE;

  budget_ns = ta_spin_allowed () ? ta_spin_budget_ns (&wait_budget) : 0;
  if (budget_ns > 0)
    {
      gint seq = g_atomic_int_get (&self->seq);
      gboolean woken;

      ta_monitor_unlock (self);
      woken = ta_monitor_spin (self, seq, budget_ns, end_time);
      ta_monitor_lock (self);
      /* A broadcast between the spin and the lock counts too. */
      woken = woken || g_atomic_int_get (&self->seq) != seq;
      ta_spin_budget_feedback (&wait_budget, woken);
      if (woken)
        {
          ta_spin_budget_set_peer (&wait_budget, self->waker_cpu);
          ta_monitor_let_guests_finish (self, end_time);
          return TRUE;
        }
      if (end_time >= 0 && g_get_monotonic_time () >= end_time)
        return FALSE;
    }

  /* This thread published a change and now waits itself: its sleepers
   * are woken before it releases the lock in its own wait. */
  if (self->wake_pending)
    {
      self->wake_pending = FALSE;
      g_cond_broadcast (&self->cond);
    }

  {
    gint64 slept_at = g_get_monotonic_time ();
    gint cpu = ta_spin_current_cpu ();
    gint seq = self->seq;

    self->n_sleepers++;
    ta_tsan_release (&self->mutex);
    if (end_time < 0)
      g_cond_wait (&self->cond, &self->mutex);
    else
      ret = g_cond_wait_until (&self->cond, &self->mutex, end_time);
    ta_tsan_acquire (&self->mutex);
    self->n_sleepers--;

    if (ret && self->seq != seq)
      ta_spin_budget_observe (&wait_budget, (g_get_monotonic_time () - slept_at) * 1000,
                              cpu, self->waker_cpu);
  }
  if (ret)
    ta_monitor_let_guests_finish (self, end_time);

  return ret;
}

/* Called with the monitor locked, after changing the guarded state; the
 * sleepers wake when it is unlocked. */
void
ta_monitor_broadcast (TaMonitor *self)
{
  /* Spinners watch the counter; only sleepers need the futex. Either
   * learns where the news came from. */
  self->waker_cpu = ta_spin_current_cpu ();
  g_atomic_int_inc (&self->seq);
  if (self->n_sleepers > 0)
    self->wake_pending = TRUE;
}

/* Called locked, when a broadcast found sleepers: wakes them once the
 * lock is released, so that they do not wake to a taken mutex. */
void
ta_monitor_unlock_and_wake (TaMonitor *self)
{
  self->wake_pending = FALSE;
  g_atomic_int_inc (&self->wakers);
  ta_mutex_unlock (&self->mutex);
  g_cond_broadcast (&self->cond);
  g_atomic_int_add (&self->wakers, -1);
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
