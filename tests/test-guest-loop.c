/* test-guest-loop.c: another event loop inside a runner's loop
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>
#include <unistd.h>

#include <glib-unix.h>

#include "test-common.h"

typedef struct
{
  TestGate entered;
  TestGate release;
} Blocker;

/* A scripted guest loop: counts its iterations and returns what the test
 * asks for. All fields but the gates are the runner thread's while the
 * guest loop runs. */
typedef struct
{
  TestGate     iterated;        /* opened once per iteration */
  TestGate     destroyed;
  TestGate     guest_set;       /* opened once guest is set */
  TaRunner    *runner;
  TaGuestLoop *guest;           /* set by the test; used to wake itself */
  int          read_fd;         /* drained on each iteration, or -1 */
  gint         n_ready_now;     /* iterations still to answer "right away" */
  gint64       deadline_delay;  /* > 0: answer now + this, once */
  gboolean     wake_self;       /* wake from within the first iteration */
  gboolean     on_runner_thread;
  gint         n_wrong_thread;
  Blocker     *blocker;         /* block in the first iteration */
  TaFuture    *to_set;          /* set in the first iteration, first */
  int          nest_write_fd;   /* >= 0: the first iteration makes its own
                                 * descriptor readable, then runs a nested
                                 * loop until a timeout fires */
  gboolean     nest_hang_up;    /* ... by closing the other end instead */
  guint        n_nested;        /* iterations that nested loop took */
  gboolean     in_iteration;
  gint         n_reentered;
  gboolean     fd_ready[8];     /* what the first iterations were told */
  TaEvent     *to_signal;       /* set by every iteration, at its end */
} Guest;

static gboolean
set_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static gint64
guest_iterate (gboolean     fd_ready,
               gpointer     user_data)
{
  Guest *g = user_data;
  guint count = test_gate_get_count (&g->iterated);

  if (count < G_N_ELEMENTS (g->fd_ready))
    g->fd_ready[count] = fd_ready;

  if (!ta_runner_is_runner_thread (g->runner))
    g_atomic_int_inc (&g->n_wrong_thread);
  if (g->in_iteration)
    g->n_reentered++;
  g->in_iteration = TRUE;

  if (g->read_fd >= 0)
    {
      char byte;

      while (read (g->read_fd, &byte, 1) == 1)
        ;
    }

  if (count == 0 && g->nest_write_fd >= 0)
    {
      GMainContext *context = ta_runner_get_context (g->runner);
      gboolean fired = FALSE;
      GSource *timeout = g_timeout_source_new (20);

      if (g->nest_hang_up)
        g_assert_no_errno (close (g->nest_write_fd));
      else
        g_assert_cmpint (write (g->nest_write_fd, "x", 1), ==, 1);
      g_source_set_callback (timeout, set_flag_cb, &fired, NULL);
      g_source_attach (timeout, context);
      g_source_unref (timeout);
      while (!fired)
        {
          g_main_context_iteration (context, TRUE);
          g->n_nested++;
        }
    }

  if (count == 0 && g->to_set != NULL)
    ta_future_set_pointer (g->to_set, GINT_TO_POINTER (1), NULL);

  if (count == 0 && g->blocker != NULL)
    {
      test_gate_open (&g->blocker->entered);
      test_gate_wait (&g->blocker->release);
    }

  if (count == 0 && g->wake_self)
    {
      test_gate_wait (&g->guest_set);
      ta_guest_loop_wake (g->guest);
    }

  g->in_iteration = FALSE;
  if (g->to_signal != NULL)
    ta_event_set (g->to_signal);
  test_gate_open (&g->iterated);

  if (g->n_ready_now > 0)
    {
      g->n_ready_now--;
      return 0;
    }

  if (g->deadline_delay > 0)
    {
      gint64 delay = g->deadline_delay;

      g->deadline_delay = 0;
      return g_get_monotonic_time () + delay;
    }

  return -1;
}

static void
guest_destroy (gpointer user_data)
{
  Guest *g = user_data;

  if (!ta_runner_is_runner_thread (g->runner))
    g_atomic_int_inc (&g->n_wrong_thread);
  test_gate_open (&g->destroyed);
}

static void
guest_init (Guest    *g,
            TaRunner *runner)
{
  memset (g, 0, sizeof *g);
  test_gate_init (&g->iterated);
  test_gate_init (&g->destroyed);
  test_gate_init (&g->guest_set);
  g->runner = runner;
  g->read_fd = -1;
  g->nest_write_fd = -1;
}

static void
guest_clear (Guest *g)
{
  test_gate_clear (&g->iterated);
  test_gate_clear (&g->destroyed);
  test_gate_clear (&g->guest_set);
}

/* Lets the runner go through its queue a few times: enough for a wrongly
 * scheduled iteration to show. */
static void
let_runner_iterate (TaRunner *runner)
{
  for (guint i = 0; i < 3; i++)
    g_assert_true (ta_runner_wait_next_iteration (runner, TA_TIMEOUT_INFINITE, NULL));
}

/* The guest iterated @n times, and no more while its runner went through
 * its queue a few times after that. */
static void
guest_assert_iterated (Guest *g,
                       guint  n)
{
  g_assert_true (test_gate_wait_count (&g->iterated, n, TEST_HANG_US));
  let_runner_iterate (g->runner);
  g_assert_cmpuint (test_gate_get_count (&g->iterated), ==, n);
}

/* A guest of a started runner, for one test (the Guest is the fixture).
 * The runner's stop, by the test or after it, must succeed. */
static void
guest_fixture_setup (Guest         *g,
                     gconstpointer  data)
{
  guest_init (g, test_runner_new_started ("guest-test"));
}

static void
guest_fixture_teardown (Guest         *g,
                        gconstpointer  data)
{
  TaRunner *runner = g->runner;

  if (ta_runner_is_running (runner))
    test_runner_stop_ok (runner);
  guest_clear (g);
  g_object_unref (runner);
}

#define guest_test_add(path, func) \
  g_test_add ((path), Guest, NULL, guest_fixture_setup, (func), guest_fixture_teardown)

static TaGuestLoop *
guest_loop_new_ok (Guest *g,
                   int    fd)
{
  g_autoptr(GError) error = NULL;
  TaGuestLoop *guest;

  guest = ta_guest_loop_new (g->runner, "scripted", fd, guest_iterate, g,
                             guest_destroy, &error);
  g_assert_no_error (error);
  g_assert_nonnull (guest);
  g->guest = guest;
  test_gate_open (&g->guest_set);

  return guest;
}

/* A new pipe whose reading end (non-blocking) the guest watches. */
static void
guest_watch_new_pipe (Guest *g,
                      int    fds[2])
{
  g_assert_no_errno (pipe (fds));
  g_assert_true (g_unix_set_fd_nonblocking (fds[0], TRUE, NULL));
  g->read_fd = fds[0];
}

/* A guest whose first iteration runs a nested loop while its descriptor
 * is readable (or hung up): returns once that iteration is over. */
static TaGuestLoop *
guest_start_nested (Guest    *g,
                    int       fds[2],
                    gboolean  hang_up)
{
  TaGuestLoop *guest;

  guest_watch_new_pipe (g, fds);
  g->nest_write_fd = fds[1];
  g->nest_hang_up = hang_up;
  guest = guest_loop_new_ok (g, fds[0]);
  test_gate_wait (&g->iterated);

  /* The nested loop slept until its timeout: a readable descriptor
   * would have kept it going round (some wake-ups of the context may
   * still end an iteration or two early). */
  g_assert_cmpuint (g->n_nested, <=, 5);

  return guest;
}

/* Stops the guest's runner: the guest loop goes with it. */
static void
guest_stop (Guest *g)
{
  test_runner_stop_ok (g->runner);
  test_gate_wait (&g->destroyed);
}

static void
test_guest_loop_first_iteration (Guest         *g,
                                 gconstpointer  data)
{
  g_autoptr(TaGuestLoop) guest = NULL;

  guest = guest_loop_new_ok (g, -1);
  g_assert_cmpstr (ta_guest_loop_get_name (guest), ==, "scripted");
  g_assert_cmpint (ta_guest_loop_get_fd (guest), ==, -1);
  g_assert_false (ta_guest_loop_is_destroyed (guest));

  /* One iteration, on the runner thread, and none after it answered
   * "only when woken". */
  test_gate_wait (&g->iterated);
  let_runner_iterate (g->runner);
  g_assert_cmpuint (test_gate_get_count (&g->iterated), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&g->n_wrong_thread), ==, 0);

  guest_stop (g);
  g_assert_true (ta_guest_loop_is_destroyed (guest));
  g_assert_cmpint (g_atomic_int_get (&g->n_wrong_thread), ==, 0);
}

static void
test_guest_loop_fd_readable (Guest         *g,
                             gconstpointer  data)
{
  g_autoptr(TaGuestLoop) guest = NULL;
  int fds[2];

  guest_watch_new_pipe (g, fds);
  guest = guest_loop_new_ok (g, fds[0]);
  g_assert_cmpint (ta_guest_loop_get_fd (guest), ==, fds[0]);
  test_gate_wait (&g->iterated);
  /* The first iteration is not for the descriptor, and says so. */
  g_assert_false (g->fd_ready[0]);

  /* Each time the descriptor becomes readable, one more iteration (which
   * drains it), told that it is. */
  for (guint i = 2; i <= 4; i++)
    {
      g_assert_cmpint (write (fds[1], "x", 1), ==, 1);
      g_assert_true (test_gate_wait_count (&g->iterated, i, TEST_HANG_US));
      g_assert_true (g->fd_ready[i - 1]);
    }
  let_runner_iterate (g->runner);
  g_assert_cmpuint (test_gate_get_count (&g->iterated), ==, 4);

  /* Woken with nothing to read, it is told the descriptor is idle. */
  ta_guest_loop_wake (guest);
  g_assert_true (test_gate_wait_count (&g->iterated, 5, TEST_HANG_US));
  g_assert_false (g->fd_ready[4]);

  guest_stop (g);
  close (fds[0]);
  close (fds[1]);
}

/*
 * A loop nested in an iteration (a synchronous call that runs the
 * runner's context) neither re-enters the guest nor spins on its
 * readable descriptor; the descriptor is watched again afterwards. The
 * same when the descriptor hangs up during the nested loop (data).
 */
static void
test_guest_loop_nested_loop (Guest         *g,
                             gconstpointer  data)
{
  gboolean hang_up = GPOINTER_TO_INT (data);
  g_autoptr(TaGuestLoop) guest = NULL;
  int fds[2];

  guest = guest_start_nested (g, fds, hang_up);

  /* The byte written in the first iteration, after it drained the
   * descriptor, is still there: once that iteration is over, it asks for
   * the next one. Hung up, the descriptor keeps asking for iterations
   * until the stop destroys the guest loop. */
  if (!hang_up)
    g_assert_true (test_gate_wait_count (&g->iterated, 2, TEST_HANG_US));
  guest_stop (g);
  g_assert_cmpint (g->n_reentered, ==, 0);
  g_assert_cmpint (g->n_wrong_thread, ==, 0);

  close (fds[0]);
  if (!hang_up)
    close (fds[1]);
}

static void
test_guest_loop_wake_from_thread (Guest         *g,
                                  gconstpointer  data)
{
  g_autoptr(TaGuestLoop) guest = NULL;

  guest = guest_loop_new_ok (g, -1);
  test_gate_wait (&g->iterated);

  for (guint i = 2; i <= 50; i++)
    {
      ta_guest_loop_wake (guest);
      g_assert_true (test_gate_wait_count (&g->iterated, i, TEST_HANG_US));
    }

  guest_stop (g);
}

/* The binding's way to run a guest iteration and wait for its answer. */
static void
test_guest_loop_wake_and_wait (Guest         *g,
                               gconstpointer  data)
{
  g_autoptr(TaGuestLoop) guest = NULL;
  g_autoptr(TaEvent) answered = ta_event_new ();
  g_autoptr(TaEvent) never = ta_event_new ();
  g_autoptr(GError) error = NULL;

  /* Resolved to the runner's default: a missing wake fails, not hangs. */
  ta_runner_set_default_call_timeout (g->runner, TEST_HANG_US);
  g->to_signal = answered;
  guest = guest_loop_new_ok (g, -1);
  g_assert_true (ta_event_wait (answered, TEST_HANG_US, NULL));

  /* Each call brings an iteration, and returns once it answered: only
   * wakes bring iterations here, so an answer is never a stale one. */
  for (guint i = 2; i <= 20; i++)
    {
      ta_event_clear (answered);
      g_assert_true (ta_guest_loop_wake_and_wait (guest, answered, TA_TIMEOUT_DEFAULT, &error));
      g_assert_no_error (error);
      g_assert_true (test_gate_wait_count (&g->iterated, i, TEST_HANG_US));
    }

  /* An answer that never comes: the wait times out, the wake was made. */
  g_assert_false (ta_guest_loop_wake_and_wait (guest, never, 10 * 1000, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
  g_clear_error (&error);
  g_assert_true (test_gate_wait_count (&g->iterated, 21, TEST_HANG_US));

  guest_stop (g);
}

static void
wait_on_runner_func (gpointer user_data)
{
  TaGuestLoop *guest = user_data;
  g_autoptr(TaEvent) event = ta_event_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (ta_guest_loop_wake_and_wait (guest, event, TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_WOULD_DEADLOCK);
}

/* On the runner thread the iteration could never run: refused at once. */
static void
test_guest_loop_wake_and_wait_on_runner_thread (Guest         *g,
                                                gconstpointer  data)
{
  g_autoptr(TaGuestLoop) guest = NULL;
  g_autoptr(GError) error = NULL;

  guest = guest_loop_new_ok (g, -1);
  test_gate_wait (&g->iterated);
  g_assert_true (ta_runner_call (g->runner, wait_on_runner_func, guest, NULL,
                                 TA_TIMEOUT_INFINITE, &error));
  g_assert_no_error (error);

  guest_stop (g);
}

/* A queue wakes a guest loop once it holds an item or is closed. */
static void
test_guest_loop_queue_wakes (Guest         *g,
                             gconstpointer  data)
{
  g_autoptr(TaGuestLoop) guest = NULL;
  g_autoptr(TaQueue) queue = ta_queue_new_full (0, NULL);

  guest = guest_loop_new_ok (g, -1);
  test_gate_wait (&g->iterated);

  /* Empty: no wake until the push; asked twice, woken once. */
  ta_queue_wake_when_ready (queue, guest);
  ta_queue_wake_when_ready (queue, guest);
  let_runner_iterate (g->runner);
  g_assert_cmpuint (test_gate_get_count (&g->iterated), ==, 1);
  g_assert_true (ta_queue_push (queue, GINT_TO_POINTER (1), 0, NULL));
  guest_assert_iterated (g, 2);

  /* Holding an item: woken at once. */
  ta_queue_wake_when_ready (queue, guest);
  g_assert_true (test_gate_wait_count (&g->iterated, 3, TEST_HANG_US));
  g_assert_cmpint (GPOINTER_TO_INT (ta_queue_try_pop (queue, NULL)), ==, 1);

  /* Empty again: the close wakes, and once closed, at once. */
  ta_queue_wake_when_ready (queue, guest);
  let_runner_iterate (g->runner);
  g_assert_cmpuint (test_gate_get_count (&g->iterated), ==, 3);
  ta_queue_close (queue);
  g_assert_true (test_gate_wait_count (&g->iterated, 4, TEST_HANG_US));
  ta_queue_wake_when_ready (queue, guest);
  g_assert_true (test_gate_wait_count (&g->iterated, 5, TEST_HANG_US));

  guest_stop (g);
}

/* A guest loop waiting for a queue is released with the queue. */
static void
test_guest_loop_queue_outlived (Guest         *g,
                                gconstpointer  data)
{
  TaGuestLoop *guest;
  TaQueue *queue = ta_queue_new (0);

  guest = guest_loop_new_ok (g, -1);
  test_gate_wait (&g->iterated);
  ta_queue_wake_when_ready (queue, guest);
  g_object_add_weak_pointer (G_OBJECT (guest), (gpointer *) &guest);
  g_object_unref (guest);
  g_assert_nonnull (guest);     /* the queue holds it */
  g_object_unref (queue);
  g_assert_null (guest);

  guest_stop (g);
}

/* Guest loops destroyed while they wait for a queue are let go at the
 * queue's next request for a wake, not kept until an item comes; one
 * destroyed already is not taken at all. */
static void
test_guest_loop_queue_drops_destroyed (void)
{
  TaRunner *gone_runner = test_runner_new_started ("guest-queue-stopped");
  g_autoptr(TaRunner) runner = test_runner_new_started ("guest-queue-live");
  g_autoptr(TaGuestLoop) live = NULL;
  g_autoptr(TaQueue) queue = ta_queue_new_full (0, NULL);
  TaGuestLoop *gone_a, *gone_b;
  Guest g_a, g_b, g_live;

  guest_init (&g_a, gone_runner);
  guest_init (&g_b, gone_runner);
  gone_a = guest_loop_new_ok (&g_a, -1);
  gone_b = guest_loop_new_ok (&g_b, -1);
  test_gate_wait (&g_a.iterated);
  test_gate_wait (&g_b.iterated);
  ta_queue_wake_when_ready (queue, gone_a);
  ta_queue_wake_when_ready (queue, gone_b);
  g_object_add_weak_pointer (G_OBJECT (gone_a), (gpointer *) &gone_a);
  g_object_add_weak_pointer (G_OBJECT (gone_b), (gpointer *) &gone_b);
  g_object_unref (gone_b);
  test_runner_stop_ok (gone_runner);
  g_object_unref (gone_runner);
  g_assert_cmpuint (test_gate_get_count (&g_a.destroyed), ==, 1);
  g_assert_cmpuint (test_gate_get_count (&g_b.destroyed), ==, 1);
  g_assert_nonnull (gone_b);     /* destroyed, but the queue holds it */

  /* Asked again for A: both go, and A is not taken back. */
  ta_queue_wake_when_ready (queue, gone_a);
  g_assert_null (gone_b);
  g_object_unref (gone_a);
  g_assert_null (gone_a);

  /* A live one still gets its wake. */
  guest_init (&g_live, runner);
  live = guest_loop_new_ok (&g_live, -1);
  test_gate_wait (&g_live.iterated);
  ta_queue_wake_when_ready (queue, live);
  g_assert_true (ta_queue_push (queue, GINT_TO_POINTER (1), 0, NULL));
  g_assert_true (test_gate_wait_count (&g_live.iterated, 2, TEST_HANG_US));

  test_runner_stop_ok (runner);
  test_gate_wait (&g_live.destroyed);
  guest_clear (&g_live);
  guest_clear (&g_b);
  guest_clear (&g_a);
}

static void
wake_func (gpointer user_data)
{
  ta_guest_loop_wake (user_data);
}

static void
test_guest_loop_wake_on_runner_thread (Guest         *g,
                                       gconstpointer  data)
{
  g_autoptr(TaGuestLoop) guest = NULL;
  g_autoptr(GError) error = NULL;

  guest = guest_loop_new_ok (g, -1);
  test_gate_wait (&g->iterated);

  /* Woken from another source's callback on the runner thread: the
   * iteration follows without any descriptor activity. */
  g_assert_true (ta_runner_call (g->runner, wake_func, guest, NULL, TA_TIMEOUT_INFINITE, &error));
  g_assert_no_error (error);
  g_assert_true (test_gate_wait_count (&g->iterated, 2, TEST_HANG_US));

  test_runner_stop_ok (g->runner);
}

/* How a guest answers decides how often it iterates on its own: it does
 * that many iterations, then stays quiet. */
typedef struct
{
  gboolean wake_self;
  gint     n_ready_now;
  gint64   deadline_delay;
  guint    n_iterations;
} GuestAnswers;

/* The first iteration asked for another one and answered "never": the
 * wake must not be lost. */
static const GuestAnswers wake_during_iteration = { .wake_self = TRUE, .n_iterations = 2 };

/* "Right away" ten times: eleven iterations on its own, then quiet. */
static const GuestAnswers ready_now = { .n_ready_now = 10, .n_iterations = 11 };

/* The second iteration comes from the time the first one returned. */
static const GuestAnswers deadline = { .deadline_delay = 5000, .n_iterations = 2 };

static void
test_guest_loop_iterates_as_answered (Guest         *g,
                                      gconstpointer  data)
{
  const GuestAnswers *answers = data;
  g_autoptr(TaGuestLoop) guest = NULL;

  g->wake_self = answers->wake_self;
  g->n_ready_now = answers->n_ready_now;
  g->deadline_delay = answers->deadline_delay;
  guest = guest_loop_new_ok (g, -1);

  guest_assert_iterated (g, answers->n_iterations);

  test_runner_stop_ok (g->runner);
}

static void
test_guest_loop_destroy (Guest         *g,
                         gconstpointer  data)
{
  TaGuestLoop *guest;

  guest = guest_loop_new_ok (g, -1);
  test_gate_wait (&g->iterated);

  /* Destroyed from this thread: the data is freed (here, or where the
   * iteration under way ends), and wakes do nothing any more. */
  ta_guest_loop_destroy (guest);
  test_gate_wait (&g->destroyed);
  g_assert_true (ta_guest_loop_is_destroyed (guest));
  ta_guest_loop_wake (guest);
  ta_guest_loop_destroy (guest);
  let_runner_iterate (g->runner);
  g_assert_cmpuint (test_gate_get_count (&g->iterated), ==, 1);
  g_assert_cmpuint (test_gate_get_count (&g->destroyed), ==, 1);

  test_runner_stop_ok (g->runner);
  g_object_unref (guest);
}

static void
test_guest_loop_outlives_runner (void)
{
  TaRunner *runner = test_runner_new_started ("guest-outlives");
  TaGuestLoop *guest;
  Guest g;

  guest_init (&g, runner);
  guest = guest_loop_new_ok (&g, -1);
  test_gate_wait (&g.iterated);

  /* The runner's end destroys the guest loop on the runner thread; the
   * handle stays usable, harmlessly, after the runner is gone. */
  test_runner_stop_ok (runner);
  g_assert_cmpuint (test_gate_get_count (&g.destroyed), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&g.n_wrong_thread), ==, 0);
  g_object_unref (runner);
  g_assert_true (ta_guest_loop_is_destroyed (guest));
  ta_guest_loop_wake (guest);
  g_object_unref (guest);
  guest_clear (&g);
}

static void
test_guest_loop_not_running (void)
{
  g_autoptr(TaRunner) runner = ta_runner_new ("guest-not-running");
  g_autoptr(GError) error = NULL;
  TaGuestLoop *guest;
  Guest g;

  guest_init (&g, runner);
  guest = ta_guest_loop_new (runner, NULL, -1, guest_iterate, &g, guest_destroy, &error);
  g_assert_null (guest);
  g_assert_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING);
  g_assert_cmpuint (test_gate_get_count (&g.destroyed), ==, 1);
  g_assert_cmpuint (test_gate_get_count (&g.iterated), ==, 0);
  guest_clear (&g);
}

static void
test_guest_loop_stuck (void)
{
  TaRunner *runner = test_runner_new_started ("guest-stuck");
  g_autoptr(TaGuestLoop) guest = NULL;
  g_autoptr(GError) error = NULL;
  TestGate thread_exited;
  Blocker blocker;
  Guest g;

  test_gate_init (&blocker.entered);
  test_gate_init (&blocker.release);
  test_gate_init (&thread_exited);
  g_assert_true (ta_runner_call (runner, test_watch_thread_exit, &thread_exited, NULL,
                                 TA_TIMEOUT_INFINITE, NULL));
  ta_runner_set_exit_timeout (runner, 100 * 1000);

  guest_init (&g, runner);
  g.blocker = &blocker;
  guest = guest_loop_new_ok (&g, -1);
  test_gate_wait (&blocker.entered);

  /* A guest loop that never yields is named in the stop's report. */
  g_assert_false (ta_runner_stop (runner, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "guest loop “scripted”"));
  g_assert_cmpint (ta_runner_get_shutdown_type (runner), ==, TA_SHUTDOWN_TYPE_ABANDONED);

  /* Once unblocked, the abandoned thread ends and destroys it. */
  test_gate_open (&blocker.release);
  test_gate_wait (&thread_exited);
  test_gate_wait (&g.destroyed);
  g_assert_true (ta_guest_loop_is_destroyed (guest));
  g_object_unref (runner);

  guest_clear (&g);
  test_gate_clear (&thread_exited);
  test_gate_clear (&blocker.entered);
  test_gate_clear (&blocker.release);
}

/*
 * A thread woken by a guest iteration lets the iteration finish before it
 * goes on, but only briefly: one that blocks does not hold it up.
 */
static void
test_guest_loop_wakes_thread_during_iteration (void)
{
  TaRunner *runner = test_runner_new_started ("guest-wakes");
  g_autoptr(TaGuestLoop) guest = NULL;
  g_autoptr(TaFuture) future = ta_future_new ();
  g_autoptr(GError) error = NULL;
  Blocker blocker;
  Guest g;

  test_gate_init (&blocker.entered);
  test_gate_init (&blocker.release);
  guest_init (&g, runner);
  g.blocker = &blocker;
  g.to_set = future;
  guest = guest_loop_new_ok (&g, -1);

  /* The iteration set the future, then blocks until this thread, woken,
   * releases it. */
  g_assert_true (ta_future_wait (future, TEST_HANG_US, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (test_gate_get_count (&g.iterated), ==, 0);
  test_gate_open (&blocker.release);
  test_gate_wait (&g.iterated);

  test_runner_stop_ok (runner);
  g_object_unref (runner);
  guest_clear (&g);
  test_gate_clear (&blocker.entered);
  test_gate_clear (&blocker.release);
}

static void
test_guest_loop_null_arguments (void)
{
  g_autoptr(TaRunner) runner = test_runner_new_started ("guest-null");

  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*func != NULL*");
  g_assert_null (ta_guest_loop_new (runner, NULL, -1, NULL, NULL, NULL, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*fd >= -1*");
  g_assert_null (ta_guest_loop_new (runner, NULL, -7, guest_iterate, NULL, NULL, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*TA_IS_GUEST_LOOP*");
  ta_guest_loop_wake (NULL);
  g_test_assert_expected_messages ();

  test_runner_stop_ok (runner);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  guest_test_add ("/ta/guest-loop/first-iteration", test_guest_loop_first_iteration);
  guest_test_add ("/ta/guest-loop/fd-readable", test_guest_loop_fd_readable);
  g_test_add ("/ta/guest-loop/nested-loop", Guest, GINT_TO_POINTER (FALSE),
              guest_fixture_setup, test_guest_loop_nested_loop, guest_fixture_teardown);
  g_test_add ("/ta/guest-loop/nested-loop-hang-up", Guest, GINT_TO_POINTER (TRUE),
              guest_fixture_setup, test_guest_loop_nested_loop, guest_fixture_teardown);
  guest_test_add ("/ta/guest-loop/wake-from-thread", test_guest_loop_wake_from_thread);
  guest_test_add ("/ta/guest-loop/wake-on-runner-thread", test_guest_loop_wake_on_runner_thread);
  g_test_add ("/ta/guest-loop/wake-during-iteration-is-not-lost", Guest, &wake_during_iteration,
              guest_fixture_setup, test_guest_loop_iterates_as_answered, guest_fixture_teardown);
  guest_test_add ("/ta/guest-loop/wake-and-wait", test_guest_loop_wake_and_wait);
  guest_test_add ("/ta/guest-loop/wake-and-wait-on-runner-thread", test_guest_loop_wake_and_wait_on_runner_thread);
  guest_test_add ("/ta/guest-loop/queue-wakes", test_guest_loop_queue_wakes);
  guest_test_add ("/ta/guest-loop/queue-outlived", test_guest_loop_queue_outlived);
  g_test_add_func ("/ta/guest-loop/queue-drops-destroyed", test_guest_loop_queue_drops_destroyed);
  g_test_add ("/ta/guest-loop/ready-now-iterates-again-at-once", Guest, &ready_now,
              guest_fixture_setup, test_guest_loop_iterates_as_answered, guest_fixture_teardown);
  g_test_add ("/ta/guest-loop/deadline-iterates-again-once", Guest, &deadline,
              guest_fixture_setup, test_guest_loop_iterates_as_answered, guest_fixture_teardown);
  guest_test_add ("/ta/guest-loop/destroy", test_guest_loop_destroy);
  g_test_add_func ("/ta/guest-loop/wakes-thread-during-iteration",
                   test_guest_loop_wakes_thread_during_iteration);
  g_test_add_func ("/ta/guest-loop/outlives-runner", test_guest_loop_outlives_runner);
  g_test_add_func ("/ta/guest-loop/not-running", test_guest_loop_not_running);
  g_test_add_func ("/ta/guest-loop/stuck", test_guest_loop_stuck);
  g_test_add_func ("/ta/guest-loop/null-arguments", test_guest_loop_null_arguments);

  return g_test_run ();
}
