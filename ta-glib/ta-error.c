/* ta-error.c: the TA_ERROR domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-error.h"

/**
 * ta_error_quark:
 *
 * Gets the quark of the %TA_ERROR domain.
 *
 * Any thread.
 *
 * Returns: the error quark
 */
/* Not G_DEFINE_QUARK: its unsynchronised cache is read and written by
 * every thread that meets its first error at once, which ThreadSanitizer
 * rightly reports as a race.  g_once_init_enter() publishes the quark with
 * the ordering the other threads need. */
GQuark
ta_error_quark (void)
{
  static gsize quark = 0;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("ta-error-quark"));

  return (GQuark) quark;
}
