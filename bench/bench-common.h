/* bench-common.h: options, timing, machine facts and contention for the
 * benchmarks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every figure is the median of several runs and is printed beside a
 * baseline measured in the same process, in the same phase, so that the
 * ratio holds on a noisy machine; so is the CPU time every case used per
 * item, which other load moves less than wall time. Absolute figures only describe the
 * machine they came from: each benchmark therefore starts by printing
 * that machine, and ends by saying whether other processes were using it.
 */

#pragma once

#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

/* A 1-minute load average above this, before the benchmark starts, means
 * that something else was running. */
#define BENCH_LOAD_THRESHOLD 0.5
/* Other processes using more than this many CPUs on average while the
 * benchmark ran, from /proc/stat less the benchmark's own CPU time. */
#define BENCH_OTHER_CPU_THRESHOLD 0.1

typedef struct
{
  guint runs;          /* how many times each measurement is repeated */
  double scale;        /* multiplies iteration counts */
  gboolean pinned;     /* measure with every thread on CPU 0 */
  gboolean unpinned;
  gboolean contention; /* measure again with a busy process on every CPU */
  gboolean contention_only;
} BenchOptions;

static inline void
bench_usage (const char *argv0)
{
  g_printerr ("usage: %s [--runs=N] [--scale=X] [--pinned-only|--unpinned-only]\n"
              "          [--no-contention|--contention-only]\n"
              "  --no-contention    skip the phase run beside a busy process per CPU\n"
              "  --contention-only  run that phase alone (bench-runner, bench-queue)\n",
              argv0);
  exit (2);
}

static inline BenchOptions
bench_parse_options (int    argc,
                     char **argv)
{
  BenchOptions options = { 7, 1.0, TRUE, TRUE, TRUE, FALSE };

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
      else if (g_str_equal (argv[i], "--no-contention"))
        options.contention = FALSE;
      else if (g_str_equal (argv[i], "--contention-only"))
        options.contention_only = TRUE;
      else
        bench_usage (argv[0]);
    }
  if (options.contention_only && !options.contention)
    bench_usage (argv[0]);

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

/* Pins every thread of the process to CPU 0, or lets every thread run
 * anywhere. Threads created later inherit the affinity of the thread
 * that creates them, but threads that already exist must be moved too:
 * GLib keeps idle thread-pool threads (those of g_task_run_in_thread(),
 * of every shared GThreadPool) and its GIO worker thread from one phase
 * to the next, and a baseline run on them would otherwise be measured
 * unpinned in the pinned phase, or pinned in a later unpinned one. */
static inline void
bench_set_pinned (gboolean pinned)
{
  cpu_set_t set;
  GDir *tasks;
  const char *tid;

  CPU_ZERO (&set);
  if (pinned)
    CPU_SET (0, &set);
  else
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
      CPU_SET (cpu, &set);
  sched_setaffinity (0, sizeof set, &set);

  tasks = g_dir_open ("/proc/self/task", 0, NULL);
  while (tasks != NULL && (tid = g_dir_read_name (tasks)) != NULL)
    sched_setaffinity ((pid_t) atoi (tid), sizeof set, &set);
  g_clear_pointer (&tasks, g_dir_close);
}

/* ---------------------------------------------------------------------- */
/* Measuring several ways of doing one job                                 */
/* ---------------------------------------------------------------------- */

/* Does the job @n times and returns the figure (µs per item, items per
 * second, ...). */
typedef double (*BenchFunc) (gpointer data,
                             guint    n);

typedef struct
{
  const char *label;
  BenchFunc   func;
  gpointer    data;
  double      median;   /* out */
  double      low;      /* out: the lowest and the highest run */
  double      high;
  double      cpu_us;   /* out: median CPU time per item, µs */
} BenchCase;

/* The CPU time every thread of this process has used so far, in µs.
 * What a job costs in CPU moves far less with other load than what it
 * takes in wall time: a thread that waits for a CPU uses none. */
static inline double
bench_process_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Measures every case @runs times, @n items a time, and stores the
 * medians of its figure and of the CPU time the process used per item
 * (setting up a case, a thread or a pool, counts in it too, spread over
 * the @n items). Each case is warmed up first, and the order of the
 * cases rotates from one run to the next, so that no case, the baseline
 * included, always runs right after the same other one: what a case
 * leaves behind (a heap grown by a million objects, another thread's
 * spin, a CPU clocked up or down) then weighs on every case alike. */
static inline void
bench_measure (BenchCase *cases,
               guint      n_cases,
               guint      runs,
               guint      n)
{
  double *values = g_new (double, (gsize) n_cases * runs);
  double *cpu = g_new (double, (gsize) n_cases * runs);

  for (guint k = 0; k < n_cases; k++)
    cases[k].func (cases[k].data, n / 10 + 1);
  for (guint r = 0; r < runs; r++)
    for (guint i = 0; i < n_cases; i++)
      {
        guint k = (r + i) % n_cases;
        double start = bench_process_cpu_us ();

        values[k * runs + r] = cases[k].func (cases[k].data, n);
        cpu[k * runs + r] = (bench_process_cpu_us () - start) / n;
      }
  for (guint k = 0; k < n_cases; k++)
    {
      double *v = values + k * runs;

      cases[k].median = bench_median (v, runs);
      cases[k].low = v[0];
      cases[k].high = v[runs - 1];
      cases[k].cpu_us = bench_median (cpu + k * runs, runs);
    }
  g_free (values);
  g_free (cpu);
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

/* Prints the cases of a phase measured by bench_measure(), under a title
 * line the caller printed: each figure (times @unit_scale, in @unit)
 * beside the first case, the baseline, whose lowest and highest runs are
 * printed too (a baseline whose runs spread widely makes every ratio
 * beside it doubtful). Then, under "@name: CPU time per @item", the CPU
 * time each case used per item, beside the baseline's; there a ratio
 * above 1 means "cheaper". */
static inline void
bench_report_cases (const char      *name,
                    const char      *item,
                    const BenchCase *cases,
                    guint            n_cases,
                    guint            runs,
                    double           unit_scale,
                    const char      *unit,
                    gboolean         higher_is_better)
{
  g_print ("  %-52s %10.3f %-6s  (baseline; runs %.3f-%.3f)\n", cases[0].label,
           cases[0].median * unit_scale, unit, cases[0].low * unit_scale,
           cases[0].high * unit_scale);
  for (guint k = 1; k < n_cases; k++)
    bench_report (cases[k].label, cases[k].median * unit_scale, unit,
                  cases[0].median * unit_scale, higher_is_better);

  g_print ("%s: CPU time per %s, every thread of the process (median of %u runs)\n",
           name, item, runs);
  bench_report_baseline (cases[0].label, cases[0].cpu_us, "us");
  for (guint k = 1; k < n_cases; k++)
    bench_report (cases[k].label, cases[k].cpu_us, "us", cases[0].cpu_us, FALSE);
}

/* ---------------------------------------------------------------------- */
/* The machine                                                             */
/* ---------------------------------------------------------------------- */

static inline char *
bench_read_file (const char *path)
{
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

/* The value of the first "key : value" line of /proc/cpuinfo whose key
 * is one of @keys. */
static inline char *
bench_cpuinfo_field (const char * const *keys)
{
  g_autofree char *cpuinfo = bench_read_file ("/proc/cpuinfo");
  g_auto(GStrv) lines = g_strsplit (cpuinfo, "\n", -1);

  for (const char * const *key = keys; *key != NULL; key++)
    for (char **line = lines; *line != NULL; line++)
      {
        char *colon = strchr (*line, ':');
        g_autofree char *name = NULL;

        if (colon == NULL)
          continue;
        name = g_strndup (*line, colon - *line);
        if (g_str_equal (g_strstrip (name), *key))
          return g_strstrip (g_strdup (colon + 1));
      }

  return NULL;
}

/* The busy and the total CPU time of the whole machine so far, in
 * seconds, from the first line of /proc/stat. Time stolen by the
 * hypervisor counts as busy: another guest had the CPU. */
static inline gboolean
bench_machine_cpu_s (double *busy,
                     double *total)
{
  g_autofree char *stat = bench_read_file ("/proc/stat");
  unsigned long long user, nice, system, idle, iowait, irq, softirq, steal;
  double hz = sysconf (_SC_CLK_TCK);

  if (sscanf (stat, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &system,
              &idle, &iowait, &irq, &softirq, &steal) != 8 || hz <= 0)
    return FALSE;
  *busy = (user + nice + system + irq + softirq + steal) / hz;
  *total = *busy + (idle + iowait) / hz;

  return TRUE;
}

/* The CPU time of this process and of its children that were waited
 * for (the busy processes of the contention phase, a wrapped command). */
static inline double
bench_own_cpu_s (void)
{
  struct rusage self, children;

  getrusage (RUSAGE_SELF, &self);
  getrusage (RUSAGE_CHILDREN, &children);

  return self.ru_utime.tv_sec + self.ru_utime.tv_usec / 1e6 +
         self.ru_stime.tv_sec + self.ru_stime.tv_usec / 1e6 +
         children.ru_utime.tv_sec + children.ru_utime.tv_usec / 1e6 +
         children.ru_stime.tv_sec + children.ru_stime.tv_usec / 1e6;
}

static inline double
bench_loadavg (char **text)
{
  g_autofree char *loadavg = bench_read_file ("/proc/loadavg");

  g_strstrip (loadavg);
  if (text != NULL)
    *text = g_strdup (loadavg);

  return g_ascii_strtod (loadavg, NULL);
}

typedef struct
{
  double load_before;
  double machine_busy_s;
  double own_s;
  gint64 start_us;
  gboolean have_stat;
} BenchMachine;

static BenchMachine bench_machine;

/* Prints what the figures depend on: the CPUs, GLib, the kernel and the
 * load already on the machine. */
static inline void
bench_machine_begin (const char *name,
                     const char *version)
{
  static const char * const model_keys[] = { "model name", "Processor", "cpu model",
                                             "cpu", "Hardware", NULL };
  static const char * const flags_keys[] = { "flags", NULL };
  g_autofree char *model = bench_cpuinfo_field (model_keys);
  g_autofree char *flags = bench_cpuinfo_field (flags_keys);
  g_autofree char *os_release = bench_read_file ("/etc/os-release");
  g_auto(GStrv) os_lines = g_strsplit (os_release, "\n", -1);
  g_autofree char *os = NULL;
  g_autofree char *loadavg = NULL;
  cpu_set_t affinity;
  struct utsname uts;
  double total;
  int n_affinity = 0;

  if (sched_getaffinity (0, sizeof affinity, &affinity) == 0)
    n_affinity = CPU_COUNT (&affinity);
  if (uname (&uts) != 0)
    memset (&uts, 0, sizeof uts);
  for (char **line = os_lines; *line != NULL && os == NULL; line++)
    if (g_str_has_prefix (*line, "PRETTY_NAME="))
      os = g_strstrip (g_strdelimit (g_strdup (*line + strlen ("PRETTY_NAME=")), "\"", ' '));

  bench_machine.load_before = bench_loadavg (&loadavg);
  g_print ("%s: ta-glib %s\n", name, version);
  g_print ("machine: %ld CPUs online, %d in this process's affinity; %s%s\n",
           sysconf (_SC_NPROCESSORS_ONLN), n_affinity, model ? model : "unknown CPU model",
           flags != NULL && strstr (flags, "hypervisor") != NULL ? " (virtual machine)" : "");
  g_print ("         GLib %u.%u.%u; %s %s %s; %s\n", glib_major_version, glib_minor_version,
           glib_micro_version, uts.sysname, uts.release, uts.machine,
           os ? os : "unknown distribution");
  g_print ("load before: %s%s\n", loadavg,
           bench_machine.load_before > BENCH_LOAD_THRESHOLD ?
           "   <- other load was present: compare ratios, not absolute figures" : "");

  bench_machine.have_stat = bench_machine_cpu_s (&bench_machine.machine_busy_s, &total);
  bench_machine.own_s = bench_own_cpu_s ();
  bench_machine.start_us = g_get_monotonic_time ();
}

/* Prints the load after the run and how much CPU other processes used
 * during it; returns whether other load was present. */
static inline gboolean
bench_machine_end (void)
{
  g_autofree char *loadavg = NULL;
  double wall_s = (g_get_monotonic_time () - bench_machine.start_us) / 1e6;
  double busy = 0, total = 0, other_cpus = 0;
  gboolean loaded = bench_machine.load_before > BENCH_LOAD_THRESHOLD;

  bench_loadavg (&loadavg);
  g_print ("\nload after: %s (the benchmark's own threads count in it)\n", loadavg);
  if (bench_machine.have_stat && bench_machine_cpu_s (&busy, &total) && wall_s > 0)
    {
      other_cpus = ((busy - bench_machine.machine_busy_s) -
                    (bench_own_cpu_s () - bench_machine.own_s)) / wall_s;
      g_print ("other processes used %.2f CPUs on average during the %.0f s run\n",
               MAX (0, other_cpus), wall_s);
      loaded |= other_cpus > BENCH_OTHER_CPU_THRESHOLD;
    }
  if (loaded)
    g_print ("other load was present: absolute figures are low and noisy; "
             "compare the same-run ratios, or re-run on an idle machine\n");

  return loaded;
}

/* ---------------------------------------------------------------------- */
/* Contention: a busy process on every CPU                                 */
/* ---------------------------------------------------------------------- */

/* Kept where a signal handler can reach them without locks. */
static pid_t bench_hog_pids[CPU_SETSIZE];
static volatile sig_atomic_t bench_n_hogs;

static inline void
bench_kill_hogs (void)
{
  for (int i = 0; i < bench_n_hogs; i++)
    if (bench_hog_pids[i] > 0)
      kill (bench_hog_pids[i], SIGKILL);
}

/* Ctrl-C and friends: the busy processes go first, then this process
 * dies of the same signal. (They also die with this process through
 * PR_SET_PDEATHSIG, whatever kills it.) */
static inline void
bench_hog_signal_handler (int signum)
{
  bench_kill_hogs ();
  signal (signum, SIG_DFL);
  raise (signum);
}

/* Starts a process at nice 19 on every CPU this process may use, each
 * spinning on its CPU, and returns once they all run. Only
 * async-signal-safe calls are made in the children: this process has
 * threads. */
static inline void
bench_contention_start (void)
{
  static const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
  cpu_set_t allowed;
  pid_t parent = getpid ();
  int ready[2];

  g_assert (bench_n_hogs == 0);
  bench_set_pinned (FALSE);
  if (sched_getaffinity (0, sizeof allowed, &allowed) != 0 || pipe (ready) != 0)
    g_error ("cannot start the busy processes: %s", g_strerror (errno));
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    signal (signals[i], bench_hog_signal_handler);

  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
    {
      pid_t pid;

      if (!CPU_ISSET (cpu, &allowed))
        continue;
      pid = fork ();
      if (pid < 0)
        {
          bench_kill_hogs ();
          g_error ("fork: %s", g_strerror (errno));
        }
      if (pid == 0)
        {
          cpu_set_t one;
          volatile unsigned long spin = 0;

          prctl (PR_SET_PDEATHSIG, SIGKILL);
          if (getppid () != parent)
            _exit (0);
          for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
            signal (signals[i], SIG_DFL);
          setpriority (PRIO_PROCESS, 0, 19);
          CPU_ZERO (&one);
          CPU_SET (cpu, &one);
          sched_setaffinity (0, sizeof one, &one);
          close (ready[0]);
          if (write (ready[1], "x", 1) != 1)
            _exit (1);
          close (ready[1]);
          for (;;)
            spin++;
        }
      bench_hog_pids[bench_n_hogs] = pid;
      bench_n_hogs = bench_n_hogs + 1;
    }

  close (ready[1]);
  for (int started = 0; started < bench_n_hogs;)
    {
      char byte;
      ssize_t got = read (ready[0], &byte, 1);

      if (got == 1)
        started++;
      else if (got == 0 || errno != EINTR)
        {
          bench_kill_hogs ();
          g_error ("a busy process did not start");
        }
    }
  close (ready[0]);
}

/* Kills and reaps the busy processes. */
static inline void
bench_contention_stop (void)
{
  int n = bench_n_hogs;

  bench_kill_hogs ();
  for (int i = 0; i < n; i++)
    while (waitpid (bench_hog_pids[i], NULL, 0) < 0 && errno == EINTR)
      ;
  bench_n_hogs = 0;
}

/* ---------------------------------------------------------------------- */

typedef void (*BenchRunFunc) (const BenchOptions *options,
                              gboolean            pinned);

static inline const char *
bench_mode_title (gboolean pinned,
                  gboolean contention)
{
  if (contention)
    return pinned ? "contention, pinned: every thread on CPU 0, a nice-19 busy process on every CPU"
                  : "contention, unpinned: a nice-19 busy process on every CPU";
  return pinned ? "pinned: every thread on CPU 0" : "unpinned";
}

/* The main() of every benchmark: the machine, then unpinned, then
 * pinned; then, for benchmarks that have it (@contention_run not NULL),
 * the contention phase the same two ways. */
static inline int
bench_main (int           argc,
            char        **argv,
            const char   *name,
            const char   *version,
            BenchRunFunc  run,
            BenchRunFunc  contention_run)
{
  BenchOptions options = bench_parse_options (argc, argv);

  bench_machine_begin (name, version);
  if (!options.contention_only)
    {
      if (options.unpinned)
        run (&options, FALSE);
      if (options.pinned)
        run (&options, TRUE);
    }
  if (options.contention && contention_run != NULL)
    {
      bench_contention_start ();
      if (options.unpinned)
        contention_run (&options, FALSE);
      if (options.pinned)
        contention_run (&options, TRUE);
      bench_set_pinned (FALSE);
      bench_contention_stop ();
    }
  bench_machine_end ();

  return 0;
}
