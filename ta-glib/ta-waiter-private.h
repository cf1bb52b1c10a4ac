/* ta-waiter-private.h: asynchronous waits completed in the caller's context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ta-monitor-private.h"

G_BEGIN_DECLS

/*
 * A TaWaiter is one pending `_async` wait on an object that other threads
 * complete. It wraps the GTask of the wait: that GTask was created in the
 * caller's thread-default context, so returning on it from any thread
 * completes the wait back in that context, never inline.
 *
 * The waiter is linked into a GQueue owned by the object and guarded by the
 * object's TaMonitor. Whoever unlinks it (the object, because the awaited
 * state arrived, or the cancellation, which is dispatched in the waiter's
 * own context) owns the completion: exactly one side returns on the GTask.
 * The object side returns on the task after unlocking, then calls
 * ta_waiter_release().
 */
typedef struct _TaWaiter TaWaiter;

struct _TaWaiter
{
  GList       link;        /* data == self; in the owner's queue */
  gatomicrefcount ref_count;
  GTask      *task;        /* the wait's task */
  GSource    *cancel_source;
  TaMonitor  *monitor;     /* the owner's */
  GQueue     *queue;       /* the owner's, guarded by monitor */
  GObject    *owner;       /* strong: keeps monitor and queue alive */
  gboolean    linked;      /* guarded by monitor */
  gpointer    data;        /* free for the owner's use, guarded by monitor */
};

TaWaiter *ta_waiter_new_locked    (GObject   *owner,
                                   TaMonitor *monitor,
                                   GQueue    *queue,
                                   GTask     *task);
void      ta_waiter_unlink_locked (TaWaiter  *self);
void      ta_waiter_unref         (TaWaiter  *self);
void      ta_waiter_release       (TaWaiter  *self);

/* Unlinks every waiter of @queue (monitor held) into a plain GList of
 * waiters that the caller completes after unlocking. */
GList    *ta_waiter_steal_all_locked (GQueue *queue);

G_END_DECLS
