/* ta-post-private.h: work for any GMainContext, one wake-up per batch
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "ta-inbox-private.h"

G_BEGIN_DECLS

/*
 * Other threads post work to a GMainContext (the completion of a wait the
 * context's thread started, mostly) through one source per context, which
 * runs what was posted in order, in batches. A post only wakes the context
 * when its queue was empty: a thread that completes a thousand waits for
 * another thread's loop costs it one wake-up, not a thousand. A runner's
 * own context is served by its inbox instead (ta_runner_context_post()).
 *
 * The caller must keep @context alive for the duration of the call.
 */
void ta_context_post (GMainContext *context,
                      TaWorkItem   *item);

GSource *ta_context_post_close (GMainContext *context);

G_END_DECLS
