/* ta-ledger-private.h: the tasks a scheduler has in flight, and the errors
 * nobody retrieved
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>

#include "ta-monitor-private.h"

G_BEGIN_DECLS

typedef struct _TaTask TaTask;

/*
 * TaLedger is a scheduler's book of tasks: every task from its spawn to
 * its completion, so that a stop finds them all (even one racing with its
 * spawn), then, for a task that failed, until somebody retrieves its
 * error, so that a stop can report errors nobody saw. Each list holds a
 * strong reference on its tasks; a task is linked through its own
 * ledger_link, in one list at a time. Any thread.
 */
typedef struct
{
  GMutex    mutex;          /* guards the fields below, and the tasks'
                             * ledger_link and in_failed */
  GQueue    tasks;          /* in flight */
  GQueue    failed;         /* done, error not retrieved */
  gboolean  failed_closed;  /* the errors were collected: no more */
  gboolean  draining;       /* a stop waits for the last task */
} TaLedger;

void       ta_ledger_init             (TaLedger *self);
void       ta_ledger_clear            (TaLedger *self);
void       ta_ledger_add              (TaLedger *self,
                                       TaTask   *task);
gboolean   ta_ledger_task_done        (TaLedger *self,
                                       TaTask   *task,
                                       gboolean  failed,
                                       gboolean *drained,
                                       gboolean *release);
void       ta_ledger_task_retrieved   (TaLedger *self,
                                       TaTask   *task);
GPtrArray *ta_ledger_dup_tasks        (TaLedger *self);
gboolean   ta_ledger_start_drain      (TaLedger *self);
gboolean   ta_ledger_is_empty         (TaLedger *self);
guint      ta_ledger_count_tasks      (TaLedger *self);
GPtrArray *ta_ledger_take_unretrieved (TaLedger *self,
                                       GString  *report);

G_END_DECLS
