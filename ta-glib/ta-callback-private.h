/* ta-callback-private.h: callbacks that are about to cross threads
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean ta_callback_check_portable (gconstpointer    func,
                                     const char      *function,
                                     gpointer         user_data,
                                     GDestroyNotify   user_data_destroy,
                                     GError         **error);

G_END_DECLS
