/* ta-event.c: an event that threads and main contexts can wait on
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * TaEvent:
 *
 * A flag that threads and main contexts wait on together, like
 * `threading.Event` and `asyncio.Event` in one object.
 *
 * [method@Ta.Event.set] wakes every waiter at once, blocking
 * ([method@Ta.Event.wait], with a timeout) and asynchronous
 * ([method@Ta.Event.wait_async], completed in the waiter's own
 * thread-default main context) alike; it stays set until
 * [method@Ta.Event.clear]. An event is not bound to any runner: the main
 * thread, a plain thread and tasks on several runners can share it.
 *
 * ```c
 * // A task waits, on the runner, for the main thread to initialise a value.
 * static void
 * initialized_cb (GObject *event, GAsyncResult *result, gpointer user_data)
 * {
 *   g_autoptr(GTask) task = user_data;
 *   GError *error = NULL;
 *
 *   if (!ta_event_wait_finish (TA_EVENT (event), result, &error))
 *     g_task_return_error (task, error);
 *   else
 *     g_task_return_int (task, global_var + 1);
 * }
 *
 * static void
 * increment_global (GTask *task, GCancellable *cancellable, gpointer event)
 * {
 *   ta_event_wait_async (event, cancellable, initialized_cb, g_object_ref (task));
 * }
 *
 * task = ta_runner_spawn (runner, NULL, increment_global, event, NULL, NULL, &error);
 * global_var = 10;
 * ta_event_set (event);
 * ```
 *
 * ## Thread safety
 *
 * Every method may be called from any thread. Asynchronous waits complete
 * in the thread-default main context of the thread that started them.
 */

#include "config.h"

#include "ta-error.h"
#include "ta-event.h"
#include "ta-monitor-private.h"
#include "ta-types.h"
#include "ta-waiter-private.h"

struct _TaEvent
{
  GObject    parent_instance;

  TaMonitor  monitor;    /* guards the fields below */
  gboolean   is_set;
  GQueue     waiters;    /* TaWaiter */
};

G_DEFINE_TYPE (TaEvent, ta_event, G_TYPE_OBJECT)

static void
ta_event_finalize (GObject *object)
{
  TaEvent *self = TA_EVENT (object);

  ta_monitor_sync_for_finalize (&self->monitor);
  /* Each waiter holds a reference: none can be left. */
  g_assert (g_queue_is_empty (&self->waiters));
  ta_monitor_clear (&self->monitor);

  G_OBJECT_CLASS (ta_event_parent_class)->finalize (object);
}

static void
ta_event_class_init (TaEventClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ta_event_finalize;
}

static void
ta_event_init (TaEvent *self)
{
  ta_monitor_init (&self->monitor);
}

/**
 * ta_event_new:
 *
 * Creates an event, not set.
 *
 * Any thread.
 *
 * Returns: (transfer full): a new event
 */
TaEvent *
ta_event_new (void)
{
  return g_object_new (TA_TYPE_EVENT, NULL);
}

/**
 * ta_event_set:
 * @self: an event
 *
 * Sets the event and wakes every waiter: blocked threads return, and
 * asynchronous waits complete in their own contexts. Setting a set event
 * does nothing.
 *
 * Any thread.
 */
void
ta_event_set (TaEvent *self)
{
  GList *waiters;

  g_return_if_fail (TA_IS_EVENT (self));

  ta_monitor_lock (&self->monitor);
  self->is_set = TRUE;
  waiters = ta_waiter_steal_all_locked (&self->waiters);
  ta_monitor_broadcast (&self->monitor);
  ta_monitor_unlock (&self->monitor);

  for (GList *l = waiters; l != NULL; l = l->next)
    {
      TaWaiter *waiter = l->data;

      ta_waiter_complete_boolean (waiter, TRUE);
    }
  g_list_free (waiters);
}

/**
 * ta_event_clear:
 * @self: an event
 *
 * Clears the event: waits started from now on block until it is set
 * again.
 *
 * Any thread.
 */
void
ta_event_clear (TaEvent *self)
{
  g_return_if_fail (TA_IS_EVENT (self));

  ta_monitor_lock (&self->monitor);
  self->is_set = FALSE;
  ta_monitor_unlock (&self->monitor);
}

/**
 * ta_event_is_set:
 * @self: an event
 *
 * Checks whether the event is set.
 *
 * Any thread.
 *
 * Returns: %TRUE if the event is set
 */
gboolean
ta_event_is_set (TaEvent *self)
{
  gboolean is_set;

  g_return_val_if_fail (TA_IS_EVENT (self), FALSE);

  ta_monitor_lock (&self->monitor);
  is_set = self->is_set;
  ta_monitor_unlock (&self->monitor);

  return is_set;
}

/**
 * ta_event_wait:
 * @self: an event
 * @timeout_us: how long to wait, in microseconds, or %TA_TIMEOUT_INFINITE
 *   (%TA_TIMEOUT_DEFAULT means the same: an event has no runner)
 * @error: return location for a #GError
 *
 * Blocks until the event is set; returns at once if it is.
 *
 * Any thread. It never iterates a main context.
 *
 * Returns: %TRUE once the event is set, %FALSE with %TA_ERROR_TIMEOUT
 */
gboolean
ta_event_wait (TaEvent  *self,
               gint64    timeout_us,
               GError  **error)
{
  gint64 end_time;
  gboolean is_set;

  g_return_val_if_fail (TA_IS_EVENT (self), FALSE);
  g_return_val_if_fail (timeout_us >= TA_TIMEOUT_DEFAULT, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (timeout_us == TA_TIMEOUT_DEFAULT)
    timeout_us = TA_TIMEOUT_INFINITE;
  end_time = ta_end_time_from_timeout (timeout_us);

  ta_monitor_lock (&self->monitor);
  is_set = self->is_set;
  ta_monitor_unlock (&self->monitor);
  if (is_set)
    return TRUE;

  /* A thread that blocks holds a reference, as GLib's objects do: the
   * last one dropped elsewhere meanwhile does not free the event under
   * it. Taken unlocked: a binding's toggle notification may run. */
  g_object_ref (self);
  ta_monitor_lock (&self->monitor);
  while (!self->is_set)
    if (!ta_monitor_wait_until (&self->monitor, end_time))
      break;
  is_set = self->is_set;
  ta_monitor_unlock (&self->monitor);
  g_object_unref (self);

  if (!is_set)
    {
      g_autofree char *timeout = ta_format_timeout (timeout_us);

      g_set_error (error, TA_ERROR, TA_ERROR_TIMEOUT,
                   "The event was not set within %s", timeout);
    }

  return is_set;
}

/**
 * ta_event_wait_async:
 * @self: an event
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once the event is set, or the wait is
 *   cancelled
 * @user_data: data for @callback
 *
 * Waits for the event without blocking.
 *
 * Any thread. The callback runs in the thread-default main context of the
 * caller, never from within this call.
 */
void
ta_event_wait_async (TaEvent             *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  gboolean is_set;

  g_return_if_fail (TA_IS_EVENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ta_event_wait_async);
  g_task_set_name (task, "[ta-glib] ta_event_wait_async");

  ta_monitor_lock (&self->monitor);
  is_set = self->is_set;
  if (!is_set)
    ta_waiter_new_locked (G_OBJECT (self), &self->monitor, &self->waiters, task);
  ta_monitor_unlock (&self->monitor);

  if (is_set)
    g_task_return_boolean (task, TRUE);
}

/**
 * ta_event_wait_finish:
 * @self: an event
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Ta.Event.wait_async].
 *
 * Any thread, normally in the callback.
 *
 * Returns: %TRUE once the event is set, %FALSE with %G_IO_ERROR_CANCELLED
 */
gboolean
ta_event_wait_finish (TaEvent       *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (TA_IS_EVENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ta_event_wait_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
