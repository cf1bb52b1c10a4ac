/* ta-runner-core.c: what a runner's thread needs to live, and its ledger of tasks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-context-private.h"
#include "ta-error.h"
#include "ta-runner-private.h"
#include "ta-task-private.h"

/* The core of the runner whose thread this is, if any. */
static GPrivate current_core;

static gint
ta_runner_poll (GPollFD *ufds,
                guint    nfds,
                gint     timeout)
{
  TaRunnerCore *core = g_private_get (&current_core);

  /* The runner's idle wait: the one place where its thread sleeps. */
  if (core == NULL)
    return g_poll (ufds, nfds, timeout);

  return ta_inbox_poll (core->inbox, g_atomic_int_get (&core->spin), ufds, nfds, timeout);
}

TaRunnerCore *
ta_runner_core_new (const char *name)
{
  static guint64 last_serial;
  TaRunnerCore *core = g_new0 (TaRunnerCore, 1);

  g_atomic_ref_count_init (&core->ref_count);
  core->serial = __atomic_add_fetch (&last_serial, 1, __ATOMIC_RELAXED);
  core->name = g_strdup (name);
  core->context = g_main_context_new ();
  g_main_context_set_poll_func (core->context, ta_runner_poll);
  core->loop = g_main_loop_new (core->context, FALSE);
  core->inbox = ta_inbox_new (core->context);
  ta_inbox_set_prepare (core->inbox, ta_task_claim_item, ta_task_prepare_claimed);
  ta_monitor_init (&core->monitor);
  core->state = TA_CORE_NEW;
  g_queue_init (&core->tasks);
  g_queue_init (&core->failed);
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
  g_assert (g_queue_is_empty (&core->tasks));
  g_assert (g_queue_is_empty (&core->failed));
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
  g_mutex_clear (&core->activity_mutex);
  g_mutex_clear (&core->waiters_mutex);
  ta_monitor_clear (&core->monitor);
  g_free (core->name);
  g_free (core);
}

/* Makes @core the one of the calling thread (a runner's or a pool's
 * worker), for deadlock checks; %NULL when the thread is done. */
void
ta_runner_core_set_current (TaRunnerCore *core)
{
  g_private_set (&current_core, core);
}

gboolean
ta_runner_core_is_current (TaRunnerCore *core)
{
  return g_private_get (&current_core) == core;
}

/* The core of the runner whose thread this is (borrowed), or %NULL. */
TaRunnerCore *
ta_runner_core_peek_current (void)
{
  return g_private_get (&current_core);
}

/* The serial of the runner whose thread this is, or 0. */
guint64
ta_runner_core_current_serial (void)
{
  TaRunnerCore *core = g_private_get (&current_core);

  return core != NULL ? core->serial : 0;
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
  TaActivity previous = { NULL, NULL, NULL };

  /* A pool's workers run concurrently: one slot cannot say what "the
   * loop" does, and there is no loop to be stuck. */
  if (core->defer_publish != NULL)
    return previous;

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
  if (core->defer_publish != NULL)
    return;

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

/* Unlinks the failed list and collects the errors nobody retrieved, as
 * they are; @report (nullable) gets a line naming the task of each. */
GPtrArray *
ta_runner_core_take_unretrieved (TaRunnerCore *core,
                                 GString      *report)
{
  GPtrArray *errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  GQueue failed = G_QUEUE_INIT;
  GList *link;

  ta_monitor_lock (&core->monitor);
  core->failed_closed = TRUE;
  failed = core->failed;
  g_queue_init (&core->failed);
  for (link = failed.head; link != NULL; link = link->next)
    TA_TASK (link->data)->in_failed = FALSE;
  ta_monitor_unlock (&core->monitor);

  while ((link = g_queue_pop_head_link (&failed)) != NULL)
    {
      TaTask *task = link->data;
      GError *error = ta_task_take_failed_for_report (task);

      if (error != NULL)
        {
          if (report != NULL)
            g_string_append_printf (report, "\n- task “%s”: %s",
                                    ta_task_get_name (task), error->message);
          g_ptr_array_add (errors, error);
        }
      g_object_unref (task);
    }

  return errors;
}

/* Any thread: registers a new task, before it is queued, so that a stop
 * racing with its spawn always finds it. */
void
ta_runner_core_add_task (TaRunnerCore *core,
                         TaTask       *task)
{
  ta_monitor_lock (&core->monitor);
  g_queue_push_tail_link (&core->tasks, &task->core_link);
  g_object_ref (task);
  core->n_spawned++;
  ta_monitor_unlock (&core->monitor);
}

/* Any thread: a task that could not be queued fails with @error (copied)
 * and is dropped; failing a task nobody will see is not worth a report.
 * Consumes the caller's reference. */
void
ta_runner_core_reject_task (TaRunnerCore *core,
                            TaTask       *task,
                            const GError *error)
{
  ta_task_mark_retrieved (task);
  ta_task_force_complete (task, error);
  g_object_unref (task);
}

/* Any thread: a task completed. Moves it off the outstanding list, and
 * onto the failed one when its error must be reported if nobody takes it.
 * Returns whether it went there: not once the stop collected that list. */
gboolean
ta_runner_core_task_done (TaRunnerCore *core,
                          TaTask       *task,
                          gboolean      failed)
{
  gboolean quit = FALSE;
  gboolean linked = FALSE;

  ta_monitor_lock (&core->monitor);
  if (task->core_link.prev != NULL || core->tasks.head == &task->core_link)
    {
      g_queue_unlink (&core->tasks, &task->core_link);
      if (failed && !core->failed_closed)
        {
          g_queue_push_tail_link (&core->failed, &task->core_link);
          task->in_failed = TRUE;
          linked = TRUE;
          /* The list's reference moves with the link. */
        }
      else
        {
          g_object_unref (task);
        }
      quit = core->draining && g_queue_is_empty (&core->tasks);
    }
  ta_monitor_unlock (&core->monitor);

  if (quit)
    g_main_loop_quit (core->loop);

  return linked;
}

/* Any thread: somebody saw the task's error. */
void
ta_runner_core_task_retrieved (TaRunnerCore *core,
                               TaTask       *task)
{
  gboolean unlinked = FALSE;

  ta_monitor_lock (&core->monitor);
  if (task->in_failed)
    {
      g_queue_unlink (&core->failed, &task->core_link);
      task->in_failed = FALSE;
      unlinked = TRUE;
    }
  ta_monitor_unlock (&core->monitor);

  if (unlinked)
    g_object_unref (task);
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
