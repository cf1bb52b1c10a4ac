/* ta-version-macros.h: symbol visibility and availability
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TA_INSIDE) && !defined(TA_COMPILATION)
# error "Only <ta-glib.h> can be included directly."
#endif

#include <glib.h>

#if defined(_WIN32) && !defined(__GNUC__)
# define _TA_EXTERN __declspec(dllexport) extern
#else
# define _TA_EXTERN __attribute__((visibility("default"))) extern
#endif

/* Every public declaration carries an availability macro so that a
 * later version can mark what it adds or deprecates. */
#define TA_AVAILABLE_IN_ALL _TA_EXTERN
#define TA_AVAILABLE_IN_0_1 _TA_EXTERN
