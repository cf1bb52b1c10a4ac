/* loop-probe.c: how long a main loop goes without iterating
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A GSource that is never ready and never dispatched: GLib calls its
 * check() when the loop wakes up from poll() and its prepare() when the
 * loop comes back to poll again. Between the two lies one dispatch phase,
 * the time the loop was held by the callbacks it ran: no frame could be
 * drawn and no input handled meanwhile. The probe has the highest
 * priority, so GLib prepares and checks it on every iteration, whatever
 * else is ready.
 *
 * Why not the frame clock? The gap between two ticks is at least one
 * refresh interval even on an idle loop, and the clock only ticks while
 * something animates, so it cannot tell a frame missed by 1 ms from one
 * missed by 15; the dispatch phase is what the application adds.
 *
 * Each block is measured twice: by the thread's CPU clock, the work the
 * application put on its main thread, and by the wall clock, which also
 * counts every moment the kernel gave the CPU to another process (the
 * display server, a compiler on a shared machine) or the thread waited
 * for one.
 *
 * The probe is made, attached and read on the thread that iterates its
 * context.
 */

#include <string.h>
#include <time.h>

#include "loop-probe.h"

typedef struct
{
  GSource        source;
  gboolean       awake;        /* check() ran, prepare() did not yet */
  gint64         woke_us;      /* the wall clock when check() ran */
  gint64         woke_cpu_us;  /* the thread's CPU clock then */
  LoopProbeStats stats;
} LoopProbe;

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean
loop_probe_prepare (GSource *source,
                    gint    *timeout)
{
  LoopProbe *self = (LoopProbe *) source;

  *timeout = -1;
  /* No check() since the last prepare(): GLib skipped the dispatch. */
  if (!self->awake)
    return FALSE;

  self->awake = FALSE;
  self->stats.n_iterations++;
  self->stats.longest_us = MAX (self->stats.longest_us, thread_cpu_us () - self->woke_cpu_us);
  self->stats.longest_wall_us = MAX (self->stats.longest_wall_us,
                                     g_get_monotonic_time () - self->woke_us);
  return FALSE;
}

static gboolean
loop_probe_check (GSource *source)
{
  LoopProbe *self = (LoopProbe *) source;

  self->awake = TRUE;
  self->woke_us = g_get_monotonic_time ();
  self->woke_cpu_us = thread_cpu_us ();
  return FALSE;
}

static GSourceFuncs loop_probe_funcs = {
  .prepare = loop_probe_prepare,
  .check = loop_probe_check,
};

/* A new probe, to attach to the context the calling thread iterates. */
GSource *
loop_probe_new (void)
{
  GSource *source = g_source_new (&loop_probe_funcs, sizeof (LoopProbe));

  g_source_set_static_name (source, "[scanner] loop probe");
  /* Before every other source, so that GLib always prepares and checks it. */
  g_source_set_priority (source, G_MININT);
  return source;
}

/* Forgets what was measured so far. */
void
loop_probe_reset (GSource *probe)
{
  memset (&((LoopProbe *) probe)->stats, 0, sizeof (LoopProbeStats));
}

void
loop_probe_get (GSource        *probe,
                LoopProbeStats *stats)
{
  *stats = ((LoopProbe *) probe)->stats;
}
