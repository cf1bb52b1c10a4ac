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
 * 3. Contention (unless --no-contention): the round trip again, with a
 *    busy process at nice 19 on every CPU, beside its baseline.
 *
 * Every case of a phase is warmed up, and their order rotates from run
 * to run (see bench_measure()).
 */

#include "bench-common.h"
#include "bench-raw.h"

#include <ta-glib.h>

/* ---------------------------------------------------------------------- */
/* Round trip                                                              */
/* ---------------------------------------------------------------------- */

static double
raw_round_trip_us (gpointer data,
                   guint    n)
{
  RawLoop *raw = data;
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
ta_round_trip_us (gpointer data,
                  guint    n)
{
  TaRunner *runner = data;
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
raw_invoke_full_per_s (gpointer data,
                       guint    n)
{
  RawLoop *raw = data;
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
raw_gtask_per_s (gpointer data,
                 guint    n)
{
  RawLoop *raw = data;
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
ta_invoke_per_s (gpointer data,
                 guint    n)
{
  TaRunner *runner = data;
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
ta_spawn_per_s (gpointer data,
                guint    n)
{
  TaRunner *runner = data;
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

typedef struct
{
  RawLoop  *raw;
  TaRunner *runner;
  TaRunner *watched;   /* the same runner with a watchdog attached */
} Loops;

static void
loops_start (Loops    *loops,
             gboolean  pinned)
{
  bench_set_pinned (pinned);
  loops->raw = raw_loop_new ();
  loops->runner = ta_runner_new ("bench");
  loops->watched = g_object_new (TA_TYPE_RUNNER,
                                 "name", "bench-watched",
                                 "stall-threshold", (gint64) (100 * 1000),
                                 NULL);
  if (!ta_runner_start (loops->runner, NULL) || !ta_runner_start (loops->watched, NULL))
    g_error ("could not start the runners");
}

static void
loops_stop (Loops *loops)
{
  ta_runner_stop (loops->runner, NULL);
  ta_runner_stop (loops->watched, NULL);
  g_object_unref (loops->runner);
  g_object_unref (loops->watched);
  raw_loop_free (loops->raw);
  bench_set_pinned (FALSE);
}

/* Round trips: the raw baseline, ta_runner_call, and with a watchdog. */
static void
measure_round_trip (const BenchOptions *options,
                    Loops              *loops)
{
  guint n_calls = bench_count (options, 20000);
  BenchCase cases[] = {
    { "raw GLib: g_main_context_invoke + GMutex/GCond", raw_round_trip_us, loops->raw },
    { "ta_runner_call", ta_round_trip_us, loops->runner },
    { "ta_runner_call, watchdog attached", ta_round_trip_us, loops->watched },
  };

  bench_measure (cases, G_N_ELEMENTS (cases), options->runs, n_calls);
  g_print ("round trip: call a no-op on the loop thread and wait (median of %u runs of %u calls)\n",
           options->runs, n_calls);
  bench_report_cases ("round trip", "call", cases, G_N_ELEMENTS (cases), options->runs, 1, "us",
                      FALSE);
}

static void
run_all (const BenchOptions *options,
         gboolean            pinned)
{
  Loops loops;
  guint n_spawn = bench_count (options, 100000);

  loops_start (&loops, pinned);
  g_print ("\n== %s ==\n", bench_mode_title (pinned, FALSE));
  measure_round_trip (options, &loops);

  {
    BenchCase cases[] = {
      { "raw GLib: g_main_context_invoke_full + counter", raw_invoke_full_per_s, loops.raw },
      { "raw GLib: one GTask per job", raw_gtask_per_s, loops.raw },
      { "ta_runner_spawn + ta_task_wait", ta_spawn_per_s, loops.runner },
      { "ta_runner_spawn + ta_task_wait, watchdog attached", ta_spawn_per_s, loops.watched },
      { "ta_runner_invoke + counter (no handles)", ta_invoke_per_s, loops.runner },
    };

    bench_measure (cases, G_N_ELEMENTS (cases), options->runs, n_spawn);
    g_print ("spawn %u trivial jobs and wait for all (median of %u runs)\n",
             n_spawn, options->runs);
    bench_report_cases ("spawn", "job", cases, G_N_ELEMENTS (cases), options->runs, 1e-6,
                        "M/s", TRUE);
  }

  loops_stop (&loops);
}

/* The round trip again, beside a busy process on every CPU. */
static void
run_contention (const BenchOptions *options,
                gboolean            pinned)
{
  Loops loops;

  loops_start (&loops, pinned);
  g_print ("\n== %s ==\n", bench_mode_title (pinned, TRUE));
  measure_round_trip (options, &loops);
  loops_stop (&loops);
}

int
main (int   argc,
      char *argv[])
{
  return bench_main (argc, argv, "bench-runner", TA_VERSION_S, run_all, run_contention);
}
