/* loop-probe.h: how long a main loop goes without iterating
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 n_iterations;     /* dispatch phases measured */
  gint64  longest_us;       /* the most CPU time the thread spent in one */
  gint64  longest_wall_us;  /* the longest one by the wall clock */
} LoopProbeStats;

GSource *loop_probe_new   (void);
void     loop_probe_reset (GSource        *probe);
void     loop_probe_get   (GSource        *probe,
                           LoopProbeStats *stats);

G_END_DECLS
