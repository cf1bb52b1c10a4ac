/* ta-inbox.c: the runner's queue of work from any thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "ta-context-private.h"
#include "ta-inbox-private.h"
#include "ta-monitor-private.h"
#include "ta-spin-private.h"

struct _TaInbox
{
  TaPostSource *source;    /* immutable, strong: the context's post source */
  TaWorkQueue  *queue;     /* immutable: the source's */
  GMainContext *context;   /* immutable, strong */
  gint          wakeup_fd; /* immutable: the context's own descriptor */

  /* The runner's idle wait (ta_inbox_poll()) and the threads that wake it
   * (ta_inbox_kick()) meet here: a kick only costs a system call when the
   * runner is really asleep in poll(). */
  gint          parked;    /* atomic: the runner sleeps in poll() */
  gint          kicked;    /* atomic: there is news since it last looked */
  gint          kicker_waits; /* atomic: ... from a thread that now waits */
  gint64        looked_at; /* runner thread: when poll() last ran */
  gint64        fresh_at;  /* runner thread: a clock reading made in
                            * this poll after its last wait, or 0 */
  gint          kicker_cpu;/* atomic: where the last kick from another
                            * thread came from, or -1 */
  TaSpinBudget  budget;    /* the runner thread's */
};

/* The queue became non-empty: under its lock, which a kick never takes. */
static void
ta_inbox_wake (gpointer data)
{
  ta_inbox_kick (data);
}

TaInbox *
ta_inbox_new (GMainContext *context)
{
  TaInbox *self = g_new0 (TaInbox, 1);

  self->kicker_cpu = -1;
  self->context = g_main_context_ref (context);
  self->wakeup_fd = ta_context_wakeup_fd (context);
  /* Closed until the runner starts; what a task posts to its runner's
   * context from another thread queues here too. */
  self->source = ta_post_source_new (context, "[ta-glib] runner inbox",
                                     TA_WORK_QUEUE_CLOSED, ta_inbox_wake, self);
  self->queue = ta_post_source_get_queue (self->source);

  return self;
}

/* Before the runner thread starts. */
void
ta_inbox_set_prepare (TaInbox           *self,
                      TaWorkClaimFunc    claim,
                      TaPostPrepareFunc  prepare)
{
  ta_post_source_set_prepare (self->source, claim, prepare);
}

/* The caller discards whatever is left first (ta_inbox_kill()). */
void
ta_inbox_free (TaInbox *self)
{
  g_assert (!ta_work_queue_has_items (self->queue));

  g_source_destroy ((GSource *) self->source);
  g_source_unref ((GSource *) self->source);
  g_main_context_unref (self->context);
  g_free (self);
}

/*
 * ta_inbox_push:
 *
 * Appends new work. Returns %FALSE, without consuming it, when the inbox
 * is closed. Any thread.
 */
gboolean
ta_inbox_push (TaInbox    *self,
               TaWorkItem *item)
{
  return ta_work_queue_push (self->queue, item);
}

void
ta_inbox_open (TaInbox *self)
{
  ta_work_queue_open (self->queue);
}

/*
 * ta_inbox_push_local:
 *
 * Appends @item even when the inbox is closed: the runner's own follow-up
 * work (publishing a task's outcome) must run or be discarded like the
 * rest. Discarded at once once the runner's thread is gone. Any thread.
 */
void
ta_inbox_push_local (TaInbox    *self,
                     TaWorkItem *item)
{
  ta_post_source_post (self->source, item);
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
  return g_atomic_int_get (&self->kicked) || ta_work_queue_has_items (self->queue);
}

/* Every poll of the runner: when it last ran is known. */
static gint
ta_inbox_look (TaInbox *self,
               GPollFD *fds,
               guint    nfds,
               gint     timeout)
{
  gint ret = g_poll (fds, nfds, timeout);

  self->fresh_at = self->looked_at = g_get_monotonic_time ();

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

/* News came while the runner looked for it, spinning or after giving its
 * CPU away: it goes to work without sleeping. */
static gint
ta_inbox_news_arrived (TaInbox *self,
                       GPollFD *fds,
                       guint    nfds)
{
  /* A reading made while looking is too old now. */
  self->fresh_at = 0;
  g_atomic_int_set (&self->kicked, 0);
  /*
   * The descriptors were found idle a moment ago: what became ready since
   * shows at a poll at most TA_INBOX_LOOK_US later. The poll is skipped
   * only for a kicker that now waits. One that goes on running may hold
   * an interpreter's lock that the iteration needs (Python between two
   * calls): the poll's time lets it get to its wait, where it releases
   * the lock, rather than the runner thread sleeping until it does.
   */
#ifndef TA_TSAN
  if (g_atomic_int_exchange (&self->kicker_waits, 0))
    {
      self->fresh_at = g_get_monotonic_time ();
      if (self->fresh_at - self->looked_at < TA_INBOX_LOOK_US)
        return 0;
    }
#endif

  return ta_inbox_poll_now (self, fds, nfds);
}

static gint
ta_inbox_poll_inner (TaInbox  *self,
                     gboolean  spin,
                     GPollFD  *fds,
                     guint     nfds,
                     gint      timeout,
                     gint64    before)
{
  gint ret;
  gint64 budget_ns;

  self->fresh_at = 0;

  /* A turn that the inbox did not get (a source of a higher priority was
   * dispatched instead) ends here. */
  ta_post_source_end_turn (self->source);

  polling_inbox = self;
  if (timeout == 0)
    {
      /* A poll that does not wait returns as it begins. */
      self->fresh_at = before;
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
      gint64 now = before != 0 ? before : g_get_monotonic_time ();
      gint64 spin_end = now + budget_ns / 1000 + 1;

      if (timeout > 0)
        spin_end = MIN (spin_end, now + (gint64) timeout * 1000);

      for (guint i = 1; ; i++)
        {
          if (ta_inbox_has_news (self))
            {
              ta_spin_budget_feedback (&self->budget, TRUE);
              return ta_inbox_news_arrived (self, fds, nfds);
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
  else if (spin && ta_spin_yield_allowed () && ta_spin_budget_yield_first (&self->budget))
    {
      gboolean news;

      /* The runner may only run on this CPU, and the thread that sent
       * the last work shares it, likely woken by what the runner just
       * did: it runs now, rather than once the runner sleeps, and what it
       * sends next then costs neither side a system call. */
      ta_spin_yield ();
      news = ta_inbox_has_news (self);
      ta_spin_budget_yield_feedback (&self->budget, news);
      if (news)
        return ta_inbox_news_arrived (self, fds, nfds);
    }

  g_atomic_int_set (&self->parked, 1);
  if (g_atomic_int_exchange (&self->kicked, 0) || ta_work_queue_has_items (self->queue))
    {
      g_atomic_int_set (&self->parked, 0);
      return ta_inbox_look (self, fds, nfds, 0);
    }
  {
    gint64 parked_at = before != 0 ? before : g_get_monotonic_time ();
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
  return ta_inbox_poll_timed (self, spin, fds, nfds, timeout, 0, NULL);
}

/*
 * ta_inbox_poll_timed:
 * @before: a reading of the monotonic clock made just now, or 0
 * @after: (out) (optional): a reading of the monotonic clock made after
 *   the poll's last wait, or 0 if it made none
 *
 * ta_inbox_poll(), sharing its clock readings with the caller: the
 * runner's stall watchdog needs one before the poll and one after, which
 * the poll mostly makes anyway. Runner thread only.
 */
gint
ta_inbox_poll_timed (TaInbox  *self,
                     gboolean  spin,
                     GPollFD  *fds,
                     guint     nfds,
                     gint      timeout,
                     gint64    before,
                     gint64   *after)
{
  gint ret = ta_inbox_poll_inner (self, spin, fds, nfds, timeout, before);

  if (after != NULL)
    *after = self->fresh_at;

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
  ta_post_source_begin_turn (self->source);
}

/* Any thread: see ta_inbox_begin_turn(). */
gboolean
ta_inbox_in_turn (TaInbox *self)
{
  return ta_post_source_in_turn (self->source);
}

GSource *
ta_inbox_get_source (TaInbox *self)
{
  return (GSource *) self->source;
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
  ta_work_queue_close (self->queue, last_item, drain_end);
  g_main_context_wakeup (self->context);
}

/*
 * Once the drain's deadline had its turn: the rest of a closed inbox runs
 * without a break again, each break costing an iteration that visits
 * every source of the context. Any thread.
 */
void
ta_inbox_end_drain_breaks (TaInbox *self)
{
  ta_work_queue_set_drain_end (self->queue, -1);
}

gboolean
ta_inbox_is_closed (TaInbox *self)
{
  return ta_work_queue_get_state (self->queue) != TA_WORK_QUEUE_OPEN;
}

/* Takes every queued item, in order, as a list linked through ->next. */
TaWorkItem *
ta_inbox_steal_all (TaInbox *self)
{
  return ta_work_queue_steal_all (self->queue);
}

/*
 * ta_inbox_kill:
 *
 * Nothing will run in the runner's context again (its thread is gone, or
 * abandoned): what is queued is discarded now, and what is posted from
 * now on at once. Any thread.
 */
void
ta_inbox_kill (TaInbox *self)
{
  ta_work_item_discard_list (ta_work_queue_kill (self->queue));
}
