/* ta-offload-plan-private.h: what an introspected function takes and returns
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "config.h"

#ifdef HAVE_GIREPOSITORY

#include <girepository.h>
#include <girffi.h>

G_BEGIN_DECLS

/* libgirepository 1.74 has no cleanup functions for its infos. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GIBaseInfo, g_base_info_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GITypeInfo, g_base_info_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GIArgInfo, g_base_info_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GIFunctionInfo, g_base_info_unref)

typedef enum {
  TA_KIND_VOID,
  TA_KIND_BOOLEAN,
  TA_KIND_INT8,
  TA_KIND_UINT8,
  TA_KIND_INT16,
  TA_KIND_UINT16,
  TA_KIND_INT32,
  TA_KIND_UINT32,
  TA_KIND_INT64,
  TA_KIND_UINT64,
  TA_KIND_FLOAT,
  TA_KIND_DOUBLE,
  TA_KIND_GTYPE,
  TA_KIND_UNICHAR,
  TA_KIND_STRING,      /* utf8 and filename */
  TA_KIND_ENUM,
  TA_KIND_FLAGS,
  TA_KIND_OBJECT,      /* objects and interfaces */
  TA_KIND_BOXED,
  TA_KIND_VARIANT,
  TA_KIND_BYTES,       /* C array of 8-bit integers */
  TA_KIND_STRV,        /* C array of strings */
  TA_KIND_STR_LIST,    /* GList of strings */
  TA_KIND_STR_SLIST,
  TA_KIND_ARRAY,       /* C array of numbers, booleans, objects or boxed */
  TA_KIND_LIST,        /* GList of objects */
  TA_KIND_SLIST,       /* GSList of objects */
  TA_KIND_CALLBACK,    /* only ever NULL */
  TA_KIND_NULL,        /* user data and destroy notifies: NULL */
} TaKind;

typedef struct _TaSlot TaSlot;

struct _TaSlot
{
  char        *name;            /* for messages */
  char        *type_name;       /* for messages */
  TaKind       kind;
  GType        gtype;           /* OBJECT, BOXED, ENUM, FLAGS */
  TaKind       storage;         /* ENUM, FLAGS: the integer they are */
  GIDirection  direction;
  GITransfer   transfer;
  gboolean     nullable;
  gint         length;          /* arrays: the argument with the length */
  gint         fixed_size;      /* arrays: or a fixed size, or -1 */
  gint         user_index;      /* in the caller's values, or -1 */
  gboolean     hidden;          /* not among the results */
  gboolean     zero_terminated; /* ARRAY */
  TaSlot      *element;         /* ARRAY, LIST, SLIST: each element */
  gsize        element_size;    /* ARRAY */
};

/* What a name resolves to. Immutable once made, and kept for the life of
 * the process like the typelibs it comes from. */
typedef struct
{
  char              *name;
  GIFunctionInvoker  invoker;
  TaSlot            *slots;     /* the instance first, for methods */
  guint              n_slots;
  guint              first_arg; /* 1 for methods: the slot of C argument 0 */
  TaSlot             ret;
  gboolean           throws;
  guint              n_user;
  guint              n_results;
  gboolean           ok;        /* FALSE: refused, with the message below */
  GQuark             error_domain;
  gint               error_code;
  char              *error_message;
} TaOffloadPlan;

const TaOffloadPlan *ta_offload_plan_lookup (const char *name);

G_END_DECLS

#endif /* HAVE_GIREPOSITORY */
