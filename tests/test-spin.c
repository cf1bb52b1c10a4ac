/* test-spin.c: how a waiting thread decides to spin
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The rules only, on one thread: no timing is asserted.
 */

#include "config.h"

#define _GNU_SOURCE
#include <sched.h>

#include "test-common.h"
#include "ta-spin-private.h"

/* Keeps the calling thread on the CPU it runs on, so that "this CPU"
 * stays the same through a test; restored by test_unpin(). */
static gboolean
test_pin_here (cpu_set_t *saved,
               gint      *cpu)
{
  cpu_set_t set;

  *cpu = ta_spin_current_cpu ();
  if (*cpu < 0 || sched_getaffinity (0, sizeof *saved, saved) != 0)
    return FALSE;
  CPU_ZERO (&set);
  CPU_SET (*cpu, &set);
  if (sched_setaffinity (0, sizeof set, &set) != 0)
    return FALSE;
  *cpu = ta_spin_current_cpu ();

  return TRUE;
}

static void
test_unpin (cpu_set_t *saved)
{
  g_assert_cmpint (sched_setaffinity (0, sizeof *saved, saved), ==, 0);
}

/* A spin that paid off doubles the next one, one that did not halves
 * it, within bounds. */
static void
test_spin_budget_adapts (void)
{
  TaSpinBudget budget = { 0, };

  g_assert_cmpint (ta_spin_budget_ns (&budget), ==, TA_SPIN_MAX_NS);
  for (guint i = 0; i < 64; i++)
    ta_spin_budget_feedback (&budget, FALSE);
  g_assert_cmpint (budget.budget_ns, ==, TA_SPIN_MIN_NS);
  ta_spin_budget_feedback (&budget, TRUE);
  g_assert_cmpint (budget.budget_ns, ==, 2 * TA_SPIN_MIN_NS);
  for (guint i = 0; i < 64; i++)
    ta_spin_budget_feedback (&budget, TRUE);
  g_assert_cmpint (budget.budget_ns, ==, TA_SPIN_MAX_NS);
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ta/spin/budget-adapts", test_spin_budget_adapts);
  g_test_add_func ("/ta/spin/peer-on-this-cpu", test_spin_peer_on_this_cpu);
  g_test_add_func ("/ta/spin/monitor-records-waker", test_spin_monitor_records_waker);

  return g_test_run ();
}
