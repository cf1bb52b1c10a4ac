/* ta-request-private.h: requests, for the client and the server
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ta-future.h"
#include "ta-request.h"

G_BEGIN_DECLS

TaRequest *ta_request_new_internal (const char   *method,
                                    GVariant     *parameters,
                                    const GValue *payload,
                                    GCancellable *cancellable);
TaFuture  *ta_request_get_future   (TaRequest    *self);

G_END_DECLS
