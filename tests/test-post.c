/* test-post.c: work posted to any GMainContext from other threads
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "test-fifo.h"
#include "ta-post-private.h"

/* ---------------------------------------------------------------------- */
/* The adapter (see test-fifo.h)                                           */
/* ---------------------------------------------------------------------- */

struct _Fifo
{
  GMainContext *context;
};

/* A post into an empty queue always wakes the context. */
static guint64
fifo_burst_wakeups (void)
{
  return 1;
}

typedef struct
{
  TaWorkItem item;
  gboolean   ran;
} WarmUp;

static void
warm_up_func (TaWorkItem *item,
              gboolean    run)
{
  g_assert_true (run);
  ((WarmUp *) item)->ran = TRUE;
}

/* The context's post source is made by its first post: made here, so that
 * the tests see a context that was posted to before. */
static Fifo *
fifo_new (GMainContext *context)
{
  Fifo *fifo = g_new0 (Fifo, 1);
  WarmUp warm_up = { { NULL, warm_up_func }, FALSE };

  fifo->context = context;
  ta_context_post (context, &warm_up.item);
  test_iterate_until (context, &warm_up.ran);
  fifo_context_take_wakeups (context);

  return fifo;
}

/* A post is refused by releasing its item at once (all the tests' items
 * are FifoItems). */
static gboolean
fifo_push (Fifo       *fifo,
           TaWorkItem *item)
{
  ta_context_post (fifo->context, item);
  return g_atomic_int_get (&((FifoItem *) item)->released) == 0;
}

static void
fifo_close (Fifo *fifo)
{
  ta_context_post_close (fifo->context);
}

/* The context releases what is left when it goes. */
static void
fifo_free (Fifo *fifo)
{
  g_free (fifo);
}

/* ---------------------------------------------------------------------- */
/* What only the post source does                                          */
/* ---------------------------------------------------------------------- */

/* Posted to a context that is finalized before it runs them: released,
 * once each, by whoever drops the context. */
static void
test_post_releases_items_when_context_is_finalized (FifoFixture   *f,
                                                    gconstpointer  data)
{
  GMainContext *context = g_main_context_new ();
  Fifo *fifo = fifo_new (context);
  FifoProducer producer;
  GThread **threads;

  threads = fifo_producers_start (&producer, 1, fifo, f->items, f->n_items, NULL, NULL, NULL);
  g_assert_cmpuint (fifo_producers_join (&producer, threads, 1), ==, f->n_items);
  fifo_free (fifo);

  g_assert_cmpint (f->log.n_released, ==, 0);
  g_main_context_unref (context);
  g_assert_cmpint (f->log.n_ran, ==, 0);
  g_assert_cmpint (f->log.n_released, ==, f->n_items);
}

/* A context whose thread leaves releases what was queued at once. */
static void
test_post_close_releases_queued_items_at_once (FifoFixture   *f,
                                               gconstpointer  data)
{
  g_assert_cmpuint (fifo_push_from_thread (f, f->items, f->n_items), ==, f->n_items);
  g_assert_cmpint (f->log.n_released, ==, 0);

  fifo_close (f->fifo);
  g_assert_cmpint (f->log.n_released, ==, f->n_items);
  while (g_main_context_iteration (f->context, FALSE))
    ;
  g_assert_cmpint (f->log.n_ran, ==, 0);
}

/* A post source destroyed with its context alive (a worker sweeping its
 * sources) releases its queue; the next post gets a new one. */
static void
test_post_replaces_a_destroyed_source (FifoFixture   *f,
                                       gconstpointer  data)
{
  guint half = f->n_items / 2;

  g_assert_cmpuint (fifo_push_from_thread (f, f->items, half), ==, half);
  ta_context_sweep (f->context, NULL);
  g_assert_cmpint (f->log.n_released, ==, half);

  g_assert_cmpuint (fifo_push_from_thread (f, f->items + half, f->n_items - half), ==, f->n_items - half);
  fifo_run_until (f->context, &f->log, f->n_items - half);
  fifo_log_assert_ran_in_order (&f->log, f->items + half, f->n_items - half);
}

/* Each context has its own queue, run by its own thread only. */
static void
test_post_keeps_contexts_apart (FifoFixture   *f,
                                gconstpointer  data)
{
  GMainContext *other = g_main_context_new ();
  Fifo *other_fifo = fifo_new (other);

  g_assert_true (fifo_push (other_fifo, &f->items[0].item));
  g_assert_true (fifo_push (f->fifo, &f->items[1].item));
  fifo_run_until (f->context, &f->log, 1);
  g_assert_true (g_ptr_array_index (f->log.order, 0) == &f->items[1]);
  g_assert_cmpint (f->items[0].ran, ==, 0);

  fifo_run_until (other, &f->log, 2);
  g_assert_true (g_ptr_array_index (f->log.order, 1) == &f->items[0]);
  fifo_free (other_fifo);
  g_main_context_unref (other);
  f->n_items = 2;
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  fifo_add_tests ("/ta/post");
  fifo_add ("/ta/post/releases-items-when-context-is-finalized", test_post_releases_items_when_context_is_finalized);
  fifo_add ("/ta/post/close-releases-queued-items-at-once", test_post_close_releases_queued_items_at_once);
  fifo_add ("/ta/post/replaces-a-destroyed-source", test_post_replaces_a_destroyed_source);
  fifo_add ("/ta/post/keeps-contexts-apart", test_post_keeps_contexts_apart);

  return g_test_run ();
}
