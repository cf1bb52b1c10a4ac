/* ta-event.h: an event that threads and main contexts can wait on
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

#define TA_TYPE_EVENT (ta_event_get_type ())

/* Final for C, which cannot see the instance; not final as a GType
 * (G_DEFINE_TYPE), so that bindings subclass it, as Python code written
 * for threaded_async subclasses its classes. */
TA_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (TaEvent, ta_event, TA, EVENT, GObject)

TA_AVAILABLE_IN_ALL
TaEvent  *ta_event_new         (void) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
void      ta_event_set         (TaEvent              *self);
TA_AVAILABLE_IN_ALL
void      ta_event_clear       (TaEvent              *self);
TA_AVAILABLE_IN_ALL
gboolean  ta_event_is_set      (TaEvent              *self);
TA_AVAILABLE_IN_ALL
gboolean  ta_event_wait        (TaEvent              *self,
                                gint64                timeout_us,
                                GError              **error);
TA_AVAILABLE_IN_ALL
void      ta_event_wait_async  (TaEvent              *self,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data);
TA_AVAILABLE_IN_ALL
gboolean  ta_event_wait_finish (TaEvent              *self,
                                GAsyncResult         *result,
                                GError              **error);

G_END_DECLS
