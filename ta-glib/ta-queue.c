/* ta-queue.c: a FIFO queue between threads and main contexts
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * TaQueue:
 *
 * A first-in first-out queue that plain threads and main contexts use at
 * the same time: multi-producer, multi-consumer, unbounded or bounded.
 *
 * Every operation comes three ways: try (never waits, fails with
 * %TA_ERROR_WOULD_BLOCK), blocking with a timeout, and asynchronous (the
 * callback runs in the caller's thread-default main context, so a task on
 * a runner, the main thread and GJS can all await it). Waiters are served
 * in the order they arrived, blocked threads and asynchronous waits alike;
 * an item pushed while someone waits goes straight to the first popper.
 *
 * A bounded queue (`max_size` > 0) makes pushers wait while it is full: a
 * producer that outpaces its consumer slows down instead of growing the
 * queue.
 *
 * ## Closing
 *
 * [method@Ta.Queue.close] ends the stream: further pushes fail with
 * %TA_ERROR_CLOSED, poppers still get what is left and then
 * %TA_ERROR_CLOSED, and every waiter blocked at that moment, blocking or
 * asynchronous, pusher or popper, is woken.
 *
 * ## Items and their ownership
 *
 * A queue holds either C pointers or values, and which is decided by its
 * constructor. Mind the names: unlike GLib's usual pair, where `_new_full`
 * is `_new` with more options, here they make two different kinds of
 * queue:
 *
 * - [ctor@Ta.Queue.new] makes a queue of **values**
 *   ([struct@GObject.Value]s), used with the `_value` functions: basic
 *   values, [struct@GLib.Variant] for data and [class@GObject.Object] for
 *   handles. Those cross threads safely; a plain JavaScript object does not
 *   and is refused with %TA_ERROR_INVALID_VALUE. It is the constructor of
 *   bindings, and of a queue constructed from its properties;
 * - [ctor@Ta.Queue.new_full] makes a queue of **C pointers** with the
 *   destroy notify that owns them, used with [method@Ta.Queue.push],
 *   [method@Ta.Queue.pop] and the other functions without `_value`.
 *
 * A function of the other kind fails with %TA_ERROR_INVALID_VALUE and a
 * message that says which kind the queue holds; an asynchronous one
 * completes with that error through its callback, as usual. Nothing is
 * queued or taken. [method@Ta.Queue.push_front], which has no error to
 * report it with, logs a critical instead.
 *
 * A push always takes the item. Every item pushed is then delivered exactly
 * once or freed exactly once: a push that fails (closed, full, timed out,
 * cancelled) frees it right away, and items left in the queue are freed
 * with it. Cancelling an asynchronous pop never loses an item: either the
 * wait was still pending and the item stays in the queue, or the item was
 * handed over and the callback gets it, cancelled or not. A consumer that
 * gets an item it can no longer use (its own caller gave up) returns it
 * with [method@Ta.Queue.push_front].
 *
 * ```c
 * // The cookbook's worker: increment what arrives, push it back.
 * static void popped_cb (GObject *queue, GAsyncResult *result, gpointer user_data);
 *
 * static void
 * increment_worker (GTask *task, GCancellable *cancellable, gpointer user_data)
 * {
 *   Queues *queues = user_data;
 *   ta_queue_pop_async (queues->in, cancellable, popped_cb, g_object_ref (task));
 * }
 *
 * static void
 * popped_cb (GObject *queue, GAsyncResult *result, gpointer user_data)
 * {
 *   g_autoptr(GTask) task = user_data;
 *   Queues *queues = g_task_get_task_data (task);
 *   GError *error = NULL;
 *   gpointer number = ta_queue_pop_finish (TA_QUEUE (queue), result, &error);
 *
 *   if (error != NULL)
 *     return g_task_return_error (task, error);
 *   ta_queue_try_push (queues->out, GINT_TO_POINTER (GPOINTER_TO_INT (number) + 1), NULL);
 *   ta_queue_pop_async (queues->in, g_task_get_cancellable (task), popped_cb, g_object_ref (task));
 * }
 * ```
 *
 * ## Thread safety
 *
 * Every method may be called from any thread. Asynchronous operations
 * complete in the thread-default main context of the thread that started
 * them. Items are freed on the thread where they are let go: the failing
 * push, the finalizing unref, or the context of a callback that did not
 * take its item.
 */

#include "config.h"

#include <string.h>

#include "ta-error.h"
#include "ta-monitor-private.h"
#include "ta-queue.h"
#include "ta-types.h"
#include "ta-value-private.h"
#include "ta-waiter-private.h"

/*
 * The items: a ring of pointers that grows by doubling, so that a push
 * allocates nothing in the steady state (a list node per item would be
 * allocated by the producer's thread and freed by the consumer's).
 */
typedef struct
{
  gpointer *slots;
  guint     capacity;  /* 0 or a power of two */
  guint     head;
  guint     length;
} TaRing;

static void
ta_ring_resize (TaRing *ring,
                guint   capacity)
{
  gpointer *slots = g_new (gpointer, capacity);

  for (guint i = 0; i < ring->length; i++)
    slots[i] = ring->slots[(ring->head + i) & (ring->capacity - 1)];
  g_free (ring->slots);
  ring->slots = slots;
  ring->capacity = capacity;
  ring->head = 0;
}

static void
ta_ring_grow (TaRing *ring)
{
  ta_ring_resize (ring, ring->capacity == 0 ? 16 : ring->capacity * 2);
}

static inline void
ta_ring_push_tail (TaRing   *ring,
                   gpointer  item)
{
  if (ring->length == ring->capacity)
    ta_ring_grow (ring);
  ring->slots[(ring->head + ring->length) & (ring->capacity - 1)] = item;
  ring->length++;
}

static inline void
ta_ring_push_head (TaRing   *ring,
                   gpointer  item)
{
  if (ring->length == ring->capacity)
    ta_ring_grow (ring);
  ring->head = (ring->head - 1) & (ring->capacity - 1);
  ring->slots[ring->head] = item;
  ring->length++;
}

/* The ring must not be empty. */
static inline gpointer
ta_ring_pop_head (TaRing *ring)
{
  gpointer item = ring->slots[ring->head];

  ring->head = (ring->head + 1) & (ring->capacity - 1);
  ring->length--;

  /* A queue that once held many items does not keep their room. */
  if (G_UNLIKELY (ring->capacity > 4096 && ring->length < ring->capacity / 8))
    ta_ring_resize (ring, ring->capacity / 2);

  return item;
}

/* Moves the first @n items (at most the length) to @dest. */
static void
ta_ring_pop_many (TaRing   *ring,
                  gpointer *dest,
                  guint     n)
{
  guint first;

  if (n == 0)
    return;

  first = MIN (n, ring->capacity - ring->head);
  memcpy (dest, ring->slots + ring->head, first * sizeof (gpointer));
  memcpy (dest + first, ring->slots, (n - first) * sizeof (gpointer));
  ring->head = (ring->head + n) & (ring->capacity - 1);
  ring->length -= n;

  if (G_UNLIKELY (ring->capacity > 4096 && ring->length < ring->capacity / 8))
    ta_ring_resize (ring, MAX (ring->capacity / 2, 16));
}

static inline gboolean
ta_ring_is_empty (const TaRing *ring)
{
  return ring->length == 0;
}

struct _TaQueue
{
  GObject         parent_instance;

  guint           max_size;       /* immutable; 0 for unbounded */
  GDestroyNotify  item_destroy;   /* immutable */
  gboolean        holds_values;   /* immutable */

  TaMonitor       monitor;        /* guards the fields below */
  TaRing          items;
  GQueue          poppers;        /* TaWaiter, waiting for an item */
  GQueue          pushers;        /* TaWaiter, each carrying its item */
  GPtrArray      *guests;         /* TaGuestLoop to wake once an item or
                                   * the close comes, or NULL */
  gboolean        closed;
};

G_DEFINE_TYPE (TaQueue, ta_queue, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MAX_SIZE,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

typedef enum {
  TA_QUEUE_OK,
  TA_QUEUE_NO_ROOM,     /* push: full */
  TA_QUEUE_NO_ITEM,     /* pop: empty */
  TA_QUEUE_CLOSED,
} TaQueueResult;

/* An asynchronous waiter answered under the lock, completed after it. */
typedef struct
{
  TaWaiter *waiter;
  gpointer  item;       /* the popped item, or a pusher's item to free */
  gboolean  closed;
} TaQueueCompletion;

typedef struct
{
  GArray   *completions;  /* TaQueueCompletion */
  gboolean  broadcast;    /* a blocked thread was answered */
} TaQueueAnswers;

#define TA_QUEUE_ANSWERS_INIT { NULL, FALSE }

static void
ta_queue_free_item (TaQueue  *self,
                    gpointer  item)
{
  if (self->item_destroy != NULL && item != NULL)
    self->item_destroy (item);
}

static void
ta_queue_finalize (GObject *object)
{
  TaQueue *self = TA_QUEUE (object);

  ta_monitor_sync_for_finalize (&self->monitor);
  g_assert (g_queue_is_empty (&self->poppers));
  g_assert (g_queue_is_empty (&self->pushers));

  while (!ta_ring_is_empty (&self->items))
    ta_queue_free_item (self, ta_ring_pop_head (&self->items));
  g_free (self->items.slots);
  g_clear_pointer (&self->guests, g_ptr_array_unref);
  ta_monitor_clear (&self->monitor);

  G_OBJECT_CLASS (ta_queue_parent_class)->finalize (object);
}

static void
ta_queue_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  TaQueue *self = TA_QUEUE (object);

  switch (prop_id)
    {
    case PROP_MAX_SIZE:
      g_value_set_uint (value, self->max_size);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ta_queue_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  TaQueue *self = TA_QUEUE (object);

  switch (prop_id)
    {
    case PROP_MAX_SIZE:
      self->max_size = g_value_get_uint (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ta_queue_class_init (TaQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ta_queue_finalize;
  object_class->get_property = ta_queue_get_property;
  object_class->set_property = ta_queue_set_property;

  /**
   * TaQueue:max-size:
   *
   * How many items the queue holds before pushes wait, or 0 for no limit.
   * A queue constructed from its properties, as bindings do, holds
   * values, like one from [ctor@Ta.Queue.new].
   */
  props[PROP_MAX_SIZE] =
    g_param_spec_uint ("max-size", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                       G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
ta_queue_init (TaQueue *self)
{
  ta_monitor_init (&self->monitor);
  self->item_destroy = ta_value_free;
  self->holds_values = TRUE;
}

/**
 * ta_queue_new:
 * @max_size: how many items the queue holds before pushes wait, or 0 for
 *   no limit
 *
 * Creates a queue of values: use it with the `_value` functions, from C or
 * from bindings.
 *
 * Any thread.
 *
 * Returns: (transfer full): a new queue
 */
TaQueue *
ta_queue_new (guint max_size)
{
  return g_object_new (TA_TYPE_QUEUE, "max-size", max_size, NULL);
}

/**
 * ta_queue_new_full: (skip)
 * @max_size: how many items the queue holds before pushes wait, or 0 for
 *   no limit
 * @item_destroy: (nullable): frees an item that is never delivered
 *
 * Creates a queue of C pointers, used with the functions without `_value`.
 * Items are never %NULL.
 *
 * Any thread.
 *
 * Returns: (transfer full): a new queue
 */
TaQueue *
ta_queue_new_full (guint          max_size,
                   GDestroyNotify item_destroy)
{
  TaQueue *self = g_object_new (TA_TYPE_QUEUE, "max-size", max_size, NULL);

  self->item_destroy = item_destroy;
  self->holds_values = FALSE;

  return self;
}

/* ---------------------------------------------------------------------- */
/* The core, called with the monitor locked                                */
/* ---------------------------------------------------------------------- */

static void
ta_queue_answer_locked (TaQueue        *self,
                        TaWaiter       *waiter,
                        gpointer        item,
                        gboolean        closed,
                        TaQueueAnswers *answers)
{
  ta_waiter_unlink_locked (waiter);

  if (waiter->task == NULL)
    {
      /* A blocked thread: it reads its answer once woken. */
      waiter->data = item;
      waiter->closed = closed;
      waiter->done = TRUE;
      answers->broadcast = TRUE;
    }
  else
    {
      TaQueueCompletion completion = { waiter, item, closed };

      if (answers->completions == NULL)
        answers->completions = g_array_new (FALSE, FALSE, sizeof (TaQueueCompletion));
      g_array_append_val (answers->completions, completion);
    }
}

static gboolean
ta_queue_is_batch_popper (TaWaiter *waiter)
{
  return waiter->task != NULL &&
         g_task_get_source_tag (waiter->task) == ta_queue_pop_batch_async;
}

static gboolean
ta_queue_has_room_locked (TaQueue *self)
{
  return self->max_size == 0 || self->items.length < self->max_size;
}

static TaQueueResult
ta_queue_push_locked (TaQueue        *self,
                      gpointer        item,
                      TaQueueAnswers *answers)
{
  GList *link;

  if (self->closed)
    return TA_QUEUE_CLOSED;

  /* Someone is waiting: the item goes on to the first popper. */
  if ((link = g_queue_peek_head_link (&self->poppers)) != NULL)
    {
      TaWaiter *popper = link->data;

      /* A batch popper is told to come and collect, in its own context,
       * everything that has arrived by then: a fast producer fills its
       * next batch while the news travels, instead of paying for a
       * completion per item. */
      if (ta_queue_is_batch_popper (popper))
        {
          ta_ring_push_tail (&self->items, item);
          ta_queue_answer_locked (self, popper, NULL, FALSE, answers);
          return TA_QUEUE_OK;
        }

      /* Items told to a batch popper wait in the queue for it to
       * collect them; they came first, so the popper gets the oldest and
       * this one queues behind the rest. */
      if (!ta_ring_is_empty (&self->items))
        {
          ta_ring_push_tail (&self->items, item);
          item = ta_ring_pop_head (&self->items);
        }

      ta_queue_answer_locked (self, popper, item, FALSE, answers);
      return TA_QUEUE_OK;
    }

  if (!ta_queue_has_room_locked (self))
    return TA_QUEUE_NO_ROOM;

  ta_ring_push_tail (&self->items, item);
  return TA_QUEUE_OK;
}

/* Moves the first waiting pusher's item in, now that there is room. */
static void
ta_queue_refill_locked (TaQueue        *self,
                        TaQueueAnswers *answers)
{
  GList *link;

  if (ta_queue_has_room_locked (self) &&
      (link = g_queue_peek_head_link (&self->pushers)) != NULL)
    {
      TaWaiter *pusher = link->data;

      ta_ring_push_tail (&self->items, pusher->data);
      ta_queue_answer_locked (self, pusher, NULL, FALSE, answers);
    }
}

static TaQueueResult
ta_queue_pop_locked (TaQueue        *self,
                     gpointer       *item,
                     TaQueueAnswers *answers)
{
  if (!ta_ring_is_empty (&self->items))
    {
      *item = ta_ring_pop_head (&self->items);
      ta_queue_refill_locked (self, answers);
      return TA_QUEUE_OK;
    }

  return self->closed ? TA_QUEUE_CLOSED : TA_QUEUE_NO_ITEM;
}

static GPtrArray *
ta_queue_pop_batch_locked (TaQueue        *self,
                           guint           max_items,
                           TaQueueAnswers *answers)
{
  GPtrArray *batch;
  guint n = MIN (max_items, self->items.length + self->pushers.length);

  batch = g_ptr_array_new_full (n, self->item_destroy);

  /* Nobody waits to push: the items go in one copy. */
  if (g_queue_is_empty (&self->pushers))
    {
      guint take = MIN (max_items, self->items.length);

      g_ptr_array_set_size (batch, take);
      ta_ring_pop_many (&self->items, batch->pdata, take);
      return batch;
    }

  while (batch->len < max_items && !ta_ring_is_empty (&self->items))
    {
      g_ptr_array_add (batch, ta_ring_pop_head (&self->items));
      ta_queue_refill_locked (self, answers);
    }

  return batch;
}

static void ta_queue_unlock_and_complete (TaQueue        *self,
                                          TaQueueAnswers *answers);

/*
 * Items told to a batch popper stay in the queue until it collects them.
 * If it takes fewer, or never comes (cancelled, or its context will never
 * run again), poppers that arrived meanwhile must not wait beside them:
 * hands them on, oldest first. A batch popper is told to collect, and the
 * rest waits for what it leaves.
 */
static void
ta_queue_serve_locked (TaQueue        *self,
                       TaQueueAnswers *answers)
{
  GList *link;

  while (!ta_ring_is_empty (&self->items) &&
         (link = g_queue_peek_head_link (&self->poppers)) != NULL)
    {
      TaWaiter *popper = link->data;

      if (ta_queue_is_batch_popper (popper))
        {
          ta_queue_answer_locked (self, popper, NULL, FALSE, answers);
          return;
        }

      ta_queue_answer_locked (self, popper, ta_ring_pop_head (&self->items), FALSE, answers);
      ta_queue_refill_locked (self, answers);
    }
}

/* A batch popper's collection that will never run, or ran and gave up. */
static void
ta_queue_collect_dropped (gpointer data)
{
  TaQueue *self = data;
  TaQueueAnswers answers = TA_QUEUE_ANSWERS_INIT;

  ta_monitor_lock (&self->monitor);
  ta_queue_serve_locked (self, &answers);
  ta_queue_unlock_and_complete (self, &answers);
  g_object_unref (self);
}

/* In a batch popper's context, told that items arrived: takes what is
 * there now, up to the batch size. Items stay in the queue until then, so
 * a pop cancelled meanwhile loses none. */
static void
ta_queue_collect_batch (GTask    *task,
                        gpointer  data)
{
  TaQueue *self = data;
  TaQueueAnswers answers = TA_QUEUE_ANSWERS_INIT;
  guint max_items = GPOINTER_TO_UINT (g_task_get_task_data (task));
  GPtrArray *batch = NULL;
  gboolean closed = FALSE;

  /* @task is borrowed: the posted call holds it. */
  if (g_task_return_error_if_cancelled (task))
    {
      ta_queue_collect_dropped (self);
      return;
    }

  ta_monitor_lock (&self->monitor);
  if (!ta_ring_is_empty (&self->items))
    {
      batch = ta_queue_pop_batch_locked (self, max_items, &answers);
      ta_queue_serve_locked (self, &answers);
    }
  else if (self->closed)
    closed = TRUE;
  else
    /* Taken by someone else meanwhile: wait again, as a new arrival. */
    ta_waiter_new_locked (G_OBJECT (self), &self->monitor, &self->poppers, task);
  ta_queue_unlock_and_complete (self, &answers);

  if (batch != NULL)
    g_task_return_pointer (task, batch, (GDestroyNotify) g_ptr_array_unref);
  else if (closed)
    g_task_return_new_error (task, TA_ERROR, TA_ERROR_CLOSED,
                             "The queue is closed and empty");
  g_object_unref (self);
}

/* Unlocks, then completes the asynchronous waiters answered. */
static void
ta_queue_unlock_and_complete (TaQueue        *self,
                              TaQueueAnswers *answers)
{
  GArray *completions = answers->completions;
  GPtrArray *guests = NULL;

  if (answers->broadcast)
    ta_monitor_broadcast (&self->monitor);
  if (G_UNLIKELY (self->guests != NULL) &&
      (!ta_ring_is_empty (&self->items) || self->closed))
    guests = g_steal_pointer (&self->guests);
  ta_monitor_unlock (&self->monitor);

  if (guests != NULL)
    {
      for (guint i = 0; i < guests->len; i++)
        ta_guest_loop_wake (g_ptr_array_index (guests, i));
      g_ptr_array_unref (guests);
    }

  if (completions == NULL)
    return;

  for (guint i = 0; i < completions->len; i++)
    {
      TaQueueCompletion *c = &g_array_index (completions, TaQueueCompletion, i);
      TaWaiter *waiter = c->waiter;
      gpointer tag = g_task_get_source_tag (waiter->task);

      if (tag == ta_queue_push_async)
        {
          if (c->closed)
            {
              ta_queue_free_item (self, g_steal_pointer (&waiter->data));
              ta_waiter_complete_error (waiter,
                                        g_error_new_literal (TA_ERROR, TA_ERROR_CLOSED,
                                                             "The queue was closed"));
            }
          else
            ta_waiter_complete_boolean (waiter, TRUE);
        }
      else if (c->closed)
        {
          ta_waiter_complete_error (waiter,
                                    g_error_new_literal (TA_ERROR, TA_ERROR_CLOSED,
                                                         "The queue is closed and empty"));
        }
      else if (tag == ta_queue_pop_batch_async)
        {
          ta_waiter_complete_call (waiter, ta_queue_collect_batch, g_object_ref (self),
                                   ta_queue_collect_dropped);
        }
      else
        {
          ta_waiter_complete_pointer (waiter, c->item, self->item_destroy);
        }
    }
  g_array_unref (completions);
}

/* ---------------------------------------------------------------------- */
/* Blocking and trying                                                     */
/* ---------------------------------------------------------------------- */

static void
ta_queue_set_closed_error (GError   **error,
                           gboolean   pushing)
{
  if (pushing)
    g_set_error_literal (error, TA_ERROR, TA_ERROR_CLOSED, "The queue is closed");
  else
    g_set_error_literal (error, TA_ERROR, TA_ERROR_CLOSED, "The queue is closed and empty");
}

static void
ta_queue_set_timeout_error (GError   **error,
                            gboolean   pushing,
                            gint64     timeout_us)
{
  if (timeout_us == 0)
    g_set_error_literal (error, TA_ERROR, TA_ERROR_WOULD_BLOCK,
                         pushing ? "The queue is full" : "The queue is empty");
  else
    {
      g_autofree char *timeout = ta_format_timeout (timeout_us);

      g_set_error (error, TA_ERROR, TA_ERROR_TIMEOUT,
                   pushing ? "The queue had no room within %s" :
                             "The queue had no item within %s",
                   timeout);
    }
}

/* Blocks, as a linked waiter, until answered or @end_time. Called locked;
 * returns locked. FALSE if it timed out (and is unlinked). Either way the
 * caller drops the reference it took, once unlocked: a thread that blocks
 * holds one, as GLib's objects do, so that the last one dropped elsewhere
 * does not free the queue under it. Taken unlocked, for a binding's toggle
 * notification may run; the waiter may be answered meanwhile. */
static gboolean
ta_queue_block_locked (TaQueue  *self,
                       TaWaiter *waiter,
                       gint64    end_time)
{
  ta_monitor_unlock (&self->monitor);
  g_object_ref (self);
  ta_monitor_lock (&self->monitor);

  while (!waiter->done)
    {
      if (!ta_monitor_wait_until (&self->monitor, end_time) && !waiter->done)
        {
          ta_waiter_unlink_locked (waiter);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
ta_queue_push_internal (TaQueue   *self,
                        gpointer   item,
                        gint64     timeout_us,
                        GError   **error)
{
  TaQueueAnswers answers = TA_QUEUE_ANSWERS_INIT;
  TaQueueResult result;
  TaWaiter waiter;
  gboolean closed;

  if (timeout_us == TA_TIMEOUT_DEFAULT)
    timeout_us = TA_TIMEOUT_INFINITE;

  ta_monitor_lock (&self->monitor);
  result = ta_queue_push_locked (self, item, &answers);
  if (result == TA_QUEUE_OK)
    {
      ta_queue_unlock_and_complete (self, &answers);
      return TRUE;
    }

  if (result == TA_QUEUE_CLOSED || timeout_us == 0)
    {
      ta_monitor_unlock (&self->monitor);
      ta_queue_free_item (self, item);
      if (result == TA_QUEUE_CLOSED)
        ta_queue_set_closed_error (error, TRUE);
      else
        ta_queue_set_timeout_error (error, TRUE, 0);
      return FALSE;
    }

  ta_waiter_init_blocking_locked (&waiter, &self->monitor, &self->pushers);
  waiter.data = item;
  if (!ta_queue_block_locked (self, &waiter, ta_end_time_from_timeout (timeout_us)))
    {
      ta_monitor_unlock (&self->monitor);
      ta_queue_free_item (self, item);
      g_object_unref (self);
      ta_queue_set_timeout_error (error, TRUE, timeout_us);
      return FALSE;
    }
  closed = waiter.closed;
  ta_monitor_unlock (&self->monitor);

  if (closed)
    {
      ta_queue_free_item (self, item);
      ta_queue_set_closed_error (error, TRUE);
    }
  g_object_unref (self);

  return !closed;
}

static gpointer
ta_queue_pop_internal (TaQueue   *self,
                       gint64     timeout_us,
                       GError   **error)
{
  TaQueueAnswers answers = TA_QUEUE_ANSWERS_INIT;
  TaQueueResult result;
  gpointer item = NULL;
  TaWaiter waiter;

  if (timeout_us == TA_TIMEOUT_DEFAULT)
    timeout_us = TA_TIMEOUT_INFINITE;

  ta_monitor_lock (&self->monitor);
  result = ta_queue_pop_locked (self, &item, &answers);
  if (result == TA_QUEUE_OK)
    {
      ta_queue_unlock_and_complete (self, &answers);
      return item;
    }

  if (result == TA_QUEUE_CLOSED || timeout_us == 0)
    {
      ta_monitor_unlock (&self->monitor);
      if (result == TA_QUEUE_CLOSED)
        ta_queue_set_closed_error (error, FALSE);
      else
        ta_queue_set_timeout_error (error, FALSE, 0);
      return NULL;
    }

  ta_waiter_init_blocking_locked (&waiter, &self->monitor, &self->poppers);
  if (!ta_queue_block_locked (self, &waiter, ta_end_time_from_timeout (timeout_us)))
    {
      ta_monitor_unlock (&self->monitor);
      g_object_unref (self);
      ta_queue_set_timeout_error (error, FALSE, timeout_us);
      return NULL;
    }
  ta_monitor_unlock (&self->monitor);
  g_object_unref (self);

  if (waiter.closed)
    {
      ta_queue_set_closed_error (error, FALSE);
      return NULL;
    }

  return waiter.data;
}

/* Returns an item to the head, or to the first waiting popper: it was the
 * oldest. Neither the bound nor a close stands in the way of an item
 * that was in the queue before. */
static void
ta_queue_push_front_internal (TaQueue  *self,
                              gpointer  item)
{
  TaQueueAnswers answers = TA_QUEUE_ANSWERS_INIT;
  GList *link;

  ta_monitor_lock (&self->monitor);
  link = g_queue_peek_head_link (&self->poppers);
  /* A batch popper collects from the queue itself, as with a push. */
  if (link != NULL && !ta_queue_is_batch_popper (link->data))
    ta_queue_answer_locked (self, link->data, item, FALSE, &answers);
  else
    {
      ta_ring_push_head (&self->items, item);
      if (link != NULL)
        ta_queue_answer_locked (self, link->data, NULL, FALSE, &answers);
    }
  ta_queue_unlock_and_complete (self, &answers);
}

/* ---------------------------------------------------------------------- */
/* Asynchronous                                                            */
/* ---------------------------------------------------------------------- */

/* A pending push was cancelled: its item was never delivered. */
static void
ta_queue_pusher_cancelled (TaWaiter *waiter)
{
  ta_queue_free_item (TA_QUEUE (waiter->owner), g_steal_pointer (&waiter->data));
}

static GTask *
ta_queue_task_new (TaQueue             *self,
                   gpointer             source_tag,
                   const char          *name,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, name);
  /* Once an item moved, the outcome stands even if the cancellable fires
   * afterwards: otherwise a delivered item would be reported as lost. */
  g_task_set_check_cancellable (task, FALSE);

  return task;
}

static void
ta_queue_push_async_internal (TaQueue             *self,
                              gpointer             item,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  TaQueueAnswers answers = TA_QUEUE_ANSWERS_INIT;
  TaQueueResult result;

  task = ta_queue_task_new (self, ta_queue_push_async, "[ta-glib] ta_queue_push_async",
                            cancellable, callback, user_data);

  if (g_cancellable_is_cancelled (cancellable))
    {
      ta_queue_free_item (self, item);
      g_task_return_error_if_cancelled (task);
      return;
    }

  ta_monitor_lock (&self->monitor);
  result = ta_queue_push_locked (self, item, &answers);
  if (result == TA_QUEUE_NO_ROOM)
    {
      TaWaiter *waiter = ta_waiter_new_locked (G_OBJECT (self), &self->monitor,
                                               &self->pushers, task);

      waiter->data = item;
      waiter->cancelled = ta_queue_pusher_cancelled;
    }
  ta_queue_unlock_and_complete (self, &answers);

  if (result == TA_QUEUE_OK)
    g_task_return_boolean (task, TRUE);
  else if (result == TA_QUEUE_CLOSED)
    {
      ta_queue_free_item (self, item);
      g_task_return_new_error (task, TA_ERROR, TA_ERROR_CLOSED, "The queue is closed");
    }
}

static void
ta_queue_pop_async_internal (TaQueue             *self,
                             gpointer             source_tag,
                             const char          *name,
                             guint                max_items,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  TaQueueAnswers answers = TA_QUEUE_ANSWERS_INIT;
  GPtrArray *batch = NULL;
  gpointer item = NULL;
  gboolean closed = FALSE;

  task = ta_queue_task_new (self, source_tag, name, cancellable, callback, user_data);
  g_task_set_task_data (task, GUINT_TO_POINTER (max_items), NULL);

  if (g_task_return_error_if_cancelled (task))
    return;

  ta_monitor_lock (&self->monitor);
  if (!ta_ring_is_empty (&self->items))
    {
      if (max_items > 0)
        batch = ta_queue_pop_batch_locked (self, max_items, &answers);
      else
        ta_queue_pop_locked (self, &item, &answers);
    }
  else if (self->closed)
    closed = TRUE;
  else
    ta_waiter_new_locked (G_OBJECT (self), &self->monitor, &self->poppers, task);
  ta_queue_unlock_and_complete (self, &answers);

  if (batch != NULL)
    g_task_return_pointer (task, batch, (GDestroyNotify) g_ptr_array_unref);
  else if (item != NULL)
    g_task_return_pointer (task, item, self->item_destroy);
  else if (closed)
    g_task_return_new_error (task, TA_ERROR, TA_ERROR_CLOSED,
                             "The queue is closed and empty");
}

/* ---------------------------------------------------------------------- */
/* Public API                                                              */
/* ---------------------------------------------------------------------- */

/*
 * A queue's kind is fixed by its constructor, and a queue can reach code
 * written for the other kind (a binding's queue of values handed to C, a
 * C library's queue of pointers handed to a binding): refused with an
 * error the caller can report, never a silent no-op.
 */
static gboolean
ta_queue_check_kind (TaQueue     *self,
                     gboolean     values,
                     const char  *func,
                     GError     **error)
{
  if (G_LIKELY (self->holds_values == values))
    return TRUE;

  if (self->holds_values)
    g_set_error (error, TA_ERROR, TA_ERROR_INVALID_VALUE,
                 "%s: this queue holds GValues (it was made by ta_queue_new()): "
                 "use the _value functions", func);
  else
    g_set_error (error, TA_ERROR, TA_ERROR_INVALID_VALUE,
                 "%s: this queue holds C pointers (it was made by ta_queue_new_full()): "
                 "use the functions without _value", func);
  return FALSE;
}

/* An asynchronous call on a queue of the other kind: completes at once,
 * through its callback, with the error. */
static gboolean
ta_queue_check_kind_async (TaQueue             *self,
                           gboolean             values,
                           gpointer             source_tag,
                           const char          *func,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  if (ta_queue_check_kind (self, values, func, &error))
    return TRUE;

  task = ta_queue_task_new (self, source_tag, func, cancellable, callback, user_data);
  g_task_return_error (task, error);
  return FALSE;
}

/* A push refused by a precondition still takes its item, as documented;
 * only a queue of C pointers knows how to free one. */
static void
ta_queue_refuse_item (TaQueue  *self,
                      gpointer  item)
{
  if (!self->holds_values)
    ta_queue_free_item (self, item);
}

/**
 * ta_queue_get_max_size:
 * @self: a queue
 *
 * Gets how many items the queue holds before pushes wait.
 *
 * Any thread.
 *
 * Returns: the maximum size, or 0 for an unbounded queue
 */
guint
ta_queue_get_max_size (TaQueue *self)
{
  g_return_val_if_fail (TA_IS_QUEUE (self), 0);

  return self->max_size;
}

/**
 * ta_queue_get_length:
 * @self: a queue
 *
 * Gets how many items are in the queue now. Items held by pushers waiting
 * for room do not count.
 *
 * Any thread.
 *
 * Returns: the number of items
 */
guint
ta_queue_get_length (TaQueue *self)
{
  guint length;

  g_return_val_if_fail (TA_IS_QUEUE (self), 0);

  ta_monitor_lock (&self->monitor);
  length = self->items.length;
  ta_monitor_unlock (&self->monitor);

  return length;
}

/**
 * ta_queue_is_empty:
 * @self: a queue
 *
 * Checks whether the queue holds no item.
 *
 * Any thread.
 *
 * Returns: %TRUE if the queue is empty
 */
gboolean
ta_queue_is_empty (TaQueue *self)
{
  return ta_queue_get_length (self) == 0;
}

/**
 * ta_queue_is_full:
 * @self: a queue
 *
 * Checks whether a push would have to wait. An unbounded queue is never
 * full.
 *
 * Any thread.
 *
 * Returns: %TRUE if the queue is full
 */
gboolean
ta_queue_is_full (TaQueue *self)
{
  gboolean full;

  g_return_val_if_fail (TA_IS_QUEUE (self), FALSE);

  ta_monitor_lock (&self->monitor);
  full = !ta_queue_has_room_locked (self);
  ta_monitor_unlock (&self->monitor);

  return full;
}

/**
 * ta_queue_close:
 * @self: a queue
 *
 * Closes the queue: pushes fail with %TA_ERROR_CLOSED from now on, pops
 * return what is left and then fail with %TA_ERROR_CLOSED. Every waiter is
 * woken: blocked or asynchronous pushers fail (their items are freed), and
 * poppers waiting on the empty queue fail. Closing twice does nothing.
 *
 * Any thread.
 */
void
ta_queue_close (TaQueue *self)
{
  TaQueueAnswers answers = TA_QUEUE_ANSWERS_INIT;
  GList *link;

  g_return_if_fail (TA_IS_QUEUE (self));

  ta_monitor_lock (&self->monitor);
  if (self->closed)
    {
      ta_monitor_unlock (&self->monitor);
      return;
    }
  self->closed = TRUE;
  while ((link = g_queue_peek_head_link (&self->poppers)) != NULL)
    ta_queue_answer_locked (self, link->data, NULL, TRUE, &answers);
  while ((link = g_queue_peek_head_link (&self->pushers)) != NULL)
    ta_queue_answer_locked (self, link->data, NULL, TRUE, &answers);
  ta_queue_unlock_and_complete (self, &answers);
}

/**
 * ta_queue_wake_when_ready:
 * @self: a queue
 * @guest: a guest loop
 *
 * Asks for an iteration of @guest once @self holds an item or is closed:
 * at once if it does already, otherwise when the push or the close that
 * makes it so comes. One wake per call; calls made again before it comes
 * count once.
 *
 * Made for bindings whose coroutines run in a guest loop: a coroutine
 * waiting for an item is resumed by its own loop and pops the item
 * itself, with no asynchronous operation per item. The item stays in the
 * queue until then, so a consumer that is already waiting (a blocked
 * thread, an asynchronous pop) or that comes first takes it instead, and
 * the coroutine asks again.
 *
 * The queue holds a reference on @guest until the wake comes. A guest
 * loop destroyed in the meantime is let go at the next call, on any
 * guest loop, that finds the queue empty; one destroyed already is not
 * taken.
 *
 * Any thread.
 */
void
ta_queue_wake_when_ready (TaQueue     *self,
                          TaGuestLoop *guest)
{
  GList *dropped = NULL;
  gboolean now;

  g_return_if_fail (TA_IS_QUEUE (self));
  g_return_if_fail (TA_IS_GUEST_LOOP (guest));

  ta_monitor_lock (&self->monitor);
  now = !ta_ring_is_empty (&self->items) || self->closed;
  if (!now)
    {
      if (self->guests == NULL)
        self->guests = g_ptr_array_new_with_free_func (g_object_unref);
      /* A loop destroyed before its wake came (its runner stopped) is let
       * go here rather than kept until the queue is next ready. */
      for (guint i = self->guests->len; i > 0; i--)
        if (ta_guest_loop_is_destroyed (g_ptr_array_index (self->guests, i - 1)))
          dropped = g_list_prepend (dropped, g_ptr_array_steal_index_fast (self->guests, i - 1));
      if (!ta_guest_loop_is_destroyed (guest) &&
          !g_ptr_array_find (self->guests, guest, NULL))
        g_ptr_array_add (self->guests, g_object_ref (guest));
    }
  ta_monitor_unlock (&self->monitor);

  /* Their last reference may go here: never under the queue's lock. */
  g_list_free_full (dropped, g_object_unref);

  if (now)
    ta_guest_loop_wake (guest);
}

/**
 * ta_queue_is_closed:
 * @self: a queue
 *
 * Checks whether [method@Ta.Queue.close] was called.
 *
 * Any thread.
 *
 * Returns: %TRUE if the queue is closed
 */
gboolean
ta_queue_is_closed (TaQueue *self)
{
  gboolean closed;

  g_return_val_if_fail (TA_IS_QUEUE (self), FALSE);

  ta_monitor_lock (&self->monitor);
  closed = self->closed;
  ta_monitor_unlock (&self->monitor);

  return closed;
}

/**
 * ta_queue_push: (skip)
 * @self: a queue of C pointers
 * @item: (transfer full): the item, not %NULL
 * @timeout_us: how long to wait for room, in microseconds, 0 not to wait,
 *   or %TA_TIMEOUT_INFINITE (%TA_TIMEOUT_DEFAULT means the same)
 * @error: return location for a #GError
 *
 * Appends @item, waiting for room in a full bounded queue. The queue
 * takes @item in every case: if the push fails, @item is freed before
 * this returns, with the queue's destroy notify, also when a precondition
 * refuses it. The exception is a queue that cannot know how: @self not a
 * queue, or a queue of values (%TA_ERROR_INVALID_VALUE); then @item is
 * still the caller's.
 *
 * Any thread. It never iterates a main context.
 *
 * Returns: %TRUE if @item was queued or handed to a popper; %FALSE with
 *   %TA_ERROR_CLOSED, %TA_ERROR_TIMEOUT, %TA_ERROR_WOULD_BLOCK or
 *   %TA_ERROR_INVALID_VALUE (a queue of values)
 */
gboolean
ta_queue_push (TaQueue   *self,
               gpointer   item,
               gint64     timeout_us,
               GError   **error)
{
  g_return_val_if_fail (TA_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (item != NULL, FALSE);
  if (G_UNLIKELY (timeout_us < TA_TIMEOUT_DEFAULT || (error != NULL && *error != NULL)))
    {
      ta_queue_refuse_item (self, item);
      g_return_val_if_fail (timeout_us >= TA_TIMEOUT_DEFAULT, FALSE);
      g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
    }
  if (!ta_queue_check_kind (self, FALSE, G_STRFUNC, error))
    return FALSE;

  return ta_queue_push_internal (self, item, timeout_us, error);
}

/**
 * ta_queue_try_push: (skip)
 * @self: a queue of C pointers
 * @item: (transfer full): the item, not %NULL
 * @error: return location for a #GError
 *
 * Appends @item if there is room, without waiting; frees it otherwise.
 *
 * Any thread.
 *
 * Returns: %TRUE if @item was queued; %FALSE with %TA_ERROR_WOULD_BLOCK
 *   or %TA_ERROR_CLOSED
 */
gboolean
ta_queue_try_push (TaQueue   *self,
                   gpointer   item,
                   GError   **error)
{
  return ta_queue_push (self, item, 0, error);
}

/**
 * ta_queue_push_front: (skip)
 * @self: a queue of C pointers
 * @item: (transfer full) (not nullable): the item to return
 *
 * Returns an item to the head of the queue, where the next pop takes it,
 * or hands it to the first popper waiting. It is meant for an item that
 * was popped but could not be used, such as one that reached a consumer
 * which had just given up waiting, so that it is not lost.
 *
 * It never waits and never fails: it ignores the bound of a full queue
 * (the item held a place in it a moment ago) and works on a closed queue
 * (poppers drain what is left before they see the close).
 *
 * Any thread.
 */
void
ta_queue_push_front (TaQueue  *self,
                     gpointer  item)
{
  g_return_if_fail (TA_IS_QUEUE (self));
  g_return_if_fail (item != NULL);
  /* No error to report it with: the caller's bug, said loudly. */
  g_return_if_fail (!self->holds_values);

  ta_queue_push_front_internal (self, item);
}

/**
 * ta_queue_push_async: (skip)
 * @self: a queue of C pointers
 * @item: (transfer full): the item, not %NULL
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once @item is queued, or the push
 *   failed
 * @user_data: data for @callback
 *
 * Appends @item, waiting without blocking for room in a full queue. The
 * queue takes @item: if the push fails or is cancelled while waiting,
 * @item is freed; on a queue of values, which cannot free it, it fails
 * with %TA_ERROR_INVALID_VALUE and @item is still the caller's.
 *
 * Any thread. The callback runs in the thread-default main context of the
 * caller, never from within this call.
 */
void
ta_queue_push_async (TaQueue             *self,
                     gpointer             item,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_return_if_fail (TA_IS_QUEUE (self));
  g_return_if_fail (item != NULL);
  if (G_UNLIKELY (cancellable != NULL && !G_IS_CANCELLABLE (cancellable)))
    {
      ta_queue_refuse_item (self, item);
      g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
    }
  if (!ta_queue_check_kind_async (self, FALSE, ta_queue_push_async, G_STRFUNC,
                                  cancellable, callback, user_data))
    return;

  ta_queue_push_async_internal (self, item, cancellable, callback, user_data);
}

/**
 * ta_queue_push_finish: (skip)
 * @self: a queue
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Ta.Queue.push_async] or
 * [method@Ta.Queue.push_value_async].
 *
 * Any thread, normally in the callback.
 *
 * Returns: %TRUE if the item was queued; %FALSE with %TA_ERROR_CLOSED or
 *   %G_IO_ERROR_CANCELLED (the item was freed)
 */
gboolean
ta_queue_push_finish (TaQueue       *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (TA_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ta_queue_push_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * ta_queue_pop: (skip)
 * @self: a queue of C pointers
 * @timeout_us: how long to wait for an item, in microseconds, 0 not to
 *   wait, or %TA_TIMEOUT_INFINITE (%TA_TIMEOUT_DEFAULT means the same)
 * @error: return location for a #GError
 *
 * Removes the first item, waiting for one if the queue is empty.
 *
 * Any thread. It never iterates a main context.
 *
 * Returns: (transfer full) (nullable): the item, or %NULL with
 *   %TA_ERROR_CLOSED (closed and empty), %TA_ERROR_TIMEOUT or
 *   %TA_ERROR_WOULD_BLOCK
 */
gpointer
ta_queue_pop (TaQueue   *self,
              gint64     timeout_us,
              GError   **error)
{
  g_return_val_if_fail (TA_IS_QUEUE (self), NULL);
  g_return_val_if_fail (timeout_us >= TA_TIMEOUT_DEFAULT, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (!ta_queue_check_kind (self, FALSE, G_STRFUNC, error))
    return NULL;

  return ta_queue_pop_internal (self, timeout_us, error);
}

/**
 * ta_queue_try_pop: (skip)
 * @self: a queue of C pointers
 * @error: return location for a #GError
 *
 * Removes the first item if there is one, without waiting.
 *
 * Any thread.
 *
 * Returns: (transfer full) (nullable): the item, or %NULL with
 *   %TA_ERROR_WOULD_BLOCK or %TA_ERROR_CLOSED
 */
gpointer
ta_queue_try_pop (TaQueue  *self,
                  GError  **error)
{
  return ta_queue_pop (self, 0, error);
}

/**
 * ta_queue_pop_async: (skip)
 * @self: a queue of C pointers
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the item, or when the pop failed
 * @user_data: data for @callback
 *
 * Removes the first item, waiting without blocking for one. Cancelling
 * never loses an item: if one was already handed over, the callback gets
 * it; otherwise it stays in the queue.
 *
 * Any thread. The callback runs in the thread-default main context of the
 * caller, never from within this call.
 */
void
ta_queue_pop_async (TaQueue             *self,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_return_if_fail (TA_IS_QUEUE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  if (!ta_queue_check_kind_async (self, FALSE, ta_queue_pop_async, G_STRFUNC,
                                  cancellable, callback, user_data))
    return;

  ta_queue_pop_async_internal (self, ta_queue_pop_async, "[ta-glib] ta_queue_pop_async",
                               0, cancellable, callback, user_data);
}

/**
 * ta_queue_pop_finish: (skip)
 * @self: a queue of C pointers
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Ta.Queue.pop_async]. An item nobody finishes for is
 * freed with the result.
 *
 * Any thread, normally in the callback.
 *
 * Returns: (transfer full) (nullable): the item, or %NULL with
 *   %TA_ERROR_CLOSED or %G_IO_ERROR_CANCELLED
 */
gpointer
ta_queue_pop_finish (TaQueue       *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (TA_IS_QUEUE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ta_queue_pop_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * ta_queue_pop_batch_async: (skip)
 * @self: a queue of C pointers
 * @max_items: the most items to take, at least 1
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the items, or when the pop failed
 * @user_data: data for @callback
 *
 * Removes up to @max_items items at once, waiting without blocking until
 * there is at least one: a consumer that keeps up with a fast producer
 * pays for one wake-up per batch instead of one per item.
 *
 * While it waits, the first item pushed does not go to it directly: it is
 * told to come and collect, and takes, in its own context, all that has
 * arrived by then (up to @max_items). Until it has, the items stay in the
 * queue: a pop cancelled meanwhile takes none, and if others took them
 * first, it waits on.
 *
 * Any thread. The callback runs in the thread-default main context of the
 * caller, never from within this call.
 */
void
ta_queue_pop_batch_async (TaQueue             *self,
                          guint                max_items,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (TA_IS_QUEUE (self));
  g_return_if_fail (max_items > 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  if (!ta_queue_check_kind_async (self, FALSE, ta_queue_pop_batch_async, G_STRFUNC,
                                  cancellable, callback, user_data))
    return;

  ta_queue_pop_async_internal (self, ta_queue_pop_batch_async,
                               "[ta-glib] ta_queue_pop_batch_async",
                               max_items, cancellable, callback, user_data);
}

/**
 * ta_queue_pop_batch_finish: (skip)
 * @self: a queue of C pointers
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Ta.Queue.pop_batch_async]. The array frees the items
 * it still holds with the queue's destroy notify: take the ones you keep
 * with g_ptr_array_steal_index() or g_ptr_array_steal().
 *
 * Any thread, normally in the callback.
 *
 * Returns: (transfer full) (nullable): the items, in order, at least one;
 *   or %NULL with %TA_ERROR_CLOSED or %G_IO_ERROR_CANCELLED
 */
GPtrArray *
ta_queue_pop_batch_finish (TaQueue       *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (TA_IS_QUEUE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ta_queue_pop_batch_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * ta_queue_push_value:
 * @self: a queue of values
 * @value: the item: a basic value, a #GVariant or a #GObject
 * @timeout_us: how long to wait for room, in microseconds, 0 not to wait,
 *   or %TA_TIMEOUT_INFINITE (%TA_TIMEOUT_DEFAULT means the same)
 * @error: return location for a #GError
 *
 * Appends a copy of @value, waiting for room in a full bounded queue.
 * Values that cannot safely cross threads, such as a plain JavaScript
 * object, are refused with %TA_ERROR_INVALID_VALUE.
 *
 * Any thread. It never iterates a main context.
 *
 * Returns: %TRUE if the value was queued or handed to a popper; %FALSE
 *   with %TA_ERROR_CLOSED, %TA_ERROR_TIMEOUT, %TA_ERROR_WOULD_BLOCK or
 *   %TA_ERROR_INVALID_VALUE
 */
gboolean
ta_queue_push_value (TaQueue       *self,
                     const GValue  *value,
                     gint64         timeout_us,
                     GError       **error)
{
  g_return_val_if_fail (TA_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (timeout_us >= TA_TIMEOUT_DEFAULT, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (!ta_queue_check_kind (self, TRUE, G_STRFUNC, error))
    return FALSE;

  if (!ta_value_check_sendable (value, error))
    return FALSE;

  return ta_queue_push_internal (self, ta_value_dup (value), timeout_us, error);
}

/**
 * ta_queue_try_push_value:
 * @self: a queue of values
 * @value: the item: a basic value, a #GVariant or a #GObject
 * @error: return location for a #GError
 *
 * Appends a copy of @value if there is room, without waiting.
 *
 * Any thread.
 *
 * Returns: %TRUE if the value was queued; %FALSE with
 *   %TA_ERROR_WOULD_BLOCK, %TA_ERROR_CLOSED or %TA_ERROR_INVALID_VALUE
 */
gboolean
ta_queue_try_push_value (TaQueue       *self,
                         const GValue  *value,
                         GError       **error)
{
  return ta_queue_push_value (self, value, 0, error);
}

/**
 * ta_queue_push_front_value:
 * @self: a queue of values
 * @value: the item to return: a basic value, a #GVariant or a #GObject
 * @error: return location for a #GError
 *
 * Returns a copy of @value to the head of the queue, where the next pop
 * takes it, or hands it to the first popper waiting: for an item that was
 * popped but could not be used, so that it is not lost. It ignores the
 * bound and works on a closed queue; see [method@Ta.Queue.push_front].
 *
 * Any thread.
 *
 * Returns: %TRUE; %FALSE with %TA_ERROR_INVALID_VALUE for a value that
 *   cannot cross threads
 */
gboolean
ta_queue_push_front_value (TaQueue       *self,
                           const GValue  *value,
                           GError       **error)
{
  g_return_val_if_fail (TA_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (G_IS_VALUE (value), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (!ta_queue_check_kind (self, TRUE, G_STRFUNC, error))
    return FALSE;

  if (!ta_value_check_sendable (value, error))
    return FALSE;

  ta_queue_push_front_internal (self, ta_value_dup (value));
  return TRUE;
}

/**
 * ta_queue_push_value_async:
 * @self: a queue of values
 * @value: the item: a basic value, a #GVariant or a #GObject
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once the value is queued, or the push
 *   failed
 * @user_data: data for @callback
 *
 * Appends a copy of @value, waiting without blocking for room in a full
 * queue.
 *
 * Any thread. The callback runs in the thread-default main context of the
 * caller, never from within this call.
 */
void
ta_queue_push_value_async (TaQueue             *self,
                           const GValue        *value,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GError *error = NULL;

  g_return_if_fail (TA_IS_QUEUE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  if (!ta_queue_check_kind_async (self, TRUE, ta_queue_push_async, G_STRFUNC,
                                  cancellable, callback, user_data))
    return;

  if (!ta_value_check_sendable (value, &error))
    {
      g_autoptr(GTask) task = ta_queue_task_new (self, ta_queue_push_async,
                                                 "[ta-glib] ta_queue_push_value_async",
                                                 cancellable, callback, user_data);
      g_task_return_error (task, error);
      return;
    }

  ta_queue_push_async_internal (self, ta_value_dup (value), cancellable, callback, user_data);
}

/**
 * ta_queue_push_value_finish:
 * @self: a queue of values
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Ta.Queue.push_value_async].
 *
 * Any thread, normally in the callback.
 *
 * Returns: %TRUE if the value was queued; %FALSE with %TA_ERROR_CLOSED,
 *   %TA_ERROR_INVALID_VALUE or %G_IO_ERROR_CANCELLED
 */
gboolean
ta_queue_push_value_finish (TaQueue       *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return ta_queue_push_finish (self, result, error);
}

/* Moves a popped GValue into the caller's uninitialized one. */
static gboolean
ta_queue_move_value (GValue *item,
                     GValue *value)
{
  if (item == NULL)
    {
      ta_value_out_fail (value);
      return FALSE;
    }

  *value = *item;
  g_free (item);

  return TRUE;
}

/**
 * ta_queue_pop_value:
 * @self: a queue of values
 * @value: (out caller-allocates): a #GValue for the item (what it held is
 *   released); on failure it holds a %NULL pointer
 * @timeout_us: how long to wait for an item, in microseconds, 0 not to
 *   wait, or %TA_TIMEOUT_INFINITE (%TA_TIMEOUT_DEFAULT means the same)
 * @error: return location for a #GError
 *
 * Removes the first value, waiting for one if the queue is empty.
 *
 * Any thread. It never iterates a main context.
 *
 * Returns: %TRUE with @value set; %FALSE with %TA_ERROR_CLOSED (closed and
 *   empty), %TA_ERROR_TIMEOUT or %TA_ERROR_WOULD_BLOCK
 */
gboolean
ta_queue_pop_value (TaQueue  *self,
                    GValue   *value,
                    gint64    timeout_us,
                    GError  **error)
{
  g_return_val_if_fail (TA_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (timeout_us >= TA_TIMEOUT_DEFAULT, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ta_value_out_reset (value);
  if (!ta_queue_check_kind (self, TRUE, G_STRFUNC, error))
    return ta_queue_move_value (NULL, value);
  return ta_queue_move_value (ta_queue_pop_internal (self, timeout_us, error), value);
}

/**
 * ta_queue_try_pop_value:
 * @self: a queue of values
 * @value: (out caller-allocates): a #GValue for the item (what it held is
 *   released); on failure it holds a %NULL pointer
 * @error: return location for a #GError
 *
 * Removes the first value if there is one, without waiting.
 *
 * Any thread.
 *
 * Returns: %TRUE with @value set; %FALSE with %TA_ERROR_WOULD_BLOCK or
 *   %TA_ERROR_CLOSED
 */
gboolean
ta_queue_try_pop_value (TaQueue  *self,
                        GValue   *value,
                        GError  **error)
{
  return ta_queue_pop_value (self, value, 0, error);
}

/**
 * ta_queue_pop_value_async:
 * @self: a queue of values
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the value, or when the pop failed
 * @user_data: data for @callback
 *
 * Removes the first value, waiting without blocking for one. Cancelling
 * never loses a value: if one was already handed over, the callback gets
 * it; otherwise it stays in the queue.
 *
 * Any thread. The callback runs in the thread-default main context of the
 * caller, never from within this call.
 */
void
ta_queue_pop_value_async (TaQueue             *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (TA_IS_QUEUE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  if (!ta_queue_check_kind_async (self, TRUE, ta_queue_pop_async, G_STRFUNC,
                                  cancellable, callback, user_data))
    return;

  ta_queue_pop_async_internal (self, ta_queue_pop_async, "[ta-glib] ta_queue_pop_value_async",
                               0, cancellable, callback, user_data);
}

/**
 * ta_queue_pop_value_finish:
 * @self: a queue of values
 * @result: the result given to the callback
 * @value: (out caller-allocates): a #GValue for the item (what it held is
 *   released); on failure it holds a %NULL pointer
 * @error: return location for a #GError
 *
 * Finishes [method@Ta.Queue.pop_value_async].
 *
 * Any thread, normally in the callback.
 *
 * Returns: %TRUE with @value set; %FALSE with %TA_ERROR_CLOSED or
 *   %G_IO_ERROR_CANCELLED
 */
gboolean
ta_queue_pop_value_finish (TaQueue       *self,
                           GAsyncResult  *result,
                           GValue        *value,
                           GError       **error)
{
  g_return_val_if_fail (TA_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ta_queue_pop_async, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  ta_value_out_reset (value);
  return ta_queue_move_value (g_task_propagate_pointer (G_TASK (result), error), value);
}
