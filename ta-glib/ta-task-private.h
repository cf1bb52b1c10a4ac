/* ta-task-private.h: task handles
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ta-task.h"
#include "ta-monitor-private.h"
#include "ta-scheduler-private.h"

G_BEGIN_DECLS

/*
 * A task's life, one enum under the task's monitor:
 *
 *   PENDING ──begin──> RUNNING ──its GTask returns──> COMPLETING ──> DONE
 *      └──cancelled before it started, stop, abandon───┘
 *
 * COMPLETING: one completion claimed the task (its GTask returned, or a
 * stop failed it); it publishes the outcome, and every other completion
 * loses. A task never goes back.
 */
typedef enum {
  TA_TASK_PENDING,     /* queued where it runs, its function not taken */
  TA_TASK_RUNNING,     /* its function taken: called or about to be; its
                        * GTask is out there */
  TA_TASK_COMPLETING,  /* a completion is publishing the outcome */
  TA_TASK_DONE,        /* the outcome is published */
} TaTaskState;

typedef enum {
  TA_RESULT_IN_GTASK,  /* not propagated yet */
  TA_RESULT_POINTER,   /* taken by ta_task_propagate_pointer() */
  TA_RESULT_BOOLEAN,
  TA_RESULT_INT,
  TA_RESULT_VALUE,
} TaResultKind;

/* A task's start in two halves; see ta_task_begin_full(). */
typedef struct
{
  TaScheduler  *scheduler;     /* borrowed: alive while the task runs */
  GCancellable *cancellable;   /* the task's own, alive with the task */
  GTask        *gtask;
  TaTaskFunc    func;
  gpointer      user_data;
} TaTaskStart;

/*
 * The groups are ordered by how hot they are: what a spawn, a start, a
 * completion and a wait touch comes first, in as few cache lines as
 * possible; results taken later and async callbacks last.
 */
struct _TaTask
{
  GObject          parent_instance;

  /* Immutable once the task is made */
  guint64          scheduler_serial;/* the scheduler's identity */
  char            *name;            /* default_name or owned */

  /* Atomic: made when first needed, then immutable; always our own */
  GCancellable    *cancellable;

  /* Owned by the queue that holds them: the start, queued by the
   * scheduler, and the publication of what the GTask returned, run on
   * the scheduler's thread */
  TaWorkItem       item;
  TaWorkItem       publish_item;

  /* Protected by the scheduler's ledger lock */
  GList            ledger_link;
  gboolean         in_failed;

  /* The scheduler's thread only: the task function is being called; the
   * GTask returned during the call; what it returned, until published */
  gboolean         calling;
  gboolean         returned_in_call;
  GTask           *pending_gtask;
  GError          *pending_error;

  /* Protected by the monitor. The first three until the task starts;
   * then owned by its GTask. */
  TaMonitor        monitor;
  TaTaskFunc       func;
  gpointer         user_data;
  GDestroyNotify   user_data_destroy;
  TaTaskState      state;
  gboolean         retrieved;       /* the error was seen by someone */
  TaScheduler     *scheduler;       /* strong until COMPLETING */
  TaScheduler     *failed_scheduler;/* strong while in its ledger's failed
                                     * list */
  TaTaskStart      prepared;        /* RUNNING: begun by
                                     * ta_task_prepare_claimed(), its
                                     * function not called yet */
  GError          *error;           /* DONE with an error */
  GTask           *gtask;           /* DONE successfully: holds the result */
  GQueue           waiters;         /* TaWaiter */
  TaResultKind     result_kind;
  gboolean         result_boolean;
  gssize           result_int;
  GValue           result_value;

  /* ta_task_complete_async(): the task itself is the result its callback
   * gets. Set once, under the monitor; read by the completion that posts
   * the callback and, in its context, by the callback's item. */
  GAsyncReadyCallback async_callback;
  gpointer         async_data;
  gpointer         async_tag;
  GObject         *async_source;    /* strong until the callback returned;
                                     * guarded by monitor */
  gconstpointer    async_source_id; /* the same, never dereferenced */
  GMainContext    *async_context;   /* strong until the callback ran */
  TaWorkItem       async_item;      /* posted there once the task is done */

  /* Immutable once the task is made, and cold */
  GCancellable    *user_cancellable;/* chained to cancellable */
  gulong           user_cancel_id;
  char             default_name[26];/* "task-N" */
};

TaTask *ta_task_new_internal   (TaScheduler    *scheduler,
                                const char     *name,
                                TaTaskFunc      func,
                                gpointer        user_data,
                                GDestroyNotify  user_data_destroy,
                                GCancellable   *cancellable);
void    ta_task_force_complete (TaTask         *self,
                                const GError   *error);
GError *ta_task_take_failed_for_report (TaTask *self);
void    ta_task_wait_with_gtask        (TaTask         *self,
                                        GTask          *wait_task);
void    ta_task_wait_failed            (TaTask         *self,
                                        GCancellable   *wait_cancellable);
void    ta_task_mark_retrieved         (TaTask *self);
void     ta_task_complete_async        (TaTask              *self,
                                        gpointer             source_object,
                                        gpointer             source_tag,
                                        GAsyncReadyCallback  callback,
                                        gpointer             callback_data);
gboolean ta_task_is_async_result       (GAsyncResult        *result,
                                        gpointer             source_object,
                                        gpointer             source_tag);
gboolean ta_task_finish_async          (TaTask              *self,
                                        GError             **error);

gpointer ta_task_claim_item    (TaWorkItem *item);
void     ta_task_prepare_claimed (gpointer  claimed);
void     ta_task_prepare         (TaTask   *self);

/* ta-task.c: the handle */
GCancellable *ta_task_ensure_cancellable (TaTask  *self);
gboolean      ta_task_check_deadlock     (TaTask  *self,
                                          GError **error);
gboolean      ta_task_report_locked      (TaTask  *self,
                                          GError **error);

/* ta-task-run.c: the life cycle where the task runs */
void          ta_task_run_class_init     (void);
void          ta_task_item_func          (TaWorkItem *item,
                                          gboolean    run);

/* ta-task-result.c: the task as a GAsyncResult, ta_task_wait_any() */
typedef struct _TaWaiter TaWaiter;
void          ta_task_any_waiter_complete (TaWaiter *waiter);
void          ta_task_post_async          (TaTask   *self);
void          ta_task_async_result_iface_init (GAsyncResultIface *iface);

/* Runs (or discards) the task's start, consuming the queue's
 * reference. */
static inline void
ta_task_run_item (TaTask   *self,
                  gboolean  run)
{
  self->item.func (&self->item, run);
}

G_END_DECLS
