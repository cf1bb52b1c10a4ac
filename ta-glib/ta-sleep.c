/* ta-sleep.c: a cancellable asynchronous sleep
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-cancel-private.h"
#include "ta-monitor-private.h"
#include "ta-runner-private.h"
#include "ta-sleep.h"

typedef struct
{
  GMainContext *context;   /* alive while the sources are handled */
  GSource      *timer;
  GSource      *cancel;
  char         *activity;  /* what the runner was doing when the sleep began */
} TaSleep;

/* The GTask's task data: freed wherever the GTask is finalized. */
static void
ta_sleep_free (gpointer data)
{
  TaSleep *sleep = data;

  g_clear_pointer (&sleep->timer, g_source_unref);
  g_clear_pointer (&sleep->cancel, ta_cancellable_source_retire);
  g_clear_pointer (&sleep->context, g_main_context_unref);
  g_free (sleep->activity);
  g_free (sleep);
}

static gboolean
ta_sleep_timer_cb (gpointer user_data)
{
  GTask *task = user_data;
  TaSleep *sleep = g_task_get_task_data (task);
  TaRunnerCore *core = ta_runner_core_peek_current ();

  g_clear_pointer (&sleep->cancel, ta_cancellable_source_retire);

  /* The callback runs right here (GTask completes inline in a later
   * iteration of its context), so a runner can name what it resumed. */
  if (core != NULL && sleep->activity != NULL)
    {
      TaActivity previous = ta_runner_core_push_activity (core, sleep->activity,
                                                          " (resumed after ta_sleep_async())",
                                                          NULL);

      g_task_return_boolean (task, TRUE);
      ta_runner_core_pop_activity (core, previous);
    }
  else
    {
      g_task_return_boolean (task, TRUE);
    }

  return G_SOURCE_REMOVE;
}

static gboolean
ta_sleep_cancelled_cb (gpointer user_data)
{
  GTask *task = user_data;
  TaSleep *sleep = g_task_get_task_data (task);

  g_source_destroy (sleep->timer);
  g_task_return_error_if_cancelled (task);

  return G_SOURCE_REMOVE;
}

/**
 * ta_sleep_async:
 * @duration_us: how long to sleep, in microseconds
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the time has passed or the sleep
 *   was cancelled
 * @user_data: data for @callback
 *
 * Waits for @duration_us without blocking, like `asyncio.sleep()`: the
 * callback runs once the time has passed, or with %G_IO_ERROR_CANCELLED as
 * soon as @cancellable is cancelled. Task functions use it to pause and
 * still honour their cancellation.
 *
 * Any thread with a thread-default main context; the callback runs in the
 * thread-default main context of the caller.
 */
void
ta_sleep_async (gint64               duration_us,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  TaRunnerCore *core;
  TaSleep *sleep;

  g_return_if_fail (duration_us >= 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ta_sleep_async);
  g_task_set_name (task, "[ta-glib] ta_sleep_async");

  if (g_task_return_error_if_cancelled (task))
    return;

  sleep = g_new0 (TaSleep, 1);
  sleep->context = g_main_context_ref (g_task_get_context (task));
  core = ta_runner_core_peek_current ();
  if (core != NULL)
    sleep->activity = ta_runner_core_dup_activity (core);
  g_task_set_task_data (task, sleep, ta_sleep_free);

  sleep->timer = g_timeout_source_new (0);
  /* -1 (never) for a duration too long to represent. */
  g_source_set_ready_time (sleep->timer, ta_end_time_from_timeout (duration_us));
  g_source_set_static_name (sleep->timer, "[ta-glib] ta_sleep_async");
  g_source_set_callback (sleep->timer, ta_sleep_timer_cb,
                         g_object_ref (task), g_object_unref);

  if (cancellable != NULL)
    {
      sleep->cancel = ta_cancellable_source_new (cancellable);
      g_source_set_static_name (sleep->cancel, "[ta-glib] ta_sleep_async cancelled");
      g_source_set_callback (sleep->cancel, ta_sleep_cancelled_cb,
                             g_object_ref (task), g_object_unref);
      g_source_attach (sleep->cancel, g_task_get_context (task));
    }

  g_source_attach (sleep->timer, g_task_get_context (task));
}

/**
 * ta_sleep_finish:
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [func@Ta.sleep_async].
 *
 * Any thread, normally in the callback.
 *
 * Returns: %TRUE once the time has passed, %FALSE with
 *   %G_IO_ERROR_CANCELLED if the sleep was cancelled
 */
gboolean
ta_sleep_finish (GAsyncResult  *result,
                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ta_sleep_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
