/* ta-monitor-private.h: the one place where threads block
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

/* GLib's GMutex is a futex inside an uninstrumented libglib, invisible to
 * ThreadSanitizer. In TSan builds every lock taken through this header
 * tells TSan about the happens-before edge it makes. */
#if defined(__SANITIZE_THREAD__)
# define TA_TSAN 1
#elif defined(__has_feature)
# if __has_feature(thread_sanitizer)
#  define TA_TSAN 1
# endif
#endif

#ifdef TA_TSAN
# include <sanitizer/tsan_interface.h>
# define ta_tsan_acquire(addr) __tsan_acquire ((void *) (addr))
# define ta_tsan_release(addr) __tsan_release ((void *) (addr))
#else
# define ta_tsan_acquire(addr) G_STMT_START { } G_STMT_END
# define ta_tsan_release(addr) G_STMT_START { } G_STMT_END
#endif

G_BEGIN_DECLS

/* g_atomic_ref_count_dec() is a call into libglib: in TSan builds, make
 * the release before the drop and the acquire by the last owner visible. */
static inline gboolean
ta_ref_count_dec (gatomicrefcount *ref_count)
{
  ta_tsan_release (ref_count);
  if (g_atomic_ref_count_dec (ref_count))
    {
      ta_tsan_acquire (ref_count);
      return TRUE;
    }
  return FALSE;
}

void ta_mutex_lock_contended (GMutex *mutex);

/*
 * A plain GMutex, visible to TSan. The critical sections it guards here
 * are a few dozen instructions long: a thread that finds it taken spins
 * briefly before it lets GLib put it to sleep on the futex, which would
 * also make the holder's unlock a system call.
 */
static inline void
ta_mutex_lock (GMutex *mutex)
{
  if (G_UNLIKELY (!g_mutex_trylock (mutex)))
    ta_mutex_lock_contended (mutex);
  ta_tsan_acquire (mutex);
}

static inline void
ta_mutex_unlock (GMutex *mutex)
{
  ta_tsan_release (mutex);
  g_mutex_unlock (mutex);
}

/*
 * TaMonitor is a mutex paired with a condition that counts its sleepers.
 * Every blocking wait in ta-glib (task waits, calls, start and stop, the
 * primitives) goes through ta_monitor_wait_until(), so the policy of how a
 * thread waits lives here: it spins briefly on a broadcast counter before
 * it sleeps (see ta-spin-private.h), and a broadcast that finds nobody
 * asleep costs no system call.
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
 *
 * Sleepers are woken when the broadcaster unlocks, not while it holds the
 * lock: a sleeper woken under the lock runs (at once, when both threads
 * share a CPU) only to block on the mutex, and costs two more context
 * switches and two system calls. The monitor's memory then stays valid
 * until the wake is over: ta_monitor_clear() waits for it.
 */
typedef struct _TaMonitor
{
  GMutex mutex;
  GCond  cond;
  guint  n_sleepers;   /* guarded by mutex */
  gint   seq;          /* atomic, written under mutex: counts broadcasts */
  gint   waker_cpu;    /* guarded by mutex: where the last broadcast came
                        * from, or -1 */
  gboolean wake_pending; /* guarded by mutex: sleepers to wake on unlock */
  gint   wakers;       /* atomic: threads waking sleepers after unlocking */
} TaMonitor;

void      ta_monitor_init       (TaMonitor *self);
void      ta_monitor_clear      (TaMonitor *self);
void      ta_monitor_sync_for_finalize (TaMonitor *self);
gboolean  ta_monitor_wait_until (TaMonitor *self,
                                 gint64     end_time);
void      ta_monitor_broadcast  (TaMonitor *self);
void      ta_monitor_unlock_and_wake (TaMonitor *self);

/* Around each iteration of a guest loop, on its thread: threads woken
 * meanwhile let it finish (briefly) before they go on. */
void      ta_guest_iteration_begin (void);
void      ta_guest_iteration_end   (void);

static inline void
ta_monitor_lock (TaMonitor *self)
{
  ta_mutex_lock (&self->mutex);
}

static inline void
ta_monitor_unlock (TaMonitor *self)
{
  if (G_UNLIKELY (self->wake_pending))
    ta_monitor_unlock_and_wake (self);
  else
    ta_mutex_unlock (&self->mutex);
}

/* Converts a relative timeout in microseconds (or TA_TIMEOUT_INFINITE) to
 * an absolute monotonic end time, -1 meaning "never". TA_TIMEOUT_DEFAULT
 * must have been resolved by the caller. */
gint64    ta_end_time_from_timeout (gint64 timeout_us);

/* Formats a timeout for error messages: "250 ms", "1.5 s", "0 µs". */
char     *ta_format_timeout        (gint64 timeout_us);

G_END_DECLS
