/* test-server.c: control inversion with TaServer, TaClient and TaRequest
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "test-common.h"

/* ---------------------------------------------------------------------- */
/* A test server: answers "increment" at once (sync) or keeps the requests */
/* ---------------------------------------------------------------------- */

#define TEST_TYPE_SERVER (test_server_get_type ())
G_DECLARE_FINAL_TYPE (TestServer, test_server, TEST, SERVER, TaServer)

struct _TestServer
{
  TaServer   parent_instance;
  gboolean   keep;         /* keep requests instead of answering */
  GPtrArray *handled;      /* TaRequest, every request taken */
};

G_DEFINE_FINAL_TYPE (TestServer, test_server, TA_TYPE_SERVER)

static gboolean
test_server_handle_request (TaServer  *server,
                            TaRequest *request)
{
  TestServer *self = TEST_SERVER (server);
  const char *method = ta_request_get_method (request);

  /* The handler runs on the thread that called process(). */
  g_assert_true (g_thread_self () == test_main_thread);

  if (g_str_equal (method, "unknown"))
    return FALSE;

  g_ptr_array_add (self->handled, g_object_ref (request));
  if (self->keep)
    return TRUE;

  if (g_str_equal (method, "increment"))
    {
      gint32 number;

      g_variant_get (ta_request_get_parameters (request), "(i)", &number);
      g_assert_true (ta_request_return_variant (request, g_variant_new_int32 (number + 1)));
    }
  else if (g_str_equal (method, "fail"))
    {
      GError error = { G_IO_ERROR, G_IO_ERROR_NOT_FOUND, (char *) "no such thing" };

      g_assert_true (ta_request_return_error (request, &error));
    }
  else if (g_str_equal (method, "drop"))
    {
      /* Taken, never answered, not kept: the client must not hang. */
      g_ptr_array_remove (self->handled, request);
    }
  else if (g_str_equal (method, "payload"))
    {
      GValue payload = G_VALUE_INIT;

      g_assert_true (ta_request_get_payload (request, &payload));
      g_assert_true (ta_request_return_value (request, &payload, NULL));
      g_value_unset (&payload);
    }

  return TRUE;
}

static void
test_server_finalize (GObject *object)
{
  TestServer *self = TEST_SERVER (object);

  g_ptr_array_unref (self->handled);

  G_OBJECT_CLASS (test_server_parent_class)->finalize (object);
}

static void
test_server_class_init (TestServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_server_finalize;
  TA_SERVER_CLASS (klass)->handle_request = test_server_handle_request;
}

static void
test_server_init (TestServer *self)
{
  self->handled = g_ptr_array_new_with_free_func (g_object_unref);
}

static TestServer *
start_server (gboolean keep,
              guint    queue_size)
{
  g_autoptr(GError) error = NULL;
  TestServer *server = g_object_new (TEST_TYPE_SERVER, "queue-size", queue_size, NULL);

  server->keep = keep;
  g_assert_true (ta_server_start (TA_SERVER (server), &error));
  g_assert_no_error (error);

  return server;
}

static void
stop_server (TestServer *server)
{
  g_autoptr(GError) error = NULL;

  gboolean ok = ta_server_stop (TA_SERVER (server), &error);

  g_assert_no_error (error);
  g_assert_true (ok);
  g_object_unref (server);
}

static void
answer_kept (TestServer *server,
             guint       index,
             gint32      answer)
{
  TaRequest *request = g_ptr_array_index (server->handled, index);

  g_assert_true (ta_request_return_variant (request, g_variant_new_int32 (answer)));
}

/* ---------------------------------------------------------------------- */
/* A client task: n sequential requests, summing the answers               */
/* ---------------------------------------------------------------------- */

typedef struct
{
  TaClient   *client;
  const char *method;
  int         n;
  int         i;
  gssize      total;
} Requester;

static void requester_next (GTask *task);

static void
requester_answered_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Requester *r = g_task_get_task_data (task);
  g_auto(GValue) answer = G_VALUE_INIT;
  GError *error = NULL;

  g_assert_true (g_main_context_get_thread_default () ==
                 ta_runner_get_context (ta_server_get_runner (ta_client_get_server (r->client))));
  if (!ta_client_execute_finish (TA_CLIENT (source), result, &answer, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  r->total += g_variant_get_int32 (g_value_get_variant (&answer));
  requester_next (g_steal_pointer (&task));
}

static void
requester_next (GTask *task)
{
  Requester *r = g_task_get_task_data (task);

  if (r->i == r->n)
    {
      g_task_return_int (task, r->total);
      g_object_unref (task);
      return;
    }
  ta_client_execute_async (r->client, r->method, g_variant_new ("(i)", r->i++), NULL,
                           g_task_get_cancellable (task), requester_answered_cb, task);
}

static void
requester_task (GTask        *task,
                GCancellable *cancellable,
                gpointer      user_data)
{
  requester_next (g_object_ref (task));
}

static void
requester_free (gpointer data)
{
  Requester *r = data;

  g_object_unref (r->client);
  g_free (r);
}

static TaTask *
spawn_requester (TestServer *server,
                 const char *method,
                 int         n)
{
  g_autoptr(GError) error = NULL;
  Requester *r = g_new0 (Requester, 1);
  TaTask *task;

  r->client = ta_server_create_client (TA_SERVER (server));
  r->method = method;
  r->n = n;
  task = ta_server_spawn (TA_SERVER (server), method, requester_task, r, requester_free,
                          TA_TIMEOUT_INFINITE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (task);

  return task;
}

static gboolean
process_ok (TestServer *server)
{
  g_autoptr(GError) error = NULL;
  gboolean ret = ta_server_process (TA_SERVER (server), TA_TIMEOUT_INFINITE, &error);

  g_assert_no_error (error);
  return ret;
}

/* ---------------------------------------------------------------------- */
/* threaded_async's control-inversion behaviours                           */
/* ---------------------------------------------------------------------- */

static void
plain_task (GTask        *task,
            GCancellable *cancellable,
            gpointer      user_data)
{
  g_task_return_int (task, GPOINTER_TO_INT (user_data) + 1);
}

static void
test_server_plain_task (void)
{
  TestServer *server = start_server (FALSE, 10);
  g_autoptr(TaTask) task = NULL;

  task = ta_server_spawn (TA_SERVER (server), "foo", plain_task, GINT_TO_POINTER (3), NULL,
                          TA_TIMEOUT_INFINITE, NULL);
  g_assert_true (ta_task_wait (task, TEST_HANG_US, NULL));
  g_assert_cmpint (ta_task_propagate_int (task, NULL), ==, 4);
  g_assert_cmpuint (server->handled->len, ==, 0);
  g_assert_false (process_ok (server));
  stop_server (server);
}

static void
test_server_process_request (void)
{
  TestServer *server = start_server (FALSE, 10);
  g_autoptr(TaTask) task = spawn_requester (server, "increment", 1);

  /* The first request is queued by the time spawn returned. */
  g_assert_cmpuint (ta_server_get_n_pending (TA_SERVER (server)), ==, 1);
  g_assert_true (process_ok (server));
  g_assert_true (ta_task_wait (task, TEST_HANG_US, NULL));
  g_assert_cmpint (ta_task_propagate_int (task, NULL), ==, 1);
  g_assert_cmpuint (server->handled->len, ==, 1);
  stop_server (server);
}

static void
test_server_process_delayed (void)
{
  TestServer *server = start_server (TRUE, 10);
  g_autoptr(TaTask) task = spawn_requester (server, "increment", 1);
  g_autoptr(GError) error = NULL;

  g_assert_true (process_ok (server));
  g_assert_cmpuint (server->handled->len, ==, 1);

  /* Handled but not answered: the client keeps waiting. */
  g_assert_false (ta_task_wait (task, 20 * 1000, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_TIMEOUT);
  g_assert_false (process_ok (server));

  answer_kept (server, 0, 10);
  g_assert_true (ta_task_wait (task, TEST_HANG_US, NULL));
  g_assert_cmpint (ta_task_propagate_int (task, NULL), ==, 10);
  stop_server (server);
}

static void
test_server_process_sees_reaction (void)
{
  TestServer *server = start_server (FALSE, 10);
  g_autoptr(TaTask) task = spawn_requester (server, "increment", 3);

  /* Each process returns once the client has reacted to its answer: the
   * next request is queued already, and after the last, the task is done. */
  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (process_ok (server));
      if (i < 2)
        g_assert_cmpuint (ta_server_get_n_pending (TA_SERVER (server)), ==, 1);
    }
  g_assert_true (ta_task_is_done (task));
  g_assert_cmpint (ta_task_propagate_int (task, NULL), ==, 1 + 2 + 3);
  stop_server (server);
}

static void
test_server_process_many (void)
{
  TestServer *server = start_server (FALSE, 10);
  g_autoptr(TaTask) task = spawn_requester (server, "increment", 100);

  for (int i = 0; i < 100; i++)
    g_assert_true (process_ok (server));
  g_assert_false (process_ok (server));
  g_assert_true (ta_task_wait (task, TEST_HANG_US, NULL));
  g_assert_cmpint (ta_task_propagate_int (task, NULL), ==, 5050);
  g_assert_cmpuint (server->handled->len, ==, 100);
  stop_server (server);
}

static void
test_server_process_long_running (void)
{
  TestServer *server = start_server (TRUE, 10);
  g_autoptr(TaTask) task = spawn_requester (server, "increment", 100);

  for (guint i = 0; i < 100; i++)
    {
      g_assert_true (process_ok (server));
      /* No new request until the current one is answered. */
      for (int j = 0; j < 10; j++)
        g_assert_false (process_ok (server));
      answer_kept (server, i, 1);
    }
  g_assert_true (ta_task_wait (task, TEST_HANG_US, NULL));
  g_assert_cmpint (ta_task_propagate_int (task, NULL), ==, 100);
  stop_server (server);
}

static void
test_server_shutdown_during_task (void)
{
  TestServer *server = start_server (FALSE, 10);
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;

  task = ta_server_spawn (TA_SERVER (server), "sleeper", test_sleep_task,
                          GINT_TO_POINTER (60 * 1000), NULL,
                          TA_TIMEOUT_INFINITE, NULL);
  stop_server (server);
  g_assert_false (ta_task_wait (task, 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_server_shutdown_during_request (void)
{
  TestServer *server = start_server (TRUE, 10);
  g_autoptr(TaTask) task = spawn_requester (server, "increment", 1);
  g_autoptr(GError) error = NULL;

  g_assert_true (process_ok (server));
  stop_server (server);
  g_assert_false (ta_task_wait (task, 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* ---------------------------------------------------------------------- */
/* Errors and dropped requests                                             */
/* ---------------------------------------------------------------------- */

static void
check_request_error (const char *method,
                     GQuark      domain,
                     gint        code,
                     const char *fragment)
{
  TestServer *server = start_server (FALSE, 10);
  g_autoptr(TaTask) task = spawn_requester (server, method, 1);
  g_autoptr(GError) error = NULL;

  g_assert_true (process_ok (server));
  g_assert_false (ta_task_wait (task, TEST_HANG_US, &error));
  g_assert_error (error, domain, code);
  g_assert_nonnull (strstr (error->message, fragment));
  stop_server (server);
}

static void
test_server_error_travels_back (void)
{
  check_request_error ("fail", G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no such thing");
}

static void
test_server_unhandled_request (void)
{
  check_request_error ("unknown", TA_ERROR, TA_ERROR_FAILED, "No handler");
}

static void
test_server_dropped_request (void)
{
  check_request_error ("drop", TA_ERROR, TA_ERROR_ABANDONED, "without an answer");
}

static void
test_server_unanswered_at_stop (void)
{
  TestServer *server = start_server (TRUE, 10);
  g_autoptr(TaTask) first = spawn_requester (server, "increment", 1);
  g_autoptr(TaTask) second = spawn_requester (server, "increment", 1);
  g_autoptr(GError) error = NULL;
  TaRequest *kept;

  /* One request kept by the handler, one still queued, at the stop. */
  g_assert_true (process_ok (server));
  kept = g_object_ref (g_ptr_array_index (server->handled, 0));
  stop_server (server);
  g_assert_false (ta_task_wait (first, 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (ta_task_wait (second, 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* Answering after the stop is harmless. */
  g_assert_true (ta_request_return_variant (kept, g_variant_new_int32 (0)));
  g_object_unref (kept);
}

static void
test_server_answer_twice (void)
{
  TestServer *server = start_server (TRUE, 10);
  g_autoptr(TaTask) task = spawn_requester (server, "increment", 1);
  TaRequest *request;

  g_assert_true (process_ok (server));
  request = g_ptr_array_index (server->handled, 0);
  g_assert_false (ta_request_is_answered (request));
  answer_kept (server, 0, 5);
  g_assert_true (ta_request_is_answered (request));
  g_test_expect_message ("Ta", G_LOG_LEVEL_CRITICAL, "*already answered*");
  g_assert_false (ta_request_return_variant (request, g_variant_new_int32 (6)));
  g_test_assert_expected_messages ();
  g_assert_true (ta_task_wait (task, TEST_HANG_US, NULL));
  g_assert_cmpint (ta_task_propagate_int (task, NULL), ==, 5);
  stop_server (server);
}

/* ---------------------------------------------------------------------- */
/* Backpressure, handlers by signal, payloads, misuse                      */
/* ---------------------------------------------------------------------- */

typedef struct
{
  TaClient *client;
  int       n;
  int       answered;
} Burst;

static void
burst_answered_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  Burst *b = g_task_get_task_data (task);
  g_auto(GValue) answer = G_VALUE_INIT;

  g_assert_true (ta_client_execute_finish (TA_CLIENT (source), result, &answer, NULL));
  if (++b->answered == b->n)
    g_task_return_int (task, b->answered);
  g_object_unref (task);
}

/* Issues all its requests at once, without waiting for answers. */
static void
burst_task (GTask        *task,
            GCancellable *cancellable,
            gpointer      user_data)
{
  Burst *b = user_data;

  for (int i = 0; i < b->n; i++)
    ta_client_execute_async (b->client, "increment", g_variant_new ("(i)", i), NULL,
                             cancellable, burst_answered_cb, g_object_ref (task));
}

static void
test_server_backpressure (void)
{
  TestServer *server = start_server (FALSE, 3);
  g_autoptr(TaClient) client = ta_server_create_client (TA_SERVER (server));
  g_autoptr(TaTask) task = NULL;
  Burst b = { client, 20, 0 };
  guint processed = 0;

  task = ta_server_spawn (TA_SERVER (server), "burst", burst_task, &b, NULL,
                          TA_TIMEOUT_INFINITE, NULL);
  g_assert_cmpuint (ta_server_get_queue_size (TA_SERVER (server)), ==, 3);
  while (process_ok (server))
    {
      processed++;
      g_assert_cmpuint (ta_server_get_n_pending (TA_SERVER (server)), <=, 3);
    }
  g_assert_cmpuint (processed, ==, 20);
  g_assert_true (ta_task_wait (task, TEST_HANG_US, NULL));
  stop_server (server);
}

static gboolean
signal_handler (TaServer  *server,
                TaRequest *request,
                gpointer   user_data)
{
  guint *count = user_data;

  g_assert_true (g_thread_self () == test_main_thread);
  (*count)++;
  return ta_request_return_variant (request, g_variant_new_int32 (42));
}

static void
test_server_signal_handler (void)
{
  g_autoptr(TaRunner) runner = ta_runner_new ("external");
  g_autoptr(TaServer) server = NULL;
  g_autoptr(TaTask) task = NULL;
  g_autoptr(TaClient) client = NULL;
  g_autoptr(GError) error = NULL;
  Requester *r = g_new0 (Requester, 1);
  guint count = 0;

  /* A plain TaServer on a runner of our own, handled by a function. */
  g_assert_true (ta_runner_start (runner, NULL));
  server = ta_server_new (runner, 0);
  g_assert_true (ta_server_get_runner (server) == runner);
  g_assert_true (ta_server_start (server, NULL));
  g_signal_connect (server, "handle-request", G_CALLBACK (signal_handler), &count);
  r->client = ta_server_create_client (server);
  r->method = "anything";
  r->n = 2;
  task = ta_server_spawn (server, NULL, requester_task, r, requester_free,
                          TA_TIMEOUT_INFINITE, &error);
  while (ta_server_process (server, TA_TIMEOUT_INFINITE, &error))
    ;
  g_assert_no_error (error);
  g_assert_true (ta_task_wait (task, TEST_HANG_US, NULL));
  g_assert_cmpint (ta_task_propagate_int (task, NULL), ==, 84);
  g_assert_cmpuint (count, ==, 2);

  /* Stopping the server leaves the runner it was given running. */
  g_assert_true (ta_server_stop (server, NULL));
  g_assert_true (ta_runner_is_running (runner));
  g_assert_true (ta_runner_stop (runner, NULL));
}

typedef struct
{
  TaClient *client;
  GValue    answer;
  GError   *error;
} PayloadCall;

static void
payload_answered_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PayloadCall *pc = g_task_get_task_data (task);

  ta_client_execute_finish (TA_CLIENT (source), result, &pc->answer, &pc->error);
  g_task_return_boolean (task, TRUE);
}

static void
payload_task (GTask        *task,
              GCancellable *cancellable,
              gpointer      user_data)
{
  PayloadCall *pc = user_data;
  GValue payload = G_VALUE_INIT;
  g_autoptr(GCancellable) handle = g_cancellable_new ();

  g_value_init (&payload, G_TYPE_CANCELLABLE);
  g_value_set_object (&payload, handle);
  g_object_set_data (G_OBJECT (task), "handle", handle);
  ta_client_execute_async (pc->client, "payload", NULL, &payload, cancellable,
                           payload_answered_cb, g_object_ref (task));
  g_value_unset (&payload);
}

static void
test_server_payload (void)
{
  TestServer *server = start_server (FALSE, 10);
  g_autoptr(TaTask) task = NULL;
  PayloadCall pc = { NULL, G_VALUE_INIT, NULL };

  pc.client = ta_server_create_client (TA_SERVER (server));
  task = ta_server_spawn (TA_SERVER (server), NULL, payload_task, &pc, NULL,
                          TA_TIMEOUT_INFINITE, NULL);
  g_assert_true (process_ok (server));
  g_assert_true (ta_task_wait (task, TEST_HANG_US, NULL));
  g_assert_no_error (pc.error);
  g_assert_true (G_VALUE_HOLDS (&pc.answer, G_TYPE_CANCELLABLE));
  g_value_unset (&pc.answer);
  g_object_unref (pc.client);
  stop_server (server);
}

typedef struct
{
  TaServer *server;
  GError   *error;
} Misuse;

static void
misuse_func (gpointer user_data)
{
  Misuse *m = user_data;

  g_assert_false (ta_server_process (m->server, TA_TIMEOUT_INFINITE, &m->error));
}

static void
test_server_misuse (void)
{
  TestServer *server = start_server (FALSE, 10);
  Misuse m = { TA_SERVER (server), NULL };
  g_autoptr(TaClient) client = ta_server_create_client (TA_SERVER (server));
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (ta_runner_call (ta_server_get_runner (TA_SERVER (server)), misuse_func, &m,
                                 NULL, TA_TIMEOUT_INFINITE, NULL));
  g_assert_error (m.error, TA_ERROR, TA_ERROR_WOULD_DEADLOCK);
  g_clear_error (&m.error);

  g_object_ref (server);
  stop_server (server);
  g_assert_false (ta_server_process (TA_SERVER (server), TA_TIMEOUT_INFINITE, &error));
  g_assert_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING);
  g_clear_error (&error);
  task = ta_server_spawn (TA_SERVER (server), NULL, plain_task, NULL, NULL,
                          TA_TIMEOUT_INFINITE, &error);
  g_assert_null (task);
  g_assert_error (error, TA_ERROR, TA_ERROR_NOT_RUNNING);
  g_object_unref (server);
}

static void
executed_after_stop_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  AsyncFlag *flag = user_data;
  g_auto(GValue) answer = G_VALUE_INIT;

  g_assert_false (ta_client_execute_finish (TA_CLIENT (source), result, &answer, &flag->error));
  flag->done = TRUE;
}

static void
test_server_execute_after_stop (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  TestServer *server = start_server (FALSE, 10);
  g_autoptr(TaClient) client = ta_server_create_client (TA_SERVER (server));
  AsyncFlag flag = { FALSE, NULL };

  g_object_ref (server);
  stop_server (server);
  g_main_context_push_thread_default (context);
  ta_client_execute_async (client, "increment", g_variant_new ("(i)", 1), NULL, NULL,
                           executed_after_stop_cb, &flag);
  test_iterate_until (context, &flag.done);
  g_assert_error (flag.error, TA_ERROR, TA_ERROR_NOT_RUNNING);
  g_clear_error (&flag.error);
  g_main_context_pop_thread_default (context);
  g_object_unref (server);
}

static void
executed_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AsyncFlag *flag = user_data;
  g_auto(GValue) answer = G_VALUE_INIT;

  if (ta_client_execute_finish (TA_CLIENT (source), result, &answer, &flag->error))
    g_assert_cmpint (g_variant_get_int32 (g_value_get_variant (&answer)), ==, 8);
  flag->done = TRUE;
}

/* With room in the queue a request is queued before the call returns,
 * and its answer still comes through the caller's loop, never from
 * within the call. */
static void
test_server_execute_queues_at_once (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  TestServer *server = start_server (FALSE, 1);
  g_autoptr(TaClient) client = ta_server_create_client (TA_SERVER (server));
  AsyncFlag first = { FALSE, NULL }, second = { FALSE, NULL };

  g_main_context_push_thread_default (context);
  ta_client_execute_async (client, "increment", g_variant_new ("(i)", 7), NULL, NULL,
                           executed_cb, &first);
  g_assert_cmpuint (ta_server_get_n_pending (TA_SERVER (server)), ==, 1);
  /* The queue is full: this one waits for room. */
  ta_client_execute_async (client, "increment", g_variant_new ("(i)", 7), NULL, NULL,
                           executed_cb, &second);
  g_assert_cmpuint (ta_server_get_n_pending (TA_SERVER (server)), ==, 1);
  g_assert_false (first.done);

  g_assert_true (process_ok (server));
  test_iterate_until (context, &first.done);
  g_assert_no_error (first.error);
  /* The first one's place went to the one waiting. */
  g_assert_false (second.done);
  g_assert_cmpuint (ta_server_get_n_pending (TA_SERVER (server)), ==, 1);
  g_assert_true (process_ok (server));
  test_iterate_until (context, &second.done);
  g_assert_no_error (second.error);

  g_main_context_pop_thread_default (context);
  stop_server (server);
}

/* A request made with a cancelled cancellable is never queued. */
static void
test_server_execute_cancelled (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  TestServer *server = start_server (FALSE, 10);
  g_autoptr(TaClient) client = ta_server_create_client (TA_SERVER (server));
  AsyncFlag flag = { FALSE, NULL };

  g_cancellable_cancel (cancellable);
  g_main_context_push_thread_default (context);
  ta_client_execute_async (client, "increment", g_variant_new ("(i)", 1), NULL, cancellable,
                           executed_cb, &flag);
  g_assert_false (flag.done);
  test_iterate_until (context, &flag.done);
  g_assert_error (flag.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&flag.error);
  g_assert_cmpuint (ta_server_get_n_pending (TA_SERVER (server)), ==, 0);
  g_main_context_pop_thread_default (context);
  stop_server (server);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/ta/server/plain-task", test_server_plain_task);
  g_test_add_func ("/ta/server/process-request", test_server_process_request);
  g_test_add_func ("/ta/server/process-delayed", test_server_process_delayed);
  g_test_add_func ("/ta/server/process-sees-reaction", test_server_process_sees_reaction);
  g_test_add_func ("/ta/server/process-many", test_server_process_many);
  g_test_add_func ("/ta/server/process-long-running", test_server_process_long_running);
  g_test_add_func ("/ta/server/shutdown-during-task", test_server_shutdown_during_task);
  g_test_add_func ("/ta/server/shutdown-during-request", test_server_shutdown_during_request);
  g_test_add_func ("/ta/server/error-travels-back", test_server_error_travels_back);
  g_test_add_func ("/ta/server/unhandled-request", test_server_unhandled_request);
  g_test_add_func ("/ta/server/dropped-request", test_server_dropped_request);
  g_test_add_func ("/ta/server/unanswered-at-stop", test_server_unanswered_at_stop);
  g_test_add_func ("/ta/server/answer-twice", test_server_answer_twice);
  g_test_add_func ("/ta/server/backpressure", test_server_backpressure);
  g_test_add_func ("/ta/server/signal-handler", test_server_signal_handler);
  g_test_add_func ("/ta/server/payload", test_server_payload);
  g_test_add_func ("/ta/server/misuse", test_server_misuse);
  g_test_add_func ("/ta/server/execute-after-stop", test_server_execute_after_stop);
  g_test_add_func ("/ta/server/execute-queues-at-once", test_server_execute_queues_at_once);
  g_test_add_func ("/ta/server/execute-cancelled", test_server_execute_cancelled);

  return g_test_run ();
}
