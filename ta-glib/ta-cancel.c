/* ta-cancel.c: a cancellation watch safe across threads
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-cancel-private.h"
#include "ta-monitor-private.h"

/* Shared by the source and its signal handler; the handler's closure holds
 * a reference, so it stays valid for an emission racing with finalize. */
typedef struct
{
  gatomicrefcount  ref_count;
  gint             cancelled;   /* atomic */
  GMainContext    *context;     /* strong once attached, atomic pointer */
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
      GMainContext *context = g_atomic_pointer_get (&link->context);

      g_clear_pointer (&context, g_main_context_unref);
      g_free (link);
    }
}

/* Any thread: the one that cancels. */
static void
ta_cancel_source_cancelled_cb (GCancellable *cancellable,
                               gpointer      user_data)
{
  TaCancelLink *link = user_data;
  GMainContext *context;

  /* Handed over by GSignal's own (invisible to TSan) lock. */
  ta_tsan_acquire (link);
  g_atomic_int_set (&link->cancelled, 1);
  context = g_atomic_pointer_get (&link->context);
  if (context != NULL)
    g_main_context_wakeup (context);
}

static gboolean
ta_cancel_source_prepare (GSource *source,
                          gint    *timeout)
{
  TaCancelSource *self = (TaCancelSource *) source;

  *timeout = -1;

  /* First look on the attached context: remember it for wake-ups. */
  if (g_atomic_pointer_get (&self->link->context) == NULL)
    {
      GMainContext *context = g_main_context_ref (g_source_get_context (source));

      if (!g_atomic_pointer_compare_and_exchange (&self->link->context, NULL, context))
        g_main_context_unref (context);
    }

  return g_atomic_int_get (&self->link->cancelled);
}

static gboolean
ta_cancel_source_check (GSource *source)
{
  TaCancelSource *self = (TaCancelSource *) source;

  return g_atomic_int_get (&self->link->cancelled);
}

static gboolean
ta_cancel_source_dispatch (GSource     *source,
                           GSourceFunc  callback,
                           gpointer     user_data)
{
  if (callback == NULL)
    return G_SOURCE_REMOVE;

  return callback (user_data);
}

static void
ta_cancel_source_finalize (GSource *source)
{
  TaCancelSource *self = (TaCancelSource *) source;

  /* Not g_cancellable_disconnect(): it waits for a running handler, which
   * could deadlock; the closure keeps the link alive for that one. */
  if (self->handler_id != 0)
    g_signal_handler_disconnect (self->cancellable, self->handler_id);
  g_clear_object (&self->cancellable);
  ta_cancel_link_unref (self->link);
}

static GSourceFuncs ta_cancel_source_funcs = {
  .prepare = ta_cancel_source_prepare,
  .check = ta_cancel_source_check,
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
  self = (TaCancelSource *) source;
  self->cancellable = g_object_ref (cancellable);
  self->link = g_new0 (TaCancelLink, 1);
  g_atomic_ref_count_init (&self->link->ref_count);

  g_atomic_ref_count_inc (&self->link->ref_count);
  ta_tsan_release (self->link);
  self->handler_id = g_signal_connect_data (cancellable, "cancelled",
                                            G_CALLBACK (ta_cancel_source_cancelled_cb),
                                            self->link,
                                            (GClosureNotify) (void (*) (void)) ta_cancel_link_unref,
                                            G_CONNECT_DEFAULT);
  if (g_cancellable_is_cancelled (cancellable))
    g_atomic_int_set (&self->link->cancelled, 1);

  return source;
}
