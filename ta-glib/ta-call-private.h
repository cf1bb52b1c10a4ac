/* ta-call-private.h: functions and markers run on a runner
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ta-runner-private.h"

G_BEGIN_DECLS

typedef enum {
  TA_CALL_QUEUED,
  TA_CALL_RUNNING,
  TA_CALL_DONE,
  TA_CALL_GIVEN_UP,    /* the caller timed out before it started */
  TA_CALL_DISCARDED,   /* the runner stopped before it started */
  TA_CALL_ABANDONED,   /* the runner was abandoned while it ran */
} TaCallState;

/* A function to run on the runner, waited on or not. A call without a
 * function is a marker: it only proves that the loop iterated. */
typedef struct
{
  TaWorkItem       item;
  gatomicrefcount  ref_count;
  TaRunnerCore    *core;          /* borrowed: alive while queued */
  TaRunnerFunc     func;
  gpointer         user_data;
  GDestroyNotify   user_data_destroy;
  const char      *what;          /* for reports */
  gboolean         waited;
  gboolean         for_idle;      /* immutable: a wait_idle() marker */
  gboolean         when_idle;     /* the same, until its idle runs; the
                                   * runner thread's once submitted */
  TaMonitor        monitor;       /* guards state */
  TaCallState      state;
} TaCall;

TaCall   *ta_call_new       (TaRunnerCore   *core,
                             TaRunnerFunc    func,
                             gpointer        user_data,
                             GDestroyNotify  user_data_destroy,
                             const char     *what,
                             gboolean        waited);
gboolean  ta_call_submit    (TaCall         *call,
                             gint64          timeout_us,
                             GError        **error);
void      ta_call_set_state (TaCall         *call,
                             TaCallState     state);
void      ta_call_unref     (TaCall         *call);

G_END_DECLS
