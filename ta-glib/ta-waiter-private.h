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
 *
 * A blocked thread can wait in the same queue, so that both kinds are
 * served in arrival order: its waiter lives on its stack, has no task, and
 * is answered by setting done (and data) under the monitor and
 * broadcasting.
 */
typedef struct _TaWaiter TaWaiter;

/* Called, unlocked, after a cancellation unlinked the waiter and before
 * the wait fails: the owner releases what the waiter carried. */
typedef void (*TaWaiterCancelledFunc) (TaWaiter *waiter);

struct _TaWaiter
{
  GList       link;        /* data == self; in the owner's queue */
  gatomicrefcount ref_count;
  GTask      *task;        /* the wait's task; NULL for a blocked thread */
  GSource    *cancel_source;
  GMainContext *context;   /* strong: alive while the watch is handled */
  TaMonitor  *monitor;     /* the owner's */
  GQueue     *queue;       /* the owner's, guarded by monitor */
  GObject    *owner;       /* strong: keeps monitor and queue alive */
  TaWaiterCancelledFunc cancelled;
  gboolean    linked;      /* guarded by monitor */
  gboolean    done;        /* guarded by monitor: a blocked thread's answer */
  gboolean    closed;      /* guarded by monitor: ... and how it ended */
  gpointer    data;        /* free for the owner's use, guarded by monitor */

  /* A wait started in a runner's context is known to the runner, which
   * detaches it if its context will never run again. */
  struct _TaRunnerCore *core;  /* strong, or NULL */
  GList       core_link;   /* data == self; in core->waiters, strong */
  gboolean    registered;  /* guarded by core->waiters_mutex */
};

TaWaiter *ta_waiter_new_locked    (GObject   *owner,
                                   TaMonitor *monitor,
                                   GQueue    *queue,
                                   GTask     *task);
void      ta_waiter_init_blocking_locked (TaWaiter  *self,
                                          TaMonitor *monitor,
                                          GQueue    *queue);
void      ta_waiter_unlink_locked (TaWaiter  *self);
void      ta_waiter_unref         (TaWaiter  *self);
void      ta_waiter_release       (TaWaiter  *self);

/*
 * Returning on a GTask from a thread that does not own its context is
 * allowed by GLib, but then the GTask is touched by two threads. ta-glib
 * never does it: these post the return to the task's context as a named
 * source, so each GTask lives on one thread, and return directly when the
 * caller owns that context. They take the caller's reference to @task, so
 * that its last one is dropped in its context too. Any thread, no lock
 * held.
 */
void      ta_task_return_boolean_in_context (GTask          *task,
                                             gboolean        result);
void      ta_task_return_pointer_in_context (GTask          *task,
                                             gpointer        result,
                                             GDestroyNotify  result_destroy);
void      ta_task_return_error_in_context   (GTask          *task,
                                             GError         *error);

/* Runs @func on @task in the task's context, for work that must happen
 * there before it returns (collecting a batch, say); @data_destroy frees
 * @data if the context never runs it. */
typedef void (*TaTaskCallFunc) (GTask    *task,
                                gpointer  data);

void      ta_task_call_in_context           (GTask          *task,
                                             TaTaskCallFunc  func,
                                             gpointer        data,
                                             GDestroyNotify  data_destroy);

/*
 * Completes an asynchronous waiter that the caller unlinked, consuming the
 * caller's reference: the waiter is released first, then the return is
 * posted. The posted return holds the GTask, and so the context, until
 * that context's thread has run it: the context is not finalized here, on
 * a foreign thread, when its own thread has just let go of it.
 */
void      ta_waiter_complete_boolean (TaWaiter       *self,
                                      gboolean        result);
void      ta_waiter_complete_pointer (TaWaiter       *self,
                                      gpointer        result,
                                      GDestroyNotify  result_destroy);
void      ta_waiter_complete_error   (TaWaiter       *self,
                                      GError         *error);
void      ta_waiter_complete_call    (TaWaiter       *self,
                                      TaTaskCallFunc  func,
                                      gpointer        data,
                                      GDestroyNotify  data_destroy);

/* Unlinks the waiters of @core_links (linked through core_link, their
 * references taken over) that are still waiting, and drops them without
 * completing them: their context will never run again. A pending push's
 * item is freed. No lock held. */
void      ta_waiter_detach_list (GQueue *core_links);

/* Unlinks every waiter of @queue (monitor held) into a plain GList of
 * waiters that the caller completes after unlocking. */
GList    *ta_waiter_steal_all_locked (GQueue *queue);

G_END_DECLS
