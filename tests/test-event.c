/* test-event.c: TaEvent and TaFuture between threads and loops
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "test-common.h"

/* ---------------------------------------------------------------------- */
/* Events                                                                  */
/* ---------------------------------------------------------------------- */

static void
test_event_thread_to_thread (void)
{
  g_autoptr(TaEvent) event = ta_event_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (ta_event_is_set (event));
  ta_event_set (event);
  g_assert_true (ta_event_is_set (event));
  g_assert_true (ta_event_wait (event, 500 * 1000, &error));
  g_assert_no_error (error);
  /* Stays set. */
  g_assert_true (ta_event_wait (event, 0, &error));
  ta_event_clear (event);
  g_assert_false (ta_event_is_set (event));
}

static gpointer
set_later_thread (gpointer data)
{
  ta_event_set (data);
  return NULL;
}

static void
test_event_wakes_blocked_thread (void)
{
  g_autoptr(TaEvent) event = ta_event_new ();
  GThread *setter = g_thread_new ("setter", set_later_thread, event);

  g_assert_true (ta_event_wait (event, TA_TIMEOUT_INFINITE, NULL));
  g_thread_join (setter);
}

static void
test_event_timeout (void)
{
  g_autoptr(TaEvent) event = ta_event_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (ta_event_wait (event, 5 * 1000, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
  g_clear_error (&error);
  g_assert_false (ta_event_wait (event, 0, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
}

/* A task on the runner awaits the event. */
static void
event_waited_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  g_assert_true (ta_runner_is_runner_thread (runner_fixture_current ()));
  if (!ta_event_wait_finish (TA_EVENT (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, *(int *) g_object_get_data (source, "global") + 1);
}

static void
await_event_task (GTask        *task,
                  GCancellable *cancellable,
                  gpointer      user_data)
{
  ta_event_wait_async (user_data, cancellable, event_waited_cb, g_object_ref (task));
}

static void
test_event_thread_to_loop (RunnerFixture *fixture,
                           gconstpointer  data)
{
  g_autoptr(TaEvent) event = ta_event_new ();
  g_autoptr(TaTask) task = NULL;
  int global = 0;

  g_object_set_data (G_OBJECT (event), "global", &global);
  task = ta_runner_spawn (fixture->runner, NULL, await_event_task, event, NULL, NULL, NULL);
  g_assert_true (ta_runner_wait_next_iteration (fixture->runner, TA_TIMEOUT_INFINITE, NULL));
  g_assert_false (ta_task_is_done (task));
  global = 10;
  ta_event_set (event);
  g_assert_true (ta_task_wait (task, TA_TIMEOUT_INFINITE, NULL));
  g_assert_cmpint (ta_task_propagate_int (task, NULL), ==, 11);
  runner_fixture_stop (fixture);
}

static void
set_event_func (gpointer data)
{
  ta_event_set (data);
}

static void
test_event_loop_to_thread (RunnerFixture *fixture,
                           gconstpointer  data)
{
  g_autoptr(TaEvent) event = ta_event_new ();

  g_assert_true (ta_runner_call (fixture->runner, set_event_func, event, NULL, TA_TIMEOUT_INFINITE, NULL));
  g_assert_true (ta_event_wait (event, 500 * 1000, NULL));
  runner_fixture_stop (fixture);
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
  GThread  *thread;
} AsyncResult;

static void
event_async_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  AsyncResult *ar = user_data;

  ar->thread = g_thread_self ();
  ar->ok = ta_event_wait_finish (TA_EVENT (source), result, &ar->error);
  ar->done = TRUE;
}

static void
test_event_wait_async_on_main_context (RunnerFixture *fixture,
                                       gconstpointer  data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaEvent) event = ta_event_new ();
  AsyncResult ar[3] = { { 0 } };

  g_main_context_push_thread_default (context);
  for (guint i = 0; i < 3; i++)
    ta_event_wait_async (event, NULL, event_async_cb, &ar[i]);
  g_assert_true (ta_runner_call (fixture->runner, set_event_func, event, NULL, TA_TIMEOUT_INFINITE, NULL));
  for (guint i = 0; i < 3; i++)
    {
      test_iterate_until (context, &ar[i].done);
      g_assert_true (ar[i].ok);
      g_assert_true (ar[i].thread == test_main_thread);
    }

  /* Already set: completes, but not from within the call. */
  ar[0].done = FALSE;
  ta_event_wait_async (event, NULL, event_async_cb, &ar[0]);
  g_assert_false (ar[0].done);
  test_iterate_until (context, &ar[0].done);
  g_assert_true (ar[0].ok);
  g_main_context_pop_thread_default (context);
  runner_fixture_stop (fixture);
}

static void
test_event_wait_async_cancel (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaEvent) event = ta_event_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncResult cancelled = { 0 }, other = { 0 };

  g_main_context_push_thread_default (context);
  ta_event_wait_async (event, cancellable, event_async_cb, &cancelled);
  ta_event_wait_async (event, NULL, event_async_cb, &other);
  g_cancellable_cancel (cancellable);
  test_iterate_until (context, &cancelled.done);
  g_assert_false (cancelled.ok);
  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&cancelled.error);

  /* The other waiter is still there and woken exactly once. */
  g_assert_false (other.done);
  ta_event_set (event);
  test_iterate_until (context, &other.done);
  g_assert_true (other.ok);
  g_main_context_pop_thread_default (context);
}

static void
test_event_freed_with_pending_waiter (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  TaEvent *event = ta_event_new ();
  AsyncResult ar = { 0 };

  g_main_context_push_thread_default (context);
  ta_event_wait_async (event, cancellable, event_async_cb, &ar);
  /* The waiter keeps the event alive until it completes. */
  g_object_add_weak_pointer (G_OBJECT (event), (gpointer *) &event);
  g_object_unref (event);
  g_assert_nonnull (event);
  g_cancellable_cancel (cancellable);
  test_iterate_until (context, &ar.done);
  g_clear_error (&ar.error);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_null (event);
  g_main_context_pop_thread_default (context);
}

/* A task starts a wait on the runner, ignores its own cancellation, and
 * the runner stops: the wait completing afterwards has nowhere to run. It
 * is dropped, and nothing leaks (valgrind and ASan check that). */
static void
ignored_wait_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_assert_not_reached ();
}

static GTask *ignoring_gtask;

static void
wait_ignoring_cancellation_task (GTask        *task,
                                 GCancellable *cancellable,
                                 gpointer      user_data)
{
  /* No cancellable: the task keeps waiting after the stop cancels it.
   * The callback never runs, so its data is never freed: the test keeps
   * the task's GTask itself, and lets it go at the end. What must not
   * leak is what ta-glib holds for the wait. */
  ignoring_gtask = g_object_ref (task);
  ta_event_wait_async (user_data, NULL, ignored_wait_cb, NULL);
}

static void
test_event_completion_after_runner_stopped (RunnerFixture *fixture,
                                            gconstpointer  data)
{
  g_autoptr(TaEvent) event = ta_event_new ();
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;

  /* The stop fails the task at three quarters of the exit timeout and
   * expects the loop to quit within the rest: generous, so that a loaded
   * machine does not make it look stuck. */
  ta_runner_set_exit_timeout (fixture->runner, G_USEC_PER_SEC);
  task = ta_runner_spawn (fixture->runner, "ignores-cancel", wait_ignoring_cancellation_task,
                          event, NULL, NULL, NULL);
  g_assert_true (ta_runner_wait_next_iteration (fixture->runner, TA_TIMEOUT_INFINITE, NULL));
  g_test_expect_message ("Ta", G_LOG_LEVEL_WARNING, "*ignores-cancel*");
  runner_fixture_stop (fixture);
  g_test_assert_expected_messages ();
  g_assert_false (ta_task_wait (task, 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  ta_event_set (event);
  g_clear_object (&ignoring_gtask);
}

/* ---------------------------------------------------------------------- */
/* Futures                                                                 */
/* ---------------------------------------------------------------------- */

static GValue *
int_value (int i)
{
  GValue *value = g_new0 (GValue, 1);

  g_value_init (value, G_TYPE_INT);
  g_value_set_int (value, i);
  return value;
}

static void
free_value (GValue *value)
{
  g_value_unset (value);
  g_free (value);
}

/*
 * A thread blocked in a wait holds a reference: the last other one
 * dropped meanwhile frees nothing under it (the event or future used to be
 * finalized with a sleeper, and abort).
 */
static gpointer
borrowed_event_wait_thread (gpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ta_event_wait (data, TA_TIMEOUT_INFINITE, &error));
  g_assert_no_error (error);
  return NULL;
}

static void
test_event_unref_while_waiting (void)
{
  TaEvent *event = ta_event_new ();
  TaEvent *setter = g_object_ref (event);
  GThread *thread;

  g_object_add_weak_pointer (G_OBJECT (event), (gpointer *) &event);
  thread = g_thread_new ("waiter", borrowed_event_wait_thread, event);
  /* Ours, the setter's and the blocked wait's. */
  g_assert_true (test_wait_ref_count (event, 3));
  g_object_unref (event);
  ta_event_set (setter);
  g_object_unref (setter);
  g_thread_join (thread);
  g_assert_null (event);
}

static gpointer
borrowed_future_wait_thread (gpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ta_future_wait (data, TA_TIMEOUT_INFINITE, &error));
  g_assert_no_error (error);
  return NULL;
}

static void
test_future_unref_while_waiting (void)
{
  TaFuture *future = ta_future_new ();
  TaFuture *setter = g_object_ref (future);
  GThread *thread;

  g_object_add_weak_pointer (G_OBJECT (future), (gpointer *) &future);
  thread = g_thread_new ("waiter", borrowed_future_wait_thread, future);
  g_assert_true (test_wait_ref_count (future, 3));
  g_object_unref (future);
  g_assert_true (ta_future_set_pointer (setter, GINT_TO_POINTER (42), NULL));
  g_object_unref (setter);
  g_thread_join (thread);
  g_assert_null (future);
}

static void
test_future_thread_to_thread_result (void)
{
  g_autoptr(TaFuture) future = ta_future_new ();
  g_autoptr(GError) error = NULL;
  GValue *value = int_value (1);
  GValue out = G_VALUE_INIT;

  g_assert_false (ta_future_is_done (future));
  g_assert_true (ta_future_set_value (future, value, &error));
  g_assert_no_error (error);
  g_assert_true (ta_future_is_done (future));
  g_assert_true (ta_future_wait (future, TA_TIMEOUT_DEFAULT, &error));
  g_assert_true (ta_future_get_value (future, &out, &error));
  g_assert_cmpint (g_value_get_int (&out), ==, 1);
  g_value_unset (&out);
  /* Again: same answer. */
  g_assert_true (ta_future_get_value (future, &out, &error));
  g_assert_cmpint (g_value_get_int (&out), ==, 1);
  g_value_unset (&out);
  free_value (value);
}

static void
test_future_thread_to_thread_error (void)
{
  g_autoptr(TaFuture) future = ta_future_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) copy = NULL;
  GValue out = G_VALUE_INIT;

  g_assert_true (ta_future_take_error (future, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "ValueError")));
  g_assert_false (ta_future_wait (future, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (ta_future_get_value (future, &out, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  copy = ta_future_dup_error (future);
  g_assert_error (copy, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static gint n_strings_freed;

static void
string_free (gpointer data)
{
  g_atomic_int_inc (&n_strings_freed);
  g_free (data);
}

static void
test_future_pointer_ownership (void)
{
  n_strings_freed = 0;

  {
    g_autoptr(TaFuture) future = ta_future_new ();

    g_assert_true (ta_future_set_pointer (future, g_strdup ("kept"), string_free));
    g_assert_cmpstr (ta_future_get_pointer (future), ==, "kept");
  }
  g_assert_cmpint (n_strings_freed, ==, 1);

  {
    g_autoptr(TaFuture) future = ta_future_new ();
    g_autofree char *taken = NULL;

    g_assert_true (ta_future_set_pointer (future, g_strdup ("taken"), string_free));
    taken = ta_future_steal_pointer (future);
    g_assert_cmpstr (taken, ==, "taken");
    g_assert_null (ta_future_steal_pointer (future));
  }
  g_assert_cmpint (n_strings_freed, ==, 1);
}

static void
test_future_set_twice (void)
{
  g_autoptr(TaFuture) future = ta_future_new ();
  GValue *value = int_value (2);

  n_strings_freed = 0;
  g_assert_true (ta_future_set_value (future, value, NULL));

  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*already has a result*");
  g_assert_false (ta_future_set_pointer (future, g_strdup ("late"), string_free));
  g_test_assert_expected_messages ();
  /* The refused pointer was freed, not leaked. */
  g_assert_cmpint (n_strings_freed, ==, 1);

  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*already has a result*");
  g_assert_false (ta_future_take_error (future, g_error_new_literal (TA_ERROR, TA_ERROR_FAILED, "late")));
  g_test_assert_expected_messages ();
  free_value (value);
}

static void
test_future_refuses_unsendable_values (void)
{
  g_autoptr(TaFuture) future = ta_future_new ();
  g_autoptr(GError) error = NULL;
  GValue pointer = G_VALUE_INIT;
  GValue uninitialized = G_VALUE_INIT;

  g_value_init (&pointer, G_TYPE_POINTER);
  g_value_set_pointer (&pointer, &error);
  g_assert_false (ta_future_set_value (future, &pointer, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_false (ta_future_set_value (future, &uninitialized, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_INVALID_VALUE);
  /* Still unset: a refused value changes nothing. */
  g_assert_false (ta_future_is_done (future));
}

static void
test_future_timeout (void)
{
  g_autoptr(TaFuture) future = ta_future_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (ta_future_wait (future, 5 * 1000, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
}

/* A task on the runner awaits the future. */
static void
future_waited_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GValue value = G_VALUE_INIT;

  g_assert_true (ta_runner_is_runner_thread (runner_fixture_current ()));
  if (!ta_future_wait_finish (TA_FUTURE (source), result, &error) ||
      !ta_future_get_value (TA_FUTURE (source), &value, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_int (task, g_value_get_int (&value));
  g_value_unset (&value);
}

static void
await_future_task (GTask        *task,
                   GCancellable *cancellable,
                   gpointer      user_data)
{
  ta_future_wait_async (user_data, cancellable, future_waited_cb, g_object_ref (task));
}

static void
test_future_thread_to_loop_result (RunnerFixture *fixture,
                                   gconstpointer  data)
{
  g_autoptr(TaFuture) future = ta_future_new ();
  g_autoptr(TaTask) task = NULL;
  GValue *value = int_value (1);

  task = ta_runner_spawn (fixture->runner, NULL, await_future_task, future, NULL, NULL, NULL);
  g_assert_true (ta_future_set_value (future, value, NULL));
  g_assert_true (ta_task_wait (task, 500 * 1000, NULL));
  g_assert_cmpint (ta_task_propagate_int (task, NULL), ==, 1);
  free_value (value);
  runner_fixture_stop (fixture);
}

static void
test_future_thread_to_loop_error (RunnerFixture *fixture,
                                  gconstpointer  data)
{
  g_autoptr(TaFuture) future = ta_future_new ();
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;
  GError original = { G_IO_ERROR, G_IO_ERROR_INVALID_DATA, (char *) "ValueError" };

  task = ta_runner_spawn (fixture->runner, NULL, await_future_task, future, NULL, NULL, NULL);
  g_assert_true (ta_future_set_error (future, &original));
  g_assert_false (ta_task_wait (task, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_cmpstr (error->message, ==, "ValueError");
  runner_fixture_stop (fixture);
}

static void
set_future_result_func (gpointer data)
{
  GValue *value = int_value (1);

  g_assert_true (ta_future_set_value (data, value, NULL));
  free_value (value);
}

static void
set_future_error_func (gpointer data)
{
  ta_future_take_error (data, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "ValueError"));
}

static void
test_future_loop_to_thread (RunnerFixture *fixture,
                            gconstpointer  data)
{
  g_autoptr(TaFuture) result = ta_future_new ();
  g_autoptr(TaFuture) failure = ta_future_new ();
  g_autoptr(GError) error = NULL;
  GValue out = G_VALUE_INIT;

  g_assert_true (ta_runner_call (fixture->runner, set_future_result_func, result, NULL, TA_TIMEOUT_INFINITE, NULL));
  g_assert_true (ta_future_wait (result, TA_TIMEOUT_INFINITE, NULL));
  g_assert_true (ta_future_get_value (result, &out, NULL));
  g_assert_cmpint (g_value_get_int (&out), ==, 1);
  g_value_unset (&out);

  g_assert_true (ta_runner_invoke (fixture->runner, set_future_error_func, failure, NULL, NULL));
  g_assert_false (ta_future_wait (failure, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  runner_fixture_stop (fixture);
}

typedef struct
{
  TaFuture *future;
  TestGate *started;
  gboolean  ok;
} FutureWaiter;

static gpointer
future_wait_thread (gpointer data)
{
  FutureWaiter *fw = data;

  test_gate_open (fw->started);
  fw->ok = ta_future_wait (fw->future, TA_TIMEOUT_INFINITE, NULL);
  return NULL;
}

static void
future_async_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  guint *count = user_data;

  g_assert_true (ta_future_wait_finish (TA_FUTURE (source), result, NULL));
  (*count)++;
}

static void
test_future_wakes_every_waiter_once (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaFuture) future = ta_future_new ();
  FutureWaiter waiters[4];
  GThread *threads[4];
  TestGate started;
  guint n_async = 0;
  GValue *value = int_value (5);

  test_gate_init (&started);
  g_main_context_push_thread_default (context);
  for (guint i = 0; i < 4; i++)
    {
      waiters[i] = (FutureWaiter) { future, &started, FALSE };
      threads[i] = g_thread_new ("waiter", future_wait_thread, &waiters[i]);
      ta_future_wait_async (future, NULL, future_async_cb, &n_async);
    }
  test_gate_wait_count (&started, 4, TEST_HANG_US);
  g_assert_true (ta_future_set_value (future, value, NULL));
  for (guint i = 0; i < 4; i++)
    {
      g_thread_join (threads[i]);
      g_assert_true (waiters[i].ok);
    }
  while (n_async < 4)
    g_main_context_iteration (context, TRUE);
  /* Exactly once each: nothing else is pending. */
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_cmpuint (n_async, ==, 4);
  g_main_context_pop_thread_default (context);
  test_gate_clear (&started);
  free_value (value);
}

static void
future_cancel_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  AsyncResult *ar = user_data;

  ar->ok = ta_future_wait_finish (TA_FUTURE (source), result, &ar->error);
  ar->done = TRUE;
}

static void
test_future_wait_async_cancel (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaFuture) future = ta_future_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncResult ar = { 0 };

  g_main_context_push_thread_default (context);
  ta_future_wait_async (future, cancellable, future_cancel_cb, &ar);
  g_cancellable_cancel (cancellable);
  test_iterate_until (context, &ar.done);
  g_assert_false (ar.ok);
  g_assert_error (ar.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&ar.error);
  g_assert_false (ta_future_is_done (future));
  g_main_context_pop_thread_default (context);
}

static void
test_future_variant_and_object (void)
{
  g_autoptr(TaFuture) with_variant = ta_future_new ();
  g_autoptr(TaFuture) with_object = ta_future_new ();
  g_autoptr(GCancellable) handle = g_cancellable_new ();
  GValue value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_VARIANT);
  g_value_set_variant (&value, g_variant_new_parsed ("{'x': <1>}"));
  g_assert_true (ta_future_set_value (with_variant, &value, NULL));
  g_value_unset (&value);

  g_value_init (&value, G_TYPE_CANCELLABLE);
  g_value_set_object (&value, handle);
  g_assert_true (ta_future_set_value (with_object, &value, NULL));
  g_value_unset (&value);

  g_assert_true (ta_future_get_value (with_object, &value, NULL));
  g_assert_true (g_value_get_object (&value) == (gpointer) handle);
  g_value_unset (&value);
  g_assert_true (ta_future_get_value (with_variant, &value, NULL));
  g_assert_true (g_variant_is_of_type (g_value_get_variant (&value), G_VARIANT_TYPE_VARDICT));
  g_value_unset (&value);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/ta/event/thread-to-thread", test_event_thread_to_thread);
  g_test_add_func ("/ta/event/wakes-blocked-thread", test_event_wakes_blocked_thread);
  g_test_add_func ("/ta/event/timeout", test_event_timeout);
  runner_test_add ("/ta/event/thread-to-loop", test_event_thread_to_loop);
  runner_test_add ("/ta/event/loop-to-thread", test_event_loop_to_thread);
  runner_test_add ("/ta/event/wait-async-on-main-context", test_event_wait_async_on_main_context);
  g_test_add_func ("/ta/event/wait-async-cancel", test_event_wait_async_cancel);
  g_test_add_func ("/ta/event/freed-with-pending-waiter", test_event_freed_with_pending_waiter);
  runner_test_add ("/ta/event/completion-after-runner-stopped", test_event_completion_after_runner_stopped);
  g_test_add_func ("/ta/future/thread-to-thread-result", test_future_thread_to_thread_result);
  g_test_add_func ("/ta/future/thread-to-thread-error", test_future_thread_to_thread_error);
  g_test_add_func ("/ta/future/pointer-ownership", test_future_pointer_ownership);
  g_test_add_func ("/ta/future/set-twice", test_future_set_twice);
  g_test_add_func ("/ta/future/refuses-unsendable-values", test_future_refuses_unsendable_values);
  g_test_add_func ("/ta/future/timeout", test_future_timeout);
  runner_test_add ("/ta/future/thread-to-loop-result", test_future_thread_to_loop_result);
  runner_test_add ("/ta/future/thread-to-loop-error", test_future_thread_to_loop_error);
  runner_test_add ("/ta/future/loop-to-thread", test_future_loop_to_thread);
  g_test_add_func ("/ta/future/wakes-every-waiter-once", test_future_wakes_every_waiter_once);
  g_test_add_func ("/ta/future/wait-async-cancel", test_future_wait_async_cancel);
  g_test_add_func ("/ta/event/unref-while-waiting", test_event_unref_while_waiting);
  g_test_add_func ("/ta/future/unref-while-waiting", test_future_unref_while_waiting);
  g_test_add_func ("/ta/future/variant-and-object", test_future_variant_and_object);

  return g_test_run ();
}
