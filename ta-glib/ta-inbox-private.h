/* ta-inbox-private.h: the runner's queue of work from any thread
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
 * @run: %TRUE to run it (on the runner thread, inside the inbox's
 *   dispatch), %FALSE to discard it without running (any thread: the runner
 *   stopped or was abandoned before reaching it)
 *
 * Either way the item is consumed: the function frees or releases it.
 */
typedef void (*TaWorkItemFunc) (TaWorkItem *item,
                                gboolean    run);

/* An intrusive node: embed it in whatever must run on the runner. */
struct _TaWorkItem
{
  TaWorkItem     *next;
  TaWorkItemFunc  func;
};

/*
 * TaInbox is a GSource on the runner's context fed by any thread. Pushes
 * are FIFO; the runner is woken only when the inbox goes from empty to
 * non-empty, so many submissions cost one wake-up. It is created closed,
 * opened when the runner starts and closed again when it stops: a closed
 * inbox refuses pushes, and what was pushed before still runs, in order.
 */
typedef struct _TaInbox TaInbox;

/*
 * TaInboxClaimFunc:
 *
 * Called with the inbox locked, for an item whose turn is coming: returns
 * a reference on something to prepare outside the lock, or %NULL.
 */
typedef gpointer (*TaInboxClaimFunc)   (TaWorkItem *item);

/*
 * TaInboxPrepareFunc:
 * @claimed: (transfer full): what the claim function returned
 *
 * Called on the runner thread outside any dispatch (in the inbox source's
 * prepare and check), with no lock held. It must not run user code.
 */
typedef void     (*TaInboxPrepareFunc) (gpointer    claimed);

TaInbox    *ta_inbox_new           (GMainContext *context);
void        ta_inbox_set_prepare   (TaInbox            *self,
                                    TaInboxClaimFunc    claim,
                                    TaInboxPrepareFunc  prepare);
void        ta_inbox_free          (TaInbox      *self);
void        ta_inbox_open          (TaInbox      *self);
gboolean    ta_inbox_push          (TaInbox      *self,
                                    TaWorkItem   *item);
void        ta_inbox_push_local    (TaInbox      *self,
                                    TaWorkItem   *item);
void        ta_inbox_close         (TaInbox      *self,
                                    TaWorkItem   *last_item,
                                    gint64        drain_end);
gboolean    ta_inbox_is_closed     (TaInbox      *self);
void        ta_inbox_begin_turn    (TaInbox      *self);
gboolean    ta_inbox_in_turn       (TaInbox      *self);
TaWorkItem *ta_inbox_steal_all     (TaInbox      *self);
void        ta_work_item_discard_list (TaWorkItem *list);
GSource    *ta_inbox_get_source    (TaInbox      *self);
void        ta_inbox_kick          (TaInbox      *self);
void        ta_inbox_kick_and_wait (TaInbox      *self);
gint        ta_inbox_poll          (TaInbox      *self,
                                    gboolean      spin,
                                    GPollFD      *fds,
                                    guint         nfds,
                                    gint          timeout);

G_END_DECLS
