/* ta-post.c: work posted to any GMainContext from any thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-monitor-private.h"
#include "ta-post-private.h"

/* How many items one dispatch runs before it lets other sources in. */
#define TA_POST_BATCH 256

struct _TaPostSource
{
  GSource            source;
  TaWorkQueue        queue;

  /* Immutable once attached */
  GMainContext      *context;   /* unowned: the source is attached to it */
  TaPostPrepareFunc  prepare;
  gboolean           takes_batches;

  /* The context's thread only: taken off the queue, not run yet */
  TaWorkItem        *batch;

  /* Atomic, written by the context's thread: see
   * ta_post_source_begin_turn() */
  gint               in_turn;
};

/*
 * The source of each context, registered while it lives. The context owns
 * its source (the reference of g_source_attach()); the source unregisters
 * itself when the context lets it go. Lookups happen under the lock, which
 * a finalizing source also takes, so a source found is valid while the
 * lock is held. Lock order: the registry, then a queue.
 */
static GMutex post_sources_lock;  /* a ta_mutex: TSan sees it */
static GHashTable *post_sources;  /* GMainContext -> TaPostSource */

/*
 * ta_post_source_begin_turn:
 *
 * The context's thread, as its poll returns: from now until the source
 * has run what it holds (or found nothing to run), the thread is on its
 * way to the source's work. A runner's watchdog waits for the work to be
 * named meanwhile (see ta_inbox_begin_turn()).
 */
void
ta_post_source_begin_turn (TaPostSource *self)
{
  /* Relaxed: published by the release that follows it, the watchdog's
   * busy mark; no fence on the runner's every iteration. */
  if (!__atomic_load_n (&self->in_turn, __ATOMIC_RELAXED))
    __atomic_store_n (&self->in_turn, TRUE, __ATOMIC_RELAXED);
}

/* The context's thread: the turn is over, or was never had (a source of
 * a higher priority was dispatched instead). */
void
ta_post_source_end_turn (TaPostSource *self)
{
  if (G_UNLIKELY (__atomic_load_n (&self->in_turn, __ATOMIC_RELAXED)))
    __atomic_store_n (&self->in_turn, FALSE, __ATOMIC_RELAXED);
}

/* Any thread: see ta_post_source_begin_turn(). */
gboolean
ta_post_source_in_turn (TaPostSource *self)
{
  return g_atomic_int_get (&self->in_turn);
}

/* Offers the next batch to the queue's claim function, and prepares what
 * it claimed: work that is cheaper done outside the dispatch. */
static void
ta_post_source_prepare_items (TaPostSource *self)
{
  gpointer claimed[TA_POST_BATCH];
  guint n_claimed;

  n_claimed = ta_work_queue_claim (&self->queue, claimed, TA_POST_BATCH);
  for (guint i = 0; i < n_claimed; i++)
    self->prepare (claimed[i]);
}

static gboolean
ta_post_source_check (GSource *source)
{
  TaPostSource *self = (TaPostSource *) source;

  /* Made on another thread, published by GLib's attach, whose context
   * lock TSan does not see; the same for prepare, dispatch and finalize. */
  ta_tsan_acquire (self);
  if (self->batch != NULL)
    return TRUE;
  if (!ta_work_queue_has_items (&self->queue))
    {
      /* Nothing to dispatch: the turn is over. */
      ta_post_source_end_turn (self);
      return FALSE;
    }

  if (self->prepare != NULL)
    ta_post_source_prepare_items (self);

  return TRUE;
}

static gboolean
ta_post_source_prepare (GSource *source,
                        gint    *timeout)
{
  *timeout = -1;
  return ta_post_source_check (source);
}

static gboolean
ta_post_source_dispatch (GSource     *source,
                         GSourceFunc  callback,
                         gpointer     user_data)
{
  TaPostSource *self = (TaPostSource *) source;
  TaWorkQueueState state = TA_WORK_QUEUE_OPEN;
  gint64 drain_end = -1;

  ta_tsan_acquire (self);

  /* A batch under one lock, kept in the source while it runs: an item
   * that iterates the context again (the source may recurse) runs the
   * rest of it in order before anything posted later. */
  if (self->takes_batches)
    {
      if (self->batch == NULL)
        self->batch = ta_work_queue_take (&self->queue, TA_POST_BATCH);
      while (self->batch != NULL)
        {
          TaWorkItem *item = self->batch;

          self->batch = item->next;
          item->next = NULL;
          item->func (item, TRUE);
        }

      return G_SOURCE_CONTINUE;
    }

  /* One item at a time: whatever is still queued when an item blocks the
   * thread stays in the queue, where an abandoning stop can fail it. A
   * batch at a time while open, so that other sources get their turn; all
   * of it once closed, the stop waiting for nothing else (see
   * ta_work_queue_pop()), unless the stop's drain deadline passes: its
   * source then gets its turn. */
  for (guint i = 0; ; i++)
    {
      TaWorkItem *item;

      if (i > 0 && i % TA_POST_BATCH == 0 &&
          (state == TA_WORK_QUEUE_OPEN ||
           (drain_end >= 0 && g_get_monotonic_time () >= drain_end)))
        break;

      item = ta_work_queue_pop (&self->queue, &state, &drain_end);
      if (item == NULL)
        break;
      item->func (item, TRUE);
    }

  ta_post_source_end_turn (self);

  return G_SOURCE_CONTINUE;
}

static void
ta_post_source_finalize (GSource *source)
{
  TaPostSource *self = (TaPostSource *) source;

  ta_tsan_acquire (self);
  ta_mutex_lock (&post_sources_lock);
  if (g_hash_table_lookup (post_sources, self->context) == self)
    g_hash_table_remove (post_sources, self->context);
  ta_mutex_unlock (&post_sources_lock);

  /* Posted to a context that went away: never run, released here. */
  ta_work_item_discard_list (g_steal_pointer (&self->batch));
  ta_work_item_discard_list (ta_work_queue_kill (&self->queue));
  ta_work_queue_clear (&self->queue);
}

static GSourceFuncs ta_post_source_funcs = {
  .prepare = ta_post_source_prepare,
  .check = ta_post_source_check,
  .dispatch = ta_post_source_dispatch,
  .finalize = ta_post_source_finalize,
};

/* Any context's default wake-up; under the queue's lock, so that @context,
 * which the item being posted keeps alive, is still alive. Waking takes
 * no lock of GLib's. */
static void
ta_post_source_wake_context (gpointer data)
{
  g_main_context_wakeup (((TaPostSource *) data)->context);
}

/* Called with the registry locked: a new source, attached to @context and
 * registered for it. Returns a reference of the caller's. */
static TaPostSource *
ta_post_source_new_locked (GMainContext        *context,
                           const char          *name,
                           TaWorkQueueState     state,
                           TaWorkQueueWakeFunc  wake,
                           gpointer             wake_data)
{
  TaPostSource *self;

  self = (TaPostSource *) g_source_new (&ta_post_source_funcs, sizeof (TaPostSource));
  /* A context of our own is woken its own way and has its queue
   * abandoned whole: it takes an item at a time. */
  if (wake == NULL)
    {
      wake = ta_post_source_wake_context;
      wake_data = self;
      self->takes_batches = TRUE;
    }
  ta_work_queue_init (&self->queue, state, wake, wake_data);
  self->context = context;
  g_source_set_static_name ((GSource *) self, name);
  g_source_set_priority ((GSource *) self, G_PRIORITY_DEFAULT);
  g_source_set_can_recurse ((GSource *) self, TRUE);
  ta_tsan_release (self);
  g_source_attach ((GSource *) self, context);

  if (post_sources == NULL)
    post_sources = g_hash_table_new (NULL, NULL);
  g_hash_table_insert (post_sources, context, self);

  return self;
}

/*
 * ta_post_source_new:
 * @name: (not nullable): a static string
 * @state: how the queue starts: %TA_WORK_QUEUE_CLOSED for a runner that
 *   has not started
 * @wake: (nullable): how to wake the context's thread when the queue
 *   becomes non-empty; %NULL for g_main_context_wakeup()
 *
 * Makes the post source of @context, which must not have one yet, for a
 * thread that drains it itself. Any thread. Returns a reference, which
 * g_source_destroy() and g_source_unref() let go.
 */
TaPostSource *
ta_post_source_new (GMainContext        *context,
                    const char          *name,
                    TaWorkQueueState     state,
                    TaWorkQueueWakeFunc  wake,
                    gpointer             wake_data)
{
  TaPostSource *self;

  ta_mutex_lock (&post_sources_lock);
  self = ta_post_source_new_locked (context, name, state, wake, wake_data);
  ta_mutex_unlock (&post_sources_lock);

  return self;
}

/* Before the source is dispatched for the first time. */
void
ta_post_source_set_prepare (TaPostSource      *self,
                            TaWorkClaimFunc    claim,
                            TaPostPrepareFunc  prepare)
{
  ta_work_queue_set_claim (&self->queue, claim);
  self->prepare = prepare;
}

TaWorkQueue *
ta_post_source_get_queue (TaPostSource *self)
{
  return &self->queue;
}

/* Posts @item to the source's context, or discards it if the queue is
 * dead. Any thread; the caller keeps the source alive. */
void
ta_post_source_post (TaPostSource *self,
                     TaWorkItem   *item)
{
  if (!ta_work_queue_post (&self->queue, item))
    item->func (item, FALSE);
}

/* Called with the registry locked: the source of @context, made on
 * first use. */
static TaPostSource *
ta_post_source_lookup_locked (GMainContext *context)
{
  TaPostSource *source;

  source = post_sources != NULL ? g_hash_table_lookup (post_sources, context) : NULL;
  if (source != NULL)
    ta_tsan_acquire (source);
  /* Destroyed with the context still alive (a stopped runner's, let go),
   * or whose context is being finalized, the context posted to now being
   * a new one at the same address: a new one. */
  if (source == NULL || g_source_is_destroyed ((GSource *) source))
    {
      source = ta_post_source_new_locked (context, "[ta-glib] work posted from other threads",
                                          TA_WORK_QUEUE_OPEN, NULL, NULL);
      /* The context's reference is the one that counts. */
      g_source_unref ((GSource *) source);
    }

  return source;
}

/*
 * ta_context_post:
 *
 * Posts @item to run in @context, in order with what else was posted
 * there, or discards it at once if nothing will ever dispatch @context
 * again. Any thread.
 */
void
ta_context_post (GMainContext *context,
                 TaWorkItem   *item)
{
  TaPostSource *source;
  gboolean queued;

  /* @item keeps @context alive (through its GTask) for as long as it is
   * queued: the context's thread cannot take it before the queue's lock
   * is released, so no reference of our own is needed, and none can be
   * the last one, finalizing the context on this thread. */
  ta_mutex_lock (&post_sources_lock);
  source = ta_post_source_lookup_locked (context);
  queued = ta_work_queue_post (&source->queue, item);
  ta_mutex_unlock (&post_sources_lock);

  /* Its thread is gone for good: nothing posted there would ever run.
   * Outside the registry's lock: what the item releases may finalize a
   * context, and its sources with it. */
  if (!queued)
    item->func (item, FALSE);
}

/*
 * ta_context_post_close:
 *
 * For a context whose thread is leaving and that nobody will iterate
 * again (a pool's worker): its queue becomes dead, so that what was
 * posted to it, and what is posted from now on, is discarded at once, on
 * the posting thread, rather than kept forever with the references it
 * holds. The context's own thread, before it lets go of the context.
 * Returns the context's post source, which must stay attached (for the
 * mark to last as long as the context).
 */
GSource *
ta_context_post_close (GMainContext *context)
{
  TaPostSource *source;
  TaWorkItem *list;

  ta_mutex_lock (&post_sources_lock);
  source = ta_post_source_lookup_locked (context);
  list = ta_work_queue_kill (&source->queue);
  ta_mutex_unlock (&post_sources_lock);

  ta_work_item_discard_list (list);

  return (GSource *) source;
}
