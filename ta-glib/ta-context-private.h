/* ta-context-private.h: helpers on a GMainContext
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gint     ta_context_wakeup_fd        (GMainContext *context);
void     ta_context_sweep            (GMainContext *context,
                                      GSource      *except);

G_END_DECLS
