/* stress-stop.c: stopping a runner under load, over and over
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each cycle starts a runner and loads it: thousands of tasks that honour
 * cancellation, some spawning more, some waiting in a queue, some waiting
 * for executor jobs; threads blocked waiting for tasks and making calls;
 * a storm of threads spawning tasks as fast as they can, before and while
 * the stop runs, until refused. The stop, with the DEFAULT exit timeout, must end
 * STOPPED (late if the loop is still completing cancelled tasks at the
 * exit timeout, never abandoned) and clean: every task spawned completed or was cancelled, none
 * abandoned at the deadline, none lost, and every waiter must wake with
 * an error. Over the cycles, the thread count and the open descriptors
 * must come back to what they were, and the resident size must stay flat.
 *
 * TA_STRESS_ITEMS sets the tasks in flight when the stop begins (default
 * 2000; 40000 by hand), TA_STRESS_CYCLES the cycles (default 5; 1000 by
 * hand). Each cycle's stop time is printed, the slowest last.
 */

#include "config.h"

#include "stress-common.h"

#define N_WAITERS 4
#define N_SPAWNERS 3

typedef struct
{
  TaRunner  *runner;
  TaQueue   *queue;      /* nobody pushes: tasks wait on it until cancelled */
  TaMonitor  monitor;    /* guards the fields below */
  GPtrArray *tasks;      /* every task spawned */
  guint      n_share;    /* what each spawner spawns at most (immutable) */
  guint      n_ready;    /* spawners that spawned three quarters of it */
  gboolean   stopping;   /* the stop begins */
  guint      n_late;     /* tasks spawned after that */
  gint       n_ran;      /* atomic: tasks whose function ran */
  gint       n_finished; /* atomic: ... and whose work then ended */
  gint       n_refused;  /* atomic: spawners refused once the stop began */
  gint       woke_with_error;   /* atomic */
} Cycle;

/* Every task is accounted for, from whichever thread spawned it. */
static void
cycle_add (Cycle  *cycle,
           TaTask *task)
{
  ta_monitor_lock (&cycle->monitor);
  g_ptr_array_add (cycle->tasks, task);
  if (cycle->stopping)
    cycle->n_late++;
  ta_monitor_unlock (&cycle->monitor);
}

static void
finish_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Cycle *cycle = g_task_get_task_data (task);   /* the task's user data */
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

  g_atomic_int_inc (&cycle->n_finished);
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
  guint n = (guint) g_atomic_int_add (&cycle->n_ran, 1);

  switch (n % 8)
    {
    case 0:   /* a task spawning tasks */
      for (guint i = 0; i < 2; i++)
        {
          TaTask *child = ta_runner_spawn (cycle->runner, "child", load_task,
                                           cycle, NULL, NULL, NULL);

          /* Refused once the stop began. */
          if (child != NULL)
            cycle_add (cycle, child);
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

/* Spawns as fast as it can: three quarters of its share, then, once the
 * stop is about to begin, the rest, until refused. (Left to spawn on
 * before that, the spawners would starve the thread that stops, and the
 * load would be anybody's guess.) */
static gpointer
spawner_thread (gpointer data)
{
  Cycle *cycle = data;

  for (guint n = 0; n < cycle->n_share; n++)
    {
      g_autoptr(GError) error = NULL;
      TaTask *task = ta_runner_spawn (cycle->runner, "late", load_task, cycle,
                                      NULL, NULL, &error);

      if (task == NULL)
        {
          g_assert_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING);
          g_atomic_int_inc (&cycle->n_refused);
          break;
        }
      cycle_add (cycle, task);

      if (n + 1 == cycle->n_share / 4 * 3)
        {
          ta_monitor_lock (&cycle->monitor);
          cycle->n_ready++;
          ta_monitor_broadcast (&cycle->monitor);
          while (!cycle->stopping)
            ta_monitor_wait_until (&cycle->monitor, -1);
          ta_monitor_unlock (&cycle->monitor);
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

  g_assert_false (ta_task_wait (w->task, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  while (ta_runner_call (cycle->runner, call_func, NULL, NULL, TA_TIMEOUT_INFINITE, &error))
    ;
  g_assert_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING);
  g_atomic_int_inc (&cycle->woke_with_error);

  return NULL;
}

/* Tasks spawned while a stop was under way, over the cycles. */
static guint total_late;

/* Returns how long the stop took, in microseconds. */
static gint64
run_cycle (guint n_in_flight)
{
  Cycle cycle = { 0 };
  g_autoptr(GError) error = NULL;
  GThread *spawners[N_SPAWNERS];
  GThread *waiters[N_WAITERS];
  Waiter w[N_WAITERS];
  guint n_load = n_in_flight / 2;
  guint n_completed = 0, n_cancelled = 0;
  gint64 start, stop_us;

  cycle.runner = ta_runner_new ("stress-stop");
  cycle.queue = ta_queue_new_full (0, NULL);
  ta_monitor_init (&cycle.monitor);
  cycle.tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_assert_true (ta_runner_start (cycle.runner, &error));
  g_assert_no_error (error);

  /* Half the load is spawned first, the storm spawns the other half (up
   * to a quarter of it while the stop runs); the children, a quarter as
   * many, come on top. */
  for (guint i = 0; i < n_load; i++)
    {
      TaTask *task = ta_runner_spawn (cycle.runner, "load", load_task, &cycle,
                                      NULL, NULL, &error);

      g_assert_no_error (error);
      cycle_add (&cycle, task);
    }
  for (guint i = 0; i < N_WAITERS; i++)
    {
      w[i].cycle = &cycle;
      w[i].task = ta_runner_spawn (cycle.runner, "awaited", load_task, &cycle,
                                   NULL, NULL, &error);
      g_assert_no_error (error);
      cycle_add (&cycle, g_object_ref (w[i].task));
      waiters[i] = g_thread_new ("waiter", waiter_thread, &w[i]);
    }

  /* The load is in flight once the tasks queued first have run: a call
   * queued after them returns. */
  g_assert_true (ta_runner_call (cycle.runner, call_func, NULL, NULL, STRESS_HANG_US, &error));
  g_assert_no_error (error);

  cycle.n_share = MAX (4, (n_in_flight - n_load) / N_SPAWNERS);
  for (guint i = 0; i < N_SPAWNERS; i++)
    spawners[i] = g_thread_new ("spawner", spawner_thread, &cycle);
  ta_monitor_lock (&cycle.monitor);
  while (cycle.n_ready < N_SPAWNERS)
    ta_monitor_wait_until (&cycle.monitor, -1);
  cycle.stopping = TRUE;
  ta_monitor_broadcast (&cycle.monitor);
  ta_monitor_unlock (&cycle.monitor);

  /* With the default exit timeout, while the spawners go on: the stop must
   * get through the storm without abandoning anything. */
  start = g_get_monotonic_time ();
  if (!ta_runner_stop (cycle.runner, &error))
    g_error ("stop: %s", error->message);
  stop_us = g_get_monotonic_time () - start;
  g_assert_cmpint (ta_runner_get_shutdown_type (cycle.runner), ==, TA_SHUTDOWN_TYPE_STOPPED);

  for (guint i = 0; i < N_SPAWNERS; i++)
    g_thread_join (spawners[i]);
  g_assert_cmpint (cycle.n_refused, <=, N_SPAWNERS);
  for (guint i = 0; i < N_WAITERS; i++)
    g_thread_join (waiters[i]);
  g_assert_cmpint (cycle.woke_with_error, ==, N_WAITERS);
  for (guint i = 0; i < N_WAITERS; i++)
    g_object_unref (w[i].task);

  /* Exact accounting: every task is done, completed or cancelled (an
   * abandoned one would have warned, which is fatal here); every task
   * function that ran saw its work end (a task failed at the deadline
   * would not have). */
  for (guint i = 0; i < cycle.tasks->len; i++)
    {
      TaTask *task = g_ptr_array_index (cycle.tasks, i);
      g_autoptr(GError) task_error = NULL;

      g_assert_true (ta_task_is_done (task));
      if (ta_task_wait (task, 0, &task_error))
        {
          n_completed++;
        }
      else
        {
          g_assert_error (task_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          n_cancelled++;
        }
    }
  g_assert_cmpuint (n_completed + n_cancelled, ==, cycle.tasks->len);
  g_assert_cmpint (g_atomic_int_get (&cycle.n_finished), ==, g_atomic_int_get (&cycle.n_ran));
  g_assert_cmpuint (cycle.tasks->len, >=, n_in_flight / 4 * 3);
  total_late += cycle.n_late;

  g_ptr_array_unref (cycle.tasks);
  ta_monitor_clear (&cycle.monitor);
  g_object_unref (cycle.runner);
  g_object_unref (cycle.queue);

  return stop_us;
}

int
main (int   argc,
      char *argv[])
{
  guint n_tasks = stress_items (2000);
  const char *cycles_env = g_getenv ("TA_STRESS_CYCLES");
  guint n_cycles = cycles_env != NULL ? (guint) g_ascii_strtoull (cycles_env, NULL, 10) : 5;
  gint64 threads0, rss0, rss_mid = -1, threads1, rss1;
  gint fds0, fds1;
  gint64 start = g_get_monotonic_time ();
  gint64 stop_us, stop_max;

  /* An abandoned task warns: that is a failure here. */
  g_log_set_always_fatal (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);

  /* Warm up: GLib's own threads and caches come into being once. */
  stop_max = run_cycle (n_tasks);
  g_print ("stop %.3f s", stop_max / 1e6);
  threads0 = stress_proc_status ("Threads");
  rss0 = stress_proc_status ("VmRSS");
  fds0 = stress_open_fds ();

  for (guint i = 1; i < n_cycles; i++)
    {
      stop_us = run_cycle (n_tasks);
      stop_max = MAX (stop_max, stop_us);
      g_print (" %.3f s", stop_us / 1e6);
      if (i == n_cycles / 2)
        rss_mid = stress_proc_status ("VmRSS");
    }
  g_print ("\n");
  if (rss_mid < 0)
    rss_mid = rss0;

  /* Executor workers wind down on their own: a bounded wait for them. */
  for (guint i = 0; i < 100 && stress_proc_status ("Threads") > threads0; i++)
    g_usleep (100 * 1000);
  threads1 = stress_proc_status ("Threads");
  rss1 = stress_proc_status ("VmRSS");
  fds1 = stress_open_fds ();

  g_print ("stop stress: %u cycles of %u tasks in flight (plus children and a storm of %d "
           "spawning threads), all STOPPED with the default exit timeout, every task "
           "completed or cancelled (%u spawned during the stops); slowest stop %.3f s; threads %" G_GINT64_FORMAT
           " -> %" G_GINT64_FORMAT ", fds %d -> %d, RSS %" G_GINT64_FORMAT
           " kB after one cycle, %" G_GINT64_FORMAT " kB halfway, %" G_GINT64_FORMAT
           " kB at the end; time %.2f s\n",
           n_cycles, n_tasks, N_SPAWNERS, total_late, stop_max / 1e6, threads0, threads1, fds0, fds1,
           rss0, rss_mid, rss1, (g_get_monotonic_time () - start) / 1e6);

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
