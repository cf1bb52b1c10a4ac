/* test-queue.c: TaQueue between threads and loops
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "test-common.h"

/* ---------------------------------------------------------------------- */
/* Tracked items: delivered exactly once or freed exactly once             */
/* ---------------------------------------------------------------------- */

#define MAX_ITEMS 200000

typedef struct
{
  guint id;
} Item;

static gint delivered[MAX_ITEMS];
static gint freed[MAX_ITEMS];
static gint n_created;

static void
items_reset (void)
{
  memset (delivered, 0, sizeof delivered);
  memset (freed, 0, sizeof freed);
  n_created = 0;
}

static Item *
item_new (void)
{
  Item *item = g_new0 (Item, 1);

  item->id = (guint) g_atomic_int_add (&n_created, 1);
  g_assert_cmpuint (item->id, <, MAX_ITEMS);
  return item;
}

/* The queue's destroy notify: an item that was never delivered. */
static void
item_free (gpointer data)
{
  Item *item = data;

  g_atomic_int_inc (&freed[item->id]);
  g_free (item);
}

/* A consumer took it. */
static guint
item_deliver (gpointer data)
{
  Item *item = data;
  guint id = item->id;

  g_atomic_int_inc (&delivered[id]);
  g_free (item);
  return id;
}

static void
items_check_accounted (void)
{
  for (gint i = 0; i < n_created; i++)
    if (delivered[i] + freed[i] != 1)
      g_error ("item %d: delivered %d times, freed %d times", i, delivered[i], freed[i]);
}

/*
 * ItemsFixture: a test of tracked items, each of which must end delivered
 * or freed exactly once, in a new context that is the thread-default one
 * for the test's asynchronous calls.
 */
typedef struct
{
  GMainContext *context;
} ItemsFixture;

static void
items_fixture_setup (ItemsFixture  *f,
                     gconstpointer  data)
{
  items_reset ();
  f->context = g_main_context_new ();
  g_main_context_push_thread_default (f->context);
}

static void
items_fixture_teardown (ItemsFixture  *f,
                        gconstpointer  data)
{
  g_main_context_pop_thread_default (f->context);
  g_main_context_unref (f->context);
  items_check_accounted ();
}

#define items_test_add(path, func) \
  g_test_add ((path), ItemsFixture, NULL, items_fixture_setup, (func), items_fixture_teardown)

/* ---------------------------------------------------------------------- */
/* Basics                                                                  */
/* ---------------------------------------------------------------------- */

static void
test_queue_thread_to_thread (void)
{
  g_autoptr(TaQueue) queue = ta_queue_new (0);
  g_autoptr(GError) error = NULL;
  GValue in = G_VALUE_INIT, out = G_VALUE_INIT;

  g_value_init (&in, G_TYPE_INT);
  g_value_set_int (&in, 3);
  g_assert_true (ta_queue_push_value (queue, &in, TA_TIMEOUT_DEFAULT, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ta_queue_get_length (queue), ==, 1);
  g_assert_true (ta_queue_pop_value (queue, &out, TA_TIMEOUT_DEFAULT, &error));
  g_assert_cmpint (g_value_get_int (&out), ==, 3);
  g_assert_true (ta_queue_is_empty (queue));
  g_value_unset (&in);
  g_value_unset (&out);
}

static void
test_queue_fifo_and_sizes (ItemsFixture  *f,
                           gconstpointer  data)
{
  g_autoptr(TaQueue) queue = ta_queue_new_full (3, item_free);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (ta_queue_get_max_size (queue), ==, 3);
  g_assert_true (ta_queue_is_empty (queue));
  g_assert_false (ta_queue_is_full (queue));
  for (guint i = 0; i < 3; i++)
    g_assert_true (ta_queue_try_push (queue, item_new (), NULL));
  g_assert_true (ta_queue_is_full (queue));
  g_assert_cmpuint (ta_queue_get_length (queue), ==, 3);

  /* Full: a try fails and frees the item. */
  g_assert_false (ta_queue_try_push (queue, item_new (), &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_WOULD_BLOCK);
  g_clear_error (&error);
  g_assert_cmpint (freed[3], ==, 1);

  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (item_deliver (ta_queue_try_pop (queue, NULL)), ==, i);
  g_assert_null (ta_queue_try_pop (queue, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_WOULD_BLOCK);
}

static void
test_queue_timeouts (ItemsFixture  *f,
                     gconstpointer  data)
{
  g_autoptr(TaQueue) queue = ta_queue_new_full (1, item_free);
  g_autoptr(GError) error = NULL;

  g_assert_null (ta_queue_pop (queue, 5 * 1000, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
  g_clear_error (&error);

  g_assert_true (ta_queue_push (queue, item_new (), 5 * 1000, NULL));
  g_assert_false (ta_queue_push (queue, item_new (), 5 * 1000, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
  /* The item of a push that timed out is freed, the queue unchanged. */
  g_assert_cmpint (freed[1], ==, 1);
  g_assert_cmpuint (ta_queue_get_length (queue), ==, 1);
  g_assert_cmpuint (item_deliver (ta_queue_pop (queue, 0, NULL)), ==, 0);
}

static void
test_queue_close_drains (ItemsFixture  *f,
                         gconstpointer  data)
{
  g_autoptr(TaQueue) queue = ta_queue_new_full (0, item_free);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 3; i++)
    g_assert_true (ta_queue_push (queue, item_new (), 0, NULL));
  ta_queue_close (queue);
  ta_queue_close (queue);
  g_assert_true (ta_queue_is_closed (queue));

  g_assert_false (ta_queue_push (queue, item_new (), TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_CLOSED);
  g_clear_error (&error);

  /* What is left is still delivered, in order, then CLOSED. */
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (item_deliver (ta_queue_pop (queue, TA_TIMEOUT_INFINITE, NULL)), ==, i);
  g_assert_null (ta_queue_pop (queue, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_CLOSED);
}

static void
test_queue_unref_frees_items (ItemsFixture  *f,
                              gconstpointer  data)
{
  TaQueue *queue = ta_queue_new_full (0, item_free);

  for (guint i = 0; i < 5; i++)
    g_assert_true (ta_queue_push (queue, item_new (), 0, NULL));
  ta_queue_close (queue);
  g_object_unref (queue);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpint (freed[i], ==, 1);
}

static void
test_queue_values (void)
{
  g_autoptr(TaQueue) queue = ta_queue_new (2);
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) object = g_cancellable_new ();
  GValue value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_VARIANT);
  g_value_set_variant (&value, g_variant_new_parsed ("{'n': <1>}"));
  g_assert_true (ta_queue_try_push_value (queue, &value, NULL));
  g_value_unset (&value);
  g_value_init (&value, G_TYPE_CANCELLABLE);
  g_value_set_object (&value, object);
  g_assert_true (ta_queue_try_push_value (queue, &value, NULL));
  g_value_unset (&value);

  /* Refused: ownership unknown. Nothing was queued. */
  g_value_init (&value, G_TYPE_POINTER);
  g_value_set_pointer (&value, &value);
  g_assert_false (ta_queue_try_push_value (queue, &value, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_value_unset (&value);
  g_assert_cmpuint (ta_queue_get_length (queue), ==, 2);

  g_assert_true (ta_queue_try_pop_value (queue, &value, NULL));
  g_assert_true (G_VALUE_HOLDS_VARIANT (&value));
  g_value_unset (&value);
  g_assert_true (ta_queue_try_pop_value (queue, &value, NULL));
  g_assert_true (g_value_get_object (&value) == (gpointer) object);
  g_value_unset (&value);
  g_assert_false (ta_queue_try_pop_value (queue, &value, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_WOULD_BLOCK);
  g_clear_error (&error);

  /* A failed pop leaves a NULL pointer, which bindings can convert; the
   * same GValue is reused as is, and a filled one is released first. */
  g_assert_true (G_VALUE_HOLDS_POINTER (&value));
  g_assert_null (g_value_get_pointer (&value));
  g_value_unset (&value);
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, "stale");
  g_assert_true (ta_queue_try_pop_value (queue, &value, &error) || error != NULL);
  g_clear_error (&error);
  g_value_unset (&value);
  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, 5);
  g_assert_true (ta_queue_try_push_value (queue, &value, NULL));
  g_assert_true (ta_queue_try_pop_value (queue, &value, NULL));
  g_assert_cmpint (g_value_get_int (&value), ==, 5);
  g_value_unset (&value);
}

/* ---------------------------------------------------------------------- */
/* Close wakes every kind of waiter                                        */
/* ---------------------------------------------------------------------- */

typedef struct
{
  TaQueue  *queue;
  TestGate *started;
  GError   *error;
  gboolean  ok;
} Blocked;

static gpointer
blocked_push_thread (gpointer data)
{
  Blocked *b = data;

  test_gate_open (b->started);
  b->ok = ta_queue_push (b->queue, item_new (), TA_TIMEOUT_INFINITE, &b->error);
  return NULL;
}

static gpointer
blocked_pop_thread (gpointer data)
{
  Blocked *b = data;
  gpointer item;

  test_gate_open (b->started);
  item = ta_queue_pop (b->queue, TA_TIMEOUT_INFINITE, &b->error);
  b->ok = item != NULL;
  if (item != NULL)
    item_deliver (item);
  return NULL;
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  gpointer  item;
  GValue    value;
  GError   *error;
  GThread  *thread;
} AsyncOp;

static void
async_push_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncOp *op = user_data;

  op->thread = g_thread_self ();
  op->ok = ta_queue_push_finish (TA_QUEUE (source), result, &op->error);
  op->done = TRUE;
}

static void
async_pop_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AsyncOp *op = user_data;

  op->thread = g_thread_self ();
  op->item = ta_queue_pop_finish (TA_QUEUE (source), result, &op->error);
  op->ok = op->item != NULL;
  op->done = TRUE;
}

static void
async_pop_value_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  AsyncOp *op = user_data;

  op->thread = g_thread_self ();
  op->ok = ta_queue_pop_value_finish (TA_QUEUE (source), result, &op->value, &op->error);
  op->done = TRUE;
}

/* Waits until @n waiters are really blocked in the queue: their gate says
 * they are about to block, and the queue refuses a try in their stead. */
static void
wait_blocked_pushers (TaQueue  *queue,
                      TestGate *started,
                      guint     n)
{
  test_gate_wait_count (started, n, TEST_HANG_US);
}

static void
test_queue_close_wakes_blocked_pusher (void)
{
  g_autoptr(TaQueue) queue = ta_queue_new_full (1, item_free);
  TestGate started;
  Blocked b = { queue, &started, NULL, TRUE };
  GThread *thread;

  items_reset ();
  test_gate_init (&started);
  g_assert_true (ta_queue_push (queue, item_new (), 0, NULL));
  thread = g_thread_new ("pusher", blocked_push_thread, &b);
  wait_blocked_pushers (queue, &started, 1);
  ta_queue_close (queue);
  g_thread_join (thread);
  /* Either the close caught it waiting, or it came after: CLOSED both ways. */
  g_assert_false (b.ok);
  g_assert_error (b.error, TA_ERROR, TA_ERROR_CLOSED);
  g_clear_error (&b.error);
  g_assert_cmpint (freed[1], ==, 1);
  item_deliver (ta_queue_pop (queue, 0, NULL));
  items_check_accounted ();
  test_gate_clear (&started);
}

static void
test_queue_close_wakes_blocked_popper (void)
{
  g_autoptr(TaQueue) queue = ta_queue_new_full (0, item_free);
  TestGate started;
  Blocked b[2] = { { queue, &started, NULL, TRUE }, { queue, &started, NULL, TRUE } };
  GThread *threads[2];

  items_reset ();
  test_gate_init (&started);
  for (guint i = 0; i < 2; i++)
    threads[i] = g_thread_new ("popper", blocked_pop_thread, &b[i]);
  test_gate_wait_count (&started, 2, TEST_HANG_US);
  ta_queue_close (queue);
  for (guint i = 0; i < 2; i++)
    {
      g_thread_join (threads[i]);
      g_assert_false (b[i].ok);
      g_assert_error (b[i].error, TA_ERROR, TA_ERROR_CLOSED);
      g_clear_error (&b[i].error);
    }
  test_gate_clear (&started);
}

/*
 * A thread blocked in a pop holds a reference: the last other one
 * dropped meanwhile, here by the queue's creator, frees nothing under it
 * (the queue used to be finalized with a waiter linked, and abort).
 */
static gpointer
borrowed_pop_thread (gpointer data)
{
  g_autoptr(GError) error = NULL;
  gpointer item;

  item = ta_queue_pop (data, TA_TIMEOUT_INFINITE, &error);
  g_assert_no_error (error);
  item_deliver (item);
  return NULL;
}

static void
test_queue_unref_while_popping (ItemsFixture  *f,
                                gconstpointer  data)
{
  TaQueue *queue = ta_queue_new_full (0, item_free);
  TaQueue *producer = g_object_ref (queue);
  GThread *thread;

  g_object_add_weak_pointer (G_OBJECT (queue), (gpointer *) &queue);
  thread = g_thread_new ("popper", borrowed_pop_thread, queue);
  /* Ours, the producer's and the blocked pop's. */
  g_assert_true (test_wait_ref_count (queue, 3));
  g_object_unref (queue);
  g_assert_nonnull (queue);
  g_assert_true (ta_queue_push (producer, item_new (), 0, NULL));
  g_object_unref (producer);
  g_thread_join (thread);
  g_assert_null (queue);
  g_assert_cmpint (delivered[0], ==, 1);
}

/* The same for a pusher blocked on a full queue, woken by a consumer. */
static gpointer
borrowed_push_thread (gpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ta_queue_push (data, item_new (), TA_TIMEOUT_INFINITE, &error));
  g_assert_no_error (error);
  return NULL;
}

static void
test_queue_unref_while_pushing (ItemsFixture  *f,
                                gconstpointer  data)
{
  TaQueue *queue = ta_queue_new_full (1, item_free);
  TaQueue *consumer = g_object_ref (queue);
  GThread *thread;

  g_assert_true (ta_queue_push (queue, item_new (), 0, NULL));
  g_object_add_weak_pointer (G_OBJECT (queue), (gpointer *) &queue);
  thread = g_thread_new ("pusher", borrowed_push_thread, queue);
  g_assert_true (test_wait_ref_count (queue, 3));
  g_object_unref (queue);
  item_deliver (ta_queue_pop (consumer, 0, NULL));
  g_thread_join (thread);
  g_assert_nonnull (queue);
  /* The pushed item is freed with the queue. */
  g_object_unref (consumer);
  g_assert_null (queue);
  g_assert_cmpint (delivered[0], ==, 1);
  g_assert_cmpint (freed[1], ==, 1);
}

static void
test_queue_close_wakes_async_waiters (ItemsFixture  *f,
                                      gconstpointer  data)
{
  GMainContext *context = f->context;
  g_autoptr(TaQueue) full = ta_queue_new_full (1, item_free);
  g_autoptr(TaQueue) empty = ta_queue_new_full (1, item_free);
  AsyncOp push = { 0 }, pop = { 0 };

  g_assert_true (ta_queue_push (full, item_new (), 0, NULL));
  ta_queue_push_async (full, item_new (), NULL, async_push_cb, &push);
  ta_queue_pop_async (empty, NULL, async_pop_cb, &pop);
  g_assert_false (push.done);
  g_assert_false (pop.done);

  ta_queue_close (full);
  ta_queue_close (empty);
  test_iterate_until (context, &push.done);
  test_iterate_until (context, &pop.done);
  g_assert_false (push.ok);
  g_assert_error (push.error, TA_ERROR, TA_ERROR_CLOSED);
  g_assert_cmpint (freed[1], ==, 1);
  g_assert_false (pop.ok);
  g_assert_error (pop.error, TA_ERROR, TA_ERROR_CLOSED);
  g_assert_true (push.thread == test_main_thread);
  g_assert_true (pop.thread == test_main_thread);
  g_clear_error (&push.error);
  g_clear_error (&pop.error);

  item_deliver (ta_queue_pop (full, 0, NULL));
}

static void
test_queue_construct_properties (void)
{
  g_autoptr(TaQueue) queue = g_object_new (TA_TYPE_QUEUE, "max-size", 1, NULL);
  g_autoptr(GError) error = NULL;
  GValue value = G_VALUE_INIT;
  guint max_size = 0;

  /* Built from properties, as bindings do: a bounded queue of values. */
  g_object_get (queue, "max-size", &max_size, NULL);
  g_assert_cmpuint (max_size, ==, 1);
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, "one");
  g_assert_true (ta_queue_try_push_value (queue, &value, &error));
  g_assert_false (ta_queue_try_push_value (queue, &value, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_WOULD_BLOCK);
  g_value_unset (&value);
}

static void
test_queue_push_front (ItemsFixture  *f,
                       gconstpointer  data)
{
  g_autoptr(TaQueue) queue = ta_queue_new_full (2, item_free);
  g_autoptr(GError) error = NULL;
  Item *first;

  g_assert_true (ta_queue_try_push (queue, item_new (), NULL));
  g_assert_true (ta_queue_try_push (queue, item_new (), NULL));

  /* The head item comes back to the head, even though the queue filled
   * up meanwhile: it held its place a moment ago. */
  first = ta_queue_try_pop (queue, NULL);
  g_assert_true (ta_queue_try_push (queue, item_new (), NULL));
  g_assert_true (ta_queue_is_full (queue));
  ta_queue_push_front (queue, first);
  g_assert_cmpuint (ta_queue_get_length (queue), ==, 3);

  /* A closed queue takes it back too, and still drains in order. */
  ta_queue_close (queue);
  first = ta_queue_try_pop (queue, NULL);
  ta_queue_push_front (queue, first);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (item_deliver (ta_queue_pop (queue, 0, NULL)), ==, i);
  g_assert_null (ta_queue_try_pop (queue, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_CLOSED);
}

static void
test_queue_push_front_to_waiter (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaQueue) queue = ta_queue_new (0);
  g_autoptr(GError) error = NULL;
  AsyncOp pop = { 0 };
  GValue value = G_VALUE_INIT;

  g_main_context_push_thread_default (context);

  /* A popper waiting on an empty queue gets the returned value. */
  ta_queue_pop_value_async (queue, NULL, async_pop_value_cb, &pop);
  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, 7);
  g_assert_true (ta_queue_push_front_value (queue, &value, &error));
  g_assert_no_error (error);
  g_value_unset (&value);
  test_iterate_until (context, &pop.done);
  g_assert_no_error (pop.error);
  g_assert_cmpint (g_value_get_int (&pop.value), ==, 7);
  g_value_unset (&pop.value);
  g_assert_true (ta_queue_is_empty (queue));

  /* What cannot cross threads is refused, and nothing is queued. */
  g_value_init (&value, G_TYPE_POINTER);
  g_value_set_pointer (&value, &value);
  g_assert_false (ta_queue_push_front_value (queue, &value, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_INVALID_VALUE);
  g_value_unset (&value);
  g_assert_true (ta_queue_is_empty (queue));

  g_main_context_pop_thread_default (context);
}


/* ---------------------------------------------------------------------- */
/* Asynchronous operations and cancellation                                */
/* ---------------------------------------------------------------------- */

static void
test_queue_async_handoff (ItemsFixture  *f,
                          gconstpointer  data)
{
  GMainContext *context = f->context;
  g_autoptr(TaQueue) queue = ta_queue_new_full (0, item_free);
  AsyncOp first = { 0 }, second = { 0 };

  ta_queue_pop_async (queue, NULL, async_pop_cb, &first);
  ta_queue_pop_async (queue, NULL, async_pop_cb, &second);
  g_assert_true (ta_queue_push (queue, item_new (), 0, NULL));
  g_assert_true (ta_queue_push (queue, item_new (), 0, NULL));
  /* Handed straight to the waiters, in the order they came. */
  g_assert_true (ta_queue_is_empty (queue));
  test_iterate_until (context, &first.done);
  test_iterate_until (context, &second.done);
  g_assert_cmpuint (item_deliver (first.item), ==, 0);
  g_assert_cmpuint (item_deliver (second.item), ==, 1);

  /* An item already there: delivered, but not from within the call. */
  first.done = FALSE;
  g_assert_true (ta_queue_push (queue, item_new (), 0, NULL));
  ta_queue_pop_async (queue, NULL, async_pop_cb, &first);
  g_assert_false (first.done);
  test_iterate_until (context, &first.done);
  g_assert_cmpuint (item_deliver (first.item), ==, 2);
}

static void
test_queue_cancel_async_pop_keeps_item (ItemsFixture  *f,
                                        gconstpointer  data)
{
  GMainContext *context = f->context;
  g_autoptr(TaQueue) queue = ta_queue_new_full (0, item_free);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncOp pop = { 0 };

  ta_queue_pop_async (queue, cancellable, async_pop_cb, &pop);
  g_cancellable_cancel (cancellable);
  test_iterate_until (context, &pop.done);
  g_assert_error (pop.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&pop.error);

  /* The cancelled pop is gone: the next item stays in the queue. */
  g_assert_true (ta_queue_push (queue, item_new (), 0, NULL));
  g_assert_cmpuint (ta_queue_get_length (queue), ==, 1);

  /* Cancelled after the item was handed over: the callback still gets it. */
  g_clear_object (&cancellable);
  cancellable = g_cancellable_new ();
  pop.done = FALSE;
  ta_queue_pop_async (queue, cancellable, async_pop_cb, &pop);
  g_cancellable_cancel (cancellable);
  test_iterate_until (context, &pop.done);
  g_assert_no_error (pop.error);
  g_assert_cmpuint (item_deliver (pop.item), ==, 0);
}

static void
test_queue_cancel_async_push_frees_item (ItemsFixture  *f,
                                         gconstpointer  data)
{
  GMainContext *context = f->context;
  g_autoptr(TaQueue) queue = ta_queue_new_full (1, item_free);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncOp push = { 0 };

  g_assert_true (ta_queue_push (queue, item_new (), 0, NULL));
  ta_queue_push_async (queue, item_new (), cancellable, async_push_cb, &push);
  g_cancellable_cancel (cancellable);
  test_iterate_until (context, &push.done);
  g_assert_error (push.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&push.error);
  g_assert_cmpint (freed[1], ==, 1);
  g_assert_cmpuint (ta_queue_get_length (queue), ==, 1);

  /* Already cancelled before the call: freed too. */
  push.done = FALSE;
  ta_queue_push_async (queue, item_new (), cancellable, async_push_cb, &push);
  test_iterate_until (context, &push.done);
  g_assert_error (push.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&push.error);
  g_assert_cmpint (freed[2], ==, 1);

  item_deliver (ta_queue_pop (queue, 0, NULL));
}

static void
test_queue_async_push_waits_for_room (ItemsFixture  *f,
                                      gconstpointer  data)
{
  GMainContext *context = f->context;
  g_autoptr(TaQueue) queue = ta_queue_new_full (1, item_free);
  AsyncOp push = { 0 };

  g_assert_true (ta_queue_push (queue, item_new (), 0, NULL));
  ta_queue_push_async (queue, item_new (), NULL, async_push_cb, &push);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_false (push.done);

  /* A pop makes room: the waiting push moves in and completes. */
  g_assert_cmpuint (item_deliver (ta_queue_pop (queue, 0, NULL)), ==, 0);
  test_iterate_until (context, &push.done);
  g_assert_true (push.ok);
  g_assert_cmpuint (item_deliver (ta_queue_pop (queue, 0, NULL)), ==, 1);
}

typedef struct
{
  gboolean   done;
  GPtrArray *batch;
  GError    *error;
} BatchOp;

static void
batch_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  BatchOp *op = user_data;

  op->batch = ta_queue_pop_batch_finish (TA_QUEUE (source), result, &op->error);
  op->done = TRUE;
}

/*
 * The functions of the other kind fail at once with an error that says
 * which kind the queue holds, the asynchronous ones through their
 * callback (they used to log a critical and never call back), and take
 * nothing.
 */
static void
assert_wrong_kind (GError     **error,
                   const char  *kind)
{
  g_assert_error (*error, TA_ERROR, TA_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr ((*error)->message, kind));
  g_clear_error (error);
}

static void
test_queue_wrong_kind (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaQueue) values = ta_queue_new (0);
  g_autoptr(TaQueue) pointers = ta_queue_new_full (0, item_free);
  AsyncOp push = { 0 }, pop = { 0 }, push_value = { 0 }, pop_value = { 0 };
  BatchOp batch = { 0 };
  GValue value = G_VALUE_INIT;
  GError *error = NULL;
  Item *item;

  items_reset ();
  g_main_context_push_thread_default (context);

  /* C pointers and a queue of values: the item stays the caller's. */
  item = item_new ();
  g_assert_false (ta_queue_push (values, item, TA_TIMEOUT_INFINITE, &error));
  assert_wrong_kind (&error, "holds GValues");
  g_assert_false (ta_queue_try_push (values, item, &error));
  assert_wrong_kind (&error, "ta_queue_new()");
  g_assert_null (ta_queue_pop (values, TA_TIMEOUT_INFINITE, &error));
  assert_wrong_kind (&error, "ta_queue_pop: this queue holds GValues");
  g_assert_null (ta_queue_try_pop (values, &error));
  assert_wrong_kind (&error, "holds GValues");
  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*holds_values*");
  ta_queue_push_front (values, item);
  g_test_assert_expected_messages ();
  ta_queue_push_async (values, item, NULL, async_push_cb, &push);
  ta_queue_pop_async (values, NULL, async_pop_cb, &pop);
  ta_queue_pop_batch_async (values, 8, NULL, batch_cb, &batch);

  /* Values and a queue of C pointers. */
  g_value_init (&value, G_TYPE_INT);
  g_assert_false (ta_queue_push_value (pointers, &value, TA_TIMEOUT_INFINITE, &error));
  assert_wrong_kind (&error, "holds C pointers");
  g_assert_false (ta_queue_try_push_value (pointers, &value, &error));
  assert_wrong_kind (&error, "ta_queue_new_full()");
  g_assert_false (ta_queue_push_front_value (pointers, &value, &error));
  assert_wrong_kind (&error, "holds C pointers");
  g_assert_false (ta_queue_pop_value (pointers, &value, TA_TIMEOUT_INFINITE, &error));
  assert_wrong_kind (&error, "ta_queue_pop_value: this queue holds C pointers");
  g_assert_true (G_VALUE_HOLDS_POINTER (&value));
  g_assert_false (ta_queue_try_pop_value (pointers, &value, &error));
  assert_wrong_kind (&error, "holds C pointers");
  g_value_unset (&value);
  g_value_init (&value, G_TYPE_INT);
  ta_queue_push_value_async (pointers, &value, NULL, async_push_cb, &push_value);
  ta_queue_pop_value_async (pointers, NULL, async_pop_value_cb, &pop_value);
  g_value_unset (&value);

  /* Never from within the call. */
  g_assert_false (push.done || pop.done || batch.done || push_value.done || pop_value.done);
  test_iterate_until (context, &push.done);
  test_iterate_until (context, &pop.done);
  test_iterate_until (context, &batch.done);
  test_iterate_until (context, &push_value.done);
  test_iterate_until (context, &pop_value.done);
  g_assert_false (push.ok);
  assert_wrong_kind (&push.error, "ta_queue_push_async: this queue holds GValues");
  g_assert_null (pop.item);
  assert_wrong_kind (&pop.error, "ta_queue_pop_async: this queue holds GValues");
  g_assert_null (batch.batch);
  assert_wrong_kind (&batch.error, "holds GValues");
  g_assert_false (push_value.ok);
  assert_wrong_kind (&push_value.error, "holds C pointers");
  g_assert_false (pop_value.ok);
  assert_wrong_kind (&pop_value.error, "holds C pointers");
  g_value_unset (&pop_value.value);

  g_assert_cmpuint (ta_queue_get_length (values), ==, 0);
  g_assert_cmpuint (ta_queue_get_length (pointers), ==, 0);
  item_deliver (item);
  items_check_accounted ();

  /* A NULL item is a plain programmer error. */
  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*item != NULL*");
  g_assert_false (ta_queue_try_push (pointers, NULL, NULL));
  g_test_assert_expected_messages ();
  g_main_context_pop_thread_default (context);
}

/*
 * A push refused by a precondition still takes its item, as documented:
 * the queue frees it (it used to leak).
 */
static void
test_queue_refused_push_frees_item (ItemsFixture  *f,
                                    gconstpointer  data)
{
  g_autoptr(TaQueue) queue = ta_queue_new_full (0, item_free);
  GError *error = g_error_new_literal (TA_ERROR, TA_ERROR_FAILED, "set before");

  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*timeout_us >= TA_TIMEOUT_DEFAULT*");
  g_assert_false (ta_queue_push (queue, item_new (), -5, NULL));
  g_test_assert_expected_messages ();
  g_assert_cmpint (freed[0], ==, 1);

  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*error == NULL || *error == NULL*");
  g_assert_false (ta_queue_push (queue, item_new (), 0, &error));
  g_test_assert_expected_messages ();
  g_assert_cmpint (freed[1], ==, 1);
  g_assert_error (error, TA_ERROR, TA_ERROR_FAILED);
  g_clear_error (&error);

  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*G_IS_CANCELLABLE*");
  ta_queue_push_async (queue, item_new (), (GCancellable *) queue, NULL, NULL);
  g_test_assert_expected_messages ();
  g_assert_cmpint (freed[2], ==, 1);

  g_assert_cmpuint (ta_queue_get_length (queue), ==, 0);
}

static void
test_queue_pop_batch (ItemsFixture  *f,
                      gconstpointer  data)
{
  GMainContext *context = f->context;
  g_autoptr(TaQueue) queue = ta_queue_new_full (0, item_free);
  BatchOp op = { 0 };

  for (guint i = 0; i < 10; i++)
    g_assert_true (ta_queue_push (queue, item_new (), 0, NULL));
  ta_queue_pop_batch_async (queue, 4, NULL, batch_cb, &op);
  test_iterate_until (context, &op.done);
  g_assert_cmpuint (op.batch->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (item_deliver (g_ptr_array_steal_index (op.batch, 0)), ==, i);
  g_ptr_array_unref (op.batch);

  /* Items left in an array the consumer drops are freed by it. */
  op.done = FALSE;
  ta_queue_pop_batch_async (queue, 100, NULL, batch_cb, &op);
  test_iterate_until (context, &op.done);
  g_assert_cmpuint (op.batch->len, ==, 6);
  g_ptr_array_unref (op.batch);

  /* An empty queue: waits for the first item. */
  op.done = FALSE;
  ta_queue_pop_batch_async (queue, 100, NULL, batch_cb, &op);
  g_assert_true (ta_queue_push (queue, item_new (), 0, NULL));
  test_iterate_until (context, &op.done);
  g_assert_cmpuint (op.batch->len, ==, 1);
  g_assert_cmpuint (item_deliver (g_ptr_array_steal_index (op.batch, 0)), ==, 10);
  g_ptr_array_unref (op.batch);

  op.done = FALSE;
  ta_queue_close (queue);
  ta_queue_pop_batch_async (queue, 100, NULL, batch_cb, &op);
  test_iterate_until (context, &op.done);
  g_assert_null (op.batch);
  g_assert_error (op.error, TA_ERROR, TA_ERROR_CLOSED);
  g_clear_error (&op.error);
}

typedef struct
{
  TaQueue *queue;
  guint    n;
} Pusher;

static gpointer
push_items_thread (gpointer data)
{
  Pusher *p = data;

  for (guint i = 0; i < p->n; i++)
    g_assert_true (ta_queue_push (p->queue, item_new (), 0, NULL));

  return NULL;
}

/* Pushes @n new items from another thread, and waits until it is done. */
static void
push_from_thread (TaQueue *queue,
                  guint    n)
{
  Pusher p = { queue, n };

  g_thread_join (g_thread_new ("pusher", push_items_thread, &p));
}

static void
test_queue_batch_collects_what_arrived (ItemsFixture  *f,
                                        gconstpointer  data)
{
  GMainContext *context = f->context;
  g_autoptr(TaQueue) queue = ta_queue_new_full (0, item_free);
  BatchOp op = { 0 };

  /* The first push tells the waiting popper; what arrives before it gets
   * to collect goes in the same batch. */
  ta_queue_pop_batch_async (queue, 100, NULL, batch_cb, &op);
  push_from_thread (queue, 5);
  test_iterate_until (context, &op.done);
  g_assert_no_error (op.error);
  g_assert_cmpuint (op.batch->len, ==, 5);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpuint (item_deliver (g_ptr_array_steal_index (op.batch, 0)), ==, i);
  g_clear_pointer (&op.batch, g_ptr_array_unref);

  /* No more than the batch size, though: the rest stays. */
  op.done = FALSE;
  ta_queue_pop_batch_async (queue, 2, NULL, batch_cb, &op);
  push_from_thread (queue, 3);
  test_iterate_until (context, &op.done);
  g_assert_cmpuint (op.batch->len, ==, 2);
  g_clear_pointer (&op.batch, g_ptr_array_unref);
  g_assert_cmpuint (ta_queue_get_length (queue), ==, 1);
  g_assert_cmpuint (item_deliver (ta_queue_try_pop (queue, NULL)), ==, 7);
}

static gpointer
push_two_front_thread (gpointer data)
{
  ta_queue_push_front (data, item_new ());
  ta_queue_push_front (data, item_new ());

  return NULL;
}

/* An item given back goes to a waiting batch popper too, first in its
 * batch; the bound does not stand in its way. */
static void
test_queue_batch_gets_item_pushed_front (ItemsFixture  *f,
                                         gconstpointer  data)
{
  GMainContext *context = f->context;
  g_autoptr(TaQueue) queue = ta_queue_new_full (1, item_free);
  BatchOp op = { 0 };

  ta_queue_pop_batch_async (queue, 100, NULL, batch_cb, &op);
  ta_queue_push_front (queue, item_new ());
  test_iterate_until (context, &op.done);
  g_assert_no_error (op.error);
  g_assert_cmpuint (op.batch->len, ==, 1);
  g_assert_cmpuint (item_deliver (g_ptr_array_steal_index (op.batch, 0)), ==, 0);
  g_clear_pointer (&op.batch, g_ptr_array_unref);

  /* From another thread, twice before the popper gets to collect. */
  op.done = FALSE;
  ta_queue_pop_batch_async (queue, 100, NULL, batch_cb, &op);
  g_thread_join (g_thread_new ("front", push_two_front_thread, queue));
  test_iterate_until (context, &op.done);
  g_assert_no_error (op.error);
  g_assert_cmpuint (op.batch->len, ==, 2);
  g_assert_cmpuint (item_deliver (g_ptr_array_steal_index (op.batch, 0)), ==, 2);
  g_assert_cmpuint (item_deliver (g_ptr_array_steal_index (op.batch, 0)), ==, 1);
  g_clear_pointer (&op.batch, g_ptr_array_unref);
}

static void
test_queue_batch_cancelled_before_collecting (ItemsFixture  *f,
                                              gconstpointer  data)
{
  GMainContext *context = f->context;
  g_autoptr(TaQueue) queue = ta_queue_new_full (0, item_free);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  BatchOp op = { 0 };

  /* Told, then cancelled before it collected: the items never left the
   * queue, and stay there. */
  ta_queue_pop_batch_async (queue, 100, cancellable, batch_cb, &op);
  push_from_thread (queue, 3);
  g_cancellable_cancel (cancellable);
  test_iterate_until (context, &op.done);
  g_assert_error (op.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&op.error);
  g_assert_null (op.batch);
  g_assert_cmpuint (ta_queue_get_length (queue), ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (item_deliver (ta_queue_try_pop (queue, NULL)), ==, i);
}

static void
test_queue_batch_collects_nothing_waits_again (ItemsFixture  *f,
                                               gconstpointer  data)
{
  GMainContext *context = f->context;
  g_autoptr(TaQueue) queue = ta_queue_new_full (0, item_free);
  BatchOp op = { 0 };

  /* Someone else takes the item before the popper collects it: the
   * popper waits on, for the next one. */
  ta_queue_pop_batch_async (queue, 100, NULL, batch_cb, &op);
  push_from_thread (queue, 1);
  g_assert_cmpuint (item_deliver (ta_queue_try_pop (queue, NULL)), ==, 0);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_false (op.done);

  push_from_thread (queue, 1);
  test_iterate_until (context, &op.done);
  g_assert_cmpuint (op.batch->len, ==, 1);
  g_assert_cmpuint (item_deliver (g_ptr_array_steal_index (op.batch, 0)), ==, 1);
  g_clear_pointer (&op.batch, g_ptr_array_unref);

  /* Told, then closed: it still gets what is there. */
  op.done = FALSE;
  ta_queue_pop_batch_async (queue, 100, NULL, batch_cb, &op);
  push_from_thread (queue, 1);
  ta_queue_close (queue);
  test_iterate_until (context, &op.done);
  g_assert_cmpuint (op.batch->len, ==, 1);
  g_clear_pointer (&op.batch, g_ptr_array_unref);
}

/* Items told to a batch popper wait in the queue for it: a popper that
 * arrived after it gets the oldest of them, never one pushed later. */
static void
test_queue_batch_waiting_keeps_push_order (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GMainContext) batch_context = g_main_context_new ();
  g_autoptr(TaQueue) queue = ta_queue_new_full (0, item_free);
  BatchOp batch = { 0 };
  AsyncOp pop = { 0 };

  items_reset ();

  /* The batch popper waits first, in a context that does not run yet. */
  g_main_context_push_thread_default (batch_context);
  ta_queue_pop_batch_async (queue, 8, NULL, batch_cb, &batch);
  g_main_context_pop_thread_default (batch_context);

  g_main_context_push_thread_default (context);
  ta_queue_pop_async (queue, NULL, async_pop_cb, &pop);

  /* One producer pushes 0, then 1. */
  push_from_thread (queue, 2);

  /* The second popper gets 0; its next pop gets 1. */
  test_iterate_until (context, &pop.done);
  g_assert_no_error (pop.error);
  g_assert_cmpuint (item_deliver (pop.item), ==, 0);
  g_assert_cmpuint (item_deliver (ta_queue_try_pop (queue, NULL)), ==, 1);
  g_main_context_pop_thread_default (context);

  /* The batch popper finds nothing left and waits on for the next. */
  g_main_context_push_thread_default (batch_context);
  while (g_main_context_iteration (batch_context, FALSE))
    ;
  g_assert_false (batch.done);
  push_from_thread (queue, 1);
  test_iterate_until (batch_context, &batch.done);
  g_assert_cmpuint (batch.batch->len, ==, 1);
  g_assert_cmpuint (item_deliver (g_ptr_array_steal_index (batch.batch, 0)), ==, 2);
  g_clear_pointer (&batch.batch, g_ptr_array_unref);
  g_main_context_pop_thread_default (batch_context);

  items_check_accounted ();
}

/* A batch popper that gives up after it was told leaves the items to the
 * poppers that came after it, at once: they do not wait for the next
 * push beside an item. */
static void
test_queue_batch_given_up_hands_on (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GMainContext) batch_context = g_main_context_new ();
  g_autoptr(TaQueue) queue = ta_queue_new_full (0, item_free);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  BatchOp batch = { 0 };
  AsyncOp pop = { 0 };

  items_reset ();

  g_main_context_push_thread_default (batch_context);
  ta_queue_pop_batch_async (queue, 8, cancellable, batch_cb, &batch);
  g_main_context_pop_thread_default (batch_context);

  g_main_context_push_thread_default (context);
  ta_queue_pop_async (queue, NULL, async_pop_cb, &pop);
  g_main_context_pop_thread_default (context);

  push_from_thread (queue, 1);
  g_cancellable_cancel (cancellable);

  g_main_context_push_thread_default (batch_context);
  test_iterate_until (batch_context, &batch.done);
  g_assert_error (batch.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&batch.error);
  g_main_context_pop_thread_default (batch_context);

  g_main_context_push_thread_default (context);
  test_iterate_until (context, &pop.done);
  g_assert_no_error (pop.error);
  g_assert_cmpuint (item_deliver (pop.item), ==, 0);
  g_main_context_pop_thread_default (context);

  items_check_accounted ();
}

/* ---------------------------------------------------------------------- */
/* The cookbook: loop to loop, thread to loop and back                     */
/* ---------------------------------------------------------------------- */

typedef struct
{
  TaQueue *queue;
  int      n_ops;
  int      last;
} LoopTask;

static void loop_put_next (GTask *task);

static void
loop_pushed_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!ta_queue_push_value_finish (TA_QUEUE (source), result, &error))
    g_task_return_error (task, error);
  else
    loop_put_next (g_steal_pointer (&task));
}

/* async def foo(): await queue.put(3); await queue.put(4) */
static void
loop_put_next (GTask *task)
{
  LoopTask *lt = g_task_get_task_data (task);
  GValue value = G_VALUE_INIT;

  if (lt->n_ops == 2)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, 3 + lt->n_ops++);
  ta_queue_push_value_async (lt->queue, &value, g_task_get_cancellable (task),
                             loop_pushed_cb, task);
  g_value_unset (&value);
}

static void
foo_task (GTask        *task,
          GCancellable *cancellable,
          gpointer      user_data)
{
  loop_put_next (g_object_ref (task));
}

static void loop_get_next (GTask *task);

static void
loop_popped_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LoopTask *lt = g_task_get_task_data (task);
  GValue value = G_VALUE_INIT;
  GError *error = NULL;

  if (!ta_queue_pop_value_finish (TA_QUEUE (source), result, &value, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  lt->last = g_value_get_int (&value);
  lt->n_ops++;
  loop_get_next (g_steal_pointer (&task));
}

/* async def bar(): await queue.get(); return await queue.get() */
static void
loop_get_next (GTask *task)
{
  LoopTask *lt = g_task_get_task_data (task);

  if (lt->n_ops == 2)
    {
      g_task_return_int (task, lt->last);
      g_object_unref (task);
      return;
    }
  ta_queue_pop_value_async (lt->queue, g_task_get_cancellable (task), loop_popped_cb, task);
}

static void
bar_task (GTask        *task,
          GCancellable *cancellable,
          gpointer      user_data)
{
  loop_get_next (g_object_ref (task));
}

static void
test_queue_loop_to_loop (RunnerFixture *fixture,
                         gconstpointer  data)
{
  g_autoptr(TaQueue) queue = ta_queue_new (1);
  g_autoptr(TaTask) foo = NULL;
  g_autoptr(TaTask) bar = NULL;
  LoopTask *foo_data = g_new0 (LoopTask, 1);
  LoopTask *bar_data = g_new0 (LoopTask, 1);

  foo_data->queue = bar_data->queue = queue;
  foo = ta_runner_spawn (fixture->runner, "foo", foo_task, foo_data, g_free, NULL, NULL);
  bar = ta_runner_spawn (fixture->runner, "bar", bar_task, bar_data, g_free, NULL, NULL);
  g_assert_true (ta_task_wait (bar, 1000 * 1000, NULL));
  g_assert_cmpint (ta_task_propagate_int (bar, NULL), ==, 4);
  g_assert_true (ta_task_wait (foo, 1000 * 1000, NULL));
  runner_fixture_stop (fixture);
}

typedef struct
{
  TaQueue *in;
  TaQueue *out;
} Queues;

static void increment_next (GTask *task);

static void
increment_popped_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Queues *queues = g_task_get_task_data (task);
  GValue value = G_VALUE_INIT;
  GError *error = NULL;

  if (!ta_queue_pop_value_finish (TA_QUEUE (source), result, &value, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_value_set_int (&value, g_value_get_int (&value) + 1);
  if (!ta_queue_push_value (queues->out, &value, 0, &error))
    g_task_return_error (task, error);
  else
    increment_next (g_steal_pointer (&task));
  g_value_unset (&value);
}

static void
increment_next (GTask *task)
{
  Queues *queues = g_task_get_task_data (task);

  ta_queue_pop_value_async (queues->in, g_task_get_cancellable (task),
                            increment_popped_cb, task);
}

/* async def increment_worker(in_queue, out_queue): ... */
static void
increment_worker (GTask        *task,
                  GCancellable *cancellable,
                  gpointer      user_data)
{
  increment_next (g_object_ref (task));
}

static void
test_queue_cookbook_increment_worker (RunnerFixture *fixture,
                                      gconstpointer  data)
{
  g_autoptr(TaQueue) in = ta_queue_new (0);
  g_autoptr(TaQueue) out = ta_queue_new (0);
  g_autoptr(TaTask) worker = NULL;
  g_autoptr(GError) error = NULL;
  Queues queues = { in, out };

  worker = ta_runner_spawn (fixture->runner, "increment_worker", increment_worker, &queues, NULL, NULL, NULL);
  for (int i = 0; i < 10; i++)
    {
      GValue value = G_VALUE_INIT;

      g_value_init (&value, G_TYPE_INT);
      g_value_set_int (&value, i);
      g_assert_true (ta_queue_push_value (in, &value, TA_TIMEOUT_DEFAULT, NULL));
      g_value_unset (&value);
      g_assert_true (ta_queue_pop_value (out, &value, TA_TIMEOUT_DEFAULT, NULL));
      g_assert_cmpint (g_value_get_int (&value), ==, i + 1);
      g_value_unset (&value);
    }
  ta_task_cancel (worker);
  g_assert_false (ta_task_wait (worker, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  runner_fixture_stop (fixture);
}

/* ---------------------------------------------------------------------- */
/* Backpressure and stress                                                 */
/* ---------------------------------------------------------------------- */

typedef struct
{
  TaQueue *queue;
  guint    n_items;
  gint     max_seen;   /* atomic */
} Producer;

static gpointer
producer_thread (gpointer data)
{
  Producer *p = data;

  for (guint i = 0; i < p->n_items; i++)
    {
      g_assert_true (ta_queue_push (p->queue, item_new (), TA_TIMEOUT_INFINITE, NULL));
      /* A bounded queue never grows past its size. */
      g_assert_cmpuint (ta_queue_get_length (p->queue), <=, ta_queue_get_max_size (p->queue));
    }
  return NULL;
}

static void
test_queue_backpressure (ItemsFixture  *f,
                         gconstpointer  data)
{
  g_autoptr(TaQueue) queue = ta_queue_new_full (4, item_free);
  Producer producer = { queue, 1000, 0 };
  GThread *thread;
  guint expected = 0;

  thread = g_thread_new ("producer", producer_thread, &producer);
  /* One producer: FIFO order all the way. */
  while (expected < producer.n_items)
    {
      g_assert_cmpuint (item_deliver (ta_queue_pop (queue, TA_TIMEOUT_INFINITE, NULL)), ==, expected);
      expected++;
    }
  g_thread_join (thread);
}

typedef struct
{
  TaQueue *queue;
  gint     n_popped;
} Consumer;

static gpointer
blocking_consumer_thread (gpointer data)
{
  Consumer *c = data;
  g_autoptr(GError) error = NULL;
  gpointer item;

  while ((item = ta_queue_pop (c->queue, TA_TIMEOUT_INFINITE, &error)) != NULL)
    {
      item_deliver (item);
      c->n_popped++;
    }
  g_assert_error (error, TA_ERROR, TA_ERROR_CLOSED);
  return NULL;
}

/* An async consumer on a runner: pops until the queue is closed. */
static void async_consume_next (GTask *task);

static void
async_consumed_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Consumer *c = g_task_get_task_data (task);
  GError *error = NULL;
  gpointer item = ta_queue_pop_finish (TA_QUEUE (source), result, &error);

  if (item == NULL)
    {
      g_assert_error (error, TA_ERROR, TA_ERROR_CLOSED);
      g_error_free (error);
      g_task_return_boolean (task, TRUE);
      return;
    }
  item_deliver (item);
  c->n_popped++;
  async_consume_next (g_steal_pointer (&task));
}

static void
async_consume_next (GTask *task)
{
  Consumer *c = g_task_get_task_data (task);

  ta_queue_pop_async (c->queue, NULL, async_consumed_cb, task);
}

static void
async_consumer_task (GTask        *task,
                     GCancellable *cancellable,
                     gpointer      user_data)
{
  async_consume_next (g_object_ref (task));
}

/* A consumer on its own thread and context that cancels some of its pops
 * while items race in: none may be lost. */
typedef struct
{
  TaQueue *queue;
  gint     n_popped;
  guint    n_cancelled;
} Canceller;

static gpointer
cancelling_consumer_thread (gpointer data)
{
  Canceller *c = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  GRand *rand = g_rand_new_with_seed (42);
  gboolean closed = FALSE;

  g_main_context_push_thread_default (context);
  while (!closed)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      AsyncOp op = { 0 };

      ta_queue_pop_async (c->queue, cancellable, async_pop_cb, &op);
      if (g_rand_int_range (rand, 0, 3) == 0)
        g_cancellable_cancel (cancellable);
      while (!op.done)
        g_main_context_iteration (context, TRUE);
      if (op.item != NULL)
        {
          item_deliver (op.item);
          c->n_popped++;
        }
      else if (g_error_matches (op.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        c->n_cancelled++;
      else
        {
          g_assert_error (op.error, TA_ERROR, TA_ERROR_CLOSED);
          closed = TRUE;
        }
      g_clear_error (&op.error);
    }
  g_main_context_pop_thread_default (context);
  g_rand_free (rand);
  return NULL;
}

static void
test_queue_stress (RunnerFixture *fixture,
                   gconstpointer  data)
{
  guint n_producers = 3, n_per_producer = g_test_thorough () ? 50000 : 5000;
  g_autoptr(TaQueue) queue = ta_queue_new_full (16, item_free);
  g_autoptr(TaTask) async_consumer = NULL;
  Producer producers[3];
  Consumer blocking[2], async = { queue, 0 };
  Canceller canceller = { queue, 0, 0 };
  GThread *producer_threads[3], *consumer_threads[2], *canceller_thread;
  gint total;

  items_reset ();
  async_consumer = ta_runner_spawn (fixture->runner, "consumer", async_consumer_task, &async,
                                    NULL, NULL, NULL);
  for (guint i = 0; i < 2; i++)
    {
      blocking[i] = (Consumer) { queue, 0 };
      consumer_threads[i] = g_thread_new ("consumer", blocking_consumer_thread, &blocking[i]);
    }
  canceller_thread = g_thread_new ("canceller", cancelling_consumer_thread, &canceller);
  for (guint i = 0; i < n_producers; i++)
    {
      producers[i] = (Producer) { queue, n_per_producer, 0 };
      producer_threads[i] = g_thread_new ("producer", producer_thread, &producers[i]);
    }

  for (guint i = 0; i < n_producers; i++)
    g_thread_join (producer_threads[i]);
  ta_queue_close (queue);
  for (guint i = 0; i < 2; i++)
    g_thread_join (consumer_threads[i]);
  g_thread_join (canceller_thread);
  g_assert_true (ta_task_wait (async_consumer, TA_TIMEOUT_INFINITE, NULL));
  runner_fixture_stop (fixture);

  total = blocking[0].n_popped + blocking[1].n_popped + async.n_popped + canceller.n_popped;
  g_test_message ("blocking %d + %d, async %d, cancelling %d (%u cancelled)",
                  blocking[0].n_popped, blocking[1].n_popped, async.n_popped,
                  canceller.n_popped, canceller.n_cancelled);
  g_assert_cmpint (total, ==, (gint) (n_producers * n_per_producer));
  g_assert_cmpint (n_created, ==, total);
  items_check_accounted ();
}

/* ---------------------------------------------------------------------- */
/* Order under every way in and out, against a model                      */
/* ---------------------------------------------------------------------- */

static void
model_batch_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GPtrArray **batch = user_data;

  *batch = ta_queue_pop_batch_finish (TA_QUEUE (source), result, NULL);
  g_assert_nonnull (*batch);
}

static void
model_pop_batch (TaQueue *queue,
                 GQueue  *model,
                 guint    max_items)
{
  GPtrArray *batch = NULL;

  ta_queue_pop_batch_async (queue, max_items, NULL, model_batch_cb, &batch);
  while (batch == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (batch->len, ==, MIN (max_items, model->length));
  for (guint i = 0; i < batch->len; i++)
    g_assert_cmpuint (GPOINTER_TO_UINT (g_ptr_array_index (batch, i)), ==,
                      GPOINTER_TO_UINT (g_queue_pop_head (model)));
  g_ptr_array_unref (batch);
}

/*
 * Pushes at both ends, single and batch pops, through growth, wrap-around
 * and shrinking of the queue's storage: the order is always the model's.
 */
static void
test_queue_order_model (void)
{
  g_autoptr(TaQueue) queue = ta_queue_new_full (0, NULL);
  GQueue model = G_QUEUE_INIT;
  guint32 seed = 42;
  guint next = 1;

  for (guint step = 0; step < 30000; step++)
    {
      guint choice;

      seed = seed * 1103515245 + 12345;
      choice = (seed >> 16) % 10;

      if (choice < 5)
        {
          g_assert_true (ta_queue_try_push (queue, GUINT_TO_POINTER (next), NULL));
          g_queue_push_tail (&model, GUINT_TO_POINTER (next++));
        }
      else if (choice == 5)
        {
          ta_queue_push_front (queue, GUINT_TO_POINTER (next));
          g_queue_push_head (&model, GUINT_TO_POINTER (next++));
        }
      else if (choice < 9 && !g_queue_is_empty (&model))
        g_assert_cmpuint (GPOINTER_TO_UINT (ta_queue_try_pop (queue, NULL)), ==,
                          GPOINTER_TO_UINT (g_queue_pop_head (&model)));
      else if (!g_queue_is_empty (&model))
        model_pop_batch (queue, &model, (seed >> 8) % 40 + 1);

      g_assert_cmpuint (ta_queue_get_length (queue), ==, model.length);

      /* Now and then a flood, drained in batches. */
      if (step % 10000 == 5000)
        {
          for (guint i = 0; i < 20000; i++)
            {
              g_assert_true (ta_queue_try_push (queue, GUINT_TO_POINTER (next), NULL));
              g_queue_push_tail (&model, GUINT_TO_POINTER (next++));
            }
          while (model.length > 10)
            model_pop_batch (queue, &model, 997);
        }
    }

  while (!g_queue_is_empty (&model))
    model_pop_batch (queue, &model, 7);
  g_assert_true (ta_queue_is_empty (queue));
}

/* ---------------------------------------------------------------------- */
/* Waits left by an abandoned runner                                       */
/* ---------------------------------------------------------------------- */

typedef struct
{
  TaQueue  *queue;        /* a task pops from it */
  TaQueue  *full;         /* bounded and full: a task pushes to it */
  TaQueue  *batched;      /* a task batch-pops from it */
  TaEvent  *event;
  TaFuture *future;
  TestGate  waiting;      /* the task started its waits */
  TestGate  entered;      /* the blocker blocks the runner thread */
  TestGate  release;
  TestGate  thread_exited;
  gint      completed;    /* completions that ran: there must be none */
} Abandoned;

static void
abandoned_wait_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Abandoned *a = user_data;

  g_atomic_int_inc (&a->completed);
}

static void
abandoned_waits_task (GTask        *task,
                      GCancellable *cancellable,
                      gpointer      user_data)
{
  Abandoned *a = user_data;

  test_watch_thread_exit (&a->thread_exited);
  ta_queue_pop_async (a->queue, cancellable, abandoned_wait_cb, a);
  ta_queue_push_async (a->full, item_new (), cancellable, abandoned_wait_cb, a);
  ta_queue_pop_batch_async (a->batched, 8, cancellable, abandoned_wait_cb, a);
  ta_event_wait_async (a->event, cancellable, abandoned_wait_cb, a);
  ta_future_wait_async (a->future, NULL, abandoned_wait_cb, a);
  g_task_return_boolean (task, TRUE);
  test_gate_open (&a->waiting);
}

static void
abandoned_block_task (GTask        *task,
                      GCancellable *cancellable,
                      gpointer      user_data)
{
  Abandoned *a = user_data;

  test_gate_open (&a->entered);
  test_gate_wait (&a->release);
  g_task_return_boolean (task, TRUE);
}

/*
 * A runner abandoned while its tasks wait in queues, events and futures:
 * those waits can never complete, so they must not take what comes later
 * (an item pushed goes to live consumers, a pending push does not move
 * in) and must let go of what they hold.
 */
static void
test_queue_abandoned_runner_waits_detached (void)
{
  g_autoptr(TaRunner) stuck = ta_runner_new ("abandoned-waits");
  g_autoptr(TaTask) waits = NULL;
  g_autoptr(TaTask) blocker = NULL;
  g_autoptr(GError) error = NULL;
  Abandoned a = { 0 };
  guint pushed_id;

  items_reset ();
  a.queue = ta_queue_new_full (0, item_free);
  a.full = ta_queue_new_full (1, item_free);
  a.batched = ta_queue_new_full (0, item_free);
  a.event = ta_event_new ();
  a.future = ta_future_new ();
  test_gate_init (&a.waiting);
  test_gate_init (&a.entered);
  test_gate_init (&a.release);
  test_gate_init (&a.thread_exited);

  g_assert_true (ta_queue_push (a.full, item_new (), 0, NULL));   /* item 0 */
  g_assert_true (ta_runner_start (stuck, &error));
  ta_runner_set_exit_timeout (stuck, 100 * 1000);

  waits = ta_runner_spawn (stuck, "waits", abandoned_waits_task, &a, NULL, NULL, &error);
  g_assert_no_error (error);
  test_gate_wait (&a.waiting);       /* item 1 waits to be pushed */
  blocker = ta_runner_spawn (stuck, "blocker", abandoned_block_task, &a, NULL, NULL, &error);
  g_assert_no_error (error);
  test_gate_wait (&a.entered);

  /* Told to collect while its runner is stuck: the collection never
   * runs. */
  g_assert_true (ta_queue_push (a.batched, item_new (), 0, NULL));   /* item 2 */

  g_assert_false (ta_runner_stop (stuck, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
  g_clear_error (&error);
  g_assert_cmpint (ta_runner_get_shutdown_type (stuck), ==, TA_SHUTDOWN_TYPE_ABANDONED);
  g_clear_object (&stuck);

  /* The pending push failed: its item was freed, never queued. */
  g_assert_cmpint (freed[1], ==, 1);
  g_assert_cmpuint (item_deliver (ta_queue_try_pop (a.full, &error)), ==, 0);
  g_assert_no_error (error);
  g_assert_null (ta_queue_try_pop (a.full, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_WOULD_BLOCK);
  g_clear_error (&error);

  /* An item pushed now reaches a live consumer. */
  pushed_id = (guint) g_atomic_int_get (&n_created);
  g_assert_true (ta_queue_push (a.queue, item_new (), 0, NULL));
  g_assert_cmpuint (item_deliver (ta_queue_try_pop (a.queue, &error)), ==, pushed_id);
  g_assert_no_error (error);

  /* So does the one the batch popper never collected. */
  g_assert_cmpuint (item_deliver (ta_queue_try_pop (a.batched, &error)), ==, 2);
  g_assert_no_error (error);

  /* The waits let go of what they held, so setting the event or the
   * future later wakes nobody and runs nothing. */
  g_assert_cmpuint (G_OBJECT (a.queue)->ref_count, ==, 1);
  g_assert_cmpuint (G_OBJECT (a.full)->ref_count, ==, 1);
  g_assert_cmpuint (G_OBJECT (a.batched)->ref_count, ==, 1);
  g_assert_cmpuint (G_OBJECT (a.event)->ref_count, ==, 1);
  g_assert_cmpuint (G_OBJECT (a.future)->ref_count, ==, 1);
  ta_event_set (a.event);
  g_assert_true (ta_future_set_pointer (a.future, NULL, NULL));

  /* The thread finishes once it unblocks; no completion ever ran. */
  test_gate_open (&a.release);
  test_gate_wait (&a.thread_exited);
  g_assert_cmpint (g_atomic_int_get (&a.completed), ==, 0);

  g_clear_object (&a.queue);
  g_clear_object (&a.full);
  g_clear_object (&a.batched);
  g_clear_object (&a.event);
  g_clear_object (&a.future);
  items_check_accounted ();
  test_gate_clear (&a.waiting);
  test_gate_clear (&a.entered);
  test_gate_clear (&a.release);
  test_gate_clear (&a.thread_exited);
}

/* A task's wait that ignores cancellation (no cancellable) outlives a
 * clean stop: it is detached all the same. */
static void
never_cancelled_pop_task (GTask        *task,
                          GCancellable *cancellable,
                          gpointer      user_data)
{
  Abandoned *a = user_data;

  ta_queue_pop_async (a->queue, NULL, abandoned_wait_cb, a);
  g_task_return_boolean (task, TRUE);
}

static void
test_queue_stopped_runner_waits_detached (ItemsFixture  *f,
                                          gconstpointer  data)
{
  g_autoptr(TaRunner) r = ta_runner_new ("stopped-waits");
  g_autoptr(GError) error = NULL;
  g_autoptr(TaTask) task = NULL;
  Abandoned a = { 0 };

  a.queue = ta_queue_new_full (0, item_free);
  g_assert_true (ta_runner_start (r, &error));
  task = ta_runner_run (r, "pop", never_cancelled_pop_task, &a, NULL, TA_TIMEOUT_INFINITE, &error);
  g_assert_no_error (error);
  g_assert_true (ta_runner_stop (r, &error));
  g_assert_no_error (error);

  g_assert_true (ta_queue_push (a.queue, item_new (), 0, NULL));
  g_assert_cmpuint (item_deliver (ta_queue_try_pop (a.queue, &error)), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (G_OBJECT (a.queue)->ref_count, ==, 1);
  g_assert_cmpint (a.completed, ==, 0);
  g_clear_object (&a.queue);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/ta/queue/thread-to-thread", test_queue_thread_to_thread);
  items_test_add ("/ta/queue/fifo-and-sizes", test_queue_fifo_and_sizes);
  g_test_add_func ("/ta/queue/order-model", test_queue_order_model);
  items_test_add ("/ta/queue/timeouts", test_queue_timeouts);
  items_test_add ("/ta/queue/close-drains", test_queue_close_drains);
  items_test_add ("/ta/queue/unref-frees-items", test_queue_unref_frees_items);
  g_test_add_func ("/ta/queue/values", test_queue_values);
  g_test_add_func ("/ta/queue/construct-properties", test_queue_construct_properties);
  items_test_add ("/ta/queue/push-front", test_queue_push_front);
  g_test_add_func ("/ta/queue/push-front-to-waiter", test_queue_push_front_to_waiter);
  g_test_add_func ("/ta/queue/wrong-kind", test_queue_wrong_kind);
  items_test_add ("/ta/queue/refused-push-frees-item", test_queue_refused_push_frees_item);
  g_test_add_func ("/ta/queue/close-wakes-blocked-pusher", test_queue_close_wakes_blocked_pusher);
  g_test_add_func ("/ta/queue/close-wakes-blocked-popper", test_queue_close_wakes_blocked_popper);
  items_test_add ("/ta/queue/unref-while-popping", test_queue_unref_while_popping);
  items_test_add ("/ta/queue/unref-while-pushing", test_queue_unref_while_pushing);
  items_test_add ("/ta/queue/close-wakes-async-waiters", test_queue_close_wakes_async_waiters);
  items_test_add ("/ta/queue/async-handoff", test_queue_async_handoff);
  items_test_add ("/ta/queue/cancel-async-pop-keeps-item", test_queue_cancel_async_pop_keeps_item);
  items_test_add ("/ta/queue/cancel-async-push-frees-item", test_queue_cancel_async_push_frees_item);
  items_test_add ("/ta/queue/async-push-waits-for-room", test_queue_async_push_waits_for_room);
  items_test_add ("/ta/queue/pop-batch", test_queue_pop_batch);
  items_test_add ("/ta/queue/batch-collects-what-arrived", test_queue_batch_collects_what_arrived);
  items_test_add ("/ta/queue/batch-gets-item-pushed-front", test_queue_batch_gets_item_pushed_front);
  items_test_add ("/ta/queue/batch-cancelled-before-collecting", test_queue_batch_cancelled_before_collecting);
  items_test_add ("/ta/queue/batch-collects-nothing-waits-again", test_queue_batch_collects_nothing_waits_again);
  g_test_add_func ("/ta/queue/batch-waiting-keeps-push-order", test_queue_batch_waiting_keeps_push_order);
  g_test_add_func ("/ta/queue/batch-given-up-hands-on", test_queue_batch_given_up_hands_on);
  g_test_add_func ("/ta/queue/abandoned-runner-waits-detached", test_queue_abandoned_runner_waits_detached);
  items_test_add ("/ta/queue/stopped-runner-waits-detached", test_queue_stopped_runner_waits_detached);
  runner_test_add ("/ta/queue/loop-to-loop", test_queue_loop_to_loop);
  runner_test_add ("/ta/queue/cookbook-increment-worker", test_queue_cookbook_increment_worker);
  items_test_add ("/ta/queue/backpressure", test_queue_backpressure);
  runner_test_add ("/ta/queue/many-producers-consumers-deliver-each-item-once", test_queue_stress);

  return g_test_run ();
}
