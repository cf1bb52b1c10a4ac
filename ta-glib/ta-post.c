/* ta-post.c: work for any GMainContext, one wake-up per batch
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-monitor-private.h"
#include "ta-post-private.h"

/* How many items one dispatch runs before it lets other sources in. */
#define TA_POST_BATCH 256

typedef struct
{
  GSource       source;
  GMutex        mutex;
  TaWorkItem   *head;       /* guarded by mutex */
  TaWorkItem   *tail;       /* guarded by mutex */
  gint          n_items;    /* atomic, written under mutex */
  TaWorkItem   *batch;      /* the context's thread: taken, not run yet */
  gboolean      closed;     /* guarded by post_sources_lock: discard posts */
  GMainContext *context;    /* unowned: the source is attached to it */
} TaPostSource;

/*
 * The source of each context, registered while it lives. The context owns
 * its source (the reference of g_source_attach()); the source unregisters
 * itself when the context lets it go. Lookups happen under the lock, which
 * a finalizing source also takes, so a source found is valid while the
 * lock is held.
 */
static GMutex post_sources_lock;  /* a ta_mutex: TSan sees it */
static GHashTable *post_sources;  /* GMainContext -> TaPostSource */

/* Takes up to @max items off the front, in order, under one lock: the
 * batch that one wake-up delivers costs one lock, not one per item. */
static TaWorkItem *
ta_post_source_take (TaPostSource *self,
                     guint         max)
{
  TaWorkItem *first;
  TaWorkItem *last;
  gint n = 1;

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

static gboolean
ta_post_source_prepare (GSource *source,
                        gint    *timeout)
{
  /* Made on another thread, published by GLib's attach, whose context
   * lock TSan does not see; the same for check, dispatch and finalize. */
  ta_tsan_acquire (source);
  *timeout = -1;
  return ((TaPostSource *) source)->batch != NULL ||
         g_atomic_int_get (&((TaPostSource *) source)->n_items) > 0;
}

static gboolean
ta_post_source_check (GSource *source)
{
  ta_tsan_acquire (source);
  return ((TaPostSource *) source)->batch != NULL ||
         g_atomic_int_get (&((TaPostSource *) source)->n_items) > 0;
}

static gboolean
ta_post_source_dispatch (GSource     *source,
                         GSourceFunc  callback,
                         gpointer     user_data)
{
  TaPostSource *self = (TaPostSource *) source;

  /* The batch is kept in the source while it runs: an item that iterates
   * the context again (the source may recurse) runs the rest of it in
   * order before anything posted later. */
  ta_tsan_acquire (self);
  if (self->batch == NULL)
    self->batch = ta_post_source_take (self, TA_POST_BATCH);
  while (self->batch != NULL)
    {
      TaWorkItem *item = self->batch;

      self->batch = item->next;
      item->next = NULL;
      item->func (item, TRUE);
    }

  return G_SOURCE_CONTINUE;
}

static void
ta_post_source_finalize (GSource *source)
{
  TaPostSource *self = (TaPostSource *) source;
  TaWorkItem *list;

  ta_tsan_acquire (self);
  ta_mutex_lock (&post_sources_lock);
  if (g_hash_table_lookup (post_sources, self->context) == self)
    g_hash_table_remove (post_sources, self->context);
  ta_mutex_unlock (&post_sources_lock);

  /* Posted to a context that went away: never run, released here. */
  ta_mutex_lock (&self->mutex);
  list = self->head;
  self->head = self->tail = NULL;
  ta_mutex_unlock (&self->mutex);
  ta_work_item_discard_list (g_steal_pointer (&self->batch));
  ta_work_item_discard_list (list);

  g_mutex_clear (&self->mutex);
}

static GSourceFuncs ta_post_source_funcs = {
  .prepare = ta_post_source_prepare,
  .check = ta_post_source_check,
  .dispatch = ta_post_source_dispatch,
  .finalize = ta_post_source_finalize,
};

/* Called with the registry locked. */
static TaPostSource *
ta_post_source_new_locked (GMainContext *context)
{
  TaPostSource *self;

  self = (TaPostSource *) g_source_new (&ta_post_source_funcs, sizeof (TaPostSource));
  g_mutex_init (&self->mutex);
  self->context = context;
  g_source_set_static_name ((GSource *) self, "[ta-glib] work posted from other threads");
  g_source_set_priority ((GSource *) self, G_PRIORITY_DEFAULT);
  g_source_set_can_recurse ((GSource *) self, TRUE);
  ta_tsan_release (self);
  g_source_attach ((GSource *) self, context);
  /* The context's reference is the one that counts. */
  g_source_unref ((GSource *) self);

  if (post_sources == NULL)
    post_sources = g_hash_table_new (NULL, NULL);
  g_hash_table_insert (post_sources, context, self);

  return self;
}

void
ta_context_post (GMainContext *context,
                 TaWorkItem   *item)
{
  TaPostSource *source;
  gboolean was_empty;

  /* @item keeps @context alive (through its GTask) for as long as it is
   * queued: the context's thread cannot take it before the mutex is
   * released, so no reference of our own is needed, and none can be the
   * last one, finalizing the context on this thread. */
  item->next = NULL;

  ta_mutex_lock (&post_sources_lock);
  source = post_sources != NULL ? g_hash_table_lookup (post_sources, context) : NULL;
  /* Its thread is gone for good: nothing posted there would ever run. A
   * closed source destroyed is one whose context is being finalized: the
   * context posted to now is a new one at the same address. */
  if (source != NULL)
    ta_tsan_acquire (source);
  if (source != NULL && source->closed && !g_source_is_destroyed ((GSource *) source))
    {
      ta_mutex_unlock (&post_sources_lock);
      item->func (item, FALSE);
      return;
    }
  /* Destroyed with the context still alive: a new one, attached to the
   * same context. */
  if (source == NULL || g_source_is_destroyed ((GSource *) source))
    source = ta_post_source_new_locked (context);

  ta_mutex_lock (&source->mutex);
  ta_mutex_unlock (&post_sources_lock);
  was_empty = source->head == NULL;
  if (source->tail != NULL)
    source->tail->next = item;
  else
    source->head = item;
  source->tail = item;
  g_atomic_int_inc (&source->n_items);

  /* The context's thread looks at the source on every iteration; it only
   * needs waking when it may have gone to sleep believing it empty.
   * Waking takes no lock of GLib's. */
  if (was_empty)
    g_main_context_wakeup (context);
  ta_mutex_unlock (&source->mutex);
}

/*
 * ta_context_post_close:
 *
 * For a context whose thread is leaving and that nobody will iterate
 * again (a pool's worker): what was posted to it, and what is posted from
 * now on, is discarded at once, on the posting thread, rather than kept
 * forever with the references it holds. The context's own thread, before
 * it lets go of the context. Returns the context's post source, which
 * must stay attached (for the mark to last as long as the context).
 */
GSource *
ta_context_post_close (GMainContext *context)
{
  TaPostSource *source;
  TaWorkItem *list;

  ta_mutex_lock (&post_sources_lock);
  source = post_sources != NULL ? g_hash_table_lookup (post_sources, context) : NULL;
  if (source == NULL || g_source_is_destroyed ((GSource *) source))
    source = ta_post_source_new_locked (context);
  source->closed = TRUE;
  ta_tsan_release (source);  /* for posters, under the registry's lock */
  ta_mutex_lock (&source->mutex);
  list = source->head;
  source->head = source->tail = NULL;
  g_atomic_int_set (&source->n_items, 0);
  ta_mutex_unlock (&source->mutex);
  ta_mutex_unlock (&post_sources_lock);

  ta_work_item_discard_list (list);

  return (GSource *) source;
}
