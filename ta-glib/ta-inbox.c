/* ta-inbox.c: the runner's queue of work from any thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-inbox-private.h"
#include "ta-monitor-private.h"

/* How many items one dispatch runs before it lets other sources in. */
#define TA_INBOX_BATCH 256

typedef struct
{
  GSource  source;
  TaInbox *inbox;
} TaInboxSource;

struct _TaInbox
{
  GMutex        mutex;
  TaWorkItem   *head;      /* guarded by mutex */
  TaWorkItem   *tail;      /* guarded by mutex */
  gboolean      closed;    /* guarded by mutex */
  gint          n_items;   /* atomic; written under mutex */
  GMainContext *context;   /* immutable, strong */
  GSource      *source;    /* immutable, strong */
};

static TaWorkItem *
ta_inbox_pop (TaInbox *self)
{
  TaWorkItem *item;

  ta_mutex_lock (&self->mutex);
  item = self->head;
  if (item != NULL)
    {
      self->head = item->next;
      if (self->head == NULL)
        self->tail = NULL;
      item->next = NULL;
      g_atomic_int_add (&self->n_items, -1);
    }
  ta_mutex_unlock (&self->mutex);

  return item;
}

static gboolean
ta_inbox_source_prepare (GSource *source,
                         gint    *timeout)
{
  TaInboxSource *s = (TaInboxSource *) source;

  *timeout = -1;
  return g_atomic_int_get (&s->inbox->n_items) > 0;
}

static gboolean
ta_inbox_source_check (GSource *source)
{
  TaInboxSource *s = (TaInboxSource *) source;

  return g_atomic_int_get (&s->inbox->n_items) > 0;
}

static gboolean
ta_inbox_source_dispatch (GSource     *source,
                          GSourceFunc  callback,
                          gpointer     user_data)
{
  TaInboxSource *s = (TaInboxSource *) source;

  /* One item at a time: whatever is still queued when an item blocks the
   * thread stays in the inbox, where an abandoning stop can fail it. */
  for (guint i = 0; i < TA_INBOX_BATCH; i++)
    {
      TaWorkItem *item = ta_inbox_pop (s->inbox);

      if (item == NULL)
        break;

      item->func (item, TRUE);
    }

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs ta_inbox_source_funcs = {
  .prepare = ta_inbox_source_prepare,
  .check = ta_inbox_source_check,
  .dispatch = ta_inbox_source_dispatch,
};

TaInbox *
ta_inbox_new (GMainContext *context)
{
  TaInbox *self = g_new0 (TaInbox, 1);
  TaInboxSource *s;

  g_mutex_init (&self->mutex);
  self->closed = TRUE;
  self->context = g_main_context_ref (context);
  self->source = g_source_new (&ta_inbox_source_funcs, sizeof (TaInboxSource));
  s = (TaInboxSource *) self->source;
  s->inbox = self;
  g_source_set_static_name (self->source, "[ta-glib] runner inbox");
  g_source_set_priority (self->source, G_PRIORITY_DEFAULT);
  g_source_set_can_recurse (self->source, TRUE);
  g_source_attach (self->source, context);

  return self;
}

/* The caller discards whatever is left first (ta_inbox_steal_all()). */
void
ta_inbox_free (TaInbox *self)
{
  g_assert (self->head == NULL);

  g_source_destroy (self->source);
  g_source_unref (self->source);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

static void
ta_inbox_append_locked (TaInbox    *self,
                        TaWorkItem *item)
{
  item->next = NULL;
  if (self->tail != NULL)
    self->tail->next = item;
  else
    self->head = item;
  self->tail = item;
  g_atomic_int_inc (&self->n_items);
}

/*
 * ta_inbox_push:
 *
 * Appends @item. Returns %FALSE, without consuming it, when the inbox is
 * closed. Any thread.
 */
gboolean
ta_inbox_push (TaInbox    *self,
               TaWorkItem *item)
{
  gboolean was_empty;

  ta_mutex_lock (&self->mutex);
  if (self->closed)
    {
      ta_mutex_unlock (&self->mutex);
      return FALSE;
    }
  was_empty = self->head == NULL;
  ta_inbox_append_locked (self, item);
  ta_mutex_unlock (&self->mutex);

  /* The runner checks the inbox on every iteration; it only needs waking
   * when it may have gone to sleep believing the inbox empty. */
  if (was_empty)
    g_main_context_wakeup (self->context);

  return TRUE;
}

void
ta_inbox_open (TaInbox *self)
{
  ta_mutex_lock (&self->mutex);
  self->closed = FALSE;
  ta_mutex_unlock (&self->mutex);
}

/*
 * ta_inbox_push_local:
 *
 * Appends @item even when the inbox is closed: the runner's own follow-up
 * work (publishing a task's outcome) must run or be discarded like the
 * rest. Normally called on the runner thread.
 */
void
ta_inbox_push_local (TaInbox    *self,
                     TaWorkItem *item)
{
  gboolean was_empty;

  ta_mutex_lock (&self->mutex);
  was_empty = self->head == NULL;
  ta_inbox_append_locked (self, item);
  ta_mutex_unlock (&self->mutex);

  if (was_empty)
    g_main_context_wakeup (self->context);
}

GSource *
ta_inbox_get_source (TaInbox *self)
{
  return self->source;
}

/*
 * ta_inbox_close:
 * @last_item: (nullable): an item appended as the very last one
 *
 * Refuses further pushes. Appending @last_item in the same step lets the
 * runner know that everything before it has been seen.
 */
void
ta_inbox_close (TaInbox    *self,
                TaWorkItem *last_item)
{
  ta_mutex_lock (&self->mutex);
  self->closed = TRUE;
  if (last_item != NULL)
    ta_inbox_append_locked (self, last_item);
  ta_mutex_unlock (&self->mutex);

  g_main_context_wakeup (self->context);
}

gboolean
ta_inbox_is_closed (TaInbox *self)
{
  gboolean closed;

  ta_mutex_lock (&self->mutex);
  closed = self->closed;
  ta_mutex_unlock (&self->mutex);

  return closed;
}

/* Takes every queued item, in order, as a list linked through ->next. */
TaWorkItem *
ta_inbox_steal_all (TaInbox *self)
{
  TaWorkItem *list;

  ta_mutex_lock (&self->mutex);
  list = self->head;
  self->head = self->tail = NULL;
  g_atomic_int_set (&self->n_items, 0);
  ta_mutex_unlock (&self->mutex);

  return list;
}

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
