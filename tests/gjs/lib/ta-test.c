/* ta-test.c: background work for the GJS tests, written in C
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * JavaScript never runs on a runner's thread, so the GJS tests cannot write
 * the task side of what they test themselves. These functions are that
 * side: each spawns a task that does one small thing on the runner thread,
 * usually after a delay so that the JavaScript side really has to wait, and
 * the tests await the outcome on their main context. Nothing here calls
 * back into JavaScript.
 */

#include <ta-glib.h>

#include "ta-test.h"

/* What one task does: the spawn's user data, which the task's GTask owns.
 * Only the runner thread uses it; it is freed with the GTask. */
typedef struct
{
  GAsyncReadyCallback  after_delay;
  gint64               delay_us;
  GVariant            *variant;    /* nullable */
  GQuark               domain;
  gint                 code;
  char                *message;
  TaEvent             *event;      /* nullable */
  TaEvent             *release;    /* nullable: spawn_block's */
  TaFuture            *future;     /* nullable */
  TaQueue             *queue;      /* nullable */
  TaQueue             *out_queue;  /* nullable */
  TaClient            *client;     /* nullable */
  char                *method;
  guint                n_items;
  gboolean             close;
  guint                done;       /* items pushed or echoed, requests answered */
  gint32               sum;        /* of the answers */
} Work;

static Work *
work_new (GAsyncReadyCallback after_delay,
          gint64              delay_us)
{
  Work *work = g_new0 (Work, 1);

  work->after_delay = after_delay;
  work->delay_us = delay_us;

  return work;
}

static void
work_free (gpointer data)
{
  Work *work = data;

  g_clear_pointer (&work->variant, g_variant_unref);
  g_clear_object (&work->event);
  g_clear_object (&work->release);
  g_clear_object (&work->future);
  g_clear_object (&work->queue);
  g_clear_object (&work->out_queue);
  g_clear_object (&work->client);
  g_free (work->message);
  g_free (work->method);
  g_free (work);
}

/* Runner thread: the body of every delayed task. */
static void
delayed_task (GTask        *task,
              GCancellable *cancellable,
              gpointer      user_data)
{
  Work *work = user_data;

  ta_sleep_async (work->delay_us, cancellable, work->after_delay, g_object_ref (task));
}

/* Ends the delay; a cancelled one fails @task. */
static gboolean
delay_finish (GTask        *task,
              GAsyncResult *result)
{
  GError *error = NULL;

  if (!ta_sleep_finish (result, &error))
    {
      g_task_return_error (task, error);
      return FALSE;
    }

  return TRUE;
}

static TaTask *
spawn_delayed (TaRunner      *runner,
               const char    *name,
               Work          *work,
               GCancellable  *cancellable,
               GError       **error)
{
  return ta_runner_spawn (runner, name, delayed_task, work, work_free, cancellable, error);
}

/* ---------------------------------------------------------------------- */

static void
value_slept_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Work *work = g_task_get_task_data (task);
  g_auto(GValue) value = G_VALUE_INIT;

  if (!delay_finish (task, result))
    return;

  g_value_init (&value, G_TYPE_VARIANT);
  g_value_set_variant (&value, work->variant);
  g_task_return_value (task, &value);
}

/**
 * ta_test_spawn_value:
 * @runner: a running runner
 * @delay_us: how long the task sleeps first, in microseconds
 * @result: the task's result; a floating reference is consumed
 * @cancellable: (nullable): cancels the task, and so its sleep
 * @error: return location for a #GError
 *
 * Spawns a task that sleeps, then returns @result with
 * g_task_return_value(), to be read with [method@Ta.Task.propagate_value].
 * Cancelled during its sleep, it fails with %G_IO_ERROR_CANCELLED.
 *
 * Any thread.
 *
 * Returns: (transfer full): the task, or %NULL with @error set
 */
TaTask *
ta_test_spawn_value (TaRunner      *runner,
                     gint64         delay_us,
                     GVariant      *result,
                     GCancellable  *cancellable,
                     GError       **error)
{
  Work *work;

  g_return_val_if_fail (TA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (result != NULL, NULL);

  work = work_new (value_slept_cb, delay_us);
  work->variant = g_variant_ref_sink (result);

  return spawn_delayed (runner, "ta-test-value", work, cancellable, error);
}

/* ---------------------------------------------------------------------- */

static void
error_slept_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Work *work = g_task_get_task_data (task);

  if (!delay_finish (task, result))
    return;

  g_task_return_new_error (task, work->domain, work->code, "%s", work->message);
}

static void
error_task (GTask        *task,
            GCancellable *cancellable,
            gpointer      user_data)
{
  Work *work = user_data;

  /* Without a delay, fail in the task function itself, as a task that
   * raises at once does: a runner stopped right after the spawn still
   * sees the error rather than a cancelled sleep. */
  if (work->delay_us == 0)
    g_task_return_new_error (task, work->domain, work->code, "%s", work->message);
  else
    delayed_task (task, cancellable, user_data);
}

/**
 * ta_test_spawn_error:
 * @runner: a running runner
 * @delay_us: how long the task sleeps first, in microseconds
 * @domain: the error's domain
 * @code: the error's code
 * @message: the error's message
 * @error: return location for a #GError
 *
 * Spawns a task that sleeps, then fails with the error described. With
 * no delay, the task function fails at once.
 *
 * Any thread.
 *
 * Returns: (transfer full): the task, or %NULL with @error set
 */
TaTask *
ta_test_spawn_error (TaRunner      *runner,
                     gint64         delay_us,
                     GQuark         domain,
                     gint           code,
                     const char    *message,
                     GError       **error)
{
  Work *work;

  g_return_val_if_fail (TA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (domain != 0, NULL);
  g_return_val_if_fail (message != NULL, NULL);

  work = work_new (error_slept_cb, delay_us);
  work->domain = domain;
  work->code = code;
  work->message = g_strdup (message);

  return ta_runner_spawn (runner, "ta-test-error", error_task, work, work_free, NULL, error);
}

/* ---------------------------------------------------------------------- */

static void
block_slept_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Work *work = g_task_get_task_data (task);

  if (!delay_finish (task, result))
    return;

  if (work->event != NULL)
    ta_event_set (work->event);
  /* Deliberately blocks the runner's loop: a task that never yields. */
  ta_event_wait (work->release, TA_TIMEOUT_INFINITE, NULL);
  g_task_return_boolean (task, TRUE);
}

/**
 * ta_test_spawn_block:
 * @runner: a running runner
 * @delay_us: how long the task sleeps first, in microseconds
 * @entered: (nullable): an event set when the task starts blocking
 * @release: the event that lets the runner thread go
 * @error: return location for a #GError
 *
 * Spawns a task that sleeps, then sets @entered and blocks the runner
 * thread until @release is set: a stuck loop, which
 * [method@Ta.Runner.stop] abandons. Set @release before the program exits
 * so that the thread ends.
 *
 * Any thread.
 *
 * Returns: (transfer full): the task, or %NULL with @error set
 */
TaTask *
ta_test_spawn_block (TaRunner      *runner,
                     gint64         delay_us,
                     TaEvent       *entered,
                     TaEvent       *release,
                     GError       **error)
{
  Work *work;

  g_return_val_if_fail (TA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (entered == NULL || TA_IS_EVENT (entered), NULL);
  g_return_val_if_fail (TA_IS_EVENT (release), NULL);

  work = work_new (block_slept_cb, delay_us);
  if (entered != NULL)
    work->event = g_object_ref (entered);
  work->release = g_object_ref (release);

  return spawn_delayed (runner, "ta-test-block", work, NULL, error);
}

/* ---------------------------------------------------------------------- */

static void
set_event_slept_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Work *work = g_task_get_task_data (task);

  if (!delay_finish (task, result))
    return;

  ta_event_set (work->event);
  g_task_return_boolean (task, TRUE);
}

/**
 * ta_test_spawn_set_event:
 * @runner: a running runner
 * @delay_us: how long the task sleeps first, in microseconds
 * @event: the event to set
 * @error: return location for a #GError
 *
 * Spawns a task that sleeps, then sets @event from the runner thread.
 *
 * Any thread.
 *
 * Returns: (transfer full): the task, or %NULL with @error set
 */
TaTask *
ta_test_spawn_set_event (TaRunner      *runner,
                         gint64         delay_us,
                         TaEvent       *event,
                         GError       **error)
{
  Work *work;

  g_return_val_if_fail (TA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (TA_IS_EVENT (event), NULL);

  work = work_new (set_event_slept_cb, delay_us);
  work->event = g_object_ref (event);

  return spawn_delayed (runner, "ta-test-set-event", work, NULL, error);
}

/* ---------------------------------------------------------------------- */

static void
set_future_slept_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Work *work = g_task_get_task_data (task);
  g_auto(GValue) value = G_VALUE_INIT;
  GError *error = NULL;

  if (!delay_finish (task, result))
    return;

  if (work->variant == NULL)
    {
      g_autoptr(GError) failure = g_error_new_literal (TA_ERROR, TA_ERROR_FAILED,
                                                       "The test gave the future no value");

      ta_future_set_error (work->future, failure);
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_value_init (&value, G_TYPE_VARIANT);
  g_value_set_variant (&value, work->variant);
  if (!ta_future_set_value (work->future, &value, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * ta_test_spawn_set_future:
 * @runner: a running runner
 * @delay_us: how long the task sleeps first, in microseconds
 * @future: the future to set
 * @value: (nullable): the value to set; a floating reference is consumed.
 *   With %NULL, the future fails with %TA_ERROR_FAILED instead
 * @error: return location for a #GError
 *
 * Spawns a task that sleeps, then sets @future from the runner thread.
 *
 * Any thread.
 *
 * Returns: (transfer full): the task, or %NULL with @error set
 */
TaTask *
ta_test_spawn_set_future (TaRunner      *runner,
                          gint64         delay_us,
                          TaFuture      *future,
                          GVariant      *value,
                          GError       **error)
{
  Work *work;

  g_return_val_if_fail (TA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (TA_IS_FUTURE (future), NULL);

  work = work_new (set_future_slept_cb, delay_us);
  work->future = g_object_ref (future);
  if (value != NULL)
    work->variant = g_variant_ref_sink (value);

  return spawn_delayed (runner, "ta-test-set-future", work, NULL, error);
}

/* ---------------------------------------------------------------------- */

static void push_next (GTask *task);

static void
pushed_cb (GObject      *queue,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  Work *work = g_task_get_task_data (task);
  GError *error = NULL;

  if (!ta_queue_push_value_finish (TA_QUEUE (queue), result, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  work->done++;
  push_next (task);
}

/* Takes the reference on @task. */
static void
push_next (GTask *task)
{
  Work *work = g_task_get_task_data (task);
  g_auto(GValue) value = G_VALUE_INIT;

  if (work->done == work->n_items)
    {
      if (work->close)
        ta_queue_close (work->queue);
      g_task_return_int (task, work->done);
      g_object_unref (task);
      return;
    }

  g_value_init (&value, G_TYPE_VARIANT);
  g_value_set_variant (&value, g_variant_new_int32 (work->done));
  ta_queue_push_value_async (work->queue, &value, g_task_get_cancellable (task),
                             pushed_cb, task);
}

static void
push_ints_slept_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;

  if (!delay_finish (task, result))
    {
      g_object_unref (task);
      return;
    }

  push_next (task);
}

/**
 * ta_test_spawn_push_ints:
 * @runner: a running runner
 * @delay_us: how long the task sleeps first, in microseconds
 * @queue: a queue of values
 * @n_items: how many items to push
 * @close: whether to close @queue once they are pushed
 * @error: return location for a #GError
 *
 * Spawns a task that sleeps, then pushes the `int32` #GVariants 0 to
 * @n_items - 1 onto @queue from the runner thread, waiting for room in a
 * full queue, and closes it if asked. It returns how many items it pushed
 * with g_task_return_int(), or fails with the error of the push that
 * failed.
 *
 * Any thread.
 *
 * Returns: (transfer full): the task, or %NULL with @error set
 */
TaTask *
ta_test_spawn_push_ints (TaRunner      *runner,
                         gint64         delay_us,
                         TaQueue       *queue,
                         guint          n_items,
                         gboolean       close,
                         GError       **error)
{
  Work *work;

  g_return_val_if_fail (TA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (TA_IS_QUEUE (queue), NULL);

  work = work_new (push_ints_slept_cb, delay_us);
  work->queue = g_object_ref (queue);
  work->n_items = n_items;
  work->close = close;

  return spawn_delayed (runner, "ta-test-push-ints", work, NULL, error);
}

/* ---------------------------------------------------------------------- */

static void echo_next (GTask *task);

static void
echoed_cb (GObject      *queue,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  Work *work = g_task_get_task_data (task);
  GError *error = NULL;

  if (!ta_queue_push_value_finish (TA_QUEUE (queue), result, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  work->done++;
  echo_next (task);
}

static void
echo_popped_cb (GObject      *queue,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Work *work = g_task_get_task_data (task);
  g_auto(GValue) value = G_VALUE_INIT;
  GError *error = NULL;

  if (!ta_queue_pop_value_finish (TA_QUEUE (queue), result, &value, &error))
    {
      if (g_error_matches (error, TA_ERROR, TA_ERROR_CLOSED))
        {
          g_error_free (error);
          ta_queue_close (work->out_queue);
          g_task_return_int (task, work->done);
        }
      else
        {
          g_task_return_error (task, error);
        }
      g_object_unref (task);
      return;
    }

  ta_queue_push_value_async (work->out_queue, &value, g_task_get_cancellable (task),
                             echoed_cb, task);
}

/* Takes the reference on @task. */
static void
echo_next (GTask *task)
{
  Work *work = g_task_get_task_data (task);

  ta_queue_pop_value_async (work->queue, g_task_get_cancellable (task),
                            echo_popped_cb, task);
}

static void
echo_task (GTask        *task,
           GCancellable *cancellable,
           gpointer      user_data)
{
  echo_next (g_object_ref (task));
}

/**
 * ta_test_spawn_echo:
 * @runner: a running runner
 * @in_queue: a queue of values to pop from
 * @out_queue: a queue of values to push to
 * @error: return location for a #GError
 *
 * Spawns a task that pops each value from @in_queue on the runner thread
 * and pushes it unchanged onto @out_queue, until @in_queue is closed and
 * drained; it then closes @out_queue and returns how many values it
 * passed on with g_task_return_int().
 *
 * Any thread.
 *
 * Returns: (transfer full): the task, or %NULL with @error set
 */
TaTask *
ta_test_spawn_echo (TaRunner      *runner,
                    TaQueue       *in_queue,
                    TaQueue       *out_queue,
                    GError       **error)
{
  Work *work;

  g_return_val_if_fail (TA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (TA_IS_QUEUE (in_queue), NULL);
  g_return_val_if_fail (TA_IS_QUEUE (out_queue), NULL);

  work = work_new (NULL, 0);
  work->queue = g_object_ref (in_queue);
  work->out_queue = g_object_ref (out_queue);

  return ta_runner_spawn (runner, "ta-test-echo", echo_task, work, work_free, NULL, error);
}

/* ---------------------------------------------------------------------- */

static void request_next (GTask *task);

static void
answered_cb (GObject      *client,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  Work *work = g_task_get_task_data (task);
  g_auto(GValue) answer = G_VALUE_INIT;
  GError *error = NULL;
  GVariant *variant;

  if (!ta_client_execute_finish (TA_CLIENT (client), result, &answer, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  variant = G_VALUE_HOLDS_VARIANT (&answer) ? g_value_get_variant (&answer) : NULL;
  if (variant == NULL || !g_variant_is_of_type (variant, G_VARIANT_TYPE_INT32))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "Request %u was answered with a %s, not an int32 GVariant",
                               work->done,
                               variant != NULL ? g_variant_get_type_string (variant)
                                               : G_VALUE_TYPE_NAME (&answer));
      g_object_unref (task);
      return;
    }

  work->sum += g_variant_get_int32 (variant);
  work->done++;
  if (work->out_queue != NULL &&
      !ta_queue_try_push_value (work->out_queue, &answer, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  request_next (task);
}

/* Takes the reference on @task. */
static void
request_next (GTask *task)
{
  Work *work = g_task_get_task_data (task);

  if (work->done == work->n_items)
    {
      g_task_return_int (task, work->sum);
      g_object_unref (task);
      return;
    }

  ta_client_execute_async (work->client, work->method,
                           g_variant_new ("(i)", (gint32) work->done), NULL,
                           g_task_get_cancellable (task), answered_cb, task);
}

static void
client_task (GTask        *task,
             GCancellable *cancellable,
             gpointer      user_data)
{
  request_next (g_object_ref (task));
}

/**
 * ta_test_spawn_client:
 * @server: a started server
 * @method: the method of the requests
 * @n_requests: how many requests to make
 * @answers: (nullable): an unbounded queue of values that gets each answer
 * @error: return location for a #GError
 *
 * Spawns, with [method@Ta.Server.spawn], a client task that makes
 * @n_requests requests one after the other, with the parameters `(i)` for
 * i = 0 to @n_requests - 1. Each answer must be an `int32` #GVariant; it is
 * pushed onto @answers, if given. The task returns the sum of the answers
 * with g_task_return_int(), or fails with the first error a request got
 * (%G_IO_ERROR_INVALID_DATA for an answer of the wrong type).
 *
 * Any thread but the server's runner thread. As with
 * [method@Ta.Server.spawn], the first request is queued when this returns.
 *
 * Returns: (transfer full): the task, or %NULL with @error set
 */
TaTask *
ta_test_spawn_client (TaServer      *server,
                      const char    *method,
                      guint          n_requests,
                      TaQueue       *answers,
                      GError       **error)
{
  Work *work;

  g_return_val_if_fail (TA_IS_SERVER (server), NULL);
  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (answers == NULL || TA_IS_QUEUE (answers), NULL);

  work = work_new (NULL, 0);
  work->client = ta_server_create_client (server);
  work->method = g_strdup (method);
  work->n_items = n_requests;
  if (answers != NULL)
    work->out_queue = g_object_ref (answers);

  return ta_server_spawn (server, "ta-test-client", client_task, work, work_free,
                          TA_TIMEOUT_DEFAULT, error);
}

/* ---------------------------------------------------------------------- */

static void
value_job (GTask        *task,
           GCancellable *cancellable,
           gpointer      user_data)
{
  GVariant *variant = user_data;
  g_auto(GValue) value = G_VALUE_INIT;

  if (variant == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "The job had no value");
      return;
    }
  g_value_init (&value, G_TYPE_VARIANT);
  g_value_set_variant (&value, variant);
  g_task_return_value (task, &value);
}

/* A blocking function in C: fails for a negative value, else returns
 * nothing (JavaScript gets no pointer to own). */
static gpointer
check_func (GCancellable  *cancellable,
            gpointer       data,
            GError       **error)
{
  gint value = GPOINTER_TO_INT (data);

  if (value < 0)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%d is negative", value);
  return NULL;
}

/**
 * ta_test_executor_invoke_check:
 * @executor: an executor
 * @value: a number: the job fails with %G_IO_ERROR_INVALID_ARGUMENT if it
 *   is negative
 * @done: (scope notified) (closure done_data) (destroy done_data_destroy):
 *   called once the job is over, in the caller's context
 * @done_data: data for @done
 * @done_data_destroy: (nullable): frees @done_data
 * @error: return location for a #GError
 *
 * Queues, with [method@Ta.Executor.invoke], a blocking function written in
 * C, so that JavaScript can provide the completion.
 *
 * Any thread.
 *
 * Returns: what [method@Ta.Executor.invoke] returned
 */
gboolean
ta_test_executor_invoke_check (TaExecutor          *executor,
                               gint                 value,
                               TaTestDoneFunc       done,
                               gpointer             done_data,
                               GDestroyNotify       done_data_destroy,
                               GError             **error)
{
  return ta_executor_invoke (executor, check_func, GINT_TO_POINTER (value), NULL,
                             (TaExecutorDoneFunc) done, done_data, done_data_destroy, error);
}

/**
 * ta_test_executor_run_value_async:
 * @executor: an executor
 * @value: (nullable): the job's result; a floating reference is consumed.
 *   Without one, the job fails with %G_IO_ERROR_FAILED.
 * @cancellable: (nullable): cancels the job and the wait
 * @callback: (scope async): called with the executor's result
 * @user_data: data for @callback
 *
 * Runs, with [method@Ta.Executor.run_async], a job written in C on a
 * worker thread that returns @value: @callback gets the executor as the
 * source and a result for [method@Ta.Executor.run_finish].
 *
 * Any thread.
 */
void
ta_test_executor_run_value_async (TaExecutor          *executor,
                                  GVariant            *value,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (TA_IS_EXECUTOR (executor));

  if (value != NULL)
    g_variant_ref_sink (value);
  ta_executor_run_async (executor, "ta-test-value-job", value_job, value,
                         value != NULL ? (GDestroyNotify) g_variant_unref : NULL,
                         cancellable, callback, user_data);
}

/**
 * ta_test_offload_inout:
 * @number: (inout): a number, doubled
 * @text: (inout) (transfer full): a text, upper-cased
 * @words: (inout) (array zero-terminated=1) (transfer full): words, reversed
 * @n_chars: (out): how many characters @text has
 *
 * For the offload tests: inout arguments of each ownership.
 *
 * Returns: %TRUE
 */
gboolean
ta_test_offload_inout (gint    *number,
                       char   **text,
                       char  ***words,
                       guint   *n_chars)
{
  char *upper = g_utf8_strup (*text, -1);
  guint n = g_strv_length (*words);

  *number *= 2;
  g_free (*text);
  *text = upper;
  for (guint i = 0; i < n / 2; i++)
    {
      char *swap = (*words)[i];

      (*words)[i] = (*words)[n - 1 - i];
      (*words)[n - 1 - i] = swap;
    }
  *n_chars = g_utf8_strlen (upper, -1);

  return TRUE;
}

/**
 * ta_test_offload_lists:
 * @words: (element-type utf8) (transfer none): words
 * @prefix: (nullable): put before each word, or %NULL
 * @prefixed: (out) (element-type utf8) (transfer full): the words, prefixed
 *
 * For the offload tests: lists of each ownership.
 *
 * Returns: (element-type utf8) (transfer container): the words in a list
 *   of their own, still @words' strings
 */
GList *
ta_test_offload_lists (GSList      *words,
                       const char  *prefix,
                       GSList     **prefixed)
{
  GList *list = NULL;

  *prefixed = NULL;
  for (GSList *l = words; l != NULL; l = l->next)
    {
      list = g_list_append (list, l->data);
      *prefixed = g_slist_append (*prefixed, g_strconcat (prefix != NULL ? prefix : "",
                                                          l->data, NULL));
    }

  return list;
}
