/* test-monitor.c: the monitor every blocking wait goes through (the spin
 * before it sleeps is in test-spin.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#define _GNU_SOURCE
#include <sched.h>

#include "test-common.h"
#include "ta-spin-private.h"

/* A monitor with the state it guards, on the heap, as in a real object. */
typedef struct
{
  TaMonitor monitor;
  guint     generation;  /* guarded by monitor */
  guint     turn;        /* guarded by monitor */
  gboolean  done;        /* guarded by monitor */
  TestGate  waiting;     /* a thread holds the lock, about to wait */
  TestGate  woken;       /* a thread saw its predicate */
} Guarded;

static Guarded *
guarded_new (void)
{
  Guarded *g = g_new0 (Guarded, 1);

  ta_monitor_init (&g->monitor);
  test_gate_init (&g->waiting);
  test_gate_init (&g->woken);

  return g;
}

static void
guarded_free (Guarded *g)
{
  ta_monitor_clear (&g->monitor);
  test_gate_clear (&g->waiting);
  test_gate_clear (&g->woken);
  g_free (g);
}

/* Waits until @n threads sleep on the monitor (not merely spin). */
static void
guarded_wait_sleepers (Guarded *g,
                       guint    n)
{
  gint64 end_time = g_get_monotonic_time () + TEST_HANG_US;
  guint n_sleepers;

  do
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end_time);
      g_thread_yield ();
      ta_monitor_lock (&g->monitor);
      n_sleepers = g->monitor.n_sleepers;
      ta_monitor_unlock (&g->monitor);
    }
  while (n_sleepers < n);
}

/* Publishes a change the way ta-glib does: under the lock, broadcast. */
static void
guarded_set_done (Guarded *g)
{
  ta_monitor_lock (&g->monitor);
  g->done = TRUE;
  ta_monitor_broadcast (&g->monitor);
  ta_monitor_unlock (&g->monitor);
}

/* ---------------------------------------------------------------------- */
/* Waits                                                                   */
/* ---------------------------------------------------------------------- */

/* FALSE only once the end time has passed; at once for one in the past. */
static void
test_monitor_wait_times_out_at_end_time (void)
{
  Guarded *g = guarded_new ();
  gint64 end_time;

  ta_monitor_lock (&g->monitor);
  g_assert_false (ta_monitor_wait_until (&g->monitor, g_get_monotonic_time () - 1));

  end_time = g_get_monotonic_time () + 20 * 1000;
  while (ta_monitor_wait_until (&g->monitor, end_time))
    g_assert_false (g->done);
  g_assert_cmpint (g_get_monotonic_time (), >=, end_time);
  g_assert_cmpuint (g->monitor.n_sleepers, ==, 0);
  ta_monitor_unlock (&g->monitor);

  guarded_free (g);
}

/* A broadcast is not remembered: a change made before anybody waits is
 * found through the predicate, and a broadcast with nobody asleep leaves
 * no wake-up to do at unlock. */
static void
test_monitor_change_before_wait_is_found_by_predicate (void)
{
  Guarded *g = guarded_new ();
  gint seq = g_atomic_int_get (&g->monitor.seq);

  ta_monitor_lock (&g->monitor);
  g->done = TRUE;
  ta_monitor_broadcast (&g->monitor);
  g_assert_false (g->monitor.wake_pending);
  ta_monitor_unlock (&g->monitor);
  g_assert_cmpint (g_atomic_int_get (&g->monitor.seq), !=, seq);

  ta_monitor_lock (&g->monitor);
  while (!g->done)
    g_assert_true (ta_monitor_wait_until (&g->monitor, g_get_monotonic_time () + TEST_HANG_US));
  ta_monitor_unlock (&g->monitor);

  guarded_free (g);
}

#define N_WAITERS 6

typedef struct
{
  Guarded *g;
  guint    id;
} Waiter;

/* Waits for the generation to change, without a deadline. */
static gpointer
wait_generation_thread (gpointer data)
{
  Waiter *w = data;
  Guarded *g = w->g;
  guint generation;

  ta_monitor_lock (&g->monitor);
  generation = g->generation;
  test_gate_open (&g->waiting);
  while (g->generation == generation)
    g_assert_true (ta_monitor_wait_until (&g->monitor, -1));
  ta_monitor_unlock (&g->monitor);
  test_gate_open (&g->woken);

  return NULL;
}

/* Waits for its own turn. */
static gpointer
wait_turn_thread (gpointer data)
{
  Waiter *w = data;
  Guarded *g = w->g;

  ta_monitor_lock (&g->monitor);
  test_gate_open (&g->waiting);
  while (g->turn != w->id)
    g_assert_true (ta_monitor_wait_until (&g->monitor, g_get_monotonic_time () + TEST_HANG_US));
  ta_monitor_unlock (&g->monitor);
  test_gate_open (&g->woken);

  return NULL;
}

static void
start_waiters (Guarded    *g,
               Waiter     *waiters,
               GThread   **threads,
               GThreadFunc func)
{
  for (guint i = 0; i < N_WAITERS; i++)
    {
      waiters[i] = (Waiter) { g, i + 1 };
      threads[i] = g_thread_new ("waiter", func, &waiters[i]);
    }
  g_assert_true (test_gate_wait_count (&g->waiting, N_WAITERS, TEST_HANG_US));
}

/* One broadcast wakes every thread that waits, asleep or spinning. */
static void
test_monitor_broadcast_wakes_every_waiter (void)
{
  Guarded *g = guarded_new ();
  Waiter waiters[N_WAITERS];
  GThread *threads[N_WAITERS];

  start_waiters (g, waiters, threads, wait_generation_thread);

  ta_monitor_lock (&g->monitor);
  g->generation++;
  ta_monitor_broadcast (&g->monitor);
  ta_monitor_unlock (&g->monitor);

  g_assert_true (test_gate_wait_count (&g->woken, N_WAITERS, TEST_HANG_US));
  for (guint i = 0; i < N_WAITERS; i++)
    g_thread_join (threads[i]);
  g_assert_cmpuint (g->monitor.n_sleepers, ==, 0);

  guarded_free (g);
}

/* Waking all leaves each waiter to its predicate: only the one whose turn
 * came goes on, the others wait again. */
static void
test_monitor_only_the_waiter_whose_turn_came_goes_on (void)
{
  Guarded *g = guarded_new ();
  Waiter waiters[N_WAITERS];
  GThread *threads[N_WAITERS];

  start_waiters (g, waiters, threads, wait_turn_thread);

  for (guint turn = 1; turn <= N_WAITERS; turn++)
    {
      ta_monitor_lock (&g->monitor);
      g->turn = turn;
      ta_monitor_broadcast (&g->monitor);
      ta_monitor_unlock (&g->monitor);

      g_thread_join (threads[turn - 1]);
      g_assert_cmpuint (test_gate_get_count (&g->woken), ==, turn);
    }

  guarded_free (g);
}

/* A thread that publishes a change and then waits itself wakes the
 * sleepers of its change before it sleeps. */
typedef struct
{
  Guarded *g;
  gboolean answered;   /* guarded by g->monitor */
} Exchange;

static gpointer
answer_when_done_thread (gpointer data)
{
  Exchange *x = data;

  ta_monitor_lock (&x->g->monitor);
  while (!x->g->done)
    g_assert_true (ta_monitor_wait_until (&x->g->monitor, -1));
  x->answered = TRUE;
  ta_monitor_broadcast (&x->g->monitor);
  ta_monitor_unlock (&x->g->monitor);

  return NULL;
}

static void
test_monitor_publisher_that_waits_wakes_its_sleepers_first (void)
{
  Exchange x = { guarded_new (), FALSE };
  GThread *thread = g_thread_new ("answer", answer_when_done_thread, &x);

  guarded_wait_sleepers (x.g, 1);

  ta_monitor_lock (&x.g->monitor);
  x.g->done = TRUE;
  ta_monitor_broadcast (&x.g->monitor);
  /* (A spurious wake-up may have it spinning again.) */
  if (x.g->monitor.n_sleepers > 0)
    g_assert_true (x.g->monitor.wake_pending);
  while (!x.answered)
    g_assert_true (ta_monitor_wait_until (&x.g->monitor, g_get_monotonic_time () + TEST_HANG_US));
  ta_monitor_unlock (&x.g->monitor);

  g_thread_join (thread);
  guarded_free (x.g);
}

/* A woken thread may free the monitor as soon as it sees the change, while
 * its waker is still waking it. */
static gpointer
set_done_when_asleep_thread (gpointer data)
{
  Guarded *g = data;

  guarded_wait_sleepers (g, 1);
  guarded_set_done (g);

  return NULL;
}

static void
test_monitor_can_be_freed_by_the_thread_it_woke (void)
{
  for (guint i = 0; i < 200; i++)
    {
      Guarded *g = guarded_new ();
      GThread *thread = g_thread_new ("waker", set_done_when_asleep_thread, g);

      ta_monitor_lock (&g->monitor);
      while (!g->done)
        g_assert_true (ta_monitor_wait_until (&g->monitor, g_get_monotonic_time () + TEST_HANG_US));
      ta_monitor_unlock (&g->monitor);
      guarded_free (g);

      g_thread_join (thread);
    }
}

/* ---------------------------------------------------------------------- */
/* Locks and timeouts                                                      */
/* ---------------------------------------------------------------------- */

#define N_LOCKERS    4
#define N_INCREMENTS 50000

typedef struct
{
  GMutex mutex;
  guint  count;   /* guarded by mutex */
} Counter;

static gpointer
increment_thread (gpointer data)
{
  Counter *c = data;

  for (guint i = 0; i < N_INCREMENTS; i++)
    {
      ta_mutex_lock (&c->mutex);
      c->count++;
      ta_mutex_unlock (&c->mutex);
    }

  return NULL;
}

static void
test_monitor_mutex_excludes_contending_threads (void)
{
  Counter c = { .count = 0 };
  GThread *threads[N_LOCKERS];

  g_mutex_init (&c.mutex);
  for (guint i = 0; i < N_LOCKERS; i++)
    threads[i] = g_thread_new ("locker", increment_thread, &c);
  for (guint i = 0; i < N_LOCKERS; i++)
    g_thread_join (threads[i]);
  g_assert_cmpuint (c.count, ==, N_LOCKERS * N_INCREMENTS);
  g_mutex_clear (&c.mutex);
}

static void
test_monitor_end_time_from_timeout (void)
{
  gint64 before, end_time, after;

  g_assert_cmpint (ta_end_time_from_timeout (TA_TIMEOUT_INFINITE), ==, -1);
  g_assert_cmpint (ta_end_time_from_timeout (-5), ==, -1);
  /* Too far to represent: never. */
  g_assert_cmpint (ta_end_time_from_timeout (G_MAXINT64), ==, -1);
  g_assert_cmpint (ta_end_time_from_timeout (G_MAXINT64 - 1), ==, -1);

  before = g_get_monotonic_time ();
  end_time = ta_end_time_from_timeout (1000);
  after = g_get_monotonic_time ();
  g_assert_cmpint (end_time, >=, before + 1000);
  g_assert_cmpint (end_time, <=, after + 1000);

  before = g_get_monotonic_time ();
  end_time = ta_end_time_from_timeout (0);
  g_assert_cmpint (end_time, >=, before);
}

static void
test_monitor_formats_timeouts (void)
{
  static const struct {
    gint64      timeout_us;
    const char *text;
  } cases[] = {
    { -1, "an infinite time" },
    { 0, "0 µs" },
    { 999, "999 µs" },
    { 1000, "1 ms" },
    { 250 * 1000, "250 ms" },
    { G_USEC_PER_SEC, "1 s" },
    { 1500 * 1000, "1.5 s" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = ta_format_timeout (cases[i].timeout_us);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

/* TA_SPIN=0 turns spinning off for the whole process. */
static void
test_spin_disabled_by_environment (void)
{
  if (g_test_subprocess ())
    {
      Guarded *g = guarded_new ();

      g_setenv ("TA_SPIN", "0", TRUE);
      g_assert_false (ta_spin_allowed ());

      /* Waits still work: they sleep at once. */
      ta_monitor_lock (&g->monitor);
      g_assert_false (ta_monitor_wait_until (&g->monitor, g_get_monotonic_time () + 1000));
      ta_monitor_unlock (&g->monitor);
      guarded_free (g);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/ta/monitor/wait-times-out-at-end-time", test_monitor_wait_times_out_at_end_time);
  g_test_add_func ("/ta/monitor/change-before-wait-is-found-by-predicate",
                   test_monitor_change_before_wait_is_found_by_predicate);
  g_test_add_func ("/ta/monitor/broadcast-wakes-every-waiter", test_monitor_broadcast_wakes_every_waiter);
  g_test_add_func ("/ta/monitor/only-the-waiter-whose-turn-came-goes-on",
                   test_monitor_only_the_waiter_whose_turn_came_goes_on);
  g_test_add_func ("/ta/monitor/publisher-that-waits-wakes-its-sleepers-first",
                   test_monitor_publisher_that_waits_wakes_its_sleepers_first);
  g_test_add_func ("/ta/monitor/can-be-freed-by-the-thread-it-woke",
                   test_monitor_can_be_freed_by_the_thread_it_woke);
  g_test_add_func ("/ta/monitor/mutex-excludes-contending-threads",
                   test_monitor_mutex_excludes_contending_threads);
  g_test_add_func ("/ta/monitor/end-time-from-timeout", test_monitor_end_time_from_timeout);
  g_test_add_func ("/ta/monitor/formats-timeouts", test_monitor_formats_timeouts);
  g_test_add_func ("/ta/spin/disabled-by-environment", test_spin_disabled_by_environment);

  return g_test_run ();
}
