/* ta-runner.h: a GMainLoop on a thread of its own
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TA_INSIDE) && !defined(TA_COMPILATION)
# error "Only <ta-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "ta-executor.h"
#include "ta-types.h"
#include "ta-task.h"
#include "ta-version-macros.h"
#include "ta-watchdog.h"

G_BEGIN_DECLS

#define TA_TYPE_RUNNER (ta_runner_get_type ())

/* Final for C, which cannot see the instance; not final as a GType
 * (G_DEFINE_TYPE), so that bindings subclass it, as Python code written
 * for threaded_async subclasses its classes. */
TA_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (TaRunner, ta_runner, TA, RUNNER, GObject)

TA_AVAILABLE_IN_ALL
TaRunner       *ta_runner_new                     (const char      *name) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
void            ta_runner_set_thread_hook         (TaRunner        *self,
                                                   TaThreadHookFunc hook,
                                                   gpointer         user_data,
                                                   GDestroyNotify   user_data_destroy);
TA_AVAILABLE_IN_ALL
gboolean        ta_runner_start                   (TaRunner        *self,
                                                   GError         **error);
TA_AVAILABLE_IN_ALL
gboolean        ta_runner_stop                    (TaRunner        *self,
                                                   GError         **error);
TA_AVAILABLE_IN_ALL
const char     *ta_runner_get_name                (TaRunner        *self);
TA_AVAILABLE_IN_ALL
GMainContext   *ta_runner_get_context             (TaRunner        *self);
TA_AVAILABLE_IN_ALL
gboolean        ta_runner_is_running              (TaRunner        *self);
TA_AVAILABLE_IN_ALL
gboolean        ta_runner_is_runner_thread        (TaRunner        *self);
TA_AVAILABLE_IN_ALL
TaShutdownType  ta_runner_get_shutdown_type       (TaRunner        *self);
TA_AVAILABLE_IN_ALL
gint64          ta_runner_get_default_call_timeout (TaRunner       *self);
TA_AVAILABLE_IN_ALL
void            ta_runner_set_default_call_timeout (TaRunner       *self,
                                                   gint64           timeout_us);
TA_AVAILABLE_IN_ALL
gint64          ta_runner_get_exit_timeout        (TaRunner        *self);
TA_AVAILABLE_IN_ALL
void            ta_runner_set_exit_timeout        (TaRunner        *self,
                                                   gint64           timeout_us);
TA_AVAILABLE_IN_ALL
gboolean        ta_runner_get_spin                (TaRunner        *self);
TA_AVAILABLE_IN_ALL
void            ta_runner_set_spin                (TaRunner        *self,
                                                   gboolean         spin);
TA_AVAILABLE_IN_ALL
gint64          ta_runner_get_stall_threshold     (TaRunner        *self);
TA_AVAILABLE_IN_ALL
void            ta_runner_set_stall_threshold     (TaRunner        *self,
                                                   gint64           threshold_us);
TA_AVAILABLE_IN_ALL
TaWatchdog     *ta_runner_dup_watchdog            (TaRunner        *self) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
gboolean        ta_runner_invoke                  (TaRunner        *self,
                                                   TaRunnerFunc     func,
                                                   gpointer         user_data,
                                                   GDestroyNotify   user_data_destroy,
                                                   GError         **error);
TA_AVAILABLE_IN_ALL
gboolean        ta_runner_call                    (TaRunner        *self,
                                                   TaRunnerFunc     func,
                                                   gpointer         user_data,
                                                   GDestroyNotify   user_data_destroy,
                                                   gint64           timeout_us,
                                                   GError         **error);
TA_AVAILABLE_IN_ALL
gboolean        ta_runner_wait_next_iteration     (TaRunner        *self,
                                                   gint64           timeout_us,
                                                   GError         **error);
TA_AVAILABLE_IN_ALL
gboolean        ta_runner_wait_idle               (TaRunner        *self,
                                                   gint64           timeout_us,
                                                   GError         **error);
TA_AVAILABLE_IN_ALL
TaTask         *ta_runner_spawn                   (TaRunner        *self,
                                                   const char      *name,
                                                   TaTaskFunc       func,
                                                   gpointer         user_data,
                                                   GDestroyNotify   user_data_destroy,
                                                   GCancellable    *cancellable,
                                                   GError         **error) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
TaTask         *ta_runner_run                     (TaRunner        *self,
                                                   const char      *name,
                                                   TaTaskFunc       func,
                                                   gpointer         user_data,
                                                   GDestroyNotify   user_data_destroy,
                                                   gint64           timeout_us,
                                                   GError         **error) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
GPtrArray      *ta_runner_dup_unretrieved_errors  (TaRunner        *self) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
TaExecutor     *ta_runner_get_executor            (TaRunner        *self);


G_END_DECLS
