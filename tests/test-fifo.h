/* test-fifo.h: what every FIFO of work items must do
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ta-glib hands work to a GMainContext from any thread through FIFOs of
 * TaWorkItem (a runner's inbox, the post source of any other context).
 * The tests here pin down what they share, through an adapter that the
 * including file defines right after including this header:
 *
 *   Fifo    *fifo_new   (GMainContext *context);
 *       An open FIFO served by @context, which the calling thread (the
 *       consumer) iterates.
 *   gboolean fifo_push  (Fifo *fifo, TaWorkItem *item);
 *       Any thread. %FALSE when refused: then @item was released (its
 *       function called with run = %FALSE) and will never run.
 *   void     fifo_close (Fifo *fifo);
 *       The consumer's thread: pushes from now on are refused.
 *   void     fifo_free  (Fifo *fifo);
 *       The consumer's thread: whatever is still queued is released.
 *   guint64  fifo_burst_wakeups (void);
 *       How many times a burst of pushes into an empty FIFO wakes the
 *       context of a consumer that is busy elsewhere.
 *
 * Porting these tests to another FIFO means writing that adapter.
 */

#pragma once

#include <errno.h>
#include <unistd.h>

#include "test-common.h"
#include "ta-context-private.h"
#include "ta-inbox-private.h"
#include "ta-runner-private.h"

typedef struct _Fifo Fifo;

static Fifo    *fifo_new   (GMainContext *context);
static gboolean fifo_push  (Fifo         *fifo,
                            TaWorkItem   *item);
static void     fifo_close (Fifo         *fifo);
static void     fifo_free  (Fifo         *fifo);
static guint64  fifo_burst_wakeups (void);

/* ---------------------------------------------------------------------- */
/* Items that count how they were consumed                                 */
/* ---------------------------------------------------------------------- */

typedef struct
{
  GThread   *consumer;
  GPtrArray *order;       /* consumer thread: the items, as they ran */
  gint       n_ran;       /* atomic */
  gint       n_released;  /* atomic */
} FifoLog;

typedef struct
{
  TaWorkItem  item;
  FifoLog    *log;
  guint       producer;
  guint       seq;        /* in its producer's order */
  guint       ticket;     /* in the order of all pushes, when serialized */
  gint        ran;        /* atomic */
  gint        released;   /* atomic */
} FifoItem;

static void
fifo_item_func (TaWorkItem *item,
                gboolean    run)
{
  FifoItem *fi = (FifoItem *) item;

  g_assert_null (item->next);
  if (run)
    {
      g_assert_true (g_thread_self () == fi->log->consumer);
      g_ptr_array_add (fi->log->order, fi);
      g_atomic_int_inc (&fi->ran);
      g_atomic_int_inc (&fi->log->n_ran);
    }
  else
    {
      g_atomic_int_inc (&fi->released);
      g_atomic_int_inc (&fi->log->n_released);
    }
}

static void
fifo_log_init (FifoLog *log)
{
  log->consumer = g_thread_self ();
  log->order = g_ptr_array_new ();
  log->n_ran = 0;
  log->n_released = 0;
}

static void
fifo_log_clear (FifoLog *log)
{
  g_ptr_array_unref (log->order);
}

/* @n_producers times @n_each items, producer by producer. */
static FifoItem *
fifo_items_new (FifoLog *log,
                guint    n_producers,
                guint    n_each)
{
  FifoItem *items = g_new0 (FifoItem, n_producers * n_each);

  for (guint i = 0; i < n_producers * n_each; i++)
    {
      items[i].item.func = fifo_item_func;
      items[i].log = log;
      items[i].producer = i / n_each;
      items[i].seq = i % n_each;
    }

  return items;
}

/* Every item was consumed exactly once: run or released, never both. */
static void
fifo_items_assert_consumed_once (FifoItem *items,
                                 guint     n)
{
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (g_atomic_int_get (&items[i].ran) + g_atomic_int_get (&items[i].released), ==, 1);
}

/* Each producer's items ran in the order it pushed them. */
static void
fifo_log_assert_producer_order (FifoLog *log,
                                guint    n_producers)
{
  g_autofree gint *last = g_new (gint, n_producers);

  for (guint p = 0; p < n_producers; p++)
    last[p] = -1;
  for (guint i = 0; i < log->order->len; i++)
    {
      FifoItem *fi = g_ptr_array_index (log->order, i);

      g_assert_cmpint ((gint) fi->seq, >, last[fi->producer]);
      last[fi->producer] = fi->seq;
    }
}

/* Exactly @n items ran, @items[0] to @items[n - 1] in that order. */
static void
fifo_log_assert_ran_in_order (FifoLog  *log,
                              FifoItem *items,
                              guint     n)
{
  g_assert_cmpuint (log->order->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_true (g_ptr_array_index (log->order, i) == &items[i]);
}

/* Runs @context until @n items ran in all, failing after TEST_HANG_US.
 * Blocking iterations: a lost wake-up hangs here. */
static void
fifo_run_until (GMainContext *context,
                FifoLog      *log,
                gint          n)
{
  gint64 end_time = g_get_monotonic_time () + TEST_HANG_US;

  while (g_atomic_int_get (&log->n_ran) < n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end_time);
      g_main_context_iteration (context, TRUE);
    }
}

/* How many times @context was woken (g_main_context_wakeup()) since the
 * last call, read off its wake-up eventfd, which counts them. */
static guint64
fifo_context_take_wakeups (GMainContext *context)
{
  gint fd = ta_context_wakeup_fd (context);
  guint64 count = 0;
  gssize n;

  g_assert_cmpint (fd, >=, 0);
  n = read (fd, &count, sizeof count);
  if (n < 0)
    {
      g_assert_cmpint (errno, ==, EAGAIN);
      return 0;
    }
  g_assert_cmpint (n, ==, sizeof count);

  return count;
}

/* ---------------------------------------------------------------------- */
/* Producers                                                               */
/* ---------------------------------------------------------------------- */

typedef struct
{
  Fifo     *fifo;
  FifoItem *items;
  guint     n;
  GMutex   *serialize;  /* nullable: one push at a time, all producers */
  guint    *next_ticket;
  TestGate *started;    /* nullable */
  guint     n_accepted;
} FifoProducer;

static gpointer
fifo_producer_thread (gpointer data)
{
  FifoProducer *p = data;

  if (p->started != NULL)
    test_gate_open (p->started);
  for (guint i = 0; i < p->n; i++)
    {
      gboolean accepted;

      if (p->serialize != NULL)
        {
          ta_mutex_lock (p->serialize);
          p->items[i].ticket = (*p->next_ticket)++;
        }
      accepted = fifo_push (p->fifo, &p->items[i].item);
      if (p->serialize != NULL)
        ta_mutex_unlock (p->serialize);
      if (accepted)
        p->n_accepted++;
    }

  return NULL;
}

/* Starts @n_producers threads, each pushing its @n_each of @items. */
static GThread **
fifo_producers_start (FifoProducer *producers,
                      guint         n_producers,
                      Fifo         *fifo,
                      FifoItem     *items,
                      guint         n_each,
                      GMutex       *serialize,
                      guint        *next_ticket,
                      TestGate     *started)
{
  GThread **threads = g_new0 (GThread *, n_producers);

  for (guint p = 0; p < n_producers; p++)
    {
      producers[p] = (FifoProducer) {
        .fifo = fifo,
        .items = items + p * n_each,
        .n = n_each,
        .serialize = serialize,
        .next_ticket = next_ticket,
        .started = started,
      };
      threads[p] = g_thread_new ("fifo-producer", fifo_producer_thread, &producers[p]);
    }

  return threads;
}

/* Joins the producers; returns how many pushes were accepted. */
static guint
fifo_producers_join (FifoProducer *producers,
                     GThread     **threads,
                     guint         n_producers)
{
  guint n_accepted = 0;

  for (guint p = 0; p < n_producers; p++)
    {
      g_thread_join (threads[p]);
      n_accepted += producers[p].n_accepted;
    }
  g_free (threads);

  return n_accepted;
}

/* ---------------------------------------------------------------------- */
/* The tests                                                               */
/* ---------------------------------------------------------------------- */

/* A test's context, FIFO and items. */
typedef struct
{
  GMainContext *context;
  Fifo         *fifo;
  FifoLog       log;
  FifoItem     *items;
  guint         n_items;
} FifoFixture;

#define FIFO_PRODUCERS 4
#define FIFO_EACH      2000

static void
fifo_fixture_setup (FifoFixture   *f,
                    gconstpointer  data)
{
  f->context = g_main_context_new ();
  fifo_log_init (&f->log);
  f->fifo = fifo_new (f->context);
  f->n_items = FIFO_PRODUCERS * FIFO_EACH;
  f->items = fifo_items_new (&f->log, FIFO_PRODUCERS, FIFO_EACH);
}

/* Whatever the test did, every item ends consumed exactly once, and the
 * context goes with nothing left behind. */
static void
fifo_fixture_teardown (FifoFixture   *f,
                       gconstpointer  data)
{
  fifo_free (f->fifo);
  g_main_context_unref (f->context);
  fifo_items_assert_consumed_once (f->items, f->n_items);
  g_free (f->items);
  fifo_log_clear (&f->log);
}

/* Pushes @n items from @first on one other thread, and waits for it. */
static guint
fifo_push_from_thread (FifoFixture *f,
                       FifoItem    *first,
                       guint        n)
{
  FifoProducer producer;
  GThread **threads = fifo_producers_start (&producer, 1, f->fifo, first, n,
                                            NULL, NULL, NULL);

  return fifo_producers_join (&producer, threads, 1);
}

static void
test_fifo_runs_in_push_order (FifoFixture   *f,
                              gconstpointer  data)
{
  g_assert_cmpuint (fifo_push_from_thread (f, f->items, f->n_items), ==, f->n_items);
  fifo_run_until (f->context, &f->log, f->n_items);

  fifo_log_assert_ran_in_order (&f->log, f->items, f->n_items);
  g_assert_cmpint (g_atomic_int_get (&f->log.n_released), ==, 0);
}

/* Several producers push while the consumer runs: every item runs once,
 * each producer's in its order. */
static void
test_fifo_keeps_each_producers_order (FifoFixture   *f,
                                      gconstpointer  data)
{
  FifoProducer producers[FIFO_PRODUCERS];
  GThread **threads;

  threads = fifo_producers_start (producers, FIFO_PRODUCERS, f->fifo, f->items, FIFO_EACH,
                                  NULL, NULL, NULL);
  fifo_run_until (f->context, &f->log, f->n_items);
  g_assert_cmpuint (fifo_producers_join (producers, threads, FIFO_PRODUCERS), ==, f->n_items);

  g_assert_cmpuint (f->log.order->len, ==, f->n_items);
  g_assert_cmpint (g_atomic_int_get (&f->log.n_released), ==, 0);
  fifo_log_assert_producer_order (&f->log, FIFO_PRODUCERS);
}

/* Pushes from several threads, one at a time, run in the order they were
 * made, whoever made them. */
static void
test_fifo_keeps_order_across_producers (FifoFixture   *f,
                                        gconstpointer  data)
{
  FifoProducer producers[FIFO_PRODUCERS];
  GMutex serialize;
  guint next_ticket = 0;
  GThread **threads;

  g_mutex_init (&serialize);
  threads = fifo_producers_start (producers, FIFO_PRODUCERS, f->fifo, f->items, FIFO_EACH,
                                  &serialize, &next_ticket, NULL);
  fifo_run_until (f->context, &f->log, f->n_items);
  g_assert_cmpuint (fifo_producers_join (producers, threads, FIFO_PRODUCERS), ==, f->n_items);
  g_mutex_clear (&serialize);

  g_assert_cmpuint (f->log.order->len, ==, f->n_items);
  for (guint i = 0; i < f->n_items; i++)
    g_assert_cmpuint (((FifoItem *) g_ptr_array_index (f->log.order, i))->ticket, ==, i);
}

/* A burst into an empty FIFO costs the consumer's context at most one
 * wake-up, and the next burst, once it is empty again, is not forgotten. */
static void
test_fifo_wakes_once_per_burst (FifoFixture   *f,
                                gconstpointer  data)
{
  guint half = f->n_items / 2;

  fifo_context_take_wakeups (f->context);

  g_assert_cmpuint (fifo_push_from_thread (f, f->items, half), ==, half);
  g_assert_cmpuint (fifo_context_take_wakeups (f->context), ==, fifo_burst_wakeups ());
  fifo_run_until (f->context, &f->log, half);
  fifo_context_take_wakeups (f->context);

  g_assert_cmpuint (fifo_push_from_thread (f, f->items + half, f->n_items - half), ==, f->n_items - half);
  g_assert_cmpuint (fifo_context_take_wakeups (f->context), ==, fifo_burst_wakeups ());
  fifo_run_until (f->context, &f->log, f->n_items);
  g_assert_cmpuint (f->log.order->len, ==, f->n_items);
}

/* A long queue runs in batches: another source of the context gets its
 * turn before the queue is through. */
static gboolean
fifo_idle_cb (gpointer data)
{
  FifoLog *log = data;

  g_assert_cmpint (g_atomic_int_get (&log->n_ran), <, FIFO_PRODUCERS * FIFO_EACH);
  g_ptr_array_add (log->order, NULL);

  return G_SOURCE_REMOVE;
}

static void
test_fifo_lets_other_sources_run_between_batches (FifoFixture   *f,
                                                  gconstpointer  data)
{
  GSource *idle;
  guint n_idle = 0;

  g_assert_cmpuint (fifo_push_from_thread (f, f->items, f->n_items), ==, f->n_items);
  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_callback (idle, fifo_idle_cb, &f->log, NULL);
  g_source_attach (idle, f->context);
  g_source_unref (idle);

  fifo_run_until (f->context, &f->log, f->n_items);

  for (guint i = 0; i < f->log.order->len; i++)
    if (g_ptr_array_index (f->log.order, i) == NULL)
      {
        g_ptr_array_remove_index (f->log.order, i--);
        n_idle++;
      }
  g_assert_cmpuint (n_idle, ==, 1);
  fifo_log_assert_ran_in_order (&f->log, f->items, f->n_items);
}

/* After close, pushes from any thread are refused; their items are
 * released at once, exactly once, and never run. */
static void
test_fifo_refuses_items_after_close (FifoFixture   *f,
                                     gconstpointer  data)
{
  fifo_close (f->fifo);

  g_assert_cmpuint (fifo_push_from_thread (f, f->items, f->n_items), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&f->log.n_released), ==, f->n_items);

  while (g_main_context_iteration (f->context, FALSE))
    ;
  g_assert_cmpint (g_atomic_int_get (&f->log.n_ran), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&f->log.n_released), ==, f->n_items);
}

/* Closed while producers push: each item is accounted for exactly once,
 * those that ran in their producer's order, and every push made after the
 * close was refused. */
static void
test_fifo_accounts_for_items_closed_mid_burst (FifoFixture   *f,
                                               gconstpointer  data)
{
  FifoProducer producers[FIFO_PRODUCERS];
  TestGate started;
  GThread **threads;
  guint n_accepted;

  test_gate_init (&started);
  threads = fifo_producers_start (producers, FIFO_PRODUCERS, f->fifo, f->items, FIFO_EACH,
                                  NULL, NULL, &started);
  g_assert_true (test_gate_wait_count (&started, FIFO_PRODUCERS, TEST_HANG_US));
  fifo_run_until (f->context, &f->log, 1);
  fifo_close (f->fifo);
  n_accepted = fifo_producers_join (producers, threads, FIFO_PRODUCERS);
  test_gate_clear (&started);

  while (g_main_context_iteration (f->context, FALSE))
    ;

  g_assert_cmpuint (n_accepted, >=, 1);
  g_assert_cmpint (g_atomic_int_get (&f->log.n_ran), <=, n_accepted);
  g_assert_cmpint (g_atomic_int_get (&f->log.n_ran) + g_atomic_int_get (&f->log.n_released), ==, f->n_items);
  fifo_items_assert_consumed_once (f->items, f->n_items);
  fifo_log_assert_producer_order (&f->log, FIFO_PRODUCERS);
}

/* Registers one test of @func on a FifoFixture. */
static void
fifo_add (const char *path,
          void      (*func) (FifoFixture *, gconstpointer))
{
  g_test_add_vtable (path, sizeof (FifoFixture), NULL,
                     (GTestFixtureFunc) fifo_fixture_setup,
                     (GTestFixtureFunc) func,
                     (GTestFixtureFunc) fifo_fixture_teardown);
}

/* Registers the shared tests under @prefix ("/ta/inbox"). */
static void
fifo_add_tests (const char *prefix)
{
  static const struct {
    const char *name;
    void (*func) (FifoFixture *, gconstpointer);
  } tests[] = {
    { "runs-items-in-push-order", test_fifo_runs_in_push_order },
    { "keeps-each-producers-order-while-consumed", test_fifo_keeps_each_producers_order },
    { "keeps-push-order-across-producers", test_fifo_keeps_order_across_producers },
    { "wakes-busy-consumer-at-most-once-per-burst", test_fifo_wakes_once_per_burst },
    { "lets-other-sources-run-between-batches", test_fifo_lets_other_sources_run_between_batches },
    { "refuses-and-releases-items-after-close", test_fifo_refuses_items_after_close },
    { "accounts-for-every-item-when-closed-mid-burst", test_fifo_accounts_for_items_closed_mid_burst },
  };

  for (guint i = 0; i < G_N_ELEMENTS (tests); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/%s", prefix, tests[i].name);

      fifo_add (path, tests[i].func);
    }
}
