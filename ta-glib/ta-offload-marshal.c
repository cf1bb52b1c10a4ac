/* ta-offload-marshal.c: GValues to and from the arguments of an offloaded
 * call
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * The caller's GValues become GIArguments as the plan of the function says
 * (each a copy or a reference of its own, arrays and lists with their
 * elements and lengths), and what the function returned becomes GValues,
 * freeing what the caller owned of it as the transfer annotations say.
 * ta-offload.c makes the call in between.
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "ta-error.h"
#include "ta-offload-marshal-private.h"

#ifdef HAVE_GIREPOSITORY

/* ---------------------------------------------------------------------- */
/* Values in                                                              */
/* ---------------------------------------------------------------------- */

gboolean
ta_kind_is_pointer (TaKind kind)
{
  return kind == TA_KIND_STRING || kind >= TA_KIND_OBJECT;
}

/* The elements of a C array of pointers, or of a list, that the caller
 * owns once the callee has the container, or once the caller is done. */
void
ta_slot_free_elements (const TaSlot *slot,
                       GIArgument   *arg,
                       gsize         n)
{
  if (arg->v_pointer == NULL)
    return;

  switch (slot->kind)
    {
    case TA_KIND_STRV:
      for (char **s = arg->v_pointer; *s != NULL; s++)
        g_free (*s);
      break;
    case TA_KIND_STR_LIST:
      g_list_foreach (arg->v_pointer, (GFunc) (void (*) (void)) g_free, NULL);
      break;
    case TA_KIND_STR_SLIST:
      g_slist_foreach (arg->v_pointer, (GFunc) (void (*) (void)) g_free, NULL);
      break;
    case TA_KIND_ARRAY:
      if (ta_kind_is_pointer (slot->element->kind))
        for (gsize i = 0; i < n; i++)
          {
            gpointer element = ((gpointer *) arg->v_pointer)[i];

            if (element == NULL)
              continue;
            if (slot->element->kind == TA_KIND_OBJECT)
              g_object_unref (element);
            else if (slot->element->kind == TA_KIND_VARIANT)
              g_variant_unref (element);
            else
              g_boxed_free (slot->element->gtype, element);
          }
      break;
    case TA_KIND_LIST:
      g_list_foreach (arg->v_pointer, (GFunc) (void (*) (void)) g_object_unref, NULL);
      break;
    case TA_KIND_SLIST:
      g_slist_foreach (arg->v_pointer, (GFunc) (void (*) (void)) g_object_unref, NULL);
      break;
    default:
      break;
    }
}

/* Frees @arg, which the caller owns as @transfer says; @n is the length
 * of an array. */
void
ta_slot_free (const TaSlot *slot,
              GIArgument   *arg,
              gsize         n,
              GITransfer    transfer)
{
  gpointer p = arg->v_pointer;

  if (transfer == GI_TRANSFER_NOTHING || p == NULL)
    return;

  switch (slot->kind)
    {
    case TA_KIND_ARRAY:
      if (transfer == GI_TRANSFER_EVERYTHING)
        ta_slot_free_elements (slot, arg, n);
      g_free (p);
      break;
    case TA_KIND_LIST:
      if (transfer == GI_TRANSFER_EVERYTHING)
        g_list_free_full (p, g_object_unref);
      else
        g_list_free (p);
      break;
    case TA_KIND_SLIST:
      if (transfer == GI_TRANSFER_EVERYTHING)
        g_slist_free_full (p, g_object_unref);
      else
        g_slist_free (p);
      break;
    case TA_KIND_STRING:
    case TA_KIND_BYTES:
      g_free (p);
      break;
    case TA_KIND_OBJECT:
      g_object_unref (p);
      break;
    case TA_KIND_BOXED:
      g_boxed_free (slot->gtype, p);
      break;
    case TA_KIND_VARIANT:
      g_variant_unref (p);
      break;
    case TA_KIND_STRV:
      if (transfer == GI_TRANSFER_EVERYTHING)
        g_strfreev (p);
      else
        g_free (p);
      break;
    case TA_KIND_STR_LIST:
      if (transfer == GI_TRANSFER_EVERYTHING)
        g_list_free_full (p, g_free);
      else
        g_list_free (p);
      break;
    case TA_KIND_STR_SLIST:
      if (transfer == GI_TRANSFER_EVERYTHING)
        g_slist_free_full (p, g_free);
      else
        g_slist_free (p);
      break;
    default:
      break;
    }
}

static gboolean
ta_value_get_integer (const GValue *value,
                      gint64       *v,
                      guint64      *u,
                      gboolean     *is_unsigned)
{
  gdouble d;

  *is_unsigned = FALSE;
  switch (G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (value)))
    {
    case G_TYPE_CHAR: *v = g_value_get_schar (value); return TRUE;
    case G_TYPE_UCHAR: *v = g_value_get_uchar (value); return TRUE;
    case G_TYPE_INT: *v = g_value_get_int (value); return TRUE;
    case G_TYPE_UINT: *v = g_value_get_uint (value); return TRUE;
    case G_TYPE_LONG: *v = g_value_get_long (value); return TRUE;
    case G_TYPE_ULONG:
      *u = g_value_get_ulong (value);
      *is_unsigned = TRUE;
      return TRUE;
    case G_TYPE_INT64: *v = g_value_get_int64 (value); return TRUE;
    case G_TYPE_UINT64:
      *u = g_value_get_uint64 (value);
      *is_unsigned = TRUE;
      return TRUE;
    case G_TYPE_ENUM: *v = g_value_get_enum (value); return TRUE;
    case G_TYPE_FLAGS: *v = g_value_get_flags (value); return TRUE;
    case G_TYPE_FLOAT:
    case G_TYPE_DOUBLE:
      d = G_VALUE_HOLDS_FLOAT (value) ? g_value_get_float (value) : g_value_get_double (value);
      if (d != (gdouble) (gint64) d || d < -9.2e18 || d > 9.2e18)
        return FALSE;
      *v = (gint64) d;
      return TRUE;
    default:
      return FALSE;
    }
}

/* Stores an integer in @arg as @kind has it; FALSE if out of range. */
static gboolean
ta_arg_set_integer (TaKind      kind,
                    GIArgument *arg,
                    gint64      v,
                    guint64     u,
                    gboolean    is_unsigned)
{
  if (is_unsigned && u > G_MAXINT64)
    {
      if (kind != TA_KIND_UINT64)
        return FALSE;
      arg->v_uint64 = u;
      return TRUE;
    }
  if (is_unsigned)
    v = (gint64) u;

#define TA_RANGE(field, lo, hi) if (v < (lo) || v > (hi)) return FALSE; arg->field = v; return TRUE
  switch (kind)
    {
    case TA_KIND_INT8: TA_RANGE (v_int8, G_MININT8, G_MAXINT8);
    case TA_KIND_UINT8: TA_RANGE (v_uint8, 0, G_MAXUINT8);
    case TA_KIND_INT16: TA_RANGE (v_int16, G_MININT16, G_MAXINT16);
    case TA_KIND_UINT16: TA_RANGE (v_uint16, 0, G_MAXUINT16);
    case TA_KIND_INT32: TA_RANGE (v_int32, G_MININT32, G_MAXINT32);
    case TA_KIND_UINT32: TA_RANGE (v_uint32, 0, G_MAXUINT32);
    case TA_KIND_INT64: TA_RANGE (v_int64, G_MININT64, G_MAXINT64);
    case TA_KIND_UINT64: TA_RANGE (v_uint64, 0, G_MAXINT64);
    default: return FALSE;
    }
#undef TA_RANGE
}

/* Refuses objects that could bring JavaScript onto the worker: one whose
 * class or an ancestor is implemented in JavaScript (its virtual methods
 * are JavaScript), or one with signal handlers connected (they may be
 * JavaScript, and the call may emit the signal). A cancellable is
 * exempt: it is cancelled from the caller's side, not by the call. */
static gboolean
ta_object_check_native (const TaOffloadPlan  *plan,
                        const TaSlot         *slot,
                        GObject              *object,
                        GError              **error)
{
  static GQuark gjs_custom_type;

  if (gjs_custom_type == 0)
    gjs_custom_type = g_quark_from_static_string ("gjs::custom-type");

  for (GType type = G_OBJECT_TYPE (object); type != 0; type = g_type_parent (type))
    if (g_type_get_qdata (type, gjs_custom_type) != NULL)
      {
        g_set_error (error, TA_ERROR, TA_ERROR_WRONG_THREAD,
                     "%s: argument “%s” is a %s, implemented in JavaScript (%s): "
                     "its methods cannot run on a worker thread",
                     plan->name, slot->name, G_OBJECT_TYPE_NAME (object), g_type_name (type));
        return FALSE;
      }

  if (G_IS_CANCELLABLE (object))
    return TRUE;

  for (GType type = G_OBJECT_TYPE (object); type != 0; type = g_type_parent (type))
    {
      guint n_ifaces = 0;
      g_autofree GType *ifaces = g_type_interfaces (type, &n_ifaces);

      for (guint k = 0; k <= n_ifaces; k++)
        {
          guint n_ids = 0;
          g_autofree guint *ids = g_signal_list_ids (k < n_ifaces ? ifaces[k] : type, &n_ids);

          for (guint i = 0; i < n_ids; i++)
            if (g_signal_handler_find (object, G_SIGNAL_MATCH_ID, ids[i], 0, NULL, NULL, NULL) != 0)
              {
                g_set_error (error, TA_ERROR, TA_ERROR_WRONG_THREAD,
                             "%s: argument “%s”, a %s, has a handler connected to its "
                             "“%s” signal, which the call could run on a worker thread",
                             plan->name, slot->name, G_OBJECT_TYPE_NAME (object),
                             g_signal_name (ids[i]));
                return FALSE;
              }
        }
    }

  return TRUE;
}

static gboolean
ta_value_is_null (const GValue *value)
{
  GType type = G_VALUE_TYPE (value);

  if (type == G_TYPE_POINTER)
    return g_value_get_pointer (value) == NULL;
  if (type == G_TYPE_STRING)
    return g_value_get_string (value) == NULL;
  if (G_TYPE_FUNDAMENTAL (type) == G_TYPE_OBJECT)
    return g_value_get_object (value) == NULL;
  if (G_TYPE_FUNDAMENTAL (type) == G_TYPE_BOXED)
    return g_value_get_boxed (value) == NULL;
  if (type == G_TYPE_VARIANT)
    return g_value_get_variant (value) == NULL;

  return FALSE;
}

/* Arrays other than of bytes and strings are given and returned as
 * GValueArrays, deprecated in C but the one container GJS and PyGObject
 * both take from a GValue: PyGObject turns it into a list. */
static GType
ta_value_array_get_type (void)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  return g_value_array_get_type ();
  G_GNUC_END_IGNORE_DEPRECATIONS
}

/* The elements of an array or list argument, as GValues: a
 * GObject.ValueArray (what Python lists become), a GLib.Variant array of
 * numbers or booleans, or an empty string array (an empty list). */
static GArray *
ta_value_get_elements (const GValue *value)
{
  GType type = G_VALUE_TYPE (value);
  GArray *elements = g_array_new (FALSE, TRUE, sizeof (GValue));

  g_array_set_clear_func (elements, (GDestroyNotify) g_value_unset);

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (type == ta_value_array_get_type ())
    {
      GValueArray *array = g_value_get_boxed (value);

      g_array_set_size (elements, array->n_values);
      for (guint i = 0; i < array->n_values; i++)
        {
          GValue *element = &g_array_index (elements, GValue, i);

          /* An unset element is a null one. */
          if (!G_IS_VALUE (&array->values[i]))
            g_value_init (element, G_TYPE_POINTER);
          else
            {
              g_value_init (element, G_VALUE_TYPE (&array->values[i]));
              g_value_copy (&array->values[i], element);
            }
        }
      return elements;
    }
  G_GNUC_END_IGNORE_DEPRECATIONS

  if (type == G_TYPE_VARIANT && g_variant_is_container (g_value_get_variant (value)) &&
      g_variant_type_is_array (g_variant_get_type (g_value_get_variant (value))))
    {
      GVariant *variant = g_value_get_variant (value);
      gsize n = g_variant_n_children (variant);

      g_array_set_size (elements, n);
      for (gsize i = 0; i < n; i++)
        {
          g_autoptr(GVariant) child = g_variant_get_child_value (variant, i);

          g_dbus_gvariant_to_gvalue (child, &g_array_index (elements, GValue, i));
        }
      return elements;
    }

  if (type == G_TYPE_STRV && g_strv_length (g_value_get_boxed (value)) == 0)
    return elements;

  g_array_unref (elements);
  return NULL;
}

/* Fills @cell with a C array or list for @slot from @value. */
static gboolean
ta_cell_from_elements (const TaOffloadPlan  *plan,
                       const TaSlot         *slot,
                       const GValue         *value,
                       TaCell               *cell,
                       GError              **error)
{
  g_autoptr(GArray) elements = ta_value_get_elements (value);
  gsize size = slot->element_size;
  guint8 *array = NULL;
  GList *list = NULL;

  if (elements == NULL)
    {
      g_set_error (error, TA_ERROR, TA_ERROR_INVALID_VALUE,
                   "%s: argument “%s” expects %s (a GObject.ValueArray%s)%s, not %s",
                   plan->name, slot->name, slot->type_name,
                   slot->kind == TA_KIND_ARRAY && !ta_kind_is_pointer (slot->element->kind) ?
                   " or a GLib.Variant array" : "",
                   slot->nullable ? " or null" : "", G_VALUE_TYPE_NAME (value));
      return FALSE;
    }

  if (slot->fixed_size >= 0 && elements->len != (guint) slot->fixed_size)
    {
      g_set_error (error, TA_ERROR, TA_ERROR_INVALID_VALUE,
                   "%s: argument “%s” must hold %d elements, not %u",
                   plan->name, slot->name, slot->fixed_size, elements->len);
      return FALSE;
    }

  if (slot->kind == TA_KIND_ARRAY)
    array = g_malloc0 ((elements->len + 1) * size);   /* zero-terminated in any case */

  for (guint i = 0; i < elements->len; i++)
    {
      TaCell element = { 0 };

      if (!ta_cell_from_value (plan, slot->element, &g_array_index (elements, GValue, i),
                               &element, error))
        {
          GIArgument arg = { .v_pointer = array != NULL ? (gpointer) array : (gpointer) list };
          TaSlot partial = *slot;

          /* What was converted so far, a GList until the end. */
          if (array == NULL)
            partial.kind = TA_KIND_LIST;
          ta_slot_free (&partial, &arg, i, GI_TRANSFER_EVERYTHING);
          return FALSE;
        }
      if (array != NULL)
        memcpy (array + i * size, &element.in, size);
      else
        list = g_list_prepend (list, element.in.v_pointer);
    }

  cell->n_in = elements->len;
  if (slot->kind == TA_KIND_ARRAY)
    cell->in.v_pointer = array;
  else if (slot->kind == TA_KIND_LIST)
    cell->in.v_pointer = g_list_reverse (list);
  else
    {
      GSList *slist = NULL;

      /* A GSList of the GList's data, in order. */
      for (GList *l = list; l != NULL; l = l->next)
        slist = g_slist_prepend (slist, l->data);
      g_list_free (list);
      cell->in.v_pointer = slist;
    }

  return TRUE;
}

gboolean
ta_cell_from_value (const TaOffloadPlan  *plan,
                    const TaSlot         *slot,
                    const GValue         *value,
                    TaCell               *cell,
                    GError              **error)
{
  GType type = G_VALUE_TYPE (value);
  gint64 v = 0;
  guint64 u = 0;
  gboolean is_unsigned;
  GIArgument *arg = &cell->in;
  TaKind kind = slot->kind;

  if (ta_kind_is_pointer (kind) && ta_value_is_null (value))
    {
      if (slot->nullable)
        {
          arg->v_pointer = NULL;
          return TRUE;
        }
      else
        {
          g_set_error (error, TA_ERROR, TA_ERROR_INVALID_VALUE,
                       "%s: argument “%s” (%s) may not be null",
                       plan->name, slot->name, slot->type_name);
          return FALSE;
        }
    }

  if (kind == TA_KIND_ENUM || kind == TA_KIND_FLAGS)
    {
      if ((G_TYPE_IS_ENUM (type) || G_TYPE_IS_FLAGS (type)) && slot->gtype != G_TYPE_NONE &&
          !g_type_is_a (type, slot->gtype))
        goto wrong_type;
      kind = slot->storage;
    }

  switch (kind)
    {
    case TA_KIND_BOOLEAN:
      if (type != G_TYPE_BOOLEAN)
        goto wrong_type;
      arg->v_boolean = g_value_get_boolean (value);
      return TRUE;

    case TA_KIND_INT8:
    case TA_KIND_UINT8:
    case TA_KIND_INT16:
    case TA_KIND_UINT16:
    case TA_KIND_INT32:
    case TA_KIND_UINT32:
    case TA_KIND_INT64:
    case TA_KIND_UINT64:
      if (type == G_TYPE_BOOLEAN || !ta_value_get_integer (value, &v, &u, &is_unsigned))
        goto wrong_type;
      if (!ta_arg_set_integer (kind, arg, v, u, is_unsigned))
        {
          g_set_error (error, TA_ERROR, TA_ERROR_INVALID_VALUE,
                       "%s: argument “%s” (%s) is out of range",
                       plan->name, slot->name, slot->type_name);
          return FALSE;
        }
      return TRUE;

    case TA_KIND_FLOAT:
    case TA_KIND_DOUBLE:
      if (type == G_TYPE_DOUBLE || type == G_TYPE_FLOAT)
        {
          gdouble d = type == G_TYPE_DOUBLE ? g_value_get_double (value) : g_value_get_float (value);

          if (kind == TA_KIND_FLOAT)
            arg->v_float = d;
          else
            arg->v_double = d;
          return TRUE;
        }
      if (type == G_TYPE_BOOLEAN || !ta_value_get_integer (value, &v, &u, &is_unsigned))
        goto wrong_type;
      if (kind == TA_KIND_FLOAT)
        arg->v_float = is_unsigned ? (gfloat) u : (gfloat) v;
      else
        arg->v_double = is_unsigned ? (gdouble) u : (gdouble) v;
      return TRUE;

    case TA_KIND_GTYPE:
      if (type != G_TYPE_GTYPE)
        goto wrong_type;
      arg->v_size = g_value_get_gtype (value);
      return TRUE;

    case TA_KIND_UNICHAR:
      if (type == G_TYPE_STRING && g_utf8_strlen (g_value_get_string (value), -1) == 1)
        {
          arg->v_uint32 = g_utf8_get_char (g_value_get_string (value));
          return TRUE;
        }
      goto wrong_type;

    case TA_KIND_STRING:
      if (type != G_TYPE_STRING)
        goto wrong_type;
      arg->v_string = g_value_dup_string (value);
      return TRUE;

    case TA_KIND_OBJECT:
      if (!G_VALUE_HOLDS_OBJECT (value) ||
          !g_type_is_a (G_OBJECT_TYPE (g_value_get_object (value)), slot->gtype))
        goto wrong_type;
      if (!ta_object_check_native (plan, slot, g_value_get_object (value), error))
        return FALSE;
      arg->v_pointer = g_value_dup_object (value);
      return TRUE;

    case TA_KIND_BOXED:
      if (!g_type_is_a (type, slot->gtype))
        goto wrong_type;
      arg->v_pointer = g_value_dup_boxed (value);
      return TRUE;

    case TA_KIND_VARIANT:
      if (type != G_TYPE_VARIANT)
        goto wrong_type;
      arg->v_pointer = g_value_dup_variant (value);
      return TRUE;

    case TA_KIND_BYTES:
      if (type == G_TYPE_BYTES)
        {
          gsize n;
          gconstpointer data = g_bytes_get_data (g_value_get_boxed (value), &n);

          arg->v_pointer = g_malloc (n + 1);
          memcpy (arg->v_pointer, data, n);
          ((guint8 *) arg->v_pointer)[n] = 0;
          cell->n_in = n;
        }
      else if (type == G_TYPE_BYTE_ARRAY)
        {
          GByteArray *array = g_value_get_boxed (value);

          arg->v_pointer = g_malloc (array->len + 1);
          memcpy (arg->v_pointer, array->data, array->len);
          ((guint8 *) arg->v_pointer)[array->len] = 0;
          cell->n_in = array->len;
        }
      else if (type == G_TYPE_VARIANT &&
               g_variant_is_of_type (g_value_get_variant (value), G_VARIANT_TYPE_BYTESTRING))
        {
          gsize n;
          gconstpointer data = g_variant_get_fixed_array (g_value_get_variant (value), &n, 1);

          arg->v_pointer = g_malloc (n + 1);
          memcpy (arg->v_pointer, data, n);
          ((guint8 *) arg->v_pointer)[n] = 0;
          cell->n_in = n;
        }
      else
        goto wrong_type;
      if (slot->fixed_size >= 0 && cell->n_in != (gsize) slot->fixed_size)
        {
          g_set_error (error, TA_ERROR, TA_ERROR_INVALID_VALUE,
                       "%s: argument “%s” must hold %d bytes, not %" G_GSIZE_FORMAT,
                       plan->name, slot->name, slot->fixed_size, cell->n_in);
          g_clear_pointer (&arg->v_pointer, g_free);
          return FALSE;
        }
      return TRUE;

    case TA_KIND_STRV:
    case TA_KIND_STR_LIST:
    case TA_KIND_STR_SLIST:
      {
        char **strv;

        if (type == G_TYPE_STRV)
          strv = g_value_dup_boxed (value);
        else if (type == G_TYPE_VARIANT &&
                 g_variant_is_of_type (g_value_get_variant (value), G_VARIANT_TYPE_STRING_ARRAY))
          strv = g_variant_dup_strv (g_value_get_variant (value), NULL);
        else
          goto wrong_type;

        if (strv == NULL)
          strv = g_new0 (char *, 1);
        cell->n_in = g_strv_length (strv);
        if (kind == TA_KIND_STRV)
          {
            arg->v_pointer = strv;
            return TRUE;
          }

        arg->v_pointer = NULL;
        for (gsize i = cell->n_in; i > 0; i--)
          {
            if (kind == TA_KIND_STR_LIST)
              arg->v_pointer = g_list_prepend (arg->v_pointer, strv[i - 1]);
            else
              arg->v_pointer = g_slist_prepend (arg->v_pointer, strv[i - 1]);
          }
        g_free (strv);
        return TRUE;
      }

    case TA_KIND_ARRAY:
    case TA_KIND_LIST:
    case TA_KIND_SLIST:
      return ta_cell_from_elements (plan, slot, value, cell, error);

    case TA_KIND_CALLBACK:
      g_set_error (error, TA_ERROR, TA_ERROR_WRONG_THREAD,
                   "%s: argument “%s” is a callback (%s), which would run on a worker "
                   "thread: only null is accepted",
                   plan->name, slot->name, slot->type_name);
      return FALSE;

    default:
      break;
    }

wrong_type:
  g_set_error (error, TA_ERROR, TA_ERROR_INVALID_VALUE,
               "%s: argument “%s” expects %s%s, not %s",
               plan->name, slot->name, slot->type_name,
               slot->nullable ? " or null" : "",
               g_type_name (type));
  return FALSE;
}

void
ta_length_set (const TaSlot *slot,
               GIArgument   *arg,
               gsize         n)
{
  switch (slot->kind)
    {
    case TA_KIND_INT8: arg->v_int8 = n; break;
    case TA_KIND_UINT8: arg->v_uint8 = n; break;
    case TA_KIND_INT16: arg->v_int16 = n; break;
    case TA_KIND_UINT16: arg->v_uint16 = n; break;
    case TA_KIND_INT32: arg->v_int32 = n; break;
    case TA_KIND_UINT32: arg->v_uint32 = n; break;
    case TA_KIND_INT64: arg->v_int64 = n; break;
    case TA_KIND_UINT64: arg->v_uint64 = n; break;
    default: g_assert_not_reached ();
    }
}

gsize
ta_length_get (const TaSlot *slot,
               GIArgument   *arg)
{
  switch (slot->kind)
    {
    case TA_KIND_INT8: return MAX (arg->v_int8, 0);
    case TA_KIND_UINT8: return arg->v_uint8;
    case TA_KIND_INT16: return MAX (arg->v_int16, 0);
    case TA_KIND_UINT16: return arg->v_uint16;
    case TA_KIND_INT32: return MAX (arg->v_int32, 0);
    case TA_KIND_UINT32: return arg->v_uint32;
    case TA_KIND_INT64: return MAX (arg->v_int64, 0);
    case TA_KIND_UINT64: return arg->v_uint64;
    default: g_assert_not_reached ();
    }
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Values out                                                             */
/* ---------------------------------------------------------------------- */

/* Sets @value to a GObject.ValueArray of the @n elements of the array or
 * list @arg, and frees what the caller owned of it. */
static void
ta_value_take_elements (const TaSlot *slot,
                        GIArgument   *arg,
                        gsize         n,
                        GValue       *value)
{
  GValueArray *array;
  GList *link;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_value_init (value, ta_value_array_get_type ());
  if (arg->v_pointer == NULL)
    return;

  if (slot->kind != TA_KIND_ARRAY)
    n = g_list_length (arg->v_pointer);   /* a GSList's links start like a GList's */
  array = g_value_array_new (n);
  link = arg->v_pointer;
  for (gsize i = 0; i < n; i++)
    {
      GIArgument element = { 0 };
      GValue item = G_VALUE_INIT;

      if (slot->kind == TA_KIND_ARRAY)
        memcpy (&element, (guint8 *) arg->v_pointer + i * slot->element_size, slot->element_size);
      else
        {
          element.v_pointer = link->data;
          link = link->next;
        }
      ta_value_take_arg (slot->element, &element, 0, &item);
      g_value_array_append (array, &item);
      g_value_unset (&item);
    }
  g_value_take_boxed (value, array);
  G_GNUC_END_IGNORE_DEPRECATIONS

  ta_slot_free (slot, arg, n, slot->transfer);
}

/* Sets @value from @arg, which the caller owns as @slot's transfer says,
 * and frees what the caller owned of it. */
void
ta_value_take_arg (const TaSlot *slot,
                   GIArgument   *arg,
                   gsize         n,
                   GValue       *value)
{
  gboolean full = slot->transfer == GI_TRANSFER_EVERYTHING;
  TaKind kind = slot->kind;

  if (kind == TA_KIND_ENUM || kind == TA_KIND_FLAGS)
    {
      gint64 v;

      switch (slot->storage)
        {
        case TA_KIND_INT8: v = arg->v_int8; break;
        case TA_KIND_UINT8: v = arg->v_uint8; break;
        case TA_KIND_INT16: v = arg->v_int16; break;
        case TA_KIND_UINT16: v = arg->v_uint16; break;
        case TA_KIND_UINT32: v = arg->v_uint32; break;
        default: v = arg->v_int32; break;
        }
      if (slot->gtype != G_TYPE_NONE && kind == TA_KIND_ENUM)
        g_value_set_enum (g_value_init (value, slot->gtype), v);
      else if (slot->gtype != G_TYPE_NONE)
        g_value_set_flags (g_value_init (value, slot->gtype), v);
      else if (kind == TA_KIND_ENUM)
        g_value_set_int (g_value_init (value, G_TYPE_INT), v);
      else
        g_value_set_uint (g_value_init (value, G_TYPE_UINT), v);
      return;
    }

  switch (kind)
    {
    case TA_KIND_BOOLEAN:
      g_value_set_boolean (g_value_init (value, G_TYPE_BOOLEAN), arg->v_boolean);
      break;
    case TA_KIND_INT8:
      g_value_set_int (g_value_init (value, G_TYPE_INT), arg->v_int8);
      break;
    case TA_KIND_UINT8:
      g_value_set_uint (g_value_init (value, G_TYPE_UINT), arg->v_uint8);
      break;
    case TA_KIND_INT16:
      g_value_set_int (g_value_init (value, G_TYPE_INT), arg->v_int16);
      break;
    case TA_KIND_UINT16:
      g_value_set_uint (g_value_init (value, G_TYPE_UINT), arg->v_uint16);
      break;
    case TA_KIND_INT32:
      g_value_set_int (g_value_init (value, G_TYPE_INT), arg->v_int32);
      break;
    case TA_KIND_UINT32:
      g_value_set_uint (g_value_init (value, G_TYPE_UINT), arg->v_uint32);
      break;
    case TA_KIND_INT64:
      g_value_set_int64 (g_value_init (value, G_TYPE_INT64), arg->v_int64);
      break;
    case TA_KIND_UINT64:
      g_value_set_uint64 (g_value_init (value, G_TYPE_UINT64), arg->v_uint64);
      break;
    case TA_KIND_FLOAT:
      g_value_set_float (g_value_init (value, G_TYPE_FLOAT), arg->v_float);
      break;
    case TA_KIND_DOUBLE:
      g_value_set_double (g_value_init (value, G_TYPE_DOUBLE), arg->v_double);
      break;
    case TA_KIND_GTYPE:
      g_value_set_gtype (g_value_init (value, G_TYPE_GTYPE), arg->v_size);
      break;
    case TA_KIND_UNICHAR:
      {
        char utf8[8] = { 0 };

        g_unichar_to_utf8 (arg->v_uint32, utf8);
        g_value_set_string (g_value_init (value, G_TYPE_STRING), utf8);
      }
      break;
    case TA_KIND_STRING:
      g_value_init (value, G_TYPE_STRING);
      if (full)
        g_value_take_string (value, arg->v_string);
      else
        g_value_set_string (value, arg->v_string);
      break;
    case TA_KIND_OBJECT:
      g_value_init (value, slot->gtype);
      if (full)
        g_value_take_object (value, arg->v_pointer);
      else
        g_value_set_object (value, arg->v_pointer);
      break;
    case TA_KIND_BOXED:
      g_value_init (value, slot->gtype);
      if (full)
        g_value_take_boxed (value, arg->v_pointer);
      else
        g_value_set_boxed (value, arg->v_pointer);
      break;
    case TA_KIND_VARIANT:
      g_value_init (value, G_TYPE_VARIANT);
      if (full)
        g_value_take_variant (value, arg->v_pointer);
      else
        g_value_set_variant (value, arg->v_pointer);
      break;
    case TA_KIND_BYTES:
      g_value_init (value, G_TYPE_BYTE_ARRAY);
      if (arg->v_pointer == NULL)
        break;
      if (full)
        g_value_take_boxed (value, g_byte_array_new_take (arg->v_pointer, n));
      else
        g_value_take_boxed (value, g_byte_array_append (g_byte_array_sized_new (n), arg->v_pointer, n));
      break;
    case TA_KIND_STRV:
      g_value_init (value, G_TYPE_STRV);
      if (arg->v_pointer != NULL)
        {
          char **strv = g_new (char *, n + 1);

          for (gsize i = 0; i < n; i++)
            strv[i] = g_strdup (((char **) arg->v_pointer)[i]);
          strv[n] = NULL;
          g_value_take_boxed (value, strv);
        }
      ta_slot_free (slot, arg, n, slot->transfer);
      break;
    case TA_KIND_ARRAY:
    case TA_KIND_LIST:
    case TA_KIND_SLIST:
      ta_value_take_elements (slot, arg, n, value);
      break;
    case TA_KIND_STR_LIST:
    case TA_KIND_STR_SLIST:
      {
        GPtrArray *strv = g_ptr_array_new ();

        /* A GSList's links start like a GList's. */
        for (GSList *l = arg->v_pointer; l != NULL; l = l->next)
          g_ptr_array_add (strv, g_strdup (l->data));
        g_ptr_array_add (strv, NULL);
        g_value_take_boxed (g_value_init (value, G_TYPE_STRV), g_ptr_array_free (strv, FALSE));
        ta_slot_free (slot, arg, n, slot->transfer);
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

/* The length of a zero-terminated C array: up to its first element whose
 * bytes are all zero. */
gsize
ta_array_count (const TaSlot     *slot,
                const GIArgument *arg)
{
  static const guint8 zero[sizeof (GIArgument)] = { 0 };
  const guint8 *p = arg->v_pointer;
  gsize n = 0;

  if (p == NULL || !slot->zero_terminated)
    return 0;
  while (memcmp (p + n * slot->element_size, zero, slot->element_size) != 0)
    n++;

  return n;
}

#endif /* HAVE_GIREPOSITORY */
