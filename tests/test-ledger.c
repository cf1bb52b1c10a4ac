/* test-ledger.c: a scheduler's ledger of tasks, through the scheduler
 * interface
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "test-common.h"
#include "ta-scheduler-private.h"
#include "ta-task-private.h"

/* A scheduler of the test's own: starts are queued for the test to run,
 * publications run when the test says so. */
typedef struct
{
  TaScheduler  parent;
  gint         refs;         /* atomic */
  GMutex       mutex;
  GQueue       starts;       /* TaWorkItem, guarded by mutex */
  gboolean     refusing;     /* guarded by mutex */
  GPtrArray   *publications; /* TaWorkItem, the test's thread */
  gint         n_drained;    /* atomic */
} TestScheduler;

static void
test_scheduler_ref (TaScheduler *scheduler)
{
  g_atomic_int_inc (&((TestScheduler *) scheduler)->refs);
}

static void
test_scheduler_unref (TaScheduler *scheduler)
{
  g_assert_cmpint (g_atomic_int_add (&((TestScheduler *) scheduler)->refs, -1), >, 0);
}

static gboolean
test_scheduler_submit (TaScheduler  *scheduler,
                       TaTask       *task,
                       GError      **error)
{
  TestScheduler *self = (TestScheduler *) scheduler;
  gboolean refused;

  ta_mutex_lock (&self->mutex);
  refused = self->refusing;
  if (!refused)
    g_queue_push_tail (&self->starts, &task->item);
  ta_mutex_unlock (&self->mutex);

  if (refused)
    {
      g_object_unref (task);
      g_set_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING, "test scheduler refuses work");
      return FALSE;
    }

  return TRUE;
}

static void
test_scheduler_publish (TaScheduler *scheduler,
                        TaWorkItem  *item)
{
  g_ptr_array_add (((TestScheduler *) scheduler)->publications, item);
}

static void
test_scheduler_drained (TaScheduler *scheduler)
{
  g_atomic_int_inc (&((TestScheduler *) scheduler)->n_drained);
}

static gint64
test_scheduler_resolve_timeout (TaScheduler *scheduler,
                                gint64       timeout_us)
{
  return timeout_us == TA_TIMEOUT_DEFAULT ? TA_TIMEOUT_INFINITE : timeout_us;
}

static const TaSchedulerClass test_scheduler_class = {
  .ref = test_scheduler_ref,
  .unref = test_scheduler_unref,
  .submit = test_scheduler_submit,
  .publish = test_scheduler_publish,
  .drained = test_scheduler_drained,
  .resolve_timeout = test_scheduler_resolve_timeout,
};

static void
test_scheduler_init (TestScheduler *self,
                     gconstpointer  data)
{
  ta_scheduler_init (&self->parent, &test_scheduler_class, "test");
  self->refs = 0;
  g_mutex_init (&self->mutex);
  g_queue_init (&self->starts);
  self->refusing = FALSE;
  self->publications = g_ptr_array_new ();
  self->n_drained = 0;
  ta_scheduler_set_current (&self->parent);
}

static void
test_scheduler_clear (TestScheduler *self,
                      gconstpointer  data)
{
  ta_scheduler_set_current (NULL);
  g_assert_true (g_queue_is_empty (&self->starts));
  g_assert_cmpuint (self->publications->len, ==, 0);
  /* Every task let go of its scheduler. */
  g_assert_cmpint (self->refs, ==, 0);
  g_ptr_array_unref (self->publications);
  g_mutex_clear (&self->mutex);
  ta_scheduler_clear (&self->parent);
}

/* Runs the queued starts, then what the GTasks returned, as a scheduler's
 * thread does. */
static void
test_scheduler_run (TestScheduler *self)
{
  TaWorkItem *item;

  while ((item = g_queue_pop_head (&self->starts)) != NULL)
    item->func (item, TRUE);

  /* A GTask made outside any dispatch returns from an idle. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  for (guint i = 0; i < self->publications->len; i++)
    {
      item = g_ptr_array_index (self->publications, i);
      item->func (item, TRUE);
    }
  g_ptr_array_set_size (self->publications, 0);
}

static void
test_succeed (GTask        *task,
              GCancellable *cancellable,
              gpointer      user_data)
{
  g_task_return_boolean (task, TRUE);
}

static void
test_fail (GTask        *task,
           GCancellable *cancellable,
           gpointer      user_data)
{
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", (const char *) user_data);
}

static void
test_cancelled (GTask        *task,
                GCancellable *cancellable,
                gpointer      user_data)
{
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
}

static TaTask *
test_spawn (TestScheduler *self,
            const char    *name,
            TaTaskFunc     func,
            gpointer       data)
{
  g_autoptr(GError) error = NULL;
  TaTask *task = ta_scheduler_spawn (&self->parent, name, func, data, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (task);

  return task;
}

/* Collects the errors nobody retrieved, without a report: @n of them. */
static void
test_assert_n_unretrieved (TestScheduler *self,
                           guint          n)
{
  GPtrArray *errors = ta_ledger_take_unretrieved (&self->parent.ledger, NULL);

  g_assert_cmpuint (errors->len, ==, n);
  g_ptr_array_unref (errors);
}

/* Tasks are in the ledger from their spawn to their completion; a failure
 * stays there until collected, once; success and cancellation do not. */
static void
test_ledger_failures_collected_once (TestScheduler *s,
                                     gconstpointer  data)
{
  g_autoptr(TaTask) ok = NULL;
  g_autoptr(TaTask) failed = NULL;
  g_autoptr(TaTask) cancelled = NULL;
  g_autoptr(GString) report = g_string_new (NULL);
  GPtrArray *errors;

  ok = test_spawn (s, "ok", test_succeed, NULL);
  failed = test_spawn (s, "failing", test_fail, "it broke");
  cancelled = test_spawn (s, "cancelled", test_cancelled, NULL);
  g_assert_cmpint (s->refs, ==, 3);
  g_assert_cmpuint (g_queue_get_length (&s->parent.ledger.tasks), ==, 3);

  test_scheduler_run (s);
  g_assert_true (ta_task_is_done (ok));
  g_assert_true (ta_task_is_done (failed));
  g_assert_true (ta_task_is_done (cancelled));
  g_assert_true (ta_ledger_is_empty (&s->parent.ledger));
  g_assert_cmpuint (g_queue_get_length (&s->parent.ledger.failed), ==, 1);
  /* The failed list holds the scheduler while it holds the task. */
  g_assert_cmpint (s->refs, ==, 1);

  errors = ta_ledger_take_unretrieved (&s->parent.ledger, report);
  g_assert_cmpuint (errors->len, ==, 1);
  g_assert_error ((GError *) g_ptr_array_index (errors, 0), G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (report->str, "task “failing”: it broke"));
  g_ptr_array_unref (errors);
  g_assert_cmpint (s->refs, ==, 0);

  test_assert_n_unretrieved (s, 0);
}

/* An error somebody saw is not reported. */
static void
test_ledger_retrieved_not_reported (TestScheduler *s,
                                    gconstpointer  data)
{
  g_autoptr(TaTask) failed = NULL;
  g_autoptr(GError) error = NULL;

  failed = test_spawn (s, "failing", test_fail, "seen");
  test_scheduler_run (s);
  g_assert_cmpuint (g_queue_get_length (&s->parent.ledger.failed), ==, 1);

  /* From another thread than the scheduler's, where waiting is allowed. */
  ta_scheduler_set_current (NULL);
  g_assert_false (ta_task_wait (failed, 0, &error));
  ta_scheduler_set_current (&s->parent);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpuint (g_queue_get_length (&s->parent.ledger.failed), ==, 0);
  g_assert_cmpint (s->refs, ==, 0);

  test_assert_n_unretrieved (s, 0);
}

static void
test_count_destroy (gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

/* A spawn the scheduler refuses fails at once with its error, lets go of
 * the data, and leaves nothing to report. */
static void
test_ledger_refused_spawn (TestScheduler *s,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TaTask *task;
  gint destroyed = 0;

  s->refusing = TRUE;
  task = ta_scheduler_spawn (&s->parent, "refused", test_succeed, &destroyed,
                             test_count_destroy, NULL, &error);
  g_assert_null (task);
  g_assert_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING);
  g_assert_cmpint (destroyed, ==, 1);
  g_assert_true (ta_ledger_is_empty (&s->parent.ledger));

  test_assert_n_unretrieved (s, 0);
}

/* A drain hears of the completion of the last task, once. */
static void
test_ledger_drain (TestScheduler *s,
                   gconstpointer  data)
{
  g_autoptr(TaTask) first = NULL;
  g_autoptr(TaTask) second = NULL;

  g_assert_true (ta_ledger_start_drain (&s->parent.ledger));

  first = test_spawn (s, "first", test_succeed, NULL);
  second = test_spawn (s, "second", test_succeed, NULL);
  g_assert_false (ta_ledger_start_drain (&s->parent.ledger));

  ta_task_force_complete (first, NULL);
  g_assert_cmpint (s->n_drained, ==, 0);
  ta_task_force_complete (second, NULL);
  g_assert_cmpint (s->n_drained, ==, 1);
  /* Completed already: a second completion loses. */
  ta_task_force_complete (second, NULL);
  g_assert_cmpint (s->n_drained, ==, 1);

  /* Their starts were discarded with them: they never run. */
  test_scheduler_run (s);
  g_assert_true (g_queue_is_empty (&s->starts));

}

/* A failure after the errors were collected is not lost: it is said. */
static void
test_ledger_failure_after_collection (TestScheduler *s,
                                      gconstpointer  data)
{
  g_autoptr(TaTask) late = NULL;
  GPtrArray *errors;
  g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "too late");

  late = test_spawn (s, "late", test_succeed, NULL);
  errors = ta_ledger_take_unretrieved (&s->parent.ledger, NULL);
  g_ptr_array_unref (errors);

  g_test_expect_message ("Ta", G_LOG_LEVEL_WARNING, "*late*failed after*too late*");
  ta_task_force_complete (late, error);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (g_queue_get_length (&s->parent.ledger.failed), ==, 0);

  test_scheduler_run (s);
}

#define N_THREADS 4
#define N_PER_THREAD 2000

typedef struct
{
  TestScheduler *s;
  guint          n_failed;
} TestSpawner;

static gpointer
test_spawner_thread (gpointer data)
{
  TestSpawner *spawner = data;
  g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "failed");

  for (guint i = 0; i < N_PER_THREAD; i++)
    {
      TaTask *task = test_spawn (spawner->s, NULL, test_succeed, NULL);

      if (i % 3 == 0)
        {
          ta_task_force_complete (task, error);
          spawner->n_failed++;
        }
      else
        ta_task_force_complete (task, NULL);
      g_object_unref (task);
    }

  return NULL;
}

/* Spawns and completions from many threads: every task leaves the ledger,
 * and exactly the failures are left to report. */
static void
test_ledger_many_threads (TestScheduler *s,
                          gconstpointer  data)
{
  TestSpawner spawners[N_THREADS];
  GThread *threads[N_THREADS];
  guint n_failed = 0;

  for (guint i = 0; i < N_THREADS; i++)
    {
      spawners[i] = (TestSpawner) { s, 0 };
      threads[i] = g_thread_new ("spawner", test_spawner_thread, &spawners[i]);
    }
  for (guint i = 0; i < N_THREADS; i++)
    {
      g_thread_join (threads[i]);
      n_failed += spawners[i].n_failed;
    }

  g_assert_true (ta_ledger_is_empty (&s->parent.ledger));
  g_assert_cmpuint (g_queue_get_length (&s->parent.ledger.failed), ==, n_failed);
  test_assert_n_unretrieved (s, n_failed);

  /* The discarded starts release the queue's references. */
  test_scheduler_run (s);
  g_assert_cmpint (s->refs, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add ("/ta/ledger/failures-collected-once", TestScheduler, NULL, test_scheduler_init, test_ledger_failures_collected_once, test_scheduler_clear);
  g_test_add ("/ta/ledger/retrieved-not-reported", TestScheduler, NULL, test_scheduler_init, test_ledger_retrieved_not_reported, test_scheduler_clear);
  g_test_add ("/ta/ledger/refused-spawn", TestScheduler, NULL, test_scheduler_init, test_ledger_refused_spawn, test_scheduler_clear);
  g_test_add ("/ta/ledger/drain", TestScheduler, NULL, test_scheduler_init, test_ledger_drain, test_scheduler_clear);
  g_test_add ("/ta/ledger/failure-after-collection", TestScheduler, NULL, test_scheduler_init, test_ledger_failure_after_collection, test_scheduler_clear);
  g_test_add ("/ta/ledger/many-threads", TestScheduler, NULL, test_scheduler_init, test_ledger_many_threads, test_scheduler_clear);

  return g_test_run ();
}
