/* ta-value-private.h: values that may cross threads
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

gboolean  ta_value_check_sendable (const GValue  *value,
                                   GError       **error);
GValue   *ta_value_dup            (const GValue  *value);
void      ta_value_out_reset      (GValue        *value);
void      ta_value_out_fail       (GValue        *value);
void      ta_value_free           (gpointer       value);

G_END_DECLS
