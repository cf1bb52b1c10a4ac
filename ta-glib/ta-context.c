/* ta-context.c: helpers on a GMainContext
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-context-private.h"

/*
 * ta_context_wakeup_fd:
 *
 * The descriptor GLib polls to wake @context from other threads, for a
 * context just made, before anything else watches a descriptor there; -1
 * if that is not the case. A poll whose only descriptor is this one need
 * not be made when it must not wait: see ta_inbox_poll().
 */
gint
ta_context_wakeup_fd (GMainContext *context)
{
  GPollFD fds[2];
  gint timeout;

  if (g_main_context_query (context, G_MAXINT, &timeout, fds, G_N_ELEMENTS (fds)) != 1)
    return -1;

  return fds[0].fd;
}

/*
 * ta_context_sweep:
 * @except: (nullable): a source to leave alone
 *
 * Destroys every source attached to @context, which the calling thread
 * owns and will not iterate again.
 */
void
ta_context_sweep (GMainContext *context,
                  GSource      *except)
{
  GSource *probe;
  guint last_id;

  /* GLib numbers the sources of a context in sequence: the probe's id is
   * past every live one. */
  probe = g_idle_source_new ();
  last_id = g_source_attach (probe, context);
  g_source_destroy (probe);
  g_source_unref (probe);

  for (guint id = 1; id < last_id; id++)
    {
      GSource *source = g_main_context_find_source_by_id (context, id);

      if (source != NULL && source != except)
        g_source_destroy (source);
    }
}
