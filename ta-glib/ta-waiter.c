/* ta-waiter.c: asynchronous waits completed in the caller's context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-cancel-private.h"
#include "ta-waiter-private.h"

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
      g_clear_pointer (&self->cancel_source, g_source_unref);
      g_clear_object (&self->task);
      g_clear_object (&self->owner);
      g_free (self);
    }
}

void
ta_waiter_unlink_locked (TaWaiter *self)
{
  g_assert (self->linked);
  g_queue_unlink (self->queue, &self->link);
  self->linked = FALSE;
}

/* Dispatched in the waiter's own context when its cancellable fires. */
static gboolean
ta_waiter_cancelled_cb (gpointer user_data)
{
  TaWaiter *self = user_data;
  gboolean won = FALSE;

  ta_monitor_lock (self->monitor);
  if (self->linked)
    {
      ta_waiter_unlink_locked (self);
      won = TRUE;
    }
  ta_monitor_unlock (self->monitor);

  if (won)
    {
      g_task_return_error_if_cancelled (self->task);
      ta_waiter_unref (self);   /* the queue's; the watch goes with G_SOURCE_REMOVE */
    }

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

  g_atomic_ref_count_init (&self->ref_count);
  self->link.data = self;
  self->task = g_object_ref (task);
  self->monitor = monitor;
  self->queue = queue;
  self->owner = g_object_ref (owner);
  self->linked = TRUE;
  g_queue_push_tail_link (queue, &self->link);

  if (cancellable != NULL)
    {
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
  g_assert (!self->linked);

  if (self->cancel_source != NULL)
    g_source_destroy (self->cancel_source);
  ta_waiter_unref (self);
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
