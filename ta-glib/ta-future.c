/* ta-future.c: a one-shot value set from one thread, awaited from others
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * TaFuture:
 *
 * A result that one thread sets once and any number of threads and main
 * contexts wait for, like `concurrent.futures.Future` and `asyncio.Future`
 * in one object.
 *
 * The result is a value or an error:
 *
 * - from C, a pointer with the destroy notify that owns it
 *   ([method@Ta.Future.set_pointer]), freed with the future unless somebody
 *   takes it with [method@Ta.Future.steal_pointer];
 * - from bindings, a [struct@GObject.Value] holding a basic value, a
 *   [struct@GLib.Variant] or a [class@GObject.Object]
 *   ([method@Ta.Future.set_value]): those cross threads safely, so a plain
 *   JavaScript object is refused with %TA_ERROR_INVALID_VALUE;
 * - an error ([method@Ta.Future.set_error]).
 *
 * Setting a result wakes every waiter exactly once, blocking
 * ([method@Ta.Future.wait]) and asynchronous ([method@Ta.Future.wait_async])
 * alike. Setting a second result is a programmer error. A future is not
 * bound to any runner.
 *
 * ```c
 * // The main thread hands a result to a task on the runner.
 * static void
 * got_result_cb (GObject *future, GAsyncResult *result, gpointer user_data)
 * {
 *   g_autoptr(GTask) task = user_data;
 *   GError *error = NULL;
 *
 *   if (!ta_future_wait_finish (TA_FUTURE (future), result, &error))
 *     g_task_return_error (task, error);
 *   else
 *     g_task_return_pointer (task, ta_future_steal_pointer (TA_FUTURE (future)), g_free);
 * }
 *
 * ta_future_set_pointer (future, g_strdup ("hello"), g_free);
 * ```
 *
 * ## Thread safety
 *
 * Every method may be called from any thread. Asynchronous waits complete
 * in the thread-default main context of the thread that started them. A
 * pointer result is freed where the last reference to the future is
 * dropped.
 */

#include "config.h"

#include "ta-error.h"
#include "ta-future.h"
#include "ta-monitor-private.h"
#include "ta-types.h"
#include "ta-value-private.h"
#include "ta-waiter-private.h"

typedef enum {
  TA_FUTURE_PENDING,
  TA_FUTURE_POINTER,
  TA_FUTURE_VALUE,
  TA_FUTURE_ERROR,
} TaFutureState;

struct _TaFuture
{
  GObject         parent_instance;

  TaMonitor       monitor;     /* guards the fields below */
  TaFutureState   state;
  gpointer        data;
  GDestroyNotify  data_destroy;
  GValue          value;
  GError         *error;
  GQueue          waiters;     /* TaWaiter */
};

G_DEFINE_TYPE (TaFuture, ta_future, G_TYPE_OBJECT)

static void
ta_future_finalize (GObject *object)
{
  TaFuture *self = TA_FUTURE (object);

  ta_monitor_sync_for_finalize (&self->monitor);
  g_assert (g_queue_is_empty (&self->waiters));

  if (self->data_destroy != NULL)
    self->data_destroy (self->data);
  if (G_IS_VALUE (&self->value))
    g_value_unset (&self->value);
  g_clear_error (&self->error);
  ta_monitor_clear (&self->monitor);

  G_OBJECT_CLASS (ta_future_parent_class)->finalize (object);
}

static void
ta_future_class_init (TaFutureClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ta_future_finalize;
}

static void
ta_future_init (TaFuture *self)
{
  ta_monitor_init (&self->monitor);
  self->state = TA_FUTURE_PENDING;
}

/**
 * ta_future_new:
 *
 * Creates a future without a result.
 *
 * Any thread.
 *
 * Returns: (transfer full): a new future
 */
TaFuture *
ta_future_new (void)
{
  return g_object_new (TA_TYPE_FUTURE, NULL);
}

/* Called with the monitor locked and the result stored: publishes it. */
static void
ta_future_complete_locked (TaFuture *self)
{
  GList *waiters = ta_waiter_steal_all_locked (&self->waiters);
  GError *error = self->error;

  ta_monitor_broadcast (&self->monitor);
  ta_monitor_unlock (&self->monitor);

  /* The error cannot change any more: reading it unlocked is safe. */
  for (GList *l = waiters; l != NULL; l = l->next)
    {
      TaWaiter *waiter = l->data;

      if (error != NULL)
        ta_waiter_complete_error (waiter, g_error_copy (error));
      else
        ta_waiter_complete_boolean (waiter, TRUE);
    }
  g_list_free (waiters);
}

/* Called with the monitor locked: FALSE, unlocked, if set already. */
static gboolean
ta_future_check_pending_locked (TaFuture   *self,
                                const char *function)
{
  if (self->state == TA_FUTURE_PENDING)
    return TRUE;

  ta_monitor_unlock (&self->monitor);
  g_critical ("%s: the future already has a result; a future is set once", function);
  return FALSE;
}

/**
 * ta_future_set_pointer: (skip)
 * @self: a future
 * @data: the result
 * @data_destroy: (nullable): frees @data
 *
 * Sets the result to a pointer. The future owns it: @data_destroy runs
 * when the future is finalized, unless [method@Ta.Future.steal_pointer]
 * took it.
 *
 * Any thread. Setting a future twice is a programmer error; @data is then
 * freed and %FALSE returned.
 *
 * Returns: %TRUE if the result was set
 */
gboolean
ta_future_set_pointer (TaFuture       *self,
                       gpointer        data,
                       GDestroyNotify  data_destroy)
{
  g_return_val_if_fail (TA_IS_FUTURE (self), FALSE);

  ta_monitor_lock (&self->monitor);
  if (!ta_future_check_pending_locked (self, G_STRFUNC))
    {
      if (data_destroy != NULL)
        data_destroy (data);
      return FALSE;
    }
  self->state = TA_FUTURE_POINTER;
  self->data = data;
  self->data_destroy = data_destroy;
  ta_future_complete_locked (self);

  return TRUE;
}

/**
 * ta_future_set_value:
 * @self: a future
 * @value: the result: a basic value, a #GVariant or a #GObject
 * @error: return location for a #GError
 *
 * Sets the result to a copy of @value. Values that cannot safely cross
 * threads, such as a plain JavaScript object, are refused with
 * %TA_ERROR_INVALID_VALUE and leave the future as it was.
 *
 * Any thread. Setting a future twice is a programmer error.
 *
 * Returns: %TRUE if the result was set
 */
gboolean
ta_future_set_value (TaFuture      *self,
                     const GValue  *value,
                     GError       **error)
{
  g_return_val_if_fail (TA_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!ta_value_check_sendable (value, error))
    return FALSE;

  ta_monitor_lock (&self->monitor);
  if (!ta_future_check_pending_locked (self, G_STRFUNC))
    return FALSE;
  self->state = TA_FUTURE_VALUE;
  g_value_init (&self->value, G_VALUE_TYPE (value));
  g_value_copy (value, &self->value);
  ta_future_complete_locked (self);

  return TRUE;
}

/**
 * ta_future_take_error: (skip)
 * @self: a future
 * @error: (transfer full): the error
 *
 * Sets the result to @error, taking ownership of it.
 *
 * Any thread. Setting a future twice is a programmer error; @error is then
 * freed.
 *
 * Returns: %TRUE if the result was set
 */
gboolean
ta_future_take_error (TaFuture *self,
                      GError   *error)
{
  g_return_val_if_fail (TA_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (error != NULL, FALSE);

  ta_monitor_lock (&self->monitor);
  if (!ta_future_check_pending_locked (self, G_STRFUNC))
    {
      g_error_free (error);
      return FALSE;
    }
  self->state = TA_FUTURE_ERROR;
  self->error = error;
  ta_future_complete_locked (self);

  return TRUE;
}

/**
 * ta_future_set_error:
 * @self: a future
 * @error: the error
 *
 * Sets the result to a copy of @error: waits on the future fail with it.
 *
 * Any thread. Setting a future twice is a programmer error.
 *
 * Returns: %TRUE if the result was set
 */
gboolean
ta_future_set_error (TaFuture     *self,
                     const GError *error)
{
  g_return_val_if_fail (TA_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (error != NULL, FALSE);

  return ta_future_take_error (self, g_error_copy (error));
}

/**
 * ta_future_is_done:
 * @self: a future
 *
 * Checks whether the future has a result, value or error.
 *
 * Any thread.
 *
 * Returns: %TRUE if the future is done
 */
gboolean
ta_future_is_done (TaFuture *self)
{
  gboolean done;

  g_return_val_if_fail (TA_IS_FUTURE (self), FALSE);

  ta_monitor_lock (&self->monitor);
  done = self->state != TA_FUTURE_PENDING;
  ta_monitor_unlock (&self->monitor);

  return done;
}

/**
 * ta_future_wait:
 * @self: a future
 * @timeout_us: how long to wait, in microseconds, or %TA_TIMEOUT_INFINITE
 *   (%TA_TIMEOUT_DEFAULT means the same: a future has no runner)
 * @error: return location for a #GError
 *
 * Blocks until the future has a result. It may be called again, from any
 * number of threads, and reports the same outcome.
 *
 * Any thread. It never iterates a main context.
 *
 * Returns: %TRUE if the future holds a value; %FALSE with the future's
 *   error, or %TA_ERROR_TIMEOUT
 */
gboolean
ta_future_wait (TaFuture  *self,
                gint64     timeout_us,
                GError   **error)
{
  gint64 end_time;
  gboolean pending;
  gboolean ok = FALSE;

  g_return_val_if_fail (TA_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (timeout_us >= TA_TIMEOUT_DEFAULT, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (timeout_us == TA_TIMEOUT_DEFAULT)
    timeout_us = TA_TIMEOUT_INFINITE;
  end_time = ta_end_time_from_timeout (timeout_us);

  ta_monitor_lock (&self->monitor);
  pending = self->state == TA_FUTURE_PENDING;
  if (pending)
    {
      /* A thread that blocks holds a reference, as GLib's objects do:
       * the last one dropped elsewhere meanwhile does not free the future
       * under it. Taken unlocked: a binding's toggle notification may
       * run. */
      ta_monitor_unlock (&self->monitor);
      g_object_ref (self);
      ta_monitor_lock (&self->monitor);
      while (self->state == TA_FUTURE_PENDING)
        if (!ta_monitor_wait_until (&self->monitor, end_time))
          break;
    }
  if (self->state == TA_FUTURE_ERROR)
    g_propagate_error (error, g_error_copy (self->error));
  else if (self->state == TA_FUTURE_PENDING)
    {
      g_autofree char *timeout = ta_format_timeout (timeout_us);

      g_set_error (error, TA_ERROR, TA_ERROR_TIMEOUT,
                   "The future got no result within %s", timeout);
    }
  else
    ok = TRUE;
  ta_monitor_unlock (&self->monitor);
  if (pending)
    g_object_unref (self);

  return ok;
}

/**
 * ta_future_wait_async:
 * @self: a future
 * @cancellable: (nullable): a cancellable for the wait
 * @callback: (scope async): called once the future has a result, or the
 *   wait is cancelled
 * @user_data: data for @callback
 *
 * Waits for the result without blocking.
 *
 * Any thread. The callback runs in the thread-default main context of the
 * caller, never from within this call.
 */
void
ta_future_wait_async (TaFuture            *self,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  gboolean done;

  g_return_if_fail (TA_IS_FUTURE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ta_future_wait_async);
  g_task_set_name (task, "[ta-glib] ta_future_wait_async");

  ta_monitor_lock (&self->monitor);
  done = self->state != TA_FUTURE_PENDING;
  if (!done)
    ta_waiter_new_locked (G_OBJECT (self), &self->monitor, &self->waiters, task);
  else if (self->error != NULL)
    error = g_error_copy (self->error);
  ta_monitor_unlock (&self->monitor);

  if (error != NULL)
    g_task_return_error (task, error);
  else if (done)
    g_task_return_boolean (task, TRUE);
}

/**
 * ta_future_wait_finish:
 * @self: a future
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Ta.Future.wait_async]. The result itself is read with
 * [method@Ta.Future.get_value] or [method@Ta.Future.get_pointer].
 *
 * Any thread, normally in the callback.
 *
 * Returns: %TRUE if the future holds a value; %FALSE with the future's
 *   error or %G_IO_ERROR_CANCELLED
 */
gboolean
ta_future_wait_finish (TaFuture      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (TA_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ta_future_wait_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * ta_future_get_pointer: (skip)
 * @self: a future holding a pointer
 *
 * Borrows the pointer result; the future still owns it.
 *
 * Any thread. Calling it on a future that is not done is a programmer
 * error.
 *
 * Returns: (transfer none) (nullable): the result, or %NULL if it was
 *   stolen or the future holds no pointer
 */
gpointer
ta_future_get_pointer (TaFuture *self)
{
  gpointer data;

  g_return_val_if_fail (TA_IS_FUTURE (self), NULL);

  ta_monitor_lock (&self->monitor);
  if (self->state == TA_FUTURE_PENDING)
    {
      ta_monitor_unlock (&self->monitor);
      g_critical ("%s: the future is not done; wait for it first", G_STRFUNC);
      return NULL;
    }
  data = self->data;
  ta_monitor_unlock (&self->monitor);

  return data;
}

/**
 * ta_future_steal_pointer: (skip)
 * @self: a future holding a pointer
 *
 * Takes the pointer result: the caller owns it from now on, and the future
 * holds %NULL.
 *
 * Any thread. Calling it on a future that is not done is a programmer
 * error.
 *
 * Returns: (transfer full) (nullable): the result, or %NULL if it was
 *   stolen already or the future holds no pointer
 */
gpointer
ta_future_steal_pointer (TaFuture *self)
{
  gpointer data;

  g_return_val_if_fail (TA_IS_FUTURE (self), NULL);

  ta_monitor_lock (&self->monitor);
  if (self->state == TA_FUTURE_PENDING)
    {
      ta_monitor_unlock (&self->monitor);
      g_critical ("%s: the future is not done; wait for it first", G_STRFUNC);
      return NULL;
    }
  data = g_steal_pointer (&self->data);
  self->data_destroy = NULL;
  ta_monitor_unlock (&self->monitor);

  return data;
}

/**
 * ta_future_get_value:
 * @self: a future that is done
 * @value: (out caller-allocates): a #GValue to fill (what it held is
 *   released); on failure it holds a %NULL pointer
 * @error: return location for a #GError
 *
 * Gets a copy of the value result. It may be called again and gives an
 * equal copy.
 *
 * Any thread. Calling it on a future that is not done is a programmer
 * error.
 *
 * Returns: %TRUE with @value set; %FALSE with the future's error, or
 *   %TA_ERROR_INVALID_VALUE if the result is a C pointer
 */
gboolean
ta_future_get_value (TaFuture  *self,
                     GValue    *value,
                     GError   **error)
{
  g_return_val_if_fail (TA_IS_FUTURE (self), FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ta_value_out_fail (value);
  ta_monitor_lock (&self->monitor);
  switch (self->state)
    {
    case TA_FUTURE_VALUE:
      g_value_unset (value);
      g_value_init (value, G_VALUE_TYPE (&self->value));
      g_value_copy (&self->value, value);
      ta_monitor_unlock (&self->monitor);
      return TRUE;

    case TA_FUTURE_ERROR:
      g_propagate_error (error, g_error_copy (self->error));
      ta_monitor_unlock (&self->monitor);
      return FALSE;

    case TA_FUTURE_POINTER:
      ta_monitor_unlock (&self->monitor);
      g_set_error_literal (error, TA_ERROR, TA_ERROR_INVALID_VALUE,
                           "The future holds a C pointer, not a value");
      return FALSE;

    case TA_FUTURE_PENDING:
    default:
      ta_monitor_unlock (&self->monitor);
      g_critical ("%s: the future is not done; wait for it first", G_STRFUNC);
      g_set_error_literal (error, TA_ERROR, TA_ERROR_FAILED, "The future is not done");
      return FALSE;
    }
}

/**
 * ta_future_dup_error:
 * @self: a future
 *
 * Gets a copy of the error the future was set to.
 *
 * Any thread.
 *
 * Returns: (transfer full) (nullable): the error, or %NULL if the future
 *   holds a value or is not done
 */
GError *
ta_future_dup_error (TaFuture *self)
{
  GError *error = NULL;

  g_return_val_if_fail (TA_IS_FUTURE (self), NULL);

  ta_monitor_lock (&self->monitor);
  if (self->error != NULL)
    error = g_error_copy (self->error);
  ta_monitor_unlock (&self->monitor);

  return error;
}
