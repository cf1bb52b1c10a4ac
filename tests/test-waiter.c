/* test-waiter.c: waits that other threads complete, in the waiter's context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "test-common.h"
#include "ta-post-private.h"
#include "ta-waiter-private.h"

/*
 * What a waited-on object keeps: a monitor and its queue of waiters,
 * alive as long as the owner (the object) is, as in TaEvent or TaQueue.
 */
typedef struct
{
  TaMonitor monitor;
  GQueue    waiters;   /* guarded by monitor */
  gint      n_cancelled;  /* atomic: cancelled functions run */
} Waited;

static void
waited_free (gpointer data)
{
  Waited *w = data;

  g_assert_true (g_queue_is_empty (&w->waiters));
  ta_monitor_clear (&w->monitor);
  g_free (w);
}

static GObject *
owner_new (Waited **waited)
{
  GObject *owner = g_object_new (G_TYPE_OBJECT, NULL);

  *waited = g_new0 (Waited, 1);
  ta_monitor_init (&(*waited)->monitor);
  g_queue_init (&(*waited)->waiters);
  g_object_set_data_full (owner, "waited", *waited, waited_free);

  return owner;
}

static void
count_cancelled (TaWaiter *waiter)
{
  Waited *w = g_object_get_data (waiter->owner, "waited");

  g_atomic_int_inc (&w->n_cancelled);
}

/* The outcome of one wait, filled in by its callback. */
typedef struct
{
  gboolean  done;
  gboolean  value;
  gpointer  pointer;
  GError   *error;
  GThread  *thread;
  guint     index;        /* in the order callbacks ran */
  guint    *n_completed;  /* nullable: shared among waits */
} Outcome;

static void
outcome_clear (Outcome *o)
{
  g_clear_error (&o->error);
}

static void
boolean_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Outcome *o = user_data;

  g_assert_false (o->done);
  o->value = g_task_propagate_boolean (G_TASK (result), &o->error);
  o->thread = g_thread_self ();
  if (o->n_completed != NULL)
    o->index = (*o->n_completed)++;
  o->done = TRUE;
}

static void
pointer_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Outcome *o = user_data;

  g_assert_false (o->done);
  o->pointer = g_task_propagate_pointer (G_TASK (result), &o->error);
  o->thread = g_thread_self ();
  o->done = TRUE;
}

/* A waiter for a new wait in the calling thread's thread-default context. */
static TaWaiter *
waiter_new (GObject      *owner,
            Waited       *w,
            GCancellable *cancellable,
            Outcome      *outcome)
{
  g_autoptr(GTask) task = g_task_new (owner, cancellable, boolean_cb, outcome);
  TaWaiter *waiter;

  ta_monitor_lock (&w->monitor);
  waiter = ta_waiter_new_locked (owner, &w->monitor, &w->waiters, task);
  waiter->cancelled = count_cancelled;
  ta_monitor_unlock (&w->monitor);

  return waiter;
}

/* What an object does when the awaited state arrives: unlock every
 * waiter, then complete each, unlocked. */
static void
waited_complete_all (Waited   *w,
                     gboolean  value)
{
  GList *stolen;

  ta_monitor_lock (&w->monitor);
  stolen = ta_waiter_steal_all_locked (&w->waiters);
  ta_monitor_unlock (&w->monitor);

  for (GList *l = stolen; l != NULL; l = l->next)
    ta_waiter_complete_boolean (l->data, value);
  g_list_free (stolen);
}

static gpointer
complete_all_thread (gpointer data)
{
  waited_complete_all (data, TRUE);
  return NULL;
}

static gpointer
cancel_thread (gpointer data)
{
  g_cancellable_cancel (data);
  return NULL;
}

/* A context the test thread owns and iterates. */
static GMainContext *
push_new_context (void)
{
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  return context;
}

static void
pop_context (GMainContext *context)
{
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

/* ---------------------------------------------------------------------- */
/* Returns in the task's context                                           */
/* ---------------------------------------------------------------------- */

typedef struct
{
  GTask   *task;
  gpointer result;
  gint    *n_freed;
} ReturnJob;

static void
count_free (gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

static gpointer
return_pointer_thread (gpointer data)
{
  ReturnJob *job = data;

  ta_task_return_pointer_in_context (job->task, job->result, count_free);
  return NULL;
}

/* Returned from another thread: the callback runs in the task's context,
 * on its thread, never on the returning one. */
static void
test_waiter_return_from_thread_completes_in_task_context (void)
{
  GMainContext *context = push_new_context ();
  Outcome outcome = { 0 };
  gint n_freed = 0;
  ReturnJob job = { g_task_new (NULL, NULL, pointer_cb, &outcome), &n_freed, &n_freed };

  g_thread_join (g_thread_new ("return", return_pointer_thread, &job));
  g_assert_false (outcome.done);

  test_iterate_until (context, &outcome.done);
  g_assert_no_error (outcome.error);
  g_assert_true (outcome.pointer == &n_freed);
  g_assert_true (outcome.thread == g_thread_self ());
  g_assert_cmpint (n_freed, ==, 0);   /* the callback took it */

  pop_context (context);
}

/* Returned to a context whose thread has left for good: the result is
 * freed once, at once, and the callback never runs. */
static void
test_waiter_return_to_closed_context_frees_result_once (void)
{
  GMainContext *context = push_new_context ();
  Outcome outcome = { 0 };
  gint n_freed = 0;
  ReturnJob job = { g_task_new (NULL, NULL, pointer_cb, &outcome), &n_freed, &n_freed };

  ta_context_post_close (context);
  g_thread_join (g_thread_new ("return", return_pointer_thread, &job));
  g_assert_cmpint (n_freed, ==, 1);

  pop_context (context);
  g_assert_false (outcome.done);
  g_assert_cmpint (n_freed, ==, 1);
}

/* ---------------------------------------------------------------------- */
/* Waiters                                                                 */
/* ---------------------------------------------------------------------- */

#define N_WAITS 50

/* Many waits on one object complete in the order they were made, each
 * once, in the waiting context, from the completing thread. */
static void
test_waiter_many_waits_complete_in_arrival_order (void)
{
  GMainContext *context = push_new_context ();
  Waited *w;
  GObject *owner = owner_new (&w);
  Outcome outcomes[N_WAITS] = { { 0 } };
  guint n_completed = 0;

  for (guint i = 0; i < N_WAITS; i++)
    {
      outcomes[i].n_completed = &n_completed;
      waiter_new (owner, w, NULL, &outcomes[i]);
    }
  g_assert_cmpuint (g_queue_get_length (&w->waiters), ==, N_WAITS);

  g_thread_join (g_thread_new ("complete", complete_all_thread, w));
  test_iterate_until (context, &outcomes[N_WAITS - 1].done);

  for (guint i = 0; i < N_WAITS; i++)
    {
      g_assert_true (outcomes[i].done);
      g_assert_no_error (outcomes[i].error);
      g_assert_true (outcomes[i].value);
      g_assert_cmpuint (outcomes[i].index, ==, i);
      g_assert_true (outcomes[i].thread == g_thread_self ());
    }
  g_assert_cmpint (w->n_cancelled, ==, 0);

  g_object_unref (owner);
  pop_context (context);
}

/* Cancelled, the wait fails with G_IO_ERROR_CANCELLED in its context, and
 * leaves its object's queue; the owner's cancelled function ran once. */
static void
test_waiter_cancel_fails_wait_in_its_context (void)
{
  GMainContext *context = push_new_context ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Waited *w;
  GObject *owner = owner_new (&w);
  Outcome outcome = { 0 };

  waiter_new (owner, w, cancellable, &outcome);
  g_thread_join (g_thread_new ("cancel", cancel_thread, cancellable));
  test_iterate_until (context, &outcome.done);

  g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (outcome.thread == g_thread_self ());
  g_assert_cmpint (w->n_cancelled, ==, 1);
  ta_monitor_lock (&w->monitor);
  g_assert_true (g_queue_is_empty (&w->waiters));
  ta_monitor_unlock (&w->monitor);

  /* The state arriving now finds nobody waiting. */
  waited_complete_all (w, TRUE);

  outcome_clear (&outcome);
  g_object_unref (owner);
  pop_context (context);
}

/* Completion on one thread, cancellation on another: exactly one of them
 * ends the wait, once. */
static void
test_waiter_completion_racing_cancellation_ends_wait_once (void)
{
  GMainContext *context = push_new_context ();
  guint n_won_by_cancel = 0;

  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      Waited *w;
      GObject *owner = owner_new (&w);
      Outcome outcome = { 0 };
      GThread *completer, *canceller;

      waiter_new (owner, w, cancellable, &outcome);
      /* Every other time the cancellation has a head start: its watch
       * is ready in the context before the completer begins. */
      canceller = g_thread_new ("cancel", cancel_thread, cancellable);
      if (i % 2 == 1)
        g_thread_join (g_steal_pointer (&canceller));
      completer = g_thread_new ("complete", complete_all_thread, w);
      test_iterate_until (context, &outcome.done);
      g_thread_join (completer);
      if (canceller != NULL)
        g_thread_join (canceller);
      while (g_main_context_iteration (context, FALSE))
        ;

      /* The cancellation unlinked it, or the completion did: then the
       * value arrives, unless GTask's own check of the cancellable turns
       * it into the same error. */
      g_assert_cmpint (w->n_cancelled, <=, 1);
      if (w->n_cancelled == 1)
        {
          g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          n_won_by_cancel++;
        }
      else if (outcome.error != NULL)
        g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      else
        g_assert_true (outcome.value);

      outcome_clear (&outcome);
      g_object_unref (owner);
    }
  g_test_message ("cancellation won %u of 200", n_won_by_cancel);

  pop_context (context);
}

/* A blocked thread waits in the same queue as the asynchronous waits and
 * is served in its turn, answered through done and data. */
typedef struct
{
  Waited   *w;
  TestGate  queued;
  gpointer  answer;
} Blocked;

static gpointer
blocked_thread (gpointer data)
{
  Blocked *b = data;
  TaWaiter waiter;

  ta_monitor_lock (&b->w->monitor);
  ta_waiter_init_blocking_locked (&waiter, &b->w->monitor, &b->w->waiters);
  test_gate_open (&b->queued);
  while (!waiter.done)
    g_assert_true (ta_monitor_wait_until (&b->w->monitor, g_get_monotonic_time () + TEST_HANG_US));
  g_assert_false (waiter.linked);
  b->answer = waiter.data;
  ta_monitor_unlock (&b->w->monitor);

  return NULL;
}

static void
test_waiter_blocked_thread_is_served_in_its_turn (void)
{
  GMainContext *context = push_new_context ();
  Waited *w;
  GObject *owner = owner_new (&w);
  Outcome before = { 0 }, after = { 0 };
  Blocked b = { w };
  GThread *thread;
  GList *stolen;
  guint n = 0;

  test_gate_init (&b.queued);
  waiter_new (owner, w, NULL, &before);
  thread = g_thread_new ("blocked", blocked_thread, &b);
  test_gate_wait (&b.queued);
  waiter_new (owner, w, NULL, &after);

  ta_monitor_lock (&w->monitor);
  stolen = ta_waiter_steal_all_locked (&w->waiters);
  g_assert_true (g_queue_is_empty (&w->waiters));
  for (GList *l = stolen; l != NULL; l = l->next)
    {
      TaWaiter *waiter = l->data;

      g_assert_false (waiter->linked);
      if (waiter->task == NULL)
        {
          g_assert_cmpuint (n, ==, 1);
          waiter->data = &b;
          waiter->done = TRUE;
          ta_monitor_broadcast (&w->monitor);
        }
      n++;
    }
  ta_monitor_unlock (&w->monitor);
  g_assert_cmpuint (n, ==, 3);

  g_thread_join (thread);
  g_assert_true (b.answer == &b);
  test_gate_clear (&b.queued);

  /* The asynchronous ones are completed after unlocking. */
  ta_waiter_complete_boolean (stolen->data, TRUE);
  ta_waiter_complete_error (stolen->next->next->data,
                            g_error_new_literal (TA_ERROR, TA_ERROR_CLOSED, "closed"));
  g_list_free (stolen);
  test_iterate_until (context, &after.done);
  g_assert_true (before.done);
  g_assert_true (before.value);
  g_assert_error (after.error, TA_ERROR, TA_ERROR_CLOSED);

  outcome_clear (&after);
  g_object_unref (owner);
  pop_context (context);
}

/* Work that must happen in the waiter's context before it returns runs
 * there; if that context is gone for good, its data is freed instead. */
static void
call_cb (GTask    *task,
         gpointer  data)
{
  Outcome *o = g_task_get_task_data (task);

  /* Owned here, now. */
  o->thread = g_thread_self ();
  g_task_return_pointer (task, data, g_free);
}

static void
test_waiter_complete_call_runs_in_waiting_context (void)
{
  GMainContext *context = push_new_context ();
  Waited *w;
  GObject *owner = owner_new (&w);
  Outcome outcome = { 0 };
  g_autoptr(GTask) task = g_task_new (owner, NULL, pointer_cb, &outcome);
  TaWaiter *waiter;

  g_task_set_task_data (task, &outcome, NULL);
  ta_monitor_lock (&w->monitor);
  waiter = ta_waiter_new_locked (owner, &w->monitor, &w->waiters, task);
  ta_waiter_unlink_locked (waiter);
  ta_monitor_unlock (&w->monitor);

  ta_waiter_complete_call (waiter, call_cb, g_strdup ("batch"), g_free);
  test_iterate_until (context, &outcome.done);
  g_assert_no_error (outcome.error);
  g_assert_cmpstr (outcome.pointer, ==, "batch");
  g_assert_true (outcome.thread == g_thread_self ());
  g_free (outcome.pointer);

  g_object_unref (owner);
  pop_context (context);
}

static gpointer
call_thread (gpointer data)
{
  ReturnJob *job = data;

  ta_task_call_in_context (job->task, call_cb, job->result, count_free);
  return NULL;
}

static void
test_waiter_complete_call_frees_data_for_closed_context (void)
{
  GMainContext *context = push_new_context ();
  Outcome outcome = { 0 };
  gint n_freed = 0;
  ReturnJob job = { g_task_new (NULL, NULL, pointer_cb, &outcome), &n_freed, &n_freed };

  g_task_set_task_data (job.task, &outcome, NULL);
  ta_context_post_close (context);
  g_thread_join (g_thread_new ("call", call_thread, &job));
  g_assert_cmpint (n_freed, ==, 1);

  pop_context (context);
  g_assert_false (outcome.done);
  g_assert_null (outcome.thread);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/ta/waiter/return-from-thread-completes-in-task-context",
                   test_waiter_return_from_thread_completes_in_task_context);
  g_test_add_func ("/ta/waiter/return-to-closed-context-frees-result-once",
                   test_waiter_return_to_closed_context_frees_result_once);
  g_test_add_func ("/ta/waiter/many-waits-complete-in-arrival-order",
                   test_waiter_many_waits_complete_in_arrival_order);
  g_test_add_func ("/ta/waiter/cancel-fails-wait-in-its-context",
                   test_waiter_cancel_fails_wait_in_its_context);
  g_test_add_func ("/ta/waiter/completion-racing-cancellation-ends-wait-once",
                   test_waiter_completion_racing_cancellation_ends_wait_once);
  g_test_add_func ("/ta/waiter/blocked-thread-is-served-in-its-turn",
                   test_waiter_blocked_thread_is_served_in_its_turn);
  g_test_add_func ("/ta/waiter/complete-call-runs-in-waiting-context",
                   test_waiter_complete_call_runs_in_waiting_context);
  g_test_add_func ("/ta/waiter/complete-call-frees-data-for-closed-context",
                   test_waiter_complete_call_frees_data_for_closed_context);

  return g_test_run ();
}
