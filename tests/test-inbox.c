/* test-inbox.c: the runner's inbox, a FIFO of work from any thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#define _GNU_SOURCE
#include <sys/syscall.h>

#include "test-cpu.h"
#include "test-fifo.h"

/* ---------------------------------------------------------------------- */
/* The adapter (see test-fifo.h)                                           */
/* ---------------------------------------------------------------------- */

struct _Fifo
{
  GMainContext *context;
  TaInbox      *inbox;
};

/* An inbox wakes its consumer's context only when the consumer sleeps in
 * ta_inbox_poll(); one busy elsewhere finds a flag at its next poll. */
static guint64
fifo_burst_wakeups (void)
{
  return 0;
}

/* The inbox whose consumer iterates now: a GPollFunc has no user data. */
static TaInbox *polled_inbox;

/* The consumer's poll, as a runner's: where it sleeps, woken by pushes. */
static gint
fifo_poll (GPollFD *fds,
           guint    nfds,
           gint     timeout)
{
  return ta_inbox_poll (polled_inbox, TRUE, fds, nfds, timeout);
}

static Fifo *
fifo_new (GMainContext *context)
{
  Fifo *fifo = g_new0 (Fifo, 1);

  fifo->context = context;
  fifo->inbox = ta_inbox_new (context);
  polled_inbox = fifo->inbox;
  g_main_context_set_poll_func (context, fifo_poll);
  ta_inbox_open (fifo->inbox);

  return fifo;
}

/* A refused item is the pusher's to release, as a runner's callers do. */
static gboolean
fifo_push (Fifo       *fifo,
           TaWorkItem *item)
{
  if (ta_inbox_push (fifo->inbox, item))
    return TRUE;

  item->func (item, FALSE);
  return FALSE;
}

static void
fifo_close (Fifo *fifo)
{
  ta_inbox_close (fifo->inbox, NULL, -1);
}

static void
fifo_free (Fifo *fifo)
{
  ta_work_item_discard_list (ta_inbox_steal_all (fifo->inbox));
  g_main_context_set_poll_func (fifo->context, g_poll);
  polled_inbox = NULL;
  ta_inbox_free (fifo->inbox);
  g_free (fifo);
}

/* ---------------------------------------------------------------------- */
/* What only the inbox does                                                */
/* ---------------------------------------------------------------------- */

static void
test_inbox_starts_closed_and_refuses_without_consuming (FifoFixture   *f,
                                                        gconstpointer  data)
{
  TaInbox *inbox = ta_inbox_new (f->context);

  g_assert_true (ta_inbox_is_closed (inbox));
  g_assert_false (ta_inbox_push (inbox, &f->items[0].item));
  /* Not consumed: the caller still owns it. */
  g_assert_cmpint (f->items[0].ran, ==, 0);
  g_assert_cmpint (f->items[0].released, ==, 0);

  ta_inbox_open (inbox);
  g_assert_false (ta_inbox_is_closed (inbox));
  ta_inbox_close (inbox, NULL, -1);
  g_assert_true (ta_inbox_is_closed (inbox));
  ta_inbox_free (inbox);

  /* The fixture's own inbox consumes it. */
  g_assert_true (fifo_push (f->fifo, &f->items[0].item));
  fifo_run_until (f->context, &f->log, 1);
  f->n_items = 1;
}

/* What was pushed before the close still runs, in order, and the item the
 * close appends runs last. */
static void
test_inbox_runs_queued_items_then_last_item_after_close (FifoFixture   *f,
                                                         gconstpointer  data)
{
  for (guint i = 0; i < 3; i++)
    g_assert_true (fifo_push (f->fifo, &f->items[i].item));
  ta_inbox_close (f->fifo->inbox, &f->items[3].item, -1);
  g_assert_false (ta_inbox_push (f->fifo->inbox, &f->items[4].item));

  fifo_run_until (f->context, &f->log, 4);
  fifo_log_assert_ran_in_order (&f->log, f->items, 4);

  /* Item 4 was refused without being consumed. */
  g_assert_cmpint (f->items[4].ran + f->items[4].released, ==, 0);
  f->n_items = 4;
}

/* The runner's own follow-up work is accepted even once closed. */
static void
test_inbox_push_local_is_accepted_after_close (FifoFixture   *f,
                                               gconstpointer  data)
{
  g_assert_true (fifo_push (f->fifo, &f->items[0].item));
  fifo_close (f->fifo);
  ta_inbox_push_local (f->fifo->inbox, &f->items[1].item);

  fifo_run_until (f->context, &f->log, 2);
  fifo_log_assert_ran_in_order (&f->log, f->items, 2);
  f->n_items = 2;
}

/* What a stopping runner does with its queue: takes it whole, in order,
 * and releases each item once without running it. */
static void
test_inbox_steal_all_hands_back_queue_in_order (FifoFixture   *f,
                                                gconstpointer  data)
{
  TaWorkItem *list;
  guint n = 0;

  g_assert_cmpuint (fifo_push_from_thread (f, f->items, f->n_items), ==, f->n_items);
  list = ta_inbox_steal_all (f->fifo->inbox);
  for (TaWorkItem *item = list; item != NULL; item = item->next)
    g_assert_true (item == &f->items[n++].item);
  g_assert_cmpuint (n, ==, f->n_items);

  ta_work_item_discard_list (list);
  g_assert_cmpint (f->log.n_released, ==, f->n_items);

  /* Nothing is left to run. */
  while (g_main_context_iteration (f->context, FALSE))
    ;
  g_assert_cmpint (f->log.n_ran, ==, 0);
}

/* Items the claim function takes are prepared once, outside the
 * dispatch, before they run; the others run unprepared, all in order. */
static gint n_prepared[FIFO_PRODUCERS * FIFO_EACH];

static gpointer
claim_even_item (TaWorkItem *item)
{
  FifoItem *fi = (FifoItem *) item;

  return fi->seq % 2 == 0 ? fi : NULL;
}

static void
prepare_claimed_item (gpointer claimed)
{
  FifoItem *fi = claimed;

  g_assert_cmpint (fi->ran, ==, 0);
  n_prepared[fi->producer * FIFO_EACH + fi->seq]++;
}

static void
claimed_item_func (TaWorkItem *item,
                   gboolean    run)
{
  FifoItem *fi = (FifoItem *) item;

  if (run)
    g_assert_cmpint (n_prepared[fi->producer * FIFO_EACH + fi->seq], ==, fi->seq % 2 == 0);
  fifo_item_func (item, run);
}

static void
test_inbox_prepares_claimed_items_before_they_run (FifoFixture   *f,
                                                   gconstpointer  data)
{
  memset (n_prepared, 0, sizeof n_prepared);
  ta_inbox_set_prepare (f->fifo->inbox, claim_even_item, prepare_claimed_item);
  for (guint i = 0; i < f->n_items; i++)
    f->items[i].item.func = claimed_item_func;

  g_assert_cmpuint (fifo_push_from_thread (f, f->items, FIFO_EACH), ==, FIFO_EACH);
  fifo_run_until (f->context, &f->log, FIFO_EACH);

  fifo_log_assert_ran_in_order (&f->log, f->items, FIFO_EACH);
  for (guint i = 0; i < FIFO_EACH; i++)
    g_assert_cmpint (n_prepared[i], ==, i % 2 == 0);
  f->n_items = FIFO_EACH;
}

/* A consumer asleep in its poll is woken by the first push of a burst;
 * the rest of the burst adds no wake-up. */
typedef struct
{
  FifoFixture *f;
  TestGate     woken;
} Parked;

static gpointer
park_thread (gpointer data)
{
  Parked *parked = data;
  GPollFD fd = { ta_context_wakeup_fd (parked->f->context), G_IO_IN, 0 };

  ta_inbox_poll (parked->f->fifo->inbox, FALSE, &fd, 1, -1);
  test_gate_open (&parked->woken);

  return NULL;
}

static void
test_inbox_wakes_parked_consumer_once_per_burst (FifoFixture   *f,
                                                 gconstpointer  data)
{
  Parked parked = { f };
  GThread *thread;

  test_gate_init (&parked.woken);
  fifo_context_take_wakeups (f->context);
  thread = g_thread_new ("parked", park_thread, &parked);

  for (guint i = 0; i < f->n_items; i++)
    g_assert_true (fifo_push (f->fifo, &f->items[i].item));
  test_gate_wait (&parked.woken);
  g_thread_join (thread);
  test_gate_clear (&parked.woken);
  g_assert_cmpuint (fifo_context_take_wakeups (f->context), <=, 1);

  fifo_run_until (f->context, &f->log, f->n_items);
}

/* ta_inbox_poll_timed() hands the runner's watchdog a clock reading made
 * after the poll's wait: the one it was given for a poll that does not
 * wait, and for one that waits a reading at least as late as what woke
 * it. */
typedef struct
{
  FifoFixture *f;
  gint64       after;
} Timed;

static gpointer
timed_park_thread (gpointer data)
{
  Timed *timed = data;
  GPollFD fd = { ta_context_wakeup_fd (timed->f->context), G_IO_IN, 0 };

  ta_inbox_poll_timed (timed->f->fifo->inbox, FALSE, &fd, 1, -1,
                       g_get_monotonic_time (), &timed->after);

  return NULL;
}

static void
test_inbox_poll_timed_shares_clock_readings (FifoFixture   *f,
                                             gconstpointer  data)
{
  GPollFD fd = { ta_context_wakeup_fd (f->context), G_IO_IN, 0 };
  Timed timed = { f, 0 };
  gint64 before = g_get_monotonic_time ();
  gint64 after = 0;
  gint64 pushed_at;
  GThread *thread;

  ta_inbox_poll_timed (f->fifo->inbox, FALSE, &fd, 1, 0, before, &after);
  g_assert_cmpint (after, >=, before);

  /* Nothing pending but the pushes to come. */
  fifo_context_take_wakeups (f->context);
  thread = g_thread_new ("timed", timed_park_thread, &timed);
  pushed_at = g_get_monotonic_time ();
  for (guint i = 0; i < f->n_items; i++)
    g_assert_true (fifo_push (f->fifo, &f->items[i].item));
  g_thread_join (thread);
  g_assert_cmpint (timed.after, >=, pushed_at);

  fifo_run_until (f->context, &f->log, f->n_items);
}

/*
 * The library's yields, seen from the tests: sched_yield() of this
 * program (which holds the library's code) is this one. Armed on a
 * thread, it does what a thread woken on that thread's CPU would do
 * during the yield: push an item, if it has one to push.
 */
static _Thread_local gboolean yield_armed;
static _Thread_local guint yield_count;
static _Thread_local Fifo *yield_fifo;
static _Thread_local TaWorkItem *yield_item;

int
sched_yield (void)
{
  if (yield_armed)
    {
      yield_count++;
      if (yield_item != NULL)
        g_assert_true (fifo_push (yield_fifo, g_steal_pointer (&yield_item)));
    }

  return (int) syscall (SYS_sched_yield);
}

/* A generous bound on a poll that must not sleep: if it sleeps that long,
 * nobody will wake it, and the assertions after it fail. */
#define YIELD_POLL_BOUND_MS 10000

/*
 * A runner that may only run on one CPU, about to sleep while the thread
 * that last sent it work shares that CPU, gives it away first; work sent
 * meanwhile is taken without sleeping, and without a wake-up. A yield
 * that brought nothing makes it skip its next chance. The polls run on a
 * thread of their own, made once this one is pinned: it knows its
 * affinity from the start.
 */
typedef struct
{
  FifoFixture *f;
  gboolean     allowed;
  guint        yields_with_news;
  gboolean     news_taken;
  guint64      wakeups;
  guint        yields_without_news;
  guint        yields_without_spin;
} YieldingPoller;

/* The first visit: item 1 comes during the yield. */
static gpointer
yielding_poller_thread (gpointer data)
{
  YieldingPoller *p = data;
  GPollFD fd = { ta_context_wakeup_fd (p->f->context), G_IO_IN, 0 };

  p->allowed = ta_spin_yield_allowed ();
  if (!p->allowed)
    return NULL;

  yield_armed = TRUE;
  yield_fifo = p->f->fifo;
  yield_item = &p->f->items[1].item;
  ta_inbox_poll (p->f->fifo->inbox, TRUE, &fd, 1, YIELD_POLL_BOUND_MS);
  p->yields_with_news = yield_count;
  p->news_taken = yield_item == NULL;
  p->wakeups = fifo_context_take_wakeups (p->f->context);
  yield_armed = FALSE;

  return NULL;
}

/* The second, once item 1 ran: nothing comes. */
static gpointer
idle_poller_thread (gpointer data)
{
  YieldingPoller *p = data;
  GPollFD fd = { ta_context_wakeup_fd (p->f->context), G_IO_IN, 0 };

  yield_armed = TRUE;

  /* Nothing comes during the next yield: the chance after it is
   * skipped, the one after that taken. */
  for (guint i = 0; i < 3; i++)
    ta_inbox_poll (p->f->fifo->inbox, TRUE, &fd, 1, 1);
  p->yields_without_news = yield_count;

  /* Never when the runner may not spin. */
  yield_count = 0;
  for (guint i = 0; i < 3; i++)
    ta_inbox_poll (p->f->fifo->inbox, FALSE, &fd, 1, 1);
  p->yields_without_spin = yield_count;
  yield_armed = FALSE;

  return NULL;
}

static void
test_inbox_yields_to_a_kicker_on_its_cpu (FifoFixture   *f,
                                          gconstpointer  data)
{
  YieldingPoller poller = { f };
  cpu_set_t saved;
  gint cpu;

  /* Two of the fixture's items are pushed. */
  f->n_items = 2;
  if (!test_pin_here (&saved, &cpu))
    {
      g_test_skip ("the calling thread's CPU is unknown or cannot be kept");
      g_assert_cmpuint (fifo_push_from_thread (f, f->items, 2), ==, 2);
      fifo_run_until (f->context, &f->log, 2);
      return;
    }

  /* A push from a thread on this CPU (it inherits this thread's
   * affinity) tells the inbox where its sender runs. */
  g_assert_cmpuint (fifo_push_from_thread (f, f->items, 1), ==, 1);
  fifo_run_until (f->context, &f->log, 1);
  fifo_context_take_wakeups (f->context);

  g_thread_join (g_thread_new ("yielding-poller", yielding_poller_thread, &poller));
  if (!poller.allowed)
    {
      g_test_skip ("spinning is off (TA_SPIN=0, valgrind or one CPU)");
      g_assert_cmpuint (fifo_push_from_thread (f, f->items + 1, 1), ==, 1);
      fifo_run_until (f->context, &f->log, 2);
      test_unpin (&saved);
      return;
    }

  g_assert_cmpuint (poller.yields_with_news, ==, 1);
  g_assert_true (poller.news_taken);
  g_assert_cmpuint (poller.wakeups, ==, 0);
  fifo_run_until (f->context, &f->log, 2);

  g_thread_join (g_thread_new ("idle-poller", idle_poller_thread, &poller));
  g_assert_cmpuint (poller.yields_without_news, ==, 2);
  g_assert_cmpuint (poller.yields_without_spin, ==, 0);

  test_unpin (&saved);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  fifo_add_tests ("/ta/inbox");
  fifo_add ("/ta/inbox/starts-closed-and-refuses-without-consuming", test_inbox_starts_closed_and_refuses_without_consuming);
  fifo_add ("/ta/inbox/runs-queued-items-then-last-item-after-close", test_inbox_runs_queued_items_then_last_item_after_close);
  fifo_add ("/ta/inbox/push-local-is-accepted-after-close", test_inbox_push_local_is_accepted_after_close);
  fifo_add ("/ta/inbox/steal-all-hands-back-queue-in-order", test_inbox_steal_all_hands_back_queue_in_order);
  fifo_add ("/ta/inbox/prepares-claimed-items-before-they-run", test_inbox_prepares_claimed_items_before_they_run);
  fifo_add ("/ta/inbox/wakes-parked-consumer-once-per-burst", test_inbox_wakes_parked_consumer_once_per_burst);
  fifo_add ("/ta/inbox/poll-timed-shares-clock-readings", test_inbox_poll_timed_shares_clock_readings);
  fifo_add ("/ta/inbox/yields-to-a-kicker-on-its-cpu", test_inbox_yields_to_a_kicker_on_its_cpu);

  return g_test_run ();
}
