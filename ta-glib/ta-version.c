/* ta-version.c: run-time version information
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-version.h"

/**
 * ta_get_major_version:
 *
 * Gets the major version of the ta-glib library loaded at run time,
 * which may differ from %TA_MAJOR_VERSION.
 *
 * Any thread.
 *
 * Returns: the major version
 */
guint
ta_get_major_version (void)
{
  return TA_MAJOR_VERSION;
}

/**
 * ta_get_minor_version:
 *
 * Gets the minor version of the ta-glib library loaded at run time.
 *
 * Any thread.
 *
 * Returns: the minor version
 */
guint
ta_get_minor_version (void)
{
  return TA_MINOR_VERSION;
}

/**
 * ta_get_micro_version:
 *
 * Gets the micro version of the ta-glib library loaded at run time.
 *
 * Any thread.
 *
 * Returns: the micro version
 */
guint
ta_get_micro_version (void)
{
  return TA_MICRO_VERSION;
}
