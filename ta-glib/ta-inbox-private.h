/* ta-inbox-private.h: the runner's queue of work and its idle wait
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "ta-post-private.h"

G_BEGIN_DECLS

/*
 * TaInbox is the runner's queue of work from any thread: the post source
 * of the runner's context (see ta-post-private.h), and the runner's idle
 * wait, which spins for a while before it sleeps in poll() and is woken
 * by kicks that cost a system call only when it really sleeps. It is
 * created closed, opened when the runner starts and closed again when it
 * stops: a closed inbox refuses new work, and what was pushed before
 * still runs, in order. Once the runner's thread is gone it is dead.
 */
typedef struct _TaInbox TaInbox;

TaInbox    *ta_inbox_new           (GMainContext *context);
void        ta_inbox_set_prepare   (TaInbox            *self,
                                    TaWorkClaimFunc     claim,
                                    TaPostPrepareFunc   prepare);
void        ta_inbox_free          (TaInbox      *self);
void        ta_inbox_open          (TaInbox      *self);
gboolean    ta_inbox_push          (TaInbox      *self,
                                    TaWorkItem   *item);
void        ta_inbox_push_local    (TaInbox      *self,
                                    TaWorkItem   *item);
void        ta_inbox_close         (TaInbox      *self,
                                    TaWorkItem   *last_item,
                                    gint64        drain_end);
void        ta_inbox_end_drain_breaks (TaInbox   *self);
gboolean    ta_inbox_is_closed     (TaInbox      *self);
void        ta_inbox_begin_turn    (TaInbox      *self);
gboolean    ta_inbox_in_turn       (TaInbox      *self);
TaWorkItem *ta_inbox_steal_all     (TaInbox      *self);
void        ta_inbox_kill          (TaInbox      *self);
GSource    *ta_inbox_get_source    (TaInbox      *self);
void        ta_inbox_kick          (TaInbox      *self);
void        ta_inbox_kick_and_wait (TaInbox      *self);
gint        ta_inbox_poll          (TaInbox      *self,
                                    gboolean      spin,
                                    GPollFD      *fds,
                                    guint         nfds,
                                    gint          timeout);
gint        ta_inbox_poll_timed    (TaInbox      *self,
                                    gboolean      spin,
                                    GPollFD      *fds,
                                    guint         nfds,
                                    gint          timeout,
                                    gint64        before,
                                    gint64       *after);

G_END_DECLS
