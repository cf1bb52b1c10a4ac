/* ta-queue.h: a FIFO queue between threads and main contexts
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TA_INSIDE) && !defined(TA_COMPILATION)
# error "Only <ta-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "ta-guest-loop.h"
#include "ta-version-macros.h"

G_BEGIN_DECLS

#define TA_TYPE_QUEUE (ta_queue_get_type ())

/* Final for C, which cannot see the instance; not final as a GType
 * (G_DEFINE_TYPE), so that bindings subclass it, as Python code written
 * for threaded_async subclasses its classes. */
TA_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (TaQueue, ta_queue, TA, QUEUE, GObject)

TA_AVAILABLE_IN_ALL
TaQueue   *ta_queue_new                (guint                 max_size) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
TaQueue   *ta_queue_new_full           (guint                 max_size,
                                        GDestroyNotify        item_destroy) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
guint      ta_queue_get_max_size       (TaQueue              *self);
TA_AVAILABLE_IN_ALL
guint      ta_queue_get_length         (TaQueue              *self);
TA_AVAILABLE_IN_ALL
gboolean   ta_queue_is_empty           (TaQueue              *self);
TA_AVAILABLE_IN_ALL
gboolean   ta_queue_is_full            (TaQueue              *self);
TA_AVAILABLE_IN_ALL
void       ta_queue_close              (TaQueue              *self);
TA_AVAILABLE_IN_ALL
gboolean   ta_queue_is_closed          (TaQueue              *self);
TA_AVAILABLE_IN_ALL
void       ta_queue_wake_when_ready    (TaQueue              *self,
                                        TaGuestLoop          *guest);

/* Items as C pointers, owned through the queue's item_destroy. */
TA_AVAILABLE_IN_ALL
gboolean   ta_queue_push               (TaQueue              *self,
                                        gpointer              item,
                                        gint64                timeout_us,
                                        GError              **error);
TA_AVAILABLE_IN_ALL
gboolean   ta_queue_try_push           (TaQueue              *self,
                                        gpointer              item,
                                        GError              **error);
TA_AVAILABLE_IN_ALL
void       ta_queue_push_front         (TaQueue              *self,
                                        gpointer              item);
TA_AVAILABLE_IN_ALL
void       ta_queue_push_async         (TaQueue              *self,
                                        gpointer              item,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
TA_AVAILABLE_IN_ALL
gboolean   ta_queue_push_finish        (TaQueue              *self,
                                        GAsyncResult         *result,
                                        GError              **error);
TA_AVAILABLE_IN_ALL
gpointer   ta_queue_pop                (TaQueue              *self,
                                        gint64                timeout_us,
                                        GError              **error);
TA_AVAILABLE_IN_ALL
gpointer   ta_queue_try_pop            (TaQueue              *self,
                                        GError              **error);
TA_AVAILABLE_IN_ALL
void       ta_queue_pop_async          (TaQueue              *self,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
TA_AVAILABLE_IN_ALL
gpointer   ta_queue_pop_finish         (TaQueue              *self,
                                        GAsyncResult         *result,
                                        GError              **error);
TA_AVAILABLE_IN_ALL
void       ta_queue_pop_batch_async    (TaQueue              *self,
                                        guint                 max_items,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
TA_AVAILABLE_IN_ALL
GPtrArray *ta_queue_pop_batch_finish   (TaQueue              *self,
                                        GAsyncResult         *result,
                                        GError              **error);

/* Items as values that may cross threads: for bindings. */
TA_AVAILABLE_IN_ALL
gboolean   ta_queue_push_value         (TaQueue              *self,
                                        const GValue         *value,
                                        gint64                timeout_us,
                                        GError              **error);
TA_AVAILABLE_IN_ALL
gboolean   ta_queue_try_push_value     (TaQueue              *self,
                                        const GValue         *value,
                                        GError              **error);
TA_AVAILABLE_IN_ALL
gboolean   ta_queue_push_front_value   (TaQueue              *self,
                                        const GValue         *value,
                                        GError              **error);
TA_AVAILABLE_IN_ALL
void       ta_queue_push_value_async   (TaQueue              *self,
                                        const GValue         *value,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
TA_AVAILABLE_IN_ALL
gboolean   ta_queue_push_value_finish  (TaQueue              *self,
                                        GAsyncResult         *result,
                                        GError              **error);
TA_AVAILABLE_IN_ALL
gboolean   ta_queue_pop_value          (TaQueue              *self,
                                        GValue               *value,
                                        gint64                timeout_us,
                                        GError              **error);
TA_AVAILABLE_IN_ALL
gboolean   ta_queue_try_pop_value      (TaQueue              *self,
                                        GValue               *value,
                                        GError              **error);
TA_AVAILABLE_IN_ALL
void       ta_queue_pop_value_async    (TaQueue              *self,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
TA_AVAILABLE_IN_ALL
gboolean   ta_queue_pop_value_finish   (TaQueue              *self,
                                        GAsyncResult         *result,
                                        GValue               *value,
                                        GError              **error);

G_END_DECLS
