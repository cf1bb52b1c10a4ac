/* ta-post-private.h: work posted to any GMainContext from any thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "ta-work-queue-private.h"

G_BEGIN_DECLS

/*
 * TaPostSource is the one way work crosses into a GMainContext from
 * another thread: a GSource that drains a TaWorkQueue in its context, in
 * order, a batch per dispatch. Each context has at most one, found through
 * a process-wide registry; a post only wakes the context when its queue
 * was empty, so a thread that completes a thousand waits for another
 * thread's loop costs it one wake-up, not a thousand.
 *
 * A runner's inbox is the post source of the runner's context, made with
 * ta_post_source_new() and woken through the runner's own poll; any other
 * context gets one on its first post, woken with g_main_context_wakeup().
 * A context whose queue is dead (its thread is gone for good) discards
 * what is posted to it at once, on the posting thread, rather than keep it
 * forever with the references it holds.
 */
typedef struct _TaPostSource TaPostSource;

/*
 * TaPostPrepareFunc:
 * @claimed: (transfer full): what the queue's claim function returned
 *
 * Called in the context's thread outside any dispatch (in the source's
 * prepare and check), with no lock held. It must not run user code.
 */
typedef void (*TaPostPrepareFunc) (gpointer claimed);

TaPostSource *ta_post_source_new         (GMainContext        *context,
                                          const char          *name,
                                          TaWorkQueueState     state,
                                          TaWorkQueueWakeFunc  wake,
                                          gpointer             wake_data);
void          ta_post_source_set_prepare (TaPostSource        *self,
                                          TaWorkClaimFunc      claim,
                                          TaPostPrepareFunc    prepare);
TaWorkQueue  *ta_post_source_get_queue   (TaPostSource        *self);
void          ta_post_source_post        (TaPostSource        *self,
                                          TaWorkItem          *item);
void          ta_post_source_begin_turn  (TaPostSource        *self);
void          ta_post_source_end_turn    (TaPostSource        *self);
gboolean      ta_post_source_in_turn     (TaPostSource        *self);

/*
 * The caller must keep @context alive for the duration of the call; @item
 * keeps it alive while queued if it must.
 */
void     ta_context_post       (GMainContext *context,
                                TaWorkItem   *item);
GSource *ta_context_post_close (GMainContext *context);

G_END_DECLS
