/* ta-server-private.h: what the client needs of its server
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ta-queue.h"
#include "ta-server.h"

G_BEGIN_DECLS

TaQueue *ta_server_get_queue (TaServer *self);

G_END_DECLS
