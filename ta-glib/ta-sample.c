/* ta-sample.c: what a stalled thread runs, asked by a signal
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <semaphore.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "ta-sample-private.h"

#define TA_STACK_DEPTH       48
#define TA_SOURCE_NAME_MAX   256
#define TA_SAMPLE_TIMEOUT_MS 250

/* ---------------------------------------------------------------------- */
/* Interrupting the stalled thread                                         */
/* ---------------------------------------------------------------------- */

/*
 * One request at a time, process-wide, answered by the signal handler on
 * the stalled thread into this preallocated slot. The handler claims a
 * request by swapping the requested thread id for -1, so a requester that
 * gives up can tell whether an answer is being written.
 */
typedef struct
{
  int       request_tid;                  /* atomic: 0, a tid, or -1 */
  gboolean  has_source;
  char      name[TA_SOURCE_NAME_MAX];
  gpointer  callback;
  void     *frames[TA_STACK_DEPTH];
  int       n_frames;
  sem_t     done;
} TaSample;

static TaSample sample;
G_LOCK_DEFINE_STATIC (sample);
static guint64 sample_handlers;           /* guarded by sample: signals */

static void
ta_watchdog_on_signal (int signum)
{
  int saved_errno = errno;
  int tid = (int) syscall (SYS_gettid);
  int expected = tid;

  if (__atomic_compare_exchange_n (&sample.request_tid, &expected, -1, FALSE,
                                   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
    {
      GSource *source = g_main_current_source ();
      size_t i = 0;

      sample.has_source = source != NULL;
      sample.callback = NULL;
      if (source != NULL && source->name != NULL)
        for (; i + 1 < sizeof sample.name && source->name[i] != '\0'; i++)
          sample.name[i] = source->name[i];
      sample.name[i] = '\0';
      if (source != NULL && source->callback_funcs != NULL &&
          source->callback_funcs->get != NULL)
        {
          GSourceFunc func = NULL;
          gpointer data = NULL;

          source->callback_funcs->get (source->callback_data, source, &func, &data);
          sample.callback = (gpointer) func;
        }
      sample.n_frames = backtrace (sample.frames, TA_STACK_DEPTH);
      sem_post (&sample.done);
    }

  errno = saved_errno;
}

/* Called with the sample lock held. */
static gboolean
ta_sample_install (int signum)
{
  struct sigaction action;

  if (signum < 1 || signum > 63)
    return FALSE;
  if (sample_handlers & (G_GUINT64_CONSTANT (1) << signum))
    return TRUE;

  if (sample_handlers == 0)
    {
      void *frames[2];

      sem_init (&sample.done, 0, 0);
      /* The first backtrace() loads libgcc: do it here, not in a handler. */
      backtrace (frames, G_N_ELEMENTS (frames));
    }

  memset (&action, 0, sizeof action);
  action.sa_handler = ta_watchdog_on_signal;
  action.sa_flags = SA_RESTART;
  sigemptyset (&action.sa_mask);
  if (sigaction (signum, &action, NULL) != 0)
    return FALSE;

  sample_handlers |= G_GUINT64_CONSTANT (1) << signum;
  return TRUE;
}

static char *
ta_describe_address (gpointer address)
{
  Dl_info info;

  if (dladdr (address, &info) != 0 && info.dli_sname != NULL)
    {
      if (info.dli_saddr == address)
        return g_strdup (info.dli_sname);
      return g_strdup_printf ("%s+0x%" G_GINTPTR_MODIFIER "x", info.dli_sname,
                              (guintptr) address - (guintptr) info.dli_saddr);
    }
  if (dladdr (address, &info) != 0 && info.dli_fname != NULL)
    return g_strdup_printf ("%p in %s", address, info.dli_fname);

  return g_strdup_printf ("%p", address);
}

/* GLib names its idle, timeout and other sources after their type
 * ("GIdleSource") when their creator did not: such a name says nothing of
 * the code that runs. */
static gboolean
ta_is_default_source_name (const char *name)
{
  return name[0] == 'G' && g_str_has_suffix (name, "Source") && strchr (name, ' ') == NULL;
}

/*
 * Watchdog thread: interrupts thread @tid with @signum and, if it answers
 * in time, names the source it dispatches into @what and formats its
 * stack into @stack. Returns %FALSE if the thread could not be asked or
 * did not answer.
 */
gboolean
ta_sample_thread (int    tid,
                  int    signum,
                  char **what,
                  char **stack)
{
  struct timespec deadline;
  gboolean answered = FALSE;
  int expected = tid;
  int rc;

  G_LOCK (sample);
  if (!ta_sample_install (signum))
    {
      G_UNLOCK (sample);
      return FALSE;
    }

  while (sem_trywait (&sample.done) == 0)
    ;
  __atomic_store_n (&sample.request_tid, tid, __ATOMIC_RELEASE);
  if (syscall (SYS_tgkill, (long) getpid (), (long) tid, (long) signum) != 0)
    {
      __atomic_store_n (&sample.request_tid, 0, __ATOMIC_RELAXED);
      G_UNLOCK (sample);
      return FALSE;
    }

  clock_gettime (CLOCK_REALTIME, &deadline);
  deadline.tv_nsec += (TA_SAMPLE_TIMEOUT_MS % 1000) * 1000000L;
  deadline.tv_sec += TA_SAMPLE_TIMEOUT_MS / 1000 + deadline.tv_nsec / 1000000000L;
  deadline.tv_nsec %= 1000000000L;
  do
    rc = sem_timedwait (&sample.done, &deadline);
  while (rc != 0 && errno == EINTR);

  if (rc == 0)
    answered = TRUE;
  else if (!__atomic_compare_exchange_n (&sample.request_tid, &expected, 0, FALSE,
                                         __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
    {
      /* The handler took the request just now: its answer is coming. */
      while (sem_wait (&sample.done) != 0 && errno == EINTR)
        ;
      answered = TRUE;
    }

  if (answered)
    {
      GString *frames = g_string_new (NULL);
      char **symbols = backtrace_symbols (sample.frames, sample.n_frames);
      int i;

      __atomic_store_n (&sample.request_tid, 0, __ATOMIC_RELAXED);
      /* The first frames are the handler's and the kernel's trampoline. */
      for (i = MIN (2, sample.n_frames); i < sample.n_frames; i++)
        g_string_append_printf (frames, "#%-2d %s\n", i - 2,
                                symbols != NULL ? symbols[i] : "?");
      free (symbols);
      *stack = g_string_free (frames, FALSE);

      if (sample.name[0] != '\0' && !ta_is_default_source_name (sample.name))
        *what = g_strdup (sample.name);
      else if (sample.has_source && sample.callback != NULL)
        {
          g_autofree char *symbol = ta_describe_address (sample.callback);

          *what = g_strdup_printf ("an unnamed GSource (callback at %s)", symbol);
        }
      else if (sample.has_source)
        *what = g_strdup ("an unnamed GSource without a callback");
      else
        *what = g_strdup ("code outside any GSource (the thread is away from its loop)");
    }
  G_UNLOCK (sample);

  return answered;
}
