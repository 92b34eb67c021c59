/* Wait queues: tasks parked in FIFO order until another task wakes them,
 * the base of locks, events, conditions, semaphores, barriers and queues.
 *
 * The waiting task is itself the queue node, so waiting allocates nothing.
 * A waker hands each woken task a code (0, or an error such as
 * WA_ESHUTDOWN) and, for queues, a value. A task cancelled while still
 * queued leaves the queue and its wait returns WA_ECANCELLED. A task
 * cancelled after being woken but before it runs gets the wake-up's code,
 * with the cancel still pending: the primitive decides (a lock, a unit or an
 * item is passed on and the call ends cancelled; a put already taken in
 * stands, and the cancel arrives at the next await). */
#include "internal.h"

static void unlink_task(wa__waitq *q, wa_task *t) {
    if (t->wq.prev) t->wq.prev->wq.next = t->wq.next;
    else q->head = t->wq.next;
    if (t->wq.next) t->wq.next->wq.prev = t->wq.prev;
    else q->tail = t->wq.prev;
    q->count--;
    t->parked = 0;
}

wa_task *wa__waitq_wake(wa__waitq *q, int code, intptr_t value) {
    wa_task *t = q->head;
    if (!t) return NULL;
    unlink_task(q, t);
    t->wq.code = code;
    t->wq.value = value;
    wa__list_push(&t->fut.loop->ready, &t->wake);
    return t;
}

void wa__waitq_wake_all(wa__waitq *q, int code) {
    while (wa__waitq_wake(q, code, 0)) {
    }
}

void wa__waitq_leave(wa_task *t) {
    if (t->parked) unlink_task(t->wq.queue, t);
}

int wa__waitq_cancel(wa_task *t) {
    if (!t->parked) return 0;
    unlink_task(t->wq.queue, t);
    t->wq.cancelled = 1;
    t->must_cancel = 1;                  /* delivered (with its message) as the wait returns */
    wa__list_push(&t->fut.loop->ready, &t->wake);
    return 1;
}
