/* ta-task-run.c: a task's life on its runner: start, completion, publication
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-error.h"
#include "ta-task-private.h"
#include "ta-waiter-private.h"

/* Ties a task to its GTask until the GTask returns, to learn if it is
 * finalized without returning: the GTask's data, not a weak reference,
 * which GLib 2.74 guards with a lock shared by every thread. Set once by
 * the class's initialisation, before any task exists. */
static GQuark gtask_quark;

void
ta_task_run_class_init (void)
{
  gtask_quark = g_quark_from_static_string ("ta-task-of-gtask");

  /* The classes every start makes an instance of are initialized here,
   * on the thread that makes the first task, rather than on a runner's
   * thread in the middle of a start, where the time it takes shows as a
   * stall nothing is named for. */
  g_type_class_unref (g_type_class_ref (G_TYPE_TASK));
  g_type_class_unref (g_type_class_ref (G_TYPE_CANCELLABLE));
}

static gboolean
ta_task_error_is_failure (const GError *error)
{
  return error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* What a completion does once the task's monitor is released. */
typedef struct
{
  TaScheduler *scheduler;       /* the task's reference */
  TaScheduler *late_scheduler;  /* failed after the stop collected errors */
  GList       *waiters;
  gboolean     post_async;
  gboolean     drained;
  gboolean     release;         /* the ledger's reference, to drop */
} TaCompletion;

/*
 * Called with the monitor locked, in %TA_TASK_COMPLETING: publishes the
 * outcome. The error is in place before the task joins the ledger's
 * failed list, where a stop may look at it at once, and the task is DONE
 * (seen by waiters, who may retrieve the error) only once it is there.
 * Lock order: the task's monitor, then the ledger's lock.
 */
static void
ta_task_complete_locked (TaTask       *self,
                         GTask        *gtask,   /* transfer full */
                         GError       *error,
                         TaCompletion *completion)
{
  gboolean failed;

  g_assert (self->state == TA_TASK_COMPLETING);

  /* An error somebody has already seen is not reported again. */
  failed = ta_task_error_is_failure (error) && !self->retrieved;
  completion->scheduler = g_steal_pointer (&self->scheduler);
  self->error = error;
  if (ta_ledger_task_done (&completion->scheduler->ledger, self, failed,
                           &completion->drained, &completion->release))
    self->failed_scheduler = ta_scheduler_ref (completion->scheduler);
  else if (failed)
    completion->late_scheduler = ta_scheduler_ref (completion->scheduler);

  self->state = TA_TASK_DONE;
  self->gtask = gtask;
  completion->waiters = ta_waiter_steal_all_locked (&self->waiters);
  completion->post_async = self->async_callback != NULL;
  ta_monitor_broadcast (&self->monitor);
}

/* The rest, with no lock held: wakes who waits, reports a failure nobody
 * can collect any more. */
static void
ta_task_complete_unlocked (TaTask       *self,
                           TaCompletion *completion)
{
  TaScheduler *scheduler = completion->scheduler;
  const GError *error = self->error;  /* immutable once DONE */

  /* Only a completion racing with the end of a stop gets here: the stop
   * has collected its report already. Say so rather than lose it. */
  if (completion->late_scheduler != NULL)
    {
      g_warning ("Task “%s” failed after its runner “%s” stopped: %s",
                 self->name, completion->late_scheduler->name, error->message);
      ta_scheduler_unref (completion->late_scheduler);
    }

  for (GList *l = completion->waiters; l != NULL; l = l->next)
    {
      TaWaiter *waiter = l->data;

      if (waiter->task == NULL)
        ta_task_any_waiter_complete (waiter);
      else if (error != NULL)
        ta_waiter_complete_error (waiter, g_error_copy (error));
      else
        ta_waiter_complete_boolean (waiter, TRUE);
    }
  g_list_free (completion->waiters);

  if (completion->post_async)
    ta_task_post_async (self);

  if (completion->drained && scheduler->klass->drained != NULL)
    scheduler->klass->drained (scheduler);

  if (completion->release)
    g_object_unref (self);

  ta_scheduler_unref (scheduler);
}

/*
 * ta_task_complete:
 * @gtask: (nullable) (transfer full): the returned task, on success
 * @error: (nullable) (transfer full): the error, on failure
 *
 * Completes the task, unless another completion claimed it first: then
 * returns %FALSE, having dropped both. Any thread, no lock held; the caller holds a reference.
 */
static gboolean
ta_task_complete (TaTask *self,
                  GTask  *gtask,
                  GError *error)
{
  TaCompletion completion = { NULL, };

  ta_monitor_lock (&self->monitor);
  if (self->state >= TA_TASK_COMPLETING)
    {
      ta_monitor_unlock (&self->monitor);
      g_clear_error (&error);
      g_clear_object (&gtask);
      return FALSE;
    }
  self->state = TA_TASK_COMPLETING;
  ta_task_complete_locked (self, gtask, error, &completion);
  ta_monitor_unlock (&self->monitor);

  ta_task_complete_unlocked (self, &completion);

  return TRUE;
}

/* Completes a task that the caller claimed (%TA_TASK_COMPLETING). */
static void
ta_task_complete_claimed (TaTask *self,
                          GError *error)
{
  TaCompletion completion = { NULL, };

  ta_monitor_lock (&self->monitor);
  ta_task_complete_locked (self, NULL, error, &completion);
  ta_monitor_unlock (&self->monitor);

  ta_task_complete_unlocked (self, &completion);
}

/* Runner thread: the GTask returned. */
static void
ta_task_gtask_done_cb (GObject      *source_object,
                       GAsyncResult *result,
                       gpointer      user_data);

/* Any thread: the GTask went away without ever returning. */
static void
ta_task_gtask_finalized_cb (gpointer user_data)
{
  TaTask *self = user_data;
  GError *error;

  error = g_error_new (TA_ERROR, TA_ERROR_ABANDONED,
                       "Task “%s” was dropped without returning a result "
                       "(its GTask was finalized before any g_task_return_*() call)",
                       self->name);
  if (!ta_task_is_done (self))
    g_critical ("%s", error->message);
  ta_task_complete (self, NULL, error);
  g_object_unref (self);  /* the GTask callback's reference */
}

/* Runner thread: publishes what the GTask returned. Either way (run or
 * discarded at the runner's exit) the outcome is published. A pool's
 * worker calls it directly, through the item. */
static void
ta_task_publish_item_func (TaWorkItem *item,
                           gboolean    run)
{
  TaTask *self = (TaTask *) ((guint8 *) item - G_STRUCT_OFFSET (TaTask, publish_item));
  /* The GTask callback's reference on the GTask becomes the result's. */
  ta_task_complete (self, g_steal_pointer (&self->pending_gtask),
                    g_steal_pointer (&self->pending_error));
  g_object_unref (self);  /* the GTask callback's reference */
}

static void
ta_task_gtask_done_cb (GObject      *source_object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  TaTask *self = user_data;
  GTask *gtask = (GTask *) result;  /* ours: made in ta_task_begin_full() */
  TaScheduler *scheduler;

  /* Watched only if it did not return during the call. */
  if (!self->calling)
    g_object_steal_qdata (G_OBJECT (gtask), gtask_quark);

  if (g_task_had_error (gtask))
    {
      /* Takes the error without touching a result the task may have set:
       * that one is freed with the GTask. */
      g_task_propagate_pointer (gtask, &self->pending_error);
    }
  else
    {
      self->pending_gtask = g_object_ref (gtask);
    }

  /* We are inside g_task_return_now(), which still writes to the GTask
   * once this callback returns: other threads must not touch it before
   * then. A task function that returned at once is published as soon as
   * it is back (ta_task_call()); otherwise the scheduler publishes once
   * its thread is back from the dispatch. The GTask's context is the
   * scheduler's, only ever iterated by its thread: the call itself runs
   * there, so only a later return looks the scheduler up. */
  self->publish_item.func = ta_task_publish_item_func;
  if (self->calling)
    {
      self->returned_in_call = TRUE;
      return;
    }

  scheduler = ta_scheduler_get_current ();
  g_assert (scheduler != NULL && scheduler->serial == self->scheduler_serial);
  scheduler->klass->publish (scheduler, &self->publish_item);
}

static GError *
ta_task_new_stopped_error (TaTask *self)
{
  return g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                      "Task “%s” was cancelled: its runner stopped",
                      self->name);
}

static GError *
ta_task_new_not_started_error (TaTask *self)
{
  return g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                      "Task “%s” was cancelled before it started",
                      self->name);
}

/*
 * ta_task_begin_full:
 * @prepare: %TRUE to leave a task that was cancelled alone (it fails when
 *   its turn comes), rather than fail it now
 *
 * Runner or worker thread. The first half of a task's start: takes the
 * task function and makes the GTask it gets, or fails the task if it was
 * cancelled before it started. GLib completes a GTask without an idle
 * source of its own when it returns in a later main-loop iteration than
 * the one that made it, and one made outside any dispatch counts as
 * older than every iteration; so tasks are begun before the dispatch
 * that calls them where possible (ta_task_prepare_claimed() in a
 * runner's inbox, ta_task_prepare() in a worker's loop), and a function
 * that returns at once completes at once.
 *
 * Returns: %TRUE if @start holds the GTask and function to call with
 *   ta_task_call(), %FALSE if the task will not run (now)
 */
static gboolean
ta_task_begin_full (TaTask      *self,
                    TaTaskStart *start,
                    gboolean     prepare)
{
  GDestroyNotify user_data_destroy;
  gboolean cancelled;

  ta_monitor_lock (&self->monitor);
  /* A stop that gave up on the task may have taken its function already
   * (the task is COMPLETING then). */
  if (self->state != TA_TASK_PENDING)
    {
      ta_monitor_unlock (&self->monitor);
      return FALSE;
    }
  /* Read once, through the atomic: another thread may have just made it. */
  start->cancellable = ta_task_ensure_cancellable (self);
  cancelled = g_cancellable_is_cancelled (start->cancellable);
  if (cancelled && prepare)
    {
      ta_monitor_unlock (&self->monitor);
      return FALSE;
    }
  /* Not a reference: the scheduler outlives the thread that runs its
   * tasks. */
  start->scheduler = self->scheduler;
  start->func = self->func;
  start->user_data = self->user_data;
  user_data_destroy = self->user_data_destroy;
  self->func = NULL;
  self->user_data = NULL;
  self->user_data_destroy = NULL;
  if (cancelled)
    {
      self->state = TA_TASK_COMPLETING;
      ta_monitor_unlock (&self->monitor);

      if (user_data_destroy != NULL)
        user_data_destroy (start->user_data);
      ta_task_complete_claimed (self, ta_task_new_not_started_error (self));
      return FALSE;
    }

  /* Under the monitor, so that a start begun ahead of its turn is kept in
   * the same step: no user code runs here. */
  self->state = TA_TASK_RUNNING;
  start->gtask = g_task_new (NULL, start->cancellable, ta_task_gtask_done_cb, g_object_ref (self));
  /* The name first: g_task_set_source_tag() names a nameless GTask after
   * the tag, a copy made only to be replaced. */
  g_task_set_name (start->gtask, self->name);
  g_task_set_source_tag (start->gtask, ta_task_begin_full);
  g_task_set_task_data (start->gtask, start->user_data, user_data_destroy);
  /* What the function returned is the outcome; see "Results" above. */
  g_task_set_check_cancellable (start->gtask, FALSE);
  if (prepare)
    self->prepared = *start;
  ta_monitor_unlock (&self->monitor);

  return TRUE;
}

/*
 * Ties @gtask to the task until it returns, to learn if it is finalized
 * without returning. Only for a GTask that did not return during the task
 * function's call (most return at once): the scheduler's thread, while it
 * holds a reference on @gtask.
 */
static void
ta_task_watch_gtask (TaTask *self,
                     GTask  *gtask)
{
  g_object_set_qdata_full (G_OBJECT (gtask), gtask_quark, self,
                           ta_task_gtask_finalized_cb);
}

/*
 * Any thread: gets rid of a start whose function will not be called, the
 * handle being complete already. GLib wants every GTask returned; its
 * callback will find the handle done. The return happens in the GTask's
 * context, like every other: a stop that gives up on a stuck runner runs
 * this on another thread.
 */
static void
ta_task_drop_start (TaTask      *self,
                    TaTaskStart *start)
{
  /* Its return may be dropped with its context: the GTask callback's
   * reference then goes with the GTask. */
  ta_task_watch_gtask (self, start->gtask);
  ta_task_return_error_in_context (g_steal_pointer (&start->gtask),
                                   ta_task_new_not_started_error (self));
}

/*
 * ta_task_claim_item:
 *
 * Called with the inbox locked, for an item that will run soon: a
 * reference on its task if it is a task's start, else %NULL.
 */
gpointer
ta_task_claim_item (TaWorkItem *item)
{
  if (item->func != ta_task_item_func)
    return NULL;

  return g_object_ref ((TaTask *) ((guint8 *) item - G_STRUCT_OFFSET (TaTask, item)));
}

/*
 * ta_task_prepare_claimed:
 * @claimed: (transfer full): what ta_task_claim_item() returned
 *
 * Runner thread, outside any dispatch (the inbox's prepare and check):
 * begins a task whose turn is coming, for ta_task_item_func() to call. A
 * task cancelled by then is left to fail in its turn.
 */
void
ta_task_prepare_claimed (gpointer claimed)
{
  ta_task_prepare (claimed);
  g_object_unref (claimed);
}

/* The same for a caller that holds a reference of its own: a pool's
 * worker, outside the dispatch that starts the job. */
void
ta_task_prepare (TaTask *self)
{
  TaTaskStart start;

  /* Kept in self->prepared when begun. */
  ta_task_begin_full (self, &start, TRUE);
}

/* The second half: calls the task function, on the same thread. */
static void
ta_task_call (TaTask      *self,
              TaTaskStart *start)
{
  TaActivity previous;

  previous = ta_scheduler_push_activity (start->scheduler, "task “", self->name, "”");
  self->calling = TRUE;
  start->func (start->gtask, start->cancellable, start->user_data);
  self->calling = FALSE;
  ta_scheduler_pop_activity (start->scheduler, previous);

  if (!self->returned_in_call)
    ta_task_watch_gtask (self, start->gtask);
  g_clear_object (&start->gtask);

  /* Returned during the call: g_task_return_now() is over by now, and
   * the outcome can be published without another trip through the
   * scheduler. */
  if (self->returned_in_call)
    {
      self->returned_in_call = FALSE;
      self->publish_item.func (&self->publish_item, TRUE);
    }
}

void
ta_task_item_func (TaWorkItem *item,
                   gboolean    run)
{
  TaTask *self = (TaTask *) ((guint8 *) item - G_STRUCT_OFFSET (TaTask, item));

  if (run)
    {
      TaTaskStart start;

      ta_monitor_lock (&self->monitor);
      start = self->prepared;
      self->prepared.gtask = NULL;
      ta_monitor_unlock (&self->monitor);

      if (start.gtask == NULL)
        {
          if (ta_task_begin_full (self, &start, FALSE))
            ta_task_call (self, &start);
        }
      else if (g_cancellable_is_cancelled (start.cancellable))
        {
          ta_task_complete (self, NULL, ta_task_new_not_started_error (self));
          ta_task_drop_start (self, &start);
        }
      else
        ta_task_call (self, &start);
    }
  else
    ta_task_force_complete (self, NULL);

  g_object_unref (self);  /* the queue's reference */
}

/*
 * ta_task_force_complete:
 * @error: (nullable): the error to fail with; %NULL for the stop's
 *   cancellation
 *
 * Fails the task now, whatever its function is doing: used by stop for
 * tasks that did not honour cancellation in time, and for tasks that never
 * got to start. Any thread.
 */
void
ta_task_force_complete (TaTask       *self,
                        const GError *error)
{
  GDestroyNotify user_data_destroy;
  gpointer user_data;
  TaTaskStart prepared;
  gboolean claimed;

  /* Claimed at once, with the function taken: it never starts now. */
  ta_monitor_lock (&self->monitor);
  user_data = self->user_data;
  user_data_destroy = self->user_data_destroy;
  self->user_data = NULL;
  self->user_data_destroy = NULL;
  self->func = NULL;
  prepared = self->prepared;
  self->prepared.gtask = NULL;
  claimed = self->state < TA_TASK_COMPLETING;
  if (claimed)
    self->state = TA_TASK_COMPLETING;
  ta_monitor_unlock (&self->monitor);

  if (user_data_destroy != NULL)
    user_data_destroy (user_data);

  if (claimed)
    ta_task_complete_claimed (self, error != NULL ? g_error_copy (error) :
                                                    ta_task_new_stopped_error (self));

  if (prepared.gtask != NULL)
    ta_task_drop_start (self, &prepared);
}

/* Marks the error retrieved; drops the ledger's record of it. */
void
ta_task_mark_retrieved (TaTask *self)
{
  TaScheduler *failed_scheduler;

  ta_monitor_lock (&self->monitor);
  self->retrieved = TRUE;
  failed_scheduler = g_steal_pointer (&self->failed_scheduler);
  ta_monitor_unlock (&self->monitor);

  if (failed_scheduler != NULL)
    {
      ta_ledger_task_retrieved (&failed_scheduler->ledger, self);
      ta_scheduler_unref (failed_scheduler);
    }
}

/*
 * ta_task_take_failed_for_report:
 *
 * Called by the runner's stop for a task it just unlinked from its failed
 * list. Returns a copy of the error if nobody retrieved it, marking it
 * reported, or %NULL.
 */
GError *
ta_task_take_failed_for_report (TaTask *self)
{
  TaScheduler *failed_scheduler;
  GError *error = NULL;

  ta_monitor_lock (&self->monitor);
  failed_scheduler = g_steal_pointer (&self->failed_scheduler);
  if (!self->retrieved && self->error != NULL)
    {
      error = g_error_copy (self->error);
      self->retrieved = TRUE;
    }
  ta_monitor_unlock (&self->monitor);

  g_clear_pointer (&failed_scheduler, ta_scheduler_unref);

  return error;
}
