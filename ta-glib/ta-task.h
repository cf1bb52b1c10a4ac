/* ta-task.h: the caller's handle on a task running on a runner
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TA_INSIDE) && !defined(TA_COMPILATION)
# error "Only <ta-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "ta-types.h"
#include "ta-version-macros.h"

G_BEGIN_DECLS

#define TA_TYPE_TASK (ta_task_get_type ())

TA_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (TaTask, ta_task, TA, TASK, GObject)

TA_AVAILABLE_IN_ALL
const char   *ta_task_get_name           (TaTask               *self);
TA_AVAILABLE_IN_ALL
GCancellable *ta_task_get_cancellable    (TaTask               *self);
TA_AVAILABLE_IN_ALL
gboolean      ta_task_is_done            (TaTask               *self);
TA_AVAILABLE_IN_ALL
void          ta_task_cancel             (TaTask               *self);
TA_AVAILABLE_IN_ALL
gboolean      ta_task_wait               (TaTask               *self,
                                          gint64                timeout_us,
                                          GError              **error);
TA_AVAILABLE_IN_ALL
void          ta_task_wait_async         (TaTask               *self,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
TA_AVAILABLE_IN_ALL
gboolean      ta_task_wait_finish        (TaTask               *self,
                                          GAsyncResult         *result,
                                          GError              **error);
TA_AVAILABLE_IN_ALL
gint          ta_task_wait_any           (TaTask              **tasks,
                                          guint                 n_tasks,
                                          gint64                timeout_us,
                                          GError              **error);
TA_AVAILABLE_IN_ALL
GError       *ta_task_dup_error          (TaTask               *self) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
gpointer      ta_task_propagate_pointer  (TaTask               *self,
                                          GError              **error);
TA_AVAILABLE_IN_ALL
gboolean      ta_task_propagate_boolean  (TaTask               *self,
                                          GError              **error);
TA_AVAILABLE_IN_ALL
gssize        ta_task_propagate_int      (TaTask               *self,
                                          GError              **error);
TA_AVAILABLE_IN_ALL
gboolean      ta_task_propagate_value    (TaTask               *self,
                                          GValue               *value,
                                          GError              **error);


G_END_DECLS
