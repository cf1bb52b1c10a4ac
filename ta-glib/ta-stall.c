/* ta-stall.c: one report of a stalled main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * TaStall:
 *
 * What a [class@Ta.Watchdog] knows about one stall of the main context it
 * watches: what was running, for how long, on which thread and, when the
 * watchdog was asked to interrupt stalled threads, that thread's stack.
 *
 * A watchdog reports each stall twice with the same
 * [method@Ta.Stall.get_number]: once while it goes on
 * ([method@Ta.Stall.is_over] is %FALSE, the duration is how long so far),
 * and once when it has ended (the total). A stall that ended before the
 * watchdog could look at it is reported once, over.
 *
 * ## Thread safety
 *
 * A stall report is immutable: any thread may read it and drop its
 * references.
 */

#include "config.h"

#include "ta-monitor-private.h"
#include "ta-stall-private.h"

G_DEFINE_BOXED_TYPE (TaStall, ta_stall, ta_stall_ref, ta_stall_unref)

TaStall *
ta_stall_new (guint        number,
              const char  *what,
              gint64       duration,
              gboolean     over,
              const char  *thread_name,
              guint64      thread_id,
              const char  *stack)
{
  TaStall *self = g_new0 (TaStall, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->number = number;
  self->what = g_strdup (what);
  self->duration = duration;
  self->over = over;
  self->thread_name = g_strdup (thread_name);
  self->thread_id = thread_id;
  self->stack = g_strdup (stack);

  return self;
}

/**
 * ta_stall_ref:
 * @self: a stall report
 *
 * Any thread.
 *
 * Returns: (transfer full): @self
 */
TaStall *
ta_stall_ref (TaStall *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * ta_stall_unref:
 * @self: (transfer full): a stall report
 *
 * Any thread.
 */
void
ta_stall_unref (TaStall *self)
{
  g_return_if_fail (self != NULL);

  if (!ta_ref_count_dec (&self->ref_count))
    return;

  g_free (self->what);
  g_free (self->thread_name);
  g_free (self->stack);
  g_free (self);
}

/**
 * ta_stall_get_number:
 * @self: a stall report
 *
 * Returns: which stall of its watchdog this is, from 1; both reports of
 *   one stall carry the same number
 */
guint
ta_stall_get_number (TaStall *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->number;
}

/**
 * ta_stall_get_what:
 * @self: a stall report
 *
 * What the context was busy with: "task “name”" for a ta-glib task, the
 * name of the dispatching [struct@GLib.Source], "an unnamed GSource
 * (callback at symbol)", or a sentence saying why it cannot be named.
 * See [class@Ta.Watchdog] for what can be named and how.
 *
 * Returns: (transfer none): what was running
 */
const char *
ta_stall_get_what (TaStall *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->what;
}

/**
 * ta_stall_get_duration:
 * @self: a stall report
 *
 * Returns: how long the stall has lasted so far, or in total once it is
 *   over, in microseconds
 */
gint64
ta_stall_get_duration (TaStall *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->duration;
}

/**
 * ta_stall_is_over:
 * @self: a stall report
 *
 * Returns: %TRUE for the report sent when the stall ended
 */
gboolean
ta_stall_is_over (TaStall *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->over;
}

/**
 * ta_stall_get_thread_name:
 * @self: a stall report
 *
 * Returns: (transfer none) (nullable): the name of the stalled thread, as
 *   the system knows it, if it could be read
 */
const char *
ta_stall_get_thread_name (TaStall *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->thread_name;
}

/**
 * ta_stall_get_thread_id:
 * @self: a stall report
 *
 * The stalled thread's `pthread_t`, as an integer: the key of that thread
 * in Python's `sys._current_frames()` (`threading.get_ident()`).
 *
 * Returns: the stalled thread's identifier
 */
guint64
ta_stall_get_thread_id (TaStall *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->thread_id;
}

/**
 * ta_stall_get_stack:
 * @self: a stall report
 *
 * The stalled thread's C stack, one frame a line, when the watchdog has an
 * [property@Ta.Watchdog:interrupt-signal] and the thread answered it. Only
 * the report sent while the stall goes on has it.
 *
 * Returns: (transfer none) (nullable): the stack, or %NULL
 */
const char *
ta_stall_get_stack (TaStall *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->stack;
}
