/* bench-idle.c: what waiting costs, in CPU time
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Spinning before sleeping buys fast hand-offs; it must not cost CPU when
 * nothing happens. Three figures, each beside hand-rolled GLib doing the
 * same in the same run, a thread's from getrusage (), the process's
 * from its CPU clock:
 *
 * 1. An idle runner for 2 s: the CPU time of its thread, as a share of
 *    one CPU. Baseline: a GMainLoop thread. Then the same runner with a
 *    watchdog attached (stall-threshold): the whole process's CPU time,
 *    which includes the watchdog's thread.
 * 2. A thread blocked for 2 s in ta_task_wait() on a task that completes
 *    then: the waiting thread's CPU time. Baseline: a GCond wait.
 * 3. Sparse traffic: one call every 10 ms for 2 s, the whole process's
 *    CPU time. Baseline: g_main_context_invoke() + GMutex/GCond.
 *
 * Which of the two goes first alternates from run to run.
 */

#include "bench-common.h"
#include "bench-raw.h"

#include <sys/resource.h>

#include <ta-glib.h>

#define IDLE_US   (2 * G_USEC_PER_SEC)
#define SPARSE_PERIOD_US (10 * 1000)

static double
thread_cpu_s (void)
{
  struct rusage usage;

  getrusage (RUSAGE_THREAD, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static double
process_cpu_s (void)
{
  return bench_process_cpu_us () / 1e6;
}

/* ---------------------------------------------------------------------- */
/* 1. An idle loop thread                                                  */
/* ---------------------------------------------------------------------- */

static void
read_thread_cpu (gpointer data)
{
  *(double *) data = thread_cpu_s ();
}

static gboolean
raw_read_thread_cpu (gpointer data)
{
  *(double *) data = thread_cpu_s ();
  return G_SOURCE_REMOVE;
}

/* Reads the loop thread's CPU time, on the loop thread. */
static double
raw_loop_thread_cpu (RawLoop *raw)
{
  RawCall call;
  double cpu = 0;

  /* The read is queued first, then a call that waits for it. */
  raw_call_init (&call);
  g_main_context_invoke (raw->context, raw_read_thread_cpu, &cpu);
  raw_call (raw, &call);
  raw_call_clear (&call);

  return cpu;
}

static double
raw_idle_share (void)
{
  RawLoop *raw = raw_loop_new ();
  double before, after;

  before = raw_loop_thread_cpu (raw);
  g_usleep (IDLE_US);
  after = raw_loop_thread_cpu (raw);
  raw_loop_free (raw);

  return (after - before) / (IDLE_US / 1e6);
}

static double
ta_idle_share (void)
{
  g_autoptr(TaRunner) runner = ta_runner_new ("bench-idle");
  double before = 0, after = 0;

  ta_runner_start (runner, NULL);
  /* A burst of work first, so that the runner's spinning is at its most
   * eager when it turns idle. */
  for (guint i = 0; i < 1000; i++)
    ta_runner_call (runner, read_thread_cpu, &before, NULL, TA_TIMEOUT_INFINITE, NULL);
  g_usleep (IDLE_US);
  ta_runner_call (runner, read_thread_cpu, &after, NULL, TA_TIMEOUT_INFINITE, NULL);
  ta_runner_stop (runner, NULL);

  return (after - before) / (IDLE_US / 1e6);
}

/* The process's CPU time while an idle runner has a watchdog: the runner
 * thread, the watchdog's thread and a main thread asleep. */
static double
ta_idle_watched_share (void)
{
  g_autoptr(TaRunner) runner = g_object_new (TA_TYPE_RUNNER,
                                             "name", "bench-idle-watched",
                                             "stall-threshold", (gint64) (100 * 1000),
                                             NULL);
  double before = 0, after = 0, dummy = 0;

  ta_runner_start (runner, NULL);
  for (guint i = 0; i < 1000; i++)
    ta_runner_call (runner, read_thread_cpu, &dummy, NULL, TA_TIMEOUT_INFINITE, NULL);
  before = process_cpu_s ();
  g_usleep (IDLE_US);
  after = process_cpu_s ();
  ta_runner_stop (runner, NULL);

  return (after - before) / (IDLE_US / 1e6);
}

/* ---------------------------------------------------------------------- */
/* 2. A thread blocked in a long wait                                      */
/* ---------------------------------------------------------------------- */

typedef struct
{
  GMutex   mutex;
  GCond    cond;
  gboolean done;
} RawFlag;

static gpointer
raw_set_later_thread (gpointer data)
{
  RawFlag *flag = data;

  g_usleep (IDLE_US);
  g_mutex_lock (&flag->mutex);
  flag->done = TRUE;
  g_cond_signal (&flag->cond);
  g_mutex_unlock (&flag->mutex);

  return NULL;
}

static double
raw_long_wait_share (void)
{
  RawFlag flag = { 0 };
  GThread *thread;
  double before, after;

  g_mutex_init (&flag.mutex);
  g_cond_init (&flag.cond);
  before = thread_cpu_s ();
  thread = g_thread_new ("raw-later", raw_set_later_thread, &flag);
  g_mutex_lock (&flag.mutex);
  while (!flag.done)
    g_cond_wait (&flag.cond, &flag.mutex);
  g_mutex_unlock (&flag.mutex);
  after = thread_cpu_s ();
  g_thread_join (thread);
  g_mutex_clear (&flag.mutex);
  g_cond_clear (&flag.cond);

  return (after - before) / (IDLE_US / 1e6);
}

static void
slept_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  g_task_return_boolean (task, ta_sleep_finish (result, NULL));
}

static void
sleep_task (GTask        *task,
            GCancellable *cancellable,
            gpointer      user_data)
{
  ta_sleep_async (IDLE_US, cancellable, slept_cb, g_object_ref (task));
}

static double
ta_long_wait_share (void)
{
  g_autoptr(TaRunner) runner = ta_runner_new ("bench-wait");
  g_autoptr(TaTask) task = NULL;
  double before, after;

  ta_runner_start (runner, NULL);
  /* Make the waiting thread's spinning eager first. */
  for (guint i = 0; i < 1000; i++)
    ta_runner_call (runner, read_thread_cpu, &before, NULL, TA_TIMEOUT_INFINITE, NULL);
  before = thread_cpu_s ();
  task = ta_runner_spawn (runner, "sleep", sleep_task, NULL, NULL, NULL, NULL);
  ta_task_wait (task, TA_TIMEOUT_INFINITE, NULL);
  after = thread_cpu_s ();
  ta_runner_stop (runner, NULL);

  return (after - before) / (IDLE_US / 1e6);
}

/* ---------------------------------------------------------------------- */
/* 3. Sparse traffic                                                       */
/* ---------------------------------------------------------------------- */

static void
noop_func (gpointer data)
{
}

static double
raw_sparse_cpu_s (void)
{
  RawLoop *raw = raw_loop_new ();
  RawCall call;
  double before, after;
  gint64 end;

  raw_call_init (&call);
  before = process_cpu_s ();
  end = g_get_monotonic_time () + IDLE_US;
  while (g_get_monotonic_time () < end)
    {
      raw_call (raw, &call);
      g_usleep (SPARSE_PERIOD_US);
    }
  after = process_cpu_s ();
  raw_call_clear (&call);
  raw_loop_free (raw);

  return after - before;
}

static double
ta_sparse_cpu_s (void)
{
  g_autoptr(TaRunner) runner = ta_runner_new ("bench-sparse");
  double before, after;
  gint64 end;

  ta_runner_start (runner, NULL);
  before = process_cpu_s ();
  end = g_get_monotonic_time () + IDLE_US;
  while (g_get_monotonic_time () < end)
    {
      ta_runner_call (runner, noop_func, NULL, NULL, TA_TIMEOUT_INFINITE, NULL);
      g_usleep (SPARSE_PERIOD_US);
    }
  after = process_cpu_s ();
  ta_runner_stop (runner, NULL);

  return after - before;
}

/* ---------------------------------------------------------------------- */

static void
report_share (const char *label,
              double      raw,
              double      ta)
{
  g_print ("  %-52s %9.3f %%\n", "raw GLib", raw * 100);
  g_print ("  %-52s %9.3f %%    (target: below 1 %%)\n", label, ta * 100);
}

static void
run_all (const BenchOptions *options,
         gboolean            pinned)
{
  guint runs = options->runs;
  double *raw_values = g_new (double, runs);
  double *ta_values = g_new (double, runs);
  double raw_median, ta_median;

  bench_set_pinned (pinned);
  g_print ("\n== %s ==\n", bench_mode_title (pinned, FALSE));

  for (guint r = 0; r < runs; r++)
    {
      if (r % 2)
        ta_values[r] = ta_idle_share ();
      raw_values[r] = raw_idle_share ();
      if (r % 2 == 0)
        ta_values[r] = ta_idle_share ();
    }
  raw_median = bench_median (raw_values, runs);
  ta_median = bench_median (ta_values, runs);
  g_print ("an idle loop thread for 2 s: its CPU time, share of one CPU (median of %u runs)\n",
           runs);
  report_share ("an idle TaRunner", raw_median, ta_median);

  for (guint r = 0; r < runs; r++)
    ta_values[r] = ta_idle_watched_share ();
  ta_median = bench_median (ta_values, runs);
  g_print ("the same with a watchdog attached: the whole process's CPU time (median of %u runs)\n",
           runs);
  report_share ("an idle TaRunner + TaWatchdog (all threads)", raw_median, ta_median);

  for (guint r = 0; r < runs; r++)
    {
      if (r % 2)
        ta_values[r] = ta_long_wait_share ();
      raw_values[r] = raw_long_wait_share ();
      if (r % 2 == 0)
        ta_values[r] = ta_long_wait_share ();
    }
  raw_median = bench_median (raw_values, runs);
  ta_median = bench_median (ta_values, runs);
  g_print ("a thread blocked 2 s in a wait: its CPU time, share of one CPU (median of %u runs)\n",
           runs);
  report_share ("ta_task_wait on a task done in 2 s", raw_median, ta_median);

  for (guint r = 0; r < runs; r++)
    {
      if (r % 2)
        ta_values[r] = ta_sparse_cpu_s () * 1000;
      raw_values[r] = raw_sparse_cpu_s () * 1000;
      if (r % 2 == 0)
        ta_values[r] = ta_sparse_cpu_s () * 1000;
    }
  raw_median = bench_median (raw_values, runs);
  ta_median = bench_median (ta_values, runs);
  g_print ("sparse traffic: a call every 10 ms for 2 s, process CPU time (median of %u runs)\n",
           runs);
  bench_report_baseline ("raw GLib: g_main_context_invoke + GMutex/GCond", raw_median, "ms");
  g_print ("  %-52s %10.3f %-6s  %5.2fx the baseline's CPU (target: at most 2x)\n",
           "ta_runner_call", ta_median, "ms", ta_median / raw_median);

  bench_set_pinned (FALSE);
  g_free (raw_values);
  g_free (ta_values);
}

int
main (int   argc,
      char *argv[])
{
  /* Each run takes 12 s: three by default. */
  gboolean runs_given = FALSE;

  for (int i = 1; i < argc; i++)
    runs_given |= g_str_has_prefix (argv[i], "--runs=");
  if (!runs_given)
    {
      char **args = g_new0 (char *, argc + 2);

      for (int i = 0; i < argc; i++)
        args[i] = argv[i];
      args[argc] = (char *) "--runs=3";
      return bench_main (argc + 1, args, "bench-idle", TA_VERSION_S, run_all, NULL);
    }

  return bench_main (argc, argv, "bench-idle", TA_VERSION_S, run_all, NULL);
}
