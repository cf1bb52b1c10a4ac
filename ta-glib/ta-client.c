/* ta-client.c: async code's side of control inversion
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * TaClient:
 *
 * The side of control inversion that asks. Async code, usually a task on
 * the server's runner, calls [method@Ta.Client.execute_async] as if it
 * called a remote service; the request waits in the server's bounded queue
 * until the thread that owns the [class@Ta.Server] decides to
 * [method@Ta.Server.process] it, and the client resumes with the answer.
 *
 * ```c
 * static void
 * incremented_cb (GObject *client, GAsyncResult *result, gpointer user_data)
 * {
 *   g_autoptr(GTask) task = user_data;
 *   g_auto(GValue) answer = G_VALUE_INIT;
 *   GError *error = NULL;
 *
 *   if (!ta_client_execute_finish (TA_CLIENT (client), result, &answer, &error))
 *     return g_task_return_error (task, error);
 *   g_print ("Client got: %d\n", g_variant_get_int32 (g_value_get_variant (&answer)));
 *   g_task_return_boolean (task, TRUE);
 * }
 *
 * ta_client_execute_async (client, "increment", g_variant_new ("(i)", 0), NULL,
 *                          cancellable, incremented_cb, g_object_ref (task));
 * ```
 *
 * When the queue is full, the request waits for room: a client that asks
 * faster than the server processes slows down. Errors the handler answers
 * with reach the client with their domain and code; a request the server
 * drops unanswered fails with %TA_ERROR_ABANDONED, and one made after the
 * server stopped with %TA_ERROR_NOT_RUNNING.
 *
 * ## Thread safety
 *
 * Every method may be called from any thread; the callback runs in the
 * thread-default main context of the caller.
 */

#include "config.h"

#include "ta-error.h"
#include "ta-request-private.h"
#include "ta-value-private.h"
#include "ta-server-private.h"

struct _TaClient
{
  GObject   parent_instance;

  TaServer *server;   /* strong, immutable */
};

G_DEFINE_FINAL_TYPE (TaClient, ta_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SERVER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ta_client_finalize (GObject *object)
{
  TaClient *self = TA_CLIENT (object);

  g_clear_object (&self->server);

  G_OBJECT_CLASS (ta_client_parent_class)->finalize (object);
}

static void
ta_client_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  TaClient *self = TA_CLIENT (object);

  switch (prop_id)
    {
    case PROP_SERVER:
      g_value_set_object (value, self->server);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ta_client_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  TaClient *self = TA_CLIENT (object);

  switch (prop_id)
    {
    case PROP_SERVER:
      self->server = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ta_client_class_init (TaClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ta_client_finalize;
  object_class->get_property = ta_client_get_property;
  object_class->set_property = ta_client_set_property;

  /**
   * TaClient:server:
   *
   * The server the client's requests go to.
   */
  properties[PROP_SERVER] =
    g_param_spec_object ("server", NULL, NULL,
                         TA_TYPE_SERVER,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ta_client_init (TaClient *self)
{
}

/**
 * ta_client_new:
 * @server: the server to send requests to
 *
 * Creates a client of @server; [method@Ta.Server.create_client] does the
 * same.
 *
 * Any thread.
 *
 * Returns: (transfer full): a new client
 */
TaClient *
ta_client_new (TaServer *server)
{
  g_return_val_if_fail (TA_IS_SERVER (server), NULL);

  return g_object_new (TA_TYPE_CLIENT, "server", server, NULL);
}

/**
 * ta_client_get_server:
 * @self: a client
 *
 * Gets the server of the client.
 *
 * Any thread.
 *
 * Returns: (transfer none): the server
 */
TaServer *
ta_client_get_server (TaClient *self)
{
  g_return_val_if_fail (TA_IS_CLIENT (self), NULL);

  return self->server;
}

static void
ta_client_answered_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TaFuture *future = TA_FUTURE (source);
  g_auto(GValue) value = G_VALUE_INIT;
  GError *error = NULL;

  if (!ta_future_wait_finish (future, result, &error) ||
      !ta_future_get_value (future, &value, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_value (task, &value);
}

/* The request is queued: from now on @task, whose reference this takes,
 * waits for the answer. */
static void
ta_client_wait_answer (GTask *task)
{
  TaRequest *request = g_task_get_task_data (task);
  TaFuture *future;

  /* From now on hold only the answer: the request belongs to the server,
   * and if it drops it unanswered, its finalization fails our wait. */
  future = g_object_ref (ta_request_get_future (request));
  g_task_set_task_data (task, future, g_object_unref);
  ta_future_wait_async (future, g_task_get_cancellable (task), ta_client_answered_cb, task);
}

static void
ta_client_queued_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TaRequest *request = g_task_get_task_data (task);
  GError *error = NULL;

  if (!ta_queue_push_finish (TA_QUEUE (source), result, &error))
    {
      if (g_error_matches (error, TA_ERROR, TA_ERROR_CLOSED))
        {
          g_clear_error (&error);
          g_set_error (&error, TA_ERROR, TA_ERROR_NOT_RUNNING,
                       "The server stopped before request “%s” could be queued",
                       ta_request_get_method (request));
        }
      g_task_return_error (task, error);
      return;
    }

  ta_client_wait_answer (g_steal_pointer (&task));
}

/**
 * ta_client_execute_async:
 * @self: a client
 * @method: what to ask for
 * @parameters: (nullable): the parameters; a floating reference is consumed
 * @payload: (nullable): a value for the handler, such as a binding's own
 *   object; it is copied
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: data for @callback
 *
 * Sends a request to the server and waits for the answer without
 * blocking. The request first waits for room in a full request queue (with
 * room, it is queued before this returns), then for the server to handle
 * and answer it; cancelling ends the wait
 * (a request already queued stays there, with its cancellable cancelled
 * for the handler to see).
 *
 * Any thread. The callback runs in the thread-default main context of the
 * caller, never from within this call.
 */
void
ta_client_execute_async (TaClient            *self,
                         const char          *method,
                         GVariant            *parameters,
                         const GValue        *payload,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  TaQueue *queue;
  TaRequest *request;

  g_return_if_fail (TA_IS_CLIENT (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ta_client_execute_async);
  g_task_set_name (task, "[ta-glib] ta_client_execute_async");

  request = ta_request_new_internal (method, parameters, payload, cancellable);
  g_task_set_task_data (task, g_object_ref (request), g_object_unref);
  queue = ta_server_get_queue (self->server);

  /* With room in the queue, the request is queued at once, without the
   * push's own completion and an iteration of the caller's loop to report
   * it. The queue takes a reference of its own, which it drops if there
   * is no room (or it is closed): then the push that waits takes over,
   * and reports a closed queue as any other push does. */
  if (!g_cancellable_is_cancelled (cancellable) &&
      ta_queue_try_push (queue, g_object_ref (request), NULL))
    {
      g_object_unref (request);
      ta_client_wait_answer (g_steal_pointer (&task));
      return;
    }

  /* The queue takes the request: freed with it if the push fails. */
  ta_queue_push_async (queue, request, cancellable,
                       ta_client_queued_cb, g_steal_pointer (&task));
}

/**
 * ta_client_execute_finish:
 * @self: a client
 * @result: the result given to the callback
 * @value: (out caller-allocates): a #GValue for the answer (what it held
 *   is released); on failure it holds a %NULL pointer
 * @error: return location for a #GError
 *
 * Finishes [method@Ta.Client.execute_async].
 *
 * Any thread, normally in the callback.
 *
 * Returns: %TRUE with @value set to the answer; %FALSE with the handler's
 *   error, %TA_ERROR_ABANDONED, %TA_ERROR_NOT_RUNNING or
 *   %G_IO_ERROR_CANCELLED
 */
gboolean
ta_client_execute_finish (TaClient      *self,
                          GAsyncResult  *result,
                          GValue        *value,
                          GError       **error)
{
  g_return_val_if_fail (TA_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ta_client_execute_async, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  ta_value_out_reset (value);
  if (!g_task_propagate_value (G_TASK (result), value, error))
    {
      ta_value_out_fail (value);
      return FALSE;
    }

  return TRUE;
}
