/* test-executor-invoke.c: TaExecutor's jobs without a handle
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "test-common.h"

/* ---------------------------------------------------------------------- */
/* Book-keeping shared by the tests                                        */
/* ---------------------------------------------------------------------- */

/*
 * One caller of many jobs: which jobs completed, how, where. Touched by
 * the done callbacks and destroy notifies (the caller's thread) and by
 * the job functions (workers: only the atomics).
 */
typedef struct
{
  TaExecutor   *executor;
  GMainContext *context;        /* the caller's thread-default */
  GThread      *thread;         /* the caller's */
  guint         n_jobs;
  gint         *done_count;     /* per job: how many times done ran */
  gint         *func_count;     /* per job, atomic: how many times func ran */
  guint         n_done;
  guint         n_ok;
  guint         n_cancelled;
  guint         n_other_errors;
  gint          n_func_destroyed;
  gint          n_done_destroyed;
  gboolean      wrong_place;    /* a callback or notify ran elsewhere */
  gboolean      func_not_on_worker;  /* atomic */
  TestGate      started;        /* opened by blocking jobs */
  TestGate      release;        /* waited on by blocking jobs */
  gboolean      block;          /* immutable while jobs run */
} Caller;

/* What one job carries to its function and its callback. */
typedef struct
{
  Caller *caller;
  guint   index;
} Job;

static void
caller_init (Caller       *caller,
             TaExecutor   *executor,
             GMainContext *context,
             guint         n_jobs)
{
  memset (caller, 0, sizeof *caller);
  caller->executor = executor;
  caller->context = context;
  caller->thread = g_thread_self ();
  caller->n_jobs = n_jobs;
  caller->done_count = g_new0 (gint, n_jobs);
  caller->func_count = g_new0 (gint, n_jobs);
  test_gate_init (&caller->started);
  test_gate_init (&caller->release);
}

static void
caller_clear (Caller *caller)
{
  g_free (caller->done_count);
  g_free (caller->func_count);
  test_gate_clear (&caller->started);
  test_gate_clear (&caller->release);
}

static gboolean
caller_in_place (Caller *caller)
{
  return g_thread_self () == caller->thread &&
         g_main_context_get_thread_default () == caller->context;
}

static void
release_on_cancel (GCancellable *cancellable,
                   gpointer      gate)
{
  test_gate_open (gate);
}

/* Returns the job's index doubled, as an allocated result; a blocking
 * caller's jobs first wait to be released or cancelled. */
static gpointer
job_func (GCancellable  *cancellable,
          gpointer       data,
          GError       **error)
{
  Job *job = data;
  Caller *caller = job->caller;
  guint *result;

  g_atomic_int_inc (&caller->func_count[job->index]);
  if (!ta_executor_is_worker_thread (caller->executor))
    g_atomic_int_set (&caller->func_not_on_worker, TRUE);

  if (caller->block)
    {
      gulong id;

      g_assert_nonnull (cancellable);
      id = g_cancellable_connect (cancellable, G_CALLBACK (release_on_cancel),
                                  &caller->release, NULL);
      test_gate_open (&caller->started);
      test_gate_wait (&caller->release);
      g_cancellable_disconnect (cancellable, id);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
    }

  result = g_new (guint, 1);
  *result = job->index * 2;
  return result;
}

static void
job_done (gpointer      result,
          const GError *error,
          gpointer      data)
{
  Job *job = data;
  Caller *caller = job->caller;

  if (!caller_in_place (caller))
    caller->wrong_place = TRUE;
  caller->done_count[job->index]++;
  caller->n_done++;

  if (error == NULL)
    {
      g_assert_nonnull (result);
      g_assert_cmpuint (*(guint *) result, ==, job->index * 2);
      caller->n_ok++;
    }
  else
    {
      g_assert_null (result);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        caller->n_cancelled++;
      else
        caller->n_other_errors++;
    }
  g_free (result);
}

static void
job_func_destroy (gpointer data)
{
  Job *job = data;

  if (!caller_in_place (job->caller))
    job->caller->wrong_place = TRUE;
  job->caller->n_func_destroyed++;
}

/* The done data's notify frees the job, which both data point to. */
static void
job_done_destroy (gpointer data)
{
  Job *job = data;

  if (!caller_in_place (job->caller))
    job->caller->wrong_place = TRUE;
  job->caller->n_done_destroyed++;
  g_free (job);
}

static gboolean
caller_invoke (Caller  *caller,
               guint    index,
               GError **error)
{
  Job *job = g_new0 (Job, 1);

  job->caller = caller;
  job->index = index;

  return ta_executor_invoke (caller->executor, job_func, job, job_func_destroy,
                             job_done, job, job_done_destroy, error);
}

static void
caller_invoke_all (Caller *caller,
                   guint   first)
{
  for (guint i = first; i < caller->n_jobs; i++)
    {
      GError *error = NULL;

      g_assert_true (caller_invoke (caller, i, &error));
      g_assert_no_error (error);
    }
}

static void
caller_iterate_until_done (Caller *caller,
                           guint   n_done)
{
  gint64 end_time = g_get_monotonic_time () + TEST_HANG_US;

  while (caller->n_done < n_done)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end_time);
      g_main_context_iteration (caller->context, TRUE);
    }
}

/* Every job completed exactly once, in place, and released both data. */
static void
caller_assert_all_done_once (Caller *caller)
{
  for (guint i = 0; i < caller->n_jobs; i++)
    g_assert_cmpint (caller->done_count[i], ==, 1);
  g_assert_cmpuint (caller->n_done, ==, caller->n_jobs);
  g_assert_cmpint (caller->n_func_destroyed, ==, caller->n_jobs);
  g_assert_cmpint (caller->n_done_destroyed, ==, caller->n_jobs);
  g_assert_false (caller->wrong_place);
  g_assert_false (g_atomic_int_get (&caller->func_not_on_worker));
}

/* A caller on this thread of @executor (whose reference it takes), with
 * a context of its own pushed as the thread-default: caller_end() undoes
 * it. */
static void
caller_begin (Caller     *caller,
              TaExecutor *executor,
              guint       n_jobs)
{
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  caller_init (caller, executor, context, n_jobs);
}

static void
caller_end (Caller *caller)
{
  GMainContext *context = caller->context;

  caller_clear (caller);
  g_main_context_pop_thread_default (context);
  g_clear_object (&caller->executor);
  g_main_context_unref (context);
}

/* Job 0 runs and blocks until released or cancelled; the rest queue
 * behind it. */
static void
caller_invoke_blocked (Caller *caller)
{
  GError *error = NULL;

  caller->block = TRUE;
  g_assert_true (caller_invoke (caller, 0, &error));
  g_assert_no_error (error);
  test_gate_wait (&caller->started);
  caller_invoke_all (caller, 1);
}

/* After caller_invoke_blocked() and a cancelling shutdown: every job
 * completed cancelled, job 0 having run and the others not. */
static void
caller_assert_first_ran_rest_cancelled (Caller *caller)
{
  g_assert_cmpuint (caller->n_cancelled, ==, caller->n_jobs);
  g_assert_cmpint (caller->func_count[0], ==, 1);
  for (guint i = 1; i < caller->n_jobs; i++)
    g_assert_cmpint (caller->func_count[i], ==, 0);
}

/* A draining shutdown posts every one of @n completions, none run within
 * it; the next iteration of @context runs them all, and nothing is left. */
static void
assert_drain_posts_one_batch (TaExecutor   *executor,
                              GMainContext *context,
                              const guint  *n_done,
                              guint         n)
{
  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN,
                                       TA_TIMEOUT_INFINITE, NULL));
  g_assert_cmpuint (*n_done, ==, 0);
  g_assert_true (g_main_context_iteration (context, FALSE));
  g_assert_cmpuint (*n_done, ==, n);
  g_assert_false (g_main_context_iteration (context, FALSE));
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */
/* ---------------------------------------------------------------------- */

/* Many jobs, in whatever order they end: each completes once, with its
 * own result, in the caller's context. */
static void
test_invoke_accounting (void)
{
  Caller caller;

  caller_begin (&caller, ta_executor_new ("invoke", 3), 5000);
  caller_invoke_all (&caller, 0);
  caller_iterate_until_done (&caller, caller.n_jobs);

  caller_assert_all_done_once (&caller);
  g_assert_cmpuint (caller.n_ok, ==, caller.n_jobs);
  for (guint i = 0; i < caller.n_jobs; i++)
    g_assert_cmpint (caller.func_count[i], ==, 1);

  g_assert_true (ta_executor_shutdown (caller.executor, TA_EXECUTOR_SHUTDOWN_DRAIN,
                                       TA_TIMEOUT_INFINITE, NULL));
  caller_end (&caller);
}

static gpointer
failing_func (GCancellable  *cancellable,
              gpointer       data,
              GError       **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "job %s failed",
               (const char *) data);
  return NULL;
}

static void
error_done (gpointer      result,
            const GError *error,
            gpointer      data)
{
  AsyncFlag *flag = data;

  g_assert_null (result);
  flag->error = g_error_copy (error);
  flag->done = TRUE;
}

/* The function's error reaches the callback as it is. */
static void
test_invoke_error (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaExecutor) executor = ta_executor_new ("invoke-error", 1);
  AsyncFlag flag = { FALSE, NULL };
  GError *error = NULL;

  g_main_context_push_thread_default (context);
  g_assert_true (ta_executor_invoke (executor, failing_func, "seven", NULL,
                                     error_done, &flag, NULL, &error));
  g_assert_no_error (error);
  test_iterate_until (context, &flag.done);
  g_assert_error (flag.error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (flag.error->message, ==, "job seven failed");
  g_clear_error (&flag.error);
  g_main_context_pop_thread_default (context);
}

/* The completions that arrive while the caller's context sleeps all run
 * in the next iteration: one wake-up, one batch. */
static void
test_invoke_batch (void)
{
  Caller caller;

  caller_begin (&caller, ta_executor_new ("invoke-batch", 2), 200);
  caller_invoke_all (&caller, 0);

  /* Once the workers are joined every completion is posted. */
  assert_drain_posts_one_batch (caller.executor, caller.context, &caller.n_done,
                                caller.n_jobs);

  caller_assert_all_done_once (&caller);
  g_assert_cmpuint (caller.n_ok, ==, caller.n_jobs);
  caller_end (&caller);
}

/* Jobs with a handle take the same road back: once the workers are
 * joined, one iteration of the caller's context runs every callback. */
static void
int_job (GTask        *task,
         GCancellable *cancellable,
         gpointer      data)
{
  g_task_return_int (task, GPOINTER_TO_INT (data));
}

typedef struct
{
  guint  n_done;
  gint64 sum;
} RunAsyncCount;

static void
run_async_done (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  RunAsyncCount *count = data;
  g_autoptr(TaTask) job = ta_executor_run_finish (TA_EXECUTOR (source), result, NULL);

  g_assert_nonnull (job);
  count->sum += ta_task_propagate_int (job, NULL);
  count->n_done++;
}

static void
test_run_async_batch (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaExecutor) executor = ta_executor_new ("run-async-batch", 2);
  RunAsyncCount count = { 0, 0 };
  const guint n = 200;

  g_main_context_push_thread_default (context);
  for (guint i = 1; i <= n; i++)
    ta_executor_run_async (executor, NULL, int_job, GUINT_TO_POINTER (i), NULL, NULL,
                           run_async_done, &count);
  assert_drain_posts_one_batch (executor, context, &count.n_done, n);
  g_assert_cmpint (count.sum, ==, n * (n + 1) / 2);
  g_main_context_pop_thread_default (context);
}

/* A cancelling shutdown, one job running and the rest queued: the queued
 * ones complete cancelled without running, the running one sees the
 * cancellation; every completion happens once, in the caller's context,
 * never within the shutdown. */
static void
test_invoke_shutdown_cancel (void)
{
  GError *error = NULL;
  Caller caller;

  caller_begin (&caller, ta_executor_new ("invoke-cancel", 1), 50);
  caller_invoke_blocked (&caller);
  g_assert_cmpuint (ta_executor_get_n_queued (caller.executor), ==, caller.n_jobs - 1);

  g_assert_true (ta_executor_shutdown (caller.executor, TA_EXECUTOR_SHUTDOWN_CANCEL,
                                       TA_TIMEOUT_INFINITE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (caller.n_done, ==, 0);
  g_assert_cmpint (caller.n_func_destroyed, ==, 0);

  caller_iterate_until_done (&caller, caller.n_jobs);
  caller_assert_all_done_once (&caller);
  caller_assert_first_ran_rest_cancelled (&caller);
  caller_end (&caller);
}

/* A draining shutdown runs what was queued. */
static void
test_invoke_shutdown_drain (void)
{
  Caller caller;

  caller_begin (&caller, ta_executor_new ("invoke-drain", 2), 300);
  caller_invoke_all (&caller, 0);
  g_assert_true (ta_executor_shutdown (caller.executor, TA_EXECUTOR_SHUTDOWN_DRAIN,
                                       TA_TIMEOUT_INFINITE, NULL));
  caller_iterate_until_done (&caller, caller.n_jobs);
  caller_assert_all_done_once (&caller);
  g_assert_cmpuint (caller.n_ok, ==, caller.n_jobs);
  caller_end (&caller);
}

/* A shutdown that gives up on a busy worker: the queued jobs complete
 * cancelled, the running one when its function returns, once. */
static void
test_invoke_shutdown_abandons (void)
{
  GError *error = NULL;
  Caller caller;

  caller_begin (&caller, ta_executor_new ("invoke-abandon", 1), 10);
  caller_invoke_blocked (&caller);

  /* The running job is released by the shutdown's cancellation: it may
   * or may not have returned when the zero timeout expires. */
  if (!ta_executor_shutdown (caller.executor, TA_EXECUTOR_SHUTDOWN_CANCEL, 0, &error))
    {
      g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
      g_clear_error (&error);
    }

  caller_iterate_until_done (&caller, caller.n_jobs);
  caller_assert_all_done_once (&caller);
  caller_assert_first_ran_rest_cancelled (&caller);
  caller_end (&caller);
}

/* Dropping the executor without a shutdown cancels what is queued. */
static void
test_invoke_dispose_cancels (void)
{
  Caller caller;

  caller_begin (&caller, ta_executor_new ("invoke-dispose", 1), 20);
  caller_invoke_blocked (&caller);
  g_clear_object (&caller.executor);

  caller_iterate_until_done (&caller, caller.n_jobs);
  for (guint i = 0; i < caller.n_jobs; i++)
    g_assert_cmpint (caller.done_count[i], ==, 1);
  g_assert_cmpuint (caller.n_cancelled, ==, caller.n_jobs);
  g_assert_cmpint (caller.n_func_destroyed, ==, caller.n_jobs);
  g_assert_cmpint (caller.n_done_destroyed, ==, caller.n_jobs);
  g_assert_false (caller.wrong_place);

  caller_end (&caller);
}

static void
never_done (gpointer      result,
            const GError *error,
            gpointer      data)
{
  g_assert_not_reached ();
}

static gpointer
never_func (GCancellable  *cancellable,
            gpointer       data,
            GError       **error)
{
  g_assert_not_reached ();
  return NULL;
}

/* After a shutdown a job is refused: %FALSE and an error, no callback,
 * both data released before the call returns. */
static void
test_invoke_refused (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaExecutor) executor = ta_executor_new ("invoke-refused", 1);
  TestData func_data = { 0 }, done_data = { 0 };
  GError *error = NULL;

  g_main_context_push_thread_default (context);
  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN,
                                       TA_TIMEOUT_INFINITE, NULL));
  g_assert_false (ta_executor_invoke (executor, never_func, &func_data, test_data_destroy,
                                      never_done, &done_data, test_data_destroy, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING);
  g_clear_error (&error);
  g_assert_cmpint (func_data.destroyed, ==, 1);
  g_assert_cmpint (done_data.destroyed, ==, 1);
  g_assert_true (func_data.destroyed_on == g_thread_self ());
  g_assert_true (done_data.destroyed_on == g_thread_self ());

  /* Without an error location, the same. */
  g_assert_false (ta_executor_invoke (executor, never_func, NULL, NULL,
                                      never_done, NULL, NULL, NULL));
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
}

/* Callers on several threads, each with a context of its own: each one's
 * completions come to it, and only to it. */
typedef struct
{
  TaExecutor *executor;
  guint       n_jobs;
  gboolean    ok;
} CallerThread;

static gpointer
caller_thread (gpointer data)
{
  CallerThread *ct = data;
  Caller caller;

  caller_begin (&caller, g_object_ref (ct->executor), ct->n_jobs);
  caller_invoke_all (&caller, 0);
  caller_iterate_until_done (&caller, caller.n_jobs);
  caller_assert_all_done_once (&caller);
  /* Nothing of another caller's came here. */
  while (g_main_context_iteration (caller.context, FALSE))
    ;
  g_assert_cmpuint (caller.n_done, ==, caller.n_jobs);
  ct->ok = caller.n_ok == caller.n_jobs;
  caller_end (&caller);

  return NULL;
}

static void
test_invoke_several_contexts (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new ("invoke-contexts", 2);
  CallerThread callers[4];
  GThread *threads[G_N_ELEMENTS (callers)];

  for (guint i = 0; i < G_N_ELEMENTS (callers); i++)
    {
      callers[i] = (CallerThread) { executor, 500 + 100 * i, FALSE };
      threads[i] = g_thread_new ("invoke-caller", caller_thread, &callers[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (callers); i++)
    {
      g_thread_join (threads[i]);
      g_assert_true (callers[i].ok);
    }
  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN,
                                       TA_TIMEOUT_INFINITE, NULL));
}

/* From a runner's thread, the completion comes back to the runner. */
typedef struct
{
  TaExecutor *executor;
  TaRunner   *runner;
  TestGate    done;
  GThread    *done_on;
  gboolean    done_on_runner_context;
  TestData    func_data;
  TestData    done_data;
} FromRunner;

static gpointer
from_runner_func (GCancellable  *cancellable,
                  gpointer       data,
                  GError       **error)
{
  return g_strdup ("from the worker");
}

static void
from_runner_done (gpointer      result,
                  const GError *error,
                  gpointer      data)
{
  FromRunner *fr = (FromRunner *) ((guint8 *) data - G_STRUCT_OFFSET (FromRunner, done_data));

  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, "from the worker");
  g_free (result);
  fr->done_on = g_thread_self ();
  fr->done_on_runner_context =
    g_main_context_get_thread_default () == ta_runner_get_context (fr->runner);
  test_gate_open (&fr->done);
}

static void
from_runner_invoke (gpointer data)
{
  FromRunner *fr = data;
  GError *error = NULL;

  g_assert_true (ta_executor_invoke (fr->executor, from_runner_func, &fr->func_data,
                                     test_data_destroy, from_runner_done, &fr->done_data,
                                     test_data_destroy, &error));
  g_assert_no_error (error);
}

static void
nothing (gpointer data)
{
}

static void
test_invoke_from_runner (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new ("invoke-runner", 1);
  g_autoptr(TaRunner) runner = ta_runner_new ("invoke-runner");
  FromRunner fr;

  memset (&fr, 0, sizeof fr);
  fr.executor = executor;
  fr.runner = runner;
  test_gate_init (&fr.done);
  g_assert_true (ta_runner_start (runner, NULL));
  g_assert_true (ta_runner_call (runner, from_runner_invoke, &fr, NULL,
                                 TA_TIMEOUT_INFINITE, NULL));
  test_gate_wait (&fr.done);
  /* The notifies run right after the callback, on the same thread: a
   * call behind them on the runner sees them done. */
  g_assert_true (ta_runner_call (runner, nothing, NULL, NULL, TA_TIMEOUT_INFINITE, NULL));
  g_assert_true (fr.done_on_runner_context);
  g_assert_cmpint (fr.func_data.destroyed, ==, 1);
  g_assert_cmpint (fr.done_data.destroyed, ==, 1);
  g_assert_true (fr.func_data.destroyed_on == fr.done_on);
  g_assert_true (fr.done_data.destroyed_on == fr.done_on);
  g_assert_true (fr.done_on != g_thread_self ());
  g_assert_true (ta_runner_stop (runner, NULL));
  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN,
                                       TA_TIMEOUT_INFINITE, NULL));
  test_gate_clear (&fr.done);
}

/* Invoked and waited for from the main context (no thread-default
 * pushed): the completion comes in the global default context. */
static void
test_invoke_default_context (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new ("invoke-default", 1);
  AsyncFlag flag = { FALSE, NULL };

  g_assert_null (g_main_context_get_thread_default ());
  g_assert_true (ta_executor_invoke (executor, failing_func, "default", NULL,
                                     error_done, &flag, NULL, NULL));
  test_iterate_until (g_main_context_default (), &flag.done);
  g_assert_error (flag.error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_clear_error (&flag.error);
}

/* Programmer errors are refused with a critical, and nothing queued. */
static void
test_invoke_programmer_errors (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new ("invoke-misuse", 1);
  GError *error = NULL;

  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*TA_IS_EXECUTOR*");
  g_assert_false (ta_executor_invoke (NULL, never_func, NULL, NULL,
                                      never_done, NULL, NULL, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*func != NULL*");
  g_assert_false (ta_executor_invoke (executor, NULL, NULL, NULL,
                                      never_done, NULL, NULL, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*done != NULL*");
  g_assert_false (ta_executor_invoke (executor, never_func, NULL, NULL,
                                      NULL, NULL, NULL, NULL));
  g_test_assert_expected_messages ();

  error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "already set");
  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*error == NULL*");
  g_assert_false (ta_executor_invoke (executor, never_func, NULL, NULL,
                                      never_done, NULL, NULL, &error));
  g_test_assert_expected_messages ();
  g_clear_error (&error);

  g_assert_cmpuint (ta_executor_get_n_queued (executor), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ta/executor-invoke/accounting", test_invoke_accounting);
  g_test_add_func ("/ta/executor-invoke/error", test_invoke_error);
  g_test_add_func ("/ta/executor-invoke/batch", test_invoke_batch);
  g_test_add_func ("/ta/executor-invoke/run-async-batch", test_run_async_batch);
  g_test_add_func ("/ta/executor-invoke/shutdown-cancel", test_invoke_shutdown_cancel);
  g_test_add_func ("/ta/executor-invoke/shutdown-drain", test_invoke_shutdown_drain);
  g_test_add_func ("/ta/executor-invoke/shutdown-abandons", test_invoke_shutdown_abandons);
  g_test_add_func ("/ta/executor-invoke/dispose-cancels", test_invoke_dispose_cancels);
  g_test_add_func ("/ta/executor-invoke/refused", test_invoke_refused);
  g_test_add_func ("/ta/executor-invoke/several-contexts", test_invoke_several_contexts);
  g_test_add_func ("/ta/executor-invoke/from-runner", test_invoke_from_runner);
  g_test_add_func ("/ta/executor-invoke/default-context", test_invoke_default_context);
  g_test_add_func ("/ta/executor-invoke/programmer-errors", test_invoke_programmer_errors);

  return g_test_run ();
}
