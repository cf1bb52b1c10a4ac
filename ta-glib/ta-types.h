/* ta-types.h: constants, enumerations and callback types
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TA_INSIDE) && !defined(TA_COMPILATION)
# error "Only <ta-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "ta-version-macros.h"

G_BEGIN_DECLS

/**
 * TA_TIMEOUT_INFINITE:
 *
 * A timeout, in microseconds, that never expires: the wait lasts as long
 * as it takes.
 */
#define TA_TIMEOUT_INFINITE (-1)

/**
 * TA_TIMEOUT_DEFAULT:
 *
 * A timeout that stands for the runner's
 * [property@Ta.Runner:default-call-timeout]. Objects that are not bound to
 * a runner treat it as %TA_TIMEOUT_INFINITE.
 */
#define TA_TIMEOUT_DEFAULT (-2)

/**
 * TaShutdownType:
 * @TA_SHUTDOWN_TYPE_NOT_SHUT_DOWN: the runner has not been stopped
 * @TA_SHUTDOWN_TYPE_STOPPED: the runner was stopped in order: its tasks were
 *   cancelled, its loop quit and its thread was joined
 * @TA_SHUTDOWN_TYPE_ABANDONED: the runner's loop did not respond within the
 *   exit timeout; its thread was detached and left to finish on its own
 *   (C cannot kill a thread safely)
 *
 * How a [class@Ta.Runner] was shut down.
 */
typedef enum {
  TA_SHUTDOWN_TYPE_NOT_SHUT_DOWN,
  TA_SHUTDOWN_TYPE_STOPPED,
  TA_SHUTDOWN_TYPE_ABANDONED,
} TaShutdownType;

/**
 * TaExecutorShutdown:
 * @TA_EXECUTOR_SHUTDOWN_DRAIN: run every job already submitted, then stop
 * @TA_EXECUTOR_SHUTDOWN_CANCEL: fail the jobs that have not started with
 *   %G_IO_ERROR_CANCELLED, cancel the running ones, then stop
 *
 * How [method@Ta.Executor.shutdown] treats the work in its pool.
 */
typedef enum {
  TA_EXECUTOR_SHUTDOWN_DRAIN,
  TA_EXECUTOR_SHUTDOWN_CANCEL,
} TaExecutorShutdown;

/**
 * TaRunnerFunc:
 * @user_data: the data given with the function
 *
 * A function run on a runner's thread by [method@Ta.Runner.invoke] or
 * [method@Ta.Runner.call].
 *
 * From GJS such a function cannot be written: JavaScript runs only on its
 * main thread, so a JavaScript function given here is refused with
 * %TA_ERROR_WRONG_THREAD.
 *
 * Runs on the runner thread.
 */
typedef void (*TaRunnerFunc) (gpointer user_data);

/**
 * TaThreadHookFunc:
 * @entering: %TRUE when the runner thread starts, %FALSE when it ends
 * @user_data: the data given with the hook
 *
 * Called on a runner's thread when it starts, before its loop first
 * iterates, and when it ends, after its loop has quit and released what
 * was left on its context. Bindings use it to set up and tear down
 * per-thread state, such as a thread state kept for the thread's life.
 *
 * From GJS such a function cannot be written: JavaScript runs only on its
 * main thread, so a JavaScript hook is refused with a critical.
 *
 * Runs on the runner thread.
 */
typedef void (*TaThreadHookFunc) (gboolean entering,
                                  gpointer user_data);

/**
 * TaGuestLoopFunc:
 * @fd_ready: whether the runner's poll() found the guest loop's file
 *   descriptor ready (readable, hung up or in error) for this iteration;
 *   %FALSE when it found it idle (the iteration is for a wake or a time),
 *   or when there is no descriptor
 * @user_data: the data given with the function
 *
 * Runs one iteration of a guest event loop without blocking, and says when
 * the guest loop next needs to run: as a monotonic time in microseconds
 * (the clock of g_get_monotonic_time()), 0 for "right away", or -1 for
 * "only when its file descriptor is readable or it is woken".
 *
 * When @fd_ready is %FALSE the guest loop need not ask its own selector
 * what is ready: the runner has just polled the descriptor, and polls it
 * again before the next iteration, so anything that becomes ready
 * meanwhile brings another iteration.
 *
 * From GJS such a function cannot be written: JavaScript runs only on its
 * main thread, so a JavaScript function is refused with
 * %TA_ERROR_WRONG_THREAD.
 *
 * Runs on the runner thread.
 *
 * Returns: the monotonic time of the next iteration, 0 or -1
 */
typedef gint64 (*TaGuestLoopFunc) (gboolean     fd_ready,
                                   gpointer     user_data);

/**
 * TaTaskFunc:
 * @task: (transfer none): the task to complete, created on the runner thread
 * @cancellable: (nullable): the task's cancellable, to pass on to the
 *   asynchronous work the function starts
 * @user_data: the data given when the task was spawned
 *
 * The body of a task spawned with [method@Ta.Runner.spawn].
 *
 * It runs on the runner thread, where it starts asynchronous work and
 * eventually completes @task exactly once with the usual vocabulary:
 * g_task_return_pointer(), g_task_return_boolean(), g_task_return_int(),
 * g_task_return_value(), g_task_return_error() and friends. It may return
 * on @task before it returns, or keep a reference with g_object_ref() and
 * return on it later from a callback. Dropping the last reference without
 * returning is reported and fails the task with %TA_ERROR_ABANDONED.
 *
 * The same type is the body of an executor's jobs, which run on a worker
 * thread instead.
 *
 * From GJS such a function cannot be written: JavaScript runs only on its
 * main thread, so a JavaScript function given here is refused with
 * %TA_ERROR_WRONG_THREAD.
 *
 * Runs on the runner thread (or a worker thread); its callbacks run there
 * too.
 */
typedef void (*TaTaskFunc) (GTask        *task,
                            GCancellable *cancellable,
                            gpointer      user_data);

G_END_DECLS
