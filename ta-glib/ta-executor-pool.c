/* ta-executor-pool.c: the executor's pool of worker threads
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * The pool is what a TaExecutor shares with its worker threads, which may
 * outlive it (a worker that never finishes its job is abandoned): the
 * queue of jobs, the workers, each iterating a GMainContext of its own
 * around the jobs it runs, and the pool's side of the scheduler interface
 * (ta-scheduler-private.h) for the jobs with a handle.
 */

#include "config.h"

#include "ta-context-private.h"
#include "ta-error.h"
#include "ta-executor-pool-private.h"
#include "ta-post-private.h"

/* A worker thread's own state. */
typedef struct
{
  TaPool       *pool;
  GMainContext *context;
  GPtrArray    *to_publish;       /* TaWorkItem: publications of tasks
                                   * whose GTask returned */
  GSource      *job_source;       /* runs the job's start */
  TaTask       *job;              /* the job to start, NULL once it did:
                                   * the queue's reference */
  gint          wakeup_fd;        /* the context's own descriptor */
} TaWorker;

typedef struct
{
  GSource   source;
  TaWorker *worker;
} TaJobSource;

static GPrivate current_worker;

static const TaSchedulerClass ta_pool_scheduler_class;

/* ---------------------------------------------------------------------- */
/* The pool                                                                */
/* ---------------------------------------------------------------------- */

static TaPool *
ta_pool_ref (TaPool *pool)
{
  g_atomic_ref_count_inc (&pool->ref_count);
  return pool;
}

void
ta_pool_unref (TaPool *pool)
{
  if (!ta_ref_count_dec (&pool->ref_count))
    return;

  ta_monitor_sync_for_finalize (&pool->monitor);
  g_assert (pool->n_workers == 0 || pool->stopped);
  g_ptr_array_unref (pool->threads);
  g_ptr_array_unref (pool->contexts);
  g_object_unref (pool->jobs);
  g_object_unref (pool->cancellable);
  ta_scheduler_clear (&pool->scheduler);
  ta_monitor_clear (&pool->monitor);
  g_free (pool->name);
  g_free (pool);
}


/* Hands an invocation's outcome to its caller's context, in that
 * context's next batch. Any thread. */
static void
ta_invocation_post (TaInvocation *invocation)
{
  ta_tsan_release (&invocation->item);
  ta_context_post (invocation->context, &invocation->item);
}

/* A job that will never start: a task fails, and the queue's reference
 * goes; an invocation completes, cancelled, in its caller's context. */
void
ta_pool_discard_job (gpointer data)
{
  TaInvocation *invocation = ta_job_get_invocation (data);

  if (invocation == NULL)
    {
      ta_task_run_item (data, FALSE);
      return;
    }

  invocation->error = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                   "Job cancelled before it started: its executor shut down");
  ta_invocation_post (invocation);
}

/* The queue's free function: only called for a push it refuses (the
 * shutdown takes every job out of the queue itself). A refused task
 * fails, as nobody will see it; a refused invocation goes back to
 * ta_executor_invoke(), which says so. */
static void
ta_pool_refuse_job (gpointer data)
{
  TaInvocation *invocation = ta_job_get_invocation (data);

  if (invocation != NULL)
    invocation->refused = TRUE;
  else
    ta_pool_discard_job (data);
}

/* In the caller's context: calls the done function, then lets go of
 * both data there, on the thread that gave them. If that context will
 * never run again (a worker of a pool that exited), only lets go. */
void
ta_invocation_item_func (TaWorkItem *item,
                         gboolean    run)
{
  TaInvocation *invocation = (TaInvocation *) item;

  ta_tsan_acquire (item);
  if (run)
    {
      GMainContext *current = g_main_context_get_thread_default ();
      gboolean push = (current != NULL ? current : g_main_context_default ()) != invocation->context;

      if (push)
        g_main_context_push_thread_default (invocation->context);
      invocation->done (invocation->result, invocation->error, invocation->done_data);
      if (push)
        g_main_context_pop_thread_default (invocation->context);
    }

  if (invocation->func_data_destroy != NULL)
    invocation->func_data_destroy (invocation->func_data);
  if (invocation->done_data_destroy != NULL)
    invocation->done_data_destroy (invocation->done_data);
  g_clear_error (&invocation->error);
  g_main_context_unref (invocation->context);
  g_free (invocation);
}

static void
ta_worker_publish (TaWorker *worker)
{
  for (guint i = 0; i < worker->to_publish->len; i++)
    {
      TaWorkItem *item = g_ptr_array_index (worker->to_publish, i);

      item->func (item, TRUE);
    }
  g_ptr_array_set_size (worker->to_publish, 0);
}

/* The job's start runs in a dispatch: its GTask, made before, returns
 * at once instead of through an idle source (see ta_task_begin_full()).
 * The source is ready while the worker has a job to start; it never
 * changes its ready time, which would wake the context through its
 * eventfd. */
static gboolean
ta_job_source_check (GSource *source)
{
  return ((TaJobSource *) source)->worker->job != NULL;
}

static gboolean
ta_job_source_prepare (GSource *source,
                       gint    *timeout)
{
  *timeout = -1;
  return ta_job_source_check (source);
}

static gboolean
ta_job_source_dispatch (GSource     *source,
                        GSourceFunc  callback,
                        gpointer     user_data)
{
  TaWorker *worker = ((TaJobSource *) source)->worker;
  TaTask *job = g_steal_pointer (&worker->job);

  if (job != NULL)
    ta_task_run_item (job, TRUE);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs ta_job_source_funcs = {
  .prepare = ta_job_source_prepare,
  .check = ta_job_source_check,
  .dispatch = ta_job_source_dispatch,
};

/*
 * The worker context's poll function. The iteration that calls a job has
 * a ready source, so GLib polls without waiting: when the only descriptor
 * is the context's own wake-up one, that poll is skipped, since it could
 * only tell what the check that follows finds anyway. Descriptors that
 * earlier jobs left watched are polled each time, as before.
 */
static gint
ta_worker_poll (GPollFD *fds,
                guint    nfds,
                gint     timeout)
{
  TaWorker *worker = g_private_get (&current_worker);

  if (timeout == 0 && worker != NULL && worker->job != NULL &&
      (nfds == 0 || (nfds == 1 && fds[0].fd == worker->wakeup_fd)))
    return 0;

  return g_poll (fds, nfds, timeout);
}

/* Starts @task, the queue's reference, the way a runner does: begun
 * ahead of the dispatch that runs its start item. Then keeps its GTask's
 * context running until the job is done: published here, or failed by a
 * shutdown. */
static void
ta_worker_run_job (TaWorker *worker,
                   TaTask   *task)
{
  g_object_ref (task);  /* ours: the start item consumes the queue's */
  ta_task_prepare (task);
  worker->job = task;
  while (worker->job != NULL)
    g_main_context_iteration (worker->context, TRUE);

  ta_worker_publish (worker);
  while (!ta_task_is_done (task))
    {
      g_main_context_iteration (worker->context, TRUE);
      ta_worker_publish (worker);
    }
  g_object_unref (task);
}

static gpointer
ta_worker_thread (gpointer data)
{
  TaPool *pool = data;  /* the thread's reference */
  TaWorker worker = { pool, g_main_context_new (), g_ptr_array_new (), NULL, NULL, -1 };

  worker.job_source = g_source_new (&ta_job_source_funcs, sizeof (TaJobSource));
  ((TaJobSource *) worker.job_source)->worker = &worker;
  g_source_set_static_name (worker.job_source, "[ta-glib] executor job");
  worker.wakeup_fd = ta_context_wakeup_fd (worker.context);
  g_source_attach (worker.job_source, worker.context);
  g_main_context_set_poll_func (worker.context, ta_worker_poll);

  g_private_set (&current_worker, &worker);
  ta_scheduler_set_current (&pool->scheduler);
  g_main_context_push_thread_default (worker.context);

  ta_monitor_lock (&pool->monitor);
  g_ptr_array_add (pool->contexts, worker.context);
  ta_monitor_unlock (&pool->monitor);

  for (;;)
    {
      gpointer job;
      TaInvocation *invocation;

      g_atomic_int_inc (&pool->n_idle);
      job = ta_queue_pop (pool->jobs, TA_TIMEOUT_INFINITE, NULL);
      g_atomic_int_add (&pool->n_idle, -1);

      /* Closed and drained: the pool is shutting down. */
      if (job == NULL)
        break;

      /* An invocation is a plain call: its function needs no iteration
       * of the worker's context, having no GTask to return on. */
      invocation = ta_job_get_invocation (job);
      if (invocation != NULL)
        {
          invocation->result = invocation->func (pool->cancellable, invocation->func_data,
                                                 &invocation->error);
          ta_invocation_post (invocation);
        }
      else
        ta_worker_run_job (&worker, job);
    }

  /* Whatever jobs left behind runs out or goes, on this thread; and what
   * completes later for this context, such as a run a job started on
   * another executor, is let go where it completes. */
  for (guint i = 0; i < 64 && g_main_context_iteration (worker.context, FALSE); i++)
    ta_worker_publish (&worker);
  ta_context_sweep (worker.context, ta_context_post_close (worker.context));
  ta_worker_publish (&worker);

  ta_monitor_lock (&pool->monitor);
  g_ptr_array_remove_fast (pool->contexts, worker.context);
  pool->n_workers--;
  ta_monitor_broadcast (&pool->monitor);
  ta_monitor_unlock (&pool->monitor);

  g_source_destroy (worker.job_source);
  g_source_unref (worker.job_source);
  g_main_context_pop_thread_default (worker.context);
  g_main_context_unref (worker.context);
  g_ptr_array_unref (worker.to_publish);
  ta_scheduler_set_current (NULL);
  g_private_set (&current_worker, NULL);
  ta_pool_unref (pool);

  return NULL;
}

/* Starts a worker if every worker is busy and the pool may grow. */
void
ta_pool_maybe_grow (TaPool *pool)
{
  /* The common case, without the lock: a worker is free. A worker about
   * to go idle is counted once it waits; one that was busy a moment ago
   * takes the job when done, and the pool grows on the next one. */
  if (g_atomic_int_get (&pool->n_idle) > 0)
    return;

  ta_monitor_lock (&pool->monitor);
  if (!pool->stopping && g_atomic_int_get (&pool->n_idle) == 0 &&
      pool->n_workers < pool->max_workers)
    {
      g_autofree char *thread_name = g_strdup_printf ("%s-%u", pool->name, pool->threads->len);
      GThread *thread = g_thread_try_new (thread_name, ta_worker_thread,
                                          ta_pool_ref (pool), NULL);

      if (thread != NULL)
        {
          pool->n_workers++;
          g_ptr_array_add (pool->threads, thread);
        }
      else
        {
          /* The jobs wait for the workers there are; without any, for the
           * shutdown that fails them. */
          ta_pool_unref (pool);
        }
    }
  ta_monitor_unlock (&pool->monitor);
}

/* ---------------------------------------------------------------------- */
/* The pool as a scheduler                                                 */
/* ---------------------------------------------------------------------- */

static void
ta_pool_scheduler_ref (TaScheduler *scheduler)
{
  ta_pool_ref ((TaPool *) scheduler);
}

static void
ta_pool_scheduler_unref (TaScheduler *scheduler)
{
  ta_pool_unref ((TaPool *) scheduler);
}

/* Into the queue of jobs, which refuses work once the pool shuts down;
 * then a worker, started if every one is busy, takes it. */
static gboolean
ta_pool_scheduler_submit (TaScheduler  *scheduler,
                          TaTask       *task,
                          GError      **error)
{
  TaPool *pool = (TaPool *) scheduler;

  /* A refused push discards the job, which fails cancelled. */
  if (!ta_queue_push (pool->jobs, task, 0, NULL))
    {
      g_set_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING,
                   "Executor “%s” is shut down", pool->name);
      return FALSE;
    }

  ta_pool_maybe_grow (pool);

  return TRUE;
}

/* On a worker thread inside a dispatch: the worker publishes once it is
 * back from it (ta_worker_publish()). */
static void
ta_pool_scheduler_publish (TaScheduler *scheduler,
                           TaWorkItem  *item)
{
  TaWorker *worker = g_private_get (&current_worker);

  g_assert (worker != NULL && worker->pool == (TaPool *) scheduler);
  g_ptr_array_add (worker->to_publish, item);
}

/* A job has no default timeout: it is waited for as long as it takes. */
static gint64
ta_pool_scheduler_resolve_timeout (TaScheduler *scheduler,
                                   gint64       timeout_us)
{
  return timeout_us == TA_TIMEOUT_DEFAULT ? TA_TIMEOUT_INFINITE : timeout_us;
}

/* Nothing asks a pool what its workers run: no activity is recorded, and
 * the drain of a shutdown joins the workers instead. */
static const TaSchedulerClass ta_pool_scheduler_class = {
  .ref = ta_pool_scheduler_ref,
  .unref = ta_pool_scheduler_unref,
  .submit = ta_pool_scheduler_submit,
  .publish = ta_pool_scheduler_publish,
  .resolve_timeout = ta_pool_scheduler_resolve_timeout,
};


/* Wakes the workers, blocked in their contexts on jobs just failed. */
static void
ta_pool_wake_workers (TaPool *pool)
{
  ta_monitor_lock (&pool->monitor);
  for (guint i = 0; i < pool->contexts->len; i++)
    g_main_context_wakeup (g_ptr_array_index (pool->contexts, i));
  ta_monitor_unlock (&pool->monitor);
}

void
ta_pool_fail_outstanding (TaPool   *pool,
                          gboolean  cancel_only)
{
  GPtrArray *outstanding;

  outstanding = ta_ledger_dup_tasks (&pool->scheduler.ledger);

  for (guint i = 0; i < outstanding->len; i++)
    {
      if (cancel_only)
        ta_task_cancel (g_ptr_array_index (outstanding, i));
      else
        ta_task_force_complete (g_ptr_array_index (outstanding, i), NULL);
    }
  g_ptr_array_unref (outstanding);

  if (!cancel_only)
    ta_pool_wake_workers (pool);
}

/* The pool of a new executor. Any thread. */
TaPool *
ta_pool_new (const char *name,
             guint       max_workers)
{
  TaPool *pool = g_new0 (TaPool, 1);

  g_atomic_ref_count_init (&pool->ref_count);
  pool->name = g_strdup (name != NULL ? name : "ta-executor");
  pool->max_workers = max_workers > 0 ? max_workers : MAX (1, g_get_num_processors ());
  ta_scheduler_init (&pool->scheduler, &ta_pool_scheduler_class, pool->name);
  pool->jobs = ta_queue_new_full (0, ta_pool_refuse_job);
  pool->cancellable = g_cancellable_new ();
  ta_monitor_init (&pool->monitor);
  pool->threads = g_ptr_array_new ();
  pool->contexts = g_ptr_array_new ();

  return pool;
}

/* Whether the calling thread is one of @pool's workers. */
gboolean
ta_pool_is_worker_thread (TaPool *pool)
{
  TaWorker *worker = g_private_get (&current_worker);

  return worker != NULL && worker->pool == pool;
}
