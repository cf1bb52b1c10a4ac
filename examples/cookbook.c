/* cookbook.c: threaded_async's cookbook, section by section, in C
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each section replays one recipe of the Python cookbook with ta-glib and
 * prints what the cookbook prints. Run it with no argument for every
 * section, or name sections: deploy, events, queues, control-inversion,
 * errors, stuck.
 */

#include <locale.h>

#include <ta-glib.h>

/* The cookbook's ValueError, as a GError. */
#define EXAMPLE_ERROR (example_error_quark ())
static GQuark example_error_quark (void);
static G_DEFINE_QUARK (example-error-quark, example_error)
enum { EXAMPLE_ERROR_VALUE };

static TaRunner *
start_runner (void)
{
  g_autoptr(GError) error = NULL;
  TaRunner *runner = ta_runner_new ("cookbook");

  if (!ta_runner_start (runner, &error))
    g_error ("Could not start the runner: %s", error->message);

  return runner;
}

/* ---------------------------------------------------------------------- */
/* Deploying async code in the background                                  */
/* ---------------------------------------------------------------------- */

static void
foo_slept_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!ta_sleep_finish (result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, 10);
}

/* async def foo(): await asyncio.sleep(0.1); return 10 */
static void
foo (GTask        *task,
     GCancellable *cancellable,
     gpointer      user_data)
{
  ta_sleep_async (G_USEC_PER_SEC / 10, cancellable, foo_slept_cb, g_object_ref (task));
}

static void
section_deploy (void)
{
  g_autoptr(TaRunner) runner = start_runner ();
  g_autoptr(TaTask) background_task = NULL;
  g_autoptr(GError) error = NULL;

  /* Deploy the task on the loop. */
  background_task = ta_runner_spawn (runner, "foo", foo, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  /* Block the current thread waiting for the task to complete. */
  if (ta_task_wait (background_task, TA_TIMEOUT_INFINITE, &error))
    g_print ("%" G_GSSIZE_FORMAT "\n", ta_task_propagate_int (background_task, NULL));
  else
    g_printerr ("%s\n", error->message);

  ta_runner_stop (runner, NULL);
}

/* ---------------------------------------------------------------------- */
/* Using events                                                            */
/* ---------------------------------------------------------------------- */

static int global_var;

static void
global_initialized_cb (GObject      *event,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!ta_event_wait_finish (TA_EVENT (event), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, global_var + 1);
}

/* async def increment_global(global_initialized):
 *   await global_initialized.as_async_event().wait()
 *   return global_var + 1 */
static void
increment_global (GTask        *task,
                  GCancellable *cancellable,
                  gpointer      global_initialized)
{
  ta_event_wait_async (global_initialized, cancellable, global_initialized_cb,
                       g_object_ref (task));
}

static void
section_events (void)
{
  g_autoptr(TaRunner) runner = start_runner ();
  g_autoptr(TaEvent) global_initialized = ta_event_new ();
  g_autoptr(TaTask) background_task = NULL;

  background_task = ta_runner_spawn (runner, "increment_global", increment_global,
                                     global_initialized, NULL, NULL, NULL);
  global_var = 10;
  ta_event_set (global_initialized);
  if (ta_task_wait (background_task, TA_TIMEOUT_INFINITE, NULL))
    g_print ("%" G_GSSIZE_FORMAT "\n", ta_task_propagate_int (background_task, NULL));

  ta_runner_stop (runner, NULL);
}

/* ---------------------------------------------------------------------- */
/* Using queues                                                            */
/* ---------------------------------------------------------------------- */

typedef struct
{
  TaQueue *in_queue;
  TaQueue *out_queue;
} Queues;

static void increment_next (GTask *task);

static void
number_popped_cb (GObject      *in_queue,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Queues *queues = g_task_get_task_data (task);
  GValue number = G_VALUE_INIT;
  GError *error = NULL;

  if (!ta_queue_pop_value_finish (TA_QUEUE (in_queue), result, &number, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_value_set_int (&number, g_value_get_int (&number) + 1);
  /* Unbounded: never waits. */
  ta_queue_push_value (queues->out_queue, &number, 0, NULL);
  g_value_unset (&number);
  increment_next (g_steal_pointer (&task));
}

static void
increment_next (GTask *task)
{
  Queues *queues = g_task_get_task_data (task);

  ta_queue_pop_value_async (queues->in_queue, g_task_get_cancellable (task),
                            number_popped_cb, task);
}

/* async def increment_worker(in_queue, out_queue):
 *   while True:
 *     number = await in_queue.get()
 *     await out_queue.put(number + 1) */
static void
increment_worker (GTask        *task,
                  GCancellable *cancellable,
                  gpointer      user_data)
{
  increment_next (g_object_ref (task));
}

static void
section_queues (void)
{
  g_autoptr(TaRunner) runner = start_runner ();
  g_autoptr(TaQueue) in_queue = ta_queue_new (0);
  g_autoptr(TaQueue) out_queue = ta_queue_new (0);
  g_autoptr(TaTask) background_task = NULL;
  Queues queues = { in_queue, out_queue };

  background_task = ta_runner_spawn (runner, "increment_worker", increment_worker,
                                     &queues, NULL, NULL, NULL);
  for (int i = 0; i < 10; i++)
    {
      GValue number = G_VALUE_INIT;

      g_value_init (&number, G_TYPE_INT);
      g_value_set_int (&number, i);
      ta_queue_push_value (in_queue, &number, TA_TIMEOUT_INFINITE, NULL);
      g_value_unset (&number);
      if (ta_queue_pop_value (out_queue, &number, TA_TIMEOUT_INFINITE, NULL))
        {
          g_print ("%d\n", g_value_get_int (&number));
          g_value_unset (&number);
        }
    }
  /* Tasks are also cancelled when the runner stops. */
  ta_task_cancel (background_task);

  ta_runner_stop (runner, NULL);
}

/* ---------------------------------------------------------------------- */
/* Control inversion                                                       */
/* ---------------------------------------------------------------------- */

/* class MyServer(threaded_async.Server): _handle_request(...) */
#define MY_TYPE_SERVER (my_server_get_type ())
G_DECLARE_FINAL_TYPE (MyServer, my_server, MY, SERVER, TaServer)

struct _MyServer
{
  TaServer parent_instance;
};

G_DEFINE_FINAL_TYPE (MyServer, my_server, TA_TYPE_SERVER)

static gboolean
my_server_handle_request (TaServer  *server,
                          TaRequest *request)
{
  gint32 number;

  if (!g_str_equal (ta_request_get_method (request), "increment"))
    return FALSE;

  /* Handle increment request. */
  g_variant_get (ta_request_get_parameters (request), "(i)", &number);
  ta_request_return_variant (request, g_variant_new_int32 (number + 1));
  return TRUE;
}

static void
my_server_class_init (MyServerClass *klass)
{
  TA_SERVER_CLASS (klass)->handle_request = my_server_handle_request;
}

static void
my_server_init (MyServer *self)
{
}

typedef struct
{
  TaClient *client;
  gint32    i;
} ClientCode;

static void client_code_next (GTask *task);

static void
incremented_cb (GObject      *client,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_auto(GValue) answer = G_VALUE_INIT;
  GError *error = NULL;

  if (!ta_client_execute_finish (TA_CLIENT (client), result, &answer, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_print ("Client got: %d\n", g_variant_get_int32 (g_value_get_variant (&answer)));
  client_code_next (g_steal_pointer (&task));
}

static void
client_code_next (GTask *task)
{
  ClientCode *code = g_task_get_task_data (task);

  if (code->i == 10)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  /* await client.increment(i) */
  ta_client_execute_async (code->client, "increment", g_variant_new ("(i)", code->i++),
                           NULL, g_task_get_cancellable (task), incremented_cb, task);
}

/* async def client_code(client):
 *   for i in range(10):
 *     print(f'Client got: {await client.increment(i)}') */
static void
client_code (GTask        *task,
             GCancellable *cancellable,
             gpointer      user_data)
{
  client_code_next (g_object_ref (task));
}

static void
client_code_free (gpointer data)
{
  ClientCode *code = data;

  g_object_unref (code->client);
  g_free (code);
}

static void
section_control_inversion (void)
{
  g_autoptr(TaServer) server = g_object_new (MY_TYPE_SERVER, NULL);
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;
  ClientCode *code = g_new0 (ClientCode, 1);

  if (!ta_server_start (server, &error))
    g_error ("%s", error->message);
  code->client = ta_server_create_client (server);
  task = ta_server_spawn (server, "client_code", client_code, code, client_code_free,
                          TA_TIMEOUT_DEFAULT, &error);
  g_assert_no_error (error);

  for (int i = 0; i < 3; i++)
    {
      g_print ("Processing new client requests\n");
      /* Returns once the client has reacted to the answer: it printed. */
      ta_server_process (server, TA_TIMEOUT_DEFAULT, &error);
      g_assert_no_error (error);
    }

  ta_server_stop (server, NULL);
}

/* ---------------------------------------------------------------------- */
/* Error handling                                                          */
/* ---------------------------------------------------------------------- */

/* async def raises_error(): raise ValueError('This is an error') */
static void
raises_error (GTask        *task,
              GCancellable *cancellable,
              gpointer      user_data)
{
  g_task_return_new_error (task, EXAMPLE_ERROR, EXAMPLE_ERROR_VALUE, "This is an error");
}

static void
section_errors (void)
{
  g_autoptr(TaRunner) runner = start_runner ();
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 3; i++)
    g_object_unref (ta_runner_spawn (runner, "raises_error", raises_error,
                                     NULL, NULL, NULL, NULL));

  /* Errors nobody waited for are reported together when the runner stops. */
  if (!ta_runner_stop (runner, &error) &&
      g_error_matches (error, TA_ERROR, TA_ERROR_UNRETRIEVED))
    {
      g_autoptr(GPtrArray) errors = ta_runner_dup_unretrieved_errors (runner);
      g_autoptr(GString) line = g_string_new ("Got the following exceptions: (");

      for (guint i = 0; i < errors->len; i++)
        {
          GError *e = g_ptr_array_index (errors, i);

          g_string_append_printf (line, "%s%s('%s')", i > 0 ? ", " : "",
                                  e->domain == EXAMPLE_ERROR ? "ValueError" : "GError",
                                  e->message);
        }
      g_string_append (line, ")");
      g_print ("%s\n", line->str);
    }
}

/* ---------------------------------------------------------------------- */
/* Stuck event loops                                                       */
/* ---------------------------------------------------------------------- */

static gint hang_released;

static void
hang_slept_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  /* while True: pass -- the loop never gets its thread back. The example
   * lets it go at exit, so that the abandoned thread ends cleanly. */
  while (!g_atomic_int_get (&hang_released))
    g_usleep (1000);

  g_task_return_boolean (task, TRUE);
}

/* async def hang_forever(): await asyncio.sleep(0.1); while True: pass */
static void
hang_forever (GTask        *task,
              GCancellable *cancellable,
              gpointer      user_data)
{
  ta_sleep_async (G_USEC_PER_SEC / 10, cancellable, hang_slept_cb, g_object_ref (task));
}

static void
section_stuck (void)
{
  g_autoptr(TaRunner) runner = start_runner ();
  g_autoptr(TaTask) task = NULL;
  g_autoptr(GError) error = NULL;
  gboolean stuck = FALSE;

  task = ta_runner_spawn (runner, "hang_forever", hang_forever, NULL, NULL, NULL, NULL);
  if (!ta_task_wait (task, G_USEC_PER_SEC, &error))
    {
      g_printerr ("%s\n", error->message);
      g_clear_error (&error);
      stuck = !ta_runner_stop (runner, &error) &&
              g_error_matches (error, TA_ERROR, TA_ERROR_TIMEOUT);
      if (stuck)
        g_printerr ("%s\n", error->message);
    }
  if (stuck)
    g_print ("Event loop was stuck.\n");

  {
    GEnumClass *klass = g_type_class_ref (TA_TYPE_SHUTDOWN_TYPE);
    GEnumValue *value = g_enum_get_value (klass, ta_runner_get_shutdown_type (runner));
    g_autofree char *name = g_ascii_strup (value->value_nick, -1);

    g_print ("Runner shutdown type: %s\n", name);
    g_type_class_unref (klass);
  }
  g_atomic_int_set (&hang_released, TRUE);
}

typedef struct
{
  const char *name;
  void (*func) (void);
} Section;

static const Section sections[] = {
  { "deploy", section_deploy },
  { "events", section_events },
  { "queues", section_queues },
  { "control-inversion", section_control_inversion },
  { "errors", section_errors },
  { "stuck", section_stuck },
};

int
main (int   argc,
      char *argv[])
{
  /* GLib prints its messages (and the library's, with their “ ” quotes)
   * in the user's locale; without this, in the C locale, as '?'. */
  setlocale (LC_ALL, "");

  for (guint i = 0; i < G_N_ELEMENTS (sections); i++)
    {
      gboolean wanted = argc < 2;

      for (int a = 1; a < argc; a++)
        wanted |= g_str_equal (argv[a], sections[i].name);
      if (wanted)
        sections[i].func ();
    }

  return 0;
}
