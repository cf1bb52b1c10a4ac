/* bench-executor.c: TaExecutor and control inversion against raw GLib
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * 1. 100,000 trivial blocking jobs on 2 workers, results delivered to the
 *    caller's main loop, with a handle per job (ta_executor_run_async())
 *    and without (ta_executor_invoke()). Baselines: GThreadPool (2
 *    threads) with an idle per result, and g_task_run_in_thread().
 * 2. A control-inversion round trip: a client task's request, the main
 *    thread's ta_server_process(), the answer, the client resuming.
 *    Baseline: a request and a reply over two GAsyncQueues between two
 *    plain threads.
 *
 * Every case of a phase is warmed up, and their order rotates from run
 * to run (see bench_measure()).
 */

#include "bench-common.h"

#include <ta-glib.h>

typedef struct
{
  GMainLoop *loop;
  guint      target;
  guint      count;      /* main thread only */
} Collector;

/* What every measurement is given: the caller's main context, the
 * executor and the server. */
typedef struct
{
  GMainContext *context;
  TaExecutor   *executor;
  TaServer     *server;
} Setup;

static void
collector_add (Collector *c)
{
  if (++c->count == c->target)
    g_main_loop_quit (c->loop);
}

/* ---------------------------------------------------------------------- */
/* Raw GThreadPool + an idle per result                                    */
/* ---------------------------------------------------------------------- */

static gboolean
raw_result_cb (gpointer data)
{
  collector_add (data);
  return G_SOURCE_REMOVE;
}

static void
raw_pool_func (gpointer data,
               gpointer user_data)
{
  GMainContext *context = user_data;
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, raw_result_cb, data, NULL);
  g_source_attach (source, context);
  g_source_unref (source);
}

static double
raw_pool_per_s (gpointer data,
                guint    n)
{
  GMainContext *context = ((Setup *) data)->context;
  Collector c = { g_main_loop_new (context, FALSE), n, 0 };
  GThreadPool *pool = g_thread_pool_new (raw_pool_func, context, 2, TRUE, NULL);
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++)
    g_thread_pool_push (pool, &c, NULL);
  g_main_loop_run (c.loop);
  start = g_get_monotonic_time () - start;
  g_thread_pool_free (pool, FALSE, TRUE);
  g_main_loop_unref (c.loop);

  return n / (start / (double) G_USEC_PER_SEC);
}

/* ---------------------------------------------------------------------- */
/* g_task_run_in_thread                                                    */
/* ---------------------------------------------------------------------- */

static void
gtask_thread_func (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  g_task_return_int (task, 1);
}

static void
gtask_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_task_propagate_int (G_TASK (result), NULL);
  collector_add (data);
}

static double
gtask_per_s (gpointer data,
             guint    n)
{
  GMainContext *context = ((Setup *) data)->context;
  Collector c = { g_main_loop_new (context, FALSE), n, 0 };
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++)
    {
      GTask *task = g_task_new (NULL, NULL, gtask_done_cb, &c);

      g_task_run_in_thread (task, gtask_thread_func);
      g_object_unref (task);
    }
  g_main_loop_run (c.loop);
  start = g_get_monotonic_time () - start;
  g_main_loop_unref (c.loop);

  return n / (start / (double) G_USEC_PER_SEC);
}

/* ---------------------------------------------------------------------- */
/* TaExecutor                                                              */
/* ---------------------------------------------------------------------- */

static void
trivial_job (GTask        *task,
             GCancellable *cancellable,
             gpointer      data)
{
  g_task_return_int (task, 1);
}

static void
job_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  TaTask *job = ta_executor_run_finish (TA_EXECUTOR (source), result, NULL);

  if (job == NULL)
    g_error ("job failed");
  ta_task_propagate_int (job, NULL);
  g_object_unref (job);
  collector_add (data);
}

static double
ta_executor_per_s (gpointer data,
                   guint    n)
{
  Setup *setup = data;
  TaExecutor *executor = setup->executor;
  Collector c = { g_main_loop_new (setup->context, FALSE), n, 0 };
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++)
    ta_executor_run_async (executor, NULL, trivial_job, NULL, NULL, NULL, job_done_cb, &c);
  g_main_loop_run (c.loop);
  start = g_get_monotonic_time () - start;
  g_main_loop_unref (c.loop);

  return n / (start / (double) G_USEC_PER_SEC);
}

static gpointer
trivial_invoke_func (GCancellable  *cancellable,
                     gpointer       data,
                     GError       **error)
{
  return GINT_TO_POINTER (1);
}

static void
invoke_done_cb (gpointer      result,
                const GError *error,
                gpointer      data)
{
  if (error != NULL)
    g_error ("job failed: %s", error->message);
  collector_add (data);
}

static double
ta_invoke_per_s (gpointer data,
                 guint    n)
{
  Setup *setup = data;
  Collector c = { g_main_loop_new (setup->context, FALSE), n, 0 };
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++)
    if (!ta_executor_invoke (setup->executor, trivial_invoke_func, NULL, NULL,
                             invoke_done_cb, &c, NULL, NULL))
      g_error ("job refused");
  g_main_loop_run (c.loop);
  start = g_get_monotonic_time () - start;
  g_main_loop_unref (c.loop);

  return n / (start / (double) G_USEC_PER_SEC);
}

/* ---------------------------------------------------------------------- */
/* Control inversion round trip                                            */
/* ---------------------------------------------------------------------- */

typedef struct
{
  GAsyncQueue *requests;
  GAsyncQueue *answers;
  guint        n;
} RawPair;

static gpointer
raw_client_thread (gpointer data)
{
  RawPair *p = data;

  for (guint i = 1; i <= p->n; i++)
    {
      g_async_queue_push (p->requests, GUINT_TO_POINTER (i));
      g_async_queue_pop (p->answers);
    }
  return NULL;
}

static double
raw_request_us (gpointer unused,
                guint    n)
{
  RawPair p = { g_async_queue_new (), g_async_queue_new (), n };
  GThread *client = g_thread_new ("raw-client", raw_client_thread, &p);
  gint64 start = g_get_monotonic_time ();

  for (guint i = 1; i <= n; i++)
    {
      gpointer request = g_async_queue_pop (p.requests);

      g_async_queue_push (p.answers, GUINT_TO_POINTER (GPOINTER_TO_UINT (request) + 1));
    }
  start = g_get_monotonic_time () - start;
  g_thread_join (client);
  g_async_queue_unref (p.requests);
  g_async_queue_unref (p.answers);

  return start / (double) n;
}

static gboolean
answer_cb (TaServer  *server,
           TaRequest *request,
           gpointer   data)
{
  gint32 number;

  g_variant_get (ta_request_get_parameters (request), "(i)", &number);
  return ta_request_return_variant (request, g_variant_new_int32 (number + 1));
}

typedef struct
{
  TaClient *client;
  guint     n;
  guint     i;
} Client;

static void client_next (GTask *task);

static void
client_answered_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  GTask *task = data;
  g_auto(GValue) answer = G_VALUE_INIT;

  if (!ta_client_execute_finish (TA_CLIENT (source), result, &answer, NULL))
    g_error ("request failed");
  client_next (task);
}

static void
client_next (GTask *task)
{
  Client *c = g_task_get_task_data (task);

  if (c->i == c->n)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  ta_client_execute_async (c->client, "increment", g_variant_new ("(i)", c->i++), NULL,
                           NULL, client_answered_cb, task);
}

static void
client_task (GTask        *task,
             GCancellable *cancellable,
             gpointer      data)
{
  client_next (g_object_ref (task));
}

static double
ta_request_us (gpointer data,
               guint    n)
{
  TaServer *server = ((Setup *) data)->server;
  g_autoptr(TaTask) task = NULL;
  Client c = { ta_server_create_client (server), n, 0 };
  gint64 start = g_get_monotonic_time ();
  guint processed = 0;

  task = ta_server_spawn (server, "client", client_task, &c, NULL, TA_TIMEOUT_INFINITE, NULL);
  while (processed < n)
    if (ta_server_process (server, TA_TIMEOUT_INFINITE, NULL))
      processed++;
  if (!ta_task_wait (task, TA_TIMEOUT_INFINITE, NULL))
    g_error ("client failed");
  start = g_get_monotonic_time () - start;
  g_object_unref (c.client);

  return start / (double) n;
}

/* ---------------------------------------------------------------------- */

static void
run_all (const BenchOptions *options,
         gboolean            pinned)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaExecutor) executor = NULL;
  g_autoptr(TaServer) server = NULL;
  guint n_jobs = bench_count (options, 100000);
  guint n_requests = bench_count (options, 20000);
  Setup setup;

  bench_set_pinned (pinned);
  g_main_context_push_thread_default (context);
  executor = ta_executor_new ("bench", 2);
  server = ta_server_new (NULL, 0);
  g_signal_connect (server, "handle-request", G_CALLBACK (answer_cb), NULL);
  if (!ta_server_start (server, NULL))
    g_error ("could not start the server");
  setup = (Setup) { context, executor, server };

  g_print ("\n== %s ==\n", bench_mode_title (pinned, FALSE));

  {
    BenchCase cases[] = {
      { "raw GLib: GThreadPool + an idle per result", raw_pool_per_s, &setup },
      { "raw GLib: g_task_run_in_thread", gtask_per_s, &setup },
      { "ta_executor_run_async", ta_executor_per_s, &setup },
      { "ta_executor_invoke (no handles)", ta_invoke_per_s, &setup },
    };

    bench_measure (cases, G_N_ELEMENTS (cases), options->runs, n_jobs);
    g_print ("%u trivial blocking jobs, 2 workers, results on the caller's loop "
             "(median of %u runs)\n", n_jobs, options->runs);
    bench_report_cases ("blocking jobs", "job", cases, G_N_ELEMENTS (cases), options->runs,
                        1e-6, "M/s", TRUE);
  }

  {
    BenchCase cases[] = {
      { "raw GLib: two GAsyncQueues between two threads", raw_request_us, NULL },
      { "TaClient + ta_server_process", ta_request_us, &setup },
    };

    bench_measure (cases, G_N_ELEMENTS (cases), options->runs, n_requests);
    g_print ("control inversion: request, process, answer, client resumes "
             "(median of %u runs of %u requests)\n", options->runs, n_requests);
    bench_report_cases ("control inversion", "request", cases, G_N_ELEMENTS (cases),
                        options->runs, 1, "us", FALSE);
  }

  ta_server_stop (server, NULL);
  ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, TA_TIMEOUT_INFINITE, NULL);
  g_main_context_pop_thread_default (context);
  bench_set_pinned (FALSE);
}

int
main (int   argc,
      char *argv[])
{
  return bench_main (argc, argv, "bench-executor", TA_VERSION_S, run_all, NULL);
}
