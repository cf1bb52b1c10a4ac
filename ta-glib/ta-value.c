/* ta-value.c: values that may cross threads
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-error.h"
#include "ta-value-private.h"

/*
 * ta_value_check_sendable:
 *
 * Checks that @value may be handed to another thread and released there.
 * Allowed: basic values (booleans, numbers, strings, enums, flags),
 * GVariant, GObject instances and boxed types, and NULL pointers. Refused,
 * with %TA_ERROR_INVALID_VALUE:
 *
 * - gjs's `JSObject` boxed type, what a plain JavaScript object becomes:
 *   releasing it on another thread while JS collects garbage crashes;
 * - raw non-NULL pointers and other types whose ownership is unknown.
 */
gboolean
ta_value_check_sendable (const GValue  *value,
                         GError       **error)
{
  GType type;

  if (value == NULL || !G_IS_VALUE (value))
    {
      g_set_error_literal (error, TA_ERROR, TA_ERROR_INVALID_VALUE,
                           "The value is not initialized");
      return FALSE;
    }

  type = G_VALUE_TYPE (value);

  if (G_TYPE_IS_BOXED (type) && g_str_equal (g_type_name (type), "JSObject"))
    {
      g_set_error_literal (error, TA_ERROR, TA_ERROR_INVALID_VALUE,
                           "A plain JavaScript object cannot cross threads: "
                           "pass a GLib.Variant (for data) or a GObject (for "
                           "handles) instead");
      return FALSE;
    }

  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN:
    case G_TYPE_CHAR:
    case G_TYPE_UCHAR:
    case G_TYPE_INT:
    case G_TYPE_UINT:
    case G_TYPE_LONG:
    case G_TYPE_ULONG:
    case G_TYPE_INT64:
    case G_TYPE_UINT64:
    case G_TYPE_FLOAT:
    case G_TYPE_DOUBLE:
    case G_TYPE_ENUM:
    case G_TYPE_FLAGS:
    case G_TYPE_STRING:
    case G_TYPE_VARIANT:
    case G_TYPE_OBJECT:
    case G_TYPE_INTERFACE:
    case G_TYPE_BOXED:
    case G_TYPE_PARAM:
      return TRUE;

    case G_TYPE_POINTER:
      if (g_value_get_pointer (value) == NULL)
        return TRUE;
      break;

    default:
      break;
    }

  g_set_error (error, TA_ERROR, TA_ERROR_INVALID_VALUE,
               "A value of type %s cannot cross threads: its ownership is unknown",
               g_type_name (type));
  return FALSE;
}

GValue *
ta_value_dup (const GValue *value)
{
  GValue *copy = g_new0 (GValue, 1);

  g_value_init (copy, G_VALUE_TYPE (value));
  g_value_copy (value, copy);

  return copy;
}

void
ta_value_free (gpointer value)
{
  g_value_unset (value);
  g_free (value);
}

/*
 * ta_value_out_reset:
 *
 * Readies an `(out caller-allocates)` value for a function to fill: a
 * value still holding something from before is released first, so that a
 * caller may reuse one GValue across calls.
 */
void
ta_value_out_reset (GValue *value)
{
  if (G_IS_VALUE (value))
    g_value_unset (value);
}

/*
 * ta_value_out_fail:
 *
 * What an `(out caller-allocates)` value holds when its function fails: a
 * %NULL pointer. It owns nothing, and bindings that convert out values
 * before they look at the error (gjs does) convert it to null instead of
 * choking on an unset value and losing the error.
 */
void
ta_value_out_fail (GValue *value)
{
  ta_value_out_reset (value);
  g_value_init (value, G_TYPE_POINTER);
}
