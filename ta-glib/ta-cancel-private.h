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
 * while another thread is cancelling without being resurrected and leaked:
 * the handler reaches it through a weak pointer (see ta-cancel.c).
 *
 * The owner ends the watch with ta_cancellable_source_retire(), not
 * g_source_destroy(), while keeping the source's context alive.
 */
GSource *ta_cancellable_source_new    (GCancellable *cancellable);
void     ta_cancellable_source_retire (GSource      *source);

G_END_DECLS
