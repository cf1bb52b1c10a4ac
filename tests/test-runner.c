/* test-runner.c: TaRunner
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE
#include "config.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib-unix.h>

#include "test-common.h"

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */
/* ---------------------------------------------------------------------- */

/* A TaRunnerFunc that blocks the runner thread until released. */
static void
block_func (gpointer user_data)
{
  test_blocker_block (user_data);
}

/* A task function that blocks the runner thread until released. */
static void
blocking_task (GTask        *task,
               GCancellable *cancellable,
               gpointer      user_data)
{
  block_func (user_data);
  g_task_return_boolean (task, TRUE);
}

static void
record_func (gpointer user_data)
{
  TestData *td = user_data;

  td->ran_on = g_thread_self ();
  g_atomic_int_inc (&td->ran);
}

static void
failing_task (GTask        *task,
              GCancellable *cancellable,
              gpointer      user_data)
{
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "error %d", GPOINTER_TO_INT (user_data));
}

/* ---------------------------------------------------------------------- */
/* Life cycle                                                              */
/* ---------------------------------------------------------------------- */

static void
test_runner_start_stop (void)
{
  g_autoptr(TaRunner) runner = ta_runner_new ("life");
  g_autoptr(GError) error = NULL;

  g_assert_false (ta_runner_is_running (runner));
  g_assert_cmpint (ta_runner_get_shutdown_type (runner), ==, TA_SHUTDOWN_TYPE_NOT_SHUT_DOWN);

  g_assert_true (ta_runner_start (runner, &error));
  g_assert_no_error (error);
  g_assert_true (ta_runner_is_running (runner));
  g_assert_cmpint (ta_runner_get_shutdown_type (runner), ==, TA_SHUTDOWN_TYPE_NOT_SHUT_DOWN);

  test_runner_stop_ok (runner);
  g_assert_false (ta_runner_is_running (runner));
  g_assert_cmpint (ta_runner_get_shutdown_type (runner), ==, TA_SHUTDOWN_TYPE_STOPPED);

  /* Idempotent. */
  test_runner_stop_ok (runner);
  g_assert_cmpint (ta_runner_get_shutdown_type (runner), ==, TA_SHUTDOWN_TYPE_STOPPED);
}

static void
test_runner_start_twice (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("twice");
  g_autoptr(GError) error = NULL;

  g_assert_false (ta_runner_start (runner, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_ALREADY_STARTED);
  g_assert_true (ta_runner_is_running (runner));
  test_runner_stop_ok (runner);

  g_clear_error (&error);
  g_assert_false (ta_runner_start (runner, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING);
  g_assert_false (ta_runner_is_running (runner));
}

static void
test_runner_stop_never_started (void)
{
  g_autoptr(TaRunner) runner = ta_runner_new (NULL);

  g_assert_cmpstr (ta_runner_get_name (runner), ==, "ta-runner");
  test_runner_stop_ok (runner);
  g_assert_cmpint (ta_runner_get_shutdown_type (runner), ==, TA_SHUTDOWN_TYPE_STOPPED);
}

static void
check_thread_func (gpointer user_data)
{
  TaRunner *runner = user_data;
  char name[32] = "";

  g_assert_true (ta_runner_is_runner_thread (runner));
  g_assert_true (g_main_context_get_thread_default () == ta_runner_get_context (runner));
  g_assert_true (g_main_context_is_owner (ta_runner_get_context (runner)));
  g_assert_cmpint (pthread_getname_np (pthread_self (), name, sizeof name), ==, 0);
  g_assert_cmpstr (name, ==, "named-thread");
}

static void
test_runner_thread (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("named-thread");
  g_autoptr(GError) error = NULL;

  g_assert_false (ta_runner_is_runner_thread (runner));
  g_assert_true (ta_runner_call (runner, check_thread_func, runner, NULL,
                                 TA_TIMEOUT_INFINITE, &error));
  g_assert_no_error (error);
  test_runner_stop_ok (runner);
}

/* ---------------------------------------------------------------------- */
/* Call and invoke                                                         */
/* ---------------------------------------------------------------------- */

static void
test_runner_call (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("call");
  g_autoptr(GError) error = NULL;
  TestData td = { 0 };

  g_assert_true (ta_runner_call (runner, record_func, &td, test_data_destroy,
                                 TA_TIMEOUT_DEFAULT, &error));
  g_assert_no_error (error);
  g_assert_cmpint (td.ran, ==, 1);
  g_assert_cmpint (td.destroyed, ==, 1);
  g_assert_true (td.ran_on != test_main_thread);
  g_assert_true (td.destroyed_on == td.ran_on);
  test_runner_stop_ok (runner);
}

typedef struct
{
  TaRunner *runner;
  TestData  inner;
  gboolean  inner_done_before_return;
} Nested;

static void
nested_outer_func (gpointer user_data)
{
  Nested *n = user_data;
  g_autoptr(GError) error = NULL;

  /* On the runner thread a call runs inline... */
  g_assert_true (ta_runner_call (n->runner, record_func, &n->inner, NULL, 0, &error));
  g_assert_no_error (error);
  n->inner_done_before_return = n->inner.ran == 1;
}

static void
test_runner_call_inline (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("inline");
  g_autoptr(GError) error = NULL;
  Nested n = { runner, { 0 }, FALSE };

  g_assert_true (ta_runner_call (runner, nested_outer_func, &n, NULL,
                                 TA_TIMEOUT_INFINITE, &error));
  g_assert_no_error (error);
  g_assert_true (n.inner_done_before_return);
  test_runner_stop_ok (runner);
}

static void
test_runner_call_timeout_running (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("call-timeout");
  g_autoptr(GError) error = NULL;
  TestBlocker b;

  test_blocker_init (&b);
  g_assert_false (ta_runner_call (runner, block_func, &b, test_data_destroy,
                                  20 * 1000, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "still running"));
  g_assert_cmpint (b.data.destroyed, ==, 0);

  /* The function finishes in the background; its data is freed after. */
  test_gate_open (&b.release);
  g_assert_true (ta_runner_wait_next_iteration (runner, TA_TIMEOUT_INFINITE, NULL));
  g_assert_cmpint (b.data.ran, ==, 1);
  g_assert_cmpint (b.data.destroyed, ==, 1);
  test_runner_stop_ok (runner);
  test_blocker_clear (&b);
}

static void
test_runner_call_timeout_queued (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("call-queued");
  g_autoptr(GError) error = NULL;
  TestData late = { 0 };
  TestBlocker b;

  test_blocker_init (&b);
  g_assert_true (ta_runner_invoke (runner, block_func, &b, NULL, NULL));
  test_gate_wait (&b.entered);

  g_assert_false (ta_runner_call (runner, record_func, &late, test_data_destroy,
                                  20 * 1000, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "will not run"));
  g_assert_nonnull (strstr (error->message, "ta_runner_invoke"));

  test_gate_open (&b.release);
  g_assert_true (ta_runner_wait_next_iteration (runner, TA_TIMEOUT_INFINITE, NULL));
  g_assert_cmpint (late.ran, ==, 0);
  g_assert_cmpint (late.destroyed, ==, 1);
  test_runner_stop_ok (runner);
  test_blocker_clear (&b);
}

typedef struct
{
  GMutex mutex;
  GArray *seen;
} Order;

typedef struct
{
  Order *order;
  guint  value;
} OrderItem;

static void
order_func (gpointer user_data)
{
  OrderItem *item = user_data;

  ta_mutex_lock (&item->order->mutex);
  g_array_append_val (item->order->seen, item->value);
  ta_mutex_unlock (&item->order->mutex);
}

static void
test_runner_invoke_order (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("order");
  Order order;
  OrderItem *items = g_new0 (OrderItem, 1000);

  g_mutex_init (&order.mutex);
  order.seen = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < 1000; i++)
    {
      items[i].order = &order;
      items[i].value = i;
      g_assert_true (ta_runner_invoke (runner, order_func, &items[i], NULL, NULL));
    }
  g_assert_true (ta_runner_wait_next_iteration (runner, TA_TIMEOUT_INFINITE, NULL));

  g_assert_cmpuint (order.seen->len, ==, 1000);
  for (guint i = 0; i < 1000; i++)
    g_assert_cmpuint (g_array_index (order.seen, guint, i), ==, i);

  test_runner_stop_ok (runner);
  g_array_unref (order.seen);
  g_mutex_clear (&order.mutex);
  g_free (items);
}

typedef struct
{
  TaRunner *runner;
  TestData  invoked;
  gboolean  ran_inline;
} InvokeFromRunner;

static void
invoke_from_runner_func (gpointer user_data)
{
  InvokeFromRunner *ifr = user_data;

  g_assert_true (ta_runner_invoke (ifr->runner, record_func, &ifr->invoked, NULL, NULL));
  ifr->ran_inline = ifr->invoked.ran > 0;
}

static void
test_runner_invoke_never_inline (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("invoke");
  InvokeFromRunner ifr = { runner, { 0 }, FALSE };

  g_assert_true (ta_runner_call (runner, invoke_from_runner_func, &ifr, NULL,
                                 TA_TIMEOUT_INFINITE, NULL));
  g_assert_false (ifr.ran_inline);
  g_assert_true (ta_runner_wait_next_iteration (runner, TA_TIMEOUT_INFINITE, NULL));
  g_assert_cmpint (ifr.invoked.ran, ==, 1);
  test_runner_stop_ok (runner);
}

static void
check_not_running (TaRunner   *runner,
                   const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TaTask) task = NULL;
  TestData td = { 0 };

  g_assert_false (ta_runner_invoke (runner, record_func, &td, test_data_destroy, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING);
  g_assert_nonnull (strstr (error->message, fragment));
  g_clear_error (&error);

  g_assert_false (ta_runner_call (runner, record_func, &td, test_data_destroy,
                                  TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING);
  g_clear_error (&error);

  task = ta_runner_spawn (runner, NULL, blocking_task, &td, test_data_destroy, NULL, &error);
  g_assert_null (task);
  g_assert_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING);
  g_clear_error (&error);

  task = ta_runner_run (runner, NULL, blocking_task, &td, test_data_destroy,
                        TA_TIMEOUT_INFINITE, &error);
  g_assert_null (task);
  g_assert_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING);
  g_clear_error (&error);

  g_assert_false (ta_runner_wait_next_iteration (runner, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING);

  /* Nothing ran, and every piece of data was freed, right away. */
  g_assert_cmpint (td.ran, ==, 0);
  g_assert_cmpint (td.destroyed, ==, 4);
}

static void
test_runner_work_when_not_running (void)
{
  g_autoptr(TaRunner) runner = ta_runner_new ("not-running");

  check_not_running (runner, "not been started");
  g_assert_true (ta_runner_start (runner, NULL));
  test_runner_stop_ok (runner);
  check_not_running (runner, "stopped");
}

/* ---------------------------------------------------------------------- */
/* Waiting for the next iteration                                          */
/* ---------------------------------------------------------------------- */

static void
test_runner_next_iteration (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("iteration");
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 100; i++)
    {
      g_assert_true (ta_runner_wait_next_iteration (runner, TA_TIMEOUT_DEFAULT, &error));
      g_assert_no_error (error);
    }
  test_runner_stop_ok (runner);
}

static void
check_next_iteration_times_out (gint64 default_timeout,
                                gint64 timeout)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("busy");
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;
  TestBlocker b;

  test_blocker_init (&b);
  ta_runner_set_default_call_timeout (runner, default_timeout);
  task = ta_runner_spawn (runner, "blocker", blocking_task, &b, NULL, NULL, &error);
  g_assert_no_error (error);
  test_gate_wait (&b.entered);

  g_assert_false (ta_runner_wait_next_iteration (runner, timeout, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
  /* The message names what the loop is busy with. */
  g_assert_nonnull (strstr (error->message, "blocker"));

  test_gate_open (&b.release);
  g_assert_true (ta_task_wait (task, TA_TIMEOUT_INFINITE, NULL));
  test_runner_stop_ok (runner);
  test_blocker_clear (&b);
}

static void
test_runner_next_iteration_default_timeout (void)
{
  check_next_iteration_times_out (20 * 1000, TA_TIMEOUT_DEFAULT);
}

static void
test_runner_next_iteration_explicit_timeout (void)
{
  check_next_iteration_times_out (60 * G_USEC_PER_SEC, 20 * 1000);
}

/* Default-priority work that queues itself again until it is done. */
static gboolean
count_down_cb (gpointer user_data)
{
  gint *left = user_data;

  return g_atomic_int_dec_and_test (left) ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
add_count_down (gpointer user_data)
{
  GSource *source = g_timeout_source_new (0);

  g_source_set_callback (source, count_down_cb, user_data, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

typedef struct
{
  TaRunner *runner;
  GError   *error;
  gboolean  ok;
} IdleOnRunner;

static void
wait_idle_on_runner (gpointer user_data)
{
  IdleOnRunner *w = user_data;

  w->ok = ta_runner_wait_idle (w->runner, TA_TIMEOUT_INFINITE, &w->error);
}

static void
test_runner_wait_idle (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("idle");
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;
  IdleOnRunner w = { runner, NULL, TRUE };
  gint left = 50;
  TestBlocker b;

  /* Idle already. */
  g_assert_true (ta_runner_wait_idle (runner, TA_TIMEOUT_INFINITE, &error));
  g_assert_no_error (error);

  /* Only once pending work of higher priority is all done. */
  g_assert_true (ta_runner_invoke (runner, add_count_down, &left, NULL, &error));
  g_assert_true (ta_runner_wait_idle (runner, TA_TIMEOUT_INFINITE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_atomic_int_get (&left), ==, 0);

  /* A loop stuck in a task times out, and says what it waited for. */
  test_blocker_init (&b);
  task = ta_runner_spawn (runner, "blocker", blocking_task, &b, NULL, NULL, &error);
  g_assert_no_error (error);
  test_gate_wait (&b.entered);
  g_assert_false (ta_runner_wait_idle (runner, 20 * 1000, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "did not become idle"));
  g_assert_nonnull (strstr (error->message, "blocker"));
  g_clear_error (&error);
  test_gate_open (&b.release);
  g_assert_true (ta_task_wait (task, TA_TIMEOUT_INFINITE, NULL));
  g_assert_true (ta_runner_wait_idle (runner, TA_TIMEOUT_INFINITE, &error));
  g_assert_no_error (error);

  /* On the runner thread it could only deadlock. */
  g_assert_true (ta_runner_call (runner, wait_idle_on_runner, &w, NULL,
                                 TA_TIMEOUT_INFINITE, &error));
  g_assert_false (w.ok);
  g_assert_error (w.error, TA_ERROR, TA_ERROR_WOULD_DEADLOCK);
  g_clear_error (&w.error);

  test_runner_stop_ok (runner);
  g_assert_false (ta_runner_wait_idle (runner, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING);
  test_blocker_clear (&b);
}

/* Busy for a while, then lets go on its own. */
static void
busy_for_a_while_task (GTask        *task,
                       GCancellable *cancellable,
                       gpointer      user_data)
{
  TestBlocker *b = user_data;

  test_gate_open (&b->entered);
  /* Bounded: nobody opens this gate; the wait only keeps the loop busy
   * for longer than the default timeout below. */
  test_gate_wait_count (&b->release, 1, 200 * 1000);
  g_task_return_boolean (task, TRUE);
}

static void
test_runner_next_iteration_infinite (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("infinite");
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;
  TestBlocker b;

  test_blocker_init (&b);
  ta_runner_set_default_call_timeout (runner, 10 * 1000);
  task = ta_runner_spawn (runner, NULL, busy_for_a_while_task, &b, NULL, NULL, &error);
  test_gate_wait (&b.entered);

  g_assert_true (ta_runner_wait_next_iteration (runner, TA_TIMEOUT_INFINITE, &error));
  g_assert_no_error (error);
  /* The loop got past the busy task function. */
  g_assert_cmpuint (test_gate_get_count (&b.release), ==, 0);
  g_assert_true (ta_task_wait (task, TA_TIMEOUT_INFINITE, NULL));
  test_runner_stop_ok (runner);
  test_blocker_clear (&b);
}

typedef struct
{
  TaRunner *runner;
  GError   *iteration_error;
  GError   *stop_error;
  GError   *run_error;
} FromRunner;

static void
misuse_from_runner_func (gpointer user_data)
{
  FromRunner *fr = user_data;
  TaTask *task;

  g_assert_false (ta_runner_wait_next_iteration (fr->runner, TA_TIMEOUT_INFINITE,
                                                 &fr->iteration_error));
  g_assert_false (ta_runner_stop (fr->runner, &fr->stop_error));
  task = ta_runner_run (fr->runner, NULL, failing_task, NULL, NULL,
                        TA_TIMEOUT_INFINITE, &fr->run_error);
  g_assert_null (task);
}

static void
test_runner_misuse_from_runner_thread (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("misuse");
  FromRunner fr = { runner, NULL, NULL, NULL };

  g_assert_true (ta_runner_call (runner, misuse_from_runner_func, &fr, NULL,
                                 TA_TIMEOUT_INFINITE, NULL));
  g_assert_error (fr.iteration_error, TA_ERROR, TA_ERROR_WOULD_DEADLOCK);
  g_assert_error (fr.stop_error, TA_ERROR, TA_ERROR_WOULD_DEADLOCK);
  g_assert_error (fr.run_error, TA_ERROR, TA_ERROR_WOULD_DEADLOCK);
  g_assert_true (ta_runner_is_running (runner));
  g_clear_error (&fr.iteration_error);
  g_clear_error (&fr.stop_error);
  g_clear_error (&fr.run_error);
  test_runner_stop_ok (runner);
}

/* ---------------------------------------------------------------------- */
/* Stopping                                                                */
/* ---------------------------------------------------------------------- */

typedef struct
{
  TaRunner *runner;
  TaTask   *child;
} Parent;

static void
parent_slept_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  if (test_task_slept (task, result))
    g_task_return_boolean (task, TRUE);
}

/* Spawns a long child, then sleeps (cancellably) for a long time. */
static void
parent_task (GTask        *task,
             GCancellable *cancellable,
             gpointer      user_data)
{
  Parent *parent = user_data;
  g_autoptr(GError) error = NULL;

  parent->child = ta_runner_spawn (parent->runner, "child", test_sleep_task,
                                   GINT_TO_POINTER (60 * 1000), NULL, NULL, &error);
  g_assert_no_error (error);
  ta_sleep_async (60 * G_USEC_PER_SEC, cancellable, parent_slept_cb, g_object_ref (task));
}

static void
test_runner_stop_cancels_outstanding (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("cancel-all");
  g_autoptr(TaTask) sleeper = NULL;
  g_autoptr(TaTask) parent = NULL;
  g_autoptr(TaTask) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) user_cancellable = g_cancellable_new ();
  Parent p = { runner, NULL };

  sleeper = ta_runner_spawn (runner, "sleeper", test_sleep_task, GINT_TO_POINTER (60 * 1000),
                             NULL, user_cancellable, &error);
  g_assert_no_error (error);
  parent = ta_runner_spawn (runner, "parent", parent_task, &p, NULL,
                            user_cancellable, &error);
  g_assert_no_error (error);
  g_assert_true (ta_runner_wait_next_iteration (runner, TA_TIMEOUT_INFINITE, NULL));
  child = g_steal_pointer (&p.child);
  g_assert_nonnull (child);

  test_runner_stop_ok (runner);
  g_assert_cmpint (ta_runner_get_shutdown_type (runner), ==, TA_SHUTDOWN_TYPE_STOPPED);

  g_assert_true (ta_task_is_done (sleeper));
  g_assert_true (ta_task_is_done (parent));
  g_assert_true (ta_task_is_done (child));
  g_assert_false (ta_task_wait (sleeper, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (ta_task_wait (child, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* The caller's own cancellable is left alone. */
  g_assert_false (g_cancellable_is_cancelled (user_cancellable));
}

static gboolean
never_cb (gpointer user_data)
{
  g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

/* Ignores its cancellable: only the stop's deadline can end it. */
static void
uncooperative_task (GTask        *task,
                    GCancellable *cancellable,
                    gpointer      user_data)
{
  TestData *td = user_data;

  GSource *source = g_timeout_source_new_seconds (3600);

  td->ran_on = g_thread_self ();
  g_source_set_callback (source, never_cb, g_object_ref (task), g_object_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

static void
test_runner_stop_fails_uncooperative (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("uncooperative");
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;

  TestData td = { 0 };

  /* The stop fails the task at three quarters of the exit timeout and
   * expects the loop to quit within the rest: generous, so that a loaded
   * machine does not make it look stuck. */
  ta_runner_set_exit_timeout (runner, G_USEC_PER_SEC);
  task = ta_runner_spawn (runner, "stubborn", uncooperative_task, &td, test_data_destroy, NULL, &error);
  g_assert_true (ta_runner_wait_next_iteration (runner, TA_TIMEOUT_INFINITE, NULL));

  /* The loop is responsive, so this is an orderly stop; the task that
   * ignored its cancellation is named. */
  g_test_expect_message ("Ta", G_LOG_LEVEL_WARNING, "*cancelled*stubborn*");
  test_runner_stop_ok (runner);
  g_test_assert_expected_messages ();
  g_assert_cmpint (ta_runner_get_shutdown_type (runner), ==, TA_SHUTDOWN_TYPE_STOPPED);
  g_assert_false (ta_task_wait (task, 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* Its abandoned work was released on the runner thread at the stop, not
   * leaked with the runner's context. */
  g_assert_cmpint (td.destroyed, ==, 1);
  g_assert_true (td.destroyed_on == td.ran_on);
}

/* Tasks that ignore their cancellation are named once each, with how
 * many there were, however many bore the same name. */
static void
test_runner_stop_warning_aggregates_names (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("aggregates");
  TestData td[6] = { { 0 } };

  /* The stop fails the task at three quarters of the exit timeout and
   * expects the loop to quit within the rest: generous, so that a loaded
   * machine does not make it look stuck. */
  ta_runner_set_exit_timeout (runner, G_USEC_PER_SEC);
  for (guint i = 0; i < G_N_ELEMENTS (td); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TaTask) task = ta_runner_spawn (runner, i < 5 ? "ignorer" : "loner",
                                                uncooperative_task, &td[i],
                                                test_data_destroy, NULL, &error);

      g_assert_no_error (error);
    }
  g_assert_true (ta_runner_wait_next_iteration (runner, TA_TIMEOUT_INFINITE, NULL));

  g_test_expect_message ("Ta", G_LOG_LEVEL_WARNING,
                         "*after being cancelled: “ignorer” × 5, “loner”. They were failed*");
  test_runner_stop_ok (runner);
  g_test_assert_expected_messages ();
  for (guint i = 0; i < G_N_ELEMENTS (td); i++)
    g_assert_cmpint (td[i].destroyed, ==, 1);
}

/*
 * Many tasks that honour their cancellation, with an exit timeout shorter
 * than it takes the loop to complete them all: the stop runs late rather
 * than fail them, let alone abandon the runner. Each ends with its own
 * cancellation (its sleep's error), none with the one a stop gives a task
 * it gave up on, and their data goes on the runner thread.
 *
 * What each costs the loop once cancelled is made large and the same in
 * every build (a pause in its callback), so that a few hundred of them
 * outlast an exit timeout long enough for a loaded machine to schedule
 * the runner thread within it: tens of thousands of tasks would cost the
 * same, but not under valgrind.
 */
#define N_MANY 400
#define MANY_CANCEL_COST_US 1000
#define MANY_EXIT_TIMEOUT_US (N_MANY * MANY_CANCEL_COST_US / 4)

typedef struct
{
  GThread *runner_thread;
  gint     ran;
  gint     destroyed;
  gint     destroyed_elsewhere;
} ManyData;

static void
many_data_destroy (gpointer data)
{
  ManyData *md = data;

  if (g_thread_self () != md->runner_thread)
    g_atomic_int_inc (&md->destroyed_elsewhere);
  g_atomic_int_inc (&md->destroyed);
}

static void
record_thread (gpointer user_data)
{
  ManyData *md = user_data;

  md->runner_thread = g_thread_self ();
}

static void
hour_slept_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  if (!test_task_slept (task, result))
    g_usleep (MANY_CANCEL_COST_US);
  else
    g_task_return_boolean (task, TRUE);
}

static void
hour_sleep_task (GTask        *task,
                 GCancellable *cancellable,
                 gpointer      user_data)
{
  ManyData *md = user_data;

  g_atomic_int_inc (&md->ran);
  ta_sleep_async ((gint64) 3600 * G_USEC_PER_SEC, cancellable,
                  hour_slept_cb, g_object_ref (task));
}

static void
assert_cancelled_by_themselves (GPtrArray *tasks)
{
  for (guint i = 0; i < tasks->len; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (ta_task_wait (g_ptr_array_index (tasks, i), 0, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_null (strstr (error->message, "its runner stopped"));
    }
}

static void
test_runner_stop_many_cooperative (gconstpointer data)
{
  gboolean in_flight = GPOINTER_TO_INT (data);
  g_autoptr(TaRunner) runner = test_runner_new_started ("many");
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  ManyData md = { 0 };

  g_assert_true (ta_runner_call (runner, record_thread, &md, NULL, TA_TIMEOUT_INFINITE, NULL));
  ta_runner_set_exit_timeout (runner, MANY_EXIT_TIMEOUT_US);
  for (guint i = 0; i < N_MANY; i++)
    g_ptr_array_add (tasks, ta_runner_spawn (runner, "cooperative", hour_sleep_task, &md,
                                             many_data_destroy, NULL, NULL));
  /* In flight: every one took its first step (a call queued behind them
   * returned); or still queued when the stop begins. */
  if (in_flight)
    g_assert_true (ta_runner_call (runner, record_thread, &md, NULL, TA_TIMEOUT_INFINITE, NULL));

  /* A warning (a task blamed for ignoring its cancellation) is fatal. */
  test_runner_stop_ok (runner);
  g_assert_cmpint (ta_runner_get_shutdown_type (runner), ==, TA_SHUTDOWN_TYPE_STOPPED);
  assert_cancelled_by_themselves (tasks);

  /* Spawned before the stop began, each took its first step, as a
   * coroutine's task created before an asyncio runner exits does. */
  g_assert_cmpint (md.ran, ==, N_MANY);
  g_assert_cmpint (md.destroyed, ==, N_MANY);
  g_assert_cmpint (md.destroyed_elsewhere, ==, 0);
}

/* Among them, one that ignores its cancellation: it alone is named. */
static void
test_runner_stop_many_blames_only_ignorer (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("many-one-stubborn");
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(TaTask) stubborn = NULL;
  g_autoptr(GError) error = NULL;
  ManyData md = { 0 };
  TestData td = { 0 };

  g_assert_true (ta_runner_call (runner, record_thread, &md, NULL, TA_TIMEOUT_INFINITE, NULL));
  ta_runner_set_exit_timeout (runner, MANY_EXIT_TIMEOUT_US);
  for (guint i = 0; i < N_MANY / 2; i++)
    g_ptr_array_add (tasks, ta_runner_spawn (runner, "cooperative", hour_sleep_task, &md,
                                             many_data_destroy, NULL, NULL));
  stubborn = ta_runner_spawn (runner, "stubborn", uncooperative_task, &td, test_data_destroy,
                              NULL, NULL);
  for (guint i = 0; i < N_MANY / 2; i++)
    g_ptr_array_add (tasks, ta_runner_spawn (runner, "cooperative", hour_sleep_task, &md,
                                             many_data_destroy, NULL, NULL));
  g_assert_true (ta_runner_call (runner, record_thread, &md, NULL, TA_TIMEOUT_INFINITE, NULL));

  g_test_expect_message ("Ta", G_LOG_LEVEL_WARNING,
                         "*after being cancelled: “stubborn”. They were failed*");
  test_runner_stop_ok (runner);
  g_test_assert_expected_messages ();
  g_assert_cmpint (ta_runner_get_shutdown_type (runner), ==, TA_SHUTDOWN_TYPE_STOPPED);

  assert_cancelled_by_themselves (tasks);
  g_assert_cmpint (md.destroyed, ==, N_MANY);
  g_assert_cmpint (md.destroyed_elsewhere, ==, 0);

  g_assert_false (ta_task_wait (stubborn, 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_nonnull (strstr (error->message, "its runner stopped"));
  g_assert_cmpint (td.destroyed, ==, 1);
  g_assert_true (td.destroyed_on == md.runner_thread);
}

static void
test_runner_unretrieved_errors (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("errors");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(TaTask) retrieved = NULL;
  g_autoptr(TaTask) cancelled = NULL;

  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(TaTask) task = ta_runner_spawn (runner, NULL, failing_task,
                                                GUINT_TO_POINTER (i), NULL, NULL, &error);
      g_assert_no_error (error);
    }

  /* A failure somebody saw is not reported again... */
  retrieved = ta_runner_spawn (runner, "seen", failing_task, GUINT_TO_POINTER (99),
                               NULL, NULL, NULL);
  g_assert_false (ta_task_wait (retrieved, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* ...and a cancellation is not a failure. */
  cancelled = ta_runner_spawn (runner, "cancelled", test_sleep_task, GINT_TO_POINTER (60 * 1000),
                               NULL, NULL, NULL);
  ta_task_cancel (cancelled);

  g_assert_false (ta_runner_stop (runner, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_UNRETRIEVED);
  g_assert_nonnull (strstr (error->message, "10 task errors"));
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *fragment = g_strdup_printf ("error %u\n", i);
      g_autofree char *message = g_strconcat (error->message, "\n", NULL);

      g_assert_nonnull (strstr (message, fragment));
    }
  g_assert_null (strstr (error->message, "error 99"));
  g_assert_cmpint (ta_runner_get_shutdown_type (runner), ==, TA_SHUTDOWN_TYPE_STOPPED);

  errors = ta_runner_dup_unretrieved_errors (runner);
  g_assert_cmpuint (errors->len, ==, 10);
  for (guint i = 0; i < errors->len; i++)
    g_assert_error ((GError *) g_ptr_array_index (errors, i), G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

  /* Reported once. */
  g_clear_error (&error);
  test_runner_stop_ok (runner);
}

/* The cookbook's error handling: failures raced by the stop itself. */
static void
test_runner_unretrieved_errors_immediate_stop (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("immediate");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) errors = NULL;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(TaTask) task = ta_runner_spawn (runner, NULL, failing_task,
                                                GUINT_TO_POINTER (i), NULL, NULL, NULL);
      g_assert_nonnull (task);
    }

  g_assert_false (ta_runner_stop (runner, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_UNRETRIEVED);
  errors = ta_runner_dup_unretrieved_errors (runner);
  g_assert_cmpuint (errors->len, ==, 3);
}

/*
 * A stop that comes while another is under way waits for it and reports
 * the same outcome: it used to return TRUE while the first one abandoned
 * the runner.
 */
typedef struct
{
  TaRunner *runner;
  gboolean  ok;
  GError   *error;
} Stopper;

static gpointer
stopper_thread (gpointer data)
{
  Stopper *st = data;

  st->ok = ta_runner_stop (st->runner, &st->error);
  return NULL;
}

static void
test_runner_racing_stops_agree (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("racing-stops");
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;
  Stopper first = { runner, TRUE, NULL };
  TestGate thread_exited;
  gint64 end_time;
  GThread *thread;
  gboolean ok;
  TestBlocker b;

  test_blocker_init (&b);
  test_gate_init (&thread_exited);
  g_assert_true (ta_runner_call (runner, test_watch_thread_exit, &thread_exited, NULL,
                                 TA_TIMEOUT_INFINITE, NULL));
  /* Long enough for the second stop to come while the first waits. */
  ta_runner_set_exit_timeout (runner, G_USEC_PER_SEC);
  task = ta_runner_spawn (runner, "hang", blocking_task, &b, NULL, NULL, &error);
  g_assert_no_error (error);
  test_gate_wait (&b.entered);

  thread = g_thread_new ("stopper", stopper_thread, &first);
  end_time = g_get_monotonic_time () + TEST_HANG_US;
  while (ta_runner_is_running (runner))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end_time);
      g_thread_yield ();
    }
  ok = ta_runner_stop (runner, &error);
  g_thread_join (thread);

  g_assert_cmpint (ta_runner_get_shutdown_type (runner), ==, TA_SHUTDOWN_TYPE_ABANDONED);
  g_assert_false (first.ok);
  g_assert_error (first.error, TA_ERROR, TA_ERROR_TIMEOUT);
  g_assert_false (ok);
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
  g_assert_cmpstr (error->message, ==, first.error->message);
  g_clear_error (&first.error);

  /* A later stop has nothing new to say. */
  g_assert_true (ta_runner_stop (runner, NULL));

  test_gate_open (&b.release);
  test_gate_wait (&thread_exited);
  test_gate_clear (&thread_exited);
  test_blocker_clear (&b);
}

static void
test_runner_stuck_loop_abandoned (void)
{
  TaRunner *runner = test_runner_new_started ("stuck");
  g_autoptr(TaTask) task = NULL;
  g_autoptr(TaTask) queued = NULL;
  g_autoptr(GError) error = NULL;
  TestGate thread_exited;
  TestData queued_data = { 0 };
  gint64 start;
  TestBlocker b;

  test_blocker_init (&b);
  test_gate_init (&thread_exited);
  g_assert_true (ta_runner_call (runner, test_watch_thread_exit, &thread_exited, NULL,
                                 TA_TIMEOUT_INFINITE, NULL));
  ta_runner_set_exit_timeout (runner, 100 * 1000);

  task = ta_runner_spawn (runner, "hang-forever", blocking_task, &b, NULL, NULL, &error);
  g_assert_no_error (error);
  test_gate_wait (&b.entered);
  queued = ta_runner_spawn (runner, "queued", blocking_task, &queued_data,
                            test_data_destroy, NULL, &error);
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  g_assert_false (ta_runner_stop (runner, &error));
  g_assert_cmpint (g_get_monotonic_time () - start, <, TEST_HANG_US);
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "hang-forever"));
  g_assert_nonnull (strstr (error->message, "abandoned"));
  g_assert_cmpint (ta_runner_get_shutdown_type (runner), ==, TA_SHUTDOWN_TYPE_ABANDONED);
  g_assert_false (ta_runner_is_running (runner));

  /* Nobody is left waiting on the stuck loop. */
  g_clear_error (&error);
  g_assert_false (ta_task_wait (task, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (ta_task_wait (queued, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (queued_data.ran, ==, 0);
  g_assert_cmpint (queued_data.destroyed, ==, 1);

  /* Stopping again changes nothing. */
  g_assert_true (ta_runner_stop (runner, NULL));
  g_assert_cmpint (ta_runner_get_shutdown_type (runner), ==, TA_SHUTDOWN_TYPE_ABANDONED);

  /* The abandoned thread finishes on its own once it unblocks, even with
   * the runner object gone. */
  g_object_unref (runner);
  test_gate_open (&b.release);
  test_gate_wait (&thread_exited);

  test_gate_clear (&thread_exited);
  test_blocker_clear (&b);
}

static void
release_after_gate (gpointer user_data)
{
  TestGate *gates = user_data;

  test_gate_open (&gates[0]);
  test_gate_wait (&gates[1]);
}

/*
 * Tasks queued behind the one that hangs were already begun when the
 * loop got stuck: an abandoning stop still fails them at once.
 */
static void
test_runner_stuck_loop_abandons_begun_tasks (void)
{
  TaRunner *runner = test_runner_new_started ("stuck-begun");
  g_autoptr(TaTask) task = NULL;
  g_autoptr(TaTask) queued = NULL;
  g_autoptr(GError) error = NULL;
  TestGate thread_exited;
  TestGate gates[2];
  TestData queued_data = { 0 };
  TestBlocker b;

  test_blocker_init (&b);
  test_gate_init (&thread_exited);
  test_gate_init (&gates[0]);
  test_gate_init (&gates[1]);
  g_assert_true (ta_runner_call (runner, test_watch_thread_exit, &thread_exited, NULL,
                                 TA_TIMEOUT_INFINITE, NULL));
  ta_runner_set_exit_timeout (runner, 50 * 1000);

  /* Both tasks are queued while the loop is busy, so they start
   * together. */
  g_assert_true (ta_runner_invoke (runner, release_after_gate, gates, NULL, NULL));
  test_gate_wait (&gates[0]);
  task = ta_runner_spawn (runner, "hang-forever", blocking_task, &b, NULL, NULL, &error);
  g_assert_no_error (error);
  queued = ta_runner_spawn (runner, "queued", blocking_task, &queued_data,
                            test_data_destroy, NULL, &error);
  g_assert_no_error (error);
  test_gate_open (&gates[1]);
  test_gate_wait (&b.entered);

  g_assert_false (ta_runner_stop (runner, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
  g_assert_cmpint (ta_runner_get_shutdown_type (runner), ==, TA_SHUTDOWN_TYPE_ABANDONED);
  g_clear_error (&error);
  g_assert_false (ta_task_wait (queued, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (queued_data.ran, ==, 0);

  /* Its data is released once the thread is free again. */
  g_object_unref (runner);
  test_gate_open (&b.release);
  test_gate_wait (&thread_exited);
  g_assert_cmpint (queued_data.ran, ==, 0);
  g_assert_cmpint (queued_data.destroyed, ==, 1);

  test_gate_clear (&gates[0]);
  test_gate_clear (&gates[1]);
  test_gate_clear (&thread_exited);
  test_blocker_clear (&b);
}

typedef struct
{
  TaRunner    *runner;
  TestBlocker *blocker;
  GError      *error;
  gboolean     ok;
} StuckCall;

static gpointer
stuck_call_thread (gpointer user_data)
{
  StuckCall *sc = user_data;

  sc->ok = ta_runner_call (sc->runner, block_func, sc->blocker, NULL,
                           TA_TIMEOUT_INFINITE, &sc->error);
  return NULL;
}

static void
test_runner_stuck_call_abandoned (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("stuck-call");
  TestGate thread_exited;
  StuckCall sc = { runner, NULL, NULL, TRUE };
  g_autoptr(GError) error = NULL;
  GThread *caller;
  TestBlocker b;

  test_blocker_init (&b);
  test_gate_init (&thread_exited);
  g_assert_true (ta_runner_call (runner, test_watch_thread_exit, &thread_exited, NULL,
                                 TA_TIMEOUT_INFINITE, NULL));
  ta_runner_set_exit_timeout (runner, 50 * 1000);
  sc.blocker = &b;
  caller = g_thread_new ("caller", stuck_call_thread, &sc);
  test_gate_wait (&b.entered);

  g_assert_false (ta_runner_stop (runner, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "ta_runner_call"));

  /* The caller blocked with no timeout is released. */
  g_thread_join (caller);
  g_assert_false (sc.ok);
  g_assert_error (sc.error, TA_ERROR, TA_ERROR_ABANDONED);
  g_clear_error (&sc.error);

  test_gate_open (&b.release);
  test_gate_wait (&thread_exited);
  test_gate_clear (&thread_exited);
  test_blocker_clear (&b);
}

static void
test_runner_finalize_running (void)
{
  TaRunner *runner = test_runner_new_started ("finalize");
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;

  task = ta_runner_spawn (runner, NULL, test_sleep_task, GINT_TO_POINTER (60 * 1000),
                          NULL, NULL, &error);
  g_assert_no_error (error);
  g_object_add_weak_pointer (G_OBJECT (runner), (gpointer *) &runner);
  g_object_unref (runner);
  g_assert_null (runner);

  g_assert_true (ta_task_is_done (task));
  g_assert_false (ta_task_wait (task, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

typedef struct
{
  TaRunner *runner;
  TestGate  finalized;
  GThread  *finalized_on;
} LastRef;

static void
last_ref_weak_notify (gpointer  user_data,
                      GObject  *where_the_object_was)
{
  LastRef *lr = user_data;

  lr->finalized_on = g_thread_self ();
  test_gate_open (&lr->finalized);
}

static void
drop_last_ref_func (gpointer user_data)
{
  LastRef *lr = user_data;

  g_object_unref (lr->runner);
}

static void
test_runner_last_ref_on_runner_thread (void)
{
  LastRef lr;
  TestGate thread_exited;
  TaRunner *runner = test_runner_new_started ("last-ref");

  test_gate_init (&lr.finalized);
  test_gate_init (&thread_exited);
  lr.runner = runner;
  g_assert_true (ta_runner_call (runner, test_watch_thread_exit, &thread_exited, NULL,
                                 TA_TIMEOUT_INFINITE, NULL));
  g_object_weak_ref (G_OBJECT (runner), last_ref_weak_notify, &lr);

  /* Hand our reference to the runner thread, which drops it there. */
  g_assert_true (ta_runner_invoke (runner, drop_last_ref_func, &lr, NULL, NULL));
  test_gate_wait (&lr.finalized);
  g_assert_true (lr.finalized_on != test_main_thread);
  test_gate_wait (&thread_exited);

  test_gate_clear (&lr.finalized);
  test_gate_clear (&thread_exited);
}

/* The last reference dropped on the runner thread while more work is
 * queued behind a function that blocks: a watchdog enforces the exit
 * timeout, so nobody waits on the stuck loop forever. */
typedef struct
{
  TaRunner   *runner;
  TestGate    go;
  TestBlocker blocker;
} DropRef;

static void
drop_ref_then_block_func (gpointer user_data)
{
  DropRef *dr = user_data;

  test_gate_wait (&dr->go);
  g_object_unref (g_steal_pointer (&dr->runner));
  block_func (&dr->blocker);
}

static void
test_runner_detached_stop_watchdog (void)
{
  g_autoptr(TaTask) queued = NULL;
  g_autoptr(GError) error = NULL;
  TestGate thread_exited;
  DropRef dr;

  dr.runner = test_runner_new_started ("detached");
  test_gate_init (&dr.go);
  test_blocker_init (&dr.blocker);
  test_gate_init (&thread_exited);
  g_assert_true (ta_runner_call (dr.runner, test_watch_thread_exit, &thread_exited, NULL,
                                 TA_TIMEOUT_INFINITE, NULL));
  ta_runner_set_exit_timeout (dr.runner, 50 * 1000);

  /* The runner's only reference goes to the runner thread, which drops it
   * and then blocks, with a task queued behind. */
  g_assert_true (ta_runner_invoke (dr.runner, drop_ref_then_block_func, &dr, NULL, NULL));
  queued = ta_runner_spawn (dr.runner, "queued", failing_task, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_test_expect_message ("Ta", G_LOG_LEVEL_WARNING, "*detached*own thread*abandoned*");
  test_gate_open (&dr.go);

  g_assert_false (ta_task_wait (queued, TEST_HANG_US, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_test_assert_expected_messages ();

  test_gate_open (&dr.blocker.release);
  test_gate_wait (&thread_exited);
  test_gate_clear (&thread_exited);
  test_gate_clear (&dr.go);
  test_blocker_clear (&dr.blocker);
}

/* A nested dispatch inside a task function does not hide the task from
 * the report of a loop that does not respond. */
typedef struct
{
  TestBlocker blocker;
  TaRunner   *runner;
} Nesting;

static void
nested_then_block_task (GTask        *task,
                        GCancellable *cancellable,
                        gpointer      user_data)
{
  Nesting *n = user_data;
  TestData nested = { 0 };

  g_assert_true (ta_runner_call (n->runner, record_func, &nested, NULL, 0, NULL));
  g_assert_cmpint (nested.ran, ==, 1);
  block_func (&n->blocker);
  g_task_return_boolean (task, TRUE);
}

static void
test_runner_stuck_report_after_nested_call (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("nested");
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;
  Nesting n;

  test_blocker_init (&n.blocker);
  n.runner = runner;
  task = ta_runner_spawn (runner, "outer-task", nested_then_block_task, &n, NULL, NULL, &error);
  g_assert_no_error (error);
  test_gate_wait (&n.blocker.entered);
  g_assert_false (ta_runner_wait_next_iteration (runner, 10 * 1000, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "outer-task"));
  test_gate_open (&n.blocker.release);
  g_assert_true (ta_task_wait (task, TA_TIMEOUT_INFINITE, NULL));
  test_runner_stop_ok (runner);
  test_blocker_clear (&n.blocker);
}

/* Timeouts too long to represent as end times never expire. */
static void
test_runner_huge_timeouts (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("huge");
  g_autoptr(GError) error = NULL;

  ta_runner_set_exit_timeout (runner, G_MAXINT64);
  ta_runner_set_default_call_timeout (runner, G_MAXINT64);
  g_assert_true (ta_runner_wait_next_iteration (runner, TA_TIMEOUT_DEFAULT, &error));
  g_assert_true (ta_runner_wait_next_iteration (runner, G_MAXINT64, &error));
  g_assert_no_error (error);
  test_runner_stop_ok (runner);
}

/* ---------------------------------------------------------------------- */
/* Properties and notifications                                            */
/* ---------------------------------------------------------------------- */

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  guint *count = user_data;

  g_assert_true (g_thread_self () == test_main_thread);
  (*count)++;
}

static void
test_runner_properties (void)
{
  g_autoptr(TaRunner) runner = NULL;
  g_autofree char *name = NULL;
  GMainContext *context = NULL;
  gint64 call_timeout, exit_timeout;
  TaShutdownType shutdown_type;
  gboolean running;
  guint n_timeout_notifies = 0;

  runner = g_object_new (TA_TYPE_RUNNER,
                         "name", "props",
                         "default-call-timeout", (gint64) 1234,
                         "exit-timeout", (gint64) 5678,
                         NULL);
  g_signal_connect (runner, "notify::default-call-timeout",
                    G_CALLBACK (count_notify_cb), &n_timeout_notifies);

  g_object_get (runner,
                "name", &name,
                "context", &context,
                "default-call-timeout", &call_timeout,
                "exit-timeout", &exit_timeout,
                "shutdown-type", &shutdown_type,
                "running", &running,
                NULL);
  g_assert_cmpstr (name, ==, "props");
  g_assert_true (context == ta_runner_get_context (runner));
  g_main_context_unref (context);
  g_assert_cmpint (call_timeout, ==, 1234);
  g_assert_cmpint (exit_timeout, ==, 5678);
  g_assert_cmpint (ta_runner_get_exit_timeout (runner), ==, 5678);
  g_assert_cmpint (shutdown_type, ==, TA_SHUTDOWN_TYPE_NOT_SHUT_DOWN);
  g_assert_false (running);

  /* Notified on change only. */
  ta_runner_set_default_call_timeout (runner, 1234);
  g_assert_cmpuint (n_timeout_notifies, ==, 0);
  ta_runner_set_default_call_timeout (runner, TA_TIMEOUT_INFINITE);
  g_assert_cmpuint (n_timeout_notifies, ==, 1);
  g_assert_cmpint (ta_runner_get_default_call_timeout (runner), ==, TA_TIMEOUT_INFINITE);
}

static gpointer
stop_in_thread (gpointer user_data)
{
  g_assert_true (ta_runner_stop (user_data, NULL));
  return NULL;
}

static gpointer
set_timeouts_in_thread (gpointer user_data)
{
  ta_runner_set_default_call_timeout (user_data, 42);
  ta_runner_set_exit_timeout (user_data, 43);
  return NULL;
}

static void
test_runner_setter_notify_on_owner_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaRunner) runner = NULL;
  guint n_call = 0, n_exit = 0;

  g_main_context_push_thread_default (context);
  runner = ta_runner_new ("setters");
  g_signal_connect (runner, "notify::default-call-timeout", G_CALLBACK (count_notify_cb), &n_call);
  g_signal_connect (runner, "notify::exit-timeout", G_CALLBACK (count_notify_cb), &n_exit);
  g_thread_join (g_thread_new ("setter", set_timeouts_in_thread, runner));
  /* Not on the setting thread: in the creator's context. */
  g_assert_cmpuint (n_call + n_exit, ==, 0);
  while (n_call == 0 || n_exit == 0)
    g_main_context_iteration (context, TRUE);
  g_assert_cmpint (ta_runner_get_default_call_timeout (runner), ==, 42);
  g_assert_cmpint (ta_runner_get_exit_timeout (runner), ==, 43);
  g_main_context_pop_thread_default (context);
}

static void
test_runner_notify_on_owner_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaRunner) runner = NULL;
  guint n_running = 0, n_shutdown = 0;
  GThread *stopper;

  g_main_context_push_thread_default (context);
  runner = test_runner_new_started ("owner");
  g_signal_connect (runner, "notify::running", G_CALLBACK (count_notify_cb), &n_running);
  g_signal_connect (runner, "notify::shutdown-type", G_CALLBACK (count_notify_cb), &n_shutdown);

  /* Stopped from another thread: the notifications still arrive here. */
  stopper = g_thread_new ("stopper", stop_in_thread, runner);
  g_thread_join (stopper);
  g_assert_cmpuint (n_running, ==, 0);
  while (n_running == 0 || n_shutdown == 0)
    g_main_context_iteration (context, TRUE);
  g_assert_cmpuint (n_running, ==, 1);
  g_assert_cmpuint (n_shutdown, ==, 1);
  g_main_context_pop_thread_default (context);
}

/* ---------------------------------------------------------------------- */
/* Thread hook                                                             */
/* ---------------------------------------------------------------------- */

typedef struct
{
  GMutex   mutex;
  GThread *entered_on;
  GThread *left_on;
  gboolean entered_with_context;
  guint    n_enter;
  guint    n_leave;
  guint    n_destroy;
  gboolean destroyed_after_leave;
} HookLog;

static void
hook_log_func (gboolean entering,
               gpointer user_data)
{
  HookLog *log = user_data;

  ta_mutex_lock (&log->mutex);
  if (entering)
    {
      log->n_enter++;
      log->entered_on = g_thread_self ();
      log->entered_with_context = g_main_context_get_thread_default () != NULL &&
                                  g_main_context_is_owner (g_main_context_get_thread_default ());
    }
  else
    {
      log->n_leave++;
      log->left_on = g_thread_self ();
    }
  ta_mutex_unlock (&log->mutex);
}

static void
hook_log_destroy (gpointer user_data)
{
  HookLog *log = user_data;

  ta_mutex_lock (&log->mutex);
  log->n_destroy++;
  log->destroyed_after_leave = log->n_leave == 1;
  ta_mutex_unlock (&log->mutex);
}

static void
record_thread_func (gpointer user_data)
{
  *(GThread **) user_data = g_thread_self ();
}

static void
test_runner_thread_hook (void)
{
  g_autoptr(TaRunner) runner = ta_runner_new ("hooked");
  g_autoptr(GError) error = NULL;
  HookLog log = { 0 };
  GThread *runner_thread = NULL;

  g_mutex_init (&log.mutex);
  ta_runner_set_thread_hook (runner, hook_log_func, &log, hook_log_destroy);

  g_assert_true (ta_runner_start (runner, &error));
  g_assert_no_error (error);

  /* The entering call happened before start returned, on the runner thread
   * with its context pushed. */
  ta_mutex_lock (&log.mutex);
  g_assert_cmpuint (log.n_enter, ==, 1);
  g_assert_cmpuint (log.n_leave, ==, 0);
  g_assert_true (log.entered_with_context);
  ta_mutex_unlock (&log.mutex);

  g_assert_true (ta_runner_call (runner, record_thread_func, &runner_thread, NULL,
                                 TA_TIMEOUT_INFINITE, &error));
  g_assert_no_error (error);
  g_assert_true (log.entered_on == runner_thread);

  test_runner_stop_ok (runner);

  /* Both calls and the destroy notify are done once stop returns. */
  ta_mutex_lock (&log.mutex);
  g_assert_cmpuint (log.n_enter, ==, 1);
  g_assert_cmpuint (log.n_leave, ==, 1);
  g_assert_cmpuint (log.n_destroy, ==, 1);
  g_assert_true (log.left_on == runner_thread);
  g_assert_true (log.destroyed_after_leave);
  ta_mutex_unlock (&log.mutex);

  g_mutex_clear (&log.mutex);
}

static void
test_runner_thread_hook_never_started (void)
{
  HookLog log = { 0 };
  HookLog replaced = { 0 };
  TaRunner *runner = ta_runner_new ("hook-never-started");

  g_mutex_init (&log.mutex);
  g_mutex_init (&replaced.mutex);

  /* Replacing a hook frees the old data at once. */
  ta_runner_set_thread_hook (runner, hook_log_func, &replaced, hook_log_destroy);
  ta_runner_set_thread_hook (runner, hook_log_func, &log, hook_log_destroy);
  g_assert_cmpuint (replaced.n_destroy, ==, 1);
  g_assert_cmpuint (replaced.n_enter, ==, 0);

  /* A runner that never ran frees its hook's data, never calling it. */
  g_object_unref (runner);
  g_assert_cmpuint (log.n_destroy, ==, 1);
  g_assert_cmpuint (log.n_enter + log.n_leave, ==, 0);

  g_mutex_clear (&log.mutex);
  g_mutex_clear (&replaced.mutex);
}

static void
test_runner_thread_hook_after_start (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("hook-late");
  HookLog log = { 0 };

  g_mutex_init (&log.mutex);

  /* Too late: refused loudly, and the data is freed rather than leaked. */
  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*has started already*");
  ta_runner_set_thread_hook (runner, hook_log_func, &log, hook_log_destroy);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (log.n_destroy, ==, 1);

  test_runner_stop_ok (runner);
  g_assert_cmpuint (log.n_enter + log.n_leave, ==, 0);
  g_mutex_clear (&log.mutex);
}

/* ---------------------------------------------------------------------- */
/* Waiting costs no CPU                                                    */
/* ---------------------------------------------------------------------- */

/* The idle span: long against any spin, short for a test. */
#define IDLE_SPAN_MS 300

static double
thread_cpu_s (void)
{
  struct rusage usage;

  g_assert_cmpint (getrusage (RUSAGE_THREAD, &usage), ==, 0);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static void
read_thread_cpu (gpointer data)
{
  *(double *) data = thread_cpu_s ();
}

/* A burst of round trips: the waiting thread's and the runner's spinning
 * have just paid off, so both are at their most eager. */
static void
make_spinning_eager (TaRunner *runner)
{
  double ignored;

  for (guint i = 0; i < 200; i++)
    g_assert_true (ta_runner_call (runner, read_thread_cpu, &ignored, NULL,
                                   TA_TIMEOUT_INFINITE, NULL));
}

static void
test_runner_long_wait_does_not_spin (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("long-wait");
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;
  double cpu;
  gint64 waited;

  make_spinning_eager (runner);
  task = ta_runner_spawn (runner, "sleeper", test_sleep_task, GINT_TO_POINTER (IDLE_SPAN_MS),
                          NULL, NULL, &error);
  g_assert_no_error (error);

  waited = g_get_monotonic_time ();
  cpu = thread_cpu_s ();
  g_assert_true (ta_task_wait (task, TEST_HANG_US, &error));
  g_assert_no_error (error);
  cpu = thread_cpu_s () - cpu;
  waited = g_get_monotonic_time () - waited;

  /* A spinner would have burned the whole wait; a bounded spin followed
   * by sleep costs next to nothing. The bound is generous on purpose. */
  g_test_message ("waited %" G_GINT64_FORMAT " us using %.0f us of CPU", waited, cpu * 1e6);
  g_assert_cmpfloat (cpu * 1e6, <, waited / 4.0);
  test_runner_stop_ok (runner);
}

static void
test_runner_idle_does_not_spin (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("idle");
  double before = 0, after = 0;
  gint64 idle;

  make_spinning_eager (runner);
  g_assert_true (ta_runner_call (runner, read_thread_cpu, &before, NULL,
                                 TA_TIMEOUT_INFINITE, NULL));
  idle = g_get_monotonic_time ();
  /* Not synchronisation: the runner is to have nothing to do meanwhile. */
  g_usleep (IDLE_SPAN_MS * 1000);
  g_assert_true (ta_runner_call (runner, read_thread_cpu, &after, NULL,
                                 TA_TIMEOUT_INFINITE, NULL));
  idle = g_get_monotonic_time () - idle;

  g_test_message ("idle for %" G_GINT64_FORMAT " us using %.0f us of CPU", idle,
                  (after - before) * 1e6);
  g_assert_cmpfloat ((after - before) * 1e6, <, idle / 4.0);
  test_runner_stop_ok (runner);
}

static void
test_runner_spin_property (void)
{
  g_autoptr(TaRunner) runner = ta_runner_new ("spin");
  guint notified = 0;
  gboolean spin;

  g_assert_true (ta_runner_get_spin (runner));
  g_signal_connect (runner, "notify::spin", G_CALLBACK (count_notify_cb), &notified);
  ta_runner_set_spin (runner, FALSE);
  ta_runner_set_spin (runner, FALSE);
  g_object_get (runner, "spin", &spin, NULL);
  g_assert_false (spin);
  g_assert_cmpuint (notified, ==, 1);

  /* A runner that does not spin works the same, only slower to wake. */
  g_assert_true (ta_runner_start (runner, NULL));
  make_spinning_eager (runner);
  g_object_set (runner, "spin", TRUE, NULL);
  g_assert_cmpuint (notified, ==, 2);
  make_spinning_eager (runner);
  test_runner_stop_ok (runner);
}

/* ---------------------------------------------------------------------- */
/* Programmer errors                                                       */
/* ---------------------------------------------------------------------- */

static void
test_runner_null_arguments (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(TaRunner) runner = ta_runner_new ("null");

      g_assert_false (ta_runner_start (NULL, NULL));
      g_assert_false (ta_runner_call (runner, NULL, NULL, NULL, 0, NULL));
      g_assert_false (ta_runner_invoke (runner, NULL, NULL, NULL, NULL));
      g_assert_null (ta_runner_spawn (runner, NULL, NULL, NULL, NULL, NULL, NULL));
      g_assert_false (ta_runner_wait_next_iteration (runner, -3, NULL));
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*ta_runner_start*TA_IS_RUNNER*");
}

static void
test_runner_null_arguments_nonfatal (void)
{
  g_autoptr(TaRunner) runner = ta_runner_new ("null");

  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*func != NULL*");
  g_assert_false (ta_runner_call (runner, NULL, NULL, NULL, 0, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*func != NULL*");
  g_assert_null (ta_runner_spawn (runner, NULL, NULL, NULL, NULL, NULL, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*timeout_us >= TA_TIMEOUT_DEFAULT*");
  g_assert_false (ta_runner_wait_next_iteration (runner, -3, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*TA_IS_RUNNER*");
  g_assert_false (ta_runner_stop (NULL, NULL));
  g_test_assert_expected_messages ();
}

/* A descriptor watched at high priority, beside a source that is always
 * ready at that priority: the runner's polls that must not wait still
 * look at the descriptor, which is not its context's own. */
typedef struct
{
  int      fds[2];
  gboolean readable;   /* runner thread */
} HighWatch;

static gboolean
high_fd_ready_cb (gint          fd,
                  GIOCondition  condition,
                  gpointer      user_data)
{
  GTask *task = user_data;
  HighWatch *w = g_task_get_task_data (task);

  w->readable = TRUE;
  g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

static gboolean
high_busy_cb (gpointer user_data)
{
  HighWatch *w = user_data;

  return w->readable ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
high_watch_task (GTask        *task,
                 GCancellable *cancellable,
                 gpointer      user_data)
{
  HighWatch *w = user_data;
  GSource *fd_source = g_unix_fd_source_new (w->fds[0], G_IO_IN);
  GSource *busy = g_idle_source_new ();

  g_task_set_task_data (task, w, NULL);
  g_source_set_priority (fd_source, G_PRIORITY_HIGH);
  g_source_set_callback (fd_source, G_SOURCE_FUNC (high_fd_ready_cb), g_object_ref (task),
                         g_object_unref);
  g_source_attach (fd_source, g_main_context_get_thread_default ());
  g_source_unref (fd_source);

  g_source_set_priority (busy, G_PRIORITY_HIGH);
  g_source_set_callback (busy, high_busy_cb, w, NULL);
  g_source_attach (busy, g_main_context_get_thread_default ());
  g_source_unref (busy);
}

static void
test_runner_busy_polls_watched_fds (void)
{
  g_autoptr(TaRunner) runner = ta_runner_new ("busy-watching");
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;
  HighWatch w = { { -1, -1 }, FALSE };

  g_assert_no_errno (pipe (w.fds));
  g_assert_true (ta_runner_start (runner, &error));
  task = ta_runner_spawn (runner, "high-watch", high_watch_task, &w, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (write (w.fds[1], "x", 1), ==, 1);

  g_assert_true (ta_task_wait (task, TEST_HANG_US, &error));
  g_assert_no_error (error);
  g_assert_true (ta_runner_stop (runner, &error));
  g_assert_no_error (error);
  close (w.fds[0]);
  close (w.fds[1]);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/ta/runner/start-stop", test_runner_start_stop);
  g_test_add_func ("/ta/runner/start-twice", test_runner_start_twice);
  g_test_add_func ("/ta/runner/stop-never-started", test_runner_stop_never_started);
  g_test_add_func ("/ta/runner/thread", test_runner_thread);
  g_test_add_func ("/ta/runner/long-wait-does-not-spin", test_runner_long_wait_does_not_spin);
  g_test_add_func ("/ta/runner/idle-does-not-spin", test_runner_idle_does_not_spin);
  g_test_add_func ("/ta/runner/spin-property", test_runner_spin_property);
  g_test_add_func ("/ta/runner/thread-hook", test_runner_thread_hook);
  g_test_add_func ("/ta/runner/thread-hook-never-started", test_runner_thread_hook_never_started);
  g_test_add_func ("/ta/runner/thread-hook-after-start", test_runner_thread_hook_after_start);
  g_test_add_func ("/ta/runner/call", test_runner_call);
  g_test_add_func ("/ta/runner/call-inline-on-runner-thread", test_runner_call_inline);
  g_test_add_func ("/ta/runner/call-timeout-running", test_runner_call_timeout_running);
  g_test_add_func ("/ta/runner/call-timeout-queued", test_runner_call_timeout_queued);
  g_test_add_func ("/ta/runner/invoke-order", test_runner_invoke_order);
  g_test_add_func ("/ta/runner/invoke-never-inline", test_runner_invoke_never_inline);
  g_test_add_func ("/ta/runner/work-when-not-running", test_runner_work_when_not_running);
  g_test_add_func ("/ta/runner/next-iteration", test_runner_next_iteration);
  g_test_add_func ("/ta/runner/wait-idle", test_runner_wait_idle);
  g_test_add_func ("/ta/runner/next-iteration-default-timeout", test_runner_next_iteration_default_timeout);
  g_test_add_func ("/ta/runner/next-iteration-explicit-timeout", test_runner_next_iteration_explicit_timeout);
  g_test_add_func ("/ta/runner/next-iteration-infinite", test_runner_next_iteration_infinite);
  g_test_add_func ("/ta/runner/misuse-from-runner-thread", test_runner_misuse_from_runner_thread);
  g_test_add_func ("/ta/runner/stop-cancels-outstanding", test_runner_stop_cancels_outstanding);
  g_test_add_func ("/ta/runner/stop-fails-uncooperative", test_runner_stop_fails_uncooperative);
  g_test_add_func ("/ta/runner/stop-warning-aggregates-names", test_runner_stop_warning_aggregates_names);
  g_test_add_func ("/ta/runner/racing-stops-agree", test_runner_racing_stops_agree);
  g_test_add_func ("/ta/runner/unretrieved-errors", test_runner_unretrieved_errors);
  g_test_add_func ("/ta/runner/unretrieved-errors-immediate-stop", test_runner_unretrieved_errors_immediate_stop);
  g_test_add_data_func ("/ta/runner/stop-many-cooperative/in-flight", GINT_TO_POINTER (TRUE),
                        test_runner_stop_many_cooperative);
  g_test_add_data_func ("/ta/runner/stop-many-cooperative/queued", GINT_TO_POINTER (FALSE),
                        test_runner_stop_many_cooperative);
  g_test_add_func ("/ta/runner/stop-many-blames-only-ignorer",
                   test_runner_stop_many_blames_only_ignorer);
  g_test_add_func ("/ta/runner/stuck-loop-abandoned", test_runner_stuck_loop_abandoned);
  g_test_add_func ("/ta/runner/stuck-loop-abandons-begun-tasks",
                   test_runner_stuck_loop_abandons_begun_tasks);
  g_test_add_func ("/ta/runner/stuck-call-abandoned", test_runner_stuck_call_abandoned);
  g_test_add_func ("/ta/runner/finalize-running", test_runner_finalize_running);
  g_test_add_func ("/ta/runner/last-ref-on-runner-thread", test_runner_last_ref_on_runner_thread);
  g_test_add_func ("/ta/runner/detached-stop-watchdog", test_runner_detached_stop_watchdog);
  g_test_add_func ("/ta/runner/stuck-report-after-nested-call", test_runner_stuck_report_after_nested_call);
  g_test_add_func ("/ta/runner/huge-timeouts", test_runner_huge_timeouts);
  g_test_add_func ("/ta/runner/properties", test_runner_properties);
  g_test_add_func ("/ta/runner/setter-notify-on-owner-context", test_runner_setter_notify_on_owner_context);
  g_test_add_func ("/ta/runner/notify-on-owner-context", test_runner_notify_on_owner_context);
  g_test_add_func ("/ta/runner/null-arguments", test_runner_null_arguments);
  g_test_add_func ("/ta/runner/null-arguments-nonfatal", test_runner_null_arguments_nonfatal);
  g_test_add_func ("/ta/runner/busy-polls-watched-fds", test_runner_busy_polls_watched_fds);

  return g_test_run ();
}
