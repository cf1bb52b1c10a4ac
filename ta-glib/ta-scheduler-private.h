/* ta-scheduler-private.h: what a task needs from where it runs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ta-ledger-private.h"
#include "ta-types.h"
#include "ta-work-queue-private.h"

G_BEGIN_DECLS

/*
 * What the thread of a scheduler is doing on behalf of ta-glib, for
 * reports about a loop that does not respond:
 * "<prefix><name><suffix>". The strings must stay valid until the
 * activity is popped.
 */
typedef struct
{
  const char *prefix;
  const char *name;
  const char *suffix;
} TaActivity;

typedef struct _TaScheduler      TaScheduler;
typedef struct _TaSchedulerClass TaSchedulerClass;

/*
 * TaScheduler is where tasks run: a runner's thread (ta-runner-core.c)
 * or an executor's workers (ta-executor.c), each an implementation of
 * this small class, embedded as the first member of its own state. A task
 * holds a reference on its scheduler from its spawn to its completion.
 */
struct _TaSchedulerClass
{
  void       (*ref)             (TaScheduler  *self);
  void       (*unref)           (TaScheduler  *self);

  /* Queues the start of @task, consuming the reference given (the
   * queue's). Returns %FALSE with @error set once the scheduler refuses
   * work; the reference is gone either way. Any thread. */
  gboolean   (*submit)          (TaScheduler  *self,
                                 TaTask       *task,
                                 GError      **error);

  /* The GTask of a task returned, inside its callback, on the scheduler's
   * thread: runs @item, the task's publication, on this thread once the
   * callback is over (GLib still writes to the GTask until then). */
  void       (*publish)         (TaScheduler  *self,
                                 TaWorkItem   *item);

  /* The last task a drain of the ledger waited for completed, on any
   * thread (see ta_ledger_start_drain()); %NULL if it never drains. */
  void       (*drained)         (TaScheduler  *self);

  /* %TA_TIMEOUT_DEFAULT made concrete. */
  gint64     (*resolve_timeout) (TaScheduler  *self,
                                 gint64        timeout_us);

  /* Reports what the scheduler's thread runs, for stall reports;
   * %NULL when nobody asks. Nests. */
  TaActivity (*push_activity)   (TaScheduler  *self,
                                 const char   *prefix,
                                 const char   *name,
                                 const char   *suffix);
  void       (*pop_activity)    (TaScheduler  *self,
                                 TaActivity    previous);
};

struct _TaScheduler
{
  const TaSchedulerClass *klass;   /* immutable */
  guint64                 serial;  /* immutable, unique per process */
  const char             *name;    /* immutable, the implementation's */
  TaLedger                ledger;  /* its own lock */
};

void         ta_scheduler_init            (TaScheduler            *self,
                                           const TaSchedulerClass *klass,
                                           const char             *name);
void         ta_scheduler_clear           (TaScheduler            *self);
void         ta_scheduler_set_current     (TaScheduler            *self);
TaScheduler *ta_scheduler_get_current     (void);
guint64      ta_scheduler_current_serial  (void);
TaTask      *ta_scheduler_spawn           (TaScheduler            *self,
                                           const char             *name,
                                           TaTaskFunc              func,
                                           gpointer                user_data,
                                           GDestroyNotify          user_data_destroy,
                                           GCancellable           *cancellable,
                                           GError                **error);

static inline TaScheduler *
ta_scheduler_ref (TaScheduler *self)
{
  self->klass->ref (self);
  return self;
}

static inline void
ta_scheduler_unref (TaScheduler *self)
{
  self->klass->unref (self);
}

static inline gint64
ta_scheduler_resolve_timeout (TaScheduler *self,
                              gint64       timeout_us)
{
  return self->klass->resolve_timeout (self, timeout_us);
}

static inline TaActivity
ta_scheduler_push_activity (TaScheduler *self,
                            const char  *prefix,
                            const char  *name,
                            const char  *suffix)
{
  TaActivity none = { NULL, NULL, NULL };

  if (self->klass->push_activity == NULL)
    return none;

  return self->klass->push_activity (self, prefix, name, suffix);
}

static inline void
ta_scheduler_pop_activity (TaScheduler *self,
                           TaActivity   previous)
{
  if (self->klass->pop_activity != NULL)
    self->klass->pop_activity (self, previous);
}

G_END_DECLS
