/* scanner.c: a GTK 4 folder scanner whose main loop never waits for a disk
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Pick a folder: every file in it and below it is read and checksummed
 * (SHA-256) on the worker threads of a TaExecutor, and the results come
 * back to the main thread, where a list and a progress bar show them.
 *
 * Three things keep the main thread's share of the work small:
 *  - the blocking work (listing, reading, hashing) runs on the workers;
 *  - at most MAX_IN_FLIGHT files are submitted at a time, and each result
 *    that comes back submits at most one more, so no dispatch does much;
 *  - results wait in an array and reach the list model from a tick
 *    callback, once per frame, within a small time budget;
 *  - the list is a view that keeps few rows alive (see the window's init).
 *
 * One GCancellable per scan cancels everything in flight at once. Closing
 * the window cancels its scan; the application shuts the executor down
 * before it exits.
 *
 * Run it and pick a folder, or unattended:
 *   scanner --scan DIR --quit-when-done [--inline] [--screenshot FILE.png]
 * which prints what was scanned and the longest time the main loop went
 * without iterating during the scan (see loop-probe.c). --inline does the
 * same work on the main thread, one file per main-loop iteration, for
 * comparison.
 */

#include <gtk/gtk.h>
#include <ta-glib.h>

#include "loop-probe.h"

#define MAX_IN_FLIGHT 32
#define READ_CHUNK    (64 * 1024)
#define SHOW_CHUNK     2
#define SHOW_BUDGET_US 500

/* What the command line asked for. */
static struct
{
  char     *scan;
  gboolean  quit_when_done;
  gboolean  inline_scan;
  char     *screenshot;
  gint      cancel_after;
  gint      close_after;
} options;

static TaExecutor *executor;  /* the worker threads, for the application's life */
static GSource    *probe;     /* measures the main loop, see loop-probe.c */
static guint       n_runs;    /* jobs whose callbacks have not come back yet */

/* ---------------------------------------------------------------------- */
/* One result: a row of the list                                           */
/* ---------------------------------------------------------------------- */

#define SCAN_TYPE_RESULT (scan_result_get_type ())
G_DECLARE_FINAL_TYPE (ScanResult, scan_result, SCAN, RESULT, GObject)

/* Made on the main thread, filled in by its job on a worker, read on the
 * main thread again once the job is done: the job's completion orders the
 * writes before the reads. */
struct _ScanResult
{
  GObject  parent_instance;
  char    *name;      /* relative to the scanned folder */
  char    *path;
  guint64  size;
  char    *checksum;  /* or NULL, and then: */
  char    *error;     /* why the file could not be read */
};

G_DEFINE_FINAL_TYPE (ScanResult, scan_result, G_TYPE_OBJECT)

static void
scan_result_finalize (GObject *object)
{
  ScanResult *self = SCAN_RESULT (object);

  g_free (self->name);
  g_free (self->path);
  g_free (self->checksum);
  g_free (self->error);
  G_OBJECT_CLASS (scan_result_parent_class)->finalize (object);
}

static void
scan_result_class_init (ScanResultClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = scan_result_finalize;
}

static void
scan_result_init (ScanResult *self)
{
}

static ScanResult *
scan_result_new (const char *folder,
                 const char *name)
{
  ScanResult *self = g_object_new (SCAN_TYPE_RESULT, NULL);

  self->name = g_strdup (name);
  self->path = g_build_filename (folder, name, NULL);

  return self;
}

/* ---------------------------------------------------------------------- */
/* The blocking work: on a worker thread, or on the main one with --inline */
/* ---------------------------------------------------------------------- */

static gboolean
list_dir (GFile         *root,
          GFile         *dir,
          GPtrArray     *names,
          GCancellable  *cancellable,
          GError       **error)
{
  g_autoptr(GFileEnumerator) children = NULL;

  children = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                        G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                                        cancellable, error);
  if (children == NULL)
    return FALSE;

  for (;;)
    {
      GFileInfo *info;
      GFile *child;

      if (!g_file_enumerator_iterate (children, &info, &child, cancellable, error))
        return FALSE;
      if (info == NULL)
        return TRUE;

      switch (g_file_info_get_file_type (info))
        {
        case G_FILE_TYPE_DIRECTORY:
          if (!list_dir (root, child, names, cancellable, error))
            return FALSE;
          break;
        case G_FILE_TYPE_REGULAR:
          g_ptr_array_add (names, g_file_get_relative_path (root, child));
          break;
        default:
          break;
        }
    }
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* Every regular file below @folder, by name relative to it. */
static GPtrArray *
list_folder (const char    *folder,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GFile) root = g_file_new_for_path (folder);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  if (!list_dir (root, root, names, cancellable, error))
    return NULL;
  g_ptr_array_sort (names, compare_names);

  return g_steal_pointer (&names);
}

/* Reads the file and fills @result in. A file that cannot be read is a
 * result too; only cancellation fails. */
static gboolean
checksum_file (ScanResult    *result,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (result->path);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GError) read_error = NULL;
  g_autofree guchar *buffer = g_malloc (READ_CHUNK);
  gssize n = 0;

  stream = g_file_read (file, cancellable, &read_error);
  if (stream != NULL)
    {
      /* Each read checks the cancellable: a big file stops early too. */
      while ((n = g_input_stream_read (G_INPUT_STREAM (stream), buffer, READ_CHUNK,
                                       cancellable, &read_error)) > 0)
        {
          g_checksum_update (checksum, buffer, n);
          result->size += n;
        }
    }

  if (g_error_matches (read_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&read_error));
      return FALSE;
    }
  if (read_error != NULL)
    result->error = g_strdup (read_error->message);
  else
    result->checksum = g_strdup (g_checksum_get_string (checksum));

  return TRUE;
}

/* A job: runs on a worker thread. Its result, the listing, goes back to
 * the main thread with the job's completion. */
static void
list_job (GTask        *task,
          GCancellable *cancellable,
          gpointer      folder)
{
  GError *error = NULL;
  GPtrArray *names = list_folder (folder, cancellable, &error);

  if (names == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, names, (GDestroyNotify) g_ptr_array_unref);
}

/* A job: runs on a worker thread, and hands the result it filled in back
 * to the main thread. */
static void
checksum_job (GTask        *task,
              GCancellable *cancellable,
              gpointer      result)
{
  GError *error = NULL;

  if (!checksum_file (result, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_object_ref (result), g_object_unref);
}

/* ---------------------------------------------------------------------- */
/* A scan: main thread only                                                */
/* ---------------------------------------------------------------------- */

#define SCANNER_TYPE_WINDOW (scanner_window_get_type ())
G_DECLARE_FINAL_TYPE (ScannerWindow, scanner_window, SCANNER, WINDOW, GtkApplicationWindow)

typedef struct
{
  ScannerWindow *window;       /* unowned, NULL once the window let go */
  GCancellable  *cancellable;  /* cancels every job of the scan at once */
  char          *folder;
  GPtrArray     *names;        /* every file, once listed */
  guint          next;         /* the next file to submit */
  guint          n_in_flight;  /* jobs submitted, callbacks not back */
  gboolean       listing;
  guint          inline_id;    /* the idle source of an inline scan; it
                                * holds a reference on the scan */
  guint          n_done;
  guint64        n_bytes;
  guint64        n_bytes_shown;
  GPtrArray     *pending;      /* ScanResult not in the list yet */
  GError        *error;        /* why the scan failed, if it did */
  gint64         start_us;
} Scan;

static void scan_submit (Scan *scan);

static void
scan_clear (Scan *scan)
{
  g_object_unref (scan->cancellable);
  g_free (scan->folder);
  g_clear_pointer (&scan->names, g_ptr_array_unref);
  g_ptr_array_unref (scan->pending);
  g_clear_error (&scan->error);
}

static Scan *
scan_ref (Scan *scan)
{
  return g_rc_box_acquire (scan);
}

static void
scan_unref (Scan *scan)
{
  g_rc_box_release_full (scan, (GDestroyNotify) scan_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Scan, scan_unref)

static void
scan_add_result (Scan       *scan,
                 ScanResult *result)
{
  scan->n_done++;
  scan->n_bytes += result->size;
  g_ptr_array_add (scan->pending, result);
}

/* The end of a job's hand-off, in a callback of ta_executor_run_async(),
 * which runs in the context that called it: here, the main thread's. The
 * job comes back done, or NULL with its error or a cancellation. */
static TaTask *
scan_run_finish (GAsyncResult  *res,
                 GError       **error)
{
  n_runs--;
  return ta_executor_run_finish (executor, res, error);
}

static void
checksum_done_cb (GObject      *source,
                  GAsyncResult *res,
                  gpointer      user_data)
{
  g_autoptr(Scan) scan = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TaTask) task = scan_run_finish (res, &error);
  ScannerWindow *window;

  scan->n_in_flight--;
  if (task != NULL)
    scan_add_result (scan, ta_task_propagate_pointer (task, NULL));
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && scan->error == NULL)
    scan->error = g_steal_pointer (&error);
  scan_submit (scan);

  /* What the command line asked to do mid-scan. */
  window = scan->window;
  if (window == NULL || task == NULL)
    return;
  if (scan->n_done == (guint) options.cancel_after)
    g_action_group_activate_action (G_ACTION_GROUP (window), "cancel", NULL);
  if (scan->n_done == (guint) options.close_after)
    gtk_window_close (GTK_WINDOW (window));
}

/* Keeps up to MAX_IN_FLIGHT jobs on the executor. */
static void
scan_submit (Scan *scan)
{
  while (scan->names != NULL && scan->next < scan->names->len &&
         scan->n_in_flight < MAX_IN_FLIGHT &&
         !g_cancellable_is_cancelled (scan->cancellable))
    {
      ScanResult *result = scan_result_new (scan->folder, scan->names->pdata[scan->next++]);

      scan->n_in_flight++;
      n_runs++;
      /* The result goes to a worker with the job (its user data), and
       * comes back with the job's completion, to checksum_done_cb() here
       * on the main thread; the scan's cancellable cancels both the job
       * and the wait. */
      ta_executor_run_async (executor, "checksum", checksum_job, result, g_object_unref,
                             scan->cancellable, checksum_done_cb, scan_ref (scan));
    }
}

/* On the main thread, like every callback of an _async call made here. */
static void
listed_cb (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  g_autoptr(Scan) scan = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TaTask) task = scan_run_finish (res, &error);

  scan->listing = FALSE;
  if (task != NULL)
    scan->names = ta_task_propagate_pointer (task, &error);
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    scan->error = g_steal_pointer (&error);
  scan_submit (scan);
}

/* An inline scan: the same work on the main thread, one file per main-loop
 * iteration, the kindest way to do it there. */
static gboolean
scan_inline_step (gpointer user_data)
{
  Scan *scan = user_data;
  ScanResult *result;

  if (scan->names == NULL)
    scan->names = list_folder (scan->folder, scan->cancellable, &scan->error);
  else if (scan->next < scan->names->len && !g_cancellable_is_cancelled (scan->cancellable))
    {
      result = scan_result_new (scan->folder, scan->names->pdata[scan->next++]);
      if (checksum_file (result, scan->cancellable, NULL))
        scan_add_result (scan, result);
      else
        g_object_unref (result);
    }

  if (scan->names != NULL && scan->next < scan->names->len &&
      !g_cancellable_is_cancelled (scan->cancellable))
    return G_SOURCE_CONTINUE;

  scan->inline_id = 0;
  return G_SOURCE_REMOVE;
}

static Scan *
scan_start (ScannerWindow *window,
            const char    *folder,
            gboolean       inline_scan)
{
  Scan *scan = g_rc_box_new0 (Scan);

  scan->window = window;
  scan->cancellable = g_cancellable_new ();
  scan->folder = g_strdup (folder);
  scan->pending = g_ptr_array_new_with_free_func (g_object_unref);
  scan->start_us = g_get_monotonic_time ();
  loop_probe_reset (probe);

  if (inline_scan)
    {
      scan->inline_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, scan_inline_step,
                                         scan_ref (scan), (GDestroyNotify) scan_unref);
      return scan;
    }

  /* The listing runs on a worker; listed_cb() gets it back here. */
  scan->listing = TRUE;
  n_runs++;
  ta_executor_run_async (executor, "list", list_job, g_strdup (folder), g_free,
                         scan->cancellable, listed_cb, scan_ref (scan));
  return scan;
}

/* Over once no work is left and every result is in the list. */
static gboolean
scan_is_finished (Scan *scan)
{
  return !scan->listing && scan->n_in_flight == 0 && scan->inline_id == 0 &&
         scan->pending->len == 0;
}

/* ---------------------------------------------------------------------- */
/* The window                                                              */
/* ---------------------------------------------------------------------- */

struct _ScannerWindow
{
  GtkApplicationWindow  parent_instance;

  GtkLabel             *status;
  GtkProgressBar       *progress;
  GListStore           *results;     /* ScanResult */
  Scan                 *scan;        /* the last scan started */
  guint                 tick_id;     /* shows results while a scan runs */
  GdkPaintable         *camera;      /* for --screenshot */
  gboolean              screenshot_saved;
};

G_DEFINE_FINAL_TYPE (ScannerWindow, scanner_window, GTK_TYPE_APPLICATION_WINDOW)

static void scanner_window_scan_finished (ScannerWindow *self);

static void
scanner_window_drop_scan (ScannerWindow *self)
{
  if (self->scan == NULL)
    return;
  /* Its jobs stop, its callbacks still come back, and find no window. */
  g_cancellable_cancel (self->scan->cancellable);
  self->scan->window = NULL;
  g_clear_pointer (&self->scan, scan_unref);
}

/* Saves what the window showed in its last frame, once it has one. */
static gboolean
scanner_window_save_screenshot (ScannerWindow *self,
                                const char    *filename)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  gdk_paintable_snapshot (self->camera, snapshot,
                          gdk_paintable_get_intrinsic_width (self->camera),
                          gdk_paintable_get_intrinsic_height (self->camera));
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return FALSE;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (self)),
                                         node, NULL);
  if (!gdk_texture_save_to_png (texture, filename))
    g_printerr ("Could not save %s\n", filename);
  return TRUE;
}

/* Moves what arrived since the last frame into the list, a few rows per
 * splice, for SHOW_BUDGET_US at most. While the view fills up, each new
 * row makes widgets, which the frame then styles and lays out: a hundred
 * at once would take more than a frame on a slow machine. Once the view
 * is full, a splice costs next to nothing. */
static void
scanner_window_show_results (ScannerWindow *self)
{
  Scan *scan = self->scan;
  guint total = scan->names != NULL ? scan->names->len : 0;
  gint64 deadline = g_get_monotonic_time () + SHOW_BUDGET_US;
  guint shown = 0;
  g_autofree char *bytes = NULL;
  g_autofree char *text = NULL;

  while (shown < scan->pending->len && g_get_monotonic_time () < deadline)
    {
      guint n = MIN (SHOW_CHUNK, scan->pending->len - shown);

      g_list_store_splice (self->results, g_list_model_get_n_items (G_LIST_MODEL (self->results)),
                           0, scan->pending->pdata + shown, n);
      for (guint i = 0; i < n; i++)
        scan->n_bytes_shown += SCAN_RESULT (scan->pending->pdata[shown++])->size;
    }
  g_ptr_array_remove_range (scan->pending, 0, shown);

  shown = g_list_model_get_n_items (G_LIST_MODEL (self->results));
  if (total > 0)
    gtk_progress_bar_set_fraction (self->progress, (double) shown / total);
  bytes = g_format_size (scan->n_bytes_shown);
  text = g_strdup_printf ("%u of %u files, %s", shown, total, bytes);
  gtk_label_set_text (self->status, text);
}

/* Once per frame while a scan runs, on the main thread. */
static gboolean
scanner_window_tick (GtkWidget     *widget,
                     GdkFrameClock *frame_clock,
                     gpointer       user_data)
{
  ScannerWindow *self = SCANNER_WINDOW (widget);
  Scan *scan = self->scan;

  scanner_window_show_results (self);
  if (scan_is_finished (scan))
    {
      self->tick_id = 0;
      scanner_window_scan_finished (self);
      return G_SOURCE_REMOVE;
    }

  /* Mid-scan: a widget paintable follows what the window paints, and
   * has a picture once a frame was painted after it was made. */
  if (options.screenshot != NULL && !self->screenshot_saved && self->camera != NULL)
    self->screenshot_saved = scanner_window_save_screenshot (self, options.screenshot);
  else if (options.screenshot != NULL && self->camera == NULL && scan->names != NULL &&
           g_list_model_get_n_items (G_LIST_MODEL (self->results)) * 2 >= scan->names->len)
    self->camera = gtk_widget_paintable_new (widget);

  return G_SOURCE_CONTINUE;
}

/* The digest of every result, sha256sum-style lines in name order, for the
 * unattended run to show that each file was read whole. */
static char *
scanner_window_dup_digest (ScannerWindow *self)
{
  GListModel *model = G_LIST_MODEL (self->results);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GChecksum) digest = g_checksum_new (G_CHECKSUM_SHA256);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ScanResult) result = g_list_model_get_item (model, i);

      g_ptr_array_add (lines, g_strdup_printf ("%s  %s\n",
                                               result->checksum ? result->checksum : "-",
                                               result->name));
    }
  g_ptr_array_sort (lines, compare_names);
  for (guint i = 0; i < lines->len; i++)
    g_checksum_update (digest, lines->pdata[i], -1);

  return g_strdup (g_checksum_get_string (digest));
}

static void
scanner_window_report (ScannerWindow        *self,
                       const LoopProbeStats *stats,
                       double                seconds)
{
  Scan *scan = self->scan;
  g_autofree char *digest = scanner_window_dup_digest (self);

  if (scan->error != NULL)
    g_print ("failed: %s\n", scan->error->message);
  else if (g_cancellable_is_cancelled (scan->cancellable))
    g_print ("cancelled: %u of %u files\n", scan->n_done,
             scan->names != NULL ? scan->names->len : 0);
  g_print ("%s scan: %u files, %" G_GUINT64_FORMAT " bytes in %.2f s\n",
           options.inline_scan ? "inline" : "threaded", scan->n_done, scan->n_bytes, seconds);
  g_print ("digest: %s\n", digest);
  g_print ("longest main-loop block: %.2f ms of main-thread CPU time (%.2f ms by the wall clock), "
           "%" G_GUINT64_FORMAT " iterations\n",
           stats->longest_us / 1000.0, stats->longest_wall_us / 1000.0, stats->n_iterations);
}

static void
scanner_window_scan_finished (ScannerWindow *self)
{
  Scan *scan = self->scan;
  LoopProbeStats stats;
  double seconds = (g_get_monotonic_time () - scan->start_us) / (double) G_USEC_PER_SEC;
  g_autofree char *text = NULL;

  loop_probe_get (probe, &stats);
  if (options.screenshot != NULL && !self->screenshot_saved)
    g_printerr ("The scan ended before a screenshot could be taken\n");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "cancel")),
                               FALSE);

  if (scan->error != NULL)
    text = g_strdup_printf ("Failed: %s", scan->error->message);
  else if (g_cancellable_is_cancelled (scan->cancellable))
    text = g_strdup_printf ("Cancelled after %u files.", scan->n_done);
  else
    text = g_strdup_printf ("%u files in %.1f s; the main loop never waited longer than %.1f ms.",
                            scan->n_done, seconds, stats.longest_us / 1000.0);
  gtk_label_set_text (self->status, text);

  if (options.scan != NULL)
    scanner_window_report (self, &stats, seconds);
  if (options.quit_when_done)
    gtk_window_close (GTK_WINDOW (self));
}

static void
scanner_window_scan (ScannerWindow *self,
                     const char    *folder)
{
  scanner_window_drop_scan (self);
  g_list_store_remove_all (self->results);
  gtk_progress_bar_set_fraction (self->progress, 0);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "cancel")),
                               TRUE);
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), scanner_window_tick, NULL, NULL);
  self->scan = scan_start (self, folder, options.inline_scan);
}

static void
folder_chosen_cb (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         user_data)
{
  ScannerWindow *self = user_data;
  g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  g_autofree char *path = folder != NULL ? g_file_get_path (folder) : NULL;

  /* The window may have been closed while the dialog was up. */
  if (response == GTK_RESPONSE_ACCEPT && path != NULL && gtk_widget_get_mapped (GTK_WIDGET (self)))
    scanner_window_scan (self, path);
  g_object_unref (dialog);
}

static void
open_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new ("Scan Folder", GTK_WINDOW (user_data),
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                        "_Scan", "_Cancel");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect_data (dialog, "response", G_CALLBACK (folder_chosen_cb),
                         g_object_ref (user_data), (GClosureNotify) (void (*) (void)) g_object_unref, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
cancel_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  ScannerWindow *self = user_data;

  /* One call, from the main thread, reaches every job of the scan on
   * whichever worker it runs or waits; their callbacks come back here
   * with G_IO_ERROR_CANCELLED, and the last one finishes the scan. */
  if (self->scan != NULL)
    g_cancellable_cancel (self->scan->cancellable);
}

/* One row: the file's name, its size and its checksum, side by side. */
static GtkWidget *
row_new (const char *name,
         const char *size,
         const char *checksum)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *label;

  label = gtk_label_new (name);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_size_request (label, 200, -1);
  gtk_box_append (GTK_BOX (row), label);

  label = gtk_label_new (size);
  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_widget_set_size_request (label, 80, -1);
  gtk_box_append (GTK_BOX (row), label);

  label = gtk_label_new (checksum);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (row), label);

  return row;
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  GtkWidget *row = row_new (NULL, NULL, NULL);

  gtk_widget_add_css_class (gtk_widget_get_last_child (row), "monospace");
  gtk_list_item_set_child (item, row);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  ScanResult *result = gtk_list_item_get_item (item);
  GtkWidget *name = gtk_widget_get_first_child (gtk_list_item_get_child (item));
  GtkWidget *size = gtk_widget_get_next_sibling (name);
  GtkWidget *checksum = gtk_widget_get_next_sibling (size);
  g_autofree char *size_text = g_format_size (result->size);

  gtk_label_set_text (GTK_LABEL (name), result->name);
  gtk_label_set_text (GTK_LABEL (size), size_text);
  gtk_label_set_text (GTK_LABEL (checksum),
                      result->checksum != NULL ? result->checksum : result->error);
}

static const GActionEntry window_actions[] = {
  { .name = "open", .activate = open_activated },
  { .name = "cancel", .activate = cancel_activated },
};

static void
scanner_window_dispose (GObject *object)
{
  ScannerWindow *self = SCANNER_WINDOW (object);

  scanner_window_drop_scan (self);
  g_clear_object (&self->results);
  g_clear_object (&self->camera);
  G_OBJECT_CLASS (scanner_window_parent_class)->dispose (object);
}

static void
scanner_window_class_init (ScannerWindowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = scanner_window_dispose;
}

static void
scanner_window_init (ScannerWindow *self)
{
  GtkWidget *header = gtk_header_bar_new ();
  GtkWidget *open = gtk_button_new_with_mnemonic ("_Open Folder…");
  GtkWidget *cancel = gtk_button_new_with_mnemonic ("_Cancel");
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkListItemFactory *factory;
  GtkWidget *titles;
  GtkWidget *view;

  g_action_map_add_action_entries (G_ACTION_MAP (self), window_actions,
                                   G_N_ELEMENTS (window_actions), self);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "cancel")),
                               FALSE);
  gtk_window_set_title (GTK_WINDOW (self), "Folder Scanner");
  gtk_window_set_default_size (GTK_WINDOW (self), 720, 480);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (open), "win.open");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "win.cancel");
  gtk_header_bar_pack_start (GTK_HEADER_BAR (header), open);
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), cancel);
  gtk_window_set_titlebar (GTK_WINDOW (self), header);

  self->status = GTK_LABEL (gtk_label_new ("Open a folder to checksum every file in it."));
  gtk_label_set_xalign (self->status, 0);
  self->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  self->results = g_list_store_new (SCAN_TYPE_RESULT);
  /* The list: a grid view of one column, not a GtkListView or a
   * GtkColumnView. Those keep 200 rows alive whatever the window's height,
   * and lay each of them out again whenever the model changes, which costs
   * a frame's time on a slow machine; a grid view keeps about 30. */
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  view = gtk_grid_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (
                              g_object_ref (G_LIST_MODEL (self->results)))), factory);
  gtk_grid_view_set_max_columns (GTK_GRID_VIEW (view), 1);
  gtk_widget_add_css_class (view, "results");
  titles = row_new ("File", "Size", "SHA-256");
  for (GtkWidget *label = gtk_widget_get_first_child (titles); label != NULL;
       label = gtk_widget_get_next_sibling (label))
    gtk_widget_add_css_class (label, "heading");
  gtk_widget_set_margin_start (titles, 12);
  gtk_widget_set_margin_end (titles, 12);


  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->status));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->progress));
  gtk_box_append (GTK_BOX (box), titles);
  gtk_box_append (GTK_BOX (box), scrolled);
  gtk_window_set_child (GTK_WINDOW (self), box);
}

/* ---------------------------------------------------------------------- */
/* The application                                                         */
/* ---------------------------------------------------------------------- */

static const GOptionEntry option_entries[] = {
  { "scan", 0, 0, G_OPTION_ARG_FILENAME, &options.scan,
    "Scan a folder at once, unattended, and print what it took", "DIR" },
  { "quit-when-done", 0, 0, G_OPTION_ARG_NONE, &options.quit_when_done,
    "Quit once the scan is over", NULL },
  { "inline", 0, 0, G_OPTION_ARG_NONE, &options.inline_scan,
    "Do the work on the main thread instead, for comparison", NULL },
  { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &options.screenshot,
    "Save a picture of the window mid-scan", "FILE.png" },
  { "cancel-after", 0, 0, G_OPTION_ARG_INT, &options.cancel_after,
    "Press Cancel once this many files are done", "N" },
  { "close-after", 0, 0, G_OPTION_ARG_INT, &options.close_after,
    "Close the window once this many files are done", "N" },
  { NULL }
};

static int
handle_local_options (GApplication *app,
                      GVariantDict *dict,
                      gpointer      user_data)
{
  /* An unattended run is an instance of its own, which needs no bus. */
  if (options.scan != NULL)
    g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);

  return -1;
}

static gboolean
start_unattended_scan (gpointer window)
{
  scanner_window_scan (window, options.scan);
  return G_SOURCE_REMOVE;
}

/* The unattended scan starts once the window has painted its first frame,
 * as if someone had clicked: start-up is not part of the measurement. */
static void
first_frame_painted (GdkFrameClock *frame_clock,
                     gpointer       window)
{
  g_signal_handlers_disconnect_by_func (frame_clock, first_frame_painted, window);
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, start_unattended_scan,
                   g_object_ref (window), g_object_unref);
}

static void
window_mapped (GtkWidget *window)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (first_frame_painted), window);
}

static void
activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    {
      window = g_object_new (SCANNER_TYPE_WINDOW, "application", app, NULL);
      if (options.scan != NULL)
        g_signal_connect (window, "map", G_CALLBACK (window_mapped), NULL);
    }
  gtk_window_present (window);
}

static void
startup (GApplication *app)
{
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  /* Rows as tight as a list's, not spaced like a grid's icons. */
  gtk_css_provider_load_from_data (css,
                                   "gridview.results > child { padding: 3px 12px; }"
                                   "gridview.results > child > box { margin: 0; border-spacing: 12px; }", -1);
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  /* One core stays free for the main thread (and the display server). */
  executor = ta_executor_new ("scanner", CLAMP (g_get_num_processors () - 1, 1, 4));
  probe = loop_probe_new ();
  g_source_attach (probe, NULL);
}

static void
shutdown (GApplication *app)
{
  guint n_left = n_runs;
  gint64 start = g_get_monotonic_time ();
  g_autoptr(GError) error = NULL;

  /* Every window, and so every scan, is gone. Fail the jobs that have not
   * started, cancel the running ones and join the workers: no thread
   * outlives the application. */
  if (!ta_executor_shutdown (executor, TA_EXECUTOR_SHUTDOWN_CANCEL, 5 * G_USEC_PER_SEC, &error))
    g_printerr ("Executor shutdown: %s\n", error->message);
  /* The callbacks of cancelled jobs still come to this thread; let them
   * in, so that nothing they hold is leaked. */
  while (n_runs > 0)
    g_main_context_iteration (NULL, TRUE);
  if (options.scan != NULL && n_left > 0)
    g_print ("stopped with %u jobs in flight in %.1f ms\n",
             n_left, (g_get_monotonic_time () - start) / 1000.0);

  g_clear_object (&executor);
  g_source_destroy (probe);
  g_clear_pointer (&probe, g_source_unref);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GtkApplication) app = gtk_application_new ("org.example.TaScanner",
                                                       G_APPLICATION_DEFAULT_FLAGS);
  int status;

  g_application_add_main_option_entries (G_APPLICATION (app), option_entries);
  g_signal_connect (app, "handle-local-options", G_CALLBACK (handle_local_options), NULL);
  g_signal_connect (app, "startup", G_CALLBACK (startup), NULL);
  g_signal_connect (app, "activate", G_CALLBACK (activate), NULL);
  g_signal_connect (app, "shutdown", G_CALLBACK (shutdown), NULL);
  status = g_application_run (G_APPLICATION (app), argc, argv);

  g_free (options.scan);
  g_free (options.screenshot);
  return status;
}
