/* ta-server.h: the deciding side of control inversion
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TA_INSIDE) && !defined(TA_COMPILATION)
# error "Only <ta-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "ta-client.h"
#include "ta-request.h"
#include "ta-runner.h"
#include "ta-types.h"
#include "ta-version-macros.h"

G_BEGIN_DECLS

#define TA_TYPE_SERVER (ta_server_get_type ())

TA_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (TaServer, ta_server, TA, SERVER, GObject)

/**
 * TaServerClass::handle_request:
 * @self: the server
 * @request: (transfer none): the request taken from the queue
 *
 * Handles a request taken by [method@Ta.Server.process]. Override it to
 * answer requests by [method@Ta.Request.get_method] and
 * [method@Ta.Request.get_parameters]: answer with
 * [method@Ta.Request.return_variant], [method@Ta.Request.return_value] or
 * [method@Ta.Request.return_error], right away or later (keep a reference
 * to @request then). It is the class handler of
 * [signal@Ta.Server::handle-request], called after the signal's connected
 * handlers unless one of them took the request; the default one takes
 * nothing.
 *
 * Runs on the thread that called [method@Ta.Server.process].
 *
 * Returns: %TRUE if it took the request (answered it, or kept it to
 *   answer later); %FALSE if not, and the client of a request nobody took
 *   fails with %TA_ERROR_FAILED
 */

/**
 * TaServerClass:
 * @parent_class: the parent class
 * @handle_request: handles a request taken by [method@Ta.Server.process],
 *   on the thread that called it; returns %TRUE if it took the request
 *   (answered it, or kept it to answer later). It is the class handler of
 *   [signal@Ta.Server::handle-request].
 *
 * The class of [class@Ta.Server], subclassed to handle requests.
 */
struct _TaServerClass
{
  GObjectClass parent_class;

  gboolean (*handle_request) (TaServer  *self,
                              TaRequest *request);

  /*< private >*/
  gpointer padding[12];
};

TA_AVAILABLE_IN_ALL
TaServer  *ta_server_new            (TaRunner      *runner,
                                     guint          queue_size) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
gboolean   ta_server_start          (TaServer      *self,
                                     GError       **error);
TA_AVAILABLE_IN_ALL
gboolean   ta_server_stop           (TaServer      *self,
                                     GError       **error);
TA_AVAILABLE_IN_ALL
TaRunner  *ta_server_get_runner     (TaServer      *self);
TA_AVAILABLE_IN_ALL
guint      ta_server_get_queue_size (TaServer      *self);
TA_AVAILABLE_IN_ALL
guint      ta_server_get_n_pending  (TaServer      *self);
TA_AVAILABLE_IN_ALL
TaClient  *ta_server_create_client  (TaServer      *self) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
TaTask    *ta_server_spawn          (TaServer      *self,
                                     const char    *name,
                                     TaTaskFunc     func,
                                     gpointer       user_data,
                                     GDestroyNotify user_data_destroy,
                                     gint64         timeout_us,
                                     GError       **error) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
gboolean   ta_server_process        (TaServer      *self,
                                     gint64         timeout_us,
                                     GError       **error);

G_END_DECLS
