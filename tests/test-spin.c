/* test-spin.c: how a waiting thread decides to spin
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The rules only, on one thread: no timing is asserted.
 */

#include "config.h"

#define _GNU_SOURCE

#ifdef HAVE_VALGRIND_VALGRIND_H
# include <valgrind/valgrind.h>
#endif

#include "test-common.h"
#include "test-cpu.h"
#include "ta-spin-private.h"

/* Whether spinning, and yielding, are on for the whole process: off with
 * TA_SPIN=0, under valgrind, and on a machine of one CPU. */
static gboolean
test_spin_on_for_process (void)
{
#ifdef RUNNING_ON_VALGRIND
  if (RUNNING_ON_VALGRIND)
    return FALSE;
#endif

  return g_strcmp0 (g_getenv ("TA_SPIN"), "0") != 0 && g_get_num_processors () > 1;
}

/* Nobody spins for a thread that last acted from the spinner's own CPU:
 * it could not act while the spinner holds that CPU. */
static void
test_spin_peer_on_this_cpu (void)
{
  TaSpinBudget budget = { 0, };
  cpu_set_t saved;
  gint cpu;

  if (!test_pin_here (&saved, &cpu))
    {
      g_test_skip ("the calling thread's CPU is unknown or cannot be kept");
      return;
    }

  /* Unknown, then elsewhere: spin. */
  g_assert_cmpint (ta_spin_budget_ns (&budget), >, 0);
  ta_spin_budget_set_peer (&budget, cpu + 1);
  g_assert_cmpint (ta_spin_budget_ns (&budget), >, 0);

  /* Here: no spin, whatever the budget learnt. */
  ta_spin_budget_set_peer (&budget, cpu);
  g_assert_cmpint (ta_spin_budget_ns (&budget), ==, 0);
  g_assert_cmpint (budget.budget_ns, >, 0);

  /* A wake-up from elsewhere, then one from here, say so too; a sleep
   * that let a waker on the same CPU run teaches no longer spins. */
  ta_spin_budget_feedback (&budget, FALSE);
  ta_spin_budget_observe (&budget, 1000, cpu, cpu + 1);
  g_assert_cmpint (ta_spin_budget_ns (&budget), >=, 2000);
  for (guint i = 0; i < 64; i++)
    ta_spin_budget_feedback (&budget, FALSE);
  ta_spin_budget_observe (&budget, 10000, cpu, cpu);
  g_assert_cmpint (ta_spin_budget_ns (&budget), ==, 0);
  g_assert_cmpint (budget.budget_ns, ==, TA_SPIN_MIN_NS);

  /* Unknown again: spin. */
  ta_spin_budget_set_peer (&budget, -1);
  g_assert_cmpint (ta_spin_budget_ns (&budget), ==, TA_SPIN_MIN_NS);

  test_unpin (&saved);
}

/* A thread that would not spin because the other side last acted from
 * its own CPU yields that CPU once instead, unless yields have not paid
 * lately: each one in a row that brought no news makes it skip twice as
 * many of its next chances, up to a ceiling; one that paid ends that. */
static void
test_spin_yield_for_peer_on_this_cpu (void)
{
  TaSpinBudget budget = { 0, };
  cpu_set_t saved;
  guint expected_skip = 1;
  gint cpu;

  if (!test_pin_here (&saved, &cpu))
    {
      g_test_skip ("the calling thread's CPU is unknown or cannot be kept");
      return;
    }

  /* Unknown, or elsewhere: spin rather than yield. */
  g_assert_false (ta_spin_budget_yield_first (&budget));
  ta_spin_budget_set_peer (&budget, cpu + 1);
  g_assert_false (ta_spin_budget_yield_first (&budget));

  ta_spin_budget_set_peer (&budget, cpu);
  g_assert_true (ta_spin_budget_yield_first (&budget));
  g_assert_true (ta_spin_budget_yield_first (&budget));

  /* Misses in a row: 1, 2, 4 ... chances skipped, then the ceiling. */
  for (guint miss = 0; miss < 10; miss++)
    {
      ta_spin_budget_yield_feedback (&budget, FALSE);
      for (guint i = 0; i < expected_skip; i++)
        g_assert_false (ta_spin_budget_yield_first (&budget));
      g_assert_true (ta_spin_budget_yield_first (&budget));
      expected_skip = MIN (expected_skip * 2, TA_SPIN_YIELD_MAX_SKIP);
    }
  g_assert_cmpuint (expected_skip, ==, TA_SPIN_YIELD_MAX_SKIP);

  /* A chance where the peer is elsewhere is no chance to yield: it does
   * not count as skipped. */
  ta_spin_budget_yield_feedback (&budget, FALSE);
  ta_spin_budget_set_peer (&budget, cpu + 1);
  for (guint i = 0; i < 2 * TA_SPIN_YIELD_MAX_SKIP; i++)
    g_assert_false (ta_spin_budget_yield_first (&budget));
  ta_spin_budget_set_peer (&budget, cpu);
  g_assert_false (ta_spin_budget_yield_first (&budget));

  /* A yield that paid: the next chance is taken, and a miss after it
   * skips one chance again. */
  ta_spin_budget_yield_feedback (&budget, TRUE);
  g_assert_true (ta_spin_budget_yield_first (&budget));
  ta_spin_budget_yield_feedback (&budget, FALSE);
  g_assert_false (ta_spin_budget_yield_first (&budget));
  g_assert_true (ta_spin_budget_yield_first (&budget));

  test_unpin (&saved);
}

/* Every broadcast, with sleepers or not, records where it came from. */
static void
test_spin_monitor_records_waker (void)
{
  TaMonitor monitor;
  cpu_set_t saved;
  gint cpu;

  if (!test_pin_here (&saved, &cpu))
    {
      g_test_skip ("the calling thread's CPU is unknown or cannot be kept");
      return;
    }

  ta_monitor_init (&monitor);
  ta_monitor_lock (&monitor);
  g_assert_cmpint (monitor.waker_cpu, ==, -1);
  ta_monitor_broadcast (&monitor);
  g_assert_cmpint (monitor.waker_cpu, ==, cpu);
  ta_monitor_unlock (&monitor);
  ta_monitor_clear (&monitor);

  test_unpin (&saved);
}


/* A budget starts at the ceiling, halves after each spin that did not pay
 * down to the floor, and doubles after each that did up to the ceiling. */
static void
test_spin_budget_adapts_between_floor_and_ceiling (void)
{
  TaSpinBudget budget = { 0 };
  gint64 previous;

  g_assert_cmpint (ta_spin_budget_ns (&budget), ==, TA_SPIN_MAX_NS);

  do
    {
      previous = ta_spin_budget_ns (&budget);
      ta_spin_budget_feedback (&budget, FALSE);
      g_assert_cmpint (ta_spin_budget_ns (&budget), ==, MAX (previous / 2, TA_SPIN_MIN_NS));
    }
  while (previous > TA_SPIN_MIN_NS);
  g_assert_cmpint (ta_spin_budget_ns (&budget), ==, TA_SPIN_MIN_NS);

  do
    {
      previous = ta_spin_budget_ns (&budget);
      ta_spin_budget_feedback (&budget, TRUE);
      g_assert_cmpint (ta_spin_budget_ns (&budget), ==, MIN (previous * 2, TA_SPIN_MAX_NS));
    }
  while (previous < TA_SPIN_MAX_NS);
  g_assert_cmpint (ta_spin_budget_ns (&budget), ==, TA_SPIN_MAX_NS);
}

/* A short sleep that a longer spin would have avoided raises the budget to
 * twice the sleep; not when sleeper and waker shared a CPU, nor for a
 * sleep longer than any spin. */
static void
test_spin_budget_learns_from_short_sleeps (void)
{
  TaSpinBudget budget = { TA_SPIN_MIN_NS };

  ta_spin_budget_observe (&budget, 1000, 0, 1);
  g_assert_cmpint (budget.budget_ns, ==, 2000);

  ta_spin_budget_observe (&budget, 5000, 3, 3);
  g_assert_cmpint (budget.budget_ns, ==, 2000);

  ta_spin_budget_observe (&budget, TA_SPIN_MAX_NS, 0, 1);
  g_assert_cmpint (budget.budget_ns, ==, 2000);

  /* Unknown CPUs do not count as shared. */
  ta_spin_budget_observe (&budget, 3000, -1, -1);
  g_assert_cmpint (budget.budget_ns, ==, 6000);

  ta_spin_budget_observe (&budget, TA_SPIN_MAX_NS - 1, 0, 1);
  g_assert_cmpint (budget.budget_ns, ==, TA_SPIN_MAX_NS);

  /* Never lowered by a short sleep. */
  ta_spin_budget_observe (&budget, 10, 0, 1);
  g_assert_cmpint (budget.budget_ns, ==, TA_SPIN_MAX_NS);
}

/* A thread that may only run on one CPU never spins: the thread it waits
 * for would need that very CPU. It may yield that CPU to it; a thread
 * that may run on several does not. */
static gpointer
pinned_thread (gpointer data)
{
  cpu_set_t set;

  CPU_ZERO (&set);
  CPU_SET (MAX (ta_spin_current_cpu (), 0), &set);
  g_assert_cmpint (sched_setaffinity (0, sizeof set, &set), ==, 0);
  g_assert_false (ta_spin_allowed ());
  /* Yielding needs no other CPU. */
  g_assert_cmpint (ta_spin_yield_allowed (), ==, test_spin_on_for_process ());

  return NULL;
}

static void
test_spin_not_allowed_on_one_cpu (void)
{
  cpu_set_t set;

  g_thread_join (g_thread_new ("pinned", pinned_thread, NULL));

  /* A thread that may run on several CPUs does not yield. */
  CPU_ZERO (&set);
  g_assert_cmpint (sched_getaffinity (0, sizeof set, &set), ==, 0);
  if (CPU_COUNT (&set) > 1)
    g_assert_false (ta_spin_yield_allowed ());
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/ta/spin/budget-adapts-between-floor-and-ceiling",
                   test_spin_budget_adapts_between_floor_and_ceiling);
  g_test_add_func ("/ta/spin/budget-learns-from-short-sleeps", test_spin_budget_learns_from_short_sleeps);
  g_test_add_func ("/ta/spin/not-allowed-on-one-cpu", test_spin_not_allowed_on_one_cpu);
  g_test_add_func ("/ta/spin/peer-on-this-cpu", test_spin_peer_on_this_cpu);
  g_test_add_func ("/ta/spin/yield-for-peer-on-this-cpu", test_spin_yield_for_peer_on_this_cpu);
  g_test_add_func ("/ta/spin/monitor-records-waker", test_spin_monitor_records_waker);

  return g_test_run ();
}
