/* ta-task-result.c: a task as its own GAsyncResult, and waiting for the first of many
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-error.h"
#include "ta-post-private.h"
#include "ta-task-private.h"
#include "ta-waiter-private.h"

/*
 * One ta_task_wait_any() call: a waiter in each task's list points to the
 * shared group, which records the first task to complete.
 */
typedef struct
{
  gatomicrefcount ref_count;
  TaMonitor       monitor;    /* guards first */
  gint            first;
} TaWaitGroup;

typedef struct
{
  TaWaiter     waiter;        /* first: linked in a task's waiters, no task */
  TaWaitGroup *group;         /* strong */
  guint        index;
} TaAnyWaiter;

static TaWaitGroup *
ta_wait_group_ref (TaWaitGroup *group)
{
  g_atomic_ref_count_inc (&group->ref_count);
  return group;
}

static void
ta_wait_group_unref (TaWaitGroup *group)
{
  if (ta_ref_count_dec (&group->ref_count))
    {
      ta_monitor_clear (&group->monitor);
      g_free (group);
    }
}

/* Any thread: the task of @any_waiter completed. The waiting thread owns
 * the waiter and frees it once marked done: not touched after that. */
void
ta_task_any_waiter_complete (TaWaiter *waiter)
{
  TaAnyWaiter *any_waiter = (TaAnyWaiter *) waiter;
  TaWaitGroup *group = any_waiter->group;

  ta_monitor_lock (&group->monitor);
  if (group->first < 0)
    group->first = any_waiter->index;
  any_waiter->waiter.done = TRUE;   /* guarded by the group's monitor */
  ta_monitor_broadcast (&group->monitor);
  ta_monitor_unlock (&group->monitor);
}

static gpointer
ta_task_async_get_user_data (GAsyncResult *result)
{
  return TA_TASK (result)->async_data;
}

/* Under the monitor: the callback's context lets go of the source once
 * the callback returned, maybe while another thread asks. */
static GObject *
ta_task_async_get_source_object (GAsyncResult *result)
{
  TaTask *self = TA_TASK (result);
  GObject *source;

  ta_monitor_lock (&self->monitor);
  source = self->async_source != NULL ? g_object_ref (self->async_source) : NULL;
  ta_monitor_unlock (&self->monitor);

  return source;
}

static gboolean
ta_task_async_is_tagged (GAsyncResult *result,
                         gpointer      source_tag)
{
  TaTask *self = TA_TASK (result);

  return self->async_tag != NULL && self->async_tag == source_tag;
}

void
ta_task_async_result_iface_init (GAsyncResultIface *iface)
{
  iface->get_user_data = ta_task_async_get_user_data;
  iface->get_source_object = ta_task_async_get_source_object;
  iface->is_tagged = ta_task_async_is_tagged;
}

/* In the callback's context, once the task is done: calls it with the
 * task as the result, as GTask would, the context thread-default. Or,
 * if that context will never run it, just lets go. */
static void
ta_task_async_item_func (TaWorkItem *item,
                         gboolean    run)
{
  TaTask *self = (TaTask *) ((guint8 *) item - G_STRUCT_OFFSET (TaTask, async_item));
  GMainContext *context;
  GObject *source;

  ta_tsan_acquire (item);
  context = g_steal_pointer (&self->async_context);
  if (run)
    {
      GMainContext *current = g_main_context_get_thread_default ();
      gboolean push = (current != NULL ? current : g_main_context_default ()) != context;

      if (push)
        g_main_context_push_thread_default (context);
      self->async_callback (self->async_source, G_ASYNC_RESULT (self), self->async_data);
      if (push)
        g_main_context_pop_thread_default (context);
    }

  /* The source object is the result's while the callback runs, where
   * the finish function looks at it; not after. Kept with the task, it
   * would keep an executor alive through the task's record of a failure
   * nobody retrieved, or let its last reference go on one of its own
   * workers, where the handle often goes last. */
  ta_monitor_lock (&self->monitor);
  source = g_steal_pointer (&self->async_source);
  ta_monitor_unlock (&self->monitor);
  g_clear_object (&source);
  g_main_context_unref (context);
  g_object_unref (self);  /* the item's reference */
}

/* Any thread, once: the task is done. */
void
ta_task_post_async (TaTask *self)
{
  g_object_ref (self);  /* the item's, dropped in the callback's context */
  self->async_item.func = ta_task_async_item_func;
  ta_tsan_release (&self->async_item);
  ta_context_post (self->async_context, &self->async_item);
}

/*
 * ta_task_complete_async:
 * @source_object: (nullable): the result's source object, held until the
 *   callback returned
 * @source_tag: the result's tag, which the finish function checks
 *
 * Makes the task the GAsyncResult of an `_async` call that completes when
 * the task does: @callback runs with it in the caller's thread-default
 * context, never from within this call, and the finish function takes
 * the outcome with ta_task_finish_async(). One GObject instead of a GTask
 * per wait, for the calls that make a task and wait for it at once.
 *
 * Any thread, at most once per task, by whoever made it.
 */
void
ta_task_complete_async (TaTask              *self,
                        gpointer             source_object,
                        gpointer             source_tag,
                        GAsyncReadyCallback  callback,
                        gpointer             callback_data)
{
  gboolean done;

  g_assert (callback != NULL);
  g_assert (source_tag != NULL);

  ta_monitor_lock (&self->monitor);
  g_assert (self->async_callback == NULL);
  self->async_callback = callback;
  self->async_data = callback_data;
  self->async_tag = source_tag;
  self->async_source = source_object != NULL ? g_object_ref (source_object) : NULL;
  self->async_source_id = source_object;
  self->async_context = g_main_context_ref_thread_default ();
  done = self->state == TA_TASK_DONE;
  ta_monitor_unlock (&self->monitor);

  /* Otherwise the completion posts it, having seen the callback under
   * the monitor. */
  if (done)
    ta_task_post_async (self);
}

/* Whether @result is a task made the result of @source_object's call
 * tagged @source_tag by ta_task_complete_async(). */
gboolean
ta_task_is_async_result (GAsyncResult *result,
                         gpointer      source_object,
                         gpointer      source_tag)
{
  TaTask *self;

  if (!TA_IS_TASK (result))
    return FALSE;
  self = TA_TASK (result);

  return self->async_tag == source_tag && self->async_source_id == source_object;
}

/* Reports the outcome of a task given to its callback as the result:
 * %TRUE, or %FALSE with the task's error, which is then retrieved. */
gboolean
ta_task_finish_async (TaTask  *self,
                      GError **error)
{
  gboolean ret;

  ta_monitor_lock (&self->monitor);
  g_assert (self->state == TA_TASK_DONE);
  ret = ta_task_report_locked (self, error);
  ta_monitor_unlock (&self->monitor);

  if (!ret)
    ta_task_mark_retrieved (self);

  return ret;
}

/**
 * ta_task_wait_any:
 * @tasks: (array length=n_tasks): the tasks to wait for
 * @n_tasks: how many there are, at least one
 * @timeout_us: how long to wait, in microseconds, or %TA_TIMEOUT_INFINITE
 *   (%TA_TIMEOUT_DEFAULT means the same: the tasks may belong to several
 *   runners and executors)
 * @error: return location for a #GError
 *
 * Blocks until one of @tasks is done, and says which: the lowest index of
 * those already done, or else the first to complete. Removing it from the
 * set and calling again gives the tasks in the order they complete, like
 * `concurrent.futures.as_completed()`; the task's outcome is then read
 * with [method@Ta.Task.wait] or the propagate functions.
 *
 * Any thread, but on the thread of a task's runner (or a worker of its
 * executor) it fails at once with %TA_ERROR_WOULD_DEADLOCK unless a task
 * is already done.
 *
 * Returns: the index of a done task, or -1 with %TA_ERROR_TIMEOUT or
 *   %TA_ERROR_WOULD_DEADLOCK
 */
gint
ta_task_wait_any (TaTask  **tasks,
                  guint     n_tasks,
                  gint64    timeout_us,
                  GError  **error)
{
  TaAnyWaiter **any_waiters;
  gboolean *taken;
  TaWaitGroup *group;
  gint64 end_time;
  gint first = -1;
  gboolean would_deadlock = FALSE;

  g_return_val_if_fail (tasks != NULL, -1);
  g_return_val_if_fail (n_tasks > 0, -1);
  g_return_val_if_fail (timeout_us >= TA_TIMEOUT_DEFAULT, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);
  for (guint i = 0; i < n_tasks; i++)
    g_return_val_if_fail (TA_IS_TASK (tasks[i]), -1);

  if (timeout_us == TA_TIMEOUT_DEFAULT)
    timeout_us = TA_TIMEOUT_INFINITE;

  group = g_new0 (TaWaitGroup, 1);
  g_atomic_ref_count_init (&group->ref_count);
  ta_monitor_init (&group->monitor);
  group->first = -1;
  any_waiters = g_new0 (TaAnyWaiter *, n_tasks);
  taken = g_new0 (gboolean, n_tasks);

  for (guint i = 0; i < n_tasks && first < 0; i++)
    {
      TaTask *task = tasks[i];

      ta_monitor_lock (&task->monitor);
      if (task->state == TA_TASK_DONE)
        first = i;
      else
        {
          TaAnyWaiter *any_waiter = g_new0 (TaAnyWaiter, 1);

          ta_waiter_init_blocking_locked (&any_waiter->waiter, &task->monitor, &task->waiters);
          any_waiter->group = ta_wait_group_ref (group);
          any_waiter->index = i;
          any_waiters[i] = any_waiter;
        }
      ta_monitor_unlock (&task->monitor);

      would_deadlock |= ta_scheduler_current_serial () == task->scheduler_serial;
    }

  end_time = ta_end_time_from_timeout (timeout_us);
  ta_monitor_lock (&group->monitor);
  if (first < 0 && !would_deadlock)
    while (group->first < 0)
      if (!ta_monitor_wait_until (&group->monitor, end_time))
        break;
  if (first < 0)
    first = group->first;
  ta_monitor_unlock (&group->monitor);

  /* Unlink what is still linked. A waiter a completion took may still be
   * in its hands: wait until it is marked done before freeing it. */
  for (guint i = 0; i < n_tasks; i++)
    {
      TaAnyWaiter *any_waiter = any_waiters[i];

      if (any_waiter == NULL)
        continue;

      ta_monitor_lock (&tasks[i]->monitor);
      if (any_waiter->waiter.linked)
        ta_waiter_unlink_locked (&any_waiter->waiter);
      else
        taken[i] = TRUE;
      ta_monitor_unlock (&tasks[i]->monitor);
    }
  ta_monitor_lock (&group->monitor);
  for (guint i = 0; i < n_tasks; i++)
    while (taken[i] && !any_waiters[i]->waiter.done)
      ta_monitor_wait_until (&group->monitor, -1);
  ta_monitor_unlock (&group->monitor);
  for (guint i = 0; i < n_tasks; i++)
    {
      if (any_waiters[i] != NULL)
        {
          ta_wait_group_unref (any_waiters[i]->group);
          g_free (any_waiters[i]);
        }
    }
  g_free (any_waiters);
  g_free (taken);
  ta_wait_group_unref (group);

  if (first < 0 && would_deadlock)
    g_set_error_literal (error, TA_ERROR, TA_ERROR_WOULD_DEADLOCK,
                         "Waiting for tasks of this thread's own runner would deadlock");
  else if (first < 0)
    {
      g_autofree char *timeout = ta_format_timeout (timeout_us);

      g_set_error (error, TA_ERROR, TA_ERROR_TIMEOUT,
                   "None of the %u tasks completed within %s", n_tasks, timeout);
    }

  return first;
}
