/* cookbook.c: threaded_async's cookbook, section by section, in C
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each section replays one recipe of the Python cookbook with ta-glib and
 * prints what the cookbook prints. Run it with no argument for every
 * section, or name sections: deploy, events, queues, errors, stuck.
 */

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
  { "errors", section_errors },
  { "stuck", section_stuck },
};

int
main (int   argc,
      char *argv[])
{
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
