/* ta-spin.c: spinning briefly before sleeping
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>

#ifdef HAVE_VALGRIND_VALGRIND_H
# include <valgrind/valgrind.h>
#endif

#include "ta-spin-private.h"

/* How often a thread looks at its CPU affinity again: it can change, as
 * when a program pins itself after it started. */
#define TA_SPIN_AFFINITY_RECHECK_US (100 * 1000)

enum {
  TA_SPIN_UNKNOWN,
  TA_SPIN_YES,
  TA_SPIN_NO,
};

static gboolean
ta_spin_globally_allowed (void)
{
  /* Racing first callers compute the same answer: no lock needed. */
  static gint state = TA_SPIN_UNKNOWN;
  gint current = g_atomic_int_get (&state);

  if (current == TA_SPIN_UNKNOWN)
    {
      const char *env = g_getenv ("TA_SPIN");
      gboolean allowed = env == NULL || g_strcmp0 (env, "0") != 0;

#ifdef RUNNING_ON_VALGRIND
      /* Valgrind runs one thread at a time: a spinner only delays the
       * thread it waits for. */
      if (RUNNING_ON_VALGRIND)
        allowed = FALSE;
#endif
      if (g_get_num_processors () < 2)
        allowed = FALSE;
      current = allowed ? TA_SPIN_YES : TA_SPIN_NO;
      g_atomic_int_set (&state, current);
    }

  return current == TA_SPIN_YES;
}

typedef struct
{
  gint64   checked_at;
  gboolean several_cpus;
} TaSpinAffinity;

static _Thread_local TaSpinAffinity thread_affinity;

/* Whether the calling thread may run on more than one CPU. */
static gboolean
ta_spin_thread_has_several_cpus (void)
{
  TaSpinAffinity *affinity = &thread_affinity;
  gint64 now;

  now = g_get_monotonic_time ();
  if (affinity->checked_at == 0 ||
      now - affinity->checked_at > TA_SPIN_AFFINITY_RECHECK_US)
    {
      cpu_set_t set;

      CPU_ZERO (&set);
      affinity->several_cpus = sched_getaffinity (0, sizeof set, &set) != 0 ||
                               CPU_COUNT (&set) > 1;
      affinity->checked_at = now;
    }

  return affinity->several_cpus;
}

/*
 * ta_spin_allowed:
 *
 * Whether the calling thread should spin before it sleeps.
 */
gboolean
ta_spin_allowed (void)
{
  return ta_spin_globally_allowed () && ta_spin_thread_has_several_cpus ();
}

/* The CPU the calling thread runs on, or -1 if unknown. */
gint
ta_spin_current_cpu (void)
{
#ifdef HAVE_SCHED_GETCPU
  return sched_getcpu ();
#else
  return -1;
#endif
}

/* Whether the other side last acted from the CPU the calling thread runs
 * on. */
static gboolean
ta_spin_budget_peer_here (TaSpinBudget *budget)
{
  return budget->peer_cpu > 0 && budget->peer_cpu - 1 == ta_spin_current_cpu ();
}

/* How long to spin this time: 0 when the other side last acted from this
 * very CPU, where it could not act while we spin. */
gint64
ta_spin_budget_ns (TaSpinBudget *budget)
{
  if (budget->budget_ns == 0)
    budget->budget_ns = TA_SPIN_MAX_NS;

  if (ta_spin_budget_peer_here (budget))
    return 0;

  return budget->budget_ns;
}

/* Learns where the other side acted from (-1: unknown), as a wake-up or a
 * spin that paid off tells. */
void
ta_spin_budget_set_peer (TaSpinBudget *budget,
                         gint          peer_cpu)
{
  budget->peer_cpu = peer_cpu >= 0 ? peer_cpu + 1 : 0;
}

/*
 * Learns from a sleep that ended with the news waited for: had the thread
 * spun that long, it would not have slept (nor made its waker's wake-up
 * a system call). Without this, two threads that wait on each other in
 * turn could both settle at the shortest spin, each sleeping because the
 * other one slept. Unless the waker ran on the CPU the sleeper had left:
 * then the two share a CPU, the sleep is what let the waker run, and a
 * longer spin would only have delayed it.
 */
void
ta_spin_budget_observe (TaSpinBudget *budget,
                        gint64        slept_ns,
                        gint          sleeper_cpu,
                        gint          waker_cpu)
{
  ta_spin_budget_set_peer (budget, waker_cpu);
  if (sleeper_cpu >= 0 && sleeper_cpu == waker_cpu)
    return;

  if (slept_ns < TA_SPIN_MAX_NS)
    budget->budget_ns = MIN (MAX (budget->budget_ns, 2 * slept_ns), TA_SPIN_MAX_NS);
}

/* Learns from a spin: more next time if it paid off, less if not. */
void
ta_spin_budget_feedback (TaSpinBudget *budget,
                         gboolean      paid_off)
{
  if (paid_off)
    budget->budget_ns = MIN (budget->budget_ns * 2, TA_SPIN_MAX_NS);
  else
    budget->budget_ns = MAX (budget->budget_ns / 2, TA_SPIN_MIN_NS);
}

/*
 * ta_spin_yield_allowed:
 *
 * Whether the calling thread may give its CPU away before it sleeps (see
 * ta_spin_budget_yield_first()): only when it may run on one CPU alone,
 * where it never spins. A thread that may run on several would, by
 * staying runnable where it used to sleep, lead the scheduler to move one
 * side of the hand-off to another CPU: a hand-off between two CPUs that
 * other processes keep busy costs a wake-up across CPUs each way, and a
 * Python queue ping-pong ran at half its pace so. Off where spinning is
 * off for the whole process.
 */
gboolean
ta_spin_yield_allowed (void)
{
  return ta_spin_globally_allowed () && !ta_spin_thread_has_several_cpus ();
}

/* Gives the calling thread's CPU to another thread ready to run there, if
 * any. */
void
ta_spin_yield (void)
{
  sched_yield ();
}

/*
 * Whether to yield the CPU once before sleeping, where yielding is allowed:
 * when the other side last acted from this very CPU. Not after yields that
 * did not pay, for a while: see ta_spin_budget_yield_feedback().
 */
gboolean
ta_spin_budget_yield_first (TaSpinBudget *budget)
{
  if (!ta_spin_budget_peer_here (budget))
    return FALSE;

  if (budget->yield_skip > 0)
    {
      budget->yield_skip--;
      return FALSE;
    }

  return TRUE;
}

/* Learns from a yield: one that brought no news makes the thread skip its
 * next chances to yield, twice as many after each such yield in a row. */
void
ta_spin_budget_yield_feedback (TaSpinBudget *budget,
                               gboolean      paid_off)
{
  if (paid_off)
    {
      budget->yield_misses = 0;
      budget->yield_skip = 0;
    }
  else
    {
      budget->yield_skip = MIN (1u << budget->yield_misses, TA_SPIN_YIELD_MAX_SKIP);
      if (budget->yield_skip < TA_SPIN_YIELD_MAX_SKIP)
        budget->yield_misses++;
    }
}
