/* ta-future.h: a one-shot value set from one thread, awaited from others
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

#define TA_TYPE_FUTURE (ta_future_get_type ())

/* Final for C, which cannot see the instance; not final as a GType
 * (G_DEFINE_TYPE), so that bindings subclass it, as Python code written
 * for threaded_async subclasses its classes. */
TA_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (TaFuture, ta_future, TA, FUTURE, GObject)

TA_AVAILABLE_IN_ALL
TaFuture *ta_future_new           (void) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
gboolean  ta_future_set_pointer   (TaFuture             *self,
                                   gpointer              data,
                                   GDestroyNotify        data_destroy);
TA_AVAILABLE_IN_ALL
gboolean  ta_future_set_value     (TaFuture             *self,
                                   const GValue         *value,
                                   GError              **error);
TA_AVAILABLE_IN_ALL
gboolean  ta_future_set_error     (TaFuture             *self,
                                   const GError         *error);
TA_AVAILABLE_IN_ALL
gboolean  ta_future_take_error    (TaFuture             *self,
                                   GError               *error);
TA_AVAILABLE_IN_ALL
gboolean  ta_future_is_done       (TaFuture             *self);
TA_AVAILABLE_IN_ALL
gboolean  ta_future_wait          (TaFuture             *self,
                                   gint64                timeout_us,
                                   GError              **error);
TA_AVAILABLE_IN_ALL
void      ta_future_wait_async    (TaFuture             *self,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data);
TA_AVAILABLE_IN_ALL
gboolean  ta_future_wait_finish   (TaFuture             *self,
                                   GAsyncResult         *result,
                                   GError              **error);
TA_AVAILABLE_IN_ALL
gpointer  ta_future_get_pointer   (TaFuture             *self);
TA_AVAILABLE_IN_ALL
gpointer  ta_future_steal_pointer (TaFuture             *self);
TA_AVAILABLE_IN_ALL
gboolean  ta_future_get_value     (TaFuture             *self,
                                   GValue               *value,
                                   GError              **error);
TA_AVAILABLE_IN_ALL
GError   *ta_future_dup_error     (TaFuture             *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
