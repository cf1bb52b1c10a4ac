/* ta-offload-marshal-private.h: GValues to and from the arguments of an
 * offloaded call
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ta-offload-plan-private.h"

#ifdef HAVE_GIREPOSITORY

G_BEGIN_DECLS

typedef struct
{
  GIArgument  in;               /* what the caller gave, owned */
  GIArgument  out;              /* out and inout storage */
  gsize       n_in;             /* arrays: the length of in */
  gboolean    given;            /* in belongs to the callee now */
} TaCell;

gboolean ta_kind_is_pointer    (TaKind               kind);
void     ta_slot_free_elements (const TaSlot        *slot,
                                GIArgument          *arg,
                                gsize                n);
void     ta_slot_free          (const TaSlot        *slot,
                                GIArgument          *arg,
                                gsize                n,
                                GITransfer           transfer);
gboolean ta_cell_from_value    (const TaOffloadPlan  *plan,
                                const TaSlot         *slot,
                                const GValue         *value,
                                TaCell               *cell,
                                GError              **error);
void     ta_length_set         (const TaSlot        *slot,
                                GIArgument          *arg,
                                gsize                n);
gsize    ta_length_get         (const TaSlot        *slot,
                                GIArgument          *arg);
void     ta_value_take_arg     (const TaSlot        *slot,
                                GIArgument          *arg,
                                gsize                n,
                                GValue              *value);
gsize    ta_array_count        (const TaSlot        *slot,
                                const GIArgument    *arg);

G_END_DECLS

#endif /* HAVE_GIREPOSITORY */
