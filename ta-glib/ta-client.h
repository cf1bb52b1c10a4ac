/* ta-client.h: async code's side of control inversion
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

#define TA_TYPE_CLIENT (ta_client_get_type ())

TA_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (TaClient, ta_client, TA, CLIENT, GObject)

typedef struct _TaServer TaServer;

TA_AVAILABLE_IN_ALL
TaClient *ta_client_new            (TaServer             *server) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
TaServer *ta_client_get_server     (TaClient             *self);
TA_AVAILABLE_IN_ALL
void      ta_client_execute_async  (TaClient             *self,
                                    const char           *method,
                                    GVariant             *parameters,
                                    const GValue         *payload,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
TA_AVAILABLE_IN_ALL
gboolean  ta_client_execute_finish (TaClient             *self,
                                    GAsyncResult         *result,
                                    GValue               *value,
                                    GError              **error);

G_END_DECLS
