/* ta-inbox.c: the runner's queue of work from any thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-inbox-private.h"
#include "ta-monitor-private.h"
#include "ta-runner-private.h"
#include "ta-spin-private.h"

/* How many items one dispatch runs before it lets other sources in. */
#define TA_INBOX_BATCH 256

typedef struct
{
  GSource  source;
  TaInbox *inbox;
} TaInboxSource;

struct _TaInbox
{
  GMutex        mutex;
  TaWorkItem   *head;      /* guarded by mutex */
  TaWorkItem   *tail;      /* guarded by mutex */
  gboolean      closed;    /* guarded by mutex */
  gint64        drain_end; /* guarded by mutex: see ta_inbox_close() */
  gint          n_items;   /* atomic; written under mutex */
  TaWorkItem   *examined;  /* guarded by mutex: the last item offered to
                            * claim, or NULL for none */
  guint         n_examined;/* guarded by mutex: items from head to it */
  TaInboxClaimFunc   claim;    /* immutable once the runner runs */
  TaInboxPrepareFunc prepare;
  GMainContext *context;   /* immutable, strong */
  GSource      *source;    /* immutable, strong */
  gint          wakeup_fd; /* immutable: the context's own descriptor */

  /* The runner's idle wait (ta_inbox_poll()) and the threads that wake it
   * (ta_inbox_kick()) meet here: a kick only costs a system call when the
   * runner is really asleep in poll(). */
  gint          parked;    /* atomic: the runner sleeps in poll() */
  gint          kicked;    /* atomic: there is news since it last looked */
  gint          kicker_waits; /* atomic: ... from a thread that now waits */
  gint64        looked_at; /* runner thread: when poll() last ran */
  gint          kicker_cpu;/* atomic: where the last kick from another
                            * thread came from, or -1 */
  gint          in_turn;   /* atomic, written by the runner thread: see
                            * ta_inbox_begin_turn() */
  TaSpinBudget  budget;    /* the runner thread's */
};

/* With a prepare function, only what was prepared: the rest waits for
 * the next iteration's prepare, which costs less than running it
 * unprepared. Not once the inbox is closed: the stop waits for the whole
 * of it, and an iteration per batch costs more than preparing (GLib's
 * prepare and check visit every source of the context, and a stop under
 * a storm of spawns finds tens of thousands of them). */
static TaWorkItem *
ta_inbox_pop (TaInbox  *self,
              gboolean *closed,
              gint64   *drain_end)
{
  TaWorkItem *item;

  ta_mutex_lock (&self->mutex);
  *closed = self->closed;
  *drain_end = self->drain_end;
  item = self->head;
  if (self->claim != NULL && self->examined == NULL && !self->closed)
    item = NULL;
  if (item != NULL)
    {
      self->head = item->next;
      if (self->head == NULL)
        self->tail = NULL;
      item->next = NULL;
      if (self->examined != NULL)
        {
          self->n_examined--;
          if (self->examined == item)
            self->examined = NULL;
        }
      g_atomic_int_add (&self->n_items, -1);
    }
  ta_mutex_unlock (&self->mutex);

  return item;
}

/*
 * Offers the items the next dispatch will run, and that were not offered
 * yet, to the claim function, and prepares what it claimed: work that is
 * cheaper done outside the dispatch (see ta_task_prepare_claimed()).
 * Runner thread, from the source's prepare and check.
 */
static void
ta_inbox_prepare_items (TaInbox *self)
{
  gpointer claimed[TA_INBOX_BATCH];
  guint n_claimed = 0;
  TaWorkItem *item;

  if (self->claim == NULL)
    return;

  ta_mutex_lock (&self->mutex);
  item = self->examined != NULL ? self->examined->next : self->head;
  while (item != NULL && self->n_examined < TA_INBOX_BATCH)
    {
      gpointer c = self->claim (item);

      if (c != NULL)
        claimed[n_claimed++] = c;
      self->examined = item;
      self->n_examined++;
      item = item->next;
    }
  ta_mutex_unlock (&self->mutex);

  for (guint i = 0; i < n_claimed; i++)
    self->prepare (claimed[i]);
}

static gboolean
ta_inbox_source_check (GSource *source)
{
  TaInboxSource *s = (TaInboxSource *) source;

  if (g_atomic_int_get (&s->inbox->n_items) == 0)
    {
      /* Nothing to dispatch: the turn is over. */
      if (G_UNLIKELY (g_atomic_int_get (&s->inbox->in_turn)))
        g_atomic_int_set (&s->inbox->in_turn, FALSE);
      return FALSE;
    }

  ta_inbox_prepare_items (s->inbox);
  return TRUE;
}

static gboolean
ta_inbox_source_prepare (GSource *source,
                         gint    *timeout)
{
  *timeout = -1;
  return ta_inbox_source_check (source);
}

static gboolean
ta_inbox_source_dispatch (GSource     *source,
                          GSourceFunc  callback,
                          gpointer     user_data)
{
  TaInboxSource *s = (TaInboxSource *) source;
  gboolean closed = FALSE;
  gint64 drain_end = -1;

  /* One item at a time: whatever is still queued when an item blocks the
   * thread stays in the inbox, where an abandoning stop can fail it. A
   * batch at a time while running, so that other sources get their turn;
   * all of it once closed, the stop waiting for nothing else (see
   * ta_inbox_pop()), unless the stop's drain deadline passes: its source
   * then gets its turn. */
  for (guint i = 0; ; i++)
    {
      TaWorkItem *item;

      if (i > 0 && i % TA_INBOX_BATCH == 0 &&
          (!closed || (drain_end >= 0 && g_get_monotonic_time () >= drain_end)))
        break;

      item = ta_inbox_pop (s->inbox, &closed, &drain_end);
      if (item == NULL)
        break;

      item->func (item, TRUE);
    }

  if (G_UNLIKELY (g_atomic_int_get (&s->inbox->in_turn)))
    g_atomic_int_set (&s->inbox->in_turn, FALSE);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs ta_inbox_source_funcs = {
  .prepare = ta_inbox_source_prepare,
  .check = ta_inbox_source_check,
  .dispatch = ta_inbox_source_dispatch,
};

TaInbox *
ta_inbox_new (GMainContext *context)
{
  TaInbox *self = g_new0 (TaInbox, 1);
  TaInboxSource *s;

  g_mutex_init (&self->mutex);
  self->closed = TRUE;
  self->kicker_cpu = -1;
  self->drain_end = -1;
  self->context = g_main_context_ref (context);
  self->wakeup_fd = ta_context_wakeup_fd (context);
  self->source = g_source_new (&ta_inbox_source_funcs, sizeof (TaInboxSource));
  s = (TaInboxSource *) self->source;
  s->inbox = self;
  g_source_set_static_name (self->source, "[ta-glib] runner inbox");
  g_source_set_priority (self->source, G_PRIORITY_DEFAULT);
  g_source_set_can_recurse (self->source, TRUE);
  g_source_attach (self->source, context);

  return self;
}

/* Before the runner thread starts. */
void
ta_inbox_set_prepare (TaInbox            *self,
                      TaInboxClaimFunc    claim,
                      TaInboxPrepareFunc  prepare)
{
  self->claim = claim;
  self->prepare = prepare;
}

/* The caller discards whatever is left first (ta_inbox_steal_all()). */
void
ta_inbox_free (TaInbox *self)
{
  g_assert (self->head == NULL);

  g_source_destroy (self->source);
  g_source_unref (self->source);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

static void
ta_inbox_append_locked (TaInbox    *self,
                        TaWorkItem *item)
{
  item->next = NULL;
  if (self->tail != NULL)
    self->tail->next = item;
  else
    self->head = item;
  self->tail = item;
  g_atomic_int_inc (&self->n_items);
}

/*
 * ta_inbox_push:
 *
 * Appends @item. Returns %FALSE, without consuming it, when the inbox is
 * closed. Any thread.
 */
gboolean
ta_inbox_push (TaInbox    *self,
               TaWorkItem *item)
{
  gboolean was_empty;

  ta_mutex_lock (&self->mutex);
  if (self->closed)
    {
      ta_mutex_unlock (&self->mutex);
      return FALSE;
    }
  was_empty = self->head == NULL;
  ta_inbox_append_locked (self, item);
  ta_mutex_unlock (&self->mutex);

  /* The runner checks the inbox on every iteration; it only needs waking
   * when it may have gone to sleep believing the inbox empty. */
  if (was_empty)
    ta_inbox_kick (self);

  return TRUE;
}

void
ta_inbox_open (TaInbox *self)
{
  ta_mutex_lock (&self->mutex);
  self->closed = FALSE;
  ta_mutex_unlock (&self->mutex);
}

/*
 * ta_inbox_push_local:
 *
 * Appends @item even when the inbox is closed: the runner's own follow-up
 * work (publishing a task's outcome) must run or be discarded like the
 * rest. Normally called on the runner thread.
 */
void
ta_inbox_push_local (TaInbox    *self,
                     TaWorkItem *item)
{
  gboolean was_empty;

  ta_mutex_lock (&self->mutex);
  was_empty = self->head == NULL;
  ta_inbox_append_locked (self, item);
  ta_mutex_unlock (&self->mutex);

  if (was_empty)
    ta_inbox_kick (self);
}

/* The inbox the calling thread polls, if it is a runner thread: its own
 * kicks say nothing about where the threads that wake it run. */
static _Thread_local TaInbox *polling_inbox;

/*
 * ta_inbox_kick:
 *
 * Tells the runner that something it should look at changed (the inbox,
 * or another of its sources, such as a guest loop woken from afar). Any
 * thread; whatever changed must be published before the kick.
 */
void
ta_inbox_kick (TaInbox *self)
{
  /* Paired with ta_inbox_poll(): the runner marks itself parked, then
   * looks for kicks; a kicker marks its kick, then looks whether the
   * runner is parked. One of the two always sees the other. */
  if (polling_inbox != self)
    g_atomic_int_set (&self->kicker_cpu, ta_spin_current_cpu ());
  g_atomic_int_set (&self->kicked, 1);
  if (g_atomic_int_get (&self->parked))
    g_main_context_wakeup (self->context);
}

/* How old the runner's last poll may be for a poll to be skipped: what
 * became ready since waits that long at most, under a stream of kicks. */
#define TA_INBOX_LOOK_US 100

/*
 * ta_inbox_kick_and_wait:
 *
 * A kick from a thread that blocks right after it, waiting for what the
 * iteration does (ta_guest_loop_wake_and_wait()). Any thread.
 */
void
ta_inbox_kick_and_wait (TaInbox *self)
{
  g_atomic_int_set (&self->kicker_waits, 1);
  ta_inbox_kick (self);
}

static gboolean
ta_inbox_has_news (TaInbox *self)
{
  return g_atomic_int_get (&self->kicked) || g_atomic_int_get (&self->n_items) > 0;
}

/* Every poll of the runner: when it last ran is known. */
static gint
ta_inbox_look (TaInbox *self,
               GPollFD *fds,
               guint    nfds,
               gint     timeout)
{
  gint ret = g_poll (fds, nfds, timeout);

  self->looked_at = g_get_monotonic_time ();

  return ret;
}

/*
 * A poll that must not wait. When the only descriptor is the context's own
 * wake-up one, it could only tell what the check that follows finds
 * anyway (GLib looks at every source then, and a wake-up left pending
 * shows at the next poll that waits): it is skipped, a system call less.
 *
 * Not in ThreadSanitizer builds: GLib orders a source attached from
 * another thread with its context lock, which TSan cannot see in an
 * uninstrumented libglib; it sees the order through that descriptor.
 */
static gint
ta_inbox_poll_now (TaInbox *self,
                   GPollFD *fds,
                   guint    nfds)
{
#ifndef TA_TSAN
  if (nfds == 0 || (nfds == 1 && fds[0].fd == self->wakeup_fd))
    return 0;
#endif

  return ta_inbox_look (self, fds, nfds, 0);
}

/*
 * ta_inbox_poll:
 * @spin: whether the runner may spin before it sleeps
 *
 * The runner's poll function, the one place where its thread sleeps:
 * g_poll() for what its context watches, after a bounded spin that
 * watches for kicks and, now and then, for the descriptors themselves.
 * Runner thread only.
 */
gint
ta_inbox_poll (TaInbox  *self,
               gboolean  spin,
               GPollFD  *fds,
               guint     nfds,
               gint      timeout)
{
  gint ret;
  gint64 budget_ns;

  polling_inbox = self;

  /* A turn that the inbox did not get (a source of a higher priority was
   * dispatched instead) ends here. */
  if (G_UNLIKELY (g_atomic_int_get (&self->in_turn)))
    g_atomic_int_set (&self->in_turn, FALSE);

  if (timeout == 0)
    {
      /* The iteration the kicker asked for is under way anyway. */
      if (g_atomic_int_get (&self->kicker_waits))
        g_atomic_int_set (&self->kicker_waits, 0);
      return ta_inbox_poll_now (self, fds, nfds);
    }

  /* The last kick from another thread tells where that thread runs. */
  ta_spin_budget_set_peer (&self->budget, g_atomic_int_get (&self->kicker_cpu));
  budget_ns = spin && ta_spin_allowed () ? ta_spin_budget_ns (&self->budget) : 0;
  if (budget_ns > 0)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 spin_end = now + budget_ns / 1000 + 1;

      if (timeout > 0)
        spin_end = MIN (spin_end, now + (gint64) timeout * 1000);

      for (guint i = 1; ; i++)
        {
          if (ta_inbox_has_news (self))
            {
              g_atomic_int_set (&self->kicked, 0);
              ta_spin_budget_feedback (&self->budget, TRUE);
              /*
               * The descriptors were found idle a moment ago: what became
               * ready since shows at a poll at most TA_INBOX_LOOK_US
               * later. The poll is skipped only for a
               * kicker that now waits. One that goes on running may hold
               * an interpreter's lock that the iteration needs (Python
               * between two calls): the poll's time lets it get to its
               * wait, where it releases the lock, rather than the runner
               * thread sleeping until it does.
               */
#ifndef TA_TSAN
              if (g_atomic_int_exchange (&self->kicker_waits, 0) &&
                  g_get_monotonic_time () - self->looked_at < TA_INBOX_LOOK_US)
                return 0;
#endif
              return ta_inbox_poll_now (self, fds, nfds);
            }
          ta_cpu_relax ();
          if (i % 64 == 0)
            {
              /* Other threads' sources and descriptors wake the context
               * through its own file descriptor. */
              ret = ta_inbox_look (self, fds, nfds, 0);
              if (ret != 0)
                {
                  ta_spin_budget_feedback (&self->budget, TRUE);
                  return ret;
                }
              if (g_get_monotonic_time () >= spin_end)
                break;
            }
        }
      ta_spin_budget_feedback (&self->budget, FALSE);
    }

  g_atomic_int_set (&self->parked, 1);
  if (g_atomic_int_exchange (&self->kicked, 0) || g_atomic_int_get (&self->n_items) > 0)
    {
      g_atomic_int_set (&self->parked, 0);
      return ta_inbox_look (self, fds, nfds, 0);
    }
  {
    gint64 parked_at = g_get_monotonic_time ();
    gint cpu = ta_spin_current_cpu ();

    ret = ta_inbox_look (self, fds, nfds, timeout);
    g_atomic_int_set (&self->parked, 0);
    g_atomic_int_set (&self->kicker_waits, 0);
    /* Whatever kicked us is published: the check that follows sees it. */
    if (g_atomic_int_exchange (&self->kicked, 0))
      ta_spin_budget_observe (&self->budget, (g_get_monotonic_time () - parked_at) * 1000,
                              cpu, g_atomic_int_get (&self->kicker_cpu));
  }

  return ret;
}

/*
 * ta_inbox_begin_turn:
 *
 * Runner thread, as its poll returns: from now until the inbox has run
 * what it holds (or found nothing to run), the thread is on its way to
 * ta-glib's own work, which names whatever it runs for the stall
 * watchdog; sources of a higher priority than the inbox's may come
 * first. Only marked while a watchdog looks.
 */
void
ta_inbox_begin_turn (TaInbox *self)
{
  g_atomic_int_set (&self->in_turn, TRUE);
}

/* Any thread: see ta_inbox_begin_turn(). */
gboolean
ta_inbox_in_turn (TaInbox *self)
{
  return g_atomic_int_get (&self->in_turn);
}

GSource *
ta_inbox_get_source (TaInbox *self)
{
  return self->source;
}

/*
 * ta_inbox_close:
 * @last_item: (nullable): an item appended as the very last one
 * @drain_end: monotonic time until which a dispatch may run what is
 *   queued without a break, or -1 for no limit
 *
 * Refuses further pushes. Appending @last_item in the same step lets the
 * runner know that everything before it has been seen.
 */
void
ta_inbox_close (TaInbox    *self,
                TaWorkItem *last_item,
                gint64      drain_end)
{
  ta_mutex_lock (&self->mutex);
  self->closed = TRUE;
  self->drain_end = drain_end;
  if (last_item != NULL)
    ta_inbox_append_locked (self, last_item);
  ta_mutex_unlock (&self->mutex);

  g_main_context_wakeup (self->context);
}

gboolean
ta_inbox_is_closed (TaInbox *self)
{
  gboolean closed;

  ta_mutex_lock (&self->mutex);
  closed = self->closed;
  ta_mutex_unlock (&self->mutex);

  return closed;
}

/* Takes every queued item, in order, as a list linked through ->next. */
TaWorkItem *
ta_inbox_steal_all (TaInbox *self)
{
  TaWorkItem *list;

  ta_mutex_lock (&self->mutex);
  list = self->head;
  self->head = self->tail = NULL;
  self->examined = NULL;
  self->n_examined = 0;
  g_atomic_int_set (&self->n_items, 0);
  ta_mutex_unlock (&self->mutex);

  return list;
}

void
ta_work_item_discard_list (TaWorkItem *list)
{
  while (list != NULL)
    {
      TaWorkItem *next = list->next;

      list->next = NULL;
      list->func (list, FALSE);
      list = next;
    }
}
