/* ta-watchdog.c: reports a main context that stays busy too long
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * TaWatchdog:
 *
 * A watchdog watches one [struct@GLib.MainContext] — a runner's, the
 * application's main context, any thread's — and reports, while it is
 * still going on, every dispatch that keeps the context busy longer than
 * a threshold: a stall, the kind that freezes a user interface. It
 * reports it again when it ends, with its total length.
 *
 * ```c
 * g_autoptr(TaWatchdog) watchdog = ta_watchdog_new (NULL, 100 * 1000);  // 100 ms
 *
 * g_signal_connect (watchdog, "stall", G_CALLBACK (on_stall), NULL);
 * ```
 *
 * ## What counts as busy
 *
 * A context is busy from the moment its poll returns until its next
 * iteration begins: while it dispatches its sources, and while its thread
 * is away from the loop between two iterations. The watchdog learns of
 * both moments through a source of its own, of the highest priority,
 * whose prepare and check functions GLib calls around every poll; it is
 * never dispatched. (A runner's own watchdog, from
 * [property@Ta.Runner:stall-threshold], has no source: the runner's poll
 * function marks both moments, and shares its own clock readings with
 * them.) Each mark stores one value: the watched thread never waits on
 * the watchdog.
 *
 * The watchdog has a thread of its own. It sleeps, with no deadline, while
 * the watched context sleeps in its poll; a dispatch wakes it (only when
 * it is asleep that way) and it then sleeps with a deadline, for at least
 * a threshold, until a stall would cross it. A loop that keeps
 * dispatching short callbacks wakes it at most about once per threshold;
 * an idle loop never.
 *
 * ## What a report says
 *
 * Each report is a [struct@Ta.Stall], delivered two ways:
 *
 * - a structured log message (%G_LOG_LEVEL_MESSAGE in the `Ta` domain),
 *   written from the watchdog's thread at once, with the fields
 *   `TA_STALL_SOURCE` (what runs), `TA_STALL_DURATION_US`,
 *   `TA_STALL_STATE` (`ongoing` or `over`), `TA_STALL_NUMBER`,
 *   `TA_STALL_THREAD` (the stalled thread's name) and, when there is one,
 *   `TA_STALL_STACK`;
 * - the [signal@Ta.Watchdog::stall] signal, emitted in the report context
 *   (by default the thread-default main context of the thread that
 *   created the watchdog). When that is the watched context itself, the
 *   reports wait until the stall is over, as anything attached to that
 *   context must; the log message does not wait.
 *
 * What runs is named as well as can be seen from another thread: on a
 * runner, the ta-glib task (or call, or guest loop) being run, which the
 * runner publishes as it dispatches. Anything else, a GSource of GLib,
 * GIO, GTK or the application, can only be seen from the stalled thread
 * itself: set [property@Ta.Watchdog:interrupt-signal] and the watchdog
 * interrupts that thread with that signal to read the name of the source
 * it dispatches (`g_source_get_name()`), or the function its callback
 * points to ("an unnamed GSource (callback at symbol)"), and its C stack.
 * Without that, such a stall is reported as an unnamed GSource.
 *
 * ## Thread safety
 *
 * A watchdog may be created, queried, detached and dropped from any
 * thread. Its [signal@Ta.Watchdog::stall] signal is emitted in its report
 * context only, never in the watched one while it stalls, so JavaScript
 * and Python handlers run on their own thread.
 */

#include "config.h"

#define _GNU_SOURCE
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ta-monitor-private.h"
#include "ta-runner-private.h"
#include "ta-sample-private.h"
#include "ta-stall-private.h"
#include "ta-watchdog.h"
#include "ta-watchdog-private.h"

/* One stall that ended, as the watched thread saw it. */
typedef struct
{
  gint64 since;
  gint64 duration;
} TaEnded;

typedef struct
{
  guint  count;
  gint64 total;
  gint64 longest;
} TaSourceStats;

/*
 * What the watched thread, the watchdog thread, the report sources and
 * the TaWatchdog object share. Each holds a reference.
 */
struct _TaWatch
{
  gatomicrefcount ref_count;
  gint64          threshold;         /* immutable, µs */
  GWeakRef        owner;             /* the TaWatchdog */

  /* Written by the watched thread at every iteration, read by the
   * watchdog thread: atomic, on cache lines of their own (the padding),
   * so that the watchdog thread's work elsewhere in this structure does
   * not take the line from the watched thread. */
  char            pad_before[64];
  gint64          busy_since;        /* monotonic µs, 0 while in poll */
  int             tid;               /* the kernel's id of that thread */
  guint64         thread_self;       /* its pthread_t */
  int             looked_for_core;   /* watched thread only */
  int             watcher_asleep;    /* the watchdog thread has no deadline;
                                      * written only as it goes to sleep */
  char            pad_after[64];

  int             interrupt_signal;  /* atomic; 0: never interrupt */

  /* Set before the watchdog thread starts, cleared after it has ended. */
  GSource        *report_source;     /* strong, in the report context */

  TaMonitor       monitor;           /* guards every field below */
  GQueue          pending;           /* TaStall for the report context */
  TaRunnerCore   *core;              /* the runner whose context it is */
  gboolean        stopping;
  GArray         *ended;             /* TaEnded */
  gint64          reported_since;    /* the stall seen last, its start */
  guint           reported_number;
  char           *reported_what;
  guint           n_stalls;
  gint64          longest;
  gint64          total;
  GHashTable     *sources;           /* what -> TaSourceStats */
};

/* The never-dispatched source whose hooks say when the context polls. */
typedef struct
{
  GSource  source;
  TaWatch *watch;                    /* strong, immutable */
} TaWatchSource;

struct _TaWatchdog
{
  GObject        parent_instance;

  TaWatch       *watch;              /* strong, immutable after construction */
  GSource       *source;             /* strong, immutable after construction;
                                      * NULL when a runner's poll feeds it */
  GThread       *thread;             /* guarded by watch->monitor */
  GMainContext  *context;            /* construct-only, strong */
  GMainContext  *report_context;     /* construct-only, strong */
  gint64         threshold;          /* construct-only */
};

G_DEFINE_FINAL_TYPE (TaWatchdog, ta_watchdog, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONTEXT,
  PROP_REPORT_CONTEXT,
  PROP_THRESHOLD,
  PROP_INTERRUPT_SIGNAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_STALL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---------------------------------------------------------------------- */
/* The shared state                                                        */
/* ---------------------------------------------------------------------- */

/* A time plus a duration, both positive: saturates rather than overflows
 * (a threshold may be G_MAXINT64). */
static inline gint64
ta_time_add (gint64 time,
             gint64 duration)
{
  return duration > G_MAXINT64 - time ? G_MAXINT64 : time + duration;
}

TaWatch *
ta_watch_ref (TaWatch *watch)
{
  g_atomic_ref_count_inc (&watch->ref_count);
  return watch;
}

void
ta_watch_unref (TaWatch *watch)
{
  if (!ta_ref_count_dec (&watch->ref_count))
    return;

  ta_monitor_sync_for_finalize (&watch->monitor);
  g_assert (watch->report_source == NULL);
  g_assert (watch->core == NULL);
  g_queue_clear_full (&watch->pending, (GDestroyNotify) ta_stall_unref);
  g_weak_ref_clear (&watch->owner);
  g_array_unref (watch->ended);
  g_hash_table_unref (watch->sources);
  g_free (watch->reported_what);
  ta_monitor_clear (&watch->monitor);
  g_free (watch);
}

/* The kernel's id of the calling thread, cached: the signal that
 * interrupts a stalled thread is sent to that id, which, unlike a
 * pthread_t, is safe to name after the thread has exited. */
static int
ta_gettid (void)
{
  /* Initial-exec: one load at a fixed offset rather than a call into the
   * dynamic linker at every busy mark; four bytes of the static TLS that
   * glibc sets aside for libraries loaded later. */
  static __thread int tid __attribute__ ((tls_model ("initial-exec")));

  if (G_UNLIKELY (tid == 0))
    tid = (int) syscall (SYS_gettid);

  return tid;
}

/* ---------------------------------------------------------------------- */
/* The watched thread's side                                               */
/* ---------------------------------------------------------------------- */

/* Watched thread: a dispatch that lasted past the threshold has ended.
 * Not recorded once detached: nobody would take it. */
static G_GNUC_NO_INLINE void
ta_watch_end (TaWatch *watch,
              gint64   since,
              gint64   duration)
{
  TaEnded ended = { since, duration };

  ta_monitor_lock (&watch->monitor);
  if (!watch->stopping)
    {
      g_array_append_val (watch->ended, ended);
      ta_monitor_broadcast (&watch->monitor);
    }
  ta_monitor_unlock (&watch->monitor);
}

/* Watched thread: it is another than the one that marked last. Out of
 * line, like every slow path of the marks: the fast ones then need no
 * stack frame of their own. */
static G_GNUC_NO_INLINE void
ta_watch_note_thread (TaWatch *watch,
                      int      tid)
{
  __atomic_store_n (&watch->thread_self, (guint64) pthread_self (), __ATOMIC_RELAXED);
  __atomic_store_n (&watch->tid, tid, __ATOMIC_RELAXED);
}

/* Watched thread: the watchdog thread sleeps with no deadline. */
static G_GNUC_NO_INLINE void
ta_watch_wake (TaWatch *watch)
{
  ta_monitor_lock (&watch->monitor);
  ta_monitor_broadcast (&watch->monitor);
  ta_monitor_unlock (&watch->monitor);
}

/*
 * ta_watch_mark_idle:
 *
 * Watched thread, as it is about to poll: the busy time, if any, ends.
 * Reads the clock, once, and returns that reading (0 if it made none),
 * for the poll to use; a plain store, no fence, unless the busy time
 * lasted past the threshold.
 */
gint64
ta_watch_mark_idle (TaWatch *watch)
{
  /* Only the watched thread writes it: its own value, no exchange. */
  gint64 since = __atomic_load_n (&watch->busy_since, __ATOMIC_RELAXED);
  gint64 now;

  if (since == 0)
    return 0;

  now = g_get_monotonic_time ();
  __atomic_store_n (&watch->busy_since, 0, __ATOMIC_RELEASE);
  if (G_UNLIKELY (now - since >= watch->threshold))
    ta_watch_end (watch, since, now - since);

  return now;
}

/*
 * ta_watch_mark_busy:
 * @now: a reading of the monotonic clock made as the poll returned, or 0
 *   to read it here
 *
 * Watched thread, once its poll returned: it is busy from now until it
 * polls again. Stores the time, with the one fence of an iteration; wakes
 * the watchdog thread only when that sleeps with no deadline.
 */
void
ta_watch_mark_busy (TaWatch *watch,
                    gint64   now)
{
  int tid = ta_gettid ();

  if (G_UNLIKELY (__atomic_load_n (&watch->tid, __ATOMIC_RELAXED) != tid))
    ta_watch_note_thread (watch, tid);

  if (now == 0)
    now = g_get_monotonic_time ();
  __atomic_store_n (&watch->busy_since, MAX (now, 1), __ATOMIC_SEQ_CST);

  /* Pairs with the watchdog thread's store of watcher_asleep followed by
   * its load of busy_since: one of the two threads sees the other's. */
  if (G_UNLIKELY (__atomic_load_n (&watch->watcher_asleep, __ATOMIC_SEQ_CST)))
    ta_watch_wake (watch);
}

static gboolean
ta_watch_source_prepare (GSource *source,
                         gint    *timeout)
{
  ta_tsan_acquire (source);
  ta_watch_mark_idle (((TaWatchSource *) source)->watch);
  *timeout = -1;

  return FALSE;
}

/* Watched thread, once: a runner publishes what its thread runs. */
static void
ta_watch_find_core (TaWatch *watch,
                    GSource *source)
{
  TaRunnerCore *core = ta_runner_core_peek_current ();

  __atomic_store_n (&watch->looked_for_core, TRUE, __ATOMIC_RELAXED);
  if (core == NULL || core->context != g_source_get_context (source))
    return;

  ta_monitor_lock (&watch->monitor);
  if (watch->core == NULL && !watch->stopping)
    watch->core = ta_runner_core_ref (core);
  ta_monitor_unlock (&watch->monitor);
}

static gboolean
ta_watch_source_check (GSource *source)
{
  TaWatch *watch;

  ta_tsan_acquire (source);
  watch = ((TaWatchSource *) source)->watch;

  if (G_UNLIKELY (!__atomic_load_n (&watch->looked_for_core, __ATOMIC_RELAXED)))
    ta_watch_find_core (watch, source);
  ta_watch_mark_busy (watch, 0);

  return FALSE;
}

static void
ta_watch_source_finalize (GSource *source)
{
  ta_tsan_acquire (source);
  ta_watch_unref (((TaWatchSource *) source)->watch);
}

static GSourceFuncs ta_watch_source_funcs = {
  .prepare = ta_watch_source_prepare,
  .check = ta_watch_source_check,
  .finalize = ta_watch_source_finalize,
};

/* ---------------------------------------------------------------------- */
/* The watchdog thread                                                     */
/* ---------------------------------------------------------------------- */

/* The watchdog's source in the report context: woken, from the watchdog
 * thread, when reports are pending. */
typedef struct
{
  GSource  source;
  TaWatch *watch;   /* strong, immutable */
} TaReportSource;

static gboolean
ta_report_source_dispatch (GSource     *source,
                           GSourceFunc  callback,
                           gpointer     user_data)
{
  TaWatch *watch;
  g_autoptr(TaWatchdog) owner = NULL;
  GQueue pending = G_QUEUE_INIT;
  TaStall *stall;

  ta_tsan_acquire (source);
  watch = ((TaReportSource *) source)->watch;

  /* Re-armed before the queue is taken: a report queued after this wakes
   * the source again. */
  g_source_set_ready_time (source, -1);
  ta_monitor_lock (&watch->monitor);
  pending = watch->pending;
  g_queue_init (&watch->pending);
  ta_monitor_unlock (&watch->monitor);

  owner = g_weak_ref_get (&watch->owner);
  while ((stall = g_queue_pop_head (&pending)) != NULL)
    {
      if (owner != NULL)
        g_signal_emit (owner, signals[SIGNAL_STALL], 0, stall);
      ta_stall_unref (stall);
    }

  return G_SOURCE_CONTINUE;
}

static void
ta_report_source_finalize (GSource *source)
{
  ta_tsan_acquire (source);
  ta_watch_unref (((TaReportSource *) source)->watch);
}

static GSourceFuncs ta_report_source_funcs = {
  .dispatch = ta_report_source_dispatch,
  .finalize = ta_report_source_finalize,
};

static char *
ta_read_thread_name (int tid)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/task/%d/comm", tid);
  char *name = NULL;

  if (tid <= 0 || !g_file_get_contents (path, &name, NULL, NULL))
    return NULL;

  return g_strchomp (name);
}

/* Watchdog thread, unlocked: logs @stall and hands it to the report
 * context. */
static void
ta_watch_report (TaWatch *watch,
                 TaStall *stall)
{
  g_autofree char *duration = ta_format_timeout (stall->duration);
  g_autofree char *duration_us = g_strdup_printf ("%" G_GINT64_FORMAT, stall->duration);
  g_autofree char *number = g_strdup_printf ("%u", stall->number);
  g_autofree char *message = NULL;
  GLogField fields[9];
  gsize n = 0;

  if (stall->over)
    message = g_strdup_printf ("Stall %u is over: %s kept thread “%s” busy for %s",
                               stall->number, stall->what,
                               stall->thread_name != NULL ? stall->thread_name : "?",
                               duration);
  else
    message = g_strdup_printf ("Stall %u: %s has kept thread “%s” busy for %s so far%s%s",
                               stall->number, stall->what,
                               stall->thread_name != NULL ? stall->thread_name : "?",
                               duration,
                               stall->stack != NULL ? "; its stack:\n" : "",
                               stall->stack != NULL ? stall->stack : "");

#define TA_FIELD(k, v) fields[n++] = (GLogField) { (k), (v), -1 }
  TA_FIELD ("GLIB_DOMAIN", G_LOG_DOMAIN);
  TA_FIELD ("PRIORITY", "5");
  TA_FIELD ("MESSAGE", message);
  TA_FIELD ("TA_STALL_SOURCE", stall->what);
  TA_FIELD ("TA_STALL_DURATION_US", duration_us);
  TA_FIELD ("TA_STALL_STATE", stall->over ? "over" : "ongoing");
  TA_FIELD ("TA_STALL_NUMBER", number);
  if (stall->thread_name != NULL)
    TA_FIELD ("TA_STALL_THREAD", stall->thread_name);
  if (stall->stack != NULL)
    TA_FIELD ("TA_STALL_STACK", stall->stack);
#undef TA_FIELD
  g_log_structured_array (G_LOG_LEVEL_MESSAGE, fields, n);

  ta_monitor_lock (&watch->monitor);
  g_queue_push_tail (&watch->pending, ta_stall_ref (stall));
  ta_monitor_unlock (&watch->monitor);
  g_source_set_ready_time (watch->report_source, 0);
}

/* Called locked: records a stall that ended, and returns its report. */
static TaStall *
ta_watch_take_ended (TaWatch      *watch,
                     TaEnded      *ended,
                     const char   *thread_name,
                     guint64       thread_id)
{
  TaSourceStats *stats;
  const char *what;
  guint number;

  if (ended->since == watch->reported_since && watch->reported_what != NULL)
    {
      what = watch->reported_what;
      number = watch->reported_number;
    }
  else
    {
      what = "something that ended before the watchdog could name it";
      number = ++watch->n_stalls;
    }

  watch->longest = MAX (watch->longest, ended->duration);
  watch->total += ended->duration;
  stats = g_hash_table_lookup (watch->sources, what);
  if (stats == NULL)
    {
      stats = g_new0 (TaSourceStats, 1);
      g_hash_table_insert (watch->sources, g_strdup (what), stats);
    }
  stats->count++;
  stats->total += ended->duration;
  stats->longest = MAX (stats->longest, ended->duration);

  return ta_stall_new (number, what, ended->duration, TRUE, thread_name, thread_id, NULL);
}

/* Watchdog thread, unlocked: what the stalled thread runs. */
static char *
ta_watch_describe (TaWatch      *watch,
                   TaRunnerCore *core,
                   int           tid,
                   char        **stack)
{
  int signum = __atomic_load_n (&watch->interrupt_signal, __ATOMIC_RELAXED);
  g_autofree char *sampled = NULL;
  char *activity = core != NULL ? ta_runner_core_dup_activity (core) : NULL;

  if (signum > 0 && ta_sample_thread (tid, signum, &sampled, stack) && activity == NULL)
    return g_steal_pointer (&sampled);
  if (activity != NULL)
    return activity;
  if (core != NULL)
    return ta_runner_core_describe_stuck (core);

  return g_strdup ("an unnamed GSource (set TaWatchdog:interrupt-signal to name it)");
}

static gpointer
ta_watch_thread (gpointer data)
{
  TaWatch *watch = data;
  gint64 armed_until = 0;

  ta_monitor_lock (&watch->monitor);
  for (;;)
    {
      gint64 since, now;

      if (watch->ended->len > 0)
        {
          TaEnded ended = g_array_index (watch->ended, TaEnded, 0);
          int tid = __atomic_load_n (&watch->tid, __ATOMIC_RELAXED);
          guint64 self = __atomic_load_n (&watch->thread_self, __ATOMIC_RELAXED);
          g_autofree char *thread_name = NULL;
          g_autoptr(TaStall) stall = NULL;

          g_array_remove_index (watch->ended, 0);
          ta_monitor_unlock (&watch->monitor);
          thread_name = ta_read_thread_name (tid);
          ta_monitor_lock (&watch->monitor);
          stall = ta_watch_take_ended (watch, &ended, thread_name, self);
          ta_monitor_unlock (&watch->monitor);
          ta_watch_report (watch, stall);
          ta_monitor_lock (&watch->monitor);
          continue;
        }

      if (watch->stopping)
        break;

      since = __atomic_load_n (&watch->busy_since, __ATOMIC_SEQ_CST);
      if (since == 0 || since == watch->reported_since)
        {
          /* Idle, or a stall reported already. Once a dispatch has woken
           * this thread, it stays awake (asleep with a deadline) for a
           * threshold: a loop that goes back and forth between its poll
           * and short dispatches does not wake it each time. */
          if (g_get_monotonic_time () < armed_until)
            {
              ta_monitor_wait_until (&watch->monitor, armed_until);
              continue;
            }
          __atomic_store_n (&watch->watcher_asleep, TRUE, __ATOMIC_SEQ_CST);
          since = __atomic_load_n (&watch->busy_since, __ATOMIC_SEQ_CST);
          if (since == 0 || since == watch->reported_since)
            ta_monitor_wait_until (&watch->monitor, -1);
          __atomic_store_n (&watch->watcher_asleep, FALSE, __ATOMIC_RELAXED);
          armed_until = ta_time_add (g_get_monotonic_time (), watch->threshold);
          continue;
        }

      now = g_get_monotonic_time ();
      if (now - since < watch->threshold)
        {
          ta_monitor_wait_until (&watch->monitor, ta_time_add (since, watch->threshold));
          continue;
        }

      /*
       * A runner names what its thread runs as it gets to it (a task, a
       * call), after the thread became busy. Busy past the threshold with
       * nothing named yet, the thread is either in a source that ta-glib
       * does not dispatch or on its way to what it will name, slowed down
       * in between (by the scheduler, by valgrind): named now, a task
       * would be reported as a foreign source. It gets time to name it,
       * looked at a sixteenth of a threshold at a time: while its inbox
       * has its turn (from the poll's return until the inbox is done),
       * up to ten thresholds; otherwise one.
       */
      if (watch->core != NULL && !ta_runner_core_has_activity (watch->core))
        {
          gint64 grace = watch->threshold > G_MAXINT64 / 10 ? G_MAXINT64 :
                         watch->threshold * (ta_runner_core_in_inbox_turn (watch->core) ? 10 : 1);
          gint64 named_by = ta_time_add (since, ta_time_add (watch->threshold, grace));

          if (now < named_by)
            {
              ta_monitor_wait_until (&watch->monitor,
                                     MIN (named_by, ta_time_add (now, MAX (watch->threshold / 16, 1000))));
              continue;
            }
        }

      /* A stall, going on. */
      {
        TaRunnerCore *core = watch->core != NULL ? ta_runner_core_ref (watch->core) : NULL;
        int tid = __atomic_load_n (&watch->tid, __ATOMIC_RELAXED);
        guint64 self = __atomic_load_n (&watch->thread_self, __ATOMIC_RELAXED);
        g_autofree char *thread_name = NULL;
        g_autofree char *stack = NULL;
        g_autofree char *what = NULL;
        g_autoptr(TaStall) stall = NULL;
        guint number;

        /* Seen while it lasts: reported as such, even if it ends while
         * it is named. It is counted once named, so that code that waits
         * for the count finds the report complete. */
        watch->reported_since = since;
        g_clear_pointer (&watch->reported_what, g_free);
        ta_monitor_unlock (&watch->monitor);

        what = ta_watch_describe (watch, core, tid, &stack);
        thread_name = ta_read_thread_name (tid);
        g_clear_pointer (&core, ta_runner_core_unref);

        ta_monitor_lock (&watch->monitor);
        watch->reported_what = g_strdup (what);
        number = watch->reported_number = ++watch->n_stalls;
        stall = ta_stall_new (number, what, now - since, FALSE, thread_name, self, stack);
        ta_monitor_unlock (&watch->monitor);
        ta_watch_report (watch, stall);
        ta_monitor_lock (&watch->monitor);
      }
    }
  ta_monitor_unlock (&watch->monitor);

  ta_watch_unref (watch);
  return NULL;
}

/* ---------------------------------------------------------------------- */
/* The object                                                              */
/* ---------------------------------------------------------------------- */

/* Set around the construction of a runner's own watchdog: see
 * ta_watchdog_new_for_runner(). */
static __thread TaRunnerCore *constructing_for_core;

static void
ta_watchdog_constructed (GObject *object)
{
  TaWatchdog *self = TA_WATCHDOG (object);
  TaWatch *watch = g_new0 (TaWatch, 1);
  TaWatchSource *source;

  G_OBJECT_CLASS (ta_watchdog_parent_class)->constructed (object);

  if (self->context == NULL)
    self->context = g_main_context_ref (g_main_context_default ());
  if (self->report_context == NULL)
    self->report_context = g_main_context_ref_thread_default ();

  g_atomic_ref_count_init (&watch->ref_count);
  watch->threshold = self->threshold;
  g_weak_ref_init (&watch->owner, self);
  ta_monitor_init (&watch->monitor);
  g_queue_init (&watch->pending);
  watch->ended = g_array_new (FALSE, FALSE, sizeof (TaEnded));
  watch->sources = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->watch = watch;

  if (constructing_for_core != NULL)
    {
      /* The runner's poll function marks busy and idle: no source. */
      watch->core = ta_runner_core_ref (constructing_for_core);
      watch->looked_for_core = TRUE;
    }
  else
    {
      self->source = g_source_new (&ta_watch_source_funcs, sizeof (TaWatchSource));
      source = (TaWatchSource *) self->source;
      source->watch = ta_watch_ref (watch);
      g_source_set_name (self->source, "[ta-glib] watchdog");
      g_source_set_priority (self->source, G_MININT);
      /* Published through the context's lock, inside GLib. */
      ta_tsan_release (self->source);
      g_source_attach (self->source, self->context);
    }

  watch->report_source = g_source_new (&ta_report_source_funcs, sizeof (TaReportSource));
  ((TaReportSource *) watch->report_source)->watch = ta_watch_ref (watch);
  g_source_set_name (watch->report_source, "[ta-glib] watchdog reports");
  ta_tsan_release (watch->report_source);
  g_source_attach (watch->report_source, self->report_context);

  self->thread = g_thread_new ("ta-watchdog", ta_watch_thread, ta_watch_ref (watch));
}

/*
 * ta_watchdog_new_for_runner:
 *
 * A runner's own watchdog (TaRunner:stall-threshold): it attaches no
 * source to the runner's context; the runner's poll function feeds it
 * instead, with ta_watch_mark_idle() and ta_watch_mark_busy() on the
 * watch that ta_watchdog_ref_watch() returns. It costs the runner thread
 * two atomic stores, one of them with a fence, per iteration, and the
 * clock readings its poll makes anyway; nothing of GLib's per-source
 * work. Any thread.
 */
TaWatchdog *
ta_watchdog_new_for_runner (TaRunnerCore *core,
                            GMainContext *report_context,
                            gint64        threshold_us)
{
  TaWatchdog *self;

  constructing_for_core = core;
  self = g_object_new (TA_TYPE_WATCHDOG,
                       "context", core->context,
                       "report-context", report_context,
                       "threshold", threshold_us,
                       NULL);
  constructing_for_core = NULL;

  return self;
}

/* Any thread: the state the watched thread marks. */
TaWatch *
ta_watchdog_ref_watch (TaWatchdog *self)
{
  return ta_watch_ref (self->watch);
}

/**
 * ta_watchdog_detach:
 * @self: a watchdog
 *
 * Stops watching: no stall is reported any more, and reports not yet
 * emitted in the report context are dropped. The watchdog keeps its
 * references to both contexts until it is finalized. Any thread, any
 * number of times; finalizing the watchdog detaches it.
 */
void
ta_watchdog_detach (TaWatchdog *self)
{
  TaWatch *watch;
  GThread *thread;
  GSource *report_source;
  TaRunnerCore *core;

  g_return_if_fail (TA_IS_WATCHDOG (self));

  watch = self->watch;
  ta_monitor_lock (&watch->monitor);
  thread = g_steal_pointer (&self->thread);
  watch->stopping = TRUE;
  ta_monitor_broadcast (&watch->monitor);
  ta_monitor_unlock (&watch->monitor);

  if (thread == NULL)
    return;

  if (self->source != NULL)
    g_source_destroy (self->source);
  g_thread_join (thread);

  ta_monitor_lock (&watch->monitor);
  report_source = g_steal_pointer (&watch->report_source);
  core = g_steal_pointer (&watch->core);
  ta_monitor_unlock (&watch->monitor);

  g_source_destroy (report_source);
  g_source_unref (report_source);
  if (core != NULL)
    ta_runner_core_unref (core);
}

static void
ta_watchdog_finalize (GObject *object)
{
  TaWatchdog *self = TA_WATCHDOG (object);

  if (self->watch != NULL)
    {
      ta_watchdog_detach (self);
      g_clear_pointer (&self->source, g_source_unref);
      ta_watch_unref (self->watch);
    }
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->report_context, g_main_context_unref);

  G_OBJECT_CLASS (ta_watchdog_parent_class)->finalize (object);
}

static void
ta_watchdog_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TaWatchdog *self = TA_WATCHDOG (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      g_value_set_boxed (value, self->context);
      break;
    case PROP_REPORT_CONTEXT:
      g_value_set_boxed (value, self->report_context);
      break;
    case PROP_THRESHOLD:
      g_value_set_int64 (value, self->threshold);
      break;
    case PROP_INTERRUPT_SIGNAL:
      g_value_set_int (value, ta_watchdog_get_interrupt_signal (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ta_watchdog_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  TaWatchdog *self = TA_WATCHDOG (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      self->context = g_value_dup_boxed (value);
      break;
    case PROP_REPORT_CONTEXT:
      self->report_context = g_value_dup_boxed (value);
      break;
    case PROP_THRESHOLD:
      self->threshold = g_value_get_int64 (value);
      break;
    case PROP_INTERRUPT_SIGNAL:
      ta_watchdog_set_interrupt_signal (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ta_watchdog_class_init (TaWatchdogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = ta_watchdog_constructed;
  object_class->finalize = ta_watchdog_finalize;
  object_class->get_property = ta_watchdog_get_property;
  object_class->set_property = ta_watchdog_set_property;

  /**
   * TaWatchdog:context:
   *
   * The context watched; %NULL at construction means the global default
   * main context. The watchdog holds a reference until it is finalized.
   */
  properties[PROP_CONTEXT] =
    g_param_spec_boxed ("context", NULL, NULL,
                        G_TYPE_MAIN_CONTEXT,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                        G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TaWatchdog:report-context:
   *
   * Where [signal@Ta.Watchdog::stall] is emitted; %NULL at construction
   * means the thread-default main context of the constructing thread.
   */
  properties[PROP_REPORT_CONTEXT] =
    g_param_spec_boxed ("report-context", NULL, NULL,
                        G_TYPE_MAIN_CONTEXT,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                        G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TaWatchdog:threshold:
   *
   * How long, in microseconds, one dispatch may keep the context busy
   * before it is reported as a stall.
   */
  properties[PROP_THRESHOLD] =
    g_param_spec_int64 ("threshold", NULL, NULL,
                        1, G_MAXINT64, 100 * 1000,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                        G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TaWatchdog:interrupt-signal:
   *
   * A signal number (such as `SIGURG`, or `SIGRTMIN + n`) to interrupt a
   * stalled thread with, to learn the name of the source it dispatches
   * and its C stack; 0, the default, never interrupts. The watchdog
   * installs its own handler for that signal, process-wide, the first time
   * it uses it, and keeps it: choose a signal nothing else in the process
   * uses. The handler only copies into memory set aside beforehand. Frames
   * get names from the dynamic symbol table: link programs with
   * `-rdynamic` to see their own functions.
   */
  properties[PROP_INTERRUPT_SIGNAL] =
    g_param_spec_int ("interrupt-signal", NULL, NULL,
                      0, 63, 0,
                      G_PARAM_READWRITE |
                      G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TaWatchdog::stall:
   * @self: the watchdog
   * @stall: the report
   *
   * Emitted in the report context for each stall twice: while it goes on
   * and when it is over (see [struct@Ta.Stall]).
   */
  signals[SIGNAL_STALL] =
    g_signal_new ("stall",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, TA_TYPE_STALL);
}

static void
ta_watchdog_init (TaWatchdog *self)
{
  self->threshold = 100 * 1000;
}

/**
 * ta_watchdog_new:
 * @context: (nullable): the context to watch, or %NULL for the global
 *   default main context
 * @threshold_us: how long a dispatch may last before it is a stall, in
 *   microseconds
 *
 * Starts watching @context. Reports are emitted in the thread-default main
 * context of the calling thread. Any thread.
 *
 * Returns: (transfer full): a new watchdog, attached
 */
TaWatchdog *
ta_watchdog_new (GMainContext *context,
                 gint64        threshold_us)
{
  g_return_val_if_fail (threshold_us > 0, NULL);

  return g_object_new (TA_TYPE_WATCHDOG,
                       "context", context,
                       "threshold", threshold_us,
                       NULL);
}

/**
 * ta_watchdog_is_attached:
 * @self: a watchdog
 *
 * Any thread.
 *
 * Returns: %TRUE until [method@Ta.Watchdog.detach]
 */
gboolean
ta_watchdog_is_attached (TaWatchdog *self)
{
  gboolean attached;

  g_return_val_if_fail (TA_IS_WATCHDOG (self), FALSE);

  ta_monitor_lock (&self->watch->monitor);
  attached = !self->watch->stopping;
  ta_monitor_unlock (&self->watch->monitor);

  return attached;
}

/**
 * ta_watchdog_get_context:
 * @self: a watchdog
 *
 * Any thread.
 *
 * Returns: (transfer none): the context watched
 */
GMainContext *
ta_watchdog_get_context (TaWatchdog *self)
{
  g_return_val_if_fail (TA_IS_WATCHDOG (self), NULL);
  return self->context;
}

/**
 * ta_watchdog_get_threshold:
 * @self: a watchdog
 *
 * Any thread.
 *
 * Returns: the threshold, in microseconds
 */
gint64
ta_watchdog_get_threshold (TaWatchdog *self)
{
  g_return_val_if_fail (TA_IS_WATCHDOG (self), 0);
  return self->threshold;
}

/**
 * ta_watchdog_get_interrupt_signal:
 * @self: a watchdog
 *
 * Any thread.
 *
 * Returns: the signal stalled threads are interrupted with, or 0
 */
int
ta_watchdog_get_interrupt_signal (TaWatchdog *self)
{
  g_return_val_if_fail (TA_IS_WATCHDOG (self), 0);
  return __atomic_load_n (&self->watch->interrupt_signal, __ATOMIC_RELAXED);
}

/**
 * ta_watchdog_set_interrupt_signal:
 * @self: a watchdog
 * @signum: a signal number, or 0 to never interrupt
 *
 * Sets [property@Ta.Watchdog:interrupt-signal]. Any thread; the change
 * notification is emitted on the calling thread.
 */
void
ta_watchdog_set_interrupt_signal (TaWatchdog *self,
                                  int         signum)
{
  g_return_if_fail (TA_IS_WATCHDOG (self));
  g_return_if_fail (signum >= 0 && signum < 64);

  if (__atomic_exchange_n (&self->watch->interrupt_signal, signum, __ATOMIC_RELAXED) != signum)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERRUPT_SIGNAL]);
}

/*
 * ta_watchdog_dup_stalled_stack:
 *
 * The C stack of the thread that last iterated the watched context,
 * through the interrupt signal, or %NULL without one (or from that thread
 * itself, or if it does not answer). Any thread: for messages about a
 * loop that does not respond.
 */
char *
ta_watchdog_dup_stalled_stack (TaWatchdog *self)
{
  int signum = ta_watchdog_get_interrupt_signal (self);
  int tid = __atomic_load_n (&self->watch->tid, __ATOMIC_RELAXED);
  g_autofree char *what = NULL;
  char *stack = NULL;

  if (tid <= 0 || signum <= 0 || tid == ta_gettid ())
    return NULL;
  if (!ta_sample_thread (tid, signum, &what, &stack))
    return NULL;

  return stack;
}

/**
 * ta_watchdog_get_n_stalls:
 * @self: a watchdog
 *
 * Any thread.
 *
 * Returns: how many stalls the watchdog has seen, including one going on
 */
guint
ta_watchdog_get_n_stalls (TaWatchdog *self)
{
  guint n;

  g_return_val_if_fail (TA_IS_WATCHDOG (self), 0);

  ta_monitor_lock (&self->watch->monitor);
  n = self->watch->n_stalls;
  ta_monitor_unlock (&self->watch->monitor);

  return n;
}

/**
 * ta_watchdog_get_longest_stall:
 * @self: a watchdog
 *
 * Any thread.
 *
 * Returns: the longest stall that is over, in microseconds, or 0
 */
gint64
ta_watchdog_get_longest_stall (TaWatchdog *self)
{
  gint64 longest;

  g_return_val_if_fail (TA_IS_WATCHDOG (self), 0);

  ta_monitor_lock (&self->watch->monitor);
  longest = self->watch->longest;
  ta_monitor_unlock (&self->watch->monitor);

  return longest;
}

/**
 * ta_watchdog_get_total_stalled:
 * @self: a watchdog
 *
 * Any thread.
 *
 * Returns: the total length of the stalls that are over, in microseconds
 */
gint64
ta_watchdog_get_total_stalled (TaWatchdog *self)
{
  gint64 total;

  g_return_val_if_fail (TA_IS_WATCHDOG (self), 0);

  ta_monitor_lock (&self->watch->monitor);
  total = self->watch->total;
  ta_monitor_unlock (&self->watch->monitor);

  return total;
}

static gint
ta_compare_source_totals (gconstpointer a,
                          gconstpointer b,
                          gpointer      user_data)
{
  GHashTable *sources = user_data;
  const TaSourceStats *sa = g_hash_table_lookup (sources, *(const char **) a);
  const TaSourceStats *sb = g_hash_table_lookup (sources, *(const char **) b);

  if (sa->total != sb->total)
    return sa->total > sb->total ? -1 : 1;
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

/**
 * ta_watchdog_dup_statistics:
 * @self: a watchdog
 *
 * The watchdog's statistics, as a dictionary (`a{sv}`): `n-stalls` (`u`),
 * `longest-us` and `total-us` (`x`, stalls that are over), and `sources`
 * (`a(suxx)`: what ran, how many stalls, their total and the longest, in
 * microseconds), the worst first. Any thread.
 *
 * Returns: (transfer full): a floating-free dictionary
 */
GVariant *
ta_watchdog_dup_statistics (TaWatchdog *self)
{
  TaWatch *watch;
  GVariantDict dict;
  GVariantBuilder sources;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;
  guint i;

  g_return_val_if_fail (TA_IS_WATCHDOG (self), NULL);

  watch = self->watch;
  g_variant_dict_init (&dict, NULL);
  g_variant_builder_init (&sources, G_VARIANT_TYPE ("a(suxx)"));

  ta_monitor_lock (&watch->monitor);
  g_variant_dict_insert (&dict, "n-stalls", "u", watch->n_stalls);
  g_variant_dict_insert (&dict, "longest-us", "x", watch->longest);
  g_variant_dict_insert (&dict, "total-us", "x", watch->total);
  g_hash_table_iter_init (&iter, watch->sources);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (names, key);
  g_ptr_array_sort_with_data (names, ta_compare_source_totals, watch->sources);
  for (i = 0; i < names->len; i++)
    {
      const TaSourceStats *stats = g_hash_table_lookup (watch->sources, names->pdata[i]);

      g_variant_builder_add (&sources, "(suxx)", names->pdata[i],
                             stats->count, stats->total, stats->longest);
    }
  ta_monitor_unlock (&watch->monitor);

  g_variant_dict_insert_value (&dict, "sources", g_variant_builder_end (&sources));

  return g_variant_ref_sink (g_variant_dict_end (&dict));
}
