/* ta-test.h: background work for the GJS tests, written in C
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <ta-glib.h>

G_BEGIN_DECLS

TaTask *ta_test_spawn_value      (TaRunner      *runner,
                                  gint64         delay_us,
                                  GVariant      *result,
                                  GCancellable  *cancellable,
                                  GError       **error) G_GNUC_WARN_UNUSED_RESULT;
TaTask *ta_test_spawn_error      (TaRunner      *runner,
                                  gint64         delay_us,
                                  GQuark         domain,
                                  gint           code,
                                  const char    *message,
                                  GError       **error) G_GNUC_WARN_UNUSED_RESULT;
TaTask *ta_test_spawn_block      (TaRunner      *runner,
                                  gint64         delay_us,
                                  TaEvent       *entered,
                                  TaEvent       *release,
                                  GError       **error) G_GNUC_WARN_UNUSED_RESULT;
TaTask *ta_test_spawn_set_event  (TaRunner      *runner,
                                  gint64         delay_us,
                                  TaEvent       *event,
                                  GError       **error) G_GNUC_WARN_UNUSED_RESULT;
TaTask *ta_test_spawn_set_future (TaRunner      *runner,
                                  gint64         delay_us,
                                  TaFuture      *future,
                                  GVariant      *value,
                                  GError       **error) G_GNUC_WARN_UNUSED_RESULT;
TaTask *ta_test_spawn_push_ints  (TaRunner      *runner,
                                  gint64         delay_us,
                                  TaQueue       *queue,
                                  guint          n_items,
                                  gboolean       close,
                                  GError       **error) G_GNUC_WARN_UNUSED_RESULT;
TaTask *ta_test_spawn_echo       (TaRunner      *runner,
                                  TaQueue       *in_queue,
                                  TaQueue       *out_queue,
                                  GError       **error) G_GNUC_WARN_UNUSED_RESULT;
TaTask *ta_test_spawn_client     (TaServer      *server,
                                  const char    *method,
                                  guint          n_requests,
                                  TaQueue       *answers,
                                  GError       **error) G_GNUC_WARN_UNUSED_RESULT;
void    ta_test_executor_run_value_async (TaExecutor          *executor,
                                          GVariant            *value,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
/**
 * TaTestDoneFunc:
 * @result: (nullable): what the job returned
 * @error: (nullable): the job's error
 * @user_data: the data given with the function
 *
 * A [callback@Ta.ExecutorDoneFunc], declared again here, where the scanner
 * resolves it.
 */
typedef void (*TaTestDoneFunc) (gpointer      result,
                                const GError *error,
                                gpointer      user_data);

gboolean ta_test_executor_invoke_check (TaExecutor          *executor,
                                        gint                 value,
                                        TaTestDoneFunc       done,
                                        gpointer             done_data,
                                        GDestroyNotify       done_data_destroy,
                                        GError             **error);

gboolean ta_test_offload_inout   (gint          *number,
                                  char         **text,
                                  char        ***words,
                                  guint         *n_chars);
GList   *ta_test_offload_lists   (GSList        *words,
                                  const char    *prefix,
                                  GSList       **prefixed);

G_END_DECLS
