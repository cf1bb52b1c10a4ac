/* ta-offload-private.h: introspected calls made on another thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _TaOffloadCall TaOffloadCall;

TaOffloadCall *ta_offload_call_new    (const char     *function,
                                       const GValue   *args,
                                       guint           n_args,
                                       GError        **error);
GArray        *ta_offload_call_invoke (TaOffloadCall  *call,
                                       GCancellable   *cancellable,
                                       GError        **error);
void           ta_offload_call_free   (TaOffloadCall  *call);

G_END_DECLS
