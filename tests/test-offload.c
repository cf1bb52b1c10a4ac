/* test-offload.c: introspected calls offloaded to an executor
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include "test-common.h"

/* Made before any thread, thread-default on the main thread throughout. */
static GMainContext *main_context;

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */
/* ---------------------------------------------------------------------- */

typedef struct
{
  gboolean  done;
  GValue   *values;
  guint     n_values;
  GError   *error;
} CallResult;

static void
call_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  CallResult *r = user_data;

  g_assert_true (g_thread_self () == test_main_thread);
  g_assert_false (r->done);
  r->values = ta_executor_call_finish (TA_EXECUTOR (source), result, &r->n_values, &r->error);
  g_assert_true ((r->values == NULL) == (r->error != NULL));
  r->done = TRUE;
}

static void
call_result_clear (CallResult *r)
{
  for (guint i = 0; i < r->n_values; i++)
    g_value_unset (&r->values[i]);
  g_clear_pointer (&r->values, g_free);
  g_clear_error (&r->error);
  r->n_values = 0;
  r->done = FALSE;
}

static void
wait_done (CallResult *r)
{
  while (!r->done)
    g_main_context_iteration (main_context, TRUE);
}

static void
call_sync (TaExecutor   *executor,
           const char   *function,
           const GValue *args,
           guint         n_args,
           CallResult   *r)
{
  ta_executor_call_async (executor, function, args, n_args, NULL, call_done_cb, r);
  /* Never from within the call. */
  g_assert_false (r->done);
  wait_done (r);
}

static void
values_clear (GValue *values,
              guint   n_values)
{
  for (guint i = 0; i < n_values; i++)
    if (G_IS_VALUE (&values[i]))
      g_value_unset (&values[i]);
}

static GValue *
value_string (GValue     *value,
              const char *s)
{
  g_value_set_string (g_value_init (value, G_TYPE_STRING), s);
  return value;
}

static GValue *
value_null (GValue *value)
{
  return g_value_init (value, G_TYPE_POINTER);
}

static GValue *
value_object (GValue   *value,
              gpointer  object)
{
  g_value_set_object (g_value_init (value, G_OBJECT_TYPE (object)), object);
  return value;
}

static GValue *
value_int (GValue *value,
           gint    i)
{
  g_value_set_int (g_value_init (value, G_TYPE_INT), i);
  return value;
}

static GValue *
value_strv (GValue             *value,
            const char * const *strv)
{
  g_value_set_boxed (g_value_init (value, G_TYPE_STRV), strv);
  return value;
}

static void
assert_byte_array (const GValue *value,
                   const char   *data,
                   gsize         len)
{
  GByteArray *array;

  g_assert_true (G_VALUE_HOLDS (value, G_TYPE_BYTE_ARRAY));
  array = g_value_get_boxed (value);
  g_assert_nonnull (array);
  g_assert_cmpmem (array->data, array->len, data, len);
}

/* Arrays other than of bytes and strings come and go as GValueArrays. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
static GType
value_array_type (void)
{
  return g_value_array_get_type ();
}

/* Takes @items, unset. */
static GValue *
value_array (GValue *value,
             GValue *items,
             guint   n_items)
{
  GValueArray *array = g_value_array_new (n_items);

  for (guint i = 0; i < n_items; i++)
    {
      g_value_array_append (array, &items[i]);
      g_value_unset (&items[i]);
    }
  g_value_take_boxed (g_value_init (value, value_array_type ()), array);
  return value;
}

static const GValue *
array_nth (const GValue *value,
           guint         i)
{
  GValueArray *array;

  g_assert_true (G_VALUE_HOLDS (value, value_array_type ()));
  array = g_value_get_boxed (value);
  g_assert_nonnull (array);
  g_assert_cmpuint (i, <, array->n_values);
  return &array->values[i];
}

static guint
array_length (const GValue *value)
{
  GValueArray *array;

  g_assert_true (G_VALUE_HOLDS (value, value_array_type ()));
  array = g_value_get_boxed (value);
  return array != NULL ? array->n_values : 0;
}
G_GNUC_END_IGNORE_DEPRECATIONS

static void
assert_refused (TaExecutor   *executor,
                const char   *function,
                const GValue *args,
                guint         n_args,
                gint          code,
                const char   *needle)
{
  CallResult r = { 0 };

  call_sync (executor, function, args, n_args, &r);
  g_assert_error (r.error, TA_ERROR, code);
  if (strstr (r.error->message, needle) == NULL)
    g_error ("“%s” does not mention “%s”", r.error->message, needle);
  call_result_clear (&r);
}

static char *
make_temp_file (const char *contents,
                gssize      len)
{
  GError *error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("ta-offload-XXXXXX", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);

  return path;
}

/* ---------------------------------------------------------------------- */
/* Calls                                                                   */
/* ---------------------------------------------------------------------- */

static const char contents[] = "hello\0world\n";

static void
test_offload_namespace_function (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new ("offload", 2);
  g_autofree char *path = make_temp_file (contents, sizeof contents);
  GValue args[1] = { G_VALUE_INIT };
  CallResult r = { 0 };

  call_sync (executor, "GLib.file_get_contents", value_string (&args[0], path), 1, &r);
  g_assert_no_error (r.error);
  /* The length is not a result of its own: it is the array's. */
  g_assert_cmpuint (r.n_values, ==, 2);
  g_assert_true (g_value_get_boolean (&r.values[0]));
  assert_byte_array (&r.values[1], contents, sizeof contents);
  call_result_clear (&r);

  values_clear (args, G_N_ELEMENTS (args));
  g_unlink (path);
  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, TEST_HANG_US, NULL));
}

static void
test_offload_interface_method (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new ("offload", 2);
  g_autofree char *path = make_temp_file (contents, sizeof contents);
  GFile *file = g_file_new_for_path (path);
  GValue args[2] = { G_VALUE_INIT, G_VALUE_INIT };
  g_autofree char *direct = NULL;
  g_autofree char *etag = NULL;
  gsize length;
  CallResult r = { 0 };
  GError *error = NULL;

  g_assert_true (g_file_load_contents (file, NULL, &direct, &length, &etag, &error));
  g_assert_no_error (error);

  /* A GLocalFile, a private class: the method is the interface's. */
  g_object_add_weak_pointer (G_OBJECT (file), (gpointer *) &file);
  value_object (&args[0], file);
  value_null (&args[1]);
  call_sync (executor, "Gio.File.load_contents", args, 2, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.n_values, ==, 3);
  g_assert_true (g_value_get_boolean (&r.values[0]));
  assert_byte_array (&r.values[1], direct, length);
  g_assert_cmpstr (g_value_get_string (&r.values[2]), ==, etag);
  call_result_clear (&r);

  /* The call let go of its arguments. */
  values_clear (args, G_N_ELEMENTS (args));
  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, TEST_HANG_US, NULL));
  g_object_unref (file);
  g_assert_null (file);
  g_unlink (path);
}

static void
test_offload_constructors (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new ("offload", 2);
  GValue args[1] = { G_VALUE_INIT };
  g_autoptr(GBytes) bytes = g_bytes_new ("a\0c", 3);
  CallResult r = { 0 };
  g_autofree char *path = NULL;

  call_sync (executor, "Gio.File.new_for_path", value_string (&args[0], "/tmp/ta-offload"), 1, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.n_values, ==, 1);
  g_assert_true (G_IS_FILE (g_value_get_object (&r.values[0])));
  path = g_file_get_path (g_value_get_object (&r.values[0]));
  g_assert_cmpstr (path, ==, "/tmp/ta-offload");
  call_result_clear (&r);
  values_clear (args, 1);

  /* A C array with its length, given as bytes; a boxed result. */
  g_value_set_boxed (g_value_init (&args[0], G_TYPE_BYTES), bytes);
  call_sync (executor, "GLib.Bytes.new", args, 1, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.n_values, ==, 1);
  g_assert_true (g_bytes_equal (g_value_get_boxed (&r.values[0]), bytes));
  call_result_clear (&r);
  values_clear (args, 1);

  /* A floating GVariant, returned with transfer none. */
  call_sync (executor, "GLib.Variant.new_string", value_string (&args[0], "v"), 1, &r);
  g_assert_no_error (r.error);
  g_assert_cmpstr (g_variant_get_string (g_value_get_variant (&r.values[0]), NULL), ==, "v");
  call_result_clear (&r);
  values_clear (args, 1);

  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, TEST_HANG_US, NULL));
}

static void
test_offload_strings_and_enums (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new ("offload", 2);
  g_autofree char *path = make_temp_file (contents, sizeof contents);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  const char * const words[] = { "a", "b c", NULL };
  GValue args[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  const char * const *argv;
  CallResult r = { 0 };

  /* A zero-terminated array in, as a string array or a variant. */
  call_sync (executor, "GLib.build_filenamev", value_strv (&args[0], words), 1, &r);
  g_assert_no_error (r.error);
  g_assert_cmpstr (g_value_get_string (&r.values[0]), ==, "a/b c");
  call_result_clear (&r);
  values_clear (args, 1);
  g_value_set_variant (g_value_init (&args[0], G_TYPE_VARIANT), g_variant_new_strv (words, -1));
  call_sync (executor, "GLib.build_filenamev", args, 1, &r);
  g_assert_no_error (r.error);
  g_assert_cmpstr (g_value_get_string (&r.values[0]), ==, "a/b c");
  call_result_clear (&r);
  values_clear (args, 1);

  /* An array out with its length out. */
  call_sync (executor, "GLib.shell_parse_argv", value_string (&args[0], "a 'b c'"), 1, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.n_values, ==, 2);
  argv = g_value_get_boxed (&r.values[1]);
  g_assert_nonnull (argv);
  g_assert_cmpstrv (argv, words);
  call_result_clear (&r);
  values_clear (args, 1);

  /* Flags in, as their type or a number, and an enum out. */
  value_object (&args[0], file);
  g_value_set_flags (g_value_init (&args[1], G_TYPE_FILE_QUERY_INFO_FLAGS),
                     G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS);
  value_null (&args[2]);
  call_sync (executor, "Gio.File.query_file_type", args, 3, &r);
  g_assert_no_error (r.error);
  g_assert_true (G_VALUE_HOLDS (&r.values[0], G_TYPE_FILE_TYPE));
  g_assert_cmpint (g_value_get_enum (&r.values[0]), ==, G_FILE_TYPE_REGULAR);
  call_result_clear (&r);
  g_value_unset (&args[1]);
  value_int (&args[1], 0);
  call_sync (executor, "Gio.File.query_file_type", args, 3, &r);
  g_assert_no_error (r.error);
  g_assert_cmpint (g_value_get_enum (&r.values[0]), ==, G_FILE_TYPE_REGULAR);
  call_result_clear (&r);
  values_clear (args, 3);

  /* A number of another type, in range. */
  g_value_set_double (g_value_init (&args[0], G_TYPE_DOUBLE), 3);
  call_sync (executor, "GLib.usleep", args, 1, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.n_values, ==, 0);
  call_result_clear (&r);
  values_clear (args, 1);

  g_unlink (path);
  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, TEST_HANG_US, NULL));
}

/* Needs the tests' own typelib, which only a build with introspection has. */
static void
test_offload_inout_and_lists (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new ("offload", 2);
  const char * const words[] = { "x", "y", "z", NULL };
  const char * const reversed[] = { "z", "y", "x", NULL };
  const char * const prefixed[] = { "p-x", "p-y", "p-z", NULL };
  GValue args[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  CallResult r = { 0 };

  call_sync (executor, "TaTest.offload_inout", NULL, 0, &r);
  if (g_error_matches (r.error, TA_ERROR, TA_ERROR_INVALID_VALUE) &&
      strstr (r.error->message, "Typelib file for namespace") != NULL)
    {
      call_result_clear (&r);
      g_test_skip ("The TaTest typelib is not built");
      return;
    }
  call_result_clear (&r);

  value_int (&args[0], 21);
  value_string (&args[1], "abé");
  value_strv (&args[2], words);
  call_sync (executor, "TaTest.offload_inout", args, 3, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.n_values, ==, 5);
  g_assert_true (g_value_get_boolean (&r.values[0]));
  g_assert_cmpint (g_value_get_int (&r.values[1]), ==, 42);
  g_assert_cmpstr (g_value_get_string (&r.values[2]), ==, "ABÉ");
  g_assert_cmpstrv (g_value_get_boxed (&r.values[3]), reversed);
  g_assert_cmpuint (g_value_get_uint (&r.values[4]), ==, 3);
  call_result_clear (&r);
  values_clear (args, 3);

  value_strv (&args[0], words);
  value_string (&args[1], "p-");
  call_sync (executor, "TaTest.offload_lists", args, 2, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.n_values, ==, 2);
  g_assert_cmpstrv (g_value_get_boxed (&r.values[0]), words);
  g_assert_cmpstrv (g_value_get_boxed (&r.values[1]), prefixed);
  call_result_clear (&r);
  g_value_unset (&args[1]);
  value_null (&args[1]);
  call_sync (executor, "TaTest.offload_lists", args, 2, &r);
  g_assert_no_error (r.error);
  g_assert_cmpstrv (g_value_get_boxed (&r.values[1]), words);
  call_result_clear (&r);
  values_clear (args, 3);

  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, TEST_HANG_US, NULL));
}

/* C arrays of numbers, booleans, objects, boxed values and variants, with
 * a length, zero-terminated or of a fixed size, and lists of objects, in
 * and out, under each transfer. */
static void
test_offload_arrays (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new ("offload", 2);
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GListStore) store = g_list_store_new (G_TYPE_FILE);
  g_autoptr(GFile) a = g_file_new_for_path ("/a");
  g_autoptr(GFile) b = g_file_new_for_path ("/b");
  g_autoptr(GIcon) icon = g_themed_icon_new ("x");
  g_autoptr(GEmblem) emblem1 = g_emblem_new (icon);
  g_autoptr(GEmblem) emblem2 = g_emblem_new (icon);
  g_autoptr(GIcon) emblemed = g_emblemed_icon_new (icon, emblem1);
  g_autoptr(GDBusObjectManagerServer) manager = g_dbus_object_manager_server_new ("/m");
  g_autoptr(GDBusObjectSkeleton) object1 = g_dbus_object_skeleton_new ("/m/one");
  g_autoptr(GDBusObjectSkeleton) object2 = g_dbus_object_skeleton_new ("/m/two");
  g_autoptr(GAppInfo) app = NULL;
  g_autoptr(GAppLaunchContext) launch = g_app_launch_context_new ();
  GDBusAnnotationInfo annotation1 = { -1, (char *) "k1", (char *) "v1", NULL };
  GDBusAnnotationInfo annotation2 = { -1, (char *) "k2", (char *) "v2", NULL };
  GValue args[4] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  GValue items[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  gboolean seen[2] = { FALSE, FALSE };
  CallResult r = { 0 };

  /* Integers in, with a length, from a GValueArray; out, transfer full. */
  g_value_set_boxed (g_value_init (&args[0], G_TYPE_KEY_FILE), key_file);
  value_string (&args[1], "g");
  value_string (&args[2], "ints");
  value_int (&items[0], 1);
  value_int (&items[1], -2);
  g_value_set_int64 (g_value_init (&items[2], G_TYPE_INT64), 300);
  value_array (&args[3], items, 3);
  call_sync (executor, "GLib.KeyFile.set_integer_list", args, 4, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.n_values, ==, 0);
  call_result_clear (&r);
  g_value_unset (&args[3]);
  call_sync (executor, "GLib.KeyFile.get_integer_list", args, 3, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.n_values, ==, 1);
  g_assert_cmpuint (array_length (&r.values[0]), ==, 3);
  g_assert_cmpint (g_value_get_int (array_nth (&r.values[0], 0)), ==, 1);
  g_assert_cmpint (g_value_get_int (array_nth (&r.values[0], 1)), ==, -2);
  g_assert_cmpint (g_value_get_int (array_nth (&r.values[0], 2)), ==, 300);
  call_result_clear (&r);

  /* An element out of range, or of the wrong type: nothing runs. */
  g_value_set_int64 (g_value_init (&items[0], G_TYPE_INT64), G_MAXINT64);
  value_array (&args[3], items, 1);
  assert_refused (executor, "GLib.KeyFile.set_integer_list", args, 4,
                  TA_ERROR_INVALID_VALUE, "argument “list (an element)” (gint32) is out of range");
  g_value_unset (&args[3]);
  value_int (&items[0], 1);
  value_string (&items[1], "2");
  value_array (&args[3], items, 2);
  assert_refused (executor, "GLib.KeyFile.set_integer_list", args, 4,
                  TA_ERROR_INVALID_VALUE, "argument “list (an element)” expects gint32, not gchararray");
  g_value_unset (&args[3]);
  value_array (&args[3], items, 0);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_value_array_append (g_value_get_boxed (&args[3]), NULL);
  G_GNUC_END_IGNORE_DEPRECATIONS
  assert_refused (executor, "GLib.KeyFile.set_integer_list", args, 4,
                  TA_ERROR_INVALID_VALUE, "argument “list (an element)” expects gint32, not gpointer");
  g_value_unset (&args[3]);
  value_int (&args[3], 1);
  assert_refused (executor, "GLib.KeyFile.set_integer_list", args, 4,
                  TA_ERROR_INVALID_VALUE, "argument “list” expects array of gint32");
  g_value_unset (&args[3]);

  /* Doubles from a GLib.Variant array; booleans. */
  g_value_unset (&args[2]);
  value_string (&args[2], "doubles");
  {
    const gdouble doubles[] = { 0.5, -2.25 };

    g_value_set_variant (g_value_init (&args[3], G_TYPE_VARIANT),
                         g_variant_new_fixed_array (G_VARIANT_TYPE_DOUBLE, doubles, 2, sizeof (gdouble)));
  }
  call_sync (executor, "GLib.KeyFile.set_double_list", args, 4, &r);
  g_assert_no_error (r.error);
  call_result_clear (&r);
  g_value_unset (&args[3]);
  call_sync (executor, "GLib.KeyFile.get_double_list", args, 3, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (array_length (&r.values[0]), ==, 2);
  g_assert_cmpfloat (g_value_get_double (array_nth (&r.values[0], 0)), ==, 0.5);
  g_assert_cmpfloat (g_value_get_double (array_nth (&r.values[0], 1)), ==, -2.25);
  call_result_clear (&r);

  g_value_unset (&args[2]);
  value_string (&args[2], "booleans");
  g_value_set_boolean (g_value_init (&items[0], G_TYPE_BOOLEAN), TRUE);
  g_value_set_boolean (g_value_init (&items[1], G_TYPE_BOOLEAN), FALSE);
  value_array (&args[3], items, 2);
  call_sync (executor, "GLib.KeyFile.set_boolean_list", args, 4, &r);
  g_assert_no_error (r.error);
  call_result_clear (&r);
  g_value_unset (&args[3]);
  call_sync (executor, "GLib.KeyFile.get_boolean_list", args, 3, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (array_length (&r.values[0]), ==, 2);
  g_assert_true (g_value_get_boolean (array_nth (&r.values[0], 0)));
  g_assert_false (g_value_get_boolean (array_nth (&r.values[0], 1)));
  call_result_clear (&r);
  values_clear (args, 4);

  /* Unsigned integers and GTypes out with a length, transfer full. */
  g_value_set_gtype (g_value_init (&args[0], G_TYPE_GTYPE), G_TYPE_OBJECT);
  call_sync (executor, "GObject.signal_list_ids", args, 1, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.n_values, ==, 1);
  g_assert_cmpuint (array_length (&r.values[0]), ==, 1);
  g_assert_cmpuint (g_value_get_uint (array_nth (&r.values[0], 0)), ==, g_signal_lookup ("notify", G_TYPE_OBJECT));
  call_result_clear (&r);
  g_value_set_gtype (&args[0], G_TYPE_SIMPLE_ACTION);
  call_sync (executor, "GObject.type_interfaces", args, 1, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (array_length (&r.values[0]), ==, 1);
  g_assert_true (g_value_get_gtype (array_nth (&r.values[0], 0)) == G_TYPE_ACTION);
  call_result_clear (&r);
  values_clear (args, 4);

  /* Objects in, with a length, transfer none. */
  value_object (&args[0], store);
  g_value_set_uint (g_value_init (&args[1], G_TYPE_UINT), 0);
  g_value_set_uint (g_value_init (&args[2], G_TYPE_UINT), 0);
  value_object (&items[0], a);
  value_object (&items[1], b);
  value_array (&args[3], items, 2);
  call_sync (executor, "Gio.ListStore.splice", args, 4, &r);
  g_assert_no_error (r.error);
  call_result_clear (&r);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  {
    g_autoptr(GFile) first = g_list_model_get_item (G_LIST_MODEL (store), 0);

    g_assert_true (first == a);
  }
  g_value_unset (&args[3]);
  value_object (&items[0], a);
  g_value_set_boxed (g_value_init (&items[1], G_TYPE_KEY_FILE), key_file);
  value_array (&args[3], items, 2);
  assert_refused (executor, "Gio.ListStore.splice", args, 4,
                  TA_ERROR_INVALID_VALUE, "argument “additions (an element)” expects GObject.Object, not GKeyFile");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  values_clear (args, 4);

  /* Boxed values in, zero-terminated; boxed values and variants with a
   * length. */
  g_value_set_boxed (g_value_init (&items[0], G_TYPE_DBUS_ANNOTATION_INFO), &annotation1);
  g_value_set_boxed (g_value_init (&items[1], G_TYPE_DBUS_ANNOTATION_INFO), &annotation2);
  value_array (&args[0], items, 2);
  value_string (&args[1], "k2");
  call_sync (executor, "Gio.DBusAnnotationInfo.lookup", args, 2, &r);
  g_assert_no_error (r.error);
  g_assert_cmpstr (g_value_get_string (&r.values[0]), ==, "v2");
  call_result_clear (&r);
  values_clear (args, 4);
  g_assert_cmpint (annotation1.ref_count, ==, -1);

  g_value_set_boxed (g_value_init (&items[0], G_TYPE_VARIANT_TYPE), G_VARIANT_TYPE_STRING);
  g_value_set_boxed (g_value_init (&items[1], G_TYPE_VARIANT_TYPE), G_VARIANT_TYPE_INT32);
  value_array (&args[0], items, 2);
  call_sync (executor, "GLib.VariantType.new_tuple", args, 1, &r);
  g_assert_no_error (r.error);
  g_assert_true (g_variant_type_equal (g_value_get_boxed (&r.values[0]), G_VARIANT_TYPE ("(si)")));
  call_result_clear (&r);
  values_clear (args, 4);

  g_value_set_variant (g_value_init (&items[0], G_TYPE_VARIANT), g_variant_new_string ("s"));
  g_value_set_variant (g_value_init (&items[1], G_TYPE_VARIANT), g_variant_new_int32 (7));
  value_array (&args[0], items, 2);
  call_sync (executor, "GLib.Variant.new_tuple", args, 1, &r);
  g_assert_no_error (r.error);
  g_assert_cmpstr (g_variant_get_type_string (g_value_get_variant (&r.values[0])), ==, "(si)");
  call_result_clear (&r);
  values_clear (args, 4);

  /* A fixed size, checked before anything runs. */
  value_int (&items[0], 0);
  value_array (&args[0], items, 1);
  value_int (&args[1], 0);
  assert_refused (executor, "GLib.unix_open_pipe", args, 2,
                  TA_ERROR_INVALID_VALUE, "argument “fds” must hold 2 elements, not 1");
  values_clear (args, 4);

  /* Lists of objects out: transfer none, and full. */
  g_emblemed_icon_add_emblem (G_EMBLEMED_ICON (emblemed), emblem2);
  value_object (&args[0], emblemed);
  call_sync (executor, "Gio.EmblemedIcon.get_emblems", args, 1, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (array_length (&r.values[0]), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      GObject *emblem = g_value_get_object (array_nth (&r.values[0], i));

      g_assert_true (emblem == (GObject *) emblem1 || emblem == (GObject *) emblem2);
    }
  call_result_clear (&r);
  values_clear (args, 4);

  g_dbus_object_manager_server_export (manager, object1);
  g_dbus_object_manager_server_export (manager, object2);
  value_object (&args[0], manager);
  call_sync (executor, "Gio.DBusObjectManager.get_objects", args, 1, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (array_length (&r.values[0]), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      GObject *object = g_value_get_object (array_nth (&r.values[0], i));

      g_assert_true (object == (GObject *) object1 || object == (GObject *) object2);
      seen[object == (GObject *) object2] = TRUE;
    }
  g_assert_true (seen[0] && seen[1]);
  call_result_clear (&r);
  values_clear (args, 4);

  /* A list of objects in. */
  app = g_app_info_create_from_commandline ("true", "t", G_APP_INFO_CREATE_NONE, NULL);
  g_assert_nonnull (app);
  value_object (&args[0], launch);
  value_object (&args[1], app);
  value_object (&items[0], a);
  value_object (&items[1], b);
  value_array (&args[2], items, 2);
  call_sync (executor, "Gio.AppLaunchContext.get_startup_notify_id", args, 3, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.n_values, ==, 1);
  call_result_clear (&r);
  values_clear (args, 4);

  /* What the marshaller does not handle: refused, naming the argument. */
  assert_refused (executor, "GLib.MainContext.check", NULL, 0,
                  TA_ERROR_NOT_SUPPORTED, "argument “fds” has type array of GLib.PollFD");
  assert_refused (executor, "Gio.Resolver.lookup_records", NULL, 0,
                  TA_ERROR_NOT_SUPPORTED, "argument “return value” has type GList of GLib.Variant");

  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, TEST_HANG_US, NULL));
}

static void
test_offload_error (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new ("offload", 2);
  GValue args[1] = { G_VALUE_INIT };
  g_autofree char *direct_contents = NULL;
  g_autoptr(GError) direct = NULL;
  CallResult r = { 0 };

  g_assert_false (g_file_get_contents ("/nonexistent/ta-offload", &direct_contents, NULL, &direct));
  call_sync (executor, "GLib.file_get_contents",
             value_string (&args[0], "/nonexistent/ta-offload"), 1, &r);
  g_assert_error (r.error, direct->domain, direct->code);
  g_assert_cmpstr (r.error->message, ==, direct->message);
  g_assert_cmpuint (r.n_values, ==, 0);
  call_result_clear (&r);
  values_clear (args, 1);

  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, TEST_HANG_US, NULL));
}

/* ---------------------------------------------------------------------- */
/* Refusals                                                                */
/* ---------------------------------------------------------------------- */

/* What GJS marks the classes defined in JavaScript with. */
typedef GApplication FakeJsApp;
typedef GApplicationClass FakeJsAppClass;
static GType fake_js_app_get_type (void);
G_DEFINE_TYPE (FakeJsApp, fake_js_app, G_TYPE_APPLICATION)

static void
fake_js_app_class_init (FakeJsAppClass *klass)
{
  g_type_set_qdata (G_TYPE_FROM_CLASS (klass), g_quark_from_static_string ("gjs::custom-type"),
                    GINT_TO_POINTER (1));
}

static void
fake_js_app_init (FakeJsApp *self)
{
}

typedef FakeJsApp FakeJsAppChild;
typedef FakeJsAppClass FakeJsAppChildClass;
static GType fake_js_app_child_get_type (void);
G_DEFINE_TYPE (FakeJsAppChild, fake_js_app_child, fake_js_app_get_type ())

static void
fake_js_app_child_class_init (FakeJsAppChildClass *klass)
{
}

static void
fake_js_app_child_init (FakeJsAppChild *self)
{
}

static void
notify_cb (GObject    *object,
           GParamSpec *pspec,
           gpointer    user_data)
{
}

static void
test_offload_refused (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new ("offload", 2);
  g_autoptr(GFile) file = g_file_new_for_path ("/");
  g_autoptr(GSimpleAction) action = g_simple_action_new ("a", NULL);
  g_autoptr(GApplication) js_app = g_object_new (fake_js_app_child_get_type (),
                                                 "application-id", "org.example.Js", NULL);
  GValue args[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  CallResult r = { 0 };
  gulong handler;

  assert_refused (executor, "GLib.no_such_function", NULL, 0,
                  TA_ERROR_INVALID_VALUE, "No introspected function is called “GLib.no_such_function”");
  assert_refused (executor, "no_namespace", NULL, 0, TA_ERROR_INVALID_VALUE, "not a function name");
  assert_refused (executor, "NoSuchNamespace.f", NULL, 0, TA_ERROR_INVALID_VALUE, "NoSuchNamespace");

  /* Arity, types, null, ranges: each names the argument. */
  assert_refused (executor, "GLib.file_get_contents", NULL, 0,
                  TA_ERROR_INVALID_VALUE, "takes 1 argument (filename), not 0");
  value_object (&args[0], file);
  assert_refused (executor, "Gio.File.load_contents", args, 1,
                  TA_ERROR_INVALID_VALUE, "takes 2 arguments (self, cancellable), not 1");
  value_int (&args[1], 7);
  assert_refused (executor, "Gio.File.load_contents", args, 2,
                  TA_ERROR_INVALID_VALUE, "argument “cancellable” expects Gio.Cancellable or null, not gint");
  values_clear (args, 3);
  assert_refused (executor, "GLib.file_get_contents", value_int (&args[0], 42), 1,
                  TA_ERROR_INVALID_VALUE, "argument “filename” expects filename, not gint");
  values_clear (args, 3);
  assert_refused (executor, "Gio.File.new_for_path", value_null (&args[0]), 1,
                  TA_ERROR_INVALID_VALUE, "argument “path” (filename) may not be null");
  values_clear (args, 3);
  assert_refused (executor, "GLib.usleep", value_int (&args[0], -1), 1,
                  TA_ERROR_INVALID_VALUE, "argument “microseconds” (guint64) is out of range");
  values_clear (args, 3);
  value_string (&args[0], "/");
  assert_refused (executor, "Gio.File.load_contents", args, 2,
                  TA_ERROR_INVALID_VALUE, "argument “self” expects Gio.File, not gchararray");
  values_clear (args, 3);

  /* Callbacks, including a null one the function would keep. */
  value_int (&args[0], 0);
  value_null (&args[1]);
  assert_refused (executor, "GLib.idle_add", args, 2,
                  TA_ERROR_WRONG_THREAD, "argument “function” is a callback (GLib.SourceFunc)");
  values_clear (args, 3);
  value_object (&args[0], file);
  value_null (&args[1]);
  value_null (&args[2]);
  assert_refused (executor, "Gio.File.load_contents_async", args, 3,
                  TA_ERROR_WRONG_THREAD, "argument “callback” is a callback (Gio.AsyncReadyCallback)");
  values_clear (args, 3);

  /* What the marshaller does not handle. */
  assert_refused (executor, "GLib.unichar_to_utf8", value_string (&args[0], "x"), 1,
                  TA_ERROR_NOT_SUPPORTED, "argument “outbuf” (utf8) is caller-allocates");
  values_clear (args, 3);
  assert_refused (executor, "GLib.hash_table_size", value_null (&args[0]), 1,
                  TA_ERROR_NOT_SUPPORTED, "argument “hash_table” has type ghash");
  values_clear (args, 3);

  /* An object implemented in JavaScript, through an ancestor. */
  assert_refused (executor, "Gio.Application.get_application_id", value_object (&args[0], js_app), 1,
                  TA_ERROR_WRONG_THREAD, "implemented in JavaScript (FakeJsApp)");
  values_clear (args, 3);

  /* An object with a handler connected, whatever the handler; nothing
   * ran. Once disconnected, the call is made. */
  handler = g_signal_connect (action, "notify::enabled", G_CALLBACK (notify_cb), NULL);
  value_object (&args[0], action);
  g_value_set_boolean (g_value_init (&args[1], G_TYPE_BOOLEAN), FALSE);
  assert_refused (executor, "Gio.SimpleAction.set_enabled", args, 2,
                  TA_ERROR_WRONG_THREAD, "has a handler connected to its “notify” signal");
  g_assert_true (g_action_get_enabled (G_ACTION (action)));
  g_signal_handler_disconnect (action, handler);
  call_sync (executor, "Gio.SimpleAction.set_enabled", args, 2, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.n_values, ==, 0);
  call_result_clear (&r);
  g_assert_false (g_action_get_enabled (G_ACTION (action)));
  values_clear (args, 3);

  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, TEST_HANG_US, NULL));
}

/* ---------------------------------------------------------------------- */
/* Cancellation, concurrency, shutdown                                     */
/* ---------------------------------------------------------------------- */

/* A call reading a pipe that never gets data: only its cancellable
 * ends it. */
static void
call_read_pipe (TaExecutor   *executor,
                int           fd,
                GCancellable *cancellable,
                CallResult   *r)
{
  g_autoptr(GInputStream) stream = g_unix_input_stream_new (fd, FALSE);
  GValue args[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };

  value_object (&args[0], stream);
  g_value_set_uint64 (g_value_init (&args[1], G_TYPE_UINT64), 16);
  value_null (&args[2]);
  ta_executor_call_async (executor, "Gio.InputStream.read_bytes", args, 3, cancellable,
                          call_done_cb, r);
  values_clear (args, 3);
}

static void
wait_started (TaExecutor *executor)
{
  while (ta_executor_get_n_queued (executor) > 0 || ta_executor_get_n_workers (executor) == 0)
    g_main_context_iteration (main_context, FALSE);
}

static void
test_offload_cancel_blocking (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new ("offload", 1);
  g_autoptr(GCancellable) running = g_cancellable_new ();
  g_autoptr(GCancellable) queued = g_cancellable_new ();
  g_autoptr(GSimpleAction) action = g_simple_action_new ("a", NULL);
  GValue args[2] = { G_VALUE_INIT, G_VALUE_INIT };
  CallResult r_running = { 0 };
  CallResult r_queued = { 0 };
  int fds[2];

  g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, NULL));

  /* The read blocks the only worker; the second call waits behind it. */
  call_read_pipe (executor, fds[0], running, &r_running);
  wait_started (executor);
  value_object (&args[0], action);
  g_value_set_boolean (g_value_init (&args[1], G_TYPE_BOOLEAN), FALSE);
  ta_executor_call_async (executor, "Gio.SimpleAction.set_enabled", args, 2, queued,
                          call_done_cb, &r_queued);
  values_clear (args, 2);
  g_cancellable_cancel (queued);

  /* The blocking read got the call's cancellable for its own. */
  g_cancellable_cancel (running);
  wait_done (&r_running);
  g_assert_error (r_running.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* A queued call cancelled settles once a worker reaches it, without
   * running. */
  wait_done (&r_queued);
  g_assert_error (r_queued.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (g_action_get_enabled (G_ACTION (action)));

  call_result_clear (&r_running);
  call_result_clear (&r_queued);
  close (fds[0]);
  close (fds[1]);
  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, TEST_HANG_US, NULL));
}

#define N_CONCURRENT 200

typedef struct
{
  guint ticks;
  int   fd;
} Ticker;

/* The reads only get their bytes once the loop has ticked a few times
 * while they wait. */
static gboolean
tick_cb (gpointer user_data)
{
  Ticker *ticker = user_data;
  char bytes[N_CONCURRENT];

  if (++ticker->ticks == 3)
    {
      memset (bytes, 'x', sizeof bytes);
      g_assert_cmpint (write (ticker->fd, bytes, sizeof bytes), ==, sizeof bytes);
    }

  return G_SOURCE_CONTINUE;
}

static void
test_offload_concurrent (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new ("offload", 8);
  CallResult *results = g_new0 (CallResult, N_CONCURRENT);
  GInputStream *streams[N_CONCURRENT];
  Ticker ticker = { 0 };
  guint n_done = 0;
  GSource *tick;
  int fds[2];

  g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, NULL));
  ticker.fd = fds[1];

  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      GValue args[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };

      streams[i] = g_unix_input_stream_new (fds[0], FALSE);
      value_object (&args[0], streams[i]);
      g_value_set_uint64 (g_value_init (&args[1], G_TYPE_UINT64), 1);
      value_null (&args[2]);
      ta_executor_call_async (executor, "Gio.InputStream.read_bytes", args, 3, NULL,
                              call_done_cb, &results[i]);
      values_clear (args, 3);
    }

  tick = g_timeout_source_new (1);
  g_source_set_callback (tick, tick_cb, &ticker, NULL);
  g_source_attach (tick, main_context);
  while (n_done < N_CONCURRENT)
    {
      g_main_context_iteration (main_context, TRUE);
      n_done = 0;
      for (guint i = 0; i < N_CONCURRENT; i++)
        n_done += results[i].done;
    }
  g_source_destroy (tick);
  g_source_unref (tick);
  g_assert_cmpuint (ticker.ticks, >=, 3);

  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      g_assert_no_error (results[i].error);
      g_assert_cmpuint (g_bytes_get_size (g_value_get_boxed (&results[i].values[0])), ==, 1);
      call_result_clear (&results[i]);
      g_object_unref (streams[i]);
    }
  g_free (results);
  close (fds[0]);
  close (fds[1]);
  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, TEST_HANG_US, NULL));
}

static void
test_offload_shutdown_pending (void)
{
  TaExecutor *executor = ta_executor_new ("offload", 1);
  CallResult results[6] = { 0 };
  CallResult late = { 0 };
  GValue args[1] = { G_VALUE_INIT };
  int fds[2];

  g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, NULL));

  /* One blocks the worker, without a cancellable of its own: the
   * shutdown's cancellation still reaches the read. */
  call_read_pipe (executor, fds[0], NULL, &results[0]);
  wait_started (executor);
  for (guint i = 1; i < G_N_ELEMENTS (results); i++)
    call_read_pipe (executor, fds[0], NULL, &results[i]);

  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_CANCEL, TEST_HANG_US, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      wait_done (&results[i]);
      g_assert_error (results[i].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      call_result_clear (&results[i]);
    }

  /* And a call after that is refused. */
  call_sync (executor, "GLib.get_user_name", args, 0, &late);
  g_assert_error (late.error, TA_ERROR, TA_ERROR_NOT_RUNNING);
  call_result_clear (&late);

  g_object_unref (executor);
  close (fds[0]);
  close (fds[1]);
}

/* A call that failed on a worker while its callback waits for the
 * caller's main loop is not reported by the shutdown as an error nobody
 * retrieved: the callback gets it, as it gets every outcome. */
static void
test_offload_shutdown_undelivered (void)
{
  g_autoptr(TaExecutor) executor = ta_executor_new ("offload", 2);
  CallResult results[4] = { 0 };
  GValue args[1] = { G_VALUE_INIT };
  GError *error = NULL;

  g_autoptr(GMainContext) callbacks = g_main_context_new ();

  /* The callbacks go to a context nothing iterates until the end. */
  value_string (&args[0], "/nonexistent/ta-offload");
  g_main_context_push_thread_default (callbacks);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    ta_executor_call_async (executor, "GLib.file_get_contents", args, 1, NULL,
                            call_done_cb, &results[i]);
  g_main_context_pop_thread_default (callbacks);
  g_value_unset (&args[0]);

  /* Drained: every call ran; the callbacks may not have. */
  g_assert_true (ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_DRAIN, TEST_HANG_US, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      while (!results[i].done)
        g_main_context_iteration (callbacks, TRUE);
      g_assert_error (results[i].error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
      call_result_clear (&results[i]);
    }
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  test_init (&argc, &argv);
  main_context = g_main_context_new ();
  g_main_context_push_thread_default (main_context);

  g_test_add_func ("/ta/offload/namespace-function", test_offload_namespace_function);
  g_test_add_func ("/ta/offload/interface-method", test_offload_interface_method);
  g_test_add_func ("/ta/offload/constructors", test_offload_constructors);
  g_test_add_func ("/ta/offload/strings-and-enums", test_offload_strings_and_enums);
  g_test_add_func ("/ta/offload/inout-and-lists", test_offload_inout_and_lists);
  g_test_add_func ("/ta/offload/arrays", test_offload_arrays);
  g_test_add_func ("/ta/offload/error", test_offload_error);
  g_test_add_func ("/ta/offload/refused", test_offload_refused);
  g_test_add_func ("/ta/offload/cancel-blocking", test_offload_cancel_blocking);
  g_test_add_func ("/ta/offload/concurrent", test_offload_concurrent);
  g_test_add_func ("/ta/offload/shutdown-pending", test_offload_shutdown_pending);
  g_test_add_func ("/ta/offload/shutdown-undelivered", test_offload_shutdown_undelivered);

  ret = g_test_run ();
  g_main_context_pop_thread_default (main_context);
  g_main_context_unref (main_context);

  return ret;
}
