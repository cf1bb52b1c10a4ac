/* ta-request.c: a client's request, answered by a server
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * TaRequest:
 *
 * What a [class@Ta.Client] asked a [class@Ta.Server]: a method name,
 * [struct@GLib.Variant] parameters, and an optional payload value that
 * bindings use to carry their own objects (the Python layer puts a
 * function and its arguments there).
 *
 * The server's handler answers it exactly once, with a value
 * ([method@Ta.Request.return_value], [method@Ta.Request.return_variant]) or
 * an error ([method@Ta.Request.return_error]), right away or later: a
 * handler may keep a reference and answer in a later frame. Until then the
 * client waits. Answering twice is a programmer error. A request dropped
 * without an answer fails its client with %TA_ERROR_ABANDONED rather than
 * leaving it waiting forever.
 *
 * ```c
 * static gboolean
 * handle_request (TaServer *server, TaRequest *request)
 * {
 *   if (g_str_equal (ta_request_get_method (request), "increment"))
 *     {
 *       gint32 number;
 *
 *       g_variant_get (ta_request_get_parameters (request), "(i)", &number);
 *       ta_request_return_variant (request, g_variant_new_int32 (number + 1));
 *       return TRUE;
 *     }
 *   return FALSE;
 * }
 * ```
 *
 * ## Thread safety
 *
 * Every method may be called from any thread: a request is normally
 * handled on the thread that calls [method@Ta.Server.process], and may be
 * answered from another.
 */

#include "config.h"

#include "ta-error.h"
#include "ta-request-private.h"
#include "ta-value-private.h"

struct _TaRequest
{
  GObject        parent_instance;

  char          *method;        /* immutable */
  GVariant      *parameters;    /* immutable, nullable */
  GValue         payload;       /* immutable, maybe unset */
  GCancellable  *cancellable;   /* immutable, nullable: the client's */
  TaFuture      *future;        /* immutable; its state is the answer */
};

G_DEFINE_FINAL_TYPE (TaRequest, ta_request, G_TYPE_OBJECT)

static void
ta_request_finalize (GObject *object)
{
  TaRequest *self = TA_REQUEST (object);

  /* Dropped unanswered: the client must not wait forever. Setting a
   * future runs no user code here, it only posts completions. */
  if (!ta_future_is_done (self->future))
    ta_future_take_error (self->future,
                          g_error_new (TA_ERROR, TA_ERROR_ABANDONED,
                                       "Request “%s” was dropped without an answer",
                                       self->method));

  g_clear_object (&self->future);
  g_clear_pointer (&self->parameters, g_variant_unref);
  if (G_IS_VALUE (&self->payload))
    g_value_unset (&self->payload);
  g_clear_object (&self->cancellable);
  g_free (self->method);

  G_OBJECT_CLASS (ta_request_parent_class)->finalize (object);
}

static void
ta_request_class_init (TaRequestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ta_request_finalize;
}

static void
ta_request_init (TaRequest *self)
{
}

TaRequest *
ta_request_new_internal (const char   *method,
                         GVariant     *parameters,
                         const GValue *payload,
                         GCancellable *cancellable)
{
  TaRequest *self = g_object_new (TA_TYPE_REQUEST, NULL);

  self->method = g_strdup (method);
  if (parameters != NULL)
    self->parameters = g_variant_ref_sink (parameters);
  if (payload != NULL)
    {
      g_value_init (&self->payload, G_VALUE_TYPE (payload));
      g_value_copy (payload, &self->payload);
    }
  if (cancellable != NULL)
    self->cancellable = g_object_ref (cancellable);
  self->future = ta_future_new ();

  return self;
}

TaFuture *
ta_request_get_future (TaRequest *self)
{
  return self->future;
}

/**
 * ta_request_get_method:
 * @self: a request
 *
 * Gets what the client asked for.
 *
 * Any thread.
 *
 * Returns: (transfer none): the method name
 */
const char *
ta_request_get_method (TaRequest *self)
{
  g_return_val_if_fail (TA_IS_REQUEST (self), NULL);

  return self->method;
}

/**
 * ta_request_get_parameters:
 * @self: a request
 *
 * Gets the parameters the client gave.
 *
 * Any thread.
 *
 * Returns: (transfer none) (nullable): the parameters
 */
GVariant *
ta_request_get_parameters (TaRequest *self)
{
  g_return_val_if_fail (TA_IS_REQUEST (self), NULL);

  return self->parameters;
}

/**
 * ta_request_get_payload:
 * @self: a request
 * @value: (out caller-allocates): a #GValue for the payload (what it held
 *   is released); without a payload it holds a %NULL pointer
 *
 * Gets a copy of the payload the client attached, if any.
 *
 * Any thread.
 *
 * Returns: %TRUE with @value set, %FALSE if there is no payload
 */
gboolean
ta_request_get_payload (TaRequest *self,
                        GValue    *value)
{
  g_return_val_if_fail (TA_IS_REQUEST (self), FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (!G_IS_VALUE (&self->payload))
    {
      ta_value_out_fail (value);
      return FALSE;
    }

  ta_value_out_reset (value);
  g_value_init (value, G_VALUE_TYPE (&self->payload));
  g_value_copy (&self->payload, value);

  return TRUE;
}

/**
 * ta_request_get_cancellable:
 * @self: a request
 *
 * Gets the cancellable the client waits with: a handler that keeps a
 * request for later can check it to skip requests nobody waits for.
 *
 * Any thread.
 *
 * Returns: (transfer none) (nullable): the client's cancellable
 */
GCancellable *
ta_request_get_cancellable (TaRequest *self)
{
  g_return_val_if_fail (TA_IS_REQUEST (self), NULL);

  return self->cancellable;
}

/**
 * ta_request_is_answered:
 * @self: a request
 *
 * Checks whether the request has been answered.
 *
 * Any thread.
 *
 * Returns: %TRUE if it has
 */
gboolean
ta_request_is_answered (TaRequest *self)
{
  g_return_val_if_fail (TA_IS_REQUEST (self), FALSE);

  return ta_future_is_done (self->future);
}

static gboolean
ta_request_check_unanswered (TaRequest  *self,
                             const char *function)
{
  if (!ta_future_is_done (self->future))
    return TRUE;

  g_critical ("%s: request “%s” was already answered; a request is answered once",
              function, self->method);
  return FALSE;
}

/**
 * ta_request_return_value:
 * @self: a request
 * @value: the answer: a basic value, a #GVariant or a #GObject
 * @error: return location for a #GError
 *
 * Answers the request: the client's wait completes with a copy of @value.
 * A value that cannot cross threads is refused with
 * %TA_ERROR_INVALID_VALUE, and the request stays unanswered.
 *
 * Any thread. Answering twice is a programmer error.
 *
 * Returns: %TRUE if the request was answered
 */
gboolean
ta_request_return_value (TaRequest     *self,
                         const GValue  *value,
                         GError       **error)
{
  g_return_val_if_fail (TA_IS_REQUEST (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!ta_request_check_unanswered (self, G_STRFUNC))
    return FALSE;

  return ta_future_set_value (self->future, value, error);
}

/**
 * ta_request_return_variant:
 * @self: a request
 * @result: the answer; a floating reference is consumed
 *
 * Answers the request with a [struct@GLib.Variant], the usual answer for
 * data.
 *
 * Any thread. Answering twice is a programmer error.
 *
 * Returns: %TRUE if the request was answered
 */
gboolean
ta_request_return_variant (TaRequest *self,
                           GVariant  *result)
{
  GValue value = G_VALUE_INIT;
  gboolean ret;

  g_return_val_if_fail (TA_IS_REQUEST (self), FALSE);
  g_return_val_if_fail (result != NULL, FALSE);

  g_variant_ref_sink (result);
  if (!ta_request_check_unanswered (self, G_STRFUNC))
    {
      g_variant_unref (result);
      return FALSE;
    }

  g_value_init (&value, G_TYPE_VARIANT);
  g_value_take_variant (&value, result);
  ret = ta_future_set_value (self->future, &value, NULL);
  g_value_unset (&value);

  return ret;
}

/**
 * ta_request_return_error:
 * @self: a request
 * @error: the error to fail the client's request with
 *
 * Answers the request with an error: the client's wait fails with a copy
 * of @error, which keeps its domain and code.
 *
 * Any thread. Answering twice is a programmer error.
 *
 * Returns: %TRUE if the request was answered
 */
gboolean
ta_request_return_error (TaRequest    *self,
                         const GError *error)
{
  g_return_val_if_fail (TA_IS_REQUEST (self), FALSE);
  g_return_val_if_fail (error != NULL, FALSE);

  if (!ta_request_check_unanswered (self, G_STRFUNC))
    return FALSE;

  return ta_future_set_error (self->future, error);
}
