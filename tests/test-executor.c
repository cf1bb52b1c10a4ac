/* test-executor.c: TaExecutor, and reaching a runner from worker threads
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <unistd.h>

#include <glib-unix.h>

#include "test-common.h"

/* ---------------------------------------------------------------------- */
/* Jobs                                                                    */
/* ---------------------------------------------------------------------- */

typedef struct
{
  TaExecutor *executor;
  GThread    *ran_on;
  gboolean    was_worker;
} WhereJob;

static void
where_job (GTask        *task,
           GCancellable *cancellable,
           gpointer      user_data)
{
  WhereJob *wj = user_data;

  wj->ran_on = g_thread_self ();
  wj->was_worker = ta_executor_is_worker_thread (wj->executor);
  g_task_return_int (task, 42);
}

static void
int_job (GTask        *task,
         GCancellable *cancellable,
         gpointer      user_data)
{
  g_task_return_int (task, GPOINTER_TO_INT (user_data));
}

static void
error_job (GTask        *task,
           GCancellable *cancellable,
           gpointer      user_data)
{
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "job %d failed",
                           GPOINTER_TO_INT (user_data));
}

/* Blocks the worker until released, or until cancelled. */
typedef struct
{
  TestData  data;          /* first: test_data_destroy() works on a Gated */
  TestGate  started;
  TestGate  release;
  gint      running;       /* atomic */
  gint      max_running;   /* atomic */
} Gated;

static void
gated_init (Gated *g)
{
  memset (g, 0, sizeof *g);
  test_gate_init (&g->started);
  test_gate_init (&g->release);
}

static void
gated_clear (Gated *g)
{
  test_gate_clear (&g->started);
  test_gate_clear (&g->release);
}

static void
open_on_cancel (GCancellable *cancellable,
                gpointer      user_data)
{
  test_gate_open (user_data);
}

static void
gated_job (GTask        *task,
           GCancellable *cancellable,
           gpointer      user_data)
{
  Gated *g = user_data;
  gint running = g_atomic_int_add (&g->running, 1) + 1;
  gulong id;

  /* Track the most jobs running at once. */
  for (gint max = g_atomic_int_get (&g->max_running);
       running > max && !g_atomic_int_compare_and_exchange (&g->max_running, max, running);
       max = g_atomic_int_get (&g->max_running))
    ;
  g_atomic_int_inc (&g->data.ran);
  test_gate_open (&g->started);

  id = g_cancellable_connect (cancellable, G_CALLBACK (open_on_cancel), &g->release, NULL);
  test_gate_wait (&g->release);
  g_cancellable_disconnect (cancellable, id);

  g_atomic_int_add (&g->running, -1);
  if (!g_task_return_error_if_cancelled (task))
    g_task_return_boolean (task, TRUE);
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */
/* ---------------------------------------------------------------------- */

static void
test_executor_run (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new ("pool", 2);
  g_autoptr(TaTask) job = NULL;
  g_autoptr(GError) error = NULL;
  WhereJob wj = { executor, NULL, FALSE };

  g_assert_cmpstr (ta_executor_get_name (executor), ==, "pool");
  g_assert_cmpuint (ta_executor_get_max_workers (executor), ==, 2);
  g_assert_cmpuint (ta_executor_get_n_workers (executor), ==, 0);
  g_assert_false (ta_executor_is_worker_thread (executor));

  job = ta_executor_run (executor, "where", where_job, &wj, NULL, TA_TIMEOUT_INFINITE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ta_task_propagate_int (job, NULL), ==, 42);
  g_assert_true (wj.ran_on != test_main_thread);
  g_assert_true (wj.was_worker);
  g_assert_cmpuint (ta_executor_get_n_workers (executor), ==, 1);

  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN,
                                       TA_TIMEOUT_INFINITE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ta_executor_get_n_workers (executor), ==, 0);
}

static void
test_executor_bounded (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new (NULL, 2);
  GPtrArray *jobs = g_ptr_array_new_with_free_func (g_object_unref);
  Gated g;

  gated_init (&g);
  for (guint i = 0; i < 6; i++)
    g_ptr_array_add (jobs, ta_executor_spawn (executor, NULL, gated_job, &g, NULL, NULL, NULL));
  test_gate_wait_count (&g.started, 2, TEST_HANG_US);
  g_assert_cmpuint (ta_executor_get_n_workers (executor), <=, 2);
  g_assert_cmpuint (ta_executor_get_n_queued (executor), >=, 4 - 0);

  /* Release them all: at most two ever ran at once. */
  for (guint i = 0; i < 6; i++)
    test_gate_open (&g.release);
  for (guint i = 0; i < jobs->len; i++)
    g_assert_true (ta_task_wait (g_ptr_array_index (jobs, i), TEST_HANG_US, NULL));
  g_assert_cmpint (g.max_running, ==, 2);
  g_assert_cmpint (g.data.ran, ==, 6);
  g_ptr_array_unref (jobs);
  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, TA_TIMEOUT_INFINITE, NULL));
  gated_clear (&g);
}

static void
run_async_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AsyncFlag *flag = user_data;
  g_autoptr(TaTask) job = ta_executor_run_finish (TA_EXECUTOR (source), result, &flag->error);

  g_assert_true (g_thread_self () == test_main_thread);
  if (job != NULL)
    g_object_set_data (G_OBJECT (source), "answer",
                       GINT_TO_POINTER (ta_task_propagate_int (job, NULL)));
  flag->done = TRUE;
}

static void
test_executor_run_async_on_main_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaExecutor) executor = ta_executor_new (NULL, 1);
  AsyncFlag flag = { FALSE, NULL };

  g_main_context_push_thread_default (context);
  ta_executor_run_async (executor, NULL, int_job, GINT_TO_POINTER (7), NULL, NULL,
                         run_async_cb, &flag);
  g_assert_false (flag.done);
  test_iterate_until (context, &flag.done);
  g_assert_no_error (flag.error);
  g_assert_cmpint (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (executor), "answer")), ==, 7);

  /* A job's error reaches the callback. */
  flag.done = FALSE;
  ta_executor_run_async (executor, NULL, error_job, GINT_TO_POINTER (3), NULL, NULL,
                         run_async_cb, &flag);
  test_iterate_until (context, &flag.done);
  g_assert_error (flag.error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_clear_error (&flag.error);
  g_main_context_pop_thread_default (context);
  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, TA_TIMEOUT_INFINITE, NULL));
}

/* What the callback of a run saw of its result. */
typedef struct
{
  AsyncFlag  flag;
  GObject   *source;
  gboolean   user_data_ok;
  gboolean   tagged;
  gboolean   tagged_other;
  gint       answer;
} RunSeen;

static void
run_seen_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  RunSeen *seen = user_data;
  g_autoptr(GObject) result_source = g_async_result_get_source_object (result);
  g_autoptr(TaTask) job = NULL;

  g_assert_true (g_thread_self () == test_main_thread);
  seen->source = source;
  g_assert_true (result_source == source);
  seen->user_data_ok = g_async_result_get_user_data (result) == seen;
  seen->tagged = g_async_result_is_tagged (result, ta_executor_run_async);
  seen->tagged_other = g_async_result_is_tagged (result, ta_executor_run_finish);
  job = ta_executor_run_finish (TA_EXECUTOR (source), result, &seen->flag.error);
  if (job != NULL)
    seen->answer = ta_task_propagate_int (job, NULL);
  seen->flag.done = TRUE;
}

static void
open_on_finalize (gpointer  gate,
                  GObject  *where_the_object_was)
{
  test_gate_open (gate);
}

/* A run without a cancellable: a well-formed GAsyncResult whatever its
 * type, the executor alive until the callback even when the caller let
 * go of it, the callback in the caller's context, errors retrieved. */
static void
test_executor_run_async_result (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  TaExecutor *executor = ta_executor_new (NULL, 1);
  RunSeen seen = { 0 };
  TestGate finalized;
  Gated g;

  g_main_context_push_thread_default (context);
  gated_init (&g);
  test_gate_init (&finalized);
  g_object_weak_ref (G_OBJECT (executor), open_on_finalize, &finalized);

  /* The job blocks until the test says: no callback before. */
  ta_executor_run_async (executor, NULL, gated_job, &g, NULL, NULL, run_seen_cb, &seen);
  test_gate_wait (&g.started);
  g_main_context_iteration (context, FALSE);
  g_assert_false (seen.flag.done);
  test_gate_open (&g.release);
  test_iterate_until (context, &seen.flag.done);
  g_assert_no_error (seen.flag.error);
  g_assert_true (seen.source == G_OBJECT (executor));
  g_assert_true (seen.user_data_ok);
  g_assert_true (seen.tagged);
  g_assert_false (seen.tagged_other);

  /* A failed job: its error is retrieved by the finish, not reported by
   * the shutdown. */
  memset (&seen, 0, sizeof seen);
  ta_executor_run_async (executor, NULL, error_job, GINT_TO_POINTER (5), NULL, NULL,
                         run_seen_cb, &seen);
  test_iterate_until (context, &seen.flag.done);
  g_assert_error (seen.flag.error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_clear_error (&seen.flag.error);

  /* The caller lets go of the executor: the run keeps it until its
   * callback has run, then lets it go in the caller's context. */
  memset (&seen, 0, sizeof seen);
  ta_executor_run_async (executor, NULL, int_job, GINT_TO_POINTER (9), NULL, NULL,
                         run_seen_cb, &seen);
  g_object_unref (executor);
  test_iterate_until (context, &seen.flag.done);
  g_assert_no_error (seen.flag.error);
  g_assert_cmpint (seen.answer, ==, 9);
  test_gate_wait (&finalized);

  test_gate_clear (&finalized);
  gated_clear (&g);
  g_main_context_pop_thread_default (context);
}

/* A shutdown that cancels: the running job's run and the queued ones
 * fail with G_IO_ERROR_CANCELLED in their callbacks; a run on a shut
 * down executor fails with TA_ERROR_NOT_RUNNING, never from within the
 * call. */
static void
test_executor_run_async_shutdown (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaExecutor) executor = ta_executor_new (NULL, 1);
  RunSeen seen[3] = { 0 };
  RunSeen late = { 0 };
  g_autoptr(GError) error = NULL;
  Gated g;

  g_main_context_push_thread_default (context);
  gated_init (&g);
  ta_executor_run_async (executor, NULL, gated_job, &g, NULL, NULL, run_seen_cb, &seen[0]);
  test_gate_wait (&g.started);
  for (guint i = 1; i < G_N_ELEMENTS (seen); i++)
    ta_executor_run_async (executor, NULL, int_job, GINT_TO_POINTER (1), NULL, NULL,
                           run_seen_cb, &seen[i]);

  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_CANCEL,
                                       TA_TIMEOUT_INFINITE, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (seen); i++)
    {
      test_iterate_until (context, &seen[i].flag.done);
      g_assert_error (seen[i].flag.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&seen[i].flag.error);
    }

  ta_executor_run_async (executor, NULL, int_job, NULL, NULL, NULL, run_seen_cb, &late);
  g_assert_false (late.flag.done);
  test_iterate_until (context, &late.flag.done);
  g_assert_error (late.flag.error, TA_ERROR, TA_ERROR_NOT_RUNNING);
  g_clear_error (&late.flag.error);

  gated_clear (&g);
  g_main_context_pop_thread_default (context);
}

/* A job on one executor starts a run on another and returns; its worker
 * is gone when that run completes. The completion, with or without a
 * cancellable, is let go where it happens, not kept forever with the
 * other executor. */
typedef struct
{
  TaExecutor *inner;
  gboolean    with_cancellable;
  TestGate    started;
  TestGate    release;
} Nested;

static void
nested_slow_job (GTask        *task,
                 GCancellable *cancellable,
                 gpointer      user_data)
{
  Nested *n = user_data;

  test_gate_open (&n->started);
  test_gate_wait (&n->release);
  g_task_return_int (task, 1);
}

static void
nested_never_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_assert_not_reached ();
}

static void
nested_outer_job (GTask        *task,
                  GCancellable *cancellable,
                  gpointer      user_data)
{
  Nested *n = user_data;
  g_autoptr(GCancellable) run_cancellable = n->with_cancellable ? g_cancellable_new () : NULL;

  ta_executor_run_async (n->inner, NULL, nested_slow_job, n, NULL, run_cancellable,
                         nested_never_cb, NULL);
  g_task_return_int (task, 0);
}

static void
test_executor_run_async_from_gone_worker (void)
{
  for (guint with_cancellable = 0; with_cancellable <= 1; with_cancellable++)
    {
      g_autoptr(TaExecutor) outer = ta_executor_new ("outer", 1);
      g_autoptr(TaTask) job = NULL;
      g_autoptr(GError) error = NULL;
      TestGate finalized;
      Nested n;

      test_gate_init (&n.started);
      test_gate_init (&n.release);
      test_gate_init (&finalized);
      n.with_cancellable = with_cancellable;
      n.inner = ta_executor_new ("inner", 1);
      g_object_weak_ref (G_OBJECT (n.inner), open_on_finalize, &finalized);

      job = ta_executor_run (outer, NULL, nested_outer_job, &n, NULL, TEST_HANG_US, &error);
      g_assert_no_error (error);
      test_gate_wait (&n.started);
      g_assert_true (ta_executor_shutdown (outer, TA_EXECUTOR_SHUTDOWN_DRAIN,
                                           TA_TIMEOUT_INFINITE, &error));
      g_assert_no_error (error);

      /* The outer worker has exited: the inner run completes for nobody. */
      g_object_unref (n.inner);
      test_gate_open (&n.release);
      test_gate_wait (&finalized);

      test_gate_clear (&finalized);
      test_gate_clear (&n.started);
      test_gate_clear (&n.release);
    }
}

/* A task on a runner offloads blocking work in one call. */
static void
offloaded_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(TaTask) job = NULL;
  GError *error = NULL;

  g_assert_true (ta_runner_is_runner_thread (g_task_get_task_data (task)));
  job = ta_executor_run_finish (TA_EXECUTOR (source), result, &error);
  if (job == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, ta_task_propagate_int (job, NULL) * 2);
}

static void
offloading_task (GTask        *task,
                 GCancellable *cancellable,
                 gpointer      runner)
{
  ta_executor_run_async (ta_runner_get_executor (runner), "blocking", int_job,
                         GINT_TO_POINTER (21), NULL, cancellable, offloaded_cb,
                         g_object_ref (task));
}

/* The same without a cancellable: the job itself is the result, its
 * callback delivered through the runner's inbox. */
static void
offloading_task_uncancellable (GTask        *task,
                               GCancellable *cancellable,
                               gpointer      runner)
{
  ta_executor_run_async (ta_runner_get_executor (runner), "blocking", int_job,
                         GINT_TO_POINTER (5), NULL, NULL, offloaded_cb,
                         g_object_ref (task));
}

static void
test_executor_runner_default (void)
{
  g_autoptr(TaRunner) runner = ta_runner_new ("offload");
  g_autoptr(TaTask) task = NULL;
  g_autoptr(TaTask) late = NULL;
  g_autoptr(GError) error = NULL;
  TaExecutor *executor;

  g_assert_true (ta_runner_start (runner, NULL));
  executor = ta_runner_get_executor (runner);
  g_assert_true (executor == ta_runner_get_executor (runner));
  g_assert_cmpuint (ta_executor_get_max_workers (executor), >=, 5);

  task = ta_runner_run (runner, "offloading", offloading_task, runner, NULL,
                        TA_TIMEOUT_INFINITE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ta_task_propagate_int (task, NULL), ==, 42);
  g_clear_object (&task);
  task = ta_runner_run (runner, "offloading", offloading_task_uncancellable, runner, NULL,
                        TA_TIMEOUT_INFINITE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ta_task_propagate_int (task, NULL), ==, 10);

  /* The default executor stops with the runner. */
  g_assert_true (ta_runner_stop (runner, &error));
  g_assert_no_error (error);
  late = ta_executor_spawn (executor, NULL, int_job, NULL, NULL, NULL, &error);
  g_assert_null (late);
  g_assert_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING);
}

static void
test_executor_cancel_queued (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new (NULL, 1);
  g_autoptr(TaTask) blocker = NULL;
  g_autoptr(TaTask) queued = NULL;
  g_autoptr(GError) error = NULL;
  Gated g, other;

  gated_init (&g);
  gated_init (&other);
  blocker = ta_executor_spawn (executor, NULL, gated_job, &g, NULL, NULL, NULL);
  test_gate_wait (&g.started);
  queued = ta_executor_spawn (executor, NULL, gated_job, &other, test_data_destroy, NULL, NULL);
  ta_task_cancel (queued);
  test_gate_open (&g.release);

  g_assert_false (ta_task_wait (queued, TEST_HANG_US, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (other.data.ran, ==, 0);
  g_assert_cmpint (other.data.destroyed, ==, 1);
  g_assert_true (ta_task_wait (blocker, TEST_HANG_US, NULL));
  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, TA_TIMEOUT_INFINITE, NULL));
  gated_clear (&g);
  gated_clear (&other);
}

static void
test_executor_cancel_running (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new (NULL, 1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(TaTask) job = NULL;
  g_autoptr(GError) error = NULL;
  Gated g;

  gated_init (&g);
  job = ta_executor_spawn (executor, NULL, gated_job, &g, NULL, cancellable, NULL);
  test_gate_wait (&g.started);
  g_cancellable_cancel (cancellable);
  g_assert_false (ta_task_wait (job, TEST_HANG_US, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, TA_TIMEOUT_INFINITE, NULL));
  gated_clear (&g);
}

static void
test_executor_results_freed (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new (NULL, 2);

  test_n_results_freed = 0;
  {
    /* Nobody takes it: freed with its destroy notify. */
    g_autoptr(TaTask) job = ta_executor_run (executor, NULL, test_string_result_task, NULL,
                                             NULL, TA_TIMEOUT_INFINITE, NULL);
    g_assert_nonnull (job);
  }
  {
    g_autoptr(TaTask) job = ta_executor_run (executor, NULL, test_string_result_task, NULL,
                                             NULL, TA_TIMEOUT_INFINITE, NULL);
    g_autofree char *result = ta_task_propagate_pointer (job, NULL);

    g_assert_cmpstr (result, ==, "result");
  }
  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, TA_TIMEOUT_INFINITE, NULL));
  g_assert_cmpint (test_n_results_freed, ==, 1);
}

static void
test_executor_shutdown_modes (void)
{
  for (int mode = TA_EXECUTOR_SHUTDOWN_DRAIN; mode <= TA_EXECUTOR_SHUTDOWN_CANCEL; mode++)
    {
      g_autoptr(TaExecutor) executor = ta_executor_new (NULL, 1);
      GPtrArray *jobs = g_ptr_array_new_with_free_func (g_object_unref);
      g_autoptr(GError) error = NULL;
      TestData queued = { 0 };
      Gated g;

      gated_init (&g);
      g_ptr_array_add (jobs, ta_executor_spawn (executor, NULL, gated_job, &g, NULL, NULL, NULL));
      test_gate_wait (&g.started);
      for (int i = 0; i < 3; i++)
        g_ptr_array_add (jobs, ta_executor_spawn (executor, NULL, int_job, GINT_TO_POINTER (i),
                                                  NULL, NULL, NULL));
      if (mode == TA_EXECUTOR_SHUTDOWN_DRAIN)
        test_gate_open (&g.release);

      g_assert_true (ta_executor_shutdown (executor, mode, TEST_HANG_US, &error));
      g_assert_no_error (error);
      for (guint i = 0; i < jobs->len; i++)
        {
          TaTask *job = g_ptr_array_index (jobs, i);

          if (mode == TA_EXECUTOR_SHUTDOWN_DRAIN)
            g_assert_true (ta_task_wait (job, 0, NULL));
          else
            {
              g_assert_false (ta_task_wait (job, 0, &error));
              g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
              g_clear_error (&error);
            }
        }

      /* Shut down: work is refused. Again: nothing happens. */
      g_assert_null (ta_executor_spawn (executor, NULL, int_job, &queued, test_data_destroy,
                                        NULL, &error));
      g_assert_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING);
      g_assert_cmpint (queued.destroyed, ==, 1);
      g_assert_true (ta_executor_shutdown (executor, mode, 0, NULL));
      g_ptr_array_unref (jobs);
      gated_clear (&g);
    }
}

static void
test_executor_unretrieved_errors (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new (NULL, 2);
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < 3; i++)
    g_object_unref (ta_executor_spawn (executor, NULL, error_job, GINT_TO_POINTER (i),
                                       NULL, NULL, NULL));
  g_assert_false (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN,
                                        TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_UNRETRIEVED);
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *fragment = g_strdup_printf ("job %d failed", i);

      g_assert_nonnull (strstr (error->message, fragment));
    }
}

/* Ignores cancellation: only a gate opened by the test lets it go. */
typedef struct
{
  TestGate started;
  TestGate release;
  TestGate worker_exited;
} Stubborn;

static void
stubborn_job (GTask        *task,
              GCancellable *cancellable,
              gpointer      user_data)
{
  Stubborn *st = user_data;

  test_watch_thread_exit (&st->worker_exited);
  test_gate_open (&st->started);
  test_gate_wait (&st->release);
  g_task_return_boolean (task, TRUE);
}

static void
test_executor_shutdown_abandons_stuck_worker (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new (NULL, 1);
  g_autoptr(TaTask) job = NULL;
  g_autoptr(TaTask) queued = NULL;
  g_autoptr(GError) error = NULL;
  Stubborn st;

  test_gate_init (&st.started);
  test_gate_init (&st.release);
  test_gate_init (&st.worker_exited);
  job = ta_executor_spawn (executor, "stubborn", stubborn_job, &st, NULL, NULL, NULL);
  test_gate_wait (&st.started);
  queued = ta_executor_spawn (executor, NULL, int_job, NULL, NULL, NULL, NULL);

  g_assert_false (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, 20 * 1000, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, ": 1 worker still busy was abandoned"));
  /* Nobody is left waiting. */
  g_clear_error (&error);
  g_assert_false (ta_task_wait (job, 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (ta_task_is_done (queued));

  /* The worker finishes on its own once its job returns. */
  test_gate_open (&st.release);
  test_gate_wait (&st.worker_exited);
  test_gate_clear (&st.started);
  test_gate_clear (&st.release);
  test_gate_clear (&st.worker_exited);
}

/* ---------------------------------------------------------------------- */
/* Deadlocks                                                               */
/* ---------------------------------------------------------------------- */

typedef struct
{
  TaExecutor *executor;
  GError     *run_error;
  GError     *wait_error;
} Reentrant;

static void
reentrant_job (GTask        *task,
               GCancellable *cancellable,
               gpointer      user_data)
{
  Reentrant *r = user_data;
  g_autoptr(TaTask) other = NULL;

  g_assert_null (ta_executor_run (r->executor, NULL, int_job, NULL, NULL,
                                  TA_TIMEOUT_INFINITE, &r->run_error));
  other = ta_executor_spawn (r->executor, NULL, int_job, NULL, NULL, NULL, NULL);
  g_assert_false (ta_task_wait (other, TA_TIMEOUT_INFINITE, &r->wait_error));
  g_task_return_boolean (task, TRUE);
}

static void
test_executor_wait_from_own_worker (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new (NULL, 1);
  g_autoptr(TaTask) job = NULL;
  Reentrant r = { executor, NULL, NULL };

  job = ta_executor_run (executor, NULL, reentrant_job, &r, NULL, TEST_HANG_US, NULL);
  g_assert_nonnull (job);
  g_assert_error (r.run_error, TA_ERROR, TA_ERROR_WOULD_DEADLOCK);
  g_assert_error (r.wait_error, TA_ERROR, TA_ERROR_WOULD_DEADLOCK);
  g_clear_error (&r.run_error);
  g_clear_error (&r.wait_error);
  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, TA_TIMEOUT_INFINITE, NULL));
}

/* A job that returns on its GTask from an async callback on its worker. */
static void
job_slept_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  g_assert_true (ta_sleep_finish (result, NULL));
  g_task_return_int (task, 5);
}

static void
async_job (GTask        *task,
           GCancellable *cancellable,
           gpointer      user_data)
{
  ta_sleep_async (1000, cancellable, job_slept_cb, g_object_ref (task));
}

/* A job can leave a descriptor watched on its worker's context: the
 * worker keeps serving it between jobs that return at once. */
typedef struct
{
  int  fds[2];
  gint n_ready;   /* atomic */
} Watched;

static gboolean
watched_ready_cb (gint         fd,
                  GIOCondition condition,
                  gpointer     user_data)
{
  Watched *w = user_data;
  char byte;

  g_assert_cmpint (read (fd, &byte, 1), ==, 1);
  g_atomic_int_inc (&w->n_ready);
  return G_SOURCE_CONTINUE;
}

static void
watch_fd_job (GTask        *task,
              GCancellable *cancellable,
              gpointer      user_data)
{
  Watched *w = user_data;
  GSource *source = g_unix_fd_source_new (w->fds[0], G_IO_IN);

  g_source_set_callback (source, (GSourceFunc) (void (*) (void)) watched_ready_cb, w, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
  g_assert_cmpint (write (w->fds[1], "x", 1), ==, 1);
  g_task_return_boolean (task, TRUE);
}

static void
quick_job (GTask        *task,
           GCancellable *cancellable,
           gpointer      user_data)
{
  g_task_return_boolean (task, TRUE);
}

static void
test_executor_serves_watched_fds (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new ("watching", 1);
  g_autoptr(GError) error = NULL;
  Watched w = { { -1, -1 }, 0 };
  TaTask *task;

  g_assert_no_errno (pipe (w.fds));
  task = ta_executor_run (executor, NULL, watch_fd_job, &w, NULL, TA_TIMEOUT_INFINITE, &error);
  g_assert_no_error (error);
  g_clear_object (&task);

  /* The next job's iteration polls the descriptor, and the worker
   * publishes that job once the iteration is over. */
  for (guint i = 0; i < 10; i++)
    {
      task = ta_executor_run (executor, NULL, quick_job, NULL, NULL, TA_TIMEOUT_INFINITE, &error);
      g_assert_no_error (error);
      g_clear_object (&task);
    }
  g_assert_cmpint (g_atomic_int_get (&w.n_ready), ==, 1);

  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN,
                                       TA_TIMEOUT_INFINITE, NULL));
  close (w.fds[0]);
  close (w.fds[1]);
}

static void
test_executor_async_job (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new (NULL, 1);
  g_autoptr(TaTask) job = NULL;

  job = ta_executor_run (executor, NULL, async_job, NULL, NULL, TEST_HANG_US, NULL);
  g_assert_nonnull (job);
  g_assert_cmpint (ta_task_propagate_int (job, NULL), ==, 5);
  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, TA_TIMEOUT_INFINITE, NULL));
}

/* ---------------------------------------------------------------------- */
/* The threads portal: reaching a runner from worker threads               */
/* ---------------------------------------------------------------------- */

static void
add_one_func (gpointer user_data)
{
  int *value = user_data;

  (*value)++;
}

/* async def long_running_task(index): await sleep(index); return index */
static void
long_running_task (GTask        *task,
                   GCancellable *cancellable,
                   gpointer      user_data)
{
  ta_sleep_async (GPOINTER_TO_INT (user_data) * 5 * 1000, cancellable,
                  test_slept_return_task_data_cb, g_object_ref (task));
}

typedef struct
{
  TaRunner *runner;
  int       called;
  int       ran;
  GArray   *completion_order;
  gboolean  cancelled_seen;
} Portal;

/* From a worker: call a function in the loop, run a task and wait, spawn
 * tasks and take them as they complete, cancelling one. */
static void
use_portal (Portal *p)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TaTask) ran = NULL;
  GPtrArray *pending = g_ptr_array_new_with_free_func (g_object_unref);

  g_assert_true (ta_runner_call (p->runner, add_one_func, &p->called, NULL,
                                 TA_TIMEOUT_INFINITE, &error));
  ran = ta_runner_run (p->runner, NULL, long_running_task, GINT_TO_POINTER (1), NULL,
                       TA_TIMEOUT_INFINITE, &error);
  g_assert_no_error (error);
  p->ran = ta_task_propagate_int (ran, NULL);

  /* futures = [portal.run_coroutine_soon(long_running_task, i) for i in 1..4] */
  for (int i = 1; i <= 4; i++)
    g_ptr_array_add (pending, ta_runner_spawn (p->runner, NULL, long_running_task,
                                               GINT_TO_POINTER (i), NULL, NULL, &error));
  ta_task_cancel (g_ptr_array_index (pending, 3));

  /* for future in as_completed(futures): print(future.result()) */
  while (pending->len > 0)
    {
      gint index = ta_task_wait_any ((TaTask **) pending->pdata, pending->len,
                                     TA_TIMEOUT_INFINITE, &error);
      TaTask *done;
      gint result;

      g_assert_no_error (error);
      g_assert_cmpint (index, >=, 0);
      done = g_ptr_array_steal_index (pending, index);
      result = ta_task_propagate_int (done, &error);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        p->cancelled_seen = TRUE;
      else
        g_array_append_val (p->completion_order, result);
      g_clear_error (&error);
      g_object_unref (done);
    }
  g_ptr_array_unref (pending);
}

static void
check_portal (Portal *p)
{
  g_assert_cmpint (p->called, ==, 1);
  g_assert_cmpint (p->ran, ==, 1);
  g_assert_true (p->cancelled_seen);
  g_assert_cmpuint (p->completion_order->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (g_array_index (p->completion_order, gint, i), ==, (gint) i + 1);
}

static void
portal_pool_func (gpointer data,
                  gpointer user_data)
{
  use_portal (data);
  /* Our own hand-off: the pool's is invisible to TSan. */
  test_gate_open (user_data);
}

static void
test_portal_from_thread_pool (void)
{
  g_autoptr(TaRunner) runner = ta_runner_new ("portal");
  Portal p = { runner, 0, 0, g_array_new (FALSE, FALSE, sizeof (gint)), FALSE };
  GThreadPool *pool;
  TestGate done;

#ifdef TA_TSAN
  /* GThreadPool hands its work items over inside uninstrumented libglib,
   * which TSan reports as races that are not ours. The same calls are
   * made from executor workers below, under TSan too. */
  g_test_skip ("GThreadPool synchronises where ThreadSanitizer cannot see");
  g_array_unref (p.completion_order);
  return;
#endif

  g_assert_true (ta_runner_start (runner, NULL));
  test_gate_init (&done);
  pool = g_thread_pool_new (portal_pool_func, &done, 2, TRUE, NULL);
  g_thread_pool_push (pool, &p, NULL);
  g_thread_pool_free (pool, FALSE, TRUE);
  test_gate_wait (&done);
  test_gate_clear (&done);
  check_portal (&p);
  g_array_unref (p.completion_order);
  g_assert_true (ta_runner_stop (runner, NULL));
}

static void
portal_job (GTask        *task,
            GCancellable *cancellable,
            gpointer      user_data)
{
  use_portal (user_data);
  g_task_return_boolean (task, TRUE);
}

static void
test_portal_from_executor (void)
{
  g_autoptr(TaRunner) runner = ta_runner_new ("portal");
  g_autoptr(TaTask) job = NULL;
  Portal p = { runner, 0, 0, g_array_new (FALSE, FALSE, sizeof (gint)), FALSE };

  g_assert_true (ta_runner_start (runner, NULL));
  job = ta_executor_run (ta_runner_get_executor (runner), "portal", portal_job, &p, NULL,
                         TEST_HANG_US, NULL);
  g_assert_nonnull (job);
  check_portal (&p);
  g_array_unref (p.completion_order);
  g_assert_true (ta_runner_stop (runner, NULL));
}

static void
test_wait_any_timeout_and_deadlock (void)
{
  g_autoptr(TaRunner) runner = ta_runner_new ("any");
  g_autoptr(TaTask) slow = NULL;
  g_autoptr(GError) error = NULL;
  TaTask *tasks[1];

  g_assert_true (ta_runner_start (runner, NULL));
  slow = ta_runner_spawn (runner, NULL, long_running_task, GINT_TO_POINTER (100000),
                          NULL, NULL, NULL);
  tasks[0] = slow;
  g_assert_cmpint (ta_task_wait_any (tasks, 1, 5 * 1000, &error), ==, -1);
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
  g_assert_true (ta_runner_stop (runner, NULL));
  /* Done now (cancelled by the stop). */
  g_assert_cmpint (ta_task_wait_any (tasks, 1, 0, NULL), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/ta/executor/run", test_executor_run);
  g_test_add_func ("/ta/executor/bounded", test_executor_bounded);
  g_test_add_func ("/ta/executor/run-async-on-main-context", test_executor_run_async_on_main_context);
  g_test_add_func ("/ta/executor/run-async-result", test_executor_run_async_result);
  g_test_add_func ("/ta/executor/run-async-shutdown", test_executor_run_async_shutdown);
  g_test_add_func ("/ta/executor/run-async-from-gone-worker", test_executor_run_async_from_gone_worker);
  g_test_add_func ("/ta/executor/runner-default", test_executor_runner_default);
  g_test_add_func ("/ta/executor/cancel-queued", test_executor_cancel_queued);
  g_test_add_func ("/ta/executor/cancel-running", test_executor_cancel_running);
  g_test_add_func ("/ta/executor/results-freed", test_executor_results_freed);
  g_test_add_func ("/ta/executor/shutdown-modes", test_executor_shutdown_modes);
  g_test_add_func ("/ta/executor/unretrieved-errors", test_executor_unretrieved_errors);
  g_test_add_func ("/ta/executor/shutdown-abandons-stuck-worker", test_executor_shutdown_abandons_stuck_worker);
  g_test_add_func ("/ta/executor/wait-from-own-worker", test_executor_wait_from_own_worker);
  g_test_add_func ("/ta/executor/async-job", test_executor_async_job);
  g_test_add_func ("/ta/executor/serves-watched-fds", test_executor_serves_watched_fds);
  g_test_add_func ("/ta/portal/from-thread-pool", test_portal_from_thread_pool);
  g_test_add_func ("/ta/portal/from-executor", test_portal_from_executor);
  g_test_add_func ("/ta/portal/wait-any-timeout", test_wait_any_timeout_and_deadlock);

  return g_test_run ();
}
