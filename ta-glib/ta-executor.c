/* ta-executor.c: a bounded pool of worker threads for blocking work
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * TaExecutor:
 *
 * A bounded pool of worker threads for blocking work: file system walks,
 * compression, database calls, anything that must not block a loop. It is
 * what `asyncio.to_thread()`, `loop.run_in_executor()` and easynetwork's
 * `AsyncExecutor` are to Python.
 *
 * A job is a [type@Ta.TaskFunc] that runs on a worker thread with a
 * [class@Gio.Task] created there, which it completes with the usual
 * `g_task_return_*()` functions, normally before returning. The caller gets
 * a [class@Ta.Task] handle, the same as for tasks on a runner: wait for it
 * with a timeout from a plain thread, await it from any main context
 * ([method@Ta.Task.wait_async], or [method@Ta.Executor.run_async] in one
 * call), cancel it, take its result. Results keep their ownership: a job's
 * result nobody takes, including one of a cancelled job, is freed with its
 * destroy notify.
 *
 * ```c
 * static void
 * checksum_job (GTask *task, GCancellable *cancellable, gpointer path)
 * {
 *   g_autofree char *contents = NULL;
 *   gsize length;
 *   GError *error = NULL;
 *
 *   // Blocking: fine on a worker thread.
 *   if (!g_file_get_contents (path, &contents, &length, &error))
 *     return g_task_return_error (task, error);
 *   g_task_return_pointer (task,
 *                          g_compute_checksum_for_data (G_CHECKSUM_SHA256,
 *                                                       (guchar *) contents, length),
 *                          g_free);
 * }
 *
 * // From a task on a runner, or the main thread: the callback runs here.
 * ta_executor_run_async (executor, "checksum", checksum_job, g_strdup (path), g_free,
 *                        cancellable, checksum_done_cb, user_data);
 * ```
 *
 * Many small jobs that need no handle are cheaper through
 * [method@Ta.Executor.invoke]: a blocking function and a callback that
 * gets its result in the caller's context, one allocation per job, the
 * completions of many jobs delivered in one batch.
 *
 * Each [class@Ta.Runner] has one, [method@Ta.Runner.get_executor], shut
 * down with the runner.
 *
 * ## Worker threads
 *
 * Job functions run on a worker thread, never on the caller's. Each worker
 * has a main context of its own, thread-default while it runs jobs, so a
 * job may also use asynchronous GLib calls and return on its GTask from
 * their callbacks; the worker stays busy with the job until it returns.
 * A language that cannot run code on other threads, such as JavaScript in
 * GJS, cannot provide job functions: C libraries can, and Python can.
 *
 * A blocking wait on a job, made from a worker of the same executor, fails
 * at once with %TA_ERROR_WOULD_DEADLOCK: with every worker waiting that
 * way, nothing would run the jobs.
 *
 * ## Shutting down
 *
 * [method@Ta.Executor.shutdown] refuses new jobs and either drains the
 * queue or cancels what has not started (and the running jobs'
 * cancellables), then joins the workers within a timeout. Job errors that
 * nobody retrieved are reported, as by [method@Ta.Runner.stop].
 *
 * ## Thread safety
 *
 * Every method may be called from any thread.
 */

#include "config.h"

#include "ta-context-private.h"
#include "ta-enums.h"
#include "ta-error.h"
#include "ta-callback-private.h"
#include "ta-executor.h"
#include "ta-executor-pool-private.h"
#include "ta-monitor-private.h"
#include "ta-offload-private.h"
#include "ta-post-private.h"
#include "ta-queue.h"
#include "ta-runner-private.h"
#include "ta-task-private.h"

struct _TaExecutor
{
  GObject  parent_instance;

  TaPool  *pool;                  /* strong, immutable */
};

G_DEFINE_FINAL_TYPE (TaExecutor, ta_executor, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_MAX_WORKERS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---------------------------------------------------------------------- */
/* The object                                                              */
/* ---------------------------------------------------------------------- */

static void
ta_executor_dispose (GObject *object)
{
  TaExecutor *self = TA_EXECUTOR (object);
  TaPool *pool = self->pool;
  gboolean stopped;

  if (pool == NULL)
    goto out;

  ta_monitor_lock (&pool->monitor);
  stopped = pool->stopping;
  ta_monitor_unlock (&pool->monitor);

  if (!stopped)
    {
      g_autoptr(GError) error = NULL;

      /* On one of its own workers nobody can wait for the pool: the
       * shutdown cancels and lets the workers finish on their own. */
      if (!ta_executor_shutdown (self, TA_EXECUTOR_SHUTDOWN_CANCEL,
                                 ta_executor_is_worker_thread (self) ? 0 : G_USEC_PER_SEC,
                                 &error) &&
          !g_error_matches (error, TA_ERROR, TA_ERROR_WOULD_DEADLOCK))
        g_warning ("Executor “%s” was finalized while running: %s",
                   pool->name, error->message);
    }

out:
  G_OBJECT_CLASS (ta_executor_parent_class)->dispose (object);
}

static void
ta_executor_finalize (GObject *object)
{
  TaExecutor *self = TA_EXECUTOR (object);

  g_clear_pointer (&self->pool, ta_pool_unref);

  G_OBJECT_CLASS (ta_executor_parent_class)->finalize (object);
}

static void
ta_executor_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TaExecutor *self = TA_EXECUTOR (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->pool->name);
      break;

    case PROP_MAX_WORKERS:
      g_value_set_uint (value, self->pool->max_workers);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ta_executor_class_init (TaExecutorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ta_executor_dispose;
  object_class->finalize = ta_executor_finalize;
  object_class->get_property = ta_executor_get_property;

  /**
   * TaExecutor:name:
   *
   * The executor's name; its worker threads are named after it.
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaExecutor:max-workers:
   *
   * The most worker threads the executor runs at once. Workers start as
   * jobs need them and stay until the shutdown.
   */
  properties[PROP_MAX_WORKERS] =
    g_param_spec_uint ("max-workers", NULL, NULL,
                       1, G_MAXUINT, 1,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ta_executor_init (TaExecutor *self)
{
}

/**
 * ta_executor_new:
 * @name: (nullable): a name for the executor and its threads, or %NULL
 *   for `ta-executor`
 * @max_workers: the most worker threads to run at once, or 0 for one per
 *   processor
 *
 * Creates an executor. Its workers start as jobs arrive.
 *
 * Any thread.
 *
 * Returns: (transfer full): a new executor
 */
TaExecutor *
ta_executor_new (const char *name,
                 guint       max_workers)
{
  TaExecutor *self = g_object_new (TA_TYPE_EXECUTOR, NULL);

  self->pool = ta_pool_new (name, max_workers);

  return self;
}

/**
 * ta_executor_get_name:
 * @self: an executor
 *
 * Gets the executor's name.
 *
 * Any thread.
 *
 * Returns: (transfer none): the name
 */
const char *
ta_executor_get_name (TaExecutor *self)
{
  g_return_val_if_fail (TA_IS_EXECUTOR (self), NULL);

  return self->pool->name;
}

/**
 * ta_executor_get_max_workers:
 * @self: an executor
 *
 * Gets [property@Ta.Executor:max-workers].
 *
 * Any thread.
 *
 * Returns: the most workers that run at once
 */
guint
ta_executor_get_max_workers (TaExecutor *self)
{
  g_return_val_if_fail (TA_IS_EXECUTOR (self), 0);

  return self->pool->max_workers;
}

/**
 * ta_executor_get_n_workers:
 * @self: an executor
 *
 * Gets how many worker threads run now.
 *
 * Any thread.
 *
 * Returns: the number of workers
 */
guint
ta_executor_get_n_workers (TaExecutor *self)
{
  guint n;

  g_return_val_if_fail (TA_IS_EXECUTOR (self), 0);

  ta_monitor_lock (&self->pool->monitor);
  n = self->pool->n_workers;
  ta_monitor_unlock (&self->pool->monitor);

  return n;
}

/**
 * ta_executor_get_n_queued:
 * @self: an executor
 *
 * Gets how many jobs wait for a worker.
 *
 * Any thread.
 *
 * Returns: the number of jobs not started yet
 */
guint
ta_executor_get_n_queued (TaExecutor *self)
{
  g_return_val_if_fail (TA_IS_EXECUTOR (self), 0);

  return ta_queue_get_length (self->pool->jobs);
}

/**
 * ta_executor_is_worker_thread:
 * @self: an executor
 *
 * Checks whether the caller runs on one of the executor's workers.
 *
 * Any thread.
 *
 * Returns: %TRUE on a worker of @self
 */
gboolean
ta_executor_is_worker_thread (TaExecutor *self)
{
  g_return_val_if_fail (TA_IS_EXECUTOR (self), FALSE);

  return ta_pool_is_worker_thread (self->pool);
}

/**
 * ta_executor_spawn:
 * @self: an executor
 * @name: (nullable): a name for the job, used in reports, or %NULL
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   the job, run on a worker thread
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data
 * @cancellable: (nullable): a cancellable that cancels the job too
 * @error: return location for a #GError
 *
 * Queues a job: @func runs on a worker thread, with a [class@Gio.Task]
 * created there, which it completes with the `g_task_return_*()`
 * functions. Jobs start in the order they were queued, as workers free
 * up. It returns at once with the handle.
 *
 * @func runs on a worker thread, never on the caller's: it must be safe to
 * run there. @user_data_destroy runs when the job's GTask is finalized,
 * normally on the worker.
 *
 * Any thread, including a worker's (a job may queue more jobs).
 *
 * Returns: (transfer full): the job's handle, or %NULL with
 *   %TA_ERROR_NOT_RUNNING if the executor is shut down
 */
TaTask *
ta_executor_spawn (TaExecutor     *self,
                   const char     *name,
                   TaTaskFunc      func,
                   gpointer        user_data,
                   GDestroyNotify  user_data_destroy,
                   GCancellable   *cancellable,
                   GError        **error)
{
  g_return_val_if_fail (TA_IS_EXECUTOR (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!ta_callback_check_portable (func, "ta_executor_spawn", user_data,
                                   user_data_destroy, error))
    return NULL;

  return ta_scheduler_spawn (&self->pool->scheduler, name, func, user_data,
                             user_data_destroy, cancellable, error);
}

/**
 * ta_executor_run:
 * @self: an executor
 * @name: (nullable): a name for the job, or %NULL
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   the job, run on a worker thread
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data
 * @timeout_us: how long to wait, in microseconds, or %TA_TIMEOUT_INFINITE
 *   (%TA_TIMEOUT_DEFAULT means the same)
 * @error: return location for a #GError
 *
 * Runs a job and waits for it: [method@Ta.Executor.spawn] and
 * [method@Ta.Task.wait] in one call. A job that does not complete within
 * the timeout is cancelled.
 *
 * Any thread but the executor's own workers, where it fails at once with
 * %TA_ERROR_WOULD_DEADLOCK.
 *
 * Returns: (transfer full) (nullable): the completed job, to take its
 *   result from, or %NULL with @error set to the job's error,
 *   %TA_ERROR_TIMEOUT, %TA_ERROR_NOT_RUNNING or %TA_ERROR_WOULD_DEADLOCK
 */
TaTask *
ta_executor_run (TaExecutor     *self,
                 const char     *name,
                 TaTaskFunc      func,
                 gpointer        user_data,
                 GDestroyNotify  user_data_destroy,
                 gint64          timeout_us,
                 GError        **error)
{
  g_autoptr(TaTask) task = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (TA_IS_EXECUTOR (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (timeout_us >= TA_TIMEOUT_DEFAULT, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (ta_executor_is_worker_thread (self))
    {
      if (user_data_destroy != NULL)
        user_data_destroy (user_data);
      g_set_error (error, TA_ERROR, TA_ERROR_WOULD_DEADLOCK,
                   "Waiting for a job of executor “%s” on one of its own workers "
                   "could deadlock; spawn it and let it finish on its own",
                   self->pool->name);
      return NULL;
    }

  /* Checked here too, so that a refusal names the function called. */
  if (!ta_callback_check_portable (func, "ta_executor_run", user_data,
                                   user_data_destroy, error))
    return NULL;

  task = ta_executor_spawn (self, name, func, user_data, user_data_destroy, NULL, error);
  if (task == NULL)
    return NULL;

  if (!ta_task_wait (task, timeout_us, &local_error))
    {
      if (g_error_matches (local_error, TA_ERROR, TA_ERROR_TIMEOUT))
        ta_task_cancel (task);
      g_propagate_error (error, local_error);
      return NULL;
    }

  return g_steal_pointer (&task);
}

/**
 * ta_executor_run_async:
 * @self: an executor
 * @name: (nullable): a name for the job, or %NULL
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   the job, run on a worker thread
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data
 * @cancellable: (nullable): cancels the job and the wait
 * @callback: (scope async) (closure callback_data): called once the job is
 *   done
 * @callback_data: data for @callback
 *
 * Runs a job and waits for it without blocking: the one call that lets a
 * task on a runner, or a main thread, offload blocking work, like
 * `await loop.run_in_executor(...)`.
 *
 * Without @cancellable, the wait ends when the job does, and the job's
 * own [class@Ta.Task] is the result @callback gets: a run then costs no
 * [class@Gio.Task] of its own, and the result's source object is the
 * executor until @callback returns. Either way, pass the result to
 * [method@Ta.Executor.run_finish] in @callback.
 *
 * Any thread. @func runs on a worker; @callback runs in the thread-default
 * main context of the caller, never from within this call.
 */
void
ta_executor_run_async (TaExecutor          *self,
                       const char          *name,
                       TaTaskFunc           func,
                       gpointer             user_data,
                       GDestroyNotify       user_data_destroy,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             callback_data)
{
  g_autoptr(GTask) run = NULL;
  g_autoptr(TaTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (TA_IS_EXECUTOR (self));
  g_return_if_fail (func != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  /* Checked here too, so that a refusal names the function called. */
  if (ta_callback_check_portable (func, "ta_executor_run_async", user_data,
                                  user_data_destroy, &error))
    task = ta_executor_spawn (self, name, func, user_data, user_data_destroy, cancellable, &error);

  /* Without a cancellable the wait ends when the job does: the job is
   * then its own result, and the callback comes without a GTask. */
  if (task != NULL && cancellable == NULL)
    {
      if (callback != NULL)
        ta_task_complete_async (task, self, ta_executor_run_async, callback, callback_data);
      return;
    }

  run = g_task_new (self, cancellable, callback, callback_data);
  g_task_set_name (run, "[ta-glib] ta_executor_run_async");
  g_task_set_source_tag (run, ta_executor_run_async);
  if (task == NULL)
    {
      g_task_return_error (run, error);
      return;
    }

  /* The run is the wait on the job, cancelled on its own: the job may
   * take its time to honour the cancellation. */
  g_task_set_task_data (run, g_object_ref (task), g_object_unref);
  ta_task_wait_with_gtask (task, run);
}

/**
 * ta_executor_run_finish:
 * @self: an executor
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Ta.Executor.run_async].
 *
 * Any thread, normally in the callback.
 *
 * Returns: (transfer full) (nullable): the completed job, to take its
 *   result from, or %NULL with @error set to the job's error,
 *   %G_IO_ERROR_CANCELLED or %TA_ERROR_NOT_RUNNING
 */
TaTask *
ta_executor_run_finish (TaExecutor    *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  TaTask *task;

  g_return_val_if_fail (TA_IS_EXECUTOR (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (ta_task_is_async_result (result, self, ta_executor_run_async))
    {
      task = TA_TASK (result);
      return ta_task_finish_async (task, error) ? g_object_ref (task) : NULL;
    }

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ta_executor_run_async, NULL);

  task = g_task_get_task_data (G_TASK (result));
  if (!g_task_propagate_boolean (G_TASK (result), error))
    {
      /* No job at all (refused), or a job that failed: then its error
       * was seen. */
      if (task != NULL)
        ta_task_wait_failed (task, g_task_get_cancellable (G_TASK (result)));
      return NULL;
    }

  return g_object_ref (task);
}

/* An offloaded call, on a worker. */
static void
ta_executor_call_job (GTask        *task,
                      GCancellable *cancellable,
                      gpointer      data)
{
  GError *error = NULL;
  GArray *results = ta_offload_call_invoke (data, cancellable, &error);

  if (results == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, results, (GDestroyNotify) g_array_unref);
}

/**
 * ta_executor_call_async:
 * @self: an executor
 * @function: the introspected function to call: `Namespace.function`,
 *   or `Namespace.Type.function` for methods, constructors and static
 *   methods, such as `Gio.File.load_contents`
 * @args: (array length=n_args) (nullable): the arguments, as a direct call
 *   from GJS or Python takes them: for a method the instance first, then
 *   the in and inout arguments, without the lengths of arrays, the user
 *   data and destroy notifies of callbacks, and the error
 * @n_args: how many there are
 * @cancellable: (nullable): cancels the call: a call not started yet
 *   fails with %G_IO_ERROR_CANCELLED without running, and a
 *   [class@Gio.Cancellable] argument given as %NULL receives it, so that a
 *   blocking function that honours its cancellable returns early
 * @callback: (scope async) (closure user_data): called once the call is
 *   done
 * @user_data: data for @callback
 *
 * Calls an introspected function on a worker thread, with arguments given
 * as values, and hands its results back as values: what a binding that
 * cannot run code on other threads, such as GJS, uses to run a blocking
 * call without freezing its main loop.
 *
 * ```js
 * Gio._promisify(Ta.Executor.prototype, 'call_async', 'call_finish');
 * const [ok, contents, etag] =
 *     await executor.call_async('Gio.File.load_contents', [file, null], null);
 * ```
 *
 * The function is found through libgirepository, and its arguments are
 * checked and copied before this returns; anything refused is refused
 * without running: an unknown function, a wrong number of arguments or an
 * argument of the wrong type (%TA_ERROR_INVALID_VALUE, naming it); a
 * callback other than %NULL, an object whose class or an ancestor is
 * implemented in JavaScript, or an object with signal handlers connected
 * (%TA_ERROR_WRONG_THREAD: they could run JavaScript on the worker); a
 * caller-allocates argument or a type the marshaller does not handle
 * (%TA_ERROR_NOT_SUPPORTED, naming the argument and its type). The error
 * is then delivered to @callback like any other.
 *
 * Values are converted as bindings convert them for a direct call.
 * Numbers of any integer or floating type fit any number argument whose
 * range holds them; %NULL (a %G_TYPE_POINTER value, what `null` becomes)
 * fits any nullable argument. C arrays of bytes are given as
 * [struct@GLib.Bytes], a [struct@GLib.ByteArray] or a `ay`
 * [struct@GLib.Variant], and come back as a [struct@GLib.ByteArray]
 * (a `Uint8Array` in GJS); C arrays and lists of strings are given as a
 * string array value or a `as` variant and come back as string arrays.
 * Other C arrays (of numbers, booleans, objects, boxed values or
 * variants, with a length, zero-terminated or of a fixed size) and lists
 * of objects are given as a #GValueArray (numbers and booleans also as
 * an array [struct@GLib.Variant]) and come back as a #GValueArray, which
 * PyGObject turns into a list. Arguments are released when the call is
 * done, on the worker; the references the results hold are the caller's.
 *
 * The function runs on a worker thread: it must be safe to call there,
 * which is the caller's responsibility, as with
 * g_task_run_in_thread(). See the GJS guide for which calls are.
 *
 * Any thread. @callback runs in the thread-default main context of the
 * caller, never from within this call; the function runs on a worker.
 */
void
ta_executor_call_async (TaExecutor          *self,
                        const char          *function,
                        const GValue        *args,
                        guint                n_args,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  TaOffloadCall *call;
  g_autoptr(TaTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (TA_IS_EXECUTOR (self));
  g_return_if_fail (function != NULL);
  g_return_if_fail (args != NULL || n_args == 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call = ta_offload_call_new (function, args, n_args, &error);
  if (call != NULL)
    task = ta_executor_spawn (self, function, ta_executor_call_job, call,
                              (GDestroyNotify) ta_offload_call_free, cancellable, &error);

  if (task == NULL)
    {
      g_task_report_error (self, callback, user_data, ta_executor_call_async, error);
      return;
    }

  /* The job is its own result, as for ta_executor_run_async() without a
   * cancellable: the call settles when the function returned, or when
   * it is known never to run, so that a cancelled call that took effect
   * says so. Its error goes to the callback, whose call_finish() is the
   * one way to see it: a shutdown does not report it as never
   * retrieved while that callback is still on its way. */
  if (callback != NULL)
    {
      ta_task_mark_retrieved (task);
      ta_task_complete_async (task, self, ta_executor_call_async, callback, user_data);
    }
}

/**
 * ta_executor_call_finish:
 * @self: an executor
 * @result: the result given to the callback
 * @n_values: (out): return location for the number of values
 * @error: return location for a #GError
 *
 * Finishes [method@Ta.Executor.call_async]: the call's results, in the
 * order a direct call returns them in GJS and Python: the return value
 * (unless the function returns nothing), then each out and inout argument
 * (without the lengths of arrays). `Gio.File.load_contents` gives three,
 * the boolean, the contents and the entity tag; a constructor gives one,
 * the object. Free each value with g_value_unset(), then the array with
 * g_free().
 *
 * An error the function threw is returned as it is (same domain, code and
 * message), as are the errors of the refusals.
 *
 * Any thread, normally in the callback.
 *
 * Returns: (array length=n_values) (transfer full) (nullable): the
 *   results, or %NULL with @error set to the function's error,
 *   %G_IO_ERROR_CANCELLED, %TA_ERROR_NOT_RUNNING (the executor is shut
 *   down), %TA_ERROR_INVALID_VALUE, %TA_ERROR_WRONG_THREAD or
 *   %TA_ERROR_NOT_SUPPORTED
 */
GValue *
ta_executor_call_finish (TaExecutor    *self,
                         GAsyncResult  *result,
                         guint         *n_values,
                         GError       **error)
{
  GArray *results;
  gsize len = 0;
  GValue *values;

  g_return_val_if_fail (TA_IS_EXECUTOR (self), NULL);
  g_return_val_if_fail (n_values != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  *n_values = 0;
  if (!ta_task_is_async_result (result, self, ta_executor_call_async))
    {
      g_return_val_if_fail (g_task_is_valid (result, self), NULL);
      g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ta_executor_call_async, NULL);
      return g_task_propagate_pointer (G_TASK (result), error);
    }

  if (!ta_task_finish_async (TA_TASK (result), error))
    return NULL;
  results = ta_task_propagate_pointer (TA_TASK (result), error);
  if (results == NULL)
    return NULL;

  values = (GValue *) (gpointer) g_array_steal (results, &len);
  g_array_unref (results);
  *n_values = len;
  if (values == NULL)
    values = g_new0 (GValue, 1);

  return values;
}

/**
 * ta_executor_invoke:
 * @self: an executor
 * @func: (scope notified) (closure func_data) (destroy func_data_destroy):
 *   the blocking function, run on a worker thread
 * @func_data: data for @func
 * @func_data_destroy: (nullable): frees @func_data
 * @done: (scope notified) (closure done_data) (destroy done_data_destroy):
 *   called with @func's result once the job is over, in the caller's
 *   thread-default main context
 * @done_data: data for @done
 * @done_data_destroy: (nullable): frees @done_data
 * @error: return location for a #GError
 *
 * Queues a blocking function without a handle: the executor's counterpart
 * of [method@Ta.Runner.invoke], for many small jobs. @func runs on a
 * worker thread; what it returns (or the error it sets) is handed to
 * @done in the thread-default main context of the caller. A job costs one
 * small allocation: no [class@Ta.Task], [class@Gio.Task] or
 * [class@Gio.Cancellable] of its own; and the completions of many jobs
 * reach their context in batches, one wake-up of its thread for as many
 * completions as arrived meanwhile.
 *
 * ```c
 * static gpointer
 * checksum_file (GCancellable *cancellable, gpointer path, GError **error)
 * {
 *   g_autofree char *contents = NULL;
 *   gsize length;
 *
 *   // Blocking: fine on a worker thread.
 *   if (!g_file_get_contents (path, &contents, &length, error))
 *     return NULL;
 *   return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *) contents, length);
 * }
 *
 * static void
 * checksum_done (gpointer checksum, const GError *error, gpointer self)
 * {
 *   // Back on the caller's context; the result is ours.
 *   if (error == NULL)
 *     my_view_show_checksum (self, checksum);
 *   g_free (checksum);
 * }
 *
 * ta_executor_invoke (executor, checksum_file, g_strdup (path), g_free,
 *                     checksum_done, g_object_ref (view), g_object_unref, NULL);
 * ```
 *
 * Jobs start in the order they were queued, among those of
 * [method@Ta.Executor.spawn], as workers free up. @func gets the
 * executor's shutdown cancellable, the same for every such job: a
 * shutdown with %TA_EXECUTOR_SHUTDOWN_CANCEL cancels it. A job cannot be
 * cancelled on its own; one that must be carries a cancellable of its own
 * in @func_data.
 *
 * @done is called exactly once for every job accepted, %TRUE returned:
 * with @func's result and error, or, for a job a shutdown took out of the
 * queue before it started, with a %NULL result and %G_IO_ERROR_CANCELLED.
 * It owns the result. A job still running when a shutdown gives up on its
 * worker completes whenever @func returns. Then @func_data_destroy and
 * @done_data_destroy run, there too: everything the caller gave is
 * released on the caller's thread, which a binding such as GJS requires.
 * The caller's context must therefore be iterated, by a main loop, for the
 * completions to arrive. The one exception is a context nobody iterates
 * again, that of a runner that stopped or of an executor's worker that
 * exited: there the data are released without @done, by the thread that
 * ends the job or stops the runner, and the result is lost.
 *
 * A job refused, %FALSE returned, never runs and never calls @done: both
 * data are released before this returns.
 *
 * From GJS, @func cannot be JavaScript (see [callback@Ta.ExecutorFunc]),
 * while @done can, for a function a C library provides; GJS then passes
 * it the error alone, leaving the untyped result out. From Python both
 * can be, and the override `Executor.invoke()` takes any callable and its
 * arguments.
 *
 * Any thread, including a worker's (@done then runs on that worker's
 * context, iterated only while the worker runs jobs of
 * [method@Ta.Executor.spawn]). @func runs on a worker thread; @done and
 * both destroy notifies in the caller's thread-default main context,
 * never from within this call.
 *
 * Returns: %TRUE if the job was queued, %FALSE with %TA_ERROR_NOT_RUNNING
 *   if the executor is shut down, or %TA_ERROR_WRONG_THREAD if @func is
 *   JavaScript
 */
gboolean
ta_executor_invoke (TaExecutor          *self,
                    TaExecutorFunc       func,
                    gpointer             func_data,
                    GDestroyNotify       func_data_destroy,
                    TaExecutorDoneFunc   done,
                    gpointer             done_data,
                    GDestroyNotify       done_data_destroy,
                    GError             **error)
{
  TaInvocation *invocation;

  g_return_val_if_fail (TA_IS_EXECUTOR (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (done != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!ta_callback_check_portable (func, "ta_executor_invoke", func_data,
                                   func_data_destroy, error))
    {
      if (done_data_destroy != NULL)
        done_data_destroy (done_data);
      return FALSE;
    }

  invocation = g_new (TaInvocation, 1);
  invocation->item.next = NULL;
  invocation->item.func = ta_invocation_item_func;
  invocation->func = func;
  invocation->func_data = func_data;
  invocation->func_data_destroy = func_data_destroy;
  invocation->done = done;
  invocation->done_data = done_data;
  invocation->done_data_destroy = done_data_destroy;
  invocation->context = g_main_context_ref_thread_default ();
  invocation->result = NULL;
  invocation->error = NULL;
  invocation->refused = FALSE;

  /* A refused push hands the invocation back through
   * ta_pool_refuse_job(), on this thread, before it returns. */
  if (!ta_queue_push (self->pool->jobs, ta_job_from_invocation (invocation), 0, NULL))
    {
      g_assert (invocation->refused);
      g_set_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING,
                   "Executor “%s” is shut down", self->pool->name);
      ta_invocation_item_func (&invocation->item, FALSE);
      return FALSE;
    }

  ta_pool_maybe_grow (self->pool);

  return TRUE;
}

/**
 * ta_executor_shutdown:
 * @self: an executor
 * @mode: drain the queue, or cancel what has not started
 * @timeout_us: how long to wait for the workers, in microseconds, or
 *   %TA_TIMEOUT_INFINITE (%TA_TIMEOUT_DEFAULT means the same)
 * @error: return location for a #GError
 *
 * Shuts the executor down: new jobs are refused with
 * %TA_ERROR_NOT_RUNNING; with %TA_EXECUTOR_SHUTDOWN_DRAIN the queued jobs
 * still run, with %TA_EXECUTOR_SHUTDOWN_CANCEL they fail with
 * %G_IO_ERROR_CANCELLED without running and the running ones are
 * cancelled; then the workers are joined. Jobs of
 * [method@Ta.Executor.invoke] are cancelled together, through the one
 * cancellable they share; those that never start complete with
 * %G_IO_ERROR_CANCELLED in their callers' contexts, never within this
 * call.
 *
 * Workers still busy when the timeout expires are abandoned (C cannot
 * stop a thread): their jobs fail with %G_IO_ERROR_CANCELLED and this
 * returns %TA_ERROR_TIMEOUT. Job errors that nobody retrieved are reported
 * with %TA_ERROR_UNRETRIEVED. Shutting down again does nothing.
 *
 * Any thread but the executor's own workers, where it cancels and returns
 * %TA_ERROR_WOULD_DEADLOCK without waiting.
 *
 * Returns: %TRUE if the executor stopped cleanly
 */
gboolean
ta_executor_shutdown (TaExecutor          *self,
                      TaExecutorShutdown   mode,
                      gint64               timeout_us,
                      GError             **error)
{
  TaPool *pool;
  gint64 end_time;
  GPtrArray *threads;
  GPtrArray *unretrieved;
  g_autoptr(GString) report = g_string_new (NULL);
  guint busy;
  gpointer job;

  g_return_val_if_fail (TA_IS_EXECUTOR (self), FALSE);
  g_return_val_if_fail (timeout_us >= TA_TIMEOUT_DEFAULT, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  pool = self->pool;
  if (timeout_us == TA_TIMEOUT_DEFAULT)
    timeout_us = TA_TIMEOUT_INFINITE;

  ta_monitor_lock (&pool->monitor);
  if (pool->stopping)
    {
      while (!pool->stopped)
        ta_monitor_wait_until (&pool->monitor, -1);
      ta_monitor_unlock (&pool->monitor);
      return TRUE;
    }
  pool->stopping = TRUE;
  ta_monitor_unlock (&pool->monitor);

  end_time = ta_end_time_from_timeout (timeout_us);
  ta_queue_close (pool->jobs);
  if (mode == TA_EXECUTOR_SHUTDOWN_CANCEL)
    {
      while ((job = ta_queue_try_pop (pool->jobs, NULL)) != NULL)
        ta_pool_discard_job (job);
      ta_pool_fail_outstanding (pool, TRUE);
      g_cancellable_cancel (pool->cancellable);
    }

  if (ta_executor_is_worker_thread (self))
    {
      /* The workers finish on their own; this one with its job. */
      ta_monitor_lock (&pool->monitor);
      pool->stopped = TRUE;
      for (guint i = 0; i < pool->threads->len; i++)
        g_thread_unref (g_ptr_array_index (pool->threads, i));
      g_ptr_array_set_size (pool->threads, 0);
      ta_monitor_broadcast (&pool->monitor);
      ta_monitor_unlock (&pool->monitor);
      g_set_error (error, TA_ERROR, TA_ERROR_WOULD_DEADLOCK,
                   "Executor “%s” cannot wait for its workers on one of them",
                   pool->name);
      return FALSE;
    }

  ta_monitor_lock (&pool->monitor);
  while (pool->n_workers > 0)
    if (!ta_monitor_wait_until (&pool->monitor, end_time))
      break;
  busy = pool->n_workers;
  threads = pool->threads;
  pool->threads = g_ptr_array_new ();
  ta_monitor_unlock (&pool->monitor);

  if (busy > 0)
    {
      /* Abandoned: nothing may wait for them any more. */
      while ((job = ta_queue_try_pop (pool->jobs, NULL)) != NULL)
        ta_pool_discard_job (job);
      g_cancellable_cancel (pool->cancellable);
      ta_pool_fail_outstanding (pool, FALSE);
      for (guint i = 0; i < threads->len; i++)
        g_thread_unref (g_ptr_array_index (threads, i));
    }
  else
    {
      for (guint i = 0; i < threads->len; i++)
        g_thread_join (g_ptr_array_index (threads, i));
    }
  g_ptr_array_unref (threads);

  /* What no worker will take: with none ever started (a thread that
   * could not be made). */
  while ((job = ta_queue_try_pop (pool->jobs, NULL)) != NULL)
    ta_pool_discard_job (job);

  unretrieved = ta_ledger_take_unretrieved (&pool->scheduler.ledger, report);

  ta_monitor_lock (&pool->monitor);
  pool->stopped = TRUE;
  ta_monitor_broadcast (&pool->monitor);
  ta_monitor_unlock (&pool->monitor);

  if (busy > 0)
    {
      g_autofree char *timeout = ta_format_timeout (timeout_us);

      g_set_error (error, TA_ERROR, TA_ERROR_TIMEOUT,
                   busy == 1 ?
                   "Executor “%s” did not stop within %s: %u worker still busy "
                   "was abandoned" :
                   "Executor “%s” did not stop within %s: %u workers still busy "
                   "were abandoned",
                   pool->name, timeout, busy);
    }
  else if (unretrieved->len > 0)
    {
      g_set_error (error, TA_ERROR, TA_ERROR_UNRETRIEVED,
                   unretrieved->len == 1 ?
                   "%u job error was not retrieved:%s" :
                   "%u job errors were not retrieved:%s",
                   unretrieved->len, report->str);
    }

  busy = busy > 0 || unretrieved->len > 0;
  g_ptr_array_unref (unretrieved);

  return !busy;
}
