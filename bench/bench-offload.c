/* bench-offload.c: the cost of an offloaded introspected call
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ta_executor_call_async() against a plain executor job making the same
 * C call (ta_executor_run_async() with a job written in C), in the same
 * process, on 2 workers, results on the caller's main loop:
 *
 * 1. throughput: 50,000 calls queued at once;
 * 2. latency: one call at a time, the next issued from the callback of
 *    the previous.
 *
 * Two functions: g_get_monotonic_time() (no arguments, one 64-bit
 * result) and g_file_test ("/", G_FILE_TEST_EXISTS) (a string and flags
 * in, a boolean out). What either function costs is the same for both
 * ways; the difference is the offload's own cost.
 *
 * Both ways are warmed up, and which goes first alternates from run to
 * run (see bench_measure()).
 */

#include "bench-common.h"

#include <ta-glib.h>

typedef struct
{
  GMainLoop  *loop;
  TaExecutor *executor;
  guint       target;
  guint       count;      /* main thread only */
  gboolean    chained;    /* issue the next call from the callback */
  gboolean    with_args;
  GValue      args[2];
} Bench;

static void issue_plain (Bench *b);
static void issue_offload (Bench *b);

static gboolean
bench_done_one (Bench *b)
{
  if (++b->count == b->target)
    {
      g_main_loop_quit (b->loop);
      return FALSE;
    }
  return b->chained;
}

/* The plain job: the same C call, written in C. */
static void
plain_job (GTask        *task,
           GCancellable *cancellable,
           gpointer      data)
{
  if (data != NULL)
    g_task_return_boolean (task, g_file_test ("/", G_FILE_TEST_EXISTS));
  else
    g_task_return_int (task, (gssize) g_get_monotonic_time ());
}

static void
plain_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Bench *b = data;
  TaTask *job = ta_executor_run_finish (TA_EXECUTOR (source), result, NULL);

  if (job == NULL)
    g_error ("job failed");
  if (b->with_args)
    ta_task_propagate_boolean (job, NULL);
  else
    ta_task_propagate_int (job, NULL);
  g_object_unref (job);
  if (bench_done_one (b))
    issue_plain (b);
}

static void
issue_plain (Bench *b)
{
  ta_executor_run_async (b->executor, NULL, plain_job, b->with_args ? b : NULL, NULL, NULL,
                         plain_done_cb, b);
}

static void
offload_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  Bench *b = data;
  guint n = 0;
  GValue *values = ta_executor_call_finish (TA_EXECUTOR (source), result, &n, NULL);

  if (values == NULL || n != 1)
    g_error ("call failed");
  g_value_unset (&values[0]);
  g_free (values);
  if (bench_done_one (b))
    issue_offload (b);
}

static void
issue_offload (Bench *b)
{
  if (b->with_args)
    ta_executor_call_async (b->executor, "GLib.file_test", b->args, 2, NULL, offload_done_cb, b);
  else
    ta_executor_call_async (b->executor, "GLib.get_monotonic_time", NULL, 0, NULL,
                            offload_done_cb, b);
}

/* Microseconds per call. */
static double
bench_run (GMainContext *context,
           TaExecutor   *executor,
           gboolean      offload,
           gboolean      with_args,
           gboolean      chained,
           guint         n)
{
  Bench b = { g_main_loop_new (context, FALSE), executor, n, 0, chained, with_args,
              { G_VALUE_INIT, G_VALUE_INIT } };
  gint64 start;

  g_value_set_string (g_value_init (&b.args[0], G_TYPE_STRING), "/");
  g_value_set_int (g_value_init (&b.args[1], G_TYPE_INT), G_FILE_TEST_EXISTS);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < (chained ? 1 : n); i++)
    {
      if (offload)
        issue_offload (&b);
      else
        issue_plain (&b);
    }
  g_main_loop_run (b.loop);
  start = g_get_monotonic_time () - start;

  g_main_loop_unref (b.loop);
  g_value_unset (&b.args[0]);
  g_value_unset (&b.args[1]);

  return start / (double) n;
}

typedef struct
{
  GMainContext *context;
  TaExecutor   *executor;
  gboolean      offload;
  gboolean      with_args;
  gboolean      chained;
} Way;

static double
way_us (gpointer data,
        guint    n)
{
  Way *way = data;

  return bench_run (way->context, way->executor, way->offload, way->with_args, way->chained, n);
}

static void
run_all (const BenchOptions *options,
         gboolean            pinned)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaExecutor) executor = NULL;
  guint n_batch = bench_count (options, 50000);
  guint n_chain = bench_count (options, 10000);

  bench_set_pinned (pinned);
  g_main_context_push_thread_default (context);
  executor = ta_executor_new ("bench", 2);

  g_print ("\n== %s ==\n", bench_mode_title (pinned, FALSE));

  for (guint mode = 0; mode < 4; mode++)
    {
      gboolean with_args = mode % 2;
      gboolean chained = mode >= 2;
      guint n = chained ? n_chain : n_batch;
      Way plain = { context, executor, FALSE, with_args, chained };
      Way offload = { context, executor, TRUE, with_args, chained };
      const char *function = with_args ? "g_file_test (\"/\", G_FILE_TEST_EXISTS)"
                                       : "g_get_monotonic_time ()";
      const char *order = chained ? "one at a time" : "all queued at once";
      g_autofree char *name = g_strdup_printf ("%s, %s", function, order);
      /* The warm-up also caches the offload's call plan. */
      BenchCase cases[] = {
        { "plain job in C: ta_executor_run_async", way_us, &plain },
        { "offloaded: ta_executor_call_async", way_us, &offload },
      };

      bench_measure (cases, G_N_ELEMENTS (cases), options->runs, n);
      g_print ("%s (median of %u runs of %u calls)\n", name, options->runs, n);
      bench_report_cases (name, "call", cases, G_N_ELEMENTS (cases), options->runs, 1, "us",
                          FALSE);
    }

  ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, TA_TIMEOUT_INFINITE, NULL);
  g_main_context_pop_thread_default (context);
  bench_set_pinned (FALSE);
}

int
main (int   argc,
      char *argv[])
{
  return bench_main (argc, argv, "bench-offload", TA_VERSION_S, run_all, NULL);
}
