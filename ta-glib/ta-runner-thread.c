/* ta-runner-thread.c: a runner's thread: its main, its stop, its abandonment
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-call-private.h"
#include "ta-context-private.h"
#include "ta-runner-private.h"
#include "ta-task-private.h"
#include "ta-waiter-private.h"

typedef struct
{
  TaWorkItem     item;
  TaRunnerCore  *core;
  gint64         drain_end_time;   /* -1 for no limit */
} TaShutdown;

/* Runner thread: fails the tasks still in flight, which ignored their
 * cancellation, names them for the warning, and ends the loop. */
static void
ta_runner_core_fail_late_tasks (TaRunnerCore *core)
{
  GPtrArray *late = ta_ledger_dup_tasks (&core->scheduler.ledger);

  for (guint i = 0; i < late->len; i++)
    {
      TaTask *task = g_ptr_array_index (late, i);

      g_ptr_array_add (core->abandoned_tasks, g_strdup (ta_task_get_name (task)));
      ta_task_force_complete (task, NULL);
    }
  g_ptr_array_unref (late);

  core->drain_expired = TRUE;
  g_main_loop_quit (core->loop);
}

/* A source that is ready at its ready time, nothing else. */
static gboolean
ta_overtime_source_dispatch (GSource     *source,
                             GSourceFunc  callback,
                             gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs ta_overtime_source_funcs = {
  .dispatch = ta_overtime_source_dispatch,
};

/* Ready again one grace from now. */
static void
ta_overtime_source_rearm (GSource      *source,
                          TaRunnerCore *core)
{
  g_source_set_ready_time (source, g_get_monotonic_time () + core->overtime_grace);
}

/* Whether the stop cancelled every task and none of the @n_tasks left
 * completed since a look that saw @last_n_tasks. */
static gboolean
ta_runner_core_none_completed (TaRunnerCore *core,
                               guint         n_tasks,
                               guint         last_n_tasks)
{
  return core->cancelled_all && n_tasks > 0 && n_tasks >= last_n_tasks;
}

/*
 * Runner thread, every grace of a stop running late, at the lowest
 * priority: it runs only when nothing else is ready, so every completion
 * under way (a cancelled source, a GTask's idle return, a publication)
 * has run. If no task completed since the last such look, the tasks
 * left are waiting for something that does not come: they ignored their
 * cancellation.
 */
static gboolean
ta_runner_overtime_idle_cb (gpointer user_data)
{
  TaRunnerCore *core = user_data;
  guint n = ta_ledger_count_tasks (&core->scheduler.ledger);

  if (ta_runner_core_none_completed (core, n, core->idle_n_tasks))
    {
      ta_runner_core_fail_late_tasks (core);
      return G_SOURCE_REMOVE;
    }

  core->idle_n_tasks = n;
  ta_overtime_source_rearm (g_main_current_source (), core);
  return G_SOURCE_CONTINUE;
}

/*
 * The same at the inbox's priority, for a loop that is never idle: a
 * task that ignores its cancellation but keeps a source ready at all
 * times (an idle callback that re-arms itself) would starve the look
 * above. A loop still completing cancelled tasks goes through few
 * iterations between completions (a source's batch, the next one's, the
 * publications); one that iterates again and again without completing
 * anything is spinning on such a source.
 */
#define TA_OVERTIME_SPIN_ITERATIONS 64

static gboolean
ta_runner_overtime_busy_cb (gpointer user_data)
{
  TaRunnerCore *core = user_data;
  guint n = ta_ledger_count_tasks (&core->scheduler.ledger);
  guint iterations = __atomic_load_n (&core->n_iterations, __ATOMIC_RELAXED);

  if (ta_runner_core_none_completed (core, n, core->busy_n_tasks) &&
      iterations - core->busy_iterations >= TA_OVERTIME_SPIN_ITERATIONS)
    {
      ta_runner_core_fail_late_tasks (core);
      return G_SOURCE_REMOVE;
    }

  core->busy_n_tasks = n;
  core->busy_iterations = iterations;
  ta_overtime_source_rearm (g_main_current_source (), core);
  return G_SOURCE_CONTINUE;
}

static void
ta_runner_core_add_overtime_source (TaRunnerCore *core,
                                    const char   *name,
                                    gint          priority,
                                    GSourceFunc   func)
{
  GSource *source = g_source_new (&ta_overtime_source_funcs, sizeof (GSource));

  ta_overtime_source_rearm (source, core);
  g_source_set_static_name (source, name);
  g_source_set_priority (source, priority);
  g_source_set_callback (source, func, core, NULL);
  g_source_attach (source, core->context);
  g_source_unref (source);
}

/*
 * Runner thread, at the stop's drain deadline (three quarters of the exit
 * timeout) with tasks still in flight. They are not failed now: those
 * that honour their cancellation may simply be many, their completions
 * queued behind one another. From now on the loop looks, every grace,
 * whether tasks still complete; once they do not, what is left ignored
 * its cancellation and is failed. The stop, meanwhile, waits past the
 * exit timeout for as long as the loop goes on (see
 * ta_runner_core_wait_exit()).
 */
static gboolean
ta_runner_drain_timeout_cb (gpointer user_data)
{
  TaRunnerCore *core = user_data;
  guint n = ta_ledger_count_tasks (&core->scheduler.ledger);
  guint iterations = __atomic_load_n (&core->n_iterations, __ATOMIC_RELAXED);

  /* The deadline had its turn: the inbox need not break for it again. */
  ta_inbox_end_drain_breaks (core->inbox);

  core->idle_n_tasks = core->busy_n_tasks = n;
  core->busy_iterations = iterations;

  ta_monitor_lock (&core->monitor);
  core->overtime_grace = core->stop_grace;
  ta_monitor_unlock (&core->monitor);

  ta_runner_core_add_overtime_source (core, "[ta-glib] runner stop: idle look",
                                      G_PRIORITY_LOW, ta_runner_overtime_idle_cb);
  ta_runner_core_add_overtime_source (core, "[ta-glib] runner stop: busy look",
                                      G_PRIORITY_DEFAULT, ta_runner_overtime_busy_cb);

  return G_SOURCE_REMOVE;
}

/* Runner thread: everything queued before this item has been seen. */
static void
ta_shutdown_item_func (TaWorkItem *item,
                       gboolean    run)
{
  TaShutdown *shutdown = (TaShutdown *) item;
  TaRunnerCore *core = shutdown->core;
  GPtrArray *outstanding;
  TaActivity previous;

  if (!run)
    {
      g_free (shutdown);
      return;
    }

  previous = ta_runner_core_push_activity (core, "the runner's stop (cancelling its tasks)", NULL, NULL);

  /* From now on the completion of the last task ends the loop. */
  ta_ledger_start_drain (&core->scheduler.ledger);
  outstanding = ta_ledger_dup_tasks (&core->scheduler.ledger);

  /* Every one, even past the drain deadline: a task is only ever failed
   * for ignoring a cancellation it was given. */
  for (guint i = 0; i < outstanding->len; i++)
    ta_task_cancel (g_ptr_array_index (outstanding, i));
  g_ptr_array_unref (outstanding);
  core->cancelled_all = TRUE;

  if (ta_ledger_is_empty (&core->scheduler.ledger))
    g_main_loop_quit (core->loop);

  ta_runner_core_pop_activity (core, previous);
  g_free (shutdown);
}

/* Warns about tasks that ignored their cancellation until the stop's
 * deadline. Called once the runner thread is done with the list. */
void
ta_runner_core_warn_abandoned_tasks (TaRunnerCore *core)
{
  g_autoptr(GHashTable) counts = NULL;
  g_autoptr(GString) names = NULL;

  if (core->abandoned_tasks->len == 0)
    return;

  /* Each name once, in order, with how many tasks bore it: a loop that
   * spawned 500 of them makes one short line, not 500 names. */
  counts = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < core->abandoned_tasks->len; i++)
    {
      const char *name = g_ptr_array_index (core->abandoned_tasks, i);
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));

      g_hash_table_insert (counts, (gpointer) name, GUINT_TO_POINTER (count + 1));
    }
  names = g_string_new (NULL);
  for (guint i = 0; i < core->abandoned_tasks->len; i++)
    {
      const char *name = g_ptr_array_index (core->abandoned_tasks, i);
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));

      if (count == 0)
        continue;  /* named already */
      g_string_append_printf (names, "%s“%s”", names->len > 0 ? ", " : "", name);
      if (count > 1)
        g_string_append_printf (names, " × %u", count);
      g_hash_table_insert (counts, (gpointer) name, GUINT_TO_POINTER (0));
    }

  g_warning ("Runner “%s” stopped while tasks were still running after being "
             "cancelled: %s. They were failed at the exit timeout and their "
             "work abandoned; tasks should pass their cancellable to what "
             "they start", core->name, names->str);
  g_ptr_array_set_size (core->abandoned_tasks, 0);
}

/*
 * Runner thread, once its loop has quit: lets completions that are ready
 * run, then destroys every source left on the context, so that what they
 * hold is released here and now. Work that ignored its cancellation holds
 * references to the context (through its GTask) that would otherwise keep
 * it, and everything attached to it, alive forever.
 */
static void
ta_runner_core_sweep (TaRunnerCore *core)
{
  /* Not when the stop's deadline ended the loop: the tasks are failed
   * already, and with tens of thousands of sources left each iteration
   * would cost what the exit timeout no longer has. */
  for (guint i = 0; i < 64 && !core->drain_expired; i++)
    if (!g_main_context_iteration (core->context, FALSE))
      break;

  ta_inbox_kill (core->inbox);
  ta_context_sweep (core->context, ta_inbox_get_source (core->inbox));
}

/*
 * Any thread, once nothing will run in the runner's context again: the
 * waits its tasks left in queues, events, futures and tasks can never
 * complete there. They are taken out, so that what comes later goes to
 * consumers that are alive (and a pending push's item is freed), and what
 * they hold, down to the context, is let go. The context is dead by now:
 * their failures are dropped without running.
 */
static void
ta_runner_core_detach_waiters (TaRunnerCore *core)
{
  GQueue waiters;

  ta_mutex_lock (&core->waiters_mutex);
  waiters = core->waiters;
  g_queue_init (&core->waiters);
  for (GList *l = waiters.head; l != NULL; l = l->next)
    ((TaWaiter *) l->data)->registered = FALSE;
  ta_mutex_unlock (&core->waiters_mutex);

  ta_waiter_detach_list (&waiters);
}

static gboolean
ta_runner_started_cb (gpointer user_data)
{
  TaRunnerCore *core = user_data;

  ta_monitor_lock (&core->monitor);
  core->iterating = TRUE;
  ta_monitor_broadcast (&core->monitor);
  ta_monitor_unlock (&core->monitor);

  return G_SOURCE_REMOVE;
}

gpointer
ta_runner_thread_main (gpointer user_data)
{
  TaRunnerCore *core = user_data;  /* the thread's reference */
  GSource *source;

  ta_runner_core_set_current (core);
  g_main_context_push_thread_default (core->context);

  if (core->thread_hook != NULL)
    core->thread_hook (TRUE, core->thread_hook_data);

  source = g_idle_source_new ();
  g_source_set_static_name (source, "[ta-glib] runner started");
  g_source_set_priority (source, G_PRIORITY_HIGH);
  g_source_set_callback (source, ta_runner_started_cb, core, NULL);
  g_source_attach (source, core->context);
  g_source_unref (source);

  g_main_loop_run (core->loop);

  /* Nothing queued can run any more; the inbox is closed by now. */
  ta_work_item_discard_list (ta_inbox_steal_all (core->inbox));
  ta_runner_core_sweep (core);
  ta_runner_core_detach_waiters (core);

  /* Nobody waits for a detached stop: report here. */
  if (core->detached)
    ta_runner_core_warn_abandoned_tasks (core);

  if (core->thread_hook != NULL)
    {
      core->thread_hook (FALSE, core->thread_hook_data);
      if (core->thread_hook_destroy != NULL)
        core->thread_hook_destroy (core->thread_hook_data);
      core->thread_hook = NULL;
      core->thread_hook_destroy = NULL;
    }

  /* Nobody is left to report errors to when the runner was dropped on
   * this thread: say so rather than lose them. */
  if (core->detached)
    {
      GString *report = g_string_new (NULL);
      GPtrArray *unretrieved = ta_ledger_take_unretrieved (&core->scheduler.ledger, report);

      if (unretrieved->len > 0)
        g_warning ("Runner “%s” was finalized on its own thread; task errors "
                   "were never retrieved:%s", core->name, report->str);
      g_ptr_array_unref (unretrieved);
      g_string_free (report, TRUE);
    }

  g_main_context_pop_thread_default (core->context);
  ta_runner_core_set_current (NULL);

  ta_monitor_lock (&core->monitor);
  core->thread_alive = FALSE;
  ta_monitor_broadcast (&core->monitor);
  ta_monitor_unlock (&core->monitor);

  ta_runner_core_unref (core);

  return NULL;
}

/*
 * Any thread but the runner's, once the runner is abandoned: fails what the
 * stuck loop will never get to, so that nobody waits for it forever.
 */
void
ta_runner_core_abandon (TaRunnerCore *core)
{
  GPtrArray *outstanding;
  GPtrArray *running;

  /* Nothing will run there again: what is posted from now on is dropped
   * at once, what was queued goes now, and so do the waits. */
  ta_inbox_kill (core->inbox);
  ta_runner_core_detach_waiters (core);

  outstanding = ta_ledger_dup_tasks (&core->scheduler.ledger);
  ta_monitor_lock (&core->monitor);
  running = g_ptr_array_copy (core->running_calls, NULL, NULL);
  /* The calls stay alive: the stuck thread holds them until they return. */
  for (guint i = 0; i < running->len; i++)
    g_atomic_ref_count_inc (&((TaCall *) g_ptr_array_index (running, i))->ref_count);
  ta_monitor_unlock (&core->monitor);

  for (guint i = 0; i < outstanding->len; i++)
    ta_task_force_complete (g_ptr_array_index (outstanding, i), NULL);
  g_ptr_array_unref (outstanding);

  /* The shutdown item went with the rest of the inbox: if the thread ever
   * unblocks, its loop ends right there. */
  g_main_loop_quit (core->loop);

  for (guint i = 0; i < running->len; i++)
    {
      TaCall *call = g_ptr_array_index (running, i);

      ta_call_set_state (call, TA_CALL_ABANDONED);
      ta_call_unref (call);
    }
  g_ptr_array_unref (running);
}

/*
 * ta_runner_core_wait_exit:
 * @end_time: when the exit timeout runs out, or -1 for never
 *
 * Any thread but the runner's, once its stop began: waits for the runner
 * thread to end. A loop that showed no sign of life (an iteration, a
 * piece of work it names, such as a task's step or the stop's
 * cancellations, a task completed) since the stop began is stuck at
 * @end_time. One that
 * did is waited for past it while it goes on showing some within each
 * further exit timeout (at least two seconds: a single dispatch of a
 * batch of ready sources, a few hundred thousand cancelled tasks, may
 * take a second on a busy machine), until the tasks that honour their
 * cancellation completed and those that ignore it were failed (see
 * ta_runner_drain_timeout_cb()).
 *
 * Returns: %TRUE if the thread is still alive: it is to be abandoned
 */
gboolean
ta_runner_core_wait_exit (TaRunnerCore *core,
                          gint64        end_time,
                          gint64        exit_timeout)
{
  gint64 slice = MAX (exit_timeout, TA_RUNNER_MIN_LATE_SLICE_US);
  guint last_n_tasks, last_iterations, last_activities;
  gint64 last_time;
  gboolean lived = FALSE;

  ta_monitor_lock (&core->monitor);
  last_n_tasks = core->stop_n_tasks;
  last_iterations = core->stop_iterations;
  last_activities = core->stop_activities;
  last_time = core->stop_time;
  ta_monitor_unlock (&core->monitor);

  for (;;)
    {
      guint n_tasks, iterations, activities;
      gboolean alive;
      gint64 now;

      ta_monitor_lock (&core->monitor);
      while (core->thread_alive)
        if (!ta_monitor_wait_until (&core->monitor, end_time))
          break;
      alive = core->thread_alive;
      ta_monitor_unlock (&core->monitor);

      if (!alive)
        return FALSE;

      n_tasks = ta_ledger_count_tasks (&core->scheduler.ledger);
      iterations = __atomic_load_n (&core->n_iterations, __ATOMIC_RELAXED);
      activities = __atomic_load_n (&core->n_activities, __ATOMIC_RELAXED);
      now = g_get_monotonic_time ();
      if (n_tasks < last_n_tasks || iterations != last_iterations ||
          activities != last_activities)
        {
          last_n_tasks = n_tasks;
          last_iterations = iterations;
          last_activities = activities;
          last_time = now;
        }
      else if (!lived || now >= last_time + slice)
        {
          return TRUE;
        }
      lived = TRUE;
      end_time = last_time + slice;
    }
}

typedef struct
{
  TaRunnerCore *core;
  gint64        end_time;
  gint64        exit_timeout;
} TaStopWatch;

/* Enforces the exit timeout of a runner that was stopped from its own
 * thread, where nobody can wait for it. */
static gpointer
ta_runner_watchdog_thread (gpointer data)
{
  TaStopWatch *watchdog = data;
  TaRunnerCore *core = watchdog->core;

  if (ta_runner_core_wait_exit (core, watchdog->end_time, watchdog->exit_timeout))
    {
      g_autofree char *stuck = ta_runner_core_describe_stuck (core);

      g_warning ("Runner “%s”, stopped from its own thread, did not stop within "
                 "its exit timeout: its loop is stuck in %s. Its thread was "
                 "abandoned", core->name, stuck);
      ta_runner_core_abandon (core);
    }

  ta_runner_core_unref (core);
  g_free (watchdog);

  return NULL;
}

/*
 * Any thread, as a stop begins: arms the drain deadline, from which the
 * loop looks for tasks that ignore their cancellation (see
 * ta_runner_drain_timeout_cb()). Armed now, not when the loop reaches the
 * stop: what was queued before it (a storm of spawns) may take the loop
 * longer than the exit timeout to get through. At the inbox's priority,
 * so that a loop that is never idle still gets to it.
 */
static void
ta_runner_core_arm_drain_deadline (TaRunnerCore *core,
                                   gint64        end_time)
{
  GSource *source;

  if (end_time < 0)
    return;

  source = g_timeout_source_new (0);
  g_source_set_ready_time (source, end_time);
  g_source_set_static_name (source, "[ta-glib] runner stop deadline");
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, ta_runner_drain_timeout_cb, core, NULL);
  g_source_attach (source, core->context);
  g_source_unref (source);
}

/*
 * Any thread, as a stop begins: closes the inbox behind an item that
 * cancels the outstanding tasks and ends the loop once they completed, and
 * arms the deadline at three quarters of @exit_timeout from which tasks
 * that no longer complete are failed. Closing the inbox and queueing the shutdown is one
 * step: whatever was queued before runs first, nothing can be queued after.
 */
void
ta_runner_core_shut_down (TaRunnerCore *core,
                          gint64        exit_timeout)
{
  TaShutdown *shutdown = g_new0 (TaShutdown, 1);
  guint n_tasks;

  shutdown->item.func = ta_shutdown_item_func;
  shutdown->core = core;
  shutdown->drain_end_time = ta_end_time_from_timeout (exit_timeout < 0 ? -1 : exit_timeout / 4 * 3);

  /* Where the loop stands as the stop begins: it shows it is alive by
   * moving on from here (see ta_runner_core_wait_exit()). */
  n_tasks = ta_ledger_count_tasks (&core->scheduler.ledger);
  ta_monitor_lock (&core->monitor);
  core->stop_grace = MAX (exit_timeout / 8, TA_RUNNER_MIN_STOP_GRACE_US);
  core->stop_n_tasks = n_tasks;
  core->stop_iterations = __atomic_load_n (&core->n_iterations, __ATOMIC_RELAXED);
  core->stop_activities = __atomic_load_n (&core->n_activities, __ATOMIC_RELAXED);
  core->stop_time = g_get_monotonic_time ();
  ta_monitor_unlock (&core->monitor);

  ta_runner_core_arm_drain_deadline (core, shutdown->drain_end_time);
  ta_inbox_close (core->inbox, &shutdown->item, shutdown->drain_end_time);
}

/*
 * Any thread, for a stop nobody waits for: abandons the runner's thread
 * from a thread of its own if it is still alive after @exit_timeout
 * (negative: never).
 */
void
ta_runner_core_watch_exit (TaRunnerCore *core,
                           gint64        exit_timeout)
{
  TaStopWatch *watchdog;

  if (exit_timeout < 0)
    return;

  watchdog = g_new0 (TaStopWatch, 1);
  watchdog->core = ta_runner_core_ref (core);
  watchdog->end_time = ta_end_time_from_timeout (exit_timeout);
  watchdog->exit_timeout = exit_timeout;
  g_thread_unref (g_thread_new ("ta-runner-watchdog", ta_runner_watchdog_thread, watchdog));
}
