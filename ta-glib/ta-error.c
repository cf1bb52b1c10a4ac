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
G_DEFINE_QUARK (ta-error-quark, ta_error)
