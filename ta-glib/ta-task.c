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
#include "ta-post-private.h"
#include "ta-task-private.h"
#include "ta-value-private.h"
#include "ta-waiter-private.h"

static void ta_task_async_result_iface_init (GAsyncResultIface *iface);

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

/* Ties a task to its GTask until the GTask returns, to learn if it is
 * finalized without returning: the GTask's data, not a weak reference,
 * which GLib 2.74 guards with a lock shared by every thread. Set once by
 * class_init, before any task exists. */
static GQuark gtask_quark;

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
  g_assert (self->core == NULL || self->state == TA_TASK_PENDING);
  g_assert (self->failed_core == NULL);
  g_assert (self->prepared.gtask == NULL);
  g_assert (self->async_context == NULL);

  /* A task that never started still owns its data. */
  if (self->user_data_destroy != NULL)
    self->user_data_destroy (self->user_data);

  g_clear_pointer (&self->core, ta_runner_core_unref);
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
static GCancellable *
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

  gtask_quark = g_quark_from_static_string ("ta-task-of-gtask");
}

static void
ta_task_init (TaTask *self)
{
  ta_monitor_init (&self->monitor);
  self->core_link.data = self;
}

static void ta_task_item_func (TaWorkItem *item,
                               gboolean    run);

static void
ta_task_chain_cancel_cb (GCancellable *user_cancellable,
                         GCancellable *own_cancellable)
{
  g_cancellable_cancel (own_cancellable);
}

TaTask *
ta_task_new_internal (TaRunnerCore   *core,
                      const char     *name,
                      TaTaskFunc      func,
                      gpointer        user_data,
                      GDestroyNotify  user_data_destroy,
                      GCancellable   *cancellable)
{
  static guint64 last_id;
  TaTask *self;

  self = g_object_new (TA_TYPE_TASK, NULL);
  self->core = ta_runner_core_ref (core);
  self->core_serial = core->serial;
  self->core_inbox = core->inbox;
  self->core_defer_publish = core->defer_publish;
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
static void
ta_any_waiter_complete (TaAnyWaiter *any_waiter)
{
  TaWaitGroup *group = any_waiter->group;

  ta_monitor_lock (&group->monitor);
  if (group->first < 0)
    group->first = any_waiter->index;
  any_waiter->waiter.done = TRUE;   /* guarded by the group's monitor */
  ta_monitor_broadcast (&group->monitor);
  ta_monitor_unlock (&group->monitor);
}

static gboolean
ta_task_error_is_failure (const GError *error)
{
  return error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/*
 * ta_task_complete:
 * @gtask: (nullable) (transfer none): the returned task, on success
 * @error: (nullable) (transfer full): the error, on failure
 *
 * Completes the handle once; later calls lose and return %FALSE. Any
 * thread, no lock held.
 */
/* ---------------------------------------------------------------------- */
/* The task as its own GAsyncResult                                        */
/* ---------------------------------------------------------------------- */

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

static void
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
static void
ta_task_post_async (TaTask *self)
{
  g_object_ref (self);  /* the item's, dropped in the callback's context */
  self->async_item.func = ta_task_async_item_func;
  ta_tsan_release (&self->async_item);
  if (!ta_runner_context_post (self->async_context, &self->async_item))
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

static gboolean ta_task_report_locked (TaTask  *self,
                                       GError **error);

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

static gboolean
ta_task_complete (TaTask *self,
                  GTask  *gtask,
                  GError *error)
{
  TaRunnerCore *core;
  TaRunnerCore *late_core = NULL;
  gboolean failed;
  gboolean failed_linked;
  gboolean post_async;
  GList *waiters;

  ta_monitor_lock (&self->monitor);
  if (self->state == TA_TASK_DONE || self->completing)
    {
      ta_monitor_unlock (&self->monitor);
      g_clear_error (&error);
      return FALSE;
    }
  /* An error somebody has already seen is not reported again. */
  failed = ta_task_error_is_failure (error) && !self->retrieved;
  self->completing = TRUE;
  core = g_steal_pointer (&self->core);
  /* The error and the runner's record of it are in place before the task
   * joins the runner's failed list, where a stop may look at it at once. */
  self->error = error;
  if (failed)
    self->failed_core = ta_runner_core_ref (core);
  ta_monitor_unlock (&self->monitor);

  failed_linked = ta_runner_core_task_done (core, self, failed);

  ta_monitor_lock (&self->monitor);
  self->state = TA_TASK_DONE;
  self->completing = FALSE;
  if (gtask != NULL)
    self->gtask = g_object_ref (gtask);
  if (failed && !failed_linked)
    late_core = g_steal_pointer (&self->failed_core);
  waiters = ta_waiter_steal_all_locked (&self->waiters);
  post_async = self->async_callback != NULL;
  ta_monitor_broadcast (&self->monitor);
  ta_monitor_unlock (&self->monitor);

  /* Only a completion racing with the end of a stop gets here: the stop
   * has collected its report already. Say so rather than lose it. */
  if (late_core != NULL)
    {
      g_warning ("Task “%s” failed after its runner “%s” stopped: %s",
                 self->name, late_core->name, error->message);
      ta_runner_core_unref (late_core);
    }

  for (GList *l = waiters; l != NULL; l = l->next)
    {
      TaWaiter *waiter = l->data;

      if (waiter->task == NULL)
        ta_any_waiter_complete ((TaAnyWaiter *) waiter);
      else if (error != NULL)
        ta_waiter_complete_error (waiter, g_error_copy (error));
      else
        ta_waiter_complete_boolean (waiter, TRUE);
    }
  g_list_free (waiters);

  if (post_async)
    ta_task_post_async (self);

  ta_runner_core_unref (core);

  return TRUE;
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
  TaTask *self = (TaTask *) ((guint8 *) item - G_STRUCT_OFFSET (TaTask, item));
  GTask *gtask = g_steal_pointer (&self->pending_gtask);

  ta_task_complete (self, gtask, g_steal_pointer (&self->pending_error));
  g_clear_object (&gtask);
  g_object_unref (self);  /* the GTask callback's reference */
}

static void
ta_task_gtask_done_cb (GObject      *source_object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  TaTask *self = user_data;
  GTask *gtask = G_TASK (result);

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
   * then. Publishing from the inbox happens in a later dispatch; a pool's
   * worker publishes once it is back from the dispatch. */
  self->item.func = ta_task_publish_item_func;
  if (self->core_defer_publish != NULL)
    self->core_defer_publish (self);
  else
    ta_inbox_push_local (self->core_inbox, &self->item);
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
 * that calls them where possible (ta_task_prepare(), a worker's loop),
 * and a function that returns at once completes at once.
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
  /* A stop that gave up on the task may have taken its function already,
   * and not completed it yet. */
  if (self->state != TA_TASK_PENDING || self->completing || self->discarded)
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
  /* Not a reference: the core outlives the thread that runs its tasks. */
  start->core = self->core;
  start->func = self->func;
  start->user_data = self->user_data;
  user_data_destroy = self->user_data_destroy;
  self->func = NULL;
  self->user_data = NULL;
  self->user_data_destroy = NULL;
  if (!cancelled)
    self->state = TA_TASK_RUNNING;
  ta_monitor_unlock (&self->monitor);

  if (cancelled)
    {
      if (user_data_destroy != NULL)
        user_data_destroy (start->user_data);
      ta_task_complete (self, NULL, ta_task_new_not_started_error (self));
      return FALSE;
    }

  start->gtask = g_task_new (NULL, start->cancellable, ta_task_gtask_done_cb, g_object_ref (self));
  /* The name first: g_task_set_source_tag() names a nameless GTask after
   * the tag, a copy made only to be replaced. */
  g_task_set_name (start->gtask, self->name);
  g_task_set_source_tag (start->gtask, ta_task_begin);
  g_task_set_task_data (start->gtask, start->user_data, user_data_destroy);
  /* What the function returned is the outcome; see "Results" above. */
  g_task_set_check_cancellable (start->gtask, FALSE);
  g_object_set_qdata_full (G_OBJECT (start->gtask), gtask_quark, self,
                           ta_task_gtask_finalized_cb);

  return TRUE;
}

gboolean
ta_task_begin (TaTask      *self,
               TaTaskStart *start)
{
  return ta_task_begin_full (self, start, FALSE);
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
  TaTask *self = claimed;
  TaTaskStart start;
  gboolean kept = FALSE;

  if (ta_task_begin_full (self, &start, TRUE))
    {
      ta_monitor_lock (&self->monitor);
      /* Unless a stop gave up on it in the meantime. */
      if (self->state == TA_TASK_RUNNING && !self->completing && !self->discarded)
        {
          self->prepared = start;
          kept = TRUE;
        }
      ta_monitor_unlock (&self->monitor);

      if (!kept)
        ta_task_drop_start (self, &start);
    }

  g_object_unref (self);
}

/* The second half: calls the task function, on the same thread. */
void
ta_task_call (TaTask      *self,
              TaTaskStart *start)
{
  TaActivity previous;

  previous = ta_runner_core_push_activity (start->core, "task “", self->name, "”");
  start->func (start->gtask, start->cancellable, start->user_data);
  ta_runner_core_pop_activity (start->core, previous);

  g_clear_object (&start->gtask);
}

static void
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
          if (ta_task_begin (self, &start))
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

  g_object_unref (self);  /* the inbox's reference */
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

  ta_monitor_lock (&self->monitor);
  user_data = self->user_data;
  user_data_destroy = self->user_data_destroy;
  self->user_data = NULL;
  self->user_data_destroy = NULL;
  self->func = NULL;
  self->discarded = TRUE;
  prepared = self->prepared;
  self->prepared.gtask = NULL;
  ta_monitor_unlock (&self->monitor);

  if (user_data_destroy != NULL)
    user_data_destroy (user_data);

  ta_task_complete (self, NULL,
                    error != NULL ? g_error_copy (error) : ta_task_new_stopped_error (self));

  if (prepared.gtask != NULL)
    ta_task_drop_start (self, &prepared);
}

/* Marks the error retrieved; drops the runner's record of it. */
void
ta_task_mark_retrieved (TaTask *self)
{
  TaRunnerCore *failed_core;

  ta_monitor_lock (&self->monitor);
  self->retrieved = TRUE;
  failed_core = g_steal_pointer (&self->failed_core);
  ta_monitor_unlock (&self->monitor);

  if (failed_core != NULL)
    {
      ta_runner_core_task_retrieved (failed_core, self);
      ta_runner_core_unref (failed_core);
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
  TaRunnerCore *failed_core;
  GError *error = NULL;

  ta_monitor_lock (&self->monitor);
  failed_core = g_steal_pointer (&self->failed_core);
  if (!self->retrieved && self->error != NULL)
    {
      error = g_error_copy (self->error);
      self->retrieved = TRUE;
    }
  ta_monitor_unlock (&self->monitor);

  g_clear_pointer (&failed_core, ta_runner_core_unref);

  return error;
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

static gboolean
ta_task_check_deadlock (TaTask  *self,
                        GError **error)
{
  if (ta_runner_core_current_serial () == self->core_serial)
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
static gboolean
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
      /* self->core is only cleared by a completion under way, which does
       * not block: then any timeout will do. */
      if (self->core != NULL)
        timeout_us = ta_runner_core_resolve_timeout (self->core, timeout_us);
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

      would_deadlock |= ta_runner_core_current_serial () == task->core_serial;
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
