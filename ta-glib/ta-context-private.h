/* ta-context-private.h: the registry of runners' contexts, and helpers on
 * a GMainContext
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "ta-inbox-private.h"

G_BEGIN_DECLS

void     ta_runner_context_register  (GMainContext *context,
                                      TaInbox      *inbox);
void     ta_runner_context_mark_dead (GMainContext *context);
void     ta_runner_context_forget    (GMainContext *context);
gboolean ta_runner_context_is_dead   (GMainContext *context);
gboolean ta_runner_context_post      (GMainContext *context,
                                      TaWorkItem   *item);
gint     ta_context_wakeup_fd        (GMainContext *context);
void     ta_context_sweep            (GMainContext *context,
                                      GSource      *except);

G_END_DECLS
