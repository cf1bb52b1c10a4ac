/* ta-task.c: the caller's handle on a task running on a runner
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * TaTask:
 *
 * The handle on a task spawned with [method@Ta.Runner.spawn].
 *
 * A task is a [type@Ta.TaskFunc] run on the runner thread with a fresh
 * [class@Gio.Task] that it completes, now or later, with the usual
 * `g_task_return_*()` vocabulary. The handle lets any other thread follow
 * it: wait for it with a timeout ([method@Ta.Task.wait], repeatable: a
 * wait that times out leaves the task running), await it from a main
 * context ([method@Ta.Task.wait_async], whose callback runs in the
 * caller's thread-default context, so `Gio._promisify` and PyGObject can
 * await it), poll it ([method@Ta.Task.is_done]), cancel it
 * ([method@Ta.Task.cancel]) and take its result.
 *
 * ```c
 * static void
 * slept_cb (GObject *source, GAsyncResult *result, gpointer user_data)
 * {
 *   g_autoptr(GTask) task = user_data;
 *   g_autoptr(GError) error = NULL;
 *
 *   if (!ta_sleep_finish (result, &error))
 *     g_task_return_error (task, g_steal_pointer (&error));
 *   else
 *     g_task_return_int (task, 10);
 * }
 *
 * static void
 * foo (GTask *task, GCancellable *cancellable, gpointer user_data)
 * {
 *   ta_sleep_async (100 * 1000, cancellable, slept_cb, g_object_ref (task));
 * }
 *
 * g_autoptr(TaTask) task = ta_runner_spawn (runner, "foo", foo, NULL, NULL, NULL, &error);
 * if (ta_task_wait (task, TA_TIMEOUT_INFINITE, &error))
 *   g_print ("%" G_GSSIZE_FORMAT "\n", ta_task_propagate_int (task, NULL));
 * ```
 *
 * ## Results
 *
 * The result stays in the task's [class@Gio.Task] with its ownership, so a
 * pointer returned with g_task_return_pointer() is freed with its destroy
 * notify if nobody takes it. The `ta_task_propagate_*()` functions mirror
 * GTask's: call the one matching what the task returned.
 * [method@Ta.Task.propagate_pointer] transfers the pointer to the caller
 * and so works once; the boolean, integer and [struct@GObject.Value]
 * forms may be called again and return the same result, which is what
 * bindings use.
 *
 * The outcome is what the task function returned, even when the task was
 * cancelled after that: a cancellation does not rewrite a result that is
 * already there. Work started with the task's cancellable (GIO operations,
 * [func@Ta.sleep_async]) fails with %G_IO_ERROR_CANCELLED, which task
 * functions normally pass on.
 *
 * ## Errors
 *
 * An error is "retrieved" once a wait or a propagate call has handed it to
 * somebody. Errors nobody retrieved are reported together by
 * [method@Ta.Runner.stop]. Cancellation is not a failure and is never
 * reported.
 *
 * ## Thread safety
 *
 * Every method may be called from any thread. Blocking waits called on the
 * task's own runner thread fail at once with %TA_ERROR_WOULD_DEADLOCK,
 * since the task could only progress once that thread returned to its
 * loop. Asynchronous waits complete in the thread-default main context of
 * the thread that started them.
 */

#include "config.h"

#include <string.h>

#include "ta-enums.h"
#include "ta-error.h"
#include "ta-task-private.h"
#include "ta-value-private.h"
#include "ta-waiter-private.h"

G_DEFINE_FINAL_TYPE_WITH_CODE (TaTask, ta_task, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_RESULT,
                                                      ta_task_async_result_iface_init))

enum {
  PROP_0,
  PROP_NAME,
  PROP_CANCELLABLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ta_task_dispose (GObject *object)
{
  TaTask *self = TA_TASK (object);

  /* Not g_cancellable_disconnect(): it waits for a "cancelled" emission
   * in progress, possibly on this very thread. A late emission is harmless:
   * the closure keeps our own cancellable alive. */
  if (self->user_cancel_id != 0)
    {
      g_signal_handler_disconnect (self->user_cancellable, self->user_cancel_id);
      self->user_cancel_id = 0;
    }

  G_OBJECT_CLASS (ta_task_parent_class)->dispose (object);
}

static void
ta_task_finalize (GObject *object)
{
  TaTask *self = TA_TASK (object);

  ta_monitor_sync_for_finalize (&self->monitor);
  g_assert (g_queue_is_empty (&self->waiters));
  g_assert (self->scheduler == NULL || self->state == TA_TASK_PENDING);
  g_assert (self->failed_scheduler == NULL);
  g_assert (self->prepared.gtask == NULL);
  g_assert (self->async_context == NULL);

  /* A task that never started still owns its data. */
  if (self->user_data_destroy != NULL)
    self->user_data_destroy (self->user_data);

  g_clear_pointer (&self->scheduler, ta_scheduler_unref);
  g_clear_error (&self->error);
  g_clear_object (&self->gtask);
  if (self->result_kind == TA_RESULT_VALUE)
    g_value_unset (&self->result_value);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->user_cancellable);
  g_clear_object (&self->async_source);
  if (self->name != self->default_name)
    g_free (self->name);
  ta_monitor_clear (&self->monitor);

  G_OBJECT_CLASS (ta_task_parent_class)->finalize (object);
}

/*
 * The task's own cancellable is made when first needed: to cancel the task,
 * to hand it out, or when the task starts (on the runner or worker thread,
 * which spares the spawning thread the cost). Any thread.
 */
GCancellable *
ta_task_ensure_cancellable (TaTask *self)
{
  GCancellable *cancellable = g_atomic_pointer_get (&self->cancellable);

  if (G_UNLIKELY (cancellable == NULL))
    {
      GCancellable *fresh = g_cancellable_new ();

      if (!g_atomic_pointer_compare_and_exchange (&self->cancellable, NULL, fresh))
        g_object_unref (fresh);
      cancellable = g_atomic_pointer_get (&self->cancellable);
    }

  return cancellable;
}

/* "task-N" into the task itself, without the cost of printf or of an
 * allocation of its own. */
static void
ta_task_set_default_name (TaTask  *self,
                          guint64  id)
{
  char digits[20];
  guint n = 0;

  G_STATIC_ASSERT (sizeof self->default_name >= 5 + sizeof digits + 1);

  do
    {
      digits[n++] = '0' + id % 10;
      id /= 10;
    }
  while (id > 0);

  memcpy (self->default_name, "task-", 5);
  for (guint i = 0; i < n; i++)
    self->default_name[5 + i] = digits[n - 1 - i];
  self->default_name[5 + n] = '\0';
  self->name = self->default_name;
}

static void
ta_task_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  TaTask *self = TA_TASK (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_CANCELLABLE:
      g_value_set_object (value, ta_task_ensure_cancellable (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ta_task_class_init (TaTaskClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ta_task_dispose;
  object_class->finalize = ta_task_finalize;
  object_class->get_property = ta_task_get_property;

  /**
   * TaTask:name:
   *
   * The task's name, used in error reports and as the name of its
   * [class@Gio.Task].
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaTask:cancellable:
   *
   * The cancellable given to the task function. Cancelling it cancels the
   * task, like [method@Ta.Task.cancel].
   */
  properties[PROP_CANCELLABLE] =
    g_param_spec_object ("cancellable", NULL, NULL,
                         G_TYPE_CANCELLABLE,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  ta_task_run_class_init ();
}

static void
ta_task_init (TaTask *self)
{
  ta_monitor_init (&self->monitor);
  self->ledger_link.data = self;
}

static void
ta_task_chain_cancel_cb (GCancellable *user_cancellable,
                         GCancellable *own_cancellable)
{
  g_cancellable_cancel (own_cancellable);
}

TaTask *
ta_task_new_internal (TaScheduler    *scheduler,
                      const char     *name,
                      TaTaskFunc      func,
                      gpointer        user_data,
                      GDestroyNotify  user_data_destroy,
                      GCancellable   *cancellable)
{
  static guint64 last_id;
  TaTask *self;

  self = g_object_new (TA_TYPE_TASK, NULL);
  self->scheduler = ta_scheduler_ref (scheduler);
  self->scheduler_serial = scheduler->serial;
  if (name != NULL)
    self->name = g_strdup (name);
  else
    ta_task_set_default_name (self, __atomic_add_fetch (&last_id, 1, __ATOMIC_RELAXED));
  self->func = func;
  self->user_data = user_data;
  self->user_data_destroy = user_data_destroy;
  self->item.func = ta_task_item_func;

  /* The task always has a cancellable of its own, so that stopping the
   * runner never cancels one the caller shares with other work. */
  if (cancellable != NULL)
    {
      self->user_cancellable = g_object_ref (cancellable);
      self->user_cancel_id =
        g_cancellable_connect (cancellable,
                               G_CALLBACK (ta_task_chain_cancel_cb),
                               g_object_ref (ta_task_ensure_cancellable (self)),
                               g_object_unref);
    }

  return self;
}

/**
 * ta_task_get_name:
 * @self: a task
 *
 * Gets the task's name, as given to [method@Ta.Runner.spawn] or made up
 * as `task-N`.
 *
 * Any thread.
 *
 * Returns: (transfer none): the name
 */
const char *
ta_task_get_name (TaTask *self)
{
  g_return_val_if_fail (TA_IS_TASK (self), NULL);

  return self->name;
}

/**
 * ta_task_get_cancellable:
 * @self: a task
 *
 * Gets the cancellable handed to the task function. It belongs to the
 * task: when the task was spawned with a cancellable of the caller's,
 * cancelling that one cancels this one too.
 *
 * Any thread.
 *
 * Returns: (transfer none): the task's cancellable
 */
GCancellable *
ta_task_get_cancellable (TaTask *self)
{
  g_return_val_if_fail (TA_IS_TASK (self), NULL);

  return ta_task_ensure_cancellable (self);
}

/**
 * ta_task_is_done:
 * @self: a task
 *
 * Checks whether the task has completed: with a result, an error or a
 * cancellation. Once %TRUE, it stays %TRUE.
 *
 * Any thread.
 *
 * Returns: %TRUE if the task is done
 */
gboolean
ta_task_is_done (TaTask *self)
{
  gboolean done;

  g_return_val_if_fail (TA_IS_TASK (self), FALSE);

  ta_monitor_lock (&self->monitor);
  done = self->state == TA_TASK_DONE;
  ta_monitor_unlock (&self->monitor);

  return done;
}

/**
 * ta_task_cancel:
 * @self: a task
 *
 * Cancels the task through its [class@Gio.Cancellable]. It returns at
 * once; the task completes with %G_IO_ERROR_CANCELLED when its function
 * notices, which for work started with the cancellable (GIO operations,
 * [func@Ta.sleep_async], further tasks) is right away. A task that has not
 * started yet never runs. Cancelling a task that is done does nothing.
 *
 * Any thread. The cancellable's handlers run in the calling thread, as
 * always with g_cancellable_cancel().
 */
void
ta_task_cancel (TaTask *self)
{
  g_return_if_fail (TA_IS_TASK (self));

  g_cancellable_cancel (ta_task_ensure_cancellable (self));

  /* The cancellable was read without the monitor: a finalize on another
   * thread, after the caller's last unref, must see that read done. The
   * reference count that orders them is GObject's, which ThreadSanitizer
   * does not see; the finalize acquires the monitor's mutex. */
  ta_tsan_release (&self->monitor.mutex);
}

gboolean
ta_task_check_deadlock (TaTask  *self,
                        GError **error)
{
  if (ta_scheduler_current_serial () == self->scheduler_serial)
    {
      g_set_error (error, TA_ERROR, TA_ERROR_WOULD_DEADLOCK,
                   "Waiting for task “%s” on its own runner thread would "
                   "deadlock: the task can only progress once this thread "
                   "returns to its loop. Use ta_task_wait_async() there",
                   self->name);
      return FALSE;
    }

  return TRUE;
}

/* Called with the monitor locked and the task done. */
gboolean
ta_task_report_locked (TaTask  *self,
                       GError **error)
{
  if (self->error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return FALSE;
    }

  return TRUE;
}

/**
 * ta_task_wait:
 * @self: a task
 * @timeout_us: how long to wait, in microseconds, or %TA_TIMEOUT_INFINITE,
 *   or %TA_TIMEOUT_DEFAULT for the runner's
 *   [property@Ta.Runner:default-call-timeout]
 * @error: return location for a #GError
 *
 * Blocks until the task is done, then reports how it ended. It may be
 * called again, from any number of threads: a wait that timed out leaves
 * the task running, and waiting on a done task reports the same outcome
 * again. The result itself is taken with the `ta_task_propagate_*()`
 * functions.
 *
 * Any thread but the task's runner thread, where it fails at once with
 * %TA_ERROR_WOULD_DEADLOCK. It never iterates a main context.
 *
 * Returns: %TRUE if the task succeeded; %FALSE with @error set to the
 *   task's error, %G_IO_ERROR_CANCELLED, or %TA_ERROR_TIMEOUT
 */
gboolean
ta_task_wait (TaTask  *self,
              gint64   timeout_us,
              GError **error)
{
  gint64 end_time = -1;
  gboolean ret;

  g_return_val_if_fail (TA_IS_TASK (self), FALSE);
  g_return_val_if_fail (timeout_us >= TA_TIMEOUT_DEFAULT, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!ta_task_check_deadlock (self, error))
    return FALSE;

  ta_monitor_lock (&self->monitor);
  if (self->state != TA_TASK_DONE)
    {
      /* self->scheduler is only cleared by a completion under way, which
       * does not block: then any timeout will do. */
      if (self->scheduler != NULL)
        timeout_us = ta_scheduler_resolve_timeout (self->scheduler, timeout_us);
      else if (timeout_us == TA_TIMEOUT_DEFAULT)
        timeout_us = TA_TIMEOUT_INFINITE;
      end_time = ta_end_time_from_timeout (timeout_us);
    }
  while (self->state != TA_TASK_DONE)
    {
      if (!ta_monitor_wait_until (&self->monitor, end_time) &&
          self->state != TA_TASK_DONE)
        {
          g_autofree char *timeout = ta_format_timeout (timeout_us);

          ta_monitor_unlock (&self->monitor);
          g_set_error (error, TA_ERROR, TA_ERROR_TIMEOUT,
                       "Task “%s” did not complete within %s; it is still running",
                       self->name, timeout);
          return FALSE;
        }
    }
  ret = ta_task_report_locked (self, error);
  ta_monitor_unlock (&self->monitor);

  if (!ret)
    ta_task_mark_retrieved (self);

  return ret;
}

/**
 * ta_task_wait_async:
 * @self: a task
 * @cancellable: (nullable): a cancellable for the wait (not the task)
 * @callback: (scope async): called when the task is done or the wait is
 *   cancelled
 * @user_data: data for @callback
 *
 * Waits for the task without blocking. Cancelling @cancellable abandons
 * the wait, not the task: use [method@Ta.Task.cancel] for that.
 *
 * Any thread, including the task's runner thread (a task waiting for
 * another). The callback runs in the thread-default main context of the
 * caller, never from within this call.
 */
void
ta_task_wait_async (TaTask              *self,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TA_IS_TASK (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ta_task_wait_async);
  g_task_set_name (task, "[ta-glib] ta_task_wait_async");

  ta_task_wait_with_gtask (self, task);
}

/*
 * ta_task_wait_with_gtask:
 * @wait_task: a GTask created in the waiting thread's context
 *
 * Returns %TRUE on @wait_task once the task succeeded, or the task's
 * error; @wait_task's cancellable fails the wait with
 * %G_IO_ERROR_CANCELLED. The return is posted to @wait_task's context,
 * never made from within this call. Any thread.
 */
void
ta_task_wait_with_gtask (TaTask *self,
                         GTask  *wait_task)
{
  GError *error = NULL;
  gboolean done;

  ta_monitor_lock (&self->monitor);
  done = self->state == TA_TASK_DONE;
  if (!done)
    ta_waiter_new_locked (G_OBJECT (self), &self->monitor, &self->waiters, wait_task);
  else if (!ta_task_report_locked (self, &error))
    done = TRUE;
  ta_monitor_unlock (&self->monitor);

  /* GTask defers this return to the next iteration of the caller's
   * context, so the callback never runs from within this call. */
  if (done && error != NULL)
    g_task_return_error (wait_task, error);
  else if (done)
    g_task_return_boolean (wait_task, TRUE);
}

/* After a wait on @self failed: unless the wait itself was cancelled, the
 * task's error was seen, and is not reported again. */
void
ta_task_wait_failed (TaTask       *self,
                     GCancellable *wait_cancellable)
{
  if (ta_task_is_done (self) &&
      (wait_cancellable == NULL || !g_cancellable_is_cancelled (wait_cancellable)))
    ta_task_mark_retrieved (self);
}

/**
 * ta_task_wait_finish:
 * @self: a task
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Ta.Task.wait_async].
 *
 * Any thread, normally in the callback.
 *
 * Returns: %TRUE if the task succeeded; %FALSE with @error set to the
 *   task's error or %G_IO_ERROR_CANCELLED
 */
gboolean
ta_task_wait_finish (TaTask        *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  GError *local_error = NULL;

  g_return_val_if_fail (TA_IS_TASK (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ta_task_wait_async, FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), &local_error))
    {
      /* The wait's own cancellation says nothing about the task. */
      ta_task_wait_failed (self, g_task_get_cancellable (G_TASK (result)));
      g_propagate_error (error, local_error);
      return FALSE;
    }

  return TRUE;
}

/**
 * ta_task_dup_error:
 * @self: a task
 *
 * Gets a copy of the error the task failed with, which counts as
 * retrieving it.
 *
 * Any thread.
 *
 * Returns: (transfer full) (nullable): the task's error, or %NULL if it
 *   succeeded or is not done
 */
GError *
ta_task_dup_error (TaTask *self)
{
  GError *error = NULL;

  g_return_val_if_fail (TA_IS_TASK (self), NULL);

  ta_monitor_lock (&self->monitor);
  if (self->state == TA_TASK_DONE && self->error != NULL)
    error = g_error_copy (self->error);
  ta_monitor_unlock (&self->monitor);

  if (error != NULL)
    ta_task_mark_retrieved (self);

  return error;
}

/*
 * Common start of the propagate functions: returns %FALSE with @error set
 * when the task failed, %TRUE with the monitor still locked when the result
 * can be read.
 */
static gboolean
ta_task_propagate_begin (TaTask   *self,
                         GError  **error)
{
  ta_monitor_lock (&self->monitor);
  if (self->state != TA_TASK_DONE)
    {
      ta_monitor_unlock (&self->monitor);
      g_critical ("ta_task_propagate_*() called on task “%s” before it was "
                  "done; wait for it first", self->name);
      g_set_error (error, TA_ERROR, TA_ERROR_FAILED,
                   "Task “%s” is not done", self->name);
      return FALSE;
    }

  if (!ta_task_report_locked (self, error))
    {
      ta_monitor_unlock (&self->monitor);
      ta_task_mark_retrieved (self);
      return FALSE;
    }

  return TRUE;
}

static gboolean
ta_task_check_kind_locked (TaTask       *self,
                           TaResultKind  kind,
                           const char   *function)
{
  if (self->result_kind == TA_RESULT_IN_GTASK || self->result_kind == kind)
    return TRUE;

  ta_monitor_unlock (&self->monitor);
  if (self->result_kind == TA_RESULT_POINTER)
    g_critical ("%s: the result of task “%s” was already taken by "
                "ta_task_propagate_pointer()", function, self->name);
  else
    g_critical ("%s: the result of task “%s” was already propagated as "
                "another type", function, self->name);
  return FALSE;
}

/**
 * ta_task_propagate_pointer:
 * @self: a task that is done
 * @error: return location for a #GError
 *
 * Takes the pointer the task returned with g_task_return_pointer(), like
 * g_task_propagate_pointer(). Ownership passes to the caller, so this
 * works once; a result nobody takes is freed with its destroy notify.
 *
 * Any thread. Calling it before the task is done is a programmer error.
 *
 * Returns: (transfer full) (nullable): the task's result, or %NULL with
 *   @error set if the task failed
 */
gpointer
ta_task_propagate_pointer (TaTask  *self,
                           GError **error)
{
  gpointer ret;

  g_return_val_if_fail (TA_IS_TASK (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!ta_task_propagate_begin (self, error))
    return NULL;

  if (self->result_kind != TA_RESULT_IN_GTASK)
    {
      ta_monitor_unlock (&self->monitor);
      g_critical ("ta_task_propagate_pointer: the result of task “%s” was "
                  "already propagated; a pointer can only be taken once",
                  self->name);
      return NULL;
    }

  ret = g_task_propagate_pointer (self->gtask, NULL);
  self->result_kind = TA_RESULT_POINTER;
  ta_monitor_unlock (&self->monitor);

  return ret;
}

/**
 * ta_task_propagate_boolean:
 * @self: a task that is done
 * @error: return location for a #GError
 *
 * Gets the boolean the task returned with g_task_return_boolean(). It may
 * be called again and returns the same value.
 *
 * Any thread. Calling it before the task is done is a programmer error.
 *
 * Returns: the task's result, or %FALSE with @error set if it failed
 */
gboolean
ta_task_propagate_boolean (TaTask  *self,
                           GError **error)
{
  gboolean ret;

  g_return_val_if_fail (TA_IS_TASK (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!ta_task_propagate_begin (self, error))
    return FALSE;
  if (!ta_task_check_kind_locked (self, TA_RESULT_BOOLEAN, G_STRFUNC))
    return FALSE;

  if (self->result_kind == TA_RESULT_IN_GTASK)
    {
      self->result_boolean = g_task_propagate_boolean (self->gtask, NULL);
      self->result_kind = TA_RESULT_BOOLEAN;
    }
  ret = self->result_boolean;
  ta_monitor_unlock (&self->monitor);

  return ret;
}

/**
 * ta_task_propagate_int:
 * @self: a task that is done
 * @error: return location for a #GError
 *
 * Gets the integer the task returned with g_task_return_int(). It may be
 * called again and returns the same value.
 *
 * Any thread. Calling it before the task is done is a programmer error.
 *
 * Returns: the task's result, or -1 with @error set if it failed
 */
gssize
ta_task_propagate_int (TaTask  *self,
                       GError **error)
{
  gssize ret;

  g_return_val_if_fail (TA_IS_TASK (self), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!ta_task_propagate_begin (self, error))
    return -1;
  if (!ta_task_check_kind_locked (self, TA_RESULT_INT, G_STRFUNC))
    return -1;

  if (self->result_kind == TA_RESULT_IN_GTASK)
    {
      self->result_int = g_task_propagate_int (self->gtask, NULL);
      self->result_kind = TA_RESULT_INT;
    }
  ret = self->result_int;
  ta_monitor_unlock (&self->monitor);

  return ret;
}

/**
 * ta_task_propagate_value:
 * @self: a task that is done
 * @value: (out caller-allocates): a #GValue to fill (what it held is
 *   released); on failure it holds a %NULL pointer
 * @error: return location for a #GError
 *
 * Gets a copy of the value the task returned with g_task_return_value().
 * It may be called again and returns an equal copy, which makes it the
 * accessor for bindings: a basic value, a [struct@GLib.Variant] or a
 * [class@GObject.Object] all cross threads safely this way.
 *
 * Any thread. Calling it before the task is done is a programmer error.
 *
 * Returns: %TRUE with @value set, or %FALSE with @error set if the task
 *   failed
 */
gboolean
ta_task_propagate_value (TaTask   *self,
                         GValue   *value,
                         GError  **error)
{
  g_return_val_if_fail (TA_IS_TASK (self), FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ta_value_out_fail (value);
  if (!ta_task_propagate_begin (self, error))
    return FALSE;
  if (!ta_task_check_kind_locked (self, TA_RESULT_VALUE, G_STRFUNC))
    return FALSE;

  if (self->result_kind == TA_RESULT_IN_GTASK)
    {
      if (!g_task_propagate_value (self->gtask, &self->result_value, NULL))
        {
          ta_monitor_unlock (&self->monitor);
          g_set_error (error, TA_ERROR, TA_ERROR_INVALID_VALUE,
                       "Task “%s” did not return a value with g_task_return_value()",
                       self->name);
          return FALSE;
        }
      self->result_kind = TA_RESULT_VALUE;
    }
  g_value_unset (value);
  g_value_init (value, G_VALUE_TYPE (&self->result_value));
  g_value_copy (&self->result_value, value);
  ta_monitor_unlock (&self->monitor);

  return TRUE;
}
