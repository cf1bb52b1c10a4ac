/* stress-stop.c: stopping a runner under load, over and over
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each cycle starts a runner and loads it: thousands of tasks that honour
 * cancellation, some spawning more, some waiting in a queue, some waiting
 * for executor jobs; threads blocked waiting for tasks and making calls;
 * a thread spawning tasks in a loop while the stop runs. The stop must
 * end STOPPED within the (generous) exit timeout, and every waiter must
 * wake with an error. Over the cycles, the thread count and the open
 * descriptors must come back to what they were, and the resident size
 * must stay flat.
 *
 * TA_STRESS_ITEMS sets the tasks per cycle (default 1000),
 * TA_STRESS_CYCLES the cycles (default 5; 1000 by hand).
 */

#include "config.h"

#include "stress-common.h"

#define EXIT_TIMEOUT_US (60 * G_USEC_PER_SEC)
#define N_WAITERS 4

typedef struct
{
  TaRunner *runner;
  TaQueue  *queue;       /* nobody pushes: tasks wait on it until cancelled */
  gint      n_tasks;     /* atomic: tasks whose function ran */
  guint     n_storm;     /* the most the spawner spawns */
  gint      n_refused;   /* atomic: spawns refused once the stop began */
  gint      woke_with_error;   /* atomic */
} Cycle;

static void
finish_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (TA_IS_QUEUE (source))
    {
      gpointer item = ta_queue_pop_finish (TA_QUEUE (source), result, &error);

      g_assert_null (item);
    }
  else if (TA_IS_EXECUTOR (source))
    {
      TaTask *job = ta_executor_run_finish (TA_EXECUTOR (source), result, &error);

      g_clear_object (&job);
    }
  else
    {
      ta_sleep_finish (result, &error);
    }

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* An executor job that honours cancellation: it polls for it. */
static void
job_func (GTask        *task,
          GCancellable *cancellable,
          gpointer      user_data)
{
  while (!g_cancellable_is_cancelled (cancellable))
    g_usleep (1000);
  g_task_return_boolean (task, FALSE);
}

static void
load_task (GTask        *task,
           GCancellable *cancellable,
           gpointer      user_data)
{
  Cycle *cycle = user_data;
  guint n = (guint) g_atomic_int_add (&cycle->n_tasks, 1);

  switch (n % 8)
    {
    case 0:   /* a task spawning tasks */
      for (guint i = 0; i < 2; i++)
        {
          g_autoptr(TaTask) child = ta_runner_spawn (cycle->runner, "child", load_task,
                                                     cycle, NULL, NULL, NULL);
        }
      ta_sleep_async ((gint64) G_USEC_PER_SEC * 3600, cancellable, finish_cb, g_object_ref (task));
      break;

    case 1:   /* waiting for an item that never comes */
      ta_queue_pop_async (cycle->queue, cancellable, finish_cb, g_object_ref (task));
      break;

    case 2:   /* waiting for a job on the executor */
      if (n % 64 == 2)
        {
          ta_executor_run_async (ta_runner_get_executor (cycle->runner), "job", job_func,
                                 NULL, NULL, cancellable, finish_cb, g_object_ref (task));
          break;
        }
      G_GNUC_FALLTHROUGH;

    default:
      ta_sleep_async ((gint64) G_USEC_PER_SEC * 3600, cancellable, finish_cb, g_object_ref (task));
      break;
    }
}

static gpointer
spawner_thread (gpointer data)
{
  Cycle *cycle = data;

  /* Bounded, so that each cycle's peak is alike: until refused, or as
   * many as the load if the stop comes late. */
  for (guint n = 0; n < cycle->n_storm; n++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TaTask) task = ta_runner_spawn (cycle->runner, "late", load_task, cycle,
                                                NULL, NULL, &error);

      if (task == NULL)
        {
          g_assert_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING);
          g_atomic_int_inc (&cycle->n_refused);
          break;
        }
    }

  return NULL;
}

static void
call_func (gpointer user_data)
{
}

/* A thread blocked waiting for a task, then making calls until refused. */
typedef struct
{
  Cycle  *cycle;
  TaTask *task;
} Waiter;

static gpointer
waiter_thread (gpointer data)
{
  Waiter *w = data;
  Cycle *cycle = w->cycle;
  g_autoptr(GError) error = NULL;
  g_autoptr(TaTask) task = g_steal_pointer (&w->task);

  g_assert_false (ta_task_wait (task, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  while (ta_runner_call (cycle->runner, call_func, NULL, NULL, TA_TIMEOUT_INFINITE, &error))
    ;
  g_assert_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING);
  g_atomic_int_inc (&cycle->woke_with_error);

  return NULL;
}

static void
run_cycle (guint n_tasks)
{
  Cycle cycle = { 0 };
  g_autoptr(GError) error = NULL;
  GThread *spawner;
  GThread *waiters[N_WAITERS];
  Waiter w[N_WAITERS];
  gint64 start;

  cycle.runner = ta_runner_new ("stress-stop");
  cycle.queue = ta_queue_new_full (0, NULL);
  ta_runner_set_exit_timeout (cycle.runner, EXIT_TIMEOUT_US);
  g_assert_true (ta_runner_start (cycle.runner, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < n_tasks; i++)
    {
      g_autoptr(TaTask) task = ta_runner_spawn (cycle.runner, "load", load_task, &cycle,
                                                NULL, NULL, &error);
      g_assert_no_error (error);
    }
  for (guint i = 0; i < N_WAITERS; i++)
    {
      w[i].cycle = &cycle;
      w[i].task = ta_runner_spawn (cycle.runner, "awaited", load_task, &cycle,
                                   NULL, NULL, &error);
      g_assert_no_error (error);
      waiters[i] = g_thread_new ("waiter", waiter_thread, &w[i]);
    }

  /* The load is in flight once the tasks queued first have run: a call
   * queued after them returns. */
  g_assert_true (ta_runner_call (cycle.runner, call_func, NULL, NULL, STRESS_HANG_US, &error));
  g_assert_no_error (error);

  /* Spawning as fast as it can while the stop runs, until refused. */
  cycle.n_storm = n_tasks;
  spawner = g_thread_new ("spawner", spawner_thread, &cycle);

  start = g_get_monotonic_time ();
  if (!ta_runner_stop (cycle.runner, &error))
    g_error ("stop: %s", error->message);
  g_assert_cmpint (ta_runner_get_shutdown_type (cycle.runner), ==, TA_SHUTDOWN_TYPE_STOPPED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, EXIT_TIMEOUT_US);

  g_thread_join (spawner);
  g_assert_cmpint (cycle.n_refused, <=, 1);
  for (guint i = 0; i < N_WAITERS; i++)
    g_thread_join (waiters[i]);
  g_assert_cmpint (cycle.woke_with_error, ==, N_WAITERS);

  g_object_unref (cycle.runner);
  g_object_unref (cycle.queue);
}

int
main (int   argc,
      char *argv[])
{
  guint n_tasks = stress_items (1000);
  const char *cycles_env = g_getenv ("TA_STRESS_CYCLES");
  guint n_cycles = cycles_env != NULL ? (guint) g_ascii_strtoull (cycles_env, NULL, 10) : 5;
  gint64 threads0, rss0, rss_mid = -1, threads1, rss1;
  gint fds0, fds1;
  gint64 start = g_get_monotonic_time ();

  /* Warm up: GLib's own threads and caches come into being once. */
  run_cycle (n_tasks);
  threads0 = stress_proc_status ("Threads");
  rss0 = stress_proc_status ("VmRSS");
  fds0 = stress_open_fds ();

  for (guint i = 1; i < n_cycles; i++)
    {
      run_cycle (n_tasks);
      if (i == n_cycles / 2)
        rss_mid = stress_proc_status ("VmRSS");
    }
  if (rss_mid < 0)
    rss_mid = rss0;

  /* Executor workers wind down on their own: a bounded wait for them. */
  for (guint i = 0; i < 100 && stress_proc_status ("Threads") > threads0; i++)
    g_usleep (100 * 1000);
  threads1 = stress_proc_status ("Threads");
  rss1 = stress_proc_status ("VmRSS");
  fds1 = stress_open_fds ();

  g_print ("stop stress: %u cycles of %u tasks (plus children and a spawn storm), "
           "all STOPPED within the exit timeout; threads %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT
           ", fds %d -> %d, RSS %" G_GINT64_FORMAT " kB after one cycle, %" G_GINT64_FORMAT
           " kB halfway, %" G_GINT64_FORMAT " kB at the end; time %.2f s\n",
           n_cycles, n_tasks, threads0, threads1, fds0, fds1, rss0, rss_mid, rss1,
           (g_get_monotonic_time () - start) / 1e6);

  if (threads1 > threads0 || fds1 != fds0)
    return 1;
#ifndef __SANITIZE_ADDRESS__
  /* Flat: the allocator settles within the first half (its per-thread
   * arenas fill up); a leak per cycle would go on growing in the second.
   * (AddressSanitizer keeps freed memory in quarantine: no measure
   * there.) */
  if (rss1 - rss_mid > 32 * 1024)
    return 1;
#endif
  return 0;
}
