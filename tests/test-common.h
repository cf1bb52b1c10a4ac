/* test-common.h: helpers shared by the C tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <string.h>

#include <ta-glib.h>

/* The thread that runs main() and the tests, recorded by test_init(). */
static GThread *test_main_thread G_GNUC_UNUSED;

/* g_test_init() for these tests. */
#define test_init(argcp, argvp) G_STMT_START { \
    g_test_init ((argcp), (argvp), NULL);     \
    test_main_thread = g_thread_self ();      \
  } G_STMT_END

/* The tests' own locks, visible to ThreadSanitizer (see
 * ta-monitor-private.h for why GLib's are not). */
#include "ta-monitor-private.h"

/* A generous bound for "does not hang": tests never assert timing, only
 * that a wait that must end does end. */
#define TEST_HANG_US (30 * G_USEC_PER_SEC)

/*
 * A gate: a one-way latch with a counter, for tests to wait on events
 * (a task entered, a function ran) instead of sleeping.
 */
typedef struct
{
  GMutex mutex;
  GCond  cond;
  guint  count;
} TestGate;

static inline void
test_gate_init (TestGate *gate)
{
  g_mutex_init (&gate->mutex);
  g_cond_init (&gate->cond);
  gate->count = 0;
}

static inline void
test_gate_clear (TestGate *gate)
{
  g_mutex_clear (&gate->mutex);
  g_cond_clear (&gate->cond);
}

static inline void
test_gate_open (TestGate *gate)
{
  ta_mutex_lock (&gate->mutex);
  gate->count++;
  g_cond_broadcast (&gate->cond);
  ta_mutex_unlock (&gate->mutex);
}

/* Waits until the gate was opened at least @count times. */
static inline gboolean
test_gate_wait_count (TestGate *gate,
                      guint     count,
                      gint64    timeout_us)
{
  gint64 end_time = g_get_monotonic_time () + timeout_us;
  gboolean ok = TRUE;

  ta_mutex_lock (&gate->mutex);
  while (gate->count < count && ok)
    {
      ta_tsan_release (&gate->mutex);
      ok = g_cond_wait_until (&gate->cond, &gate->mutex, end_time);
      ta_tsan_acquire (&gate->mutex);
      ok = ok || gate->count >= count;
    }
  ok = gate->count >= count;
  ta_mutex_unlock (&gate->mutex);

  return ok;
}

/*
 * Waits until @object has @n references: how a test knows that a thread
 * blocked in a wait holds its own (it takes one before it sleeps).
 */
static inline gboolean
test_wait_ref_count (gpointer object,
                     guint    n)
{
  gint64 end_time = g_get_monotonic_time () + TEST_HANG_US;

  while ((guint) g_atomic_int_get ((gint *) &G_OBJECT (object)->ref_count) != n)
    {
      if (g_get_monotonic_time () >= end_time)
        return FALSE;
      g_thread_yield ();
    }

  return TRUE;
}

static inline void
test_gate_wait (TestGate *gate)
{
  g_assert_true (test_gate_wait_count (gate, 1, TEST_HANG_US));
}

static inline guint
test_gate_get_count (TestGate *gate)
{
  guint count;

  ta_mutex_lock (&gate->mutex);
  count = gate->count;
  ta_mutex_unlock (&gate->mutex);

  return count;
}

/* Runs @context until *@flag becomes TRUE, failing after TEST_HANG_US. */
static inline void
test_iterate_until (GMainContext   *context,
                    const gboolean *flag)
{
  gint64 end_time = g_get_monotonic_time () + TEST_HANG_US;

  while (!g_atomic_int_get (flag))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end_time);
      g_main_context_iteration (context, TRUE);
    }
}

/* A thread-exit latch: set it on a thread, and the gate opens when that
 * thread has finished. */
static void test_thread_exit_notify (gpointer data);
static GPrivate test_thread_exit_private = G_PRIVATE_INIT (test_thread_exit_notify);

static void
test_thread_exit_notify (gpointer data)
{
  test_gate_open (data);
}

static inline void
test_watch_thread_exit (gpointer gate)
{
  g_private_set (&test_thread_exit_private, gate);
}

/*
 * Runners the tests start and stop: the stop of a runner whose work is
 * over must succeed.
 */
static inline TaRunner *
test_runner_new_started (const char *name)
{
  g_autoptr(GError) error = NULL;
  TaRunner *runner = ta_runner_new (name);

  g_assert_true (ta_runner_start (runner, &error));
  g_assert_no_error (error);

  return runner;
}

static inline void
test_runner_stop_ok (TaRunner *runner)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ta_runner_stop (runner, &error));
  g_assert_no_error (error);
}

/*
 * RunnerFixture: a runner started for one test, stopped after it (the
 * stop must succeed) unless the test stopped it itself with
 * runner_fixture_stop(). Register with runner_test_add().
 */
typedef struct
{
  TaRunner *runner;
} RunnerFixture;

/* The runner of the RunnerFixture test that runs now (GTest runs one at a
 * time), for callbacks that only get the data of the call they serve. */
static TaRunner *runner_fixture_runner;

static inline TaRunner *
runner_fixture_current (void)
{
  g_assert_nonnull (runner_fixture_runner);
  return runner_fixture_runner;
}

static inline void
runner_fixture_setup (RunnerFixture *fixture,
                      gconstpointer  data)
{
  fixture->runner = test_runner_new_started ("test-runner");
  runner_fixture_runner = fixture->runner;
}

/* Stops the fixture's runner now, for a test that checks what follows. */
static inline void
runner_fixture_stop (RunnerFixture *fixture)
{
  test_runner_stop_ok (fixture->runner);
  runner_fixture_runner = NULL;
  g_clear_object (&fixture->runner);
}

static inline void
runner_fixture_teardown (RunnerFixture *fixture,
                         gconstpointer  data)
{
  if (fixture->runner != NULL)
    runner_fixture_stop (fixture);
}

#define runner_test_add(path, func) \
  g_test_add ((path), RunnerFixture, NULL, runner_fixture_setup, (func), runner_fixture_teardown)

/* The outcome of an asynchronous call, for callbacks to fill in. */
typedef struct
{
  gboolean  done;
  GError   *error;
} AsyncFlag;

/* Counts destroy notifications of user data. */
typedef struct
{
  gint  destroyed;
  gint  ran;
  GThread *ran_on;
  GThread *destroyed_on;
} TestData;

static inline void
test_data_destroy (gpointer data)
{
  TestData *td = data;

  td->destroyed_on = g_thread_self ();
  g_atomic_int_inc (&td->destroyed);
}

/*
 * A blocker: whatever calls test_blocker_block() (a task, a callback, a
 * function run on a runner) holds its thread until the test releases it,
 * a stall or a busy thread of whatever length the test needs.
 */
typedef struct
{
  TestData data;      /* first: test_data_destroy() works on a blocker */
  TestGate entered;
  TestGate release;
} TestBlocker;

static inline void
test_blocker_init (TestBlocker *blocker)
{
  memset (&blocker->data, 0, sizeof blocker->data);
  test_gate_init (&blocker->entered);
  test_gate_init (&blocker->release);
}

static inline void
test_blocker_clear (TestBlocker *blocker)
{
  test_gate_clear (&blocker->entered);
  test_gate_clear (&blocker->release);
}

/* Records where it ran, tells the test it entered, waits for release. */
static inline void
test_blocker_block (TestBlocker *blocker)
{
  blocker->data.ran_on = g_thread_self ();
  g_atomic_int_inc (&blocker->data.ran);
  test_gate_open (&blocker->entered);
  test_gate_wait (&blocker->release);
}

/*
 * Finishes the sleep that @task waited for: %FALSE, with @task failed by
 * the sleep's error (cancelled, mostly), if it did not end normally.
 */
static inline gboolean
test_task_slept (GTask        *task,
                 GAsyncResult *result)
{
  GError *error = NULL;

  if (ta_sleep_finish (result, &error))
    return TRUE;

  g_task_return_error (task, error);
  return FALSE;
}

/* Returns the int of the task's data (a runner's task data is the
 * user_data it was spawned with) once its sleep ends. */
static inline void
test_slept_return_task_data_cb (GObject      *source,
                                GAsyncResult *result,
                                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  if (test_task_slept (task, result))
    g_task_return_int (task, GPOINTER_TO_INT (g_task_get_task_data (task)));
}

/* A task function: sleeps for the milliseconds in user_data, then returns
 * that number, or fails if cancelled first. */
static inline void
test_sleep_task (GTask        *task,
                 GCancellable *cancellable,
                 gpointer      user_data)
{
  ta_sleep_async ((gint64) GPOINTER_TO_INT (user_data) * 1000, cancellable,
                  test_slept_return_task_data_cb, g_object_ref (task));
}

/* How many results test_result_free() freed; a test resets it first. */
static gint test_n_results_freed G_GNUC_UNUSED;

static inline void
test_result_free (gpointer data)
{
  g_atomic_int_inc (&test_n_results_freed);
  g_free (data);
}

/* A task function that returns a new string, freed (and counted) by
 * test_result_free() unless the caller takes it. */
static inline void
test_string_result_task (GTask        *task,
                         GCancellable *cancellable,
                         gpointer      user_data)
{
  g_task_return_pointer (task, g_strdup ("result"), test_result_free);
}
