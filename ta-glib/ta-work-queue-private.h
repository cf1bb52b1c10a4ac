/* ta-work-queue-private.h: a FIFO of work items fed by any thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TaWorkItem TaWorkItem;

/*
 * TaWorkItemFunc:
 * @item: the item
 * @run: %TRUE to run it (on the thread that drains the queue), %FALSE to
 *   discard it without running (any thread: nothing will drain the queue
 *   any more, or a stop got there first)
 *
 * Either way the item is consumed: the function frees or releases it.
 */
typedef void (*TaWorkItemFunc) (TaWorkItem *item,
                                gboolean    run);

/* An intrusive node: embed it in whatever must run elsewhere. */
struct _TaWorkItem
{
  TaWorkItem     *next;
  TaWorkItemFunc  func;
};

void ta_work_item_discard_list (TaWorkItem *list);

/*
 * The life of a queue, one enum: what a push meets.
 */
typedef enum {
  TA_WORK_QUEUE_OPEN,    /* takes new work and follow-ups */
  TA_WORK_QUEUE_CLOSED,  /* refuses new work; follow-ups of work already
                          * taken still queue, and run or are discarded
                          * with the rest */
  TA_WORK_QUEUE_DEAD,    /* nothing will drain it again: every push is
                          * discarded at once, on the pushing thread */
} TaWorkQueueState;

/*
 * TaWorkQueueWakeFunc:
 *
 * Called with the queue locked when a push makes it non-empty: whoever
 * drains it may have gone to sleep believing it empty. It must not take
 * a lock of its own. Being under the lock, it runs before the drainer can
 * take the item, so it may touch what the item keeps alive.
 */
typedef void     (*TaWorkQueueWakeFunc) (gpointer    data);

/*
 * TaWorkClaimFunc:
 *
 * Called with the queue locked, for an item whose turn is coming: returns
 * a reference on something to prepare outside the lock, or %NULL.
 */
typedef gpointer (*TaWorkClaimFunc)     (TaWorkItem *item);

/*
 * TaWorkQueue is a multi-producer FIFO of TaWorkItem drained by one
 * thread. Pushes are O(1) under a mutex; the drainer is woken (through
 * the wake function) only when the queue goes from empty to non-empty, so
 * a burst of pushes costs one wake-up. With a claim function, the drainer
 * first offers the items of its next batch to it (ta_work_queue_claim())
 * and pops only those.
 */
typedef struct
{
  GMutex               mutex;
  /* Guarded by mutex */
  TaWorkItem          *head;
  TaWorkItem          *tail;
  TaWorkQueueState     state;
  gint64               drain_end;  /* closed: see ta_work_queue_close() */
  TaWorkItem          *examined;   /* the last item offered to claim */
  guint                n_examined; /* items from head to it */
  /* Atomic, written under mutex */
  gint                 n_items;
  /* Immutable once items are pushed */
  TaWorkQueueWakeFunc  wake;
  gpointer             wake_data;
  TaWorkClaimFunc      claim;
} TaWorkQueue;

void        ta_work_queue_init      (TaWorkQueue         *self,
                                     TaWorkQueueState     state,
                                     TaWorkQueueWakeFunc  wake,
                                     gpointer             wake_data);
void        ta_work_queue_clear     (TaWorkQueue         *self);
void        ta_work_queue_set_claim (TaWorkQueue         *self,
                                     TaWorkClaimFunc      claim);
gboolean    ta_work_queue_push      (TaWorkQueue         *self,
                                     TaWorkItem          *item);
gboolean    ta_work_queue_post      (TaWorkQueue         *self,
                                     TaWorkItem          *item);
TaWorkItem *ta_work_queue_pop       (TaWorkQueue         *self,
                                     TaWorkQueueState    *state,
                                     gint64              *drain_end);
TaWorkItem *ta_work_queue_take      (TaWorkQueue         *self,
                                     guint                max);
guint       ta_work_queue_claim     (TaWorkQueue         *self,
                                     gpointer            *claimed,
                                     guint                max);
void        ta_work_queue_open      (TaWorkQueue         *self);
void        ta_work_queue_close     (TaWorkQueue         *self,
                                     TaWorkItem          *last_item,
                                     gint64               drain_end);
void        ta_work_queue_set_drain_end (TaWorkQueue     *self,
                                         gint64           drain_end);
TaWorkItem *ta_work_queue_kill      (TaWorkQueue         *self);
TaWorkQueueState ta_work_queue_get_state (TaWorkQueue    *self);
TaWorkItem *ta_work_queue_steal_all (TaWorkQueue         *self);

/* Any thread, without the lock: whether a push happened that no pop
 * took yet (a hint, exact once the pushing thread is known to be done). */
static inline gboolean
ta_work_queue_has_items (TaWorkQueue *self)
{
  return g_atomic_int_get (&self->n_items) > 0;
}

G_END_DECLS
