/* ta-offload-plan.c: what an introspected function takes and returns
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * A plan is what ta_offload_call_new() checks arguments against and what
 * ta_offload_call_invoke() marshals by: the function's signature turned
 * into plain data, since libgirepository's infos are not thread-safe and
 * no GIBaseInfo may be used on a worker. Plans are cached by name for the
 * life of the process, like the typelibs they come from. A function the
 * marshaller cannot call has a plan too: a refused one, with its error.
 */

#include "config.h"

#include "ta-error.h"
#include "ta-offload-plan-private.h"

static GMutex plans_lock;
static GHashTable *plans;       /* name → TaOffloadPlan, guarded by plans_lock */

static gboolean
ta_plan_refuse (TaOffloadPlan *plan,
                gint           code,
                const char    *format,
                ...) G_GNUC_PRINTF (3, 4);

static gboolean
ta_plan_refuse (TaOffloadPlan *plan,
                gint           code,
                const char    *format,
                ...)
{
  va_list args;

  if (!plan->ok)
    return FALSE;

  va_start (args, format);
  plan->ok = FALSE;
  plan->error_domain = TA_ERROR;
  plan->error_code = code;
  plan->error_message = g_strdup_vprintf (format, args);
  va_end (args);

  return FALSE;
}

static char *
ta_type_describe (GITypeInfo *type)
{
  GITypeTag tag = g_type_info_get_tag (type);
  GIBaseInfo *iface;
  char *name;

  if (tag == GI_TYPE_TAG_ARRAY || tag == GI_TYPE_TAG_GLIST || tag == GI_TYPE_TAG_GSLIST)
    {
      g_autoptr(GITypeInfo) param = g_type_info_get_param_type (type, 0);
      g_autofree char *element = param != NULL ? ta_type_describe (param) : g_strdup ("?");

      if (tag == GI_TYPE_TAG_ARRAY && g_type_info_get_array_type (type) == GI_ARRAY_TYPE_C)
        return g_strdup_printf ("array of %s", element);
      return g_strdup_printf ("%s of %s", tag == GI_TYPE_TAG_GLIST ? "GList" :
                              tag == GI_TYPE_TAG_GSLIST ? "GSList" : g_type_tag_to_string (tag),
                              element);
    }

  if (tag != GI_TYPE_TAG_INTERFACE)
    {
      if (tag == GI_TYPE_TAG_VOID && g_type_info_is_pointer (type))
        return g_strdup ("gpointer");
      return g_strdup (g_type_tag_to_string (tag));
    }

  iface = g_type_info_get_interface (type);
  name = g_strdup_printf ("%s.%s", g_base_info_get_namespace (iface),
                          g_base_info_get_name (iface));
  g_base_info_unref (iface);

  return name;
}

static TaKind
ta_kind_for_tag (GITypeTag tag)
{
  switch (tag)
    {
    case GI_TYPE_TAG_BOOLEAN: return TA_KIND_BOOLEAN;
    case GI_TYPE_TAG_INT8: return TA_KIND_INT8;
    case GI_TYPE_TAG_UINT8: return TA_KIND_UINT8;
    case GI_TYPE_TAG_INT16: return TA_KIND_INT16;
    case GI_TYPE_TAG_UINT16: return TA_KIND_UINT16;
    case GI_TYPE_TAG_INT32: return TA_KIND_INT32;
    case GI_TYPE_TAG_UINT32: return TA_KIND_UINT32;
    case GI_TYPE_TAG_INT64: return TA_KIND_INT64;
    case GI_TYPE_TAG_UINT64: return TA_KIND_UINT64;
    case GI_TYPE_TAG_FLOAT: return TA_KIND_FLOAT;
    case GI_TYPE_TAG_DOUBLE: return TA_KIND_DOUBLE;
    case GI_TYPE_TAG_GTYPE: return TA_KIND_GTYPE;
    case GI_TYPE_TAG_UNICHAR: return TA_KIND_UNICHAR;
    case GI_TYPE_TAG_UTF8:
    case GI_TYPE_TAG_FILENAME: return TA_KIND_STRING;
    default: return TA_KIND_VOID;
    }
}

static gboolean ta_slot_set_type (TaOffloadPlan *plan,
                                  TaSlot        *slot,
                                  GITypeInfo    *type);

/* The size of one element of a C array of @element, or 0 for an element
 * the marshaller does not handle there. */
static gsize
ta_element_size (const TaSlot *element)
{
  TaKind kind = element->kind;

  if (kind == TA_KIND_ENUM || kind == TA_KIND_FLAGS)
    kind = element->storage;

  switch (kind)
    {
    case TA_KIND_BOOLEAN: return sizeof (gboolean);
    case TA_KIND_INT8:
    case TA_KIND_UINT8: return 1;
    case TA_KIND_INT16:
    case TA_KIND_UINT16: return 2;
    case TA_KIND_INT32:
    case TA_KIND_UINT32:
    case TA_KIND_UNICHAR: return 4;
    case TA_KIND_INT64:
    case TA_KIND_UINT64: return 8;
    case TA_KIND_FLOAT: return sizeof (gfloat);
    case TA_KIND_DOUBLE: return sizeof (gdouble);
    case TA_KIND_GTYPE: return sizeof (GType);
    case TA_KIND_OBJECT:
    case TA_KIND_BOXED:
    case TA_KIND_VARIANT: return sizeof (gpointer);
    default: return 0;
    }
}

/* The element slot of an array or list of @param, or %NULL for elements
 * the marshaller does not handle: @plan is left as it was either way. */
static TaSlot *
ta_element_new (TaOffloadPlan *plan,
                TaSlot        *slot,
                GITypeInfo    *param)
{
  TaOffloadPlan scratch = { .name = plan->name, .ok = TRUE };
  TaSlot *element = g_new0 (TaSlot, 1);

  element->name = g_strdup_printf ("%s (an element)", slot->name);
  element->direction = slot->direction;
  element->transfer = GI_TRANSFER_NOTHING;
  if (!ta_slot_set_type (&scratch, element, param) ||
      (element->kind > TA_KIND_OBJECT && element->kind != TA_KIND_BOXED &&
       element->kind != TA_KIND_VARIANT) ||
      (element->kind == TA_KIND_BOXED && g_type_info_is_pointer (param) == FALSE) ||
      (element->kind == TA_KIND_BOXED && element->gtype == G_TYPE_ERROR))
    {
      g_free (scratch.error_message);
      g_free (element->name);
      g_free (element->type_name);
      g_free (element);
      return NULL;
    }

  return element;
}

/* Fills in how @slot is marshalled from its type: FALSE, with the plan
 * refused, for what the marshaller does not handle. */
static gboolean
ta_slot_set_type (TaOffloadPlan *plan,
                  TaSlot        *slot,
                  GITypeInfo    *type)
{
  GITypeTag tag = g_type_info_get_tag (type);
  g_autoptr(GIBaseInfo) iface = NULL;
  g_autoptr(GITypeInfo) param = NULL;
  GITypeTag param_tag;

  slot->type_name = ta_type_describe (type);
  slot->length = -1;
  slot->fixed_size = -1;

  switch (tag)
    {
    case GI_TYPE_TAG_VOID:
      if (!g_type_info_is_pointer (type))
        {
          slot->kind = TA_KIND_VOID;
          return TRUE;
        }
      break;

    case GI_TYPE_TAG_BOOLEAN:
    case GI_TYPE_TAG_INT8:
    case GI_TYPE_TAG_UINT8:
    case GI_TYPE_TAG_INT16:
    case GI_TYPE_TAG_UINT16:
    case GI_TYPE_TAG_INT32:
    case GI_TYPE_TAG_UINT32:
    case GI_TYPE_TAG_INT64:
    case GI_TYPE_TAG_UINT64:
    case GI_TYPE_TAG_FLOAT:
    case GI_TYPE_TAG_DOUBLE:
    case GI_TYPE_TAG_GTYPE:
    case GI_TYPE_TAG_UNICHAR:
    case GI_TYPE_TAG_UTF8:
    case GI_TYPE_TAG_FILENAME:
      slot->kind = ta_kind_for_tag (tag);
      return TRUE;

    case GI_TYPE_TAG_ERROR:
      slot->kind = TA_KIND_BOXED;
      slot->gtype = G_TYPE_ERROR;
      return TRUE;

    case GI_TYPE_TAG_INTERFACE:
      iface = g_type_info_get_interface (type);
      switch (g_base_info_get_type (iface))
        {
        case GI_INFO_TYPE_ENUM:
        case GI_INFO_TYPE_FLAGS:
          slot->kind = g_base_info_get_type (iface) == GI_INFO_TYPE_ENUM ? TA_KIND_ENUM : TA_KIND_FLAGS;
          slot->gtype = g_registered_type_info_get_g_type ((GIRegisteredTypeInfo *) iface);
          slot->storage = ta_kind_for_tag (g_enum_info_get_storage_type ((GIEnumInfo *) iface));
          return TRUE;

        case GI_INFO_TYPE_OBJECT:
        case GI_INFO_TYPE_INTERFACE:
          slot->gtype = g_registered_type_info_get_g_type ((GIRegisteredTypeInfo *) iface);
          if (G_TYPE_IS_INTERFACE (slot->gtype) ||
              G_TYPE_FUNDAMENTAL (slot->gtype) == G_TYPE_OBJECT)
            {
              slot->kind = TA_KIND_OBJECT;
              return TRUE;
            }
          break;

        case GI_INFO_TYPE_STRUCT:
        case GI_INFO_TYPE_UNION:
        case GI_INFO_TYPE_BOXED:
          slot->gtype = g_registered_type_info_get_g_type ((GIRegisteredTypeInfo *) iface);
          if (!g_type_info_is_pointer (type))
            break;
          if (slot->gtype == G_TYPE_VARIANT)
            {
              slot->kind = TA_KIND_VARIANT;
              return TRUE;
            }
          if (G_TYPE_IS_BOXED (slot->gtype) && slot->gtype != G_TYPE_VALUE &&
              slot->gtype != G_TYPE_CLOSURE)
            {
              slot->kind = TA_KIND_BOXED;
              return TRUE;
            }
          break;

        case GI_INFO_TYPE_CALLBACK:
          slot->kind = TA_KIND_CALLBACK;
          return TRUE;

        default:
          break;
        }
      break;

    case GI_TYPE_TAG_ARRAY:
      param = g_type_info_get_param_type (type, 0);
      param_tag = g_type_info_get_tag (param);
      if (g_type_info_get_array_type (type) == GI_ARRAY_TYPE_BYTE_ARRAY)
        {
          slot->kind = TA_KIND_BOXED;
          slot->gtype = G_TYPE_BYTE_ARRAY;
          return TRUE;
        }
      if (g_type_info_get_array_type (type) != GI_ARRAY_TYPE_C)
        break;
      if (param_tag == GI_TYPE_TAG_UINT8 || param_tag == GI_TYPE_TAG_INT8)
        slot->kind = TA_KIND_BYTES;
      else if (param_tag == GI_TYPE_TAG_UTF8 || param_tag == GI_TYPE_TAG_FILENAME)
        slot->kind = TA_KIND_STRV;
      else if ((slot->element = ta_element_new (plan, slot, param)) != NULL &&
               (slot->element_size = ta_element_size (slot->element)) > 0)
        slot->kind = TA_KIND_ARRAY;
      else
        break;
      slot->length = g_type_info_get_array_length (type);
      slot->fixed_size = g_type_info_get_array_fixed_size (type);
      slot->zero_terminated = g_type_info_is_zero_terminated (type);
      /* Strings are given zero-terminated in any case; other elements
       * need one of the three to know where they end. */
      if (slot->kind != TA_KIND_STRV && slot->length < 0 && slot->fixed_size < 0 &&
          !slot->zero_terminated)
        break;
      return TRUE;

    case GI_TYPE_TAG_GLIST:
    case GI_TYPE_TAG_GSLIST:
      param = g_type_info_get_param_type (type, 0);
      param_tag = g_type_info_get_tag (param);
      if (param_tag == GI_TYPE_TAG_UTF8 || param_tag == GI_TYPE_TAG_FILENAME)
        {
          slot->kind = tag == GI_TYPE_TAG_GLIST ? TA_KIND_STR_LIST : TA_KIND_STR_SLIST;
          return TRUE;
        }
      slot->element = ta_element_new (plan, slot, param);
      if (slot->element != NULL && slot->element->kind == TA_KIND_OBJECT)
        {
          slot->kind = tag == GI_TYPE_TAG_GLIST ? TA_KIND_LIST : TA_KIND_SLIST;
          return TRUE;
        }
      break;

    default:
      break;
    }

  return ta_plan_refuse (plan, TA_ERROR_NOT_SUPPORTED,
                         "%s: argument “%s” has type %s, which cannot be passed to another thread",
                         plan->name, slot->name, slot->type_name);
}

/* Finds @name, “Namespace.function” or “Namespace.Type.function”. */
static GIFunctionInfo *
ta_plan_find (TaOffloadPlan *plan)
{
  g_auto(GStrv) parts = g_strsplit (plan->name, ".", 0);
  guint n = g_strv_length (parts);
  g_autoptr(GError) error = NULL;
  g_autoptr(GIBaseInfo) info = NULL;
  GIBaseInfo *found = NULL;

  if (n < 2 || n > 3)
    {
      ta_plan_refuse (plan, TA_ERROR_INVALID_VALUE,
                      "“%s” is not a function name: use Namespace.function or "
                      "Namespace.Type.method", plan->name);
      return NULL;
    }

  if (!g_irepository_require (NULL, parts[0], NULL, 0, &error))
    {
      ta_plan_refuse (plan, TA_ERROR_INVALID_VALUE, "%s: %s", plan->name, error->message);
      return NULL;
    }

  info = g_irepository_find_by_name (NULL, parts[0], parts[1]);
  if (info != NULL && n == 2 && g_base_info_get_type (info) == GI_INFO_TYPE_FUNCTION)
    return (GIFunctionInfo *) g_base_info_ref (info);

  if (info != NULL && n == 3)
    {
      switch (g_base_info_get_type (info))
        {
        case GI_INFO_TYPE_OBJECT:
          {
            GIObjectInfo *klass = (GIObjectInfo *) g_base_info_ref (info);

            /* Inherited methods are found on the ancestor that has them. */
            while (klass != NULL && found == NULL)
              {
                GIObjectInfo *parent;

                found = g_object_info_find_method (klass, parts[2]);
                parent = g_object_info_get_parent (klass);
                g_base_info_unref (klass);
                klass = parent;
              }
            g_clear_pointer (&klass, g_base_info_unref);
          }
          break;

        case GI_INFO_TYPE_INTERFACE:
          found = g_interface_info_find_method ((GIInterfaceInfo *) info, parts[2]);
          break;

        case GI_INFO_TYPE_STRUCT:
        case GI_INFO_TYPE_BOXED:
          found = g_struct_info_find_method ((GIStructInfo *) info, parts[2]);
          break;

        case GI_INFO_TYPE_UNION:
          found = g_union_info_find_method ((GIUnionInfo *) info, parts[2]);
          break;

        case GI_INFO_TYPE_ENUM:
        case GI_INFO_TYPE_FLAGS:
          for (gint i = 0; found == NULL && i < g_enum_info_get_n_methods ((GIEnumInfo *) info); i++)
            {
              GIFunctionInfo *method = g_enum_info_get_method ((GIEnumInfo *) info, i);

              if (g_str_equal (g_base_info_get_name (method), parts[2]))
                found = method;
              else
                g_base_info_unref (method);
            }
          break;

        default:
          break;
        }
    }

  if (found == NULL)
    ta_plan_refuse (plan, TA_ERROR_INVALID_VALUE,
                    "No introspected function is called “%s”", plan->name);

  return found;
}

/* The instance of a method: an object, or a boxed type. */
static gboolean
ta_plan_add_instance (TaOffloadPlan  *plan,
                      GIFunctionInfo *info,
                      TaSlot         *slot)
{
  GIBaseInfo *container = g_base_info_get_container (info);
  GIInfoType info_type = g_base_info_get_type (container);

  slot->name = g_strdup ("self");
  slot->type_name = g_strdup_printf ("%s.%s", g_base_info_get_namespace (container),
                                     g_base_info_get_name (container));
  slot->direction = GI_DIRECTION_IN;
  slot->transfer = g_callable_info_get_instance_ownership_transfer ((GICallableInfo *) info);
  slot->length = -1;
  slot->fixed_size = -1;
  slot->hidden = TRUE;

  if (info_type == GI_INFO_TYPE_OBJECT || info_type == GI_INFO_TYPE_INTERFACE ||
      info_type == GI_INFO_TYPE_STRUCT || info_type == GI_INFO_TYPE_BOXED ||
      info_type == GI_INFO_TYPE_UNION)
    slot->gtype = g_registered_type_info_get_g_type ((GIRegisteredTypeInfo *) container);

  if ((info_type == GI_INFO_TYPE_OBJECT || info_type == GI_INFO_TYPE_INTERFACE) &&
      (G_TYPE_IS_INTERFACE (slot->gtype) || G_TYPE_FUNDAMENTAL (slot->gtype) == G_TYPE_OBJECT))
    slot->kind = TA_KIND_OBJECT;
  else if (slot->gtype == G_TYPE_VARIANT)
    slot->kind = TA_KIND_VARIANT;
  else if (slot->gtype != G_TYPE_NONE && G_TYPE_IS_BOXED (slot->gtype))
    slot->kind = TA_KIND_BOXED;
  else
    return ta_plan_refuse (plan, TA_ERROR_NOT_SUPPORTED,
                           "%s: methods of %s cannot be called on another thread",
                           plan->name, slot->type_name);

  return TRUE;
}

static void
ta_plan_build (TaOffloadPlan *plan)
{
  g_autoptr(GIFunctionInfo) info = NULL;
  g_autoptr(GITypeInfo) ret_type = NULL;
  g_autoptr(GError) error = NULL;
  GIFunctionInfoFlags flags;
  gint n_args;
  guint first;

  plan->ok = TRUE;
  info = ta_plan_find (plan);
  if (info == NULL)
    return;

  flags = g_function_info_get_flags (info);
  first = (flags & GI_FUNCTION_IS_METHOD) != 0 ? 1 : 0;
  n_args = g_callable_info_get_n_args ((GICallableInfo *) info);
  plan->first_arg = first;
  plan->n_slots = first + n_args;
  plan->slots = g_new0 (TaSlot, plan->n_slots);
  plan->throws = g_callable_info_can_throw_gerror ((GICallableInfo *) info);

  if (first == 1 && !ta_plan_add_instance (plan, info, &plan->slots[0]))
    return;

  for (gint i = 0; i < n_args; i++)
    {
      g_autoptr(GIArgInfo) arg = g_callable_info_get_arg ((GICallableInfo *) info, i);
      g_autoptr(GITypeInfo) type = g_arg_info_get_type (arg);
      TaSlot *slot = &plan->slots[first + i];

      slot->name = g_strdup (g_base_info_get_name (arg));
      slot->direction = g_arg_info_get_direction (arg);
      slot->transfer = g_arg_info_get_ownership_transfer (arg);
      slot->nullable = g_arg_info_may_be_null (arg) || g_arg_info_is_optional (arg);
      slot->hidden = slot->direction == GI_DIRECTION_IN || g_arg_info_is_skip (arg);

      if (slot->direction != GI_DIRECTION_IN && g_arg_info_is_caller_allocates (arg))
        {
          g_autofree char *type_name = ta_type_describe (type);

          ta_plan_refuse (plan, TA_ERROR_NOT_SUPPORTED,
                          "%s: argument “%s” (%s) is caller-allocates, which is not supported",
                          plan->name, slot->name, type_name);
          return;
        }

      if (slot->kind == TA_KIND_NULL)
        {
          /* Already the user data or destroy notify of a callback. */
          slot->type_name = ta_type_describe (type);
          continue;
        }

      if (!ta_slot_set_type (plan, slot, type))
        return;

      if (slot->kind == TA_KIND_CALLBACK)
        {
          gint closure = g_arg_info_get_closure (arg);
          gint destroy = g_arg_info_get_destroy (arg);

          /* A callback can only be left out, with its data, and only
           * one the function would call before returning (a progress
           * callback): one kept for later means the function starts
           * something on the worker that outlives the call. */
          if (!slot->nullable || slot->direction != GI_DIRECTION_IN ||
              g_arg_info_get_scope (arg) != GI_SCOPE_TYPE_CALL)
            {
              ta_plan_refuse (plan, TA_ERROR_WRONG_THREAD,
                              "%s: argument “%s” is a callback (%s), which would run on "
                              "a worker thread: such functions cannot be offloaded",
                              plan->name, slot->name, slot->type_name);
              return;
            }
          if (closure >= 0 && closure < n_args && closure != i)
            plan->slots[first + closure].kind = TA_KIND_NULL;
          if (destroy >= 0 && destroy < n_args && destroy != i)
            plan->slots[first + destroy].kind = TA_KIND_NULL;
        }

    }

  /* Lengths of arrays are not arguments of their own. */
  for (guint i = 0; i < plan->n_slots; i++)
    if ((plan->slots[i].kind == TA_KIND_BYTES || plan->slots[i].kind == TA_KIND_STRV ||
         plan->slots[i].kind == TA_KIND_ARRAY) &&
        plan->slots[i].length >= 0)
      {
        TaSlot *length = &plan->slots[first + plan->slots[i].length];

        if (length->kind < TA_KIND_INT8 || length->kind > TA_KIND_UINT64)
          {
            ta_plan_refuse (plan, TA_ERROR_NOT_SUPPORTED,
                            "%s: the length of argument “%s” is not an integer",
                            plan->name, plan->slots[i].name);
            return;
          }
        length->hidden = TRUE;
        length->user_index = -2;
      }

  ret_type = g_callable_info_get_return_type ((GICallableInfo *) info);
  plan->ret.name = g_strdup ("return value");
  plan->ret.direction = GI_DIRECTION_OUT;
  plan->ret.transfer = g_callable_info_get_caller_owns ((GICallableInfo *) info);
  if (!ta_slot_set_type (plan, &plan->ret, ret_type))
    return;
  if (plan->ret.kind == TA_KIND_CALLBACK)
    {
      ta_plan_refuse (plan, TA_ERROR_WRONG_THREAD, "%s returns a callback (%s)",
                      plan->name, plan->ret.type_name);
      return;
    }
  if ((plan->ret.kind == TA_KIND_BYTES || plan->ret.kind == TA_KIND_STRV ||
       plan->ret.kind == TA_KIND_ARRAY) && plan->ret.length >= 0)
    {
      plan->slots[first + plan->ret.length].hidden = TRUE;
      plan->slots[first + plan->ret.length].user_index = -2;
    }
  plan->ret.hidden = plan->ret.kind == TA_KIND_VOID ||
                     g_callable_info_skip_return ((GICallableInfo *) info);

  /* What the caller gives, and what comes back, in order. */
  for (guint i = 0; i < plan->n_slots; i++)
    {
      TaSlot *slot = &plan->slots[i];

      if (slot->user_index == -2 || slot->kind == TA_KIND_NULL ||
          slot->direction == GI_DIRECTION_OUT)
        slot->user_index = -1;
      else
        slot->user_index = plan->n_user++;
      if (!slot->hidden)
        plan->n_results++;
    }
  if (!plan->ret.hidden)
    plan->n_results++;

  if (!g_function_info_prep_invoker (info, &plan->invoker, &error))
    ta_plan_refuse (plan, TA_ERROR_NOT_SUPPORTED, "%s: %s", plan->name, error->message);
}

/*
 * The plan of @name, made on first use and kept for the life of the
 * process. Any thread: libgirepository is only used under the lock.
 */
const TaOffloadPlan *
ta_offload_plan_lookup (const char *name)
{
  TaOffloadPlan *plan;

  g_mutex_lock (&plans_lock);
  if (plans == NULL)
    plans = g_hash_table_new (g_str_hash, g_str_equal);
  plan = g_hash_table_lookup (plans, name);
  if (plan == NULL)
    {
      plan = g_new0 (TaOffloadPlan, 1);
      plan->name = g_strdup (name);
      ta_plan_build (plan);
      g_hash_table_insert (plans, plan->name, plan);
    }
  g_mutex_unlock (&plans_lock);

  return plan;
}
