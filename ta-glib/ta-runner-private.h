/* ta-runner-private.h: the state a runner shares with its thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ta-runner.h"
#include "ta-inbox-private.h"
#include "ta-monitor-private.h"

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

/*
 * What the runner thread is doing on behalf of ta-glib, for reports about
 * a loop that does not respond: "<prefix><name><suffix>". The strings
 * must stay valid until the activity is popped.
 */
typedef struct
{
  const char *prefix;
  const char *name;
  const char *suffix;
} TaActivity;

struct _TaRunnerCore
{
  gatomicrefcount  ref_count;
  guint64          serial;          /* immutable, unique per process */
  char            *name;            /* immutable */
  GMainContext    *context;         /* immutable */
  GMainLoop       *loop;            /* immutable */
  TaInbox         *inbox;           /* immutable */

  TaMonitor        monitor;         /* guards the fields below */
  TaCoreState      state;
  gboolean         iterating;       /* the loop has iterated once */
  gboolean         thread_alive;    /* between thread start and exit */
  GQueue           tasks;           /* outstanding TaTask, strong refs */
  GQueue           failed;          /* done, error not retrieved, strong */
  guint64          n_spawned;
  gboolean         draining;        /* stop is waiting for cancelled tasks */
  gboolean         drain_expired;   /* runner thread: the stop's deadline
                                     * failed what was left */
  gboolean         detached;        /* stopped without waiting (finalized
                                     * on the runner thread) */
  gboolean         failed_closed;   /* the stop collected the failed list */
  GPtrArray       *running_calls;   /* TaCall being run, for abandon */

  GMutex           waiters_mutex;
  GQueue           waiters;         /* TaWaiter of waits started in this
                                     * runner's context, strong; guarded
                                     * by waiters_mutex */

  GMutex           activity_mutex;
  TaActivity       activity;        /* guarded by activity_mutex */
  GPtrArray       *abandoned_tasks; /* names of tasks failed at the stop's
                                     * deadline, runner thread */

  gint64           default_call_timeout;  /* atomic */
  gint64           exit_timeout;          /* atomic */
  gint             spin;                  /* atomic */

  /* The stall-threshold watchdog's state, which the runner thread's poll
   * function marks busy and idle (see ta_runner_poll()); NULL for none.
   * Replaced from any thread: a watch replaced is kept, on
   * retired_watches, until the runner thread is no longer using it. */
  struct _TaWatch *watch;                 /* atomic, strong */
  GSList          *retired_watches;       /* TaWatch, strong; guarded by monitor */
  gint             has_retired;           /* atomic */

  /* Set before the thread starts, then the thread's. */
  TaThreadHookFunc thread_hook;
  gpointer         thread_hook_data;
  GDestroyNotify   thread_hook_destroy;

  /* For a pool (TaExecutor) rather than a runner: its tasks run on worker
   * threads, which publish their outcomes themselves. Immutable. */
  void           (*defer_publish) (TaTask *task);
};

TaRunnerCore *ta_runner_core_new              (const char   *name);
TaRunnerCore *ta_runner_peek_core             (TaRunner     *runner);
TaRunnerCore *ta_runner_core_ref              (TaRunnerCore *core);
void          ta_runner_core_set_current      (TaRunnerCore *core);
gint          ta_context_wakeup_fd            (GMainContext *context);
void          ta_context_sweep                (GMainContext *context,
                                               GSource      *except);
void          ta_runner_core_unref            (TaRunnerCore *core);
gboolean      ta_runner_core_is_current       (TaRunnerCore *core);
guint64       ta_runner_core_current_serial   (void);
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
void          ta_runner_core_add_task         (TaRunnerCore *core,
                                               TaTask       *task);
void          ta_runner_core_reject_task      (TaRunnerCore *core,
                                               TaTask       *task,
                                               const GError *error);
gboolean      ta_runner_core_task_done        (TaRunnerCore *core,
                                               TaTask       *task,
                                               gboolean      failed);
void          ta_runner_core_task_retrieved   (TaRunnerCore *core,
                                               TaTask       *task);
char         *ta_runner_core_describe_stuck   (TaRunnerCore *core);
GPtrArray    *ta_runner_core_take_unretrieved (TaRunnerCore *core,
                                               GString      *report);
gboolean      ta_runner_context_is_dead       (GMainContext *context);
gboolean      ta_runner_context_post          (GMainContext *context,
                                               TaWorkItem   *item);
void          ta_runner_core_kick             (TaRunnerCore *core);
void          ta_runner_core_kick_and_wait    (TaRunnerCore *core);

G_END_DECLS
