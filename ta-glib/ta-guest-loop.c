/* ta-guest-loop.c: another event loop, run inside a runner's loop
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * TaGuestLoop:
 *
 * Runs another event loop, such as Python's asyncio, as a guest of a
 * runner's GMainLoop, on the runner thread, interleaved with every GLib
 * source there.
 *
 * Most event loops can run one non-blocking iteration at a time and
 * expose what they wait on as one file descriptor (an epoll descriptor,
 * say) plus the time of their next timer. A guest loop watches that
 * descriptor on the runner's context and calls a [callback@Ta.GuestLoopFunc]
 * — one iteration — whenever it is readable, when the time the function
 * returned has come, or when [method@Ta.GuestLoop.wake] asks for it. When
 * the guest has nothing to do, it costs nothing: the runner sleeps in
 * poll() like any other idle GMainLoop.
 *
 * ```python
 * loop = asyncio.SelectorEventLoop()   # its selector's fd: loop._selector.fileno()
 *
 * def iterate(fd_ready, data):
 *     run_one_non_blocking_iteration(loop, look_at_fds=fd_ready)
 *     return 0 if loop._ready else next_timer_in_monotonic_us(loop)
 *
 * guest = Ta.GuestLoop.new(runner, 'asyncio', loop._selector.fileno(), iterate, None)
 * ```
 *
 * Work that reaches the guest loop without making its descriptor readable
 * — a callback queued from a GLib callback on the runner thread, outside
 * an iteration — needs a [method@Ta.GuestLoop.wake] to be noticed before
 * the next timer.
 *
 * A guest loop that blocks the runner thread is reported by name when
 * the runner cannot stop.
 *
 * Guests are usually interpreters that run one thread at a time: a thread
 * that a guest iteration wakes from a ta-glib wait (a queue pop, say)
 * could only go back to sleep on the interpreter's lock until the
 * iteration ends. So, where spinning is allowed, such a thread spins
 * briefly (at most some tens of µs) for the iteration to end before it
 * goes on; it never waits longer for an iteration that blocks.
 *
 * ## Thread safety
 *
 * [method@Ta.GuestLoop.wake] and [method@Ta.GuestLoop.destroy] may be
 * called from any thread. The function runs on the runner thread only.
 */

#include "config.h"

#include "ta-callback-private.h"
#include "ta-error.h"
#include "ta-guest-loop.h"
#include "ta-monitor-private.h"
#include "ta-runner-private.h"

typedef struct
{
  GSource       source;
  TaRunnerCore *core;       /* strong, immutable */
  char         *activity;   /* immutable: what the runner is busy with */
  int           wake;       /* atomic: an iteration was asked for */
  int           fd;         /* immutable: the descriptor, or -1 */
  /* Runner thread only, once attached: */
  gpointer      fd_tag;     /* the descriptor's watch, or NULL */
  gboolean      iterating;  /* the function is running */
  gboolean      fd_dropped; /* ... and a nested loop stopped watching */
} TaGuestSource;

#define TA_GUEST_FD_EVENTS (G_IO_IN | G_IO_HUP | G_IO_ERR)

struct _TaGuestLoop
{
  GObject        parent_instance;

  char          *name;      /* immutable */
  int            fd;        /* immutable */
  GMainContext  *context;   /* strong: keeps the source's context alive */
  TaGuestSource *source;    /* strong */
};

G_DEFINE_FINAL_TYPE (TaGuestLoop, ta_guest_loop, G_TYPE_OBJECT)

/*
 * The source may recurse, so that GLib does not stop watching its
 * descriptor around each dispatch (which costs two wake-ups of the
 * context through its eventfd, each time). The guest itself must not be
 * re-entered: a loop nested in one of its iterations (a synchronous call
 * that runs the runner's context) does not dispatch it, and stops
 * watching the descriptor, which would otherwise keep that loop busy,
 * until the iteration is over.
 */
static gboolean
ta_guest_source_prepare (GSource *source,
                         gint    *timeout)
{
  TaGuestSource *guest = (TaGuestSource *) source;
  gboolean ready = FALSE;

  /* Made on another thread, published by GLib's attach. */
  ta_tsan_acquire (guest);

  /* The descriptor and the ready time are GLib's to watch. */
  *timeout = -1;

  if (guest->iterating)
    {
      /* Not just muted: poll() reports a hang-up whatever one asks. */
      if (guest->fd_tag != NULL)
        {
          g_source_remove_unix_fd (source, guest->fd_tag);
          guest->fd_tag = NULL;
          guest->fd_dropped = TRUE;
        }
    }
  else
    ready = g_atomic_int_get (&guest->wake) != 0;

  /* Each of the runner's visits ends so: the source may be finalized on
   * another thread next, ordered by GLib's context lock, which TSan does
   * not see. */
  ta_tsan_release (guest);

  return ready;
}

static gboolean
ta_guest_source_check (GSource *source)
{
  TaGuestSource *guest = (TaGuestSource *) source;
  gboolean ready;

  /* A source attached during an iteration is checked before it was ever
   * prepared: its publication by the attach is seen here first. */
  ta_tsan_acquire (guest);
  ready = !guest->iterating && g_atomic_int_get (&guest->wake) != 0;
  ta_tsan_release (guest);

  return ready;
}

static gboolean
ta_guest_source_dispatch (GSource     *source,
                          GSourceFunc  callback,
                          gpointer     user_data)
{
  TaGuestSource *guest = (TaGuestSource *) source;
  TaGuestLoopFunc func = (TaGuestLoopFunc) (void (*) (void)) callback;
  TaActivity previous;
  gboolean fd_ready = FALSE;
  gint64 next;

  if (func == NULL)
    {
      ta_tsan_release (guest);
      return G_SOURCE_REMOVE;
    }

  /* Its ready time came in a nested loop: the outer iteration goes again
   * once it is over. */
  if (guest->iterating)
    {
      g_source_set_ready_time (source, -1);
      g_atomic_int_set (&guest->wake, 1);
      return G_SOURCE_CONTINUE;
    }

  /* Cleared before the iteration: a wake that comes during it asks for
   * another one. */
  g_atomic_int_set (&guest->wake, 0);

  /* Polled in this iteration: GLib checked every descriptor of a source
   * it dispatches. Not watched (yet), it may be ready: the guest looks. */
  if (guest->fd_tag != NULL)
    fd_ready = g_source_query_unix_fd (source, guest->fd_tag) != 0;
  else if (guest->fd >= 0)
    fd_ready = TRUE;

  previous = ta_runner_core_push_activity (guest->core, guest->activity, NULL, NULL);
  guest->iterating = TRUE;
  ta_guest_iteration_begin ();
  next = func (fd_ready, user_data);
  ta_guest_iteration_end ();
  guest->iterating = FALSE;
  ta_runner_core_pop_activity (guest->core, previous);

  if (guest->fd_dropped && !g_source_is_destroyed (source))
    {
      guest->fd_tag = g_source_add_unix_fd (source, guest->fd, TA_GUEST_FD_EVENTS);
      guest->fd_dropped = FALSE;
    }

  g_source_set_ready_time (source, MAX (next, -1));

  ta_tsan_release (guest);

  return G_SOURCE_CONTINUE;
}

static void
ta_guest_source_finalize (GSource *source)
{
  TaGuestSource *guest = (TaGuestSource *) source;

  ta_tsan_acquire (guest);
  g_free (guest->activity);
  ta_runner_core_unref (guest->core);
}

static GSourceFuncs ta_guest_source_funcs = {
  .prepare = ta_guest_source_prepare,
  .check = ta_guest_source_check,
  .dispatch = ta_guest_source_dispatch,
  .finalize = ta_guest_source_finalize,
};

static void
ta_guest_loop_finalize (GObject *object)
{
  TaGuestLoop *self = TA_GUEST_LOOP (object);

  g_source_destroy ((GSource *) self->source);
  g_source_unref ((GSource *) self->source);
  g_main_context_unref (self->context);
  g_free (self->name);

  G_OBJECT_CLASS (ta_guest_loop_parent_class)->finalize (object);
}

static void
ta_guest_loop_class_init (TaGuestLoopClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ta_guest_loop_finalize;
}

static void
ta_guest_loop_init (TaGuestLoop *self)
{
}

/**
 * ta_guest_loop_new:
 * @runner: a running runner
 * @name: (nullable): what the guest loop is, for reports such as a stuck
 *   runner's, or %NULL
 * @fd: a file descriptor that becomes readable when the guest loop has
 *   work, or -1 to rely on the returned times and on wakes only
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   runs one non-blocking iteration of the guest loop
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data once the guest loop is
 *   destroyed
 * @error: return location for a #GError
 *
 * Starts running a guest loop inside @runner's loop. @func first runs in
 * the runner's next iteration, then whenever @fd is readable, the time it
 * returned has come, or [method@Ta.GuestLoop.wake] was called.
 *
 * The guest loop lasts until [method@Ta.GuestLoop.destroy], the last
 * reference to it, or the end of the runner thread, whichever comes
 * first; @user_data_destroy runs then, on the thread that destroyed it
 * (the runner thread, when the runner stops).
 *
 * Any thread.
 *
 * Returns: (transfer full): the guest loop, or %NULL with
 *   %TA_ERROR_NOT_RUNNING if @runner is not running, or
 *   %TA_ERROR_WRONG_THREAD for a function that cannot run on the runner
 *   thread (JavaScript)
 */
TaGuestLoop *
ta_guest_loop_new (TaRunner         *runner,
                   const char       *name,
                   int               fd,
                   TaGuestLoopFunc   func,
                   gpointer          user_data,
                   GDestroyNotify    user_data_destroy,
                   GError          **error)
{
  TaGuestLoop *self;
  TaGuestSource *guest;

  g_return_val_if_fail (TA_IS_RUNNER (runner), NULL);
  g_return_val_if_fail (fd >= -1, NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!ta_callback_check_portable (func, "ta_guest_loop_new", user_data,
                                   user_data_destroy, error))
    return NULL;

  if (!ta_runner_is_running (runner))
    {
      if (user_data_destroy != NULL)
        user_data_destroy (user_data);
      g_set_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING,
                   "Runner “%s” is not running: no guest loop can join it",
                   ta_runner_get_name (runner));
      return NULL;
    }

  self = g_object_new (TA_TYPE_GUEST_LOOP, NULL);
  self->name = g_strdup (name != NULL ? name : "guest loop");
  self->fd = fd;
  self->context = g_main_context_ref (ta_runner_get_context (runner));

  guest = (TaGuestSource *) g_source_new (&ta_guest_source_funcs, sizeof (TaGuestSource));
  guest->core = ta_runner_core_ref (ta_runner_peek_core (runner));
  guest->activity = g_strdup_printf ("the guest loop “%s”", self->name);
  guest->wake = 1;  /* a first iteration */
  self->source = guest;

  g_source_set_name ((GSource *) guest, guest->activity);
  g_source_set_can_recurse ((GSource *) guest, TRUE);
  guest->fd = fd;
  if (fd >= 0)
    guest->fd_tag = g_source_add_unix_fd ((GSource *) guest, fd, TA_GUEST_FD_EVENTS);
  g_source_set_callback ((GSource *) guest, (GSourceFunc) (void (*) (void)) func,
                         user_data, user_data_destroy);
  ta_tsan_release (guest);
  g_source_attach ((GSource *) guest, self->context);

  return self;
}

/**
 * ta_guest_loop_get_name:
 * @self: a guest loop
 *
 * Gets the name given at construction.
 *
 * Any thread.
 *
 * Returns: (transfer none): the name
 */
const char *
ta_guest_loop_get_name (TaGuestLoop *self)
{
  g_return_val_if_fail (TA_IS_GUEST_LOOP (self), NULL);

  return self->name;
}

/**
 * ta_guest_loop_get_fd:
 * @self: a guest loop
 *
 * Gets the file descriptor the guest loop watches.
 *
 * Any thread.
 *
 * Returns: the file descriptor, or -1
 */
int
ta_guest_loop_get_fd (TaGuestLoop *self)
{
  g_return_val_if_fail (TA_IS_GUEST_LOOP (self), -1);

  return self->fd;
}

/**
 * ta_guest_loop_wake:
 * @self: a guest loop
 *
 * Asks for an iteration of the guest loop soon, in the runner's next
 * iteration. Wakes made before an iteration starts are all served by it;
 * a wake made during an iteration asks for another one. Waking a
 * destroyed guest loop does nothing.
 *
 * Any thread. From the runner thread it costs one atomic operation.
 */
void
ta_guest_loop_wake (TaGuestLoop *self)
{
  g_return_if_fail (TA_IS_GUEST_LOOP (self));

  if (!g_atomic_int_compare_and_exchange (&self->source->wake, 0, 1))
    return;

  /* The runner thread is not polling while it runs this. */
  if (!ta_runner_core_is_current (self->source->core))
    ta_runner_core_kick (self->source->core);
}

/**
 * ta_guest_loop_destroy:
 * @self: a guest loop
 *
 * Stops running the guest loop and frees its function's data. On the
 * runner thread, the function is never called again once this returns,
 * and the data is freed here. From another thread, an iteration already
 * under way finishes, and the data is freed where it ends, or here when
 * none was.
 *
 * Any thread.
 */
void
ta_guest_loop_destroy (TaGuestLoop *self)
{
  g_return_if_fail (TA_IS_GUEST_LOOP (self));

  /* The data may be freed here, after the runner's last visit, ordered
   * by GLib's context lock, which TSan does not see. */
  ta_tsan_acquire (self->source);
  g_source_destroy ((GSource *) self->source);
}

/**
 * ta_guest_loop_is_destroyed:
 * @self: a guest loop
 *
 * Tells whether the guest loop was destroyed, by
 * [method@Ta.GuestLoop.destroy] or by the end of its runner's thread.
 *
 * Any thread.
 *
 * Returns: %TRUE once the guest loop no longer runs
 */
gboolean
ta_guest_loop_is_destroyed (TaGuestLoop *self)
{
  g_return_val_if_fail (TA_IS_GUEST_LOOP (self), TRUE);

  return g_source_is_destroyed ((GSource *) self->source);
}

/**
 * ta_guest_loop_wake_and_wait:
 * @self: a guest loop
 * @event: the event to wait for, which the guest loop's iteration sets
 * @timeout_us: the longest wait in microseconds, %TA_TIMEOUT_INFINITE to
 *   wait forever, or %TA_TIMEOUT_DEFAULT for the runner's default call
 *   timeout
 * @error: return location for a #GError
 *
 * Asks for an iteration of the guest loop, as [method@Ta.GuestLoop.wake]
 * does, and waits until @event is set, as [method@Ta.Event.wait] does.
 *
 * Made for bindings: an interpreter lock that the binding releases around
 * this call is already released when the iteration starts. With a wake
 * and a wait made as two calls, the runner thread could reach the
 * interpreter between the two, while the caller still holds the lock,
 * and would have to sleep until the caller released it.
 *
 * A destroyed guest loop is not woken: the wait then lasts until @event
 * is set or @timeout_us has passed.
 *
 * Any thread but the runner thread, where the iteration could not run
 * while it waits.
 *
 * Returns: %TRUE once @event is set; %FALSE with %TA_ERROR_TIMEOUT when
 *   @timeout_us passed first, or with %TA_ERROR_WOULD_DEADLOCK on the
 *   runner thread
 */
gboolean
ta_guest_loop_wake_and_wait (TaGuestLoop  *self,
                             TaEvent      *event,
                             gint64        timeout_us,
                             GError      **error)
{
  TaRunnerCore *core;

  g_return_val_if_fail (TA_IS_GUEST_LOOP (self), FALSE);
  g_return_val_if_fail (TA_IS_EVENT (event), FALSE);
  g_return_val_if_fail (timeout_us >= TA_TIMEOUT_DEFAULT, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  core = self->source->core;
  if (ta_runner_core_is_current (core))
    {
      g_set_error (error, TA_ERROR, TA_ERROR_WOULD_DEADLOCK,
                   "Cannot wait for guest loop “%s” of runner “%s” on the runner "
                   "thread: its iteration could not run", self->name, core->name);
      return FALSE;
    }

  timeout_us = ta_runner_core_resolve_timeout (core, timeout_us);
  if (g_atomic_int_compare_and_exchange (&self->source->wake, 0, 1))
    ta_runner_core_kick_and_wait (core);

  return ta_event_wait (event, timeout_us, error);
}
