/* ta-cancel-private.h: a cancellation watch safe across threads
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * ta_cancellable_source_new:
 *
 * Like g_cancellable_source_new(): a GSource that dispatches its callback
 * (a plain GSourceFunc) once @cancellable is cancelled, in the context it
 * is attached to. Unlike GLib 2.74's, it may be finalized on any thread
 * while another thread is cancelling: the signal handler never touches the
 * source, only a flag and the context's wake-up, so nothing can be
 * resurrected or leaked.
 */
GSource *ta_cancellable_source_new (GCancellable *cancellable);

G_END_DECLS
