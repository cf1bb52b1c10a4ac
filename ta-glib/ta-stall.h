/* ta-stall.h: one report of a stalled main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TA_INSIDE) && !defined(TA_COMPILATION)
# error "Only <ta-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "ta-version-macros.h"

G_BEGIN_DECLS

#define TA_TYPE_STALL (ta_stall_get_type ())

typedef struct _TaStall TaStall;

TA_AVAILABLE_IN_ALL
GType        ta_stall_get_type        (void) G_GNUC_CONST;
TA_AVAILABLE_IN_ALL
TaStall     *ta_stall_ref             (TaStall *self);
TA_AVAILABLE_IN_ALL
void         ta_stall_unref           (TaStall *self);
TA_AVAILABLE_IN_ALL
guint        ta_stall_get_number      (TaStall *self);
TA_AVAILABLE_IN_ALL
const char  *ta_stall_get_what        (TaStall *self);
TA_AVAILABLE_IN_ALL
gint64       ta_stall_get_duration    (TaStall *self);
TA_AVAILABLE_IN_ALL
gboolean     ta_stall_is_over         (TaStall *self);
TA_AVAILABLE_IN_ALL
const char  *ta_stall_get_thread_name (TaStall *self);
TA_AVAILABLE_IN_ALL
guint64      ta_stall_get_thread_id   (TaStall *self);
TA_AVAILABLE_IN_ALL
const char  *ta_stall_get_stack       (TaStall *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TaStall, ta_stall_unref)

G_END_DECLS
