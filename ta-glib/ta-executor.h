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

/**
 * TaExecutorFunc:
 * @cancellable: the executor's shutdown cancellable, shared by every job
 *   of [method@Ta.Executor.invoke]: cancelled when a shutdown cancels
 *   running work, to pass on to blocking calls that honour it
 * @user_data: the data given with the function
 * @error: return location for a #GError
 *
 * A blocking function run on an executor's worker thread by
 * [method@Ta.Executor.invoke].
 *
 * From GJS such a function cannot be written: JavaScript runs only on its
 * main thread, so a JavaScript function given here is refused with
 * %TA_ERROR_WRONG_THREAD.
 *
 * Runs on a worker thread.
 *
 * Returns: (nullable): the result, handed to the [callback@Ta.ExecutorDoneFunc],
 *   which owns it; or %NULL, normally with @error set
 */
typedef gpointer (*TaExecutorFunc)     (GCancellable  *cancellable,
                                        gpointer       user_data,
                                        GError       **error);

/**
 * TaExecutorDoneFunc:
 * @result: (nullable): what the [callback@Ta.ExecutorFunc] returned, which
 *   this function owns from now on; %NULL if it never ran
 * @error: (nullable): the error the function set, or %G_IO_ERROR_CANCELLED
 *   if a shutdown cancelled the job before it started; %NULL on success
 * @user_data: the data given with the function
 *
 * The completion of a job queued with [method@Ta.Executor.invoke]: called
 * exactly once per accepted job, in the thread-default main context of the
 * thread that queued it.
 *
 * Runs in the caller's thread-default main context.
 */
typedef void     (*TaExecutorDoneFunc) (gpointer       result,
                                        const GError  *error,
                                        gpointer       user_data);

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
gboolean    ta_executor_invoke          (TaExecutor          *self,
                                         TaExecutorFunc       func,
                                         gpointer             func_data,
                                         GDestroyNotify       func_data_destroy,
                                         TaExecutorDoneFunc   done,
                                         gpointer             done_data,
                                         GDestroyNotify       done_data_destroy,
                                         GError             **error);
TA_AVAILABLE_IN_ALL
gboolean    ta_executor_shutdown        (TaExecutor          *self,
                                         TaExecutorShutdown   mode,
                                         gint64               timeout_us,
                                         GError             **error);

G_END_DECLS
