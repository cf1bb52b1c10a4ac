/* bench-queue.c: TaQueue against raw GAsyncQueue
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * 1. The seed's speed test: the main thread pushes a number and blocks
 *    popping the answer, while an async worker task on the runner pops,
 *    increments and pushes back. Baseline: two plain threads doing the
 *    same over GAsyncQueue.
 * 2. Throughput: 1,000,000 items from a plain thread to an async consumer
 *    on the runner, and back. Baseline: GAsyncQueue between two threads.
 * 3. One way: 1,000,000 items from a plain thread to a loop thread.
 *    Baselines: GAsyncQueue + g_main_context_wakeup() per push, and
 *    GAsyncQueue between two plain threads.
 * 4. Contention (unless --no-contention): the ping-pong again, with a
 *    busy process at nice 19 on every CPU, beside its baseline.
 *
 * Every case of a phase is warmed up, and their order rotates from run
 * to run (see bench_measure()).
 */

#include "bench-common.h"

#include <ta-glib.h>

#define STOP_ITEM GINT_TO_POINTER (-1)

/* ---------------------------------------------------------------------- */
/* Raw GAsyncQueue: an echo thread                                         */
/* ---------------------------------------------------------------------- */

typedef struct
{
  GAsyncQueue *in;
  GAsyncQueue *out;
} RawQueues;

static gpointer
raw_echo_thread (gpointer data)
{
  RawQueues *q = data;

  for (;;)
    {
      gpointer item = g_async_queue_pop (q->in);

      if (item == STOP_ITEM)
        break;
      g_async_queue_push (q->out, GINT_TO_POINTER (GPOINTER_TO_INT (item) + 1));
    }

  return NULL;
}

static double
raw_ping_pong_us (gpointer unused,
                 guint    n)
{
  RawQueues q = { g_async_queue_new (), g_async_queue_new () };
  GThread *thread = g_thread_new ("raw-echo", raw_echo_thread, &q);
  gint64 start = g_get_monotonic_time ();

  for (guint i = 1; i <= n; i++)
    {
      g_async_queue_push (q.in, GUINT_TO_POINTER (i));
      if (GPOINTER_TO_UINT (g_async_queue_pop (q.out)) != i + 1)
        g_error ("wrong answer");
    }
  start = g_get_monotonic_time () - start;
  g_async_queue_push (q.in, STOP_ITEM);
  g_thread_join (thread);
  g_async_queue_unref (q.in);
  g_async_queue_unref (q.out);

  return start / (double) n;
}

static double
raw_throughput_per_s (gpointer unused,
                     guint    n)
{
  RawQueues q = { g_async_queue_new (), g_async_queue_new () };
  GThread *thread = g_thread_new ("raw-echo", raw_echo_thread, &q);
  gint64 start = g_get_monotonic_time ();

  for (guint i = 1; i <= n; i++)
    g_async_queue_push (q.in, GUINT_TO_POINTER (i));
  for (guint i = 1; i <= n; i++)
    g_async_queue_pop (q.out);
  start = g_get_monotonic_time () - start;
  g_async_queue_push (q.in, STOP_ITEM);
  g_thread_join (thread);
  g_async_queue_unref (q.in);
  g_async_queue_unref (q.out);

  return n / (start / (double) G_USEC_PER_SEC);
}

/* ---------------------------------------------------------------------- */
/* TaQueue: an async worker task on the runner                             */
/* ---------------------------------------------------------------------- */

typedef struct
{
  TaQueue *in;
  TaQueue *out;
  guint    batch;     /* 0: one pop per item; else pop up to this many */
} TaQueues;

static void worker_next (GTask *task);

static void
worker_echo (TaQueues *q,
             gpointer  item)
{
  ta_queue_try_push (q->out, GINT_TO_POINTER (GPOINTER_TO_INT (item) + 1), NULL);
}

static void
worker_popped_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  TaQueues *q = g_task_get_task_data (task);
  gboolean stop = FALSE;

  if (q->batch > 0)
    {
      GPtrArray *items = ta_queue_pop_batch_finish (TA_QUEUE (source), result, NULL);

      for (guint i = 0; items != NULL && i < items->len && !stop; i++)
        {
          gpointer item = g_ptr_array_index (items, i);

          if (item == STOP_ITEM)
            stop = TRUE;
          else
            worker_echo (q, item);
        }
      g_clear_pointer (&items, g_ptr_array_unref);
    }
  else
    {
      gpointer item = ta_queue_pop_finish (TA_QUEUE (source), result, NULL);

      if (item == STOP_ITEM || item == NULL)
        stop = TRUE;
      else
        worker_echo (q, item);
    }

  if (stop)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
  else
    worker_next (task);
}

static void
worker_next (GTask *task)
{
  TaQueues *q = g_task_get_task_data (task);

  if (q->batch > 0)
    ta_queue_pop_batch_async (q->in, q->batch, NULL, worker_popped_cb, task);
  else
    ta_queue_pop_async (q->in, NULL, worker_popped_cb, task);
}

/* async def increment_worker(in_queue, out_queue): ... */
static void
worker_task (GTask        *task,
             GCancellable *cancellable,
             gpointer      user_data)
{
  worker_next (g_object_ref (task));
}

static TaTask *
start_worker (TaRunner *runner,
              TaQueues *q)
{
  return ta_runner_spawn (runner, "increment_worker", worker_task, q, NULL, NULL, NULL);
}

static void
stop_worker (TaQueues *q,
             TaTask   *worker)
{
  ta_queue_push (q->in, STOP_ITEM, TA_TIMEOUT_INFINITE, NULL);
  if (!ta_task_wait (worker, TA_TIMEOUT_INFINITE, NULL))
    g_error ("worker failed");
  g_object_unref (worker);
}

static double
ta_ping_pong_us (gpointer data,
                 guint    n)
{
  TaRunner *runner = data;
  TaQueues q = { ta_queue_new_full (0, NULL), ta_queue_new_full (0, NULL), 0 };
  TaTask *worker = start_worker (runner, &q);
  gint64 start = g_get_monotonic_time ();

  for (guint i = 1; i <= n; i++)
    {
      ta_queue_push (q.in, GUINT_TO_POINTER (i), TA_TIMEOUT_INFINITE, NULL);
      if (GPOINTER_TO_UINT (ta_queue_pop (q.out, TA_TIMEOUT_INFINITE, NULL)) != i + 1)
        g_error ("wrong answer");
    }
  start = g_get_monotonic_time () - start;
  stop_worker (&q, worker);
  g_object_unref (q.in);
  g_object_unref (q.out);

  return start / (double) n;
}

static double
ta_throughput_per_s (gpointer data,
                     guint    n)
{
  TaRunner *runner = data;
  TaQueues q = { ta_queue_new_full (0, NULL), ta_queue_new_full (0, NULL), 4096 };
  TaTask *worker = start_worker (runner, &q);
  gint64 start = g_get_monotonic_time ();

  for (guint i = 1; i <= n; i++)
    ta_queue_push (q.in, GUINT_TO_POINTER (i), TA_TIMEOUT_INFINITE, NULL);
  for (guint i = 1; i <= n; i++)
    ta_queue_pop (q.out, TA_TIMEOUT_INFINITE, NULL);
  start = g_get_monotonic_time () - start;
  stop_worker (&q, worker);
  g_object_unref (q.in);
  g_object_unref (q.out);

  return n / (start / (double) G_USEC_PER_SEC);
}

/* ---------------------------------------------------------------------- */
/* One way: a plain thread feeds a loop thread                             */
/* ---------------------------------------------------------------------- */

typedef struct
{
  GAsyncQueue *queue;
  guint        n;
} RawFeedProducer;

static gpointer
raw_feed_producer_thread (gpointer data)
{
  RawFeedProducer *p = data;

  for (guint i = 1; i <= p->n; i++)
    g_async_queue_push (p->queue, GUINT_TO_POINTER (i));

  return NULL;
}

static gpointer
raw_consumer_thread (gpointer data)
{
  RawFeedProducer *p = data;

  for (guint i = 1; i <= p->n; i++)
    g_async_queue_pop (p->queue);

  return NULL;
}

/* GAsyncQueue from one plain thread to another: the fastest hand-off a
 * thread can make, but the consumer is no event loop. */
static double
raw_thread_to_thread_per_s (gpointer unused,
                           guint    n)
{
  RawFeedProducer p = { g_async_queue_new (), n };
  gint64 start = g_get_monotonic_time ();
  GThread *consumer = g_thread_new ("raw-consumer", raw_consumer_thread, &p);
  GThread *producer = g_thread_new ("raw-producer", raw_feed_producer_thread, &p);

  g_thread_join (producer);
  g_thread_join (consumer);
  start = g_get_monotonic_time () - start;
  g_async_queue_unref (p.queue);

  return n / (start / (double) G_USEC_PER_SEC);
}

/* What a loop thread does by hand: a GSource that drains a GAsyncQueue,
 * woken with g_main_context_wakeup() after every push. */
typedef struct
{
  GSource      source;
  GAsyncQueue *queue;
  guint        received;
  guint        n;
  GMainLoop   *loop;
} RawFeedSource;

static gboolean
raw_feed_prepare (GSource *source,
                  gint    *timeout)
{
  *timeout = -1;
  return g_async_queue_length (((RawFeedSource *) source)->queue) > 0;
}

static gboolean
raw_feed_check (GSource *source)
{
  return g_async_queue_length (((RawFeedSource *) source)->queue) > 0;
}

static gboolean
raw_feed_dispatch (GSource     *source,
                   GSourceFunc  callback,
                   gpointer     user_data)
{
  RawFeedSource *feed = (RawFeedSource *) source;

  while (g_async_queue_try_pop (feed->queue) != NULL)
    if (++feed->received == feed->n)
      g_main_loop_quit (feed->loop);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs raw_feed_funcs = { raw_feed_prepare, raw_feed_check, raw_feed_dispatch, NULL, NULL, NULL };

typedef struct
{
  GMainContext *context;
  GAsyncQueue  *queue;
  guint         n;
} RawLoopFeed;

static gpointer
raw_loop_producer_thread (gpointer data)
{
  RawLoopFeed *f = data;

  for (guint i = 1; i <= f->n; i++)
    {
      g_async_queue_push (f->queue, GUINT_TO_POINTER (i));
      g_main_context_wakeup (f->context);
    }

  return NULL;
}

static double
raw_thread_to_loop_per_s (gpointer unused,
                         guint    n)
{
  RawLoopFeed f = { g_main_context_new (), g_async_queue_new (), n };
  RawFeedSource *feed;
  GThread *producer;
  gint64 start;

  feed = (RawFeedSource *) g_source_new (&raw_feed_funcs, sizeof (RawFeedSource));
  feed->queue = f.queue;
  feed->n = n;
  feed->loop = g_main_loop_new (f.context, FALSE);
  g_source_attach (&feed->source, f.context);

  /* This thread is the loop thread. */
  start = g_get_monotonic_time ();
  producer = g_thread_new ("raw-producer", raw_loop_producer_thread, &f);
  g_main_loop_run (feed->loop);
  start = g_get_monotonic_time () - start;
  g_thread_join (producer);

  g_main_loop_unref (feed->loop);
  g_source_destroy (&feed->source);
  g_source_unref (&feed->source);
  g_async_queue_unref (f.queue);
  g_main_context_unref (f.context);

  return n / (start / (double) G_USEC_PER_SEC);
}

/* TaQueue: a plain thread pushes, a task on the runner pops in batches. */
typedef struct
{
  TaQueue *queue;
  guint    n;
  guint    received;
} TaFeed;

static void ta_feed_next (GTask *task);

static void
ta_feed_popped_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  TaFeed *feed = g_task_get_task_data (task);
  GPtrArray *items = ta_queue_pop_batch_finish (TA_QUEUE (source), result, NULL);

  feed->received += items->len;
  g_ptr_array_unref (items);
  if (feed->received == feed->n)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
  else
    ta_feed_next (task);
}

static void
ta_feed_next (GTask *task)
{
  TaFeed *feed = g_task_get_task_data (task);

  ta_queue_pop_batch_async (feed->queue, 4096, NULL, ta_feed_popped_cb, task);
}

static void
ta_feed_task (GTask        *task,
              GCancellable *cancellable,
              gpointer      user_data)
{
  ta_feed_next (g_object_ref (task));
}

static gpointer
ta_feed_producer_thread (gpointer data)
{
  TaFeed *feed = data;

  for (guint i = 1; i <= feed->n; i++)
    ta_queue_push (feed->queue, GUINT_TO_POINTER (i), TA_TIMEOUT_INFINITE, NULL);

  return NULL;
}

static double
ta_thread_to_loop_per_s (gpointer data,
                         guint    n)
{
  TaRunner *runner = data;
  TaFeed feed = { ta_queue_new_full (0, NULL), n, 0 };
  g_autoptr(TaTask) consumer = NULL;
  GThread *producer;
  gint64 start;

  consumer = ta_runner_spawn (runner, "consumer", ta_feed_task, &feed, NULL, NULL, NULL);
  ta_runner_wait_idle (runner, TA_TIMEOUT_INFINITE, NULL);

  start = g_get_monotonic_time ();
  producer = g_thread_new ("ta-producer", ta_feed_producer_thread, &feed);
  if (!ta_task_wait (consumer, TA_TIMEOUT_INFINITE, NULL))
    g_error ("consumer failed");
  start = g_get_monotonic_time () - start;
  g_thread_join (producer);
  g_object_unref (feed.queue);

  return n / (start / (double) G_USEC_PER_SEC);
}

/* ---------------------------------------------------------------------- */

static TaRunner *
runner_start (gboolean pinned)
{
  TaRunner *runner;

  bench_set_pinned (pinned);
  runner = ta_runner_new ("bench");
  if (!ta_runner_start (runner, NULL))
    g_error ("could not start the runner");

  return runner;
}

static void
runner_stop (TaRunner *runner)
{
  ta_runner_stop (runner, NULL);
  g_object_unref (runner);
  bench_set_pinned (FALSE);
}

static void
measure_ping_pong (const BenchOptions *options,
                   TaRunner           *runner)
{
  guint n_pings = bench_count (options, 20000);
  BenchCase cases[] = {
    { "raw GLib: GAsyncQueue between two threads", raw_ping_pong_us, NULL },
    { "TaQueue, worker task on the runner", ta_ping_pong_us, runner },
  };

  bench_measure (cases, G_N_ELEMENTS (cases), options->runs, n_pings);
  g_print ("queue ping-pong: main thread push + blocking pop, async worker echoes "
           "(median of %u runs of %u round trips)\n", options->runs, n_pings);
  bench_report_cases ("queue ping-pong", "round trip", cases, G_N_ELEMENTS (cases),
                      options->runs, 1, "us", FALSE);
}

static void
run_all (const BenchOptions *options,
         gboolean            pinned)
{
  TaRunner *runner = runner_start (pinned);
  guint n_items = bench_count (options, 1000000);

  g_print ("\n== %s ==\n", bench_mode_title (pinned, FALSE));
  measure_ping_pong (options, runner);

  {
    BenchCase cases[] = {
      { "raw GLib: GAsyncQueue between two threads", raw_throughput_per_s, NULL },
      { "TaQueue, async batch consumer on the runner", ta_throughput_per_s, runner },
    };

    bench_measure (cases, G_N_ELEMENTS (cases), options->runs, n_items);
    g_print ("throughput: %u items to a consumer and back (median of %u runs)\n",
             n_items, options->runs);
    bench_report_cases ("throughput", "item", cases, G_N_ELEMENTS (cases), options->runs, 1e-6,
                        "M/s", TRUE);
  }

  {
    BenchCase cases[] = {
      { "raw GLib: GAsyncQueue + a wake-up per push", raw_thread_to_loop_per_s, NULL },
      { "raw GLib: GAsyncQueue thread to thread (no loop)", raw_thread_to_thread_per_s, NULL },
      { "TaQueue to a batch consumer on the runner", ta_thread_to_loop_per_s, runner },
    };

    bench_measure (cases, G_N_ELEMENTS (cases), options->runs, n_items);
    g_print ("one way: %u items from a plain thread to a loop thread (median of %u runs)\n",
             n_items, options->runs);
    bench_report_cases ("one way", "item", cases, G_N_ELEMENTS (cases), options->runs, 1e-6,
                        "M/s", TRUE);
  }

  runner_stop (runner);
}

/* The ping-pong again, beside a busy process on every CPU. */
static void
run_contention (const BenchOptions *options,
                gboolean            pinned)
{
  TaRunner *runner = runner_start (pinned);

  g_print ("\n== %s ==\n", bench_mode_title (pinned, TRUE));
  measure_ping_pong (options, runner);
  runner_stop (runner);
}

int
main (int   argc,
      char *argv[])
{
  return bench_main (argc, argv, "bench-queue", TA_VERSION_S, run_all, run_contention);
}
