/* ta-executor.h: a bounded pool of worker threads for blocking work
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TA_INSIDE) && !defined(TA_COMPILATION)
# error "Only <ta-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "ta-task.h"
#include "ta-types.h"
#include "ta-version-macros.h"

G_BEGIN_DECLS

#define TA_TYPE_EXECUTOR (ta_executor_get_type ())

TA_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (TaExecutor, ta_executor, TA, EXECUTOR, GObject)

TA_AVAILABLE_IN_ALL
TaExecutor *ta_executor_new             (const char          *name,
                                         guint                max_workers) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
const char *ta_executor_get_name        (TaExecutor          *self);
TA_AVAILABLE_IN_ALL
guint       ta_executor_get_max_workers (TaExecutor          *self);
TA_AVAILABLE_IN_ALL
guint       ta_executor_get_n_workers   (TaExecutor          *self);
TA_AVAILABLE_IN_ALL
guint       ta_executor_get_n_queued    (TaExecutor          *self);
TA_AVAILABLE_IN_ALL
gboolean    ta_executor_is_worker_thread (TaExecutor         *self);
TA_AVAILABLE_IN_ALL
TaTask     *ta_executor_spawn           (TaExecutor          *self,
                                         const char          *name,
                                         TaTaskFunc           func,
                                         gpointer             user_data,
                                         GDestroyNotify       user_data_destroy,
                                         GCancellable        *cancellable,
                                         GError             **error) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
TaTask     *ta_executor_run             (TaExecutor          *self,
                                         const char          *name,
                                         TaTaskFunc           func,
                                         gpointer             user_data,
                                         GDestroyNotify       user_data_destroy,
                                         gint64               timeout_us,
                                         GError             **error) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
void        ta_executor_run_async       (TaExecutor          *self,
                                         const char          *name,
                                         TaTaskFunc           func,
                                         gpointer             user_data,
                                         GDestroyNotify       user_data_destroy,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             callback_data);
TA_AVAILABLE_IN_ALL
TaTask     *ta_executor_run_finish      (TaExecutor          *self,
                                         GAsyncResult        *result,
                                         GError             **error) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
void        ta_executor_call_async      (TaExecutor          *self,
                                         const char          *function,
                                         const GValue        *args,
                                         guint                n_args,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
TA_AVAILABLE_IN_ALL
GValue     *ta_executor_call_finish     (TaExecutor          *self,
                                         GAsyncResult        *result,
                                         guint               *n_values,
                                         GError             **error) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
gboolean    ta_executor_shutdown        (TaExecutor          *self,
                                         TaExecutorShutdown   mode,
                                         gint64               timeout_us,
                                         GError             **error);

G_END_DECLS
