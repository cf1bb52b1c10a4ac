/* bench-runner.c: TaRunner against hand-rolled GLib
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * 1. Round trip: call a no-op on a loop thread from another thread and
 *    wait for it. Baseline: g_main_context_invoke() + GMutex/GCond.
 * 2. Spawn 100,000 trivial tasks and wait for all. Baselines:
 *    g_main_context_invoke_full() with a counter, and one GTask per job.
 *    Beside them, the same jobs submitted fire-and-forget with
 *    ta_runner_invoke() and counted: batched submission without handles.
 */

#include "bench-common.h"
#include "bench-raw.h"

#include <ta-glib.h>

/* ---------------------------------------------------------------------- */
/* Round trip                                                              */
/* ---------------------------------------------------------------------- */

static double
raw_round_trip_us (RawLoop *raw,
                   guint    n)
{
  RawCall call;
  gint64 start;

  raw_call_init (&call);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    raw_call (raw, &call);
  raw_call_clear (&call);

  return (g_get_monotonic_time () - start) / (double) n;
}

static void
noop_func (gpointer data)
{
}

static double
ta_round_trip_us (TaRunner *runner,
                  guint     n)
{
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++)
    if (!ta_runner_call (runner, noop_func, NULL, NULL, TA_TIMEOUT_INFINITE, NULL))
      g_error ("call failed");

  return (g_get_monotonic_time () - start) / (double) n;
}

/* ---------------------------------------------------------------------- */
/* Spawning many trivial jobs                                              */
/* ---------------------------------------------------------------------- */

typedef struct
{
  GMutex mutex;
  GCond  cond;
  guint  target;
  guint  count;     /* atomic */
} Counter;

static gboolean
count_func (gpointer data)
{
  Counter *counter = data;

  if ((guint) g_atomic_int_add (&counter->count, 1) + 1 == counter->target)
    {
      g_mutex_lock (&counter->mutex);
      g_cond_signal (&counter->cond);
      g_mutex_unlock (&counter->mutex);
    }

  return G_SOURCE_REMOVE;
}

static void
counter_wait (Counter *counter)
{
  g_mutex_lock (&counter->mutex);
  while ((guint) g_atomic_int_get (&counter->count) < counter->target)
    g_cond_wait (&counter->cond, &counter->mutex);
  g_mutex_unlock (&counter->mutex);
}

static double
raw_invoke_full_per_s (RawLoop *raw,
                       guint    n)
{
  Counter counter = { .target = n };
  gint64 start;

  g_mutex_init (&counter.mutex);
  g_cond_init (&counter.cond);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    g_main_context_invoke_full (raw->context, G_PRIORITY_DEFAULT, count_func, &counter, NULL);
  counter_wait (&counter);
  g_mutex_clear (&counter.mutex);
  g_cond_clear (&counter.cond);

  return n / ((g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
}

/* One GTask per job, created and completed on the loop thread, the
 * completion counted on the loop thread. */
static void
gtask_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_task_propagate_boolean (G_TASK (result), NULL);
  count_func (data);
}

static gboolean
gtask_job_func (gpointer data)
{
  GTask *task = g_task_new (NULL, NULL, gtask_done_cb, data);

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);

  return G_SOURCE_REMOVE;
}

static double
raw_gtask_per_s (RawLoop *raw,
                 guint    n)
{
  Counter counter = { .target = n };
  gint64 start;

  g_mutex_init (&counter.mutex);
  g_cond_init (&counter.cond);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    g_main_context_invoke_full (raw->context, G_PRIORITY_DEFAULT, gtask_job_func, &counter, NULL);
  counter_wait (&counter);
  g_mutex_clear (&counter.mutex);
  g_cond_clear (&counter.cond);

  return n / ((g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
}

static void
count_invoked (gpointer data)
{
  count_func (data);
}

static double
ta_invoke_per_s (TaRunner *runner,
                 guint     n)
{
  Counter counter = { .target = n };
  gint64 start;

  g_mutex_init (&counter.mutex);
  g_cond_init (&counter.cond);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    if (!ta_runner_invoke (runner, count_invoked, &counter, NULL, NULL))
      g_error ("invoke failed");
  counter_wait (&counter);
  g_mutex_clear (&counter.mutex);
  g_cond_clear (&counter.cond);

  return n / ((g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
}

static void
trivial_task (GTask        *task,
              GCancellable *cancellable,
              gpointer      data)
{
  g_task_return_boolean (task, TRUE);
}

static double
ta_spawn_per_s (TaRunner *runner,
                guint     n)
{
  TaTask **tasks = g_new (TaTask *, n);
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++)
    tasks[i] = ta_runner_spawn (runner, NULL, trivial_task, NULL, NULL, NULL, NULL);
  for (guint i = 0; i < n; i++)
    {
      if (!ta_task_wait (tasks[i], TA_TIMEOUT_INFINITE, NULL))
        g_error ("task failed");
      g_object_unref (tasks[i]);
    }
  start = g_get_monotonic_time () - start;
  g_free (tasks);

  return n / (start / (double) G_USEC_PER_SEC);
}

/* ---------------------------------------------------------------------- */

static void
run_all (const BenchOptions *options,
         gboolean            pinned)
{
  g_autoptr(TaRunner) runner = ta_runner_new ("bench");
  /* The same runner with a watchdog attached, measured in the same runs. */
  g_autoptr(TaRunner) watched = g_object_new (TA_TYPE_RUNNER,
                                              "name", "bench-watched",
                                              "stall-threshold", (gint64) (100 * 1000),
                                              NULL);
  double *watched_values = g_new (double, options->runs);
  double watched_median;
  RawLoop *raw;
  guint n_calls = bench_count (options, 20000);
  guint n_spawn = bench_count (options, 100000);
  double *raw_values = g_new (double, options->runs);
  double *ta_values = g_new (double, options->runs);
  double *extra_values = g_new (double, options->runs);
  double *invoke_values = g_new (double, options->runs);
  double raw_median, ta_median, extra_median, invoke_median;

  bench_set_pinned (pinned);
  raw = raw_loop_new ();
  if (!ta_runner_start (runner, NULL) || !ta_runner_start (watched, NULL))
    g_error ("could not start the runners");

  g_print ("\n== %s ==\n", pinned ? "pinned: every thread on CPU 0" : "unpinned");

  /* Warm up both, then interleave the runs so drift hits both alike. */
  raw_round_trip_us (raw, n_calls / 10 + 1);
  ta_round_trip_us (runner, n_calls / 10 + 1);
  ta_round_trip_us (watched, n_calls / 10 + 1);
  for (guint r = 0; r < options->runs; r++)
    {
      raw_values[r] = raw_round_trip_us (raw, n_calls);
      ta_values[r] = ta_round_trip_us (runner, n_calls);
      watched_values[r] = ta_round_trip_us (watched, n_calls);
    }
  raw_median = bench_median (raw_values, options->runs);
  ta_median = bench_median (ta_values, options->runs);
  watched_median = bench_median (watched_values, options->runs);
  g_print ("round trip: call a no-op on the loop thread and wait (median of %u runs of %u calls)\n",
           options->runs, n_calls);
  bench_report_baseline ("raw GLib: g_main_context_invoke + GMutex/GCond", raw_median, "us");
  bench_report ("ta_runner_call", ta_median, "us", raw_median, FALSE);
  bench_report ("ta_runner_call, watchdog attached", watched_median, "us", raw_median, FALSE);

  for (guint r = 0; r < options->runs; r++)
    {
      raw_values[r] = raw_invoke_full_per_s (raw, n_spawn);
      extra_values[r] = raw_gtask_per_s (raw, n_spawn);
      ta_values[r] = ta_spawn_per_s (runner, n_spawn);
      watched_values[r] = ta_spawn_per_s (watched, n_spawn);
      invoke_values[r] = ta_invoke_per_s (runner, n_spawn);
    }
  raw_median = bench_median (raw_values, options->runs);
  extra_median = bench_median (extra_values, options->runs);
  ta_median = bench_median (ta_values, options->runs);
  watched_median = bench_median (watched_values, options->runs);
  invoke_median = bench_median (invoke_values, options->runs);
  g_print ("spawn %u trivial jobs and wait for all (median of %u runs)\n",
           n_spawn, options->runs);
  bench_report_baseline ("raw GLib: g_main_context_invoke_full + counter",
                         raw_median / 1e6, "M/s");
  bench_report ("raw GLib: one GTask per job", extra_median / 1e6, "M/s",
                raw_median / 1e6, TRUE);
  bench_report ("ta_runner_spawn + ta_task_wait", ta_median / 1e6, "M/s",
                raw_median / 1e6, TRUE);
  bench_report ("ta_runner_spawn + ta_task_wait, watchdog attached", watched_median / 1e6, "M/s",
                raw_median / 1e6, TRUE);
  bench_report ("ta_runner_invoke + counter (no handles)", invoke_median / 1e6, "M/s",
                raw_median / 1e6, TRUE);

  ta_runner_stop (runner, NULL);
  ta_runner_stop (watched, NULL);
  raw_loop_free (raw);
  g_free (watched_values);
  bench_set_pinned (FALSE);
  g_free (raw_values);
  g_free (ta_values);
  g_free (extra_values);
  g_free (invoke_values);
}

int
main (int   argc,
      char *argv[])
{
  return bench_main (argc, argv, "bench-runner", TA_VERSION_S, run_all);
}
