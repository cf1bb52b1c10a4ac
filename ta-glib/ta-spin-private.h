/* ta-spin-private.h: spinning briefly before sleeping
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A thread about to sleep until another thread acts (a waiter blocked on a
 * result, a runner about to block in poll()) first spins for a while: if
 * the other thread acts meanwhile, the hand-off costs a fraction of a
 * microsecond instead of a sleep and a wake-up (tens of microseconds
 * between the CPUs of a virtual machine), and the other side skips its
 * wake-up system call too.
 *
 * Spinning is bounded and adaptive: a TaSpinBudget doubles after a spin
 * that paid off and halves after one that did not, between a floor and a
 * ceiling, so a thread whose waits are long stops spinning after a few.
 * Nobody spins when it cannot pay: when the calling thread may only run on
 * one CPU (the other side would need that very CPU), under valgrind, or
 * when TA_SPIN=0 is set in the environment.
 *
 * Nor when the other side last acted from the CPU the spinner is on: the
 * two share it (the scheduler put them together, other work keeping the
 * other CPUs busy), and the spin would only keep the other side from
 * running. Each wake-up tells the waiter where its waker ran, so this is
 * learnt again as soon as either thread moves.
 *
 * There, a thread may instead give its CPU away once before it sleeps
 * (ta_spin_budget_yield_first()): the other side, often just woken by the
 * very thread that now waits, runs at once and may send the news before
 * the sleep, and then neither the sleep nor the wake-up happens. Only a
 * thread that may run on one CPU alone yields, and not with TA_SPIN=0 nor
 * under valgrind (ta_spin_yield_allowed()). Yields learn too: after one
 * that brought no news, the next few chances to yield are skipped (1, 2,
 * 4 ... up to TA_SPIN_YIELD_MAX_SKIP), so a thread whose peer is seldom
 * ready soon yields only rarely.
 */

#define TA_SPIN_MIN_NS    250
#define TA_SPIN_MAX_NS  40000
#define TA_SPIN_YIELD_MAX_SKIP 64u

typedef struct
{
  gint64 budget_ns;   /* 0 until first used */
  gint   peer_cpu;    /* 1 + the CPU the other side last acted from, or 0 */
  guint  yield_skip;  /* chances to yield still to skip */
  guint  yield_misses;/* yields in a row that brought no news */
} TaSpinBudget;

gboolean ta_spin_allowed        (void);
gint64   ta_spin_budget_ns      (TaSpinBudget *budget);
void     ta_spin_budget_set_peer (TaSpinBudget *budget,
                                  gint          peer_cpu);
void     ta_spin_budget_feedback (TaSpinBudget *budget,
                                  gboolean      paid_off);
void     ta_spin_budget_observe  (TaSpinBudget *budget,
                                  gint64        slept_ns,
                                  gint          sleeper_cpu,
                                  gint          waker_cpu);
gboolean ta_spin_yield_allowed         (void);
void     ta_spin_yield                 (void);
gboolean ta_spin_budget_yield_first    (TaSpinBudget *budget);
void     ta_spin_budget_yield_feedback (TaSpinBudget *budget,
                                        gboolean      paid_off);
gint     ta_spin_current_cpu     (void);

static inline void
ta_cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__ ("yield" ::: "memory");
#else
  __asm__ __volatile__ ("" ::: "memory");
#endif
}

G_END_DECLS
