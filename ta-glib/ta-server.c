/* ta-server.c: the deciding side of control inversion
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * TaServer:
 *
 * Control inversion: async code on a runner makes requests as if it
 * called a server ([class@Ta.Client]), while the thread that owns the
 * server, typically a main loop or a game loop's "update", decides when
 * each request is handled by calling [method@Ta.Server.process]. The
 * client stays suspended until its request is answered.
 *
 * ```c
 * // The cookbook: let the client run one request per frame.
 * g_autoptr(TaServer) server = g_object_new (MY_TYPE_SERVER, NULL);
 * g_autoptr(TaClient) client = ta_server_create_client (server);
 * g_autoptr(TaTask) task = NULL;
 *
 * ta_server_start (server, &error);
 * task = ta_server_spawn (server, "client_code", client_code, client, NULL,
 *                         TA_TIMEOUT_DEFAULT, &error);
 * for (int i = 0; i < 3; i++)
 *   {
 *     g_print ("Processing new client requests\n");
 *     ta_server_process (server, TA_TIMEOUT_DEFAULT, &error);
 *   }
 * ta_server_stop (server, &error);
 * ```
 *
 * Requests are handled by the [vfunc@Ta.Server.handle_request] virtual
 * function, for subclasses, or by handlers of
 * [signal@Ta.Server::handle-request], for functions in C and for Python
 * and GJS. Either answers the [class@Ta.Request] now or keeps it and
 * answers it in a later frame. The request queue is bounded
 * ([property@Ta.Server:queue-size]), so clients that ask faster than the
 * server processes wait.
 *
 * A server owns its runner, created with it, or is given one. Spawning a
 * client task with [method@Ta.Server.spawn] returns only once the loop has
 * caught up, so the task's first request is already queued; and
 * [method@Ta.Server.process] lets the loop catch up before looking at the
 * queue, so a client's next request, made as soon as it got its answer, is
 * seen by the next call.
 *
 * ## Thread safety
 *
 * [method@Ta.Server.process] may be called from any thread but the
 * runner's, and the handler runs on the thread that calls it: that is the
 * point. Other methods may be called from any thread.
 */

#include "config.h"

#include "ta-callback-private.h"
#include "ta-enums.h"
#include "ta-error.h"
#include "ta-marshal.h"
#include "ta-queue.h"
#include "ta-server-private.h"

#define DEFAULT_QUEUE_SIZE 10

typedef struct
{
  TaRunner *runner;        /* strong, immutable after construction */
  gboolean  owns_runner;   /* immutable */
  guint     queue_size;    /* immutable */
  TaQueue  *queue;         /* immutable: TaRequest, strong */
} TaServerPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (TaServer, ta_server, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RUNNER,
  PROP_QUEUE_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  HANDLE_REQUEST,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
ta_server_real_handle_request (TaServer  *self,
                               TaRequest *request)
{
  return FALSE;
}

static void
ta_server_constructed (GObject *object)
{
  TaServer *self = TA_SERVER (object);
  TaServerPrivate *priv = ta_server_get_instance_private (self);

  G_OBJECT_CLASS (ta_server_parent_class)->constructed (object);

  if (priv->runner == NULL)
    {
      priv->runner = ta_runner_new ("ta-server");
      priv->owns_runner = TRUE;
    }
  priv->queue = ta_queue_new_full (priv->queue_size, g_object_unref);
}

static void
ta_server_dispose (GObject *object)
{
  TaServer *self = TA_SERVER (object);
  TaServerPrivate *priv = ta_server_get_instance_private (self);

  /* Requests left behind fail their clients instead of hanging them. */
  if (priv->queue != NULL)
    ta_queue_close (priv->queue);

  G_OBJECT_CLASS (ta_server_parent_class)->dispose (object);
}

static void
ta_server_finalize (GObject *object)
{
  TaServer *self = TA_SERVER (object);
  TaServerPrivate *priv = ta_server_get_instance_private (self);

  g_clear_object (&priv->queue);
  /* An owned runner still running is stopped by its own finalization. */
  g_clear_object (&priv->runner);

  G_OBJECT_CLASS (ta_server_parent_class)->finalize (object);
}

static void
ta_server_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  TaServer *self = TA_SERVER (object);
  TaServerPrivate *priv = ta_server_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_RUNNER:
      g_value_set_object (value, priv->runner);
      break;

    case PROP_QUEUE_SIZE:
      g_value_set_uint (value, priv->queue_size);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ta_server_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  TaServer *self = TA_SERVER (object);
  TaServerPrivate *priv = ta_server_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_RUNNER:
      priv->runner = g_value_dup_object (value);
      break;

    case PROP_QUEUE_SIZE:
      priv->queue_size = g_value_get_uint (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ta_server_class_init (TaServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = ta_server_constructed;
  object_class->dispose = ta_server_dispose;
  object_class->finalize = ta_server_finalize;
  object_class->get_property = ta_server_get_property;
  object_class->set_property = ta_server_set_property;

  klass->handle_request = ta_server_real_handle_request;

  /**
   * TaServer:runner:
   *
   * The runner that the server's clients run on. When none is given at
   * construction, the server creates one and owns it:
   * [method@Ta.Server.start] and [method@Ta.Server.stop] start and stop it.
   */
  properties[PROP_RUNNER] =
    g_param_spec_object ("runner", NULL, NULL,
                         TA_TYPE_RUNNER,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * TaServer:queue-size:
   *
   * How many requests may wait to be processed before clients wait for
   * room, or 0 for no limit. Ten by default.
   */
  properties[PROP_QUEUE_SIZE] =
    g_param_spec_uint ("queue-size", NULL, NULL,
                       0, G_MAXUINT, DEFAULT_QUEUE_SIZE,
                       (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                        G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TaServer::handle-request:
   * @self: the server
   * @request: the request to handle
   *
   * Emitted by [method@Ta.Server.process] for the request it took, on the
   * thread that called it (never on the runner thread), so that Python
   * and GJS can handle requests on their main thread. A handler that takes
   * the request, answering it now or keeping it for later, returns %TRUE,
   * which stops the emission. A request nobody takes is answered with
   * %TA_ERROR_FAILED.
   *
   * Returns: %TRUE if the request was taken
   */
  signals[HANDLE_REQUEST] =
    g_signal_new ("handle-request",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  G_STRUCT_OFFSET (TaServerClass, handle_request),
                  g_signal_accumulator_true_handled, NULL,
                  _ta_marshal_BOOLEAN__OBJECT,
                  G_TYPE_BOOLEAN, 1, TA_TYPE_REQUEST);
  g_signal_set_va_marshaller (signals[HANDLE_REQUEST],
                              G_TYPE_FROM_CLASS (klass),
                              _ta_marshal_BOOLEAN__OBJECTv);
}

static void
ta_server_init (TaServer *self)
{
  TaServerPrivate *priv = ta_server_get_instance_private (self);

  priv->queue_size = DEFAULT_QUEUE_SIZE;
}

TaQueue *
ta_server_get_queue (TaServer *self)
{
  TaServerPrivate *priv = ta_server_get_instance_private (self);

  return priv->queue;
}

/**
 * ta_server_new:
 * @runner: (nullable): the runner for the clients, or %NULL for the
 *   server to create and own one
 * @queue_size: how many requests may wait, or 0 for no limit
 *
 * Creates a server. Subclasses are created with g_object_new() and the
 * [property@Ta.Server:runner] and [property@Ta.Server:queue-size]
 * properties.
 *
 * Any thread.
 *
 * Returns: (transfer full): a new server
 */
TaServer *
ta_server_new (TaRunner *runner,
               guint     queue_size)
{
  g_return_val_if_fail (runner == NULL || TA_IS_RUNNER (runner), NULL);

  return g_object_new (TA_TYPE_SERVER,
                       "runner", runner,
                       "queue-size", queue_size,
                       NULL);
}

/**
 * ta_server_start:
 * @self: a server
 * @error: return location for a #GError
 *
 * Starts the server's own runner; a runner given at construction must be
 * running already.
 *
 * Any thread.
 *
 * Returns: %TRUE if the server's runner runs
 */
gboolean
ta_server_start (TaServer  *self,
                 GError   **error)
{
  TaServerPrivate *priv;

  g_return_val_if_fail (TA_IS_SERVER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  priv = ta_server_get_instance_private (self);

  if (priv->owns_runner)
    return ta_runner_start (priv->runner, error);

  if (!ta_runner_is_running (priv->runner))
    {
      g_set_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING,
                   "The runner “%s” given to the server is not running",
                   ta_runner_get_name (priv->runner));
      return FALSE;
    }

  return TRUE;
}

/**
 * ta_server_stop:
 * @self: a server
 * @error: return location for a #GError
 *
 * Stops the server. Its own runner stops first, cancelling the client
 * tasks (see [method@Ta.Runner.stop] for what that reports); then its
 * request queue closes: clients asking from now on fail with
 * %TA_ERROR_NOT_RUNNING, and requests still queued are dropped, failing
 * clients still waiting for them with %TA_ERROR_ABANDONED. A runner given
 * at construction keeps running.
 *
 * Any thread but the runner thread.
 *
 * Returns: %TRUE if the server stopped cleanly
 */
gboolean
ta_server_stop (TaServer  *self,
                GError   **error)
{
  TaServerPrivate *priv;
  gpointer request;
  gboolean ret = TRUE;

  g_return_val_if_fail (TA_IS_SERVER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  priv = ta_server_get_instance_private (self);

  /* An owned runner stops first, so that its client tasks end cancelled,
   * as the stop means, rather than failed by their dropped requests. */
  if (priv->owns_runner)
    ret = ta_runner_stop (priv->runner, error);

  ta_queue_close (priv->queue);
  while ((request = ta_queue_try_pop (priv->queue, NULL)) != NULL)
    g_object_unref (request);

  return ret;
}

/**
 * ta_server_get_runner:
 * @self: a server
 *
 * Gets the runner the server's clients run on.
 *
 * Any thread.
 *
 * Returns: (transfer none): the runner
 */
TaRunner *
ta_server_get_runner (TaServer *self)
{
  TaServerPrivate *priv;

  g_return_val_if_fail (TA_IS_SERVER (self), NULL);

  priv = ta_server_get_instance_private (self);

  return priv->runner;
}

/**
 * ta_server_get_queue_size:
 * @self: a server
 *
 * Gets [property@Ta.Server:queue-size].
 *
 * Any thread.
 *
 * Returns: the size of the request queue, 0 for unbounded
 */
guint
ta_server_get_queue_size (TaServer *self)
{
  TaServerPrivate *priv;

  g_return_val_if_fail (TA_IS_SERVER (self), 0);

  priv = ta_server_get_instance_private (self);

  return priv->queue_size;
}

/**
 * ta_server_get_n_pending:
 * @self: a server
 *
 * Gets how many requests wait to be processed, not counting those that
 * wait for room in a full queue.
 *
 * Any thread.
 *
 * Returns: the number of queued requests
 */
guint
ta_server_get_n_pending (TaServer *self)
{
  TaServerPrivate *priv;

  g_return_val_if_fail (TA_IS_SERVER (self), 0);

  priv = ta_server_get_instance_private (self);

  return ta_queue_get_length (priv->queue);
}

/**
 * ta_server_create_client:
 * @self: a server
 *
 * Creates a client whose requests go to this server.
 *
 * Any thread.
 *
 * Returns: (transfer full): a new client
 */
TaClient *
ta_server_create_client (TaServer *self)
{
  g_return_val_if_fail (TA_IS_SERVER (self), NULL);

  return ta_client_new (self);
}

/**
 * ta_server_spawn:
 * @self: a server
 * @name: (nullable): a name for the task, or %NULL
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   the task function, run on the runner thread
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data
 * @timeout_us: how long to wait for the loop to catch up, in microseconds,
 *   or %TA_TIMEOUT_INFINITE, or %TA_TIMEOUT_DEFAULT
 * @error: return location for a #GError
 *
 * Spawns a task on the server's runner, like [method@Ta.Runner.spawn],
 * and returns only once the loop has caught up (see
 * [method@Ta.Runner.wait_idle]), so that the first request the task makes
 * right away is already queued.
 *
 * Any thread but the runner thread.
 *
 * Returns: (transfer full): the task, or %NULL with %TA_ERROR_NOT_RUNNING,
 *   %TA_ERROR_TIMEOUT (the task was spawned but the loop did not catch
 *   up; it is cancelled) or %TA_ERROR_WOULD_DEADLOCK
 */
TaTask *
ta_server_spawn (TaServer       *self,
                 const char     *name,
                 TaTaskFunc      func,
                 gpointer        user_data,
                 GDestroyNotify  user_data_destroy,
                 gint64          timeout_us,
                 GError        **error)
{
  TaServerPrivate *priv;
  g_autoptr(TaTask) task = NULL;

  g_return_val_if_fail (TA_IS_SERVER (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (timeout_us >= TA_TIMEOUT_DEFAULT, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  priv = ta_server_get_instance_private (self);

  /* Checked here first, so that a refusal names the function called. */
  if (!ta_callback_check_portable (func, "ta_server_spawn", user_data,
                                   user_data_destroy, error))
    return NULL;

  if (ta_runner_is_runner_thread (priv->runner))
    {
      if (user_data_destroy != NULL)
        user_data_destroy (user_data);
      g_set_error_literal (error, TA_ERROR, TA_ERROR_WOULD_DEADLOCK,
                           "ta_server_spawn() waits for the runner's loop: "
                           "call it from another thread, or use ta_runner_spawn()");
      return NULL;
    }

  task = ta_runner_spawn (priv->runner, name, func, user_data, user_data_destroy, NULL, error);
  if (task == NULL)
    return NULL;

  if (!ta_runner_wait_idle (priv->runner, timeout_us, error))
    {
      ta_task_cancel (task);
      return NULL;
    }

  return g_steal_pointer (&task);
}

/**
 * ta_server_process:
 * @self: a server
 * @timeout_us: how long to wait for the loop to catch up, in microseconds,
 *   or %TA_TIMEOUT_INFINITE, or %TA_TIMEOUT_DEFAULT for the runner's
 *   [property@Ta.Runner:default-call-timeout]
 * @error: return location for a #GError
 *
 * Handles at most one pending request: takes the oldest queued request
 * — when none is queued, after letting the runner's loop catch up, so
 * that clients have reacted to what happened since — and emits
 * [signal@Ta.Server::handle-request] for it on this thread. It never
 * waits for a request to arrive: with none queued, it returns %FALSE.
 *
 * When the handler answered the request, the loop catches up once more
 * before this returns, so the client has reacted to the answer (its next
 * request is queued, what it prints is printed) by then: a frame that
 * processes a request sees its effect. A request kept to be answered
 * later is not waited for.
 *
 * The timeout bounds each catching up, which takes as long as the loop
 * is busy. The second one only ends early on a timeout, without error:
 * the request was handled, and the next call reports a loop that stays
 * busy.
 *
 * Any thread but the runner thread; the handler runs on this thread.
 *
 * Returns: %TRUE if a request was handled, %FALSE if there was none or
 *   with @error set (%TA_ERROR_TIMEOUT, %TA_ERROR_NOT_RUNNING,
 *   %TA_ERROR_WOULD_DEADLOCK)
 */
gboolean
ta_server_process (TaServer  *self,
                   gint64     timeout_us,
                   GError   **error)
{
  TaServerPrivate *priv;
  g_autoptr(TaRequest) request = NULL;
  gboolean handled = FALSE;

  g_return_val_if_fail (TA_IS_SERVER (self), FALSE);
  g_return_val_if_fail (timeout_us >= TA_TIMEOUT_DEFAULT, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  priv = ta_server_get_instance_private (self);

  /* A request already queued needs no catching up to be seen: the
   * previous call caught up after its answer. Only an empty queue waits
   * for the loop, to see requests that are on their way. */
  if (!ta_queue_is_empty (priv->queue) &&
      ta_runner_is_running (priv->runner) &&
      !ta_runner_is_runner_thread (priv->runner))
    request = ta_queue_try_pop (priv->queue, NULL);

  if (request == NULL)
    {
      if (!ta_runner_wait_idle (priv->runner, timeout_us, error))
        return FALSE;

      request = ta_queue_try_pop (priv->queue, NULL);
      if (request == NULL)
        return FALSE;
    }

  g_signal_emit (self, signals[HANDLE_REQUEST], 0, request, &handled);

  if (!handled && !ta_request_is_answered (request))
    {
      GError *unhandled = g_error_new (TA_ERROR, TA_ERROR_FAILED,
                                       "No handler took request “%s”",
                                       ta_request_get_method (request));

      ta_request_return_error (request, unhandled);
      g_error_free (unhandled);
    }

  if (ta_request_is_answered (request))
    ta_runner_wait_idle (priv->runner, timeout_us, NULL);

  return TRUE;
}
