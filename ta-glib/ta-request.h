/* ta-request.h: a client's request, answered by a server
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

#define TA_TYPE_REQUEST (ta_request_get_type ())

TA_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (TaRequest, ta_request, TA, REQUEST, GObject)

TA_AVAILABLE_IN_ALL
const char   *ta_request_get_method       (TaRequest     *self);
TA_AVAILABLE_IN_ALL
GVariant     *ta_request_get_parameters   (TaRequest     *self);
TA_AVAILABLE_IN_ALL
gboolean      ta_request_get_payload      (TaRequest     *self,
                                           GValue        *value);
TA_AVAILABLE_IN_ALL
GCancellable *ta_request_get_cancellable  (TaRequest     *self);
TA_AVAILABLE_IN_ALL
gboolean      ta_request_is_answered      (TaRequest     *self);
TA_AVAILABLE_IN_ALL
gboolean      ta_request_return_value     (TaRequest     *self,
                                           const GValue  *value,
                                           GError       **error);
TA_AVAILABLE_IN_ALL
gboolean      ta_request_return_variant   (TaRequest     *self,
                                           GVariant      *result);
TA_AVAILABLE_IN_ALL
gboolean      ta_request_return_error     (TaRequest     *self,
                                           const GError  *error);

G_END_DECLS
