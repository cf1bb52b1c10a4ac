/* ta-runner-private.h: the state a runner shares with its thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ta-runner.h"
#include "ta-inbox-private.h"
#include "ta-monitor-private.h"
#include "ta-scheduler-private.h"

G_BEGIN_DECLS

typedef enum {
  TA_CORE_NEW,
  TA_CORE_STARTING,
  TA_CORE_RUNNING,
  TA_CORE_STOPPING,
  TA_CORE_STOPPED,
} TaCoreState;

/*
 * TaRunnerCore is what the runner thread needs to live. The TaRunner
 * object, the runner thread and every task hold a reference, so the thread
 * can outlive the object (an abandoned loop, or a last unref on the runner
 * thread itself) and nothing it touches is freed under it.
 */
typedef struct _TaRunnerCore TaRunnerCore;

struct _TaRunnerCore
{
  TaScheduler      scheduler;       /* first: a runner is a scheduler */
  gatomicrefcount  ref_count;

  /* Immutable */
  char            *name;
  GMainContext    *context;
  GMainLoop       *loop;
  TaInbox         *inbox;

  /* Protected by monitor */
  TaMonitor        monitor;
  TaCoreState      state;
  gboolean         iterating;       /* the loop has iterated once */
  gboolean         thread_alive;    /* between thread start and exit */
  gboolean         detached;        /* stopped without waiting (finalized
                                     * on the runner thread) */
  GPtrArray       *running_calls;   /* TaCall being run, for abandon */
  gint64           stop_grace;      /* how often a late stop looks for
                                     * tasks that ignore cancellation */
  guint            stop_n_tasks;    /* tasks in flight as the stop began */
  guint            stop_iterations; /* n_iterations then */
  guint            stop_activities; /* n_activities then */
  gint64           stop_time;       /* and the time */

  /* Protected by waiters_mutex: TaWaiter of waits started in this
   * runner's context, strong */
  GMutex           waiters_mutex;
  GQueue           waiters;

  /* Protected by activity_mutex: what the runner thread runs */
  GMutex           activity_mutex;
  TaActivity       activity;

  /* The runner thread only */
  gboolean         drain_expired;   /* the stop failed what ignored its
                                     * cancellation */
  gboolean         cancelled_all;   /* the stop cancelled every task */
  gint64           overtime_grace;  /* stop_grace, once it runs late */
  guint            idle_n_tasks;    /* in flight at its last idle look */
  guint            busy_n_tasks;    /* ... and at its last busy look */
  guint            busy_iterations; /* n_iterations then */

  /* Written by the runner thread, read anywhere, signs of life a stop
   * running late watches for: its loop's iterations, and the pieces of
   * work it names (a task's step, a call, the stop's cancellations) */
  guint            n_iterations;
  guint            n_activities;
  GPtrArray       *abandoned_tasks; /* names of tasks failed at the stop's
                                     * deadline */

  /* Atomic */
  gint64           default_call_timeout;
  gint64           exit_timeout;
  gint             spin;

  /* The stall-threshold watchdog's state, which the runner thread's poll
   * function marks busy and idle (see ta_runner_poll()); NULL for none.
   * Replaced from any thread: a watch replaced is kept, on
   * retired_watches, until the runner thread is no longer using it. */
  struct _TaWatch *watch;                 /* atomic, strong */
  GSList          *retired_watches;       /* TaWatch, strong; guarded by monitor */
  gint             has_retired;           /* atomic */

  /* Set before the thread starts, then the thread's */
  TaThreadHookFunc thread_hook;
  gpointer         thread_hook_data;
  GDestroyNotify   thread_hook_destroy;
};

TaRunnerCore *ta_runner_core_new              (const char   *name);
TaRunnerCore *ta_runner_peek_core             (TaRunner     *runner);
TaRunnerCore *ta_runner_core_ref              (TaRunnerCore *core);
void          ta_runner_core_set_current      (TaRunnerCore *core);
void          ta_runner_core_unref            (TaRunnerCore *core);
gboolean      ta_runner_core_is_current       (TaRunnerCore *core);
TaRunnerCore *ta_runner_core_peek_current     (void);
gint64        ta_runner_core_resolve_timeout  (TaRunnerCore *core,
                                               gint64        timeout_us);
TaActivity    ta_runner_core_push_activity    (TaRunnerCore *core,
                                               const char   *prefix,
                                               const char   *name,
                                               const char   *suffix);
void          ta_runner_core_pop_activity     (TaRunnerCore *core,
                                               TaActivity    previous);
char         *ta_runner_core_dup_activity     (TaRunnerCore *core);
gboolean      ta_runner_core_has_activity     (TaRunnerCore *core);
gboolean      ta_runner_core_in_inbox_turn    (TaRunnerCore *core);
void          ta_runner_core_set_watch_locked (TaRunnerCore    *core,
                                               struct _TaWatch *watch);
char         *ta_runner_core_describe_stuck   (TaRunnerCore *core);
void          ta_runner_core_kick             (TaRunnerCore *core);
void          ta_runner_core_kick_and_wait    (TaRunnerCore *core);
void          ta_runner_core_set_not_running_error (TaRunnerCore  *core,
                                                    GError       **error);

/* ta-runner-thread.c */
gpointer      ta_runner_thread_main           (gpointer      user_data);
void          ta_runner_core_shut_down        (TaRunnerCore *core,
                                               gint64        exit_timeout);
void          ta_runner_core_watch_exit       (TaRunnerCore *core,
                                               gint64        exit_timeout);
void          ta_runner_core_abandon          (TaRunnerCore *core);
gboolean      ta_runner_core_wait_exit        (TaRunnerCore *core,
                                               gint64        end_time,
                                               gint64        exit_timeout);
void          ta_runner_core_warn_abandoned_tasks (TaRunnerCore *core);

#define TA_RUNNER_DEFAULT_EXIT_TIMEOUT_US (1 * G_USEC_PER_SEC)

/* The least time between two looks of a stop running late for tasks
 * that ignore their cancellation. */
#define TA_RUNNER_MIN_STOP_GRACE_US 1000

/* The least time a stop running late waits for a sign of life. */
#define TA_RUNNER_MIN_LATE_SLICE_US (2 * G_USEC_PER_SEC)

static inline gint64
ta_atomic_get_int64 (gint64 *location)
{
  return __atomic_load_n (location, __ATOMIC_RELAXED);
}

static inline gint64
ta_atomic_exchange_int64 (gint64 *location,
                          gint64  value)
{
  return __atomic_exchange_n (location, value, __ATOMIC_RELAXED);
}

G_END_DECLS
