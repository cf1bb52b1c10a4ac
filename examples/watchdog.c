/* watchdog.c: a watchdog on the program's own main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A source named "slow-work" blocks the main loop on purpose. The
 * watchdog, on its own thread, logs the stall while it lasts (a structured
 * "Ta-Message" on stderr, with the thread's stack: SIGURG lets it ask the
 * stalled thread); its "stall" signal reaches this program on the main
 * loop once the loop runs again. Build with -rdynamic for named frames.
 */

#include <signal.h>
#include <ta-glib.h>

#define THRESHOLD_US (100 * 1000)

static gboolean
slow_work (gpointer data)
{
  TaWatchdog *watchdog = data;
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  /* Busy until the watchdog has seen the stall (at most 30 s). */
  while (ta_watchdog_get_n_stalls (watchdog) == 0 && g_get_monotonic_time () < end)
    g_usleep (1000);

  return G_SOURCE_REMOVE;
}

static void
on_stall (TaWatchdog *watchdog,
          TaStall    *stall,
          gpointer    data)
{
  GMainLoop *loop = data;

  if (!ta_stall_is_over (stall))
    {
      g_print ("stall %u while it lasted: %s\n", ta_stall_get_number (stall),
               ta_stall_get_what (stall));
      return;
    }

  g_print ("stall %u over: %s, past the threshold: %s\n", ta_stall_get_number (stall),
           ta_stall_get_what (stall),
           ta_stall_get_duration (stall) >= THRESHOLD_US ? "yes" : "no");
  g_main_loop_quit (loop);
}

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(TaWatchdog) watchdog = ta_watchdog_new (NULL, THRESHOLD_US);
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GVariant) sources = NULL;
  const char *worst = NULL;
  guint32 count = 0;
  gint64 total = 0, longest = 0;
  GSource *source;

  ta_watchdog_set_interrupt_signal (watchdog, SIGURG);
  g_signal_connect (watchdog, "stall", G_CALLBACK (on_stall), loop);

  source = g_idle_source_new ();
  g_source_set_name (source, "slow-work");
  g_source_set_callback (source, slow_work, watchdog, NULL);
  g_source_attach (source, NULL);
  g_source_unref (source);

  g_main_loop_run (loop);
  /* Detach before the loop stops for good: a loop nobody iterates any
   * more would look stalled. */
  ta_watchdog_detach (watchdog);

  stats = ta_watchdog_dup_statistics (watchdog);
  sources = g_variant_lookup_value (stats, "sources", G_VARIANT_TYPE ("a(suxx)"));
  g_variant_get_child (sources, 0, "(&suxx)", &worst, &count, &total, &longest);
  g_print ("stalls: %u, the worst source: %s (%u)\n",
           ta_watchdog_get_n_stalls (watchdog), worst, count);

  return 0;
}
