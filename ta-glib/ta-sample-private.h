/* ta-sample-private.h: what a stalled thread runs, asked by a signal
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean ta_sample_thread (int    tid,
                           int    signum,
                           char **what,
                           char **stack);

G_END_DECLS
