/* ta-stall-private.h: how a watchdog fills a stall report
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ta-stall.h"

G_BEGIN_DECLS

struct _TaStall
{
  gatomicrefcount ref_count;
  guint           number;       /* 1 for the first stall of a watchdog */
  char           *what;         /* what was running */
  gint64          duration;     /* µs, so far or in total */
  gboolean        over;
  char           *thread_name;  /* nullable */
  guint64         thread_id;    /* the pthread_t, as Python's get_ident() */
  char           *stack;        /* nullable */
};

TaStall *ta_stall_new (guint        number,
                       const char  *what,
                       gint64       duration,
                       gboolean     over,
                       const char  *thread_name,
                       guint64      thread_id,
                       const char  *stack);

G_END_DECLS
