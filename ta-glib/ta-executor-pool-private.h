/* ta-executor-pool-private.h: the executor's pool of worker threads
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ta-executor.h"
#include "ta-queue.h"
#include "ta-scheduler-private.h"
#include "ta-task-private.h"

G_BEGIN_DECLS

/*
 * The pool: what the executor shares with its worker threads, which may
 * outlive it (a worker that never finishes its job is abandoned).
 */
typedef struct
{
  TaScheduler      scheduler;     /* first: the pool is a scheduler */
  gatomicrefcount  ref_count;
  char            *name;          /* immutable */
  guint            max_workers;   /* immutable */
  TaQueue         *jobs;          /* immutable: TaTask, or a tagged
                                   * TaInvocation, queued to start */
  GCancellable    *cancellable;   /* immutable: what invocations get,
                                   * cancelled by a cancelling shutdown */

  gint             n_idle;        /* atomic: workers waiting for a job */

  TaMonitor        monitor;       /* guards the fields below */
  guint            n_workers;
  GPtrArray       *threads;       /* GThread, to join */
  GPtrArray       *contexts;      /* GMainContext of live workers, to wake */
  gboolean         stopping;
  gboolean         stopped;
} TaPool;


/*
 * A job of ta_executor_invoke(): no handle, no GTask, no cancellable of
 * its own. It travels through the pool's queue like a task, its pointer
 * tagged (see ta_job_*()), runs on a worker, then is posted back to the
 * caller's context as one work item among the batch that context drains
 * at each wake.
 */
typedef struct
{
  TaWorkItem          item;       /* posted to the caller's context */
  TaExecutorFunc      func;
  gpointer            func_data;
  GDestroyNotify      func_data_destroy;
  TaExecutorDoneFunc  done;
  gpointer            done_data;
  GDestroyNotify      done_data_destroy;
  GMainContext       *context;    /* strong: the caller's thread-default */
  gpointer            result;     /* the worker's, then the done's */
  GError             *error;
  gboolean            refused;    /* the queue refused it: the caller's */
} TaInvocation;

/*
 * The queue holds two kinds of jobs: TaTask (a GObject) and TaInvocation,
 * whose pointer has its lowest bit set (both are allocated, so aligned).
 */
static inline gpointer
ta_job_from_invocation (TaInvocation *invocation)
{
  return (gpointer) ((guintptr) invocation | 1);
}

static inline TaInvocation *
ta_job_get_invocation (gpointer job)
{
  return ((guintptr) job & 1) != 0 ? (TaInvocation *) ((guintptr) job & ~(guintptr) 1) : NULL;
}

TaPool   *ta_pool_new                (const char   *name,
                                      guint         max_workers);
void      ta_pool_unref              (TaPool       *pool);
gboolean  ta_pool_is_worker_thread   (TaPool       *pool);
void      ta_pool_maybe_grow         (TaPool       *pool);
void      ta_pool_discard_job        (gpointer      data);
void      ta_pool_fail_outstanding   (TaPool       *pool,
                                      gboolean      cancel_only);
void      ta_invocation_item_func    (TaWorkItem   *item,
                                      gboolean      run);

G_END_DECLS
