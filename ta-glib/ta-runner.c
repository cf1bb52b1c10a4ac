/* ta-runner.c: a GMainLoop on a thread of its own
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * TaRunner:
 *
 * A runner owns one thread that runs a [struct@GLib.MainLoop] on its own
 * [struct@GLib.MainContext], pushed as that thread's thread-default context
 * for its whole life. Asynchronous GLib code started there (GIO, D-Bus,
 * sockets, subprocesses, timeouts) completes there, so the calling thread,
 * often a UI thread, never blocks on it.
 *
 * Work reaches the runner from any thread:
 *
 * - [method@Ta.Runner.spawn] starts a task: a [type@Ta.TaskFunc] that
 *   completes a [class@Gio.Task]; the returned [class@Ta.Task] is waited on,
 *   awaited or cancelled from anywhere. [method@Ta.Runner.run] spawns and
 *   waits in one call.
 * - [method@Ta.Runner.call] runs a function there and waits for it, with a
 *   timeout; [method@Ta.Runner.invoke] runs one without waiting.
 * - [method@Ta.Runner.wait_next_iteration] checks that the loop is alive.
 *
 * ```c
 * g_autoptr(GError) error = NULL;
 * g_autoptr(TaRunner) runner = ta_runner_new ("worker");
 * g_autoptr(TaTask) task = NULL;
 *
 * if (!ta_runner_start (runner, &error))
 *   g_error ("%s", error->message);
 * task = ta_runner_run (runner, "foo", foo, NULL, NULL, TA_TIMEOUT_INFINITE, &error);
 * if (task != NULL)
 *   g_print ("%" G_GSSIZE_FORMAT "\n", ta_task_propagate_int (task, NULL));
 * if (!ta_runner_stop (runner, &error))
 *   g_printerr ("%s\n", error->message);
 * ```
 *
 * ## Stopping
 *
 * [method@Ta.Runner.stop] works in this order: it refuses new work (which
 * then fails at once with %TA_ERROR_NOT_RUNNING), cancels every outstanding
 * task (including tasks spawned by tasks), lets the loop run until the
 * cancelled tasks have completed, quits the loop and joins the thread. All
 * of it is bounded by [property@Ta.Runner:exit-timeout]: tasks that ignore
 * their cancellation are failed with %G_IO_ERROR_CANCELLED once most of it
 * has passed and they no longer complete, a loop still completing
 * cancelled tasks is waited for past it, and a loop that does not respond
 * at all (a task function that blocks the thread) makes stop return with
 * %TA_ERROR_TIMEOUT naming what the loop is stuck in. Such a thread cannot be killed safely; it is
 * detached and [property@Ta.Runner:shutdown-type] says
 * %TA_SHUTDOWN_TYPE_ABANDONED. Task errors that nobody retrieved are
 * reported together by stop, and kept for
 * [method@Ta.Runner.dup_unretrieved_errors]. A runner that is finalized
 * while running is stopped.
 *
 * ## Thread safety
 *
 * Every method may be called from any thread. Functions given to the runner
 * run on the runner thread, and their destroy notifies run there too once
 * they have run (or on the thread that stopped the runner, for work it
 * never got to). Blocking calls made on the runner thread about its own
 * loop fail at once with %TA_ERROR_WOULD_DEADLOCK instead of hanging, except
 * [method@Ta.Runner.call], which runs the function inline. Property change
 * notifications are emitted in the thread-default main context of the
 * thread that created the runner.
 */

#include "config.h"

#include "ta-call-private.h"
#include "ta-callback-private.h"
#include "ta-enums.h"
#include "ta-error.h"
#include "ta-runner-private.h"
#include "ta-waiter-private.h"
#include "ta-task-private.h"
#include "ta-watchdog-private.h"


struct _TaRunner
{
  GObject        parent_instance;

  TaRunnerCore  *core;            /* strong, immutable after construction */
  char          *name;            /* immutable */
  GMainContext  *owner_context;   /* where notifications are emitted */
  GThread       *owner_thread;

  /* guarded by core->monitor */
  GThread       *thread;
  TaShutdownType shutdown_type;
  GPtrArray     *unretrieved;     /* GError */
  TaExecutor    *executor;        /* the default one, created on demand */
  GError        *stop_error;      /* how the stop that did the work failed,
                                   * for the stops that waited on it */
  TaWatchdog    *watchdog;        /* stall-threshold's, or NULL */
};

G_DEFINE_TYPE (TaRunner, ta_runner, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_CONTEXT,
  PROP_RUNNING,
  PROP_SHUTDOWN_TYPE,
  PROP_DEFAULT_CALL_TIMEOUT,
  PROP_EXIT_TIMEOUT,
  PROP_SPIN,
  PROP_STALL_THRESHOLD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---------------------------------------------------------------------- */
/* The object                                                              */
/* ---------------------------------------------------------------------- */

typedef struct
{
  GWeakRef    runner;
  GParamSpec *pspec;
} TaNotify;

static gboolean
ta_runner_notify_cb (gpointer user_data)
{
  TaNotify *notify = user_data;
  g_autoptr(TaRunner) self = g_weak_ref_get (&notify->runner);

  if (self != NULL)
    g_object_notify_by_pspec (G_OBJECT (self), notify->pspec);

  return G_SOURCE_REMOVE;
}

static void
ta_notify_free (gpointer data)
{
  TaNotify *notify = data;

  g_weak_ref_clear (&notify->runner);
  g_free (notify);
}

/* Notifications belong to the thread that created the runner. */
static void
ta_runner_notify (TaRunner *self,
                  guint     prop_id)
{
  TaNotify *notify;
  GSource *source;

  if (g_thread_self () == self->owner_thread)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
      return;
    }

  notify = g_new0 (TaNotify, 1);
  g_weak_ref_init (&notify->runner, self);
  notify->pspec = properties[prop_id];
  source = g_idle_source_new ();
  g_source_set_static_name (source, "[ta-glib] runner notify");
  g_source_set_callback (source, ta_runner_notify_cb, notify, ta_notify_free);
  g_source_attach (source, self->owner_context);
  g_source_unref (source);
}

/* Any thread but the runner's: stop without waiting, for finalization. */
static void     ta_runner_stop_detached (TaRunner  *self);
static gboolean ta_runner_stop_internal (TaRunner  *self,
                                         gboolean   notify,
                                         GError   **error);
static char    *ta_runner_describe_stuck_with_stack (TaRunner *self);

static void
ta_runner_dispose (GObject *object)
{
  TaRunner *self = TA_RUNNER (object);
  TaCoreState state;

  ta_monitor_lock (&self->core->monitor);
  while (self->core->state == TA_CORE_STARTING)
    ta_monitor_wait_until (&self->core->monitor, -1);
  state = self->core->state;
  ta_monitor_unlock (&self->core->monitor);

  if (state == TA_CORE_RUNNING || state == TA_CORE_STOPPING)
    {
      if (ta_runner_core_is_current (self->core))
        {
          ta_runner_stop_detached (self);
        }
      else
        {
          g_autoptr(GError) error = NULL;

          /* No notifications: they would run user code from dispose. */
          if (!ta_runner_stop_internal (self, FALSE, &error))
            g_warning ("Runner “%s” was finalized while running: %s",
                       self->name, error->message);
        }
    }

  G_OBJECT_CLASS (ta_runner_parent_class)->dispose (object);
}

static void
ta_runner_finalize (GObject *object)
{
  TaRunner *self = TA_RUNNER (object);

  g_clear_pointer (&self->unretrieved, g_ptr_array_unref);
  g_clear_error (&self->stop_error);
  g_clear_object (&self->executor);
  if (self->watchdog != NULL)
    ta_watchdog_detach (self->watchdog);
  g_clear_object (&self->watchdog);
  if (self->thread != NULL)
    g_thread_unref (self->thread);
  ta_runner_core_unref (self->core);
  g_main_context_unref (self->owner_context);
  g_free (self->name);

  G_OBJECT_CLASS (ta_runner_parent_class)->finalize (object);
}

static void
ta_runner_constructed (GObject *object)
{
  TaRunner *self = TA_RUNNER (object);

  G_OBJECT_CLASS (ta_runner_parent_class)->constructed (object);

  if (self->name == NULL)
    self->name = g_strdup ("ta-runner");
  self->core = ta_runner_core_new (self->name);
}

static void
ta_runner_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  TaRunner *self = TA_RUNNER (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_CONTEXT:
      g_value_set_boxed (value, self->core->context);
      break;

    case PROP_RUNNING:
      g_value_set_boolean (value, ta_runner_is_running (self));
      break;

    case PROP_SHUTDOWN_TYPE:
      g_value_set_enum (value, ta_runner_get_shutdown_type (self));
      break;

    case PROP_DEFAULT_CALL_TIMEOUT:
      g_value_set_int64 (value, ta_runner_get_default_call_timeout (self));
      break;

    case PROP_EXIT_TIMEOUT:
      g_value_set_int64 (value, ta_runner_get_exit_timeout (self));
      break;

    case PROP_SPIN:
      g_value_set_boolean (value, ta_runner_get_spin (self));
      break;

    case PROP_STALL_THRESHOLD:
      g_value_set_int64 (value, ta_runner_get_stall_threshold (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ta_runner_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  TaRunner *self = TA_RUNNER (object);

  switch (prop_id)
    {
    case PROP_NAME:
      self->name = g_value_dup_string (value);
      break;

    case PROP_DEFAULT_CALL_TIMEOUT:
      ta_runner_set_default_call_timeout (self, g_value_get_int64 (value));
      break;

    case PROP_EXIT_TIMEOUT:
      ta_runner_set_exit_timeout (self, g_value_get_int64 (value));
      break;

    case PROP_SPIN:
      ta_runner_set_spin (self, g_value_get_boolean (value));
      break;

    case PROP_STALL_THRESHOLD:
      ta_runner_set_stall_threshold (self, g_value_get_int64 (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ta_runner_class_init (TaRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = ta_runner_constructed;
  object_class->dispose = ta_runner_dispose;
  object_class->finalize = ta_runner_finalize;
  object_class->get_property = ta_runner_get_property;
  object_class->set_property = ta_runner_set_property;

  /**
   * TaRunner:name:
   *
   * The runner's name, also the name of its thread. Defaults to
   * `ta-runner`.
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * TaRunner:context:
   *
   * The main context the runner's loop iterates, thread-default on the
   * runner thread.
   */
  properties[PROP_CONTEXT] =
    g_param_spec_boxed ("context", NULL, NULL,
                        G_TYPE_MAIN_CONTEXT,
                        (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaRunner:running:
   *
   * Whether the runner accepts work: %TRUE from a successful
   * [method@Ta.Runner.start] until [method@Ta.Runner.stop] begins.
   */
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  /**
   * TaRunner:shutdown-type:
   *
   * How the runner was shut down.
   */
  properties[PROP_SHUTDOWN_TYPE] =
    g_param_spec_enum ("shutdown-type", NULL, NULL,
                       TA_TYPE_SHUTDOWN_TYPE,
                       TA_SHUTDOWN_TYPE_NOT_SHUT_DOWN,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  /**
   * TaRunner:default-call-timeout:
   *
   * The timeout, in microseconds, that %TA_TIMEOUT_DEFAULT stands for in
   * waits on this runner: calls, iterations and task waits.
   * %TA_TIMEOUT_INFINITE (the default) waits as long as it takes.
   */
  properties[PROP_DEFAULT_CALL_TIMEOUT] =
    g_param_spec_int64 ("default-call-timeout", NULL, NULL,
                        TA_TIMEOUT_INFINITE, G_MAXINT64, TA_TIMEOUT_INFINITE,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  /**
   * TaRunner:exit-timeout:
   *
   * How long, in microseconds, [method@Ta.Runner.stop] waits for the loop
   * to finish its cancelled tasks and exit before it abandons the thread;
   * one second by default. A loop still completing cancelled tasks is
   * waited for past it while it shows signs of life within each further
   * exit timeout (see [method@Ta.Runner.stop]). %TA_TIMEOUT_INFINITE waits
   * as long as it takes.
   */
  properties[PROP_EXIT_TIMEOUT] =
    g_param_spec_int64 ("exit-timeout", NULL, NULL,
                        TA_TIMEOUT_INFINITE, G_MAXINT64, TA_RUNNER_DEFAULT_EXIT_TIMEOUT_US,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  /**
   * TaRunner:spin:
   *
   * Whether the runner thread, about to sleep for want of work, first
   * spins for a few microseconds watching for new work. It makes a hand-off
   * from another thread take a fraction of a microsecond instead of a
   * wake-up (tens of microseconds between the CPUs of a virtual machine),
   * at the price of some CPU time after each burst of work. Spinning adapts
   * (at most 40 µs): it shortens when it does not pay, lengthens when a
   * sleep that a longer spin would have avoided ended on another CPU's
   * wake-up, and is skipped when the thread may only run on one CPU or
   * under valgrind. A runner thread that may only run on one CPU, shared
   * with the thread that sent it the last work, gives that CPU away once
   * before it sleeps instead, so that work sent meanwhile costs no
   * wake-up; it yields less often after yields that brought nothing.
   *
   * %TRUE by default, right for a desktop application. Turn it off for
   * runners that only see sparse work on a machine where every cycle
   * counts, such as on battery. The environment variable `TA_SPIN=0` turns
   * off spinning everywhere: in waits, and on ta-glib's own locks, which
   * otherwise retry briefly before they sleep.
   */
  properties[PROP_SPIN] =
    g_param_spec_boolean ("spin", NULL, NULL,
                          TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  /**
   * TaRunner:stall-threshold:
   *
   * When positive, a [class@Ta.Watchdog] watches the runner's loop and
   * reports each dispatch longer than this many microseconds, naming the
   * task, while it goes on; 0 (the default) watches nothing. See
   * [method@Ta.Runner.dup_watchdog] for its reports and statistics. If the
   * watchdog is given an interrupt signal, a stop that abandons a stuck
   * thread includes that thread's stack in its error.
   */
  properties[PROP_STALL_THRESHOLD] =
    g_param_spec_int64 ("stall-threshold", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ta_runner_init (TaRunner *self)
{
  self->owner_context = g_main_context_ref_thread_default ();
  self->owner_thread = g_thread_self ();
  self->shutdown_type = TA_SHUTDOWN_TYPE_NOT_SHUT_DOWN;
}

/* The core behind a runner, for the library's other types. */
TaRunnerCore *
ta_runner_peek_core (TaRunner *runner)
{
  return runner->core;
}

/**
 * ta_runner_new:
 * @name: (nullable): a name for the runner and its thread, or %NULL for
 *   `ta-runner`
 *
 * Creates a runner. It does not run until [method@Ta.Runner.start].
 *
 * Any thread; it becomes the runner's owner thread, where property
 * notifications are emitted.
 *
 * Returns: (transfer full): a new runner
 */
TaRunner *
ta_runner_new (const char *name)
{
  return g_object_new (TA_TYPE_RUNNER, "name", name, NULL);
}

/**
 * ta_runner_set_thread_hook:
 * @self: a runner that has not started
 * @hook: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   called on the runner thread when it starts and when it ends
 * @user_data: data for @hook
 * @user_data_destroy: (nullable): frees @user_data, on the runner thread
 *   after the last call
 *
 * Sets a function that the runner thread calls with %TRUE when it starts,
 * before its loop first iterates, and with %FALSE when it ends, after its
 * loop has quit. A thread abandoned while stuck never makes the second
 * call. Setting it once the runner started is a programmer error, and so
 * is a JavaScript hook (it could only run on the runner thread): both are
 * refused with a critical.
 *
 * Any thread, before [method@Ta.Runner.start]. @hook runs on the runner
 * thread.
 */
void
ta_runner_set_thread_hook (TaRunner         *self,
                           TaThreadHookFunc  hook,
                           gpointer          user_data,
                           GDestroyNotify    user_data_destroy)
{
  g_autoptr(GError) error = NULL;
  TaRunnerCore *core;
  gpointer old_data;
  GDestroyNotify old_destroy;

  g_return_if_fail (TA_IS_RUNNER (self));
  g_return_if_fail (hook != NULL);

  if (!ta_callback_check_portable (hook, "ta_runner_set_thread_hook", user_data,
                                   user_data_destroy, &error))
    {
      g_critical ("%s", error->message);
      return;
    }

  core = self->core;
  ta_monitor_lock (&core->monitor);
  if (core->state != TA_CORE_NEW)
    {
      ta_monitor_unlock (&core->monitor);
      g_critical ("ta_runner_set_thread_hook: runner “%s” has started already",
                  self->name);
      if (user_data_destroy != NULL)
        user_data_destroy (user_data);
      return;
    }
  old_data = core->thread_hook_data;
  old_destroy = core->thread_hook_destroy;
  core->thread_hook = hook;
  core->thread_hook_data = user_data;
  core->thread_hook_destroy = user_data_destroy;
  ta_monitor_unlock (&core->monitor);

  if (old_destroy != NULL)
    old_destroy (old_data);
}

/**
 * ta_runner_start:
 * @self: a runner
 * @error: return location for a #GError
 *
 * Starts the runner thread and its loop. It returns once the loop has
 * iterated, so the runner is ready for work. A runner starts once: starting
 * it again fails with %TA_ERROR_ALREADY_STARTED, and starting a stopped
 * runner with %TA_ERROR_NOT_RUNNING.
 *
 * Any thread.
 *
 * Returns: %TRUE once the loop runs, %FALSE with @error set otherwise
 */
gboolean
ta_runner_start (TaRunner  *self,
                 GError   **error)
{
  TaRunnerCore *core;
  GThread *thread;
  GError *local_error = NULL;

  g_return_val_if_fail (TA_IS_RUNNER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  core = self->core;

  ta_monitor_lock (&core->monitor);
  switch (core->state)
    {
    case TA_CORE_NEW:
      core->state = TA_CORE_STARTING;
      core->thread_alive = TRUE;
      break;

    case TA_CORE_STARTING:
    case TA_CORE_RUNNING:
      ta_monitor_unlock (&core->monitor);
      g_set_error (error, TA_ERROR, TA_ERROR_ALREADY_STARTED,
                   "Runner “%s” was already started", self->name);
      return FALSE;

    case TA_CORE_STOPPING:
    case TA_CORE_STOPPED:
    default:
      ta_monitor_unlock (&core->monitor);
      g_set_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING,
                   "Runner “%s” was stopped; a runner cannot be restarted",
                   self->name);
      return FALSE;
    }
  ta_monitor_unlock (&core->monitor);

  thread = g_thread_try_new (self->name, ta_runner_thread_main,
                             ta_runner_core_ref (core), &local_error);

  ta_monitor_lock (&core->monitor);
  if (thread == NULL)
    {
      core->state = TA_CORE_NEW;
      core->thread_alive = FALSE;
      ta_monitor_broadcast (&core->monitor);
      ta_monitor_unlock (&core->monitor);
      ta_runner_core_unref (core);
      g_propagate_prefixed_error (error, local_error,
                                  "Could not start runner “%s”: ", self->name);
      return FALSE;
    }
  self->thread = thread;
  /* Only now: nothing can be queued for a thread that failed to start. */
  ta_inbox_open (core->inbox);
  while (!core->iterating)
    ta_monitor_wait_until (&core->monitor, -1);
  core->state = TA_CORE_RUNNING;
  ta_monitor_broadcast (&core->monitor);
  ta_monitor_unlock (&core->monitor);

  ta_runner_notify (self, PROP_RUNNING);

  return TRUE;
}

static void
ta_runner_stop_detached (TaRunner *self)
{
  TaRunnerCore *core = self->core;
  gint64 exit_timeout;
  GThread *thread;

  ta_monitor_lock (&core->monitor);
  if (core->state != TA_CORE_RUNNING)
    {
      ta_monitor_unlock (&core->monitor);
      return;
    }
  core->state = TA_CORE_STOPPING;
  ta_monitor_unlock (&core->monitor);

  /* The thread holds its own reference to the core and finishes alone,
   * reporting errors nobody retrieved itself; a watchdog abandons it if it
   * does not finish within the exit timeout. */
  ta_monitor_lock (&core->monitor);
  core->detached = TRUE;
  ta_monitor_unlock (&core->monitor);
  exit_timeout = ta_runner_get_exit_timeout (self);
  ta_runner_core_shut_down (core, exit_timeout);

  ta_monitor_lock (&core->monitor);
  thread = g_steal_pointer (&self->thread);
  core->state = TA_CORE_STOPPED;
  self->shutdown_type = TA_SHUTDOWN_TYPE_STOPPED;
  ta_monitor_broadcast (&core->monitor);
  ta_monitor_unlock (&core->monitor);

  g_thread_unref (thread);

  ta_runner_core_watch_exit (core, exit_timeout);
}

/**
 * ta_runner_stop:
 * @self: a runner
 * @error: return location for a #GError
 *
 * Stops the runner, in this order: new work is refused; every outstanding
 * task, including tasks spawned by tasks, is cancelled; the loop runs until
 * they have completed; it quits; the thread is joined. Work still queued
 * fails with %TA_ERROR_NOT_RUNNING, waits on the cancelled tasks with
 * %G_IO_ERROR_CANCELLED.
 *
 * Tasks spawned before the stop take their first step before they are
 * cancelled. All of it takes [property@Ta.Runner:exit-timeout], with one
 * exception. From three quarters of it on, the loop looks, every eighth
 * of it, for tasks that do not honour their cancellation: once no task
 * completes any more, those left are failed and named in a warning. A loop
 * still completing cancelled tasks when the exit timeout runs out (tens of
 * thousands of them) is waited for past it, as long as it shows a sign of
 * life (an iteration, a task's step, a task completed) within each
 * further exit timeout (at least two seconds). A loop that does not respond, such as one whose task
 * function blocks the thread, is abandoned: stop returns
 * %TA_ERROR_TIMEOUT naming what the loop is stuck in, detaches the thread
 * (it finishes on its own if it ever unblocks) and sets
 * [property@Ta.Runner:shutdown-type] to %TA_SHUTDOWN_TYPE_ABANDONED.
 *
 * When tasks failed and nobody retrieved their errors, stop returns
 * %TA_ERROR_UNRETRIEVED with each error's message; the originals are kept
 * for [method@Ta.Runner.dup_unretrieved_errors].
 *
 * Stopping is idempotent: stopping a stopped runner, or one that never
 * started, succeeds and reports nothing new. A stop called while another
 * is under way waits for it and reports the same outcome: the same return
 * value, and a copy of its error.
 *
 * Any thread but the runner thread, where it fails at once with
 * %TA_ERROR_WOULD_DEADLOCK.
 *
 * Returns: %TRUE if the runner stopped cleanly, %FALSE with @error set
 *   otherwise (the runner is stopped either way)
 */
gboolean
ta_runner_stop (TaRunner  *self,
                GError   **error)
{
  g_return_val_if_fail (TA_IS_RUNNER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return ta_runner_stop_internal (self, TRUE, error);
}

static gboolean
ta_runner_stop_internal (TaRunner  *self,
                         gboolean   notify,
                         GError   **error)
{
  TaRunnerCore *core;
  gint64 exit_timeout;
  gint64 end_time;
  gboolean alive;
  GThread *thread;
  GPtrArray *unretrieved;
  g_autoptr(GString) report = g_string_new (NULL);
  gboolean ok;
  g_autofree char *stuck = NULL;
  g_autoptr(TaExecutor) executor = NULL;
  g_autoptr(GError) executor_error = NULL;
  GError *local_error = NULL;
  gboolean waited = FALSE;

  core = self->core;

  if (ta_runner_core_is_current (core))
    {
      g_set_error (error, TA_ERROR, TA_ERROR_WOULD_DEADLOCK,
                   "Runner “%s” cannot be stopped from its own thread: "
                   "stop would wait for the thread it runs on",
                   self->name);
      return FALSE;
    }

  ta_monitor_lock (&core->monitor);
  while (core->state == TA_CORE_STARTING || core->state == TA_CORE_STOPPING)
    {
      waited |= core->state == TA_CORE_STOPPING;
      ta_monitor_wait_until (&core->monitor, -1);
    }
  switch (core->state)
    {
    case TA_CORE_NEW:
      core->state = TA_CORE_STOPPED;
      self->shutdown_type = TA_SHUTDOWN_TYPE_STOPPED;
      ta_monitor_unlock (&core->monitor);
      if (notify)
        ta_runner_notify (self, PROP_SHUTDOWN_TYPE);
      return TRUE;

    case TA_CORE_STOPPED:
      /* A stop that raced the one that did the work reports the same
       * outcome; a later one has nothing new to report. */
      if (waited && self->stop_error != NULL)
        {
          g_propagate_error (error, g_error_copy (self->stop_error));
          ta_monitor_unlock (&core->monitor);
          return FALSE;
        }
      ta_monitor_unlock (&core->monitor);
      return TRUE;

    case TA_CORE_RUNNING:
      core->state = TA_CORE_STOPPING;
      break;

    case TA_CORE_STARTING:
    case TA_CORE_STOPPING:
    default:
      g_assert_not_reached ();
    }
  ta_monitor_unlock (&core->monitor);

  if (notify)
    ta_runner_notify (self, PROP_RUNNING);

  exit_timeout = ta_runner_get_exit_timeout (self);
  end_time = ta_end_time_from_timeout (exit_timeout);

  ta_runner_core_shut_down (core, exit_timeout);

  alive = ta_runner_core_wait_exit (core, end_time, exit_timeout);
  ta_monitor_lock (&core->monitor);
  thread = g_steal_pointer (&self->thread);
  ta_monitor_unlock (&core->monitor);

  if (!alive)
    {
      g_autoptr(TaWatchdog) watchdog = ta_runner_dup_watchdog (self);

      /* A loop that has quit is not stalled: nothing iterates it again. */
      if (watchdog != NULL)
        ta_watchdog_detach (watchdog);
      g_thread_join (thread);
      ta_runner_core_warn_abandoned_tasks (core);
    }
  else
    {
      stuck = ta_runner_describe_stuck_with_stack (self);
      g_thread_unref (thread);
      ta_runner_core_abandon (core);
    }

  unretrieved = ta_ledger_take_unretrieved (&core->scheduler.ledger, report);
  ok = !alive && unretrieved->len == 0;

  /* The default executor goes with the runner, within what is left of
   * the exit timeout (a quarter of it if the runner's loop ran late, still
   * completing cancelled tasks); its jobs were cancelled with the tasks
   * awaiting them, and what it reports is reported here. */
  ta_monitor_lock (&core->monitor);
  executor = self->executor != NULL ? g_object_ref (self->executor) : NULL;
  ta_monitor_unlock (&core->monitor);
  if (executor != NULL)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 left = end_time < 0 ? TA_TIMEOUT_INFINITE :
                    end_time > now ? end_time - now :
                    alive ? 0 : exit_timeout / 4;

      if (!ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_CANCEL, left, &executor_error))
        ok = FALSE;
    }

  if (alive)
    {
      g_autofree char *timeout = ta_format_timeout (exit_timeout);

      g_set_error (&local_error, TA_ERROR, TA_ERROR_TIMEOUT,
                   "Runner “%s” did not stop within %s: its loop is stuck in "
                   "%s. Its thread was abandoned%s",
                   self->name, timeout, stuck,
                   unretrieved->len > 0 ?
                   " (and task errors were not retrieved: see ta_runner_dup_unretrieved_errors())" : "");
    }
  else if (unretrieved->len > 0)
    {
      g_set_error (&local_error, TA_ERROR, TA_ERROR_UNRETRIEVED,
                   unretrieved->len == 1 ?
                   "%u task error was not retrieved:%s" :
                   "%u task errors were not retrieved:%s",
                   unretrieved->len, report->str);
    }
  else if (executor_error != NULL)
    {
      g_propagate_prefixed_error (&local_error, g_steal_pointer (&executor_error),
                                  "Runner “%s” stopped, but its executor did not: ",
                                  self->name);
    }

  ta_monitor_lock (&core->monitor);
  core->state = TA_CORE_STOPPED;
  self->shutdown_type = alive ? TA_SHUTDOWN_TYPE_ABANDONED : TA_SHUTDOWN_TYPE_STOPPED;
  if (self->unretrieved == NULL)
    self->unretrieved = g_ptr_array_ref (unretrieved);
  g_clear_error (&self->stop_error);
  if (local_error != NULL)
    self->stop_error = g_error_copy (local_error);
  ta_monitor_broadcast (&core->monitor);
  ta_monitor_unlock (&core->monitor);

  if (notify)
    ta_runner_notify (self, PROP_SHUTDOWN_TYPE);

  if (local_error != NULL)
    g_propagate_error (error, local_error);
  g_ptr_array_unref (unretrieved);

  return ok;
}

/**
 * ta_runner_get_name:
 * @self: a runner
 *
 * Gets the runner's name, which is also its thread's.
 *
 * Any thread.
 *
 * Returns: (transfer none): the name
 */
const char *
ta_runner_get_name (TaRunner *self)
{
  g_return_val_if_fail (TA_IS_RUNNER (self), NULL);

  return self->name;
}

/**
 * ta_runner_get_context:
 * @self: a runner
 *
 * Gets the main context of the runner's loop. Sources attached to it are
 * dispatched on the runner thread, where it is the thread-default context.
 *
 * Any thread.
 *
 * Returns: (transfer none): the runner's context
 */
GMainContext *
ta_runner_get_context (TaRunner *self)
{
  g_return_val_if_fail (TA_IS_RUNNER (self), NULL);

  return self->core->context;
}

/**
 * ta_runner_is_running:
 * @self: a runner
 *
 * Checks whether the runner accepts work: it was started and stop has not
 * begun.
 *
 * Any thread.
 *
 * Returns: %TRUE if the runner is running
 */
gboolean
ta_runner_is_running (TaRunner *self)
{
  gboolean running;

  g_return_val_if_fail (TA_IS_RUNNER (self), FALSE);

  ta_monitor_lock (&self->core->monitor);
  running = self->core->state == TA_CORE_RUNNING;
  ta_monitor_unlock (&self->core->monitor);

  return running;
}

/**
 * ta_runner_is_runner_thread:
 * @self: a runner
 *
 * Checks whether the caller runs on the runner's thread, that is, inside
 * its loop.
 *
 * Any thread.
 *
 * Returns: %TRUE on the runner thread, %FALSE elsewhere
 */
gboolean
ta_runner_is_runner_thread (TaRunner *self)
{
  g_return_val_if_fail (TA_IS_RUNNER (self), FALSE);

  return ta_runner_core_is_current (self->core);
}

/**
 * ta_runner_get_shutdown_type:
 * @self: a runner
 *
 * Gets how the runner was shut down.
 *
 * Any thread.
 *
 * Returns: the shutdown type
 */
TaShutdownType
ta_runner_get_shutdown_type (TaRunner *self)
{
  TaShutdownType type;

  g_return_val_if_fail (TA_IS_RUNNER (self), TA_SHUTDOWN_TYPE_NOT_SHUT_DOWN);

  ta_monitor_lock (&self->core->monitor);
  type = self->shutdown_type;
  ta_monitor_unlock (&self->core->monitor);

  return type;
}

/**
 * ta_runner_get_default_call_timeout:
 * @self: a runner
 *
 * Gets [property@Ta.Runner:default-call-timeout].
 *
 * Any thread.
 *
 * Returns: the timeout in microseconds, or %TA_TIMEOUT_INFINITE
 */
gint64
ta_runner_get_default_call_timeout (TaRunner *self)
{
  g_return_val_if_fail (TA_IS_RUNNER (self), TA_TIMEOUT_INFINITE);

  return ta_atomic_get_int64 (&self->core->default_call_timeout);
}

/**
 * ta_runner_set_default_call_timeout:
 * @self: a runner
 * @timeout_us: the timeout in microseconds, or %TA_TIMEOUT_INFINITE
 *
 * Sets [property@Ta.Runner:default-call-timeout].
 *
 * Any thread; the notification is emitted in the thread-default main
 * context of the thread that created the runner.
 */
void
ta_runner_set_default_call_timeout (TaRunner *self,
                                    gint64    timeout_us)
{
  g_return_if_fail (TA_IS_RUNNER (self));
  g_return_if_fail (timeout_us >= TA_TIMEOUT_INFINITE);

  if (ta_atomic_exchange_int64 (&self->core->default_call_timeout, timeout_us) != timeout_us)
    ta_runner_notify (self, PROP_DEFAULT_CALL_TIMEOUT);
}

/**
 * ta_runner_get_spin:
 * @self: a runner
 *
 * Gets [property@Ta.Runner:spin].
 *
 * Any thread.
 *
 * Returns: whether the runner thread spins before it sleeps
 */
gboolean
ta_runner_get_spin (TaRunner *self)
{
  g_return_val_if_fail (TA_IS_RUNNER (self), FALSE);

  return g_atomic_int_get (&self->core->spin);
}

/**
 * ta_runner_set_spin:
 * @self: a runner
 * @spin: whether the runner thread spins before it sleeps
 *
 * Sets [property@Ta.Runner:spin]. It takes effect the next time the
 * runner is about to sleep.
 *
 * Any thread.
 */
void
ta_runner_set_spin (TaRunner *self,
                    gboolean  spin)
{
  g_return_if_fail (TA_IS_RUNNER (self));

  spin = !!spin;
  if (g_atomic_int_exchange (&self->core->spin, spin) != spin)
    ta_runner_notify (self, PROP_SPIN);
}

/* What the stuck loop runs and, if its watchdog may interrupt it, the
 * stack of its thread. */
static char *
ta_runner_describe_stuck_with_stack (TaRunner *self)
{
  g_autofree char *stuck = ta_runner_core_describe_stuck (self->core);
  g_autoptr(TaWatchdog) watchdog = ta_runner_dup_watchdog (self);
  g_autofree char *stack = watchdog != NULL ? ta_watchdog_dup_stalled_stack (watchdog) : NULL;

  if (stack == NULL)
    return g_steal_pointer (&stuck);

  return g_strdup_printf ("%s, at:\n%s", stuck, stack);
}

/**
 * ta_runner_get_stall_threshold:
 * @self: a runner
 *
 * Gets [property@Ta.Runner:stall-threshold].
 *
 * Any thread.
 *
 * Returns: the threshold in microseconds, or 0
 */
gint64
ta_runner_get_stall_threshold (TaRunner *self)
{
  gint64 threshold;

  g_return_val_if_fail (TA_IS_RUNNER (self), 0);

  ta_monitor_lock (&self->core->monitor);
  threshold = self->watchdog != NULL ? ta_watchdog_get_threshold (self->watchdog) : 0;
  ta_monitor_unlock (&self->core->monitor);

  return threshold;
}

/**
 * ta_runner_set_stall_threshold:
 * @self: a runner
 * @threshold_us: the threshold in microseconds, or 0 to watch nothing
 *
 * Sets [property@Ta.Runner:stall-threshold]: replaces the runner's
 * watchdog with one of this threshold, whose reports are emitted in the
 * thread-default main context of the thread that created the runner.
 *
 * Any thread.
 */
void
ta_runner_set_stall_threshold (TaRunner *self,
                               gint64    threshold_us)
{
  g_autoptr(TaWatchdog) old = NULL;
  TaWatchdog *watchdog = NULL;

  g_return_if_fail (TA_IS_RUNNER (self));
  g_return_if_fail (threshold_us >= 0);

  if (ta_runner_get_stall_threshold (self) == threshold_us)
    return;

  if (threshold_us > 0)
    watchdog = ta_watchdog_new_for_runner (self->core, self->owner_context, threshold_us);

  ta_monitor_lock (&self->core->monitor);
  old = self->watchdog;
  self->watchdog = watchdog;
  ta_runner_core_set_watch_locked (self->core, watchdog != NULL ? ta_watchdog_ref_watch (watchdog) : NULL);
  ta_monitor_unlock (&self->core->monitor);

  if (old != NULL)
    ta_watchdog_detach (old);
  ta_runner_notify (self, PROP_STALL_THRESHOLD);
}

/**
 * ta_runner_dup_watchdog:
 * @self: a runner
 *
 * The watchdog that [property@Ta.Runner:stall-threshold] attached, to
 * connect to its [signal@Ta.Watchdog::stall] signal, set its interrupt
 * signal or read its statistics.
 *
 * Any thread.
 *
 * Returns: (transfer full) (nullable): the watchdog, or %NULL when the
 *   threshold is 0
 */
TaWatchdog *
ta_runner_dup_watchdog (TaRunner *self)
{
  TaWatchdog *watchdog;

  g_return_val_if_fail (TA_IS_RUNNER (self), NULL);

  ta_monitor_lock (&self->core->monitor);
  watchdog = self->watchdog != NULL ? g_object_ref (self->watchdog) : NULL;
  ta_monitor_unlock (&self->core->monitor);

  return watchdog;
}

/**
 * ta_runner_get_exit_timeout:
 * @self: a runner
 *
 * Gets [property@Ta.Runner:exit-timeout].
 *
 * Any thread.
 *
 * Returns: the timeout in microseconds, or %TA_TIMEOUT_INFINITE
 */
gint64
ta_runner_get_exit_timeout (TaRunner *self)
{
  g_return_val_if_fail (TA_IS_RUNNER (self), TA_TIMEOUT_INFINITE);

  return ta_atomic_get_int64 (&self->core->exit_timeout);
}

/**
 * ta_runner_set_exit_timeout:
 * @self: a runner
 * @timeout_us: the timeout in microseconds, or %TA_TIMEOUT_INFINITE
 *
 * Sets [property@Ta.Runner:exit-timeout].
 *
 * Any thread; the notification is emitted in the thread-default main
 * context of the thread that created the runner.
 */
void
ta_runner_set_exit_timeout (TaRunner *self,
                            gint64    timeout_us)
{
  g_return_if_fail (TA_IS_RUNNER (self));
  g_return_if_fail (timeout_us >= TA_TIMEOUT_INFINITE);

  if (ta_atomic_exchange_int64 (&self->core->exit_timeout, timeout_us) != timeout_us)
    ta_runner_notify (self, PROP_EXIT_TIMEOUT);
}

/**
 * ta_runner_invoke:
 * @self: a runner
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   the function to run on the runner thread
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data
 * @error: return location for a #GError
 *
 * Queues @func to run on the runner thread, without waiting: fire and
 * forget. It never runs inline, even when called on the runner thread.
 * Functions invoked from one thread run in the order they were invoked.
 *
 * @user_data_destroy runs on the runner thread after @func; if the runner
 * stops before reaching @func, it runs on the thread that stops it, or
 * right here if the runner is not running.
 *
 * Any thread.
 *
 * Returns: %TRUE if @func was queued, %FALSE with %TA_ERROR_NOT_RUNNING if
 *   the runner is not running
 */
gboolean
ta_runner_invoke (TaRunner        *self,
                  TaRunnerFunc     func,
                  gpointer         user_data,
                  GDestroyNotify   user_data_destroy,
                  GError         **error)
{
  TaCall *call;

  g_return_val_if_fail (TA_IS_RUNNER (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!ta_callback_check_portable (func, "ta_runner_invoke", user_data,
                                   user_data_destroy, error))
    return FALSE;

  call = ta_call_new (self->core, func, user_data, user_data_destroy,
                      "function given to ta_runner_invoke()", FALSE);

  return ta_call_submit (call, TA_TIMEOUT_INFINITE, error);
}

/**
 * ta_runner_call:
 * @self: a runner
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   the function to run on the runner thread
 * @user_data: data for @func; results travel back through it
 * @user_data_destroy: (nullable): frees @user_data
 * @timeout_us: how long to wait, in microseconds, or %TA_TIMEOUT_INFINITE,
 *   or %TA_TIMEOUT_DEFAULT for [property@Ta.Runner:default-call-timeout]
 * @error: return location for a #GError
 *
 * Runs @func on the runner thread and waits until it has returned. On the
 * runner thread itself it runs @func inline.
 *
 * If the wait times out before @func started, @func will not run; if it
 * was already running, it finishes in the background. Either way
 * @user_data stays valid until @user_data_destroy, which runs on the runner
 * thread after @func (or where the call ends when @func never runs).
 *
 * Any thread.
 *
 * Returns: %TRUE once @func has returned; %FALSE with %TA_ERROR_TIMEOUT,
 *   %TA_ERROR_NOT_RUNNING or %TA_ERROR_ABANDONED otherwise
 */
gboolean
ta_runner_call (TaRunner        *self,
                TaRunnerFunc     func,
                gpointer         user_data,
                GDestroyNotify   user_data_destroy,
                gint64           timeout_us,
                GError         **error)
{
  TaCall *call;

  g_return_val_if_fail (TA_IS_RUNNER (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (timeout_us >= TA_TIMEOUT_DEFAULT, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!ta_callback_check_portable (func, "ta_runner_call", user_data,
                                   user_data_destroy, error))
    return FALSE;

  if (ta_runner_core_is_current (self->core))
    {
      func (user_data);
      if (user_data_destroy != NULL)
        user_data_destroy (user_data);
      return TRUE;
    }

  call = ta_call_new (self->core, func, user_data, user_data_destroy,
                      "function given to ta_runner_call()", TRUE);

  return ta_call_submit (call, timeout_us, error);
}

/**
 * ta_runner_wait_next_iteration:
 * @self: a runner
 * @timeout_us: how long to wait, in microseconds, or %TA_TIMEOUT_INFINITE,
 *   or %TA_TIMEOUT_DEFAULT for [property@Ta.Runner:default-call-timeout]
 * @error: return location for a #GError
 *
 * Waits until the runner's loop has gone through its queue of work once
 * more, which shows that it is responsive and has seen everything queued
 * before this call. A timeout's message names what the loop is busy with.
 *
 * Any thread but the runner thread, where it fails at once with
 * %TA_ERROR_WOULD_DEADLOCK.
 *
 * Returns: %TRUE once the loop iterated; %FALSE with %TA_ERROR_TIMEOUT,
 *   %TA_ERROR_NOT_RUNNING or %TA_ERROR_WOULD_DEADLOCK otherwise
 */
gboolean
ta_runner_wait_next_iteration (TaRunner  *self,
                               gint64     timeout_us,
                               GError   **error)
{
  TaCall *call;

  g_return_val_if_fail (TA_IS_RUNNER (self), FALSE);
  g_return_val_if_fail (timeout_us >= TA_TIMEOUT_DEFAULT, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (ta_runner_core_is_current (self->core))
    {
      g_set_error (error, TA_ERROR, TA_ERROR_WOULD_DEADLOCK,
                   "Waiting for the next iteration of runner “%s” from its own "
                   "thread would deadlock",
                   self->name);
      return FALSE;
    }

  call = ta_call_new (self->core, NULL, NULL, NULL, "loop iteration", TRUE);

  return ta_call_submit (call, timeout_us, error);
}

/**
 * ta_runner_wait_idle:
 * @self: a runner
 * @timeout_us: how long to wait, in microseconds, or %TA_TIMEOUT_INFINITE,
 *   or %TA_TIMEOUT_DEFAULT for [property@Ta.Runner:default-call-timeout]
 * @error: return location for a #GError
 *
 * Waits until the runner's loop has caught up: everything queued before
 * this call has run, and so has every completion and callback that became
 * ready meanwhile, until the loop has nothing of default priority or above
 * left to run. Work that is waiting for a timer or for I/O does not count.
 * This is how a thread makes sure that a task has reacted to what it just
 * did, such as answering a request.
 *
 * A loop that never runs out of ready work keeps this waiting until the
 * timeout.
 *
 * Any thread but the runner thread, where it fails at once with
 * %TA_ERROR_WOULD_DEADLOCK.
 *
 * Returns: %TRUE once the loop is idle; %FALSE with %TA_ERROR_TIMEOUT,
 *   %TA_ERROR_NOT_RUNNING or %TA_ERROR_WOULD_DEADLOCK otherwise
 */
gboolean
ta_runner_wait_idle (TaRunner  *self,
                     gint64     timeout_us,
                     GError   **error)
{
  TaCall *call;

  g_return_val_if_fail (TA_IS_RUNNER (self), FALSE);
  g_return_val_if_fail (timeout_us >= TA_TIMEOUT_DEFAULT, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (ta_runner_core_is_current (self->core))
    {
      g_set_error (error, TA_ERROR, TA_ERROR_WOULD_DEADLOCK,
                   "Waiting for runner “%s” to be idle from its own thread "
                   "would deadlock",
                   self->name);
      return FALSE;
    }

  call = ta_call_new (self->core, NULL, NULL, NULL, "loop catching up", TRUE);
  call->for_idle = TRUE;
  call->when_idle = TRUE;

  return ta_call_submit (call, timeout_us, error);
}

/**
 * ta_runner_spawn:
 * @self: a runner
 * @name: (nullable): a name for the task, used in reports, or %NULL for
 *   `task-N`
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   the task function, run on the runner thread
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data
 * @cancellable: (nullable): a cancellable that cancels the task too
 * @error: return location for a #GError
 *
 * Spawns a task: @func runs on the runner thread, in order with other work
 * queued from the calling thread, with a new [class@Gio.Task] created
 * there, which it completes with the `g_task_return_*()` functions (see
 * [type@Ta.TaskFunc]). It returns at once with the handle.
 *
 * @user_data becomes the GTask's task data (g_task_get_task_data()) and
 * @user_data_destroy runs when the GTask is finalized. A task that
 * succeeded keeps its GTask, which holds the result, until the last
 * reference to the returned [class@Ta.Task] is dropped, so that is where it
 * runs then; otherwise it runs on the runner thread. If the task never
 * starts, it runs where the task is failed: the thread that stops the
 * runner, or right here.
 *
 * Any thread, including the runner thread: tasks may spawn tasks.
 *
 * Returns: (transfer full): the task, or %NULL with %TA_ERROR_NOT_RUNNING
 *   if the runner is not running
 */
TaTask *
ta_runner_spawn (TaRunner        *self,
                 const char      *name,
                 TaTaskFunc       func,
                 gpointer         user_data,
                 GDestroyNotify   user_data_destroy,
                 GCancellable    *cancellable,
                 GError         **error)
{
  g_return_val_if_fail (TA_IS_RUNNER (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!ta_callback_check_portable (func, "ta_runner_spawn", user_data,
                                   user_data_destroy, error))
    return NULL;

  return ta_scheduler_spawn (&self->core->scheduler, name, func, user_data,
                             user_data_destroy, cancellable, error);
}

/**
 * ta_runner_run:
 * @self: a runner
 * @name: (nullable): a name for the task, or %NULL
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy):
 *   the task function, run on the runner thread
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data
 * @timeout_us: how long to wait, in microseconds, or %TA_TIMEOUT_INFINITE,
 *   or %TA_TIMEOUT_DEFAULT for [property@Ta.Runner:default-call-timeout]
 * @error: return location for a #GError
 *
 * Spawns a task and waits for it: [method@Ta.Runner.spawn] and
 * [method@Ta.Task.wait] in one call. A task that does not complete within
 * the timeout is cancelled, since nobody else holds its handle.
 *
 * Any thread but the runner thread, where it fails at once with
 * %TA_ERROR_WOULD_DEADLOCK.
 *
 * Returns: (transfer full) (nullable): the completed task, to take its
 *   result from, or %NULL with @error set to the task's error,
 *   %TA_ERROR_TIMEOUT, %TA_ERROR_NOT_RUNNING or %TA_ERROR_WOULD_DEADLOCK
 */
TaTask *
ta_runner_run (TaRunner        *self,
               const char      *name,
               TaTaskFunc       func,
               gpointer         user_data,
               GDestroyNotify   user_data_destroy,
               gint64           timeout_us,
               GError         **error)
{
  g_autoptr(TaTask) task = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (TA_IS_RUNNER (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (timeout_us >= TA_TIMEOUT_DEFAULT, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (ta_runner_core_is_current (self->core))
    {
      if (user_data_destroy != NULL)
        user_data_destroy (user_data);
      g_set_error (error, TA_ERROR, TA_ERROR_WOULD_DEADLOCK,
                   "Running a task to completion on runner “%s” from its own "
                   "thread would deadlock; spawn it and use ta_task_wait_async()",
                   self->name);
      return NULL;
    }

  /* Checked here too, so that a refusal names the function called. */
  if (!ta_callback_check_portable (func, "ta_runner_run", user_data,
                                   user_data_destroy, error))
    return NULL;

  task = ta_runner_spawn (self, name, func, user_data, user_data_destroy, NULL, error);
  if (task == NULL)
    return NULL;

  if (!ta_task_wait (task, timeout_us, &local_error))
    {
      if (g_error_matches (local_error, TA_ERROR, TA_ERROR_TIMEOUT))
        ta_task_cancel (task);
      g_propagate_error (error, local_error);
      return NULL;
    }

  return g_steal_pointer (&task);
}

/**
 * ta_runner_get_executor:
 * @self: a runner
 *
 * Gets the runner's default executor, created on first use with up to
 * `min (32, processors + 4)` workers, as Python's default pool: tasks
 * offload blocking work there with [method@Ta.Executor.run_async]. It is
 * shut down, cancelling what is left, when the runner stops.
 *
 * Any thread.
 *
 * Returns: (transfer none): the default executor
 */
TaExecutor *
ta_runner_get_executor (TaRunner *self)
{
  TaExecutor *executor;
  gboolean stopped;

  g_return_val_if_fail (TA_IS_RUNNER (self), NULL);

  ta_monitor_lock (&self->core->monitor);
  if (self->executor == NULL)
    {
      g_autofree char *name = g_strdup_printf ("%s-executor", self->name);

      self->executor = ta_executor_new (name, MIN (32, g_get_num_processors () + 4));
    }
  executor = self->executor;
  stopped = self->core->state == TA_CORE_STOPPED;
  ta_monitor_unlock (&self->core->monitor);

  /* Asked for after the stop: it refuses work like the runner. */
  if (stopped)
    ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_CANCEL, 0, NULL);

  return executor;
}

/**
 * ta_runner_dup_unretrieved_errors:
 * @self: a runner
 *
 * Gets the task errors that nobody had retrieved when the runner stopped:
 * copies of the originals, with their domains, codes and messages, in the
 * order the tasks failed. [method@Ta.Runner.stop]'s own error names the
 * task of each.
 *
 * Any thread.
 *
 * Returns: (transfer container) (element-type GError): the errors, empty
 *   if there were none or the runner has not stopped
 */
GPtrArray *
ta_runner_dup_unretrieved_errors (TaRunner *self)
{
  GPtrArray *copy;

  g_return_val_if_fail (TA_IS_RUNNER (self), NULL);

  copy = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  ta_monitor_lock (&self->core->monitor);
  if (self->unretrieved != NULL)
    for (guint i = 0; i < self->unretrieved->len; i++)
      g_ptr_array_add (copy, g_error_copy (g_ptr_array_index (self->unretrieved, i)));
  ta_monitor_unlock (&self->core->monitor);

  return copy;
}
