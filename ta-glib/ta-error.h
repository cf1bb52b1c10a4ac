/* ta-error.h: the TA_ERROR domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TA_INSIDE) && !defined(TA_COMPILATION)
# error "Only <ta-glib.h> can be included directly."
#endif

#include <glib.h>

#include "ta-version-macros.h"

G_BEGIN_DECLS

/**
 * TA_ERROR:
 *
 * The error domain of ta-glib. Errors in it use the codes of [error@Ta.Error].
 * Cancelled operations fail with %G_IO_ERROR_CANCELLED instead, as
 * everywhere in GIO.
 */
#define TA_ERROR (ta_error_quark ())

/**
 * TaError:
 * @TA_ERROR_FAILED: a failure with no more specific code; task errors that
 *   do not carry a domain of their own use it
 * @TA_ERROR_TIMEOUT: a wait did not complete within its timeout; the
 *   operation waited on is left running and can be waited on again.
 *   [method@Ta.Runner.stop] also uses it when the runner's loop did not
 *   respond within the exit timeout
 * @TA_ERROR_WOULD_DEADLOCK: the wait could only deadlock, such as a runner
 *   thread blocking on work that its own loop has to run
 * @TA_ERROR_CLOSED: the queue is closed: nothing more can be pushed, and
 *   nothing is left to pop
 * @TA_ERROR_NOT_RUNNING: the runner is not running: it was not started yet,
 *   or it is stopping or stopped
 * @TA_ERROR_ALREADY_STARTED: the runner was started already
 * @TA_ERROR_UNRETRIEVED: [method@Ta.Runner.stop] found task errors that
 *   nobody retrieved; the message lists each, and
 *   [method@Ta.Runner.dup_unretrieved_errors] returns the originals
 * @TA_ERROR_ABANDONED: the work was dropped without an answer: a task whose
 *   last reference went away before it returned, or work on a runner that
 *   was abandoned while stuck
 * @TA_ERROR_INVALID_VALUE: a value cannot be used here, for example one that
 *   cannot safely cross threads
 * @TA_ERROR_WOULD_BLOCK: the queue is full (for a push) or empty (for a
 *   pop) and the call was not to wait
 * @TA_ERROR_WRONG_THREAD: the function given cannot run on the thread that
 *   would run it, such as a JavaScript function given to run on a runner
 *   or worker thread
 * @TA_ERROR_NOT_SUPPORTED: the operation is not supported: a function
 *   offloaded with [method@Ta.Executor.call_async] takes or returns a type
 *   the marshaller does not handle, or ta-glib was built without
 *   libgirepository
 *
 * Error codes of the %TA_ERROR domain.
 */
typedef enum {
  TA_ERROR_FAILED,
  TA_ERROR_TIMEOUT,
  TA_ERROR_WOULD_DEADLOCK,
  TA_ERROR_CLOSED,
  TA_ERROR_NOT_RUNNING,
  TA_ERROR_ALREADY_STARTED,
  TA_ERROR_UNRETRIEVED,
  TA_ERROR_ABANDONED,
  TA_ERROR_INVALID_VALUE,
  TA_ERROR_WOULD_BLOCK,
  TA_ERROR_WRONG_THREAD,
  TA_ERROR_NOT_SUPPORTED,
} TaError;

TA_AVAILABLE_IN_ALL
GQuark ta_error_quark (void);

G_END_DECLS
