/* Queues (asyncio.Queue, LifoQueue, PriorityQueue) of intptr_t items.
 *
 * Getters wait only while the queue is empty and putters only while it is
 * full, so an item meets a waiter directly: a put hands its item to the
 * first waiting getter, and a get that frees a slot takes in the first
 * waiting putter's item. Nobody can overtake a waiter, and a hand-off costs
 * one wake-up. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

enum { FIFO, LIFO, PRIORITY };

typedef struct slot {
    intptr_t item;
    uint64_t seq;                        /* priority: insertion order breaks ties */
} slot;

struct wa_queue {
    wa__object obj;                      /* WA__QUEUE, whatever its order */
    uint8_t order;                       /* FIFO, LIFO or PRIORITY */
    uint8_t shut_down;                   /* wa_queue_shutdown was called */
    size_t maxsize;                      /* 0: unbounded */
    slot *slots;                         /* FIFO: a ring from head; LIFO: a stack; PRIORITY: a heap */
    size_t head, count, cap;
    uint64_t next_seq;
    int (*compare)(intptr_t a, intptr_t b);  /* priority: < 0 when a comes first */
    size_t unfinished;                   /* items put and not yet marked done */
    wa__waitq getters, putters, joiners;
};

static wa_queue *queue_new(int order, size_t maxsize, int (*compare)(intptr_t, intptr_t)) {
    wa_queue *q = wa__calloc(1, sizeof *q);
    if (!q) {
        wa__error(WA_ENOMEM, NULL);
        return NULL;
    }
    q->obj.kind = WA__QUEUE;
    q->order = (uint8_t)order;
    q->maxsize = maxsize;
    q->compare = compare;
    return q;
}

wa_queue *wa_queue_new(size_t maxsize) { return queue_new(FIFO, maxsize, NULL); }

wa_queue *wa_lifo_queue_new(size_t maxsize) { return queue_new(LIFO, maxsize, NULL); }

wa_queue *wa_priority_queue_new(size_t maxsize, int (*compare)(intptr_t a, intptr_t b)) {
    if (!compare) {
        wa__error(WA_EINVAL, "wa_priority_queue_new: the compare function is NULL");
        return NULL;
    }
    return queue_new(PRIORITY, maxsize, compare);
}

int wa_queue_free(wa_queue *q) {
    if (!q) return 0;
    if (!wa__is(q, WA__QUEUE)) return wa__bad_object(q, WA__QUEUE, "wa_queue_free");
    if (q->getters.head || q->putters.head || q->joiners.head) {
        int code = wa__error(WA_ESTATE, "the queue was freed while tasks waited");
        wa__waitq_wake_all(&q->getters, code);
        wa__waitq_wake_all(&q->putters, code);
        wa__waitq_wake_all(&q->joiners, code);
    }
    free(q->slots);
    wa__retire_object(q, sizeof *q);
    return 0;
}

/* ---------------------------------------------------------------- storage */

static int earlier(const wa_queue *q, const slot *a, const slot *b) {
    int c = q->compare(a->item, b->item);
    return c < 0 || (c == 0 && a->seq < b->seq);
}

static void sift_up(wa_queue *q, size_t i) {
    slot s = q->slots[i];
    for (size_t parent; i > 0 && earlier(q, &s, &q->slots[parent = (i - 1) / 2]); i = parent)
        q->slots[i] = q->slots[parent];
    q->slots[i] = s;
}

static void sift_down(wa_queue *q, size_t i) {
    slot s = q->slots[i];
    for (size_t child; (child = 2 * i + 1) < q->count; i = child) {
        if (child + 1 < q->count && earlier(q, &q->slots[child + 1], &q->slots[child])) child++;
        if (!earlier(q, &q->slots[child], &s)) break;
        q->slots[i] = q->slots[child];
    }
    q->slots[i] = s;
}

/* Room for one more item; keeps a ring's order when it grows. Within
 * maxsize, unless over is set (an item given back may exceed it by one). */
static int reserve(wa_queue *q, int over) {
    if (q->count < q->cap) return 0;
    size_t cap = q->cap ? q->cap * 2 : 8;
    if (q->maxsize && cap > q->maxsize) cap = q->maxsize;
    if (over && cap <= q->count) cap = q->count + 1;
    slot *slots = wa__realloc(q->slots, cap * sizeof *slots);
    if (!slots) return wa__error(WA_ENOMEM, "no memory for a queue item");
    if (q->order == FIFO && q->head + q->count > q->cap) {  /* the ring wrapped: unwrap it */
        size_t tail = q->head + q->count - q->cap;
        size_t moved = cap - q->cap < tail ? cap - q->cap : tail;
        memcpy(slots + q->cap, slots, moved * sizeof *slots);
        memmove(slots, slots + moved, (tail - moved) * sizeof *slots);
    }
    q->slots = slots;
    q->cap = cap;
    return 0;
}

/* A ring position: head + offset, wrapped without a division. */
static size_t ring_at(const wa_queue *q, size_t offset) {
    size_t at = q->head + offset;
    return at >= q->cap ? at - q->cap : at;
}

static void push(wa_queue *q, intptr_t item) {
    slot s = {item, q->next_seq++};
    if (q->order == FIFO) q->slots[ring_at(q, q->count)] = s;
    else q->slots[q->count] = s;
    q->count++;
    if (q->order == PRIORITY) sift_up(q, q->count - 1);
}

static intptr_t pop(wa_queue *q) {
    intptr_t item;
    q->count--;
    if (q->order == FIFO) {
        item = q->slots[q->head].item;
        q->head = ring_at(q, 1);
    } else if (q->order == LIFO) {
        item = q->slots[q->count].item;
    } else {
        item = q->slots[0].item;
        q->slots[0] = q->slots[q->count];
        if (q->count) sift_down(q, 0);
    }
    return item;
}

/* An item handed to a getter that was cancelled before it ran goes back
 * where the next get finds it first: to the next waiting getter, or the
 * front of the queue. Returns nonzero only when there was no memory. */
static int give_back(wa_queue *q, intptr_t item) {
    if (q->getters.head) {
        wa__waitq_wake(&q->getters, 0, item);
        return 0;
    }
    int rc = reserve(q, 1);
    if (rc) return rc;
    if (q->order != FIFO) {               /* LIFO: it was the newest; PRIORITY: it finds its place */
        push(q, item);
        return 0;
    }
    q->head = q->head ? q->head - 1 : q->cap - 1;
    q->slots[q->head] = (slot){item, q->next_seq++};
    q->count++;
    return 0;
}

static int full(const wa_queue *q) { return q->maxsize && q->count >= q->maxsize; }

/* ------------------------------------------------------------- operations */

__attribute__((noinline, cold)) static int shut_down_error(void) {
    return wa__error(WA_ESHUTDOWN, "the queue is shut down");
}

int wa_queue_put_nowait(wa_queue *q, intptr_t item) {
    if (!wa__is(q, WA__QUEUE)) return wa__bad_object(q, WA__QUEUE, "wa_queue_put_nowait");
    if (q->shut_down) return shut_down_error();
    if (q->getters.head) {               /* waiting getters mean an empty queue: hand it over */
        wa__waitq_wake(&q->getters, 0, item);
    } else {
        if (full(q)) return wa__error(WA_EFULL, "the queue is full");
        int rc = reserve(q, 0);
        if (rc) return rc;
        push(q, item);
    }
    q->unfinished++;
    return 0;
}

int wa_queue_put(wa_queue *q, intptr_t item) {
    if (!wa__is(q, WA__QUEUE)) return wa__bad_object(q, WA__QUEUE, "wa_queue_put");
    wa_task *t = wa__running("wa_queue_put");
    if (!t) return WA_ENOTASK;
    if (q->shut_down || !full(q) || q->getters.head) return wa_queue_put_nowait(q, item);
    t->wq.value = item;                  /* a get takes it in when a slot frees */
    int rc = wa__waitq_wait(&q->putters, t);
    return rc == WA_ESHUTDOWN ? shut_down_error() : rc;
}

int wa_queue_get_nowait(wa_queue *q, intptr_t *item) {
    if (!wa__is(q, WA__QUEUE)) return wa__bad_object(q, WA__QUEUE, "wa_queue_get_nowait");
    if (!item) return wa__error(WA_EINVAL, "wa_queue_get_nowait: item is NULL");
    if (!q->count) return q->shut_down ? shut_down_error() : wa__error(WA_EEMPTY, "the queue is empty");
    *item = pop(q);
    wa_task *putter = q->putters.head;
    if (putter) {                        /* a slot is free: the first waiting putter's item goes in */
        push(q, putter->wq.value);
        q->unfinished++;
        wa__waitq_wake(&q->putters, 0, 0);
    }
    return 0;
}

int wa_queue_get(wa_queue *q, intptr_t *item) {
    if (!wa__is(q, WA__QUEUE)) return wa__bad_object(q, WA__QUEUE, "wa_queue_get");
    if (!item) return wa__error(WA_EINVAL, "wa_queue_get: item is NULL");
    wa_task *t = wa__running("wa_queue_get");
    if (!t) return WA_ENOTASK;
    if (q->count || q->shut_down) return wa_queue_get_nowait(q, item);
    int rc = wa__waitq_wait(&q->getters, t);
    /* A freed queue cannot take the item back: the getter keeps it. */
    if (rc == 0 && t->must_cancel && wa__is(q, WA__QUEUE) && give_back(q, t->wq.value) == 0) {
        wa__task_take_cancel(t);         /* cancelled before it ran: ends cancelled, the item stays */
        return WA_ECANCELLED;
    }
    if (rc == 0) *item = t->wq.value;
    return rc == WA_ESHUTDOWN ? shut_down_error() : rc;
}

int wa_queue_task_done(wa_queue *q) {
    if (!wa__is(q, WA__QUEUE)) return wa__bad_object(q, WA__QUEUE, "wa_queue_task_done");
    if (!q->unfinished) return wa__error(WA_ESTATE, "task_done called more times than items were put");
    if (--q->unfinished == 0) wa__waitq_wake_all(&q->joiners, 0);
    return 0;
}

int wa_queue_join(wa_queue *q) {
    if (!wa__is(q, WA__QUEUE)) return wa__bad_object(q, WA__QUEUE, "wa_queue_join");
    wa_task *t = wa__running("wa_queue_join");
    if (!t) return WA_ENOTASK;
    return q->unfinished ? wa__waitq_wait(&q->joiners, t) : 0;
}

int wa_queue_shutdown(wa_queue *q, int immediate) {
    if (!wa__is(q, WA__QUEUE)) return wa__bad_object(q, WA__QUEUE, "wa_queue_shutdown");
    q->shut_down = 1;
    if (immediate) {                     /* the items go, and count as done */
        q->unfinished -= q->count < q->unfinished ? q->count : q->unfinished;
        q->count = q->head = 0;
        if (!q->unfinished) wa__waitq_wake_all(&q->joiners, 0);
    }
    wa__waitq_wake_all(&q->getters, WA_ESHUTDOWN);
    wa__waitq_wake_all(&q->putters, WA_ESHUTDOWN);
    return 0;
}

size_t wa_queue_qsize(const wa_queue *q) {
    if (!wa__is(q, WA__QUEUE)) return WA__BAD(q, WA__QUEUE, "wa_queue_qsize", 0);
    return q->count;
}

size_t wa_queue_maxsize(const wa_queue *q) {
    if (!wa__is(q, WA__QUEUE)) return WA__BAD(q, WA__QUEUE, "wa_queue_maxsize", 0);
    return q->maxsize;
}

/* A freed queue is empty, not full, and shut down: nothing more comes of it. */
int wa_queue_empty(const wa_queue *q) {
    if (!wa__is(q, WA__QUEUE)) return WA__BAD(q, WA__QUEUE, "wa_queue_empty", 1);
    return q->count == 0;
}

int wa_queue_full(const wa_queue *q) {
    if (!wa__is(q, WA__QUEUE)) return WA__BAD(q, WA__QUEUE, "wa_queue_full", 0);
    return full(q);
}

int wa_queue_is_shut_down(const wa_queue *q) {
    if (!wa__is(q, WA__QUEUE)) return WA__BAD(q, WA__QUEUE, "wa_queue_is_shut_down", 1);
    return q->shut_down;
}
