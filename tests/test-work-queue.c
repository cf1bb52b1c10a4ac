/* test-work-queue.c: the FIFO of work items and the post source that
 * drains it into a GMainContext
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "test-common.h"
#include "ta-post-private.h"
#include "ta-work-queue-private.h"

/* An item that records, in its log, its producer and number, and whether
 * it ran or was discarded, on which thread. */
typedef struct _TestLog TestLog;

typedef struct
{
  TaWorkItem  item;
  TestLog    *log;
  guint       producer;
  guint       serial;
} TestItem;

struct _TestLog
{
  GMutex    mutex;
  GArray   *ran;          /* TestItem copies, in the order they ran */
  guint     n_discarded;
  GThread  *discarded_on; /* the thread of the last discard */
  GThread  *ran_on;       /* the thread of the last run */
  TestGate  gate;         /* opened once per item run or discarded */
};

static void
test_log_init (TestLog *log)
{
  g_mutex_init (&log->mutex);
  log->ran = g_array_new (FALSE, FALSE, sizeof (TestItem));
  log->n_discarded = 0;
  log->discarded_on = NULL;
  log->ran_on = NULL;
  test_gate_init (&log->gate);
}

static void
test_log_clear (TestLog *log)
{
  g_array_unref (log->ran);
  g_mutex_clear (&log->mutex);
  test_gate_clear (&log->gate);
}

static void
test_item_func (TaWorkItem *item,
                gboolean    run)
{
  TestItem *t = (TestItem *) item;
  TestLog *log = t->log;

  g_assert_null (item->next);
  ta_mutex_lock (&log->mutex);
  if (run)
    {
      g_array_append_val (log->ran, *t);
      log->ran_on = g_thread_self ();
    }
  else
    {
      log->n_discarded++;
      log->discarded_on = g_thread_self ();
    }
  ta_mutex_unlock (&log->mutex);
  g_free (t);
  test_gate_open (&log->gate);
}

static TaWorkItem *
test_item_new (TestLog *log,
               guint    producer,
               guint    serial)
{
  TestItem *t = g_new0 (TestItem, 1);

  t->item.func = test_item_func;
  t->log = log;
  t->producer = producer;
  t->serial = serial;

  return &t->item;
}

static void
test_count_wake (gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

/* Pops and runs everything, as a drainer does. */
static guint
test_drain (TaWorkQueue *queue)
{
  TaWorkItem *item;
  TaWorkQueueState state;
  gint64 drain_end;
  guint n = 0;

  while ((item = ta_work_queue_pop (queue, &state, &drain_end)) != NULL)
    {
      item->func (item, TRUE);
      n++;
    }

  return n;
}

static void
test_work_queue_fifo (void)
{
  TaWorkQueue queue;
  TestLog log;

  test_log_init (&log);
  ta_work_queue_init (&queue, TA_WORK_QUEUE_OPEN, NULL, NULL);

  for (guint i = 0; i < 100; i++)
    g_assert_true (ta_work_queue_push (&queue, test_item_new (&log, 0, i)));
  g_assert_true (ta_work_queue_has_items (&queue));
  g_assert_cmpuint (test_drain (&queue), ==, 100);
  g_assert_false (ta_work_queue_has_items (&queue));

  g_assert_cmpuint (log.ran->len, ==, 100);
  for (guint i = 0; i < 100; i++)
    g_assert_cmpuint (g_array_index (log.ran, TestItem, i).serial, ==, i);
  g_assert_cmpuint (log.n_discarded, ==, 0);

  ta_work_queue_clear (&queue);
  test_log_clear (&log);
}

/* A burst of pushes wakes the drainer once: only the push that finds the
 * queue empty. */
static void
test_work_queue_wakes_when_empty (void)
{
  TaWorkQueue queue;
  TestLog log;
  gint wakes = 0;

  test_log_init (&log);
  ta_work_queue_init (&queue, TA_WORK_QUEUE_OPEN, test_count_wake, &wakes);

  for (guint i = 0; i < 10; i++)
    g_assert_true (ta_work_queue_push (&queue, test_item_new (&log, 0, i)));
  g_assert_cmpint (wakes, ==, 1);

  /* A follow-up into a non-empty queue does not wake it either. */
  g_assert_true (ta_work_queue_post (&queue, test_item_new (&log, 0, 10)));
  g_assert_cmpint (wakes, ==, 1);

  test_drain (&queue);
  g_assert_true (ta_work_queue_post (&queue, test_item_new (&log, 0, 11)));
  g_assert_cmpint (wakes, ==, 2);
  g_assert_true (ta_work_queue_push (&queue, test_item_new (&log, 0, 12)));
  g_assert_cmpint (wakes, ==, 2);
  test_drain (&queue);
  g_assert_cmpuint (log.ran->len, ==, 13);

  ta_work_queue_clear (&queue);
  test_log_clear (&log);
}

/* A closed queue refuses new work but takes follow-ups; the item that
 * closes it comes after everything queued before; it opens again. */
static void
test_work_queue_close (void)
{
  TaWorkQueue queue;
  TestLog log;
  TaWorkItem *refused;

  test_log_init (&log);
  ta_work_queue_init (&queue, TA_WORK_QUEUE_CLOSED, NULL, NULL);

  refused = test_item_new (&log, 0, 0);
  g_assert_false (ta_work_queue_push (&queue, refused));
  g_assert_null (refused->next);
  g_assert_cmpint (ta_work_queue_get_state (&queue), ==, TA_WORK_QUEUE_CLOSED);

  ta_work_queue_open (&queue);
  g_assert_true (ta_work_queue_push (&queue, refused));
  g_assert_true (ta_work_queue_push (&queue, test_item_new (&log, 0, 1)));
  ta_work_queue_close (&queue, test_item_new (&log, 0, 3), -1);
  g_assert_cmpint (ta_work_queue_get_state (&queue), ==, TA_WORK_QUEUE_CLOSED);

  refused = test_item_new (&log, 0, 99);
  g_assert_false (ta_work_queue_push (&queue, refused));
  refused->func (refused, FALSE);
  g_assert_true (ta_work_queue_post (&queue, test_item_new (&log, 0, 4)));

  g_assert_cmpuint (test_drain (&queue), ==, 4);
  g_assert_cmpuint (g_array_index (log.ran, TestItem, 0).serial, ==, 0);
  g_assert_cmpuint (g_array_index (log.ran, TestItem, 1).serial, ==, 1);
  g_assert_cmpuint (g_array_index (log.ran, TestItem, 2).serial, ==, 3);
  g_assert_cmpuint (g_array_index (log.ran, TestItem, 3).serial, ==, 4);
  g_assert_cmpuint (log.n_discarded, ==, 1);

  ta_work_queue_clear (&queue);
  test_log_clear (&log);
}

/* A dead queue hands back what it held and refuses everything, follow-ups
 * included, without consuming them. */
static void
test_work_queue_kill (void)
{
  TaWorkQueue queue;
  TestLog log;
  TaWorkItem *late;
  TaWorkItem *list;
  guint n = 0;

  test_log_init (&log);
  ta_work_queue_init (&queue, TA_WORK_QUEUE_OPEN, NULL, NULL);

  for (guint i = 0; i < 5; i++)
    ta_work_queue_push (&queue, test_item_new (&log, 0, i));
  list = ta_work_queue_kill (&queue);
  for (TaWorkItem *l = list; l != NULL; l = l->next)
    g_assert_cmpuint (((TestItem *) l)->serial, ==, n++);
  g_assert_cmpuint (n, ==, 5);
  g_assert_false (ta_work_queue_has_items (&queue));
  ta_work_item_discard_list (list);
  g_assert_cmpuint (log.n_discarded, ==, 5);

  late = test_item_new (&log, 0, 5);
  g_assert_false (ta_work_queue_post (&queue, late));
  g_assert_false (ta_work_queue_push (&queue, late));
  g_assert_cmpint (ta_work_queue_get_state (&queue), ==, TA_WORK_QUEUE_DEAD);
  late->func (late, FALSE);
  g_assert_cmpuint (log.n_discarded, ==, 6);
  g_assert_cmpuint (log.ran->len, ==, 0);

  ta_work_queue_clear (&queue);
  test_log_clear (&log);
}

static gpointer
test_claim_odd (TaWorkItem *item)
{
  TestItem *t = (TestItem *) item;

  return t->serial % 2 == 1 ? GUINT_TO_POINTER (t->serial) : NULL;
}

/* With a claim function, only what was offered to it pops, a batch at a
 * time; each item is offered once. */
static void
test_work_queue_claim (void)
{
  TaWorkQueue queue;
  TestLog log;
  gpointer claimed[4];
  TaWorkQueueState state;
  gint64 drain_end;
  guint n;

  test_log_init (&log);
  ta_work_queue_init (&queue, TA_WORK_QUEUE_OPEN, NULL, NULL);
  ta_work_queue_set_claim (&queue, test_claim_odd);

  for (guint i = 0; i < 6; i++)
    ta_work_queue_push (&queue, test_item_new (&log, 0, i));
  g_assert_null (ta_work_queue_pop (&queue, &state, &drain_end));

  n = ta_work_queue_claim (&queue, claimed, 4);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (GPOINTER_TO_UINT (claimed[0]), ==, 1);
  g_assert_cmpuint (GPOINTER_TO_UINT (claimed[1]), ==, 3);
  /* Offered already: not again. */
  g_assert_cmpuint (ta_work_queue_claim (&queue, claimed, 4), ==, 0);
  g_assert_cmpuint (test_drain (&queue), ==, 4);

  n = ta_work_queue_claim (&queue, claimed, 4);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (GPOINTER_TO_UINT (claimed[0]), ==, 5);
  g_assert_cmpuint (test_drain (&queue), ==, 2);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpuint (g_array_index (log.ran, TestItem, i).serial, ==, i);

  ta_work_queue_clear (&queue);
  test_log_clear (&log);
}

#define N_PRODUCERS 4
#define N_PER_PRODUCER 20000

typedef struct
{
  TaWorkQueue  *queue;
  TestLog      *log;
  guint         producer;
  gboolean      follow_ups;
  GMainContext *context;      /* or post there */
} TestProducer;

static gpointer
test_producer_thread (gpointer data)
{
  TestProducer *p = data;

  for (guint i = 0; i < N_PER_PRODUCER; i++)
    {
      TaWorkItem *item = test_item_new (p->log, p->producer, i);

      if (p->context != NULL)
        ta_context_post (p->context, item);
      else if (p->follow_ups)
        g_assert_true (ta_work_queue_post (p->queue, item));
      else
        g_assert_true (ta_work_queue_push (p->queue, item));
    }

  return NULL;
}

/* Every item of every producer runs exactly once, each producer's in the
 * order it pushed them. */
static void
test_work_queue_many_producers (void)
{
  TaWorkQueue queue;
  TestLog log;
  TestProducer producers[N_PRODUCERS];
  GThread *threads[N_PRODUCERS];
  guint next[N_PRODUCERS] = { 0 };
  guint total = 0;
  gint64 end_time = g_get_monotonic_time () + TEST_HANG_US;

  test_log_init (&log);
  ta_work_queue_init (&queue, TA_WORK_QUEUE_OPEN, NULL, NULL);

  for (guint i = 0; i < N_PRODUCERS; i++)
    {
      producers[i] = (TestProducer) { &queue, &log, i, i % 2 == 1, NULL };
      threads[i] = g_thread_new ("producer", test_producer_thread, &producers[i]);
    }

  while (total < N_PRODUCERS * N_PER_PRODUCER)
    {
      total += test_drain (&queue);
      g_assert_cmpint (g_get_monotonic_time (), <, end_time);
      g_thread_yield ();
    }
  for (guint i = 0; i < N_PRODUCERS; i++)
    g_thread_join (threads[i]);
  g_assert_cmpuint (test_drain (&queue), ==, 0);

  g_assert_cmpuint (log.ran->len, ==, N_PRODUCERS * N_PER_PRODUCER);
  for (guint i = 0; i < log.ran->len; i++)
    {
      TestItem *t = &g_array_index (log.ran, TestItem, i);

      g_assert_cmpuint (t->serial, ==, next[t->producer]);
      next[t->producer]++;
    }
  g_assert_cmpuint (log.n_discarded, ==, 0);

  ta_work_queue_clear (&queue);
  test_log_clear (&log);
}

/* The post source: a thread of its own iterates a context of its own. */
typedef struct
{
  GMainContext *context;
  GMainLoop    *loop;
  GThread      *thread;
} TestLoopThread;

static gpointer
test_loop_thread_main (gpointer data)
{
  TestLoopThread *t = data;

  g_main_context_push_thread_default (t->context);
  g_main_loop_run (t->loop);
  g_main_context_pop_thread_default (t->context);

  return NULL;
}

static void
test_loop_thread_start (TestLoopThread *t)
{
  t->context = g_main_context_new ();
  t->loop = g_main_loop_new (t->context, FALSE);
  t->thread = g_thread_new ("loop", test_loop_thread_main, t);
}

static gboolean
test_quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
test_loop_thread_stop (TestLoopThread *t)
{
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, test_quit_cb, t->loop, NULL);
  g_source_attach (source, t->context);
  g_source_unref (source);
  g_thread_join (t->thread);
  g_main_loop_unref (t->loop);
  g_main_context_unref (t->context);
}

/* Work posted from many threads runs in the context's thread, every item
 * once, each producer's in order. */
static void
test_post_runs_in_context (void)
{
  TestLoopThread loop_thread;
  TestLog log;
  TestProducer producers[N_PRODUCERS];
  GThread *threads[N_PRODUCERS];
  guint next[N_PRODUCERS] = { 0 };

  test_log_init (&log);
  test_loop_thread_start (&loop_thread);

  for (guint i = 0; i < N_PRODUCERS; i++)
    {
      producers[i] = (TestProducer) { NULL, &log, i, FALSE, loop_thread.context };
      threads[i] = g_thread_new ("poster", test_producer_thread, &producers[i]);
    }
  for (guint i = 0; i < N_PRODUCERS; i++)
    g_thread_join (threads[i]);
  g_assert_true (test_gate_wait_count (&log.gate, N_PRODUCERS * N_PER_PRODUCER, TEST_HANG_US));

  ta_mutex_lock (&log.mutex);
  g_assert_true (log.ran_on == loop_thread.thread);
  g_assert_cmpuint (log.ran->len, ==, N_PRODUCERS * N_PER_PRODUCER);
  g_assert_cmpuint (log.n_discarded, ==, 0);
  for (guint i = 0; i < log.ran->len; i++)
    {
      TestItem *t = &g_array_index (log.ran, TestItem, i);

      g_assert_cmpuint (t->serial, ==, next[t->producer]);
      next[t->producer]++;
    }
  ta_mutex_unlock (&log.mutex);

  test_loop_thread_stop (&loop_thread);
  test_log_clear (&log);
}

/* Once a context is marked dead, what was posted and is posted later is
 * discarded on the posting thread, never run. */
static void
test_post_dead_context_discards (void)
{
  GMainContext *context = g_main_context_new ();
  TestLog log;
  GSource *source;

  test_log_init (&log);

  ta_context_post (context, test_item_new (&log, 0, 0));
  ta_context_post (context, test_item_new (&log, 0, 1));
  source = ta_context_post_close (context);
  g_assert_cmpuint (log.n_discarded, ==, 2);
  g_assert_true (log.discarded_on == g_thread_self ());

  ta_context_post (context, test_item_new (&log, 0, 2));
  g_assert_cmpuint (log.n_discarded, ==, 3);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_cmpuint (log.ran->len, ==, 0);

  /* The mark lasts as long as the source is attached; a destroyed one
   * means a context that serves again (a new one at the same address). */
  g_source_destroy (source);
  ta_context_post (context, test_item_new (&log, 0, 3));
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_cmpuint (log.ran->len, ==, 1);
  g_assert_cmpuint (log.n_discarded, ==, 3);

  g_main_context_unref (context);
  test_log_clear (&log);
}

/* A context let go with work still posted releases it, unrun. */
static void
test_post_context_finalized_discards (void)
{
  GMainContext *context = g_main_context_new ();
  TestLog log;

  test_log_init (&log);
  ta_context_post (context, test_item_new (&log, 0, 0));
  g_main_context_unref (context);
  g_assert_cmpuint (log.n_discarded, ==, 1);
  g_assert_cmpuint (log.ran->len, ==, 0);
  test_log_clear (&log);
}

/* A post source of one's own starts closed when asked, wakes through its
 * own function, and refuses new work until opened. */
static void
test_post_source_of_own (void)
{
  GMainContext *context = g_main_context_new ();
  TestLog log;
  TaPostSource *source;
  TaWorkQueue *queue;
  TaWorkItem *item;
  gint wakes = 0;

  test_log_init (&log);
  source = ta_post_source_new (context, "test", TA_WORK_QUEUE_CLOSED, test_count_wake, &wakes);
  queue = ta_post_source_get_queue (source);

  item = test_item_new (&log, 0, 0);
  g_assert_false (ta_work_queue_push (queue, item));
  g_assert_cmpint (wakes, ==, 0);
  /* A post to the context goes to this source, closed or not. */
  ta_context_post (context, item);
  g_assert_cmpint (wakes, ==, 1);
  ta_work_queue_open (queue);
  g_assert_true (ta_work_queue_push (queue, test_item_new (&log, 0, 1)));
  g_assert_cmpint (wakes, ==, 1);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_cmpuint (log.ran->len, ==, 2);
  g_assert_cmpuint (g_array_index (log.ran, TestItem, 0).serial, ==, 0);
  g_assert_cmpuint (g_array_index (log.ran, TestItem, 1).serial, ==, 1);

  ta_work_item_discard_list (ta_work_queue_kill (queue));
  ta_post_source_post (source, test_item_new (&log, 0, 2));
  g_assert_cmpuint (log.n_discarded, ==, 1);

  g_source_destroy ((GSource *) source);
  g_source_unref ((GSource *) source);
  g_main_context_unref (context);
  test_log_clear (&log);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/ta/work-queue/fifo", test_work_queue_fifo);
  g_test_add_func ("/ta/work-queue/wakes-when-empty", test_work_queue_wakes_when_empty);
  g_test_add_func ("/ta/work-queue/close", test_work_queue_close);
  g_test_add_func ("/ta/work-queue/kill", test_work_queue_kill);
  g_test_add_func ("/ta/work-queue/claim", test_work_queue_claim);
  g_test_add_func ("/ta/work-queue/many-producers", test_work_queue_many_producers);
  g_test_add_func ("/ta/post/runs-in-context", test_post_runs_in_context);
  g_test_add_func ("/ta/post/dead-context-discards", test_post_dead_context_discards);
  g_test_add_func ("/ta/post/context-finalized-discards", test_post_context_finalized_discards);
  g_test_add_func ("/ta/post/source-of-own", test_post_source_of_own);

  return g_test_run ();
}
