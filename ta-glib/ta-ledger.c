/* ta-ledger.c: the tasks a scheduler has in flight, and the errors nobody
 * retrieved
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-ledger-private.h"
#include "ta-task-private.h"

void
ta_ledger_init (TaLedger *self)
{
  g_mutex_init (&self->mutex);
  g_queue_init (&self->tasks);
  g_queue_init (&self->failed);
  self->failed_closed = FALSE;
  self->draining = FALSE;
}

/* Once nothing can reach the ledger any more; it must be empty. */
void
ta_ledger_clear (TaLedger *self)
{
  ta_mutex_lock (&self->mutex);
  g_assert (g_queue_is_empty (&self->tasks));
  g_assert (g_queue_is_empty (&self->failed));
  ta_mutex_unlock (&self->mutex);
  g_mutex_clear (&self->mutex);
}

/* Registers a new task, before it is queued, so that a stop racing with
 * its spawn always finds it. Takes a reference. */
void
ta_ledger_add (TaLedger *self,
               TaTask   *task)
{
  ta_mutex_lock (&self->mutex);
  g_queue_push_tail_link (&self->tasks, &task->ledger_link);
  ta_mutex_unlock (&self->mutex);
  g_object_ref (task);
}

/*
 * ta_ledger_task_done:
 * @failed: whether the task's error must be reported if nobody takes it
 * @drained: (out): set when this was the last task a drain waited for
 * @release: (out): set when the caller must drop the ledger's reference
 *   on @task, once it holds no lock
 *
 * A task completed: moves it off the list of tasks in flight, and onto
 * the failed one when @failed. Returns whether it went there: not once
 * the errors were collected. Called with the task's monitor held.
 */
gboolean
ta_ledger_task_done (TaLedger *self,
                     TaTask   *task,
                     gboolean  failed,
                     gboolean *drained,
                     gboolean *release)
{
  gboolean linked = FALSE;

  *drained = FALSE;
  *release = FALSE;
  ta_mutex_lock (&self->mutex);
  if (task->ledger_link.prev != NULL || self->tasks.head == &task->ledger_link)
    {
      g_queue_unlink (&self->tasks, &task->ledger_link);
      if (failed && !self->failed_closed)
        {
          /* The list's reference moves with the link. */
          g_queue_push_tail_link (&self->failed, &task->ledger_link);
          task->in_failed = TRUE;
          linked = TRUE;
        }
      else
        {
          *release = TRUE;
        }
      *drained = self->draining && g_queue_is_empty (&self->tasks);
    }
  ta_mutex_unlock (&self->mutex);

  return linked;
}

/* Somebody saw the task's error: the ledger forgets it. */
void
ta_ledger_task_retrieved (TaLedger *self,
                          TaTask   *task)
{
  gboolean unlinked = FALSE;

  ta_mutex_lock (&self->mutex);
  if (task->in_failed)
    {
      g_queue_unlink (&self->failed, &task->ledger_link);
      task->in_failed = FALSE;
      unlinked = TRUE;
    }
  ta_mutex_unlock (&self->mutex);

  if (unlinked)
    g_object_unref (task);
}

/* The tasks in flight now, in the order they were added: strong
 * references, for a stop to cancel or fail them outside the lock. */
GPtrArray *
ta_ledger_dup_tasks (TaLedger *self)
{
  GPtrArray *tasks = g_ptr_array_new_with_free_func (g_object_unref);

  ta_mutex_lock (&self->mutex);
  for (GList *l = self->tasks.head; l != NULL; l = l->next)
    g_ptr_array_add (tasks, g_object_ref (l->data));
  ta_mutex_unlock (&self->mutex);

  return tasks;
}

/* A stop waits for the tasks in flight: the completion of the last one
 * says so (ta_ledger_task_done()). Returns whether none is left now. */
gboolean
ta_ledger_start_drain (TaLedger *self)
{
  gboolean empty;

  ta_mutex_lock (&self->mutex);
  self->draining = TRUE;
  empty = g_queue_is_empty (&self->tasks);
  ta_mutex_unlock (&self->mutex);

  return empty;
}

/* How many tasks are in flight: a stop running late watches it fall. */
guint
ta_ledger_count_tasks (TaLedger *self)
{
  guint n;

  ta_mutex_lock (&self->mutex);
  n = self->tasks.length;
  ta_mutex_unlock (&self->mutex);

  return n;
}

gboolean
ta_ledger_is_empty (TaLedger *self)
{
  gboolean empty;

  ta_mutex_lock (&self->mutex);
  empty = g_queue_is_empty (&self->tasks);
  ta_mutex_unlock (&self->mutex);

  return empty;
}

/*
 * ta_ledger_take_unretrieved:
 * @report: (nullable): where to append a line per error
 *
 * Collects the errors of failed tasks that nobody retrieved, once: a task
 * that fails later is no longer recorded. Returns them (GError), in the
 * order the tasks failed.
 */
GPtrArray *
ta_ledger_take_unretrieved (TaLedger *self,
                            GString  *report)
{
  GPtrArray *errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  GQueue failed;
  GList *link;

  ta_mutex_lock (&self->mutex);
  failed = self->failed;
  g_queue_init (&self->failed);
  self->failed_closed = TRUE;
  for (GList *l = failed.head; l != NULL; l = l->next)
    ((TaTask *) l->data)->in_failed = FALSE;
  ta_mutex_unlock (&self->mutex);

  while ((link = g_queue_pop_head_link (&failed)) != NULL)
    {
      TaTask *task = link->data;
      GError *error = ta_task_take_failed_for_report (task);

      if (error != NULL)
        {
          if (report != NULL)
            g_string_append_printf (report, "\n- task “%s”: %s",
                                    ta_task_get_name (task), error->message);
          g_ptr_array_add (errors, error);
        }
      g_object_unref (task);
    }

  return errors;
}
