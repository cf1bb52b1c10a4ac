/* test-cpu.h: keeping a test's thread on one CPU
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Include after defining _GNU_SOURCE, before any system header.
 */

#pragma once

#include <sched.h>

#include "ta-spin-private.h"

/* Keeps the calling thread on the CPU it runs on, so that "this CPU"
 * stays the same through a test; restored by test_unpin(). */
static inline gboolean
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

static inline void
test_unpin (cpu_set_t *saved)
{
  g_assert_cmpint (sched_setaffinity (0, sizeof *saved, saved), ==, 0);
}
