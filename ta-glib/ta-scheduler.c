/* ta-scheduler.c: what a task needs from where it runs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-scheduler-private.h"
#include "ta-task-private.h"

/* The scheduler whose thread this is (a runner's, or a pool's worker),
 * if any. */
static GPrivate current_scheduler;

void
ta_scheduler_init (TaScheduler            *self,
                   const TaSchedulerClass *klass,
                   const char             *name)
{
  static guint64 last_serial;

  self->klass = klass;
  self->serial = __atomic_add_fetch (&last_serial, 1, __ATOMIC_RELAXED);
  self->name = name;
  ta_ledger_init (&self->ledger);
}

/* Once no task refers to it any more. */
void
ta_scheduler_clear (TaScheduler *self)
{
  ta_ledger_clear (&self->ledger);
}

/* Makes @self the scheduler of the calling thread, for deadlock checks;
 * %NULL when the thread is done. */
void
ta_scheduler_set_current (TaScheduler *self)
{
  g_private_set (&current_scheduler, self);
}

/* The scheduler whose thread this is (borrowed), or %NULL. */
TaScheduler *
ta_scheduler_get_current (void)
{
  return g_private_get (&current_scheduler);
}

/* The serial of the scheduler whose thread this is, or 0. */
guint64
ta_scheduler_current_serial (void)
{
  TaScheduler *self = g_private_get (&current_scheduler);

  return self != NULL ? self->serial : 0;
}

/*
 * ta_scheduler_spawn:
 *
 * Makes a task, records it in the ledger and queues its start. Returns a
 * reference, or %NULL with @error set once the scheduler refuses work:
 * the task then fails with that error at once, and as nobody will see
 * it, is not reported. Any thread.
 */
TaTask *
ta_scheduler_spawn (TaScheduler     *self,
                    const char      *name,
                    TaTaskFunc       func,
                    gpointer         user_data,
                    GDestroyNotify   user_data_destroy,
                    GCancellable    *cancellable,
                    GError         **error)
{
  TaTask *task;
  GError *local_error = NULL;

  task = ta_task_new_internal (self, name, func, user_data, user_data_destroy, cancellable);
  ta_ledger_add (&self->ledger, task);

  /* The queue's reference, taken before the scheduler can drop it. */
  if (!self->klass->submit (self, g_object_ref (task), &local_error))
    {
      ta_task_mark_retrieved (task);
      ta_task_force_complete (task, local_error);
      g_object_unref (task);
      g_propagate_error (error, local_error);
      return NULL;
    }

  return task;
}
