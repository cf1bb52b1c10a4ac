/* ta-work-queue.c: a FIFO of work items fed by any thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "ta-monitor-private.h"
#include "ta-work-queue-private.h"

/* Runs nothing: discards every item of @list, in order. Any thread. */
void
ta_work_item_discard_list (TaWorkItem *list)
{
  while (list != NULL)
    {
      TaWorkItem *next = list->next;

      list->next = NULL;
      list->func (list, FALSE);
      list = next;
    }
}

/*
 * ta_work_queue_init:
 * @wake: (nullable): called under the lock when a push makes the queue
 *   non-empty
 */
void
ta_work_queue_init (TaWorkQueue         *self,
                    TaWorkQueueState     state,
                    TaWorkQueueWakeFunc  wake,
                    gpointer             wake_data)
{
  memset (self, 0, sizeof *self);
  g_mutex_init (&self->mutex);
  self->state = state;
  self->drain_end = -1;
  self->wake = wake;
  self->wake_data = wake_data;
}

/* The queue must be empty: steal and discard what is left first. */
void
ta_work_queue_clear (TaWorkQueue *self)
{
  g_assert (self->head == NULL);
  g_mutex_clear (&self->mutex);
}

/* Before anything is pushed. */
void
ta_work_queue_set_claim (TaWorkQueue     *self,
                         TaWorkClaimFunc  claim)
{
  self->claim = claim;
}

static void
ta_work_queue_append_locked (TaWorkQueue *self,
                             TaWorkItem  *item)
{
  gboolean was_empty = self->head == NULL;

  item->next = NULL;
  if (self->tail != NULL)
    self->tail->next = item;
  else
    self->head = item;
  self->tail = item;
  g_atomic_int_inc (&self->n_items);

  if (was_empty && self->wake != NULL)
    self->wake (self->wake_data);
}

static TaWorkItem *
ta_work_queue_steal_locked (TaWorkQueue *self)
{
  TaWorkItem *list = self->head;

  self->head = self->tail = NULL;
  self->examined = NULL;
  self->n_examined = 0;
  g_atomic_int_set (&self->n_items, 0);

  return list;
}

/*
 * ta_work_queue_push:
 *
 * Appends new work. Returns %FALSE, without consuming @item, unless the
 * queue is open. Any thread.
 */
gboolean
ta_work_queue_push (TaWorkQueue *self,
                    TaWorkItem  *item)
{
  ta_mutex_lock (&self->mutex);
  if (self->state != TA_WORK_QUEUE_OPEN)
    {
      ta_mutex_unlock (&self->mutex);
      return FALSE;
    }
  ta_work_queue_append_locked (self, item);
  ta_mutex_unlock (&self->mutex);

  return TRUE;
}

/*
 * ta_work_queue_post:
 *
 * Appends the follow-up of work already taken (a task's publication, the
 * completion of a wait): queued even when the queue is closed. Returns
 * %FALSE, without consuming @item, when the queue is dead: the caller
 * discards it, with no lock held. Any thread.
 */
gboolean
ta_work_queue_post (TaWorkQueue *self,
                    TaWorkItem  *item)
{
  ta_mutex_lock (&self->mutex);
  if (self->state == TA_WORK_QUEUE_DEAD)
    {
      ta_mutex_unlock (&self->mutex);
      return FALSE;
    }
  ta_work_queue_append_locked (self, item);
  ta_mutex_unlock (&self->mutex);

  return TRUE;
}

/*
 * ta_work_queue_pop:
 * @state: (out): the queue's state when the item was taken
 * @drain_end: (out): the drain's deadline given when it was closed
 *
 * Takes the first item, or returns %NULL. With a claim function, only an
 * item that was offered to it while the queue is open: the rest waits for
 * the next ta_work_queue_claim(), which costs less than running it
 * unclaimed. Not once it is closed: a stop waits for the whole of it, and
 * a main-loop iteration per batch costs more than the claims (GLib's
 * prepare and check visit every source of the context, and a stop under a
 * storm of spawns finds tens of thousands of them). The drainer only.
 */
TaWorkItem *
ta_work_queue_pop (TaWorkQueue      *self,
                   TaWorkQueueState *state,
                   gint64           *drain_end)
{
  TaWorkItem *item;

  ta_mutex_lock (&self->mutex);
  *state = self->state;
  *drain_end = self->drain_end;
  item = self->head;
  if (self->claim != NULL && self->examined == NULL && self->state == TA_WORK_QUEUE_OPEN)
    item = NULL;
  if (item != NULL)
    {
      self->head = item->next;
      if (self->head == NULL)
        self->tail = NULL;
      item->next = NULL;
      if (self->examined != NULL)
        {
          self->n_examined--;
          if (self->examined == item)
            self->examined = NULL;
        }
      g_atomic_int_add (&self->n_items, -1);
    }
  ta_mutex_unlock (&self->mutex);

  return item;
}

/*
 * ta_work_queue_take:
 *
 * Takes up to @max items off the front, in order, as a list linked
 * through ->next, under one lock: the batch that one wake-up delivers
 * costs one lock, not one per item. Not with a claim function. The
 * drainer only.
 */
TaWorkItem *
ta_work_queue_take (TaWorkQueue *self,
                    guint        max)
{
  TaWorkItem *first;
  TaWorkItem *last;
  gint n = 1;

  g_assert (self->claim == NULL);

  ta_mutex_lock (&self->mutex);
  first = last = self->head;
  if (first != NULL)
    {
      while (last->next != NULL && (guint) n < max)
        {
          last = last->next;
          n++;
        }
      self->head = last->next;
      if (self->head == NULL)
        self->tail = NULL;
      last->next = NULL;
      g_atomic_int_add (&self->n_items, -n);
    }
  ta_mutex_unlock (&self->mutex);

  return first;
}

/*
 * ta_work_queue_claim:
 * @claimed: (out caller-allocates) (array length=max): what the claim
 *   function returned for the items offered
 *
 * Offers the items that the next @max pops take, and that were not
 * offered yet, to the claim function. Returns how many it claimed, for
 * the caller to prepare outside the lock. The drainer only.
 */
guint
ta_work_queue_claim (TaWorkQueue *self,
                     gpointer    *claimed,
                     guint        max)
{
  guint n_claimed = 0;
  TaWorkItem *item;

  if (self->claim == NULL)
    return 0;

  ta_mutex_lock (&self->mutex);
  item = self->examined != NULL ? self->examined->next : self->head;
  while (item != NULL && self->n_examined < max)
    {
      gpointer c = self->claim (item);

      if (c != NULL)
        claimed[n_claimed++] = c;
      self->examined = item;
      self->n_examined++;
      item = item->next;
    }
  ta_mutex_unlock (&self->mutex);

  return n_claimed;
}

/* A closed queue opens again (a runner starting): any thread. */
void
ta_work_queue_open (TaWorkQueue *self)
{
  ta_mutex_lock (&self->mutex);
  g_assert (self->state != TA_WORK_QUEUE_DEAD);
  self->state = TA_WORK_QUEUE_OPEN;
  ta_mutex_unlock (&self->mutex);
}

/*
 * ta_work_queue_close:
 * @last_item: (nullable): an item appended as the very last new work
 * @drain_end: monotonic time until which the drainer may run what is
 *   queued without a break, or -1 for no limit
 *
 * Refuses new work from now on. Appending @last_item in the same step
 * lets the drainer know that everything before it has been seen. Any
 * thread.
 */
void
ta_work_queue_close (TaWorkQueue *self,
                     TaWorkItem  *last_item,
                     gint64       drain_end)
{
  ta_mutex_lock (&self->mutex);
  if (self->state == TA_WORK_QUEUE_OPEN)
    self->state = TA_WORK_QUEUE_CLOSED;
  self->drain_end = drain_end;
  if (last_item != NULL)
    ta_work_queue_append_locked (self, last_item);
  ta_mutex_unlock (&self->mutex);
}

/*
 * ta_work_queue_set_drain_end:
 * @drain_end: the new deadline, or -1 for no limit
 *
 * Moves the deadline of a closed queue's drain. Any thread.
 */
void
ta_work_queue_set_drain_end (TaWorkQueue *self,
                             gint64       drain_end)
{
  ta_mutex_lock (&self->mutex);
  self->drain_end = drain_end;
  ta_mutex_unlock (&self->mutex);
}

/*
 * ta_work_queue_kill:
 *
 * Nothing will drain the queue again: it becomes dead, and returns what
 * it held, for the caller to discard. Any thread.
 */
TaWorkItem *
ta_work_queue_kill (TaWorkQueue *self)
{
  TaWorkItem *list;

  ta_mutex_lock (&self->mutex);
  self->state = TA_WORK_QUEUE_DEAD;
  list = ta_work_queue_steal_locked (self);
  ta_mutex_unlock (&self->mutex);

  return list;
}

TaWorkQueueState
ta_work_queue_get_state (TaWorkQueue *self)
{
  TaWorkQueueState state;

  ta_mutex_lock (&self->mutex);
  state = self->state;
  ta_mutex_unlock (&self->mutex);

  return state;
}

/* Takes every queued item, in order, as a list linked through ->next. */
TaWorkItem *
ta_work_queue_steal_all (TaWorkQueue *self)
{
  TaWorkItem *list;

  ta_mutex_lock (&self->mutex);
  list = ta_work_queue_steal_locked (self);
  ta_mutex_unlock (&self->mutex);

  return list;
}
