/* ta-context.c: the registry of runners' contexts, and helpers on a GMainContext
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-context-private.h"

/*
 * The contexts of runners, so that work destined for a runner's context
 * from another thread (the completion of a wait that a task started) goes
 * through its inbox, which wakes it cheaply, rather than through a GSource
 * of its own. Contexts of runners whose thread has ended are remembered as
 * dead: nothing will ever dispatch them again, so work posted to them
 * later is dropped instead of piling up (which would also keep the context
 * alive through a GTask's reference).
 */
G_LOCK_DEFINE_STATIC (runner_contexts);
static GHashTable *live_contexts;   /* GMainContext -> TaInbox */
static GHashTable *dead_contexts;   /* GMainContext */

void
ta_runner_context_register (GMainContext *context,
                            TaInbox      *inbox)
{
  G_LOCK (runner_contexts);
  if (live_contexts == NULL)
    {
      live_contexts = g_hash_table_new (NULL, NULL);
      dead_contexts = g_hash_table_new (NULL, NULL);
    }
  g_hash_table_insert (live_contexts, context, inbox);
  G_UNLOCK (runner_contexts);
}

void
ta_runner_context_mark_dead (GMainContext *context)
{
  G_LOCK (runner_contexts);
  g_hash_table_remove (live_contexts, context);
  g_hash_table_add (dead_contexts, context);
  G_UNLOCK (runner_contexts);
}

void
ta_runner_context_forget (GMainContext *context)
{
  G_LOCK (runner_contexts);
  g_hash_table_remove (live_contexts, context);
  g_hash_table_remove (dead_contexts, context);
  G_UNLOCK (runner_contexts);
}

gboolean
ta_runner_context_is_dead (GMainContext *context)
{
  gboolean dead;

  G_LOCK (runner_contexts);
  dead = dead_contexts != NULL && g_hash_table_contains (dead_contexts, context);
  G_UNLOCK (runner_contexts);

  return dead;
}

/*
 * ta_runner_context_post:
 *
 * Posts @item to the runner whose context @context is, to run there in
 * order with the rest of its inbox (or be discarded if the runner ends
 * first). Returns %FALSE, without consuming @item, if @context is not a
 * runner's. Any thread.
 */
gboolean
ta_runner_context_post (GMainContext *context,
                        TaWorkItem   *item)
{
  TaInbox *inbox = NULL;
  gboolean dead = FALSE;

  G_LOCK (runner_contexts);
  if (live_contexts != NULL)
    {
      inbox = g_hash_table_lookup (live_contexts, context);
      dead = inbox == NULL && g_hash_table_contains (dead_contexts, context);
    }
  /* Under the lock: the inbox lives as long as its registration. */
  if (inbox != NULL)
    ta_inbox_push_local (inbox, item);
  G_UNLOCK (runner_contexts);

  if (dead)
    item->func (item, FALSE);

  return inbox != NULL || dead;
}

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
