/* test-task.c: TaTask, tasks spawned on a runner
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "test-common.h"

/* ---------------------------------------------------------------------- */
/* Task functions                                                          */
/* ---------------------------------------------------------------------- */

static void
slept_return_int_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  g_assert_true (g_main_context_get_thread_default () ==
                 ta_runner_get_context (runner_fixture_current ()));
  if (test_task_slept (task, result))
    g_task_return_int (task, 10);
}

/* The cookbook's foo(): sleeps for the given milliseconds, returns 10. */
static void
foo_task (GTask        *task,
          GCancellable *cancellable,
          gpointer      user_data)
{
  g_assert_true (ta_runner_is_runner_thread (runner_fixture_current ()));
  ta_sleep_async ((gint64) GPOINTER_TO_INT (user_data) * 1000, cancellable,
                  slept_return_int_cb, g_object_ref (task));
}

static void
error_task (GTask        *task,
            GCancellable *cancellable,
            gpointer      user_data)
{
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "foo is missing");
}

static void
return_cancelled_task (GTask        *task,
                       GCancellable *cancellable,
                       gpointer      user_data)
{
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "I give up");
}

static void
noop_task (GTask        *task,
           GCancellable *cancellable,
           gpointer      user_data)
{
  g_task_return_boolean (task, TRUE);
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */
/* ---------------------------------------------------------------------- */

static void
test_task_run_returns_value (RunnerFixture *fixture,
                             gconstpointer  data)
{
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;

  task = ta_runner_run (fixture->runner, "foo", foo_task, GINT_TO_POINTER (10), NULL,
                        TA_TIMEOUT_INFINITE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (task);
  g_assert_true (ta_task_is_done (task));
  g_assert_cmpint (ta_task_propagate_int (task, &error), ==, 10);
  g_assert_no_error (error);
  g_assert_cmpstr (ta_task_get_name (task), ==, "foo");
  runner_fixture_stop (fixture);
}

static void
test_task_run_timeout (RunnerFixture *fixture,
                       gconstpointer  data)
{
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;

  task = ta_runner_run (fixture->runner, "slow", foo_task, GINT_TO_POINTER (60 * 1000), NULL,
                        10 * 1000, &error);
  g_assert_null (task);
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "slow"));
  /* The abandoned task was cancelled: stop has nothing to wait for. */
  runner_fixture_stop (fixture);
}

static void
test_task_names (RunnerFixture *fixture,
                 gconstpointer  data)
{
  g_autoptr(TaTask) named = NULL;
  g_autoptr(TaTask) anonymous = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GCancellable) cancellable = NULL;

  named = ta_runner_spawn (fixture->runner, "named", noop_task, NULL, NULL, NULL, NULL);
  anonymous = ta_runner_spawn (fixture->runner, NULL, noop_task, NULL, NULL, NULL, NULL);
  g_assert_cmpstr (ta_task_get_name (named), ==, "named");
  g_assert_true (g_str_has_prefix (ta_task_get_name (anonymous), "task-"));
  g_object_get (named, "name", &name, "cancellable", &cancellable, NULL);
  g_assert_cmpstr (name, ==, "named");
  g_assert_true (cancellable == ta_task_get_cancellable (named));
  g_assert_true (ta_task_wait (named, TA_TIMEOUT_INFINITE, NULL));
  g_assert_true (ta_task_wait (anonymous, TA_TIMEOUT_INFINITE, NULL));
  runner_fixture_stop (fixture);
}

/* A parent that spawns a child and awaits it on the runner. */
static void
child_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TaTask *child = TA_TASK (source);
  GError *error = NULL;

  g_assert_true (ta_runner_is_runner_thread (runner_fixture_current ()));
  if (!ta_task_wait_finish (child, result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, ta_task_propagate_int (child, NULL) + 1);
}

static void
parent_task (GTask        *task,
             GCancellable *cancellable,
             gpointer      user_data)
{
  g_autoptr(TaTask) child = NULL;
  GError *error = NULL;

  child = ta_runner_spawn (runner_fixture_current (), "child", foo_task, GINT_TO_POINTER (5),
                           NULL, cancellable, &error);
  if (child == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  ta_task_wait_async (child, cancellable, child_done_cb, g_object_ref (task));
}

static void
test_task_chain (RunnerFixture *fixture,
                 gconstpointer  data)
{
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;

  task = ta_runner_run (fixture->runner, "parent", parent_task, NULL, NULL,
                        TA_TIMEOUT_INFINITE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ta_task_propagate_int (task, NULL), ==, 11);
  runner_fixture_stop (fixture);
}

/* Completed later, by whoever calls release_task() on the runner. */
static GTask *held_task;

static void
held_task_func (GTask        *task,
                GCancellable *cancellable,
                gpointer      user_data)
{
  g_assert_null (held_task);
  held_task = g_object_ref (task);
  if (user_data != NULL)
    test_gate_open (user_data);
}

static void
release_held_task (gpointer user_data)
{
  g_autoptr(GTask) task = g_steal_pointer (&held_task);

  g_task_return_int (task, GPOINTER_TO_INT (user_data));
}

static void
test_task_done (RunnerFixture *fixture,
                gconstpointer  data)
{
  g_autoptr(TaTask) task = NULL;
  TestGate started;

  test_gate_init (&started);
  task = ta_runner_spawn (fixture->runner, NULL, held_task_func, &started, NULL, NULL, NULL);
  test_gate_wait (&started);
  g_assert_false (ta_task_is_done (task));
  g_assert_true (ta_runner_call (fixture->runner, release_held_task, GINT_TO_POINTER (3), NULL,
                                 TA_TIMEOUT_INFINITE, NULL));
  g_assert_true (ta_task_wait (task, TA_TIMEOUT_INFINITE, NULL));
  g_assert_true (ta_task_is_done (task));
  test_gate_clear (&started);
  runner_fixture_stop (fixture);
}

static void
test_task_repeated_timeouts (RunnerFixture *fixture,
                             gconstpointer  data)
{
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;

  task = ta_runner_spawn (fixture->runner, "patient", held_task_func, NULL, NULL, NULL, NULL);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_false (ta_task_wait (task, 5 * 1000, &error));
      g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
      g_assert_nonnull (strstr (error->message, "patient"));
      g_clear_error (&error);
      g_assert_false (ta_task_is_done (task));
    }
  g_assert_true (ta_runner_invoke (fixture->runner, release_held_task, GINT_TO_POINTER (7), NULL, NULL));
  g_assert_true (ta_task_wait (task, TA_TIMEOUT_INFINITE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ta_task_propagate_int (task, NULL), ==, 7);

  /* Waiting on a done task reports the same outcome, as often as asked. */
  g_assert_true (ta_task_wait (task, 0, &error));
  g_assert_true (ta_task_wait (task, TA_TIMEOUT_DEFAULT, &error));
  g_assert_cmpint (ta_task_propagate_int (task, NULL), ==, 7);
  runner_fixture_stop (fixture);
}

static void
test_task_error (RunnerFixture *fixture,
                 gconstpointer  data)
{
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) copy = NULL;

  task = ta_runner_spawn (fixture->runner, NULL, error_task, NULL, NULL, NULL, NULL);
  g_assert_false (ta_task_wait (task, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "foo is missing");
  g_clear_error (&error);

  /* Again, and through every accessor. */
  g_assert_false (ta_task_wait (task, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (ta_task_propagate_int (task, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  copy = ta_task_dup_error (task);
  g_assert_error (copy, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

  /* Retrieved: stop reports nothing. */
  runner_fixture_stop (fixture);
}

static void
test_task_returns_cancelled (RunnerFixture *fixture,
                             gconstpointer  data)
{
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;

  task = ta_runner_spawn (fixture->runner, NULL, return_cancelled_task, NULL, NULL, NULL, NULL);
  g_assert_false (ta_task_wait (task, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  runner_fixture_stop (fixture);
}

static void
test_task_cancel (RunnerFixture *fixture,
                  gconstpointer  data)
{
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;

  task = ta_runner_spawn (fixture->runner, "sleepy", foo_task, GINT_TO_POINTER (3600 * 1000),
                          NULL, NULL, NULL);
  g_assert_true (ta_runner_wait_next_iteration (fixture->runner, TA_TIMEOUT_INFINITE, NULL));
  ta_task_cancel (task);
  g_assert_false (ta_task_wait (task, TEST_HANG_US, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Cancelling again, or after it is done, does nothing. */
  ta_task_cancel (task);
  runner_fixture_stop (fixture);
}

static void
block_until_released (gpointer user_data)
{
  TestGate *gates = user_data;

  test_gate_open (&gates[0]);
  test_gate_wait (&gates[1]);
}

static void
record_task (GTask        *task,
             GCancellable *cancellable,
             gpointer      user_data)
{
  TestData *td = user_data;

  g_atomic_int_inc (&td->ran);
  g_task_return_boolean (task, TRUE);
}

static void
test_task_cancel_before_start (RunnerFixture *fixture,
                               gconstpointer  data)
{
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;
  TestGate gates[2];
  TestData td = { 0 };

  test_gate_init (&gates[0]);
  test_gate_init (&gates[1]);
  g_assert_true (ta_runner_invoke (fixture->runner, block_until_released, gates, NULL, NULL));
  test_gate_wait (&gates[0]);

  task = ta_runner_spawn (fixture->runner, NULL, record_task, &td, test_data_destroy, NULL, NULL);
  ta_task_cancel (task);
  test_gate_open (&gates[1]);

  g_assert_false (ta_task_wait (task, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (td.ran, ==, 0);
  g_assert_cmpint (td.destroyed, ==, 1);
  test_gate_clear (&gates[0]);
  test_gate_clear (&gates[1]);
  runner_fixture_stop (fixture);
}

/* Cancels the task its user data points to. */
static void
cancel_other_task (GTask        *task,
                   GCancellable *cancellable,
                   gpointer      user_data)
{
  TaTask **other = user_data;

  ta_task_cancel (*other);
  g_task_return_boolean (task, TRUE);
}

/*
 * Tasks queued together are begun together, before the dispatch that
 * runs them; one cancelled after that still never runs.
 */
static void
test_task_cancel_after_prepare (RunnerFixture *fixture,
                                gconstpointer  data)
{
  g_autoptr(TaTask) canceller = NULL;
  g_autoptr(TaTask) victim = NULL;
  g_autoptr(TaTask) after = NULL;
  g_autoptr(GError) error = NULL;
  TestGate gates[2];
  TestData td = { 0 };
  TestData after_td = { 0 };

  test_gate_init (&gates[0]);
  test_gate_init (&gates[1]);
  g_assert_true (ta_runner_invoke (fixture->runner, block_until_released, gates, NULL, NULL));
  test_gate_wait (&gates[0]);

  canceller = ta_runner_spawn (fixture->runner, NULL, cancel_other_task, &victim, NULL, NULL, NULL);
  victim = ta_runner_spawn (fixture->runner, "victim", record_task, &td, test_data_destroy, NULL, NULL);
  after = ta_runner_spawn (fixture->runner, NULL, record_task, &after_td, test_data_destroy, NULL, NULL);
  test_gate_open (&gates[1]);

  g_assert_true (ta_task_wait (canceller, TA_TIMEOUT_INFINITE, &error));
  g_assert_no_error (error);
  g_assert_false (ta_task_wait (victim, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_nonnull (strstr (error->message, "before it started"));
  g_assert_true (ta_task_wait (after, TA_TIMEOUT_INFINITE, NULL));
  g_assert_cmpint (td.ran, ==, 0);
  g_assert_cmpint (after_td.ran, ==, 1);
  test_gate_clear (&gates[0]);
  test_gate_clear (&gates[1]);
  g_clear_object (&after);
  runner_fixture_stop (fixture);

  /* Its data went with its GTask, on the runner thread. */
  g_assert_cmpint (td.destroyed, ==, 1);
  g_assert_cmpint (after_td.destroyed, ==, 1);
}

static void
test_task_user_cancellable (RunnerFixture *fixture,
                            gconstpointer  data)
{
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  task = ta_runner_spawn (fixture->runner, NULL, foo_task, GINT_TO_POINTER (3600 * 1000),
                          NULL, cancellable, NULL);
  g_assert_true (ta_task_get_cancellable (task) != cancellable);
  g_cancellable_cancel (cancellable);
  g_assert_false (ta_task_wait (task, TEST_HANG_US, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (g_cancellable_is_cancelled (ta_task_get_cancellable (task)));
  runner_fixture_stop (fixture);
}

static void
test_task_wait_after_shutdown (RunnerFixture *fixture,
                               gconstpointer  data)
{
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;

  task = ta_runner_spawn (fixture->runner, NULL, foo_task, GINT_TO_POINTER (10 * 1000),
                          NULL, NULL, NULL);
  runner_fixture_stop (fixture);
  g_assert_false (ta_task_wait (task, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Waits from the main thread's context. */
typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
  GThread  *thread;
} AsyncWait;

static void
async_wait_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncWait *aw = user_data;

  aw->thread = g_thread_self ();
  aw->ok = ta_task_wait_finish (TA_TASK (source), result, &aw->error);
  aw->done = TRUE;
}

static void
test_task_wait_async (RunnerFixture *fixture,
                      gconstpointer  data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaTask) task = NULL;
  AsyncWait aw = { FALSE, FALSE, NULL, NULL };

  g_main_context_push_thread_default (context);
  task = ta_runner_spawn (fixture->runner, NULL, foo_task, GINT_TO_POINTER (5), NULL, NULL, NULL);
  ta_task_wait_async (task, NULL, async_wait_cb, &aw);
  test_iterate_until (context, &aw.done);
  g_assert_true (aw.thread == test_main_thread);
  g_assert_true (aw.ok);
  g_assert_no_error (aw.error);
  g_assert_cmpint (ta_task_propagate_int (task, NULL), ==, 10);

  /* On a done task: still never from within the call. */
  aw.done = FALSE;
  ta_task_wait_async (task, NULL, async_wait_cb, &aw);
  g_assert_false (aw.done);
  test_iterate_until (context, &aw.done);
  g_assert_true (aw.ok);
  g_main_context_pop_thread_default (context);
  runner_fixture_stop (fixture);
}

static void
test_task_wait_async_error (RunnerFixture *fixture,
                            gconstpointer  data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaTask) task = NULL;
  AsyncWait aw = { FALSE, FALSE, NULL, NULL };

  g_main_context_push_thread_default (context);
  task = ta_runner_spawn (fixture->runner, NULL, error_task, NULL, NULL, NULL, NULL);
  ta_task_wait_async (task, NULL, async_wait_cb, &aw);
  test_iterate_until (context, &aw.done);
  g_assert_false (aw.ok);
  g_assert_error (aw.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&aw.error);
  g_main_context_pop_thread_default (context);
  /* The error reached somebody: stop reports nothing. */
  runner_fixture_stop (fixture);
}

static void
test_task_wait_async_cancel (RunnerFixture *fixture,
                             gconstpointer  data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(TaTask) task = NULL;
  AsyncWait aw = { FALSE, FALSE, NULL, NULL };

  g_main_context_push_thread_default (context);
  task = ta_runner_spawn (fixture->runner, NULL, held_task_func, NULL, NULL, NULL, NULL);
  ta_task_wait_async (task, cancellable, async_wait_cb, &aw);
  g_cancellable_cancel (cancellable);
  test_iterate_until (context, &aw.done);
  g_assert_false (aw.ok);
  g_assert_error (aw.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&aw.error);

  /* Only the wait was cancelled, not the task. */
  g_assert_false (ta_task_is_done (task));
  g_assert_true (ta_runner_invoke (fixture->runner, release_held_task, GINT_TO_POINTER (1), NULL, NULL));
  g_assert_true (ta_task_wait (task, TA_TIMEOUT_INFINITE, NULL));
  g_main_context_pop_thread_default (context);
  runner_fixture_stop (fixture);
}

typedef struct
{
  TaTask *other;
  GError *error;
} DeadlockCheck;

static void
wait_on_runner_task (GTask        *task,
                     GCancellable *cancellable,
                     gpointer      user_data)
{
  DeadlockCheck *dc = user_data;

  g_assert_false (ta_task_wait (dc->other, TA_TIMEOUT_INFINITE, &dc->error));
  g_task_return_boolean (task, TRUE);
}

static void
test_task_wait_on_runner_thread (RunnerFixture *fixture,
                                 gconstpointer  data)
{
  g_autoptr(TaTask) other = NULL;
  g_autoptr(TaTask) task = NULL;
  DeadlockCheck dc = { NULL, NULL };

  other = ta_runner_spawn (fixture->runner, NULL, noop_task, NULL, NULL, NULL, NULL);
  dc.other = other;
  task = ta_runner_run (fixture->runner, NULL, wait_on_runner_task, &dc, NULL,
                        TA_TIMEOUT_INFINITE, NULL);
  g_assert_nonnull (task);
  g_assert_error (dc.error, TA_ERROR, TA_ERROR_WOULD_DEADLOCK);
  g_clear_error (&dc.error);
  runner_fixture_stop (fixture);
}

/* Results and their ownership: test_string_result_task(). */

static void
test_task_pointer_result (RunnerFixture *fixture,
                          gconstpointer  data)
{
  test_n_results_freed = 0;

  /* Taken: the caller owns it. */
  {
    g_autoptr(TaTask) task = ta_runner_run (fixture->runner, NULL, test_string_result_task,
                                            NULL, NULL, TA_TIMEOUT_INFINITE, NULL);
    g_autofree char *result = ta_task_propagate_pointer (task, NULL);

    g_assert_cmpstr (result, ==, "result");
  }
  g_assert_cmpint (test_n_results_freed, ==, 0);

  /* Not taken: freed once, with its destroy notify. */
  {
    g_autoptr(TaTask) task = ta_runner_run (fixture->runner, NULL, test_string_result_task,
                                            NULL, NULL, TA_TIMEOUT_INFINITE, NULL);
    g_assert_nonnull (task);
  }
  /* The runner may still hold the GTask for the rest of the dispatch
   * that completed it; it is freed where the last reference goes. */
  g_assert_true (ta_runner_wait_next_iteration (fixture->runner, TA_TIMEOUT_INFINITE, NULL));
  g_assert_cmpint (test_n_results_freed, ==, 1);

  runner_fixture_stop (fixture);
}

static void
test_task_pointer_taken_twice (RunnerFixture *fixture,
                               gconstpointer  data)
{
  g_autoptr(TaTask) task = NULL;
  g_autofree char *result = NULL;

  task = ta_runner_run (fixture->runner, NULL, test_string_result_task,
                        NULL, NULL, TA_TIMEOUT_INFINITE, NULL);
  result = ta_task_propagate_pointer (task, NULL);
  g_assert_cmpstr (result, ==, "result");

  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*can only be taken once*");
  g_assert_null (ta_task_propagate_pointer (task, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*already taken*");
  g_assert_cmpint (ta_task_propagate_int (task, NULL), ==, -1);
  g_test_assert_expected_messages ();
  runner_fixture_stop (fixture);
}

static void
variant_task (GTask        *task,
              GCancellable *cancellable,
              gpointer      user_data)
{
  GValue value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_VARIANT);
  g_value_set_variant (&value, g_variant_new_parsed ("{'answer': <42>}"));
  g_task_return_value (task, &value);
  g_value_unset (&value);
}

static void
test_task_value_result (RunnerFixture *fixture,
                        gconstpointer  data)
{
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;

  task = ta_runner_run (fixture->runner, NULL, variant_task, NULL, NULL, TA_TIMEOUT_INFINITE, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    {
      GValue value = G_VALUE_INIT;
      gint32 answer = 0;

      g_assert_true (ta_task_propagate_value (task, &value, &error));
      g_assert_true (G_VALUE_HOLDS_VARIANT (&value));
      g_assert_true (g_variant_lookup (g_value_get_variant (&value), "answer", "i", &answer));
      g_assert_cmpint (answer, ==, 42);
      g_value_unset (&value);
    }
  runner_fixture_stop (fixture);
}

static void
test_task_value_of_wrong_kind (RunnerFixture *fixture,
                               gconstpointer  data)
{
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;
  GValue value = G_VALUE_INIT;

  task = ta_runner_run (fixture->runner, NULL, test_string_result_task,
                        NULL, NULL, TA_TIMEOUT_INFINITE, NULL);
  /* GTask itself objects, and the caller gets an error, not a silent FALSE. */
  g_test_expect_message ("GLib-GIO", G_LOG_LEVEL_CRITICAL, "*value_free*");
  g_assert_false (ta_task_propagate_value (task, &value, &error));
  g_test_assert_expected_messages ();
  g_assert_error (error, TA_ERROR, TA_ERROR_INVALID_VALUE);
  runner_fixture_stop (fixture);
}

static void
boolean_task (GTask        *task,
              GCancellable *cancellable,
              gpointer      user_data)
{
  g_task_return_boolean (task, GPOINTER_TO_INT (user_data));
}

static void
test_task_boolean_result (RunnerFixture *fixture,
                          gconstpointer  data)
{
  g_autoptr(TaTask) yes = NULL;
  g_autoptr(TaTask) no = NULL;

  yes = ta_runner_run (fixture->runner, NULL, boolean_task, GINT_TO_POINTER (TRUE), NULL,
                       TA_TIMEOUT_INFINITE, NULL);
  no = ta_runner_run (fixture->runner, NULL, boolean_task, GINT_TO_POINTER (FALSE), NULL,
                      TA_TIMEOUT_INFINITE, NULL);
  g_assert_true (ta_task_propagate_boolean (yes, NULL));
  g_assert_true (ta_task_propagate_boolean (yes, NULL));
  g_assert_false (ta_task_propagate_boolean (no, NULL));
  runner_fixture_stop (fixture);
}

static void
dropping_task (GTask        *task,
               GCancellable *cancellable,
               gpointer      user_data)
{
  /* Neither returns nor keeps a reference: a bug, made loud. */
}

static void
test_task_dropped_without_return (RunnerFixture *fixture,
                                  gconstpointer  data)
{
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*dropper*dropped without returning*");
  task = ta_runner_spawn (fixture->runner, "dropper", dropping_task, NULL, NULL, NULL, NULL);
  g_assert_false (ta_task_wait (task, TA_TIMEOUT_INFINITE, &error));
  g_test_assert_expected_messages ();
  g_assert_error (error, TA_ERROR, TA_ERROR_ABANDONED);
  runner_fixture_stop (fixture);
}

static void
test_task_propagate_before_done (RunnerFixture *fixture,
                                 gconstpointer  data)
{
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;

  task = ta_runner_spawn (fixture->runner, NULL, held_task_func, NULL, NULL, NULL, NULL);
  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*before it was done*");
  g_assert_cmpint (ta_task_propagate_int (task, &error), ==, -1);
  g_test_assert_expected_messages ();
  g_assert_error (error, TA_ERROR, TA_ERROR_FAILED);
  g_assert_true (ta_runner_invoke (fixture->runner, release_held_task, NULL, NULL, NULL));
  g_assert_true (ta_task_wait (task, TA_TIMEOUT_INFINITE, NULL));
  runner_fixture_stop (fixture);
}

/* A task completed from a plain thread: GTask routes it back. */
static gpointer
return_from_thread (gpointer user_data)
{
  GTask *task = user_data;

  g_task_return_int (task, 99);
  g_object_unref (task);
  return NULL;
}

static void
handoff_task (GTask        *task,
              GCancellable *cancellable,
              gpointer      user_data)
{
  g_thread_unref (g_thread_new ("helper", return_from_thread, g_object_ref (task)));
}

static void
test_task_return_from_thread (RunnerFixture *fixture,
                              gconstpointer  data)
{
  g_autoptr(TaTask) task = NULL;

  task = ta_runner_run (fixture->runner, NULL, handoff_task, NULL, NULL, TA_TIMEOUT_INFINITE, NULL);
  g_assert_nonnull (task);
  g_assert_cmpint (ta_task_propagate_int (task, NULL), ==, 99);
  runner_fixture_stop (fixture);
}

static void
test_task_data_freed (RunnerFixture *fixture,
                      gconstpointer  data)
{
  TestData td = { 0 };

  {
    g_autoptr(TaTask) task = ta_runner_run (fixture->runner, NULL, record_task, &td,
                                            test_data_destroy, TA_TIMEOUT_INFINITE, NULL);
    g_assert_nonnull (task);
  }
  runner_fixture_stop (fixture);
  g_assert_cmpint (td.ran, ==, 1);
  g_assert_cmpint (td.destroyed, ==, 1);
}

/* Many threads spawning and waiting at once. */
typedef struct
{
  guint n_tasks;
  gint  sum;
} Spawner;

static void
int_task (GTask        *task,
          GCancellable *cancellable,
          gpointer      user_data)
{
  g_task_return_int (task, GPOINTER_TO_INT (user_data));
}

static gpointer
spawner_thread (gpointer user_data)
{
  Spawner *sp = user_data;
  GPtrArray *tasks = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < sp->n_tasks; i++)
    g_ptr_array_add (tasks, ta_runner_spawn (runner_fixture_current (), NULL, int_task,
                                             GUINT_TO_POINTER (i), NULL, NULL, NULL));
  for (guint i = 0; i < tasks->len; i++)
    {
      g_assert_true (ta_task_wait (g_ptr_array_index (tasks, i), TA_TIMEOUT_INFINITE, NULL));
      sp->sum += ta_task_propagate_int (g_ptr_array_index (tasks, i), NULL);
    }
  g_ptr_array_unref (tasks);

  return NULL;
}

static void
test_task_many_threads (RunnerFixture *fixture,
                        gconstpointer  data)
{
  guint n_threads = 4;
  guint n_tasks = g_test_thorough () ? 20000 : 2000;
  Spawner spawners[4];
  GThread *threads[4];

  for (guint t = 0; t < n_threads; t++)
    {
      spawners[t].n_tasks = n_tasks;
      spawners[t].sum = 0;
      threads[t] = g_thread_new ("spawner", spawner_thread, &spawners[t]);
    }
  for (guint t = 0; t < n_threads; t++)
    {
      g_thread_join (threads[t]);
      g_assert_cmpint (spawners[t].sum, ==, (gint) (n_tasks * (n_tasks - 1) / 2));
    }
  runner_fixture_stop (fixture);
}

/*
 * A thread woken from ta_task_wait_any() frees what it waited on at once,
 * while the completing thread may still be waking it: the memory must
 * outlive the wake (a use after free under ASan and valgrind otherwise,
 * where waits sleep rather than spin).
 */
static void
test_task_wait_any_frees_after_wake (RunnerFixture *fixture,
                                     gconstpointer  data)
{
  guint n_rounds = g_test_thorough () ? 5000 : 500;

  for (guint i = 0; i < n_rounds; i++)
    {
      g_autoptr(GError) error = NULL;
      TaTask *tasks[2];
      gint index;

      tasks[0] = ta_runner_spawn (fixture->runner, NULL, int_task, GUINT_TO_POINTER (i), NULL, NULL,
                                  &error);
      g_assert_no_error (error);
      tasks[1] = ta_runner_spawn (fixture->runner, NULL, int_task, GUINT_TO_POINTER (i + 1), NULL,
                                  NULL, &error);
      g_assert_no_error (error);
      /* Either: both may be done by the time the second is looked at. */
      index = ta_task_wait_any (tasks, 2, TA_TIMEOUT_INFINITE, &error);
      g_assert_no_error (error);
      g_assert_cmpint (index, >=, 0);
      g_assert_cmpint (index, <=, 1);
      g_assert_true (ta_task_is_done (tasks[index]));
      g_assert_cmpint (ta_task_propagate_int (tasks[index], NULL), ==, (gint) i + index);
      g_object_unref (tasks[0]);
      g_object_unref (tasks[1]);
    }
  runner_fixture_stop (fixture);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  runner_test_add ("/ta/task/run-returns-value", test_task_run_returns_value);
  runner_test_add ("/ta/task/run-times-out-and-cancels-the-task", test_task_run_timeout);
  runner_test_add ("/ta/task/names-given-or-generated", test_task_names);
  runner_test_add ("/ta/task/task-awaits-child-task", test_task_chain);
  runner_test_add ("/ta/task/is-done-only-once-returned", test_task_done);
  runner_test_add ("/ta/task/wait-times-out-repeatedly-then-succeeds", test_task_repeated_timeouts);
  runner_test_add ("/ta/task/error-reported-by-every-accessor", test_task_error);
  runner_test_add ("/ta/task/returns-cancelled", test_task_returns_cancelled);
  runner_test_add ("/ta/task/cancel-fails-wait-with-cancelled", test_task_cancel);
  runner_test_add ("/ta/task/cancel-before-start", test_task_cancel_before_start);
  runner_test_add ("/ta/task/cancel-after-prepare", test_task_cancel_after_prepare);
  runner_test_add ("/ta/task/user-cancellable-cancels-task", test_task_user_cancellable);
  runner_test_add ("/ta/task/wait-after-shutdown", test_task_wait_after_shutdown);
  runner_test_add ("/ta/task/wait-async", test_task_wait_async);
  runner_test_add ("/ta/task/wait-async-error", test_task_wait_async_error);
  runner_test_add ("/ta/task/wait-async-cancel", test_task_wait_async_cancel);
  runner_test_add ("/ta/task/wait-on-runner-thread", test_task_wait_on_runner_thread);
  runner_test_add ("/ta/task/pointer-result", test_task_pointer_result);
  runner_test_add ("/ta/task/pointer-taken-twice", test_task_pointer_taken_twice);
  runner_test_add ("/ta/task/value-result", test_task_value_result);
  runner_test_add ("/ta/task/boolean-result", test_task_boolean_result);
  runner_test_add ("/ta/task/value-of-wrong-kind", test_task_value_of_wrong_kind);
  runner_test_add ("/ta/task/dropped-without-return", test_task_dropped_without_return);
  runner_test_add ("/ta/task/propagate-before-done", test_task_propagate_before_done);
  runner_test_add ("/ta/task/return-from-thread", test_task_return_from_thread);
  runner_test_add ("/ta/task/data-freed-once-after-run", test_task_data_freed);
  runner_test_add ("/ta/task/spawned-from-many-threads-all-complete", test_task_many_threads);
  runner_test_add ("/ta/task/wait-any-frees-after-wake", test_task_wait_any_frees_after_wake);

  return g_test_run ();
}
