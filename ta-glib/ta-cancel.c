/* ta-cancel.c: a cancellation watch safe across threads
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-cancel-private.h"
#include "ta-monitor-private.h"

/*
 * How it works. The "cancelled" handler runs on whichever thread cancels.
 * It reaches the source only through a link that holds a weak pointer,
 * takes a reference under the link's lock, makes the source ready with
 * g_source_set_ready_time() (which wakes its context), and lets go.
 *
 * The owner retires the watch with ta_cancellable_source_retire(): it
 * clears the weak pointer and waits for a handler still in flight (a few
 * instructions), then destroys and drops the source. From then on no
 * other thread touches the source, so GLib's rule that a thread handling
 * a source must keep its context alive only binds the owner, which does.
 *
 * Nothing here owns the context: a source that dropped the last reference
 * to its own context from its finalize function would make
 * g_source_unref() touch a freed context, and ownership would make cycles
 * (context -> source -> context). The dispose function also clears the
 * weak pointer, for a source finalized without being retired (its context
 * went away first).
 */

typedef struct
{
  gatomicrefcount  ref_count;
  GMutex           mutex;
  GCond            cond;
  GSource         *source;      /* weak, guarded by mutex */
  guint            in_flight;   /* handlers using source, guarded by mutex */
  gboolean         detaching;   /* the owner waits for them, guarded by
                                 * mutex */
} TaCancelLink;

typedef struct
{
  GSource        source;
  GCancellable  *cancellable;
  gulong         handler_id;
  TaCancelLink  *link;
} TaCancelSource;

static void
ta_cancel_link_unref (gpointer data)
{
  TaCancelLink *link = data;

  if (ta_ref_count_dec (&link->ref_count))
    {
      g_cond_clear (&link->cond);
      g_mutex_clear (&link->mutex);
      g_free (link);
    }
}

/* Clears the weak pointer and waits out handlers still using it. Only
 * for a caller that holds a reference: a handler's unref is then never
 * the last one. */
static void
ta_cancel_link_detach (TaCancelLink *link)
{
  ta_mutex_lock (&link->mutex);
  link->source = NULL;
  link->detaching = TRUE;
  while (link->in_flight > 0)
    {
      ta_tsan_release (&link->mutex);
      g_cond_wait (&link->cond, &link->mutex);
      ta_tsan_acquire (&link->mutex);
    }
  ta_mutex_unlock (&link->mutex);
}

/* Any thread: the one that cancels. */
static void
ta_cancel_source_cancelled_cb (GCancellable *cancellable,
                               gpointer      user_data)
{
  TaCancelLink *link = user_data;
  GSource *source = NULL;

  /* Published through GSignal's own (invisible to TSan) lock. */
  ta_tsan_acquire (link);

  ta_mutex_lock (&link->mutex);
  if (link->source != NULL)
    {
      source = g_source_ref (link->source);
      link->in_flight++;
    }
  ta_mutex_unlock (&link->mutex);

  if (source != NULL)
    {
      /* The owner has not retired the watch, and waits for us before it
       * does: the source and its context are alive, and this reference is
       * never the last. */
      g_source_set_ready_time (source, 0);
      g_source_unref (source);

      /* A broadcast costs a system call whether anybody waits or not:
       * only for an owner that does (a stop cancelling tens of thousands
       * of tasks makes as many of these). */
      ta_mutex_lock (&link->mutex);
      if (--link->in_flight == 0 && link->detaching)
        g_cond_broadcast (&link->cond);
      ta_mutex_unlock (&link->mutex);
    }

  /* The closure's reference may be dropped inside libgobject, on another
   * thread: pairs with the final unref's acquire. */
  ta_tsan_release (&link->ref_count);
}

/* The last reference went away without the watch being retired (its
 * context was finalized first). No waiting here: a handler in flight
 * resurrected the source with its reference, and its unref brings us back
 * once it is done. */
static void
ta_cancel_source_dispose (GSource *source)
{
  TaCancelSource *self = (TaCancelSource *) source;

  ta_mutex_lock (&self->link->mutex);
  self->link->source = NULL;
  ta_mutex_unlock (&self->link->mutex);
}

static gboolean
ta_cancel_source_dispatch (GSource     *source,
                           GSourceFunc  callback,
                           gpointer     user_data)
{
  g_source_set_ready_time (source, -1);

  if (callback == NULL)
    return G_SOURCE_REMOVE;

  return callback (user_data);
}

static void
ta_cancel_source_finalize (GSource *source)
{
  TaCancelSource *self = (TaCancelSource *) source;

  /* The source's refcount, inside libglib, orders this after its setup. */
  ta_tsan_acquire (self);

  /* Not g_cancellable_disconnect(): it waits for an emission in progress,
   * possibly on this very thread. The closure keeps the link alive for a
   * handler still running; it finds the weak pointer cleared. */
  if (self->handler_id != 0)
    g_signal_handler_disconnect (self->cancellable, self->handler_id);
  g_clear_object (&self->cancellable);
  ta_cancel_link_unref (self->link);
}

static GSourceFuncs ta_cancel_source_funcs = {
  .dispatch = ta_cancel_source_dispatch,
  .finalize = ta_cancel_source_finalize,
};

GSource *
ta_cancellable_source_new (GCancellable *cancellable)
{
  GSource *source;
  TaCancelSource *self;

  g_return_val_if_fail (G_IS_CANCELLABLE (cancellable), NULL);

  source = g_source_new (&ta_cancel_source_funcs, sizeof (TaCancelSource));
  g_source_set_dispose_function (source, ta_cancel_source_dispose);
  self = (TaCancelSource *) source;
  self->cancellable = g_object_ref (cancellable);
  self->link = g_new0 (TaCancelLink, 1);
  g_atomic_ref_count_init (&self->link->ref_count);
  g_mutex_init (&self->link->mutex);
  g_cond_init (&self->link->cond);
  self->link->source = source;

  g_atomic_ref_count_inc (&self->link->ref_count);
  ta_tsan_release (self->link);
  self->handler_id = g_signal_connect_data (cancellable, "cancelled",
                                            G_CALLBACK (ta_cancel_source_cancelled_cb),
                                            self->link,
                                            (GClosureNotify) (void (*) (void)) ta_cancel_link_unref,
                                            G_CONNECT_DEFAULT);
  if (g_cancellable_is_cancelled (cancellable))
    g_source_set_ready_time (source, 0);
  ta_tsan_release (self);

  return source;
}

/*
 * ta_cancellable_source_retire:
 * @source: (transfer full): a source from ta_cancellable_source_new()
 *
 * Stops the watch for good, destroys the source and drops the caller's
 * reference. The caller must keep the source's context alive across the
 * call (GLib's rule for handling a source off its context's thread). Any
 * thread.
 */
void
ta_cancellable_source_retire (GSource *source)
{
  TaCancelSource *self = (TaCancelSource *) source;

  g_assert (source->source_funcs == &ta_cancel_source_funcs);

  ta_cancel_link_detach (self->link);
  g_source_destroy (source);
  g_source_unref (source);
}
