/* ta-guest-loop.h: another event loop, run inside a runner's loop
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TA_INSIDE) && !defined(TA_COMPILATION)
# error "Only <ta-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "ta-event.h"
#include "ta-runner.h"
#include "ta-types.h"
#include "ta-version-macros.h"

G_BEGIN_DECLS

#define TA_TYPE_GUEST_LOOP (ta_guest_loop_get_type ())

TA_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (TaGuestLoop, ta_guest_loop, TA, GUEST_LOOP, GObject)

TA_AVAILABLE_IN_ALL
TaGuestLoop *ta_guest_loop_new     (TaRunner           *runner,
                                    const char         *name,
                                    int                 fd,
                                    TaGuestLoopFunc     func,
                                    gpointer            user_data,
                                    GDestroyNotify      user_data_destroy,
                                    GError            **error) G_GNUC_WARN_UNUSED_RESULT;
TA_AVAILABLE_IN_ALL
const char  *ta_guest_loop_get_name (TaGuestLoop       *self);
TA_AVAILABLE_IN_ALL
int          ta_guest_loop_get_fd  (TaGuestLoop        *self);
TA_AVAILABLE_IN_ALL
void         ta_guest_loop_wake    (TaGuestLoop        *self);
TA_AVAILABLE_IN_ALL
void         ta_guest_loop_destroy (TaGuestLoop        *self);
TA_AVAILABLE_IN_ALL
gboolean     ta_guest_loop_is_destroyed (TaGuestLoop   *self);
TA_AVAILABLE_IN_ALL
gboolean     ta_guest_loop_wake_and_wait (TaGuestLoop *self,
                                          TaEvent     *event,
                                          gint64       timeout_us,
                                          GError     **error);

G_END_DECLS
