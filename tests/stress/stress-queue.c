/* stress-queue.c: a bounded MPMC queue under every kind of producer and
 * consumer at once, with exact accounting
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Producers: blocking pushes, timed pushes, and asynchronous pushes that
 * another thread cancels at random. Consumers: blocking, trying and timed
 * pops on threads (which now and then give an item back with push_front),
 * asynchronous single and batch pops in a task on a runner and in another
 * thread's main context, cancelled at random from another thread. A
 * producer closes the queue in the middle of the traffic.
 *
 * Every item created must end delivered exactly once or freed exactly
 * once (by a failed push, or with the queue); every consumer must get the
 * items of each producer in push order, except an item given back with
 * push_front, which may legitimately come late (it is counted apart).
 *
 * TA_STRESS_ITEMS sets how many items (default 20000).
 */

#include "config.h"

#include "stress-common.h"

#define N_PRODUCERS 4
#define MAX_SIZE    64

enum {
  CONSUMER_BLOCKING,
  CONSUMER_TRY,
  CONSUMER_TIMED,
  CONSUMER_RUNNER,
  CONSUMER_CONTEXT,
  N_CONSUMERS
};

typedef struct
{
  TaQueue  *queue;
  guint     n_items;
  guint     per_producer;
  guint     close_at;           /* the push after which the queue closes */
  gint      n_pushed;           /* atomic: pushes begun */
  guint8   *slots;              /* an item is slots + id: never NULL */
  guint8   *delivered;          /* atomic counters, per id */
  guint8   *freed;
  guint8   *returned;           /* atomic: given back with push_front */
  guint     made[N_PRODUCERS];  /* ids p * per_producer + [0, made) */
  gint      reordered;          /* atomic */
  gint      pushed_front;       /* atomic */
  gint      late_returned;      /* atomic: given back, delivered late */
  gint      push_cancelled;     /* atomic */
  gint      pop_cancelled;      /* atomic */
  gint      done;               /* atomic: the canceller stops */

  /* What the canceller may cancel: the current operation of each
   * asynchronous party. */
  GMutex        cancel_mutex;
  GCancellable *current[3];
} Stress;

static Stress s;

static guint
item_id (gpointer item)
{
  return (guint) ((guint8 *) item - s.slots);
}

static void
item_free (gpointer item)
{
  __atomic_fetch_add (&s.freed[item_id (item)], 1, __ATOMIC_RELAXED);
}

/* A consumer's view: the last sequence number seen from each producer. */
typedef struct
{
  gint64 last[N_PRODUCERS];
  guint  rng;
} Consumer;

static void
consumer_init (Consumer *c,
               guint     seed)
{
  for (guint p = 0; p < N_PRODUCERS; p++)
    c->last[p] = -1;
  c->rng = seed;
}

static guint
rng_next (guint *state)
{
  *state = *state * 1103515245u + 12345u;
  return *state >> 8;
}

static void
consume (Consumer *c,
         gpointer  item)
{
  guint id = item_id (item);
  guint producer = id / s.per_producer;
  gint64 seq = id % s.per_producer;

  __atomic_fetch_add (&s.delivered[id], 1, __ATOMIC_RELAXED);
  if (__atomic_load_n (&s.returned[id], __ATOMIC_ACQUIRE))
    {
      /* Given back to the head: it may come after later ones. */
      g_atomic_int_inc (&s.late_returned);
      return;
    }
  if (seq <= c->last[producer])
    g_atomic_int_inc (&s.reordered);
  c->last[producer] = seq;
}

/* A thread consumer: now and then it gives the item back instead. */
static void
consume_or_return (Consumer *c,
                   gpointer  item)
{
  if (rng_next (&c->rng) % 512 == 0)
    {
      __atomic_store_n (&s.returned[item_id (item)], 1, __ATOMIC_RELEASE);
      g_atomic_int_inc (&s.pushed_front);
      ta_queue_push_front (s.queue, item);
      return;
    }
  consume (c, item);
}

/* ---------------------------------------------------------------------- */
/* Producers                                                               */
/* ---------------------------------------------------------------------- */

static gboolean
close_if_due (void)
{
  if ((guint) g_atomic_int_add (&s.n_pushed, 1) + 1 == s.close_at)
    return TRUE;
  return FALSE;
}

typedef struct
{
  guint         producer;
  GMainContext *context;
  gboolean      done;
  gboolean      ok;
  GError       *error;
} AsyncPush;

static void
async_pushed_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AsyncPush *push = user_data;

  push->ok = ta_queue_push_finish (TA_QUEUE (source), result, &push->error);
  push->done = TRUE;
}

static gpointer
producer_thread (gpointer data)
{
  guint p = GPOINTER_TO_UINT (data);
  g_autoptr(GMainContext) context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  for (guint seq = 0; seq < s.per_producer; seq++)
    {
      gpointer item = s.slots + p * s.per_producer + seq;
      g_autoptr(GError) error = NULL;
      gboolean close = close_if_due ();
      gboolean ok;

      s.made[p] = seq + 1;
      switch (p)
        {
        case 0:   /* asynchronous, cancelled at random */
          {
            g_autoptr(GCancellable) cancellable = g_cancellable_new ();
            AsyncPush push = { p, context, FALSE, FALSE, NULL };

            ta_mutex_lock (&s.cancel_mutex);
            g_set_object (&s.current[0], cancellable);
            ta_mutex_unlock (&s.cancel_mutex);
            ta_queue_push_async (s.queue, item, cancellable, async_pushed_cb, &push);
            while (!push.done)
              g_main_context_iteration (context, TRUE);
            ok = push.ok;
            if (!ok && g_error_matches (push.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
              g_atomic_int_inc (&s.push_cancelled);
            error = push.error;
          }
          break;

        case 1:   /* timed */
          ok = ta_queue_push (s.queue, item, 200, &error);
          break;

        default:  /* blocking */
          ok = ta_queue_push (s.queue, item, TA_TIMEOUT_INFINITE, &error);
          break;
        }

      if (close)
        ta_queue_close (s.queue);
      if (!ok && g_error_matches (error, TA_ERROR, TA_ERROR_CLOSED))
        break;
      if (!ok && !g_error_matches (error, TA_ERROR, TA_ERROR_TIMEOUT) &&
          !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_error ("push: %s", error->message);
    }
  g_main_context_pop_thread_default (context);

  return NULL;
}

/* ---------------------------------------------------------------------- */
/* Thread consumers                                                        */
/* ---------------------------------------------------------------------- */

static gpointer
consumer_thread (gpointer data)
{
  guint kind = GPOINTER_TO_UINT (data);
  Consumer c;

  consumer_init (&c, kind + 1);
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gpointer item;

      switch (kind)
        {
        case CONSUMER_BLOCKING:
          item = ta_queue_pop (s.queue, TA_TIMEOUT_INFINITE, &error);
          break;
        case CONSUMER_TRY:
          item = ta_queue_try_pop (s.queue, &error);
          if (item == NULL && g_error_matches (error, TA_ERROR, TA_ERROR_WOULD_BLOCK))
            {
              /* Not a spin: wait a little for the next one. */
              g_clear_error (&error);
              item = ta_queue_pop (s.queue, 1000, &error);
            }
          break;
        case CONSUMER_TIMED:
        default:
          item = ta_queue_pop (s.queue, 500, &error);
          break;
        }

      if (item != NULL)
        consume_or_return (&c, item);
      else if (g_error_matches (error, TA_ERROR, TA_ERROR_CLOSED))
        break;
      else if (!g_error_matches (error, TA_ERROR, TA_ERROR_TIMEOUT) &&
               !g_error_matches (error, TA_ERROR, TA_ERROR_WOULD_BLOCK))
        g_error ("pop: %s", error->message);
    }

  return NULL;
}

/* ---------------------------------------------------------------------- */
/* Asynchronous consumers                                                  */
/* ---------------------------------------------------------------------- */

typedef struct
{
  guint         slot;       /* in s.current */
  Consumer      c;
  guint         n_ops;
  GTask        *task;       /* on a runner: completed at the close */
  gboolean      closed;
} AsyncConsumer;

static void async_pop_next (AsyncConsumer *a);

static void
async_popped (AsyncConsumer *a,
              GError        *error)
{
  if (error == NULL)
    {
      async_pop_next (a);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_atomic_int_inc (&s.pop_cancelled);
      g_error_free (error);
      async_pop_next (a);
      return;
    }

  g_assert_true (g_error_matches (error, TA_ERROR, TA_ERROR_CLOSED));
  g_error_free (error);
  a->closed = TRUE;
  if (a->task != NULL)
    g_task_return_boolean (g_steal_pointer (&a->task), TRUE);
}

static void
pop_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  AsyncConsumer *a = user_data;
  GError *error = NULL;
  gpointer item = ta_queue_pop_finish (TA_QUEUE (source), result, &error);

  if (item != NULL)
    consume (&a->c, item);
  async_popped (a, error);
}

static void
pop_batch_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AsyncConsumer *a = user_data;
  GError *error = NULL;
  GPtrArray *batch = ta_queue_pop_batch_finish (TA_QUEUE (source), result, &error);

  if (batch != NULL)
    {
      g_assert_cmpuint (batch->len, >, 0);
      for (guint i = 0; i < batch->len; i++)
        consume (&a->c, g_ptr_array_index (batch, i));
      g_ptr_array_set_free_func (batch, NULL);
      g_ptr_array_unref (batch);
    }
  async_popped (a, error);
}

static void
async_pop_next (AsyncConsumer *a)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  ta_mutex_lock (&s.cancel_mutex);
  g_set_object (&s.current[a->slot], cancellable);
  ta_mutex_unlock (&s.cancel_mutex);

  if (a->n_ops++ % 2 == 0)
    ta_queue_pop_async (s.queue, cancellable, pop_cb, a);
  else
    ta_queue_pop_batch_async (s.queue, 8, cancellable, pop_batch_cb, a);
}

static void
runner_consumer_task (GTask        *task,
                      GCancellable *cancellable,
                      gpointer      user_data)
{
  AsyncConsumer *a = user_data;

  a->task = g_object_ref (task);
  async_pop_next (a);
}

static gpointer
context_consumer_thread (gpointer data)
{
  AsyncConsumer *a = data;
  g_autoptr(GMainContext) context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  async_pop_next (a);
  while (!a->closed)
    g_main_context_iteration (context, TRUE);
  /* Cancellation sources of finished pops, and nothing else. */
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);

  return NULL;
}

/* ---------------------------------------------------------------------- */
/* The canceller                                                           */
/* ---------------------------------------------------------------------- */

static gpointer
canceller_thread (gpointer data)
{
  guint rng = 7;

  while (!g_atomic_int_get (&s.done))
    {
      guint slot = rng_next (&rng) % G_N_ELEMENTS (s.current);

      /* Under the lock, without a reference of its own: the owner drops
       * the last one, after this, in an order ThreadSanitizer sees
       * (GObject's reference counts live in uninstrumented GLib). */
      ta_mutex_lock (&s.cancel_mutex);
      if (s.current[slot] != NULL)
        g_cancellable_cancel (s.current[slot]);
      ta_mutex_unlock (&s.cancel_mutex);
      /* Pacing, not synchronisation: a cancellation now and then. */
      g_usleep (50 + rng_next (&rng) % 200);
    }

  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TaRunner) runner = NULL;
  g_autoptr(TaTask) runner_task = NULL;
  g_autoptr(GError) error = NULL;
  GThread *producers[N_PRODUCERS];
  GThread *consumers[N_CONSUMERS];
  GThread *canceller;
  AsyncConsumer on_runner = { .slot = 1 };
  AsyncConsumer on_context = { .slot = 2 };
  guint64 created = 0, delivered = 0, freed = 0, lost = 0, duplicated = 0;
  gint64 start, elapsed;

  /* GLib initializes a class once, on first use, ordered by atomics
   * inside libgobject that ThreadSanitizer cannot see: the class of the
   * cancellables every thread makes is made before the threads. */
  g_object_unref (g_cancellable_new ());

  s.n_items = stress_items (20000);
  s.per_producer = MAX (1, s.n_items / N_PRODUCERS);
  s.n_items = s.per_producer * N_PRODUCERS;
  s.close_at = s.n_items - s.n_items / 10;
  s.slots = g_malloc0 (s.n_items);
  s.delivered = g_malloc0 (s.n_items);
  s.freed = g_malloc0 (s.n_items);
  s.returned = g_malloc0 (s.n_items);
  g_mutex_init (&s.cancel_mutex);
  s.queue = ta_queue_new_full (MAX_SIZE, item_free);

  consumer_init (&on_runner.c, 101);
  consumer_init (&on_context.c, 102);

  start = g_get_monotonic_time ();

  runner = ta_runner_new ("stress-consumer");
  g_assert_true (ta_runner_start (runner, &error));
  g_assert_no_error (error);
  runner_task = ta_runner_spawn (runner, "consumer", runner_consumer_task, &on_runner,
                                 NULL, NULL, &error);
  g_assert_no_error (error);
  consumers[CONSUMER_RUNNER] = NULL;
  consumers[CONSUMER_CONTEXT] = g_thread_new ("context-consumer", context_consumer_thread, &on_context);
  for (guint k = CONSUMER_BLOCKING; k <= CONSUMER_TIMED; k++)
    consumers[k] = g_thread_new ("consumer", consumer_thread, GUINT_TO_POINTER (k));
  canceller = g_thread_new ("canceller", canceller_thread, NULL);
  for (guint p = 0; p < N_PRODUCERS; p++)
    producers[p] = g_thread_new ("producer", producer_thread, GUINT_TO_POINTER (p));

  for (guint p = 0; p < N_PRODUCERS; p++)
    g_thread_join (producers[p]);
  /* Every producer stopped at the close, or before it ran out: the close
   * came in any case once close_at pushes had begun. */
  g_assert_true (ta_queue_is_closed (s.queue));
  for (guint k = 0; k < N_CONSUMERS; k++)
    if (consumers[k] != NULL)
      g_thread_join (consumers[k]);
  g_assert_true (ta_task_wait (runner_task, STRESS_HANG_US, &error));
  g_assert_no_error (error);
  g_assert_true (ta_runner_stop (runner, &error));
  g_assert_no_error (error);
  g_atomic_int_set (&s.done, 1);
  g_thread_join (canceller);

  ta_mutex_lock (&s.cancel_mutex);
  for (guint i = 0; i < G_N_ELEMENTS (s.current); i++)
    g_clear_object (&s.current[i]);
  ta_mutex_unlock (&s.cancel_mutex);
  g_clear_object (&s.queue);   /* frees what is left */
  elapsed = g_get_monotonic_time () - start;

  for (guint p = 0; p < N_PRODUCERS; p++)
    for (guint seq = 0; seq < s.per_producer; seq++)
      {
        guint id = p * s.per_producer + seq;
        guint n = s.delivered[id] + s.freed[id];

        if (seq >= s.made[p])
          {
            if (n != 0)
              g_printerr ("item %u was never made, but accounted %u times\n", id, n);
            duplicated += n;
            continue;
          }
        created++;
        delivered += s.delivered[id];
        freed += s.freed[id];
        if (n == 0)
          lost++;
        else if (n > 1)
          duplicated += n - 1;
      }

  g_print ("queue stress: items %" G_GUINT64_FORMAT " (of %u), delivered %" G_GUINT64_FORMAT
           ", freed %" G_GUINT64_FORMAT ", lost %" G_GUINT64_FORMAT
           ", duplicated %" G_GUINT64_FORMAT ", reordered %d; pushed front %d "
           "(%d came late, as allowed), pushes cancelled %d, pops cancelled %d; "
           "time %.2f s\n",
           created, s.n_items, delivered, freed, lost, duplicated,
           g_atomic_int_get (&s.reordered), s.pushed_front, s.late_returned,
           s.push_cancelled, s.pop_cancelled, elapsed / 1e6);

  g_free (s.slots);
  g_free (s.delivered);
  g_free (s.freed);
  g_free (s.returned);
  g_mutex_clear (&s.cancel_mutex);

  return (lost == 0 && duplicated == 0 && s.reordered == 0 && created > 0) ? 0 : 1;
}
