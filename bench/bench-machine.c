/* bench-machine.c: the machine and its load around a command
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   bench-machine COMMAND [ARGS...]
 *
 * Prints what every benchmark prints around its figures (the CPUs, GLib,
 * the kernel, the load before and after, the CPU time other processes
 * used meanwhile), with the command's output in between, for benchmarks
 * that are not C programs: bench/bench-python.py runs itself under it.
 * Exits with the command's status.
 */

#include "bench-common.h"

#include <ta-glib.h>

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  int status = 0;

  if (argc < 2)
    {
      g_printerr ("usage: %s COMMAND [ARGS...]\n", argv[0]);
      return 2;
    }

  name = g_path_get_basename (argv[argc > 2 ? 2 : 1]);
  bench_machine_begin (name, TA_VERSION_S);
  g_print ("\n");
  fflush (stdout);
  if (!g_spawn_sync (NULL, argv + 1, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN,
                     NULL, NULL, NULL, NULL, &status, &error))
    {
      g_printerr ("%s: %s\n", argv[0], error->message);
      return 2;
    }
  fflush (stdout);
  bench_machine_end ();

  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}
