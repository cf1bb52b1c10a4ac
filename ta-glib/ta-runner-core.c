/* ta-runner-core.c: what a runner's thread needs to live, and its ledger of tasks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-context-private.h"
#include "ta-error.h"
#include "ta-runner-private.h"
#include "ta-task-private.h"
#include "ta-watchdog-private.h"

static const TaSchedulerClass ta_runner_scheduler_class;

/* Runner thread: drops the watches replaced since it last looked. It
 * uses none while it does. */
static void
ta_runner_core_free_retired_watches (TaRunnerCore *core)
{
  GSList *retired;

  ta_monitor_lock (&core->monitor);
  retired = g_steal_pointer (&core->retired_watches);
  g_atomic_int_set (&core->has_retired, FALSE);
  ta_monitor_unlock (&core->monitor);

  g_slist_free_full (retired, (GDestroyNotify) ta_watch_unref);
}

/* Any thread, with the monitor locked: @watch (transfer full, nullable)
 * is the one the runner thread marks from its next poll on. */
void
ta_runner_core_set_watch_locked (TaRunnerCore *core,
                                 TaWatch      *watch)
{
  TaWatch *old = __atomic_exchange_n (&core->watch, watch, __ATOMIC_ACQ_REL);

  /* The runner thread may be marking it right now. */
  if (old != NULL)
    {
      core->retired_watches = g_slist_prepend (core->retired_watches, old);
      g_atomic_int_set (&core->has_retired, TRUE);
    }
}

/* Counts a sign of the runner thread's life, for a stop running late
 * (ta_runner_core_wait_exit()). Only that thread writes the count: no
 * read-modify-write needed. */
static inline void
ta_runner_core_count (guint *count)
{
  __atomic_store_n (count, __atomic_load_n (count, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

static gint
ta_runner_poll (GPollFD *ufds,
                guint    nfds,
                gint     timeout)
{
  TaRunnerCore *core = ta_runner_core_peek_current ();
  TaWatch *watch;
  gint64 before, after;
  gint ret;

  /* The runner's idle wait: the one place where its thread sleeps. */
  if (core == NULL)
    return g_poll (ufds, nfds, timeout);

  /* The stall watchdog's hooks: busy from one poll to the next. Here
   * rather than in a source of its own, which would add GLib's per-source
   * work to every iteration. A watch replaced during the poll is not
   * marked busy any more; its successor is, at once. */
  if (G_UNLIKELY (g_atomic_int_get (&core->has_retired)))
    ta_runner_core_free_retired_watches (core);
  watch = __atomic_load_n (&core->watch, __ATOMIC_ACQUIRE);
  if (watch == NULL)
    {
      ret = ta_inbox_poll (core->inbox, g_atomic_int_get (&core->spin), ufds, nfds, timeout);
      /* As the poll returns: a wake-up is a sign of life. */
      ta_runner_core_count (&core->n_iterations);
      return ret;
    }

  /* The marks share the poll's own clock readings: the watchdog adds
   * none to most iterations. */
  before = ta_watch_mark_idle (watch);
  ret = ta_inbox_poll_timed (core->inbox, g_atomic_int_get (&core->spin), ufds, nfds, timeout,
                             before, &after);
  watch = __atomic_load_n (&core->watch, __ATOMIC_ACQUIRE);
  if (watch != NULL)
    {
      /* Before the mark, which publishes it: whoever sees the loop busy
       * sees the turn. */
      ta_inbox_begin_turn (core->inbox);
      ta_watch_mark_busy (watch, after);
    }
  ta_runner_core_count (&core->n_iterations);

  return ret;
}

TaRunnerCore *
ta_runner_core_new (const char *name)
{
  TaRunnerCore *core = g_new0 (TaRunnerCore, 1);

  g_atomic_ref_count_init (&core->ref_count);
  core->name = g_strdup (name);
  ta_scheduler_init (&core->scheduler, &ta_runner_scheduler_class, core->name);
  core->context = g_main_context_new ();
  g_main_context_set_poll_func (core->context, ta_runner_poll);
  core->loop = g_main_loop_new (core->context, FALSE);
  core->inbox = ta_inbox_new (core->context);
  ta_inbox_set_prepare (core->inbox, ta_task_claim_item, ta_task_prepare_claimed);
  ta_monitor_init (&core->monitor);
  core->state = TA_CORE_NEW;
  core->running_calls = g_ptr_array_new ();
  core->abandoned_tasks = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&core->activity_mutex);
  g_mutex_init (&core->waiters_mutex);
  g_queue_init (&core->waiters);
  core->default_call_timeout = TA_TIMEOUT_INFINITE;
  core->exit_timeout = TA_RUNNER_DEFAULT_EXIT_TIMEOUT_US;
  core->spin = TRUE;

  return core;
}

TaRunnerCore *
ta_runner_core_ref (TaRunnerCore *core)
{
  g_atomic_ref_count_inc (&core->ref_count);
  return core;
}

void
ta_runner_core_unref (TaRunnerCore *core)
{
  if (!ta_ref_count_dec (&core->ref_count))
    return;

  ta_monitor_sync_for_finalize (&core->monitor);
  g_assert (core->running_calls->len == 0);
  g_assert (g_queue_is_empty (&core->waiters));

  /* A hook of a runner that never ran. */
  if (core->thread_hook_destroy != NULL)
    core->thread_hook_destroy (core->thread_hook_data);

  ta_inbox_kill (core->inbox);
  ta_inbox_free (core->inbox);
  g_main_loop_unref (core->loop);
  g_main_context_unref (core->context);
  g_ptr_array_unref (core->running_calls);
  g_ptr_array_unref (core->abandoned_tasks);
  g_clear_pointer (&core->watch, ta_watch_unref);
  g_slist_free_full (core->retired_watches, (GDestroyNotify) ta_watch_unref);
  g_mutex_clear (&core->activity_mutex);
  g_mutex_clear (&core->waiters_mutex);
  ta_monitor_clear (&core->monitor);
  ta_scheduler_clear (&core->scheduler);
  g_free (core->name);
  g_free (core);
}

/* Makes @core the scheduler of the calling thread, the runner's, for
 * deadlock checks; %NULL when the thread is done. */
void
ta_runner_core_set_current (TaRunnerCore *core)
{
  ta_scheduler_set_current (core != NULL ? &core->scheduler : NULL);
}

gboolean
ta_runner_core_is_current (TaRunnerCore *core)
{
  return ta_scheduler_get_current () == &core->scheduler;
}

/* The core of the runner whose thread this is (borrowed), or %NULL. */
TaRunnerCore *
ta_runner_core_peek_current (void)
{
  TaScheduler *scheduler = ta_scheduler_get_current ();

  if (scheduler == NULL || scheduler->klass != &ta_runner_scheduler_class)
    return NULL;

  return (TaRunnerCore *) scheduler;
}

gint64
ta_runner_core_resolve_timeout (TaRunnerCore *core,
                                gint64        timeout_us)
{
  if (timeout_us == TA_TIMEOUT_DEFAULT)
    return ta_atomic_get_int64 (&core->default_call_timeout);

  return timeout_us;
}

/*
 * Records what the runner thread is doing on behalf of ta-glib, and
 * returns what it was doing before, for ta_runner_core_pop_activity():
 * activities nest (a task function that dispatches more work). Runner
 * thread only; nothing is copied, so it costs two uncontended locks.
 */
TaActivity
ta_runner_core_push_activity (TaRunnerCore *core,
                              const char   *prefix,
                              const char   *name,
                              const char   *suffix)
{
  TaActivity previous;

  /* Work begun: a sign of life even within one long dispatch. */
  ta_runner_core_count (&core->n_activities);

  ta_mutex_lock (&core->activity_mutex);
  previous = core->activity;
  core->activity.prefix = prefix;
  core->activity.name = name;
  core->activity.suffix = suffix;
  ta_mutex_unlock (&core->activity_mutex);

  return previous;
}

void
ta_runner_core_pop_activity (TaRunnerCore *core,
                             TaActivity    previous)
{
  ta_mutex_lock (&core->activity_mutex);
  core->activity = previous;
  ta_mutex_unlock (&core->activity_mutex);
}

/* Any thread: formats the current activity, or %NULL if none. */
char *
ta_runner_core_dup_activity (TaRunnerCore *core)
{
  char *activity = NULL;

  ta_mutex_lock (&core->activity_mutex);
  if (core->activity.prefix != NULL)
    activity = g_strconcat (core->activity.prefix,
                            core->activity.name != NULL ? core->activity.name : "",
                            core->activity.suffix != NULL ? core->activity.suffix : "",
                            NULL);
  ta_mutex_unlock (&core->activity_mutex);

  return activity;
}

/* Any thread: whether the runner thread has published what it runs. */
gboolean
ta_runner_core_has_activity (TaRunnerCore *core)
{
  gboolean has;

  ta_mutex_lock (&core->activity_mutex);
  has = core->activity.prefix != NULL;
  ta_mutex_unlock (&core->activity_mutex);

  return has;
}

/* Any thread: whether the runner thread is on its way to what its inbox
 * runs, which it will name (see ta_inbox_in_turn()). */
gboolean
ta_runner_core_in_inbox_turn (TaRunnerCore *core)
{
  return ta_inbox_in_turn (core->inbox);
}

/* What the loop is busy with, for messages about a loop that does not
 * respond: "task “x”", or a GSource that ta-glib knows nothing about. */
char *
ta_runner_core_describe_stuck (TaRunnerCore *core)
{
  char *activity = ta_runner_core_dup_activity (core);

  if (activity != NULL)
    return activity;

  return g_strdup ("a GSource that ta-glib did not dispatch");
}

/* Why @core refuses work: it never started, or it stopped. */
void
ta_runner_core_set_not_running_error (TaRunnerCore  *core,
                                      GError       **error)
{
  TaCoreState state;

  ta_monitor_lock (&core->monitor);
  state = core->state;
  ta_monitor_unlock (&core->monitor);

  if (state == TA_CORE_NEW)
    g_set_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING,
                 "Runner “%s” has not been started", core->name);
  else
    g_set_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING,
                 "Runner “%s” is stopped", core->name);
}

/* Asks the runner of @core to look at its sources again. Any thread. */
void
ta_runner_core_kick (TaRunnerCore *core)
{
  ta_inbox_kick (core->inbox);
}

/* A kick from a thread that waits right after it for the iteration. */
void
ta_runner_core_kick_and_wait (TaRunnerCore *core)
{
  ta_inbox_kick_and_wait (core->inbox);
}

/* ---------------------------------------------------------------------- */
/* The runner as a scheduler                                               */
/* ---------------------------------------------------------------------- */

static void
ta_runner_scheduler_ref (TaScheduler *scheduler)
{
  ta_runner_core_ref ((TaRunnerCore *) scheduler);
}

static void
ta_runner_scheduler_unref (TaScheduler *scheduler)
{
  ta_runner_core_unref ((TaRunnerCore *) scheduler);
}

/* Through the inbox, which refuses work once the runner stops. */
static gboolean
ta_runner_scheduler_submit (TaScheduler  *scheduler,
                            TaTask       *task,
                            GError      **error)
{
  TaRunnerCore *core = (TaRunnerCore *) scheduler;

  if (ta_inbox_push (core->inbox, &task->item))
    return TRUE;

  g_object_unref (task);  /* the queue's reference, never taken */
  ta_runner_core_set_not_running_error (core, error);

  return FALSE;
}

/* In a later dispatch of the inbox, even while the runner stops. */
static void
ta_runner_scheduler_publish (TaScheduler *scheduler,
                             TaWorkItem  *item)
{
  ta_inbox_push_local (((TaRunnerCore *) scheduler)->inbox, item);
}

/* The stop waited for the cancelled tasks: the loop may end. */
static void
ta_runner_scheduler_drained (TaScheduler *scheduler)
{
  g_main_loop_quit (((TaRunnerCore *) scheduler)->loop);
}

static gint64
ta_runner_scheduler_resolve_timeout (TaScheduler *scheduler,
                                     gint64       timeout_us)
{
  return ta_runner_core_resolve_timeout ((TaRunnerCore *) scheduler, timeout_us);
}

static TaActivity
ta_runner_scheduler_push_activity (TaScheduler *scheduler,
                                   const char  *prefix,
                                   const char  *name,
                                   const char  *suffix)
{
  return ta_runner_core_push_activity ((TaRunnerCore *) scheduler, prefix, name, suffix);
}

static void
ta_runner_scheduler_pop_activity (TaScheduler *scheduler,
                                  TaActivity   previous)
{
  ta_runner_core_pop_activity ((TaRunnerCore *) scheduler, previous);
}

static const TaSchedulerClass ta_runner_scheduler_class = {
  .ref = ta_runner_scheduler_ref,
  .unref = ta_runner_scheduler_unref,
  .submit = ta_runner_scheduler_submit,
  .publish = ta_runner_scheduler_publish,
  .drained = ta_runner_scheduler_drained,
  .resolve_timeout = ta_runner_scheduler_resolve_timeout,
  .push_activity = ta_runner_scheduler_push_activity,
  .pop_activity = ta_runner_scheduler_pop_activity,
};
