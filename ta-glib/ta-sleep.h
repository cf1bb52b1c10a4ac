/* ta-sleep.h: a cancellable asynchronous sleep
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TA_INSIDE) && !defined(TA_COMPILATION)
# error "Only <ta-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "ta-version-macros.h"

G_BEGIN_DECLS

TA_AVAILABLE_IN_ALL
void     ta_sleep_async  (gint64                duration_us,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data);
TA_AVAILABLE_IN_ALL
gboolean ta_sleep_finish (GAsyncResult         *result,
                          GError              **error);

G_END_DECLS
