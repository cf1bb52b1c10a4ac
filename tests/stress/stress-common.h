/* stress-common.h: what the stress programs share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdlib.h>
#include <string.h>

#include <ta-glib.h>

/* Locks ThreadSanitizer sees (see ta-monitor-private.h). */
#include "ta-monitor-private.h"

/* A generous bound for "does not hang", never a timing assertion. */
#define STRESS_HANG_US (120 * G_USEC_PER_SEC)

/* The size knob: TA_STRESS_ITEMS, or @fallback. */
static inline guint
stress_items (guint fallback)
{
  const char *env = g_getenv ("TA_STRESS_ITEMS");
  guint64 n;

  if (env == NULL || *env == '\0')
    return fallback;
  n = g_ascii_strtoull (env, NULL, 10);
  if (n == 0 || n > G_MAXINT / 2)
    g_error ("TA_STRESS_ITEMS=%s: expected a count from 1 to %d", env, G_MAXINT / 2);
  return (guint) n;
}

/* A field of /proc/self/status, in its own unit (kB for sizes). */
static inline gint64
stress_proc_status (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;
  size_t len = strlen (field);

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  for (line = status; line != NULL && *line != '\0'; line = strchr (line, '\n'))
    {
      if (*line == '\n')
        line++;
      if (strncmp (line, field, len) == 0 && line[len] == ':')
        return g_ascii_strtoll (line + len + 1, NULL, 10);
    }
  return -1;
}

/* How many descriptors the process has open. */
static inline gint
stress_open_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  gint n = 0;

  if (dir == NULL)
    return -1;
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n - 1;   /* the directory's own */
}
