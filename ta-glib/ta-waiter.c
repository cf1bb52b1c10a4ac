/* ta-waiter.c: asynchronous waits completed in the caller's context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-cancel-private.h"
#include "ta-post-private.h"
#include "ta-runner-private.h"
#include "ta-waiter-private.h"

#include <string.h>

static TaWaiter *
ta_waiter_ref (TaWaiter *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
ta_waiter_unref (TaWaiter *self)
{
  if (ta_ref_count_dec (&self->ref_count))
    {
      g_assert (!self->linked);
      /* Retired with the context still alive: it may be another thread's,
       * whose owner could otherwise finalize it under our feet. */
      g_clear_pointer (&self->cancel_source, ta_cancellable_source_retire);
      g_clear_object (&self->task);
      g_clear_object (&self->owner);
      g_clear_pointer (&self->context, g_main_context_unref);
      g_clear_pointer (&self->core, ta_runner_core_unref);
      g_free (self);
    }
}

void
ta_waiter_unlink_locked (TaWaiter *self)
{
  gboolean registered = FALSE;

  g_assert (self->linked);
  g_queue_unlink (self->queue, &self->link);
  self->linked = FALSE;

  if (self->core != NULL)
    {
      ta_mutex_lock (&self->core->waiters_mutex);
      registered = self->registered;
      if (registered)
        {
          g_queue_unlink (&self->core->waiters, &self->core_link);
          self->registered = FALSE;
        }
      ta_mutex_unlock (&self->core->waiters_mutex);
    }

  /* The runner's reference: never the last, the unlinker holds one. */
  if (registered && ta_ref_count_dec (&self->ref_count))
    g_assert_not_reached ();
}

/* Unlinks the waiter if it still waits: whoever does owns its end. */
static gboolean
ta_waiter_try_unlink (TaWaiter *self)
{
  gboolean won = FALSE;

  ta_monitor_lock (self->monitor);
  if (self->linked)
    {
      ta_waiter_unlink_locked (self);
      won = TRUE;
    }
  ta_monitor_unlock (self->monitor);

  return won;
}

/* Dispatched in the waiter's own context when its cancellable fires. */
static gboolean
ta_waiter_cancelled_cb (gpointer user_data)
{
  TaWaiter *self = user_data;

  if (ta_waiter_try_unlink (self))
    {
      if (self->cancelled != NULL)
        self->cancelled (self);
      g_task_return_error_if_cancelled (self->task);
      ta_waiter_unref (self);   /* the queue's; the watch goes with G_SOURCE_REMOVE */
    }

  /* The watch's reference may be dropped on another thread, through
   * GSourceCallback's refcount inside libglib: show TSan the edge. */
  ta_tsan_release (&self->ref_count);

  return G_SOURCE_REMOVE;
}

/*
 * ta_waiter_new_locked:
 *
 * Called with @monitor locked. Links a new waiter for @task into @queue;
 * the queue holds the returned (borrowed) reference. If @task has a
 * cancellable, cancelling it fails the wait with %G_IO_ERROR_CANCELLED in
 * the task's context.
 */
TaWaiter *
ta_waiter_new_locked (GObject   *owner,
                      TaMonitor *monitor,
                      GQueue    *queue,
                      GTask     *task)
{
  TaWaiter *self = g_new0 (TaWaiter, 1);
  GCancellable *cancellable = g_task_get_cancellable (task);
  TaRunnerCore *core;

  g_atomic_ref_count_init (&self->ref_count);
  self->link.data = self;
  self->task = g_object_ref (task);
  self->monitor = monitor;
  self->queue = queue;
  self->owner = g_object_ref (owner);
  self->linked = TRUE;
  g_queue_push_tail_link (queue, &self->link);

  /* Started by a task (or anything else) in its runner's context. */
  core = ta_runner_core_peek_current ();
  if (core != NULL && core->context == g_task_get_context (task))
    {
      self->core = ta_runner_core_ref (core);
      self->core_link.data = self;
      ta_waiter_ref (self);
      ta_mutex_lock (&core->waiters_mutex);
      g_queue_push_tail_link (&core->waiters, &self->core_link);
      self->registered = TRUE;
      ta_mutex_unlock (&core->waiters_mutex);
    }

  if (cancellable != NULL)
    {
      self->context = g_main_context_ref (g_task_get_context (task));
      self->cancel_source = ta_cancellable_source_new (cancellable);
      g_source_set_static_name (self->cancel_source, "[ta-glib] wait cancelled");
      g_source_set_callback (self->cancel_source,
                             ta_waiter_cancelled_cb,
                             ta_waiter_ref (self),
                             (GDestroyNotify) ta_waiter_unref);
      g_source_attach (self->cancel_source, g_task_get_context (task));
    }

  return self;
}

/*
 * ta_waiter_release:
 *
 * Drops the reference of whoever unlinked the waiter, after returning on
 * its task. The cancellation watch goes with it. Any thread, unlocked.
 */
void
ta_waiter_release (TaWaiter *self)
{
  GSource *cancel_source;

  g_assert (!self->linked);

  /* The watch's callback holds a reference to us: retiring the watch
   * drops it. Only the side that unlinked the waiter gets here, once. */
  cancel_source = g_steal_pointer (&self->cancel_source);
  if (cancel_source != NULL)
    ta_cancellable_source_retire (cancel_source);
  ta_waiter_unref (self);
}

/*
 * ta_waiter_init_blocking_locked:
 *
 * Called with @monitor locked: links @self, which lives on the caller's
 * stack, for a thread that is about to block. It is never referenced.
 */
void
ta_waiter_init_blocking_locked (TaWaiter  *self,
                                TaMonitor *monitor,
                                GQueue    *queue)
{
  memset (self, 0, sizeof *self);
  self->link.data = self;
  self->monitor = monitor;
  self->queue = queue;
  self->linked = TRUE;
  g_queue_push_tail_link (queue, &self->link);
}

typedef enum {
  TA_RETURN_BOOLEAN,
  TA_RETURN_POINTER,
  TA_RETURN_ERROR,
  TA_RETURN_CALL,
} TaReturnKind;

typedef struct
{
  TaWorkItem      item;          /* when posted to a runner's inbox */
  GTask          *task;
  TaReturnKind    kind;
  gboolean        boolean;
  gpointer        pointer;
  GDestroyNotify  pointer_destroy;
  GError         *error;
  TaTaskCallFunc  call;
} TaReturn;

static gboolean
ta_return_dispatch (gpointer data)
{
  TaReturn *r = data;

  ta_tsan_acquire (r);
  switch (r->kind)
    {
    case TA_RETURN_BOOLEAN:
      g_task_return_boolean (r->task, r->boolean);
      break;

    case TA_RETURN_POINTER:
      g_task_return_pointer (r->task, g_steal_pointer (&r->pointer), r->pointer_destroy);
      r->pointer_destroy = NULL;
      break;

    case TA_RETURN_CALL:
      r->call (r->task, g_steal_pointer (&r->pointer));
      r->pointer_destroy = NULL;
      break;

    case TA_RETURN_ERROR:
    default:
      g_task_return_error (r->task, g_steal_pointer (&r->error));
      break;
    }

  return G_SOURCE_REMOVE;
}

/* Also runs when the context goes away before dispatching: the result
 * is freed, never leaked. */
static void
ta_return_free (gpointer data)
{
  TaReturn *r = data;

  if (r->pointer_destroy != NULL && r->pointer != NULL)
    r->pointer_destroy (r->pointer);
  g_clear_error (&r->error);
  g_object_unref (r->task);
  g_free (r);
}

static void
ta_return_item_func (TaWorkItem *item,
                     gboolean    run)
{
  TaReturn *r = (TaReturn *) item;

  if (run)
    ta_return_dispatch (r);
  ta_return_free (r);
}

static void
ta_task_return_in_context (TaReturn *r)
{
  GMainContext *context = g_task_get_context (r->task);

  if (g_main_context_is_owner (context))
    {
      ta_return_dispatch (r);
      ta_return_free (r);
      return;
    }

  /* A runner's context: through its inbox, which also drops it if the
   * runner has stopped and will never dispatch it. Any other context:
   * through its post source. Either way a burst of completions costs one
   * wake-up. */
  r->item.func = ta_return_item_func;
  ta_tsan_release (r);
  ta_context_post (context, &r->item);
}

void
ta_task_return_boolean_in_context (GTask    *task,
                                   gboolean  result)
{
  TaReturn *r = g_new0 (TaReturn, 1);

  r->task = task;  /* the caller's reference */
  r->kind = TA_RETURN_BOOLEAN;
  r->boolean = result;
  ta_task_return_in_context (r);
}

void
ta_task_return_pointer_in_context (GTask          *task,
                                   gpointer        result,
                                   GDestroyNotify  result_destroy)
{
  TaReturn *r = g_new0 (TaReturn, 1);

  r->task = task;  /* the caller's reference */
  r->kind = TA_RETURN_POINTER;
  r->pointer = result;
  r->pointer_destroy = result_destroy;
  ta_task_return_in_context (r);
}

void
ta_task_return_error_in_context (GTask  *task,
                                 GError *error)
{
  TaReturn *r = g_new0 (TaReturn, 1);

  r->task = task;  /* the caller's reference */
  r->kind = TA_RETURN_ERROR;
  r->error = error;
  ta_task_return_in_context (r);
}

void
ta_task_call_in_context (GTask          *task,
                         TaTaskCallFunc  func,
                         gpointer        data,
                         GDestroyNotify  data_destroy)
{
  TaReturn *r = g_new0 (TaReturn, 1);

  r->task = task;  /* the caller's reference */
  r->kind = TA_RETURN_CALL;
  r->call = func;
  r->pointer = data;
  r->pointer_destroy = data_destroy;
  ta_task_return_in_context (r);
}

void
ta_waiter_complete_call (TaWaiter       *self,
                         TaTaskCallFunc  func,
                         gpointer        data,
                         GDestroyNotify  data_destroy)
{
  GTask *task = g_steal_pointer (&self->task);

  ta_waiter_release (self);
  ta_task_call_in_context (task, func, data, data_destroy);
}

void
ta_waiter_complete_boolean (TaWaiter *self,
                            gboolean  result)
{
  GTask *task = g_steal_pointer (&self->task);

  ta_waiter_release (self);
  ta_task_return_boolean_in_context (task, result);
}

void
ta_waiter_complete_pointer (TaWaiter       *self,
                            gpointer        result,
                            GDestroyNotify  result_destroy)
{
  GTask *task = g_steal_pointer (&self->task);

  ta_waiter_release (self);
  ta_task_return_pointer_in_context (task, result, result_destroy);
}

void
ta_waiter_complete_error (TaWaiter *self,
                          GError   *error)
{
  GTask *task = g_steal_pointer (&self->task);

  ta_waiter_release (self);
  ta_task_return_error_in_context (task, error);
}

void
ta_waiter_detach_list (GQueue *core_links)
{
  GList *link;

  while ((link = g_queue_pop_head_link (core_links)) != NULL)
    {
      TaWaiter *self = link->data;

      if (ta_waiter_try_unlink (self))
        {
          GTask *task = g_steal_pointer (&self->task);

          if (self->cancelled != NULL)
            self->cancelled (self);
          /* Its context will never run the callback, nor the runner
           * thread, which may still be in the middle of its own exit: the
           * wait is dropped as the context would drop its return. */
          ta_waiter_release (self);   /* the queue's reference */
          g_object_unref (task);
        }
      ta_waiter_unref (self);   /* the runner's */
    }
}

GList *
ta_waiter_steal_all_locked (GQueue *queue)
{
  GList *stolen = NULL;
  GList *link;

  while ((link = g_queue_peek_head_link (queue)) != NULL)
    {
      TaWaiter *waiter = link->data;

      ta_waiter_unlink_locked (waiter);
      stolen = g_list_prepend (stolen, waiter);
    }

  return g_list_reverse (stolen);
}
