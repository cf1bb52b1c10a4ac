/* bench-common.h: timing helpers for the benchmarks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every figure is the median of several runs and is printed beside a
 * baseline measured in the same process, so that ratios hold on a noisy
 * machine.
 */

#pragma once

#define _GNU_SOURCE
#include <sched.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

typedef struct
{
  guint runs;        /* how many times each measurement is repeated */
  double scale;      /* multiplies iteration counts */
  gboolean pinned;   /* measure with every thread on CPU 0 */
  gboolean unpinned;
  gboolean contention; /* measure unpinned again, a busy process on every CPU */
} BenchOptions;

static inline BenchOptions
bench_parse_options (int    argc,
                     char **argv)
{
  BenchOptions options = { 7, 1.0, TRUE, TRUE, FALSE };

  for (int i = 1; i < argc; i++)
    {
      if (g_str_has_prefix (argv[i], "--runs="))
        options.runs = MAX (1, atoi (argv[i] + 7));
      else if (g_str_has_prefix (argv[i], "--scale="))
        options.scale = MAX (0.001, g_ascii_strtod (argv[i] + 8, NULL));
      else if (g_str_equal (argv[i], "--pinned-only"))
        options.unpinned = FALSE;
      else if (g_str_equal (argv[i], "--unpinned-only"))
        options.pinned = FALSE;
      else if (g_str_equal (argv[i], "--contention"))
        options.contention = TRUE;
      else if (g_str_equal (argv[i], "--contention-only"))
        options.contention = TRUE, options.pinned = options.unpinned = FALSE;
      else
        {
          g_printerr ("usage: %s [--runs=N] [--scale=X] [--pinned-only|--unpinned-only]"
                      " [--contention|--contention-only]\n", argv[0]);
          exit (2);
        }
    }

  return options;
}

static inline guint
bench_count (const BenchOptions *options,
             guint               count)
{
  return MAX (1, (guint) (count * options->scale));
}

static int
bench_compare_double (gconstpointer a,
                      gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static inline double
bench_median (double *values,
              guint   n)
{
  qsort (values, n, sizeof (double), bench_compare_double);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* Threads created after this inherit the affinity: pin before starting
 * the threads under test. */
static inline void
bench_set_pinned (gboolean pinned)
{
  cpu_set_t set;

  CPU_ZERO (&set);
  if (pinned)
    CPU_SET (0, &set);
  else
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
      CPU_SET (cpu, &set);
  sched_setaffinity (0, sizeof set, &set);
}

/* Prints one figure beside its baseline. @higher_is_better decides the
 * direction of the ratio so that a ratio above 1 always means "faster". */
static inline void
bench_report (const char *label,
              double      value,
              const char *unit,
              double      baseline,
              gboolean    higher_is_better)
{
  double ratio = higher_is_better ? value / baseline : baseline / value;

  g_print ("  %-52s %10.3f %-6s  %5.2fx the baseline\n", label, value, unit, ratio);
}

static inline void
bench_report_baseline (const char *label,
                       double      value,
                       const char *unit)
{
  g_print ("  %-52s %10.3f %-6s  (baseline)\n", label, value, unit);
}

/*
 * Contention: one busy process per online CPU, at nice 19, each on its
 * own CPU, so that the threads measured always find their CPU taken.
 * They die with the benchmark (PR_SET_PDEATHSIG) even if it crashes, and
 * are killed and reaped by bench_contention_stop().
 */
static inline GArray *
bench_contention_start (void)
{
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (pid_t));
  guint n_cpus = g_get_num_processors ();

  for (guint cpu = 0; cpu < n_cpus; cpu++)
    {
      pid_t pid = fork ();

      if (pid < 0)
        g_error ("fork: %s", g_strerror (errno));
      if (pid == 0)
        {
          cpu_set_t set;
          volatile guint64 spins = 0;

          prctl (PR_SET_PDEATHSIG, SIGKILL);
          if (getppid () == 1)
            _exit (0);
          setpriority (PRIO_PROCESS, 0, 19);
          CPU_ZERO (&set);
          CPU_SET (cpu, &set);
          sched_setaffinity (0, sizeof set, &set);
          for (;;)
            spins++;
        }
      g_array_append_val (pids, pid);
    }

  return pids;
}

static inline void
bench_contention_stop (GArray *pids)
{
  for (guint i = 0; i < pids->len; i++)
    kill (g_array_index (pids, pid_t, i), SIGKILL);
  for (guint i = 0; i < pids->len; i++)
    waitpid (g_array_index (pids, pid_t, i), NULL, 0);
  g_array_unref (pids);
}

typedef void (*BenchRunFunc) (const BenchOptions *options,
                              gboolean            pinned);

/* The main() of every benchmark: unpinned, then pinned, then (on
 * request) unpinned under contention. */
static inline int
bench_main (int           argc,
            char        **argv,
            const char   *name,
            const char   *version,
            BenchRunFunc  run)
{
  BenchOptions options = bench_parse_options (argc, argv);

  g_print ("%s: ta-glib %s, GLib %u.%u.%u, %u CPUs online\n",
           name, version, glib_major_version, glib_minor_version, glib_micro_version,
           g_get_num_processors ());
  if (options.unpinned)
    run (&options, FALSE);
  if (options.pinned)
    run (&options, TRUE);
  if (options.contention)
    {
      GArray *busy = bench_contention_start ();

      g_print ("\n== contention: a busy process at nice 19 on each of %u CPUs ==",
               busy->len);
      run (&options, FALSE);
      bench_contention_stop (busy);
    }

  return 0;
}
