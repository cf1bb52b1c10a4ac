/* test-watchdog.c: live reports of stalled main contexts
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <signal.h>

#include "test-common.h"

#define THRESHOLD_US (50 * 1000)

/* ---------------------------------------------------------------------- */
/* Fixtures                                                                */
/* ---------------------------------------------------------------------- */

/* Reports as the main thread receives them. */
typedef struct
{
  GPtrArray *stalls;   /* TaStall, main thread */
} Reports;

#define REPORTS_INIT { g_ptr_array_new_with_free_func ((GDestroyNotify) ta_stall_unref) }

static void
reports_clear (Reports *reports)
{
  g_ptr_array_unref (reports->stalls);
}

static void
on_stall (TaWatchdog *watchdog,
          TaStall    *stall,
          gpointer    user_data)
{
  Reports *reports = user_data;

  g_assert_true (g_thread_self () == test_main_thread);
  g_ptr_array_add (reports->stalls, ta_stall_ref (stall));
  g_main_context_wakeup (NULL);
}

static void
reports_wait (Reports *reports,
              guint    n)
{
  gint64 end_time = g_get_monotonic_time () + TEST_HANG_US;

  while (reports->stalls->len < n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end_time);
      g_main_context_iteration (NULL, TRUE);
    }
}

/* A plain thread that runs a loop on a context of its own. */
typedef struct
{
  GMainContext *context;
  GMainLoop    *loop;
  GThread      *thread;
} LoopThread;

static gpointer
loop_thread_main (gpointer data)
{
  LoopThread *lt = data;

  g_main_context_push_thread_default (lt->context);
  g_main_loop_run (lt->loop);
  g_main_context_pop_thread_default (lt->context);

  return NULL;
}

static void
loop_thread_start (LoopThread *lt)
{
  lt->context = g_main_context_new ();
  lt->loop = g_main_loop_new (lt->context, FALSE);
  lt->thread = g_thread_new ("test-loop", loop_thread_main, lt);
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
loop_thread_stop (LoopThread *lt)
{
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, quit_cb, lt->loop, NULL);
  g_source_attach (source, lt->context);
  g_source_unref (source);
  g_thread_join (lt->thread);
  g_main_loop_unref (lt->loop);
  g_main_context_unref (lt->context);
}

static void
attach_idle (GMainContext *context,
             const char   *name,
             GSourceFunc   func,
             gpointer      data)
{
  GSource *source = g_idle_source_new ();

  if (name != NULL)
    g_source_set_name (source, name);
  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, context);
  g_source_unref (source);
}

static gboolean
block_cb (gpointer data)
{
  test_blocker_block (data);
  return G_SOURCE_REMOVE;
}

/* Public, so that the dynamic symbol table names it (the test is linked
 * with -rdynamic). */
gboolean test_watchdog_unnamed_callback (gpointer data);

gboolean
test_watchdog_unnamed_callback (gpointer data)
{
  test_blocker_block (data);
  return G_SOURCE_REMOVE;
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */
/* ---------------------------------------------------------------------- */

static void
blocker_task (GTask        *task,
              GCancellable *cancellable,
              gpointer      data)
{
  test_blocker_block (data);
  g_task_return_boolean (task, TRUE);
}

/* Spawns a task called “blocker” on @runner, blocked on @blocker, and
 * waits for the first of @reports: the live stall of that task, which
 * is returned (owned by @reports) with the task in @task. */
static TaStall *
spawn_blocker_reported (TaRunner    *runner,
                        TestBlocker *blocker,
                        Reports     *reports,
                        TaTask     **task)
{
  TaStall *live;

  *task = ta_runner_spawn (runner, "blocker", blocker_task, blocker, NULL, NULL, NULL);
  test_gate_wait (&blocker->entered);
  reports_wait (reports, 1);
  live = reports->stalls->pdata[0];
  g_assert_false (ta_stall_is_over (live));
  g_assert_cmpstr (ta_stall_get_what (live), ==, "task “blocker”");
  return live;
}

/*
 * The first task of a process pays for what is done once (type
 * initialization and, under valgrind, translating the code it runs): on
 * the watched runner, the dispatch that starts the task could last the
 * threshold before the task is under way, and be reported as a stall of
 * no task. It is paid here, on another runner.
 */
static void
warm_up_tasks (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("warm-up");
  g_autoptr(TaTask) task = ta_runner_run (runner, "warm-up", test_string_result_task, NULL, NULL,
                                          TA_TIMEOUT_INFINITE, NULL);

  g_assert_nonnull (task);
  test_runner_stop_ok (runner);
}

/* A task that blocks the runner is reported while it blocks, by name,
 * then with its total once it returns. */
static void
test_watchdog_runner_task (void)
{
  g_autoptr(TaRunner) runner = ta_runner_new ("stalled");
  g_autoptr(TaWatchdog) watchdog = NULL;
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GVariant) sources = NULL;
  Reports reports = REPORTS_INIT;
  TestBlocker blocker;
  TaStall *live, *over;
  guint32 n_stalls = 0;
  const char *name = NULL;
  guint32 count = 0;
  gint64 total = 0, longest = 0;

  warm_up_tasks ();
  test_blocker_init (&blocker);
  g_object_set (runner, "stall-threshold", (gint64) THRESHOLD_US, NULL);
  g_assert_true (ta_runner_start (runner, NULL));
  watchdog = ta_runner_dup_watchdog (runner);
  g_assert_nonnull (watchdog);
  g_assert_cmpint (ta_runner_get_stall_threshold (runner), ==, THRESHOLD_US);
  g_signal_connect (watchdog, "stall", G_CALLBACK (on_stall), &reports);

  /* Reported while the task still blocks: it cannot return before the
   * gate opens, which happens only after the report. */
  live = spawn_blocker_reported (runner, &blocker, &reports, &task);
  g_assert_cmpint (ta_stall_get_duration (live), >=, THRESHOLD_US);
  g_assert_cmpuint (ta_stall_get_number (live), ==, 1);
  g_assert_cmpstr (ta_stall_get_thread_name (live), ==, "stalled");
  g_assert_null (ta_stall_get_stack (live));
  g_assert_cmpuint (ta_watchdog_get_n_stalls (watchdog), ==, 1);
  g_assert_cmpint (ta_watchdog_get_total_stalled (watchdog), ==, 0);

  test_gate_open (&blocker.release);
  reports_wait (&reports, 2);
  over = reports.stalls->pdata[1];
  g_assert_true (ta_stall_is_over (over));
  g_assert_cmpuint (ta_stall_get_number (over), ==, 1);
  g_assert_cmpstr (ta_stall_get_what (over), ==, "task “blocker”");
  g_assert_cmpint (ta_stall_get_duration (over), >=, ta_stall_get_duration (live));
  g_assert_true (ta_task_wait (task, TEST_HANG_US, NULL));

  stats = ta_watchdog_dup_statistics (watchdog);
  g_assert_true (g_variant_lookup (stats, "n-stalls", "u", &n_stalls));
  g_assert_cmpuint (n_stalls, ==, 1);
  g_assert_true (g_variant_lookup (stats, "longest-us", "x", &longest));
  g_assert_cmpint (longest, ==, ta_stall_get_duration (over));
  g_assert_true (g_variant_lookup (stats, "total-us", "x", &total));
  g_assert_cmpint (total, ==, ta_stall_get_duration (over));
  sources = g_variant_lookup_value (stats, "sources", G_VARIANT_TYPE ("a(suxx)"));
  g_assert_cmpuint (g_variant_n_children (sources), ==, 1);
  g_variant_get_child (sources, 0, "(&suxx)", &name, &count, &total, &longest);
  g_assert_cmpstr (name, ==, "task “blocker”");
  g_assert_cmpuint (count, ==, 1);

  g_assert_true (ta_runner_stop (runner, NULL));
  g_assert_false (ta_watchdog_is_attached (watchdog));
  reports_clear (&reports);
  test_blocker_clear (&blocker);
}

/*
 * Stalls a loop thread of its own with a source called @name (or unnamed)
 * running @func until released, watched with @signum (or 0), and returns
 * the live report; the report at its end says the same.
 */
static TaStall *
stall_plain_loop (const char  *name,
                  GSourceFunc  func,
                  int          signum)
{
  LoopThread lt;
  g_autoptr(TaWatchdog) watchdog = NULL;
  Reports reports = REPORTS_INIT;
  TestBlocker blocker;
  TaStall *live, *over;

  test_blocker_init (&blocker);
  loop_thread_start (&lt);
  watchdog = ta_watchdog_new (lt.context, THRESHOLD_US);
  ta_watchdog_set_interrupt_signal (watchdog, signum);
  g_assert_cmpint (ta_watchdog_get_interrupt_signal (watchdog), ==, signum);
  g_assert_true (ta_watchdog_get_context (watchdog) == lt.context);
  g_signal_connect (watchdog, "stall", G_CALLBACK (on_stall), &reports);

  attach_idle (lt.context, name, func, &blocker);
  reports_wait (&reports, 1);
  live = ta_stall_ref (reports.stalls->pdata[0]);
  g_assert_false (ta_stall_is_over (live));
  g_assert_cmpstr (ta_stall_get_thread_name (live), ==, "test-loop");

  test_gate_open (&blocker.release);
  reports_wait (&reports, 2);
  over = reports.stalls->pdata[1];
  g_assert_true (ta_stall_is_over (over));
  g_assert_cmpuint (ta_stall_get_number (over), ==, ta_stall_get_number (live));
  g_assert_cmpstr (ta_stall_get_what (over), ==, ta_stall_get_what (live));
  g_assert_null (ta_stall_get_stack (over));

  ta_watchdog_detach (watchdog);
  loop_thread_stop (&lt);
  reports_clear (&reports);
  test_blocker_clear (&blocker);

  return live;
}

/* On a plain context, a named source is named, through the interrupt
 * signal; the report comes with the thread's stack. */
static void
test_watchdog_named_source (void)
{
  g_autoptr(TaStall) live = stall_plain_loop ("slow-idle", block_cb, SIGURG);

  g_assert_cmpstr (ta_stall_get_what (live), ==, "slow-idle");
  g_assert_nonnull (ta_stall_get_stack (live));
  g_assert_nonnull (strstr (ta_stall_get_stack (live), "g_main_context_dispatch"));
}

/* An unnamed source is named after the function its callback points to. */
static void
test_watchdog_unnamed_source (void)
{
  g_autoptr(TaStall) live = stall_plain_loop (NULL, test_watchdog_unnamed_callback, SIGURG);

  g_assert_cmpstr (ta_stall_get_what (live), ==,
                   "an unnamed GSource (callback at test_watchdog_unnamed_callback)");
}

/* Without an interrupt signal, a stall on a plain context is still
 * reported, as a source that cannot be named. */
static void
test_watchdog_without_interrupt (void)
{
  g_autoptr(TaStall) live = stall_plain_loop ("slow-idle", block_cb, 0);

  g_assert_nonnull (strstr (ta_stall_get_what (live), "interrupt-signal"));
  g_assert_null (ta_stall_get_stack (live));
}

/* Reports go to the report context chosen, on its thread; when that is
 * the watched context, they arrive after the stall. */
typedef struct
{
  TaWatchdog  *watchdog;
  TestBlocker *blocker;
  Reports     *reports;
  gboolean     stall_over;   /* main thread */
} SelfWatch;

static gboolean
self_block_cb (gpointer data)
{
  SelfWatch *sw = data;

  /* Held until the watchdog has seen the stall (from its own thread). */
  while (ta_watchdog_get_n_stalls (sw->watchdog) == 0)
    test_gate_wait_count (&sw->blocker->release, 1, 1000);
  g_assert_cmpuint (sw->reports->stalls->len, ==, 0);
  sw->stall_over = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_watchdog_report_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaWatchdog) watchdog = NULL;
  Reports reports = REPORTS_INIT;
  TestBlocker blocker;
  SelfWatch sw = { NULL, &blocker, &reports, FALSE };
  gint64 end_time = g_get_monotonic_time () + TEST_HANG_US;

  test_blocker_init (&blocker);
  g_main_context_push_thread_default (context);
  watchdog = ta_watchdog_new (context, THRESHOLD_US);
  sw.watchdog = watchdog;
  g_assert_true (ta_watchdog_get_context (watchdog) == context);
  g_signal_connect (watchdog, "stall", G_CALLBACK (on_stall), &reports);

  attach_idle (context, "self", self_block_cb, &sw);
  while (reports.stalls->len < 2)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end_time);
      g_main_context_iteration (context, TRUE);
    }
  g_assert_true (sw.stall_over);
  g_assert_cmpstr (ta_stall_get_what (reports.stalls->pdata[0]), !=, NULL);

  ta_watchdog_detach (watchdog);
  g_main_context_pop_thread_default (context);
  reports_clear (&reports);
  test_blocker_clear (&blocker);
}

/* Many dispatches, each much shorter than the threshold, are no stall
 * however long they keep the loop going together. */
typedef struct
{
  gint64   end_time;
  guint    n;
  TestGate done;
} Busy;

static gboolean
busy_cb (gpointer data)
{
  Busy *busy = data;

  busy->n++;
  if (g_get_monotonic_time () < busy->end_time)
    return G_SOURCE_CONTINUE;
  test_gate_open (&busy->done);
  return G_SOURCE_REMOVE;
}

static void
test_watchdog_short_dispatches (void)
{
  /* The threshold is large against one dispatch (well under a
   * millisecond), so that a loaded machine does not make one a stall. */
  const gint64 threshold = 2 * G_USEC_PER_SEC;
  LoopThread lt;
  g_autoptr(TaWatchdog) watchdog = NULL;
  g_autoptr(GVariant) stats = NULL;
  guint32 n_stalls = 1;
  Busy busy = { g_get_monotonic_time () + 2 * threshold, 0 };

  test_gate_init (&busy.done);
  loop_thread_start (&lt);
  watchdog = ta_watchdog_new (lt.context, threshold);
  attach_idle (lt.context, "busy", busy_cb, &busy);
  test_gate_wait (&busy.done);
  g_assert_cmpuint (busy.n, >, 1);

  stats = ta_watchdog_dup_statistics (watchdog);
  g_assert_true (g_variant_lookup (stats, "n-stalls", "u", &n_stalls));
  g_assert_cmpuint (n_stalls, ==, 0);
  g_assert_cmpuint (ta_watchdog_get_n_stalls (watchdog), ==, 0);

  ta_watchdog_detach (watchdog);
  loop_thread_stop (&lt);
  test_gate_clear (&busy.done);
}

/* Two sources, three stalls: counts, totals and the worst first. */
static void
test_watchdog_statistics (void)
{
  LoopThread lt;
  g_autoptr(TaWatchdog) watchdog = NULL;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GVariant) sources = NULL;
  Reports reports = REPORTS_INIT;
  const char *names[] = { "first", "second", "first" };
  gint64 first_total = 0, second_total = 0, longest = 0, sum = 0;
  const char *name;
  guint32 count;
  gint64 total, max;
  guint i;

  loop_thread_start (&lt);
  watchdog = g_object_new (TA_TYPE_WATCHDOG,
                           "context", lt.context,
                           "threshold", (gint64) THRESHOLD_US,
                           "interrupt-signal", SIGURG,
                           NULL);
  g_signal_connect (watchdog, "stall", G_CALLBACK (on_stall), &reports);

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    {
      TestBlocker blocker;
      TaStall *over;

      test_blocker_init (&blocker);
      attach_idle (lt.context, names[i], block_cb, &blocker);
      reports_wait (&reports, 2 * i + 1);
      test_gate_open (&blocker.release);
      reports_wait (&reports, 2 * i + 2);
      over = reports.stalls->pdata[2 * i + 1];
      g_assert_true (ta_stall_is_over (over));
      g_assert_cmpuint (ta_stall_get_number (over), ==, i + 1);
      g_assert_cmpstr (ta_stall_get_what (over), ==, names[i]);
      if (i == 1)
        second_total += ta_stall_get_duration (over);
      else
        first_total += ta_stall_get_duration (over);
      longest = MAX (longest, ta_stall_get_duration (over));
      sum += ta_stall_get_duration (over);
      test_blocker_clear (&blocker);
    }

  g_assert_cmpuint (ta_watchdog_get_n_stalls (watchdog), ==, 3);
  g_assert_cmpint (ta_watchdog_get_longest_stall (watchdog), ==, longest);
  g_assert_cmpint (ta_watchdog_get_total_stalled (watchdog), ==, sum);

  stats = ta_watchdog_dup_statistics (watchdog);
  sources = g_variant_lookup_value (stats, "sources", G_VARIANT_TYPE ("a(suxx)"));
  g_assert_cmpuint (g_variant_n_children (sources), ==, 2);
  for (i = 0; i < 2; i++)
    {
      g_variant_get_child (sources, i, "(&suxx)", &name, &count, &total, &max);
      if (g_str_equal (name, "first"))
        {
          g_assert_cmpuint (count, ==, 2);
          g_assert_cmpint (total, ==, first_total);
        }
      else
        {
          g_assert_cmpstr (name, ==, "second");
          g_assert_cmpuint (count, ==, 1);
          g_assert_cmpint (total, ==, second_total);
        }
      /* The worst first. */
      if (i == 0)
        g_assert_cmpint (total, ==, MAX (first_total, second_total));
    }

  ta_watchdog_detach (watchdog);
  loop_thread_stop (&lt);
  reports_clear (&reports);
}

/* Attach, detach, drop the context and the watchdog in every order, with
 * the context running or not, reports pending or not. */
static void
test_watchdog_lifecycle (void)
{
  guint round;

  for (round = 0; round < 4; round++)
    {
      LoopThread lt;
      TaWatchdog *watchdog;
      GWeakRef weak;
      TestBlocker blocker;

      test_blocker_init (&blocker);
      loop_thread_start (&lt);
      watchdog = ta_watchdog_new (lt.context, THRESHOLD_US);
      g_weak_ref_init (&weak, watchdog);

      if (round >= 2)
        {
          /* A stall is going on when the watchdog goes. */
          attach_idle (lt.context, "stalled", block_cb, &blocker);
          test_gate_wait (&blocker.entered);
          while (ta_watchdog_get_n_stalls (watchdog) == 0)
            test_gate_wait_count (&blocker.release, 1, 1000);
        }

      switch (round)
        {
        case 0:   /* detach, then drop the context, then the watchdog */
        case 2:
          ta_watchdog_detach (watchdog);
          g_assert_false (ta_watchdog_is_attached (watchdog));
          ta_watchdog_detach (watchdog);
          test_gate_open (&blocker.release);
          loop_thread_stop (&lt);
          g_object_unref (watchdog);
          break;
        case 1:   /* drop the context first: the watchdog keeps it */
        case 3:
        default:
          test_gate_open (&blocker.release);
          loop_thread_stop (&lt);
          g_assert_true (ta_watchdog_is_attached (watchdog));
          g_object_unref (watchdog);
          break;
        }

      /* Reports still queued for the main context find no watchdog. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_assert_null (g_weak_ref_get (&weak));
      g_weak_ref_clear (&weak);
      test_blocker_clear (&blocker);
    }
}

/* A stop that abandons a stuck runner thread gives its stack. Public,
 * for the dynamic symbol table. */
void stuck_task (GTask        *task,
                 GCancellable *cancellable,
                 gpointer      data);

void
stuck_task (GTask        *task,
            GCancellable *cancellable,
            gpointer      data)
{
  test_blocker_block (data);
  g_task_return_boolean (task, TRUE);
}

static void
test_watchdog_abandoned_stack (void)
{
  TaRunner *runner = ta_runner_new ("stuck");
  g_autoptr(TaWatchdog) watchdog = NULL;
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;
  TestGate thread_exited;
  TestBlocker blocker;

  test_blocker_init (&blocker);
  test_gate_init (&thread_exited);
  /* A threshold no test run reaches: only the stack at the stop is seen. */
  ta_runner_set_stall_threshold (runner, 600 * G_USEC_PER_SEC);
  ta_runner_set_exit_timeout (runner, 200 * 1000);
  watchdog = ta_runner_dup_watchdog (runner);
  ta_watchdog_set_interrupt_signal (watchdog, SIGURG);
  g_assert_true (ta_runner_start (runner, NULL));
  g_assert_true (ta_runner_call (runner, test_watch_thread_exit, &thread_exited, NULL,
                                 TA_TIMEOUT_INFINITE, NULL));

  task = ta_runner_spawn (runner, "stuck", stuck_task, &blocker, NULL, NULL, NULL);
  test_gate_wait (&blocker.entered);
  g_assert_false (ta_runner_stop (runner, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "task “stuck”, at:\n"));
  g_assert_nonnull (strstr (error->message, "stuck_task"));

  /* The abandoned thread finishes once it unblocks. */
  g_object_unref (runner);
  g_clear_object (&watchdog);
  test_gate_open (&blocker.release);
  test_gate_wait (&thread_exited);
  test_gate_clear (&thread_exited);
  test_blocker_clear (&blocker);
}

/*
 * Changing the threshold of a running runner replaces its watchdog with
 * one of the new threshold, which the runner's loop feeds from its next
 * iteration on: a stall too short for the old threshold is reported by
 * the new watchdog; the old one is detached. 0 removes the watchdog.
 */
static void
test_watchdog_runner_threshold_replaced (void)
{
  g_autoptr(TaRunner) runner = ta_runner_new ("replaced");
  g_autoptr(TaWatchdog) old = NULL;
  g_autoptr(TaWatchdog) watchdog = NULL;
  g_autoptr(TaWatchdog) none = NULL;
  g_autoptr(TaTask) task = NULL;
  Reports reports = REPORTS_INIT;
  TestBlocker blocker;

  test_blocker_init (&blocker);
  g_object_set (runner, "stall-threshold", (gint64) G_USEC_PER_SEC * 3600, NULL);
  g_assert_true (ta_runner_start (runner, NULL));
  /* The loop iterates with the first watchdog. */
  g_assert_true (ta_runner_wait_next_iteration (runner, TEST_HANG_US, NULL));
  old = ta_runner_dup_watchdog (runner);
  g_assert_nonnull (old);

  g_object_set (runner, "stall-threshold", (gint64) THRESHOLD_US, NULL);
  g_assert_cmpint (ta_runner_get_stall_threshold (runner), ==, THRESHOLD_US);
  watchdog = ta_runner_dup_watchdog (runner);
  g_assert_true (watchdog != old);
  g_assert_cmpint (ta_watchdog_get_threshold (watchdog), ==, THRESHOLD_US);
  g_assert_true (ta_watchdog_is_attached (watchdog));
  g_assert_false (ta_watchdog_is_attached (old));
  g_signal_connect (watchdog, "stall", G_CALLBACK (on_stall), &reports);

  spawn_blocker_reported (runner, &blocker, &reports, &task);
  test_gate_open (&blocker.release);
  reports_wait (&reports, 2);
  g_assert_true (ta_task_wait (task, TEST_HANG_US, NULL));
  g_assert_cmpuint (ta_watchdog_get_n_stalls (old), ==, 0);

  g_object_set (runner, "stall-threshold", (gint64) 0, NULL);
  none = ta_runner_dup_watchdog (runner);
  g_assert_null (none);
  g_assert_false (ta_watchdog_is_attached (watchdog));
  /* The loop goes on without one. */
  g_assert_true (ta_runner_wait_next_iteration (runner, TEST_HANG_US, NULL));

  g_assert_true (ta_runner_stop (runner, NULL));
  reports_clear (&reports);
  test_blocker_clear (&blocker);
}

/*
 * The largest threshold there is: deadlines computed from it saturate
 * instead of overflowing (UndefinedBehaviorSanitizer would stop the test),
 * and nothing is ever reported.
 */
static void
test_watchdog_runner_threshold_max (void)
{
  g_autoptr(TaRunner) runner = ta_runner_new ("patient");
  g_autoptr(TaWatchdog) watchdog = NULL;
  g_autoptr(TaTask) task = NULL;
  Reports reports = REPORTS_INIT;
  TestBlocker blocker;

  test_blocker_init (&blocker);
  g_object_set (runner, "stall-threshold", G_MAXINT64, NULL);
  g_assert_true (ta_runner_start (runner, NULL));
  g_assert_cmpint (ta_runner_get_stall_threshold (runner), ==, G_MAXINT64);
  watchdog = ta_runner_dup_watchdog (runner);
  g_signal_connect (watchdog, "stall", G_CALLBACK (on_stall), &reports);

  /* Busy, then idle, then busy: the watchdog thread computes each of its
   * deadlines. A moment of blocking lets it look at the busy loop; nothing
   * waits on it. */
  for (guint i = 0; i < 100; i++)
    g_assert_true (ta_runner_wait_next_iteration (runner, TEST_HANG_US, NULL));
  task = ta_runner_spawn (runner, "blocker", blocker_task, &blocker, NULL, NULL, NULL);
  test_gate_wait (&blocker.entered);
  g_usleep (20 * 1000);
  test_gate_open (&blocker.release);
  g_assert_true (ta_task_wait (task, TEST_HANG_US, NULL));
  for (guint i = 0; i < 100; i++)
    g_assert_true (ta_runner_wait_next_iteration (runner, TEST_HANG_US, NULL));

  g_assert_true (ta_runner_stop (runner, NULL));
  g_assert_cmpuint (ta_watchdog_get_n_stalls (watchdog), ==, 0);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (reports.stalls->len, ==, 0);
  reports_clear (&reports);
  test_blocker_clear (&blocker);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/ta/watchdog/runner-task-reported-live", test_watchdog_runner_task);
  g_test_add_func ("/ta/watchdog/runner-threshold-replaced", test_watchdog_runner_threshold_replaced);
  g_test_add_func ("/ta/watchdog/runner-threshold-max", test_watchdog_runner_threshold_max);
  g_test_add_func ("/ta/watchdog/named-source", test_watchdog_named_source);
  g_test_add_func ("/ta/watchdog/unnamed-source-by-callback", test_watchdog_unnamed_source);
  g_test_add_func ("/ta/watchdog/unnamed-without-interrupt", test_watchdog_without_interrupt);
  g_test_add_func ("/ta/watchdog/report-context-after-stall", test_watchdog_report_context);
  g_test_add_func ("/ta/watchdog/short-dispatches-are-no-stall", test_watchdog_short_dispatches);
  g_test_add_func ("/ta/watchdog/statistics", test_watchdog_statistics);
  g_test_add_func ("/ta/watchdog/lifecycle-any-order", test_watchdog_lifecycle);
  g_test_add_func ("/ta/watchdog/abandoned-runner-stack", test_watchdog_abandoned_stack);

  return g_test_run ();
}
