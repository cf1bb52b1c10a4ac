/* ta-offload.c: introspected calls made on another thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * An offloaded call has two halves.
 *
 * On the caller's thread, ta_offload_call_new() finds the function by its
 * name in the introspection repository, turns its signature into a plan
 * (cached by name, made of plain data only: libgirepository's infos are
 * not thread-safe, so no GIBaseInfo is used on a worker), checks every
 * argument against it and converts them into arguments the function can
 * take, each a copy or a reference of its own. Anything refused is refused
 * there, before anything runs: a callback (it would run JavaScript, or
 * anything, on the worker), an object implemented in JavaScript or with
 * signal handlers connected (its methods could call JavaScript), a
 * caller-allocates argument or a type the marshaller does not handle, a
 * wrong number of arguments or an argument of the wrong type.
 *
 * On the worker, ta_offload_call_invoke() makes the call through libffi
 * with the invoker the plan prepared, and turns what it returned into
 * GValues: the return value (unless it is void or skipped), then each out
 * and inout argument, minus the lengths of arrays, as a direct call
 * returns them in GJS and Python. Ownership follows the transfer
 * annotations both ways.
 */

#include "config.h"

#include <string.h>

#include "ta-error.h"
#include "ta-offload-marshal-private.h"
#include "ta-offload-private.h"

#ifdef HAVE_GIREPOSITORY

struct _TaOffloadCall
{
  const TaOffloadPlan *plan;
  TaCell              *cells;   /* one per slot */
  gboolean             invoked;
};

/* ---------------------------------------------------------------------- */
/* The call                                                               */
/* ---------------------------------------------------------------------- */

/*
 * ta_offload_call_new:
 * @function: “Namespace.function” or “Namespace.Type.method”
 * @args: the arguments, the instance first for a method
 *
 * Prepares a call on the caller's thread: the arguments are checked and
 * copied. Returns %NULL with %TA_ERROR_INVALID_VALUE (no such function, a
 * wrong number or type of arguments), %TA_ERROR_WRONG_THREAD (a callback,
 * an object implemented in JavaScript) or %TA_ERROR_NOT_SUPPORTED (a type
 * the marshaller does not handle).
 */
TaOffloadCall *
ta_offload_call_new (const char    *function,
                     const GValue  *args,
                     guint          n_args,
                     GError       **error)
{
  const TaOffloadPlan *plan = ta_offload_plan_lookup (function);
  TaOffloadCall *call;

  if (!plan->ok)
    {
      g_set_error_literal (error, plan->error_domain, plan->error_code, plan->error_message);
      return NULL;
    }

  if (n_args != plan->n_user)
    {
      GString *expected = g_string_new (NULL);

      for (guint i = 0; i < plan->n_slots; i++)
        if (plan->slots[i].user_index >= 0)
          g_string_append_printf (expected, "%s%s", expected->len > 0 ? ", " : "",
                                  plan->slots[i].name);
      g_set_error (error, TA_ERROR, TA_ERROR_INVALID_VALUE,
                   "%s takes %u argument%s (%s), not %u",
                   plan->name, plan->n_user, plan->n_user == 1 ? "" : "s",
                   expected->str, n_args);
      g_string_free (expected, TRUE);
      return NULL;
    }

  call = g_new0 (TaOffloadCall, 1);
  call->plan = plan;
  call->cells = g_new0 (TaCell, plan->n_slots);

  for (guint i = 0; i < plan->n_slots; i++)
    {
      const TaSlot *slot = &plan->slots[i];
      const GValue *value;

      if (slot->user_index < 0)
        continue;

      value = &args[slot->user_index];
      if (!G_IS_VALUE (value))
        {
          g_set_error (error, TA_ERROR, TA_ERROR_INVALID_VALUE,
                       "%s: argument “%s” is not an initialized value",
                       plan->name, slot->name);
          ta_offload_call_free (call);
          return NULL;
        }

      if (!ta_cell_from_value (plan, slot, value, &call->cells[i], error))
        {
          ta_offload_call_free (call);
          return NULL;
        }
    }

  /* Lengths from their arrays. */
  for (guint i = 0; i < plan->n_slots; i++)
    {
      const TaSlot *slot = &plan->slots[i];

      if (slot->user_index >= 0 && slot->length >= 0)
        {
          guint length = plan->first_arg + slot->length;

          ta_length_set (&plan->slots[length], &call->cells[length].in, call->cells[i].n_in);
          call->cells[length].out = call->cells[length].in;
        }
    }

  return call;
}

/*
 * ta_offload_call_invoke:
 * @cancellable: given to a #GCancellable argument left %NULL
 *
 * Makes the call, on any thread, once. Returns its results, a GArray of
 * GValue, or %NULL with the function's error.
 */
GArray *
ta_offload_call_invoke (TaOffloadCall  *call,
                        GCancellable   *cancellable,
                        GError        **error)
{
  const TaOffloadPlan *plan = call->plan;
  guint n_ffi = plan->n_slots + (plan->throws ? 1 : 0);
  gpointer *ffi_args = g_newa (gpointer, n_ffi);
  GIArgument *ptrs = g_newa (GIArgument, n_ffi);
  union { ffi_arg u; ffi_sarg s; gfloat f; gdouble d; gpointer p; guint64 u64; } ret;
  GIArgument ret_arg = { 0 };
  GError *local_error = NULL;
  GArray *results;

  g_assert (!call->invoked);
  call->invoked = TRUE;

  for (guint i = 0; i < plan->n_slots; i++)
    {
      const TaSlot *slot = &plan->slots[i];
      TaCell *cell = &call->cells[i];

      if (slot->kind == TA_KIND_OBJECT && slot->direction == GI_DIRECTION_IN &&
          cell->in.v_pointer == NULL && slot->gtype == G_TYPE_CANCELLABLE &&
          cancellable != NULL)
        cell->in.v_pointer = g_object_ref (cancellable);

      if (slot->direction == GI_DIRECTION_IN)
        {
          ffi_args[i] = &cell->in;
          if (slot->transfer != GI_TRANSFER_NOTHING)
            cell->given = TRUE;
        }
      else
        {
          if (slot->direction == GI_DIRECTION_INOUT)
            {
              cell->out = cell->in;
              if (slot->transfer != GI_TRANSFER_NOTHING)
                cell->given = TRUE;
            }
          ptrs[i].v_pointer = &cell->out;
          ffi_args[i] = &ptrs[i];
        }
    }
  if (plan->throws)
    {
      ptrs[plan->n_slots].v_pointer = &local_error;
      ffi_args[plan->n_slots] = &ptrs[plan->n_slots];
    }

  memset (&ret, 0, sizeof ret);
  ffi_call (&((TaOffloadPlan *) plan)->invoker.cif, plan->invoker.native_address, &ret, ffi_args);

  /* What the callee took of the containers it did not own entirely. */
  for (guint i = 0; i < plan->n_slots; i++)
    if (call->cells[i].given && plan->slots[i].transfer == GI_TRANSFER_CONTAINER)
      ta_slot_free_elements (&plan->slots[i], &call->cells[i].in, call->cells[i].n_in);

  if (local_error != NULL)
    {
      /* Out arguments are not to be touched when the function throws. */
      for (guint i = 0; i < plan->n_slots; i++)
        if (plan->slots[i].direction != GI_DIRECTION_IN)
          memset (&call->cells[i].out, 0, sizeof (GIArgument));
      g_propagate_error (error, local_error);
      return NULL;
    }

  switch (plan->ret.kind == TA_KIND_ENUM || plan->ret.kind == TA_KIND_FLAGS ?
          plan->ret.storage : plan->ret.kind)
    {
    case TA_KIND_BOOLEAN: ret_arg.v_boolean = (gboolean) ret.s; break;
    case TA_KIND_INT8: ret_arg.v_int8 = (gint8) ret.s; break;
    case TA_KIND_UINT8: ret_arg.v_uint8 = (guint8) ret.u; break;
    case TA_KIND_INT16: ret_arg.v_int16 = (gint16) ret.s; break;
    case TA_KIND_UINT16: ret_arg.v_uint16 = (guint16) ret.u; break;
    case TA_KIND_INT32: ret_arg.v_int32 = (gint32) ret.s; break;
    case TA_KIND_UINT32:
    case TA_KIND_UNICHAR: ret_arg.v_uint32 = (guint32) ret.u; break;
    case TA_KIND_INT64: ret_arg.v_int64 = (gint64) ret.u64; break;
    case TA_KIND_UINT64: ret_arg.v_uint64 = ret.u64; break;
    case TA_KIND_GTYPE: ret_arg.v_size = (gsize) ret.u64; break;
    case TA_KIND_FLOAT: ret_arg.v_float = ret.f; break;
    case TA_KIND_DOUBLE: ret_arg.v_double = ret.d; break;
    default: ret_arg.v_pointer = ret.p; break;
    }

  results = g_array_sized_new (FALSE, TRUE, sizeof (GValue), plan->n_results);
  g_array_set_clear_func (results, (GDestroyNotify) g_value_unset);
  g_array_set_size (results, plan->n_results);

  {
    guint r = 0;

    if (plan->ret.kind != TA_KIND_VOID)
      {
        gsize n = 0;

        if (plan->ret.length >= 0)
          n = ta_length_get (&plan->slots[plan->first_arg + plan->ret.length],
                             &call->cells[plan->first_arg + plan->ret.length].out);
        else if (plan->ret.fixed_size >= 0)
          n = plan->ret.fixed_size;
        else if (plan->ret.kind == TA_KIND_STRV && ret_arg.v_pointer != NULL)
          n = g_strv_length (ret_arg.v_pointer);
        else if (plan->ret.kind == TA_KIND_BYTES && ret_arg.v_pointer != NULL)
          n = strlen (ret_arg.v_pointer);
        else if (plan->ret.kind == TA_KIND_ARRAY)
          n = ta_array_count (&plan->ret, &ret_arg);

        if (!plan->ret.hidden)
          ta_value_take_arg (&plan->ret, &ret_arg, n, &g_array_index (results, GValue, r++));
        else
          {
            GValue skipped = G_VALUE_INIT;

            ta_value_take_arg (&plan->ret, &ret_arg, n, &skipped);
            g_value_unset (&skipped);
          }
      }

    for (guint i = 0; i < plan->n_slots; i++)
      {
        const TaSlot *slot = &plan->slots[i];
        TaCell *cell = &call->cells[i];
        gsize n = 0;
        GValue skipped = G_VALUE_INIT;

        if (slot->direction == GI_DIRECTION_IN || slot->kind == TA_KIND_VOID)
          continue;

        if (slot->length >= 0)
          n = ta_length_get (&plan->slots[plan->first_arg + slot->length],
                             &call->cells[plan->first_arg + slot->length].out);
        else if (slot->fixed_size >= 0)
          n = slot->fixed_size;
        else if (slot->kind == TA_KIND_STRV && cell->out.v_pointer != NULL)
          n = g_strv_length (cell->out.v_pointer);
        else if (slot->kind == TA_KIND_BYTES && cell->out.v_pointer != NULL)
          n = strlen (cell->out.v_pointer);
        else if (slot->kind == TA_KIND_ARRAY)
          n = ta_array_count (slot, &cell->out);

        if (!slot->hidden)
          ta_value_take_arg (slot, &cell->out, n, &g_array_index (results, GValue, r++));
        else if (ta_kind_is_pointer (slot->kind))
          {
            ta_value_take_arg (slot, &cell->out, n, &skipped);
            g_value_unset (&skipped);
          }
      }
    g_assert (r == plan->n_results);

    /* Taken: the lengths were needed until the last array. */
    for (guint i = 0; i < plan->n_slots; i++)
      memset (&call->cells[i].out, 0, sizeof (GIArgument));
  }

  return results;
}

void
ta_offload_call_free (TaOffloadCall *call)
{
  const TaOffloadPlan *plan = call->plan;

  for (guint i = 0; i < plan->n_slots; i++)
    if (!call->cells[i].given && plan->slots[i].user_index >= 0)
      ta_slot_free (&plan->slots[i], &call->cells[i].in, call->cells[i].n_in,
                    GI_TRANSFER_EVERYTHING);

  g_free (call->cells);
  g_free (call);
}

#else /* !HAVE_GIREPOSITORY */

struct _TaOffloadCall
{
  int unused;
};

TaOffloadCall *
ta_offload_call_new (const char    *function,
                     const GValue  *args,
                     guint          n_args,
                     GError       **error)
{
  g_set_error (error, TA_ERROR, TA_ERROR_NOT_SUPPORTED,
               "%s cannot be offloaded: ta-glib was built without libgirepository",
               function);
  return NULL;
}

GArray *
ta_offload_call_invoke (TaOffloadCall  *call,
                        GCancellable   *cancellable,
                        GError        **error)
{
  g_assert_not_reached ();
  return NULL;
}

void
ta_offload_call_free (TaOffloadCall *call)
{
  g_free (call);
}

#endif /* HAVE_GIREPOSITORY */
