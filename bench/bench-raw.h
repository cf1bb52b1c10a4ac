/* bench-raw.h: hand-rolled GLib, the baselines
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What people write today without ta-glib: a GMainLoop on a thread of its
 * own, and calls into it with g_main_context_invoke() and a GMutex/GCond.
 */

#pragma once

#include <glib.h>

/* ---------------------------------------------------------------------- */
/* A raw loop thread                                                       */
/* ---------------------------------------------------------------------- */

typedef struct
{
  GMainContext *context;
  GMainLoop    *loop;
  GThread      *thread;
  GMutex        mutex;
  GCond         cond;
  gboolean      running;
} RawLoop;

static inline gboolean
raw_loop_started_cb (gpointer data)
{
  RawLoop *raw = data;

  g_mutex_lock (&raw->mutex);
  raw->running = TRUE;
  g_cond_signal (&raw->cond);
  g_mutex_unlock (&raw->mutex);

  return G_SOURCE_REMOVE;
}

static inline gpointer
raw_loop_thread (gpointer data)
{
  RawLoop *raw = data;
  GSource *source = g_idle_source_new ();

  g_main_context_push_thread_default (raw->context);
  g_source_set_callback (source, raw_loop_started_cb, raw, NULL);
  g_source_attach (source, raw->context);
  g_source_unref (source);
  g_main_loop_run (raw->loop);
  g_main_context_pop_thread_default (raw->context);

  return NULL;
}

static inline RawLoop *
raw_loop_new (void)
{
  RawLoop *raw = g_new0 (RawLoop, 1);

  g_mutex_init (&raw->mutex);
  g_cond_init (&raw->cond);
  raw->context = g_main_context_new ();
  raw->loop = g_main_loop_new (raw->context, FALSE);
  raw->thread = g_thread_new ("raw-loop", raw_loop_thread, raw);
  g_mutex_lock (&raw->mutex);
  while (!raw->running)
    g_cond_wait (&raw->cond, &raw->mutex);
  g_mutex_unlock (&raw->mutex);

  return raw;
}

static inline void
raw_loop_free (RawLoop *raw)
{
  g_main_loop_quit (raw->loop);
  g_thread_join (raw->thread);
  g_main_loop_unref (raw->loop);
  g_main_context_unref (raw->context);
  g_mutex_clear (&raw->mutex);
  g_cond_clear (&raw->cond);
  g_free (raw);
}

typedef struct
{
  GMutex   mutex;
  GCond    cond;
  gboolean done;
} RawCall;

static inline gboolean
raw_call_func (gpointer data)
{
  RawCall *call = data;

  g_mutex_lock (&call->mutex);
  call->done = TRUE;
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->mutex);

  return G_SOURCE_REMOVE;
}

/* Calls a no-op on the loop thread and waits for it. */
static inline void
raw_call (RawLoop *raw,
          RawCall *call)
{
  call->done = FALSE;
  g_main_context_invoke (raw->context, raw_call_func, call);
  g_mutex_lock (&call->mutex);
  while (!call->done)
    g_cond_wait (&call->cond, &call->mutex);
  g_mutex_unlock (&call->mutex);
}

static inline void
raw_call_init (RawCall *call)
{
  g_mutex_init (&call->mutex);
  g_cond_init (&call->cond);
}

static inline void
raw_call_clear (RawCall *call)
{
  g_mutex_clear (&call->mutex);
  g_cond_clear (&call->cond);
}

