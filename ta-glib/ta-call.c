/* ta-call.c: functions and markers run on a runner, waited on or not
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-call-private.h"
#include "ta-error.h"
#include "ta-runner-private.h"

void
ta_call_unref (TaCall *call)
{
  if (ta_ref_count_dec (&call->ref_count))
    {
      ta_monitor_clear (&call->monitor);
      g_free (call);
    }
}

void
ta_call_set_state (TaCall      *call,
                   TaCallState  state)
{
  ta_monitor_lock (&call->monitor);
  call->state = state;
  ta_monitor_broadcast (&call->monitor);
  ta_monitor_unlock (&call->monitor);
}

static void
ta_call_forget_running (TaCall *call)
{
  ta_monitor_lock (&call->core->monitor);
  g_ptr_array_remove_fast (call->core->running_calls, call);
  ta_monitor_unlock (&call->core->monitor);
}

static gboolean
ta_call_idle_cb (gpointer user_data)
{
  TaCall *call = user_data;

  ta_call_forget_running (call);
  call->when_idle = FALSE;
  call->item.func (&call->item, TRUE);

  return G_SOURCE_REMOVE;
}

/* The idle went away: if without running (the runner stopped), the wait
 * ends as for work the runner never reached. Then drops the idle's own
 * reference. */
static void
ta_call_idle_destroy (gpointer user_data)
{
  TaCall *call = user_data;

  if (call->when_idle)
    {
      ta_call_forget_running (call);
      call->when_idle = FALSE;
      call->item.func (&call->item, FALSE);
    }
  ta_call_unref (call);
}

static void
ta_call_item_func (TaWorkItem *item,
                   gboolean    run)
{
  TaCall *call = (TaCall *) item;
  TaRunnerCore *core = call->core;
  gboolean start;

  /* Runs again from a low-priority idle: only once nothing of default
   * priority or above is ready does the loop get there. */
  if (run && call->when_idle)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_LOW);
      g_source_set_static_name (source, "[ta-glib] ta_runner_wait_idle");
      /* Known to an abandoning stop while it waits for the idle. */
      ta_monitor_lock (&core->monitor);
      g_ptr_array_add (core->running_calls, call);
      ta_monitor_unlock (&core->monitor);
      g_atomic_ref_count_inc (&call->ref_count);  /* the idle's */
      g_source_set_callback (source, ta_call_idle_cb, call, ta_call_idle_destroy);
      g_source_attach (source, core->context);
      g_source_unref (source);
      return;
    }

  /* Starting does not end the caller's wait: only a discarded call wakes
   * it here. A wake-up now would cost it a sleep more, and its CPU, shared
   * with the runner, a switch there and back. */
  ta_monitor_lock (&call->monitor);
  start = run && call->state == TA_CALL_QUEUED;
  if (start)
    call->state = TA_CALL_RUNNING;
  else if (call->state == TA_CALL_QUEUED)
    {
      call->state = TA_CALL_DISCARDED;
      ta_monitor_broadcast (&call->monitor);
    }
  ta_monitor_unlock (&call->monitor);

  if (start && call->func != NULL)
    {
      TaActivity previous;

      if (call->waited)
        {
          ta_monitor_lock (&core->monitor);
          g_ptr_array_add (core->running_calls, call);
          ta_monitor_unlock (&core->monitor);
        }

      previous = ta_runner_core_push_activity (core, "the ", call->what, NULL);
      call->func (call->user_data);
      ta_runner_core_pop_activity (core, previous);

      if (call->waited)
        {
          ta_monitor_lock (&core->monitor);
          g_ptr_array_remove_fast (core->running_calls, call);
          ta_monitor_unlock (&core->monitor);
        }
    }

  if (call->user_data_destroy != NULL)
    call->user_data_destroy (call->user_data);

  if (start)
    {
      ta_monitor_lock (&call->monitor);
      if (call->state == TA_CALL_RUNNING)
        call->state = TA_CALL_DONE;
      ta_monitor_broadcast (&call->monitor);
      ta_monitor_unlock (&call->monitor);
    }

  ta_call_unref (call);
}

TaCall *
ta_call_new (TaRunnerCore   *core,
             TaRunnerFunc    func,
             gpointer        user_data,
             GDestroyNotify  user_data_destroy,
             const char     *what,
             gboolean        waited)
{
  TaCall *call = g_new0 (TaCall, 1);

  call->item.func = ta_call_item_func;
  g_atomic_ref_count_init (&call->ref_count);
  if (waited)
    g_atomic_ref_count_inc (&call->ref_count);
  call->core = core;
  call->func = func;
  call->user_data = user_data;
  call->user_data_destroy = user_data_destroy;
  call->what = what;
  call->waited = waited;
  ta_monitor_init (&call->monitor);
  call->state = TA_CALL_QUEUED;

  return call;
}

/*
 * Queues @call and, when waited, blocks until it ran or @timeout_us passed.
 * Consumes the caller's reference.
 */
gboolean
ta_call_submit (TaCall   *call,
                gint64    timeout_us,
                GError  **error)
{
  TaRunnerCore *core = call->core;
  gboolean waited = call->waited;  /* an unwaited call may be gone after the push */
  gint64 end_time;
  TaCallState state;

  if (!ta_inbox_push (core->inbox, &call->item))
    {
      ta_runner_core_set_not_running_error (core, error);
      /* Both references: the inbox never took its own. */
      if (waited)
        ta_call_unref (call);
      call->item.func (&call->item, FALSE);
      return FALSE;
    }

  if (!waited)
    return TRUE;

  timeout_us = ta_runner_core_resolve_timeout (core, timeout_us);
  end_time = ta_end_time_from_timeout (timeout_us);

  ta_monitor_lock (&call->monitor);
  while (call->state == TA_CALL_QUEUED || call->state == TA_CALL_RUNNING)
    if (!ta_monitor_wait_until (&call->monitor, end_time))
      break;
  state = call->state;
  if (state == TA_CALL_QUEUED)
    call->state = TA_CALL_GIVEN_UP;
  ta_monitor_unlock (&call->monitor);

  switch (state)
    {
    case TA_CALL_DONE:
      break;

    case TA_CALL_QUEUED:
    case TA_CALL_RUNNING:
      {
        g_autofree char *timeout = ta_format_timeout (timeout_us);
        g_autofree char *stuck = ta_runner_core_describe_stuck (core);

        if (call->func == NULL && call->for_idle)
          g_set_error (error, TA_ERROR, TA_ERROR_TIMEOUT,
                       "Runner “%s” did not become idle within %s: it is busy in %s",
                       core->name, timeout, stuck);
        else if (call->func == NULL)
          g_set_error (error, TA_ERROR, TA_ERROR_TIMEOUT,
                       "Runner “%s” did not iterate within %s: it is busy in %s",
                       core->name, timeout, stuck);
        else if (state == TA_CALL_QUEUED)
          g_set_error (error, TA_ERROR, TA_ERROR_TIMEOUT,
                       "The %s did not start within %s and will not run: "
                       "runner “%s” is busy in %s",
                       call->what, timeout, core->name, stuck);
        else
          g_set_error (error, TA_ERROR, TA_ERROR_TIMEOUT,
                       "The %s did not return within %s; it is still running "
                       "on runner “%s”",
                       call->what, timeout, core->name);
      }
      break;

    case TA_CALL_DISCARDED:
      g_set_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING,
                   "Runner “%s” stopped before the %s could run",
                   core->name, call->what);
      break;

    case TA_CALL_ABANDONED:
      g_set_error (error, TA_ERROR, TA_ERROR_ABANDONED,
                   "Runner “%s” was abandoned while the %s was running",
                   core->name, call->what);
      break;

    case TA_CALL_GIVEN_UP:
    default:
      g_assert_not_reached ();
    }

  ta_call_unref (call);

  return state == TA_CALL_DONE;
}
